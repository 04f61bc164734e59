/*
 * subject.c - the student's code runs in a process of its own. See subject.h.
 *
 * The judge and its subject talk over a SOCK_SEQPACKET socket pair, one
 * message per call and one per reply, so a message arrives whole or not at
 * all. Both ends sit in the shared descriptor table: the subject could read
 * or write the judge's end, but all it can reach that way is its own
 * reply, which carries data the tests check against the kernel.
 *
 * The judge waits for a reply and, on a pidfd, for the subject's end: with
 * a shared descriptor table the socket never reports end-of-file when the
 * subject dies (the judge's copy of the table keeps both ends open).
 */
#include "subject.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"
#include "net.h"

#define SJ_MAGIC 0x736a6331u /* "sjc1" */

/* The largest message: a call's arguments or a reply's out-arguments. */
#define SJ_MAX_MESSAGE (160 * 1024)

struct sj_wire_arg {
    int32_t kind;
    int32_t is_null;
    int64_t i;
    uint64_t size;
    uintptr_t f;
};

struct sj_request {
    uint32_t magic;
    uint32_t seq;
    uintptr_t run;
    int32_t nargs;
    struct sj_wire_arg args[SJ_MAX_ARGS];
    /* then the bytes of every non-NULL SJ_IN and SJ_INOUT argument, in order */
};

struct sj_reply {
    uint32_t magic;
    uint32_t seq;
    int64_t result;
    int32_t err;
    /* then the bytes of every non-NULL SJ_OUT and SJ_INOUT argument, in order */
};

/* This process's subject. owner is the process they belong to: a test
 * that forks gets, in the child, a subject of the child's own. */
static struct {
    pid_t owner;
    pid_t pid;
    int judge_end;
    int subject_end;
    int pidfd;
    ino_t judge_inode; /* to know the ends again in a forked test process */
    ino_t subject_inode;
    uint32_t seq;
} sj = { 0, 0, -1, -1, -1, 0, 0, 0 };

static bool in_subject;

/* A message buffer; static: the subject's own copy after clone(). */
static unsigned char message[SJ_MAX_MESSAGE];

size_t sj_addr_size(const void *addr)
{
    socklen_t len = addr ? sl_addr_len(addr) : 0;

    /* An unknown family: at least the generic struct sockaddr. */
    return len ? len : sizeof(struct sockaddr);
}

bool sj_in_subject(void)
{
    return in_subject;
}

/* The harness itself went wrong (not the student): fail loudly. */
static void harness_failure(const char *what)
{
    ck_abort_msg("harness: %s: %s", what, sl_errno_name(errno));
}

/* ---- the subject ------------------------------------------------------ */

/*
 * Keep only the capabilities a test may give the student's code; drop the
 * rest, from the bounding set too, so no exec() brings them back. Without
 * CAP_SYS_PTRACE the subject cannot reach the judge's memory even when
 * both are root of one user namespace.
 */
static void drop_capabilities(void)
{
    const uint64_t keep = (1ull << CAP_NET_ADMIN) | (1ull << CAP_SETUID) | (1ull << CAP_SETGID);
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];

    for (int cap = 0; cap < 64; cap++)
        if (!(keep & (1ull << cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
            prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); /* EPERM without CAP_SETPCAP: then we have none to drop */
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (syscall(SYS_capget, &header, data) == 0) {
        for (int w = 0; w < 2; w++) {
            uint32_t mask = (uint32_t)(keep >> (32 * w));
            data[w].permitted &= mask;
            data[w].effective &= mask;
            data[w].inheritable = 0;
        }
        syscall(SYS_capset, &header, data);
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* This process now runs the student's code for the judge that started it. */
static void become_student_side(pid_t judge)
{
    in_subject = true;
    /* Die with the judge (and check it did not die already). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != judge)
        _exit(0);
    drop_capabilities();
    /* The judge inspects this process (/proc/PID/fd): it must be dumpable. */
    prctl(PR_SET_DUMPABLE, 1);
}

/* Serve calls until the judge goes away. Never returns. */
static void subject_main(pid_t judge)
{
    const pid_t self = getpid();
    union sj_value values[SJ_MAX_ARGS];

    become_student_side(judge);

    for (;;) {
        /* Raw system calls: the test's faults (faults.h) are for the
         * student's reads and writes, not for this channel's. */
        ssize_t n = syscall(SYS_recvfrom, sj.subject_end, message, sizeof message, 0, NULL, NULL);
        struct sj_request req;
        struct sj_reply reply;
        size_t at, out_at;

        if (n == -1 && errno == EINTR)
            continue;
        if (n < (ssize_t)sizeof req)
            _exit(0);
        memcpy(&req, message, sizeof req);
        if (req.magic != SJ_MAGIC || req.nargs < 0 || req.nargs > SJ_MAX_ARGS)
            _exit(0);

        /* Point each argument at its bytes in the message. */
        at = sizeof req;
        for (int k = 0; k < req.nargs; k++) {
            const struct sj_wire_arg *w = &req.args[k];
            values[k].i = 0;
            switch (w->kind) {
            case SJ_KIND_INT: values[k].i = w->i; break;
            case SJ_KIND_FUNC: values[k].f = (void (*)(void))w->f; break;
            default:
                if (w->is_null) {
                    values[k].p = NULL;
                } else {
                    if (w->size > sizeof message - at)
                        _exit(0);
                    values[k].p = message + at;
                    at += w->size;
                }
            }
        }
        errno = 0;
        long result = ((sj_runner)req.run)(values);
        int err = errno;

        if (getpid() != self) {
            /* A process the student's code forked returned from the
             * contract function instead of ending: it must not serve calls. */
            fprintf(stderr, "socklab: a process forked inside a lab function returned from it "
                            "instead of ending (end a child with _exit())\n");
            _exit(1);
        }

        /* The reply: result, errno, then the out-arguments, gathered at
         * the end of the buffer after the in-arguments they were copied from. */
        reply = (struct sj_reply){ SJ_MAGIC, req.seq, result, err };
        out_at = at;
        if (out_at + sizeof reply > sizeof message)
            _exit(1);
        memcpy(message + out_at, &reply, sizeof reply);
        size_t len = sizeof reply;
        for (int k = 0; k < req.nargs; k++) {
            const struct sj_wire_arg *w = &req.args[k];
            if ((w->kind == SJ_KIND_OUT || w->kind == SJ_KIND_INOUT) && !w->is_null) {
                if (out_at + len + w->size > sizeof message)
                    _exit(1);
                memmove(message + out_at + len, values[k].p, w->size);
                len += w->size;
            }
        }
        while (syscall(SYS_sendto, sj.subject_end, message + out_at, len, MSG_NOSIGNAL, NULL, 0) == -1)
            if (errno != EINTR)
                _exit(0);
    }
}

/* ---- the judge --------------------------------------------------------- */

/*
 * Is fd still the descriptor we recorded: the same socket (by inode), or a
 * pidfd? A forked test process inherits our numbers, but it may have
 * closed them and reused the numbers for something else.
 */
static bool still_ours(int fd, ino_t socket_inode)
{
    struct stat st;
    char path[64], target[64];
    ssize_t n;

    if (fd < 0 || fstat(fd, &st) != 0)
        return false;
    if (socket_inode != 0)
        return S_ISSOCK(st.st_mode) && st.st_ino == socket_inode;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof target - 1);
    if (n <= 0)
        return false;
    target[n] = '\0';
    /* "anon_inode:[pidfd]"; kernels with pidfs may say "pidfd:[N]". */
    return strcmp(target, "anon_inode:[pidfd]") == 0 || strncmp(target, "pidfd:", 6) == 0;
}

/*
 * Put fd at number old (our descriptor of the same role, inherited or
 * being replaced) when old still is that descriptor, so that a count of
 * open descriptors does not change; otherwise keep fd's own number.
 */
static int settle_fd(int fd, int old, bool old_is_ours)
{
    if (!old_is_ours || fd == old)
        return fd;
    if (dup3(fd, old, O_CLOEXEC) == -1)
        harness_failure("dup3");
    close(fd);
    return old;
}

static ino_t inode_of(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static void start_subject(void)
{
    pid_t judge = getpid();
    int pair[2];
    bool judge_end_ours = still_ours(sj.judge_end, sj.judge_inode);
    bool subject_end_ours = still_ours(sj.subject_end, sj.subject_inode);
    bool pidfd_ours = still_ours(sj.pidfd, 0);

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        harness_failure("socketpair for the subject");
    sj.judge_end = settle_fd(pair[0], sj.judge_end, judge_end_ours);
    sj.subject_end = settle_fd(pair[1], sj.subject_end, subject_end_ours);
    sj.judge_inode = inode_of(sj.judge_end);
    sj.subject_inode = inode_of(sj.subject_end);
    sj.owner = judge;
    sj.seq = 0;

    /* No half-written stdio buffer may be copied into the subject. */
    fflush(NULL);
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == -1)
        harness_failure("clone for the subject");
    if (pid == 0)
        subject_main(judge);

    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd == -1)
        harness_failure("pidfd_open");
    fcntl(pidfd, F_SETFD, FD_CLOEXEC);
    sj.pidfd = settle_fd(pidfd, sj.pidfd, pidfd_ours);
    sj.pid = pid;
}

static void ensure_subject(void)
{
    if (sj.owner != getpid() || sj.pid <= 0)
        start_subject();
}

void sj_start(void)
{
    /* A judge is not dumpable: nothing of the same uid can ptrace it. */
    prctl(PR_SET_DUMPABLE, 0);
    /* The faults table is shared with the subject: it must exist first. */
    fault_prepare();
    start_subject();
}

pid_t sj_fork(void)
{
    pid_t judge = getpid();
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0 && !in_subject)
        become_student_side(judge);
    return pid;
}

pid_t sj_subject_pid(void)
{
    if (in_subject)
        return getpid();
    ensure_subject();
    return sj.pid;
}

void sj_restart(void)
{
    if (in_subject)
        return;
    if (sj.owner == getpid() && sj.pid > 0) {
        kill(sj.pid, SIGKILL);
        waitpid(sj.pid, NULL, 0);
        sj.pid = 0;
    }
    start_subject();
}

int sj_setrlimit(int resource, const struct rlimit *limit)
{
    if (in_subject)
        return setrlimit(resource, limit);
    ensure_subject();
    return prlimit(sj.pid, resource, limit, NULL);
}

/* How the subject ended, in words, e.g. "exit(77)" or "signal 11 (Segmentation fault)". */
static void describe_end(const siginfo_t *info, char *buf, size_t size)
{
    if (info->si_code == CLD_EXITED)
        snprintf(buf, size, "it called exit(%d)", info->si_status);
    else
        snprintf(buf, size, "it was killed by signal %d (%s)", info->si_status, strsignal(info->si_status));
}

/* The subject has ended: reap it and fail the test, naming the call. */
static void subject_died(const char *name)
{
    siginfo_t info;
    char how[128];

    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)sj.pid, &info, WEXITED) != 0)
        snprintf(how, sizeof how, "it ended");
    else
        describe_end(&info, how, sizeof how);
    sj.pid = 0;
    ck_abort_msg("%sthe process running your code ended inside %s(): %s", SJ_CRASH_PREFIX, name, how);
}

/* Wait for the reply to call seq; fails the test if the subject ends first. */
static size_t await_reply(const char *name)
{
    for (;;) {
        struct pollfd fds[2] = { { sj.judge_end, POLLIN, 0 }, { sj.pidfd, POLLIN, 0 } };
        if (poll(fds, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            harness_failure("poll");
        }
        if (fds[0].revents & POLLIN) {
            ssize_t n = recv(sj.judge_end, message, sizeof message, MSG_DONTWAIT);
            if (n >= 0)
                return (size_t)n;
            if (errno != EAGAIN && errno != EINTR)
                harness_failure("recv from the subject");
            continue;
        }
        if (fds[0].revents & (POLLNVAL | POLLERR) || fds[1].revents & POLLNVAL)
            ck_abort_msg("%syour code closed the grader's descriptors inside %s()", SJ_CRASH_PREFIX, name);
        if (fds[1].revents)
            subject_died(name);
    }
}

long sj_call(const char *name, sj_runner run, int nargs, ...)
{
    struct sj_arg args[SJ_MAX_ARGS];
    union sj_value values[SJ_MAX_ARGS];
    struct sj_request req;
    struct sj_reply reply;
    va_list ap;
    size_t len, at;

    if (nargs < 0 || nargs > SJ_MAX_ARGS)
        ck_abort_msg("harness: %s: %d arguments", name, nargs);
    va_start(ap, nargs);
    for (int k = 0; k < nargs; k++)
        args[k] = va_arg(ap, struct sj_arg);
    va_end(ap);

    if (in_subject) {
        /* Already where the student's code runs: call it directly. */
        for (int k = 0; k < nargs; k++) {
            if (args[k].kind == SJ_KIND_INT)
                values[k].i = args[k].i;
            else if (args[k].kind == SJ_KIND_FUNC)
                values[k].f = args[k].f;
            else
                values[k].p = args[k].p;
        }
        return run(values);
    }

    ensure_subject();
    memset(&req, 0, sizeof req);
    req.magic = SJ_MAGIC;
    req.seq = ++sj.seq;
    req.run = (uintptr_t)run;
    req.nargs = nargs;
    len = sizeof req;
    for (int k = 0; k < nargs; k++) {
        struct sj_wire_arg *w = &req.args[k];
        w->kind = args[k].kind;
        w->i = args[k].i;
        w->f = (uintptr_t)args[k].f;
        w->size = args[k].size;
        w->is_null = (args[k].kind != SJ_KIND_INT && args[k].kind != SJ_KIND_FUNC && args[k].p == NULL);
        if ((w->kind == SJ_KIND_IN || w->kind == SJ_KIND_INOUT) && !w->is_null) {
            if (w->size > sizeof message - len)
                ck_abort_msg("harness: %s: arguments too large to pass", name);
            memcpy(message + len, args[k].p, w->size);
        } else if (w->kind == SJ_KIND_OUT && !w->is_null) {
            if (w->size > sizeof message - len)
                ck_abort_msg("harness: %s: arguments too large to pass", name);
            memset(message + len, 0, w->size); /* room for it, and no stale bytes of ours */
        }
        if (!w->is_null && w->kind != SJ_KIND_INT && w->kind != SJ_KIND_FUNC)
            len += w->size; /* the subject lays every buffer out in order */
    }
    memcpy(message, &req, sizeof req);
    while (send(sj.judge_end, message, len, MSG_NOSIGNAL) == -1) {
        if (errno == EINTR)
            continue;
        if (errno == EPIPE || errno == ECONNRESET)
            subject_died(name);
        harness_failure("send to the subject");
    }

    size_t n = await_reply(name);
    if (n < sizeof reply)
        ck_abort_msg("%sa malformed reply came back from %s()", SJ_CRASH_PREFIX, name);
    memcpy(&reply, message, sizeof reply);
    if (reply.magic != SJ_MAGIC || reply.seq != req.seq)
        ck_abort_msg("%sa malformed reply came back from %s()", SJ_CRASH_PREFIX, name);
    at = sizeof reply;
    for (int k = 0; k < nargs; k++) {
        const struct sj_wire_arg *w = &req.args[k];
        if ((w->kind == SJ_KIND_OUT || w->kind == SJ_KIND_INOUT) && !w->is_null) {
            if (n - at < w->size)
                ck_abort_msg("%sa malformed reply came back from %s()", SJ_CRASH_PREFIX, name);
            memcpy(args[k].p, message + at, w->size);
            at += w->size;
        }
    }
    if (at != n)
        ck_abort_msg("%sa malformed reply came back from %s()", SJ_CRASH_PREFIX, name);
    errno = reply.err;
    return (long)reply.result;
}
