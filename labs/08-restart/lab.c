/*
 * lab.c - Lab 08, "Restart without dropping connections": your file.
 *
 * Fill in the nine steps below, one at a time. What each function must do
 * is written in lab.h; the lesson (docs/lessons/08-restart.md) explains
 * why. After each step:
 *
 *     make grade LAB=8                     the grader restarts your server under load
 *                                          and compares what its clients saw with
 *                                          the kernel's own counters
 *     ./build/bin/lab08 --method naive     a walk-through: your restart under steady
 *                                          load, the kernel's listeners before and
 *                                          after, and what the clients lost
 *
 * Until you write it, each function fails with ENOSYS ("Function not
 * implemented"), so the grader and the walk-through tell you where you are.
 * The first part of the file is given: the loop your worker processes run
 * (lab08_serve) and what it needs. Read it; you do not need to change it.
 *
 * Useful manual pages: socket(7) (SO_REUSEPORT), fork(2), pipe(2), kill(2),
 * waitpid(2), connect(2) (EINPROGRESS), getsockopt(2) (SO_ERROR), poll(2),
 * unix(7) (SCM_RIGHTS), sendmsg(2), recvmsg(2), cmsg(3), socketpair(2),
 * tcp(7) (tcp_migrate_req).
 */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
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

/* ================================================================== */
/* Given: you do not need to change anything in this part.              */
/* ================================================================== */

/*
 * Set by the SIGTERM handler, read by the serve loop. A signal handler may
 * only touch a volatile sig_atomic_t safely; it does nothing else, and the
 * loop does the actual work of stopping.
 */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

int lab08_prepare_worker(void)
{
    struct sigaction action;
    sigset_t stop_signal;

    stop_requested = 0;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    /* No SA_RESTART: the wait in lab08_serve() must return when SIGTERM comes. */
    action.sa_flags = 0;
    if (sigaction(SIGTERM, &action, NULL) == -1)
        return -1;
    /*
     * Blocked everywhere but in the serve loop's ppoll(): a SIGTERM that
     * arrives while a connection is being answered waits (pending) until the
     * answer is out, and one that arrives just before the wait is not lost,
     * because ppoll() unblocks it and waits in one step.
     */
    sigemptyset(&stop_signal);
    sigaddset(&stop_signal, SIGTERM);
    return sigprocmask(SIG_BLOCK, &stop_signal, NULL);
}

int lab08_wait_ready(int ready_fd, int count, int timeout_ms)
{
    long long deadline = sl_now_ms() + timeout_ms;
    char bytes[LAB08_MAX_WORKERS];
    int have = 0;

    if (count < 0 || count > LAB08_MAX_WORKERS) {
        errno = EINVAL;
        return -1;
    }
    while (have < count) {
        long long left = deadline - sl_now_ms();
        int ready = sl_wait_readable(ready_fd, left > 0 ? (int)left : 0);
        if (ready == -1)
            return -1;
        if (ready == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        ssize_t got = read(ready_fd, bytes, (size_t)(count - have));
        if (got == -1 && errno == EINTR)
            continue;
        if (got == -1)
            return -1;
        if (got == 0) {
            /* Every write end is closed: a process died before saying it was ready. */
            errno = EPIPE;
            return -1;
        }
        have += (int)got;
    }
    return 0;
}

/*
 * Read one request up to its blank line (at most LAB08_REQUEST_MAX bytes,
 * for at most LAB08_REQUEST_TIMEOUT_MS), then write the response. A client
 * that sends nothing, or too much, or goes away, gets no answer.
 */
static void answer_connection(int conn, int generation, int worker)
{
    char request[LAB08_REQUEST_MAX + 1];
    char body[128], response[LAB08_RESPONSE_MAX];
    long long deadline = sl_now_ms() + LAB08_REQUEST_TIMEOUT_MS;
    size_t have = 0;

    for (;;) {
        long long left = deadline - sl_now_ms();
        if (left <= 0 || sl_wait_readable(conn, (int)left) != 1)
            return;
        ssize_t got = read(conn, request + have, LAB08_REQUEST_MAX - have);
        if (got == -1 && errno == EINTR)
            continue;
        if (got <= 0)
            return;
        have += (size_t)got;
        request[have] = '\0';
        if (strstr(request, "\r\n\r\n") || strstr(request, "\n\n"))
            break;
        if (have == LAB08_REQUEST_MAX)
            return;
    }
    int body_len = snprintf(body, sizeof body, LAB08_BODY_FORMAT, generation, worker, (int)getpid());
    int len = snprintf(response, sizeof response, LAB08_RESPONSE_FORMAT, body_len, body);
    for (int sent = 0; sent < len;) {
        /* MSG_NOSIGNAL: a client that has gone must not kill the worker with SIGPIPE. */
        ssize_t n = send(conn, response + sent, (size_t)(len - sent), MSG_NOSIGNAL);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        sent += (int)n;
    }
}

/* ---- GIVEN: the serve loop ---- */

/*
 * Has SIGTERM arrived, still blocked? ppoll() lets it in only when it has
 * to wait: when connections are already waiting, it returns them and the
 * signal stays pending. A worker that did not look would serve its whole
 * queue before it noticed, or never stop under steady load.
 */
static bool stop_pending(void)
{
    sigset_t pending;

    return stop_requested || (sigpending(&pending) == 0 && sigismember(&pending, SIGTERM));
}

static void close_all(const int *fds, int n)
{
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

int lab08_serve(const int *listen_fds, int n, int handoff_fd, int generation, int worker)
{
    struct pollfd pfds[LAB08_MAX_LISTENERS + 1];
    sigset_t while_waiting;

    if (n < 1 || n > LAB08_MAX_LISTENERS) {
        errno = EINVAL;
        return -1;
    }
    /* The signal mask during the wait: this one, with SIGTERM let through. */
    if (sigprocmask(SIG_SETMASK, NULL, &while_waiting) == -1)
        return -1;
    sigdelset(&while_waiting, SIGTERM);
    for (int i = 0; i < n; i++) {
        /*
         * Non-blocking, so accept() never waits: after a hand-off two
         * processes hold this socket for a moment, and the other one may
         * take the connection poll() announced.
         */
        int flags = fcntl(listen_fds[i], F_GETFL);
        if (flags == -1 || fcntl(listen_fds[i], F_SETFL, flags | O_NONBLOCK) == -1)
            return -1;
        pfds[i] = (struct pollfd){ .fd = listen_fds[i], .events = POLLIN };
    }

    for (;;) {
        int count = n;
        if (handoff_fd != -1)
            pfds[count++] = (struct pollfd){ .fd = handoff_fd, .events = POLLIN };
        if (stop_pending())
            break;
        if (ppoll(pfds, (nfds_t)count, NULL, &while_waiting) == -1) {
            if (errno == EINTR)
                continue; /* SIGTERM's handler ran: the loop's top sees the flag */
            return -1;
        }
        if (stop_pending())
            break; /* stop now: the connections still queued are not ours to serve */
        if (handoff_fd != -1 && pfds[n].revents != 0) {
            char request;
            ssize_t got = read(handoff_fd, &request, 1);
            if (got == 1 && request == LAB08_HANDOFF_REQUEST) {
                if (lab08_send_listeners(handoff_fd, listen_fds, n) == 0) {
                    /* Only our descriptors close: the sockets live on in the new process. */
                    close_all(listen_fds, n);
                    return 0;
                }
                /* The hand-off failed: this process stays the server. */
                handoff_fd = -1;
            } else if (got == 0 || (got == -1 && errno != EINTR && errno != EAGAIN)) {
                handoff_fd = -1; /* the channel is closed: no successor can ask any more */
            }
        }
        for (int i = 0; i < n; i++) {
            if (!(pfds[i].revents & POLLIN))
                continue;
            int conn = accept(listen_fds[i], NULL, NULL);
            if (conn == -1)
                continue; /* EAGAIN (taken by another process), ECONNABORTED, ... */
            answer_connection(conn, generation, worker);
            close(conn);
        }
    }
    /* Stop: close the listeners. Their queued connections are reset, or migrate. */
    close_all(listen_fds, n);
    return 0;
}
/* ---- END GIVEN ---- */

/* ================================================================== */
/* Your steps                                                           */
/* ================================================================== */

/* ---- STEP 1: A listener that shares its port ---- */
int lab08_listener(const struct sockaddr *addr, socklen_t len)
{
    /*
     * TODO:
     * 1. socket() with addr's family (addr->sa_family), SOCK_STREAM, 0.
     * 2. setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) with an
     *    int on = 1, BEFORE bind(): every socket on the port (the old
     *    workers', the new workers', the caller's reservation) must have it
     *    when it binds, or bind() fails with EADDRINUSE.
     * 3. bind(fd, addr, len), then listen(fd, LAB08_BACKLOG).
     * 4. If any call fails, close_keep_errno(fd) and return -1.
     *    Otherwise return fd.
     */
    (void)addr;
    (void)len;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: A generation of workers ---- */
int lab08_start_generation(const struct sockaddr *addr, socklen_t len, int n, int number,
                           struct lab08_generation *gen)
{
    /*
     * TODO:
     * 1. n must be 1 .. LAB08_MAX_WORKERS and number >= 1, else EINVAL.
     * 2. pipe(ready): the workers will say "I listen" on it.
     * 3. gen->number = number; then for k = 0 .. n-1, fork(). In the child:
     *      close(ready[0]);
     *      lab08_prepare_worker();                 first: SIGTERM handled
     *      fd = lab08_listener(addr, len);         its OWN listener, after fork()
     *      write(ready[1], "R", 1); close(ready[1]);
     *      _exit(lab08_serve(&fd, 1, -1, number, k) == 0 ? 0 : 1);
     *    (_exit(1) as soon as anything fails.) In the parent: store the pid
     *    in gen->pids[k] and count it in gen->nworkers.
     * 4. The parent closes ready[1] (so that only the workers hold a write
     *    end: if one dies before writing, the read end sees end-of-file),
     *    then lab08_wait_ready(ready[0], n, LAB08_READY_TIMEOUT_MS), then
     *    closes ready[0]. Return 0: every worker listens NOW.
     * 5. If fork() or the wait fails: kill(pid, SIGKILL) and waitpid() every
     *    worker already started, close the pipe, keep errno, return -1.
     */
    (void)addr;
    (void)len;
    (void)n;
    (void)number;
    (void)gen;
    errno = ENOSYS;
    return -1;
}

int lab08_stop_generation(struct lab08_generation *gen)
{
    /*
     * TODO:
     * 1. kill(gen->pids[k], SIGTERM) for every worker first, so that they
     *    all stop at once.
     * 2. Then waitpid(gen->pids[k], &status, 0) for each worker (again on
     *    EINTR; return -1 on another error). Count the workers for which
     *    !WIFEXITED(status) || WEXITSTATUS(status) != 0.
     *    Never wait() or waitpid(-1, ...): the caller may have children that
     *    are not workers.
     * 3. gen->nworkers = 0; return the count (0: a clean stop).
     */
    (void)gen;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: What a client sees ---- */
int lab08_probe(const struct sockaddr *addr, socklen_t len, int timeout_ms, int *generation)
{
    /*
     * TODO: one client, every wait bounded by a deadline
     * sl_now_ms() + timeout_ms.
     * 1. fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0).
     * 2. connect(fd, addr, len). On a non-blocking socket it returns -1
     *    with EINPROGRESS: the handshake goes on in the kernel. (-1 with
     *    ECONNREFUSED: LAB08_REFUSED; another errno: return -1.)
     * 3. poll() for POLLOUT until the deadline (nothing: LAB08_TIMED_OUT),
     *    then getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len): err 0 is
     *    connected; ECONNREFUSED is LAB08_REFUSED (nobody listened: the
     *    kernel answered the SYN with a reset); ECONNRESET is LAB08_RESET;
     *    any other err: errno = err, return -1.
     * 4. send(fd, LAB08_REQUEST, strlen(LAB08_REQUEST), MSG_NOSIGNAL).
     *    EPIPE or ECONNRESET: LAB08_RESET.
     * 5. Read with recv() until it returns 0, waiting with
     *    sl_wait_readable(fd, ms left) before each call (0: LAB08_TIMED_OUT;
     *    EAGAIN or EINTR from recv(): try again). Keep the bytes in a buffer
     *    of LAB08_RESPONSE_MAX + 1. recv() failing with ECONNRESET is
     *    LAB08_RESET: the connection was made, queued, then reset.
     * 6. At the end-of-file: the body starts after the blank line
     *    (strstr(buffer, "\r\n\r\n") + 4). If sscanf() reads the three
     *    numbers of LAB08_BODY_FORMAT from it and the last byte is '\n':
     *    LAB08_ANSWERED, and *generation = the first number (if generation
     *    is not NULL). Otherwise LAB08_CUT_SHORT.
     * Close fd on every path (close_keep_errno() before returning -1).
     */
    (void)addr;
    (void)len;
    (void)timeout_ms;
    (void)generation;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: The naive restart ---- */
int lab08_restart_naive(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len,
                        struct lab08_generation *next)
{
    /*
     * TODO:
     * 1. Remember old->nworkers and old->number: the stop sets nworkers to 0.
     * 2. lab08_stop_generation(old); -1: return -1.
     * 3. lab08_start_generation(addr, len, n, number + 1, next); -1: return -1.
     * 4. If the stop counted workers that did not exit with status 0,
     *    errno = ECHILD and return -1; otherwise return 0.
     */
    (void)old;
    (void)addr;
    (void)len;
    (void)next;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: The overlapping restart ---- */
int lab08_restart_overlap(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len,
                          struct lab08_generation *next)
{
    /*
     * TODO: the same two calls as step 4, in the other order.
     * 1. lab08_start_generation(addr, len, old->nworkers, old->number + 1,
     *    next); -1: return -1, with the old generation still serving.
     *    It returns only once every new worker listens: from now on the
     *    port always has a listener.
     * 2. lab08_stop_generation(old): -1 or workers that did not exit with
     *    status 0 are handled as in step 4.
     */
    (void)old;
    (void)addr;
    (void)len;
    (void)next;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Let the kernel migrate queued connections ---- */
int lab08_enable_migration(void)
{
    /*
     * TODO:
     * 1. open(LAB08_MIGRATE_SYSCTL, O_WRONLY). A sysctl is a file under
     *    /proc/sys; this one belongs to the network namespace of the calling
     *    process. -1: return -1 (EACCES when you are not root there).
     * 2. write(fd, "1\n", 2); anything but 2: close_keep_errno(fd), return -1.
     * 3. close(fd).
     * 4. Read the file back (open, read, close): return 0 if the first
     *    byte is '1'; otherwise errno = EIO and return -1.
     */
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: Send listening sockets ---- */
int lab08_send_listeners(int unix_fd, const int *fds, int n)
{
    /*
     * TODO:
     * 1. n must be 1 .. LAB08_MAX_LISTENERS, else EINVAL.
     * 2. The data: one byte, in a struct iovec { &byte, 1 }.
     * 3. The control data: a buffer big enough and aligned for a cmsghdr:
     *        union {
     *            char buf[CMSG_SPACE(sizeof(int) * LAB08_MAX_LISTENERS)];
     *            struct cmsghdr align;
     *        } control;
     *    memset it to 0. In a struct msghdr msg = { 0 }: msg_iov = &iov,
     *    msg_iovlen = 1, msg_control = control.buf,
     *    msg_controllen = CMSG_SPACE(sizeof(int) * n).
     * 4. struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
     *    cmsg->cmsg_level = SOL_SOCKET; cmsg->cmsg_type = SCM_RIGHTS;
     *    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n);
     *    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n);
     * 5. sendmsg(unix_fd, &msg, MSG_NOSIGNAL) (again on EINTR). It returns
     *    the data bytes sent: 1 means done, return 0; else return -1.
     * The numbers themselves, sent as plain data, would mean nothing to the
     * receiver: a descriptor number is an index into one process's table.
     */
    (void)unix_fd;
    (void)fds;
    (void)n;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 7 ---- */

/* ---- STEP 8: Receive them ---- */
int lab08_receive_listeners(int unix_fd, int *fds, int max, int timeout_ms)
{
    /*
     * TODO:
     * 1. sl_wait_readable(unix_fd, timeout_ms): 0 is ETIMEDOUT, -1 an error.
     * 2. The same union as step 7 for the control buffer, a one-byte iovec,
     *    msg_controllen = sizeof control.buf; recvmsg(unix_fd, &msg, 0)
     *    (again on EINTR).
     * 3. For each cmsg from CMSG_FIRSTHDR(&msg), CMSG_NXTHDR(&msg, cmsg):
     *    if it is SOL_SOCKET / SCM_RIGHTS, it holds
     *    (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int) descriptors at
     *    CMSG_DATA(cmsg): copy them (memcpy) into a local array. They are
     *    open in this process now, whatever happens next.
     * 4. recvmsg() returned 0 and no descriptor came: ECONNRESET.
     *    msg.msg_flags has MSG_CTRUNC, or more than max came: close them
     *    all, EMSGSIZE. None came: EBADMSG.
     * 5. Copy them to fds[] and return how many.
     */
    (void)unix_fd;
    (void)fds;
    (void)max;
    (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 8 ---- */

/* ---- STEP 9: Hand the listener over ---- */
int lab08_start_server(const struct sockaddr *addr, socklen_t len, int generation, struct lab08_server *server)
{
    /*
     * TODO: step 2's start, for one process with a hand-off channel.
     * 1. socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) and
     *    pipe(ready).
     * 2. fork(). The child: close(channel[0]), close(ready[0]),
     *    lab08_prepare_worker(), fd = lab08_listener(addr, len), one byte to
     *    ready[1], close(ready[1]),
     *    _exit(lab08_serve(&fd, 1, channel[1], generation, 0) == 0 ? 0 : 1).
     * 3. The parent: close(channel[1]), close(ready[1]),
     *    lab08_wait_ready(ready[0], 1, LAB08_READY_TIMEOUT_MS), close(ready[0]).
     *    On a failure kill and reap the child, close the rest, return -1.
     * 4. server->generation = generation, ->pid = the child,
     *    ->handoff_fd = channel[0]; return 0.
     */
    (void)addr;
    (void)len;
    (void)generation;
    (void)server;
    errno = ENOSYS;
    return -1;
}

int lab08_restart_handoff(struct lab08_server *old, struct lab08_server *next)
{
    /*
     * TODO:
     * 1. A socketpair() and a pipe() for the NEW server, as in
     *    lab08_start_server(); then fork(). The child, the new server:
     *      close(channel[0]); close(ready[0]); lab08_prepare_worker();
     *      write LAB08_HANDOFF_REQUEST (one char) on old->handoff_fd;
     *      n = lab08_receive_listeners(old->handoff_fd, fds,
     *                                  LAB08_MAX_LISTENERS, LAB08_READY_TIMEOUT_MS);
     *      close(old->handoff_fd); one byte to ready[1]; close(ready[1]);
     *      _exit(lab08_serve(fds, n, channel[1], old->generation + 1, 0) == 0 ? 0 : 1);
     *    It serves from the descriptors it RECEIVED: the old socket, with
     *    its queue. (_exit(1) as soon as anything fails.)
     * 2. The parent: close(channel[1]), close(ready[1]), wait for the ready
     *    byte (on a failure: kill and reap the new child, close what you
     *    opened, return -1: the old server still serves).
     * 3. Then close(old->handoff_fd) and set it to -1, and waitpid(old->pid):
     *    the old server sent its listener, finished, and exited by itself.
     *    Do not signal it: it must not close its listener before the new
     *    process has it.
     * 4. Fill *next (generation old->generation + 1, the new pid,
     *    handoff_fd = channel[0]). Return 0 if the old one exited with
     *    status 0; otherwise errno = ECHILD and return -1.
     */
    (void)old;
    (void)next;
    errno = ENOSYS;
    return -1;
}

int lab08_stop_server(struct lab08_server *server)
{
    /*
     * TODO: kill(server->pid, SIGTERM); waitpid(server->pid, &status, 0)
     * (again on EINTR; -1 on another error); close(server->handoff_fd) and
     * set it to -1. Return 0 if it exited with status 0, else 1.
     */
    (void)server;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 9 ---- */
