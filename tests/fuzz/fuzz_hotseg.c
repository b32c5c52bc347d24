/* fuzz_hotseg.c: HOT_SEG payloads (rvf_hotseg_decode) and the hot-cache search
 * (rvf_hotseg_search, rvf_hotseg_dist) on what it decodes. Input: a flags byte (bit 0: a slot
 * limit 1 + v % 4096, else none; bits 1-2: metric, 3 = Hamming), a u16 v, then the payload.
 * SQ segments get a scalar quantizer trained on two rows of their dimension.
 * Checks: ids unique and below the limit, neighbour counts within neighbor_m, order sorted by id,
 * rvf_hotseg_find finds every entry, the vector-id table's ids distinct; the expected dimension is
 * accepted and another one gives DIMENSION_MISMATCH; searches (plain, rows resident with re-rank, a
 * filter that drops odd slots, a slot -> id map) give at most k hits ascending by (distance, id),
 * each slot once, never a filtered one; re-encoding gives a payload that decodes to the same
 * entries and encodes to the same bytes. */
#include "fuzz.h"
#include "rvf_hotseg.h"

enum { MAX_SLOTS = 4096, MAX_DIM = 64, K = 10 };

static float rows[(MAX_SLOTS + 1) * MAX_DIM];
static uint64_t ids[MAX_SLOTS + 1];

static void tables_init(void)
{
    static bool done;
    if (done)
        return;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        rows[i] = fuzz_row_value(i / MAX_DIM, (uint32_t)(i % MAX_DIM));
    for (uint32_t s = 0; s <= MAX_SLOTS; s++)
        ids[s] = 7 * (uint64_t)s + 2;
    done = true;
}

typedef struct row_ctx {
    uint32_t dim;
} row_ctx;

static const float *get_row(void *ctx, uint32_t slot)
{
    const row_ctx *c = ctx;
    return slot < MAX_SLOTS && slot % 3 != 2 ? rows + (size_t)slot * c->dim : NULL;
}

static bool even_only(void *ctx, uint32_t slot)
{
    (void)ctx;
    return slot % 2 == 0;
}

static void search(const rvf_hotseg *hs, rvf_metric metric, const float *query,
                   const rvf_hotseg_query *q)
{
    rvf_slot_hit hits[K];
    uint32_t n = 99;
    rvf_status st = rvf_hotseg_search(hs, metric, query, K, q, hits, &n);
    if (metric == RVF_METRIC_HAMMING) {
        FUZZ_ASSERT(st == RVF_ERR_METRIC_UNSUPPORTED);
        return;
    }
    FUZZ_ASSERT(st == RVF_OK || st == RVF_ERR_OUT_OF_MEMORY);
    if (st != RVF_OK)
        return;
    FUZZ_ASSERT(n <= K && n <= hs->count);
    for (uint32_t i = 0; i < n; i++) {
        FUZZ_ASSERT(rvf_hotseg_find(hs, hits[i].slot) >= 0 && hits[i].dist == hits[i].dist);
        FUZZ_ASSERT(hits[i].id == (q && q->slot_ids ? q->slot_ids[hits[i].slot] : hits[i].slot));
        if (q && q->filter)
            FUZZ_ASSERT(hits[i].slot % 2 == 0);
        for (uint32_t j = 0; j < i; j++)
            FUZZ_ASSERT(hits[j].slot != hits[i].slot);
        FUZZ_ASSERT(i == 0 || hits[i - 1].dist < hits[i].dist ||
                    (hits[i - 1].dist == hits[i].dist && hits[i - 1].id < hits[i].id));
    }
}

static size_t vec_bytes(const rvf_hotseg *hs)
{
    static const uint8_t es[5] = {4, 2, 2, 1, 1};
    return (size_t)hs->count * hs->dim * es[hs->dtype];
}

static void reencode(const rvf_hotseg *hs)
{
    rvf_buf e1, e2;
    rvf_buf_init(&e1);
    rvf_buf_init(&e2);
    FUZZ_ASSERT(rvf_hotseg_encode(&e1, hs) == RVF_OK);
    rvf_hotseg b;
    FUZZ_ASSERT(rvf_hotseg_decode(e1.data, e1.len, hs->dim, 0, &b) == RVF_OK);
    FUZZ_ASSERT(b.count == hs->count && b.dtype == hs->dtype && b.neighbor_m == hs->neighbor_m);
    FUZZ_ASSERT(memcmp(b.ids, hs->ids, hs->count * sizeof *b.ids) == 0);
    FUZZ_ASSERT(memcmp(b.vectors, hs->vectors, vec_bytes(hs)) == 0);
    FUZZ_ASSERT(memcmp(b.nb_off, hs->nb_off, (hs->count + 1) * sizeof *b.nb_off) == 0);
    FUZZ_ASSERT(memcmp(b.nb, hs->nb, hs->nb_off[hs->count] * sizeof *b.nb) == 0);
    FUZZ_ASSERT(!b.vids == !hs->vids);
    FUZZ_ASSERT(!hs->vids || memcmp(b.vids, hs->vids, hs->count * sizeof *b.vids) == 0);
    FUZZ_ASSERT(rvf_hotseg_encode(&e2, &b) == RVF_OK);
    FUZZ_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
    rvf_hotseg_free(&b);
    rvf_buf_free(&e1);
    rvf_buf_free(&e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tables_init();
    fuzz_in in = {data, size, 0};
    uint8_t flags = fuzz_u8(&in);
    uint64_t limit = (flags & 1) ? 1 + fuzz_u16(&in) % MAX_SLOTS : 0;
    rvf_metric metric = (rvf_metric)((flags >> 1) & 3);
    size_t len;
    const uint8_t *rest = fuzz_rest(&in, &len);
    uint8_t *p = fuzz_dup(rest, len);

    rvf_hotseg hs;
    rvf_status st = rvf_hotseg_decode(p, len, 0, limit, &hs);
    FUZZ_ASSERT(fuzz_status_known(st));
    if (st != RVF_OK) {
        FUZZ_ASSERT(hs.count == 0 && hs.ids == NULL);
        free(p);
        return 0;
    }
    FUZZ_ASSERT(hs.dim >= 1 && hs.dtype <= RVF_HOT_SQ);
    for (uint32_t i = 0; i < hs.count; i++) {
        FUZZ_ASSERT(hs.ids[i] < UINT32_MAX && (!limit || hs.ids[i] < limit));
        FUZZ_ASSERT(hs.nb_off[i] <= hs.nb_off[i + 1] &&
                    hs.nb_off[i + 1] - hs.nb_off[i] <= hs.neighbor_m);
        FUZZ_ASSERT(hs.order[i] < hs.count &&
                    (i == 0 || hs.ids[hs.order[i - 1]] < hs.ids[hs.order[i]]));
        FUZZ_ASSERT(rvf_hotseg_find(&hs, hs.ids[i]) == (int64_t)i);
        for (uint32_t j = 0; hs.vids && j < i && j < 64; j++) /* the id table: distinct */
            FUZZ_ASSERT(hs.vids[j] != hs.vids[i]);
    }
    rvf_hotseg x;
    FUZZ_ASSERT(rvf_hotseg_decode(p, len, hs.dim, limit, &x) == RVF_OK);
    rvf_hotseg_free(&x);
    if (hs.dim < UINT16_MAX)
        FUZZ_ASSERT(rvf_hotseg_decode(p, len, (uint16_t)(hs.dim + 1), limit, &x) ==
                    RVF_ERR_DIMENSION_MISMATCH);

    float *query = malloc(2 * (size_t)hs.dim * sizeof *query);
    FUZZ_ASSERT(query != NULL);
    for (uint32_t d = 0; d < 2 * (uint32_t)hs.dim; d++)
        query[d] = fuzz_row_value(d / hs.dim + 100000, d % hs.dim);
    rvf_quant sq;
    memset(&sq, 0, sizeof sq);
    FUZZ_ASSERT(rvf_sq_train(query, 2, hs.dim, hs.dim, &sq) == RVF_OK);
    rvf_hotseg_query q = {.sq = hs.dtype == RVF_HOT_SQ ? &sq : NULL};
    search(&hs, metric, query, hs.dtype == RVF_HOT_SQ ? &q : NULL);
    row_ctx rc = {hs.dim};
    if (hs.dim <= MAX_DIM) {
        q.row = get_row;
        q.row_ctx = &rc;
        q.rerank = flags >> 4;
    }
    search(&hs, metric, query, &q);
    q.filter = even_only;
    if (limit)
        q.slot_ids = ids;
    search(&hs, metric, query, &q);
    for (uint32_t i = 0; i < hs.count && i < 16; i++)
        for (int m = 0; m < 4; m++)
            (void)rvf_hotseg_dist(&hs, &sq, (rvf_metric)m, query, i);
    rvf_quant_free(&sq);
    free(query);
    reencode(&hs);
    rvf_hotseg_free(&hs);
    free(p);
    return 0;
}
