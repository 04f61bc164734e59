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
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <grp.h>
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

int kit_become_namespace_root(uid_t root_as, uid_t nobody_as)
{
    /*
     * After unshare() we have no privilege left outside the new namespace,
     * and mapping two uids needs CAP_SETUID there: a child that stays
     * behind writes the maps for us.
     */
    int go[2], done[2];
    pid_t self = getpid(), helper;
    char byte = 0;
    int status, err = 0;

    if (pipe2(go, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(done, O_CLOEXEC) != 0) {
        err = errno;
        close(go[0]);
        close(go[1]);
        errno = err;
        return -1;
    }
    helper = fork();
    if (helper == 0) {
        char path[64], map[96];
        int ok = read(go[0], &byte, 1) == 1;

        snprintf(map, sizeof map, "0 %u 1\n%u %u 1\n", (unsigned)root_as, KIT_NAMESPACE_NOBODY, (unsigned)nobody_as);
        snprintf(path, sizeof path, "/proc/%d/uid_map", (int)self);
        ok = ok && kit_write_text_file(path, map) == 0;
        snprintf(path, sizeof path, "/proc/%d/gid_map", (int)self);
        ok = ok && kit_write_text_file(path, map) == 0;
        byte = ok ? 'y' : 'n';
        _exit(write(done[1], &byte, 1) == 1 && ok ? 0 : 1);
    }
    if (helper == -1 || unshare(CLONE_NEWUSER) != 0)
        err = errno;
    /* Tell the helper to go on (or to give up: it then reads end-of-file). */
    if (err == 0 && write(go[1], "g", 1) != 1)
        err = errno;
    close(go[1]);
    if (helper > 0) {
        if (read(done[0], &byte, 1) != 1 || byte != 'y')
            err = err ? err : EPERM;
        waitpid(helper, &status, 0);
    }
    close(go[0]);
    close(done[0]);
    close(done[1]);
    if (err == 0 && (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0 || setgroups(0, NULL) != 0))
        err = errno;
    errno = err;
    return err ? -1 : 0;
}

/* In the throwaway namespace: 1 when the queued connection moved, 0 when not, 2 when the try failed. */
static int try_migration(void)
{
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    int on = 1;

    if (unshare(CLONE_NEWNET) != 0 || bring_loopback_up() != 0)
        return 2;
    if (kit_write_text_file("/proc/sys/net/ipv4/tcp_migrate_req", "1") != 0)
        return errno == ENOENT ? 3 : 2;
    int first = socket(AF_INET, SOCK_STREAM, 0);
    if (first == -1 || setsockopt(first, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
        bind(first, (struct sockaddr *)&addr, len) != 0 || listen(first, 4) != 0 ||
        getsockname(first, (struct sockaddr *)&addr, &len) != 0)
        return 2;
    /* The one connection waits in the first listener's queue: it is alone. */
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client == -1 || connect(client, (struct sockaddr *)&addr, len) != 0)
        return 2;
    int second = socket(AF_INET, SOCK_STREAM, 0);
    if (second == -1 || setsockopt(second, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
        bind(second, (struct sockaddr *)&addr, len) != 0 || listen(second, 4) != 0)
        return 2;
    close(first);
    struct pollfd ready = { .fd = second, .events = POLLIN };
    return poll(&ready, 1, 1000) == 1 ? 1 : 0;
}

int kit_migration_works(void)
{
    int status;
    pid_t child = fork();

    if (child == -1)
        return -1;
    if (child == 0)
        _exit(try_migration());
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        errno = ECHILD;
        return -1;
    }
    switch (WEXITSTATUS(status)) {
    case 0: return 0;
    case 1: return 1;
    case 3: errno = ENOENT; return -1;
    default: errno = EPERM; return -1;
    }
}

const char *kit_migration_missing(int works, int err)
{
    if (works == 0)
        return "this kernel has net.ipv4.tcp_migrate_req but does not move a closing listener's queue (tried in a "
               "throwaway network namespace): Debian 11's 5.10 kernels are like that; Linux 5.14 and later move it";
    if (err == ENOENT)
        return "this kernel has no net.ipv4.tcp_migrate_req (it came in Linux 5.14)";
    return "the migration could not be tried here (no throwaway network namespace could be made)";
}
