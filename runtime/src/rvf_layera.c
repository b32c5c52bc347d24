/* rvf_layera.c: Layer A (§5.3) builder, codec and query (layout and rules in rvf_layera.h). */
#include "rvf_layera.h"

#include <stdlib.h>
#include <string.h>

#include "rvf_kmeans.h"

enum {
    OFF_TYPE = 0x00,
    OFF_LEVEL = 0x01,
    OFF_M = 0x02,
    OFF_EF = 0x04,
    OFF_COUNT = 0x08,
    OFF_BASE = 0x10,
    OFF_METRIC = 0x18,
    CENT_HDR = 64,
    NODE_FIXED = 10, /* node_id u64 + neighbor_count u16 */
    DTYPE_F32 = 0x00,
    DTYPE_F16 = 0x01
};

/* Layers are stored top-down: index li holds HNSW layer max_layer - li. */
struct rvf_layera {
    uint32_t dim;
    rvf_metric metric;
    uint16_t m;
    uint32_t ef;
    uint32_t max_layer, layer_count;
    uint32_t n_entries;
    uint32_t *ep_node, *ep_layer;
    uint32_t *lay_off; /* layer_count + 1 offsets into nodes */
    uint32_t *nodes;   /* each layer's node ids, ascending */
    uint32_t *nb_off;  /* total nodes + 1 offsets into nb */
    uint32_t *nb;      /* neighbour ids, ascending per node */
    uint32_t k;
    uint8_t cdtype;
    float *cent; /* k * dim */
    uint32_t n_parts;
    rvf_layera_part *parts;
    uint32_t *cp_off, *cp_ix; /* centroid -> its partition indices (CSR, k + 1 offsets) */
};

void rvf_layera_free(rvf_layera *a)
{
    if (!a)
        return;
    rvf_free(a->ep_node);
    rvf_free(a->ep_layer);
    rvf_free(a->lay_off);
    rvf_free(a->nodes);
    rvf_free(a->nb_off);
    rvf_free(a->nb);
    rvf_free(a->cent);
    rvf_free(a->parts);
    rvf_free(a->cp_off);
    rvf_free(a->cp_ix);
    rvf_free(a);
}

static uint32_t min_layer_of(const rvf_layera *a)
{
    return a->layer_count ? a->max_layer + 1 - a->layer_count : 0;
}

static uint32_t top_nodes_of(const rvf_layera *a)
{
    return a->layer_count ? a->lay_off[a->layer_count] - a->lay_off[a->layer_count - 1] : 0;
}

void rvf_layera_get_info(const rvf_layera *a, rvf_layera_info *info)
{
    if (!a || !info)
        return;
    *info = (rvf_layera_info){.dim = a->dim,
                              .metric = a->metric,
                              .m = a->m,
                              .ef_construction = a->ef,
                              .max_layer = a->max_layer,
                              .min_layer = min_layer_of(a),
                              .layer_count = a->layer_count,
                              .top_nodes = top_nodes_of(a),
                              .entry_count = a->n_entries,
                              .centroid_count = a->k,
                              .partition_count = a->n_parts,
                              .centroid_dtype = a->cdtype};
}

rvf_layera_part *rvf_layera_partitions(rvf_layera *a, uint32_t *n)
{
    if (n)
        *n = a ? a->n_parts : 0;
    return a ? a->parts : NULL;
}

const float *rvf_layera_centroids(const rvf_layera *a)
{
    return a ? a->cent : NULL;
}

/* The centroid -> partitions index. */
static rvf_status index_parts(rvf_layera *a)
{
    a->cp_off = rvf_calloc((size_t)a->k + 2, sizeof *a->cp_off);
    a->cp_ix = rvf_malloc(((size_t)a->n_parts + 1) * sizeof *a->cp_ix);
    if (!a->cp_off || !a->cp_ix)
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < a->n_parts; i++)
        a->cp_off[a->parts[i].centroid + 2]++;
    for (uint32_t c = 0; c < a->k; c++)
        a->cp_off[c + 2] += a->cp_off[c + 1];
    for (uint32_t i = 0; i < a->n_parts; i++)
        a->cp_ix[a->cp_off[a->parts[i].centroid + 1]++] = i;
    return RVF_OK;
}

/* ---- training and ordering ---------------------------------------------------------------- */

uint32_t rvf_layera_default_k(uint32_t n)
{
    uint64_t r = 0;
    while ((r + 1) * (r + 1) <= n)
        r++;
    /* round to nearest: sqrt(n) >= r + 0.5 iff n >= r^2 + r + 0.25, i.e. n > r^2 + r */
    if ((uint64_t)n > r * r + r)
        r++;
    return n && !r ? 1 : (uint32_t)r;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

rvf_status rvf_layera_train(const rvf_hnsw_source *rows, uint32_t n, uint32_t dim, uint32_t k,
                            uint64_t seed, float *centroids, uint32_t *assign)
{
    if (!rows || (!rows->get && !rows->base) || !centroids || !assign || dim == 0 || n == 0)
        return RVF_ERR_INVALID_ARGUMENT;
    if (!rows->get && rows->stride < dim)
        return RVF_ERR_INVALID_ARGUMENT;
    if (k == 0)
        k = rvf_layera_default_k(n);
    if (k > n)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_kmeans_params kp = {.seed = seed};
    if (!rows->get)
        return rvf_kmeans(rows->base, n, dim, rows->stride, k, &kp, centroids, assign, NULL);
    /* A callback source: sample the training rows (Algorithm S), train, then assign every row. */
    uint64_t want64 = (uint64_t)k * RVF_KMEANS_DEFAULT_PER_CLUST;
    uint32_t want = want64 < 1024 ? 1024 : want64 > n ? n : (uint32_t)want64;
    if (want > n)
        want = n;
    float *buf = rvf_malloc((size_t)want * dim * sizeof *buf);
    if (!buf)
        return RVF_ERR_OUT_OF_MEMORY;
    uint64_t rs = seed ^ 0x4C41594552414ull; /* "LAYERA": apart from the k-means stream */
    uint32_t taken = 0;
    rvf_status st;
    for (uint32_t i = 0; i < n && taken < want; i++) {
        uint64_t left = (uint64_t)n - i, need = (uint64_t)want - taken;
        if (splitmix64(&rs) % left >= need)
            continue;
        const float *r = rows->get(rows->ctx, i);
        if (r) { /* a hole (no row) is simply not sampled */
            memcpy(buf + (size_t)taken * dim, r, (size_t)dim * sizeof *buf);
            taken++;
        }
    }
    kp.max_train = UINT32_MAX;
    st = taken < k ? RVF_ERR_INVALID_ARGUMENT
                   : rvf_kmeans(buf, taken, dim, dim, k, &kp, centroids, NULL, NULL);
    rvf_free(buf);
    for (uint32_t s = 0; s < n && st == RVF_OK; s++) {
        const float *r = rows->get(rows->ctx, s);
        assign[s] = r ? rvf_kmeans_nearest(r, centroids, k, dim, NULL) : RVF_LAYERA_NO_PART;
    }
    return st;
}

rvf_status rvf_layera_order(const uint32_t *assign, uint32_t n, uint32_t k, uint32_t *perm)
{
    if ((!assign || !perm) && n)
        return RVF_ERR_INVALID_ARGUMENT;
    /* group k collects the holes (RVF_LAYERA_NO_PART), after every centroid */
    uint32_t *cnt = k < UINT32_MAX ? rvf_calloc((size_t)k + 2, sizeof *cnt) : NULL;
    if (!cnt)
        return k < UINT32_MAX ? RVF_ERR_OUT_OF_MEMORY : RVF_ERR_INVALID_ARGUMENT;
    for (uint32_t s = 0; s < n; s++) {
        if (assign[s] >= k && assign[s] != RVF_LAYERA_NO_PART) {
            rvf_free(cnt);
            return RVF_ERR_INVALID_ARGUMENT;
        }
        cnt[(assign[s] < k ? assign[s] : k) + 1]++;
    }
    for (uint32_t c = 0; c <= k; c++)
        cnt[c + 1] += cnt[c];
    for (uint32_t s = 0; s < n; s++)
        perm[cnt[assign[s] < k ? assign[s] : k]++] = s;
    rvf_free(cnt);
    return RVF_OK;
}

/* ---- building ------------------------------------------------------------------------------- */

/* The §5.3 rule: layers >= ceil(ln N / ln M) - 2, clamped as rvf_layera.h says. */
static uint32_t auto_min_layer(uint32_t n, uint32_t m, uint32_t top)
{
    uint32_t e = 0;
    for (uint64_t p = 1; p < n; p *= m)
        e++;
    uint32_t l = e > 2 ? e - 2 : 0;
    if (top == 0)
        return 0;
    if (l < 1)
        l = 1;
    return l > top ? top : l;
}

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* Sorted, distinct links of `slot` at `layer` to nodes on that layer (no self link). */
static uint32_t clean_links(const rvf_hnsw *h, uint32_t slot, uint32_t layer, uint32_t *out)
{
    uint32_t c = 0, n = 0;
    const uint32_t *nb = rvf_hnsw_neighbors(h, slot, layer, &c);
    for (uint32_t j = 0; j < c && n < RVF_LAYERA_MAX_NEIGHBORS; j++)
        if (nb[j] != slot && rvf_hnsw_level(h, nb[j]) >= (int32_t)layer)
            out[n++] = nb[j];
    qsort(out, n, sizeof *out, cmp_u32);
    uint32_t u = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!u || out[i] != out[u - 1])
            out[u++] = out[i];
    return u;
}

static rvf_status build_layers(rvf_layera *a, const rvf_hnsw *h, uint32_t lo, uint32_t top)
{
    uint32_t limit = rvf_hnsw_slot_limit(h), cap = rvf_hnsw_get_params(h).m0;
    a->max_layer = top;
    a->layer_count = top - lo + 1;
    /* Upper bounds first (raw link counts), then each layer's nodes ascending. */
    uint64_t total = 0, links = 0;
    for (uint32_t s = 0; s < limit; s++) {
        int32_t lv = rvf_hnsw_level(h, s);
        for (int32_t l = (int32_t)lo; l <= lv; l++) {
            uint32_t c = 0;
            rvf_hnsw_neighbors(h, s, (uint32_t)l, &c);
            total++;
            links += c;
        }
    }
    a->lay_off = rvf_malloc(((size_t)a->layer_count + 1) * sizeof *a->lay_off);
    a->nodes = rvf_malloc(((size_t)total + 1) * sizeof *a->nodes);
    a->nb_off = rvf_malloc(((size_t)total + 1) * sizeof *a->nb_off);
    a->nb = rvf_malloc(((size_t)links + 1) * sizeof *a->nb);
    uint32_t *tmp =
        rvf_malloc(((size_t)(cap > RVF_LAYERA_MAX_NEIGHBORS ? cap : RVF_LAYERA_MAX_NEIGHBORS) + 1) *
                   sizeof *tmp);
    if (!a->lay_off || !a->nodes || !a->nb_off || !a->nb || !tmp) {
        rvf_free(tmp);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    uint32_t ni = 0, ki = 0;
    a->nb_off[0] = 0;
    for (uint32_t li = 0; li < a->layer_count; li++) {
        uint32_t layer = top - li;
        a->lay_off[li] = ni;
        for (uint32_t s = 0; s < limit; s++) {
            if (rvf_hnsw_level(h, s) < (int32_t)layer)
                continue;
            uint32_t c = clean_links(h, s, layer, tmp);
            memcpy(a->nb + ki, tmp, (size_t)c * sizeof *tmp);
            ki += c;
            a->nodes[ni++] = s;
            a->nb_off[ni] = ki;
        }
    }
    a->lay_off[a->layer_count] = ni;
    rvf_free(tmp);
    return RVF_OK;
}

/* ---- partition runs, capped ------------------------------------------------------------------ */

typedef struct run_heap {
    uint64_t *v; /* (length << 32) | run index: the shortest, then the lowest index, first */
    size_t n;
} run_heap;

static void rh_push(run_heap *h, uint64_t x)
{
    size_t i = h->n++;
    h->v[i] = x;
    while (i > 0 && h->v[(i - 1) / 2] > h->v[i]) {
        uint64_t t = h->v[i];
        h->v[i] = h->v[(i - 1) / 2];
        h->v[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static uint64_t rh_pop(run_heap *h)
{
    uint64_t top = h->v[0];
    h->v[0] = h->v[--h->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->v[l] < h->v[m])
            m = l;
        if (r < h->n && h->v[r] < h->v[m])
            m = r;
        if (m == i)
            break;
        uint64_t t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
    return top;
}

/* Runs of equal assignment over slots 0..n-1, merged down to at most cap (see the header). */
static rvf_status build_parts(rvf_layera *a, const uint32_t *assign, uint32_t n, uint32_t cap,
                              rvf_layera_stats *stats)
{
    uint32_t r = 0;
    for (uint32_t s = 0; s < n; s++)
        r += s == 0 || assign[s] != assign[s - 1];
    stats->runs = r;
    uint32_t *start = rvf_malloc(((size_t)r + 1) * sizeof *start);
    uint32_t *len = rvf_malloc(((size_t)r + 1) * sizeof *len);
    uint32_t *lab = rvf_malloc(((size_t)r + 1) * sizeof *lab);
    uint32_t *prev = rvf_malloc(((size_t)r + 1) * sizeof *prev);
    uint32_t *next = rvf_malloc(((size_t)r + 1) * sizeof *next);
    run_heap heap = {r > cap ? rvf_malloc(2 * ((size_t)r + 1) * sizeof *heap.v) : NULL, 0};
    rvf_status st = start && len && lab && prev && next && (r <= cap || heap.v)
                        ? RVF_OK
                        : RVF_ERR_OUT_OF_MEMORY;
    const uint32_t NONE = UINT32_MAX;
    uint32_t alive = r;
    if (st == RVF_OK) {
        uint32_t i = 0;
        for (uint32_t s = 0; s < n; s++) {
            if (s == 0 || assign[s] != assign[s - 1]) {
                start[i] = s;
                len[i] = 0;
                lab[i] = assign[s];
                prev[i] = i ? i - 1 : NONE;
                next[i] = i + 1 < r ? i + 1 : NONE;
                i++;
            }
            len[i - 1]++;
        }
        for (uint32_t j = 0; j < r && r > cap; j++)
            rh_push(&heap, ((uint64_t)len[j] << 32) | j);
    }
    /* Absorb run j into run into (adjacent); into keeps its label. */
#define ABSORB(j, into)                                                                            \
    do {                                                                                           \
        if (start[j] < start[into])                                                                \
            start[into] = start[j];                                                                \
        len[into] += len[j];                                                                       \
        len[j] = 0;                                                                                \
        if (prev[j] != NONE)                                                                       \
            next[prev[j]] = next[j];                                                               \
        if (next[j] != NONE)                                                                       \
            prev[next[j]] = prev[j];                                                               \
        alive--;                                                                                   \
    } while (0)
    while (st == RVF_OK && alive > cap && heap.n) {
        uint64_t x = rh_pop(&heap);
        uint32_t i = (uint32_t)x;
        if (len[i] == 0 || len[i] != (uint32_t)(x >> 32))
            continue; /* merged away or grown since pushed */
        uint32_t p = prev[i], q = next[i], j;
        if (p == NONE && q == NONE)
            break;
        j = p == NONE ? q : q == NONE ? p : len[p] <= len[q] ? p : q;
        if (lab[j] == RVF_LAYERA_NO_PART) /* a hole never hides real slots: scanning it is free */
            lab[j] = lab[i];
        ABSORB(i, j);
        while (prev[j] != NONE && lab[prev[j]] == lab[j]) {
            uint32_t pp = prev[j];
            ABSORB(pp, j);
        }
        while (next[j] != NONE && lab[next[j]] == lab[j]) {
            uint32_t nn = next[j];
            ABSORB(nn, j);
        }
        rh_push(&heap, ((uint64_t)len[j] << 32) | j);
    }
#undef ABSORB
    if (st == RVF_OK) {
        a->parts = rvf_malloc(((size_t)alive + 1) * sizeof *a->parts);
        if (!a->parts)
            st = RVF_ERR_OUT_OF_MEMORY;
    }
    if (st == RVF_OK) {
        uint32_t head = 0, np = 0;
        while (head < r && len[head] == 0)
            head++;
        uint64_t moved = 0;
        for (uint32_t i = r ? head : NONE; i != NONE; i = next[i]) {
            if (lab[i] != RVF_LAYERA_NO_PART)
                a->parts[np++] =
                    (rvf_layera_part){lab[i], start[i], (uint64_t)start[i] + len[i], 0, 0};
            for (uint32_t s = start[i]; s < start[i] + len[i]; s++)
                moved += assign[s] != lab[i] && assign[s] != RVF_LAYERA_NO_PART;
        }
        a->n_parts = np;
        stats->partitions = np;
        stats->moved = moved;
    }
    rvf_free(start);
    rvf_free(len);
    rvf_free(lab);
    rvf_free(prev);
    rvf_free(next);
    rvf_free(heap.v);
    return st;
}

rvf_status rvf_layera_build(const rvf_hnsw *h, const rvf_hnsw_source *rows, uint32_t n,
                            const rvf_layera_params *params, rvf_layera **out,
                            rvf_layera_stats *stats)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    const rvf_layera_params def = {0};
    const rvf_layera_params *P = params ? params : &def;
    uint32_t top = 0, ep = 0;
    if (!h || !rows || (!rows->get && !rows->base) || n == 0 || rvf_hnsw_slot_limit(h) > n ||
        !rvf_hnsw_entry(h, &ep, &top) || (!P->centroids != !P->assign))
        return RVF_ERR_INVALID_ARGUMENT;
    const uint32_t dim = rvf_hnsw_dim(h);
    if (!rows->get && rows->stride < dim)
        return RVF_ERR_INVALID_ARGUMENT;
    uint32_t k = P->k ? P->k : rvf_layera_default_k(n);
    if (k > n)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_layera_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);

    rvf_layera *a = rvf_calloc(1, sizeof *a);
    uint32_t *assign = rvf_malloc((size_t)n * sizeof *assign);
    if (a)
        a->cent = rvf_malloc((size_t)k * dim * sizeof *a->cent);
    rvf_status st = a && assign && a->cent ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK) {
        rvf_hnsw_params hp = rvf_hnsw_get_params(h);
        a->dim = dim;
        a->metric = rvf_hnsw_metric(h);
        a->m = (uint16_t)hp.m;
        a->ef = hp.ef_construction;
        a->k = k;
        if (P->centroids) {
            memcpy(a->cent, P->centroids, (size_t)k * dim * sizeof *a->cent);
            memcpy(assign, P->assign, (size_t)n * sizeof *assign);
            for (uint32_t s = 0; s < n && st == RVF_OK; s++)
                st = assign[s] < k || assign[s] == RVF_LAYERA_NO_PART ? RVF_OK
                                                                      : RVF_ERR_INVALID_ARGUMENT;
            for (size_t i = 0; i < (size_t)k * dim && st == RVF_OK; i++)
                st = a->cent[i] - a->cent[i] == 0.0f ? RVF_OK : RVF_ERR_INVALID_ARGUMENT;
        } else {
            st = rvf_layera_train(rows, n, dim, k, P->seed, a->cent, assign);
        }
    }
    if (st == RVF_OK) {
        /* f16 storage: round now so the built and the decoded Layer A are the same numbers. */
        bool f16 = !P->centroids_f32;
        for (size_t i = 0; i < (size_t)k * dim && f16; i++) {
            float r = rvfk_f16_to_f32(rvfk_f32_to_f16(a->cent[i]));
            f16 = r - r == 0.0f;
        }
        a->cdtype = f16 ? DTYPE_F16 : DTYPE_F32;
        for (size_t i = 0; i < (size_t)k * dim && f16; i++)
            a->cent[i] = rvfk_f16_to_f32(rvfk_f32_to_f16(a->cent[i]));
        uint32_t hm = rvf_hnsw_get_params(h).m;
        uint32_t lo = P->explicit_min_layer ? (P->min_layer > top ? top : P->min_layer)
                                            : auto_min_layer(rvf_hnsw_count(h), hm, top);
        st = build_layers(a, h, lo, top);
        stats->k = k;
        stats->min_layer = lo;
        stats->max_layer = top;
    }
    if (st == RVF_OK) {
        stats->top_nodes = top_nodes_of(a);
        a->n_entries = 1;
        a->ep_node = rvf_malloc(sizeof *a->ep_node);
        a->ep_layer = rvf_malloc(sizeof *a->ep_layer);
        if (!a->ep_node || !a->ep_layer)
            st = RVF_ERR_OUT_OF_MEMORY;
        else {
            a->ep_node[0] = ep;
            a->ep_layer[0] = top;
        }
    }
    if (st == RVF_OK) {
        uint64_t cap = P->max_partitions ? P->max_partitions : 4 * (uint64_t)k;
        if (cap < 64 && !P->max_partitions)
            cap = 64;
        st = build_parts(a, assign, n, cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap, stats);
    }
    if (st == RVF_OK)
        st = index_parts(a);
    rvf_free(assign);
    if (st != RVF_OK) {
        rvf_layera_free(a);
        return st;
    }
    *out = a;
    return RVF_OK;
}

/* ---- codec ------------------------------------------------------------------------------------
 */

static void layout_of(const rvf_layera *a, rvf_layera_layout *L)
{
    uint64_t l1 = 4;
    for (uint32_t li = 0; li < a->layer_count; li++) {
        l1 += 4;
        for (uint32_t i = a->lay_off[li]; i < a->lay_off[li + 1]; i++)
            l1 += NODE_FIXED + 8 * (uint64_t)(a->nb_off[i + 1] - a->nb_off[i]);
    }
    uint64_t es = a->cdtype == DTYPE_F16 ? 2 : 4;
    uint64_t len[4] = {8 + RVF_LAYERA_ENTRY_POINT * (uint64_t)a->n_entries, l1,
                       CENT_HDR + (uint64_t)a->k * a->dim * es,
                       4 + RVF_LAYERA_PART_ENTRY * (uint64_t)a->n_parts};
    uint64_t off = RVF_LAYERA_FIRST_BLOCK;
    for (int b = 0; b < 4; b++) {
        /* saturate: the caller rejects anything at or past 4 GiB */
        L->off[b] = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
        L->len[b] = len[b] > UINT32_MAX ? UINT32_MAX : (uint32_t)len[b];
        off = (off + len[b] + 63) & ~(uint64_t)63;
    }
    L->entry_count = a->n_entries;
    L->top_nodes = top_nodes_of(a);
    L->centroid_count = a->k;
    L->partition_count = a->n_parts;
}

static uint64_t layout_end(const rvf_layera_layout *L)
{
    return ((uint64_t)L->off[3] + L->len[3] + 63) & ~(uint64_t)63;
}

rvf_status rvf_layera_encode(rvf_buf *out, const rvf_layera *a, rvf_layera_layout *layout)
{
    if (!out || !a)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_layera_layout L;
    layout_of(a, &L);
    uint64_t total = layout_end(&L);
    if (total > UINT32_MAX || L.off[3] == UINT32_MAX || L.len[1] == UINT32_MAX ||
        L.len[2] == UINT32_MAX)
        return RVF_ERR_SEGMENT_TOO_LARGE;
    const size_t start = out->len;
    uint8_t *p = rvf_buf_append(out, (size_t)total);
    if (!p) {
        out->len = start;
        return RVF_ERR_OUT_OF_MEMORY;
    }
    p[OFF_TYPE] = 0;
    p[OFF_LEVEL] = 0;
    rvfk_st_u16(p + OFF_M, a->m);
    rvfk_st_u32(p + OFF_EF, a->ef);
    rvfk_st_u64(p + OFF_COUNT, L.top_nodes);
    rvfk_st_u64(p + OFF_BASE, 0);
    p[OFF_METRIC] = (uint8_t)a->metric;
    for (int b = 0; b < 4; b++) {
        rvfk_st_u32(p + RVF_LAYERA_TABLE + (size_t)8 * b, L.off[b]);
        rvfk_st_u32(p + RVF_LAYERA_TABLE + (size_t)8 * b + 4, L.len[b]);
    }
    uint8_t *q = p + L.off[0];
    rvfk_st_u32(q, a->n_entries);
    rvfk_st_u32(q + 4, a->max_layer);
    for (uint32_t i = 0; i < a->n_entries; i++) {
        rvfk_st_u64(q + 8 + RVF_LAYERA_ENTRY_POINT * (size_t)i, a->ep_node[i]);
        rvfk_st_u32(q + 16 + RVF_LAYERA_ENTRY_POINT * (size_t)i, a->ep_layer[i]);
    }
    q = p + L.off[1];
    rvfk_st_u32(q, a->layer_count);
    q += 4;
    for (uint32_t li = 0; li < a->layer_count; li++) {
        rvfk_st_u32(q, a->lay_off[li + 1] - a->lay_off[li]);
        q += 4;
        for (uint32_t i = a->lay_off[li]; i < a->lay_off[li + 1]; i++) {
            uint32_t c = a->nb_off[i + 1] - a->nb_off[i];
            rvfk_st_u64(q, a->nodes[i]);
            rvfk_st_u16(q + 8, (uint16_t)c);
            q += NODE_FIXED;
            for (uint32_t j = 0; j < c; j++, q += 8)
                rvfk_st_u64(q, a->nb[a->nb_off[i] + j]);
        }
    }
    q = p + L.off[2];
    rvfk_st_u32(q, a->k);
    rvfk_st_u16(q + 4, (uint16_t)a->dim);
    q[6] = a->cdtype;
    q += CENT_HDR;
    for (size_t i = 0; i < (size_t)a->k * a->dim; i++) {
        if (a->cdtype == DTYPE_F16) {
            rvfk_st_u16(q, rvfk_f32_to_f16(a->cent[i]));
            q += 2;
        } else {
            rvfk_st_f32(q, a->cent[i]);
            q += 4;
        }
    }
    q = p + L.off[3];
    rvfk_st_u32(q, a->n_parts);
    q += 4;
    for (uint32_t i = 0; i < a->n_parts; i++, q += RVF_LAYERA_PART_ENTRY) {
        const rvf_layera_part *e = &a->parts[i];
        rvfk_st_u32(q, e->centroid);
        rvfk_st_u64(q + 4, e->start);
        rvfk_st_u64(q + 12, e->end);
        rvfk_st_u64(q + 20, e->segment_ref);
        rvfk_st_u32(q + 28, e->block_ref);
    }
    if (layout)
        *layout = L;
    return RVF_OK;
}

/* Binary search of id in the ascending list v[0..n). */
static bool has_id(const uint32_t *v, uint32_t n, uint32_t id)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid] == id)
            return true;
        if (v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool node_ok(uint64_t id, uint64_t slot_limit)
{
    return id < UINT32_MAX && (!slot_limit || id < slot_limit);
}

/* Block 1: first a structural walk (counts, bounds, sortedness), then fill, then the
 * cross-references (neighbours on the layer, layers nested). */
static rvf_status decode_layers(const uint8_t *b, size_t blen, uint64_t slot_limit, rvf_layera *a)
{
    if (blen < 4)
        return RVF_ERR_INVALID_MANIFEST;
    uint32_t lc = rvfk_ld_u32(b);
    if (lc > a->max_layer + 1 || (lc == 0) != (a->n_entries == 0))
        return RVF_ERR_INVALID_MANIFEST;
    size_t pos = 4;
    uint64_t total = 0, links = 0;
    for (uint32_t li = 0; li < lc; li++) {
        if (blen - pos < 4)
            return RVF_ERR_INVALID_MANIFEST;
        uint32_t nn = rvfk_ld_u32(b + pos);
        pos += 4;
        uint64_t prev = 0;
        for (uint32_t i = 0; i < nn; i++) {
            if (blen - pos < NODE_FIXED)
                return RVF_ERR_INVALID_MANIFEST;
            uint64_t id = rvfk_ld_u64(b + pos);
            uint32_t c = rvfk_ld_u16(b + pos + 8);
            pos += NODE_FIXED;
            if (!node_ok(id, slot_limit) || (i && id <= prev) || c > RVF_LAYERA_MAX_NEIGHBORS ||
                c >= nn || (blen - pos) / 8 < c)
                return RVF_ERR_INVALID_MANIFEST;
            uint64_t pn = 0;
            for (uint32_t j = 0; j < c; j++, pos += 8) {
                uint64_t v = rvfk_ld_u64(b + pos);
                if (!node_ok(v, slot_limit) || v == id || (j && v <= pn))
                    return RVF_ERR_INVALID_MANIFEST;
                pn = v;
            }
            prev = id;
            links += c;
        }
        total += nn;
    }
    if (pos != blen)
        return RVF_ERR_INVALID_MANIFEST;
    a->layer_count = lc;
    a->lay_off = rvf_malloc(((size_t)lc + 1) * sizeof *a->lay_off);
    a->nodes = rvf_malloc(((size_t)total + 1) * sizeof *a->nodes);
    a->nb_off = rvf_malloc(((size_t)total + 1) * sizeof *a->nb_off);
    a->nb = rvf_malloc(((size_t)links + 1) * sizeof *a->nb);
    if (!a->lay_off || !a->nodes || !a->nb_off || !a->nb)
        return RVF_ERR_OUT_OF_MEMORY;
    pos = 4;
    uint32_t ni = 0, ki = 0;
    a->nb_off[0] = 0;
    for (uint32_t li = 0; li < lc; li++) {
        uint32_t nn = rvfk_ld_u32(b + pos);
        pos += 4;
        a->lay_off[li] = ni;
        for (uint32_t i = 0; i < nn; i++) {
            a->nodes[ni] = (uint32_t)rvfk_ld_u64(b + pos);
            uint32_t c = rvfk_ld_u16(b + pos + 8);
            pos += NODE_FIXED;
            for (uint32_t j = 0; j < c; j++, pos += 8)
                a->nb[ki++] = (uint32_t)rvfk_ld_u64(b + pos);
            a->nb_off[++ni] = ki;
        }
    }
    a->lay_off[lc] = ni;
    for (uint32_t li = 0; li < lc; li++) {
        const uint32_t *ln = a->nodes + a->lay_off[li];
        uint32_t nn = a->lay_off[li + 1] - a->lay_off[li];
        for (uint32_t i = a->lay_off[li]; i < a->lay_off[li + 1]; i++) {
            for (uint32_t j = a->nb_off[i]; j < a->nb_off[i + 1]; j++)
                if (!has_id(ln, nn, a->nb[j]))
                    return RVF_ERR_INVALID_MANIFEST;
            if (li + 1 < lc && !has_id(a->nodes + a->lay_off[li + 1],
                                       a->lay_off[li + 2] - a->lay_off[li + 1], a->nodes[i]))
                return RVF_ERR_INVALID_MANIFEST;
        }
    }
    return RVF_OK;
}

static rvf_status decode_blocks(const uint8_t *p, const uint32_t *off, const uint32_t *blen,
                                uint32_t expect_dim, uint64_t slot_limit, rvf_layera *a)
{
    /* block 0: entry points */
    const uint8_t *b = p + off[0];
    if (blen[0] < 8)
        return RVF_ERR_INVALID_MANIFEST;
    a->n_entries = rvfk_ld_u32(b);
    a->max_layer = rvfk_ld_u32(b + 4);
    if (a->max_layer > RVF_HNSW_MAX_LEVEL ||
        (blen[0] - 8) / RVF_LAYERA_ENTRY_POINT != a->n_entries ||
        (blen[0] - 8) % RVF_LAYERA_ENTRY_POINT)
        return RVF_ERR_INVALID_MANIFEST;
    a->ep_node = rvf_malloc(((size_t)a->n_entries + 1) * sizeof *a->ep_node);
    a->ep_layer = rvf_malloc(((size_t)a->n_entries + 1) * sizeof *a->ep_layer);
    if (!a->ep_node || !a->ep_layer)
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < a->n_entries; i++) {
        uint64_t id = rvfk_ld_u64(b + 8 + RVF_LAYERA_ENTRY_POINT * (size_t)i);
        uint32_t layer = rvfk_ld_u32(b + 16 + RVF_LAYERA_ENTRY_POINT * (size_t)i);
        if (!node_ok(id, slot_limit) || layer > a->max_layer)
            return RVF_ERR_INVALID_MANIFEST;
        a->ep_node[i] = (uint32_t)id;
        a->ep_layer[i] = layer;
    }
    /* block 1: top layers */
    rvf_status st = decode_layers(p + off[1], blen[1], slot_limit, a);
    if (st != RVF_OK)
        return st;
    for (uint32_t i = 0; i < a->n_entries; i++) {
        uint32_t li = a->max_layer - a->ep_layer[i];
        if (li >= a->layer_count ||
            !has_id(a->nodes + a->lay_off[li], a->lay_off[li + 1] - a->lay_off[li], a->ep_node[i]))
            return RVF_ERR_INVALID_MANIFEST;
    }
    if (rvfk_ld_u64(p + OFF_COUNT) != top_nodes_of(a))
        return RVF_ERR_INVALID_MANIFEST;
    /* block 2: centroids */
    b = p + off[2];
    if (blen[2] < CENT_HDR)
        return RVF_ERR_INVALID_MANIFEST;
    a->k = rvfk_ld_u32(b);
    a->dim = rvfk_ld_u16(b + 4);
    a->cdtype = b[6];
    if (a->cdtype > DTYPE_F16 || a->dim == 0)
        return RVF_ERR_INVALID_MANIFEST;
    const uint64_t es = a->cdtype == DTYPE_F16 ? 2 : 4;
    if ((uint64_t)blen[2] - CENT_HDR != (uint64_t)a->k * a->dim * es)
        return RVF_ERR_INVALID_MANIFEST;
    if (expect_dim && a->dim != expect_dim)
        return RVF_ERR_DIMENSION_MISMATCH;
    a->cent = rvf_malloc((size_t)a->k * a->dim * sizeof *a->cent + 1);
    if (!a->cent)
        return RVF_ERR_OUT_OF_MEMORY;
    b += CENT_HDR;
    for (size_t i = 0; i < (size_t)a->k * a->dim; i++) {
        float v = es == 2 ? rvfk_f16_to_f32(rvfk_ld_u16(b + 2 * i)) : rvfk_ld_f32(b + 4 * i);
        if (v - v != 0.0f)
            return RVF_ERR_INVALID_MANIFEST;
        a->cent[i] = v;
    }
    /* block 3: partition map */
    b = p + off[3];
    if (blen[3] < 4)
        return RVF_ERR_INVALID_MANIFEST;
    a->n_parts = rvfk_ld_u32(b);
    if ((blen[3] - 4) / RVF_LAYERA_PART_ENTRY != a->n_parts ||
        (blen[3] - 4) % RVF_LAYERA_PART_ENTRY)
        return RVF_ERR_INVALID_MANIFEST;
    a->parts = rvf_malloc(((size_t)a->n_parts + 1) * sizeof *a->parts);
    if (!a->parts)
        return RVF_ERR_OUT_OF_MEMORY;
    uint64_t prev_end = 0;
    for (uint32_t i = 0; i < a->n_parts; i++) {
        const uint8_t *e = b + 4 + RVF_LAYERA_PART_ENTRY * (size_t)i;
        rvf_layera_part t = {rvfk_ld_u32(e), rvfk_ld_u64(e + 4), rvfk_ld_u64(e + 12),
                             rvfk_ld_u64(e + 20), rvfk_ld_u32(e + 28)};
        if (t.centroid >= a->k || t.start >= t.end || t.start < prev_end || t.end > UINT32_MAX ||
            (slot_limit && t.end > slot_limit))
            return RVF_ERR_INVALID_MANIFEST;
        prev_end = t.end;
        a->parts[i] = t;
    }
    return index_parts(a);
}

rvf_status rvf_layera_decode(const uint8_t *p, size_t len, uint32_t expect_dim, uint64_t slot_limit,
                             rvf_layera **out, rvf_layera_layout *layout)
{
    if (!out || (!p && len))
        return RVF_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (len < RVF_LAYERA_FIRST_BLOCK)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint32_t m = rvfk_ld_u16(p + OFF_M);
    if (p[OFF_TYPE] != 0 || p[OFF_LEVEL] != 0 || m < 2 || m > RVF_HNSW_MAX_M ||
        rvfk_ld_u64(p + OFF_BASE) != 0 || p[OFF_METRIC] > RVF_METRIC_HAMMING)
        return RVF_ERR_INVALID_MANIFEST;
    if (p[OFF_METRIC] == RVF_METRIC_HAMMING)
        return RVF_ERR_METRIC_UNSUPPORTED;
    uint32_t off[4], blen[4];
    uint64_t end = RVF_LAYERA_FIRST_BLOCK;
    for (int b = 0; b < 4; b++) {
        off[b] = rvfk_ld_u32(p + RVF_LAYERA_TABLE + (size_t)8 * b);
        blen[b] = rvfk_ld_u32(p + RVF_LAYERA_TABLE + (size_t)8 * b + 4);
        if (off[b] % 64 || off[b] < end)
            return RVF_ERR_INVALID_MANIFEST;
        end = (uint64_t)off[b] + blen[b];
    }
    for (int b = 0; b < 4; b++)
        if ((uint64_t)off[b] + blen[b] > len)
            return RVF_ERR_TRUNCATED_SEGMENT;
    rvf_layera *a = rvf_calloc(1, sizeof *a);
    if (!a)
        return RVF_ERR_OUT_OF_MEMORY;
    a->m = (uint16_t)m;
    a->ef = rvfk_ld_u32(p + OFF_EF);
    a->metric = (rvf_metric)p[OFF_METRIC];
    rvf_status st = decode_blocks(p, off, blen, expect_dim, slot_limit, a);
    if (st != RVF_OK) {
        rvf_layera_free(a);
        return st;
    }
    if (layout) {
        memcpy(layout->off, off, sizeof off);
        memcpy(layout->len, blen, sizeof blen);
        layout->entry_count = a->n_entries;
        layout->top_nodes = top_nodes_of(a);
        layout->centroid_count = a->k;
        layout->partition_count = a->n_parts;
    }
    *out = a;
    return RVF_OK;
}

/* ---- query ------------------------------------------------------------------------------------
 */

/* Open-addressing set of slots (UINT32_MAX = empty; slots are always below it). */
typedef struct slot_set {
    uint32_t *v;
    uint32_t mask;
} slot_set;

static bool set_init(slot_set *s, uint64_t want)
{
    uint64_t cap = 16;
    while (cap < 2 * want)
        cap *= 2;
    s->mask = (uint32_t)(cap - 1);
    s->v = rvf_malloc((size_t)cap * sizeof *s->v);
    if (s->v)
        memset(s->v, 0xFF, (size_t)cap * sizeof *s->v);
    return s->v != NULL;
}

/* Insert; returns false if the slot was already there. */
static bool set_add(slot_set *s, uint32_t slot)
{
    for (uint32_t i = (slot * 0x9E3779B1u) & s->mask;; i = (i + 1) & s->mask) {
        if (s->v[i] == slot)
            return false;
        if (s->v[i] == UINT32_MAX) {
            s->v[i] = slot;
            return true;
        }
    }
}

static bool set_has(const slot_set *s, uint32_t slot)
{
    for (uint32_t i = (slot * 0x9E3779B1u) & s->mask;; i = (i + 1) & s->mask) {
        if (s->v[i] == slot)
            return true;
        if (s->v[i] == UINT32_MAX)
            return false;
    }
}

typedef struct qctx {
    const rvf_layera *a;
    const rvf_layera_query *q;
    const float *query;
    const rvfk_ops *ops;
    rvf_hit_heap *heap;
    slot_set seen;
    bool any;
} qctx;

static uint64_t id_of(const qctx *c, uint32_t slot)
{
    return c->q->slot_ids ? c->q->slot_ids[slot] : slot;
}

static bool eligible(const qctx *c, uint32_t slot)
{
    return !c->q->filter || c->q->filter(c->q->filter_ctx, slot);
}

/* Distance to a Layer-A node from its resident row, else its hot vector; NaN if neither. */
static float node_dist(const qctx *c, uint32_t slot, uint8_t *exact)
{
    const float *r = c->q->row ? c->q->row(c->q->row_ctx, slot) : NULL;
    *exact = r != NULL;
    if (r)
        return c->ops->dist_f32(c->a->metric, c->query, r, c->a->dim);
    int64_t i = c->q->hot ? rvf_hotseg_find(c->q->hot, slot) : -1;
    return i >= 0 ? rvf_hotseg_dist(c->q->hot, c->q->hot_sq, c->a->metric, c->query, (uint32_t)i)
                  : __builtin_nanf("");
}

/* Measure a node once: offered as a candidate when eligible; returns its distance (NaN when it
 * has no vector or was measured before). */
static float visit(qctx *c, uint32_t slot)
{
    if (!set_add(&c->seen, slot))
        return __builtin_nanf("");
    uint8_t exact = 0;
    float d = node_dist(c, slot, &exact);
    if (d == d) {
        c->any = true;
        if (eligible(c, slot))
            rvf_hit_heap_offer(c->heap, (rvf_slot_hit){id_of(c, slot), d, slot, exact});
    }
    return d;
}

/* Greedy descent (ef 1) through the Layer-A layers; returns the node it ends on, or UINT32_MAX
 * when no entry point has a vector. */
static uint32_t descend(qctx *c, uint32_t *measured)
{
    const rvf_layera *a = c->a;
    uint32_t cur = UINT32_MAX, li0 = 0;
    float cd = __builtin_inff();
    for (uint32_t e = 0; e < a->n_entries && cur == UINT32_MAX; e++) {
        float d = visit(c, a->ep_node[e]);
        if (d == d) {
            cur = a->ep_node[e];
            cd = d;
            li0 = a->max_layer - a->ep_layer[e];
            (*measured)++;
        }
    }
    if (cur == UINT32_MAX)
        return cur;
    for (uint32_t li = li0; li < a->layer_count; li++) {
        const uint32_t *ln = a->nodes + a->lay_off[li];
        uint32_t nn = a->lay_off[li + 1] - a->lay_off[li];
        for (bool moved = true; moved;) {
            /* the node's record on this layer */
            uint32_t lo = 0, hi = nn;
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (ln[mid] < cur)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo == nn || ln[lo] != cur)
                break;
            uint32_t rec = a->lay_off[li] + lo, best = cur;
            for (uint32_t j = a->nb_off[rec]; j < a->nb_off[rec + 1]; j++) {
                float d = visit(c, a->nb[j]);
                if (d == d) {
                    (*measured)++;
                    if (d < cd) {
                        cd = d;
                        best = a->nb[j];
                    }
                }
            }
            moved = best != cur;
            cur = best;
        }
    }
    return cur;
}

/* Index of the partition holding slot, or UINT32_MAX. */
static uint32_t part_of(const rvf_layera *a, uint32_t slot)
{
    uint32_t lo = 0, hi = a->n_parts;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->parts[mid].end <= slot)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n_parts && a->parts[lo].start <= slot ? lo : UINT32_MAX;
}

rvf_status rvf_layera_search(const rvf_layera *a, const float *query, uint32_t k,
                             const rvf_layera_query *q, rvf_slot_hit *out, uint32_t *n_out,
                             rvf_layera_search_stats *stats)
{
    rvf_layera_search_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!a || !query || !n_out || (!out && k))
        return RVF_ERR_INVALID_ARGUMENT;
    *n_out = 0;
    const rvf_layera_query none = {0};
    if (!q)
        q = &none;
    const rvf_hotseg *hot = q->hot;
    if (hot && (hot->dim != a->dim ||
                (hot->dtype == RVF_HOT_SQ &&
                 (!q->hot_sq || q->hot_sq->type != RVF_QUANT_SCALAR || q->hot_sq->dim != a->dim))))
        return RVF_ERR_INVALID_ARGUMENT;
    if (k == 0)
        return RVF_OK;
    const uint32_t np =
        q->n_probe ? (q->n_probe < a->k ? q->n_probe : a->k) : (a->k < 10 ? a->k : 10);
    uint32_t hr = 0;
    if (hot) {
        hr = q->hot_rerank ? q->hot_rerank : (k > UINT32_MAX / 4 ? k : 4 * k);
        hr = hr < 32 && !q->hot_rerank ? 32 : hr;
        hr = hr < k ? k : hr;
        hr = hr > hot->count ? hot->count : hr;
    }
    float *cd = rvf_malloc(((size_t)a->k + 1) * sizeof *cd);
    rvf_slot_hit *probe = rvf_malloc(((size_t)np + 2) * sizeof *probe);
    uint8_t *probed = rvf_calloc((size_t)a->k + 1, 1);
    rvf_slot_hit *hbuf = rvf_malloc(((size_t)hr + 1) * sizeof *hbuf);
    rvf_hit_heap heap;
    rvf_hit_heap_init(&heap, out, k);
    qctx c = {a, q, query, rvfk_ops_best(), &heap, {NULL, 0}, false};
    rvf_status st = cd && probe && probed && hbuf &&
                            set_init(&c.seen, (uint64_t)a->lay_off[a->layer_count] + hr + 1)
                        ? RVF_OK
                        : RVF_ERR_OUT_OF_MEMORY;
    uint32_t n_probe = 0;
    if (st == RVF_OK) {
        /* 1. nearest centroids */
        rvf_hit_heap ph;
        rvf_hit_heap_init(&ph, probe, np);
        for (uint32_t i = 0; i < a->k; i++) {
            cd[i] = c.ops->dist_f32(a->metric, query, a->cent + (size_t)i * a->dim, a->dim);
            rvf_hit_heap_offer(&ph, (rvf_slot_hit){i, cd[i], i, 0});
        }
        n_probe = rvf_hit_heap_sorted(&ph);
        for (uint32_t i = 0; i < n_probe; i++)
            probed[probe[i].slot] = 1;
        /* 2. greedy descent; its last node's partition is probed too */
        uint32_t end = descend(&c, &stats->descent);
        uint32_t pi = end == UINT32_MAX ? UINT32_MAX : part_of(a, end);
        if (pi != UINT32_MAX && !probed[a->parts[pi].centroid]) {
            uint32_t cc = a->parts[pi].centroid;
            probed[cc] = 1;
            probe[n_probe++] = (rvf_slot_hit){cc, cd[cc], cc, 0};
        }
        stats->probed = n_probe;
    }
    if (st == RVF_OK && hot) {
        /* 3. the hot cache, re-ranked exactly where rows are resident */
        rvf_hotseg_query hq = {q->hot_sq,     hr,         q->row, q->row_ctx, q->filter,
                               q->filter_ctx, q->slot_ids};
        uint32_t nh = 0;
        st = rvf_hotseg_search(hot, a->metric, query, hr, &hq, hbuf, &nh);
        for (uint32_t i = 0; i < nh && st == RVF_OK; i++) {
            if (!set_add(&c.seen, hbuf[i].slot))
                continue;
            rvf_hit_heap_offer(&heap, hbuf[i]);
            stats->hot_hits++;
            c.any = true;
        }
    }
    /* 4. resident rows of the probed partitions */
    for (uint32_t i = 0; i < n_probe && st == RVF_OK && q->row; i++) {
        uint32_t cc = probe[i].slot;
        for (uint32_t t = a->cp_off[cc]; t < a->cp_off[cc + 1]; t++) {
            const rvf_layera_part *pt = &a->parts[a->cp_ix[t]];
            for (uint64_t s64 = pt->start; s64 < pt->end; s64++) {
                uint32_t s = (uint32_t)s64;
                stats->scanned++;
                if (set_has(&c.seen, s) || !eligible(&c, s))
                    continue;
                const float *r = q->row(q->row_ctx, s);
                if (!r)
                    continue;
                stats->resident++;
                c.any = true;
                rvf_hit_heap_offer(
                    &heap, (rvf_slot_hit){id_of(&c, s),
                                          c.ops->dist_f32(a->metric, query, r, a->dim), s, 1});
            }
        }
    }
    /* 5. nothing measured: centroid-approximate members, nearest partition first */
    if (st == RVF_OK && !c.any) {
        stats->approximate = true;
        for (uint32_t i = 0; i < n_probe; i++) {
            uint32_t cc = probe[i].slot;
            if (heap.size == k && heap.h[0].dist < cd[cc])
                break;
            for (uint32_t t = a->cp_off[cc]; t < a->cp_off[cc + 1]; t++) {
                const rvf_layera_part *pt = &a->parts[a->cp_ix[t]];
                for (uint64_t s64 = pt->start; s64 < pt->end; s64++) {
                    uint32_t s = (uint32_t)s64;
                    if (eligible(&c, s))
                        rvf_hit_heap_offer(&heap, (rvf_slot_hit){id_of(&c, s), cd[cc], s, 0});
                }
            }
        }
    }
    if (st == RVF_OK)
        *n_out = rvf_hit_heap_sorted(&heap);
    rvf_free(cd);
    rvf_free(probe);
    rvf_free(probed);
    rvf_free(hbuf);
    rvf_free(c.seen.v);
    return st;
}
