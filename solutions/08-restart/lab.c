/*
 * lab.c - Lab 08, "Restart without dropping connections": the reference
 * solution. The contract is labs/08-restart/lab.h; the given part at the top
 * (the worker's signals and serve loop) is the same as in the student's file.
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
static inline void close_keep_errno(int fd)
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
    int on = 1;
    int fd = socket(addr->sa_family, SOCK_STREAM, 0);

    if (fd == -1)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == -1 || bind(fd, addr, len) == -1 ||
        listen(fd, LAB08_BACKLOG) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: A generation of workers ---- */

/* Kill and reap the first `started` workers of a start that failed. */
static void abandon_workers(const pid_t *pids, int started)
{
    int saved = errno;

    for (int k = 0; k < started; k++)
        kill(pids[k], SIGKILL);
    for (int k = 0; k < started; k++)
        while (waitpid(pids[k], NULL, 0) == -1 && errno == EINTR)
            continue;
    errno = saved;
}

int lab08_start_generation(const struct sockaddr *addr, socklen_t len, int n, int number,
                           struct lab08_generation *gen)
{
    int ready[2];

    if (n < 1 || n > LAB08_MAX_WORKERS || number < 1) {
        errno = EINVAL;
        return -1;
    }
    if (pipe(ready) == -1)
        return -1;
    gen->number = number;
    gen->nworkers = 0;
    for (int k = 0; k < n; k++) {
        pid_t pid = fork();
        if (pid == -1) {
            close_keep_errno(ready[0]);
            close_keep_errno(ready[1]);
            abandon_workers(gen->pids, gen->nworkers);
            gen->nworkers = 0;
            return -1;
        }
        if (pid == 0) {
            int fd;
            close(ready[0]);
            if (lab08_prepare_worker() == -1 || (fd = lab08_listener(addr, len)) == -1)
                _exit(1);
            if (write(ready[1], "R", 1) != 1)
                _exit(1);
            close(ready[1]);
            _exit(lab08_serve(&fd, 1, -1, number, k) == 0 ? 0 : 1);
        }
        gen->pids[gen->nworkers++] = pid;
    }
    /* Only the workers hold the write end now: EOF means one died. */
    close(ready[1]);
    if (lab08_wait_ready(ready[0], n, LAB08_READY_TIMEOUT_MS) == -1) {
        close_keep_errno(ready[0]);
        abandon_workers(gen->pids, gen->nworkers);
        gen->nworkers = 0;
        return -1;
    }
    close(ready[0]);
    return 0;
}

int lab08_stop_generation(struct lab08_generation *gen)
{
    int unclean = 0;

    /* All the signals first, so the workers stop at the same time. */
    for (int k = 0; k < gen->nworkers; k++)
        kill(gen->pids[k], SIGTERM);
    for (int k = 0; k < gen->nworkers; k++) {
        int status;
        while (waitpid(gen->pids[k], &status, 0) == -1)
            if (errno != EINTR)
                return -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            unclean++;
    }
    gen->nworkers = 0;
    return unclean;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: What a client sees ---- */
int lab08_probe(const struct sockaddr *addr, socklen_t len, int timeout_ms, int *generation)
{
    long long deadline = sl_now_ms() + timeout_ms;
    char response[LAB08_RESPONSE_MAX + 1];
    size_t have = 0;
    int outcome;
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);

    if (fd == -1)
        return -1;
    /* Non-blocking: connect() starts the handshake and returns at once. */
    if (connect(fd, addr, len) == -1 && errno != EINPROGRESS) {
        if (errno == ECONNREFUSED) {
            close(fd);
            return LAB08_REFUSED;
        }
        close_keep_errno(fd);
        return -1;
    }
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    long long left = deadline - sl_now_ms();
    int ready = poll(&p, 1, left > 0 ? (int)left : 0);
    if (ready <= 0) {
        if (ready == -1) {
            close_keep_errno(fd);
            return -1;
        }
        close(fd);
        return LAB08_TIMED_OUT;
    }
    /* The handshake is over: SO_ERROR says how it ended (0: connected). */
    int err = 0;
    socklen_t err_len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    if (err != 0) {
        close(fd);
        if (err == ECONNREFUSED)
            return LAB08_REFUSED;
        if (err == ECONNRESET)
            return LAB08_RESET;
        errno = err;
        return -1;
    }

    if (send(fd, LAB08_REQUEST, strlen(LAB08_REQUEST), MSG_NOSIGNAL) == -1) {
        if (errno == EPIPE || errno == ECONNRESET) {
            close(fd);
            return LAB08_RESET;
        }
        close_keep_errno(fd);
        return -1;
    }

    for (;;) {
        left = deadline - sl_now_ms();
        ready = sl_wait_readable(fd, left > 0 ? (int)left : 0);
        if (ready == -1) {
            close_keep_errno(fd);
            return -1;
        }
        if (ready == 0) {
            outcome = LAB08_TIMED_OUT;
            break;
        }
        char chunk[256];
        ssize_t got = recv(fd, chunk, sizeof chunk, 0);
        if (got == -1) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (errno == ECONNRESET) {
                outcome = LAB08_RESET;
                break;
            }
            close_keep_errno(fd);
            return -1;
        }
        if (got == 0) {
            /* End-of-file: is a whole response in? The body follows the blank line. */
            int g, w, pid;
            char last;
            response[have] = '\0';
            const char *body = strstr(response, "\r\n\r\n");
            outcome = LAB08_CUT_SHORT;
            if (body && sscanf(body + 4, LAB08_BODY_FORMAT "%c", &g, &w, &pid, &last) == 3 &&
                response[have - 1] == '\n') {
                outcome = LAB08_ANSWERED;
                if (generation)
                    *generation = g;
            }
            break;
        }
        /* Keep what fits; a longer response is not one of ours and will not parse. */
        size_t keep = (size_t)got < LAB08_RESPONSE_MAX - have ? (size_t)got : LAB08_RESPONSE_MAX - have;
        memcpy(response + have, chunk, keep);
        have += keep;
    }
    close(fd);
    return outcome;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: The naive restart ---- */
int lab08_restart_naive(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len,
                        struct lab08_generation *next)
{
    int n = old->nworkers;
    int number = old->number;
    int unclean = lab08_stop_generation(old);

    if (unclean == -1)
        return -1;
    /* From here until the new workers listen, nobody listens on the port. */
    if (lab08_start_generation(addr, len, n, number + 1, next) == -1)
        return -1;
    if (unclean > 0) {
        errno = ECHILD;
        return -1;
    }
    return 0;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: The overlapping restart ---- */
int lab08_restart_overlap(struct lab08_generation *old, const struct sockaddr *addr, socklen_t len,
                          struct lab08_generation *next)
{
    /* Returns only once every new worker listens: then the old may go. */
    if (lab08_start_generation(addr, len, old->nworkers, old->number + 1, next) == -1)
        return -1;
    int unclean = lab08_stop_generation(old);
    if (unclean == -1)
        return -1;
    if (unclean > 0) {
        errno = ECHILD;
        return -1;
    }
    return 0;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Let the kernel migrate queued connections ---- */
int lab08_enable_migration(void)
{
    char value[8] = "";
    int fd = open(LAB08_MIGRATE_SYSCTL, O_WRONLY | O_CLOEXEC);

    if (fd == -1)
        return -1;
    if (write(fd, "1\n", 2) != 2) {
        close_keep_errno(fd);
        return -1;
    }
    if (close(fd) == -1)
        return -1;
    /* Read it back: a write the kernel took is not always a value it kept. */
    fd = open(LAB08_MIGRATE_SYSCTL, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return -1;
    ssize_t got = read(fd, value, sizeof value - 1);
    close_keep_errno(fd);
    if (got == -1)
        return -1;
    if (got == 0 || value[0] != '1') {
        errno = EIO;
        return -1;
    }
    return 0;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: Send listening sockets ---- */
int lab08_send_listeners(int unix_fd, const int *fds, int n)
{
    /* The union only aligns the buffer as a struct cmsghdr must be. */
    union {
        char buf[CMSG_SPACE(sizeof(int) * LAB08_MAX_LISTENERS)];
        struct cmsghdr align;
    } control;
    char byte = 'L';
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    struct msghdr msg = { 0 };
    struct cmsghdr *cmsg;
    ssize_t sent;

    if (n < 1 || n > LAB08_MAX_LISTENERS) {
        errno = EINVAL;
        return -1;
    }
    memset(&control, 0, sizeof control);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)n);
    do
        sent = sendmsg(unix_fd, &msg, MSG_NOSIGNAL);
    while (sent == -1 && errno == EINTR);
    return sent == 1 ? 0 : -1;
}
/* ---- END STEP 7 ---- */

/* ---- STEP 8: Receive them ---- */
int lab08_receive_listeners(int unix_fd, int *fds, int max, int timeout_ms)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * LAB08_MAX_LISTENERS)];
        struct cmsghdr align;
    } control;
    int received[LAB08_MAX_LISTENERS];
    int count = 0;
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    struct msghdr msg = { 0 };
    ssize_t got;

    int ready = sl_wait_readable(unix_fd, timeout_ms);
    if (ready == -1)
        return -1;
    if (ready == 0) {
        errno = ETIMEDOUT;
        return -1;
    }
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    do
        got = recvmsg(unix_fd, &msg, MSG_CMSG_CLOEXEC);
    while (got == -1 && errno == EINTR);
    if (got == -1)
        return -1;
    /* Collect every descriptor that arrived, so that none leaks on an error. */
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
            continue;
        int in_this = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < in_this && count < LAB08_MAX_LISTENERS; i++)
            memcpy(&received[count++], CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
    }
    if (got == 0 && count == 0) {
        errno = ECONNRESET;
        return -1;
    }
    if ((msg.msg_flags & MSG_CTRUNC) || count > max) {
        close_all(received, count);
        errno = EMSGSIZE;
        return -1;
    }
    if (count == 0) {
        errno = EBADMSG;
        return -1;
    }
    memcpy(fds, received, sizeof(int) * (size_t)count);
    return count;
}
/* ---- END STEP 8 ---- */

/* ---- STEP 9: Hand the listener over ---- */
int lab08_start_server(const struct sockaddr *addr, socklen_t len, int generation, struct lab08_server *server)
{
    int channel[2], ready[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) == -1)
        return -1;
    if (pipe(ready) == -1) {
        close_keep_errno(channel[0]);
        close_keep_errno(channel[1]);
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        int fd;
        close(channel[0]);
        close(ready[0]);
        if (lab08_prepare_worker() == -1 || (fd = lab08_listener(addr, len)) == -1)
            _exit(1);
        if (write(ready[1], "R", 1) != 1)
            _exit(1);
        close(ready[1]);
        _exit(lab08_serve(&fd, 1, channel[1], generation, 0) == 0 ? 0 : 1);
    }
    close_keep_errno(channel[1]);
    close_keep_errno(ready[1]);
    if (pid == -1 || lab08_wait_ready(ready[0], 1, LAB08_READY_TIMEOUT_MS) == -1) {
        if (pid != -1)
            abandon_workers(&pid, 1);
        close_keep_errno(ready[0]);
        close_keep_errno(channel[0]);
        return -1;
    }
    close(ready[0]);
    server->generation = generation;
    server->pid = pid;
    server->handoff_fd = channel[0];
    return 0;
}

int lab08_restart_handoff(struct lab08_server *old, struct lab08_server *next)
{
    int channel[2], ready[2], status;
    int generation = old->generation + 1;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) == -1)
        return -1;
    if (pipe(ready) == -1) {
        close_keep_errno(channel[0]);
        close_keep_errno(channel[1]);
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        int fds[LAB08_MAX_LISTENERS], n;
        char request = LAB08_HANDOFF_REQUEST;
        close(channel[0]);
        close(ready[0]);
        if (lab08_prepare_worker() == -1 || write(old->handoff_fd, &request, 1) != 1)
            _exit(1);
        n = lab08_receive_listeners(old->handoff_fd, fds, LAB08_MAX_LISTENERS, LAB08_READY_TIMEOUT_MS);
        if (n == -1)
            _exit(1);
        close(old->handoff_fd);
        if (write(ready[1], "R", 1) != 1)
            _exit(1);
        close(ready[1]);
        /* The very sockets the old process listened on: no new socket, no gap. */
        _exit(lab08_serve(fds, n, channel[1], generation, 0) == 0 ? 0 : 1);
    }
    close_keep_errno(channel[1]);
    close_keep_errno(ready[1]);
    if (pid == -1 || lab08_wait_ready(ready[0], 1, LAB08_READY_TIMEOUT_MS) == -1) {
        if (pid != -1)
            abandon_workers(&pid, 1);
        close_keep_errno(ready[0]);
        close_keep_errno(channel[0]);
        return -1;
    }
    close(ready[0]);
    /* The old process has sent its listener: it finishes and exits by itself. */
    close(old->handoff_fd);
    old->handoff_fd = -1;
    while (waitpid(old->pid, &status, 0) == -1)
        if (errno != EINTR)
            return -1;
    old->pid = -1;
    next->generation = generation;
    next->pid = pid;
    next->handoff_fd = channel[0];
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = ECHILD;
        return -1;
    }
    return 0;
}

int lab08_stop_server(struct lab08_server *server)
{
    int status;

    kill(server->pid, SIGTERM);
    while (waitpid(server->pid, &status, 0) == -1)
        if (errno != EINTR)
            return -1;
    server->pid = -1;
    if (server->handoff_fd != -1) {
        close(server->handoff_fd);
        server->handoff_fd = -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
/* ---- END STEP 9 ---- */
