/*
 * lab.h - Lab 02, "The server's syscalls": the functions you write in lab.c.
 *
 * A TCP server is four system calls, always in this order:
 *
 *     fd = socket(...)     a socket, with no address yet
 *     bind(fd, addr)       the address and port clients will connect to
 *     listen(fd, backlog)  from now on the kernel answers SYNs on that port
 *     c = accept(fd)       one connection, as a NEW socket; fd goes on listening
 *
 * You write them one at a time, then put them together:
 *
 *   step 1  lab02_socket         socket(): a TCP socket of a family
 *   step 2  lab02_bind_loopback  bind(): 127.0.0.1 or ::1, a port, read back
 *   step 3  lab02_listen         listen(): the kernel completes handshakes for you
 *   step 4  lab02_accept         accept(): a new socket per connection
 *   step 5  lab02_open_server    steps 1 to 3 in order, cleaning up on failure
 *   step 6  lab02_echo_serve     an echo server: several clients, one after another
 *   step 7  lab02_echo_request   its client: connect, send, read the echo back
 *
 * Conventions, as for the system calls these functions wrap: on failure a
 * function returns -1 and leaves errno as the failing call set it (save
 * errno before calling close(), which may change it). A function closes
 * every descriptor IT opened before it returns -1, and never closes one it
 * was given: that one belongs to the caller. Work for IPv4 and IPv6 alike.
 *
 * The grader does not trust the values you return: it asks the kernel
 * (through sock_diag, as `ss -tan` does) what your sockets really are.
 */
#ifndef SOCKLAB_LAB02_H
#define SOCKLAB_LAB02_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net.h"

/*
 * Step 1. Create a TCP socket of family (AF_INET or AF_INET6):
 * socket(family, SOCK_STREAM, 0). Nothing else: the new socket has no
 * address, so the kernel's table of TCP sockets does not list it yet.
 *
 * Returns the descriptor, or -1 with errno from socket() (EAFNOSUPPORT for
 * a family the kernel does not know).
 */
int lab02_socket(int family);

/*
 * Step 2. Bind the socket fd to the loopback address of family (127.0.0.1
 * for AF_INET, ::1 for AF_INET6) and to port, given in host byte order.
 * Port 0 asks the kernel to choose a free port. Then read back, with
 * getsockname(), the port the socket really has.
 *
 * Returns that port in host byte order (1 to 65535). On failure returns -1
 * with errno from the call that failed: EADDRINUSE when another socket
 * holds that address and port (a listener, for instance), EAFNOSUPPORT for
 * another family. fd stays open either way: it is the caller's.
 */
int lab02_bind_loopback(int fd, int family, uint16_t port);

/*
 * Step 3. Make the bound socket fd a listening socket: listen(fd, backlog).
 * From then on the kernel answers connection requests on its port by
 * itself and keeps the finished connections in fd's accept queue until
 * someone calls accept(). backlog bounds that queue: Linux holds at most
 * backlog + 1 connections there and ignores new SYNs while it is full.
 *
 * Returns 0, or -1 with errno from listen() (EINVAL, for instance, for a
 * socket that is already connected). fd stays open either way.
 */
int lab02_listen(int fd, int backlog);

/*
 * Step 4. Take one connection from the accept queue of the listening
 * socket listen_fd, waiting for one if the queue is empty, as accept()
 * does. *client receives the client's address and port (the other end of
 * the connection), IPv4 or IPv6.
 *
 * Returns the NEW descriptor of that connection; listen_fd is unchanged and
 * goes on listening. On failure returns -1 with errno from accept() (EINVAL
 * when listen_fd is not listening).
 */
int lab02_accept(int listen_fd, struct sockaddr_storage *client);

/*
 * Step 5. A listening server in one call: a socket of family (step 1),
 * bound to the loopback address and port (step 2; port 0: the kernel
 * chooses), listening with backlog (step 3).
 *
 * Returns the listening descriptor (read its port with getsockname()). On
 * failure returns -1 with errno from the step that failed (EADDRINUSE when
 * the port is taken) and leaves no descriptor open.
 */
int lab02_open_server(int family, uint16_t port, int backlog);

/*
 * Step 6. An echo server: serve nclients clients (nclients >= 1), one after
 * another. For each: accept one connection on listen_fd; read what the
 * client sends and write every byte back, until read() returns 0 (the
 * client has finished sending); close the connection; go on with the next.
 *
 * Returns 0 once nclients clients have been served. On failure returns -1
 * with errno set. Either way, every connection it accepted is closed, and
 * listen_fd is NOT closed: it stays open and listening, for the caller.
 */
int lab02_echo_serve(int listen_fd, int nclients);

/*
 * Step 7. A client of that echo server: connect to server (len bytes: a
 * sockaddr_in or a sockaddr_in6), send the msg_len bytes of msg, tell the
 * server you have finished sending (shutdown(SHUT_WR): it then reads 0),
 * read the reply into reply until the server closes the connection (read()
 * returns 0) or reply_size bytes have arrived, and close the socket.
 * Messages are small (a few KiB): sending all of it before reading is safe.
 *
 * Returns the number of bytes stored in reply. On failure returns -1 with
 * errno from the call that failed (ECONNREFUSED when nobody listens on that
 * port) and leaves no descriptor open.
 */
ssize_t lab02_echo_request(const struct sockaddr *server, socklen_t len, const void *msg, size_t msg_len,
                           void *reply, size_t reply_size);

#endif
