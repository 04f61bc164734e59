/*
 * lab.h - Lab 07, "Performance": the functions you write in lab.c.
 *
 * One small HTTP server, four ways to spread its work over processes:
 *
 *   single     one process, one listening socket, one accept loop;
 *   accept     N worker processes (fork) blocking in accept() on ONE shared
 *              listening socket: the kernel keeps one accept queue;
 *   epoll      N workers waiting in epoll_wait() on that one shared socket;
 *   reuseport  N workers, each with a listening socket of its own on the same
 *              port (SO_REUSEPORT): N accept queues, and the kernel hashes
 *              each new connection to one of them.
 *
 * Every model answers each connection with the same short HTTP/1.1 response,
 * whose body names the worker that served it ("worker 3\n"), and closes the
 * connection, so curl, wrk and the kit's load generator (build/bin/loadgen)
 * all work against it and can count who served what. You build it in steps:
 *
 *   step 1  lab07_format_response     the response: status line, headers, blank line, body
 *   step 2  lab07_serve_connection    read one request, answer it, close: the accept loop
 *           lab07_accept_loop
 *   step 3  lab07_start_shared        one listener, N forked workers sharing it
 *   step 4  lab07_epoll_loop          a worker that waits in epoll on the shared listener
 *   step 5  lab07_start_reuseport     N listeners on one port, one per worker
 *   step 6  lab07_stop                stop the workers and reap every one
 *
 * The single model is step 3 with one worker; the accept and epoll models
 * are step 3 with the loop of step 2 or of step 4; the reuseport model is
 * step 5 with the loop of step 2. build/bin/lab07 runs any of them.
 *
 * Conventions, as for the system calls these functions wrap: on failure a
 * function returns -1 and leaves errno as the failing call set it (save
 * errno before calling close(), which may change it), and it leaves nothing
 * open and no process running. Take the family from the address you are
 * given (AF_INET or AF_INET6); never assume IPv4.
 *
 * The grader does not trust what you return: it is a real HTTP client
 * (every connection must get exactly one valid response, and no reset),
 * and it asks the kernel how many listening sockets are on the port
 * (sock_diag, as `ss -tln` does), which process holds which (/proc/PID/fd),
 * what each worker's epoll instance watches (/proc/PID/fdinfo), and which
 * processes are left (/proc: a worker nobody waited for is a zombie).
 */
#ifndef SOCKLAB_LAB07_H
#define SOCKLAB_LAB07_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net.h"
#include "sockdiag.h"

/* The most worker processes a server may have. */
#define LAB07_MAX_WORKERS 16

/*
 * The backlog every listener passes to listen(): the longest accept queue.
 * A load generator keeps a few dozen connections open at a time, and in the
 * stalled-worker mode one queue holds them all while its worker sleeps.
 */
#define LAB07_BACKLOG 512

/* The longest request a worker reads; a longer one is refused. */
#define LAB07_REQUEST_MAX 4096

/*
 * How long a worker waits, in all, for the whole request of one connection.
 * A client that connects and sends nothing must not keep a worker forever.
 */
#define LAB07_REQUEST_TIMEOUT_MS 1000

/* Big enough for the whole response of step 1, for any worker number. */
#define LAB07_RESPONSE_MAX 256

/* How long lab07_stop() lets the workers end on SIGTERM before SIGKILL. */
#define LAB07_STOP_GRACE_MS 500

/*
 * What a server's workers are told. The stall fields make one worker slow
 * on purpose (the stalled-worker mode): it sleeps stall_ms before answering
 * every stall_every-th connection it serves. That shows what a worker that
 * stops for a while (a slow disk, a page fault storm, a long request) costs
 * each model.
 */
struct lab07_config {
    int nworkers;     /* how many worker processes: 1 .. LAB07_MAX_WORKERS */
    int stall_worker; /* the worker that stalls (0 .. nworkers-1), or -1: none does */
    int stall_every;  /* it stalls on every stall_every-th connection it serves (>= 1) */
    int stall_ms;     /* for this many milliseconds */
};

/*
 * A running server, as lab07_start_shared() or lab07_start_reuseport()
 * fills it in. The caller sets `config` and `addr` (port 0: the kernel picks
 * one) before the call; the function sets everything else.
 */
struct lab07_server {
    struct lab07_config config;
    struct sockaddr_storage addr;  /* in: where to listen; out: the port the kernel gave */
    int listen_fd;                 /* the parent's descriptor of the shared listener, or -1 */
    int nworkers;                  /* how many workers run: pids[0 .. nworkers-1] */
    pid_t pids[LAB07_MAX_WORKERS]; /* pids[k] is worker k */
};

/*
 * The loop a worker process runs on its listening socket (step 2's
 * lab07_accept_loop or step 4's lab07_epoll_loop; the grader passes loops of
 * its own too). It serves connections until the process is killed, and
 * returns -1 with errno set only when it cannot go on.
 */
typedef int (*lab07_worker_loop)(int listen_fd, int worker, const struct lab07_config *config);

/*
 * Step 1. Write into buf (size bytes) the whole HTTP/1.1 response of
 * worker number `worker` (>= 0), as one C string:
 *
 *     HTTP/1.1 200 OK\r\n
 *     Content-Type: text/plain\r\n
 *     Content-Length: 9\r\n
 *     Connection: close\r\n
 *     \r\n
 *     worker 3\n
 *
 * Every line of the head ends with CR LF ("\r\n"); an empty line ends the
 * head; then comes the body, "worker 3\n", whose length in bytes is the
 * Content-Length (it grows with the number: "worker 12\n" is 10 bytes).
 * Connection: close tells the client that the server closes the connection
 * after this response.
 *
 * Returns the response's length (strlen(buf)). Returns -1 with errno
 * EMSGSIZE when it does not fit in size bytes with its terminating '\0'
 * (writing nothing past buf[size - 1]), or EINVAL when worker < 0.
 */
int lab07_format_response(char *buf, size_t size, int worker);

/*
 * Step 2 (a). Serve one accepted connection, conn_fd, as worker `worker`:
 *   1. read the request until the empty line that ends its head ("\r\n\r\n"):
 *      it may come in several pieces. Wait with a bound: at most
 *      LAB07_REQUEST_TIMEOUT_MS in all, with sl_wait_readable() before each
 *      read(); read at most LAB07_REQUEST_MAX bytes;
 *   2. call stall_if_chosen(worker, config) (given in lab.c);
 *   3. send the response of step 1, all of it (send() may write less than
 *      asked), with the flag MSG_NOSIGNAL;
 *   4. close conn_fd.
 * Read the request before answering and closing: close() on a socket with
 * unread bytes sends a reset (RST) instead of a FIN. The client still reads
 * the bytes that reached it, but then gets ECONNRESET instead of the clean
 * end-of-file, and whatever was not yet sent is lost. MSG_NOSIGNAL:
 * writing to a connection the client has already reset raises SIGPIPE,
 * which would kill the whole worker; with the flag, send() just fails with
 * EPIPE and only this connection is lost.
 *
 * conn_fd is closed in every case. Returns 0 when the response was sent;
 * -1 with errno when the client went away or misbehaved: ECONNRESET (or
 * read()'s errno) on an error, EPROTO on end-of-file before the empty line,
 * ETIMEDOUT when the request took too long, EMSGSIZE when it was too long,
 * send()'s errno when sending failed.
 */
int lab07_serve_connection(int conn_fd, int worker, const struct lab07_config *config);

/*
 * Step 2 (b). The accept loop of a worker: forever, accept() a connection
 * on listen_fd (a blocking listening socket) and serve it with
 * lab07_serve_connection(). A connection that fails costs only itself:
 * keep going. accept() failing with EINTR (a signal came) or ECONNABORTED
 * (the client reset before we took it) also means "try again".
 *
 * Never returns while things go well; returns -1 with accept()'s errno when
 * accept() fails for any other reason (EBADF, EINVAL: not a listener, ...).
 */
int lab07_accept_loop(int listen_fd, int worker, const struct lab07_config *config);

/*
 * Step 3. Start a server whose workers share one listening socket:
 *   1. a TCP listening socket on server->addr (socket() with its family,
 *      bind(), listen() with LAB07_BACKLOG); read back the address the
 *      kernel gave it (getsockname()) into server->addr, so a caller that
 *      asked for port 0 learns the port;
 *   2. fork() server->config.nworkers children. Child k runs
 *      loop(listen_fd, k, &server->config) and then ends with _exit(1)
 *      (never return from the child: it would go on running the caller's
 *      code). The parent stores child k's pid in server->pids[k] and counts
 *      it in server->nworkers;
 *   3. the parent keeps its descriptor of the listener in server->listen_fd.
 * A child inherits the parent's descriptors: all N workers and the parent
 * hold the SAME listening socket, so the kernel lists one LISTEN socket and
 * keeps one accept queue, which all workers take from.
 *
 * Returns 0. On failure (nworkers out of range: EINVAL) returns -1 with
 * errno set, with no worker left running and the listener closed (step 6's
 * lab07_stop() does both).
 */
int lab07_start_shared(struct lab07_server *server, lab07_worker_loop loop);

/*
 * Step 4. A worker loop like step 2's, but waiting in epoll, as event-driven
 * servers do, on a listening socket that other workers share:
 *   1. make listen_fd non-blocking (fcntl() O_NONBLOCK): a worker may be
 *      told of a connection that another worker takes first, and its
 *      accept() must then fail with EAGAIN instead of blocking there;
 *   2. an epoll instance of its own (epoll_create1()) watching listen_fd for
 *      EPOLLIN | EPOLLEXCLUSIVE. Without EPOLLEXCLUSIVE every waiting worker
 *      is woken for each new connection (a "thundering herd"), and all but
 *      one find nothing; with it (Linux 4.5+, what nginx does) the kernel
 *      wakes one;
 *   3. forever: epoll_wait(); then accept() until it fails with EAGAIN (or
 *      EWOULDBLOCK), serving each connection with lab07_serve_connection().
 * An accepted socket does not inherit O_NONBLOCK from the listener, so the
 * serving of step 2 works on it unchanged. Under light load, the worker the
 * kernel wakes is the same one again and again: one worker takes nearly
 * every connection while the others sleep.
 *
 * Never returns while things go well; returns -1 with errno when a call
 * fails for a reason other than EINTR, EAGAIN and ECONNABORTED.
 */
int lab07_epoll_loop(int listen_fd, int worker, const struct lab07_config *config);

/*
 * Step 5. Start a server whose workers each have a listener of their own:
 *   1. server->config.nworkers listening sockets, each with SO_REUSEPORT set
 *      to 1 BEFORE bind(), all on the same address and port: the first on
 *      server->addr (when its port is 0 the kernel picks one: read it back
 *      with getsockname() into server->addr), the others on that address;
 *   2. fork() the workers. Child k closes every listener but its own, runs
 *      loop(its listener, k, &server->config), and ends with _exit(1);
 *   3. the parent closes all the listeners (the workers hold them) and sets
 *      server->listen_fd to -1, server->pids[] and server->nworkers as in
 *      step 3.
 * The kernel then lists N LISTEN sockets on the port, each with its own
 * accept queue, and hashes every new connection to one of them. A listener
 * that stayed open in the parent or in another worker would go on receiving
 * its share of connections after its worker is gone, with nobody to accept
 * them.
 *
 * Returns 0; on failure -1 with errno, nothing left open or running.
 */
int lab07_start_reuseport(struct lab07_server *server, lab07_worker_loop loop);

/*
 * Step 6. Stop a server started by step 3 or step 5:
 *   1. send SIGTERM to every worker in server->pids[0 .. nworkers-1];
 *   2. reap them: waitpid() each one, without blocking (WNOHANG), again and
 *      again for at most LAB07_STOP_GRACE_MS, so that they all end at once;
 *   3. a worker still running after that (it ignores SIGTERM) gets SIGKILL,
 *      which it cannot ignore, and a blocking waitpid();
 *   4. close server->listen_fd when it is not -1, and set it to -1; set
 *      server->nworkers to 0.
 * A worker that has already died is still reaped: until its parent calls
 * waitpid(), a dead child stays in the process table as a zombie.
 *
 * Returns how many workers were reaped, or -1 with errno set when waitpid()
 * fails for a reason other than EINTR.
 */
int lab07_stop(struct lab07_server *server);

#endif
