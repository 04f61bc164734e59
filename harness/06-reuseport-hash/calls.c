/*
 * calls.c - Lab 06's contract, called across the process boundary.
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

/* counts[] has one entry per member of the group (at most LAB06_MAX_LISTENERS). */
static size_t proxy_counts_size(const struct lab06_group *group)
{
    int n = group ? group->count : 0;

    if (n < 0)
        n = 0;
    if (n > LAB06_MAX_LISTENERS)
        n = LAB06_MAX_LISTENERS;
    return (size_t)n * sizeof(long);
}

int __real_lab06_join(struct sockaddr_storage *addr, int backlog);
int __real_lab06_group_open(struct lab06_group *group, const struct sockaddr *addr, socklen_t len, int n, int backlog);
int __real_lab06_group_accept(const struct lab06_group *group, int timeout_ms, int *slot);
int __real_lab06_connect_from(const struct sockaddr *source, socklen_t source_len, const struct sockaddr *server, socklen_t server_len);
int __real_lab06_close_reset(int fd);
int __real_lab06_count_accepts(const struct lab06_group *group, int expected, int timeout_ms, long *counts);
int __real_lab06_workers_start(int listen_fd, int n, enum lab06_model model, struct lab06_workers *workers);
int __real_lab06_workers_stop(struct lab06_workers *workers);
int __real_lab06_group_add(struct lab06_group *group, int backlog);
int __real_lab06_group_remove(struct lab06_group *group, int slot);
int __real_lab06_group_retire(struct lab06_group *group, int slot, bool migrate);

static long run_join(const union sj_value *a)
{
    return __real_lab06_join(a[0].p, (int)a[1].i);
}
int __wrap_lab06_join(struct sockaddr_storage *addr, int backlog)
{
    return (int)sj_call("lab06_join", run_join, 2, SJ_INOUT(addr, sizeof *addr), SJ_INT(backlog));
}

static long run_group_open(const union sj_value *a)
{
    return __real_lab06_group_open(a[0].p, a[1].p, (socklen_t)a[2].i, (int)a[3].i, (int)a[4].i);
}
int __wrap_lab06_group_open(struct lab06_group *group, const struct sockaddr *addr, socklen_t len, int n, int backlog)
{
    return (int)sj_call("lab06_group_open", run_group_open, 5, SJ_INOUT(group, sizeof *group), SJ_IN(addr, len), SJ_INT(len), SJ_INT(n), SJ_INT(backlog));
}

static long run_group_accept(const union sj_value *a)
{
    return __real_lab06_group_accept(a[0].p, (int)a[1].i, a[2].p);
}
int __wrap_lab06_group_accept(const struct lab06_group *group, int timeout_ms, int *slot)
{
    return (int)sj_call("lab06_group_accept", run_group_accept, 3, SJ_IN(group, sizeof *group), SJ_INT(timeout_ms), SJ_INOUT(slot, sizeof *slot));
}

static long run_connect_from(const union sj_value *a)
{
    return __real_lab06_connect_from(a[0].p, (socklen_t)a[1].i, a[2].p, (socklen_t)a[3].i);
}
int __wrap_lab06_connect_from(const struct sockaddr *source, socklen_t source_len, const struct sockaddr *server, socklen_t server_len)
{
    return (int)sj_call("lab06_connect_from", run_connect_from, 4, SJ_IN(source, source_len), SJ_INT(source_len), SJ_IN(server, server_len), SJ_INT(server_len));
}

static long run_close_reset(const union sj_value *a)
{
    return __real_lab06_close_reset((int)a[0].i);
}
int __wrap_lab06_close_reset(int fd)
{
    return (int)sj_call("lab06_close_reset", run_close_reset, 1, SJ_INT(fd));
}

static long run_count_accepts(const union sj_value *a)
{
    return __real_lab06_count_accepts(a[0].p, (int)a[1].i, (int)a[2].i, a[3].p);
}
int __wrap_lab06_count_accepts(const struct lab06_group *group, int expected, int timeout_ms, long *counts)
{
    return (int)sj_call("lab06_count_accepts", run_count_accepts, 4, SJ_IN(group, sizeof *group), SJ_INT(expected), SJ_INT(timeout_ms), SJ_INOUT(counts, proxy_counts_size(group)));
}

static long run_workers_start(const union sj_value *a)
{
    return __real_lab06_workers_start((int)a[0].i, (int)a[1].i, (enum lab06_model)a[2].i, a[3].p);
}
int __wrap_lab06_workers_start(int listen_fd, int n, enum lab06_model model, struct lab06_workers *workers)
{
    return (int)sj_call("lab06_workers_start", run_workers_start, 4, SJ_INT(listen_fd), SJ_INT(n), SJ_INT(model), SJ_INOUT(workers, sizeof *workers));
}

static long run_workers_stop(const union sj_value *a)
{
    return __real_lab06_workers_stop(a[0].p);
}
int __wrap_lab06_workers_stop(struct lab06_workers *workers)
{
    return (int)sj_call("lab06_workers_stop", run_workers_stop, 1, SJ_INOUT(workers, sizeof *workers));
}

static long run_group_add(const union sj_value *a)
{
    return __real_lab06_group_add(a[0].p, (int)a[1].i);
}
int __wrap_lab06_group_add(struct lab06_group *group, int backlog)
{
    return (int)sj_call("lab06_group_add", run_group_add, 2, SJ_INOUT(group, sizeof *group), SJ_INT(backlog));
}

static long run_group_remove(const union sj_value *a)
{
    return __real_lab06_group_remove(a[0].p, (int)a[1].i);
}
int __wrap_lab06_group_remove(struct lab06_group *group, int slot)
{
    return (int)sj_call("lab06_group_remove", run_group_remove, 2, SJ_INOUT(group, sizeof *group), SJ_INT(slot));
}

static long run_group_retire(const union sj_value *a)
{
    return __real_lab06_group_retire(a[0].p, (int)a[1].i, (bool)a[2].i);
}
int __wrap_lab06_group_retire(struct lab06_group *group, int slot, bool migrate)
{
    return (int)sj_call("lab06_group_retire", run_group_retire, 3, SJ_INOUT(group, sizeof *group), SJ_INT(slot), SJ_INT(migrate));
}

SJ_SAME_SIGNATURE(lab06_join);
SJ_SAME_SIGNATURE(lab06_group_open);
SJ_SAME_SIGNATURE(lab06_group_accept);
SJ_SAME_SIGNATURE(lab06_connect_from);
SJ_SAME_SIGNATURE(lab06_close_reset);
SJ_SAME_SIGNATURE(lab06_count_accepts);
SJ_SAME_SIGNATURE(lab06_workers_start);
SJ_SAME_SIGNATURE(lab06_workers_stop);
SJ_SAME_SIGNATURE(lab06_group_add);
SJ_SAME_SIGNATURE(lab06_group_remove);
SJ_SAME_SIGNATURE(lab06_group_retire);
