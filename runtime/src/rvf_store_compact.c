/* rvf_store_compact.c: rvf_compact. The live rows are rewritten into a new image (sorted by
 * id, partitioned by k-means with a Layer A, a HOT_SEG and a renumbered index, metadata in runs),
 * written next to the file and renamed over it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rvf_store_impl.h"

/* ---- compaction ----------------------------------------------------------------------------- */
static bool copied_verbatim(uint8_t t)
{
    /* rebuilt: vectors, metadata, manifests, the index (renumbered); consumed: journals. Everything
     * else, including types this version does not know, is copied byte for byte (witness history
     * included). */
    return t != RVF_SEG_VEC && t != RVF_SEG_META && t != RVF_SEG_JOURNAL && t != RVF_SEG_MANIFEST &&
           t != RVF_SEG_INDEX && t != RVF_SEG_SKETCH && t != RVF_SEG_HOT && t != RVF_SEG_QUANT;
}

/* The partition layout of a compaction: per new slot its centroid and its VEC_SEG's id, the
 * centroids, and the encoded Layer A. */
typedef struct compact_parts {
    uint32_t *assign; /* per new slot (sorted: runs) */
    float *centroids;
    uint32_t k;
    uint64_t *seg_of; /* per new slot: the segment_id of the VEC_SEG holding it */
    rvf_buf layera;
    rvf_buf hot; /* the HOT_SEG payload (empty: none) and its entry count */
    uint32_t hot_count;
    const uint8_t *tier; /* a tiered compaction: tier per old slot (rvf_tier_plan), else NULL */
    rvf_buf layerb;      /* the Layer-B INDEX_SEG payload (empty: none), its node range and count */
    uint64_t b_start, b_end;
    uint32_t b_nodes;
} compact_parts;

static void compact_parts_free(compact_parts *cp)
{
    rvf_free(cp->assign);
    rvf_free(cp->centroids);
    rvf_free(cp->seg_of);
    rvf_buf_free(&cp->layera);
    rvf_buf_free(&cp->hot);
    rvf_buf_free(&cp->layerb);
}

/* k-means over the live rows (it[], sorted by id), then it[] reordered by (centroid, id). */
static rvf_status compact_partition(rvf_store *s, sort_item *it, size_t m, compact_parts *cp)
{
    uint32_t k = rvf_layera_default_k((uint32_t)m);
    float *rows = rvf_malloc(m * s->row_bytes + 1);
    uint32_t *assign = rvf_malloc(m * sizeof *assign), *perm = rvf_malloc(m * sizeof *perm);
    float *cent = rvf_malloc((size_t)k * s->dim * sizeof *cent);
    sort_item *tmp = rvf_malloc(m * sizeof *tmp);
    cp->assign = rvf_malloc(m * sizeof *cp->assign);
    cp->seg_of = rvf_malloc(m * sizeof *cp->seg_of);
    rvf_buf_init(&cp->layera);
    rvf_buf_init(&cp->hot);
    rvf_status st = rows && assign && perm && cent && tmp && cp->assign && cp->seg_of
                        ? RVF_OK
                        : RVF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; st == RVF_OK && i < m; i++)
        memcpy((uint8_t *)rows + i * s->row_bytes, s->rows + (size_t)it[i].idx * s->row_bytes,
               s->row_bytes);
    rvf_hnsw_source src = {NULL, NULL, rows, s->dim};
    if (st == RVF_OK)
        st = rvf_layera_train(&src, (uint32_t)m, s->dim, k, 0x4C41594552ull, cent, assign);
    if (st == RVF_OK)
        st = rvf_layera_order(assign, (uint32_t)m, k, perm);
    if (st == RVF_OK) {
        for (size_t i = 0; i < m; i++) {
            tmp[i] = it[perm[i]];
            cp->assign[i] = assign[perm[i]];
        }
        memcpy(it, tmp, m * sizeof *it);
        cp->centroids = cent;
        cp->k = k;
        cent = NULL;
    }
    rvf_free(rows);
    rvf_free(assign);
    rvf_free(perm);
    rvf_free(cent);
    rvf_free(tmp);
    if (st != RVF_OK) { /* no partition layout: the compaction goes on in id order */
        compact_parts_free(cp);
        memset(cp, 0, sizeof *cp);
        rvf_store_sort_items(it, m);
    }
    return st == RVF_OK || st == RVF_ERR_INVALID_ARGUMENT ? RVF_OK : st;
}

/* Layer A (§5.3) of graph g over the compacted rows, partitions pointing at their VEC_SEGs. */
static rvf_status compact_layera(rvf_store *s, const rvf_hnsw *g, const uint8_t *rows, size_t m,
                                 compact_parts *cp)
{
    rvf_hnsw_source src = {NULL, NULL, (const float *)(const void *)rows, s->dim};
    rvf_layera_params lp;
    memset(&lp, 0, sizeof lp);
    lp.k = cp->k;
    lp.centroids = cp->centroids;
    lp.assign = cp->assign;
    rvf_layera *a = NULL;
    rvf_status st = rvf_layera_build(g, &src, (uint32_t)m, &lp, &a, NULL);
    if (st == RVF_OK) {
        uint32_t np = 0;
        rvf_layera_part *parts = rvf_layera_partitions(a, &np);
        for (uint32_t i = 0; i < np; i++) {
            parts[i].segment_ref = parts[i].start < m ? cp->seg_of[parts[i].start] : 0;
            parts[i].block_ref = 0;
        }
        st = rvf_layera_encode(&cp->layera, a, NULL);
    }
    rvf_layera_free(a);
    if (st == RVF_ERR_INVALID_ARGUMENT) { /* e.g. an empty graph: no Layer A, not an error */
        cp->layera.len = 0;
        return RVF_OK;
    }
    return st;
}

/* The hot tier a compaction writes (§7.1-§7.3, §6.2 "A + hot"): at most 5% of the live vectors
 * (but one sketch block at least) and at most 1 MiB of HOT_SEG payload, so that Layer A, the sketch
 * and the HOT_SEG stay well within the last 4 MB before the manifest. */
#define HOT_MAX_SHARE   20 /* 1 / 20 = 5% */
#define HOT_MAX_PAYLOAD ((size_t)1 << 20)

/* The HOT_SEG of a compaction with an access history: the blocks the sketch ranks hottest
 * (rvf_hotseg_select), their rows as f16 with their layer-0 neighbours in graph g (slots of the
 * compacted layout), and the vector-id table. No accesses: no HOT_SEG. */
static rvf_status compact_hot(rvf_store *s, const rvf_hnsw *g, const sort_item *it,
                              const uint8_t *rows, size_t m, compact_parts *cp)
{
    rvf_status st = rvf_store_sketch_ready(s);
    if (st != RVF_OK || !s->sketch.total_accesses || !m)
        return st == RVF_ERR_IO_ERROR ? st : RVF_OK;
    size_t entry = rvf_hotseg_entry_size((uint16_t)s->dim, RVF_HOT_F16, rvf_hnsw_get_params(g).m);
    size_t cap = (HOT_MAX_PAYLOAD - RVF_HOTSEG_HEADER) / (entry + 8);
    size_t want =
        m / HOT_MAX_SHARE > RVF_SKETCH_BLOCK_SIZE ? m / HOT_MAX_SHARE : RVF_SKETCH_BLOCK_SIZE;
    want = want < cap ? want : cap;
    uint64_t *ids = rvf_malloc((m + 1) * sizeof *ids);
    if (cp->tier)
        want = cap;
    uint32_t *slots = rvf_malloc((want + 1) * sizeof *slots), n = 0;
    rvf_hotseg hs;
    memset(&hs, 0, sizeof hs);
    st = ids && slots ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; st == RVF_OK && i < m; i++)
        ids[i] = it[i].id;
    if (st == RVF_OK && cp->tier) { /* tiers: the hot tier's rows, no others (FORMAT.md) */
        for (size_t i = 0; i < m && n < want; i++)
            if (cp->tier[it[i].idx] == 0)
                slots[n++] = (uint32_t)i;
    } else if (st == RVF_OK)
        st = rvf_hotseg_select(&s->sketch, RVF_SKETCH_BLOCK_SIZE, ids, (uint32_t)m, (uint32_t)want,
                               slots, &n);
    rvf_hnsw_source src = {NULL, NULL, (const float *)(const void *)rows, s->dim};
    if (st == RVF_OK && n)
        st = rvf_hotseg_build(g, &src, 0, slots, n, NULL, &hs);
    if (st == RVF_OK && n) {
        hs.vids = rvf_malloc(((size_t)hs.count + 1) * sizeof *hs.vids);
        st = hs.vids ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
        for (uint32_t i = 0; st == RVF_OK && i < hs.count; i++)
            hs.vids[i] = ids[hs.ids[i]];
    }
    if (st == RVF_OK && n && (st = rvf_hotseg_encode(&cp->hot, &hs)) == RVF_OK)
        cp->hot_count = hs.count;
    rvf_hotseg_free(&hs);
    rvf_free(ids);
    rvf_free(slots);
    if (st != RVF_OK) {
        cp->hot.len = 0;
        cp->hot_count = 0;
    }
    return st;
}

/* Layer B (§6.1, rvf_layerb.h): the adjacency of graph g's upper layers and hot region, encoded
 * with the §5.2 codec at layer_level 1. Heat per partition = the mean sketch estimate of its rows'
 * id blocks (no access history: none, the boundary rule alone). */
static rvf_status compact_layerb(rvf_store *s, const rvf_hnsw *g, const sort_item *it, size_t m,
                                 compact_parts *cp)
{
    rvf_buf_init(&cp->layerb);
    uint32_t limit = rvf_hnsw_slot_limit(g);
    if (!cp->assign || limit > m || !limit)
        return RVF_OK;
    uint8_t *keep = rvf_malloc(m + 1);
    double *heat = NULL;
    rvf_status st = keep ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK && rvf_store_sketch_ready(s) == RVF_OK && s->sketch.total_accesses) {
        heat = rvf_calloc((size_t)cp->k + 1, sizeof *heat);
        uint32_t *size = rvf_calloc((size_t)cp->k + 1, sizeof *size);
        st = heat && size ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
        for (size_t i = 0; st == RVF_OK && i < m; i++) {
            heat[cp->assign[i]] +=
                rvf_sketch_estimate(&s->sketch, it[i].id / RVF_SKETCH_BLOCK_SIZE);
            size[cp->assign[i]]++;
        }
        for (uint32_t c = 0; st == RVF_OK && c < cp->k; c++)
            heat[c] = size[c] ? heat[c] / size[c] : 0;
        rvf_free(size);
    }
    uint32_t n = 0;
    if (st == RVF_OK)
        st = rvf_layerb_select(g, (uint32_t)m, cp->assign, cp->k, heat, keep, &n);
    if (st == RVF_OK && n)
        st = rvf_indexseg_encode_subset(&cp->layerb, g, RVF_INDEXSEG_RESTART, 1, keep, (uint32_t)m);
    rvf_indexseg_info info;
    if (st == RVF_OK && n &&
        (st = rvf_indexseg_info_get(cp->layerb.data, cp->layerb.len, &info)) == RVF_OK) {
        cp->b_start = info.node_id_base;
        cp->b_end = info.node_id_base + info.node_count;
        cp->b_nodes = n;
    }
    rvf_free(keep);
    rvf_free(heat);
    if (st != RVF_OK)
        cp->layerb.len = 0;
    return st;
}

/* INDEX_LAYERS (§4.3) of a compacted file: one entry per INDEX_SEG it lists, with its level and
 * node range (Layer A and C: every slot; B: its segment's [node_id_base, + node_count)). */
static rvf_status compact_layers(rvf_manifest *nm, size_t m, const uint64_t seg[3],
                                 const compact_parts *cp)
{
    rvf_index_layer *l = rvf_malloc(3 * sizeof *l);
    if (!l)
        return RVF_ERR_OUT_OF_MEMORY;
    uint32_t n = 0;
    uint8_t present = 0;
    for (uint8_t lv = 0; lv < 3; lv++) {
        if (!seg[lv])
            continue;
        l[n] =
            (rvf_index_layer){seg[lv], lv, 0, lv == 1 ? cp->b_start : 0, lv == 1 ? cp->b_end : m};
        n++;
        present |= (uint8_t)(1u << lv);
    }
    rvf_free(nm->layers);
    nm->layers = n ? l : NULL;
    nm->nlayers = n;
    nm->layers_present = present;
    if (!n)
        rvf_free(l);
    return RVF_OK;
}

/* The stored graph (extended to every slot) renumbered for the compacted table: new slot i holds
 * old slot it[i].idx, rows in `rows`. Rows replaced since the graph placed them are inserted
 * again. Emitted as one SEALED INDEX_SEG into img. A graph that cannot be read is dropped (the
 * next rvf_build_index starts over), never carried over wrong. */
static rvf_status compact_index(rvf_store *s, const sort_item *it, size_t m, const uint8_t *rows,
                                rvf_buf *img, uint64_t seg_id, rvf_dir_entry *de, bool *emitted,
                                compact_parts *cp)
{
    rvf_status st = RVF_OK;
    if (!s->hnsw || !s->hnsw_persisted) {
        rvf_store_index_drop(s);
        st = rvf_store_index_load(s, -1);
        if (st == RVF_ERR_NOT_FOUND || (st != RVF_OK && st != RVF_ERR_OUT_OF_MEMORY))
            return RVF_OK; /* nothing usable: no index in the new file */
    }
    if (st == RVF_OK) {
        rvf_hnsw_source src = rvf_store_rows_source(s);
        st = rvf_hnsw_set_source(s->hnsw, &src);
    }
    if (st == RVF_OK)
        st = rvf_store_index_extend(s, NULL);
    uint32_t *map = st == RVF_OK ? rvf_malloc((s->n + 1) * sizeof *map) : NULL;
    if (st == RVF_OK && !map)
        st = RVF_ERR_OUT_OF_MEMORY;
    rvf_hnsw *g = NULL;
    if (st == RVF_OK) {
        for (size_t j = 0; j < s->n; j++)
            map[j] = UINT32_MAX;
        for (size_t i = 0; i < m; i++)
            map[it[i].idx] = (uint32_t)i;
        for (size_t i = 0; i < s->nstale; i++) /* re-inserted below, at their new rows */
            map[s->stale_list[i]] = UINT32_MAX;
        rvf_hnsw_source nsrc = {NULL, NULL, (const float *)(const void *)rows, s->dim};
        st = rvf_hnsw_remap(s->hnsw, map, (uint32_t)s->n, &nsrc, &g);
    }
    for (size_t i = 0; st == RVF_OK && i < m; i++)
        if (s->stale && s->stale[it[i].idx])
            st = rvf_hnsw_add(g, (uint32_t)i);
    rvf_buf pl;
    rvf_buf_init(&pl);
    if (st == RVF_OK)
        st = rvf_indexseg_encode(&pl, g);
    if (st == RVF_OK) {
        rvf_seg_emit(img, 0, RVF_SEG_INDEX, RVF_FLAG_SEALED, seg_id, s->algo, pl.data, pl.len, 0,
                     de);
        *emitted = true;
    }
    if (st == RVF_OK && cp->assign) /* Layer B, emitted right after this segment */
        st = compact_layerb(s, g, it, m, cp);
    if (st == RVF_OK && cp->assign) /* Layer A over the renumbered graph, emitted last */
        st = compact_layera(s, g, rows, m, cp);
    if (st == RVF_OK && cp->layera.len) /* the hot tier, emitted right before it */
        st = compact_hot(s, g, it, rows, m, cp);
    rvf_buf_free(&pl);
    rvf_hnsw_free(g);
    rvf_free(map);
    return st;
}

/* Ids a compaction's META_SEG run may skip (empty rows) before a new segment starts. */
#define META_RUN_GAP 64
/* Rows (ids) of one such META_SEG at most. */
#define META_RUN_ROWS ((uint64_t)1 << 24)

/* The last item of the META_SEG run that starts at it[a] (which has metadata). */
static size_t meta_run_last(const rvf_store *s, const sort_item *it, size_t m, size_t a)
{
    size_t last = a;
    for (size_t b = a + 1;
         b < m && it[b].id - it[last].id <= META_RUN_GAP && it[b].id - it[a].id < META_RUN_ROWS;
         b++)
        if (s->meta[it[b].idx].n)
            last = b;
    return last;
}

/* The Level-0 hotset pointers to Layer A (RVF-BRIEF §4.2, §5.3): entry points (block 0, count =
 * entry_count), top-layer adjacency (block 1, count = the top layer's node_count) and centroids
 * (block 2, count = centroid_count), read off the payload this store just encoded. */
static void layera_hotset(rvf_manifest *m, uint64_t seg_offset, const uint8_t *p, size_t len)
{
    static const int slot[3] = {RVF_HOT_ENTRYPOINT, RVF_HOT_TOPLAYER, RVF_HOT_CENTROID};
    for (int b = 0; b < 3 && len >= 0x80; b++) {
        uint32_t off = rvfk_ld_u32(p + 0x40 + 8 * b);
        if ((uint64_t)off + 8 > len)
            return;
        uint32_t count = rvfk_ld_u32(p + off);
        if (b == 1) /* layer_count, then the top layer's node_count */
            count = count ? rvfk_ld_u32(p + off + 4) : 0;
        m->hotset[slot[b]] = (rvf_hotptr){seg_offset, off, count};
    }
}

/* Build the compacted file image in `img` (live vectors sorted by id, metadata, verbatim
 * segments, a COMPUTATION witness, manifest). */
static rvf_status compact_image(rvf_store *s, rvf_buf *img, rvf_manifest *nm,
                                const rvf_compact_options *opt)
{
    size_t live = s->n - s->ndead;
    sort_item *it = rvf_malloc((live + 1) * sizeof *it);
    if (!it)
        return RVF_ERR_OUT_OF_MEMORY;
    size_t m = 0;
    for (size_t j = 0; j < s->n; j++)
        if (!s->dead[j])
            it[m++] = (sort_item){s->ids[j], (uint32_t)j};
    rvf_store_sort_items(it, m);
    rvf_status st = RVF_OK;
    /* an indexed store is laid out by partition (Layer A, §5.3/§6.2): k-means over the live
     * rows, slots sorted by centroid then id, one VEC_SEG per partition */
    compact_parts cp;
    memset(&cp, 0, sizeof cp);
    if (rvf_store_index_seg_count(&s->man) && s->dtype == RVF_DTYPE_F32 && m >= 64)
        st = compact_partition(s, it, m, &cp);
    uint32_t nverb = 0;
    for (uint32_t i = 0; i < s->man.ndir; i++)
        nverb += copied_verbatim(s->man.dir[i].seg_type);
    size_t per_seg = ((size_t)1 << 30) / (s->row_bytes + 16);
    /* segment cuts: every per_seg rows, and at each partition's first row */
    size_t nseg = 0, nruns = 0;
    size_t *cuts = rvf_malloc((m + 2) * sizeof *cuts);
    if (!cuts)
        st = RVF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0, last = 0; st == RVF_OK && i < m; i++)
        if (i == 0 || i - last >= per_seg || (cp.assign && cp.assign[i] != cp.assign[i - 1]))
            cuts[nseg++] = last = i;
    if (cuts)
        cuts[nseg] = m;
    /* temperature tiers: a tier per live row, then each segment's rows grouped by tier */
    rvf_tier_plan tp;
    memset(&tp, 0, sizeof tp);
    if (st == RVF_OK && opt && opt->tiers && m) {
        st = rvf_store_tiers_plan(s, it, m, opt->cold, &tp);
        if (st == RVF_OK)
            st = rvf_store_tiers_order(&tp, it, cuts, nseg);
        cp.tier = tp.tier;
    }
    /* metadata goes out in id order whatever the vector layout: in partition order (cp.assign)
     * runs of consecutive ids would break at almost every row, one META_SEG per vector */
    sort_item *mit = it;
    if (st == RVF_OK && (cp.assign || tp.tier)) {
        mit = rvf_malloc((m + 1) * sizeof *mit);
        if (mit) {
            memcpy(mit, it, m * sizeof *mit);
            rvf_store_sort_items(mit, m);
        } else {
            mit = it;
            st = RVF_ERR_OUT_OF_MEMORY;
        }
    }
    for (size_t a = 0; a < m; a++)
        if (s->meta[mit[a].idx].n) {
            a = meta_run_last(s, mit, m, a);
            nruns++;
        }
    *nm = s->man;
    memset(nm->hotset, 0, sizeof nm->hotset); /* offsets into the old file: set again below */
    rvf_manifest_clear_extras(nm);            /* likewise INDEX_LAYERS, tiers, sketch, prefetch */
    nm->dir = rvf_malloc(((size_t)nverb + nseg + nruns + 6) * sizeof *nm->dir);
    nm->ndir = 0;
    nm->deleted = NULL;
    nm->ndeleted = 0;
    uint64_t *ids = rvf_malloc((m + 1) * 8);
    uint8_t *rows = rvf_malloc(m * s->row_bytes + 1);
    if (!nm->dir || !ids || !rows)
        st = RVF_ERR_OUT_OF_MEMORY;
    rvf_buf pl;
    rvf_buf_init(&pl);
    uint64_t seg_id = s->next_seg_id;
    for (size_t i = 0; st == RVF_OK && i < m; i++) {
        ids[i] = it[i].id;
        memcpy(rows + i * s->row_bytes, s->rows + (size_t)it[i].idx * s->row_bytes, s->row_bytes);
    }
    for (size_t k = 0; st == RVF_OK && k < nseg; k++) {
        size_t a = cuts[k], cnt = cuts[k + 1] - cuts[k];
        if (cp.seg_of)
            for (size_t i = a; i < a + cnt; i++)
                cp.seg_of[i] = seg_id;
        pl.len = 0;
        uint32_t nblk = (uint32_t)((cnt + s->block_vectors - 1) / s->block_vectors);
        if (tp.tier)
            st = rvf_store_tiers_encode(s, &tp, &pl, it, ids, rows, a, cnt, seg_id, &nblk);
        else
            st = rvf_vecseg_encode(&pl, ids + a, rows + a * s->row_bytes, (uint32_t)cnt,
                                   (uint16_t)s->dim, s->dtype, s->block_vectors);
        if (st == RVF_OK && (st = rvf_buf_status(&pl)) == RVF_OK)
            rvf_seg_emit(img, 0, RVF_SEG_VEC, RVF_FLAG_SEALED, seg_id++, s->algo, pl.data, pl.len,
                         nblk, &nm->dir[nm->ndir++]);
    }
    /* metadata: one META_SEG per run of ids with metadata, in id order; a run bridges gaps of
     * up to META_RUN_GAP ids (their rows are empty: no fields), so sparse ids (every third, say)
     * still make one segment rather than one per vector */
    for (size_t a = 0; st == RVF_OK && a < m;) {
        if (!s->meta[mit[a].idx].n) {
            a++;
            continue;
        }
        size_t last = meta_run_last(s, mit, m, a);
        uint64_t span = mit[last].id - mit[a].id + 1;
        rvf_meta_row *mr = rvf_calloc((size_t)span, sizeof *mr);
        if (!mr) {
            st = RVF_ERR_OUT_OF_MEMORY;
            break;
        }
        for (size_t i = a; i <= last; i++)
            mr[mit[i].id - mit[a].id] =
                (rvf_meta_row){s->meta[mit[i].idx].fields, s->meta[mit[i].idx].n};
        pl.len = 0;
        st = rvf_metaseg_encode(&pl, mit[a].id, (uint32_t)span, mr);
        rvf_free(mr);
        if (st == RVF_OK && (st = rvf_buf_status(&pl)) == RVF_OK)
            rvf_seg_emit(img, 0, RVF_SEG_META, RVF_FLAG_SEALED, seg_id++, s->algo, pl.data, pl.len,
                         0, &nm->dir[nm->ndir++]);
        a = last + 1;
    }
    /* the index, renumbered to the new slot order (deleted nodes removed) */
    uint64_t layer_seg[3] = {0, 0, 0}; /* the INDEX_SEGs of Layers A, B, C */
    if (st == RVF_OK && rvf_store_index_seg_count(&s->man)) {
        bool emitted = false;
        st = compact_index(s, it, m, rows, img, seg_id, &nm->dir[nm->ndir], &emitted, &cp);
        if (emitted) {
            layer_seg[2] = seg_id;
            nm->ndir++;
            seg_id++;
        }
        /* Layer B right after the full graph (§6.1), before the hot tier and Layer A. Not
         * SEALED: a reader that does not know Layer B takes the last SEALED INDEX_SEG (the full
         * graph) as its base and lays later ones over it, and B's lists are the full graph's
         * own, so it changes nothing there. */
        if (st == RVF_OK && emitted && cp.layerb.len && cp.layera.len) {
            layer_seg[1] = seg_id;
            rvf_seg_emit(img, 0, RVF_SEG_INDEX, 0, seg_id++, s->algo, cp.layerb.data, cp.layerb.len,
                         0, &nm->dir[nm->ndir++]);
        }
    }
    /* verbatim copies: header included, at their new offsets (64-aligned: they stay aligned) */
    uint64_t fsz = s->io->size(s->io);
    for (uint32_t i = 0; st == RVF_OK && i < s->man.ndir; i++) {
        const rvf_dir_entry *e = &s->man.dir[i];
        if (!copied_verbatim(e->seg_type))
            continue;
        rvfk_seg_header h;
        uint8_t hb[64];
        st = s->io->read(s->io, e->file_offset, hb, 64);
        if (st != RVF_OK)
            break;
        rvfk_seg_header_decode(hb, &h);
        uint64_t span = rvfk_seg_span(&h, 0);
        if (span > fsz - e->file_offset || span % 64 || span >= (1ull << 33)) {
            st =
                rvf_store_fail(RVF_ERR_TRUNCATED_SEGMENT, "%s at offset %llu runs past the file",
                               rvf_store_seg_name(e->seg_type), (unsigned long long)e->file_offset);
            break;
        }
        rvf_dir_entry ne = *e;
        ne.file_offset = img->len;
        uint8_t *dst = rvf_buf_append(img, (size_t)span);
        if (!dst) {
            st = RVF_ERR_OUT_OF_MEMORY;
            break;
        }
        st = s->io->read(s->io, e->file_offset, dst, (size_t)span);
        nm->dir[nm->ndir++] = ne;
        if (e->seg_type == RVF_SEG_WITNESS && e->file_offset == s->man.witness_seg_offset)
            nm->witness_seg_offset = ne.file_offset;
    }
    /* the access sketch (read first if this handle never counted, so it is carried over) */
    if (st == RVF_OK && (st = rvf_store_sketch_ready(s)) == RVF_OK && s->sketch.total_accesses) {
        s->sketch_dirty = true;
        st = rvf_store_sketch_emit(s, img, 0, &seg_id, nm, false);
    }
    /* the tiers' QUANT_SEGs (the active one is the root's quantdict), near the tail (§6.2) */
    if (st == RVF_OK && tp.tier)
        st = rvf_store_tiers_emit(s, &tp, img, &seg_id, nm);
    /* the hot cache, then Layer A last, so both sit right before the manifest (within the last
     * 4 MB, §6.2); hot_cache = {its header, the first entry (0x40), the entry count} */
    if (st == RVF_OK && cp.layera.len && cp.hot.len) {
        rvf_seg_emit(img, 0, RVF_SEG_HOT, RVF_FLAG_SEALED | RVF_FLAG_HOT, seg_id++, s->algo,
                     cp.hot.data, cp.hot.len, 0, &nm->dir[nm->ndir++]);
        nm->hotset[RVF_HOT_CACHE] =
            (rvf_hotptr){nm->dir[nm->ndir - 1].file_offset, RVF_HOTSEG_HEADER, cp.hot_count};
    }
    if (st == RVF_OK && cp.layera.len) {
        layer_seg[0] = seg_id;
        rvf_seg_emit(img, 0, RVF_SEG_INDEX, RVF_FLAG_SEALED | RVF_FLAG_HOT, seg_id++, s->algo,
                     cp.layera.data, cp.layera.len, 0, &nm->dir[nm->ndir++]);
        layera_hotset(nm, nm->dir[nm->ndir - 1].file_offset, cp.layera.data, cp.layera.len);
    }
    rvf_buf_free(&pl);
    rvf_free(ids);
    rvf_free(rows);
    if (mit != it)
        rvf_free(mit);
    rvf_free(it);
    rvf_free(cuts);
    rvf_store_tiers_plan_free(&tp);
    if (st == RVF_OK && (layer_seg[0] || layer_seg[1] || layer_seg[2]))
        st = compact_layers(nm, m, layer_seg, &cp);
    compact_parts_free(&cp);
    if (st != RVF_OK) {
        rvf_manifest_free(nm);
        return st;
    }
    nm->total_vectors = m;
    nm->epoch = s->man.epoch + 1;
    nm->dead_bytes = 0;
    nm->last_compaction_ns = rvf_store_now_ns();
    nm->has_chain = false; /* the new file starts a new chain */
    nm->segment_id = seg_id;
    return rvf_buf_status(img);
}

rvf_status rvf_compact(rvf_store *s)
{
    return rvf_compact_ex(s, NULL);
}

rvf_status rvf_compact_ex(rvf_store *s, const rvf_compact_options *opt)
{
    rvf_store_detail[0] = 0;
    if (!s || (opt && (opt->tiers > 1 || opt->cold > RVF_COLD_BINARY)))
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return rvf_store_fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    rvf_status lst = rvf_store_ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    rvf_buf img;
    rvf_buf_init(&img);
    rvf_manifest nm;
    rvf_status st = compact_image(s, &img, &nm, opt);
    if (st != RVF_OK) {
        rvf_buf_free(&img);
        return st;
    }
    /* the compaction's witness and the manifest close the new image (offsets from its start) */
    char act[128];
    snprintf(act, sizeof act, "compact:removed=%zu,dead_bytes=%llu,epoch=%u", s->ndead,
             (unsigned long long)s->man.dead_bytes, nm.epoch);
    st = rvf_store_prefetch_table(img.data, img.len, &nm);
    rvf_dir_entry *grown = NULL;
    if (st == RVF_OK && !(grown = rvf_realloc(nm.dir, ((size_t)nm.ndir + 2) * sizeof *grown)))
        st = RVF_ERR_OUT_OF_MEMORY;
    if (grown)
        nm.dir = grown;
    if (st == RVF_OK) {
        uint64_t next_id = nm.segment_id;
        rvf_store_witness_emit(s, &img, 0, &next_id, &nm, RVF_WITNESS_COMPUTATION, act);
        nm.offset = img.len;
        nm.segment_id = next_id;
        nm.modified_ns = rvf_store_now_ns();
        st = rvf_manifest_emit(&img, &nm, s->algo);
    }
    if (st == RVF_OK)
        st = rvf_buf_status(&img);
    if (st != RVF_OK) {
        rvf_manifest_free(&nm);
        rvf_buf_free(&img);
        return st;
    }
    if (s->memory) { /* in memory: replace the image */
        st = s->io->truncate(s->io, 0);
        if (st == RVF_OK)
            st = s->io->write(s->io, 0, img.data, img.len);
    } else {
        char *tmp = rvf_store_str_dup(s->path, ".compact.tmp");
        rvf_io *tio = NULL;
        if (!tmp)
            st = RVF_ERR_OUT_OF_MEMORY;
        if (st == RVF_OK) {
            unlink(tmp);
            st = rvf_io_file_open(tmp, RVF_IO_READ | RVF_IO_WRITE | RVF_IO_CREATE, &tio);
        }
        if (st == RVF_OK)
            st = tio->write(tio, 0, img.data, img.len);
        if (st == RVF_OK && !s->no_sync)
            st = tio->sync(tio);
        if (tio)
            tio->close(tio);
        if (st == RVF_OK && rename(tmp, s->path) != 0)
            st = rvf_store_fail(RVF_ERR_IO_ERROR, "renaming %s over %s: %s", tmp, s->path,
                                strerror(errno));
        if (st == RVF_OK && !s->no_sync)
            st = rvf_fsync_dir(s->path);
        if (st != RVF_OK && tmp)
            unlink(tmp);
        rvf_free(tmp);
        if (st == RVF_OK) {
            rvf_io *nio = NULL;
            st = rvf_io_file_open(s->path, RVF_IO_READ | RVF_IO_WRITE, &nio);
            if (st == RVF_OK) {
                s->io->close(s->io);
                s->io = nio;
            }
        }
    }
    rvf_buf_free(&img);
    if (st != RVF_OK) {
        rvf_manifest_free(&nm);
        return rvf_store_fail(st, "compaction failed, the store is unchanged: %s",
                              rvf_strerror(st));
    }
    /* reload from the new file: deleted slots are gone, ids and offsets are the new ones */

    rvf_manifest_free(&nm);
    rvf_store_table_free(s);
    s->loaded = false;
    rvf_manifest_free(&s->man);
    return rvf_store_boot(s, -1, false);
}
