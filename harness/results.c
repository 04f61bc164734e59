/*
 * results.c - read and write a lab's results file. See results.h for the format.
 */
#include "results.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RESULTS_MAGIC "socklab-results 1"

static const char *const status_names[] = {
    [RESULT_PASS] = "pass",
    [RESULT_FAIL] = "fail",
    [RESULT_TIMEOUT] = "timeout",
    [RESULT_CRASH] = "crash",
    [RESULT_SKIPPED] = "skipped",
    [RESULT_NOT_COMPILED] = "not compiled",
};

const char *result_status_name(enum result_status status)
{
    if ((size_t)status < sizeof status_names / sizeof status_names[0])
        return status_names[status];
    return "?";
}

int result_status_parse(const char *name)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (strcmp(name, status_names[i]) == 0)
            return (int)i;
    return -1;
}

void lab_results_totals(const struct lab_results *lab, int *earned, int *max)
{
    *earned = *max = 0;
    for (size_t i = 0; i < lab->ntests; i++) {
        if (lab->tests[i].status == RESULT_SKIPPED)
            continue;
        *earned += lab->tests[i].earned;
        *max += lab->tests[i].max;
    }
}

char *xstrdup(const char *s)
{
    char *copy = strdup(s ? s : "");

    if (copy == NULL) {
        fputs("socklab: out of memory\n", stderr);
        exit(3);
    }
    return copy;
}

void text_append(char **text, const char *sep, const char *s)
{
    size_t old = *text ? strlen(*text) : 0;
    size_t extra = (old ? strlen(sep) : 0) + strlen(s);
    char *grown = realloc(*text, old + extra + 1);

    if (grown == NULL) {
        fputs("socklab: out of memory\n", stderr);
        exit(3);
    }
    if (old)
        strcpy(grown + old, sep), old += strlen(sep);
    strcpy(grown + old, s);
    *text = grown;
}

/* Print a field with \t, \n, \r and \\ escaped, so it stays on one line. */
static void put_field(FILE *out, const char *s)
{
    fputc('\t', out);
    for (; s && *s; s++) {
        switch (*s) {
        case '\t': fputs("\\t", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\\': fputs("\\\\", out); break;
        default: fputc(*s, out);
        }
    }
}

/* Undo put_field's escaping in place. */
static void unescape(char *s)
{
    char *to = s;

    for (char *from = s; *from; from++) {
        if (*from == '\\' && from[1]) {
            from++;
            *to++ = *from == 't' ? '\t' : *from == 'n' ? '\n' : *from == 'r' ? '\r' : *from;
        } else {
            *to++ = *from;
        }
    }
    *to = '\0';
}

static int write_results(FILE *out, const void *ctx)
{
    const struct lab_results *lab = ctx;
    char number[16];

    fprintf(out, "%s\n", RESULTS_MAGIC);
    fputs("lab", out);
    put_field(out, lab->number);
    put_field(out, lab->title);
    fputc('\n', out);
    for (size_t i = 0; i < lab->nsteps; i++) {
        snprintf(number, sizeof number, "%d", lab->steps[i].number);
        fputs("step", out);
        put_field(out, number);
        put_field(out, lab->steps[i].title);
        put_field(out, lab->steps[i].hint);
        fputc('\n', out);
    }
    for (size_t i = 0; i < lab->ntests; i++) {
        const struct result_test *t = &lab->tests[i];
        fprintf(out, "test\t%d", t->step);
        put_field(out, t->name);
        put_field(out, t->description);
        fprintf(out, "\t%d\t%d", t->earned, t->max);
        put_field(out, result_status_name(t->status));
        put_field(out, t->message);
        fputc('\n', out);
    }
    if (lab->note) {
        fputs("note", out);
        put_field(out, lab->note);
        fputc('\n', out);
    }
    return 0;
}

int write_file_atomically(const char *path, int (*writer)(FILE *out, const void *ctx), const void *ctx)
{
    char tmp[4096];
    FILE *out;
    int failed;

    /* The temporary file is in the same directory, so rename() is atomic. */
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    out = fopen(tmp, "w");
    if (out == NULL)
        return -1;
    failed = writer(out, ctx) != 0;
    failed |= fflush(out) != 0 || ferror(out);
    failed |= fsync(fileno(out)) != 0;
    failed |= fclose(out) != 0;
    if (failed || rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        errno = err ? err : EIO;
        return -1;
    }
    return 0;
}

int lab_results_write(const struct lab_results *lab, const char *path)
{
    return write_file_atomically(path, write_results, lab);
}

/* Split line at tabs into at most max fields (unescaped); returns the count. */
static int split_fields(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;

    while (n < max) {
        fields[n++] = p;
        p = strchr(p, '\t');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    for (int i = 0; i < n; i++)
        unescape(fields[i]);
    return n;
}

int lab_results_read(const char *path, struct lab_results *lab, char *err, size_t errsize)
{
    FILE *in = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;

    memset(lab, 0, sizeof *lab);
    if (in == NULL) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, in)) != -1) {
        char *f[9];
        int n;

        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp(line, RESULTS_MAGIC) != 0)
                goto bad;
            continue;
        }
        n = split_fields(line, f, 9);
        if (strcmp(f[0], "lab") == 0 && n == 3) {
            free(lab->number);
            free(lab->title);
            lab->number = xstrdup(f[1]);
            lab->title = xstrdup(f[2]);
        } else if (strcmp(f[0], "step") == 0 && n == 4) {
            struct result_step *steps = realloc(lab->steps, (lab->nsteps + 1) * sizeof *steps);
            if (steps == NULL)
                goto bad;
            lab->steps = steps;
            steps[lab->nsteps++] = (struct result_step){ atoi(f[1]), xstrdup(f[2]), xstrdup(f[3]) };
        } else if (strcmp(f[0], "test") == 0 && n == 8) {
            struct result_test *tests = realloc(lab->tests, (lab->ntests + 1) * sizeof *tests);
            int status = result_status_parse(f[6]);
            if (tests == NULL || status < 0)
                goto bad;
            lab->tests = tests;
            tests[lab->ntests++] = (struct result_test){
                atoi(f[1]), xstrdup(f[2]), xstrdup(f[3]), atoi(f[4]), atoi(f[5]),
                (enum result_status)status, xstrdup(f[7]),
            };
        } else if (strcmp(f[0], "note") == 0 && n == 2) {
            text_append(&lab->note, "\n", f[1]);
        } else {
            goto bad;
        }
    }
    free(line);
    fclose(in);
    if (lineno == 0 || lab->number == NULL) {
        snprintf(err, errsize, "%s: empty or incomplete results file", path);
        lab_results_free(lab);
        return -1;
    }
    return 0;

bad:
    snprintf(err, errsize, "%s:%d: not a socklab results record", path, lineno);
    free(line);
    fclose(in);
    lab_results_free(lab);
    return -1;
}

void lab_results_free(struct lab_results *lab)
{
    for (size_t i = 0; i < lab->nsteps; i++) {
        free(lab->steps[i].title);
        free(lab->steps[i].hint);
    }
    for (size_t i = 0; i < lab->ntests; i++) {
        free(lab->tests[i].name);
        free(lab->tests[i].description);
        free(lab->tests[i].message);
    }
    free(lab->steps);
    free(lab->tests);
    free(lab->number);
    free(lab->title);
    free(lab->note);
    memset(lab, 0, sizeof *lab);
}
