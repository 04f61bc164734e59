/*
 * report.c - `make bench`'s report: reads the raw numbers bench/bench.sh
 * measured (one CSV line per run), takes the median of the runs of each
 * row, and writes
 *   - the table, on stdout (and --text FILE);
 *   - the same tables in Markdown, for the lesson (--markdown-dir DIR:
 *     07-bench-table.md and 07-bench-stall.md);
 *   - the medians as CSV (--summary FILE);
 *   - three plots as SVG, drawn here by hand, no plotting program needed
 *     (--plot-dir DIR: 07-bench-rate.svg, 07-bench-balance.svg,
 *     07-bench-stall.svg).
 *
 * The raw CSV (build/bench/runs.csv, or the committed bench/measured.csv
 * the lesson is drawn from) has the header
 *     group,server,workers,run,rate,p50_ms,p90_ms,p99_ms,max_ms,answered,errors,max_min_share
 * group is "model" (lab07's four models), "nginx", "compare" (loadgen and
 * wrk against one server) or "stall" (the stalled-worker mode). Lines
 * "# key: value" describe the machine and the settings; other lines
 * starting with '#' are comments.
 *
 * Usage: bench-report [--text F] [--markdown-dir D] [--summary F] [--plot-dir D] RUNS.csv
 * Exit status: 0, 1 when the input cannot be read, 2 for bad arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 64      /* distinct (group, server, workers) rows */
#define MAX_RUNS 32      /* runs per row */
#define MAX_META 32
#define NAME_LEN 32

/* One row of the table: every run of one server at one worker count. */
struct row {
    char group[NAME_LEN];
    char server[NAME_LEN];
    int workers;
    int nruns;
    double rate[MAX_RUNS], p50[MAX_RUNS], p90[MAX_RUNS], p99[MAX_RUNS], max[MAX_RUNS];
    double share[MAX_RUNS]; /* max/min share; 0 when a worker served nothing, -1 unknown */
    long errors;
    long answered;
};

struct meta {
    char key[NAME_LEN];
    char value[160];
};

static struct row rows[MAX_ROWS];
static int nrows;
static struct meta metas[MAX_META];
static int nmetas;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list args;

    fprintf(stderr, "bench-report: ");
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\n");
    exit(1);
}

static const char *meta_value(const char *key, const char *fallback)
{
    for (int i = 0; i < nmetas; i++)
        if (strcmp(metas[i].key, key) == 0)
            return metas[i].value;
    return fallback;
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */

static struct row *find_row(const char *group, const char *server, int workers, bool create)
{
    for (int i = 0; i < nrows; i++)
        if (strcmp(rows[i].group, group) == 0 && strcmp(rows[i].server, server) == 0 && rows[i].workers == workers)
            return &rows[i];
    if (!create)
        return NULL;
    if (nrows == MAX_ROWS)
        die("more than %d rows", MAX_ROWS);
    struct row *r = &rows[nrows++];
    snprintf(r->group, sizeof r->group, "%s", group);
    snprintf(r->server, sizeof r->server, "%s", server);
    r->workers = workers;
    return r;
}

/* "# key: value" -> metas[]. */
static void read_meta(const char *line)
{
    const char *colon = strchr(line, ':');

    if (colon == NULL || nmetas == MAX_META)
        return;
    const char *key = line + 1;
    while (*key == ' ')
        key++;
    if (colon - key <= 0 || colon - key >= NAME_LEN || strchr(key, ' ') < colon)
        return; /* a plain comment, not "key: value" */
    struct meta *m = &metas[nmetas++];
    snprintf(m->key, sizeof m->key, "%.*s", (int)(colon - key), key);
    const char *value = colon + 1;
    while (*value == ' ')
        value++;
    snprintf(m->value, sizeof m->value, "%s", value);
    m->value[strcspn(m->value, "\r\n")] = '\0';
}

static void read_runs(const char *path)
{
    char line[512];
    int number = 0;
    FILE *in = fopen(path, "r");

    if (in == NULL)
        die("cannot read %s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, in) != NULL) {
        char group[NAME_LEN], server[NAME_LEN];
        int workers, run;
        double rate, p50, p90, p99, max, share;
        long answered, errors;

        number++;
        if (line[0] == '#') {
            read_meta(line);
            continue;
        }
        if (strncmp(line, "group,", 6) == 0 || strspn(line, " \r\n") == strlen(line))
            continue;
        int fields = sscanf(line, "%31[^,],%31[^,],%d,%d,%lf,%lf,%lf,%lf,%lf,%ld,%ld,%lf", group, server, &workers,
                            &run, &rate, &p50, &p90, &p99, &max, &answered, &errors, &share);
        if (fields == 11)
            share = -1; /* wrk: no worker shares */
        else if (fields != 12)
            die("%s:%d: not a line of 12 comma-separated values", path, number);
        struct row *r = find_row(group, server, workers, true);
        if (r->nruns == MAX_RUNS)
            die("%s:%d: more than %d runs for %s %s %d", path, number, MAX_RUNS, group, server, workers);
        int k = r->nruns++;
        r->rate[k] = rate;
        r->p50[k] = p50;
        r->p90[k] = p90;
        r->p99[k] = p99;
        r->max[k] = max;
        r->share[k] = share;
        r->answered += answered;
        r->errors += errors;
    }
    fclose(in);
    if (nrows == 0)
        die("%s has no runs in it", path);
}

/* ------------------------------------------------------------------ */
/* Medians                                                              */
/* ------------------------------------------------------------------ */

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values (the mean of the middle two when n is even). */
static double median(const double *values, int n)
{
    double sorted[MAX_RUNS];

    if (n == 0)
        return NAN;
    memcpy(sorted, values, (size_t)n * sizeof *values);
    qsort(sorted, (size_t)n, sizeof *sorted, compare_doubles);
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static double lowest(const double *values, int n)
{
    double low = INFINITY;
    for (int i = 0; i < n; i++)
        low = values[i] < low ? values[i] : low;
    return low;
}

static double highest(const double *values, int n)
{
    double high = -INFINITY;
    for (int i = 0; i < n; i++)
        high = values[i] > high ? values[i] : high;
    return high;
}

/*
 * The median max/min share. A run where a worker served nothing has an
 * infinite ratio (stored as 0): sort those above every finite one.
 * Returns -1 when no run knows the shares (wrk), INFINITY for infinite.
 */
static double median_share(const struct row *r)
{
    double values[MAX_RUNS];
    int n = 0;

    for (int i = 0; i < r->nruns; i++)
        if (r->share[i] >= 0)
            values[n++] = r->share[i] == 0 ? INFINITY : r->share[i];
    if (n == 0)
        return -1;
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static const struct row *single_row(void)
{
    return find_row("model", "single", 1, false);
}

/* ------------------------------------------------------------------ */
/* Names                                                                */
/* ------------------------------------------------------------------ */

static const char *const model_order[] = { "single", "accept", "epoll", "reuseport" };
static const char *const nginx_order[] = { "nginx", "nginx-reuseport" };
static const int worker_counts[] = { 1, 2, 4 };

/* What the table calls a server. */
static const char *label(const struct row *r)
{
    if (strcmp(r->server, "nginx") == 0)
        return "nginx (shared listener)";
    if (strcmp(r->server, "nginx-reuseport") == 0)
        return "nginx (reuseport)";
    return r->server;
}

static void format_share(double share, char *buf, size_t size)
{
    if (share < 0)
        snprintf(buf, size, "-");
    else if (isinf(share))
        snprintf(buf, size, "inf");
    else
        snprintf(buf, size, "%.2f", share);
}

/* ------------------------------------------------------------------ */
/* The tables                                                           */
/* ------------------------------------------------------------------ */

/* The rows of the main table, in order: lab07's models by worker count, then nginx. */
static int main_table_rows(const struct row **out)
{
    int n = 0;
    const struct row *r;

    if ((r = single_row()) != NULL)
        out[n++] = r;
    for (size_t w = 0; w < sizeof worker_counts / sizeof worker_counts[0]; w++) {
        for (size_t m = 1; m < sizeof model_order / sizeof model_order[0]; m++)
            if ((r = find_row("model", model_order[m], worker_counts[w], false)) != NULL)
                out[n++] = r;
        for (size_t m = 0; m < sizeof nginx_order / sizeof nginx_order[0]; m++)
            if ((r = find_row("nginx", nginx_order[m], worker_counts[w], false)) != NULL)
                out[n++] = r;
    }
    return n;
}

static void print_text(FILE *out)
{
    const struct row *table[MAX_ROWS];
    const struct row *single = single_row();
    double base = single ? median(single->rate, single->nruns) : NAN;
    int n = main_table_rows(table);
    char share[16];

    fprintf(out, "lab 07 bench: %s\n", meta_value("setup", "(settings unknown)"));
    fprintf(out, "machine: %s\n", meta_value("machine", "(unknown)"));
    fprintf(out, "load average: %s at the start, %s at the end\n\n", meta_value("load-start", "?"),
            meta_value("load-end", "?"));
    fprintf(out, "%-24s %7s %9s %10s %8s %8s %14s\n", "server", "workers", "conn/s", "vs single", "p50 ms", "p99 ms",
            "max/min share");
    for (int i = 0; i < n; i++) {
        const struct row *r = table[i];
        double rate = median(r->rate, r->nruns);
        format_share(median_share(r), share, sizeof share);
        fprintf(out, "%-24s %7d %9.0f %10.2f %8.2f %8.2f %14s%s\n", label(r), r->workers, rate, rate / base,
                median(r->p50, r->nruns), median(r->p99, r->nruns), share, r->errors ? "  (errors!)" : "");
    }
    if (find_row("nginx", "nginx", 2, false) == NULL && find_row("nginx", "nginx", 1, false) == NULL)
        fprintf(out, "(no nginx rows: %s)\n", meta_value("nginx", "nginx is not installed"));

    const struct row *loadgen = NULL, *wrk = NULL;
    for (int i = 0; i < nrows; i++) {
        if (strcmp(rows[i].group, "compare") == 0 && strcmp(rows[i].server, "loadgen") == 0)
            loadgen = &rows[i];
        if (strcmp(rows[i].group, "compare") == 0 && strcmp(rows[i].server, "wrk") == 0)
            wrk = &rows[i];
    }
    fprintf(out, "\n");
    if (loadgen && wrk) {
        double l = median(loadgen->rate, loadgen->nruns), w = median(wrk->rate, wrk->nruns);
        fprintf(out, "loadgen vs wrk, against the same server (%s, %d workers), %d runs each, taken in turns:\n"
                     "  loadgen %.0f conn/s (p50 %.2f ms, p99 %.2f ms), wrk %.0f conn/s (p50 %.2f ms, p99 %.2f ms):\n"
                     "  loadgen reaches %.0f%% of wrk's rate%s\n",
                meta_value("compare-server", "lab07"), loadgen->workers, loadgen->nruns, l,
                median(loadgen->p50, loadgen->nruns), median(loadgen->p99, loadgen->nruns), w,
                median(wrk->p50, wrk->nruns), median(wrk->p99, wrk->nruns), 100 * l / w,
                l >= 0.9 * w ? " (>= 90%: not the bottleneck)" : " (below 90%!)");
    } else {
        fprintf(out, "(no loadgen vs wrk row: %s)\n", meta_value("wrk", "wrk is not installed"));
    }

    bool any_stall = false;
    for (size_t m = 1; m < sizeof model_order / sizeof model_order[0]; m++) {
        for (int i = 0; i < nrows; i++) {
            const struct row *r = &rows[i];
            if (strcmp(r->group, "stall") != 0 || strcmp(r->server, model_order[m]) != 0)
                continue;
            if (!any_stall) {
                fprintf(out, "\nstalled worker: %s\n", meta_value("stall", "one worker sleeps"));
                fprintf(out, "%-24s %7s %9s %8s %8s %8s %8s\n", "server", "workers", "conn/s", "p50 ms", "p90 ms",
                        "p99 ms", "max ms");
                any_stall = true;
            }
            fprintf(out, "%-24s %7d %9.0f %8.2f %8.2f %8.2f %8.2f\n", r->server, r->workers,
                    median(r->rate, r->nruns), median(r->p50, r->nruns), median(r->p90, r->nruns),
                    median(r->p99, r->nruns), median(r->max, r->nruns));
        }
    }
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.tmp", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die("cannot write %s: %s", path, strerror(errno));
    return f;
}

/* Close and move the temporary file into place: never a half-written file. */
static void close_out(FILE *f, const char *tmp_path)
{
    char final[4096];

    if (fclose(f) != 0)
        die("cannot write %s: %s", tmp_path, strerror(errno));
    snprintf(final, sizeof final, "%.*s", (int)(strlen(tmp_path) - 4), tmp_path);
    if (rename(tmp_path, final) != 0)
        die("cannot rename %s: %s", tmp_path, strerror(errno));
}

static void write_markdown(const char *dir)
{
    const struct row *table[MAX_ROWS];
    const struct row *single = single_row();
    double base = single ? median(single->rate, single->nruns) : NAN;
    int n = main_table_rows(table);
    char path[4096], share[16];

    FILE *md = open_out(dir, "07-bench-table.md", path, sizeof path);
    fprintf(md, "| Server | Workers | Connections/s | vs single | p50 (ms) | p99 (ms) | max/min share |\n");
    fprintf(md, "|:-------|--------:|--------------:|----------:|---------:|---------:|--------------:|\n");
    for (int i = 0; i < n; i++) {
        const struct row *r = table[i];
        double rate = median(r->rate, r->nruns);
        format_share(median_share(r), share, sizeof share);
        fprintf(md, "| %s | %d | %.0f | %.2f | %.2f | %.2f | %s |\n", label(r), r->workers, rate, rate / base,
                median(r->p50, r->nruns), median(r->p99, r->nruns), strcmp(share, "inf") == 0 ? "∞" : share);
    }
    fprintf(md, "\n: Medians of %s runs of %s s each, loadgen with %s connections in flight. %s; %s; load "
                "average %s at the start, %s at the end.\n",
            meta_value("runs", "?"), meta_value("seconds", "?"), meta_value("concurrency", "?"),
            meta_value("machine", "machine unknown"), meta_value("date", "date unknown"),
            meta_value("load-start", "?"), meta_value("load-end", "?"));
    close_out(md, path);

    md = open_out(dir, "07-bench-stall.md", path, sizeof path);
    fprintf(md, "| Model | Workers | Connections/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |\n");
    fprintf(md, "|:------|--------:|--------------:|---------:|---------:|---------:|---------:|\n");
    for (size_t m = 1; m < sizeof model_order / sizeof model_order[0]; m++)
        for (int i = 0; i < nrows; i++) {
            const struct row *r = &rows[i];
            if (strcmp(r->group, "stall") == 0 && strcmp(r->server, model_order[m]) == 0)
                fprintf(md, "| %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f |\n", r->server, r->workers,
                        median(r->rate, r->nruns), median(r->p50, r->nruns), median(r->p90, r->nruns),
                        median(r->p99, r->nruns), median(r->max, r->nruns));
        }
    fprintf(md, "\n: Stalled worker: %s. Medians of %s runs of %s s each.\n", meta_value("stall", "?"),
            meta_value("runs", "?"), meta_value("seconds", "?"));
    close_out(md, path);
}

static void write_summary(const char *file)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s.tmp", file);
    if ((f = fopen(path, "w")) == NULL)
        die("cannot write %s: %s", path, strerror(errno));
    fprintf(f, "group,server,workers,runs,rate_median,rate_min,rate_max,p50_ms,p90_ms,p99_ms,max_ms,max_min_share,"
               "errors\n");
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        char share[16];
        format_share(median_share(r), share, sizeof share);
        fprintf(f, "%s,%s,%d,%d,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%s,%ld\n", r->group, r->server, r->workers,
                r->nruns, median(r->rate, r->nruns), lowest(r->rate, r->nruns), highest(r->rate, r->nruns),
                median(r->p50, r->nruns), median(r->p90, r->nruns), median(r->p99, r->nruns),
                median(r->max, r->nruns), strcmp(share, "-") == 0 ? "" : share, r->errors);
    }
    close_out(f, path);
}

/* ------------------------------------------------------------------ */
/* Plots: grouped bar charts in plain SVG                               */
/* ------------------------------------------------------------------ */

#define MAX_GROUPS 4
#define MAX_SERIES 6

struct chart {
    const char *title;
    const char *y_label;
    const char *note;                    /* a line under the plot, or NULL */
    int ngroups, nseries;
    const char *groups[MAX_GROUPS];
    const char *series[MAX_SERIES];
    bool present[MAX_GROUPS][MAX_SERIES];
    double value[MAX_GROUPS][MAX_SERIES]; /* the bar: the median */
    double low[MAX_GROUPS][MAX_SERIES];   /* the whisker: the runs' range (NAN: none) */
    double high[MAX_GROUPS][MAX_SERIES];
    const char *bar_text[MAX_GROUPS][MAX_SERIES]; /* a label over a bar instead of its value, or NULL */
    double reference;                     /* a dashed horizontal line, or NAN */
    const char *reference_label;
    int decimals;                         /* of the numbers over the bars */
};

static const char *const palette[MAX_SERIES] = { "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#e15759" };

/* A round step for about `ticks` gridlines up to `top`: 1, 2 or 5 times a power of ten. */
static double nice_step(double top, int ticks)
{
    double raw = top / ticks, power = pow(10, floor(log10(raw)));
    double f = raw / power;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/* Text for SVG: &, < and > escaped. */
static void svg_text(FILE *out, double x, double y, const char *anchor, const char *style, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void svg_text(FILE *out, double x, double y, const char *anchor, const char *style, const char *fmt, ...)
{
    char text[256];
    va_list args;

    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>", x, y, anchor, style ? style : "");
    for (const char *p = text; *p; p++)
        fputs(*p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : (char[2]){ *p, 0 }, out);
    fprintf(out, "</text>\n");
}

static void draw_chart(const char *dir, const char *name, const struct chart *c)
{
    const double width = 760, height = 440, left = 80, right = 20, top = 50, bottom = c->note ? 130 : 110;
    const double plot_w = width - left - right, plot_h = height - top - bottom;
    char path[4096];
    double top_value = 0;

    for (int g = 0; g < c->ngroups; g++)
        for (int s = 0; s < c->nseries; s++)
            if (c->present[g][s]) {
                double v = isnan(c->high[g][s]) ? c->value[g][s] : c->high[g][s];
                if (isfinite(v) && v > top_value)
                    top_value = v;
            }
    if (!isnan(c->reference) && c->reference > top_value)
        top_value = c->reference;
    if (top_value <= 0)
        top_value = 1;
    double step = nice_step(top_value * 1.1, 5);
    double y_max = ceil(top_value * 1.1 / step) * step;

    FILE *out = open_out(dir, name, path, sizeof path);
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                 "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n",
            width, height, width, height);
    fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    svg_text(out, width / 2, 24, "middle", "font-size=\"16\" font-weight=\"bold\"", "%s", c->title);

    /* Gridlines and the y axis's numbers. */
    for (double v = 0; v <= y_max + step / 2; v += step) {
        double y = top + plot_h - v / y_max * plot_h;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n", left, y,
                left + plot_w, y);
        svg_text(out, left - 8, y + 4, "end", NULL, "%g", v);
    }
    fprintf(out, "<text x=\"0\" y=\"0\" text-anchor=\"middle\" transform=\"translate(20 %.1f) rotate(-90)\">%s</text>\n",
            top + plot_h / 2, c->y_label);
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", left, top + plot_h,
            left + plot_w, top + plot_h);

    /* The bars, group by group. */
    double group_w = plot_w / c->ngroups;
    double bar_w = group_w * 0.8 / c->nseries;
    for (int g = 0; g < c->ngroups; g++) {
        double x0 = left + g * group_w + group_w * 0.1;
        for (int s = 0; s < c->nseries; s++) {
            if (!c->present[g][s])
                continue;
            double x = x0 + s * bar_w;
            double v = isfinite(c->value[g][s]) ? c->value[g][s] : y_max;
            double h = (v > y_max ? y_max : v) / y_max * plot_h;
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s/>\n", x + 2,
                    top + plot_h - h, bar_w - 4, h, palette[s],
                    isfinite(c->value[g][s]) ? "" : " fill-opacity=\"0.35\"");
            if (!isnan(c->low[g][s]) && isfinite(c->high[g][s])) {
                double y_low = top + plot_h - c->low[g][s] / y_max * plot_h;
                double y_high = top + plot_h - c->high[g][s] / y_max * plot_h;
                double mid = x + bar_w / 2;
                fprintf(out, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fh8M%.1f %.1fh8\" stroke=\"black\" fill=\"none\"/>\n",
                        mid, y_low, y_high, mid - 4, y_low, mid - 4, y_high);
            }
            double label_y = top + plot_h - h - 6;
            if (!isnan(c->high[g][s]) && isfinite(c->high[g][s]))
                label_y = top + plot_h - c->high[g][s] / y_max * plot_h - 6;
            char number[32];
            if (c->bar_text[g][s])
                snprintf(number, sizeof number, "%s", c->bar_text[g][s]);
            else
                snprintf(number, sizeof number, "%.*f", c->decimals, c->value[g][s]);
            svg_text(out, x + bar_w / 2, label_y, "middle", "font-size=\"10\"", "%s", number);
        }
        svg_text(out, left + g * group_w + group_w / 2, top + plot_h + 20, "middle", NULL, "%s", c->groups[g]);
    }
    if (!isnan(c->reference)) {
        double y = top + plot_h - c->reference / y_max * plot_h;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e15759\" stroke-width=\"2\" "
                     "stroke-dasharray=\"6 4\"/>\n",
                left, y, left + plot_w, y);
    }

    /* The legend under the axis, in as many rows as it takes; the dashed
     * reference line last. (An estimate of the text's width is enough.) */
    double lx = left, ly = top + plot_h + 38;
    for (int s = 0; s <= c->nseries; s++) {
        bool reference = s == c->nseries;
        if (reference && isnan(c->reference))
            break;
        const char *text = reference ? c->reference_label : c->series[s];
        double w = (reference ? 40 : 26) + 7.2 * (double)strlen(text);
        if (lx + w > width - right && lx > left) {
            lx = left;
            ly += 20;
        }
        if (reference)
            fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e15759\" "
                         "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n",
                    lx, ly + 6, lx + 26, ly + 6);
        else
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", lx, ly, palette[s]);
        svg_text(out, lx + (reference ? 30 : 16), ly + 11, "start", NULL, "%s", text);
        lx += w;
    }
    if (c->note)
        svg_text(out, left, height - 14, "start", "font-size=\"11\" fill=\"#555555\"", "%s", c->note);
    fprintf(out, "</svg>\n");
    close_out(out, path);
}

/* The series of the rate and balance charts: lab07's three N-worker models, then nginx. */
struct series_def {
    const char *group, *server, *legend;
};

static const struct series_def chart_series[] = {
    { "model", "accept", "accept (shared, blocking)" },
    { "model", "epoll", "epoll (shared)" },
    { "model", "reuseport", "reuseport" },
    { "nginx", "nginx", "nginx" },
    { "nginx", "nginx-reuseport", "nginx reuseport" },
};

static void plot_all(const char *dir)
{
    static struct chart rate, balance, stall;
    const struct row *single = single_row();
    static char note[200], balance_note[200], stall_title[200];
    static char share_text[MAX_GROUPS][MAX_SERIES][16];

    snprintf(note, sizeof note, "Medians of %s runs (whiskers: lowest and highest run). %s; load %s.",
             meta_value("runs", "?"), meta_value("machine", ""), meta_value("load-start", "?"));
    rate = (struct chart){ .title = "Connections per second (loadgen, Connection: close)",
                           .y_label = "connections/s", .note = note, .decimals = 0,
                           .reference = single ? median(single->rate, single->nruns) : NAN,
                           .reference_label = "single: one process, one accept loop (median)" };
    snprintf(balance_note, sizeof balance_note, "Medians of %s runs, %s connections in flight. %s; load %s.",
             meta_value("runs", "?"), meta_value("concurrency", "?"), meta_value("machine", ""),
             meta_value("load-start", "?"));
    balance = (struct chart){ .title = "Balance under load: the busiest worker's count over the least busy one's",
                              .y_label = "max/min share (1 = even)", .note = balance_note, .decimals = 2,
                              .reference = 1, .reference_label = "perfectly even" };
    for (int w = 0; w < 3; w++) {
        static char names[3][16];
        snprintf(names[w], sizeof names[w], "%d worker%s", worker_counts[w], worker_counts[w] == 1 ? "" : "s");
        rate.groups[w] = names[w];
        if (w > 0)
            balance.groups[w - 1] = names[w];
    }
    rate.ngroups = 3;
    balance.ngroups = 2;
    int ns = 0;
    for (size_t s = 0; s < sizeof chart_series / sizeof chart_series[0]; s++) {
        bool any = false;
        for (int w = 0; w < 3; w++)
            any |= find_row(chart_series[s].group, chart_series[s].server, worker_counts[w], false) != NULL;
        if (!any)
            continue;
        rate.series[ns] = balance.series[ns] = chart_series[s].legend;
        for (int w = 0; w < 3; w++) {
            const struct row *r = find_row(chart_series[s].group, chart_series[s].server, worker_counts[w], false);
            if (r == NULL)
                continue;
            rate.present[w][ns] = true;
            rate.value[w][ns] = median(r->rate, r->nruns);
            rate.low[w][ns] = lowest(r->rate, r->nruns);
            rate.high[w][ns] = highest(r->rate, r->nruns);
            double share = median_share(r);
            if (w > 0 && share >= 0) {
                balance.present[w - 1][ns] = true;
                balance.value[w - 1][ns] = share;
                balance.low[w - 1][ns] = balance.high[w - 1][ns] = NAN;
                if (isinf(share)) {
                    snprintf(share_text[w - 1][ns], sizeof share_text[w - 1][ns], "a worker idle");
                    balance.bar_text[w - 1][ns] = share_text[w - 1][ns];
                }
            }
        }
        ns++;
    }
    rate.nseries = balance.nseries = ns;
    draw_chart(dir, "07-bench-rate.svg", &rate);
    draw_chart(dir, "07-bench-balance.svg", &balance);

    snprintf(stall_title, sizeof stall_title, "A stalled worker: latency, %d workers", 4);
    stall = (struct chart){ .title = stall_title, .y_label = "milliseconds", .decimals = 1,
                            .reference = NAN, .ngroups = 0, .nseries = 3,
                            .series = { "p50", "p99", "max" } };
    static char stall_note[240];
    snprintf(stall_note, sizeof stall_note, "%s. Medians of %s runs.", meta_value("stall", ""),
             meta_value("runs", "?"));
    stall.note = stall_note;
    for (size_t m = 1; m < sizeof model_order / sizeof model_order[0]; m++)
        for (int i = 0; i < nrows; i++) {
            const struct row *r = &rows[i];
            if (strcmp(r->group, "stall") != 0 || strcmp(r->server, model_order[m]) != 0 ||
                stall.ngroups == MAX_GROUPS)
                continue;
            int g = stall.ngroups++;
            stall.groups[g] = model_order[m];
            double values[3] = { median(r->p50, r->nruns), median(r->p99, r->nruns), median(r->max, r->nruns) };
            for (int s = 0; s < 3; s++) {
                stall.present[g][s] = true;
                stall.value[g][s] = values[s];
                stall.low[g][s] = stall.high[g][s] = NAN;
            }
        }
    if (stall.ngroups > 0)
        draw_chart(dir, "07-bench-stall.svg", &stall);
}

/* ------------------------------------------------------------------ */
/* main                                                                 */
/* ------------------------------------------------------------------ */

static void usage(FILE *out)
{
    fprintf(out, "usage: bench-report [--text FILE] [--markdown-dir DIR] [--summary FILE] [--plot-dir DIR] RUNS.csv\n"
                 "Prints the table of a `make bench` run (medians of its runs); writes it as Markdown,\n"
                 "the medians as CSV and the plots as SVG where asked.\n");
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "text", required_argument, NULL, 't' },
        { "markdown-dir", required_argument, NULL, 'm' },
        { "summary", required_argument, NULL, 's' },
        { "plot-dir", required_argument, NULL, 'p' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *text = NULL, *markdown_dir = NULL, *summary = NULL, *plot_dir = NULL;
    bool quiet = false;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 't': text = optarg; break;
        case 'm': markdown_dir = optarg; break;
        case 's': summary = optarg; break;
        case 'p': plot_dir = optarg; break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "bench-report: unknown option or missing value: '%s' (see bench-report --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "bench-report: give one RUNS.csv file (see bench-report --help)\n");
        return 2;
    }
    read_runs(argv[optind]);
    if (!quiet)
        print_text(stdout);
    if (text) {
        char path[4096];
        snprintf(path, sizeof path, "%s.tmp", text);
        FILE *f = fopen(path, "w");
        if (f == NULL)
            die("cannot write %s: %s", path, strerror(errno));
        print_text(f);
        close_out(f, path);
    }
    if (markdown_dir)
        write_markdown(markdown_dir);
    if (summary)
        write_summary(summary);
    if (plot_dir)
        plot_all(plot_dir);
    return 0;
}
