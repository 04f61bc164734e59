/*
 * calls.c - Lab 05's contract, called across the process boundary.
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

int __real_lab05_reuseport_listener(const struct sockaddr *addr, socklen_t len, int backlog);
int __real_lab05_listener_pair(const struct sockaddr *addr, socklen_t len, int fds[2]);
int __real_lab05_count_listeners(const struct sockaddr *addr, uint64_t *inodes, int max);
int __real_lab05_reserve_port(const struct sockaddr *addr, socklen_t len);
int __real_lab05_start_workers(const struct sockaddr *addr, socklen_t len, int n, struct lab05_pool *pool);
int __real_lab05_stop_workers(struct lab05_pool *pool);
int __real_lab05_listener_then_drop(const struct sockaddr *addr, socklen_t len, uid_t uid, gid_t gid);

static long run_reuseport_listener(const union sj_value *a)
{
    return __real_lab05_reuseport_listener(a[0].p, (socklen_t)a[1].i, (int)a[2].i);
}
int __wrap_lab05_reuseport_listener(const struct sockaddr *addr, socklen_t len, int backlog)
{
    return (int)sj_call("lab05_reuseport_listener", run_reuseport_listener, 3, SJ_IN(addr, len), SJ_INT(len), SJ_INT(backlog));
}

static long run_listener_pair(const union sj_value *a)
{
    return __real_lab05_listener_pair(a[0].p, (socklen_t)a[1].i, a[2].p);
}
int __wrap_lab05_listener_pair(const struct sockaddr *addr, socklen_t len, int fds[2])
{
    return (int)sj_call("lab05_listener_pair", run_listener_pair, 3, SJ_IN(addr, len), SJ_INT(len), SJ_INOUT(fds, 2 * sizeof *fds));
}

static long run_count_listeners(const union sj_value *a)
{
    return __real_lab05_count_listeners(a[0].p, a[1].p, (int)a[2].i);
}
int __wrap_lab05_count_listeners(const struct sockaddr *addr, uint64_t *inodes, int max)
{
    return (int)sj_call("lab05_count_listeners", run_count_listeners, 3, SJ_ADDR(addr), SJ_INOUT(inodes, max > 0 ? (size_t)max * sizeof *inodes : 0), SJ_INT(max));
}

static long run_reserve_port(const union sj_value *a)
{
    return __real_lab05_reserve_port(a[0].p, (socklen_t)a[1].i);
}
int __wrap_lab05_reserve_port(const struct sockaddr *addr, socklen_t len)
{
    return (int)sj_call("lab05_reserve_port", run_reserve_port, 2, SJ_IN(addr, len), SJ_INT(len));
}

static long run_start_workers(const union sj_value *a)
{
    return __real_lab05_start_workers(a[0].p, (socklen_t)a[1].i, (int)a[2].i, a[3].p);
}
int __wrap_lab05_start_workers(const struct sockaddr *addr, socklen_t len, int n, struct lab05_pool *pool)
{
    return (int)sj_call("lab05_start_workers", run_start_workers, 4, SJ_IN(addr, len), SJ_INT(len), SJ_INT(n), SJ_INOUT(pool, sizeof *pool));
}

static long run_stop_workers(const union sj_value *a)
{
    return __real_lab05_stop_workers(a[0].p);
}
int __wrap_lab05_stop_workers(struct lab05_pool *pool)
{
    return (int)sj_call("lab05_stop_workers", run_stop_workers, 1, SJ_INOUT(pool, sizeof *pool));
}

static long run_listener_then_drop(const union sj_value *a)
{
    return __real_lab05_listener_then_drop(a[0].p, (socklen_t)a[1].i, (uid_t)a[2].i, (gid_t)a[3].i);
}
int __wrap_lab05_listener_then_drop(const struct sockaddr *addr, socklen_t len, uid_t uid, gid_t gid)
{
    return (int)sj_call("lab05_listener_then_drop", run_listener_then_drop, 4, SJ_IN(addr, len), SJ_INT(len), SJ_INT(uid), SJ_INT(gid));
}

SJ_SAME_SIGNATURE(lab05_reuseport_listener);
SJ_SAME_SIGNATURE(lab05_listener_pair);
SJ_SAME_SIGNATURE(lab05_count_listeners);
SJ_SAME_SIGNATURE(lab05_reserve_port);
SJ_SAME_SIGNATURE(lab05_start_workers);
SJ_SAME_SIGNATURE(lab05_stop_workers);
SJ_SAME_SIGNATURE(lab05_listener_then_drop);
