/*
 * lab.c - Lab 03, "TCP states": the reference solution.
 *
 * The contract is labs/03-tcp-states/lab.h; the skeleton students fill in
 * is labs/03-tcp-states/lab.c. The grader must give this file full marks.
 */
#include "lab.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* close() a descriptor without losing errno (see the skeleton). */
static inline void close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/* ---- STEP 1: Read a socket's state ---- */
int lab03_tcp_state(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;

    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == -1)
        return -1;
    /* The kernel's number (TCP_FIN_WAIT1 is 4), not an enum sl_state. */
    int state = sl_state_from_linux(info.tcpi_state);
    if (state < 0) {
        errno = EPROTO;
        return -1;
    }
    return state;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Record the path ---- */
int lab03_record(struct state_path *path, enum sl_state state)
{
    if ((int)state < 0 || state >= SL_NSTATES) {
        errno = EINVAL;
        return -1;
    }
    /* Seen again without having left it: still the same visit. */
    if (path->len > 0 && path->states[path->len - 1] == state)
        return 0;
    if (path->len >= STATE_PATH_MAX) {
        errno = ENOSPC;
        return -1;
    }
    path->states[path->len++] = state;
    return 0;
}

int lab03_record_state(struct state_path *path, int fd)
{
    int state = lab03_tcp_state(fd);

    if (state == -1 || lab03_record(path, (enum sl_state)state) == -1)
        return -1;
    return state;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: Half-close ---- */
int lab03_half_close(int fd, struct state_path *path)
{
    /* SHUT_WR: "I will send no more". The kernel queues a FIN behind any
     * data not yet sent; reading stays possible. */
    if (shutdown(fd, SHUT_WR) == -1)
        return -1;
    return lab03_record_state(path, fd);
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: Wait for the peer's FIN ---- */
long lab03_wait_for_fin(int fd, int timeout_ms)
{
    long long deadline = sl_now_ms() + timeout_ms;
    long discarded = 0;
    char scratch[4096];

    for (;;) {
        long long left = deadline - sl_now_ms();
        int ready = sl_wait_readable(fd, left > 0 ? (int)left : 0);
        if (ready == -1)
            return -1;
        if (ready == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        /* Readable: data, the end of the stream, or an error. */
        ssize_t n = read(fd, scratch, sizeof scratch);
        if (n == 0)
            return discarded;
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        discarded += n;
    }
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: Find a connection in the kernel's table ---- */
int lab03_find_connection(const struct sl_five_tuple *tuple, struct sl_diag_socket *out)
{
    const struct sockaddr *local = (const struct sockaddr *)&tuple->local;
    const struct sockaddr *remote = (const struct sockaddr *)&tuple->remote;
    /* A handful of sockets can share both ports (different addresses). */
    struct sl_diag_socket found[16];

    if (local->sa_family != AF_INET && local->sa_family != AF_INET6) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    /* The kernel filters by family and ports; the addresses we compare. */
    struct sl_diag_filter filter = {
        .family = local->sa_family,
        .local_port = sl_addr_port(local),
        .remote_port = sl_addr_port(remote),
    };
    int n = sl_diag_list(&filter, found, 16);
    if (n == -1)
        return -1;
    for (int i = 0; i < n && i < 16; i++) {
        if (sl_addr_equal((struct sockaddr *)&found[i].local, local) &&
            sl_addr_equal((struct sockaddr *)&found[i].remote, remote)) {
            *out = found[i];
            return 1;
        }
    }
    return 0;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Finish the active close ---- */
int lab03_finish_active_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms,
                              struct state_path *path)
{
    struct sl_diag_socket entry;

    if (lab03_wait_for_fin(fd, timeout_ms) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    /* The connection now lives on in a TIME-WAIT socket of its own; the
     * socket behind fd is CLOSED, and closing fd does not end TIME-WAIT. */
    close(fd);

    int found = lab03_find_connection(tuple, &entry);
    if (found == -1)
        return -1;
    if (found == 0) {
        errno = ENOENT;
        return -1;
    }
    return lab03_record(path, entry.state);
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: The passive close ---- */
int lab03_passive_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path)
{
    struct sl_diag_socket entry;

    if (lab03_wait_for_fin(fd, timeout_ms) == -1 || lab03_record_state(path, fd) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    /* Our FIN: LAST-ACK until the peer's ACK comes back. */
    close(fd);

    int found = lab03_find_connection(tuple, &entry);
    if (found == -1)
        return -1;
    enum sl_state state = found ? entry.state : SL_CLOSED;
    if (lab03_record(path, state) == -1)
        return -1;
    return state;
}
/* ---- END STEP 7 ---- */
