/* rvf_indexseg.c: INDEX_SEG payload codec for the HNSW graph (layout in rvf_indexseg.h). */
#include "rvf_indexseg.h"

#include <stdlib.h>
#include <string.h>

enum {
    HDR_SIZE = 64,
    OFF_TYPE = 0x00,
    OFF_LEVEL = 0x01,
    OFF_M = 0x02,
    OFF_EF = 0x04,
    OFF_COUNT = 0x08,
    OFF_BASE = 0x10,
    OFF_METRIC = 0x18,
    OFF_EXT = 0x19,
    OFF_M0 = 0x1A,
    OFF_ENTRY = 0x20,
    OFF_SEED = 0x28,
    LAYER_C = 2,
    MAX_LAYERS = RVF_HNSW_MAX_LEVEL + 1
};

typedef struct ihdr {
    uint32_t m, m0, ef, interval, restart_count;
    uint64_t node_count, base, entry, seed;
    rvf_metric metric;
    bool ext;
    const uint8_t *restarts; /* restart_count u32 offsets */
    const uint8_t *adj;
    size_t adj_len;
} ihdr;

static rvf_status parse_header(const uint8_t *p, size_t len, ihdr *H)
{
    if (!p && len)
        return RVF_ERR_INVALID_ARGUMENT;
    if (len < HDR_SIZE)
        return RVF_ERR_TRUNCATED_SEGMENT;
    /* Layer A (level 0) has its own layout (§5.3); IVF and flat have no codec here. */
    if (p[OFF_TYPE] != 0 || p[OFF_LEVEL] < 1 || p[OFF_LEVEL] > LAYER_C || p[OFF_EXT] > 1)
        return RVF_ERR_INVALID_MANIFEST;
    H->ext = p[OFF_EXT] == 1;
    H->m = rvfk_ld_u16(p + OFF_M);
    H->m0 = H->ext ? rvfk_ld_u16(p + OFF_M0) : 2 * H->m;
    H->ef = rvfk_ld_u32(p + OFF_EF);
    H->node_count = rvfk_ld_u64(p + OFF_COUNT);
    H->base = rvfk_ld_u64(p + OFF_BASE);
    H->entry = H->ext ? rvfk_ld_u64(p + OFF_ENTRY) : UINT64_MAX;
    H->seed = H->ext ? rvfk_ld_u64(p + OFF_SEED) : 0;
    if (H->m < 2 || H->m > RVF_HNSW_MAX_M || H->m0 < H->m || H->m0 > RVF_HNSW_MAX_M)
        return RVF_ERR_INVALID_MANIFEST;
    if (p[OFF_METRIC] == RVF_METRIC_HAMMING)
        return RVF_ERR_METRIC_UNSUPPORTED;
    if (p[OFF_METRIC] > RVF_METRIC_COSINE)
        return RVF_ERR_INVALID_MANIFEST;
    H->metric = (rvf_metric)p[OFF_METRIC];
    /* Node ids are slots, and slot UINT32_MAX is reserved by the graph. */
    if (H->node_count > UINT32_MAX || H->base > UINT32_MAX - H->node_count)
        return RVF_ERR_INVALID_MANIFEST;
    if (len < HDR_SIZE + 8)
        return RVF_ERR_TRUNCATED_SEGMENT;
    H->interval = rvfk_ld_u32(p + HDR_SIZE);
    H->restart_count = rvfk_ld_u32(p + HDR_SIZE + 4);
    if (H->interval == 0 ||
        H->restart_count != (H->node_count ? (H->node_count - 1) / H->interval + 1 : 0))
        return RVF_ERR_INVALID_MANIFEST;
    /* restart_count <= UINT32_MAX, so this cannot overflow a 64-bit size_t; on 32-bit targets
     * a table that large could not be in memory anyway and fails the length check. */
    uint64_t table = 8 + 4 * (uint64_t)H->restart_count;
    uint64_t adj_start = HDR_SIZE + ((table + 63) & ~(uint64_t)63);
    if (adj_start > len)
        return RVF_ERR_TRUNCATED_SEGMENT;
    H->restarts = p + HDR_SIZE + 8;
    H->adj = p + adj_start;
    H->adj_len = len - (size_t)adj_start;
    /* Every entry takes at least one byte: bounds the work before any allocation. */
    if (H->node_count > H->adj_len)
        return RVF_ERR_TRUNCATED_SEGMENT;
    return RVF_OK;
}

/* Decode entry i at *pos into ids (layer l at layer_base(l)) and counts[0..*nlayers). */
static size_t layer_base(const ihdr *H, uint32_t l)
{
    return l ? H->m0 + (size_t)(l - 1) * H->m : 0;
}

static rvf_status entry_read(const ihdr *H, size_t *pos, uint64_t i, uint32_t *ids,
                             uint32_t *counts, uint32_t *nlayers)
{
    uint64_t v;
    rvf_status st = rvf_varint_get(H->adj, H->adj_len, pos, &v);
    if (st != RVF_OK)
        return st;
    if (v > MAX_LAYERS)
        return RVF_ERR_INVALID_MANIFEST;
    *nlayers = (uint32_t)v;
    const uint64_t self = H->base + i, limit = H->base + H->node_count;
    const bool restart = i % H->interval == 0;
    for (uint32_t l = 0; l < *nlayers; l++) {
        if ((st = rvf_varint_get(H->adj, H->adj_len, pos, &v)) != RVF_OK)
            return st;
        if (v > (l ? H->m : H->m0))
            return RVF_ERR_INVALID_MANIFEST;
        counts[l] = (uint32_t)v;
        uint32_t *dst = ids + layer_base(H, l);
        uint64_t prev = 0;
        for (uint32_t k = 0; k < counts[l]; k++) {
            if ((st = rvf_varint_get(H->adj, H->adj_len, pos, &v)) != RVF_OK)
                return st;
            uint64_t id;
            if (restart || k == 0) {
                if (k && v <= prev)
                    return RVF_ERR_INVALID_MANIFEST;
                id = v;
            } else {
                if (v == 0 || v >= limit - prev)
                    return RVF_ERR_INVALID_MANIFEST;
                id = prev + v;
            }
            if (id >= limit || id == self)
                return RVF_ERR_INVALID_MANIFEST;
            dst[k] = (uint32_t)id;
            prev = id;
        }
    }
    return RVF_OK;
}

static uint32_t *scratch_new(const ihdr *H)
{
    return rvf_malloc((layer_base(H, MAX_LAYERS) + MAX_LAYERS) * sizeof(uint32_t));
}

/* Put every entry of the payload into h (set_node: absent slots are added, present ones get the
 * stored lists). Reports the highest layer count seen and the lowest slot that has it. */
static rvf_status apply_entries(const ihdr *H, rvf_hnsw *h, uint32_t *top, uint32_t *derived,
                                uint32_t *present)
{
    uint32_t *ids = scratch_new(H);
    if (!ids)
        return RVF_ERR_OUT_OF_MEMORY;
    uint32_t *counts = ids + layer_base(H, MAX_LAYERS);
    const uint32_t *lists[MAX_LAYERS];
    for (uint32_t l = 0; l < MAX_LAYERS; l++)
        lists[l] = ids + layer_base(H, l);
    rvf_status st = RVF_OK;
    size_t pos = 0;
    for (uint64_t i = 0; i < H->node_count && st == RVF_OK; i++) {
        if (i % H->interval == 0 && rvfk_ld_u32(H->restarts + 4 * (i / H->interval)) != pos) {
            st = RVF_ERR_INVALID_MANIFEST;
            break;
        }
        uint32_t nl;
        if ((st = entry_read(H, &pos, i, ids, counts, &nl)) != RVF_OK || nl == 0)
            continue;
        uint32_t slot = (uint32_t)(H->base + i);
        if (!(*present)++ || nl - 1 > *top) {
            *top = nl - 1;
            *derived = slot;
        }
        st = rvf_hnsw_set_node(h, slot, nl - 1, lists, counts);
        if (st == RVF_ERR_INVALID_ARGUMENT) /* a level that contradicts the graph's */
            st = RVF_ERR_INVALID_MANIFEST;
    }
    rvf_free(ids);
    return st;
}

rvf_status rvf_indexseg_decode(const uint8_t *p, size_t len, uint32_t dim, uint64_t slot_limit,
                               const rvf_hnsw_source *src, rvf_hnsw **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    ihdr H;
    rvf_status st = parse_header(p, len, &H);
    if (st != RVF_OK)
        return st;
    if (H.base > slot_limit || H.node_count > slot_limit - H.base)
        return RVF_ERR_INVALID_MANIFEST;
    rvf_hnsw_params params = {.m = H.m, .m0 = H.m0, .ef_construction = H.ef, .seed = H.seed};
    rvf_hnsw *h = NULL;
    if ((st = rvf_hnsw_create(dim, H.metric, &params, src, &h)) != RVF_OK)
        return st;
    uint32_t top = 0, derived = 0, present = 0;
    st = apply_entries(&H, h, &top, &derived, &present);
    if (st == RVF_OK && present) {
        /* The entry must sit on the top layer, or greedy descent would skip upper layers. */
        uint64_t e = H.ext ? H.entry : derived;
        if (e > UINT32_MAX || rvf_hnsw_level(h, (uint32_t)e) != (int32_t)top)
            st = RVF_ERR_INVALID_MANIFEST;
        else
            st = rvf_hnsw_set_entry(h, (uint32_t)e);
    } else if (st == RVF_OK && H.ext && H.entry != UINT64_MAX) {
        st = RVF_ERR_INVALID_MANIFEST;
    }
    if (st != RVF_OK) {
        rvf_hnsw_free(h);
        return st;
    }
    *out = h;
    return RVF_OK;
}

rvf_status rvf_indexseg_apply(const uint8_t *p, size_t len, uint64_t slot_limit, rvf_hnsw *h)
{
    if (!h)
        return RVF_ERR_INVALID_ARGUMENT;
    ihdr H;
    rvf_status st = parse_header(p, len, &H);
    if (st != RVF_OK)
        return st;
    rvf_hnsw_params hp = rvf_hnsw_get_params(h);
    if (H.base > slot_limit || H.node_count > slot_limit - H.base || !H.ext ||
        H.metric != rvf_hnsw_metric(h) || H.m != hp.m || H.m0 != hp.m0)
        return RVF_ERR_INVALID_MANIFEST;
    uint32_t top = 0, derived = 0, present = 0;
    if ((st = apply_entries(&H, h, &top, &derived, &present)) != RVF_OK)
        return st;
    if (H.entry == UINT64_MAX)
        return present || rvf_hnsw_count(h) ? RVF_ERR_INVALID_MANIFEST : RVF_OK;
    /* the entry must be on the graph's top layer (after this segment's nodes were put) */
    uint32_t cur_top = 0;
    for (uint32_t s = 0; s < rvf_hnsw_slot_limit(h); s++)
        if (rvf_hnsw_level(h, s) > (int32_t)cur_top)
            cur_top = (uint32_t)rvf_hnsw_level(h, s);
    if (H.entry > UINT32_MAX || rvf_hnsw_level(h, (uint32_t)H.entry) != (int32_t)cur_top)
        return RVF_ERR_INVALID_MANIFEST;
    return rvf_hnsw_set_entry(h, (uint32_t)H.entry);
}

rvf_status rvf_indexseg_node(const uint8_t *p, size_t len, uint64_t node_id,
                             rvf_indexseg_layer_fn fn, void *ctx, uint32_t *layer_count)
{
    if (layer_count)
        *layer_count = 0;
    ihdr H;
    rvf_status st = parse_header(p, len, &H);
    if (st != RVF_OK)
        return st;
    if (node_id < H.base || node_id - H.base >= H.node_count)
        return RVF_ERR_NOT_FOUND;
    uint64_t target = node_id - H.base, first = target / H.interval * H.interval;
    size_t pos = rvfk_ld_u32(H.restarts + 4 * (target / H.interval));
    if (first == 0 && pos != 0)
        return RVF_ERR_INVALID_MANIFEST;
    if (pos >= H.adj_len)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint32_t *ids = scratch_new(&H);
    if (!ids)
        return RVF_ERR_OUT_OF_MEMORY;
    uint32_t *counts = ids + layer_base(&H, MAX_LAYERS), nl = 0;
    for (uint64_t i = first; i <= target && st == RVF_OK; i++)
        st = entry_read(&H, &pos, i, ids, counts, &nl);
    if (st == RVF_OK) {
        for (uint32_t l = 0; fn && l < nl; l++)
            fn(ctx, l, ids + layer_base(&H, l), counts[l]);
        if (layer_count)
            *layer_count = nl;
    }
    rvf_free(ids);
    return st;
}

rvf_status rvf_indexseg_info_get(const uint8_t *p, size_t len, rvf_indexseg_info *info)
{
    ihdr H;
    rvf_status st = info ? parse_header(p, len, &H) : RVF_ERR_INVALID_ARGUMENT;
    if (st != RVF_OK)
        return st;
    info->layer_level = p[OFF_LEVEL];
    info->metric = H.metric;
    info->m = H.m;
    info->m0 = H.m0;
    info->node_count = H.node_count;
    info->node_id_base = H.base;
    info->entry = H.entry;
    return RVF_OK;
}

rvf_status rvf_indexseg_walk(const uint8_t *p, size_t len, uint64_t slot_limit,
                             rvf_indexseg_node_fn fn, void *ctx)
{
    ihdr H;
    rvf_status st = parse_header(p, len, &H);
    if (st != RVF_OK)
        return st;
    if (H.base > slot_limit || H.node_count > slot_limit - H.base)
        return RVF_ERR_INVALID_MANIFEST;
    uint32_t *ids = scratch_new(&H);
    if (!ids)
        return RVF_ERR_OUT_OF_MEMORY;
    uint32_t *counts = ids + layer_base(&H, MAX_LAYERS);
    const uint32_t *lists[MAX_LAYERS];
    for (uint32_t l = 0; l < MAX_LAYERS; l++)
        lists[l] = ids + layer_base(&H, l);
    size_t pos = 0;
    for (uint64_t i = 0; i < H.node_count && st == RVF_OK; i++) {
        if (i % H.interval == 0 && rvfk_ld_u32(H.restarts + 4 * (i / H.interval)) != pos) {
            st = RVF_ERR_INVALID_MANIFEST;
            break;
        }
        uint32_t nl;
        if ((st = entry_read(&H, &pos, i, ids, counts, &nl)) == RVF_OK && nl && fn)
            st = fn(ctx, (uint32_t)(H.base + i), nl, lists, counts);
    }
    rvf_free(ids);
    return st;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

rvf_status rvf_indexseg_encode(rvf_buf *out, const rvf_hnsw *h)
{
    return rvf_indexseg_encode_ex(out, h, RVF_INDEXSEG_RESTART, false);
}

/* Which nodes an encode writes: every one, the dirty ones, or those keep[] marks (a subset). */
typedef struct enc_sel {
    bool dirty_only;
    const uint8_t *keep;
    uint32_t keep_len;
} enc_sel;

static bool written(const rvf_hnsw *h, uint32_t s, const enc_sel *sel)
{
    if (rvf_hnsw_level(h, s) < 0)
        return false;
    if (sel->keep)
        return s < sel->keep_len && sel->keep[s];
    return !sel->dirty_only || rvf_hnsw_is_dirty(h, s);
}

static rvf_status encode_sel(rvf_buf *out, const rvf_hnsw *h, uint32_t restart_interval,
                             uint8_t level, const enc_sel *sel);

rvf_status rvf_indexseg_encode_ex(rvf_buf *out, const rvf_hnsw *h, uint32_t restart_interval,
                                  bool dirty_only)
{
    enc_sel sel = {dirty_only, NULL, 0};
    return encode_sel(out, h, restart_interval, LAYER_C, &sel);
}

rvf_status rvf_indexseg_encode_subset(rvf_buf *out, const rvf_hnsw *h, uint32_t restart_interval,
                                      uint8_t layer_level, const uint8_t *keep, uint32_t keep_len)
{
    if (!keep || layer_level < 1 || layer_level > LAYER_C)
        return RVF_ERR_INVALID_ARGUMENT;
    enc_sel sel = {true, keep, keep_len};
    return encode_sel(out, h, restart_interval, layer_level, &sel);
}

static rvf_status encode_sel(rvf_buf *out, const rvf_hnsw *h, uint32_t restart_interval,
                             uint8_t level, const enc_sel *sel)
{
    if (!out || !h || restart_interval == 0)
        return RVF_ERR_INVALID_ARGUMENT;
    const bool dirty_only = sel->dirty_only;
    const rvf_hnsw_params prm = rvf_hnsw_get_params(h);
    const uint32_t limit = rvf_hnsw_slot_limit(h);
    /* Entries cover [base, nc): a delta starts at its first dirty node. A put node may link to
     * slots past the limit; the decoder needs every id < node_count. */
    uint64_t base = 0, nc = limit;
    if (dirty_only) {
        while (base < limit && !written(h, (uint32_t)base, sel))
            base++;
        while (nc > base && !written(h, (uint32_t)nc - 1, sel))
            nc--;
        if (nc == base)
            base = nc = 0;
    }
    for (uint32_t s = 0; s < limit; s++) {
        int32_t lv = written(h, s, sel) ? rvf_hnsw_level(h, s) : -1;
        for (int32_t l = 0; l <= lv; l++) {
            uint32_t n;
            const uint32_t *nb = rvf_hnsw_neighbors(h, s, (uint32_t)l, &n);
            for (uint32_t k = 0; k < n; k++)
                if (nb[k] >= nc)
                    nc = (uint64_t)nb[k] + 1;
        }
    }
    uint32_t scratch_cap = prm.m0 > prm.m ? prm.m0 : prm.m;
    uint32_t *tmp = rvf_malloc((size_t)scratch_cap * sizeof *tmp);
    if (!tmp)
        return RVF_ERR_OUT_OF_MEMORY;
    const size_t start = out->len;
    rvf_status st = RVF_OK;
    uint8_t *hd = rvf_buf_append(out, HDR_SIZE);
    if (hd) {
        uint32_t entry, top;
        bool any = rvf_hnsw_entry(h, &entry, &top);
        hd[OFF_TYPE] = 0;
        hd[OFF_LEVEL] = level;
        rvfk_st_u16(hd + OFF_M, (uint16_t)prm.m);
        rvfk_st_u32(hd + OFF_EF, prm.ef_construction);
        rvfk_st_u64(hd + OFF_COUNT, nc - base);
        rvfk_st_u64(hd + OFF_BASE, base);
        hd[OFF_METRIC] = (uint8_t)rvf_hnsw_metric(h);
        hd[OFF_EXT] = 1;
        rvfk_st_u16(hd + OFF_M0, (uint16_t)prm.m0);
        rvfk_st_u64(hd + OFF_ENTRY, any ? entry : UINT64_MAX);
        rvfk_st_u64(hd + OFF_SEED, prm.seed);
    }
    const uint32_t restarts = nc > base ? (uint32_t)((nc - base - 1) / restart_interval + 1) : 0;
    rvf_buf_u32(out, restart_interval);
    rvf_buf_u32(out, restarts);
    const size_t table_at = out->len;
    rvf_buf_append(out, (size_t)restarts * 4);
    rvf_buf_pad(out, start, 64);
    const size_t adj_start = out->len;
    for (uint64_t e = 0; base + e < nc && !out->oom && st == RVF_OK; e++) {
        const uint64_t i = base + e;
        if (e % restart_interval == 0) {
            if (out->len - adj_start > UINT32_MAX) {
                st = RVF_ERR_SEGMENT_TOO_LARGE;
                break;
            }
            rvfk_st_u32(out->data + table_at + 4 * (e / restart_interval),
                        (uint32_t)(out->len - adj_start));
        }
        int32_t lv =
            i < limit && written(h, (uint32_t)i, sel) ? rvf_hnsw_level(h, (uint32_t)i) : -1;
        rvf_buf_varint(out, (uint64_t)lv + 1); /* lv >= -1 */
        for (int32_t l = 0; l <= lv; l++) {
            uint32_t n, kept = 0;
            const uint32_t *nb = rvf_hnsw_neighbors(h, (uint32_t)i, (uint32_t)l, &n);
            if (n > scratch_cap) {
                st = RVF_ERR_INVALID_ARGUMENT;
                break;
            }
            if (n)
                memcpy(tmp, nb, (size_t)n * sizeof *tmp);
            qsort(tmp, n, sizeof *tmp, cmp_u32);
            for (uint32_t k = 0; k < n; k++) /* a duplicate link carries nothing: drop it */
                if (!kept || tmp[k] != tmp[kept - 1])
                    tmp[kept++] = tmp[k];
            rvf_buf_varint(out, kept);
            for (uint32_t k = 0; k < kept; k++)
                rvf_buf_varint(out, e % restart_interval == 0 || k == 0
                                        ? tmp[k]
                                        : (uint64_t)(tmp[k] - tmp[k - 1]));
        }
    }
    rvf_buf_pad(out, start, 64);
    rvf_free(tmp);
    if (st == RVF_OK)
        st = rvf_buf_status(out);
    if (st != RVF_OK)
        out->len = start;
    return st;
}
