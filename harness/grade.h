/*
 * grade.h - how a lab's Check suite describes what it grades.
 *
 * Each lab has one file, harness/NN-name/tests.c, that defines the graded
 * tests as ordinary functions using Check's assertions (ck_assert_int_eq,
 * ck_assert_msg, ...), and one table, `grade_lab`, that gives every test its
 * step, its points and its time limit, and every step its hint. The runner
 * (harness/runner.c) turns the table into a Check suite with one test case
 * per test, runs each test in its own process, and writes the lab's results.
 *
 *     static void test_kernel_picks_source(void) { ... ck_assert(...); }
 *
 *     static const struct grade_step steps[] = {
 *         { 1, "Connect without bind()", "Call socket() then connect() ..." },
 *     };
 *     static const struct grade_test tests[] = {
 *         { 1, "kernel_picks_source", "the kernel picks the source address",
 *           2, test_kernel_picks_source },
 *     };
 *     GRADE_LAB("01", "The 5-tuple", steps, tests);
 */
#ifndef SOCKLAB_GRADE_H
#define SOCKLAB_GRADE_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

struct grade_step {
    int number;
    const char *title;
    const char *hint; /* shown when this is the first step with a failing test */
};

struct grade_test {
    int step;
    const char *name;        /* identifier: lower_case_with_underscores */
    const char *description; /* one line: what the test checks */
    int points;
    void (*run)(void);
    int timeout_s;           /* 0: GRADE_DEFAULT_TIMEOUT_S */
    /*
     * NULL for a test that is always graded. Otherwise what the test needs
     * from the machine ("root", "IPv6 on loopback", "a network namespace"):
     * such an extra may call grade_skip() when that is missing, and then
     * counts neither in the score nor in the maximum.
     */
    const char *needs;
    /*
     * When the grader runs as root, a test (and the student's code, in its
     * subject process: harness/subject.h) runs as an unprivileged user of
     * its own, so a stray kill(-1, SIGKILL) or a fork bomb stays inside the
     * test. A test that needs root says so here: it then runs as root of a
     * user namespace of its own, which is that unprivileged user outside,
     * with uid 65534 (KIT_NAMESPACE_NOBODY) mapped for setuid(); it can
     * write the sysctls of its own network namespace (own_netns). The
     * student's code there keeps only CAP_NET_ADMIN, CAP_SETUID and
     * CAP_SETGID. Give such a test `needs`, since an ordinary user's
     * grader cannot map a second uid.
     */
    bool runs_as_root;
    /*
     * Run the test in a network namespace of its own: its own loopback,
     * ports and per-namespace sysctls (net.ipv4.tcp_migrate_req, ...). Where
     * no namespace can be made (an ordinary user without user namespaces,
     * a locked-down container) the test is skipped, so give it `needs`.
     * A test that writes the namespace's sysctls also sets runs_as_root
     * (an ordinary user's test is root in a user namespace of its own).
     */
    bool own_netns;
};

struct grade_lab {
    const char *number; /* "01" */
    const char *title;
    const struct grade_step *steps;
    size_t nsteps;
    const struct grade_test *tests;
    size_t ntests;
};

#define GRADE_DEFAULT_TIMEOUT_S 10

/* Defined once per lab, in its tests.c, with GRADE_LAB(). */
extern const struct grade_lab grade_lab;

#define GRADE_LAB(num, title_text, step_table, test_table)                    \
    const struct grade_lab grade_lab = {                                      \
        num, title_text,                                                      \
        step_table, sizeof(step_table) / sizeof((step_table)[0]),             \
        test_table, sizeof(test_table) / sizeof((test_table)[0]),             \
    }

/*
 * Inside a test that has `needs`: stop here and report the test as skipped,
 * saying why (printf-style). In any other test this counts as a failure.
 */
void grade_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* The prefix grade_skip() puts on its message; the runner looks for it. */
#define GRADE_SKIP_PREFIX "SKIP: "

#endif
