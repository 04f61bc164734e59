/*
 * trace.c - your system calls, made for real and printed. See trace.h.
 *
 * The functions below have the names of system calls. When the linker
 * builds a walk-through, lab.c's calls (and labs/common's) find these
 * definitions first, before the C library's. Each one makes the real
 * system call with syscall(2), then, while tracing is on, prints what was
 * called and what came back. errno is left exactly as the call set it.
 *
 * In GNU mode glibc declares some of these functions with a special union
 * type for the address; the plain POSIX declarations, which
 * _DEFAULT_SOURCE gives, let us define them with ordinary types. So this
 * one file leaves GNU mode. _FORTIFY_SOURCE would turn read() and recv()
 * into inline wrappers that cannot be defined again, so it goes too.
 */
#undef _GNU_SOURCE
#undef _FORTIFY_SOURCE
#define _DEFAULT_SOURCE

#include "trace.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "tcp_states.h"

static bool tracing;
static pid_t tracing_pid; /* the process that called trace_on() */
static const char *prefix = "  >";
static const char *only;  /* trace_only()'s list, NULL for every call */

/*
 * The netlink socket sl_diag_list() opens to read the kernel's table. Its
 * calls are the library's business, not yours: one line says that the
 * table was read, and its reads and its close stay quiet.
 */
static int diag_fd = -1;

void trace_on(void)
{
    tracing_pid = getpid();
    tracing = true;
}

void trace_off(void)
{
    tracing = false;
}

void trace_set_prefix(const char *new_prefix)
{
    prefix = new_prefix;
}

void trace_only(const char *calls)
{
    only = calls;
}

const char *trace_prefix(void)
{
    return prefix;
}

/* Is `call` a word of trace_only()'s list (or is there no list)? */
static bool listed(const char *call)
{
    size_t n = strlen(call);

    if (only == NULL)
        return true;
    for (const char *p = only; (p = strstr(p, call)) != NULL; p += n)
        if ((p == only || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return true;
    return false;
}

bool trace_printing(const char *call)
{
    return tracing && getpid() == tracing_pid && listed(call);
}

/* Is a call on fd printed now? Never one on the sock_diag socket. */
static bool traced(const char *call, int fd)
{
    return fd != diag_fd && trace_printing(call);
}

const char *trace_family_name(int family)
{
    static char other[24];

    if (family == AF_INET)
        return "AF_INET";
    if (family == AF_INET6)
        return "AF_INET6";
    if (family == AF_UNIX)
        return "AF_UNIX";
    snprintf(other, sizeof other, "family %d", family);
    return other;
}

void trace_print_result(long result, int err, bool returns_fd)
{
    if (result == -1)
        printf(" -> -1 %s\n", sl_errno_name(err));
    else if (returns_fd)
        printf(" -> fd %ld\n", result);
    else
        printf(" -> %ld\n", result);
}

/* An address your code passed in, checked against its length. */
static const char *address_text(const struct sockaddr *addr, socklen_t len, char *buf, size_t size)
{
    if (addr == NULL)
        return "NULL";
    if (sl_addr_len(addr) == 0 || len < sl_addr_len(addr)) {
        snprintf(buf, size, "(%s address, %u bytes)", trace_family_name(addr->sa_family), (unsigned)len);
        return buf;
    }
    return sl_addr_format(addr, buf, size);
}

/*
 * An address the kernel wrote back into your buffer of `room` bytes; it
 * says it needed `used`. More than the room: the kernel cut it to fit.
 */
static const char *returned_address(const struct sockaddr *addr, socklen_t room, socklen_t used, char *buf,
                                    size_t size)
{
    if (used > room) {
        snprintf(buf, size, "(your buffer held %u of the %u bytes of the address)", (unsigned)room, (unsigned)used);
        return buf;
    }
    return sl_addr_format(addr, buf, size);
}

/* "SOL_SOCKET, SO_REUSEADDR" for the options the labs use; NULL for any other. */
static const char *option_name(int level, int name)
{
#define OPTION(level, name) { level, name, #level ", " #name }
    static const struct {
        int level, name;
        const char *text;
    } options[] = {
        OPTION(SOL_SOCKET, SO_REUSEADDR), OPTION(SOL_SOCKET, SO_REUSEPORT), OPTION(SOL_SOCKET, SO_TYPE),
        OPTION(SOL_SOCKET, SO_DOMAIN),    OPTION(SOL_SOCKET, SO_PROTOCOL),  OPTION(SOL_SOCKET, SO_ERROR),
        OPTION(SOL_SOCKET, SO_RCVBUF),    OPTION(SOL_SOCKET, SO_SNDBUF),    OPTION(IPPROTO_TCP, TCP_INFO),
        OPTION(IPPROTO_TCP, TCP_NODELAY),
    };
#undef OPTION

    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (options[i].level == level && options[i].name == name)
            return options[i].text;
    return NULL;
}

/* ---- sockets --------------------------------------------------------- */

int socket(int domain, int type, int protocol)
{
    long fd = syscall(SYS_socket, domain, type, protocol);
    int err = errno;

    if (domain == AF_NETLINK) {
        diag_fd = (int)fd;
        if (trace_printing("sock_diag"))
            printf("%s (sock_diag: the kernel's socket table is read, as `ss -tan` does)\n", prefix);
    } else if (trace_printing("socket")) {
        int base_type = type & 0xf; /* without SOCK_NONBLOCK, SOCK_CLOEXEC */
        char type_text[16];
        snprintf(type_text, sizeof type_text, "type %d", base_type);
        printf("%s socket(%s, %s, %d)", prefix, trace_family_name(domain),
               base_type == SOCK_STREAM  ? "SOCK_STREAM"
               : base_type == SOCK_DGRAM ? "SOCK_DGRAM"
                                         : type_text,
               protocol);
        trace_print_result(fd, err, true);
    }
    errno = err;
    return (int)fd;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    long result = syscall(SYS_bind, fd, addr, len);
    int err = errno;
    char text[SL_ADDRSTRLEN];

    if (traced("bind", fd)) {
        printf("%s bind(fd %d, %s)", prefix, fd, address_text(addr, len, text, sizeof text));
        trace_print_result(result, err, false);
    }
    errno = err;
    return (int)result;
}

int listen(int fd, int backlog)
{
    long result = syscall(SYS_listen, fd, backlog);
    int err = errno;

    if (traced("listen", fd)) {
        printf("%s listen(fd %d, %d)", prefix, fd, backlog);
        trace_print_result(result, err, false);
    }
    errno = err;
    return (int)result;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    long result = syscall(SYS_connect, fd, addr, len);
    int err = errno;
    char text[SL_ADDRSTRLEN];

    if (traced("connect", fd)) {
        printf("%s connect(fd %d, %s)", prefix, fd, address_text(addr, len, text, sizeof text));
        trace_print_result(result, err, false);
    }
    errno = err;
    return (int)result;
}

/* accept() and accept4() print the client's address, when asked for it. */
static int traced_accept(const char *call, int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    socklen_t room = len ? *len : 0;
    long result = syscall(SYS_accept4, fd, addr, len, flags);
    int err = errno;
    char text[SL_ADDRSTRLEN];

    if (traced(call, fd)) {
        printf("%s %s(fd %d)", prefix, call, fd);
        if (result == -1 || addr == NULL || len == NULL)
            trace_print_result(result, err, true);
        else
            printf(" -> fd %ld, client %s\n", result, returned_address(addr, room, *len, text, sizeof text));
    }
    errno = err;
    return (int)result;
}

int accept(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    return traced_accept("accept", fd, addr, len, 0);
}

/* Declared by glibc only in GNU mode, which this file leaves. */
int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    return traced_accept("accept4", fd, addr, len, flags);
}

/* getsockname() and getpeername() print the address the kernel returned. */
static int traced_name(const char *call, long number, int fd, struct sockaddr *addr, socklen_t *len)
{
    socklen_t room = len ? *len : 0;
    long result = syscall(number, fd, addr, len);
    int err = errno;
    char text[SL_ADDRSTRLEN];

    if (traced(call, fd)) {
        printf("%s %s(fd %d)", prefix, call, fd);
        if (result == -1)
            trace_print_result(result, err, false);
        else if (*len > room) /* the kernel cut the address to fit */
            printf(" -> 0, but your buffer held %u of the %u bytes of the address\n", (unsigned)room,
                   (unsigned)*len);
        else
            printf(" -> %s\n", sl_addr_format(addr, text, sizeof text));
    }
    errno = err;
    return (int)result;
}

int getsockname(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    return traced_name("getsockname", SYS_getsockname, fd, addr, len);
}

int getpeername(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    return traced_name("getpeername", SYS_getpeername, fd, addr, len);
}

int getsockopt(int fd, int level, int name, void *restrict value, socklen_t *restrict len)
{
    long result = syscall(SYS_getsockopt, fd, level, name, value, len);
    int err = errno;
    const char *option = option_name(level, name);

    if (traced("getsockopt", fd)) {
        if (option)
            printf("%s getsockopt(fd %d, %s)", prefix, fd, option);
        else
            printf("%s getsockopt(fd %d, level %d, option %d)", prefix, fd, level, name);
        if (result == 0 && level == IPPROTO_TCP && name == TCP_INFO && len != NULL && *len >= 1) {
            /* The state the kernel gave, the first byte of struct tcp_info. */
            int number = ((const struct tcp_info *)value)->tcpi_state;
            int state = sl_state_from_linux(number);
            printf(" -> 0, tcpi_state %d (%s)\n", number,
                   state < 0 ? "not a state" : sl_state_linux_name((enum sl_state)state));
        } else {
            trace_print_result(result, err, false);
        }
    }
    errno = err;
    return (int)result;
}

int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    long result = syscall(SYS_setsockopt, fd, level, name, value, len);
    int err = errno;
    const char *option = option_name(level, name);

    if (traced("setsockopt", fd)) {
        if (option && value && len >= sizeof(int))
            printf("%s setsockopt(fd %d, %s, %d)", prefix, fd, option, *(const int *)value);
        else
            printf("%s setsockopt(fd %d, level %d, option %d)", prefix, fd, level, name);
        trace_print_result(result, err, false);
    }
    errno = err;
    return (int)result;
}

int shutdown(int fd, int how)
{
    long result = syscall(SYS_shutdown, fd, how);
    int err = errno;

    if (traced("shutdown", fd)) {
        printf("%s shutdown(fd %d, ", prefix, fd);
        if (how == SHUT_RD || how == SHUT_WR || how == SHUT_RDWR)
            printf("%s)", how == SHUT_RD ? "SHUT_RD" : how == SHUT_WR ? "SHUT_WR" : "SHUT_RDWR");
        else
            printf("%d)", how);
        trace_print_result(result, err, false);
    }
    errno = err;
    return (int)result;
}

int close(int fd)
{
    bool print = traced("close", fd);
    long result = syscall(SYS_close, fd);
    int err = errno;

    if (fd == diag_fd)
        diag_fd = -1;
    if (print) {
        printf("%s close(fd %d)", prefix, fd);
        trace_print_result(result, err, false);
    }
    errno = err;
    return (int)result;
}

/* ---- data -------------------------------------------------------------- */

/*
 * Data calls print the byte counts, not the bytes: "read(fd 5, up to 4096
 * bytes) -> 19 bytes", and say what 0 from a read means.
 */
static void print_data(const char *call, int fd, size_t asked, long result, int err, bool reading)
{
    printf("%s %s(fd %d, %s%zu byte%s)", prefix, call, fd, reading ? "up to " : "", asked, asked == 1 ? "" : "s");
    if (result == -1)
        trace_print_result(result, err, false);
    else if (reading && result == 0)
        printf(" -> 0: end of file, the other side has finished sending (its FIN)\n");
    else
        printf(" -> %ld byte%s\n", result, result == 1 ? "" : "s");
}

ssize_t read(int fd, void *buf, size_t count)
{
    long result = syscall(SYS_read, fd, buf, count);
    int err = errno;

    if (traced("read", fd))
        print_data("read", fd, count, result, err, true);
    errno = err;
    return result;
}

ssize_t write(int fd, const void *buf, size_t count)
{
    long result = syscall(SYS_write, fd, buf, count);
    int err = errno;

    if (traced("write", fd))
        print_data("write", fd, count, result, err, false);
    errno = err;
    return result;
}

ssize_t recv(int fd, void *buf, size_t count, int flags)
{
    long result = syscall(SYS_recvfrom, fd, buf, count, flags, NULL, NULL);
    int err = errno;

    if (traced("recv", fd))
        print_data("recv", fd, count, result, err, true);
    errno = err;
    return result;
}

ssize_t send(int fd, const void *buf, size_t count, int flags)
{
    long result = syscall(SYS_sendto, fd, buf, count, flags, NULL, 0);
    int err = errno;

    if (traced("send", fd))
        print_data("send", fd, count, result, err, false);
    errno = err;
    return result;
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    /* ppoll takes a timespec; NULL means "no limit", as -1 does for poll. */
    struct timespec limit = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
    long result = syscall(SYS_ppoll, fds, nfds, timeout_ms < 0 ? NULL : &limit, NULL, (size_t)8);
    int err = errno;

    if (trace_printing("poll")) {
        if (nfds == 1)
            printf("%s poll(fd %d, %d ms)", prefix, fds[0].fd, timeout_ms);
        else
            printf("%s poll(%lu descriptors, %d ms)", prefix, (unsigned long)nfds, timeout_ms);
        if (result == 0)
            printf(" -> 0: time is up\n");
        else
            trace_print_result(result, err, false);
    }
    errno = err;
    return (int)result;
}
