/*
 * spread_plot.c - measure how connections spread over 4 listeners or 4
 * workers, for three server models, and draw the result as an SVG bar chart
 * (lab 06's figure, 06-spread.svg). Everything happens in one run of a
 * second or two, on the loopback:
 *
 *   SO_REUSEPORT group   4 listeners on one port; the kernel picks one per
 *                        connection by a hash of its 4-tuple;
 *   blocking accept()    1 listener, 4 worker processes asleep in accept();
 *   epoll                1 listener, 4 worker processes asleep in
 *                        epoll_wait(), each with an epoll instance of its
 *                        own and EPOLLEXCLUSIVE (as nginx does).
 *
 * The shared listener is measured under light load: each connection is
 * made when every worker is asleep, and the worker that accepted it is
 * found by the kernel's word (the connection's inode in its /proc/PID/fd),
 * not by asking the worker.
 *
 * Usage: spread-plot [-c CONNECTIONS] [-s SHARED] OUTPUT.svg
 * Exit status 0, 1 when a measurement fails, 2 for bad arguments.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net.h"
#include "sockets.h"
#include "sockdiag.h"

#define SERVERS 4           /* listeners in the group, workers on the shared listener */
#define MODELS 3
#define BATCH 200           /* group connections queued and accepted together */
#define WAIT_MS 2000

static const char *const model_names[MODELS] = {
    "SO_REUSEPORT group",
    "one listener, accept()",
    "one listener, epoll",
};

/* One colour per listener / worker (colour-blind safe, Okabe-Ito). */
static const char *const bar_colours[SERVERS] = { "#0072B2", "#E69F00", "#009E73", "#CC79A7" };

static void die(const char *what)
{
    sl_perror(what);
    exit(1);
}

static void reset_close(int fd)
{
    struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    close(fd);
}

/* ---- the SO_REUSEPORT group ------------------------------------------ */

static int reuseport_member(struct sockaddr_storage *addr)
{
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    socklen_t len = sizeof *addr;

    if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == -1 ||
        bind(fd, (struct sockaddr *)addr, sl_addr_len((struct sockaddr *)addr)) == -1 || listen(fd, 1024) == -1 ||
        getsockname(fd, (struct sockaddr *)addr, &len) == -1)
        die("a SO_REUSEPORT listener");
    return fd;
}

/* Connections in batches: all connect, then each is accepted from the listener that holds it. */
static void measure_group(int connections, long *counts)
{
    static int clients[BATCH];
    struct sockaddr_storage addr;
    struct pollfd listeners[SERVERS];
    socklen_t len;

    sl_addr_parse("127.0.0.1", 0, &addr, &len);
    for (int i = 0; i < SERVERS; i++)
        listeners[i] = (struct pollfd){ .fd = reuseport_member(&addr), .events = POLLIN };
    for (int done = 0; done < connections; done += BATCH) {
        int batch = connections - done < BATCH ? connections - done : BATCH;
        for (int c = 0; c < batch; c++)
            if ((clients[c] = kit_connect_to((struct sockaddr *)&addr)) == -1)
                die("connect");
        for (int accepted = 0; accepted < batch;) {
            if (poll(listeners, SERVERS, WAIT_MS) <= 0)
                die("poll (waiting for queued connections)");
            for (int i = 0; i < SERVERS; i++) {
                if (!(listeners[i].revents & POLLIN))
                    continue;
                int conn = accept(listeners[i].fd, NULL, NULL);
                if (conn == -1)
                    die("accept");
                counts[i]++;
                accepted++;
                close(conn);
            }
        }
        for (int c = 0; c < batch; c++)
            reset_close(clients[c]);
    }
    for (int i = 0; i < SERVERS; i++)
        close(listeners[i].fd);
}

/* ---- one shared listener, worker processes -------------------------- */

/* Hold a connection until the client resets it. */
static void serve(int conn)
{
    char buf[64];

    while (read(conn, buf, sizeof buf) > 0)
        continue;
    close(conn);
}

static void worker(int listener, bool use_epoll)
{
    struct epoll_event interest = { .events = EPOLLIN | EPOLLEXCLUSIVE }, event;
    int epfd = -1;

    if (use_epoll) {
        epfd = epoll_create1(0);
        if (epfd == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &interest) == -1)
            _exit(1);
    }
    for (;;) {
        if (use_epoll && epoll_wait(epfd, &event, 1, -1) == -1 && errno != EINTR)
            _exit(1);
        int conn = accept(listener, NULL, NULL);
        if (conn != -1)
            serve(conn);
        else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            _exit(1);
    }
}

static char process_state(pid_t pid)
{
    char path[64], buf[512];
    char state = '?';
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return '?';
    if (fgets(buf, sizeof buf, f) != NULL && strrchr(buf, ')') != NULL)
        sscanf(strrchr(buf, ')') + 1, " %c", &state);
    fclose(f);
    return state;
}

/* Light load: wait until every worker sleeps (in accept() or epoll_wait()). */
static void wait_idle(const pid_t *workers)
{
    long long deadline = sl_now_ms() + WAIT_MS;

    for (int k = 0; k < SERVERS; k++)
        while (process_state(workers[k]) != 'S') {
            if (sl_now_ms() > deadline) {
                errno = ETIMEDOUT;
                die("waiting for the workers to sleep");
            }
            usleep(50);
        }
}

/* The worker whose descriptor table holds the socket with this inode, or -1. */
static int holder(const pid_t *workers, uint64_t inode)
{
    char want[64], target[64], dir_path[64];

    snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)inode);
    for (int k = 0; k < SERVERS; k++) {
        struct dirent *e;
        DIR *dir;
        snprintf(dir_path, sizeof dir_path, "/proc/%d/fd", (int)workers[k]);
        if ((dir = opendir(dir_path)) == NULL)
            continue;
        while ((e = readdir(dir)) != NULL) {
            ssize_t n = readlinkat(dirfd(dir), e->d_name, target, sizeof target - 1);
            if (n > 0 && (target[n] = '\0', strcmp(target, want) == 0)) {
                closedir(dir);
                return k;
            }
        }
        closedir(dir);
    }
    return -1;
}

/* One connection: which worker accepted it? Then reset it and wait until it is gone. */
static int one_connection(const struct sockaddr_storage *server, const pid_t *workers)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    struct sl_diag_socket end;
    long long deadline = sl_now_ms() + WAIT_MS;
    int owner = -1;
    int client = kit_connect_to((const struct sockaddr *)server);

    if (client == -1 || getsockname(client, (struct sockaddr *)&local, &len) == -1)
        die("connect");
    struct sl_diag_filter server_end = {
        .family = AF_INET,
        .states = SL_DIAG_STATE(TCP_ESTABLISHED),
        .local_port = sl_addr_port((const struct sockaddr *)server),
        .remote_port = sl_addr_port((struct sockaddr *)&local),
    };
    /* The server's end gets an inode when a worker accept()s it. */
    while (owner == -1) {
        if (sl_diag_list(&server_end, &end, 1) == 1 && end.inode != 0)
            owner = holder(workers, end.inode);
        if (owner == -1 && sl_now_ms() > deadline) {
            errno = ETIMEDOUT;
            die("waiting for a worker to accept");
        }
        if (owner == -1)
            usleep(50);
    }
    reset_close(client);
    server_end.states = SL_DIAG_ALL_STATES;
    while (sl_diag_list(&server_end, &end, 1) > 0 && sl_now_ms() < deadline)
        usleep(50);
    return owner;
}

static void measure_shared(bool use_epoll, int connections, long *counts)
{
    struct sockaddr_storage addr;
    pid_t workers[SERVERS];
    socklen_t len;

    sl_addr_parse("127.0.0.1", 0, &addr, &len);
    int listener = kit_listen_on(&addr, 128);
    if (listener == -1)
        die("listen");
    if (use_epoll && fcntl(listener, F_SETFL, O_NONBLOCK) == -1)
        die("fcntl");
    for (int k = 0; k < SERVERS; k++) {
        if ((workers[k] = fork()) == -1)
            die("fork");
        if (workers[k] == 0)
            worker(listener, use_epoll);
    }
    for (int c = 0; c < connections; c++) {
        wait_idle(workers);
        counts[one_connection(&addr, workers)]++;
    }
    for (int k = 0; k < SERVERS; k++)
        kill(workers[k], SIGTERM);
    for (int k = 0; k < SERVERS; k++)
        waitpid(workers[k], NULL, 0);
    close(listener);
}

/* ---- the chart ------------------------------------------------------- */

static void write_svg(FILE *out, long counts[MODELS][SERVERS], const long *totals)
{
    const int width = 720, height = 420;
    const int left = 60, right = 20, top = 86, bottom = 92;
    const int plot_w = width - left - right, plot_h = height - top - bottom;
    const int group_w = plot_w / MODELS, bar_w = 32, gap = 6;
    struct utsname host;

    if (uname(&host) != 0)
        strcpy(host.release, "?");
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
            "  <title>Share of connections per listener or worker, three server models</title>\n"
            "  <rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "  <text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Who gets the connection? "
            "4 listeners, or 4 workers sharing one listener</text>\n"
            "  <text x=\"%d\" y=\"40\" font-size=\"11\" fill=\"#555\">Share of each model's connections, "
            "measured on Linux %s over loopback.</text>\n"
            "  <text x=\"%d\" y=\"54\" font-size=\"11\" fill=\"#555\">accept(): workers asleep in blocking "
            "accept(). epoll: one epoll instance per worker, EPOLLEXCLUSIVE.</text>\n"
            "  <text x=\"%d\" y=\"68\" font-size=\"11\" fill=\"#555\">Light load: each connection to the "
            "one listener is made while every worker sleeps.</text>\n",
            width, height, width, height, left, left, host.release, left, left);

    /* Axis and grid: 0 to 100 %. */
    for (int p = 0; p <= 100; p += 25) {
        int y = top + plot_h - plot_h * p / 100;
        fprintf(out,
                "  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n"
                "  <text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">%d%%</text>\n",
                left, y, left + plot_w, y, left - 6, y + 4, p);
    }
    int fair_y = top + plot_h - plot_h * 25 / 100;
    fprintf(out,
            "  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\" stroke-dasharray=\"6 4\"/>\n"
            "  <text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#333\">fair share</text>\n",
            left, fair_y, left + plot_w, fair_y, left + plot_w, fair_y - 5);

    for (int m = 0; m < MODELS; m++) {
        int group_x = left + m * group_w + (group_w - SERVERS * bar_w - (SERVERS - 1) * gap) / 2;
        for (int k = 0; k < SERVERS; k++) {
            double share = totals[m] ? (double)counts[m][k] / totals[m] : 0;
            int bar_h = (int)(plot_h * share + 0.5);
            int x = group_x + k * (bar_w + gap);
            fprintf(out,
                    "  <rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s, %d: %ld of %ld"
                    "</title></rect>\n"
                    "  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">%.0f%%</text>\n",
                    x, top + plot_h - bar_h, bar_w, bar_h, bar_colours[k], model_names[m], k, counts[m][k],
                    totals[m], x + bar_w / 2, top + plot_h - bar_h - 4, 100 * share);
        }
        fprintf(out,
                "  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
                "  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%ld connections</text>\n",
                left + m * group_w + group_w / 2, top + plot_h + 20, model_names[m], left + m * group_w + group_w / 2,
                top + plot_h + 36, totals[m]);
    }
    /* Legend. */
    int legend_y = height - 22;
    fprintf(out, "  <text x=\"%d\" y=\"%d\">listener / worker:</text>\n", left, legend_y + 10);
    for (int k = 0; k < SERVERS; k++)
        fprintf(out,
                "  <rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n"
                "  <text x=\"%d\" y=\"%d\">%d</text>\n",
                left + 120 + k * 50, legend_y, bar_colours[k], left + 136 + k * 50, legend_y + 10, k);
    fprintf(out, "</svg>\n");
}

static void usage(FILE *out)
{
    fprintf(out, "usage: spread-plot [-c CONNECTIONS] [-s SHARED] OUTPUT.svg\n"
                 "Measures the spread of connections over 4 listeners (SO_REUSEPORT, CONNECTIONS,\n"
                 "default 4000) and over 4 workers on one listener (blocking accept() and epoll,\n"
                 "SHARED each, default 400), and draws it as an SVG bar chart.\n");
}

static int positive_argument(const char *text)
{
    char *end;
    long n = strtol(text, &end, 10);

    if (end == text || *end != '\0' || n < SERVERS || n > 100000) {
        fprintf(stderr, "spread-plot: '%s' is not a number from %d to 100000\n", text, SERVERS);
        exit(2);
    }
    return (int)n;
}

int main(int argc, char **argv)
{
    long counts[MODELS][SERVERS] = { { 0 } };
    long totals[MODELS];
    int connections = 4000, shared = 400;
    int c;

    while ((c = getopt(argc, argv, "c:s:h")) != -1) {
        switch (c) {
        case 'c': connections = positive_argument(optarg); break;
        case 's': shared = positive_argument(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    measure_group(connections, counts[0]);
    measure_shared(false, shared, counts[1]);
    measure_shared(true, shared, counts[2]);
    totals[0] = connections;
    totals[1] = totals[2] = shared;

    FILE *out = fopen(argv[optind], "w");
    if (out == NULL)
        die(argv[optind]);
    write_svg(out, counts, totals);
    if (fclose(out) != 0)
        die(argv[optind]);
    /* The numbers, for the build log and the lesson's table. */
    for (int m = 0; m < MODELS; m++) {
        printf("%-40s", model_names[m]);
        for (int k = 0; k < SERVERS; k++)
            printf(" %6ld", counts[m][k]);
        printf("\n");
    }
    return 0;
}
