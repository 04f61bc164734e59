/*
 * test_common.c - unit tests of labs/common, the kit's libraries and the
 * grader's results file, run by `make unit` (and `make test`), and main()
 * for them and harness/unit/test_subject.c. Plain Check, no points: these
 * test the kit itself, not a student.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "netns.h"
#include "sockets.h"
#include "results.h"
#include "sockdiag.h"
#include "observe.h"
#include "tcp_states.h"

/* ---- net.h ---------------------------------------------------------------- */

START_TEST(parse_and_format_ipv4)
{
    struct sockaddr_storage a;
    socklen_t len;
    char buf[SL_ADDRSTRLEN];

    ck_assert_int_eq(sl_addr_parse("127.0.0.1", 5000, &a, &len), 0);
    ck_assert_int_eq(a.ss_family, AF_INET);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
    ck_assert_uint_eq(sl_addr_port((struct sockaddr *)&a), 5000);
    ck_assert_uint_eq(((struct sockaddr_in *)&a)->sin_port, htons(5000));
    ck_assert_str_eq(sl_addr_format((struct sockaddr *)&a, buf, sizeof buf), "127.0.0.1:5000");
}
END_TEST

START_TEST(parse_and_format_ipv6)
{
    struct sockaddr_storage a, b;
    socklen_t len;
    char buf[SL_ADDRSTRLEN];

    ck_assert_int_eq(sl_addr_parse("::1", 80, &a, &len), 0);
    ck_assert_int_eq(a.ss_family, AF_INET6);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
    ck_assert_str_eq(sl_addr_format((struct sockaddr *)&a, buf, sizeof buf), "[::1]:80");
    ck_assert_int_eq(sl_addr_parse("[::1]", 80, &b, &len), 0);
    ck_assert(sl_addr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
}
END_TEST

START_TEST(parse_rejects_bad_input)
{
    struct sockaddr_storage a;
    socklen_t len;
    const char *bad[] = { "", "localhost", "1.2.3", "256.0.0.1", "::g", "[::1", "127.0.0.1:80" };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        ck_assert_msg(sl_addr_parse(bad[i], 1, &a, &len) == -1, "accepted '%s'", bad[i]);
        ck_assert_int_eq(errno, EINVAL);
    }
    ck_assert_int_eq(sl_addr_parse(NULL, 1, &a, &len), -1);
}
END_TEST

START_TEST(endpoint_parse)
{
    struct sockaddr_storage a;
    socklen_t len;
    const char *bad[] = { "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536", "::1:80", "127.0.0.1:8x",
                          "[::1]:-1" };

    ck_assert_int_eq(sl_endpoint_parse("127.0.0.1:8080", &a, &len), 0);
    ck_assert_uint_eq(sl_addr_port((struct sockaddr *)&a), 8080);
    ck_assert_int_eq(sl_endpoint_parse("[::1]:443", &a, &len), 0);
    ck_assert_int_eq(a.ss_family, AF_INET6);
    ck_assert_uint_eq(sl_addr_port((struct sockaddr *)&a), 443);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(sl_endpoint_parse(bad[i], &a, &len) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(five_tuple_mirror_and_equal)
{
    struct sl_five_tuple t = { .protocol = IPPROTO_TCP }, m, mm;
    socklen_t len;

    sl_addr_parse("127.0.0.1", 41234, &t.local, &len);
    sl_addr_parse("127.0.0.2", 5000, &t.remote, &len);
    sl_five_tuple_mirror(&t, &m);
    ck_assert(!sl_five_tuple_equal(&t, &m));
    ck_assert_uint_eq(sl_addr_port((struct sockaddr *)&m.local), 5000);
    sl_five_tuple_mirror(&m, &mm);
    ck_assert(sl_five_tuple_equal(&t, &mm));
    sl_five_tuple_mirror(&mm, &mm); /* in place */
    ck_assert(sl_five_tuple_equal(&m, &mm));
}
END_TEST

START_TEST(errno_names)
{
    ck_assert_str_eq(sl_errno_name(EADDRINUSE), "EADDRINUSE");
    ck_assert_str_eq(sl_errno_name(ECONNREFUSED), "ECONNREFUSED");
    ck_assert_str_eq(sl_errno_name(EINVAL), "EINVAL");
    ck_assert_str_eq(sl_errno_name(-5), "E???");
}
END_TEST

START_TEST(port_range_is_sane)
{
    uint16_t lo, hi;

    ck_assert_int_eq(kit_local_port_range(&lo, &hi), 0);
    ck_assert_uint_gt(lo, 0);
    ck_assert_uint_le(lo, hi);
}
END_TEST

START_TEST(open_fd_count)
{
    int before = kit_open_fd_count();
    int fds[2];

    ck_assert_int_gt(before, 2);
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(kit_open_fd_count(), before + 2);
    close(fds[0]);
    close(fds[1]);
    ck_assert_int_eq(kit_open_fd_count(), before);
}
END_TEST

/* ---- tcp_states.h --------------------------------------------------------- */

START_TEST(state_table_is_rfc_figure_5)
{
    int per_path[3] = { 0 };

    ck_assert_int_eq(SL_NSTATES, 11);
    ck_assert_uint_eq(sl_ntransitions, 20);
    for (size_t i = 0; i < sl_ntransitions; i++) {
        const struct sl_transition *t = &sl_transitions[i];
        ck_assert(t->from < SL_NSTATES && t->to < SL_NSTATES && t->from != t->to);
        ck_assert(t->event && t->event[0] && t->action);
        per_path[t->path]++;
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(sl_transitions[j].from != t->from || sl_transitions[j].to != t->to,
                          "transition %s -> %s listed twice", sl_state_name(t->from), sl_state_name(t->to));
    }
    ck_assert_int_eq(per_path[SL_PATH_CLIENT], 6);
    ck_assert_int_eq(per_path[SL_PATH_SERVER], 6);
    /* every state is reachable and can be left */
    for (int s = 0; s < SL_NSTATES; s++) {
        bool in = false, out = false;
        for (size_t i = 0; i < sl_ntransitions; i++) {
            in |= sl_transitions[i].to == (enum sl_state)s;
            out |= sl_transitions[i].from == (enum sl_state)s;
        }
        ck_assert_msg(in && out, "state %s is a dead end", sl_state_name(s));
    }
}
END_TEST

START_TEST(state_linux_numbers)
{
    ck_assert_int_eq(sl_state_from_linux(1), SL_ESTABLISHED);
    ck_assert_int_eq(sl_state_from_linux(6), SL_TIME_WAIT);
    ck_assert_int_eq(sl_state_from_linux(7), SL_CLOSED);
    ck_assert_int_eq(sl_state_from_linux(10), SL_LISTEN);
    ck_assert_int_eq(sl_state_from_linux(12), SL_SYN_RCVD); /* NEW_SYN_RECV */
    ck_assert_int_eq(sl_state_from_linux(0), -1);
    ck_assert_int_eq(sl_state_from_linux(13), -1);
    for (int s = 0; s < SL_NSTATES; s++)
        ck_assert_int_eq(sl_state_from_linux(sl_states[s].linux_number), s);
}
END_TEST

START_TEST(state_parse_names)
{
    ck_assert_int_eq(sl_state_parse("FIN-WAIT-1"), SL_FIN_WAIT_1);
    ck_assert_int_eq(sl_state_parse("fin_wait1"), SL_FIN_WAIT_1);
    ck_assert_int_eq(sl_state_parse("SYN_RECV"), SL_SYN_RCVD);
    ck_assert_int_eq(sl_state_parse("ESTAB"), SL_ESTABLISHED);
    ck_assert_int_eq(sl_state_parse("CLOSE"), SL_CLOSED);
    ck_assert_int_eq(sl_state_parse("time-wait"), SL_TIME_WAIT);
    ck_assert_int_eq(sl_state_parse("OPEN"), -1);
    ck_assert_int_eq(sl_state_parse(""), -1);
    ck_assert(sl_transition_is_legal(SL_FIN_WAIT_2, SL_TIME_WAIT));
    ck_assert(!sl_transition_is_legal(SL_ESTABLISHED, SL_TIME_WAIT));
    ck_assert_str_eq(sl_find_transition(SL_TIME_WAIT, SL_CLOSED)->event, "Timeout=2MSL");
}
END_TEST

START_TEST(state_passed_unseen)
{
    /* FIN-WAIT-2 is left on a received FIN: a look can miss it. */
    ck_assert_int_eq(sl_state_passed_unseen(SL_FIN_WAIT_1, SL_TIME_WAIT), SL_FIN_WAIT_2);
    /* LAST-ACK is left on the received ACK of our FIN. */
    ck_assert_int_eq(sl_state_passed_unseen(SL_CLOSE_WAIT, SL_CLOSED), SL_LAST_ACK);
    /* TIME-WAIT is left on a timer, never unseen on the way to CLOSED. */
    ck_assert_int_eq(sl_state_passed_unseen(SL_FIN_WAIT_2, SL_CLOSED), -1);
    /* Two states apart is too far. */
    ck_assert_int_eq(sl_state_passed_unseen(SL_ESTABLISHED, SL_TIME_WAIT), -1);
}
END_TEST

/* ---- sockdiag.h ----------------------------------------------------------- */

START_TEST(diag_sees_listener_and_connection)
{
    struct sockaddr_storage addr;
    socklen_t len;
    struct sl_diag_socket s;

    sl_addr_parse("127.0.0.1", 0, &addr, &len);
    int lfd = kit_listen_on(&addr, 8);
    ck_assert_int_ne(lfd, -1);
    int cfd = kit_connect_to((struct sockaddr *)&addr);
    ck_assert_int_ne(cfd, -1);

    ck_assert_int_eq(kit_diag_find_fd(lfd, &s), 1);
    ck_assert_int_eq(s.state, SL_LISTEN);
    ck_assert_uint_eq(s.uid, getuid());
    ck_assert(sl_addr_equal((struct sockaddr *)&s.local, (struct sockaddr *)&addr));
    ck_assert_int_eq(kit_diag_find_fd(cfd, &s), 1);
    ck_assert_int_eq(s.state, SL_ESTABLISHED);
    ck_assert(sl_addr_equal((struct sockaddr *)&s.remote, (struct sockaddr *)&addr));
    ck_assert_uint_eq(s.inode, kit_socket_inode(cfd));

    /* The connection waits in the accept queue: the listener counts it. */
    struct sl_diag_filter listeners = { .states = SL_DIAG_STATE(10), .local_port = sl_addr_port((struct sockaddr *)&addr) };
    ck_assert_int_eq(sl_diag_list(&listeners, &s, 1), 1);
    ck_assert_uint_eq(s.rqueue, 1);
    ck_assert_uint_eq(s.wqueue, 8);
    close(cfd);
    close(lfd);
}
END_TEST

START_TEST(diag_sees_time_wait_without_fd)
{
    struct sockaddr_storage addr;
    socklen_t len;
    struct sl_diag_socket s;

    sl_addr_parse("127.0.0.1", 0, &addr, &len);
    int lfd = kit_listen_on(&addr, 8);
    int cfd = kit_connect_to((struct sockaddr *)&addr);
    int afd = accept(lfd, NULL, NULL);
    ck_assert(lfd != -1 && cfd != -1 && afd != -1);
    close(cfd); /* the client closes first: it will hold TIME_WAIT */
    close(afd);
    struct sl_diag_filter tw = { .states = SL_DIAG_STATE(6), .remote_port = sl_addr_port((struct sockaddr *)&addr) };
    ck_assert_int_eq(kit_diag_wait(&tw, 3000, &s), 1);
    ck_assert_int_eq(s.state, SL_TIME_WAIT);
    ck_assert_uint_eq(s.inode, 0);
    ck_assert_int_eq(s.timer, 3);
    ck_assert_uint_le(s.expires_ms, 60000);
    close(lfd);
}
END_TEST

START_TEST(diag_ipv6)
{
    struct sockaddr_storage addr;
    socklen_t len;
    struct sl_diag_socket s;

    sl_addr_parse("::1", 0, &addr, &len);
    int lfd = kit_listen_on(&addr, 8);
    if (lfd == -1)
        return; /* no IPv6 loopback on this machine: nothing to test */
    ck_assert_int_eq(kit_diag_find_fd(lfd, &s), 1);
    ck_assert_int_eq(s.family, AF_INET6);
    ck_assert(sl_addr_equal((struct sockaddr *)&s.local, (struct sockaddr *)&addr));
    close(lfd);
}
END_TEST

/* A bound socket that does not listen: listed only when bit 13 is asked for. */
START_TEST(diag_bound_inactive)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    struct sl_diag_socket s;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ne(fd, -1);
    sl_addr_parse("127.0.0.1", 0, &addr, &len);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, len), 0);
    len = sizeof addr;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    struct sl_diag_filter filter = { .family = AF_INET, .local_port = sl_addr_port((struct sockaddr *)&addr) };
    ck_assert_int_eq(sl_diag_list(&filter, NULL, 0), 0); /* every state but bit 13: not listed */
    filter.states = SL_DIAG_ALL_STATES | SL_DIAG_STATE(SL_TCP_BOUND_INACTIVE);
    int n = sl_diag_list(&filter, &s, 1);
    if (n == 0) {
        close(fd);
        return; /* a kernel before 6.8: it lists no bound socket at all */
    }
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(s.linux_state, 7); /* reported as TCP_CLOSE */
    ck_assert_uint_eq(s.inode, kit_socket_inode(fd));
    ck_assert_int_eq(sl_diag_list(&filter, NULL, 0), 1); /* out NULL, max 0: a count */
    close(fd);
}
END_TEST

START_TEST(diag_not_a_socket)
{
    struct sl_diag_socket s;

    ck_assert_int_eq(kit_diag_find_fd(STDIN_FILENO, &s), -1);
    ck_assert_uint_eq(kit_socket_inode(-1), 0);
}
END_TEST

/* ---- netns.h ------------------------------------------------------------- */

START_TEST(private_netns_has_its_own_loopback)
{
    /* Check runs each test in a process of its own: the namespace dies with it. */
    if (kit_enter_private_netns() != 0)
        return; /* no namespace can be made here: nothing to test */
    struct sockaddr_storage addr;
    socklen_t len;
    sl_addr_parse("127.0.0.1", 0, &addr, &len);
    int fd = kit_listen_on(&addr, 4);
    ck_assert_msg(fd != -1, "loopback is not up in the new namespace: %s", sl_errno_name(errno));
    struct sl_diag_filter listeners = { .states = SL_DIAG_STATE(10) };
    struct sl_diag_socket s;
    ck_assert_int_eq(sl_diag_list(&listeners, &s, 1), 1); /* only ours: a fresh table */
    close(fd);
}
END_TEST

START_TEST(write_text_file)
{
    char path[] = "/tmp/socklab-unit-XXXXXX";
    int fd = mkstemp(path);
    char buf[16] = "";

    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(kit_write_text_file(path, "1\n"), 0);
    ck_assert_int_eq(read(fd, buf, sizeof buf - 1), 2);
    ck_assert_str_eq(buf, "1\n");
    close(fd);
    unlink(path);
    ck_assert_int_eq(kit_write_text_file("/nonexistent/socklab", "1"), -1);
}
END_TEST

/* ---- harness/results.h ---------------------------------------------------- */

START_TEST(results_round_trip)
{
    char path[] = "/tmp/socklab-unit-XXXXXX";
    int fd = mkstemp(path);
    struct result_step steps[] = { { 1, "Step\tone", "hint with \\ and\nnewline" } };
    struct result_test tests[] = {
        { 1, "a", "first", 2, 2, RESULT_PASS, "" },
        { 1, "b", "second", 0, 3, RESULT_TIMEOUT, "line1\nline2\ttab" },
        { 1, "c", "third", 0, 5, RESULT_SKIPPED, "skipped: no IPv6" },
    };
    struct lab_results in = { "01", "The 5-tuple", steps, 1, tests, 3, "a note" }, out;
    char err[256];
    int earned, max;

    ck_assert_int_ne(fd, -1);
    close(fd);
    ck_assert_int_eq(lab_results_write(&in, path), 0);
    ck_assert_int_eq(lab_results_read(path, &out, err, sizeof err), 0);
    ck_assert_str_eq(out.number, "01");
    ck_assert_uint_eq(out.ntests, 3);
    ck_assert_str_eq(out.steps[0].title, "Step\tone");
    ck_assert_str_eq(out.steps[0].hint, "hint with \\ and\nnewline");
    ck_assert_str_eq(out.tests[1].message, "line1\nline2\ttab");
    ck_assert_int_eq(out.tests[1].status, RESULT_TIMEOUT);
    ck_assert_str_eq(out.note, "a note");
    lab_results_totals(&out, &earned, &max);
    ck_assert_int_eq(earned, 2);
    ck_assert_int_eq(max, 5); /* the skipped test counts in neither */
    lab_results_free(&out);
    unlink(path);
}
END_TEST

START_TEST(results_reject_garbage)
{
    char path[] = "/tmp/socklab-unit-XXXXXX";
    int fd = mkstemp(path);
    struct lab_results out;
    char err[256];

    ck_assert_int_eq(write(fd, "hello\n", 6), 6);
    close(fd);
    ck_assert_int_eq(lab_results_read(path, &out, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a socklab results"));
    unlink(path);
    ck_assert_int_eq(lab_results_read(path, &out, err, sizeof err), -1);
}
END_TEST

static Suite *common_suite(void)
{
    Suite *s = suite_create("socklab common");
    TCase *net = tcase_create("net");
    TCase *states = tcase_create("tcp_states");
    TCase *diag = tcase_create("sockdiag");
    TCase *results = tcase_create("results");
    TCase *netns = tcase_create("netns");

    tcase_add_test(net, parse_and_format_ipv4);
    tcase_add_test(net, parse_and_format_ipv6);
    tcase_add_test(net, parse_rejects_bad_input);
    tcase_add_test(net, endpoint_parse);
    tcase_add_test(net, five_tuple_mirror_and_equal);
    tcase_add_test(net, errno_names);
    tcase_add_test(net, port_range_is_sane);
    tcase_add_test(net, open_fd_count);
    tcase_add_test(states, state_table_is_rfc_figure_5);
    tcase_add_test(states, state_linux_numbers);
    tcase_add_test(states, state_parse_names);
    tcase_add_test(states, state_passed_unseen);
    tcase_add_test(diag, diag_sees_listener_and_connection);
    tcase_add_test(diag, diag_sees_time_wait_without_fd);
    tcase_add_test(diag, diag_ipv6);
    tcase_add_test(diag, diag_bound_inactive);
    tcase_add_test(diag, diag_not_a_socket);
    tcase_add_test(netns, private_netns_has_its_own_loopback);
    tcase_add_test(netns, write_text_file);
    tcase_add_test(results, results_round_trip);
    tcase_add_test(results, results_reject_garbage);
    suite_add_tcase(s, net);
    suite_add_tcase(s, states);
    suite_add_tcase(s, diag);
    suite_add_tcase(s, netns);
    suite_add_tcase(s, results);
    return s;
}

/* harness/unit/test_subject.c */
Suite *subject_suite(void);

int main(void)
{
    SRunner *runner = srunner_create(common_suite());
    int failed, run;

    srunner_add_suite(runner, subject_suite());
    srunner_set_fork_status(runner, CK_FORK);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    run = srunner_ntests_run(runner);
    srunner_free(runner);
    /* A suite that ran nothing must not look like a pass. */
    if (run == 0) {
        fputs("unit tests: NO TEST RAN\n", stderr);
        return 1;
    }
    return failed == 0 ? 0 : 1;
}
