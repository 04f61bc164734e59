/*
 * lab.c - Lab 02, "The server's syscalls": your file.
 *
 * Fill in the seven steps below, one at a time. What each function must do
 * is written in lab.h; the lesson (docs/lessons/02-server-syscalls.md)
 * explains why. After each step:
 *
 *     make grade LAB=2       the grader checks your sockets in the kernel's table
 *     ./build/bin/lab02      a walk-through that shows the system calls you made
 *
 * Until you write it, each function fails with ENOSYS ("Function not
 * implemented"), so the grader and the walk-through tell you where you are.
 *
 * Useful manual pages: socket(2), bind(2), listen(2), accept(2),
 * getsockname(2), read(2), write(2), shutdown(2), close(2), ip(7), ipv6(7),
 * tcp(7).
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

/* ---- STEP 1: socket() ---- */
int lab02_socket(int family)
{
    /*
     * TODO:
     * Create the socket with socket(family, SOCK_STREAM, 0) and return what
     * it returns: the new descriptor, or -1 with errno already set.
     * SOCK_STREAM with protocol 0 means TCP for AF_INET and AF_INET6.
     */
    (void)family;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: bind() ---- */
int lab02_bind_loopback(int fd, int family, uint16_t port)
{
    /*
     * TODO:
     * 1. Declare a struct sockaddr_storage (room for IPv4 and IPv6) and
     *    zero it with memset().
     * 2. For AF_INET fill it as a struct sockaddr_in: sin_family AF_INET,
     *    sin_port htons(port), sin_addr.s_addr htonl(INADDR_LOOPBACK); the
     *    length is sizeof(struct sockaddr_in).
     *    For AF_INET6 fill it as a struct sockaddr_in6: sin6_family
     *    AF_INET6, sin6_port htons(port), sin6_addr in6addr_loopback; the
     *    length is sizeof(struct sockaddr_in6).
     *    For any other family set errno to EAFNOSUPPORT and return -1.
     *    The port MUST go through htons(): without it, port 5000 (0x1388)
     *    becomes port 34835 (0x8813) on a little-endian machine.
     * 3. bind(fd, (struct sockaddr *)&addr, len). If it fails (EADDRINUSE
     *    when the port is taken), return -1. Do not close fd: it is the
     *    caller's.
     * 4. With port 0 the kernel chose the port, so ask it: getsockname()
     *    into the same storage (set len to sizeof the storage first), then
     *    return ntohs() of sin_port or sin6_port, according to ss_family.
     */
    (void)fd;
    (void)family;
    (void)port;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: listen() ---- */
int lab02_listen(int fd, int backlog)
{
    /*
     * TODO:
     * Return listen(fd, backlog). Pass the caller's backlog, not a constant
     * of your own: it bounds the queue of connections the kernel completes
     * before anyone calls accept(). Do not close fd if listen() fails.
     */
    (void)fd;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: accept() ---- */
int lab02_accept(int listen_fd, struct sockaddr_storage *client)
{
    /*
     * TODO:
     * 1. Set a socklen_t len to sizeof *client: the room the kernel may
     *    fill (a sockaddr_storage holds an IPv6 address; sizeof(struct
     *    sockaddr_in) would cut one short).
     * 2. Call accept(listen_fd, (struct sockaddr *)client, &len) and
     *    return what it returns. That is a NEW descriptor for this one
     *    connection: listen_fd stays as it is, still listening.
     */
    (void)listen_fd;
    (void)client;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: The whole server ---- */
int lab02_open_server(int family, uint16_t port, int backlog)
{
    /*
     * TODO:
     * 1. fd = lab02_socket(family); return -1 if that fails.
     * 2. lab02_bind_loopback(fd, family, port), then lab02_listen(fd,
     *    backlog). Without listen() the port is bound but the kernel
     *    refuses every connection (ECONNREFUSED).
     * 3. If either fails, this function opened fd, so it must close it:
     *    close_keep_errno(fd), then return -1. Call nothing else in
     *    between that could change errno (not even shutdown(): on a
     *    socket that is not connected it fails and sets ENOTCONN).
     * 4. Return the listening descriptor.
     */
    (void)family;
    (void)port;
    (void)backlog;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 5 ---- */

/* ---- STEP 6: An echo server ---- */
int lab02_echo_serve(int listen_fd, int nclients)
{
    /*
     * TODO: repeat nclients times:
     * 1. conn = lab02_accept(listen_fd, &client). Return -1 if it fails.
     * 2. Loop: n = read(conn, buffer, sizeof buffer).
     *    - n == 0: the client has finished sending (EOF); leave the loop.
     *    - n == -1: retry if errno is EINTR; otherwise close conn with
     *      close_keep_errno() and return -1.
     *    - n > 0: write those n bytes back to conn. write() may write fewer
     *      bytes than asked: loop until all n are written (a small helper
     *      function write_all() is worth writing; step 7 can use it too).
     *    Read and write on conn, the accepted socket: listen_fd carries no
     *    data, it only hands out connections.
     * 3. close(conn): the client then reads EOF after its echo. Forget it
     *    and the connection stays open (CLOSE_WAIT in ss) and the client
     *    waits for ever.
     * 4. Do NOT close listen_fd: the next client is waiting in its queue,
     *    and after the last one it is still the caller's.
     * Return 0 after nclients clients.
     */
    (void)listen_fd;
    (void)nclients;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 6 ---- */

/* ---- STEP 7: A client ---- */
ssize_t lab02_echo_request(const struct sockaddr *server, socklen_t len, const void *msg, size_t msg_len,
                           void *reply, size_t reply_size)
{
    /*
     * TODO:
     * 1. fd = socket(server->sa_family, SOCK_STREAM, 0); -1 if it fails.
     * 2. connect(fd, server, len). Refused (ECONNREFUSED) when nobody
     *    listens there: then close fd with close_keep_errno(), return -1.
     * 3. Write all msg_len bytes of msg (loop, as in step 6).
     * 4. shutdown(fd, SHUT_WR): "I have finished sending". The server's
     *    read() then returns 0, so it stops and closes the connection.
     *    Without it, the server waits for more and you wait for its EOF.
     * 5. read() into reply, after the bytes already received, until read()
     *    returns 0 (the server closed) or reply_size bytes have arrived.
     * 6. close(fd) and return the number of bytes received.
     * On any failure after socket(): close_keep_errno(fd), return -1.
     */
    (void)server;
    (void)len;
    (void)msg;
    (void)msg_len;
    (void)reply;
    (void)reply_size;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 7 ---- */
