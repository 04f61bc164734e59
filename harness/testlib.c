/*
 * testlib.c - helpers shared by the graded tests. See testlib.h.
 */
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void tl_loopback(int family, struct sockaddr_storage *addr)
{
    socklen_t len;

    ck_assert_msg(sl_addr_parse(family == AF_INET6 ? "::1" : "127.0.0.1", 0, addr, &len) == 0,
                  "harness: cannot make a loopback address");
}

int tl_listener(int family, struct sockaddr_storage *addr)
{
    int fd;

    tl_loopback(family, addr);
    fd = kit_listen_on(addr, 128);
    ck_assert_msg(fd != -1, "harness: cannot listen on %s loopback: %s",
                  family == AF_INET6 ? "IPv6" : "IPv4", sl_errno_name(errno));
    return fd;
}

int tl_connect(const struct sockaddr_storage *addr)
{
    int fd = kit_connect_to((const struct sockaddr *)addr);

    ck_assert_msg(fd != -1, "harness: cannot connect to %s: %s", tl_str(addr, 0), sl_errno_name(errno));
    return fd;
}

int tl_accept(int listen_fd, int timeout_ms)
{
    int ready = sl_wait_readable(listen_fd, timeout_ms);
    int fd;

    ck_assert_msg(ready == 1, "harness: no connection arrived within %d ms", timeout_ms);
    fd = accept(listen_fd, NULL, NULL);
    ck_assert_msg(fd != -1, "harness: accept() failed: %s", sl_errno_name(errno));
    return fd;
}

struct sl_diag_socket tl_kernel_view(int fd, const char *what)
{
    struct sl_diag_socket sock;
    int found = kit_diag_find_fd(fd, &sock);

    ck_assert_msg(found != -1, "%s (fd %d) is not a socket the kernel can describe: %s", what, fd,
                  sl_errno_name(errno));
    ck_assert_msg(found == 1, "the kernel's socket table has no TCP socket for %s (fd %d)", what, fd);
    return sock;
}

int tl_open_fd_count(void)
{
    int count = kit_open_fd_count();

    ck_assert_msg(count != -1, "harness: cannot read /proc/self/fd");
    return count;
}

bool tl_fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

bool tl_ipv6_available(void)
{
    struct sockaddr_storage addr;
    socklen_t len;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    bool ok;

    if (fd == -1)
        return false;
    sl_addr_parse("::1", 0, &addr, &len);
    ok = bind(fd, (struct sockaddr *)&addr, len) == 0;
    close(fd);
    return ok;
}

const char *tl_str(const struct sockaddr_storage *addr, int slot)
{
    static char buf[4][SL_ADDRSTRLEN];

    slot &= 3;
    return sl_addr_format((const struct sockaddr *)addr, buf[slot], sizeof buf[slot]);
}

/* ---- results and errors ------------------------------------------------ */

void tl_require_success(long result, int err, const char *call)
{
    ck_assert_msg(result != -1, "%s returned -1 with errno %s (%s)%s", call, sl_errno_name(err), strerror(err),
                  err == ENOSYS ? ": this step is not written yet" : "");
}

void tl_require_failure(long result, int err, int want, const char *call)
{
    ck_assert_msg(result == -1, "%s returned %ld; it should fail with -1 and errno %s", call, result,
                  sl_errno_name(want));
    ck_assert_msg(err == want, "%s returned -1 with errno %s (%s); expected %s", call, sl_errno_name(err),
                  strerror(err), sl_errno_name(want));
}

void tl_require_ipv6(void)
{
    if (!tl_ipv6_available())
        grade_skip("this machine cannot bind a TCP socket to ::1");
}

/* ---- addresses and ports ----------------------------------------------- */

const struct sockaddr *tl_sa(const struct sockaddr_storage *addr)
{
    return (const struct sockaddr *)addr;
}

socklen_t tl_sa_len(const struct sockaddr_storage *addr)
{
    return sl_addr_len(tl_sa(addr));
}

struct sockaddr_storage tl_local_address(int fd, const char *what)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;

    ck_assert_msg(getsockname(fd, (struct sockaddr *)&addr, &len) == 0, "getsockname() on %s (fd %d) failed: %s",
                  what, fd, sl_errno_name(errno));
    return addr;
}

bool tl_port_bytes_differ(uint16_t port)
{
    return (port >> 8) != (port & 0xff);
}

/* A socket on ip, port 0 as the kernel picks it: listening, or only bound. */
static int socket_on_port_zero(const char *ip, bool listening, struct sockaddr_storage *addr)
{
    socklen_t len;
    int fd;

    ck_assert_msg(sl_addr_parse(ip, 0, addr, &len) == 0, "harness: bad address %s", ip);
    if (listening) {
        fd = kit_listen_on(addr, 128);
        ck_assert_msg(fd != -1, "harness: cannot listen on %s port 0: %s", ip, sl_errno_name(errno));
        return fd;
    }
    fd = socket(addr->ss_family, SOCK_STREAM, 0);
    ck_assert_msg(fd != -1, "harness: socket: %s", sl_errno_name(errno));
    ck_assert_msg(bind(fd, tl_sa(addr), len) == 0, "harness: cannot bind %s port 0: %s", ip, sl_errno_name(errno));
    *addr = tl_local_address(fd, "the harness's bound socket");
    return fd;
}

/*
 * The same, on a port whose two bytes differ. Each rejected socket stays
 * open while the kernel is asked again, so it cannot hand out that port
 * twice.
 */
static int socket_on_telltale_port(const char *ip, bool listening, struct sockaddr_storage *addr)
{
    int spare[8];
    int nspare = 0;
    int fd = socket_on_port_zero(ip, listening, addr);

    while (!tl_port_bytes_differ(sl_addr_port(tl_sa(addr))) && nspare < 8) {
        spare[nspare++] = fd;
        fd = socket_on_port_zero(ip, listening, addr);
    }
    for (int i = 0; i < nspare; i++)
        close(spare[i]);
    ck_assert_msg(tl_port_bytes_differ(sl_addr_port(tl_sa(addr))), "harness: no port with two different bytes");
    return fd;
}

int tl_bound_socket(const char *ip, struct sockaddr_storage *addr)
{
    return socket_on_port_zero(ip, false, addr);
}

int tl_telltale_bound_socket(const char *ip, struct sockaddr_storage *addr)
{
    return socket_on_telltale_port(ip, false, addr);
}

int tl_telltale_listener(int family, struct sockaddr_storage *addr)
{
    return socket_on_telltale_port(family == AF_INET6 ? "::1" : "127.0.0.1", true, addr);
}

void tl_free_port(const char *ip, struct sockaddr_storage *addr)
{
    close(tl_telltale_bound_socket(ip, addr));
}

/* ---- the kernel's table: connections ----------------------------------- */

int tl_connection_entry(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                        uint32_t states, struct sl_diag_socket *out)
{
    struct sl_diag_filter filter = {
        .family = local->ss_family,
        .states = states,
        .local_port = sl_addr_port(tl_sa(local)),
        .remote_port = sl_addr_port(tl_sa(remote)),
    };
    struct sl_diag_socket found[16];
    int n = sl_diag_list(&filter, found, 16);

    ck_assert_msg(n != -1, "harness: cannot read the kernel's socket table: %s", sl_errno_name(errno));
    /* The ports narrowed the list; the addresses pick the one. */
    for (int i = 0; i < n && i < 16; i++)
        if (sl_addr_equal(tl_sa(&found[i].local), tl_sa(local)) &&
            sl_addr_equal(tl_sa(&found[i].remote), tl_sa(remote))) {
            if (out)
                *out = found[i];
            return 1;
        }
    return 0;
}

bool tl_await_connection(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                         uint32_t states, int timeout_ms, struct sl_diag_socket *out)
{
    long long deadline = sl_now_ms() + timeout_ms;
    int delay_ms = 1;

    while (!tl_connection_entry(local, remote, states, out)) {
        if (sl_now_ms() >= deadline)
            return false;
        poll(NULL, 0, delay_ms);
        if (delay_ms < 16)
            delay_ms *= 2;
    }
    return true;
}

void tl_await_connection_gone(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                              int timeout_ms, const char *what)
{
    long long deadline = sl_now_ms() + timeout_ms;
    struct sl_diag_socket entry;
    int delay_ms = 1;

    while (tl_connection_entry(local, remote, 0, &entry)) {
        ck_assert_msg(sl_now_ms() < deadline, "the kernel still lists %s (%s -> %s) in %s after %d ms", what,
                      tl_str(local, 0), tl_str(remote, 1), sl_state_linux_name(entry.state), timeout_ms);
        poll(NULL, 0, delay_ms);
        if (delay_ms < 16)
            delay_ms *= 2;
    }
}

/*
 * Field 3 (state) and 4 (ppid) of /proc/PID/stat. The command name before
 * them, in parentheses, may hold spaces or ')': read after the last ')'.
 * Returns false when the process is gone.
 */
static bool read_stat(pid_t pid, char *state, int *ppid)
{
    char path[64], text[512];
    bool ok = false;
    FILE *f;

    if (pid <= 0)
        return false;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    if (fgets(text, sizeof text, f) != NULL && strrchr(text, ')') != NULL)
        ok = sscanf(strrchr(text, ')') + 1, " %c %d", state, ppid) == 2;
    fclose(f);
    return ok;
}

char tl_process_state(pid_t pid)
{
    char state;
    int ppid;

    return read_stat(pid, &state, &ppid) ? state : 0;
}

pid_t tl_parent_of(pid_t pid)
{
    char state;
    int ppid;

    return read_stat(pid, &state, &ppid) ? (pid_t)ppid : -1;
}
