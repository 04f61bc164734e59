/*
 * tests.c - the graded tests of Lab 04, "TIME_WAIT and SO_REUSEADDR".
 *
 * Every test checks what the kernel did, not what the student's function
 * said: which sockets the kernel's table lists in TIME_WAIT and on which
 * port (sock_diag), the timer it reports, the option getsockopt() reads
 * back, and the errno of real bind() and listen() calls. A test that
 * expects a failure (EADDRINUSE, EINVAL, ENOENT) first requires the same
 * function to succeed where it should, so the untouched skeleton (every
 * function fails with ENOSYS) and a function that always fails both score
 * nothing.
 *
 * No test waits for a TIME_WAIT socket to expire (that takes 60 s): every
 * scenario runs on a port the kernel just picked (bind port 0, read it
 * back), so an old TIME_WAIT socket is never in the way. No test sleeps a
 * guessed time: it polls the kernel's table with a bound (kit_diag_wait).
 * Steps 2, 3 and 4 close their connections with the harness's own code, so
 * a student earns them even before step 1 works.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"
#include "lab.h"
#include "testlib.h"

/* How long a test waits for a connection to reach accept(). */
#define ACCEPT_TIMEOUT_MS 1000

/*
 * How long a test waits for a TIME_WAIT socket to appear after a close.
 * On loopback it is there within a millisecond or two; the bound only
 * limits how long a failing test takes.
 */
#define APPEAR_TIMEOUT_MS 1000

/* Each test takes a few milliseconds; the limit only stops a hung one. */
#define TEST_TIMEOUT_S 5

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* A socket option at SOL_SOCKET level, as the kernel reports it. */
static int socket_option(int fd, int option, const char *name)
{
    int value = 0;
    socklen_t len = sizeof value;

    ck_assert_msg(getsockopt(fd, SOL_SOCKET, option, &value, &len) == 0, "harness: getsockopt(fd %d, %s): %s", fd,
                  name, sl_errno_name(errno));
    return value;
}

/* An address on ip with port 0: where a server lets the kernel pick its port. */
static struct sockaddr_storage any_port_on(const char *ip)
{
    struct sockaddr_storage addr;
    socklen_t len;

    ck_assert_msg(sl_addr_parse(ip, 0, &addr, &len) == 0, "harness: bad address %s", ip);
    return addr;
}

/* The same address with another port. */
static struct sockaddr_storage with_port(const struct sockaddr_storage *addr, uint16_t port)
{
    struct sockaddr_storage copy = *addr;

    sl_addr_set_port((struct sockaddr *)&copy, port);
    return copy;
}

/* Where a client connects to reach a listener bound to addr: one bound to
 * the wildcard address 0.0.0.0 is reached through 127.0.0.1. */
static struct sockaddr_storage reach(const struct sockaddr_storage *addr)
{
    struct sockaddr_storage loopback = any_port_on(addr->ss_family == AF_INET6 ? "::1" : "127.0.0.1");

    if (addr->ss_family == AF_INET && ((const struct sockaddr_in *)addr)->sin_addr.s_addr == htonl(INADDR_ANY))
        return with_port(&loopback, sl_addr_port(tl_sa(addr)));
    return *addr;
}

/* One connection: both descriptors, and both ends' addresses, which the
 * test still needs after the descriptors are closed. */
struct conn {
    int server;                          /* the accepted socket */
    int client;
    struct sockaddr_storage server_end;  /* the server's address and port */
    struct sockaddr_storage client_end;  /* the client's, with its ephemeral port */
};

/* Connect to the listener (bound to listen_addr) and accept. */
static struct conn open_connection(int listener, const struct sockaddr_storage *listen_addr)
{
    struct sockaddr_storage target = reach(listen_addr);
    struct conn c;

    c.client = tl_connect(&target);
    c.server = tl_accept(listener, ACCEPT_TIMEOUT_MS);
    c.server_end = tl_local_address(c.server, "the accepted socket");
    c.client_end = tl_local_address(c.client, "the client");
    return c;
}

/* A client socket bound to ip:port (port 0: the kernel picks), or -1 with errno (EADDRINUSE). */
static int client_bound_to(const char *ip, uint16_t port, struct sockaddr_storage *bound)
{
    struct sockaddr_storage addr = any_port_on(ip);
    socklen_t len = sizeof *bound;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_msg(fd != -1, "harness: socket: %s", sl_errno_name(errno));
    sl_addr_set_port((struct sockaddr *)&addr, port);
    if (bind(fd, tl_sa(&addr), tl_sa_len(&addr)) == -1) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    ck_assert_msg(getsockname(fd, (struct sockaddr *)bound, &len) == 0, "harness: getsockname: %s",
                  sl_errno_name(errno));
    return fd;
}

/*
 * Two connections to one listener (127.0.0.1:P) from clients on the same
 * port Q of two addresses: 127.0.0.3:Q -> 127.0.0.1:P and 127.0.0.4:Q ->
 * 127.0.0.1:P. The server's ends are equal, and the client's differ only in
 * their address: only a search that compares both ends, addresses and
 * ports, tells them apart. *listener receives the listener.
 */
static void open_twins(struct conn *a, struct conn *b, int *listener)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        struct sockaddr_storage server = any_port_on("127.0.0.1");
        struct sockaddr_storage a_end, b_end;

        *listener = kit_listen_on(&server, 16);
        ck_assert_msg(*listener != -1, "harness: listen on 127.0.0.1: %s", sl_errno_name(errno));
        int ca = client_bound_to("127.0.0.3", 0, &a_end);
        int cb = ca == -1 ? -1 : client_bound_to("127.0.0.4", sl_addr_port(tl_sa(&a_end)), &b_end);
        if (ca == -1 || cb == -1) {
            /* Someone else holds that port on 127.0.0.4: try another. */
            close(*listener);
            if (ca != -1)
                close(ca);
            continue;
        }
        ck_assert_msg(connect(ca, tl_sa(&server), tl_sa_len(&server)) == 0, "harness: connect: %s",
                      sl_errno_name(errno));
        a->client = ca;
        a->server = tl_accept(*listener, ACCEPT_TIMEOUT_MS);
        ck_assert_msg(connect(cb, tl_sa(&server), tl_sa_len(&server)) == 0, "harness: connect: %s",
                      sl_errno_name(errno));
        b->client = cb;
        b->server = tl_accept(*listener, ACCEPT_TIMEOUT_MS);
        a->server_end = tl_local_address(a->server, "the accepted socket");
        b->server_end = tl_local_address(b->server, "the accepted socket");
        a->client_end = tl_local_address(a->client, "the client");
        b->client_end = tl_local_address(b->client, "the client");
        return;
    }
    ck_abort_msg("harness: found no free port for two twin connections");
}

/* Write a few bytes the other side will have to read before its end-of-file. */
static void send_last_words(int fd, const char *words)
{
    size_t len = strlen(words);

    ck_assert_msg(write(fd, words, len) == (ssize_t)len, "harness: write: %s", sl_errno_name(errno));
}

/*
 * The harness's own orderly close, for the steps that do not grade step 1:
 * close `first`, read the other side up to its end-of-file, close it.
 */
static void close_in_order(struct conn *c, enum lab04_side first)
{
    int first_fd = first == LAB04_SERVER ? c->server : c->client;
    int second_fd = first == LAB04_SERVER ? c->client : c->server;
    char discard[256];
    ssize_t n;

    close(first_fd);
    do {
        ck_assert_msg(sl_wait_readable(second_fd, ACCEPT_TIMEOUT_MS) == 1, "harness: no end-of-file after close()");
        n = read(second_fd, discard, sizeof discard);
    } while (n > 0 || (n == -1 && errno == EINTR));
    ck_assert_msg(n == 0, "harness: read: %s", sl_errno_name(errno));
    close(second_fd);
    c->server = c->client = -1;
}

/* The kernel's TIME_WAIT socket with this local and remote end, if any (now). */
static bool kernel_time_wait(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                             struct sl_diag_socket *out)
{
    return tl_connection_entry(local, remote, SL_DIAG_STATE(TCP_TIME_WAIT), out) == 1;
}

/* Poll the table (with a bound) until that TIME_WAIT socket appears. */
static bool await_time_wait(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                            struct sl_diag_socket *out)
{
    return tl_await_connection(local, remote, SL_DIAG_STATE(TCP_TIME_WAIT), APPEAR_TIMEOUT_MS, out);
}

/* Require the TIME_WAIT socket of one end; returns the kernel's entry. */
static struct sl_diag_socket require_time_wait(const struct conn *c, enum lab04_side holder)
{
    const struct sockaddr_storage *local = holder == LAB04_SERVER ? &c->server_end : &c->client_end;
    const struct sockaddr_storage *remote = holder == LAB04_SERVER ? &c->client_end : &c->server_end;
    struct sl_diag_socket k;

    ck_assert_msg(await_time_wait(local, remote, &k), "harness: the kernel lists no TIME_WAIT socket %s -> %s",
                  tl_str(local, 0), tl_str(remote, 1));
    return k;
}

/*
 * How many sockets the kernel lists on this family and local port, in any
 * state, bound-but-idle ones included.
 */
static int sockets_on_port(int family, uint16_t port)
{
    struct sl_diag_filter filter = {
        .family = family,
        .states = SL_DIAG_ALL_STATES | SL_DIAG_STATE(SL_TCP_BOUND_INACTIVE),
        .local_port = port,
    };
    int n = sl_diag_list(&filter, NULL, 0); /* no room: only counts them */

    ck_assert_msg(n != -1, "harness: cannot read the kernel's socket table: %s", sl_errno_name(errno));
    return n;
}

/*
 * A server's whole life on `listener` (bound to listen_addr): one client
 * connects, the connection ends with `first` closing first, and the server
 * exits (the listener is closed). Returns the connection's two ends once
 * the kernel lists the TIME_WAIT socket of the side that closed first and
 * no longer lists the other side.
 */
static struct conn serve_and_exit(int listener, const struct sockaddr_storage *listen_addr, enum lab04_side first)
{
    struct conn c = open_connection(listener, listen_addr);

    close(listener);
    close_in_order(&c, first);
    require_time_wait(&c, first);
    /* The end that closed second goes from LAST_ACK to CLOSED when the
     * final ACK arrives, which on a machine with several CPUs may be a
     * moment after the other end is already listed in TIME_WAIT. */
    if (first == LAB04_SERVER)
        tl_await_connection_gone(&c.client_end, &c.server_end, APPEAR_TIMEOUT_MS, "the end that closed second");
    else
        tl_await_connection_gone(&c.server_end, &c.client_end, APPEAR_TIMEOUT_MS, "the end that closed second");
    return c;
}

/* Expect fd to be a LISTEN socket on addr's host (any port if addr has 0). */
static struct sl_diag_socket require_listening(int fd, const struct sockaddr_storage *addr, const char *what)
{
    struct sl_diag_socket k = tl_kernel_view(fd, what);
    uint16_t want_port = sl_addr_port(tl_sa(addr));

    ck_assert_msg(k.linux_state == TCP_LISTEN, "%s: the kernel lists it in state %s, not LISTEN", what,
                  sl_state_linux_name(k.state));
    ck_assert_msg(sl_addr_same_host(tl_sa(&k.local), tl_sa(addr)),
                  "%s: the kernel lists it on %s, expected the address %s", what, tl_str(&k.local, 0),
                  tl_str(addr, 1));
    ck_assert_msg(want_port == 0 || sl_addr_port(tl_sa(&k.local)) == want_port,
                  "%s: the kernel lists it on %s, expected port %u", what, tl_str(&k.local, 0), want_port);
    return k;
}

/* How many LISTEN sockets the kernel lists on this family and port. */
static int listeners_on_port(int family, uint16_t port)
{
    struct sl_diag_filter filter = { .family = family, .states = SL_DIAG_STATE(TCP_LISTEN), .local_port = port };
    struct sl_diag_socket found[4];
    int n = sl_diag_list(&filter, found, 4);

    ck_assert_msg(n != -1, "harness: cannot read the kernel's socket table: %s", sl_errno_name(errno));
    return n;
}

/* Explain an SO_REUSEADDR that the kernel reads back wrong. */
static void require_reuseaddr(int fd, int want, const char *what)
{
    int reuseaddr = socket_option(fd, SO_REUSEADDR, "SO_REUSEADDR") != 0;
    int reuseport = socket_option(fd, SO_REUSEPORT, "SO_REUSEPORT") != 0;

    ck_assert_msg(!(want && !reuseaddr && reuseport),
                  "%s has SO_REUSEPORT, not SO_REUSEADDR: they are different options", what);
    ck_assert_msg(reuseaddr == want, "%s: the kernel reads SO_REUSEADDR back as %s, expected %s%s", what,
                  reuseaddr ? "on" : "off", want ? "on" : "off",
                  want ? " (was it set with the value 1, on this socket, before bind()?)" : "");
}

/*
 * The restart of a server: the old one (SO_REUSEADDR or not) closed its
 * connection first and exited, and a TIME_WAIT socket holds its port. Then
 * lab04_server_socket(that address, new_reuseaddr). Returns what that
 * returned (the new fd or -1), with its errno in *err and *leaked the
 * number of descriptors it left open on failure.
 */
static int restart_after_server_closed(const char *ip, int old_reuseaddr, int new_reuseaddr, int *err, int *leaked)
{
    struct sockaddr_storage addr = any_port_on(ip);
    char call[128];

    int old = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), old_reuseaddr);
    snprintf(call, sizeof call, "lab04_server_socket(%s, reuseaddr = %d)", tl_str(&addr, 0), old_reuseaddr);
    tl_require_success(old, errno, call);
    addr = tl_local_address(old, "the old server");
    serve_and_exit(old, &addr, LAB04_SERVER);

    int before = tl_open_fd_count();
    int fd = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), new_reuseaddr);
    *err = errno;
    *leaked = fd == -1 ? tl_open_fd_count() - before : 0;
    return fd;
}

/* A restart that the kernel must refuse with EADDRINUSE, leaving nothing open. */
static void require_restart_refused(const char *ip, int old_reuseaddr, int new_reuseaddr, const char *why)
{
    int err, leaked;
    int fd = restart_after_server_closed(ip, old_reuseaddr, new_reuseaddr, &err, &leaked);
    char call[160];

    snprintf(call, sizeof call, "restarting on %s with reuseaddr = %d after a server with reuseaddr = %d (%s)", ip,
             new_reuseaddr, old_reuseaddr, why);
    if (fd >= 0)
        close(fd);
    tl_require_failure(fd, err, EADDRINUSE, call);
    ck_assert_msg(leaked == 0, "%s: the failed call left %d descriptor(s) open", call, leaked);
}

/* ------------------------------------------------------------------ */
/* Step 1: Whoever closes first                                         */
/* ------------------------------------------------------------------ */

/* Close with lab04_close_in_order and check both descriptors are gone. */
static void student_close(struct conn *c, enum lab04_side first)
{
    const char *call = first == LAB04_SERVER ? "lab04_close_in_order(server, client, LAB04_SERVER)"
                                             : "lab04_close_in_order(server, client, LAB04_CLIENT)";
    int result = lab04_close_in_order(c->server, c->client, first);
    int err = errno;
    /* Before anything else opens a descriptor that could reuse a number. */
    bool server_open = tl_fd_is_open(c->server);
    bool client_open = tl_fd_is_open(c->client);

    ck_assert_msg(!(result == -1 && err == ECONNRESET),
                  "%s returned -1 with errno ECONNRESET: the connection was reset, as happens when a socket is "
                  "closed with data it never read. Did the %s close first, and the other side read up to its "
                  "end-of-file before closing?",
                  call, first == LAB04_SERVER ? "server" : "client");
    tl_require_success(result, err, call);
    ck_assert_msg(result == 0, "%s returned %d; the contract says 0", call, result);
    ck_assert_msg(!server_open && !client_open, "%s returned 0 but left the %s descriptor open", call,
                  server_open ? "server's" : "client's");
}

/* After a close with `first` closing first: TIME_WAIT there and only there. */
static void require_only_holder(const struct conn *c, enum lab04_side first)
{
    const char *closer = first == LAB04_SERVER ? "server" : "client";
    const char *other = first == LAB04_SERVER ? "client" : "server";
    const struct sockaddr_storage *closer_end = first == LAB04_SERVER ? &c->server_end : &c->client_end;
    const struct sockaddr_storage *other_end = first == LAB04_SERVER ? &c->client_end : &c->server_end;

    bool closer_holds = await_time_wait(closer_end, other_end, NULL);
    bool other_holds = kernel_time_wait(other_end, closer_end, NULL);

    ck_assert_msg(closer_holds || !other_holds,
                  "the %s's end (%s) is in TIME_WAIT, not the %s's: the %s closed first, but it should have "
                  "been the %s",
                  other, tl_str(other_end, 0), closer, other, closer);
    ck_assert_msg(closer_holds,
                  "the kernel lists no TIME_WAIT socket at all for %s <-> %s: was a socket closed with unread data "
                  "(close() then sends a reset, RST, instead of a FIN)? Read the second side up to end-of-file first",
                  tl_str(closer_end, 0), tl_str(other_end, 1));
    ck_assert_msg(!other_holds, "the %s's end (%s) is in TIME_WAIT as well: it should have waited for the %s's FIN",
                  other, tl_str(other_end, 0), closer);
}

static void test_server_closes_first(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn c = open_connection(listener, &addr);

    /* The server answers and hangs up, as an HTTP/1.0 server does: the
     * client has an answer to read before its end-of-file. */
    send_last_words(c.server, "HTTP/1.0 200 OK\r\n\r\nbye\n");
    student_close(&c, LAB04_SERVER);
    require_only_holder(&c, LAB04_SERVER);
    close(listener);
}

static void test_client_closes_first(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn c = open_connection(listener, &addr);

    /* The client sends its last request and hangs up. */
    send_last_words(c.client, "QUIT\r\n");
    student_close(&c, LAB04_CLIENT);
    require_only_holder(&c, LAB04_CLIENT);
    close(listener);
}

static void test_close_bad_side(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn good = open_connection(listener, &addr);
    struct conn c = open_connection(listener, &addr);

    student_close(&good, LAB04_SERVER);

    int result = lab04_close_in_order(c.server, c.client, LAB04_NOBODY);
    int err = errno;
    bool server_open = tl_fd_is_open(c.server), client_open = tl_fd_is_open(c.client);
    tl_require_failure(result, err, EINVAL, "lab04_close_in_order(server, client, LAB04_NOBODY)");
    ck_assert_msg(server_open && client_open, "lab04_close_in_order with an invalid side closed the %s descriptor",
                  server_open ? "client's" : "server's");
    struct sl_diag_socket k = tl_kernel_view(c.server, "the server's socket after an invalid call");
    ck_assert_msg(k.linux_state == TCP_ESTABLISHED,
                  "after lab04_close_in_order with an invalid side the server's socket is %s, not ESTABLISHED",
                  sl_state_linux_name(k.state));

    close(c.client);
    close(c.server);
    close(listener);
}

/*
 * A peer that goes silent: the client's socket stays open through a copy
 * of its descriptor, so the student's close() sends no FIN, and nothing
 * more comes. The wait must end after LAB04_EOF_TIMEOUT_MS with
 * -1/ETIMEDOUT, both descriptors closed; a read() that blocks waits for
 * ever.
 */
static void test_close_silent_peer(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn c = open_connection(listener, &addr);
    int keep_open = dup(c.client);

    ck_assert_msg(keep_open != -1, "harness: dup: %s", sl_errno_name(errno));
    long long start = sl_now_ms();
    int result = lab04_close_in_order(c.server, c.client, LAB04_CLIENT);
    int err = errno;
    long long took = sl_now_ms() - start;
    bool server_open = tl_fd_is_open(c.server), client_open = tl_fd_is_open(c.client);
    close(keep_open);
    tl_require_failure(result, err, ETIMEDOUT, "lab04_close_in_order when the peer never sends its FIN");
    ck_assert_msg(took >= LAB04_EOF_TIMEOUT_MS - 50,
                  "lab04_close_in_order gave up after %lld ms; the contract waits LAB04_EOF_TIMEOUT_MS (%d ms)", took,
                  LAB04_EOF_TIMEOUT_MS);
    ck_assert_msg(!server_open && !client_open, "lab04_close_in_order timed out but left the %s descriptor open",
                  server_open ? "server's" : "client's");
    close(listener);
}

/*
 * A peer that trickles and never ends: the client's socket stays open
 * through a copy of its descriptor (so the student's close() of client_fd
 * sends no FIN), and a helper writes one byte to the server every 50 ms
 * for 5 s. The wait for end-of-file must end after LAB04_EOF_TIMEOUT_MS in
 * all, with -1/ETIMEDOUT and both descriptors closed: a time limit per
 * read() would last as long as the trickle.
 */
static void test_close_deadline(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn c = open_connection(listener, &addr);
    int keep_open = dup(c.client);

    ck_assert_msg(keep_open != -1, "harness: dup: %s", sl_errno_name(errno));
    pid_t trickle = fork();
    ck_assert_msg(trickle != -1, "harness: fork: %s", sl_errno_name(errno));
    if (trickle == 0) {
        for (int i = 0; i < 100; i++) {
            if (write(keep_open, "x", 1) != 1)
                _exit(0);
            usleep(50000);
        }
        _exit(0);
    }
    /* And one read() is slow: the 3rd is made 1200 ms late, past the
     * deadline, so after it returns the time is already up. */
    fault_delay(FC_READ, 2, LAB04_EOF_TIMEOUT_MS + 200);
    long long start = sl_now_ms();
    int result = lab04_close_in_order(c.server, c.client, LAB04_CLIENT);
    int err = errno;
    long long took = sl_now_ms() - start;
    bool server_open = tl_fd_is_open(c.server), client_open = tl_fd_is_open(c.client);
    fault_clear();
    kill(trickle, SIGKILL);
    waitpid(trickle, NULL, 0);
    close(keep_open);

    tl_require_failure(result, err, ETIMEDOUT,
                       "lab04_close_in_order while the peer trickles a byte every 50 ms and never ends");
    ck_assert_msg(took >= LAB04_EOF_TIMEOUT_MS - 50,
                  "lab04_close_in_order gave up after %lld ms; the contract waits LAB04_EOF_TIMEOUT_MS (%d ms)", took,
                  LAB04_EOF_TIMEOUT_MS);
    ck_assert_msg(took < 3 * LAB04_EOF_TIMEOUT_MS,
                  "lab04_close_in_order took %lld ms against a peer that trickles: the limit of %d ms is for the "
                  "whole wait, not for each read() (work out one deadline and wait for what is left of it)",
                  took, LAB04_EOF_TIMEOUT_MS);
    ck_assert_msg(!server_open && !client_open, "lab04_close_in_order timed out but left the %s descriptor open",
                  server_open ? "server's" : "client's");
    close(listener);
}

/*
 * The first side resets instead of closing (SO_LINGER with a time of 0):
 * the other side's read() fails with ECONNRESET, and the function must
 * say so and still close both. A read() interrupted by a signal (EINTR)
 * is not a failure: the wait goes on.
 */
static void test_close_reset_and_eintr(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn c = open_connection(listener, &addr);

    send_last_words(c.server, "unread by the client");
    ck_assert_msg(setsockopt(c.client, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger)) == 0,
                  "harness: SO_LINGER: %s", sl_errno_name(errno));
    int result = lab04_close_in_order(c.server, c.client, LAB04_CLIENT);
    int err = errno;
    bool server_open = tl_fd_is_open(c.server), client_open = tl_fd_is_open(c.client);
    tl_require_failure(result, err, ECONNRESET,
                       "lab04_close_in_order when the client resets (SO_LINGER 0) instead of closing");
    ck_assert_msg(!server_open && !client_open, "lab04_close_in_order failed but left the %s descriptor open",
                  server_open ? "server's" : "client's");

    c = open_connection(listener, &addr);
    send_last_words(c.client, "QUIT\r\n");
    fault_fail(FC_READ, 0, EINTR);
    student_close(&c, LAB04_CLIENT);
    ck_assert_msg(fault_calls(FC_READ) >= 2,
                  "your code's first read() was interrupted (EINTR) and it did not read again: EINTR means "
                  "\"try again\", not an error");
    fault_clear();
    require_only_holder(&c, LAB04_CLIENT);

    /* The wait itself fails (poll(), made to fail with ENOMEM): -1 with
     * that errno, both closed. */
    c = open_connection(listener, &addr);
    fault_fail_always(FC_POLL, ENOMEM);
    result = lab04_close_in_order(c.server, c.client, LAB04_CLIENT);
    err = errno;
    server_open = tl_fd_is_open(c.server);
    client_open = tl_fd_is_open(c.client);
    fault_clear();
    /* The contract waits with poll() (sl_wait_readable()): a call count,
     * which the student's process could write, never decides a check. */
    {
        tl_require_failure(result, err, ENOMEM, "lab04_close_in_order when its wait (poll()) fails with ENOMEM");
        ck_assert_msg(!server_open && !client_open, "lab04_close_in_order failed but left the %s descriptor open",
                      server_open ? "server's" : "client's");
    }
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 2: Find TIME_WAIT in the kernel's table                         */
/* ------------------------------------------------------------------ */

static void test_find_time_wait(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket found;
    int listener = tl_listener(AF_INET, &addr);
    struct conn closed = open_connection(listener, &addr);
    struct conn live = open_connection(listener, &addr);

    close_in_order(&closed, LAB04_SERVER);
    struct sl_diag_socket kernel = require_time_wait(&closed, LAB04_SERVER);

    memset(&found, 0, sizeof found);
    int result = lab04_find_time_wait(tl_sa(&closed.server_end), tl_sa(&closed.client_end), &found);
    tl_require_success(result, errno, "lab04_find_time_wait(server's end, client's end)");
    ck_assert_msg(result == 1, "lab04_find_time_wait returned %d, but the kernel lists %s -> %s in TIME_WAIT", result,
                  tl_str(&kernel.local, 0), tl_str(&kernel.remote, 1));
    ck_assert_msg(found.linux_state == TCP_TIME_WAIT, "the entry you found is in state %s, not TIME_WAIT",
                  sl_state_linux_name(found.state));
    ck_assert_msg(sl_addr_equal(tl_sa(&found.local), tl_sa(&closed.server_end)) &&
                      sl_addr_equal(tl_sa(&found.remote), tl_sa(&closed.client_end)),
                  "the entry you found is %s -> %s, expected %s -> %s", tl_str(&found.local, 0),
                  tl_str(&found.remote, 1), tl_str(&closed.server_end, 2), tl_str(&closed.client_end, 3));
    ck_assert_msg(found.timer == 3, "the entry you found has timer %d, not 3 (the TIME_WAIT timer)", found.timer);

    /* The client closed second: its end went to CLOSED, not TIME_WAIT. */
    result = lab04_find_time_wait(tl_sa(&closed.client_end), tl_sa(&closed.server_end), &found);
    tl_require_success(result, errno, "lab04_find_time_wait(client's end, server's end)");
    ck_assert_msg(result == 0, "lab04_find_time_wait(client's end, server's end) returned %d, but the client closed "
                  "second and the kernel lists no TIME_WAIT socket on its end", result);

    /* A live connection has ESTABLISHED sockets on the same kind of ends. */
    result = lab04_find_time_wait(tl_sa(&live.server_end), tl_sa(&live.client_end), &found);
    tl_require_success(result, errno, "lab04_find_time_wait on a live connection");
    ck_assert_msg(result == 0,
                  "lab04_find_time_wait returned %d for a live connection (the kernel lists it ESTABLISHED): "
                  "does your filter ask for TIME_WAIT only? (states = 0 means every state)",
                  result);

    close(live.client);
    close(live.server);
    close(listener);

    /* Twins: the same two ports, the same server end, two client addresses. Only b is in TIME_WAIT. */
    struct conn a, b;
    int twin_listener;
    open_twins(&a, &b, &twin_listener);
    close_in_order(&b, LAB04_SERVER);
    require_time_wait(&b, LAB04_SERVER);
    result = lab04_find_time_wait(tl_sa(&a.server_end), tl_sa(&a.client_end), &found);
    tl_require_success(result, errno, "lab04_find_time_wait on a live connection with a TIME_WAIT twin");
    ck_assert_msg(result == 0,
                  "lab04_find_time_wait(%s, %s) returned %d, but that connection is live; the kernel's TIME_WAIT "
                  "socket is %s -> %s, on the same ports but other addresses: compare the addresses too",
                  tl_str(&a.server_end, 0), tl_str(&a.client_end, 1), result, tl_str(&b.server_end, 2),
                  tl_str(&b.client_end, 3));
    close_in_order(&a, LAB04_SERVER);
    require_time_wait(&a, LAB04_SERVER);
    memset(&found, 0, sizeof found);
    result = lab04_find_time_wait(tl_sa(&a.server_end), tl_sa(&a.client_end), &found);
    tl_require_success(result, errno, "lab04_find_time_wait with two TIME_WAIT twins");
    ck_assert_msg(result == 1 && sl_addr_equal(tl_sa(&found.local), tl_sa(&a.server_end)) &&
                      sl_addr_equal(tl_sa(&found.remote), tl_sa(&a.client_end)),
                  "lab04_find_time_wait(%s, %s) returned %d with the entry %s -> %s: with two TIME_WAIT sockets on "
                  "the same ports, the one asked for is the one whose addresses match",
                  tl_str(&a.server_end, 0), tl_str(&a.client_end, 1), result, tl_str(&found.local, 2),
                  tl_str(&found.remote, 3));
    memset(&found, 0, sizeof found);
    result = lab04_find_time_wait(tl_sa(&b.server_end), tl_sa(&b.client_end), &found);
    tl_require_success(result, errno, "lab04_find_time_wait with two TIME_WAIT twins");
    ck_assert_msg(result == 1 && sl_addr_equal(tl_sa(&found.local), tl_sa(&b.server_end)) &&
                      sl_addr_equal(tl_sa(&found.remote), tl_sa(&b.client_end)),
                  "lab04_find_time_wait(%s, %s) returned %d with the entry %s -> %s: with two TIME_WAIT sockets on "
                  "the same ports, the one asked for is the one whose addresses match",
                  tl_str(&b.server_end, 0), tl_str(&b.client_end, 1), result, tl_str(&found.local, 2),
                  tl_str(&found.remote, 3));
    close(twin_listener);

    /*
     * Ten TIME_WAIT sockets on one pair of ports: 127.0.0.1:P with ten
     * client addresses, 127.0.0.3 to 127.0.0.12, all on port Q. More than
     * a small array holds: each must still be found (sl_diag_list says how
     * many matched; ask again with room for all when they do not fit).
     */
    enum { CROWD = 10 };
    struct conn crowd[CROWD];
    struct sockaddr_storage crowd_server = any_port_on("127.0.0.1");
    int crowd_listener = kit_listen_on(&crowd_server, CROWD + 4);
    ck_assert_msg(crowd_listener != -1, "harness: listen: %s", sl_errno_name(errno));
    uint16_t q = 0;
    for (int attempt = 0; attempt < 20 && q == 0; attempt++) {
        int made = 0;
        struct sockaddr_storage end;
        for (; made < CROWD; made++) {
            char ip[32];
            snprintf(ip, sizeof ip, "127.0.0.%d", 3 + made);
            crowd[made].client = client_bound_to(ip, made == 0 ? 0 : q, &end);
            if (crowd[made].client == -1)
                break;
            if (made == 0)
                q = sl_addr_port(tl_sa(&end));
        }
        if (made < CROWD) {
            for (int i = 0; i < made; i++)
                close(crowd[i].client);
            q = 0;
        }
    }
    ck_assert_msg(q != 0, "harness: found no port free on ten addresses");
    for (int i = 0; i < CROWD; i++) {
        ck_assert_msg(connect(crowd[i].client, tl_sa(&crowd_server), tl_sa_len(&crowd_server)) == 0,
                      "harness: connect: %s", sl_errno_name(errno));
        crowd[i].server = tl_accept(crowd_listener, ACCEPT_TIMEOUT_MS);
        crowd[i].server_end = tl_local_address(crowd[i].server, "the accepted socket");
        crowd[i].client_end = tl_local_address(crowd[i].client, "the client");
        close_in_order(&crowd[i], LAB04_SERVER);
        require_time_wait(&crowd[i], LAB04_SERVER);
    }
    for (int i = 0; i < CROWD; i++) {
        memset(&found, 0, sizeof found);
        result = lab04_find_time_wait(tl_sa(&crowd[i].server_end), tl_sa(&crowd[i].client_end), &found);
        tl_require_success(result, errno, "lab04_find_time_wait among ten TIME_WAIT sockets on the same ports");
        ck_assert_msg(result == 1 && sl_addr_equal(tl_sa(&found.remote), tl_sa(&crowd[i].client_end)),
                      "lab04_find_time_wait(%s, %s) returned %d with the entry %s -> %s: the kernel lists ten "
                      "TIME_WAIT sockets on these two ports, more than your array holds? sl_diag_list() returns "
                      "how many matched: when that is more than it stored, ask again with room for all",
                      tl_str(&crowd[i].server_end, 0), tl_str(&crowd[i].client_end, 1), result,
                      tl_str(&found.local, 2), tl_str(&found.remote, 3));
    }
    close(crowd_listener);
}

/* lab04_who_holds_time_wait must say `want` for this connection. */
static void require_holder(const struct conn *c, int want, const char *situation)
{
    static const char *const names[] = {
        "LAB04_NOBODY", "LAB04_SERVER", "LAB04_CLIENT", "LAB04_SERVER | LAB04_CLIENT",
    };
    int who = lab04_who_holds_time_wait(tl_sa(&c->server_end), tl_sa(&c->client_end));
    int err = errno;

    tl_require_success(who, err, "lab04_who_holds_time_wait");
    ck_assert_msg(who == want, "%s: lab04_who_holds_time_wait returned %s, the kernel's table says %s", situation,
                  who >= 0 && who <= 3 ? names[who] : "a value that is not a side", names[want]);
}

static void test_who_holds(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn server_first = open_connection(listener, &addr);
    struct conn client_first = open_connection(listener, &addr);
    struct conn live = open_connection(listener, &addr);

    close_in_order(&server_first, LAB04_SERVER);
    require_time_wait(&server_first, LAB04_SERVER);
    require_holder(&server_first, LAB04_SERVER, "the server closed first");

    close_in_order(&client_first, LAB04_CLIENT);
    require_time_wait(&client_first, LAB04_CLIENT);
    require_holder(&client_first, LAB04_CLIENT, "the client closed first");

    require_holder(&live, LAB04_NOBODY, "a live connection (both ends ESTABLISHED)");

    close(live.client);
    close(live.server);
    close(listener);

    /* Twins on the same ports and server end: b's server closed first, a is live, so nobody holds a's. */
    struct conn a, b;
    int twin_listener;
    open_twins(&a, &b, &twin_listener);
    close_in_order(&b, LAB04_SERVER);
    require_time_wait(&b, LAB04_SERVER);
    require_holder(&a, LAB04_NOBODY,
                   "a live connection whose twin (the same ports and server end, another client address) is in "
                   "TIME_WAIT on the server's side");
    close(a.client);
    close(a.server);
    close(twin_listener);
}

static void test_who_holds_ipv6(void)
{
    struct sockaddr_storage addr;

    tl_require_ipv6();
    int listener = tl_listener(AF_INET6, &addr);
    struct conn c = open_connection(listener, &addr);

    close_in_order(&c, LAB04_SERVER);
    require_time_wait(&c, LAB04_SERVER);
    require_holder(&c, LAB04_SERVER, "over IPv6 (::1), the server closed first");
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 3: The 60-second timer                                          */
/* ------------------------------------------------------------------ */

/*
 * Read the timer of one end's TIME_WAIT socket between two readings of the
 * harness's own: the kernel's count only goes down, so the student's value
 * must lie between them.
 */
static void require_timer_between_readings(const struct conn *c, enum lab04_side holder)
{
    const struct sockaddr_storage *local = holder == LAB04_SERVER ? &c->server_end : &c->client_end;
    const struct sockaddr_storage *remote = holder == LAB04_SERVER ? &c->client_end : &c->server_end;
    struct sl_diag_socket before = require_time_wait(c, holder);

    int ms = lab04_time_wait_remaining_ms(tl_sa(local), tl_sa(remote));
    int err = errno;
    struct sl_diag_socket after;
    bool still = kernel_time_wait(local, remote, &after);

    tl_require_success(ms, err, "lab04_time_wait_remaining_ms");
    ck_assert_msg(still, "harness: the TIME_WAIT socket %s disappeared", tl_str(local, 0));
    ck_assert_msg(ms <= (int)before.expires_ms && ms >= (int)after.expires_ms,
                  "lab04_time_wait_remaining_ms(%s, %s) returned %d; the kernel's timer read %u ms just before the "
                  "call and %u ms just after%s",
                  tl_str(local, 0), tl_str(remote, 1), ms, before.expires_ms, after.expires_ms,
                  ms > 0 && ms <= 60 ? ": that is seconds, and the contract asks for milliseconds" : "");
    ck_assert_msg(ms <= LAB04_TIME_WAIT_MS, "the timer says %d ms; TIME_WAIT never lasts more than %d ms", ms,
                  LAB04_TIME_WAIT_MS);
}

static void test_timer_counts_down(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn server_first = open_connection(listener, &addr);
    struct conn client_first = open_connection(listener, &addr);

    close_in_order(&server_first, LAB04_SERVER);
    require_timer_between_readings(&server_first, LAB04_SERVER);

    close_in_order(&client_first, LAB04_CLIENT);
    require_timer_between_readings(&client_first, LAB04_CLIENT);
    close(listener);

    /*
     * Twins on the same ports (other addresses), both in TIME_WAIT, b's
     * timer at least 100 ms behind a's by the kernel's own readings: the
     * timer of the wrong twin falls outside a's readings.
     */
    struct conn a, b;
    int twin_listener;
    struct sl_diag_socket now;
    open_twins(&a, &b, &twin_listener);
    close_in_order(&b, LAB04_SERVER);
    uint32_t b_start = require_time_wait(&b, LAB04_SERVER).expires_ms;
    long long deadline = sl_now_ms() + 2000;
    while (kernel_time_wait(&b.server_end, &b.client_end, &now) && now.expires_ms + 100 > b_start &&
           sl_now_ms() < deadline)
        usleep(5000);
    ck_assert_msg(now.expires_ms + 100 <= b_start, "harness: the kernel's TIME_WAIT timer did not run");
    close_in_order(&a, LAB04_SERVER);
    require_timer_between_readings(&a, LAB04_SERVER);
    require_timer_between_readings(&b, LAB04_SERVER);
    close(twin_listener);
}

static void test_timer_enoent(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    struct conn closed = open_connection(listener, &addr);
    struct conn live = open_connection(listener, &addr);

    close_in_order(&closed, LAB04_SERVER);
    require_timer_between_readings(&closed, LAB04_SERVER);

    /* The end that closed second has no TIME_WAIT socket. */
    int ms = lab04_time_wait_remaining_ms(tl_sa(&closed.client_end), tl_sa(&closed.server_end));
    tl_require_failure(ms, errno, ENOENT, "lab04_time_wait_remaining_ms on the end that closed second");

    /* Nor has a live connection, although the kernel lists its ends. */
    ms = lab04_time_wait_remaining_ms(tl_sa(&live.server_end), tl_sa(&live.client_end));
    tl_require_failure(ms, errno, ENOENT, "lab04_time_wait_remaining_ms on a live (ESTABLISHED) connection");

    close(live.client);
    close(live.server);
    close(listener);

    /* Nor has a live connection whose twin (same ports, other addresses) is in TIME_WAIT. */
    struct conn a, b;
    int twin_listener;
    open_twins(&a, &b, &twin_listener);
    close_in_order(&b, LAB04_SERVER);
    require_time_wait(&b, LAB04_SERVER);
    ms = lab04_time_wait_remaining_ms(tl_sa(&a.server_end), tl_sa(&a.client_end));
    tl_require_failure(ms, errno, ENOENT,
                       "lab04_time_wait_remaining_ms on a live connection whose twin on the same ports (other "
                       "addresses) is in TIME_WAIT");
    close(a.client);
    close(a.server);
    close(twin_listener);
}

/*
 * When the kernel's table cannot be read (sl_diag_list fails: the test
 * makes it fail with ENOBUFS), steps 2 and 3 return -1 with that errno,
 * never an answer. The contract reads the table with sl_diag_list(), and
 * lab04_who_holds_time_wait() looks each end up with
 * lab04_find_time_wait(): two reads, either of which may fail.
 */
static void test_table_errors(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket found;
    int listener = tl_listener(AF_INET, &addr);
    struct conn c = open_connection(listener, &addr);

    close_in_order(&c, LAB04_SERVER);
    require_time_wait(&c, LAB04_SERVER);

    fault_fail_always(FC_DIAG_LIST, ENOBUFS);
    int result = lab04_find_time_wait(tl_sa(&c.server_end), tl_sa(&c.client_end), &found);
    int err = errno;
    tl_require_failure(result, err, ENOBUFS, "lab04_find_time_wait when reading the kernel's table fails");
    fault_clear();

    fault_fail_always(FC_DIAG_LIST, ENOBUFS);
    result = lab04_who_holds_time_wait(tl_sa(&c.server_end), tl_sa(&c.client_end));
    err = errno;
    tl_require_failure(result, err, ENOBUFS, "lab04_who_holds_time_wait when reading the kernel's table fails");
    fault_clear();

    /* The first read fails, the second would work. */
    fault_fail(FC_DIAG_LIST, 0, ENOBUFS);
    result = lab04_who_holds_time_wait(tl_sa(&c.server_end), tl_sa(&c.client_end));
    err = errno;
    tl_require_failure(result, err, ENOBUFS,
                           "lab04_who_holds_time_wait when its first read of the kernel's table fails");
    fault_clear();

    /* The first read works, the second fails. */
    fault_fail(FC_DIAG_LIST, 1, ENOBUFS);
    result = lab04_who_holds_time_wait(tl_sa(&c.server_end), tl_sa(&c.client_end));
    err = errno;
    tl_require_failure(result, err, ENOBUFS,
                           "lab04_who_holds_time_wait when its second read of the kernel's table fails");
    fault_clear();

    fault_fail_always(FC_DIAG_LIST, ENOBUFS);
    result = lab04_time_wait_remaining_ms(tl_sa(&c.server_end), tl_sa(&c.client_end));
    err = errno;
    tl_require_failure(result, err, ENOBUFS,
                           "lab04_time_wait_remaining_ms when reading the kernel's table fails");
    fault_clear();
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 4: A server that can restart                                    */
/* ------------------------------------------------------------------ */

static void test_server_listens(void)
{
    for (int reuseaddr = 0; reuseaddr <= 1; reuseaddr++) {
        struct sockaddr_storage addr = any_port_on("127.0.0.1");
        char call[96];

        snprintf(call, sizeof call, "lab04_server_socket(127.0.0.1:0, reuseaddr = %d)", reuseaddr);
        int fd = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), reuseaddr);
        tl_require_success(fd, errno, call);
        struct sl_diag_socket k = require_listening(fd, &addr, call);
        ck_assert_msg(sl_addr_port(tl_sa(&k.local)) != 0, "%s: the kernel lists it on port 0", call);
        require_reuseaddr(fd, reuseaddr, call);
        close(fd);
    }
}

/*
 * Each call of step 4 that can fail, failing: -1, the call's errno, and the
 * socket closed. socket() fails for real (no descriptor left); setsockopt()
 * and listen() are made to fail by the test.
 */
static void test_server_socket_errors(void)
{
    struct sockaddr_storage addr = any_port_on("127.0.0.1");
    struct rlimit saved, none;

    ck_assert_msg(getrlimit(RLIMIT_NOFILE, &saved) == 0, "harness: getrlimit: %s", sl_errno_name(errno));
    none = saved;
    none.rlim_cur = 0;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &none) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    int fd = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), 1);
    int err = errno;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
    if (fd >= 0)
        close(fd);
    tl_require_failure(fd, err, EMFILE, "lab04_server_socket when no descriptor is left");

    static const struct {
        enum fault_call call;
        int err;
        const char *what;
    } failing[] = {
        { FC_SETSOCKOPT, ENOMEM, "lab04_server_socket(reuseaddr = 1) when setsockopt() fails (ENOMEM)" },
        { FC_LISTEN, EADDRINUSE, "lab04_server_socket when listen() fails (EADDRINUSE)" },
    };
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        int before = tl_open_fd_count();
        fault_fail_always(failing[i].call, failing[i].err);
        fd = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), 1);
        err = errno;
        fault_clear();
        int after = tl_open_fd_count();
        if (fd >= 0)
            close(fd);
        tl_require_failure(fd, err, failing[i].err, failing[i].what);
        ck_assert_msg(after == before, "%s: %d descriptor(s) left open", failing[i].what, after - before);
    }
}

static void test_restart_without_option(void)
{
    require_restart_refused("127.0.0.1", 0, 0, "SO_REUSEADDR on neither socket");
    require_restart_refused("127.0.0.1", 1, 0, "SO_REUSEADDR on the old listener only");
}

static void test_restart_old_without_option(void)
{
    require_restart_refused("127.0.0.1", 0, 1, "SO_REUSEADDR on the new socket only: Linux wants it on the old "
                                               "listener too, whose TIME_WAIT sockets inherit it");
}

/* Both sockets set the option: the restart must work, next to the TIME_WAIT socket. */
static void require_restart_works(const char *ip)
{
    int err, leaked;
    int fd = restart_after_server_closed(ip, 1, 1, &err, &leaked);
    char call[128];

    snprintf(call, sizeof call, "restarting on %s with reuseaddr = 1 after a server with reuseaddr = 1", ip);
    ck_assert_msg(!(fd == -1 && err == EADDRINUSE),
                  "%s failed with EADDRINUSE: SO_REUSEADDR must be on in both servers, set before bind()", call);
    tl_require_success(fd, err, call);
    struct sockaddr_storage addr = tl_local_address(fd, "the restarted server");
    require_listening(fd, &addr, call);

    /* The TIME_WAIT socket is still there: the option let the new server
     * share the port with it, it did not remove it. */
    struct sl_diag_filter filter = {
        .family = addr.ss_family,
        .states = SL_DIAG_STATE(TCP_TIME_WAIT),
        .local_port = sl_addr_port(tl_sa(&addr)),
    };
    ck_assert_msg(sl_diag_list(&filter, NULL, 0) >= 1, "harness: the TIME_WAIT socket on %s is gone", tl_str(&addr, 0));
    close(fd);
}

static void test_restart_with_option_on_both(void)
{
    require_restart_works("127.0.0.1");
    require_restart_works("0.0.0.0");
}

static void test_restart_after_client_close(void)
{
    struct sockaddr_storage addr;
    int fd = -1, err = 0;

    /*
     * Here, unlike after a server's close, nothing holds the server's port
     * between the old server's exit and the restart: another program may
     * take it in that moment. Only then (EADDRINUSE, and the kernel lists a
     * socket on the port) does the test try again on a fresh port.
     */
    for (int attempt = 0; attempt < 3; attempt++) {
        addr = any_port_on("127.0.0.1");
        int old = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), 0);
        tl_require_success(old, errno, "lab04_server_socket(127.0.0.1:0, reuseaddr = 0)");
        addr = tl_local_address(old, "the old server");
        struct conn c = serve_and_exit(old, &addr, LAB04_CLIENT);
        ck_assert_msg(!kernel_time_wait(&c.server_end, &c.client_end, NULL),
                      "harness: the server's end is in TIME_WAIT although the client closed first");

        /* TIME_WAIT is on the client's port; nothing holds the server's. */
        fd = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), 0);
        err = errno;
        if (!(fd == -1 && err == EADDRINUSE && sockets_on_port(AF_INET, sl_addr_port(tl_sa(&addr))) > 0))
            break;
    }
    tl_require_success(fd, err, "restarting with reuseaddr = 0 after the CLIENT closed first (its TIME_WAIT is on the "
                                "client's port, not the server's)");
    require_listening(fd, &addr, "the restarted server");
    close(fd);
}

static void test_second_server_refused(void)
{
    struct sockaddr_storage addr = any_port_on("127.0.0.1");

    int first = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), 1);
    tl_require_success(first, errno, "lab04_server_socket(127.0.0.1:0, reuseaddr = 1)");
    addr = tl_local_address(first, "the first server");

    int before = tl_open_fd_count();
    int second = lab04_server_socket(tl_sa(&addr), tl_sa_len(&addr), 1);
    int err = errno;
    int leaked = second == -1 ? tl_open_fd_count() - before : 0;
    int listeners = listeners_on_port(AF_INET, sl_addr_port(tl_sa(&addr)));
    if (second >= 0)
        close(second);
    ck_assert_msg(listeners <= 1, "the kernel lists %d LISTEN sockets on port %u: SO_REUSEADDR must never allow "
                  "two (SO_REUSEPORT does, and that is lab 05)", listeners, sl_addr_port(tl_sa(&addr)));
    tl_require_failure(second, err, EADDRINUSE,
                       "a second server on the port of a running one (both with SO_REUSEADDR)");
    ck_assert_msg(leaked == 0, "the failed lab04_server_socket left %d descriptor(s) open", leaked);
    close(first);
}

static void test_restart_ipv6(void)
{
    tl_require_ipv6();
    require_restart_works("::1");
    require_restart_refused("::1", 0, 1, "SO_REUSEADDR on the new socket only, over IPv6");
}

/* ------------------------------------------------------------------ */
/* Step 5: Never two listeners                                          */
/* ------------------------------------------------------------------ */

static void test_two_binds_one_listener(void)
{
    struct sockaddr_storage addr = any_port_on("127.0.0.1");
    int fds[2] = { -1, -1 };

    int verdict = lab04_second_listener(tl_sa(&addr), tl_sa_len(&addr), fds);
    int err = errno;
    tl_require_success(verdict, err, "lab04_second_listener(127.0.0.1:0)");

    /* A: listening, on a port the kernel picked, with the option. */
    struct sl_diag_socket a = require_listening(fds[0], &addr, "fds[0], socket A");
    uint16_t port = sl_addr_port(tl_sa(&a.local));
    ck_assert_msg(port != 0, "socket A listens on port 0");
    require_reuseaddr(fds[0], 1, "fds[0], socket A");

    /* B: bound to exactly the same address and port, with the option. */
    struct sockaddr_storage b = tl_local_address(fds[1], "fds[1], socket B");
    ck_assert_msg(sl_addr_equal(tl_sa(&b), tl_sa(&a.local)),
                  "fds[1], socket B, is bound to %s, not to A's address %s: bind B to the address getsockname() "
                  "returned for A",
                  tl_str(&b, 0), tl_str(&a.local, 1));
    require_reuseaddr(fds[1], 1, "fds[1], socket B");

    /* The kernel's verdict: one listener on the port, B refused. */
    int listeners = listeners_on_port(AF_INET, port);
    ck_assert_msg(listeners == 1, "the kernel lists %d LISTEN sockets on port %u, expected exactly 1", listeners, port);
    ck_assert_msg(verdict == EADDRINUSE, "lab04_second_listener returned %d (%s); B's listen() fails with EADDRINUSE",
                  verdict, verdict ? sl_errno_name(verdict) : "it listened");
    int again = listen(fds[1], LAB04_BACKLOG);
    ck_assert_msg(again == -1 && errno == EADDRINUSE, "listen() on B, tried again by the grader, did not fail with "
                  "EADDRINUSE: is B really bound to A's port?");

    /* With A gone, the only LISTEN socket on the port is gone: B may listen. */
    close(fds[0]);
    ck_assert_msg(listen(fds[1], LAB04_BACKLOG) == 0, "harness: B could not listen after A was closed: %s",
                  sl_errno_name(errno));
    require_listening(fds[1], &a.local, "socket B once A is closed");
    close(fds[1]);
}

static void test_second_listener_port_taken(void)
{
    struct sockaddr_storage free_addr = any_port_on("127.0.0.1");
    struct sockaddr_storage taken;
    int fds[2] = { -1, -1 };

    int verdict = lab04_second_listener(tl_sa(&free_addr), tl_sa_len(&free_addr), fds);
    tl_require_success(verdict, errno, "lab04_second_listener(127.0.0.1:0)");
    close(fds[0]);
    close(fds[1]);

    /* A running server (without SO_REUSEADDR) holds the port: A's bind()
     * fails, and nothing may be left open. */
    int server = tl_listener(AF_INET, &taken);
    int before = tl_open_fd_count();
    fds[0] = fds[1] = -1;
    verdict = lab04_second_listener(tl_sa(&taken), tl_sa_len(&taken), fds);
    int err = errno;
    int leaked = tl_open_fd_count() - before;
    tl_require_failure(verdict, err, EADDRINUSE, "lab04_second_listener on the port of a running server");
    ck_assert_msg(leaked == 0, "the failed lab04_second_listener left %d descriptor(s) open", leaked);
    close(server);

    /* B's bind() fails, then A's listen() fails: each time -1 with that
     * errno, and A (and B) closed. */
    static const struct {
        enum fault_call call;
        int after;
        int err;
        const char *what;
    } failing[] = {
        { FC_BIND, 1, EADDRINUSE, "lab04_second_listener when B's bind() fails (EADDRINUSE)" },
        { FC_LISTEN, 0, EADDRINUSE, "lab04_second_listener when A's listen() fails (EADDRINUSE)" },
        { FC_SOCKET, 1, EMFILE, "lab04_second_listener when B's socket() fails (EMFILE)" },
        { FC_SETSOCKOPT, 0, ENOMEM, "lab04_second_listener when A's setsockopt() fails (ENOMEM)" },
        { FC_GETSOCKNAME, 0, ENOBUFS, "lab04_second_listener when getsockname() on A fails (ENOBUFS)" },
    };
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        before = tl_open_fd_count();
        fds[0] = fds[1] = -1;
        fault_fail(failing[i].call, failing[i].after, failing[i].err);
        verdict = lab04_second_listener(tl_sa(&free_addr), tl_sa_len(&free_addr), fds);
        err = errno;
        fault_clear();
        leaked = tl_open_fd_count() - before;
        tl_require_failure(verdict, err, failing[i].err, failing[i].what);
        ck_assert_msg(leaked == 0, "%s: %d descriptor(s) left open", failing[i].what, leaked);
    }
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

static const struct grade_step steps[] = {
    { 1, "Whoever closes first",
      "close() the side named by `first`; then read() the other side until read() returns 0 (the FIN), waiting "
      "with sl_wait_readable() and a deadline; then close() it. Read everything: close() with unread data sends "
      "RST and leaves no TIME_WAIT. Close both in every case, except for an invalid side (EINVAL, close nothing)." },
    { 2, "Find TIME_WAIT in the kernel's table",
      "sl_diag_list() with .states = SL_DIAG_STATE(TCP_TIME_WAIT) (0 means every state), .local_port = the "
      "local end's port, .remote_port = the remote end's. The server's TIME_WAIT socket has local = server; the "
      "client's has local = client: ask twice, swapping them." },
    { 3, "The 60-second timer",
      "Find the socket with your step 2 function and return its expires_ms as it is: milliseconds, about 60000 "
      "right after the close. No such TIME_WAIT socket: -1 with errno ENOENT." },
    { 4, "A server that can restart",
      "setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) with int one = 1, BEFORE bind(), only when "
      "reuseaddr is nonzero; then bind() and listen(). SO_REUSEADDR, not SO_REUSEPORT. On a failure close the "
      "socket and keep bind()'s errno (EADDRINUSE)." },
    { 5, "Never two listeners",
      "Both sockets set SO_REUSEADDR before bind(). Bind B to the address getsockname() returns for A (with port 0 "
      "the kernel picked A's port). listen(A) succeeds; return the errno of listen(B). On an earlier failure close "
      "what you opened and return -1." },
};

static const struct grade_test tests[] = {
    { .step = 1, .name = "server_closes_first", .points = 2,
      .run = test_server_closes_first, .timeout_s = TEST_TIMEOUT_S,
      .description = "the server closes first: TIME_WAIT on the server's port, not the client's" },
    { .step = 1, .name = "client_closes_first", .points = 2,
      .run = test_client_closes_first, .timeout_s = TEST_TIMEOUT_S,
      .description = "the client closes first: TIME_WAIT on the client's port, not the server's" },
    { .step = 1, .name = "close_bad_side", .points = 1,
      .run = test_close_bad_side, .timeout_s = TEST_TIMEOUT_S,
      .description = "an invalid side gives -1/EINVAL and closes nothing" },
    { .step = 1, .name = "close_silent_peer", .points = 1,
      .run = test_close_silent_peer, .timeout_s = TEST_TIMEOUT_S,
      .description = "a peer that never sends its FIN: -1/ETIMEDOUT after LAB04_EOF_TIMEOUT_MS, both closed" },
    { .step = 1, .name = "close_deadline", .points = 1,
      .run = test_close_deadline, .timeout_s = TEST_TIMEOUT_S,
      .description = "a peer that trickles and never ends, and one slow read(): -1/ETIMEDOUT after "
                     "LAB04_EOF_TIMEOUT_MS in all, both closed" },
    { .step = 1, .name = "close_reset_and_eintr", .points = 1,
      .run = test_close_reset_and_eintr, .timeout_s = TEST_TIMEOUT_S,
      .description = "a peer that resets: -1/ECONNRESET, both closed; EINTR is retried; a failing wait is "
                     "reported" },
    { .step = 2, .name = "find_time_wait", .points = 2,
      .run = test_find_time_wait, .timeout_s = TEST_TIMEOUT_S,
      .description = "finds the kernel's TIME_WAIT entry; nothing on the end that closed second or on a live "
                     "connection" },
    { .step = 2, .name = "table_errors", .points = 1,
      .run = test_table_errors, .timeout_s = TEST_TIMEOUT_S,
      .description = "when the kernel's table cannot be read, steps 2 and 3 return -1 with that errno" },
    { .step = 2, .name = "who_holds", .points = 3,
      .run = test_who_holds, .timeout_s = TEST_TIMEOUT_S,
      .description = "LAB04_SERVER / LAB04_CLIENT / LAB04_NOBODY, as the kernel's table says" },
    { .step = 2, .name = "who_holds_ipv6", .points = 1,
      .run = test_who_holds_ipv6, .timeout_s = TEST_TIMEOUT_S, .needs = "IPv6 on loopback",
      .description = "the same over IPv6 (::1)" },
    { .step = 3, .name = "timer_counts_down", .points = 2,
      .run = test_timer_counts_down, .timeout_s = TEST_TIMEOUT_S,
      .description = "the ms left lie between the kernel's readings before and after the call, at most 60000" },
    { .step = 3, .name = "timer_enoent", .points = 1,
      .run = test_timer_enoent, .timeout_s = TEST_TIMEOUT_S,
      .description = "-1/ENOENT where the kernel lists no TIME_WAIT socket" },
    { .step = 4, .name = "server_listens", .points = 2,
      .run = test_server_listens, .timeout_s = TEST_TIMEOUT_S,
      .description = "a LISTEN socket on a kernel-picked port; SO_REUSEADDR on exactly when asked" },
    { .step = 4, .name = "server_socket_errors", .points = 1,
      .run = test_server_socket_errors, .timeout_s = TEST_TIMEOUT_S,
      .description = "socket(), setsockopt() or listen() failing: -1 with its errno, the socket closed" },
    { .step = 4, .name = "restart_without_option", .points = 1,
      .run = test_restart_without_option, .timeout_s = TEST_TIMEOUT_S,
      .description = "after the server closed first, a new socket without SO_REUSEADDR: EADDRINUSE" },
    { .step = 4, .name = "restart_old_without_option", .points = 1,
      .run = test_restart_old_without_option, .timeout_s = TEST_TIMEOUT_S,
      .description = "SO_REUSEADDR on the new socket only: EADDRINUSE on Linux" },
    { .step = 4, .name = "restart_with_option_on_both", .points = 3,
      .run = test_restart_with_option_on_both, .timeout_s = TEST_TIMEOUT_S,
      .description = "SO_REUSEADDR on the old and the new socket: the restart listens (127.0.0.1 and 0.0.0.0)" },
    { .step = 4, .name = "restart_after_client_close", .points = 1,
      .run = test_restart_after_client_close, .timeout_s = TEST_TIMEOUT_S,
      .description = "the client closed first: a restart needs no option" },
    { .step = 4, .name = "second_server_refused", .points = 1,
      .run = test_second_server_refused, .timeout_s = TEST_TIMEOUT_S,
      .description = "a second server on a listening port: EADDRINUSE, SO_REUSEADDR or not" },
    { .step = 4, .name = "restart_ipv6", .points = 1,
      .run = test_restart_ipv6, .timeout_s = TEST_TIMEOUT_S, .needs = "IPv6 on loopback",
      .description = "the restart rules over IPv6 (::1)" },
    { .step = 5, .name = "two_binds_one_listener", .points = 2,
      .run = test_two_binds_one_listener, .timeout_s = TEST_TIMEOUT_S,
      .description = "both sockets bind the same port; only the first listen() wins, the second gets EADDRINUSE" },
    { .step = 5, .name = "second_listener_port_taken", .points = 1,
      .run = test_second_listener_port_taken, .timeout_s = TEST_TIMEOUT_S,
      .description = "on a port a running server holds: -1/EADDRINUSE, nothing left open" },
};

GRADE_LAB("04", "TIME_WAIT and SO_REUSEADDR", steps, tests);
