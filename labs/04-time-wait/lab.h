/*
 * lab.h - Lab 04, "TIME_WAIT and SO_REUSEADDR": the functions you write in lab.c.
 *
 * The end of a TCP connection that closes first does not disappear: the
 * kernel keeps it for 60 seconds in TIME_WAIT, a socket with no file
 * descriptor, on the same address and port. When that end is a server, its
 * port is still taken when the server restarts, and bind() fails with
 * EADDRINUSE. In this lab you make TIME_WAIT happen, find it in the kernel's
 * table, read its timer, and restart a server the way Linux allows:
 *
 *   step 1  lab04_close_in_order        close a connection, one side first
 *   step 2  lab04_find_time_wait        the TIME_WAIT socket in the kernel's table,
 *           lab04_who_holds_time_wait   and whose port it is on
 *   step 3  lab04_time_wait_remaining_ms  its timer: 60 s, counting down
 *   step 4  lab04_server_socket         a server that sets SO_REUSEADDR before bind()
 *   step 5  lab04_second_listener       two sockets may bind one port; only one may listen
 *
 * Conventions, as for the system calls these functions wrap: on failure a
 * function returns -1 and leaves errno as the failing call set it (save
 * errno before calling close(), which may change it), and it closes every
 * descriptor it opened, so a failure never leaks one. Take the family from
 * the address you are given (AF_INET or AF_INET6); never assume IPv4.
 *
 * The grader does not trust the values you return: it asks the kernel
 * (through sock_diag, as `ss -tan` does) which sockets exist and in which
 * state, and it calls bind() and listen() itself to hear the kernel's verdict.
 */
#ifndef SOCKLAB_LAB04_H
#define SOCKLAB_LAB04_H

#include <sys/socket.h>

#include "net.h"
#include "sockdiag.h"

/* The two ends of a connection, as bits, so that both can be named at once. */
enum lab04_side {
    LAB04_NOBODY = 0,
    LAB04_SERVER = 1,
    LAB04_CLIENT = 2,
};

/* How long step 1 waits, in all, for the other side to see end-of-file. */
#define LAB04_EOF_TIMEOUT_MS 1000

/* The backlog a server of step 4 and 5 passes to listen(). */
#define LAB04_BACKLOG 16

/* How long Linux keeps a socket in TIME_WAIT (TCP_TIMEWAIT_LEN): 60 s, no sysctl changes it. */
#define LAB04_TIME_WAIT_MS 60000

/*
 * Step 1. Close the connection whose server end is server_fd (an accepted
 * socket) and whose client end is client_fd, the side named by `first`
 * (LAB04_SERVER or LAB04_CLIENT) closing first:
 *   1. close() the first side's descriptor: its kernel sends a FIN;
 *   2. on the other side, read() until it returns 0 (end-of-file: the FIN
 *      has arrived), throwing away whatever data comes before it, for at
 *      most LAB04_EOF_TIMEOUT_MS in all, waiting before each read() with
 *      poll() (sl_wait_readable() does) for what is left of that time;
 *   3. close() the other side.
 * Reading everything matters: close() on a socket with unread data sends a
 * reset (RST) instead of a FIN, and then no TIME_WAIT is left anywhere.
 * The side that closed first is the one that ends up in TIME_WAIT.
 *
 * Returns 0. Both descriptors are closed whenever `first` is valid, even
 * when the function fails: -1 with errno ETIMEDOUT when no end-of-file came
 * in time, or the errno of a read() that failed. If `first` is neither
 * LAB04_SERVER nor LAB04_CLIENT, returns -1 with errno EINVAL and closes
 * nothing.
 */
int lab04_close_in_order(int server_fd, int client_fd, enum lab04_side first);

/*
 * Step 2 (a). Look in the kernel's socket table (sl_diag_list) for a TCP
 * socket in TIME_WAIT whose local end is `local` and whose remote end is
 * `remote` (addresses and ports; both of the same family). A TIME_WAIT
 * socket has no descriptor, so the table is the only place to find it.
 *
 * Returns 1 and fills *found with the kernel's entry when there is one,
 * 0 when there is none, -1 with errno set when the table cannot be read.
 */
int lab04_find_time_wait(const struct sockaddr *local, const struct sockaddr *remote,
                         struct sl_diag_socket *found);

/*
 * Step 2 (b). After a connection between server (the server's end: its
 * address and port) and client (the client's end) has closed: which end
 * holds a TIME_WAIT socket? The server's TIME_WAIT socket has the server's
 * end as its local end; the client's has the client's end. Look each one
 * up with lab04_find_time_wait(), which reads the kernel's table with
 * sl_diag_list().
 *
 * Returns LAB04_SERVER, LAB04_CLIENT, both ORed together (after a rare
 * simultaneous close), or LAB04_NOBODY (0); -1 with errno set when the table
 * cannot be read.
 */
int lab04_who_holds_time_wait(const struct sockaddr *server, const struct sockaddr *client);

/*
 * Step 3. How long the TIME_WAIT socket whose local end is `local` and
 * whose remote end is `remote` has left, in milliseconds, as the kernel's
 * timer says (sock_diag's idiag_expires; at most LAB04_TIME_WAIT_MS).
 *
 * Returns the milliseconds left, or -1 with errno ENOENT when the kernel
 * lists no such TIME_WAIT socket (it never existed, or its 60 s are over),
 * or another errno when the table cannot be read.
 */
int lab04_time_wait_remaining_ms(const struct sockaddr *local, const struct sockaddr *remote);

/*
 * Step 4. A listening TCP server socket on addr (len bytes; port 0 lets the
 * kernel pick one): socket() with addr's family; when reuseaddr is nonzero,
 * setsockopt(SO_REUSEADDR) to 1 BEFORE bind(); bind(); listen() with
 * LAB04_BACKLOG. When reuseaddr is 0 the option stays off.
 *
 * This is how a server starts, and how it restarts on the port it had. After
 * the old server closed its connections first, TIME_WAIT sockets hold that
 * port, and on Linux bind() succeeds only when the OLD listener had
 * SO_REUSEADDR (its TIME_WAIT sockets inherit it) AND the new socket has it;
 * otherwise it fails with EADDRINUSE. A socket in LISTEN always blocks the
 * port, option or not.
 *
 * Returns the listening descriptor, or -1 with errno from the call that
 * failed (EADDRINUSE from bind()) and no descriptor left open.
 */
int lab04_server_socket(const struct sockaddr *addr, socklen_t len, int reuseaddr);

/*
 * Step 5. Show that SO_REUSEADDR lets two sockets bind() one address and
 * port, but never lets two of them listen:
 *   1. socket A: SO_REUSEADDR on, bind() to addr (its port may be 0), then
 *      read back the address the kernel gave it with getsockname();
 *   2. socket B: SO_REUSEADDR on, bind() to A's address, the same port.
 *      This succeeds: neither socket listens yet;
 *   3. listen() on A: succeeds;
 *   4. listen() on B: fails with EADDRINUSE. listen() checks the port again,
 *      and A now listens on it.
 * Both stay open: fds[0] = A (listening), fds[1] = B (bound, not listening).
 *
 * Returns the errno of B's listen() (EADDRINUSE on Linux), or 0 if B
 * listened after all (it must not). When socket(), setsockopt(), bind() or
 * A's listen() fails, returns -1 with that call's errno and leaves nothing
 * open.
 */
int lab04_second_listener(const struct sockaddr *addr, socklen_t len, int fds[2]);

#endif
