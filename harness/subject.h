/*
 * subject.h - the student's code runs in a process of its own, never in
 * the process that judges it.
 *
 * Why. A test decides pass or fail in its own process, the "judge": Check
 * counts the test as passed when that process reaches the end of the test.
 * Code running in that process could end it with the pass status, write
 * Check's messages, or change the judge's memory, so the judge never runs
 * the student's code itself. Every function of the lab's contract (lab.h)
 * is linked into the test binary as a proxy (harness/NN-name/calls.c, put
 * in place of the real function by the linker's --wrap) that hands the
 * call to the "subject": a process that shares the judge's descriptor
 * table but not its memory (clone(CLONE_FILES)). A descriptor the student's
 * code opens is the same number, the same socket, in the test; what the
 * subject sends back is plain data (the return value, errno, what an
 * out-argument holds), which the tests check against the kernel anyway.
 *
 * The judge is not dumpable, so the subject cannot ptrace it, read or
 * write its memory through /proc/PID/mem, or open its /proc files; the
 * subject is dumpable, so the judge can look at it (/proc/PID/fd, status).
 * When the grader runs as root both run as an unprivileged uid of the
 * runner's (harness/runner.c), and the subject keeps no capability but
 * CAP_NET_ADMIN, CAP_SETUID and CAP_SETGID (which a test marked
 * runs_as_root may give it, inside a user namespace of its own). What the
 * subject can still do to the judge is kill it, which fails the test.
 *
 * A proxy has two halves: a "runner" that calls the real function in the
 * subject with the arguments it receives, and the wrapper that packs them:
 *
 *     static long run_five_tuple(const union sj_value *a)
 *     {
 *         return __real_lab01_five_tuple((int)a[0].i, a[1].p);
 *     }
 *     int __wrap_lab01_five_tuple(int fd, struct sl_five_tuple *tuple)
 *     {
 *         return (int)sj_call("lab01_five_tuple", run_five_tuple, 2,
 *                             SJ_INT(fd), SJ_OUT(tuple, sizeof *tuple));
 *     }
 *
 * Inside the subject (and the processes the student's code forks) a proxy
 * calls the real function directly: a worker loop passed as a function
 * pointer runs where the student's code runs.
 */
#ifndef SOCKLAB_SUBJECT_H
#define SOCKLAB_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* One argument as the subject's side of a proxy receives it. */
union sj_value {
    long long i;     /* SJ_INT */
    void *p;         /* SJ_IN, SJ_OUT, SJ_INOUT: the subject's copy (NULL stays NULL) */
    void (*f)(void); /* SJ_FUNC: the same address in both processes (the subject is a fork) */
};

enum sj_kind { SJ_KIND_INT, SJ_KIND_IN, SJ_KIND_OUT, SJ_KIND_INOUT, SJ_KIND_FUNC };

/* One argument as the judge's side of a proxy gives it. */
struct sj_arg {
    enum sj_kind kind;
    long long i;
    void *p;
    size_t size; /* bytes at p to copy in, out or both */
    void (*f)(void);
};

/* An integer (int, size_t, uid_t, an enum, a bool...). */
#define SJ_INT(v) ((struct sj_arg){ .kind = SJ_KIND_INT, .i = (long long)(v) })
/* size bytes the function reads (a const pointer). */
#define SJ_IN(ptr, n) ((struct sj_arg){ .kind = SJ_KIND_IN, .p = (void *)(ptr), .size = (n) })
/* size bytes the function writes; copied back into the judge's memory. */
#define SJ_OUT(ptr, n) ((struct sj_arg){ .kind = SJ_KIND_OUT, .p = (void *)(ptr), .size = (n) })
/* Both. */
#define SJ_INOUT(ptr, n) ((struct sj_arg){ .kind = SJ_KIND_INOUT, .p = (void *)(ptr), .size = (n) })
/* A socket address whose length is not passed beside it: its family's size. */
#define SJ_ADDR(addr) SJ_IN(addr, sj_addr_size(addr))
size_t sj_addr_size(const void *addr);
/* A function pointer. */
#define SJ_FUNC(fn) ((struct sj_arg){ .kind = SJ_KIND_FUNC, .f = (void (*)(void))(fn) })

/*
 * In calls.c, after a proxy: a compile-time check that the proxy and the
 * real function have the contract's type (lab.h), so a proxy never passes
 * arguments the student's function does not expect.
 */
#define SJ_SAME_SIGNATURE(fn)                                                                        \
    _Static_assert(__builtin_types_compatible_p(__typeof__(fn), __typeof__(__real_##fn)) &&         \
                       __builtin_types_compatible_p(__typeof__(fn), __typeof__(__wrap_##fn)),       \
                   #fn ": the proxy's signature differs from lab.h")

/* The subject's half of a proxy: calls the real function, returns its result. */
typedef long (*sj_runner)(const union sj_value *args);

/* The most arguments a contract function has. */
#define SJ_MAX_ARGS 8

/*
 * Call run(args) in the subject and return its result, with errno as the
 * function left it and every SJ_OUT/SJ_INOUT argument copied back. When
 * the student's code ends the subject (exit(), a crash, a signal) the test
 * fails here, saying which function did it and how. name is the contract
 * function's name, for messages.
 */
long sj_call(const char *name, sj_runner run, int nargs, ...);

/* The message prefix that makes the runner report a test as a crash. */
#define SJ_CRASH_PREFIX "CRASH: "

/*
 * For the runner, in the test process before the test starts: make this
 * process a judge (not dumpable) and start its subject, so the subject's
 * descriptors exist before a test counts descriptors.
 */
void sj_start(void);

/*
 * fork() a process on the student's side of the boundary: in the child
 * every contract function runs directly (as in the subject), the child is
 * dumpable and keeps no capability the subject would not have. For tests
 * that need a process of their own running the student's code, to signal
 * it or wait for it. Whatever the child reports (its exit status, bytes on
 * a pipe) is the student's to forge: check what it did through the kernel.
 * Returns like fork().
 */
pid_t sj_fork(void);

/* The pid of the process that runs the student's code for this process (started if needed). */
pid_t sj_subject_pid(void);

/* Is this process the subject, or one the student's code started? */
bool sj_in_subject(void);

/*
 * End the subject; the next call starts a fresh one that inherits this
 * process's state as it is now (limits, signal dispositions, uid).
 */
void sj_restart(void);

/*
 * setrlimit() for the subject, where the student's code runs. The judge
 * keeps its own limits: it must still be able to poll() its channel when
 * the student's code may open no descriptor at all. (The descriptor table
 * is shared, so RLIMIT_NOFILE in the subject counts the judge's too.)
 * Returns 0, or -1 with errno set.
 */
int sj_setrlimit(int resource, const struct rlimit *limit);

#endif
