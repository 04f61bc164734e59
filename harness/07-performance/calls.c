/*
 * calls.c - Lab 07's contract, called across the process boundary.
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

int __real_lab07_format_response(char *buf, size_t size, int worker);
int __real_lab07_serve_connection(int conn_fd, int worker, const struct lab07_config *config);
int __real_lab07_accept_loop(int listen_fd, int worker, const struct lab07_config *config);
int __real_lab07_start_shared(struct lab07_server *server, lab07_worker_loop loop);
int __real_lab07_epoll_loop(int listen_fd, int worker, const struct lab07_config *config);
int __real_lab07_start_reuseport(struct lab07_server *server, lab07_worker_loop loop);
int __real_lab07_stop(struct lab07_server *server);

static long run_format_response(const union sj_value *a)
{
    return __real_lab07_format_response(a[0].p, (size_t)a[1].i, (int)a[2].i);
}
int __wrap_lab07_format_response(char *buf, size_t size, int worker)
{
    return (int)sj_call("lab07_format_response", run_format_response, 3, SJ_INOUT(buf, size), SJ_INT(size), SJ_INT(worker));
}

static long run_serve_connection(const union sj_value *a)
{
    return __real_lab07_serve_connection((int)a[0].i, (int)a[1].i, a[2].p);
}
int __wrap_lab07_serve_connection(int conn_fd, int worker, const struct lab07_config *config)
{
    return (int)sj_call("lab07_serve_connection", run_serve_connection, 3, SJ_INT(conn_fd), SJ_INT(worker), SJ_IN(config, sizeof *config));
}

static long run_accept_loop(const union sj_value *a)
{
    return __real_lab07_accept_loop((int)a[0].i, (int)a[1].i, a[2].p);
}
int __wrap_lab07_accept_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    return (int)sj_call("lab07_accept_loop", run_accept_loop, 3, SJ_INT(listen_fd), SJ_INT(worker), SJ_IN(config, sizeof *config));
}

static long run_start_shared(const union sj_value *a)
{
    return __real_lab07_start_shared(a[0].p, (lab07_worker_loop)a[1].f);
}
int __wrap_lab07_start_shared(struct lab07_server *server, lab07_worker_loop loop)
{
    return (int)sj_call("lab07_start_shared", run_start_shared, 2, SJ_INOUT(server, sizeof *server), SJ_FUNC(loop));
}

static long run_epoll_loop(const union sj_value *a)
{
    return __real_lab07_epoll_loop((int)a[0].i, (int)a[1].i, a[2].p);
}
int __wrap_lab07_epoll_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    return (int)sj_call("lab07_epoll_loop", run_epoll_loop, 3, SJ_INT(listen_fd), SJ_INT(worker), SJ_IN(config, sizeof *config));
}

static long run_start_reuseport(const union sj_value *a)
{
    return __real_lab07_start_reuseport(a[0].p, (lab07_worker_loop)a[1].f);
}
int __wrap_lab07_start_reuseport(struct lab07_server *server, lab07_worker_loop loop)
{
    return (int)sj_call("lab07_start_reuseport", run_start_reuseport, 2, SJ_INOUT(server, sizeof *server), SJ_FUNC(loop));
}

static long run_stop(const union sj_value *a)
{
    return __real_lab07_stop(a[0].p);
}
int __wrap_lab07_stop(struct lab07_server *server)
{
    return (int)sj_call("lab07_stop", run_stop, 1, SJ_INOUT(server, sizeof *server));
}

SJ_SAME_SIGNATURE(lab07_format_response);
SJ_SAME_SIGNATURE(lab07_serve_connection);
SJ_SAME_SIGNATURE(lab07_accept_loop);
SJ_SAME_SIGNATURE(lab07_start_shared);
SJ_SAME_SIGNATURE(lab07_epoll_loop);
SJ_SAME_SIGNATURE(lab07_start_reuseport);
SJ_SAME_SIGNATURE(lab07_stop);
