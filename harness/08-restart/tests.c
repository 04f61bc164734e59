/*
 * tests.c - the graded tests of Lab 08, "Restart without dropping connections".
 *
 * Every test checks what the kernel and real clients saw, not what the
 * student's code said:
 *   - the listening sockets on the port, their inodes and accept queues,
 *     from the kernel's table (sock_diag), and which process holds each
 *     (/proc/PID/fd);
 *   - what the harness's own clients receive while the student's code
 *     restarts the server: answered, reset, refused, by which generation;
 *   - the kernel's own counters of the resets it sent (/proc/net/snmp), in
 *     a network namespace of the test's own where the machine allows one,
 *     so nothing else on the machine adds to them;
 *   - which processes the student's code signals and reaps, and with what
 *     exit status: this file defines kill(), waitpid() and their kin, so
 *     the student's calls come here first and are recorded before the real
 *     system call is made (the walk-through of lab 04 watches calls the same
 *     way). What they record is only evidence of a mistake; a pass also
 *     needs the kernel's word (the process is gone, the listener is there).
 *
 * The student's code runs in a process of its own, the "subject"
 * (harness/subject.h), which shares the test's descriptors but not its
 * memory. The workers it forks are the subject's children: the test sees
 * them through /proc (tl_parent_of(), tl_process_state()), never with
 * waitpid(), and a process that the student's code must leave alone (a
 * bystander child) is planted in the subject by harness code run there.
 *
 * While the old generation is being replaced, the harness makes sure some
 * connections are waiting in its accept queues: it pauses the old workers
 * (SIGSTOP) until the queues fill, and a helper process lets each one go
 * on (SIGCONT) only once the student's code has asked it to stop (SIGTERM
 * is then pending, as /proc/PID/status shows). So every restart meets the
 * situation the lab is about, on every run, without a guessed sleep.
 *
 * The clients are the harness's own (a bounded non-blocking loop, below),
 * never the student's step 3 nor the lab 07 load generator, so each step is
 * graded on its own. A test first requires the call it grades to work, so
 * the untouched skeleton (every step fails with ENOSYS) scores nothing. No
 * test uses a fixed port: the harness binds port 0 once, with a socket
 * that never listens, and the student's listeners join that port.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "testlib.h"

/* Each test takes well under a second; the limit only stops a hung one. */
#define TEST_TIMEOUT_S 5

/* How long the harness waits for something it polls for (a listener, a queue, an exit). */
#define WAIT_MS 2000

/* Workers per generation in the restart tests, and in the generation tests. */
#define RESTART_WORKERS 2
#define GENERATION_WORKERS 3

/* The harness's clients: connections in flight at once, and the most time one may take. */
#define LOAD_CONCURRENCY 8
#define LOAD_CONNECTION_TIMEOUT_MS 3000
/* Answers wanted from the old generation before a restart, and from the new one after. */
#define LOAD_ANSWERS 20
/* The highest generation number the clients count one by one. */
#define LOAD_MAX_GENERATION 8

/* How long the helper that lets paused workers go on waits, at most. */
#define CONTINUE_DEADLINE_MS 2500

/* ------------------------------------------------------------------ */
/* Failing, and ending what a test started                              */
/* ------------------------------------------------------------------ */

static const struct sockaddr *sa(const struct sockaddr_storage *addr)
{
    return (const struct sockaddr *)addr;
}

static socklen_t sa_len(const struct sockaddr_storage *addr)
{
    return sl_addr_len(sa(addr));
}

/* The children of parent now (zombies included); their pids in out[], at most max. */
static int children_of(pid_t parent, pid_t *out, int max)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    int count = 0;

    if (proc == NULL)
        return 0;
    while ((e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (tl_parent_of(pid) != parent)
            continue;
        if (count < max)
            out[count] = pid;
        count++;
    }
    closedir(proc);
    return count;
}

/*
 * End everything this test started and reap what is ours to reap: the
 * harness's clients and helpers (children of the test process), and the
 * student's workers and servers (children of the subject, which the test
 * kills and the runner reaps once the test ends). The harness looks them
 * up in /proc instead of trusting pids the student's code filled in, so a
 * wrong pid can never make it signal a process that is not ours. The
 * subject itself lives on: the test may still need it.
 */
static void end_our_children(void)
{
    pid_t subject = sj_subject_pid();

    for (int round = 0; round < 10; round++) {
        pid_t ours[128], theirs[128];
        int n = children_of(getpid(), ours, 128), m = children_of(subject, theirs, 128), live = 0;
        for (int i = 0; i < n && i < 128; i++)
            if (ours[i] != subject) {
                kill(ours[i], SIGKILL);
                live++;
            }
        for (int i = 0; i < m && i < 128; i++)
            if (tl_process_state(theirs[i]) != 'Z') {
                kill(theirs[i], SIGKILL);
                live++;
            }
        if (live == 0)
            break;
        for (int i = 0; i < n && i < 128; i++)
            if (ours[i] != subject)
                waitpid(ours[i], NULL, 0);
        /* The subject's children die at once on SIGKILL; wait (bounded) until the kernel shows it. */
        long long deadline = sl_now_ms() + WAIT_MS;
        for (int i = 0; i < m && i < 128; i++)
            while (tl_process_state(theirs[i]) != 0 && tl_process_state(theirs[i]) != 'Z' && sl_now_ms() < deadline)
                poll(NULL, 0, 1);
    }
}

static void fail_test(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Fail the test, after ending every process it started. */
static void fail_test(const char *fmt, ...)
{
    char message[1536];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    end_our_children();
    ck_abort_msg("%s", message);
    abort(); /* not reached */
}

#define check(condition, ...)              \
    do {                                   \
        if (!(condition))                  \
            fail_test(__VA_ARGS__);        \
    } while (0)

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

/* Fail unless a call failed the way the contract says: -1 and errno `want`. */
static void require_failure(int result, int err, int want, const char *call)
{
    check(result == -1, "%s returned %d; it should fail with -1 and errno %s", call, result, sl_errno_name(want));
    check(err == want, "%s returned -1 with errno %s (%s); expected %s", call, sl_errno_name(err), strerror(err),
          sl_errno_name(want));
}

/* Wait a little, while polling something with a bound: 1 ms. */
static void pause_a_moment(void)
{
    poll(NULL, 0, 1);
}

/* ------------------------------------------------------------------ */
/* Watching the student's kill() and waitpid()                          */
/* ------------------------------------------------------------------ */

/*
 * The harness defines these functions itself. The linker resolves the
 * student's calls (and the harness's) to them before the C library's: each
 * makes the real system call with syscall(2) and, while `watch->on`, notes
 * what was signalled and what was reaped with which status. Only calls made
 * by the subject (the process that runs the student's lab08_* calls) are
 * noted, not those of its children nor the test's own.
 *
 * The student's calls run in the subject, so the record lives in memory
 * the test shares with it: a MAP_SHARED mapping made when the program
 * starts (watch_map(), a constructor), before any test process or subject
 * exists, so every one of them inherits it. The student's code can write
 * there too: a test uses the record to find a mistake (a wrong target, a
 * wrong order, a bad exit status), and never passes on it alone.
 */
#define WATCH_MAX 256

struct watch_record {
    bool on;
    pid_t recorder;                  /* the subject */
    int nreaped;
    pid_t reaped_pid[WATCH_MAX];
    int reaped_status[WATCH_MAX];
    int nsignals;
    pid_t signal_target[WATCH_MAX];
    int signal_number[WATCH_MAX];
    /* LISTEN sockets on `port` when a stop signal was sent (-1: not sampled). */
    int listeners_at_signal[WATCH_MAX];
    bool sample_listeners;
    struct sockaddr_storage port;
};

static struct watch_record *watch;
/* Where the mapping could not be made: then nothing the subject does is seen, and the tests fail. */
static struct watch_record watch_unshared;

__attribute__((constructor)) static void watch_map(void)
{
    void *shared = mmap(NULL, sizeof *watch, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    watch = shared == MAP_FAILED ? &watch_unshared : shared;
}

static int count_listeners(const struct sockaddr_storage *addr);

static bool watching(void)
{
    return watch->on && getpid() == watch->recorder;
}

static void watch_start(const struct sockaddr_storage *port, bool sample_listeners)
{
    pid_t subject = sj_subject_pid();

    memset(watch, 0, sizeof *watch);
    watch->recorder = subject;
    watch->port = *port;
    watch->sample_listeners = sample_listeners;
    watch->on = true;
}

static void watch_stop(void)
{
    watch->on = false;
}

static bool is_stop_signal(int sig)
{
    return sig == SIGTERM || sig == SIGKILL || sig == SIGINT || sig == SIGQUIT || sig == SIGHUP;
}

int kill(pid_t pid, int sig)
{
    if (watching() && watch->nsignals < WATCH_MAX) {
        int i = watch->nsignals++;
        watch->signal_target[i] = pid;
        watch->signal_number[i] = sig;
        watch->listeners_at_signal[i] = -1;
        if (watch->sample_listeners && is_stop_signal(sig)) {
            /* Not while already inside a sample: count_listeners() never signals, but be safe. */
            watch->sample_listeners = false;
            watch->listeners_at_signal[i] = count_listeners(&watch->port);
            watch->sample_listeners = true;
        }
    }
    return (int)syscall(SYS_kill, pid, sig);
}

int killpg(int group, int sig)
{
    return kill(-group, sig);
}

static void note_reaped(pid_t pid, int status)
{
    if (watching() && pid > 0 && watch->nreaped < WATCH_MAX) {
        watch->reaped_pid[watch->nreaped] = pid;
        watch->reaped_status[watch->nreaped] = status;
        watch->nreaped++;
    }
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
    int st = 0;
    long got = syscall(SYS_wait4, pid, &st, options, usage);

    if (got > 0) {
        note_reaped((pid_t)got, st);
        if (status)
            *status = st;
    }
    return (pid_t)got;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    return wait4(pid, status, options, NULL);
}

pid_t wait(int *status)
{
    return wait4(-1, status, 0, NULL);
}

int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
    long got = syscall(SYS_waitid, idtype, id, info, options, NULL);

    if (got == 0 && info && info->si_pid > 0 && !(options & WNOWAIT) && (options & WEXITED)) {
        int status = info->si_code == CLD_EXITED ? (info->si_status & 0xff) << 8 : (info->si_status & 0x7f);
        note_reaped(info->si_pid, status);
    }
    return (int)got;
}

/* How many entries of the record to read: the student's code could have written any count there. */
static int watch_entries(int count)
{
    return count < 0 ? 0 : count > WATCH_MAX ? WATCH_MAX : count;
}

/* Was pid reaped while watching? Sets *status. */
static bool was_reaped(pid_t pid, int *status)
{
    for (int i = 0; i < watch_entries(watch->nreaped); i++)
        if (watch->reaped_pid[i] == pid) {
            *status = watch->reaped_status[i];
            return true;
        }
    return false;
}

/* "exit status 0", "killed by SIGKILL", ... */
static const char *status_text(int status)
{
    static char text[64];

    if (WIFEXITED(status))
        snprintf(text, sizeof text, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, sizeof text, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(text, sizeof text, "status 0x%x", status);
    return text;
}

/*
 * Require that the student's code reaped pid, and that it had exited with
 * status 0. The kernel must agree that it is gone: while /proc lists it as
 * a child of the subject (a zombie, or still running), nobody reaped it.
 */
static void require_reaped_cleanly(pid_t pid, const char *what)
{
    int status;
    char state = tl_process_state(pid);

    check(state == 0 || tl_parent_of(pid) != sj_subject_pid(),
          "%s (pid %d) was not reaped by your code: it is %s. Call waitpid() for it, or it stays a zombie", what,
          (int)pid, state == 'Z' ? "a zombie" : "still running");
    check(was_reaped(pid, &status),
          "%s (pid %d) was not reaped by your code: call waitpid() for it, or it stays a zombie", what, (int)pid);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "%s (pid %d) ended with %s; a clean stop exits with status 0 (a worker must run "
          "lab08_prepare_worker() first, so SIGTERM lets it finish instead of killing it)",
          what, (int)pid, status_text(status));
}

/* ------------------------------------------------------------------ */
/* The kernel's view                                                    */
/* ------------------------------------------------------------------ */

/* A harness socket with SO_REUSEPORT, bound to 127.0.0.1 port 0, never listening: it holds the port. */
static int reserve_port(struct sockaddr_storage *addr)
{
    int on = 1;
    socklen_t len = sizeof *addr;
    int fd;

    tl_loopback(AF_INET, addr);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    check(fd != -1, "harness: socket: %s", sl_errno_name(errno));
    check(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0, "harness: SO_REUSEPORT: %s",
          sl_errno_name(errno));
    check(bind(fd, sa(addr), sa_len(addr)) == 0, "harness: bind port 0: %s", sl_errno_name(errno));
    check(getsockname(fd, (struct sockaddr *)addr, &len) == 0, "harness: getsockname: %s", sl_errno_name(errno));
    return fd;
}

/* The LISTEN sockets on addr's port and address, into out[] (at most max); returns how many, or -1. */
static int list_listeners(const struct sockaddr_storage *addr, struct sl_diag_socket *out, int max)
{
    struct sl_diag_socket all[64];
    struct sl_diag_filter filter = {
        .family = addr->ss_family,
        .states = SL_DIAG_STATE(TCP_LISTEN),
        .local_port = sl_addr_port(sa(addr)),
    };
    int n = sl_diag_list(&filter, all, 64);
    int count = 0;

    if (n == -1)
        return -1;
    for (int i = 0; i < n && i < 64; i++) {
        if (!sl_addr_same_host(sa(&all[i].local), sa(addr)))
            continue;
        if (count < max)
            out[count] = all[i];
        count++;
    }
    return count;
}

static int count_listeners(const struct sockaddr_storage *addr)
{
    struct sl_diag_socket dummy[1];

    return list_listeners(addr, dummy, 0);
}

static int listeners_now(const struct sockaddr_storage *addr, struct sl_diag_socket *out, int max)
{
    int n = list_listeners(addr, out, max);

    check(n != -1, "harness: cannot read the kernel's socket table: %s", sl_errno_name(errno));
    return n;
}

/* Connections waiting in the accept queues of all the LISTEN sockets on addr. */
static unsigned queued_on(const struct sockaddr_storage *addr)
{
    struct sl_diag_socket list[64];
    int n = listeners_now(addr, list, 64);
    unsigned total = 0;

    for (int i = 0; i < n && i < 64; i++)
        total += list[i].rqueue;
    return total;
}

/* Poll until at least `want` connections wait in the queues on addr; returns the last total seen. */
static unsigned wait_queued(const struct sockaddr_storage *addr, unsigned want)
{
    long long deadline = sl_now_ms() + WAIT_MS;
    unsigned total;

    while ((total = queued_on(addr)) < want && sl_now_ms() < deadline)
        pause_a_moment();
    return total;
}

/* Does process pid hold a descriptor of the socket with this inode? */
static bool holds_inode(pid_t pid, uint64_t inode)
{
    char dir_path[64], link_path[384], target[128], want[64];
    DIR *dir;
    struct dirent *e;
    bool found = false;

    snprintf(dir_path, sizeof dir_path, "/proc/%d/fd", (int)pid);
    snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)inode);
    dir = opendir(dir_path);
    if (dir == NULL)
        return false;
    while (!found && (e = readdir(dir)) != NULL) {
        ssize_t n;
        if (e->d_name[0] == '.')
            continue;
        snprintf(link_path, sizeof link_path, "%s/%s", dir_path, e->d_name);
        n = readlink(link_path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        found = strcmp(target, want) == 0;
    }
    closedir(dir);
    return found;
}

/* Is SIGTERM pending for pid (sent, not yet handled), as /proc/PID/status shows? */
static bool sigterm_pending(pid_t pid)
{
    char path[64], line[256];
    unsigned long long mask;
    bool pending = false;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    while (fgets(line, sizeof line, f) != NULL)
        if ((sscanf(line, "ShdPnd: %llx", &mask) == 1 || sscanf(line, "SigPnd: %llx", &mask) == 1) &&
            (mask & (1ULL << (SIGTERM - 1))))
            pending = true;
    fclose(f);
    return pending;
}

/* The kernel's TCP counters of this network namespace. */
struct tcp_counters {
    long out_rsts;      /* Tcp OutRsts: every reset segment sent */
    long attempt_fails; /* Tcp AttemptFails: connects that ended before ESTABLISHED (refused) */
    long syn_retrans;   /* TcpExt TCPSynRetrans: SYNs sent again */
    long migrated;      /* TcpExt TCPMigrateReqSuccess */
    long migrate_failed;/* TcpExt TCPMigrateReqFailure */
};

/* The value of `name` in the pair of lines starting with `prefix` in file; -1 when absent. */
static long proc_counter(const char *file, const char *prefix, const char *name)
{
    char names[4096], values[4096];
    FILE *f = fopen(file, "r");
    long result = -1;

    if (f == NULL)
        return -1;
    while (fgets(names, sizeof names, f) != NULL && fgets(values, sizeof values, f) != NULL) {
        if (strncmp(names, prefix, strlen(prefix)) != 0)
            continue;
        char *name_save, *value_save;
        char *n = strtok_r(names, " \n", &name_save);
        char *v = strtok_r(values, " \n", &value_save);
        while (n && v) {
            if (strcmp(n, name) == 0)
                result = strtol(v, NULL, 10);
            n = strtok_r(NULL, " \n", &name_save);
            v = strtok_r(NULL, " \n", &value_save);
        }
    }
    fclose(f);
    return result;
}

static struct tcp_counters read_counters(void)
{
    struct tcp_counters c = {
        .out_rsts = proc_counter("/proc/net/snmp", "Tcp:", "OutRsts"),
        .attempt_fails = proc_counter("/proc/net/snmp", "Tcp:", "AttemptFails"),
        .syn_retrans = proc_counter("/proc/net/netstat", "TcpExt:", "TCPSynRetrans"),
        .migrated = proc_counter("/proc/net/netstat", "TcpExt:", "TCPMigrateReqSuccess"),
        .migrate_failed = proc_counter("/proc/net/netstat", "TcpExt:", "TCPMigrateReqFailure"),
    };
    check(c.out_rsts >= 0 && c.attempt_fails >= 0, "harness: cannot read the TCP counters in /proc/net/snmp");
    return c;
}

/* The value of a sysctl file as a number; -1 when it cannot be read. */
static int read_sysctl(const char *path)
{
    FILE *f = fopen(path, "r");
    int value = -1;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%d", &value) != 1)
        value = -1;
    fclose(f);
    return value;
}

/*
 * Move into a network namespace of the test's own, where the machine
 * allows it: then the kernel's counters count this test's connections only.
 * Returns whether it did. Call it first thing in a test, before any call of
 * the student's code:
 *   - an ordinary user makes a user namespace too, and must write its own
 *     /proc/self/uid_map, which a process that is not dumpable (the judge,
 *     subject.h) cannot: the test is dumpable for that moment only, while
 *     its subject has run nothing of the student's;
 *   - the subject was started in the namespace the test began in: a new
 *     one is started here, so the student's listeners and the test's
 *     clients meet on the same loopback.
 */
static bool try_private_netns(void)
{
    struct stat before, after;

    prctl(PR_SET_DUMPABLE, 1);
    bool known = stat("/proc/self/ns/net", &before) == 0;
    bool moved = kit_enter_private_netns() == 0;
    int err = errno;
    known = known && stat("/proc/self/ns/net", &after) == 0;
    prctl(PR_SET_DUMPABLE, 0);
    /* A namespace made but not set up (no uid map, loopback down) would fail every connection. */
    check(moved || !known || after.st_ino == before.st_ino,
          "harness: a network namespace was made but could not be set up: %s", sl_errno_name(err));
    sj_restart();
    return moved;
}

/* ------------------------------------------------------------------ */
/* The harness's clients                                                */
/* ------------------------------------------------------------------ */

/* What the clients saw; lives in memory shared with the client process. */
struct load_stats {
    atomic_int stop;            /* set by the test: start no new connection */
    atomic_long attempts;
    atomic_long answered;
    atomic_long reset;
    atomic_long refused;
    atomic_long timed_out;
    atomic_long cut_short;      /* end-of-file before a whole answer */
    atomic_long other;          /* any other error */
    atomic_int first_other_errno;
    atomic_long by_generation[LOAD_MAX_GENERATION + 1];
};

struct load {
    pid_t pid;
    struct load_stats *stats;
};

/* One client connection of the loop. */
struct client {
    int fd;                 /* -1: free */
    bool sent;              /* the request is out, now reading */
    long long started_ms;
    size_t have;
    char answer[LAB08_RESPONSE_MAX + 1];
};

/*
 * Parse an answer read up to the server's end-of-file: an HTTP 200
 * response whose body is LAB08_BODY_FORMAT. Returns the generation, or -1.
 */
static int answer_generation(const char *text, size_t len, int *worker, int *pid)
{
    const char *body = strstr(text, "\r\n\r\n");
    int g, w, p;

    if (len == 0 || strncmp(text, "HTTP/1.1 200", 12) != 0 || body == NULL || text[len - 1] != '\n')
        return -1;
    if (sscanf(body + 4, "generation %d worker %d pid %d", &g, &w, &p) != 3)
        return -1;
    if (worker)
        *worker = w;
    if (pid)
        *pid = p;
    return g;
}

static void client_done(struct load_stats *st, struct client *c, atomic_long *counter, int err)
{
    atomic_fetch_add(counter, 1);
    if (counter == &st->other && err != 0) {
        int none = 0;
        atomic_compare_exchange_strong(&st->first_other_errno, &none, err);
    }
    close(c->fd);
    c->fd = -1;
}

/* Send the request; the connection is then waiting for its answer. */
static void client_send(struct load_stats *st, struct client *c)
{
    static const char request[] = LAB08_REQUEST;

    if (send(c->fd, request, sizeof request - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof request - 1)) {
        c->sent = true;
        return;
    }
    if (errno == EPIPE || errno == ECONNRESET)
        client_done(st, c, &st->reset, 0);
    else
        client_done(st, c, &st->other, errno);
}

static void client_start(struct load_stats *st, struct client *c, const struct sockaddr_storage *addr)
{
    c->fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->sent = false;
    c->have = 0;
    c->started_ms = sl_now_ms();
    atomic_fetch_add(&st->attempts, 1);
    if (c->fd == -1) {
        atomic_fetch_add(&st->other, 1);
        return;
    }
    if (connect(c->fd, sa(addr), sa_len(addr)) == 0) {
        client_send(st, c);
    } else if (errno == ECONNREFUSED) {
        client_done(st, c, &st->refused, 0);
    } else if (errno != EINPROGRESS) {
        client_done(st, c, &st->other, errno);
    }
}

/* poll() said c->fd is ready: move the connection on. */
static void client_step(struct load_stats *st, struct client *c)
{
    if (!c->sent) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0)
            client_send(st, c);
        else if (err == ECONNREFUSED)
            client_done(st, c, &st->refused, 0);
        else if (err == ECONNRESET)
            client_done(st, c, &st->reset, 0);
        else
            client_done(st, c, &st->other, err);
        return;
    }
    for (;;) {
        char chunk[256];
        ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            size_t keep = (size_t)n < LAB08_RESPONSE_MAX - c->have ? (size_t)n : LAB08_RESPONSE_MAX - c->have;
            memcpy(c->answer + c->have, chunk, keep);
            c->have += keep;
            continue;
        }
        if (n == 0) {
            c->answer[c->have] = '\0';
            int g = answer_generation(c->answer, c->have, NULL, NULL);
            if (g < 0) {
                client_done(st, c, &st->cut_short, 0);
                return;
            }
            atomic_fetch_add(&st->by_generation[g >= 0 && g <= LOAD_MAX_GENERATION ? g : 0], 1);
            client_done(st, c, &st->answered, 0);
            return;
        }
        if (errno == EAGAIN || errno == EINTR)
            return;
        if (errno == ECONNRESET)
            client_done(st, c, &st->reset, 0);
        else
            client_done(st, c, &st->other, errno);
        return;
    }
}

/*
 * The client process: LOAD_CONCURRENCY connections in flight at all times,
 * each one connect, send the request, read the answer to the end-of-file,
 * and counted by what became of it; a finished one is replaced at once,
 * until the test sets `stop`. Then it finishes those in flight and exits.
 * Every wait is bounded: a connection older than LOAD_CONNECTION_TIMEOUT_MS
 * is counted as timed out, and the loop ends by itself after a while.
 */
static void load_loop(struct load_stats *st, const struct sockaddr_storage *addr) __attribute__((noreturn));

static void load_loop(struct load_stats *st, const struct sockaddr_storage *addr)
{
    struct client clients[LOAD_CONCURRENCY];
    struct pollfd pfds[LOAD_CONCURRENCY];
    long long give_up = sl_now_ms() + (TEST_TIMEOUT_S - 1) * 1000;

    for (int i = 0; i < LOAD_CONCURRENCY; i++)
        clients[i].fd = -1;
    for (;;) {
        bool stopping = atomic_load(&st->stop) || sl_now_ms() > give_up;
        int busy = 0;

        for (int i = 0; i < LOAD_CONCURRENCY; i++) {
            if (clients[i].fd == -1 && !stopping)
                client_start(st, &clients[i], addr);
            pfds[i].fd = clients[i].fd; /* poll() ignores -1 */
            pfds[i].events = clients[i].sent ? POLLIN : POLLOUT;
            pfds[i].revents = 0;
            busy += clients[i].fd != -1;
        }
        if (busy == 0 && stopping)
            _exit(0);
        poll(pfds, LOAD_CONCURRENCY, 10);
        long long now = sl_now_ms();
        for (int i = 0; i < LOAD_CONCURRENCY; i++) {
            if (clients[i].fd == -1)
                continue;
            if (pfds[i].revents != 0)
                client_step(st, &clients[i]);
            if (clients[i].fd != -1 && now - clients[i].started_ms > LOAD_CONNECTION_TIMEOUT_MS)
                client_done(st, &clients[i], &st->timed_out, 0);
        }
    }
}

/*
 * The clients run in a child of the test process, not of the subject: the
 * student's code cannot reach their memory (the counts) nor reap them. The
 * counts live in a mapping made after the subject started, which the
 * subject does not share.
 */
static struct load load_start(const struct sockaddr_storage *addr)
{
    struct load load;

    load.stats = mmap(NULL, sizeof *load.stats, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    check(load.stats != MAP_FAILED, "harness: mmap: %s", sl_errno_name(errno));
    memset(load.stats, 0, sizeof *load.stats);
    fflush(NULL);
    load.pid = fork();
    check(load.pid != -1, "harness: fork: %s", sl_errno_name(errno));
    if (load.pid == 0)
        load_loop(load.stats, addr);
    return load;
}

/* Poll until the clients have `want` answers from generation g. */
static bool load_wait_answers(const struct load *load, int g, long want)
{
    long long deadline = sl_now_ms() + WAIT_MS;

    while (atomic_load(&load->stats->by_generation[g]) < want) {
        if (sl_now_ms() > deadline)
            return false;
        pause_a_moment();
    }
    return true;
}

/*
 * Stop the clients and wait for them to finish what is in flight (each
 * connection is bounded, so this is too); copy the final counts to *out.
 */
static void load_finish(struct load *load, struct load_stats *out)
{
    long long deadline = sl_now_ms() + LOAD_CONNECTION_TIMEOUT_MS + 500;
    int status;
    pid_t got;

    atomic_store(&load->stats->stop, 1);
    while ((got = waitpid(load->pid, &status, WNOHANG)) == 0 && sl_now_ms() < deadline)
        pause_a_moment();
    check(got == load->pid, "harness: the client process did not finish in time");
    memcpy(out, load->stats, sizeof *out);
    munmap(load->stats, sizeof *load->stats);
    load->stats = NULL;
}

/* "12 answered (gen 1: 8, gen 2: 4), 3 reset, 0 refused, ..." for messages. */
static const char *load_text(const struct load_stats *st)
{
    static char text[512];
    int at = snprintf(text, sizeof text, "%ld connections: %ld answered (", atomic_load(&st->attempts),
                      atomic_load(&st->answered));
    for (int g = 1; g <= LOAD_MAX_GENERATION; g++)
        if (atomic_load(&st->by_generation[g]) > 0 && at < (int)sizeof text)
            at += snprintf(text + at, sizeof text - (size_t)at, "%sgeneration %d: %ld", text[at - 1] == '(' ? "" : ", ",
                           g, atomic_load(&st->by_generation[g]));
    if (at < (int)sizeof text)
        snprintf(text + at, sizeof text - (size_t)at,
                 "), %ld reset, %ld refused, %ld timed out, %ld cut short, %ld other errors%s%s",
                 atomic_load(&st->reset), atomic_load(&st->refused), atomic_load(&st->timed_out),
                 atomic_load(&st->cut_short), atomic_load(&st->other),
                 atomic_load(&st->first_other_errno) ? " (the first: " : "",
                 atomic_load(&st->first_other_errno) ? sl_errno_name(atomic_load(&st->first_other_errno)) : "");
    if (atomic_load(&st->first_other_errno) && strlen(text) + 2 < sizeof text)
        strcat(text, ")");
    return text;
}

/* Every connection ended one of three ways, and none timed out, was cut short or failed otherwise. */
static void require_only_known_outcomes(const struct load_stats *st)
{
    check(atomic_load(&st->timed_out) == 0 && atomic_load(&st->cut_short) == 0 && atomic_load(&st->other) == 0,
          "some connections were neither answered, reset nor refused: %s. A worker must finish every "
          "connection it accepted before it exits",
          load_text(st));
    check(atomic_load(&st->answered) + atomic_load(&st->reset) + atomic_load(&st->refused) ==
              atomic_load(&st->attempts),
          "harness: the clients lost count: %s", load_text(st));
}

/*
 * In a namespace of our own, the kernel's counters must agree with the
 * clients (elsewhere other programs add to them):
 *   - every refused connection is one failed attempt (AttemptFails), and
 *     there are no others;
 *   - every reset a client saw is one of the reset segments the kernel
 *     sent (OutRsts) beyond the refusals; the kernel may have sent a few
 *     more, never unexplained ones: at most one per reset connection (its
 *     client's request arrived just after the connection was gone, and was
 *     answered with a reset too) and one per SYN sent again (a client that
 *     reused a port met the server's TIME_WAIT socket of an earlier
 *     connection there, got an ACK for it, answered with a reset of its
 *     own and tried again).
 */
static void require_kernel_agrees(bool private_netns, const struct tcp_counters *before,
                                  const struct tcp_counters *after, const struct load_stats *st)
{
    if (!private_netns)
        return;
    long rsts = after->out_rsts - before->out_rsts;
    long fails = after->attempt_fails - before->attempt_fails;
    long retries = after->syn_retrans - before->syn_retrans;
    long reset = atomic_load(&st->reset), refused = atomic_load(&st->refused);
    check(fails == refused && rsts - fails >= reset && rsts - fails <= 2 * reset + retries,
          "the clients' count differs from the kernel's: the kernel sent %ld resets (OutRsts), counted %ld "
          "failed connection attempts (AttemptFails) and %ld SYNs sent again, while the clients saw %s",
          rsts, fails, retries, load_text(st));
}

/* ------------------------------------------------------------------ */
/* Pausing the old generation so that connections queue                 */
/* ------------------------------------------------------------------ */

/* Stop each process (SIGSTOP) and wait until the kernel shows it stopped. */
static void pause_processes(const pid_t *pids, int n)
{
    for (int i = 0; i < n; i++) {
        long long deadline = sl_now_ms() + WAIT_MS;
        check(kill(pids[i], SIGSTOP) == 0, "harness: SIGSTOP to pid %d: %s", (int)pids[i], sl_errno_name(errno));
        while (tl_process_state(pids[i]) != 'T' && tl_process_state(pids[i]) != 't' && sl_now_ms() < deadline)
            pause_a_moment();
        check(tl_process_state(pids[i]) == 'T' || tl_process_state(pids[i]) == 't', "harness: pid %d did not stop",
              (int)pids[i]);
    }
}

/*
 * A helper process (a child of the test, out of the student's reach) that
 * lets each paused process go on (SIGCONT) once that
 * process has been asked to stop (SIGTERM pending), has died, or, when
 * channel_fd is not -1, once a hand-off request waits unread on that
 * channel (the Unix socket shows bytes not yet taken by the other end).
 * After CONTINUE_DEADLINE_MS it lets every one go on regardless.
 */
static pid_t start_continuer(const pid_t *pids, int n, int channel_fd)
{
    pid_t helper;

    fflush(NULL);
    helper = fork();
    check(helper != -1, "harness: fork: %s", sl_errno_name(errno));
    if (helper != 0)
        return helper;

    bool continued[LAB08_MAX_WORKERS] = { false };
    long long deadline = sl_now_ms() + CONTINUE_DEADLINE_MS;
    int left = n;

    while (left > 0) {
        bool late = sl_now_ms() > deadline;
        for (int i = 0; i < n; i++) {
            if (continued[i])
                continue;
            char state = tl_process_state(pids[i]);
            int unread = 0;
            bool asked = channel_fd != -1 && ioctl(channel_fd, TIOCOUTQ, &unread) == 0 && unread > 0;
            if (late || state == 0 || state == 'Z' || state == 'X' || sigterm_pending(pids[i]) || asked) {
                kill(pids[i], SIGCONT);
                continued[i] = true;
                left--;
            }
        }
        pause_a_moment();
    }
    _exit(0);
}

/* Reap the helper: it ends by itself within its deadline. */
static void finish_continuer(pid_t helper)
{
    long long deadline = sl_now_ms() + CONTINUE_DEADLINE_MS + 500;
    pid_t got;

    while ((got = waitpid(helper, NULL, WNOHANG)) == 0 && sl_now_ms() < deadline)
        pause_a_moment();
    check(got == helper, "harness: the helper process (pid %d) did not finish in time", (int)helper);
}

/* ------------------------------------------------------------------ */
/* Checking a generation                                                */
/* ------------------------------------------------------------------ */

/* Which of gen's workers holds the socket with this inode; -1 for none. */
static int holder_in(const struct lab08_generation *gen, uint64_t inode)
{
    for (int k = 0; k < gen->nworkers; k++)
        if (holds_inode(gen->pids[k], inode))
            return k;
    return -1;
}

/*
 * Right now (no waiting: the start returns only when the workers listen),
 * the kernel lists `total` LISTEN sockets on addr, and gen's n workers hold
 * one each, all different; the caller holds none (the subject, whose
 * descriptor table is the test's too).
 */
static void require_generation_listening(const struct sockaddr_storage *addr, const struct lab08_generation *gen,
                                         int n, int number, int total, const char *when)
{
    struct sl_diag_socket list[64];
    bool worker_has_one[LAB08_MAX_WORKERS] = { false };

    check(gen->nworkers == n && gen->number == number,
          "%s: the generation says %d workers, number %d; expected %d workers, number %d", when, gen->nworkers,
          gen->number, n, number);
    for (int k = 0; k < n; k++)
        check(tl_parent_of(gen->pids[k]) == sj_subject_pid() && tl_process_state(gen->pids[k]) != 'Z',
              "%s: pids[%d] = %d is not a running child of the process that called it", when, k,
              (int)gen->pids[k]);
    int count = listeners_now(addr, list, 64);
    check(count == total,
          "%s: the kernel lists %d LISTEN socket%s on %s, expected %d: when the start returns, every worker "
          "must already listen (wait for each worker's ready byte)",
          when, count, count == 1 ? "" : "s", tl_str(addr, 0), total);
    for (int i = 0; i < count && i < 64; i++) {
        int k = holder_in(gen, list[i].inode);
        check(!holds_inode(sj_subject_pid(), list[i].inode),
              "%s: the parent process holds a listening socket (inode %llu): a listener of a worker must be "
              "made in the worker, after fork(), or the parent keeps it open when the worker stops",
              when, (unsigned long long)list[i].inode);
        if (k >= 0)
            worker_has_one[k] = true;
    }
    for (int k = 0; k < n; k++)
        check(worker_has_one[k],
              "%s: worker %d (pid %d) holds none of the LISTEN sockets on the port: when the start returns, every "
              "worker must listen with a socket of its own",
              when, k, (int)gen->pids[k]);
}

/*
 * The harness's own client, one connection, blocking with a bound: the
 * answer's generation, worker and pid, or false when there was none.
 */
static bool fetch_answer(const struct sockaddr_storage *addr, int *generation, int *worker, int *pid)
{
    char answer[LAB08_RESPONSE_MAX + 1];
    size_t have = 0;
    long long deadline = sl_now_ms() + WAIT_MS;
    int fd = kit_connect_to(sa(addr));

    if (fd == -1)
        return false;
    if (send(fd, LAB08_REQUEST, strlen(LAB08_REQUEST), MSG_NOSIGNAL) == -1) {
        close(fd);
        return false;
    }
    for (;;) {
        long long left = deadline - sl_now_ms();
        if (left <= 0 || sl_wait_readable(fd, (int)left) != 1)
            break;
        ssize_t n = recv(fd, answer + have, LAB08_RESPONSE_MAX - have, 0);
        if (n <= 0) {
            answer[have] = '\0';
            close(fd);
            if (n < 0)
                return false;
            *generation = answer_generation(answer, have, worker, pid);
            return *generation >= 0;
        }
        have += (size_t)n;
        if (have == LAB08_RESPONSE_MAX)
            break;
    }
    close(fd);
    return false;
}

/* Start a generation with the student's code and require it to be listening. */
static void start_generation(const struct sockaddr_storage *addr, int n, int number, struct lab08_generation *gen)
{
    memset(gen, 0, sizeof *gen);
    int result = lab08_start_generation(sa(addr), sa_len(addr), n, number, gen);
    int err = errno;
    require_success(result, err, "lab08_start_generation()");
    require_generation_listening(addr, gen, n, number, n, "after lab08_start_generation()");
}

/* ------------------------------------------------------------------ */
/* Step 1: a listener that shares its port                              */
/* ------------------------------------------------------------------ */

static void test_listener_joins_port(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket list[8];
    int reserved = reserve_port(&addr);
    int fds[2];

    for (int i = 0; i < 2; i++) {
        fds[i] = lab08_listener(sa(&addr), sa_len(&addr));
        int err = errno;
        if (fds[i] == -1 && err == EADDRINUSE)
            fail_test("lab08_listener() returned -1 with errno EADDRINUSE on a port held by a socket with "
                      "SO_REUSEPORT: set SO_REUSEPORT (not SO_REUSEADDR) before bind()");
        require_success(fds[i], err, "lab08_listener()");
        int on = 0;
        socklen_t len = sizeof on;
        check(getsockopt(fds[i], SOL_SOCKET, SO_REUSEPORT, &on, &len) == 0 && on,
              "SO_REUSEPORT is not on for the listener lab08_listener() returned");
    }
    int n = listeners_now(&addr, list, 8);
    check(n == 2, "after two calls the kernel lists %d LISTEN sockets on %s, expected 2", n, tl_str(&addr, 0));
    for (int i = 0; i < 2; i++) {
        struct sl_diag_socket me = tl_kernel_view(fds[i], "the listener");
        check(me.linux_state == TCP_LISTEN && sl_addr_equal(sa(&me.local), sa(&addr)),
              "the kernel shows the listener in state %d on %s; expected LISTEN on %s", me.linux_state,
              tl_str(&me.local, 0), tl_str(&addr, 1));
        check(me.wqueue == LAB08_BACKLOG, "the listener's backlog is %u, expected LAB08_BACKLOG (%d)", me.wqueue,
              LAB08_BACKLOG);
        close(fds[i]);
    }
    close(reserved);
}

static void test_listener_refused(void)
{
    struct sockaddr_storage addr;
    int plain = tl_listener(AF_INET, &addr); /* no SO_REUSEPORT: the port cannot be shared */
    int before = tl_open_fd_count();
    int fd = lab08_listener(sa(&addr), sa_len(&addr));
    int err = errno;

    require_failure(fd, err, EADDRINUSE, "lab08_listener() on a port held without SO_REUSEPORT");
    check(tl_open_fd_count() == before, "lab08_listener() failed but left a descriptor open (%d before, %d after)",
          before, tl_open_fd_count());
    close(plain);
}

/* ------------------------------------------------------------------ */
/* Step 2: a generation of workers                                      */
/* ------------------------------------------------------------------ */

static void test_generation_listens(void)
{
    struct sockaddr_storage addr;
    struct lab08_generation gen;
    int reserved = reserve_port(&addr);
    bool answered_by[GENERATION_WORKERS] = { false };

    start_generation(&addr, GENERATION_WORKERS, 1, &gen);
    /* Connections until every worker has answered at least once (the hash spreads them). */
    for (int i = 0; i < 200; i++) {
        int g, w, pid;
        check(fetch_answer(&addr, &g, &w, &pid), "connection %d to the workers got no answer", i + 1);
        bool known_worker = w >= 0 && w < GENERATION_WORKERS;
        check(g == 1 && known_worker && pid == (int)gen.pids[w],
              "an answer named generation %d, worker %d, pid %d; the workers are generation 1, numbered 0 to %d, "
              "and worker k is the process in pids[k]",
              g, w, pid, GENERATION_WORKERS - 1);
        answered_by[w] = true;
        bool all = true;
        for (int k = 0; k < GENERATION_WORKERS; k++)
            all &= answered_by[k];
        if (all)
            break;
    }
    for (int k = 0; k < GENERATION_WORKERS; k++)
        check(answered_by[k], "worker %d never answered in 200 connections", k);
    end_our_children();
    close(reserved);
}

/* Runs in the subject (sj_call()): fork a child that ends at once; returns its pid. */
static long run_fork_bystander(const union sj_value *a)
{
    (void)a;
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    return pid;
}

/* Runs in the subject: reap child a[0] (the harness's clean-up). */
static long run_reap(const union sj_value *a)
{
    return waitpid((pid_t)a[0].i, NULL, 0);
}

static void test_generation_stops_cleanly(void)
{
    struct sockaddr_storage addr;
    struct lab08_generation gen;
    int reserved = reserve_port(&addr);

    /*
     * Another child of the caller, which the stop must neither signal nor
     * reap. It has ended already (a zombie) and it is older than the
     * workers: the kernel looks at children oldest first, so a wait for any
     * child takes it first, whether or not a worker has ended yet. It must
     * be a child of the process that runs the student's code, so the
     * harness forks it there; the kernel confirms what that process says.
     */
    pid_t bystander = (pid_t)sj_call("the harness's bystander fork", run_fork_bystander, 0);
    check(bystander > 0 && tl_parent_of(bystander) == sj_subject_pid(), "harness: no bystander child: %s",
          sl_errno_name(errno));
    long long deadline = sl_now_ms() + WAIT_MS;
    while (tl_process_state(bystander) != 'Z' && sl_now_ms() < deadline)
        pause_a_moment();
    check(tl_process_state(bystander) == 'Z', "harness: the bystander child did not end");
    start_generation(&addr, GENERATION_WORKERS, 1, &gen);

    pid_t pids[GENERATION_WORKERS];
    memcpy(pids, gen.pids, sizeof pids);
    watch_start(&addr, false);
    int result = lab08_stop_generation(&gen);
    int err = errno;
    watch_stop();
    require_success(result, err, "lab08_stop_generation()");
    int status;
    check(!was_reaped(bystander, &status),
          "another child of the caller (pid %d), which had ended, was reaped by lab08_stop_generation(): wait "
          "for each worker's pid, never wait() or waitpid(-1)",
          (int)bystander);
    for (int k = 0; k < GENERATION_WORKERS; k++) {
        char what[32];
        snprintf(what, sizeof what, "worker %d", k);
        require_reaped_cleanly(pids[k], what);
    }
    check(result == 0, "lab08_stop_generation() returned %d, but every worker exited with status 0", result);
    check(gen.nworkers == 0, "after the stop the generation still says %d workers", gen.nworkers);
    int left = count_listeners(&addr);
    check(left == 0, "after the stop the kernel still lists %d LISTEN socket%s on the port", left,
          left == 1 ? "" : "s");
    for (int i = 0; i < watch_entries(watch->nsignals); i++)
        check(watch->signal_target[i] != bystander && watch->signal_target[i] > 0,
              "lab08_stop_generation() sent signal %d to pid %d, which is not a worker", watch->signal_number[i],
              (int)watch->signal_target[i]);
    /* The kernel's word: still a zombie of the caller, nobody has reaped it. */
    check(tl_process_state(bystander) == 'Z' && tl_parent_of(bystander) == sj_subject_pid(),
          "another child of the caller (pid %d), which had ended, was reaped by lab08_stop_generation(): wait for "
          "each worker's pid, never wait() or waitpid(-1)",
          (int)bystander);
    sj_call("the harness's clean-up", run_reap, 1, SJ_INT(bystander));
    close(reserved);
}

static void test_generation_finishes_accepted(void)
{
    struct sockaddr_storage addr;
    struct lab08_generation gen;
    int reserved = reserve_port(&addr);
    char answer[LAB08_RESPONSE_MAX + 1];
    size_t have = 0;

    start_generation(&addr, 1, 1, &gen);
    pid_t worker = gen.pids[0];
    int client = tl_connect(&addr);
    struct sockaddr_storage client_end;
    socklen_t len = sizeof client_end;
    check(getsockname(client, (struct sockaddr *)&client_end, &len) == 0, "harness: getsockname");

    /* Accepted: the server's end of the connection has a file (an inode) once accept() returned it. */
    struct sl_diag_filter server_end = {
        .family = AF_INET,
        .states = SL_DIAG_STATE(TCP_ESTABLISHED),
        .local_port = sl_addr_port(sa(&addr)),
        .remote_port = sl_addr_port(sa(&client_end)),
    };
    long long deadline = sl_now_ms() + WAIT_MS;
    struct sl_diag_socket conn = { 0 };
    while (sl_now_ms() < deadline) {
        check(sl_diag_list(&server_end, &conn, 1) != -1, "harness: sock_diag");
        if (conn.inode != 0 && holds_inode(worker, conn.inode))
            break;
        conn.inode = 0;
        pause_a_moment();
    }
    check(conn.inode != 0, "the worker never accepted the connection");

    /* Asked to stop while it waits for this client's request: it must still answer it. */
    kill(worker, SIGTERM);
    check(send(client, LAB08_REQUEST, strlen(LAB08_REQUEST), MSG_NOSIGNAL) > 0, "harness: send");
    for (;;) {
        check(sl_wait_readable(client, WAIT_MS) == 1, "no answer after SIGTERM");
        ssize_t n = recv(client, answer + have, LAB08_RESPONSE_MAX - have, 0);
        check(n >= 0, "the connection the worker had accepted was reset (%s) when it was told to stop",
              sl_errno_name(errno));
        if (n == 0)
            break;
        have += (size_t)n;
        check(have < LAB08_RESPONSE_MAX, "harness: answer too long");
    }
    answer[have] = '\0';
    check(answer_generation(answer, have, NULL, NULL) == 1,
          "the connection the worker had accepted before SIGTERM got no whole answer (%zu bytes): a worker "
          "finishes what it accepted, then stops",
          have);
    close(client);

    watch_start(&addr, false);
    int result = lab08_stop_generation(&gen);
    int err = errno;
    watch_stop();
    require_success(result, err, "lab08_stop_generation()");
    require_reaped_cleanly(worker, "the worker");
    close(reserved);
}

static void test_generation_bad_arguments(void)
{
    struct sockaddr_storage addr;
    struct lab08_generation gen;
    int reserved = reserve_port(&addr);
    int fds_before = tl_open_fd_count();
    static const int bad[][2] = { { 0, 1 }, { LAB08_MAX_WORKERS + 1, 1 }, { 1, 0 } };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char call[96];
        snprintf(call, sizeof call, "lab08_start_generation() with n = %d, number = %d", bad[i][0], bad[i][1]);
        int result = lab08_start_generation(sa(&addr), sa_len(&addr), bad[i][0], bad[i][1], &gen);
        int err = errno;
        require_failure(result, err, EINVAL, call);
    }
    pid_t kids[4];
    check(children_of(sj_subject_pid(), kids, 4) == 0, "a start with bad arguments left a process behind");
    check(tl_open_fd_count() == fds_before, "a start with bad arguments left a descriptor open");

    /* A port that cannot be shared: no worker can listen, so the start fails and leaves nothing. */
    struct sockaddr_storage held;
    int plain = tl_listener(AF_INET, &held);
    fds_before = tl_open_fd_count();
    int result = lab08_start_generation(sa(&held), sa_len(&held), 2, 1, &gen);
    int err = errno;
    check(result == -1 && err != ENOSYS,
          "lab08_start_generation() on a port no worker can listen on returned %d (errno %s); it should fail", result,
          sl_errno_name(err));
    check(children_of(sj_subject_pid(), kids, 4) == 0,
          "a failed start left a worker process behind: kill and reap the ones started");
    check(tl_open_fd_count() == fds_before, "a failed start left a descriptor open (%d before, %d after)", fds_before,
          tl_open_fd_count());
    close(plain);
    close(reserved);
}

/* ------------------------------------------------------------------ */
/* Step 3: what a client sees                                           */
/* ------------------------------------------------------------------ */

/*
 * A probe runs in a child process of the test on the student's side of the
 * boundary (sj_fork()), so the test can serve it, reset it or wait for it
 * while it runs, and several can run at once. The child reports on a pipe
 * what lab08_probe() returned, its errno and *generation. That report is
 * the student's answer, nothing more: the tests compare it with what the
 * test's server did and what the kernel counted.
 */
struct probe_report {
    int outcome;
    int err;
    int generation;
};

struct probe {
    pid_t pid;
    int report_fd; /* the read end of the child's report pipe */
};

/* The outcome code of a probe that returned -1: PROBE_FAILED + errno. */
#define PROBE_FAILED 1000

static struct probe probe_in_child(const struct sockaddr_storage *addr, int timeout_ms)
{
    struct probe probe;
    int report[2];

    check(pipe2(report, O_CLOEXEC) == 0, "harness: pipe: %s", sl_errno_name(errno));
    probe.pid = sj_fork();
    check(probe.pid != -1, "harness: fork: %s", sl_errno_name(errno));
    if (probe.pid == 0) {
        struct probe_report r = { .generation = -1 };
        /*
         * Only the probe's own socket and the report pipe: a copy of the
         * test's listener kept here would keep it open after the test
         * closes it.
         */
        for (int fd = 3; fd < 1024; fd++)
            if (fd != report[1])
                close(fd);
        r.outcome = lab08_probe(sa(addr), sa_len(addr), timeout_ms, &r.generation);
        r.err = errno;
        (void)!write(report[1], &r, sizeof r);
        _exit(0);
    }
    close(report[1]);
    probe.report_fd = report[0];
    return probe;
}

static const char *outcome_name(int outcome)
{
    static char other[48];

    switch (outcome) {
    case LAB08_ANSWERED: return "LAB08_ANSWERED";
    case LAB08_RESET: return "LAB08_RESET";
    case LAB08_REFUSED: return "LAB08_REFUSED";
    case LAB08_TIMED_OUT: return "LAB08_TIMED_OUT";
    case LAB08_CUT_SHORT: return "LAB08_CUT_SHORT";
    }
    if (outcome >= PROBE_FAILED)
        snprintf(other, sizeof other, "-1 with errno %s", sl_errno_name(outcome - PROBE_FAILED));
    else
        snprintf(other, sizeof other, "%d", outcome);
    return other;
}

/*
 * The probe child has ended with `status`: read its report. Returns the
 * outcome code (PROBE_FAILED + errno for -1); *generation, if not NULL,
 * gets what the probe set. Fails the test when the child ended without a
 * report: lab08_probe() ended its process instead of returning.
 */
static int probe_collect(struct probe *probe, int status, int *generation)
{
    struct probe_report r;
    ssize_t n = read(probe->report_fd, &r, sizeof r);

    close(probe->report_fd);
    probe->report_fd = -1;
    check(n == (ssize_t)sizeof r || WIFEXITED(status), "lab08_probe() crashed (%s)", status_text(status));
    check(n == (ssize_t)sizeof r, "lab08_probe() ended the process it ran in (%s) instead of returning",
          status_text(status));
    if (generation)
        *generation = r.generation;
    return r.outcome == -1 ? PROBE_FAILED + (r.err >= 0 && r.err < 4096 ? r.err : 0) : r.outcome;
}

/* Wait for a probe child; returns its outcome code. */
static int probe_result(struct probe probe, int *generation)
{
    int status;

    check(waitpid(probe.pid, &status, 0) == probe.pid, "harness: waitpid");
    return probe_collect(&probe, status, generation);
}

/*
 * Poll until `queued` connections wait on addr's listener, or the probe
 * child has ended already; in that case fail with what it returned.
 */
static void wait_probe_connected(struct probe *probe, const struct sockaddr_storage *addr, unsigned queued)
{
    long long deadline = sl_now_ms() + WAIT_MS;
    int status;

    while (queued_on(addr) < queued) {
        if (waitpid(probe->pid, &status, WNOHANG) == probe->pid)
            fail_test("lab08_probe() returned %s before the server had even accepted",
                      outcome_name(probe_collect(probe, status, NULL)));
        check(sl_now_ms() < deadline, "lab08_probe() never connected");
        pause_a_moment();
    }
}

/*
 * The harness's server end for the probe in `child`: accept its connection
 * on listener (bound to addr), read the request, answer all or the head only.
 */
static void serve_one(struct probe *child, int listener, const struct sockaddr_storage *addr, int generation,
                      bool whole)
{
    char request[LAB08_REQUEST_MAX], body[128], response[LAB08_RESPONSE_MAX];
    size_t have = 0;

    wait_probe_connected(child, addr, 1);
    int conn = tl_accept(listener, WAIT_MS);

    while (have < sizeof request - 1 && sl_wait_readable(conn, WAIT_MS) == 1) {
        ssize_t n = recv(conn, request + have, sizeof request - 1 - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
        request[have] = '\0';
        if (strstr(request, "\r\n\r\n"))
            break;
    }
    int body_len = snprintf(body, sizeof body, LAB08_BODY_FORMAT, generation, 0, (int)getpid());
    int len = snprintf(response, sizeof response, LAB08_RESPONSE_FORMAT, body_len, body);
    if (!whole)
        len = (int)(strstr(response, "\r\n\r\n") - response) + 4; /* the head only: no body */
    check(send(conn, response, (size_t)len, MSG_NOSIGNAL) == len, "harness: send");
    close(conn);
}

static void require_outcome(int got, int want, const char *situation)
{
    check(got == want, "lab08_probe() %s returned %s, expected %s", situation, outcome_name(got),
          outcome_name(want));
}

static void test_probe_answered(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    int generation = -1;

    struct probe child = probe_in_child(&addr, WAIT_MS);
    serve_one(&child, listener, &addr, 7, true);
    require_outcome(probe_result(child, &generation), LAB08_ANSWERED, "against a server that answered");
    check(generation == 7, "lab08_probe() set *generation to %d; the answer named generation 7", generation);

    child = probe_in_child(&addr, WAIT_MS);
    serve_one(&child, listener, &addr, 7, false);
    require_outcome(probe_result(child, NULL), LAB08_CUT_SHORT, "against a server that closed after the headers");
    close(listener);
}

static void test_probe_refused(void)
{
    struct sockaddr_storage addr;
    int reserved = reserve_port(&addr); /* bound, never listening: nobody accepts */

    require_outcome(probe_result(probe_in_child(&addr, WAIT_MS), NULL), LAB08_REFUSED,
                    "on a port where nothing listens");
    close(reserved);
}

static void test_probe_reset(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);

    /* The connection waits in the accept queue; then its listener closes. */
    struct probe child = probe_in_child(&addr, WAIT_MS);
    wait_probe_connected(&child, &addr, 1);
    close(listener);
    require_outcome(probe_result(child, NULL), LAB08_RESET, "when the listener it was queued on closed");
}

static void test_probe_timed_out(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    long long started = sl_now_ms();

    /* Queued and never accepted: no answer ever comes. */
    int outcome = probe_result(probe_in_child(&addr, 200), NULL);
    long long took = sl_now_ms() - started;
    require_outcome(outcome, LAB08_TIMED_OUT, "with 200 ms against a server that never answers");
    check(took < 1500, "lab08_probe() with 200 ms took %lld ms to give up", took);
    close(listener);
}

/* Poll until `count` accepted-by-the-kernel connections on addr's port hold a whole request each. */
static void wait_requests_arrived(const struct sockaddr_storage *addr, int count)
{
    struct sl_diag_filter filter = {
        .family = addr->ss_family,
        .states = SL_DIAG_STATE(TCP_ESTABLISHED),
        .local_port = sl_addr_port(sa(addr)),
    };
    struct sl_diag_socket list[32];
    long long deadline = sl_now_ms() + WAIT_MS;

    for (;;) {
        int n = sl_diag_list(&filter, list, 32), full = 0;
        check(n != -1, "harness: sock_diag: %s", sl_errno_name(errno));
        for (int i = 0; i < n && i < 32; i++)
            full += list[i].rqueue == strlen(LAB08_REQUEST);
        if (full >= count)
            return;
        check(sl_now_ms() < deadline, "lab08_probe() did not send its request (%d of %d arrived)", full, count);
        pause_a_moment();
    }
}

/*
 * The student's count against the kernel's: 3 connections answered, then 4
 * queued on a listener that closes (reset), then 3 to a port where nothing
 * listens (refused). In a namespace of its own, the kernel must have sent
 * exactly 7 resets, and counted 3 failed attempts.
 */
static void test_count_like_kernel(void)
{
    enum { ANSWERED = 3, RESET = 4, REFUSED = 3 };
    int tally[LAB08_CUT_SHORT + 1] = { 0 };
    bool private_netns = try_private_netns();
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct tcp_counters before = read_counters();

    for (int i = 0; i < ANSWERED; i++) {
        struct probe child = probe_in_child(&addr, WAIT_MS);
        serve_one(&child, listener, &addr, 1, true);
        int o = probe_result(child, NULL);
        check(o >= 0 && o <= LAB08_CUT_SHORT, "lab08_probe() returned %s", outcome_name(o));
        tally[o]++;
    }
    struct probe queued[RESET];
    for (int i = 0; i < RESET; i++)
        queued[i] = probe_in_child(&addr, WAIT_MS);
    for (int i = 0; i < RESET; i++)
        wait_probe_connected(&queued[i], &addr, RESET);
    /* Each request has arrived, so no client segment follows the resets. */
    wait_requests_arrived(&addr, RESET);
    close(listener);
    for (int i = 0; i < RESET; i++) {
        int o = probe_result(queued[i], NULL);
        check(o >= 0 && o <= LAB08_CUT_SHORT, "lab08_probe() returned %s", outcome_name(o));
        tally[o]++;
    }
    /* A port held by a socket that never listens. */
    struct sockaddr_storage nobody;
    int holder = reserve_port(&nobody);
    for (int i = 0; i < REFUSED; i++) {
        int o = probe_result(probe_in_child(&nobody, WAIT_MS), NULL);
        check(o >= 0 && o <= LAB08_CUT_SHORT, "lab08_probe() returned %s", outcome_name(o));
        tally[o]++;
    }
    struct tcp_counters after = read_counters();
    check(tally[LAB08_ANSWERED] == ANSWERED && tally[LAB08_RESET] == RESET && tally[LAB08_REFUSED] == REFUSED,
          "your probes counted %d answered, %d reset, %d refused (and %d timed out, %d cut short); the clients "
          "were %d answered, %d queued on a listener that closed, %d sent where nothing listened",
          tally[LAB08_ANSWERED], tally[LAB08_RESET], tally[LAB08_REFUSED], tally[LAB08_TIMED_OUT],
          tally[LAB08_CUT_SHORT], ANSWERED, RESET, REFUSED);
    if (private_netns) {
        long rsts = after.out_rsts - before.out_rsts, fails = after.attempt_fails - before.attempt_fails;
        check(rsts == tally[LAB08_RESET] + tally[LAB08_REFUSED] && fails == tally[LAB08_REFUSED],
              "the kernel sent %ld resets and counted %ld failed attempts; your probes counted %d reset and %d "
              "refused",
              rsts, fails, tally[LAB08_RESET], tally[LAB08_REFUSED]);
    }
    close(holder);
}

/* ------------------------------------------------------------------ */
/* Steps 4, 5 and 6: restarting a generation under load                 */
/* ------------------------------------------------------------------ */

enum restart_method { NAIVE, OVERLAP };

/* What one restart under load gave. */
struct restart_run {
    struct load_stats clients;
    struct tcp_counters before, after;
    pid_t old_pids[RESTART_WORKERS];
    struct lab08_generation next;
    int result, err;
};

/*
 * Generation 1 serves the harness's clients; it is paused until
 * connections wait in its queues; then the student's restart replaces it
 * with generation 2, which must serve the clients in turn.
 */
static void restart_under_load(enum restart_method method, const struct sockaddr_storage *addr,
                               struct restart_run *run)
{
    struct lab08_generation old;
    struct load load;

    start_generation(addr, RESTART_WORKERS, 1, &old);
    memcpy(run->old_pids, old.pids, sizeof run->old_pids);
    run->before = read_counters();
    load = load_start(addr);
    check(load_wait_answers(&load, 1, LOAD_ANSWERS), "the clients got no answers from generation 1");

    pause_processes(old.pids, RESTART_WORKERS);
    unsigned queued = wait_queued(addr, LOAD_CONCURRENCY / 2);
    check(queued >= LOAD_CONCURRENCY / 2, "harness: only %u connections queued on the paused generation", queued);
    pid_t helper = start_continuer(old.pids, RESTART_WORKERS, -1);

    watch_start(addr, method == OVERLAP);
    memset(&run->next, 0, sizeof run->next);
    if (method == NAIVE)
        run->result = lab08_restart_naive(&old, sa(addr), sa_len(addr), &run->next);
    else
        run->result = lab08_restart_overlap(&old, sa(addr), sa_len(addr), &run->next);
    run->err = errno;
    watch_stop();
    finish_continuer(helper);
    require_success(run->result, run->err, method == NAIVE ? "lab08_restart_naive()" : "lab08_restart_overlap()");
    require_generation_listening(addr, &run->next, RESTART_WORKERS, 2, RESTART_WORKERS, "after the restart");
    for (int k = 0; k < RESTART_WORKERS; k++) {
        char what[48];
        snprintf(what, sizeof what, "old worker %d", k);
        require_reaped_cleanly(run->old_pids[k], what);
    }
    check(load_wait_answers(&load, 2, LOAD_ANSWERS), "the clients got no answers from generation 2");
    load_finish(&load, &run->clients);
    run->after = read_counters();
}

static void test_naive_counts_losses(void)
{
    bool private_netns = try_private_netns();
    struct sockaddr_storage addr;
    struct restart_run run;
    int reserved = reserve_port(&addr);

    restart_under_load(NAIVE, &addr, &run);
    require_only_known_outcomes(&run.clients);
    require_kernel_agrees(private_netns, &run.before, &run.after, &run.clients);
    end_our_children();
    close(reserved);
}

static void test_overlap_refuses_nobody(void)
{
    bool private_netns = try_private_netns();
    struct sockaddr_storage addr;
    struct restart_run run;
    int reserved = reserve_port(&addr);

    restart_under_load(OVERLAP, &addr, &run);
    /* Every stop signal to the old workers came when the new generation already listened. */
    bool signalled = false;
    for (int i = 0; i < watch_entries(watch->nsignals); i++) {
        if (!is_stop_signal(watch->signal_number[i]))
            continue;
        signalled = true;
        check(watch->listeners_at_signal[i] >= 2 * RESTART_WORKERS,
              "an old worker was told to stop (signal %d to pid %d) while only %d listener%s existed on the port: "
              "start the new generation first, and stop the old one only once every new worker listens",
              watch->signal_number[i], (int)watch->signal_target[i], watch->listeners_at_signal[i],
              watch->listeners_at_signal[i] == 1 ? "" : "s");
    }
    check(signalled, "lab08_restart_overlap() never signalled the old workers");
    check(atomic_load(&run.clients.refused) == 0,
          "%ld connections were refused during the overlapping restart: there was a moment with no listener (%s)",
          atomic_load(&run.clients.refused), load_text(&run.clients));
    require_only_known_outcomes(&run.clients);
    require_kernel_agrees(private_netns, &run.before, &run.after, &run.clients);
    end_our_children();
    close(reserved);
}

static void test_migrate_refused_here(void)
{
    /* Graded as an unprivileged user in the machine's own namespace: the setting cannot change here. */
    int before = read_sysctl(LAB08_MIGRATE_SYSCTL);
    int result = lab08_enable_migration();
    int err = errno;

    check(result == -1,
          "lab08_enable_migration() returned %d where the setting cannot be written (an ordinary user, the "
          "machine's own namespace): it must fail and say why",
          result);
    check(err == EACCES || err == EPERM || err == EROFS || err == ENOENT,
          "lab08_enable_migration() failed with errno %s (%s); expected the errno of the open() or write() "
          "that failed (EACCES here)%s",
          sl_errno_name(err), strerror(err), err == ENOSYS ? ": this step is not written yet" : "");
    check(read_sysctl(LAB08_MIGRATE_SYSCTL) == before, "harness: the machine's setting changed");
}

/* The sysctl reads 0 in a fresh namespace; after the student's call it reads 1. */
static void require_migration_enabled(void)
{
    int first = read_sysctl(LAB08_MIGRATE_SYSCTL);
    if (first == -1)
        grade_skip("this kernel has no %s (Linux 5.14 and later have it)", LAB08_MIGRATE_SYSCTL);
    /* Tried, not taken from the setting's presence (kit/netns.h). */
    int works = kit_migration_works();
    if (works != 1)
        grade_skip("%s", kit_migration_missing(works, errno));
    if (first != 0)
        check(kit_write_text_file(LAB08_MIGRATE_SYSCTL, "0") == 0, "harness: cannot reset the namespace's setting");
    int result = lab08_enable_migration();
    int err = errno;
    require_success(result, err, "lab08_enable_migration()");
    check(read_sysctl(LAB08_MIGRATE_SYSCTL) == 1, "lab08_enable_migration() returned 0 but %s reads %d",
          LAB08_MIGRATE_SYSCTL, read_sysctl(LAB08_MIGRATE_SYSCTL));
}

/* A harness listener with SO_REUSEPORT on addr (whose port may be 0); *addr gets its address. */
static int harness_reuseport_listener(struct sockaddr_storage *addr)
{
    int on = 1;
    socklen_t len = sizeof *addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    check(fd != -1 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0 &&
              bind(fd, sa(addr), sa_len(addr)) == 0 && listen(fd, LAB08_BACKLOG) == 0 &&
              getsockname(fd, (struct sockaddr *)addr, &len) == 0,
          "harness: cannot make a listener: %s", sl_errno_name(errno));
    return fd;
}

static void test_migrate_moves_queue(void)
{
    enum { CLIENTS = 16 };
    struct sockaddr_storage addr;
    int clients[CLIENTS];

    require_migration_enabled();
    tl_loopback(AF_INET, &addr);
    int closing = harness_reuseport_listener(&addr);
    int surviving = harness_reuseport_listener(&addr);
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = tl_connect(&addr);
        check(send(clients[i], "x", 1, 0) == 1, "harness: send");
    }
    check(wait_queued(&addr, CLIENTS) == CLIENTS, "harness: the connections did not all queue");
    struct sl_diag_socket on_closing = tl_kernel_view(closing, "the listener that closes");
    struct tcp_counters before = read_counters();
    close(closing);
    struct tcp_counters after = read_counters();
    check(after.out_rsts == before.out_rsts,
          "closing a listener with %u queued connections sent %ld resets: they did not migrate", on_closing.rqueue,
          after.out_rsts - before.out_rsts);
    check(after.migrated - before.migrated == (long)on_closing.rqueue,
          "the kernel migrated %ld connections; %u were queued on the listener that closed",
          after.migrated - before.migrated, on_closing.rqueue);
    /* Every connection is now on the survivor, its byte still there to read. */
    for (int i = 0; i < CLIENTS; i++) {
        int conn = tl_accept(surviving, WAIT_MS);
        char byte;
        check(sl_wait_readable(conn, WAIT_MS) == 1 && read(conn, &byte, 1) == 1 && byte == 'x',
              "a migrated connection lost the byte its client sent");
        close(conn);
        close(clients[i]);
    }
    close(surviving);
}

static void test_migrate_overlap_loses_nothing(void)
{
    struct sockaddr_storage addr;
    struct restart_run run;

    require_migration_enabled();
    int reserved = reserve_port(&addr);
    restart_under_load(OVERLAP, &addr, &run);
    require_only_known_outcomes(&run.clients);
    require_kernel_agrees(true, &run.before, &run.after, &run.clients);
    check(atomic_load(&run.clients.reset) == 0 && atomic_load(&run.clients.refused) == 0,
          "with tcp_migrate_req = 1 an overlapping restart lost connections: %s", load_text(&run.clients));
    check(run.after.migrated > run.before.migrated && run.after.migrate_failed == run.before.migrate_failed,
          "the kernel migrated %ld connections and failed %ld; the old listeners closed with connections queued",
          run.after.migrated - run.before.migrated, run.after.migrate_failed - run.before.migrate_failed);
    end_our_children();
    close(reserved);
}

/* ------------------------------------------------------------------ */
/* Steps 7 and 8: passing listening sockets                             */
/* ------------------------------------------------------------------ */

/* A Unix stream socketpair for the hand-off tests. */
static void channel(int sv[2])
{
    check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "harness: socketpair: %s",
          sl_errno_name(errno));
}

/*
 * The harness's receiver: one recvmsg() on fd. Returns the descriptors of
 * its SCM_RIGHTS messages in fds[] and how many (data bytes in *data).
 */
static int harness_receive(int fd, int *fds, int max, ssize_t *data)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * (LAB08_MAX_LISTENERS + 4))];
        struct cmsghdr align;
    } control;
    char bytes[64];
    struct iovec iov = { .iov_base = bytes, .iov_len = sizeof bytes };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof control.buf };
    int count = 0;

    check(sl_wait_readable(fd, WAIT_MS) == 1, "nothing arrived on the Unix socket");
    *data = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    check(*data != -1, "harness: recvmsg: %s", sl_errno_name(errno));
    check(!(msg.msg_flags & MSG_CTRUNC), "harness: control data truncated");
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int in_this = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < in_this; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + (size_t)i * sizeof(int), sizeof got);
            if (count < max)
                fds[count] = got;
            else
                close(got);
            count++;
        }
    }
    return count;
}

/* The harness's sender: one byte and one SCM_RIGHTS message with n descriptors (n may be 0). */
static void harness_send(int fd, const int *fds, int n)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * (LAB08_MAX_LISTENERS + 4))];
        struct cmsghdr align;
    } control;
    char payload[1] = { 'T' };
    struct iovec part = { .iov_base = payload, .iov_len = sizeof payload };
    struct msghdr msg = { .msg_iov = &part, .msg_iovlen = 1 };

    if (n > 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
    }
    check(sendmsg(fd, &msg, MSG_NOSIGNAL) == 1, "harness: sendmsg: %s", sl_errno_name(errno));
}

/*
 * received is a new descriptor for the very socket `sent` is: the same
 * inode, listed LISTEN on the same address by the kernel, and a client's
 * connection can be accepted through it.
 */
static void require_same_listener(int sent, int received, const char *what)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;

    check(received != sent, "%s has the sender's descriptor number %d: that is not a descriptor of this process's "
          "own, it only looks like one", what, sent);
    check(kit_socket_inode(received) == kit_socket_inode(sent) && kit_socket_inode(sent) != 0,
          "%s (fd %d) is socket inode %llu; the one sent (fd %d) is inode %llu: not the same socket", what, received,
          (unsigned long long)kit_socket_inode(received), sent, (unsigned long long)kit_socket_inode(sent));
    struct sl_diag_socket view = tl_kernel_view(received, what);
    check(getsockname(sent, (struct sockaddr *)&addr, &len) == 0, "harness: getsockname");
    check(view.linux_state == TCP_LISTEN && sl_addr_equal(sa(&view.local), sa(&addr)),
          "the kernel lists %s in state %d on %s; expected LISTEN on %s", what, view.linux_state,
          tl_str(&view.local, 0), tl_str(&addr, 1));
    int client = tl_connect(&addr);
    int conn = tl_accept(received, WAIT_MS);
    close(conn);
    close(client);
}

static void test_send_one_listener(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    int sv[2], got[4];
    ssize_t data;

    channel(sv);
    int result = lab08_send_listeners(sv[0], &listener, 1);
    int err = errno;
    require_success(result, err, "lab08_send_listeners()");
    check(result == 0, "lab08_send_listeners() returned %d, expected 0", result);
    int n = harness_receive(sv[1], got, 4, &data);
    check(n == 1,
          "the message carried %d descriptors (and %zd bytes of data); expected one SCM_RIGHTS control message "
          "with one descriptor. Sending the number as data does not send the socket: the number means nothing "
          "in another process",
          n, data);
    check(data >= 1, "the message had no data byte");
    check(tl_fd_is_open(listener), "lab08_send_listeners() closed the listener it sent");
    require_same_listener(listener, got[0], "the descriptor received");
    close(got[0]);
    close(listener);
    close(sv[0]);
    close(sv[1]);
}

static void test_send_several(void)
{
    enum { N = 3 };
    struct sockaddr_storage addr[N];
    int listeners[N], sv[2], got[N + 2];
    ssize_t data;

    for (int i = 0; i < N; i++)
        listeners[i] = tl_listener(AF_INET, &addr[i]);
    channel(sv);
    int result = lab08_send_listeners(sv[0], listeners, N);
    int err = errno;
    require_success(result, err, "lab08_send_listeners() with 3 descriptors");
    int n = harness_receive(sv[1], got, N + 2, &data);
    check(n == N, "one call with 3 descriptors delivered %d in one message", n);
    for (int i = 0; i < N; i++) {
        char what[48];
        snprintf(what, sizeof what, "descriptor %d received", i);
        require_same_listener(listeners[i], got[i], what);
        close(got[i]);
        close(listeners[i]);
    }
    close(sv[0]);
    close(sv[1]);
}

static void test_send_bad_count(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    int many[LAB08_MAX_LISTENERS + 1];
    int sv[2];

    channel(sv);
    /* It must work where it should, first. */
    int result = lab08_send_listeners(sv[0], &listener, 1);
    int err = errno;
    require_success(result, err, "lab08_send_listeners()");
    int got[2];
    ssize_t data;
    check(harness_receive(sv[1], got, 2, &data) == 1, "one descriptor sent, not one received");
    close(got[0]);

    for (int i = 0; i <= LAB08_MAX_LISTENERS; i++)
        many[i] = listener;
    result = lab08_send_listeners(sv[0], &listener, 0);
    err = errno;
    require_failure(result, err, EINVAL, "lab08_send_listeners() with n = 0");
    result = lab08_send_listeners(sv[0], many, LAB08_MAX_LISTENERS + 1);
    err = errno;
    require_failure(result, err, EINVAL, "lab08_send_listeners() with n = LAB08_MAX_LISTENERS + 1");
    check(sl_wait_readable(sv[1], 0) == 0, "lab08_send_listeners() with a bad n sent something anyway");
    close(listener);
    close(sv[0]);
    close(sv[1]);
}

static void test_receive_one_listener(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    int sv[2], fds[4] = { -1, -1, -1, -1 };

    channel(sv);
    harness_send(sv[0], &listener, 1);
    int n = lab08_receive_listeners(sv[1], fds, 4, WAIT_MS);
    int err = errno;
    require_success(n, err, "lab08_receive_listeners()");
    check(n == 1, "lab08_receive_listeners() returned %d; one descriptor was sent", n);
    require_same_listener(listener, fds[0], "the descriptor lab08_receive_listeners() returned");
    close(fds[0]);
    close(listener);
    close(sv[0]);
    close(sv[1]);
}

static void test_receive_several(void)
{
    enum { N = 3 };
    struct sockaddr_storage addr[N];
    int listeners[N], sv[2], fds[N + 1];

    for (int i = 0; i < N; i++)
        listeners[i] = tl_listener(AF_INET, &addr[i]);
    channel(sv);
    harness_send(sv[0], listeners, N);
    int n = lab08_receive_listeners(sv[1], fds, N + 1, WAIT_MS);
    int err = errno;
    require_success(n, err, "lab08_receive_listeners()");
    check(n == N, "lab08_receive_listeners() returned %d; 3 descriptors were sent in one message", n);
    for (int i = 0; i < N; i++) {
        char what[48];
        snprintf(what, sizeof what, "fds[%d] received", i);
        require_same_listener(listeners[i], fds[i], what);
        close(fds[i]);
    }

    /* More than max: an error, and nothing left open. */
    int before = tl_open_fd_count();
    harness_send(sv[0], listeners, N);
    n = lab08_receive_listeners(sv[1], fds, 2, WAIT_MS);
    err = errno;
    require_failure(n, err, EMSGSIZE, "lab08_receive_listeners() with max = 2 for 3 descriptors");
    check(tl_open_fd_count() == before,
          "after refusing 3 descriptors for max = 2, %d descriptors more are open: close the ones that arrived",
          tl_open_fd_count() - before);
    for (int i = 0; i < N; i++)
        close(listeners[i]);
    close(sv[0]);
    close(sv[1]);
}

static void test_receive_errors(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    int sv[2], fds[4];

    channel(sv);
    /* It must work where it should, first. */
    harness_send(sv[0], &listener, 1);
    int n = lab08_receive_listeners(sv[1], fds, 4, WAIT_MS);
    int err = errno;
    require_success(n, err, "lab08_receive_listeners()");
    for (int i = 0; i < n && i < 4; i++)
        close(fds[i]);

    int before = tl_open_fd_count();
    long long started = sl_now_ms();
    n = lab08_receive_listeners(sv[1], fds, 4, 100);
    err = errno;
    require_failure(n, err, ETIMEDOUT, "lab08_receive_listeners() when nothing is sent (100 ms)");
    check(sl_now_ms() - started < 1500, "lab08_receive_listeners() with 100 ms took %lld ms",
          sl_now_ms() - started);

    harness_send(sv[0], NULL, 0);
    n = lab08_receive_listeners(sv[1], fds, 4, WAIT_MS);
    err = errno;
    require_failure(n, err, EBADMSG, "lab08_receive_listeners() for a byte without descriptors");

    close(sv[0]);
    before--;
    n = lab08_receive_listeners(sv[1], fds, 4, WAIT_MS);
    err = errno;
    require_failure(n, err, ECONNRESET, "lab08_receive_listeners() after the sender closed the channel");
    check(tl_open_fd_count() == before, "the failed calls left %d descriptors open", tl_open_fd_count() - before);
    close(sv[1]);
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 9: the hand-off restart                                         */
/* ------------------------------------------------------------------ */

/*
 * Exactly one LISTEN socket on addr, with this inode (0: any), held by the
 * server process and not by the test process. Returns its inode.
 */
static uint64_t require_one_listener_held_by(const struct sockaddr_storage *addr, uint64_t inode, pid_t server,
                                             const char *when)
{
    struct sl_diag_socket list[8];
    int n = listeners_now(addr, list, 8);

    check(n == 1, "%s: the kernel lists %d LISTEN sockets on %s; a hand-off keeps exactly one", when, n,
          tl_str(addr, 0));
    check(inode == 0 || list[0].inode == inode,
          "%s: the listener is socket inode %llu, not %llu: that is a new socket, not the one handed over", when,
          (unsigned long long)list[0].inode, (unsigned long long)inode);
    check(holds_inode(server, list[0].inode), "%s: the server process (pid %d) does not hold the listener", when,
          (int)server);
    check(!holds_inode(sj_subject_pid(), list[0].inode),
          "%s: the parent process holds the listener too: only the server process should", when);
    return list[0].inode;
}

static void start_server(const struct sockaddr_storage *addr, struct lab08_server *server)
{
    memset(server, 0, sizeof *server);
    int result = lab08_start_server(sa(addr), sa_len(addr), 1, server);
    int err = errno;
    require_success(result, err, "lab08_start_server()");
    check(server->generation == 1 && tl_parent_of(server->pid) == sj_subject_pid(),
          "after lab08_start_server(): generation %d, pid %d; expected generation 1 and a child of this process",
          server->generation, (int)server->pid);
}

/* The student's hand-off, with old paused until the new process has asked for the listener. */
static void handoff(struct lab08_server *old, struct lab08_server *next, const struct sockaddr_storage *addr,
                    bool with_queue)
{
    pid_t helper = -1;
    pid_t old_pid = old->pid;
    int old_generation = old->generation;

    if (with_queue) {
        pause_processes(&old_pid, 1);
        check(wait_queued(addr, LOAD_CONCURRENCY / 2) >= LOAD_CONCURRENCY / 2,
              "harness: no connections queued on the paused server");
        helper = start_continuer(&old_pid, 1, old->handoff_fd);
    }
    watch_start(addr, false);
    memset(next, 0, sizeof *next);
    int result = lab08_restart_handoff(old, next);
    int err = errno;
    watch_stop();
    if (helper != -1)
        finish_continuer(helper);
    for (int i = 0; i < watch_entries(watch->nsignals); i++)
        check(!(is_stop_signal(watch->signal_number[i]) &&
                (watch->signal_target[i] == old_pid || watch->signal_target[i] == -old_pid)),
              "lab08_restart_handoff() sent signal %d to the old server (pid %d). A server told to stop closes its "
              "listener, and the connections queued on it are reset: the old server exits by itself once it has "
              "handed the listener over",
              watch->signal_number[i], (int)old_pid);
    require_success(result, err, "lab08_restart_handoff()");
    require_reaped_cleanly(old_pid, "the old server process");
    check(next->pid != old_pid && tl_parent_of(next->pid) == sj_subject_pid(),
          "after the hand-off the new server's pid is %d: not a new child of this process", (int)next->pid);
    check(next->generation == old_generation + 1, "the new server is generation %d, expected %d", next->generation,
          old_generation + 1);
}

static void test_handoff_same_socket(void)
{
    bool private_netns = try_private_netns();
    struct sockaddr_storage addr;
    struct lab08_server old, next;
    struct load_stats clients;
    int reserved = reserve_port(&addr);

    start_server(&addr, &old);
    uint64_t inode = require_one_listener_held_by(&addr, 0, old.pid, "after lab08_start_server()");
    struct tcp_counters before = read_counters();
    struct load load = load_start(&addr);
    check(load_wait_answers(&load, 1, LOAD_ANSWERS), "the clients got no answers from generation 1");

    handoff(&old, &next, &addr, true);
    require_one_listener_held_by(&addr, inode, next.pid, "after lab08_restart_handoff()");
    check(next.generation == 2, "the new server is generation %d, expected 2", next.generation);
    check(load_wait_answers(&load, 2, LOAD_ANSWERS), "the clients got no answers from generation 2");
    load_finish(&load, &clients);
    struct tcp_counters after = read_counters();
    require_only_known_outcomes(&clients);
    check(atomic_load(&clients.reset) == 0 && atomic_load(&clients.refused) == 0,
          "the hand-off lost connections: %s. The listening socket must never close: the old process keeps it "
          "open until it has sent it, the new one serves from the very descriptors it received",
          load_text(&clients));
    require_kernel_agrees(private_netns, &before, &after, &clients);
    end_our_children();
    close(reserved);
}

static void test_handoff_twice(void)
{
    struct sockaddr_storage addr;
    struct lab08_server servers[3];
    int reserved = reserve_port(&addr);
    int fds_before = tl_open_fd_count();

    start_server(&addr, &servers[0]);
    uint64_t inode = require_one_listener_held_by(&addr, 0, servers[0].pid, "after lab08_start_server()");
    for (int i = 1; i < 3; i++) {
        int g, w, pid;
        handoff(&servers[i - 1], &servers[i], &addr, false);
        require_one_listener_held_by(&addr, inode, servers[i].pid, "after a hand-off");
        check(servers[i].generation == i + 1, "after hand-off %d the server is generation %d, expected %d", i,
              servers[i].generation, i + 1);
        check(fetch_answer(&addr, &g, &w, &pid) && g == i + 1 && pid == (int)servers[i].pid,
              "after hand-off %d a client was not answered by the new server (generation %d, pid %d)", i, i + 1,
              (int)servers[i].pid);
    }
    pid_t last = servers[2].pid;
    watch_start(&addr, false);
    int result = lab08_stop_server(&servers[2]);
    int err = errno;
    watch_stop();
    require_success(result, err, "lab08_stop_server()");
    require_reaped_cleanly(last, "the last server");
    check(result == 0, "lab08_stop_server() returned %d for a server that exited with status 0", result);
    check(count_listeners(&addr) == 0, "after the stop a listener is left on the port");
    check(tl_open_fd_count() == fds_before,
          "after two hand-offs and a stop, %d more descriptors are open in the parent: close each hand-off "
          "channel's end once its server is gone",
          tl_open_fd_count() - fds_before);
    close(reserved);
}

/* ------------------------------------------------------------------ */

static const struct grade_step steps[] = {
    { 1, "A listener that shares its port",
      "socket(), setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) with on = 1 BEFORE bind(), bind(), "
      "listen(fd, LAB08_BACKLOG). On a failure close the socket and keep the failing call's errno." },
    { 2, "A generation of workers",
      "pipe() before the forks; each child: lab08_prepare_worker(), its own lab08_listener(), one byte to the "
      "pipe, lab08_serve(), _exit(). The parent closes the write end and returns only after "
      "lab08_wait_ready(read end, n, LAB08_READY_TIMEOUT_MS). Stop: SIGTERM to each pid, then waitpid() each "
      "pid (never -1), counting those that did not exit with status 0." },
    { 3, "What a client sees",
      "socket(SOCK_NONBLOCK), connect() (-1/EINPROGRESS is the normal start), poll() for POLLOUT with the "
      "deadline, then getsockopt(SO_ERROR): ECONNREFUSED is refused. send() with MSG_NOSIGNAL, then read to the "
      "end-of-file: ECONNRESET (or EPIPE on send) is reset; a body that parses is answered." },
    { 4, "The naive restart",
      "lab08_stop_generation(old), then lab08_start_generation() with old->number + 1 and as many workers. Return "
      "-1 when either fails (ECHILD when the old workers did not all exit with status 0)." },
    { 5, "The overlapping restart",
      "lab08_start_generation() for the new generation FIRST (it returns when every new worker listens), THEN "
      "lab08_stop_generation(old). Never signal an old worker before the new ones listen." },
    { 6, "Let the kernel migrate queued connections",
      "open(LAB08_MIGRATE_SYSCTL, O_WRONLY), write \"1\", close, and read it back. Return -1 with the errno of "
      "the call that failed (EACCES for an ordinary user): never claim success you did not get." },
    { 7, "Send listening sockets",
      "One sendmsg(): an iovec with one byte, and msg_control with CMSG_SPACE(n * sizeof(int)) bytes holding one "
      "cmsghdr: cmsg_level SOL_SOCKET, cmsg_type SCM_RIGHTS, cmsg_len CMSG_LEN(n * sizeof(int)), the ints copied "
      "to CMSG_DATA(). The numbers as plain data mean nothing to another process." },
    { 8, "Receive them",
      "sl_wait_readable() with the timeout, then recvmsg() with a control buffer of "
      "CMSG_SPACE(LAB08_MAX_LISTENERS * sizeof(int)); walk CMSG_FIRSTHDR/CMSG_NXTHDR for SCM_RIGHTS and copy the "
      "ints out. 0 bytes: ECONNRESET; no descriptors: EBADMSG; MSG_CTRUNC or more than max: close them, EMSGSIZE." },
    { 9, "Hand the listener over",
      "The new process (a child of the caller) writes LAB08_HANDOFF_REQUEST on old->handoff_fd, receives the "
      "listeners there (step 8) and serves from THOSE descriptors: no new socket. The parent waits for its ready "
      "byte, then reaps the old process, which has sent the listener and exits with status 0 by itself. Never "
      "stop the old server before the new one has the listener." },
};

/* Designated fields: a field added to struct grade_test later defaults to 0. */
static const struct grade_test tests[] = {
    { .step = 1, .name = "listener_joins_port", .points = 2, .run = test_listener_joins_port,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "two LISTEN sockets join a reserved SO_REUSEPORT port, backlog LAB08_BACKLOG" },
    { .step = 1, .name = "listener_refused", .points = 1, .run = test_listener_refused, .timeout_s = TEST_TIMEOUT_S,
      .description = "a port held without SO_REUSEPORT: -1/EADDRINUSE, nothing left open" },
    { .step = 2, .name = "generation_listens", .points = 3, .run = test_generation_listens,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "when the start returns, 3 LISTEN sockets, one held by each worker, none by the parent; every "
                     "worker answers" },
    { .step = 2, .name = "generation_stops_cleanly", .points = 3, .run = test_generation_stops_cleanly,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "every worker reaped with exit status 0, no listener left, another child untouched" },
    { .step = 2, .name = "generation_finishes_accepted", .points = 2, .run = test_generation_finishes_accepted,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "a connection accepted before SIGTERM is still answered, then the worker exits 0" },
    { .step = 2, .name = "generation_bad_arguments", .points = 1, .run = test_generation_bad_arguments,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "EINVAL for bad n or number; a start whose workers cannot listen fails and leaves nothing" },
    { .step = 3, .name = "probe_answered", .points = 2, .run = test_probe_answered, .timeout_s = TEST_TIMEOUT_S,
      .description = "a whole answer: LAB08_ANSWERED and its generation; headers only: LAB08_CUT_SHORT" },
    { .step = 3, .name = "probe_refused", .points = 1, .run = test_probe_refused, .timeout_s = TEST_TIMEOUT_S,
      .description = "nothing listens: LAB08_REFUSED" },
    { .step = 3, .name = "probe_reset", .points = 1, .run = test_probe_reset, .timeout_s = TEST_TIMEOUT_S,
      .description = "queued on a listener that closes: LAB08_RESET" },
    { .step = 3, .name = "probe_timed_out", .points = 1, .run = test_probe_timed_out, .timeout_s = TEST_TIMEOUT_S,
      .description = "never answered: LAB08_TIMED_OUT within the time given" },
    { .step = 3, .name = "count_like_kernel", .points = 3, .run = test_count_like_kernel,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "3 answered, 4 reset, 3 refused, as the kernel's reset counters say" },
    { .step = 4, .name = "naive_counts_losses", .points = 4, .run = test_naive_counts_losses,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "under load: the old workers exit 0, the new ones listen, every loss is a reset or a refusal "
                     "and the kernel counted the same" },
    { .step = 5, .name = "overlap_refuses_nobody", .points = 4, .run = test_overlap_refuses_nobody,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "under load: the old workers are stopped only once 4 listeners exist; no client refused" },
    { .step = 6, .name = "migrate_refused_here", .points = 1, .run = test_migrate_refused_here,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "where the setting cannot be written: -1 with the errno of the failed call" },
    { .step = 6, .name = "migrate_moves_queue", .points = 2, .run = test_migrate_moves_queue,
      .timeout_s = TEST_TIMEOUT_S, .needs = "a network namespace", .own_netns = true, .runs_as_root = true,
      .description = "tcp_migrate_req reads 1; a closing listener's queue moves to the survivor, no reset" },
    { .step = 6, .name = "migrate_overlap_loses_nothing", .points = 3, .run = test_migrate_overlap_loses_nothing,
      .timeout_s = TEST_TIMEOUT_S, .needs = "a network namespace", .own_netns = true, .runs_as_root = true,
      .description = "an overlapping restart under load with migration: no reset, no refusal" },
    { .step = 7, .name = "send_one_listener", .points = 2, .run = test_send_one_listener,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "one SCM_RIGHTS message: a new descriptor of the same LISTEN socket (same inode, port)" },
    { .step = 7, .name = "send_several", .points = 1, .run = test_send_several, .timeout_s = TEST_TIMEOUT_S,
      .description = "three listeners in one message, in order" },
    { .step = 7, .name = "send_bad_count", .points = 1, .run = test_send_bad_count, .timeout_s = TEST_TIMEOUT_S,
      .description = "n = 0 or too many: -1/EINVAL and nothing sent" },
    { .step = 8, .name = "receive_one_listener", .points = 2, .run = test_receive_one_listener,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "the descriptor received is the sent socket: same inode, LISTEN, accepts" },
    { .step = 8, .name = "receive_several", .points = 1, .run = test_receive_several, .timeout_s = TEST_TIMEOUT_S,
      .description = "three in order; three for max = 2: -1/EMSGSIZE and none left open" },
    { .step = 8, .name = "receive_errors", .points = 1, .run = test_receive_errors, .timeout_s = TEST_TIMEOUT_S,
      .description = "ETIMEDOUT, EBADMSG (no descriptors), ECONNRESET (channel closed), nothing left open" },
    { .step = 9, .name = "handoff_same_socket", .points = 5, .run = test_handoff_same_socket,
      .timeout_s = TEST_TIMEOUT_S,
      .description = "under load: one listener, same inode, now held by the new process; the old one exits 0; no "
                     "reset, no refusal" },
    { .step = 9, .name = "handoff_twice", .points = 2, .run = test_handoff_twice, .timeout_s = TEST_TIMEOUT_S,
      .description = "generation 1 -> 2 -> 3 on one socket, then a clean stop, no descriptor left in the parent" },
};

GRADE_LAB("08", "Restart without dropping connections", steps, tests);
