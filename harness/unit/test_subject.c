/*
 * test_subject.c - unit tests of harness/subject.c, the boundary between
 * the judge and the student's code: arguments go over and come back,
 * descriptors are shared, memory and dumpability are not, and the
 * student's process ending fails the test instead of ending it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "faults.h"
#include "sockets.h"
#include "subject.h"

struct pair {
    int a, b;
};

/* In the subject: out = in with the fields swapped, inout->a++, errno EDOM, returns our pid. */
static long run_swap(const union sj_value *v)
{
    const struct pair *in = v[0].p;
    struct pair *out = v[1].p;
    struct pair *inout = v[2].p;

    out->a = in->b;
    out->b = in->a;
    inout->a++;
    errno = EDOM;
    return (long)getpid() + v[3].i;
}

START_TEST(arguments_go_and_come_back)
{
    struct pair in = { 1, 2 }, out = { 0, 0 }, inout = { 10, 20 };

    sj_start();
    long r = sj_call("swap", run_swap, 4, SJ_IN(&in, sizeof in), SJ_OUT(&out, sizeof out),
                     SJ_INOUT(&inout, sizeof inout), SJ_INT(0));
    int err = errno;
    ck_assert_int_eq(r, sj_subject_pid());
    ck_assert_int_ne(r, getpid());
    ck_assert_int_eq(err, EDOM);
    ck_assert_int_eq(out.a, 2);
    ck_assert_int_eq(out.b, 1);
    ck_assert_int_eq(inout.a, 11);
    ck_assert_int_eq(inout.b, 20);
    ck_assert_int_eq(in.a, 1); /* an in-argument is never written back */
}
END_TEST

static long run_null(const union sj_value *v)
{
    return v[0].p == NULL && v[1].p == NULL;
}

START_TEST(null_stays_null)
{
    sj_start();
    ck_assert_int_eq(sj_call("null", run_null, 2, SJ_IN(NULL, 8), SJ_OUT(NULL, 0)), 1);
}
END_TEST

static long run_open_socket(const union sj_value *v)
{
    (void)v;
    return socket(AF_INET, SOCK_STREAM, 0);
}

START_TEST(descriptors_are_shared)
{
    struct stat st;

    sj_start();
    int before = kit_open_fd_count();
    int fd = (int)sj_call("socket", run_open_socket, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_int_eq(kit_open_fd_count(), before + 1);
    close(fd);
}
END_TEST

static long run_dumpable(const union sj_value *v)
{
    (void)v;
    return prctl(PR_GET_DUMPABLE);
}

START_TEST(judge_not_dumpable_subject_dumpable)
{
    sj_start();
    ck_assert_int_eq(prctl(PR_GET_DUMPABLE), 0);
    ck_assert_int_eq(sj_call("dumpable", run_dumpable, 0), 1);
}
END_TEST

static long run_nofile(const union sj_value *v)
{
    struct rlimit r;

    (void)v;
    getrlimit(RLIMIT_NOFILE, &r);
    return (long)r.rlim_cur;
}

START_TEST(setrlimit_reaches_the_subject)
{
    struct rlimit r;

    sj_start();
    getrlimit(RLIMIT_NOFILE, &r);
    rlim_t judge_had = r.rlim_cur;
    r.rlim_cur = 50;
    ck_assert_int_eq(sj_setrlimit(RLIMIT_NOFILE, &r), 0);
    ck_assert_int_eq(sj_call("nofile", run_nofile, 0), 50);
    getrlimit(RLIMIT_NOFILE, &r);
    ck_assert_int_eq(r.rlim_cur, judge_had); /* the judge keeps its own */
}
END_TEST

static long run_pid(const union sj_value *v)
{
    (void)v;
    return getpid();
}

START_TEST(restart_keeps_descriptor_count)
{
    sj_start();
    pid_t first = sj_subject_pid();
    int before = kit_open_fd_count();
    sj_restart();
    ck_assert_int_ne(sj_subject_pid(), first);
    ck_assert_int_eq(sj_call("pid", run_pid, 0), sj_subject_pid());
    ck_assert_int_eq(kit_open_fd_count(), before);
}
END_TEST

START_TEST(forked_test_gets_its_own_subject)
{
    int status;

    sj_start();
    pid_t parent_subject = sj_subject_pid();
    pid_t child = fork();
    if (child == 0) {
        /* Closing every number the parent's channel had, then reusing
         * them, must not confuse the child's subject. */
        for (int fd = 3; fd < 64; fd++)
            close(fd);
        int spare = open("/dev/null", O_RDONLY);
        pid_t mine = (pid_t)sj_call("pid", run_pid, 0);
        bool spare_intact = fcntl(spare, F_GETFD) != -1;
        _exit(mine > 0 && mine != parent_subject && mine != getpid() && spare_intact ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(sj_call("pid", run_pid, 0), parent_subject);
}
END_TEST

START_TEST(sj_fork_runs_on_the_student_side)
{
    int status;

    sj_start();
    pid_t child = sj_fork();
    if (child == 0)
        _exit(sj_in_subject() && sj_call("pid", run_pid, 0) == getpid() ? 0 : 1);
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(!sj_in_subject());
}
END_TEST

static long run_exit_77(const union sj_value *v)
{
    (void)v;
    _exit(77);
}

/* Registered as an exit test expecting 1, Check's status for a failed test:
 * the subject's _exit(77) must fail the judge, never end it with 77. */
START_TEST(subject_exit_fails_the_test)
{
    sj_start();
    sj_call("exit77", run_exit_77, 0);
    _exit(77); /* not reached: sj_call fails the test first */
}
END_TEST

/* In the subject: write 10 bytes to fd with one write() call; returns its result. */
static long run_write_once(const union sj_value *v)
{
    return write((int)v[0].i, "0123456789", 10);
}

START_TEST(faults_reach_only_the_subject)
{
    int pair[2];
    char buf[16];

    sj_start();
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    fault_short(FC_WRITE, 3);
    ck_assert_int_eq(sj_call("write", run_write_once, 1, SJ_INT(pair[0])), 3);
    ck_assert_int_eq(write(pair[0], "abcdef", 6), 6); /* the judge's own write is whole */
    fault_fail(FC_WRITE, 1, EINTR);
    ck_assert_int_eq(sj_call("write", run_write_once, 1, SJ_INT(pair[0])), 3);
    ck_assert_int_eq(sj_call("write", run_write_once, 1, SJ_INT(pair[0])), -1);
    ck_assert_int_eq(errno, EINTR);
    ck_assert_int_eq(sj_call("write", run_write_once, 1, SJ_INT(pair[0])), 3);
    ck_assert_int_eq(fault_calls(FC_WRITE), 4);
    ck_assert_int_eq(read(pair[1], buf, sizeof buf), 15); /* 3 + 6 + 3 + 3 */
    fault_clear();
    ck_assert_int_eq(fault_calls(FC_WRITE), 0);
    ck_assert_int_eq(sj_call("write", run_write_once, 1, SJ_INT(pair[0])), 10);
}
END_TEST

/* In the subject: socket(), SO_REUSEADDR, bind() to 127.0.0.1:0, close(). */
static long run_bind_sequence(const union sj_value *v)
{
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int on = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    (void)v;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    close(fd);
    return fd;
}

START_TEST(log_keeps_the_order_of_calls)
{
    struct fault_record log[8];

    sj_start();
    int fd = (int)sj_call("bind sequence", run_bind_sequence, 0);
    int n = fault_log(log, 8);
    ck_assert_int_eq(n, 4);
    ck_assert(log[0].call == FC_SOCKET && log[0].a == AF_INET && log[0].result == fd);
    ck_assert(log[1].call == FC_SETSOCKOPT && log[1].fd == fd && log[1].a == SOL_SOCKET && log[1].b == SO_REUSEADDR);
    ck_assert(log[2].call == FC_BIND && log[2].fd == fd && log[2].result == 0);
    ck_assert(log[3].call == FC_CLOSE && log[3].fd == fd);
    ck_assert_int_eq(log[0].pid, sj_subject_pid());
}
END_TEST

Suite *subject_suite(void);

Suite *subject_suite(void)
{
    Suite *s = suite_create("socklab subject");
    TCase *tc = tcase_create("subject");

    tcase_add_test(tc, arguments_go_and_come_back);
    tcase_add_test(tc, null_stays_null);
    tcase_add_test(tc, descriptors_are_shared);
    tcase_add_test(tc, judge_not_dumpable_subject_dumpable);
    tcase_add_test(tc, setrlimit_reaches_the_subject);
    tcase_add_test(tc, restart_keeps_descriptor_count);
    tcase_add_test(tc, forked_test_gets_its_own_subject);
    tcase_add_test(tc, sj_fork_runs_on_the_student_side);
    tcase_add_exit_test(tc, subject_exit_fails_the_test, 1);
    tcase_add_test(tc, faults_reach_only_the_subject);
    tcase_add_test(tc, log_keeps_the_order_of_calls);
    suite_add_tcase(s, tc);
    return s;
}
