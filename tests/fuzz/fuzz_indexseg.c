/* fuzz_indexseg.c: INDEX_SEG payloads of the HNSW graph (rvf_indexseg_decode, _apply, _node).
 * Input: a byte d (dimension 1 + d % 8), a u16 slot limit (% 4097), then the payload. Rows come
 * from a fixed table. Checks: a decoded graph answers a k = 10, ef = 16 search with at most k
 * ascending, non-NaN hits on slots below the limit; rvf_indexseg_node (the seeking reader) gives
 * every node the same layer count and lists as the full decode; the graph re-encoded decodes to
 * the same levels and lists; applying the payload over the decoded graph gives a documented
 * status and a graph that still searches; a decoded layer_level-1 payload (Layer B) also decodes
 * through rvf_layerb_decode with the graph's nodes and layer-0 lists. */
#include "fuzz.h"
#include "rvf_indexseg.h"
#include "rvf_layerb.h"

enum { MAX_SLOTS = 4096, MAX_DIM = 8, MAX_NODE_CHECKS = 256 };

static float rows[(MAX_SLOTS + 1) * MAX_DIM];

static void rows_init(void)
{
    static bool done;
    if (done)
        return;
    for (uint32_t s = 0; s <= MAX_SLOTS; s++)
        for (uint32_t d = 0; d < MAX_DIM; d++)
            rows[s * MAX_DIM + d] = fuzz_row_value(s, d);
    done = true;
}

static void check_search(rvf_hnsw *h, uint32_t dim, uint64_t slot_limit)
{
    float q[MAX_DIM];
    for (uint32_t d = 0; d < dim; d++)
        q[d] = fuzz_row_value(UINT32_MAX, d);
    uint32_t slots[10], n = 99;
    float dists[10];
    rvf_status st = rvf_hnsw_search(h, q, 10, 16, NULL, NULL, slots, dists, &n);
    FUZZ_ASSERT(st == RVF_OK || st == RVF_ERR_OUT_OF_MEMORY);
    if (st != RVF_OK)
        return;
    FUZZ_ASSERT(n <= 10);
    for (uint32_t i = 0; i < n; i++) {
        FUZZ_ASSERT(slots[i] < slot_limit && dists[i] == dists[i]);
        FUZZ_ASSERT(i == 0 || dists[i - 1] < dists[i] ||
                    (dists[i - 1] == dists[i] && slots[i - 1] < slots[i]));
    }
}

typedef struct node_ctx {
    const rvf_hnsw *h;
    uint32_t slot;
} node_ctx;

static void on_layer(void *ctx, uint32_t layer, const uint32_t *ids, uint32_t count)
{
    const node_ctx *c = ctx;
    uint32_t n = 0;
    const uint32_t *nb = rvf_hnsw_neighbors(c->h, c->slot, layer, &n);
    FUZZ_ASSERT(n == count && (n == 0 || memcmp(nb, ids, n * sizeof *ids) == 0));
}

static void check_nodes(const uint8_t *p, size_t len, const rvf_hnsw *h)
{
    uint64_t count = rvfk_ld_u64(p + 0x08), base = rvfk_ld_u64(p + 0x10);
    uint64_t step = count / MAX_NODE_CHECKS + 1;
    for (uint64_t i = 0; i < count; i += step) {
        node_ctx c = {h, (uint32_t)(base + i)};
        uint32_t lc = 99;
        rvf_status st = rvf_indexseg_node(p, len, base + i, on_layer, &c, &lc);
        FUZZ_ASSERT(st == RVF_OK);
        FUZZ_ASSERT((int64_t)lc == (int64_t)rvf_hnsw_level(h, c.slot) + 1);
    }
    uint32_t lc = 99;
    FUZZ_ASSERT(rvf_indexseg_node(p, len, base + count, NULL, NULL, &lc) == RVF_ERR_NOT_FOUND &&
                lc == 0);
}

static void check_same(const rvf_hnsw *a, const rvf_hnsw *b)
{
    FUZZ_ASSERT(rvf_hnsw_count(a) == rvf_hnsw_count(b));
    uint32_t ea = 0, eb = 0, la = 0, lb = 0;
    FUZZ_ASSERT(rvf_hnsw_entry(a, &ea, &la) == rvf_hnsw_entry(b, &eb, &lb));
    FUZZ_ASSERT(ea == eb && la == lb);
    for (uint32_t s = 0; s < rvf_hnsw_slot_limit(a); s++) {
        int32_t lv = rvf_hnsw_level(a, s);
        FUZZ_ASSERT(lv == rvf_hnsw_level(b, s));
        for (int32_t l = 0; l <= lv; l++) {
            uint32_t na, nb;
            const uint32_t *xa = rvf_hnsw_neighbors(a, s, (uint32_t)l, &na);
            const uint32_t *xb = rvf_hnsw_neighbors(b, s, (uint32_t)l, &nb);
            FUZZ_ASSERT(na == nb && (na == 0 || memcmp(xa, xb, na * sizeof *xa) == 0));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rows_init();
    fuzz_in in = {data, size, 0};
    uint32_t dim = 1 + fuzz_u8(&in) % MAX_DIM;
    uint64_t slot_limit = fuzz_u16(&in) % (MAX_SLOTS + 1);
    size_t len;
    const uint8_t *rest = fuzz_rest(&in, &len);
    uint8_t *p = fuzz_dup(rest, len);
    rvf_hnsw_source src = {.base = rows, .stride = dim};

    rvf_hnsw *h = NULL;
    rvf_status st = rvf_indexseg_decode(p, len, dim, slot_limit, &src, &h);
    FUZZ_ASSERT(fuzz_status_known(st));
    FUZZ_ASSERT((st == RVF_OK) == (h != NULL));
    uint32_t lc = 0;
    rvf_status ns = rvf_indexseg_node(p, len, 0, NULL, NULL, &lc);
    FUZZ_ASSERT(fuzz_status_known(ns));
    rvf_layerb *lb = NULL;
    rvf_status bs = rvf_layerb_decode(p, len, slot_limit, &lb);
    FUZZ_ASSERT(fuzz_status_known(bs) && (bs == RVF_OK) == (lb != NULL));
    if (st == RVF_OK && len > 1 && p[1] == 1)
        FUZZ_ASSERT(bs == RVF_OK || bs == RVF_ERR_OUT_OF_MEMORY);
    if (st == RVF_OK && bs == RVF_OK) {
        FUZZ_ASSERT(rvf_layerb_count(lb) == rvf_hnsw_count(h));
        for (uint32_t s = 0; s < rvf_hnsw_slot_limit(h); s++) {
            uint32_t na = 0, nb = 0;
            const uint32_t *xa = rvf_hnsw_neighbors(h, s, 0, &na);
            const uint32_t *xb = rvf_layerb_neighbors(lb, s, &nb);
            FUZZ_ASSERT((rvf_hnsw_level(h, s) >= 0) == (xb != NULL));
            FUZZ_ASSERT(na == nb && (na == 0 || memcmp(xa, xb, na * sizeof *xa) == 0));
        }
    }
    rvf_layerb_free(lb);
    if (st == RVF_OK) {
        FUZZ_ASSERT(rvf_hnsw_slot_limit(h) <= slot_limit);
        check_search(h, dim, slot_limit);
        check_nodes(p, len, h);

        rvf_buf out;
        rvf_buf_init(&out);
        FUZZ_ASSERT(rvf_indexseg_encode(&out, h) == RVF_OK);
        rvf_hnsw *h2 = NULL;
        FUZZ_ASSERT(rvf_indexseg_decode(out.data, out.len, dim, slot_limit, &src, &h2) == RVF_OK);
        check_same(h, h2);
        rvf_hnsw_free(h2);
        rvf_buf_free(&out);

        rvf_status as = rvf_indexseg_apply(p, len, slot_limit, h);
        FUZZ_ASSERT(fuzz_status_known(as));
        if (as == RVF_OK)
            check_search(h, dim, slot_limit);
        rvf_hnsw_free(h);
    }
    free(p);
    return 0;
}
