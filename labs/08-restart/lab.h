/*
 * lab.h - Lab 08, "Restart without dropping connections": the functions you
 * write in lab.c.
 *
 * A server is restarted to deploy a new version of its code. Clients keep
 * connecting while that happens, and each one should be answered: not
 * refused because nobody listened for a moment, not reset because the
 * connection waited in the queue of a listening socket that closed. In this
 * lab you run a SO_REUSEPORT server as "generations" of worker processes,
 * count what clients see, and restart the server four ways:
 *
 *   naive     stop the old generation, then start the new one;
 *   overlap   start the new generation, then stop the old one;
 *   migrate   overlap, with net.ipv4.tcp_migrate_req = 1: the kernel moves the
 *             connections queued on a closing listener to a surviving one;
 *   handoff   the old process hands its listening socket itself to the new
 *             process over a Unix socket (SCM_RIGHTS): no listener ever closes.
 *
 *   step 1  lab08_listener             a listener that may share its port (SO_REUSEPORT)
 *   step 2  lab08_start_generation     N workers, each with its own listener, ready when listening;
 *           lab08_stop_generation      SIGTERM, then reap every worker
 *   step 3  lab08_probe                one client: answered, reset or refused?
 *   step 4  lab08_restart_naive        stop, then start: a gap and lost queues
 *   step 5  lab08_restart_overlap      start, then stop: no gap
 *   step 6  lab08_enable_migration     let the kernel move queued connections
 *   step 7  lab08_send_listeners       sendmsg() with SCM_RIGHTS
 *   step 8  lab08_receive_listeners    recvmsg(): the same sockets, new descriptors
 *   step 9  lab08_start_server         a server process that can hand its socket over,
 *           lab08_restart_handoff      its successor that takes it and serves from it,
 *           lab08_stop_server          and a stop
 *
 * lab.c also has code you are given, not a step: lab08_prepare_worker(),
 * lab08_serve() (the loop every worker and server process runs) and
 * lab08_wait_ready().
 *
 * Conventions, as for the system calls these functions wrap: on failure a
 * function returns -1 and leaves errno set, and it leaves nothing open and
 * no process running that it started. Take the family from the address you
 * are given (AF_INET or AF_INET6); never assume IPv4.
 *
 * The grader does not trust what you return: it runs its own clients
 * against your server while you restart it, and compares what they saw with
 * the kernel's own counters (/proc/net/snmp) in a network namespace of its
 * own; it asks the kernel which listening sockets exist and which process
 * holds each (sock_diag, /proc/PID/fd), and it watches which processes you
 * signal and reap, and with what exit status.
 */
#ifndef SOCKLAB_LAB08_H
#define SOCKLAB_LAB08_H

#include <sys/socket.h>
#include <sys/types.h>

#include "net.h"
#include "sockdiag.h"

/* The backlog every listener passes to listen(): the longest accept queue. */
#define LAB08_BACKLOG 128

/* The most workers in a generation, and the most listeners in one hand-off. */
#define LAB08_MAX_WORKERS 16
#define LAB08_MAX_LISTENERS 16

/*
 * What a client sends, and what a worker answers: a small HTTP exchange, so
 * curl and the lab 07 load generator work against the server too. A worker
 * reads the request up to its blank line and answers with one response whose
 * body names the generation, the worker and the process that served it,
 * then closes the connection.
 */
#define LAB08_REQUEST "GET / HTTP/1.0\r\n\r\n"
#define LAB08_BODY_FORMAT "generation %d worker %d pid %d\n"
#define LAB08_RESPONSE_FORMAT                                                                  \
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n" \
    "\r\n%s"

/* The longest request a worker reads, and how long it waits for all of it. */
#define LAB08_REQUEST_MAX 2048
#define LAB08_REQUEST_TIMEOUT_MS 1000

/* Big enough for a whole response (see lab08_probe). */
#define LAB08_RESPONSE_MAX 512

/* How long a start waits for its processes to say they listen. */
#define LAB08_READY_TIMEOUT_MS 2000

/* The per-namespace setting of step 6 (Linux 5.14 and later). */
#define LAB08_MIGRATE_SYSCTL "/proc/sys/net/ipv4/tcp_migrate_req"

/* The byte a new server process sends on the hand-off channel: "give me your listeners". */
#define LAB08_HANDOFF_REQUEST 'H'

/* ------------------------------------------------------------------ */
/* Given: the loop every worker and server process runs                 */
/* ------------------------------------------------------------------ */

/*
 * Given. Call it first thing in every new worker or server process, before
 * it makes or receives a listener: it installs the SIGTERM handler and
 * blocks SIGTERM outside lab08_serve()'s wait, so a stop request never
 * interrupts a connection in the middle and is never missed.
 * Returns 0, or -1 with errno set.
 */
int lab08_prepare_worker(void);

/*
 * Given. Serve on the n listening sockets listen_fds[] until told to stop:
 *   - answer every connection (read the request, write the response naming
 *     `generation`, `worker` and this process, close);
 *   - on SIGTERM: close the listeners (the connections still queued on them
 *     are reset, unless they migrate) and return 0. A connection already
 *     accepted is always finished first;
 *   - when handoff_fd (-1: none) receives LAB08_HANDOFF_REQUEST: send the
 *     listeners on it with lab08_send_listeners() (step 7), close this
 *     process's descriptors of them (the sockets live on in the new process)
 *     and return 0.
 * Returns -1 with errno set when it cannot go on.
 */
int lab08_serve(const int *listen_fds, int n, int handoff_fd, int generation, int worker);

/*
 * Given. Wait until `count` bytes (1 <= count <= LAB08_MAX_WORKERS) have
 * been read from ready_fd, the read end of a pipe on which each new process
 * writes one byte once it listens, for at most timeout_ms in all.
 * Returns 0; or -1 with errno ETIMEDOUT (too slow), EPIPE (end-of-file:
 * every write end closed first, so a process died before it was ready), or
 * that of a failed poll() or read().
 */
int lab08_wait_ready(int ready_fd, int count, int timeout_ms);

/* ------------------------------------------------------------------ */
/* Step 1                                                               */
/* ------------------------------------------------------------------ */

/*
 * Step 1. A TCP listening socket on addr (len bytes) that shares its port
 * with the other workers, old and new: socket() with addr's family,
 * setsockopt(SOL_SOCKET, SO_REUSEPORT, 1) BEFORE bind(), bind(addr),
 * listen(LAB08_BACKLOG). addr's port is a real one: the caller (the grader,
 * the walk-through) reserved it, with a socket of its own that has
 * SO_REUSEPORT, is bound and never listens.
 *
 * Returns the descriptor, or -1 with errno from the call that failed
 * (EADDRINUSE from bind() when the port cannot be shared) and nothing open.
 */
int lab08_listener(const struct sockaddr *addr, socklen_t len);

/* ------------------------------------------------------------------ */
/* Step 2                                                               */
/* ------------------------------------------------------------------ */

/* A generation of worker processes, as lab08_start_generation() fills it in. */
struct lab08_generation {
    int number;                     /* 1, 2, ...: the answers name it */
    int nworkers;                   /* how many run: pids[0 .. nworkers-1] */
    pid_t pids[LAB08_MAX_WORKERS];  /* pids[k] is worker k */
};

/*
 * Step 2 (a). Start generation `number` (>= 1): n worker processes
 * (1 <= n <= LAB08_MAX_WORKERS) serving addr. Worker k, in the child:
 *   1. lab08_prepare_worker();
 *   2. its OWN listener on addr with step 1 (n workers: n listeners);
 *   3. tells the parent it listens: writes one byte to a pipe the parent
 *      made before fork();
 *   4. lab08_serve(&fd, 1, -1, number, k), then _exit(0) when it returned 0
 *      and _exit(1) otherwise (or when anything before failed). _exit, not
 *      exit: the child must not run the parent's atexit handlers.
 * The parent returns only when all n bytes have arrived, so when this
 * function returns 0 every worker is listening: a restart relies on that.
 * It waits at most LAB08_READY_TIMEOUT_MS in all (poll() the pipe); a
 * worker that dies first closes its end of the pipe without writing.
 *
 * Returns 0 with gen filled in. On failure returns -1 with errno set (EINVAL
 * for n or number out of range; ETIMEDOUT or EPIPE when a worker never said
 * it listens), after killing and reaping every worker already started.
 */
int lab08_start_generation(const struct sockaddr *addr, socklen_t len, int n, int number,
                           struct lab08_generation *gen);

/*
 * Step 2 (b). Stop a generation: send SIGTERM to each worker, then waitpid()
 * for EACH of them (waitpid(-1) could reap a process that is not a worker).
 * A worker finishes the connection it is serving, closes its listener and
 * exits with status 0. Set gen->nworkers to 0.
 *
 * Returns how many workers did NOT exit with status 0 (so 0 means a clean
 * stop), or -1 with errno set when a waitpid() failed.
 */
int lab08_stop_generation(struct lab08_generation *gen);

/* ------------------------------------------------------------------ */
/* Step 3                                                               */
/* ------------------------------------------------------------------ */

/* What became of one client's connection. */
enum lab08_outcome {
    LAB08_ANSWERED = 0, /* a whole response arrived, then the server's end-of-file */
    LAB08_RESET,        /* the connection was made, then reset: ECONNRESET (or EPIPE on send) */
    LAB08_REFUSED,      /* nobody listened: connect() failed with ECONNREFUSED */
    LAB08_TIMED_OUT,    /* no answer (or no connection) within the time allowed */
    LAB08_CUT_SHORT,    /* end-of-file before a whole response */
};

/*
 * Step 3. One client: connect to addr, send LAB08_REQUEST, read the
 * response up to the server's end-of-file, and say what happened. Every
 * wait is bounded by timeout_ms from the start, the connect() too: use a
 * non-blocking socket, wait for POLLOUT, then read SO_ERROR.
 *   - connect fails with ECONNREFUSED                 -> LAB08_REFUSED
 *   - send() fails with EPIPE or ECONNRESET (MSG_NOSIGNAL: never SIGPIPE),
 *     or read() fails with ECONNRESET                 -> LAB08_RESET
 *   - end-of-file after a body LAB08_BODY_FORMAT       -> LAB08_ANSWERED,
 *     and *generation (if not NULL) = the generation the body names
 *   - end-of-file before that                          -> LAB08_CUT_SHORT
 *   - the deadline passes                              -> LAB08_TIMED_OUT
 * The socket is closed in every case.
 *
 * Returns the outcome (>= 0), or -1 with errno set for a failure that says
 * nothing about the server (socket() failing, a connect() error other than
 * ECONNREFUSED, ...).
 */
int lab08_probe(const struct sockaddr *addr, socklen_t len, int timeout_ms, int *generation);

/* ------------------------------------------------------------------ */
/* Steps 4 and 5                                                        */
/* ------------------------------------------------------------------ */

/*
 * Step 4. The naive restart of generation *old on addr: stop it (step 2),
 * THEN start generation old->number + 1 with as many workers, into *next.
 * Between the two, nobody listens: new clients are refused; and the
 * connections queued on the old listeners when they closed were reset.
 *
 * Returns 0 when the old generation stopped cleanly and the new one
 * listens. Returns -1 with errno set when either failed; when the only
 * trouble is an old worker that did not exit with status 0, the new
 * generation runs and errno is ECHILD.
 */
int lab08_restart_naive(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len,
                        struct lab08_generation *next);

/*
 * Step 5. The overlapping restart: start generation old->number + 1 with as
 * many workers FIRST, and only once all of them listen (step 2 returns only
 * then) stop the old one. There is always a listener on the port: nobody is
 * refused. The connections queued on the old listeners when they close are
 * still reset, unless the kernel migrates them (step 6).
 *
 * Returns 0 when the new generation listens and the old one stopped
 * cleanly; -1 with errno set otherwise: ECHILD when an old worker did not
 * exit with status 0 (the new generation runs); if the new one cannot
 * start, the old one is left running.
 */
int lab08_restart_overlap(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len,
                          struct lab08_generation *next);

/* ------------------------------------------------------------------ */
/* Step 6                                                               */
/* ------------------------------------------------------------------ */

/*
 * Step 6. Turn on net.ipv4.tcp_migrate_req: write "1" to
 * LAB08_MIGRATE_SYSCTL. The setting belongs to the network namespace of the
 * calling process, and only its root may change it: the grader and the
 * walk-through call this inside a namespace of their own, never on your
 * machine's. With it, a listener that closes hands its queued connections
 * (and half-open ones) to another listener of its SO_REUSEPORT group.
 *
 * Returns 0 once the setting reads back as 1, or -1 with errno from the
 * call that failed (EACCES for an ordinary user, EROFS where /proc/sys is
 * read-only, ENOENT where the kernel has no such setting, before Linux
 * 5.14). A kernel may have the setting and still not move the queue
 * (Debian 11's 5.10): the grader tries the move before it counts on it.
 */
int lab08_enable_migration(void);

/* ------------------------------------------------------------------ */
/* Steps 7 and 8                                                        */
/* ------------------------------------------------------------------ */

/*
 * Step 7. Send the n descriptors fds[] (1 <= n <= LAB08_MAX_LISTENERS) over
 * the connected Unix socket unix_fd, in ONE sendmsg(): one byte of data (a
 * stream socket carries no message without data) and one control message
 * of level SOL_SOCKET, type SCM_RIGHTS, holding the n ints. The kernel
 * gives the receiver new descriptors for the same open sockets. Sending
 * does not close anything here: the caller decides when its own
 * descriptors close.
 *
 * Returns 0, or -1 with errno set (EINVAL for n out of range).
 */
int lab08_send_listeners(int unix_fd, const int *fds, int n);

/*
 * Step 8. Receive what step 7 sent: wait at most timeout_ms for unix_fd to
 * be readable, then one recvmsg() with room for LAB08_MAX_LISTENERS
 * descriptors of control data, and copy the descriptors of the SCM_RIGHTS
 * message into fds[] (room for max). They are new numbers in this process
 * for the sender's sockets: the same inode, the same port, still LISTEN.
 *
 * Returns how many descriptors arrived (>= 1). On failure returns -1 with
 * errno set, with nothing left open (close what did arrive):
 *   ETIMEDOUT   nothing arrived in time;
 *   ECONNRESET  end-of-file: the sender closed the channel;
 *   EBADMSG     data without descriptors (no SCM_RIGHTS message);
 *   EMSGSIZE    more descriptors than max, or MSG_CTRUNC (the kernel had
 *               more than the control buffer could take).
 */
int lab08_receive_listeners(int unix_fd, int *fds, int max, int timeout_ms);

/* ------------------------------------------------------------------ */
/* Step 9                                                               */
/* ------------------------------------------------------------------ */

/* One server process that can hand its listener to a successor. */
struct lab08_server {
    int generation;   /* the answers name it */
    pid_t pid;        /* the server process */
    int handoff_fd;   /* the caller's end of the hand-off channel: its successor asks on it */
};

/*
 * Step 9 (a). Start generation `generation` as ONE server process on addr:
 * a Unix socketpair() for the hand-off channel and a ready pipe, then
 * fork(). The child: lab08_prepare_worker(), closes the parent's end of the
 * channel, makes its listener with step 1, writes its ready byte,
 * lab08_serve(&fd, 1, its end of the channel, generation, 0), _exit().
 * The parent keeps the other end in server->handoff_fd and returns once
 * the child is ready (at most LAB08_READY_TIMEOUT_MS).
 *
 * Returns 0, or -1 with errno set and nothing left open or running.
 */
int lab08_start_server(const struct sockaddr *addr, socklen_t len, int generation, struct lab08_server *server);

/*
 * Step 9 (b). The hand-off restart: generation old->generation + 1 takes the
 * listening socket of *old, which never closes.
 *   1. Make the new server's own hand-off channel (for ITS successor) and a
 *      ready pipe, then fork() the new server process, which:
 *        - lab08_prepare_worker();
 *        - writes LAB08_HANDOFF_REQUEST on old->handoff_fd (it inherited
 *          that descriptor from the parent) and receives the listeners on
 *          it with step 8;
 *        - writes its ready byte, and serves from the RECEIVED descriptors:
 *          lab08_serve(fds, n, its end of its own channel, ...); _exit().
 *   2. The parent waits for the ready byte, closes old->handoff_fd, and
 *      reaps the old process: having sent its listener, it finishes what it
 *      accepted and exits with status 0.
 * The old process must keep its listener open until it has sent it: a
 * socket closed by its last descriptor resets its queue.
 *
 * Returns 0 with *next filled in when the new server serves and the old one
 * exited with status 0. Returns -1 with errno set otherwise: ECHILD when the
 * old one ended otherwise (*next serves all the same); if the new one could
 * not get the listener, it is reaped and the old one keeps serving.
 */
int lab08_restart_handoff(struct lab08_server *old, struct lab08_server *next);

/*
 * Step 9 (c). Stop a server process: SIGTERM, waitpid() for it, close
 * server->handoff_fd. Returns 0 when it exited with status 0, 1 when it
 * ended otherwise, -1 with errno set when waitpid() failed.
 */
int lab08_stop_server(struct lab08_server *server);

#endif
