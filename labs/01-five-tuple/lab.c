/*
 * lab.c - Lab 01, "The 5-tuple": your file.
 *
 * Fill in the seven steps below, one at a time. What each function must do
 * is written in lab.h; the lesson (docs/lessons/01-five-tuple.md) explains
 * why. After each step:
 *
 *     make grade LAB=1       the grader checks your sockets in the kernel's table
 *     ./build/bin/lab01      a walk-through that shows the system calls you made
 *
 * Until you write it, each function fails with ENOSYS ("Function not
 * implemented"), so the grader and the walk-through tell you where you are.
 *
 * Useful manual pages: socket(2), connect(2), bind(2), accept(2),
 * getsockname(2), getpeername(2), ip(7), ipv6(7), byteorder(3).
 */
#include "lab.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

/*
 * close() a descriptor without losing errno. On a failure path you return
 * -1 and your caller wants the error of the call that failed, but close()
 * may overwrite errno. Use this instead of close() there.
 * (It is `inline` only so the compiler does not warn while no step uses it.)
 */
static __attribute__((unused)) void close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/* ---- STEP 1: Connect without bind() ---- */
int lab01_connect(const struct sockaddr *server, socklen_t len)
{
    /*
     * TODO:
     * 1. Create a TCP socket with socket(). Its family must be the
     *    server's (server->sa_family: AF_INET or AF_INET6), its type
     *    SOCK_STREAM, its protocol 0 (which means TCP for SOCK_STREAM).
     *    If socket() fails, return -1 (errno is already set).
     * 2. connect() it to server (len bytes). Do NOT call bind() first:
     *    connect() makes the kernel choose the source address and port.
     * 3. If connect() fails (ECONNREFUSED when nobody listens there),
     *    close the socket with close_keep_errno() and return -1.
     * 4. Return the connected descriptor.
     */
    (void)server;
    (void)len;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Read the 5-tuple back ---- */
int lab01_five_tuple(int fd, struct sl_five_tuple *tuple)
{
    /*
     * TODO:
     * 1. Set tuple->protocol to IPPROTO_TCP. (Or, better, ask the kernel:
     *    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &optlen).)
     * 2. Read YOUR end, the local address and port, into tuple->local
     *    with getsockname(fd, (struct sockaddr *)&tuple->local, &addrlen).
     *    addrlen is in and out: set it to sizeof tuple->local before the
     *    call, so the kernel knows how much room there is (enough for IPv6).
     * 3. Read the OTHER end into tuple->remote with getpeername(), the
     *    same way. On a socket that is not connected it fails (ENOTCONN).
     * 4. Return 0, or -1 as soon as one call fails (errno is set).
     */
    (void)fd;
    (void)tuple;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: The source port ---- */
int lab01_source_port(int fd)
{
    /*
     * TODO:
     * 1. Read the local address with getsockname() into a
     *    struct sockaddr_storage (big enough for IPv4 and IPv6).
     *    Return -1 if it fails.
     * 2. Look at its ss_family. For AF_INET the port is the sin_port of a
     *    struct sockaddr_in; for AF_INET6 it is the sin6_port of a
     *    struct sockaddr_in6. Cast a pointer to the storage to reach it.
     * 3. That port is in network byte order (big-endian). Convert it with
     *    ntohs() and return it. Without ntohs(), port 41234 (0xA112) reads
     *    as 4769 (0x12A1) on a little-endian machine such as x86.
     */
    (void)fd;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: The server's view ---- */
int lab01_accept_view(int listen_fd, struct sl_five_tuple *tuple)
{
    /*
     * TODO:
     * 1. accept() one connection on listen_fd. It returns a NEW descriptor
     *    for that connection; listen_fd goes on listening. You may pass
     *    NULL, NULL for the address: step 2's function will read it.
     *    Return -1 if accept() fails.
     * 2. Fill *tuple from the NEW descriptor with lab01_five_tuple(). Seen
     *    from the server, local is the server's end and remote the client's.
     * 3. If that fails, close the new descriptor (close_keep_errno) and
     *    return -1. Otherwise return the new descriptor.
     */
    (void)listen_fd;
    (void)tuple;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: Many connections to one server ---- */
int lab01_connect_many(const struct sockaddr *server, socklen_t len, int *fds, int n)
{
    /*
     * TODO:
     * 1. Call lab01_connect(server, len) n times, storing each descriptor
     *    in fds[0], fds[1], ... fds[n - 1].
     * 2. If one of them fails, close the descriptors you already stored
     *    (fds[0] up to the one before the failure), keep errno as the
     *    failed connect left it, and return -1. All or nothing: the caller
     *    must never receive half of the connections, or leak the others.
     * 3. Return 0 when all n are connected.
     */
    (void)server;
    (void)len;
    (void)fds;
    (void)n;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Bind before connect ---- */
int lab01_connect_from(const struct sockaddr *local, socklen_t local_len,
                       const struct sockaddr *server, socklen_t server_len)
{
    /*
     * TODO:
     * 1. socket() as in step 1, with the server's family.
     * 2. bind() it to local (local_len bytes) BEFORE connecting. That fixes
     *    the source address; if local's port is 0 the kernel still picks
     *    the port. Check bind()'s result: when the address is taken it
     *    fails with EADDRINUSE, and then you must not connect.
     * 3. connect() to server (server_len bytes).
     * 4. If bind() or connect() fails, close the socket (close_keep_errno)
     *    and return -1. Otherwise return the descriptor.
     */
    (void)local;
    (void)local_len;
    (void)server;
    (void)server_len;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: IPv4 or IPv6 ---- */
int lab01_connect_loopback(int family, uint16_t port)
{
    /*
     * TODO:
     * 1. Declare a struct sockaddr_storage and zero it with memset(): it is
     *    large enough for either family.
     * 2. For AF_INET, fill it as a struct sockaddr_in: sin_family AF_INET,
     *    sin_port htons(port), sin_addr.s_addr htonl(INADDR_LOOPBACK)
     *    (127.0.0.1); the length is sizeof(struct sockaddr_in).
     * 3. For AF_INET6, fill it as a struct sockaddr_in6: sin6_family
     *    AF_INET6, sin6_port htons(port), sin6_addr in6addr_loopback (::1);
     *    the length is sizeof(struct sockaddr_in6).
     * 4. For any other family, set errno to EAFNOSUPPORT and return -1.
     * 5. Return lab01_connect() on that address and length.
     * Then check that steps 1 to 6 never assumed IPv4: the grader runs them
     * on ::1 too.
     */
    (void)family;
    (void)port;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 7 ---- */
