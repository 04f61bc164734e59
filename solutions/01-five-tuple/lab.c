/*
 * lab.c - Lab 01, "The 5-tuple": reference solution.
 *
 * The contract is in labs/01-five-tuple/lab.h. Each step is a small
 * function; the later steps reuse the earlier ones, so a fix in one place
 * (closing the socket when connect() fails, say) serves all of them.
 */
#include "lab.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

/*
 * close() a descriptor without losing errno: the caller is about to return
 * -1 and its caller wants the error of the call that failed, not close()'s.
 */
static void close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/* ---- STEP 1: Connect without bind() ---- */
int lab01_connect(const struct sockaddr *server, socklen_t len)
{
    /* The server's family decides the socket's: AF_INET or AF_INET6. */
    int fd = socket(server->sa_family, SOCK_STREAM, 0);
    if (fd == -1)
        return -1;

    /* No bind(): connect() makes the kernel pick the source address and
     * an ephemeral port, then runs the handshake. */
    if (connect(fd, server, len) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Read the 5-tuple back ---- */
int lab01_five_tuple(int fd, struct sl_five_tuple *tuple)
{
    socklen_t len;
    int protocol;

    memset(tuple, 0, sizeof *tuple);

    /* Ask the kernel rather than assume: SO_PROTOCOL is IPPROTO_TCP for a
     * SOCK_STREAM socket of these families. */
    len = sizeof protocol;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == -1)
        return -1;
    tuple->protocol = protocol;

    /* Our end. len is in-out: the room we give, then the size used. */
    len = sizeof tuple->local;
    if (getsockname(fd, (struct sockaddr *)&tuple->local, &len) == -1)
        return -1;

    /* The other end; fails with ENOTCONN if there is none. */
    len = sizeof tuple->remote;
    if (getpeername(fd, (struct sockaddr *)&tuple->remote, &len) == -1)
        return -1;
    return 0;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: The source port ---- */
int lab01_source_port(int fd)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;

    if (getsockname(fd, (struct sockaddr *)&local, &len) == -1)
        return -1;

    /* The port sits in a different structure for each family, and in
     * network byte order (big-endian) in both: ntohs() turns it into a
     * number this machine can print and compare. */
    switch (local.ss_family) {
    case AF_INET:
        return ntohs(((struct sockaddr_in *)&local)->sin_port);
    case AF_INET6:
        return ntohs(((struct sockaddr_in6 *)&local)->sin6_port);
    default:
        errno = EAFNOSUPPORT;
        return -1;
    }
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: The server's view ---- */
int lab01_accept_view(int listen_fd, struct sl_five_tuple *tuple)
{
    /* accept() hands back a NEW socket for this one connection; listen_fd
     * stays in LISTEN for the next client. We do not need the client's
     * address from accept() itself: getpeername() gives it below. */
    int fd = accept(listen_fd, NULL, NULL);
    if (fd == -1)
        return -1;

    /* On the server, getsockname() is the server's end and getpeername()
     * the client's: the client's tuple, mirrored. */
    if (lab01_five_tuple(fd, tuple) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: Many connections to one server ---- */
int lab01_connect_many(const struct sockaddr *server, socklen_t len, int *fds, int n)
{
    if (n < 1) {
        errno = EINVAL;
        return -1;
    }
    for (int opened = 0; opened < n; opened++) {
        fds[opened] = lab01_connect(server, len);
        if (fds[opened] == -1) {
            /* All or nothing: undo the connections made so far. */
            int saved = errno;
            for (int i = 0; i < opened; i++)
                close(fds[i]);
            errno = saved;
            return -1;
        }
    }
    return 0;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: Bind before connect ---- */
int lab01_connect_from(const struct sockaddr *local, socklen_t local_len,
                       const struct sockaddr *server, socklen_t server_len)
{
    int fd = socket(server->sa_family, SOCK_STREAM, 0);
    if (fd == -1)
        return -1;

    /* bind() first fixes the source; connect() then keeps it. Port 0 in
     * local still lets the kernel choose the port (but not the address). */
    if (bind(fd, local, local_len) == -1 || connect(fd, server, server_len) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: IPv4 or IPv6 ---- */
int lab01_connect_loopback(int family, uint16_t port)
{
    /* sockaddr_storage is large enough for either family's address. */
    struct sockaddr_storage server;
    socklen_t len;

    memset(&server, 0, sizeof server);
    if (family == AF_INET) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)&server;
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *v4;
    } else if (family == AF_INET6) {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&server;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        v6->sin6_addr = in6addr_loopback;
        len = sizeof *v6;
    } else {
        errno = EAFNOSUPPORT;
        return -1;
    }
    return lab01_connect((struct sockaddr *)&server, len);
}
/* ---- END STEP 7 ---- */
