/*
 * sockdiag.c - list TCP sockets through NETLINK_SOCK_DIAG, as ss does.
 * See sockdiag.h.
 *
 * The conversation with the kernel is one request and a stream of replies:
 *   send:    nlmsghdr(SOCK_DIAG_BY_FAMILY, NLM_F_DUMP) + inet_diag_req_v2
 *   receive: nlmsghdr + inet_diag_msg, one per socket, ..., then NLMSG_DONE
 * IPv4 and IPv6 are separate dumps, so asking for both takes two requests.
 */
#include "sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"

/* Fill a sockaddr from the raw address and port sock_diag reports. */
static void diag_sockaddr(int family, const __be32 addr[4], __be16 port, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    if (family == AF_INET) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)out;
        v4->sin_family = AF_INET;
        v4->sin_port = port;
        memcpy(&v4->sin_addr, addr, sizeof v4->sin_addr);
    } else {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = port;
        memcpy(&v6->sin6_addr, addr, sizeof v6->sin6_addr);
    }
}

static bool matches(const struct sl_diag_filter *filter, const struct sl_diag_socket *s)
{
    if (filter->local_port && sl_addr_port((const struct sockaddr *)&s->local) != filter->local_port)
        return false;
    if (filter->remote_port && sl_addr_port((const struct sockaddr *)&s->remote) != filter->remote_port)
        return false;
    if (filter->inode && s->inode != filter->inode)
        return false;
    return true;
}

/* One dump for one family. Returns matches found so far (count), or -1. */
static int dump_family(int family, const struct sl_diag_filter *filter,
                       struct sl_diag_socket *out, int max, int count)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } request = {
        .nlh = {
            .nlmsg_len = sizeof request,
            .nlmsg_type = SOCK_DIAG_BY_FAMILY,
            .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
            .nlmsg_seq = 1,
        },
        .req = {
            .sdiag_family = (__u8)family,
            .sdiag_protocol = IPPROTO_TCP,
            .idiag_states = filter->states ? filter->states : SL_DIAG_ALL_STATES,
        },
    };
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    /* Replies are batched; a page-aligned buffer of 32 KiB holds many. */
    static __thread long buffer[32768 / sizeof(long)];
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

    if (fd == -1)
        return -1;
    if (sendto(fd, &request, sizeof request, 0, (struct sockaddr *)&kernel, sizeof kernel) == -1)
        goto fail;

    for (;;) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        if (n == 0)
            break;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE)
                goto done;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                errno = e->error ? -e->error : EPROTO;
                goto fail;
            }
            if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
                continue;

            const struct inet_diag_msg *m = NLMSG_DATA(h);
            struct sl_diag_socket s = {
                .family = m->idiag_family,
                .linux_state = m->idiag_state,
                .state = (enum sl_state)sl_state_from_linux(m->idiag_state),
                .uid = m->idiag_uid,
                .inode = m->idiag_inode,
                .timer = m->idiag_timer,
                .expires_ms = m->idiag_expires,
                .rqueue = m->idiag_rqueue,
                .wqueue = m->idiag_wqueue,
            };
            diag_sockaddr(m->idiag_family, m->id.idiag_src, m->id.idiag_sport, &s.local);
            diag_sockaddr(m->idiag_family, m->id.idiag_dst, m->id.idiag_dport, &s.remote);
            if (!matches(filter, &s))
                continue;
            if (count < max)
                out[count] = s;
            count++;
        }
    }
done:
    close(fd);
    return count;

fail: {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
}
}

int sl_diag_list(const struct sl_diag_filter *filter, struct sl_diag_socket *out, int max)
{
    static const int families[] = { AF_INET, AF_INET6 };
    int count = 0;

    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        if (filter->family && filter->family != families[i])
            continue;
        count = dump_family(families[i], filter, out, max, count);
        if (count == -1)
            return -1;
    }
    return count;
}

void sl_diag_print(FILE *out, const struct sl_diag_socket *sock)
{
    static const char *const timer_names[] = { "", "on", "keepalive", "timewait", "persist" };
    char local[SL_ADDRSTRLEN], remote[SL_ADDRSTRLEN];

    fprintf(out, "%-11s %-24s %-24s", sl_state_linux_name(sock->state) /* NEW_SYN_RECV shows as SYN_RECV */,
            sl_addr_format((const struct sockaddr *)&sock->local, local, sizeof local),
            sl_addr_format((const struct sockaddr *)&sock->remote, remote, sizeof remote));
    if (sock->timer > 0 && sock->timer < 5)
        fprintf(out, " timer:(%s,%.1fs)", timer_names[sock->timer], sock->expires_ms / 1000.0);
    if (sock->inode)
        fprintf(out, " uid:%u ino:%llu", sock->uid, (unsigned long long)sock->inode);
}
