/* test_source_retry.c: a range source that has not fetched the bytes yet (the browser's HTTP
 * source, js/src/progressive.js) answers a read with RVF_ERR_IO_ERROR, fetches what was asked
 * and the caller calls again. The store must keep no state of a failed read: opening, Layer-A
 * queries, the full load and verification over such a source give exactly what the same calls
 * give over a source that always reads (answers, load_state, partitions read), and a query
 * learns every partition it probes in one failed call (one round of requests). Pages are fetched
 * as whole listed segments, as the browser does. */
#include "rvf.h"
#include "rvf_test.h"

enum { N = 4000, DIM = 16, NQ = 24, K = 10, PAGE = 512 };

static float data[N * DIM];

typedef struct lazy_src {
    const uint8_t *bytes;
    size_t len;
    uint8_t *have; /* per PAGE: fetched */
    uint8_t *want; /* per PAGE: asked for by a failed read in this round */
    int missed;
    rvf_segment_info *segs; /* once known: a miss fetches the whole segments it touches */
    uint32_t nsegs;
} lazy_src;

static rvf_status lazy_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    lazy_src *l = ctx;
    int ok = 1;
    for (uint64_t p = off / PAGE; p <= (off + n - 1) / PAGE; p++)
        if (!l->have[p]) {
            l->want[p] = 1;
            ok = 0;
        }
    if (!ok) {
        l->missed = 1;
        return RVF_ERR_IO_ERROR;
    }
    memcpy(dst, l->bytes + off, n);
    return RVF_OK;
}

static rvf_status eager_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    memcpy(dst, (const uint8_t *)ctx + off, n);
    return RVF_OK;
}

/* A round: fetch every page a failed read asked for (and the rest of the listed segments those
 * pages touch, as the browser's source does). Returns how many pages came in. */
static size_t fetch_round(lazy_src *l)
{
    size_t got = 0;
    for (uint32_t i = 0; i < l->nsegs; i++) {
        uint64_t a = l->segs[i].offset / PAGE,
                 b = (l->segs[i].offset + 63 + l->segs[i].payload_length) / PAGE;
        int touched = 0;
        for (uint64_t p = a; p <= b && !touched; p++)
            touched = l->want[p];
        for (uint64_t p = a; p <= b && touched; p++)
            l->want[p] = !l->have[p];
    }
    for (size_t p = 0; p < (l->len + PAGE - 1) / PAGE; p++)
        if (l->want[p]) {
            l->have[p] = 1;
            l->want[p] = 0;
            got++;
        }
    l->missed = 0;
    return got;
}

/* Call `expr` until no read missed (each miss fetches its pages); *rounds counts the fetches. */
#define RETRY(l, rounds, st, expr)                                                                 \
    do {                                                                                           \
        (rounds) = 0;                                                                              \
        for (;;) {                                                                                 \
            (l)->missed = 0;                                                                       \
            (st) = (expr);                                                                         \
            if (!(l)->missed)                                                                      \
                break;                                                                             \
            CHECK_EQ_INT((st), RVF_ERR_IO_ERROR);                                                  \
            CHECK(fetch_round(l) > 0);                                                             \
            if (++(rounds) > 100000)                                                               \
                break;                                                                             \
        }                                                                                          \
    } while (0)

static uint64_t rng = 0x243F6A8885A308D3ull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)(rng >> 40) / (float)(1u << 24);
}

static void same_status(rvf_store *a, rvf_store *b)
{
    rvf_status_info x, y;
    CHECK_EQ_INT(rvf_status_get(a, &x), RVF_OK);
    CHECK_EQ_INT(rvf_status_get(b, &y), RVF_OK);
    CHECK_EQ_INT(x.load_state, y.load_state);
    CHECK_EQ_INT(x.partitions_loaded, y.partitions_loaded);
    CHECK_EQ_U64(x.live_vectors, y.live_vectors);
    CHECK_EQ_U64(x.indexed_vectors, y.indexed_vectors);
}

static void same_query(rvf_store *ref, rvf_store *s, lazy_src *l, const float *q,
                       const rvf_query_params *p, int max_rounds)
{
    rvf_hit a[K], b[K];
    uint32_t na = 0, nb = 0;
    int rounds;
    rvf_status sa = rvf_query(ref, q, DIM, p, a, &na), sb;
    RETRY(l, rounds, sb, rvf_query(s, q, DIM, p, b, &nb));
    CHECK_EQ_INT(sb, sa);
    CHECK_EQ_INT(nb, na);
    rvf_status_info si;
    rvf_status_get(ref, &si);
    if (si.load_state != RVF_LOAD_FULL || max_rounds == 0) /* not a fallback to the whole store */
        CHECK(rounds <= max_rounds);
    if (rounds > max_rounds)
        printf("  a query took %d rounds (load_state %u)\n", rounds, si.load_state);
    for (uint32_t i = 0; i < na && i < nb; i++) {
        CHECK_EQ_U64(b[i].id, a[i].id);
        CHECK_EQ_BITS(b[i].distance, a[i].distance);
    }
    same_status(ref, s);
}

static void test_retry(void)
{
    /* clustered rows; HNSW; compaction writes the partitions and Layer A; then deletions */
    static float centers[40 * DIM];
    for (size_t i = 0; i < 40 * DIM; i++)
        centers[i] = frand() * 8;
    uint64_t *ids = malloc(N * sizeof *ids);
    for (size_t i = 0; i < N; i++) {
        ids[i] = 1000 + i;
        for (size_t d = 0; d < DIM; d++)
            data[i * DIM + d] = centers[(i % 40) * DIM + d] + frand() - 0.5f;
    }
    rvf_options o = rvf_options_default(DIM);
    rvf_store *w = NULL;
    CHECK_EQ_INT(rvf_create_memory(&o, &w), RVF_OK);
    if (!w)
        return;
    CHECK_EQ_INT(rvf_ingest(w, data, ids, N, NULL, NULL), RVF_OK);
    rvf_index_options io = rvf_index_options_default();
    io.ef_construction = 60;
    CHECK_EQ_INT(rvf_build_index(w, &io), RVF_OK);
    CHECK_EQ_INT(rvf_compact(w), RVF_OK);
    uint64_t gone[] = {1000, 1777, 2500};
    CHECK_EQ_INT(rvf_delete(w, gone, 3, NULL), RVF_OK);
    const uint8_t *img;
    size_t len;
    CHECK_EQ_INT(rvf_store_bytes(w, &img, &len), RVF_OK);
    uint8_t *bytes = malloc(len);
    memcpy(bytes, img, len);
    rvf_close(w);

    size_t pages = (len + PAGE - 1) / PAGE;
    lazy_src l = {bytes, len, calloc(pages, 1), calloc(pages, 1), 0, NULL, 0};
    rvf_source eager = {bytes, len, eager_read, NULL};
    rvf_source lazy = {&l, len, lazy_read, NULL};
    rvf_store *ref = NULL, *s = NULL;
    CHECK_EQ_INT(rvf_open_source(&eager, &ref), RVF_OK);
    int rounds;
    rvf_status st;
    RETRY(&l, rounds, st, rvf_open_source(&lazy, &s));
    CHECK_EQ_INT(st, RVF_OK);
    CHECK(rounds >= 1);
    if (!ref || !s)
        return;
    same_status(ref, s);
    CHECK_EQ_INT(rvf_segments(ref, &l.segs, &l.nsegs), RVF_OK);

    /* Layer-A queries: one round for all the partitions a query probes; the first query also
     * reads Layer A before them and the access sketch after its answer; the second also reads
     * Layer B in that round, and later ones ("A + B") ask for Layer B's partitions in it too */
    rvf_query_params p = {K, -1, NULL, 0, 48};
    float q[DIM];
    for (int i = 0; i < NQ; i++) {
        for (size_t d = 0; d < DIM; d++)
            q[d] = centers[((size_t)i * 7 % 40) * DIM + d] + frand() - 0.5f;
        same_query(ref, s, &l, q, &p, i == 0 ? 3 : 1);
    }
    rvf_status_info si;
    rvf_status_get(s, &si);
    CHECK_EQ_INT(si.load_state, RVF_LOAD_LAYER_A);
    CHECK(si.partitions_loaded >= 1);
    size_t have = 0;
    for (size_t i = 0; i < pages; i++)
        have += l.have[i];
    printf("  %u partitions, %zu of %zu pages fetched before the load\n", si.partitions_loaded,
           have, pages);
    CHECK(have < pages);

    /* the full load, page by page as it reads, then every kind of query */
    CHECK_EQ_INT(rvf_load(ref), RVF_OK);
    RETRY(&l, rounds, st, rvf_load(s));
    CHECK_EQ_INT(st, RVF_OK);
    same_status(ref, s);
    rvf_query_params exact = {K, -1, NULL, 0, 0};
    for (int i = 0; i < NQ; i++) {
        for (size_t d = 0; d < DIM; d++)
            q[d] = centers[((size_t)i * 3 % 40) * DIM + d] + frand() - 0.5f;
        same_query(ref, s, &l, q, &p, 0);
        same_query(ref, s, &l, q, &exact, 0);
    }
    uint64_t bad = 1;
    RETRY(&l, rounds, st, rvf_verify(s, &bad));
    CHECK_EQ_INT(st, RVF_OK);
    rvf_close(ref);
    rvf_close(s);
    rvf_release(l.segs);
    free(l.have);
    free(l.want);
    free(bytes);
    free(ids);
}

int main(void)
{
    RVF_TEST_RUN(test_retry);
    return rvf_test_finish();
}
