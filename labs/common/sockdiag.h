/*
 * sockdiag.h - ask the kernel which TCP sockets exist, as `ss -tan` does.
 *
 * The kernel answers over a netlink socket (NETLINK_SOCK_DIAG): we send one
 * SOCK_DIAG_BY_FAMILY request with a bitmask of the states we want and read
 * back one struct inet_diag_msg per socket. This sees sockets that have no
 * file descriptor at all, such as TIME_WAIT sockets and connections still
 * waiting in a listener's accept queue.
 */
#ifndef SOCKLAB_SOCKDIAG_H
#define SOCKLAB_SOCKDIAG_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "tcp_states.h"

/* One socket as the kernel describes it. */
struct sl_diag_socket {
    int family;                     /* AF_INET or AF_INET6 */
    int linux_state;                /* TCP_ESTABLISHED = 1, ... TCP_NEW_SYN_RECV = 12 */
    enum sl_state state;            /* the same state, as an RFC 9293 state */
    struct sockaddr_storage local;  /* ports in network byte order */
    struct sockaddr_storage remote;
    uint32_t uid;                   /* owner: who called socket() */
    uint64_t inode;                 /* 0 for sockets with no file (TIME_WAIT, requests) */
    int timer;                      /* idiag_timer: 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 probe */
    uint32_t expires_ms;            /* when that timer fires, in ms from now */
    uint32_t rqueue;                /* LISTEN: connections waiting in the accept queue; otherwise bytes not yet read */
    uint32_t wqueue;                /* LISTEN: the backlog; otherwise bytes not yet sent */
};

/* A bitmask of Linux states for sl_diag_list: SL_DIAG_STATE(TCP_LISTEN). */
#define SL_DIAG_STATE(linux_state) (1u << (linux_state))
#define SL_DIAG_ALL_STATES 0xfffu

/*
 * The state of a socket that is bound but neither listening nor connected:
 * TCP_BOUND_INACTIVE in the kernel's include/net/tcp_states.h, which is not
 * in the headers programs see. Linux (6.8 on) lists such a socket only when
 * a request asks for this state bit, and then reports it in state 7,
 * TCP_CLOSE (CLOSE in ss). SL_DIAG_ALL_STATES leaves the bit out, as
 * `ss -tan` does: ask for SL_DIAG_ALL_STATES |
 * SL_DIAG_STATE(SL_TCP_BOUND_INACTIVE). Older kernels ignore the bit.
 */
#define SL_TCP_BOUND_INACTIVE 13

/*
 * Which sockets to list. A zero field matches everything: port 0 means any
 * port, family 0 means IPv4 and IPv6.
 */
struct sl_diag_filter {
    int family;          /* AF_INET, AF_INET6, or 0 for both */
    uint32_t states;     /* bitmask of SL_DIAG_STATE(); 0 means all */
    uint16_t local_port; /* host byte order; 0: any */
    uint16_t remote_port;
    uint64_t inode;      /* only the socket with this inode; 0: any */
};

/*
 * List the TCP sockets matching filter, at most max of them, into out.
 * Returns how many matched (which may be more than max: only max are
 * stored), or -1 with errno set (e.g. EPROTONOSUPPORT when the kernel has no
 * sock_diag for TCP). sl_diag_list(filter, NULL, 0) stores nothing and only
 * counts the matches.
 */
int sl_diag_list(const struct sl_diag_filter *filter, struct sl_diag_socket *out, int max);

/* Print one line as `ss -tan` would: state, local, remote, then timer and uid. */
void sl_diag_print(FILE *out, const struct sl_diag_socket *sock);

#endif
