/*
 * report.c - the score table, and the report files, from the labs' results.
 *
 * Reads the results file of every graded lab (results.h), prints one table
 * per lab (step, test, points, result, message) with the hint of the first
 * failing step, then "Score: X/Y". Writes the same results as
 * results.json (Gradescope's format), TAP and JUnit XML, each file whole
 * (temporary file + rename) so a reader never sees half a report.
 *
 * Exit status: 0 only at full marks; 1 when points were lost; 3 when no
 * test ran at all or a lab's results could not be read (loudly: a grader
 * that ran nothing must never look like a pass).
 *
 * Usage: report [--json FILE] [--tap FILE] [--junit FILE] [--scores FILE]
 *               [--note FILE] [--brief] RESULTS_FILE...
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"

struct report {
    char *note; /* shown before the labs, and in results.json's "output" */
    struct lab_results *labs;
    size_t nlabs;
    int earned, max, ntests;
};

static bool use_colour;
static bool brief; /* --brief: of each lab, only the first step that lost points */

static const char *colour(enum result_status status)
{
    if (!use_colour)
        return "";
    switch (status) {
    case RESULT_PASS: return "\033[32m";
    case RESULT_SKIPPED: return "\033[33m";
    default: return "\033[31m";
    }
}

static const char *reset(void)
{
    return use_colour ? "\033[0m" : "";
}

static const char *step_title(const struct lab_results *lab, int step)
{
    for (size_t i = 0; i < lab->nsteps; i++)
        if (lab->steps[i].number == step)
            return lab->steps[i].title;
    return "";
}

static const char *step_hint(const struct lab_results *lab, int step)
{
    for (size_t i = 0; i < lab->nsteps; i++)
        if (lab->steps[i].number == step)
            return lab->steps[i].hint;
    return "";
}

/* Print text with every line after the first indented by indent spaces. */
static void print_indented(FILE *out, const char *text, int indent)
{
    for (; *text; text++) {
        fputc(*text, out);
        if (*text == '\n')
            fprintf(out, "%*s", indent, "");
    }
}

static void print_lab(FILE *out, const struct lab_results *lab)
{
    int earned, max, first_failing_step = -1;

    lab_results_totals(lab, &earned, &max);
    fprintf(out, "\nLab %s: %s\n", lab->number, lab->title);
    if (lab->note) {
        fputs("  ", out);
        print_indented(out, lab->note, 4);
        fputc('\n', out);
    }
    if (lab->ntests > 0 && lab->tests[0].status == RESULT_NOT_COMPILED) {
        fprintf(out, "  Lab %s: 0/%d (%zu tests not run: fix the problem above first)\n", lab->number, max,
                lab->ntests);
        return;
    }
    int shown_step = -1;
    for (size_t i = 0; brief && i < lab->ntests && shown_step == -1; i++)
        if (lab->tests[i].status != RESULT_PASS && lab->tests[i].status != RESULT_SKIPPED)
            shown_step = lab->tests[i].step;
    fprintf(out, "  %-4s %-34s %7s  %s\n", "Step", "Test", "Points", "Result");
    for (size_t i = 0; i < lab->ntests; i++) {
        const struct result_test *t = &lab->tests[i];
        char points[32];

        if (brief && t->step != shown_step)
            continue;

        if (t->status == RESULT_SKIPPED)
            snprintf(points, sizeof points, "-/%d", t->max);
        else
            snprintf(points, sizeof points, "%d/%d", t->earned, t->max);
        fprintf(out, "  %-4d %-34s %7s  %s%s%s\n", t->step, t->name, points, colour(t->status),
                t->status == RESULT_PASS ? "pass" : result_status_name(t->status), reset());
        if (t->status != RESULT_PASS && t->message[0]) {
            fputs("         ", out);
            print_indented(out, t->message, 9);
            fputc('\n', out);
        }
        if (t->status != RESULT_PASS && t->status != RESULT_SKIPPED && first_failing_step == -1)
            first_failing_step = t->step;
    }
    fprintf(out, "  Lab %s: %d/%d\n", lab->number, earned, max);
    if (first_failing_step != -1 && lab->tests[0].status != RESULT_NOT_COMPILED) {
        fprintf(out, "  Hint (step %d, %s): ", first_failing_step, step_title(lab, first_failing_step));
        print_indented(out, step_hint(lab, first_failing_step), 4);
        fputc('\n', out);
    }
}

/* JSON string: quotes, backslashes and control characters escaped. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* What a test's "output" shows: the message, and the step's hint on failure. */
static char *test_output(const struct lab_results *lab, const struct result_test *t)
{
    char *text = xstrdup(t->message);

    if (t->status == RESULT_NOT_COMPILED && lab->note)
        text_append(&text, "\n", lab->note);
    if (t->status != RESULT_PASS && t->status != RESULT_SKIPPED && t->status != RESULT_NOT_COMPILED) {
        text_append(&text, "\n", "Hint: ");
        text_append(&text, "", step_hint(lab, t->step));
    }
    return text;
}

static int write_json(FILE *out, const void *ctx)
{
    const struct report *r = ctx;
    const char *sep = "";

    fprintf(out, "{\n  \"score\": %d,\n  \"output\": ", r->earned);
    char summary[128];
    snprintf(summary, sizeof summary, "Score: %d/%d", r->earned, r->max);
    char *overall = xstrdup(r->note ? r->note : "");
    text_append(&overall, "\n", summary);
    json_string(out, overall);
    free(overall);
    fputs(",\n  \"tests\": [", out);
    for (size_t l = 0; l < r->nlabs; l++) {
        const struct lab_results *lab = &r->labs[l];
        int index_in_step = 0, last_step = -1;
        for (size_t i = 0; i < lab->ntests; i++) {
            const struct result_test *t = &lab->tests[i];
            char name[512], number[64], tag_lab[32], tag_step[32];
            char *output = test_output(lab, t);

            index_in_step = t->step == last_step ? index_in_step + 1 : 1;
            last_step = t->step;
            snprintf(name, sizeof name, "Lab %s, step %d: %s (%s)", lab->number, t->step, t->description, t->name);
            snprintf(number, sizeof number, "%d.%d.%d", atoi(lab->number), t->step, index_in_step);
            snprintf(tag_lab, sizeof tag_lab, "lab%s", lab->number);
            snprintf(tag_step, sizeof tag_step, "step%d", t->step);
            fprintf(out, "%s\n    {\"name\": ", sep);
            json_string(out, name);
            fputs(", \"number\": ", out);
            json_string(out, number);
            /* A skipped extra is worth nothing here, as in the score. */
            fprintf(out, ", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", \"output\": ", t->earned,
                    t->status == RESULT_SKIPPED ? 0 : t->max, t->status == RESULT_PASS ? "passed" : "failed");
            json_string(out, output);
            fputs(", \"tags\": [", out);
            json_string(out, tag_lab);
            fputs(", ", out);
            json_string(out, tag_step);
            fputs("]}", out);
            sep = ",";
            free(output);
        }
    }
    fputs("\n  ]\n}\n", out);
    return 0;
}

/* TAP: one line per test; a YAML block with the message for failures. */
static int write_tap(FILE *out, const void *ctx)
{
    const struct report *r = ctx;
    int n = 0;

    fprintf(out, "TAP version 13\n1..%d\n", r->ntests);
    for (size_t l = 0; l < r->nlabs; l++) {
        const struct lab_results *lab = &r->labs[l];
        for (size_t i = 0; i < lab->ntests; i++) {
            const struct result_test *t = &lab->tests[i];
            bool ok = t->status == RESULT_PASS || t->status == RESULT_SKIPPED;

            fprintf(out, "%s %d - lab%s step%d %s: %s", ok ? "ok" : "not ok", ++n, lab->number, t->step,
                    t->name, t->description);
            if (t->status == RESULT_SKIPPED) {
                fputs(" # SKIP ", out);
                for (const char *p = t->message; *p && *p != '\n'; p++)
                    fputc(*p, out);
            }
            fputc('\n', out);
            if (!ok) {
                fprintf(out, "  ---\n  status: %s\n  points: %d/%d\n  message: ", result_status_name(t->status),
                        t->earned, t->max);
                json_string(out, t->message); /* a JSON string is valid YAML */
                fputs("\n  ...\n", out);
            }
        }
    }
    return 0;
}

static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            /* XML 1.0 allows no control characters but tab and newline. */
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc('?', out);
            else
                fputc(*s, out);
        }
    }
}

static int write_junit(FILE *out, const void *ctx)
{
    const struct report *r = ctx;

    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"%d\">\n", r->ntests);
    for (size_t l = 0; l < r->nlabs; l++) {
        const struct lab_results *lab = &r->labs[l];
        int failures = 0, skipped = 0;
        for (size_t i = 0; i < lab->ntests; i++) {
            failures += lab->tests[i].status != RESULT_PASS && lab->tests[i].status != RESULT_SKIPPED;
            skipped += lab->tests[i].status == RESULT_SKIPPED;
        }
        fprintf(out, "  <testsuite name=\"lab%s\" tests=\"%zu\" failures=\"%d\" skipped=\"%d\">\n", lab->number,
                lab->ntests, failures, skipped);
        for (size_t i = 0; i < lab->ntests; i++) {
            const struct result_test *t = &lab->tests[i];
            fprintf(out, "    <testcase classname=\"lab%s.step%d\" name=\"", lab->number, t->step);
            xml_text(out, t->name);
            fputs("\"", out);
            if (t->status == RESULT_PASS) {
                fputs("/>\n", out);
                continue;
            }
            fprintf(out, ">\n      <%s message=\"", t->status == RESULT_SKIPPED ? "skipped" : "failure");
            xml_text(out, result_status_name(t->status));
            fputs("\">", out);
            xml_text(out, t->message);
            fprintf(out, "</%s>\n    </testcase>\n", t->status == RESULT_SKIPPED ? "skipped" : "failure");
        }
        fputs("  </testsuite>\n", out);
    }
    fputs("</testsuites>\n", out);
    return 0;
}

/* One line per lab, "NN earned max", for class-wide tables. */
static int write_scores(FILE *out, const void *ctx)
{
    const struct report *r = ctx;

    for (size_t l = 0; l < r->nlabs; l++) {
        int earned, max;
        lab_results_totals(&r->labs[l], &earned, &max);
        fprintf(out, "%s %d %d\n", r->labs[l].number, earned, max);
    }
    return 0;
}

static void write_or_complain(const char *path, int (*writer)(FILE *, const void *), const struct report *r,
                              int *status)
{
    if (path && write_file_atomically(path, writer, r) != 0) {
        fprintf(stderr, "report: writing %s: %s\n", path, strerror(errno));
        *status = 3;
    }
}

int main(int argc, char **argv)
{
    static const char usage[] =
        "usage: report [--json FILE] [--tap FILE] [--junit FILE] [--scores FILE] [--note FILE] [--brief] RESULTS_FILE...";
    static const struct option options[] = {
        { "json", required_argument, NULL, 'j' },
        { "tap", required_argument, NULL, 't' },
        { "junit", required_argument, NULL, 'x' },
        { "scores", required_argument, NULL, 's' },
        { "note", required_argument, NULL, 'n' },
        { "brief", no_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *json = NULL, *tap = NULL, *junit = NULL, *scores = NULL, *note = NULL;
    struct report r = { 0 };
    int c, status = 0;

    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'j': json = optarg; break;
        case 't': tap = optarg; break;
        case 'x': junit = optarg; break;
        case 's': scores = optarg; break;
        case 'n': note = optarg; break;
        case 'b': brief = true; break;
        case 'h':
            printf("%s\n", usage);
            return 0;
        default:
            fprintf(stderr, "%s\n", usage);
            return 2;
        }
    }
    use_colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    if (note) {
        FILE *f = fopen(note, "r");
        char line[1024];
        while (f && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            text_append(&r.note, "\n", line);
        }
        if (f)
            fclose(f);
        if (r.note)
            printf("%s\n", r.note);
    }

    r.labs = calloc((size_t)(argc - optind) + 1, sizeof *r.labs);
    if (r.labs == NULL)
        return 3;
    for (int i = optind; i < argc; i++) {
        char err[512];
        if (lab_results_read(argv[i], &r.labs[r.nlabs], err, sizeof err) != 0) {
            fprintf(stderr, "report: %s\n", err);
            status = 3;
            continue;
        }
        int earned, max;
        lab_results_totals(&r.labs[r.nlabs], &earned, &max);
        r.earned += earned;
        r.max += max;
        r.ntests += (int)r.labs[r.nlabs].ntests;
        print_lab(stdout, &r.labs[r.nlabs]);
        r.nlabs++;
    }

    write_or_complain(json, write_json, &r, &status);
    write_or_complain(tap, write_tap, &r, &status);
    write_or_complain(junit, write_junit, &r, &status);
    write_or_complain(scores, write_scores, &r, &status);

    printf("\nScore: %d/%d\n", r.earned, r.max);
    if (r.ntests == 0) {
        fputs("report: NO TEST RAN: nothing was graded (is the lab list empty?)\n", stderr);
        status = 3;
    }
    if (status == 0 && (r.max == 0 || r.earned < r.max))
        status = 1;
    for (size_t i = 0; i < r.nlabs; i++)
        lab_results_free(&r.labs[i]);
    free(r.labs);
    free(r.note);
    return status;
}
