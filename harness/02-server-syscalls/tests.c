/*
 * tests.c - the graded tests of Lab 02, "The server's syscalls".
 *
 * Every test checks what the kernel did, not what the student's function
 * said it did: the socket table (sock_diag: state, addresses, inode, the
 * listener's accept queue and backlog), the test's own getsockname() and
 * getsockopt(), errno values, the process's open descriptors, and the
 * bytes a real client receives. A test first requires the call it grades
 * to work, so the untouched skeleton (every function fails with ENOSYS)
 * scores nothing, even where a test expects a failure.
 *
 * Steps 2, 3, 4, 6 and 7 build what they need around the graded function
 * with the harness's own code, so each step can be earned on its own.
 * No test uses a fixed port: sockets bind port 0, and a "free" port is one
 * the kernel just gave out and the test released. No test sleeps a guessed
 * time: it polls the kernel's table, or a descriptor, with a bound.
 *
 * Every error the contract promises is driven and checked exactly (-1, the
 * errno, nothing left open): by a real condition where one is cheap and
 * certain (a peer that resets, no room for a descriptor, a socket that is
 * not listening), otherwise with harness/faults.h (EINTR, write() taking a
 * few bytes a call, getsockname(), listen() or shutdown() failing), which
 * touches only the student's calls. Unkind peers send in pieces, each only
 * once the other side has read the one before, so the pieces can never
 * arrive together by luck.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"
#include "lab.h"
#include "testlib.h"

/* The bound on anything the kernel does by itself on the loopback. */
#define KERNEL_WAIT_MS 1000

/* How long the echo tests give their clients, all together. */
#define ECHO_DEADLINE_MS 3000

/* The harness's echo server waits this long for EOF from the student's client. */
#define HARNESS_SERVER_DEADLINE_MS 1000

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static const char *family_text(int family)
{
    return family == AF_INET6 ? "AF_INET6" : "AF_INET";
}

/* A fresh TCP socket made by the harness. */
static int harness_socket(int family)
{
    int fd = socket(family, SOCK_STREAM, 0);

    ck_assert_msg(fd != -1, "harness: socket(%s): %s", family_text(family), sl_errno_name(errno));
    return fd;
}

/*
 * The kernel's entry for fd, bound-but-inactive sockets included.
 * Returns 1 and fills *out when the kernel lists it, 0 when it does not.
 */
static int kernel_entry(int fd, struct sl_diag_socket *out)
{
    struct sl_diag_filter filter = {
        .states = SL_DIAG_ALL_STATES | SL_DIAG_STATE(SL_TCP_BOUND_INACTIVE),
        .inode = kit_socket_inode(fd),
    };

    ck_assert_msg(filter.inode != 0, "descriptor %d is not a socket", fd);
    int n = sl_diag_list(&filter, out, 1);
    ck_assert_msg(n != -1, "harness: sock_diag: %s", sl_errno_name(errno));
    return n > 0;
}

/* Does this kernel list bound sockets that do not listen? (Linux 6.x does.) */
static bool kernel_lists_bound_sockets(void)
{
    struct sockaddr_storage addr;
    struct sl_diag_socket k;
    int fd = tl_bound_socket("127.0.0.1", &addr);
    bool listed = kernel_entry(fd, &k) == 1;

    close(fd);
    return listed;
}

/*
 * Expect fd to be a listening socket on addr with this backlog, in the
 * kernel's table. Returns its entry.
 */
static struct sl_diag_socket require_listening(int fd, const struct sockaddr_storage *addr, int backlog,
                                               const char *what)
{
    struct sl_diag_socket k;

    ck_assert_msg(kernel_entry(fd, &k) == 1, "the kernel's socket table has no TCP socket for %s (fd %d)", what,
                  fd);
    ck_assert_msg(k.state == SL_LISTEN, "%s: the kernel lists it in state %s, not LISTEN%s", what,
                  sl_state_linux_name(k.state), k.state == SL_CLOSED ? " (bound, but listen() was not called)" : "");
    ck_assert_msg(sl_addr_equal(tl_sa(&k.local), tl_sa(addr)), "%s: the kernel lists it listening on %s, expected %s",
                  what, tl_str(&k.local, 0), tl_str(addr, 1));
    /* For a listener, sock_diag's idiag_wqueue (ss's Send-Q) is the backlog. */
    ck_assert_msg(k.wqueue == (uint32_t)backlog,
                  "%s: the kernel lists a backlog of %u, expected %d: pass the backlog you were given to listen()",
                  what, k.wqueue, backlog);
    return k;
}

/*
 * Wait, at most timeout_ms, until the listener's accept queue holds `want`
 * connections (sock_diag's idiag_rqueue, ss's Recv-Q). Returns the last
 * length seen.
 */
static uint32_t wait_accept_queue(int listen_fd, uint32_t want, int timeout_ms)
{
    long long deadline = sl_now_ms() + timeout_ms;
    struct sl_diag_socket k;

    for (;;) {
        ck_assert_msg(kernel_entry(listen_fd, &k) == 1, "the listening socket vanished from the kernel's table");
        if (k.rqueue == want || sl_now_ms() >= deadline)
            return k.rqueue;
        poll(NULL, 0, 2);
    }
}

/* A non-blocking client that has started connecting to addr. */
static int connect_nonblocking(const struct sockaddr_storage *addr)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);

    ck_assert_msg(fd != -1, "harness: socket: %s", sl_errno_name(errno));
    if (connect(fd, tl_sa(addr), tl_sa_len(addr)) == -1)
        ck_assert_msg(errno == EINPROGRESS, "harness: connect(%s): %s", tl_str(addr, 0), sl_errno_name(errno));
    return fd;
}

/* Wait, at most timeout_ms, until the kernel lists fd as ESTABLISHED. */
static bool wait_established(int fd, int timeout_ms)
{
    struct sl_diag_filter filter = {
        .states = SL_DIAG_STATE(TCP_ESTABLISHED),
        .inode = kit_socket_inode(fd),
    };

    return kit_diag_wait(&filter, timeout_ms, NULL) == 1;
}

/*
 * The kernel's count of SYNs a listener dropped because its accept queue
 * was full (TcpExt ListenOverflows in /proc/net/netstat, for the whole
 * network namespace), or -1 when it cannot be read.
 */
static long listen_overflows(void)
{
    char names[4096], values[4096];
    long count = -1;
    FILE *f = fopen("/proc/net/netstat", "r");

    if (f == NULL)
        return -1;
    /* Pairs of lines: "TcpExt: Name1 Name2 ..." then "TcpExt: 12 34 ...". */
    while (count == -1 && fgets(names, sizeof names, f) && fgets(values, sizeof values, f)) {
        if (strncmp(names, "TcpExt:", 7) != 0)
            continue;
        char *name_state, *value_state;
        char *name = strtok_r(names, " \n", &name_state);
        char *value = strtok_r(values, " \n", &value_state);
        while (name && value) {
            if (strcmp(name, "ListenOverflows") == 0) {
                count = atol(value);
                break;
            }
            name = strtok_r(NULL, " \n", &name_state);
            value = strtok_r(NULL, " \n", &value_state);
        }
    }
    fclose(f);
    return count;
}

/*
 * Wait, at most timeout_ms, until the kernel has counted `want` more
 * dropped SYNs than `before`. Another grader on the machine can only make
 * the count grow sooner, never hold it back.
 */
static void wait_overflows(long before, long want, int timeout_ms)
{
    long long deadline = sl_now_ms() + timeout_ms;

    if (before < 0)
        return;
    while (listen_overflows() - before < want && sl_now_ms() < deadline)
        poll(NULL, 0, 2);
}

/* How many server-side sockets on port, in the given Linux states, connect to remote_port (0: any)? */
static int server_side_count(int family, uint16_t port, uint16_t remote_port, uint32_t states,
                             struct sl_diag_socket *out, int max)
{
    struct sl_diag_filter filter = {
        .family = family,
        .states = states,
        .local_port = port,
        .remote_port = remote_port,
    };
    int n = sl_diag_list(&filter, out, max);

    ck_assert_msg(n != -1, "harness: sock_diag: %s", sl_errno_name(errno));
    return n;
}

/*
 * Leave no room for one more descriptor: RLIMIT_NOFILE's soft limit at the
 * lowest free descriptor number, for this process and for the subject
 * (sj_setrlimit), where the student's code opens its sockets; the next
 * socket() fails with EMFILE, as in a server that has run out of
 * descriptors. *saved receives the old limits for restore_fd_limit(). Until
 * then this process cannot open anything either (not even /proc/self/fd
 * to count descriptors): count before, and after restoring.
 */
static void no_fd_room(struct rlimit *saved)
{
    struct rlimit lower;
    int fd = 0;

    ck_assert_msg(getrlimit(RLIMIT_NOFILE, saved) == 0, "harness: getrlimit: %s", sl_errno_name(errno));
    while (tl_fd_is_open(fd))
        fd++;
    lower = *saved;
    lower.rlim_cur = (rlim_t)fd;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &lower) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
}

static void restore_fd_limit(const struct rlimit *saved)
{
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
}

/* An unkind peer: close fd with SO_LINGER {1, 0}, which sends a reset (RST) instead of the clean end (FIN). */
static void reset_connection(int fd)
{
    struct linger linger = { .l_onoff = 1, .l_linger = 0 };

    ck_assert_msg(setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger) == 0,
                  "harness: setsockopt(SO_LINGER): %s", sl_errno_name(errno));
    close(fd);
}

/* A harness listener on ip ("127.0.0.3", "0.0.0.0"), port 0; *addr receives its address. */
static int listener_on(const char *ip, struct sockaddr_storage *addr)
{
    socklen_t len;

    ck_assert_msg(sl_addr_parse(ip, 0, addr, &len) == 0, "harness: bad address %s", ip);
    int fd = kit_listen_on(addr, 16);
    ck_assert_msg(fd != -1, "harness: cannot listen on %s: %s", ip, sl_errno_name(errno));
    return fd;
}

/* ------------------------------------------------------------------ */
/* Step 1: socket()                                                     */
/* ------------------------------------------------------------------ */

static int int_option(int fd, int option)
{
    int value = -1;
    socklen_t len = sizeof value;

    ck_assert_msg(getsockopt(fd, SOL_SOCKET, option, &value, &len) == 0, "getsockopt(fd %d) failed: %s", fd,
                  sl_errno_name(errno));
    return value;
}

static void check_new_socket(int family)
{
    int fd = lab02_socket(family);
    tl_require_success(fd, errno, family == AF_INET6 ? "lab02_socket(AF_INET6)" : "lab02_socket(AF_INET)");
    ck_assert_msg(tl_fd_is_open(fd) && fd > STDERR_FILENO, "lab02_socket returned %d, not a new descriptor", fd);

    /* Ask the kernel what the descriptor is, rather than trust the code. */
    ck_assert_msg(kit_socket_inode(fd) != 0, "descriptor %d is not a socket", fd);
    ck_assert_msg(int_option(fd, SO_DOMAIN) == family, "the socket's family is %d, expected %s",
                  int_option(fd, SO_DOMAIN), family_text(family));
    ck_assert_msg(int_option(fd, SO_TYPE) == SOCK_STREAM, "the socket's type is %d, expected SOCK_STREAM (%d)",
                  int_option(fd, SO_TYPE), SOCK_STREAM);
    ck_assert_msg(int_option(fd, SO_PROTOCOL) == IPPROTO_TCP, "the socket's protocol is %d, expected TCP (%d)",
                  int_option(fd, SO_PROTOCOL), IPPROTO_TCP);

    /* socket() alone gives no address: port 0, and no entry in the table. */
    struct sockaddr_storage addr = tl_local_address(fd, "the new socket");
    ck_assert_msg(sl_addr_port(tl_sa(&addr)) == 0, "a new socket already has port %u: only socket() may be called",
                  sl_addr_port(tl_sa(&addr)));
    struct sl_diag_socket k;
    ck_assert_msg(kernel_entry(fd, &k) == 0, "the kernel lists the new socket as %s %s: only socket() may be called",
                  sl_state_linux_name(k.state), tl_str(&k.local, 0));
    close(fd);
}

static void test_socket_is_tcp(void)
{
    check_new_socket(AF_INET);
}

static void test_socket_ipv6(void)
{
    tl_require_ipv6();
    check_new_socket(AF_INET6);
}

static void test_socket_bad_family(void)
{
    int fd = lab02_socket(AF_INET);
    tl_require_success(fd, errno, "lab02_socket(AF_INET)");
    close(fd);

    /* No such address family: the kernel says EAFNOSUPPORT. */
    int before = tl_open_fd_count();
    int result = lab02_socket(12345);
    int err = errno;
    if (result >= 0)
        close(result);
    tl_require_failure(result, err, EAFNOSUPPORT, "lab02_socket(12345), a family that does not exist,");
    ck_assert_msg(tl_open_fd_count() == before, "a failed lab02_socket left a descriptor open");
}

/* ------------------------------------------------------------------ */
/* Step 2: bind()                                                       */
/* ------------------------------------------------------------------ */

/*
 * Expect fd to be bound to exactly addr: the test's own getsockname(),
 * and the kernel's table where the kernel lists bound sockets.
 */
static void require_bound_to(int fd, const struct sockaddr_storage *addr, const char *what)
{
    struct sockaddr_storage got = tl_local_address(fd, what);
    struct sl_diag_socket k;

    ck_assert_msg(sl_addr_equal(tl_sa(&got), tl_sa(addr)), "%s is bound to %s, expected %s", what, tl_str(&got, 0),
                  tl_str(addr, 1));
    if (!kernel_lists_bound_sockets())
        return; /* an older kernel: getsockname() is all there is */
    ck_assert_msg(kernel_entry(fd, &k) == 1, "the kernel's table does not list %s as bound", what);
    ck_assert_msg(k.state == SL_CLOSED, "the kernel lists %s in state %s: bind() alone leaves a socket in CLOSE",
                  what, sl_state_linux_name(k.state));
    ck_assert_msg(sl_addr_equal(tl_sa(&k.local), tl_sa(addr)), "the kernel lists %s on %s, expected %s", what,
                  tl_str(&k.local, 0), tl_str(addr, 1));
}

static void check_bind_port_zero(int family)
{
    struct sockaddr_storage want;
    int fd = harness_socket(family);

    int port = lab02_bind_loopback(fd, family, 0);
    tl_require_success(port, errno, family == AF_INET6 ? "lab02_bind_loopback(fd, AF_INET6, 0)"
                                                       : "lab02_bind_loopback(fd, AF_INET, 0)");
    struct sockaddr_storage got = tl_local_address(fd, "the socket");
    ck_assert_msg(sl_addr_port(tl_sa(&got)) != 0,
                  "the socket has no port after lab02_bind_loopback: was bind() called?");
    ck_assert_msg(port == sl_addr_port(tl_sa(&got)),
                  "lab02_bind_loopback returned port %d; the socket has port %u%s", port, sl_addr_port(tl_sa(&got)),
                  port == htons(sl_addr_port(tl_sa(&got))) ? ": convert the port you read back with ntohs()" : "");
    tl_loopback(family, &want);
    sl_addr_set_port((struct sockaddr *)&want, (uint16_t)port);
    require_bound_to(fd, &want, "the socket lab02_bind_loopback bound");

    /* Bound is not listening: the kernel still refuses connections. */
    int client = kit_connect_to(tl_sa(&want));
    int err = errno;
    if (client >= 0)
        close(client);
    ck_assert_msg(client == -1 && err == ECONNREFUSED,
                  "a client could connect after lab02_bind_loopback: it must bind, not listen");
    close(fd);
}

static void test_bind_port_zero(void)
{
    check_bind_port_zero(AF_INET);
}

static void test_bind_ipv6(void)
{
    tl_require_ipv6();
    check_bind_port_zero(AF_INET6);
}

static void test_bind_chosen_port(void)
{
    struct sockaddr_storage want;
    int fd = -1, port = -1, err = 0;

    /* The free port could be taken by someone else before we use it:
     * then bind() says EADDRINUSE and we try another. */
    for (int attempt = 0; attempt < 5; attempt++) {
        tl_free_port("127.0.0.1", &want);
        fd = harness_socket(AF_INET);
        port = lab02_bind_loopback(fd, AF_INET, sl_addr_port(tl_sa(&want)));
        err = errno;
        if (port != -1 || err != EADDRINUSE)
            break;
        close(fd);
    }
    tl_require_success(port, err, "lab02_bind_loopback(fd, AF_INET, a free port)");
    struct sockaddr_storage got = tl_local_address(fd, "the socket");
    ck_assert_msg(sl_addr_port(tl_sa(&got)) != ntohs(sl_addr_port(tl_sa(&want))) || sl_addr_port(tl_sa(&got)) == 0,
                  "the socket is bound to port %u instead of %u: the bytes are swapped; put the port into "
                  "the sockaddr with htons()",
                  sl_addr_port(tl_sa(&got)), sl_addr_port(tl_sa(&want)));
    require_bound_to(fd, &want, "the socket lab02_bind_loopback bound");
    ck_assert_msg(port == sl_addr_port(tl_sa(&want)), "lab02_bind_loopback returned %d; the socket has port %u", port,
                  sl_addr_port(tl_sa(&want)));
    close(fd);
}

static void test_bind_address_in_use(void)
{
    struct sockaddr_storage server;
    int fd = harness_socket(AF_INET);
    int port = lab02_bind_loopback(fd, AF_INET, 0);
    tl_require_success(port, errno, "lab02_bind_loopback(fd, AF_INET, 0)");
    close(fd);

    /* A listener holds 127.0.0.1:P. Binding there again must fail as the
     * kernel says, and leave the caller's socket open and unbound. */
    int listener = tl_listener(AF_INET, &server);
    fd = harness_socket(AF_INET);
    int result = lab02_bind_loopback(fd, AF_INET, sl_addr_port(tl_sa(&server)));
    int err = errno;
    tl_require_failure(result, err, EADDRINUSE, "lab02_bind_loopback to the port a listener holds");
    ck_assert_msg(tl_fd_is_open(fd), "lab02_bind_loopback closed the caller's socket: it must leave fd open");
    struct sockaddr_storage after = tl_local_address(fd, "the socket");
    ck_assert_msg(sl_addr_port(tl_sa(&after)) == 0, "after the failed bind the socket has port %u",
                  sl_addr_port(tl_sa(&after)));
    close(fd);
    close(listener);
}

/* lab02_bind_loopback(fd, family, 0) must fail with -1/EAFNOSUPPORT and leave fd open and unbound. */
static void check_bind_refuses_family(int fd, int family, const char *call)
{
    int result = lab02_bind_loopback(fd, family, 0);
    int err = errno;

    ck_assert_msg(result == -1, "%s returned %d; there is no loopback address of that family: return -1", call,
                  result);
    ck_assert_msg(err == EAFNOSUPPORT, "%s returned -1 with errno %s (%s); the contract says EAFNOSUPPORT%s", call,
                  sl_errno_name(err), strerror(err),
                  err == 0 ? ": set errno yourself when no call failed" : "");
    ck_assert_msg(tl_fd_is_open(fd), "%s closed the caller's socket: it must leave fd open", call);
    struct sockaddr_storage after = tl_local_address(fd, "the socket");
    ck_assert_msg(sl_addr_port(tl_sa(&after)) == 0, "after %s the socket is bound to %s", call, tl_str(&after, 0));
}

static void test_bind_bad_family(void)
{
    int fd = harness_socket(AF_INET);
    int port = lab02_bind_loopback(fd, AF_INET, 0);
    tl_require_success(port, errno, "lab02_bind_loopback(fd, AF_INET, 0)");
    close(fd);

    /* A family with no loopback address: the function itself says EAFNOSUPPORT. */
    fd = harness_socket(AF_INET);
    check_bind_refuses_family(fd, AF_UNIX, "lab02_bind_loopback(an AF_INET socket, AF_UNIX, 0)");
    close(fd);

    /* An IPv6 address for an IPv4 socket: bind() itself says EAFNOSUPPORT. */
    fd = harness_socket(AF_INET);
    check_bind_refuses_family(fd, AF_INET6, "lab02_bind_loopback(an AF_INET socket, AF_INET6, 0)");
    close(fd);
}

static void test_bind_getsockname_fails(void)
{
    int fd = harness_socket(AF_INET);
    int port = lab02_bind_loopback(fd, AF_INET, 0);
    tl_require_success(port, errno, "lab02_bind_loopback(fd, AF_INET, 0)");
    close(fd);

    /* getsockname() can fail (ENOBUFS: the kernel is short of memory).
     * Then the port is unknown: the contract says -1 with its errno. */
    fd = harness_socket(AF_INET);
    fault_clear();
    fault_fail(FC_GETSOCKNAME, 0, ENOBUFS);
    port = lab02_bind_loopback(fd, AF_INET, 0);
    int err = errno;
    fault_clear();
    ck_assert_msg(port == -1,
                  "lab02_bind_loopback returned %d although getsockname() failed (ENOBUFS): the port is unknown "
                  "then; return -1",
                  port);
    ck_assert_msg(err == ENOBUFS,
                  "lab02_bind_loopback returned -1 with errno %s after getsockname() failed with ENOBUFS: leave "
                  "getsockname()'s errno",
                  sl_errno_name(err));
    ck_assert_msg(tl_fd_is_open(fd), "lab02_bind_loopback closed the caller's socket: it must leave fd open");
    close(fd);
}

/* ------------------------------------------------------------------ */
/* Step 3: listen()                                                     */
/* ------------------------------------------------------------------ */

static void test_listen_makes_listener(void)
{
    struct sockaddr_storage addr;
    int fd = tl_bound_socket("127.0.0.1", &addr);

    /* Bound but not listening: the kernel answers a SYN with a reset. */
    int client = kit_connect_to(tl_sa(&addr));
    ck_assert_msg(client == -1 && errno == ECONNREFUSED, "harness: a bound socket accepted a connection");

    int result = lab02_listen(fd, 5);
    tl_require_success(result, errno, "lab02_listen(fd, 5)");
    require_listening(fd, &addr, 5, "the socket after lab02_listen(fd, 5)");

    /* Now the same connect() succeeds: the kernel completes the handshake. */
    client = kit_connect_to(tl_sa(&addr));
    ck_assert_msg(client != -1, "connecting after lab02_listen failed: %s", sl_errno_name(errno));
    close(client);
    close(fd);
}

static void test_handshake_before_accept(void)
{
    enum { CLIENTS = 3 };
    struct sockaddr_storage addr;
    struct sl_diag_socket children[CLIENTS + 1];
    int clients[CLIENTS];
    int fd = tl_bound_socket("127.0.0.1", &addr);

    int result = lab02_listen(fd, 8);
    tl_require_success(result, errno, "lab02_listen(fd, 8)");

    /* Nobody calls accept(), yet every connect() completes. */
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = kit_connect_to(tl_sa(&addr));
        ck_assert_msg(clients[i] != -1, "client %d could not connect: %s", i + 1, sl_errno_name(errno));
        struct sl_diag_socket k = tl_kernel_view(clients[i], "a client");
        ck_assert_msg(k.state == SL_ESTABLISHED, "client %d is %s, expected ESTABLISHED", i + 1,
                      sl_state_linux_name(k.state));
    }
    uint32_t queued = wait_accept_queue(fd, CLIENTS, KERNEL_WAIT_MS);
    ck_assert_msg(queued == CLIENTS, "the listener's accept queue holds %u connections, expected %d", queued,
                  CLIENTS);

    /* The server's ends exist, ESTABLISHED, with no descriptor yet. */
    int n = server_side_count(AF_INET, sl_addr_port(tl_sa(&addr)), 0, SL_DIAG_STATE(TCP_ESTABLISHED), children,
                              CLIENTS + 1);
    ck_assert_msg(n == CLIENTS, "the kernel lists %d server-side connections on the port, expected %d", n, CLIENTS);
    for (int i = 0; i < n; i++)
        ck_assert_msg(children[i].inode == 0, "a queued connection already has a descriptor: who accepted it?");

    for (int i = 0; i < CLIENTS; i++)
        close(clients[i]);
    close(fd);
}

static void test_backlog_bounds_queue(void)
{
    enum { BACKLOG = 2, FITS = BACKLOG + 1, EXTRA = 2 };
    struct sockaddr_storage addr;
    struct sl_diag_socket k;
    int clients[FITS + EXTRA];
    int fd = tl_bound_socket("127.0.0.1", &addr);

    int result = lab02_listen(fd, BACKLOG);
    tl_require_success(result, errno, "lab02_listen(fd, 2)");
    require_listening(fd, &addr, BACKLOG, "the socket after lab02_listen(fd, 2)");

    /* One client at a time, each completing before the next: Linux keeps
     * backlog + 1 finished connections in the queue. */
    for (int i = 0; i < FITS; i++) {
        clients[i] = connect_nonblocking(&addr);
        ck_assert_msg(wait_established(clients[i], KERNEL_WAIT_MS),
                      "client %d of %d did not complete its handshake within %d ms, with backlog %d", i + 1, FITS,
                      KERNEL_WAIT_MS, BACKLOG);
    }
    uint32_t queued = wait_accept_queue(fd, FITS, KERNEL_WAIT_MS);
    ck_assert_msg(queued == FITS, "the accept queue holds %u connections with backlog %d; Linux holds %d", queued,
                  BACKLOG, FITS);

    /* The queue is full: the kernel drops the next SYNs. */
    long overflows = listen_overflows();
    for (int i = FITS; i < FITS + EXTRA; i++)
        clients[i] = connect_nonblocking(&addr);
    wait_overflows(overflows, EXTRA, KERNEL_WAIT_MS);
    for (int i = FITS; i < FITS + EXTRA; i++) {
        k = tl_kernel_view(clients[i], "a client beyond the backlog");
        ck_assert_msg(k.state == SL_SYN_SENT,
                      "client %d is %s: with backlog %d the kernel must complete only %d handshakes before accept()",
                      i + 1, sl_state_linux_name(k.state), BACKLOG, FITS);
        /* Its SYN was dropped: the server side has no trace of it. */
        struct sl_diag_socket trace;
        ck_assert_msg(server_side_count(AF_INET, sl_addr_port(tl_sa(&addr)), sl_addr_port(tl_sa(&k.local)),
                                        SL_DIAG_ALL_STATES, &trace, 1) == 0,
                      "the server side lists client %d as %s; its SYN should have been dropped", i + 1,
                      sl_state_linux_name(trace.state));
    }
    ck_assert_msg(kernel_entry(fd, &k) == 1 && k.rqueue == FITS, "the accept queue grew to %u, beyond %d", k.rqueue,
                  FITS);

    for (int i = 0; i < FITS + EXTRA; i++)
        close(clients[i]);
    close(fd);
}

static void test_listen_error_keeps_fd(void)
{
    struct sockaddr_storage addr, server;
    int fd = tl_bound_socket("127.0.0.1", &addr);
    int result = lab02_listen(fd, 4);
    tl_require_success(result, errno, "lab02_listen(fd, 4)");
    close(fd);

    /* listen() on a connected socket: EINVAL, and the socket is still the caller's. */
    int listener = tl_listener(AF_INET, &server);
    int client = tl_connect(&server);
    result = lab02_listen(client, 4);
    int err = errno;
    tl_require_failure(result, err, EINVAL, "lab02_listen on a connected socket");
    ck_assert_msg(tl_fd_is_open(client), "lab02_listen closed the caller's socket: leave fd open when it fails");
    close(client);
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 4: accept()                                                     */
/* ------------------------------------------------------------------ */

static void check_accept_new_socket(int family)
{
    struct sockaddr_storage server, peer;
    int listener = tl_listener(family, &server);
    struct sl_diag_socket before = tl_kernel_view(listener, "the listener");
    int client = tl_connect(&server);
    struct sockaddr_storage client_addr = tl_local_address(client, "the client");
    wait_accept_queue(listener, 1, KERNEL_WAIT_MS);

    memset(&peer, 0xAA, sizeof peer); /* garbage, so nothing passes by luck */
    int conn = lab02_accept(listener, &peer);
    tl_require_success(conn, errno, "lab02_accept(listener)");
    ck_assert_msg(conn != listener, "lab02_accept returned the listening descriptor; accept() returns a NEW one");
    ck_assert_msg(tl_fd_is_open(conn), "lab02_accept returned %d, which is not an open descriptor", conn);

    /* The new socket: ESTABLISHED, the listener's address on this end, the client's on the other. */
    struct sl_diag_socket k = tl_kernel_view(conn, "the socket lab02_accept returned");
    ck_assert_msg(k.inode != before.inode, "the accepted socket is the listening socket itself");
    ck_assert_msg(k.state == SL_ESTABLISHED, "the accepted socket is %s, expected ESTABLISHED",
                  sl_state_linux_name(k.state));
    ck_assert_msg(sl_addr_equal(tl_sa(&k.local), tl_sa(&server)), "the accepted socket's local end is %s, expected %s",
                  tl_str(&k.local, 0), tl_str(&server, 1));
    ck_assert_msg(sl_addr_equal(tl_sa(&k.remote), tl_sa(&client_addr)),
                  "the accepted socket's remote end is %s; the client is %s", tl_str(&k.remote, 0),
                  tl_str(&client_addr, 1));
    ck_assert_msg(sl_addr_equal(tl_sa(&peer), tl_sa(&client_addr)),
                  "lab02_accept filled in the client address %s; the client is %s%s", tl_str(&peer, 0),
                  tl_str(&client_addr, 1),
                  family == AF_INET6 ? " (is the address length sizeof(struct sockaddr_storage)?)" : "");

    /* The listener: the same socket, still LISTEN, its queue empty again. */
    struct sl_diag_socket after = tl_kernel_view(listener, "the listener");
    ck_assert_msg(after.inode == before.inode && after.state == SL_LISTEN,
                  "after lab02_accept the listener is %s (inode %llu, before %llu); it must stay LISTEN",
                  sl_state_linux_name(after.state), (unsigned long long)after.inode,
                  (unsigned long long)before.inode);
    ck_assert_msg(after.rqueue == 0, "the accept queue still holds %u connection(s)", after.rqueue);

    close(conn);
    close(client);
    close(listener);
}

static void test_accept_new_socket(void)
{
    check_accept_new_socket(AF_INET);
}

static void test_accept_ipv6(void)
{
    tl_require_ipv6();
    check_accept_new_socket(AF_INET6);
}

static void test_accept_in_order(void)
{
    enum { CLIENTS = 3 };
    struct sockaddr_storage server, peer;
    int clients[CLIENTS], conns[CLIENTS];
    struct sockaddr_storage client_addr[CLIENTS];
    int listener = tl_listener(AF_INET, &server);

    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = tl_connect(&server);
        client_addr[i] = tl_local_address(clients[i], "a client");
    }
    ck_assert_msg(wait_accept_queue(listener, CLIENTS, KERNEL_WAIT_MS) == CLIENTS, "harness: clients not queued");

    /* The queue is first in, first out; each accept() takes one more. */
    for (int i = 0; i < CLIENTS; i++) {
        conns[i] = lab02_accept(listener, &peer);
        tl_require_success(conns[i], errno, "lab02_accept(listener)");
        ck_assert_msg(conns[i] != listener,
                      "lab02_accept returned the listening descriptor; accept() returns a NEW one");
        struct sl_diag_socket k = tl_kernel_view(conns[i], "an accepted socket");
        ck_assert_msg(sl_addr_equal(tl_sa(&k.remote), tl_sa(&client_addr[i])),
                      "accept number %d gave the connection of %s; the queue's next was client %d, %s", i + 1,
                      tl_str(&k.remote, 0), i + 1, tl_str(&client_addr[i], 1));
        for (int j = 0; j < i; j++)
            ck_assert_msg(conns[j] != conns[i], "lab02_accept returned descriptor %d twice", conns[i]);
        struct sl_diag_socket l = tl_kernel_view(listener, "the listener");
        ck_assert_msg(l.state == SL_LISTEN && l.rqueue == (uint32_t)(CLIENTS - 1 - i),
                      "after %d accept(s) the listener is %s with %u queued, expected LISTEN with %d", i + 1,
                      sl_state_linux_name(l.state), l.rqueue, CLIENTS - 1 - i);
    }
    for (int i = 0; i < CLIENTS; i++) {
        close(conns[i]);
        close(clients[i]);
    }
    close(listener);
}

static void test_accept_not_listening(void)
{
    struct sockaddr_storage server, peer, addr;
    int listener = tl_listener(AF_INET, &server);
    int client = tl_connect(&server);
    int conn = lab02_accept(listener, &peer);
    tl_require_success(conn, errno, "lab02_accept(listener)");
    close(conn);
    close(client);
    close(listener);

    /* A bound socket that never called listen() has no queue: EINVAL. */
    int fd = tl_bound_socket("127.0.0.1", &addr);
    int before = tl_open_fd_count();
    int result = lab02_accept(fd, &peer);
    int err = errno;
    int after = tl_open_fd_count();
    if (result >= 0 && result != fd)
        close(result);
    tl_require_failure(result, err, EINVAL, "lab02_accept on a socket that is not listening");
    ck_assert_msg(after == before, "a failed lab02_accept changed the number of open descriptors (%d, then %d)",
                  before, after);
    close(fd);
}

static void test_accept_other_addresses(void)
{
    struct sockaddr_storage wildcard, target, client_addr, peer;
    socklen_t len;

    /* A wildcard listener, a client on 127.0.0.2 connecting to 127.0.0.3:
     * three different addresses, so no mix-up can pass for the right one. */
    int listener = listener_on("0.0.0.0", &wildcard);
    int client = tl_bound_socket("127.0.0.2", &client_addr);
    ck_assert_msg(sl_addr_parse("127.0.0.3", sl_addr_port(tl_sa(&wildcard)), &target, &len) == 0,
                  "harness: bad address");
    ck_assert_msg(connect(client, tl_sa(&target), len) == 0, "harness: connect(%s): %s", tl_str(&target, 0),
                  sl_errno_name(errno));
    ck_assert_msg(wait_accept_queue(listener, 1, KERNEL_WAIT_MS) == 1, "harness: the client is not queued");

    memset(&peer, 0xAA, sizeof peer);
    int conn = lab02_accept(listener, &peer);
    tl_require_success(conn, errno, "lab02_accept(a listener on 0.0.0.0)");
    ck_assert_msg(conn != listener, "lab02_accept returned the listening descriptor; accept() returns a NEW one");
    struct sl_diag_socket k = tl_kernel_view(conn, "the socket lab02_accept returned");
    ck_assert_msg(sl_addr_equal(tl_sa(&k.local), tl_sa(&target)) &&
                      sl_addr_equal(tl_sa(&k.remote), tl_sa(&client_addr)),
                  "the kernel lists the accepted socket as %s to %s; the client %s connected to %s",
                  tl_str(&k.local, 0), tl_str(&k.remote, 1), tl_str(&client_addr, 2), tl_str(&target, 3));
    ck_assert_msg(sl_addr_equal(tl_sa(&peer), tl_sa(&client_addr)),
                  "lab02_accept filled in %s; the client is %s (the listener is %s, the connection's local end %s): "
                  "*client is the other end, the address accept() gives back",
                  tl_str(&peer, 0), tl_str(&client_addr, 1), tl_str(&wildcard, 2), tl_str(&target, 3));
    close(conn);
    close(client);
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 5: The whole server                                             */
/* ------------------------------------------------------------------ */

static void check_open_server(int family)
{
    struct sockaddr_storage want;
    int fd = lab02_open_server(family, 0, 4);
    tl_require_success(fd, errno, family == AF_INET6 ? "lab02_open_server(AF_INET6, 0, 4)"
                                                     : "lab02_open_server(AF_INET, 0, 4)");
    ck_assert_msg(tl_fd_is_open(fd), "lab02_open_server returned %d, which is not an open descriptor", fd);

    struct sockaddr_storage got = tl_local_address(fd, "the server's socket");
    tl_loopback(family, &want);
    sl_addr_set_port((struct sockaddr *)&want, sl_addr_port(tl_sa(&got)));
    require_listening(fd, &want, 4, "the socket lab02_open_server returned");

    /* A client's connection lands in its queue. */
    int client = tl_connect(&want);
    ck_assert_msg(wait_accept_queue(fd, 1, KERNEL_WAIT_MS) == 1, "a client connected, but the server's queue is empty");
    close(client);
    close(fd);
}

static void test_open_server_listens(void)
{
    check_open_server(AF_INET);
}

static void test_open_server_ipv6(void)
{
    tl_require_ipv6();
    check_open_server(AF_INET6);
}

static void test_open_server_chosen_port(void)
{
    struct sockaddr_storage want;
    int fd = -1, err = 0;

    for (int attempt = 0; attempt < 5; attempt++) {
        tl_free_port("127.0.0.1", &want);
        fd = lab02_open_server(AF_INET, sl_addr_port(tl_sa(&want)), 3);
        err = errno;
        if (fd != -1 || err != EADDRINUSE)
            break;
    }
    tl_require_success(fd, err, "lab02_open_server(AF_INET, a free port, 3)");
    require_listening(fd, &want, 3, "the socket lab02_open_server returned");
    close(fd);
}

static void test_open_server_addr_in_use(void)
{
    struct sockaddr_storage server;
    int fd = lab02_open_server(AF_INET, 0, 4);
    tl_require_success(fd, errno, "lab02_open_server(AF_INET, 0, 4)");
    close(fd);

    /* The port is taken: the error is bind()'s, and nothing stays open. */
    int listener = tl_listener(AF_INET, &server);
    int before = tl_open_fd_count();
    int result = lab02_open_server(AF_INET, sl_addr_port(tl_sa(&server)), 4);
    int err = errno;
    int after = tl_open_fd_count();
    if (result >= 0)
        close(result);
    tl_require_failure(result, err, EADDRINUSE, "lab02_open_server on a port a listener holds");
    ck_assert_msg(after == before,
                  "after the failed lab02_open_server the process has %d descriptors open, before it had %d: "
                  "close the socket before returning -1",
                  after, before);
    close(listener);
}

static void test_open_server_no_socket(void)
{
    struct rlimit saved;
    int fd = lab02_open_server(AF_INET, 0, 4);
    tl_require_success(fd, errno, "lab02_open_server(AF_INET, 0, 4)");
    close(fd);

    /* The process is out of descriptors: socket() fails with EMFILE, and
     * there is nothing to bind, listen on or close. */
    int before = tl_open_fd_count();
    no_fd_room(&saved);
    fault_clear();
    int result = lab02_open_server(AF_INET, 0, 4);
    int err = errno;
    int binds = fault_calls(FC_BIND);
    restore_fd_limit(&saved);
    int after = tl_open_fd_count();
    if (result >= 0)
        close(result);

    ck_assert_msg(result == -1, "lab02_open_server returned %d when socket() failed (EMFILE): return -1", result);
    ck_assert_msg(err == EMFILE,
                  "lab02_open_server returned -1 with errno %s when socket() failed with EMFILE%s", sl_errno_name(err),
                  binds > 0 ? ": it went on to bind() the -1 socket() returned; check socket()'s result first and "
                              "return -1 at once"
                            : ": leave socket()'s errno");
    ck_assert_msg(after == before, "after the failed lab02_open_server the process has %d descriptors open, before %d",
                  after, before);
}

static void test_open_server_listen_fails(void)
{
    int fd = lab02_open_server(AF_INET, 0, 4);
    tl_require_success(fd, errno, "lab02_open_server(AF_INET, 0, 4)");
    close(fd);

    /* listen() checks the port again and may say EADDRINUSE (another
     * socket that shares it started listening first): made to happen here. */
    int before = tl_open_fd_count();
    fault_clear();
    fault_fail(FC_LISTEN, 0, EADDRINUSE);
    int result = lab02_open_server(AF_INET, 0, 4);
    int err = errno;
    int listens = fault_calls(FC_LISTEN);
    fault_clear();
    int after = tl_open_fd_count();
    if (result >= 0)
        close(result);

    ck_assert_msg(listens > 0, "lab02_open_server never called listen()");
    ck_assert_msg(result == -1,
                  "lab02_open_server returned %d although listen() failed (EADDRINUSE): the socket does not listen; "
                  "return -1",
                  result);
    ck_assert_msg(err == EADDRINUSE, "lab02_open_server returned -1 with errno %s when listen() failed with EADDRINUSE",
                  sl_errno_name(err));
    ck_assert_msg(after == before,
                  "after listen() failed, lab02_open_server left %d descriptor(s) open: close the socket it made",
                  after - before);
}

/* ------------------------------------------------------------------ */
/* Step 6: An echo server                                               */
/* ------------------------------------------------------------------ */

/* What the student's echo server, run in a child process, reports back. */
struct echo_report {
    int result;          /* lab02_echo_serve's return value */
    int err;             /* errno after it */
    int fds_before;      /* descriptors open in the child before the call */
    int fds_after;       /* ... and after it */
    bool listener_kept;  /* listen_fd still open, still the same socket */
};

struct echo_server {
    pid_t pid;
    int report_fd;             /* read end: one struct echo_report when the call returns */
    int hold_fd;               /* write end: the child exits when this is closed */
    bool reported;             /* the report has been read into `report` */
    bool died;                 /* the child ended without reporting */
    struct echo_report report;
};

/*
 * Run lab02_echo_serve(listen_fd, nclients) in a child process, so that a
 * server that never returns cannot stop the test. After the call the
 * child reports and then stays alive, its descriptors as the student's
 * code left them, until the test closes hold_fd (or ends).
 */
static struct echo_server start_echo_server(int listen_fd, int nclients)
{
    int report[2], hold[2];
    struct echo_server server = { 0 };

    ck_assert_msg(pipe(report) == 0 && pipe(hold) == 0, "harness: pipe: %s", sl_errno_name(errno));
    server.pid = fork();
    ck_assert_msg(server.pid != -1, "harness: fork: %s", sl_errno_name(errno));
    if (server.pid == 0) {
        struct echo_report r = { 0 };
        uint64_t inode = kit_socket_inode(listen_fd);
        char byte;

        close(report[0]);
        close(hold[1]);
        r.fds_before = kit_open_fd_count();
        r.result = lab02_echo_serve(listen_fd, nclients);
        r.err = errno;
        r.fds_after = kit_open_fd_count();
        r.listener_kept = kit_socket_inode(listen_fd) == inode;
        if (write(report[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(1);
        while (read(hold[0], &byte, 1) > 0)
            continue;
        _exit(0);
    }
    close(report[1]);
    close(hold[0]);
    server.report_fd = report[0];
    server.hold_fd = hold[1];
    return server;
}

/*
 * Wait, at most timeout_ms, for the child's report. Returns false if none
 * came; server->died tells a child that ended without one (it crashed, or
 * the student's code called exit()) from one still running.
 */
static bool read_echo_report(struct echo_server *server, int timeout_ms)
{
    if (!server->reported && !server->died && sl_wait_readable(server->report_fd, timeout_ms) == 1) {
        ssize_t n = read(server->report_fd, &server->report, sizeof server->report);
        server->reported = n == (ssize_t)sizeof server->report;
        server->died = !server->reported;
    }
    return server->reported;
}

/* Fail the test, naming the cause, when the echo server's child died. */
static void require_alive(struct echo_server *server)
{
    int status;

    if (!server->died)
        return;
    ck_assert_msg(waitpid(server->pid, &status, 0) == server->pid, "harness: waitpid: %s", sl_errno_name(errno));
    server->pid = -1;
    if (WIFSIGNALED(status))
        ck_abort_msg("the process running lab02_echo_serve was killed by signal %d (%s) before the call returned",
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
    ck_abort_msg("the process running lab02_echo_serve exited (status %d) before the call returned: "
                 "no exit() in lab code",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void stop_echo_server(struct echo_server *server)
{
    close(server->hold_fd);
    close(server->report_fd);
    if (server->pid > 0) {
        kill(server->pid, SIGKILL);
        waitpid(server->pid, NULL, 0);
    }
}

/* One client of the echo tests: non-blocking, so no test can deadlock. */
struct echo_client {
    int fd;
    unsigned char *sent;
    unsigned char *received;
    size_t size;        /* bytes to send (and to get back) */
    size_t room;        /* size of received: more than size, to see extra bytes */
    size_t written;
    size_t got;
    bool shut;          /* shutdown(SHUT_WR) done */
    bool eof;           /* the server closed */
    int error;          /* errno of a failed read or write, 0 if none */
};

static void client_start(struct echo_client *c, const struct sockaddr_storage *server, int number, size_t size)
{
    memset(c, 0, sizeof *c);
    c->size = size;
    c->room = size + 4096;
    c->sent = malloc(size + 1);
    c->received = malloc(c->room);
    ck_assert_msg(c->sent && c->received, "harness: out of memory");
    /* Bytes that depend on the client's number: another client's echo
     * can never pass for this one's. */
    for (size_t i = 0; i < size; i++)
        c->sent[i] = (unsigned char)(number * 89 + i * 7 + i / 251);
    /* A blocking connect is fine: the kernel completes it without accept(). */
    c->fd = tl_connect(server);
    ck_assert_msg(fcntl(c->fd, F_SETFL, O_NONBLOCK) == 0, "harness: fcntl: %s", sl_errno_name(errno));
}

static bool client_done(const struct echo_client *c)
{
    return c->eof || c->error != 0;
}

/* One round of progress for c, after poll() said revents. */
static void client_step(struct echo_client *c, short revents)
{
    if ((revents & POLLOUT) && c->written < c->size) {
        ssize_t n = write(c->fd, c->sent + c->written, c->size - c->written);
        if (n > 0)
            c->written += (size_t)n;
        else if (n == -1 && errno != EAGAIN && errno != EINTR)
            c->error = errno;
    }
    if (c->written == c->size && !c->shut && c->error == 0) {
        shutdown(c->fd, SHUT_WR); /* "finished sending": the server reads EOF */
        c->shut = true;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(c->fd, c->received + c->got, c->room - c->got);
        if (n == 0)
            c->eof = true;
        else if (n > 0)
            c->got += (size_t)n;
        else if (errno != EAGAIN && errno != EINTR)
            c->error = errno;
        if (c->got == c->room)
            c->eof = true; /* far more than was sent: stop reading */
    }
}

/*
 * Has the server returned while still holding connections on port? Once it
 * has returned it closes nothing more, so a server-side socket still in
 * ESTABLISHED or CLOSE_WAIT will never send its client an EOF. (A server
 * that closed its connections leaves them in LAST_ACK or later: close()
 * changes the state before it returns.)
 */
static bool server_left_connections(const struct echo_server *server, uint16_t port)
{
    struct sl_diag_socket k;

    return server->reported && server->report.result == 0 &&
           server_side_count(AF_INET, port, 0, SL_DIAG_STATE(TCP_ESTABLISHED) | SL_DIAG_STATE(TCP_CLOSE_WAIT), &k,
                             1) > 0;
}

/*
 * Drive every client until each has sent its bytes and read the server's
 * EOF, or failed, or the deadline passes. Returns early when the server has
 * returned and nothing more can come: it failed, or it returned but left
 * connections open.
 */
static void drive_clients(struct echo_client *clients, int n, struct echo_server *server, uint16_t port,
                          int timeout_ms)
{
    long long deadline = sl_now_ms() + timeout_ms;
    struct pollfd fds[9];

    ck_assert(n < 9);
    for (;;) {
        int active = 0;
        for (int i = 0; i < n; i++) {
            const struct echo_client *c = &clients[i];
            fds[i].fd = client_done(c) ? -1 : c->fd;
            fds[i].events = (short)(POLLIN | (c->written < c->size ? POLLOUT : 0));
            fds[i].revents = 0;
            active += !client_done(c);
        }
        fds[n] = (struct pollfd){ .fd = server->reported || server->died ? -1 : server->report_fd, .events = POLLIN };
        long long left = deadline - sl_now_ms();
        if (active == 0 || left <= 0)
            return;
        if (poll(fds, (nfds_t)n + 1, (int)left) == -1) {
            ck_assert_msg(errno == EINTR, "harness: poll: %s", sl_errno_name(errno));
            continue;
        }
        if (fds[n].revents && !read_echo_report(server, 0) && server->died)
            return;
        if (server->reported && server->report.result == -1)
            return;
        for (int i = 0; i < n; i++)
            client_step(&clients[i], fds[i].revents);
        if (server_left_connections(server, port)) {
            /* What the server wrote before returning may still be on its
             * way: read it, so the failure names what is really missing. */
            for (int i = 0; i < n; i++)
                while (!client_done(&clients[i]) && clients[i].got < clients[i].size &&
                       sl_wait_readable(clients[i].fd, 200) == 1)
                    client_step(&clients[i], POLLIN);
            return;
        }
    }
}

/* Each client got back exactly what it sent, then EOF. */
static void require_echoed(const struct echo_client *clients, int n)
{
    for (int i = 0; i < n; i++) {
        const struct echo_client *c = &clients[i];
        ck_assert_msg(c->error == 0, "client %d of %d: %s on the connection (was it closed before the echo?)",
                      i + 1, n, sl_errno_name(c->error));
        ck_assert_msg(c->written == c->size, "client %d of %d could send only %zu of its %zu bytes", i + 1, n,
                      c->written, c->size);
        ck_assert_msg(c->got <= c->size, "client %d of %d got back %zu bytes; it sent only %zu", i + 1, n, c->got,
                      c->size);
        ck_assert_msg(c->got == c->size,
                      "client %d of %d got back %zu of the %zu bytes it sent%s: does the server echo every byte "
                      "to the accepted socket, and serve the clients one after another?",
                      i + 1, n, c->got, c->size, c->eof ? ", then the connection closed" : " in time");
        ck_assert_msg(memcmp(c->sent, c->received, c->size) == 0,
                      "client %d of %d got %zu bytes back, but not the bytes it sent", i + 1, n, c->size);
        ck_assert_msg(c->eof,
                      "client %d of %d got its echo but never EOF: the server must close each connection once the "
                      "client has finished (unclosed, the server's end stays in CLOSE_WAIT)",
                      i + 1, n);
    }
}

static void clients_close(struct echo_client *clients, int n)
{
    for (int i = 0; i < n; i++) {
        close(clients[i].fd);
        free(clients[i].sent);
        free(clients[i].received);
    }
}

/* The server's report: it returned 0 and kept its listening socket. */
static const struct echo_report *require_served(struct echo_server *server, int nclients)
{
    bool reported = read_echo_report(server, KERNEL_WAIT_MS);
    require_alive(server);
    ck_assert_msg(reported,
                  "lab02_echo_serve(listen_fd, %d) did not return after its %d clients were done", nclients,
                  nclients);
    tl_require_success(server->report.result, server->report.err, "lab02_echo_serve");
    ck_assert_msg(server->report.result == 0, "lab02_echo_serve returned %d, expected 0", server->report.result);
    ck_assert_msg(server->report.listener_kept, "lab02_echo_serve closed listen_fd; it belongs to the caller");
    return &server->report;
}

/* Serve clients of the given sizes with the student's server; check the echoes. */
static void run_echo(const size_t *sizes, int n, bool check_descriptors)
{
    struct sockaddr_storage addr;
    struct echo_client clients[8];
    int listener = tl_listener(AF_INET, &addr);
    struct echo_server server = start_echo_server(listener, n);

    /* Every client connects at once: the ones after the first wait, their
     * connections complete, in the listener's queue. */
    for (int i = 0; i < n; i++)
        client_start(&clients[i], &addr, i + 1, sizes[i]);
    drive_clients(clients, n, &server, sl_addr_port(tl_sa(&addr)), ECHO_DEADLINE_MS);
    require_alive(&server);

    /* A failed server first: its errno is the cause, the clients' trouble the symptom. */
    if (server.reported && server.report.result == -1) {
        int err = server.report.err;
        ck_assert_msg(err != ENOTCONN,
                      "lab02_echo_serve returned -1 with errno ENOTCONN: read() or write() on a socket with no "
                      "connection. Is it the listening fd? Echo on the fd accept() returned.");
        ck_assert_msg(err != EBADF,
                      "lab02_echo_serve returned -1 with errno EBADF: a call on a descriptor that is not open. "
                      "Was listen_fd closed after the first client?");
        tl_require_success(server.report.result, err, "lab02_echo_serve");
    }
    require_echoed(clients, n);
    const struct echo_report *r = require_served(&server, n);

    if (check_descriptors) {
        ck_assert_msg(r->fds_after == r->fds_before,
                      "the echo server's process had %d descriptors open before lab02_echo_serve and %d after: "
                      "close every connection you accept",
                      r->fds_before, r->fds_after);
        /* The server process is still alive: a connection it did not
         * close shows in the kernel's table as CLOSE_WAIT (the client sent
         * its FIN, the server never did). */
        struct sl_diag_socket left;
        int open = server_side_count(AF_INET, sl_addr_port(tl_sa(&addr)), 0,
                                     SL_DIAG_STATE(TCP_ESTABLISHED) | SL_DIAG_STATE(TCP_CLOSE_WAIT), &left, 1);
        ck_assert_msg(open == 0,
                      "the kernel still lists %d server-side connection(s) on the port, e.g. %s to %s: the "
                      "server did not close it",
                      open, sl_state_linux_name(left.state), tl_str(&left.remote, 0));
        struct sl_diag_socket l = tl_kernel_view(listener, "the listener");
        ck_assert_msg(l.state == SL_LISTEN, "the listener is %s after the echo server", sl_state_linux_name(l.state));
    }
    stop_echo_server(&server);
    clients_close(clients, n);
    close(listener);
}

static void test_echo_one_client(void)
{
    static const size_t sizes[] = { 100000 };
    run_echo(sizes, 1, false);
}

static void test_echo_clients_in_turn(void)
{
    static const size_t sizes[] = { 3000, 70000, 1 };
    run_echo(sizes, 3, false);
}

static void test_echo_closes_descriptors(void)
{
    static const size_t sizes[] = { 500, 2000 };
    run_echo(sizes, 2, true);
}

/*
 * The tests below call lab02_echo_serve(listener, 1) directly, once the
 * client has done everything it will do: its bytes (and its EOF, or its
 * reset) are already waiting at the server, so the call can run to its end
 * with nobody driving the client, and the test then reads what came back.
 * Messages are a few KiB: the echo fits in the socket buffers.
 */

/* Bytes that depend on seed, so one client's echo never passes for another's. */
static void fill_message(unsigned char *msg, size_t size, int seed)
{
    for (size_t i = 0; i < size; i++)
        msg[i] = (unsigned char)(seed * 89 + i * 7 + i / 251);
}

/* A harness client that has sent msg to server and, with finish, shut down its sending side (EOF). */
static int queued_client(const struct sockaddr_storage *server, const unsigned char *msg, size_t size, bool finish)
{
    int fd = tl_connect(server);

    ck_assert_msg(write(fd, msg, size) == (ssize_t)size, "harness: write: %s", sl_errno_name(errno));
    if (finish)
        ck_assert_msg(shutdown(fd, SHUT_WR) == 0, "harness: shutdown: %s", sl_errno_name(errno));
    return fd;
}

/*
 * Read fd until EOF or room bytes, waiting at most timeout_ms in all.
 * Returns the byte count; *eof tells whether EOF came, *err the errno of a
 * failed read (0: none).
 */
static size_t read_until_eof(int fd, unsigned char *buf, size_t room, int timeout_ms, bool *eof, int *err)
{
    long long deadline = sl_now_ms() + timeout_ms;
    size_t got = 0;

    *eof = false;
    *err = 0;
    while (got < room) {
        long long left = deadline - sl_now_ms();
        if (left <= 0 || sl_wait_readable(fd, (int)left) != 1)
            break;
        ssize_t n = read(fd, buf + got, room - got);
        if (n == 0) {
            *eof = true;
            break;
        }
        if (n == -1) {
            if (errno == EINTR)
                continue;
            *err = errno;
            break;
        }
        got += (size_t)n;
    }
    return got;
}

/*
 * The client's side after lab02_echo_serve returned 0: exactly its size
 * bytes back, then EOF. `how` says what the test did to the server.
 */
static void require_echo_back(int client, const unsigned char *msg, size_t size, const char *how)
{
    unsigned char back[8192];
    bool eof;
    int err;

    ck_assert(size < sizeof back);
    size_t got = read_until_eof(client, back, sizeof back, KERNEL_WAIT_MS, &eof, &err);
    ck_assert_msg(err == 0, "%s, the client read %s after %zu bytes of its echo", how, sl_errno_name(err), got);
    ck_assert_msg(got == size, "%s, the client got back %zu bytes; it sent %zu", how, got, size);
    ck_assert_msg(memcmp(back, msg, size) == 0, "%s, the client got %zu bytes back, but not the bytes it sent", how,
                  size);
    ck_assert_msg(eof, "%s, the client got its echo but never EOF: close the connection once the client has finished",
                  how);
}

/* Serve one well-behaved client with lab02_echo_serve(listener, 1): it must return 0 and echo. */
static void require_one_echo(int listener, const struct sockaddr_storage *addr)
{
    unsigned char msg[300];

    fill_message(msg, sizeof msg, 1);
    int client = queued_client(addr, msg, sizeof msg, true);
    int result = lab02_echo_serve(listener, 1);
    tl_require_success(result, errno, "lab02_echo_serve(listener, 1)");
    ck_assert_msg(result == 0, "lab02_echo_serve returned %d, expected 0", result);
    require_echo_back(client, msg, sizeof msg, "with one client");
    close(client);
}

/* After a failed lab02_echo_serve: the listener still open and listening, nothing else left open. */
static void require_cleaned_up(int listener, int before, int after)
{
    ck_assert_msg(after == before,
                  "lab02_echo_serve returned -1 but left %d descriptor(s) open: close the connection it accepted "
                  "before returning (keeping the errno of the call that failed)",
                  after - before);
    ck_assert_msg(tl_fd_is_open(listener), "lab02_echo_serve closed listen_fd; it belongs to the caller");
    struct sl_diag_socket l = tl_kernel_view(listener, "the listener");
    ck_assert_msg(l.state == SL_LISTEN, "the listener is %s after lab02_echo_serve", sl_state_linux_name(l.state));
}

static void test_echo_short_writes(void)
{
    struct sockaddr_storage addr;
    unsigned char msg[3000];
    int listener = tl_listener(AF_INET, &addr);

    /* A client that sends in pieces, and a send buffer that takes only 7
     * bytes a call: write() says how many it took, the rest is the
     * caller's to write again. */
    fill_message(msg, sizeof msg, 2);
    int client = queued_client(&addr, msg, sizeof msg, true);
    fault_clear();
    fault_short(FC_READ, 500);
    fault_short(FC_RECV, 500);
    fault_short(FC_WRITE, 7);
    fault_short(FC_SEND, 7);
    int result = lab02_echo_serve(listener, 1);
    int err = errno;
    fault_clear();

    tl_require_success(result, err, "lab02_echo_serve(listener, 1), with write() taking at most 7 bytes a call,");
    ck_assert_msg(result == 0, "lab02_echo_serve returned %d, expected 0", result);
    require_echo_back(client, msg, sizeof msg,
                      "With read() giving at most 500 bytes and write() taking at most 7 a call (write the rest "
                      "again, from where it stopped)");
    close(client);
    close(listener);
}

static void test_echo_interrupted(void)
{
    struct sockaddr_storage addr;
    unsigned char msg[1000];
    int listener = tl_listener(AF_INET, &addr);

    /* A signal arrives while the server waits in read(): read() fails
     * with EINTR having read nothing, and the right thing is to call it again. */
    fill_message(msg, sizeof msg, 3);
    int client = queued_client(&addr, msg, sizeof msg, true);
    fault_clear();
    fault_fail(FC_READ, 0, EINTR);
    fault_fail(FC_RECV, 0, EINTR);
    int result = lab02_echo_serve(listener, 1);
    int err = errno;
    fault_clear();
    ck_assert_msg(!(result == -1 && err == EINTR),
                  "lab02_echo_serve returned -1 with errno EINTR: a read() interrupted by a signal (EINTR) read "
                  "nothing and lost nothing; call it again");
    tl_require_success(result, err, "lab02_echo_serve(listener, 1), its first read() interrupted (EINTR),");
    ck_assert_msg(result == 0, "lab02_echo_serve returned %d, expected 0", result);
    require_echo_back(client, msg, sizeof msg, "With its first read() interrupted (EINTR)");
    close(client);

    /* The same in write(). */
    fill_message(msg, sizeof msg, 4);
    client = queued_client(&addr, msg, sizeof msg, true);
    fault_fail(FC_WRITE, 0, EINTR);
    fault_fail(FC_SEND, 0, EINTR);
    result = lab02_echo_serve(listener, 1);
    err = errno;
    fault_clear();
    ck_assert_msg(!(result == -1 && err == EINTR),
                  "lab02_echo_serve returned -1 with errno EINTR: a write() interrupted by a signal (EINTR) wrote "
                  "nothing; call it again");
    tl_require_success(result, err, "lab02_echo_serve(listener, 1), its first write() interrupted (EINTR),");
    ck_assert_msg(result == 0, "lab02_echo_serve returned %d, expected 0", result);
    require_echo_back(client, msg, sizeof msg, "With its first write() interrupted (EINTR)");
    close(client);
    close(listener);
}

/*
 * A client that connects, sends `size` bytes (maybe none) and resets the
 * connection, all before the server accepts it: the kernel still hands
 * the connection to accept(), with the bytes, and the reset as its error.
 */
static void queue_reset_client(int listener, const struct sockaddr_storage *addr, size_t size)
{
    unsigned char msg[64];

    ck_assert(size <= sizeof msg);
    fill_message(msg, size, 5);
    int client = tl_connect(addr);
    struct sockaddr_storage client_addr = tl_local_address(client, "the client");
    if (size > 0)
        ck_assert_msg(write(client, msg, size) == (ssize_t)size, "harness: write: %s", sl_errno_name(errno));
    ck_assert_msg(wait_accept_queue(listener, 1, KERNEL_WAIT_MS) == 1, "harness: the client is not queued");
    reset_connection(client);
    /* Once the reset has arrived, the server's end leaves the kernel's table. */
    tl_await_connection_gone(addr, &client_addr, KERNEL_WAIT_MS, "the server's end of the reset connection");
}

/* lab02_echo_serve(listener, 1) on a reset connection: -1/ECONNRESET from `call`, and nothing left open. */
static void check_echo_reset(int listener, const char *call, const char *situation)
{
    int before = tl_open_fd_count();
    int result = lab02_echo_serve(listener, 1);
    int err = errno;
    int after = tl_open_fd_count();

    ck_assert_msg(result == -1,
                  "lab02_echo_serve returned %d; %s, so %s() failed with ECONNRESET: when %s() fails (not with "
                  "EINTR), close the connection and return -1",
                  result, situation, call, call);
    ck_assert_msg(err == ECONNRESET, "lab02_echo_serve returned -1 with errno %s; %s, so %s() failed with ECONNRESET",
                  sl_errno_name(err), situation, call);
    require_cleaned_up(listener, before, after);
}

static void test_echo_read_error(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);

    require_one_echo(listener, &addr);
    queue_reset_client(listener, &addr, 0);
    check_echo_reset(listener, "read", "the client reset the connection without sending anything");
    close(listener);
}

static void test_echo_write_error(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);

    require_one_echo(listener, &addr);
    queue_reset_client(listener, &addr, 10);
    check_echo_reset(listener, "write",
                     "the client sent 10 bytes and reset the connection (read() gives the 10 bytes; writing them "
                     "back fails)");
    close(listener);
}

static void test_echo_accept_error(void)
{
    struct sockaddr_storage addr;
    int listener = tl_listener(AF_INET, &addr);
    require_one_echo(listener, &addr);
    close(listener);

    /* A socket that is bound but not listening: accept() says EINVAL. */
    int fd = tl_bound_socket("127.0.0.1", &addr);
    int before = tl_open_fd_count();
    fault_clear();
    int result = lab02_echo_serve(fd, 1);
    int err = errno;
    int reads = fault_calls(FC_READ) + fault_calls(FC_RECV);
    int after = tl_open_fd_count();
    ck_assert_msg(result == -1, "lab02_echo_serve returned %d on a socket that is not listening: accept() failed "
                                "(EINVAL), return -1", result);
    ck_assert_msg(err == EINVAL, "lab02_echo_serve returned -1 with errno %s when accept() failed with EINVAL%s",
                  sl_errno_name(err),
                  reads > 0 ? ": it went on to read() from the -1 accept() returned; check accept()'s result" : "");
    ck_assert_msg(after == before, "the failed lab02_echo_serve changed the number of open descriptors (%d, then %d)",
                  before, after);
    ck_assert_msg(tl_fd_is_open(fd), "lab02_echo_serve closed listen_fd; it belongs to the caller");
    close(fd);
}

/* ------------------------------------------------------------------ */
/* Step 7: A client                                                     */
/* ------------------------------------------------------------------ */

/* How the harness's echo server ended (its child's exit status). */
enum { HARNESS_SAW_EOF = 0, HARNESS_NO_CLIENT = 2, HARNESS_NO_EOF = 3, HARNESS_IO_ERROR = 4, HARNESS_NOT_TAKEN = 5 };

/*
 * The harness's own echo server for one client, in a child process: it
 * echoes until EOF, but closes the connection anyway after a deadline, so
 * a client that never says it has finished is not stuck for ever.
 */
static pid_t start_harness_echo(int listen_fd)
{
    pid_t pid = fork();

    ck_assert_msg(pid != -1, "harness: fork: %s", sl_errno_name(errno));
    if (pid != 0)
        return pid;
    if (sl_wait_readable(listen_fd, HARNESS_SERVER_DEADLINE_MS) != 1)
        _exit(HARNESS_NO_CLIENT);
    int conn = accept(listen_fd, NULL, NULL);
    if (conn == -1)
        _exit(HARNESS_NO_CLIENT);
    long long deadline = sl_now_ms() + HARNESS_SERVER_DEADLINE_MS;
    char buffer[4096];
    for (;;) {
        long long left = deadline - sl_now_ms();
        if (left <= 0 || sl_wait_readable(conn, (int)left) != 1)
            _exit(HARNESS_NO_EOF); /* exiting closes conn: the client reads EOF */
        ssize_t n = read(conn, buffer, sizeof buffer);
        if (n == 0)
            break;
        if (n < 0 || write(conn, buffer, (size_t)n) != n)
            _exit(HARNESS_IO_ERROR);
    }
    close(conn);
    _exit(HARNESS_SAW_EOF);
}

/*
 * The harness server's exit status. When the student's call failed, no
 * client is coming: stop the server at once instead of letting it wait.
 */
static int reap(pid_t pid, bool call_failed)
{
    int status;

    if (call_failed)
        kill(pid, SIGKILL);
    ck_assert_msg(waitpid(pid, &status, 0) == pid, "harness: waitpid: %s", sl_errno_name(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The unkind server's pause before each piece it sends. */
#define PEER_PAUSE_MS 10

/* How long the unkind server waits, in all, for the client to read what it sent. */
#define PEER_REPLY_DEADLINE_MS 3000

/*
 * What an unkind echo server does once it has read the client's EOF: it
 * sends the echo in pieces, each after a pause and only once the client
 * has read the one before (so the pieces can never arrive together), at
 * most send_max bytes of it; then it closes the connection, or resets it.
 */
struct peer_plan {
    size_t piece;    /* bytes per piece (>= 1) */
    size_t send_max; /* echo at most this many bytes (SIZE_MAX: all) */
    bool reset;      /* end with a reset (RST), once the client has read every byte sent, instead of a FIN */
};

/*
 * In the unkind server's child: has the client taken every byte sent on
 * conn? The kernel acknowledged them all (SIOCOUTQ 0: they reached the
 * client's socket) and the client's socket holds none unread (its Recv-Q
 * in the kernel's table). 1 yes, 0 not yet, -1 the client's socket is gone.
 */
static int peer_client_took_all(int conn)
{
    struct sockaddr_storage self, client;
    struct sl_diag_socket k[8];
    socklen_t len = sizeof self;
    int unacked;

    if (getsockname(conn, (struct sockaddr *)&self, &len) != 0)
        return -1;
    len = sizeof client;
    if (getpeername(conn, (struct sockaddr *)&client, &len) != 0 || ioctl(conn, SIOCOUTQ, &unacked) != 0)
        return -1; /* reset by the client: ENOTCONN */
    struct sl_diag_filter filter = {
        .family = self.ss_family,
        .states = SL_DIAG_ALL_STATES,
        .local_port = sl_addr_port(tl_sa(&client)),
        .remote_port = sl_addr_port(tl_sa(&self)),
    };
    int n = sl_diag_list(&filter, k, 8);
    for (int i = 0; i < n && i < 8; i++)
        if (sl_addr_equal(tl_sa(&k[i].local), tl_sa(&client)) && sl_addr_equal(tl_sa(&k[i].remote), tl_sa(&self)))
            return unacked == 0 && k[i].rqueue == 0;
    return -1;
}

/*
 * The unkind echo server for one client, in a child process (harness code
 * only: no assertions there). It reads until EOF (for at most
 * HARNESS_SERVER_DEADLINE_MS, then it closes, as start_harness_echo does),
 * then follows plan, waiting at most PEER_REPLY_DEADLINE_MS in all for the
 * client to read the pieces. Exit status: HARNESS_SAW_EOF when it did all of it,
 * HARNESS_NOT_TAKEN when the client stopped reading (or closed) before
 * taking a piece.
 */
static pid_t start_unkind_echo(int listen_fd, const struct peer_plan *plan)
{
    static unsigned char message[16384];
    pid_t pid = fork();

    ck_assert_msg(pid != -1, "harness: fork: %s", sl_errno_name(errno));
    if (pid != 0)
        return pid;
    if (sl_wait_readable(listen_fd, HARNESS_SERVER_DEADLINE_MS) != 1)
        _exit(HARNESS_NO_CLIENT);
    int conn = accept(listen_fd, NULL, NULL);
    if (conn == -1)
        _exit(HARNESS_NO_CLIENT);
    long long deadline = sl_now_ms() + HARNESS_SERVER_DEADLINE_MS;
    size_t got = 0;
    for (;;) {
        long long left = deadline - sl_now_ms();
        if (left <= 0 || sl_wait_readable(conn, (int)left) != 1)
            _exit(HARNESS_NO_EOF);
        ssize_t n = read(conn, message + got, sizeof message - got);
        if (n == 0)
            break;
        if (n < 0 || got + (size_t)n == sizeof message)
            _exit(HARNESS_IO_ERROR);
        got += (size_t)n;
    }
    size_t total = got < plan->send_max ? got : plan->send_max;
    deadline = sl_now_ms() + PEER_REPLY_DEADLINE_MS;
    for (size_t sent = 0; sent < total;) {
        size_t k = total - sent < plan->piece ? total - sent : plan->piece;
        poll(NULL, 0, PEER_PAUSE_MS);
        if (send(conn, message + sent, k, MSG_NOSIGNAL) != (ssize_t)k)
            _exit(HARNESS_NOT_TAKEN); /* the client has gone */
        sent += k;
        if (sent == total && !plan->reset)
            break;
        int took;
        while ((took = peer_client_took_all(conn)) == 0 && sl_now_ms() < deadline)
            poll(NULL, 0, 2);
        if (took != 1)
            _exit(HARNESS_NOT_TAKEN);
    }
    if (plan->reset) {
        struct linger linger = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(conn, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    }
    close(conn);
    _exit(HARNESS_SAW_EOF);
}

/* One request to the harness's echo server on family's loopback. */
static void check_request(int family)
{
    struct sockaddr_storage server;
    char msg[2000], reply[4000];
    int listener = tl_listener(family, &server);
    pid_t pid = start_harness_echo(listener);

    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('a' + i % 26);
    int before = tl_open_fd_count();
    ssize_t n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, sizeof msg, reply, sizeof reply);
    int err = errno;
    int after = tl_open_fd_count();
    int status = reap(pid, n == -1);

    tl_require_success(n, err,
                       family == AF_INET6 ? "lab02_echo_request([::1]:port)" : "lab02_echo_request(127.0.0.1:port)");
    ck_assert_msg(status != HARNESS_NO_CLIENT, "lab02_echo_request returned %zd, but no client ever connected", n);
    ck_assert_msg(status != HARNESS_NO_EOF,
                  "the server never read EOF, so it closed the connection after %d ms: after sending, call "
                  "shutdown(fd, SHUT_WR)",
                  HARNESS_SERVER_DEADLINE_MS);
    ck_assert_msg(status == HARNESS_SAW_EOF, "the harness's echo server failed (status %d)", status);
    ck_assert_msg(n == (ssize_t)sizeof msg, "lab02_echo_request returned %zd; the server echoed %zu bytes", n,
                  sizeof msg);
    ck_assert_msg(memcmp(reply, msg, sizeof msg) == 0, "the reply is not the echo of the message");
    ck_assert_msg(after == before, "lab02_echo_request left %d descriptor(s) open: close the socket", after - before);
    close(listener);
}

static void test_request_round_trip(void)
{
    check_request(AF_INET);
}

static void test_request_ipv6(void)
{
    tl_require_ipv6();
    check_request(AF_INET6);
}

static void test_request_refused(void)
{
    struct sockaddr_storage server, closed;
    char msg[] = "ping", reply[16];
    int listener = tl_listener(AF_INET, &server);
    pid_t pid = start_harness_echo(listener);
    ssize_t n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, 4, reply, sizeof reply);
    int err = errno;
    reap(pid, n == -1);
    tl_require_success(n, err, "lab02_echo_request(127.0.0.1:port of an echo server)");
    close(listener);

    /* Nobody listens there: the kernel answers the SYN with a reset. */
    tl_free_port("127.0.0.1", &closed);
    int before = tl_open_fd_count();
    n = lab02_echo_request(tl_sa(&closed), tl_sa_len(&closed), msg, 4, reply, sizeof reply);
    err = errno;
    int after = tl_open_fd_count();
    tl_require_failure(n, err, ECONNREFUSED, "lab02_echo_request to a port nobody listens on");
    ck_assert_msg(after == before,
                  "a refused lab02_echo_request left %d descriptor(s) open: close the socket before returning -1",
                  after - before);
}

/*
 * One request of msg_len bytes (reply room reply_size) to the unkind echo
 * server on 127.0.0.1 following plan. Returns what lab02_echo_request
 * returned; *err its errno, *leaked the descriptors it left open, *status
 * how the server ended.
 */
static ssize_t unkind_request(const struct peer_plan *plan, const unsigned char *msg, size_t msg_len,
                              unsigned char *reply, size_t reply_size, int *err, int *leaked, int *status)
{
    struct sockaddr_storage server;
    int listener = tl_listener(AF_INET, &server);
    pid_t pid = start_unkind_echo(listener, plan);

    memset(reply, 0, reply_size);
    int before = tl_open_fd_count();
    ssize_t n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, msg_len, reply, reply_size);
    *err = errno;
    *leaked = tl_open_fd_count() - before;
    *status = reap(pid, n == -1);
    close(listener);
    return n;
}

static void test_request_reply_in_pieces(void)
{
    static const struct peer_plan plan = { .piece = 500, .send_max = SIZE_MAX, .reset = false };
    unsigned char msg[2000], reply[4000];
    int err, leaked, status;

    fill_message(msg, sizeof msg, 6);
    ssize_t n = unkind_request(&plan, msg, sizeof msg, reply, sizeof reply, &err, &leaked, &status);
    tl_require_success(n, err, "lab02_echo_request(127.0.0.1:port, 2000 bytes)");
    ck_assert_msg(status != HARNESS_NO_EOF,
                  "the server never read EOF, so it closed the connection after %d ms: after sending, call "
                  "shutdown(fd, SHUT_WR)",
                  HARNESS_SERVER_DEADLINE_MS);
    ck_assert_msg(n != 0,
                  "lab02_echo_request returned 0: read() said EOF before the echo's first piece arrived. Was the "
                  "reading side shut down too? shutdown(fd, SHUT_WR) ends only the sending side");
    ck_assert_msg(n == (ssize_t)sizeof msg,
                  "lab02_echo_request returned %zd; the server sent the %zu-byte echo in pieces of %zu, each after "
                  "a pause, then closed: one read() returns only what has arrived so far, so read until read() "
                  "returns 0",
                  n, sizeof msg, plan.piece);
    ck_assert_msg(memcmp(reply, msg, sizeof msg) == 0,
                  "the reply is not the echo of the message: does each read() store at reply + the bytes "
                  "received so far?");
    ck_assert_msg(status == HARNESS_SAW_EOF, "the harness's echo server failed (status %d)", status);
    ck_assert_msg(leaked == 0, "lab02_echo_request left %d descriptor(s) open: close the socket", leaked);
}

static void test_request_reply_too_long(void)
{
    static const struct peer_plan plan = { .piece = 500, .send_max = SIZE_MAX, .reset = false };
    unsigned char msg[2000], reply[1200 + 64];
    const size_t room = 1200;
    int err, leaked, status;

    /* The reply is longer than the room given: store reply_size bytes, no more. */
    fill_message(msg, sizeof msg, 7);
    ssize_t n = unkind_request(&plan, msg, sizeof msg, reply, room, &err, &leaked, &status);
    tl_require_success(n, err, "lab02_echo_request(2000 bytes, reply_size 1200)");
    ck_assert_msg(n != 0, "lab02_echo_request returned 0: read() said EOF before the echo's first piece arrived. Was "
                          "the reading side shut down too? shutdown(fd, SHUT_WR) ends only the sending side");
    ck_assert_msg(n >= (ssize_t)room,
                  "lab02_echo_request returned %zd with reply_size %zu while the server sent 2000 bytes in pieces "
                  "of 500: one read() returns only what has arrived so far; read until reply_size bytes have "
                  "arrived (or read() returns 0)",
                  n, room);
    ck_assert_msg(n == (ssize_t)room,
                  "lab02_echo_request returned %zd with reply_size %zu: it stored more than reply_size bytes. Never "
                  "ask read() for more than the room left (reply_size - received)",
                  n, room);
    ck_assert_msg(memcmp(reply, msg, room) == 0, "the reply is not the first %zu bytes of the echo", room);
    ck_assert_msg(leaked == 0, "lab02_echo_request left %d descriptor(s) open: close the socket", leaked);
}

static void test_request_peer_resets(void)
{
    static const struct peer_plan plan = { .piece = 100, .send_max = 100, .reset = true };
    unsigned char msg[1000], reply[2000];
    int err, leaked, status;

    /* The server sends 100 bytes of the echo, waits until they are read,
     * and resets the connection: the next read() fails with ECONNRESET. */
    fill_message(msg, sizeof msg, 8);
    ssize_t n = unkind_request(&plan, msg, sizeof msg, reply, sizeof reply, &err, &leaked, &status);
    ck_assert_msg(status != HARNESS_NO_EOF,
                  "the server never read EOF: after sending, call shutdown(fd, SHUT_WR) (status %d)", status);
    ck_assert_msg(n != 0, "lab02_echo_request returned 0: read() said EOF before the server sent anything. Was the "
                          "reading side shut down too? shutdown(fd, SHUT_WR) ends only the sending side");
    ck_assert_msg(n == -1,
                  "lab02_echo_request returned %zd; the server sent 100 bytes and then reset the connection, so "
                  "read() failed with ECONNRESET: when read() fails (not with EINTR), close the socket and "
                  "return -1 with read()'s errno",
                  n);
    ck_assert_msg(err == ECONNRESET,
                  "lab02_echo_request returned -1 with errno %s; the server reset the connection, so read() "
                  "failed with ECONNRESET",
                  sl_errno_name(err));
    ck_assert_msg(leaked == 0,
                  "the failed lab02_echo_request left %d descriptor(s) open: close the socket before returning -1",
                  leaked);
}

static void test_request_interrupted(void)
{
    struct sockaddr_storage server;
    unsigned char msg[1500], reply[3000];
    int listener = tl_listener(AF_INET, &server);
    pid_t pid = start_harness_echo(listener);

    /* Signals interrupt the first write() and the first read(): each fails
     * with EINTR having moved nothing, and the right thing is to call it again. */
    fill_message(msg, sizeof msg, 9);
    fault_clear();
    fault_fail(FC_WRITE, 0, EINTR);
    fault_fail(FC_SEND, 0, EINTR);
    fault_fail(FC_READ, 0, EINTR);
    fault_fail(FC_RECV, 0, EINTR);
    ssize_t n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, sizeof msg, reply, sizeof reply);
    int err = errno;
    fault_clear();
    int status = reap(pid, n == -1);
    ck_assert_msg(!(n == -1 && err == EINTR),
                  "lab02_echo_request returned -1 with errno EINTR: a write() or read() interrupted by a signal "
                  "(EINTR) moved nothing and lost nothing; call it again");
    tl_require_success(n, err, "lab02_echo_request, its first write() and read() interrupted (EINTR),");
    ck_assert_msg(status == HARNESS_SAW_EOF, "the harness's echo server did not get the message and EOF (status %d)",
                  status);
    ck_assert_msg(n == (ssize_t)sizeof msg && memcmp(reply, msg, sizeof msg) == 0,
                  "lab02_echo_request returned %zd, with the first write() and read() interrupted (EINTR); the "
                  "echo is %zu bytes",
                  n, sizeof msg);
    close(listener);
}

/*
 * One request to a harness echo server while `call` (both of its faults)
 * fails with err: lab02_echo_request must return -1 with err and close its socket.
 */
static void check_request_fails(enum fault_call call, enum fault_call other, int err_wanted, const char *what)
{
    struct sockaddr_storage server;
    unsigned char msg[500], reply[1000];
    int listener = tl_listener(AF_INET, &server);
    pid_t pid = start_harness_echo(listener);

    fill_message(msg, sizeof msg, 10);
    int before = tl_open_fd_count();
    fault_clear();
    fault_fail(call, 0, err_wanted);
    fault_fail(other, 0, err_wanted);
    ssize_t n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, sizeof msg, reply, sizeof reply);
    int err = errno;
    fault_clear();
    int after = tl_open_fd_count();
    reap(pid, true);
    close(listener);

    ck_assert_msg(n == -1, "lab02_echo_request returned %zd although %s failed with %s: return -1", n, what,
                  sl_errno_name(err_wanted));
    ck_assert_msg(err == err_wanted, "lab02_echo_request returned -1 with errno %s; %s failed with %s",
                  sl_errno_name(err), what, sl_errno_name(err_wanted));
    ck_assert_msg(after == before, "after %s failed, lab02_echo_request left %d descriptor(s) open: close the socket",
                  what, after - before);
}

static void test_request_call_fails(void)
{
    struct sockaddr_storage server;
    char msg[] = "ping", reply[16];
    int listener = tl_listener(AF_INET, &server);
    pid_t pid = start_harness_echo(listener);
    ssize_t n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, 4, reply, sizeof reply);
    int err = errno;
    reap(pid, n == -1);
    tl_require_success(n, err, "lab02_echo_request(127.0.0.1:port of an echo server)");
    close(listener);

    /* The connection is reset before the message is sent: write() fails. */
    check_request_fails(FC_WRITE, FC_SEND, ECONNRESET, "write() (sending the message)");
    /* shutdown() fails (ENOTCONN: the connection is gone). */
    check_request_fails(FC_SHUTDOWN, FC_SHUTDOWN, ENOTCONN, "shutdown()");
}

static void test_request_no_socket(void)
{
    struct sockaddr_storage server;
    struct rlimit saved;
    char msg[] = "ping", reply[16];
    int listener = tl_listener(AF_INET, &server);
    pid_t pid = start_harness_echo(listener);
    ssize_t n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, 4, reply, sizeof reply);
    int err = errno;
    reap(pid, n == -1);
    tl_require_success(n, err, "lab02_echo_request(127.0.0.1:port of an echo server)");

    /* Out of descriptors: socket() fails with EMFILE. */
    int before = tl_open_fd_count();
    no_fd_room(&saved);
    fault_clear();
    n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, 4, reply, sizeof reply);
    err = errno;
    int connects = fault_calls(FC_CONNECT);
    restore_fd_limit(&saved);
    int after = tl_open_fd_count();
    close(listener);

    ck_assert_msg(n == -1, "lab02_echo_request returned %zd when socket() failed (EMFILE): return -1", n);
    ck_assert_msg(err == EMFILE, "lab02_echo_request returned -1 with errno %s when socket() failed with EMFILE%s",
                  sl_errno_name(err),
                  connects > 0 ? ": it went on to connect() the -1 socket() returned; check socket()'s result first"
                               : ": leave socket()'s errno");
    ck_assert_msg(after == before, "the failed lab02_echo_request changed the number of open descriptors (%d, then %d)",
                  before, after);
}

static void test_request_other_address(void)
{
    struct sockaddr_storage server;
    unsigned char msg[700], reply[1400];

    /* A server on 127.0.0.3 only: the request goes to the address it is given. */
    int listener = listener_on("127.0.0.3", &server);
    pid_t pid = start_harness_echo(listener);
    fill_message(msg, sizeof msg, 11);
    int before = tl_open_fd_count();
    ssize_t n = lab02_echo_request(tl_sa(&server), tl_sa_len(&server), msg, sizeof msg, reply, sizeof reply);
    int err = errno;
    int after = tl_open_fd_count();
    int status = reap(pid, n == -1);
    close(listener);

    ck_assert_msg(!(n == -1 && err == ECONNREFUSED),
                  "lab02_echo_request(%s) was refused: nobody listens on that port at 127.0.0.1, only at "
                  "127.0.0.3; connect to the server address you are given (server, len), unchanged",
                  tl_str(&server, 0));
    tl_require_success(n, err, "lab02_echo_request(127.0.0.3:port)");
    ck_assert_msg(status == HARNESS_SAW_EOF, "the echo server on 127.0.0.3 did not get the message and EOF (status %d)",
                  status);
    ck_assert_msg(n == (ssize_t)sizeof msg && memcmp(reply, msg, sizeof msg) == 0,
                  "lab02_echo_request returned %zd; the server on 127.0.0.3 echoed %zu bytes", n, sizeof msg);
    ck_assert_msg(after == before, "lab02_echo_request left %d descriptor(s) open: close the socket", after - before);
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

static const struct grade_step steps[] = {
    { 1, "socket()",
      "Return socket(family, SOCK_STREAM, 0): the family you were given (AF_INET or AF_INET6), SOCK_STREAM "
      "for TCP. Nothing more: the grader checks the new socket has no address yet." },
    { 2, "bind()",
      "Fill a zeroed sockaddr_in (127.0.0.1, htons(port)) or sockaddr_in6 (in6addr_loopback, htons(port)), "
      "bind(), then getsockname() and return ntohs() of the port. Another family: set errno to EAFNOSUPPORT "
      "and return -1. If bind() or getsockname() fails, return -1 at once and leave fd open: it is the "
      "caller's." },
    { 3, "listen()",
      "listen() is what makes the kernel answer SYNs; without it connect() is refused. Pass the caller's "
      "backlog unchanged: the kernel completes up to backlog + 1 handshakes before anyone calls accept()." },
    { 4, "accept()",
      "accept() returns a NEW fd; the listening fd stays open and LISTEN. Give accept() a sockaddr_storage "
      "and a length set to its size, and return accept()'s result, not listen_fd." },
    { 5, "The whole server",
      "Call your steps 1, 2 and 3 in that order. If socket() fails, return -1 at once (there is nothing to "
      "close). If bind or listen fails, close the socket with close_keep_errno() and return -1: no other "
      "call in between, so errno is still bind()'s or listen()'s." },
    { 6, "An echo server",
      "accept(), then read() and write() on the ACCEPTED fd until read() returns 0, then close that fd and "
      "accept the next client. Never close listen_fd. write() may write less than asked: write the rest, "
      "from where it stopped. EINTR: call again. Any other failure of accept(), read() or write(): close "
      "the connection (close_keep_errno) and return -1 at once; writing again on a reset connection "
      "raises SIGPIPE." },
    { 7, "A client",
      "socket(server->sa_family, ...), connect(), write everything, shutdown(fd, SHUT_WR) so the server reads "
      "EOF, read into reply + received, at most reply_size - received bytes, until read() returns 0 or the "
      "reply is full (one read() returns only what has arrived), close(). EINTR: call again. If a call "
      "fails, close the socket and return -1 with its errno." },
};

/* Designated fields: a field added to struct grade_test later defaults to 0. */
static const struct grade_test tests[] = {
    { .step = 1, .name = "socket_is_tcp", .points = 2, .run = test_socket_is_tcp, .timeout_s = 5,
      .description = "an AF_INET SOCK_STREAM TCP socket, with no address and not yet in the kernel's table" },
    { .step = 1, .name = "socket_ipv6", .points = 1, .run = test_socket_ipv6, .timeout_s = 5,
      .description = "lab02_socket(AF_INET6) gives an IPv6 TCP socket", .needs = "IPv6 on loopback" },
    { .step = 1, .name = "socket_bad_family", .points = 1, .run = test_socket_bad_family, .timeout_s = 5,
      .description = "an unknown family gives -1/EAFNOSUPPORT and no descriptor" },
    { .step = 2, .name = "bind_port_zero", .points = 2, .run = test_bind_port_zero, .timeout_s = 5,
      .description = "port 0: the kernel lists the socket bound to 127.0.0.1 and the port returned, not listening" },
    { .step = 2, .name = "bind_chosen_port", .points = 2, .run = test_bind_chosen_port, .timeout_s = 5,
      .description = "a chosen port: the kernel lists exactly that port (htons)" },
    { .step = 2, .name = "bind_address_in_use", .points = 1, .run = test_bind_address_in_use, .timeout_s = 5,
      .description = "a port a listener holds gives -1/EADDRINUSE; the caller's socket stays open" },
    { .step = 2, .name = "bind_bad_family", .points = 1, .run = test_bind_bad_family, .timeout_s = 5,
      .description = "a family with no loopback address, or IPv6 for an IPv4 socket: -1/EAFNOSUPPORT, fd open" },
    { .step = 2, .name = "bind_getsockname_fails", .points = 1, .run = test_bind_getsockname_fails,
      .timeout_s = 5, .description = "getsockname() fails (ENOBUFS): -1 with its errno, not a made-up port" },
    { .step = 2, .name = "bind_ipv6", .points = 1, .run = test_bind_ipv6, .timeout_s = 5,
      .description = "AF_INET6: bound to [::1] and the port returned", .needs = "IPv6 on loopback" },
    { .step = 3, .name = "listen_makes_listener", .points = 2, .run = test_listen_makes_listener, .timeout_s = 5,
      .description = "refused before listen(); after it the kernel lists LISTEN with the backlog, and connects work" },
    { .step = 3, .name = "handshake_before_accept", .points = 2, .run = test_handshake_before_accept,
      .timeout_s = 5,
      .description = "3 clients ESTABLISHED with no accept(): the listener's queue holds 3, with no descriptors" },
    { .step = 3, .name = "backlog_bounds_queue", .points = 2, .run = test_backlog_bounds_queue, .timeout_s = 5,
      .description = "backlog 2: 3 connections complete, the next clients stay in SYN_SENT" },
    { .step = 3, .name = "listen_error_keeps_fd", .points = 1, .run = test_listen_error_keeps_fd, .timeout_s = 5,
      .description = "listen on a connected socket gives -1/EINVAL; the socket stays open" },
    { .step = 4, .name = "accept_new_socket", .points = 3, .run = test_accept_new_socket, .timeout_s = 5,
      .description = "a new ESTABLISHED socket, listener's address to the client's; the listener stays LISTEN" },
    { .step = 4, .name = "accept_in_order", .points = 2, .run = test_accept_in_order, .timeout_s = 5,
      .description = "3 queued connections come out first in, first out; the queue shrinks by one each time" },
    { .step = 4, .name = "accept_not_listening", .points = 1, .run = test_accept_not_listening, .timeout_s = 5,
      .description = "accept on a socket that is not listening gives -1/EINVAL and no descriptor" },
    { .step = 4, .name = "accept_other_addresses", .points = 1, .run = test_accept_other_addresses,
      .timeout_s = 5,
      .description = "wildcard listener, client 127.0.0.2 to 127.0.0.3: the client's address comes back" },
    { .step = 4, .name = "accept_ipv6", .points = 1, .run = test_accept_ipv6, .timeout_s = 5,
      .description = "on [::1]: the client's whole IPv6 address comes back", .needs = "IPv6 on loopback" },
    { .step = 5, .name = "open_server_listens", .points = 2, .run = test_open_server_listens, .timeout_s = 5,
      .description = "the kernel lists the returned fd as LISTEN on 127.0.0.1, with the backlog given" },
    { .step = 5, .name = "open_server_chosen_port", .points = 1, .run = test_open_server_chosen_port,
      .timeout_s = 5, .description = "a chosen port: LISTEN on exactly that port" },
    { .step = 5, .name = "open_server_addr_in_use", .points = 2, .run = test_open_server_addr_in_use,
      .timeout_s = 5, .description = "a port in use gives -1/EADDRINUSE (bind's errno) and leaves nothing open" },
    { .step = 5, .name = "open_server_no_socket", .points = 1, .run = test_open_server_no_socket,
      .timeout_s = 5, .description = "out of descriptors: socket()'s -1/EMFILE, and no bind() of -1" },
    { .step = 5, .name = "open_server_listen_fails", .points = 1, .run = test_open_server_listen_fails,
      .timeout_s = 5, .description = "listen() fails (EADDRINUSE): -1 with its errno, the socket closed" },
    { .step = 5, .name = "open_server_ipv6", .points = 1, .run = test_open_server_ipv6, .timeout_s = 5,
      .description = "AF_INET6: LISTEN on [::1]", .needs = "IPv6 on loopback" },
    { .step = 6, .name = "echo_one_client", .points = 2, .run = test_echo_one_client, .timeout_s = 8,
      .description = "one client gets back exactly its 100000 bytes, then EOF" },
    { .step = 6, .name = "echo_clients_in_turn", .points = 3, .run = test_echo_clients_in_turn, .timeout_s = 8,
      .description = "3 clients connected at once, served in turn: each gets back exactly its own bytes" },
    { .step = 6, .name = "echo_closes_descriptors", .points = 2, .run = test_echo_closes_descriptors,
      .timeout_s = 8,
      .description = "every accepted fd closed (no CLOSE_WAIT left), the listener kept open and LISTEN" },
    { .step = 6, .name = "echo_short_writes", .points = 2, .run = test_echo_short_writes, .timeout_s = 5,
      .description = "read() gives 500 bytes, write() takes 7 a call: the echo is still exact" },
    { .step = 6, .name = "echo_interrupted", .points = 1, .run = test_echo_interrupted, .timeout_s = 5,
      .description = "read() or write() interrupted (EINTR): called again, the echo is exact, result 0" },
    { .step = 6, .name = "echo_read_error", .points = 1, .run = test_echo_read_error, .timeout_s = 5,
      .description = "a client that resets: read()'s -1/ECONNRESET, the connection closed, listener kept" },
    { .step = 6, .name = "echo_write_error", .points = 2, .run = test_echo_write_error, .timeout_s = 5,
      .description = "a client that sends, then resets: write()'s -1/ECONNRESET, no write after it, closed" },
    { .step = 6, .name = "echo_accept_error", .points = 1, .run = test_echo_accept_error, .timeout_s = 5,
      .description = "a socket that is not listening: accept()'s -1/EINVAL, no read() of -1" },
    { .step = 7, .name = "request_round_trip", .points = 2, .run = test_request_round_trip, .timeout_s = 5,
      .description = "2000 bytes echoed back exactly; the server read EOF; no descriptor left open" },
    { .step = 7, .name = "request_refused", .points = 2, .run = test_request_refused, .timeout_s = 5,
      .description = "to a port nobody listens on: -1/ECONNREFUSED and no descriptor left open" },
    { .step = 7, .name = "request_reply_in_pieces", .points = 2, .run = test_request_reply_in_pieces,
      .timeout_s = 5, .description = "the echo comes in 4 pieces with pauses: all 2000 bytes, in order" },
    { .step = 7, .name = "request_reply_too_long", .points = 1, .run = test_request_reply_too_long,
      .timeout_s = 5, .description = "a 2000-byte echo, reply_size 1200: exactly 1200 bytes stored and returned" },
    { .step = 7, .name = "request_peer_resets", .points = 2, .run = test_request_peer_resets, .timeout_s = 5,
      .description = "the server resets after 100 bytes: -1/ECONNRESET, the socket closed" },
    { .step = 7, .name = "request_interrupted", .points = 1, .run = test_request_interrupted, .timeout_s = 5,
      .description = "write() and read() interrupted (EINTR): called again, the echo is exact" },
    { .step = 7, .name = "request_call_fails", .points = 1, .run = test_request_call_fails, .timeout_s = 8,
      .description = "write() or shutdown() fails: -1 with its errno, the socket closed" },
    { .step = 7, .name = "request_no_socket", .points = 1, .run = test_request_no_socket, .timeout_s = 5,
      .description = "out of descriptors: socket()'s -1/EMFILE, and no connect() of -1" },
    { .step = 7, .name = "request_other_address", .points = 1, .run = test_request_other_address,
      .timeout_s = 5, .description = "a server on 127.0.0.3 only: the request reaches it there" },
    { .step = 7, .name = "request_ipv6", .points = 1, .run = test_request_ipv6, .timeout_s = 5,
      .description = "the same request to [::1]", .needs = "IPv6 on loopback" },
};

GRADE_LAB("02", "The server's syscalls", steps, tests);
