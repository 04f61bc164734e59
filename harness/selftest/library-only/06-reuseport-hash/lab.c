/*
 * lab.c - Lab 06 answered with the student's library alone (labs/common):
 * each function is the nearest call into that library with no logic of
 * its own, or fails with ENOSYS where the library has nothing to offer.
 * The self-test requires this file to score 0: the library handed to
 * students must perform no graded step.
 */
#include "lab.h"

#include <errno.h>

int lab06_join(struct sockaddr_storage *addr, int backlog)
{
    (void)addr;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}

int lab06_group_open(struct lab06_group *group, const struct sockaddr *addr, socklen_t len, int n, int backlog)
{
    (void)group;
    (void)addr;
    (void)len;
    (void)n;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}

int lab06_group_accept(const struct lab06_group *group, int timeout_ms, int *slot)
{
    (void)group;
    (void)timeout_ms;
    (void)slot;
    errno = ENOSYS;
    return -1;
}

int lab06_connect_from(const struct sockaddr *source, socklen_t source_len, const struct sockaddr *server, socklen_t server_len)
{
    (void)source;
    (void)source_len;
    (void)server;
    (void)server_len;
    errno = ENOSYS;
    return -1;
}

int lab06_close_reset(int fd)
{
    (void)fd;
    errno = ENOSYS;
    return -1;
}

int lab06_count_accepts(const struct lab06_group *group, int expected, int timeout_ms, long *counts)
{
    (void)group;
    (void)expected;
    (void)timeout_ms;
    (void)counts;
    errno = ENOSYS;
    return -1;
}

int lab06_workers_start(int listen_fd, int n, enum lab06_model model, struct lab06_workers *workers)
{
    (void)listen_fd;
    (void)n;
    (void)model;
    (void)workers;
    errno = ENOSYS;
    return -1;
}

int lab06_workers_stop(struct lab06_workers *workers)
{
    (void)workers;
    errno = ENOSYS;
    return -1;
}

int lab06_group_add(struct lab06_group *group, int backlog)
{
    (void)group;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}

int lab06_group_remove(struct lab06_group *group, int slot)
{
    (void)group;
    (void)slot;
    errno = ENOSYS;
    return -1;
}

int lab06_group_retire(struct lab06_group *group, int slot, bool migrate)
{
    (void)group;
    (void)slot;
    (void)migrate;
    errno = ENOSYS;
    return -1;
}
