/*
 * calls.c - Lab 02's contract, called across the process boundary.
 *
 * The tests call the lab's functions as usual; the linker (--wrap) sends
 * those calls here, and each proxy runs the student's function in the
 * subject process (harness/subject.h) with copies of its arguments. The
 * run_* half runs in the subject and calls __real_labNN_*, which is the
 * student's function itself.
 */
#include "lab.h"
#include "subject.h"

#include <stddef.h>

int __real_lab02_socket(int family);
int __real_lab02_bind_loopback(int fd, int family, uint16_t port);
int __real_lab02_listen(int fd, int backlog);
int __real_lab02_accept(int listen_fd, struct sockaddr_storage *client);
int __real_lab02_open_server(int family, uint16_t port, int backlog);
int __real_lab02_echo_serve(int listen_fd, int nclients);
ssize_t __real_lab02_echo_request(const struct sockaddr *server, socklen_t len, const void *msg, size_t msg_len, void *reply, size_t reply_size);

static long run_socket(const union sj_value *a)
{
    return __real_lab02_socket((int)a[0].i);
}
int __wrap_lab02_socket(int family)
{
    return (int)sj_call("lab02_socket", run_socket, 1, SJ_INT(family));
}

static long run_bind_loopback(const union sj_value *a)
{
    return __real_lab02_bind_loopback((int)a[0].i, (int)a[1].i, (uint16_t)a[2].i);
}
int __wrap_lab02_bind_loopback(int fd, int family, uint16_t port)
{
    return (int)sj_call("lab02_bind_loopback", run_bind_loopback, 3, SJ_INT(fd), SJ_INT(family), SJ_INT(port));
}

static long run_listen(const union sj_value *a)
{
    return __real_lab02_listen((int)a[0].i, (int)a[1].i);
}
int __wrap_lab02_listen(int fd, int backlog)
{
    return (int)sj_call("lab02_listen", run_listen, 2, SJ_INT(fd), SJ_INT(backlog));
}

static long run_accept(const union sj_value *a)
{
    return __real_lab02_accept((int)a[0].i, a[1].p);
}
int __wrap_lab02_accept(int listen_fd, struct sockaddr_storage *client)
{
    return (int)sj_call("lab02_accept", run_accept, 2, SJ_INT(listen_fd), SJ_INOUT(client, sizeof *client));
}

static long run_open_server(const union sj_value *a)
{
    return __real_lab02_open_server((int)a[0].i, (uint16_t)a[1].i, (int)a[2].i);
}
int __wrap_lab02_open_server(int family, uint16_t port, int backlog)
{
    return (int)sj_call("lab02_open_server", run_open_server, 3, SJ_INT(family), SJ_INT(port), SJ_INT(backlog));
}

static long run_echo_serve(const union sj_value *a)
{
    return __real_lab02_echo_serve((int)a[0].i, (int)a[1].i);
}
int __wrap_lab02_echo_serve(int listen_fd, int nclients)
{
    return (int)sj_call("lab02_echo_serve", run_echo_serve, 2, SJ_INT(listen_fd), SJ_INT(nclients));
}

static long run_echo_request(const union sj_value *a)
{
    return __real_lab02_echo_request(a[0].p, (socklen_t)a[1].i, a[2].p, (size_t)a[3].i, a[4].p, (size_t)a[5].i);
}
ssize_t __wrap_lab02_echo_request(const struct sockaddr *server, socklen_t len, const void *msg, size_t msg_len, void *reply, size_t reply_size)
{
    return (ssize_t)sj_call("lab02_echo_request", run_echo_request, 6, SJ_IN(server, len), SJ_INT(len), SJ_IN(msg, msg_len), SJ_INT(msg_len), SJ_INOUT(reply, reply_size), SJ_INT(reply_size));
}

SJ_SAME_SIGNATURE(lab02_socket);
SJ_SAME_SIGNATURE(lab02_bind_loopback);
SJ_SAME_SIGNATURE(lab02_listen);
SJ_SAME_SIGNATURE(lab02_accept);
SJ_SAME_SIGNATURE(lab02_open_server);
SJ_SAME_SIGNATURE(lab02_echo_serve);
SJ_SAME_SIGNATURE(lab02_echo_request);
