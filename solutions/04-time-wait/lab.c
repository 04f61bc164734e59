/*
 * lab.c - Lab 04, "TIME_WAIT and SO_REUSEADDR": reference solution.
 *
 * The contract is in labs/04-time-wait/lab.h. Steps 2 and 3 read the
 * kernel's socket table through labs/common/sockdiag.h; step 3 reuses
 * step 2's lookup. Steps 4 and 5 set SO_REUSEADDR the one way that works:
 * on every socket involved, before bind().
 */
#include "lab.h"

#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

/*
 * close() a descriptor without losing errno: the caller is about to return
 * -1 and its caller wants the error of the call that failed, not close()'s.
 */
static void close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/* ---- STEP 1: Whoever closes first ---- */
/*
 * Read from fd until end-of-file, discarding the data, until the deadline
 * (sl_now_ms() time). Returns 0 at end-of-file, -1 with errno otherwise.
 */
static int read_until_eof(int fd, long long deadline_ms)
{
    char discard[512];

    for (;;) {
        long long left = deadline_ms - sl_now_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        /* Wait with a bound, so a peer that never closes cannot hang us. */
        int ready = sl_wait_readable(fd, (int)left);
        if (ready == -1)
            return -1;
        if (ready == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        ssize_t n = read(fd, discard, sizeof discard);
        if (n == 0)
            return 0; /* the peer's FIN */
        if (n == -1 && errno != EINTR)
            return -1;
    }
}

int lab04_close_in_order(int server_fd, int client_fd, enum lab04_side first)
{
    int first_fd, second_fd;

    if (first == LAB04_SERVER) {
        first_fd = server_fd;
        second_fd = client_fd;
    } else if (first == LAB04_CLIENT) {
        first_fd = client_fd;
        second_fd = server_fd;
    } else {
        errno = EINVAL;
        return -1;
    }

    /* The active close: this side sends the first FIN, and so it is the
     * one that will wait in TIME_WAIT. */
    close(first_fd);

    /* The passive close: read everything, up to the FIN (end-of-file),
     * so that close() below sends a FIN of its own and not a reset. */
    int result = read_until_eof(second_fd, sl_now_ms() + LAB04_EOF_TIMEOUT_MS);
    close_keep_errno(second_fd);
    return result;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Find TIME_WAIT in the kernel's table ---- */
int lab04_find_time_wait(const struct sockaddr *local, const struct sockaddr *remote,
                         struct sl_diag_socket *found)
{
    /* Let the kernel do the filtering it can (family, state, ports). */
    struct sl_diag_filter filter = {
        .family = local->sa_family,
        .states = SL_DIAG_STATE(TCP_TIME_WAIT),
        .local_port = sl_addr_port(local),
        .remote_port = sl_addr_port(remote),
    };
    struct sl_diag_socket few[8];
    struct sl_diag_socket *sockets = few;
    int room = 8;

    int n = sl_diag_list(&filter, sockets, room);
    /* More matched than the array holds: the one we want may be among
     * those not stored. Ask again with room for all of them (and a few
     * more, since the table may grow meanwhile). */
    while (n > room) {
        if (sockets != few)
            free(sockets);
        room = n + 8;
        sockets = malloc((size_t)room * sizeof *sockets);
        if (sockets == NULL)
            return -1;
        n = sl_diag_list(&filter, sockets, room);
    }
    int result = n == -1 ? -1 : 0;
    /* The same ports could join other addresses: check those too. */
    for (int i = 0; i < n; i++) {
        if (sl_addr_equal((const struct sockaddr *)&sockets[i].local, local) &&
            sl_addr_equal((const struct sockaddr *)&sockets[i].remote, remote)) {
            *found = sockets[i];
            result = 1;
            break;
        }
    }
    if (sockets != few) {
        int saved = errno;
        free(sockets);
        errno = saved;
    }
    return result;
}

int lab04_who_holds_time_wait(const struct sockaddr *server, const struct sockaddr *client)
{
    struct sl_diag_socket sock;
    int holders = LAB04_NOBODY;

    /* The server's end of the connection: local = server, remote = client. */
    int found = lab04_find_time_wait(server, client, &sock);
    if (found == -1)
        return -1;
    if (found)
        holders |= LAB04_SERVER;

    /* The client's end is the mirror image. */
    found = lab04_find_time_wait(client, server, &sock);
    if (found == -1)
        return -1;
    if (found)
        holders |= LAB04_CLIENT;
    return holders;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: The 60-second timer ---- */
int lab04_time_wait_remaining_ms(const struct sockaddr *local, const struct sockaddr *remote)
{
    struct sl_diag_socket sock;

    int found = lab04_find_time_wait(local, remote, &sock);
    if (found == -1)
        return -1;
    if (found == 0) {
        errno = ENOENT;
        return -1;
    }
    /* idiag_expires: when the TIME_WAIT timer fires, in ms from now. */
    return (int)sock.expires_ms;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: A server that can restart ---- */
int lab04_server_socket(const struct sockaddr *addr, socklen_t len, int reuseaddr)
{
    int fd = socket(addr->sa_family, SOCK_STREAM, 0);
    if (fd == -1)
        return -1;

    /* bind() is where the kernel decides whether the port is free, so the
     * option must be on before it. The accepted sockets inherit it, and
     * their TIME_WAIT sockets after them: that is what lets the NEXT
     * server bind. */
    if (reuseaddr) {
        int on = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
            goto fail;
    }
    if (bind(fd, addr, len) == -1)
        goto fail;
    if (listen(fd, LAB04_BACKLOG) == -1)
        goto fail;
    return fd;

fail:
    close_keep_errno(fd);
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: Never two listeners ---- */
/* A TCP socket of addr's family with SO_REUSEADDR on, bound to addr. */
static int bound_reuseaddr_socket(const struct sockaddr *addr, socklen_t len)
{
    int on = 1;
    int fd = socket(addr->sa_family, SOCK_STREAM, 0);

    if (fd == -1)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 || bind(fd, addr, len) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}

int lab04_second_listener(const struct sockaddr *addr, socklen_t len, int fds[2])
{
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;

    int first = bound_reuseaddr_socket(addr, len);
    if (first == -1)
        return -1;
    /* With port 0 the kernel chose the port: B must bind that one. */
    if (getsockname(first, (struct sockaddr *)&bound, &bound_len) == -1) {
        close_keep_errno(first);
        return -1;
    }
    int second = bound_reuseaddr_socket((struct sockaddr *)&bound, bound_len);
    if (second == -1 || listen(first, LAB04_BACKLOG) == -1) {
        if (second != -1)
            close_keep_errno(second);
        close_keep_errno(first);
        return -1;
    }

    /* listen() runs the bind-conflict check again: a LISTEN socket on the
     * port always conflicts, SO_REUSEADDR or not. */
    int verdict = listen(second, LAB04_BACKLOG) == -1 ? errno : 0;
    fds[0] = first;
    fds[1] = second;
    return verdict;
}
/* ---- END STEP 5 ---- */
