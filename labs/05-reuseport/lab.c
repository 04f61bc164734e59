/*
 * lab.c - Lab 05, "SO_REUSEPORT listeners": your file.
 *
 * Fill in the seven steps below, one at a time. What each function must do
 * is written in lab.h; the lesson (docs/lessons/05-reuseport.md) explains
 * why. After each step:
 *
 *     make grade LAB=5            the grader counts your listeners in the kernel's
 *                                 table and connects to your workers
 *     ./build/bin/lab05 -w 4      a walk-through: your system calls, the kernel's
 *                                 table, and which worker answered each connection
 *
 * Until you write it, each function fails with ENOSYS ("Function not
 * implemented"), so the grader and the walk-through tell you where you are.
 *
 * Useful manual pages: socket(7) (SO_REUSEPORT), setsockopt(2), bind(2),
 * listen(2), accept(2), getsockname(2), fork(2), setpgid(2), kill(2),
 * waitpid(2), setuid(2), setgroups(2); and labs/common/sockdiag.h for the
 * kernel's socket table.
 */
#include "lab.h"

#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h> /* TCP_LISTEN, the kernel's number for the state */
#include <signal.h>
#include <stdio.h>
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

/* ---- STEP 1: One listener that can share its port ---- */
int lab05_reuseport_listener(const struct sockaddr *addr, socklen_t len, int backlog)
{
    /*
     * TODO:
     * 1. socket() with addr's family (addr->sa_family), SOCK_STREAM, 0.
     * 2. Turn SO_REUSEPORT on: an int set to 1, passed to
     *    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on).
     *    Do it BEFORE bind(): bind() is where the kernel decides whether
     *    this socket may share the port, with the options it has then.
     *    (SO_REUSEADDR is a different option: it never lets two sockets
     *    listen on one port.)
     * 3. bind(fd, addr, len), then listen(fd, backlog).
     * 4. If any call fails, close_keep_errno(fd) and return -1; the errno
     *    your caller sees is then the failing call's (EADDRINUSE from
     *    bind() when the port cannot be shared).
     * 5. Return fd.
     */
    (void)addr;
    (void)len;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Two listeners on one port ---- */
int lab05_listener_pair(const struct sockaddr *addr, socklen_t len, int fds[2])
{
    /*
     * TODO:
     * 1. fds[0] = lab05_reuseport_listener(addr, len, LAB05_BACKLOG);
     *    return -1 if that fails.
     * 2. addr's port may be 0, and then the kernel picked one for fds[0].
     *    Read the address fds[0] really got with getsockname() into a
     *    struct sockaddr_storage (set the length to its size first).
     * 3. fds[1] = a second listener from step 1 on THAT address.
     * 4. If step 2 or 3 fails, close fds[0] with close_keep_errno() and
     *    return -1: all or nothing.
     * 5. Return 0.
     */
    (void)addr;
    (void)len;
    (void)fds;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: The group in the kernel's table ---- */
int lab05_count_listeners(const struct sockaddr *addr, uint64_t *inodes, int max)
{
    /*
     * TODO:
     * 1. Fill a struct sl_diag_filter (sockdiag.h): .family =
     *    addr->sa_family, .states = SL_DIAG_STATE(TCP_LISTEN) (only
     *    listeners: the accepted connections of a server have the same
     *    local port), .local_port = sl_addr_port(addr).
     * 2. Call sl_diag_list(&filter, found, N) with an array
     *    struct sl_diag_socket found[N] (64 is plenty). It returns how many
     *    sockets matched, or -1 (return -1 then). It stores at most N.
     * 3. Of those stored, keep the ones whose local address is addr's:
     *    sl_addr_same_host((struct sockaddr *)&found[i].local, addr).
     *    The filter matched the port only, and 0.0.0.0:P is not 127.0.0.1:P.
     * 4. Count them; store the inode (found[i].inode) of the first `max`
     *    in inodes[]. Return the count.
     */
    (void)addr;
    (void)inodes;
    (void)max;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: A member that never listens ---- */
int lab05_reserve_port(const struct sockaddr *addr, socklen_t len)
{
    /*
     * TODO:
     * 1. As in step 1: socket(), SO_REUSEPORT on, bind(addr).
     * 2. But do NOT call listen(): a socket that only holds the port must
     *    never be handed a connection, and the kernel gives connections to
     *    listening sockets only.
     * 3. On failure close the socket (close_keep_errno) and return -1;
     *    otherwise return it.
     */
    (void)addr;
    (void)len;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: Worker processes ---- */
int lab05_start_workers(const struct sockaddr *addr, socklen_t len, int n, struct lab05_pool *pool)
{
    /*
     * TODO:
     * 1. If n < 1 or n > LAB05_MAX_WORKERS: errno = EINVAL, return -1.
     *    Set pool->nworkers and pool->pgid to 0.
     * 2. For k = 0 .. n-1, pid = fork():
     *    - pid == -1: stop the workers already started (your step 6 does
     *      that), keep fork()'s errno, return -1.
     *    - pid == 0, in the child, worker k (write this part as a function
     *      of its own that never returns):
     *        a. setpgid(0, k == 0 ? 0 : pool->pgid): a process group for
     *           the workers alone (0 means a new group, named after the
     *           worker's own pid);
     *        b. listener = lab05_reuseport_listener(addr, len, LAB05_BACKLOG),
     *           created HERE, after fork(), so each worker owns its own.
     *           A listener made before fork() would be ONE socket shared by
     *           every worker, and the kernel would see one listener, not n;
     *        c. for (;;) { conn = accept(listener, NULL, NULL); send it the
     *           line snprintf() makes from LAB05_ANSWER_FORMAT, k and
     *           getpid(), with send(conn, ..., MSG_NOSIGNAL); close(conn); }
     *           On EINTR or ECONNABORTED from accept(), just go on;
     *        d. on any other failure _exit(1), never return, never exit().
     *    - in the parent: if k == 0, pool->pgid = pid. Then
     *      setpgid(pid, pool->pgid) (the same as the child's call: whoever
     *      runs first makes it happen), pool->pids[k] = pid,
     *      pool->nworkers = k + 1.
     * 3. Return 0. (The workers start listening a moment later; the caller
     *    watches the kernel's table for them.)
     */
    (void)addr;
    (void)len;
    (void)n;
    (void)pool;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Stop and reap the workers ---- */
int lab05_stop_workers(struct lab05_pool *pool)
{
    /*
     * TODO:
     * 1. If pool->nworkers is 0, return 0.
     * 2. kill(-pool->pgid, SIGTERM): a NEGATIVE pid sends the signal to
     *    every process of that group, so every worker. (kill(pool->pgid, ...)
     *    would reach worker 0 only.) If kill() fails with an errno other
     *    than ESRCH (no such process: they have all ended already), return -1.
     * 3. For each k, waitpid(pool->pids[k], NULL, 0): this waits until the
     *    worker has ended and reaps it, so it leaves no zombie. Retry on
     *    EINTR; ECHILD means it was already reaped. Wait for the workers'
     *    pids only, not with wait() or waitpid(-1, ...): those would reap any
     *    child of the caller, or wait for ever for one that is not a worker.
     * 4. pool->nworkers = 0; return 0.
     */
    (void)pool;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: The same-owner rule ---- */
int lab05_listener_then_drop(const struct sockaddr *addr, socklen_t len, uid_t uid, gid_t gid)
{
    /*
     * TODO:
     * 1. fd = lab05_reuseport_listener(addr, len, LAB05_BACKLOG) while the
     *    process is still root; return -1 if that fails. The socket's owner
     *    is the effective uid at socket(), now: root. Only fchown() on the
     *    socket would change it later.
     * 2. Give up root: setgroups(0, NULL), then setgid(gid), then
     *    setuid(uid). Groups and gid first: once the uid is not root, the
     *    process may no longer change them.
     * 3. If one of those fails, close_keep_errno(fd) and return -1.
     * 4. Return fd.
     */
    (void)addr;
    (void)len;
    (void)uid;
    (void)gid;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 7 ---- */
