/*
 * trace.h - watching your system calls, for the walk-through programs
 * (build/bin/labNN) of every lab.
 *
 * trace.c defines functions named socket(), bind(), connect(), read(), ...
 * A walk-through is linked with it, so your lab.c's calls (and
 * labs/common's) reach those definitions instead of the C library's. Each
 * one makes the real system call and leaves errno as the call set it;
 * between trace_on() and trace_off() it also prints one line:
 *
 *     "  > connect(fd 4, 127.0.0.1:5000) -> -1 ECONNREFUSED"
 *
 * The grader never links this folder (the Makefile keeps it out of
 * libsocklab.a): the tests' own calls are not traced, and lab.c must not
 * call anything declared here.
 */
#ifndef SOCKLAB_WALK_TRACE_H
#define SOCKLAB_WALK_TRACE_H

#include <stdbool.h>

/*
 * Print each system call from now on (the walk-through is calling your
 * code), in this process only: a child it forks stays quiet unless it calls
 * trace_on() itself (lab 05's workers do not; lab 02's echo server does).
 */
void trace_on(void);

/* Stop printing: the walk-through's own calls are not yours. */
void trace_off(void);

/*
 * What each traced line starts with: "  >" unless changed. Lab 02's echo
 * server runs in a child process and marks its lines "  server>".
 */
void trace_set_prefix(const char *prefix);

/*
 * Print only the calls named in `calls`, words separated by spaces
 * ("socket bind listen close"; "sock_diag" is the line that says the
 * kernel's table was read), or every call when NULL, as at the start.
 */
void trace_only(const char *calls);

/*
 * For a wrapper of another call that a walk-through defines itself (lab
 * 05's kill(), waitpid(), ...): is `call` printed now? Tracing is on, in
 * the process that turned it on, and trace_only() lets `call` through.
 */
bool trace_printing(const char *call);

/* What traced lines start with now (see trace_set_prefix()). */
const char *trace_prefix(void);

/* Print " -> 0", " -> fd 4" or " -> -1 ECONNREFUSED", then end the line. */
void trace_print_result(long result, int err, bool returns_fd);

/* "AF_INET", "AF_INET6", or "family 1" for another family. */
const char *trace_family_name(int family);

#endif
