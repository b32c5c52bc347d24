/* test_meta: META_SEG (RVF-BRIEF §5.7): exact column layouts, round trips of every value type
 * (nulls, empty and repeated strings, 1 and 5000 rows, rows without fields), hand-built enum and
 * non-nullable columns, every rejection with its status, truncation at every length and random
 * bit flips (run under ASan: nothing may read outside the payload). */
#include "rvf_internal.h"
#include "rvf_test.h"

static rvf_value V(uint16_t fid, uint8_t type)
{
    rvf_value v;
    memset(&v, 0, sizeof v);
    v.field_id = fid;
    v.type = type;
    return v;
}
static rvf_value VU64(uint16_t fid, uint64_t x)
{
    rvf_value v = V(fid, RVF_VALUE_U64);
    v.v.u64 = x;
    return v;
}
static rvf_value VU32(uint16_t fid, uint32_t x)
{
    rvf_value v = V(fid, RVF_VALUE_U32);
    v.v.u64 = x;
    return v;
}
static rvf_value VI64(uint16_t fid, int64_t x)
{
    rvf_value v = V(fid, RVF_VALUE_I64);
    v.v.i64 = x;
    return v;
}
static rvf_value VF64(uint16_t fid, double x)
{
    rvf_value v = V(fid, RVF_VALUE_F64);
    v.v.f64 = x;
    return v;
}
static rvf_value VF32(uint16_t fid, float x)
{
    rvf_value v = V(fid, RVF_VALUE_F32);
    v.v.f64 = x;
    return v;
}
static rvf_value VBOOL(uint16_t fid, int b)
{
    rvf_value v = V(fid, RVF_VALUE_BOOL);
    v.v.boolean = b;
    return v;
}
static rvf_value VSTRN(uint16_t fid, const char *s, uint32_t n)
{
    rvf_value v = V(fid, RVF_VALUE_STRING);
    v.v.bytes.ptr = (const uint8_t *)s;
    v.v.bytes.len = n;
    return v;
}
static rvf_value VSTR(uint16_t fid, const char *s)
{
    return VSTRN(fid, s, (uint32_t)strlen(s));
}
static rvf_value VBYT(uint16_t fid, const char *s, uint32_t n)
{
    rvf_value v = VSTRN(fid, s, n);
    v.type = RVF_VALUE_BYTES;
    return v;
}

/* ---- a sink that records the decoded rows ---- */
enum { MAXF = 16 };
typedef struct got_row {
    uint64_t id;
    uint32_t n;
    rvf_value v[MAXF];
} got_row;
typedef struct sink {
    got_row *rows;
    size_t n, cap;
    size_t stop_at;   /* nonzero: return RVF_ERR_NOT_FOUND on this call */
    unsigned touch;   /* every string byte is read, so ASan sees bad pointers */
    uint8_t *payload; /* decode_seg's copy: the decoded strings point into it */
} sink;

static rvf_status sink_fn(void *ctx, uint64_t id, const rvf_value *f, uint32_t n)
{
    sink *s = ctx;
    if (s->stop_at && s->n + 1 == s->stop_at)
        return RVF_ERR_NOT_FOUND;
    for (uint32_t i = 0; i < n; i++)
        if (f[i].type == RVF_VALUE_STRING || f[i].type == RVF_VALUE_BYTES)
            for (uint32_t k = 0; k < f[i].v.bytes.len; k++)
                s->touch += f[i].v.bytes.ptr[k];
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->rows = realloc(s->rows, s->cap * sizeof *s->rows);
    }
    got_row *r = &s->rows[s->n++];
    r->id = id;
    r->n = n;
    for (uint32_t i = 0; i < n && i < MAXF; i++)
        r->v[i] = f[i];
    return RVF_OK;
}

static void sink_free(sink *s)
{
    free(s->rows);
    free(s->payload);
    memset(s, 0, sizeof *s);
}

static bool value_eq(const rvf_value *a, const rvf_value *b)
{
    if (a->field_id != b->field_id || a->type != b->type)
        return false;
    switch (a->type) {
    case RVF_VALUE_U64:
    case RVF_VALUE_U32:
        return a->v.u64 == b->v.u64;
    case RVF_VALUE_I64:
        return a->v.i64 == b->v.i64;
    case RVF_VALUE_F64:
    case RVF_VALUE_F32:
        return memcmp(&a->v.f64, &b->v.f64, sizeof(double)) == 0;
    case RVF_VALUE_BOOL:
        return (a->v.boolean != 0) == (b->v.boolean != 0);
    default:
        return a->v.bytes.len == b->v.bytes.len &&
               (a->v.bytes.len == 0 || !memcmp(a->v.bytes.ptr, b->v.bytes.ptr, a->v.bytes.len));
    }
}

/* The decoded rows must be the input's non-null values, ordered by field id. */
static void check_rows(const sink *s, uint64_t id_start, const rvf_meta_row *rows, uint32_t n)
{
    CHECK_EQ_U64(s->n, n);
    int bad = 0;
    for (uint32_t r = 0; r < n && r < s->n; r++) {
        rvf_value want[MAXF];
        uint32_t k = 0;
        for (uint32_t i = 0; i < rows[r].nfields; i++)
            if (rows[r].fields[i].type != RVF_VALUE_NULL)
                want[k++] = rows[r].fields[i];
        for (uint32_t i = 1; i < k; i++) /* insertion sort by field id */
            for (uint32_t j = i; j > 0 && want[j - 1].field_id > want[j].field_id; j--) {
                rvf_value t = want[j];
                want[j] = want[j - 1];
                want[j - 1] = t;
            }
        const got_row *g = &s->rows[r];
        bool ok = g->id == id_start + r && g->n == k;
        for (uint32_t i = 0; ok && i < k; i++)
            ok = value_eq(&g->v[i], &want[i]);
        if (!ok && bad++ < 5)
            RVF_FAIL_AT("row %u (id %llu): %u values decoded, %u expected", r,
                        (unsigned long long)g->id, g->n, k);
    }
    rvf_test_checks++;
}

static void round_trip(uint64_t id_start, const rvf_meta_row *rows, uint32_t n, rvf_buf *out)
{
    rvf_buf_init(out);
    CHECK_EQ_INT(rvf_metaseg_encode(out, id_start, n, rows), RVF_OK);
    CHECK_EQ_U64(out->len % 64, 0);
    /* An exact-size copy so ASan catches any read past the payload. */
    uint8_t *copy = malloc(out->len);
    memcpy(copy, out->data, out->len);
    sink s = {0};
    CHECK_EQ_INT(rvf_metaseg_decode(copy, out->len, sink_fn, &s), RVF_OK);
    check_rows(&s, id_start, rows, n);
    sink_free(&s);
    CHECK_EQ_INT(rvf_metaseg_decode(copy, out->len, NULL, NULL), RVF_OK);
    free(copy);
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

/* Bytes [off, off+hex) equal hex and the rest up to `end` is zero. */
static void check_column(const rvf_buf *b, size_t off, const char *hex, size_t end)
{
    uint8_t want[256];
    size_t n;
    unhex(hex, want, &n);
    CHECK(b->len >= end && off + n <= end);
    if (b->len < end)
        return;
    CHECK_MEM(b->data + off, want, n);
    for (size_t i = off + n; i < end; i++)
        if (b->data[i]) {
            RVF_FAIL_AT("pad byte %zu is 0x%02x", i, b->data[i]);
            break;
        }
}

static void test_layout(void)
{
    /* Three rows, ids 1000..1002: field 5 u64 [10, null, 30], field 0 string ["b", "a", null],
     * field 9 bool [true, null, false]. The directory is sorted by field id. */
    rvf_value r0[3] = {VU64(5, 10), VSTR(0, "b"), VBOOL(9, 1)};
    rvf_value r1[1] = {VSTR(0, "a")};
    rvf_value r2[3] = {VU64(5, 30), VBOOL(9, 0), V(0, RVF_VALUE_NULL)};
    rvf_meta_row rows[3] = {{r0, 3}, {r1, 1}, {r2, 3}};
    rvf_buf b;
    rvf_buf_init(&b);
    rvf_buf_put(&b, "prefix", 6); /* offsets are relative to the payload, not the buffer */
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 1000, 3, rows), RVF_OK);
    CHECK_EQ_U64(b.len, 6 + 64 + 64 + 3 * 64);
    CHECK_MEM(b.data, "prefix", 6);
    const uint8_t *p = b.data + 6;
    CHECK_EQ_U64(rvfk_ld_u32(p + 0), 0);
    CHECK_EQ_U64(rvfk_ld_u64(p + 4), 1000);
    CHECK_EQ_U64(rvfk_ld_u64(p + 0x0C), 1002);
    CHECK_EQ_INT(rvfk_ld_u16(p + 0x14), 3);
    CHECK_EQ_INT(p[0x16], 1);
    for (int i = 0x17; i < 0x40; i++)
        CHECK_EQ_INT(p[i], 0);
    uint8_t dir[24];
    size_t n;
    unhex("0000 00 04 80000000 | 0500 02 04 c0000000 | 0900 05 04 00010000", dir, &n);
    CHECK_MEM(p + 64, dir, 24);
    for (int i = 64 + 24; i < 128; i++)
        CHECK_EQ_INT(p[i], 0);
    /* string: dict_size 2, {1,"a"}, {1,"b"} (byte order), pad to 4, codes 1 0 null */
    check_column(&b, 6 + 128, "02000000 0100 61 0100 62 0000 | 01 00 ffffffff0f", 6 + 192);
    /* u64: bitmap 0b101, pad to 8, values 10 0 30 */
    check_column(&b, 6 + 192,
                 "05 00000000000000 | 0a00000000000000 0000000000000000 1e00000000000000", 6 + 256);
    /* bool: bitmap 0b101, pad to 8, values 0b001 */
    check_column(&b, 6 + 256, "05 00000000000000 | 01", 6 + 320);

    sink s = {0};
    CHECK_EQ_INT(rvf_metaseg_decode(p, b.len - 6, sink_fn, &s), RVF_OK);
    check_rows(&s, 1000, rows, 3);
    sink_free(&s);
    rvf_buf_free(&b);
}

static void test_all_types(void)
{
    const double nan = strtod("nan", NULL);
    static const char blob[] = {0, 1, 2, (char)0xff};
    rvf_value r0[8] = {VSTR(0, "E. coli"), VU64(1, 7),  VI64(2, -3), VF64(3, 2.5),
                       VBYT(4, blob, 4),   VBOOL(5, 1), VU32(6, 9),  VF32(7, 1.25f)};
    rvf_value r2[4] = {VSTR(0, ""), VBOOL(5, 0), VF64(3, nan), VF32(7, -0.0f)};
    rvf_value r3[7] = {VSTR(0, "E. coli"),  VU64(1, UINT64_MAX), VI64(2, INT64_MIN),
                       VU32(6, UINT32_MAX), VBYT(4, NULL, 0),    V(9, RVF_VALUE_NULL),
                       VF64(3, -1e300)};
    rvf_value r4[8] = {VF32(7, 3.0f), VU32(6, 0), VBOOL(5, 1), VBYT(4, "E. coli", 7),
                       VF64(3, 0.0),  VI64(2, 0), VU64(1, 0),  VSTR(0, "")};
    rvf_value r5[1] = {V(3, RVF_VALUE_NULL)};
    rvf_meta_row rows[6] = {{r0, 8}, {NULL, 0}, {r2, 4}, {r3, 7}, {r4, 8}, {r5, 1}};
    rvf_buf b;
    round_trip(42, rows, 6, &b);
    /* Field 0's dictionary holds "" and "E. coli" once each (the bytes field has its own). */
    const uint8_t *p = b.data;
    CHECK_EQ_INT(rvfk_ld_u16(p + 0x14), 8);
    CHECK_EQ_INT(rvfk_ld_u16(p + 64), 0);
    CHECK_EQ_INT(p[64 + 2], RVF_FIELD_STRING);
    uint32_t off0 = rvfk_ld_u32(p + 64 + 4);
    CHECK_EQ_U64(rvfk_ld_u32(p + off0), 2);
    CHECK_EQ_INT(rvfk_ld_u16(p + off0 + 4), 0);
    CHECK_EQ_INT(rvfk_ld_u16(p + off0 + 6), 7);
    CHECK_MEM(p + off0 + 8, "E. coli", 7);
    /* The value types map to their field types. */
    static const uint8_t want_types[8] = {0x00, 0x02, 0x06, 0x07, 0x08, 0x05, 0x01, 0x03};
    for (int i = 0; i < 8; i++) {
        CHECK_EQ_INT(rvfk_ld_u16(p + 64 + 8 * i), i);
        CHECK_EQ_INT(p[64 + 8 * i + 2], want_types[i]);
        CHECK_EQ_INT(p[64 + 8 * i + 3], RVF_FIELDF_NULLABLE);
        CHECK_EQ_U64(rvfk_ld_u32(p + 64 + 8 * i + 4) % 64, 0);
    }
    rvf_buf_free(&b);

    /* One row, at the top of the id space; and a segment of rows without any field. */
    rvf_value one[1] = {VSTR(3, "x")};
    rvf_meta_row single[1] = {{one, 1}};
    round_trip(UINT64_MAX, single, 1, &b);
    CHECK_EQ_U64(rvfk_ld_u64(b.data + 4), UINT64_MAX);
    CHECK_EQ_U64(rvfk_ld_u64(b.data + 0x0C), UINT64_MAX);
    rvf_buf_free(&b);
    rvf_meta_row empty[3] = {{NULL, 0}, {r5, 1}, {NULL, 0}};
    round_trip(7, empty, 3, &b);
    CHECK_EQ_U64(b.len, 64);
    CHECK_EQ_INT(rvfk_ld_u16(b.data + 0x14), 0);
    rvf_buf_free(&b);
    /* The longest string a dictionary entry can hold. */
    char *big = calloc(65535, 1);
    big[65534] = 'z';
    rvf_value bigv[1] = {VSTRN(1, big, 65535)};
    rvf_meta_row bigrow[2] = {{bigv, 1}, {bigv, 1}};
    round_trip(0, bigrow, 2, &b);
    rvf_buf_free(&b);
    free(big);
}

static char pool[20][12];

static void test_many_rows(void)
{
    enum { N = 5000 };
    static rvf_value vals[N][10];
    static rvf_meta_row rows[N];
    static char strs[N][24];
    rvf_test_rng rng = {12345};
    for (int i = 0; i < 20; i++)
        snprintf(pool[i], sizeof pool[i], "pool-%d", i * 7);
    for (int r = 0; r < N; r++) {
        uint32_t k = 0;
        uint64_t mask = rvf_test_next(&rng);
        if (r % 97 == 0)
            mask = 0; /* some rows without metadata */
        for (uint16_t f = 0; f < 10; f++) {
            if (!((mask >> f) & 1))
                continue;
            uint64_t x = rvf_test_next(&rng);
            rvf_value v;
            switch (f) {
            case 0:
                v = VSTR(0, pool[x % 20]);
                break;
            case 1:
                v = VU64(1, x);
                break;
            case 2:
                v = VI64(2, (int64_t)x);
                break;
            case 3:
                v = VF64(3, (double)(int64_t)x / 3.0);
                break;
            case 4:
                snprintf(strs[r], sizeof strs[r], "s%llu", (unsigned long long)(x % 100000));
                v = VBYT(4, strs[r], (uint32_t)strlen(strs[r]));
                break;
            case 5:
                v = VBOOL(5, (int)(x & 1));
                break;
            case 6:
                v = VU32(6, (uint32_t)x);
                break;
            case 7:
                v = VF32(7, rvf_test_unit(&rng));
                break;
            case 8:
                v = VSTR(65535, pool[x % 3]); /* field ids up to 65535 */
                break;
            default:
                v = V(1000, RVF_VALUE_NULL);
                break;
            }
            vals[r][k++] = v;
        }
        /* shuffle the row's field order */
        for (uint32_t i = k; i > 1; i--) {
            uint32_t j = (uint32_t)(rvf_test_next(&rng) % i);
            rvf_value t = vals[r][i - 1];
            vals[r][i - 1] = vals[r][j];
            vals[r][j] = t;
        }
        rows[r] = (rvf_meta_row){vals[r], k};
    }
    rvf_buf b;
    round_trip(1ull << 40, rows, N, &b);
    const uint8_t *p = b.data;
    CHECK_EQ_INT(rvfk_ld_u16(p + 0x14), 9); /* field 1000 was always null: no column */
    CHECK_EQ_INT(rvfk_ld_u16(p + 64), 0);
    CHECK_EQ_U64(rvfk_ld_u32(p + rvfk_ld_u32(p + 64 + 4)), 20); /* pool, deduped */
    CHECK_EQ_INT(rvfk_ld_u16(p + 64 + 8 * 8), 65535);
    CHECK_EQ_U64(rvfk_ld_u32(p + rvfk_ld_u32(p + 64 + 8 * 8 + 4)), 3);

    /* Truncations at sampled lengths: an error or OK, never a crash. */
    rvf_test_rng r2 = {99};
    int errs = 0;
    for (int i = 0; i < 300; i++) {
        size_t len = (size_t)(rvf_test_next(&r2) % b.len);
        uint8_t *c = malloc(len ? len : 1);
        memcpy(c, b.data, len);
        sink s = {0};
        rvf_status st = rvf_metaseg_decode(c, len, sink_fn, &s);
        errs += st == RVF_ERR_TRUNCATED_SEGMENT && s.n == 0;
        sink_free(&s);
        free(c);
    }
    /* Only the last column's padding can be cut without an error. */
    CHECK(errs >= 290);
    rvf_buf_free(&b);
}

static void test_encode_errors(void)
{
    const rvf_status A = RVF_ERR_INVALID_ARGUMENT;
    rvf_value ok1[1] = {VU64(1, 5)};
    rvf_meta_row ok[1] = {{ok1, 1}};
    rvf_buf b;
    rvf_buf_init(&b);
    rvf_buf_put(&b, "xyz", 3);
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 0, ok), A);
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 1, NULL), A);
    CHECK_EQ_INT(rvf_metaseg_encode(NULL, 0, 1, ok), A);
    rvf_meta_row two[2] = {{ok1, 1}, {ok1, 1}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, UINT64_MAX, 2, two), A); /* ids overflow */
    CHECK_EQ_INT(rvf_metaseg_encode(&b, UINT64_MAX - 1, 2, two), RVF_OK);
    b.len = 3;

    rvf_value conflict_b[1] = {VI64(1, 5)};
    rvf_meta_row conflict[2] = {{ok1, 1}, {conflict_b, 1}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 2, conflict), A);
    rvf_value u32_b[1] = {VU32(1, 5)};
    rvf_meta_row conflict2[2] = {{ok1, 1}, {u32_b, 1}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 2, conflict2), A);
    rvf_value sb[2] = {VSTR(2, "a"), VBYT(2, "a", 1)};
    rvf_meta_row conflict3[2] = {{sb, 1}, {sb + 1, 1}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 2, conflict3), A);
    rvf_value dup[2] = {VU64(1, 5), VU64(1, 6)};
    rvf_meta_row duprow[1] = {{dup, 2}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 1, duprow), A);
    rvf_value badtype[1] = {V(1, 99)};
    rvf_meta_row badrow[1] = {{badtype, 1}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 1, badrow), A);
    rvf_value u32big[1] = {VU32(1, 0)};
    u32big[0].v.u64 = 1ull << 32;
    rvf_meta_row u32row[1] = {{u32big, 1}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 1, u32row), A);
    char *big = calloc(65536, 1);
    rvf_value longs[1] = {VSTRN(1, big, 65536)};
    rvf_meta_row longrow[1] = {{longs, 1}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 1, longrow), A);
    longs[0].type = RVF_VALUE_BYTES;
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 1, longrow), A);
    free(big);
    rvf_value nullptr_s[1] = {VSTRN(1, NULL, 2)};
    rvf_meta_row nprow[1] = {{nullptr_s, 1}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 1, nprow), A);
    rvf_meta_row nofields[1] = {{NULL, 3}};
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 0, 1, nofields), A);
    /* Failed calls leave the buffer as it was. */
    CHECK_EQ_U64(b.len, 3);
    CHECK_MEM(b.data, "xyz", 3);
    rvf_buf_free(&b);
}

/* ---- hand-built segments ---- */
static uint8_t seg[1024];

static void seg_init(uint64_t start, uint64_t end, uint16_t nf)
{
    memset(seg, 0, sizeof seg);
    rvfk_st_u64(seg + 4, start);
    rvfk_st_u64(seg + 0x0C, end);
    rvfk_st_u16(seg + 0x14, nf);
    seg[0x16] = 1;
}
static void seg_dir(int i, uint16_t fid, uint8_t type, uint8_t flags, uint32_t off)
{
    uint8_t *e = seg + 64 + 8 * i;
    rvfk_st_u16(e, fid);
    e[2] = type;
    e[3] = flags;
    rvfk_st_u32(e + 4, off);
}
static void seg_hex(size_t off, const char *hex)
{
    size_t n;
    unhex(hex, seg + off, &n);
}

static rvf_status decode_seg(size_t len, sink *s)
{
    uint8_t *c = malloc(len);
    memcpy(c, seg, len);
    memset(s, 0, sizeof *s);
    s->payload = c;
    return rvf_metaseg_decode(c, len, sink_fn, s);
}

static bool str_is(const rvf_value *v, uint16_t fid, const char *s)
{
    return v->field_id == fid && v->type == RVF_VALUE_STRING && v->v.bytes.len == strlen(s) &&
           memcmp(v->v.bytes.ptr, s, v->v.bytes.len) == 0;
}

/* Ids 100..104. Field 2: NULLABLE enum {red, green, blue}, 2 bits, codes [0 2 - 1 0], listed
 * first; field 1: a u32 column without the NULLABLE flag (no bitmap). */
static void enum_seg(void)
{
    seg_init(100, 104, 2);
    seg_dir(0, 2, RVF_FIELD_ENUM, RVF_FIELDF_NULLABLE, 128);
    seg_dir(1, 1, RVF_FIELD_U32, 0, 192);
    seg_hex(128, "1b 00000000000000 | 03 03 726564 05 677265656e 04 626c7565 | 02 | 48 00");
    seg_hex(192, "01000000 02000000 03000000 04000000 05000000");
}

static void test_enum_and_plain_columns(void)
{
    sink s;
    enum_seg();
    CHECK_EQ_INT(decode_seg(256, &s), RVF_OK);
    CHECK_EQ_U64(s.n, 5);
    if (s.n == 5) {
        static const char *want[5] = {"red", "blue", NULL, "green", "red"};
        for (int r = 0; r < 5; r++) {
            const got_row *g = &s.rows[r];
            CHECK_EQ_U64(g->id, 100 + (uint64_t)r);
            CHECK_EQ_INT(g->n, want[r] ? 2 : 1);
            CHECK(g->v[0].field_id == 1 && g->v[0].type == RVF_VALUE_U32 &&
                  g->v[0].v.u64 == (uint64_t)r + 1);
            if (want[r] && g->n == 2)
                CHECK(str_is(&g->v[1], 2, want[r]));
        }
    }
    sink_free(&s);
    /* A code in a null slot is not looked at; one in a present slot must name a label. */
    enum_seg();
    seg[153] = 0x48 | 0x30; /* row 2 (null) := 3 */
    CHECK_EQ_INT(decode_seg(256, &s), RVF_OK);
    sink_free(&s);
    enum_seg();
    seg[153] = 0x48 | 0x03; /* row 0 := 3 */
    CHECK_EQ_INT(decode_seg(256, &s), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_U64(s.n, 0);
    sink_free(&s);
    enum_seg();
    seg[152] = 0; /* bits_per_code 0 */
    CHECK_EQ_INT(decode_seg(256, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    enum_seg();
    seg[152] = 9;
    CHECK_EQ_INT(decode_seg(256, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    enum_seg();
    seg[152] = 8; /* wider codes are fine while they fit: 5 bytes, codes 0x48 0 0 0 0 */
    CHECK_EQ_INT(decode_seg(256, &s), RVF_ERR_TRUNCATED_SEGMENT); /* 0x48 >= 3 */
    sink_free(&s);
    enum_seg();
    seg[136] = 200; /* more labels than bytes */
    CHECK_EQ_INT(decode_seg(256, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    enum_seg();
    seg[137] = 0xf0; /* a label running off the end */
    CHECK_EQ_INT(decode_seg(256, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    enum_seg();
    seg[3 + 64 + 8] = RVF_FIELDF_NULLABLE; /* the u32 column would now start with a bitmap */
    CHECK_EQ_INT(decode_seg(192 + 20, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    CHECK_EQ_INT(decode_seg(192 + 28, &s), RVF_OK);
    sink_free(&s);
    /* A u32 column without bitmap must hold all 5 values. */
    enum_seg();
    CHECK_EQ_INT(decode_seg(192 + 20, &s), RVF_OK);
    sink_free(&s);
    CHECK_EQ_INT(decode_seg(192 + 19, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    /* enum_count 0: any present row is out of range; all-null is fine. */
    seg_init(0, 1, 1);
    seg_dir(0, 0, RVF_FIELD_ENUM, RVF_FIELDF_NULLABLE, 128);
    seg_hex(128, "00 00000000000000 | 00 | 01 | 00");
    CHECK_EQ_INT(decode_seg(192, &s), RVF_OK);
    CHECK_EQ_U64(s.n, 2);
    CHECK(s.n == 2 && s.rows[0].n == 0 && s.rows[1].n == 0);
    sink_free(&s);
    seg[128] = 0x02;
    CHECK_EQ_INT(decode_seg(192, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    /* A non-nullable bool column. */
    seg_init(0, 2, 1);
    seg_dir(0, 7, RVF_FIELD_BOOL, 0, 128);
    seg_hex(128, "05");
    CHECK_EQ_INT(decode_seg(129, &s), RVF_OK);
    CHECK(s.n == 3 && s.rows[1].n == 1 && s.rows[1].v[0].type == RVF_VALUE_BOOL &&
          !s.rows[1].v[0].v.boolean && s.rows[2].v[0].v.boolean);
    sink_free(&s);
    CHECK_EQ_INT(decode_seg(128, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
}

/* Ids 0..2, field 4 string {"x", "yy"}, codes [1 null 0]; `flags` NULLABLE or not. */
static void string_seg(uint8_t flags)
{
    seg_init(0, 2, 1);
    seg_dir(0, 4, RVF_FIELD_STRING, flags, 128);
    seg_hex(128, "02000000 0100 78 0200 7979 | 00 | 01 ffffffff0f 00");
}

static void test_string_columns(void)
{
    sink s;
    string_seg(RVF_FIELDF_NULLABLE);
    CHECK_EQ_INT(decode_seg(192, &s), RVF_OK);
    CHECK(s.n == 3 && s.rows[0].n == 1 && s.rows[1].n == 0 && s.rows[2].n == 1);
    if (s.n == 3) {
        CHECK(str_is(&s.rows[0].v[0], 4, "yy"));
        CHECK(str_is(&s.rows[2].v[0], 4, "x"));
    }
    sink_free(&s);
    CHECK_EQ_INT(decode_seg(128 + 19, &s), RVF_OK); /* the padding is not required */
    sink_free(&s);
    CHECK_EQ_INT(decode_seg(128 + 18, &s), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_U64(s.n, 0);
    sink_free(&s);
    /* Without NULLABLE, 0xFFFFFFFF is just a code outside the dictionary. */
    string_seg(0);
    CHECK_EQ_INT(decode_seg(192, &s), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_U64(s.n, 0);
    sink_free(&s);
    /* Validation precedes the first callback: a bad code in the last row means no calls. */
    string_seg(RVF_FIELDF_NULLABLE);
    seg[128 + 18] = 2;
    CHECK_EQ_INT(decode_seg(192, &s), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_U64(s.n, 0);
    sink_free(&s);
    string_seg(RVF_FIELDF_NULLABLE);
    seg_hex(128 + 18, "ffffffff1f"); /* a code above u32 */
    CHECK_EQ_INT(decode_seg(192, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    string_seg(RVF_FIELDF_NULLABLE);
    seg_hex(128 + 18, "80808080808080808080 01"); /* over-long varint */
    CHECK_EQ_INT(decode_seg(192, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    string_seg(RVF_FIELDF_NULLABLE);
    seg_hex(128, "ffffffff");
    CHECK_EQ_INT(decode_seg(192, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    string_seg(RVF_FIELDF_NULLABLE);
    seg_hex(128 + 7, "ff00"); /* second entry runs off the payload */
    CHECK_EQ_INT(decode_seg(192, &s), RVF_ERR_TRUNCATED_SEGMENT);
    sink_free(&s);
    /* A bytes column gives BYTES values. */
    string_seg(RVF_FIELDF_NULLABLE);
    seg[64 + 2] = RVF_FIELD_BYTES;
    CHECK_EQ_INT(decode_seg(192, &s), RVF_OK);
    CHECK(s.n == 3 && s.rows[0].n == 1 && s.rows[0].v[0].type == RVF_VALUE_BYTES);
    sink_free(&s);
}

static void test_decode_errors(void)
{
    const rvf_status TR = RVF_ERR_TRUNCATED_SEGMENT;
    rvf_value r0[3] = {VU64(1, 5), VSTR(2, "ab"), VBOOL(3, 1)};
    rvf_meta_row rows[2] = {{r0, 3}, {r0, 2}};
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 10, 2, rows), RVF_OK);
    CHECK(b.len <= sizeof seg);
    size_t len = b.len;
    sink s;
#define RESET() memcpy(seg, b.data, len)
    RESET();
    CHECK_EQ_INT(decode_seg(len, &s), RVF_OK);
    CHECK_EQ_U64(s.n, 2);
    sink_free(&s);
    CHECK_EQ_INT(rvf_metaseg_decode(NULL, 0, sink_fn, &s), TR);
    CHECK_EQ_INT(decode_seg(63, &s), TR);
    sink_free(&s);
    /* Opaque: encoding 0 (row-oriented, undefined), 2, and unknown field types. */
    static const uint8_t enc[] = {0, 2, 0xff};
    for (size_t i = 0; i < sizeof enc; i++) {
        RESET();
        seg[0x16] = enc[i];
        CHECK_EQ_INT(decode_seg(len, &s), RVF_OK);
        CHECK_EQ_U64(s.n, 0);
        sink_free(&s);
    }
    static const uint8_t types[] = {0x09, 0x10, 0xff};
    for (size_t i = 0; i < sizeof types; i++) {
        RESET();
        seg[64 + 8 + 2] = types[i];
        CHECK_EQ_INT(decode_seg(len, &s), RVF_OK);
        CHECK_EQ_U64(s.n, 0);
        sink_free(&s);
    }
    RESET();
    rvfk_st_u64(seg + 0x0C, 9); /* end < start */
    CHECK_EQ_INT(decode_seg(len, &s), TR);
    sink_free(&s);
    RESET();
    rvfk_st_u64(seg + 0x0C, 10 + (uint64_t)UINT32_MAX); /* more rows than a writer can give */
    rvfk_st_u16(seg + 0x14, 0);
    CHECK_EQ_INT(decode_seg(len, &s), TR);
    sink_free(&s);
    RESET();
    rvfk_st_u64(seg + 0x0C, 11 + 64); /* more rows than the columns hold */
    CHECK_EQ_INT(decode_seg(len, &s), TR);
    CHECK_EQ_U64(s.n, 0);
    sink_free(&s);
    RESET();
    rvfk_st_u16(seg + 0x14, (uint16_t)((len - 64) / 8 + 1)); /* directory past the end */
    CHECK_EQ_INT(decode_seg(len, &s), TR);
    sink_free(&s);
    static const int32_t delta[] = {1, 8, 32, -64, -128};
    for (size_t i = 0; i < sizeof delta / sizeof delta[0]; i++) {
        RESET();
        uint32_t off = rvfk_ld_u32(seg + 64 + 4);
        rvfk_st_u32(seg + 64 + 4, (uint32_t)((int64_t)off + delta[i]));
        CHECK_EQ_INT(decode_seg(len, &s), TR); /* unaligned, or over the directory */
        sink_free(&s);
    }
    RESET();
    rvfk_st_u32(seg + 64 + 4, (uint32_t)len + 64); /* beyond the payload */
    CHECK_EQ_INT(decode_seg(len, &s), TR);
    sink_free(&s);
    RESET();
    rvfk_st_u32(seg + 64 + 4, 0xFFFFFFC0u);
    CHECK_EQ_INT(decode_seg(len, &s), TR);
    sink_free(&s);
    RESET();
    rvfk_st_u16(seg + 64 + 8, 1); /* two columns for field 1 */
    CHECK_EQ_INT(decode_seg(len, &s), TR);
    sink_free(&s);
    /* Callbacks: fn NULL validates only; an error from fn stops the walk and is returned. */
    RESET();
    CHECK_EQ_INT(rvf_metaseg_decode(seg, len, NULL, NULL), RVF_OK);
    memset(&s, 0, sizeof s);
    s.stop_at = 2;
    CHECK_EQ_INT(rvf_metaseg_decode(seg, len, sink_fn, &s), RVF_ERR_NOT_FOUND);
    CHECK_EQ_U64(s.n, 1);
    sink_free(&s);
#undef RESET
    rvf_buf_free(&b);
}

/* Every truncation, then random bit flips: an error or OK, and nothing read out of bounds. */
static void test_corruption(void)
{
    static const char blob[] = {0, 1, 2};
    rvf_value r0[8] = {VSTR(0, "E. coli"), VU64(1, 7),  VI64(2, -3), VF64(3, 2.5),
                       VBYT(4, blob, 3),   VBOOL(5, 1), VU32(6, 9),  VF32(7, 1.25f)};
    rvf_value r1[4] = {VSTR(0, ""), VBOOL(5, 0), VU32(6, 1), VF32(7, 2.0f)};
    rvf_value r2[3] = {VSTR(0, "E. coli"), VU64(1, 8), VBYT(4, "", 0)};
    rvf_meta_row rows[5] = {{r0, 8}, {NULL, 0}, {r1, 4}, {r2, 3}, {r0, 8}};
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_metaseg_encode(&b, 5, 5, rows), RVF_OK);
    /* The end of the last column's data: every shorter payload must fail. */
    uint32_t last = 0;
    for (int i = 0; i < 8; i++)
        if (rvfk_ld_u32(b.data + 64 + 8 * i + 4) > last)
            last = rvfk_ld_u32(b.data + 64 + 8 * i + 4);
    int ok = 0, err = 0, other = 0;
    for (size_t len = 0; len <= b.len; len++) {
        uint8_t *c = malloc(len ? len : 1);
        memcpy(c, b.data, len);
        sink s = {0};
        rvf_status st = rvf_metaseg_decode(c, len, sink_fn, &s);
        if (st == RVF_OK) {
            ok++;
            check_rows(&s, 5, rows, 5);
            CHECK(len > last);
        } else if (st == RVF_ERR_TRUNCATED_SEGMENT) {
            err++;
            CHECK_EQ_U64(s.n, 0);
        } else {
            other++;
        }
        sink_free(&s);
        free(c);
    }
    CHECK_EQ_INT(other, 0);
    CHECK(ok >= 1 && err > (int)last);

    rvf_test_rng rng = {0xC0FFEE};
    int st_ok = 0, st_err = 0;
    other = 0;
    for (int it = 0; it < 30000; it++) {
        uint8_t *c = malloc(b.len);
        memcpy(c, b.data, b.len);
        int flips = 1 + (int)(rvf_test_next(&rng) % 4);
        for (int k = 0; k < flips; k++) {
            /* Mostly the header, directory and dictionaries, where the structure lives. */
            size_t span = it % 2 ? b.len : (size_t)last + 64 < b.len ? (size_t)last + 64 : b.len;
            size_t bit = (size_t)(rvf_test_next(&rng) % (span * 8));
            c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        sink s = {0};
        s.stop_at = 100000; /* a corrupt row count cannot run away */
        rvf_status st = rvf_metaseg_decode(c, b.len, sink_fn, &s);
        if (st == RVF_OK)
            st_ok++;
        else if (st == RVF_ERR_TRUNCATED_SEGMENT || st == RVF_ERR_NOT_FOUND)
            st_err++;
        else
            other++;
        sink_free(&s);
        free(c);
    }
    CHECK_EQ_INT(other, 0);
    CHECK(st_ok > 0 && st_err > 0);
    rvf_buf_free(&b);
}

int main(void)
{
    RVF_TEST_RUN(test_layout);
    RVF_TEST_RUN(test_all_types);
    RVF_TEST_RUN(test_many_rows);
    RVF_TEST_RUN(test_encode_errors);
    RVF_TEST_RUN(test_enum_and_plain_columns);
    RVF_TEST_RUN(test_string_columns);
    RVF_TEST_RUN(test_decode_errors);
    RVF_TEST_RUN(test_corruption);
    return rvf_test_finish();
}
