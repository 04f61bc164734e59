/*
 * lab.c - Lab 02 answered with the student's library alone (labs/common):
 * each function is the nearest call into that library with no logic of
 * its own, or fails with ENOSYS where the library has nothing to offer.
 * The self-test requires this file to score 0: the library handed to
 * students must perform no graded step.
 */
#include "lab.h"

#include <errno.h>

int lab02_socket(int family)
{
    (void)family;
    errno = ENOSYS;
    return -1;
}

int lab02_bind_loopback(int fd, int family, uint16_t port)
{
    (void)fd;
    (void)family;
    (void)port;
    errno = ENOSYS;
    return -1;
}

int lab02_listen(int fd, int backlog)
{
    (void)fd;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}

int lab02_accept(int listen_fd, struct sockaddr_storage *client)
{
    (void)listen_fd;
    (void)client;
    errno = ENOSYS;
    return -1;
}

int lab02_open_server(int family, uint16_t port, int backlog)
{
    (void)family;
    (void)port;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}

int lab02_echo_serve(int listen_fd, int nclients)
{
    (void)listen_fd;
    (void)nclients;
    errno = ENOSYS;
    return -1;
}

ssize_t lab02_echo_request(const struct sockaddr *server, socklen_t len, const void *msg, size_t msg_len, void *reply, size_t reply_size)
{
    (void)server;
    (void)len;
    (void)msg;
    (void)msg_len;
    (void)reply;
    (void)reply_size;
    errno = ENOSYS;
    return -1;
}
