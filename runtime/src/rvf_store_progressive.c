/* rvf_store_progressive.c: approximate queries of a lazy open before its data is read (§6.2
 * "A only" and "A + hot"): Layer A, the partitions read on demand and the hot cache. */
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
        if (blk[b].dim != s->dim || blk[b].dtype != s->dtype || got + blk[b].count > count) {
            st = RVF_ERR_INVALID_MANIFEST;
            break;
        }
        st =
            rvf_vecseg_decode_block(p, (size_t)e->payload_length, &blk[b],
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
    uint64_t id = s->la_ids[slot];
    size_t lo = 0, hi = s->man.ndeleted; /* the manifest's deleted ids are sorted */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->man.deleted[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return !(lo < s->man.ndeleted && s->man.deleted[lo] == id);
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

rvf_status rvf_store_query_layera(rvf_store *s, const float *query, rvf_metric metric,
                                  const rvf_query_params *p, rvf_hit *out, uint32_t *n_out)
{
    rvf_layera_info info;
    rvf_layera_get_info(s->la, &info);
    if (info.metric != metric)
        return RVF_ERR_NOT_FOUND;
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
    for (uint32_t f = 0; st != RVF_OK && f < nfresh; f++) {
        rvf_free(s->la_rows[fresh[f]]);
        s->la_rows[fresh[f]] = NULL;
        s->la_loaded--;
    }
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
    return RVF_OK;
}
