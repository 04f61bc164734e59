/*
 * netns.c - a network namespace of our own, and writing a sysctl. See netns.h.
 */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int kit_write_text_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;
    int err;

    if (fd == -1)
        return -1;
    n = write(fd, text, strlen(text));
    err = errno;
    close(fd);
    errno = err;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A new network namespace has a loopback device, but it is down. */
static int bring_loopback_up(void)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int result, err;

    if (fd == -1)
        return -1;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    result = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (result == 0) {
        ifr.ifr_flags |= IFF_UP;
        result = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    err = errno;
    close(fd);
    errno = err;
    return result;
}

int kit_enter_private_netns(void)
{
    if (geteuid() == 0) {
        if (unshare(CLONE_NEWNET) != 0)
            return -1;
    } else {
        /* Map our own uid and gid to root inside a new user namespace. */
        char map[64];
        uid_t uid = getuid();
        gid_t gid = getgid();

        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
            return -1;
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        if (kit_write_text_file("/proc/self/setgroups", "deny") != 0 ||
            kit_write_text_file("/proc/self/uid_map", map) != 0)
            return -1;
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        if (kit_write_text_file("/proc/self/gid_map", map) != 0)
            return -1;
    }
    return bring_loopback_up();
}
