/*
 * lab.h - Lab 01, "The 5-tuple": the functions you write in lab.c.
 *
 * A TCP connection is named by five things: the protocol (TCP), the local
 * address and port, and the remote address and port. In this lab you open
 * connections and read their 5-tuple back from the kernel:
 *
 *   step 1  lab01_connect           connect without bind(): the kernel picks the source
 *   step 2  lab01_five_tuple        read the 5-tuple back (getsockname, getpeername)
 *   step 3  lab01_source_port       the ephemeral port the kernel picked, as a number
 *   step 4  lab01_accept_view       the server's view: the same tuple, mirrored
 *   step 5  lab01_connect_many      many connections to one server
 *   step 6  lab01_connect_from      bind-before-connect: choose the source yourself
 *   step 7  lab01_connect_loopback  IPv4 or IPv6, the same code
 *
 * Conventions, as for the system calls these functions wrap: on failure a
 * function returns -1 and leaves errno as the failing call set it (save
 * errno before calling close(), which may change it), and it closes every
 * descriptor it opened, so a failure never leaks one. Every function must
 * work for IPv4 (struct sockaddr_in) and IPv6 (struct sockaddr_in6): take
 * the family from the address you are given, keep addresses in a
 * struct sockaddr_storage, never assume a sockaddr_in.
 *
 * The grader does not trust the values you return: it asks the kernel
 * (through sock_diag, as `ss -tan` does) what your sockets really are.
 */
#ifndef SOCKLAB_LAB01_H
#define SOCKLAB_LAB01_H

#include <stdint.h>
#include <sys/socket.h>

#include "net.h"

/*
 * Step 1. Open a TCP connection to server (len bytes long: a sockaddr_in or
 * a sockaddr_in6) WITHOUT calling bind(): socket() with the server's
 * family, then connect(). The kernel then chooses the source address (by
 * a route lookup towards the server) and a source port from its ephemeral
 * range (net.ipv4.ip_local_port_range).
 *
 * Returns the connected descriptor. On failure returns -1 with errno from
 * the call that failed (ECONNREFUSED when nobody listens on that port), and
 * leaves no descriptor open.
 */
int lab01_connect(const struct sockaddr *server, socklen_t len);

/*
 * Step 2. Fill *tuple with the 5-tuple of the connected TCP socket fd:
 * tuple->protocol is IPPROTO_TCP, tuple->local is this end's address and
 * port (getsockname), tuple->remote the other end's (getpeername). Ports
 * stay in network byte order, as the kernel gives them.
 *
 * Returns 0, or -1 with errno set: EBADF for a bad descriptor, ENOTCONN for
 * a socket that is not connected.
 */
int lab01_five_tuple(int fd, struct sl_five_tuple *tuple);

/*
 * Step 3. The local (source) port of socket fd, as a number in host byte
 * order (e.g. 41234), for an IPv4 or IPv6 socket.
 *
 * Returns the port, or -1 with errno set: EBADF for a bad descriptor,
 * EAFNOSUPPORT for a socket that is neither IPv4 nor IPv6 (a Unix socket
 * has no port).
 */
int lab01_source_port(int fd);

/*
 * Step 4. Accept one connection on the listening socket listen_fd and fill
 * *tuple with the server's view of it: local is the server's address and
 * port, remote the client's. It is the client's 5-tuple with the two ends
 * swapped. Blocks until a connection is there, as accept() does.
 *
 * Returns the new, connected descriptor (listen_fd itself keeps listening).
 * On failure returns -1 with errno set (EINVAL when listen_fd is not
 * listening) and leaves no new descriptor open.
 */
int lab01_accept_view(int listen_fd, struct sl_five_tuple *tuple);

/*
 * Step 5. Open n connections (n >= 1) to the same server, as step 1 does,
 * and store their descriptors in fds[0] .. fds[n - 1].
 *
 * All or nothing: returns 0 when all n are connected. If any connection
 * fails, closes the ones already opened and returns -1 with errno from the
 * call that failed (e.g. ECONNREFUSED, or EMFILE when the process may not
 * open more descriptors). n < 1 is the caller's mistake: -1 with EINVAL,
 * nothing opened.
 */
int lab01_connect_many(const struct sockaddr *server, socklen_t len, int *fds, int n);

/*
 * Step 6. Bind-before-connect: open a TCP connection to server whose source
 * is local (e.g. 127.0.0.2 port 0: that address, a port the kernel picks;
 * or 127.0.0.2 port 40000: exactly that port). local and server have the
 * same family.
 *
 * Returns the connected descriptor. On failure returns -1 with errno from
 * the call that failed (EADDRINUSE when bind() finds the source taken) and
 * leaves no descriptor open.
 */
int lab01_connect_from(const struct sockaddr *local, socklen_t local_len,
                       const struct sockaddr *server, socklen_t server_len);

/*
 * Step 7. Connect to port (host byte order) on the loopback address of
 * family: 127.0.0.1 for AF_INET, ::1 for AF_INET6. Build the right sockaddr
 * for the family, then connect as in step 1.
 *
 * Returns the connected descriptor, or -1 with errno set: EAFNOSUPPORT for
 * a family that is neither, or the error of the connection.
 */
int lab01_connect_loopback(int family, uint16_t port);

#endif
