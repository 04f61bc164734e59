/*
 * tests.c - the graded tests of Lab 05, "SO_REUSEPORT listeners".
 *
 * Every test checks what the kernel did, not what the student's code said
 * or printed:
 *   - how many sockets are in LISTEN on a port, and which (their inodes), from
 *     the kernel's socket table (sock_diag);
 *   - how many connections wait in each listener's accept queue (the LISTEN
 *     entry's rqueue), to see which listener the kernel chose;
 *   - which socket each worker process holds (/proc/PID/fd);
 *   - what a real client receives from each worker;
 *   - which processes exist, which are zombies and which are reaped, and who
 *     their parent is (/proc/PID/stat); what uid and groups a process runs
 *     with (/proc/PID/status).
 * The harness's own sockets (with or without SO_REUSEPORT) ask the kernel
 * for its verdict on a port: a bind() that must succeed or fail.
 *
 * A test first requires the call it grades to work, so the untouched
 * skeleton (every function fails with ENOSYS) scores nothing, even where a
 * test expects a failure. No test uses a fixed port: the first socket binds
 * port 0 and the others reuse the port it got. Nothing is left to a guessed
 * sleep: the tests poll the kernel's table with a bound. Step 6 is graded
 * with the harness's own workers, so it does not depend on step 5.
 *
 * The student's code runs in a process of its own, the subject
 * (harness/subject.h), which shares this process's descriptors but not its
 * memory, children or ids. The workers it forks are the subject's children:
 * the tests find them through /proc and cannot wait for them. The
 * processes lab05_stop_workers() must signal, reap or leave alone (step 6's
 * workers and bystander) are forked in the subject too, by the harness's
 * own code run there with sj_call(). Step 7 reads the subject's ids from
 * /proc/PID/status.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"

#include "lab.h"
#include "testlib.h"

/* How long a test waits for listeners to appear or connections to queue. */
#define WAIT_MS 2000

/* Connections sent to the workers: enough that every worker gets some. */
#define WORKER_CONNECTIONS 200
#define WORKERS 4

/* Connections sent in the tests that count a listener's accept queue. */
#define QUEUED 20

/*
 * The state number sock_diag gives a TCP socket that is bound but neither
 * listening nor connected (TCP_BOUND_INACTIVE). Such sockets are listed only
 * when this bit is asked for; the C library does not name it.
 */
#define BOUND_INACTIVE_STATE 13

/* What the harness's own sockets set before bind(). */
enum harness_option {
    PLAIN = 0,
    WITH_REUSEADDR = 1,
    WITH_REUSEPORT = 2,
};

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static const struct sockaddr *sa(const struct sockaddr_storage *addr)
{
    return (const struct sockaddr *)addr;
}

static socklen_t sa_len(const struct sockaddr_storage *addr)
{
    return sl_addr_len(sa(addr));
}

static void address(const char *ip, uint16_t port, struct sockaddr_storage *addr)
{
    socklen_t len;

    ck_assert_msg(sl_addr_parse(ip, port, addr, &len) == 0, "harness: bad address %s", ip);
}

/*
 * The student's code runs in the subject process (harness/subject.h), not
 * in this one: the workers it forks are the subject's children. This test
 * can neither wait for them nor be their parent; it sees them through the
 * kernel, in /proc (their parent, their state: alive, a zombie, or gone).
 */
static bool is_student_child(pid_t pid)
{
    return pid > 1 && tl_parent_of(pid) == sj_subject_pid();
}

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
 * child of the subject and reap it, until none is left (a child may fork
 * again while we look). It is the harness's code, but it runs in the
 * student's process, so nothing it reports is trusted: a test that needs
 * the children gone checks /proc afterwards.
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
 * End every process the student's code (or the harness, on its side)
 * started in this test, and reap them. It finds them in /proc rather than
 * trusting a pool the student's code filled in: a wrong pid there must
 * never make the harness signal a process that is not the test's.
 */
static void end_student_processes(void)
{
    sj_call("the harness's clean-up (ending the workers)", run_end_children, 0);
}

/*
 * The same from this process, for a test that is failing: SIGKILL only
 * (reaping needs the subject, which may be the reason the test fails);
 * the runner reaps them once the test has ended.
 */
static void kill_student_processes(void)
{
    pid_t pids[256];
    int n = children_of(sj_subject_pid(), pids, 256);

    for (int i = 0; i < n && i < 256; i++)
        kill(pids[i], SIGKILL);
}

/* Fail the test, after ending every process it started. */
static void fail_test(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail_test(const char *fmt, ...)
{
    char message[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    kill_student_processes();
    ck_abort_msg("%s", message);
    abort(); /* not reached */
}

/*
 * Fail when a call that had to succeed returned -1; err is the errno saved
 * right after the call. ENOSYS is the skeleton's placeholder.
 */
static void require_success(int result, int err, const char *call)
{
    if (result == -1)
        fail_test("%s returned -1 with errno %s (%s)%s", call, sl_errno_name(err), strerror(err),
                  err == ENOSYS ? ": this step is not written yet" : "");
}

/*
 * As require_success, for a call that puts a second listener on a port:
 * EADDRINUSE there means the kernel refused to share the port.
 */
static void require_shared(int result, int err, const char *call)
{
    if (result == -1 && err == EADDRINUSE)
        fail_test("%s returned -1 with errno EADDRINUSE: the kernel refused to share the port. Every socket of "
                  "the group needs SO_REUSEPORT (not SO_REUSEADDR), set before its bind()", call);
    require_success(result, err, call);
}

/* Fail unless a call failed the way the contract says: -1 and errno `want`. */
static void require_failure(int result, int err, int want, const char *call)
{
    if (result != -1)
        fail_test("%s returned %d; it should fail with -1 and errno %s", call, result, sl_errno_name(want));
    if (err != want)
        fail_test("%s returned -1 with errno %s (%s); expected %s", call, sl_errno_name(err), strerror(err),
                  sl_errno_name(want));
}

/*
 * A TCP socket of the harness with the given options set before bind(),
 * bound to addr and, if do_listen, listening. Returns the fd, or -1 with
 * errno from bind() or listen() (the kernel's verdict).
 */
static int harness_socket(const struct sockaddr_storage *addr, int options, bool do_listen)
{
    int on = 1;
    int fd = socket(addr->ss_family, SOCK_STREAM, 0);

    ck_assert_msg(fd != -1, "harness: socket: %s", sl_errno_name(errno));
    if (options & WITH_REUSEADDR)
        ck_assert_msg(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0, "harness: SO_REUSEADDR");
    if (options & WITH_REUSEPORT)
        ck_assert_msg(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0, "harness: SO_REUSEPORT");
    if (bind(fd, sa(addr), sa_len(addr)) == -1 || (do_listen && listen(fd, LAB05_BACKLOG) == -1)) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* The address fd is bound to (getsockname()). */
static struct sockaddr_storage bound_address(int fd)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;

    if (getsockname(fd, (struct sockaddr *)&addr, &len) == -1)
        fail_test("getsockname(fd %d) failed: %s", fd, sl_errno_name(errno));
    return addr;
}

/* A harness socket of `options` on ip port 0, listening or not; *addr gets its address. */
static int harness_on_new_port(const char *ip, int options, bool do_listen, struct sockaddr_storage *addr)
{
    address(ip, 0, addr);
    int fd = harness_socket(addr, options, do_listen);
    ck_assert_msg(fd != -1, "harness: cannot bind %s port 0: %s", ip, sl_errno_name(errno));
    *addr = bound_address(fd);
    return fd;
}

/*
 * The LISTEN sockets on exactly addr (family, address, port), as the
 * kernel's table lists them: their entries in out[], at most max. Returns
 * how many there are.
 */
static int listeners_on(const struct sockaddr_storage *addr, struct sl_diag_socket *out, int max)
{
    struct sl_diag_socket all[64];
    struct sl_diag_filter filter = {
        .family = addr->ss_family,
        .states = SL_DIAG_STATE(TCP_LISTEN),
        .local_port = sl_addr_port(sa(addr)),
    };
    int n = sl_diag_list(&filter, all, 64);
    int count = 0;

    ck_assert_msg(n != -1, "harness: cannot read the kernel's socket table: %s", sl_errno_name(errno));
    for (int i = 0; i < n && i < 64; i++) {
        if (!sl_addr_same_host(sa(&all[i].local), sa(addr)))
            continue;
        if (count < max)
            out[count] = all[i];
        count++;
    }
    return count;
}

/*
 * Poll the kernel's table until exactly `want` LISTEN sockets are on addr,
 * for at most WAIT_MS. Returns the last count seen (out[] holds them).
 */
static int wait_for_listeners(const struct sockaddr_storage *addr, int want, struct sl_diag_socket *out, int max)
{
    long long deadline = sl_now_ms() + WAIT_MS;
    int delay_ms = 1;

    for (;;) {
        int n = listeners_on(addr, out, max);
        if (n == want || sl_now_ms() >= deadline)
            return n;
        poll(NULL, 0, delay_ms);
        if (delay_ms < 20)
            delay_ms *= 2;
    }
}

/* The entry of list[] (n of them) with this inode, or NULL. */
static const struct sl_diag_socket *find_inode(const struct sl_diag_socket *list, int n, uint64_t inode)
{
    for (int i = 0; i < n; i++)
        if (list[i].inode == inode)
            return &list[i];
    return NULL;
}

/*
 * Poll until the LISTEN sockets on addr hold `total` queued connections
 * in all (the handshake's last ACK may still be on its way when connect()
 * returns). Returns the count of listeners; out[] holds their entries.
 */
static int wait_for_queued(const struct sockaddr_storage *addr, unsigned total, struct sl_diag_socket *out, int max)
{
    long long deadline = sl_now_ms() + WAIT_MS;
    int delay_ms = 1;

    for (;;) {
        int n = listeners_on(addr, out, max);
        unsigned sum = 0;
        for (int i = 0; i < n && i < max; i++)
            sum += out[i].rqueue;
        if (sum >= total || sl_now_ms() >= deadline)
            return n;
        poll(NULL, 0, delay_ms);
        if (delay_ms < 20)
            delay_ms *= 2;
    }
}

/* Open `count` connections to addr into fds[]; each must be accepted by the kernel. */
static void connect_many(const struct sockaddr_storage *addr, int *fds, int count)
{
    for (int i = 0; i < count; i++) {
        fds[i] = kit_connect_to(sa(addr));
        if (fds[i] == -1)
            fail_test("connection %d to %s failed: %s", i + 1, tl_str(addr, 0), sl_errno_name(errno));
    }
}

static void close_all(int *fds, int count)
{
    for (int i = 0; i < count; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Is SO_REUSEPORT (or another boolean option) on for fd, as the kernel says? */
static bool option_on(int fd, int option)
{
    int value = 0;
    socklen_t len = sizeof value;

    return getsockopt(fd, SOL_SOCKET, option, &value, &len) == 0 && value != 0;
}

/* Does the kernel list bound, not listening sockets (TCP_BOUND_INACTIVE)? */
static bool kernel_lists_bound_sockets(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket found;
    int fd = harness_on_new_port("127.0.0.1", PLAIN, false, &addr);
    struct sl_diag_filter filter = {
        .family = AF_INET,
        .states = 1u << BOUND_INACTIVE_STATE,
        .local_port = sl_addr_port(sa(&addr)),
        .inode = kit_socket_inode(fd),
    };
    bool listed = sl_diag_list(&filter, &found, 1) == 1;

    close(fd);
    return listed;
}

/*
 * The socket inodes process pid holds (from the links in /proc/PID/fd,
 * which read "socket:[INODE]"). Returns how many, at most max are stored.
 */
static int socket_inodes_of(pid_t pid, uint64_t *inodes, int max)
{
    char dir_path[64];
    DIR *dir;
    struct dirent *e;
    int count = 0;

    snprintf(dir_path, sizeof dir_path, "/proc/%d/fd", (int)pid);
    dir = opendir(dir_path);
    if (dir == NULL)
        fail_test("cannot read %s (%s): is process %d still running?", dir_path, sl_errno_name(errno), (int)pid);
    while ((e = readdir(dir)) != NULL) {
        char link_path[400], target[64];
        unsigned long long inode;
        ssize_t n;

        if (e->d_name[0] == '.')
            continue;
        snprintf(link_path, sizeof link_path, "%s/%s", dir_path, e->d_name);
        n = readlink(link_path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (sscanf(target, "socket:[%llu]", &inode) == 1) {
            if (count < max)
                inodes[count] = inode;
            count++;
        }
    }
    closedir(dir);
    return count;
}

static bool holds_inode(pid_t pid, uint64_t inode)
{
    uint64_t inodes[256];
    int n = socket_inodes_of(pid, inodes, 256);

    for (int i = 0; i < n && i < 256; i++)
        if (inodes[i] == inode)
            return true;
    return false;
}

/* Check the pool the student's lab05_start_workers() filled in. */
static void require_pool(const struct lab05_pool *pool, int n)
{
    if (pool->nworkers != n)
        fail_test("lab05_start_workers(n = %d) returned 0 but pool->nworkers is %d", n, pool->nworkers);
    for (int k = 0; k < n; k++) {
        if (!is_student_child(pool->pids[k]))
            fail_test("pool->pids[%d] = %d is not a child process of the caller: each worker must be fork()ed by "
                      "lab05_start_workers", k, (int)pool->pids[k]);
        for (int j = 0; j < k; j++)
            if (pool->pids[j] == pool->pids[k])
                fail_test("pool->pids[%d] and pool->pids[%d] are the same process %d", j, k, (int)pool->pids[k]);
    }
}

/* Reserve a port for workers the harness's way: a bound SO_REUSEPORT socket. */
static int reserve_for_workers(struct sockaddr_storage *addr)
{
    return harness_on_new_port("127.0.0.1", WITH_REUSEPORT, false, addr);
}

/*
 * Wait for the workers' n listeners on addr; fail with an explanation when
 * they do not all appear. out[] receives the kernel's entries.
 */
static void require_worker_listeners(const struct sockaddr_storage *addr, int n, struct sl_diag_socket *out)
{
    int found = wait_for_listeners(addr, n, out, LAB05_MAX_WORKERS);

    if (found == n)
        return;
    if (found == 1)
        fail_test("after %d ms the kernel lists ONE LISTEN socket on %s, not %d: every worker must make its own "
                  "listener after fork(); a listener made before fork() is one socket shared by all",
                  WAIT_MS, tl_str(addr, 0), n);
    fail_test("after %d ms the kernel lists %d LISTEN sockets on %s, expected %d (one per worker)%s", WAIT_MS, found,
              tl_str(addr, 0), n, found < n ? ": did some workers fail to bind, or exit?" : "");
}

/*
 * Read one worker's answer from a connection: the whole of it, up to
 * end-of-file, waiting at most until deadline (ms). Returns the length.
 */
static size_t read_answer(int fd, char *buf, size_t size, long long deadline)
{
    size_t used = 0;

    while (used < size - 1) {
        long long left = deadline - sl_now_ms();
        ssize_t n;

        if (left <= 0 || sl_wait_readable(fd, (int)left) != 1)
            break;
        n = read(fd, buf + used, size - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    return used;
}

/*
 * The harness's own workers, for step 6: n children in a process group of
 * their own, each with its own SO_REUSEPORT listener on addr, accepting and
 * closing connections. lab05_stop_workers() must signal and reap them, so
 * they must be children of the process it runs in, the subject: the test
 * forks them there, through sj_call() as a proxy would (run_harness_workers).
 * A worker runs no Check code: it must never report a result of its own.
 */
static void harness_worker(const struct sockaddr_storage *addr, pid_t group) __attribute__((noreturn));

static void harness_worker(const struct sockaddr_storage *addr, pid_t group)
{
    int on = 1;
    int fd = socket(addr->ss_family, SOCK_STREAM, 0);

    /* A worker ends on SIGTERM, whatever the subject inherited. */
    signal(SIGTERM, SIG_DFL);
    setpgid(0, group);
    if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == -1 ||
        bind(fd, sa(addr), sa_len(addr)) == -1 || listen(fd, LAB05_BACKLOG) == -1)
        _exit(1);
    for (;;) {
        int conn = accept(fd, NULL, NULL);
        if (conn >= 0)
            close(conn);
    }
}

/* In the subject: fork the workers (a[0] the address, a[1] n) and fill in the pool (a[2]). */
static long run_harness_workers(const union sj_value *a)
{
    const struct sockaddr_storage *addr = a[0].p;
    struct lab05_pool *pool = a[2].p;

    memset(pool, 0, sizeof *pool);
    for (int k = 0; k < (int)a[1].i; k++) {
        pid_t pid = fork();
        if (pid == -1)
            return -1;
        if (pid == 0)
            harness_worker(addr, pool->pgid);
        pool->pids[pool->nworkers++] = pid;
        if (pool->pgid == 0)
            pool->pgid = pid; /* the first worker names the group */
        /* The child makes the same call: whichever runs first sets the group. */
        setpgid(pid, pool->pgid);
    }
    return 0;
}

static void harness_start_workers(const struct sockaddr_storage *addr, int n, struct lab05_pool *pool)
{
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];

    long result = sj_call("the harness's own workers", run_harness_workers, 3, SJ_IN(addr, sizeof *addr),
                          SJ_INT(n), SJ_OUT(pool, sizeof *pool));
    if (result != 0)
        fail_test("harness: cannot fork its own workers: %s", sl_errno_name(errno));
    /* The pool came back from the student's process: check it with the kernel. */
    if (pool->nworkers != n || pool->pgid <= 1 || pool->pgid == getpgid(sj_subject_pid()))
        fail_test("harness: its own workers came back as %d in group %d", pool->nworkers, (int)pool->pgid);
    for (int k = 0; k < n; k++)
        if (!is_student_child(pool->pids[k]) || getpgid(pool->pids[k]) != pool->pgid)
            fail_test("harness: its own worker %d (pid %d) is not a child of the subject in group %d", k,
                      (int)pool->pids[k], (int)pool->pgid);
    if (wait_for_listeners(addr, n, listening, LAB05_MAX_WORKERS) != n)
        fail_test("harness: its own %d workers did not all listen on %s", n, tl_str(addr, 0));
}

/*
 * Let the process open only `room` more descriptors (a new descriptor
 * takes the lowest free number, so the soft limit goes just above the
 * room-th free one). *saved receives the old limit. The limit is set for
 * the subject too (sj_setrlimit), where the student's code opens them: it
 * shares this process's descriptor table, so the numbers are the same.
 */
static void limit_fd_room(int room, struct rlimit *saved)
{
    struct rlimit lower;
    int fd = -1;

    ck_assert_msg(getrlimit(RLIMIT_NOFILE, saved) == 0, "harness: getrlimit: %s", sl_errno_name(errno));
    while (room > 0)
        if (!tl_fd_is_open(++fd))
            room--;
    lower = *saved;
    lower.rlim_cur = (rlim_t)fd + 1;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &lower) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
}

/*
 * Which descriptor numbers are open (the table this process shares with
 * the subject). A failed call must leave the same ones open: close what it
 * opened, and close nothing it did not open.
 */
struct open_fds {
    bool open[1024];
};

static void snapshot_fds(struct open_fds *s)
{
    for (int fd = 0; fd < 1024; fd++)
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
    if (result >= 0 && result < 1024 && !before->open[result])
        close(result);
    require_failure(result, err, want, call);
    for (int fd = 0; fd < 1024; fd++) {
        if (after.open[fd] && !before->open[fd])
            fail_test("%s failed as it should, but left descriptor %d open: close every descriptor the function "
                      "opened before returning -1", call, fd);
        if (!after.open[fd] && before->open[fd])
            fail_test("%s closed descriptor %d, which it had not opened (a wrong index or an uninitialised "
                      "variable passed to close()?)", call, fd);
    }
}

/* Fail unless a call that must succeed returned exactly `want` (0, say, not just "not -1"). */
static void require_exactly(long result, int err, long want, const char *call)
{
    require_success((int)result, err, call);
    if (result != want)
        fail_test("%s returned %ld; on success it returns %ld", call, result, want);
}

/*
 * Process pid as /proc/PID/stat has it: its state letter ('Z' a zombie,
 * 'T' stopped, 0 no such process) and, for a zombie, the status its parent
 * would get from waitpid() (the 52nd field, exit_code). The test cannot
 * waitpid() the student's workers (they are the subject's children): this
 * is how it learns how a worker ended.
 */
static char process_status(pid_t pid, int *wait_status)
{
    char path[64], buf[2048];
    FILE *f;
    size_t n;

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
        int status = -1;
        char state = process_status(pid, &status);
        if (state == 0)
            return -2;
        if (state == 'Z')
            return status;
        if (sl_now_ms() >= deadline)
            return -1;
        poll(NULL, 0, 2);
    }
}

/* How a process ended, for messages: "exit status 2", "signal 13 (SIGPIPE)". */
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

/* Poll until process pid is in state `want` ('T', say), for at most WAIT_MS. */
static bool await_state(pid_t pid, char want)
{
    long long deadline = sl_now_ms() + WAIT_MS;
    int status;

    while (process_status(pid, &status) != want) {
        if (sl_now_ms() >= deadline)
            return false;
        poll(NULL, 0, 1);
    }
    return true;
}

/*
 * The student's calls since the last fault_clear(), in order (faults.h).
 * What it says is evidence of a mistake, never the reason a test passes:
 * the student's process could write it.
 */
struct call_log {
    struct fault_record r[FAULT_LOG_MAX];
    int n;
};

static void read_call_log(struct call_log *log)
{
    log->n = fault_log(log->r, FAULT_LOG_MAX);
    if (log->n > FAULT_LOG_MAX)
        log->n = FAULT_LOG_MAX;
}

/* The index of the first record of `call` on fd by pid (pid 0: any) at or after `from`, or -1. */
static int find_call(const struct call_log *log, int from, enum fault_call call, int pid, int fd)
{
    for (int i = from; i < log->n; i++)
        if (log->r[i].call == call && (pid == 0 || log->r[i].pid == pid) && log->r[i].fd == fd)
            return i;
    return -1;
}

/*
 * The order the kernel cannot show (FACTS: a socket that sets SO_REUSEPORT
 * after its own bind() still lets others join it): on descriptor fd the
 * student's code set SO_REUSEPORT, and only then called bind().
 */
static void require_option_before_bind(int fd, const char *function)
{
    struct call_log log;
    int option = -1;

    read_call_log(&log);
    int bind_at = find_call(&log, 0, FC_BIND, 0, fd);
    for (int i = 0; i < log.n; i++)
        if (log.r[i].call == FC_SETSOCKOPT && log.r[i].fd == fd && log.r[i].a == SOL_SOCKET &&
            log.r[i].b == SO_REUSEPORT && log.r[i].result == 0) {
            option = i;
            break;
        }
    if (bind_at != -1 && (option == -1 || option > bind_at))
        fail_test("%s called bind() on its socket (descriptor %d) %s: SO_REUSEPORT must be on BEFORE bind(), which "
                  "is where the kernel decides whether the port may be shared", function, fd,
                  option == -1 ? "without setting SO_REUSEPORT first" : "before setsockopt(SO_REUSEPORT)");
}

/* ------------------------------------------------------------------ */
/* Step 1: One listener that can share its port                         */
/* ------------------------------------------------------------------ */

static void check_group_of_two(const char *ip)
{
    struct sockaddr_storage addr, group;
    struct sl_diag_socket listening[4];

    /* The student's socket first, on a port the kernel picks... */
    address(ip, 0, &addr);
    int fd = lab05_reuseport_listener(sa(&addr), sa_len(&addr), LAB05_BACKLOG);
    require_success(fd, errno, "lab05_reuseport_listener(port 0)");
    struct sl_diag_socket k = tl_kernel_view(fd, "the socket lab05_reuseport_listener returned");
    if (k.state != SL_LISTEN)
        fail_test("the kernel lists the socket in state %s, not LISTEN", sl_state_linux_name(k.state));
    if (k.wqueue != LAB05_BACKLOG)
        fail_test("the kernel lists a backlog of %u for the listener; it was asked for %d", k.wqueue, LAB05_BACKLOG);
    if (!option_on(fd, SO_REUSEPORT))
        fail_test("SO_REUSEPORT is off on the listener (getsockopt says 0)");
    addr = k.local;

    /* ... then the harness's own SO_REUSEPORT listener joins it: the
     * kernel agrees only if the student's socket had the option at bind(). */
    int other = harness_socket(&addr, WITH_REUSEPORT, true);
    if (other == -1)
        fail_test("a second SO_REUSEPORT listener could not join %s (%s): the student's socket did not allow sharing "
                  "when it was bound", tl_str(&addr, 0), sl_errno_name(errno));
    int n = listeners_on(&addr, listening, 4);
    if (n != 2)
        fail_test("the kernel lists %d LISTEN sockets on %s, expected 2", n, tl_str(&addr, 0));

    /* The other way round: the harness's group is there first, the
     * student's socket joins it. */
    int first = harness_on_new_port(ip, WITH_REUSEPORT, true, &group);
    int joined = lab05_reuseport_listener(sa(&group), sa_len(&group), LAB05_BACKLOG);
    require_shared(joined, errno, "lab05_reuseport_listener joining a SO_REUSEPORT listener's port");
    n = listeners_on(&group, listening, 4);
    if (n != 2 || !find_inode(listening, n, kit_socket_inode(joined)))
        fail_test("after joining, the kernel lists %d LISTEN sockets on %s (the student's among them: %s), expected 2",
                  n, tl_str(&group, 0), find_inode(listening, n, kit_socket_inode(joined)) ? "yes" : "no");

    close(joined);
    close(first);
    close(other);
    close(fd);
}

static void test_listener_joins_group(void)
{
    check_group_of_two("127.0.0.1");
}

static void test_ipv6_group(void)
{
    if (!tl_ipv6_available())
        grade_skip("this machine cannot bind a TCP socket to ::1");
    check_group_of_two("::1");
}

static void test_refused_without_option(void)
{
    struct sockaddr_storage addr;
    static const struct {
        int options;
        const char *what;
    } holders[] = {
        { PLAIN, "a listener without SO_REUSEPORT" },
        { WITH_REUSEADDR, "a listener with SO_REUSEADDR only" },
    };

    /* First it must work where it should. */
    address("127.0.0.1", 0, &addr);
    int fd = lab05_reuseport_listener(sa(&addr), sa_len(&addr), LAB05_BACKLOG);
    require_success(fd, errno, "lab05_reuseport_listener(127.0.0.1:0)");
    close(fd);

    for (size_t i = 0; i < sizeof holders / sizeof holders[0]; i++) {
        int holder = harness_on_new_port("127.0.0.1", holders[i].options, true, &addr);
        int before = tl_open_fd_count();
        int result = lab05_reuseport_listener(sa(&addr), sa_len(&addr), LAB05_BACKLOG);
        int err = errno;
        int after = tl_open_fd_count();
        char call[160];

        if (result >= 0)
            close(result);
        snprintf(call, sizeof call, "lab05_reuseport_listener on a port held by %s", holders[i].what);
        require_failure(result, err, EADDRINUSE, call);
        if (after != before)
            fail_test("a failed lab05_reuseport_listener left %d descriptor(s) open", after - before);
        close(holder);
    }
}

/*
 * The backlog is the caller's, the option comes before bind() on 127.0.0.2
 * too, and every call that can fail is made to fail once: -1, that call's
 * errno, and nothing left open.
 */
static void test_listener_errors(void)
{
    struct sockaddr_storage addr;
    struct open_fds before;
    struct rlimit saved;

    /* Another loopback address, and a backlog that is not LAB05_BACKLOG. */
    address("127.0.0.2", 0, &addr);
    fault_clear();
    int fd = lab05_reuseport_listener(sa(&addr), sa_len(&addr), 5);
    require_success(fd, errno, "lab05_reuseport_listener(127.0.0.2:0, backlog 5)");
    struct sl_diag_socket k = tl_kernel_view(fd, "the socket lab05_reuseport_listener returned");
    if (k.state != SL_LISTEN)
        fail_test("the kernel lists the socket on 127.0.0.2 in state %s, not LISTEN", sl_state_linux_name(k.state));
    if (k.wqueue != 5)
        fail_test("lab05_reuseport_listener(backlog = 5): the kernel lists a backlog of %u; pass the backlog you are "
                  "given to listen()", k.wqueue);
    if (k.local.ss_family != AF_INET || ((struct sockaddr_in *)&k.local)->sin_addr.s_addr != htonl(INADDR_LOOPBACK + 1))
        fail_test("the listener is on %s; it was asked for 127.0.0.2", tl_str(&k.local, 0));
    require_option_before_bind(fd, "lab05_reuseport_listener");
    close(fd);

    /* socket() fails: no descriptor left to take (RLIMIT_NOFILE). */
    address("127.0.0.1", 0, &addr);
    snapshot_fds(&before);
    limit_fd_room(0, &saved);
    int result = lab05_reuseport_listener(sa(&addr), sa_len(&addr), LAB05_BACKLOG);
    int err = errno;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    require_clean_failure(result, err, EMFILE, &before, "lab05_reuseport_listener when socket() fails (EMFILE)");

    /* setsockopt() fails, as on a kernel without SO_REUSEPORT (before 3.9). */
    snapshot_fds(&before);
    fault_fail(FC_SETSOCKOPT, 0, ENOPROTOOPT);
    result = lab05_reuseport_listener(sa(&addr), sa_len(&addr), LAB05_BACKLOG);
    err = errno;
    fault_clear();
    require_clean_failure(result, err, ENOPROTOOPT, &before,
                          "lab05_reuseport_listener when setsockopt(SO_REUSEPORT) fails (ENOPROTOOPT)");

    /* bind() fails: an address this machine does not have (TEST-NET-1),
     * where the kernel says so (unless the machine allows non-local binds). */
    struct sockaddr_storage foreign;
    address("192.0.2.1", 0, &foreign);
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_msg(probe != -1, "harness: socket: %s", sl_errno_name(errno));
    bool nonlocal_refused = bind(probe, sa(&foreign), sa_len(&foreign)) == -1 && errno == EADDRNOTAVAIL;
    close(probe);
    if (nonlocal_refused) {
        snapshot_fds(&before);
        result = lab05_reuseport_listener(sa(&foreign), sa_len(&foreign), LAB05_BACKLOG);
        require_clean_failure(result, errno, EADDRNOTAVAIL, &before,
                              "lab05_reuseport_listener(192.0.2.1:0), an address this machine does not have");
    }

    /* listen() fails (FACTS: listen() checks the port again; EADDRINUSE). */
    snapshot_fds(&before);
    fault_fail(FC_LISTEN, 0, EADDRINUSE);
    result = lab05_reuseport_listener(sa(&addr), sa_len(&addr), LAB05_BACKLOG);
    err = errno;
    fault_clear();
    require_clean_failure(result, err, EADDRINUSE, &before, "lab05_reuseport_listener when listen() fails (EADDRINUSE)");
}

/* ------------------------------------------------------------------ */
/* Step 2: Two listeners on one port                                    */
/* ------------------------------------------------------------------ */

/* Run lab05_listener_pair on ip:0 and check the kernel lists both; returns the port's address. */
static struct sockaddr_storage require_pair(const char *ip, int fds[2])
{
    struct sockaddr_storage addr;
    struct sl_diag_socket listening[4];

    address(ip, 0, &addr);
    fds[0] = fds[1] = -1;
    int result = lab05_listener_pair(sa(&addr), sa_len(&addr), fds);
    require_shared(result, errno, "lab05_listener_pair(port 0)");
    if (!tl_fd_is_open(fds[0]) || !tl_fd_is_open(fds[1]) || fds[0] == fds[1])
        fail_test("lab05_listener_pair gave fds %d and %d: two different open descriptors are needed", fds[0], fds[1]);

    struct sl_diag_socket first = tl_kernel_view(fds[0], "fds[0]");
    struct sl_diag_socket second = tl_kernel_view(fds[1], "fds[1]");
    if (!sl_addr_equal(sa(&first.local), sa(&second.local)))
        fail_test("fds[0] is on %s and fds[1] on %s: the second must use the port the first one got "
                  "(getsockname), not port 0 again", tl_str(&first.local, 0), tl_str(&second.local, 1));
    addr = first.local;
    int n = listeners_on(&addr, listening, 4);
    if (n != 2)
        fail_test("the kernel lists %d LISTEN sockets on %s, expected 2", n, tl_str(&addr, 0));
    if (!find_inode(listening, n, first.inode) || !find_inode(listening, n, second.inode))
        fail_test("the LISTEN sockets on %s are not fds[0] and fds[1] (inodes %llu and %llu)", tl_str(&addr, 0),
                  (unsigned long long)first.inode, (unsigned long long)second.inode);
    return addr;
}

static void test_pair_two_inodes(void)
{
    int fds[2];

    require_pair("127.0.0.1", fds);
    close(fds[0]);
    close(fds[1]);
}

static void test_pair_both_accept(void)
{
    enum { SENT = 64 };
    struct sl_diag_socket listening[4];
    int fds[2], clients[SENT];
    struct sockaddr_storage addr = require_pair("127.0.0.1", fds);

    /* Nobody accepts: the connections wait in the queue of the listener
     * the kernel chose for each. With 64 of them, each of two listeners
     * gets some (both get none with probability 2^-63). */
    connect_many(&addr, clients, SENT);
    int n = wait_for_queued(&addr, SENT, listening, 4);
    const struct sl_diag_socket *first = find_inode(listening, n, kit_socket_inode(fds[0]));
    const struct sl_diag_socket *second = find_inode(listening, n, kit_socket_inode(fds[1]));
    if (first == NULL || second == NULL)
        fail_test("the pair's sockets are no longer both in LISTEN on %s", tl_str(&addr, 0));
    if (first->rqueue + second->rqueue != SENT)
        fail_test("%d connections were made, but the pair's accept queues hold %u and %u", SENT, first->rqueue,
                  second->rqueue);
    if (first->rqueue == 0 || second->rqueue == 0)
        fail_test("of %d connections, the kernel queued %u at fds[0] and %u at fds[1]: both should get some", SENT,
                  first->rqueue, second->rqueue);

    close_all(clients, SENT);
    close(fds[0]);
    close(fds[1]);
}

static void test_pair_all_or_nothing(void)
{
    struct sockaddr_storage addr;
    struct rlimit saved;
    int fds[2];

    require_pair("127.0.0.1", fds);
    close(fds[0]);
    close(fds[1]);

    /* The port is held by a listener without SO_REUSEPORT: the first socket fails. */
    int holder = harness_on_new_port("127.0.0.1", PLAIN, true, &addr);
    int before = tl_open_fd_count();
    int result = lab05_listener_pair(sa(&addr), sa_len(&addr), fds);
    int err = errno;
    if (result == 0)
        close_all(fds, 2);
    require_failure(result, err, EADDRINUSE, "lab05_listener_pair on a port a plain listener holds");
    if (tl_open_fd_count() != before)
        fail_test("a failed lab05_listener_pair left %d descriptor(s) open", tl_open_fd_count() - before);
    close(holder);

    /* Room for one descriptor only: the second socket() fails with EMFILE,
     * and the first listener must be closed again. */
    address("127.0.0.1", 0, &addr);
    before = tl_open_fd_count();
    limit_fd_room(1, &saved);
    result = lab05_listener_pair(sa(&addr), sa_len(&addr), fds);
    err = errno;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    if (result == 0)
        close_all(fds, 2);
    require_failure(result, err, EMFILE, "lab05_listener_pair with room for one descriptor");
    if (tl_open_fd_count() != before)
        fail_test("lab05_listener_pair failed at the second socket but left %d descriptor(s) open: close the first",
                  tl_open_fd_count() - before);
}

static void test_specific_beats_wildcard(void)
{
    struct sockaddr_storage wildcard, specific, other;
    struct sl_diag_socket listening[4];
    int fds[2], to_specific[QUEUED], to_other[QUEUED];

    /* A group on 0.0.0.0:P (the student's pair), and one listener on
     * 127.0.0.1:P (the student's step 1): the addresses overlap, and all
     * three have SO_REUSEPORT and one owner, so the kernel allows it. */
    wildcard = require_pair("0.0.0.0", fds);
    specific = wildcard;
    ((struct sockaddr_in *)&specific)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = lab05_reuseport_listener(sa(&specific), sa_len(&specific), LAB05_BACKLOG);
    require_shared(fd, errno, "lab05_reuseport_listener(127.0.0.1:P) beside a group on 0.0.0.0:P");

    /* To 127.0.0.1: the listener on that very address wins, every time. */
    connect_many(&specific, to_specific, QUEUED);
    int n = wait_for_queued(&specific, QUEUED, listening, 4);
    if (n != 1 || listening[0].rqueue != QUEUED)
        fail_test("%d connections to %s: the listener on 127.0.0.1 queued %u of them; a listener on the exact "
                  "address should get them all", QUEUED, tl_str(&specific, 0), n == 1 ? listening[0].rqueue : 0);
    n = listeners_on(&wildcard, listening, 4);
    if (n != 2 || listening[0].rqueue + listening[1].rqueue != 0)
        fail_test("the group on %s queued connections that were sent to 127.0.0.1", tl_str(&wildcard, 0));

    /* To 127.0.0.2 (also loopback): only the wildcard group matches. */
    other = specific;
    ((struct sockaddr_in *)&other)->sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
    connect_many(&other, to_other, QUEUED);
    n = wait_for_queued(&wildcard, QUEUED, listening, 4);
    if (n != 2 || listening[0].rqueue + listening[1].rqueue != QUEUED)
        fail_test("%d connections to %s should all wait in the group on %s", QUEUED, tl_str(&other, 0),
                  tl_str(&wildcard, 1));

    close_all(to_specific, QUEUED);
    close_all(to_other, QUEUED);
    close(fd);
    close(fds[0]);
    close(fds[1]);
}

/* lab05_listener_pair fails at `what`: -1 with errno `want`, and nothing left open. */
static void require_pair_failure(enum fault_call call, int after, int want, const char *what)
{
    struct sockaddr_storage addr;
    struct open_fds before;
    char text[200];
    int fds[2] = { -1, -1 };

    address("127.0.0.1", 0, &addr);
    snapshot_fds(&before);
    fault_fail(call, after, want);
    int result = lab05_listener_pair(sa(&addr), sa_len(&addr), fds);
    int err = errno;
    fault_clear();
    if (result != -1)
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0 && fds[i] < 1024 && !before.open[fds[i]])
                close(fds[i]);
    snprintf(text, sizeof text, "lab05_listener_pair when %s fails (%s)", what, sl_errno_name(want));
    require_clean_failure(result, err, want, &before, text);
}

static void test_pair_errors(void)
{
    int fds[2] = { -1, -1 };
    struct sockaddr_storage addr;

    /* A process normally has descriptors 0, 1 and 2 open: a socket is never 0 here. */
    if (!tl_fd_is_open(0))
        ck_assert_msg(open("/dev/null", O_RDONLY) == 0, "harness: cannot open /dev/null as descriptor 0");

    /* Success is 0 exactly, on another loopback address too. */
    address("127.0.0.2", 0, &addr);
    int result = lab05_listener_pair(sa(&addr), sa_len(&addr), fds);
    require_exactly(result, errno, 0, "lab05_listener_pair(127.0.0.2:0)");
    struct sl_diag_socket first = tl_kernel_view(fds[0], "fds[0]");
    struct sl_diag_socket second = tl_kernel_view(fds[1], "fds[1]");
    if (!sl_addr_equal(sa(&first.local), sa(&second.local)) ||
        ((struct sockaddr_in *)&first.local)->sin_addr.s_addr != htonl(INADDR_LOOPBACK + 1))
        fail_test("lab05_listener_pair(127.0.0.2:0) put its listeners on %s and %s; both belong on 127.0.0.2 and the "
                  "port the first one got", tl_str(&first.local, 0), tl_str(&second.local, 1));
    close(fds[0]);
    close(fds[1]);

    /* Each call between the first listener and the second fails once. */
    require_pair_failure(FC_GETSOCKNAME, 0, ENOBUFS, "getsockname() on the first listener");
    require_pair_failure(FC_BIND, 1, EADDRINUSE, "the second listener's bind()");
    require_pair_failure(FC_LISTEN, 1, EADDRINUSE, "the second listener's listen()");
}

static void test_pair_ipv6(void)
{
    int fds[2] = { -1, -1 };
    struct sockaddr_storage addr;
    struct sl_diag_socket listening[4];

    if (!tl_ipv6_available())
        grade_skip("this machine cannot bind a TCP socket to ::1");
    /* The second listener goes on the address getsockname() returned: a
     * sockaddr_in6 of 28 bytes, not a sockaddr_in. */
    address("::1", 0, &addr);
    int result = lab05_listener_pair(sa(&addr), sa_len(&addr), fds);
    require_exactly(result, errno, 0, "lab05_listener_pair([::1]:0)");
    struct sl_diag_socket first = tl_kernel_view(fds[0], "fds[0]");
    struct sl_diag_socket second = tl_kernel_view(fds[1], "fds[1]");
    if (first.family != AF_INET6 || !sl_addr_equal(sa(&first.local), sa(&second.local)))
        fail_test("lab05_listener_pair([::1]:0) put its listeners on %s and %s; both belong on the same [::1] port",
                  tl_str(&first.local, 0), tl_str(&second.local, 1));
    int n = listeners_on(&first.local, listening, 4);
    if (n != 2)
        fail_test("the kernel lists %d LISTEN sockets on %s, expected 2", n, tl_str(&first.local, 0));
    close(fds[0]);
    close(fds[1]);
}

/* ------------------------------------------------------------------ */
/* Step 3: The group in the kernel's table                              */
/* ------------------------------------------------------------------ */

/* lab05_count_listeners must say n and name exactly the inodes of fds[0..n-1]. */
static void require_count(const struct sockaddr_storage *addr, const int *fds, int n, const char *situation)
{
    uint64_t inodes[8];
    int got = lab05_count_listeners(sa(addr), inodes, 8);

    require_success(got, errno, "lab05_count_listeners");
    if (got != n)
        fail_test("lab05_count_listeners(%s) says %d, the kernel lists %d LISTEN sockets there (%s)", tl_str(addr, 0),
                  got, n, situation);
    for (int i = 0; i < n; i++) {
        bool named = false;
        for (int j = 0; j < n; j++)
            named |= inodes[j] == kit_socket_inode(fds[i]);
        if (!named)
            fail_test("lab05_count_listeners(%s) does not name the inode %llu of a listener there (%s)",
                      tl_str(addr, 0), (unsigned long long)kit_socket_inode(fds[i]), situation);
    }
}

static void test_count_matches_kernel(void)
{
    struct sockaddr_storage addr, neighbour;
    int group[3] = { -1, -1, -1 }, clients[2];

    /* A port that is held but has no listener: 0. */
    int reserved = harness_on_new_port("127.0.0.1", WITH_REUSEPORT, false, &addr);
    require_count(&addr, group, 0, "a bound socket that does not listen");

    /* One, two, three listeners joining. */
    for (int i = 0; i < 3; i++) {
        group[i] = harness_socket(&addr, WITH_REUSEPORT, true);
        ck_assert_msg(group[i] != -1, "harness: listener %d on %s: %s", i + 1, tl_str(&addr, 0),
                      sl_errno_name(errno));
        require_count(&addr, group, i + 1, "listeners of one group");
    }

    /* Connections on the port (one accepted, one still queued) are not listeners. */
    clients[0] = tl_connect(&addr);
    clients[1] = tl_connect(&addr);
    int accepted = -1;
    for (int i = 0; i < 3 && accepted == -1; i++)
        if (sl_wait_readable(group[i], 0) == 1)
            accepted = accept(group[i], NULL, NULL);
    require_count(&addr, group, 3, "with ESTABLISHED connections on the same port");

    /* A listener on another address, same port, is not on this address. */
    neighbour = addr;
    ((struct sockaddr_in *)&neighbour)->sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
    int beside = harness_socket(&neighbour, WITH_REUSEPORT, true);
    ck_assert_msg(beside != -1, "harness: listener on %s: %s", tl_str(&neighbour, 0), sl_errno_name(errno));
    require_count(&addr, group, 3, "with a listener on 127.0.0.2 and the same port");
    require_count(&neighbour, &beside, 1, "the listener on 127.0.0.2");

    /* One leaves the group. */
    close(group[2]);
    require_count(&addr, group, 2, "after one listener closed");

    if (accepted != -1)
        close(accepted);
    close_all(clients, 2);
    close(beside);
    close(group[0]);
    close(group[1]);
    close(reserved);
}

static void test_count_more_than_max(void)
{
    struct sockaddr_storage addr, neighbour;
    uint64_t inodes[3] = { 0, 7, 7 };
    int group[3];

    group[0] = harness_on_new_port("127.0.0.1", WITH_REUSEPORT, true, &addr);
    group[1] = harness_socket(&addr, WITH_REUSEPORT, true);
    group[2] = harness_socket(&addr, WITH_REUSEPORT, true);
    ck_assert_msg(group[1] != -1 && group[2] != -1, "harness: cannot make a group of 3 on %s", tl_str(&addr, 0));

    /* A 4th listener on the same port, another address: it is not on addr,
     * so a count of the port alone says 4 and may store its inode. */
    neighbour = addr;
    ((struct sockaddr_in *)&neighbour)->sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
    int beside = harness_socket(&neighbour, WITH_REUSEPORT, true);
    ck_assert_msg(beside != -1, "harness: listener on %s: %s", tl_str(&neighbour, 0), sl_errno_name(errno));

    int got = lab05_count_listeners(sa(&addr), inodes, 1);
    require_success(got, errno, "lab05_count_listeners(max = 1)");
    if (got != 3)
        fail_test("lab05_count_listeners(%s, max = 1) returned %d for 3 listeners there (and one on %s, which is "
                  "not there): return how many are on addr, even when only max are stored",
                  tl_str(&addr, 0), got, tl_str(&neighbour, 1));
    if (inodes[0] != kit_socket_inode(group[0]) && inodes[0] != kit_socket_inode(group[1]) &&
        inodes[0] != kit_socket_inode(group[2]))
        fail_test("lab05_count_listeners(max = 1) stored %llu, not the inode of a listener on %s",
                  (unsigned long long)inodes[0], tl_str(&addr, 0));
    if (inodes[1] != 7 || inodes[2] != 7)
        fail_test("lab05_count_listeners(max = 1) wrote past inodes[0]");
    got = lab05_count_listeners(sa(&addr), NULL, 0);
    if (got != 3)
        fail_test("lab05_count_listeners(inodes = NULL, max = 0) returned %d for 3 listeners", got);

    close(beside);
    close_all(group, 3);
}

static void test_count_errors(void)
{
    struct sockaddr_storage wildcard, specific;
    int group[2];
    uint64_t inodes[4];

    /* Two listeners on 0.0.0.0:P and one on 127.0.0.1:P: each address
     * counts its own only. */
    group[0] = harness_on_new_port("0.0.0.0", WITH_REUSEPORT, true, &wildcard);
    group[1] = harness_socket(&wildcard, WITH_REUSEPORT, true);
    ck_assert_msg(group[1] != -1, "harness: a second listener on %s: %s", tl_str(&wildcard, 0), sl_errno_name(errno));
    specific = wildcard;
    ((struct sockaddr_in *)&specific)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int alone = harness_socket(&specific, WITH_REUSEPORT, true);
    ck_assert_msg(alone != -1, "harness: a listener on %s: %s", tl_str(&specific, 0), sl_errno_name(errno));
    require_count(&wildcard, group, 2, "two on 0.0.0.0 and one on 127.0.0.1, same port");
    require_count(&specific, &alone, 1, "two on 0.0.0.0 and one on 127.0.0.1, same port");

    /* The kernel's table cannot be read: -1 and that errno, not a count of 0. */
    fault_fail(FC_DIAG_LIST, 0, ENOBUFS);
    int got = lab05_count_listeners(sa(&wildcard), inodes, 4);
    int err = errno;
    fault_clear();
    if (got != -1)
        fail_test("lab05_count_listeners returned %d when sl_diag_list() failed (ENOBUFS); it should return -1 with "
                  "sl_diag_list()'s errno: a table that cannot be read is not an empty one", got);
    require_failure(got, err, ENOBUFS, "lab05_count_listeners when sl_diag_list() fails");

    close(alone);
    close_all(group, 2);
}

/*
 * In the subject: fill the stack below this frame with a[0]'s 8 bytes, as
 * an earlier call may have left it. Memory the student's function reads
 * without having written it (an entry sl_diag_list() did not fill) then
 * holds copies of a listener's address instead of zeros.
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

/* How many AF_INET TCP sockets in LISTEN the kernel lists on port (any address). */
static int listeners_on_port(uint16_t port)
{
    static struct sl_diag_socket all[256];
    struct sl_diag_filter filter = { .family = AF_INET, .states = SL_DIAG_STATE(TCP_LISTEN), .local_port = port };
    int n = sl_diag_list(&filter, all, 256);

    ck_assert_msg(n != -1, "harness: cannot read the kernel's socket table: %s", sl_errno_name(errno));
    return n;
}

/* count_listeners(addr) with the subject's stack painted first: exactly want, naming exactly fds[0..want-1]. */
static void require_count_painted(const struct sockaddr_storage *addr, const int *fds, int want, const char *situation)
{
    uint64_t inodes[64];
    uint64_t pattern;

    /* The first 8 bytes of addr as a sockaddr_in: family, port, address. */
    memcpy(&pattern, addr, sizeof pattern);
    sj_call("the harness's stack filler", run_paint_stack, 1, SJ_IN(&pattern, sizeof pattern));
    int got = lab05_count_listeners(sa(addr), inodes, 64);
    require_success(got, errno, "lab05_count_listeners(max = 64)");
    if (got != want)
        fail_test("lab05_count_listeners(%s) says %d; the kernel lists %d LISTEN sockets there (%s)%s", tl_str(addr, 0),
                  got, want, situation,
                  got > want ? ": did it count entries of its array that sl_diag_list() did not fill?"
                             : ": is the array it gives sl_diag_list() big enough for 64, and is every entry read?");
    for (int i = 0; i < want; i++) {
        bool named = false;
        for (int j = 0; j < want; j++)
            named |= inodes[j] == kit_socket_inode(fds[i]);
        if (!named)
            fail_test("lab05_count_listeners(%s) does not name the inode %llu of a listener there (%s)",
                      tl_str(addr, 0), (unsigned long long)kit_socket_inode(fds[i]), situation);
    }
}

static void test_count_full_table(void)
{
    enum { MANY = 64 };
    struct sockaddr_storage addr;
    int group[MANY];

    /* 64 listeners on 127.0.0.3:P, and nothing else on port P (a grader
     * next door might take P on another address: then try another port). */
    for (int attempt = 0;; attempt++) {
        group[0] = harness_on_new_port("127.0.0.3", WITH_REUSEPORT, true, &addr);
        for (int i = 1; i < MANY; i++) {
            group[i] = harness_socket(&addr, WITH_REUSEPORT, true);
            ck_assert_msg(group[i] != -1, "harness: listener %d on %s: %s", i + 1, tl_str(&addr, 0),
                          sl_errno_name(errno));
        }
        if (listeners_on_port(sl_addr_port(sa(&addr))) == MANY)
            break;
        close_all(group, MANY);
        ck_assert_msg(attempt < 3, "harness: port %u keeps getting other listeners", sl_addr_port(sa(&addr)));
    }
    require_count_painted(&addr, group, MANY, "64 listeners of one group");

    /* 63: the last entry of a 64-entry array is not filled. */
    close(group[MANY - 1]);
    require_count_painted(&addr, group, MANY - 1, "63 listeners of one group");

    /* A 64th listener on the port, on 127.0.0.4: not on 127.0.0.3. */
    struct sockaddr_storage neighbour = addr;
    ((struct sockaddr_in *)&neighbour)->sin_addr.s_addr = htonl(INADDR_LOOPBACK + 3);
    group[MANY - 1] = harness_socket(&neighbour, WITH_REUSEPORT, true);
    ck_assert_msg(group[MANY - 1] != -1, "harness: listener on %s: %s", tl_str(&neighbour, 0), sl_errno_name(errno));
    require_count_painted(&addr, group, MANY - 1, "63 listeners there and one on 127.0.0.4, same port");
    require_count_painted(&neighbour, &group[MANY - 1], 1, "63 listeners on 127.0.0.3 and this one, same port");

    close_all(group, MANY);
}

/* ------------------------------------------------------------------ */
/* Step 4: A member that never listens                                  */
/* ------------------------------------------------------------------ */

/* The student's reserved socket on 127.0.0.1: port 0; *addr gets its address. */
static int require_reserved(struct sockaddr_storage *addr)
{
    address("127.0.0.1", 0, addr);
    int fd = lab05_reserve_port(sa(addr), sa_len(addr));
    require_success(fd, errno, "lab05_reserve_port(127.0.0.1:0)");
    if (!tl_fd_is_open(fd))
        fail_test("lab05_reserve_port returned %d, which is not an open descriptor", fd);
    *addr = bound_address(fd);
    if (sl_addr_port(sa(addr)) == 0)
        fail_test("the socket lab05_reserve_port returned is not bound to a port");
    if (option_on(fd, SO_ACCEPTCONN))
        fail_test("the socket lab05_reserve_port returned is listening: it must only be bound");
    if (!option_on(fd, SO_REUSEPORT))
        fail_test("SO_REUSEPORT is off on the socket lab05_reserve_port returned");
    return fd;
}

static void test_reserve_holds_port(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket listening[2];
    int fd = require_reserved(&addr);

    /* The kernel's table shows it bound, not listening (where the kernel
     * lists such sockets at all), and no listener on the port. */
    if (kernel_lists_bound_sockets()) {
        struct sl_diag_socket k;
        struct sl_diag_filter filter = {
            .family = AF_INET,
            .states = 1u << BOUND_INACTIVE_STATE,
            .local_port = sl_addr_port(sa(&addr)),
            .inode = kit_socket_inode(fd),
        };
        if (sl_diag_list(&filter, &k, 1) != 1)
            fail_test("the kernel does not list the reserved socket as bound on %s", tl_str(&addr, 0));
    }
    if (listeners_on(&addr, listening, 2) != 0)
        fail_test("the kernel lists a LISTEN socket on %s: nothing should listen there", tl_str(&addr, 0));

    /* The port is held: a socket without SO_REUSEPORT cannot have it... */
    int plain = harness_socket(&addr, PLAIN, false);
    if (plain != -1)
        close(plain);
    require_failure(plain, errno, EADDRINUSE, "the harness's bind() without SO_REUSEPORT on the reserved port");

    /* ... and nobody answers on it. */
    int client = kit_connect_to(sa(&addr));
    if (client != -1)
        close(client);
    require_failure(client, errno, ECONNREFUSED, "a connection to the reserved port");

    close(fd);
}

static void test_reserve_gets_nothing(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket listening[2];
    int clients[QUEUED];
    int fd = require_reserved(&addr);

    /* A SO_REUSEPORT listener may join the reserved port... */
    int listener = harness_socket(&addr, WITH_REUSEPORT, true);
    if (listener == -1)
        fail_test("a SO_REUSEPORT listener could not join the reserved port %s (%s)", tl_str(&addr, 0),
                  sl_errno_name(errno));

    /* ... and then every connection goes to it: the reserved socket is in
     * no accept queue's business. */
    connect_many(&addr, clients, QUEUED);
    int n = wait_for_queued(&addr, QUEUED, listening, 2);
    if (n != 1 || listening[0].inode != kit_socket_inode(listener))
        fail_test("the kernel lists %d LISTEN sockets on %s; only the harness's listener should be one", n,
                  tl_str(&addr, 0));
    if (listening[0].rqueue != QUEUED)
        fail_test("of %d connections the listener queued %u: the reserved socket must get none", QUEUED,
                  listening[0].rqueue);
    if (option_on(fd, SO_ACCEPTCONN))
        fail_test("the reserved socket is listening");

    close_all(clients, QUEUED);
    close(listener);
    close(fd);
}

static void test_reserve_errors(void)
{
    struct sockaddr_storage addr;
    struct open_fds before;
    struct rlimit saved;
    struct sl_diag_socket listening[2];

    /* On 127.0.0.2, with the option set before bind(), and no listen(). */
    address("127.0.0.2", 0, &addr);
    fault_clear();
    int fd = lab05_reserve_port(sa(&addr), sa_len(&addr));
    require_success(fd, errno, "lab05_reserve_port(127.0.0.2:0)");
    addr = bound_address(fd);
    if (((struct sockaddr_in *)&addr)->sin_addr.s_addr != htonl(INADDR_LOOPBACK + 1) || sl_addr_port(sa(&addr)) == 0)
        fail_test("lab05_reserve_port(127.0.0.2:0) returned a socket bound to %s", tl_str(&addr, 0));
    if (option_on(fd, SO_ACCEPTCONN) || listeners_on(&addr, listening, 2) != 0)
        fail_test("the socket lab05_reserve_port returned is listening: it must only be bound");
    require_option_before_bind(fd, "lab05_reserve_port");
    close(fd);

    /* socket() fails: no descriptor left to take. */
    address("127.0.0.1", 0, &addr);
    snapshot_fds(&before);
    limit_fd_room(0, &saved);
    int result = lab05_reserve_port(sa(&addr), sa_len(&addr));
    int err = errno;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    require_clean_failure(result, err, EMFILE, &before, "lab05_reserve_port when socket() fails (EMFILE)");

    /* setsockopt() fails, as on a kernel without SO_REUSEPORT. */
    snapshot_fds(&before);
    fault_fail(FC_SETSOCKOPT, 0, ENOPROTOOPT);
    result = lab05_reserve_port(sa(&addr), sa_len(&addr));
    err = errno;
    fault_clear();
    require_clean_failure(result, err, ENOPROTOOPT, &before,
                          "lab05_reserve_port when setsockopt(SO_REUSEPORT) fails (ENOPROTOOPT)");

    /* bind() fails: the port is held by a listener without SO_REUSEPORT. */
    int holder = harness_on_new_port("127.0.0.1", PLAIN, true, &addr);
    snapshot_fds(&before);
    result = lab05_reserve_port(sa(&addr), sa_len(&addr));
    require_clean_failure(result, errno, EADDRINUSE, &before,
                          "lab05_reserve_port on a port a listener without SO_REUSEPORT holds");
    close(holder);
}

/* ------------------------------------------------------------------ */
/* Step 5: Worker processes                                             */
/* ------------------------------------------------------------------ */

/* Start the student's n workers on a reserved port and wait for their listeners. */
static int start_and_wait(int n, struct sockaddr_storage *addr, struct lab05_pool *pool,
                          struct sl_diag_socket *listening)
{
    int reserved = reserve_for_workers(addr);

    /* The workers are forked by the subject and inherit its signal
     * dispositions: SIGTERM's default action (the runner put it back
     * before the subject started), so SIGTERM simply ends a worker, as
     * it does outside the grader. */
    memset(pool, 0, sizeof *pool);
    int result = lab05_start_workers(sa(addr), sa_len(addr), n, pool);
    require_success(result, errno, "lab05_start_workers");
    require_pool(pool, n);
    require_worker_listeners(addr, n, listening);
    return reserved;
}

static void test_workers_own_listeners(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool;
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];
    int reserved = start_and_wait(WORKERS, &addr, &pool, listening);

    /* The process that called lab05_start_workers (the subject, whose
     * descriptor table this one shares) holds none of them... */
    for (int i = 0; i < WORKERS; i++)
        if (holds_inode(sj_subject_pid(), listening[i].inode))
            fail_test("the process that called lab05_start_workers holds a listener of the group itself: "
                      "only the workers should");

    /* ... and each worker holds exactly one, its own. */
    for (int k = 0; k < WORKERS; k++) {
        int owned = 0;
        for (int i = 0; i < WORKERS; i++) {
            if (!holds_inode(pool.pids[k], listening[i].inode))
                continue;
            owned++;
            for (int j = 0; j < k; j++)
                if (holds_inode(pool.pids[j], listening[i].inode))
                    fail_test("workers %d and %d share one listening socket (inode %llu): each must make its own "
                              "after fork()", j, k, (unsigned long long)listening[i].inode);
        }
        if (owned != 1)
            fail_test("worker %d (pid %d) holds %d of the %d listeners on %s, expected exactly 1", k,
                      (int)pool.pids[k], owned, WORKERS, tl_str(&addr, 0));
    }

    end_student_processes();
    close(reserved);
}

static void test_workers_answer(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool;
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];
    int clients[WORKER_CONNECTIONS];
    int served[WORKERS] = { 0 };
    int reserved = start_and_wait(WORKERS, &addr, &pool, listening);

    /* All connections first, then the answers: the workers serve them in parallel. */
    connect_many(&addr, clients, WORKER_CONNECTIONS);
    long long deadline = sl_now_ms() + WAIT_MS;
    for (int i = 0; i < WORKER_CONNECTIONS; i++) {
        char answer[128], expected[128];
        int number = -1, pid = -1;

        read_answer(clients[i], answer, sizeof answer, deadline);
        if (answer[0] == '\0')
            fail_test("connection %d of %d got no answer within %d ms", i + 1, WORKER_CONNECTIONS, WAIT_MS);
        if (sscanf(answer, "worker %d pid %d", &number, &pid) != 2 || number < 0 || number >= WORKERS)
            fail_test("connection %d got \"%.60s\", expected a line like \"worker 0 pid 1234\" "
                      "(LAB05_ANSWER_FORMAT) from worker 0 to %d", i + 1, answer, WORKERS - 1);
        snprintf(expected, sizeof expected, LAB05_ANSWER_FORMAT, number, pid);
        if (strcmp(answer, expected) != 0)
            fail_test("connection %d got \"%.60s\", expected exactly \"%s\" and then end-of-file", i + 1, answer,
                      expected);
        if (pid != pool.pids[number])
            fail_test("connection %d was answered by \"worker %d\" with pid %d, but worker %d is pid %d", i + 1, number,
                      pid, number, (int)pool.pids[number]);
        served[number]++;
        close(clients[i]);
        clients[i] = -1;
    }
    for (int k = 0; k < WORKERS; k++)
        if (served[k] == 0)
            fail_test("worker %d answered none of %d connections (served: %d %d %d %d); the kernel spreads "
                      "connections over every listener of the group", k, WORKER_CONNECTIONS, served[0], served[1],
                      served[2], served[3]);

    end_student_processes();
    close(reserved);
}

static void test_workers_process_group(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool;
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];
    int reserved = start_and_wait(3, &addr, &pool, listening);

    if (pool.pgid != pool.pids[0])
        fail_test("pool->pgid is %d; the workers' group is named after worker 0, pid %d", (int)pool.pgid,
                  (int)pool.pids[0]);
    if (pool.pgid == getpgid(sj_subject_pid()))
        fail_test("the workers are in the caller's own process group: a signal to their group would reach the caller");
    for (int k = 0; k < 3; k++)
        if (getpgid(pool.pids[k]) != pool.pgid)
            fail_test("worker %d (pid %d) is in process group %d, not in the workers' group %d", k, (int)pool.pids[k],
                      (int)getpgid(pool.pids[k]), (int)pool.pgid);
    end_student_processes();

    /* n out of range: EINVAL, and no process started: no child of the
     * subject (alive, or a zombie) that was not there before the call. */
    static const int bad[] = { 0, LAB05_MAX_WORKERS + 1 };
    for (size_t i = 0; i < 2; i++) {
        char call[64];
        pid_t before[64], after[64];
        int nbefore = children_of(sj_subject_pid(), before, 64);
        int result = lab05_start_workers(sa(&addr), sa_len(&addr), bad[i], &pool);
        int err = errno;
        int nafter = children_of(sj_subject_pid(), after, 64);
        bool started = false;
        for (int j = 0; j < nafter && j < 64; j++) {
            bool old = false;
            for (int m = 0; m < nbefore && m < 64; m++)
                old |= before[m] == after[j];
            started |= !old;
        }
        snprintf(call, sizeof call, "lab05_start_workers(n = %d)", bad[i]);
        require_failure(result, err, EINVAL, call);
        if (started)
            fail_test("%s failed but started a process", call);
    }
    end_student_processes();
    close(reserved);
}

/*
 * Connect to addr and require one worker's answer, exactly, from a worker
 * of pool (worker `expect`, or any when -1); `situation` says what came
 * before, for the message. When no answer comes, say how worker `expect`
 * (or worker 0) ended, if it did.
 */
static void require_answer(const struct sockaddr_storage *addr, const struct lab05_pool *pool, int expect,
                           const char *situation)
{
    char answer[128], expected[128];
    int number = -1, pid = -1;
    int client = kit_connect_to(sa(addr));

    if (client != -1) {
        read_answer(client, answer, sizeof answer, sl_now_ms() + WAIT_MS);
        close(client);
    } else {
        answer[0] = '\0';
    }
    if (answer[0] == '\0') {
        pid_t w = pool->pids[expect < 0 ? 0 : expect];
        int status = -1;
        char state = process_status(w, &status);
        if (state == 'Z')
            fail_test("%s, worker %d (pid %d) ended (%s) and the next client got no answer", situation,
                      expect < 0 ? 0 : expect, (int)w, describe_status(status));
        fail_test("%s, a client got no answer within %d ms (%s)", situation, WAIT_MS,
                  client == -1 ? "its connection was refused" : "nothing came");
    }
    if (sscanf(answer, "worker %d pid %d", &number, &pid) != 2 || number < 0 || number >= pool->nworkers ||
        (expect >= 0 && number != expect))
        fail_test("%s, a client got \"%.60s\", expected the line of worker %d", situation, answer,
                  expect < 0 ? 0 : expect);
    snprintf(expected, sizeof expected, LAB05_ANSWER_FORMAT, number, (int)pool->pids[number]);
    if (strcmp(answer, expected) != 0)
        fail_test("%s, a client got \"%.60s\", expected exactly \"%s\" and then end-of-file", situation, answer,
                  expected);
}

/* n = 1 and n = LAB05_MAX_WORKERS are both in range; each listener has backlog LAB05_BACKLOG. */
static void test_workers_one_and_max(void)
{
    static const int counts[] = { 1, LAB05_MAX_WORKERS };
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];

    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        struct sockaddr_storage addr;
        struct lab05_pool pool;
        char call[64];
        int n = counts[c];
        int reserved = reserve_for_workers(&addr);

        memset(&pool, 0, sizeof pool);
        snprintf(call, sizeof call, "lab05_start_workers(n = %d)", n);
        int result = lab05_start_workers(sa(&addr), sa_len(&addr), n, &pool);
        require_exactly(result, errno, 0, call);
        require_pool(&pool, n);
        require_worker_listeners(&addr, n, listening);
        for (int i = 0; i < n; i++)
            if (listening[i].wqueue != LAB05_BACKLOG)
                fail_test("%s: a worker's listener on %s has a backlog of %u; every listener of the lab passes "
                          "LAB05_BACKLOG (%d) to listen()", call, tl_str(&addr, 0), listening[i].wqueue, LAB05_BACKLOG);
        if (n == 1)
            require_answer(&addr, &pool, 0, "with one worker");
        end_student_processes();
        close(reserved);
    }
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

    ck_assert_msg(getrlimit(RLIMIT_NPROC, &saved) == 0, "harness: getrlimit: %s", sl_errno_name(errno));
    lower = saved;
    lower.rlim_cur = limit;
    ck_assert_msg(setrlimit(RLIMIT_NPROC, &lower) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    while (n < most && n < 16) {
        pid_t pid = fork();
        if (pid == -1)
            break;
        if (pid == 0)
            for (;;)
                pause();
        kids[n++] = pid;
    }
    ck_assert_msg(setrlimit(RLIMIT_NPROC, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
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

    ck_assert_msg(proc != NULL, "harness: cannot read /proc");
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
 * coming and going).
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
            ck_assert_msg(sj_setrlimit(RLIMIT_NPROC, &lower) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
            return true;
        }
        /* Other processes of this user came or went: count again. */
        base = base + (rlim_t)forks - (rlim_t)done;
    }
    return false;
}

/* After a failed lab05_start_workers: no process of it left, alive or a zombie, and no listener on addr. */
static void require_nothing_started(const struct sockaddr_storage *addr, const char *call)
{
    pid_t left[8];
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];

    int n = children_of(sj_subject_pid(), left, 8);
    if (n != 0) {
        char state = tl_process_state(left[0]);
        fail_test("%s returned -1 but left %d process(es) behind (pid %d, %s): on failure end the workers already "
                  "started and waitpid() them before returning", call, n, (int)left[0],
                  state == 'Z' ? "a zombie nobody reaped" : "still running");
    }
    if (listeners_on(addr, listening, LAB05_MAX_WORKERS) != 0)
        fail_test("%s returned -1 but a worker's listener is still on %s", call, tl_str(addr, 0));
}

static void test_workers_fork_fails(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool;
    struct rlimit saved, none;
    int reserved = reserve_for_workers(&addr);

    ck_assert_msg(getrlimit(RLIMIT_NPROC, &saved) == 0, "harness: getrlimit: %s", sl_errno_name(errno));

    /* The first fork() fails (RLIMIT_NPROC 0): EAGAIN, and nothing to stop. */
    none = saved;
    none.rlim_cur = 0;
    ck_assert_msg(sj_setrlimit(RLIMIT_NPROC, &none) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    memset(&pool, 0, sizeof pool);
    int result = lab05_start_workers(sa(&addr), sa_len(&addr), 3, &pool);
    int err = errno;
    ck_assert_msg(sj_setrlimit(RLIMIT_NPROC, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    if (result != -1)
        kill_student_processes();
    require_failure(result, err, EAGAIN, "lab05_start_workers(n = 3) when fork() fails at once (RLIMIT_NPROC)");
    require_nothing_started(&addr, "lab05_start_workers(n = 3) when fork() fails at once");

    /* Two workers start, the third fork() fails: all or nothing. */
    if (limit_forks(2, &saved)) {
        memset(&pool, 0, sizeof pool);
        result = lab05_start_workers(sa(&addr), sa_len(&addr), 4, &pool);
        err = errno;
        ck_assert_msg(sj_setrlimit(RLIMIT_NPROC, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
        if (result != -1)
            kill_student_processes();
        require_failure(result, err, EAGAIN, "lab05_start_workers(n = 4) when the third fork() fails (RLIMIT_NPROC)");
        require_nothing_started(&addr, "lab05_start_workers(n = 4) when the third fork() fails");
    } else {
        ck_assert_msg(sj_setrlimit(RLIMIT_NPROC, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    }
    close(reserved);
}

/* Did process pid call `call` at all (the log since the last fault_clear())? */
static bool called(const struct call_log *log, enum fault_call call, pid_t pid)
{
    for (int i = 0; i < log->n; i++)
        if (log->r[i].call == call && log->r[i].pid == pid)
            return true;
    return false;
}

/* Worker k of pool must end, by itself, with _exit(1); `because` says why it had to. */
static void require_exit_1(const struct lab05_pool *pool, int k, const char *because)
{
    pid_t pid = pool->pids[k];
    int status = await_end(pid, WAIT_MS);

    if (status == -1)
        fail_test("worker %d (pid %d) is still running %d ms after %s: a worker that fails leaves with _exit(1)", k,
                  (int)pid, WAIT_MS, because);
    if (status == -2)
        fail_test("worker %d (pid %d) ended after %s and was reaped already by lab05_start_workers' process", k,
                  (int)pid, because);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
        fail_test("worker %d (pid %d) ended with %s after %s; the contract says _exit(1)", k, (int)pid,
                  describe_status(status), because);
}

static void test_worker_exits_on_failure(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool;
    struct call_log log;
    struct rlimit saved;

    /* The port is held by a listener without SO_REUSEPORT: each worker's
     * own listener fails (EADDRINUSE), and the worker must leave at once. */
    int holder = harness_on_new_port("127.0.0.1", PLAIN, true, &addr);
    fault_clear();
    memset(&pool, 0, sizeof pool);
    int result = lab05_start_workers(sa(&addr), sa_len(&addr), 2, &pool);
    require_exactly(result, errno, 0, "lab05_start_workers(n = 2) on a port a plain listener holds");
    require_pool(&pool, 2);
    for (int k = 0; k < 2; k++)
        require_exit_1(&pool, k, "its listener failed (bind: EADDRINUSE)");
    read_call_log(&log);
    for (int k = 0; k < 2; k++)
        if (called(&log, FC_ACCEPT, pool.pids[k]))
            fail_test("worker %d went on to call accept() after its listener failed (EADDRINUSE): when step 1 "
                      "returns -1 the worker must _exit(1) at once", k);
    end_student_processes();
    close(holder);

    /* accept() fails for good: no descriptor left for the connection (EMFILE). */
    int reserved = reserve_for_workers(&addr);
    memset(&pool, 0, sizeof pool);
    limit_fd_room(1, &saved); /* room for the worker's listener, none for a connection */
    result = lab05_start_workers(sa(&addr), sa_len(&addr), 1, &pool);
    int err = errno;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    require_exactly(result, err, 0, "lab05_start_workers(n = 1)");
    require_pool(&pool, 1);
    require_exit_1(&pool, 0, "accept() failed with EMFILE (only EINTR and ECONNABORTED are not fatal)");
    end_student_processes();
    close(reserved);
}

static void test_worker_survives_accept_errors(void)
{
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];
    static const int harmless[] = { EINTR, ECONNABORTED };

    /* accept() fails once with EINTR (a signal), then ECONNABORTED (a
     * client gave up before it was accepted): the worker goes on. */
    for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++) {
        struct sockaddr_storage addr;
        struct lab05_pool pool;
        char situation[96];
        int reserved = reserve_for_workers(&addr);

        fault_clear();
        fault_fail(FC_ACCEPT, 0, harmless[i]);
        memset(&pool, 0, sizeof pool);
        int result = lab05_start_workers(sa(&addr), sa_len(&addr), 1, &pool);
        require_exactly(result, errno, 0, "lab05_start_workers(n = 1)");
        require_pool(&pool, 1);
        snprintf(situation, sizeof situation, "after accept() failed once with %s (not fatal)",
                 sl_errno_name(harmless[i]));
        if (wait_for_listeners(&addr, 1, listening, LAB05_MAX_WORKERS) != 1) {
            int status = -1;
            if (process_status(pool.pids[0], &status) == 'Z')
                fail_test("%s, worker 0 ended (%s): only other errors end a worker", situation,
                          describe_status(status));
            require_worker_listeners(&addr, 1, listening);
        }
        require_answer(&addr, &pool, 0, situation);
        fault_clear();
        end_student_processes();
        close(reserved);
    }

    /* A client that has gone (it closed, then reset) before the worker
     * accepted it: send() fails with EPIPE, which would raise SIGPIPE and
     * kill the worker without MSG_NOSIGNAL. The worker is stopped
     * (SIGSTOP) until the client is gone, so the order is certain. */
    struct sockaddr_storage addr, client_addr;
    struct lab05_pool pool;
    int reserved = start_and_wait(1, &addr, &pool, listening);
    pid_t worker = pool.pids[0];

    if (kill(worker, SIGSTOP) != 0 || !await_state(worker, 'T'))
        fail_test("harness: cannot stop worker 0 (pid %d): %s", (int)worker, sl_errno_name(errno));
    int client = tl_connect(&addr);
    client_addr = tl_local_address(client, "the client");
    ck_assert_msg(shutdown(client, SHUT_WR) == 0, "harness: shutdown: %s", sl_errno_name(errno));
    if (!tl_await_connection(&addr, &client_addr, SL_DIAG_STATE(TCP_CLOSE_WAIT), WAIT_MS, NULL))
        fail_test("harness: the queued connection from %s never reached CLOSE_WAIT", tl_str(&client_addr, 0));
    ck_assert_msg(setsockopt(client, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger)) == 0,
                  "harness: SO_LINGER: %s", sl_errno_name(errno));
    close(client);
    tl_await_connection_gone(&addr, &client_addr, WAIT_MS, "the queued connection its client reset");
    ck_assert_msg(kill(worker, SIGCONT) == 0, "harness: SIGCONT: %s", sl_errno_name(errno));
    require_answer(&addr, &pool, 0,
                   "after the worker sent its answer to a client that had gone (send() must use MSG_NOSIGNAL, or "
                   "SIGPIPE ends the worker)");
    end_student_processes();
    close(reserved);
}

/*
 * In the subject: a seccomp filter that hands every setpgid(0, ...), the
 * call a worker makes on itself, to a supervisor (the listener descriptor
 * returned) before it runs. The parent's setpgid(pid, pgid) runs at once.
 */
static long run_supervise_own_setpgid(const union sj_value *a)
{
    (void)a;
#if defined(SECCOMP_FILTER_FLAG_NEW_LISTENER) && defined(SECCOMP_USER_NOTIF_FLAG_CONTINUE) && defined(__NR_setpgid)
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setpgid, 0, 3),
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 4),
#else
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = { (unsigned short)(sizeof code / sizeof code[0]), code };

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
#else
    errno = ENOSYS;
    return -1;
#endif
}

/* The supervisor of the workers' own setpgid() calls: a thread of this process (it runs no student code). */
struct setpgid_hold {
    int listener;           /* the seccomp listener */
    pid_t caller_group;     /* the subject's own process group */
    volatile bool stop;
    volatile int held;      /* calls held, then let through */
};

/*
 * Hold each worker's own setpgid() until the parent has put that worker in
 * another group than the caller's (or 300 ms have passed), then let it run:
 * the order a worker that runs late sees, made certain.
 */
static void *hold_own_setpgid(void *arg)
{
#if defined(SECCOMP_FILTER_FLAG_NEW_LISTENER) && defined(SECCOMP_USER_NOTIF_FLAG_CONTINUE) && defined(__NR_setpgid)
    struct setpgid_hold *h = arg;

    while (!h->stop) {
        struct pollfd ready = { h->listener, POLLIN, 0 };
        struct seccomp_notif request;
        struct seccomp_notif_resp response;

        if (poll(&ready, 1, 10) != 1)
            continue;
        memset(&request, 0, sizeof request);
        if (ioctl(h->listener, SECCOMP_IOCTL_NOTIF_RECV, &request) != 0)
            continue;
        long long deadline = sl_now_ms() + 300;
        while (getpgid((pid_t)request.pid) == h->caller_group && sl_now_ms() < deadline)
            poll(NULL, 0, 1);
        h->held++;
        memset(&response, 0, sizeof response);
        response.id = request.id;
        response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        ioctl(h->listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
    }
#else
    (void)arg;
#endif
    return NULL;
}

static void test_workers_group_set_by_parent(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool;
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];
    pthread_t thread;

    long listener = sj_call("the harness's seccomp filter", run_supervise_own_setpgid, 0);
    if (listener < 0)
        grade_skip("no seccomp filter with a supervisor (Linux 5.5 on) can be installed here (%s)",
                   sl_errno_name(errno));
    struct setpgid_hold hold = { .listener = (int)listener, .caller_group = getpgid(sj_subject_pid()) };
    ck_assert_msg(pthread_create(&thread, NULL, hold_own_setpgid, &hold) == 0, "harness: pthread_create");

    /* Each worker's own setpgid() now runs only after the parent's. */
    int reserved = reserve_for_workers(&addr);
    memset(&pool, 0, sizeof pool);
    int result = lab05_start_workers(sa(&addr), sa_len(&addr), 3, &pool);
    int err = errno;
    bool ok = result == 0 && pool.nworkers == 3 && pool.pgid == pool.pids[0];
    int k = 0;
    pid_t group = 0;
    for (; ok && k < 3; k++) {
        group = getpgid(pool.pids[k]);
        ok = group == pool.pgid;
    }
    if (!ok) {
        hold.stop = true;
        pthread_join(thread, NULL);
        require_exactly(result, err, 0, "lab05_start_workers(n = 3)");
        require_pool(&pool, 3);
        fail_test("when lab05_start_workers returned, worker %d (pid %d) was in process group %d, not in the "
                  "workers' group %d (worker 0's pid): a worker may not have run yet, so the parent calls "
                  "setpgid(pid, pgid) on each child too (the test held each worker's own setpgid() until then)",
                  k - 1, (int)pool.pids[k - 1], (int)group, (int)pool.pids[0]);
    }
    require_worker_listeners(&addr, 3, listening);
    hold.stop = true;
    pthread_join(thread, NULL);
    if (hold.held < 3)
        fail_test("harness: only %d of the workers' own setpgid() calls were seen", hold.held);

    /* The workers' own calls ran last: each must still be in the group. */
    for (k = 0; k < 3; k++) {
        group = getpgid(pool.pids[k]);
        if (group != pool.pgid)
            fail_test("worker %d (pid %d) is in process group %d after its own setpgid() ran (after the parent's), "
                      "not in the workers' group %d: worker 0 makes the group (setpgid(0, 0)), every other worker "
                      "joins it (setpgid(0, pgid))", k, (int)pool.pids[k], (int)group, (int)pool.pgid);
    }
    end_student_processes();
    close((int)listener);
    close(reserved);
}

/* ------------------------------------------------------------------ */
/* Step 6: Stop and reap the workers                                    */
/* ------------------------------------------------------------------ */

/*
 * A worker that still exists after lab05_stop_workers(): ended but never
 * reaped (a zombie), or still running? It may be ending right now, so
 * watch its state in /proc for a moment. Returns the explanation.
 */
static const char *leftover_kind(pid_t pid)
{
    long long deadline = sl_now_ms() + WAIT_MS / 4;

    for (;;) {
        char state = tl_process_state(pid);
        if (state == 'Z')
            return "it had ended but was never reaped (a zombie): waitpid() each worker";
        if (state == 0)
            return "it was still ending when the function returned: waitpid() each worker until it has ended";
        if (sl_now_ms() >= deadline)
            return "and it is still running: was SIGTERM sent to the workers' whole group (kill with -pgid)?";
        poll(NULL, 0, 5);
    }
}

/* After lab05_stop_workers: no worker exists, none is a zombie, no listener is left. */
static void require_all_gone(const struct lab05_pool *pids, const struct sockaddr_storage *addr)
{
    struct sl_diag_socket listening[LAB05_MAX_WORKERS];

    for (int k = 0; k < pids->nworkers; k++) {
        pid_t pid = pids->pids[k];
        if (tl_process_state(pid) != 0)
            fail_test("worker %d (pid %d) still exists after lab05_stop_workers returned: %s", k, (int)pid,
                      leftover_kind(pid));
    }
    int n = listeners_on(addr, listening, LAB05_MAX_WORKERS);
    if (n != 0)
        fail_test("the kernel still lists %d LISTEN socket(s) on %s after lab05_stop_workers", n,
                  tl_str(addr, 0));
}

static void test_stop_reaps_all(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool, started;
    pid_t left[8];
    int reserved = reserve_for_workers(&addr);

    harness_start_workers(&addr, 3, &pool);
    started = pool;
    int result = lab05_stop_workers(&pool);
    require_success(result, errno, "lab05_stop_workers");
    require_all_gone(&started, &addr);
    if (children_of(sj_subject_pid(), left, 8) != 0)
        fail_test("after lab05_stop_workers the caller still has a child to reap (pid %d)", (int)left[0]);
    if (pool.nworkers != 0)
        fail_test("pool->nworkers is %d after lab05_stop_workers; it should be 0", pool.nworkers);

    /* A pool that was already stopped: nothing to do, no error. */
    result = lab05_stop_workers(&pool);
    require_success(result, errno, "lab05_stop_workers on a pool already stopped");
    close(reserved);
}

/*
 * In the subject: fork a child that is not a worker and only waits, in
 * the subject's own process group; returns its pid.
 */
static long run_bystander(const union sj_value *args)
{
    (void)args;
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL); /* a SIGTERM meant for the workers would end it */
        for (;;)
            pause();
    }
    return pid;
}

static void test_stop_only_workers(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool, started;
    int reserved = reserve_for_workers(&addr);

    /* A child of the caller that is not a worker, in the caller's own
     * group, and older than the workers: a wait() for any child would
     * meet it first. */
    pid_t bystander = (pid_t)sj_call("the harness's bystander child", run_bystander, 0);
    if (!is_student_child(bystander))
        fail_test("harness: cannot fork a child in the subject (got pid %d)", (int)bystander);

    harness_start_workers(&addr, 3, &pool);
    started = pool;
    int result = lab05_stop_workers(&pool);
    require_success(result, errno, "lab05_stop_workers");
    require_all_gone(&started, &addr);
    char state = tl_process_state(bystander);
    if (state == 0 || state == 'Z' || !is_student_child(bystander))
        fail_test("lab05_stop_workers %s a child that is not a worker: signal the workers' group and waitpid() "
                  "the workers' pids only", state == 0 ? "reaped" : "ended");

    end_student_processes();
    close(reserved);
}

static void test_stop_edge_cases(void)
{
    struct sockaddr_storage addr;
    struct lab05_pool pool, started;
    pid_t left[8];
    int reserved = reserve_for_workers(&addr);

    /* One worker: stopped and reaped like many; 0 exactly. */
    harness_start_workers(&addr, 1, &pool);
    started = pool;
    int result = lab05_stop_workers(&pool);
    require_exactly(result, errno, 0, "lab05_stop_workers (one worker)");
    require_all_gone(&started, &addr);
    if (pool.nworkers != 0)
        fail_test("pool->nworkers is %d after lab05_stop_workers; it should be 0", pool.nworkers);

    /* Stopping the same pool again: nothing to do, 0. */
    result = lab05_stop_workers(&pool);
    require_exactly(result, errno, 0, "lab05_stop_workers on a pool already stopped");

    /* A pool that never had workers (all zero, pgid 0 too): nothing to do,
     * and nobody is signalled (kill() of group 0 would be the caller's own). */
    pid_t bystander = (pid_t)sj_call("the harness's bystander child", run_bystander, 0);
    if (!is_student_child(bystander))
        fail_test("harness: cannot fork a child in the subject (got pid %d)", (int)bystander);
    memset(&pool, 0, sizeof pool);
    result = lab05_stop_workers(&pool);
    require_exactly(result, errno, 0, "lab05_stop_workers on a pool with no workers (all zero)");
    char state = tl_process_state(bystander);
    if (state == 0 || state == 'Z' || !is_student_child(bystander))
        fail_test("lab05_stop_workers on a pool with no workers %s another child of the caller: with nworkers 0 "
                  "there is nobody to signal (and kill(-0, ...) is kill(0, ...): the caller's own group)",
                  state == 0 ? "reaped" : "ended");
    end_student_processes();

    /* Workers that have all ended and been reaped already (a SIGCHLD
     * handler may do that): kill() finds nobody (ESRCH), waitpid() no
     * child (ECHILD); neither is an error, the workers are stopped. */
    harness_start_workers(&addr, 2, &pool);
    end_student_processes();
    for (int k = 0; k < 2; k++)
        if (tl_process_state(pool.pids[k]) != 0)
            fail_test("harness: its worker %d (pid %d) was not reaped", k, (int)pool.pids[k]);
    result = lab05_stop_workers(&pool);
    if (result == -1)
        fail_test("lab05_stop_workers returned -1 (%s) for workers that had all ended and been reaped already: "
                  "kill() gives ESRCH when the group is empty and waitpid() ECHILD for a worker already reaped; "
                  "neither is an error, there is simply nothing left to stop", sl_errno_name(errno));
    require_exactly(result, errno, 0, "lab05_stop_workers on workers already ended and reaped");
    if (pool.nworkers != 0)
        fail_test("pool->nworkers is %d after lab05_stop_workers; it should be 0", pool.nworkers);
    if (children_of(sj_subject_pid(), left, 8) != 0)
        fail_test("harness: a child (pid %d) appeared", (int)left[0]);
    close(reserved);
}

/* ---- a wait interrupted by a signal ---- */

/* In the subject: the pipe the SIGUSR1 handler writes to, and the handler. */
static int interrupted_pipe[2] = { -1, -1 };

static void note_interruption(int sig)
{
    char byte = (char)sig;

    (void)!syscall(SYS_write, interrupted_pipe[1], &byte, 1);
}

/*
 * A worker that ends only after its parent's wait was interrupted: on
 * SIGTERM it waits for the parent to sleep (in waitpid(): state 'S'),
 * sends it SIGUSR1 (whose handler has no SA_RESTART, so the wait fails with
 * EINTR), and ends once the handler has run. Runs no Check code.
 */
static void interrupting_worker(int wake_fd) __attribute__((noreturn));

static void interrupting_worker(int wake_fd)
{
    sigset_t term;
    int sig;
    pid_t parent = getppid();

    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    while (sigwait(&term, &sig) != 0)
        continue;
    long long deadline = sl_now_ms() + WAIT_MS;
    while (tl_process_state(parent) != 'S' && sl_now_ms() < deadline)
        poll(NULL, 0, 1);
    kill(parent, SIGUSR1);
    struct pollfd wake = { wake_fd, POLLIN, 0 };
    poll(&wake, 1, WAIT_MS);
    _exit(0);
}

/* In the subject: worker 0 interrupts the wait for it, worker 1 simply ends on SIGTERM; fills a[0] (the pool) and a[1] (the pipe). */
static long run_interrupting_workers(const union sj_value *a)
{
    struct lab05_pool *pool = a[0].p;
    int *pipe_fds = a[1].p;
    struct sigaction act;
    sigset_t term, old;

    memset(&act, 0, sizeof act);
    act.sa_handler = note_interruption;
    sigemptyset(&act.sa_mask);
    act.sa_flags = 0; /* no SA_RESTART: a wait the signal interrupts fails with EINTR */
    if (pipe(interrupted_pipe) != 0 || sigaction(SIGUSR1, &act, NULL) != 0)
        return -1;
    pipe_fds[0] = interrupted_pipe[0];
    pipe_fds[1] = interrupted_pipe[1];
    memset(pool, 0, sizeof *pool);

    /* SIGTERM blocked from the worker's birth on, so none is lost before it waits for it. */
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old);
    for (int k = 0; k < 2; k++) {
        pid_t pid = fork();
        if (pid == -1)
            break;
        if (pid == 0) {
            if (k == 0)
                interrupting_worker(interrupted_pipe[0]);
            sigprocmask(SIG_SETMASK, &old, NULL);
            signal(SIGTERM, SIG_DFL);
            for (;;)
                pause();
        }
        if (k == 0)
            pool->pgid = pid;
        setpgid(pid, pool->pgid);
        pool->pids[pool->nworkers++] = pid;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return pool->nworkers == 2 ? 0 : -1;
}

static void test_stop_interrupted(void)
{
    struct lab05_pool pool, started;
    int pipe_fds[2] = { -1, -1 };

    long made = sj_call("the harness's own workers", run_interrupting_workers, 2, SJ_OUT(&pool, sizeof pool),
                        SJ_OUT(pipe_fds, sizeof pipe_fds));
    if (made != 0 || pool.nworkers != 2)
        fail_test("harness: cannot fork its own workers: %s", sl_errno_name(errno));
    for (int k = 0; k < 2; k++)
        if (!is_student_child(pool.pids[k]) || getpgid(pool.pids[k]) != pool.pgid)
            fail_test("harness: its worker %d (pid %d) is not a child of the subject in group %d", k,
                      (int)pool.pids[k], (int)pool.pgid);

    /* The caller has a SIGUSR1 handler without SA_RESTART, and SIGUSR1
     * comes while it waits for worker 0: waitpid() fails with EINTR once. */
    started = pool;
    int result = lab05_stop_workers(&pool);
    require_exactly(result, errno, 0, "lab05_stop_workers when a signal interrupts its waitpid()");
    for (int k = 0; k < 2; k++) {
        pid_t pid = started.pids[k];
        if (tl_process_state(pid) != 0)
            fail_test("worker %d (pid %d) still exists after lab05_stop_workers returned, whose waitpid() a signal "
                      "had interrupted (EINTR): %s; when waitpid() fails with EINTR, call it again",
                      k, (int)pid, leftover_kind(pid));
    }
    if (pool.nworkers != 0)
        fail_test("pool->nworkers is %d after lab05_stop_workers; it should be 0", pool.nworkers);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}


/* ------------------------------------------------------------------ */
/* Step 7: The same-owner rule                                          */
/* ------------------------------------------------------------------ */

/*
 * Can this test switch to a second user, KIT_NAMESPACE_NOBODY? As root, the
 * runner put it in a user namespace of its own where that uid is mapped; an
 * ordinary user's grader cannot (and in a namespace made by an ordinary
 * user only uid 0 is mapped). Found out by trying it, in a child that does
 * nothing else. Returns 0, or the errno of the call that failed.
 */
static int switch_user_error(void)
{
    int status;
    pid_t probe = fork();

    if (probe == -1)
        fail_test("harness: fork: %s", sl_errno_name(errno));
    if (probe == 0) {
        gid_t group = 0;
        if (setgroups(1, &group) != 0 || setgroups(0, NULL) != 0 || setgid(KIT_NAMESPACE_NOBODY) != 0 ||
            setuid(KIT_NAMESPACE_NOBODY) != 0)
            _exit(errno & 0x7f);
        _exit(0);
    }
    if (waitpid(probe, &status, 0) != probe || !WIFEXITED(status))
        fail_test("harness: the probe for setuid() did not end normally");
    return WEXITSTATUS(status);
}

/* The ids of process pid as the kernel has them (/proc/PID/status: real, effective, saved, filesystem). */
struct process_ids {
    unsigned uid[4], gid[4];
    int ngroups; /* supplementary groups */
};

static struct process_ids ids_of(pid_t pid)
{
    struct process_ids ids = { .ngroups = -1 };
    char path[64], line[1024];
    int found = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        fail_test("cannot read %s (%s): has the process ended?", path, sl_errno_name(errno));
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "Uid: %u %u %u %u", &ids.uid[0], &ids.uid[1], &ids.uid[2], &ids.uid[3]) == 4) {
            found++;
        } else if (sscanf(line, "Gid: %u %u %u %u", &ids.gid[0], &ids.gid[1], &ids.gid[2], &ids.gid[3]) == 4) {
            found++;
        } else if (strncmp(line, "Groups:", 7) == 0) {
            /* "Groups:\t0 27 \n": count the numbers. */
            int n = 0, used;
            unsigned group;
            for (const char *p = line + 7; sscanf(p, "%u%n", &group, &used) == 1; p += used)
                n++;
            ids.ngroups = n;
            found++;
        }
    }
    fclose(f);
    if (found != 3)
        fail_test("harness: %s has no Uid:, Gid: and Groups: lines", path);
    return ids;
}

static bool all_four(const unsigned *ids, unsigned want)
{
    return ids[0] == want && ids[1] == want && ids[2] == want && ids[3] == want;
}

static void test_owner_fixed_at_socket(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket listening[4];
    const unsigned user = KIT_NAMESPACE_NOBODY;

    int err = switch_user_error();
    if (err != 0)
        grade_skip("the same-owner rule needs a second user to setuid() to (uid %u), and this grader cannot switch "
                   "users (%s): grade as root (sudo make grade LAB=5)", user, sl_errno_name(err));

    /*
     * The student's code runs in the subject: give it a supplementary
     * group, as root usually has, so that the test sees whether
     * setgroups(0, NULL) dropped it. The subject restarts with this
     * process's ids (sj_restart), then the kernel must confirm them.
     */
    gid_t root_group = 0;
    ck_assert_msg(setgroups(1, &root_group) == 0, "harness: setgroups: %s", sl_errno_name(errno));
    sj_restart();
    pid_t subject = sj_subject_pid();
    struct process_ids ids = ids_of(subject);
    ck_assert_msg(all_four(ids.uid, 0) && all_four(ids.gid, 0) && ids.ngroups == 1,
                  "harness: the subject is not root with one supplementary group");

    /* root's group on 127.0.0.1:P. */
    int root_listener = harness_on_new_port("127.0.0.1", WITH_REUSEPORT, true, &addr);

    int fd = lab05_listener_then_drop(sa(&addr), sa_len(&addr), user, user);
    require_success(fd, errno, "lab05_listener_then_drop (as root)");

    /* What the process runs as now: the kernel's word, in /proc. */
    ids = ids_of(subject);
    if (!all_four(ids.uid, user) || !all_four(ids.gid, user))
        fail_test("after lab05_listener_then_drop the process runs as uid %u/%u/%u gid %u/%u/%u (real, effective, "
                  "saved), expected %u everywhere", ids.uid[0], ids.uid[1], ids.uid[2], ids.gid[0], ids.gid[1],
                  ids.gid[2], user);
    if (ids.ngroups != 0)
        fail_test("after lab05_listener_then_drop the process still has %d supplementary group(s): "
                  "setgroups(0, NULL)", ids.ngroups);

    /* The kernel: both listeners in one group, both owned by root. */
    int n = listeners_on(&addr, listening, 4);
    const struct sl_diag_socket *mine = find_inode(listening, n, kit_socket_inode(fd));
    if (n != 2 || mine == NULL)
        fail_test("the kernel lists %d LISTEN sockets on %s (the student's among them: %s), expected 2", n,
                  tl_str(&addr, 0), mine ? "yes" : "no");
    if (mine->uid != 0)
        fail_test("the kernel says the listener is owned by uid %u; it was created as root, before setuid()",
                  mine->uid);
    if (mine->wqueue != LAB05_BACKLOG)
        fail_test("the kernel lists a backlog of %u for the listener; step 7 listens with LAB05_BACKLOG (%d)",
                  mine->wqueue, LAB05_BACKLOG);

    /* Now a socket created as the new user cannot join root's group. */
    int late = lab05_reuseport_listener(sa(&addr), sa_len(&addr), LAB05_BACKLOG);
    if (late != -1)
        close(late);
    require_failure(late, errno, EADDRINUSE, "lab05_reuseport_listener after setuid(), on root's group");

    close(fd);
    close(root_listener);
}

/*
 * Without root (every grader runs this): setgroups() fails with EPERM, so
 * the function returns -1/EPERM and closes the listener it made; and when
 * the listener itself fails, its error comes back (EADDRINUSE), not one
 * of a later call.
 */
static void test_drop_errors(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket listening[2];
    struct open_fds before;
    pid_t subject = sj_subject_pid();
    struct process_ids ids = ids_of(subject);

    if (ids.uid[1] == 0)
        fail_test("harness: the student's code runs as root in a test that must not have root");

    /* The caller's own uid and gid: setgid() and setuid() would allow them, setgroups() does not. */
    tl_free_port("127.0.0.2", &addr);
    snapshot_fds(&before);
    int result = lab05_listener_then_drop(sa(&addr), sa_len(&addr), ids.uid[0], ids.gid[0]);
    int err = errno;
    if (result != -1)
        fail_test("lab05_listener_then_drop returned %d though the caller is not root: setgroups(0, NULL) fails "
                  "with EPERM, and then it must return -1 (check every call's result)", result);
    require_clean_failure(result, err, EPERM, &before,
                          "lab05_listener_then_drop without root (setgroups() fails with EPERM)");
    if (listeners_on(&addr, listening, 2) != 0)
        fail_test("after lab05_listener_then_drop failed, the kernel still lists its listener on %s",
                  tl_str(&addr, 0));

    /* The port is held by a listener without SO_REUSEPORT: step 1 fails first. */
    int holder = harness_on_new_port("127.0.0.1", PLAIN, true, &addr);
    snapshot_fds(&before);
    result = lab05_listener_then_drop(sa(&addr), sa_len(&addr), ids.uid[0], ids.gid[0]);
    require_clean_failure(result, errno, EADDRINUSE, &before,
                          "lab05_listener_then_drop on a port a plain listener holds (the listener fails first: "
                          "return at once, with its errno)");
    close(holder);
}

/*
 * As root: setgid() or setuid() fails (EINVAL: an id this user namespace
 * does not map). A server that goes on after a failed setuid() runs as
 * root: return -1 with that errno, and close the listener.
 */
static void test_drop_refused_ids(void)
{
    const unsigned nobody = KIT_NAMESPACE_NOBODY;
    static const struct {
        unsigned uid, gid;
        const char *what;
    } cases[] = {
        { KIT_NAMESPACE_NOBODY, 4242, "setgid() fails (EINVAL: gid 4242 is not mapped here)" },
        { 4242, KIT_NAMESPACE_NOBODY, "setuid() fails (EINVAL: uid 4242 is not mapped here)" },
    };
    struct sl_diag_socket listening[2];

    int err = switch_user_error();
    if (err != 0)
        grade_skip("this needs root and a second user (uid %u), and this grader cannot switch users (%s): grade as "
                   "root (sudo make grade LAB=5)", nobody, sl_errno_name(err));

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_storage addr;
        struct open_fds before;
        char call[160];

        tl_free_port("127.0.0.1", &addr);
        snapshot_fds(&before);
        int result = lab05_listener_then_drop(sa(&addr), sa_len(&addr), cases[i].uid, cases[i].gid);
        int saved = errno;
        snprintf(call, sizeof call, "lab05_listener_then_drop when %s", cases[i].what);
        if (result != -1)
            fail_test("%s returned %d: a failed setgid() or setuid() must make it return -1 (the process would "
                      "otherwise go on with ids it did not ask for, root's among them)", call, result);
        require_clean_failure(result, saved, EINVAL, &before, call);
        if (listeners_on(&addr, listening, 2) != 0)
            fail_test("after %s, the kernel still lists its listener on %s", call, tl_str(&addr, 0));
        struct process_ids ids = ids_of(sj_subject_pid());
        if (ids.uid[0] != 0 || ids.uid[1] != 0)
            fail_test("after %s the process runs as uid %u/%u (real/effective): it went on to setuid() after a "
                      "call failed", call, ids.uid[0], ids.uid[1]);
    }
}

/* ---- workers the caller may not signal ---- */

/* In the subject (root of a user namespace): a[1] workers that become KIT_NAMESPACE_NOBODY; fills a[0]. */
static long run_workers_of_another_user(const union sj_value *a)
{
    struct lab05_pool *pool = a[0].p;

    memset(pool, 0, sizeof *pool);
    for (int k = 0; k < (int)a[1].i; k++) {
        pid_t pid = fork();
        if (pid == -1)
            return -1;
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            setpgid(0, pool->pgid);
            if (setgroups(0, NULL) != 0 || setgid(KIT_NAMESPACE_NOBODY) != 0 || setuid(KIT_NAMESPACE_NOBODY) != 0)
                _exit(1);
            /* A bound on the test's wait should the caller wait for ever. */
            poll(NULL, 0, 3000);
            _exit(0);
        }
        if (k == 0)
            pool->pgid = pid;
        setpgid(pid, pool->pgid);
        pool->pids[pool->nworkers++] = pid;
    }
    return 0;
}

/*
 * Workers that run as another user (they dropped root after fork()): the
 * caller, without CAP_KILL, may not signal them. kill() fails with EPERM,
 * and lab05_stop_workers must say so instead of waiting for workers it
 * could not stop.
 */
static void test_stop_kill_refused(void)
{
    struct lab05_pool pool;
    int err = switch_user_error();

    if (err != 0)
        grade_skip("workers of another user need a second user to setuid() to (uid %u), and this grader cannot "
                   "switch users (%s): grade as root (sudo make grade LAB=5)", KIT_NAMESPACE_NOBODY, sl_errno_name(err));
    long made = sj_call("the harness's workers of another user", run_workers_of_another_user, 2,
                        SJ_OUT(&pool, sizeof pool), SJ_INT(2));
    if (made != 0 || pool.nworkers != 2)
        fail_test("harness: cannot fork its own workers: %s", sl_errno_name(errno));
    for (int k = 0; k < 2; k++) {
        long long deadline = sl_now_ms() + WAIT_MS;
        while (ids_of(pool.pids[k]).uid[0] != KIT_NAMESPACE_NOBODY || getpgid(pool.pids[k]) != pool.pgid) {
            if (sl_now_ms() >= deadline)
                fail_test("harness: its worker %d did not become uid %u in group %d", k, KIT_NAMESPACE_NOBODY,
                          (int)pool.pgid);
            poll(NULL, 0, 1);
        }
    }

    int result = lab05_stop_workers(&pool);
    int saved = errno;
    kill_student_processes();
    if (result != -1)
        fail_test("lab05_stop_workers returned %d for workers it may not signal (kill() fails with EPERM: they run "
                  "as another user): return -1 with kill()'s errno, do not wait for workers that were never told "
                  "to stop", result);
    require_failure(result, saved, EPERM, "lab05_stop_workers for workers of another user");
    end_student_processes();
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

static const struct grade_step steps[] = {
    { 1, "One listener that can share its port",
      "socket(), then setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) with on = 1, BEFORE bind(), "
      "then bind() and listen(fd, backlog). SO_REUSEADDR is not the same option. When a call fails, close the "
      "socket and return -1 with that call's errno." },
    { 2, "Two listeners on one port",
      "Make the first listener with step 1, read the address it got with getsockname() (port 0 became a real "
      "port), and make the second on that address. If the second fails, close the first before returning -1." },
    { 3, "The group in the kernel's table",
      "sl_diag_list() with .states = SL_DIAG_STATE(TCP_LISTEN) and .local_port = the port, then keep only the "
      "entries whose local address is addr's (sl_addr_same_host). Return how many there are, store at most max "
      "inodes." },
    { 4, "A member that never listens",
      "socket(), SO_REUSEPORT on, bind(), and no listen(): the socket holds the port, listeners of the same "
      "user may join it, and the kernel never gives it a connection." },
    { 5, "Worker processes",
      "fork() n times; in each child: setpgid(0, k == 0 ? 0 : pgid), then the child's OWN listener (step 1, "
      "after fork), then accept/send the LAB05_ANSWER_FORMAT line/close for ever, and _exit() on failure. In "
      "the parent: setpgid(pid, pgid), pids[k] = pid. pgid is worker 0's pid." },
    { 6, "Stop and reap the workers",
      "kill(-pool->pgid, SIGTERM) signals the whole group (a negative pid). Then waitpid(pool->pids[k], NULL, 0) "
      "for every worker, so none is left as a zombie; never wait() for any child." },
    { 7, "The same-owner rule",
      "Make the listener first, while root: its owner is the effective uid at socket() (only fchown() on it "
      "changes that later), so it stays root's. Then setgroups(0, NULL), setgid(gid), setuid(uid), in that "
      "order; on failure close the listener." },
};

/* Designated fields: a field added to struct grade_test later defaults to 0. */
static const struct grade_test tests[] = {
    { .step = 1, .name = "listener_joins_group", .points = 2, .run = test_listener_joins_group,
      .description = "a LISTEN socket with SO_REUSEPORT: another listener joins it, and it joins another" },
    { .step = 1, .name = "refused_without_option", .points = 2, .run = test_refused_without_option,
      .description = "a port held without SO_REUSEPORT (or with SO_REUSEADDR only): -1/EADDRINUSE, nothing left open" },
    { .step = 1, .name = "listener_errors", .points = 2, .run = test_listener_errors,
      .description = "backlog 5 on 127.0.0.2, the option before bind(); EMFILE, setsockopt, bind, listen failing: -1/errno, nothing open" },
    { .step = 1, .name = "ipv6_group", .points = 1, .run = test_ipv6_group,
      .description = "the same on [::1]: two LISTEN sockets on one port",
      .needs = "IPv6 on loopback" },
    { .step = 2, .name = "pair_two_inodes", .points = 2, .run = test_pair_two_inodes,
      .description = "the kernel lists exactly two LISTEN sockets on the port: the pair's two inodes" },
    { .step = 2, .name = "pair_both_accept", .points = 2, .run = test_pair_both_accept,
      .description = "64 connections: the kernel queues some at each of the two listeners" },
    { .step = 2, .name = "pair_all_or_nothing", .points = 1, .run = test_pair_all_or_nothing,
      .description = "EADDRINUSE on a held port, EMFILE at the second socket: nothing left open" },
    { .step = 2, .name = "specific_beats_wildcard", .points = 2, .run = test_specific_beats_wildcard,
      .description = "beside a group on 0.0.0.0:P, a listener on 127.0.0.1:P gets every connection to 127.0.0.1" },
    { .step = 2, .name = "pair_errors", .points = 2, .run = test_pair_errors,
      .description = "0 on 127.0.0.2; getsockname, the second bind or listen failing: -1/errno, both closed, nothing else" },
    { .step = 2, .name = "pair_ipv6", .points = 1, .run = test_pair_ipv6,
      .description = "a pair on [::1]: the second listener on the sockaddr_in6 getsockname() gave",
      .needs = "IPv6 on loopback" },
    { .step = 3, .name = "count_matches_kernel", .points = 2, .run = test_count_matches_kernel,
      .description = "0 to 3 listeners counted with their inodes; connections and other addresses left out" },
    { .step = 3, .name = "count_more_than_max", .points = 1, .run = test_count_more_than_max,
      .description = "3 listeners (a 4th on another address), max = 1: returns 3, stores one inode, no more" },
    { .step = 3, .name = "count_errors", .points = 1, .run = test_count_errors,
      .description = "0.0.0.0:P and 127.0.0.1:P counted apart; the table failing: -1/ENOBUFS, not 0" },
    { .step = 3, .name = "count_full_table", .points = 1, .run = test_count_full_table,
      .description = "64, 63, then 63 and one on another address: each counted and named, no unfilled entry counted" },
    { .step = 4, .name = "reserve_holds_port", .points = 2, .run = test_reserve_holds_port,
      .description = "bound with SO_REUSEPORT, not listening: a plain bind() is refused, a connect() too" },
    { .step = 4, .name = "reserve_gets_nothing", .points = 2, .run = test_reserve_gets_nothing,
      .description = "a listener joins the reserved port and the kernel gives it every connection" },
    { .step = 4, .name = "reserve_errors", .points = 2, .run = test_reserve_errors,
      .description = "127.0.0.2, option before bind(); EMFILE, setsockopt, a held port: -1/errno, nothing open" },
    { .step = 5, .name = "workers_own_listeners", .points = 3, .run = test_workers_own_listeners,
      .description = "4 workers: 4 LISTEN sockets on the port, one held by each worker, none by the parent" },
    { .step = 5, .name = "workers_answer", .points = 3, .run = test_workers_answer,
      .description = "200 connections, each answered \"worker K pid P\" by a real worker; every worker serves some" },
    { .step = 5, .name = "workers_process_group", .points = 1, .run = test_workers_process_group,
      .description = "the workers share a process group of their own, named after worker 0; EINVAL for bad n" },
    { .step = 5, .name = "workers_one_and_max", .points = 2, .run = test_workers_one_and_max,
      .description = "n = 1 (answers) and n = 16: 0, n listeners each with backlog LAB05_BACKLOG" },
    { .step = 5, .name = "workers_fork_fails", .points = 2, .run = test_workers_fork_fails,
      .description = "fork() failing at once or at the 3rd worker (RLIMIT_NPROC): -1/EAGAIN, every worker reaped" },
    { .step = 5, .name = "worker_exits_on_failure", .points = 2, .run = test_worker_exits_on_failure,
      .description = "a listener that fails (EADDRINUSE) or accept() failing (EMFILE): the worker ends with _exit(1)" },
    { .step = 5, .name = "worker_survives_accept_errors", .points = 2, .run = test_worker_survives_accept_errors,
      .description = "accept() failing with EINTR, ECONNABORTED, a client gone before accept (SIGPIPE): still serving" },
    { .step = 5, .name = "workers_group_set_by_parent", .points = 1, .run = test_workers_group_set_by_parent,
      .description = "each worker's own setpgid() held until the parent's has run: all in the group, then and after",
      .needs = "seccomp user notification" },
    { .step = 6, .name = "stop_reaps_all", .points = 3, .run = test_stop_reaps_all, .timeout_s = 4,
      .description = "after the stop no worker exists, none is a zombie, no listener is left on the port" },
    { .step = 6, .name = "stop_only_workers", .points = 1, .run = test_stop_only_workers, .timeout_s = 4,
      .description = "another child of the caller is neither signalled nor reaped" },
    { .step = 6, .name = "stop_interrupted", .points = 2, .run = test_stop_interrupted, .timeout_s = 4,
      .description = "a signal interrupts waitpid() (EINTR): it waits again, every worker reaped, 0" },
    { .step = 6, .name = "stop_edge_cases", .points = 2, .run = test_stop_edge_cases, .timeout_s = 4,
      .description = "one worker; a pool stopped or never started (pgid 0): 0, nobody signalled; workers already reaped: 0" },
    { .step = 6, .name = "stop_kill_refused", .points = 1, .run = test_stop_kill_refused, .timeout_s = 8,
      .description = "workers of another user, kill() refused: -1/EPERM at once",
      .needs = "root", .runs_as_root = true },
    { .step = 7, .name = "owner_fixed_at_socket", .points = 2, .run = test_owner_fixed_at_socket,
      .description = "opened as root then setuid(): it joins root's group; a socket made after setuid() cannot",
      .needs = "root", .runs_as_root = true },
    { .step = 7, .name = "drop_errors", .points = 1, .run = test_drop_errors,
      .description = "not root: -1/EPERM, the listener closed; a held port: -1/EADDRINUSE from step 1" },
    { .step = 7, .name = "drop_refused_ids", .points = 1, .run = test_drop_refused_ids,
      .description = "setgid() or setuid() failing (EINVAL): -1/EINVAL, the listener closed, still root",
      .needs = "root", .runs_as_root = true },
};

GRADE_LAB("05", "SO_REUSEPORT listeners", steps, tests);
