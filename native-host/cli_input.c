/* cli_input.c: the vector-file readers behind `rvf ingest` and `rvf query --from` (cli_input.h).
 *
 * Every format streams through stdio: a batch holds at most `max` vectors, so a file of any size
 * is never loaded whole. Text formats are read a line at a time; binary formats a batch (npy) or a
 * record (fvecs/bvecs) at a time. Parsers are strict on purpose: a file that is not exactly what it
 * claims to be is refused with the position of the first problem, before anything reaches the
 * store. Binary NaN/Inf values pass through untouched (the store refuses them with its own
 * message); textual "nan"/"inf" are not numbers in CSV or JSON and are refused here. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cli_input.h"

enum { FMT_NPY = 1, FMT_FVECS, FMT_BVECS, FMT_CSV, FMT_JSONL };
enum { DIM_MAX = 65535, ERR_CAP = 512, NPY_HEADER_MAX = 1 << 20 };

/* Smallest magnitude that rounds to infinity as f32 (FLT_MAX plus half an ulp). */
#define F32_OVERFLOW 0x1.ffffffp+127

typedef struct dbuf {
    char *p;
    size_t len, cap;
} dbuf;

struct cli_reader {
    int fmt;
    FILE *fp;
    int own_fp;
    char *path; /* for messages; "<stdin>" for "-" */
    cli_ids_from ids_from;
    uint64_t first_id;
    const cli_field_map *fields;
    cli_field_map no_fields;
    uint64_t done, total;
    uint32_t dim;  /* 0 until the first vector (npy: known at open) */
    uint64_t rows; /* vectors delivered so far = the next row number */
    int eof, failed;
    char errmsg[ERR_CAP];
    /* npy */
    uint64_t npy_rows;
    int npy_f16;
    /* text formats */
    char *line;
    size_t line_cap;
    uint64_t lineno, dim_line;
    int header_checked;
    size_t csv_cols;
    /* the batch being built */
    float *vec;
    size_t vec_cap; /* floats */
    uint64_t *ids;
    size_t ids_cap;
    uint32_t *counts;
    size_t counts_cap;
    rvf_value *meta;
    size_t meta_cap;
    size_t *meta_off; /* string offsets into strs, fixed up into pointers when the batch is done */
    size_t meta_off_cap;
    size_t meta_n;
    int batch_has_meta;
    dbuf strs, key, num;
    float *row;
    size_t row_cap;
    uint8_t *raw;
    size_t raw_cap;
};

/* ---------------------------------------------------------------------------------------------
 * Small helpers */

/* Grow the array at *pp (any element type) to hold need elements. */
static int grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c = c > SIZE_MAX / 4 ? need : c * 2;
    if (c > SIZE_MAX / elem)
        return -1;
    void *p;
    memcpy(&p, pp, sizeof p);
    void *q = realloc(p, c * elem);
    if (!q)
        return -1;
    memcpy(pp, &q, sizeof q);
    *cap = c;
    return 0;
}

static int dbuf_put(dbuf *b, const void *src, size_t n)
{
    if (n > SIZE_MAX - b->len - 1 || grow(&b->p, &b->cap, b->len + n + 1, 1) != 0)
        return -1;
    memcpy(b->p + b->len, src, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_space(int c)
{
    return c == ' ' || c == '\t';
}

static int lower_eq(const char *a, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)a[i];
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c != lit[i])
            return 0;
    }
    return 1;
}

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* Store a message prefixed with the file name; the reader stays failed afterwards. */
static long rfail(cli_reader *r, const char *fmt, ...) CLI_PRINTF(2, 3);
static long rfail(cli_reader *r, const char *fmt, ...)
{
    int k = snprintf(r->errmsg, sizeof r->errmsg, "%.200s: ", r->path);
    size_t off = k > 0 ? (size_t)k : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errmsg + off, sizeof r->errmsg - off, fmt, ap);
    va_end(ap);
    r->failed = 1;
    return -1;
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static float f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* d as f32, or -1 when it would overflow to infinity (text input only). */
static int to_f32(double d, float *out)
{
    if (!(fabs(d) < F32_OVERFLOW))
        return -1;
    *out = (float)d;
    return 0;
}

/* Decimal digits only, no sign; -1 when empty, not digits, or above 2^64-1 (*overflow set). */
static int parse_u64(const char *s, size_t n, uint64_t *out, int *overflow)
{
    uint64_t v = 0;
    *overflow = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            *overflow = 1;
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * A strict JSON parser over one line of text (RFC 8259 grammar; the caller decides which values
 * it accepts where). */

typedef struct jp {
    const char *s;
    size_t len, pos;
    char *err;
    size_t errlen;
    const char *where;  /* "file: line 3", or "" for a lone vector */
    const char *at_end; /* how the end of the text is described */
} jp;

static void jp_vfail(jp *p, int column, const char *fmt, va_list ap) CLI_PRINTF(3, 0);
static void jp_vfail(jp *p, int column, const char *fmt, va_list ap)
{
    int k;
    if (column)
        k = snprintf(p->err, p->errlen, "%s%scolumn %zu: ", p->where, p->where[0] ? ", " : "",
                     p->pos + 1);
    else
        k = snprintf(p->err, p->errlen, "%s%s", p->where, p->where[0] ? ": " : "");
    size_t off = k < 0 ? 0 : (size_t)k >= p->errlen ? p->errlen - 1 : (size_t)k;
    vsnprintf(p->err + off, p->errlen - off, fmt, ap);
}

static int jp_fail(jp *p, const char *fmt, ...) CLI_PRINTF(2, 3);
static int jp_fail(jp *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    jp_vfail(p, 1, fmt, ap);
    va_end(ap);
    return -1;
}

/* A message without a column, for problems with a whole value. */
static int jp_fail_value(jp *p, const char *fmt, ...) CLI_PRINTF(2, 3);
static int jp_fail_value(jp *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    jp_vfail(p, 0, fmt, ap);
    va_end(ap);
    return -1;
}

static void jp_ws(jp *p)
{
    while (p->pos < p->len &&
           (is_space((unsigned char)p->s[p->pos]) || p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
        p->pos++;
}

static int jp_peek(const jp *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

/* Describe what is at the cursor for "found ..." messages. */
static const char *jp_found(const jp *p, char *buf, size_t cap)
{
    int c = jp_peek(p);
    if (c < 0)
        return p->at_end;
    if (c < 0x20 || c >= 0x7f)
        snprintf(buf, cap, "byte 0x%02x", (unsigned)c);
    else
        snprintf(buf, cap, "'%c'", c);
    return buf;
}

static int jp_expected(jp *p, const char *what)
{
    char buf[16];
    return jp_fail(p, "expected %s, found %s", what, jp_found(p, buf, sizeof buf));
}

/* The cursor is where a value should start but none does. */
static int jp_not_a_value(jp *p)
{
    size_t n = 0;
    while (p->pos + n < p->len && n < 24 && is_alpha((unsigned char)p->s[p->pos + n]))
        n++;
    const char *w = p->s + p->pos;
    if (lower_eq(w, n, "nan") || lower_eq(w, n, "inf") || lower_eq(w, n, "infinity"))
        return jp_fail(p, "'%.*s' is not a number (NaN and infinity cannot be stored)", (int)n, w);
    if (n)
        return jp_fail(p, "expected a value, found '%.*s'", (int)n, w);
    return jp_expected(p, "a value");
}

/* "a string", "an array", ... for a value at the cursor that is not a number, else NULL. */
static const char *jp_kind(const jp *p)
{
    const char *w = p->s + p->pos;
    size_t left = p->len - p->pos;
    int c = jp_peek(p);
    if (c == '"')
        return "a string";
    if (c == '[')
        return "an array";
    if (c == '{')
        return "an object";
    if (left >= 4 && memcmp(w, "null", 4) == 0)
        return "null";
    if ((left >= 4 && memcmp(w, "true", 4) == 0) || (left >= 5 && memcmp(w, "false", 5) == 0))
        return "a boolean";
    return NULL;
}

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

static int put_utf8(dbuf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xc0 | cp >> 6), u[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xe0 | cp >> 12), u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | cp >> 18), u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f)), u[3] = (uint8_t)(0x80 | (cp & 0x3f)), n = 4;
    }
    return dbuf_put(b, u, n);
}

static int jp_hex4(jp *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int c = jp_peek(p);
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return jp_fail(p, "bad \\u escape: expected 4 hex digits");
        v = v << 4 | d;
        p->pos++;
    }
    *out = v;
    return 0;
}

/* The string at the cursor (which is at '"'), decoded to UTF-8 and appended to out. */
static int jp_string(jp *p, dbuf *out)
{
    p->pos++;
    for (;;) {
        size_t run = p->pos;
        while (p->pos < p->len) {
            unsigned char c = (unsigned char)p->s[p->pos];
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
                break;
            p->pos++;
        }
        if (dbuf_put(out, p->s + run, p->pos - run) != 0)
            return jp_fail(p, "out of memory");
        int c = jp_peek(p);
        if (c < 0)
            return jp_fail(p, "unterminated string");
        if (c == '"') {
            p->pos++;
            return 0;
        }
        if (c < 0x20)
            return jp_fail(p, "control character 0x%02x in a string (write it as an escape)",
                           (unsigned)c);
        if (c >= 0x80) {
            size_t k = utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);
            if (!k)
                return jp_fail(p, "invalid UTF-8 in a string");
            if (dbuf_put(out, p->s + p->pos, k) != 0)
                return jp_fail(p, "out of memory");
            p->pos += k;
            continue;
        }
        /* backslash */
        size_t esc = p->pos;
        p->pos++;
        c = jp_peek(p);
        char ch;
        switch (c) {
        case '"':
            ch = '"';
            break;
        case '\\':
            ch = '\\';
            break;
        case '/':
            ch = '/';
            break;
        case 'b':
            ch = '\b';
            break;
        case 'f':
            ch = '\f';
            break;
        case 'n':
            ch = '\n';
            break;
        case 'r':
            ch = '\r';
            break;
        case 't':
            ch = '\t';
            break;
        case 'u': {
            p->pos++;
            uint32_t cp = 0, lo = 0;
            if (jp_hex4(p, &cp) != 0)
                return -1;
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                p->pos = esc;
                return jp_fail(p, "bad \\u escape: lone low surrogate \\u%04x", (unsigned)cp);
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (p->pos + 1 >= p->len || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    p->pos = esc;
                    return jp_fail(p, "bad \\u escape: high surrogate \\u%04x without a low one",
                                   (unsigned)cp);
                }
                p->pos += 2;
                if (jp_hex4(p, &lo) != 0)
                    return -1;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    p->pos = esc;
                    return jp_fail(p, "bad \\u escape: high surrogate \\u%04x without a low one",
                                   (unsigned)cp);
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (put_utf8(out, cp) != 0)
                return jp_fail(p, "out of memory");
            continue;
        }
        default: {
            char buf[16];
            p->pos = esc;
            p->pos++;
            const char *f = jp_found(p, buf, sizeof buf);
            p->pos = esc;
            return jp_fail(p, "bad escape: backslash followed by %s", f);
        }
        }
        p->pos++;
        if (dbuf_put(out, &ch, 1) != 0)
            return jp_fail(p, "out of memory");
    }
}

/* Scan the number at the cursor (JSON grammar): [st, en) and whether it is an integer. */
static int jp_number(jp *p, size_t *st, size_t *en, int *is_int)
{
    size_t i = p->pos;
    const char *s = p->s;
    *st = i;
    *is_int = 1;
    if (i < p->len && s[i] == '-')
        i++;
    if (i < p->len && s[i] == '0') {
        i++;
        if (i < p->len && is_digit((unsigned char)s[i])) {
            p->pos = i;
            return jp_fail(p, "leading zeros are not allowed in numbers");
        }
    } else if (i < p->len && is_digit((unsigned char)s[i])) {
        while (i < p->len && is_digit((unsigned char)s[i]))
            i++;
    } else {
        p->pos = i;
        if (i > *st)
            return jp_expected(p, "a digit after '-'");
        return jp_not_a_value(p);
    }
    if (i < p->len && s[i] == '.') {
        i++;
        *is_int = 0;
        if (i >= p->len || !is_digit((unsigned char)s[i])) {
            p->pos = i;
            return jp_expected(p, "a digit after '.'");
        }
        while (i < p->len && is_digit((unsigned char)s[i]))
            i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        *is_int = 0;
        if (i < p->len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= p->len || !is_digit((unsigned char)s[i])) {
            p->pos = i;
            return jp_expected(p, "a digit in the exponent");
        }
        while (i < p->len && is_digit((unsigned char)s[i]))
            i++;
    }
    *en = i;
    p->pos = i;
    return 0;
}

/* The scanned number [st, en) as a double. The token is valid JSON, hence valid strtod input. */
static double jp_double(const jp *p, size_t st, size_t en, dbuf *scratch)
{
    char *end;
    errno = 0;
    double d = strtod(p->s + st, &end);
    if (end == p->s + en)
        return d;
    /* strtod read past the token (e.g. "0x1" after a JSON "0"): convert a NUL-terminated copy */
    scratch->len = 0;
    if (dbuf_put(scratch, p->s + st, en - st) != 0)
        return NAN;
    errno = 0;
    return strtod(scratch->p, NULL);
}

/* The array of numbers at the cursor (at '[') into *buf; grows *buf when cap is non-NULL,
 * otherwise at most fixed_cap values. */
static int jp_vector(jp *p, float **buf, size_t *cap, size_t fixed_cap, size_t *count,
                     dbuf *scratch)
{
    size_t n = 0;
    p->pos++;
    jp_ws(p);
    if (jp_peek(p) == ']')
        return jp_fail(p, "the vector is empty");
    for (;;) {
        jp_ws(p);
        int c = jp_peek(p);
        const char *what = jp_kind(p);
        if (what)
            return jp_fail(p, "vector values must be numbers, found %s", what);
        size_t st, en;
        int is_int;
        if (jp_number(p, &st, &en, &is_int) != 0)
            return -1;
        double d = jp_double(p, st, en, scratch);
        float f;
        if (to_f32(d, &f) != 0) {
            p->pos = st;
            return jp_fail(p, "%.*s is out of range for a 32-bit float",
                           (int)(en - st > 40 ? 40 : en - st), p->s + st);
        }
        size_t limit = cap ? DIM_MAX : fixed_cap;
        if (n >= limit) {
            p->pos = st;
            return jp_fail(p, "the vector has more than %zu values", limit);
        }
        if (cap && grow(buf, cap, n + 1, sizeof(float)) != 0)
            return jp_fail(p, "out of memory");
        (*buf)[n++] = f;
        jp_ws(p);
        c = jp_peek(p);
        if (c == ',') {
            p->pos++;
            jp_ws(p);
            if (jp_peek(p) == ']')
                return jp_fail(p, "expected a value after ',', found ']'");
            continue;
        }
        if (c == ']') {
            p->pos++;
            break;
        }
        return jp_expected(p, "',' or ']' after a vector value");
    }
    *count = n;
    return 0;
}

long cli_parse_vector_json(const char *text, float *out, size_t cap, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen)
        err = dummy, errlen = sizeof dummy;
    if (!text || !out) {
        snprintf(err, errlen, "no vector given");
        return -1;
    }
    jp p = {text, strlen(text), 0, err, errlen, "", "the end of the text"};
    dbuf scratch = {0};
    size_t n = 0;
    long rc = -1;
    jp_ws(&p);
    if (jp_peek(&p) != '[')
        jp_expected(&p, "a vector like [0.5, 1, -2]");
    else if (jp_vector(&p, &out, NULL, cap, &n, &scratch) == 0) {
        jp_ws(&p);
        if (p.pos < p.len)
            jp_fail(&p, "unexpected text after the vector");
        else
            rc = (long)n;
    }
    free(scratch.p);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Batch assembly */

/* Make room for row n of the batch (vector, id, meta count). */
static int batch_room(cli_reader *r, size_t n)
{
    if (grow(&r->vec, &r->vec_cap, (n + 1) * r->dim, sizeof(float)) != 0 ||
        grow(&r->ids, &r->ids_cap, n + 1, sizeof(uint64_t)) != 0 ||
        grow(&r->counts, &r->counts_cap, n + 1, sizeof(uint32_t)) != 0)
        return (int)rfail(r, "out of memory");
    return 0;
}

/* The id of the next row when ids are row numbers. */
static int row_id(cli_reader *r, uint64_t *id)
{
    if (r->rows > UINT64_MAX - r->first_id)
        return (int)rfail(r, "row %llu: the id would exceed 2^64-1 (first id %llu)",
                          (unsigned long long)r->rows, (unsigned long long)r->first_id);
    *id = r->first_id + r->rows;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * npy */

typedef struct pyp {
    const char *s;
    size_t len, pos;
} pyp;

static void py_ws(pyp *p)
{
    while (p->pos < p->len &&
           (is_space((unsigned char)p->s[p->pos]) || p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

/* A quoted Python string of at most cap-1 bytes. */
static int py_string(pyp *p, char *out, size_t cap)
{
    if (p->pos >= p->len || (p->s[p->pos] != '\'' && p->s[p->pos] != '"'))
        return -1;
    char q = p->s[p->pos++];
    size_t n = 0;
    while (p->pos < p->len && p->s[p->pos] != q) {
        if (p->s[p->pos] == '\\' || n + 1 >= cap)
            return -1;
        out[n++] = p->s[p->pos++];
    }
    if (p->pos >= p->len)
        return -1;
    p->pos++;
    out[n] = 0;
    return 0;
}

static long npy_header(cli_reader *r, const char *s, size_t len)
{
    pyp p = {s, len, 0};
    char key[32], descr[32] = "";
    int have_descr = 0, have_fortran = 0, have_shape = 0, fortran = 0, ndim = 0;
    uint64_t shape[8];
    py_ws(&p);
    if (p.pos >= p.len || p.s[p.pos] != '{')
        return rfail(r, "npy header: expected a dictionary '{...}' (header: %.80s)", s);
    p.pos++;
    for (;;) {
        py_ws(&p);
        if (p.pos < p.len && p.s[p.pos] == '}')
            break;
        if (py_string(&p, key, sizeof key) != 0)
            return rfail(r, "npy header: expected a quoted key at offset %zu (header: %.80s)",
                         p.pos, s);
        py_ws(&p);
        if (p.pos >= p.len || p.s[p.pos] != ':')
            return rfail(r, "npy header: expected ':' after '%s'", key);
        p.pos++;
        py_ws(&p);
        if (strcmp(key, "descr") == 0) {
            if (have_descr++)
                return rfail(r, "npy header: 'descr' appears twice");
            if (p.pos < p.len && (p.s[p.pos] == '[' || p.s[p.pos] == '('))
                return rfail(r, "structured dtypes are not supported (expected '<f4' float32 or "
                                "'<f2' float16)");
            if (py_string(&p, descr, sizeof descr) != 0)
                return rfail(r, "npy header: 'descr' is not a quoted dtype string");
        } else if (strcmp(key, "fortran_order") == 0) {
            if (have_fortran++)
                return rfail(r, "npy header: 'fortran_order' appears twice");
            if (p.len - p.pos >= 4 && memcmp(p.s + p.pos, "True", 4) == 0)
                fortran = 1, p.pos += 4;
            else if (p.len - p.pos >= 5 && memcmp(p.s + p.pos, "False", 5) == 0)
                fortran = 0, p.pos += 5;
            else
                return rfail(r, "npy header: 'fortran_order' is not True or False");
        } else if (strcmp(key, "shape") == 0) {
            if (have_shape++)
                return rfail(r, "npy header: 'shape' appears twice");
            if (p.pos >= p.len || p.s[p.pos] != '(')
                return rfail(r, "npy header: 'shape' is not a tuple");
            p.pos++;
            for (;;) {
                py_ws(&p);
                if (p.pos < p.len && p.s[p.pos] == ')')
                    break;
                size_t st = p.pos;
                while (p.pos < p.len && is_digit((unsigned char)p.s[p.pos]))
                    p.pos++;
                uint64_t v;
                int ovf;
                if (parse_u64(p.s + st, p.pos - st, &v, &ovf) != 0)
                    return rfail(r, "npy header: 'shape' holds something other than "
                                    "non-negative integers");
                if (p.pos < p.len && p.s[p.pos] == 'L') /* Python 2 long */
                    p.pos++;
                if (ndim < 8)
                    shape[ndim] = v;
                ndim++;
                py_ws(&p);
                if (p.pos < p.len && p.s[p.pos] == ',') {
                    p.pos++;
                    continue;
                }
                if (p.pos < p.len && p.s[p.pos] == ')')
                    break;
                return rfail(r, "npy header: malformed 'shape' tuple");
            }
            p.pos++;
        } else {
            return rfail(r, "npy header: unexpected key '%s'", key);
        }
        py_ws(&p);
        if (p.pos < p.len && p.s[p.pos] == ',') {
            p.pos++;
            continue;
        }
        if (p.pos < p.len && p.s[p.pos] == '}')
            break;
        return rfail(r, "npy header: expected ',' or '}' after the value of '%s'", key);
    }
    p.pos++;
    while (p.pos < p.len && (p.s[p.pos] == ' ' || p.s[p.pos] == '\n' || p.s[p.pos] == '\0'))
        p.pos++;
    if (p.pos < p.len)
        return rfail(r, "npy header: unexpected text after the dictionary");
    if (!have_descr || !have_fortran || !have_shape)
        return rfail(r, "npy header: missing '%s'",
                     !have_descr     ? "descr"
                     : !have_fortran ? "fortran_order"
                                     : "shape");
    if (strcmp(descr, "<f4") == 0)
        r->npy_f16 = 0;
    else if (strcmp(descr, "<f2") == 0)
        r->npy_f16 = 1;
    else
        return rfail(r, "dtype '%s' is not supported (expected '<f4' float32 or '<f2' float16)",
                     descr);
    if (fortran)
        return rfail(r, "fortran_order arrays are not supported (save a C-order array, e.g. "
                        "numpy.ascontiguousarray)");
    if (ndim == 0 || ndim > 2)
        return rfail(r, "shape has %d dimensions; expected (n, dim) or (dim,)", ndim);
    uint64_t n = ndim == 2 ? shape[0] : 1, d = shape[ndim - 1];
    if (d == 0 || d > DIM_MAX)
        return rfail(r, "dimension %llu is out of range (1..%d)", (unsigned long long)d, DIM_MAX);
    r->dim = (uint32_t)d;
    r->npy_rows = n;
    return 0;
}

static long npy_open(cli_reader *r)
{
    uint8_t pre[12];
    size_t got = fread(pre, 1, 10, r->fp);
    if (got < 10) {
        if (ferror(r->fp))
            return rfail(r, "read error: %s", strerror(errno));
        return rfail(r, "truncated npy header (%zu bytes)", got);
    }
    if (memcmp(pre, "\x93NUMPY", 6) != 0)
        return rfail(r, "not a NumPy .npy file (bad magic)");
    if (pre[6] < 1 || pre[6] > 3 || pre[7] != 0)
        return rfail(r, "npy version %u.%u is not supported (1.0, 2.0 and 3.0 are)",
                     (unsigned)pre[6], (unsigned)pre[7]);
    size_t pl = 10;
    uint32_t hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
    if (pre[6] >= 2) {
        got = fread(pre + 10, 1, 2, r->fp);
        if (got < 2)
            return rfail(r, "truncated npy header (%zu bytes)", 10 + got);
        hlen = le32(pre + 8);
        pl = 12;
    }
    if (hlen > NPY_HEADER_MAX)
        return rfail(r, "npy header length %lu is implausible", (unsigned long)hlen);
    char *h = malloc((size_t)hlen + 1);
    if (!h)
        return rfail(r, "out of memory");
    got = fread(h, 1, hlen, r->fp);
    if (got < hlen) {
        free(h);
        return rfail(r, "truncated npy header: it declares %lu bytes, only %zu follow",
                     (unsigned long)hlen, got);
    }
    h[hlen] = 0;
    long rc = npy_header(r, h, hlen);
    free(h);
    if (rc != 0)
        return rc;
    r->done = pl + hlen;
    uint64_t rowbytes = (uint64_t)r->dim * (r->npy_f16 ? 2 : 4);
    if (r->npy_rows > UINT64_MAX / rowbytes)
        return rfail(r, "shape (%llu, %u) is too large", (unsigned long long)r->npy_rows, r->dim);
    uint64_t need = r->npy_rows * rowbytes;
    if (r->total) {
        uint64_t have = r->total - r->done;
        if (have < need)
            return rfail(r,
                         "truncated data: shape (%llu, %u) of %s needs %llu bytes, the file "
                         "has %llu",
                         (unsigned long long)r->npy_rows, r->dim, r->npy_f16 ? "<f2" : "<f4",
                         (unsigned long long)need, (unsigned long long)have);
        if (have > need)
            return rfail(r, "%llu unexpected bytes after the data (shape (%llu, %u) needs %llu)",
                         (unsigned long long)(have - need), (unsigned long long)r->npy_rows, r->dim,
                         (unsigned long long)need);
    }
    return 0;
}

static long npy_next(cli_reader *r, size_t max)
{
    uint64_t left = r->npy_rows - r->rows;
    size_t k = left < max ? (size_t)left : max;
    if (k == 0) {
        if (fgetc(r->fp) != EOF)
            return rfail(r, "unexpected bytes after the data (byte offset %llu)",
                         (unsigned long long)r->done);
        return 0;
    }
    size_t isz = r->npy_f16 ? 2 : 4, rowbytes = r->dim * isz;
    if (k > SIZE_MAX / rowbytes || grow(&r->raw, &r->raw_cap, k * rowbytes, 1) != 0 ||
        batch_room(r, k - 1) != 0)
        return rfail(r, "out of memory");
    size_t got = fread(r->raw, 1, k * rowbytes, r->fp);
    if (got < k * rowbytes) {
        if (ferror(r->fp))
            return rfail(r, "read error: %s", strerror(errno));
        return rfail(r,
                     "truncated data: row %llu ends early at byte offset %llu (shape (%llu, %u))",
                     (unsigned long long)(r->rows + got / rowbytes),
                     (unsigned long long)(r->done + got), (unsigned long long)r->npy_rows, r->dim);
    }
    size_t m = k * r->dim;
    if (r->npy_f16) {
        for (size_t i = 0; i < m; i++)
            r->vec[i] = rvfk_f16_to_f32((uint16_t)(r->raw[2 * i] | r->raw[2 * i + 1] << 8));
    } else {
        for (size_t i = 0; i < m; i++)
            r->vec[i] = f32_from_bits(le32(r->raw + 4 * i));
    }
    for (size_t i = 0; i < k; i++) {
        if (row_id(r, &r->ids[i]) != 0)
            return -1;
        r->counts[i] = 0;
        r->rows++;
    }
    r->done += got;
    return (long)k;
}

/* ---------------------------------------------------------------------------------------------
 * fvecs / bvecs */

static long vecs_next(cli_reader *r, size_t max)
{
    size_t esz = r->fmt == FMT_FVECS ? 4 : 1, n = 0;
    while (n < max) {
        uint8_t hdr[4];
        unsigned long long rec = (unsigned long long)r->rows, off = (unsigned long long)r->done;
        size_t got = fread(hdr, 1, 4, r->fp);
        if (got == 0) {
            if (ferror(r->fp))
                return rfail(r, "read error: %s", strerror(errno));
            break;
        }
        if (got < 4)
            return rfail(r, "record %llu at byte offset %llu: truncated (%zu of 4 dimension bytes)",
                         rec, off, got);
        int32_t d = (int32_t)le32(hdr);
        if (d <= 0 || d > DIM_MAX)
            return rfail(r,
                         "record %llu at byte offset %llu: dimension %ld is out of range (1..%d)",
                         rec, off, (long)d, DIM_MAX);
        if (r->dim == 0)
            r->dim = (uint32_t)d;
        else if ((uint32_t)d != r->dim)
            return rfail(r,
                         "record %llu at byte offset %llu: dimension %ld differs from the first "
                         "record's %u",
                         rec, off, (long)d, r->dim);
        size_t bytes = (size_t)d * esz;
        if (grow(&r->raw, &r->raw_cap, bytes, 1) != 0 || batch_room(r, n) != 0)
            return rfail(r, "out of memory");
        got = fread(r->raw, 1, bytes, r->fp);
        if (got < bytes) {
            if (ferror(r->fp))
                return rfail(r, "read error: %s", strerror(errno));
            return rfail(r, "record %llu at byte offset %llu: truncated (%zu of %zu vector bytes)",
                         rec, off, got, bytes);
        }
        float *v = r->vec + n * r->dim;
        for (size_t i = 0; i < (size_t)d; i++)
            v[i] = esz == 4 ? f32_from_bits(le32(r->raw + 4 * i)) : (float)r->raw[i];
        if (row_id(r, &r->ids[n]) != 0)
            return -1;
        r->counts[n] = 0;
        r->rows++;
        r->done += 4 + bytes;
        n++;
    }
    return (long)n;
}

/* ---------------------------------------------------------------------------------------------
 * CSV */

/* [+-]digits[.digits][e[+-]digits] with at least one mantissa digit: what strtod reads, minus
 * hex, nan and inf. */
static int csv_is_number(const char *a, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (a[i] == '+' || a[i] == '-'))
        i++;
    while (i < n && is_digit((unsigned char)a[i]))
        i++, digits++;
    if (i < n && a[i] == '.') {
        i++;
        while (i < n && is_digit((unsigned char)a[i]))
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (i < n && (a[i] == 'e' || a[i] == 'E')) {
        i++;
        if (i < n && (a[i] == '+' || a[i] == '-'))
            i++;
        if (i >= n || !is_digit((unsigned char)a[i]))
            return 0;
        while (i < n && is_digit((unsigned char)a[i]))
            i++;
    }
    return i == n;
}

static int csv_line(cli_reader *r, char *s, size_t len, size_t n)
{
    unsigned long long ln = (unsigned long long)r->lineno;
    if (!r->header_checked) {
        r->header_checked = 1;
        size_t i = 0;
        while (i < len && is_space((unsigned char)s[i]))
            i++;
        if (i < len && (is_alpha((unsigned char)s[i]) || s[i] == '_' || s[i] == '"'))
            return 1; /* a header line */
    }
    size_t cols = 1;
    for (size_t i = 0; i < len; i++)
        cols += s[i] == ',';
    int idcol = r->ids_from == CLI_IDS_COLUMN;
    if (r->dim == 0) {
        if (cols - (size_t)idcol == 0)
            return (int)rfail(r, "line %llu: no vector values after the id", ln);
        if (cols - (size_t)idcol > DIM_MAX)
            return (int)rfail(r, "line %llu: %zu values; the dimension limit is %d", ln,
                              cols - (size_t)idcol, DIM_MAX);
        r->dim = (uint32_t)(cols - (size_t)idcol);
        r->csv_cols = cols;
        r->dim_line = r->lineno;
    } else if (cols != r->csv_cols) {
        return (int)rfail(r, "line %llu: %zu column%s, expected %zu (as on line %llu)", ln, cols,
                          cols == 1 ? "" : "s", r->csv_cols, (unsigned long long)r->dim_line);
    }
    if (batch_room(r, n) != 0)
        return -1;
    float *v = r->vec + n * r->dim;
    size_t pos = 0;
    for (size_t c = 0; c < cols; c++) {
        size_t st = pos;
        while (pos < len && s[pos] != ',')
            pos++;
        size_t en = pos++;
        while (st < en && is_space((unsigned char)s[st]))
            st++;
        while (en > st && is_space((unsigned char)s[en - 1]))
            en--;
        size_t fl = en - st;
        int shown = (int)(fl > 40 ? 40 : fl);
        if (fl == 0)
            return (int)rfail(r, "line %llu, field %zu: empty field", ln, c + 1);
        s[en] = 0;
        if (idcol && c == 0) {
            uint64_t id;
            int ovf;
            if (parse_u64(s + st, fl, &id, &ovf) != 0)
                return (int)rfail(r, "line %llu, field 1: id '%.*s' %s", ln, shown, s + st,
                                  ovf ? "exceeds 2^64-1" : "is not a non-negative integer");
            r->ids[n] = id;
            continue;
        }
        float f;
        if (!csv_is_number(s + st, fl))
            return (int)rfail(r, "line %llu, field %zu: '%.*s' is not a number", ln, c + 1, shown,
                              s + st);
        if (to_f32(strtod(s + st, NULL), &f) != 0)
            return (int)rfail(r, "line %llu, field %zu: %.*s is out of range for a 32-bit float",
                              ln, c + 1, shown, s + st);
        v[c - (size_t)idcol] = f;
    }
    if (!idcol && row_id(r, &r->ids[n]) != 0)
        return -1;
    r->counts[n] = 0;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * JSON Lines */

static int jl_meta(cli_reader *r, jp *p, size_t *nfields)
{
    size_t first = r->meta_n;
    p->pos++;
    jp_ws(p);
    if (jp_peek(p) == '}') {
        p->pos++;
        *nfields = 0;
        return 0;
    }
    for (;;) {
        jp_ws(p);
        if (jp_peek(p) != '"')
            return jp_expected(p, "a field name in quotes");
        r->key.len = 0;
        if (jp_string(p, &r->key) != 0)
            return -1;
        const char *k = r->key.p ? r->key.p : "";
        size_t kl = r->key.len;
        int shown = (int)(kl > 64 ? 64 : kl);
        uint16_t fid;
        if (memchr(k, 0, kl) || cli_fields_resolve(r->fields, k, kl, &fid) != 0)
            return jp_fail_value(p,
                                 "unknown field '%.*s' (bind it with --field %.*s=ID or write #ID)",
                                 shown, k, shown, k);
        jp_ws(p);
        if (jp_peek(p) != ':')
            return jp_expected(p, "':' after a field name");
        p->pos++;
        jp_ws(p);
        rvf_value v;
        memset(&v, 0, sizeof v);
        v.field_id = fid;
        size_t soff = 0;
        int c = jp_peek(p), skip = 0;
        if (c == '"') {
            soff = r->strs.len;
            if (jp_string(p, &r->strs) != 0)
                return -1;
            if (r->strs.len - soff > UINT32_MAX)
                return jp_fail(p, "string too long");
            v.type = RVF_VALUE_STRING;
            v.v.bytes.len = (uint32_t)(r->strs.len - soff);
        } else if (c == 't' && p->len - p->pos >= 4 && memcmp(p->s + p->pos, "true", 4) == 0) {
            v.type = RVF_VALUE_BOOL, v.v.boolean = 1, p->pos += 4;
        } else if (c == 'f' && p->len - p->pos >= 5 && memcmp(p->s + p->pos, "false", 5) == 0) {
            v.type = RVF_VALUE_BOOL, v.v.boolean = 0, p->pos += 5;
        } else if (c == 'n' && p->len - p->pos >= 4 && memcmp(p->s + p->pos, "null", 4) == 0) {
            skip = 1, p->pos += 4;
        } else if (c == '[' || c == '{') {
            return jp_fail(p, "field '%.*s': values must be numbers, strings, true, false or null",
                           shown, k);
        } else {
            size_t st, en;
            int is_int;
            if (jp_number(p, &st, &en, &is_int) != 0)
                return -1;
            const char *t = p->s + st;
            int neg = t[0] == '-', ovf;
            if (is_int) {
                uint64_t u;
                if (parse_u64(t + neg, en - st - (size_t)neg, &u, &ovf) != 0 ||
                    (neg && u > (uint64_t)INT64_MAX + 1)) {
                    p->pos = st;
                    return jp_fail(p, "field '%.*s': %.*s is out of the 64-bit integer range",
                                   shown, k, (int)(en - st > 40 ? 40 : en - st), t);
                }
                if (neg && u != 0) {
                    v.type = RVF_VALUE_I64;
                    v.v.i64 = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
                } else {
                    v.type = RVF_VALUE_U64;
                    v.v.u64 = u;
                }
            } else {
                double d = jp_double(p, st, en, &r->num);
                if (isinf(d) || isnan(d)) {
                    p->pos = st;
                    return jp_fail(p, "field '%.*s': %.*s is out of range for a 64-bit float",
                                   shown, k, (int)(en - st > 40 ? 40 : en - st), t);
                }
                v.type = RVF_VALUE_F64;
                v.v.f64 = d;
            }
        }
        if (!skip) {
            for (size_t i = first; i < r->meta_n; i++)
                if (r->meta[i].field_id == fid)
                    return jp_fail_value(p, "field '%.*s' (#%u) appears twice", shown, k,
                                         (unsigned)fid);
            if (grow(&r->meta, &r->meta_cap, r->meta_n + 1, sizeof(rvf_value)) != 0 ||
                grow(&r->meta_off, &r->meta_off_cap, r->meta_n + 1, sizeof(size_t)) != 0)
                return jp_fail(p, "out of memory");
            r->meta[r->meta_n] = v;
            r->meta_off[r->meta_n] = soff;
            r->meta_n++;
        }
        jp_ws(p);
        c = jp_peek(p);
        if (c == ',') {
            p->pos++;
            continue;
        }
        if (c == '}') {
            p->pos++;
            break;
        }
        return jp_expected(p, "',' or '}' after a meta value");
    }
    *nfields = r->meta_n - first;
    return 0;
}

static int jl_id(jp *p, uint64_t *id)
{
    const char *what = jp_kind(p);
    if (what)
        return jp_fail(p, "\"id\" must be a non-negative integer, found %s", what);
    size_t st, en;
    int is_int, ovf;
    if (jp_number(p, &st, &en, &is_int) != 0)
        return -1;
    int shown = (int)(en - st > 40 ? 40 : en - st);
    p->pos = st;
    if (!is_int || p->s[st] == '-')
        return jp_fail(p, "\"id\" must be a non-negative integer, found %.*s", shown, p->s + st);
    if (parse_u64(p->s + st, en - st, id, &ovf) != 0)
        return jp_fail(p, "\"id\" %.*s exceeds 2^64-1", shown, p->s + st);
    p->pos = en;
    return 0;
}

static int jl_line(cli_reader *r, const char *s, size_t len, size_t start, size_t n)
{
    char where[300];
    unsigned long long ln = (unsigned long long)r->lineno;
    snprintf(where, sizeof where, "%.200s: line %llu", r->path, ln);
    jp p = {s, len, start, r->errmsg, sizeof r->errmsg, where, "the end of the line"};
    int have_id = 0, have_vec = 0, have_meta = 0;
    uint64_t id = 0;
    size_t dim = 0, nfields = 0;
    jp_ws(&p);
    if (jp_peek(&p) != '{')
        return jp_expected(&p, "a JSON object '{'");
    p.pos++;
    jp_ws(&p);
    if (jp_peek(&p) == '}')
        p.pos++;
    else {
        for (;;) {
            jp_ws(&p);
            if (jp_peek(&p) != '"')
                return jp_expected(&p, "a key in quotes");
            size_t kpos = p.pos;
            r->key.len = 0;
            if (jp_string(&p, &r->key) != 0)
                return -1;
            char key[8] = "";
            if (r->key.len < sizeof key && !memchr(r->key.p, 0, r->key.len))
                memcpy(key, r->key.p, r->key.len + 1);
            int which = strcmp(key, "id") == 0       ? 1
                        : strcmp(key, "vector") == 0 ? 2
                        : strcmp(key, "meta") == 0   ? 3
                                                     : 0;
            if (!which) {
                p.pos = kpos;
                return jp_fail(&p, "unknown key '%.*s' (expected \"id\", \"vector\" or \"meta\")",
                               (int)(r->key.len > 64 ? 64 : r->key.len), r->key.p);
            }
            if ((which == 1 && have_id++) || (which == 2 && have_vec++) ||
                (which == 3 && have_meta++)) {
                p.pos = kpos;
                return jp_fail(&p, "key \"%s\" appears twice", key);
            }
            jp_ws(&p);
            if (jp_peek(&p) != ':')
                return jp_expected(&p, "':' after a key");
            p.pos++;
            jp_ws(&p);
            int c = jp_peek(&p);
            if (which == 1) {
                if (jl_id(&p, &id) != 0)
                    return -1;
            } else if (which == 2) {
                if (c != '[')
                    return jp_expected(&p, "an array of numbers for \"vector\"");
                if (jp_vector(&p, &r->row, &r->row_cap, 0, &dim, &r->num) != 0)
                    return -1;
            } else if (c == 'n' && p.len - p.pos >= 4 && memcmp(p.s + p.pos, "null", 4) == 0) {
                p.pos += 4; /* "meta": null = no metadata */
            } else {
                if (c != '{')
                    return jp_expected(&p, "an object for \"meta\"");
                if (jl_meta(r, &p, &nfields) != 0)
                    return -1;
            }
            jp_ws(&p);
            c = jp_peek(&p);
            if (c == ',') {
                p.pos++;
                continue;
            }
            if (c == '}') {
                p.pos++;
                break;
            }
            return jp_expected(&p, "',' or '}'");
        }
    }
    jp_ws(&p);
    if (p.pos < p.len)
        return jp_fail(&p, "unexpected text after the object");
    if (!have_vec)
        return jp_fail_value(&p, "no \"vector\"");
    if (r->dim == 0) {
        r->dim = (uint32_t)dim;
        r->dim_line = r->lineno;
    } else if (dim != r->dim) {
        return jp_fail_value(&p, "the vector has %zu values, expected %u (as on line %llu)", dim,
                             r->dim, (unsigned long long)r->dim_line);
    }
    if (!have_id && r->ids_from == CLI_IDS_COLUMN)
        return jp_fail_value(&p, "no \"id\" (ids are taken from the \"id\" key)");
    if (batch_room(r, n) != 0)
        return -1;
    if (!have_id && row_id(r, &id) != 0)
        return -1;
    memcpy(r->vec + n * r->dim, r->row, dim * sizeof(float));
    r->ids[n] = id;
    r->counts[n] = (uint32_t)nfields;
    if (nfields)
        r->batch_has_meta = 1;
    return 0;
}

static long text_next(cli_reader *r, size_t max)
{
    size_t n = 0;
    while (n < max) {
        errno = 0;
        ssize_t got = getline(&r->line, &r->line_cap, r->fp);
        if (got < 0) {
            if (ferror(r->fp))
                return rfail(r, "read error: %s", strerror(errno ? errno : EIO));
            break;
        }
        size_t len = (size_t)got, start = 0;
        r->lineno++;
        r->done += len;
        if (memchr(r->line, 0, len))
            return rfail(r, "line %llu: contains a NUL byte (is this a text file?)",
                         (unsigned long long)r->lineno);
        if (len && r->line[len - 1] == '\n')
            len--;
        if (len && r->line[len - 1] == '\r')
            len--;
        r->line[len] = 0;
        if (r->lineno == 1 && len >= 3 && memcmp(r->line, "\xEF\xBB\xBF", 3) == 0)
            start = 3;
        size_t i = start;
        while (i < len && is_space((unsigned char)r->line[i]))
            i++;
        if (i == len)
            continue; /* blank line */
        int rc = r->fmt == FMT_CSV ? csv_line(r, r->line + start, len - start, n)
                                   : jl_line(r, r->line, len, start, n);
        if (rc < 0)
            return -1;
        if (rc > 0)
            continue; /* header */
        r->rows++;
        n++;
    }
    return (long)n;
}

/* ---------------------------------------------------------------------------------------------
 * The reader */

static int format_of(const char *name)
{
    static const struct {
        const char *name;
        int fmt;
    } names[] = {{"npy", FMT_NPY}, {"fvecs", FMT_FVECS}, {"bvecs", FMT_BVECS},
                 {"csv", FMT_CSV}, {"jsonl", FMT_JSONL}, {"ndjson", FMT_JSONL}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (lower_eq(name, strlen(name), names[i].name))
            return names[i].fmt;
    return 0;
}

int cli_reader_open(const char *path, const cli_input_options *opt, cli_reader **out, char *err,
                    size_t errlen)
{
    char dummy[8];
    if (!err || !errlen)
        err = dummy, errlen = sizeof dummy;
    if (out)
        *out = NULL;
    if (!path || !out) {
        snprintf(err, errlen, "no input file given");
        return -1;
    }
    cli_input_options o = {0};
    if (opt)
        o = *opt;
    int is_stdin = strcmp(path, "-") == 0, fmt = 0;
    if (o.format && *o.format) {
        fmt = format_of(o.format);
        if (!fmt) {
            snprintf(err, errlen, "unknown input format '%.40s' (npy, fvecs, bvecs, csv or jsonl)",
                     o.format);
            return -1;
        }
    } else if (is_stdin) {
        snprintf(err, errlen,
                 "reading standard input needs a format (npy, fvecs, bvecs, csv or jsonl)");
        return -1;
    } else {
        const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
        if (dot && (!slash || dot > slash))
            fmt = format_of(dot + 1);
        if (!fmt) {
            snprintf(err, errlen,
                     "%.200s: cannot tell the format from the file name (name it: npy, fvecs, "
                     "bvecs, csv or jsonl)",
                     path);
            return -1;
        }
    }
    if (o.ids_from == CLI_IDS_COLUMN && fmt != FMT_CSV && fmt != FMT_JSONL) {
        snprintf(err, errlen,
                 "%.200s: ids from a column need CSV or JSON Lines input; this file's ids are its "
                 "row numbers",
                 is_stdin ? "<stdin>" : path);
        return -1;
    }
    cli_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(is_stdin ? "<stdin>" : path))) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->fmt = fmt;
    r->ids_from = o.ids_from;
    r->first_id = o.first_id;
    r->fields = o.fields ? o.fields : &r->no_fields;
    if (is_stdin) {
        r->fp = stdin;
    } else {
        r->fp = fopen(path, "rb");
        if (!r->fp) {
            snprintf(err, errlen, "cannot open %.200s: %s", path, strerror(errno));
            cli_reader_close(r);
            return -1;
        }
        r->own_fp = 1;
    }
    struct stat st;
    if (fstat(fileno(r->fp), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%.200s: is a directory", r->path);
            cli_reader_close(r);
            return -1;
        }
        if (S_ISREG(st.st_mode) && st.st_size > 0)
            r->total = (uint64_t)st.st_size;
    }
    if (fmt == FMT_NPY && npy_open(r) != 0) {
        snprintf(err, errlen, "%s", r->errmsg);
        cli_reader_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

long cli_reader_next(cli_reader *r, size_t max, cli_batch *b, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen)
        err = dummy, errlen = sizeof dummy;
    if (!r || !b) {
        snprintf(err, errlen, "no reader");
        return -1;
    }
    memset(b, 0, sizeof *b);
    if (r->failed) {
        snprintf(err, errlen, "%s", r->errmsg);
        return -1;
    }
    if (max == 0)
        max = 1;
    r->meta_n = 0;
    r->strs.len = 0;
    r->batch_has_meta = 0;
    long n = 0;
    if (!r->eof) {
        switch (r->fmt) {
        case FMT_NPY:
            n = npy_next(r, max);
            break;
        case FMT_FVECS:
        case FMT_BVECS:
            n = vecs_next(r, max);
            break;
        default:
            n = text_next(r, max);
            break;
        }
    }
    if (n < 0) {
        r->failed = 1;
        snprintf(err, errlen, "%s", r->errmsg);
        return -1;
    }
    if (n == 0) {
        r->eof = 1;
        b->dim = r->dim;
        return 0;
    }
    for (size_t i = 0; i < r->meta_n; i++)
        if (r->meta[i].type == RVF_VALUE_STRING)
            r->meta[i].v.bytes.ptr = (const uint8_t *)r->strs.p + r->meta_off[i];
    b->n = (size_t)n;
    b->dim = r->dim;
    b->vectors = r->vec;
    b->ids = r->ids;
    b->meta = r->meta_n ? r->meta : NULL;
    b->meta_counts = r->batch_has_meta ? r->counts : NULL;
    return n;
}

uint64_t cli_reader_bytes_done(const cli_reader *r)
{
    return r ? r->done : 0;
}
uint64_t cli_reader_bytes_total(const cli_reader *r)
{
    return r ? r->total : 0;
}
uint32_t cli_reader_dim(const cli_reader *r)
{
    return r ? r->dim : 0;
}

void cli_reader_close(cli_reader *r)
{
    if (!r)
        return;
    if (r->own_fp && r->fp)
        fclose(r->fp);
    free(r->path);
    free(r->line);
    free(r->vec);
    free(r->ids);
    free(r->counts);
    free(r->meta);
    free(r->meta_off);
    free(r->strs.p);
    free(r->key.p);
    free(r->num.p);
    free(r->row);
    free(r->raw);
    free(r);
}
