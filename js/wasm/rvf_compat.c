/* rvf_compat.c: the raw exports of @ruvector/rvf-wasm 0.1.9 over our runtime (RVF-BRIEF §11.3,
 * §11.4), so callers of that module can swap packages (js/src/compat.js, `rvf/compat`).
 *
 * The 14 tile exports (rvf_init ... rvf_crc32c) are kernel/tile/rvf_tile.c itself, linked into
 * the Emscripten modules. The 18 here are the in-memory store, segment inspection, witness chain
 * and memory exports. Four of their names are already taken by the runtime (rvf_alloc, rvf_free,
 * rvf_segment_info, rvf_witness_verify), so every one is named rvf_compat_<reference name> in C
 * and compat.js hands them out under the reference's names.
 *
 * The store keeps the reference's semantics: entries in insertion order, duplicates of an id
 * kept (both count, both answer, delete marks both), exhaustive queries. Distances are the
 * kernel's (rvfk_dist_f32, the same functions native stores use). The documented Fixes:
 *   rvf_store_open    reads the buffer as RVF through the runtime (manifest search, live VEC
 *                     blocks, later copies win, deletions applied, root dimension, stored metric;
 *                     reference-dialect files too); -1 bad arguments, -2 nothing readable. Bytes
 *                     in the reference module's own export layout (no RVF manifest) still open.
 *   rvf_store_query   ties are ordered by ascending id (then insertion order).
 *   rvf_store_export  writes an RVF file: VEC_SEG id 1 (live vectors sorted by id, later copies
 *                     of an id win, f32, blocks of 1024) + MANIFEST_SEG id 2 (epoch 1, the
 *                     store's metric in CAPABILITY_MANIFEST); an empty store has no VEC_SEG.
 * Beyond the documented ones: a query whose distances include NaN orders the NaNs last (the
 * reference compares them equal to everything, which is no order). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rvf.h"
#include "rvf_format.h"
#include "rvf_internal.h"
#include "rvf_manifest.h"

#define COMPAT_WITNESS_ENTRY 73u
#define COMPAT_HEADER_SIZE   64u

typedef struct compat_store {
    uint8_t open;
    uint8_t metric; /* 0 L2, 1 IP, 2 cosine */
    uint32_t dim;
    size_t n, cap; /* entries, deleted ones included, in insertion order */
    size_t ndead;
    uint64_t *ids;
    float *rows;
    uint8_t *dead;
} compat_store;

static compat_store *stores;
static int32_t nstores;

static compat_store *get(int32_t handle)
{
    if (handle < 1 || handle > nstores || !stores[handle - 1].open)
        return NULL;
    return &stores[handle - 1];
}

static uint8_t metric_code(int32_t m)
{
    return m == 1 ? 1 : m == 2 ? 2 : 0;
}

static void store_clear(compat_store *s)
{
    rvf_free(s->ids);
    rvf_free(s->rows);
    rvf_free(s->dead);
    memset(s, 0, sizeof *s);
}

/* A new handle (the lowest closed slot first), or -1. */
static int32_t store_new(uint32_t dim, uint8_t metric)
{
    int32_t h = 0;
    while (h < nstores && stores[h].open)
        h++;
    if (h == nstores) {
        if (nstores == INT32_MAX)
            return -1;
        compat_store *grown = rvf_realloc(stores, ((size_t)nstores + 1) * sizeof *grown);
        if (!grown)
            return -1;
        stores = grown;
        memset(&stores[nstores], 0, sizeof *stores);
        nstores++;
    }
    stores[h].open = 1;
    stores[h].dim = dim;
    stores[h].metric = metric;
    return h + 1;
}

/* Append one entry (row copied from possibly unaligned memory). */
static int store_push(compat_store *s, uint64_t id, const void *row)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        if (cap > SIZE_MAX / ((size_t)s->dim * sizeof(float)))
            return -1;
        uint64_t *ids = rvf_realloc(s->ids, cap * sizeof *ids);
        if (ids)
            s->ids = ids;
        float *rows = rvf_realloc(s->rows, cap * s->dim * sizeof *rows);
        if (rows)
            s->rows = rows;
        uint8_t *dead = rvf_realloc(s->dead, cap);
        if (dead)
            s->dead = dead;
        if (!ids || !rows || !dead)
            return -1;
        s->cap = cap;
    }
    s->ids[s->n] = id;
    memcpy(s->rows + s->n * s->dim, row, (size_t)s->dim * sizeof(float));
    s->dead[s->n] = 0;
    s->n++;
    return 0;
}

/* ---- the store -------------------------------------------------------------------------- */

int32_t rvf_compat_store_create(int32_t dim, int32_t metric)
{
    if (dim <= 0)
        return -1;
    return store_new((uint32_t)dim, metric_code(metric));
}

int32_t rvf_compat_store_close(int32_t handle)
{
    compat_store *s = get(handle);
    if (!s)
        return -1;
    store_clear(s);
    return 0;
}

int32_t rvf_compat_store_ingest(int32_t handle, const uint8_t *vecs, const uint8_t *ids,
                                int32_t count)
{
    compat_store *s = get(handle);
    if (!s)
        return -1;
    if (count <= 0)
        return 0;
    for (int32_t i = 0; i < count; i++)
        if (store_push(s, rvfk_ld_u64(ids + (size_t)i * 8),
                       vecs + (size_t)i * s->dim * sizeof(float)) != 0)
            return i;
    return count;
}

int32_t rvf_compat_store_count(int32_t handle)
{
    compat_store *s = get(handle);
    return s ? (int32_t)(s->n - s->ndead) : -1;
}

int32_t rvf_compat_store_dimension(int32_t handle)
{
    compat_store *s = get(handle);
    return s ? (int32_t)s->dim : -1;
}

int32_t rvf_compat_store_status(int32_t handle, uint8_t *out)
{
    compat_store *s = get(handle);
    if (!s)
        return -1;
    rvfk_st_u32(out, (uint32_t)(s->n - s->ndead));
    rvfk_st_u32(out + 4, s->dim);
    rvfk_st_u32(out + 8, s->metric);
    rvfk_st_u32(out + 12, (uint32_t)s->n);
    rvfk_st_u32(out + 16, (uint32_t)s->ndead);
    return 20;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return (x > y) - (x < y);
}

int32_t rvf_compat_store_delete(int32_t handle, const uint8_t *ids, int32_t count)
{
    compat_store *s = get(handle);
    if (!s)
        return -1;
    if (count <= 0)
        return 0;
    uint64_t *want = rvf_malloc((size_t)count * sizeof *want);
    if (!want)
        return -1;
    for (int32_t i = 0; i < count; i++)
        want[i] = rvfk_ld_u64(ids + (size_t)i * 8);
    qsort(want, (size_t)count, sizeof *want, cmp_u64);
    int32_t marked = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!s->dead[i] && bsearch(&s->ids[i], want, (size_t)count, sizeof *want, cmp_u64)) {
            s->dead[i] = 1;
            s->ndead++;
            marked++;
        }
    rvf_free(want);
    return marked;
}

typedef struct ranked {
    float dist;
    uint64_t id;
    size_t at; /* insertion order */
} ranked;

/* Ascending distance, NaN last, then ascending id (the Fix), then insertion order. */
static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    int xn = x->dist != x->dist, yn = y->dist != y->dist;
    if (xn != yn)
        return xn - yn;
    if (!xn && x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* A max-heap under cmp_ranked: the worst of the best k at the root. */
static void heap_down(ranked *h, size_t n, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && cmp_ranked(&h[c + 1], &h[c]) > 0)
            c++;
        if (cmp_ranked(&h[c], &h[i]) <= 0)
            return;
        ranked t = h[c];
        h[c] = h[i];
        h[i] = t;
        i = c;
    }
}

static void heap_up(ranked *h, size_t i)
{
    while (i > 0 && cmp_ranked(&h[(i - 1) / 2], &h[i]) < 0) {
        ranked t = h[(i - 1) / 2];
        h[(i - 1) / 2] = h[i];
        h[i] = t;
        i = (i - 1) / 2;
    }
}

int32_t rvf_compat_store_query(int32_t handle, const uint8_t *query, int32_t k, int32_t metric,
                               uint8_t *out)
{
    compat_store *s = get(handle);
    if (!s)
        return -1;
    size_t live = s->n - s->ndead;
    if (k <= 0 || live == 0)
        return 0;
    size_t cap = (size_t)k < live ? (size_t)k : live;
    rvf_metric m = (rvf_metric)(metric >= 0 ? metric_code(metric) : s->metric);
    float *q = rvf_malloc((size_t)s->dim * sizeof *q);
    ranked *best = rvf_malloc(cap * sizeof *best);
    if (!q || !best) {
        rvf_free(q);
        rvf_free(best);
        return -1;
    }
    memcpy(q, query, (size_t)s->dim * sizeof *q);
    size_t nb = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->dead[i])
            continue;
        ranked r = {rvfk_dist_f32(m, q, s->rows + i * s->dim, s->dim), s->ids[i], i};
        if (nb < cap) {
            best[nb] = r;
            heap_up(best, nb++);
        } else if (cmp_ranked(&r, &best[0]) < 0) {
            best[0] = r;
            heap_down(best, nb, 0);
        }
    }
    qsort(best, nb, sizeof *best, cmp_ranked);
    for (size_t i = 0; i < nb; i++) {
        rvfk_st_u64(out + i * 12, best[i].id);
        rvfk_st_f32(out + i * 12 + 8, best[i].dist);
    }
    rvf_free(q);
    rvf_free(best);
    return (int32_t)nb;
}

/* ---- export: an RVF file (Fix) ---------------------------------------------------------- */

/* Live entries by ascending id, the last-ingested copy of each id: *ids and *rows (rvf_malloc'd),
 * *n. */
static rvf_status live_by_id(const compat_store *s, uint64_t **ids_out, float **rows_out,
                             uint32_t *n_out)
{
    size_t live = s->n - s->ndead;
    ranked *r = rvf_malloc((live ? live : 1) * sizeof *r);
    uint64_t *ids = rvf_malloc((live ? live : 1) * sizeof *ids);
    float *rows = rvf_malloc((live ? live : 1) * s->dim * sizeof *rows);
    if (!r || !ids || !rows || live > UINT32_MAX) {
        rvf_free(r);
        rvf_free(ids);
        rvf_free(rows);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    size_t nr = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!s->dead[i])
            r[nr++] = (ranked){0.0f, s->ids[i], i};
    qsort(r, nr, sizeof *r, cmp_ranked); /* equal distances: by id, then insertion order */
    uint32_t n = 0;
    for (size_t i = 0; i < nr; i++) {
        if (i + 1 < nr && r[i + 1].id == r[i].id)
            continue; /* a later copy of this id follows */
        ids[n] = r[i].id;
        memcpy(rows + (size_t)n * s->dim, s->rows + r[i].at * s->dim, s->dim * sizeof *rows);
        n++;
    }
    rvf_free(r);
    *ids_out = ids;
    *rows_out = rows;
    *n_out = n;
    return RVF_OK;
}

static rvf_status export_image(const compat_store *s, rvf_buf *f)
{
    if (s->dim > UINT16_MAX)
        return RVF_ERR_INVALID_ARGUMENT; /* the root's dimension is a u16 */
    uint64_t *ids;
    float *rows;
    uint32_t n;
    rvf_status st = live_by_id(s, &ids, &rows, &n);
    if (st != RVF_OK)
        return st;
    rvf_dir_entry dir;
    memset(&dir, 0, sizeof dir);
    rvf_manifest m;
    memset(&m, 0, sizeof m);
    if (n) {
        rvf_buf pl;
        rvf_buf_init(&pl);
        st = rvf_vecseg_encode(&pl, ids, rows, n, (uint16_t)s->dim, RVF_DTYPE_F32,
                               RVF_VEC_BLOCK_VECTORS);
        if (st == RVF_OK) {
            uint32_t blocks = (n + RVF_VEC_BLOCK_VECTORS - 1) / RVF_VEC_BLOCK_VECTORS;
            rvf_seg_emit(f, 0, RVF_SEG_VEC, 0, 1, RVF_HASH_XXH3_128, pl.data, pl.len, blocks, &dir);
            m.dir = &dir;
            m.ndir = 1;
            /* a file identity derived from the content: the same store exports the same bytes */
            rvf_shake256(pl.data, pl.len, m.file_id, sizeof m.file_id);
        }
        rvf_buf_free(&pl);
    }
    rvf_free(ids);
    rvf_free(rows);
    if (st != RVF_OK)
        return st;
    m.offset = f->len;
    m.segment_id = 2;
    m.epoch = 1;
    m.dimension = (uint16_t)s->dim;
    m.base_dtype = RVF_DTYPE_F32;
    m.total_vectors = n;
    m.has_capability = true;
    m.metric = s->metric;
    st = rvf_manifest_emit(f, &m, RVF_HASH_XXH3_128);
    return st == RVF_OK ? rvf_buf_status(f) : st;
}

int32_t rvf_compat_store_export(int32_t handle, uint8_t *out, int32_t out_len)
{
    compat_store *s = get(handle);
    if (!s)
        return -1;
    rvf_buf f;
    rvf_buf_init(&f);
    rvf_status st = export_image(s, &f);
    int32_t r;
    if (st != RVF_OK || f.len > INT32_MAX)
        r = -1;
    else if (out_len < 0 || (size_t)out_len < f.len)
        r = -(int32_t)f.len;
    else {
        memcpy(out, f.data, f.len);
        r = (int32_t)f.len;
    }
    rvf_buf_free(&f);
    return r;
}

/* ---- open (Fix): RVF through the runtime, else the reference module's export layout ---- */

typedef struct open_ctx {
    compat_store *s;
    int failed;
} open_ctx;

static int on_vector(void *ctx, uint64_t id, const float *v, uint32_t dim, const rvf_value *fields,
                     uint32_t nfields)
{
    (void)dim;
    (void)fields;
    (void)nfields;
    open_ctx *c = ctx;
    if (store_push(c->s, id, v) != 0) {
        c->failed = 1;
        return 1;
    }
    return 0;
}

static int32_t open_rvf(const uint8_t *buf, size_t len)
{
    rvf_store *rs = NULL;
    if (rvf_open_view(buf, len, &rs) != RVF_OK)
        return -2;
    rvf_status_info si;
    int32_t h = -2;
    if (rvf_status_get(rs, &si) == RVF_OK && si.dimension > 0) {
        h = store_new(si.dimension, metric_code((int32_t)si.metric));
        if (h > 0) {
            open_ctx c = {get(h), 0};
            if (rvf_foreach(rs, on_vector, &c) != RVF_OK || c.failed) {
                rvf_compat_store_close(h);
                h = -2;
            }
        }
    }
    rvf_close(rs);
    return h;
}

/* The byte scan of rvf_segment_count: the header offset of the idx-th segment, or -1. */
static int64_t scan_segment(const uint8_t *buf, size_t len, uint32_t idx)
{
    uint32_t found = 0;
    size_t off = 0;
    while (off + COMPAT_HEADER_SIZE <= len) {
        if (rvfk_ld_u32(buf + off) == RVF_SEGMENT_MAGIC && buf[off + 4] == 1) {
            if (found++ == idx)
                return (int64_t)off;
            /* the reference's usize is 32 bits: it jumps by payload_length mod 2^32 */
            uint64_t next =
                (uint64_t)off + COMPAT_HEADER_SIZE + (uint32_t)rvfk_ld_u64(buf + off + 0x10);
            if (next >= len)
                break;
            off = (size_t)next;
        } else {
            off++;
        }
    }
    return -1;
}

/* The reference module's own export: VEC payloads {count u16, dim u32, {id u64, f32 x dim}}
 * and its non-standard manifest. Accepted only when every VEC parses with one dimension. */
static int32_t open_legacy(const uint8_t *buf, size_t len)
{
    uint32_t dim = 0, nseg = 0, nvec = 0;
    int64_t off;
    for (uint32_t i = 0; (off = scan_segment(buf, len, i)) >= 0; i++) {
        const uint8_t *h = buf + off;
        uint64_t pl = rvfk_ld_u64(h + 0x10);
        nseg++;
        if (h[5] != RVF_SEG_VEC)
            continue;
        if (pl < 6)
            return -2;
        uint32_t count = rvfk_ld_u16(h + 64), d = rvfk_ld_u32(h + 66);
        if (d == 0 || (dim && d != dim) || (uint64_t)count * (8 + 4ull * d) > pl - 6)
            return -2;
        dim = d;
        nvec++;
    }
    if (nseg == 0)
        return -2;
    int32_t handle = store_new(dim ? dim : 1, 0);
    if (handle < 0 || !nvec)
        return handle;
    compat_store *s = get(handle);
    for (uint32_t i = 0; (off = scan_segment(buf, len, i)) >= 0; i++) {
        const uint8_t *h = buf + off;
        if (h[5] != RVF_SEG_VEC)
            continue;
        uint32_t count = rvfk_ld_u16(h + 64);
        const uint8_t *row = h + 64 + 6;
        for (uint32_t j = 0; j < count; j++, row += 8 + 4 * (size_t)dim)
            if (store_push(s, rvfk_ld_u64(row), row + 8) != 0) {
                rvf_compat_store_close(handle);
                return -1;
            }
    }
    return handle;
}

int32_t rvf_compat_store_open(const uint8_t *buf, int32_t buf_len)
{
    if (!buf || buf_len <= 0)
        return -1;
    int32_t h = open_rvf(buf, (size_t)buf_len);
    return h > 0 ? h : open_legacy(buf, (size_t)buf_len);
}

/* ---- segment inspection ----------------------------------------------------------------- */

int32_t rvf_compat_parse_header(const uint8_t *buf, int32_t buf_len, uint8_t *out)
{
    if (!buf || buf_len < (int32_t)COMPAT_HEADER_SIZE)
        return -1;
    if (rvfk_ld_u32(buf) != RVF_SEGMENT_MAGIC)
        return -2;
    memcpy(out, buf, 0x18);
    return 0;
}

int32_t rvf_compat_segment_count(const uint8_t *buf, int32_t buf_len)
{
    if (!buf || buf_len <= 0)
        return 0;
    int32_t n = 0;
    while (scan_segment(buf, (size_t)buf_len, (uint32_t)n) >= 0)
        n++;
    return n;
}

int32_t rvf_compat_segment_info(const uint8_t *buf, int32_t buf_len, int32_t idx, uint8_t *out)
{
    if (!buf || buf_len <= 0 || idx < 0)
        return -1;
    int64_t off = scan_segment(buf, (size_t)buf_len, (uint32_t)idx);
    if (off < 0)
        return -1;
    const uint8_t *h = buf + off;
    memset(out, 0, 28);
    rvfk_st_u64(out, rvfk_ld_u64(h + 0x08));
    out[8] = h[5];
    rvfk_st_u64(out + 12, rvfk_ld_u64(h + 0x10));
    rvfk_st_u64(out + 20, (uint64_t)off);
    return 0;
}

int32_t rvf_compat_verify_checksum(const uint8_t *buf, int32_t buf_len)
{
    if (!buf || buf_len < 4)
        return -1;
    size_t n = (size_t)buf_len - 4;
    return rvfk_crc32c(buf, n) == rvfk_ld_u32(buf + n) ? 1 : 0;
}

/* ---- witness chain (§5.11) -------------------------------------------------------------- */

int32_t rvf_compat_witness_count(int32_t chain_len)
{
    if (chain_len < 0 || chain_len % (int32_t)COMPAT_WITNESS_ENTRY)
        return -1;
    return chain_len / (int32_t)COMPAT_WITNESS_ENTRY;
}

int32_t rvf_compat_witness_verify(const uint8_t *chain, int32_t chain_len)
{
    if (chain_len < 0)
        return -1;
    if (chain_len == 0)
        return 0;
    if (chain_len % (int32_t)COMPAT_WITNESS_ENTRY)
        return -2;
    int32_t n = chain_len / (int32_t)COMPAT_WITNESS_ENTRY;
    uint8_t link[32];
    for (size_t i = 0; i < sizeof link; i++)
        if (chain[i]) /* entry 0 (genesis) links to 32 zero bytes */
            return -3;
    for (int32_t i = 1; i < n; i++) {
        const uint8_t *prev = chain + (size_t)(i - 1) * COMPAT_WITNESS_ENTRY;
        rvf_shake256(prev, COMPAT_WITNESS_ENTRY, link, sizeof link);
        if (memcmp(link, prev + COMPAT_WITNESS_ENTRY, sizeof link) != 0)
            return -3;
    }
    return n;
}

/* ---- memory ----------------------------------------------------------------------------- */

int32_t rvf_compat_alloc(int32_t size)
{
    if (size <= 0)
        return 0;
    return (int32_t)(uintptr_t)rvf_malloc((size_t)size);
}

void rvf_compat_free(int32_t ptr, int32_t size)
{
    if (ptr == 0 || size <= 0)
        return;
    rvf_free((void *)(uintptr_t)(uint32_t)ptr);
}
