/*
 * walk.c - what the walk-through programs share. See walk.h.
 */
#include "walk.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

static const char *program = "walk";         /* "lab01" */
static const char *lab_folder = "labs";      /* "labs/01-five-tuple" */
static void (*failure_cleanup)(void);
static bool disagrees;                       /* a result differed from the kernel's */
static bool show_queues;

void walk_init(const char *name, const char *folder)
{
    program = name;
    lab_folder = folder;
}

void walk_at_failure(void (*cleanup)(void))
{
    failure_cleanup = cleanup;
}

/* A step failed: the lab's cleanup, then exit status 1. */
static void exit_failed(void) __attribute__((noreturn));

static void exit_failed(void)
{
    if (failure_cleanup)
        failure_cleanup();
    exit(1);
}

void walk_step_failed(int step, const char *function)
{
    int err = errno;

    fflush(stdout);
    errno = err;
    sl_perror(function);
    if (err == ENOSYS) {
        fprintf(stderr, "Step %d is not written yet: fill in %s() in %s/lab.c.\n", step, function, lab_folder);
        exit_failed();
    }
    walk_give_up(step, function);
}

void walk_give_up(int step, const char *function)
{
    fflush(stdout);
    fprintf(stderr, "Step %d failed: see %s() in %s/lab.c, and lab.h for what it must do.\n", step, function,
            lab_folder);
    exit_failed();
}

void walk_disagree(const char *what)
{
    printf("  !! %s\n", what);
    disagrees = true;
}

int walk_finish(const char *note)
{
    if (disagrees) {
        /* "lab03" is lab 3 for make. */
        printf("\nEvery step ran, but some results (marked !!) differ from the kernel's.\n"
               "`make grade LAB=%d` says which test fails and gives a hint.\n",
               atoi(program + strcspn(program, "0123456789")));
        return 1;
    }
    printf("\nEvery step ran and agrees with the kernel.%s%s\n", note ? " " : "", note ? note : "");
    return 0;
}

void walk_close(int *fd)
{
    if (*fd > STDERR_FILENO)
        close(*fd);
    *fd = -1;
}

/* ---- the kernel's view ------------------------------------------------- */

void walk_show_queues(bool on)
{
    show_queues = on;
}

void walk_print_kernel(const struct sl_diag_socket *sock, const char *note)
{
    printf("  kernel: ");
    sl_diag_print(stdout, sock);
    if (show_queues && sock->state == SL_LISTEN)
        printf(" Recv-Q:%u Send-Q:%u", sock->rqueue, sock->wqueue);
    if (note && *note)
        printf("  %s", note);
    printf("\n");
}

bool walk_kernel_entry(int fd, struct sl_diag_socket *out)
{
    struct sl_diag_filter filter = {
        .states = SL_DIAG_ALL_STATES | SL_DIAG_STATE(SL_TCP_BOUND_INACTIVE),
        .inode = kit_socket_inode(fd),
    };

    return filter.inode != 0 && sl_diag_list(&filter, out, 1) == 1;
}

bool walk_show_fd(int fd, const char *note, struct sl_diag_socket *out)
{
    struct sl_diag_socket sock;

    if (!walk_kernel_entry(fd, &sock)) {
        printf("  kernel: no TCP socket behind fd %d\n", fd);
        return false;
    }
    walk_print_kernel(&sock, note);
    if (out)
        *out = sock;
    return true;
}

bool walk_connection_entry(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                           uint32_t states, struct sl_diag_socket *out)
{
    const struct sockaddr *want_local = (const struct sockaddr *)local;
    const struct sockaddr *want_remote = (const struct sockaddr *)remote;
    struct sl_diag_filter filter = {
        .family = local->ss_family,
        .states = states,
        .local_port = sl_addr_port(want_local),
        .remote_port = sl_addr_port(want_remote),
    };
    struct sl_diag_socket found[16];
    int n = sl_diag_list(&filter, found, 16);

    if (n == -1)
        sl_die("sl_diag_list");
    /* The ports narrowed the list; the addresses pick the one. */
    for (int i = 0; i < n && i < 16; i++)
        if (sl_addr_equal((struct sockaddr *)&found[i].local, want_local) &&
            sl_addr_equal((struct sockaddr *)&found[i].remote, want_remote)) {
            if (out)
                *out = found[i];
            return true;
        }
    return false;
}

/* Wait until the connection is listed (want_listed) or is not, for at most timeout_ms. */
static bool await(const struct sockaddr_storage *local, const struct sockaddr_storage *remote, uint32_t states,
                  bool want_listed, int timeout_ms, struct sl_diag_socket *out)
{
    long long deadline = sl_now_ms() + timeout_ms;

    while (walk_connection_entry(local, remote, states, out) != want_listed) {
        if (sl_now_ms() >= deadline)
            return false;
        poll(NULL, 0, 2);
    }
    return true;
}

bool walk_await_connection(const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
                           uint32_t states, int timeout_ms, struct sl_diag_socket *out)
{
    return await(local, remote, states, true, timeout_ms, out);
}

bool walk_await_gone(const struct sockaddr_storage *local, const struct sockaddr_storage *remote, int timeout_ms)
{
    return await(local, remote, 0, false, timeout_ms, NULL);
}

/* ---- arguments --------------------------------------------------------- */

void walk_bad_usage(const char *format, ...)
{
    va_list args;

    fprintf(stderr, "%s: ", program);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, " (see %s --help)\n", program);
    exit(2);
}

/* getopt_long() returned c: ':' for a missing argument, anything else for an option it does not know. */
static void bad_option(int c, char *argv[], const char *needs) __attribute__((noreturn));

static void bad_option(int c, char *argv[], const char *needs)
{
    /* What was typed: a long option as it stands ("--watch"), a short one
     * alone, even inside a group such as -6x. */
    const char *typed = argv[optind - 1];
    bool long_option = strncmp(typed, "--", 2) == 0;

    if (c == ':') {
        if (long_option)
            walk_bad_usage("%s needs %s", typed, needs);
        walk_bad_usage("-%c needs %s", optopt, needs);
    }
    if (long_option || optopt == 0)
        walk_bad_usage("unknown option '%s'", typed);
    walk_bad_usage("unknown option '-%c'", optopt);
}

int walk_next_option(int argc, char *argv[], const char *short_options, const struct option *long_options,
                     void (*usage)(FILE *out), const char *needs)
{
    static const struct option help_only[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char with_colon[64];
    int c;

    /* A leading ':' makes getopt tell a missing argument (':') from an
     * unknown option ('?'); opterr = 0 keeps its own messages quiet. */
    snprintf(with_colon, sizeof with_colon, ":%s", short_options);
    opterr = 0;
    c = getopt_long(argc, argv, with_colon, long_options ? long_options : help_only, NULL);
    if (c == 'h') {
        usage(stdout);
        exit(0);
    }
    if (c == ':' || c == '?')
        bad_option(c, argv, needs);
    if (c == -1 && optind < argc)
        walk_bad_usage("unexpected argument '%s'", argv[optind]);
    return c;
}

int walk_number_argument(const char *option, const char *text, int low, int high)
{
    char *end;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || value < low || value > high)
        walk_bad_usage("%s wants a number from %d to %d, not '%s'", option, low, high, text);
    return (int)value;
}
