/*
 * lab.h - Lab 03, "TCP states": the functions you write in lab.c.
 *
 * A TCP connection moves through the states of RFC 9293's Figure 5. In
 * this lab you read a socket's state from the kernel, close connections in
 * the two ways TCP knows (the side that closes first and the side that
 * closes second), and record the states each connection went through:
 *
 *   step 1  lab03_tcp_state             read a socket's state (TCP_INFO)
 *   step 2  lab03_record                write a state down in a path
 *           lab03_record_state          ... the state a descriptor's socket is in now
 *   step 3  lab03_half_close            shutdown(SHUT_WR): the active close begins
 *   step 4  lab03_wait_for_fin          read until the peer's FIN, with a time limit
 *   step 5  lab03_find_connection       a connection in the kernel's table, by its 5-tuple
 *   step 6  lab03_finish_active_close   the peer's FIN, then TIME-WAIT
 *   step 7  lab03_passive_close         the side that closes second
 *
 * States are the RFC's, as enum sl_state (labs/common/tcp_states.h): the
 * kernel speaks in its own numbers (TCP_ESTABLISHED is 1, TCP_FIN_WAIT1 is
 * 4, ...), and sl_state_from_linux() translates them.
 *
 * Conventions, as for the system calls these functions wrap: on failure a
 * function returns -1 and leaves errno set by the call that failed.
 *
 * The grader does not trust the path you record: it watches the kernel
 * itself (TCP_INFO and sock_diag, as `ss -tan` does) at every point, checks
 * that each state you recorded is one the kernel was in, and that each
 * step of your path is a transition of RFC 9293's Figure 5.
 */
#ifndef SOCKLAB_LAB03_H
#define SOCKLAB_LAB03_H

#include "net.h"
#include "sockdiag.h"
#include "tcp_states.h"

/* Room for a whole life: CLOSED, SYN-SENT, ..., TIME-WAIT, CLOSED fits easily. */
#define STATE_PATH_MAX 16

/*
 * The states one connection went through, as you saw them, oldest first:
 * states[0] .. states[len - 1]. A state is written once per visit, so two
 * neighbours are never the same state.
 *
 * You look at the kernel now and then; the kernel does not wait for you.
 * A state it enters and leaves on its own between two of your looks (it
 * leaves it when a segment from the peer arrives, which on loopback can
 * happen before your system call even returns) is missing from your path.
 * That is allowed, and the grader fills it in from the state table: a
 * step A -> C of your path that is not a transition is accepted when a
 * single state B can stand between them: A -> B and B -> C are both
 * transitions, and TCP leaves B when it receives a segment ("rcv ..." in
 * the table). ESTABLISHED -> FIN-WAIT-2 is read as ESTABLISHED ->
 * FIN-WAIT-1 -> FIN-WAIT-2; FIN-WAIT-2 -> CLOSED is never accepted,
 * because TIME-WAIT lasts 60 seconds and is there to be seen. Where the
 * grader saw the kernel hold a state, your path must have it.
 */
struct state_path {
    enum sl_state states[STATE_PATH_MAX];
    int len;
};

/*
 * Step 1. The TCP state of the socket behind fd, read from the kernel with
 * getsockopt(fd, IPPROTO_TCP, TCP_INFO, ...): the field tcpi_state of
 * struct tcp_info holds the kernel's number, which you translate with
 * sl_state_from_linux(). A socket that is not connected yet, or whose
 * connection is over, is SL_CLOSED (Linux's TCP_CLOSE).
 *
 * Returns the state (an enum sl_state, 0 or more), or -1 with errno set:
 * EBADF for a bad descriptor, ENOTSOCK for a descriptor that is not a
 * socket, EOPNOTSUPP for a socket that is not TCP (as getsockopt() says);
 * EPROTO if the kernel reports a number that is not a TCP state.
 */
int lab03_tcp_state(int fd);

/*
 * Step 2. Add state to the end of path, unless it is the state already at
 * the end (a state you look at twice was still one visit).
 *
 * Returns 0 (added, or the same as the last state). Returns -1 and leaves
 * path unchanged with errno EINVAL when state is not one of the 11 states,
 * or ENOSPC when path already holds STATE_PATH_MAX states.
 */
int lab03_record(struct state_path *path, enum sl_state state);

/*
 * Step 2. Read the state of the socket behind fd (step 1) and record it
 * (lab03_record).
 *
 * Returns the state read, or -1 with errno set; path is then unchanged.
 */
int lab03_record_state(struct state_path *path, int fd);

/*
 * Step 3. Begin the active close of the connected socket fd with a
 * half-close: shutdown(fd, SHUT_WR). The kernel sends a FIN (after any data
 * still waiting to be sent) and the socket enters FIN-WAIT-1; when the
 * peer acknowledges the FIN it moves on to FIN-WAIT-2. Only the sending
 * half is closed: fd stays open and can still read what the peer sends.
 * Then record the state the socket is in (lab03_record_state).
 *
 * Returns the state recorded (SL_FIN_WAIT_1 or SL_FIN_WAIT_2), or -1 with
 * errno set (ENOTCONN when fd is not connected). fd stays open either way.
 */
int lab03_half_close(int fd, struct state_path *path);

/*
 * Step 4. Read from fd, throwing the data away, until read() returns 0:
 * the end of the stream, which means the peer's FIN has arrived. Wait at
 * most timeout_ms milliseconds in all: wait with poll() (or
 * sl_wait_readable()) before each read, never in a read() that could block
 * for ever.
 *
 * Returns the number of bytes thrown away (0 or more) once the FIN is
 * there, or -1 with errno set: ETIMEDOUT when timeout_ms passed without a
 * FIN, or the error of poll() or read() (EBADF for a descriptor that is
 * not open, ECONNRESET when the peer reset). fd stays open either way.
 */
long lab03_wait_for_fin(int fd, int timeout_ms);

/*
 * Step 5. Find the connection named by tuple (its local and remote address
 * and port, IPv4 or IPv6) in the kernel's socket table, with sock_diag
 * (sl_diag_list), whether or not any descriptor is left for it: a
 * TIME-WAIT socket has none, and neither has a socket you closed while the
 * kernel finishes its close (LAST-ACK). Every one of the four values must
 * match: two connections may share three of them.
 *
 * Returns 1 and fills *out when the kernel lists the connection, 0 when it
 * does not (the connection is CLOSED: over, or never made), -1 with errno
 * set (EAFNOSUPPORT for a tuple that is neither IPv4 nor IPv6, or the
 * error of sl_diag_list).
 */
int lab03_find_connection(const struct sl_five_tuple *tuple, struct sl_diag_socket *out);

/*
 * Step 6. Finish the active close that lab03_half_close began on fd, whose
 * 5-tuple is tuple (read by the caller while fd was connected: once the
 * peer's FIN has arrived, getpeername() on fd fails with ENOTCONN).
 *   1. Wait for the peer's FIN (lab03_wait_for_fin, at most timeout_ms).
 *      When it arrives, the kernel acknowledges it and the connection
 *      enters TIME-WAIT, for 60 seconds.
 *   2. close(fd): the TIME-WAIT socket is not the socket behind fd; it
 *      stays in the kernel with no descriptor at all.
 *   3. Find the connection in the kernel's table (lab03_find_connection)
 *      and record the state the table shows: TIME-WAIT.
 *
 * fd is closed in every case, even on failure. Returns 0, or -1 with errno
 * set: the error of lab03_wait_for_fin (ETIMEDOUT), of the table, or
 * ENOENT when the kernel's table has no such connection.
 */
int lab03_finish_active_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms,
                              struct state_path *path);

/*
 * Step 7. The passive close: the peer closed first, and fd (whose 5-tuple
 * is tuple) answers.
 *   1. Wait for the peer's FIN (lab03_wait_for_fin, at most timeout_ms),
 *      then record the state of fd: CLOSE-WAIT. The kernel has
 *      acknowledged the FIN and now waits for this program to close.
 *   2. close(fd): the kernel sends our FIN and the connection enters
 *      LAST-ACK until the peer acknowledges it; then it is CLOSED and gone.
 *   3. Find the connection in the kernel's table (lab03_find_connection):
 *      record LAST-ACK if the table still lists it so, CLOSED if the table
 *      no longer lists it at all.
 *
 * fd is closed in every case, even on failure. Returns the last state
 * recorded (SL_LAST_ACK or SL_CLOSED), or -1 with errno set.
 */
int lab03_passive_close(int fd, const struct sl_five_tuple *tuple, int timeout_ms, struct state_path *path);

#endif
