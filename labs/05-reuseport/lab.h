/*
 * lab.h - Lab 05, "SO_REUSEPORT listeners": the functions you write in lab.c.
 *
 * Normally one address and port has one listening socket, and every new
 * connection waits in that one socket's accept queue. With the socket
 * option SO_REUSEPORT, several listening sockets share one IP:port: the
 * kernel keeps them as a group and hands each new connection to one of
 * them, chosen by a hash of the connection's addresses and ports. A server
 * with N worker processes can then give each worker a listener of its own.
 * In this lab you build such a group and the server around it:
 *
 *   step 1  lab05_reuseport_listener  one listener that may share its port: the option before bind()
 *   step 2  lab05_listener_pair       two listeners, one port, one process
 *   step 3  lab05_count_listeners     the group as the kernel sees it (sock_diag)
 *   step 4  lab05_reserve_port        a member that never listens: it holds the port, gets nothing
 *   step 5  lab05_start_workers       N worker processes, each with its own listener and accept loop
 *   step 6  lab05_stop_workers        SIGTERM to the workers' process group, and reap every one
 *   step 7  lab05_listener_then_drop  the same-owner rule: open as root, then become another user
 *
 * Conventions, as for the system calls these functions wrap: on failure a
 * function returns -1 and leaves errno as the failing call set it (save
 * errno before calling close(), which may change it), and it closes every
 * descriptor it opened, so a failure never leaks one. Take the family from
 * the address you are given (AF_INET or AF_INET6); never assume IPv4.
 *
 * The grader does not trust what you return or print: it asks the kernel
 * (through sock_diag, as `ss -tln` does) how many listening sockets are on
 * the port and who holds them, connects to the port as a real client, and
 * checks through /proc which processes are left (a dead worker nobody
 * waited for stays there as a zombie).
 */
#ifndef SOCKLAB_LAB05_H
#define SOCKLAB_LAB05_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net.h"
#include "sockdiag.h"

/* The backlog every listener of this lab passes to listen(). */
#define LAB05_BACKLOG 128

/* The most workers lab05_start_workers() accepts. */
#define LAB05_MAX_WORKERS 16

/*
 * What a worker writes to every connection it accepts, with printf()'s
 * conversions filled in by its worker number (0 .. n-1) and its process id,
 * e.g. "worker 2 pid 4711\n". A client reads that line to learn who served it.
 */
#define LAB05_ANSWER_FORMAT "worker %d pid %d\n"

/*
 * Step 1. A TCP listening socket on addr (len bytes: a sockaddr_in or a
 * sockaddr_in6) that other sockets may share: socket() with addr's family,
 * then setsockopt(SOL_SOCKET, SO_REUSEPORT, 1), THEN bind(addr), then
 * listen(backlog). The order matters: bind() is where the kernel decides
 * whether the port may be shared, and it looks at the options the socket
 * has at that moment. addr's port may be 0: the kernel then picks one
 * (read it back with getsockname()).
 *
 * Returns the listening descriptor. On failure returns -1 with errno from
 * the call that failed (EADDRINUSE when the port is held by a socket that
 * did not set SO_REUSEPORT, or by another user's group) and leaves no
 * descriptor open.
 */
int lab05_reuseport_listener(const struct sockaddr *addr, socklen_t len, int backlog);

/*
 * Step 2. Two listening sockets on one address and port, in this process:
 * the first on addr (whose port may be 0), the second on the very address
 * and port the first one got (read it back with getsockname()). Both with
 * SO_REUSEPORT, both with backlog LAB05_BACKLOG (use step 1).
 *
 * All or nothing: returns 0 with fds[0] and fds[1] set when both listen.
 * If either fails, closes what was opened and returns -1 with errno from
 * the call that failed.
 */
int lab05_listener_pair(const struct sockaddr *addr, socklen_t len, int fds[2]);

/*
 * Step 3. Ask the kernel's socket table (sl_diag_list() in sockdiag.h) how
 * many TCP sockets are in LISTEN on exactly addr: the same family, local
 * address and local port (a listener on 0.0.0.0:P is not one on
 * 127.0.0.1:P). Store the inodes of the first `max` of them in inodes[]
 * (which may be NULL when max is 0). Sockets in other states on that port,
 * such as accepted connections, do not count.
 *
 * Returns how many there are (which may be more than max), or -1 with errno
 * set when the table cannot be read.
 */
int lab05_count_listeners(const struct sockaddr *addr, uint64_t *inodes, int max);

/*
 * Step 4. A TCP socket with SO_REUSEPORT, bound to addr (port 0: the kernel
 * picks one) and NEVER listening. It holds the port: a socket without
 * SO_REUSEPORT cannot bind it, while SO_REUSEPORT listeners of the same
 * user can join it. It receives no connections: the kernel hands those to
 * listening sockets only. Use it to choose a port before starting workers.
 *
 * Returns the descriptor, or -1 with errno set and nothing left open.
 */
int lab05_reserve_port(const struct sockaddr *addr, socklen_t len);

/* The worker processes of step 5, as lab05_start_workers() fills it in. */
struct lab05_pool {
    int nworkers;                   /* how many were started */
    pid_t pids[LAB05_MAX_WORKERS];  /* pids[k] is worker k */
    pid_t pgid;                     /* their process group: worker 0's pid */
};

/*
 * Step 5. Start n worker processes (1 <= n <= LAB05_MAX_WORKERS) that
 * serve addr, whose port is a real one (not 0: reserve one with step 4).
 * For k = 0 .. n-1, fork() a child that:
 *   1. moves into the workers' own process group: worker 0 makes a new group
 *      (setpgid(0, 0)), worker k > 0 joins it (setpgid(0, pgid)); the parent
 *      calls setpgid() on the child too, so the group is set whoever runs
 *      first. The parent is NOT in that group, so step 6 can signal the
 *      workers without signalling itself;
 *   2. makes ITS OWN listener on addr with step 1, after fork(): n workers,
 *      n listening sockets in the kernel's table;
 *   3. loops for ever: accept() a connection, send it the line
 *      LAB05_ANSWER_FORMAT with k and its pid (send() with MSG_NOSIGNAL, so
 *      a client that has gone cannot kill the worker with SIGPIPE), close
 *      it. accept() failing with EINTR or ECONNABORTED is not fatal;
 *   4. never returns: it leaves with _exit(1) when something fails (exit()
 *      would run the parent's atexit handlers and flush its buffers twice).
 * A worker stops when it receives SIGTERM (the default action ends it).
 *
 * Returns 0 once all n children exist, with pool filled in. The workers may
 * not be listening yet: watch the kernel's table (step 3) to know when they
 * are. On failure returns -1 with errno set (EINVAL for n out of range, or
 * fork()'s error), after killing and reaping any worker already started.
 */
int lab05_start_workers(const struct sockaddr *addr, socklen_t len, int n, struct lab05_pool *pool);

/*
 * Step 6. Stop the workers of pool: send SIGTERM to their whole process
 * group (kill() with the group id negated), then wait for EACH worker with
 * waitpid() until it has ended, so no zombie is left. Reap the workers
 * only: any other child of the caller must be left alone. Afterwards no
 * worker process and none of their listeners exist; set pool->nworkers to 0.
 *
 * Returns 0, or -1 with errno set.
 */
int lab05_stop_workers(struct lab05_pool *pool);

/*
 * Step 7 (run as root). Open a SO_REUSEPORT listener on addr with step 1
 * WHILE STILL ROOT, then give up root for good: setgroups(0, NULL), then
 * setgid(gid), then setuid(uid), in that order (once the uid is no longer
 * root, the process may no longer change its groups). This is what a
 * server that needs root only to open its port does. The socket keeps the
 * owner it got at socket(): root. So it may join a group that root's
 * sockets form on addr, where a socket opened after setuid() could not.
 *
 * Returns the listening descriptor; the process then runs as uid and gid.
 * On failure returns -1 with errno from the call that failed (EPERM when
 * the caller is not root) and leaves no descriptor open.
 */
int lab05_listener_then_drop(const struct sockaddr *addr, socklen_t len, uid_t uid, gid_t gid);

#endif
