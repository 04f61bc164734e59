/*
 * observe.c - the kit's view of the kernel. See observe.h.
 */
#include "observe.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "net.h"

uint64_t kit_socket_inode(int fd)
{
    struct stat st;

    if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
        return 0;
    return st.st_ino;
}

int kit_diag_find_fd(int fd, struct sl_diag_socket *out)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    uint64_t inode = kit_socket_inode(fd);

    if (inode == 0) {
        errno = ENOTSOCK;
        return -1;
    }
    /* Narrow the dump by family and port: only the inode is needed, but a
     * smaller dump is faster on a machine with many sockets. */
    if (getsockname(fd, (struct sockaddr *)&local, &len) == -1)
        return -1;
    struct sl_diag_filter filter = {
        .family = local.ss_family == AF_INET6 ? AF_INET6 : AF_INET,
        .local_port = sl_addr_port((struct sockaddr *)&local),
        .inode = inode,
    };
    int n = sl_diag_list(&filter, out, 1);
    return n < 0 ? -1 : (n > 0 ? 1 : 0);
}

int kit_diag_wait(const struct sl_diag_filter *filter, int timeout_ms, struct sl_diag_socket *out)
{
    long long deadline = sl_now_ms() + timeout_ms;
    struct sl_diag_socket found;
    int delay_ms = 1;

    for (;;) {
        int n = sl_diag_list(filter, &found, 1);
        if (n < 0)
            return -1;
        if (n > 0) {
            if (out)
                *out = found;
            return 1;
        }
        if (sl_now_ms() >= deadline)
            return 0;
        /* Back off from 1 ms to 20 ms: state changes on loopback are fast. */
        poll(NULL, 0, delay_ms);
        if (delay_ms < 20)
            delay_ms *= 2;
    }
}

