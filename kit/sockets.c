/*
 * sockets.c - the kit's own socket helpers. See sockets.h.
 */
#include "sockets.h"
#include "sockdiag.h"
#include "observe.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int kit_five_tuple_of(int fd, struct sl_five_tuple *tuple)
{
    /* The kernel's own table, by the socket's inode: not getsockname() and
     * getpeername(), which are what a lab asks the student to call. */
    struct sl_diag_socket entry;
    int found = kit_diag_find_fd(fd, &entry);

    if (found == -1)
        return -1;
    if (found == 0 || entry.linux_state == TCP_LISTEN || entry.linux_state == TCP_CLOSE) {
        errno = ENOTCONN;
        return -1;
    }
    memset(tuple, 0, sizeof *tuple);
    tuple->protocol = IPPROTO_TCP;
    tuple->local = entry.local;
    tuple->remote = entry.remote;
    return 0;
}

int kit_local_port_range(uint16_t *low, uint16_t *high)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    unsigned lo, hi;
    int n;

    if (f == NULL)
        return -1;
    n = fscanf(f, "%u %u", &lo, &hi);
    fclose(f);
    if (n != 2 || lo > 65535 || hi > 65535 || lo > hi) {
        errno = EINVAL;
        return -1;
    }
    *low = (uint16_t)lo;
    *high = (uint16_t)hi;
    return 0;
}

int kit_listen_on(struct sockaddr_storage *addr, int backlog)
{
    socklen_t len = sl_addr_len((struct sockaddr *)addr);
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    if (bind(fd, (struct sockaddr *)addr, len) == -1 || listen(fd, backlog) == -1)
        goto fail;
    len = sizeof *addr;
    if (getsockname(fd, (struct sockaddr *)addr, &len) == -1)
        goto fail;
    return fd;

fail: {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
}
}

int kit_connect_to(const struct sockaddr *addr)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    if (connect(fd, addr, sl_addr_len(addr)) == -1) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int kit_open_fd_count(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;
    int count = 0;

    if (dir == NULL)
        return -1;
    while ((e = readdir(dir)) != NULL)
        if (e->d_name[0] != '.')
            count++;
    closedir(dir);
    return count - 1; /* not the descriptor opendir() itself holds */
}
