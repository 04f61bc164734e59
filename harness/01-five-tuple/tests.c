/*
 * tests.c - the graded tests of Lab 01, "The 5-tuple".
 *
 * Every test checks what the kernel did, not what the student's function
 * said it did: the socket table (sock_diag, through tl_kernel_view), the
 * test's own getsockname()/getpeername(), errno values, and the process's
 * open descriptors. A test first requires the call it grades to work, so
 * the untouched skeleton (every function fails with ENOSYS) scores nothing,
 * even where a test expects a failure.
 *
 * Steps 2, 3 and 4 build their connections with the harness's own code, so
 * a student earns them even before step 1 works. No test uses a fixed port:
 * listeners bind port 0, and a "closed" or "free" port is one the kernel
 * just gave out and the test released.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "faults.h"
#include "lab.h"
#include "testlib.h"

/* How long a test waits for a connection to reach accept(). */
#define ACCEPT_TIMEOUT_MS 2000

/* Connections opened at once in step 5. */
#define MANY 20

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* The kernel's ephemeral port range (net.ipv4.ip_local_port_range). */
static void ephemeral_range(uint16_t *low, uint16_t *high)
{
    ck_assert_msg(kit_local_port_range(low, high) == 0, "harness: cannot read ip_local_port_range: %s",
                  sl_errno_name(errno));
}

static void require_ephemeral_port(uint16_t port, const char *what)
{
    uint16_t low, high;

    ephemeral_range(&low, &high);
    ck_assert_msg(port >= low && port <= high,
                  "%s has source port %u, outside the ephemeral range %u-%u: the kernel did not pick it", what,
                  port, low, high);
}

/* Expect the kernel to list fd as ESTABLISHED to server; returns its entry. */
static struct sl_diag_socket require_established_to(int fd, const struct sockaddr_storage *server,
                                                     const char *what)
{
    struct sl_diag_socket k = tl_kernel_view(fd, what);

    ck_assert_msg(k.family == server->ss_family, "%s: the kernel lists an %s socket, expected %s", what,
                  k.family == AF_INET6 ? "IPv6" : "IPv4", server->ss_family == AF_INET6 ? "IPv6" : "IPv4");
    ck_assert_msg(k.state == SL_ESTABLISHED, "%s: the kernel lists it in state %s, not ESTABLISHED", what,
                  sl_state_linux_name(k.state));
    ck_assert_msg(sl_addr_equal(tl_sa(&k.remote), tl_sa(server)),
                  "%s: the kernel says it is connected to %s, not to %s", what, tl_str(&k.remote, 0),
                  tl_str(server, 1));
    return k;
}

/* A listener on ip ("127.0.0.2", "0.0.0.0"), port 0; *addr gets its address. */
static int listener_on(const char *ip, struct sockaddr_storage *addr)
{
    socklen_t len;
    int fd;

    ck_assert_msg(sl_addr_parse(ip, 0, addr, &len) == 0, "harness: bad address %s", ip);
    fd = kit_listen_on(addr, 16);
    ck_assert_msg(fd != -1, "harness: cannot listen on %s: %s", ip, sl_errno_name(errno));
    return fd;
}

/* A client bound to from_ip (port 0), connected to server. */
static int client_from(const char *from_ip, const struct sockaddr_storage *server)
{
    struct sockaddr_storage local;
    int fd = tl_bound_socket(from_ip, &local);

    ck_assert_msg(connect(fd, tl_sa(server), tl_sa_len(server)) == 0, "harness: connect from %s to %s: %s", from_ip,
                  tl_str(server, 0), sl_errno_name(errno));
    return fd;
}

/* Expect two tuples to be the same, explaining any difference. */
static void require_same_tuple(const struct sl_five_tuple *got, const struct sl_five_tuple *want,
                               const char *what)
{
    ck_assert_msg(got->protocol == IPPROTO_TCP, "%s: protocol is %d, expected IPPROTO_TCP (%d)", what,
                  got->protocol, IPPROTO_TCP);
    ck_assert_msg(sl_addr_equal(tl_sa(&got->local), tl_sa(&want->local)), "%s: local is %s, the kernel says %s", what,
                  tl_str(&got->local, 0), tl_str(&want->local, 1));
    ck_assert_msg(sl_addr_equal(tl_sa(&got->remote), tl_sa(&want->remote)), "%s: remote is %s, the kernel says %s",
                  what, tl_str(&got->remote, 0), tl_str(&want->remote, 1));
}

/* The kernel's 5-tuple for fd, from its sock_diag entry. */
static struct sl_five_tuple kernel_tuple(int fd, const char *what)
{
    struct sl_diag_socket k = tl_kernel_view(fd, what);
    struct sl_five_tuple t = { .protocol = IPPROTO_TCP, .local = k.local, .remote = k.remote };

    return t;
}

/*
 * Let the process open only `room` more descriptors: set RLIMIT_NOFILE's
 * soft limit just above the room-th free descriptor number (a new
 * descriptor always takes the lowest free number). *saved receives the
 * old limits for restore_fd_limit().
 */
static void limit_fd_room(int room, struct rlimit *saved)
{
    struct rlimit lower;
    int fd = -1;

    ck_assert_msg(getrlimit(RLIMIT_NOFILE, saved) == 0, "harness: getrlimit: %s", sl_errno_name(errno));
    while (room > 0) {
        fd++;
        if (!tl_fd_is_open(fd))
            room--;
    }
    lower = *saved;
    lower.rlim_cur = (rlim_t)fd + 1;
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, &lower) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
}

static void restore_fd_limit(const struct rlimit *saved)
{
    ck_assert_msg(sj_setrlimit(RLIMIT_NOFILE, saved) == 0, "harness: setrlimit: %s", sl_errno_name(errno));
}

/* ------------------------------------------------------------------ */
/* Step 1: Connect without bind()                                       */
/* ------------------------------------------------------------------ */

static void test_connect_established(void)
{
    struct sockaddr_storage server;
    int listener = tl_listener(AF_INET, &server);

    int fd = lab01_connect(tl_sa(&server), tl_sa_len(&server));
    tl_require_success(fd, errno, "lab01_connect(127.0.0.1:port of a listener)");
    ck_assert_msg(tl_fd_is_open(fd), "lab01_connect returned %d, which is not an open descriptor", fd);
    require_established_to(fd, &server, "the socket lab01_connect returned");

    close(fd);
    close(listener);
}

static void test_kernel_picks_source(void)
{
    struct sockaddr_storage server;
    int listener = tl_listener(AF_INET, &server);

    int fd = lab01_connect(tl_sa(&server), tl_sa_len(&server));
    tl_require_success(fd, errno, "lab01_connect");
    struct sl_diag_socket k = require_established_to(fd, &server, "the socket lab01_connect returned");

    /* The route towards 127.0.0.1 (the local route of 127.0.0.0/8 on lo)
     * names the source 127.0.0.1: that is what the kernel must choose. */
    ck_assert_msg(sl_addr_same_host(tl_sa(&k.local), tl_sa(&server)),
                  "the kernel lists source address %s; connecting to 127.0.0.1 without bind() gives 127.0.0.1",
                  tl_str(&k.local, 0));
    require_ephemeral_port(sl_addr_port(tl_sa(&k.local)), "the connection");

    close(fd);
    close(listener);
}

static void test_refused_closes_socket(void)
{
    struct sockaddr_storage server, closed;
    int listener = tl_listener(AF_INET, &server);

    /* First the call must work at all: a skeleton returning -1 must not
     * pass a test that expects -1. */
    int fd = lab01_connect(tl_sa(&server), tl_sa_len(&server));
    tl_require_success(fd, errno, "lab01_connect to a listener");
    close(fd);

    tl_free_port("127.0.0.1", &closed);
    int before = tl_open_fd_count();
    int result = lab01_connect(tl_sa(&closed), tl_sa_len(&closed));
    int err = errno;
    int after = tl_open_fd_count();

    if (result >= 0)
        close(result);
    tl_require_failure(result, err, ECONNREFUSED, "lab01_connect to a port nobody listens on");
    ck_assert_msg(after == before,
                  "after a refused connect the process has %d descriptors open, before it had %d: "
                  "the socket was not closed",
                  after, before);
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 2: Read the 5-tuple back                                        */
/* ------------------------------------------------------------------ */

static void test_tuple_matches_kernel(void)
{
    struct sockaddr_storage server;
    struct sl_five_tuple got, ours, kernel;
    int listener = tl_listener(AF_INET, &server);
    int client = tl_connect(&server);
    int accepted = tl_accept(listener, ACCEPT_TIMEOUT_MS);

    /* The client's end. */
    memset(&got, 0xAA, sizeof got); /* garbage, so nothing passes by luck */
    int result = lab01_five_tuple(client, &got);
    tl_require_success(result, errno, "lab01_five_tuple(client)");
    kernel = kernel_tuple(client, "the client socket");
    require_same_tuple(&got, &kernel, "client's tuple");
    ck_assert_msg(kit_five_tuple_of(client, &ours) == 0, "harness: the kernel's table has no connection for the client: %s", sl_errno_name(errno));
    ck_assert_msg(sl_five_tuple_equal(&got, &ours), "client's tuple differs from getsockname/getpeername");

    ck_assert_msg(result == 0, "lab01_five_tuple returned %d on success; the contract says 0", result);

    /* The server's end of the same connection: the same calls work there. */
    memset(&got, 0xAA, sizeof got);
    result = lab01_five_tuple(accepted, &got);
    tl_require_success(result, errno, "lab01_five_tuple(accepted socket)");
    kernel = kernel_tuple(accepted, "the accepted socket");
    require_same_tuple(&got, &kernel, "server's tuple");

    close(accepted);
    close(client);
    close(listener);

    /* Both ends on different addresses (127.0.0.3 -> 127.0.0.2), so no
     * mix-up of local and remote, or of address and port, hides. */
    listener = listener_on("127.0.0.2", &server);
    client = client_from("127.0.0.3", &server);
    memset(&got, 0xAA, sizeof got);
    result = lab01_five_tuple(client, &got);
    tl_require_success(result, errno, "lab01_five_tuple(a client 127.0.0.3 -> 127.0.0.2)");
    kernel = kernel_tuple(client, "the client socket");
    require_same_tuple(&got, &kernel, "client's tuple (127.0.0.3 -> 127.0.0.2)");
    close(client);
    close(listener);
}

static void test_tuple_errors(void)
{
    struct sl_five_tuple got;
    int unconnected = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_msg(unconnected != -1, "harness: socket: %s", sl_errno_name(errno));
    int result = lab01_five_tuple(unconnected, &got);
    tl_require_failure(result, errno, ENOTCONN, "lab01_five_tuple on a socket that is not connected");

    /* Each call the step makes, failing (made to by the test): -1 with that
     * call's errno, never a tuple half filled in. */
    struct sockaddr_storage server;
    int listener = tl_listener(AF_INET, &server);
    int client = tl_connect(&server);
    static const struct {
        enum fault_call call;
        int err;
        const char *what;
    } failing[] = {
        { FC_GETSOCKOPT, ENOBUFS, "lab01_five_tuple when getsockopt(SO_PROTOCOL) fails (ENOBUFS)" },
        { FC_GETSOCKNAME, ENOBUFS, "lab01_five_tuple when getsockname() fails (ENOBUFS)" },
        { FC_GETPEERNAME, ENOBUFS, "lab01_five_tuple when getpeername() fails (ENOBUFS)" },
    };
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        fault_fail_always(failing[i].call, failing[i].err);
        result = lab01_five_tuple(client, &got);
        int call_err = errno;
        fault_clear();
        tl_require_failure(result, call_err, failing[i].err, failing[i].what);
    }
    close(client);
    close(listener);
    result = lab01_five_tuple(-1, &got);
    tl_require_failure(result, errno, EBADF, "lab01_five_tuple(-1)");
    close(unconnected);
}

/* ------------------------------------------------------------------ */
/* Step 3: The source port                                              */
/* ------------------------------------------------------------------ */

static void check_source_port(int family)
{
    struct sockaddr_storage server, bound;
    const char *loopback = family == AF_INET6 ? "::1" : "127.0.0.1";
    int listener = tl_listener(family, &server);

    /* A connection whose port the kernel picked at connect(). */
    int client = tl_connect(&server);
    struct sl_diag_socket k = tl_kernel_view(client, "the client socket");
    int port = lab01_source_port(client);
    tl_require_success(port, errno, "lab01_source_port");
    ck_assert_msg(port == sl_addr_port(tl_sa(&k.local)), "lab01_source_port says %d; the kernel lists port %u%s", port,
                  sl_addr_port(tl_sa(&k.local)),
                  port == ntohs((uint16_t)sl_addr_port(tl_sa(&k.local))) ? " (network byte order: use ntohs())" : "");
    require_ephemeral_port((uint16_t)port, "the client socket");

    /* A socket bound to a port whose two bytes differ, so that a missing
     * ntohs() cannot go unnoticed. */
    int fd = tl_telltale_bound_socket(loopback, &bound);
    ck_assert_msg(connect(fd, tl_sa(&server), tl_sa_len(&server)) == 0, "harness: connect: %s", sl_errno_name(errno));
    uint16_t want = sl_addr_port(tl_sa(&bound));
    port = lab01_source_port(fd);
    tl_require_success(port, errno, "lab01_source_port");
    ck_assert_msg(port == want, "lab01_source_port says %d for a socket bound to port %u%s", port, want,
                  port == ntohs(want) ? " (network byte order: use ntohs())" : "");

    port = lab01_source_port(-1);
    tl_require_failure(port, errno, EBADF, "lab01_source_port(-1)");

    /* A socket that is neither IPv4 nor IPv6 has no port. */
    int local_pair[2];
    ck_assert_msg(socketpair(AF_UNIX, SOCK_STREAM, 0, local_pair) == 0, "harness: socketpair: %s", sl_errno_name(errno));
    port = lab01_source_port(local_pair[0]);
    tl_require_failure(port, errno, EAFNOSUPPORT, "lab01_source_port on an AF_UNIX socket");
    close(local_pair[0]);
    close(local_pair[1]);

    close(fd);
    close(client);
    close(listener);
}

static void test_source_port_ipv4(void)
{
    check_source_port(AF_INET);
}

static void test_source_port_ipv6(void)
{
    tl_require_ipv6();
    check_source_port(AF_INET6);
}

/* ------------------------------------------------------------------ */
/* Step 4: The server's view                                            */
/* ------------------------------------------------------------------ */

static void test_accept_mirror(void)
{
    struct sockaddr_storage server;
    struct sl_five_tuple server_view, client_view, mirrored;
    int listener = tl_listener(AF_INET, &server);
    int client = tl_connect(&server);

    memset(&server_view, 0xAA, sizeof server_view);
    int accepted = lab01_accept_view(listener, &server_view);
    tl_require_success(accepted, errno, "lab01_accept_view");
    ck_assert_msg(accepted != listener, "lab01_accept_view returned the listening socket itself, not the new one");

    ck_assert_msg(kit_five_tuple_of(client, &client_view) == 0, "harness: the kernel's table has no connection for the client: %s", sl_errno_name(errno));
    sl_five_tuple_mirror(&client_view, &mirrored);
    ck_assert_msg(sl_five_tuple_equal(&server_view, &mirrored),
                  "the server's tuple %s -> %s is not the client's %s -> %s mirrored", tl_str(&server_view.local, 0),
                  tl_str(&server_view.remote, 1), tl_str(&client_view.local, 2), tl_str(&client_view.remote, 3));

    struct sl_five_tuple kernel = kernel_tuple(accepted, "the socket lab01_accept_view returned");
    require_same_tuple(&server_view, &kernel, "server's tuple");

    close(accepted);
    close(client);
    close(listener);

    /* A listener on the wildcard address 0.0.0.0, reached at 127.0.0.2 from
     * 127.0.0.3: the server's local end is 127.0.0.2, which only the
     * accepted socket knows (the listener says 0.0.0.0). */
    struct sockaddr_storage wildcard, reach;
    listener = listener_on("0.0.0.0", &wildcard);
    ck_assert(sl_addr_parse("127.0.0.2", sl_addr_port(tl_sa(&wildcard)), &reach, &(socklen_t){ 0 }) == 0);
    client = client_from("127.0.0.3", &reach);
    memset(&server_view, 0xAA, sizeof server_view);
    accepted = lab01_accept_view(listener, &server_view);
    tl_require_success(accepted, errno, "lab01_accept_view on a listener bound to 0.0.0.0");
    kernel = kernel_tuple(accepted, "the socket lab01_accept_view returned");
    require_same_tuple(&server_view, &kernel, "server's tuple (listener on 0.0.0.0, reached at 127.0.0.2)");
    close(accepted);
    close(client);
    close(listener);
}

/*
 * A client that gave up before the server accepted: it reset the
 * connection (SO_LINGER 0, then close()) while it waited in the queue.
 * accept() still returns it, but it has no peer any more: getpeername()
 * fails with ENOTCONN, and lab01_accept_view must fail the same way and
 * close the descriptor accept() gave it.
 */
static void test_accept_peer_gone(void)
{
    struct sockaddr_storage server;
    struct sl_five_tuple view, client_tuple;
    int listener = tl_listener(AF_INET, &server);
    int client = tl_connect(&server);

    ck_assert_msg(kit_five_tuple_of(client, &client_tuple) == 0, "harness: the client is not connected: %s",
                  sl_errno_name(errno));
    ck_assert_msg(setsockopt(client, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger)) == 0,
                  "harness: SO_LINGER: %s", sl_errno_name(errno));
    close(client);
    /* The reset has reached the queued connection once the kernel no
     * longer lists the server's end of it. */
    tl_await_connection_gone(&client_tuple.remote, &client_tuple.local, ACCEPT_TIMEOUT_MS,
                             "the server's end of the reset connection");

    int before = tl_open_fd_count();
    int result = lab01_accept_view(listener, &view);
    int err = errno;
    int after = tl_open_fd_count();
    if (result >= 0)
        close(result);
    tl_require_failure(result, err, ENOTCONN,
                       "lab01_accept_view on a connection whose client reset it before accept() "
                       "(getpeername() fails on it)");
    ck_assert_msg(after == before,
                  "lab01_accept_view failed but left %d descriptor(s) open: close the socket accept() returned",
                  after - before);
    struct sl_diag_socket k = tl_kernel_view(listener, "the listening socket");
    ck_assert_msg(k.state == SL_LISTEN, "the listener is %s after a failed accept, not LISTEN",
                  sl_state_linux_name(k.state));
    close(listener);
}

static void test_listener_unchanged(void)
{
    struct sockaddr_storage server;
    struct sl_five_tuple view[2];
    int listener = tl_listener(AF_INET, &server);
    struct sl_diag_socket before = tl_kernel_view(listener, "the listening socket");
    int client[2] = { tl_connect(&server), tl_connect(&server) };
    int accepted[2];

    for (int i = 0; i < 2; i++) {
        accepted[i] = lab01_accept_view(listener, &view[i]);
        tl_require_success(accepted[i], errno, "lab01_accept_view");
        struct sl_diag_socket k = tl_kernel_view(accepted[i], "the socket lab01_accept_view returned");
        ck_assert_msg(k.inode != before.inode, "lab01_accept_view returned the listening socket, not a new one");
        ck_assert_msg(k.state == SL_ESTABLISHED, "the accepted socket is %s in the kernel, not ESTABLISHED",
                      sl_state_linux_name(k.state));
    }
    ck_assert_msg(accepted[0] != accepted[1], "two accepts returned the same descriptor %d", accepted[0]);

    /* The listener is the same socket, still listening on the same port. */
    struct sl_diag_socket after = tl_kernel_view(listener, "the listening socket");
    ck_assert_msg(after.inode == before.inode && after.state == SL_LISTEN &&
                      sl_addr_equal(tl_sa(&after.local), tl_sa(&server)),
                  "after two accepts the listening socket is %s on %s; it should still be LISTEN on %s",
                  sl_state_linux_name(after.state), tl_str(&after.local, 0), tl_str(&server, 1));

    /* accept() on a socket that does not listen fails, and opens nothing. */
    int before_count = tl_open_fd_count();
    int result = lab01_accept_view(client[0], &view[0]);
    int err = errno;
    int after_count = tl_open_fd_count();
    tl_require_failure(result, err, EINVAL, "lab01_accept_view on a connected (not listening) socket");
    ck_assert_msg(after_count == before_count, "a failed lab01_accept_view left %d descriptor(s) open",
                  after_count - before_count);

    for (int i = 0; i < 2; i++) {
        close(accepted[i]);
        close(client[i]);
    }
    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 5: Many connections to one server                               */
/* ------------------------------------------------------------------ */

static void test_many_distinct_ports(void)
{
    struct sockaddr_storage server;
    struct sl_diag_socket k[MANY];
    int fds[MANY];
    int listener = tl_listener(AF_INET, &server);

    int result = lab01_connect_many(tl_sa(&server), tl_sa_len(&server), fds, MANY);
    tl_require_success(result, errno, "lab01_connect_many(127.0.0.1:port, n = 20)");
    ck_assert_msg(result == 0, "lab01_connect_many returned %d on success; the contract says 0", result);

    for (int i = 0; i < MANY; i++) {
        ck_assert_msg(tl_fd_is_open(fds[i]), "fds[%d] = %d is not an open descriptor", i, fds[i]);
        k[i] = require_established_to(fds[i], &server, "a socket from lab01_connect_many");
        ck_assert_msg(sl_addr_same_host(tl_sa(&k[i].local), tl_sa(&k[0].local)),
                      "fds[%d] comes from %s, fds[0] from %s: the kernel should pick the same source address",
                      i, tl_str(&k[i].local, 0), tl_str(&k[0].local, 1));
        require_ephemeral_port(sl_addr_port(tl_sa(&k[i].local)), "a socket from lab01_connect_many");
        for (int j = 0; j < i; j++)
            ck_assert_msg(k[i].inode != k[j].inode, "fds[%d] and fds[%d] are the same socket", j, i);
    }
    /* Same protocol, same addresses, same server port: the source ports
     * are all that tells the connections apart, so they must differ. */
    for (int i = 0; i < MANY; i++)
        for (int j = 0; j < i; j++)
            ck_assert_msg(sl_addr_port(tl_sa(&k[i].local)) != sl_addr_port(tl_sa(&k[j].local)),
                          "two connections share the source port %u", sl_addr_port(tl_sa(&k[i].local)));

    /* And the kernel's table, read as a whole: exactly MANY client
     * connections to this server port. */
    struct sl_diag_filter to_server = {
        .family = AF_INET,
        .states = SL_DIAG_STATE(TCP_ESTABLISHED),
        .remote_port = sl_addr_port(tl_sa(&server)),
    };
    struct sl_diag_socket all[MANY + 1];
    int n = sl_diag_list(&to_server, all, MANY + 1);
    ck_assert_msg(n == MANY, "the kernel lists %d ESTABLISHED connections to %s, expected %d", n,
                  tl_str(&server, 0), MANY);

    for (int i = 0; i < MANY; i++)
        close(fds[i]);
    close(listener);
}

static void test_many_all_or_nothing(void)
{
    struct sockaddr_storage server, closed;
    struct rlimit saved;
    int fds[5];
    int listener = tl_listener(AF_INET, &server);

    int result = lab01_connect_many(tl_sa(&server), tl_sa_len(&server), fds, 2);
    tl_require_success(result, errno, "lab01_connect_many(n = 2)");
    close(fds[0]);
    close(fds[1]);
    /* One connection is a fine "many". */
    result = lab01_connect_many(tl_sa(&server), tl_sa_len(&server), fds, 1);
    tl_require_success(result, errno, "lab01_connect_many(n = 1)");
    ck_assert_msg(tl_fd_is_open(fds[0]), "lab01_connect_many(n = 1) left fds[0] = %d, not an open descriptor", fds[0]);
    close(fds[0]);

    /* Every connection refused: nothing may stay open. */
    tl_free_port("127.0.0.1", &closed);
    int before = tl_open_fd_count();
    result = lab01_connect_many(tl_sa(&closed), tl_sa_len(&closed), fds, 3);
    int err = errno;
    int after = tl_open_fd_count();
    tl_require_failure(result, err, ECONNREFUSED, "lab01_connect_many to a port nobody listens on");
    ck_assert_msg(after == before, "a refused lab01_connect_many left %d descriptor(s) open", after - before);

    /* The 4th of 5 connections fails (room for 3 descriptors only): the 3
     * already made must be closed again. */
    before = tl_open_fd_count();
    limit_fd_room(3, &saved);
    result = lab01_connect_many(tl_sa(&server), tl_sa_len(&server), fds, 5);
    err = errno;
    restore_fd_limit(&saved);
    after = tl_open_fd_count();
    tl_require_failure(result, err, EMFILE, "lab01_connect_many(n = 5) with room for 3 descriptors");
    ck_assert_msg(after == before,
                  "lab01_connect_many failed at the 4th connection but left %d descriptor(s) open: "
                  "close the ones already made",
                  after - before);

    /* The same, with every close() of the clean-up reporting EIO: the error
     * to return is still the one of the connection that failed. */
    limit_fd_room(3, &saved);
    fault_fail_always(FC_CLOSE, EIO);
    result = lab01_connect_many(tl_sa(&server), tl_sa_len(&server), fds, 5);
    err = errno;
    fault_clear();
    restore_fd_limit(&saved);
    tl_require_failure(result, err, EMFILE,
                       "lab01_connect_many(n = 5) with room for 3 descriptors, when each close() reports EIO "
                       "(save errno before closing, restore it after)");

    /* No connection at all to make is a mistake of the caller's. */
    for (int n = 0; n >= -1; n--) {
        before = tl_open_fd_count();
        result = lab01_connect_many(tl_sa(&server), tl_sa_len(&server), fds, n);
        err = errno;
        after = tl_open_fd_count();
        tl_require_failure(result, err, EINVAL, n == 0 ? "lab01_connect_many(n = 0)" : "lab01_connect_many(n = -1)");
        ck_assert_msg(after == before, "lab01_connect_many(n = %d) left %d descriptor(s) open", n, after - before);
    }

    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 6: Bind before connect                                          */
/* ------------------------------------------------------------------ */

static void test_from_other_address(void)
{
    struct sockaddr_storage server, local;
    socklen_t local_len;
    int listener = tl_listener(AF_INET, &server);

    ck_assert(sl_addr_parse("127.0.0.2", 0, &local, &local_len) == 0);
    int fd = lab01_connect_from(tl_sa(&local), local_len, tl_sa(&server), tl_sa_len(&server));
    tl_require_success(fd, errno, "lab01_connect_from(127.0.0.2:0, server)");
    struct sl_diag_socket k = require_established_to(fd, &server, "the socket lab01_connect_from returned");
    ck_assert_msg(sl_addr_same_host(tl_sa(&k.local), tl_sa(&local)),
                  "the kernel lists the source %s, not 127.0.0.2: was bind() called before connect()?",
                  tl_str(&k.local, 0));
    require_ephemeral_port(sl_addr_port(tl_sa(&k.local)), "a socket bound to port 0");

    close(fd);
    close(listener);
}

static void test_from_given_port(void)
{
    struct sockaddr_storage server, local;
    int listener = tl_listener(AF_INET, &server);
    int fd = -1, err = 0;

    /* The free port could be taken by someone else before we use it:
     * then bind() says EADDRINUSE and we try another. */
    for (int attempt = 0; attempt < 5 && fd == -1; attempt++) {
        tl_free_port("127.0.0.3", &local);
        fd = lab01_connect_from(tl_sa(&local), tl_sa_len(&local), tl_sa(&server), tl_sa_len(&server));
        err = errno;
        if (fd == -1 && err != EADDRINUSE)
            break;
    }
    tl_require_success(fd, err, "lab01_connect_from(127.0.0.3:free port, server)");
    struct sl_diag_socket k = require_established_to(fd, &server, "the socket lab01_connect_from returned");
    ck_assert_msg(sl_addr_equal(tl_sa(&k.local), tl_sa(&local)), "the kernel lists the source %s, expected exactly %s",
                  tl_str(&k.local, 0), tl_str(&local, 1));

    close(fd);
    close(listener);
}

static void test_from_taken_address(void)
{
    struct sockaddr_storage server, local;
    socklen_t local_len;
    int listener = tl_listener(AF_INET, &server);

    ck_assert(sl_addr_parse("127.0.0.2", 0, &local, &local_len) == 0);
    int fd = lab01_connect_from(tl_sa(&local), local_len, tl_sa(&server), tl_sa_len(&server));
    tl_require_success(fd, errno, "lab01_connect_from(127.0.0.2:0, server)");
    close(fd);

    /* The listener's own address is taken: bind() must fail, and then the
     * function must stop, report it, and close its socket. */
    int before = tl_open_fd_count();
    int result = lab01_connect_from(tl_sa(&server), tl_sa_len(&server), tl_sa(&server), tl_sa_len(&server));
    int err = errno;
    int after = tl_open_fd_count();
    if (result >= 0)
        close(result);
    tl_require_failure(result, err, EADDRINUSE, "lab01_connect_from with a source address a listener holds");
    ck_assert_msg(after == before, "a failed lab01_connect_from left %d descriptor(s) open", after - before);

    /* bind() works, connect() is refused: the same care. */
    struct sockaddr_storage closed;
    tl_free_port("127.0.0.1", &closed);
    before = tl_open_fd_count();
    result = lab01_connect_from(tl_sa(&local), local_len, tl_sa(&closed), tl_sa_len(&closed));
    err = errno;
    after = tl_open_fd_count();
    if (result >= 0)
        close(result);
    tl_require_failure(result, err, ECONNREFUSED, "lab01_connect_from(127.0.0.2:0) to a port nobody listens on");
    ck_assert_msg(after == before, "a refused lab01_connect_from left %d descriptor(s) open", after - before);

    /* No descriptor left to make a socket with: socket() fails, and so must the function. */
    struct rlimit saved;
    limit_fd_room(0, &saved);
    result = lab01_connect_from(tl_sa(&local), local_len, tl_sa(&server), tl_sa_len(&server));
    err = errno;
    restore_fd_limit(&saved);
    if (result >= 0)
        close(result);
    tl_require_failure(result, err, EMFILE, "lab01_connect_from when the process may open no more descriptors");

    close(listener);
}

/* ------------------------------------------------------------------ */
/* Step 7: IPv4 or IPv6                                                 */
/* ------------------------------------------------------------------ */

/*
 * The test's listener is there, so a refusal means the connection went to
 * another port: the classic missing htons(). Say so.
 */
static void require_loopback_connected(int fd, int err, const char *call)
{
    ck_assert_msg(!(fd == -1 && err == ECONNREFUSED),
                  "%s was refused although a server listens there: was the port converted with htons()?", call);
    tl_require_success(fd, err, call);
}

static void test_loopback_ipv4(void)
{
    struct sockaddr_storage server;
    int listener = tl_telltale_listener(AF_INET, &server);

    int fd = lab01_connect_loopback(AF_INET, sl_addr_port(tl_sa(&server)));
    require_loopback_connected(fd, errno, "lab01_connect_loopback(AF_INET, port)");
    require_established_to(fd, &server, "the socket lab01_connect_loopback(AF_INET) returned");
    close(fd);

    int before = tl_open_fd_count();
    int result = lab01_connect_loopback(AF_UNIX, sl_addr_port(tl_sa(&server)));
    int err = errno;
    ck_assert_msg(tl_open_fd_count() == before, "lab01_connect_loopback(AF_UNIX) left a descriptor open");
    tl_require_failure(result, err, EAFNOSUPPORT, "lab01_connect_loopback(AF_UNIX, port)");

    close(listener);
}

static void test_loopback_ipv6(void)
{
    struct sockaddr_storage server;

    tl_require_ipv6();
    int listener = tl_telltale_listener(AF_INET6, &server);

    int fd = lab01_connect_loopback(AF_INET6, sl_addr_port(tl_sa(&server)));
    require_loopback_connected(fd, errno, "lab01_connect_loopback(AF_INET6, port)");
    struct sl_diag_socket k = require_established_to(fd, &server, "the socket lab01_connect_loopback(AF_INET6) returned");
    ck_assert_msg(sl_addr_same_host(tl_sa(&k.local), tl_sa(&server)), "the kernel lists the source %s, expected ::1",
                  tl_str(&k.local, 0));

    close(fd);
    close(listener);
}

static void test_ipv6_all_steps(void)
{
    struct sockaddr_storage server, local;
    struct sl_five_tuple client_view, server_view, mirrored, kernel;
    socklen_t local_len;
    int fds[3];

    tl_require_ipv6();
    int listener = tl_listener(AF_INET6, &server);

    /* Step 1 and 2 on ::1. */
    int client = lab01_connect(tl_sa(&server), tl_sa_len(&server));
    tl_require_success(client, errno, "lab01_connect([::1]:port)");
    struct sl_diag_socket k = require_established_to(client, &server, "the socket lab01_connect([::1]) returned");
    int result = lab01_five_tuple(client, &client_view);
    tl_require_success(result, errno, "lab01_five_tuple on an IPv6 socket");
    kernel = kernel_tuple(client, "the IPv6 client");
    require_same_tuple(&client_view, &kernel, "IPv6 client's tuple");

    /* Step 3. */
    int port = lab01_source_port(client);
    tl_require_success(port, errno, "lab01_source_port on an IPv6 socket");
    ck_assert_msg(port == sl_addr_port(tl_sa(&k.local)), "lab01_source_port says %d; the kernel lists %u", port,
                  sl_addr_port(tl_sa(&k.local)));

    /* Step 4. */
    int accepted = lab01_accept_view(listener, &server_view);
    tl_require_success(accepted, errno, "lab01_accept_view on an IPv6 listener");
    sl_five_tuple_mirror(&kernel, &mirrored);
    require_same_tuple(&server_view, &mirrored, "IPv6 server's tuple (the client's, mirrored)");

    /* Step 5. */
    result = lab01_connect_many(tl_sa(&server), tl_sa_len(&server), fds, 3);
    tl_require_success(result, errno, "lab01_connect_many([::1]:port, n = 3)");
    for (int i = 0; i < 3; i++) {
        require_established_to(fds[i], &server, "a socket from lab01_connect_many([::1])");
        close(fds[i]);
    }

    /* Step 6. */
    ck_assert(sl_addr_parse("::1", 0, &local, &local_len) == 0);
    int from = lab01_connect_from(tl_sa(&local), local_len, tl_sa(&server), tl_sa_len(&server));
    tl_require_success(from, errno, "lab01_connect_from([::1]:0, [::1]:port)");
    k = require_established_to(from, &server, "the socket lab01_connect_from([::1]) returned");
    ck_assert_msg(sl_addr_same_host(tl_sa(&k.local), tl_sa(&local)), "the kernel lists the source %s, expected ::1",
                  tl_str(&k.local, 0));

    close(from);
    close(accepted);
    close(client);
    close(listener);
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

static const struct grade_step steps[] = {
    { 1, "Connect without bind()",
      "socket() with the server's family, then connect(): no bind(), the kernel picks the source address "
      "and port for you. When connect() fails, close the socket before returning -1, and keep connect()'s "
      "errno (save it before close())." },
    { 2, "Read the 5-tuple back",
      "getsockname() is *your* end (local), getpeername() the other end (remote). Set the length to "
      "sizeof(struct sockaddr_storage) before each call, and return -1 as soon as a call fails." },
    { 3, "The source port",
      "Read the local address with getsockname() into a struct sockaddr_storage, then take sin_port "
      "(AF_INET) or sin6_port (AF_INET6). It is in network byte order: return ntohs() of it." },
    { 4, "The server's view",
      "accept() returns a NEW descriptor; read the tuple from that one, not from the listening socket. "
      "The listener stays in LISTEN; if accept() fails, return -1." },
    { 5, "Many connections to one server",
      "Call lab01_connect() n times. If call k fails, close the k descriptors already made, then return -1 "
      "with the failed call's errno (save it before closing)." },
    { 6, "Bind before connect",
      "socket(), then bind() to the local address, then connect(). Check bind()'s result: on EADDRINUSE "
      "stop, close the socket and return -1." },
    { 7, "IPv4 or IPv6",
      "Fill a struct sockaddr_in (127.0.0.1, htons(port)) or a struct sockaddr_in6 (in6addr_loopback, "
      "htons(port)) in a zeroed sockaddr_storage. In steps 1-6 take the family from the address and size "
      "buffers with sockaddr_storage, never sockaddr_in." },
};

/* Designated fields: a field added to struct grade_test later defaults to 0. */
static const struct grade_test tests[] = {
    { .step = 1, .name = "connect_established", .points = 2, .run = test_connect_established,
      .description = "lab01_connect gives a socket the kernel lists as ESTABLISHED to the server" },
    { .step = 1, .name = "kernel_picks_source", .points = 2, .run = test_kernel_picks_source,
      .description = "the source is 127.0.0.1 and a port from ip_local_port_range" },
    { .step = 1, .name = "refused_closes_socket", .points = 2, .run = test_refused_closes_socket,
      .description = "a refused connect returns -1/ECONNREFUSED and leaves no descriptor open" },
    { .step = 2, .name = "tuple_matches_kernel", .points = 2, .run = test_tuple_matches_kernel,
      .description = "the 5-tuple equals the kernel's entry, on the client and on the server" },
    { .step = 2, .name = "tuple_errors", .points = 1, .run = test_tuple_errors,
      .description = "ENOTCONN for an unconnected socket, EBADF for a bad descriptor" },
    { .step = 3, .name = "source_port_ipv4", .points = 2, .run = test_source_port_ipv4,
      .description = "the port equals the kernel's, in host byte order (IPv4)" },
    { .step = 3, .name = "source_port_ipv6", .points = 1, .run = test_source_port_ipv6,
      .description = "the port equals the kernel's, in host byte order (IPv6, ::1)",
      .needs = "IPv6 on loopback" },
    { .step = 4, .name = "accept_mirror", .points = 2, .run = test_accept_mirror,
      .description = "the server's tuple is the client's mirrored, and the kernel agrees" },
    { .step = 4, .name = "listener_unchanged", .points = 2, .run = test_listener_unchanged,
      .description = "accept gives new ESTABLISHED sockets, the listener stays LISTEN; EINVAL on a non-listener" },
    { .step = 4, .name = "accept_peer_gone", .points = 1, .run = test_accept_peer_gone,
      .description = "a client that reset before accept(): -1/ENOTCONN and the accepted descriptor closed" },
    { .step = 5, .name = "many_distinct_ports", .points = 2, .run = test_many_distinct_ports,
      .description = "20 connections: all ESTABLISHED, same source address, 20 different ports" },
    { .step = 5, .name = "many_all_or_nothing", .points = 2, .run = test_many_all_or_nothing,
      .description = "when one connection fails, none stays open (ECONNREFUSED, EMFILE)" },
    { .step = 6, .name = "from_other_address", .points = 2, .run = test_from_other_address,
      .description = "bound to 127.0.0.2 port 0: the kernel shows source 127.0.0.2" },
    { .step = 6, .name = "from_given_port", .points = 2, .run = test_from_given_port,
      .description = "bound to 127.0.0.3 and a chosen port: the kernel shows exactly that source" },
    { .step = 6, .name = "from_taken_address", .points = 1, .run = test_from_taken_address,
      .description = "a source address in use, a refused connect, no descriptor left: -1 with that errno, "
                     "nothing open" },
    { .step = 7, .name = "loopback_ipv4", .points = 1, .run = test_loopback_ipv4,
      .description = "lab01_connect_loopback(AF_INET) reaches 127.0.0.1:port; other families: EAFNOSUPPORT" },
    { .step = 7, .name = "loopback_ipv6", .points = 2, .run = test_loopback_ipv6,
      .description = "lab01_connect_loopback(AF_INET6) reaches [::1]:port",
      .needs = "IPv6 on loopback" },
    { .step = 7, .name = "ipv6_all_steps", .points = 2, .run = test_ipv6_all_steps,
      .description = "steps 1 to 6 on ::1: every tuple and port matches the kernel's",
      .needs = "IPv6 on loopback" },
};

GRADE_LAB("01", "The 5-tuple", steps, tests);
