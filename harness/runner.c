/*
 * runner.c - main() of every lab's test binary.
 *
 * A lab's tests.c supplies the table `grade_lab` (see grade.h); this file
 * turns it into a Check suite and runs it:
 *   - one Check test case per graded test, so each result carries the
 *     test's name (Check 0.15 has no tr_tname());
 *   - Check's fork mode: every test runs in a child process of its own, in
 *     its own process group, with the test's time limit; a crash or an
 *     endless loop in the student's code costs that test only;
 *   - a test passes only by reaching its end: the child then exits with
 *     GRADE_PASS_EXIT, so a student's exit(0) in the middle of a test is
 *     not mistaken for a pass;
 *   - the runner is a "child subreaper": whatever a test started and left
 *     behind (even a daemonised grandchild) is re-parented to the runner,
 *     which kills and reaps it before the next test starts;
 *   - what the student's code prints goes to one file per test, capped in
 *     size, never to the terminal.
 * Results are written to a results file (results.h) that the report reads.
 *
 * Usage: NN-test --out FILE [--output-dir DIR]
 *        NN-plan --out FILE --not-compiled BUILD_LOG
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "grade.h"
#include "results.h"
#include "subject.h"
#include "testlib.h"

/* The exit status of a test process that reached the end of its test. */
#define GRADE_PASS_EXIT 77
/* ... and of one the runner could not prepare (never a pass). */
#define GRADE_SETUP_FAILED_EXIT 78

/*
 * The most a test process may write to any file (RLIMIT_FSIZE): it caps
 * what the student's code prints, and must leave room for Check's own
 * record of the test, which grows with every passing assertion.
 */
#define OUTPUT_LIMIT_BYTES (16 * 1024 * 1024)

/* How much of that output a failure message quotes. */
#define OUTPUT_QUOTE_BYTES 1200

static const char *output_dir; /* NULL: the student's output is discarded */

void grade_skip(const char *fmt, ...)
{
    char reason[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    ck_abort_msg("%s%s", GRADE_SKIP_PREFIX, reason);
    abort(); /* not reached: ck_abort_msg ends the test */
}

static void output_path(const struct grade_test *test, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.out", output_dir, test->name);
}

/*
 * Limits for the test process and everything it starts. They turn a fork
 * bomb, a descriptor leak or a huge malloc() into a failed call inside one
 * test instead of a machine in trouble.
 */
#define TEST_MAX_PROCESSES 256
#define TEST_MAX_FILES 1024
#define TEST_MAX_MEMORY (2048L * 1024 * 1024)

/*
 * The unprivileged user a test runs as when the grader is root: one uid per
 * runner, not in /etc/passwd, so RLIMIT_NPROC counts only this test's
 * processes and kill(-1, SIGKILL) can reach nothing but them.
 */
static uid_t sandbox_uid;

static void drop_privileges(void)
{
    /* Keep /proc/self readable after the uid change (it resets "dumpable"). */
    if (setgroups(0, NULL) != 0 || setgid(sandbox_uid) != 0 || setuid(sandbox_uid) != 0) {
        fprintf(stderr, "runner: cannot drop root privileges: %s\n", strerror(errno));
        _exit(GRADE_SETUP_FAILED_EXIT);
    }
}

/* How many processes uid runs now (the owner of /proc/PID is its uid). */
static int processes_of(uid_t uid)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    struct stat st;
    int count = 0;

    if (proc == NULL)
        return 0;
    while ((e = readdir(proc)) != NULL)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && fstatat(dirfd(proc), e->d_name, &st, 0) == 0 &&
            st.st_uid == uid)
            count++;
    closedir(proc);
    return count;
}

/* In the test process: where output goes, and limits on what it may use. */
static void prepare_test_process(const struct grade_test *test, bool grader_is_root)
{
    char path[4096];
    int fd;

    fd = open("/dev/null", O_RDONLY);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    if (output_dir) {
        output_path(test, path, sizeof path);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    } else {
        fd = open("/dev/null", O_WRONLY);
    }
    if (fd != -1) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    /*
     * Check's runner catches SIGTERM and SIGINT to pass them on to the test's
     * process group; a test (and the workers a student's code forks) must
     * not inherit that, or a worker told to stop would signal its siblings.
     */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    /* Unbuffered: a test that fails ends with _exit(), which flushes nothing. */
    setvbuf(stdout, NULL, _IONBF, 0);
    /* An output flood stops at the limit: writes then fail with EFBIG. */
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &(struct rlimit){ OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES });
    setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
    setrlimit(RLIMIT_NOFILE, &(struct rlimit){ TEST_MAX_FILES, TEST_MAX_FILES });
#ifndef __SANITIZE_ADDRESS__ /* AddressSanitizer reserves terabytes of address space */
    setrlimit(RLIMIT_AS, &(struct rlimit){ TEST_MAX_MEMORY, TEST_MAX_MEMORY });
#endif
    if (grader_is_root && !test->runs_as_root)
        drop_privileges();
    /*
     * RLIMIT_NPROC counts every process of the user, not just the test's:
     * for an ordinary user (whose desktop may run hundreds) the test gets
     * TEST_MAX_PROCESSES more than the user has now. Root ignores it.
     */
    rlim_t nproc = (rlim_t)processes_of(getuid()) + TEST_MAX_PROCESSES;
    setrlimit(RLIMIT_NPROC, &(struct rlimit){ nproc, nproc });
}

/* The one Check test that runs graded test number _i of the table. */
START_TEST(run_graded_test)
{
    const struct grade_test *test = &grade_lab.tests[_i];
    /* Asked before a user namespace can make us look like root. */
    bool grader_is_root = geteuid() == 0;

    /*
     * The runner is not dumpable, and we inherit that; until sj_start()
     * makes this process the judge, be dumpable, or an ordinary user could
     * not write our own /proc/self/uid_map to enter a namespace. Only the
     * grader's own code runs until then.
     */
    prctl(PR_SET_DUMPABLE, 1);

    /*
     * A test that needs root gets it only inside a user namespace of its
     * own (kit_become_namespace_root): root there, the sandbox user
     * outside, with the sandbox's neighbour uid as "nobody" for setuid().
     */
    if (test->runs_as_root && grader_is_root && kit_become_namespace_root(sandbox_uid, sandbox_uid + 1) != 0) {
        fprintf(stderr, "runner: no user namespace for a test that needs root: %s\n", strerror(errno));
        _exit(GRADE_SETUP_FAILED_EXIT);
    }
    /* Before prepare_test_process() drops root: making one may need it. */
    if (test->own_netns && kit_enter_private_netns() != 0)
        grade_skip("no network namespace can be made here (%s)", sl_errno_name(errno));
    prepare_test_process(test, grader_is_root);
    /* From here this process is the judge: the student's code runs only
     * in the subject it starts (subject.h), never here. */
    sj_start();
    test->run();
    fflush(NULL);
    _exit(GRADE_PASS_EXIT);
}
END_TEST

/* Is pid's parent the runner? Reads the 4th field of /proc/PID/stat. */
static bool is_our_child(const char *pid_text, pid_t runner)
{
    char path[64], buf[512];
    FILE *f;
    char *close_paren;
    int ppid = -1;

    snprintf(path, sizeof path, "/proc/%s/stat", pid_text);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    if (fgets(buf, sizeof buf, f) != NULL) {
        /* The command name may hold spaces or ')': skip to the last ')'. */
        close_paren = strrchr(buf, ')');
        if (close_paren)
            sscanf(close_paren + 1, " %*c %d", &ppid);
    }
    fclose(f);
    return ppid == runner;
}

/* Send SIGKILL to every child of the runner; returns how many there were. */
static int kill_our_children(void)
{
    pid_t self = getpid();
    DIR *proc = opendir("/proc");
    struct dirent *e;
    int killed = 0;

    if (proc == NULL)
        return 0;
    while ((e = readdir(proc)) != NULL)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && is_our_child(e->d_name, self))
            killed += kill((pid_t)atoi(e->d_name), SIGKILL) == 0;
    closedir(proc);
    return killed;
}

/*
 * After every test (Check's unchecked fixture runs here, in the runner):
 * kill whatever the test left behind and reap it. Orphans come to us
 * because we are a subreaper; killing one may orphan its children, which
 * then come to us too, so repeat until none is left (bounded).
 */
static void reap_leftovers(void)
{
    for (int round = 0; round < 100; round++) {
        int killed = kill_our_children();
        if (killed == 0)
            break;
        for (int i = 0; i < killed; i++)
            if (waitpid(-1, NULL, 0) == -1)
                break;
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;
}

/*
 * The first OUTPUT_QUOTE_BYTES of what the student's code printed, or NULL.
 * The start, not the end: that is where a sanitizer's report names the bug.
 */
static char *quote_output(const struct grade_test *test)
{
    char path[4096];
    struct stat st;
    char *text;
    FILE *f;
    size_t n;

    if (output_dir == NULL)
        return NULL;
    output_path(test, path, sizeof path);
    if (stat(path, &st) != 0 || st.st_size == 0)
        return NULL;
    f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    text = calloc(1, OUTPUT_QUOTE_BYTES + 1);
    if (text == NULL) {
        fclose(f);
        return NULL;
    }
    n = fread(text, 1, OUTPUT_QUOTE_BYTES, f);
    fclose(f);
    while (n > 0 && text[n - 1] == '\n')
        n--;
    text[n] = '\0';
    /* Keep the report printable: no control characters but newlines. */
    for (char *p = text; *p; p++)
        if ((unsigned char)*p < 32 && *p != '\n')
            *p = '?';
    if (st.st_size > OUTPUT_QUOTE_BYTES)
        text_append(&text, "\n", "[...]");
    if (st.st_size >= OUTPUT_LIMIT_BYTES)
        text_append(&text, "\n", "[your code printed more than the limit; the rest was thrown away]");
    return text;
}

/* Did a sanitizer (SANITIZE=1) report something in the test's output? */
static bool sanitizer_spoke(const char *output)
{
    return output && (strstr(output, "AddressSanitizer") || strstr(output, "runtime error:") ||
                      strstr(output, "LeakSanitizer"));
}

/* Turn Check's verdict on one test into ours. */
static void classify(const struct grade_test *test, TestResult *tr, struct result_test *out)
{
    const char *msg = tr_msg(tr) ? tr_msg(tr) : "";
    char buf[1024];

    out->earned = 0;
    if (tr_rtype(tr) == CK_PASS) {
        out->status = RESULT_PASS;
        out->earned = test->points;
        out->message = xstrdup("");
        return;
    }
    if (strncmp(msg, GRADE_SKIP_PREFIX, strlen(GRADE_SKIP_PREFIX)) == 0) {
        if (test->needs) {
            out->status = RESULT_SKIPPED;
            snprintf(buf, sizeof buf, "skipped: needs %s: %s", test->needs,
                     msg + strlen(GRADE_SKIP_PREFIX));
        } else {
            out->status = RESULT_FAIL;
            snprintf(buf, sizeof buf, "a test that must run was skipped: %s",
                     msg + strlen(GRADE_SKIP_PREFIX));
        }
    } else if (strncmp(msg, SJ_CRASH_PREFIX, strlen(SJ_CRASH_PREFIX)) == 0) {
        /* The judge saw the student's code end its process (subject.c). */
        out->status = RESULT_CRASH;
        snprintf(buf, sizeof buf, "crashed: %s", msg + strlen(SJ_CRASH_PREFIX));
    } else if (tr_rtype(tr) == CK_FAILURE) {
        out->status = RESULT_FAIL;
        snprintf(buf, sizeof buf, "%s", msg);
    } else if (strstr(msg, "timeout")) {
        out->status = RESULT_TIMEOUT;
        snprintf(buf, sizeof buf,
                 "timed out after %d s: an endless loop, or a call that waits for something that never comes?",
                 test->timeout_s ? test->timeout_s : GRADE_DEFAULT_TIMEOUT_S);
    } else if (strncmp(msg, "Received signal", 15) == 0) {
        out->status = RESULT_CRASH;
        snprintf(buf, sizeof buf, "crashed: %s", msg);
    } else if (strncmp(msg, "Early exit", 10) == 0) {
        out->status = RESULT_CRASH;
        snprintf(buf, sizeof buf, "the test process ended in the middle of the test (%s): exit() or abort() in your code?",
                 msg);
    } else {
        out->status = RESULT_CRASH;
        snprintf(buf, sizeof buf, "%s", msg);
    }
    out->message = xstrdup(buf);
    if (out->status != RESULT_SKIPPED) {
        char *output = quote_output(test);
        if (sanitizer_spoke(output)) {
            /* The sanitizer's words say more than how the process ended. */
            out->status = RESULT_CRASH;
            free(out->message);
            out->message = xstrdup("The sanitizer found a bug in the code this test ran:");
            text_append(&out->message, "\n", output);
        } else if (output) {
            text_append(&out->message, "\n", "What your code printed:");
            text_append(&out->message, "\n", output);
        }
        free(output);
    }
}

static void fill_lab_header(struct lab_results *res)
{
    res->number = xstrdup(grade_lab.number);
    res->title = xstrdup(grade_lab.title);
    res->nsteps = grade_lab.nsteps;
    res->steps = calloc(grade_lab.nsteps, sizeof *res->steps);
    res->ntests = grade_lab.ntests;
    res->tests = calloc(grade_lab.ntests, sizeof *res->tests);
    if (res->steps == NULL || res->tests == NULL) {
        fputs("runner: out of memory\n", stderr);
        exit(3);
    }
    for (size_t i = 0; i < grade_lab.nsteps; i++) {
        res->steps[i].number = grade_lab.steps[i].number;
        res->steps[i].title = xstrdup(grade_lab.steps[i].title);
        res->steps[i].hint = xstrdup(grade_lab.steps[i].hint);
    }
    for (size_t i = 0; i < grade_lab.ntests; i++) {
        const struct grade_test *t = &grade_lab.tests[i];
        res->tests[i] = (struct result_test){
            .step = t->step,
            .name = xstrdup(t->name),
            .description = xstrdup(t->description),
            .max = t->points,
            .status = RESULT_CRASH,
            .message = NULL,
        };
    }
}

/* A table mistake is the harness's bug, not the student's: refuse to run. */
static void check_table(void)
{
    if (grade_lab.ntests == 0) {
        fprintf(stderr, "runner: lab %s declares no tests\n", grade_lab.number);
        exit(3);
    }
    for (size_t i = 0; i < grade_lab.ntests; i++) {
        const struct grade_test *t = &grade_lab.tests[i];
        bool step_known = false;
        for (size_t s = 0; s < grade_lab.nsteps; s++)
            step_known |= grade_lab.steps[s].number == t->step;
        if (!step_known || t->points <= 0 || t->run == NULL || t->name == NULL) {
            fprintf(stderr, "runner: lab %s: test %zu is malformed (step, points or name)\n",
                    grade_lab.number, i + 1);
            exit(3);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(grade_lab.tests[j].name, t->name) == 0) {
                fprintf(stderr, "runner: lab %s: two tests are named %s\n", grade_lab.number, t->name);
                exit(3);
            }
    }
}

/* The lab did not build: every test scores 0; the note quotes the log's first lines. */
static void report_not_compiled(struct lab_results *res, const char *log_path)
{
    FILE *log = fopen(log_path, "r");
    char line[512];
    int kept = 0;

    while (log && kept < 16 && fgets(line, sizeof line, log)) {
        line[strcspn(line, "\n")] = '\0';
        text_append(&res->note, "\n", line);
        kept++;
    }
    if (res->note == NULL)
        res->note = xstrdup("The lab was not built, so no test could run.");
    if (log)
        fclose(log);
    for (size_t i = 0; i < res->ntests; i++) {
        res->tests[i].status = RESULT_NOT_COMPILED;
        res->tests[i].message = xstrdup("not run: the lab was not built (see above)");
    }
}

/* Run tests [first, last) as one Check suite and record their results. */
static void run_tests(struct lab_results *res, size_t first, size_t last)
{
    Suite *suite = suite_create(grade_lab.title);
    SRunner *runner;
    TestResult **results;
    int nrun;

    for (size_t i = first; i < last; i++) {
        const struct grade_test *t = &grade_lab.tests[i];
        TCase *tc = tcase_create(t->name);
        /* CK_TIMEOUT_MULTIPLIER in the environment scales this (slow machines, sanitizers). */
        tcase_set_timeout(tc, t->timeout_s ? t->timeout_s : GRADE_DEFAULT_TIMEOUT_S);
        tcase_add_unchecked_fixture(tc, NULL, reap_leftovers);
        tcase_add_loop_exit_test(tc, run_graded_test, GRADE_PASS_EXIT, (int)i, (int)i + 1);
        suite_add_tcase(suite, tc);
    }
    runner = srunner_create(suite);
    srunner_set_fork_status(runner, CK_FORK);
    srunner_run_all(runner, CK_SILENT);

    nrun = srunner_ntests_run(runner);
    results = srunner_results(runner);
    for (int r = 0; r < nrun; r++) {
        const char *name = tr_tcname(results[r]);
        for (size_t i = first; i < last; i++)
            if (strcmp(grade_lab.tests[i].name, name) == 0 && res->tests[i].message == NULL)
                classify(&grade_lab.tests[i], results[r], &res->tests[i]);
    }
    free(results);
    srunner_free(runner);
}

/*
 * All the tests, in table order. With GRADE_STOP_EARLY=1 in the environment
 * (make mutate, which only needs to know whether a mutant loses a point)
 * the run stops at the first test that fails; the rest are recorded as
 * failed without running.
 */
static void run_suite(struct lab_results *res)
{
    const char *stop_early = getenv("GRADE_STOP_EARLY");

    if (stop_early == NULL || strcmp(stop_early, "1") != 0) {
        run_tests(res, 0, grade_lab.ntests);
    } else {
        for (size_t i = 0; i < grade_lab.ntests; i++) {
            run_tests(res, i, i + 1);
            if (res->tests[i].message == NULL || res->tests[i].status == RESULT_PASS ||
                res->tests[i].status == RESULT_SKIPPED)
                continue;
            for (size_t j = i + 1; j < grade_lab.ntests; j++) {
                res->tests[j].status = RESULT_FAIL;
                res->tests[j].message = xstrdup("not run: an earlier test failed (GRADE_STOP_EARLY)");
            }
            break;
        }
    }
    /* A test Check did not report is a failure, never a silent pass. */
    for (size_t i = 0; i < res->ntests; i++)
        if (res->tests[i].message == NULL)
            res->tests[i].message = xstrdup("the test did not run (the grader lost its result)");
}

static void usage(FILE *out)
{
    fprintf(out, "usage: %s --out FILE [--output-dir DIR] [--not-compiled BUILD_LOG]\n"
                 "Runs the graded tests of lab %s (%s) and writes their results to FILE.\n",
            program_invocation_short_name, grade_lab.number, grade_lab.title);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "out", required_argument, NULL, 'o' },
        { "output-dir", required_argument, NULL, 'd' },
        { "not-compiled", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *out_path = NULL, *build_log = NULL;
    struct lab_results res = { 0 };
    int c;

    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'd': output_dir = optarg; break;
        case 'n': build_log = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (out_path == NULL || optind != argc) {
        fprintf(stderr, "%s: --out FILE is required (and nothing else)\n", program_invocation_short_name);
        return 2;
    }
    if (output_dir && mkdir(output_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: mkdir %s: %s\n", program_invocation_short_name, output_dir, strerror(errno));
        return 3;
    }

    check_table();
    fill_lab_header(&res);
    if (build_log) {
        report_not_compiled(&res, build_log);
    } else {
        /* A uid far above real users' and the usual subordinate ranges. */
        sandbox_uid = (uid_t)(1500000000u + 2u * ((unsigned)getpid() % 500000u)); /* and + 1: its "nobody" */
        /* Nothing a test starts may ptrace us, whatever its uid. */
        prctl(PR_SET_DUMPABLE, 0);
        /* Orphans of the tests come to us, so reap_leftovers() can end them. */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        run_suite(&res);
        reap_leftovers();
    }
    if (lab_results_write(&res, out_path) != 0) {
        fprintf(stderr, "%s: writing %s: %s\n", program_invocation_short_name, out_path, strerror(errno));
        return 3;
    }
    lab_results_free(&res);
    return 0;
}
