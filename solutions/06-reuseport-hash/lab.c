/*
 * lab.c - Lab 06, "How the kernel picks a listener": reference solution.
 *
 * The contract is in labs/06-reuseport-hash/lab.h. The one idea running
 * through it: struct lab06_group's fds[] mirrors the kernel's array of the
 * group's listeners, so a slot number means the same thing to us as to
 * reuseport_select_sock_by_hash(). Every function that changes the group
 * changes fds[] exactly the way the kernel changes its array.
 */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

/* ---- STEP 1: The group, in the kernel's order ---- */
int lab06_join(struct sockaddr_storage *addr, int backlog)
{
    socklen_t len = sl_addr_len((const struct sockaddr *)addr);
    int one = 1;
    int member;

    if (len == 0) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    member = socket(addr->ss_family, SOCK_STREAM, 0);
    if (member == -1)
        return -1;
    /* bind() decides whether the port may be shared, looking at the
     * options the socket has at that moment: SO_REUSEPORT goes first. */
    if (setsockopt(member, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == -1 ||
        bind(member, (const struct sockaddr *)addr, len) == -1 || listen(member, backlog) == -1) {
        close_keep_errno(member);
        return -1;
    }
    /* Port 0 became a real port: the next member must ask for that one. */
    len = sizeof *addr;
    if (getsockname(member, (struct sockaddr *)addr, &len) == -1) {
        close_keep_errno(member);
        return -1;
    }
    return member;
}

int lab06_group_open(struct lab06_group *group, const struct sockaddr *addr, socklen_t len, int n,
                     int backlog)
{
    if (n < 1 || n > LAB06_MAX_LISTENERS || len > sizeof group->addr) {
        errno = EINVAL;
        return -1;
    }
    memset(group, 0, sizeof *group);
    memcpy(&group->addr, addr, len);
    /* Each listen() appends to the kernel's array: opening them in order
     * makes fds[i] the kernel's slot i. */
    for (int i = 0; i < n; i++) {
        int fd = lab06_join(&group->addr, backlog);
        if (fd == -1) {
            while (group->count > 0)
                close_keep_errno(group->fds[--group->count]);
            return -1;
        }
        group->fds[group->count++] = fd;
    }
    return 0;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Which listener took the connection ---- */
int lab06_group_accept(const struct lab06_group *group, int timeout_ms, int *slot)
{
    struct pollfd waiting[LAB06_MAX_LISTENERS];
    int ready;

    for (int i = 0; i < group->count; i++)
        waiting[i] = (struct pollfd){ .fd = group->fds[i], .events = POLLIN };
    ready = poll(waiting, (nfds_t)group->count, timeout_ms);
    if (ready == -1)
        return -1;
    if (ready == 0) {
        errno = ETIMEDOUT;
        return -1;
    }
    /* The connection waits in ONE listener's accept queue: the one the
     * kernel picked. Accepting from that listener is what tells us which. */
    for (int i = 0; i < group->count; i++) {
        if (waiting[i].revents & POLLIN) {
            int conn = accept(group->fds[i], NULL, NULL);
            if (conn == -1)
                return -1;
            *slot = i;
            return conn;
        }
    }
    errno = EIO; /* poll() said ready, but not readable: an error on a listener */
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: The same 4-tuple, the same listener ---- */
int lab06_connect_from(const struct sockaddr *source, socklen_t source_len, const struct sockaddr *server,
                       socklen_t server_len)
{
    int one = 1;
    int fd = socket(server->sa_family, SOCK_STREAM, 0);

    if (fd == -1)
        return -1;
    /* SO_REUSEADDR: the source port may still be held by a TIME_WAIT of an
     * earlier connection (one that was closed with a FIN, not a reset). */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
        bind(fd, source, source_len) == -1 || connect(fd, server, server_len) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}

int lab06_close_reset(int fd)
{
    /* Linger on, for 0 seconds: close() then aborts the connection with a
     * RST instead of a FIN, and no TIME_WAIT is left on either end. */
    struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };

    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close) == -1) {
        if (errno != EBADF)
            close_keep_errno(fd);
        return -1;
    }
    return close(fd);
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: The spread over many connections ---- */
int lab06_count_accepts(const struct lab06_group *group, int expected, int timeout_ms, long *counts)
{
    for (int accepted = 0; accepted < expected; accepted++) {
        int slot;
        int conn = lab06_group_accept(group, timeout_ms, &slot);
        if (conn == -1)
            return -1;
        /* Count the listener whose accept() returned the connection. */
        counts[slot]++;
        close(conn);
    }
    return 0;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: One shared listener: blocking accept() or epoll ---- */

/* Hold the connection until the client closes or resets it. */
static void serve(int conn)
{
    char buf[256];

    while (read(conn, buf, sizeof buf) > 0)
        continue;
    close(conn);
}

/*
 * accept() failed: go on waiting, or give up? Another worker taking the
 * connection first (EAGAIN), a signal (EINTR) or a client that gave up
 * before we took it (ECONNABORTED) are part of normal life; anything else
 * (the listener is gone, say) would only fail again, in a busy loop.
 */
static bool accept_error_is_transient(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED;
}

static void worker_blocking_accept(int listen_fd)
{
    for (;;) {
        /* Every worker sleeps here, in the listener's wait queue. */
        int conn = accept(listen_fd, NULL, NULL);
        if (conn != -1)
            serve(conn);
        else if (!accept_error_is_transient(errno))
            _exit(1);
    }
}

static void worker_epoll(int listen_fd)
{
    /* An epoll instance per worker, created after fork(): each one is an
     * entry of its own in the listener's wait queue. EPOLLEXCLUSIVE asks
     * the kernel to wake one waiting entry per connection, not all. */
    struct epoll_event interest = { .events = EPOLLIN | EPOLLEXCLUSIVE };
    int epfd = epoll_create1(0);

    if (epfd == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &interest) == -1)
        _exit(1);
    for (;;) {
        struct epoll_event event;
        if (epoll_wait(epfd, &event, 1, -1) == -1) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        /* Non-blocking: if another worker took it first, EAGAIN. */
        int conn = accept(listen_fd, NULL, NULL);
        if (conn != -1)
            serve(conn);
        else if (!accept_error_is_transient(errno))
            _exit(1);
    }
}

int lab06_workers_start(int listen_fd, int n, enum lab06_model model, struct lab06_workers *workers)
{
    if (n < 1 || n > LAB06_MAX_WORKERS || (model != LAB06_BLOCKING_ACCEPT && model != LAB06_EPOLL)) {
        errno = EINVAL;
        return -1;
    }
    /* The flag lives on the open socket the children share: set it once. */
    if (model == LAB06_EPOLL) {
        int flags = fcntl(listen_fd, F_GETFL);
        if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
            return -1;
    }
    workers->count = 0;
    for (int k = 0; k < n; k++) {
        pid_t pid = fork();
        if (pid == -1) {
            int saved = errno;
            lab06_workers_stop(workers);
            errno = saved;
            return -1;
        }
        if (pid == 0) {
            if (model == LAB06_EPOLL)
                worker_epoll(listen_fd);
            else
                worker_blocking_accept(listen_fd);
            _exit(1); /* not reached: the loops never end */
        }
        workers->pids[workers->count++] = pid;
    }
    return 0;
}

int lab06_workers_stop(struct lab06_workers *workers)
{
    int result = 0;

    for (int k = 0; k < workers->count; k++)
        kill(workers->pids[k], SIGTERM);
    /* Reap each one: a worker not waited for stays a zombie. */
    for (int k = 0; k < workers->count; k++)
        while (waitpid(workers->pids[k], NULL, 0) == -1)
            if (errno != EINTR) {
                result = -1;
                break;
            }
    workers->count = 0;
    return result;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Adding and removing a listener ---- */
int lab06_group_add(struct lab06_group *group, int backlog)
{
    int fd;

    if (group->count >= LAB06_MAX_LISTENERS) {
        errno = ENOSPC;
        return -1;
    }
    fd = lab06_join(&group->addr, backlog);
    if (fd == -1)
        return -1;
    /* listen() put it at the end of the kernel's array. */
    group->fds[group->count] = fd;
    return group->count++;
}

int lab06_group_remove(struct lab06_group *group, int slot)
{
    if (slot < 0 || slot >= group->count) {
        errno = EINVAL;
        return -1;
    }
    close(group->fds[slot]);
    /* The kernel moves its last listener into the hole: so do we. */
    group->fds[slot] = group->fds[group->count - 1];
    group->count--;
    return 0;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: Closing a listener: reset or migrate ---- */
int lab06_group_retire(struct lab06_group *group, int slot, bool migrate)
{
    const char *value = migrate ? "1" : "0";
    ssize_t written;
    int fd;

    if (slot < 0 || slot >= group->count) {
        errno = EINVAL;
        return -1;
    }
    /* The kernel decides the queue's fate at close(): set it before. */
    fd = open("/proc/sys/net/ipv4/tcp_migrate_req", O_WRONLY);
    if (fd == -1)
        return -1;
    written = write(fd, value, strlen(value));
    if (written != (ssize_t)strlen(value)) {
        if (written != -1)
            errno = EIO;
        close_keep_errno(fd);
        return -1;
    }
    if (close(fd) == -1)
        return -1;
    return lab06_group_remove(group, slot);
}
/* ---- END STEP 7 ---- */
