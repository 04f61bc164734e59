/*
 * tests.c - the graded tests of Lab 03, "TCP states".
 *
 * Every test watches the kernel itself, with its own TCP_INFO reads and
 * its own look at the socket table (sock_diag), at each point of a close:
 * a state the student recorded must be one the kernel was in, and every
 * step of a recorded path must be a transition of RFC 9293's Figure 5
 * (labs/common/tcp_states.c), except for a state the kernel passed too
 * fast to be seen, which is filled in from that same table (see lab.h).
 *
 * Loopback answers at once, so some states last only microseconds. Where a
 * test must see a state for sure, it holds it: it fills the peer's receive
 * window first, so that a FIN queued behind unsent data cannot leave until
 * the test lets the peer read (FIN-WAIT-1, LAST-ACK). Nothing here sleeps a
 * guessed time: every wait polls the kernel with a bound (WAIT_MS), and no
 * test waits out TIME-WAIT's 60 seconds. No fixed ports: listeners bind
 * port 0, and the test reads the port back.
 *
 * A test first requires the call it grades to work, so the untouched
 * skeleton (every function fails with ENOSYS) scores nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"
#include "lab.h"
#include "testlib.h"

/* The longest a test waits for the kernel to reach a state. Loopback needs
 * a few milliseconds at most; the margin is for a busy machine. */
#define WAIT_MS 1000

/* The time limit of the tests that wait for a FIN that never comes. */
#define SHORT_TIMEOUT_MS 100

/* Socket buffers of a connection that holds its FIN (the kernel's minimum
 * is about this): a few kilobytes fill the peer's window. */
#define SMALL_BUFFER 4096

/* Every graded test runs in its own process; this bounds a stuck one. */
#define TEST_TIMEOUT_S 2

/* A peer that trickles: one byte every TRICKLE_EVERY_MS, at most
 * TRICKLE_BYTES of them (a second), against a limit of TRICKLE_LIMIT_MS.
 * A limit counted per read never ends while the bytes come; LATE_MS is how
 * late a whole-operation limit may end on a busy machine. */
#define TRICKLE_EVERY_MS 50
#define TRICKLE_BYTES 20
#define TRICKLE_LIMIT_MS 300
#define LATE_MS 500

/* Connections that share both ports, each from a loopback address of its
 * own: a lookup must have room for this many entries of the table. */
#define CROWD 16

/* ------------------------------------------------------------------ */
/* Helpers: results and errors                                          */
/* ------------------------------------------------------------------ */

/* "FIN-WAIT-1 (Linux FIN_WAIT1)", or the number when it is not a state. */
static const char *state_text(int state, int slot)
{
    static char buf[4][64];

    slot &= 3;
    if (state >= 0 && state < SL_NSTATES)
        snprintf(buf[slot], sizeof buf[slot], "%s", sl_state_name((enum sl_state)state));
    else
        snprintf(buf[slot], sizeof buf[slot], "%d (not a state)", state);
    return buf[slot];
}

/* ------------------------------------------------------------------ */
/* Helpers: connections                                                 */
/* ------------------------------------------------------------------ */

/* One TCP connection over loopback, both ends in the test's hands. */
struct conn {
    int listener;
    int client;
    int server; /* the socket accept() returned */
    struct sl_five_tuple client_tuple;
    struct sl_five_tuple server_tuple;
};

/* How a connection is made. */
enum buffers {
    NORMAL_BUFFERS,
    SMALL_BUFFERS, /* so the test can fill a window and hold a FIN back */
};

static void set_small_buffers(int fd)
{
    int size = SMALL_BUFFER;

    ck_assert_msg(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == 0 &&
                      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) == 0,
                  "harness: setsockopt(SO_RCVBUF/SO_SNDBUF): %s", sl_errno_name(errno));
}

/*
 * A connection on the family's loopback, to a listener on a port the kernel
 * picked. Buffer sizes are set before listen() and connect(): an accepted
 * socket inherits its listener's, and the window is agreed in the handshake.
 */
static void open_conn(struct conn *c, int family, enum buffers buffers)
{
    struct sockaddr_storage addr;
    socklen_t len;

    tl_loopback(family, &addr);
    c->listener = socket(family, SOCK_STREAM, 0);
    ck_assert_msg(c->listener != -1, "harness: socket(): %s", sl_errno_name(errno));
    if (buffers == SMALL_BUFFERS)
        set_small_buffers(c->listener);
    ck_assert_msg(bind(c->listener, tl_sa(&addr), sl_addr_len(tl_sa(&addr))) == 0 && listen(c->listener, 8) == 0,
                  "harness: cannot listen on loopback: %s", sl_errno_name(errno));
    len = sizeof addr;
    ck_assert(getsockname(c->listener, (struct sockaddr *)&addr, &len) == 0);

    c->client = socket(family, SOCK_STREAM, 0);
    ck_assert_msg(c->client != -1, "harness: socket(): %s", sl_errno_name(errno));
    if (buffers == SMALL_BUFFERS)
        set_small_buffers(c->client);
    ck_assert_msg(connect(c->client, tl_sa(&addr), sl_addr_len(tl_sa(&addr))) == 0, "harness: cannot connect to %s: %s",
                  tl_str(&addr, 0), sl_errno_name(errno));
    c->server = tl_accept(c->listener, WAIT_MS);
    ck_assert(kit_five_tuple_of(c->client, &c->client_tuple) == 0);
    ck_assert(kit_five_tuple_of(c->server, &c->server_tuple) == 0);
}

static void close_if_open(int *fd)
{
    if (*fd >= 0 && tl_fd_is_open(*fd))
        close(*fd);
    *fd = -1;
}

static void close_conn(struct conn *c)
{
    close_if_open(&c->client);
    close_if_open(&c->server);
    close_if_open(&c->listener);
}

/* An unkind peer: close fd with SO_LINGER {1, 0}, which sends a reset (RST), not a FIN. */
static void reset_close(int *fd)
{
    ck_assert_msg(setsockopt(*fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger)) == 0,
                  "harness: SO_LINGER: %s", sl_errno_name(errno));
    close_if_open(fd);
}

/* Milliseconds since *start, to the microsecond (the test's own clock). */
static double ms_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* A path the test fills itself: len states, a and b in turn (a first). */
static struct state_path alternating_path(int len, enum sl_state a, enum sl_state b)
{
    struct state_path path = { .len = 0 };

    while (path.len < len) {
        path.states[path.len] = path.len % 2 ? b : a;
        path.len++;
    }
    return path;
}

/*
 * Make sender's data wait: send until the peer's receive window is full
 * and some of sender's data cannot even leave (the kernel counts it with
 * SIOCOUTQNSD). A FIN queued now waits behind that data until the peer
 * reads: the state it would leave on the peer's ACK is held meanwhile.
 */
static void hold_unsent_data(int sender)
{
    static const char filler[16384];
    long long deadline = sl_now_ms() + WAIT_MS;

    for (;;) {
        ssize_t n = send(sender, filler, sizeof filler, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0)
            continue;
        ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK, "harness: send(): %s", sl_errno_name(errno));
        int unsent = 0;
        ck_assert_msg(ioctl(sender, SIOCOUTQNSD, &unsent) == 0, "harness: ioctl(SIOCOUTQNSD): %s",
                      sl_errno_name(errno));
        if (unsent > 0)
            return;
        /* All sent but not yet acknowledged: room comes back soon. */
        ck_assert_msg(sl_now_ms() < deadline, "harness: could not fill the peer's receive window");
        poll(&(struct pollfd){ .fd = sender, .events = POLLOUT }, 1, 10);
    }
}

/* Read and drop everything until the end of the stream, within WAIT_MS. */
static long drain_to_eof(int fd, const char *what)
{
    long long deadline = sl_now_ms() + WAIT_MS;
    char buffer[16384];
    long total = 0;

    for (;;) {
        long long left = deadline - sl_now_ms();
        ck_assert_msg(left > 0 && sl_wait_readable(fd, (int)left) == 1, "harness: %s never saw the end of the stream",
                      what);
        ssize_t n = read(fd, buffer, sizeof buffer);
        ck_assert_msg(n >= 0, "harness: read() on %s: %s", what, sl_errno_name(errno));
        if (n == 0)
            return total;
        total += n;
    }
}

/* ------------------------------------------------------------------ */
/* Helpers: the kernel's view (the grader's own, never the student's)   */
/* ------------------------------------------------------------------ */

/* The state of the socket behind fd, from the test's own TCP_INFO. */
static int tcp_info_state(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;

    ck_assert_msg(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0, "harness: TCP_INFO on fd %d: %s", fd,
                  sl_errno_name(errno));
    return sl_state_from_linux(info.tcpi_state);
}

/* Wait until the socket behind fd is in state want (TCP_INFO, bounded). */
static void await_fd_state(int fd, enum sl_state want, const char *what)
{
    long long deadline = sl_now_ms() + WAIT_MS;
    int state;

    while ((state = tcp_info_state(fd)) != (int)want && sl_now_ms() < deadline)
        poll(NULL, 0, 1);
    ck_assert_msg(state == (int)want, "the kernel shows %s in %s, not %s, after %d ms", what, state_text(state, 0),
                  state_text(want, 1), WAIT_MS);
}

/* The kernel's table entry for a tuple, in any state: 1 (and *out) or 0. */
static int table_entry(const struct sl_five_tuple *tuple, struct sl_diag_socket *out)
{
    return tl_connection_entry(&tuple->local, &tuple->remote, 0, out);
}

/* Wait until the kernel's table lists the tuple in state want (bounded). */
static struct sl_diag_socket await_table_state(const struct sl_five_tuple *tuple, enum sl_state want, const char *what)
{
    struct sl_diag_socket entry;

    if (tl_await_connection(&tuple->local, &tuple->remote, SL_DIAG_STATE(sl_states[want].linux_number), WAIT_MS,
                            &entry))
        return entry;
    ck_assert_msg(table_entry(tuple, &entry) == 1, "the kernel's table has no entry for %s after %d ms; expected %s",
                  what, WAIT_MS, state_text(want, 0));
    ck_assert_msg(entry.state == want, "the kernel's table shows %s in %s, not %s", what, state_text(entry.state, 0),
                  state_text(want, 1));
    return entry;
}

/* ------------------------------------------------------------------ */
/* Helpers: recorded paths                                              */
/* ------------------------------------------------------------------ */

static struct state_path path_of(enum sl_state first)
{
    struct state_path path = { .states = { first }, .len = 1 };
    return path;
}

/* "ESTABLISHED -> FIN-WAIT-1 -> ..." for failure messages. */
static const char *path_text(const struct state_path *path)
{
    static char buf[512];
    size_t used = 0;

    buf[0] = '\0';
    if (path->len < 0 || path->len > STATE_PATH_MAX)
        return "(a path whose len is out of range)";
    if (path->len == 0)
        return "(empty)";
    /* Names straight from the table: state_text()'s slots may be in use
     * by the same failure message. */
    for (int i = 0; i < path->len && used < sizeof buf; i++) {
        int state = (int)path->states[i];
        if (state >= 0 && state < SL_NSTATES)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? " -> " : "",
                                     sl_state_name((enum sl_state)state));
        else
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%d (not a state)", i ? " -> " : "", state);
    }
    return buf;
}

/*
 * The path is a walk through RFC 9293's state machine: valid states, no
 * state twice in a row, every step a transition (sl_transition_is_legal)
 * or a step over one state the kernel passes on its own.
 */
static void require_legal_path(const struct state_path *path, const char *whose, const char *kernel_went)
{
    ck_assert_msg(path->len >= 1 && path->len <= STATE_PATH_MAX, "%s path has len %d", whose, path->len);
    for (int i = 0; i < path->len; i++)
        ck_assert_msg((int)path->states[i] >= 0 && path->states[i] < SL_NSTATES,
                      "%s path holds %d at [%d], which is not a state: %s", whose, (int)path->states[i], i,
                      path_text(path));
    for (int i = 1; i < path->len; i++) {
        enum sl_state from = path->states[i - 1], to = path->states[i];
        ck_assert_msg(from != to, "%s path records %s twice in a row: %s (record a state once per visit)", whose,
                      state_text(to, 0), path_text(path));
        if (sl_transition_is_legal(from, to))
            continue;
        ck_assert_msg(sl_state_passed_unseen(from, to) != -1,
                      "%s path steps from %s to %s: TCP has no such transition (RFC 9293, Figure 5), and no state "
                      "the kernel could pass unseen fits between them: %s (the kernel went %s)",
                      whose, state_text(from, 0), state_text(to, 1), path_text(path), kernel_went);
    }
}

/*
 * The path is exactly `expected`, a list of state names where a name in
 * parentheses, "(FIN-WAIT-2)", is a state the kernel may have passed before
 * the student's code could look: it may be missing. Then the path must
 * also be a legal walk (require_legal_path).
 */
static void require_path(const struct state_path *path, const char *expected, const char *whose)
{
    enum sl_state want[STATE_PATH_MAX];
    bool optional[STATE_PATH_MAX];
    int nwant = 0;
    char copy[256];

    require_legal_path(path, whose, expected);
    snprintf(copy, sizeof copy, "%s", expected);
    for (char *save = NULL, *word = strtok_r(copy, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
        bool maybe = word[0] == '(';
        if (maybe) {
            word++;
            word[strcspn(word, ")")] = '\0';
        }
        int state = sl_state_parse(word);
        ck_assert_msg(state >= 0 && nwant < STATE_PATH_MAX, "harness: bad expected path '%s'", expected);
        want[nwant] = (enum sl_state)state;
        optional[nwant++] = maybe;
    }

    int j = 0;
    for (int i = 0; i < path->len; i++) {
        while (j < nwant && want[j] != path->states[i] && optional[j])
            j++;
        ck_assert_msg(j < nwant && want[j] == path->states[i],
                      "%s path is %s, but the kernel went %s (a state in parentheses may be missing: it can pass "
                      "before your code looks)",
                      whose, path_text(path), expected);
        j++;
    }
    while (j < nwant && optional[j])
        j++;
    ck_assert_msg(j == nwant, "%s path is %s, but the kernel went %s: %s is missing", whose, path_text(path),
                  expected, j < nwant ? state_text(want[j], 0) : "?");
}

/* ------------------------------------------------------------------ */
/* Step 1: Read a socket's state                                        */
/* ------------------------------------------------------------------ */

/* lab03_tcp_state(fd) must equal the kernel's own view of fd, now. */
static void require_state(int fd, enum sl_state want, const char *what)
{
    int state = lab03_tcp_state(fd);
    tl_require_success(state, errno, "lab03_tcp_state");
    int kernel = tcp_info_state(fd);
    ck_assert_msg(kernel == (int)want, "harness: expected the kernel to show %s in %s, it shows %s", what,
                  state_text(want, 0), state_text(kernel, 1));
    ck_assert_msg(state == (int)want,
                  "lab03_tcp_state(%s) returned %s; the kernel says %s (Linux number %d: translate it with "
                  "sl_state_from_linux)",
                  what, state_text(state, 0), state_text(want, 1), sl_states[want].linux_number);
}

static void test_state_of_open_sockets(void)
{
    struct conn c;
    int fresh = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert(fresh != -1);
    require_state(fresh, SL_CLOSED, "a new socket, not connected");
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    require_state(c.listener, SL_LISTEN, "a listening socket");
    require_state(c.client, SL_ESTABLISHED, "the client of a connection");
    require_state(c.server, SL_ESTABLISHED, "the socket accept() returned");

    /* The kernel's table says the same (sock_diag maps Linux's numbers too). */
    ck_assert(tl_kernel_view(c.listener, "the listener").state == SL_LISTEN);
    ck_assert(tl_kernel_view(c.client, "the client").state == SL_ESTABLISHED);
    close(fresh);
    close_conn(&c);
}

/*
 * Walk one connection through both closes, holding each state (FINs wait
 * behind unsent data until the test lets the peer read), and compare
 * lab03_tcp_state with the kernel at every stop.
 */
static void test_state_while_closing(void)
{
    struct conn c;

    open_conn(&c, AF_INET, SMALL_BUFFERS);
    hold_unsent_data(c.client);
    hold_unsent_data(c.server);

    ck_assert(shutdown(c.client, SHUT_WR) == 0);
    require_state(c.client, SL_FIN_WAIT_1, "the client after shutdown(SHUT_WR), its FIN held behind data");
    require_state(c.server, SL_ESTABLISHED, "the server, which has not received the FIN yet");

    drain_to_eof(c.server, "the server");
    await_fd_state(c.server, SL_CLOSE_WAIT, "the server after the client's FIN");
    require_state(c.server, SL_CLOSE_WAIT, "the server after the client's FIN");
    await_fd_state(c.client, SL_FIN_WAIT_2, "the client once its FIN was acknowledged");
    require_state(c.client, SL_FIN_WAIT_2, "the client once its FIN was acknowledged");

    ck_assert(shutdown(c.server, SHUT_WR) == 0);
    require_state(c.server, SL_LAST_ACK, "the server after its own shutdown(SHUT_WR), its FIN held behind data");

    drain_to_eof(c.client, "the client");
    await_fd_state(c.server, SL_CLOSED, "the server once its FIN was acknowledged");
    require_state(c.server, SL_CLOSED, "the server once its FIN was acknowledged");
    /* The connection is in TIME-WAIT, but not the socket behind the fd. */
    await_table_state(&c.client_tuple, SL_TIME_WAIT, "the client's connection");
    require_state(c.client, SL_CLOSED, "the client's descriptor once the connection is in TIME-WAIT");
    close_conn(&c);
}

static void test_state_errors(void)
{
    int pipe_fds[2];
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert(udp != -1 && tcp != -1 && pipe(pipe_fds) == 0);
    int state = lab03_tcp_state(tcp);
    tl_require_success(state, errno, "lab03_tcp_state on a TCP socket");

    state = lab03_tcp_state(udp);
    tl_require_failure(state, errno, EOPNOTSUPP, "lab03_tcp_state on a UDP socket");
    state = lab03_tcp_state(pipe_fds[0]);
    tl_require_failure(state, errno, ENOTSOCK, "lab03_tcp_state on a pipe");
    close(tcp);
    state = lab03_tcp_state(tcp);
    tl_require_failure(state, errno, EBADF, "lab03_tcp_state on a closed descriptor");
    close(udp);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

/* ------------------------------------------------------------------ */
/* Step 2: Record the path                                              */
/* ------------------------------------------------------------------ */

static void record_ok(struct state_path *path, enum sl_state state)
{
    int result = lab03_record(path, state);
    tl_require_success(result, errno, "lab03_record");
    ck_assert_msg(result == 0, "lab03_record returned %d, not 0", result);
}

static void test_record_skips_repeats(void)
{
    struct state_path path = { .len = 0 };
    const enum sl_state seen[] = { SL_ESTABLISHED, SL_ESTABLISHED, SL_FIN_WAIT_1, SL_FIN_WAIT_1, SL_FIN_WAIT_1,
                                   SL_FIN_WAIT_2, SL_TIME_WAIT,   SL_TIME_WAIT };

    for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++)
        record_ok(&path, seen[i]);
    ck_assert_msg(path.len == 4 && path.states[0] == SL_ESTABLISHED && path.states[1] == SL_FIN_WAIT_1 &&
                      path.states[2] == SL_FIN_WAIT_2 && path.states[3] == SL_TIME_WAIT,
                  "recording ESTABLISHED twice, FIN-WAIT-1 three times, FIN-WAIT-2, TIME-WAIT twice gave %s; "
                  "expected ESTABLISHED -> FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT",
                  path_text(&path));

    /* A state seen again after another one is a new visit. */
    record_ok(&path, SL_CLOSED);
    record_ok(&path, SL_ESTABLISHED);
    ck_assert_msg(path.len == 6 && path.states[5] == SL_ESTABLISHED,
                  "ESTABLISHED recorded again after other states was not added: %s", path_text(&path));
}

static void test_record_bounds(void)
{
    struct state_path path = { .len = 0 };

    for (int i = 0; i < STATE_PATH_MAX; i++)
        record_ok(&path, i % 2 ? SL_FIN_WAIT_1 : SL_ESTABLISHED);
    ck_assert_msg(path.len == STATE_PATH_MAX, "after %d alternating states the path has len %d", STATE_PATH_MAX,
                  path.len);

    int result = lab03_record(&path, SL_TIME_WAIT);
    tl_require_failure(result, errno, ENOSPC, "lab03_record on a full path");
    ck_assert_msg(path.len == STATE_PATH_MAX && path.states[STATE_PATH_MAX - 1] == SL_FIN_WAIT_1,
                  "a failed lab03_record changed the path");
    /* The last state again is not a new one: nothing to add, no error. */
    result = lab03_record(&path, SL_FIN_WAIT_1);
    ck_assert_msg(result == 0, "lab03_record of the last state on a full path returned %d (errno %s), not 0", result,
                  sl_errno_name(errno));

    struct state_path small = path_of(SL_ESTABLISHED);
    result = lab03_record(&small, SL_NSTATES);
    tl_require_failure(result, errno, EINVAL, "lab03_record(SL_NSTATES)");
    result = lab03_record(&small, (enum sl_state)-1);
    tl_require_failure(result, errno, EINVAL, "lab03_record(-1)");
    ck_assert_msg(small.len == 1, "a rejected state changed the path: %s", path_text(&small));
}

static void test_record_state_reads_kernel(void)
{
    struct state_path path = { .len = 0 };
    struct conn c;
    int pipe_fds[2];

    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    int state = lab03_record_state(&path, c.listener);
    tl_require_success(state, errno, "lab03_record_state(listener)");
    ck_assert_msg(state == SL_LISTEN, "lab03_record_state(listener) returned %s", state_text(state, 0));
    state = lab03_record_state(&path, c.client);
    tl_require_success(state, errno, "lab03_record_state(client)");
    ck_assert_msg(state == SL_ESTABLISHED, "lab03_record_state(client) returned %s", state_text(state, 0));
    ck_assert_msg(path.len == 2 && path.states[0] == SL_LISTEN && path.states[1] == SL_ESTABLISHED,
                  "the path is %s; expected LISTEN -> ESTABLISHED", path_text(&path));

    ck_assert(pipe(pipe_fds) == 0);
    state = lab03_record_state(&path, pipe_fds[0]);
    tl_require_failure(state, errno, ENOTSOCK, "lab03_record_state on a pipe");
    ck_assert_msg(path.len == 2, "a failed lab03_record_state changed the path: %s", path_text(&path));
    close(pipe_fds[0]);
    close(pipe_fds[1]);

    /* A full path: the state is read, but there is no room to record it
     * (lab03_record's ENOSPC), so lab03_record_state fails too. */
    struct state_path full = alternating_path(STATE_PATH_MAX, SL_LISTEN, SL_ESTABLISHED);
    state = lab03_record_state(&full, c.listener);
    tl_require_failure(state, errno, ENOSPC,
                       "lab03_record_state(listener) on a full path (lab03_record failed there with ENOSPC)");
    ck_assert_msg(full.len == STATE_PATH_MAX && full.states[STATE_PATH_MAX - 1] == SL_ESTABLISHED,
                  "a failed lab03_record_state changed the path: %s", path_text(&full));
    /* The last state again is no new visit: it fits even in a full path. */
    state = lab03_record_state(&full, c.client);
    ck_assert_msg(state == SL_ESTABLISHED,
                  "lab03_record_state(client) on a full path that ends in ESTABLISHED returned %s (errno %s); the "
                  "client is ESTABLISHED, which needs no room: return the state",
                  state_text(state, 0), sl_errno_name(errno));
    close_conn(&c);
}

static void test_record_first_state(void)
{
    struct state_path path = { .len = 0 };

    /* A socket's life starts in CLOSED, so a path may start with CLOSED.
     * An empty path has no last state to compare with. */
    record_ok(&path, SL_CLOSED);
    ck_assert_msg(path.len == 1 && path.states[0] == SL_CLOSED,
                  "lab03_record(an empty path, CLOSED) gave the path %s; expected CLOSED. With len 0 there is no "
                  "last state: states[len - 1] would be states[-1], before the array",
                  path_text(&path));
    record_ok(&path, SL_SYN_SENT);
    ck_assert_msg(path.len == 2 && path.states[1] == SL_SYN_SENT,
                  "lab03_record(CLOSED, then SYN-SENT) gave %s; expected CLOSED -> SYN-SENT", path_text(&path));

    /* A new socket's state, read and recorded into an empty path: CLOSED, which is 0. */
    struct state_path fresh_path = { .len = 0 };
    int fresh = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert(fresh != -1);
    int state = lab03_record_state(&fresh_path, fresh);
    tl_require_success(state, errno, "lab03_record_state(an empty path, a new socket)");
    ck_assert_msg(state == SL_CLOSED, "lab03_record_state(a new socket) returned %s; the kernel says CLOSED (0)",
                  state_text(state, 0));
    ck_assert_msg(fresh_path.len == 1 && fresh_path.states[0] == SL_CLOSED,
                  "lab03_record_state(an empty path, a new socket) gave the path %s; expected CLOSED",
                  path_text(&fresh_path));
    close(fresh);
}

/* ------------------------------------------------------------------ */
/* Step 3: Half-close                                                   */
/* ------------------------------------------------------------------ */

static void test_half_close_holds_fin(void)
{
    struct conn c;
    struct state_path path = path_of(SL_ESTABLISHED);

    open_conn(&c, AF_INET, SMALL_BUFFERS);
    hold_unsent_data(c.client);

    int state = lab03_half_close(c.client, &path);
    tl_require_success(state, errno, "lab03_half_close(client)");
    ck_assert_msg(tl_fd_is_open(c.client), "lab03_half_close closed the descriptor: use shutdown(), not close()");
    int kernel = tcp_info_state(c.client);
    ck_assert_msg(kernel == SL_FIN_WAIT_1,
                  "the kernel shows the client in %s after lab03_half_close; with its FIN queued behind unsent "
                  "data it should be FIN-WAIT-1: was shutdown() called with SHUT_WR?",
                  state_text(kernel, 0));
    ck_assert_msg(state == SL_FIN_WAIT_1, "lab03_half_close returned %s; the kernel shows FIN-WAIT-1",
                  state_text(state, 0));
    require_path(&path, "ESTABLISHED FIN-WAIT-1", "the client's");
    /* The FIN has not left: the server knows nothing yet. */
    ck_assert_msg(tcp_info_state(c.server) == SL_ESTABLISHED,
                  "the server left ESTABLISHED before the FIN could reach it");

    /* Once the server reads, data and FIN go through and are acknowledged. */
    drain_to_eof(c.server, "the server");
    await_fd_state(c.server, SL_CLOSE_WAIT, "the server after the client's FIN");
    await_fd_state(c.client, SL_FIN_WAIT_2, "the client after the server acknowledged its FIN");
    close_conn(&c);
}

static void test_half_close_still_reads(void)
{
    struct conn c;
    struct state_path path = path_of(SL_ESTABLISHED);
    char buf[32] = "";

    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    int state = lab03_half_close(c.client, &path);
    tl_require_success(state, errno, "lab03_half_close(client)");
    int kernel = tcp_info_state(c.client);
    ck_assert_msg(tl_fd_is_open(c.client), "lab03_half_close closed the descriptor: use shutdown(), not close()");
    ck_assert_msg(kernel == SL_FIN_WAIT_1 || kernel == SL_FIN_WAIT_2,
                  "the kernel shows the client in %s after lab03_half_close, not FIN-WAIT-1 or FIN-WAIT-2: was "
                  "shutdown() called with SHUT_WR?",
                  state_text(kernel, 0));
    /* States only move forward: if the kernel is still in FIN-WAIT-1,
     * the student's earlier look saw FIN-WAIT-1 too. */
    ck_assert_msg(state == SL_FIN_WAIT_1 || (state == SL_FIN_WAIT_2 && kernel == SL_FIN_WAIT_2),
                  "lab03_half_close returned %s; the kernel shows %s", state_text(state, 0), state_text(kernel, 1));
    require_path(&path, kernel == SL_FIN_WAIT_1 ? "ESTABLISHED FIN-WAIT-1" : "ESTABLISHED (FIN-WAIT-1) (FIN-WAIT-2)",
                 "the client's");
    ck_assert_msg(path.len == 2, "lab03_half_close must record the state after shutdown(): the path is %s",
                  path_text(&path));

    /* The server got the FIN: end of stream, CLOSE-WAIT. */
    await_fd_state(c.server, SL_CLOSE_WAIT, "the server after the client's FIN");
    ck_assert_msg(drain_to_eof(c.server, "the server") == 0, "the server received data it was never sent");

    /* Half-closed: the client can still read what the server sends... */
    ck_assert(send(c.server, "still open", 10, MSG_NOSIGNAL) == 10);
    ck_assert_msg(sl_wait_readable(c.client, WAIT_MS) == 1, "the client never received the server's data");
    ssize_t n = recv(c.client, buf, sizeof buf - 1, 0);
    ck_assert_msg(n == 10 && memcmp(buf, "still open", 10) == 0,
                  "after lab03_half_close the client read %zd bytes instead of the server's 10: only the sending "
                  "half may be shut (SHUT_WR, not SHUT_RDWR)",
                  n);
    /* ... but it may not send any more. */
    n = send(c.client, "x", 1, MSG_NOSIGNAL);
    ck_assert_msg(n == -1 && errno == EPIPE, "the client could still send after lab03_half_close");
    close_conn(&c);
}

static void test_half_close_errors(void)
{
    struct state_path path = path_of(SL_ESTABLISHED);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert(fd != -1);
    /* Never connected: shutdown() fails with ENOTCONN, and so must
     * lab03_half_close, at once, recording nothing. */
    int state = lab03_half_close(fd, &path);
    tl_require_failure(state, errno, ENOTCONN, "lab03_half_close on a socket that was never connected");
    ck_assert_msg(path.len == 1,
                  "lab03_half_close recorded a state although its shutdown() failed: the path is %s (return -1 "
                  "as soon as shutdown() fails)",
                  path_text(&path));
    ck_assert_msg(tl_fd_is_open(fd), "lab03_half_close closed fd after shutdown() failed: fd stays open either way");

    /* A descriptor that is not open: EBADF. */
    close(fd);
    state = lab03_half_close(fd, &path);
    tl_require_failure(state, errno, EBADF, "lab03_half_close on a closed descriptor");
    ck_assert_msg(path.len == 1, "a failed lab03_half_close changed the path: %s", path_text(&path));
}

/* ------------------------------------------------------------------ */
/* Step 4: Wait for the peer's FIN                                      */
/* ------------------------------------------------------------------ */

static void send_all(int fd, size_t count, char fill)
{
    char buf[8192];

    memset(buf, fill, sizeof buf);
    while (count > 0) {
        size_t chunk = count < sizeof buf ? count : sizeof buf;
        ssize_t n = send(fd, buf, chunk, MSG_NOSIGNAL);
        ck_assert_msg(n > 0, "harness: send(): %s", sl_errno_name(errno));
        count -= (size_t)n;
    }
}

static void test_wait_fin_reads_to_eof(void)
{
    struct conn c;

    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    /* Three writes (the reader sees them in pieces), then the FIN. */
    send_all(c.server, 1000, 'a');
    send_all(c.server, 20000, 'b');
    send_all(c.server, 5, 'c');
    ck_assert(shutdown(c.server, SHUT_WR) == 0);

    long result = lab03_wait_for_fin(c.client, WAIT_MS);
    tl_require_success(result, errno, "lab03_wait_for_fin");
    ck_assert_msg(result == 21005,
                  "lab03_wait_for_fin returned %ld; the server sent 21005 bytes before its FIN: read until "
                  "read() returns 0",
                  result);
    ck_assert_msg(tl_fd_is_open(c.client), "lab03_wait_for_fin closed the descriptor");
    await_fd_state(c.client, SL_CLOSE_WAIT, "the client after the server's FIN");

    /* The end of the stream stays: a second wait returns at once. */
    result = lab03_wait_for_fin(c.client, WAIT_MS);
    ck_assert_msg(result == 0, "a second lab03_wait_for_fin after the FIN returned %ld (errno %s), not 0", result,
                  sl_errno_name(errno));
    close_conn(&c);
}

static void test_wait_fin_times_out(void)
{
    struct conn c;

    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    send_all(c.server, 100, 'x'); /* data, but no FIN */
    long long start = sl_now_ms();
    long result = lab03_wait_for_fin(c.client, SHORT_TIMEOUT_MS);
    int err = errno;
    long long waited = sl_now_ms() - start;
    ck_assert_msg(err != ENOSYS, "lab03_wait_for_fin: this step is not written yet");
    tl_require_failure(result, err, ETIMEDOUT, "lab03_wait_for_fin on a peer that never closes");
    /* A lower bound only: the machine may be slow, never early. */
    ck_assert_msg(waited >= SHORT_TIMEOUT_MS - 5, "lab03_wait_for_fin gave up after %lld ms, before its %d ms",
                  waited, SHORT_TIMEOUT_MS);
    ck_assert_msg(tl_fd_is_open(c.client) && tcp_info_state(c.client) == SL_ESTABLISHED,
                  "after a timeout the connection must be left as it was");

    int pipe_fds[2];
    ck_assert(pipe(pipe_fds) == 0);
    close(pipe_fds[1]);
    close(pipe_fds[0]);
    result = lab03_wait_for_fin(pipe_fds[0], SHORT_TIMEOUT_MS);
    tl_require_failure(result, errno, EBADF, "lab03_wait_for_fin on a closed descriptor");
    close_conn(&c);
}

/*
 * A peer that sends one byte every every_ms milliseconds, count times, then
 * (if fin) its FIN: a child process of the test's own, so it goes on while
 * the test waits in a call. Closing stop ends it early.
 */
struct trickle {
    pid_t pid;
    int stop; /* the write end of a pipe the child watches */
};

static struct trickle start_trickle(int fd, int every_ms, int count, bool fin)
{
    int pipe_fds[2];
    struct trickle t;

    ck_assert_msg(pipe(pipe_fds) == 0, "harness: pipe(): %s", sl_errno_name(errno));
    t.pid = fork();
    ck_assert_msg(t.pid != -1, "harness: fork(): %s", sl_errno_name(errno));
    if (t.pid == 0) {
        close(pipe_fds[1]);
        for (int k = 0; k < count; k++) {
            struct pollfd stop = { .fd = pipe_fds[0], .events = POLLIN };
            if (poll(&stop, 1, every_ms) != 0)
                _exit(0); /* stopped by the test (or a signal): no more bytes */
            if (send(fd, "t", 1, MSG_NOSIGNAL) != 1)
                _exit(1);
        }
        _exit(fin && shutdown(fd, SHUT_WR) != 0 ? 1 : 0);
    }
    close(pipe_fds[0]);
    t.stop = pipe_fds[1];
    return t;
}

static void stop_trickle(struct trickle *t)
{
    if (t->pid <= 0)
        return;
    close(t->stop);
    waitpid(t->pid, NULL, 0);
    t->pid = -1;
}

static void test_wait_fin_whole_limit(void)
{
    struct conn c;
    struct timespec start;

    /* A peer that sends in pieces, with pauses, then its FIN: every byte counts. */
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    struct trickle t = start_trickle(c.server, 20, 5, true);
    long result = lab03_wait_for_fin(c.client, WAIT_MS);
    int err = errno;
    stop_trickle(&t);
    tl_require_success(result, err, "lab03_wait_for_fin on a peer that sends 5 bytes 20 ms apart, then its FIN,");
    ck_assert_msg(result == 5,
                  "lab03_wait_for_fin returned %ld; the peer sent 5 bytes one at a time, 20 ms apart, then its FIN: "
                  "keep waiting and reading until read() returns 0",
                  result);
    close_conn(&c);

    /* A peer that trickles a byte every 50 ms and never closes: the limit
     * is for the whole wait, so it ends after TRICKLE_LIMIT_MS all the same. */
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    t = start_trickle(c.server, TRICKLE_EVERY_MS, TRICKLE_BYTES, false);
    clock_gettime(CLOCK_MONOTONIC, &start);
    result = lab03_wait_for_fin(c.client, TRICKLE_LIMIT_MS);
    err = errno;
    double waited = ms_since(&start);
    stop_trickle(&t);
    ck_assert_msg(!(result == -1 && err == ENOSYS), "lab03_wait_for_fin: this step is not written yet");
    ck_assert_msg(waited <= TRICKLE_LIMIT_MS + LATE_MS,
                  "lab03_wait_for_fin(fd, %d) returned after %.0f ms, while the peer sent a byte every %d ms and no "
                  "FIN: the limit is for the whole wait, not for each poll(). Compute the deadline once, before "
                  "the loop, and each time wait only for the time left",
                  TRICKLE_LIMIT_MS, waited, TRICKLE_EVERY_MS);
    tl_require_failure(result, err, ETIMEDOUT,
                       "lab03_wait_for_fin on a peer that sends a byte every 50 ms and never closes");
    ck_assert_msg(waited >= TRICKLE_LIMIT_MS - 5, "lab03_wait_for_fin gave up after %.0f ms, before its %d ms", waited,
                  TRICKLE_LIMIT_MS);
    ck_assert_msg(tl_fd_is_open(c.client) && tcp_info_state(c.client) == SL_ESTABLISHED,
                  "after a timeout the connection must be left as it was");
    close_conn(&c);
}

/*
 * How many times the process that runs the student's code (the subject,
 * harness/subject.h) has blocked, as the kernel counts it
 * (voluntary_ctxt_switches in /proc/PID/status), read once it is asleep
 * again waiting for the next call. Around one call, a call that never
 * blocked adds exactly 1: that wait for the next call.
 */
static long subject_blocks(void)
{
    pid_t pid = sj_subject_pid();
    long long deadline = sl_now_ms() + WAIT_MS;
    char path[64], line[256];
    long count = -1;

    while (tl_process_state(pid) != 'S') {
        ck_assert_msg(sl_now_ms() < deadline, "harness: the process running your code is not waiting for calls");
        poll(NULL, 0, 1);
    }
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *status = fopen(path, "r");
    ck_assert_msg(status != NULL, "harness: %s: %s", path, sl_errno_name(errno));
    while (count == -1 && fgets(line, sizeof line, status))
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &count) != 1)
            count = -1;
    fclose(status);
    ck_assert_msg(count >= 0, "harness: %s has no voluntary_ctxt_switches", path);
    return count;
}

static void test_wait_fin_short_limits(void)
{
    struct conn c;

    /* Data and FIN already there: a limit of 0 means "do not wait", not "read nothing". */
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    send_all(c.server, 300, 'q');
    ck_assert(shutdown(c.server, SHUT_WR) == 0);
    await_fd_state(c.client, SL_CLOSE_WAIT, "the client after the server's FIN");
    long result = lab03_wait_for_fin(c.client, 0);
    tl_require_success(result, errno, "lab03_wait_for_fin(fd, 0), with 300 bytes and the FIN already arrived,");
    ck_assert_msg(result == 300,
                  "lab03_wait_for_fin(fd, 0) returned %ld; 300 bytes and the FIN had already arrived, so no waiting "
                  "was needed to read them",
                  result);
    close_conn(&c);

    /* A silent peer: a limit of 0 leaves no time to wait (ETIMEDOUT at
     * once); a limit of 1 ms is waited for, in poll(). The kernel counts
     * every time the process running the student's code blocks. */
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    int slept = 0;
    for (int k = 0; k < 3; k++) {
        long before = subject_blocks();
        result = lab03_wait_for_fin(c.client, 0);
        int err = errno;
        long blocks = subject_blocks() - before - 1; /* minus the wait for the next call */
        tl_require_failure(result, err, ETIMEDOUT, "lab03_wait_for_fin(fd, 0) on a silent peer");
        if (blocks > 0)
            slept++;
    }
    /* One of three may block for a reason of the machine's (a page fault). */
    ck_assert_msg(slept <= 1,
                  "lab03_wait_for_fin(fd, 0) on a silent peer went to sleep in %d of 3 calls (the kernel counted "
                  "your process blocking): a limit of 0 leaves no time to wait, so look once (poll() with 0) and "
                  "return ETIMEDOUT",
                  slept);
    slept = 0;
    for (int k = 0; k < 3; k++) {
        long before = subject_blocks();
        result = lab03_wait_for_fin(c.client, 1);
        int err = errno;
        long blocks = subject_blocks() - before - 1;
        tl_require_failure(result, err, ETIMEDOUT, "lab03_wait_for_fin(fd, 1) on a silent peer");
        if (blocks > 0)
            slept++;
    }
    /* Only a look at the millisecond clock just as it ticks makes the
     * time left 0 at once: two of three calls must have waited. */
    ck_assert_msg(slept >= 2,
                  "lab03_wait_for_fin(fd, 1) on a silent peer gave up without waiting in %d of 3 calls (the kernel "
                  "saw your process block in poll() in only %d): while 1 ms is left, poll() for that 1 ms",
                  3 - slept, slept);
    ck_assert_msg(tl_fd_is_open(c.client) && tcp_info_state(c.client) == SL_ESTABLISHED,
                  "after a timeout the connection must be left as it was");
    close_conn(&c);
}

static void test_wait_fin_errors(void)
{
    struct conn c;

    /* A read() interrupted by a signal (EINTR) read nothing: call it again. */
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    send_all(c.server, 21, 'i');
    ck_assert(shutdown(c.server, SHUT_WR) == 0);
    fault_clear();
    fault_fail(FC_READ, 0, EINTR);
    fault_fail(FC_RECV, 0, EINTR);
    long result = lab03_wait_for_fin(c.client, WAIT_MS);
    int err = errno;
    fault_clear();
    ck_assert_msg(!(result == -1 && err == EINTR),
                  "lab03_wait_for_fin returned -1 with errno EINTR: a read() interrupted by a signal (EINTR) read "
                  "nothing and lost nothing; call it again");
    tl_require_success(result, err, "lab03_wait_for_fin, its first read() interrupted (EINTR),");
    ck_assert_msg(result == 21, "lab03_wait_for_fin returned %ld with its first read() interrupted; the server sent 21 "
                  "bytes before its FIN", result);
    close_conn(&c);

    /* poll() fails (ENOMEM: the kernel is short of memory): -1 with poll()'s errno. */
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    send_all(c.server, 21, 'p');
    ck_assert(shutdown(c.server, SHUT_WR) == 0);
    await_fd_state(c.client, SL_CLOSE_WAIT, "the client after the server's FIN");
    fault_clear();
    fault_fail(FC_POLL, 0, ENOMEM);
    result = lab03_wait_for_fin(c.client, WAIT_MS);
    err = errno;
    fault_clear();
    /* The contract waits with poll() (sl_wait_readable()); a call count,
     * which the student's process could write, never decides a check. */
    ck_assert_msg(result == -1 && err == ENOMEM,
                      "lab03_wait_for_fin returned %ld (errno %s) after its poll() failed with ENOMEM (made to fail "
                      "by the test): return -1 and leave poll()'s errno",
                      result, sl_errno_name(err));
    ck_assert_msg(tl_fd_is_open(c.client), "lab03_wait_for_fin closed fd: it stays open either way");
    close_conn(&c);

    /* A peer that sends 100 bytes, then resets: the bytes are read, then ECONNRESET. */
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    send_all(c.server, 100, 'r');
    reset_close(&c.server);
    result = lab03_wait_for_fin(c.client, WAIT_MS);
    tl_require_failure(result, errno, ECONNRESET,
                       "lab03_wait_for_fin on a peer that sent 100 bytes and then reset the connection");
    ck_assert_msg(tl_fd_is_open(c.client), "lab03_wait_for_fin closed fd: it stays open either way");
    close_conn(&c);
}

/* ------------------------------------------------------------------ */
/* Step 5: Find a connection in the kernel's table                      */
/* ------------------------------------------------------------------ */

/* The test closes a connection the usual way: the client first. Returns
 * with the client's connection in TIME-WAIT and both fds closed. */
static void active_close_by_harness(struct conn *c)
{
    ck_assert(shutdown(c->client, SHUT_WR) == 0);
    drain_to_eof(c->server, "the server");
    close_if_open(&c->server);
    drain_to_eof(c->client, "the client");
    close_if_open(&c->client);
    await_table_state(&c->client_tuple, SL_TIME_WAIT, "the client's connection");
}

static struct sl_diag_socket require_found(const struct sl_five_tuple *tuple, const char *what)
{
    struct sl_diag_socket entry;

    memset(&entry, 0, sizeof entry);
    int found = lab03_find_connection(tuple, &entry);
    tl_require_success(found, errno, "lab03_find_connection");
    ck_assert_msg(found == 1, "lab03_find_connection returned %d for %s, which the kernel lists", found, what);
    ck_assert_msg(sl_addr_equal(tl_sa(&entry.local), tl_sa(&tuple->local)) &&
                      sl_addr_equal(tl_sa(&entry.remote), tl_sa(&tuple->remote)),
                  "lab03_find_connection(%s) gave the entry %s -> %s, another connection", what,
                  tl_str(&entry.local, 0), tl_str(&entry.remote, 1));
    return entry;
}

static void test_find_time_wait(void)
{
    struct conn first, second;

    open_conn(&first, AF_INET, NORMAL_BUFFERS);
    active_close_by_harness(&first);
    /* A second connection to the same server, also in TIME-WAIT. */
    struct sockaddr_storage server = first.client_tuple.remote;
    second.listener = first.listener;
    second.client = tl_connect(&server);
    second.server = tl_accept(first.listener, WAIT_MS);
    ck_assert(kit_five_tuple_of(second.client, &second.client_tuple) == 0);
    active_close_by_harness(&second);

    struct sl_diag_socket entry = require_found(&first.client_tuple, "a connection in TIME-WAIT");
    ck_assert_msg(entry.state == SL_TIME_WAIT, "lab03_find_connection gave state %s; the kernel lists TIME-WAIT",
                  state_text(entry.state, 0));
    ck_assert_msg(entry.inode == 0 && entry.timer == 3 && entry.expires_ms <= 60000,
                  "the entry should be the kernel's: TIME-WAIT has no descriptor (inode 0) and runs its "
                  "timewait timer (3)");
    entry = require_found(&second.client_tuple, "a second connection in TIME-WAIT, to the same server");
    ck_assert(entry.state == SL_TIME_WAIT);
    close_if_open(&first.listener);
}

/* A client bound to ip:port (port 0: the kernel picks), connected to server. */
static int client_from(const char *ip, uint16_t port, const struct sockaddr_storage *server)
{
    struct sockaddr_storage local;
    socklen_t len;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert(fd != -1 && sl_addr_parse(ip, port, &local, &len) == 0);
    if (bind(fd, tl_sa(&local), len) == -1 || connect(fd, tl_sa(server), sl_addr_len(tl_sa(server))) == -1) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * A connection between two loopback addresses: a client bound to client_ip
 * (the kernel picks its port) connects to server_ip, where a wildcard
 * listener (0.0.0.0) accepts it. No address is the same on both ends.
 */
static void open_conn_between(struct conn *c, const char *client_ip, const char *server_ip)
{
    struct sockaddr_storage any, server;
    socklen_t len;

    ck_assert(sl_addr_parse("0.0.0.0", 0, &any, &len) == 0);
    c->listener = kit_listen_on(&any, 8);
    ck_assert_msg(c->listener != -1, "harness: cannot listen on 0.0.0.0: %s", sl_errno_name(errno));
    ck_assert(sl_addr_parse(server_ip, sl_addr_port(tl_sa(&any)), &server, &len) == 0);
    c->client = client_from(client_ip, 0, &server);
    ck_assert_msg(c->client != -1, "harness: cannot connect from %s to %s: %s", client_ip, tl_str(&server, 0),
                  sl_errno_name(errno));
    c->server = tl_accept(c->listener, WAIT_MS);
    ck_assert(kit_five_tuple_of(c->client, &c->client_tuple) == 0);
    ck_assert(kit_five_tuple_of(c->server, &c->server_tuple) == 0);
}

static void test_find_right_connection(void)
{
    struct conn c;
    struct sl_five_tuple tuple_a, tuple_b, unknown;

    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    struct sl_diag_socket entry = require_found(&c.client_tuple, "the client of a live connection");
    ck_assert_msg(entry.state == SL_ESTABLISHED && entry.inode == kit_socket_inode(c.client),
                  "lab03_find_connection(client) gave %s, inode %llu; the client is ESTABLISHED, inode %llu",
                  state_text(entry.state, 0), (unsigned long long)entry.inode,
                  (unsigned long long)kit_socket_inode(c.client));
    entry = require_found(&c.server_tuple, "the server's end of the connection");
    ck_assert_msg(entry.inode == kit_socket_inode(c.server),
                  "lab03_find_connection(server's tuple) found another socket");

    /* Two clients with the same two ports, from 127.0.0.2 and 127.0.0.3:
     * only the addresses tell them apart. */
    struct sockaddr_storage server = c.client_tuple.remote;
    int a = -1, b = -1;
    for (int attempt = 0; attempt < 5 && b == -1; attempt++) {
        close_if_open(&a);
        a = client_from("127.0.0.2", 0, &server);
        ck_assert_msg(a != -1, "harness: cannot connect from 127.0.0.2: %s", sl_errno_name(errno));
        ck_assert(kit_five_tuple_of(a, &tuple_a) == 0);
        b = client_from("127.0.0.3", sl_addr_port(tl_sa(&tuple_a.local)), &server);
    }
    ck_assert_msg(b != -1, "harness: cannot connect from 127.0.0.3 with 127.0.0.2's port");
    ck_assert(kit_five_tuple_of(b, &tuple_b) == 0);
    int accepted_a = tl_accept(c.listener, WAIT_MS), accepted_b = tl_accept(c.listener, WAIT_MS);
    entry = require_found(&tuple_a, "the connection from 127.0.0.2");
    ck_assert(entry.inode == kit_socket_inode(a));
    entry = require_found(&tuple_b, "the connection from 127.0.0.3 (same ports as the one from 127.0.0.2)");
    ck_assert(entry.inode == kit_socket_inode(b));

    /* A connection that does not exist. */
    unknown = tuple_b;
    sl_addr_parse("127.0.0.4", sl_addr_port(tl_sa(&tuple_b.local)), &unknown.local, &(socklen_t){ 0 });
    int found = lab03_find_connection(&unknown, &entry);
    ck_assert_msg(found == 0, "lab03_find_connection returned %d for a connection nobody made (errno %s)", found,
                  sl_errno_name(errno));

    struct sl_five_tuple not_inet = { .protocol = IPPROTO_TCP };
    not_inet.local.ss_family = AF_UNIX;
    not_inet.remote.ss_family = AF_UNIX;
    found = lab03_find_connection(&not_inet, &entry);
    tl_require_failure(found, errno, EAFNOSUPPORT, "lab03_find_connection with an AF_UNIX tuple");

    close(a);
    close(b);
    close(accepted_a);
    close(accepted_b);
    close_conn(&c);
}

static void test_find_ipv6(void)
{
    struct conn live, done;

    tl_require_ipv6();
    open_conn(&done, AF_INET6, NORMAL_BUFFERS);
    active_close_by_harness(&done);
    struct sl_diag_socket entry = require_found(&done.client_tuple, "an IPv6 connection in TIME-WAIT");
    ck_assert(entry.state == SL_TIME_WAIT && entry.family == AF_INET6);

    open_conn(&live, AF_INET6, NORMAL_BUFFERS);
    entry = require_found(&live.server_tuple, "the server's end of an IPv6 connection");
    ck_assert(entry.inode == kit_socket_inode(live.server));
    close_conn(&live);
    close_conn(&done);
}

/* A TCP socket bound to ip:port (port 0: the kernel picks), not yet connected; -1 if the bind fails. */
static int bound_to(const char *ip, uint16_t port)
{
    struct sockaddr_storage local;
    socklen_t len;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_msg(fd != -1, "harness: socket(): %s", sl_errno_name(errno));
    ck_assert(sl_addr_parse(ip, port, &local, &len) == 0);
    if (bind(fd, tl_sa(&local), len) == -1) {
        close(fd);
        return -1;
    }
    return fd;
}

static void test_find_among_many(void)
{
    /* CROWD + 2 clients, from 127.0.0.2, 127.0.0.3, ..., all bound to the
     * same port P, and one server 127.0.0.1:S: connections that share both
     * ports, told apart by the client's address alone. All are bound first
     * (P is then theirs on every address); only CROWD connect at first. */
    enum { ALL = CROWD + 2 };
    struct sockaddr_storage server;
    int listener = tl_listener(AF_INET, &server);
    int clients[ALL], accepted[ALL];
    struct sl_five_tuple tuples[ALL];
    char ips[ALL][16];
    int bound = 0;

    for (int attempt = 0; attempt < 5 && bound < ALL; attempt++) {
        for (int k = 0; k < bound; k++)
            close(clients[k]);
        struct sockaddr_storage first;
        uint16_t port = 0;
        for (bound = 0; bound < ALL; bound++) {
            snprintf(ips[bound], sizeof ips[bound], "127.0.0.%d", bound + 2);
            clients[bound] = bound_to(ips[bound], port);
            if (clients[bound] == -1)
                break;
            if (bound == 0) {
                first = tl_local_address(clients[0], "the first client");
                port = sl_addr_port(tl_sa(&first));
            }
        }
    }
    ck_assert_msg(bound == ALL, "harness: cannot bind %d sockets to one port on 127.0.0.2 to 127.0.0.%d", ALL, ALL + 1);

    int connected = 0;
    for (; connected < CROWD; connected++) {
        ck_assert_msg(connect(clients[connected], tl_sa(&server), sl_addr_len(tl_sa(&server))) == 0,
                      "harness: cannot connect from %s: %s", ips[connected], sl_errno_name(errno));
        accepted[connected] = tl_accept(listener, WAIT_MS);
        ck_assert(kit_five_tuple_of(clients[connected], &tuples[connected]) == 0);
    }

    /* Every one of them is found, as itself. */
    for (int k = 0; k < CROWD; k++) {
        char what[256];
        snprintf(what, sizeof what,
                 "the connection from %s, one of %d that share both ports (sl_diag_list returns how many matched "
                 "and stores at most max of them: give it room for %d at least)",
                 tl_str(&tuples[k].local, 0), CROWD, CROWD);
        struct sl_diag_socket entry = require_found(&tuples[k], what);
        ck_assert_msg(entry.state == SL_ESTABLISHED && entry.inode == kit_socket_inode(clients[k]),
                      "lab03_find_connection(the connection from %s) gave an entry in %s, inode %llu; the client is "
                      "ESTABLISHED, inode %llu",
                      ips[k], state_text(entry.state, 0), (unsigned long long)entry.inode,
                      (unsigned long long)kit_socket_inode(clients[k]));
    }

    /* The one the kernel lists last is reset: gone from the table (a reset
     * leaves no TIME-WAIT), while CROWD - 1 others still share its ports. */
    struct sl_diag_filter filter = {
        .family = AF_INET,
        .local_port = sl_addr_port(tl_sa(&tuples[0].local)),
        .remote_port = sl_addr_port(tl_sa(&server)),
    };
    struct sl_diag_socket listed[ALL + 4];
    int n = sl_diag_list(&filter, listed, ALL + 4);
    ck_assert_msg(n == CROWD, "harness: the kernel lists %d connections on these ports, not %d", n, CROWD);
    int gone = -1;
    for (int k = 0; k < CROWD; k++)
        if (sl_addr_equal(tl_sa(&listed[CROWD - 1].local), tl_sa(&tuples[k].local)))
            gone = k;
    ck_assert(gone != -1);
    reset_close(&clients[gone]);
    tl_await_connection_gone(&tuples[gone].local, &tuples[gone].remote, WAIT_MS, "the reset connection");

    struct sl_diag_socket entry;
    memset(&entry, 0, sizeof entry);
    int found = lab03_find_connection(&tuples[gone], &entry);
    tl_require_success(found, errno, "lab03_find_connection(a connection that was reset)");
    ck_assert_msg(found == 0,
                  "lab03_find_connection returned %d for the connection from %s, which was reset and is gone from "
                  "the kernel's table, while %d others share its ports: return 0, and compare only the entries "
                  "sl_diag_list stored this time (the first n, and no more than your array holds)",
                  found, ips[gone], CROWD - 1);

    /* More matches than that: CROWD + 1 connections share those ports now.
     * sl_diag_list stores no more than it is told; the gone one is still 0. */
    for (; connected < ALL; connected++) {
        ck_assert_msg(connect(clients[connected], tl_sa(&server), sl_addr_len(tl_sa(&server))) == 0,
                      "harness: cannot connect from %s: %s", ips[connected], sl_errno_name(errno));
        accepted[connected] = tl_accept(listener, WAIT_MS);
    }
    found = lab03_find_connection(&tuples[gone], &entry);
    tl_require_success(found, errno, "lab03_find_connection(a connection that was reset, more others on its ports)");
    ck_assert_msg(found == 0,
                  "lab03_find_connection returned %d for the reset connection from %s, with %d others on its ports: "
                  "more matches than your array holds must not overflow it (give sl_diag_list its real size)",
                  found, ips[gone], CROWD + 1);

    for (int k = 0; k < ALL; k++) {
        close_if_open(&clients[k]);
        close(accepted[k]);
    }
    close(listener);
}

static void test_find_table_error(void)
{
    struct conn c;
    struct sl_diag_socket entry;

    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    require_found(&c.client_tuple, "the client of a live connection");

    /* The table cannot be read (ENOBUFS, as netlink says when it is short
     * of memory): whether the connection exists is unknown, so neither 1
     * nor 0 is the answer. */
    memset(&entry, 0, sizeof entry);
    fault_clear();
    fault_fail(FC_DIAG_LIST, 0, ENOBUFS);
    int found = lab03_find_connection(&c.client_tuple, &entry);
    int err = errno;
    fault_clear();
    /* The contract reads the table with sl_diag_list(). */
    ck_assert_msg(found == -1 && err == ENOBUFS,
                      "lab03_find_connection returned %d (errno %s) when sl_diag_list failed with ENOBUFS (made to "
                      "fail by the test): return -1 and leave sl_diag_list's errno",
                      found, sl_errno_name(err));
    close_conn(&c);
}

/* ------------------------------------------------------------------ */
/* Step 6: Finish the active close                                      */
/* ------------------------------------------------------------------ */

/* After lab03_finish_active_close: fd closed, the kernel in TIME-WAIT. */
static void require_time_wait_left(const struct conn *c)
{
    ck_assert_msg(!tl_fd_is_open(c->client), "lab03_finish_active_close left the descriptor open");
    struct sl_diag_socket entry = await_table_state(&c->client_tuple, SL_TIME_WAIT, "the client's connection");
    ck_assert(entry.inode == 0);
}

static void test_active_close_every_state(void)
{
    struct conn c;
    struct state_path path = path_of(SL_ESTABLISHED);

    open_conn(&c, AF_INET, SMALL_BUFFERS);
    hold_unsent_data(c.client);
    int state = lab03_half_close(c.client, &path);
    tl_require_success(state, errno, "lab03_half_close(client)");
    ck_assert_msg(tcp_info_state(c.client) == SL_FIN_WAIT_1, "the client should be in FIN-WAIT-1, its FIN held");

    /* The server reads: the FIN gets through and is acknowledged. */
    drain_to_eof(c.server, "the server");
    await_fd_state(c.client, SL_FIN_WAIT_2, "the client after the server acknowledged its FIN");
    state = lab03_record_state(&path, c.client);
    tl_require_success(state, errno, "lab03_record_state(client in FIN-WAIT-2)");

    /* The server answers and closes: its FIN puts the client in TIME-WAIT. */
    send_all(c.server, 3, 'z');
    close_if_open(&c.server);
    await_table_state(&c.client_tuple, SL_TIME_WAIT, "the client's connection after the server's FIN");

    int result = lab03_finish_active_close(c.client, &c.client_tuple, WAIT_MS, &path);
    tl_require_success(result, errno, "lab03_finish_active_close");
    ck_assert_msg(result == 0, "lab03_finish_active_close returned %d; on success it returns 0", result);
    require_path(&path, "ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", "the client's");
    require_time_wait_left(&c);
    close_conn(&c);
}

static void test_active_close_fast_peer(void)
{
    struct conn c;
    struct state_path path = path_of(SL_ESTABLISHED);

    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    int state = lab03_half_close(c.client, &path);
    tl_require_success(state, errno, "lab03_half_close(client)");
    /* A server that closes as soon as it reads the end of the stream: its
     * FIN carries the ACK of the client's FIN, so the client passes
     * FIN-WAIT-2 inside one segment, before anyone can look. */
    drain_to_eof(c.server, "the server");
    close_if_open(&c.server);

    int result = lab03_finish_active_close(c.client, &c.client_tuple, WAIT_MS, &path);
    tl_require_success(result, errno, "lab03_finish_active_close");
    ck_assert_msg(result == 0, "lab03_finish_active_close returned %d; on success it returns 0", result);
    require_path(&path, "ESTABLISHED (FIN-WAIT-1) (FIN-WAIT-2) TIME-WAIT", "the client's");
    require_time_wait_left(&c);
    close_conn(&c);

    /* A peer that never closes: the wait ends, and fd is closed anyway. */
    struct state_path other = path_of(SL_ESTABLISHED);
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    result = lab03_finish_active_close(c.client, &c.client_tuple, SHORT_TIMEOUT_MS, &other);
    tl_require_failure(result, errno, ETIMEDOUT, "lab03_finish_active_close on a peer that never closes");
    ck_assert_msg(!tl_fd_is_open(c.client), "lab03_finish_active_close must close fd even when it fails");
    close_conn(&c);
}

/*
 * After a call that closes fd in every case: fd is closed, and nothing
 * else the call opened is left open (fds_before: the count before it).
 */
static void require_fd_closed(int fd, int fds_before, const char *call)
{
    ck_assert_msg(!tl_fd_is_open(fd), "%s left fd open: it must close fd in every case, failures too", call);
    int fds_after = tl_open_fd_count();
    ck_assert_msg(fds_after == fds_before - 1,
                  "%s closed fd but left %d other descriptor(s) open (%d open before the call, %d after)", call,
                  fds_after - (fds_before - 1), fds_before, fds_after);
}

/* The usual start of an active close: the client half-closes, the server
 * reads to the end and closes. The client's connection is in TIME-WAIT,
 * its descriptor still open, the end of the stream waiting to be read. */
static void peer_answers_fin(struct conn *c)
{
    ck_assert(shutdown(c->client, SHUT_WR) == 0);
    drain_to_eof(c->server, "the server");
    close_if_open(&c->server);
    await_table_state(&c->client_tuple, SL_TIME_WAIT, "the client's connection after the server's FIN");
}

static void test_active_close_errors(void)
{
    struct conn c;
    struct state_path path;
    char call[256];

    /* From 127.0.0.2 to 127.0.0.3 (a wildcard listener): it works there too. */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    peer_answers_fin(&c);
    path = path_of(SL_FIN_WAIT_2);
    int result = lab03_finish_active_close(c.client, &c.client_tuple, WAIT_MS, &path);
    tl_require_success(result, errno, "lab03_finish_active_close(127.0.0.2 -> 127.0.0.3)");
    ck_assert_msg(result == 0, "lab03_finish_active_close returned %d; on success it returns 0", result);
    require_path(&path, "FIN-WAIT-2 TIME-WAIT", "the client's");
    require_time_wait_left(&c);
    close_conn(&c);

    /* A tuple the kernel's table does not list: the same ports, but from
     * 127.0.0.4, where the connection is from 127.0.0.2. */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    peer_answers_fin(&c);
    struct sl_five_tuple elsewhere = c.client_tuple;
    ck_assert(sl_addr_parse("127.0.0.4", sl_addr_port(tl_sa(&c.client_tuple.local)), &elsewhere.local,
                            &(socklen_t){ 0 }) == 0);
    snprintf(call, sizeof call,
             "lab03_finish_active_close given the tuple %s -> %s, which the kernel's table does not list (the "
             "connection is %s -> %s),",
             tl_str(&elsewhere.local, 0), tl_str(&elsewhere.remote, 1), tl_str(&c.client_tuple.local, 2),
             tl_str(&c.client_tuple.remote, 3));
    path = path_of(SL_FIN_WAIT_2);
    int fds = tl_open_fd_count();
    result = lab03_finish_active_close(c.client, &elsewhere, WAIT_MS, &path);
    int err = errno;
    require_fd_closed(c.client, fds, call);
    tl_require_failure(result, err, ENOENT, call);
    ck_assert_msg(path.len == 1, "%s recorded a state: the path is %s", call, path_text(&path));
    close_conn(&c);

    /* The kernel's table cannot be read (sl_diag_list: ENOBUFS). */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    peer_answers_fin(&c);
    path = path_of(SL_FIN_WAIT_2);
    fds = tl_open_fd_count();
    fault_clear();
    fault_fail(FC_DIAG_LIST, 0, ENOBUFS);
    result = lab03_finish_active_close(c.client, &c.client_tuple, WAIT_MS, &path);
    err = errno;
    fault_clear();
    require_fd_closed(c.client, fds, "lab03_finish_active_close, its read of the kernel's table failed,");
    {
        ck_assert_msg(result == -1 && err == ENOBUFS,
                      "lab03_finish_active_close returned %d (errno %s) when sl_diag_list failed with ENOBUFS (made "
                      "to fail by the test): return -1 and leave that errno",
                      result, sl_errno_name(err));
        ck_assert_msg(path.len == 1, "lab03_finish_active_close recorded a state it never read: the path is %s",
                      path_text(&path));
    }
    close_conn(&c);

    /* A full path: TIME-WAIT is found, but there is no room for it. */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    peer_answers_fin(&c);
    path = alternating_path(STATE_PATH_MAX, SL_FIN_WAIT_1, SL_FIN_WAIT_2);
    fds = tl_open_fd_count();
    result = lab03_finish_active_close(c.client, &c.client_tuple, WAIT_MS, &path);
    err = errno;
    require_fd_closed(c.client, fds, "lab03_finish_active_close with a full path");
    tl_require_failure(result, err, ENOSPC, "lab03_finish_active_close with a full path (lab03_record: ENOSPC)");
    ck_assert_msg(path.len == STATE_PATH_MAX && path.states[STATE_PATH_MAX - 1] == SL_FIN_WAIT_2,
                  "a failed lab03_finish_active_close changed the full path: %s", path_text(&path));
    close_conn(&c);

    /* A peer that resets instead of sending its FIN. */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    ck_assert(shutdown(c.client, SHUT_WR) == 0);
    drain_to_eof(c.server, "the server");
    reset_close(&c.server);
    path = path_of(SL_FIN_WAIT_2);
    fds = tl_open_fd_count();
    result = lab03_finish_active_close(c.client, &c.client_tuple, WAIT_MS, &path);
    err = errno;
    require_fd_closed(c.client, fds, "lab03_finish_active_close on a peer that reset the connection");
    tl_require_failure(result, err, ECONNRESET,
                       "lab03_finish_active_close on a peer that reset the connection instead of sending its FIN");
    close_conn(&c);
}

/* ------------------------------------------------------------------ */
/* Step 7: The passive close                                            */
/* ------------------------------------------------------------------ */

static void test_passive_close_last_ack(void)
{
    struct conn c;
    struct state_path path = path_of(SL_ESTABLISHED);

    open_conn(&c, AF_INET, SMALL_BUFFERS);
    /* The server has data the client has no room for: the server's FIN
     * will wait behind it, and LAST-ACK lasts until the client reads. */
    hold_unsent_data(c.server);
    /* The client's FIN waits too, behind data the server has not read:
     * it arrives only while lab03_passive_close waits for it, so a look
     * at the state before that wait sees ESTABLISHED, not CLOSE-WAIT. */
    hold_unsent_data(c.client);
    ck_assert(shutdown(c.client, SHUT_WR) == 0);
    ck_assert_msg(tcp_info_state(c.server) == SL_ESTABLISHED, "harness: the client's FIN was not held back");

    int state = lab03_passive_close(c.server, &c.server_tuple, WAIT_MS, &path);
    tl_require_success(state, errno, "lab03_passive_close(server)");
    ck_assert_msg(!tl_fd_is_open(c.server), "lab03_passive_close left the descriptor open: close() it");
    struct sl_diag_socket entry = await_table_state(&c.server_tuple, SL_LAST_ACK, "the server's connection");
    ck_assert_msg(entry.inode == 0, "the server's connection still has a descriptor (inode %llu)",
                  (unsigned long long)entry.inode);
    ck_assert_msg(state == SL_LAST_ACK, "lab03_passive_close returned %s; the kernel's table shows LAST-ACK",
                  state_text(state, 0));
    require_path(&path, "ESTABLISHED CLOSE-WAIT LAST-ACK", "the server's");

    /* The client reads: the server's FIN arrives, is acknowledged, and the
     * connection is gone from the kernel's table: CLOSED. */
    drain_to_eof(c.client, "the client");
    tl_await_connection_gone(&c.server_tuple.local, &c.server_tuple.remote, WAIT_MS, "the server's connection");
    record_ok(&path, SL_CLOSED);
    require_path(&path, "ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", "the server's");
    await_table_state(&c.client_tuple, SL_TIME_WAIT, "the client's connection");
    close_conn(&c);
}

static void test_passive_close_fast_ack(void)
{
    struct conn c;
    struct state_path path = path_of(SL_ESTABLISHED);

    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    ck_assert(shutdown(c.client, SHUT_WR) == 0);

    int state = lab03_passive_close(c.server, &c.server_tuple, WAIT_MS, &path);
    tl_require_success(state, errno, "lab03_passive_close(server)");
    ck_assert_msg(!tl_fd_is_open(c.server), "lab03_passive_close left the descriptor open: close() it");
    /* The client acknowledges the server's FIN at once, on loopback
     * usually before close() returns: LAST-ACK may pass unseen. */
    struct sl_diag_socket entry;
    if (state == SL_CLOSED)
        ck_assert_msg(table_entry(&c.server_tuple, &entry) == 0,
                      "lab03_passive_close returned CLOSED, but the kernel still lists the connection in %s",
                      state_text(entry.state, 0));
    ck_assert_msg(state == SL_CLOSED || state == SL_LAST_ACK, "lab03_passive_close returned %s",
                  state_text(state, 0));
    require_path(&path,
                 state == SL_CLOSED ? "ESTABLISHED CLOSE-WAIT (LAST-ACK) CLOSED" : "ESTABLISHED CLOSE-WAIT LAST-ACK",
                 "the server's");
    await_table_state(&c.client_tuple, SL_TIME_WAIT, "the client's connection");
    close_conn(&c);

    /* A peer that never sends its FIN: the wait ends, fd is closed anyway. */
    struct state_path other = path_of(SL_ESTABLISHED);
    open_conn(&c, AF_INET, NORMAL_BUFFERS);
    state = lab03_passive_close(c.server, &c.server_tuple, SHORT_TIMEOUT_MS, &other);
    tl_require_failure(state, errno, ETIMEDOUT, "lab03_passive_close on a peer that never closes");
    ck_assert_msg(!tl_fd_is_open(c.server), "lab03_passive_close must close fd even when it fails");
    close_conn(&c);
}

static void test_passive_close_errors(void)
{
    struct conn c;
    struct state_path path;
    struct sl_diag_socket entry;

    /* The server's end at 127.0.0.3 (a wildcard listener), the client at
     * 127.0.0.2: it works there too. */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    ck_assert(shutdown(c.client, SHUT_WR) == 0);
    path = path_of(SL_ESTABLISHED);
    int state = lab03_passive_close(c.server, &c.server_tuple, WAIT_MS, &path);
    tl_require_success(state, errno, "lab03_passive_close(127.0.0.3, the client at 127.0.0.2)");
    ck_assert_msg(!tl_fd_is_open(c.server), "lab03_passive_close left the descriptor open: close() it");
    ck_assert_msg(state == SL_CLOSED || state == SL_LAST_ACK, "lab03_passive_close returned %s", state_text(state, 0));
    if (state == SL_CLOSED)
        ck_assert_msg(table_entry(&c.server_tuple, &entry) == 0,
                      "lab03_passive_close returned CLOSED, but the kernel still lists the connection in %s",
                      state_text(entry.state, 0));
    require_path(&path,
                 state == SL_CLOSED ? "ESTABLISHED CLOSE-WAIT (LAST-ACK) CLOSED" : "ESTABLISHED CLOSE-WAIT LAST-ACK",
                 "the server's");
    close_conn(&c);

    /* TCP_INFO cannot be read (getsockopt: EINVAL) once the FIN is there. */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    ck_assert(shutdown(c.client, SHUT_WR) == 0);
    await_fd_state(c.server, SL_CLOSE_WAIT, "the server after the client's FIN");
    path = path_of(SL_ESTABLISHED);
    int fds = tl_open_fd_count();
    fault_clear();
    fault_fail(FC_GETSOCKOPT, 0, EINVAL);
    state = lab03_passive_close(c.server, &c.server_tuple, WAIT_MS, &path);
    int err = errno;
    fault_clear();
    require_fd_closed(c.server, fds, "lab03_passive_close, its TCP_INFO read failed,");
    {
        ck_assert_msg(state == -1 && err == EINVAL,
                      "lab03_passive_close returned %d (errno %s) when reading the state of fd failed "
                      "(getsockopt(TCP_INFO): EINVAL, made to fail by the test): return -1 with that errno",
                      state, sl_errno_name(err));
        ck_assert_msg(path.len == 1, "lab03_passive_close recorded a state it could not read: the path is %s",
                      path_text(&path));
    }
    close_conn(&c);

    /* The kernel's table cannot be read (sl_diag_list: ENOBUFS) after close(). */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    ck_assert(shutdown(c.client, SHUT_WR) == 0);
    path = path_of(SL_ESTABLISHED);
    fds = tl_open_fd_count();
    fault_clear();
    fault_fail(FC_DIAG_LIST, 0, ENOBUFS);
    state = lab03_passive_close(c.server, &c.server_tuple, WAIT_MS, &path);
    err = errno;
    fault_clear();
    require_fd_closed(c.server, fds, "lab03_passive_close, its read of the kernel's table failed,");
    ck_assert_msg(state == -1 && err == ENOBUFS,
                      "lab03_passive_close returned %d (errno %s) when sl_diag_list failed with ENOBUFS (made to fail "
                      "by the test): return -1 and leave that errno",
                      state, sl_errno_name(err));
    close_conn(&c);

    /* Room for CLOSE-WAIT, none for the state after it. */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    ck_assert(shutdown(c.client, SHUT_WR) == 0);
    path = alternating_path(STATE_PATH_MAX - 1, SL_ESTABLISHED, SL_SYN_RCVD);
    fds = tl_open_fd_count();
    state = lab03_passive_close(c.server, &c.server_tuple, WAIT_MS, &path);
    err = errno;
    require_fd_closed(c.server, fds, "lab03_passive_close with a path that has room for one state");
    tl_require_failure(state, err, ENOSPC,
                       "lab03_passive_close with room for CLOSE-WAIT and none for the state after it (lab03_record: "
                       "ENOSPC)");
    close_conn(&c);

    /* A peer that resets instead of sending its FIN. */
    open_conn_between(&c, "127.0.0.2", "127.0.0.3");
    reset_close(&c.client);
    path = path_of(SL_ESTABLISHED);
    fds = tl_open_fd_count();
    state = lab03_passive_close(c.server, &c.server_tuple, WAIT_MS, &path);
    err = errno;
    require_fd_closed(c.server, fds, "lab03_passive_close on a peer that reset the connection");
    tl_require_failure(state, err, ECONNRESET,
                       "lab03_passive_close on a peer that reset the connection instead of sending its FIN");
    close_conn(&c);
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

static const struct grade_step steps[] = {
    { 1, "Read a socket's state",
      "getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) fills a struct tcp_info; info.tcpi_state is the "
      "kernel's number (ESTABLISHED is 1, FIN_WAIT1 4), so return sl_state_from_linux(info.tcpi_state), not the "
      "number itself. When getsockopt() fails, return -1 and keep its errno." },
    { 2, "Record the path",
      "lab03_record: reject a state outside 0..SL_NSTATES-1 (EINVAL); if it equals the last state recorded, add "
      "nothing and return 0; if the path is full, ENOSPC; else append. lab03_record_state = lab03_tcp_state, "
      "then lab03_record." },
    { 3, "Half-close",
      "shutdown(fd, SHUT_WR), not close() (you still need fd) and not SHUT_RD (that sends no FIN). Then "
      "lab03_record_state(path, fd): FIN-WAIT-1 while the FIN waits for its ACK." },
    { 4, "Wait for the peer's FIN",
      "Compute a deadline once; loop: sl_wait_readable(fd, time left) (0: ETIMEDOUT), then read(). read() "
      "returning 0 is the FIN: return the bytes you threw away. Never read() without waiting first." },
    { 5, "Find a connection in the kernel's table",
      "sl_diag_list with .family and both ports (sl_addr_port) in the filter, then keep the entry whose .local "
      "and .remote equal the tuple's (sl_addr_equal): two connections can share both ports." },
    { 6, "Finish the active close",
      "After the peer's FIN the socket behind fd says CLOSED: the connection lives on in a TIME-WAIT socket "
      "with no descriptor. Wait for the FIN, close(fd), then lab03_find_connection(tuple) and record the "
      "state the table shows." },
    { 7, "The passive close",
      "Wait for the FIN, record CLOSE-WAIT through fd, close(fd), then look the tuple up: LAST-ACK if the "
      "table still lists it, SL_CLOSED if it does not. Close fd on every path, failures too." },
};

static const struct grade_test tests[] = {
    { .step = 1, .name = "state_of_open_sockets", .points = 2,
      .description = "CLOSED, LISTEN and ESTABLISHED sockets read as the kernel shows them",
      .run = test_state_of_open_sockets, .timeout_s = TEST_TIMEOUT_S },
    { .step = 1, .name = "state_while_closing", .points = 2,
      .description = "FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, LAST-ACK and CLOSED, each held and compared",
      .run = test_state_while_closing, .timeout_s = TEST_TIMEOUT_S },
    { .step = 1, .name = "state_errors", .points = 1,
      .description = "EOPNOTSUPP for UDP, ENOTSOCK for a pipe, EBADF for a closed descriptor",
      .run = test_state_errors, .timeout_s = TEST_TIMEOUT_S },
    { .step = 2, .name = "record_skips_repeats", .points = 2,
      .description = "a state seen twice in a row is recorded once",
      .run = test_record_skips_repeats, .timeout_s = TEST_TIMEOUT_S },
    { .step = 2, .name = "record_bounds", .points = 1,
      .description = "ENOSPC on a full path, EINVAL for a non-state, the path unchanged",
      .run = test_record_bounds, .timeout_s = TEST_TIMEOUT_S },
    { .step = 2, .name = "record_state_reads_kernel", .points = 1,
      .description = "lab03_record_state records the kernel's state; a failure (ENOTSOCK, ENOSPC) records nothing",
      .run = test_record_state_reads_kernel, .timeout_s = TEST_TIMEOUT_S },
    { .step = 2, .name = "record_first_state", .points = 1,
      .description = "an empty path takes its first state, CLOSED included",
      .run = test_record_first_state, .timeout_s = TEST_TIMEOUT_S },
    { .step = 3, .name = "half_close_holds_fin", .points = 2,
      .description = "a FIN held behind unsent data: FIN-WAIT-1 recorded, the peer still ESTABLISHED",
      .run = test_half_close_holds_fin, .timeout_s = TEST_TIMEOUT_S },
    { .step = 3, .name = "half_close_still_reads", .points = 2,
      .description = "after shutdown(SHUT_WR): peer in CLOSE-WAIT, fd open, reads work, sends fail",
      .run = test_half_close_still_reads, .timeout_s = TEST_TIMEOUT_S },
    { .step = 3, .name = "half_close_errors", .points = 1,
      .description = "never connected: -1/ENOTCONN, nothing recorded, fd open; closed fd: EBADF",
      .run = test_half_close_errors, .timeout_s = TEST_TIMEOUT_S },
    { .step = 4, .name = "wait_fin_reads_to_eof", .points = 2,
      .description = "reads 21005 bytes up to the FIN; the socket is then CLOSE-WAIT",
      .run = test_wait_fin_reads_to_eof, .timeout_s = TEST_TIMEOUT_S },
    { .step = 4, .name = "wait_fin_times_out", .points = 1,
      .description = "no FIN: -1/ETIMEDOUT after the time limit, connection untouched; EBADF",
      .run = test_wait_fin_times_out, .timeout_s = TEST_TIMEOUT_S },
    { .step = 4, .name = "wait_fin_whole_limit", .points = 2,
      .description = "a peer that trickles: pieces then FIN all counted; a byte every 50 ms never stretches 300 ms",
      .run = test_wait_fin_whole_limit, .timeout_s = TEST_TIMEOUT_S },
    { .step = 4, .name = "wait_fin_short_limits", .points = 1,
      .description = "limit 0 still reads what has arrived, else ETIMEDOUT; a 1 ms limit is waited",
      .run = test_wait_fin_short_limits, .timeout_s = TEST_TIMEOUT_S },
    { .step = 4, .name = "wait_fin_errors", .points = 1,
      .description = "read() EINTR retried; poll() failing: its errno; a reset peer: ECONNRESET, fd open",
      .run = test_wait_fin_errors, .timeout_s = TEST_TIMEOUT_S },
    { .step = 5, .name = "find_time_wait", .points = 2,
      .description = "TIME-WAIT connections found by 5-tuple: no inode, timewait timer",
      .run = test_find_time_wait, .timeout_s = TEST_TIMEOUT_S },
    { .step = 5, .name = "find_right_connection", .points = 2,
      .description = "live sockets found; same ports, other address told apart; unknown tuple: 0",
      .run = test_find_right_connection, .timeout_s = TEST_TIMEOUT_S },
    { .step = 5, .name = "find_ipv6", .points = 1,
      .description = "IPv6 connections, live and in TIME-WAIT",
      .run = test_find_ipv6, .timeout_s = TEST_TIMEOUT_S, .needs = "IPv6 on loopback" },
    { .step = 5, .name = "find_among_many", .points = 2,
      .description = "16 connections on the same two ports each found; a reset one: 0, with 15 or 17 others",
      .run = test_find_among_many, .timeout_s = TEST_TIMEOUT_S },
    { .step = 5, .name = "find_table_error", .points = 1,
      .description = "sl_diag_list failing: -1 with its errno, not 0",
      .run = test_find_table_error, .timeout_s = TEST_TIMEOUT_S },
    { .step = 6, .name = "active_close_every_state", .points = 2,
      .description = "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, each held and recorded",
      .run = test_active_close_every_state, .timeout_s = TEST_TIMEOUT_S },
    { .step = 6, .name = "active_close_fast_peer", .points = 2,
      .description = "a peer that closes at once: FIN-WAIT-2 may pass unseen; timeouts close fd",
      .run = test_active_close_fast_peer, .timeout_s = TEST_TIMEOUT_S },
    { .step = 6, .name = "active_close_errors", .points = 2,
      .description = "127.0.0.2 -> 127.0.0.3; ENOENT, the table's error, ENOSPC, ECONNRESET: -1, fd closed",
      .run = test_active_close_errors, .timeout_s = TEST_TIMEOUT_S },
    { .step = 7, .name = "passive_close_last_ack", .points = 2,
      .description = "LAST-ACK held: CLOSE-WAIT, LAST-ACK (no descriptor), then CLOSED",
      .run = test_passive_close_last_ack, .timeout_s = TEST_TIMEOUT_S },
    { .step = 7, .name = "passive_close_fast_ack", .points = 2,
      .description = "the peer acknowledges at once: CLOSED; timeouts close fd",
      .run = test_passive_close_fast_ack, .timeout_s = TEST_TIMEOUT_S },
    { .step = 7, .name = "passive_close_errors", .points = 2,
      .description = "127.0.0.3 <- 127.0.0.2; TCP_INFO's, the table's error, ENOSPC, ECONNRESET: -1, fd closed",
      .run = test_passive_close_errors, .timeout_s = TEST_TIMEOUT_S },
};

GRADE_LAB("03", "TCP states", steps, tests);
