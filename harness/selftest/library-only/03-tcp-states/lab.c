/*
 * lab.c - Lab 03 answered with the student's library alone (labs/common):
 * each function is the nearest call into that library with no logic of
 * its own, or fails with ENOSYS where the library has nothing to offer.
 * The self-test requires this file to score 0: the library handed to
 * students must perform no graded step.
 */
#include "lab.h"

#include <errno.h>

int lab03_tcp_state(int fd)
{
    (void)fd;
    errno = ENOSYS;
    return -1;
}

int lab03_record(struct state_path *path, enum sl_state state)
{
    (void)path;
    (void)state;
    errno = ENOSYS;
    return -1;
}

int lab03_record_state(struct state_path *path, int fd)
{
    (void)path;
    (void)fd;
    errno = ENOSYS;
    return -1;
}

int lab03_half_close(int fd, struct state_path *path)
{
    (void)fd;
    (void)path;
    errno = ENOSYS;
    return -1;
}

long lab03_wait_for_fin(int fd, int timeout_ms)
{
    (void)fd;
    (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

int lab03_find_connection(const struct sl_five_tuple *tuple, struct sl_diag_socket *out)
{
    /* The kernel's table, filtered by the tuple's ports, first match. */
    struct sl_diag_filter filter = {
        .family = tuple->local.ss_family,
        .local_port = sl_addr_port((const struct sockaddr *)&tuple->local),
        .remote_port = sl_addr_port((const struct sockaddr *)&tuple->remote),
    };
    return sl_diag_list(&filter, out, 1) > 0 ? 0 : -1;
}

int lab03_finish_active_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path)
{
    (void)fd;
    (void)tuple;
    (void)timeout_ms;
    (void)path;
    errno = ENOSYS;
    return -1;
}

int lab03_passive_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path)
{
    (void)fd;
    (void)tuple;
    (void)timeout_ms;
    (void)path;
    errno = ENOSYS;
    return -1;
}
