/*
 * tests.c - the graded tests of Lab 06, "How the kernel picks a listener".
 *
 * Every test checks what the kernel did, not what the student's function
 * said it did:
 *   - which listener of a group holds a connection: the listeners' accept
 *     queue lengths in the kernel's socket table (sock_diag), or the test's
 *     own poll() and accept() over the group;
 *   - which worker process accepted a connection: the inode of the
 *     connection's server end (sock_diag) found among that worker's
 *     descriptors in /proc/PID/fd; where a worker sleeps: /proc/PID/syscall;
 *     how often it woke: /proc/PID/status;
 *   - what a client saw: its own socket (a reset reads as ECONNRESET).
 * A test first requires the student's call to work, so the untouched
 * skeleton (every function fails with ENOSYS) scores nothing. The
 * student's code runs in a process of its own, the subject
 * (harness/subject.h), which shares this process's descriptors: step 5's
 * workers are the subject's children, so the tests watch them (alive, a
 * zombie, or reaped) through /proc, never with waitpid().
 *
 * Most tests build the group with the harness's own code, so a step can be
 * earned before the earlier ones work. No fixed port anywhere: groups bind
 * port 0; the fixed client tuples of steps 3 and 6 use source addresses in
 * a /24 of 127.64.0.0/10 picked per test process, and source ports the
 * kernel just handed out as free there. Clients are closed with a reset,
 * so the tests leave no TIME_WAIT behind (one test makes one on purpose).
 *
 * The thresholds come from measurements on Linux 6.18 (2 cores, with and
 * without the other core busy); docs/lessons/06-reuseport-hash.md has the
 * numbers and the margins. To measure on another kernel, build the tests
 * with -DLAB06_SHOW_MEASUREMENTS: each test then prints what it measured
 * into build/grade/06-reuseport-hash/TEST.out (never in a normal build,
 * where the report would quote it as the student's output).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"
#include "lab.h"
#include "testlib.h"

/* How long a test waits for one connection to reach a listener. */
#define ACCEPT_TIMEOUT_MS 2000

/* Listeners in a group, and the backlog each one gets. */
#define GROUP_SIZE 4
#define BACKLOG 512

/* Step 4: connections per batch, and batches (4,000 connections). */
#define BATCH 200
#define BATCHES 20
/* Each listener's share may differ from the fair one by this many percent
 * (measured on 4,000 connections: at most 9.4%). */
#define SPREAD_TOLERANCE_PERCENT 15

/* Step 5: connections per model, and the thresholds (measured: exactly
 * 25% each for blocking accept(), 100% for one worker under epoll, no
 * wakeup of another worker; a thundering herd wakes all 3 others). */
#define SHARED_CONNECTIONS 80
#define WORKERS 4
#define FIFO_MIN_PERCENT 15
#define FIFO_MAX_PERCENT 35
#define EPOLL_TOP_MIN_PERCENT 80
#define EPOLL_MAX_EXTRA_WAKEUPS_PERCENT 10
/* How long a worker may take to go back to sleep after a connection. */
#define IDLE_TIMEOUT_MS 2000

/* Step 6: fixed 4-tuples (50 addresses x 8 ports), and the share of them
 * that may move when a 5th listener joins 4 (theory 50%; measured 45-56%). */
#define TUPLES 400
#define TUPLE_PORTS 8
#define MOVED_MIN_PERCENT 35
#define MOVED_MAX_PERCENT 65

/* Step 7: connections waiting in the queues when a listener closes. */
#define QUEUED 200

/* ------------------------------------------------------------------ */
/* Helpers: calls and errors                                            */
/* ------------------------------------------------------------------ */

/*
 * Check the condition; fail the test with the message when it is false.
 * Unlike require(), it writes nothing while the condition holds:
 * Check records the place of every ck_assert that passes in its message
 * file, and this lab's loops (thousands of connections) would fill it past
 * the runner's output limit and lose the test's result.
 */
#define require(condition, ...)        \
    do {                               \
        if (!(condition))              \
            ck_abort_msg(__VA_ARGS__); \
    } while (0)

/* What a test measured, printed only in a build for re-measuring (see the top). */
#ifdef LAB06_SHOW_MEASUREMENTS
#define show_measurement(...) printf(__VA_ARGS__)
#else
#define show_measurement(...)                                                              \
    do {                                                                                   \
        if (0) /* never printed, but the compiler still checks the format and arguments */ \
            printf(__VA_ARGS__);                                                           \
    } while (0)
#endif

/* For the harness's own calls, which should never fail: name the call. */
#define require_harness(condition) require(condition, "harness: %s failed (%s)", #condition, sl_errno_name(errno))

static const struct sockaddr *sa(const struct sockaddr_storage *addr)
{
    return (const struct sockaddr *)addr;
}

static socklen_t sa_len(const struct sockaddr_storage *addr)
{
    return sl_addr_len(sa(addr));
}

/*
 * Fail the test when a call that had to succeed returned -1; err is the
 * errno saved right after the call. ENOSYS is the skeleton's placeholder.
 */
static void require_success(int result, int err, const char *call)
{
    require(result != -1, "%s returned -1 with errno %s (%s)%s", call, sl_errno_name(err), strerror(err),
            err == ENOSYS ? ": this step is not written yet" : "");
}

/* Fail unless a call failed the way the contract says: -1 and errno `want`. */
static void require_failure(int result, int err, int want, const char *call)
{
    require(result == -1, "%s returned %d; it should fail with -1 and errno %s", call, result, sl_errno_name(want));
    require(err == want, "%s returned -1 with errno %s (%s); expected %s", call, sl_errno_name(err), strerror(err),
            sl_errno_name(want));
}

/* Fail unless a call that must succeed returned exactly `want` (0, say, not just "not -1"). */
static void require_exactly(long result, int err, long want, const char *call)
{
    require_success((int)result, err, call);
    require(result == want, "%s returned %ld; on success it returns exactly %ld", call, result, want);
}

/*
 * Which descriptor numbers are open, in the table this process shares with
 * the subject. A failed call must leave the same ones open: close what it
 * opened, and close nothing it did not open.
 */
#define FD_SNAPSHOT 1024
struct open_fds {
    bool open[FD_SNAPSHOT];
};

static void snapshot_fds(struct open_fds *s)
{
    for (int fd = 0; fd < FD_SNAPSHOT; fd++)
        s->open[fd] = tl_fd_is_open(fd);
}

/*
 * Fail unless a call failed the contract's way: -1, errno `want`, and the
 * same descriptors open as in *before (taken just before the call).
 */
static void require_clean_failure(int result, int err, int want, const struct open_fds *before, const char *call)
{
    struct open_fds after;

    snapshot_fds(&after);
    if (result >= 0 && result < FD_SNAPSHOT && !before->open[result])
        close(result);
    require_failure(result, err, want, call);
    for (int fd = 0; fd < FD_SNAPSHOT; fd++) {
        require(!(after.open[fd] && !before->open[fd]),
                "%s failed as it should, but left descriptor %d open: close every descriptor the function opened "
                "before returning -1",
                call, fd);
        require(!(!after.open[fd] && before->open[fd]),
                "%s closed descriptor %d, which it had not opened (a wrong index or an uninitialised variable "
                "passed to close()?)",
                call, fd);
    }
}

/* An address of ip and port, for the harness's own sockets. */
static void address(const char *ip, uint16_t port, struct sockaddr_storage *addr)
{
    socklen_t len;

    require(sl_addr_parse(ip, port, addr, &len) == 0, "harness: bad address %s", ip);
}

/* Close a connection with RST (SO_LINGER 0): no TIME_WAIT on either end. */
static void reset_close(int fd)
{
    struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    close(fd);
}

/* A client connected to server (the kernel picks its source port). */
static int connect_client(const struct sockaddr_storage *server)
{
    int fd = kit_connect_to(sa(server));

    require(fd != -1, "harness: cannot connect to %s: %s", tl_str(server, 0), sl_errno_name(errno));
    return fd;
}

/*
 * A client bound to ip (the kernel picks the port) and connected to server:
 * client and server on different addresses, so a swap of the two shows.
 */
static int connect_client_from(const char *ip, const struct sockaddr_storage *server)
{
    struct sockaddr_storage source;
    int fd = socket(server->ss_family, SOCK_STREAM, 0);

    address(ip, 0, &source);
    require(fd != -1 && bind(fd, sa(&source), sa_len(&source)) == 0 && connect(fd, sa(server), sa_len(server)) == 0,
            "harness: cannot connect from %s to %s: %s", ip, tl_str(server, 0), sl_errno_name(errno));
    return fd;
}

static int socket_option(int fd, int level, int name)
{
    int value = 0;
    socklen_t len = sizeof value;

    require(getsockopt(fd, level, name, &value, &len) == 0, "harness: getsockopt on fd %d: %s", fd,
            sl_errno_name(errno));
    return value;
}

/* ------------------------------------------------------------------ */
/* Helpers: a group the harness builds, and what the kernel says of it  */
/* ------------------------------------------------------------------ */

/*
 * The harness's own group of n listeners on ip, port 0 (the kernel picks),
 * opened in order so that fds[i] is the kernel's slot i (the kernel
 * appends at listen()).
 */
static void harness_group_on(struct lab06_group *group, const char *ip, int n)
{
    socklen_t len;
    int one = 1;

    memset(group, 0, sizeof *group);
    require_harness(sl_addr_parse(ip, 0, &group->addr, &len) == 0);
    for (int i = 0; i < n; i++) {
        int fd = socket(group->addr.ss_family, SOCK_STREAM, 0);
        require(fd != -1, "harness: socket: %s", sl_errno_name(errno));
        require(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0 &&
                    bind(fd, sa(&group->addr), len) == 0 && listen(fd, BACKLOG) == 0,
                "harness: cannot open member %d of a group on %s: %s", i, tl_str(&group->addr, 0),
                sl_errno_name(errno));
        socklen_t addr_len = sizeof group->addr;
        require_harness(getsockname(fd, (struct sockaddr *)&group->addr, &addr_len) == 0);
        group->fds[group->count++] = fd;
    }
}

/* The same on 127.0.0.1. */
static void harness_group(struct lab06_group *group, int n)
{
    harness_group_on(group, "127.0.0.1", n);
}

static void close_group(const struct lab06_group *group)
{
    for (int i = 0; i < group->count; i++)
        close(group->fds[i]);
}

/*
 * The kernel's LISTEN sockets on the group's port. Returns how many there
 * are; their entries go to out (at most max).
 */
static int kernel_listeners(const struct lab06_group *group, struct sl_diag_socket *out, int max)
{
    struct sl_diag_filter filter = {
        .family = group->addr.ss_family,
        .states = SL_DIAG_STATE(TCP_LISTEN),
        .local_port = sl_addr_port(sa(&group->addr)),
    };
    int n = sl_diag_list(&filter, out, max);

    require(n != -1, "harness: sock_diag: %s", sl_errno_name(errno));
    return n;
}

/*
 * queue[i] = connections waiting in the accept queue of group->fds[i],
 * as the kernel counts them. Returns their sum.
 */
static long accept_queues(const struct lab06_group *group, long *queue)
{
    struct sl_diag_socket listeners[2 * LAB06_MAX_LISTENERS];
    int n = kernel_listeners(group, listeners, 2 * LAB06_MAX_LISTENERS);
    long sum = 0;

    for (int i = 0; i < group->count; i++) {
        uint64_t inode = kit_socket_inode(group->fds[i]);
        bool found = false;
        for (int k = 0; k < n && k < 2 * LAB06_MAX_LISTENERS; k++)
            if (listeners[k].inode == inode) {
                queue[i] = listeners[k].rqueue;
                found = true;
            }
        require(found, "the kernel lists no LISTEN socket for group member %d (fd %d) on %s", i, group->fds[i],
                tl_str(&group->addr, 0));
        sum += queue[i];
    }
    return sum;
}

/*
 * Poll the kernel's table until the group's queues hold `total`
 * connections (a connect() can return before the server's end of the
 * handshake is done); fills queue[]. Fails after a bound.
 */
static void wait_queued(const struct lab06_group *group, long total, long *queue)
{
    long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS;
    long sum;

    while ((sum = accept_queues(group, queue)) != total) {
        require(sl_now_ms() < deadline, "harness: %ld connections wait in the group's queues, expected %ld", sum,
                total);
        usleep(200);
    }
}

/*
 * The harness's own accept over the group: wait for a connection on any
 * member, accept it, *slot = the member's index. Returns the connection.
 */
static int harness_accept(const struct lab06_group *group, int *slot)
{
    struct pollfd waiting[LAB06_MAX_LISTENERS];

    for (int i = 0; i < group->count; i++)
        waiting[i] = (struct pollfd){ .fd = group->fds[i], .events = POLLIN };
    int ready = poll(waiting, (nfds_t)group->count, ACCEPT_TIMEOUT_MS);
    require(ready > 0,
            "no listener in group->fds received the connection within %d ms: it went to a listener "
            "that is not in the array (or to none)",
            ACCEPT_TIMEOUT_MS);
    for (int i = 0; i < group->count; i++)
        if (waiting[i].revents & POLLIN) {
            int conn = accept(group->fds[i], NULL, NULL);
            require(conn != -1, "harness: accept: %s", sl_errno_name(errno));
            *slot = i;
            return conn;
        }
    ck_abort_msg("group->fds holds a descriptor that is not a listening socket (poll() said %#x)",
                 (unsigned)waiting[0].revents);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Helpers: fixed client 4-tuples                                       */
/* ------------------------------------------------------------------ */

/*
 * Source addresses and ports for fixed 4-tuples. The addresses are a /24
 * inside 127.64.0.0/10 picked per test process, so that nobody else (two
 * graders at once included) is likely to use them; the ports are ones the
 * kernel just handed out as free on that /24's first address.
 * source[t] = (base + 1 + t / TUPLE_PORTS, port[t % TUPLE_PORTS]).
 */
static void make_tuples(struct sockaddr_storage *source, int count)
{
    uint32_t block = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
    uint32_t base = 0x7f400000u | (block & 0x003fff00u);
    uint16_t ports[TUPLE_PORTS];
    int probes[TUPLE_PORTS];

    require_harness(count <= 254 * TUPLE_PORTS);
    /* All probes stay bound until the last: each port then differs. */
    for (int p = 0; p < TUPLE_PORTS; p++) {
        struct sockaddr_in probe = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(base + 1) };
        socklen_t len = sizeof probe;
        probes[p] = socket(AF_INET, SOCK_STREAM, 0);
        require(probes[p] != -1 && bind(probes[p], (struct sockaddr *)&probe, sizeof probe) == 0 &&
                    getsockname(probes[p], (struct sockaddr *)&probe, &len) == 0,
                "harness: cannot find a free port on 127.x.y.1: %s", sl_errno_name(errno));
        ports[p] = ntohs(probe.sin_port);
    }
    for (int p = 0; p < TUPLE_PORTS; p++)
        close(probes[p]);
    for (int t = 0; t < count; t++) {
        struct sockaddr_in *in = (struct sockaddr_in *)&source[t];
        memset(&source[t], 0, sizeof source[t]);
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(base + 1 + (uint32_t)(t / TUPLE_PORTS));
        in->sin_port = htons(ports[t % TUPLE_PORTS]);
    }
}

/* The harness's own bind-before-connect from source (SO_REUSEADDR on). */
static int harness_connect_from(const struct sockaddr_storage *source, const struct sockaddr_storage *server)
{
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    require(fd != -1, "harness: socket: %s", sl_errno_name(errno));
    require(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                bind(fd, sa(source), sa_len(source)) == 0,
            "harness: cannot bind the source %s: %s", tl_str(source, 0), sl_errno_name(errno));
    require(connect(fd, sa(server), sa_len(server)) == 0, "harness: connect from %s to %s: %s", tl_str(source, 0),
            tl_str(server, 1), sl_errno_name(errno));
    return fd;
}

/* Which member of group->fds gets a connection from source (harness code only). */
static int landing_slot(const struct lab06_group *group, const struct sockaddr_storage *source)
{
    int slot;
    int client = harness_connect_from(source, &group->addr);
    int conn = harness_accept(group, &slot);

    reset_close(client);
    close(conn);
    return slot;
}

/*
 * reciprocal_scale(hash, n) is floor(n * hash / 2^32): the tuples of slot
 * `slot` out of `from` listeners have hash / 2^32 in [slot/from,
 * (slot+1)/from), so with `to` listeners they can only be in slots
 * lowest_slot() .. highest_slot(). Whatever the hash, exactly.
 */
static int lowest_slot(int slot, int from, int to)
{
    return slot * to / from;
}

static int highest_slot(int slot, int from, int to)
{
    return ((slot + 1) * to - 1) / from;
}

/* ------------------------------------------------------------------ */
/* Helpers: worker processes, seen through /proc                        */
/* ------------------------------------------------------------------ */

/* One field line of /proc/PID/FILE read into buf; false if it cannot be read. */
static bool read_proc_file(pid_t pid, const char *file, char *buf, size_t size)
{
    char path[64];
    FILE *f;
    bool ok;

    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    return ok;
}

/*
 * The system call a sleeping process is in, from /proc/PID/syscall
 * ("232 0x4 ..."): its number, -1 while it runs, -2 if the file cannot be
 * read (some kernels or sandboxes forbid it; the test then relies on the
 * process state alone).
 */
static long current_syscall(pid_t pid)
{
    char buf[256];
    long number;

    if (!read_proc_file(pid, "syscall", buf, sizeof buf))
        return -2;
    if (sscanf(buf, "%ld", &number) != 1)
        return -1; /* "running" */
    return number;
}

/* How many times the process went to sleep of its own accord (woken since: at least as many). */
static long voluntary_switches(pid_t pid)
{
    char path[64], line[256];
    long count = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    require(f != NULL, "harness: worker pid %d is gone (%s)", (int)pid, sl_errno_name(errno));
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &count) == 1)
            break;
    fclose(f);
    return count;
}

/* Does process pid hold a descriptor for the socket with this inode? */
static bool holds_socket(pid_t pid, uint64_t inode)
{
    char dir_path[64], target[64], want[64];
    struct dirent *e;
    bool found = false;
    DIR *dir;

    snprintf(dir_path, sizeof dir_path, "/proc/%d/fd", (int)pid);
    snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)inode);
    dir = opendir(dir_path);
    if (dir == NULL)
        return false;
    while (!found && (e = readdir(dir)) != NULL) {
        ssize_t n;
        if (e->d_name[0] == '.')
            continue;
        n = readlinkat(dirfd(dir), e->d_name, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            found = strcmp(target, want) == 0;
        }
    }
    closedir(dir);
    return found;
}

/* The system calls a worker of `model` sleeps in while it waits for a connection. */
static bool waiting_syscall(enum lab06_model model, long number)
{
    if (model == LAB06_BLOCKING_ACCEPT) {
#ifdef SYS_accept
        if (number == SYS_accept)
            return true;
#endif
        return number == SYS_accept4;
    }
#ifdef SYS_epoll_wait
    if (number == SYS_epoll_wait)
        return true;
#endif
#ifdef SYS_epoll_pwait2
    if (number == SYS_epoll_pwait2)
        return true;
#endif
    return number == SYS_epoll_pwait;
}

/*
 * Wait until every worker sleeps in the model's waiting call: the
 * workers are then all idle, which is what "light load" means here.
 */
static void wait_workers_idle(const struct lab06_workers *workers, enum lab06_model model)
{
    long long deadline = sl_now_ms() + IDLE_TIMEOUT_MS;
    const char *waiting_in = model == LAB06_BLOCKING_ACCEPT ? "accept()" : "epoll_wait()";

    for (int k = 0; k < workers->count; k++) {
        for (;;) {
            char state = tl_process_state(workers->pids[k]);
            long number = current_syscall(workers->pids[k]);
            require(state != 0 && state != 'Z', "worker %d (pid %d) has ended", k, (int)workers->pids[k]);
            if (state == 'S' && (number == -2 || waiting_syscall(model, number)))
                break;
            require(sl_now_ms() < deadline,
                    "worker %d (pid %d) does not go to sleep in %s: after %d ms it is in state %c, "
                    "system call %ld",
                    k, (int)workers->pids[k], waiting_in, IDLE_TIMEOUT_MS, state, number);
            usleep(100);
        }
    }
}

/*
 * Start the student's workers on listener and check they are what they
 * claim: n distinct, living children of the process that called
 * lab06_workers_start(). That is the subject (harness/subject.h), which
 * runs the student's code for this test and shares its descriptors, so
 * the workers share the listener with this process too; a worker that
 * returns from lab06_workers_start() instead of ending is stopped there.
 */
static void start_n_workers(int listener, int n, enum lab06_model model, struct lab06_workers *workers)
{
    char call[96];

    snprintf(call, sizeof call, "lab06_workers_start(n = %d, %s)", n,
             model == LAB06_EPOLL ? "LAB06_EPOLL" : "LAB06_BLOCKING_ACCEPT");
    memset(workers, 0, sizeof *workers);
    int result = lab06_workers_start(listener, n, model, workers);
    require_exactly(result, errno, 0, call);
    require(workers->count == n, "%s set workers->count to %d", call, workers->count);
    for (int k = 0; k < n; k++) {
        char state = tl_process_state(workers->pids[k]);
        require(workers->pids[k] > 0 && state != 0 && state != 'Z' &&
                    tl_parent_of(workers->pids[k]) == sj_subject_pid(),
                "workers->pids[%d] = %d is not a living child of the process that called lab06_workers_start",
                k, (int)workers->pids[k]);
        for (int j = 0; j < k; j++)
            require(workers->pids[j] != workers->pids[k], "workers %d and %d have the same pid %d", j, k,
                    (int)workers->pids[k]);
    }
}

static void start_workers(int listener, enum lab06_model model, struct lab06_workers *workers)
{
    start_n_workers(listener, WORKERS, model, workers);
}

/*
 * Stop the student's workers and check that none is left, not even a
 * zombie. They are the subject's children, not this process's: the kernel
 * says whether each is gone (reaped), a zombie, or still running.
 */
static void stop_workers(struct lab06_workers *workers)
{
    pid_t pids[LAB06_MAX_WORKERS];
    int n = workers->count;

    memcpy(pids, workers->pids, sizeof pids);
    int result = lab06_workers_stop(workers);
    require_exactly(result, errno, 0, "lab06_workers_stop");
    for (int k = 0; k < n; k++) {
        if (tl_process_state(pids[k]) == 0)
            continue;
        /* Still there: it may be ending right now. Watch it a moment to
         * say which mistake it is. */
        long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS / 4;
        char state;
        while ((state = tl_process_state(pids[k])) != 0 && state != 'Z' && sl_now_ms() < deadline)
            usleep(1000);
        ck_abort_msg("after lab06_workers_stop, worker %d (pid %d) %s", k, (int)pids[k],
                     state == 'Z'   ? "was a zombie nobody had waited for: waitpid() each worker"
                     : state == 0 ? "had not ended yet when lab06_workers_stop returned: waitpid() each worker"
                                  : "is still running: kill() each worker with SIGTERM");
    }
    require(workers->count == 0, "lab06_workers_stop left workers->count at %d", workers->count);
}

/*
 * The server's end of the connection whose client end is `client`, once a
 * worker has accepted it (the kernel gives a socket an inode when it gets a
 * descriptor, at accept()). Returns the inode.
 */
static uint64_t accepted_inode(int listener, int client)
{
    struct sockaddr_storage local, server;
    socklen_t len = sizeof local;
    long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS;

    require_harness(getsockname(client, (struct sockaddr *)&local, &len) == 0);
    len = sizeof server;
    require_harness(getsockname(listener, (struct sockaddr *)&server, &len) == 0);
    struct sl_diag_filter server_end = {
        .family = AF_INET,
        .states = SL_DIAG_STATE(TCP_ESTABLISHED),
        .local_port = sl_addr_port(sa(&server)),
        .remote_port = sl_addr_port(sa(&local)),
    };
    for (;;) {
        struct sl_diag_socket k;
        int n = sl_diag_list(&server_end, &k, 1);
        require(n != -1, "harness: sock_diag: %s", sl_errno_name(errno));
        if (n == 1 && k.inode != 0)
            return k.inode;
        require(sl_now_ms() < deadline, "no worker accepted a connection within %d ms", ACCEPT_TIMEOUT_MS);
        usleep(100);
    }
}

/*
 * The worker holding the connection with this inode. accept() gives the
 * socket its inode a moment before the new descriptor appears in the
 * worker's table: look again until it does (bounded).
 */
static int owner_of(const struct lab06_workers *workers, uint64_t inode)
{
    long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS;

    for (;;) {
        for (int k = 0; k < workers->count; k++)
            if (holds_socket(workers->pids[k], inode))
                return k;
        require(sl_now_ms() < deadline, "a connection was accepted, but by none of the workers");
        usleep(100);
    }
}

/* Wait until worker pid no longer holds the connection (it read the reset, or the end, and closed it). */
static void wait_released_because(pid_t pid, uint64_t inode, const char *because)
{
    long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS;

    while (holds_socket(pid, inode)) {
        require(sl_now_ms() < deadline,
                "the worker did not close a connection %s within %d ms: read until read() returns 0 (the client "
                "closed) or -1 (it reset), then close()",
                because, ACCEPT_TIMEOUT_MS);
        usleep(100);
    }
}

static void wait_released(pid_t pid, uint64_t inode)
{
    wait_released_because(pid, inode, "the client had reset");
}

/*
 * Light load: connections one at a time, each made when every worker is
 * idle. counts[k] = connections worker k accepted (found through the
 * descriptor tables, not asked); *extra_wakeups = how often a worker that
 * did NOT get the connection woke up meanwhile; *listener_flags = the
 * shared listener's file status flags once the workers started.
 */
static void run_light_load(enum lab06_model model, long *counts, long *extra_wakeups, int *listener_flags)
{
    struct sockaddr_storage server;
    struct lab06_workers workers;
    int listener = tl_listener(AF_INET, &server);

    start_workers(listener, model, &workers);
    /* The workers share this open socket with us, its flags too. */
    *listener_flags = fcntl(listener, F_GETFL);
    *extra_wakeups = 0;
    for (int c = 0; c < SHARED_CONNECTIONS; c++) {
        long before[WORKERS];

        wait_workers_idle(&workers, model);
        for (int k = 0; k < WORKERS; k++)
            before[k] = voluntary_switches(workers.pids[k]);
        int client = connect_client(&server);
        uint64_t inode = accepted_inode(listener, client);
        int owner = owner_of(&workers, inode);
        counts[owner]++;
        reset_close(client);
        wait_released(workers.pids[owner], inode);
        wait_workers_idle(&workers, model);
        for (int k = 0; k < WORKERS; k++)
            if (k != owner)
                *extra_wakeups += voluntary_switches(workers.pids[k]) - before[k];
    }
    stop_workers(&workers);
    close(listener);
}

/* "30 30 30 30" for a failure message. */
static const char *counts_text(const long *counts, int n)
{
    static char text[256];
    size_t used = 0;

    text[0] = '\0';
    for (int i = 0; i < n && used < sizeof text; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%ld", i ? " " : "", counts[i]);
    return text;
}

/* ------------------------------------------------------------------ */
/* Helpers: the student's processes, in step 5's error cases            */
/* ------------------------------------------------------------------ */

/* The children of process parent, alive or zombies (from /proc): at most max in pids[]; returns how many. */
static int children_of(pid_t parent, pid_t *pids, int max)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    int count = 0;

    if (proc == NULL)
        return 0;
    while ((e = readdir(proc)) != NULL) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || tl_parent_of(pid) != parent)
            continue;
        if (count < max)
            pids[count] = pid;
        count++;
    }
    closedir(proc);
    return count;
}

/*
 * Runs in the subject (through sj_call, as a proxy does): SIGKILL every
 * child of the subject and reap it, until none is left. It is the
 * harness's code, but it runs in the student's process, so nothing it
 * reports is trusted: a test that needs the children gone checks /proc.
 */
static long run_end_children(const union sj_value *args)
{
    (void)args;
    for (int round = 0; round < 10; round++) {
        pid_t pids[256];
        int n = children_of(getpid(), pids, 256);

        if (n == 0)
            break;
        for (int i = 0; i < n && i < 256; i++)
            kill(pids[i], SIGKILL);
        for (int i = 0; i < n && i < 256; i++)
            while (waitpid(pids[i], NULL, 0) == -1 && errno == EINTR)
                continue;
    }
    return 0;
}

/*
 * End every process the student's code started in this test, and reap
 * them: found in /proc, never taken from a struct lab06_workers the
 * student's code filled in (a wrong pid there must not make the harness
 * signal a process that is not the test's).
 */
static void end_student_processes(void)
{
    sj_call("the harness's clean-up (ending the workers)", run_end_children, 0);
}

/* After a call that must have started nobody (or ended what it started): no child of its process is left. */
static void require_no_workers_left(const char *call)
{
    pid_t left[2 * LAB06_MAX_WORKERS];
    int n = children_of(sj_subject_pid(), left, 2 * LAB06_MAX_WORKERS);

    if (n != 0) {
        char state = tl_process_state(left[0]);
        end_student_processes();
        ck_abort_msg("%s returned -1 but left %d process(es) behind (pid %d, %s): on failure start nobody, or "
                     "kill() and waitpid() the workers already started before returning",
                     call, n, (int)left[0], state == 'Z' ? "a zombie nobody reaped" : "still running");
    }
}

/*
 * Process pid as /proc/PID/stat has it: its state letter ('Z' a zombie,
 * 'T' stopped, 0 no such process) and, for a zombie, the status its parent
 * would get from waitpid() (the 52nd field, exit_code). The test cannot
 * waitpid() the student's workers (they are the subject's children).
 */
static char process_status(pid_t pid, int *wait_status)
{
    char path[64], buf[2048];
    FILE *f;
    size_t n;

    *wait_status = -1;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return 0;
    char state = p[2];
    /* After ") " come fields 3, 4, ...: skip to field 52. */
    p += 2;
    for (int field = 3; field < 52 && p != NULL; field++) {
        p = strchr(p, ' ');
        if (p != NULL)
            p++;
    }
    *wait_status = p != NULL ? atoi(p) : -1;
    return state;
}

/*
 * Wait (at most timeout_ms) for process pid to end. Returns its wait status
 * once it is a zombie; -1 when it is still running at the deadline; -2 when
 * it is gone (someone reaped it).
 */
static int await_end(pid_t pid, int timeout_ms)
{
    long long deadline = sl_now_ms() + timeout_ms;

    for (;;) {
        int status;
        char state = process_status(pid, &status);
        if (state == 0)
            return -2;
        if (state == 'Z')
            return status;
        if (sl_now_ms() >= deadline)
            return -1;
        usleep(1000);
    }
}

/* How a process ended, for messages: "exit status 2", "signal 13 (Broken pipe)". */
static const char *describe_status(int status)
{
    static char text[64];

    if (WIFEXITED(status))
        snprintf(text, sizeof text, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, sizeof text, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(text, sizeof text, "wait status %#x", status);
    return text;
}

/*
 * After `situation`, which the contract calls normal life (accept()'s
 * EINTR, EAGAIN or ECONNABORTED, epoll_wait()'s EINTR), every worker must
 * still be there, and go back to sleep in the model's waiting call.
 */
static void require_workers_carry_on(const struct lab06_workers *workers, enum lab06_model model,
                                     const char *situation)
{
    long long deadline = sl_now_ms() + IDLE_TIMEOUT_MS;

    for (int k = 0; k < workers->count; k++) {
        for (;;) {
            int status;
            char state = process_status(workers->pids[k], &status);
            long number = current_syscall(workers->pids[k]);
            require(state != 0 && state != 'Z',
                    "worker %d (pid %d) ended (%s) after %s: that is not a failure for good, the worker must wait "
                    "again (only accept() errors other than EAGAIN, EINTR and ECONNABORTED, or epoll_wait() errors "
                    "other than EINTR, end a worker)",
                    k, (int)workers->pids[k], state == 'Z' ? describe_status(status) : "and was reaped", situation);
            if (state == 'S' && (number == -2 || waiting_syscall(model, number)))
                break;
            require(sl_now_ms() < deadline,
                    "worker %d (pid %d) does not go back to sleep in %s after %s: after %d ms it is in state %c, "
                    "system call %ld",
                    k, (int)workers->pids[k], model == LAB06_BLOCKING_ACCEPT ? "accept()" : "epoll_wait()",
                    situation, IDLE_TIMEOUT_MS, state, number);
            usleep(100);
        }
    }
}

/*
 * One connection from 127.0.0.2 to the workers' listener on 127.0.0.1,
 * accepted by a worker (found through its descriptor table), then reset
 * by the client and released by the worker. Returns the worker's index.
 */
static int serve_one(int listener, const struct lab06_workers *workers, const char *situation)
{
    struct sockaddr_storage server = tl_local_address(listener, "the workers' listener");
    struct sockaddr_storage target;

    /* The listener may be on the wildcard address: connect to 127.0.0.1. */
    address("127.0.0.1", sl_addr_port(sa(&server)), &target);
    int client = connect_client_from("127.0.0.2", &target);
    long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS;
    struct sl_diag_socket k;
    struct sockaddr_storage local = tl_local_address(client, "the test's client");
    struct sl_diag_filter server_end = {
        .family = AF_INET,
        .states = SL_DIAG_STATE(TCP_ESTABLISHED),
        .local_port = sl_addr_port(sa(&server)),
        .remote_port = sl_addr_port(sa(&local)),
    };
    for (;;) {
        int n = sl_diag_list(&server_end, &k, 1);
        require(n != -1, "harness: sock_diag: %s", sl_errno_name(errno));
        if (n == 1 && k.inode != 0)
            break;
        require(sl_now_ms() < deadline, "no worker accepted a connection within %d ms %s", ACCEPT_TIMEOUT_MS,
                situation);
        usleep(100);
    }
    int owner = owner_of(workers, k.inode);
    reset_close(client);
    wait_released(workers->pids[owner], k.inode);
    return owner;
}

/*
 * In this process (the judge; the children run no Check code): with
 * RLIMIT_NPROC soft limit `limit`, how many of up to `most` forks work?
 * The limit counts the user's processes, which the subject shares, so the
 * subject with the same limit can fork as many. The children are ended and
 * reaped before this returns.
 */
static int forks_allowed(rlim_t limit, int most)
{
    struct rlimit saved, lower;
    pid_t kids[16];
    int n = 0;

    require_harness(getrlimit(RLIMIT_NPROC, &saved) == 0);
    lower = saved;
    lower.rlim_cur = limit;
    require_harness(setrlimit(RLIMIT_NPROC, &lower) == 0);
    while (n < most && n < 16) {
        pid_t pid = fork();
        if (pid == -1)
            break;
        if (pid == 0)
            for (;;)
                pause();
        kids[n++] = pid;
    }
    require_harness(setrlimit(RLIMIT_NPROC, &saved) == 0);
    for (int i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < n; i++)
        while (waitpid(kids[i], NULL, 0) == -1 && errno == EINTR)
            continue;
    return n;
}

/* How many tasks (threads included) run with real uid `uid`: what RLIMIT_NPROC counts. */
static int tasks_of_user(uid_t uid)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    int count = 0;

    require(proc != NULL, "harness: cannot read /proc");
    while ((e = readdir(proc)) != NULL) {
        char path[300], line[256];
        unsigned real = 0;
        int threads = 0, found = 0;
        FILE *f;

        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        while (fgets(line, sizeof line, f) != NULL) {
            found += sscanf(line, "Uid: %u", &real) == 1;
            found += sscanf(line, "Threads: %d", &threads) == 1;
        }
        fclose(f);
        if (found == 2 && real == uid)
            count += threads;
    }
    closedir(proc);
    return count;
}

/*
 * Let the subject fork exactly `forks` more processes (RLIMIT_NPROC); false
 * when that cannot be arranged (an ordinary user's other processes keep
 * coming and going). The subject must be running already: it counts.
 */
static bool limit_forks(int forks, const struct rlimit *saved)
{
    struct rlimit lower = *saved;
    rlim_t base = (rlim_t)tasks_of_user(getuid());

    for (int attempt = 0; attempt < 3; attempt++) {
        lower.rlim_cur = base + (rlim_t)forks;
        if (lower.rlim_cur > saved->rlim_max)
            return false;
        int done = forks_allowed(lower.rlim_cur, forks + 2);
        if (done == forks) {
            require_harness(sj_setrlimit(RLIMIT_NPROC, &lower) == 0);
            return true;
        }
        /* Other processes of this user came or went: count again. */
        base = base + (rlim_t)forks - (rlim_t)done;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Helpers: step 7, in a network namespace of the test's own            */
/* ------------------------------------------------------------------ */

#define MIGRATE_SYSCTL "/proc/sys/net/ipv4/tcp_migrate_req"

/*
 * Is this process in a network namespace made for it, not in the runner's
 * (our parent's)? Where the runner's /proc/PID/ns/net can be looked at,
 * compare the two. Mostly it cannot: the runner is not dumpable, and this
 * test runs as another user, root only of a user namespace of its own.
 * Then ask the namespace itself: one made for this test belongs to the
 * user namespace made with it, the one this test runs in, and that is not
 * the machine's first user namespace (whose uid_map is the identity
 * "0 0 4294967295"), to which the machine's network namespace belongs.
 */
static bool in_own_network_namespace(void)
{
    char parent_path[64];
    struct stat owner, ours, parents;
    unsigned inside = 1, outside = 1, count = 0;
    bool own = false;

    snprintf(parent_path, sizeof parent_path, "/proc/%d/ns/net", (int)getppid());
    if (stat("/proc/self/ns/net", &ours) == 0 && stat(parent_path, &parents) == 0)
        return ours.st_dev != parents.st_dev || ours.st_ino != parents.st_ino;

    int net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int owner_fd = net == -1 ? -1 : ioctl(net, NS_GET_USERNS);
    if (owner_fd != -1 && fstat(owner_fd, &owner) == 0 && stat("/proc/self/ns/user", &ours) == 0)
        own = owner.st_dev == ours.st_dev && owner.st_ino == ours.st_ino;
    if (owner_fd != -1)
        close(owner_fd);
    if (net != -1)
        close(net);
    FILE *map = fopen("/proc/self/uid_map", "r");
    if (map == NULL || fscanf(map, "%u %u %u", &inside, &outside, &count) != 3)
        own = false;
    if (map)
        fclose(map);
    return own && !(inside == 0 && outside == 0 && count == 4294967295u);
}

/*
 * Step 7 writes a sysctl. The runner put this test in a fresh network
 * namespace; make sure of it before anything is written, and that the
 * kernel has the setting.
 */
static void require_private_namespace(void)
{
    require(in_own_network_namespace(),
            "harness: this test is not in a network namespace of its own; it will not write %s", MIGRATE_SYSCTL);
    if (access(MIGRATE_SYSCTL, F_OK) != 0)
        grade_skip("this kernel has no net.ipv4.tcp_migrate_req (it came in Linux 5.14)");
}

static int read_migrate_setting(void)
{
    char buf[16] = "";
    FILE *f = fopen(MIGRATE_SYSCTL, "r");

    require(f != NULL, "harness: cannot read %s: %s", MIGRATE_SYSCTL, sl_errno_name(errno));
    require_harness(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    return atoi(buf);
}

static void write_migrate_setting(const char *value)
{
    require(kit_write_text_file(MIGRATE_SYSCTL, value) == 0, "harness: cannot write %s: %s", MIGRATE_SYSCTL,
            sl_errno_name(errno));
}

/* QUEUED clients, each of which sent one byte, all waiting in the group's queues. */
static void queue_clients(const struct lab06_group *group, int *clients, long *queue)
{
    for (int i = 0; i < QUEUED; i++) {
        clients[i] = connect_client(&group->addr);
        require(write(clients[i], "x", 1) == 1, "harness: write: %s", sl_errno_name(errno));
    }
    wait_queued(group, QUEUED, queue);
}

/*
 * Accept everything the survivors hold, checking each connection still
 * has its client's byte. Returns how many.
 */
static long accept_survivors(const struct lab06_group *group)
{
    long queue[LAB06_MAX_LISTENERS];
    long waiting = accept_queues(group, queue);
    long accepted = 0;

    for (long i = 0; i < waiting; i++) {
        int slot;
        char byte;
        int conn = harness_accept(group, &slot);
        require(sl_wait_readable(conn, ACCEPT_TIMEOUT_MS) == 1 && recv(conn, &byte, 1, 0) == 1 && byte == 'x',
                "a connection a survivor accepted has lost the byte its client sent");
        close(conn);
        accepted++;
    }
    require(accept_queues(group, queue) == 0, "harness: connections still wait after accepting %ld", accepted);
    return accepted;
}

/*
 * What each client saw once every connection was accepted and closed, or
 * reset: returns how many were reset (ECONNRESET); the others read EOF.
 */
static long count_resets(const int *clients)
{
    long resets = 0;

    for (int i = 0; i < QUEUED; i++) {
        char byte;
        require(sl_wait_readable(clients[i], ACCEPT_TIMEOUT_MS) == 1,
                "client %d heard nothing from the server: neither closed nor reset", i);
        ssize_t n = recv(clients[i], &byte, 1, 0);
        if (n == -1 && errno == ECONNRESET)
            resets++;
        else
            require(n == 0, "client %d: recv returned %zd (%s), expected EOF or ECONNRESET", i, n,
                    n == -1 ? sl_errno_name(errno) : "data");
        close(clients[i]);
    }
    return resets;
}

/* ------------------------------------------------------------------ */
/* Step 1: The group, in the kernel's order                             */
/* ------------------------------------------------------------------ */

static void test_group_shares_one_port(void)
{
    struct lab06_group group;
    struct sockaddr_storage addr;
    struct sl_diag_socket listeners[8];
    socklen_t len;

    require_harness(sl_addr_parse("127.0.0.1", 0, &addr, &len) == 0);
    memset(&group, 0xAA, sizeof group);
    int result = lab06_group_open(&group, sa(&addr), len, GROUP_SIZE, BACKLOG);
    require_exactly(result, errno, 0, "lab06_group_open(127.0.0.1:0, n = 4)");
    require(group.count == GROUP_SIZE, "group.count is %d, expected %d", group.count, GROUP_SIZE);
    require(sl_addr_port(sa(&group.addr)) != 0,
            "group.addr still has port 0: write back the port the kernel picked (getsockname)");

    int n = kernel_listeners(&group, listeners, 8);
    require(n == GROUP_SIZE, "the kernel lists %d LISTEN sockets on %s, expected %d", n, tl_str(&group.addr, 0),
            GROUP_SIZE);
    for (int i = 0; i < GROUP_SIZE; i++) {
        struct sl_diag_socket k = tl_kernel_view(group.fds[i], "a group member");
        require(k.state == SL_LISTEN && sl_addr_equal(sa(&k.local), sa(&group.addr)),
                "group.fds[%d] is %s on %s; expected LISTEN on %s", i, sl_state_linux_name(k.state),
                tl_str(&k.local, 0), tl_str(&group.addr, 1));
        require(socket_option(group.fds[i], SOL_SOCKET, SO_REUSEPORT) == 1, "group.fds[%d] does not have SO_REUSEPORT",
                i);
        for (int j = 0; j < i; j++)
            require(group.fds[i] != group.fds[j], "group.fds[%d] and [%d] are the same descriptor", j, i);
    }

    /* Every member gets connections: the group really is one group. */
    long counts[GROUP_SIZE] = { 0 };
    for (int c = 0; c < 64; c++) {
        int slot;
        int client = connect_client(&group.addr);
        int conn = harness_accept(&group, &slot);
        counts[slot]++;
        close(conn);
        reset_close(client);
    }
    for (int i = 0; i < GROUP_SIZE; i++)
        require(counts[i] > 0, "member %d got none of 64 connections (%s)", i, counts_text(counts, GROUP_SIZE));
    close_group(&group);
}

/*
 * Let the process open only `room` more descriptors: RLIMIT_NOFILE's soft
 * limit just above the room-th free descriptor number (a new descriptor
 * always takes the lowest free number). Set in the subject too
 * (sj_setrlimit), where the student's code opens them in the descriptor
 * table it shares with this process.
 */
static void limit_fd_room(int room, struct rlimit *saved)
{
    struct rlimit lower;
    int fd = -1;

    require_harness(getrlimit(RLIMIT_NOFILE, saved) == 0);
    while (room > 0) {
        fd++;
        if (!tl_fd_is_open(fd))
            room--;
    }
    lower = *saved;
    lower.rlim_cur = (rlim_t)fd + 1;
    require_harness(sj_setrlimit(RLIMIT_NOFILE, &lower) == 0);
}

static void test_group_all_or_nothing(void)
{
    struct lab06_group group;
    struct sockaddr_storage addr, taken;
    struct rlimit saved;
    socklen_t len;

    require_harness(sl_addr_parse("127.0.0.1", 0, &addr, &len) == 0);
    int result = lab06_group_open(&group, sa(&addr), len, 2, BACKLOG);
    require_success(result, errno, "lab06_group_open(127.0.0.1:0, n = 2)");
    close_group(&group);

    /* A port held by a listener without SO_REUSEPORT cannot be joined. */
    int plain = tl_listener(AF_INET, &taken);
    int before = tl_open_fd_count();
    result = lab06_group_open(&group, sa(&taken), sa_len(&taken), 3, BACKLOG);
    int err = errno;
    require_failure(result, err, EADDRINUSE, "lab06_group_open on a port a plain listener holds");
    require(tl_open_fd_count() == before, "a failed lab06_group_open left %d descriptor(s) open",
            tl_open_fd_count() - before);
    close(plain);

    /* Room for 2 sockets only: the 3rd member fails, the first 2 must go. */
    before = tl_open_fd_count();
    limit_fd_room(2, &saved);
    result = lab06_group_open(&group, sa(&addr), len, 3, BACKLOG);
    err = errno;
    require_harness(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0);
    require_failure(result, err, EMFILE, "lab06_group_open(n = 3) with room for 2 descriptors");
    require(tl_open_fd_count() == before,
            "lab06_group_open failed at the 3rd member but left %d descriptor(s) open: close the others",
            tl_open_fd_count() - before);

    result = lab06_group_open(&group, sa(&addr), len, 0, BACKLOG);
    require_failure(result, errno, EINVAL, "lab06_group_open(n = 0)");
    result = lab06_group_open(&group, sa(&addr), len, LAB06_MAX_LISTENERS + 1, BACKLOG);
    require_failure(result, errno, EINVAL, "lab06_group_open(n = LAB06_MAX_LISTENERS + 1)");
}

/*
 * Each call of lab06_join failing in turn, through a fault (faults.h) or a
 * real condition: -1 with that call's errno, and no descriptor left open.
 */
static void test_join_failures(void)
{
    struct sockaddr_storage addr, asked;
    struct open_fds before;
    static const struct {
        enum fault_call call;
        int err;
        const char *what;
    } failing[] = {
        { FC_SETSOCKOPT, ENOPROTOOPT, "lab06_join when setsockopt(SO_REUSEPORT) fails with ENOPROTOOPT" },
        { FC_LISTEN, EADDRINUSE, "lab06_join when listen() fails with EADDRINUSE" },
        { FC_GETSOCKNAME, ENOBUFS, "lab06_join when getsockname() fails with ENOBUFS" },
    };

    /* It works first, on 127.0.0.2: a listener, and *addr holds its port. */
    address("127.0.0.2", 0, &addr);
    int member = lab06_join(&addr, BACKLOG);
    require_success(member, errno, "lab06_join(127.0.0.2:0)");
    struct sl_diag_socket k = tl_kernel_view(member, "the descriptor lab06_join returned");
    require(k.state == SL_LISTEN && sl_addr_port(sa(&addr)) != 0 && sl_addr_equal(sa(&k.local), sa(&addr)),
            "lab06_join returned a socket that is %s on %s, and wrote %s into *addr: expected LISTEN, and the "
            "address the kernel gave it (getsockname()) in *addr",
            sl_state_linux_name(k.state), tl_str(&k.local, 0), tl_str(&addr, 1));
    close(member);

    /* An address of another family (AF_UNIX): no socket at all. */
    memset(&asked, 0, sizeof asked);
    asked.ss_family = AF_UNIX;
    snapshot_fds(&before);
    int result = lab06_join(&asked, BACKLOG);
    require_clean_failure(result, errno, EAFNOSUPPORT, &before,
                          "lab06_join on an AF_UNIX address (neither AF_INET nor AF_INET6)");

    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        address("127.0.0.2", 0, &asked);
        snapshot_fds(&before);
        fault_clear();
        fault_fail(failing[i].call, 0, failing[i].err);
        result = lab06_join(&asked, BACKLOG);
        int err = errno;
        fault_clear();
        require_clean_failure(result, err, failing[i].err, &before, failing[i].what);
    }
}

/*
 * The smallest and the largest group, on the wildcard address, with len
 * the size of a whole struct sockaddr_storage (as many callers pass it):
 * exactly 0, n members in the kernel, and connections from 127.0.0.2 to
 * 127.0.0.3 reach them.
 */
static void test_group_sizes(void)
{
    static const int sizes[] = { 1, LAB06_MAX_LISTENERS };
    struct sl_diag_socket listeners[2 * LAB06_MAX_LISTENERS];
    struct sockaddr_storage any, target;
    struct lab06_group group;

    address("0.0.0.0", 0, &any);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        char call[96];

        snprintf(call, sizeof call, "lab06_group_open(0.0.0.0:0, len = sizeof(struct sockaddr_storage), n = %d)", n);
        memset(&group, 0xAA, sizeof group);
        int result = lab06_group_open(&group, sa(&any), sizeof any, n, BACKLOG);
        require_exactly(result, errno, 0, call);
        require(group.count == n, "after %s group.count is %d", call, group.count);
        int listed = kernel_listeners(&group, listeners, 2 * LAB06_MAX_LISTENERS);
        require(listed == n, "after %s the kernel lists %d LISTEN sockets on %s, expected %d", call, listed,
                tl_str(&group.addr, 0), n);
        for (int i = 0; i < n; i++) {
            struct sl_diag_socket k = tl_kernel_view(group.fds[i], "a group member");
            require(k.state == SL_LISTEN && sl_addr_equal(sa(&k.local), sa(&group.addr)),
                    "after %s group.fds[%d] is %s on %s; expected LISTEN on %s", call, i, sl_state_linux_name(k.state),
                    tl_str(&k.local, 0), tl_str(&group.addr, 1));
        }
        address("127.0.0.3", sl_addr_port(sa(&group.addr)), &target);
        for (int c = 0; c < 4; c++) {
            int slot;
            int client = connect_client_from("127.0.0.2", &target);
            int conn = harness_accept(&group, &slot);
            require(n > 1 || slot == 0, "harness: a group of one accepted in slot %d", slot);
            close(conn);
            reset_close(client);
        }
        close_group(&group);
    }
}

/* ------------------------------------------------------------------ */
/* Step 2: Which listener took the connection                           */
/* ------------------------------------------------------------------ */

static void test_accept_names_the_listener(void)
{
    /* A group of 4 on 127.0.0.1, then a full one (LAB06_MAX_LISTENERS) on
     * 127.0.0.3 with clients on 127.0.0.2. */
    static const int sizes[] = { GROUP_SIZE, LAB06_MAX_LISTENERS };
    struct lab06_group group;

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        if (s == 0)
            harness_group(&group, n);
        else
            harness_group_on(&group, "127.0.0.3", n);
        for (int c = 0; c < 16; c++) {
            long queue[LAB06_MAX_LISTENERS];
            int slot = -1, kernel_slot = -1;
            int client = s == 0 ? connect_client(&group.addr) : connect_client_from("127.0.0.2", &group.addr);

            /* The kernel's answer first: whose accept queue holds it. */
            wait_queued(&group, 1, queue);
            for (int i = 0; i < n; i++)
                if (queue[i] == 1)
                    kernel_slot = i;

            int conn = lab06_group_accept(&group, ACCEPT_TIMEOUT_MS, &slot);
            require_success(conn, errno, "lab06_group_accept");
            require(slot == kernel_slot,
                    "in a group of %d, connection %d waited in the queue of member %d, but lab06_group_accept says "
                    "slot %d",
                    n, c, kernel_slot, slot);
            struct sl_diag_socket k = tl_kernel_view(conn, "the descriptor lab06_group_accept returned");
            struct sl_diag_socket mine = tl_kernel_view(client, "the test's client");
            require(k.state == SL_ESTABLISHED && sl_addr_equal(sa(&k.remote), sa(&mine.local)),
                    "lab06_group_accept returned a socket that is %s with %s, not the server's end of the "
                    "client %s",
                    sl_state_linux_name(k.state), tl_str(&k.remote, 0), tl_str(&mine.local, 1));
            require(accept_queues(&group, queue) == 0, "the connection is still waiting in a queue");
            close(conn);
            reset_close(client);
        }
        close_group(&group);
    }
}

static void test_accept_times_out(void)
{
    struct lab06_group group;
    int slot = -1;

    harness_group(&group, 2);
    int client = connect_client(&group.addr);
    int conn = lab06_group_accept(&group, ACCEPT_TIMEOUT_MS, &slot);
    require_success(conn, errno, "lab06_group_accept");
    close(conn);
    reset_close(client);

    /* Nobody connects: ETIMEDOUT, nothing opened, *slot untouched. */
    slot = -7;
    int before = tl_open_fd_count();
    conn = lab06_group_accept(&group, 50, &slot);
    int err = errno;
    require(tl_open_fd_count() == before, "lab06_group_accept opened a descriptor although nobody connected");
    require_failure(conn, err, ETIMEDOUT, "lab06_group_accept with no connection coming");
    require(slot == -7, "a failed lab06_group_accept changed *slot to %d", slot);
    close_group(&group);
}

/*
 * In the subject: fill the stack below this frame with a[0]'s 8 bytes, as
 * an earlier call may have left it. A pollfd the student's function reads
 * without having filled it then has every revents bit set (POLLIN too)
 * instead of zeros.
 */
static long __attribute__((noinline)) run_paint_stack(const union sj_value *a)
{
    volatile uint64_t area[8192];
    uint64_t pattern;

    memcpy(&pattern, a[0].p, sizeof pattern);
    for (size_t i = 0; i < sizeof area / sizeof area[0]; i++)
        area[i] = pattern;
    return (long)(area[0] & 0);
}

/*
 * poll() failing, accept() failing, and a member that is not a listening
 * socket: -1 with the promised errno, *slot untouched, nothing opened; the
 * connection that was waiting is still there for the next call.
 */
static void test_accept_errors(void)
{
    struct lab06_group group, broken;
    struct open_fds before;
    long queue[2];
    int slot;

    harness_group_on(&group, "127.0.0.3", 2);
    int client = connect_client_from("127.0.0.2", &group.addr);
    wait_queued(&group, 1, queue);

    static const struct {
        enum fault_call call;
        int err;
        const char *what;
    } failing[] = {
        { FC_POLL, ENOMEM, "lab06_group_accept when poll() fails with ENOMEM" },
        { FC_ACCEPT, ECONNABORTED, "lab06_group_accept when accept() fails with ECONNABORTED" },
    };
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        slot = -7;
        snapshot_fds(&before);
        fault_clear();
        fault_fail(failing[i].call, 0, failing[i].err);
        int conn = lab06_group_accept(&group, ACCEPT_TIMEOUT_MS, &slot);
        int err = errno;
        fault_clear();
        require_clean_failure(conn, err, failing[i].err, &before, failing[i].what);
        require(slot == -7, "%s changed *slot to %d: leave it alone on failure", failing[i].what, slot);
    }

    /* Nothing was taken: the connection still waits, and is accepted now. */
    int kernel_slot = queue[0] == 1 ? 0 : 1;
    int conn = lab06_group_accept(&group, ACCEPT_TIMEOUT_MS, &slot);
    require_success(conn, errno, "lab06_group_accept after two failed calls");
    require(slot == kernel_slot, "the connection waited in the queue of member %d, but lab06_group_accept says slot %d",
            kernel_slot, slot);
    close(conn);
    reset_close(client);

    /* A member that is no listener (a socket never bound): poll() reports
     * POLLHUP for it, not POLLIN. No connection anywhere: EIO at once. */
    broken = group;
    int stray = socket(AF_INET, SOCK_STREAM, 0);
    require_harness(stray != -1);
    broken.fds[1] = stray;
    slot = -7;
    uint64_t ones = ~(uint64_t)0;
    sj_call("the harness's stack filler", run_paint_stack, 1, SJ_IN(&ones, sizeof ones));
    snapshot_fds(&before);
    long long start = sl_now_ms();
    conn = lab06_group_accept(&broken, ACCEPT_TIMEOUT_MS, &slot);
    int err = errno;
    require_clean_failure(conn, err, EIO, &before,
                          "lab06_group_accept with a member that is not listening (poll(): POLLHUP, no POLLIN)");
    require(slot == -7, "a failed lab06_group_accept changed *slot to %d", slot);
    require(sl_now_ms() - start < ACCEPT_TIMEOUT_MS, "lab06_group_accept waited for the whole time limit although "
            "poll() had reported a member in error at once");
    close(stray);
    close_group(&group);
}

/* ------------------------------------------------------------------ */
/* Step 3: The same 4-tuple, the same listener                          */
/* ------------------------------------------------------------------ */

static void test_same_tuple_same_listener(void)
{
    enum { NTUPLES = 8, ROUNDS = 4 };
    struct sockaddr_storage source[NTUPLES];
    struct lab06_group group;
    int first_slot[NTUPLES];

    harness_group(&group, GROUP_SIZE);
    make_tuples(source, NTUPLES);
    for (int round = 0; round < ROUNDS; round++) {
        for (int t = 0; t < NTUPLES; t++) {
            int slot;
            int client = lab06_connect_from(sa(&source[t]), sa_len(&source[t]), sa(&group.addr), sa_len(&group.addr));
            require_success(client, errno, "lab06_connect_from(a free source address and port, the group)");
            struct sl_diag_socket k = tl_kernel_view(client, "the socket lab06_connect_from returned");
            require(k.state == SL_ESTABLISHED && sl_addr_equal(sa(&k.remote), sa(&group.addr)),
                    "the socket lab06_connect_from returned is %s to %s, not ESTABLISHED to %s",
                    sl_state_linux_name(k.state), tl_str(&k.remote, 0), tl_str(&group.addr, 1));
            require(sl_addr_equal(sa(&k.local), sa(&source[t])),
                    "asked for the source %s, the kernel shows %s: bind() the source (address AND port) "
                    "before connect(), or the 4-tuple is not the same",
                    tl_str(&source[t], 0), tl_str(&k.local, 1));
            int conn = harness_accept(&group, &slot);
            if (round == 0)
                first_slot[t] = slot;
            require(slot == first_slot[t],
                    "the 4-tuple %s -> %s landed on listener %d in round 1 and on listener %d in round %d",
                    tl_str(&source[t], 0), tl_str(&group.addr, 1), first_slot[t], slot, round + 1);
            reset_close(client);
            close(conn);
        }
    }
    close_group(&group);
}

/* Does the kernel list a socket from `from` to `to` (either end)? Returns its state, or -1. */
static int kernel_state_of(const struct sockaddr_storage *from, const struct sockaddr_storage *to)
{
    struct sl_diag_socket found[16];
    struct sl_diag_filter filter = {
        .family = AF_INET,
        .local_port = sl_addr_port(sa(from)),
        .remote_port = sl_addr_port(sa(to)),
    };
    int n = sl_diag_list(&filter, found, 16);

    require(n != -1, "harness: sock_diag: %s", sl_errno_name(errno));
    for (int i = 0; i < n && i < 16; i++)
        if (sl_addr_equal(sa(&found[i].local), sa(from)) && sl_addr_equal(sa(&found[i].remote), sa(to)))
            return found[i].linux_state;
    return -1;
}

static void test_reset_leaves_no_time_wait(void)
{
    struct sockaddr_storage source;
    struct lab06_group group;

    harness_group(&group, 2);
    make_tuples(&source, 1);
    for (int round = 0; round < 3; round++) {
        int slot;
        char byte;
        int client = lab06_connect_from(sa(&source), sa_len(&source), sa(&group.addr), sa_len(&group.addr));
        require_success(client, errno,
                        round == 0 ? "lab06_connect_from" : "lab06_connect_from again, on the same 4-tuple");
        int conn = harness_accept(&group, &slot);

        int result = lab06_close_reset(client);
        require_exactly(result, errno, 0, "lab06_close_reset");
        require(!tl_fd_is_open(client), "lab06_close_reset left the descriptor open");

        /* What the server's end saw: a reset, not a FIN. */
        require(sl_wait_readable(conn, ACCEPT_TIMEOUT_MS) == 1, "the server heard nothing after lab06_close_reset");
        ssize_t n = recv(conn, &byte, 1, 0);
        int err = errno;
        require(n == -1 && err == ECONNRESET,
                "after lab06_close_reset the server's read() returned %zd%s%s: expected -1 with ECONNRESET "
                "(set SO_LINGER with l_onoff 1 and l_linger 0 before close())",
                n, n == -1 ? " with " : " (EOF: the client sent FIN)", n == -1 ? sl_errno_name(err) : "");
        close(conn);

        int state = kernel_state_of(&source, &group.addr);
        require(state == -1, "after lab06_close_reset the client's end %s -> %s is still in the kernel, %s",
                tl_str(&source, 0), tl_str(&group.addr, 1), state > 0 ? sl_state_linux_name(state) : "");
        state = kernel_state_of(&group.addr, &source);
        require(state == -1, "after the reset the server's end is still in the kernel, %s",
                state > 0 ? sl_state_linux_name(state) : "");
    }
    int result = lab06_close_reset(-1);
    require_failure(result, errno, EBADF, "lab06_close_reset(-1)");
    close_group(&group);
}

static void test_source_port_after_time_wait(void)
{
    struct sockaddr_storage source, other;
    struct lab06_group group;
    char byte;

    harness_group(&group, 2);
    make_tuples(&source, 1);

    /* An earlier connection from the same source to another server, closed
     * by the client first: the client's end stays in TIME_WAIT (60 s). */
    int other_listener = tl_listener(AF_INET, &other);
    int earlier = harness_connect_from(&source, &other);
    int earlier_server = tl_accept(other_listener, ACCEPT_TIMEOUT_MS);
    close(earlier);
    require_harness(sl_wait_readable(earlier_server, ACCEPT_TIMEOUT_MS) == 1 && recv(earlier_server, &byte, 1, 0) == 0);
    close(earlier_server);
    struct sl_diag_filter time_wait = {
        .family = AF_INET,
        .states = SL_DIAG_STATE(TCP_TIME_WAIT),
        .local_port = sl_addr_port(sa(&source)),
        .remote_port = sl_addr_port(sa(&other)),
    };
    require(kit_diag_wait(&time_wait, ACCEPT_TIMEOUT_MS, NULL) == 1,
            "harness: the earlier connection did not reach TIME_WAIT");
    close(other_listener);

    int client = lab06_connect_from(sa(&source), sa_len(&source), sa(&group.addr), sa_len(&group.addr));
    int err = errno;
    require(!(client == -1 && err == EADDRINUSE),
            "lab06_connect_from(%s) failed with EADDRINUSE: a TIME_WAIT holds that source port; set "
            "SO_REUSEADDR before bind()",
            tl_str(&source, 0));
    require_success(client, err, "lab06_connect_from from a source port held by a TIME_WAIT");
    struct sl_diag_socket k = tl_kernel_view(client, "the socket lab06_connect_from returned");
    require(sl_addr_equal(sa(&k.local), sa(&source)), "the kernel shows the source %s, expected %s",
            tl_str(&k.local, 0), tl_str(&source, 1));
    int slot;
    int conn = harness_accept(&group, &slot);
    reset_close(client);
    close(conn);
    close_group(&group);
}

/*
 * Each call of lab06_connect_from failing in turn, client on 127.0.0.2
 * and server on 127.0.0.3: -1 with that call's errno, nothing left open.
 * Then lab06_close_reset on a descriptor that is no socket.
 */
static void test_connect_from_failures(void)
{
    struct sockaddr_storage source, server, held, refused;
    struct open_fds before;
    struct rlimit saved;
    int result, err;

    int listener = tl_bound_socket("127.0.0.3", &server);
    require_harness(listen(listener, BACKLOG) == 0);
    tl_free_port("127.0.0.2", &source);

    /* No descriptor left for the socket (RLIMIT_NOFILE): EMFILE. */
    snapshot_fds(&before);
    limit_fd_room(0, &saved);
    result = lab06_connect_from(sa(&source), sa_len(&source), sa(&server), sa_len(&server));
    err = errno;
    require_harness(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0);
    require_clean_failure(result, err, EMFILE, &before, "lab06_connect_from with no descriptor left (EMFILE)");

    /* setsockopt(SO_REUSEADDR) fails. */
    snapshot_fds(&before);
    fault_clear();
    fault_fail(FC_SETSOCKOPT, 0, ENOPROTOOPT);
    result = lab06_connect_from(sa(&source), sa_len(&source), sa(&server), sa_len(&server));
    err = errno;
    fault_clear();
    require_clean_failure(result, err, ENOPROTOOPT, &before,
                          "lab06_connect_from when setsockopt(SO_REUSEADDR) fails with ENOPROTOOPT");

    /* The source is a listener's address: bind() fails, SO_REUSEADDR or not. */
    int holder = tl_bound_socket("127.0.0.2", &held);
    require_harness(listen(holder, 1) == 0);
    snapshot_fds(&before);
    result = lab06_connect_from(sa(&held), sa_len(&held), sa(&server), sa_len(&server));
    err = errno;
    require_clean_failure(result, err, EADDRINUSE, &before,
                          "lab06_connect_from from a source address and port a listener holds (bind(): EADDRINUSE)");
    close(holder);

    /* Nobody listens on the server's port: connect() is refused. */
    tl_free_port("127.0.0.3", &refused);
    snapshot_fds(&before);
    result = lab06_connect_from(sa(&source), sa_len(&source), sa(&refused), sa_len(&refused));
    err = errno;
    require_clean_failure(result, err, ECONNREFUSED, &before,
                          "lab06_connect_from to a port nobody listens on (connect(): ECONNREFUSED)");

    /* And it works between the two: the kernel shows exactly that tuple. */
    int client = lab06_connect_from(sa(&source), sa_len(&source), sa(&server), sa_len(&server));
    require_success(client, errno, "lab06_connect_from(127.0.0.2 -> 127.0.0.3)");
    struct sl_diag_socket k = tl_kernel_view(client, "the socket lab06_connect_from returned");
    require(sl_addr_equal(sa(&k.local), sa(&source)) && sl_addr_equal(sa(&k.remote), sa(&server)),
            "lab06_connect_from(%s -> %s) made a connection %s -> %s", tl_str(&source, 0), tl_str(&server, 1),
            tl_str(&k.local, 2), tl_str(&k.remote, 3));
    int conn = tl_accept(listener, ACCEPT_TIMEOUT_MS);
    result = lab06_close_reset(client);
    require_exactly(result, errno, 0, "lab06_close_reset");
    close(conn);
    close(listener);

    /* A descriptor that is no socket (a pipe): setsockopt() fails with
     * ENOTSOCK; the descriptor is closed all the same. */
    int pipe_fds[2];
    require_harness(pipe(pipe_fds) == 0);
    result = lab06_close_reset(pipe_fds[0]);
    err = errno;
    bool still_open = tl_fd_is_open(pipe_fds[0]);
    if (still_open)
        close(pipe_fds[0]);
    close(pipe_fds[1]);
    require_failure(result, err, ENOTSOCK, "lab06_close_reset on a pipe");
    require(!still_open, "lab06_close_reset on a pipe failed as it should but left the descriptor open: close it "
            "whenever it was open (only EBADF means it was not)");
}

/* ------------------------------------------------------------------ */
/* Step 4: The spread over many connections                             */
/* ------------------------------------------------------------------ */

/*
 * One batch: BATCH clients connect, the kernel's queues say where each
 * listener's share went, lab06_count_accepts counts them: the two must
 * agree exactly. Adds the kernel's numbers to total[].
 */
static void counted_batch(const struct lab06_group *group, int batch_number, long *total)
{
    int clients[BATCH];
    long queue[LAB06_MAX_LISTENERS], counts[LAB06_MAX_LISTENERS];

    for (int c = 0; c < BATCH; c++)
        clients[c] = connect_client(&group->addr);
    wait_queued(group, BATCH, queue);

    /* counts starts at 1000: the function must add to it, not reset it. */
    for (int i = 0; i < group->count; i++)
        counts[i] = 1000;
    int result = lab06_count_accepts(group, BATCH, ACCEPT_TIMEOUT_MS, counts);
    require_exactly(result, errno, 0, "lab06_count_accepts");
    for (int i = 0; i < group->count; i++) {
        require(counts[i] - 1000 == queue[i],
                "batch %d: the kernel had queued %ld connections on member %d, lab06_count_accepts "
                "counted %ld (counts[] started at 1000 each: add to it)",
                batch_number, queue[i], i, counts[i] - 1000);
        total[i] += queue[i];
    }
    require(accept_queues(group, queue) == 0, "batch %d: connections still wait after lab06_count_accepts",
            batch_number);

    /* Every accepted connection closed: none of the server's ends has a
     * descriptor any more (an open one would still have its inode). */
    struct sl_diag_socket ends[BATCH + LAB06_MAX_LISTENERS];
    struct sl_diag_filter server_ends = {
        .family = AF_INET,
        .states = SL_DIAG_STATE(TCP_ESTABLISHED) | SL_DIAG_STATE(TCP_CLOSE_WAIT),
        .local_port = sl_addr_port(sa(&group->addr)),
    };
    int n = sl_diag_list(&server_ends, ends, BATCH + LAB06_MAX_LISTENERS);
    for (int i = 0; i < n && i < BATCH + LAB06_MAX_LISTENERS; i++)
        require(ends[i].inode == 0, "lab06_count_accepts left an accepted connection open");
    for (int c = 0; c < BATCH; c++)
        reset_close(clients[c]);
}

static void test_counts_match_kernel(void)
{
    struct lab06_group group;
    long total[LAB06_MAX_LISTENERS] = { 0 };

    harness_group(&group, GROUP_SIZE);
    counted_batch(&group, 1, total);
    close_group(&group);

    /* The largest group there may be: every one of its 16 slots counted. */
    harness_group_on(&group, "127.0.0.3", LAB06_MAX_LISTENERS);
    counted_batch(&group, 2, total);
    close_group(&group);
}

static void test_spread_within_tolerance(void)
{
    struct lab06_group group;
    long total[GROUP_SIZE] = { 0 };
    const long connections = (long)BATCH * BATCHES;
    const long fair = connections / GROUP_SIZE;
    const long slack = fair * SPREAD_TOLERANCE_PERCENT / 100;

    harness_group(&group, GROUP_SIZE);
    for (int b = 0; b < BATCHES; b++)
        counted_batch(&group, b + 1, total);
    show_measurement("spread %s\n", counts_text(total, GROUP_SIZE));
    for (int i = 0; i < GROUP_SIZE; i++)
        require(total[i] >= fair - slack && total[i] <= fair + slack,
                "over %ld connections the listeners got %s: member %d is more than %d%% away from the "
                "fair share %ld",
                connections, counts_text(total, GROUP_SIZE), i, SPREAD_TOLERANCE_PERCENT, fair);
    close_group(&group);
}

/*
 * Fewer connections than expected, and accept() failing in the middle:
 * -1 with ETIMEDOUT (or accept()'s errno), counts[] holding exactly the
 * connections accepted, each of them closed.
 */
static void test_count_accepts_errors(void)
{
    struct lab06_group group;
    struct open_fds before;
    long queue[2], left[2], counts[2];

    harness_group_on(&group, "127.0.0.3", 2);

    /* One connection, three expected: the 2nd wait times out. */
    int client = connect_client_from("127.0.0.2", &group.addr);
    wait_queued(&group, 1, queue);
    counts[0] = counts[1] = 5;
    snapshot_fds(&before);
    int result = lab06_count_accepts(&group, 3, 50, counts);
    int err = errno;
    require_clean_failure(result, err, ETIMEDOUT, &before, "lab06_count_accepts(expected = 3) with 1 connection");
    for (int i = 0; i < 2; i++)
        require(counts[i] - 5 == queue[i],
                "1 connection waited on member %d's queue %ld times, but lab06_count_accepts added %ld to counts[%d] "
                "(it stops at the first failure; counts[] then holds the connections accepted)",
                i, queue[i], counts[i] - 5, i);
    require(accept_queues(&group, left) == 0, "lab06_count_accepts left the connection in a queue");
    reset_close(client);

    /* Two connections; the 2nd accept() fails (ECONNABORTED). */
    int clients[2];
    for (int c = 0; c < 2; c++)
        clients[c] = connect_client_from("127.0.0.2", &group.addr);
    wait_queued(&group, 2, queue);
    counts[0] = counts[1] = 0;
    snapshot_fds(&before);
    fault_clear();
    fault_fail(FC_ACCEPT, 1, ECONNABORTED);
    result = lab06_count_accepts(&group, 2, ACCEPT_TIMEOUT_MS, counts);
    err = errno;
    fault_clear();
    require_clean_failure(result, err, ECONNABORTED, &before,
                          "lab06_count_accepts(expected = 2) when the 2nd accept() fails with ECONNABORTED");
    long waiting = accept_queues(&group, left);
    require(waiting == 1, "harness: %ld connections wait after one was accepted", waiting);
    for (int i = 0; i < 2; i++)
        require(counts[i] == queue[i] - left[i],
                "member %d had %ld connections and accepted %ld, but counts[%d] is %ld", i, queue[i],
                queue[i] - left[i], i, counts[i]);
    for (int c = 0; c < 2; c++)
        reset_close(clients[c]);
    close_group(&group);
}

/* ------------------------------------------------------------------ */
/* Step 5: One shared listener: blocking accept() or epoll              */
/* ------------------------------------------------------------------ */

static void test_blocking_accept_takes_turns(void)
{
    long counts[WORKERS] = { 0 };
    long extra_wakeups;
    int listener_flags;

    run_light_load(LAB06_BLOCKING_ACCEPT, counts, &extra_wakeups, &listener_flags);
    show_measurement("blocking %s extra %ld\n", counts_text(counts, WORKERS), extra_wakeups);
    for (int k = 0; k < WORKERS; k++)
        require(counts[k] * 100 >= FIFO_MIN_PERCENT * SHARED_CONNECTIONS &&
                    counts[k] * 100 <= FIFO_MAX_PERCENT * SHARED_CONNECTIONS,
                "workers blocked in accept() got %s of %d connections: worker %d is outside %d%%..%d%%. "
                "Sleepers in accept() queue up first in, first out, so they take turns",
                counts_text(counts, WORKERS), SHARED_CONNECTIONS, k, FIFO_MIN_PERCENT, FIFO_MAX_PERCENT);
}

static void test_epoll_wakes_one_worker(void)
{
    long counts[WORKERS] = { 0 };
    long extra_wakeups, top = 0;
    int listener_flags;

    run_light_load(LAB06_EPOLL, counts, &extra_wakeups, &listener_flags);
    require(listener_flags & O_NONBLOCK,
            "for LAB06_EPOLL the shared listener must be non-blocking (O_NONBLOCK, set in the parent): a worker "
            "woken for a connection that another worker took would otherwise sleep in accept()");
    show_measurement("epoll %s extra %ld\n", counts_text(counts, WORKERS), extra_wakeups);
    require(extra_wakeups * 100 <= EPOLL_MAX_EXTRA_WAKEUPS_PERCENT * SHARED_CONNECTIONS,
            "over %d connections, workers that did not get the connection woke up %ld times: each "
            "connection wakes several workers (a thundering herd). Each worker must create its own epoll "
            "instance after fork() and add the listener with EPOLLIN | EPOLLEXCLUSIVE",
            SHARED_CONNECTIONS, extra_wakeups);
    for (int k = 0; k < WORKERS; k++)
        if (counts[k] > top)
            top = counts[k];
    require(top * 100 >= EPOLL_TOP_MIN_PERCENT * SHARED_CONNECTIONS,
            "epoll workers got %s of %d connections under light load; one worker should take at least %d%%",
            counts_text(counts, WORKERS), SHARED_CONNECTIONS, EPOLL_TOP_MIN_PERCENT);
}

/*
 * The server's end of the connection from client to the listener: wait
 * until the worker has read everything the client sent (the kernel's
 * receive queue is empty) or the end is gone, then until the worker
 * sleeps again: then it has done all it would do with those bytes.
 */
static void wait_bytes_taken(int listener, int client, pid_t worker)
{
    struct sockaddr_storage server = tl_local_address(listener, "the workers' listener");
    struct sockaddr_storage local = tl_local_address(client, "the test's client");
    struct sl_diag_filter server_end = {
        .family = AF_INET,
        .local_port = sl_addr_port(sa(&server)),
        .remote_port = sl_addr_port(sa(&local)),
    };
    long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS;

    for (;;) {
        struct sl_diag_socket k;
        int n = sl_diag_list(&server_end, &k, 1);
        require(n != -1, "harness: sock_diag: %s", sl_errno_name(errno));
        if (n == 0 || k.state != SL_ESTABLISHED || k.rqueue == 0)
            break;
        require(sl_now_ms() < deadline, "the worker did not read the bytes its client sent within %d ms",
                ACCEPT_TIMEOUT_MS);
        usleep(100);
    }
    for (;;) {
        char state = tl_process_state(worker);
        if (state == 'S' || state == 'Z' || state == 0)
            break;
        require(sl_now_ms() < deadline, "the worker does not go back to sleep after reading (state %c)", state);
        usleep(100);
    }
}

/*
 * A client that sends in pieces keeps its connection: the worker reads
 * each piece and waits for more. When the client closes its side (a FIN,
 * read() returns 0), the worker closes the connection.
 */
static void test_workers_hold_connections(void)
{
    static const char *const pieces[] = { "a", "bc", "defgh" };
    struct sockaddr_storage server;
    struct lab06_workers workers;
    char byte;
    int listener = tl_listener(AF_INET, &server);

    start_n_workers(listener, 1, LAB06_BLOCKING_ACCEPT, &workers);
    wait_workers_idle(&workers, LAB06_BLOCKING_ACCEPT);
    pid_t worker = workers.pids[0];
    int client = connect_client_from("127.0.0.2", &server);
    uint64_t inode = accepted_inode(listener, client);
    require(owner_of(&workers, inode) == 0, "harness: the connection went to no worker");

    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        size_t size = strlen(pieces[i]);
        require_harness(write(client, pieces[i], size) == (ssize_t)size);
        wait_bytes_taken(listener, client, worker);
        require(holds_socket(worker, inode) && sl_wait_readable(client, 0) == 0,
                "the worker closed the connection after its client sent %zu byte(s) (\"%s\"): a client that sends "
                "keeps its connection; read() until it returns 0 (the client closed) or -1 (it reset)",
                size, pieces[i]);
    }

    /* The client closes its side: a FIN, not a reset. read() returns 0. */
    require_harness(shutdown(client, SHUT_WR) == 0);
    wait_released_because(worker, inode, "whose client had closed its side (read() returned 0)");
    require(sl_wait_readable(client, ACCEPT_TIMEOUT_MS) == 1 && recv(client, &byte, 1, 0) == 0,
            "the worker let go of the connection but its client did not read the end of it (a FIN)");
    close(client); /* both sides closed: this one client is left in TIME_WAIT */
    stop_workers(&workers);
    close(listener);
}

/*
 * Errors that are normal life for a worker: accept() interrupted (EINTR),
 * a client that gave up before it was accepted (ECONNABORTED), another
 * epoll worker that was quicker (EAGAIN), epoll_wait() interrupted by a
 * stop and a continue (EINTR). Each worker must wait again and go on
 * serving.
 */
static void test_workers_survive_transient_errors(void)
{
    static const int blocking_errors[] = { EINTR, ECONNABORTED };
    struct sockaddr_storage server;
    struct lab06_workers workers;
    char situation[128];

    /* Blocking accept(): both workers sleep in accept(); the fault hits
     * the next accept(), made by the worker that served a connection. */
    int listener = tl_listener(AF_INET, &server);
    start_n_workers(listener, 2, LAB06_BLOCKING_ACCEPT, &workers);
    wait_workers_idle(&workers, LAB06_BLOCKING_ACCEPT);
    for (size_t i = 0; i < sizeof blocking_errors / sizeof blocking_errors[0]; i++) {
        snprintf(situation, sizeof situation, "accept() failed once with %s", sl_errno_name(blocking_errors[i]));
        fault_clear();
        fault_fail(FC_ACCEPT, 0, blocking_errors[i]);
        serve_one(listener, &workers, "");
        require_workers_carry_on(&workers, LAB06_BLOCKING_ACCEPT, situation);
        fault_clear();
    }
    serve_one(listener, &workers, "after accept() had failed twice");
    stop_workers(&workers);
    close(listener);

    /* Epoll: the woken worker's accept() finds nothing (EAGAIN); the
     * connection still waits, so its next epoll_wait() returns at once. */
    listener = tl_listener(AF_INET, &server);
    start_n_workers(listener, 2, LAB06_EPOLL, &workers);
    wait_workers_idle(&workers, LAB06_EPOLL);
    fault_clear();
    fault_fail(FC_ACCEPT, 0, EAGAIN);
    serve_one(listener, &workers, "after accept() had failed once with EAGAIN (the worker must epoll_wait() again)");
    fault_clear();
    require_workers_carry_on(&workers, LAB06_EPOLL, "accept() failed once with EAGAIN");

    /* A worker asleep in epoll_wait() is stopped, then continued:
     * epoll_wait() then fails with EINTR (signal(7)). */
    pid_t stopped = workers.pids[0];
    require(kill(stopped, SIGSTOP) == 0, "harness: cannot stop worker 0: %s", sl_errno_name(errno));
    long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS;
    while (tl_process_state(stopped) != 'T') {
        require(sl_now_ms() < deadline, "harness: worker 0 (pid %d) did not stop", (int)stopped);
        usleep(100);
    }
    require(kill(stopped, SIGCONT) == 0, "harness: cannot continue worker 0: %s", sl_errno_name(errno));
    require_workers_carry_on(&workers, LAB06_EPOLL, "a stop and a continue (SIGSTOP, SIGCONT) made epoll_wait() "
                             "fail with EINTR");
    serve_one(listener, &workers, "after a worker's epoll_wait() failed with EINTR");
    stop_workers(&workers);
    close(listener);
}

/*
 * Failures for good end a worker, with _exit(), at once: the listener shut
 * down (every accept() fails with EINVAL), for both models; an epoll
 * set-up that fails (epoll_ctl(): EPERM, /dev/null is nothing epoll can
 * watch). A worker that carried on would spin, or sleep for ever.
 */
static void test_workers_leave_on_fatal_errors(void)
{
    static const enum lab06_model models[] = { LAB06_BLOCKING_ACCEPT, LAB06_EPOLL };
    struct sockaddr_storage server;
    struct lab06_workers workers;

    for (int round = 0; round < 3; round++) {
        enum lab06_model model = round < 2 ? models[round] : LAB06_EPOLL;
        const char *because = round < 2 ? "the listener was shut down (accept() fails with EINVAL, for good)"
                                        : "its epoll set-up failed (epoll_ctl() on /dev/null: EPERM)";
        int fd;

        if (round < 2) {
            fd = tl_listener(AF_INET, &server);
            start_n_workers(fd, 2, model, &workers);
            wait_workers_idle(&workers, model);
            require_harness(shutdown(fd, SHUT_RDWR) == 0);
        } else {
            /* The workers may end before the call returns: check only that
             * they are the caller's children, alive or not. */
            fd = open("/dev/null", O_RDWR | O_CLOEXEC);
            require_harness(fd != -1);
            memset(&workers, 0, sizeof workers);
            int result = lab06_workers_start(fd, 2, model, &workers);
            require_exactly(result, errno, 0, "lab06_workers_start(n = 2, LAB06_EPOLL) on /dev/null");
            require(workers.count == 2, "lab06_workers_start(n = 2) set workers->count to %d", workers.count);
            for (int k = 0; k < 2; k++)
                require(workers.pids[k] > 1 && tl_parent_of(workers.pids[k]) == sj_subject_pid(),
                        "workers->pids[%d] = %d is not a child of the process that called lab06_workers_start", k,
                        (int)workers.pids[k]);
        }
        for (int k = 0; k < workers.count; k++) {
            int status = await_end(workers.pids[k], ACCEPT_TIMEOUT_MS);
            require(status != -1,
                    "%s worker %d (pid %d) is still running %d ms after %s: a worker leaves with _exit() when a call "
                    "fails for good",
                    model == LAB06_EPOLL ? "epoll" : "blocking-accept()", k, (int)workers.pids[k], ACCEPT_TIMEOUT_MS,
                    because);
            require(status == -2 || WIFEXITED(status), "worker %d ended with %s after %s; it should leave with _exit()",
                    k, describe_status(status), because);
        }
        stop_workers(&workers);
        close(fd);
    }
}

/*
 * lab06_workers_start's arguments and failures: n out of range or an
 * unknown model (EINVAL, nobody started); 1 and LAB06_MAX_WORKERS workers
 * (exactly that many); a closed descriptor (fcntl(): EBADF); a listener on
 * a high descriptor number, whose other flags are kept; fork() failing
 * (EAGAIN, the workers already started ended and reaped, fork()'s errno
 * even when waiting for them fails too).
 */
static void test_workers_start_errors(void)
{
    static const struct {
        int n;
        int model;
        const char *what;
    } invalid[] = {
        { 0, LAB06_BLOCKING_ACCEPT, "lab06_workers_start(n = 0)" },
        { LAB06_MAX_WORKERS + 1, LAB06_BLOCKING_ACCEPT, "lab06_workers_start(n = LAB06_MAX_WORKERS + 1)" },
        { LAB06_MAX_WORKERS + 1, LAB06_EPOLL, "lab06_workers_start(n = LAB06_MAX_WORKERS + 1, LAB06_EPOLL)" },
        { 2, 7, "lab06_workers_start(n = 2, model = 7, neither LAB06_BLOCKING_ACCEPT nor LAB06_EPOLL)" },
    };
    struct sockaddr_storage server;
    struct lab06_workers workers;
    struct rlimit saved, none;
    int result, err;

    int listener = tl_listener(AF_INET, &server);
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        memset(&workers, 0, sizeof workers);
        result = lab06_workers_start(listener, invalid[i].n, (enum lab06_model)invalid[i].model, &workers);
        err = errno;
        if (result != -1)
            end_student_processes();
        require_failure(result, err, EINVAL, invalid[i].what);
        require_no_workers_left(invalid[i].what);
    }

    /* One worker, and the most there may be. */
    start_n_workers(listener, 1, LAB06_BLOCKING_ACCEPT, &workers);
    wait_workers_idle(&workers, LAB06_BLOCKING_ACCEPT);
    serve_one(listener, &workers, "by the only worker");
    stop_workers(&workers);
    start_n_workers(listener, LAB06_MAX_WORKERS, LAB06_EPOLL, &workers);
    wait_workers_idle(&workers, LAB06_EPOLL);
    stop_workers(&workers);
    close(listener);

    /* LAB06_EPOLL on a descriptor that is not open: fcntl() fails. */
    int closed = tl_listener(AF_INET, &server);
    close(closed);
    memset(&workers, 0, sizeof workers);
    result = lab06_workers_start(closed, 2, LAB06_EPOLL, &workers);
    err = errno;
    if (result != -1)
        end_student_processes();
    require_failure(result, err, EBADF, "lab06_workers_start(LAB06_EPOLL) on a closed descriptor (fcntl(): EBADF)");
    require_no_workers_left("lab06_workers_start(LAB06_EPOLL) on a closed descriptor");

    /* A listener on descriptor 100 or above: F_GETFL then F_SETFL on it. */
    int low = tl_listener(AF_INET, &server);
    int high = fcntl(low, F_DUPFD, 100);
    require_harness(high != -1);
    close(low);
    int flags = fcntl(high, F_GETFL);
    start_n_workers(high, 2, LAB06_EPOLL, &workers);
    require(fcntl(high, F_GETFL) == (flags | O_NONBLOCK),
            "the listener's file status flags were %#x; after lab06_workers_start(LAB06_EPOLL) they are %#x, expected "
            "%#x: read them with fcntl(listen_fd, F_GETFL) and add O_NONBLOCK with fcntl(listen_fd, F_SETFL, ...)",
            (unsigned)flags, (unsigned)fcntl(high, F_GETFL), (unsigned)(flags | O_NONBLOCK));
    wait_workers_idle(&workers, LAB06_EPOLL);
    serve_one(high, &workers, "on a listener at descriptor 100 or above");
    stop_workers(&workers);
    close(high);

    /* fork() fails at once (RLIMIT_NPROC 0): EAGAIN, nobody to stop. */
    listener = tl_listener(AF_INET, &server);
    require_harness(getrlimit(RLIMIT_NPROC, &saved) == 0);
    none = saved;
    none.rlim_cur = 0;
    require_harness(sj_setrlimit(RLIMIT_NPROC, &none) == 0);
    memset(&workers, 0, sizeof workers);
    result = lab06_workers_start(listener, 3, LAB06_BLOCKING_ACCEPT, &workers);
    err = errno;
    require_harness(sj_setrlimit(RLIMIT_NPROC, &saved) == 0);
    if (result != -1)
        end_student_processes();
    require_failure(result, err, EAGAIN, "lab06_workers_start(n = 3) when fork() fails at once (RLIMIT_NPROC)");
    require_no_workers_left("lab06_workers_start(n = 3) when fork() fails at once");

    /* Two workers start, the third fork() fails: they are ended and reaped.
     * Then the same with SIGCHLD ignored, where the kernel reaps them itself
     * and waitpid() fails with ECHILD: the error is still fork()'s. */
    for (int ignored = 0; ignored < 2; ignored++) {
        const char *what = ignored ? "lab06_workers_start(n = 4) when the third fork() fails, SIGCHLD ignored"
                                   : "lab06_workers_start(n = 4) when the third fork() fails (RLIMIT_NPROC)";
        if (ignored) {
            signal(SIGCHLD, SIG_IGN);
            sj_restart(); /* a subject that ignores SIGCHLD too */
        }
        sj_subject_pid(); /* running, so that it counts */
        if (limit_forks(2, &saved)) {
            memset(&workers, 0, sizeof workers);
            result = lab06_workers_start(listener, 4, LAB06_BLOCKING_ACCEPT, &workers);
            err = errno;
            require_harness(sj_setrlimit(RLIMIT_NPROC, &saved) == 0);
            if (result != -1)
                end_student_processes();
            require_failure(result, err, EAGAIN, what);
            require_no_workers_left(what);
        }
        if (ignored) {
            signal(SIGCHLD, SIG_DFL);
            sj_restart();
        }
    }
    close(listener);
}

/*
 * lab06_workers_stop with a pid that is not the caller's child (a process
 * of the test's own): waitpid() fails with ECHILD, so -1 and ECHILD; the
 * real workers are still stopped and reaped, the stranger got SIGTERM.
 */
static void test_workers_stop_errors(void)
{
    struct sockaddr_storage server;
    struct lab06_workers workers, mixed;
    int status;
    int listener = tl_listener(AF_INET, &server);

    start_n_workers(listener, 2, LAB06_BLOCKING_ACCEPT, &workers);
    wait_workers_idle(&workers, LAB06_BLOCKING_ACCEPT);
    pid_t stranger = fork();
    require_harness(stranger != -1);
    if (stranger == 0) {
        for (int fd = 3; fd < FD_SNAPSHOT; fd++)
            close(fd);
        for (;;)
            pause();
    }

    memset(&mixed, 0, sizeof mixed);
    mixed.count = 3;
    mixed.pids[0] = stranger;
    mixed.pids[1] = workers.pids[0];
    mixed.pids[2] = workers.pids[1];
    int result = lab06_workers_stop(&mixed);
    int err = errno;
    /* SIGTERM was sent; the stranger may take a moment to end. */
    long long deadline = sl_now_ms() + ACCEPT_TIMEOUT_MS / 4;
    bool stranger_ended;
    while (!(stranger_ended = waitpid(stranger, &status, WNOHANG) == stranger) && sl_now_ms() < deadline)
        usleep(1000);
    if (!stranger_ended) {
        kill(stranger, SIGKILL);
        waitpid(stranger, &status, 0);
    }
    for (int k = 0; k < 2; k++) {
        char state = tl_process_state(workers.pids[k]);
        if (state != 0)
            end_student_processes();
        require(state == 0,
                "after lab06_workers_stop worker %d (pid %d) %s: a waitpid() that fails for one pid must not stop "
                "the others from being killed and reaped",
                k, (int)workers.pids[k], state == 'Z' ? "was a zombie nobody had waited for" : "was still running");
    }
    require_failure(result, err, ECHILD,
                    "lab06_workers_stop with pids[0] a process that is not the caller's child (waitpid(): ECHILD)");
    require(mixed.count == 0, "lab06_workers_stop left workers->count at %d", mixed.count);
    require(stranger_ended && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
            "pids[0] of the workers was %s after lab06_workers_stop: kill() each pid with SIGTERM",
            stranger_ended ? describe_status(status) : "still running");
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 6: Adding and removing a listener                               */
/* ------------------------------------------------------------------ */

static void test_add_moves_about_half(void)
{
    static struct sockaddr_storage source[TUPLES];
    int before[TUPLES];
    struct sl_diag_socket listeners[8];
    struct lab06_group group;
    long moved = 0;

    harness_group(&group, GROUP_SIZE);
    make_tuples(source, TUPLES);
    for (int t = 0; t < TUPLES; t++)
        before[t] = landing_slot(&group, &source[t]);

    int slot = lab06_group_add(&group, BACKLOG);
    require_success(slot, errno, "lab06_group_add");
    require(slot == GROUP_SIZE && group.count == GROUP_SIZE + 1,
            "lab06_group_add returned slot %d with group.count %d; the kernel appends: slot %d, count %d", slot,
            group.count, GROUP_SIZE, GROUP_SIZE + 1);
    int n = kernel_listeners(&group, listeners, 8);
    require(n == GROUP_SIZE + 1, "after lab06_group_add the kernel lists %d listeners on %s, expected %d", n,
            tl_str(&group.addr, 0), GROUP_SIZE + 1);
    struct sl_diag_socket k = tl_kernel_view(group.fds[slot], "the added member");
    require(k.state == SL_LISTEN && sl_addr_equal(sa(&k.local), sa(&group.addr)),
            "the added member is %s on %s, not LISTEN on %s", sl_state_linux_name(k.state), tl_str(&k.local, 0),
            tl_str(&group.addr, 1));

    for (int t = 0; t < TUPLES; t++) {
        int after = landing_slot(&group, &source[t]);
        int low = lowest_slot(before[t], GROUP_SIZE, GROUP_SIZE + 1);
        int high = highest_slot(before[t], GROUP_SIZE, GROUP_SIZE + 1);
        require(after >= low && after <= high,
                "a tuple of slot %d (of 4) now lands on group.fds[%d]; with 5 listeners it can only be "
                "in slot %d or %d: group.fds[] is not in the kernel's order",
                before[t], after, low, high);
        moved += after != before[t];
    }
    show_measurement("add moved %ld of %d\n", moved, TUPLES);
    require(moved * 100 >= MOVED_MIN_PERCENT * TUPLES && moved * 100 <= MOVED_MAX_PERCENT * TUPLES,
            "adding a 5th listener moved %ld of %d tuples; expected about half (%d%%..%d%%)", moved, TUPLES,
            MOVED_MIN_PERCENT, MOVED_MAX_PERCENT);
    close_group(&group);
}

static void test_remove_moves_last_into_slot(void)
{
    static struct sockaddr_storage source[TUPLES];
    int before[TUPLES];
    struct sl_diag_socket listeners[8];
    struct lab06_group group;
    const int removed = 1;

    harness_group(&group, GROUP_SIZE);
    int original[GROUP_SIZE];
    memcpy(original, group.fds, sizeof original);
    int removed_fd = group.fds[removed];
    make_tuples(source, TUPLES);
    for (int t = 0; t < TUPLES; t++)
        before[t] = landing_slot(&group, &source[t]);

    int result = lab06_group_remove(&group, removed);
    require_exactly(result, errno, 0, "lab06_group_remove(slot 1)");
    require(group.count == GROUP_SIZE - 1, "after lab06_group_remove group.count is %d, expected %d", group.count,
            GROUP_SIZE - 1);
    require(!tl_fd_is_open(removed_fd), "lab06_group_remove did not close the member's descriptor");
    int n = kernel_listeners(&group, listeners, 8);
    require(n == GROUP_SIZE - 1, "after lab06_group_remove the kernel lists %d listeners, expected %d", n,
            GROUP_SIZE - 1);

    long moved = 0;
    for (int t = 0; t < TUPLES; t++) {
        int after = landing_slot(&group, &source[t]);
        /* Moved: now on another listener (slot 1 changed hands). */
        moved += group.fds[after] != original[before[t]];
        int low = lowest_slot(before[t], GROUP_SIZE, GROUP_SIZE - 1);
        int high = highest_slot(before[t], GROUP_SIZE, GROUP_SIZE - 1);
        require(after >= low && after <= high,
                "a tuple of slot %d (of 4) now lands on group.fds[%d]; with 3 listeners it can only be in "
                "slot %d..%d. The kernel moved its LAST listener into slot %d; group.fds[] must do the same "
                "(not shift the others down)",
                before[t], after, low, high, removed);
    }
    show_measurement("remove moved %ld of %d\n", moved, TUPLES);

    result = lab06_group_remove(&group, group.count);
    require_failure(result, errno, EINVAL, "lab06_group_remove(slot = count)");
    result = lab06_group_remove(&group, -1);
    require_failure(result, errno, EINVAL, "lab06_group_remove(slot = -1)");
    require(group.count == GROUP_SIZE - 1, "a failed lab06_group_remove changed group.count");
    close_group(&group);
}

/* Does group still hold what `was` held: the same count, descriptors and address? */
static bool group_unchanged(const struct lab06_group *group, const struct lab06_group *was)
{
    if (group->count != was->count || !sl_addr_equal(sa(&group->addr), sa(&was->addr)))
        return false;
    for (int i = 0; i < was->count && i < LAB06_MAX_LISTENERS; i++)
        if (group->fds[i] != was->fds[i])
            return false;
    return true;
}

/*
 * lab06_group_add on a full group (ENOSPC) and when the new member cannot
 * be opened (EMFILE): -1, the group unchanged, nothing left open. Then a
 * member added to a wildcard group, and lab06_group_remove's 0, exactly.
 */
static void test_add_remove_errors(void)
{
    struct lab06_group group, was;
    struct open_fds before;
    struct rlimit saved;
    long queue[LAB06_MAX_LISTENERS];

    harness_group(&group, LAB06_MAX_LISTENERS);
    was = group;
    snapshot_fds(&before);
    int result = lab06_group_add(&group, BACKLOG);
    require_clean_failure(result, errno, ENOSPC, &before, "lab06_group_add on a group of LAB06_MAX_LISTENERS");
    require(group_unchanged(&group, &was), "a failed lab06_group_add changed the group (count %d, was %d)", group.count,
            was.count);
    struct sl_diag_socket listed[2 * LAB06_MAX_LISTENERS];
    require(kernel_listeners(&group, listed, 2 * LAB06_MAX_LISTENERS) == LAB06_MAX_LISTENERS,
            "a failed lab06_group_add changed the kernel's group");
    close_group(&group);

    harness_group_on(&group, "0.0.0.0", 2);
    was = group;
    snapshot_fds(&before);
    limit_fd_room(0, &saved);
    result = lab06_group_add(&group, BACKLOG);
    int err = errno;
    require_harness(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0);
    require_clean_failure(result, err, EMFILE, &before, "lab06_group_add with no descriptor left (EMFILE)");
    require(group_unchanged(&group, &was), "a failed lab06_group_add changed the group (count %d, was %d)", group.count,
            was.count);

    /* It works on the wildcard address: slot 2, LISTEN on 0.0.0.0:port. */
    result = lab06_group_add(&group, BACKLOG);
    require_exactly(result, errno, 2, "lab06_group_add on a group of 2 on 0.0.0.0");
    require(group.count == 3, "after lab06_group_add group.count is %d, expected 3", group.count);
    struct sl_diag_socket k = tl_kernel_view(group.fds[2], "the added member");
    require(k.state == SL_LISTEN && sl_addr_equal(sa(&k.local), sa(&group.addr)),
            "the added member is %s on %s, not LISTEN on %s", sl_state_linux_name(k.state), tl_str(&k.local, 0),
            tl_str(&group.addr, 1));
    struct sockaddr_storage target;
    address("127.0.0.3", sl_addr_port(sa(&group.addr)), &target);
    int clients[24];
    for (int c = 0; c < 24; c++)
        clients[c] = connect_client_from("127.0.0.2", &target);
    wait_queued(&group, 24, queue);
    for (int c = 0; c < 24; c++)
        reset_close(clients[c]);

    int removed_fd = group.fds[0];
    result = lab06_group_remove(&group, 0);
    require_exactly(result, errno, 0, "lab06_group_remove(slot 0)");
    require(!tl_fd_is_open(removed_fd) && group.count == 2, "lab06_group_remove did not close slot 0 and count one less");
    close_group(&group);
}

/* ------------------------------------------------------------------ */
/* Step 7: Closing a listener: reset or migrate                         */
/* ------------------------------------------------------------------ */

static void test_close_resets_queue(void)
{
    struct lab06_group group;
    int clients[QUEUED];
    long queue[2];

    require_private_namespace();
    write_migrate_setting("1"); /* the student's code must write 0 itself */
    harness_group(&group, 2);
    int closing_fd = group.fds[0];
    queue_clients(&group, clients, queue);

    int result = lab06_group_retire(&group, 0, false);
    require_exactly(result, errno, 0, "lab06_group_retire(slot 0, migrate = false)");
    require(read_migrate_setting() == 0, "after lab06_group_retire(migrate = false) tcp_migrate_req is %d",
            read_migrate_setting());
    require(!tl_fd_is_open(closing_fd) && group.count == 1,
            "lab06_group_retire did not close slot 0 and remove it from the group");

    long accepted = accept_survivors(&group);
    long resets = count_resets(clients);
    show_measurement("no-migrate queued %ld/%ld resets %ld accepted %ld\n", queue[0], queue[1], resets, accepted);
    require(resets == queue[0] && accepted == queue[1],
            "%ld connections waited on the closed listener, %ld on the other. Expected %ld resets and %ld "
            "accepted; the clients saw %ld resets, the survivor accepted %ld",
            queue[0], queue[1], queue[0], queue[1], resets, accepted);
    close_group(&group);
}

static void test_migrate_keeps_queue(void)
{
    struct lab06_group group;
    int clients[QUEUED];
    long queue[GROUP_SIZE];

    require_private_namespace();
    /* Tried, not taken from the setting's presence (kit/netns.h). */
    int works = kit_migration_works();
    if (works != 1)
        grade_skip("%s", kit_migration_missing(works, errno));
    write_migrate_setting("0");
    harness_group(&group, GROUP_SIZE);
    queue_clients(&group, clients, queue);
    require(queue[0] > 0, "harness: no connection waits on member 0");

    int result = lab06_group_retire(&group, 0, true);
    require_exactly(result, errno, 0, "lab06_group_retire(slot 0, migrate = true)");
    require(read_migrate_setting() == 1, "after lab06_group_retire(migrate = true) tcp_migrate_req is %d",
            read_migrate_setting());
    require(group.count == GROUP_SIZE - 1, "after lab06_group_retire group.count is %d, expected %d", group.count,
            GROUP_SIZE - 1);

    long survivors[GROUP_SIZE];
    long waiting = accept_queues(&group, survivors);
    require(waiting == QUEUED,
            "after closing a listener with tcp_migrate_req = 1, the survivors' queues hold %ld of the %d "
            "connections (%ld were on the closed one): was the setting written before close()?",
            waiting, QUEUED, queue[0]);
    long accepted = accept_survivors(&group);
    long resets = count_resets(clients);
    show_measurement("migrate queued-on-closed %ld resets %ld accepted %ld\n", queue[0], resets, accepted);
    require(accepted == QUEUED && resets == 0, "the survivors accepted %ld, %ld clients were reset", accepted, resets);
    close_group(&group);
}

/*
 * lab06_group_retire's failures: a bad slot (EINVAL, before the setting is
 * touched), the setting's file that cannot be opened (EMFILE), written
 * (write(): EINVAL) or closed (close(): EIO): -1 with that errno, the
 * member still open and in the group, nothing else left open.
 */
static void test_retire_errors(void)
{
    struct lab06_group group, was;
    struct open_fds before;
    struct rlimit saved;
    char call[96];

    require_private_namespace();
    harness_group(&group, 3);
    was = group;

    /* A bad slot: EINVAL, and the setting stays as it was. */
    static const int bad_slots[] = { -1, 3 };
    for (int setting = 0; setting < 2; setting++) {
        write_migrate_setting(setting ? "1" : "0");
        for (size_t i = 0; i < sizeof bad_slots / sizeof bad_slots[0]; i++) {
            snprintf(call, sizeof call, "lab06_group_retire(slot %d of 3, migrate = %s)", bad_slots[i],
                     setting ? "false" : "true");
            snapshot_fds(&before);
            int result = lab06_group_retire(&group, bad_slots[i], setting == 0);
            require_clean_failure(result, errno, EINVAL, &before, call);
            require(read_migrate_setting() == setting,
                    "%s wrote tcp_migrate_req (now %d) although the slot is out of range: check the slot first",
                    call, read_migrate_setting());
            require(group_unchanged(&group, &was), "%s changed the group", call);
        }
    }

    /* The setting's file: open() fails (no descriptor left), write()
     * fails, close() fails. Each time -1 with that errno, slot 1 kept. */
    for (int round = 0; round < 3; round++) {
        static const char *const what[] = {
            "lab06_group_retire(slot 1) with no descriptor left (open(): EMFILE)",
            "lab06_group_retire(slot 1) when write() to tcp_migrate_req fails with EINVAL",
            "lab06_group_retire(slot 1) when close() of tcp_migrate_req fails with EIO",
        };
        static const int want[] = { EMFILE, EINVAL, EIO };

        snapshot_fds(&before);
        fault_clear();
        if (round == 0)
            limit_fd_room(0, &saved);
        else if (round == 1)
            fault_fail(FC_WRITE, 0, EINVAL);
        else
            fault_fail(FC_CLOSE, 0, EIO);
        int result = lab06_group_retire(&group, 1, true);
        int err = errno;
        fault_clear();
        if (round == 0)
            require_harness(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0);
        require_clean_failure(result, err, want[round], &before, what[round]);
        require(group_unchanged(&group, &was),
                "%s returned -1 but changed the group (count %d): on failure the member stays open and in the group",
                what[round], group.count);
    }

    /* And it works: exactly 0, slot 1 closed, the last member moved in. */
    int result = lab06_group_retire(&group, 1, false);
    require_exactly(result, errno, 0, "lab06_group_retire(slot 1 of 3, migrate = false)");
    require(read_migrate_setting() == 0, "after lab06_group_retire(migrate = false) tcp_migrate_req is %d",
            read_migrate_setting());
    require(group.count == 2 && group.fds[1] == was.fds[2] && !tl_fd_is_open(was.fds[1]),
            "after lab06_group_retire(slot 1 of 3) the group has %d members, fds[1] = %d (was fd %d in slot 2), and "
            "slot 1's descriptor is %s",
            group.count, group.fds[1], was.fds[2], tl_fd_is_open(was.fds[1]) ? "still open" : "closed");
    close_group(&group);
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

static const struct grade_step steps[] = {
    { 1, "The group, in the kernel's order",
      "Each member: socket(), SO_REUSEPORT, THEN bind() and listen(), then getsockname() into *addr so the next "
      "member joins the port the kernel picked. Open them in order (listen() appends to the kernel's array); "
      "if one fails, close the others and return -1 with its errno." },
    { 2, "Which listener took the connection",
      "poll() all members at once; a connection waits in exactly one listener's accept queue. accept() from the "
      "member whose revents has POLLIN and report THAT index; poll() returning 0 means ETIMEDOUT." },
    { 3, "The same 4-tuple, the same listener",
      "Client: socket(), SO_REUSEADDR, bind() to the given source (address AND port), connect(). Close with "
      "SO_LINGER { l_onoff = 1, l_linger = 0 } and close(): a RST, so no TIME_WAIT is left and the same tuple "
      "can be used again at once." },
    { 4, "The spread over many connections",
      "Call lab06_group_accept() `expected` times and add 1 to counts[slot] for the listener whose accept() "
      "returned the connection; close each one; do not zero counts[]." },
    { 5, "One shared listener: blocking accept() or epoll",
      "fork() the workers; each loops for ever and leaves with _exit(). Blocking: accept(), serve, again. Epoll: "
      "O_NONBLOCK on the listener in the parent, an epoll instance per worker with EPOLLIN | EPOLLEXCLUSIVE, "
      "epoll_wait() then accept(). Stop: SIGTERM to each, then waitpid() each." },
    { 6, "Adding and removing a listener",
      "Add: lab06_join(&group->addr) and append it at fds[count]. Remove: close fds[slot], then move the LAST "
      "member into that slot (fds[slot] = fds[count - 1]) and count one less: that is what the kernel does "
      "with its own array." },
    { 7, "Closing a listener: reset or migrate",
      "Write \"1\" or \"0\" to /proc/sys/net/ipv4/tcp_migrate_req BEFORE closing the listener (then "
      "lab06_group_remove()): the kernel decides the queue's fate at close()." },
};

/* Designated fields: a field added to struct grade_test later defaults to 0. */
static const struct grade_test tests[] = {
    { .step = 1, .name = "group_shares_one_port", .points = 2, .run = test_group_shares_one_port,
      .description = "4 members: the kernel lists 4 LISTEN sockets with SO_REUSEPORT on one port, each gets connections" },
    { .step = 1, .name = "group_all_or_nothing", .points = 2, .run = test_group_all_or_nothing,
      .description = "EADDRINUSE on a plain listener's port, EMFILE at the 3rd member, EINVAL: nothing left open" },
    { .step = 1, .name = "join_failures", .points = 1, .run = test_join_failures,
      .description = "lab06_join: LISTEN on 127.0.0.2 with the port in *addr; AF_UNIX gives EAFNOSUPPORT; setsockopt(), listen(), getsockname() failing: -1, their errno, nothing left open" },
    { .step = 1, .name = "group_sizes", .points = 1, .run = test_group_sizes,
      .description = "groups of 1 and of 16 on 0.0.0.0 with len = sizeof(struct sockaddr_storage): exactly 0, n listeners, reached from 127.0.0.2 at 127.0.0.3" },
    { .step = 2, .name = "accept_names_the_listener", .points = 3, .run = test_accept_names_the_listener,
      .description = "groups of 4 and of 16: the slot reported is the member in whose accept queue the kernel put the connection" },
    { .step = 2, .name = "accept_times_out", .points = 1, .run = test_accept_times_out,
      .description = "no connection: -1/ETIMEDOUT, nothing opened, *slot untouched" },
    { .step = 2, .name = "accept_errors", .points = 1, .run = test_accept_errors,
      .description = "poll() ENOMEM, accept() ECONNABORTED, a member not listening (EIO at once): -1, *slot untouched, the connection still there" },
    { .step = 3, .name = "same_tuple_same_listener", .points = 3, .run = test_same_tuple_same_listener,
      .description = "8 fixed 4-tuples, 4 rounds: the kernel shows the requested source, and each lands where it did before" },
    { .step = 3, .name = "reset_leaves_no_time_wait", .points = 2, .run = test_reset_leaves_no_time_wait,
      .description = "the server reads ECONNRESET, no end is left in the kernel, the tuple is reusable at once" },
    { .step = 3, .name = "source_port_after_time_wait", .points = 1, .run = test_source_port_after_time_wait,
      .description = "a source port held by a TIME_WAIT can be bound again (SO_REUSEADDR)" },
    { .step = 3, .name = "connect_from_failures", .points = 2, .run = test_connect_from_failures,
      .description = "127.0.0.2 -> 127.0.0.3: EMFILE, setsockopt() failing, a source a listener holds (EADDRINUSE), ECONNREFUSED: nothing left open; close_reset of a pipe: ENOTSOCK, closed" },
    { .step = 4, .name = "counts_match_kernel", .points = 2, .run = test_counts_match_kernel,
      .description = "200 queued connections, on 4 members then on 16: the counts equal the kernel's accept queue of each member" },
    { .step = 4, .name = "count_accepts_errors", .points = 1, .run = test_count_accepts_errors,
      .description = "fewer connections than expected (ETIMEDOUT) and accept() failing midway: -1, counts hold exactly those accepted, each closed" },
    { .step = 4, .name = "spread_within_tolerance", .points = 3, .run = test_spread_within_tolerance,
      .description = "4,000 connections, counts checked against the kernel: each member within 15% of 1,000" },
    { .step = 5, .name = "blocking_accept_takes_turns", .points = 3, .run = test_blocking_accept_takes_turns,
      .description = "4 workers asleep in accept() on one listener: each accepts 15%..35% under light load" },
    { .step = 5, .name = "epoll_wakes_one_worker", .points = 3, .run = test_epoll_wakes_one_worker,
      .description = "4 workers in epoll_wait() with EPOLLEXCLUSIVE: one takes >= 80%, no other worker wakes" },
    { .step = 5, .name = "workers_hold_connections", .points = 1, .run = test_workers_hold_connections,
      .description = "a client sending in pieces keeps its connection; when it closes its side (FIN) the worker closes" },
    { .step = 5, .name = "workers_survive_transient_errors", .points = 2, .run = test_workers_survive_transient_errors,
      .description = "accept() EINTR, ECONNABORTED, EAGAIN (epoll) and epoll_wait() EINTR (SIGSTOP, SIGCONT): every worker waits again and serves" },
    { .step = 5, .name = "workers_leave_on_fatal_errors", .points = 1, .run = test_workers_leave_on_fatal_errors,
      .description = "the listener shut down (accept(): EINVAL), epoll_ctl() failing: each worker leaves with _exit(), for both models" },
    { .step = 5, .name = "workers_start_errors", .points = 2, .run = test_workers_start_errors,
      .description = "EINVAL for n 0, 17 and a bad model; 1 and 16 workers; fcntl() EBADF; flags kept at fd >= 100; fork() failing: EAGAIN, nobody left" },
    { .step = 5, .name = "workers_stop_errors", .points = 1, .run = test_workers_stop_errors,
      .description = "a pid that is not the caller's child: -1/ECHILD, it got SIGTERM, the real workers still reaped" },
    { .step = 6, .name = "add_moves_about_half", .points = 3, .run = test_add_moves_about_half,
      .description = "a 5th member is slot 4; of 400 fixed tuples about half move, each only to the slot the hash allows" },
    { .step = 6, .name = "remove_moves_last_into_slot", .points = 3, .run = test_remove_moves_last_into_slot,
      .description = "removing slot 1: fds[] matches the kernel's array (the last member moved into slot 1)" },
    { .step = 6, .name = "add_remove_errors", .points = 1, .run = test_add_remove_errors,
      .description = "add to a full group (ENOSPC) or with no descriptor left (EMFILE): -1, group unchanged; add on 0.0.0.0 gives slot 2; remove gives 0" },
    { .step = 7, .name = "close_resets_queue", .points = 2, .run = test_close_resets_queue,
      .description = "tcp_migrate_req = 0: exactly the closed member's queued clients are reset",
      .needs = "a network namespace", .own_netns = true, .runs_as_root = true },
    { .step = 7, .name = "migrate_keeps_queue", .points = 3, .run = test_migrate_keeps_queue,
      .description = "tcp_migrate_req = 1: all 200 queued connections reach a survivor, bytes and all",
      .needs = "a network namespace", .own_netns = true, .runs_as_root = true },
    { .step = 7, .name = "retire_errors", .points = 1, .run = test_retire_errors,
      .description = "bad slots (EINVAL, setting untouched); open() EMFILE, write() EINVAL, close() EIO: -1, member kept, nothing left open",
      .needs = "a network namespace", .own_netns = true, .runs_as_root = true },
};

GRADE_LAB("06", "How the kernel picks a listener", steps, tests);
