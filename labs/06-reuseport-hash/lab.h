/*
 * lab.h - Lab 06, "How the kernel picks a listener": the functions you
 * write in lab.c.
 *
 * In lab 05 several SO_REUSEPORT listeners shared one port. This lab asks
 * WHICH of them gets a new connection. The kernel keeps the group's
 * listeners in an array, in the order they called listen(), hashes the
 * connection's 4-tuple (source address and port, destination address and
 * port) and takes slot reciprocal_scale(hash, number of listeners). You
 * build the experiments that show what follows from that:
 *
 *   step 1  lab06_join, lab06_group_open     the group, in the kernel's order
 *   step 2  lab06_group_accept               which listener took a connection
 *   step 3  lab06_connect_from,              the same 4-tuple lands on the same
 *           lab06_close_reset                  listener, every time
 *   step 4  lab06_count_accepts              connections per listener: the spread
 *   step 5  lab06_workers_start/_stop        one shared listener instead: blocking
 *                                              accept() takes turns, epoll does not
 *   step 6  lab06_group_add, _remove         a listener more or less remaps tuples
 *   step 7  lab06_group_retire               closing a listener resets its queue,
 *                                              unless net.ipv4.tcp_migrate_req is set
 *
 * Conventions, as for the system calls these functions wrap: on failure a
 * function returns -1 and leaves errno as the failing call set it (save
 * errno before calling close(), which may change it), and it closes every
 * descriptor it opened, so a failure never leaks one. Take the family from
 * the address you are given (AF_INET or AF_INET6); never assume IPv4.
 *
 * The grader does not trust what you return: it asks the kernel. Which
 * listener holds a connection it reads from the listeners' accept queues
 * (sock_diag); which worker accepted it, from the workers' descriptor
 * tables in /proc; what a client saw, from the client's own socket.
 */
#ifndef SOCKLAB_LAB06_H
#define SOCKLAB_LAB06_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net.h"

/* The most listeners a struct lab06_group holds. */
#define LAB06_MAX_LISTENERS 16

/* The most workers lab06_workers_start() starts. */
#define LAB06_MAX_WORKERS 16

/*
 * A SO_REUSEPORT group as your code keeps it. The kernel keeps its own
 * array of the group's listening sockets; fds[] must always mirror it:
 * fds[i] is the listener in the kernel's slot i. Then "the kernel picked
 * slot i" and "fds[i] got the connection" mean the same thing.
 */
struct lab06_group {
    struct sockaddr_storage addr;   /* the address and port every member is bound to */
    int fds[LAB06_MAX_LISTENERS];   /* fds[i]: the listener in the kernel's slot i */
    int count;                      /* how many members: fds[0] .. fds[count - 1] */
};

/*
 * Step 1a. One member of a group: socket() with addr's family,
 * setsockopt(SOL_SOCKET, SO_REUSEPORT, 1) BEFORE bind(), bind(*addr),
 * listen(backlog). If *addr has port 0, the kernel picks a port; write the
 * bound address back into *addr (getsockname()), so the next member can
 * join the same port.
 *
 * Returns the listening descriptor. On failure returns -1 with errno from
 * the call that failed (EADDRINUSE when the port is held by a socket
 * without SO_REUSEPORT; EAFNOSUPPORT, before any call, when *addr is
 * neither AF_INET nor AF_INET6) and leaves no descriptor open.
 */
int lab06_join(struct sockaddr_storage *addr, int backlog);

/*
 * Step 1b. Open a group of n members (1 <= n <= LAB06_MAX_LISTENERS) on
 * addr (len bytes; its port may be 0), one after the other with
 * lab06_join(). A member enters the kernel's array when it calls listen(),
 * at the end: so the order you opened them in IS the kernel's order, and
 * group->fds[i] is slot i. Sets group->addr to the bound address (with the
 * port the kernel picked) and group->count to n.
 *
 * All or nothing: returns 0 when all n listen. If one fails, closes the
 * members already opened and returns -1 with errno from the call that
 * failed (EINVAL for n out of range).
 */
int lab06_group_open(struct lab06_group *group, const struct sockaddr *addr, socklen_t len, int n,
                     int backlog);

/*
 * Step 2. Wait at most timeout_ms for a connection on any member of the
 * group (one poll() over all of them), accept() it from the member that
 * has it, and set *slot to that member's index in group->fds.
 *
 * Returns the new connection's descriptor. On failure returns -1 with
 * errno set: ETIMEDOUT when no connection came in time, the error of
 * poll() or accept(), or EIO when poll() reports members ready but none
 * of them with POLLIN (only POLLERR, POLLHUP or POLLNVAL: a member that is
 * not a listening socket). *slot is then left alone, and nothing is left
 * open.
 */
int lab06_group_accept(const struct lab06_group *group, int timeout_ms, int *slot);

/*
 * Step 3a. A client connection from a source address and port of your
 * choice (bind-before-connect), so that the same 4-tuple can be made again
 * and again: socket() with the server's family, SO_REUSEADDR on (so the
 * port can be bound again even while an earlier, normally closed
 * connection from it sits in TIME_WAIT), bind(source), connect(server).
 *
 * Returns the connected descriptor. On failure returns -1 with errno from
 * the call that failed and leaves no descriptor open.
 */
int lab06_connect_from(const struct sockaddr *source, socklen_t source_len, const struct sockaddr *server,
                       socklen_t server_len);

/*
 * Step 3b. Close a connection with a reset instead of the usual FIN:
 * setsockopt(SOL_SOCKET, SO_LINGER) with l_onoff = 1 and l_linger = 0,
 * then close(). The kernel sends RST and frees the connection at once, on
 * both ends: nobody is left in TIME_WAIT, and the same 4-tuple can be used
 * again straight away. The peer's next read() fails with ECONNRESET.
 *
 * Returns 0, or -1 with errno set (the descriptor is closed either way,
 * unless it was not open: EBADF).
 */
int lab06_close_reset(int fd);

/*
 * Step 4. Accept `expected` connections from the group, one at a time with
 * lab06_group_accept() (each waiting at most timeout_ms), close each one,
 * and count them: counts[i] grows by the number of connections member i
 * accepted (counts has group->count entries; the caller zeroes it, so that
 * it can add up several calls).
 *
 * Returns 0 when all `expected` were accepted. On failure returns -1 with
 * errno set (ETIMEDOUT when fewer came); counts then holds those accepted.
 */
int lab06_count_accepts(const struct lab06_group *group, int expected, int timeout_ms, long *counts);

/* The two ways step 5's workers wait on one shared listener. */
enum lab06_model {
    LAB06_BLOCKING_ACCEPT, /* every worker sleeps in accept() */
    LAB06_EPOLL,           /* every worker sleeps in epoll_wait(), on an epoll instance of its own */
};

/* The worker processes of step 5. */
struct lab06_workers {
    int count;                     /* how many were started */
    pid_t pids[LAB06_MAX_WORKERS]; /* pids[k] is worker k */
};

/*
 * Step 5a. Start n worker processes (1 <= n <= LAB06_MAX_WORKERS) that
 * all accept from the ONE listening socket listen_fd. For LAB06_EPOLL,
 * first make listen_fd non-blocking (fcntl() O_NONBLOCK), in the parent:
 * the children share that one open socket, flags and all. Then fork() n
 * children; each one loops for ever:
 *   LAB06_BLOCKING_ACCEPT: accept() on listen_fd (it sleeps there until a
 *     connection comes), serve the connection, again;
 *   LAB06_EPOLL: before the loop, make an epoll instance of its own
 *     (epoll_create1()) and add listen_fd with EPOLLIN | EPOLLEXCLUSIVE, as
 *     nginx does; in the loop, epoll_wait() (it sleeps there), then accept()
 *     (which may find nothing, EAGAIN: another worker was quicker), serve
 *     what it got, again.
 * To serve a connection, read() from it until read() returns 0 (the client
 * closed) or -1 (ECONNRESET: the client reset it), then close() it: a
 * client that sends bytes, in one piece or many, keeps its connection. A
 * worker never returns from this function: it leaves with _exit().
 * It leaves at once, with _exit(), when a call fails for good: its epoll
 * set-up (epoll_create1() or epoll_ctl(): EPERM for a descriptor epoll
 * cannot watch), epoll_wait() with anything but EINTR, or accept() with
 * anything but EAGAIN (EWOULDBLOCK), EINTR or ECONNABORTED (the listener
 * was shut down, say: every accept() would fail again at once). Those
 * three, and epoll_wait()'s EINTR (which a stop and continue, SIGSTOP then
 * SIGCONT, gives), are part of normal life: the worker waits again.
 *
 * Returns 0 once all n children exist, with workers filled in. On failure
 * returns -1 with errno set (EINVAL for n out of range or an unknown model,
 * with no worker started; fcntl()'s error; or fork()'s error, EAGAIN, even
 * when ending the workers already started fails too), after killing and
 * reaping any worker already started.
 */
int lab06_workers_start(int listen_fd, int n, enum lab06_model model, struct lab06_workers *workers);

/*
 * Step 5b. Stop the workers: kill() each with SIGTERM, then waitpid() for
 * EACH one (again when it fails with EINTR), so no zombie is left; set
 * workers->count to 0.
 *
 * Returns 0, or -1 with waitpid()'s errno when a waitpid() fails for good
 * (ECHILD: that pid is not a child of the caller); the other workers are
 * still killed and reaped.
 */
int lab06_workers_stop(struct lab06_workers *workers);

/*
 * Step 6a. Add a member to the group: a new listener on group->addr (use
 * lab06_join()). The kernel appends it to its array, so append it to
 * group->fds too.
 *
 * Returns the new member's slot (the old group->count). On failure returns
 * -1 with errno set (ENOSPC when group->fds is full, or lab06_join()'s
 * error), the group is unchanged and nothing is left open.
 */
int lab06_group_add(struct lab06_group *group, int backlog);

/*
 * Step 6b. Remove the member in slot `slot`: close() it. The kernel fills
 * the hole in its array by moving its LAST listener into that slot (it
 * does not shift the others down); do exactly the same to group->fds, so
 * that fds[i] is still the kernel's slot i.
 *
 * Returns 0, or -1 with errno EINVAL for a slot out of range.
 */
int lab06_group_remove(struct lab06_group *group, int slot);

/*
 * Step 7. Close the member in slot `slot`, deciding first what becomes of
 * the connections waiting in its accept queue: write "1" (migrate is true)
 * or "0" to /proc/sys/net/ipv4/tcp_migrate_req, THEN remove the member
 * with lab06_group_remove(). With 0 the kernel resets every connection in
 * that queue; with 1 (Linux 5.14 and later) it moves them to another
 * listener of the group, data and all.
 *
 * The setting belongs to the network namespace the process runs in, and
 * writing it needs root there: the grader runs this step in a namespace of
 * its own, never on the machine's.
 *
 * Returns 0, or -1 with errno set (EACCES or EPERM without root, ENOENT
 * where the kernel has no such setting (before Linux 5.14), the error of
 * open(), write() or close() on the setting's file, EINVAL for a bad slot:
 * checked first, so the setting is not written). On failure the member is
 * still open and in the group, and nothing else is left open. Some kernels
 * have the setting without the move (Debian 11's 5.10): the grader tries
 * the move first and skips this step there.
 */
int lab06_group_retire(struct lab06_group *group, int slot, bool migrate);

#endif
