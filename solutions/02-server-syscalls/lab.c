/*
 * lab.c - Lab 02, "The server's syscalls": reference solution.
 *
 * The contract is in labs/02-server-syscalls/lab.h. Steps 1 to 4 are one
 * system call each, plus what it takes to use it correctly; step 5 chains
 * them with the cleanup a failure needs; steps 6 and 7 are the two ends of
 * an echo service built on them.
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

/* ---- STEP 1: socket() ---- */
int lab02_socket(int family)
{
    /* SOCK_STREAM with protocol 0 is TCP for AF_INET and AF_INET6. */
    return socket(family, SOCK_STREAM, 0);
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: bind() ---- */
int lab02_bind_loopback(int fd, int family, uint16_t port)
{
    struct sockaddr_storage addr;
    socklen_t len;

    /* Zeroed first: sin_zero and sin6_flowinfo/scope_id must be 0. */
    memset(&addr, 0, sizeof addr);
    if (family == AF_INET) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port); /* network byte order in the sockaddr */
        v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *v4;
    } else if (family == AF_INET6) {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        v6->sin6_addr = in6addr_loopback;
        len = sizeof *v6;
    } else {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&addr, len) == -1)
        return -1;

    /* With port 0 only the kernel knows which port it chose: ask it. */
    len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) == -1)
        return -1;
    if (addr.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
    return ntohs(((struct sockaddr_in *)&addr)->sin_port);
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: listen() ---- */
int lab02_listen(int fd, int backlog)
{
    /* The caller's backlog, not a constant: it is the bound of the queue
     * the kernel fills before anyone calls accept(). */
    return listen(fd, backlog);
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: accept() ---- */
int lab02_accept(int listen_fd, struct sockaddr_storage *client)
{
    /* len is in-out: the room we give (enough for IPv6), then the size used. */
    socklen_t len = sizeof *client;

    memset(client, 0, sizeof *client);
    /* The result is a NEW descriptor; listen_fd is left as it was. */
    return accept(listen_fd, (struct sockaddr *)client, &len);
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: The whole server ---- */
int lab02_open_server(int family, uint16_t port, int backlog)
{
    int fd = lab02_socket(family);
    if (fd == -1)
        return -1;

    /* This function opened fd, so on failure it closes it, keeping the
     * errno of the call that failed. */
    if (lab02_bind_loopback(fd, family, port) == -1 || lab02_listen(fd, backlog) == -1) {
        close_keep_errno(fd);
        return -1;
    }
    return fd;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: An echo server ---- */

/*
 * Write all n bytes. write() on a socket may write fewer bytes than asked
 * (a signal, a full buffer on a non-blocking socket): loop until done.
 */
static int write_all(int fd, const char *data, size_t n)
{
    while (n > 0) {
        ssize_t written = write(fd, data, n);
        if (written == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += written;
        n -= (size_t)written;
    }
    return 0;
}

/* Echo everything the peer of conn sends until it stops sending (EOF). */
static int echo_until_eof(int conn)
{
    char buffer[4096];

    for (;;) {
        ssize_t n = read(conn, buffer, sizeof buffer);
        if (n == 0)
            return 0; /* the client shut down its sending side, or closed */
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (write_all(conn, buffer, (size_t)n) == -1)
            return -1;
    }
}

int lab02_echo_serve(int listen_fd, int nclients)
{
    for (int served = 0; served < nclients; served++) {
        struct sockaddr_storage client;
        int conn = lab02_accept(listen_fd, &client);
        if (conn == -1)
            return -1;
        if (echo_until_eof(conn) == -1) {
            close_keep_errno(conn);
            return -1;
        }
        /* Closing sends our FIN: the client reads EOF after the echo.
         * listen_fd stays open for the next client (and the caller). */
        close(conn);
    }
    return 0;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: A client ---- */
ssize_t lab02_echo_request(const struct sockaddr *server, socklen_t len, const void *msg, size_t msg_len,
                           void *reply, size_t reply_size)
{
    char *out = reply;
    size_t received = 0;
    int fd = socket(server->sa_family, SOCK_STREAM, 0);

    if (fd == -1)
        return -1;
    if (connect(fd, server, len) == -1 || write_all(fd, msg, msg_len) == -1)
        goto fail;

    /* "I have finished sending": the server's read() returns 0, so it
     * stops echoing and closes, and then our read() returns 0 too. */
    if (shutdown(fd, SHUT_WR) == -1)
        goto fail;

    while (received < reply_size) {
        ssize_t n = read(fd, out + received, reply_size - received);
        if (n == 0)
            break;
        if (n == -1) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        received += (size_t)n;
    }
    close(fd);
    return (ssize_t)received;

fail:
    close_keep_errno(fd);
    return -1;
}
/* ---- END STEP 7 ---- */
