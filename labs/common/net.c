/*
 * net.c - address helpers, the 5-tuple, and error reporting. See net.h.
 */
#include "net.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int sl_addr_parse(const char *text, uint16_t port, struct sockaddr_storage *addr, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 2];
    size_t n = text ? strlen(text) : 0;

    memset(addr, 0, sizeof *addr);
    if (n == 0 || n >= sizeof host) {
        errno = EINVAL;
        return -1;
    }
    /* Accept "[::1]" as well as "::1": the brackets are how URLs write IPv6. */
    if (text[0] == '[' && text[n - 1] == ']') {
        memcpy(host, text + 1, n - 2);
        host[n - 2] = '\0';
    } else {
        memcpy(host, text, n + 1);
    }

    struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *len = sizeof *v6;
        return 0;
    }
    errno = EINVAL;
    return -1;
}

int sl_endpoint_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len)
{
    const char *colon = text ? strrchr(text, ':') : NULL;
    char host[INET6_ADDRSTRLEN + 2];

    if (colon == NULL || colon == text || (size_t)(colon - text) >= sizeof host)
        goto invalid;
    /* An IPv6 address with a port must be bracketed: "[::1]:80". */
    if (strchr(text, ':') != colon && text[0] != '[')
        goto invalid;

    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port > 65535)
        goto invalid;

    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    return sl_addr_parse(host, (uint16_t)port, addr, len);

invalid:
    errno = EINVAL;
    return -1;
}

socklen_t sl_addr_len(const struct sockaddr *addr)
{
    switch (addr->sa_family) {
    case AF_INET:
        return sizeof(struct sockaddr_in);
    case AF_INET6:
        return sizeof(struct sockaddr_in6);
    default:
        return 0;
    }
}

uint16_t sl_addr_port(const struct sockaddr *addr)
{
    switch (addr->sa_family) {
    case AF_INET:
        return ntohs(((const struct sockaddr_in *)addr)->sin_port);
    case AF_INET6:
        return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
    default:
        return 0;
    }
}

void sl_addr_set_port(struct sockaddr *addr, uint16_t port)
{
    if (addr->sa_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons(port);
    else if (addr->sa_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
}

bool sl_addr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return false;
    if (a->sa_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->sa_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
    return false;
}

bool sl_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
    return sl_addr_same_host(a, b) && sl_addr_port(a) == sl_addr_port(b);
}

char *sl_addr_format(const struct sockaddr *addr, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN];

    if (addr->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, host, sizeof host);
        snprintf(buf, size, "%s:%u", host, sl_addr_port(addr));
    } else if (addr->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, host, sizeof host);
        snprintf(buf, size, "[%s]:%u", host, sl_addr_port(addr));
    } else {
        snprintf(buf, size, "?");
    }
    return buf;
}

void sl_five_tuple_print(FILE *out, const struct sl_five_tuple *tuple)
{
    char local[SL_ADDRSTRLEN], remote[SL_ADDRSTRLEN];

    fprintf(out, "%s %s -> %s", tuple->protocol == IPPROTO_TCP ? "tcp" : "?",
            sl_addr_format((const struct sockaddr *)&tuple->local, local, sizeof local),
            sl_addr_format((const struct sockaddr *)&tuple->remote, remote, sizeof remote));
}

void sl_five_tuple_mirror(const struct sl_five_tuple *in, struct sl_five_tuple *out)
{
    struct sl_five_tuple copy = *in; /* in and out may be the same tuple */

    out->protocol = copy.protocol;
    out->local = copy.remote;
    out->remote = copy.local;
}

bool sl_five_tuple_equal(const struct sl_five_tuple *a, const struct sl_five_tuple *b)
{
    return a->protocol == b->protocol &&
           sl_addr_equal((const struct sockaddr *)&a->local, (const struct sockaddr *)&b->local) &&
           sl_addr_equal((const struct sockaddr *)&a->remote, (const struct sockaddr *)&b->remote);
}

/*
 * The errno names a socket program meets. strerrorname_np() would do this
 * on glibc 2.32 and later; a table keeps the kit working on older systems
 * and shows students the names they will see.
 */
static const struct {
    int number;
    const char *name;
} errno_names[] = {
#define NAME(e) { e, #e }
    NAME(EPERM), NAME(ENOENT), NAME(ESRCH), NAME(EINTR), NAME(EIO), NAME(E2BIG),
    NAME(EBADF), NAME(ECHILD), NAME(EAGAIN), NAME(ENOMEM), NAME(EACCES), NAME(EFAULT),
    NAME(EBUSY), NAME(EEXIST), NAME(ENODEV), NAME(ENOTDIR), NAME(EISDIR), NAME(EINVAL),
    NAME(ENFILE), NAME(EMFILE), NAME(ENOSPC), NAME(ESPIPE), NAME(EPIPE), NAME(ERANGE),
    NAME(ENOSYS), NAME(ENOTSOCK), NAME(EDESTADDRREQ), NAME(EMSGSIZE), NAME(EPROTOTYPE),
    NAME(ENOPROTOOPT), NAME(EPROTONOSUPPORT), NAME(ESOCKTNOSUPPORT), NAME(EOPNOTSUPP),
    NAME(EPFNOSUPPORT), NAME(EAFNOSUPPORT), NAME(EADDRINUSE), NAME(EADDRNOTAVAIL),
    NAME(ENETDOWN), NAME(ENETUNREACH), NAME(ENETRESET), NAME(ECONNABORTED),
    NAME(ECONNRESET), NAME(ENOBUFS), NAME(EISCONN), NAME(ENOTCONN), NAME(ESHUTDOWN),
    NAME(ETIMEDOUT), NAME(ECONNREFUSED), NAME(EHOSTDOWN), NAME(EHOSTUNREACH),
    NAME(EALREADY), NAME(EINPROGRESS), NAME(ENAMETOOLONG), NAME(ELOOP),
#undef NAME
};

const char *sl_errno_name(int err)
{
    for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
        if (errno_names[i].number == err)
            return errno_names[i].name;
    return "E???";
}

void sl_perror(const char *call)
{
    int err = errno;

    fprintf(stderr, "%s: %s (%s)\n", call, sl_errno_name(err), strerror(err));
    errno = err;
}

void sl_die(const char *call)
{
    sl_perror(call);
    exit(1);
}

int sl_wait_readable(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    long long deadline = sl_now_ms() + timeout_ms;

    for (;;) {
        long long left = deadline - sl_now_ms();
        int n = poll(&p, 1, left > 0 ? (int)left : 0);
        if (n >= 0)
            return n > 0 ? 1 : 0;
        if (errno != EINTR)
            return -1;
    }
}

long long sl_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

