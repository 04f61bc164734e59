/*
 * testlib.h - helpers the graded tests share: a loopback server on a port
 * the kernel picked, a client, accept() with a bound, the kernel's view of a
 * descriptor, and a count of open descriptors (to catch leaks).
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

#include "grade.h"
#include "net.h"
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

/* How many descriptors this process has open (from /proc/self/fd). */
int tl_open_fd_count(void);

/* Is fd an open descriptor? */
bool tl_fd_is_open(int fd);

/* Can this machine bind a TCP socket to ::1? (some containers have no IPv6) */
bool tl_ipv6_available(void);

/*
 * Move this process into a new network namespace with its loopback up.
 * As root, a plain network namespace; otherwise a user namespace too, in
 * which we are root (so per-namespace sysctls can be set). Returns 0, or
 * -1 with errno set (EPERM where the machine allows neither).
 */
int tl_enter_private_netns(void);

/* Write value to a sysctl file ("/proc/sys/net/ipv4/tcp_migrate_req"). Returns 0 or -1. */
int tl_write_sysctl(const char *path, const char *value);

/* Format an address for a failure message (a static buffer per slot 0..3). */
const char *tl_str(const struct sockaddr_storage *addr, int slot);

#endif
