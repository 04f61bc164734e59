/*
 * lab.c - Lab 07 answered with the student's library alone (labs/common):
 * each function is the nearest call into that library with no logic of
 * its own, or fails with ENOSYS where the library has nothing to offer.
 * The self-test requires this file to score 0: the library handed to
 * students must perform no graded step.
 */
#include "lab.h"

#include <errno.h>

int lab07_format_response(char *buf, size_t size, int worker)
{
    (void)buf;
    (void)size;
    (void)worker;
    errno = ENOSYS;
    return -1;
}

int lab07_serve_connection(int conn_fd, int worker, const struct lab07_config *config)
{
    (void)conn_fd;
    (void)worker;
    (void)config;
    errno = ENOSYS;
    return -1;
}

int lab07_accept_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    (void)listen_fd;
    (void)worker;
    (void)config;
    errno = ENOSYS;
    return -1;
}

int lab07_start_shared(struct lab07_server *server, lab07_worker_loop loop)
{
    (void)server;
    (void)loop;
    errno = ENOSYS;
    return -1;
}

int lab07_epoll_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    (void)listen_fd;
    (void)worker;
    (void)config;
    errno = ENOSYS;
    return -1;
}

int lab07_start_reuseport(struct lab07_server *server, lab07_worker_loop loop)
{
    (void)server;
    (void)loop;
    errno = ENOSYS;
    return -1;
}

int lab07_stop(struct lab07_server *server)
{
    (void)server;
    errno = ENOSYS;
    return -1;
}
