/* cli_filter.c: the --field name map, the filter syntax compiler (a hand-written tokenizer and
 * recursive-descent parser emitting postfix through the rvf_filter builder) and the renderer back
 * to text. The grammar and the message format are in cli_filter.h.
 *
 * The parser mirrors the builder's stack accounting (depth and node count) so that a limit of the
 * format is reported at the token that crosses it, instead of as a bare FILTER_PARSE_ERROR from
 * rvf_filter_finish. */
#include "cli_filter.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

enum {
    FLT_MAX_STACK = 16,    /* FORMAT.md FILTER_MAX_DEPTH */
    FLT_MAX_NODES = 65535, /* node_count is a u16 */
    FLT_MAX_SET = 65535,   /* IN_SET set_size is a u16 */
    FLT_MAX_STR = 65535,   /* LIT_STR len is a u16 */
    FLT_MAX_NEST = 200,    /* parentheses and "not"s: bounds the parser's recursion */
    FLT_SHOW = 32          /* bytes of an offending token shown in a message */
};

/* Token codes of FORMAT.md that rvf.h does not name (literals and FIELD_REF). */
enum {
    TOK_FIELD_REF = 0x01,
    TOK_LIT_U32 = 0x02,
    TOK_LIT_U64 = 0x03,
    TOK_LIT_F32 = 0x04,
    TOK_LIT_STR = 0x05,
    TOK_LIT_BOOL = 0x06,
    TOK_LIT_NULL = 0x07,
    TOK_LIT_I64 = 0x08,
    TOK_LIT_F64 = 0x09
};

static void msg(char *out, size_t outlen, const char *fmt, ...) CLI_PRINTF(3, 4);
static void msg(char *out, size_t outlen, const char *fmt, ...)
{
    if (!out || outlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
}

static bool is_name_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}
static bool is_name_char(unsigned char c)
{
    return is_name_start(c) || is_digit(c) || c == '.' || c == '-';
}

/* Case-insensitive: does text[0..len) spell the lower-case keyword kw? */
static bool kw_eq(const char *text, size_t len, const char *kw)
{
    size_t i = 0;
    for (; i < len && kw[i]; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)kw[i])
            return false;
    }
    return i == len && kw[i] == 0;
}

static const char *const flt_keywords[] = {"and",      "or", "not",  "in",   "between", "prefix",
                                           "contains", "is", "null", "true", "false"};

static bool is_keyword(const char *text, size_t len)
{
    for (size_t i = 0; i < sizeof flt_keywords / sizeof flt_keywords[0]; i++)
        if (kw_eq(text, len, flt_keywords[i]))
            return true;
    return false;
}

/* ---- field map ------------------------------------------------------------------------------ */

void cli_fields_init(cli_field_map *m)
{
    memset(m, 0, sizeof *m);
}

void cli_fields_free(cli_field_map *m)
{
    if (!m)
        return;
    free(m->fields);
    cli_fields_init(m);
}

/* Decimal 0..65535 in text[0..len), nothing else. */
static bool parse_id(const char *text, size_t len, uint16_t *id)
{
    if (len == 0 || len > 5)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit((unsigned char)text[i]))
            return false;
        v = v * 10 + (uint32_t)(text[i] - '0');
    }
    if (v > 65535)
        return false;
    *id = (uint16_t)v;
    return true;
}

static const cli_field *fields_find(const cli_field_map *m, const char *name, size_t len)
{
    for (size_t i = 0; m && i < m->n; i++)
        if (strlen(m->fields[i].name) == len && memcmp(m->fields[i].name, name, len) == 0)
            return &m->fields[i];
    return NULL;
}

int cli_fields_add(cli_field_map *m, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq) {
        msg(err, errlen, "--field '%s': expected NAME=ID (e.g. --field year=3)", spec);
        return -1;
    }
    size_t nlen = (size_t)(eq - spec);
    bool ok = nlen > 0 && nlen < sizeof m->fields[0].name && is_name_start((unsigned char)spec[0]);
    for (size_t i = 1; ok && i < nlen; i++)
        ok = is_name_char((unsigned char)spec[i]);
    if (!ok) {
        msg(err, errlen,
            "--field '%s': bad name '%.*s' (1 to 63 of A-Z a-z 0-9 _ . -, not starting with a "
            "digit, '.' or '-')",
            spec, (int)(nlen > 63 ? 63 : nlen), spec);
        return -1;
    }
    uint16_t id;
    if (!parse_id(eq + 1, strlen(eq + 1), &id)) {
        msg(err, errlen, "--field '%s': the id must be an integer 0..65535, found '%s'", spec,
            eq + 1);
        return -1;
    }
    const cli_field *old = fields_find(m, spec, nlen);
    if (old) {
        if (old->id == id)
            return 0;
        msg(err, errlen, "--field '%s': '%s' is already bound to id %u", spec, old->name,
            (unsigned)old->id);
        return -1;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        cli_field *p = realloc(m->fields, cap * sizeof *p);
        if (!p) {
            msg(err, errlen, "--field '%s': out of memory", spec);
            return -1;
        }
        m->fields = p;
        m->cap = cap;
    }
    cli_field *f = &m->fields[m->n++];
    memset(f, 0, sizeof *f);
    memcpy(f->name, spec, nlen);
    f->id = id;
    return 0;
}

int cli_fields_resolve(const cli_field_map *m, const char *text, size_t len, uint16_t *id)
{
    if (len > 0 && text[0] == '#')
        return parse_id(text + 1, len - 1, id) ? 0 : -1;
    const cli_field *f = fields_find(m, text, len);
    if (!f)
        return -1;
    *id = f->id;
    return 0;
}

const char *cli_fields_name(const cli_field_map *m, uint16_t id)
{
    for (size_t i = 0; m && i < m->n; i++)
        if (m->fields[i].id == id)
            return m->fields[i].name;
    return NULL;
}

/* ---- tokenizer ------------------------------------------------------------------------------ */

typedef enum ftok_kind {
    FT_END,
    FT_NAME,   /* a field name or a keyword */
    FT_ID,     /* "#" followed by name characters (checked by the parser) */
    FT_INT,    /* [+-]digits */
    FT_FLOAT,  /* a number with "." or an exponent */
    FT_STRING, /* quoted; decoded by the parser */
    FT_LPAREN,
    FT_RPAREN,
    FT_COMMA,
    FT_OP /* one of = == != < <= > >= (op holds the RVF_FILTER_ code) */
} ftok_kind;

typedef struct ftok {
    ftok_kind kind;
    size_t off, len;
    uint8_t op;
} ftok;

typedef struct fparser {
    const char *text;
    size_t len, pos; /* pos: where the tokenizer continues after `tok` */
    ftok tok;
    const cli_field_map *fields;
    rvf_filter *f;
    char *err;
    size_t errlen;
    bool failed;
    unsigned sd;    /* simulated stack depth, as the builder counts it */
    uint32_t nodes; /* tokens emitted */
    unsigned nest;  /* parser recursion through "(" and "not" */
    uint8_t *arena; /* decoded string bytes: never more than the text's length in total */
    size_t arena_used;
    rvf_value *set; /* literals of the "in" list being parsed */
    size_t set_cap;
} fparser;

/* The 1-based column of byte offset off, in characters (UTF-8 continuation bytes do not count). */
static size_t column_of(const char *text, size_t off)
{
    size_t col = 1;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            col++;
    return col;
}

/* Report "filter: column C: <what>, found '<text[off..off+n)>'" (once: the first error wins). */
static void fail_at(fparser *p, size_t off, size_t n, const char *fmt, ...) CLI_PRINTF(4, 5);
static void fail_at(fparser *p, size_t off, size_t n, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err || p->errlen == 0)
        return;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (off >= p->len || n == 0) {
        msg(p->err, p->errlen, "filter: column %zu: %s, found end of input",
            column_of(p->text, p->len), what);
        return;
    }
    size_t show = n;
    const char *more = "";
    if (show > FLT_SHOW) {
        show = FLT_SHOW;
        while (show > 0 && ((unsigned char)p->text[off + show] & 0xC0) == 0x80)
            show--; /* do not cut a UTF-8 sequence */
        more = "...";
    }
    msg(p->err, p->errlen, "filter: column %zu: %s, found '%.*s%s'", column_of(p->text, off), what,
        (int)show, p->text + off, more);
}

static void fail_tok(fparser *p, const char *what)
{
    fail_at(p, p->tok.off, p->tok.kind == FT_END ? 0 : p->tok.len, "%s", what);
}

/* Scan the token at p->pos into p->tok. */
static void lex(fparser *p)
{
    const char *t = p->text;
    size_t i = p->pos;
    while (i < p->len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    ftok k = {FT_END, i, 0, 0};
    if (i >= p->len) {
        p->tok = k;
        p->pos = i;
        return;
    }
    unsigned char c = (unsigned char)t[i];
    size_t j = i + 1;
    if (c == '(' || c == ')' || c == ',') {
        k.kind = c == '(' ? FT_LPAREN : c == ')' ? FT_RPAREN : FT_COMMA;
    } else if (c == '"' || c == '\'') {
        while (j < p->len && t[j] != (char)c)
            j += t[j] == '\\' && j + 1 < p->len ? 2 : 1;
        if (j >= p->len) {
            fail_at(p, i, p->len - i, "unterminated string (missing the closing %c)", c);
            p->tok = k;
            return;
        }
        j++;
        k.kind = FT_STRING;
    } else if (is_name_start(c)) {
        while (j < p->len && is_name_char((unsigned char)t[j]))
            j++;
        k.kind = FT_NAME;
    } else if (c == '#') {
        while (j < p->len && is_name_char((unsigned char)t[j]))
            j++;
        k.kind = FT_ID;
    } else if (is_digit(c) || ((c == '-' || c == '+' || c == '.') && i + 1 < p->len &&
                               (is_digit((unsigned char)t[i + 1]) ||
                                (c != '.' && t[i + 1] == '.' && i + 2 < p->len &&
                                 is_digit((unsigned char)t[i + 2]))))) {
        /* [+-] digits [. digits] [e [+-] digits]; anything glued on makes it malformed */
        size_t d = i + (c == '-' || c == '+');
        size_t int_digits = 0, frac_digits = 0, exp_digits = 0;
        bool dot = false, exp = false;
        while (d < p->len && is_digit((unsigned char)t[d]))
            d++, int_digits++;
        if (d < p->len && t[d] == '.') {
            dot = true;
            d++;
            while (d < p->len && is_digit((unsigned char)t[d]))
                d++, frac_digits++;
        }
        if (d < p->len && (t[d] == 'e' || t[d] == 'E')) {
            exp = true;
            d++;
            if (d < p->len && (t[d] == '+' || t[d] == '-'))
                d++;
            while (d < p->len && is_digit((unsigned char)t[d]))
                d++, exp_digits++;
        }
        j = d;
        while (j < p->len && (is_name_char((unsigned char)t[j]) || t[j] == '+'))
            j++;
        if (j != d || int_digits + frac_digits == 0 || (exp && exp_digits == 0)) {
            fail_at(p, i, j - i, "malformed number");
            p->tok = k;
            return;
        }
        k.kind = dot || exp ? FT_FLOAT : FT_INT;
    } else if (c == '=' || c == '!' || c == '<' || c == '>' || c == '~' || c == '&' || c == '|') {
        while (j < p->len && strchr("=!<>~&|", t[j]))
            j++;
        size_t n = j - i;
        const char *s = t + i;
        k.kind = FT_OP;
        if ((n == 1 && c == '=') || (n == 2 && memcmp(s, "==", 2) == 0))
            k.op = RVF_FILTER_EQ;
        else if (n == 2 && memcmp(s, "!=", 2) == 0)
            k.op = RVF_FILTER_NE;
        else if (n == 1 && c == '<')
            k.op = RVF_FILTER_LT;
        else if (n == 2 && memcmp(s, "<=", 2) == 0)
            k.op = RVF_FILTER_LE;
        else if (n == 1 && c == '>')
            k.op = RVF_FILTER_GT;
        else if (n == 2 && memcmp(s, ">=", 2) == 0)
            k.op = RVF_FILTER_GE;
        else if (n == 2 && (memcmp(s, "&&", 2) == 0 || memcmp(s, "||", 2) == 0))
            fail_at(p, i, n, "unknown operator (write '%s')", c == '&' ? "and" : "or");
        else if (n == 1 && c == '!')
            fail_at(p, i, n, "unknown operator (write 'not', or '!=' to compare)");
        else
            fail_at(p, i, n, "unknown operator (use = == != < <= > >=)");
    } else {
        if (c >= 0x80)
            while (j < p->len && ((unsigned char)t[j] & 0xC0) == 0x80)
                j++;
        fail_at(p, i, j - i, "unexpected character");
    }
    if (p->failed) {
        p->tok = k;
        return;
    }
    k.len = j - i;
    p->tok = k;
    p->pos = j;
}

static bool tok_is(const fparser *p, const char *kw)
{
    return p->tok.kind == FT_NAME && kw_eq(p->text + p->tok.off, p->tok.len, kw);
}

/* ---- literals ------------------------------------------------------------------------------- */

static int hexval(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode the current FT_STRING token into the arena. */
static bool decode_string(fparser *p, rvf_value *v)
{
    const char *t = p->text + p->tok.off;
    size_t n = p->tok.len - 1, i = 1;
    uint8_t *out = p->arena + p->arena_used, *o = out;
    while (i < n) {
        unsigned char c = (unsigned char)t[i];
        if (c != '\\') {
            *o++ = c;
            i++;
            continue;
        }
        unsigned char e = (unsigned char)t[i + 1];
        int h1 = -1, h2 = -1;
        switch (e) {
        case '"':
        case '\'':
        case '\\':
            *o++ = e;
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 'x':
            h1 = i + 2 < n ? hexval((unsigned char)t[i + 2]) : -1;
            h2 = i + 3 < n ? hexval((unsigned char)t[i + 3]) : -1;
            if (h1 < 0 || h2 < 0) {
                size_t shown = 2;
                while (shown < 4 && i + shown < n && hexval((unsigned char)t[i + shown]) >= 0)
                    shown++;
                fail_at(p, p->tok.off + i, shown,
                        "bad escape in string (\\x takes two hex digits)");
                return false;
            }
            *o++ = (uint8_t)(h1 * 16 + h2);
            i += 2;
            break;
        default: {
            size_t shown = 2;
            while (i + shown < n && ((unsigned char)t[i + shown] & 0xC0) == 0x80)
                shown++;
            fail_at(p, p->tok.off + i, shown,
                    "bad escape in string (use \\\" \\' \\\\ \\n \\t \\r or \\xHH)");
            return false;
        }
        }
        i += 2;
    }
    size_t len = (size_t)(o - out);
    if (len > FLT_MAX_STR) {
        fail_tok(p, "string longer than 65535 bytes (the format's limit)");
        return false;
    }
    p->arena_used += len;
    memset(v, 0, sizeof *v);
    v->type = RVF_VALUE_STRING;
    v->v.bytes.ptr = out;
    v->v.bytes.len = (uint32_t)len;
    return true;
}

static bool decode_int(fparser *p, rvf_value *v)
{
    const char *t = p->text + p->tok.off;
    size_t n = p->tok.len, i = 0;
    bool neg = t[0] == '-';
    if (t[0] == '-' || t[0] == '+')
        i++;
    uint64_t mag = 0;
    bool over = false;
    for (; i < n; i++) {
        uint64_t d = (uint64_t)(t[i] - '0');
        if (mag > (UINT64_MAX - d) / 10)
            over = true;
        else
            mag = mag * 10 + d;
    }
    if (neg && mag > (uint64_t)1 << 63)
        over = true;
    if (over) {
        fail_tok(p, "integer out of range (u64 up to 18446744073709551615, negative down to "
                    "-9223372036854775808; write a decimal point for a float)");
        return false;
    }
    memset(v, 0, sizeof *v);
    if (neg && mag != 0) {
        v->type = RVF_VALUE_I64;
        /* two's complement negation of the magnitude: exact for -2^63 too */
        v->v.u64 = (uint64_t)0 - mag;
    } else {
        v->type = RVF_VALUE_U64;
        v->v.u64 = mag;
    }
    return true;
}

static bool decode_float(fparser *p, rvf_value *v)
{
    char buf[400];
    if (p->tok.len >= sizeof buf) {
        fail_tok(p, "number too long");
        return false;
    }
    memcpy(buf, p->text + p->tok.off, p->tok.len);
    buf[p->tok.len] = 0;
    errno = 0;
    char *end = NULL;
    double d = strtod(buf, &end);
    if (end != buf + p->tok.len) {
        fail_tok(p, "malformed number");
        return false;
    }
    if (isinf(d)) {
        fail_tok(p, "number out of range of a 64-bit float");
        return false;
    }
    memset(v, 0, sizeof *v);
    v->type = RVF_VALUE_F64;
    v->v.f64 = d;
    return true;
}

static const char *kind_hint(const fparser *p)
{
    switch (p->tok.kind) {
    case FT_NAME:
        return " (strings need quotes)";
    default:
        return "";
    }
}

/* A literal at the current token; consumes it. `after` names what it follows, for messages. */
static bool parse_literal(fparser *p, rvf_value *v, const char *after)
{
    char what[160];
    bool ok = true;
    switch (p->tok.kind) {
    case FT_INT:
        ok = decode_int(p, v);
        break;
    case FT_FLOAT:
        ok = decode_float(p, v);
        break;
    case FT_STRING:
        ok = decode_string(p, v);
        break;
    case FT_NAME:
        memset(v, 0, sizeof *v);
        if (tok_is(p, "true") || tok_is(p, "false")) {
            v->type = RVF_VALUE_BOOL;
            v->v.boolean = tok_is(p, "true");
            break;
        }
        if (tok_is(p, "null")) {
            v->type = RVF_VALUE_NULL;
            break;
        }
        /* fall through */
    default:
        snprintf(what, sizeof what, "expected a value after %s%s", after, kind_hint(p));
        fail_tok(p, what);
        return false;
    }
    if (!ok)
        return false;
    lex(p);
    return !p->failed;
}

/* ---- parser --------------------------------------------------------------------------------- */

/* Account for `nodes` tokens that first reach `peak` values above the current depth and leave
 * `net` (the builder's counts), reporting a limit at the token at `off`. */
static bool account(fparser *p, size_t off, size_t n, unsigned peak, int net, uint32_t nodes)
{
    if (p->sd + peak > FLT_MAX_STACK) {
        fail_at(p, off, n, "expression nests too deeply (the format allows a stack of 16)");
        return false;
    }
    if (p->nodes + nodes > FLT_MAX_NODES) {
        fail_at(p, off, n, "expression too long (the format allows 65535 nodes)");
        return false;
    }
    p->sd = (unsigned)((int)p->sd + net);
    p->nodes += nodes;
    return true;
}

static bool parse_or(fparser *p);

/* field ( OP literal | in (...) | between a and b | prefix s | contains s | is [not] null ) */
static bool parse_cmp(fparser *p)
{
    ftok ft = p->tok;
    const char *ftext = p->text + ft.off;
    uint16_t id = 0;
    char what[200];
    switch (ft.kind) {
    case FT_ID:
        if (cli_fields_resolve(p->fields, ftext, ft.len, &id) != 0) {
            fail_tok(p, "bad field id (write #0 to #65535)");
            return false;
        }
        break;
    case FT_NAME:
        if (cli_fields_resolve(p->fields, ftext, ft.len, &id) == 0)
            break;
        if (tok_is(p, "true") || tok_is(p, "false") || tok_is(p, "null"))
            fail_tok(p, "expected a field name or #ID before the operator (e.g. year >= 2020)");
        else if (is_keyword(ftext, ft.len))
            fail_tok(p, "expected a condition (field OP value), a field name or #ID");
        else {
            snprintf(what, sizeof what,
                     "unknown field name (bind it with --field %.*s=ID, or write #ID)",
                     (int)(ft.len > 63 ? 63 : ft.len), ftext);
            fail_tok(p, what);
        }
        return false;
    case FT_INT:
    case FT_FLOAT:
    case FT_STRING:
        fail_tok(p, "expected a field name or #ID before the operator (e.g. year >= 2020)");
        return false;
    default:
        fail_tok(p, "expected a condition (field OP value)");
        return false;
    }
    lex(p);
    if (p->failed)
        return false;
    ftok opt = p->tok;
    char after[80];
    snprintf(after, sizeof after, "'%.*s'", (int)(opt.len > 40 ? 40 : opt.len), p->text + opt.off);
    rvf_value lit, hi;
    if (opt.kind == FT_OP) {
        lex(p);
        if (p->failed || !parse_literal(p, &lit, after))
            return false;
        if (!account(p, ft.off, ft.len, 2, 1, 3))
            return false;
        rvf_filter_cmp(p->f, id, opt.op, &lit);
        return true;
    }
    if (tok_is(p, "prefix") || tok_is(p, "contains")) {
        uint8_t op = tok_is(p, "prefix") ? RVF_FILTER_PREFIX : RVF_FILTER_CONTAINS;
        lex(p);
        if (p->failed)
            return false;
        if (p->tok.kind != FT_STRING) {
            snprintf(what, sizeof what, "expected a quoted string after %s", after);
            fail_tok(p, what);
            return false;
        }
        if (!parse_literal(p, &lit, after) || !account(p, ft.off, ft.len, 2, 1, 3))
            return false;
        rvf_filter_cmp(p->f, id, op, &lit);
        return true;
    }
    if (tok_is(p, "is")) {
        lex(p);
        bool negate = !p->failed && tok_is(p, "not");
        if (negate)
            lex(p);
        if (p->failed)
            return false;
        if (!tok_is(p, "null")) {
            fail_tok(p, negate ? "expected 'null' after 'is not'"
                               : "expected 'null' or 'not null' after 'is'");
            return false;
        }
        lex(p);
        if (p->failed || !account(p, ft.off, ft.len, 2, 1, 3))
            return false;
        memset(&lit, 0, sizeof lit);
        lit.type = RVF_VALUE_NULL;
        rvf_filter_cmp(p->f, id, negate ? RVF_FILTER_NE : RVF_FILTER_EQ, &lit);
        return true;
    }
    if (tok_is(p, "between")) {
        lex(p);
        if (p->failed || !parse_literal(p, &lit, "'between' (half-open: lo <= x < hi)"))
            return false;
        if (!tok_is(p, "and")) {
            fail_tok(p, "expected 'and' between the bounds of 'between' (half-open: lo <= x < hi)");
            return false;
        }
        lex(p);
        if (p->failed || !parse_literal(p, &hi, "'between ... and' (half-open: lo <= x < hi)"))
            return false;
        if (!account(p, ft.off, ft.len, 3, 1, 7))
            return false;
        rvf_filter_range(p->f, id, &lit, &hi);
        return true;
    }
    if (tok_is(p, "in")) {
        lex(p);
        if (p->failed)
            return false;
        if (p->tok.kind != FT_LPAREN) {
            fail_tok(p, "expected '(' after 'in' (e.g. lang in (\"en\", \"de\"))");
            return false;
        }
        size_t lparen = p->tok.off;
        lex(p);
        size_t n = 0;
        while (!p->failed && p->tok.kind != FT_RPAREN) {
            if (n == FLT_MAX_SET) {
                fail_tok(p, "too many values in the list (the format allows 65535)");
                return false;
            }
            if (n == p->set_cap) {
                size_t cap = p->set_cap ? p->set_cap * 2 : 16;
                rvf_value *s = realloc(p->set, cap * sizeof *s);
                if (!s) {
                    fail_tok(p, "out of memory");
                    return false;
                }
                p->set = s;
                p->set_cap = cap;
            }
            if (!parse_literal(p, &p->set[n], n ? "','" : "'in ('"))
                return false;
            n++;
            if (p->tok.kind == FT_COMMA) {
                lex(p);
                if (!p->failed && p->tok.kind == FT_RPAREN) {
                    fail_tok(p, "expected a value after ','");
                    return false;
                }
            } else if (p->tok.kind != FT_RPAREN) {
                snprintf(what, sizeof what,
                         "expected ',' or ')' in the list of 'in' opened at column %zu",
                         column_of(p->text, lparen));
                fail_tok(p, what);
                return false;
            }
        }
        if (p->failed)
            return false;
        lex(p);
        if (p->failed || !account(p, ft.off, ft.len, 1, 1, 2))
            return false;
        rvf_filter_field(p->f, id);
        rvf_filter_in(p->f, p->set, (uint16_t)n);
        return true;
    }
    snprintf(what, sizeof what,
             "expected an operator after '%.*s' (= == != < <= > >= in between prefix contains "
             "is)",
             (int)(ft.len > 40 ? 40 : ft.len), ftext);
    fail_tok(p, what);
    return false;
}

static bool parse_not(fparser *p)
{
    if (tok_is(p, "not") || p->tok.kind == FT_LPAREN) {
        if (++p->nest > FLT_MAX_NEST) {
            fail_tok(p, "expression nests too deeply (more than 200 parentheses or 'not's)");
            return false;
        }
        bool ok;
        if (p->tok.kind == FT_LPAREN) {
            size_t open = p->tok.off;
            lex(p);
            ok = !p->failed && parse_or(p);
            if (ok && p->tok.kind != FT_RPAREN) {
                char what[120];
                snprintf(what, sizeof what, "expected ')' to close the '(' at column %zu",
                         column_of(p->text, open));
                fail_tok(p, what);
                ok = false;
            }
            if (ok)
                lex(p);
        } else {
            ftok t = p->tok;
            lex(p);
            ok = !p->failed && parse_not(p) && account(p, t.off, t.len, 0, 0, 1);
            if (ok)
                rvf_filter_op(p->f, RVF_FILTER_NOT);
        }
        p->nest--;
        return ok && !p->failed;
    }
    return parse_cmp(p);
}

static bool parse_and(fparser *p)
{
    if (!parse_not(p))
        return false;
    while (tok_is(p, "and")) {
        ftok t = p->tok;
        lex(p);
        if (p->failed || !parse_not(p) || !account(p, t.off, t.len, 0, -1, 1))
            return false;
        rvf_filter_op(p->f, RVF_FILTER_AND);
    }
    return true;
}

static bool parse_or(fparser *p)
{
    if (!parse_and(p))
        return false;
    while (tok_is(p, "or")) {
        ftok t = p->tok;
        lex(p);
        if (p->failed || !parse_and(p) || !account(p, t.off, t.len, 0, -1, 1))
            return false;
        rvf_filter_op(p->f, RVF_FILTER_OR);
    }
    return true;
}

int cli_filter_compile(const char *text, const cli_field_map *fields, rvf_filter *f, char *err,
                       size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    fparser p;
    memset(&p, 0, sizeof p);
    p.text = text ? text : "";
    p.len = strlen(p.text);
    p.fields = fields;
    p.f = f;
    p.err = err;
    p.errlen = errlen;
    p.arena = malloc(p.len + 1);
    if (!p.arena) {
        msg(err, errlen, "filter: out of memory");
        return -1;
    }
    lex(&p);
    if (!p.failed && p.tok.kind == FT_END)
        fail_tok(&p, "empty filter (write a condition such as year >= 2020)");
    if (!p.failed && parse_or(&p) && p.tok.kind != FT_END)
        fail_tok(&p, p.tok.kind == FT_RPAREN ? "unbalanced ')' (no '(' to close)"
                                             : "expected 'and', 'or' or the end of the filter");
    free(p.arena);
    free(p.set);
    if (p.failed)
        return -1;
    rvf_status st = rvf_filter_finish(f);
    if (st != RVF_OK) {
        msg(err, errlen, "filter: cannot encode the expression: %s", rvf_strerror(st));
        return -1;
    }
    return 0;
}

/* ---- describe ------------------------------------------------------------------------------- */

/* Precedence of a rendered operand: what it needs parentheses against. */
enum { PR_OR = 1, PR_AND = 2, PR_NOT = 3, PR_CMP = 4, PR_ATOM = 5 };

typedef struct dentry {
    char *s;
    size_t len, cap;
    int prec;
    bool is_field; /* a FIELD_REF */
    uint16_t field;
    /* for a comparison "FIELD OP literal": the operator and where the literal's text starts */
    uint8_t cmp_op;
    bool cmp_field_lit;
    size_t rhs_off;
} dentry;

typedef struct dbuf {
    char *s;
    size_t len, cap;
    bool oom;
} dbuf;

static void db_put(dbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = realloc(b->s, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->s = q;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void db_str(dbuf *b, const char *s)
{
    db_put(b, s, strlen(s));
}

static void db_fmt(dbuf *b, const char *fmt, ...) CLI_PRINTF(2, 3);
static void db_fmt(dbuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        db_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

/* Length of a valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
    size_t k = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (s[0] >= 0xF5 || k == 0 || k > n)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((k == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (k == 3 && s[0] == 0xED && s[1] >= 0xA0) ||
        (k == 4 && s[0] == 0xF0 && s[1] < 0x90) || (k == 4 && s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return k;
}

static void db_quoted(dbuf *b, const uint8_t *s, size_t n)
{
    db_put(b, "\"", 1);
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        size_t k;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            db_put(b, e, 2);
            i++;
        } else if (c == '\n' || c == '\t' || c == '\r') {
            db_str(b, c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r");
            i++;
        } else if (c >= 0x20 && c < 0x7f) {
            db_put(b, (const char *)&s[i], 1);
            i++;
        } else if (c >= 0x80 && (k = utf8_len(s + i, n - i)) != 0) {
            db_put(b, (const char *)&s[i], k);
            i += k;
        } else {
            db_fmt(b, "\\x%02x", c);
            i++;
        }
    }
    db_put(b, "\"", 1);
}

static void db_double(dbuf *b, double d)
{
    if (isnan(d)) {
        db_str(b, "nan");
        return;
    }
    if (isinf(d)) {
        db_str(b, d < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.17g", d);
    /* the shortest of %.15g..%.17g that reads back to the same double */
    for (int prec = 15; prec < 17; prec++) {
        char t2[40];
        snprintf(t2, sizeof t2, "%.*g", prec, d);
        if (strtod(t2, NULL) == d) {
            memcpy(tmp, t2, sizeof tmp);
            break;
        }
    }
    db_str(b, tmp);
    if (!strpbrk(tmp, ".eE"))
        db_str(b, ".0"); /* keep it a float when compiled again */
}

/* Render one literal token at bytes[*pos]; false if malformed. */
static bool db_literal(dbuf *b, const uint8_t *bytes, size_t len, size_t *pos)
{
    size_t i = *pos;
    if (i >= len)
        return false;
    uint8_t t = bytes[i++];
    size_t need = t == TOK_LIT_U32 || t == TOK_LIT_F32                       ? 4
                  : t == TOK_LIT_U64 || t == TOK_LIT_I64 || t == TOK_LIT_F64 ? 8
                  : t == TOK_LIT_STR                                         ? 2
                  : t == TOK_LIT_BOOL                                        ? 1
                                                                             : 0;
    if (len - i < need)
        return false;
    switch (t) {
    case TOK_LIT_U32:
        db_fmt(b, "%lu", (unsigned long)ld32(bytes + i));
        break;
    case TOK_LIT_U64:
        db_fmt(b, "%llu", (unsigned long long)ld64(bytes + i));
        break;
    case TOK_LIT_I64:
        db_fmt(b, "%lld", (long long)(int64_t)ld64(bytes + i));
        break;
    case TOK_LIT_F32: {
        union {
            uint32_t u;
            float f;
        } c = {ld32(bytes + i)};
        db_double(b, (double)c.f);
        break;
    }
    case TOK_LIT_F64: {
        union {
            uint64_t u;
            double d;
        } c = {ld64(bytes + i)};
        db_double(b, c.d);
        break;
    }
    case TOK_LIT_STR: {
        size_t n = ld16(bytes + i);
        if (len - i - 2 < n)
            return false;
        db_quoted(b, bytes + i + 2, n);
        need += n;
        break;
    }
    case TOK_LIT_BOOL:
        db_str(b, bytes[i] ? "true" : "false");
        break;
    case TOK_LIT_NULL:
        db_str(b, "null");
        break;
    default:
        return false;
    }
    *pos = i + need;
    return true;
}

static void db_field(dbuf *b, const cli_field_map *m, uint16_t id)
{
    const char *name = cli_fields_name(m, id);
    if (name && !kw_eq(name, strlen(name), "not")) {
        db_str(b, name);
        return;
    }
    db_fmt(b, "#%u", (unsigned)id);
}

/* Append entry e, in parentheses when its precedence is below min. */
static void db_operand(dbuf *b, const dentry *e, int min)
{
    if (e->prec < min)
        db_put(b, "(", 1);
    db_put(b, e->s, e->len);
    if (e->prec < min)
        db_put(b, ")", 1);
}

static const char *op_text(uint8_t op)
{
    switch (op) {
    case RVF_FILTER_EQ:
        return " = ";
    case RVF_FILTER_NE:
        return " != ";
    case RVF_FILTER_LT:
        return " < ";
    case RVF_FILTER_LE:
        return " <= ";
    case RVF_FILTER_GT:
        return " > ";
    case RVF_FILTER_GE:
        return " >= ";
    case RVF_FILTER_PREFIX:
        return " prefix ";
    default:
        return " contains ";
    }
}

static int describe_fail(char *out, size_t outlen, const char *what)
{
    msg(out, outlen, "%s", what);
    return -1;
}

int cli_filter_describe(const uint8_t *bytes, size_t len, const cli_field_map *fields, char *out,
                        size_t outlen)
{
    rvf_status st = rvf_filter_validate(bytes, len);
    if (st != RVF_OK) {
        msg(out, outlen, "invalid filter expression: %s", rvf_strerror(st));
        return -1;
    }
    dentry stack[FLT_MAX_STACK];
    unsigned sp = 0;
    bool ok = true, oom = false;
    uint16_t nodes = ld16(bytes);
    size_t pos = 4;
    for (uint32_t k = 0; ok && k < nodes; k++) {
        uint8_t t = bytes[pos];
        dentry e;
        memset(&e, 0, sizeof e);
        dbuf b = {NULL, 0, 0, false};
        if (t == TOK_FIELD_REF) {
            e.is_field = true;
            e.field = ld16(bytes + pos + 1);
            e.prec = PR_ATOM;
            db_field(&b, fields, e.field);
            pos += 3;
        } else if (t >= TOK_LIT_U32 && t <= TOK_LIT_F64) {
            e.prec = PR_ATOM;
            ok = db_literal(&b, bytes, len, &pos);
        } else if ((t >= RVF_FILTER_EQ && t <= RVF_FILTER_GE) || t == RVF_FILTER_PREFIX ||
                   t == RVF_FILTER_CONTAINS) {
            dentry *a = &stack[sp - 2], *c = &stack[sp - 1];
            e.prec = PR_CMP;
            bool lit_null = c->prec == PR_ATOM && !c->is_field && strcmp(c->s, "null") == 0;
            db_operand(&b, a, PR_ATOM);
            if (lit_null && (t == RVF_FILTER_EQ || t == RVF_FILTER_NE)) {
                db_str(&b, t == RVF_FILTER_EQ ? " is null" : " is not null");
            } else {
                db_str(&b, op_text(t));
                e.rhs_off = b.len;
                db_operand(&b, c, PR_ATOM);
                e.cmp_op = t;
                e.cmp_field_lit = a->is_field && c->prec == PR_ATOM && !c->is_field;
                e.field = a->field;
            }
            pos++;
            free(a->s);
            free(c->s);
            sp -= 2;
        } else if (t == RVF_FILTER_IN) {
            dentry *a = &stack[sp - 1];
            uint16_t n = ld16(bytes + pos + 1);
            pos += 3;
            e.prec = PR_CMP;
            db_operand(&b, a, PR_ATOM);
            db_str(&b, " in (");
            for (uint16_t i = 0; ok && i < n; i++) {
                if (i)
                    db_str(&b, ", ");
                ok = db_literal(&b, bytes, len, &pos);
            }
            db_str(&b, ")");
            free(a->s);
            sp--;
        } else if (t == RVF_FILTER_AND || t == RVF_FILTER_OR) {
            dentry *a = &stack[sp - 2], *c = &stack[sp - 1];
            if (t == RVF_FILTER_AND && a->cmp_field_lit && c->cmp_field_lit &&
                a->cmp_op == RVF_FILTER_GE && c->cmp_op == RVF_FILTER_LT && a->field == c->field) {
                e.prec = PR_CMP;
                db_field(&b, fields, a->field);
                db_str(&b, " between ");
                db_put(&b, a->s + a->rhs_off, a->len - a->rhs_off);
                db_str(&b, " and ");
                db_put(&b, c->s + c->rhs_off, c->len - c->rhs_off);
            } else {
                int p = t == RVF_FILTER_AND ? PR_AND : PR_OR;
                e.prec = p;
                /* Left-associative: a chain of one operator reads without parentheses on the left;
                 * the right operand of the same operator needs them. "and" inside "or" gets them
                 * for the reader's sake (the syntax would not need them). */
                db_operand(&b, a, a->prec == PR_AND && p == PR_OR ? PR_NOT : p);
                db_str(&b, t == RVF_FILTER_AND ? " and " : " or ");
                db_operand(&b, c, PR_NOT);
            }
            pos++;
            free(a->s);
            free(c->s);
            sp -= 2;
        } else { /* NOT */
            dentry *a = &stack[sp - 1];
            e.prec = PR_NOT;
            db_str(&b, "not (");
            db_put(&b, a->s, a->len);
            db_str(&b, ")");
            pos++;
            free(a->s);
            sp--;
        }
        if (b.oom || (!b.s && ok)) {
            free(b.s);
            oom = true;
            ok = false;
            break;
        }
        e.s = b.s;
        e.len = b.len;
        e.cap = b.cap;
        stack[sp++] = e;
    }
    int ret;
    if (!ok || sp != 1) {
        ret = describe_fail(out, outlen,
                            oom ? "out of memory" : "invalid filter expression: malformed literal");
    } else {
        if (out && outlen) {
            size_t n = stack[0].len < outlen ? stack[0].len : outlen - 1;
            memcpy(out, stack[0].s, n);
            out[n] = 0;
        }
        ret = stack[0].len > INT32_MAX ? INT32_MAX : (int)stack[0].len;
    }
    for (unsigned i = 0; i < sp; i++)
        free(stack[i].s);
    return ret;
}
