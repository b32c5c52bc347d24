/* rvf_store_impl.h: the store's private parts, shared by the files that implement runtime/include/
 * rvf.h's store calls. Nothing here is public API: the shared library exports only what rvf.h
 * declares (native-host/install.cmake's version script), so these rvf_store_* functions stay local.
 *
 *   rvf_store.c              the core: errors, the vector table, loading (native and reference
 *                            dialect), booting, the commit, create/open/close
 *   rvf_store_write.c        ingest, delete, derive, export, save_as, embed_wasm
 *   rvf_store_index.c        queries: exact scan, access sketch, HNSW index (build, load, filtered
 *                            search), rvf_load
 *   rvf_store_progressive.c  Layer A, partitions read on demand, the hot cache, "A + B"
 *   rvf_store_compact.c      compaction (rvf_compact)
 *   rvf_store_prefetch.c     the PREFETCH_TABLE a compaction writes
 *   rvf_store_tiers.c        temperature tiers: quantized VEC blocks written by rvf_compact_ex
 *                            and decoded wherever VEC blocks are read
 *   rvf_store_inspect.c      inspection and verification
 */
#ifndef RVF_STORE_IMPL_H
#define RVF_STORE_IMPL_H

#include "rvf_hnsw.h"
#include "rvf_indexseg.h"
#include "rvf_layera.h"
#include "rvf_layerb.h"
#include "rvf_manifest.h"
#include "rvf_quant.h"
#include "rvf_sketch.h"

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
    uint32_t la_read;   /* after a full load: the partitions Layer-A queries had read (status) */
    /* "A + hot" (§6.2): the HOT_SEG the root's hot_cache pointer names, read with Layer A; its
     * id table fills la_ids for the hot slots. la_cover[p] = 1: every slot of partition p is hot
     * (the query need not read it). la_hot_fresh: its bytes, charged to the query that read it. */
    rvf_hotseg la_hot;
    uint8_t *la_cover;
    uint64_t la_hot_fresh;
    /* "A + B" (§6.2): Layer B (the layer_level 1 INDEX_SEG INDEX_LAYERS names), read once by the
     * second Layer-A query of a handle and used from the third (rvf_store_progressive.c) */
    rvf_layerb *lb;
    bool lb_tried;
    uint32_t la_queries; /* Layer-A queries answered */
    uint32_t lb_read;    /* partitions the "A + B" batches read */
    /* §7.2 access sketch: every id a query returns counts for its block (id / 1024); read from
     * the newest SKETCH_SEG on first use, written again by index builds and compactions */
    rvf_sketch sketch;
    bool sketch_ready, sketch_dirty;
    /* temperature tiers (rvf_store_tiers.c): the quantizers of the listed QUANT_SEGs by tier,
     * read on the first quantized VEC block; tq_key identifies the QUANT_SEGs they came from */
    rvf_quant tq[3];
    bool tq_have[3];
    uint64_t tq_key;
};

typedef struct sort_item {
    uint64_t id;
    uint32_t idx; /* position in the batch; later positions win */
} sort_item;

/* Whether x is in a[0..n), sorted ascending (binary search). */
static inline bool rvf_store_sorted_has(const uint64_t *a, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && a[lo] == x;
}

/* The detail line of the last error on this thread (rvf_last_error_detail). */
extern _Thread_local char rvf_store_detail[256];

/* ---- rvf_store.c ----------------------------------------------------------------------------- */
rvf_status rvf_store_fail(rvf_status st, const char *fmt, ...);
const char *rvf_store_seg_name(uint8_t t);
uint64_t rvf_store_now_ns(void);
int64_t rvf_store_find_slot(const rvf_store *s, uint64_t id);
uint32_t rvf_store_index_seg_count(const rvf_manifest *m);
void rvf_store_stale_clear(rvf_store *s);
void rvf_store_index_drop(rvf_store *s);
rvf_status rvf_store_meta_set(slot_meta *m, const rvf_value *f, uint32_t n);
rvf_status rvf_store_table_upsert(rvf_store *s, uint64_t id, const uint8_t *row, size_t *slot_out);
void rvf_store_layera_drop(rvf_store *s);
void rvf_store_table_free(rvf_store *s);
char *rvf_store_str_dup(const char *a, const char *suffix);
rvf_status rvf_store_ensure_manifest(rvf_store *s);
rvf_status rvf_store_ensure_loaded(rvf_store *s);
rvf_status rvf_store_boot(rvf_store *s, int64_t at_epoch, bool root_boot);
rvf_status rvf_store_commit(rvf_store *s, rvf_buf *data, rvf_manifest *m);
rvf_status rvf_store_manifest_next(rvf_store *s, rvf_manifest *m, uint32_t extra_dir);
rvf_status rvf_store_deleted_list(rvf_store *s, const uint8_t *kill, const uint8_t *revive,
                                  uint64_t **out, size_t *n);
void rvf_store_witness_emit(const rvf_store *s, rvf_buf *data, uint64_t base, uint64_t *next_id,
                            rvf_manifest *m, uint8_t type, const char *action);
rvf_status rvf_store_create(const char *path, const rvf_options *opt, const rvf_store *parent,
                            uint8_t derivation_type, const char *description, rvf_store **out);

/* ---- rvf_store_write.c ----------------------------------------------------------------------- */
void rvf_store_sort_items(sort_item *a, size_t n);

/* ---- rvf_store_index.c ----------------------------------------------------------------------- */
rvf_status rvf_store_sketch_ready(rvf_store *s);
rvf_status rvf_store_sketch_emit(rvf_store *s, rvf_buf *data, uint64_t base, uint64_t *next_id,
                                 rvf_manifest *nm, bool account_dead);
rvf_hnsw_source rvf_store_rows_source(rvf_store *s);
rvf_status rvf_store_index_load(rvf_store *s, int metric);
bool rvf_store_is_layerb(const rvf_manifest *m, const rvf_dir_entry *e);
rvf_status rvf_store_index_extend(rvf_store *s, const rvf_index_options *o);
void rvf_store_hits_offer(rvf_hit *out, uint32_t *n, uint32_t k, rvf_hit h);

/* ---- rvf_store_progressive.c ----------------------------------------------------------------- */
rvf_status rvf_store_layera_open(rvf_store *s);
rvf_status rvf_store_query_layera(rvf_store *s, const float *query, rvf_metric metric,
                                  const rvf_query_params *p, rvf_hit *out, uint32_t *n_out);
void rvf_store_layerb_drop(rvf_store *s);
bool rvf_store_layera_resident(const rvf_store *s, const rvf_dir_entry *e, const uint64_t **ids,
                               const uint8_t **rows, size_t *count);

/* ---- rvf_store_tiers.c: temperature tiers (rvf_compact_ex, FORMAT.md "Temperature tiers") -- */
/* Reading. How a VEC block is read by this store: 0 not at all (another dimension or dtype:
 * listed, not searched), 1 rows at the store's dtype, 2 quantized codes (SQ 0x04, binary 0x06,
 * PQ 0x07 in a warm or cold block) decoded through the QUANT_SEG of the block's tier. */
int rvf_store_block_kind(const rvf_store *s, const rvf_vec_block *b);
/* Decode block b (kind 1 or 2) into count ids and count rows at the store's dtype. A quantized
 * block whose tier has no QUANT_SEG, or a QUANT_SEG of another quantizer or dimension:
 * RVF_ERR_INVALID_MANIFEST with a detail; a damaged QUANT_SEG: its load/decode status. */
rvf_status rvf_store_block_read(rvf_store *s, const uint8_t *p, size_t len, const rvf_vec_block *b,
                                uint64_t *ids, uint8_t *rows);
/* What verify checks for a block: kind 2 needs a usable QUANT_SEG of its tier. */
rvf_status rvf_store_block_check(rvf_store *s, const rvf_vec_block *b);
void rvf_store_tiers_drop(rvf_store *s); /* forget the cached quantizers */

/* Writing (the compaction). */
typedef struct rvf_tier_plan {
    uint8_t *tier;  /* per slot of the table (s->n): 0 hot, 1 warm, 2 cold */
    rvf_quant q[3]; /* [1] warm SQ8, [2] cold (trained when the tier has vectors) */
    size_t count[3];
    rvf_tier_entry *map; /* TEMP_TIER_MAP entries of the blocks written so far */
    uint32_t nmap, map_cap;
} rvf_tier_plan;
/* Tier of every live slot (it[0..m)) from the sketch, this epoch and the previous one, and the
 * quantizers trained on the live rows. cold: an rvf_cold_quant. */
rvf_status rvf_store_tiers_plan(rvf_store *s, const sort_item *it, size_t m, uint8_t cold,
                                rvf_tier_plan *tp);
/* Reorder it[a..b) of every segment (cuts[k] .. cuts[k + 1]) by tier, keeping the order within a
 * tier (stable). */
rvf_status rvf_store_tiers_order(const rvf_tier_plan *tp, sort_item *it, const size_t *cuts,
                                 size_t nseg);
/* The VEC_SEG payload of slots a..a+cnt (it[], ids[] and rows[] in the compacted order): one run
 * of blocks per tier, hot rows at the store's dtype, warm and cold ones quantized. *nblocks
 * receives the block count; the blocks are added to tp->map under seg_id. */
rvf_status rvf_store_tiers_encode(rvf_store *s, rvf_tier_plan *tp, rvf_buf *pl, const sort_item *it,
                                  const uint64_t *ids, const uint8_t *rows, size_t a, size_t cnt,
                                  uint64_t seg_id, uint32_t *nblocks);
/* Append the QUANT_SEGs of the tiers in use (warm, then cold) to img and record them in nm: the
 * directory, hotset[RVF_HOT_QUANTDICT] (warm's, else cold's) and TEMP_TIER_MAP (tp->map moves to
 * nm). nm->dir is grown: room for the QUANT_SEGs and three entries more. */
rvf_status rvf_store_tiers_emit(rvf_store *s, rvf_tier_plan *tp, rvf_buf *img, uint64_t *seg_id,
                                rvf_manifest *nm);
void rvf_store_tiers_plan_free(rvf_tier_plan *tp);

/* ---- rvf_store_prefetch.c ------------------------------------------------------------------- */
/* Set nm->prefetch to the PREFETCH_TABLE of a compacted image (img: len bytes from file offset 0;
 * nm->dir lists its segments): per VEC_SEG run of nodes, the pages of its rows, then the pages of
 * its lists in the layer-C INDEX_SEG. No layer-C INDEX_SEG: no table. */
rvf_status rvf_store_prefetch_table(const uint8_t *img, size_t len, rvf_manifest *nm);

#endif /* RVF_STORE_IMPL_H */
