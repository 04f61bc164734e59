/*
 * lab.c - Lab 04, "TIME_WAIT and SO_REUSEADDR": your file.
 *
 * Fill in the five steps below, one at a time. What each function must do
 * is written in lab.h; the lesson (docs/lessons/04-time-wait.md) explains
 * why. After each step:
 *
 *     make grade LAB=4       the grader looks for your sockets in the kernel's table
 *     ./build/bin/lab04      a walk-through that shows your system calls and the
 *                            TIME_WAIT timer counting down
 *
 * Until you write it, each function fails with ENOSYS ("Function not
 * implemented"), so the grader and the walk-through tell you where you are.
 *
 * Useful manual pages: close(2), read(2), poll(2), socket(7) (SO_REUSEADDR),
 * setsockopt(2), bind(2), listen(2), getsockname(2), tcp(7); and
 * labs/common/sockdiag.h for the kernel's socket table.
 */
#include "lab.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h> /* TCP_TIME_WAIT, the kernel's number for the state */
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

/* ---- STEP 1: Whoever closes first ---- */
int lab04_close_in_order(int server_fd, int client_fd, enum lab04_side first)
{
    /*
     * TODO:
     * 1. Decide which descriptor closes first: server_fd when first is
     *    LAB04_SERVER, client_fd when it is LAB04_CLIENT. For any other
     *    value set errno to EINVAL and return -1 without closing anything.
     * 2. close() the first one. Its kernel sends a FIN: this is the
     *    "active close", and this end will be the one in TIME_WAIT.
     * 3. On the other descriptor, read() until it returns 0. Data may come
     *    before the end-of-file: read it into a buffer and throw it away.
     *    Never block without a bound: before each read() call
     *    sl_wait_readable(fd, ms_left) (labs/common/net.h), with a deadline
     *    of LAB04_EOF_TIMEOUT_MS from the start (sl_now_ms() gives the
     *    time). If the deadline passes, the result is -1 with ETIMEDOUT;
     *    if read() fails (other than EINTR, which means "try again"), the
     *    result is -1 with read()'s errno.
     * 4. close() the other descriptor in every case (close_keep_errno()
     *    when you are returning -1), and return 0 or -1.
     * Why read everything: close() on a socket that still has unread data
     * sends a reset (RST) instead of a FIN, and then nobody is in TIME_WAIT.
     */
    (void)server_fd;
    (void)client_fd;
    (void)first;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 1 ---- */

/* ---- STEP 2: Find TIME_WAIT in the kernel's table ---- */
int lab04_find_time_wait(const struct sockaddr *local, const struct sockaddr *remote,
                         struct sl_diag_socket *found)
{
    /*
     * TODO:
     * 1. Fill a struct sl_diag_filter (labs/common/sockdiag.h):
     *      .family      = local->sa_family,
     *      .states      = SL_DIAG_STATE(TCP_TIME_WAIT)  (only that state:
     *                     0 would mean every state),
     *      .local_port  = sl_addr_port(local),
     *      .remote_port = sl_addr_port(remote).
     * 2. Call sl_diag_list(&filter, array, size). It returns how many
     *    sockets matched, or -1, but stores only the first `size`: when
     *    more matched than your array holds, the one you want may be among
     *    those left out, so ask again with room for them all (malloc()).
     * 3. Find the one whose .local equals local and whose .remote equals
     *    remote (sl_addr_equal(); cast &sock.local to const struct
     *    sockaddr *): the same two ports can join other addresses. Copy it
     *    to *found and return 1. Return 0 when there is none.
     */
    (void)local;
    (void)remote;
    (void)found;
    errno = ENOSYS;
    return -1;
}

int lab04_who_holds_time_wait(const struct sockaddr *server, const struct sockaddr *client)
{
    /*
     * TODO:
     * 1. The server's TIME_WAIT socket, if any, has local = server and
     *    remote = client: ask lab04_find_time_wait(server, client, &sock).
     * 2. The client's has local = client and remote = server: ask again
     *    with the two swapped.
     * 3. Return LAB04_SERVER, LAB04_CLIENT, both ORed together, or
     *    LAB04_NOBODY; return -1 if either lookup returned -1.
     */
    (void)server;
    (void)client;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 2 ---- */

/* ---- STEP 3: The 60-second timer ---- */
int lab04_time_wait_remaining_ms(const struct sockaddr *local, const struct sockaddr *remote)
{
    /*
     * TODO:
     * 1. Find the TIME_WAIT socket with lab04_find_time_wait(local, remote,
     *    &sock). On -1 return -1. When there is none (0), set errno to
     *    ENOENT and return -1.
     * 2. The kernel reports the socket's timer in the entry: sock.timer is
     *    3 for the TIME_WAIT timer, and sock.expires_ms is how long until
     *    it fires, in MILLISECONDS. Return that number (about 60000 right
     *    after the close, then counting down).
     */
    (void)local;
    (void)remote;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 3 ---- */

/* ---- STEP 4: A server that can restart ---- */
int lab04_server_socket(const struct sockaddr *addr, socklen_t len, int reuseaddr)
{
    /*
     * TODO:
     * 1. socket() with addr's family (addr->sa_family), SOCK_STREAM, 0.
     * 2. If reuseaddr is nonzero: set the option BEFORE bind(), with
     *        int on = 1;
     *        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
     *    bind() is where the kernel checks the port; an option set after it
     *    comes too late. The value must be 1: 0 turns the option off.
     *    SO_REUSEADDR, not SO_REUSEPORT: they are different options (lab 05).
     * 3. bind(fd, addr, len), then listen(fd, LAB04_BACKLOG).
     * 4. If any call fails (bind() says EADDRINUSE when the port is held),
     *    close the socket with close_keep_errno() and return -1.
     *    Otherwise return fd.
     */
    (void)addr;
    (void)len;
    (void)reuseaddr;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 4 ---- */

/* ---- STEP 5: Never two listeners ---- */
int lab04_second_listener(const struct sockaddr *addr, socklen_t len, int fds[2])
{
    /*
     * TODO:
     * 1. Socket A: socket(), SO_REUSEADDR on (as in step 4), bind(addr).
     * 2. Read back A's address with getsockname() into a
     *    struct sockaddr_storage: when addr's port is 0, only now do you
     *    know which port the kernel gave A.
     * 3. Socket B: socket(), SO_REUSEADDR on, bind() to A's address from
     *    step 2 (the same port). Both binds succeed: nobody listens yet.
     * 4. listen(A, LAB04_BACKLOG): succeeds.
     * 5. listen(B, LAB04_BACKLOG): fails with EADDRINUSE, because A is now
     *    a LISTEN socket on that port. Keep that errno (0 if it succeeded).
     * 6. Store A in fds[0] and B in fds[1], leave both open, and return
     *    the errno of step 5.
     * If anything in steps 1 to 4 fails, close what you opened
     * (close_keep_errno()) and return -1.
     */
    (void)addr;
    (void)len;
    (void)fds;
    errno = ENOSYS;
    return -1;
}
/* ---- END STEP 5 ---- */
