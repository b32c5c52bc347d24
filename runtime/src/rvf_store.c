/* rvf_store.c: the store. State is an in-memory table built from the newest manifest; every
 * mutation is one commit (store_commit): append data segments, sync, append the manifest, sync.
 * The in-memory table changes only after the commit returns OK, so a failed write leaves the
 * handle on the last committed state and the next commit overwrites the orphan bytes. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvf_hnsw.h"
#include "rvf_indexseg.h"
#include "rvf_layera.h"
#include "rvf_sketch.h"
#include "rvf_manifest.h"

/* ---- errors with a detail line ---------------------------------------------------------- */
static _Thread_local char g_detail[256];

const char *rvf_last_error_detail(void)
{
    return g_detail;
}

static rvf_status fail(rvf_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is right above */
    vsnprintf(g_detail, sizeof g_detail, fmt, ap);
    va_end(ap);
    return st;
}

static const char *seg_name(uint8_t t)
{
    static const char *names[] = {
        "INVALID",    "VEC_SEG",     "INDEX_SEG",  "OVERLAY_SEG", "JOURNAL_SEG", "MANIFEST_SEG",
        "QUANT_SEG",  "META_SEG",    "HOT_SEG",    "SKETCH_SEG",  "WITNESS_SEG", "PROFILE_SEG",
        "CRYPTO_SEG", "METAIDX_SEG", "KERNEL_SEG", "EBPF_SEG",    "WASM_SEG"};
    return t < sizeof names / sizeof names[0] ? names[t] : "segment";
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void random_bytes(uint8_t *out, size_t n)
{
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        while (got < n) {
            ssize_t r = read(fd, out + got, n - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        close(fd);
    }
    if (got < n) { /* no urandom: a hash of time, pid and address is unique enough for ids */
        uint8_t seed[32];
        uint64_t t = now_ns(), pid = (uint64_t)getpid(), a = (uint64_t)(uintptr_t)out;
        memcpy(seed, &t, 8);
        memcpy(seed + 8, &pid, 8);
        memcpy(seed + 16, &a, 8);
        memset(seed + 24, 0, 8);
        rvf_shake256(seed, sizeof seed, out, n);
    }
}

/* ---- the store ------------------------------------------------------------------------- */
typedef struct slot_meta {
    rvf_value *fields; /* one allocation: values then their string bytes */
    uint32_t n;
} slot_meta;

struct rvf_store {
    rvf_io *io;
    rvf_lock *lock;
    char *path;
    bool read_only, memory;
    bool lazy;   /* read-only opens: data segments are read on first use, not at open */
    bool loaded; /* the table holds the manifest's vectors, metadata and deletions */
    uint8_t dialect;
    /* configuration */
    uint32_t dim;
    uint8_t dtype, metric, profile_id, algo, no_witness, no_sync;
    uint32_t block_vectors;
    size_t row_bytes;
    /* committed state */
    rvf_manifest man; /* the current manifest (dir, deleted list kept in sync) */
    uint64_t end;     /* committed file size: where the next append goes */
    uint64_t next_seg_id;
    uint64_t recovered_from;
    /* vector table */
    uint64_t *ids;
    uint8_t *rows;
    uint8_t *dead;
    slot_meta *meta;
    size_t n, cap, ndead;
    uint32_t *map; /* open addressing: slot + 1, 0 = empty */
    size_t map_cap;
    rvf_buf scratch; /* commit buffer kept between batches (no page faults per batch) */
    /* HNSW over slots 0..hnsw_n-1: loaded from the file's INDEX_SEGs or built in memory on the
     * first approximate query (NULL until then) */
    rvf_hnsw *hnsw;
    size_t hnsw_n;
    bool hnsw_persisted;   /* hnsw = the file's INDEX_SEGs plus its dirty nodes */
    bool hnsw_load_failed; /* the file's index could not be used: built in memory instead */
    /* slots whose row was replaced after a graph placed them: kept out of graph results and
     * scanned exactly (a full rebuild clears them) */
    uint8_t *stale; /* cap bytes, NULL until the first */
    uint32_t *stale_list;
    size_t nstale, stale_cap;
    uint32_t stale_after_dir; /* while loading: VEC_SEGs after this dir index (the first
                                 INDEX_SEG) replace rows a stored graph placed */
    uint32_t load_dir_i;      /* while loading: the dir index being read */
    bool loading;
    /* progressive state of a lazy open (§6.2 "A only"): Layer A and the partitions read so far */
    rvf_layera *la;
    bool progressive; /* rvf_open_source: ef queries may answer from Layer A before a load */
    bool root_only;   /* rvf_open_source booted from the root alone; Level 1 is read on first use */
    rvf_status boot_failed; /* Level 1 could not be used and no older manifest either */
    bool la_tried;
    uint8_t **la_rows;  /* per partition: its rows once read, else NULL */
    uint64_t *la_ids;   /* per slot: the vector id, known once its partition is read */
    uint64_t la_slots;  /* slots Layer A covers */
    uint32_t la_loaded; /* partitions read */
    /* "A + hot" (§6.2): the HOT_SEG the root's hot_cache pointer names, read with Layer A; its
     * id table fills la_ids for the hot slots. la_cover[p] = 1: every slot of partition p is hot
     * (the query need not read it). la_hot_fresh: its bytes, charged to the query that read it. */
    rvf_hotseg la_hot;
    uint8_t *la_cover;
    uint64_t la_hot_fresh;
    /* §7.2 access sketch: every id a query returns counts for its block (id / 1024); read from
     * the newest SKETCH_SEG on first use, written again by index builds and compactions */
    rvf_sketch sketch;
    bool sketch_ready, sketch_dirty;
};

static size_t hash_id(uint64_t id, size_t mask)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    id ^= id >> 33;
    return (size_t)id & mask;
}

static int64_t find_slot(const rvf_store *s, uint64_t id)
{
    if (!s->map_cap)
        return -1;
    size_t mask = s->map_cap - 1;
    for (size_t i = hash_id(id, mask);; i = (i + 1) & mask) {
        uint32_t v = s->map[i];
        if (!v)
            return -1;
        if (s->ids[v - 1] == id)
            return (int64_t)(v - 1);
    }
}

static rvf_status map_grow(rvf_store *s, size_t need)
{
    if (need * 2 <= s->map_cap)
        return RVF_OK;
    size_t cap = s->map_cap ? s->map_cap : 1024;
    while (cap < need * 2)
        cap *= 2;
    uint32_t *m = rvf_calloc(cap, sizeof *m);
    if (!m)
        return RVF_ERR_OUT_OF_MEMORY;
    for (size_t j = 0; j < s->n; j++)
        for (size_t i = hash_id(s->ids[j], cap - 1);; i = (i + 1) & (cap - 1))
            if (!m[i]) {
                m[i] = (uint32_t)(j + 1);
                break;
            }
    rvf_free(s->map);
    s->map = m;
    s->map_cap = cap;
    return RVF_OK;
}

static rvf_status table_reserve(rvf_store *s, size_t extra)
{
    size_t need = s->n + extra;
    if (need >= UINT32_MAX)
        return RVF_ERR_OUT_OF_MEMORY;
    if (need > s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap < need)
            cap *= 2;
        uint64_t *ids = rvf_realloc(s->ids, cap * sizeof *ids);
        if (ids)
            s->ids = ids;
        /* the big array moves by hand: a fresh allocation gets its huge-page hint (rvf_alloc.c)
         * before the copy touches it, which realloc cannot offer */
        uint8_t *rows = rvf_malloc(cap * s->row_bytes);
        if (rows) {
            if (s->n)
                memcpy(rows, s->rows, s->n * s->row_bytes);
            rvf_free(s->rows);
            s->rows = rows;
        }
        uint8_t *dead = rvf_realloc(s->dead, cap);
        if (dead)
            s->dead = dead;
        if (s->stale) {
            uint8_t *stale = rvf_realloc(s->stale, cap);
            if (!stale)
                return RVF_ERR_OUT_OF_MEMORY;
            memset(stale + s->cap, 0, cap - s->cap);
            s->stale = stale;
        }
        slot_meta *meta = rvf_realloc(s->meta, cap * sizeof *meta);
        if (meta)
            s->meta = meta;
        if (!ids || !rows || !dead || !meta)
            return RVF_ERR_OUT_OF_MEMORY;
        s->cap = cap;
    }
    return map_grow(s, need);
}

static uint32_t index_seg_count(const rvf_manifest *m)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->ndir; i++)
        n += m->dir[i].seg_type == RVF_SEG_INDEX;
    return n;
}

static rvf_status mark_stale(rvf_store *s, size_t j)
{
    if (!s->stale && !(s->stale = rvf_calloc(s->cap ? s->cap : 1, 1)))
        return RVF_ERR_OUT_OF_MEMORY;
    if (s->stale[j])
        return RVF_OK;
    if (s->nstale == s->stale_cap) {
        size_t cap = s->stale_cap ? s->stale_cap * 2 : 64;
        uint32_t *l = rvf_realloc(s->stale_list, cap * sizeof *l);
        if (!l)
            return RVF_ERR_OUT_OF_MEMORY;
        s->stale_list = l;
        s->stale_cap = cap;
    }
    s->stale[j] = 1;
    s->stale_list[s->nstale++] = (uint32_t)j;
    return RVF_OK;
}

static void stale_clear(rvf_store *s)
{
    rvf_free(s->stale);
    rvf_free(s->stale_list);
    s->stale = NULL;
    s->stale_list = NULL;
    s->nstale = s->stale_cap = 0;
}

static void index_drop(rvf_store *s)
{
    rvf_hnsw_free(s->hnsw);
    s->hnsw = NULL;
    s->hnsw_n = 0;
    s->hnsw_persisted = false;
}

static void meta_clear(slot_meta *m)
{
    rvf_free(m->fields);
    m->fields = NULL;
    m->n = 0;
}

static rvf_status meta_set(slot_meta *m, const rvf_value *f, uint32_t n)
{
    meta_clear(m);
    if (!n)
        return RVF_OK;
    size_t bytes = (size_t)n * sizeof(rvf_value);
    for (uint32_t i = 0; i < n; i++)
        if (f[i].type == RVF_VALUE_STRING || f[i].type == RVF_VALUE_BYTES)
            bytes += f[i].v.bytes.len;
    rvf_value *v = rvf_malloc(bytes);
    if (!v)
        return RVF_ERR_OUT_OF_MEMORY;
    memcpy(v, f, (size_t)n * sizeof *v);
    uint8_t *str = (uint8_t *)(v + n);
    for (uint32_t i = 0; i < n; i++)
        if (v[i].type == RVF_VALUE_STRING || v[i].type == RVF_VALUE_BYTES) {
            if (v[i].v.bytes.len)
                memcpy(str, f[i].v.bytes.ptr, v[i].v.bytes.len);
            v[i].v.bytes.ptr = str;
            str += v[i].v.bytes.len;
        }
    m->fields = v;
    m->n = n;
    return RVF_OK;
}

/* Insert or replace id's vector (row in the store's dtype). A replaced vector loses its
 * metadata and its deletion: the newer copy is authoritative (FORMAT.md). */
static rvf_status table_upsert(rvf_store *s, uint64_t id, const uint8_t *row, size_t *slot_out)
{
    int64_t j = find_slot(s, id);
    if (j < 0) {
        rvf_status st = table_reserve(s, 1);
        if (st != RVF_OK)
            return st;
        j = (int64_t)s->n++;
        s->ids[j] = id;
        s->dead[j] = 0;
        s->meta[j].fields = NULL;
        s->meta[j].n = 0;
        size_t mask = s->map_cap - 1;
        for (size_t i = hash_id(id, mask);; i = (i + 1) & mask)
            if (!s->map[i]) {
                s->map[i] = (uint32_t)(j + 1);
                break;
            }
    } else {
        meta_clear(&s->meta[j]);
        /* a graph placed the old row: the slot is scanned exactly from now on */
        bool placed = s->loading
                          ? s->load_dir_i > s->stale_after_dir
                          : (s->hnsw && (size_t)j < s->hnsw_n) || index_seg_count(&s->man) > 0;
        if (placed) {
            rvf_status st = mark_stale(s, (size_t)j);
            if (st != RVF_OK)
                return st;
        }
        if (s->dead[j]) {
            s->dead[j] = 0;
            s->ndead--;
        }
    }
    memcpy(s->rows + (size_t)j * s->row_bytes, row, s->row_bytes);
    if (slot_out)
        *slot_out = (size_t)j;
    return RVF_OK;
}

static void layera_drop(rvf_store *s)
{
    uint32_t np = 0;
    if (s->la)
        rvf_layera_partitions(s->la, &np);
    for (uint32_t i = 0; s->la_rows && i < np; i++)
        rvf_free(s->la_rows[i]);
    rvf_free(s->la_rows);
    rvf_free(s->la_ids);
    rvf_hotseg_free(&s->la_hot);
    rvf_free(s->la_cover);
    s->la_cover = NULL;
    s->la_hot_fresh = 0;
    rvf_layera_free(s->la);
    s->la = NULL;
    s->la_rows = NULL;
    s->la_ids = NULL;
    s->la_slots = 0;
    s->la_loaded = 0;
    s->la_tried = false;
}

static void table_free(rvf_store *s)
{
    layera_drop(s);
    index_drop(s);
    s->hnsw_load_failed = false;
    stale_clear(s);
    for (size_t i = 0; i < s->n; i++)
        meta_clear(&s->meta[i]);
    rvf_free(s->ids);
    rvf_free(s->rows);
    rvf_free(s->dead);
    rvf_free(s->meta);
    rvf_free(s->map);
    s->ids = NULL;
    s->rows = s->dead = NULL;
    s->meta = NULL;
    s->map = NULL;
    s->n = s->cap = s->ndead = s->map_cap = 0;
}

static void store_free(rvf_store *s)
{
    if (!s)
        return;
    table_free(s);
    rvf_sketch_free(&s->sketch);
    rvf_manifest_free(&s->man);
    rvf_buf_free(&s->scratch);
    if (s->io)
        s->io->close(s->io);
    rvf_lock_release(s->lock);
    rvf_free(s->path);
    rvf_free(s);
}

static rvf_store *store_new(void)
{
    rvf_store *s = rvf_calloc(1, sizeof *s);
    if (s)
        s->recovered_from = UINT64_MAX;
    return s;
}

static char *str_dup(const char *a, const char *suffix)
{
    size_t la = strlen(a), lb = suffix ? strlen(suffix) : 0;
    char *p = rvf_malloc(la + lb + 1);
    if (p) {
        memcpy(p, a, la);
        if (lb)
            memcpy(p + la, suffix, lb);
        p[la + lb] = 0;
    }
    return p;
}

/* ---- loading ----------------------------------------------------------------------------- */
typedef struct meta_ctx {
    rvf_store *s;
    uint32_t dir_pos;
    uint32_t *vec_pos; /* per slot: directory position of its authoritative VEC_SEG */
} meta_ctx;

static rvf_status meta_row(void *ctx, uint64_t id, const rvf_value *f, uint32_t n)
{
    meta_ctx *c = ctx;
    int64_t j = find_slot(c->s, id);
    if (j < 0 || c->vec_pos[j] > c->dir_pos)
        return RVF_OK; /* metadata of a vector replaced later, or of no vector */
    return meta_set(&c->s->meta[j], f, n);
}

static rvf_status load_data(rvf_store *s);
static bool layera_resident(const rvf_store *s, const rvf_dir_entry *e, const uint64_t **ids,
                            const uint8_t **rows, size_t *count);

/* Rows of directory entry dir_i into the table (later entries win per id); vec_pos[slot] records
 * the entry each slot's row came from (META_SEGs apply only to rows not replaced later). */
static rvf_status load_rows(rvf_store *s, uint32_t dir_i, const uint64_t *ids, const uint8_t *rows,
                            size_t count, uint32_t **vec_pos, size_t *vec_cap)
{
    rvf_status st = table_reserve(s, count);
    if (st == RVF_OK && s->cap > *vec_cap) {
        uint32_t *nv = rvf_realloc(*vec_pos, s->cap * sizeof *nv);
        if (!nv)
            return RVF_ERR_OUT_OF_MEMORY;
        *vec_pos = nv;
        *vec_cap = s->cap;
    }
    for (size_t k = 0; k < count && st == RVF_OK; k++) {
        size_t slot;
        st = table_upsert(s, ids[k], rows + k * s->row_bytes, &slot);
        if (st == RVF_OK && *vec_pos)
            (*vec_pos)[slot] = dir_i;
    }
    return st;
}

/* Take the store's configuration from s->man; the data follows now (writers) or on first use. */
static rvf_status load_native(rvf_store *s)
{
    rvf_manifest *m = &s->man;
    s->dim = m->dimension;
    s->dtype = m->base_dtype;
    s->metric = m->has_capability ? m->metric : RVF_METRIC_L2;
    s->profile_id = m->profile_id;
    if (!s->dim || (s->dtype != RVF_DTYPE_F32 && s->dtype != RVF_DTYPE_F16))
        return fail(RVF_ERR_INVALID_MANIFEST, "manifest at %llu: dimension %u dtype %u unsupported",
                    (unsigned long long)m->offset, s->dim, s->dtype);
    s->row_bytes = (size_t)s->dim * rvf_dtype_size(s->dtype);
    uint64_t max_id = m->segment_id;
    for (uint32_t i = 0; i < m->ndir; i++)
        if (m->dir[i].segment_id > max_id)
            max_id = m->dir[i].segment_id;
    s->next_seg_id = max_id + 1;
    s->end = m->offset + RVF_SEGMENT_HEADER_SIZE + m->payload_length;
    return s->lazy ? RVF_OK : load_data(s);
}

/* The data of the current manifest: VEC_SEGs and META_SEGs in directory order, then deletions.
 * Read-only stores call this on first use (ensure_loaded), so opening reads the root and Level 1
 * only. */
static rvf_status load_data(rvf_store *s)
{
    rvf_manifest *m = &s->man;
    uint64_t fsz = s->io->size(s->io);
    uint32_t *vec_pos = NULL;
    size_t vec_cap = 0;
    uint64_t *ids = NULL;
    uint8_t *rows = NULL;
    uint32_t tmp_cap = 0;
    /* the root knows how many vectors are coming: one allocation, no regrowth; but no more than
     * the directory's VEC_SEG payloads can hold (a hostile count must not size the table) */
    uint64_t fit = 0;
    for (uint32_t i = 0; i < m->ndir && fit < fsz; i++)
        if (m->dir[i].seg_type == RVF_SEG_VEC && m->dir[i].payload_length <= fsz)
            fit += m->dir[i].payload_length / s->row_bytes;
    uint64_t want = m->total_vectors < fit ? m->total_vectors : fit;
    rvf_status st = want < UINT32_MAX ? table_reserve(s, (size_t)want) : RVF_OK;
    s->stale_after_dir = UINT32_MAX;
    for (uint32_t i = 0; i < m->ndir && s->stale_after_dir == UINT32_MAX; i++)
        if (m->dir[i].seg_type == RVF_SEG_INDEX)
            s->stale_after_dir = i;
    s->loading = true;
    for (uint32_t i = 0; i < m->ndir && st == RVF_OK; i++) {
        const rvf_dir_entry *e = &m->dir[i];
        s->load_dir_i = i;
        if (e->seg_type != RVF_SEG_VEC && e->seg_type != RVF_SEG_META)
            continue;
        const uint64_t *rids;
        const uint8_t *rrows;
        size_t rcount;
        if (e->seg_type == RVF_SEG_VEC && layera_resident(s, e, &rids, &rrows, &rcount)) {
            /* a partition a Layer-A query already read (and verified): not read again */
            st = load_rows(s, i, rids, rrows, rcount, &vec_pos, &vec_cap);
            if (st != RVF_OK)
                st = fail(st, "VEC_SEG id %llu (resident partition): %s",
                          (unsigned long long)e->segment_id, rvf_strerror(st));
            continue;
        }
        const uint8_t *p;
        bool owned;
        st = rvf_seg_load(s->io, e, fsz, &p, &owned);
        if (st == RVF_ERR_INVALID_VERSION) { /* a newer segment version: skipped (FORMAT.md) */
            st = RVF_OK;
            continue;
        }
        if (st != RVF_OK) {
            st = fail(st, "%s id %llu at offset %llu: %s", seg_name(e->seg_type),
                      (unsigned long long)e->segment_id, (unsigned long long)e->file_offset,
                      rvf_strerror(st));
            break;
        }
        if (e->seg_type == RVF_SEG_VEC) {
            rvf_vec_block *blk = NULL;
            uint32_t nb = 0;
            st = rvf_vecseg_blocks(p, (size_t)e->payload_length, &blk, &nb);
            for (uint32_t b = 0; b < nb && st == RVF_OK; b++) {
                if (blk[b].dim != s->dim || blk[b].dtype != s->dtype)
                    continue; /* other dimensions: listed, not searched (FORMAT.md) */
                if (blk[b].count > tmp_cap) { /* block buffers reused across blocks */
                    rvf_free(ids);
                    rvf_free(rows);
                    tmp_cap = blk[b].count;
                    ids = rvf_malloc((size_t)tmp_cap * 8 + 8);
                    rows = rvf_malloc((size_t)tmp_cap * s->row_bytes + 1);
                }
                if (!ids || !rows) {
                    st = RVF_ERR_OUT_OF_MEMORY;
                    tmp_cap = 0;
                }
                if (st == RVF_OK)
                    st = rvf_vecseg_decode_block(p, (size_t)e->payload_length, &blk[b], ids, rows);
                if (st == RVF_OK)
                    st = load_rows(s, i, ids, rows, blk[b].count, &vec_pos, &vec_cap);
            }
            rvf_free(blk);
            if (st != RVF_OK)
                st = fail(st, "VEC_SEG id %llu at offset %llu: %s",
                          (unsigned long long)e->segment_id, (unsigned long long)e->file_offset,
                          rvf_strerror(st));
        } else if (s->n) {
            meta_ctx c = {s, i, vec_pos};
            uint64_t lo, hi;
            if (rvf_metaseg_no_columns(p, (size_t)e->payload_length, &lo, &hi)) {
                /* no columns: clear the ids of the range this store holds, not 2^32 rows */
                st = rvf_metaseg_decode(p, (size_t)e->payload_length, NULL, NULL);
                for (size_t j = 0; j < s->n && st == RVF_OK; j++)
                    if (s->ids[j] >= lo && s->ids[j] <= hi)
                        st = meta_row(&c, s->ids[j], NULL, 0);
            } else
                st = rvf_metaseg_decode(p, (size_t)e->payload_length, meta_row, &c);
            if (st != RVF_OK)
                st = fail(st, "META_SEG id %llu at offset %llu: %s",
                          (unsigned long long)e->segment_id, (unsigned long long)e->file_offset,
                          rvf_strerror(st));
        }
        if (owned)
            rvf_free((void *)p);
    }
    s->loading = false;
    rvf_free(vec_pos);
    rvf_free(ids);
    rvf_free(rows);
    if (st != RVF_OK) {
        table_free(s);
        return st;
    }
    for (size_t i = 0; i < m->ndeleted; i++) {
        int64_t j = find_slot(s, m->deleted[i]);
        if (j >= 0 && !s->dead[j]) {
            s->dead[j] = 1;
            s->ndead++;
        }
    }
    s->loaded = true;
    layera_drop(s); /* the progressive state's rows are in the table now */
    s->la_tried = true;
    return RVF_OK;
}

static rvf_status store_boot(rvf_store *s, int64_t at_epoch, bool root_boot);

/* A store booted from the root alone reads its Level 1 here, on the first call that needs more
 * than the root (RVF_LOAD_ROOT -> RVF_LOAD_MANIFEST). A read error leaves the store as it was, so
 * the call can be retried (a range source that fetches asynchronously fails and retries, js/);
 * a damaged Level 1 falls back to the previous manifest by the backward scan (RVF-BRIEF §4.5). */
static rvf_status ensure_manifest(rvf_store *s)
{
    if (s->boot_failed != RVF_OK)
        return s->boot_failed;
    if (!s->root_only)
        return RVF_OK;
    rvf_status st = rvf_manifest_complete(s->io, s->io->size(s->io), &s->man);
    switch (st) {
    case RVF_OK:
        s->root_only = false;
        st = load_native(s);
        break;
    case RVF_ERR_INVALID_MAGIC:
    case RVF_ERR_INVALID_VERSION:
    case RVF_ERR_INVALID_CHECKSUM:
    case RVF_ERR_TRUNCATED_SEGMENT:
    case RVF_ERR_INVALID_MANIFEST:
    case RVF_ERR_ALIGNMENT_ERROR:
    case RVF_ERR_SEGMENT_TOO_LARGE:
        s->root_only = false;
        memset(&s->man, 0, sizeof s->man);
        st = store_boot(s, -1, false);
        break;
    default:
        return fail(st, "reading Level 1 of the manifest at offset %llu: %s",
                    (unsigned long long)s->man.offset, rvf_strerror(st));
    }
    if (st != RVF_OK)
        s->boot_failed = st;
    return st;
}

static rvf_status ensure_loaded(rvf_store *s)
{
    rvf_status st = ensure_manifest(s);
    if (st != RVF_OK)
        return st;
    return s->loaded ? RVF_OK : load_data(s);
}

/* The reference runtime's dialect: loaded read-only into the same table (f32). */
static rvf_status ref_vector(void *ctx, uint64_t id, const float *v, uint32_t dim)
{
    rvf_store *s = ctx;
    if (dim != s->dim)
        return RVF_OK; /* the reference parses each VEC with its own dim; we keep the primary */
    uint8_t *row = rvf_malloc(s->row_bytes);
    if (!row)
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < dim; i++)
        rvfk_st_f32(row + 4 * (size_t)i, v[i]);
    rvf_status st = table_upsert(s, id, row, NULL);
    rvf_free(row);
    return st;
}

static rvf_status ref_deleted(void *ctx, uint64_t id)
{
    rvf_store *s = ctx;
    int64_t j = find_slot(s, id);
    if (j >= 0 && !s->dead[j]) {
        s->dead[j] = 1;
        s->ndead++;
    }
    return RVF_OK;
}

typedef struct ref_seg_ctx {
    rvf_store *s;
} ref_seg_ctx;

static rvf_status ref_segment(void *ctx, const rvf_segment_info *seg)
{
    rvf_store *s = ctx;
    rvf_dir_entry *d = rvf_realloc(s->man.dir, (s->man.ndir + 1) * sizeof *d);
    if (!d)
        return RVF_ERR_OUT_OF_MEMORY;
    s->man.dir = d;
    memset(&d[s->man.ndir], 0, sizeof *d);
    d[s->man.ndir].segment_id = seg->segment_id;
    d[s->man.ndir].seg_type = seg->seg_type;
    d[s->man.ndir].flags = seg->flags;
    d[s->man.ndir].file_offset = seg->offset;
    d[s->man.ndir].payload_length = seg->payload_length;
    s->man.ndir++;
    return RVF_OK;
}

static rvf_status load_reference(rvf_store *s)
{
    rvf_ref_info info;
    memset(&info, 0, sizeof info);
    /* dimension is needed before vectors arrive: a first pass without the vector sink */
    rvf_ref_sink probe = {s, NULL, NULL, NULL};
    rvf_status st = rvf_ref_load(s->io, &info, &probe);
    if (st != RVF_OK)
        return fail(st, "reference-dialect file: %s", rvf_strerror(st));
    s->dialect = 1;
    s->read_only = true;
    s->dim = info.dimension;
    s->dtype = RVF_DTYPE_F32;
    s->metric = info.metric <= RVF_METRIC_COSINE ? info.metric : RVF_METRIC_L2;
    s->profile_id = info.profile_id;
    s->row_bytes = (size_t)s->dim * 4;
    rvf_ref_sink sink = {s, ref_segment, ref_vector, ref_deleted};
    st = rvf_ref_load(s->io, &info, &sink);
    if (st != RVF_OK)
        return fail(st, "reference-dialect file: %s", rvf_strerror(st));
    s->man.epoch = info.epoch;
    s->man.dimension = info.dimension;
    s->man.offset = info.manifest_offset;
    s->man.total_vectors = s->n;
    memcpy(s->man.file_id, info.file_id, 16);
    memcpy(s->man.parent_id, info.parent_id, 16);
    memcpy(s->man.parent_hash, info.parent_hash, 32);
    s->man.lineage_depth = info.lineage_depth;
    s->end = s->io->size(s->io);
    s->loaded = true;
    s->recovered_from = info.skipped_bad;
    if (info.skipped_bad != UINT64_MAX)
        fail(RVF_OK,
             "reference-dialect file: the manifest at offset %llu fails its content hash; "
             "opened the previous one (epoch %u)",
             (unsigned long long)info.skipped_bad, info.epoch);
    return RVF_OK;
}

/* Find the newest manifest and load it (or the reference dialect). root_boot: read only the
 * root (4096 bytes) when it is valid; Level 1 follows on first use (ensure_manifest). */
static rvf_status store_boot(rvf_store *s, int64_t at_epoch, bool root_boot)
{
    uint64_t fsz = s->io->size(s->io);
    uint64_t bad;
    rvf_status st;
    if (root_boot && at_epoch < 0) {
        st = rvf_manifest_read_root(s->io, fsz, &s->man);
        if (st == RVF_OK) {
            s->root_only = true;
            s->dim = s->man.dimension;
            s->dtype = s->man.base_dtype;
            s->profile_id = s->man.profile_id;
            s->recovered_from = UINT64_MAX;
            return RVF_OK;
        }
        if (st != RVF_ERR_MANIFEST_NOT_FOUND)
            return fail(st, "reading the root: %s", rvf_strerror(st));
    }
    st = rvf_manifest_locate(s->io, fsz, &s->man, &bad);
    if (st == RVF_ERR_MANIFEST_NOT_FOUND && rvf_ref_detect(s->io))
        return load_reference(s);
    if (st != RVF_OK)
        return fail(st, "no valid RVF manifest in %llu bytes", (unsigned long long)fsz);
    s->recovered_from = bad;
    if (bad != UINT64_MAX) /* opened, but say why this is not the newest commit */
        fail(RVF_OK, "the manifest at offset %llu is damaged; opened the previous one (epoch %u)",
             (unsigned long long)bad, s->man.epoch);
    while (at_epoch >= 0 && s->man.epoch != (uint32_t)at_epoch) {
        if (!s->man.has_chain || s->man.epoch < (uint32_t)at_epoch || !s->man.prev_manifest_id)
            return fail(RVF_ERR_NOT_FOUND, "epoch %lld is not in the manifest chain",
                        (long long)at_epoch);
        uint64_t prev = s->man.prev_manifest_offset;
        rvf_manifest_free(&s->man);
        st = rvf_manifest_read_at(s->io, prev, fsz, &s->man);
        if (st != RVF_OK)
            return fail(st, "manifest chain broken at offset %llu: %s", (unsigned long long)prev,
                        rvf_strerror(st));
    }
    return load_native(s);
}

/* ---- committing ---------------------------------------------------------------------------- */
static rvf_status io_sync(rvf_store *s)
{
    return s->no_sync || !s->io->sync ? RVF_OK : s->io->sync(s->io);
}

/* The commit (FORMAT.md "Write protocol"): data segments (already encoded in `data`, starting at
 * file offset s->end, their directory entries in add[]), fsync, then the manifest `m` (whose dir,
 * deleted list and counters the caller prepared), fsync. On success s->man becomes m. */
static rvf_status store_commit(rvf_store *s, rvf_buf *data, rvf_manifest *m)
{
    if (s->read_only)
        return RVF_ERR_READ_ONLY;
    rvf_status st = RVF_OK;
    if (data->len) {
        st = s->io->write(s->io, s->end, data->data, data->len);
        if (st == RVF_OK)
            st = io_sync(s);
        if (st != RVF_OK)
            return fail(st, "appending %zu bytes at offset %llu: %s", data->len,
                        (unsigned long long)s->end, rvf_strerror(st));
    }
    m->offset = s->end + data->len;
    m->segment_id = s->next_seg_id++;
    m->has_chain = s->man.offset || s->man.payload_length;
    m->prev_manifest_offset = s->man.offset;
    m->prev_manifest_id = s->man.segment_id;
    if (m->has_chain) /* the superseded manifest becomes dead space (added to what the caller
                         counted, e.g. segments it dropped from the directory) */
        m->dead_bytes += RVF_SEGMENT_HEADER_SIZE + s->man.payload_length;
    m->modified_ns = now_ns();
    rvf_buf mb;
    rvf_buf_init(&mb);
    st = rvf_manifest_emit(&mb, m, s->algo);
    if (st == RVF_OK)
        st = s->io->write(s->io, m->offset, mb.data, mb.len);
    if (st == RVF_OK)
        st = io_sync(s);
    uint64_t new_end = m->offset + mb.len;
    rvf_buf_free(&mb);
    if (st != RVF_OK)
        return fail(st, "writing the manifest at offset %llu: %s", (unsigned long long)m->offset,
                    rvf_strerror(st));
    rvf_manifest_free(&s->man);
    s->man = *m;
    s->end = new_end;
    return RVF_OK;
}

/* A copy of the current manifest's state for the next commit (dir and deleted duplicated). */
static rvf_status manifest_next(rvf_store *s, rvf_manifest *m, uint32_t extra_dir)
{
    *m = s->man;
    m->dir = rvf_malloc(((size_t)s->man.ndir + extra_dir) * sizeof *m->dir + 1);
    m->deleted = NULL;
    m->ndeleted = 0;
    if (!m->dir)
        return RVF_ERR_OUT_OF_MEMORY;
    if (s->man.ndir)
        memcpy(m->dir, s->man.dir, s->man.ndir * sizeof *m->dir);
    m->epoch = s->man.epoch + 1;
    return RVF_OK;
}

/* Deleted ids (sorted) of the table after the pending change: slots in `kill` deleted, slots in
 * `revive` (re-ingested) live again; either may be NULL. */
static rvf_status deleted_list(rvf_store *s, const uint8_t *kill, const uint8_t *revive,
                               uint64_t **out, size_t *n)
{
#define RVF_GONE(i) ((s->dead[i] && !(revive && revive[i])) || (kill && kill[i]))
    size_t cnt = 0;
    for (size_t i = 0; i < s->n; i++)
        cnt += RVF_GONE(i);
    *n = cnt;
    *out = NULL;
    if (!cnt)
        return RVF_OK;
    uint64_t *d = rvf_malloc(cnt * sizeof *d);
    if (!d)
        return RVF_ERR_OUT_OF_MEMORY;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (RVF_GONE(i))
            d[k++] = s->ids[i];
#undef RVF_GONE
    /* sort (ids are mostly ascending already): heap sort keeps this allocation-free */
    for (size_t start = cnt / 2; start-- > 0;)
        for (size_t r = start;;) {
            size_t c = 2 * r + 1;
            if (c >= cnt)
                break;
            if (c + 1 < cnt && d[c + 1] > d[c])
                c++;
            if (d[r] >= d[c])
                break;
            uint64_t t = d[r];
            d[r] = d[c];
            d[c] = t;
            r = c;
        }
    for (size_t end = cnt; end-- > 1;) {
        uint64_t t = d[0];
        d[0] = d[end];
        d[end] = t;
        for (size_t r = 0;;) {
            size_t c = 2 * r + 1;
            if (c >= end)
                break;
            if (c + 1 < end && d[c + 1] > d[c])
                c++;
            if (d[r] >= d[c])
                break;
            t = d[r];
            d[r] = d[c];
            d[c] = t;
            r = c;
        }
    }
    *out = d;
    return RVF_OK;
}

/* Append a WITNESS_SEG (one entry, genesis) for an action; links it to the previous head by
 * including the head's hex in the action record. */
static void witness_emit(const rvf_store *s, rvf_buf *data, uint64_t base, uint64_t *next_id,
                         rvf_manifest *m, uint8_t type, const char *action)
{
    if (s->no_witness && type != RVF_WITNESS_DERIVATION) /* lineage is always witnessed */
        return;
    char rec[256];
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * (size_t)i, 3, "%02x", m->witness_head[i]);
    int len = snprintf(rec, sizeof rec, "%s,prev=%s", action, hex);
    rvf_buf w;
    rvf_buf_init(&w);
    rvf_witness_append(&w, rec, (size_t)len, now_ns(), type);
    if (rvf_buf_status(&w) == RVF_OK) {
        rvf_dir_entry *e = &m->dir[m->ndir];
        rvf_seg_emit(data, base, RVF_SEG_WITNESS, 0, (*next_id)++, s->algo, w.data, w.len, 0, e);
        m->ndir++;
        m->has_witness = true;
        m->witness_seg_offset = e->file_offset;
        m->witness_count++;
        rvf_shake256(w.data, w.len, m->witness_head, 32);
    }
    rvf_buf_free(&w);
}

/* ---- opening ------------------------------------------------------------------------------ */
rvf_options rvf_options_default(uint32_t dimension)
{
    rvf_options o;
    memset(&o, 0, sizeof o);
    o.dimension = dimension;
    o.metric = RVF_METRIC_L2;
    o.dtype = RVF_DTYPE_F32;
    o.checksum_algo = RVF_HASH_XXH3_128;
    o.block_vectors = RVF_VEC_BLOCK_VECTORS;
    return o;
}

static rvf_status check_options(const rvf_options *o)
{
    if (!o || o->dimension == 0 || o->dimension > 65535)
        return fail(RVF_ERR_INVALID_ARGUMENT, "dimension must be 1..65535");
    if (o->metric > RVF_METRIC_COSINE)
        return fail(RVF_ERR_METRIC_UNSUPPORTED, "metric %d: use L2, IP or cosine for float vectors",
                    (int)o->metric);
    if (o->dtype != RVF_DTYPE_F32 && o->dtype != RVF_DTYPE_F16)
        return fail(RVF_ERR_INVALID_ARGUMENT, "dtype must be f32 or f16");
    if (o->checksum_algo && o->checksum_algo != RVF_HASH_XXH3_128 &&
        o->checksum_algo != RVF_HASH_SHAKE256)
        return fail(RVF_ERR_INVALID_ARGUMENT,
                    "checksum_algo must be 1 (XXH3-128) or 2 (SHAKE-256)");
    return RVF_OK;
}

static void apply_options(rvf_store *s, const rvf_options *o)
{
    s->dim = o->dimension;
    s->dtype = (uint8_t)o->dtype;
    s->metric = (uint8_t)o->metric;
    s->profile_id = o->profile_id;
    s->algo = o->checksum_algo ? o->checksum_algo : RVF_HASH_XXH3_128;
    s->no_witness = o->no_witness;
    s->no_sync = o->no_sync;
    s->block_vectors = o->block_vectors ? o->block_vectors : RVF_VEC_BLOCK_VECTORS;
    s->row_bytes = (size_t)s->dim * rvf_dtype_size(s->dtype);
}

/* The epoch-0 manifest of a new file, with a fresh file id and room for one witness entry. */
static rvf_status first_manifest(const rvf_store *s, rvf_manifest *m)
{
    memset(m, 0, sizeof *m);
    m->dimension = (uint16_t)s->dim;
    m->base_dtype = s->dtype;
    m->profile_id = s->profile_id;
    m->metric = s->metric;
    m->has_capability = true;
    m->min_hw_profile = 3; /* Full: float vectors and exact scan */
    m->created_ns = now_ns();
    random_bytes(m->file_id, 16);
    m->dir = rvf_malloc(sizeof *m->dir * 2);
    return m->dir ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
}

/* The first commit of a new store (epoch 0, empty): a PROVENANCE witness, or for a child of
 * `parent` the lineage fields in the root and a DERIVATION witness (always written). */
static rvf_status store_init_file(rvf_store *s, const rvf_store *parent, uint8_t derivation_type,
                                  const char *description)
{
    rvf_manifest m;
    if (first_manifest(s, &m) != RVF_OK)
        return RVF_ERR_OUT_OF_MEMORY;
    s->next_seg_id = 1;
    s->end = 0;
    s->loaded = true;
    rvf_buf data;
    rvf_buf_init(&data);
    if (!parent) {
        witness_emit(s, &data, s->end, &s->next_seg_id, &m, RVF_WITNESS_PROVENANCE,
                     "create:epoch=0");
    } else {
        memcpy(m.parent_id, parent->man.file_id, 16);
        rvf_shake256(parent->man.root, RVF_ROOT_SIZE, m.parent_hash, 32);
        m.lineage_depth = parent->man.lineage_depth + 1;
        uint8_t rec[RVF_LINEAGE_RECORD_SIZE], h[32];
        rvf_lineage_record(rec, m.file_id, m.parent_id, m.parent_hash, derivation_type, 0,
                           m.created_ns, description ? description : "");
        rvf_shake256(rec, sizeof rec, h, 32);
        char act[160];
        int k = snprintf(act, sizeof act, "derive:type=%u,lineage=", derivation_type);
        for (int i = 0; i < 32 && k < (int)sizeof act - 3; i++)
            k += snprintf(act + k, sizeof act - (size_t)k, "%02x", h[i]);
        witness_emit(s, &data, s->end, &s->next_seg_id, &m, RVF_WITNESS_DERIVATION, act);
    }
    rvf_status st = rvf_buf_status(&data);
    if (st == RVF_OK)
        st = store_commit(s, &data, &m);
    if (st != RVF_OK) /* on success the store owns m */
        rvf_manifest_free(&m);
    rvf_buf_free(&data);
    return st;
}

/* New files appear complete or not at all: the first commit goes to <path>.create.tmp, which is
 * then linked to the path (link fails when the path exists, as O_EXCL would) and unlinked. A crash
 * during create leaves no half-made file under the path, only a temporary the next create
 * removes. */
static rvf_status begin_new_file(rvf_store *s, const char *path, char **tmp)
{
    *tmp = NULL;
    if (access(path, F_OK) == 0)
        return fail(RVF_ERR_ALREADY_EXISTS, "%s already exists", path);
    *tmp = str_dup(path, ".create.tmp");
    if (!*tmp)
        return RVF_ERR_OUT_OF_MEMORY;
    unlink(*tmp);
    rvf_status st = rvf_io_file_open(*tmp, RVF_IO_READ | RVF_IO_WRITE | RVF_IO_CREATE, &s->io);
    if (st != RVF_OK)
        st = fail(st, "creating %s: %s", *tmp, rvf_strerror(st));
    return st;
}

static rvf_status publish_new_file(rvf_store *s, const char *path, const char *tmp)
{
    rvf_status st = RVF_OK;
    if (!tmp)
        return RVF_ERR_INVALID_ARGUMENT;
    if (link(tmp, path) != 0) {
        int e = errno;
        if (e == EEXIST)
            st = fail(RVF_ERR_ALREADY_EXISTS, "%s already exists", path);
        else if (access(path, F_OK) != 0 && rename(tmp, path) == 0)
            /* no hard links on this file system (EPERM, ENOTSUP, EMLINK under Emscripten): a
             * rename, exclusive only up to the check just made */
            return s->no_sync ? RVF_OK : rvf_fsync_dir(path);
        else
            st = fail(RVF_ERR_IO_ERROR, "linking %s to %s: %s", tmp, path, strerror(e));
    }
    unlink(tmp);
    if (st == RVF_OK && !s->no_sync)
        st = rvf_fsync_dir(path);
    return st;
}

/* A new file at path, locked, published whole (begin_new_file / publish_new_file). */
static rvf_status create_store(const char *path, const rvf_options *opt, const rvf_store *parent,
                               uint8_t derivation_type, const char *description, rvf_store **out)
{
    rvf_store *s = store_new();
    if (!s)
        return RVF_ERR_OUT_OF_MEMORY;
    apply_options(s, opt);
    rvf_status st = RVF_OK;
    s->path = str_dup(path, NULL);
    if (!s->path)
        st = RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK && (st = rvf_lock_acquire(path, &s->lock)) != RVF_OK)
        st = fail(st, "%s.lock is held by another writer", path);
    char *tmp = NULL;
    if (st == RVF_OK)
        st = begin_new_file(s, path, &tmp);
    if (st == RVF_OK)
        st = store_init_file(s, parent, derivation_type, description);
    if (st == RVF_OK)
        st = publish_new_file(s, path, tmp);
    if (st != RVF_OK && tmp)
        unlink(tmp);
    rvf_free(tmp);
    if (st != RVF_OK) {
        store_free(s);
        return st;
    }
    *out = s;
    return RVF_OK;
}

rvf_status rvf_create(const char *path, const rvf_options *opt, rvf_store **out)
{
    *out = NULL;
    g_detail[0] = 0;
    rvf_status st = check_options(opt);
    return st != RVF_OK ? st : create_store(path, opt, NULL, 0, NULL, out);
}

static rvf_status open_path(const char *path, bool write, int64_t at_epoch, rvf_store **out)
{
    *out = NULL;
    g_detail[0] = 0;
    rvf_store *s = store_new();
    if (!s)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_status st = RVF_OK;
    s->path = str_dup(path, NULL);
    s->read_only = !write;
    s->lazy = !write;
    s->algo = RVF_HASH_XXH3_128;
    s->block_vectors = RVF_VEC_BLOCK_VECTORS;
    if (!s->path)
        st = RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK && write) {
        if ((st = rvf_lock_acquire(path, &s->lock)) != RVF_OK)
            st = fail(st, "%s.lock is held by another writer", path);
        else { /* a compaction that died before its rename leaves a temporary file */
            char *tmp = str_dup(path, ".compact.tmp");
            if (tmp)
                unlink(tmp);
            rvf_free(tmp);
        }
    }
    if (st == RVF_OK &&
        (st = rvf_io_file_open(path, write ? RVF_IO_READ | RVF_IO_WRITE : RVF_IO_READ, &s->io)) !=
            RVF_OK)
        st = fail(st, "opening %s: %s", path, rvf_strerror(st));
    if (st == RVF_OK)
        st = store_boot(s, at_epoch, false);
    if (st == RVF_OK && write && !s->read_only && s->end < s->io->size(s->io)) {
        /* uncommitted bytes after the newest valid manifest: drop them before appending */
        st = s->io->truncate(s->io, s->end);
        if (st == RVF_OK)
            st = io_sync(s);
    }
    if (st == RVF_OK && at_epoch >= 0)
        s->read_only = true;
    if (st != RVF_OK) {
        store_free(s);
        return st;
    }
    *out = s;
    return RVF_OK;
}

rvf_status rvf_open(const char *path, rvf_store **out)
{
    return open_path(path, true, -1, out);
}

rvf_status rvf_open_readonly(const char *path, rvf_store **out)
{
    return open_path(path, false, -1, out);
}

rvf_status rvf_open_at_epoch(const char *path, uint32_t epoch, rvf_store **out)
{
    return open_path(path, false, epoch, out);
}

static rvf_status open_io(rvf_io *io, bool writable, bool root_boot, rvf_store **out)
{
    *out = NULL;
    g_detail[0] = 0;
    if (!io)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_store *s = store_new();
    if (!s) {
        io->close(io);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    s->io = io;
    s->read_only = !writable;
    s->lazy = !writable;
    s->memory = writable;
    s->algo = RVF_HASH_XXH3_128;
    s->block_vectors = RVF_VEC_BLOCK_VECTORS;
    rvf_status st = store_boot(s, -1, root_boot);
    if (st == RVF_OK && writable && !s->read_only && s->end < io->size(io))
        st = io->truncate(io, s->end);
    if (st != RVF_OK) {
        store_free(s);
        return st;
    }
    *out = s;
    return RVF_OK;
}

rvf_status rvf_open_view(const void *bytes, size_t len, rvf_store **out)
{
    rvf_io *io = NULL;
    rvf_status st = rvf_io_view(bytes, len, &io);
    if (st != RVF_OK)
        return st;
    return open_io(io, false, false, out);
}

rvf_status rvf_open_source(const rvf_source *src, rvf_store **out)
{
    rvf_io *io = NULL;
    rvf_status st = rvf_io_source(src, &io);
    if (st != RVF_OK)
        return st;
    st = open_io(io, false, true, out); /* boot reads the root alone: 4096 bytes */
    if (st == RVF_OK) /* a remote or slow source: approximate queries start from Layer A */
        (*out)->progressive = true;
    return st;
}

rvf_status rvf_open_memory(const void *bytes, size_t len, rvf_store **out)
{
    rvf_io *io = NULL;
    rvf_status st = rvf_io_memory(bytes, len, &io);
    if (st != RVF_OK)
        return st;
    return open_io(io, true, false, out);
}

rvf_status rvf_create_memory(const rvf_options *opt, rvf_store **out)
{
    *out = NULL;
    g_detail[0] = 0;
    rvf_status st = check_options(opt);
    if (st != RVF_OK)
        return st;
    rvf_store *s = store_new();
    if (!s)
        return RVF_ERR_OUT_OF_MEMORY;
    apply_options(s, opt);
    s->memory = true;
    st = rvf_io_memory(NULL, 0, &s->io);
    if (st == RVF_OK)
        st = store_init_file(s, NULL, 0, NULL);
    if (st != RVF_OK) {
        store_free(s);
        return st;
    }
    *out = s;
    return RVF_OK;
}

rvf_status rvf_store_bytes(rvf_store *s, const uint8_t **bytes, size_t *len)
{
    if (!s || !s->memory)
        return RVF_ERR_INVALID_ARGUMENT;
    *bytes = rvf_io_memory_bytes(s->io, len);
    return RVF_OK;
}

rvf_status rvf_refresh(rvf_store *s)
{
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    if (!s->read_only || s->lock || !s->path)
        return RVF_OK; /* a writer's view is always the newest; bytes in memory never change */
    /* reopen by path: after a compaction the path names a new file (our descriptor keeps the
     * old one alive); the handle switches only when the new snapshot opened */
    rvf_store *ns = NULL;
    rvf_status st = open_path(s->path, false, -1, &ns);
    if (st != RVF_OK)
        return st;
    rvf_store old = *s;
    *s = *ns;
    *ns = old;
    store_free(ns);
    return RVF_OK;
}

rvf_status rvf_close(rvf_store *s)
{
    if (!s)
        return RVF_OK;
    rvf_status st = RVF_OK;
    if (!s->read_only && s->io->sync && !s->no_sync)
        st = s->io->sync(s->io);
    store_free(s);
    return st;
}

/* ---- ingest --------------------------------------------------------------------------------- */
typedef struct sort_item {
    uint64_t id;
    uint32_t idx; /* position in the batch; later positions win */
} sort_item;

static void sort_items(sort_item *a, size_t n)
{
    /* merge sort by (id, idx): stable and O(n log n) */
    if (n < 2)
        return;
    sort_item *tmp = rvf_malloc(n * sizeof *tmp);
    if (!tmp) { /* insertion sort fallback */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && a[j - 1].id > a[j].id; j--) {
                sort_item t = a[j];
                a[j] = a[j - 1];
                a[j - 1] = t;
            }
        return;
    }
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = a[j].id < a[i].id ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *a);
    }
    rvf_free(tmp);
}

rvf_status rvf_ingest(rvf_store *s, const float *vectors, const uint64_t *ids, size_t n,
                      const rvf_value *meta, const uint32_t *meta_counts)
{
    g_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return fail(RVF_ERR_READ_ONLY, s->dialect ? "a reference-dialect file is read-only "
                                                    "(rvf_save_as converts it to RVF)"
                                                  : "the store is open read-only");
    if (n == 0)
        return RVF_OK;
    rvf_status lst = ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    if (!vectors || !ids || n > UINT32_MAX / 2)
        return fail(RVF_ERR_INVALID_ARGUMENT, "vectors and ids are required");
    for (size_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < s->dim; d++)
            if (!isfinite(vectors[i * s->dim + d]))
                return fail(RVF_ERR_INVALID_ARGUMENT,
                            "vector %zu (id %llu) has a NaN or infinite value at dimension %u; "
                            "the batch was not written",
                            i, (unsigned long long)ids[i], d);
    size_t *moff = NULL;
    if (meta_counts) {
        moff = rvf_malloc((n + 1) * sizeof *moff);
        if (!moff)
            return RVF_ERR_OUT_OF_MEMORY;
        moff[0] = 0;
        for (size_t i = 0; i < n; i++)
            moff[i + 1] = moff[i] + meta_counts[i];
        if (moff[n] && !meta) {
            rvf_free(moff);
            return fail(RVF_ERR_INVALID_ARGUMENT, "meta_counts given without meta values");
        }
    }
    /* sort by id; for duplicate ids the last one of the batch wins. A batch already in strictly
     * ascending id order (the common case) is used in place: no sort, no copy. */
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = ids[i] > ids[i - 1];
    sort_item *it = rvf_malloc(n * sizeof *it);
    size_t m = 0;
    rvf_status st = it ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK) {
        for (size_t i = 0; i < n; i++)
            it[i] = (sort_item){ids[i], (uint32_t)i};
        if (!sorted)
            sort_items(it, n);
        for (size_t i = 0; i < n; i++) {
            if (m && it[m - 1].id == it[i].id)
                it[m - 1] = it[i];
            else
                it[m++] = it[i];
        }
    }
    bool in_place = sorted && s->dtype == RVF_DTYPE_F32 && rvfk_f32_bits(1.0f) == 0x3f800000u &&
                    *(const uint8_t *)&(const uint16_t){1} == 1; /* little-endian host */
    uint64_t *sids_buf = st == RVF_OK && !sorted ? rvf_malloc(m * sizeof *sids_buf) : NULL;
    uint8_t *rows_buf = st == RVF_OK && !in_place ? rvf_malloc(m * s->row_bytes + 1) : NULL;
    if (st == RVF_OK && ((!sorted && !sids_buf) || (!in_place && !rows_buf)))
        st = RVF_ERR_OUT_OF_MEMORY;
    const uint64_t *sids = sorted ? ids : sids_buf;
    const uint8_t *rows = in_place ? (const uint8_t *)vectors : rows_buf;
    for (size_t i = 0; st == RVF_OK && !sorted && i < m; i++)
        sids_buf[i] = it[i].id;
    for (size_t i = 0; st == RVF_OK && !in_place && i < m; i++) {
        const float *v = vectors + (size_t)it[i].idx * s->dim;
        uint8_t *r = rows_buf + i * s->row_bytes;
        if (s->dtype == RVF_DTYPE_F32)
            for (uint32_t d = 0; d < s->dim; d++)
                rvfk_st_f32(r + 4 * (size_t)d, v[d]);
        else
            for (uint32_t d = 0; d < s->dim; d++)
                rvfk_st_u16(r + 2 * (size_t)d, rvfk_f32_to_f16(v[d]));
    }
    /* encode: VEC_SEGs (split to stay far below 2^32 bytes), META_SEGs per run of ids, witness */
    rvf_buf data = s->scratch, pl;
    data.len = 0;
    s->scratch.data = NULL; /* taken; given back (with its capacity) at the end */
    rvf_buf_init(&s->scratch);
    rvf_buf_init(&pl);
    rvf_manifest nm;
    memset(&nm, 0, sizeof nm);
    size_t per_seg = ((size_t)1 << 30) / (s->row_bytes + 16);
    rvf_buf_reserve(&data, m * (s->row_bytes + 12) + 4096);
    size_t nseg = st == RVF_OK ? (m + per_seg - 1) / per_seg : 0;
    size_t nmeta_runs = 0;
    if (st == RVF_OK && moff && moff[n])
        for (size_t i = 0; i < m; i++)
            nmeta_runs += i == 0 || sids[i] != sids[i - 1] + 1;
    if (st == RVF_OK)
        st = manifest_next(s, &nm, (uint32_t)(nseg + nmeta_runs + 1));
    for (size_t k = 0; st == RVF_OK && k < nseg; k++) {
        size_t a = k * per_seg, cnt = m - a < per_seg ? m - a : per_seg;
        size_t at = rvf_seg_begin(&data);
        st = rvf_vecseg_encode(&data, sids + a, rows + a * s->row_bytes, (uint32_t)cnt,
                               (uint16_t)s->dim, s->dtype, s->block_vectors);
        if (st == RVF_OK && (st = rvf_buf_status(&data)) == RVF_OK) {
            uint32_t nb = (uint32_t)((cnt + s->block_vectors - 1) / s->block_vectors);
            rvf_seg_end(&data, at, s->end, RVF_SEG_VEC, 0, s->next_seg_id++, s->algo, nb,
                        &nm.dir[nm.ndir++]);
        }
    }
    rvf_meta_row *mrows = NULL;
    if (st == RVF_OK && nmeta_runs) {
        mrows = rvf_malloc(m * sizeof *mrows);
        if (!mrows)
            st = RVF_ERR_OUT_OF_MEMORY;
        for (size_t i = 0; st == RVF_OK && i < m; i++) {
            size_t src = it[i].idx;
            mrows[i].fields = meta + moff[src];
            mrows[i].nfields = meta_counts[src];
        }
        for (size_t a = 0; st == RVF_OK && a < m;) {
            size_t b = a + 1;
            while (b < m && sids[b] == sids[b - 1] + 1)
                b++;
            pl.len = 0;
            st = rvf_metaseg_encode(&pl, sids[a], (uint32_t)(b - a), mrows + a);
            if (st == RVF_OK && (st = rvf_buf_status(&pl)) == RVF_OK)
                rvf_seg_emit(&data, s->end, RVF_SEG_META, 0, s->next_seg_id++, s->algo, pl.data,
                             pl.len, 0, &nm.dir[nm.ndir++]);
            a = b;
        }
        if (st != RVF_OK && st != RVF_ERR_OUT_OF_MEMORY)
            st = fail(st, "metadata could not be encoded (a field id used with two types in one "
                          "batch, or a value over 65535 bytes)");
    }
    /* new counts: ids not yet in the table add to total; re-ingested deleted ids come back */
    uint64_t new_ids = 0;
    uint8_t *revive = st == RVF_OK && s->ndead ? rvf_calloc(s->n + 1, 1) : NULL;
    if (st == RVF_OK && s->ndead && !revive)
        st = RVF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; st == RVF_OK && i < m; i++) {
        int64_t j = find_slot(s, sids[i]);
        if (j < 0)
            new_ids++;
        else if (revive && s->dead[j])
            revive[j] = 1;
    }
    if (st == RVF_OK) {
        char act[96];
        snprintf(act, sizeof act, "ingest:count=%zu,epoch=%u", m, nm.epoch);
        witness_emit(s, &data, s->end, &s->next_seg_id, &nm, RVF_WITNESS_COMPUTATION, act);
        nm.total_vectors = s->man.total_vectors + new_ids;
        st = deleted_list(s, NULL, revive, &nm.deleted, &nm.ndeleted);
    }
    if (st == RVF_OK)
        st = rvf_buf_status(&data);
    if (st == RVF_OK)
        st = store_commit(s, &data, &nm);
    else
        rvf_manifest_free(&nm);
    /* apply to the table only after the commit */
    for (size_t i = 0; st == RVF_OK && i < m; i++) {
        size_t slot;
        st = table_upsert(s, sids[i], rows + i * s->row_bytes, &slot);
        if (st == RVF_OK && mrows)
            st = meta_set(&s->meta[slot], mrows[i].fields, mrows[i].nfields);
    }
    rvf_free(revive);
    rvf_free(mrows);
    rvf_buf_free(&pl);
    if (data.cap <= ((size_t)64 << 20)) /* keep up to 64 MiB of scratch for the next batch */
        s->scratch = data;
    else
        rvf_buf_free(&data);
    rvf_free(rows_buf);
    rvf_free(sids_buf);
    rvf_free(it);
    rvf_free(moff);
    return st;
}

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
static rvf_status sketch_ready(rvf_store *s)
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
    if (!n || sketch_ready(s) != RVF_OK)
        return;
    for (uint32_t i = 0; i < n; i++)
        rvf_sketch_add(&s->sketch, hits[i].id / RVF_SKETCH_BLOCK_SIZE);
    s->sketch_dirty = true;
}

/* Emit the sketch as a SKETCH_SEG into data (at file offset base) and drop older ones from the
 * new manifest's directory (their bytes become dead space). Nothing when it did not change. */
static rvf_status sketch_emit(rvf_store *s, rvf_buf *data, uint64_t base, uint64_t *next_id,
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
    if (st == RVF_OK)
        rvf_seg_emit(data, base, RVF_SEG_SKETCH, 0, (*next_id)++, s->algo, pl.data, pl.len, 0,
                     &nm->dir[nm->ndir++]);
    rvf_buf_free(&pl);
    return st;
}

rvf_status rvf_temperature(rvf_store *s, uint64_t id, uint8_t *estimate, uint8_t *tier)
{
    if (!s || !estimate || !tier)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    rvf_status st = sketch_ready(s);
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

static rvf_hnsw_source rows_source(rvf_store *s)
{
    if (s->rows) /* contiguous f32 rows: no call per distance */
        return (rvf_hnsw_source){NULL, NULL, (const float *)(const void *)s->rows, s->dim};
    return (rvf_hnsw_source){hnsw_row, s, NULL, 0};
}

/* The graph of the file's INDEX_SEGs: the last SEALED one, then every later one laid over it.
 * NOT_FOUND when there is none or it was built for another metric than `metric` (-1: any). */
static rvf_status index_load(rvf_store *s, int metric)
{
    const rvf_manifest *m = &s->man;
    uint32_t base = UINT32_MAX;
    for (uint32_t i = 0; i < m->ndir; i++)
        if (m->dir[i].seg_type == RVF_SEG_INDEX && (m->dir[i].flags & RVF_FLAG_SEALED) &&
            !(m->dir[i].flags & RVF_FLAG_HOT)) /* HOT: Layer A, read by the progressive path */
            base = i;
    if (base == UINT32_MAX)
        return RVF_ERR_NOT_FOUND;
    uint64_t fsz = s->io->size(s->io);
    rvf_hnsw_source src = rows_source(s);
    rvf_hnsw *g = NULL;
    rvf_status st = RVF_OK;
    for (uint32_t i = base; i < m->ndir && st == RVF_OK; i++) {
        const rvf_dir_entry *e = &m->dir[i];
        if (e->seg_type != RVF_SEG_INDEX || (e->flags & RVF_FLAG_HOT))
            continue;
        const uint8_t *p;
        bool owned;
        if ((st = rvf_seg_load(s->io, e, fsz, &p, &owned)) != RVF_OK)
            break;
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
            st = fail(st, "INDEX_SEG id %llu at offset %llu: %s", (unsigned long long)e->segment_id,
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
        index_drop(s);
    if (!s->hnsw && !s->hnsw_load_failed) {
        rvf_status st = index_load(s, metric);
        if (st == RVF_ERR_IO_ERROR)
            return st; /* not readable yet (a range source fetching on demand): no fallback */
        if (st != RVF_OK && st != RVF_ERR_NOT_FOUND)
            s->hnsw_load_failed = true; /* damaged or foreign: answer from an in-memory graph */
    }
    rvf_hnsw_source src = rows_source(s);
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
static rvf_status index_extend(rvf_store *s, const rvf_index_options *o)
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
    return st == RVF_OK ? index_extend(s, NULL) : st;
}

static bool hit_less(const rvf_hit *a, const rvf_hit *b)
{
    return a->distance < b->distance || (a->distance == b->distance && a->id < b->id);
}

/* Insert h into out[0..*n) (sorted, capacity k); drops it if it does not make the top k. */
static void hits_offer(rvf_hit *out, uint32_t *n, uint32_t k, rvf_hit h)
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
        return fail(st, "building the HNSW index: %s", rvf_strerror(st));
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
        hits_offer(out, &n, p->k, (rvf_hit){s->ids[slots[i]], dists[i]});
    /* rows replaced after the graph placed them: exact */
    const rvfk_ops *ops = rvfk_ops_best();
    for (size_t i = 0; st == RVF_OK && i < s->nstale; i++) {
        uint32_t j = s->stale_list[i];
        if (hnsw_eligible(&fc, j))
            hits_offer(out, &n, p->k, (rvf_hit){s->ids[j], slot_dist(s, ops, metric, query, j)});
    }
    rvf_free(slots);
    rvf_free(dists);
    if (st != RVF_OK)
        return st;
    *n_out = n;
    if (n < p->k && s->n - s->ndead > 0)
        return fail(RVF_ERR_K_TOO_LARGE, "%u of k=%u results from the index", n, p->k);
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
    g_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_index_options o = opt ? *opt : rvf_index_options_default();
    if (s->read_only)
        return fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    if (s->dtype != RVF_DTYPE_F32)
        return fail(RVF_ERR_INVALID_ARGUMENT, "the HNSW index needs an f32 store");
    int metric = o.metric < 0 ? s->metric : o.metric;
    if (metric < 0 || metric > RVF_METRIC_COSINE)
        return fail(RVF_ERR_METRIC_UNSUPPORTED, "metric %d cannot be indexed", metric);
    rvf_hnsw_params hp = default_graph;
    hp.m = o.m ? o.m : 16;
    hp.m0 = 0;
    hp.ef_construction = o.ef_construction ? o.ef_construction : 200;
    if (hp.m < 2 || hp.m > 2048 || hp.ef_construction > 1000000)
        return fail(RVF_ERR_INVALID_ARGUMENT, "M must be 2..2048 and ef_construction at most 1e6");
    rvf_status st = ensure_loaded(s);
    if (st != RVF_OK)
        return st;
    if ((st = index_prepare(s, (rvf_metric)metric, &hp)) != RVF_OK)
        return fail(st, "preparing the index: %s", rvf_strerror(st));
    rvf_hnsw_params cur = rvf_hnsw_get_params(s->hnsw);
    if (o.full || s->nstale || cur.m != hp.m || cur.ef_construction != hp.ef_construction) {
        index_drop(s); /* a fresh graph: written whole, and replaces the stored one */
        stale_clear(s);
        rvf_hnsw_source src = rows_source(s);
        if ((st = rvf_hnsw_create(s->dim, (rvf_metric)metric, &hp, &src, &s->hnsw)) != RVF_OK)
            return st;
    }
    if ((st = index_extend(s, &o)) != RVF_OK)
        return fail(st, "building the index: %s", rvf_strerror(st));
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
        st = manifest_next(s, &nm, 3);
    if (st == RVF_OK) /* manifest_next leaves the deleted list to the caller */
        st = deleted_list(s, NULL, NULL, &nm.deleted, &nm.ndeleted);
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
        st = sketch_emit(s, &data, s->end, &s->next_seg_id, &nm, true);
        char act[96];
        snprintf(act, sizeof act, "index:%s,nodes=%u,epoch=%u", full ? "sealed" : "delta",
                 rvf_hnsw_count(s->hnsw), nm.epoch);
        witness_emit(s, &data, s->end, &s->next_seg_id, &nm, RVF_WITNESS_COMPUTATION, act);
        st = rvf_buf_status(&data);
    }
    if (st == RVF_OK)
        st = store_commit(s, &data, &nm);
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

static rvf_status layera_open(rvf_store *s)
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
        layera_drop(s);
        s->la_tried = true;
        return RVF_ERR_OUT_OF_MEMORY;
    }
    if ((st = layera_hot_open(s)) != RVF_OK) { /* not readable yet: Layer A again on retry */
        layera_drop(s);
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
static bool layera_resident(const rvf_store *s, const rvf_dir_entry *e, const uint64_t **ids,
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
        return fail(RVF_ERR_INVALID_MANIFEST, "Layer A names VEC_SEG id %llu, which is not listed",
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
        return fail(st, "VEC_SEG id %llu (Layer A partition %u): %s",
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

static rvf_status query_layera(rvf_store *s, const float *query, rvf_metric metric,
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
        hits_offer(near, &nn, n_probe,
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

rvf_status rvf_load(rvf_store *s)
{
    g_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status st = ensure_loaded(s);
    if (st == RVF_OK && s->dtype == RVF_DTYPE_F32 && index_seg_count(&s->man)) {
        st = index_prepare(s, (rvf_metric)s->metric, &default_graph);
        if (st == RVF_OK)
            st = index_extend(s, NULL);
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
    g_detail[0] = 0;
    if (n_out)
        *n_out = 0;
    if (!s || !p || !n_out || (p->k && (!out || !query)))
        return fail(RVF_ERR_INVALID_ARGUMENT, "store, params, query, out and n_out are required");
    rvf_status mst = ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    if (dim != s->dim)
        return fail(RVF_ERR_DIMENSION_MISMATCH, "query has %u dimensions, the store %u", dim,
                    s->dim);
    int metric = p->metric < 0 ? s->metric : p->metric;
    if (metric < 0 || metric > RVF_METRIC_COSINE)
        return fail(RVF_ERR_METRIC_UNSUPPORTED, "metric %d is not supported for float vectors",
                    metric);
    if (p->filter) {
        rvf_status st = rvf_filter_validate(p->filter, p->filter_len);
        if (st != RVF_OK)
            return fail(st, "the filter expression is malformed");
    }
    if (p->k == 0)
        return RVF_OK;
    rvf_status la_st = p->ef && s->progressive && !s->loaded && !p->filter && !s->la_tried
                           ? layera_open(s)
                           : RVF_OK;
    if (la_st == RVF_ERR_IO_ERROR)
        return la_st; /* Layer A is not readable yet: no fallback to reading everything */
    if (p->ef && s->progressive && !s->loaded && !p->filter && s->la) {
        for (uint32_t d = 0; d < dim; d++)
            if (!isfinite(query[d]))
                return fail(RVF_ERR_INVALID_ARGUMENT, "the query has a NaN or infinite value");
        rvf_status st = query_layera(s, query, (rvf_metric)metric, p, out, n_out);
        if (st != RVF_ERR_NOT_FOUND)
            return st;
    }
    rvf_status lst = ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    for (uint32_t d = 0; d < dim; d++)
        if (!isfinite(query[d]))
            return fail(RVF_ERR_INVALID_ARGUMENT, "the query has a NaN or infinite value");
    /* §8.4 pre-filter: below 1% passing, the few candidates are scanned exactly */
    double sel = p->ef && s->dtype == RVF_DTYPE_F32 ? filter_selectivity(s, p) : 0;
    if (p->ef && s->dtype == RVF_DTYPE_F32 && sel >= 0.01) {
        rvf_status st = query_hnsw(s, query, (rvf_metric)metric, p, sel, out, n_out);
        if (st != RVF_ERR_K_TOO_LARGE || !p->filter)
            return st;
        g_detail[0] = 0; /* the graph found fewer than k that pass: the exact scan decides */
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
        return fail(RVF_ERR_K_TOO_LARGE, "%u of k=%u results: only %llu vectors are eligible", got,
                    p->k, (unsigned long long)eligible);
    return RVF_OK;
}

/* ---- delete --------------------------------------------------------------------------------- */
static rvf_status delete_slots(rvf_store *s, uint8_t *kill, const uint64_t *req, size_t nreq,
                               uint64_t *deleted)
{
    size_t cnt = 0;
    for (size_t j = 0; j < s->n; j++)
        cnt += kill[j];
    if (deleted)
        *deleted = cnt;
    rvf_manifest nm;
    rvf_status st = manifest_next(s, &nm, 2);
    rvf_buf data, pl;
    rvf_buf_init(&data);
    rvf_buf_init(&pl);
    if (st == RVF_OK) {
        /* the journal records what was asked; the bitmap what took effect */
        size_t ne = req ? nreq : cnt;
        rvf_journal_entry *e = rvf_calloc(ne + 1, sizeof *e);
        if (!e)
            st = RVF_ERR_OUT_OF_MEMORY;
        size_t k = 0;
        for (size_t i = 0; st == RVF_OK && i < ne; i++)
            e[i].type = RVF_JOURNAL_DELETE_VECTOR;
        if (st == RVF_OK && req)
            for (size_t i = 0; i < nreq; i++)
                e[i].a = req[i];
        else if (st == RVF_OK)
            for (size_t j = 0; j < s->n; j++)
                if (kill[j])
                    e[k++].a = s->ids[j];
        if (st == RVF_OK)
            st = rvf_journal_encode(&pl, nm.epoch, 0, e, ne);
        rvf_free(e);
        if (st == RVF_OK && (st = rvf_buf_status(&pl)) == RVF_OK)
            rvf_seg_emit(&data, s->end, RVF_SEG_JOURNAL, 0, s->next_seg_id++, s->algo, pl.data,
                         pl.len, 0, &nm.dir[nm.ndir++]);
    }
    if (st == RVF_OK) {
        char act[96];
        snprintf(act, sizeof act, "delete:count=%zu,epoch=%u", cnt, nm.epoch);
        witness_emit(s, &data, s->end, &s->next_seg_id, &nm, RVF_WITNESS_COMPUTATION, act);
        st = deleted_list(s, kill, NULL, &nm.deleted, &nm.ndeleted);
        if (st == RVF_OK)
            for (size_t i = 0; i < nm.ndeleted; i++)
                if (nm.deleted[i] >> 48)
                    st = fail(RVF_ERR_INVALID_ARGUMENT,
                              "id %llu is 2^48 or more and cannot be deleted (FORMAT.md)",
                              (unsigned long long)nm.deleted[i]);
    }
    if (st == RVF_OK)
        st = rvf_buf_status(&data);
    if (st == RVF_OK)
        st = store_commit(s, &data, &nm);
    else
        rvf_manifest_free(&nm);
    if (st == RVF_OK)
        for (size_t j = 0; j < s->n; j++)
            if (kill[j]) {
                s->dead[j] = 1;
                s->ndead++;
            }
    rvf_buf_free(&pl);
    rvf_buf_free(&data);
    return st;
}

rvf_status rvf_delete(rvf_store *s, const uint64_t *ids, size_t n, uint64_t *deleted)
{
    g_detail[0] = 0;
    if (deleted)
        *deleted = 0;
    if (!s || (n && !ids))
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    if (n == 0)
        return RVF_OK;
    rvf_status lst = ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    uint8_t *kill = rvf_calloc(s->n + 1, 1);
    if (!kill)
        return RVF_ERR_OUT_OF_MEMORY;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t j = find_slot(s, ids[i]);
        if (j >= 0 && !s->dead[j] && !kill[j]) {
            kill[j] = 1;
            cnt++;
        }
    }
    rvf_status st = cnt ? delete_slots(s, kill, ids, n, deleted) : RVF_OK;
    rvf_free(kill);
    return st;
}

rvf_status rvf_delete_by_filter(rvf_store *s, const uint8_t *filter, size_t filter_len,
                                uint64_t *deleted)
{
    g_detail[0] = 0;
    if (deleted)
        *deleted = 0;
    if (!s || !filter)
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    rvf_status st = rvf_filter_validate(filter, filter_len);
    if (st != RVF_OK)
        return fail(st, "the filter expression is malformed");
    if ((st = ensure_loaded(s)) != RVF_OK)
        return st;
    uint8_t *kill = rvf_calloc(s->n + 1, 1);
    if (!kill)
        return RVF_ERR_OUT_OF_MEMORY;
    size_t cnt = 0;
    for (size_t j = 0; j < s->n && st == RVF_OK; j++) {
        bool match = false;
        if (s->dead[j])
            continue;
        st = rvf_filter_eval(filter, filter_len, s->meta[j].fields, s->meta[j].n, &match);
        if (match) {
            kill[j] = 1;
            cnt++;
        }
    }
    if (st == RVF_OK && cnt)
        st = delete_slots(s, kill, NULL, 0, deleted);
    rvf_free(kill);
    return st;
}

/* ---- compaction ----------------------------------------------------------------------------- */
static bool copied_verbatim(uint8_t t)
{
    /* rebuilt: vectors, metadata, manifests, the index (renumbered); consumed: journals. Everything
     * else, including types this version does not know, is copied byte for byte (witness history
     * included). */
    return t != RVF_SEG_VEC && t != RVF_SEG_META && t != RVF_SEG_JOURNAL && t != RVF_SEG_MANIFEST &&
           t != RVF_SEG_INDEX && t != RVF_SEG_SKETCH && t != RVF_SEG_HOT;
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
} compact_parts;

static void compact_parts_free(compact_parts *cp)
{
    rvf_free(cp->assign);
    rvf_free(cp->centroids);
    rvf_free(cp->seg_of);
    rvf_buf_free(&cp->layera);
    rvf_buf_free(&cp->hot);
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
        sort_items(it, m);
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
    rvf_status st = sketch_ready(s);
    if (st != RVF_OK || !s->sketch.total_accesses || !m)
        return st == RVF_ERR_IO_ERROR ? st : RVF_OK;
    size_t entry = rvf_hotseg_entry_size((uint16_t)s->dim, RVF_HOT_F16, rvf_hnsw_get_params(g).m);
    size_t cap = (HOT_MAX_PAYLOAD - RVF_HOTSEG_HEADER) / (entry + 8);
    size_t want =
        m / HOT_MAX_SHARE > RVF_SKETCH_BLOCK_SIZE ? m / HOT_MAX_SHARE : RVF_SKETCH_BLOCK_SIZE;
    want = want < cap ? want : cap;
    uint64_t *ids = rvf_malloc((m + 1) * sizeof *ids);
    uint32_t *slots = rvf_malloc((want + 1) * sizeof *slots), n = 0;
    rvf_hotseg hs;
    memset(&hs, 0, sizeof hs);
    st = ids && slots ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; st == RVF_OK && i < m; i++)
        ids[i] = it[i].id;
    if (st == RVF_OK)
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
        index_drop(s);
        st = index_load(s, -1);
        if (st == RVF_ERR_NOT_FOUND || (st != RVF_OK && st != RVF_ERR_OUT_OF_MEMORY))
            return RVF_OK; /* nothing usable: no index in the new file */
    }
    if (st == RVF_OK) {
        rvf_hnsw_source src = rows_source(s);
        st = rvf_hnsw_set_source(s->hnsw, &src);
    }
    if (st == RVF_OK)
        st = index_extend(s, NULL);
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
static rvf_status compact_image(rvf_store *s, rvf_buf *img, rvf_manifest *nm)
{
    size_t live = s->n - s->ndead;
    sort_item *it = rvf_malloc((live + 1) * sizeof *it);
    if (!it)
        return RVF_ERR_OUT_OF_MEMORY;
    size_t m = 0;
    for (size_t j = 0; j < s->n; j++)
        if (!s->dead[j])
            it[m++] = (sort_item){s->ids[j], (uint32_t)j};
    sort_items(it, m);
    rvf_status st = RVF_OK;
    /* an indexed store is laid out by partition (Layer A, §5.3/§6.2): k-means over the live
     * rows, slots sorted by centroid then id, one VEC_SEG per partition */
    compact_parts cp;
    memset(&cp, 0, sizeof cp);
    if (index_seg_count(&s->man) && s->dtype == RVF_DTYPE_F32 && m >= 64)
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
    /* metadata goes out in id order whatever the vector layout: in partition order (cp.assign)
     * runs of consecutive ids would break at almost every row, one META_SEG per vector */
    sort_item *mit = it;
    if (st == RVF_OK && cp.assign) {
        mit = rvf_malloc((m + 1) * sizeof *mit);
        if (mit) {
            memcpy(mit, it, m * sizeof *mit);
            sort_items(mit, m);
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
    nm->dir = rvf_malloc(((size_t)nverb + nseg + nruns + 5) * sizeof *nm->dir);
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
        st = rvf_vecseg_encode(&pl, ids + a, rows + a * s->row_bytes, (uint32_t)cnt,
                               (uint16_t)s->dim, s->dtype, s->block_vectors);
        if (st == RVF_OK && (st = rvf_buf_status(&pl)) == RVF_OK)
            rvf_seg_emit(img, 0, RVF_SEG_VEC, RVF_FLAG_SEALED, seg_id++, s->algo, pl.data, pl.len,
                         (uint32_t)((cnt + s->block_vectors - 1) / s->block_vectors),
                         &nm->dir[nm->ndir++]);
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
    if (st == RVF_OK && index_seg_count(&s->man)) {
        bool emitted = false;
        st = compact_index(s, it, m, rows, img, seg_id, &nm->dir[nm->ndir], &emitted, &cp);
        if (emitted) {
            nm->ndir++;
            seg_id++;
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
            st = fail(RVF_ERR_TRUNCATED_SEGMENT, "%s at offset %llu runs past the file",
                      seg_name(e->seg_type), (unsigned long long)e->file_offset);
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
    if (st == RVF_OK && (st = sketch_ready(s)) == RVF_OK && s->sketch.total_accesses) {
        s->sketch_dirty = true;
        st = sketch_emit(s, img, 0, &seg_id, nm, false);
    }
    /* the hot cache, then Layer A last, so both sit right before the manifest (within the last
     * 4 MB, §6.2); hot_cache = {its header, the first entry (0x40), the entry count} */
    if (st == RVF_OK && cp.layera.len && cp.hot.len) {
        rvf_seg_emit(img, 0, RVF_SEG_HOT, RVF_FLAG_SEALED | RVF_FLAG_HOT, seg_id++, s->algo,
                     cp.hot.data, cp.hot.len, 0, &nm->dir[nm->ndir++]);
        nm->hotset[RVF_HOT_CACHE] =
            (rvf_hotptr){nm->dir[nm->ndir - 1].file_offset, RVF_HOTSEG_HEADER, cp.hot_count};
    }
    if (st == RVF_OK && cp.layera.len) {
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
    compact_parts_free(&cp);
    if (st != RVF_OK) {
        rvf_free(nm->dir);
        nm->dir = NULL;
        return st;
    }
    nm->total_vectors = m;
    nm->epoch = s->man.epoch + 1;
    nm->dead_bytes = 0;
    nm->last_compaction_ns = now_ns();
    nm->has_chain = false; /* the new file starts a new chain */
    nm->segment_id = seg_id;
    return rvf_buf_status(img);
}

rvf_status rvf_compact(rvf_store *s)
{
    g_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    rvf_status lst = ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    rvf_buf img;
    rvf_buf_init(&img);
    rvf_manifest nm;
    rvf_status st = compact_image(s, &img, &nm);
    if (st != RVF_OK) {
        rvf_buf_free(&img);
        return st;
    }
    /* the compaction's witness and the manifest close the new image (offsets from its start) */
    char act[128];
    snprintf(act, sizeof act, "compact:removed=%zu,dead_bytes=%llu,epoch=%u", s->ndead,
             (unsigned long long)s->man.dead_bytes, nm.epoch);
    rvf_dir_entry *grown = rvf_realloc(nm.dir, ((size_t)nm.ndir + 2) * sizeof *grown);
    if (!grown)
        st = RVF_ERR_OUT_OF_MEMORY;
    else
        nm.dir = grown;
    if (st == RVF_OK) {
        uint64_t next_id = nm.segment_id;
        witness_emit(s, &img, 0, &next_id, &nm, RVF_WITNESS_COMPUTATION, act);
        nm.offset = img.len;
        nm.segment_id = next_id;
        nm.modified_ns = now_ns();
        st = rvf_manifest_emit(&img, &nm, s->algo);
    }
    if (st == RVF_OK)
        st = rvf_buf_status(&img);
    if (st != RVF_OK) {
        rvf_free(nm.dir);
        rvf_buf_free(&img);
        return st;
    }
    if (s->memory) { /* in memory: replace the image */
        st = s->io->truncate(s->io, 0);
        if (st == RVF_OK)
            st = s->io->write(s->io, 0, img.data, img.len);
    } else {
        char *tmp = str_dup(s->path, ".compact.tmp");
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
            st = fail(RVF_ERR_IO_ERROR, "renaming %s over %s: %s", tmp, s->path, strerror(errno));
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
        rvf_free(nm.dir);
        return fail(st, "compaction failed, the store is unchanged: %s", rvf_strerror(st));
    }
    /* reload from the new file: deleted slots are gone, ids and offsets are the new ones */

    rvf_free(nm.dir);
    table_free(s);
    s->loaded = false;
    rvf_manifest_free(&s->man);
    return store_boot(s, -1, false);
}

/* ---- inspection ----------------------------------------------------------------------------- */
rvf_status rvf_get_metadata(rvf_store *s, uint64_t id, const rvf_value **fields, uint32_t *n)
{
    if (!s || !fields || !n)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status lst = ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    int64_t j = find_slot(s, id);
    if (j < 0 || s->dead[j])
        return RVF_ERR_NOT_FOUND;
    *fields = s->meta[j].fields;
    *n = s->meta[j].n;
    return RVF_OK;
}

rvf_status rvf_get_vector(rvf_store *s, uint64_t id, float *out, uint32_t dim)
{
    if (!s || !out)
        return RVF_ERR_INVALID_ARGUMENT;
    if (dim != s->dim)
        return RVF_ERR_DIMENSION_MISMATCH;
    rvf_status lst = ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    int64_t j = find_slot(s, id);
    if (j < 0 || s->dead[j])
        return RVF_ERR_NOT_FOUND;
    const uint8_t *r = s->rows + (size_t)j * s->row_bytes;
    for (uint32_t d = 0; d < dim; d++)
        out[d] = s->dtype == RVF_DTYPE_F32 ? rvfk_ld_f32(r + 4 * (size_t)d)
                                           : rvfk_f16_to_f32(rvfk_ld_u16(r + 2 * (size_t)d));
    return RVF_OK;
}

rvf_status rvf_status_get(rvf_store *s, rvf_status_info *o)
{
    if (!s || !o)
        return RVF_ERR_INVALID_ARGUMENT;
    memset(o, 0, sizeof *o);
    if (s->loaded) {
        o->live_vectors = s->n - s->ndead;
        o->total_vectors = s->n;
        o->deleted_vectors = s->ndead;
    } else { /* from the manifest alone: nothing beyond the root and Level 1 is read */
        o->total_vectors = s->man.total_vectors;
        o->deleted_vectors = s->man.ndeleted;
        o->live_vectors = s->man.total_vectors - s->man.ndeleted;
    }
    o->dimension = s->dim;
    o->metric = (rvf_metric)s->metric;
    o->dtype = (rvf_dtype)s->dtype;
    o->profile_id = s->profile_id;
    o->read_only = s->read_only;
    o->dialect = s->dialect;
    o->epoch = s->man.epoch;
    o->segment_count = s->man.ndir + (s->dialect ? 0 : 1);
    o->file_size = s->io->size(s->io);
    o->dead_bytes = s->man.dead_bytes;
    o->manifest_offset = s->man.offset;
    o->bytes_read = s->io->bytes_read;
    o->recovered_from = s->recovered_from;
    memcpy(o->file_id, s->man.file_id, 16);
    memcpy(o->parent_id, s->man.parent_id, 16);
    o->lineage_depth = s->man.lineage_depth;
    o->index_segments = index_seg_count(&s->man);
    o->indexed_vectors = s->hnsw && s->hnsw_persisted ? s->hnsw_n : 0;
    o->stale_vectors = s->nstale;
    o->read_requests = s->io->read_requests;
    o->load_state = s->loaded                        ? RVF_LOAD_FULL
                    : s->la                          ? RVF_LOAD_LAYER_A
                    : s->root_only || s->boot_failed ? RVF_LOAD_ROOT
                                                     : RVF_LOAD_MANIFEST;
    o->partitions_loaded = s->la_loaded;
    o->hot_vectors = s->man.hotset[RVF_HOT_CACHE].count;
    return RVF_OK;
}

rvf_status rvf_segments(rvf_store *s, rvf_segment_info **segs, uint32_t *n)
{
    if (!s || !segs || !n)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    uint32_t cnt = s->man.ndir + (s->dialect ? 0 : 1);
    rvf_segment_info *v = rvf_calloc((size_t)cnt + 1, sizeof *v);
    if (!v)
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < s->man.ndir; i++) {
        const rvf_dir_entry *e = &s->man.dir[i];
        v[i] = (rvf_segment_info){e->segment_id, e->file_offset, e->payload_length, e->seg_type, 0,
                                  e->flags};
    }
    if (!s->dialect)
        v[s->man.ndir] = (rvf_segment_info){s->man.segment_id, s->man.offset, s->man.payload_length,
                                            RVF_SEG_MANIFEST,  s->algo,       0};
    *segs = v;
    *n = cnt;
    return RVF_OK;
}

/* One listed segment: header against the directory, content hash, then what the payload type
 * allows checking (VEC block CRCs, witness chain and head, journal, META and HOT_SEG structure). */
static rvf_status verify_segment(rvf_store *s, const rvf_dir_entry *e, uint64_t fsz)
{
    const uint8_t *p = NULL;
    bool owned = false;
    rvf_status st = rvf_seg_load(s->io, e, fsz, &p, &owned);
    size_t len = (size_t)e->payload_length;
    if (st == RVF_OK && e->seg_type == RVF_SEG_VEC) {
        rvf_vec_block *blk = NULL;
        uint32_t nb = 0;
        st = rvf_vecseg_blocks(p, len, &blk, &nb);
        for (uint32_t b = 0; b < nb && st == RVF_OK; b++) {
            size_t es = rvf_dtype_size(blk[b].dtype);
            uint64_t *ids = rvf_malloc((size_t)blk[b].count * 8 + 8);
            uint8_t *rows = rvf_malloc((size_t)blk[b].count * blk[b].dim * (es ? es : 1) + 1);
            st = ids && rows ? rvf_vecseg_decode_block(p, len, &blk[b], ids, rows)
                             : RVF_ERR_OUT_OF_MEMORY;
            rvf_free(ids);
            rvf_free(rows);
        }
        rvf_free(blk);
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_WITNESS) {
        uint8_t head[32];
        st = rvf_witness_verify(p, len, NULL, head);
        /* the chain head recorded in the manifest must be the newest witness entry's hash */
        if (st == RVF_OK && s->man.has_witness && e->file_offset == s->man.witness_seg_offset &&
            !rvf_ct_equal(head, s->man.witness_head, 32))
            st = RVF_ERR_INVALID_CHECKSUM;
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_JOURNAL) {
        uint32_t ep;
        uint64_t prev;
        st = rvf_journal_decode(p, len, &ep, &prev, NULL, NULL);
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_META) {
        st = rvf_metaseg_decode(p, len, NULL, NULL);
    } else if (st == RVF_OK && e->seg_type == RVF_SEG_HOT) {
        rvf_hotseg hs;
        st = rvf_hotseg_decode(p, len, 0, 0, &hs);
        rvf_hotseg_free(&hs);
    }
    if (owned && p)
        rvf_free((void *)p);
    return st;
}

/* A reference-dialect segment: magic and, where one is stored, the rotated-CRC content hash. */
static rvf_status verify_ref_segment(rvf_store *s, const rvf_dir_entry *e, uint64_t fsz)
{
    uint8_t hb[RVF_SEGMENT_HEADER_SIZE];
    if (e->file_offset > fsz || fsz - e->file_offset < sizeof hb)
        return RVF_ERR_TRUNCATED_SEGMENT;
    rvf_status st = s->io->read(s->io, e->file_offset, hb, sizeof hb);
    if (st != RVF_OK)
        return st;
    rvfk_seg_header h;
    rvfk_seg_header_decode(hb, &h);
    if (h.magic != RVF_SEGMENT_MAGIC)
        return RVF_ERR_INVALID_MAGIC;
    if (h.payload_length > fsz - e->file_offset - sizeof hb || h.payload_length >= (1ull << 32))
        return RVF_ERR_TRUNCATED_SEGMENT;
    static const uint8_t zero[16];
    if (memcmp(h.content_hash, zero, 16) == 0)
        return RVF_OK; /* "not set" in the reference's files */
    uint8_t *p = rvf_malloc((size_t)h.payload_length + 1), hash[16];
    if (!p)
        return RVF_ERR_OUT_OF_MEMORY;
    st = s->io->read(s->io, e->file_offset + sizeof hb, p, (size_t)h.payload_length);
    if (st == RVF_OK) {
        rvf_ref_content_hash(p, (size_t)h.payload_length, hash);
        if (!rvf_ct_equal(hash, h.content_hash, 16))
            st = RVF_ERR_INVALID_CHECKSUM;
    }
    rvf_free(p);
    return st;
}

rvf_status rvf_verify_each(rvf_store *s, rvf_verify_fn fn, void *ctx)
{
    g_detail[0] = 0;
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    uint64_t fsz = s->io->size(s->io);
    rvf_status first = RVF_OK;
    char detail[256];
    for (uint32_t i = 0; i <= s->man.ndir; i++) {
        rvf_segment_info si;
        rvf_status st;
        if (i < s->man.ndir) {
            const rvf_dir_entry *e = &s->man.dir[i];
            si = (rvf_segment_info){
                e->segment_id, e->file_offset, e->payload_length, e->seg_type, 0, e->flags};
            st = s->dialect ? verify_ref_segment(s, e, fsz) : verify_segment(s, e, fsz);
        } else if (!s->dialect) { /* the manifest itself: content hash and root checksum */
            si = (rvf_segment_info){s->man.segment_id, s->man.offset, s->man.payload_length,
                                    RVF_SEG_MANIFEST,  s->algo,       0};
            rvf_manifest again;
            st = rvf_manifest_read_at(s->io, s->man.offset, fsz, &again);
            if (st == RVF_OK)
                rvf_manifest_free(&again);
        } else {
            break;
        }
        detail[0] = 0;
        if (st != RVF_OK)
            snprintf(detail, sizeof detail, "%s id %llu at offset %llu: %s", seg_name(si.seg_type),
                     (unsigned long long)si.segment_id, (unsigned long long)si.offset,
                     rvf_strerror(st));
        if (fn)
            fn(ctx, &si, st, detail);
        if (st != RVF_OK && first == RVF_OK) {
            first = st;
            snprintf(g_detail, sizeof g_detail, "%s", detail);
        }
    }
    return first;
}

typedef struct first_bad {
    uint64_t offset;
} first_bad;

static void note_first_bad(void *ctx, const rvf_segment_info *seg, rvf_status st, const char *d)
{
    first_bad *f = ctx;
    (void)d;
    if (st != RVF_OK && f->offset == UINT64_MAX)
        f->offset = seg->offset;
}

rvf_status rvf_verify(rvf_store *s, uint64_t *bad_offset)
{
    first_bad f = {UINT64_MAX};
    rvf_status st = rvf_verify_each(s, note_first_bad, &f);
    if (bad_offset)
        *bad_offset = f.offset;
    return st;
}

rvf_status rvf_manifest_info_get(rvf_store *s, rvf_manifest_info *o)
{
    if (!s || !o || s->dialect)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    const rvf_manifest *m = &s->man;
    memset(o, 0, sizeof *o);
    o->offset = m->offset;
    o->segment_id = m->segment_id;
    o->payload_length = m->payload_length;
    o->l1_offset = rvfk_ld_u64(m->root + RVF_ROOT_OFF_L1_OFFSET);
    o->l1_length = rvfk_ld_u64(m->root + RVF_ROOT_OFF_L1_LENGTH);
    o->epoch = m->epoch;
    o->dimension = m->dimension;
    o->base_dtype = m->base_dtype;
    o->profile_id = m->profile_id;
    o->total_vectors = m->total_vectors;
    o->created_ns = m->created_ns;
    o->modified_ns = m->modified_ns;
    memcpy(o->file_id, m->file_id, 16);
    memcpy(o->parent_id, m->parent_id, 16);
    memcpy(o->parent_hash, m->parent_hash, 32);
    o->lineage_depth = m->lineage_depth;
    o->root_checksum = rvfk_ld_u32(m->root + RVF_ROOT_OFF_CHECKSUM);
    o->has_capability = m->has_capability;
    o->metric = m->metric;
    o->min_hw_profile = m->min_hw_profile;
    o->has_chain = m->has_chain;
    o->prev_manifest_offset = m->prev_manifest_offset;
    o->prev_manifest_id = m->prev_manifest_id;
    memcpy(o->checkpoint_hash, m->checkpoint_hash, 16);
    o->deleted_ids = m->ndeleted;
    o->has_witness = m->has_witness;
    o->witness_seg_offset = m->witness_seg_offset;
    o->witness_count = m->witness_count;
    memcpy(o->witness_head, m->witness_head, 32);
    o->dead_bytes = m->dead_bytes;
    o->last_compaction_ns = m->last_compaction_ns;
    /* the record list as stored (a writer's in-memory manifest was built, not parsed) */
    rvf_manifest disk;
    rvf_status st = rvf_manifest_read_at(s->io, m->offset, s->io->size(s->io), &disk);
    if (st != RVF_OK)
        return fail(st, "re-reading the manifest at offset %llu: %s", (unsigned long long)m->offset,
                    rvf_strerror(st));
    o->record_count = disk.nrecords;
    for (uint32_t i = 0; i < disk.nrecords && i < 64; i++) {
        o->records[i].tag = disk.rec_tag[i];
        o->records[i].length = disk.rec_len[i];
    }
    rvf_manifest_free(&disk);
    return RVF_OK;
}

rvf_status rvf_manifest_chain(rvf_store *s, int (*fn)(void *ctx, uint32_t epoch, uint64_t offset),
                              void *ctx)
{
    if (!s || !fn)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    if (fn(ctx, s->man.epoch, s->man.offset) || s->dialect || !s->man.has_chain)
        return RVF_OK;
    uint64_t fsz = s->io->size(s->io), off = s->man.prev_manifest_offset;
    for (;;) {
        rvf_manifest m;
        rvf_status st = rvf_manifest_read_at(s->io, off, fsz, &m);
        if (st != RVF_OK)
            return fail(st, "manifest chain broken at offset %llu: %s", (unsigned long long)off,
                        rvf_strerror(st));
        int stop = fn(ctx, m.epoch, off);
        bool more = m.has_chain && m.prev_manifest_id;
        off = m.prev_manifest_offset;
        rvf_manifest_free(&m);
        if (stop || !more)
            return RVF_OK;
    }
}

rvf_status rvf_foreach(rvf_store *s, rvf_foreach_fn fn, void *ctx)
{
    if (!s || !fn)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status st = ensure_loaded(s);
    if (st != RVF_OK)
        return st;
    size_t live = s->n - s->ndead, m = 0;
    sort_item *it = rvf_malloc((live + 1) * sizeof *it);
    float *v = rvf_malloc((size_t)s->dim * sizeof *v + 1);
    if (!it || !v) {
        rvf_free(it);
        rvf_free(v);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    for (size_t j = 0; j < s->n; j++)
        if (!s->dead[j])
            it[m++] = (sort_item){s->ids[j], (uint32_t)j};
    sort_items(it, m);
    for (size_t i = 0; i < m; i++) {
        const uint8_t *r = s->rows + (size_t)it[i].idx * s->row_bytes;
        for (uint32_t d = 0; d < s->dim; d++)
            v[d] = s->dtype == RVF_DTYPE_F32 ? rvfk_ld_f32(r + 4 * (size_t)d)
                                             : rvfk_f16_to_f32(rvfk_ld_u16(r + 2 * (size_t)d));
        const slot_meta *sm = &s->meta[it[i].idx];
        if (fn(ctx, it[i].id, v, s->dim, sm->fields, sm->n))
            break;
    }
    rvf_free(v);
    rvf_free(it);
    return RVF_OK;
}

/* ---- lineage and export ------------------------------------------------------------------- */
rvf_status rvf_derive(rvf_store *parent, const char *child_path, uint8_t derivation_type,
                      const char *description, rvf_store **child)
{
    g_detail[0] = 0;
    *child = NULL;
    if (!parent || !child_path)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = ensure_manifest(parent);
    if (mst != RVF_OK)
        return mst;
    if (parent->dialect)
        return fail(RVF_ERR_READ_ONLY, "derive from a reference-dialect file is not supported");
    rvf_options o = rvf_options_default(parent->dim);
    o.metric = (rvf_metric)parent->metric;
    o.dtype = (rvf_dtype)parent->dtype;
    o.profile_id = parent->profile_id;
    o.checksum_algo = parent->algo;
    o.no_sync = parent->no_sync;
    o.block_vectors = parent->block_vectors;
    return create_store(child_path, &o, parent, derivation_type, description, child);
}

rvf_status rvf_export_reference(rvf_store *s, const char *path)
{
    g_detail[0] = 0;
    if (!s || !path)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    if (s->dim > 65535)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status lst = ensure_loaded(s);
    if (lst != RVF_OK)
        return lst;
    size_t live = s->n - s->ndead;
    uint64_t *ids = rvf_malloc((live + 1) * 8);
    float *rows = rvf_malloc((live * s->dim + 1) * sizeof(float));
    rvf_status st = ids && rows ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
    size_t k = 0;
    for (size_t j = 0; st == RVF_OK && j < s->n; j++) {
        if (s->dead[j])
            continue;
        ids[k] = s->ids[j];
        st = rvf_get_vector(s, s->ids[j], rows + k * s->dim, s->dim);
        k++;
    }
    rvf_io *out = NULL;
    if (st == RVF_OK &&
        (st = rvf_io_file_open(path, RVF_IO_READ | RVF_IO_WRITE | RVF_IO_CREATE, &out)) != RVF_OK)
        st = fail(st, "creating %s: %s", path, rvf_strerror(st));
    if (st == RVF_OK)
        st = rvf_ref_export(out, (uint16_t)s->dim, s->metric, ids, rows, live, s->man.file_id);
    if (out)
        out->close(out);
    if (st != RVF_OK && out)
        unlink(path);
    rvf_free(ids);
    rvf_free(rows);
    return st;
}

rvf_status rvf_save_as(rvf_store *s, const char *path, const rvf_options *opt)
{
    g_detail[0] = 0;
    if (!s || !path)
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_status mst = ensure_manifest(s);
    if (mst != RVF_OK)
        return mst;
    rvf_options o = rvf_options_default(s->dim);
    o.metric = (rvf_metric)s->metric;
    o.dtype = (rvf_dtype)s->dtype;
    o.profile_id = s->profile_id;
    if (opt) {
        if (opt->dimension != s->dim)
            return fail(RVF_ERR_DIMENSION_MISMATCH, "options have dimension %u, the store %u",
                        opt->dimension, s->dim);
        o = *opt;
    }
    rvf_status st = ensure_loaded(s);
    if (st != RVF_OK)
        return st;
    rvf_store *d = NULL;
    if ((st = rvf_create(path, &o, &d)) != RVF_OK)
        return st;
    /* in id order, in batches of up to 64k vectors, each with its metadata */
    size_t live = s->n - s->ndead;
    sort_item *it = rvf_malloc((live + 1) * sizeof *it);
    size_t m = 0;
    if (!it)
        st = RVF_ERR_OUT_OF_MEMORY;
    for (size_t j = 0; it && j < s->n; j++)
        if (!s->dead[j])
            it[m++] = (sort_item){s->ids[j], (uint32_t)j};
    if (it)
        sort_items(it, m);
    enum { CHUNK = 65536 };
    float *vec = st == RVF_OK ? rvf_malloc((size_t)CHUNK * s->dim * sizeof *vec + 1) : NULL;
    uint64_t *ids = st == RVF_OK ? rvf_malloc((size_t)CHUNK * sizeof *ids) : NULL;
    uint32_t *counts = st == RVF_OK ? rvf_malloc((size_t)CHUNK * sizeof *counts) : NULL;
    rvf_value *meta = NULL;
    if (st == RVF_OK && (!vec || !ids || !counts))
        st = RVF_ERR_OUT_OF_MEMORY;
    for (size_t a = 0; st == RVF_OK && a < m; a += CHUNK) {
        size_t cnt = m - a < CHUNK ? m - a : CHUNK, nmeta = 0;
        for (size_t i = 0; i < cnt; i++)
            nmeta += s->meta[it[a + i].idx].n;
        rvf_value *nm = rvf_realloc(meta, (nmeta + 1) * sizeof *nm);
        if (!nm) {
            st = RVF_ERR_OUT_OF_MEMORY;
            break;
        }
        meta = nm;
        size_t k = 0;
        for (size_t i = 0; i < cnt && st == RVF_OK; i++) {
            const slot_meta *sm = &s->meta[it[a + i].idx];
            ids[i] = it[a + i].id;
            counts[i] = sm->n;
            if (sm->n)
                memcpy(meta + k, sm->fields, sm->n * sizeof *meta);
            k += sm->n;
            st = rvf_get_vector(s, ids[i], vec + i * s->dim, s->dim);
        }
        if (st == RVF_OK)
            st = rvf_ingest(d, vec, ids, cnt, meta, counts);
    }
    rvf_free(meta);
    rvf_free(counts);
    rvf_free(ids);
    rvf_free(vec);
    rvf_free(it);
    rvf_status cst = rvf_close(d);
    if (st == RVF_OK)
        st = cst;
    if (st != RVF_OK)
        unlink(path);
    return st;
}

/* ---- embedded WebAssembly (FORMAT.md "WASM_SEG") ------------------------------------------- */
rvf_status rvf_embed_wasm(rvf_store *s, const uint8_t *bytecode, size_t len,
                          const rvf_wasm_options *opt, uint64_t *segment_id)
{
    g_detail[0] = 0;
    if (!s || !bytecode || !opt || len < 8 || len > UINT32_MAX - 64 ||
        memcmp(bytecode, "\0asm", 4) != 0)
        return RVF_ERR_INVALID_ARGUMENT;
    if (s->read_only)
        return fail(RVF_ERR_READ_ONLY, "the store is open read-only");
    rvf_status st = ensure_loaded(s);
    if (st != RVF_OK)
        return st;
    uint8_t *pl = rvf_calloc(64 + len, 1);
    if (!pl)
        return RVF_ERR_OUT_OF_MEMORY;
    rvfk_st_u32(pl + 0x00, 0x5256574Du); /* wasm_magic */
    rvfk_st_u16(pl + 0x04, 1);           /* header_version */
    pl[0x06] = opt->role;
    pl[0x07] = opt->target;
    rvfk_st_u16(pl + 0x08, opt->required_features);
    rvfk_st_u16(pl + 0x0A, opt->export_count);
    rvfk_st_u32(pl + 0x0C, (uint32_t)len); /* bytecode_size; compressed_size 0, compression 0 */
    pl[0x15] = opt->min_memory_pages;
    pl[0x16] = opt->max_memory_pages;
    rvf_shake256(bytecode, len, pl + 0x18, 32);
    pl[0x38] = opt->bootstrap_priority;
    pl[0x39] = opt->interpreter_type;
    memcpy(pl + 64, bytecode, len);
    rvf_manifest nm;
    st = manifest_next(s, &nm, 1);
    rvf_buf data;
    rvf_buf_init(&data);
    uint64_t id = 0;
    if (st == RVF_OK) {
        id = s->next_seg_id++;
        rvf_seg_emit(&data, s->end, RVF_SEG_WASM, 0, id, s->algo, pl, 64 + len, 0,
                     &nm.dir[nm.ndir++]);
        st = rvf_buf_status(&data);
        if (st == RVF_OK)
            st = store_commit(s, &data, &nm);
        else
            rvf_manifest_free(&nm);
    }
    if (st == RVF_OK && segment_id)
        *segment_id = id;
    rvf_buf_free(&data);
    rvf_free(pl);
    return st;
}
