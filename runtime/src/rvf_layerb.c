/* rvf_layerb.c: Layer B node selection and its decoded layer-0 adjacency (rvf_layerb.h). */
#include "rvf_layerb.h"

#include <stdlib.h>
#include <string.h>

#include "rvf_indexseg.h"

typedef struct scored {
    double score;
    uint32_t key; /* slot or partition */
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1; /* descending */
    return (x->key > y->key) - (x->key < y->key);
}

static void take(uint8_t *keep, uint32_t s, uint32_t *cnt)
{
    if (!keep[s]) {
        keep[s] = 1;
        (*cnt)++;
    }
}

/* Stage 1 (§6.1 "hot region"): whole partitions in heat order until `cap` nodes are kept. */
static rvf_status select_hot(const rvf_hnsw *g, uint32_t limit, const uint32_t *assign,
                             uint32_t n_parts, const double *heat, uint32_t cap, uint8_t *keep,
                             uint32_t *cnt)
{
    scored *order = rvf_malloc(((size_t)n_parts + 1) * sizeof *order);
    uint32_t *start = rvf_calloc((size_t)n_parts + 2, sizeof *start);
    uint32_t *members = rvf_malloc(((size_t)limit + 1) * sizeof *members);
    if (!order || !start || !members) {
        rvf_free(order);
        rvf_free(start);
        rvf_free(members);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    /* members grouped by partition (counting sort, ascending slot within each) */
    for (uint32_t s = 0; s < limit; s++)
        if (assign[s] < n_parts && rvf_hnsw_level(g, s) >= 0)
            start[assign[s] + 1]++;
    for (uint32_t c = 0; c < n_parts; c++)
        start[c + 1] += start[c];
    uint32_t *fill = rvf_malloc(((size_t)n_parts + 1) * sizeof *fill);
    if (!fill) {
        rvf_free(order);
        rvf_free(start);
        rvf_free(members);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    memcpy(fill, start, (size_t)n_parts * sizeof *fill);
    for (uint32_t s = 0; s < limit; s++)
        if (assign[s] < n_parts && rvf_hnsw_level(g, s) >= 0)
            members[fill[assign[s]]++] = s;
    rvf_free(fill);
    uint32_t no = 0;
    for (uint32_t c = 0; c < n_parts; c++)
        if (heat[c] > 0)
            order[no++] = (scored){heat[c], c};
    qsort(order, no, sizeof *order, cmp_scored);
    for (uint32_t i = 0; i < no && *cnt < cap; i++)
        for (uint32_t j = start[order[i].key]; j < start[order[i].key + 1] && *cnt < cap; j++)
            take(keep, members[j], cnt);
    rvf_free(order);
    rvf_free(start);
    rvf_free(members);
    return RVF_OK;
}

rvf_status rvf_layerb_select(const rvf_hnsw *g, uint32_t n, const uint32_t *assign,
                             uint32_t n_parts, const double *heat, uint8_t *keep, uint32_t *n_keep)
{
    if (!g || !keep || !n_keep || n < rvf_hnsw_slot_limit(g))
        return RVF_ERR_INVALID_ARGUMENT;
    const uint32_t limit = rvf_hnsw_slot_limit(g);
    uint32_t cnt = 0;
    memset(keep, 0, n);
    uint64_t target = (uint64_t)rvf_hnsw_count(g) * RVF_LAYERB_SHARE_PCT / 100;
    for (uint32_t s = 0; s < limit; s++)
        if (rvf_hnsw_level(g, s) >= 2)
            take(keep, s, &cnt);
    uint32_t entry, top;
    if (rvf_hnsw_entry(g, &entry, &top))
        take(keep, entry, &cnt);
    rvf_status st = RVF_OK;
    if (assign && heat && n_parts)
        st = select_hot(g, limit, assign, n_parts, heat, (uint32_t)(target / 2), keep, &cnt);
    if (st != RVF_OK || cnt >= target) {
        *n_keep = cnt;
        return st;
    }
    scored *cand = rvf_malloc(((size_t)limit + 1) * sizeof *cand);
    if (!cand)
        return RVF_ERR_OUT_OF_MEMORY;
    uint32_t nc = 0;
    for (uint32_t s = 0; s < limit; s++) {
        if (keep[s] || rvf_hnsw_level(g, s) < 0)
            continue;
        uint32_t deg = 0, cross = 0;
        const uint32_t *nb = rvf_hnsw_neighbors(g, s, 0, &deg);
        for (uint32_t k = 0; assign && k < deg; k++)
            cross += nb[k] < n && assign[nb[k]] != assign[s] && assign[nb[k]] != UINT32_MAX;
        cand[nc++] = (scored){(double)cross, s};
    }
    qsort(cand, nc, sizeof *cand, cmp_scored);
    for (uint32_t i = 0; i < nc && cnt < target; i++)
        take(keep, cand[i].key, &cnt);
    rvf_free(cand);
    *n_keep = cnt;
    return RVF_OK;
}

/* ---- decoded adjacency ------------------------------------------------------------------------
 */
struct rvf_layerb {
    uint32_t count;
    uint32_t *slots; /* ascending */
    uint64_t *off;   /* count + 1 offsets into nb */
    uint32_t *nb;
    uint64_t nb_len, nb_cap, cap;
};

static rvf_status collect(void *ctx, uint32_t node, uint32_t nlayers, const uint32_t *const *lists,
                          const uint32_t *counts)
{
    rvf_layerb *b = ctx;
    (void)nlayers;
    if (b->count == b->cap) {
        uint64_t cap = b->cap ? b->cap * 2 : 1024;
        uint32_t *ns = rvf_realloc(b->slots, (size_t)cap * sizeof *ns);
        if (ns)
            b->slots = ns;
        uint64_t *no = rvf_realloc(b->off, ((size_t)cap + 1) * sizeof *no);
        if (no)
            b->off = no;
        if (!ns || !no)
            return RVF_ERR_OUT_OF_MEMORY;
        b->cap = cap;
    }
    if (b->nb_len + counts[0] > b->nb_cap) {
        uint64_t cap = b->nb_cap ? b->nb_cap * 2 : 16384;
        while (cap < b->nb_len + counts[0])
            cap *= 2;
        uint32_t *nn = rvf_realloc(b->nb, (size_t)cap * sizeof *nn);
        if (!nn)
            return RVF_ERR_OUT_OF_MEMORY;
        b->nb = nn;
        b->nb_cap = cap;
    }
    if (counts[0])
        memcpy(b->nb + b->nb_len, lists[0], (size_t)counts[0] * sizeof *b->nb);
    b->slots[b->count] = node;
    b->off[b->count] = b->nb_len;
    b->nb_len += counts[0];
    b->count++;
    return RVF_OK;
}

void rvf_layerb_free(rvf_layerb *b)
{
    if (!b)
        return;
    rvf_free(b->slots);
    rvf_free(b->off);
    rvf_free(b->nb);
    rvf_free(b);
}

rvf_status rvf_layerb_decode(const uint8_t *p, size_t len, uint64_t slot_limit, rvf_layerb **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    rvf_indexseg_info info;
    rvf_status st = rvf_indexseg_info_get(p, len, &info);
    if (st != RVF_OK)
        return st;
    if (info.layer_level != 1)
        return RVF_ERR_INVALID_MANIFEST;
    rvf_layerb *b = rvf_calloc(1, sizeof *b);
    if (!b)
        return RVF_ERR_OUT_OF_MEMORY;
    st = rvf_indexseg_walk(p, len, slot_limit, collect, b);
    if (st == RVF_OK && !b->off && !(b->off = rvf_malloc(sizeof *b->off)))
        st = RVF_ERR_OUT_OF_MEMORY;
    if (st != RVF_OK) {
        rvf_layerb_free(b);
        return st;
    }
    b->off[b->count] = b->nb_len;
    *out = b;
    return RVF_OK;
}

uint32_t rvf_layerb_count(const rvf_layerb *b)
{
    return b ? b->count : 0;
}

const uint32_t *rvf_layerb_neighbors(const rvf_layerb *b, uint32_t slot, uint32_t *n)
{
    *n = 0;
    uint32_t lo = 0, hi = b ? b->count : 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (b->slots[mid] < slot)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!b || lo >= b->count || b->slots[lo] != slot)
        return NULL;
    *n = (uint32_t)(b->off[lo + 1] - b->off[lo]);
    return b->nb + b->off[lo];
}
