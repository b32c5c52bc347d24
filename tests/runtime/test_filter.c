/* test_filter: the filter expression of RVF-BRIEF §5.7: the spec example's exact bytes, every
 * literal encoding, the comparison/NULL/NaN/type-mismatch semantics for every operator, every
 * rejection with its status, and random corruption (validate and eval must agree, never crash). */
#include "rvf_internal.h"
#include "rvf_test.h"

static rvf_value U64(uint64_t x)
{
    rvf_value v = {0};
    v.type = RVF_VALUE_U64;
    v.v.u64 = x;
    return v;
}
static rvf_value U32(uint32_t x)
{
    rvf_value v = {0};
    v.type = RVF_VALUE_U32;
    v.v.u64 = x;
    return v;
}
static rvf_value I64(int64_t x)
{
    rvf_value v = {0};
    v.type = RVF_VALUE_I64;
    v.v.i64 = x;
    return v;
}
static rvf_value F64(double x)
{
    rvf_value v = {0};
    v.type = RVF_VALUE_F64;
    v.v.f64 = x;
    return v;
}
static rvf_value F32(float x)
{
    rvf_value v = {0};
    v.type = RVF_VALUE_F32;
    v.v.f64 = x;
    return v;
}
static rvf_value STRN(const char *s, uint32_t n)
{
    rvf_value v = {0};
    v.type = RVF_VALUE_STRING;
    v.v.bytes.ptr = (const uint8_t *)s;
    v.v.bytes.len = n;
    return v;
}
static rvf_value STR(const char *s)
{
    return STRN(s, (uint32_t)strlen(s));
}
static rvf_value BYT(const char *s, uint32_t n)
{
    rvf_value v = STRN(s, n);
    v.type = RVF_VALUE_BYTES;
    return v;
}
static rvf_value BOOLV(int b)
{
    rvf_value v = {0};
    v.type = RVF_VALUE_BOOL;
    v.v.boolean = b;
    return v;
}
static rvf_value NUL(void)
{
    rvf_value v = {0};
    v.type = RVF_VALUE_NULL;
    return v;
}
static rvf_value FID(rvf_value v, uint16_t fid)
{
    v.field_id = fid;
    return v;
}

static void unhex(const char *h, uint8_t *out, size_t *n)
{
    size_t k = 0;
    for (; *h; h++) {
        if (*h == ' ' || *h == '|')
            continue;
        unsigned v;
        sscanf(h, "%2x", &v);
        out[k++] = (uint8_t)v;
        h++;
    }
    *n = k;
}

static void check_bytes(const rvf_filter *f, const char *hex)
{
    uint8_t want[512];
    size_t n;
    unhex(hex, want, &n);
    CHECK_EQ_INT(f->len, n);
    if (f->len == n)
        CHECK_MEM(f->bytes, want, n);
}

/* 1 match, 0 no match, negative: the status. */
static int eval(const rvf_filter *f, const rvf_value *fields, uint32_t n)
{
    bool m = false;
    rvf_status st = rvf_filter_eval(f->bytes, f->len, fields, n, &m);
    return st == RVF_OK ? (int)m : (int)st;
}

static void test_spec_example(void)
{
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value org = STR("E. coli"), pos = U64(1000);
    rvf_filter_cmp(&f, 0, RVF_FILTER_EQ, &org);
    rvf_filter_cmp(&f, 3, RVF_FILTER_GE, &pos);
    rvf_filter_op(&f, RVF_FILTER_AND);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    check_bytes(&f, "07 00 03 00 | 01 0000 | 05 0700 45 2e 20 63 6f 6c 69 | 10 | 01 0300 |"
                    "03 e803000000000000 | 15 | 30");
    CHECK_EQ_INT(f.nodes, 7);
    CHECK_EQ_INT(f.max_depth, 3);
    CHECK_EQ_INT(f.depth, 1);
    CHECK_EQ_INT(rvf_filter_validate(f.bytes, f.len), RVF_OK);

    rvf_value row[3] = {FID(STR("E. coli"), 0), FID(U64(1000), 3), FID(STR("x"), 9)};
    CHECK_EQ_INT(eval(&f, row, 3), 1);
    row[1] = FID(U64(999), 3);
    CHECK_EQ_INT(eval(&f, row, 3), 0);
    row[1] = FID(U64(5000), 3);
    row[0] = FID(STR("E. col"), 0);
    CHECK_EQ_INT(eval(&f, row, 3), 0);
    row[0] = FID(STR("E. coli "), 0);
    CHECK_EQ_INT(eval(&f, row, 3), 0);
    /* The field order in the row does not matter; i64/u32 positions compare by value. */
    rvf_value swapped[2] = {FID(I64(1000), 3), FID(STR("E. coli"), 0)};
    CHECK_EQ_INT(eval(&f, swapped, 2), 1);
    swapped[0] = FID(U32(1001), 3);
    CHECK_EQ_INT(eval(&f, swapped, 2), 1);
    swapped[0] = FID(F64(999.5), 3);
    CHECK_EQ_INT(eval(&f, swapped, 2), 0);
    /* Missing fields are NULL: no match, never an error. */
    CHECK_EQ_INT(eval(&f, row, 1), 0);
    CHECK_EQ_INT(eval(&f, NULL, 0), 0);
    rvf_value only_pos[1] = {FID(U64(2000), 3)};
    CHECK_EQ_INT(eval(&f, only_pos, 1), 0);
    /* A type mismatch is no match: organism stored as bytes still matches (bytewise). */
    rvf_value as_bytes[2] = {FID(BYT("E. coli", 7), 0), FID(U64(1000), 3)};
    CHECK_EQ_INT(eval(&f, as_bytes, 2), 1);
    rvf_value as_num[2] = {FID(U64(7), 0), FID(U64(1000), 3)};
    CHECK_EQ_INT(eval(&f, as_num, 2), 0);
    rvf_filter_free(&f);
    CHECK(f.bytes == NULL && f.len == 0);
}

static void test_literal_encodings(void)
{
    static const struct {
        rvf_value v;
        const char *hex;
    } cases[] = {
        {{0, RVF_VALUE_U32, {.u64 = 0x01020304}}, "02 04030201"},
        {{0, RVF_VALUE_U64, {.u64 = 0x0102030405060708ull}}, "03 0807060504030201"},
        {{0, RVF_VALUE_F32, {.f64 = 1.5}}, "04 0000c03f"},
        {{0, RVF_VALUE_STRING, {.bytes = {(const uint8_t *)"ab", 2}}}, "05 0200 6162"},
        {{0, RVF_VALUE_BYTES, {.bytes = {(const uint8_t *)"\x00\xff", 2}}}, "05 0200 00ff"},
        {{0, RVF_VALUE_STRING, {.bytes = {NULL, 0}}}, "05 0000"},
        {{0, RVF_VALUE_BOOL, {.boolean = 1}}, "06 01"},
        {{0, RVF_VALUE_BOOL, {.boolean = 0}}, "06 00"},
        {{0, RVF_VALUE_NULL, {.u64 = 0}}, "07"},
        {{0, RVF_VALUE_I64, {.i64 = -2}}, "08 feffffffffffffff"},
        {{0, RVF_VALUE_F64, {.f64 = 1.5}}, "09 000000000000f83f"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rvf_filter f;
        rvf_filter_init(&f);
        rvf_filter_cmp(&f, 0x1234, RVF_FILTER_EQ, &cases[i].v);
        CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
        char hex[128];
        snprintf(hex, sizeof hex, "03 00 02 00 01 3412 %s 10", cases[i].hex);
        check_bytes(&f, hex);
        rvf_filter_free(&f);
    }
    /* IN_SET: one node; the set members are literal tokens inside its payload. */
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value set[3] = {U32(1), STR("a"), NUL()};
    rvf_filter_field(&f, 1);
    rvf_filter_in(&f, set, 3);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    check_bytes(&f, "02 00 01 00 | 01 0100 | 20 0300 02 01000000 05 0100 61 07");
    rvf_filter_free(&f);
    /* Range = GE lo, LT hi, AND. */
    rvf_filter_init(&f);
    rvf_value lo = U64(10), hi = U64(20);
    rvf_filter_range(&f, 2, &lo, &hi);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    check_bytes(&f,
                "07 00 03 00 | 01 0200 03 0a00000000000000 15 | 01 0200 03 1400000000000000 12 |"
                "30");
    static const struct {
        uint64_t x;
        int want;
    } r[] = {{9, 0}, {10, 1}, {15, 1}, {19, 1}, {20, 0}, {UINT64_MAX, 0}};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        rvf_value row = FID(U64(r[i].x), 2);
        CHECK_EQ_INT(eval(&f, &row, 1), r[i].want);
    }
    CHECK_EQ_INT(eval(&f, NULL, 0), 0);
    rvf_filter_free(&f);
}

enum { T = 1, F = 0 };

/* field 1 = a (a NULL-typed a is also tried as a missing field), literal b. */
static void check_ops(int line, rvf_value a, rvf_value b, const int want[6])
{
    static const uint8_t ops[6] = {RVF_FILTER_EQ, RVF_FILTER_NE, RVF_FILTER_LT,
                                   RVF_FILTER_LE, RVF_FILTER_GT, RVF_FILTER_GE};
    for (int missing = 0; missing <= (a.type == RVF_VALUE_NULL); missing++) {
        for (int i = 0; i < 6; i++) {
            rvf_filter f;
            rvf_filter_init(&f);
            rvf_filter_cmp(&f, 1, ops[i], &b);
            CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
            rvf_value row = FID(a, 1);
            int got = eval(&f, &row, missing ? 0 : 1);
            rvf_test_checks++;
            if (got != want[i])
                RVF_FAIL_AT("table line %d op 0x%02x%s: got %d want %d", line, ops[i],
                            missing ? " (missing field)" : "", got, want[i]);
            rvf_filter_free(&f);
        }
    }
}

static void test_compare_table(void)
{
    const double nan = strtod("nan", NULL), inf = strtod("inf", NULL);
    static const int LT_[6] = {F, T, T, T, F, F}, EQ_[6] = {T, F, F, T, F, T},
                     GT_[6] = {F, T, F, F, T, T}, NONE[6] = {F, F, F, F, F, F},
                     NULL_NE[6] = {F, T, F, F, F, F}, BOOL_EQ[6] = {T, F, F, F, F, F};
    const struct {
        int line;
        rvf_value a, b;
        const int *want;
    } t[] = {
        /* integers compare exactly across u32/u64/i64 */
        {__LINE__, U64(5), U64(5), EQ_},
        {__LINE__, U64(5), U64(7), LT_},
        {__LINE__, U32(7), U64(7), EQ_},
        {__LINE__, U64(7), U32(6), GT_},
        {__LINE__, I64(-1), U64(0), LT_},
        {__LINE__, I64(-1), U64(UINT64_MAX), LT_},
        {__LINE__, U64(UINT64_MAX), I64(-1), GT_},
        {__LINE__, U64(1ull << 63), I64(INT64_MAX), GT_},
        {__LINE__, I64(INT64_MAX), U64(1ull << 63), LT_},
        {__LINE__, I64(5), U32(5), EQ_},
        {__LINE__, I64(INT64_MIN), I64(-1), LT_},
        {__LINE__, U64((1ull << 53) + 1), U64(1ull << 53), GT_}, /* equal as f64 */
        {__LINE__, I64(-3), I64(-3), EQ_},
        /* a float on either side: compare as f64 */
        {__LINE__, F64(1.5), U64(1), GT_},
        {__LINE__, U64(1), F32(1.0f), EQ_},
        {__LINE__, I64(-2), F64(-1.5), LT_},
        {__LINE__, F32(0.5f), F64(0.5), EQ_},
        {__LINE__, F64(-0.0), F64(0.0), EQ_},
        {__LINE__, F64(inf), U64(UINT64_MAX), GT_},
        {__LINE__, F64(-inf), I64(INT64_MIN), LT_},
        /* NaN: every comparison false, NE included */
        {__LINE__, F64(nan), F64(nan), NONE},
        {__LINE__, F64(nan), U64(1), NONE},
        {__LINE__, U64(1), F64(nan), NONE},
        {__LINE__, F32(1.0f), F32((float)nan), NONE},
        /* strings and bytes: memcmp, then length */
        {__LINE__, STR("abc"), STR("abd"), LT_},
        {__LINE__, STR("abc"), STR("ab"), GT_},
        {__LINE__, STR(""), STR(""), EQ_},
        {__LINE__, STR(""), STR("a"), LT_},
        {__LINE__, BYT("\x00\xff", 2), STRN("\x00\xff", 2), EQ_},
        {__LINE__, BYT("\xff", 1), STR("\x01"), GT_},
        {__LINE__, STRN("a\0b", 3), STRN("a\0c", 3), LT_},
        /* string vs number, bool vs anything else: every operator false */
        {__LINE__, STR("1"), U64(1), NONE},
        {__LINE__, U64(1), STR("1"), NONE},
        {__LINE__, F64(1), STR("1"), NONE},
        {__LINE__, BOOLV(1), U64(1), NONE},
        {__LINE__, U64(0), BOOLV(0), NONE},
        {__LINE__, BOOLV(0), STR(""), NONE},
        /* bool: EQ / NE only */
        {__LINE__, BOOLV(1), BOOLV(1), BOOL_EQ},
        {__LINE__, BOOLV(0), BOOLV(0), BOOL_EQ},
        {__LINE__, BOOLV(1), BOOLV(0), NULL_NE},
        {__LINE__, BOOLV(0), BOOLV(1), NULL_NE},
        /* NULL (a missing field or a null slot) */
        {__LINE__, NUL(), U64(1), NULL_NE},
        {__LINE__, NUL(), STR("x"), NULL_NE},
        {__LINE__, NUL(), BOOLV(0), NULL_NE},
        {__LINE__, NUL(), F64(nan), NULL_NE},
        {__LINE__, NUL(), NUL(), BOOL_EQ},
        {__LINE__, U64(1), NUL(), NULL_NE},
        {__LINE__, STR(""), NUL(), NULL_NE},
        {__LINE__, F64(nan), NUL(), NULL_NE}, /* the NULL rule comes first */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        check_ops(t[i].line, t[i].a, t[i].b, t[i].want);
}

static int eval_in(rvf_value a, const rvf_value *set, uint16_t n, int missing)
{
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_filter_field(&f, 4);
    rvf_filter_in(&f, set, n);
    int st = rvf_filter_finish(&f);
    rvf_value row = FID(a, 4);
    int r = st ? st : eval(&f, &row, missing ? 0 : 1);
    rvf_filter_free(&f);
    return r;
}

static int eval_bin(uint8_t op, rvf_value a, rvf_value b)
{
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 4, op, &b);
    int st = rvf_filter_finish(&f);
    rvf_value row = FID(a, 4);
    int r = st ? st : eval(&f, &row, 1);
    rvf_filter_free(&f);
    return r;
}

static void test_set_and_string_ops(void)
{
    const double nan = strtod("nan", NULL);
    rvf_value s13[2] = {U64(1), U64(3)}, s3[1] = {STR("3")}, s12n[3] = {U64(1), U64(2), NUL()};
    rvf_value sn[1] = {NUL()}, sab[2] = {STR("a"), STR("b")}, snan[1] = {F64(nan)};
    rvf_value smax[1] = {U64(UINT64_MAX)}, s5f[1] = {F64(5.0)}, st[1] = {BOOLV(1)};
    CHECK_EQ_INT(eval_in(U64(3), s13, 2, 0), T);
    CHECK_EQ_INT(eval_in(U64(2), s13, 2, 0), F);
    CHECK_EQ_INT(eval_in(U64(3), s3, 1, 0), F);
    CHECK_EQ_INT(eval_in(NUL(), s13, 2, 0), F);
    CHECK_EQ_INT(eval_in(NUL(), s13, 2, 1), F);
    CHECK_EQ_INT(eval_in(NUL(), s12n, 3, 0), T);
    CHECK_EQ_INT(eval_in(NUL(), s12n, 3, 1), T);
    CHECK_EQ_INT(eval_in(U64(1), sn, 1, 0), F);
    CHECK_EQ_INT(eval_in(U64(2), s12n, 3, 0), T);
    CHECK_EQ_INT(eval_in(STR("b"), sab, 2, 0), T);
    CHECK_EQ_INT(eval_in(BYT("a", 1), sab, 2, 0), T);
    CHECK_EQ_INT(eval_in(STR("c"), sab, 2, 0), F);
    CHECK_EQ_INT(eval_in(U64(1), NULL, 0, 0), F);
    CHECK_EQ_INT(eval_in(NUL(), NULL, 0, 1), F);
    CHECK_EQ_INT(eval_in(F64(nan), snan, 1, 0), F);
    CHECK_EQ_INT(eval_in(I64(-1), smax, 1, 0), F);
    CHECK_EQ_INT(eval_in(U32(5), s5f, 1, 0), T);
    CHECK_EQ_INT(eval_in(BOOLV(1), st, 1, 0), T);
    CHECK_EQ_INT(eval_in(U64(1), st, 1, 0), F);

    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, STR("hello"), STR("he")), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, STR("hello"), STR("hello")), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, STR("he"), STR("hello")), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, STR("hello"), STR("el")), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, STR("x"), STR("")), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, STR(""), STR("")), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, BYT("\x00\x01", 2), STRN("\x00", 1)), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, NUL(), STR("a")), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, NUL(), STR("")), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, STR("a"), NUL()), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, U64(12), STR("1")), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_PREFIX, STR("12"), U64(1)), F);

    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, STR("hello"), STR("ll")), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, STR("hello"), STR("lo")), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, STR("hello"), STR("lo!")), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, STR("hello"), STR("")), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, STR("aaab"), STR("aab")), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, STR("ab"), STR("abc")), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, BYT("x\0y", 3), STRN("\0y", 2)), T);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, NUL(), STR("")), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, STR("a"), NUL()), F);
    CHECK_EQ_INT(eval_bin(RVF_FILTER_CONTAINS, F64(1.5), STR("1")), F);

    /* AND / OR / NOT truth tables over LIT_BOOL operands. */
    for (int x = 0; x < 2; x++) {
        for (int y = 0; y < 2; y++) {
            static const uint8_t ops[2] = {RVF_FILTER_AND, RVF_FILTER_OR};
            for (int o = 0; o < 2; o++) {
                rvf_filter f;
                rvf_filter_init(&f);
                rvf_value a = BOOLV(x), b = BOOLV(y);
                rvf_filter_value(&f, &a);
                rvf_filter_value(&f, &b);
                rvf_filter_op(&f, ops[o]);
                CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
                CHECK_EQ_INT(eval(&f, NULL, 0), o ? (x || y) : (x && y));
                rvf_filter_op(&f, RVF_FILTER_NOT);
                CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
                CHECK_EQ_INT(eval(&f, NULL, 0), !(o ? (x || y) : (x && y)));
                rvf_filter_free(&f);
            }
        }
    }
    /* NOT over a NULL comparison: NOT(field EQ 1) matches a vector without the field. */
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value one = U64(1);
    rvf_filter_cmp(&f, 4, RVF_FILTER_EQ, &one);
    rvf_filter_op(&f, RVF_FILTER_NOT);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    CHECK_EQ_INT(eval(&f, NULL, 0), T);
    rvf_value row = FID(U64(1), 4);
    CHECK_EQ_INT(eval(&f, &row, 1), F);
    rvf_filter_free(&f);
}

static rvf_status validate_hex(const char *hex)
{
    uint8_t b[256];
    size_t n;
    unhex(hex, b, &n);
    /* An exact-size heap copy: any read past the end is an ASan error. */
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, b, n);
    rvf_status st = rvf_filter_validate(copy, n);
    bool m;
    rvf_value row = FID(U64(1), 1);
    rvf_status st2 = rvf_filter_eval(copy, n, &row, 1, &m);
    free(copy);
    rvf_test_checks++;
    if (st != st2)
        RVF_FAIL_AT("validate %d != eval %d for %s", st, st2, hex);
    return st;
}

static void test_rejections(void)
{
    const rvf_status P = RVF_ERR_FILTER_PARSE_ERROR;
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 03 0100000000000000 10"), RVF_OK);
    CHECK_EQ_INT(validate_hex("01 00 01 00 06 01"), RVF_OK); /* LIT_BOOL alone is a filter */
    CHECK_EQ_INT(validate_hex("03 00 10 00 01 0100 02 01000000 10"), RVF_OK); /* depth 16 ok */
    CHECK_EQ_INT(rvf_filter_validate(NULL, 0), P);
    CHECK_EQ_INT(validate_hex(""), P);
    CHECK_EQ_INT(validate_hex("01 00 01"), P);                           /* short header */
    CHECK_EQ_INT(validate_hex("00 00 00 00"), P);                        /* empty stack */
    CHECK_EQ_INT(validate_hex("03 00 11 00 01 0100 02 01000000 10"), P); /* depth 17 */
    CHECK_EQ_INT(validate_hex("03 00 ff 00 01 0100 02 01000000 10"), P); /* depth 255 */
    CHECK_EQ_INT(validate_hex("03 00 01 00 01 0100 02 01000000 10"), P); /* overflow */
    CHECK_EQ_INT(validate_hex("03 00 00 00 01 0100 02 01000000 10"), P); /* overflow */
    CHECK_EQ_INT(validate_hex("03 00 01 00 06 01 01 0100 10"), P);       /* overflow */
    CHECK_EQ_INT(validate_hex("02 00 02 00 01 0100 10"), P);             /* underflow */
    CHECK_EQ_INT(validate_hex("01 00 02 00 32"), P);                     /* NOT, empty */
    CHECK_EQ_INT(validate_hex("01 00 02 00 20 0000"), P);                /* IN, empty */
    CHECK_EQ_INT(validate_hex("02 00 02 00 01 0100 01 0200"), P);        /* two left */
    CHECK_EQ_INT(validate_hex("01 00 01 00 01 0100"), P);                /* not bool */
    CHECK_EQ_INT(validate_hex("01 00 01 00 03 0100000000000000"), P);    /* not bool */
    CHECK_EQ_INT(validate_hex("01 00 01 00 07"), P);                     /* not bool */
    CHECK_EQ_INT(validate_hex("02 00 01 00 01 0100 32"), P);             /* NOT field */
    CHECK_EQ_INT(validate_hex("05 00 03 00 01 0100 06 01 10 06 01 30"), RVF_OK);
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 06 01 30"), P);             /* AND field */
    CHECK_EQ_INT(validate_hex("03 00 02 00 06 01 01 0100 31"), P);             /* OR field */
    CHECK_EQ_INT(validate_hex("03 00 02 00 06 01 03 0100000000000000 30"), P); /* AND num */
    CHECK_EQ_INT(validate_hex("01 00 01 00 00"), P);                           /* unknown 0x00 */
    CHECK_EQ_INT(validate_hex("01 00 01 00 0a"), P);                           /* unknown 0x0a */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 01 0100 16"), P);           /* unknown 0x16 */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 01 0100 23"), P);           /* unknown 0x23 */
    CHECK_EQ_INT(validate_hex("03 00 02 00 06 01 06 01 33"), P);               /* unknown 0x33 */
    CHECK_EQ_INT(validate_hex("01 00 01 00 ff"), P);                           /* unknown 0xff */
    CHECK_EQ_INT(validate_hex("02 00 01 00 01 0100 20 0100 01 0100"), P); /* FIELD_REF in set */
    CHECK_EQ_INT(validate_hex("02 00 01 00 01 0100 20 0100 10"), P);      /* op in set */
    CHECK_EQ_INT(validate_hex("02 00 01 00 01 0100 20 0200 07"), P);      /* set too short */
    CHECK_EQ_INT(validate_hex("02 00 01 00 01 0100 20 01"), P);           /* set_size cut */
    CHECK_EQ_INT(validate_hex("02 00 01 00 01 0100 20 0100 07"), RVF_OK);
    CHECK_EQ_INT(validate_hex("04 00 02 00 01 0100 02 01000000 10"), P);    /* count > tokens */
    CHECK_EQ_INT(validate_hex("02 00 02 00 01 0100 02 01000000 10"), P);    /* count < tokens */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 02 01000000 10 00"), P); /* trailing */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 01"), P);                     /* field_id cut */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 02 010000"), P);         /* u32 cut */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 03 01000000000000"), P); /* u64 cut */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 04 000080"), P);         /* f32 cut */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 08 00"), P);             /* i64 cut */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 09 00"), P);             /* f64 cut */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 05 0300 6162 10"), P);   /* str beyond */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 05 03"), P);             /* str len cut */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 06"), P);                /* bool cut */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 06 02 10"), P);          /* bool 2 */
    CHECK_EQ_INT(validate_hex("03 00 02 00 01 0100 06 01 10"), RVF_OK);
    /* The reserved byte is not interpreted. */
    CHECK_EQ_INT(validate_hex("03 00 02 7f 01 0100 06 01 10"), RVF_OK);

    bool m = true;
    uint8_t ok[] = {1, 0, 1, 0, RVF_TOK_LIT_BOOL, 1};
    CHECK_EQ_INT(rvf_filter_eval(ok, sizeof ok, NULL, 1, &m), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_filter_eval(ok, sizeof ok, NULL, 0, &m), RVF_OK);
    CHECK(m);
}

/* 16 LIT_BOOLs then 15 ANDs: stack depth exactly 16 is fine, a 17th push is not. */
static void test_builder_depth(void)
{
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value t = BOOLV(1);
    for (int i = 0; i < 16; i++)
        rvf_filter_value(&f, &t);
    for (int i = 0; i < 15; i++)
        rvf_filter_op(&f, RVF_FILTER_AND);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    CHECK_EQ_INT(f.max_depth, 16);
    CHECK_EQ_INT(f.nodes, 31);
    CHECK_EQ_INT(f.bytes[2], 16);
    CHECK_EQ_INT(eval(&f, NULL, 0), 1);
    rvf_filter_free(&f);

    rvf_filter_init(&f);
    for (int i = 0; i < 17; i++)
        rvf_filter_value(&f, &t);
    CHECK_EQ_INT(f.error, RVF_ERR_FILTER_PARSE_ERROR);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_ERR_FILTER_PARSE_ERROR);
    rvf_filter_free(&f);

    /* More than 65535 nodes cannot be counted in the header. */
    rvf_filter_init(&f);
    rvf_value one = U64(1);
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &one);
    for (int i = 0; i < 16383; i++) {
        rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &one);
        rvf_filter_op(&f, RVF_FILTER_OR);
    }
    CHECK_EQ_INT(f.nodes, 65535);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    rvf_filter_field(&f, 1);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_ERR_FILTER_PARSE_ERROR);
    rvf_filter_free(&f);
}

static void test_builder_errors(void)
{
    const rvf_status P = RVF_ERR_FILTER_PARSE_ERROR, A = RVF_ERR_INVALID_ARGUMENT;
    rvf_filter f;
    rvf_value one = U64(1);

    rvf_filter_init(&f);
    CHECK_EQ_INT(rvf_filter_finish(&f), P); /* empty expression */
    CHECK(f.len == 4 && f.bytes[0] == 0 && f.bytes[2] == 0);
    rvf_filter_free(&f);

    rvf_filter_init(&f);
    rvf_filter_op(&f, RVF_FILTER_EQ); /* underflow */
    CHECK_EQ_INT(f.error, P);
    rvf_value bad = one;
    bad.type = 99;
    rvf_filter_value(&f, &bad); /* the first error is kept */
    CHECK_EQ_INT(rvf_filter_finish(&f), P);
    rvf_filter_free(&f);

    rvf_filter_init(&f);
    rvf_filter_field(&f, 1);
    rvf_filter_op(&f, RVF_FILTER_NOT); /* NOT of a field: the type check at finish */
    CHECK_EQ_INT(f.error, RVF_OK);
    CHECK_EQ_INT(rvf_filter_finish(&f), P);
    rvf_filter_free(&f);

    rvf_filter_init(&f);
    rvf_filter_field(&f, 1);
    rvf_filter_field(&f, 2);
    CHECK_EQ_INT(rvf_filter_finish(&f), P); /* two values left */
    rvf_filter_free(&f);

    static const uint8_t bad_ops[] = {RVF_FILTER_IN, 0x00, 0x16, 0x23, 0x33, 0xff};
    for (size_t i = 0; i < sizeof bad_ops; i++) {
        rvf_filter_init(&f);
        rvf_filter_field(&f, 1);
        rvf_filter_field(&f, 1);
        rvf_filter_op(&f, bad_ops[i]);
        CHECK_EQ_INT(rvf_filter_finish(&f), A);
        rvf_filter_free(&f);
    }
    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 1, RVF_FILTER_AND, &one);
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);
    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 1, RVF_FILTER_NOT, &one);
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);

    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &bad); /* unknown value type */
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);

    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, NULL);
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);

    static char big[65536];
    rvf_value s = STRN(big, 65536);
    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &s);
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);
    s = STRN(big, 65535); /* the largest literal fits */
    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &s);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    CHECK_EQ_INT(f.len, 4 + 3 + 3 + 65535 + 1);
    rvf_filter_free(&f);
    s = STRN(NULL, 3);
    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &s);
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);

    rvf_value u32big = U32(0);
    u32big.v.u64 = 1ull << 32;
    rvf_filter_init(&f);
    rvf_filter_cmp(&f, 1, RVF_FILTER_EQ, &u32big);
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);

    rvf_filter_init(&f);
    rvf_filter_field(&f, 1);
    rvf_filter_in(&f, NULL, 2);
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);

    rvf_filter_init(&f);
    rvf_filter_in(&f, &one, 1); /* nothing to test */
    CHECK_EQ_INT(rvf_filter_finish(&f), P);
    rvf_filter_free(&f);

    rvf_value set[2] = {one, bad};
    rvf_filter_init(&f);
    rvf_filter_field(&f, 1);
    rvf_filter_in(&f, set, 2);
    CHECK_EQ_INT(rvf_filter_finish(&f), A);
    rvf_filter_free(&f);

    rvf_filter_free(NULL);
}

/* Random corruption never crashes, and validate and eval always agree. */
static void test_fuzz(void)
{
    rvf_filter f;
    rvf_filter_init(&f);
    rvf_value org = STR("E. coli"), pos = U64(1000), set[4] = {U32(3), NUL(), F64(2.5), STR("z")};
    rvf_value pre = STR("E."), lo = I64(-5), hi = F32(9.5f);
    rvf_filter_cmp(&f, 0, RVF_FILTER_EQ, &org);
    rvf_filter_cmp(&f, 3, RVF_FILTER_GE, &pos);
    rvf_filter_op(&f, RVF_FILTER_AND);
    rvf_filter_field(&f, 5);
    rvf_filter_in(&f, set, 4);
    rvf_filter_op(&f, RVF_FILTER_OR);
    rvf_filter_cmp(&f, 0, RVF_FILTER_PREFIX, &pre);
    rvf_filter_range(&f, 6, &lo, &hi);
    rvf_filter_op(&f, RVF_FILTER_NOT);
    rvf_filter_op(&f, RVF_FILTER_AND);
    rvf_filter_op(&f, RVF_FILTER_OR);
    CHECK_EQ_INT(rvf_filter_finish(&f), RVF_OK);
    rvf_value row[4] = {FID(STR("E. coli"), 0), FID(U64(1000), 3), FID(U32(3), 5),
                        FID(F64(1.0), 6)};
    CHECK_EQ_INT(eval(&f, row, 4), 1);

    rvf_test_rng rng = {0x9E3779B97F4A7C15ull};
    int ok = 0, bad = 0, mismatch = 0;
    for (int it = 0; it < 100000; it++) {
        size_t n = f.len;
        if (it % 10 == 9)
            n = (size_t)(rvf_test_next(&rng) % (f.len + 1));
        uint8_t *c = malloc(n ? n : 1);
        memcpy(c, f.bytes, n);
        int flips = n ? 1 + (int)(rvf_test_next(&rng) % 4) : 0;
        for (int k = 0; k < flips; k++) {
            size_t bit = (size_t)(rvf_test_next(&rng) % (n * 8));
            c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        rvf_status sv = rvf_filter_validate(c, n);
        bool m;
        rvf_status se = rvf_filter_eval(c, n, row, 4, &m);
        if (sv != se)
            mismatch++;
        if (sv == RVF_OK)
            ok++;
        else if (sv == RVF_ERR_FILTER_PARSE_ERROR)
            bad++;
        free(c);
    }
    CHECK_EQ_INT(mismatch, 0);
    CHECK_EQ_INT(ok + bad, 100000);
    CHECK(ok > 0 && bad > 0);
    /* Random bytes behind a plausible header. */
    for (int it = 0; it < 50000; it++) {
        uint8_t c[24];
        size_t n = 4 + (size_t)(rvf_test_next(&rng) % 20);
        for (size_t i = 0; i < n; i++)
            c[i] = (uint8_t)rvf_test_next(&rng);
        c[0] = (uint8_t)(c[0] % 8);
        c[1] = 0;
        c[2] = (uint8_t)(c[2] % 18);
        uint8_t *h = malloc(n);
        memcpy(h, c, n);
        bool m;
        rvf_status sv = rvf_filter_validate(h, n), se = rvf_filter_eval(h, n, row, 4, &m);
        if (sv != se || (sv != RVF_OK && sv != RVF_ERR_FILTER_PARSE_ERROR))
            mismatch++;
        free(h);
    }
    CHECK_EQ_INT(mismatch, 0);
    rvf_filter_free(&f);
}

int main(void)
{
    RVF_TEST_RUN(test_spec_example);
    RVF_TEST_RUN(test_literal_encodings);
    RVF_TEST_RUN(test_compare_table);
    RVF_TEST_RUN(test_set_and_string_ops);
    RVF_TEST_RUN(test_rejections);
    RVF_TEST_RUN(test_builder_depth);
    RVF_TEST_RUN(test_builder_errors);
    RVF_TEST_RUN(test_fuzz);
    return rvf_test_finish();
}
