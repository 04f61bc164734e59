/*
 * calls.c - Lab 08's contract, called across the process boundary.
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

int __real_lab08_prepare_worker(void);
int __real_lab08_serve(const int *listen_fds, int n, int handoff_fd, int generation, int worker);
int __real_lab08_wait_ready(int ready_fd, int count, int timeout_ms);
int __real_lab08_listener(const struct sockaddr *addr, socklen_t len);
int __real_lab08_start_generation(const struct sockaddr *addr, socklen_t len, int n, int number, struct lab08_generation *gen);
int __real_lab08_stop_generation(struct lab08_generation *gen);
int __real_lab08_probe(const struct sockaddr *addr, socklen_t len, int timeout_ms, int *generation);
int __real_lab08_restart_naive(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len, struct lab08_generation *next);
int __real_lab08_restart_overlap(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len, struct lab08_generation *next);
int __real_lab08_enable_migration(void);
int __real_lab08_send_listeners(int unix_fd, const int *fds, int n);
int __real_lab08_receive_listeners(int unix_fd, int *fds, int max, int timeout_ms);
int __real_lab08_start_server(const struct sockaddr *addr, socklen_t len, int generation, struct lab08_server *server);
int __real_lab08_restart_handoff(struct lab08_server *old, struct lab08_server *next);
int __real_lab08_stop_server(struct lab08_server *server);

static long run_prepare_worker(const union sj_value *a)
{
    (void)a;
    return __real_lab08_prepare_worker();
}
int __wrap_lab08_prepare_worker(void)
{
    return (int)sj_call("lab08_prepare_worker", run_prepare_worker, 0);
}

static long run_serve(const union sj_value *a)
{
    return __real_lab08_serve(a[0].p, (int)a[1].i, (int)a[2].i, (int)a[3].i, (int)a[4].i);
}
int __wrap_lab08_serve(const int *listen_fds, int n, int handoff_fd, int generation, int worker)
{
    return (int)sj_call("lab08_serve", run_serve, 5, SJ_IN(listen_fds, n > 0 ? (size_t)n * sizeof *listen_fds : 0), SJ_INT(n), SJ_INT(handoff_fd), SJ_INT(generation), SJ_INT(worker));
}

static long run_wait_ready(const union sj_value *a)
{
    return __real_lab08_wait_ready((int)a[0].i, (int)a[1].i, (int)a[2].i);
}
int __wrap_lab08_wait_ready(int ready_fd, int count, int timeout_ms)
{
    return (int)sj_call("lab08_wait_ready", run_wait_ready, 3, SJ_INT(ready_fd), SJ_INT(count), SJ_INT(timeout_ms));
}

static long run_listener(const union sj_value *a)
{
    return __real_lab08_listener(a[0].p, (socklen_t)a[1].i);
}
int __wrap_lab08_listener(const struct sockaddr *addr, socklen_t len)
{
    return (int)sj_call("lab08_listener", run_listener, 2, SJ_IN(addr, len), SJ_INT(len));
}

static long run_start_generation(const union sj_value *a)
{
    return __real_lab08_start_generation(a[0].p, (socklen_t)a[1].i, (int)a[2].i, (int)a[3].i, a[4].p);
}
int __wrap_lab08_start_generation(const struct sockaddr *addr, socklen_t len, int n, int number, struct lab08_generation *gen)
{
    return (int)sj_call("lab08_start_generation", run_start_generation, 5, SJ_IN(addr, len), SJ_INT(len), SJ_INT(n), SJ_INT(number), SJ_INOUT(gen, sizeof *gen));
}

static long run_stop_generation(const union sj_value *a)
{
    return __real_lab08_stop_generation(a[0].p);
}
int __wrap_lab08_stop_generation(struct lab08_generation *gen)
{
    return (int)sj_call("lab08_stop_generation", run_stop_generation, 1, SJ_INOUT(gen, sizeof *gen));
}

static long run_probe(const union sj_value *a)
{
    return __real_lab08_probe(a[0].p, (socklen_t)a[1].i, (int)a[2].i, a[3].p);
}
int __wrap_lab08_probe(const struct sockaddr *addr, socklen_t len, int timeout_ms, int *generation)
{
    return (int)sj_call("lab08_probe", run_probe, 4, SJ_IN(addr, len), SJ_INT(len), SJ_INT(timeout_ms), SJ_INOUT(generation, sizeof *generation));
}

static long run_restart_naive(const union sj_value *a)
{
    return __real_lab08_restart_naive(a[0].p, a[1].p, (socklen_t)a[2].i, a[3].p);
}
int __wrap_lab08_restart_naive(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len, struct lab08_generation *next)
{
    return (int)sj_call("lab08_restart_naive", run_restart_naive, 4, SJ_INOUT(old, sizeof *old), SJ_IN(addr, len), SJ_INT(len), SJ_INOUT(next, sizeof *next));
}

static long run_restart_overlap(const union sj_value *a)
{
    return __real_lab08_restart_overlap(a[0].p, a[1].p, (socklen_t)a[2].i, a[3].p);
}
int __wrap_lab08_restart_overlap(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len, struct lab08_generation *next)
{
    return (int)sj_call("lab08_restart_overlap", run_restart_overlap, 4, SJ_INOUT(old, sizeof *old), SJ_IN(addr, len), SJ_INT(len), SJ_INOUT(next, sizeof *next));
}

static long run_enable_migration(const union sj_value *a)
{
    (void)a;
    return __real_lab08_enable_migration();
}
int __wrap_lab08_enable_migration(void)
{
    return (int)sj_call("lab08_enable_migration", run_enable_migration, 0);
}

static long run_send_listeners(const union sj_value *a)
{
    return __real_lab08_send_listeners((int)a[0].i, a[1].p, (int)a[2].i);
}
int __wrap_lab08_send_listeners(int unix_fd, const int *fds, int n)
{
    return (int)sj_call("lab08_send_listeners", run_send_listeners, 3, SJ_INT(unix_fd), SJ_IN(fds, n > 0 ? (size_t)n * sizeof *fds : 0), SJ_INT(n));
}

static long run_receive_listeners(const union sj_value *a)
{
    return __real_lab08_receive_listeners((int)a[0].i, a[1].p, (int)a[2].i, (int)a[3].i);
}
int __wrap_lab08_receive_listeners(int unix_fd, int *fds, int max, int timeout_ms)
{
    return (int)sj_call("lab08_receive_listeners", run_receive_listeners, 4, SJ_INT(unix_fd), SJ_INOUT(fds, max > 0 ? (size_t)max * sizeof *fds : 0), SJ_INT(max), SJ_INT(timeout_ms));
}

static long run_start_server(const union sj_value *a)
{
    return __real_lab08_start_server(a[0].p, (socklen_t)a[1].i, (int)a[2].i, a[3].p);
}
int __wrap_lab08_start_server(const struct sockaddr *addr, socklen_t len, int generation, struct lab08_server *server)
{
    return (int)sj_call("lab08_start_server", run_start_server, 4, SJ_IN(addr, len), SJ_INT(len), SJ_INT(generation), SJ_INOUT(server, sizeof *server));
}

static long run_restart_handoff(const union sj_value *a)
{
    return __real_lab08_restart_handoff(a[0].p, a[1].p);
}
int __wrap_lab08_restart_handoff(struct lab08_server *old, struct lab08_server *next)
{
    return (int)sj_call("lab08_restart_handoff", run_restart_handoff, 2, SJ_INOUT(old, sizeof *old), SJ_INOUT(next, sizeof *next));
}

static long run_stop_server(const union sj_value *a)
{
    return __real_lab08_stop_server(a[0].p);
}
int __wrap_lab08_stop_server(struct lab08_server *server)
{
    return (int)sj_call("lab08_stop_server", run_stop_server, 1, SJ_INOUT(server, sizeof *server));
}

SJ_SAME_SIGNATURE(lab08_prepare_worker);
SJ_SAME_SIGNATURE(lab08_serve);
SJ_SAME_SIGNATURE(lab08_wait_ready);
SJ_SAME_SIGNATURE(lab08_listener);
SJ_SAME_SIGNATURE(lab08_start_generation);
SJ_SAME_SIGNATURE(lab08_stop_generation);
SJ_SAME_SIGNATURE(lab08_probe);
SJ_SAME_SIGNATURE(lab08_restart_naive);
SJ_SAME_SIGNATURE(lab08_restart_overlap);
SJ_SAME_SIGNATURE(lab08_enable_migration);
SJ_SAME_SIGNATURE(lab08_send_listeners);
SJ_SAME_SIGNATURE(lab08_receive_listeners);
SJ_SAME_SIGNATURE(lab08_start_server);
SJ_SAME_SIGNATURE(lab08_restart_handoff);
SJ_SAME_SIGNATURE(lab08_stop_server);
