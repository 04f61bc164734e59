/*
 * lab.c - Lab 06, "How the kernel picks a listener": your file.
 *
 * Fill in the seven steps below, one at a time. What each function must do
 * is written in lab.h; the lesson (docs/lessons/06-reuseport-hash.md)
 * explains why. After each step:
 *
 *     make grade LAB=6       the grader checks your experiments against the kernel
 *     ./build/bin/lab06      a walk-through that runs them and prints the tables
 *
 * Until you write it, each function fails with ENOSYS ("Function not
 * implemented"), so the grader and the walk-through tell you where you are.
 *
 * Useful manual pages: socket(7) (SO_REUSEPORT, SO_REUSEADDR, SO_LINGER),
 * tcp(7), poll(2), accept(2), epoll(7), epoll_ctl(2) (EPOLLEXCLUSIVE),
 * fork(2), waitpid(2), fcntl(2), proc(5) (/proc/sys/net).
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
 * What a worker of step 5 does with a connection: hold it until the client
 * closes it (read() returns 0) or resets it (read() fails with
 * ECONNRESET), then close it. Given, so step 5 is about the waiting only.
 */
static __attribute__((unused)) void serve_until_closed(int conn)
{
    char buf[256];

    while (read(conn, buf, sizeof buf) > 0)
        continue;
    close(conn);
}

/* ---- STEP 1: The group, in the kernel's order ---- */
int lab06_join(struct sockaddr_storage *addr, int backlog)
{
    /*
     * TODO:
     * 1. socket() with addr->ss_family, SOCK_STREAM, 0.
     * 2. setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) with
     *    int one = 1. BEFORE bind(): bind() is where the kernel decides
     *    whether the port may be shared.
     * 3. bind() to *addr; its length is sl_addr_len((struct sockaddr *)addr).
     * 4. listen(fd, backlog). This is the moment the socket joins the
     *    group: the kernel appends it to the group's array.
     * 5. Write the bound address back: len = sizeof *addr, then
     *    getsockname(fd, (struct sockaddr *)addr, &len). If the port was 0,
     *    *addr now holds the real port, and the next member joins it.
     * 6. If any call fails, close_keep_errno(fd) and return -1.
     */
    (void)addr;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}

int lab06_group_open(struct lab06_group *group, const struct sockaddr *addr, socklen_t len, int n,
                     int backlog)
{
    /*
     * TODO:
     * 1. If n < 1 or n > LAB06_MAX_LISTENERS: errno = EINVAL, return -1.
     * 2. Zero *group (memset), copy addr (len bytes) into group->addr.
     * 3. n times: fd = lab06_join(&group->addr, backlog); store it in
     *    group->fds[group->count++]. The first call turns port 0 into a
     *    real port in group->addr; the others join that port.
     * 4. If a join fails: close the members already opened (with
     *    close_keep_errno, so errno stays the join's), set count back to 0,
     *    return -1.
     */
    (void)group;
    (void)addr;
    (void)len;
    (void)n;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Which listener took the connection ---- */
int lab06_group_accept(const struct lab06_group *group, int timeout_ms, int *slot)
{
    /*
     * TODO:
     * 1. Fill an array of struct pollfd, one per member: .fd =
     *    group->fds[i], .events = POLLIN. A listener is "readable" when a
     *    connection waits in its accept queue.
     * 2. poll(array, group->count, timeout_ms). -1: return -1 (errno is
     *    set). 0: nobody came in time: errno = ETIMEDOUT, return -1.
     * 3. Find a member whose revents has POLLIN. accept() from THAT member:
     *    the connection is in its queue and in no other. Set *slot to its
     *    index i and return the new descriptor (or -1 if accept() failed).
     */
    (void)group;
    (void)timeout_ms;
    (void)slot;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: The same 4-tuple, the same listener ---- */
int lab06_connect_from(const struct sockaddr *source, socklen_t source_len, const struct sockaddr *server,
                       socklen_t server_len)
{
    /*
     * TODO:
     * 1. socket() with server->sa_family.
     * 2. setsockopt(SOL_SOCKET, SO_REUSEADDR, 1): the source port may still
     *    be held by a TIME_WAIT of an earlier connection from it.
     * 3. bind(fd, source, source_len): the source address AND port are now
     *    yours, not the kernel's choice. That is what makes the 4-tuple
     *    the same every time.
     * 4. connect(fd, server, server_len).
     * 5. If a call fails, close_keep_errno(fd) and return -1; else return fd.
     */
    (void)source;
    (void)source_len;
    (void)server;
    (void)server_len;
    errno = ENOSYS;
    return -1;
}

int lab06_close_reset(int fd)
{
    /*
     * TODO:
     * 1. struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };
     *    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof ...).
     * 2. close(fd): with linger on and a time of 0, close() sends RST, not
     *    FIN, and the connection is gone at once on both ends.
     * 3. Return close()'s result. If setsockopt() failed, still close the
     *    descriptor (unless errno is EBADF: then it was never open) and
     *    return -1 with setsockopt()'s errno.
     */
    (void)fd;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: The spread over many connections ---- */
int lab06_count_accepts(const struct lab06_group *group, int expected, int timeout_ms, long *counts)
{
    /*
     * TODO:
     * 1. `expected` times: conn = lab06_group_accept(group, timeout_ms, &slot).
     *    If it fails, return -1 (errno is set; counts keeps what you counted).
     * 2. counts[slot]++: count the listener whose accept() returned the
     *    connection, not one that merely looked ready.
     * 3. close(conn).
     * 4. Return 0.
     */
    (void)group;
    (void)expected;
    (void)timeout_ms;
    (void)counts;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: One shared listener: blocking accept() or epoll ---- */
int lab06_workers_start(int listen_fd, int n, enum lab06_model model, struct lab06_workers *workers)
{
    /*
     * TODO:
     * 1. If n < 1 or n > LAB06_MAX_WORKERS, or model is neither
     *    LAB06_BLOCKING_ACCEPT nor LAB06_EPOLL: errno = EINVAL, return -1.
     * 2. For LAB06_EPOLL: make listen_fd non-blocking, here in the parent:
     *    flags = fcntl(listen_fd, F_GETFL); fcntl(listen_fd, F_SETFL,
     *    flags | O_NONBLOCK).
     * 3. workers->count = 0; then n times: pid = fork().
     *    - fork() failed: save errno, lab06_workers_stop(workers) (it ends
     *      the ones already started), restore errno, return -1.
     *    - In the child (pid == 0), loop for ever, never return:
     *      LAB06_BLOCKING_ACCEPT:
     *          conn = accept(listen_fd, NULL, NULL);
     *          if it worked, serve_until_closed(conn);
     *      LAB06_EPOLL, once before the loop:
     *          epfd = epoll_create1(0);
     *          struct epoll_event interest = { .events = EPOLLIN | EPOLLEXCLUSIVE };
     *          epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &interest);
     *        then in the loop: epoll_wait(epfd, &event, 1, -1); then
     *          conn = accept(listen_fd, NULL, NULL) (EAGAIN: another worker
     *          was quicker: just wait again); serve_until_closed(conn).
     *      When a call fails for good (not EINTR, EAGAIN, ECONNABORTED),
     *      leave with _exit(1), never with return or exit().
     *    - In the parent: workers->pids[workers->count++] = pid.
     * 4. Return 0.
     */
    (void)listen_fd;
    (void)n;
    (void)model;
    (void)workers;
    errno = ENOSYS;
    return -1;
}

int lab06_workers_stop(struct lab06_workers *workers)
{
    /*
     * TODO:
     * 1. kill(workers->pids[k], SIGTERM) for every worker.
     * 2. waitpid(workers->pids[k], NULL, 0) for every worker (try again if
     *    it fails with EINTR), so none is left as a zombie.
     * 3. workers->count = 0; return 0 (or -1 if a waitpid() failed).
     */
    (void)workers;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Adding and removing a listener ---- */
int lab06_group_add(struct lab06_group *group, int backlog)
{
    /*
     * TODO:
     * 1. If group->count is already LAB06_MAX_LISTENERS: errno = ENOSPC,
     *    return -1.
     * 2. fd = lab06_join(&group->addr, backlog): a new member on the
     *    group's port. Return -1 if it fails.
     * 3. The kernel appended it to its array at listen(): store it at
     *    group->fds[group->count], then return that slot and count it
     *    (return group->count++).
     */
    (void)group;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}

int lab06_group_remove(struct lab06_group *group, int slot)
{
    /*
     * TODO:
     * 1. If slot < 0 or slot >= group->count: errno = EINVAL, return -1.
     * 2. close(group->fds[slot]).
     * 3. Fill the hole the way the kernel fills its own: move the LAST
     *    member into it, group->fds[slot] = group->fds[group->count - 1],
     *    and count one less. Do NOT shift the members after the slot down:
     *    the kernel does not, and fds[] would no longer match its slots.
     * 4. Return 0.
     */
    (void)group;
    (void)slot;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: Closing a listener: reset or migrate ---- */
int lab06_group_retire(struct lab06_group *group, int slot, bool migrate)
{
    /*
     * TODO:
     * 1. If slot is out of range: errno = EINVAL, return -1.
     * 2. open("/proc/sys/net/ipv4/tcp_migrate_req", O_WRONLY) and write()
     *    "1" if migrate, else "0"; close it. Any failure: return -1 (keep
     *    errno: EACCES without root, ENOENT before Linux 5.14).
     * 3. THEN lab06_group_remove(group, slot). The kernel decides what
     *    happens to the listener's queue at the moment it is closed:
     *    written afterwards, the setting comes too late.
     */
    (void)group;
    (void)slot;
    (void)migrate;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 7 ---- */
