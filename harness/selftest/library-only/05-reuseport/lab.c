/*
 * lab.c - Lab 05 answered with the student's library alone (labs/common):
 * each function is the nearest call into that library with no logic of
 * its own, or fails with ENOSYS where the library has nothing to offer.
 * The self-test requires this file to score 0: the library handed to
 * students must perform no graded step.
 */
#include "lab.h"

#include <errno.h>

int lab05_reuseport_listener(const struct sockaddr *addr, socklen_t len, int backlog)
{
    (void)addr;
    (void)len;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}

int lab05_listener_pair(const struct sockaddr *addr, socklen_t len, int fds[2])
{
    (void)addr;
    (void)len;
    (void)fds;
    errno = ENOSYS;
    return -1;
}

int lab05_count_listeners(const struct sockaddr *addr, uint64_t *inodes, int max)
{
    /* LISTEN sockets on the port, whatever their address. */
    struct sl_diag_socket found[64];
    struct sl_diag_filter filter = {
        .states = SL_DIAG_STATE(10),
        .local_port = sl_addr_port(addr),
    };
    int n = sl_diag_list(&filter, found, 64);
    for (int i = 0; i < n && i < max && i < 64; i++)
        inodes[i] = found[i].inode;
    return n;
}

int lab05_reserve_port(const struct sockaddr *addr, socklen_t len)
{
    (void)addr;
    (void)len;
    errno = ENOSYS;
    return -1;
}

int lab05_start_workers(const struct sockaddr *addr, socklen_t len, int n, struct lab05_pool *pool)
{
    (void)addr;
    (void)len;
    (void)n;
    (void)pool;
    errno = ENOSYS;
    return -1;
}

int lab05_stop_workers(struct lab05_pool *pool)
{
    (void)pool;
    errno = ENOSYS;
    return -1;
}

int lab05_listener_then_drop(const struct sockaddr *addr, socklen_t len, uid_t uid, gid_t gid)
{
    (void)addr;
    (void)len;
    (void)uid;
    (void)gid;
    errno = ENOSYS;
    return -1;
}
