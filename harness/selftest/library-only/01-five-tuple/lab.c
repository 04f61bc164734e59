/*
 * lab.c - Lab 01 answered with the student's library alone (labs/common):
 * each function is the nearest call into that library with no logic of
 * its own, or fails with ENOSYS where the library has nothing to offer.
 * The self-test requires this file to score 0: the library handed to
 * students must perform no graded step.
 */
#include "lab.h"

#include <errno.h>

int lab01_connect(const struct sockaddr *server, socklen_t len)
{
    (void)server;
    (void)len;
    errno = ENOSYS;
    return -1;
}

int lab01_five_tuple(int fd, struct sl_five_tuple *tuple)
{
    (void)fd;
    (void)tuple;
    errno = ENOSYS;
    return -1;
}

int lab01_source_port(int fd)
{
    (void)fd;
    errno = ENOSYS;
    return -1;
}

int lab01_accept_view(int listen_fd, struct sl_five_tuple *tuple)
{
    (void)listen_fd;
    (void)tuple;
    errno = ENOSYS;
    return -1;
}

int lab01_connect_many(const struct sockaddr *server, socklen_t len, int *fds, int n)
{
    (void)server;
    (void)len;
    (void)fds;
    (void)n;
    errno = ENOSYS;
    return -1;
}

int lab01_connect_from(const struct sockaddr *local, socklen_t local_len, const struct sockaddr *server, socklen_t server_len)
{
    (void)local;
    (void)local_len;
    (void)server;
    (void)server_len;
    errno = ENOSYS;
    return -1;
}

int lab01_connect_loopback(int family, uint16_t port)
{
    (void)family;
    (void)port;
    errno = ENOSYS;
    return -1;
}
