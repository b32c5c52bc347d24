/* test_cli_filter.c: the command line's field map and filter syntax (native-host/cli_filter.h):
 * exact encoded bytes (FORMAT.md's "Filter example" included), evaluation through a real memory
 * store for every construct, the error message and column of malformed inputs, the format's
 * limits, and text -> bytes -> text -> bytes round trips through cli_filter_describe. */
#include "cli_filter.h"
#include <stdbool.h>

#include "rvf_test.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static cli_field_map g_fields; /* u=0 i=1 f=2 s=3 b=4 */
static cli_field_map g_bio;    /* organism=0 position_start=3 (FORMAT.md's example) */

static void bind(cli_field_map *m, const char *spec)
{
    char err[256] = "";
    int rc = cli_fields_add(m, spec, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    bind %s: %s\n", spec, err);
    CHECK_EQ_INT(rc, 0);
}

/* Compile text; on failure print the message. Returns the rc. */
static int compile(const char *text, rvf_filter *f, char *err, size_t errlen)
{
    rvf_filter_init(f);
    return cli_filter_compile(text, &g_fields, f, err, errlen);
}

static void check_bytes_in(const cli_field_map *m, const char *text, const uint8_t *want, size_t n)
{
    rvf_filter f;
    char err[256] = "";
    rvf_filter_init(&f);
    int rc = cli_filter_compile(text, m, &f, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    %s: %s\n", text, err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(f.len, n);
    if (f.len == n)
        CHECK_MEM(f.bytes, want, n);
    else
        rvf_test_hexdump(text, f.bytes, f.len);
    rvf_filter_free(&f);
}

static void check_bytes(const char *text, const uint8_t *want, size_t n)
{
    check_bytes_in(&g_fields, text, want, n);
}

/* The compile fails with a message that starts "filter: column COL: " and contains `part`. */
static void check_error(const char *text, int col, const char *part)
{
    rvf_filter f;
    char err[512] = "";
    int rc = compile(text, &f, err, sizeof err);
    rvf_filter_free(&f);
    CHECK_EQ_INT(rc, -1);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "filter: column %d: ", col);
    bool ok = strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, part) != NULL &&
              strchr(err, '\n') == NULL;
    rvf_test_checks++;
    if (!ok)
        RVF_FAIL_AT("error for \"%s\": got \"%s\", want column %d and \"%s\"", text, err, col,
                    part);
}

/* ---- field map ------------------------------------------------------------------------------ */

static void test_fields(void)
{
    cli_field_map m;
    cli_fields_init(&m);
    char err[256];
    uint16_t id = 0;
    CHECK_EQ_INT(cli_fields_resolve(&m, "#7", 2, &id), 0);
    CHECK_EQ_INT(id, 7);
    CHECK_EQ_INT(cli_fields_resolve(&m, "year", 4, &id), -1);
    CHECK(cli_fields_name(&m, 7) == NULL);

    CHECK_EQ_INT(cli_fields_add(&m, "year=3", err, sizeof err), 0);
    CHECK_EQ_INT(cli_fields_add(&m, "year=3", err, sizeof err), 0); /* same binding again: fine */
    CHECK_EQ_INT(m.n, 1);
    CHECK_EQ_INT(cli_fields_add(&m, "lang.code-2=65535", err, sizeof err), 0);
    CHECK_EQ_INT(cli_fields_add(&m, "_y=3", err, sizeof err), 0); /* two names, one id */
    CHECK_EQ_INT(cli_fields_resolve(&m, "year", 4, &id), 0);
    CHECK_EQ_INT(id, 3);
    CHECK_EQ_INT(cli_fields_resolve(&m, "yearly", 4, &id), 0); /* len bytes only */
    CHECK_EQ_INT(cli_fields_resolve(&m, "yea", 3, &id), -1);
    CHECK_EQ_INT(cli_fields_resolve(&m, "lang.code-2", 11, &id), 0);
    CHECK_EQ_INT(id, 65535);
    CHECK_EQ_INT(cli_fields_resolve(&m, "Year", 4, &id), -1); /* case-sensitive */
    CHECK(strcmp(cli_fields_name(&m, 3), "year") == 0);
    CHECK(cli_fields_name(&m, 4) == NULL);
    CHECK_EQ_INT(cli_fields_resolve(&m, "#65535", 6, &id), 0);
    CHECK_EQ_INT(id, 65535);
    CHECK_EQ_INT(cli_fields_resolve(&m, "#65536", 6, &id), -1);
    CHECK_EQ_INT(cli_fields_resolve(&m, "#", 1, &id), -1);
    CHECK_EQ_INT(cli_fields_resolve(&m, "#1a", 3, &id), -1);

    struct {
        const char *spec, *part;
    } bad[] = {
        {"year=4", "'year' is already bound to id 3"},
        {"year", "expected NAME=ID"},
        {"=3", "bad name ''"},
        {"1abc=3", "bad name '1abc'"},
        {"a b=3", "bad name 'a b'"},
        {"-x=3", "bad name"},
        {"x=65536", "the id must be an integer 0..65535, found '65536'"},
        {"x=-1", "0..65535"},
        {"x=", "0..65535"},
        {"x=abc", "0..65535"},
        {"x=3 ", "0..65535"},
        {"x=1000000000000", "0..65535"},
        {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=1", "bad name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        CHECK_EQ_INT(cli_fields_add(&m, bad[i].spec, err, sizeof err), -1);
        rvf_test_checks++;
        if (!strstr(err, bad[i].part) || !strstr(err, "--field"))
            RVF_FAIL_AT("--field %s: got \"%s\", want \"%s\"", bad[i].spec, err, bad[i].part);
    }
    CHECK_EQ_INT(m.n, 3);
    /* 63 bytes is the longest name */
    char name[80];
    memset(name, 'n', 63);
    snprintf(name + 63, sizeof name - 63, "=9");
    CHECK_EQ_INT(cli_fields_add(&m, name, err, sizeof err), 0);
    CHECK_EQ_INT(cli_fields_resolve(&m, name, 63, &id), 0);
    CHECK_EQ_INT(id, 9);
    /* many bindings grow the array */
    for (int i = 0; i < 100; i++) {
        char spec[32];
        snprintf(spec, sizeof spec, "f%d=%d", i, 1000 + i);
        CHECK_EQ_INT(cli_fields_add(&m, spec, err, sizeof err), 0);
    }
    CHECK_EQ_INT(cli_fields_resolve(&m, "f99", 3, &id), 0);
    CHECK_EQ_INT(id, 1099);
    cli_fields_free(&m);
    CHECK_EQ_INT(m.n, 0);
    CHECK(m.fields == NULL);
    cli_fields_free(&m);
}

/* ---- exact bytes ---------------------------------------------------------------------------- */

static void test_bytes(void)
{
    /* FORMAT.md "Filter example" */
    static const uint8_t example[] = {0x07, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x05,
                                      0x07, 0x00, 0x45, 0x2e, 0x20, 0x63, 0x6f, 0x6c,
                                      0x69, 0x10, 0x01, 0x03, 0x00, 0x03, 0xe8, 0x03,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x30};
    check_bytes_in(&g_bio, "organism = \"E. coli\" and position_start >= 1000", example,
                   sizeof example);
    check_bytes_in(&g_bio, "#0 == 'E. coli' AND #3 >= 1000", example, sizeof example);
    check_bytes_in(&g_bio, "(organism=\"E. coli\")and(position_start>=1000)", example,
                   sizeof example);
    check_bytes_in(NULL, "#0 = \"E. coli\"\n\tand #3 >= 1000", example, sizeof example);

    static const uint8_t isnull[] = {0x03, 0x00, 0x02, 0x00, 0x01, 0x01, 0x00, 0x07, 0x10};
    check_bytes("i is null", isnull, sizeof isnull);
    check_bytes("i = null", isnull, sizeof isnull);
    static const uint8_t notnull[] = {0x03, 0x00, 0x02, 0x00, 0x01, 0x01, 0x00, 0x07, 0x11};
    check_bytes("i IS NOT NULL", notnull, sizeof notnull);

    static const uint8_t in[] = {0x03, 0x00, 0x01, 0x00, /* 3 nodes, depth 1 */
                                 0x01, 0x05, 0x00,       /* FIELD_REF 5 */
                                 0x20, 0x05, 0x00,       /* IN_SET, 5 members */
                                 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* u64 1 */
                                 0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* i64 -2 */
                                 0x05, 0x02, 0x00, 0x61, 0x0a,                         /* "a\n" */
                                 0x06, 0x01,                                           /* true */
                                 0x07,                                                 /* null */
                                 0x32};                                                /* NOT */
    check_bytes("not #5 in (1, -2, 'a\\n', true, null)", in, sizeof in);

    static const uint8_t between[] = {0x07, 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x09,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, /* f64 1.5 */
                                      0x15, 0x01, 0x02, 0x00, 0x03, 0x02, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x30};
    check_bytes("f between 1.5 and 2", between, sizeof between);
    check_bytes("f >= 1.5 and f < 2", between, sizeof between);

    /* precedence: a or (b and (not c)); the stack holds a, b and c's two operands */
    static const uint8_t prec[] = {
        0x0c, 0x00, 0x04, 0x00, 0x01, 0x04, 0x00, 0x06, 0x01, 0x10, /* b = true */
        0x01, 0x04, 0x00, 0x06, 0x00, 0x11,                         /* b != false */
        0x01, 0x03, 0x00, 0x05, 0x01, 0x00, 0x78, 0x21,             /* s prefix "x" */
        0x32, 0x30, 0x31};                                          /* NOT AND OR */
    check_bytes("b = true or b != false and not s prefix 'x'", prec, sizeof prec);
    check_bytes("b = true or (b != false and (not (s prefix 'x')))", prec, sizeof prec);

    static const uint8_t contains[] = {0x03, 0x00, 0x02, 0x00, 0x01, 0x03, 0x00, 0x05,
                                       0x04, 0x00, 0xc3, 0xaf, 0x00, 0x27, 0x22};
    check_bytes("s contains \"\\xc3\\xAF\\x00'\"", contains, sizeof contains);
    check_bytes("s CONTAINS 'ï\\x00\\''", contains, sizeof contains);

    /* left associativity: ((a and b) and c) */
    static const uint8_t assoc[] = {
        0x0b, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0,    0,
        0,    0x10, 0x01, 0x00, 0x00, 0x03, 1,    0,    0, 0, 0, 0, 0, 0,    0x10,
        0x30, 0x01, 0x00, 0x00, 0x03, 2,    0,    0,    0, 0, 0, 0, 0, 0x10, 0x30};
    check_bytes("u = 0 and u = 1 and u = 2", assoc, sizeof assoc);

    /* integer edges: u64 max, i64 min, -0 is u64 0, +7 */
    static const uint8_t edges[] = {
        0x0b, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x10, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x10,
        0x31, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x31};
    check_bytes("u = 18446744073709551615 or u = -9223372036854775808 or u <= -0", edges,
                sizeof edges);
    static const uint8_t plus[] = {0x03, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x09, 0,
                                   0,    0,    0,    0,    0,    0xe0, 0xbf, 0x14};
    check_bytes("u > -.5", plus, sizeof plus);
    check_bytes("u > -5e-1", plus, sizeof plus);
}

/* ---- evaluation through a store ------------------------------------------------------------- */

enum { NV = 10 };
static rvf_store *g_store;

static rvf_value mk_u(uint16_t f, uint64_t v)
{
    rvf_value x;
    memset(&x, 0, sizeof x);
    x.field_id = f;
    x.type = RVF_VALUE_U64;
    x.v.u64 = v;
    return x;
}
static rvf_value mk_i(uint16_t f, int64_t v)
{
    rvf_value x = mk_u(f, 0);
    x.type = RVF_VALUE_I64;
    x.v.i64 = v;
    return x;
}
static rvf_value mk_f(uint16_t f, double v)
{
    rvf_value x = mk_u(f, 0);
    x.type = RVF_VALUE_F64;
    x.v.f64 = v;
    return x;
}
static rvf_value mk_s(uint16_t f, const char *s)
{
    rvf_value x = mk_u(f, 0);
    x.type = RVF_VALUE_STRING;
    x.v.bytes.ptr = (const uint8_t *)s;
    x.v.bytes.len = (uint32_t)strlen(s);
    return x;
}
static rvf_value mk_b(uint16_t f, int b)
{
    rvf_value x = mk_u(f, 0);
    x.type = RVF_VALUE_BOOL;
    x.v.boolean = b;
    return x;
}

/*  id | u (0)   | i (1)     | f (2) | s (3)          | b (4)
 *   1 | 0       | -5        | -1.5  | "apple"        | true
 *   2 | 5       | -1        | 0.0   | "apricot"      | false
 *   3 | 10      | 0         | 0.5   | "banana"       | true
 *   4 | 15      | 3         | 2.25  | "band"         | false
 *   5 | 20      | 7         | 1000  | "E. coli"      | true
 *   6 | 100     | -100      | -0.25 | ""             | false
 *   7 | -       | -         | -     | -              | -
 *   8 | 2^64-1  | 2^63-1    | 3.0   | "naïve"        | true
 *   9 | 7       | -         | 2.0   | "an apple pie" | -
 *  10 | 3       | -2^63     | 1.5   | "Banana"       | false */
static void open_store(void)
{
    rvf_options o = rvf_options_default(2);
    o.no_sync = 1;
    CHECK_EQ_INT(rvf_create_memory(&o, &g_store), RVF_OK);
    float vec[NV * 2];
    uint64_t ids[NV];
    for (int i = 0; i < NV; i++) {
        ids[i] = (uint64_t)i + 1;
        vec[2 * i] = (float)i;
        vec[2 * i + 1] = 1.0f;
    }
    rvf_value meta[64];
    uint32_t counts[NV];
    size_t k = 0;
#define ROW(n, ...)                                                                                \
    do {                                                                                           \
        rvf_value row_[] = {__VA_ARGS__};                                                          \
        for (size_t j_ = 0; j_ < sizeof row_ / sizeof row_[0]; j_++)                               \
            meta[k++] = row_[j_];                                                                  \
        counts[n] = (uint32_t)(sizeof row_ / sizeof row_[0]);                                      \
    } while (0)
    ROW(0, mk_u(0, 0), mk_i(1, -5), mk_f(2, -1.5), mk_s(3, "apple"), mk_b(4, 1));
    ROW(1, mk_u(0, 5), mk_i(1, -1), mk_f(2, 0.0), mk_s(3, "apricot"), mk_b(4, 0));
    ROW(2, mk_u(0, 10), mk_i(1, 0), mk_f(2, 0.5), mk_s(3, "banana"), mk_b(4, 1));
    ROW(3, mk_u(0, 15), mk_i(1, 3), mk_f(2, 2.25), mk_s(3, "band"), mk_b(4, 0));
    ROW(4, mk_u(0, 20), mk_i(1, 7), mk_f(2, 1000.0), mk_s(3, "E. coli"), mk_b(4, 1));
    ROW(5, mk_u(0, 100), mk_i(1, -100), mk_f(2, -0.25), mk_s(3, ""), mk_b(4, 0));
    counts[6] = 0;
    ROW(7, mk_u(0, UINT64_MAX), mk_i(1, INT64_MAX), mk_f(2, 3.0), mk_s(3, "na\xc3\xafve"),
        mk_b(4, 1));
    ROW(8, mk_u(0, 7), mk_f(2, 2.0), mk_s(3, "an apple pie"));
    ROW(9, mk_u(0, 3), mk_i(1, INT64_MIN), mk_f(2, 1.5), mk_s(3, "Banana"), mk_b(4, 0));
#undef ROW
    CHECK_EQ_INT(rvf_ingest(g_store, vec, ids, NV, meta, counts), RVF_OK);
}

/* The ids matching text, as a bit set (bit id). */
static unsigned match_set(const char *text)
{
    rvf_filter f;
    char err[256] = "";
    if (compile(text, &f, err, sizeof err) != 0) {
        RVF_FAIL_AT("compile \"%s\": %s", text, err);
        rvf_filter_free(&f);
        return 0xFFFFFFFFu;
    }
    float q[2] = {0, 0};
    rvf_hit hits[NV];
    uint32_t n = 0;
    rvf_query_params p = {NV, -1, f.bytes, f.len, 0};
    rvf_status st = rvf_query(g_store, q, 2, &p, hits, &n);
    if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
        RVF_FAIL_AT("query \"%s\": %s", text, rvf_strerror(st));
    unsigned set = 0;
    for (uint32_t i = 0; i < n; i++)
        set |= 1u << hits[i].id;
    rvf_filter_free(&f);
    return set;
}

static unsigned ids_of(const int *ids, size_t n)
{
    unsigned set = 0;
    for (size_t i = 0; i < n; i++)
        set |= 1u << ids[i];
    return set;
}
#define IDS(...)                                                                                   \
    ids_of((const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int))
#define NONE 0u
#define ALL  (IDS(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))

static void check_match(const char *text, unsigned want)
{
    unsigned got = match_set(text);
    rvf_test_checks++;
    if (got != want) {
        char g[64] = "", w[64] = "";
        for (int i = 1; i <= NV; i++) {
            if (got & (1u << i))
                snprintf(g + strlen(g), sizeof g - strlen(g), " %d", i);
            if (want & (1u << i))
                snprintf(w + strlen(w), sizeof w - strlen(w), " %d", i);
        }
        RVF_FAIL_AT("\"%s\": matched {%s } want {%s }", text, g, w);
    }
}

static void test_eval_comparisons(void)
{
    /* u64 */
    check_match("u = 5", IDS(2));
    check_match("u == 5", IDS(2));
    check_match("u != 5", IDS(1, 3, 4, 5, 6, 7, 8, 9, 10)); /* NULL != 5 is true */
    check_match("u < 10", IDS(1, 2, 9, 10));
    check_match("u <= 10", IDS(1, 2, 3, 9, 10));
    check_match("u > 20", IDS(6, 8));
    check_match("u >= 18446744073709551615", IDS(8));
    check_match("u > -1", IDS(1, 2, 3, 4, 5, 6, 8, 9, 10)); /* i64 literal against u64 */
    check_match("#0 = 7", IDS(9));
    /* i64 */
    check_match("i < 0", IDS(1, 2, 6, 10));
    check_match("i >= -1", IDS(2, 3, 4, 5, 8));
    check_match("i = -9223372036854775808", IDS(10));
    check_match("i = 9223372036854775807", IDS(8));
    check_match("i > 5", IDS(5, 8));
    /* f64 (and integer literals against floats) */
    check_match("f < 0", IDS(1, 6));
    check_match("f >= 1.5", IDS(4, 5, 8, 9, 10));
    check_match("f = 2", IDS(9));
    check_match("f > -1e0", IDS(2, 3, 4, 5, 6, 8, 9, 10));
    check_match("f <= 1E3", IDS(1, 2, 3, 4, 5, 6, 8, 9, 10));
    check_match("f = -0.0", IDS(2));
    /* strings, bytewise */
    check_match("s = \"E. coli\"", IDS(5));
    check_match("s = 'E. coli'", IDS(5));
    check_match("s > 'b'", IDS(3, 4, 8));
    check_match("s = ''", IDS(6));
    check_match("s = 'na\\xC3\\xafve'", IDS(8));
    check_match("s = 5", NONE);    /* type mismatch: every comparison false */
    check_match("s != 5", IDS(7)); /* ... NE included, except against NULL */
    /* bools */
    check_match("b = true", IDS(1, 3, 5, 8));
    check_match("b = FALSE", IDS(2, 4, 6, 10));
    check_match("b != true", IDS(2, 4, 6, 7, 9, 10));
}

static void test_eval_operators(void)
{
    check_match("s in ('apple', 'band', 'zzz')", IDS(1, 4));
    check_match("u in (5, 10, -1)", IDS(2, 3));
    check_match("u in (null, 0)", IDS(1, 7));
    check_match("u in ()", NONE);
    check_match("f in (2, 0.5)", IDS(3, 9));
    check_match("u between 5 and 20", IDS(2, 3, 4, 9)); /* half-open: 20 excluded */
    check_match("f between -1 and 1.5", IDS(2, 3, 6));
    check_match("s between 'a' and 'b'", IDS(1, 2, 9));
    check_match("s prefix 'ap'", IDS(1, 2));
    check_match("s prefix ''", IDS(1, 2, 3, 4, 5, 6, 8, 9, 10));
    check_match("s prefix 'Ban'", IDS(10));
    check_match("s contains 'an'", IDS(3, 4, 9, 10));
    check_match("s contains 'ï'", IDS(8));
    check_match("s contains \"\\xc3\\xaf\"", IDS(8));
    check_match("u prefix 'a'", NONE);
    check_match("i is null", IDS(7, 9));
    check_match("i is not null", IDS(1, 2, 3, 4, 5, 6, 8, 10));
    check_match("#77 is null", ALL); /* an unknown field is NULL everywhere */
    check_match("not b = true", IDS(2, 4, 6, 7, 9, 10));
    check_match("not u < 10", IDS(3, 4, 5, 6, 7, 8));
    check_match("not not u < 10", IDS(1, 2, 9, 10));
    check_match("not #9 is null", NONE);
}

static void test_eval_precedence(void)
{
    check_match("u = 0 or u = 5 and i = 0", IDS(1));
    check_match("(u = 0 or u = 5) and i = -1", IDS(2));
    check_match("u = 0 or (u = 5 and i = -1)", IDS(1, 2));
    check_match("not u = 0 and s prefix 'a'", IDS(2, 9));
    check_match("not (u = 0 and s prefix 'a')", IDS(2, 3, 4, 5, 6, 7, 8, 9, 10));
    check_match("u > 5 or s = 'apple' and b = false", IDS(3, 4, 5, 6, 8, 9));
    check_match("(u > 5 or s = 'apple') and b = false", IDS(4, 6));
    check_match("u >= 5 and u < 20 and s contains 'an'", IDS(3, 4, 9));
    check_match("u = 5 AND s PREFIX 'ap' Or u = 100", IDS(2, 6));
    check_match("s = 'E. coli' or s = \"Banana\" or i is null", IDS(5, 7, 9, 10));
    check_match("((((u = 3))))", IDS(10));
    check_match("not (not (u = 3 or u = 7) and not b = false)", IDS(2, 4, 6, 9, 10));
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_errors(void)
{
    /* the header's example, whole */
    rvf_filter f;
    char err[256];
    CHECK_EQ_INT(compile("u >= )", &f, err, sizeof err), -1);
    rvf_filter_free(&f);
    CHECK(strcmp(err, "filter: column 6: expected a value after '>=', found ')'") == 0);
    CHECK_EQ_INT(compile("yeer >= 2020", &f, err, sizeof err), -1);
    rvf_filter_free(&f);
    CHECK(strcmp(err, "filter: column 1: unknown field name (bind it with --field yeer=ID, or "
                      "write #ID), found 'yeer'") == 0);

    check_error("", 1, "empty filter (write a condition such as year >= 2020), found end of input");
    check_error("  \t ", 5, "empty filter");
    check_error("u = 1 and yeer > 2", 11, "--field yeer=ID");
    check_error("s = \"E. coli", 5,
                "unterminated string (missing the closing \"), found '\"E. coli'");
    check_error("s = 'x\\'", 5, "unterminated string");
    check_error("s = 'a\\qb'", 7,
                "bad escape in string (use \\\" \\' \\\\ \\n \\t \\r or \\xHH), "
                "found '\\q'");
    check_error("s = 'a\\x4g'", 7, "\\x takes two hex digits), found '\\x4'");
    check_error("s = 'ab\\x'", 8, "found '\\x'");
    check_error("u => 5", 3, "unknown operator (use = == != < <= > >=), found '=>'");
    check_error("u <> 5", 3, "unknown operator");
    check_error("u ~ 5", 3, "unknown operator");
    check_error("u = 1 && u = 2", 7, "unknown operator (write 'and'), found '&&'");
    check_error("u = 1 || u = 2", 7, "write 'or'");
    check_error("!u = 1", 1, "write 'not'");
    check_error("(u = 1", 7, "expected ')' to close the '(' at column 1, found end of input");
    check_error("((u = 1) or (u = 2 and u = 3)", 30, "'(' at column 1");
    check_error("(u = 1 u = 2)", 8, "expected ')' to close the '(' at column 1, found 'u'");
    check_error("u = 1)", 6, "unbalanced ')'");
    check_error("u = 1 u = 2", 7, "expected 'and', 'or' or the end of the filter, found 'u'");
    check_error(
        "2020 <= u", 1,
        "expected a field name or #ID before the operator (e.g. year >= 2020), found '2020'");
    check_error("'en' = s", 1, "expected a field name or #ID");
    check_error("true = b", 1, "expected a field name or #ID");
    check_error("u = en", 5, "expected a value after '=' (strings need quotes), found 'en'");
    check_error("u = 1 and", 10, "expected a condition (field OP value), found end of input");
    check_error("not", 4, "expected a condition");
    check_error("and u = 1", 1, "expected a condition");
    check_error("u = 1 or ()", 11, "expected a condition (field OP value), found ')'");
    check_error("u", 2, "expected an operator after 'u'");
    check_error("u foo 1", 3,
                "expected an operator after 'u' (= == != < <= > >= in between "
                "prefix contains is), found 'foo'");
    check_error("u @ 1", 3, "unexpected character, found '@'");
    check_error("u = 1 ; u = 2", 7, "unexpected character, found ';'");
    check_error("u = \xe2\x82\xac", 5, "unexpected character, found '\xe2\x82\xac'");
    check_error("u in 1", 6, "expected '(' after 'in'");
    check_error("u in (1, 2", 11,
                "expected ',' or ')' in the list of 'in' opened at column 6, "
                "found end of input");
    check_error("u in (1 2)", 9, "expected ',' or ')'");
    check_error("u in (1,)", 9, "expected a value after ',', found ')'");
    check_error("u in (,)", 7, "expected a value after 'in ('");
    check_error("u between 1 or 2", 13,
                "expected 'and' between the bounds of 'between' "
                "(half-open: lo <= x < hi), found 'or'");
    check_error("u between and 2", 11, "expected a value after 'between' (half-open");
    check_error("u between 1 and", 16, "half-open");
    check_error("s prefix 5", 10, "expected a quoted string after 'prefix', found '5'");
    check_error("s contains x", 12, "expected a quoted string after 'contains'");
    check_error("u is 5", 6, "expected 'null' or 'not null' after 'is', found '5'");
    check_error("u is not 5", 10, "expected 'null' after 'is not'");
    check_error("u = 18446744073709551616", 5, "integer out of range");
    check_error("u = -9223372036854775809", 5, "integer out of range");
    check_error("u = 99999999999999999999999", 5, "integer out of range");
    check_error("u = 1e999", 5, "number out of range of a 64-bit float, found '1e999'");
    check_error("u = 1.2.3", 5, "malformed number, found '1.2.3'");
    check_error("u = 12abc", 5, "malformed number, found '12abc'");
    check_error("u = 1e", 5, "malformed number");
    check_error("u = 1e+", 5, "malformed number");
    check_error("#70000 = 1", 1, "bad field id (write #0 to #65535), found '#70000'");
    check_error("# = 1", 1, "bad field id");
    check_error("#x = 1", 1, "bad field id");
    check_error("u - 1", 3, "unexpected character, found '-'");
    /* columns count characters, not bytes */
    check_error("s = 'na\xc3\xafve' and zz = 1", 17, "found 'zz'");
    /* long tokens are cut in the message */
    check_error("u = 1 and abcdefghijabcdefghijabcdefghijabcdefghij = 2", 11,
                "found 'abcdefghijabcdefghijabcdefghijab...'");
    /* NULL text is empty; a NULL or tiny err buffer is allowed */
    rvf_filter_init(&f);
    CHECK_EQ_INT(cli_filter_compile(NULL, &g_fields, &f, NULL, 0), -1);
    rvf_filter_free(&f);
    char tiny[8];
    rvf_filter_init(&f);
    CHECK_EQ_INT(cli_filter_compile("u =", &g_fields, &f, tiny, sizeof tiny), -1);
    rvf_filter_free(&f);
    CHECK(strcmp(tiny, "filter:") == 0);
    /* without a field map, only #ID works */
    rvf_filter_init(&f);
    CHECK_EQ_INT(cli_filter_compile("#3 = 1", NULL, &f, err, sizeof err), 0);
    rvf_filter_free(&f);
    rvf_filter_init(&f);
    CHECK_EQ_INT(cli_filter_compile("u = 1", NULL, &f, err, sizeof err), -1);
    rvf_filter_free(&f);
    CHECK(strstr(err, "unknown field name") != NULL);
}

/* a = 1 or (a = 1 or (... )) with `levels` parenthesised right operands */
static char *nested_or(int levels, const char *leaf)
{
    size_t cap = (size_t)levels * 32 + 64;
    char *s = malloc(cap);
    size_t n = 0;
    for (int i = 0; i < levels; i++)
        n += (size_t)snprintf(s + n, cap - n, "u = %d or (", i);
    n += (size_t)snprintf(s + n, cap - n, "%s", leaf);
    for (int i = 0; i < levels; i++)
        s[n++] = ')';
    s[n] = 0;
    return s;
}

static void test_limits(void)
{
    rvf_filter f;
    char err[256];
    /* 14 pending operands + a comparison's 2 = the format's stack of 16 */
    char *s = nested_or(14, "u = 100");
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), 0);
    CHECK_EQ_INT(f.bytes[2], 16);
    CHECK_EQ_INT(rvf_filter_validate(f.bytes, f.len), RVF_OK);
    rvf_filter_free(&f);
    check_match(s, IDS(1, 2, 3, 6, 9, 10)); /* u in 0..13 or 100 */
    free(s);
    s = nested_or(15, "u = 100");
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), -1);
    rvf_filter_free(&f);
    CHECK(strstr(err, "expression nests too deeply (the format allows a stack of 16), found 'u'"));
    CHECK(strncmp(err, "filter: column ", 15) == 0);
    free(s);
    /* between needs one more slot */
    s = nested_or(13, "u between 1 and 2");
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), 0);
    rvf_filter_free(&f);
    free(s);
    s = nested_or(14, "u between 1 and 2");
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), -1);
    rvf_filter_free(&f);
    CHECK(strstr(err, "nests too deeply (the format allows a stack of 16)") != NULL);
    free(s);
    /* parentheses alone do not use the stack, but the parser bounds them */
    size_t cap = 1000;
    s = malloc(cap);
    memset(s, '(', 200);
    strcpy(s + 200, "u = 3");
    memset(s + 205, ')', 200);
    s[405] = 0;
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), 0);
    rvf_filter_free(&f);
    memset(s, '(', 201);
    strcpy(s + 201, "u = 3");
    memset(s + 206, ')', 201);
    s[407] = 0;
    check_error(s, 201, "expression nests too deeply (more than 200");
    free(s);
    /* 65535 members in an IN list, not one more */
    cap = 65536 * 3 + 64;
    s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "u in (");
    for (int i = 0; i < 65535; i++)
        n += (size_t)snprintf(s + n, cap - n, "%d,", i % 10);
    s[n - 1] = ')';
    s[n] = 0;
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), 0);
    CHECK_EQ_INT(f.len, 4 + 3 + 3 + 65535 * 9);
    rvf_filter_free(&f);
    check_match(s, IDS(1, 2, 9, 10));
    s[n - 1] = ',';
    snprintf(s + n, cap - n, "7)");
    check_error(s, (int)n + 1, "too many values in the list (the format allows 65535), found '7'");
    free(s);
    /* 65535 nodes at most: u = 1 and u = 1 and ... (4 nodes per term, less one) */
    cap = 16400 * 12;
    s = malloc(cap);
    n = 0;
    for (int i = 0; i < 16384; i++)
        n += (size_t)snprintf(s + n, cap - n, "%su = 1", i ? " and " : "");
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), 0);
    CHECK_EQ_INT(f.bytes[0] | f.bytes[1] << 8, 65535);
    rvf_filter_free(&f);
    snprintf(s + n, cap - n, " and u = 1");
    check_error(s, (int)n + 6, "expression too long (the format allows 65535 nodes)");
    free(s);
    /* a string of 65535 bytes is the longest */
    cap = 70000;
    s = malloc(cap);
    memcpy(s, "s = '", 5);
    memset(s + 5, 'x', 65535);
    strcpy(s + 5 + 65535, "'");
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), 0);
    rvf_filter_free(&f);
    strcpy(s + 5 + 65534, "\\n'");
    CHECK_EQ_INT(compile(s, &f, err, sizeof err), 0); /* the escape is one byte */
    rvf_filter_free(&f);
    memset(s + 5, 'x', 65536);
    strcpy(s + 5 + 65536, "'");
    check_error(s, 5,
                "string longer than 65535 bytes (the format's limit), found "
                "'\'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
    free(s);
}

/* ---- describe ------------------------------------------------------------------------------- */

static void check_describe(const char *text, const char *want)
{
    rvf_filter f;
    char err[256], out[512];
    CHECK_EQ_INT(compile(text, &f, err, sizeof err), 0);
    int n = cli_filter_describe(f.bytes, f.len, &g_fields, out, sizeof out);
    rvf_filter_free(&f);
    CHECK_EQ_INT(n, (int)strlen(want));
    rvf_test_checks++;
    if (strcmp(out, want) != 0)
        RVF_FAIL_AT("describe \"%s\": got \"%s\" want \"%s\"", text, out, want);
}

static void test_describe(void)
{
    cli_field_map m;
    cli_fields_init(&m);
    bind(&m, "organism=0");
    bind(&m, "position_start=3");
    rvf_filter f;
    char err[256], out[256];
    rvf_filter_init(&f);
    CHECK_EQ_INT(cli_filter_compile("#0 = 'E. coli' and #3 >= 1000", &m, &f, err, sizeof err), 0);
    CHECK(cli_filter_describe(f.bytes, f.len, &m, out, sizeof out) > 0);
    CHECK(strcmp(out, "organism = \"E. coli\" and position_start >= 1000") == 0);
    CHECK(cli_filter_describe(f.bytes, f.len, NULL, out, sizeof out) > 0);
    CHECK(strcmp(out, "#0 = \"E. coli\" and #3 >= 1000") == 0);
    /* truncation reports the full length, like snprintf */
    char small[8];
    CHECK_EQ_INT(cli_filter_describe(f.bytes, f.len, NULL, small, sizeof small), 29);
    CHECK(strcmp(small, "#0 = \"E") == 0);
    CHECK_EQ_INT(cli_filter_describe(f.bytes, f.len, NULL, NULL, 0), 29);
    /* invalid bytes */
    f.bytes[f.len - 1] = 0x99;
    CHECK_EQ_INT(cli_filter_describe(f.bytes, f.len, NULL, out, sizeof out), -1);
    CHECK(strstr(out, "invalid filter expression") != NULL);
    CHECK_EQ_INT(cli_filter_describe(f.bytes, 3, NULL, out, sizeof out), -1);
    rvf_filter_free(&f);
    cli_fields_free(&m);

    check_describe("u = 1 or u = 2 and u = 3", "u = 1 or (u = 2 and u = 3)");
    check_describe("(u = 1 or u = 2) and u = 3", "(u = 1 or u = 2) and u = 3");
    check_describe("u = 1 or (u = 2 or u = 3)", "u = 1 or (u = 2 or u = 3)");
    check_describe("u = 1 or u = 2 or u = 3", "u = 1 or u = 2 or u = 3");
    check_describe("u = 1 and u = 2 and u = 3", "u = 1 and u = 2 and u = 3");
    check_describe("not #9 is null", "not (#9 is null)");
    check_describe("i is not null", "i is not null");
    check_describe("i == NULL", "i is null");
    check_describe("not not u != 0", "not (not (u != 0))");
    check_describe("not (u < 1 or u > 2)", "not (u < 1 or u > 2)");
    check_describe("u between 1 and 5", "u between 1 and 5");
    check_describe("u >= -1 and u < 5.5", "u between -1 and 5.5");
    check_describe("u >= 1 and i < 5", "u >= 1 and i < 5");
    check_describe("s in ('a', 'b\"c')", "s in (\"a\", \"b\\\"c\")");
    check_describe("s in ()", "s in ()");
    check_describe("s prefix 'ab' or s contains 'c'", "s prefix \"ab\" or s contains \"c\"");
    check_describe("s = 'a\\\\b\\n\\t\\r\\x01\\x7f\\xff ï'",
                   "s = \"a\\\\b\\n\\t\\r\\x01\\x7f\\xff ï\"");
    check_describe("f = 0.1 or f = 2.0 or f = 1e300 or f = -0.0 or f = 1.5e-7",
                   "f = 0.1 or f = 2.0 or f = 1e+300 or f = -0.0 or f = 1.5e-07");
    check_describe("b = TRUE or b = false", "b = true or b = false");
    check_describe("u = 18446744073709551615 or i = -9223372036854775808",
                   "u = 18446744073709551615 or i = -9223372036854775808");

    /* shapes the syntax cannot write are still shown */
    rvf_filter_init(&f);
    rvf_value v;
    memset(&v, 0, sizeof v);
    v.type = RVF_VALUE_U32;
    v.v.u64 = 7;
    rvf_filter_cmp(&f, 0, RVF_FILTER_EQ, &v);
    v.type = RVF_VALUE_F32;
    v.v.f64 = 0.5;
    rvf_filter_cmp(&f, 2, RVF_FILTER_LT, &v);
    rvf_filter_op(&f, RVF_FILTER_OR);
    rvf_filter_field(&f, 0);
    rvf_filter_field(&f, 2);
    rvf_filter_op(&f, RVF_FILTER_GT);
    rvf_filter_op(&f, RVF_FILTER_AND);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    CHECK(cli_filter_describe(f.bytes, f.len, &g_fields, out, sizeof out) > 0);
    CHECK(strcmp(out, "(u = 7 or f < 0.5) and u > f") == 0);
    rvf_filter_free(&f);
    /* a field named "not" is shown by id */
    cli_fields_init(&m);
    bind(&m, "not=4");
    bind(&m, "in=5");
    rvf_filter_init(&f);
    CHECK_EQ_INT(cli_filter_compile("#4 = 1 and in = 2", &m, &f, err, sizeof err), 0);
    CHECK(cli_filter_describe(f.bytes, f.len, &m, out, sizeof out) > 0);
    CHECK(strcmp(out, "#4 = 1 and in = 2") == 0);
    rvf_filter_free(&f);
    cli_fields_free(&m);
}

/* compile(describe(compile(x))) == compile(x), and describe is a fixed point. */
static void test_round_trip(void)
{
    static const char *exprs[] = {
        "#0 = \"E. coli\" and #3 >= 1000",
        "u = 5",
        "u == 5 or u != 6",
        "u < 1 and u <= 2 and u > 3 and u >= 4",
        "i = -1 or i = -9223372036854775808 or u = 18446744073709551615",
        "f = 0.1 or f = -2.5e-300 or f = 1e308 or f = 0.30000000000000004 or f = 5e-324",
        "f = 3.141592653589793 or f = -0.0 or f = 100.0 or f = 123456789012345680000.0",
        "s = 'E. coli'",
        "s = \"quote\\\" apos\\' back\\\\ nl\\n tab\\t cr\\r hex\\x00\\x1f\\x7f\\x80\\xfe ï €\"",
        "s in ('en', 'de', 'fr') and b = true",
        "u in (1, -2, 3.5, 'x', true, false, null)",
        "u in ()",
        "u between 10 and 20",
        "f between -1.5 and 1e3 or s between 'a' and 'b'",
        "s prefix 'ab' and s contains 'cd'",
        "i is null or i is not null",
        "not u = 1",
        "not not not u = 1",
        "not (u = 1 and u = 2)",
        "u = 1 or u = 2 and u = 3",
        "(u = 1 or u = 2) and u = 3",
        "u = 1 and (u = 2 or u = 3) and (u = 4 or not u = 5)",
        "u = 1 or (u = 2 or (u = 3 or (u = 4 or u = 5)))",
        "u = 1 and (u = 2 and (u = 3 and u = 4))",
        "((u = 1 or u = 2) and (u = 3 or u = 4)) or not (u = 5 and u = 6)",
        "#65535 = 0 and #0 != 65535",
        "b = false or b != true",
        "u >= 5 and u < 9",
        "u >= 5 and u < 9 and u >= 1 and u < 2",
        "not (u between 1 and 2) or s is null",
        "u > 1 or u >= 2 and not (s contains 'x' or s prefix 'y') and i in (1)",
    };
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        rvf_filter a, b;
        char err[256], t1[2048], t2[2048];
        rvf_test_current = exprs[i];
        CHECK_EQ_INT(compile(exprs[i], &a, err, sizeof err), 0);
        int n1 = cli_filter_describe(a.bytes, a.len, &g_fields, t1, sizeof t1);
        CHECK(n1 > 0 && (size_t)n1 < sizeof t1);
        int rc = compile(t1, &b, err, sizeof err);
        if (rc != 0)
            RVF_FAIL_AT("recompile \"%s\": %s", t1, err);
        CHECK_EQ_INT(b.len, a.len);
        if (b.len == a.len)
            CHECK_MEM(b.bytes, a.bytes, a.len);
        int n2 = cli_filter_describe(b.bytes, b.len, &g_fields, t2, sizeof t2);
        CHECK_EQ_INT(n2, n1);
        CHECK(strcmp(t1, t2) == 0);
        rvf_filter_free(&a);
        rvf_filter_free(&b);
    }
    rvf_test_current = "test_round_trip";
    /* random expressions over the grammar */
    rvf_test_rng r = {12345};
    static const char *atoms[] = {"u = 1",        "i < -3",           "f >= 2.5",
                                  "s = 'x'",      "s in ('a', 'b')",  "u between 1 and 9",
                                  "s prefix 'p'", "s contains \"c\"", "i is null",
                                  "b is not null"};
    for (int t = 0; t < 300; t++) {
        char text[4096];
        size_t n = 0;
        int open = 0, terms = 1 + (int)(rvf_test_next(&r) % 12);
        for (int k = 0; k < terms; k++) {
            if (k)
                n += (size_t)snprintf(text + n, sizeof text - n, "%s",
                                      rvf_test_next(&r) % 2 ? " and " : " or ");
            while (open < 5 && rvf_test_next(&r) % 4 == 0) {
                n += (size_t)snprintf(text + n, sizeof text - n, "(");
                open++;
            }
            if (rvf_test_next(&r) % 4 == 0)
                n += (size_t)snprintf(text + n, sizeof text - n, "not ");
            n += (size_t)snprintf(text + n, sizeof text - n, "%s",
                                  atoms[rvf_test_next(&r) % (sizeof atoms / sizeof atoms[0])]);
            while (open > 0 && rvf_test_next(&r) % 3 == 0) {
                n += (size_t)snprintf(text + n, sizeof text - n, ")");
                open--;
            }
        }
        while (open-- > 0)
            n += (size_t)snprintf(text + n, sizeof text - n, ")");
        rvf_filter a, b;
        char err[256], t1[8192];
        if (compile(text, &a, err, sizeof err) != 0) {
            RVF_FAIL_AT("compile \"%s\": %s", text, err);
            rvf_filter_free(&a);
            continue;
        }
        int n1 = cli_filter_describe(a.bytes, a.len, &g_fields, t1, sizeof t1);
        CHECK(n1 > 0 && (size_t)n1 < sizeof t1);
        if (compile(t1, &b, err, sizeof err) != 0)
            RVF_FAIL_AT("recompile \"%s\" (from \"%s\"): %s", t1, text, err);
        if (b.len != a.len || memcmp(a.bytes, b.bytes, a.len) != 0)
            RVF_FAIL_AT("round trip of \"%s\" via \"%s\" changed the bytes", text, t1);
        rvf_test_checks++;
        /* the evaluation agrees too */
        CHECK_EQ_INT(match_set(text), match_set(t1));
        rvf_filter_free(&a);
        rvf_filter_free(&b);
    }
}

int main(void)
{
    cli_fields_init(&g_fields);
    bind(&g_fields, "u=0");
    bind(&g_fields, "i=1");
    bind(&g_fields, "f=2");
    bind(&g_fields, "s=3");
    bind(&g_fields, "b=4");
    cli_fields_init(&g_bio);
    bind(&g_bio, "organism=0");
    bind(&g_bio, "position_start=3");
    open_store();
    RVF_TEST_RUN(test_fields);
    RVF_TEST_RUN(test_bytes);
    RVF_TEST_RUN(test_eval_comparisons);
    RVF_TEST_RUN(test_eval_operators);
    RVF_TEST_RUN(test_eval_precedence);
    RVF_TEST_RUN(test_errors);
    RVF_TEST_RUN(test_limits);
    RVF_TEST_RUN(test_describe);
    RVF_TEST_RUN(test_round_trip);
    rvf_close(g_store);
    cli_fields_free(&g_fields);
    cli_fields_free(&g_bio);
    return rvf_test_finish();
}
