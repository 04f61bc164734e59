/*
 * mutate.c - mechanical mutants of a lab's reference solution, for
 * `make mutate` (harness/mutate/run.sh grades them).
 *
 *   mutate list FILE          one mutant a line: ID <tab> STEP <tab> description
 *   mutate write FILE ID OUT  FILE with mutant ID applied, written to OUT (- : stdout)
 *
 * A mutant is one small mechanical change to the code a student writes, the
 * code between the markers "---- STEP N: title ----" and "---- END STEP N
 * ----"; the given code outside them is never touched. If the grader is
 * strong, every mutant that changes what the code does loses a point.
 *
 * The kinds of change (the short name is part of the mutant's id):
 *   eq     == and != swapped
 *   rel    <, <=, >, >= moved to the neighbour across the boundary
 *   arith  binary + and - swapped (also += and -=)
 *   logic  && and || swapped
 *   bit    binary & and | swapped (also &= and |=)
 *   not    a ! removed
 *   lit    an integer literal plus or minus one
 *   const  a constant swapped for a neighbour of its family (SHUT_WR ->
 *          SHUT_RD, SO_REUSEPORT -> SO_REUSEADDR, ...)
 *   flag   a flag dropped (MSG_NOSIGNAL -> 0, O_NONBLOCK -> 0, ...)
 *   del    a statement that is only a call deleted (close(fd); ...)
 *   swap   two neighbouring arguments of a call swapped
 *   ret    the function returns its success value at once
 *   fail   a statement replaced by the function's failure return (return -1;)
 *
 * It works on tokens, not on a syntax tree: comments, strings, character
 * constants and preprocessor lines are skipped, and a few local rules tell
 * a binary & from an address-of, or a block from a compound literal. A
 * mutant that does not compile is harmless: run.sh counts it "stillborn".
 *
 * A mutant's id must not change when unrelated parts of the file are
 * edited, so the equivalent-mutant lists stay valid: it is a hash of the
 * step number, the kind, the tokens of the mutated line, the tokens of the
 * replaced span, the replacement, and which of the identical candidates it
 * is (the second `return -1;` of step 3, say). Line numbers are not in it.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------ */

static const char *program = "mutate";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (p == NULL)
        die("out of memory");
    return p;
}

/* A growable string. */
struct buf {
    char *s;
    size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_fmt(struct buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("formatting failed");
    buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static char *buf_take(struct buf *b)
{
    char *s = b->s ? b->s : calloc(1, 1);

    if (s == NULL)
        die("out of memory");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct buf b = { 0 };
    char chunk[8192];
    size_t n;

    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    if (ferror(f))
        die("%s: read error", path);
    fclose(f);
    *size = b.len;
    return buf_take(&b);
}

/* ---- tokens ------------------------------------------------------------- */

enum token_kind { TK_IDENT, TK_NUMBER, TK_STRING, TK_CHAR, TK_PUNCT };

struct token {
    enum token_kind kind;
    size_t off, len; /* where it is in the source */
    int line;
    int step;        /* the STEP block it is in; 0 for given code */
    int nesting;     /* open ( [ { around it */
    int braces;      /* open { around it */
    int match;       /* for ( [ { ) ] }: the index of its partner; else -1 */
};

struct source {
    const char *path;
    char *text;
    size_t size;
    struct token *tok;
    int ntok;
};

static const char *src; /* the text being lexed, for tok_is() */

static bool tok_is(const struct token *t, const char *s)
{
    return t->len == strlen(s) && memcmp(src + t->off, s, t->len) == 0;
}

/* The punctuators of C, longest first so the lexer can take the first match. */
static const char *const punctuators[] = {
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=",
    "%=", "+=", "-=", "&=", "^=", "|=", "##",
};

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/*
 * A comment may be a step marker: "---- STEP 3: title ----" opens step 3,
 * "---- END STEP 3 ----" closes it. Returns the step a marker opens, 0 for
 * a marker that closes one, -1 for any other comment.
 */
static int step_marker(const char *body, size_t len)
{
    char text[256];
    int step;

    if (len >= sizeof text)
        return -1;
    memcpy(text, body, len);
    text[len] = '\0';
    if (sscanf(text, " ---- END STEP %d ----", &step) == 1)
        return 0;
    if (sscanf(text, " ---- STEP %d:", &step) == 1 && step > 0)
        return step;
    return -1;
}

static void add_token(struct source *s, enum token_kind kind, size_t off, size_t len, int line, int step)
{
    static int cap;

    if (s->ntok == cap) {
        cap = cap ? cap * 2 : 1024;
        s->tok = xrealloc(s->tok, (size_t)cap * sizeof *s->tok);
    }
    s->tok[s->ntok++] = (struct token){ .kind = kind, .off = off, .len = len, .line = line, .step = step, .match = -1 };
}

static void lex(struct source *s)
{
    const char *t = s->text;
    size_t i = 0, n = s->size;
    int line = 1, step = 0, step_line = 0;
    bool line_start = true; /* only blanks so far on this line */

    while (i < n) {
        char c = t[i];
        if (c == '\n') {
            line++;
            line_start = true;
            i++;
        } else if (isspace((unsigned char)c)) {
            i++;
        } else if (c == '/' && i + 1 < n && t[i + 1] == '*') {
            size_t start = i + 2, end = start;
            while (end + 1 < n && !(t[end] == '*' && t[end + 1] == '/'))
                end++;
            if (end + 1 >= n)
                die("%s:%d: unterminated comment", s->path, line);
            int marker = step_marker(t + start, end - start);
            if (marker > 0) {
                if (step != 0)
                    die("%s:%d: STEP %d opens inside STEP %d (line %d)", s->path, line, marker, step, step_line);
                step = marker;
                step_line = line;
            } else if (marker == 0) {
                if (step == 0)
                    die("%s:%d: END STEP without a STEP", s->path, line);
                step = 0;
            }
            for (size_t k = i; k < end; k++)
                line += t[k] == '\n';
            i = end + 2;
        } else if (c == '/' && i + 1 < n && t[i + 1] == '/') {
            while (i < n && t[i] != '\n')
                i++;
        } else if (c == '#' && line_start) {
            /* A preprocessor line, with its backslash continuations. */
            while (i < n && t[i] != '\n') {
                if (t[i] == '\\' && i + 1 < n && t[i + 1] == '\n') {
                    line++;
                    i++;
                }
                i++;
            }
        } else if (c == '"' || c == '\'') {
            size_t start = i++;
            while (i < n && t[i] != c && t[i] != '\n')
                i += t[i] == '\\' ? 2 : 1;
            if (i >= n || t[i] != c)
                die("%s:%d: unterminated %s", s->path, line, c == '"' ? "string" : "character constant");
            i++;
            add_token(s, c == '"' ? TK_STRING : TK_CHAR, start, i - start, line, step);
            line_start = false;
        } else if (isdigit((unsigned char)c) || (c == '.' && i + 1 < n && isdigit((unsigned char)t[i + 1]))) {
            /* A preprocessing number: digits, letters, dots, and e+ e- p+ p-. */
            size_t start = i++;
            while (i < n && (is_ident_char(t[i]) || t[i] == '.' ||
                             ((t[i] == '+' || t[i] == '-') && strchr("eEpP", t[i - 1]))))
                i++;
            add_token(s, TK_NUMBER, start, i - start, line, step);
            line_start = false;
        } else if (is_ident_char(c)) {
            size_t start = i;
            while (i < n && is_ident_char(t[i]))
                i++;
            add_token(s, TK_IDENT, start, i - start, line, step);
            line_start = false;
        } else {
            size_t len = 1;
            for (size_t k = 0; k < sizeof punctuators / sizeof *punctuators; k++) {
                size_t plen = strlen(punctuators[k]);
                if (strncmp(t + i, punctuators[k], plen) == 0) {
                    len = plen;
                    break;
                }
            }
            add_token(s, TK_PUNCT, i, len, line, step);
            i += len;
            line_start = false;
        }
    }
    if (step != 0)
        die("%s:%d: STEP %d has no END STEP", s->path, step_line, step);
}

/* Pair the brackets and record how deeply each token is nested. */
static void match_brackets(struct source *s)
{
    int *stack = xrealloc(NULL, (size_t)(s->ntok + 1) * sizeof *stack);
    int depth = 0, braces = 0;

    for (int i = 0; i < s->ntok; i++) {
        struct token *t = &s->tok[i];
        t->nesting = depth;
        t->braces = braces;
        if (tok_is(t, "(") || tok_is(t, "[") || tok_is(t, "{")) {
            stack[depth++] = i;
            braces += tok_is(t, "{");
        } else if (tok_is(t, ")") || tok_is(t, "]") || tok_is(t, "}")) {
            if (depth == 0)
                die("%s:%d: unbalanced '%.*s'", s->path, t->line, (int)t->len, src + t->off);
            int open = stack[--depth];
            t->match = open;
            s->tok[open].match = i;
            braces -= tok_is(t, "}");
            t->nesting = depth;
            t->braces = braces;
        }
    }
    if (depth != 0)
        die("%s:%d: unclosed '%.*s'", s->path, s->tok[stack[depth - 1]].line, 1, src + s->tok[stack[depth - 1]].off);
    free(stack);
}

/* ---- what the tokens are -------------------------------------------------- */

static const char *const keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "_Bool", "_Alignof", "_Atomic", "_Static_assert", "bool",
};

/* Keywords that begin a type name (in a cast or a declaration). */
static const char *const type_words[] = {
    "char", "const", "double", "enum", "float", "int", "long", "short", "signed", "struct", "union",
    "unsigned", "void", "volatile", "_Bool", "bool", "static", "register",
};

static bool in_list(const struct token *t, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (tok_is(t, list[k]))
            return true;
    return false;
}

#define IN_LIST(t, list) in_list((t), (list), sizeof(list) / sizeof *(list))

static bool is_keyword(const struct token *t)
{
    return t->kind == TK_IDENT && IN_LIST(t, keywords);
}

static bool is_name(const struct token *t)
{
    return t->kind == TK_IDENT && !is_keyword(t);
}

/* A name that is a type: a type keyword or a typedef spelled name_t. */
static bool is_type_word(const struct token *t)
{
    return t->kind == TK_IDENT && (IN_LIST(t, type_words) || (t->len > 2 && memcmp(src + t->off + t->len - 2, "_t", 2) == 0));
}

static bool is_statement_keyword(const struct token *t)
{
    static const char *const words[] = { "if", "while", "for", "switch" };
    return IN_LIST(t, words);
}

/* Is the ( ... ) from open to close a cast, such as (struct sockaddr *)? */
static bool is_cast(const struct source *s, int open, int close)
{
    if (open > 0) {
        const struct token *before = &s->tok[open - 1];
        if (is_name(before) || tok_is(before, ")") || tok_is(before, "]") || is_keyword(before))
            return false; /* a call, sizeof(...), if (...) */
    }
    if (close == open + 1 || !is_type_word(&s->tok[open + 1]))
        return false;
    for (int k = open + 1; k < close; k++)
        if (s->tok[k].kind != TK_IDENT && !tok_is(&s->tok[k], "*"))
            return false;
    return true;
}

/*
 * Does token i end an operand, so that a + - & | after it is binary?
 * After "x", "3", ")" or "]" it is; after "(", ",", "=", "return" or a
 * cast it is unary.
 */
static bool ends_operand(const struct source *s, int i)
{
    const struct token *t = &s->tok[i];

    if (t->kind == TK_NUMBER || t->kind == TK_STRING || t->kind == TK_CHAR)
        return true;
    if (t->kind == TK_IDENT)
        return !is_keyword(t);
    if (tok_is(t, "]"))
        return true;
    if (tok_is(t, ")")) {
        int open = t->match;
        if (open > 0 && is_statement_keyword(&s->tok[open - 1]))
            return false;
        return !is_cast(s, open, i);
    }
    return false;
}

/* ---- functions and statements ------------------------------------------- */

enum return_kind { RETURNS_VALUE, RETURNS_POINTER, RETURNS_NOTHING };

struct function {
    int name;          /* token index of its name */
    int body, end;     /* its { and } */
    enum return_kind returns;
    char success[64];  /* what "return at once" returns: "0", "NULL", "" */
    char failure[64];  /* its failure return, "-1" or "NULL"; "" if none */
};

static struct function *functions;
static int nfunctions;

static void text_of(const struct source *s, int first, int last, char *out, size_t size);

/* Is the { at token i a function's body? Then record the function. */
static void find_functions(struct source *s)
{
    static int cap;

    for (int i = 1; i < s->ntok; i++) {
        const struct token *t = &s->tok[i];
        if (!tok_is(t, "{") || t->braces != 0 || !tok_is(&s->tok[i - 1], ")"))
            continue;
        int open = s->tok[i - 1].match;
        if (open < 1 || !is_name(&s->tok[open - 1]))
            continue;
        struct function f = { .name = open - 1, .body = i, .end = t->match, .returns = RETURNS_VALUE };
        /* The return type: the names and stars before the function's name. */
        bool has_void = false, has_star = false;
        for (int k = f.name - 1; k >= 0 && (s->tok[k].kind == TK_IDENT || tok_is(&s->tok[k], "*")); k--) {
            has_void |= tok_is(&s->tok[k], "void");
            has_star |= tok_is(&s->tok[k], "*");
        }
        f.returns = has_star ? RETURNS_POINTER : has_void ? RETURNS_NOTHING : RETURNS_VALUE;
        /*
         * Its success value: the last "return LITERAL;" that is not a
         * failure (usually the "return 0;" at the end), else 0 or NULL.
         * Its failure value: -1 or NULL when it returns that somewhere.
         */
        strcpy(f.success, f.returns == RETURNS_POINTER ? "NULL" : f.returns == RETURNS_NOTHING ? "" : "0");
        for (int k = f.body; k < f.end; k++) {
            if (!tok_is(&s->tok[k], "return"))
                continue;
            int semi = k + 1;
            while (semi < f.end && !tok_is(&s->tok[semi], ";"))
                semi++;
            char value[64];
            text_of(s, k + 1, semi - 1, value, sizeof value);
            if (strcmp(value, "-1") == 0 || (strcmp(value, "NULL") == 0 && f.returns == RETURNS_POINTER))
                strcpy(f.failure, value);
            else if (semi == k + 2 && (s->tok[k + 1].kind == TK_NUMBER || tok_is(&s->tok[k + 1], "true") ||
                                       tok_is(&s->tok[k + 1], "false")))
                strcpy(f.success, value);
        }
        if (nfunctions == cap) {
            cap = cap ? cap * 2 : 64;
            functions = xrealloc(functions, (size_t)cap * sizeof *functions);
        }
        functions[nfunctions++] = f;
    }
}

static const struct function *function_at(int i)
{
    for (int k = 0; k < nfunctions; k++)
        if (functions[k].body < i && i < functions[k].end)
            return &functions[k];
    return NULL;
}

/* Is the { at token i a block (not an initializer or compound literal)? */
static bool is_block(const struct source *s, int i)
{
    if (i == 0)
        return false;
    const struct token *before = &s->tok[i - 1];
    if (tok_is(before, ")")) {
        int open = before->match;
        return before->braces == 0 || (open > 0 && is_statement_keyword(&s->tok[open - 1]));
    }
    return tok_is(before, "else") || tok_is(before, "do") || tok_is(before, "{") || tok_is(before, "}") ||
           tok_is(before, ";") || tok_is(before, ":");
}

/* Does a statement begin at token i (inside a function)? */
static bool starts_statement(const struct source *s, int i)
{
    if (i == 0 || s->tok[i].braces == 0)
        return false;
    const struct token *before = &s->tok[i - 1];
    if (tok_is(before, ";"))
        return before->nesting == before->braces; /* not the ; inside for (;;) */
    if (tok_is(before, "{"))
        return is_block(s, i - 1);
    if (tok_is(before, "}"))
        return is_block(s, before->match);
    if (tok_is(before, "else") || tok_is(before, "do"))
        return true;
    if (tok_is(before, ")")) /* the statement after if (...), for (...), while (...) */
        return before->match > 0 && is_statement_keyword(&s->tok[before->match - 1]) &&
               before->nesting == before->braces;
    if (tok_is(before, ":")) { /* after case X: or default: (not the : of ?:) */
        for (int k = i - 2; k >= 0; k--) {
            const struct token *t = &s->tok[k];
            if (tok_is(t, "case") || tok_is(t, "default"))
                return true;
            if (tok_is(t, "?") || tok_is(t, ";") || tok_is(t, "{") || tok_is(t, "}"))
                return false;
        }
    }
    return false;
}

/* The ; that ends the statement starting at token i, or -1. */
static int statement_end(const struct source *s, int i)
{
    for (int k = i; k < s->ntok; k++) {
        const struct token *t = &s->tok[k];
        if (t->match > k)
            k = t->match; /* skip a bracketed part */
        else if (tok_is(t, ";"))
            return k;
        else if (tok_is(t, "}") || tok_is(t, ")") || tok_is(t, "]"))
            return -1;
    }
    return -1;
}

/*
 * An expression statement: a call, an assignment, x++; not a declaration,
 * not if/for/return/break. Starts with a name followed by ( = [ . -> ++ --
 * or an op=, or with * ++ -- or "(void)".
 */
static bool is_expression_statement(const struct source *s, int i, int end)
{
    static const char *const after_name[] = {
        "(", "=", "[", ".", "->", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=",
    };
    const struct token *t = &s->tok[i];

    if (end < 0)
        return false;
    if (is_name(t))
        return !is_type_word(t) && IN_LIST(&s->tok[i + 1], after_name);
    return tok_is(t, "*") || tok_is(t, "++") || tok_is(t, "--") ||
           (tok_is(t, "(") && tok_is(&s->tok[i + 1], "void") && tok_is(&s->tok[i + 2], ")"));
}

/* Is the statement from i to end (its ;) a call and nothing else? */
static bool is_call_statement(const struct source *s, int i, int end)
{
    if (tok_is(&s->tok[i], "(") && tok_is(&s->tok[i + 1], "void") && tok_is(&s->tok[i + 2], ")"))
        i += 3; /* (void)call(...); */
    return is_name(&s->tok[i]) && tok_is(&s->tok[i + 1], "(") && s->tok[i + 1].match == end - 1;
}

/* ---- text for ids and descriptions ------------------------------------------ */

/* Tokens first..last joined by single spaces: a key unchanged by layout. */
static void token_text(const struct source *s, int first, int last, struct buf *out)
{
    for (int k = first; k <= last; k++) {
        if (k > first)
            buf_str(out, " ");
        buf_add(out, src + s->tok[k].off, s->tok[k].len);
    }
}

/* The source text from token first to token last, blanks squeezed, cut to fit size. */
static void text_of(const struct source *s, int first, int last, char *out, size_t size)
{
    size_t n = 0;

    if (first > last) {
        out[0] = '\0';
        return;
    }
    const char *p = src + s->tok[first].off, *e = src + s->tok[last].off + s->tok[last].len;
    for (; p < e && n + 1 < size; p++) {
        if (isspace((unsigned char)*p)) {
            if (n > 0 && out[n - 1] != ' ')
                out[n++] = ' ';
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    if (p < e && size > 4)
        strcpy(out + size - 4, "...");
}

/* The tokens of the line token i is on, as text (cut at 70 characters). */
static void line_of(const struct source *s, int i, char *out, size_t size)
{
    int first = i, last = i;

    while (first > 0 && s->tok[first - 1].line == s->tok[i].line)
        first--;
    while (last + 1 < s->ntok && s->tok[last + 1].line == s->tok[i].line)
        last++;
    text_of(s, first, last, out, size < 71 ? size : 71);
}

/* ---- the mutants ----------------------------------------------------------- */

struct mutant {
    char id[9];
    const char *kind;
    int step, line;
    size_t off, len;   /* the source span replaced */
    char *replacement;
    char *description;
    char *key;         /* what the id is a hash of, without the occurrence */
    int order;         /* when it was made */
};

static struct mutant *mutants;
static int nmutants;

/*
 * Record a mutant: tokens first..last (first > last: an insertion before
 * token first) become replacement.
 */
static void add_mutant_keyed(const struct source *s, const char *kind, int first, int last, const char *replacement,
                             const char *what, const char *key_line)
{
    static int cap;
    const struct token *t = &s->tok[first];
    char line[128];
    struct buf key = { 0 }, desc = { 0 };

    if (t->step == 0 || (last >= first && s->tok[last].step != t->step))
        return; /* given code, or a span leaving the step */
    line_of(s, first, line, sizeof line);
    buf_fmt(&key, "%d|%s|", t->step, kind);
    int lfirst = first, llast = first;
    while (lfirst > 0 && s->tok[lfirst - 1].line == t->line)
        lfirst--;
    while (llast + 1 < s->ntok && s->tok[llast + 1].line == t->line)
        llast++;
    if (key_line != NULL)
        buf_str(&key, key_line);
    else
        token_text(s, lfirst, llast, &key);
    buf_str(&key, "|");
    if (last >= first)
        token_text(s, first, last, &key);
    buf_str(&key, "|");
    buf_str(&key, replacement);

    /* "in `line`" unless what already shows the whole line. */
    if (strstr(what, line) != NULL || last < first)
        buf_fmt(&desc, "step %d, line %d: %s", t->step, t->line, what);
    else
        buf_fmt(&desc, "step %d, line %d: %s in `%s`", t->step, t->line, what, line);

    if (nmutants == cap) {
        cap = cap ? cap * 2 : 256;
        mutants = xrealloc(mutants, (size_t)cap * sizeof *mutants);
    }
    struct mutant *m = &mutants[nmutants++];
    *m = (struct mutant){ .kind = kind, .step = t->step, .line = t->line, .off = t->off, .order = nmutants - 1 };
    m->len = last >= first ? s->tok[last].off + s->tok[last].len - t->off : 0;
    m->replacement = strdup(replacement);
    if (m->replacement == NULL)
        die("out of memory");
    m->description = buf_take(&desc);
    m->key = buf_take(&key);
}

static void add_mutant(const struct source *s, const char *kind, int first, int last, const char *replacement,
                       const char *what)
{
    add_mutant_keyed(s, kind, first, last, replacement, what, NULL);
}

static bool same_text(const struct token *a, const struct token *b)
{
    return a->len == b->len && memcmp(src + a->off, src + b->off, a->len) == 0;
}

/* A one-token change: "`<` -> `<=`", or "the 2nd `0` -> `1`" when the line has two. */
static void replace_token(const struct source *s, const char *kind, int i, const char *replacement)
{
    const struct token *t = &s->tok[i];
    int nth = 1, count = 0;
    char what[160], ordinal[32] = "";

    for (int k = 0; k < s->ntok; k++)
        if (s->tok[k].line == t->line && same_text(&s->tok[k], t)) {
            count++;
            nth += k < i;
        }
    if (count > 1)
        snprintf(ordinal, sizeof ordinal, "the %d%s ", nth, nth == 1 ? "st" : nth == 2 ? "nd" : nth == 3 ? "rd" : "th");
    snprintf(what, sizeof what, "%s`%.*s` -> `%s`", ordinal, (int)t->len, src + t->off, replacement);
    add_mutant(s, kind, i, i, replacement, what);
}

/* Operators and their neighbours. */
static const struct {
    const char *kind, *from, *to;
    bool binary_only; /* + - & | that may be unary */
} operator_swaps[] = {
    { "eq", "==", "!=", false },  { "eq", "!=", "==", false },  { "rel", "<", "<=", false },
    { "rel", "<=", "<", false },  { "rel", ">", ">=", false },   { "rel", ">=", ">", false },
    { "arith", "+", "-", true },  { "arith", "-", "+", true },  { "arith", "+=", "-=", false },
    { "arith", "-=", "+=", false }, { "logic", "&&", "||", false }, { "logic", "||", "&&", false },
    { "bit", "&", "|", true },    { "bit", "|", "&", true },    { "bit", "&=", "|=", false },
    { "bit", "|=", "&=", false },
};

/*
 * Constants and their neighbours: the families of socket constants the
 * labs use, where the wrong member compiles and means something else.
 */
static const struct {
    const char *from, *to;
} constant_swaps[] = {
    { "SHUT_RD", "SHUT_WR" },           { "SHUT_RD", "SHUT_RDWR" },       { "SHUT_WR", "SHUT_RD" },
    { "SHUT_WR", "SHUT_RDWR" },         { "SHUT_RDWR", "SHUT_RD" },       { "SHUT_RDWR", "SHUT_WR" },
    { "SO_REUSEADDR", "SO_REUSEPORT" }, { "SO_REUSEPORT", "SO_REUSEADDR" }, { "AF_INET", "AF_INET6" },
    { "AF_INET6", "AF_INET" },          { "SOCK_STREAM", "SOCK_DGRAM" },  { "SOCK_DGRAM", "SOCK_STREAM" },
    { "SOCK_NONBLOCK", "SOCK_CLOEXEC" }, { "SOCK_CLOEXEC", "SOCK_NONBLOCK" }, { "EPOLLIN", "EPOLLOUT" },
    { "EPOLLOUT", "EPOLLIN" },          { "POLLIN", "POLLOUT" },          { "POLLOUT", "POLLIN" },
    { "EPOLL_CTL_ADD", "EPOLL_CTL_MOD" }, { "EPOLL_CTL_MOD", "EPOLL_CTL_ADD" }, { "EPOLL_CTL_DEL", "EPOLL_CTL_MOD" },
    { "O_RDONLY", "O_WRONLY" },         { "O_WRONLY", "O_RDONLY" },       { "O_RDWR", "O_RDONLY" },
    { "SIGTERM", "SIGKILL" },           { "SIGKILL", "SIGTERM" },         { "SIGINT", "SIGTERM" },
    { "SIGHUP", "SIGTERM" },            { "SIGUSR1", "SIGUSR2" },         { "SOL_SOCKET", "IPPROTO_TCP" },
    { "IPPROTO_TCP", "SOL_SOCKET" },    { "INADDR_LOOPBACK", "INADDR_ANY" }, { "INADDR_ANY", "INADDR_LOOPBACK" },
    { "SO_SNDBUF", "SO_RCVBUF" },       { "SO_RCVBUF", "SO_SNDBUF" },
};

/* Flags whose absence changes behaviour (dropping a CLOEXEC flag does not, without exec). */
static const char *const droppable_flags[] = {
    "O_NONBLOCK", "SOCK_NONBLOCK", "MSG_NOSIGNAL", "MSG_DONTWAIT", "MSG_WAITALL", "MSG_PEEK",
    "EPOLLEXCLUSIVE", "EPOLLET", "WNOHANG", "SA_RESTART",
};

/* An integer literal plus or minus one, in the notation it was written in. */
static void mutate_literal(const struct source *s, int i)
{
    const struct token *t = &s->tok[i];
    char text[64], *end;

    if (t->len >= sizeof text)
        return;
    memcpy(text, src + t->off, t->len);
    text[t->len] = '\0';
    if (strpbrk(text, ".") || ((text[1] != 'x' && text[1] != 'X') && strpbrk(text, "eE")))
        return; /* floating point */
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno != 0 || strspn(end, "uUlL") != strlen(end))
        return;
    bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    bool octal = text[0] == '0' && isdigit((unsigned char)text[1]);
    /* After a binary - or +, a negative number needs parentheses: x - (-1). */
    bool after_sign = i > 0 && (tok_is(&s->tok[i - 1], "-") || tok_is(&s->tok[i - 1], "+"));
    for (int delta = 1; delta >= -1; delta -= 2) {
        char out[80];
        if (delta < 0 && value == 0) {
            snprintf(out, sizeof out, after_sign ? "(-1)" : "-1");
        } else {
            unsigned long long v = value + (unsigned long long)(long long)delta;
            if (hex)
                snprintf(out, sizeof out, "0x%llx%s", v, end);
            else if (octal)
                snprintf(out, sizeof out, "0%llo%s", v, end);
            else
                snprintf(out, sizeof out, "%llu%s", v, end);
        }
        replace_token(s, "lit", i, out);
    }
}

static void generate(const struct source *s)
{
    for (int i = 0; i < s->ntok; i++) {
        const struct token *t = &s->tok[i];
        if (t->step == 0 || t->braces == 0)
            continue; /* given code, or outside any function */

        /* Operators. */
        for (size_t k = 0; k < sizeof operator_swaps / sizeof *operator_swaps; k++)
            if (tok_is(t, operator_swaps[k].from) && (!operator_swaps[k].binary_only || ends_operand(s, i - 1)))
                replace_token(s, operator_swaps[k].kind, i, operator_swaps[k].to);
        if (tok_is(t, "!")) {
            char what[160];
            snprintf(what, sizeof what, "`!` removed");
            add_mutant(s, "not", i, i, "", what);
        }

        /* Literals and constants. */
        if (t->kind == TK_NUMBER)
            mutate_literal(s, i);
        if (t->kind == TK_IDENT && !(i + 1 < s->ntok && tok_is(&s->tok[i + 1], "("))) {
            for (size_t k = 0; k < sizeof constant_swaps / sizeof *constant_swaps; k++)
                if (tok_is(t, constant_swaps[k].from))
                    replace_token(s, "const", i, constant_swaps[k].to);
            if (IN_LIST(t, droppable_flags))
                replace_token(s, "flag", i, "0");
        }

        /* Calls: two neighbouring arguments swapped. */
        if (is_name(t) && i + 1 < s->ntok && tok_is(&s->tok[i + 1], "(") && s->tok[i + 1].match > i + 2) {
            int open = i + 1, close = s->tok[open].match;
            int starts[64], nargs = 0;
            starts[nargs++] = open + 1;
            for (int k = open + 1; k < close && nargs < 63; k++) {
                if (s->tok[k].match > k)
                    k = s->tok[k].match;
                else if (tok_is(&s->tok[k], ","))
                    starts[nargs++] = k + 1;
            }
            starts[nargs] = close + 1; /* so argument a ends at starts[a + 1] - 2 */
            for (int a = 0; a + 1 < nargs; a++) {
                int a1 = starts[a], e1 = starts[a + 1] - 2, a2 = starts[a + 1], e2 = starts[a + 2] - 2;
                struct buf r = { 0 }, one = { 0 }, two = { 0 };
                token_text(s, a1, e1, &one);
                token_text(s, a2, e2, &two);
                if (strcmp(one.s, two.s) != 0) {
                    char what[200];
                    /* Keep the original spelling of both arguments and what lies between. */
                    buf_add(&r, src + s->tok[a2].off, s->tok[e2].off + s->tok[e2].len - s->tok[a2].off);
                    buf_add(&r, src + s->tok[e1].off + s->tok[e1].len, s->tok[a2].off - s->tok[e1].off - s->tok[e1].len);
                    buf_add(&r, src + s->tok[a1].off, s->tok[e1].off + s->tok[e1].len - s->tok[a1].off);
                    snprintf(what, sizeof what, "arguments %d and %d of `%.*s()` swapped", a + 1, a + 2,
                             (int)t->len, src + t->off);
                    add_mutant(s, "swap", a1, e2, r.s, what);
                }
                free(r.s);
                free(one.s);
                free(two.s);
            }
        }

        /* Statements: a call deleted; a statement replaced by the failure return. */
        if (starts_statement(s, i)) {
            int end = statement_end(s, i);
            const struct function *f = function_at(i);
            if (f != NULL && is_expression_statement(s, i, end)) {
                char stmt[96], what[200];
                text_of(s, i, end, stmt, sizeof stmt);
                if (is_call_statement(s, i, end)) {
                    snprintf(what, sizeof what, "call deleted: `%s`", stmt);
                    add_mutant(s, "del", i, end, ";", what);
                }
                if (f->failure[0] != '\0') {
                    char ret[80];
                    snprintf(ret, sizeof ret, "return %s;", f->failure);
                    snprintf(what, sizeof what, "`%s` replaces `%s`", ret, stmt);
                    add_mutant(s, "fail", i, end, ret, what);
                }
            }
        }
    }

    /* Each function written in a step returns its success value at once. */
    for (int k = 0; k < nfunctions; k++) {
        const struct function *f = &functions[k];
        int first = f->body + 1;
        if (s->tok[f->body].step == 0 || first >= f->end)
            continue;
        char ret[80], what[200];
        snprintf(ret, sizeof ret, f->returns == RETURNS_NOTHING ? "return; " : "return %s; ", f->success);
        snprintf(what, sizeof what, "`%.*s` inserted at the start of %.*s()", (int)strlen(ret) - 1, ret,
                 (int)s->tok[f->name].len, src + s->tok[f->name].off);
        /* Keyed by the function's name: its first line may change. */
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)s->tok[f->name].len, src + s->tok[f->name].off);
        add_mutant_keyed(s, "ret", first, first - 1, ret, what, name);
    }
}

/* File order; mutants of one place in the order they were made. */
static int by_place(const void *a, const void *b)
{
    const struct mutant *x = a, *y = b;

    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->order - y->order;
}

/* FNV-1a, 64 bits: short, stable, and good enough to tell a few thousand keys apart. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3u;
    }
    return h;
}

/*
 * Give every mutant its id: the hash of its key and of how many mutants
 * before it had the same key. Two different keys with one id would make
 * ids ambiguous: that stops the program (make the id longer then).
 */
static void assign_ids(const struct source *s)
{
    qsort(mutants, (size_t)nmutants, sizeof *mutants, by_place);
    for (int k = 0; k < nmutants; k++) {
        int occurrence = 0;
        for (int j = 0; j < k; j++)
            occurrence += strcmp(mutants[j].key, mutants[k].key) == 0;
        struct buf key = { 0 };
        buf_fmt(&key, "%s|%d", mutants[k].key, occurrence);
        uint64_t h = fnv1a(key.s);
        snprintf(mutants[k].id, sizeof mutants[k].id, "%08" PRIx32, (uint32_t)(h ^ (h >> 32)));
        free(key.s);
        for (int j = 0; j < k; j++)
            if (strcmp(mutants[j].id, mutants[k].id) == 0)
                die("%s: two mutants share the id %s (lines %d and %d)", s->path, mutants[k].id, mutants[j].line,
                    mutants[k].line);
    }
}

/* ---- commands ---------------------------------------------------------------- */

static void load(struct source *s, const char *path)
{
    s->path = path;
    s->text = read_file(path, &s->size);
    src = s->text;
    lex(s);
    match_brackets(s);
    find_functions(s);
    generate(s);
    assign_ids(s);
}

static int usage(void)
{
    fprintf(stderr, "usage: %s list FILE | %s write FILE ID OUT\n", program, program);
    return 2;
}

int main(int argc, char **argv)
{
    struct source s = { 0 };

    if (argc == 3 && strcmp(argv[1], "list") == 0) {
        load(&s, argv[2]);
        for (int k = 0; k < nmutants; k++)
            printf("%s\t%d\t%s\n", mutants[k].id, mutants[k].step, mutants[k].description);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "write") == 0) {
        load(&s, argv[2]);
        for (int k = 0; k < nmutants; k++) {
            const struct mutant *m = &mutants[k];
            if (strcmp(m->id, argv[3]) != 0)
                continue;
            FILE *out = strcmp(argv[4], "-") == 0 ? stdout : fopen(argv[4], "w");
            if (out == NULL)
                die("%s: %s", argv[4], strerror(errno));
            fwrite(s.text, 1, m->off, out);
            fputs(m->replacement, out);
            fwrite(s.text + m->off + m->len, 1, s.size - m->off - m->len, out);
            if (ferror(out) || (out != stdout && fclose(out) != 0))
                die("%s: write error", argv[4]);
            return 0;
        }
        die("%s: no mutant %s", argv[2], argv[3]);
    }
    return usage();
}
