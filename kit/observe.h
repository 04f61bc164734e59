/*
 * observe.h - the kit's view of the kernel: a socket by its descriptor,
 * and waiting for a socket to appear in the kernel's table.
 *
 * For the grader, the walk-throughs and the tools, not for a lab.c: they
 * find in one call what some steps ask the student to find with
 * getsockname() or TCP_INFO. They are built on the student's own
 * sockdiag.h (sl_diag_list).
 */
#ifndef SOCKLAB_KIT_OBSERVE_H
#define SOCKLAB_KIT_OBSERVE_H

#include <stdint.h>

#include "sockdiag.h"

/* The inode of the socket behind fd (what sock_diag reports), or 0 on error. */
uint64_t kit_socket_inode(int fd);

/*
 * Find the kernel's entry for the socket behind fd. Returns 1 and fills *out
 * if found, 0 if the kernel lists no such TCP socket, -1 on error.
 */
int kit_diag_find_fd(int fd, struct sl_diag_socket *out);

/*
 * Poll the kernel's table until a socket matching filter is in one of the
 * filter's states, for at most timeout_ms. Returns 1 and fills *out (if not
 * NULL) when found, 0 on timeout, -1 on error. Use this instead of sleeping
 * a guessed time after close() or shutdown().
 */
int kit_diag_wait(const struct sl_diag_filter *filter, int timeout_ms, struct sl_diag_socket *out);

#endif
