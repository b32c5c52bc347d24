/* rvf_store_index.c: answering queries. rvf_query dispatches to the exact scan, the HNSW graph
 * (loaded from the file's INDEX_SEGs or built in memory; filtered search chosen by selectivity)
 * or the progressive path (rvf_store_progressive.c); every answer counts in the §7.2 access
 * sketch. Also rvf_build_index (INDEX_SEG emission), rvf_load and rvf_temperature. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rvf_store_impl.h"

/* ---- query ---------------------------------------------------------------------------------- */
static float slot_dist(const rvf_store *s, const rvfk_ops *ops, rvf_metric metric, const float *q,
                       size_t j)
{
    const uint8_t *r = s->rows + j * s->row_bytes;
    if (s->dtype == RVF_DTYPE_F32) {
        /* rows are little-endian f32; on little-endian hosts they are used in place */
        const float *v = (const float *)(const void *)r;
        return ops->dist_f32(metric, q, v, s->dim);
    }
    return ops->dist_f32_f16(metric, q, (const uint16_t *)(const void *)r, s->dim);
}

/* ---- access sketch (§7.2) ------------------------------------------------------------------ */
/* The sketch: the newest SKETCH_SEG's counters, else a zeroed 1024 x 4 one. */
rvf_status rvf_store_sketch_ready(rvf_store *s)
{
    if (s->sketch_ready)
        return RVF_OK;
    const rvf_manifest *m = &s->man;
    rvf_status st = RVF_ERR_NOT_FOUND;
    for (uint32_t i = m->ndir; i-- > 0 && st == RVF_ERR_NOT_FOUND;) {
        if (m->dir[i].seg_type != RVF_SEG_SKETCH)
            continue;
        const uint8_t *p;
        bool owned;
        st = rvf_seg_load(s->io, &m->dir[i], s->io->size(s->io), &p, &owned);
        if (st == RVF_OK) {
            st = rvf_sketchseg_decode(p, (size_t)m->dir[i].payload_length, &s->sketch);
            if (owned)
                rvf_free((void *)p);
        }
    }
    /* not readable yet (a range source fetching on demand): read it on a later call */
    if (st == RVF_ERR_IO_ERROR)
        return st;
    if (st != RVF_OK) /* none, or unreadable: counting starts over (it is a hint, not data) */
        st = rvf_sketch_init(&s->sketch, RVF_SKETCH_WIDTH, RVF_SKETCH_DEPTH);
    s->sketch_ready = st == RVF_OK;
    return st;
}

static void sketch_count(rvf_store *s, const rvf_hit *hits, uint32_t n)
{
    if (!n || rvf_store_sketch_ready(s) != RVF_OK)
        return;
    for (uint32_t i = 0; i < n; i++)
        rvf_sketch_add(&s->sketch, hits[i].id / RVF_SKETCH_BLOCK_SIZE);
    s->sketch_dirty = true;
}

/* Emit the sketch as a SKETCH_SEG into data (at file offset base) and drop older ones from the
 * new manifest's directory (their bytes become dead space). Nothing when it did not change. */
rvf_status rvf_store_sketch_emit(rvf_store *s, rvf_buf *data, uint64_t base, uint64_t *next_id,
                                 rvf_manifest *nm, bool account_dead)
{
    if (!s->sketch_dirty)
        return RVF_OK;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nm->ndir; i++) {
        if (nm->dir[i].seg_type == RVF_SEG_SKETCH) {
            if (account_dead)
                nm->dead_bytes += RVF_SEGMENT_HEADER_SIZE + nm->dir[i].payload_length;
        } else {
            nm->dir[kept++] = nm->dir[i];
        }
    }
    nm->ndir = kept;
    rvf_buf pl;
    rvf_buf_init(&pl);
    rvf_status st = rvf_sketchseg_encode(&pl, &s->sketch);
    if (st == RVF_OK) {
        rvf_seg_emit(data, base, RVF_SEG_SKETCH, 0, (*next_id)++, s->algo, pl.data, pl.len, 0,
                     &nm->dir[nm->ndir++]);
        /* ACCESS_SKETCH_REF (§4.3): every sketch written starts a new sketch epoch */
        nm->has_sketch_ref = true;
        nm->sketch_seg_offset = nm->dir[nm->ndir - 1].file_offset;
        nm->sketch_block_size = RVF_SKETCH_BLOCK_SIZE;
        nm->sketch_epoch = s->man.sketch_epoch + 1;
    }
    rvf_buf_free(&pl);
    return st;
}

rvf_status rvf_temperature(rvf_store *s, uint64_t id, uint8_t *estimate, uint8_t *tier)
{
    if (!s || !estimate || !tier)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = rvf_store_ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    rvf_status st = rvf_store_sketch_ready(s);
    if (st != RVF_OK)
        return st;
    *estimate = rvf_sketch_estimate(&s->sketch, id / RVF_SKETCH_BLOCK_SIZE);
    *tier = rvf_sketch_tier(*estimate);
    return RVF_OK;
}

/* ---- HNSW (approximate search, params->ef > 0) ---------------------------------------------- */
static const float *hnsw_row(void *ctx, uint32_t slot)
{
    const rvf_store *s = ctx;
    /* f32 rows are host floats on little-endian hosts (rvf_ingest stores them in place) */
    return (const float *)(const void *)(s->rows + (size_t)slot * s->row_bytes);
}

typedef struct hnsw_filter_ctx {
    const rvf_store *s;
    const uint8_t *filter;
    size_t filter_len;
} hnsw_filter_ctx;

static bool hnsw_eligible(void *ctx, uint32_t slot)
{
    const hnsw_filter_ctx *c = ctx;
    if (c->s->dead[slot])
        return false;
    bool match = true;
    if (c->filter && rvf_filter_eval(c->filter, c->filter_len, c->s->meta[slot].fields,
                                     c->s->meta[slot].n, &match) != RVF_OK)
        return false;
    return match;
}

rvf_hnsw_source rvf_store_rows_source(rvf_store *s)
{
    if (s->rows) /* contiguous f32 rows: no call per distance */
        return (rvf_hnsw_source){NULL, NULL, (const float *)(const void *)s->rows, s->dim};
    return (rvf_hnsw_source){hnsw_row, s, NULL, 0};
}

/* Is e a Layer-B INDEX_SEG (INDEX_LAYERS level 1)? It repeats the full graph's lists for a
 * subset of the nodes: read by the progressive path only, never a base or delta of the graph. */
bool rvf_store_is_layerb(const rvf_manifest *m, const rvf_dir_entry *e)
{
    for (uint32_t i = 0; e->seg_type == RVF_SEG_INDEX && i < m->nlayers; i++)
        if (m->layers[i].segment_id == e->segment_id)
            return m->layers[i].layer_level == 1;
    return false;
}

/* The graph of the file's INDEX_SEGs: the last SEALED one, then every later one laid over it.
 * NOT_FOUND when there is none or it was built for another metric than `metric` (-1: any). */
rvf_status rvf_store_index_load(rvf_store *s, int metric)
{
    const rvf_manifest *m = &s->man;
    uint32_t base = UINT32_MAX;
    for (uint32_t i = 0; i < m->ndir; i++)
        if (m->dir[i].seg_type == RVF_SEG_INDEX && (m->dir[i].flags & RVF_FLAG_SEALED) &&
            !(m->dir[i].flags & RVF_FLAG_HOT) /* HOT: Layer A, read by the progressive path */
            && !rvf_store_is_layerb(m, &m->dir[i]))
            base = i;
    if (base == UINT32_MAX)
        return RVF_ERR_NOT_FOUND;
    uint64_t fsz = s->io->size(s->io);
    rvf_hnsw_source src = rvf_store_rows_source(s);
    rvf_hnsw *g = NULL;
    rvf_status st = RVF_OK;
    for (uint32_t i = base; i < m->ndir && st == RVF_OK; i++) {
        const rvf_dir_entry *e = &m->dir[i];
        if (e->seg_type != RVF_SEG_INDEX || (e->flags & RVF_FLAG_HOT) || rvf_store_is_layerb(m, e))
            continue;
        const uint8_t *p;
        bool owned;
        if ((st = rvf_seg_load(s->io, e, fsz, &p, &owned)) != RVF_OK)
            break;
        rvf_indexseg_info info;
        if (g && rvf_indexseg_info_get(p, (size_t)e->payload_length, &info) == RVF_OK &&
            info.layer_level == 1) { /* a Layer B the directory's INDEX_LAYERS does not name */
            if (owned)
                rvf_free((void *)p);
            continue;
        }
        if (!g) {
            st = rvf_indexseg_decode(p, (size_t)e->payload_length, s->dim, s->n, &src, &g);
            if (st == RVF_OK && metric >= 0 && (int)rvf_hnsw_metric(g) != metric)
                st = RVF_ERR_NOT_FOUND;
        } else {
            st = rvf_indexseg_apply(p, (size_t)e->payload_length, s->n, g);
        }
        if (owned)
            rvf_free((void *)p);
        if (st != RVF_OK && st != RVF_ERR_NOT_FOUND)
            st = rvf_store_fail(st, "INDEX_SEG id %llu at offset %llu: %s",
                                (unsigned long long)e->segment_id,
                                (unsigned long long)e->file_offset, rvf_strerror(st));
    }
    if (st != RVF_OK) {
        rvf_hnsw_free(g);
        return st;
    }
    rvf_hnsw_clear_dirty(g);
    s->hnsw = g;
    s->hnsw_n = rvf_hnsw_slot_limit(g);
    s->hnsw_persisted = true;
    return RVF_OK;
}

/* A graph for `metric` over the table: the file's, else an empty one with `hp`. */
static rvf_status index_prepare(rvf_store *s, rvf_metric metric, const rvf_hnsw_params *hp)
{
    if (s->hnsw && rvf_hnsw_metric(s->hnsw) != metric)
        rvf_store_index_drop(s);
    if (!s->hnsw && !s->hnsw_load_failed) {
        rvf_status st = rvf_store_index_load(s, metric);
        if (st == RVF_ERR_IO_ERROR)
            return st; /* not readable yet (a range source fetching on demand): no fallback */
        if (st != RVF_OK && st != RVF_ERR_NOT_FOUND)
            s->hnsw_load_failed = true; /* damaged or foreign: answer from an in-memory graph */
    }
    rvf_hnsw_source src = rvf_store_rows_source(s);
    if (!s->hnsw) {
        rvf_status st = rvf_hnsw_create(s->dim, metric, hp, &src, &s->hnsw);
        if (st != RVF_OK)
            return st;
        s->hnsw_n = 0;
        s->hnsw_persisted = false;
    }
    return rvf_hnsw_set_source(s->hnsw, &src);
}

/* Insert the slots appended since the graph was last extended (o->threads workers). */
rvf_status rvf_store_index_extend(rvf_store *s, const rvf_index_options *o)
{
    uint32_t first = (uint32_t)s->hnsw_n, count = (uint32_t)(s->n - s->hnsw_n);
    rvf_status st = rvf_hnsw_add_range(s->hnsw, first, count, o ? o->threads : 1,
                                       o ? o->progress : NULL, o ? o->progress_ctx : NULL);
    /* on failure the present slots stay (they must not be added twice) */
    s->hnsw_n = st == RVF_OK ? s->n : rvf_hnsw_slot_limit(s->hnsw);
    return st;
}

static const rvf_hnsw_params default_graph = {16, 32, 200, 0x5256465348ull}; /* fixed seed */

/* The graph covers every slot (deleted ones are traversed, never returned); slots appended since
 * are inserted now; another metric than the graph's gets a graph of its own, in memory. */
static rvf_status index_ensure(rvf_store *s, rvf_metric metric)
{
    rvf_status st = index_prepare(s, metric, &default_graph);
    return st == RVF_OK ? rvf_store_index_extend(s, NULL) : st;
}

static bool hit_less(const rvf_hit *a, const rvf_hit *b)
{
    return a->distance < b->distance || (a->distance == b->distance && a->id < b->id);
}

/* Insert h into out[0..*n) (sorted, capacity k); drops it if it does not make the top k. */
void rvf_store_hits_offer(rvf_hit *out, uint32_t *n, uint32_t k, rvf_hit h)
{
    if (*n == k && !hit_less(&h, &out[k - 1]))
        return;
    uint32_t j = *n < k ? (*n)++ : k - 1;
    while (j > 0 && hit_less(&h, &out[j - 1])) {
        out[j] = out[j - 1];
        j--;
    }
    out[j] = h;
}

static bool hnsw_graph_eligible(void *ctx, uint32_t slot)
{
    const hnsw_filter_ctx *c = ctx;
    return !(c->s->stale && c->s->stale[slot]) && hnsw_eligible(ctx, slot);
}

/* Fraction of live vectors passing the filter (§8.4): exact for tables up to 2048 slots, else
 * estimated from 1024 slots drawn with a fixed-seed generator (a stride would alias with
 * periodic metadata). */
static double filter_selectivity(const rvf_store *s, const rvf_query_params *p)
{
    if (!p->filter || s->n == s->ndead)
        return 1.0;
    size_t draws = s->n <= 2048 ? s->n : 1024, seen = 0, pass = 0;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < draws; i++) {
        size_t j = i;
        if (draws < s->n) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            j = (size_t)(x % s->n);
        }
        if (s->dead[j])
            continue;
        bool match = false;
        seen++;
        if (rvf_filter_eval(p->filter, p->filter_len, s->meta[j].fields, s->meta[j].n, &match) ==
                RVF_OK &&
            match)
            pass++;
    }
    return seen ? (double)pass / (double)seen : 1.0;
}

static rvf_status query_hnsw(rvf_store *s, const float *query, rvf_metric metric,
                             const rvf_query_params *p, double sel, rvf_hit *out, uint32_t *n_out)
{
    rvf_status st = index_ensure(s, metric);
    if (st != RVF_OK)
        return rvf_store_fail(st, "building the HNSW index: %s", rvf_strerror(st));
    uint32_t *slots = rvf_malloc((size_t)p->k * sizeof *slots);
    float *dists = rvf_malloc((size_t)p->k * sizeof *dists);
    uint32_t got = 0, n = 0;
    hnsw_filter_ctx fc = {s, p->filter, p->filter_len};
    if (!slots || !dists)
        st = RVF_ERR_OUT_OF_MEMORY;
    else {
        /* §8.4: 1-20% passing: intra-filter with a miss budget of 3 ef; above 20%: post-filter,
         * a beam widened by min(1/s, 10) (the filter still decides what may be returned) */
        uint32_t ef = p->ef, max_fail = 0;
        if (p->filter && sel <= 0.20)
            max_fail = 3 * (ef > p->k ? ef : p->k);
        else if (p->filter && sel < 1.0) {
            double f = 1.0 / sel > 10.0 ? 10.0 : 1.0 / sel;
            ef = (uint32_t)((double)ef * f > 1e6 ? 1e6 : (double)ef * f);
        }
        st = rvf_hnsw_search_ex(s->hnsw, query, p->k, ef, hnsw_graph_eligible, &fc, max_fail, slots,
                                dists, &got);
    }
    /* ties by id, as the exact scan orders them (the graph orders by slot) */
    for (uint32_t i = 0; st == RVF_OK && i < got; i++)
        rvf_store_hits_offer(out, &n, p->k, (rvf_hit){s->ids[slots[i]], dists[i]});
    /* rows replaced after the graph placed them: exact */
    const rvfk_ops *ops = rvfk_ops_best();
    for (size_t i = 0; st == RVF_OK && i < s->nstale; i++) {
        uint32_t j = s->stale_list[i];
        if (hnsw_eligible(&fc, j))
            rvf_store_hits_offer(out, &n, p->k,
                                 (rvf_hit){s->ids[j], slot_dist(s, ops, metric, query, j)});
    }
    rvf_free(slots);
    rvf_free(dists);
    if (st != RVF_OK)
        return st;
    *n_out = n;
    if (n < p->k && s->n - s->ndead > 0)
        return rvf_store_fail(RVF_ERR_K_TOO_LARGE, "%u of k=%u results from the index", n, p->k);
    return RVF_OK;
}

rvf_index_options rvf_index_options_default(void)
{
    rvf_index_options o;
    memset(&o, 0, sizeof o);
    o.m = 16;
    o.ef_construction = 200;
    o.metric = -1;
    o.threads = 1;
    return o;
}

rvf_status rvf_build_index(rvf_store *s, const rvf_index_options *opt)
{
    rvf_store_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_index_options o = opt ? *opt : rvf_index_options_default();
    if (s->read_only)
        return rvf_store_fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    if (s->dtype != RVF_DTYPE_F32)
        return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT, "the HNSW index needs an f32 store");
    int metric = o.metric < 0 ? s->metric : o.metric;
    if (metric < 0 || metric > RVF_METRIC_COSINE)
        return rvf_store_fail(RVF_ERR_METRIC_UNSUPPORTED, "metric %d cannot be indexed", metric);
    rvf_hnsw_params hp = default_graph;
    hp.m = o.m ? o.m : 16;
    hp.m0 = 0;
    hp.ef_construction = o.ef_construction ? o.ef_construction : 200;
    if (hp.m < 2 || hp.m > 2048 || hp.ef_construction > 1000000)
        return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT,
                              "M must be 2..2048 and ef_construction at most 1e6");
    rvf_status st = rvf_store_ensure_loaded(s);
    if (st != RVF_OK)
        return st;
    if ((st = index_prepare(s, (rvf_metric)metric, &hp)) != RVF_OK)
        return rvf_store_fail(st, "preparing the index: %s", rvf_strerror(st));
    rvf_hnsw_params cur = rvf_hnsw_get_params(s->hnsw);
    if (o.full || s->nstale || cur.m != hp.m || cur.ef_construction != hp.ef_construction) {
        rvf_store_index_drop(s); /* a fresh graph: written whole, and replaces the stored one */
        rvf_store_stale_clear(s);
        rvf_hnsw_source src = rvf_store_rows_source(s);
        if ((st = rvf_hnsw_create(s->dim, (rvf_metric)metric, &hp, &src, &s->hnsw)) != RVF_OK)
            return st;
    }
    if ((st = rvf_store_index_extend(s, &o)) != RVF_OK)
        return rvf_store_fail(st, "building the index: %s", rvf_strerror(st));
    bool full = !s->hnsw_persisted;
    bool any = full;
    for (uint32_t j = 0; !any && j < s->hnsw_n; j++)
        any = rvf_hnsw_is_dirty(s->hnsw, j);
    if (!any)
        return RVF_OK; /* the stored index already covers everything */
    rvf_buf pl, data;
    rvf_buf_init(&pl);
    rvf_buf_init(&data);
    rvf_manifest nm;
    memset(&nm, 0, sizeof nm);
    st = rvf_indexseg_encode_ex(&pl, s->hnsw, RVF_INDEXSEG_RESTART, !full);
    if (st == RVF_OK) /* the index, the sketch, the witness */
        st = rvf_store_manifest_next(s, &nm, 3);
    if (st == RVF_OK) /* rvf_store_manifest_next leaves the deleted list to the caller */
        st = rvf_store_deleted_list(s, NULL, NULL, &nm.deleted, &nm.ndeleted);
    if (st == RVF_OK && full) { /* the sealed graph replaces every earlier INDEX_SEG */
        uint32_t kept = 0;
        for (uint32_t i = 0; i < nm.ndir; i++) {
            if (nm.dir[i].seg_type == RVF_SEG_INDEX)
                nm.dead_bytes += RVF_SEGMENT_HEADER_SIZE + nm.dir[i].payload_length;
            else
                nm.dir[kept++] = nm.dir[i];
        }
        nm.ndir = kept;
    }
    if (st == RVF_OK) {
        rvf_seg_emit(&data, s->end, RVF_SEG_INDEX, full ? RVF_FLAG_SEALED : 0, s->next_seg_id++,
                     s->algo, pl.data, pl.len, 0, &nm.dir[nm.ndir++]);
        st = rvf_store_sketch_emit(s, &data, s->end, &s->next_seg_id, &nm, true);
        char act[96];
        snprintf(act, sizeof act, "index:%s,nodes=%u,epoch=%u", full ? "sealed" : "delta",
                 rvf_hnsw_count(s->hnsw), nm.epoch);
        rvf_store_witness_emit(s, &data, s->end, &s->next_seg_id, &nm, RVF_WITNESS_COMPUTATION,
                               act);
        st = rvf_buf_status(&data);
    }
    if (st == RVF_OK)
        st = rvf_store_commit(s, &data, &nm);
    else if (nm.dir)
        rvf_manifest_free(&nm);
    rvf_buf_free(&pl);
    rvf_buf_free(&data);
    if (st != RVF_OK)
        return st;
    s->sketch_dirty = false;
    rvf_hnsw_clear_dirty(s->hnsw);
    s->hnsw_persisted = true;
    s->hnsw_load_failed = false;
    return RVF_OK;
}

rvf_status rvf_load(rvf_store *s)
{
    rvf_store_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status st = rvf_store_ensure_loaded(s);
    if (st == RVF_OK && s->dtype == RVF_DTYPE_F32 && rvf_store_index_seg_count(&s->man)) {
        st = index_prepare(s, (rvf_metric)s->metric, &default_graph);
        if (st == RVF_OK)
            st = rvf_store_index_extend(s, NULL);
    }
    return st;
}

static rvf_status query_impl(rvf_store *s, const float *query, uint32_t dim,
                             const rvf_query_params *p, rvf_hit *out, uint32_t *n_out);

rvf_status rvf_query(rvf_store *s, const float *query, uint32_t dim, const rvf_query_params *p,
                     rvf_hit *out, uint32_t *n_out)
{
    rvf_status st = query_impl(s, query, dim, p, out, n_out);
    if (st == RVF_OK || st == RVF_ERR_K_TOO_LARGE)
        sketch_count(s, out, *n_out);
    return st;
}

static rvf_status query_impl(rvf_store *s, const float *query, uint32_t dim,
                             const rvf_query_params *p, rvf_hit *out, uint32_t *n_out)
{
    rvf_store_detail[0] = 0;
    if (n_out)
        *n_out = 0;
    if (!s || !p || !n_out || (p->k && (!out || !query)))
        return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT,
                              "store, params, query, out and n_out are required");
    rvf_status mst = rvf_store_ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    if (dim != s->dim)
        return rvf_store_fail(RVF_ERR_DIMENSION_MISMATCH, "query has %u dimensions, the store %u",
                              dim, s->dim);
    int metric = p->metric < 0 ? s->metric : p->metric;
    if (metric < 0 || metric > RVF_METRIC_COSINE)
        return rvf_store_fail(RVF_ERR_METRIC_UNSUPPORTED,
                              "metric %d is not supported for float vectors", metric);
    if (p->filter) {
        rvf_status st = rvf_filter_validate(p->filter, p->filter_len);
        if (st != RVF_OK)
            return rvf_store_fail(st, "the filter expression is malformed");
    }
    if (p->k == 0)
        return RVF_OK;
    rvf_status la_st = p->ef && s->progressive && !s->loaded && !p->filter && !s->la_tried
                           ? rvf_store_layera_open(s)
                           : RVF_OK;
    if (la_st == RVF_ERR_IO_ERROR)
        return la_st; /* Layer A is not readable yet: no fallback to reading everything */
    if (p->ef && s->progressive && !s->loaded && !p->filter && s->la) {
        for (uint32_t d = 0; d < dim; d++)
            if (!isfinite(query[d]))
                return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT,
                                      "the query has a NaN or infinite value");
        rvf_status st = rvf_store_query_layera(s, query, (rvf_metric)metric, p, out, n_out);
        if (st != RVF_ERR_NOT_FOUND)
            return st;
    }
    rvf_status lst = rvf_store_ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    for (uint32_t d = 0; d < dim; d++)
        if (!isfinite(query[d]))
            return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT,
                                  "the query has a NaN or infinite value");
    /* §8.4 pre-filter: below 1% passing, the few candidates are scanned exactly */
    double sel = p->ef && s->dtype == RVF_DTYPE_F32 ? filter_selectivity(s, p) : 0;
    if (p->ef && s->dtype == RVF_DTYPE_F32 && sel >= 0.01) {
        rvf_status st = query_hnsw(s, query, (rvf_metric)metric, p, sel, out, n_out);
        if (st != RVF_ERR_K_TOO_LARGE || !p->filter)
            return st;
        rvf_store_detail[0] =
            0; /* the graph found fewer than k that pass: the exact scan decides */
    }
    rvfk_hit *heap = rvf_malloc((size_t)p->k * sizeof *heap);
    if (!heap)
        return RVF_ERR_OUT_OF_MEMORY;
    rvfk_topk tk;
    rvfk_topk_init(&tk, heap, p->k);
    const rvfk_ops *ops = rvfk_ops_best();
    uint64_t eligible = 0;
    for (size_t j = 0; j < s->n; j++) {
        if (s->dead[j])
            continue;
        if (p->filter) {
            bool match = false;
            if (rvf_filter_eval(p->filter, p->filter_len, s->meta[j].fields, s->meta[j].n,
                                &match) != RVF_OK ||
                !match)
                continue;
        }
        eligible++;
        rvfk_topk_offer(&tk, p->k, s->ids[j], slot_dist(s, ops, (rvf_metric)metric, query, j));
    }
    rvfk_hit *sorted = rvf_malloc((size_t)p->k * sizeof *sorted);
    uint32_t got = 0;
    if (sorted) {
        got = rvfk_topk_read(&tk, sorted, p->k);
        for (uint32_t i = 0; i < got; i++) {
            out[i].id = sorted[i].id;
            out[i].distance = sorted[i].dist;
        }
    }
    rvf_free(sorted);
    rvf_free(heap);
    if (!sorted)
        return RVF_ERR_OUT_OF_MEMORY;
    *n_out = got;
    if (got < p->k && s->n - s->ndead > 0)
        return rvf_store_fail(RVF_ERR_K_TOO_LARGE,
                              "%u of k=%u results: only %llu vectors are eligible", got, p->k,
                              (unsigned long long)eligible);
    return RVF_OK;
}
