/* rvf_hnsw.c: in-memory HNSW graph over caller-owned f32 rows (contract in rvf_hnsw.h). */
#include "rvf_hnsw.h"

#include <stdlib.h>
#include <string.h>

#include "rvf_internal.h"

/* rvf_hnsw_add_range's threaded build needs pthreads; Emscripten builds without -pthread (and any
 * build given -DRVF_HNSW_THREADS=0) run every range on the calling thread. */
#ifndef RVF_HNSW_THREADS
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define RVF_HNSW_THREADS 0
#else
#define RVF_HNSW_THREADS 1
#endif
#endif
#if RVF_HNSW_THREADS
#include <pthread.h>
#include <stdatomic.h>
#endif

typedef struct hnsw_item {
    float d;
    uint32_t id;
} hnsw_item;

typedef struct hnsw_heap {
    hnsw_item *a;
    size_t n, cap;
} hnsw_heap;

/* Locks of a threaded build (rvf_hnsw_add_range); a scratch without one never locks. */
typedef struct hnsw_sync hnsw_sync;

/* Search scratch, one per thread: visited marks are epochs so a search never clears the whole
 * array. The index owns one (every single-threaded call uses it); each worker of a threaded
 * build gets its own. */
typedef struct hnsw_scratch {
    uint32_t *visit;
    uint32_t visit_cap, epoch;
    uint32_t *todo; /* m0 ids: one expansion's unvisited neighbours */
    uint32_t *nbr;  /* threaded: 1 + m0, a list copied under its node's lock */
    uint32_t *sel;  /* threaded: m, the new node's neighbours on one layer */
    hnsw_heap cand, res;
    hnsw_item *tmp, *ep;
    size_t tmp_cap, ep_cap;
    hnsw_sync *sync; /* NULL: the only thread, no locking */
} hnsw_scratch;

/* Layout (hnswlib's, for cache behaviour): layer-0 lists live in one flat array, slot-major,
 * [count][m0 ids] per slot, so a walk costs one cache miss per list; upper layers (about 1/M of
 * the nodes) get one allocation per node, [count][m ids] per layer from layer 1 up. Levels are a
 * separate byte array (-1 = absent) that stays in cache during a walk. */

struct rvf_hnsw {
    uint32_t dim;
    rvf_metric metric;
    rvf_hnsw_params p;
    rvf_hnsw_source src;
    float (*dist)(rvf_metric, const float *, const float *, size_t);
    uint64_t rng;
    uint32_t *links0; /* nodes_cap * (1 + m0) */
    uint32_t **upper; /* per slot: layers 1..level, or NULL */
    int8_t *level;    /* per slot; -1 absent */
    float *inv_norm;  /* cosine only: 1 / |row| per slot (0 for a zero row) */
    uint8_t *dirty;   /* per slot: 1 when its lists changed since rvf_hnsw_clear_dirty */
    /* rvf_hnsw_enable_sq8: 8-bit codes of every row (nodes_cap * dim) and their range */
    uint8_t *codes;
    float *sq_min, *sq_max;
    float (*dist_sq8)(rvf_metric, const float *, const uint8_t *, const float *, const float *,
                      size_t);
    uint32_t nodes_cap, slot_limit, count;
    uint32_t entry;
    int32_t max_level; /* -1: empty */
    hnsw_scratch s;    /* for every call on the caller's thread */
};

static bool item_less(hnsw_item a, hnsw_item b)
{
    return a.d < b.d || (a.d == b.d && a.id < b.id);
}

static int item_cmp(const void *pa, const void *pb)
{
    const hnsw_item *a = pa, *b = pb;
    return item_less(*a, *b) ? -1 : item_less(*b, *a) ? 1 : 0;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    if (nc > SIZE_MAX / elem)
        return false;
    void *q = rvf_realloc(*p, nc * elem);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

/* Striped node locks (hnswlib's scheme): slot i's link lists are guarded by stripe i % STRIPES,
 * so two inserts collide only on nodes 4096 slots apart. Lock order: global, then one stripe,
 * then alloc; nobody holds two stripes. */
#define HNSW_STRIPES 4096u
#if RVF_HNSW_THREADS
struct hnsw_sync {
    pthread_mutex_t global; /* entry point and max level */
    pthread_mutex_t alloc;  /* the allocator: a custom one need not be thread-safe */
    pthread_mutex_t stripe[HNSW_STRIPES];
};

static void node_lock(const hnsw_scratch *s, uint32_t slot)
{
    if (s->sync)
        pthread_mutex_lock(&s->sync->stripe[slot % HNSW_STRIPES]);
}

static void node_unlock(const hnsw_scratch *s, uint32_t slot)
{
    if (s->sync)
        pthread_mutex_unlock(&s->sync->stripe[slot % HNSW_STRIPES]);
}
#else
static void node_lock(const hnsw_scratch *s, uint32_t slot)
{
    (void)s;
    (void)slot;
}

static void node_unlock(const hnsw_scratch *s, uint32_t slot)
{
    (void)s;
    (void)slot;
}
#endif

/* grow() from a worker: allocations are serialised so the allocator sees one thread at a time. */
static bool scratch_grow(hnsw_scratch *s, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
#if RVF_HNSW_THREADS
    if (s->sync) {
        pthread_mutex_lock(&s->sync->alloc);
        bool ok = grow(p, cap, need, elem);
        pthread_mutex_unlock(&s->sync->alloc);
        return ok;
    }
#else
    (void)s;
#endif
    return grow(p, cap, need, elem);
}

static void scratch_free(hnsw_scratch *s)
{
    rvf_free(s->visit);
    rvf_free(s->todo);
    rvf_free(s->nbr);
    rvf_free(s->sel);
    rvf_free(s->cand.a);
    rvf_free(s->res.a);
    rvf_free(s->tmp);
    rvf_free(s->ep);
}

/* `max` selects a max-heap (root = worst), otherwise a min-heap (root = best). */
static bool heap_before(hnsw_item a, hnsw_item b, bool max)
{
    return max ? item_less(b, a) : item_less(a, b);
}

/* Replace the root with `it` and sift it down: a full result heap takes a better item with one
 * pass instead of a push and a pop. */
static void heap_replace_top(hnsw_heap *h, hnsw_item it, bool max)
{
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && heap_before(h->a[c + 1], h->a[c], max))
            c++;
        if (!heap_before(h->a[c], it, max))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    h->a[i] = it;
}

static bool heap_push(hnsw_scratch *s, hnsw_heap *h, hnsw_item it, bool max)
{
    if (!scratch_grow(s, (void **)&h->a, &h->cap, h->n + 1, sizeof *h->a))
        return false;
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_before(it, h->a[parent], max))
            break;
        h->a[i] = h->a[parent];
        i = parent;
    }
    h->a[i] = it;
    return true;
}

static hnsw_item heap_pop(hnsw_heap *h, bool max)
{
    hnsw_item top = h->a[0], last = h->a[--h->n];
    if (h->n) /* the last item takes the root's place and sinks */
        heap_replace_top(h, last, max);
    return top;
}

static const float *row(const rvf_hnsw *h, uint32_t slot)
{
    return h->src.get ? h->src.get(h->src.ctx, slot) : h->src.base + (size_t)slot * h->src.stride;
}

/* A query prepared for the walk: for cosine, its inverse norm, so each distance is one dot
 * product (the graph keeps 1/|row| per slot). */
typedef struct hnsw_query {
    const float *v;
    float inv;
} hnsw_query;

static float inv_norm(const rvf_hnsw *h, const float *v)
{
    float n2 = -h->dist(RVF_METRIC_IP, v, v, h->dim);
    return n2 > 0 ? 1.0f / __builtin_sqrtf(n2) : __builtin_inff();
}

static hnsw_query prep(const rvf_hnsw *h, const float *v)
{
    return (hnsw_query){v, h->inv_norm ? inv_norm(h, v) : 0};
}

/* Cosine from a dot product and the two inverse norms; §8.1's rule (a norm product below
 * FLT_EPSILON gives 1.0) becomes an inverse product above 1 / FLT_EPSILON (or inf / NaN). */
static float cosine_from(float neg_dot, float inv_a, float inv_b)
{
    float s = inv_a * inv_b;
    return s <= 8388608.0f ? 1.0f + neg_dot * s : 1.0f;
}

static float qdist(const rvf_hnsw *h, const hnsw_query *q, uint32_t slot)
{
    const float *r = row(h, slot);
    if (h->inv_norm)
        return cosine_from(h->dist(RVF_METRIC_IP, q->v, r, h->dim), q->inv, h->inv_norm[slot]);
    return h->dist(h->metric, q->v, r, h->dim);
}

static float slot_dist(const rvf_hnsw *h, uint32_t a, uint32_t b)
{
    hnsw_query q = {row(h, a), h->inv_norm ? h->inv_norm[a] : 0};
    return qdist(h, &q, b);
}

static uint32_t layer_cap(const rvf_hnsw *h, uint32_t layer)
{
    return layer ? h->p.m : h->p.m0;
}

static uint32_t *links_at(const rvf_hnsw *h, uint32_t slot, uint32_t layer)
{
    if (!layer)
        return h->links0 + (size_t)slot * (1 + h->p.m0);
    return h->upper[slot] + (size_t)(layer - 1) * (1 + h->p.m);
}

/* Links read from a file may name absent slots or nodes below the layer; the walk skips them. */
static bool on_layer(const rvf_hnsw *h, uint32_t slot, uint32_t layer)
{
    return slot < h->slot_limit && h->level[slot] >= (int32_t)layer;
}

static uint64_t rng_next(rvf_hnsw *h)
{
    uint64_t x = h->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    h->rng = x;
    return x;
}

/* floor(-ln(u) / ln(M)) without libm: it is the largest l with u <= M^-l. */
static uint32_t draw_level(rvf_hnsw *h)
{
    double u = (double)((rng_next(h) >> 11) + 1) * (1.0 / 9007199254740992.0);
    double p = 1.0 / h->p.m;
    uint32_t l = 0;
    while (u <= p && l < RVF_HNSW_MAX_LEVEL) {
        l++;
        p /= h->p.m;
    }
    return l;
}

rvf_status rvf_hnsw_create(uint32_t dim, rvf_metric metric, const rvf_hnsw_params *params,
                           const rvf_hnsw_source *src, rvf_hnsw **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (metric == RVF_METRIC_HAMMING)
        return RVF_ERR_METRIC_UNSUPPORTED;
    if (dim == 0 || !src || (!src->get && (!src->base || src->stride < dim)) ||
        (metric != RVF_METRIC_L2 && metric != RVF_METRIC_IP && metric != RVF_METRIC_COSINE))
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_hnsw_params p = params ? *params : (rvf_hnsw_params){0};
    if (!p.m)
        p.m = 16;
    if (!p.m0)
        p.m0 = p.m <= RVF_HNSW_MAX_M / 2 ? 2 * p.m : RVF_HNSW_MAX_M;
    if (!p.ef_construction)
        p.ef_construction = 200;
    if (p.m < 2 || p.m > RVF_HNSW_MAX_M || p.m0 < p.m || p.m0 > RVF_HNSW_MAX_M)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_hnsw *h = rvf_calloc(1, sizeof *h);
    if (!h)
        return RVF_ERR_OUT_OF_MEMORY;
    h->dim = dim;
    h->metric = metric;
    h->p = p;
    h->src = *src;
    h->dist = rvfk_ops_best()->dist_f32;
    /* splitmix64 of the seed: neighbouring seeds (1, 2, 99) start far apart, and the state is
     * never xorshift's all-zero fixed point */
    uint64_t z = p.seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    h->rng = z ? z : 0x9E3779B97F4A7C15ull;
    h->max_level = -1;
    h->s.todo = rvf_malloc((size_t)p.m0 * sizeof *h->s.todo);
    if (!h->s.todo) {
        rvf_free(h);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    *out = h;
    return RVF_OK;
}

rvf_status rvf_hnsw_set_source(rvf_hnsw *h, const rvf_hnsw_source *src)
{
    if (!h || !src || (!src->get && (!src->base || src->stride < h->dim)))
        return RVF_ERR_INVALID_ARGUMENT;
    h->src = *src;
    return RVF_OK;
}

void rvf_hnsw_free(rvf_hnsw *h)
{
    if (!h)
        return;
    for (uint32_t i = 0; i < h->slot_limit; i++)
        rvf_free(h->upper[i]);
    rvf_free(h->links0);
    rvf_free(h->upper);
    rvf_free(h->level);
    rvf_free(h->inv_norm);
    rvf_free(h->dirty);
    rvf_free(h->codes);
    rvf_free(h->sq_min);
    scratch_free(&h->s);
    rvf_free(h);
}

static rvf_status reserve_slot(rvf_hnsw *h, uint32_t slot)
{
    if (slot == UINT32_MAX)
        return RVF_ERR_INVALID_ARGUMENT;
    if (slot < h->nodes_cap)
        return RVF_OK;
    size_t cap = h->nodes_cap ? h->nodes_cap : 64, row = 1 + (size_t)h->p.m0;
    while (cap <= slot)
        cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
    if (cap > SIZE_MAX / (row * sizeof(uint32_t)))
        return RVF_ERR_OUT_OF_MEMORY;
    /* each array is committed as soon as it grows, so a failure part-way leaves them usable */
    uint32_t *l0 = rvf_realloc(h->links0, cap * row * sizeof *l0);
    if (!l0)
        return RVF_ERR_OUT_OF_MEMORY;
    h->links0 = l0;
    uint32_t **up = rvf_realloc(h->upper, cap * sizeof *up);
    if (!up)
        return RVF_ERR_OUT_OF_MEMORY;
    h->upper = up;
    int8_t *lv = rvf_realloc(h->level, cap);
    if (!lv)
        return RVF_ERR_OUT_OF_MEMORY;
    h->level = lv;
    for (size_t i = h->nodes_cap; i < cap; i++)
        lv[i] = -1;
    uint8_t *dy = rvf_realloc(h->dirty, cap);
    if (!dy)
        return RVF_ERR_OUT_OF_MEMORY;
    h->dirty = dy;
    if (h->codes) {
        uint8_t *c = rvf_realloc(h->codes, cap * h->dim);
        if (!c)
            return RVF_ERR_OUT_OF_MEMORY;
        h->codes = c;
    }
    if (h->metric == RVF_METRIC_COSINE) {
        float *nv = rvf_realloc(h->inv_norm, cap * sizeof *nv);
        if (!nv)
            return RVF_ERR_OUT_OF_MEMORY;
        h->inv_norm = nv;
    }
    for (size_t i = h->nodes_cap; i < cap; i++) {
        up[i] = NULL;
        dy[i] = 0;
    }
    h->nodes_cap = (uint32_t)cap;
    return RVF_OK;
}

static rvf_status new_node(rvf_hnsw *h, uint32_t slot, uint32_t level)
{
    rvf_status st = reserve_slot(h, slot);
    if (st != RVF_OK)
        return st;
    if (h->level[slot] >= 0)
        return RVF_ERR_ALREADY_EXISTS;
    if (level) {
        h->upper[slot] = rvf_calloc((size_t)level * (1 + h->p.m), sizeof(uint32_t));
        if (!h->upper[slot])
            return RVF_ERR_OUT_OF_MEMORY;
    }
    h->links0[(size_t)slot * (1 + h->p.m0)] = 0;
    h->level[slot] = (int8_t)level;
    if (h->inv_norm)
        h->inv_norm[slot] = inv_norm(h, row(h, slot));
    if (h->codes)
        rvfk_sq8_encode(row(h, slot), h->sq_min, h->sq_max, h->dim,
                        h->codes + (size_t)slot * h->dim);
    if (slot >= h->slot_limit)
        h->slot_limit = slot + 1;
    h->count++;
    h->dirty[slot] = 1;
    return RVF_OK;
}

/* Start a walk: a fresh epoch, the visit array sized to the slots in use. A threaded build sizes
 * every worker's array before it starts, so workers never reallocate it. */
static rvf_status visit_begin(const rvf_hnsw *h, hnsw_scratch *s)
{
    if (s->visit_cap < h->slot_limit) {
        uint32_t *v = rvf_realloc(s->visit, (size_t)h->nodes_cap * sizeof *v);
        if (!v)
            return RVF_ERR_OUT_OF_MEMORY;
        memset(v, 0, (size_t)h->nodes_cap * sizeof *v);
        s->visit = v;
        s->visit_cap = h->nodes_cap;
        s->epoch = 0;
    }
    if (++s->epoch == 0) {
        memset(s->visit, 0, (size_t)s->visit_cap * sizeof *s->visit);
        s->epoch = 1;
    }
    return RVF_OK;
}

/* `slot`'s list at `layer`, [count][ids]. Threaded, other inserts rewrite lists while we walk:
 * the list is copied under its node's lock into s->nbr (valid until the next call). */
static const uint32_t *list_read(const rvf_hnsw *h, hnsw_scratch *s, uint32_t slot, uint32_t layer)
{
    const uint32_t *l = links_at(h, slot, layer);
    if (!s->sync)
        return l;
    node_lock(s, slot);
    memcpy(s->nbr, l, (1 + (size_t)l[0]) * sizeof *l);
    node_unlock(s, slot);
    return s->nbr;
}

/* Greedy walk to the closest node of one layer (unfiltered: upper layers only route). */
static hnsw_item greedy(const rvf_hnsw *h, hnsw_scratch *s, const hnsw_query *q, hnsw_item cur,
                        uint32_t layer)
{
    for (bool moved = true; moved;) {
        moved = false;
        const uint32_t *l = list_read(h, s, cur.id, layer);
        for (uint32_t i = 0; i < l[0]; i++) {
            uint32_t n = l[1 + i];
            if (!on_layer(h, n, layer))
                continue;
            hnsw_item c = {qdist(h, q, n), n};
            if (item_less(c, cur)) {
                cur = c;
                moved = true;
            }
        }
    }
    return cur;
}

/* WebAssembly has no prefetch instruction (clang drops __builtin_prefetch there), so the wasm
 * builds touch the line with a real load instead: its result is unused, but the engine still
 * issues it, and the misses of a whole neighbour list overlap before the distances need them. */
#if defined(__wasm__)
#define RVF_PREFETCH(p) ((void)*(const volatile char *)(p))
#else
#define RVF_PREFETCH(p) __builtin_prefetch(p)
#endif

static void prefetch_row(const rvf_hnsw *h, uint32_t slot)
{
    const char *p = (const char *)row(h, slot);
    size_t bytes = (size_t)h->dim * sizeof(float);
    /* The walk is bound by memory latency: requesting every line of every neighbour's row
     * before the first distance runs measured 1.4x the QPS of no prefetch on GloVe-100 (rows of
     * 400 B). Long rows are capped at 1 KiB; the stream prefetcher follows the rest. */
    for (size_t off = 0; off < bytes && off < 1024; off += 64)
        RVF_PREFETCH(p + off);
}

/* Beam search of one layer (§8.3) from eps[0..n_ep). Leaves at most ef eligible nodes in s->res
 * (max-heap). Ineligible nodes join the worklist so the walk stays connected, never the result.
 * Each expansion first collects the unvisited neighbours and prefetches their rows, so the
 * distance computations overlap the memory latency. */
static float sq_dist(const rvf_hnsw *h, const hnsw_query *q, uint32_t slot)
{
    return h->dist_sq8(h->metric, q->v, h->codes + (size_t)slot * h->dim, h->sq_min, h->sq_max,
                       h->dim);
}

static void prefetch_code(const rvf_hnsw *h, uint32_t slot)
{
    const char *p = (const char *)(h->codes + (size_t)slot * h->dim);
    for (size_t off = 0; off < h->dim && off < 1024; off += 64)
        RVF_PREFETCH(p + off);
}

static rvf_status search_layer(const rvf_hnsw *h, hnsw_scratch *s, const hnsw_query *q,
                               const hnsw_item *eps, size_t n_ep, uint32_t ef, uint32_t layer,
                               rvf_hnsw_filter_fn filter, void *fctx, uint32_t max_fail, bool sq)
{
    uint32_t fails = 0;
    rvf_status st = visit_begin(h, s);
    if (st != RVF_OK)
        return st;
    uint32_t *todo = s->todo, epoch = s->epoch, *visit = s->visit;
    s->cand.n = s->res.n = 0;
    for (size_t i = 0; i < n_ep; i++) {
        hnsw_item e = eps[i];
        if (visit[e.id] == epoch || e.d != e.d)
            continue;
        visit[e.id] = epoch;
        if (!heap_push(s, &s->cand, e, false))
            return RVF_ERR_OUT_OF_MEMORY;
        if ((!filter || filter(fctx, e.id)) && !heap_push(s, &s->res, e, true))
            return RVF_ERR_OUT_OF_MEMORY;
        if (s->res.n > ef)
            heap_pop(&s->res, true);
    }
    while (s->cand.n) {
        hnsw_item c = heap_pop(&s->cand, false);
        if (s->res.n >= ef && item_less(s->res.a[0], c))
            break;
        if (max_fail && filter) { /* §8.4 intra-filter: give up after a long run of misses */
            if (filter(fctx, c.id))
                fails = 0;
            else if (++fails >= max_fail && s->res.n)
                break;
        }
        const uint32_t *l = list_read(h, s, c.id, layer);
        uint32_t n_todo = 0;
        for (uint32_t i = 0; i < l[0]; i++) {
            uint32_t n = l[1 + i];
            if (!on_layer(h, n, layer) || visit[n] == epoch)
                continue;
            visit[n] = epoch;
            todo[n_todo++] = n;
            if (sq)
                prefetch_code(h, n);
            else
                prefetch_row(h, n);
        }
        for (uint32_t i = 0; i < n_todo; i++) {
            uint32_t n = todo[i];
            hnsw_item e = {sq ? sq_dist(h, q, n) : qdist(h, q, n), n};
            if (e.d != e.d || (s->res.n >= ef && !item_less(e, s->res.a[0])))
                continue;
            if (!heap_push(s, &s->cand, e, false))
                return RVF_ERR_OUT_OF_MEMORY;
            if (filter && !filter(fctx, n))
                continue;
            if (s->res.n >= ef) /* full: e beats the worst (checked above) and replaces it */
                heap_replace_top(&s->res, e, true);
            else if (!heap_push(s, &s->res, e, true))
                return RVF_ERR_OUT_OF_MEMORY;
        }
    }
    return RVF_OK;
}

/* s->res drained into s->tmp, ascending (popping the max-heap fills it from the back). Returns
 * the count, or SIZE_MAX when out of memory. */
static size_t res_sorted(hnsw_scratch *s)
{
    size_t n = s->res.n;
    if (!scratch_grow(s, (void **)&s->tmp, &s->tmp_cap, n, sizeof *s->tmp))
        return SIZE_MAX;
    for (size_t i = n; i > 0; i--)
        s->tmp[i - 1] = heap_pop(&s->res, true);
    return n;
}

/* The paper's heuristic: walking c[] in ascending distance to the base, keep a candidate only if
 * it is closer to the base than to every neighbour already kept. Spreads links across
 * directions, which keeps clustered data connected. Writes kept ids to out; returns the count. */
static uint32_t select_neighbors(const rvf_hnsw *h, const hnsw_item *c, size_t n, uint32_t base,
                                 uint32_t max, uint32_t *out)
{
    uint32_t kept = 0;
    for (size_t i = 0; i < n && kept < max; i++) {
        if (c[i].id == base)
            continue;
        hnsw_query v = {row(h, c[i].id), h->inv_norm ? h->inv_norm[c[i].id] : 0};
        bool good = true;
        for (uint32_t j = 0; j < kept && good; j++)
            good = !(qdist(h, &v, out[j]) < c[i].d);
        if (good)
            out[kept++] = c[i].id;
    }
    return kept;
}

/* Add the edge node -> to at `layer`, pruning node's list with the heuristic when full. The
 * caller holds node's lock (if any). */
static rvf_status link_locked(rvf_hnsw *h, hnsw_scratch *s, uint32_t node, uint32_t to,
                              uint32_t layer)
{
    uint32_t *l = links_at(h, node, layer), cap = layer_cap(h, layer);
    for (uint32_t i = 0; i < l[0]; i++)
        if (l[1 + i] == to)
            return RVF_OK;
    if (l[0] < cap) {
        l[1 + l[0]++] = to;
        h->dirty[node] = 1;
        return RVF_OK;
    }
    if (!scratch_grow(s, (void **)&s->tmp, &s->tmp_cap, (size_t)cap + 1, sizeof *s->tmp))
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < l[0]; i++)
        s->tmp[i] = (hnsw_item){slot_dist(h, node, l[1 + i]), l[1 + i]};
    s->tmp[cap] = (hnsw_item){slot_dist(h, node, to), to};
    qsort(s->tmp, (size_t)cap + 1, sizeof *s->tmp, item_cmp);
    l[0] = select_neighbors(h, s->tmp, (size_t)cap + 1, node, cap, l + 1);
    h->dirty[node] = 1;
    return RVF_OK;
}

static rvf_status link_to(rvf_hnsw *h, hnsw_scratch *s, uint32_t node, uint32_t to, uint32_t layer)
{
    node_lock(s, node);
    rvf_status st = link_locked(h, s, node, to, layer);
    node_unlock(s, node);
    return st;
}

/* Threaded: give the new node `slot` its chosen neighbours at `layer`. Usually its list is still
 * empty; but a concurrent insert that reached it through an upper layer (where it is already
 * linked) may have linked to it here first, so those links are merged, not overwritten. */
static rvf_status set_own_links(rvf_hnsw *h, hnsw_scratch *s, uint32_t slot, uint32_t layer,
                                const uint32_t *sel, uint32_t n)
{
    rvf_status st = RVF_OK;
    node_lock(s, slot);
    uint32_t *l = links_at(h, slot, layer);
    if (l[0] == 0) {
        memcpy(l + 1, sel, (size_t)n * sizeof *sel);
        l[0] = n;
    } else {
        for (uint32_t i = 0; i < n && st == RVF_OK; i++)
            st = link_locked(h, s, slot, sel[i], layer);
    }
    h->dirty[slot] = 1;
    node_unlock(s, slot);
    return st;
}

/* Link the new node `slot` (present at `level`, no links of its own yet) into the graph, walking
 * down from `entry` on layer `top_level`. Single-threaded (s->sync NULL) this is the classic
 * insert, and deterministic; threaded, lists are read and written under their node's lock, and
 * the entry point is the caller's business. */
static rvf_status insert_links(rvf_hnsw *h, hnsw_scratch *s, uint32_t slot, uint32_t level,
                               uint32_t entry, int32_t top_level)
{
    hnsw_query q = {row(h, slot), h->inv_norm ? h->inv_norm[slot] : 0};
    hnsw_item cur = {qdist(h, &q, entry), entry};
    for (int32_t lc = top_level; lc > (int32_t)level; lc--)
        cur = greedy(h, s, &q, cur, (uint32_t)lc);
    if (!scratch_grow(s, (void **)&s->ep, &s->ep_cap, 1, sizeof *s->ep))
        return RVF_ERR_OUT_OF_MEMORY;
    s->ep[0] = cur;
    size_t n_ep = 1;
    int32_t top = top_level < (int32_t)level ? top_level : (int32_t)level;
    for (int32_t lc = top; lc >= 0; lc--) {
        rvf_status st = search_layer(h, s, &q, s->ep, n_ep, h->p.ef_construction, (uint32_t)lc,
                                     NULL, NULL, 0, false);
        size_t n = st == RVF_OK ? res_sorted(s) : SIZE_MAX;
        if (n == SIZE_MAX || !scratch_grow(s, (void **)&s->ep, &s->ep_cap, n, sizeof *s->ep))
            return RVF_ERR_OUT_OF_MEMORY;
        memcpy(s->ep, s->tmp, n * sizeof *s->ep);
        n_ep = n;
        /* the new node gets M links on every layer; layer 0 keeps M0 - M slack for back-links */
        const uint32_t *sel;
        uint32_t n_sel;
        if (!s->sync) {
            uint32_t *l = links_at(h, slot, (uint32_t)lc);
            l[0] = select_neighbors(h, s->ep, n_ep, slot, h->p.m, l + 1);
            sel = l + 1;
            n_sel = l[0];
        } else {
            n_sel = select_neighbors(h, s->ep, n_ep, slot, h->p.m, s->sel);
            sel = s->sel;
            if ((st = set_own_links(h, s, slot, (uint32_t)lc, sel, n_sel)) != RVF_OK)
                return st;
        }
        for (uint32_t i = 0; i < n_sel; i++)
            if ((st = link_to(h, s, sel[i], slot, (uint32_t)lc)) != RVF_OK)
                return st;
    }
    return RVF_OK;
}

rvf_status rvf_hnsw_add(rvf_hnsw *h, uint32_t slot)
{
    if (!h)
        return RVF_ERR_INVALID_ARGUMENT;
    if (slot < h->slot_limit && h->level[slot] >= 0)
        return RVF_ERR_ALREADY_EXISTS;
    uint32_t level = draw_level(h);
    rvf_status st = new_node(h, slot, level);
    if (st != RVF_OK)
        return st;
    if (h->max_level < 0) {
        h->entry = slot;
        h->max_level = (int32_t)level;
        return RVF_OK;
    }
    if ((st = insert_links(h, &h->s, slot, level, h->entry, h->max_level)) != RVF_OK)
        return st;
    if ((int32_t)level > h->max_level) {
        h->entry = slot;
        h->max_level = (int32_t)level;
    }
    return RVF_OK;
}

/* ---- rvf_hnsw_add_range ---------------------------------------------------------------------- */
#define HNSW_PROGRESS_EVERY 1024u

static rvf_status add_range_serial(rvf_hnsw *h, uint32_t first, uint32_t count,
                                   rvf_hnsw_progress_fn progress, void *progress_ctx)
{
    for (uint32_t i = 0; i < count; i++) {
        rvf_status st = rvf_hnsw_add(h, first + i);
        if (st != RVF_OK)
            return st;
        if (progress && (i + 1) % HNSW_PROGRESS_EVERY == 0 && i + 1 < count)
            progress(progress_ctx, i + 1, count);
    }
    if (progress)
        progress(progress_ctx, count, count);
    return RVF_OK;
}

#if RVF_HNSW_THREADS
/* hnswlib's parallel build: levels are drawn up front in slot order (the RNG advances exactly as
 * count rvf_hnsw_add calls would), every node's storage is created before the workers start (so
 * no array moves under them), and workers take the next index from a shared counter. A node is
 * present but has no links until its insert links it, and nothing links to it before its own
 * lists are written (save the merge case in set_own_links), so walks need no "ready" flag. */
typedef struct hnsw_job {
    rvf_hnsw *h;
    hnsw_sync *sync;
    const uint8_t *levels; /* count levels, slot order */
    uint32_t first, count;
    _Atomic uint64_t next, done;
    _Atomic rvf_status status; /* the first failure */
} hnsw_job;

typedef struct hnsw_worker {
    hnsw_job *job;
    hnsw_scratch s;
} hnsw_worker;

/* One insert. A node that raises the top level holds the global lock for its whole insert, so
 * the entry point moves to a node that is already linked and the raise is never lost. */
static rvf_status insert_threaded(rvf_hnsw *h, hnsw_scratch *s, uint32_t slot, uint32_t level)
{
    pthread_mutex_lock(&s->sync->global);
    uint32_t entry = h->entry;
    int32_t top = h->max_level;
    bool raise = (int32_t)level > top;
    if (!raise)
        pthread_mutex_unlock(&s->sync->global);
    rvf_status st = insert_links(h, s, slot, level, entry, top);
    if (raise) {
        if (st == RVF_OK) {
            h->entry = slot;
            h->max_level = (int32_t)level;
        }
        pthread_mutex_unlock(&s->sync->global);
    }
    return st;
}

/* Insert until the range is done or an insert failed. Only the calling thread reports progress
 * (the callback need not be thread-safe), at each multiple of HNSW_PROGRESS_EVERY it observes. */
static void job_run(hnsw_worker *w, rvf_hnsw_progress_fn progress, void *progress_ctx)
{
    hnsw_job *j = w->job;
    uint64_t next_report = HNSW_PROGRESS_EVERY;
    while (atomic_load(&j->status) == RVF_OK) {
        uint64_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->count)
            break;
        rvf_status st = insert_threaded(j->h, &w->s, j->first + (uint32_t)i, j->levels[i]);
        if (st != RVF_OK) {
            rvf_status ok = RVF_OK;
            atomic_compare_exchange_strong(&j->status, &ok, st);
            break;
        }
        uint64_t done = atomic_fetch_add(&j->done, 1) + 1;
        if (progress && done >= next_report && done < j->count) {
            progress(progress_ctx, done, j->count);
            next_report = (done / HNSW_PROGRESS_EVERY + 1) * HNSW_PROGRESS_EVERY;
        }
    }
}

static void *worker_main(void *arg)
{
    job_run(arg, NULL, NULL);
    return NULL;
}

/* A worker's scratch, sized so that walks never reallocate the visit array. */
static bool scratch_init(const rvf_hnsw *h, hnsw_scratch *s, hnsw_sync *sync)
{
    *s = (hnsw_scratch){0};
    s->todo = rvf_malloc((size_t)h->p.m0 * sizeof *s->todo);
    s->nbr = rvf_malloc((1 + (size_t)h->p.m0) * sizeof *s->nbr);
    s->sel = rvf_malloc((size_t)h->p.m * sizeof *s->sel);
    s->visit = rvf_calloc(h->nodes_cap, sizeof *s->visit);
    s->visit_cap = h->nodes_cap;
    s->sync = sync;
    if (s->todo && s->nbr && s->sel && s->visit)
        return true;
    scratch_free(s);
    return false;
}

static hnsw_sync *sync_create(void)
{
    hnsw_sync *y = rvf_malloc(sizeof *y);
    if (!y)
        return NULL;
    pthread_mutex_init(&y->global, NULL);
    pthread_mutex_init(&y->alloc, NULL);
    for (uint32_t i = 0; i < HNSW_STRIPES; i++)
        pthread_mutex_init(&y->stripe[i], NULL);
    return y;
}

static void sync_free(hnsw_sync *y)
{
    pthread_mutex_destroy(&y->global);
    pthread_mutex_destroy(&y->alloc);
    for (uint32_t i = 0; i < HNSW_STRIPES; i++)
        pthread_mutex_destroy(&y->stripe[i]);
    rvf_free(y);
}

/* Create the nodes first..first+count-1 with their levels, unlinked. All or nothing: on failure
 * the nodes made so far are removed and the RNG and slot limit restored. */
static rvf_status create_nodes(rvf_hnsw *h, uint32_t first, uint32_t count, uint8_t *levels)
{
    uint64_t rng0 = h->rng;
    uint32_t limit0 = h->slot_limit;
    for (uint32_t i = 0; i < count; i++)
        levels[i] = (uint8_t)draw_level(h);
    rvf_status st = reserve_slot(h, first + (count - 1));
    uint32_t made = 0;
    for (; st == RVF_OK && made < count; made++)
        if ((st = new_node(h, first + made, levels[made])) != RVF_OK)
            break;
    if (st == RVF_OK)
        return RVF_OK;
    for (uint32_t i = 0; i < made; i++) {
        rvf_free(h->upper[first + i]);
        h->upper[first + i] = NULL;
        h->level[first + i] = -1;
        h->count--;
    }
    h->slot_limit = limit0;
    h->rng = rng0;
    return st;
}

static rvf_status add_range_threaded(rvf_hnsw *h, uint32_t first, uint32_t count, uint32_t threads,
                                     rvf_hnsw_progress_fn progress, void *progress_ctx)
{
    if (threads > RVF_HNSW_MAX_THREADS)
        threads = RVF_HNSW_MAX_THREADS;
    if (threads > count)
        threads = count;
    uint8_t *levels = rvf_malloc(count);
    hnsw_worker *w = rvf_calloc(threads, sizeof *w);
    hnsw_sync *sync = sync_create();
    rvf_status st = levels && w && sync ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    /* capacity first: the scratches' visit arrays are sized to it */
    if (st == RVF_OK)
        st = reserve_slot(h, first + (count - 1));
    hnsw_job job = {.h = h, .sync = sync, .levels = levels, .first = first, .count = count};
    uint32_t n_workers = 0;
    for (; st == RVF_OK && n_workers < threads; n_workers++) {
        w[n_workers].job = &job;
        if (!scratch_init(h, &w[n_workers].s, sync))
            break; /* fewer workers; none at all is out of memory */
    }
    if (st == RVF_OK && n_workers == 0)
        st = RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK)
        st = create_nodes(h, first, count, levels);
    if (st == RVF_OK) {
        atomic_init(&job.next, 0);
        atomic_init(&job.done, 0);
        atomic_init(&job.status, RVF_OK);
        if (h->max_level < 0) { /* an empty graph: the first node is the entry, nothing to link */
            h->entry = first;
            h->max_level = levels[0];
            atomic_store(&job.next, 1);
            atomic_store(&job.done, 1);
        }
        pthread_t tid[RVF_HNSW_MAX_THREADS];
        uint32_t started = 1;
        for (; started < n_workers; started++)
            if (pthread_create(&tid[started], NULL, worker_main, &w[started]) != 0)
                break; /* the threads already started (at least this one) finish the range */
        job_run(&w[0], progress, progress_ctx);
        for (uint32_t i = 1; i < started; i++)
            pthread_join(tid[i], NULL);
        st = atomic_load(&job.status);
    }
    for (uint32_t i = 0; i < n_workers; i++)
        scratch_free(&w[i].s);
    rvf_free(w);
    rvf_free(levels);
    if (sync)
        sync_free(sync);
    if (st == RVF_OK && progress)
        progress(progress_ctx, count, count);
    return st;
}
#endif

rvf_status rvf_hnsw_add_range(rvf_hnsw *h, uint32_t first, uint32_t count, uint32_t threads,
                              rvf_hnsw_progress_fn progress, void *progress_ctx)
{
    if (!h || (count && (first == UINT32_MAX || count - 1 > UINT32_MAX - 1 - first)))
        return RVF_ERR_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < count && first + i < h->slot_limit; i++)
        if (h->level[first + i] >= 0)
            return RVF_ERR_ALREADY_EXISTS;
#if RVF_HNSW_THREADS
    if (threads >= 2 && count >= 2)
        return add_range_threaded(h, first, count, threads, progress, progress_ctx);
#else
    (void)threads;
#endif
    return add_range_serial(h, first, count, progress, progress_ctx);
}

rvf_status rvf_hnsw_search(rvf_hnsw *h, const float *query, uint32_t k, uint32_t ef,
                           rvf_hnsw_filter_fn filter, void *filter_ctx, uint32_t *out_slots,
                           float *out_dists, uint32_t *n_out)
{
    return rvf_hnsw_search_ex(h, query, k, ef, filter, filter_ctx, 0, out_slots, out_dists, n_out);
}

rvf_status rvf_hnsw_search_ex(rvf_hnsw *h, const float *query, uint32_t k, uint32_t ef,
                              rvf_hnsw_filter_fn filter, void *filter_ctx, uint32_t max_fail,
                              uint32_t *out_slots, float *out_dists, uint32_t *n_out)
{
    if (!h || !n_out || (!query && k))
        return RVF_ERR_INVALID_ARGUMENT;
    *n_out = 0;
    if (k == 0 || h->max_level < 0)
        return RVF_OK;
    hnsw_query q = prep(h, query);
    hnsw_item cur = {qdist(h, &q, h->entry), h->entry};
    hnsw_scratch *s = &h->s;
    for (int32_t lc = h->max_level; lc > 0; lc--)
        cur = greedy(h, s, &q, cur, (uint32_t)lc);
    bool sq = h->codes != NULL;
    if (sq) /* the entry's distance on the same scale as the walk's */
        cur.d = sq_dist(h, &q, cur.id);
    rvf_status st =
        search_layer(h, s, &q, &cur, 1, ef > k ? ef : k, 0, filter, filter_ctx, max_fail, sq);
    if (st != RVF_OK)
        return st;
    size_t n = res_sorted(s);
    if (n == SIZE_MAX)
        return RVF_ERR_OUT_OF_MEMORY;
    if (h->inv_norm || sq) { /* codes too: the final beam is re-ranked on the f32 rows */
        /* the walk ranked by dot products; report §8.1's cosine exactly and re-sort */
        for (size_t i = 0; i < n; i++)
            s->tmp[i].d = h->dist(h->metric, query, row(h, s->tmp[i].id), h->dim);
        qsort(s->tmp, n, sizeof *s->tmp, item_cmp);
    }
    if (n > k)
        n = k;
    for (size_t i = 0; i < n; i++) {
        if (out_slots)
            out_slots[i] = s->tmp[i].id;
        if (out_dists)
            out_dists[i] = s->tmp[i].d;
    }
    *n_out = (uint32_t)n;
    return RVF_OK;
}

uint32_t rvf_hnsw_dim(const rvf_hnsw *h)
{
    return h->dim;
}

rvf_metric rvf_hnsw_metric(const rvf_hnsw *h)
{
    return h->metric;
}

rvf_hnsw_params rvf_hnsw_get_params(const rvf_hnsw *h)
{
    return h->p;
}

uint32_t rvf_hnsw_count(const rvf_hnsw *h)
{
    return h->count;
}

uint32_t rvf_hnsw_slot_limit(const rvf_hnsw *h)
{
    return h->slot_limit;
}

bool rvf_hnsw_entry(const rvf_hnsw *h, uint32_t *slot, uint32_t *level)
{
    if (h->max_level < 0)
        return false;
    if (slot)
        *slot = h->entry;
    if (level)
        *level = (uint32_t)h->max_level;
    return true;
}

int32_t rvf_hnsw_level(const rvf_hnsw *h, uint32_t slot)
{
    return slot < h->slot_limit ? h->level[slot] : -1;
}

const uint32_t *rvf_hnsw_neighbors(const rvf_hnsw *h, uint32_t slot, uint32_t layer,
                                   uint32_t *count)
{
    *count = 0;
    if (slot >= h->slot_limit || h->level[slot] < 0 || layer > (uint32_t)h->level[slot])
        return NULL;
    const uint32_t *l = links_at(h, slot, layer);
    *count = l[0];
    return l + 1;
}

rvf_status rvf_hnsw_put_node(rvf_hnsw *h, uint32_t slot, uint32_t level,
                             const uint32_t *const *lists, const uint32_t *counts)
{
    if (!h || level > RVF_HNSW_MAX_LEVEL || !lists || !counts || slot == UINT32_MAX)
        return RVF_ERR_INVALID_ARGUMENT;
    if (slot < h->slot_limit && h->level[slot] >= 0)
        return RVF_ERR_ALREADY_EXISTS;
    for (uint32_t l = 0; l <= level; l++) {
        if (counts[l] > layer_cap(h, l) || (counts[l] && !lists[l]))
            return RVF_ERR_INVALID_ARGUMENT;
        for (uint32_t i = 0; i < counts[l]; i++)
            if (lists[l][i] == slot || lists[l][i] == UINT32_MAX)
                return RVF_ERR_INVALID_ARGUMENT;
    }
    rvf_status st = new_node(h, slot, level);
    if (st != RVF_OK)
        return st;
    for (uint32_t l = 0; l <= level; l++) {
        uint32_t *dst = links_at(h, slot, l);
        dst[0] = counts[l];
        if (counts[l])
            memcpy(dst + 1, lists[l], (size_t)counts[l] * sizeof *dst);
    }
    return RVF_OK;
}

rvf_status rvf_hnsw_set_entry(rvf_hnsw *h, uint32_t slot)
{
    if (!h)
        return RVF_ERR_INVALID_ARGUMENT;
    if (slot >= h->slot_limit || h->level[slot] < 0)
        return RVF_ERR_NOT_FOUND;
    h->entry = slot;
    h->max_level = rvf_hnsw_level(h, slot); /* slot < slot_limit: the level itself */
    return RVF_OK;
}

rvf_status rvf_hnsw_set_node(rvf_hnsw *h, uint32_t slot, uint32_t level,
                             const uint32_t *const *lists, const uint32_t *counts)
{
    if (!h || slot >= h->slot_limit || h->level[slot] < 0)
        return rvf_hnsw_put_node(h, slot, level, lists, counts);
    if (level != (uint32_t)h->level[slot] || !lists || !counts)
        return RVF_ERR_INVALID_ARGUMENT;
    for (uint32_t l = 0; l <= level; l++) {
        if (counts[l] > layer_cap(h, l) || (counts[l] && !lists[l]))
            return RVF_ERR_INVALID_ARGUMENT;
        for (uint32_t i = 0; i < counts[l]; i++)
            if (lists[l][i] == slot || lists[l][i] == UINT32_MAX)
                return RVF_ERR_INVALID_ARGUMENT;
    }
    for (uint32_t l = 0; l <= level; l++) {
        uint32_t *dst = links_at(h, slot, l);
        dst[0] = counts[l];
        if (counts[l])
            memcpy(dst + 1, lists[l], (size_t)counts[l] * sizeof *dst);
    }
    h->dirty[slot] = 1;
    return RVF_OK;
}

bool rvf_hnsw_is_dirty(const rvf_hnsw *h, uint32_t slot)
{
    return slot < h->slot_limit && h->level[slot] >= 0 && h->dirty[slot];
}

void rvf_hnsw_clear_dirty(rvf_hnsw *h)
{
    if (h->slot_limit)
        memset(h->dirty, 0, h->slot_limit);
}

rvf_status rvf_hnsw_remap(const rvf_hnsw *h, const uint32_t *map, uint32_t n_map,
                          const rvf_hnsw_source *src, rvf_hnsw **out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!h || (!map && n_map))
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_hnsw *g = NULL;
    rvf_status st = rvf_hnsw_create(h->dim, h->metric, &h->p, src, &g);
    if (st != RVF_OK)
        return st;
    g->rng = h->rng;
    uint32_t *orphans = rvf_malloc(((size_t)h->slot_limit + 1) * sizeof *orphans);
    uint32_t norphans = 0, best = UINT32_MAX;
    int32_t best_level = -1;
    if (!orphans)
        st = RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t j = 0; st == RVF_OK && j < h->slot_limit && j < n_map; j++) {
        if (h->level[j] < 0 || map[j] == UINT32_MAX)
            continue;
        uint32_t level = (uint32_t)h->level[j];
        if ((st = new_node(g, map[j], level)) != RVF_OK)
            break;
        for (uint32_t l = 0; l <= level; l++) {
            const uint32_t *src_l = links_at(h, j, l);
            uint32_t *dst = links_at(g, map[j], l), kept = 0;
            for (uint32_t i = 0; i < src_l[0]; i++) {
                uint32_t n = src_l[1 + i];
                if (n < n_map && map[n] != UINT32_MAX && on_layer(h, n, l))
                    dst[1 + kept++] = map[n];
            }
            dst[0] = kept;
        }
        /* a node that lost every bottom link would be unreachable: it is re-inserted below */
        if (links_at(g, map[j], 0)[0] == 0 && h->slot_limit > 1)
            orphans[norphans++] = map[j];
        if ((int32_t)level > best_level || (level == (uint32_t)best_level && map[j] < best)) {
            best_level = (int32_t)level;
            best = map[j];
        }
    }
    if (st == RVF_OK && best != UINT32_MAX) {
        uint32_t e = h->max_level >= 0 && h->entry < n_map ? map[h->entry] : UINT32_MAX;
        g->entry = e != UINT32_MAX ? e : best;
        g->max_level = rvf_hnsw_level(g, g->entry);
        if (g->max_level < best_level) { /* the old entry was not on the top layer any more */
            g->entry = best;
            g->max_level = best_level;
        }
    }
    /* orphans: unlink and insert again, so the graph gives them fresh neighbours */
    for (uint32_t i = 0; st == RVF_OK && i < norphans; i++) {
        uint32_t o = orphans[i];
        if (o == g->entry)
            continue;
        /* links to o from other nodes stay valid: o is present again after the add */
        rvf_free(g->upper[o]);
        g->upper[o] = NULL;
        g->level[o] = -1;
        g->count--;
        st = rvf_hnsw_add(g, o);
    }
    rvf_free(orphans);
    if (st != RVF_OK) {
        rvf_hnsw_free(g);
        return st;
    }
    *out = g;
    return RVF_OK;
}

rvf_status rvf_hnsw_enable_sq8(rvf_hnsw *h)
{
    if (!h)
        return RVF_ERR_INVALID_ARGUMENT;
    if (h->codes)
        return RVF_OK;
    float *mm = rvf_malloc(2 * (size_t)h->dim * sizeof *mm);
    uint8_t *codes = rvf_malloc((size_t)(h->nodes_cap ? h->nodes_cap : 1) * h->dim);
    if (!mm || !codes) {
        rvf_free(mm);
        rvf_free(codes);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    float *mn = mm, *mx = mm + h->dim;
    bool any = false;
    for (uint32_t j = 0; j < h->slot_limit; j++) {
        if (h->level[j] < 0)
            continue;
        const float *r = row(h, j);
        for (uint32_t d = 0; d < h->dim; d++) {
            if (!any || r[d] < mn[d])
                mn[d] = r[d];
            if (!any || r[d] > mx[d])
                mx[d] = r[d];
        }
        any = true;
    }
    for (uint32_t d = 0; d < h->dim; d++) {
        if (!any) {
            mn[d] = -1.0f;
            mx[d] = 1.0f;
        }
        if (!(mx[d] - mn[d] >= 1.1920929e-7f)) /* §5.5: a flat dimension gets a unit range */
            mx[d] = mn[d] + 1.0f;
    }
    for (uint32_t j = 0; j < h->slot_limit; j++)
        if (h->level[j] >= 0)
            rvfk_sq8_encode(row(h, j), mn, mx, h->dim, codes + (size_t)j * h->dim);
    h->sq_min = mn;
    h->sq_max = mx;
    h->codes = codes;
    h->dist_sq8 = rvfk_ops_best()->dist_f32_sq8;
    return RVF_OK;
}

bool rvf_hnsw_sq8(const rvf_hnsw *h)
{
    return h->codes != NULL;
}
