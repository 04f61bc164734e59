/*
 * calls.c - Lab 04's contract, called across the process boundary.
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

int __real_lab04_close_in_order(int server_fd, int client_fd, enum lab04_side first);
int __real_lab04_find_time_wait(const struct sockaddr *local, const struct sockaddr *remote, struct sl_diag_socket *found);
int __real_lab04_who_holds_time_wait(const struct sockaddr *server, const struct sockaddr *client);
int __real_lab04_time_wait_remaining_ms(const struct sockaddr *local, const struct sockaddr *remote);
int __real_lab04_server_socket(const struct sockaddr *addr, socklen_t len, int reuseaddr);
int __real_lab04_second_listener(const struct sockaddr *addr, socklen_t len, int fds[2]);

static long run_close_in_order(const union sj_value *a)
{
    return __real_lab04_close_in_order((int)a[0].i, (int)a[1].i, (enum lab04_side)a[2].i);
}
int __wrap_lab04_close_in_order(int server_fd, int client_fd, enum lab04_side first)
{
    return (int)sj_call("lab04_close_in_order", run_close_in_order, 3, SJ_INT(server_fd), SJ_INT(client_fd), SJ_INT(first));
}

static long run_find_time_wait(const union sj_value *a)
{
    return __real_lab04_find_time_wait(a[0].p, a[1].p, a[2].p);
}
int __wrap_lab04_find_time_wait(const struct sockaddr *local, const struct sockaddr *remote, struct sl_diag_socket *found)
{
    return (int)sj_call("lab04_find_time_wait", run_find_time_wait, 3, SJ_ADDR(local), SJ_ADDR(remote), SJ_INOUT(found, sizeof *found));
}

static long run_who_holds_time_wait(const union sj_value *a)
{
    return __real_lab04_who_holds_time_wait(a[0].p, a[1].p);
}
int __wrap_lab04_who_holds_time_wait(const struct sockaddr *server, const struct sockaddr *client)
{
    return (int)sj_call("lab04_who_holds_time_wait", run_who_holds_time_wait, 2, SJ_ADDR(server), SJ_ADDR(client));
}

static long run_time_wait_remaining_ms(const union sj_value *a)
{
    return __real_lab04_time_wait_remaining_ms(a[0].p, a[1].p);
}
int __wrap_lab04_time_wait_remaining_ms(const struct sockaddr *local, const struct sockaddr *remote)
{
    return (int)sj_call("lab04_time_wait_remaining_ms", run_time_wait_remaining_ms, 2, SJ_ADDR(local), SJ_ADDR(remote));
}

static long run_server_socket(const union sj_value *a)
{
    return __real_lab04_server_socket(a[0].p, (socklen_t)a[1].i, (int)a[2].i);
}
int __wrap_lab04_server_socket(const struct sockaddr *addr, socklen_t len, int reuseaddr)
{
    return (int)sj_call("lab04_server_socket", run_server_socket, 3, SJ_IN(addr, len), SJ_INT(len), SJ_INT(reuseaddr));
}

static long run_second_listener(const union sj_value *a)
{
    return __real_lab04_second_listener(a[0].p, (socklen_t)a[1].i, a[2].p);
}
int __wrap_lab04_second_listener(const struct sockaddr *addr, socklen_t len, int fds[2])
{
    return (int)sj_call("lab04_second_listener", run_second_listener, 3, SJ_IN(addr, len), SJ_INT(len), SJ_INOUT(fds, 2 * sizeof *fds));
}

SJ_SAME_SIGNATURE(lab04_close_in_order);
SJ_SAME_SIGNATURE(lab04_find_time_wait);
SJ_SAME_SIGNATURE(lab04_who_holds_time_wait);
SJ_SAME_SIGNATURE(lab04_time_wait_remaining_ms);
SJ_SAME_SIGNATURE(lab04_server_socket);
SJ_SAME_SIGNATURE(lab04_second_listener);
