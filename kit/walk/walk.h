/*
 * walk.h - what every lab's walk-through program (build/bin/labNN) does
 * the same way: report a step of your lab.c that failed or is not written
 * yet, mark a result that differs from the kernel's, show the kernel's
 * socket table ("kernel:" lines, what `ss -tan` shows), and turn bad
 * command-line arguments into one line and exit status 2.
 *
 * Like trace.h, this is the walk-throughs' own code: the grader does not
 * link it, so lab.c must not call it.
 */
#ifndef SOCKLAB_WALK_WALK_H
#define SOCKLAB_WALK_WALK_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "sockdiag.h"
#include "observe.h"

/*
 * First thing in main(): the program's name and its lab's folder, which
 * the messages below name: walk_init("lab01", "labs/01-five-tuple").
 */
void walk_init(const char *program, const char *lab_folder);

/*
 * Something to do before the program exits because a step failed (lab 02
 * stops the child running your echo server). Descriptors need nothing:
 * exiting closes them.
 */
void walk_at_failure(void (*cleanup)(void));

/*
 * Your function returned -1 in step `step`. Prints its errno in one line
 * ("lab01_connect: ECONNREFUSED (Connection refused)"), then either "Step
 * N is not written yet" (ENOSYS, the skeleton's placeholder) or which
 * function of lab.c to look at; exits with status 1.
 */
void walk_step_failed(int step, const char *function) __attribute__((noreturn));

/*
 * A step failed in a way the caller has just explained on stderr (no
 * errno to report): says which function of lab.c to look at; exits 1.
 */
void walk_give_up(int step, const char *function) __attribute__((noreturn));

/* A result that differs from the kernel's: "  !! what". The walk goes on. */
void walk_disagree(const char *what);

/*
 * The last lines: every step agreed with the kernel (then `note` follows,
 * if not NULL), or some did not, and `make grade` says more. Returns the
 * exit status for main(): 0 or 1.
 */
int walk_finish(const char *note);

/*
 * Close a descriptor the walk-through holds, then forget it (*fd = -1).
 * Never 0, 1 or 2: a buggy lab function could return one of those, and
 * closing our own standard output would hide the rest of the walk-through.
 */
void walk_close(int *fd);

/* ---- the kernel's view ------------------------------------------------- */

/*
 * "kernel:" lines of LISTEN sockets also show Recv-Q (connections in the
 * accept queue) and Send-Q (the backlog), as ss does. Off unless a lab
 * (lab 02, the accept queue) turns it on.
 */
void walk_show_queues(bool on);

/* Print "  kernel: " and the socket as ss shows it, then the note, if any. */
void walk_print_kernel(const struct sl_diag_socket *sock, const char *note);

/*
 * The kernel's entry for the socket behind fd (by inode), sockets that are
 * bound but not listening included. False when the kernel lists none.
 */
bool walk_kernel_entry(int fd, struct sl_diag_socket *out);

/*
 * The kernel's line for fd, with a note ("<- the new socket"); when it
 * lists none, "kernel: no TCP socket behind fd N" and false. *out (if not
 * NULL) receives the entry.
 */
bool walk_show_fd(int fd, const char *note, struct sl_diag_socket *out);

/*
 * The kernel's entry for the connection from local to remote (addresses
 * and ports both), in one of `states` (a bitmask of SL_DIAG_STATE(); 0
 * means any). False when it lists none. A TIME_WAIT connection, which no
 * descriptor leads to, is found this way.
 */
bool walk_connection_entry(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                           uint32_t states, struct sl_diag_socket *out);

/* Poll, for at most timeout_ms, until walk_connection_entry() finds it. */
bool walk_await_connection(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                           uint32_t states, int timeout_ms, struct sl_diag_socket *out);

/* Poll, for at most timeout_ms, until the kernel no longer lists the connection. */
bool walk_await_gone(const struct sockaddr_storage *local, const struct sockaddr_storage *remote, int timeout_ms);

/* ---- arguments --------------------------------------------------------- */

/* A usage error: "lab01: MESSAGE (see lab01 --help)" on stderr, exit status 2. */
void walk_bad_usage(const char *format, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * The next option on the command line, as getopt_long() gives it (optarg
 * is its argument), or -1 when there are no more. Handles what every
 * walk-through handles alike: --help prints usage(stdout) and exits 0; an
 * unknown option ("unknown option '-x'"), a missing argument ("-n needs
 * <needs>") or an argument after the options is a usage error.
 * short_options as for getopt ("6n:"); long_options NULL when --help is
 * the only one, or a list with { "help", no_argument, NULL, 'h' } in it.
 */
int walk_next_option(int argc, char *argv[], const char *short_options, const struct option *long_options,
                     void (*usage)(FILE *out), const char *needs);

/*
 * The whole number in text, from low to high, for option ("-n",
 * "--watch"); anything else is a usage error: "-n wants a number from 1
 * to 100, not 'x'".
 */
int walk_number_argument(const char *option, const char *text, int low, int high);

#endif
