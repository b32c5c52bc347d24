/* fuzz_store.c: store open on arbitrary bytes (rvf_open_view), then everything a reader does:
 * status, segments, verify (whole and per segment), manifest info and chain, an exact k = 10
 * query, an approximate one (ef 16), one with a metadata filter, foreach, get_vector /
 * get_metadata / temperature of an id it lists, rvf_load, and the approximate query again.
 * Input: a file. It is opened as is; then a copy whose checksums are repaired (fuzz_fix_file)
 * is opened through a view and through a range-read source (lazy, progressive Layer A), so
 * mutations of segment contents get past the content hashes. Nothing may crash; beyond that:
 * rvf_segments lists status.segment_count entries, verify_each calls back once per listed segment
 * (RVF dialect), query results are at most k, distinct, ascending where the distances are
 * numbers, foreach gives ascending ids with vectors of the store's dimension. */
#include "fuzz.h"

enum { K = 10, MAX_FOREACH = 1 << 16 };

static void on_verify(void *ctx, const rvf_segment_info *seg, rvf_status st, const char *detail)
{
    uint32_t *n = ctx;
    FUZZ_ASSERT(seg != NULL && detail != NULL && fuzz_status_known(st));
    (*n)++;
}

static int on_chain(void *ctx, uint32_t epoch, uint64_t offset)
{
    (void)epoch;
    (void)offset;
    return ++*(uint32_t *)ctx >= 64;
}

typedef struct each_ctx {
    uint32_t dim, n;
    uint64_t first, last;
} each_ctx;

static int on_each(void *ctx, uint64_t id, const float *v, uint32_t dim, const rvf_value *f,
                   uint32_t nf)
{
    each_ctx *c = ctx;
    FUZZ_ASSERT(v != NULL && dim == c->dim && (nf == 0 || f != NULL));
    FUZZ_ASSERT(c->n == 0 || id > c->last);
    if (c->n == 0)
        c->first = id;
    c->last = id;
    return ++c->n >= MAX_FOREACH;
}

static void query(rvf_store *s, const float *q, uint32_t dim, const rvf_query_params *p)
{
    rvf_hit hits[K];
    uint32_t n = 99;
    rvf_status st = rvf_query(s, q, dim, p, hits, &n);
    FUZZ_ASSERT(fuzz_status_known(st));
    if (st != RVF_OK && st != RVF_ERR_K_TOO_LARGE)
        return;
    FUZZ_ASSERT(n <= p->k);
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < i; j++)
            FUZZ_ASSERT(hits[j].id != hits[i].id);
        if (i && hits[i - 1].distance == hits[i - 1].distance &&
            hits[i].distance == hits[i].distance)
            FUZZ_ASSERT(hits[i - 1].distance < hits[i].distance ||
                        (hits[i - 1].distance == hits[i].distance && hits[i - 1].id < hits[i].id));
    }
}

static const uint8_t *filter_bytes(size_t *len)
{
    static rvf_filter f;
    static bool built;
    if (!built) { /* field 0 == "a" or field 1 < 5 */
        rvf_filter_init(&f);
        rvf_value a = {.type = RVF_VALUE_STRING, .v.bytes = {(const uint8_t *)"a", 1}};
        rvf_value five = {.type = RVF_VALUE_U64, .v.u64 = 5};
        rvf_filter_cmp(&f, 0, RVF_FILTER_EQ, &a);
        rvf_filter_cmp(&f, 1, RVF_FILTER_LT, &five);
        rvf_filter_op(&f, RVF_FILTER_OR);
        FUZZ_ASSERT(rvf_filter_finish(&f) == RVF_OK);
        built = true;
    }
    *len = f.len;
    return f.bytes;
}

static void exercise(rvf_store *s)
{
    rvf_status_info si;
    FUZZ_ASSERT(rvf_status_get(s, &si) == RVF_OK);
    rvf_segment_info *segs = NULL;
    uint32_t nseg = 0;
    rvf_status st = rvf_segments(s, &segs, &nseg);
    FUZZ_ASSERT(fuzz_status_known(st));
    /* a range-source open boots from the root alone; rvf_segments read Level 1 (or failed to,
     * which keeps the store at RVF_LOAD_ROOT and fails every later call the same way) */
    FUZZ_ASSERT(rvf_status_get(s, &si) == RVF_OK);
    FUZZ_ASSERT((st == RVF_OK) == (si.load_state != RVF_LOAD_ROOT));
    if (st == RVF_OK)
        FUZZ_ASSERT(nseg == si.segment_count);
    rvf_release(segs);
    uint64_t bad = 0;
    FUZZ_ASSERT(fuzz_status_known(rvf_verify(s, &bad)));
    uint32_t calls = 0;
    FUZZ_ASSERT(fuzz_status_known(rvf_verify_each(s, on_verify, &calls)));
    if (si.dialect == 0 && st == RVF_OK)
        FUZZ_ASSERT(calls == nseg);
    rvf_manifest_info mi;
    st = rvf_manifest_info_get(s, &mi);
    FUZZ_ASSERT(si.load_state == RVF_LOAD_ROOT
                    ? st != RVF_OK
                    : st == (si.dialect ? RVF_ERR_INVALID_ARGUMENT : RVF_OK));
    uint32_t chain = 0;
    FUZZ_ASSERT(fuzz_status_known(rvf_manifest_chain(s, on_chain, &chain)));

    uint32_t dim = si.dimension ? si.dimension : 1;
    float *q = malloc(dim * sizeof *q);
    float *row = malloc(dim * sizeof *row);
    FUZZ_ASSERT(q && row);
    for (uint32_t d = 0; d < dim; d++)
        q[d] = fuzz_row_value(12345, d);
    rvf_query_params exact = {.k = K, .metric = -1};
    rvf_query_params approx = {.k = K, .metric = -1, .ef = 16};
    rvf_query_params filtered = {.k = K, .metric = -1};
    filtered.filter = filter_bytes(&filtered.filter_len);
    query(s, q, si.dimension, &exact);
    query(s, q, si.dimension, &approx);
    query(s, q, si.dimension, &filtered);

    each_ctx ec = {.dim = si.dimension};
    FUZZ_ASSERT(fuzz_status_known(rvf_foreach(s, on_each, &ec)));
    if (ec.n) {
        const rvf_value *f = NULL;
        uint32_t nf = 0;
        FUZZ_ASSERT(rvf_get_vector(s, ec.first, row, si.dimension) == RVF_OK);
        FUZZ_ASSERT(fuzz_status_known(rvf_get_metadata(s, ec.first, &f, &nf)));
        uint8_t est = 0, tier = 0;
        FUZZ_ASSERT(fuzz_status_known(rvf_temperature(s, ec.last, &est, &tier)));
    }
    FUZZ_ASSERT(fuzz_status_known(rvf_load(s)));
    query(s, q, si.dimension, &approx);
    free(q);
    free(row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *f = fuzz_dup(data, size);
    rvf_store *s = NULL;
    rvf_status st = rvf_open_view(f, size, &s);
    FUZZ_ASSERT(fuzz_status_known(st) && (st == RVF_OK) == (s != NULL));
    if (s) {
        exercise(s);
        FUZZ_ASSERT(rvf_close(s) == RVF_OK);
    }
    fuzz_fix_file(f, size);
    if (memcmp(f, data, size) != 0 || size == 0) {
        s = NULL;
        if (rvf_open_view(f, size, &s) == RVF_OK) {
            exercise(s);
            FUZZ_ASSERT(rvf_close(s) == RVF_OK);
        }
    }
    src_ctx c = {f, size};
    rvf_source src = {.ctx = &c, .size = size, .read = src_read};
    s = NULL;
    st = rvf_open_source(&src, &s);
    FUZZ_ASSERT(fuzz_status_known(st));
    if (s) {
        exercise(s);
        FUZZ_ASSERT(rvf_close(s) == RVF_OK);
    }
    free(f);
    return 0;
}
