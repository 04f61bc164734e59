/*
 * results.h - one lab's grading results, in memory and on disk.
 *
 * The runner (one per lab) writes a results file; the report reads the
 * files of every graded lab and prints the table, results.json, TAP and
 * JUnit. The file format is defined here and nowhere else: plain text, one
 * record per line, fields separated by tabs, with tab, newline and
 * backslash escaped as \t, \n and \\ so any message fits on one line.
 *
 *   socklab-results 1
 *   lab     01      The 5-tuple
 *   step    1       Connect without bind()      hint...
 *   test    1       name    description     earned  max     status  message
 *   note    text shown under the lab (e.g. the first compiler errors)
 */
#ifndef SOCKLAB_RESULTS_H
#define SOCKLAB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum result_status {
    RESULT_PASS,
    RESULT_FAIL,
    RESULT_TIMEOUT,
    RESULT_CRASH,
    RESULT_SKIPPED,      /* an extra whose need is missing: not in score or max */
    RESULT_NOT_COMPILED, /* the lab did not build: 0 points */
};

struct result_test {
    int step;
    char *name;
    char *description;
    int earned;
    int max;
    enum result_status status;
    char *message; /* "" on a pass */
};

struct result_step {
    int number;
    char *title;
    char *hint;
};

struct lab_results {
    char *number; /* "01" */
    char *title;
    struct result_step *steps;
    size_t nsteps;
    struct result_test *tests;
    size_t ntests;
    char *note; /* NULL, or text shown under the lab */
};

/* "pass", "fail", "timeout", "crash", "skipped", "not compiled". */
const char *result_status_name(enum result_status status);

/* Parse a status name back; -1 if unknown. */
int result_status_parse(const char *name);

/* Points the lab scored and could score (skipped tests count in neither). */
void lab_results_totals(const struct lab_results *lab, int *earned, int *max);

/*
 * Write the results to path, whole or not at all: into a temporary file
 * beside it, then rename() over path. Returns 0, or -1 with errno set.
 */
int lab_results_write(const struct lab_results *lab, const char *path);

/*
 * Read a results file. Returns 0, or -1 with a one-line reason in err
 * (a missing file, a line that is not a record, a wrong version).
 */
int lab_results_read(const char *path, struct lab_results *lab, char *err, size_t errsize);

void lab_results_free(struct lab_results *lab);

/* Append a copy of s to the string *text (growing it), separated by sep. */
void text_append(char **text, const char *sep, const char *s);

/* strdup that exits with a message when memory runs out. */
char *xstrdup(const char *s);

/*
 * Write a whole file atomically (temporary file + rename). The writer
 * callback prints the content to the FILE it is given and returns 0, or -1.
 */
int write_file_atomically(const char *path, int (*writer)(FILE *out, const void *ctx), const void *ctx);

#endif
