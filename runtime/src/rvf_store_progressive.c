/* rvf_store_progressive.c: approximate queries of a lazy open before its data is read (§6.2
 * "A only" and "A + hot"): Layer A, the partitions read on demand and the hot cache. */
#include <math.h>
#include <string.h>

#include "rvf_store_impl.h"

/* ---- progressive queries (§6.2 "A only") ----------------------------------------------------
 * A lazy open (read-only, range source) whose newest index segment is a Layer A written by a
 * compaction (partitions = contiguous slot ranges, one VEC_SEG each, nothing appended since)
 * answers approximate queries before anything else is read: Layer A once, then the VEC_SEGs of
 * the n_probe partitions nearest the query, kept for later queries. */
static int layera_dir(const rvf_store *s)
{
    const rvf_manifest *m = &s->man;
    int at = -1;
    for (uint32_t i = 0; i < m->ndir; i++) {
        uint8_t t = m->dir[i].seg_type;
        if (t == RVF_SEG_INDEX && (m->dir[i].flags & RVF_FLAG_HOT))
            at = (int)i;
        else if (t == RVF_SEG_INDEX || t == RVF_SEG_VEC)
            at = -1; /* appended after the Layer A: its partitions no longer tell everything */
    }
    return at;
}

static rvf_status layera_hot_open(rvf_store *s);
static void layera_hot_check(rvf_store *s, uint32_t part);

rvf_status rvf_store_layera_open(rvf_store *s)
{
    if (s->la || s->la_tried)
        return s->la ? RVF_OK : RVF_ERR_NOT_FOUND;
    s->la_tried = true;
    int at = layera_dir(s);
    if (at < 0 || s->dtype != RVF_DTYPE_F32)
        return RVF_ERR_NOT_FOUND;
    const rvf_dir_entry *e = &s->man.dir[at];
    const uint8_t *p;
    bool owned;
    rvf_status st = rvf_seg_load(s->io, e, s->io->size(s->io), &p, &owned);
    if (st != RVF_OK) {
        s->la_tried = st != RVF_ERR_IO_ERROR; /* a read that failed now may work when retried */
        return st;
    }
    st =
        rvf_layera_decode(p, (size_t)e->payload_length, s->dim, s->man.total_vectors, &s->la, NULL);
    if (owned)
        rvf_free((void *)p);
    if (st != RVF_OK)
        return st;
    uint32_t np = 0;
    rvf_layera_part *parts = rvf_layera_partitions(s->la, &np);
    s->la_slots = np ? parts[np - 1].end : 0;
    s->la_rows = rvf_calloc(np + 1, sizeof *s->la_rows);
    s->la_ids = rvf_calloc(s->la_slots + 1, sizeof *s->la_ids);
    if (!s->la_rows || !s->la_ids) {
        rvf_store_layera_drop(s);
        s->la_tried = true;
        return RVF_ERR_OUT_OF_MEMORY;
    }
    if ((st = layera_hot_open(s)) != RVF_OK) { /* not readable yet: Layer A again on retry */
        rvf_store_layera_drop(s);
        s->la_tried = st != RVF_ERR_IO_ERROR;
    }
    return st;
}

/* The VEC_SEG a partition names (segment_ref), or NULL. */
static const rvf_dir_entry *layera_part_seg(const rvf_store *s, const rvf_layera_part *pt)
{
    for (uint32_t d = 0; d < s->man.ndir; d++)
        if (s->man.dir[d].segment_id == pt->segment_ref && s->man.dir[d].seg_type == RVF_SEG_VEC)
            return &s->man.dir[d];
    return NULL;
}

/* Is e the VEC_SEG of a partition whose rows a Layer-A query already read? Then its ids, rows and
 * count (the whole segment: layera_read_part accepts a segment only when it holds exactly its
 * partition's rows, of the store's dimension and dtype). */
bool rvf_store_layera_resident(const rvf_store *s, const rvf_dir_entry *e, const uint64_t **ids,
                               const uint8_t **rows, size_t *count)
{
    if (!s->la || !s->la_rows || !s->la_loaded)
        return false;
    uint32_t np = 0;
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np);
    for (uint32_t i = 0; i < np; i++)
        if (s->la_rows[i] && pt[i].segment_ref == e->segment_id) {
            *ids = s->la_ids + pt[i].start;
            *rows = s->la_rows[i];
            *count = (size_t)(pt[i].end - pt[i].start);
            return true;
        }
    return false;
}

/* Read partition i's VEC_SEG (its rows and ids). */
static rvf_status layera_read_part(rvf_store *s, uint32_t i)
{
    uint32_t np = 0;
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np) + i;
    if (s->la_rows[i])
        return RVF_OK;
    const rvf_dir_entry *e = layera_part_seg(s, pt);
    if (!e)
        return rvf_store_fail(RVF_ERR_INVALID_MANIFEST,
                              "Layer A names VEC_SEG id %llu, which is not listed",
                              (unsigned long long)pt->segment_ref);
    uint64_t count = pt->end - pt->start;
    const uint8_t *p;
    bool owned;
    rvf_status st = rvf_seg_load(s->io, e, s->io->size(s->io), &p, &owned);
    if (st != RVF_OK)
        return st;
    rvf_vec_block *blk = NULL;
    uint32_t nb = 0, got = 0;
    uint8_t *rows = rvf_malloc((size_t)count * s->row_bytes + 1);
    st = rows ? rvf_vecseg_blocks(p, (size_t)e->payload_length, &blk, &nb) : RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t b = 0; b < nb && st == RVF_OK; b++) {
        if (!rvf_store_block_kind(s, &blk[b]) || got + blk[b].count > count) {
            st = RVF_ERR_INVALID_MANIFEST;
            break;
        }
        st = rvf_store_block_read(s, p, (size_t)e->payload_length, &blk[b], /* tiers decoded */
                                  s->la_ids + pt->start + got, rows + (size_t)got * s->row_bytes);
        got += blk[b].count;
    }
    if (st == RVF_OK && got != count)
        st = RVF_ERR_INVALID_MANIFEST;
    rvf_free(blk);
    if (owned)
        rvf_free((void *)p);
    if (st != RVF_OK) {
        rvf_free(rows);
        return rvf_store_fail(st, "VEC_SEG id %llu (Layer A partition %u): %s",
                              (unsigned long long)e->segment_id, i, rvf_strerror(st));
    }
    s->la_rows[i] = rows;
    s->la_loaded++;
    layera_hot_check(s, i);
    return RVF_OK;
}

/* Bytes of partition data one Layer-A query may read (the rest of the 4 MB first-query budget
 * goes to the root, Level 1 and Layer A). */
#define LAYERA_PROBE_BYTES ((uint64_t)3 << 20)

/* What reading a partition's VEC_SEG costs. */
static uint64_t layera_part_bytes(const rvf_store *s, const rvf_layera_part *pt)
{
    const rvf_dir_entry *e = layera_part_seg(s, pt);
    return e ? RVF_SEGMENT_HEADER_SIZE + e->payload_length : 0;
}

static uint32_t layera_part_of(const rvf_store *s, uint32_t slot)
{
    uint32_t np = 0;
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np);
    uint32_t lo = 0, hi = np;
    while (lo < hi) { /* the last partition starting at or before slot */
        uint32_t mid = lo + (hi - lo) / 2;
        if (pt[mid].start <= slot)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : UINT32_MAX;
}

static const float *layera_row(void *ctx, uint32_t slot)
{
    const rvf_store *s = ctx;
    uint32_t i = layera_part_of(s, slot);
    uint32_t np = 0;
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np);
    if (i == UINT32_MAX || slot >= pt[i].end || !s->la_rows[i])
        return NULL;
    return (const float *)(const void *)(s->la_rows[i] + (slot - pt[i].start) * s->row_bytes);
}

static bool layera_live(void *ctx, uint32_t slot)
{
    const rvf_store *s = ctx;
    if (!layera_row(ctx, slot) && rvf_hotseg_find(&s->la_hot, slot) < 0)
        return false; /* neither resident nor hot: its vector id is not known */
    /* the manifest's deleted ids are sorted */
    return !rvf_store_sorted_has(s->man.deleted, s->man.ndeleted, s->la_ids[slot]);
}

/* Forget the hot cache (queries go on with Layer A alone): the ids it filled in are cleared
 * where no partition read confirmed them. */
static void layera_hot_forget(rvf_store *s)
{
    for (uint32_t e = 0; e < s->la_hot.count; e++) {
        uint32_t slot = (uint32_t)s->la_hot.ids[e];
        if (!layera_row(s, slot))
            s->la_ids[slot] = 0;
    }
    rvf_hotseg_free(&s->la_hot);
    rvf_free(s->la_cover);
    s->la_cover = NULL;
}

/* "A + hot" (§6.2): the HOT_SEG the root's hot_cache pointer names, read right after Layer A when
 * the directory lists it with nothing after it that changes the layout (a VEC_SEG, a graph
 * INDEX_SEG). It is used only with its vector-id table (the entries hold slots), f16/f32/bf16
 * vectors and every slot inside a partition; otherwise, or when it is damaged, queries use Layer
 * A alone (the cache is an accelerator, never needed for an answer). IO_ERROR: not readable yet. */
static rvf_status layera_hot_open(rvf_store *s)
{
    const rvf_hotptr *hp = &s->man.hotset[RVF_HOT_CACHE];
    const rvf_dir_entry *e = NULL;
    for (uint32_t i = 0; hp->seg_offset && i < s->man.ndir; i++) {
        const rvf_dir_entry *d = &s->man.dir[i];
        if (d->seg_type == RVF_SEG_HOT && d->file_offset == hp->seg_offset)
            e = d;
        else if (d->seg_type == RVF_SEG_VEC ||
                 (d->seg_type == RVF_SEG_INDEX && !(d->flags & RVF_FLAG_HOT)))
            e = NULL;
    }
    if (!e)
        return RVF_OK;
    const uint8_t *p;
    bool owned;
    rvf_status st = rvf_seg_load(s->io, e, s->io->size(s->io), &p, &owned);
    if (st != RVF_OK)
        return st == RVF_ERR_IO_ERROR ? st : RVF_OK;
    st = rvf_hotseg_decode(p, (size_t)e->payload_length, (uint16_t)s->dim, s->la_slots, &s->la_hot);
    if (owned)
        rvf_free((void *)p);
    if (st != RVF_OK)
        return RVF_OK;
    uint32_t np = 0;
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np);
    uint32_t *cnt = rvf_calloc((size_t)np + 1, sizeof *cnt);
    s->la_cover = rvf_calloc((size_t)np + 1, 1);
    bool ok = cnt && s->la_cover && s->la_hot.vids && s->la_hot.dtype != RVF_HOT_SQ;
    for (uint32_t i = 0; ok && i < s->la_hot.count; i++) {
        uint32_t slot = (uint32_t)s->la_hot.ids[i], part = layera_part_of(s, slot);
        ok = part != UINT32_MAX && slot < pt[part].end;
        if (ok) {
            cnt[part]++;
            s->la_ids[slot] = s->la_hot.vids[i];
        }
    }
    for (uint32_t i = 0; ok && i < np; i++)
        s->la_cover[i] = cnt[i] == pt[i].end - pt[i].start;
    rvf_free(cnt);
    if (!ok)
        layera_hot_forget(s);
    else
        s->la_hot_fresh = RVF_SEGMENT_HEADER_SIZE + e->payload_length;
    return RVF_OK;
}

/* After partition `part` was read: its ids must be what the hot cache's id table says for its
 * hot slots, else the table is not trusted and the cache is dropped. */
static void layera_hot_check(rvf_store *s, uint32_t part)
{
    uint32_t np = 0;
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np) + part;
    bool bad = false;
    for (uint32_t e = 0; e < s->la_hot.count && !bad; e++) {
        uint64_t slot = s->la_hot.ids[e];
        bad = slot >= pt->start && slot < pt->end && s->la_ids[slot] != s->la_hot.vids[e];
    }
    if (bad)
        layera_hot_forget(s);
}

/* "A + hot" (§6.2): does the query stay inside the hot cache? Called once the nearest
 * centroid's partitions are answered for (read, or every slot hot). Its k best cache hits
 * (deleted ids left out, exact where the row is resident) must (1) not be beaten by any other row
 * of those partitions, so the query lands in the hot region, and (2) have every stored layer-0
 * neighbour in the cache (rvf_hotseg_closed): a beam search from them meets nothing the cache
 * scan has not measured, and the query reads no further partition. (2) alone is not enough: a
 * query far from the hot region has hot hits on its border whose neighbours are hot as well. */
static rvf_status layera_hot_closed(rvf_store *s, const float *query, rvf_metric metric, uint32_t k,
                                    uint64_t nearest, bool *closed)
{
    *closed = false;
    if (!s->la_hot.count || k > s->la_hot.count)
        return RVF_OK;
    rvf_slot_hit *hits = rvf_malloc(((size_t)k + 1) * sizeof *hits);
    if (!hits)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_hotseg_query hq;
    memset(&hq, 0, sizeof hq);
    hq.row = layera_row;
    hq.row_ctx = s;
    hq.filter = layera_live;
    hq.filter_ctx = s;
    hq.slot_ids = s->la_ids;
    uint32_t n = 0, np = 0;
    rvf_status st = rvf_hotseg_search(&s->la_hot, metric, query, k, &hq, hits, &n);
    *closed = st == RVF_OK && n == k && rvf_hotseg_closed(&s->la_hot, hits, n);
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np);
    const rvfk_ops *ops = rvfk_ops_best();
    for (uint32_t i = 0; *closed && i < np; i++) {
        if (pt[i].centroid != nearest)
            continue;
        for (uint64_t slot = pt[i].start; *closed && s->la_rows[i] && slot < pt[i].end; slot++) {
            const float *r = layera_row(s, (uint32_t)slot);
            *closed = rvf_hotseg_find(&s->la_hot, slot) >= 0 || !layera_live(s, (uint32_t)slot) ||
                      !(ops->dist_f32(metric, query, r, s->dim) < hits[k - 1].dist);
        }
    }
    rvf_free(hits);
    return st;
}

/* "A + B" (below): per query at most LAYERB_PROBE_PARTS partitions and LAYERB_PROBE_BYTES
 * bytes, among the partitions of the LAYERB_REACH * n_probe nearest centroids, chosen through the
 * Layer-B nodes of the LAYERB_SEED nearest centroids' partitions */
#define LAYERB_PROBE_BYTES ((uint64_t)2 << 20)
#define LAYERB_PROBE_PARTS 4
#define LAYERB_REACH       2
#define LAYERB_BATCH_CAP   64 /* partitions in one batch, read or answered by the hot cache */
#define LAYERB_SEED        3

static rvf_status layerb_open(rvf_store *s);
static rvf_status layerb_batch(rvf_store *s, const float *query, rvf_metric metric, uint32_t *batch,
                               uint32_t *nbatch, uint32_t *fresh, uint32_t *nfresh);
static rvf_status layerb_walk(rvf_store *s, const float *query, rvf_metric metric, uint32_t k,
                              uint32_t ef, const uint32_t *batch, uint32_t nbatch,
                              rvf_slot_hit *hits, uint32_t *got);

rvf_status rvf_store_query_layera(rvf_store *s, const float *query, rvf_metric metric,
                                  const rvf_query_params *p, rvf_hit *out, uint32_t *n_out)
{
    rvf_layera_info info;
    rvf_layera_get_info(s->la, &info);
    if (info.metric != metric)
        return RVF_ERR_NOT_FOUND;
    /* "A + B" from the second query on. IO_ERROR (not readable yet): the probe below still asks
     * for its partitions, so the retry has both */
    bool lb_ready = s->lb != NULL; /* the batch below needs Layer B at the start of the call */
    rvf_status bst = s->la_queries && !s->lb_tried ? layerb_open(s) : RVF_OK;
    /* the probe: the n_probe nearest centroids' partitions are read before the search */
    uint32_t np = 0, k_c = info.centroid_count, n_probe = k_c < 10 ? k_c : 10;
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np);
    const float *cent = rvf_layera_centroids(s->la);
    rvf_hit *near = rvf_malloc(((size_t)n_probe + 1) * sizeof *near);
    if (!near)
        return RVF_ERR_OUT_OF_MEMORY;
    uint32_t nn = 0;
    const rvfk_ops *ops = rvfk_ops_best();
    for (uint32_t c = 0; c < k_c && n_probe; c++)
        rvf_store_hits_offer(
            near, &nn, n_probe,
            (rvf_hit){c, ops->dist_f32(metric, query, cent + (size_t)c * s->dim, s->dim)});
    /* nearest first, until the partitions this query reads pass LAYERA_PROBE_BYTES (the
     * nearest is always read): k-means partitions differ in size, and §15.1 budgets the first
     * query at 4 MB in all */
    /* A read that fails with IO_ERROR (a range source fetching on demand) does not stop the
     * probe, so the source learns every partition this query needs at once; on any failure the
     * partitions this call read are dropped again, so a retry probes exactly what one
     * successful call would have. */
    /* The query that read the hot cache pays for it out of the same budget. A partition whose
     * every slot is hot is answered from the cache: probed, not read; so is every partition after
     * the nearest when the query stays inside the cache. */
    bool closed = false;
    rvf_status st = RVF_OK;
    uint64_t budget = LAYERA_PROBE_BYTES;
    budget -= s->la_hot_fresh < budget ? s->la_hot_fresh : budget;
    uint32_t probed = 0, nfresh = 0;
    uint32_t *fresh = rvf_malloc(((size_t)np + 1) * sizeof *fresh);
    if (!fresh)
        st = RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t j = 0; j < nn && (st == RVF_OK || st == RVF_ERR_IO_ERROR); j++) {
        if (j == 1 && st == RVF_OK && s->la_hot.count) /* the nearest partitions are in */
            st = layera_hot_closed(s, query, metric, p->k, near[0].id, &closed);
        for (uint32_t i = 0; i < np && (st == RVF_OK || st == RVF_ERR_IO_ERROR); i++) {
            if (pt[i].centroid != near[j].id)
                continue;
            if (!s->la_rows[i] && (closed || (s->la_cover && s->la_cover[i]))) {
                probed++;
                continue;
            }
            uint64_t bytes = layera_part_bytes(s, &pt[i]);
            if (!s->la_rows[i] && probed && bytes > budget) {
                j = nn; /* over budget: stop probing */
                break;
            }
            if (!s->la_rows[i]) {
                budget = bytes < budget ? budget - bytes : 0;
                rvf_status rst = layera_read_part(s, i);
                if (rst == RVF_OK)
                    fresh[nfresh++] = i;
                else if (st == RVF_OK || rst != RVF_ERR_IO_ERROR)
                    st = rst;
            }
            probed++;
        }
    }
    /* "A + B": Layer B's partitions for this query, asked for in the same round as the probe */
    uint32_t batch[LAYERB_BATCH_CAP], nbatch = 0, lb_before = nfresh;
    if (lb_ready && !closed && fresh && (st == RVF_OK || st == RVF_ERR_IO_ERROR)) {
        rvf_status rst = layerb_batch(s, query, metric, batch, &nbatch, fresh, &nfresh);
        if (rst != RVF_OK && (st == RVF_OK || rst != RVF_ERR_IO_ERROR))
            st = rst;
    }
    if (st == RVF_OK)
        st = bst;
    for (uint32_t f = 0; st != RVF_OK && f < nfresh; f++) {
        rvf_free(s->la_rows[fresh[f]]);
        s->la_rows[fresh[f]] = NULL;
        s->la_loaded--;
    }
    uint32_t lb_new = nfresh - lb_before; /* partitions the batch read */
    rvf_free(fresh);
    rvf_free(near);
    n_probe = probed ? probed : 1;
    if (st != RVF_OK)
        return st;
    s->la_hot_fresh = 0;
    rvf_layera_query lq;
    memset(&lq, 0, sizeof lq);
    lq.n_probe = n_probe;
    lq.row = layera_row;
    lq.row_ctx = s;
    lq.filter = layera_live;
    lq.filter_ctx = s;
    lq.slot_ids = s->la_ids;
    lq.hot = s->la_hot.count ? &s->la_hot : NULL;
    rvf_slot_hit *hits = rvf_malloc(((size_t)p->k + 1) * sizeof *hits);
    uint32_t got = 0;
    rvf_layera_search_stats ls;
    st = hits ? rvf_layera_search(s->la, query, p->k, &lq, hits, &got, &ls) : RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK && lb_ready && !ls.approximate && !closed && got) { /* closed: hot answers */
        st = layerb_walk(s, query, metric, p->k, p->ef, batch, nbatch, hits, &got);
        s->lb_read += st == RVF_OK ? lb_new : 0;
    }
    /* exact distances, or a hot hit's from its f16 vector (its row not resident); never a
     * centroid's */
    uint32_t n = 0;
    for (uint32_t i = 0; st == RVF_OK && i < got; i++)
        if (hits[i].exact || !ls.approximate)
            out[n++] = (rvf_hit){hits[i].id, hits[i].dist};
    rvf_free(hits);
    if (st != RVF_OK)
        return st;
    if (n < p->k) /* the partitions read hold fewer than k: the whole store answers */
        return RVF_ERR_NOT_FOUND;
    *n_out = n;
    s->la_queries++;
    return RVF_OK;
}

/* ---- "A + B" (§6.2) ----------------------------------------------------------------------------
 * Layer B (rvf_layerb.h) is read once, by the second Layer-A query of a handle (the first keeps to
 * the §15.1 first-query budget: root, Level 1, Layer A, hot cache, partitions); that query still
 * answers from Layer A, and every later one is "A + B" (the "working quality" state). Such a query
 * (1) asks for one batch of partitions in the same call as the Layer-A probe (layerb_batch: chosen
 * from Layer A's centroids and Layer B's adjacency alone, so a range source fetching on demand
 * needs one request round per query as before); (2) answers from Layer A; (3) unless the hot cache
 * closed that answer, walks Layer B over what is resident (layerb_walk): the Layer-A answer and the
 * rows of the probed and batch partitions seed a layer-0 beam search (ef) that expands the nodes
 * Layer B holds, a neighbour measured from its resident row (exact) or its hot f16 vector, a
 * neighbour with neither left out (§6.2 fallback c); every row of a partition read is measured
 * (fallback b, which covers the nodes without Layer-B adjacency). The k best of everything
 * measured are returned (deleted ids never, a slot once, exact wherever the row is resident).
 * The graph-guided choice of (1) was measured against a walk that reads the partition of the best
 * unmeasured neighbour, one at a time: close in recall per partition read, and that walk needs a
 * request round per partition. */
void rvf_store_layerb_drop(rvf_store *s)
{
    rvf_layerb_free(s->lb);
    s->lb = NULL;
    s->lb_tried = false;
    s->la_queries = 0;
}

/* The Layer-B INDEX_SEG INDEX_LAYERS names, read and kept (layer-0 lists). A damaged one is
 * ignored (Layer A alone answers); IO_ERROR: not readable yet. */
static rvf_status layerb_open(rvf_store *s)
{
    s->lb_tried = true;
    const rvf_dir_entry *e = NULL;
    for (uint32_t i = 0; i < s->man.ndir; i++)
        if (rvf_store_is_layerb(&s->man, &s->man.dir[i]))
            e = &s->man.dir[i];
    if (!e)
        return RVF_OK;
    const uint8_t *p;
    bool owned;
    rvf_status st = rvf_seg_load(s->io, e, s->io->size(s->io), &p, &owned);
    if (st != RVF_OK) {
        s->lb_tried = st != RVF_ERR_IO_ERROR;
        return st == RVF_ERR_IO_ERROR ? st : RVF_OK;
    }
    if (rvf_layerb_decode(p, (size_t)e->payload_length, s->la_slots, &s->lb) != RVF_OK)
        s->lb = NULL;
    if (owned)
        rvf_free((void *)p);
    return RVF_OK;
}

typedef struct lb_cand {
    float dist;
    uint32_t slot;
} lb_cand;

/* A binary min-heap of candidates to expand. */
typedef struct lb_queue {
    lb_cand *a;
    uint32_t n, cap;
} lb_queue;

static bool lbq_push(lb_queue *q, lb_cand c)
{
    if (q->n == q->cap) {
        uint32_t cap = q->cap ? q->cap * 2 : 256;
        lb_cand *a = rvf_realloc(q->a, (size_t)cap * sizeof *a);
        if (!a)
            return false;
        q->a = a;
        q->cap = cap;
    }
    uint32_t i = q->n++;
    while (i && q->a[(i - 1) / 2].dist > c.dist) {
        q->a[i] = q->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->a[i] = c;
    return true;
}

static lb_cand lbq_pop(lb_queue *q)
{
    lb_cand top = q->a[0], last = q->a[--q->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= q->n)
            break;
        if (c + 1 < q->n && q->a[c + 1].dist < q->a[c].dist)
            c++;
        if (!(q->a[c].dist < last.dist))
            break;
        q->a[i] = q->a[c];
        i = c;
    }
    if (q->n)
        q->a[i] = last;
    return top;
}

enum { LB_UNSEEN = 0, LB_UNKNOWN = 1, LB_MEASURED = 2 };

typedef struct lb_walk {
    rvf_store *s;
    const float *query;
    rvf_metric metric;
    uint8_t *state; /* per slot, LB_* */
    lb_queue cand;
    rvf_hit_heap best; /* the ef best live hits: the beam's bound */
} lb_walk;

static float lb_bound(const lb_walk *w)
{
    return w->best.size == w->best.cap ? w->best.h[0].dist : INFINITY;
}

/* Measure slot (resident row: exact; else hot: f16), offer it and queue it; false when it has
 * neither (not measured). */
static bool lb_measure(lb_walk *w, uint32_t slot, bool *oom)
{
    rvf_store *s = w->s;
    const float *r = layera_row(s, slot);
    float d;
    if (r) {
        d = rvfk_ops_best()->dist_f32(w->metric, w->query, r, s->dim);
    } else {
        int64_t h = rvf_hotseg_find(&s->la_hot, slot);
        if (h < 0)
            return false;
        d = rvf_hotseg_dist(&s->la_hot, NULL, w->metric, w->query, (uint32_t)h);
    }
    w->state[slot] = LB_MEASURED;
    if (d != d)
        return true; /* NaN: never a result, never a step */
    if (layera_live(s, slot))
        rvf_hit_heap_offer(&w->best, (rvf_slot_hit){s->la_ids[slot], d, slot, r != NULL});
    if (d < lb_bound(w) && rvf_layerb_neighbors(s->lb, slot, &(uint32_t){0}) &&
        !lbq_push(&w->cand, (lb_cand){d, slot}))
        *oom = true;
    return true;
}

/* Expand the queue until its best is worse than the ef-th result. */
static rvf_status lb_expand(lb_walk *w)
{
    bool oom = false;
    while (w->cand.n && !oom) {
        lb_cand c = lbq_pop(&w->cand);
        if (c.dist > lb_bound(w))
            break;
        uint32_t n = 0;
        const uint32_t *nb = rvf_layerb_neighbors(w->s->lb, c.slot, &n);
        for (uint32_t i = 0; i < n && !oom; i++) {
            uint32_t v = nb[i];
            if (v >= w->s->la_slots || w->state[v] != LB_UNSEEN)
                continue;
            if (!lb_measure(w, v, &oom))
                w->state[v] = LB_UNKNOWN; /* neither resident nor hot (fallback c) */
        }
    }
    return oom ? RVF_ERR_OUT_OF_MEMORY : RVF_OK;
}

/* The partitions "A + B" reads for a query, chosen from Layer A and Layer B alone (no row is
 * needed, so a range source fetching on demand gets them in the probe's request round): the
 * Layer-B nodes of the LAYERB_SEED nearest centroids' partitions vote for the partitions their
 * layer-0 neighbours lie in; of the partitions with a vote that are not resident and belong to a
 * centroid ranked n_probe .. LAYERB_REACH * n_probe - 1 by distance (the nearer ones the Layer-A
 * probe covers), the nearest centroids' are read, up to LAYERB_PROBE_PARTS and
 * LAYERB_PROBE_BYTES. An IO_ERROR does not stop the batch (the source learns all of it at once);
 * every partition read goes to fresh[] too, so a failed call drops it again. */
static rvf_status layerb_batch(rvf_store *s, const float *query, rvf_metric metric, uint32_t *batch,
                               uint32_t *nbatch, uint32_t *fresh, uint32_t *nfresh)
{
    rvf_layera_info info;
    rvf_layera_get_info(s->la, &info);
    uint32_t np = 0, kc = info.centroid_count;
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np);
    const float *cent = rvf_layera_centroids(s->la);
    uint32_t n_probe = kc < 10 ? kc : 10, n_reach = n_probe * LAYERB_REACH, nn = 0;
    rvf_hit *near = rvf_malloc(((size_t)n_reach + 1) * sizeof *near);
    uint32_t *rank = rvf_malloc(((size_t)kc + 1) * sizeof *rank);
    uint32_t *votes = rvf_calloc((size_t)np + 1, sizeof *votes);
    rvf_status st = near && rank && votes ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    const rvfk_ops *ops = rvfk_ops_best();
    for (uint32_t c = 0; st == RVF_OK && c < kc; c++) {
        rank[c] = UINT32_MAX;
        rvf_store_hits_offer(
            near, &nn, n_reach,
            (rvf_hit){c, ops->dist_f32(metric, query, cent + (size_t)c * s->dim, s->dim)});
    }
    for (uint32_t j = 0; st == RVF_OK && j < nn; j++)
        rank[near[j].id] = j;
    for (uint32_t i = 0; st == RVF_OK && i < np; i++) {
        if (rank[pt[i].centroid] >= LAYERB_SEED)
            continue;
        for (uint64_t slot = pt[i].start; slot < pt[i].end; slot++) {
            uint32_t n = 0;
            const uint32_t *nb = rvf_layerb_neighbors(s->lb, (uint32_t)slot, &n);
            for (uint32_t k = 0; k < n; k++) {
                uint32_t pp = layera_part_of(s, nb[k]);
                if (pp != UINT32_MAX && nb[k] < pt[pp].end && !s->la_rows[pp] &&
                    rank[pt[pp].centroid] >= n_probe && rank[pt[pp].centroid] < n_reach)
                    votes[pp]++;
            }
        }
    }
    uint64_t budget = LAYERB_PROBE_BYTES;
    uint32_t tried = 0; /* reads, failed ones included: a retry reads the same partitions */
    while (st == RVF_OK || st == RVF_ERR_IO_ERROR) {
        if (tried >= LAYERB_PROBE_PARTS || *nbatch >= LAYERB_BATCH_CAP)
            break;
        uint32_t part = UINT32_MAX;
        for (uint32_t i = 0; i < np; i++)
            if (votes[i] && (part == UINT32_MAX || rank[pt[i].centroid] < rank[pt[part].centroid]))
                part = i;
        if (part == UINT32_MAX)
            break;
        votes[part] = 0;
        if (s->la_cover && s->la_cover[part]) { /* every row hot: measured from the cache */
            if (*nbatch < LAYERB_BATCH_CAP)
                batch[(*nbatch)++] = part;
            continue;
        }
        uint64_t bytes = layera_part_bytes(s, &pt[part]);
        if (bytes > budget)
            break;
        budget -= bytes;
        tried++;
        rvf_status rst = layera_read_part(s, part);
        if (rst == RVF_OK) {
            fresh[(*nfresh)++] = part;
            batch[(*nbatch)++] = part;
        } else if (st == RVF_OK || rst != RVF_ERR_IO_ERROR) {
            st = rst;
        }
    }
    rvf_free(near);
    rvf_free(rank);
    rvf_free(votes);
    return st;
}

/* The walk over what is resident: seeds = the Layer-A answer, every row of the n_probe nearest
 * centroids' resident partitions and every row of the batch; then a layer-0 beam search (ef)
 * expanding the nodes Layer B holds. Reads nothing. */
static rvf_status layerb_walk(rvf_store *s, const float *query, rvf_metric metric, uint32_t k,
                              uint32_t ef, const uint32_t *batch, uint32_t nbatch,
                              rvf_slot_hit *hits, uint32_t *got)
{
    lb_walk w;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.query = query;
    w.metric = metric;
    ef = ef > k ? ef : k;
    w.state = rvf_calloc((size_t)s->la_slots + 1, 1);
    rvf_slot_hit *store = rvf_malloc(((size_t)ef + 1) * sizeof *store);
    rvf_layera_info info;
    rvf_layera_get_info(s->la, &info);
    uint32_t n_probe = info.centroid_count < 10 ? info.centroid_count : 10, nn = 0, np = 0;
    rvf_hit *near = rvf_malloc(((size_t)n_probe + 1) * sizeof *near);
    if (!w.state || !store || !near) {
        rvf_free(w.state);
        rvf_free(store);
        rvf_free(near);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    rvf_hit_heap_init(&w.best, store, ef);
    bool oom = false;
    for (uint32_t i = 0; i < *got && !oom; i++) { /* the Layer-A answer, as it measured it */
        uint32_t slot = hits[i].slot;
        if (slot >= s->la_slots || w.state[slot] != LB_UNSEEN)
            continue;
        w.state[slot] = LB_MEASURED;
        rvf_hit_heap_offer(&w.best, hits[i]);
        if (!lbq_push(&w.cand, (lb_cand){hits[i].dist, slot}))
            oom = true;
    }
    const rvf_layera_part *pt = rvf_layera_partitions(s->la, &np);
    const float *cent = rvf_layera_centroids(s->la);
    const rvfk_ops *ops = rvfk_ops_best();
    for (uint32_t c = 0; c < info.centroid_count && n_probe; c++)
        rvf_store_hits_offer(
            near, &nn, n_probe,
            (rvf_hit){c, ops->dist_f32(metric, query, cent + (size_t)c * s->dim, s->dim)});
    for (uint32_t i = 0; !oom && i < np; i++) {
        bool seed = false;
        for (uint32_t j = 0; j < nn && !seed; j++)
            seed = pt[i].centroid == near[j].id;
        for (uint32_t b = 0; b < nbatch && !seed; b++)
            seed = batch[b] == i;
        bool have = s->la_rows[i] || (s->la_cover && s->la_cover[i]);
        for (uint64_t slot = pt[i].start; seed && have && slot < pt[i].end && !oom; slot++)
            if (w.state[slot] != LB_MEASURED)
                lb_measure(&w, (uint32_t)slot, &oom);
    }
    rvf_free(near);
    rvf_status st = oom ? RVF_ERR_OUT_OF_MEMORY : lb_expand(&w);
    if (st == RVF_OK) {
        uint32_t n = rvf_hit_heap_sorted(&w.best);
        rvf_hit_heap_init(&w.best, hits, k);
        for (uint32_t i = 0; i < n; i++)
            rvf_hit_heap_offer(&w.best, store[i]);
        *got = rvf_hit_heap_sorted(&w.best);
    }
    rvf_free(w.state);
    rvf_free(w.cand.a);
    rvf_free(store);
    return st;
}
