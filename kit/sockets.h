/*
 * sockets.h - the kit's own socket helpers: a listener, a client, the
 * 5-tuple of a descriptor, the ephemeral port range, open descriptors.
 *
 * These are for the grader, the walk-throughs and the figures, never for a
 * lab.c: each one does what some lab step asks the student to write, so
 * the grader refuses a lab.c that calls them (harness/check-lab-object.sh).
 * The student's library is labs/common.
 */
#ifndef SOCKLAB_KIT_SOCKETS_H
#define SOCKLAB_KIT_SOCKETS_H

#include <stdint.h>
#include <sys/socket.h>

#include "net.h"

/*
 * The 5-tuple of the connected TCP socket behind fd, as the kernel's socket
 * table lists it (sock_diag, found by the socket's inode). Returns 0, or -1
 * with errno set (ENOTCONN when the socket is not connected).
 */
int kit_five_tuple_of(int fd, struct sl_five_tuple *tuple);

/*
 * The kernel's ephemeral port range (net.ipv4.ip_local_port_range, read
 * from /proc/sys), for this network namespace. Returns 0, or -1.
 */
int kit_local_port_range(uint16_t *low, uint16_t *high);

/*
 * A listening TCP socket on addr (which may carry port 0: the kernel then
 * picks one; read it back with getsockname). SO_REUSEADDR is not set.
 * Returns the fd, or -1. On success *addr holds the bound address.
 */
int kit_listen_on(struct sockaddr_storage *addr, int backlog);

/* socket + connect, blocking. Returns the fd, or -1 (nothing left open). */
int kit_connect_to(const struct sockaddr *addr);

/*
 * How many descriptors this process has open (the entries of
 * /proc/self/fd), or -1. The same count before and after a call shows
 * that the call left nothing open.
 */
int kit_open_fd_count(void);

#endif
