/*
 * calls.c - Lab 03's contract, called across the process boundary.
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

int __real_lab03_tcp_state(int fd);
int __real_lab03_record(struct state_path *path, enum sl_state state);
int __real_lab03_record_state(struct state_path *path, int fd);
int __real_lab03_half_close(int fd, struct state_path *path);
long __real_lab03_wait_for_fin(int fd, int timeout_ms);
int __real_lab03_find_connection(const struct sl_five_tuple *tuple, struct sl_diag_socket *out);
int __real_lab03_finish_active_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path);
int __real_lab03_passive_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path);

static long run_tcp_state(const union sj_value *a)
{
    return __real_lab03_tcp_state((int)a[0].i);
}
int __wrap_lab03_tcp_state(int fd)
{
    return (int)sj_call("lab03_tcp_state", run_tcp_state, 1, SJ_INT(fd));
}

static long run_record(const union sj_value *a)
{
    return __real_lab03_record(a[0].p, (enum sl_state)a[1].i);
}
int __wrap_lab03_record(struct state_path *path, enum sl_state state)
{
    return (int)sj_call("lab03_record", run_record, 2, SJ_INOUT(path, sizeof *path), SJ_INT(state));
}

static long run_record_state(const union sj_value *a)
{
    return __real_lab03_record_state(a[0].p, (int)a[1].i);
}
int __wrap_lab03_record_state(struct state_path *path, int fd)
{
    return (int)sj_call("lab03_record_state", run_record_state, 2, SJ_INOUT(path, sizeof *path), SJ_INT(fd));
}

static long run_half_close(const union sj_value *a)
{
    return __real_lab03_half_close((int)a[0].i, a[1].p);
}
int __wrap_lab03_half_close(int fd, struct state_path *path)
{
    return (int)sj_call("lab03_half_close", run_half_close, 2, SJ_INT(fd), SJ_INOUT(path, sizeof *path));
}

static long run_wait_for_fin(const union sj_value *a)
{
    return __real_lab03_wait_for_fin((int)a[0].i, (int)a[1].i);
}
long __wrap_lab03_wait_for_fin(int fd, int timeout_ms)
{
    return (long)sj_call("lab03_wait_for_fin", run_wait_for_fin, 2, SJ_INT(fd), SJ_INT(timeout_ms));
}

static long run_find_connection(const union sj_value *a)
{
    return __real_lab03_find_connection(a[0].p, a[1].p);
}
int __wrap_lab03_find_connection(const struct sl_five_tuple *tuple, struct sl_diag_socket *out)
{
    return (int)sj_call("lab03_find_connection", run_find_connection, 2, SJ_IN(tuple, sizeof *tuple), SJ_INOUT(out, sizeof *out));
}

static long run_finish_active_close(const union sj_value *a)
{
    return __real_lab03_finish_active_close((int)a[0].i, a[1].p, (int)a[2].i, a[3].p);
}
int __wrap_lab03_finish_active_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path)
{
    return (int)sj_call("lab03_finish_active_close", run_finish_active_close, 4, SJ_INT(fd), SJ_IN(tuple, sizeof *tuple), SJ_INT(timeout_ms), SJ_INOUT(path, sizeof *path));
}

static long run_passive_close(const union sj_value *a)
{
    return __real_lab03_passive_close((int)a[0].i, a[1].p, (int)a[2].i, a[3].p);
}
int __wrap_lab03_passive_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path)
{
    return (int)sj_call("lab03_passive_close", run_passive_close, 4, SJ_INT(fd), SJ_IN(tuple, sizeof *tuple), SJ_INT(timeout_ms), SJ_INOUT(path, sizeof *path));
}

SJ_SAME_SIGNATURE(lab03_tcp_state);
SJ_SAME_SIGNATURE(lab03_record);
SJ_SAME_SIGNATURE(lab03_record_state);
SJ_SAME_SIGNATURE(lab03_half_close);
SJ_SAME_SIGNATURE(lab03_wait_for_fin);
SJ_SAME_SIGNATURE(lab03_find_connection);
SJ_SAME_SIGNATURE(lab03_finish_active_close);
SJ_SAME_SIGNATURE(lab03_passive_close);
