/*
 * lab.c - Lab 07, "Performance": reference solution.
 *
 * The contract is in labs/07-performance/lab.h. Steps 1 and 2 are one
 * worker's whole job: read a request, answer it, close. Steps 3 to 5 decide
 * how connections reach the workers: one shared accept queue (blocking
 * accept() or epoll), or one queue per worker (SO_REUSEPORT). Step 6 ends
 * them all and reaps them.
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
 * close() a descriptor without losing errno: the caller is about to return
 * -1 and its caller wants the error of the call that failed, not close()'s.
 */
static void close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/*
 * The stalled-worker mode (see struct lab07_config): the chosen worker
 * sleeps before answering every stall_every-th connection it serves. Each
 * worker is a process of its own, so this counter is per worker.
 */
static void stall_if_chosen(int worker, const struct lab07_config *config)
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
    char body[32];

    if (worker < 0) {
        errno = EINVAL;
        return -1;
    }
    /* The body first: its length is the Content-Length. */
    int body_len = snprintf(body, sizeof body, "worker %d\n", worker);
    int total = snprintf(buf, size,
                         "HTTP/1.1 200 OK\r\n"
                         "Content-Type: text/plain\r\n"
                         "Content-Length: %d\r\n"
                         "Connection: close\r\n"
                         "\r\n"
                         "%s",
                         body_len, body);
    /* snprintf() says how long the whole text is even when it was cut. */
    if (total < 0 || (size_t)total >= size) {
        errno = EMSGSIZE;
        return -1;
    }
    return total;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: The accept loop ---- */
/*
 * Read from fd until the request's head is complete (its empty line),
 * within the deadline. Returns 0, or -1 with errno.
 */
static int read_request_head(int fd, long long deadline_ms)
{
    char request[LAB07_REQUEST_MAX + 1];
    size_t have = 0;

    for (;;) {
        long long left = deadline_ms - sl_now_ms();
        int ready = left > 0 ? sl_wait_readable(fd, (int)left) : 0;
        if (ready == -1)
            return -1;
        if (ready == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        ssize_t got = read(fd, request + have, LAB07_REQUEST_MAX - have);
        if (got == -1 && errno == EINTR)
            continue;
        if (got == -1)
            return -1;
        if (got == 0) {
            errno = EPROTO; /* the client hung up in the middle of its request */
            return -1;
        }
        have += (size_t)got;
        request[have] = '\0';
        /* The whole buffer is searched again: the "\r\n\r\n" may straddle two reads. */
        if (strstr(request, "\r\n\r\n") != NULL)
            return 0;
        if (have == LAB07_REQUEST_MAX) {
            errno = EMSGSIZE;
            return -1;
        }
    }
}

/* send() everything, however many calls it takes. Returns 0 or -1. */
static int send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t sent = send(fd, data, len, MSG_NOSIGNAL);
        if (sent == -1 && errno == EINTR)
            continue;
        if (sent == -1)
            return -1;
        data += sent;
        len -= (size_t)sent;
    }
    return 0;
}

int lab07_serve_connection(int conn_fd, int worker, const struct lab07_config *config)
{
    char response[LAB07_RESPONSE_MAX];
    int result = -1;

    if (read_request_head(conn_fd, sl_now_ms() + LAB07_REQUEST_TIMEOUT_MS) == 0) {
        stall_if_chosen(worker, config);
        int len = lab07_format_response(response, sizeof response, worker);
        if (len != -1)
            result = send_all(conn_fd, response, (size_t)len);
    }
    /* Every byte of the request's head has been read, so this sends a FIN. */
    close_keep_errno(conn_fd);
    return result;
}

int lab07_accept_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    for (;;) {
        int conn = accept(listen_fd, NULL, NULL);
        if (conn == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return -1;
        }
        /* A client that misbehaves costs its own connection, nothing more. */
        lab07_serve_connection(conn, worker, config);
    }
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: Workers sharing one listener ---- */
/* socket(), bind() and listen() on *addr; *addr gets the port the kernel gave. */
static int open_listener(struct sockaddr_storage *addr, int reuseport)
{
    socklen_t len = sl_addr_len((struct sockaddr *)addr);
    int listener = socket(addr->ss_family, SOCK_STREAM, 0);

    if (listener < 0)
        return -1;
    if (reuseport) {
        /* Before bind(): bind() is where the kernel decides who may share the port. */
        int on = 1;
        if (setsockopt(listener, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == -1)
            goto fail;
    }
    if (bind(listener, (struct sockaddr *)addr, len) == -1)
        goto fail;
    len = sizeof *addr;
    if (getsockname(listener, (struct sockaddr *)addr, &len) == -1)
        goto fail;
    if (listen(listener, LAB07_BACKLOG) == -1)
        goto fail;
    return listener;
fail:
    close_keep_errno(listener);
    return -1;
}

/*
 * fork() worker k: it runs loop on listeners[k] after closing every other
 * listener it inherited (listeners[] has `count` entries; pass count 1 for
 * one shared listener, which every worker keeps). Returns the child's pid
 * in the parent, or -1.
 */
static pid_t fork_worker(struct lab07_server *server, int k, lab07_worker_loop loop, const int *listeners,
                         int count)
{
    pid_t pid = fork();

    if (pid != 0)
        return pid; /* the parent, or -1 when fork() failed */
    int mine = count == 1 ? listeners[0] : listeners[k];
    for (int j = 0; j < count; j++)
        if (listeners[j] != mine)
            close(listeners[j]);
    loop(mine, k, &server->config);
    /* _exit(), not exit(): the child must not flush or run the parent's atexit handlers. */
    _exit(1);
}

static bool workers_count_ok(int n)
{
    return n >= 1 && n <= LAB07_MAX_WORKERS;
}

int lab07_start_shared(struct lab07_server *server, lab07_worker_loop loop)
{
    server->nworkers = 0;
    server->listen_fd = -1;
    if (!workers_count_ok(server->config.nworkers) || loop == NULL) {
        errno = EINVAL;
        return -1;
    }
    server->listen_fd = open_listener(&server->addr, 0);
    if (server->listen_fd == -1)
        return -1;
    for (int k = 0; k < server->config.nworkers; k++) {
        pid_t pid = fork_worker(server, k, loop, &server->listen_fd, 1);
        if (pid == -1) {
            int saved = errno;
            lab07_stop(server); /* ends the workers started so far, closes the listener */
            errno = saved;
            return -1;
        }
        server->pids[server->nworkers++] = pid;
    }
    return 0;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: The epoll worker ---- */
int lab07_epoll_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    /* The file status flags belong to the open file, which all workers share. */
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        return -1;

    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd == -1)
        return -1;
    /* EPOLLEXCLUSIVE: a new connection wakes one waiting worker, not all of them. */
    struct epoll_event interest = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_fd };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &interest) == -1) {
        close_keep_errno(epfd);
        return -1;
    }

    for (;;) {
        struct epoll_event ready;
        int n = epoll_wait(epfd, &ready, 1, -1);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            break;
        /* Take every connection that is queued; another worker may have
         * taken them first, and then accept() says EAGAIN. */
        for (;;) {
            int conn = accept(listen_fd, NULL, NULL);
            if (conn == -1) {
                if (errno == EINTR || errno == ECONNABORTED)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                close_keep_errno(epfd);
                return -1;
            }
            lab07_serve_connection(conn, worker, config);
        }
    }
    close_keep_errno(epfd);
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: One listener per worker ---- */
int lab07_start_reuseport(struct lab07_server *server, lab07_worker_loop loop)
{
    int listeners[LAB07_MAX_WORKERS];
    int opened = 0;

    server->nworkers = 0;
    server->listen_fd = -1;
    if (!workers_count_ok(server->config.nworkers) || loop == NULL) {
        errno = EINVAL;
        return -1;
    }
    /* The first listener learns the port (when asked for port 0); every
     * other one joins the group on that same address and port. */
    for (; opened < server->config.nworkers; opened++) {
        listeners[opened] = open_listener(&server->addr, 1);
        if (listeners[opened] == -1)
            goto fail;
    }
    for (int k = 0; k < server->config.nworkers; k++) {
        pid_t pid = fork_worker(server, k, loop, listeners, opened);
        if (pid == -1)
            goto fail;
        server->pids[server->nworkers++] = pid;
    }
    /* The workers hold the listeners now. One left open here would keep
     * receiving connections after its worker has gone. */
    for (int j = 0; j < opened; j++)
        close(listeners[j]);
    return 0;

fail:;
    int saved = errno;
    for (int j = 0; j < opened; j++)
        close(listeners[j]);
    lab07_stop(server);
    errno = saved;
    return -1;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Stop and reap ---- */
int lab07_stop(struct lab07_server *server)
{
    bool reaped[LAB07_MAX_WORKERS] = { false };
    int n = server->nworkers;
    int count = 0;

    for (int k = 0; k < n; k++)
        kill(server->pids[k], SIGTERM);

    /* Give them all the grace period at once, collecting whoever is done. */
    long long deadline = sl_now_ms() + LAB07_STOP_GRACE_MS;
    for (;;) {
        for (int k = 0; k < n; k++) {
            if (reaped[k])
                continue;
            pid_t got = waitpid(server->pids[k], NULL, WNOHANG);
            if (got == server->pids[k]) {
                reaped[k] = true;
                count++;
            } else if (got == -1 && errno != EINTR) {
                return -1;
            }
        }
        if (count == n || sl_now_ms() >= deadline)
            break;
        poll(NULL, 0, 5);
    }

    /* Whoever is still running ignores SIGTERM: SIGKILL cannot be ignored. */
    for (int k = 0; k < n; k++) {
        if (reaped[k])
            continue;
        kill(server->pids[k], SIGKILL);
        while (waitpid(server->pids[k], NULL, 0) == -1)
            if (errno != EINTR)
                return -1;
        count++;
    }

    if (server->listen_fd != -1) {
        close(server->listen_fd);
        server->listen_fd = -1;
    }
    server->nworkers = 0;
    return count;
}
/* ---- END STEP 6 ---- */
