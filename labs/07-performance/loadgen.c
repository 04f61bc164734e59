/*
 * loadgen.c - the kit's HTTP load generator for lab 07 (given, not a step).
 *
 * It keeps a fixed number of connections in flight (the concurrency): each
 * one connects, sends one GET request with "Connection: close", reads the
 * response up to the server's end-of-file, checks it, and is replaced at
 * once by a new connection. It runs for a number of connections (-n) or for
 * a time (-d), and reports the rate in connections per second, latency
 * percentiles (from connect() to the end-of-file), errors by kind, and which
 * worker served how many connections (read from the body, "worker 3\n";
 * nginx can be made to answer "worker PID\n", see bench/bench.sh).
 *
 * One thread, one epoll instance, non-blocking sockets: everything waits in
 * a single epoll_wait(), so the generator spends its time in the kernel's
 * connect/send/recv/close and not in its own bookkeeping. It must not be the
 * bottleneck of a measurement: `make bench` runs it and wrk against the same
 * server and prints both rates.
 *
 * Usage: loadgen [-c N] [-n COUNT | -d SECONDS] [options] HOST:PORT
 *        loadgen --free-port
 * Exit status: 0 when every connection got a valid response, 1 when some
 * did not (or none could be made), 2 for bad arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "sockets.h"

/* The most connections in flight at once. */
#define MAX_CONCURRENCY 4096
/* The most different workers counted; the bodies of any more count as "other". */
#define MAX_WORKER_IDS 64
/* A response longer than this is not one of ours (ours are under 100 bytes). */
#define RESPONSE_BUF 2048
/* Events taken from the kernel per epoll_wait(). */
#define EVENTS_PER_WAIT 128
/* How often, at most, in-flight connections are checked for their timeout. */
#define TIMEOUT_SCAN_MS 50

/* What became of one connection. */
enum outcome {
    OUTCOME_OK,
    OUTCOME_CONNECT_FAILED, /* connect() or the first send() failed: refused, no port left, ... */
    OUTCOME_RESET,          /* the server reset the connection (RST) */
    OUTCOME_TIMEOUT,        /* no complete response within the timeout */
    OUTCOME_BAD_RESPONSE,   /* not a valid HTTP/1.1 200 response with a matching Content-Length */
    OUTCOME_COUNT
};

static const char *const outcome_names[OUTCOME_COUNT] = {
    "ok", "connect_errors", "resets", "timeouts", "bad_responses",
};

/* One connection in flight. */
struct slot {
    int fd;               /* -1: this slot has no connection now */
    bool request_sent;
    long long started_ns; /* when connect() was called */
    size_t have;          /* bytes of the response read so far */
    char response[RESPONSE_BUF + 1];
};

struct options {
    struct sockaddr_storage target;
    socklen_t target_len;
    int concurrency;
    long count;          /* stop after this many connections (0: use duration) */
    double duration_s;
    double warmup_s;
    int timeout_ms;
    int workers;         /* the server's worker count, when known (0: unknown) */
    bool key_value;      /* one line of key=value pairs, for scripts */
};

/* One worker, as the bodies name it: lab07's 0, 1, 2 ... or nginx's process ids. */
struct worker_count {
    long id;
    long served;
};

/* Everything measured in the counted part of a run. */
struct stats {
    long outcomes[OUTCOME_COUNT];
    struct worker_count workers[MAX_WORKER_IDS];
    int nworkers;        /* different workers seen so far */
    long other_bodies;   /* valid responses whose body names no worker (or one too many) */
    int first_error;     /* errno of the first failed connect/recv, for the report */
    uint32_t *latency_us;
    size_t nlatency, latency_cap;
};

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *call) __attribute__((noreturn));

static void die(const char *call)
{
    fprintf(stderr, "loadgen: ");
    sl_die(call);
}

/* ------------------------------------------------------------------ */
/* Checking a response                                                  */
/* ------------------------------------------------------------------ */

/*
 * Is text (len bytes, NUL-terminated) one whole HTTP/1.1 200 response whose
 * body is exactly Content-Length bytes? Sets *worker to the K of a body
 * "worker K\n" (K is a worker number, or a process id), or -1 for any other body.
 */
static bool response_is_valid(const char *text, size_t len, long *worker)
{
    const char *end_of_head = strstr(text, "\r\n\r\n");
    const char *line;
    long declared = -1;

    *worker = -1;
    if (end_of_head == NULL || strncmp(text, "HTTP/1.1 200", 12) != 0)
        return false;
    /* Header lines start after the status line's CR LF. */
    for (line = strchr(text, '\n') + 1; line < end_of_head; line = strchr(line, '\n') + 1)
        if (strncasecmp(line, "content-length:", 15) == 0)
            declared = strtol(line + 15, NULL, 10);
    const char *body = end_of_head + 4;
    if (declared < 0 || (size_t)declared != len - (size_t)(body - text))
        return false;
    long k;
    char newline;
    if (sscanf(body, "worker %ld%c", &k, &newline) == 2 && newline == '\n' && k >= 0)
        *worker = k;
    return true;
}

/* ------------------------------------------------------------------ */
/* The run                                                              */
/* ------------------------------------------------------------------ */

struct run {
    const struct options *opt;
    int epfd;
    struct slot *slots;
    char request[256];
    size_t request_len;
    bool counting;        /* past the warm-up: outcomes go into stats */
    bool starting;        /* new connections may still be started */
    long started;         /* connections started while counting (count mode) */
    int in_flight;
    struct stats stats;
};

static void record_latency(struct stats *st, long long ns)
{
    if (st->nlatency == st->latency_cap) {
        size_t cap = st->latency_cap ? st->latency_cap * 2 : 65536;
        uint32_t *grown = realloc(st->latency_us, cap * sizeof *grown);
        if (grown == NULL)
            die("realloc");
        st->latency_us = grown;
        st->latency_cap = cap;
    }
    long long us = ns / 1000;
    st->latency_us[st->nlatency++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Count one response served by worker `id`. */
static void count_worker(struct stats *st, long id)
{
    for (int i = 0; i < st->nworkers; i++)
        if (st->workers[i].id == id) {
            st->workers[i].served++;
            return;
        }
    if (id < 0 || st->nworkers == MAX_WORKER_IDS) {
        st->other_bodies++;
        return;
    }
    st->workers[st->nworkers++] = (struct worker_count){ .id = id, .served = 1 };
}

/* A connection ended: count it (when counting) and free its slot. */
static void finish(struct run *run, struct slot *s, enum outcome outcome, int err)
{
    if (run->counting) {
        struct stats *st = &run->stats;
        st->outcomes[outcome]++;
        if (outcome != OUTCOME_OK && st->first_error == 0)
            st->first_error = err;
        if (outcome == OUTCOME_OK) {
            long worker;
            s->response[s->have] = '\0';
            response_is_valid(s->response, s->have, &worker);
            count_worker(st, worker);
            record_latency(st, now_ns() - s->started_ns);
        }
    }
    /* Closing also takes the socket out of the epoll set. */
    close(s->fd);
    s->fd = -1;
    run->in_flight--;
}

/* Send the request; false (with errno) unless it went out whole. */
static bool send_request(struct run *run, struct slot *s)
{
    ssize_t n = send(s->fd, run->request, run->request_len, MSG_NOSIGNAL);

    if (n == (ssize_t)run->request_len) {
        s->request_sent = true;
        return true;
    }
    if (n >= 0) /* a request this small never goes out in part on a new connection */
        errno = EMSGSIZE;
    return false;
}

/* Open a new connection in slot s. */
static void start(struct run *run, struct slot *s)
{
    const struct options *opt = run->opt;

    s->fd = socket(opt->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd == -1)
        die("socket"); /* out of descriptors: a setup problem, not a server's error */
    s->request_sent = false;
    s->have = 0;
    s->started_ns = now_ns();
    run->in_flight++;
    if (run->counting)
        run->started++;

    /* Edge-triggered: one event when the connection is up, one when data or
     * the end-of-file arrives; each time we read until EAGAIN. */
    struct epoll_event ev = {
        .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
        .data.ptr = s,
    };
    if (epoll_ctl(run->epfd, EPOLL_CTL_ADD, s->fd, &ev) == -1)
        die("epoll_ctl");
    if (connect(s->fd, (struct sockaddr *)&opt->target, opt->target_len) == -1 && errno != EINPROGRESS) {
        finish(run, s, OUTCOME_CONNECT_FAILED, errno);
        return;
    }
    /* On loopback the handshake is usually complete by now: send at once and
     * save a trip through epoll_wait(). EAGAIN means "not yet connected". */
    if (!send_request(run, s) && errno != EAGAIN && errno != ENOTCONN)
        finish(run, s, OUTCOME_CONNECT_FAILED, errno);
}

/* The kernel says something happened on slot s. */
static void on_event(struct run *run, struct slot *s, uint32_t events)
{
    if (!s->request_sent) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        if (!send_request(run, s)) {
            if (errno != EAGAIN)
                finish(run, s, OUTCOME_CONNECT_FAILED, errno);
            return;
        }
    }
    for (;;) {
        ssize_t n = recv(s->fd, s->response + s->have, RESPONSE_BUF - s->have, 0);
        if (n > 0) {
            s->have += (size_t)n;
            if (s->have == RESPONSE_BUF) {
                finish(run, s, OUTCOME_BAD_RESPONSE, EMSGSIZE);
                return;
            }
            continue;
        }
        if (n == 0) { /* the server's end-of-file: the response is complete */
            long worker;
            s->response[s->have] = '\0';
            bool ok = response_is_valid(s->response, s->have, &worker);
            finish(run, s, ok ? OUTCOME_OK : OUTCOME_BAD_RESPONSE, EPROTO);
            return;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        if (errno == EINTR)
            continue;
        finish(run, s, errno == ECONNRESET ? OUTCOME_RESET : OUTCOME_CONNECT_FAILED, errno);
        return;
    }
}

/* Fill every free slot, while new connections may start. */
static void top_up(struct run *run)
{
    const struct options *opt = run->opt;

    for (int i = 0; i < opt->concurrency && run->starting; i++) {
        if (run->slots[i].fd != -1)
            continue;
        if (opt->count > 0 && run->counting && run->started >= opt->count) {
            run->starting = false;
            break;
        }
        start(run, &run->slots[i]);
    }
}

static void expire_slow_connections(struct run *run)
{
    long long limit = (long long)run->opt->timeout_ms * 1000000LL;
    long long now = now_ns();

    for (int i = 0; i < run->opt->concurrency; i++) {
        struct slot *s = &run->slots[i];
        if (s->fd != -1 && now - s->started_ns > limit)
            finish(run, s, OUTCOME_TIMEOUT, ETIMEDOUT);
    }
}

/*
 * The whole run: warm-up (not counted), then the counted part, then the
 * connections still in flight are finished but not counted: they straddle
 * the end. Returns the length of the counted part in seconds.
 */
static double run_load(struct run *run)
{
    enum { WARMING_UP, COUNTING, DRAINING } phase = run->opt->warmup_s > 0 ? WARMING_UP : COUNTING;
    const struct options *opt = run->opt;
    struct epoll_event events[EVENTS_PER_WAIT];
    long long t0 = now_ns();
    long long warmup_end = t0 + (long long)(opt->warmup_s * 1e9);
    long long counted_start = t0, counted_end = 0, last_scan = t0;
    /* Duration mode ends at a time; count mode when `count` have started and ended. */
    long long end = opt->count > 0 ? 0 : warmup_end + (long long)(opt->duration_s * 1e9);

    run->counting = phase == COUNTING;
    run->starting = true;
    top_up(run);
    while (run->in_flight > 0 || run->starting) {
        long long now = now_ns();
        if (phase == WARMING_UP && now >= warmup_end) {
            phase = COUNTING;
            run->counting = true;
            counted_start = now;
        }
        if (phase == COUNTING && end > 0 && now >= end) {
            phase = DRAINING;
            run->counting = false;
            run->starting = false;
            counted_end = now;
        }
        if (now - last_scan >= TIMEOUT_SCAN_MS * 1000000LL) {
            expire_slow_connections(run);
            last_scan = now;
        }
        top_up(run);
        if (run->in_flight == 0)
            continue;

        int n = epoll_wait(run->epfd, events, EVENTS_PER_WAIT, TIMEOUT_SCAN_MS);
        if (n == -1 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++)
            on_event(run, events[i].data.ptr, events[i].events);
    }
    if (counted_end == 0) /* count mode: the run ends when the last connection does */
        counted_end = now_ns();
    return (double)(counted_end - counted_start) / 1e9;
}

/* ------------------------------------------------------------------ */
/* The report                                                           */
/* ------------------------------------------------------------------ */

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (0 < p <= 100) of sorted values, nearest rank, in ms. */
static double percentile_ms(const uint32_t *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1] / 1000.0;
}

static int compare_worker_ids(const void *a, const void *b)
{
    long x = ((const struct worker_count *)a)->id, y = ((const struct worker_count *)b)->id;
    return (x > y) - (x < y);
}

/*
 * The workers' share: the busiest worker's count over the least busy one's.
 * lab07 numbers its workers 0 .. N-1, so one that served nothing is a gap in
 * the numbers; with --workers N, fewer than N workers seen also means some
 * served nothing. Then the ratio is infinite: returns 0.
 */
static double max_min_share(const struct stats *st, int expected)
{
    long most = 0, least = -1;
    bool numbered = st->nworkers > 0 && st->workers[st->nworkers - 1].id < MAX_WORKER_IDS;

    if (st->nworkers == 0 || (expected > 0 && st->nworkers < expected) ||
        (numbered && st->workers[st->nworkers - 1].id + 1 > st->nworkers))
        return 0;
    for (int i = 0; i < st->nworkers; i++) {
        if (st->workers[i].served > most)
            most = st->workers[i].served;
        if (least == -1 || st->workers[i].served < least)
            least = st->workers[i].served;
    }
    return (double)most / (double)least;
}

static void report(const struct options *opt, struct stats *st, double seconds)
{
    long ok = st->outcomes[OUTCOME_OK], errors = 0;
    char target[SL_ADDRSTRLEN];

    for (int o = 1; o < OUTCOME_COUNT; o++)
        errors += st->outcomes[o];
    qsort(st->workers, (size_t)st->nworkers, sizeof *st->workers, compare_worker_ids);
    qsort(st->latency_us, st->nlatency, sizeof *st->latency_us, compare_u32);
    double rate = seconds > 0 ? (double)ok / seconds : 0;
    double p50 = percentile_ms(st->latency_us, st->nlatency, 50);
    double p90 = percentile_ms(st->latency_us, st->nlatency, 90);
    double p99 = percentile_ms(st->latency_us, st->nlatency, 99);
    double max = percentile_ms(st->latency_us, st->nlatency, 100);
    double max_min = max_min_share(st, opt->workers);

    sl_addr_format((const struct sockaddr *)&opt->target, target, sizeof target);
    if (opt->key_value) {
        printf("target=%s concurrency=%d seconds=%.3f answered=%ld errors=%ld rate=%.1f "
               "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f",
               target, opt->concurrency, seconds, ok, errors, rate, p50, p90, p99, max);
        for (int o = 1; o < OUTCOME_COUNT; o++)
            printf(" %s=%ld", outcome_names[o], st->outcomes[o]);
        printf(" workers=");
        for (int i = 0; i < st->nworkers; i++)
            printf("%s%ld:%ld", i ? "/" : "", st->workers[i].id, st->workers[i].served);
        printf("%s other_bodies=%ld max_min_share=%.3f first_error=%s\n", st->nworkers ? "" : "-", st->other_bodies,
               max_min, errors ? sl_errno_name(st->first_error) : "-");
        return;
    }
    printf("loadgen: %s, %d connection%s at a time, ", target, opt->concurrency, opt->concurrency == 1 ? "" : "s");
    if (opt->count > 0)
        printf("%ld connections", opt->count);
    else
        printf("%.1f s", opt->duration_s);
    if (opt->warmup_s > 0)
        printf(" after %.1f s of warm-up", opt->warmup_s);
    printf("\n  answered     %ld valid response%s, %ld error%s", ok, ok == 1 ? "" : "s", errors, errors == 1 ? "" : "s");
    if (errors) {
        printf(" (");
        for (int o = 1, first = 1; o < OUTCOME_COUNT; o++)
            if (st->outcomes[o]) {
                printf("%s%s %ld", first ? "" : ", ", outcome_names[o], st->outcomes[o]);
                first = 0;
            }
        printf("; the first: %s)", sl_errno_name(st->first_error));
    }
    printf("\n  rate         %.0f connections/s over %.2f s\n", rate, seconds);
    printf("  latency      p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   max %.2f ms\n", p50, p90, p99, max);
    if (st->nworkers > 0) {
        printf("  workers     ");
        for (int i = 0; i < st->nworkers; i++)
            printf(" %s%ld: %ld (%.1f%%)", st->workers[i].id < MAX_WORKER_IDS ? "w" : "pid ", st->workers[i].id,
                   st->workers[i].served, ok ? 100.0 * (double)st->workers[i].served / (double)ok : 0);
        if (max_min > 0)
            printf("\n  max/min      %.2f (the busiest worker's count over the least busy one's)\n", max_min);
        else
            printf("\n  max/min      - (a worker served nothing)\n");
    }
    if (st->other_bodies)
        printf("  %ld response%s named no worker (not a lab07 server?)\n", st->other_bodies,
               st->other_bodies == 1 ? "" : "s");
}

/* ------------------------------------------------------------------ */
/* Arguments                                                            */
/* ------------------------------------------------------------------ */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: loadgen [-c N] [-n COUNT | -d SECONDS] [--warmup S] [--timeout MS] [--workers N] [--kv] HOST:PORT\n"
            "       loadgen --free-port\n"
            "HTTP load on a server (lab07, nginx, ...): N connections in flight at once, each one\n"
            "GET / with \"Connection: close\", read to the end-of-file, checked, then replaced.\n"
            "  -c, --concurrency N   connections in flight at once (1 to %d; default 32)\n"
            "  -n, --count COUNT     stop after COUNT connections ...\n"
            "  -d, --duration S      ... or after S seconds (default 2)\n"
            "      --warmup S        first run S seconds without counting (default 0)\n"
            "      --timeout MS      a connection not answered within MS ms is an error (default 5000)\n"
            "      --workers N       the server has N workers: one that served nothing still counts\n"
            "      --kv              print one line of key=value pairs, for scripts\n"
            "      --free-port       print a TCP port of 127.0.0.1 that is free now, and exit\n"
            "  -h, --help            show this help and exit\n"
            "HOST:PORT is 127.0.0.1:8080, [::1]:8080 or http://127.0.0.1:8080/.\n",
            MAX_CONCURRENCY);
}

static void bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void bad_usage(const char *fmt, ...)
{
    va_list args;

    fprintf(stderr, "loadgen: ");
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, " (see loadgen --help)\n");
    exit(2);
}

static double seconds_argument(const char *option, const char *text, double low, double high)
{
    char *end;

    errno = 0;
    double s = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(s >= low && s <= high))
        bad_usage("%s wants a number of seconds from %g to %g, not '%s'", option, low, high, text);
    return s;
}

static long number_argument(const char *option, const char *text, long low, long high)
{
    char *end;

    errno = 0;
    long n = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || n < low || n > high)
        bad_usage("%s wants a number from %ld to %ld, not '%s'", option, low, high, text);
    return n;
}

/*
 * A port that is free on 127.0.0.1 now: bind port 0, read the port back,
 * close. Someone else may take it before the caller does; for a program
 * that cannot be told "port 0" (nginx), it is the best there is.
 */
static int print_free_port(void)
{
    struct sockaddr_storage addr;
    socklen_t len;

    sl_addr_parse("127.0.0.1", 0, &addr, &len);
    int fd = kit_listen_on(&addr, 1);
    if (fd == -1)
        die("listen on 127.0.0.1:0");
    printf("%u\n", sl_addr_port((struct sockaddr *)&addr));
    close(fd);
    return 0;
}

/* "http://127.0.0.1:8080/" or "127.0.0.1:8080" -> the address. */
static void parse_target(const char *text, struct options *opt)
{
    char endpoint[128];

    if (strncmp(text, "http://", 7) == 0)
        text += 7;
    snprintf(endpoint, sizeof endpoint, "%s", text);
    char *slash = strchr(endpoint, '/');
    if (slash)
        *slash = '\0';
    if (sl_endpoint_parse(endpoint, &opt->target, &opt->target_len) == -1)
        bad_usage("'%s' is not HOST:PORT (such as 127.0.0.1:8080)", text);
}

static void parse_arguments(int argc, char **argv, struct options *opt)
{
    static const struct option long_options[] = {
        { "concurrency", required_argument, NULL, 'c' },
        { "count", required_argument, NULL, 'n' },
        { "duration", required_argument, NULL, 'd' },
        { "warmup", required_argument, NULL, 'W' },
        { "timeout", required_argument, NULL, 'T' },
        { "workers", required_argument, NULL, 'w' },
        { "kv", no_argument, NULL, 'K' },
        { "free-port", no_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool have_duration = false;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:n:d:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'c':
            opt->concurrency = (int)number_argument("--concurrency", optarg, 1, MAX_CONCURRENCY);
            break;
        case 'n':
            opt->count = number_argument("--count", optarg, 1, 1000000000L);
            break;
        case 'd':
            opt->duration_s = seconds_argument("--duration", optarg, 0.01, 3600);
            have_duration = true;
            break;
        case 'W':
            opt->warmup_s = seconds_argument("--warmup", optarg, 0, 600);
            break;
        case 'T':
            opt->timeout_ms = (int)number_argument("--timeout", optarg, 1, 3600000);
            break;
        case 'w':
            opt->workers = (int)number_argument("--workers", optarg, 1, MAX_WORKER_IDS);
            break;
        case 'K':
            opt->key_value = true;
            break;
        case 'F':
            exit(print_free_port());
        case 'h':
            usage(stdout);
            exit(0);
        case ':':
            bad_usage("%s needs a value", argv[optind - 1]);
        default: {
            const char *typed = argv[optind - 1];
            if (strncmp(typed, "--", 2) == 0 || optopt == 0)
                bad_usage("unknown option '%s'", typed);
            bad_usage("unknown option '-%c'", optopt);
        }
        }
    }
    if (opt->count > 0 && have_duration)
        bad_usage("give --count or --duration, not both");
    if (opt->count > 0 && opt->count < opt->concurrency)
        opt->concurrency = (int)opt->count; /* never more in flight than will be made */
    if (optind + 1 != argc)
        bad_usage(optind == argc ? "which server? give HOST:PORT" : "unexpected argument '%s'", argv[optind + 1]);
    parse_target(argv[optind], opt);
}

int main(int argc, char **argv)
{
    struct options opt = { .concurrency = 32, .duration_s = 2, .timeout_ms = 5000 };
    struct run run = { .opt = &opt };

    parse_arguments(argc, argv, &opt);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Every connection in flight is a descriptor; the rest is headroom. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < (rlim_t)opt.concurrency + 16) {
        files.rlim_cur = files.rlim_max < (rlim_t)opt.concurrency + 16 ? files.rlim_max : (rlim_t)opt.concurrency + 16;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    char host[SL_ADDRSTRLEN];
    sl_addr_format((struct sockaddr *)&opt.target, host, sizeof host);
    int len = snprintf(run.request, sizeof run.request,
                       "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: socklab-loadgen\r\nConnection: close\r\n\r\n",
                       host);
    run.request_len = (size_t)len;

    run.slots = calloc((size_t)opt.concurrency, sizeof *run.slots);
    if (run.slots == NULL)
        die("calloc");
    for (int i = 0; i < opt.concurrency; i++)
        run.slots[i].fd = -1;
    run.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (run.epfd == -1)
        die("epoll_create1");

    double seconds = run_load(&run);
    report(&opt, &run.stats, seconds);

    long errors = 0;
    for (int o = 1; o < OUTCOME_COUNT; o++)
        errors += run.stats.outcomes[o];
    return errors == 0 && run.stats.outcomes[OUTCOME_OK] > 0 ? 0 : 1;
}
