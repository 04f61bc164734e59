/*
 * faults.c - the wrappers that make the student's calls fail or fall short
 * when a test asks. See faults.h.
 *
 * Each __wrap_X is what every call of X in the test binary reaches (the
 * Makefile links with -Wl,--wrap=X for each name in FAULT_WRAPPED); it
 * calls the C library's X as __real_X. In the judge a wrapper only passes
 * the call on. In the subject it counts the call, then fails it or shortens
 * it when the test armed that, and otherwise passes it on: the real call
 * sets the result and errno.
 *
 * Each wrapper also writes the call in a log (fault_log()), in order.
 * The table and the log are shared memory, so the student's code could
 * write them too. That only changes the faults, counts and log of its own
 * test: they are evidence of a mistake, never the reason a test passes.
 */
#include "faults.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockdiag.h"
#include "subject.h"

struct fault_entry {
    int calls;      /* made by the student's code since fault_clear() */
    int fail_at;    /* the call number that fails (0: none) */
    int fail_err;
    int always_err; /* every call fails with this (0: none) */
    size_t short_max; /* bytes per call at most (0: no limit) */
    int delay_at;   /* the call number that is made late (0: none) */
    int delay_ms;
};

struct fault_shared {
    struct fault_entry calls[FC_COUNT];
    int nlog; /* records written (may pass FAULT_LOG_MAX: the rest are lost) */
    struct fault_record log[FAULT_LOG_MAX];
};

static struct fault_shared *shared;
static struct fault_entry *table; /* shared->calls */

static const char *const names[FC_COUNT] = {
    [FC_SOCKET] = "socket",         [FC_BIND] = "bind",
    [FC_LISTEN] = "listen",         [FC_ACCEPT] = "accept",
    [FC_CONNECT] = "connect",       [FC_CLOSE] = "close",
    [FC_SHUTDOWN] = "shutdown",     [FC_READ] = "read",
    [FC_WRITE] = "write",           [FC_RECV] = "recv",
    [FC_SEND] = "send",             [FC_POLL] = "poll",
    [FC_SETSOCKOPT] = "setsockopt", [FC_GETSOCKOPT] = "getsockopt",
    [FC_GETSOCKNAME] = "getsockname", [FC_GETPEERNAME] = "getpeername",
    [FC_DIAG_LIST] = "sl_diag_list",
};

const char *fault_call_name(enum fault_call call)
{
    return call >= 0 && call < FC_COUNT ? names[call] : "?";
}

void fault_prepare(void)
{
    if (shared == NULL) {
        void *memory = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (memory != MAP_FAILED) {
            shared = memory;
            table = shared->calls;
        }
    }
    fault_clear();
}

void fault_clear(void)
{
    if (shared)
        memset(shared, 0, sizeof *shared);
}

int fault_log(struct fault_record *out, int max)
{
    int n;

    if (shared == NULL)
        return 0;
    n = __atomic_load_n(&shared->nlog, __ATOMIC_SEQ_CST);
    if (n > FAULT_LOG_MAX)
        n = FAULT_LOG_MAX;
    for (int i = 0; i < n && i < max; i++)
        out[i] = shared->log[i];
    return n;
}

/* After a call of the student's (in the subject only): write it in the log. Returns result. */
static long noted(enum fault_call call, int fd, long a, long b, long result)
{
    int saved = errno;

    if (shared && sj_in_subject()) {
        int slot = __atomic_fetch_add(&shared->nlog, 1, __ATOMIC_SEQ_CST);
        if (slot < FAULT_LOG_MAX)
            shared->log[slot] = (struct fault_record){ call, (int)getpid(), fd, a, b, result, result == -1 ? saved : 0 };
    }
    errno = saved;
    return result;
}

void fault_fail(enum fault_call call, int after, int err)
{
    if (table) {
        table[call].fail_err = err;
        table[call].fail_at = __atomic_load_n(&table[call].calls, __ATOMIC_SEQ_CST) + after + 1;
    }
}

void fault_delay(enum fault_call call, int after, int ms)
{
    if (table) {
        table[call].delay_ms = ms;
        table[call].delay_at = __atomic_load_n(&table[call].calls, __ATOMIC_SEQ_CST) + after + 1;
    }
}

void fault_fail_always(enum fault_call call, int err)
{
    if (table)
        table[call].always_err = err;
}

void fault_short(enum fault_call call, size_t max)
{
    if (table)
        table[call].short_max = max;
}

int fault_calls(enum fault_call call)
{
    return table ? __atomic_load_n(&table[call].calls, __ATOMIC_SEQ_CST) : 0;
}

/*
 * Before a call of the student's: count it; true (errno set) when it must
 * fail now. False at once in the judge.
 */
static bool must_fail(enum fault_call call)
{
    struct fault_entry *e;
    int n;

    if (table == NULL || !sj_in_subject())
        return false;
    e = &table[call];
    n = __atomic_add_fetch(&e->calls, 1, __ATOMIC_SEQ_CST);
    if (e->delay_at != 0 && n == e->delay_at)
        usleep((useconds_t)e->delay_ms * 1000);
    if (e->always_err) {
        errno = e->always_err;
        return true;
    }
    if (e->fail_at != 0 && n == e->fail_at) {
        errno = e->fail_err;
        return true;
    }
    return false;
}

/* The byte count a read or write of the student's may move now. */
static size_t allowed(enum fault_call call, size_t want)
{
    size_t max = table && sj_in_subject() ? table[call].short_max : 0;

    return max > 0 && want > max ? max : want;
}

/* ---- the wrappers ----------------------------------------------------- */

int __real_socket(int domain, int type, int protocol);
int __wrap_socket(int domain, int type, int protocol)
{
    return (int)noted(FC_SOCKET, -1, domain, type, must_fail(FC_SOCKET) ? -1 : __real_socket(domain, type, protocol));
}

int __real_bind(int fd, const struct sockaddr *addr, socklen_t len);
int __wrap_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    return (int)noted(FC_BIND, fd, 0, 0, must_fail(FC_BIND) ? -1 : __real_bind(fd, addr, len));
}

int __real_listen(int fd, int backlog);
int __wrap_listen(int fd, int backlog)
{
    return (int)noted(FC_LISTEN, fd, backlog, 0, must_fail(FC_LISTEN) ? -1 : __real_listen(fd, backlog));
}

int __real_accept(int fd, struct sockaddr *addr, socklen_t *len);
int __wrap_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    return (int)noted(FC_ACCEPT, fd, 0, 0, must_fail(FC_ACCEPT) ? -1 : __real_accept(fd, addr, len));
}

int __real_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int __wrap_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    return (int)noted(FC_ACCEPT, fd, flags, 0, must_fail(FC_ACCEPT) ? -1 : __real_accept4(fd, addr, len, flags));
}

int __real_connect(int fd, const struct sockaddr *addr, socklen_t len);
int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    return (int)noted(FC_CONNECT, fd, 0, 0, must_fail(FC_CONNECT) ? -1 : __real_connect(fd, addr, len));
}

int __real_close(int fd);
int __wrap_close(int fd)
{
    if (must_fail(FC_CLOSE)) {
        /* As on Linux, a close() that reports an error (EIO, EINTR) has
         * released the descriptor all the same. */
        int err = errno;
        __real_close(fd);
        errno = err;
        return (int)noted(FC_CLOSE, fd, 0, 0, -1);
    }
    return (int)noted(FC_CLOSE, fd, 0, 0, __real_close(fd));
}

int __real_shutdown(int fd, int how);
int __wrap_shutdown(int fd, int how)
{
    return (int)noted(FC_SHUTDOWN, fd, how, 0, must_fail(FC_SHUTDOWN) ? -1 : __real_shutdown(fd, how));
}

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    return noted(FC_READ, fd, 0, 0, must_fail(FC_READ) ? -1 : __real_read(fd, buf, allowed(FC_READ, n)));
}

/* What read() becomes in code built with _FORTIFY_SOURCE (Ubuntu's default). */
ssize_t __real___read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __wrap___read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    return noted(FC_READ, fd, 0, 0, must_fail(FC_READ) ? -1 : __real___read_chk(fd, buf, allowed(FC_READ, n), buflen));
}

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    return noted(FC_WRITE, fd, 0, 0, must_fail(FC_WRITE) ? -1 : __real_write(fd, buf, allowed(FC_WRITE, n)));
}

ssize_t __real_recv(int fd, void *buf, size_t n, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t n, int flags)
{
    return noted(FC_RECV, fd, flags, 0, must_fail(FC_RECV) ? -1 : __real_recv(fd, buf, allowed(FC_RECV, n), flags));
}

ssize_t __real___recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __wrap___recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    return noted(FC_RECV, fd, flags, 0, must_fail(FC_RECV) ? -1 : __real___recv_chk(fd, buf, allowed(FC_RECV, n), buflen, flags));
}

ssize_t __real_send(int fd, const void *buf, size_t n, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t n, int flags)
{
    return noted(FC_SEND, fd, flags, 0, must_fail(FC_SEND) ? -1 : __real_send(fd, buf, allowed(FC_SEND, n), flags));
}

int __real_poll(struct pollfd *fds, nfds_t nfds, int timeout);
int __wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    return (int)noted(FC_POLL, -1, (long)nfds, timeout, must_fail(FC_POLL) ? -1 : __real_poll(fds, nfds, timeout));
}

int __real___poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __wrap___poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
    return (int)noted(FC_POLL, -1, (long)nfds, timeout, must_fail(FC_POLL) ? -1 : __real___poll_chk(fds, nfds, timeout, fdslen));
}

int __real_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
int __wrap_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    return (int)noted(FC_SETSOCKOPT, fd, level, name, must_fail(FC_SETSOCKOPT) ? -1 : __real_setsockopt(fd, level, name, value, len));
}

int __real_getsockopt(int fd, int level, int name, void *value, socklen_t *len);
int __wrap_getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
    return (int)noted(FC_GETSOCKOPT, fd, level, name, must_fail(FC_GETSOCKOPT) ? -1 : __real_getsockopt(fd, level, name, value, len));
}

int __real_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int __wrap_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    return (int)noted(FC_GETSOCKNAME, fd, 0, 0, must_fail(FC_GETSOCKNAME) ? -1 : __real_getsockname(fd, addr, len));
}

int __real_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int __wrap_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    return (int)noted(FC_GETPEERNAME, fd, 0, 0, must_fail(FC_GETPEERNAME) ? -1 : __real_getpeername(fd, addr, len));
}

int __real_sl_diag_list(const struct sl_diag_filter *filter, struct sl_diag_socket *out, int max);
int __wrap_sl_diag_list(const struct sl_diag_filter *filter, struct sl_diag_socket *out, int max)
{
    return (int)noted(FC_DIAG_LIST, -1, 0, 0, must_fail(FC_DIAG_LIST) ? -1 : __real_sl_diag_list(filter, out, max));
}
