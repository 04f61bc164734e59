/*
 * lab.c - Lab 07, "Performance": your file.
 *
 * Fill in the six steps below, one at a time. What each function must do
 * is written in lab.h; the lesson (docs/lessons/07-performance.md) explains
 * why. After each step:
 *
 *     make grade LAB=7                        the grader is an HTTP client and reads the kernel's tables
 *     ./build/bin/lab07                       a walk-through of every step on your code
 *     ./build/bin/lab07 --model reuseport -w 4   serve until Ctrl-C; try curl, wrk, build/bin/loadgen
 *
 * Until you write it, each function fails with ENOSYS ("Function not
 * implemented"), so the grader and the walk-through tell you where you are.
 *
 * Useful manual pages: snprintf(3), accept(2), read(2), send(2) (MSG_NOSIGNAL),
 * poll(2), fork(2), _exit(2), fcntl(2) (O_NONBLOCK), epoll(7), epoll_create1(2),
 * epoll_ctl(2), epoll_wait(2), socket(7) (SO_REUSEPORT), kill(2), waitpid(2).
 */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
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

/*
 * Given: the stalled-worker mode (see struct lab07_config in lab.h). Call
 * it in step 2, after reading a request and before answering it: the
 * worker chosen by config->stall_worker then sleeps config->stall_ms before
 * every config->stall_every-th connection it serves. Each worker is a
 * process of its own, so the counter below counts one worker's connections.
 */
static __attribute__((unused)) void stall_if_chosen(int worker, const struct lab07_config *config)
{
    static unsigned long served;

    if (config == NULL || config->stall_worker != worker || config->stall_ms <= 0)
        return;
    served++;
    if (config->stall_every <= 1 || served % (unsigned long)config->stall_every == 0)
        poll(NULL, 0, config->stall_ms);
}

/* ---- STEP 1: The response ---- */
int lab07_format_response(char *buf, size_t size, int worker)
{
    /*
     * TODO:
     * 1. worker < 0: set errno to EINVAL and return -1.
     * 2. Make the body first, "worker 3\n", in a small buffer of its own
     *    with snprintf(): snprintf() returns the number of characters it
     *    wrote, and that number is the Content-Length.
     * 3. Then the whole response into buf with one snprintf(buf, size, ...):
     *        "HTTP/1.1 200 OK\r\n"
     *        "Content-Type: text/plain\r\n"
     *        "Content-Length: %d\r\n"
     *        "Connection: close\r\n"
     *        "\r\n"                      <- the empty line that ends the head
     *        "%s"                        <- the body
     *    Each line of the head ends with "\r\n" (CR LF), not "\n" alone.
     * 4. snprintf() returns the length the whole text WOULD have, even when
     *    it had to cut it to fit size bytes (and it never writes past
     *    size). If that length is >= size, nothing usable fits: set errno to
     *    EMSGSIZE and return -1. Otherwise return the length.
     */
    (void)buf;
    (void)size;
    (void)worker;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: The accept loop ---- */
int lab07_serve_connection(int conn_fd, int worker, const struct lab07_config *config)
{
    /*
     * TODO:
     * 1. Read the request into a buffer of LAB07_REQUEST_MAX + 1 bytes
     *    until it contains "\r\n\r\n", the empty line that ends its head.
     *    A request may arrive in pieces, and the "\r\n\r\n" may be split
     *    between two reads: after each read(), put a '\0' after the bytes
     *    you have and search them all with strstr().
     *    Never wait without a bound: the deadline is
     *    sl_now_ms() + LAB07_REQUEST_TIMEOUT_MS, and before each read()
     *    call sl_wait_readable(conn_fd, milliseconds left) (labs/common/
     *    net.h): it returns 1 when there is something to read, 0 when the
     *    time is up (-> ETIMEDOUT). read() returning 0 means the client
     *    hung up before finishing its request (-> EPROTO); -1 with EINTR
     *    means "read again"; any other -1 is the client's error (keep its
     *    errno). A full buffer without "\r\n\r\n" -> EMSGSIZE.
     * 2. stall_if_chosen(worker, config);
     * 3. The response of step 1 (a buffer of LAB07_RESPONSE_MAX bytes),
     *    sent with send(conn_fd, ..., MSG_NOSIGNAL) in a loop: send() may
     *    send fewer bytes than asked; send the rest (EINTR: try again).
     * 4. close(conn_fd) in every case (close_keep_errno() when returning -1).
     *    Return 0 if the whole response was sent, else -1.
     */
    (void)conn_fd;
    (void)worker;
    (void)config;
    errno = ENOSYS;
    return -1;
}

int lab07_accept_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    /*
     * TODO: forever:
     *    int conn = accept(listen_fd, NULL, NULL);
     * On -1 with errno EINTR or ECONNABORTED, go round again; on any other
     * error return -1. Otherwise lab07_serve_connection(conn, worker, config),
     * and go round again whatever it returned: a client that misbehaves
     * must cost its own connection, not the worker.
     */
    (void)listen_fd;
    (void)worker;
    (void)config;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: Workers sharing one listener ---- */
int lab07_start_shared(struct lab07_server *server, lab07_worker_loop loop)
{
    /*
     * TODO:
     * 1. Set server->nworkers = 0 and server->listen_fd = -1 first, so
     *    lab07_stop() can clean up after a failure at any point.
     *    server->config.nworkers must be 1 .. LAB07_MAX_WORKERS (else EINVAL).
     * 2. The listener: socket(server->addr.ss_family, SOCK_STREAM, 0);
     *    bind() to server->addr (its length: sl_addr_len()); getsockname()
     *    back into server->addr (now with the kernel's port);
     *    listen(fd, LAB07_BACKLOG). Keep it in server->listen_fd.
     * 3. For k = 0 .. nworkers-1: pid_t pid = fork();
     *      - in the child (pid == 0): loop(server->listen_fd, k,
     *        &server->config); then _exit(1). The child must never return
     *        from this function: it would go on running your caller's code.
     *      - in the parent: server->pids[server->nworkers++] = pid.
     * 4. If socket(), bind(), getsockname() or listen() fails, close what
     *    you opened and return -1. If fork() fails, save errno, call
     *    lab07_stop(server) (step 6: it ends the workers already started
     *    and closes the listener), restore errno and return -1.
     * Each child inherits the parent's descriptors: the parent and every
     * worker hold the same listening socket. The kernel lists ONE LISTEN
     * socket on the port, with one accept queue that all workers take from.
     */
    (void)server;
    (void)loop;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: The epoll worker ---- */
int lab07_epoll_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    /*
     * TODO:
     * 1. Make listen_fd non-blocking: flags = fcntl(listen_fd, F_GETFL),
     *    then fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK). Without it, a
     *    worker that is told of a connection another worker has already
     *    taken blocks in accept(), and the model quietly becomes step 3's.
     * 2. int epfd = epoll_create1(EPOLL_CLOEXEC); then
     *        struct epoll_event interest = { .events = EPOLLIN | EPOLLEXCLUSIVE };
     *        epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &interest);
     *    EPOLLEXCLUSIVE: the kernel wakes ONE waiting worker per new
     *    connection instead of all of them.
     * 3. Forever:
     *      - epoll_wait(epfd, &event, 1, -1): wait until the listener has a
     *        connection (on -1 with EINTR, wait again);
     *      - then accept() in a loop: serve each connection with
     *        lab07_serve_connection(); stop the loop when accept() fails
     *        with EAGAIN or EWOULDBLOCK (the queue is empty, or another
     *        worker took the connection first). EINTR and ECONNABORTED:
     *        accept again.
     * 4. On any other error, close epfd and return -1 (close_keep_errno()).
     */
    (void)listen_fd;
    (void)worker;
    (void)config;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: One listener per worker ---- */
int lab07_start_reuseport(struct lab07_server *server, lab07_worker_loop loop)
{
    /*
     * TODO:
     * 1. As in step 3: server->nworkers = 0, server->listen_fd = -1, and
     *    check server->config.nworkers (EINVAL).
     * 2. Open nworkers listeners in an array. Each one: socket(), then
     *        int on = 1;
     *        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
     *    BEFORE bind(); bind() to server->addr; getsockname() back into
     *    server->addr; listen(fd, LAB07_BACKLOG). The first one, when
     *    server->addr has port 0, gets a port from the kernel; the next
     *    ones then bind that same port, since server->addr now holds it.
     * 3. For k = 0 .. nworkers-1, fork(). In child k: close every listener
     *    of the array except the k-th, run loop(listeners[k], k,
     *    &server->config), then _exit(1). In the parent: record the pid as
     *    in step 3.
     * 4. In the parent, close every listener: the workers hold them now.
     *    server->listen_fd stays -1.
     * 5. On a failure: save errno, close the listeners opened so far,
     *    lab07_stop(server), restore errno, return -1.
     * Why close the others, in the workers and in the parent: a listener
     * stays in the kernel's group as long as ANY process holds it, and the
     * kernel keeps hashing connections to it even when no one will accept
     * them.
     */
    (void)server;
    (void)loop;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Stop and reap ---- */
int lab07_stop(struct lab07_server *server)
{
    /*
     * TODO:
     * 1. kill(server->pids[k], SIGTERM) for k = 0 .. server->nworkers-1.
     *    Signal them all before waiting for any, so they end together.
     * 2. Until every worker is reaped or LAB07_STOP_GRACE_MS have passed
     *    (sl_now_ms()): for each worker not yet reaped,
     *    waitpid(pid, NULL, WNOHANG): it returns the pid once that worker
     *    has ended (reaped: count it), 0 while it still runs, -1 on error
     *    (EINTR: just try again later; any other: return -1). Between two
     *    rounds, pause a few milliseconds: poll(NULL, 0, 5).
     * 3. Each worker still running: kill(pid, SIGKILL), then
     *    waitpid(pid, NULL, 0) (again on EINTR). Count it.
     * 4. If server->listen_fd != -1, close it and set it to -1.
     *    server->nworkers = 0. Return how many workers you reaped.
     */
    (void)server;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 6 ---- */
