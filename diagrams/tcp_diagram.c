/*
 * tcp_diagram.c - draw the TCP state machine of RFC 9293 (Figure 5).
 *
 * socklab writes the TCP states and transitions down once, in
 * labs/common/tcp_states.c. This program turns that table into pictures
 * and tables, so a figure in the docs can never disagree with the code the
 * grader checks against:
 *
 *   tcp-diagram                      the whole machine, as Graphviz DOT
 *   tcp-diagram --path S1,S2,...     the same machine with one path drawn
 *                                    over it (a lab's path, or the states a
 *                                    student's connection went through)
 *   tcp-diagram --markdown           the state and transition tables, for
 *                                    the reference page in the docs
 *
 * The DOT goes to stdout; `dot -Tsvg` or `dot -Tpng` renders it.
 *
 * Only the layout lives here: which row a state sits in and which side of
 * the figure it leans to, chosen so the picture reads like the RFC's figure
 * (opening at the top, the server's side on the left, the client's side on
 * the right, closing at the bottom). Names, transitions, events, actions
 * and paths all come from the table.
 */
#include "tcp_states.h"
#include "net.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "tcp-diagram"

/* Exit statuses: usage errors are 2, as in every socklab program. */
enum { EXIT_USAGE = 2 };

/* Colours and pens, in one place so the legend always matches the edges. */
#define COLOR_CLIENT     "#1d4ed8" /* blue */
#define COLOR_SERVER     "#15803d" /* green */
#define COLOR_OTHER      "#6b7280" /* grey */
#define COLOR_HIGHLIGHT  "#7c3aed" /* violet: far from blue, green and red */
#define COLOR_HIGHLIGHT_FILL "#ede9fe"
#define COLOR_ILLEGAL    "#dc2626" /* red */
#define COLOR_FADED      "#d1d5db"
#define COLOR_FADED_TEXT "#9ca3af"
#define PEN_THICK        "2.5"
#define PEN_THIN         "1"
#define PEN_HIGHLIGHT    "3.5"

/*
 * Where each state sits: its row (0 at the top) and its column, used only
 * to order the states of one row from left to right. The RFC draws the
 * passive (server) side on the left and the active (client) side on the
 * right; so do we.
 */
struct placement {
    int row;
    int column;
};

static const struct placement layout[SL_NSTATES] = {
    [SL_CLOSED]      = { 0, 1 },
    [SL_LISTEN]      = { 1, 1 },
    [SL_SYN_RCVD]    = { 2, 0 },
    [SL_SYN_SENT]    = { 2, 2 },
    [SL_ESTABLISHED] = { 3, 1 },
    [SL_FIN_WAIT_1]  = { 4, 0 },
    [SL_CLOSE_WAIT]  = { 4, 2 },
    [SL_FIN_WAIT_2]  = { 5, 0 },
    [SL_CLOSING]     = { 5, 1 },
    [SL_LAST_ACK]    = { 5, 2 },
    [SL_TIME_WAIT]   = { 6, 1 },
};

/*
 * Like the RFC's figure, we draw CLOSED twice: once at the top, where a
 * connection starts, and once at the bottom right, where it ends. With a
 * single box, the two closing arrows would have to climb back over the
 * whole figure. It is still one state (Linux has a single CLOSE for both);
 * the legend says so.
 */
#define CLOSED_END_ROW    6
#define CLOSED_END_COLUMN 2

/* An arrow into CLOSED that leaves from ESTABLISHED or below ends at the bottom box. */
static bool ends_at_bottom(enum sl_state from, enum sl_state to)
{
    return to == SL_CLOSED && layout[from].row >= layout[SL_ESTABLISHED].row;
}

/* A drawn box: a state, and for CLOSED which of its two boxes. */
struct box {
    enum sl_state state;
    bool bottom;
};

static struct box box_of(enum sl_state state, bool bottom)
{
    return (struct box){ state, state == SL_CLOSED && bottom };
}

static bool same_box(struct box a, struct box b)
{
    return a.state == b.state && a.bottom == b.bottom;
}

static int box_row(struct box b)
{
    return b.bottom ? CLOSED_END_ROW : layout[b.state].row;
}

static int box_column(struct box b)
{
    return b.bottom ? CLOSED_END_COLUMN : layout[b.state].column;
}

/* The DOT node name: the RFC name with '-' turned into '_' ("FIN_WAIT_1"). */
static void print_node_id(struct box b)
{
    for (const char *p = sl_state_name(b.state); *p != '\0'; p++)
        putchar(*p == '-' ? '_' : *p);
    if (b.bottom)
        fputs("_end", stdout);
}

/* Print text inside a DOT "quoted string". */
static void print_dot_string(const char *text)
{
    putchar('"');
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            putchar('\\');
        if (*p == '\n')
            fputs("\\n", stdout);
        else
            putchar(*p);
    }
    putchar('"');
}

/* "rcv SYN / snd SYN,ACK", or just "rcv ACK of SYN" when nothing is sent. */
static void format_transition(char *buf, size_t size, const struct sl_transition *t)
{
    if (t->action[0] == '\0')
        snprintf(buf, size, "%s", t->event);
    else
        snprintf(buf, size, "%s / %s", t->event, t->action);
}

static const char *path_name(enum sl_path path)
{
    switch (path) {
    case SL_PATH_CLIENT:
        return "client";
    case SL_PATH_SERVER:
        return "server";
    case SL_PATH_OTHER:
        break;
    }
    return "other";
}

/* How an edge of each path looks when nothing is highlighted. */
struct pen {
    const char *color;
    const char *style;
    const char *width;
};

static struct pen pen_for(enum sl_path path)
{
    switch (path) {
    case SL_PATH_CLIENT:
        return (struct pen){ COLOR_CLIENT, "solid", PEN_THICK };
    case SL_PATH_SERVER:
        return (struct pen){ COLOR_SERVER, "dashed", PEN_THICK };
    case SL_PATH_OTHER:
        break;
    }
    return (struct pen){ COLOR_OTHER, "solid", PEN_THIN };
}

/* ---------------------------------------------------------------------
 * A path given with --path: the states, and what each step turned out to be.
 */

struct step {
    struct box from, to;
    const struct sl_transition *transition; /* NULL: not a TCP transition */
};

struct path {
    struct box *boxes; /* the states in order, each resolved to its box */
    size_t nboxes;
    struct step *steps; /* nboxes - 1 of them */
    size_t nsteps;
};

static bool path_visits(const struct path *path, struct box b)
{
    for (size_t i = 0; i < path->nboxes; i++)
        if (same_box(path->boxes[i], b))
            return true;
    return false;
}

static bool path_has_illegal_step(const struct path *path)
{
    for (size_t i = 0; i < path->nsteps; i++)
        if (path->steps[i].transition == NULL)
            return true;
    return false;
}

/*
 * "1" or "1, 3": the numbers of the steps that go from -> to. A path can
 * take the same arrow more than once (LISTEN -> SYN-RCVD -> LISTEN ->
 * SYN-RCVD after a RST), and one arrow carries all its numbers.
 */
static bool step_numbers(const struct path *path, struct box from, struct box to,
                         char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < path->nsteps; i++) {
        if (!same_box(path->steps[i].from, from) || !same_box(path->steps[i].to, to))
            continue;
        int n = snprintf(buf + used, size - used, "%s%zu", used > 0 ? ", " : "", i + 1);
        if (n < 0 || (size_t)n >= size - used)
            break; /* a very long path: the label is cut, the figure still drawn */
        used += (size_t)n;
    }
    return used > 0;
}

/* A usage error: one line on stderr, exit status 2. */
static void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs(PROGRAM ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (try --help)\n", stderr);
    exit(EXIT_USAGE);
}

/* Split "ESTABLISHED,FIN-WAIT-1,..." into states and work out each step. */
static void parse_path(const char *text, struct path *path)
{
    size_t count = 1;
    for (const char *p = text; *p != '\0'; p++)
        if (*p == ',')
            count++;

    path->boxes = calloc(count, sizeof *path->boxes);
    path->steps = calloc(count, sizeof *path->steps);
    char *copy = strdup(text);
    if (path->boxes == NULL || path->steps == NULL || copy == NULL) {
        fputs(PROGRAM ": out of memory\n", stderr);
        exit(1);
    }

    path->nboxes = 0;
    char *rest = copy;
    for (size_t i = 0; i < count; i++) {
        /* strsep, not strtok: "A,,B" must be an error, not quietly "A,B". */
        char *name = strsep(&rest, ",");
        while (*name == ' ')
            name++;
        size_t len = strlen(name);
        while (len > 0 && name[len - 1] == ' ')
            name[--len] = '\0';
        if (len == 0)
            usage_error("--path: state %zu is empty", i + 1);

        int state = sl_state_parse(name);
        if (state < 0)
            usage_error("--path: '%s' is not a TCP state", name);

        /* A path that returns to CLOSED after ESTABLISHED ends in the bottom box. */
        bool bottom = i > 0 && ends_at_bottom(path->boxes[i - 1].state, (enum sl_state)state);
        path->boxes[path->nboxes++] = box_of((enum sl_state)state, bottom);
    }
    free(copy);

    path->nsteps = path->nboxes - 1;
    for (size_t i = 0; i < path->nsteps; i++) {
        struct step *s = &path->steps[i];
        s->from = path->boxes[i];
        s->to = path->boxes[i + 1];
        s->transition = sl_find_transition(s->from.state, s->to.state);
        if (s->transition == NULL)
            fprintf(stderr, PROGRAM ": warning: step %zu, %s -> %s, is not a TCP transition\n",
                    i + 1, sl_state_name(s->from.state), sl_state_name(s->to.state));
    }
}

/* ---------------------------------------------------------------------
 * DOT output.
 */

static void print_node(struct box b, const struct path *path)
{
    const struct sl_state_info *info = &sl_states[b.state];
    bool on_path = path != NULL && path_visits(path, b);
    bool faded = path != NULL && !on_path;

    /*
     * Two lines: the RFC name, and smaller below it the kernel's name and
     * number, which is what a student sees in TCP_INFO and /proc/net/tcp.
     */
    fputs("  ", stdout);
    print_node_id(b);
    printf(" [label=<<B>%s</B><BR/><FONT POINT-SIZE=\"9\">%s (%d)</FONT>>",
           info->rfc_name, info->linux_name, info->linux_number);
    if (on_path)
        printf(", style=\"rounded,filled\", fillcolor=\"%s\", color=\"%s\", penwidth=2.5",
               COLOR_HIGHLIGHT_FILL, COLOR_HIGHLIGHT);
    else if (faded)
        printf(", color=\"%s\", fontcolor=\"%s\"", COLOR_FADED, COLOR_FADED_TEXT);
    puts("];");
}

static void print_transition(const struct sl_transition *t, const struct path *path)
{
    struct box from = box_of(t->from, false);
    struct box to = box_of(t->to, ends_at_bottom(t->from, t->to));
    struct pen pen = pen_for(t->path);
    char label[128];
    char numbers[256];

    format_transition(label, sizeof label, t);

    fputs("  ", stdout);
    print_node_id(from);
    fputs(" -> ", stdout);
    print_node_id(to);

    if (path != NULL && step_numbers(path, from, to, numbers, sizeof numbers)) {
        char numbered[sizeof numbers + sizeof label + 8];
        snprintf(numbered, sizeof numbered, "%s: %s", numbers, label);
        fputs(" [label=", stdout);
        print_dot_string(numbered);
        printf(", color=\"%s\", fontcolor=\"%s\", style=solid, penwidth=" PEN_HIGHLIGHT
               ", fontname=\"Helvetica-Bold\"",
               COLOR_HIGHLIGHT, COLOR_HIGHLIGHT);
    } else {
        bool faded = path != NULL;
        fputs(" [label=", stdout);
        print_dot_string(label);
        printf(", color=\"%s\", fontcolor=\"%s\", style=%s, penwidth=%s",
               faded ? COLOR_FADED : pen.color, faded ? COLOR_FADED_TEXT : pen.color,
               pen.style, faded ? PEN_THIN : pen.width);
    }
    puts("];");
}

/* The steps of a path that TCP never takes, each pair drawn once. */
static void print_illegal_steps(const struct path *path)
{
    for (size_t i = 0; i < path->nsteps; i++) {
        const struct step *s = &path->steps[i];
        if (s->transition != NULL)
            continue;

        bool drawn_before = false;
        for (size_t j = 0; j < i; j++)
            if (same_box(path->steps[j].from, s->from) && same_box(path->steps[j].to, s->to))
                drawn_before = true;
        if (drawn_before)
            continue;

        char numbers[256];
        char label[sizeof numbers + 32];
        step_numbers(path, s->from, s->to, numbers, sizeof numbers);
        snprintf(label, sizeof label, "%s: not a TCP transition", numbers);

        fputs("  ", stdout);
        print_node_id(s->from);
        fputs(" -> ", stdout);
        print_node_id(s->to);
        fputs(" [label=", stdout);
        print_dot_string(label);
        /* constraint=false: a wrong step must not pull the layout out of shape. */
        printf(", color=\"%s\", fontcolor=\"%s\", style=dashed, penwidth=" PEN_THICK
               ", constraint=false];\n",
               COLOR_ILLEGAL, COLOR_ILLEGAL);
    }
}

/* The legend's first entry shares a row with ESTABLISHED. */
#define LEGEND_FIRST_ROW 3

/* Any box drawn in a row: something for the legend to line up with. */
static struct box first_box_in_row(int row)
{
    if (row == CLOSED_END_ROW)
        return box_of(SL_CLOSED, true);
    for (int s = 0; s < SL_NSTATES; s++)
        if (layout[s].row == row)
            return box_of((enum sl_state)s, false);
    return box_of(SL_CLOSED, false);
}

/*
 * One legend entry: a short flat arrow with its meaning as the label. Each
 * entry shares a row with states of the machine (newrank allows that across
 * the cluster's border), which keeps the legend compact and beside the figure.
 */
static void print_legend_entry(int n, const char *text, const char *color, const char *style,
                               const char *width)
{
    printf("    { rank=same; legend_a%d; legend_b%d; }\n", n, n);
    printf("    legend_a%d -> legend_b%d [color=\"%s\", style=%s, penwidth=%s, label=",
           n, n, color, style, width);
    print_dot_string(text);
    printf("];\n");
}

static void print_legend(const struct path *path)
{
    int n = 0;

    puts("  subgraph cluster_legend {");
    puts("    label=\"Legend\"; fontsize=11; color=\"#9ca3af\"; style=rounded; margin=8;");
    puts("    node [shape=point, width=0.01, height=0.01, color=\"#ffffff\", label=\"\"];");
    puts("    edge [fontsize=10, fontcolor=\"#111827\", arrowsize=0.7, minlen=2];");
    if (path == NULL) {
        print_legend_entry(n++, "client: active open, active close", COLOR_CLIENT, "solid",
                           PEN_THICK);
        print_legend_entry(n++, "server: passive open, passive close", COLOR_SERVER,
                           "dashed", PEN_THICK);
        print_legend_entry(n++, "other: simultaneous open or close, abort", COLOR_OTHER,
                           "solid", PEN_THIN);
    } else {
        print_legend_entry(n++, "the path, steps numbered in order", COLOR_HIGHLIGHT,
                           "solid", PEN_HIGHLIGHT);
        if (path_has_illegal_step(path))
            print_legend_entry(n++, "a step that is not a TCP transition", COLOR_ILLEGAL,
                               "dashed", PEN_THICK);
        print_legend_entry(n++, "transitions not taken", COLOR_FADED, "solid", PEN_THIN);
    }
    puts("    legend_note [shape=plaintext, width=0, height=0, fontsize=10, label=<"
         "CLOSED is drawn twice, as in the RFC:<BR/>"
         "it is one state (Linux has one CLOSE).<BR/>"
         "Small print: Linux name (number)>];");
    puts("    { rank=same; legend_note; }");
    /* Keep the entries stacked in this order, one row apart. */
    for (int i = 1; i < n; i++)
        printf("    legend_a%d -> legend_a%d [style=invis, minlen=1];\n", i - 1, i);
    printf("    legend_a%d -> legend_note [style=invis, minlen=1];\n", n - 1);
    puts("  }");
    /*
     * Line the legend up with the lower rows of the machine, beside
     * CLOSE-WAIT and LAST-ACK, where the figure has room to spare.
     */
    for (int i = 0; i < n; i++) {
        printf("  { rank=same; legend_a%d; ", i);
        print_node_id(first_box_in_row(LEGEND_FIRST_ROW + i));
        puts("; }");
    }
    fputs("  { rank=same; legend_note; ", stdout);
    print_node_id(first_box_in_row(LEGEND_FIRST_ROW + n));
    puts("; }");
}

static void print_dot(const char *title, const struct path *path)
{
    puts("// Generated by tcp-diagram from labs/common/tcp_states.c; do not edit.");
    puts("digraph tcp_state_machine {");
    puts("  rankdir=TB;");
    puts("  newrank=true;");
    puts("  nodesep=0.6; ranksep=0.55;");
    puts("  fontname=\"Helvetica\";");
    if (title != NULL) {
        fputs("  label=", stdout);
        print_dot_string(title);
        puts("; labelloc=t; fontsize=18;");
    }
    puts("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=13, "
         "width=1.5, height=0.55, margin=\"0.15,0.06\"];");
    puts("  edge [fontname=\"Helvetica\", fontsize=10, arrowsize=0.8];");
    puts("");

    /* The boxes, one row at a time, left to right within a row. */
    struct box boxes[SL_NSTATES + 1];
    size_t nboxes = 0;
    for (int s = 0; s < SL_NSTATES; s++)
        boxes[nboxes++] = box_of((enum sl_state)s, false);
    boxes[nboxes++] = box_of(SL_CLOSED, true);

    int last_row = 0;
    for (size_t i = 0; i < nboxes; i++)
        if (box_row(boxes[i]) > last_row)
            last_row = box_row(boxes[i]);

    for (int row = 0; row <= last_row; row++) {
        /* Order a row by column; a row holds at most three boxes. */
        struct box in_row[SL_NSTATES + 1];
        size_t n = 0;
        for (int column = 0; column <= 3; column++)
            for (size_t i = 0; i < nboxes; i++)
                if (box_row(boxes[i]) == row && box_column(boxes[i]) == column)
                    in_row[n++] = boxes[i];

        printf("  { rank=same;\n");
        for (size_t i = 0; i < n; i++) {
            fputs("  ", stdout);
            print_node(in_row[i], path);
        }
        puts("  }");
        /*
         * Invisible left-to-right edges keep the RFC's arrangement: the
         * server's states on the left, the client's on the right.
         */
        for (size_t i = 1; i < n; i++) {
            fputs("  ", stdout);
            print_node_id(in_row[i - 1]);
            fputs(" -> ", stdout);
            print_node_id(in_row[i]);
            puts(" [style=invis];");
        }
    }
    puts("");

    for (size_t i = 0; i < sl_ntransitions; i++)
        print_transition(&sl_transitions[i], path);
    if (path != NULL)
        print_illegal_steps(path);
    puts("");

    print_legend(path);
    puts("}");
}

/* ---------------------------------------------------------------------
 * Markdown tables for the docs.
 */

/*
 * Events and actions are free text: escape what Markdown would read as
 * markup, so a future "|" or "*" cannot break the table.
 */
static void print_markdown_cell(const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (strchr("|*_`\\<[", *p) != NULL)
            putchar('\\');
        putchar(*p);
    }
}

static void print_markdown(void)
{
    puts("<!-- Generated by tcp-diagram --markdown from labs/common/tcp_states.c; do not edit. -->");
    puts("");
    puts("| RFC 9293 state | Linux name | Linux number | `st` in /proc/net/tcp |");
    puts("|:---------------|:-----------|-------------:|:----------------------|");
    for (int s = 0; s < SL_NSTATES; s++)
        printf("| %s | `%s` | %d | `%02X` |\n", sl_states[s].rfc_name, sl_states[s].linux_name,
               sl_states[s].linux_number, (unsigned)sl_states[s].linux_number);
    puts("");
    printf("Table: The %d states of RFC 9293 and their Linux names.\n", (int)SL_NSTATES);
    puts("");
    puts("| # | From | To | Event | Action | Path |");
    puts("|--:|:-----|:---|:------|:-------|:-----|");
    for (size_t i = 0; i < sl_ntransitions; i++) {
        const struct sl_transition *t = &sl_transitions[i];
        printf("| %zu | %s | %s | ", i + 1, sl_state_name(t->from), sl_state_name(t->to));
        print_markdown_cell(t->event);
        fputs(" | ", stdout);
        print_markdown_cell(t->action[0] != '\0' ? t->action : "(none)");
        printf(" | %s |\n", path_name(t->path));
    }
    puts("");
    printf("Table: The %zu transitions of RFC 9293 Figure 5.\n", sl_ntransitions);
}

/* ---------------------------------------------------------------------
 */

static void usage(void)
{
    puts("Usage: " PROGRAM " [--title TEXT] [--path S1,S2,...]\n"
         "       " PROGRAM " --markdown\n"
         "\n"
         "Print the TCP state machine of RFC 9293 (Figure 5) as Graphviz DOT,\n"
         "from socklab's state table (labs/common/tcp_states.c). Render it with\n"
         "  " PROGRAM " | dot -Tsvg -o tcp.svg\n"
         "\n"
         "  --path S1,S2,...  draw this sequence of states over the machine, each\n"
         "                    step numbered; a step TCP never takes is drawn in\n"
         "                    red and reported on stderr. States by RFC name\n"
         "                    (FIN-WAIT-1) or Linux name (FIN_WAIT1), any case.\n"
         "  --title TEXT      a title above the figure\n"
         "  --markdown        print Markdown tables of the states and transitions\n"
         "                    instead of a figure\n"
         "  --help            this text\n"
         "\n"
         "Exit status: 0 on success, 2 for bad arguments.");
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "path", required_argument, NULL, 'p' },
        { "title", required_argument, NULL, 't' },
        { "markdown", no_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *path_text = NULL;
    const char *title = NULL;
    bool markdown = false;
    int opt;

    /* We report bad options ourselves, in one line, and exit 2. */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":p:t:mh", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (path_text != NULL)
                usage_error("--path given twice");
            path_text = optarg;
            break;
        case 't':
            title = optarg;
            break;
        case 'm':
            markdown = true;
            break;
        case 'h':
            usage();
            return 0;
        case ':':
            usage_error("%s needs a value", argv[optind - 1]);
            break;
        default:
            /* getopt_long sets optopt for a long option given a value it does not take. */
            if (strncmp(argv[optind - 1], "--", 2) == 0 && optopt != 0)
                usage_error("%s takes no value", argv[optind - 1]);
            if (optopt != 0)
                usage_error("unknown option '-%c'", optopt);
            usage_error("unknown option '%s'", argv[optind - 1]);
            break;
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    if (markdown && (path_text != NULL || title != NULL))
        usage_error("--markdown prints tables; it takes no --path or --title");

    if (markdown) {
        print_markdown();
    } else {
        struct path path = { 0 };
        if (path_text != NULL)
            parse_path(path_text, &path);
        print_dot(title, path_text != NULL ? &path : NULL);
        free(path.boxes);
        free(path.steps);
    }

    /* A full disk or a closed pipe must not pass for a finished figure. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PROGRAM ": writing the output: %s\n", sl_errno_name(errno));
        return 1;
    }
    return 0;
}
