/*
 * tests.c - the graded tests of Lab 07, "Performance".
 *
 * The tests check correctness, never speed. The grader is a real HTTP
 * client: every connection it opens must get exactly one valid HTTP/1.1
 * response (status line, headers, empty line, a body of exactly
 * Content-Length bytes naming a worker) followed by the server's
 * end-of-file, and never a reset. What the kernel says is checked too: how
 * many LISTEN sockets are on the port (sock_diag), which process holds
 * which (/proc/PID/fd), what each worker's epoll instance watches
 * (/proc/PID/fdinfo), and which workers are left, running or as zombies
 * (/proc/PID/stat).
 *
 * Your code runs in a process of its own, the "subject" (harness/subject.h),
 * which shares the test's descriptors but not its memory; the workers your
 * code forks are the subject's children, not the test's, so the test sees
 * them through /proc, never with waitpid().
 *
 * Each step is graded on its own as far as possible: the tests of steps 2
 * and 4 fork the workers themselves and run your loop in them; the tests of
 * steps 3 and 5 run a worker loop of the grader's own in the workers your
 * code starts; the tests of step 6 hand your lab07_stop() workers the grader
 * started in your process, so they are its children to reap. The last test
 * runs every model, all your code, end to end.
 *
 * Ports are always picked by the kernel (port 0), so two graders can run at
 * once. No test sleeps a guessed time: every wait polls with a bound, and a
 * test fails early, saying why, when the workers it needs have died.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h> /* TCP_LISTEN, TCP_ESTABLISHED: the kernel's state numbers */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "testlib.h"

/* Each test takes well under a second or two; the limit only stops a hung one. */
#define TEST_TIMEOUT_S 10

/* How long the grader waits for one batch of responses, or one response. */
#define RESPONSE_WAIT_MS 3000

/* How many workers the multi-worker tests start. */
#define WORKERS 4

/* Connections per test: enough for every worker to be seen. */
#define CONNECTIONS 400

/* How many connections are in flight at once in a batch. */
#define BATCH 32

/*
 * Step 4's light-load test: rounds of connections made one at a time, each
 * round once every worker is asleep in epoll_wait(); in at least one round
 * the busiest of the WORKERS workers must have served CONCENTRATED_PERCENT
 * of them, twice a fair share. Measured on Linux 6.18, 2 CPUs, 4 workers,
 * 40 rounds of 200 each (the reference solution, the machine shared with
 * other programs): with EPOLLEXCLUSIVE the busiest worker served 95-99%
 * with the other CPU kept busy, 55-99% with both CPUs kept busy. Workers
 * blocked in accept() on the same socket: 25-42% in the same conditions
 * (in turns, but a worker that finds the next connection already queued
 * takes it without sleeping). Without EPOLLEXCLUSIVE every worker is woken
 * and they race: 32-57%.
 */
#define LIGHT_LOAD_ROUNDS 5
#define LIGHT_LOAD_CONNECTIONS 200
#define CONCENTRATED_PERCENT 50

/*
 * Fail the test, with a message, unless cond holds. Unlike require(),
 * a check that passes writes nothing: Check records the file and line of
 * every passing ck_assert in its result file, which counts against the
 * runner's file-size limit, and these tests check thousands of responses.
 */
#define require(cond, ...)                                                                                         \
    do {                                                                                                           \
        if (!(cond))                                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                                             \
    } while (0)

static const char request_text[] =
    "GET /lab07 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: socklab-grader\r\nAccept: */*\r\nConnection: close\r\n\r\n";

/* ------------------------------------------------------------------ */
/* Processes the test watches                                           */
/* ------------------------------------------------------------------ */

/*
 * The worker processes of the running test, so that a failure message can
 * say "worker 2 exited with status 38" instead of just "no response".
 */
static pid_t watched_pids[LAB07_MAX_WORKERS];
static int watched_count;

static void watch_workers(const pid_t *pids, int n)
{
    watched_count = n < 0 ? 0 : n > LAB07_MAX_WORKERS ? LAB07_MAX_WORKERS : n;
    for (int k = 0; k < watched_count; k++)
        watched_pids[k] = pids[k];
}

/*
 * The wait status a zombie left (field 52 of /proc/PID/stat, exit_code), or
 * -1 when it cannot be read (a kernel before 3.5, or the process is gone).
 */
static int zombie_status(pid_t pid)
{
    char path[64], text[1024];
    int status = -1;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    if (fgets(text, sizeof text, f) != NULL && strrchr(text, ')') != NULL) {
        /* Fields 3 (state) to 52 (exit_code) follow the command name's last ')'. */
        char *save, *field = strtok_r(strrchr(text, ')') + 1, " \n", &save);
        for (int number = 3; field != NULL && number < 52; number++)
            field = strtok_r(NULL, " \n", &save);
        if (field != NULL)
            status = atoi(field);
    }
    fclose(f);
    return status;
}

/*
 * Has worker pid ended? Never reaps it. *status gets its wait status, or
 * -1 when unknown. A worker the grader forked is the test's child (waitid()
 * with WNOWAIT); one your code forked is the subject's, and the kernel
 * shows it ended as a zombie ('Z') or, once reaped, as gone.
 */
static bool worker_ended(pid_t pid, int *status)
{
    siginfo_t info;

    *status = -1;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
        if (info.si_pid != pid)
            return false;
        *status = info.si_code == CLD_EXITED ? W_EXITCODE(info.si_status, 0) : info.si_status & 0x7f;
        return true;
    }
    char state = tl_process_state(pid);
    if (state == 'Z')
        *status = zombie_status(pid);
    return state == 0 || state == 'Z' || state == 'X';
}

/* Exit status 38 is how the grader's children report ENOSYS from your loop. */
#define ENOSYS_EXIT 38

/* A sentence on the first watched worker that has ended, or "". */
static const char *dead_worker_note(void)
{
    static char note[200];
    int status;

    note[0] = '\0';
    for (int k = 0; k < watched_count; k++) {
        if (!worker_ended(watched_pids[k], &status))
            continue;
        if (status == -1)
            snprintf(note, sizeof note, " (worker %d, pid %d, has ended)", k, (int)watched_pids[k]);
        else if (WIFEXITED(status))
            snprintf(note, sizeof note, " (worker %d, pid %d, has exited with status %d%s)", k,
                     (int)watched_pids[k], WEXITSTATUS(status),
                     WEXITSTATUS(status) == ENOSYS_EXIT ? ": its loop returned -1 with ENOSYS, not written yet" : "");
        else
            snprintf(note, sizeof note, " (worker %d, pid %d, was killed by signal %d, %s)", k, (int)watched_pids[k],
                     WTERMSIG(status), WTERMSIG(status) == SIGPIPE ? "SIGPIPE: send() without MSG_NOSIGNAL?"
                                                                    : strsignal(WTERMSIG(status)));
        break;
    }
    return note;
}

static bool all_watched_ended(void)
{
    int status;

    for (int k = 0; k < watched_count; k++)
        if (!worker_ended(watched_pids[k], &status))
            return false;
    return watched_count > 0;
}

/*
 * SIGKILL and reap: the grader's own clean-up, whatever step 6 does. The
 * test reaps the workers it forked; those of the subject it waits (bounded)
 * to see dead, and the runner reaps them when the test ends.
 */
static void kill_and_reap(const pid_t *pids, int n)
{
    for (int k = 0; k < n; k++)
        if (pids[k] > 0)
            kill(pids[k], SIGKILL);
    for (int k = 0; k < n; k++) {
        if (pids[k] <= 0)
            continue;
        pid_t got;
        while ((got = waitpid(pids[k], NULL, 0)) == -1 && errno == EINTR)
            continue;
        long long deadline = sl_now_ms() + RESPONSE_WAIT_MS;
        while (got == -1 && tl_process_state(pids[k]) != 0 && tl_process_state(pids[k]) != 'Z' &&
               sl_now_ms() < deadline)
            poll(NULL, 0, 2);
    }
    watched_count = 0;
}

/* ------------------------------------------------------------------ */
/* Checking a response                                                  */
/* ------------------------------------------------------------------ */

/*
 * Check text (len bytes) as a strict HTTP/1.1 client: returns the worker
 * number K of the body "worker K\n" (0 <= K < nworkers), or -1 with the
 * reason in why.
 */
static int parse_response(const char *text, size_t len, int nworkers, char *why, size_t why_size)
{
    const char *status = "HTTP/1.1 200 OK\r\n";
    const char *blank = memmem(text, len, "\r\n\r\n", 4);
    int lengths = 0, closes = 0;
    long declared = -1;

    if (len == 0) {
        snprintf(why, why_size, "no response at all: the server closed the connection without a byte");
        return -1;
    }
    if (len < strlen(status) || memcmp(text, status, strlen(status)) != 0) {
        snprintf(why, why_size, "the response does not start with the status line \"HTTP/1.1 200 OK\\r\\n\"");
        return -1;
    }
    if (blank == NULL) {
        snprintf(why, why_size, "there is no empty line (\"\\r\\n\\r\\n\") after the headers: a client cannot tell "
                                "where the head ends and the body starts");
        return -1;
    }
    /* Each header line, between the status line and the empty line. */
    const char *line = text + strlen(status);
    while (line < blank + 2) {
        const char *eol = memmem(line, (size_t)(blank + 2 - line), "\r\n", 2);
        size_t n = (size_t)(eol - line);
        if (memchr(line, '\n', n) != NULL) {
            snprintf(why, why_size, "a header line ends with \"\\n\" alone: HTTP lines end with \"\\r\\n\"");
            return -1;
        }
        const char *colon = memchr(line, ':', n);
        if (colon == NULL) {
            snprintf(why, why_size, "a header line has no ':' (%.*s)", (int)(n > 40 ? 40 : n), line);
            return -1;
        }
        size_t name_len = (size_t)(colon - line);
        const char *value = colon + 1;
        while (value < eol && *value == ' ')
            value++;
        if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            char *end;
            lengths++;
            declared = strtol(value, &end, 10);
            if (end == value || end != eol || declared < 0) {
                snprintf(why, why_size, "the Content-Length value is not a number");
                return -1;
            }
        }
        if (name_len == 10 && strncasecmp(line, "Connection", 10) == 0 && eol - value == 5 &&
            strncasecmp(value, "close", 5) == 0)
            closes++;
        line = eol + 2;
    }
    const char *body = blank + 4;
    size_t body_len = len - (size_t)(body - text);
    if (lengths != 1) {
        snprintf(why, why_size, "%s", lengths ? "there are several Content-Length headers" : "there is no Content-Length header");
        return -1;
    }
    if ((size_t)declared != body_len) {
        snprintf(why, why_size, "Content-Length says %ld but %zu byte%s came after the empty line (\"%.*s\")",
                 declared, body_len, body_len == 1 ? "" : "s", (int)(body_len > 24 ? 24 : body_len), body);
        return -1;
    }
    if (closes != 1) {
        snprintf(why, why_size, "there is no \"Connection: close\" header");
        return -1;
    }
    int worker;
    char newline;
    char copy[40];
    snprintf(copy, sizeof copy, "%.*s", (int)(body_len < sizeof copy ? body_len : sizeof copy - 1), body);
    if (body_len >= sizeof copy || sscanf(copy, "worker %d%c", &worker, &newline) != 2 || newline != '\n' ||
        (size_t)snprintf(NULL, 0, "worker %d\n", worker) != body_len) {
        snprintf(why, why_size, "the body is \"%s\", not \"worker K\\n\"", copy);
        return -1;
    }
    if (worker < 0 || worker >= nworkers) {
        snprintf(why, why_size, "the body names worker %d, but the workers are 0 to %d", worker, nworkers - 1);
        return -1;
    }
    return worker;
}

/* ------------------------------------------------------------------ */
/* Being a client                                                       */
/* ------------------------------------------------------------------ */

static const struct sockaddr *sa(const struct sockaddr_storage *addr)
{
    return (const struct sockaddr *)addr;
}

/* A client connected to addr (blocking connect; the kernel completes it). */
static int connect_client(const struct sockaddr_storage *addr)
{
    int fd = kit_connect_to(sa(addr));

    require(fd != -1, "cannot connect to the server at %s: %s%s", tl_str(addr, 0), sl_errno_name(errno),
                  dead_worker_note());
    return fd;
}

static void send_text(int fd, const char *text)
{
    size_t len = strlen(text);

    require(send(fd, text, len, MSG_NOSIGNAL) == (ssize_t)len, "harness: send: %s", sl_errno_name(errno));
}

/*
 * Wait until fd is readable, until the deadline (sl_now_ms() time); give
 * up early when every watched worker has died. Returns 1 or 0.
 */
static int await_readable(int fd, long long deadline)
{
    for (;;) {
        long long left = deadline - sl_now_ms();
        if (left <= 0)
            return 0;
        int ready = sl_wait_readable(fd, left > 50 ? 50 : (int)left);
        if (ready != 0)
            return ready == 1;
        if (all_watched_ended())
            return 0;
    }
}

/*
 * Read what the server sends on fd up to its end-of-file. Returns the
 * byte count; -1 on a reset (errno ECONNRESET) or another error; -2 when
 * nothing ended by the deadline.
 */
static ssize_t read_to_eof(int fd, char *buf, size_t cap, long long deadline)
{
    size_t have = 0;

    for (;;) {
        if (!await_readable(fd, deadline))
            return -2;
        ssize_t n = read(fd, buf + have, cap - 1 - have);
        if (n == 0)
            break;
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return -1;
        have += (size_t)n;
        if (have == cap - 1)
            break; /* far too long: parse_response() will say what is wrong */
    }
    buf[have] = '\0';
    return (ssize_t)have;
}

/*
 * Read and check connection number `which`'s response (a test failure
 * otherwise). Returns the worker that served it.
 */
static int require_response(int fd, int which, int nworkers, long long deadline)
{
    char buf[2048], why[200];
    ssize_t n = read_to_eof(fd, buf, sizeof buf, deadline);
    int err = errno;

    require(n != -1 || err != ECONNRESET,
                  "connection %d was reset (RST) by the server instead of closed: did it close() before reading the "
                  "whole request (unread bytes make close() send RST)?%s",
                  which, dead_worker_note());
    require(n != -1, "connection %d: read() failed: %s", which, sl_errno_name(err));
    require(n != -2 || !all_watched_ended(), "connection %d: no response: every worker has ended%s", which,
                  dead_worker_note());
    require(n != -2, "connection %d: no complete response and end-of-file within %d ms%s", which,
                  RESPONSE_WAIT_MS, dead_worker_note());
    int worker = parse_response(buf, (size_t)n, nworkers, why, sizeof why);
    require(worker >= 0, "connection %d: %s", which, why);
    return worker;
}

/*
 * `total` connections in batches of `batch` in flight at once: connect
 * them all, send every request, then read every response. Each must get
 * exactly one valid response, then the end-of-file. served[k] counts
 * worker k's connections.
 */
static void exchange_in_batches(const struct sockaddr_storage *addr, int total, int batch, int nworkers, int *served)
{
    int fds[BATCH];

    require(batch <= BATCH, "harness: a batch of %d is more than %d", batch, BATCH);
    for (int done = 0; done < total; done += batch) {
        int n = total - done < batch ? total - done : batch;
        for (int i = 0; i < n; i++)
            fds[i] = connect_client(addr);
        for (int i = 0; i < n; i++)
            send_text(fds[i], request_text);
        long long deadline = sl_now_ms() + RESPONSE_WAIT_MS;
        for (int i = 0; i < n; i++) {
            served[require_response(fds[i], done + i + 1, nworkers, deadline)]++;
            close(fds[i]);
        }
    }
}

/* One connection, start to end. Returns the worker that served it. */
static int exchange_one(const struct sockaddr_storage *addr, int which, int nworkers)
{
    int fd = connect_client(addr);

    send_text(fd, request_text);
    int worker = require_response(fd, which, nworkers, sl_now_ms() + RESPONSE_WAIT_MS);
    close(fd);
    return worker;
}

/* "w0 12, w1 0, ..." into buf. */
static const char *shares_text(const int *served, int n, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int k = 0; k < n && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%sw%d %d", k ? ", " : "", k, served[k]);
    return buf;
}

/* ------------------------------------------------------------------ */
/* The kernel's view                                                    */
/* ------------------------------------------------------------------ */

/* The inodes of the LISTEN sockets on addr's address and port; returns how many. */
static int listeners_on(const struct sockaddr_storage *addr, uint64_t *inodes, int max)
{
    struct sl_diag_filter filter = {
        .family = addr->ss_family,
        .states = SL_DIAG_STATE(TCP_LISTEN),
        .local_port = sl_addr_port(sa(addr)),
    };
    struct sl_diag_socket found[LAB07_MAX_WORKERS + 8];
    int n = sl_diag_list(&filter, found, LAB07_MAX_WORKERS + 8);
    int count = 0;

    require(n != -1, "harness: cannot read the kernel's socket table: %s", sl_errno_name(errno));
    for (int i = 0; i < n && i < LAB07_MAX_WORKERS + 8; i++)
        if (sl_addr_equal(sa(&found[i].local), sa(addr))) {
            if (count < max)
                inodes[count] = found[i].inode;
            count++;
        }
    return count;
}

/* How many of process pid's descriptors lead to the socket with this inode. */
static int descriptors_of(pid_t pid, uint64_t inode)
{
    char dir_path[64], target[64], want[48];
    struct dirent *e;
    int count = 0;

    snprintf(dir_path, sizeof dir_path, "/proc/%d/fd", (int)pid);
    snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)inode);
    DIR *dir = opendir(dir_path);
    require(dir != NULL, "harness: cannot read %s: %s", dir_path, sl_errno_name(errno));
    while ((e = readdir(dir)) != NULL) {
        char path[320];
        snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        count += strcmp(target, want) == 0;
    }
    closedir(dir);
    return count;
}

/*
 * The events one of pid's epoll instances watches the file with this inode
 * for (EPOLLIN | ...), or 0 when none watches it. /proc/PID/fdinfo/FD of an
 * epoll descriptor has one line per watched file:
 * "tfd: FD events: MASK(hex) data: ... ino: INODE(hex) ...".
 */
static unsigned int epoll_watches(pid_t pid, uint64_t inode)
{
    char dir_path[64];
    struct dirent *e;
    unsigned int found = 0;

    snprintf(dir_path, sizeof dir_path, "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(dir_path);
    if (dir == NULL)
        return false;
    while (!found && (e = readdir(dir)) != NULL) {
        char path[320], target[64], line[256];
        snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strcmp(target, "anon_inode:[eventpoll]") != 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
        FILE *info = fopen(path, "r");
        if (info == NULL)
            continue;
        while (!found && fgets(line, sizeof line, info) != NULL) {
            unsigned int events;
            const char *ino = strstr(line, "ino:");
            if (sscanf(line, "tfd: %*d events: %x", &events) == 1 && ino != NULL &&
                strtoull(ino + 4, NULL, 16) == inode)
                found = events;
        }
        fclose(info);
    }
    closedir(dir);
    return found;
}

/*
 * Is worker pid asleep waiting for a connection, in accept() or
 * epoll_wait()? /proc/PID/wchan names the kernel function a sleeping
 * process waits in (inet_csk_accept, do_epoll_wait). When the file cannot
 * be read, say yes: the caller then does not wait.
 */
static bool waiting_for_connections(pid_t pid)
{
    char path[64], where[64] = "";
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return true;
    bool readable = fgets(where, sizeof where, f) != NULL;
    fclose(f);
    return !readable || strstr(where, "accept") != NULL || strstr(where, "epoll_wait") != NULL;
}

/*
 * Wait, until the deadline (sl_now_ms() time) at most, until every worker
 * is asleep waiting for a connection. A test of who gets the next
 * connection starts from there: a worker that has not reached accept() yet,
 * on a busy machine, would take no part.
 */
static void await_workers_waiting(const pid_t *pids, int n, long long deadline)
{
    for (int k = 0; k < n; k++)
        while (!waiting_for_connections(pids[k]) && sl_now_ms() < deadline && !all_watched_ended())
            poll(NULL, 0, 2);
}

/*
 * Is pid a child (running or a zombie) of the process that runs your code?
 * That is the subject (harness/subject.h), not the test process.
 */
static bool is_child_of_caller(pid_t pid)
{
    return tl_parent_of(pid) == sj_subject_pid();
}

/* ------------------------------------------------------------------ */
/* Workers                                                              */
/* ------------------------------------------------------------------ */

static struct lab07_config plain_config(int nworkers)
{
    return (struct lab07_config){ .nworkers = nworkers, .stall_worker = -1, .stall_every = 1, .stall_ms = 0 };
}

/*
 * The grader's own worker loop, for the tests of steps 3 and 5 (it does not
 * depend on your steps 1 and 2): take a connection, read the request's head
 * (with a bound), answer with a valid response naming the worker, close.
 */
static int grader_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    (void)config;
    for (;;) {
        int conn = accept(listen_fd, NULL, NULL);
        if (conn == -1 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (conn == -1)
            return -1;
        char head[LAB07_REQUEST_MAX];
        size_t got = 0;
        bool complete = false;
        long long give_up = sl_now_ms() + LAB07_REQUEST_TIMEOUT_MS;
        while (!complete && got < sizeof head && sl_now_ms() < give_up &&
               sl_wait_readable(conn, (int)(give_up - sl_now_ms())) == 1) {
            ssize_t n = recv(conn, head + got, sizeof head - got, 0);
            if (n <= 0)
                break;
            got += (size_t)n;
            complete = memmem(head, got, "\r\n\r\n", 4) != NULL;
        }
        if (complete) {
            char body[24], reply[160];
            int body_len = snprintf(body, sizeof body, "worker %d\n", worker);
            int reply_len = snprintf(reply, sizeof reply,
                                     "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", body_len,
                                     body);
            (void)!send(conn, reply, (size_t)reply_len, MSG_NOSIGNAL);
        }
        close(conn);
    }
}

/* The same loop, but worker 1 ignores SIGTERM, as a worker stuck in a bad signal handler would (for step 6). */
static int stubborn_loop(int listen_fd, int worker, const struct lab07_config *config)
{
    if (worker == 1)
        signal(SIGTERM, SIG_IGN);
    return grader_loop(listen_fd, worker, config);
}

/*
 * The body of worker k of n: run loop on listen_fd, then end. A worker
 * whose loop returns exits with ENOSYS_EXIT for ENOSYS (the skeleton), 1
 * otherwise.
 */
static void run_worker(int listen_fd, int k, int n, lab07_worker_loop loop) __attribute__((noreturn));

static void run_worker(int listen_fd, int k, int n, lab07_worker_loop loop)
{
    static struct lab07_config config;

    config = plain_config(n);
    loop(listen_fd, k, &config);
    _exit(errno == ENOSYS ? ENOSYS_EXIT : 1);
}

/*
 * The grader forks n workers itself, each running loop on listen_fd. They
 * are on your side of the boundary (sj_fork()): your loop runs in them, and
 * the test can read their /proc files. They are the test's own children:
 * the test reaps them.
 */
static void fork_workers(int listen_fd, int n, lab07_worker_loop loop, pid_t *pids)
{
    for (int k = 0; k < n; k++) {
        pids[k] = sj_fork();
        require(pids[k] != -1, "harness: fork: %s", sl_errno_name(errno));
        if (pids[k] == 0)
            run_worker(listen_fd, k, n, loop);
    }
    watch_workers(pids, n);
}

/*
 * Runs in the subject (sj_call()): fork a[1] workers running the grader's
 * loop a[2] on listen_fd a[0]; their pids into a[3]. So they are children
 * of the process that runs your code, for your lab07_stop() to reap.
 */
static long run_plant_workers(const union sj_value *a)
{
    int listen_fd = (int)a[0].i, n = (int)a[1].i;
    lab07_worker_loop loop = (lab07_worker_loop)a[2].f;
    pid_t *pids = a[3].p;

    for (int k = 0; k < n; k++) {
        pids[k] = fork();
        if (pids[k] == -1)
            return -1;
        if (pids[k] == 0)
            run_worker(listen_fd, k, n, loop);
    }
    return 0;
}

/*
 * The grader's workers, forked by the process that runs your code (for
 * step 6). What that process sends back is only a list of pids, which the
 * kernel must confirm: each a child of it, all different, each holding
 * the listener.
 */
static void plant_workers(int listen_fd, int n, lab07_worker_loop loop, pid_t *pids)
{
    uint64_t inode = tl_kernel_view(listen_fd, "the grader's listener").inode;

    memset(pids, 0, (size_t)n * sizeof *pids);
    long result = sj_call("the grader's own worker start", run_plant_workers, 4, SJ_INT(listen_fd), SJ_INT(n),
                          SJ_FUNC(loop), SJ_OUT(pids, (size_t)n * sizeof *pids));
    require(result == 0, "harness: cannot fork the workers: %s", sl_errno_name(errno));
    for (int k = 0; k < n; k++) {
        require(pids[k] > 0 && is_child_of_caller(pids[k]), "harness: worker %d (pid %d) is not a child of the "
                "process that runs your code", k, (int)pids[k]);
        for (int j = 0; j < k; j++)
            require(pids[j] != pids[k], "harness: workers %d and %d have the same pid", j, k);
        require(descriptors_of(pids[k], inode) >= 1, "harness: worker %d holds no descriptor of the listener", k);
    }
    watch_workers(pids, n);
}

/* A loopback listener of the grader's own; *addr gets its address. */
static int grader_listener(struct sockaddr_storage *addr)
{
    return tl_listener(AF_INET, addr);
}

/* A server to start: config for n workers on 127.0.0.1, port 0. */
static struct lab07_server new_server(int nworkers)
{
    struct lab07_server server;

    memset(&server, 0, sizeof server);
    server.config = plain_config(nworkers);
    tl_loopback(AF_INET, &server.addr);
    server.listen_fd = -2; /* neither a descriptor nor -1: the function must set it */
    return server;
}

/* Start with your function; fail the test unless it worked and filled the struct in. */
static void require_started(struct lab07_server *server, int result, int err, const char *call)
{
    require(result != -1, "%s returned -1 with errno %s (%s)%s", call, sl_errno_name(err), strerror(err),
                  err == ENOSYS ? ": this step is not written yet" : "");
    require(result == 0, "%s returned %d, not 0", call, result);
    int n = server->nworkers;
    require(n == server->config.nworkers, "%s set nworkers to %d; %d workers were asked for", call, n,
                  server->config.nworkers);
    watch_workers(server->pids, n);
    require(sl_addr_port(sa(&server->addr)) != 0,
                  "after %s, server->addr still has port 0: read the kernel's port back with getsockname()", call);
    for (int k = 0; k < n; k++) {
        require(server->pids[k] > 0 && is_child_of_caller(server->pids[k]),
                      "server->pids[%d] = %d is not a child process of the caller", k, (int)server->pids[k]);
        for (int j = 0; j < k; j++)
            require(server->pids[j] != server->pids[k], "workers %d and %d have the same pid %d", j, k,
                          (int)server->pids[k]);
    }
}

/* ------------------------------------------------------------------ */
/* Step 1: The response                                                 */
/* ------------------------------------------------------------------ */

static void test_response_is_valid_http(void)
{
    /* The body's length changes with the number of digits. */
    static const int workers[] = { 0, 3, 9, 10, 15, 123, 4096 };

    for (size_t i = 0; i < sizeof workers / sizeof workers[0]; i++) {
        char buf[LAB07_RESPONSE_MAX + 8], why[200];
        memset(buf, '#', sizeof buf);
        int len = lab07_format_response(buf, LAB07_RESPONSE_MAX, workers[i]);
        int err = errno;
        require(len != -1, "lab07_format_response(buf, %d, %d) returned -1 with errno %s%s", LAB07_RESPONSE_MAX,
                      workers[i], sl_errno_name(err), err == ENOSYS ? ": this step is not written yet" : "");
        require(len > 0 && len < LAB07_RESPONSE_MAX && buf[len] == '\0' && memchr(buf, '\0', (size_t)len) == NULL,
                      "lab07_format_response(..., %d) returned %d, which is not the length of the text it wrote",
                      workers[i], len);
        int got = parse_response(buf, (size_t)len, workers[i] + 1, why, sizeof why);
        require(got >= 0, "the response for worker %d: %s", workers[i], why);
        require(got == workers[i], "the response for worker %d names worker %d", workers[i], got);
    }
}

static void test_response_size_checked(void)
{
    char whole[LAB07_RESPONSE_MAX];
    int len = lab07_format_response(whole, sizeof whole, 7);

    require(len > 0, "lab07_format_response(buf, %zu, 7) returned %d (errno %s)", sizeof whole, len,
                  sl_errno_name(errno));
    /* Buffer sizes: none, far too small, one short (no room for the '\0'), exact. */
    const size_t sizes[] = { 0, 10, (size_t)len, (size_t)len + 1 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char buf[LAB07_RESPONSE_MAX + 16];
        memset(buf, '#', sizeof buf);
        errno = 0;
        int got = lab07_format_response(buf, sizes[i], 7);
        int err = errno;
        for (size_t j = sizes[i]; j < sizeof buf; j++)
            require(buf[j] == '#', "lab07_format_response(buf, %zu, 7) wrote past the buffer's end (byte %zu)",
                          sizes[i], j);
        if (sizes[i] > (size_t)len) {
            require(got == len && strcmp(buf, whole) == 0,
                          "with exactly %zu bytes (the text and its '\\0') the response fits: expected %d, got %d",
                          sizes[i], len, got);
        } else {
            require(got == -1 && err == EMSGSIZE,
                          "lab07_format_response(buf, %zu, 7): the %d-byte response and its '\\0' do not fit; expected "
                          "-1 with EMSGSIZE, got %d (errno %s)",
                          sizes[i], len, got, sl_errno_name(err));
        }
    }
    errno = 0;
    int bad = lab07_format_response(whole, sizeof whole, -1);
    require(bad == -1 && errno == EINVAL, "lab07_format_response(buf, %zu, -1) returned %d (errno %s); expected "
                  "-1 with EINVAL", sizeof whole, bad, sl_errno_name(errno));
}

/* ------------------------------------------------------------------ */
/* Step 2: The accept loop                                              */
/* ------------------------------------------------------------------ */

/* A grader listener with one worker running your lab07_accept_loop. */
struct single {
    int listener;
    struct sockaddr_storage addr;
    pid_t pid;
};

static struct single start_single(void)
{
    struct single s;

    s.listener = grader_listener(&s.addr);
    fork_workers(s.listener, 1, lab07_accept_loop, &s.pid);
    return s;
}

static void end_single(struct single *s)
{
    kill_and_reap(&s->pid, 1);
    close(s->listener);
}

/* Fail unless the single worker is still running (a client's mistake must not end it). */
static void require_worker_alive(const struct single *s, const char *after)
{
    int status;

    require(!worker_ended(s->pid, &status), "the worker process ended after %s%s", after, dead_worker_note());
}

static void test_accept_loop_answers_each(void)
{
    struct single s = start_single();
    int served[1] = { 0 };

    exchange_in_batches(&s.addr, 200, 20, 1, served);
    require(served[0] == 200, "worker 0 served %d of 200 connections", served[0]);
    require_worker_alive(&s, "200 connections");
    end_single(&s);
}

/*
 * The server's end of the connection whose client end is client_fd, as the
 * kernel lists it; waits (bounded) until the server has read everything the
 * client sent (its receive queue is empty).
 */
static bool server_has_read_all(const struct sockaddr_storage *server_addr, int client_fd)
{
    struct sockaddr_storage client_end;
    socklen_t len = sizeof client_end;
    struct sl_diag_socket found;

    require(getsockname(client_fd, (struct sockaddr *)&client_end, &len) == 0, "harness: getsockname: %s",
            sl_errno_name(errno));
    struct sl_diag_filter filter = {
        .family = AF_INET,
        .states = SL_DIAG_STATE(TCP_ESTABLISHED),
        .local_port = sl_addr_port(sa(server_addr)),
        .remote_port = sl_addr_port(sa(&client_end)),
    };
    long long deadline = sl_now_ms() + RESPONSE_WAIT_MS;
    while (sl_now_ms() < deadline && !all_watched_ended()) {
        int n = sl_diag_list(&filter, &found, 1);
        require(n != -1, "harness: cannot read the kernel's socket table: %s", sl_errno_name(errno));
        if (n == 1 && found.rqueue == 0)
            return true;
        poll(NULL, 0, 2);
    }
    return false;
}

static void test_waits_for_whole_request(void)
{
    struct single s = start_single();

    /* Warm up: the worker is in its loop and answers a plain request. */
    exchange_one(&s.addr, 1, 1);

    /* A request in two pieces; the empty line "\r\n\r\n" is split between them. */
    int fd = connect_client(&s.addr);
    send_text(fd, "GET /in-pieces HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    require(server_has_read_all(&s.addr, fd),
                  "the server did not read the first piece of a request within %d ms%s", RESPONSE_WAIT_MS,
                  dead_worker_note());
    /* It has read the first piece; it must now wait for the rest, not answer. */
    require(sl_wait_readable(fd, 100) == 0,
                  "the server answered (or closed) after the first piece of the request, before the empty line "
                  "that ends its head: read until \"\\r\\n\\r\\n\"%s",
                  dead_worker_note());
    send_text(fd, "\r\n");
    require_response(fd, 2, 1, sl_now_ms() + RESPONSE_WAIT_MS);
    close(fd);

    /*
     * A request in five pieces, each sent once the server has read the
     * last: cut at a quarter, a half, three quarters, and inside the final
     * "\r\n\r\n" ("...\r" then "\n\r\n"). Few pieces: the test's own waits
     * between them count against the server's LAB07_REQUEST_TIMEOUT_MS,
     * and on a busy machine each wait can take tens of milliseconds.
     */
    fd = connect_client(&s.addr);
    size_t total = strlen(request_text);
    const size_t cuts[] = { total / 4, total / 2, 3 * total / 4, total - 3, total };
    size_t at = 0;
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char piece[sizeof request_text];
        snprintf(piece, sizeof piece, "%.*s", (int)(cuts[i] - at), request_text + at);
        send_text(fd, piece);
        at = cuts[i];
        if (at < total)
            require(server_has_read_all(&s.addr, fd), "the server stopped reading a request sent in pieces%s",
                          dead_worker_note());
    }
    require_response(fd, 3, 1, sl_now_ms() + RESPONSE_WAIT_MS);
    close(fd);
    end_single(&s);
}

/* Close fd with a reset (RST) instead of a FIN: SO_LINGER on, 0 seconds. */
static void reset_close(int fd)
{
    struct linger abort_now = { .l_onoff = 1, .l_linger = 0 };

    require(setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now) == 0, "harness: SO_LINGER: %s",
            sl_errno_name(errno));
    close(fd);
}

static void test_bad_clients_cost_one_connection(void)
{
    struct single s = start_single();
    char buf[512];

    exchange_one(&s.addr, 1, 1);

    /* 1. A client that hangs up (FIN) without a request: the server gives up on it. */
    int fd = connect_client(&s.addr);
    shutdown(fd, SHUT_WR);
    ssize_t n = read_to_eof(fd, buf, sizeof buf, sl_now_ms() + RESPONSE_WAIT_MS);
    require(n == 0, "a client hung up without sending a request: the server should close without answering "
                  "(%s)%s", n > 0 ? "it answered" : n == -2 ? "it did not close" : "it reset", dead_worker_note());
    close(fd);
    require_worker_alive(&s, "a client hung up without a request");

    /* 2. Half a request, then a reset. */
    fd = connect_client(&s.addr);
    send_text(fd, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    require(server_has_read_all(&s.addr, fd), "the server did not read half a request within %d ms%s", RESPONSE_WAIT_MS,
            dead_worker_note());
    reset_close(fd);
    exchange_one(&s.addr, 2, 1);
    require_worker_alive(&s, "a client reset in the middle of its request");

    /* 3. A reset straight after connecting, and a whole request then a reset. */
    for (int i = 0; i < 10; i++) {
        fd = connect_client(&s.addr);
        if (i % 2)
            send_text(fd, request_text);
        reset_close(fd);
    }
    exchange_one(&s.addr, 3, 1);
    require_worker_alive(&s, "clients that reset their connections");

    /* 4. A whole request, then the client's FIN at once: it still gets its answer. */
    fd = connect_client(&s.addr);
    send_text(fd, request_text);
    shutdown(fd, SHUT_WR);
    require_response(fd, 4, 1, sl_now_ms() + RESPONSE_WAIT_MS);
    close(fd);
    end_single(&s);
}

static void test_idle_client_times_out(void)
{
    struct single s = start_single();
    char buf[512];

    exchange_one(&s.addr, 1, 1);
    /* A client that connects and says nothing; the accept queue is first come, first served, so the
     * worker takes it first. */
    int idle = connect_client(&s.addr);
    /* Another client behind it: served once the worker gives up on the first. */
    int fd = connect_client(&s.addr);
    send_text(fd, request_text);
    long long deadline = sl_now_ms() + LAB07_REQUEST_TIMEOUT_MS + RESPONSE_WAIT_MS;
    int worker = -1;
    char why[200];
    ssize_t n = read_to_eof(fd, buf, sizeof buf, deadline);
    require(n >= 0, "a client that sent nothing held the only worker for more than %d ms: wait for a request "
                  "at most LAB07_REQUEST_TIMEOUT_MS (%d ms), then close the connection%s",
                  LAB07_REQUEST_TIMEOUT_MS + RESPONSE_WAIT_MS, LAB07_REQUEST_TIMEOUT_MS, dead_worker_note());
    worker = parse_response(buf, (size_t)n, 1, why, sizeof why);
    require(worker == 0, "the client behind the idle one: %s", why);
    n = read_to_eof(idle, buf, sizeof buf, sl_now_ms() + RESPONSE_WAIT_MS);
    require(n == 0, "the idle client should have been closed without a response (read: %zd)", n);
    close(fd);
    close(idle);
    end_single(&s);
}

/* ------------------------------------------------------------------ */
/* Step 3: Workers sharing one listener                                 */
/* ------------------------------------------------------------------ */

static void test_shared_one_listener(void)
{
    struct lab07_server server = new_server(WORKERS);
    uint64_t inodes[8];

    int result = lab07_start_shared(&server, grader_loop);
    require_started(&server, result, errno, "lab07_start_shared(4 workers)");
    int n = listeners_on(&server.addr, inodes, 8);
    require(n == 1, "the kernel lists %d LISTEN sockets on %s; the workers must share exactly 1", n,
                  tl_str(&server.addr, 0));
    require(server.listen_fd >= 0 && tl_fd_is_open(server.listen_fd),
                  "server->listen_fd is %d: the parent keeps its descriptor of the listener there", server.listen_fd);
    struct sl_diag_socket mine = tl_kernel_view(server.listen_fd, "server->listen_fd");
    require(mine.inode == inodes[0], "server->listen_fd is not the listening socket on the port");
    for (int k = 0; k < WORKERS; k++)
        require(descriptors_of(server.pids[k], inodes[0]) >= 1,
                      "worker %d (pid %d) holds no descriptor of the shared listener", k, (int)server.pids[k]);
    exchange_in_batches(&server.addr, 64, BATCH, WORKERS, (int[WORKERS]){ 0 });
    kill_and_reap(server.pids, server.nworkers);
    close(server.listen_fd);
}

static void test_shared_workers_take_turns(void)
{
    struct lab07_server server = new_server(WORKERS);
    int served[WORKERS] = { 0 };
    char text[100];

    int result = lab07_start_shared(&server, grader_loop);
    require_started(&server, result, errno, "lab07_start_shared(4 workers)");
    /*
     * One at a time: blocking accept() wakes the worker that has waited
     * longest. Each connection is made once every worker is back asleep in
     * accept(): on a busy machine the worker woken for a connection may
     * run late, and the one that has just served, back in accept(), takes
     * the connection first; a worker that keeps losing so would serve none.
     */
    long long patience = sl_now_ms() + RESPONSE_WAIT_MS;
    for (int i = 0; i < 200; i++) {
        await_workers_waiting(server.pids, WORKERS, patience);
        served[exchange_one(&server.addr, i + 1, WORKERS)]++;
    }
    for (int k = 0; k < WORKERS; k++)
        require(served[k] > 0,
                      "worker %d served none of 200 connections (%s): does every worker reach accept() on the "
                      "shared listener?",
                      k, shares_text(served, WORKERS, text, sizeof text));
    exchange_in_batches(&server.addr, CONNECTIONS, BATCH, WORKERS, served);
    kill_and_reap(server.pids, server.nworkers);
    close(server.listen_fd);
}

/* ------------------------------------------------------------------ */
/* Step 4: The epoll worker                                             */
/* ------------------------------------------------------------------ */

/* A grader listener with WORKERS workers running your lab07_epoll_loop. */
struct shared {
    int listener;
    struct sockaddr_storage addr;
    pid_t pids[WORKERS];
};

static struct shared start_epoll_workers(void)
{
    struct shared s;

    s.listener = grader_listener(&s.addr);
    fork_workers(s.listener, WORKERS, lab07_epoll_loop, s.pids);
    return s;
}

static void end_shared(struct shared *s)
{
    kill_and_reap(s->pids, WORKERS);
    close(s->listener);
}

static void test_epoll_answers_each(void)
{
    struct shared s = start_epoll_workers();
    int served[WORKERS] = { 0 };

    exchange_in_batches(&s.addr, CONNECTIONS, BATCH, WORKERS, served);
    for (int i = 0; i < 50; i++)
        served[exchange_one(&s.addr, CONNECTIONS + i + 1, WORKERS)]++;
    end_shared(&s);
}

static void test_epoll_watches_listener(void)
{
    struct shared s = start_epoll_workers();
    uint64_t inode = tl_kernel_view(s.listener, "the grader's listener").inode;

    exchange_one(&s.addr, 1, WORKERS);
    for (int k = 0; k < WORKERS; k++) {
        long long deadline = sl_now_ms() + RESPONSE_WAIT_MS;
        unsigned int events;
        while (!((events = epoll_watches(s.pids[k], inode)) & EPOLLIN) && sl_now_ms() < deadline &&
               !all_watched_ended())
            poll(NULL, 0, 5);
        require(events & EPOLLIN,
                "worker %d (pid %d) has no epoll instance watching the listener for EPOLLIN (its "
                "/proc/PID/fdinfo says so)%s",
                k, (int)s.pids[k], dead_worker_note());
        require(events & EPOLLEXCLUSIVE,
                "worker %d watches the listener for events %#x, without EPOLLEXCLUSIVE: then every worker "
                "is woken for each new connection, and all but one find nothing to accept",
                k, events);
    }
    int flags = fcntl(s.listener, F_GETFL);
    require(flags != -1 && (flags & O_NONBLOCK),
                  "the shared listener is not non-blocking: the workers that lose the race for a connection then "
                  "block in accept() instead of going back to epoll_wait()");
    end_shared(&s);
}

static void test_epoll_light_load_concentrates(void)
{
    struct shared s = start_epoll_workers();
    int best_percent = 0;
    char text[100] = "";

    for (int round = 0; round < LIGHT_LOAD_ROUNDS && best_percent < CONCENTRATED_PERCENT; round++) {
        int served[WORKERS] = { 0 }, most = 0;
        await_workers_waiting(s.pids, WORKERS, sl_now_ms() + RESPONSE_WAIT_MS);
        for (int i = 0; i < LIGHT_LOAD_CONNECTIONS; i++)
            served[exchange_one(&s.addr, i + 1, WORKERS)]++;
        for (int k = 0; k < WORKERS; k++)
            most = served[k] > most ? served[k] : most;
        if (most * 100 / LIGHT_LOAD_CONNECTIONS > best_percent) {
            best_percent = most * 100 / LIGHT_LOAD_CONNECTIONS;
            shares_text(served, WORKERS, text, sizeof text);
        }
    }
    require(best_percent >= CONCENTRATED_PERCENT,
                  "in %d rounds of %d connections made one at a time, the busiest of %d workers served at most %d%% "
                  "(%s). With EPOLLEXCLUSIVE on a shared non-blocking listener the kernel wakes one worker, the "
                  "same one again and again under light load; %d%% each is what workers blocked in accept() give",
                  LIGHT_LOAD_ROUNDS, LIGHT_LOAD_CONNECTIONS, WORKERS, best_percent, text, 100 / WORKERS);
    end_shared(&s);
}

/* ------------------------------------------------------------------ */
/* Step 5: One listener per worker                                      */
/* ------------------------------------------------------------------ */

static void test_reuseport_n_listeners(void)
{
    struct lab07_server server = new_server(WORKERS);
    uint64_t inodes[LAB07_MAX_WORKERS];

    int result = lab07_start_reuseport(&server, grader_loop);
    require_started(&server, result, errno, "lab07_start_reuseport(4 workers)");
    int n = listeners_on(&server.addr, inodes, LAB07_MAX_WORKERS);
    require(n == WORKERS, "the kernel lists %d LISTEN socket%s on %s; with SO_REUSEPORT each of the %d workers "
                  "has its own", n, n == 1 ? "" : "s", tl_str(&server.addr, 0), WORKERS);
    require(server.listen_fd == -1, "server->listen_fd is %d: with one listener per worker it is -1",
                  server.listen_fd);
    exchange_in_batches(&server.addr, 64, BATCH, WORKERS, (int[WORKERS]){ 0 });
    kill_and_reap(server.pids, server.nworkers);
}

/* How many workers hold listener `inode` (each counted once). */
static int workers_holding(const struct lab07_server *server, uint64_t inode)
{
    int holders = 0;

    for (int k = 0; k < server->nworkers; k++)
        holders += descriptors_of(server->pids[k], inode) > 0;
    return holders;
}

static void test_reuseport_own_listener_only(void)
{
    struct lab07_server server = new_server(WORKERS);
    uint64_t inodes[LAB07_MAX_WORKERS];

    int result = lab07_start_reuseport(&server, grader_loop);
    require_started(&server, result, errno, "lab07_start_reuseport(4 workers)");
    int n = listeners_on(&server.addr, inodes, LAB07_MAX_WORKERS);
    require(n == WORKERS, "the kernel lists %d LISTEN sockets on the port, not %d", n, WORKERS);
    /* The parent is the process that runs your code (its descriptor table is the test's too). */
    for (int i = 0; i < n; i++)
        require(descriptors_of(sj_subject_pid(), inodes[i]) == 0,
                      "the parent still holds one of the listeners: close them all once the workers are forked");
    /* A worker closes the others' listeners just after fork(): give it a moment (bounded). */
    long long deadline = sl_now_ms() + RESPONSE_WAIT_MS;
    for (int i = 0; i < n; i++) {
        int holders;
        while ((holders = workers_holding(&server, inodes[i])) > 1 && sl_now_ms() < deadline)
            poll(NULL, 0, 5);
        require(holders == 1,
                      "%d workers hold the same listener: each worker must close every listener but its own (a "
                      "listener stays in the group while anyone holds it)",
                      holders);
    }
    kill_and_reap(server.pids, server.nworkers);
}

static void test_reuseport_spreads(void)
{
    struct lab07_server server = new_server(WORKERS);
    int served[WORKERS] = { 0 };
    char text[100];

    int result = lab07_start_reuseport(&server, grader_loop);
    require_started(&server, result, errno, "lab07_start_reuseport(4 workers)");
    exchange_in_batches(&server.addr, CONNECTIONS, BATCH, WORKERS, served);
    /* The hash spreads them (FACTS.md: within about 15% of a fair share); > 0 is all that is asked. */
    for (int k = 0; k < WORKERS; k++)
        require(served[k] > 0, "worker %d served none of %d connections (%s): is its listener in the group?",
                      k, CONNECTIONS, shares_text(served, WORKERS, text, sizeof text));
    kill_and_reap(server.pids, server.nworkers);
}

/* ------------------------------------------------------------------ */
/* Step 6: Stop and reap                                                */
/* ------------------------------------------------------------------ */

/*
 * Fail unless every pid is reaped (not even a zombie is left) and no
 * listener is on the port. The workers are children of the process that
 * runs your code: while one is listed in /proc as its child, it was not
 * reaped (a pid listed with another parent is a new process that reuses
 * the number).
 */
static void require_nothing_left(const pid_t *pids, int n, const struct sockaddr_storage *addr)
{
    uint64_t inodes[8];

    for (int k = 0; k < n; k++) {
        char state = tl_process_state(pids[k]);
        require(state == 0 || !is_child_of_caller(pids[k]),
                      "worker %d (pid %d) was not reaped: it is %s. Call waitpid() for every worker", k, (int)pids[k],
                      state == 'Z' ? "a zombie (dead, never waited for)" : "still running");
    }
    int listeners = listeners_on(addr, inodes, 8);
    require(listeners == 0, "the kernel still lists %d LISTEN socket%s on %s after the stop", listeners,
                  listeners == 1 ? "" : "s", tl_str(addr, 0));
}

/* A server the grader started: its listener, its workers, in a struct lab07_server. */
static struct lab07_server grader_server(lab07_worker_loop loop)
{
    struct lab07_server server = new_server(WORKERS);

    server.listen_fd = grader_listener(&server.addr);
    plant_workers(server.listen_fd, WORKERS, loop, server.pids);
    server.nworkers = WORKERS;
    return server;
}

static void test_stop_reaps_workers(void)
{
    struct lab07_server server = grader_server(grader_loop);
    pid_t pids[WORKERS];
    int listen_fd = server.listen_fd;

    memcpy(pids, server.pids, sizeof pids);
    exchange_in_batches(&server.addr, 32, BATCH, WORKERS, (int[WORKERS]){ 0 });
    int reaped = lab07_stop(&server);
    int err = errno;
    require(reaped != -1, "lab07_stop returned -1 with errno %s%s", sl_errno_name(err),
                  err == ENOSYS ? ": this step is not written yet" : "");
    require_nothing_left(pids, WORKERS, &server.addr);
    require(reaped == WORKERS, "lab07_stop returned %d; it reaped %d workers", reaped, WORKERS);
    require(!tl_fd_is_open(listen_fd) && server.listen_fd == -1,
                  "the parent's listener (server->listen_fd) must be closed and set to -1");
    require(server.nworkers == 0, "server->nworkers is %d after the stop, not 0", server.nworkers);
}

static void test_stop_stubborn_and_dead_workers(void)
{
    struct lab07_server server = grader_server(stubborn_loop);
    pid_t pids[WORKERS];

    memcpy(pids, server.pids, sizeof pids);
    /* Worker 1 ignores SIGTERM once it runs its loop; it has when it has answered. */
    int answered_by_1 = 0;
    for (int i = 0; i < 400 && !answered_by_1; i++)
        answered_by_1 = exchange_one(&server.addr, i + 1, WORKERS) == 1;
    require(answered_by_1, "harness: worker 1 answered none of 400 connections");
    /* Worker 2 has died already, and nobody has reaped it: a zombie. */
    kill(server.pids[2], SIGKILL);
    long long deadline = sl_now_ms() + RESPONSE_WAIT_MS;
    while (tl_process_state(server.pids[2]) != 'Z' && sl_now_ms() < deadline)
        poll(NULL, 0, 2);
    require(tl_process_state(server.pids[2]) == 'Z', "harness: the killed worker 2 did not become a zombie");

    int reaped = lab07_stop(&server);
    int err = errno;
    require(reaped != -1, "lab07_stop returned -1 with errno %s%s", sl_errno_name(err),
                  err == ENOSYS ? ": this step is not written yet" : "");
    require_nothing_left(pids, WORKERS, &server.addr);
    require(reaped == WORKERS, "lab07_stop returned %d; it had %d workers to reap (one ignoring SIGTERM, one "
                  "already dead)", reaped, WORKERS);
}

/* Every model, all your code: start, serve, stop, nothing left. */
static void test_every_model_end_to_end(void)
{
    static const char *const names[] = { "single", "accept", "epoll", "reuseport" };

    for (int model = 0; model < 4; model++) {
        struct lab07_server server = new_server(model == 0 ? 1 : WORKERS);
        int served[WORKERS] = { 0 };
        pid_t pids[WORKERS];
        char call[80];

        snprintf(call, sizeof call, "starting the %s model", names[model]);
        int result = model == 3   ? lab07_start_reuseport(&server, lab07_accept_loop)
                     : model == 2 ? lab07_start_shared(&server, lab07_epoll_loop)
                                  : lab07_start_shared(&server, lab07_accept_loop);
        require_started(&server, result, errno, call);
        int n = server.nworkers;
        memcpy(pids, server.pids, sizeof pids);
        uint64_t inodes[LAB07_MAX_WORKERS];
        int listeners = listeners_on(&server.addr, inodes, LAB07_MAX_WORKERS);
        require(listeners == (model == 3 ? WORKERS : 1), "the %s model: the kernel lists %d LISTEN sockets",
                      names[model], listeners);
        exchange_in_batches(&server.addr, 200, 20, n, served);
        int reaped = lab07_stop(&server);
        require(reaped == n, "the %s model: lab07_stop returned %d (errno %s), not %d", names[model], reaped,
                      sl_errno_name(errno), n);
        require_nothing_left(pids, n, &server.addr);
    }
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

static const struct grade_step steps[] = {
    { 1, "The response",
      "One snprintf() for the whole response: \"HTTP/1.1 200 OK\\r\\n\", headers each ending in \"\\r\\n\", "
      "Content-Length equal to the body's length (make the body first: snprintf() returns its length), "
      "\"Connection: close\", then \"\\r\\n\" alone (the empty line), then the body \"worker K\\n\". If snprintf() "
      "returns >= size, fail with EMSGSIZE." },
    { 2, "The accept loop",
      "Read until the buffer holds \"\\r\\n\\r\\n\" (search all of it after each read: the empty line may be split), "
      "with sl_wait_readable() and a deadline of LAB07_REQUEST_TIMEOUT_MS; read() 0 means the client gave up. Send "
      "with MSG_NOSIGNAL, then close. The loop keeps going after a failed connection, and after EINTR or "
      "ECONNABORTED from accept()." },
    { 3, "Workers sharing one listener",
      "One listener (bind, getsockname into server->addr, listen) kept in server->listen_fd; fork() nworkers times; "
      "the child calls loop(listen_fd, k, &server->config) and then _exit(); the parent records each pid in "
      "server->pids[] and counts server->nworkers." },
    { 4, "The epoll worker",
      "fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK); epoll_create1(); epoll_ctl(ADD, listen_fd, EPOLLIN | "
      "EPOLLEXCLUSIVE); then forever epoll_wait() and accept() until EAGAIN, serving each connection. Without "
      "O_NONBLOCK a worker that finds the queue empty blocks in accept()." },
    { 5, "One listener per worker",
      "nworkers sockets, each with SO_REUSEPORT = 1 before bind(), all bound to one address and port (the first "
      "one's getsockname() gives the port); fork; each child closes every listener but its own; the parent closes "
      "them all and sets listen_fd to -1." },
    { 6, "Stop and reap",
      "SIGTERM every worker, then waitpid(pid, NULL, WNOHANG) in rounds for at most LAB07_STOP_GRACE_MS; SIGKILL "
      "and a blocking waitpid() for whoever is left (a dead worker is a zombie until reaped). Close listen_fd, set "
      "it to -1 and nworkers to 0; return the count." },
};

static const struct grade_test tests[] = {
    { .step = 1, .name = "response_is_valid_http", .points = 2,
      .run = test_response_is_valid_http, .timeout_s = TEST_TIMEOUT_S,
      .description = "status line, CR LF headers, Content-Length equal to the body, Connection: close, empty line, "
                     "\"worker K\\n\" (for K of 1 to 4 digits)" },
    { .step = 1, .name = "response_size_checked", .points = 1,
      .run = test_response_size_checked, .timeout_s = TEST_TIMEOUT_S,
      .description = "-1/EMSGSIZE when it does not fit with its '\\0', nothing written past the buffer; "
                     "-1/EINVAL for a negative worker" },
    { .step = 2, .name = "accept_loop_answers_each", .points = 3,
      .run = test_accept_loop_answers_each, .timeout_s = TEST_TIMEOUT_S,
      .description = "200 connections, 20 at a time: each gets exactly one valid response, then end-of-file, "
                     "never a reset" },
    { .step = 2, .name = "waits_for_whole_request", .points = 2,
      .run = test_waits_for_whole_request, .timeout_s = TEST_TIMEOUT_S,
      .description = "a request in pieces (the empty line split over two reads) is answered once it is whole, "
                     "not before" },
    { .step = 2, .name = "bad_clients_cost_one_connection", .points = 2,
      .run = test_bad_clients_cost_one_connection, .timeout_s = TEST_TIMEOUT_S,
      .description = "clients that hang up, reset, or half-close cost only their connection: the worker lives on "
                     "and answers the next" },
    { .step = 2, .name = "idle_client_times_out", .points = 1,
      .run = test_idle_client_times_out, .timeout_s = TEST_TIMEOUT_S,
      .description = "a client that sends nothing is closed after LAB07_REQUEST_TIMEOUT_MS; the one behind it is "
                     "served" },
    { .step = 3, .name = "shared_one_listener", .points = 2,
      .run = test_shared_one_listener, .timeout_s = TEST_TIMEOUT_S,
      .description = "N forked children; the kernel lists exactly 1 LISTEN socket, held by the parent and every "
                     "worker" },
    { .step = 3, .name = "shared_workers_take_turns", .points = 2,
      .run = test_shared_workers_take_turns, .timeout_s = TEST_TIMEOUT_S,
      .description = "one connection at a time, every worker blocked in accept() gets its turn; 400 more, 32 at a "
                     "time, all answered" },
    { .step = 4, .name = "epoll_answers_each", .points = 2,
      .run = test_epoll_answers_each, .timeout_s = TEST_TIMEOUT_S,
      .description = "4 epoll workers on one listener: 450 connections, each answered exactly once" },
    { .step = 4, .name = "epoll_watches_listener", .points = 1,
      .run = test_epoll_watches_listener, .timeout_s = TEST_TIMEOUT_S,
      .description = "each worker's epoll instance watches the listener for EPOLLIN | EPOLLEXCLUSIVE "
                     "(/proc/PID/fdinfo); the listener is O_NONBLOCK" },
    { .step = 4, .name = "epoll_light_load_concentrates", .points = 2,
      .run = test_epoll_light_load_concentrates, .timeout_s = TEST_TIMEOUT_S,
      .description = "one connection at a time, the busiest of 4 epoll workers serves >= 50% (blocking accept(): "
                     "25% each)" },
    { .step = 5, .name = "reuseport_n_listeners", .points = 2,
      .run = test_reuseport_n_listeners, .timeout_s = TEST_TIMEOUT_S,
      .description = "the kernel lists N LISTEN sockets on the port; server->listen_fd is -1" },
    { .step = 5, .name = "reuseport_own_listener_only", .points = 1,
      .run = test_reuseport_own_listener_only, .timeout_s = TEST_TIMEOUT_S,
      .description = "each worker holds exactly one listener, its own; the parent holds none" },
    { .step = 5, .name = "reuseport_spreads", .points = 2,
      .run = test_reuseport_spreads, .timeout_s = TEST_TIMEOUT_S,
      .description = "400 connections, 32 at a time: every worker serves some" },
    { .step = 6, .name = "stop_reaps_workers", .points = 2,
      .run = test_stop_reaps_workers, .timeout_s = TEST_TIMEOUT_S,
      .description = "every worker reaped (not even a zombie left), the listener closed, the count returned" },
    { .step = 6, .name = "stop_stubborn_and_dead_workers", .points = 1,
      .run = test_stop_stubborn_and_dead_workers, .timeout_s = TEST_TIMEOUT_S,
      .description = "a worker that ignores SIGTERM is killed, one already dead is reaped" },
    { .step = 6, .name = "every_model_end_to_end", .points = 3,
      .run = test_every_model_end_to_end, .timeout_s = TEST_TIMEOUT_S,
      .description = "single, accept, epoll, reuseport with all your code: 200 connections answered, then no "
                     "worker and no listener left" },
};

GRADE_LAB("07", "Performance", steps, tests);
