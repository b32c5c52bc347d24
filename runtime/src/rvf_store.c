/* rvf_store.c: the store. State is an in-memory table built from the newest manifest; every
 * mutation is one commit (rvf_store_commit): append data segments, sync, append the manifest, sync.
 * The in-memory table changes only after the commit returns OK, so a failed write leaves the
 * handle on the last committed state and the next commit overwrites the orphan bytes.
 * This file holds the core (errors, the vector table, loading, booting, the commit, create/open/
 * close); the rest of the store is in rvf_store_*.c, listed in rvf_store_impl.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvf_store_impl.h"

/* ---- errors with a detail line ---------------------------------------------------------- */
_Thread_local char rvf_store_detail[256];

const char *rvf_last_error_detail(void)
{
    return rvf_store_detail;
}

rvf_status rvf_store_fail(rvf_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is right above */
    vsnprintf(rvf_store_detail, sizeof rvf_store_detail, fmt, ap);
    va_end(ap);
    return st;
}

const char *rvf_store_seg_name(uint8_t t)
{
    static const char *names[] = {
        "INVALID",    "VEC_SEG",     "INDEX_SEG",  "OVERLAY_SEG", "JOURNAL_SEG", "MANIFEST_SEG",
        "QUANT_SEG",  "META_SEG",    "HOT_SEG",    "SKETCH_SEG",  "WITNESS_SEG", "PROFILE_SEG",
        "CRYPTO_SEG", "METAIDX_SEG", "KERNEL_SEG", "EBPF_SEG",    "WASM_SEG"};
    return t < sizeof names / sizeof names[0] ? names[t] : "segment";
}

uint64_t rvf_store_now_ns(void)
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
        uint64_t t = rvf_store_now_ns(), pid = (uint64_t)getpid(), a = (uint64_t)(uintptr_t)out;
        memcpy(seed, &t, 8);
        memcpy(seed + 8, &pid, 8);
        memcpy(seed + 16, &a, 8);
        memset(seed + 24, 0, 8);
        rvf_shake256(seed, sizeof seed, out, n);
    }
}

static size_t hash_id(uint64_t id, size_t mask)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    id ^= id >> 33;
    return (size_t)id & mask;
}

int64_t rvf_store_find_slot(const rvf_store *s, uint64_t id)
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

uint32_t rvf_store_index_seg_count(const rvf_manifest *m)
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

void rvf_store_stale_clear(rvf_store *s)
{
    rvf_free(s->stale);
    rvf_free(s->stale_list);
    s->stale = NULL;
    s->stale_list = NULL;
    s->nstale = s->stale_cap = 0;
}

void rvf_store_index_drop(rvf_store *s)
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

rvf_status rvf_store_meta_set(slot_meta *m, const rvf_value *f, uint32_t n)
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
rvf_status rvf_store_table_upsert(rvf_store *s, uint64_t id, const uint8_t *row, size_t *slot_out)
{
    int64_t j = rvf_store_find_slot(s, id);
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
        bool placed = s->loading ? s->load_dir_i > s->stale_after_dir
                                 : (s->hnsw && (size_t)j < s->hnsw_n) ||
                                       rvf_store_index_seg_count(&s->man) > 0;
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

void rvf_store_layera_drop(rvf_store *s)
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
    rvf_store_layerb_drop(s);
    rvf_layera_free(s->la);
    s->la = NULL;
    s->la_rows = NULL;
    s->la_ids = NULL;
    s->la_slots = 0;
    s->la_loaded = 0;
    s->la_tried = false;
}

void rvf_store_table_free(rvf_store *s)
{
    rvf_store_tiers_drop(s);
    rvf_store_layera_drop(s);
    s->la_read = 0;
    rvf_store_index_drop(s);
    s->hnsw_load_failed = false;
    rvf_store_stale_clear(s);
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

static void rvf_store_free(rvf_store *s)
{
    if (!s)
        return;
    rvf_store_table_free(s);
    rvf_sketch_free(&s->sketch);
    rvf_manifest_free(&s->man);
    rvf_buf_free(&s->scratch);
    if (s->io)
        s->io->close(s->io);
    rvf_lock_release(s->lock);
    rvf_free(s->path);
    rvf_free(s);
}

static rvf_store *rvf_store_new(void)
{
    rvf_store *s = rvf_calloc(1, sizeof *s);
    if (s)
        s->recovered_from = UINT64_MAX;
    return s;
}

char *rvf_store_str_dup(const char *a, const char *suffix)
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
    int64_t j = rvf_store_find_slot(c->s, id);
    if (j < 0 || c->vec_pos[j] > c->dir_pos)
        return RVF_OK; /* metadata of a vector replaced later, or of no vector */
    return rvf_store_meta_set(&c->s->meta[j], f, n);
}

static rvf_status load_data(rvf_store *s);

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
        st = rvf_store_table_upsert(s, ids[k], rows + k * s->row_bytes, &slot);
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
        return rvf_store_fail(RVF_ERR_INVALID_MANIFEST,
                              "manifest at %llu: dimension %u dtype %u unsupported",
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
 * Read-only stores call this on first use (rvf_store_ensure_loaded), so opening reads the root and
 * Level 1 only. */
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
        if (e->seg_type == RVF_SEG_VEC && rvf_store_layera_resident(s, e, &rids, &rrows, &rcount)) {
            /* a partition a Layer-A query already read (and verified): not read again */
            st = load_rows(s, i, rids, rrows, rcount, &vec_pos, &vec_cap);
            if (st != RVF_OK)
                st = rvf_store_fail(st, "VEC_SEG id %llu (resident partition): %s",
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
            st = rvf_store_fail(st, "%s id %llu at offset %llu: %s",
                                rvf_store_seg_name(e->seg_type), (unsigned long long)e->segment_id,
                                (unsigned long long)e->file_offset, rvf_strerror(st));
            break;
        }
        if (e->seg_type == RVF_SEG_VEC) {
            rvf_vec_block *blk = NULL;
            uint32_t nb = 0;
            st = rvf_vecseg_blocks(p, (size_t)e->payload_length, &blk, &nb);
            char why[sizeof rvf_store_detail]; /* a quantized block's failure says why */
            memcpy(why, rvf_store_detail, sizeof why);
            rvf_store_detail[0] = 0;
            for (uint32_t b = 0; b < nb && st == RVF_OK; b++) {
                if (!rvf_store_block_kind(s, &blk[b]))
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
                if (st == RVF_OK) /* quantized tiers decoded to the store's dtype */
                    st = rvf_store_block_read(s, p, (size_t)e->payload_length, &blk[b], ids, rows);
                if (st == RVF_OK)
                    st = load_rows(s, i, ids, rows, blk[b].count, &vec_pos, &vec_cap);
            }
            rvf_free(blk);
            if (st == RVF_OK) {
                memcpy(rvf_store_detail, why, sizeof why); /* an earlier detail stays */
            } else {
                snprintf(why, sizeof why, "%s",
                         rvf_store_detail[0] ? rvf_store_detail : rvf_strerror(st));
                st = rvf_store_fail(st, "VEC_SEG id %llu at offset %llu: %s",
                                    (unsigned long long)e->segment_id,
                                    (unsigned long long)e->file_offset, why);
            }
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
                st = rvf_store_fail(st, "META_SEG id %llu at offset %llu: %s",
                                    (unsigned long long)e->segment_id,
                                    (unsigned long long)e->file_offset, rvf_strerror(st));
        }
        if (owned)
            rvf_free((void *)p);
    }
    s->loading = false;
    rvf_free(vec_pos);
    rvf_free(ids);
    rvf_free(rows);
    if (st != RVF_OK) {
        rvf_store_table_free(s);
        return st;
    }
    for (size_t i = 0; i < m->ndeleted; i++) {
        int64_t j = rvf_store_find_slot(s, m->deleted[i]);
        if (j >= 0 && !s->dead[j]) {
            s->dead[j] = 1;
            s->ndead++;
        }
    }
    s->loaded = true;
    s->la_read = s->la_loaded; /* still reported once the progressive copies are freed */
    rvf_store_layera_drop(s);  /* the progressive state's rows are in the table now */
    s->la_tried = true;
    return RVF_OK;
}

/* A store booted from the root alone reads its Level 1 here, on the first call that needs more
 * than the root (RVF_LOAD_ROOT -> RVF_LOAD_MANIFEST). A read error leaves the store as it was, so
 * the call can be retried (a range source that fetches asynchronously fails and retries, js/);
 * a damaged Level 1 falls back to the previous manifest by the backward scan (RVF-BRIEF §4.5). */
rvf_status rvf_store_ensure_manifest(rvf_store *s)
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
        st = rvf_store_boot(s, -1, false);
        break;
    default:
        return rvf_store_fail(st, "reading Level 1 of the manifest at offset %llu: %s",
                              (unsigned long long)s->man.offset, rvf_strerror(st));
    }
    if (st != RVF_OK)
        s->boot_failed = st;
    return st;
}

rvf_status rvf_store_ensure_loaded(rvf_store *s)
{
    rvf_status st = rvf_store_ensure_manifest(s);
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
    rvf_status st = rvf_store_table_upsert(s, id, row, NULL);
    rvf_free(row);
    return st;
}

static rvf_status ref_deleted(void *ctx, uint64_t id)
{
    rvf_store *s = ctx;
    int64_t j = rvf_store_find_slot(s, id);
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
        return rvf_store_fail(st, "reference-dialect file: %s", rvf_strerror(st));
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
        return rvf_store_fail(st, "reference-dialect file: %s", rvf_strerror(st));
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
        rvf_store_fail(
            RVF_OK,
            "reference-dialect file: the manifest at offset %llu fails its content hash; "
            "opened the previous one (epoch %u)",
            (unsigned long long)info.skipped_bad, info.epoch);
    return RVF_OK;
}

/* Find the newest manifest and load it (or the reference dialect). root_boot: read only the
 * root (4096 bytes) when it is valid; Level 1 follows on first use (rvf_store_ensure_manifest). */
rvf_status rvf_store_boot(rvf_store *s, int64_t at_epoch, bool root_boot)
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
            return rvf_store_fail(st, "reading the root: %s", rvf_strerror(st));
    }
    st = rvf_manifest_locate(s->io, fsz, &s->man, &bad);
    if (st == RVF_ERR_MANIFEST_NOT_FOUND && rvf_ref_detect(s->io))
        return load_reference(s);
    if (st != RVF_OK)
        return rvf_store_fail(st, "no valid RVF manifest in %llu bytes", (unsigned long long)fsz);
    s->recovered_from = bad;
    if (bad != UINT64_MAX) /* opened, but say why this is not the newest commit */
        rvf_store_fail(RVF_OK,
                       "the manifest at offset %llu is damaged; opened the previous one (epoch %u)",
                       (unsigned long long)bad, s->man.epoch);
    while (at_epoch >= 0 && s->man.epoch != (uint32_t)at_epoch) {
        if (!s->man.has_chain || s->man.epoch < (uint32_t)at_epoch || !s->man.prev_manifest_id)
            return rvf_store_fail(RVF_ERR_NOT_FOUND, "epoch %lld is not in the manifest chain",
                                  (long long)at_epoch);
        uint64_t prev = s->man.prev_manifest_offset;
        rvf_manifest_free(&s->man);
        st = rvf_manifest_read_at(s->io, prev, fsz, &s->man);
        if (st != RVF_OK)
            return rvf_store_fail(st, "manifest chain broken at offset %llu: %s",
                                  (unsigned long long)prev, rvf_strerror(st));
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
rvf_status rvf_store_commit(rvf_store *s, rvf_buf *data, rvf_manifest *m)
{
    if (s->read_only)
        return RVF_ERR_READ_ONLY;
    rvf_status st = RVF_OK;
    if (data->len) {
        st = s->io->write(s->io, s->end, data->data, data->len);
        if (st == RVF_OK)
            st = io_sync(s);
        if (st != RVF_OK)
            return rvf_store_fail(st, "appending %zu bytes at offset %llu: %s", data->len,
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
    m->modified_ns = rvf_store_now_ns();
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
        return rvf_store_fail(st, "writing the manifest at offset %llu: %s",
                              (unsigned long long)m->offset, rvf_strerror(st));
    rvf_manifest_free(&s->man);
    s->man = *m;
    s->end = new_end;
    return RVF_OK;
}

/* A copy of the current manifest's state for the next commit (dir and deleted duplicated). */
rvf_status rvf_store_manifest_next(rvf_store *s, rvf_manifest *m, uint32_t extra_dir)
{
    *m = s->man;
    m->dir = rvf_malloc(((size_t)s->man.ndir + extra_dir) * sizeof *m->dir + 1);
    m->deleted = NULL;
    m->ndeleted = 0;
    if (!m->dir || rvf_manifest_copy_extras(m, &s->man) != RVF_OK) {
        rvf_free(m->dir);
        m->dir = NULL;
        rvf_manifest_clear_extras(m);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    if (s->man.ndir)
        memcpy(m->dir, s->man.dir, s->man.ndir * sizeof *m->dir);
    m->epoch = s->man.epoch + 1;
    return RVF_OK;
}

/* Deleted ids (sorted) of the table after the pending change: slots in `kill` deleted, slots in
 * `revive` (re-ingested) live again; either may be NULL. */
rvf_status rvf_store_deleted_list(rvf_store *s, const uint8_t *kill, const uint8_t *revive,
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
void rvf_store_witness_emit(const rvf_store *s, rvf_buf *data, uint64_t base, uint64_t *next_id,
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
    rvf_witness_append(&w, rec, (size_t)len, rvf_store_now_ns(), type);
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
        return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT, "dimension must be 1..65535");
    if (o->metric > RVF_METRIC_COSINE)
        return rvf_store_fail(RVF_ERR_METRIC_UNSUPPORTED,
                              "metric %d: use L2, IP or cosine for float vectors", (int)o->metric);
    if (o->dtype != RVF_DTYPE_F32 && o->dtype != RVF_DTYPE_F16)
        return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT, "dtype must be f32 or f16");
    if (o->checksum_algo && o->checksum_algo != RVF_HASH_XXH3_128 &&
        o->checksum_algo != RVF_HASH_SHAKE256)
        return rvf_store_fail(RVF_ERR_INVALID_ARGUMENT,
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
    m->created_ns = rvf_store_now_ns();
    random_bytes(m->file_id, 16);
    m->dir = rvf_malloc(sizeof *m->dir * 2);
    return m->dir ? RVF_OK : RVF_ERR_OUT_OF_MEMORY;
}

/* The first commit of a new store (epoch 0, empty): a PROVENANCE witness, or for a child of
 * `parent` the lineage fields in the root and a DERIVATION witness (always written). */
static rvf_status rvf_store_init_file(rvf_store *s, const rvf_store *parent,
                                      uint8_t derivation_type, const char *description)
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
        rvf_store_witness_emit(s, &data, s->end, &s->next_seg_id, &m, RVF_WITNESS_PROVENANCE,
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
        rvf_store_witness_emit(s, &data, s->end, &s->next_seg_id, &m, RVF_WITNESS_DERIVATION, act);
    }
    rvf_status st = rvf_buf_status(&data);
    if (st == RVF_OK)
        st = rvf_store_commit(s, &data, &m);
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
        return rvf_store_fail(RVF_ERR_ALREADY_EXISTS, "%s already exists", path);
    *tmp = rvf_store_str_dup(path, ".create.tmp");
    if (!*tmp)
        return RVF_ERR_OUT_OF_MEMORY;
    unlink(*tmp);
    rvf_status st = rvf_io_file_open(*tmp, RVF_IO_READ | RVF_IO_WRITE | RVF_IO_CREATE, &s->io);
    if (st != RVF_OK)
        st = rvf_store_fail(st, "creating %s: %s", *tmp, rvf_strerror(st));
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
            st = rvf_store_fail(RVF_ERR_ALREADY_EXISTS, "%s already exists", path);
        else if (access(path, F_OK) != 0 && rename(tmp, path) == 0)
            /* no hard links on this file system (EPERM, ENOTSUP, EMLINK under Emscripten): a
             * rename, exclusive only up to the check just made */
            return s->no_sync ? RVF_OK : rvf_fsync_dir(path);
        else
            st = rvf_store_fail(RVF_ERR_IO_ERROR, "linking %s to %s: %s", tmp, path, strerror(e));
    }
    unlink(tmp);
    if (st == RVF_OK && !s->no_sync)
        st = rvf_fsync_dir(path);
    return st;
}

/* A new file at path, locked, published whole (begin_new_file / publish_new_file). */
rvf_status rvf_store_create(const char *path, const rvf_options *opt, const rvf_store *parent,
                            uint8_t derivation_type, const char *description, rvf_store **out)
{
    rvf_store *s = rvf_store_new();
    if (!s)
        return RVF_ERR_OUT_OF_MEMORY;
    apply_options(s, opt);
    rvf_status st = RVF_OK;
    s->path = rvf_store_str_dup(path, NULL);
    if (!s->path)
        st = RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK && (st = rvf_lock_acquire(path, &s->lock)) != RVF_OK)
        st = rvf_store_fail(st, "%s.lock is held by another writer", path);
    char *tmp = NULL;
    if (st == RVF_OK)
        st = begin_new_file(s, path, &tmp);
    if (st == RVF_OK)
        st = rvf_store_init_file(s, parent, derivation_type, description);
    if (st == RVF_OK)
        st = publish_new_file(s, path, tmp);
    if (st != RVF_OK && tmp)
        unlink(tmp);
    rvf_free(tmp);
    if (st != RVF_OK) {
        rvf_store_free(s);
        return st;
    }
    *out = s;
    return RVF_OK;
}

rvf_status rvf_create(const char *path, const rvf_options *opt, rvf_store **out)
{
    *out = NULL;
    rvf_store_detail[0] = 0;
    rvf_status st = check_options(opt);
    return st != RVF_OK ? st : rvf_store_create(path, opt, NULL, 0, NULL, out);
}

static rvf_status open_path(const char *path, bool write, int64_t at_epoch, rvf_store **out)
{
    *out = NULL;
    rvf_store_detail[0] = 0;
    rvf_store *s = rvf_store_new();
    if (!s)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_status st = RVF_OK;
    s->path = rvf_store_str_dup(path, NULL);
    s->read_only = !write;
    s->lazy = !write;
    s->algo = RVF_HASH_XXH3_128;
    s->block_vectors = RVF_VEC_BLOCK_VECTORS;
    if (!s->path)
        st = RVF_ERR_OUT_OF_MEMORY;
    if (st == RVF_OK && write) {
        if ((st = rvf_lock_acquire(path, &s->lock)) != RVF_OK)
            st = rvf_store_fail(st, "%s.lock is held by another writer", path);
        else { /* a compaction that died before its rename leaves a temporary file */
            char *tmp = rvf_store_str_dup(path, ".compact.tmp");
            if (tmp)
                unlink(tmp);
            rvf_free(tmp);
        }
    }
    if (st == RVF_OK &&
        (st = rvf_io_file_open(path, write ? RVF_IO_READ | RVF_IO_WRITE : RVF_IO_READ, &s->io)) !=
            RVF_OK)
        st = rvf_store_fail(st, "opening %s: %s", path, rvf_strerror(st));
    if (st == RVF_OK)
        st = rvf_store_boot(s, at_epoch, false);
    if (st == RVF_OK && write && !s->read_only && s->end < s->io->size(s->io)) {
        /* uncommitted bytes after the newest valid manifest: drop them before appending */
        st = s->io->truncate(s->io, s->end);
        if (st == RVF_OK)
            st = io_sync(s);
    }
    if (st == RVF_OK && at_epoch >= 0)
        s->read_only = true;
    if (st != RVF_OK) {
        rvf_store_free(s);
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
    rvf_store_detail[0] = 0;
    if (!io)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_store *s = rvf_store_new();
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
    rvf_status st = rvf_store_boot(s, -1, root_boot);
    if (st == RVF_OK && writable && !s->read_only && s->end < io->size(io))
        st = io->truncate(io, s->end);
    if (st != RVF_OK) {
        rvf_store_free(s);
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
    rvf_store_detail[0] = 0;
    rvf_status st = check_options(opt);
    if (st != RVF_OK)
        return st;
    rvf_store *s = rvf_store_new();
    if (!s)
        return RVF_ERR_OUT_OF_MEMORY;
    apply_options(s, opt);
    s->memory = true;
    st = rvf_io_memory(NULL, 0, &s->io);
    if (st == RVF_OK)
        st = rvf_store_init_file(s, NULL, 0, NULL);
    if (st != RVF_OK) {
        rvf_store_free(s);
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
    rvf_store_free(ns);
    return RVF_OK;
}

rvf_status rvf_close(rvf_store *s)
{
    if (!s)
        return RVF_OK;
    rvf_status st = RVF_OK;
    if (!s->read_only && s->io->sync && !s->no_sync)
        st = s->io->sync(s->io);
    rvf_store_free(s);
    return st;
}
