/*
 * testlib.h - helpers the graded tests share: a loopback server on a port
 * the kernel picked, a client, accept() with a bound, free ports, the
 * kernel's view of a descriptor or a connection (now, or once it appears
 * or is gone), a count of open descriptors (to catch leaks), and the
 * checks of a graded call's result and errno.
 *
 * Every helper checks its own result with Check's assertions, so a test
 * reads as a list of steps; a failure inside a helper fails the test that
 * called it with a message saying which call went wrong.
 */
#ifndef SOCKLAB_TESTLIB_H
#define SOCKLAB_TESTLIB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "grade.h"
#include "subject.h"
#include "net.h"
#include "netns.h"
#include "sockets.h"
#include "observe.h"
#include "sockdiag.h"

/* The loopback address of a family, port 0: 127.0.0.1 or ::1. */
void tl_loopback(int family, struct sockaddr_storage *addr);

/*
 * A listening socket on the family's loopback, on a port the kernel picked
 * (never a fixed port, so two graders can run at once). *addr receives the
 * bound address. Returns the fd.
 */
int tl_listener(int family, struct sockaddr_storage *addr);

/* A client connected to addr. Returns the fd. */
int tl_connect(const struct sockaddr_storage *addr);

/*
 * accept() on listen_fd, waiting at most timeout_ms for a connection (so a
 * test never blocks forever). Returns the new fd.
 */
int tl_accept(int listen_fd, int timeout_ms);

/*
 * The kernel's entry for the TCP socket behind fd (sock_diag, matched by
 * inode); the test fails with `what` in the message when there is none.
 */
struct sl_diag_socket tl_kernel_view(int fd, const char *what);

/*
 * How many descriptors this process has open (from /proc/self/fd). In a
 * forked child, where an assertion cannot fail the test, use
 * kit_open_fd_count() (net.h), which returns -1 instead.
 */
int tl_open_fd_count(void);

/* Is fd an open descriptor? */
bool tl_fd_is_open(int fd);

/* Can this machine bind a TCP socket to ::1? (some containers have no IPv6) */
bool tl_ipv6_available(void);

/* Format an address for a failure message (a static buffer per slot 0..3). */
const char *tl_str(const struct sockaddr_storage *addr, int slot);

/* ---- results and errors ------------------------------------------------ */

/*
 * Fail the test when a call that had to succeed returned -1; err is the
 * errno saved right after the call. (Call first, then pass errno: inside
 * one argument list C does not say which is evaluated first.) ENOSYS is
 * the skeleton's placeholder: "this step is not written yet".
 */
void tl_require_success(long result, int err, const char *call);

/* Fail unless a call failed the way the contract says: -1 and errno `want`. */
void tl_require_failure(long result, int err, int want, const char *call);

/* Skip an IPv6 test (marked as extra) where this machine cannot bind ::1. */
void tl_require_ipv6(void);

/* ---- addresses and ports ----------------------------------------------- */

/* A sockaddr_storage as the struct sockaddr * the socket calls take, and its length. */
const struct sockaddr *tl_sa(const struct sockaddr_storage *addr);
socklen_t tl_sa_len(const struct sockaddr_storage *addr);

/* The address the kernel gave fd (getsockname); `what` names fd in a failure. */
struct sockaddr_storage tl_local_address(int fd, const char *what);

/*
 * Do the two bytes of port differ? Only then does a missing htons() or
 * ntohs() change the value, so only such a port can catch that mistake.
 */
bool tl_port_bytes_differ(uint16_t port);

/*
 * A TCP socket bound to ip ("127.0.0.1", "::1", "127.0.0.3") port 0, not
 * listening; *addr receives the address and port the kernel gave it.
 * Returns the fd.
 */
int tl_bound_socket(const char *ip, struct sockaddr_storage *addr);

/* The same, on a port whose two bytes differ (tl_port_bytes_differ). */
int tl_telltale_bound_socket(const char *ip, struct sockaddr_storage *addr);

/* tl_listener() on a port whose two bytes differ. */
int tl_telltale_listener(int family, struct sockaddr_storage *addr);

/*
 * An address on ip whose port is free right now, and has two different
 * bytes: the kernel picked it for a bound socket, which was closed without
 * ever listening. Connecting there is refused; binding there succeeds,
 * unless someone takes the port in between (a caller may retry on
 * EADDRINUSE).
 */
void tl_free_port(const char *ip, struct sockaddr_storage *addr);

/* ---- the kernel's table: connections ----------------------------------- */

/*
 * The kernel's entry for the connection from local to remote (addresses
 * and ports both), in one of `states` (a bitmask of SL_DIAG_STATE(); 0
 * means any). Returns 1 and fills *out (if not NULL), or 0 when the kernel
 * lists none. Works for sockets no descriptor leads to (TIME_WAIT).
 */
int tl_connection_entry(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                        uint32_t states, struct sl_diag_socket *out);

/*
 * Poll the kernel's table, for at most timeout_ms, until it lists that
 * connection in one of `states`. Returns true (and *out, if not NULL) when
 * it does, false on timeout.
 */
bool tl_await_connection(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                         uint32_t states, int timeout_ms, struct sl_diag_socket *out);

/*
 * Poll the kernel's table, for at most timeout_ms, until it no longer
 * lists that connection in any state; the test fails otherwise, with
 * `what` naming the connection.
 */
void tl_await_connection_gone(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                              int timeout_ms, const char *what);

/* ---- processes, as the kernel sees them --------------------------------- */

/*
 * The state letter of process pid in /proc/PID/stat: 'R' running, 'S'
 * sleeping, 'Z' a zombie nobody has reaped yet, ...; 0 when there is no
 * such process (it never existed, or it ended and was reaped). The test
 * cannot waitpid() for processes the student's code forked (they are the
 * subject's children, subject.h), so this is how it sees them end.
 */
char tl_process_state(pid_t pid);

/* The parent of process pid (the 4th field of /proc/PID/stat), or -1 when it is gone. */
pid_t tl_parent_of(pid_t pid);

#endif
