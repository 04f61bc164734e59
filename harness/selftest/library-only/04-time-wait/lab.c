/*
 * lab.c - Lab 04 answered with the student's library alone (labs/common):
 * each function is the nearest call into that library with no logic of
 * its own, or fails with ENOSYS where the library has nothing to offer.
 * The self-test requires this file to score 0: the library handed to
 * students must perform no graded step.
 */
#include "lab.h"

#include <errno.h>

int lab04_close_in_order(int server_fd, int client_fd, enum lab04_side first)
{
    (void)server_fd;
    (void)client_fd;
    (void)first;
    errno = ENOSYS;
    return -1;
}

int lab04_find_time_wait(const struct sockaddr *local, const struct sockaddr *remote, struct sl_diag_socket *found)
{
    /* TIME_WAIT sockets on these ports, first match. */
    struct sl_diag_filter filter = {
        .family = local->sa_family,
        .states = SL_DIAG_STATE(6),
        .local_port = sl_addr_port(local),
        .remote_port = sl_addr_port(remote),
    };
    return sl_diag_list(&filter, found, 1);
}

int lab04_who_holds_time_wait(const struct sockaddr *server, const struct sockaddr *client)
{
    (void)server;
    (void)client;
    errno = ENOSYS;
    return -1;
}

int lab04_time_wait_remaining_ms(const struct sockaddr *local, const struct sockaddr *remote)
{
    /* The timer of the first TIME_WAIT socket on these ports. */
    struct sl_diag_socket found;
    struct sl_diag_filter filter = {
        .family = local->sa_family,
        .states = SL_DIAG_STATE(6),
        .local_port = sl_addr_port(local),
        .remote_port = sl_addr_port(remote),
    };
    return sl_diag_list(&filter, &found, 1) > 0 ? (int)found.expires_ms : -1;
}

int lab04_server_socket(const struct sockaddr *addr, socklen_t len, int reuseaddr)
{
    (void)addr;
    (void)len;
    (void)reuseaddr;
    errno = ENOSYS;
    return -1;
}

int lab04_second_listener(const struct sockaddr *addr, socklen_t len, int fds[2])
{
    (void)addr;
    (void)len;
    (void)fds;
    errno = ENOSYS;
    return -1;
}
