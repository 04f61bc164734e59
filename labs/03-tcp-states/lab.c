/*
 * lab.c - Lab 03, "TCP states": your file.
 *
 * Fill in the seven steps below, one at a time. What each function must do
 * is written in lab.h; the lesson (docs/lessons/03-tcp-states.md) explains
 * why. After each step:
 *
 *     make grade LAB=3       the grader watches your connections in the kernel
 *     ./build/bin/lab03      a walk-through: your system calls, the kernel's
 *                            view beside them, and the paths you recorded
 *                            drawn over the state diagram
 *
 * Until you write it, each function fails with ENOSYS ("Function not
 * implemented"), so the grader and the walk-through tell you where you are.
 *
 * Useful manual pages: tcp(7) (TCP_INFO), getsockopt(2), shutdown(2),
 * close(2), read(2), poll(2), sock_diag(7); and labs/common/tcp_states.h,
 * labs/common/sockdiag.h, labs/common/net.h for the helpers you may use.
 */
#include "lab.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * close() a descriptor without losing errno. On a failure path you return
 * -1 and your caller wants the error of the call that failed, but close()
 * may overwrite errno. Use this instead of close() there.
 * (It is `inline` only so the compiler does not warn while no step uses it.)
 */
static __attribute__((unused)) void close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/* ---- STEP 1: Read a socket's state ---- */
int lab03_tcp_state(int fd)
{
    /*
     * TODO:
     * 1. Declare a struct tcp_info (from <netinet/tcp.h>) and a socklen_t
     *    holding its size, and ask the kernel to fill it:
     *        getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len)
     *    If that fails, return -1 (errno is already set: EBADF, ENOTSOCK,
     *    or EOPNOTSUPP for a socket that is not TCP).
     * 2. info.tcpi_state is the KERNEL's number for the state (Linux's
     *    TCP_ESTABLISHED is 1, TCP_FIN_WAIT1 is 4, TCP_CLOSE is 7...). It
     *    is not an enum sl_state: translate it with sl_state_from_linux().
     *    Without that, ESTABLISHED (1) would read as SL_LISTEN.
     * 3. If sl_state_from_linux() returns -1, set errno to EPROTO and
     *    return -1. Otherwise return the state.
     */
    (void)fd;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Record the path ---- */
int lab03_record(struct state_path *path, enum sl_state state)
{
    /*
     * TODO:
     * 1. If state is not one of the 11 states (below 0, or SL_NSTATES or
     *    more), set errno to EINVAL and return -1.
     * 2. If the path is not empty and its last state,
     *    path->states[path->len - 1], is this same state, return 0 and
     *    add nothing: you looked twice at one visit of the state.
     * 3. If the path is full (path->len == STATE_PATH_MAX), set errno to
     *    ENOSPC and return -1, leaving the path as it is.
     * 4. Store state at path->states[path->len], add 1 to path->len, and
     *    return 0.
     */
    (void)path;
    (void)state;
    errno = ENOSYS;
    return -1;
}

int lab03_record_state(struct state_path *path, int fd)
{
    /*
     * TODO:
     * 1. Read the state of fd with lab03_tcp_state() (step 1). Return -1
     *    if that fails.
     * 2. Record it with lab03_record(). Return -1 if that fails.
     * 3. Return the state you read.
     */
    (void)path;
    (void)fd;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: Half-close ---- */
int lab03_half_close(int fd, struct state_path *path)
{
    /*
     * TODO:
     * 1. Close the SENDING half only: shutdown(fd, SHUT_WR). The kernel
     *    sends a FIN after any data still waiting to go. Not close(): you
     *    need fd afterwards, to read the peer's answer and its FIN. Not
     *    SHUT_RD: that stops reading, sends nothing, and the state does not
     *    change. Return -1 if shutdown() fails.
     * 2. Record the state fd is in now with lab03_record_state() and
     *    return what it returns: FIN-WAIT-1 while the FIN waits for its
     *    ACK, FIN-WAIT-2 once the ACK came back.
     */
    (void)fd;
    (void)path;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: Wait for the peer's FIN ---- */
long lab03_wait_for_fin(int fd, int timeout_ms)
{
    /*
     * TODO:
     * 1. Work out the deadline once: sl_now_ms() + timeout_ms.
     * 2. Loop:
     *    a. Wait until fd is readable, for the time left until the
     *       deadline (never a negative time): sl_wait_readable(fd, left)
     *       from net.h (or poll() yourself). If it returns -1, return -1;
     *       if it returns 0, the time is up: set errno to ETIMEDOUT and
     *       return -1.
     *    b. read() into a buffer (a few KiB on the stack). read() returns
     *       0 at the end of the stream: the peer's FIN has arrived; return
     *       the number of bytes you threw away. -1 with errno EINTR: try
     *       again; any other -1: return -1. More than 0: add it to the
     *       count of bytes thrown away and go round again.
     *    Never call read() without waiting first: a read() on a peer that
     *    neither sends nor closes blocks for ever.
     */
    (void)fd;
    (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: Find a connection in the kernel's table ---- */
int lab03_find_connection(const struct sl_five_tuple *tuple, struct sl_diag_socket *out)
{
    /*
     * TODO:
     * 1. The family is tuple->local.ss_family; if it is neither AF_INET
     *    nor AF_INET6, set errno to EAFNOSUPPORT and return -1.
     * 2. Fill a struct sl_diag_filter (sockdiag.h): .family that family,
     *    .local_port and .remote_port the tuple's ports in host byte order
     *    (sl_addr_port()). Leave .states 0: any state, TIME-WAIT included.
     * 3. sl_diag_list(&filter, found, N) with an array of N (say 16)
     *    struct sl_diag_socket. It returns how many sockets matched
     *    (only the first N are stored), or -1: return -1 then.
     * 4. The kernel matched the ports only. Compare the addresses too:
     *    the socket whose .local equals tuple->local and whose .remote
     *    equals tuple->remote (sl_addr_equal()) is the one. Copy it to
     *    *out and return 1. Two connections can share both ports and
     *    differ only in an address.
     * 5. None matched: return 0. The kernel has no such connection.
     */
    (void)tuple;
    (void)out;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Finish the active close ---- */
int lab03_finish_active_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms,
                              struct state_path *path)
{
    /*
     * TODO:
     * 1. Wait for the peer's FIN with lab03_wait_for_fin(fd, timeout_ms).
     *    If that fails, close fd with close_keep_errno() and return -1.
     * 2. close(fd). When the FIN arrived, the kernel moved the connection
     *    into a TIME-WAIT socket of its own, with no descriptor; the
     *    socket behind fd is now CLOSED. So do NOT read the state through
     *    fd (lab03_record_state would say CLOSED, which is wrong: the
     *    connection is in TIME-WAIT for 60 seconds).
     * 3. Look the connection up in the kernel's table by its 5-tuple:
     *    lab03_find_connection(tuple, &entry). -1: return -1. 0: set
     *    errno to ENOENT and return -1.
     * 4. Record entry.state (TIME-WAIT) with lab03_record() and return
     *    what it returns.
     */
    (void)fd;
    (void)tuple;
    (void)timeout_ms;
    (void)path;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: The passive close ---- */
int lab03_passive_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path)
{
    /*
     * TODO:
     * 1. Wait for the peer's FIN with lab03_wait_for_fin(fd, timeout_ms),
     *    then record the state of fd with lab03_record_state(): the kernel
     *    has acknowledged the FIN and says CLOSE-WAIT. If either fails,
     *    close fd with close_keep_errno() and return -1.
     * 2. close(fd). Your FIN goes out and the connection is in LAST-ACK
     *    until the peer's ACK arrives; fd is gone, so from now on only
     *    the kernel's table can tell.
     * 3. lab03_find_connection(tuple, &entry): -1, return -1. 1: the
     *    state is entry.state (LAST-ACK while the ACK is still to come).
     *    0: the kernel has forgotten the connection: it is SL_CLOSED.
     * 4. Record that state with lab03_record() and return it (or -1 if
     *    recording fails).
     */
    (void)fd;
    (void)tuple;
    (void)timeout_ms;
    (void)path;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 7 ---- */
