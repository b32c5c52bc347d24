/* fuzz_metaseg.c: META_SEG payloads (rvf_metaseg_decode). Input: a payload.
 * Checks: validation alone (fn NULL) and the walk agree on the status; rows come with
 * consecutive ids, at most field_count values each, ascending field ids, strings and bytes inside
 * the payload; an accepted segment re-encoded from its rows (rvf_metaseg_encode) decodes to the
 * same rows. The walk is cut after MAX_ROWS rows (a 64-byte segment may declare 2^32 - 1 rows
 * without columns: FUZZING.md). */
#include "fuzz.h"

enum { MAX_ROWS = 1 << 16 };

typedef struct collect {
    const uint8_t *p;
    size_t len;
    uint16_t ncols;
    uint64_t first, rows;
    rvf_value *vals; /* every row's values, in order */
    size_t nvals, cap;
    uint32_t *counts; /* values per row */
    size_t ccap;
} collect;

static rvf_status on_row(void *ctx, uint64_t id, const rvf_value *f, uint32_t n)
{
    collect *c = ctx;
    if (c->rows == 0)
        c->first = id;
    FUZZ_ASSERT(id == c->first + c->rows);
    FUZZ_ASSERT(n <= c->ncols && (n == 0 || f != NULL));
    if (c->rows >= MAX_ROWS)
        return RVF_ERR_TIMEOUT;
    for (uint32_t i = 0; i < n; i++) {
        FUZZ_ASSERT(i == 0 || f[i - 1].field_id < f[i].field_id);
        FUZZ_ASSERT(f[i].type >= RVF_VALUE_U64 && f[i].type <= RVF_VALUE_F32);
        if (f[i].type == RVF_VALUE_STRING || f[i].type == RVF_VALUE_BYTES) {
            const uint8_t *s = f[i].v.bytes.ptr;
            FUZZ_ASSERT(s >= c->p && s <= c->p + c->len &&
                        f[i].v.bytes.len <= (size_t)(c->p + c->len - s));
        }
        if (f[i].type == RVF_VALUE_BOOL)
            FUZZ_ASSERT(f[i].v.boolean == 0 || f[i].v.boolean == 1);
    }
    if (c->nvals + n > c->cap) {
        c->cap = 2 * (c->nvals + n) + 16;
        c->vals = realloc(c->vals, c->cap * sizeof *c->vals);
        FUZZ_ASSERT(c->vals != NULL);
    }
    if (n)
        memcpy(c->vals + c->nvals, f, n * sizeof *f);
    c->nvals += n;
    if (c->rows == c->ccap) {
        c->ccap = 2 * c->ccap + 16;
        c->counts = realloc(c->counts, c->ccap * sizeof *c->counts);
        FUZZ_ASSERT(c->counts != NULL);
    }
    c->counts[c->rows++] = n;
    return RVF_OK;
}

static bool same_value(const rvf_value *a, const rvf_value *b)
{
    if (a->field_id != b->field_id || a->type != b->type)
        return false;
    switch (a->type) {
    case RVF_VALUE_STRING:
    case RVF_VALUE_BYTES:
        return a->v.bytes.len == b->v.bytes.len &&
               (a->v.bytes.len == 0 || memcmp(a->v.bytes.ptr, b->v.bytes.ptr, a->v.bytes.len) == 0);
    case RVF_VALUE_F32:
    case RVF_VALUE_F64: { /* a NaN may come back quieted */
        uint64_t x, y;
        memcpy(&x, &a->v.f64, sizeof x);
        memcpy(&y, &b->v.f64, sizeof y);
        return (a->v.f64 != a->v.f64 && b->v.f64 != b->v.f64) || x == y;
    }
    case RVF_VALUE_BOOL:
        return a->v.boolean == b->v.boolean;
    default:
        return a->v.u64 == b->v.u64;
    }
}

static void collect_free(collect *c)
{
    free(c->vals);
    free(c->counts);
}

static void roundtrip(const collect *c)
{
    rvf_meta_row *rows = malloc(c->rows * sizeof *rows);
    FUZZ_ASSERT(rows != NULL);
    for (uint64_t r = 0, at = 0; r < c->rows; at += c->counts[r++])
        rows[r] = (rvf_meta_row){c->vals ? c->vals + at : NULL, c->counts[r]};
    rvf_buf out;
    rvf_buf_init(&out);
    rvf_status st = rvf_metaseg_encode(&out, c->first, (uint32_t)c->rows, rows);
    FUZZ_ASSERT(st == RVF_OK);
    collect d = {.p = out.data, .len = out.len, .ncols = UINT16_MAX};
    FUZZ_ASSERT(rvf_metaseg_decode(out.data, out.len, on_row, &d) == RVF_OK);
    FUZZ_ASSERT(d.rows == c->rows && d.nvals == c->nvals && (d.rows == 0 || d.first == c->first));
    FUZZ_ASSERT(c->nvals == 0 || (c->vals != NULL && d.vals != NULL));
    for (uint64_t r = 0; r < c->rows; r++)
        FUZZ_ASSERT(d.counts[r] == c->counts[r]);
    for (size_t i = 0; i < c->nvals; i++)
        FUZZ_ASSERT(same_value(&c->vals[i], &d.vals[i]));
    collect_free(&d);
    rvf_buf_free(&out);
    free(rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_dup(data, size);
    rvf_status v = rvf_metaseg_decode(p, size, NULL, NULL);
    FUZZ_ASSERT(fuzz_status_known(v));
    collect c = {.p = p, .len = size};
    c.ncols = size >= RVF_META_HEADER_SIZE ? rvfk_ld_u16(p + RVF_META_OFF_FIELD_COUNT) : 0;
    rvf_status st = rvf_metaseg_decode(p, size, on_row, &c);
    FUZZ_ASSERT(st == v || (v == RVF_OK && st == RVF_ERR_TIMEOUT));
    if (st == RVF_OK && c.rows)
        roundtrip(&c);
    collect_free(&c);
    free(p);
    return 0;
}
