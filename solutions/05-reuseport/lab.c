/*
 * lab.c - Lab 05, "SO_REUSEPORT listeners": reference solution.
 *
 * The contract is in labs/05-reuseport/lab.h. Every socket of the lab is
 * made by step 1, so the one rule that matters most (SO_REUSEPORT before
 * bind()) is written once. The workers of step 5 each call step 1 after
 * fork(), which is what gives every worker a listener of its own.
 */
#include "lab.h"

#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h> /* TCP_LISTEN, the kernel's number for the state */
#include <signal.h>
#include <stdio.h> /* snprintf */
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

/* ---- STEP 1: One listener that can share its port ---- */
int lab05_reuseport_listener(const struct sockaddr *addr, socklen_t len, int backlog)
{
    int on = 1;
    int fd = socket(addr->sa_family, SOCK_STREAM, 0);
    if (fd == -1)
        return -1;

    /* Before bind(): bind() is where the kernel compares this socket with
     * the ones already on the port, using the options set at that moment. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == -1 || bind(fd, addr, len) == -1 ||
        listen(fd, backlog) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Two listeners on one port ---- */
int lab05_listener_pair(const struct sockaddr *addr, socklen_t len, int fds[2])
{
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;

    fds[0] = lab05_reuseport_listener(addr, len, LAB05_BACKLOG);
    if (fds[0] == -1)
        return -1;

    /* addr may say port 0: the second socket must go where the first one
     * actually is, so ask the kernel which port that became. */
    if (getsockname(fds[0], (struct sockaddr *)&bound, &bound_len) == -1)
        goto fail;
    fds[1] = lab05_reuseport_listener((struct sockaddr *)&bound, bound_len, LAB05_BACKLOG);
    if (fds[1] == -1)
        goto fail;
    return 0;

fail:
    close_keep_errno(fds[0]);
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: The group in the kernel's table ---- */
int lab05_count_listeners(const struct sockaddr *addr, uint64_t *inodes, int max)
{
    /* Enough for any group this lab builds; more than that are counted
     * by sl_diag_list() even though they are not stored. */
    struct sl_diag_socket found[64];
    struct sl_diag_filter filter = {
        .family = addr->sa_family,
        .states = SL_DIAG_STATE(TCP_LISTEN), /* accepted connections share the port: leave them out */
        .local_port = sl_addr_port(addr),
    };
    int n = sl_diag_list(&filter, found, 64);
    int stored = n < 64 ? n : 64;
    int count = 0;

    if (n == -1)
        return -1;
    for (int i = 0; i < stored; i++) {
        /* The port matched; the address must too: 127.0.0.1:P and 0.0.0.0:P
         * are different listeners. */
        if (!sl_addr_same_host((struct sockaddr *)&found[i].local, addr))
            continue;
        if (count < max)
            inodes[count] = found[i].inode;
        count++;
    }
    return count;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: A member that never listens ---- */
int lab05_reserve_port(const struct sockaddr *addr, socklen_t len)
{
    int on = 1;
    int fd = socket(addr->sa_family, SOCK_STREAM, 0);
    if (fd == -1)
        return -1;

    /* SO_REUSEPORT, so that listeners can join it later; no listen(), so
     * the kernel never gives it a connection. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == -1 || bind(fd, addr, len) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: Worker processes ---- */

/* The life of worker `number`, in the child: never returns. */
static void worker_main(int number, pid_t group, const struct sockaddr *addr, socklen_t len)
    __attribute__((noreturn));

static void worker_main(int number, pid_t group, const struct sockaddr *addr, socklen_t len)
{
    char answer[64];
    int answer_len = snprintf(answer, sizeof answer, LAB05_ANSWER_FORMAT, number, (int)getpid());

    /* Also done by the parent: whichever of the two runs first sets it. */
    setpgid(0, group);

    /* After fork(): this listener belongs to this worker alone. */
    int listener = lab05_reuseport_listener(addr, len, LAB05_BACKLOG);
    if (listener == -1)
        _exit(1);

    for (;;) {
        int conn = accept(listener, NULL, NULL);
        if (conn == -1) {
            /* A signal, or a client that gave up before we got to it. */
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            _exit(1);
        }
        send(conn, answer, (size_t)answer_len, MSG_NOSIGNAL);
        close(conn);
    }
}

int lab05_start_workers(const struct sockaddr *addr, socklen_t len, int n, struct lab05_pool *pool)
{
    if (n < 1 || n > LAB05_MAX_WORKERS) {
        errno = EINVAL;
        return -1;
    }
    pool->nworkers = 0;
    pool->pgid = 0;

    for (int k = 0; k < n; k++) {
        pid_t pid = fork();
        if (pid == -1) {
            /* All or nothing: end the workers already started. */
            int saved = errno;
            lab05_stop_workers(pool);
            errno = saved;
            return -1;
        }
        if (pid == 0)
            worker_main(k, k == 0 ? 0 : pool->pgid, addr, len);

        /* Group 0 in setpgid() means "a new group named after the child". */
        if (k == 0)
            pool->pgid = pid;
        setpgid(pid, pool->pgid);
        pool->pids[k] = pid;
        pool->nworkers = k + 1;
    }
    return 0;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Stop and reap the workers ---- */
int lab05_stop_workers(struct lab05_pool *pool)
{
    if (pool->nworkers == 0)
        return 0;

    /* A negative pid names a process group: every worker at once, and not
     * us, since we are not in that group. ESRCH: they have all gone already,
     * and still need reaping. */
    if (kill(-pool->pgid, SIGTERM) == -1 && errno != ESRCH)
        return -1;

    /* Each worker by its pid: waiting for any child could reap a child
     * that is not ours to reap. */
    for (int k = 0; k < pool->nworkers; k++) {
        while (waitpid(pool->pids[k], NULL, 0) == -1) {
            if (errno == EINTR)
                continue;
            if (errno == ECHILD) /* already reaped */
                break;
            return -1;
        }
    }
    pool->nworkers = 0;
    return 0;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: The same-owner rule ---- */
int lab05_listener_then_drop(const struct sockaddr *addr, socklen_t len, uid_t uid, gid_t gid)
{
    /* socket() while root: the socket's owner, fixed now, is root. */
    int fd = lab05_reuseport_listener(addr, len, LAB05_BACKLOG);
    if (fd == -1)
        return -1;

    /* Groups first: after setuid() we would no longer be allowed to. */
    if (setgroups(0, NULL) == -1 || setgid(gid) == -1 || setuid(uid) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}
/* ---- END STEP 7 ---- */
