/*
 * faults.h - make the student's system calls fail, or do less, on purpose,
 * and count them.
 *
 * A contract promises what a function does when a call inside it fails
 * (return -1 with that call's errno, close what it opened) or does only part
 * of its work: write() of 100 bytes may write 37, read() may return 1 byte,
 * a signal may interrupt a call with EINTR. Real peers and real limits drive
 * some of these (a reset, RLIMIT_NOFILE); for the rest a test arms a fault.
 * The linker sends every call of the functions below, wherever it is made,
 * through the wrappers in faults.c (-Wl,--wrap, the list is FAULT_CALLS);
 * in the subject process (harness/subject.h), where the student's code
 * runs, a wrapper applies what the test armed and counts the call. The
 * judge's own calls pass straight through.
 *
 *     fault_short(FC_WRITE, 3);          every write() moves at most 3 bytes
 *     fault_fail(FC_READ, 1, EINTR);     the 2nd read() from now fails with EINTR
 *     n = lab02_echo_serve(fd, 1);
 *     fault_clear();
 *
 * What the faults table holds lives in memory shared with the subject,
 * made before the subject starts (sj_start() calls fault_prepare()).
 */
#ifndef SOCKLAB_FAULTS_H
#define SOCKLAB_FAULTS_H

#include <stddef.h>

/* The calls that can be made to fail or fall short. */
enum fault_call {
    FC_SOCKET,
    FC_BIND,
    FC_LISTEN,
    FC_ACCEPT, /* accept() and accept4() */
    FC_CONNECT,
    FC_CLOSE,
    FC_SHUTDOWN,
    FC_READ,   /* read(), and the fortified __read_chk() */
    FC_WRITE,
    FC_RECV,   /* recv(), __recv_chk() */
    FC_SEND,
    FC_POLL,   /* poll(), __poll_chk() */
    FC_SETSOCKOPT,
    FC_GETSOCKOPT,
    FC_GETSOCKNAME,
    FC_GETPEERNAME,
    FC_DIAG_LIST, /* sl_diag_list(), the student's library's read of the kernel's table */
    FC_COUNT
};

/*
 * The call fails with -1 and errno err, once, after `after` more calls
 * that go through (0: the next call fails). Nothing else happens: a failed
 * read() reads nothing, a failed bind() binds nothing; but a failed close()
 * has released the descriptor, as close() does on Linux whatever it
 * reports.
 */
void fault_fail(enum fault_call call, int after, int err);

/* Every call fails with err from now on. */
void fault_fail_always(enum fault_call call, int err);

/* read(), write(), recv(), send(): each call moves at most max bytes (max >= 1). */
void fault_short(enum fault_call call, size_t max);

/*
 * The call is made late, once: ms milliseconds pass before it, after
 * `after` more calls made on time. (A process can always be slow: a
 * deadline must hold however long one call took.)
 */
void fault_delay(enum fault_call call, int after, int ms);

/* Forget every armed fault and every count. */
void fault_clear(void);

/* How many times the student's code called it since the last fault_clear(). */
int fault_calls(enum fault_call call);

/*
 * The student's calls in the order they were made (since fault_clear(),
 * the first FAULT_LOG_MAX of them), in every process of the student's: the
 * descriptor they were made on (-1 for socket() and sl_diag_list()), two
 * arguments that tell them apart (socket(): domain and type; setsockopt()
 * and getsockopt(): level and option name; shutdown(): how; listen():
 * backlog; others 0), the result and errno. Like the counts, this is
 * evidence of a mistake (an option set after bind()), never the reason a
 * test passes: the student's process could write it.
 */
struct fault_record {
    enum fault_call call;
    int pid;
    int fd;
    long a, b;
    long result;
    int err;
};
#define FAULT_LOG_MAX 512

/* Copies up to max records into out; returns how many there are (which may be more than max). */
int fault_log(struct fault_record *out, int max);

/* The call's name, for messages: "read". */
const char *fault_call_name(enum fault_call call);

/* For sj_start(): the shared table, made before the subject is cloned. */
void fault_prepare(void);

#endif
