/*
 * testlib.c - helpers shared by the graded tests. See testlib.h.
 */
#include "testlib.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void tl_loopback(int family, struct sockaddr_storage *addr)
{
    socklen_t len;

    ck_assert_msg(sl_addr_parse(family == AF_INET6 ? "::1" : "127.0.0.1", 0, addr, &len) == 0,
                  "harness: cannot make a loopback address");
}

int tl_listener(int family, struct sockaddr_storage *addr)
{
    int fd;

    tl_loopback(family, addr);
    fd = sl_listen_on(addr, 128);
    ck_assert_msg(fd != -1, "harness: cannot listen on %s loopback: %s",
                  family == AF_INET6 ? "IPv6" : "IPv4", sl_errno_name(errno));
    return fd;
}

int tl_connect(const struct sockaddr_storage *addr)
{
    int fd = sl_connect_to((const struct sockaddr *)addr);

    ck_assert_msg(fd != -1, "harness: cannot connect to %s: %s", tl_str(addr, 0), sl_errno_name(errno));
    return fd;
}

int tl_accept(int listen_fd, int timeout_ms)
{
    int ready = sl_wait_readable(listen_fd, timeout_ms);
    int fd;

    ck_assert_msg(ready == 1, "harness: no connection arrived within %d ms", timeout_ms);
    fd = accept(listen_fd, NULL, NULL);
    ck_assert_msg(fd != -1, "harness: accept() failed: %s", sl_errno_name(errno));
    return fd;
}

struct sl_diag_socket tl_kernel_view(int fd, const char *what)
{
    struct sl_diag_socket sock;
    int found = sl_diag_find_fd(fd, &sock);

    ck_assert_msg(found != -1, "%s (fd %d) is not a socket the kernel can describe: %s", what, fd,
                  sl_errno_name(errno));
    ck_assert_msg(found == 1, "the kernel's socket table has no TCP socket for %s (fd %d)", what, fd);
    return sock;
}

int tl_open_fd_count(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;
    int count = 0;

    ck_assert_msg(dir != NULL, "harness: cannot read /proc/self/fd");
    while ((e = readdir(dir)) != NULL)
        if (e->d_name[0] != '.')
            count++;
    closedir(dir);
    return count - 1; /* not the descriptor opendir() itself holds */
}

bool tl_fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

bool tl_ipv6_available(void)
{
    struct sockaddr_storage addr;
    socklen_t len;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    bool ok;

    if (fd == -1)
        return false;
    sl_addr_parse("::1", 0, &addr, &len);
    ok = bind(fd, (struct sockaddr *)&addr, len) == 0;
    close(fd);
    return ok;
}

const char *tl_str(const struct sockaddr_storage *addr, int slot)
{
    static char buf[4][SL_ADDRSTRLEN];

    slot &= 3;
    return sl_addr_format((const struct sockaddr *)addr, buf[slot], sizeof buf[slot]);
}

int tl_write_sysctl(const char *path, const char *value)
{
    FILE *f = fopen(path, "w");
    int ok;

    if (f == NULL)
        return -1;
    ok = fputs(value, f) >= 0;
    ok &= fclose(f) == 0;
    return ok ? 0 : -1;
}

/* A new network namespace has a loopback device, but it is down. */
static int bring_loopback_up(void)
{
    struct ifreq ifr = { 0 };
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int result = -1;

    if (fd == -1)
        return -1;
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        result = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    close(fd);
    return result;
}

int tl_enter_private_netns(void)
{
    if (geteuid() == 0) {
        if (unshare(CLONE_NEWNET) != 0)
            return -1;
    } else {
        /* Map our own uid to root inside a new user namespace. */
        char map[64];
        uid_t uid = getuid();
        gid_t gid = getgid();

        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
            return -1;
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        if (tl_write_sysctl("/proc/self/setgroups", "deny") != 0 || tl_write_sysctl("/proc/self/uid_map", map) != 0)
            return -1;
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        if (tl_write_sysctl("/proc/self/gid_map", map) != 0)
            return -1;
    }
    return bring_loopback_up();
}
