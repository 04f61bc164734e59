/*
 * lab.c - Lab 08 answered with the student's library alone (labs/common):
 * each function is the nearest call into that library with no logic of
 * its own, or fails with ENOSYS where the library has nothing to offer.
 * The self-test requires this file to score 0: the library handed to
 * students must perform no graded step.
 */
#include "lab.h"

#include <errno.h>

int lab08_prepare_worker(void)
{
    errno = ENOSYS;
    return -1;
}

int lab08_serve(const int *listen_fds, int n, int handoff_fd, int generation, int worker)
{
    (void)listen_fds;
    (void)n;
    (void)handoff_fd;
    (void)generation;
    (void)worker;
    errno = ENOSYS;
    return -1;
}

int lab08_wait_ready(int ready_fd, int count, int timeout_ms)
{
    (void)ready_fd;
    (void)count;
    (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

int lab08_listener(const struct sockaddr *addr, socklen_t len)
{
    (void)addr;
    (void)len;
    errno = ENOSYS;
    return -1;
}

int lab08_start_generation(const struct sockaddr *addr, socklen_t len, int n, int number, struct lab08_generation *gen)
{
    (void)addr;
    (void)len;
    (void)n;
    (void)number;
    (void)gen;
    errno = ENOSYS;
    return -1;
}

int lab08_stop_generation(struct lab08_generation *gen)
{
    (void)gen;
    errno = ENOSYS;
    return -1;
}

int lab08_probe(const struct sockaddr *addr, socklen_t len, int timeout_ms, int *generation)
{
    (void)addr;
    (void)len;
    (void)timeout_ms;
    (void)generation;
    errno = ENOSYS;
    return -1;
}

int lab08_restart_naive(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len, struct lab08_generation *next)
{
    (void)old;
    (void)addr;
    (void)len;
    (void)next;
    errno = ENOSYS;
    return -1;
}

int lab08_restart_overlap(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len, struct lab08_generation *next)
{
    (void)old;
    (void)addr;
    (void)len;
    (void)next;
    errno = ENOSYS;
    return -1;
}

int lab08_enable_migration(void)
{
    errno = ENOSYS;
    return -1;
}

int lab08_send_listeners(int unix_fd, const int *fds, int n)
{
    (void)unix_fd;
    (void)fds;
    (void)n;
    errno = ENOSYS;
    return -1;
}

int lab08_receive_listeners(int unix_fd, int *fds, int max, int timeout_ms)
{
    (void)unix_fd;
    (void)fds;
    (void)max;
    (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

int lab08_start_server(const struct sockaddr *addr, socklen_t len, int generation, struct lab08_server *server)
{
    (void)addr;
    (void)len;
    (void)generation;
    (void)server;
    errno = ENOSYS;
    return -1;
}

int lab08_restart_handoff(struct lab08_server *old, struct lab08_server *next)
{
    (void)old;
    (void)next;
    errno = ENOSYS;
    return -1;
}

int lab08_stop_server(struct lab08_server *server)
{
    (void)server;
    errno = ENOSYS;
    return -1;
}
