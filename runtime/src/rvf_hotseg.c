/* rvf_hotseg.c: HOT_SEG codec, builder and search (layout and rules in rvf_hotseg.h). */
#include "rvf_hotseg.h"

#include <stdlib.h>
#include <string.h>

enum { ENTRY_FIXED = 10 }; /* vector_id u64 + neighbor_count u16 */

static size_t elem_size(uint8_t dtype)
{
    return dtype == RVF_HOT_F32 ? 4 : dtype <= RVF_HOT_BF16 ? 2 : dtype <= RVF_HOT_SQ ? 1 : 0;
}

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

size_t rvf_hotseg_entry_size(uint16_t dim, uint8_t dtype, uint32_t neighbor_count)
{
    size_t es = elem_size(dtype);
    return es ? align64(ENTRY_FIXED + (size_t)dim * es + 8 * (size_t)neighbor_count) : 0;
}

void rvf_hotseg_free(rvf_hotseg *hs)
{
    if (!hs)
        return;
    rvf_free(hs->ids);
    rvf_free(hs->vectors);
    rvf_free(hs->nb_off);
    rvf_free(hs->nb);
    rvf_free(hs->order);
    rvf_free(hs->vids);
    memset(hs, 0, sizeof *hs);
}

/* ---- id order ------------------------------------------------------------------------------ */

typedef struct id_ix {
    uint64_t id;
    uint32_t ix;
} id_ix;

static int cmp_id_ix(const void *pa, const void *pb)
{
    const id_ix *a = pa, *b = pb;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->ix > b->ix) - (a->ix < b->ix);
}

/* order = entry indices sorted by id. OUT_OF_MEMORY, INVALID_MANIFEST on a duplicate id. */
static rvf_status sort_order(const uint64_t *ids, uint32_t n, uint32_t *order)
{
    id_ix *t = rvf_malloc(((size_t)n + 1) * sizeof *t);
    if (!t)
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < n; i++)
        t[i] = (id_ix){ids[i], i};
    qsort(t, n, sizeof *t, cmp_id_ix);
    rvf_status st = RVF_OK;
    for (uint32_t i = 0; i < n; i++) {
        order[i] = t[i].ix;
        if (i && t[i].id == t[i - 1].id)
            st = RVF_ERR_INVALID_MANIFEST;
    }
    rvf_free(t);
    return st;
}

int64_t rvf_hotseg_find(const rvf_hotseg *hs, uint64_t id)
{
    if (!hs || !hs->order)
        return -1;
    uint32_t lo = 0, hi = hs->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint64_t v = hs->ids[hs->order[mid]];
        if (v == id)
            return hs->order[mid];
        if (v < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- codec --------------------------------------------------------------------------------- */

static void put_vector(uint8_t *dst, const rvf_hotseg *hs, uint32_t i)
{
    size_t dim = hs->dim, base = (size_t)i * dim;
    switch (hs->dtype) {
    case RVF_HOT_F32:
        for (size_t d = 0; d < dim; d++)
            rvfk_st_f32(dst + 4 * d, ((const float *)hs->vectors)[base + d]);
        break;
    case RVF_HOT_F16:
    case RVF_HOT_BF16:
        for (size_t d = 0; d < dim; d++)
            rvfk_st_u16(dst + 2 * d, ((const uint16_t *)hs->vectors)[base + d]);
        break;
    default:
        memcpy(dst, (const uint8_t *)hs->vectors + base, dim);
        break;
    }
}

static void get_vector(const uint8_t *src, rvf_hotseg *hs, uint32_t i)
{
    size_t dim = hs->dim, base = (size_t)i * dim;
    switch (hs->dtype) {
    case RVF_HOT_F32:
        for (size_t d = 0; d < dim; d++)
            ((float *)hs->vectors)[base + d] = rvfk_ld_f32(src + 4 * d);
        break;
    case RVF_HOT_F16:
    case RVF_HOT_BF16:
        for (size_t d = 0; d < dim; d++)
            ((uint16_t *)hs->vectors)[base + d] = rvfk_ld_u16(src + 2 * d);
        break;
    default:
        memcpy((uint8_t *)hs->vectors + base, src, dim);
        break;
    }
}

static bool id_ok(uint64_t id, uint64_t slot_limit)
{
    return id < UINT32_MAX && (!slot_limit || id < slot_limit);
}

rvf_status rvf_hotseg_encode(rvf_buf *out, const rvf_hotseg *hs)
{
    if (!out || !hs || hs->dtype > RVF_HOT_SQ || hs->dim == 0)
        return RVF_ERR_INVALID_ARGUMENT;
    if (hs->count && (!hs->ids || !hs->vectors || !hs->nb_off || hs->nb_off[0] != 0))
        return RVF_ERR_INVALID_ARGUMENT;
    uint64_t total = RVF_HOTSEG_HEADER;
    for (uint32_t i = 0; i < hs->count; i++) {
        uint32_t a = hs->nb_off[i], b = hs->nb_off[i + 1];
        if (b < a || b - a > hs->neighbor_m || !id_ok(hs->ids[i], 0) || (b > a && !hs->nb))
            return RVF_ERR_INVALID_ARGUMENT;
        for (uint32_t j = a; j < b; j++)
            if (!id_ok(hs->nb[j], 0) || hs->nb[j] == hs->ids[i])
                return RVF_ERR_INVALID_ARGUMENT;
        total += rvf_hotseg_entry_size(hs->dim, hs->dtype, b - a);
    }
    const uint64_t table = hs->vids ? total : 0; /* entries end 64-aligned */
    total += hs->vids ? 8 * (uint64_t)hs->count : 0;
    if (total > UINT32_MAX)
        return RVF_ERR_SEGMENT_TOO_LARGE;
    uint32_t *order = rvf_malloc(((size_t)hs->count + 1) * sizeof *order);
    if (!order)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_status st = sort_order(hs->ids, hs->count, order);
    if (st == RVF_OK && hs->vids)
        st = sort_order(hs->vids, hs->count, order);
    rvf_free(order);
    if (st != RVF_OK)
        return st == RVF_ERR_INVALID_MANIFEST ? RVF_ERR_INVALID_ARGUMENT : st;

    const size_t start = out->len, vbytes = (size_t)hs->dim * elem_size(hs->dtype);
    uint8_t *p = rvf_buf_append(out, (size_t)total);
    if (!p) {
        out->len = start;
        return RVF_ERR_OUT_OF_MEMORY;
    }
    rvfk_st_u32(p + RVF_HOTSEG_OFF_COUNT, hs->count);
    rvfk_st_u16(p + RVF_HOTSEG_OFF_DIM, hs->dim);
    p[RVF_HOTSEG_OFF_DTYPE] = hs->dtype;
    rvfk_st_u16(p + RVF_HOTSEG_OFF_NEIGHBOR_M, hs->neighbor_m);
    rvfk_st_u32(p + RVF_HOTSEG_OFF_ID_TABLE, (uint32_t)table);
    for (uint32_t i = 0; table && i < hs->count; i++)
        rvfk_st_u64(p + table + 8 * (size_t)i, hs->vids[i]);
    size_t off = RVF_HOTSEG_HEADER;
    for (uint32_t i = 0; i < hs->count; i++) {
        uint32_t a = hs->nb_off[i], nc = hs->nb_off[i + 1] - a;
        uint8_t *e = p + off;
        rvfk_st_u64(e, hs->ids[i]);
        put_vector(e + 8, hs, i);
        rvfk_st_u16(e + 8 + vbytes, (uint16_t)nc);
        for (uint32_t j = 0; j < nc; j++)
            rvfk_st_u64(e + ENTRY_FIXED + vbytes + 8 * (size_t)j, hs->nb[a + j]);
        off += rvf_hotseg_entry_size(hs->dim, hs->dtype, nc);
    }
    return RVF_OK;
}

/* Walk the entries once: validate, and count the neighbours. */
static rvf_status walk(const uint8_t *p, size_t len, uint32_t count, size_t vbytes,
                       uint16_t neighbor_m, uint64_t slot_limit, uint64_t *total_nb, size_t *end)
{
    size_t off = RVF_HOTSEG_HEADER;
    uint64_t nbs = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (off > len || len - off < ENTRY_FIXED + vbytes)
            return RVF_ERR_TRUNCATED_SEGMENT;
        const uint8_t *e = p + off;
        uint64_t id = rvfk_ld_u64(e);
        uint32_t nc = rvfk_ld_u16(e + 8 + vbytes);
        if (nc > neighbor_m)
            return RVF_ERR_INVALID_MANIFEST;
        size_t content = ENTRY_FIXED + vbytes + 8 * (size_t)nc;
        if (len - off < content)
            return RVF_ERR_TRUNCATED_SEGMENT;
        if (!id_ok(id, slot_limit))
            return RVF_ERR_INVALID_MANIFEST;
        for (uint32_t j = 0; j < nc; j++) {
            uint64_t nb = rvfk_ld_u64(e + ENTRY_FIXED + vbytes + 8 * (size_t)j);
            if (!id_ok(nb, slot_limit) || nb == id)
                return RVF_ERR_INVALID_MANIFEST;
        }
        nbs += nc;
        off += align64(content);
    }
    *total_nb = nbs;
    *end = off;
    return RVF_OK;
}

rvf_status rvf_hotseg_decode(const uint8_t *p, size_t len, uint16_t expect_dim, uint64_t slot_limit,
                             rvf_hotseg *out)
{
    if (!out || (!p && len))
        return RVF_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (len < RVF_HOTSEG_HEADER)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint32_t count = rvfk_ld_u32(p + RVF_HOTSEG_OFF_COUNT);
    uint16_t dim = rvfk_ld_u16(p + RVF_HOTSEG_OFF_DIM);
    uint8_t dtype = p[RVF_HOTSEG_OFF_DTYPE];
    uint16_t neighbor_m = rvfk_ld_u16(p + RVF_HOTSEG_OFF_NEIGHBOR_M);
    if (dtype > RVF_HOT_SQ || dim == 0)
        return RVF_ERR_INVALID_MANIFEST;
    if (expect_dim && dim != expect_dim)
        return RVF_ERR_DIMENSION_MISMATCH;
    const size_t vbytes = (size_t)dim * elem_size(dtype);
    uint64_t total_nb = 0;
    size_t end = 0;
    rvf_status st = walk(p, len, count, vbytes, neighbor_m, slot_limit, &total_nb, &end);
    if (st != RVF_OK)
        return st;
    const uint32_t table = rvfk_ld_u32(p + RVF_HOTSEG_OFF_ID_TABLE);
    if (table && (table % 64 || table < end))
        return RVF_ERR_INVALID_MANIFEST;
    if (table && (table > len || (len - table) / 8 < count))
        return RVF_ERR_TRUNCATED_SEGMENT;
    /* Every array is bounded by len now: each entry holds its vector and neighbours in full. */
    rvf_hotseg hs = {.count = count, .dim = dim, .dtype = dtype, .neighbor_m = neighbor_m};
    hs.ids = rvf_malloc(((size_t)count + 1) * sizeof *hs.ids);
    hs.vectors = rvf_malloc((size_t)count * vbytes + 1);
    hs.nb_off = rvf_malloc(((size_t)count + 1) * sizeof *hs.nb_off);
    hs.nb = rvf_malloc(((size_t)total_nb + 1) * sizeof *hs.nb);
    hs.order = rvf_malloc(((size_t)count + 1) * sizeof *hs.order);
    hs.vids = table ? rvf_malloc(((size_t)count + 1) * sizeof *hs.vids) : NULL;
    if (!hs.ids || !hs.vectors || !hs.nb_off || !hs.nb || !hs.order || (table && !hs.vids)) {
        rvf_hotseg_free(&hs);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    size_t off = RVF_HOTSEG_HEADER;
    uint32_t k = 0;
    hs.nb_off[0] = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = p + off;
        hs.ids[i] = rvfk_ld_u64(e);
        get_vector(e + 8, &hs, i);
        uint32_t nc = rvfk_ld_u16(e + 8 + vbytes);
        for (uint32_t j = 0; j < nc; j++)
            hs.nb[k++] = rvfk_ld_u64(e + ENTRY_FIXED + vbytes + 8 * (size_t)j);
        hs.nb_off[i + 1] = k;
        off += align64(ENTRY_FIXED + vbytes + 8 * (size_t)nc);
    }
    for (uint32_t i = 0; table && i < count; i++)
        hs.vids[i] = rvfk_ld_u64(p + table + 8 * (size_t)i);
    /* the vector ids must be distinct too (order is overwritten right after) */
    if (table && (st = sort_order(hs.vids, count, hs.order)) != RVF_OK) {
        rvf_hotseg_free(&hs);
        return st;
    }
    if ((st = sort_order(hs.ids, count, hs.order)) != RVF_OK) {
        rvf_hotseg_free(&hs);
        return st;
    }
    *out = hs;
    return RVF_OK;
}

/* ---- builder ------------------------------------------------------------------------------- */

typedef struct rank_item {
    int32_t level;
    uint32_t indeg, slot;
} rank_item;

static int rank_cmp(const void *pa, const void *pb)
{
    const rank_item *a = pa, *b = pb;
    if (a->level != b->level)
        return a->level > b->level ? -1 : 1;
    if (a->indeg != b->indeg)
        return a->indeg > b->indeg ? -1 : 1;
    return (a->slot > b->slot) - (a->slot < b->slot);
}

rvf_status rvf_hotseg_rank(const rvf_hnsw *h, uint32_t *order, uint32_t cap, uint32_t *n)
{
    if (!h || !n || (!order && cap))
        return RVF_ERR_INVALID_ARGUMENT;
    *n = 0;
    uint32_t limit = rvf_hnsw_slot_limit(h), present = rvf_hnsw_count(h);
    uint32_t *indeg = rvf_calloc((size_t)limit + 1, sizeof *indeg);
    rank_item *items = rvf_malloc(((size_t)present + 1) * sizeof *items);
    if (!indeg || !items) {
        rvf_free(indeg);
        rvf_free(items);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    for (uint32_t s = 0; s < limit; s++) {
        uint32_t c = 0;
        const uint32_t *nb = rvf_hnsw_level(h, s) >= 0 ? rvf_hnsw_neighbors(h, s, 0, &c) : NULL;
        for (uint32_t j = 0; j < c; j++)
            if (nb[j] < limit)
                indeg[nb[j]]++;
    }
    uint32_t m = 0;
    for (uint32_t s = 0; s < limit && m < present; s++) {
        int32_t lv = rvf_hnsw_level(h, s);
        if (lv >= 0)
            items[m++] = (rank_item){lv, indeg[s], s};
    }
    qsort(items, m, sizeof *items, rank_cmp);
    uint32_t w = m < cap ? m : cap;
    for (uint32_t i = 0; i < w; i++)
        order[i] = items[i].slot;
    *n = w;
    rvf_free(indeg);
    rvf_free(items);
    return RVF_OK;
}

static const float *src_row(const rvf_hnsw_source *s, uint32_t slot)
{
    return s->get ? s->get(s->ctx, slot) : s->base + (size_t)slot * s->stride;
}

typedef struct nb_cand {
    float d;
    uint32_t slot;
} nb_cand;

static int nb_by_dist(const void *pa, const void *pb)
{
    const nb_cand *a = pa, *b = pb;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    return (a->slot > b->slot) - (a->slot < b->slot);
}

static int nb_by_slot(const void *pa, const void *pb)
{
    const nb_cand *a = pa, *b = pb;
    return (a->slot > b->slot) - (a->slot < b->slot);
}

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* The neighbours an entry for `slot` stores: up to nm of its present layer-0 links, nearest
 * first (NaN distances last), then ascending by slot. Writes them to c, returns the count. */
static uint32_t pick_neighbors(const rvf_hnsw *h, const rvf_hnsw_source *rows, uint32_t slot,
                               uint32_t nm, nb_cand *c)
{
    uint32_t cnt = 0, n = 0;
    if (!h || !nm || rvf_hnsw_level(h, slot) < 0)
        return 0;
    const uint32_t *nb = rvf_hnsw_neighbors(h, slot, 0, &cnt);
    const float *me = src_row(rows, slot);
    const rvfk_ops *ops = rvfk_ops_best();
    for (uint32_t j = 0; j < cnt; j++) {
        if (nb[j] == slot || rvf_hnsw_level(h, nb[j]) < 0)
            continue;
        bool dup = false;
        for (uint32_t t = 0; t < n && !dup; t++)
            dup = c[t].slot == nb[j];
        if (dup)
            continue;
        const float *r = src_row(rows, nb[j]);
        float d = me && r ? ops->dist_f32(rvf_hnsw_metric(h), me, r, rvf_hnsw_dim(h)) : 0.0f;
        c[n++] = (nb_cand){d == d ? d : __builtin_inff(), nb[j]};
    }
    qsort(c, n, sizeof *c, nb_by_dist);
    if (n > nm)
        n = nm;
    qsort(c, n, sizeof *c, nb_by_slot);
    return n;
}

/* Distinct layer-0 links of slot present in h, capped at nm (the entry's neighbour count). */
static uint32_t link_count(const rvf_hnsw *h, uint32_t slot, uint32_t nm, nb_cand *scratch)
{
    uint32_t cnt = 0, n = 0;
    if (!h || !nm || rvf_hnsw_level(h, slot) < 0)
        return 0;
    const uint32_t *nb = rvf_hnsw_neighbors(h, slot, 0, &cnt);
    for (uint32_t j = 0; j < cnt; j++) {
        bool dup = nb[j] == slot || rvf_hnsw_level(h, nb[j]) < 0;
        for (uint32_t t = 0; t < n && !dup; t++)
            dup = scratch[t].slot == nb[j];
        if (!dup)
            scratch[n++].slot = nb[j];
    }
    return n < nm ? n : nm;
}

/* The entry list: distinct `slots`, then the rank order, within the budget; sorted ascending. */
static rvf_status choose(const rvf_hnsw *h, const uint32_t *slots, uint32_t n_slots, uint16_t dim,
                         uint8_t dtype, uint32_t nm, size_t budget, nb_cand *scratch,
                         uint32_t **out, uint32_t *n_out)
{
    uint32_t n_rank = 0, *rank = NULL, limit = 0;
    uint8_t *taken = NULL;
    rvf_status st = RVF_OK;
    if (budget) {
        uint32_t present = rvf_hnsw_count(h);
        limit = rvf_hnsw_slot_limit(h);
        for (uint32_t i = 0; i < n_slots; i++)
            limit = slots[i] >= limit ? slots[i] + 1 : limit;
        rank = rvf_malloc(((size_t)present + 1) * sizeof *rank);
        taken = rvf_calloc((size_t)limit + 1, 1);
        if (!rank || !taken)
            st = RVF_ERR_OUT_OF_MEMORY;
        if (st == RVF_OK)
            st = rvf_hotseg_rank(h, rank, present, &n_rank);
    }
    uint32_t *list = rvf_malloc(((size_t)n_slots + n_rank + 1) * sizeof *list);
    if (!list && st == RVF_OK)
        st = RVF_ERR_OUT_OF_MEMORY;
    uint32_t n = 0;
    if (st == RVF_OK && !budget) {
        memcpy(list, slots, (size_t)n_slots * sizeof *list);
        n = n_slots;
    } else if (st == RVF_OK) {
        uint64_t total = RVF_HOTSEG_HEADER;
        bool full = false;
        for (uint32_t i = 0; i < n_slots + n_rank && !full; i++) {
            uint32_t s = i < n_slots ? slots[i] : rank[i - n_slots];
            if (taken[s])
                continue;
            uint64_t e = rvf_hotseg_entry_size(dim, dtype, link_count(h, s, nm, scratch));
            full = total + e > budget;
            if (!full) {
                total += e;
                taken[s] = 1;
                list[n++] = s;
            }
        }
    }
    rvf_free(rank);
    rvf_free(taken);
    if (st != RVF_OK) {
        rvf_free(list);
        return st;
    }
    qsort(list, n, sizeof *list, cmp_u32);
    uint32_t u = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!u || list[i] != list[u - 1])
            list[u++] = list[i];
    *out = list;
    *n_out = u;
    return RVF_OK;
}

rvf_status rvf_hotseg_build(const rvf_hnsw *h, const rvf_hnsw_source *rows, uint32_t dim,
                            const uint32_t *slots, uint32_t n_slots,
                            const rvf_hotseg_params *params, rvf_hotseg *out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    const rvf_hotseg_params def = {.dtype = RVF_HOT_F16};
    const rvf_hotseg_params *P = params ? params : &def;
    if (h) {
        if (dim && dim != rvf_hnsw_dim(h))
            return RVF_ERR_INVALID_ARGUMENT;
        dim = rvf_hnsw_dim(h);
    }
    if (!rows || (!rows->get && !rows->base) || dim == 0 || dim > UINT16_MAX ||
        (n_slots && !slots) || (P->byte_budget && !h))
        return RVF_ERR_INVALID_ARGUMENT;
    if (P->dtype != RVF_HOT_F16 && P->dtype != RVF_HOT_F32 && P->dtype != RVF_HOT_BF16 &&
        P->dtype != RVF_HOT_SQ)
        return RVF_ERR_INVALID_ARGUMENT;
    if (P->dtype == RVF_HOT_SQ &&
        (!P->sq || P->sq->type != RVF_QUANT_SCALAR || P->sq->dim != dim || !P->sq->min))
        return RVF_ERR_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < n_slots; i++)
        if (slots[i] == UINT32_MAX)
            return RVF_ERR_INVALID_ARGUMENT;
    uint32_t nm = h ? (P->neighbor_m ? P->neighbor_m : rvf_hnsw_get_params(h).m) : 0;
    if (nm > UINT16_MAX)
        nm = UINT16_MAX;
    uint32_t m0 = h ? rvf_hnsw_get_params(h).m0 : 0;
    nb_cand *scratch = rvf_malloc(((size_t)m0 + 1) * sizeof *scratch);
    if (!scratch)
        return RVF_ERR_OUT_OF_MEMORY;
    uint32_t *list = NULL, n = 0;
    rvf_status st =
        choose(h, slots, n_slots, (uint16_t)dim, P->dtype, nm, P->byte_budget, scratch, &list, &n);
    if (st != RVF_OK) {
        rvf_free(scratch);
        return st;
    }
    rvf_hotseg hs = {
        .count = n, .dim = (uint16_t)dim, .dtype = P->dtype, .neighbor_m = (uint16_t)nm};
    const size_t es = elem_size(P->dtype);
    hs.ids = rvf_malloc(((size_t)n + 1) * sizeof *hs.ids);
    hs.vectors = rvf_malloc((size_t)n * dim * es + 1);
    hs.nb_off = rvf_malloc(((size_t)n + 1) * sizeof *hs.nb_off);
    hs.nb = rvf_malloc(((size_t)n * nm + 1) * sizeof *hs.nb);
    hs.order = rvf_malloc(((size_t)n + 1) * sizeof *hs.order);
    st = hs.ids && hs.vectors && hs.nb_off && hs.nb && hs.order ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    uint32_t k = 0;
    if (hs.nb_off)
        hs.nb_off[0] = 0;
    for (uint32_t i = 0; i < n && st == RVF_OK; i++) {
        uint32_t s = list[i];
        const float *v = src_row(rows, s);
        if (!v) {
            st = RVF_ERR_INVALID_ARGUMENT;
            break;
        }
        hs.ids[i] = s;
        hs.order[i] = i;
        size_t base = (size_t)i * dim;
        switch (P->dtype) {
        case RVF_HOT_F32:
            memcpy((float *)hs.vectors + base, v, dim * sizeof(float));
            break;
        case RVF_HOT_F16:
            rvfk_f32_to_f16_n(v, (uint16_t *)hs.vectors + base, dim);
            break;
        case RVF_HOT_BF16:
            for (uint32_t d = 0; d < dim; d++)
                ((uint16_t *)hs.vectors)[base + d] = rvfk_f32_to_bf16(v[d]);
            break;
        default:
            rvf_sq_encode(P->sq, v, (uint8_t *)hs.vectors + base);
            break;
        }
        uint32_t c = pick_neighbors(h, rows, s, nm, scratch);
        for (uint32_t j = 0; j < c; j++)
            hs.nb[k++] = scratch[j].slot;
        hs.nb_off[i + 1] = k;
    }
    rvf_free(scratch);
    rvf_free(list);
    if (st != RVF_OK) {
        rvf_hotseg_free(&hs);
        return st;
    }
    *out = hs;
    return RVF_OK;
}

/* ---- hot-set selection --------------------------------------------------------------------- */

typedef struct block_run {
    uint64_t block;
    uint32_t start, len; /* in the id-sorted pairs */
    uint8_t est;
} block_run;

static int run_by_heat(const void *pa, const void *pb)
{
    const block_run *a = pa, *b = pb;
    if (a->est != b->est)
        return a->est > b->est ? -1 : 1;
    return (a->block > b->block) - (a->block < b->block);
}

rvf_status rvf_hotseg_select(const rvf_sketch *sk, uint32_t block_size, const uint64_t *slot_ids,
                             uint32_t n, uint32_t max_vectors, uint32_t *out, uint32_t *n_out)
{
    if (!sk || !n_out || (!out && max_vectors) || (!slot_ids && n) || !block_size)
        return RVF_ERR_INVALID_ARGUMENT;
    *n_out = 0;
    if (!sk->total_accesses || !n || !max_vectors)
        return RVF_OK;
    id_ix *t = rvf_malloc((size_t)n * sizeof *t);
    block_run *runs = rvf_malloc((size_t)n * sizeof *runs);
    if (!t || !runs) {
        rvf_free(t);
        rvf_free(runs);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    for (uint32_t s = 0; s < n; s++)
        t[s] = (id_ix){slot_ids[s], s};
    qsort(t, n, sizeof *t, cmp_id_ix);
    uint32_t nr = 0;
    for (uint32_t i = 0; i < n;) {
        uint64_t b = t[i].id / block_size;
        uint32_t j = i + 1;
        while (j < n && t[j].id / block_size == b)
            j++;
        uint8_t est = rvf_sketch_estimate(sk, b);
        if (est)
            runs[nr++] = (block_run){b, i, j - i, est};
        i = j;
    }
    qsort(runs, nr, sizeof *runs, run_by_heat);
    uint32_t got = 0;
    for (uint32_t r = 0; r < nr && got < max_vectors; r++)
        for (uint32_t i = 0; i < runs[r].len && got < max_vectors; i++)
            out[got++] = t[runs[r].start + i].ix;
    qsort(out, got, sizeof *out, cmp_u32);
    rvf_free(t);
    rvf_free(runs);
    *n_out = got;
    return RVF_OK;
}

/* ---- top-k ----------------------------------------------------------------------------------- */

static bool hit_worse(const rvf_slot_hit *a, const rvf_slot_hit *b)
{
    return a->dist > b->dist || (a->dist == b->dist && a->id > b->id);
}

void rvf_hit_heap_init(rvf_hit_heap *t, rvf_slot_hit *storage, uint32_t cap)
{
    t->h = storage;
    t->cap = cap;
    t->size = 0;
}

static void sift_down(rvf_slot_hit *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && hit_worse(&h[l], &h[w]))
            w = l;
        if (r < n && hit_worse(&h[r], &h[w]))
            w = r;
        if (w == i)
            return;
        rvf_slot_hit t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

bool rvf_hit_heap_offer(rvf_hit_heap *t, rvf_slot_hit c)
{
    if (c.dist != c.dist || t->cap == 0)
        return false;
    if (t->size < t->cap) {
        uint32_t i = t->size++;
        t->h[i] = c;
        while (i > 0) {
            uint32_t p = (i - 1) / 2;
            if (!hit_worse(&t->h[i], &t->h[p]))
                break;
            rvf_slot_hit x = t->h[i];
            t->h[i] = t->h[p];
            t->h[p] = x;
            i = p;
        }
        return true;
    }
    if (!hit_worse(&t->h[0], &c))
        return false;
    t->h[0] = c;
    sift_down(t->h, t->size, 0);
    return true;
}

uint32_t rvf_hit_heap_sorted(rvf_hit_heap *t)
{
    /* heap sort: repeatedly move the worst to the end */
    for (uint32_t n = t->size; n > 1; n--) {
        rvf_slot_hit x = t->h[0];
        t->h[0] = t->h[n - 1];
        t->h[n - 1] = x;
        sift_down(t->h, n - 1, 0);
    }
    return t->size;
}

/* ---- search -----------------------------------------------------------------------------------
 */

static bool sq_ok(const rvf_hotseg *hs, const rvf_quant *sq)
{
    return sq && sq->type == RVF_QUANT_SCALAR && sq->dim == hs->dim && sq->min && sq->max;
}

/* Distance to entry i; tmp (dim floats) is used for i8 only. */
static float entry_dist(const rvf_hotseg *hs, const rvf_quant *sq, const rvfk_ops *ops,
                        rvf_metric m, const float *q, uint32_t i, float *tmp)
{
    size_t dim = hs->dim, base = (size_t)i * dim;
    switch (hs->dtype) {
    case RVF_HOT_F32:
        return ops->dist_f32(m, q, (const float *)hs->vectors + base, dim);
    case RVF_HOT_F16:
        return ops->dist_f32_f16(m, q, (const uint16_t *)hs->vectors + base, dim);
    case RVF_HOT_BF16:
        return rvfk_dist_f32_bf16(m, q, (const uint16_t *)hs->vectors + base, dim);
    case RVF_HOT_I8:
        for (size_t d = 0; d < dim; d++)
            tmp[d] = (float)((const int8_t *)hs->vectors)[base + d];
        return ops->dist_f32(m, q, tmp, dim);
    default:
        if (!sq_ok(hs, sq))
            return __builtin_nanf("");
        return ops->dist_f32_sq8(m, q, (const uint8_t *)hs->vectors + base, sq->min, sq->max, dim);
    }
}

float rvf_hotseg_dist(const rvf_hotseg *hs, const rvf_quant *sq, rvf_metric metric,
                      const float *query, uint32_t i)
{
    if (!hs || !query || i >= hs->count || metric > RVF_METRIC_COSINE)
        return __builtin_nanf("");
    float *tmp = NULL;
    if (hs->dtype == RVF_HOT_I8 && !(tmp = rvf_malloc((size_t)hs->dim * sizeof *tmp)))
        return __builtin_nanf("");
    float d = entry_dist(hs, sq, rvfk_ops_best(), metric, query, i, tmp);
    rvf_free(tmp);
    return d;
}

rvf_status rvf_hotseg_search(const rvf_hotseg *hs, rvf_metric metric, const float *query,
                             uint32_t k, const rvf_hotseg_query *q, rvf_slot_hit *out,
                             uint32_t *n_out)
{
    if (!hs || !query || !n_out || (!out && k))
        return RVF_ERR_INVALID_ARGUMENT;
    *n_out = 0;
    if (metric == RVF_METRIC_HAMMING)
        return RVF_ERR_METRIC_UNSUPPORTED;
    const rvf_hotseg_query none = {0};
    if (!q)
        q = &none;
    if (metric > RVF_METRIC_COSINE || (hs->dtype == RVF_HOT_SQ && !sq_ok(hs, q->sq)))
        return RVF_ERR_INVALID_ARGUMENT;
    if (k == 0 || hs->count == 0)
        return RVF_OK;
    uint32_t r = q->rerank ? q->rerank : (k > UINT32_MAX / 4 ? k : 4 * k);
    if (r < 32 && !q->rerank)
        r = 32;
    if (r < k)
        r = k;
    if (r > hs->count)
        r = hs->count;
    rvf_slot_hit *cand = rvf_malloc((size_t)r * sizeof *cand);
    float *tmp = hs->dtype == RVF_HOT_I8 ? rvf_malloc((size_t)hs->dim * sizeof *tmp) : NULL;
    if (!cand || (hs->dtype == RVF_HOT_I8 && !tmp)) {
        rvf_free(cand);
        rvf_free(tmp);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    const rvfk_ops *ops = rvfk_ops_best();
    rvf_hit_heap heap;
    rvf_hit_heap_init(&heap, cand, r);
    for (uint32_t i = 0; i < hs->count; i++) {
        uint32_t slot = (uint32_t)hs->ids[i];
        if (q->filter && !q->filter(q->filter_ctx, slot))
            continue;
        rvf_slot_hit c = {q->slot_ids ? q->slot_ids[slot] : slot,
                          entry_dist(hs, q->sq, ops, metric, query, i, tmp), slot, 0};
        rvf_hit_heap_offer(&heap, c);
    }
    uint32_t n = rvf_hit_heap_sorted(&heap);
    if (q->row) {
        /* exact re-rank: the approximate order only chose which candidates to look at */
        rvf_hit_heap top;
        rvf_hit_heap_init(&top, out, k);
        for (uint32_t i = 0; i < n; i++) {
            const float *row = q->row(q->row_ctx, cand[i].slot);
            if (row) {
                cand[i].dist = ops->dist_f32(metric, query, row, hs->dim);
                cand[i].exact = 1;
            }
            rvf_hit_heap_offer(&top, cand[i]);
        }
        *n_out = rvf_hit_heap_sorted(&top);
    } else {
        n = n < k ? n : k;
        memcpy(out, cand, (size_t)n * sizeof *out);
        *n_out = n;
    }
    rvf_free(cand);
    rvf_free(tmp);
    return RVF_OK;
}

bool rvf_hotseg_closed(const rvf_hotseg *hs, const rvf_slot_hit *hits, uint32_t n)
{
    if (!hs || !hits || !n)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        int64_t e = rvf_hotseg_find(hs, hits[i].slot);
        if (e < 0 || hs->nb_off[e + 1] == hs->nb_off[e])
            return false;
        for (uint32_t j = hs->nb_off[e]; j < hs->nb_off[e + 1]; j++)
            if (rvf_hotseg_find(hs, hs->nb[j]) < 0)
                return false;
    }
    return true;
}
