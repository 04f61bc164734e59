/*
 * calls.c - Lab 01's contract, called across the process boundary.
 *
 * The tests call lab01_connect() and friends as usual; the linker (--wrap)
 * sends those calls here, and each proxy runs the student's function in
 * the subject process (harness/subject.h) with copies of its arguments.
 * The run_* half runs in the subject and calls __real_labNN_*, which is
 * the student's function itself.
 */
#include "lab.h"
#include "subject.h"

int __real_lab01_connect(const struct sockaddr *server, socklen_t len);
int __real_lab01_five_tuple(int fd, struct sl_five_tuple *tuple);
int __real_lab01_source_port(int fd);
int __real_lab01_accept_view(int listen_fd, struct sl_five_tuple *tuple);
int __real_lab01_connect_many(const struct sockaddr *server, socklen_t len, int *fds, int n);
int __real_lab01_connect_from(const struct sockaddr *local, socklen_t local_len, const struct sockaddr *server,
                              socklen_t server_len);
int __real_lab01_connect_loopback(int family, uint16_t port);

static long run_connect(const union sj_value *a)
{
    return __real_lab01_connect(a[0].p, (socklen_t)a[1].i);
}
int __wrap_lab01_connect(const struct sockaddr *server, socklen_t len)
{
    return (int)sj_call("lab01_connect", run_connect, 2, SJ_IN(server, len), SJ_INT(len));
}

static long run_five_tuple(const union sj_value *a)
{
    return __real_lab01_five_tuple((int)a[0].i, a[1].p);
}
int __wrap_lab01_five_tuple(int fd, struct sl_five_tuple *tuple)
{
    return (int)sj_call("lab01_five_tuple", run_five_tuple, 2, SJ_INT(fd), SJ_OUT(tuple, sizeof *tuple));
}

static long run_source_port(const union sj_value *a)
{
    return __real_lab01_source_port((int)a[0].i);
}
int __wrap_lab01_source_port(int fd)
{
    return (int)sj_call("lab01_source_port", run_source_port, 1, SJ_INT(fd));
}

static long run_accept_view(const union sj_value *a)
{
    return __real_lab01_accept_view((int)a[0].i, a[1].p);
}
int __wrap_lab01_accept_view(int listen_fd, struct sl_five_tuple *tuple)
{
    return (int)sj_call("lab01_accept_view", run_accept_view, 2, SJ_INT(listen_fd), SJ_OUT(tuple, sizeof *tuple));
}

static long run_connect_many(const union sj_value *a)
{
    return __real_lab01_connect_many(a[0].p, (socklen_t)a[1].i, a[2].p, (int)a[3].i);
}
int __wrap_lab01_connect_many(const struct sockaddr *server, socklen_t len, int *fds, int n)
{
    size_t room = n > 0 ? (size_t)n * sizeof *fds : 0;
    return (int)sj_call("lab01_connect_many", run_connect_many, 4, SJ_IN(server, len), SJ_INT(len),
                        SJ_INOUT(fds, room), SJ_INT(n));
}

static long run_connect_from(const union sj_value *a)
{
    return __real_lab01_connect_from(a[0].p, (socklen_t)a[1].i, a[2].p, (socklen_t)a[3].i);
}
int __wrap_lab01_connect_from(const struct sockaddr *local, socklen_t local_len, const struct sockaddr *server,
                              socklen_t server_len)
{
    return (int)sj_call("lab01_connect_from", run_connect_from, 4, SJ_IN(local, local_len), SJ_INT(local_len),
                        SJ_IN(server, server_len), SJ_INT(server_len));
}

static long run_connect_loopback(const union sj_value *a)
{
    return __real_lab01_connect_loopback((int)a[0].i, (uint16_t)a[1].i);
}
int __wrap_lab01_connect_loopback(int family, uint16_t port)
{
    return (int)sj_call("lab01_connect_loopback", run_connect_loopback, 2, SJ_INT(family), SJ_INT(port));
}

SJ_SAME_SIGNATURE(lab01_connect);
SJ_SAME_SIGNATURE(lab01_five_tuple);
SJ_SAME_SIGNATURE(lab01_source_port);
SJ_SAME_SIGNATURE(lab01_accept_view);
SJ_SAME_SIGNATURE(lab01_connect_many);
SJ_SAME_SIGNATURE(lab01_connect_from);
SJ_SAME_SIGNATURE(lab01_connect_loopback);
