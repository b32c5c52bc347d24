/* fuzz_layera.c: Layer A, the HOT INDEX_SEG (rvf_layera_decode), and the Layer-A query
 * (rvf_layera_search) on what it decodes. Input: a flags byte, a u16 slot limit (1 + v % 4096),
 * then the payload. Rows: a fixed table for dimensions up to 64, so the search measures resident
 * rows; flags bit 0 adds a small f16 hot cache built from those rows ("A + hot").
 * Checks: the payload also decodes with slot limit 0 and with its own dimension expected, and
 * gives DIMENSION_MISMATCH with another; a search (nothing resident, rows resident, a filter
 * that drops odd slots, a slot -> id map) returns at most k hits, ascending by (distance, id),
 * each slot once, below the slot limit, through the map, never a filtered slot; re-encoding is
 * idempotent (encode(decode(encode(a))) == encode(a)). */
#include "fuzz.h"
#include "rvf_layera.h"

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
        ids[s] = 3 * (uint64_t)s + 1;
    done = true;
}

typedef struct row_ctx {
    uint32_t dim;
    uint64_t limit;
} row_ctx;

static const float *get_row(void *ctx, uint32_t slot)
{
    const row_ctx *c = ctx;
    FUZZ_ASSERT(slot < c->limit);
    return slot % 5 != 4 ? rows + (size_t)slot * c->dim : NULL; /* every fifth slot absent */
}

static bool even_only(void *ctx, uint32_t slot)
{
    (void)ctx;
    return slot % 2 == 0;
}

static void search(const rvf_layera *a, const float *query, const rvf_layera_query *q,
                   uint64_t limit)
{
    rvf_slot_hit hits[K];
    uint32_t n = 99;
    rvf_layera_search_stats stats;
    rvf_status st = rvf_layera_search(a, query, K, q, hits, &n, &stats);
    FUZZ_ASSERT(st == RVF_OK || st == RVF_ERR_OUT_OF_MEMORY);
    if (st != RVF_OK)
        return;
    FUZZ_ASSERT(n <= K);
    for (uint32_t i = 0; i < n; i++) {
        FUZZ_ASSERT(hits[i].slot < limit && hits[i].dist == hits[i].dist);
        FUZZ_ASSERT(hits[i].id == (q && q->slot_ids ? q->slot_ids[hits[i].slot] : hits[i].slot));
        if (q && q->filter)
            FUZZ_ASSERT(hits[i].slot % 2 == 0);
        for (uint32_t j = 0; j < i; j++)
            FUZZ_ASSERT(hits[j].slot != hits[i].slot);
        FUZZ_ASSERT(i == 0 || hits[i - 1].dist < hits[i].dist ||
                    (hits[i - 1].dist == hits[i].dist && hits[i - 1].id < hits[i].id));
    }
}

static void reencode(const rvf_layera *a, uint64_t limit)
{
    rvf_buf e1, e2;
    rvf_buf_init(&e1);
    rvf_buf_init(&e2);
    FUZZ_ASSERT(rvf_layera_encode(&e1, a, NULL) == RVF_OK);
    rvf_layera *b = NULL;
    FUZZ_ASSERT(rvf_layera_decode(e1.data, e1.len, 0, limit, &b, NULL) == RVF_OK);
    FUZZ_ASSERT(rvf_layera_encode(&e2, b, NULL) == RVF_OK);
    FUZZ_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
    rvf_layera_free(b);
    rvf_buf_free(&e1);
    rvf_buf_free(&e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tables_init();
    fuzz_in in = {data, size, 0};
    uint8_t flags = fuzz_u8(&in);
    uint64_t limit = 1 + fuzz_u16(&in) % MAX_SLOTS;
    size_t len;
    const uint8_t *rest = fuzz_rest(&in, &len);
    uint8_t *p = fuzz_dup(rest, len);

    rvf_layera *any = NULL;
    rvf_status st0 = rvf_layera_decode(p, len, 0, 0, &any, NULL);
    FUZZ_ASSERT(fuzz_status_known(st0) && (st0 == RVF_OK) == (any != NULL));
    rvf_layera *a = NULL;
    rvf_layera_layout layout;
    rvf_status st = rvf_layera_decode(p, len, 0, limit, &a, &layout);
    FUZZ_ASSERT(fuzz_status_known(st) && (st == RVF_OK) == (a != NULL));
    if (st == RVF_OK) {
        FUZZ_ASSERT(st0 == RVF_OK);
        rvf_layera_info info;
        rvf_layera_get_info(a, &info);
        FUZZ_ASSERT(layout.centroid_count == info.centroid_count &&
                    layout.partition_count == info.partition_count &&
                    layout.entry_count == info.entry_count);
        rvf_layera *x = NULL;
        if (info.dim) {
            FUZZ_ASSERT(rvf_layera_decode(p, len, info.dim, limit, &x, NULL) == RVF_OK);
            rvf_layera_free(x);
            x = NULL;
        }
        FUZZ_ASSERT(rvf_layera_decode(p, len, info.dim + 1, limit, &x, NULL) ==
                    RVF_ERR_DIMENSION_MISMATCH);

        uint32_t dim = info.dim ? info.dim : 1;
        float *query = malloc(dim * sizeof *query);
        FUZZ_ASSERT(query != NULL);
        for (uint32_t d = 0; d < dim; d++)
            query[d] = fuzz_row_value(UINT32_MAX, d);
        search(a, query, NULL, limit);
        row_ctx rc = {info.dim, limit};
        rvf_layera_query q = {.n_probe = (uint32_t)(flags >> 4)};
        if (info.dim && info.dim <= MAX_DIM) {
            q.row = get_row;
            q.row_ctx = &rc;
        }
        search(a, query, &q, limit);
        q.slot_ids = ids;
        q.filter = even_only;
        search(a, query, &q, limit);
        rvf_hotseg hot;
        memset(&hot, 0, sizeof hot);
        if ((flags & 1) && q.row) {
            uint32_t slots[8], n = 0;
            for (uint32_t s = 0; s < limit && n < 8; s++)
                if (s % 5 != 4)
                    slots[n++] = s;
            rvf_hnsw_source src = {.base = rows, .stride = info.dim};
            rvf_hotseg_params hp = {.dtype = RVF_HOT_F16};
            if (rvf_hotseg_build(NULL, &src, info.dim, slots, n, &hp, &hot) == RVF_OK) {
                q.hot = &hot;
                search(a, query, &q, limit);
                q.row = NULL; /* the descent measures hot vectors only */
                search(a, query, &q, limit);
            }
        }
        rvf_hotseg_free(&hot);
        free(query);
        reencode(a, limit);
        rvf_layera_free(a);
    }
    rvf_layera_free(any);
    free(p);
    return 0;
}
