/* rvf.h: the RVF store. One file per store, append-only, truth at the tail (FORMAT.md).
 *
 * Layers (STYLE.md habit 1): this header sits on rvf_kernel.h (statuses, metrics, distances) and
 * adds stores, I/O backends, metadata, filters and the allocator. Every call returns an
 * rvf_status: 0 on success, a negative value equal to the negated wire error code of FORMAT.md
 * otherwise (rvf_strerror() gives the message).
 *
 * Threads: a store handle is used by one thread at a time. Any number of processes may read a
 * file while one writer appends to it; each reader sees the manifest it opened (a snapshot) until
 * it calls rvf_refresh().
 *
 * Ownership: pointers passed in are borrowed for the duration of the call, unless a comment says
 * otherwise. Pointers returned (rvf_segments, rvf_query results) are owned by the caller and freed
 * with rvf_release(). */
#ifndef RVF_H
#define RVF_H

#include <stddef.h>
#include <stdint.h>

#include "rvf_kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RVF_VERSION_MAJOR 0
#define RVF_VERSION_MINOR 2
#define RVF_VERSION_PATCH 0
/* The format version this library writes (segment version byte, root version). */
#define RVF_FORMAT_VERSION 1

/* ---------------------------------------------------------------------------------------------
 * Allocator. Every allocation of the runtime goes through these three functions (STYLE.md
 * habit 6). The default uses the C library. Set it once, before any store is opened; NULL
 * restores the default. realloc(ctx, NULL, n) must allocate; free(ctx, NULL) must do nothing. */
typedef struct rvf_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void *(*realloc)(void *ctx, void *ptr, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *ctx;
} rvf_allocator;
void rvf_set_allocator(const rvf_allocator *a);
/* Free anything this header says is "freed with rvf_release()". NULL is allowed. */
void rvf_release(void *ptr);

/* ---------------------------------------------------------------------------------------------
 * Byte sources. A store reads its file through one of these. rvf_open() uses the POSIX file
 * backend; rvf_open_view() a caller's bytes; rvf_open_source() any range-readable source (the
 * browser backs it with HTTP range requests). read() must fill exactly n bytes at offset off,
 * or return a negative status (RVF_ERR_TRUNCATED_SEGMENT past the end). */
typedef struct rvf_source {
    void *ctx;
    uint64_t size; /* total bytes of the file */
    rvf_status (*read)(void *ctx, uint64_t off, void *dst, size_t n);
    void (*close)(void *ctx); /* may be NULL; called by rvf_close() */
} rvf_source;

/* ---------------------------------------------------------------------------------------------
 * Metadata values (META_SEG, FORMAT.md). A vector carries any number of fields, each a field id
 * and one typed value. Strings and bytes are borrowed on input; on output (rvf_get_metadata) they
 * point into the store and stay valid until the next mutating call or rvf_close(). */
typedef enum rvf_value_type {
    RVF_VALUE_NULL = 0,
    RVF_VALUE_U64 = 1,
    RVF_VALUE_I64 = 2,
    RVF_VALUE_F64 = 3,
    RVF_VALUE_STRING = 4,
    RVF_VALUE_BYTES = 5,
    RVF_VALUE_BOOL = 6,
    RVF_VALUE_U32 = 7,
    RVF_VALUE_F32 = 8
} rvf_value_type;

typedef struct rvf_value {
    uint16_t field_id;
    uint8_t type; /* rvf_value_type */
    union {
        uint64_t u64; /* U64, U32 */
        int64_t i64;  /* I64 */
        double f64;   /* F64, F32 (widened) */
        int boolean;  /* BOOL: 0 or 1 */
        struct {
            const uint8_t *ptr;
            uint32_t len;
        } bytes; /* STRING (UTF-8, not NUL-terminated), BYTES */
    } v;
} rvf_value;

/* ---------------------------------------------------------------------------------------------
 * Filters: the binary postfix expression of FORMAT.md ("Filter expression"), built with the
 * rvf_filter_* helpers or taken as bytes from elsewhere. A filter refers to metadata fields by id;
 * an unknown field is NULL for every vector (never an error). */
typedef struct rvf_filter {
    uint8_t *bytes; /* the encoded expression (header + tokens); owned by the filter */
    size_t len;
    size_t cap;
    uint16_t nodes;
    uint8_t depth, max_depth;
    rvf_status error; /* first builder error, reported by rvf_filter_finish() */
} rvf_filter;

void rvf_filter_init(rvf_filter *f);
void rvf_filter_free(rvf_filter *f);
/* Push operands (postfix): a field reference, or a literal value (value->field_id is ignored). */
void rvf_filter_field(rvf_filter *f, uint16_t field_id);
void rvf_filter_value(rvf_filter *f, const rvf_value *value);
/* Operators: RVF_FILTER_EQ .. RVF_FILTER_NOT (token codes of FORMAT.md). */
enum {
    RVF_FILTER_EQ = 0x10,
    RVF_FILTER_NE = 0x11,
    RVF_FILTER_LT = 0x12,
    RVF_FILTER_LE = 0x13,
    RVF_FILTER_GT = 0x14,
    RVF_FILTER_GE = 0x15,
    RVF_FILTER_IN = 0x20,
    RVF_FILTER_PREFIX = 0x21,
    RVF_FILTER_CONTAINS = 0x22,
    RVF_FILTER_AND = 0x30,
    RVF_FILTER_OR = 0x31,
    RVF_FILTER_NOT = 0x32
};
void rvf_filter_op(rvf_filter *f, uint8_t op);
/* IN_SET: pops the operand below, true if it equals one of the n literals. */
void rvf_filter_in(rvf_filter *f, const rvf_value *set, uint16_t n);
/* Convenience: field OP literal; field in [lo, hi) (encoded as GE, LT, AND). */
void rvf_filter_cmp(rvf_filter *f, uint16_t field_id, uint8_t op, const rvf_value *literal);
void rvf_filter_range(rvf_filter *f, uint16_t field_id, const rvf_value *lo, const rvf_value *hi);
/* Check the expression is complete (exactly one boolean left); returns the first error. */
rvf_status rvf_filter_finish(rvf_filter *f);
/* Validate encoded bytes: RVF_ERR_FILTER_PARSE_ERROR for unknown tokens, stack depth > 16,
 * stack underflow or a result that is not exactly one boolean. */
rvf_status rvf_filter_validate(const uint8_t *bytes, size_t len);

/* A one-line English detail about the last error this thread's store calls returned (which
 * segment, which offset), or "" when none. After an open that succeeded by falling back past a
 * damaged newest manifest (rvf_status_info.recovered_from), it says so. Valid until the next
 * store call on this thread. */
const char *rvf_last_error_detail(void);

/* ---------------------------------------------------------------------------------------------
 * Stores. */
typedef struct rvf_store rvf_store;

/* Vector element types of a store (the VEC dtype codes of FORMAT.md). */
typedef enum rvf_dtype { RVF_DTYPE_F32 = 0, RVF_DTYPE_F16 = 1 } rvf_dtype;

typedef struct rvf_options {
    uint32_t dimension;     /* 1..65535, required */
    rvf_metric metric;      /* persisted; default L2 */
    rvf_dtype dtype;        /* stored element type; vectors are given as f32 and converted */
    uint8_t profile_id;     /* domain profile (0 generic) */
    uint8_t checksum_algo;  /* segment content hash: 1 XXH3-128 (default), 2 SHAKE-256 */
    uint8_t no_witness;     /* 1: do not append WITNESS_SEGs (derive always witnesses lineage);
                               a setting of this handle, not stored in the file */
    uint8_t no_sync;        /* 1: skip fsync (tests and bulk loads; a crash may lose commits) */
    uint32_t block_vectors; /* vectors per VEC block (default 1024) */
} rvf_options;

/* Zero-initialised options with the defaults filled in for `dimension`. */
rvf_options rvf_options_default(uint32_t dimension);

/* Create a new file (fails if it exists) and take the writer lock (<path>.lock). */
rvf_status rvf_create(const char *path, const rvf_options *opt, rvf_store **out);
/* Open read-write: takes the writer lock, removes a leftover <path>.compact.tmp and truncates
 * uncommitted bytes after the newest valid manifest before the first append. Files written by the
 * reference runtime open read-only (RVF_ERR_READ_ONLY on mutation; rvf_save_as converts them). */
rvf_status rvf_open(const char *path, rvf_store **out);
/* Open read-only: no lock, never writes. */
rvf_status rvf_open_readonly(const char *path, rvf_store **out);
/* Open the store as it was at manifest epoch `epoch` (walking the manifest chain); read-only. */
rvf_status rvf_open_at_epoch(const char *path, uint32_t epoch, rvf_store **out);
/* Read-only store over bytes in memory (zero-copy: bytes must outlive the store). */
rvf_status rvf_open_view(const void *bytes, size_t len, rvf_store **out);
/* Read-only store over any range-readable source; src->close is called by rvf_close(). */
rvf_status rvf_open_source(const rvf_source *src, rvf_store **out);
/* A writable store held entirely in memory (WebAssembly, tests). rvf_store_bytes() gives the file
 * image at any time. */
rvf_status rvf_create_memory(const rvf_options *opt, rvf_store **out);
rvf_status rvf_open_memory(const void *bytes, size_t len, rvf_store **out); /* copies, writable */
/* The current file image of a memory store (valid until the next mutating call). */
rvf_status rvf_store_bytes(rvf_store *s, const uint8_t **bytes, size_t *len);
/* A read-only store opened by path moves to the newest committed manifest (reopening the path, so
 * it follows a compaction that replaced the file); on failure it keeps its snapshot. Writers and
 * stores over bytes in memory are always current: OK, nothing changes. */
rvf_status rvf_refresh(rvf_store *s);
/* Release the lock (writers) and free everything. NULL is allowed. */
rvf_status rvf_close(rvf_store *s);

/* Ingest a batch: n vectors of the store's dimension (row-major f32), their ids, and optional
 * metadata: meta_counts[i] fields for vector i, taken in order from `meta` (meta_counts NULL =
 * no metadata). A repeated id replaces the earlier vector and its metadata (later wins, also
 * within a batch). Vectors containing NaN or infinity are rejected as a whole batch
 * (RVF_ERR_INVALID_ARGUMENT) before anything is written. n == 0 commits nothing and returns OK.
 * The batch is durable when the call returns OK (append, fsync, manifest, fsync). */
rvf_status rvf_ingest(rvf_store *s, const float *vectors, const uint64_t *ids, size_t n,
                      const rvf_value *meta, const uint32_t *meta_counts);

typedef struct rvf_hit {
    uint64_t id;
    float distance;
} rvf_hit;

typedef struct rvf_query_params {
    uint32_t k;
    int metric;            /* -1: the store's metric; else an rvf_metric */
    const uint8_t *filter; /* encoded filter expression or NULL */
    size_t filter_len;
    uint32_t ef; /* 0: exact scan. > 0: approximate HNSW search with this beam width (f32 stores).
                    The graph comes from the file's INDEX_SEGs (rvf_build_index) when they match
                    the query's metric, else it is built in memory on first use (M 16,
                    ef_construction 200); vectors ingested since are added on first use, and
                    vectors replaced since the graph placed them are scanned exactly. f16 stores
                    scan exactly. */
} rvf_query_params;

/* Top-k nearest live vectors (exact scan, or HNSW when params->ef > 0), ascending distance, ties
 * by ascending id. `out` has
 * room for params->k hits; *n_out receives the count. Returns RVF_ERR_K_TOO_LARGE (with all
 * eligible hits written) when fewer than k are eligible and the store is not empty; k == 0 gives
 * 0 hits and OK. dim must equal the store's dimension (RVF_ERR_DIMENSION_MISMATCH). */
rvf_status rvf_query(rvf_store *s, const float *query, uint32_t dim, const rvf_query_params *params,
                     rvf_hit *out, uint32_t *n_out);

/* Soft-delete ids (unknown ids are ignored); *deleted (may be NULL) receives how many live
 * vectors were deleted. Durable on return. */
rvf_status rvf_delete(rvf_store *s, const uint64_t *ids, size_t n, uint64_t *deleted);
rvf_status rvf_delete_by_filter(rvf_store *s, const uint8_t *filter, size_t filter_len,
                                uint64_t *deleted);
/* Rewrite the file without deleted vectors and superseded segments (to <path>.compact.tmp, then
 * rename); a crash at any point leaves the old or the new file. Unknown segments are copied
 * byte for byte. */
rvf_status rvf_compact(rvf_store *s);

/* Temperature tiers (RVF-BRIEF §7, FORMAT.md "Temperature tiers"). rvf_compact(s) is
 * rvf_compact_ex(s, NULL): tiers off, the file is laid out exactly as without this call. With
 * tiers = 1 the compaction sorts every 1024-id block (the access sketch's unit) into a tier:
 *   hot  (0)  the sketch estimate was > 128 at the end of this sketch epoch and of the previous
 *             one (the SKETCH_SEG the file holds), or the block is hot already and its estimate
 *             is still > 16; stored at the store's dtype (exact) and, on an indexed store, in
 *             the HOT_SEG (f16 copies for "A + hot" queries);
 *   warm (1)  estimate > 16: SQ8 codes (1 byte per dimension) with a scalar QUANT_SEG;
 *   cold (2)  otherwise (no access history: everything): `cold`'s quantizer with its QUANT_SEG.
 * Warm and cold vectors are stored LOSSY: after the compaction every read (queries, rvf_get_vector,
 * rvf_foreach, rvf_export_reference, rvf_save_as) sees the decoded values. SQ8 error per
 * dimension is at most (max - min) / 510 of that dimension's range over the live vectors; PQ
 * replaces each subvector of 4 dimensions by the nearest of 256 centroids; binary keeps the sign
 * only (decodes to +1 / -1: meant for sign-dominated data, it changes distances a lot).
 * Distances are always f32 over the stored representation (hot rows exactly, warm/cold rows as
 * decoded). A later rvf_compact (tiers off) writes the decoded values at the store's dtype. */
typedef enum rvf_cold_quant {
    RVF_COLD_SQ8 = 0,   /* scalar 8-bit, 4x smaller than f32 (default) */
    RVF_COLD_PQ = 1,    /* product quantization: sub-vectors of 4 dims (else 2 or 1), 256
                           centroids each: 1 byte per sub-vector, 16x smaller than f32 */
    RVF_COLD_BINARY = 2 /* 1 bit per dimension (sign), 32x smaller than f32 */
} rvf_cold_quant;
typedef struct rvf_compact_options {
    uint8_t tiers; /* 0 off (rvf_compact); 1 hot / warm / cold tiers as above */
    uint8_t cold;  /* rvf_cold_quant of the cold tier (tiers = 1) */
} rvf_compact_options;
/* opt NULL = tiers off. RVF_ERR_INVALID_ARGUMENT for tiers > 1 or cold > 2. */
rvf_status rvf_compact_ex(rvf_store *s, const rvf_compact_options *opt);

/* Build or extend the HNSW index and make it durable as INDEX_SEGs (RVF-BRIEF §5.2, §6.3). The
 * first build writes the whole graph as one SEALED segment; later builds insert the vectors
 * ingested since and append a delta segment holding only the nodes whose lists changed; `full`
 * (or a change of M, ef_construction or metric, or vectors replaced since the graph placed them)
 * rebuilds and writes one SEALED segment that replaces the earlier ones. Nothing new to index:
 * nothing is written. Compaction carries the index over (renumbered, deleted nodes removed).
 * f32 stores only (RVF_ERR_INVALID_ARGUMENT for f16); writable stores only. */
typedef struct rvf_index_options {
    uint32_t m;               /* links per node above layer 0 (layer 0: 2m); 0 -> 16 */
    uint32_t ef_construction; /* 0 -> 200 */
    int metric;               /* -1 or the store's metric: the graph's distance */
    uint8_t full;             /* 1: rebuild and write one sealed segment */
    uint32_t threads;         /* build workers (0 or 1: one; the graph is then reproducible);
                                 builds without threads (wasm) use one */
    /* called every 1024 inserted vectors and at the end; may be NULL */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
} rvf_index_options;
rvf_index_options rvf_index_options_default(void);
rvf_status rvf_build_index(rvf_store *s, const rvf_index_options *opt);

/* Read everything a lazy (read-only or range-source) open has not read yet: vectors, metadata,
 * deletions and the stored HNSW graph; afterwards approximate queries use the full graph
 * (RVF-BRIEF §6.1: A, then B + C). Before it, on a store opened with rvf_open_source, approximate
 * queries (ef > 0, no filter) on a file whose Layer A was written by a compaction read only
 * Layer A and the partitions nearest the query (up to 3 MiB per query); a query those cannot
 * fill with k hits is answered by the whole store. Path opens load everything on first use.
 * When the compaction also wrote a hot cache (HOT_SEG: the blocks the access sketch ranked
 * hottest, as f16 with their graph neighbours; rvf_status_info.hot_vectors), it is read with
 * Layer A and answers for the partitions it holds whole ("A + hot", FORMAT.md): such queries
 * read fewer partitions, and a hit whose row was not read carries its f16 vector's distance
 * (f16 precision, not exact). When the compaction also wrote a Layer B (FORMAT.md "Layer B": the
 * adjacency of the graph's upper layers and of ~15% of its nodes), the second such query reads it
 * and every later one is answered "A + B": up to 4 more partitions (2 MiB) per query, chosen
 * through Layer B, and a beam search through Layer B over what is resident
 * (rvf_status_info.layer_b_nodes, layer_b_partitions). After rvf_load every answer is exact again
 * and comes from the full graph. */
rvf_status rvf_load(rvf_store *s);

/* §7.2 temperature: every id a query returns counts one access for its block (ids / 1024) in a
 * count-min sketch (1024 x 4 u8 counters, halved every 65,536 accesses). Index builds and
 * compactions store it as a SKETCH_SEG; opens read it back. *estimate is the block's count
 * (0-255) and *tier 0 hot (> 128), 1 warm (> 16) or 2 cold. */
rvf_status rvf_temperature(rvf_store *s, uint64_t id, uint8_t *estimate, uint8_t *tier);

/* Metadata of one live vector: *fields points to *n values owned by the store (see above). */
rvf_status rvf_get_metadata(rvf_store *s, uint64_t id, const rvf_value **fields, uint32_t *n);
/* Copy one live vector (dim f32). RVF_ERR_NOT_FOUND if absent or deleted. */
rvf_status rvf_get_vector(rvf_store *s, uint64_t id, float *out, uint32_t dim);

/* What a store has read (rvf_status_info.load_state). Writable opens load everything at open;
 * read-only opens read the root and Level 1, then data on first use; range-source opens
 * (rvf_open_source) read only the root (4096 bytes), then Level 1 on the first call that needs
 * it (any but rvf_status_get and rvf_close). In RVF_LOAD_ROOT, rvf_status_get reports what the
 * root holds: total_vectors (deletions not yet known: live_vectors = total_vectors), dimension,
 * dtype, profile, epoch, lineage; the metric and segment counts follow with Level 1. The values
 * are not ordered (ROOT came last). */
enum {
    RVF_LOAD_MANIFEST = 0, /* root and Level 1 only: counts, segment list, lineage */
    RVF_LOAD_LAYER_A = 1,  /* plus Layer A and the partitions approximate queries probed */
    RVF_LOAD_FULL = 2,     /* every vector, metadata and deletion is in memory */
    RVF_LOAD_ROOT = 3      /* the root alone (a range-source open before its first query) */
};
typedef struct rvf_status_info {
    uint64_t live_vectors;
    uint64_t total_vectors; /* distinct ids stored, including soft-deleted */
    uint64_t deleted_vectors;
    uint32_t dimension;
    rvf_metric metric;
    rvf_dtype dtype;
    uint8_t profile_id;
    uint8_t read_only;
    uint8_t dialect; /* 0 RVF (this format), 1 reference runtime dialect */
    uint32_t epoch;
    uint32_t segment_count; /* segments listed in the current manifest */
    uint64_t file_size;
    uint64_t dead_bytes;      /* bytes a compaction would reclaim */
    uint64_t manifest_offset; /* header offset of the current manifest */
    uint64_t bytes_read;      /* bytes read from the source since open (cold-open cost) */
    uint64_t recovered_from;  /* header offset of a complete but corrupt newer manifest that open
                                 skipped (it fell back to an older one), or UINT64_MAX */
    uint8_t file_id[16];
    uint8_t parent_id[16];
    uint32_t lineage_depth;
    uint32_t index_segments;    /* INDEX_SEGs in the current manifest */
    uint64_t indexed_vectors;   /* vectors the persisted index covers (known once it is loaded) */
    uint64_t stale_vectors;     /* vectors replaced after the graph placed them (scanned exactly) */
    uint64_t read_requests;     /* reads issued to the source since open (range requests) */
    uint8_t load_state;         /* RVF_LOAD_*: what a read-only open has read so far */
    uint32_t partitions_loaded; /* Layer-A partitions read by approximate queries (kept after
                                   rvf_load, which reads the rest) */
    uint32_t hot_vectors;       /* entries of the hot cache (HOT_SEG) the current manifest names
                                   (root hot_cache count; 0 = none): a compaction of an indexed
                                   store with an access history writes one; approximate queries of
                                   a progressive open use it before the partitions are read */
    uint32_t layer_b_nodes;     /* "A + B" (FORMAT.md "Layer B"): nodes whose adjacency the
                                   Layer B this progressive open read holds (0: not read; it is
                                   read by the second approximate query and used from the third;
                                   dropped by rvf_load) */
    uint32_t layer_b_partitions; /* partitions "A + B" queries read through Layer B (beyond the
                                    Layer-A probes; counted in partitions_loaded too) */
} rvf_status_info;
rvf_status rvf_status_get(rvf_store *s, rvf_status_info *out);

typedef struct rvf_segment_info {
    uint64_t segment_id;
    uint64_t offset; /* header offset */
    uint64_t payload_length;
    uint8_t seg_type;
    uint8_t checksum_algo;
    uint16_t flags;
} rvf_segment_info;
/* The segments the current manifest lists, in directory order, then the manifest itself (for a
 * reference-dialect file: its manifest's directory only, as @ruvector/rvf-node's segments()).
 * *segs is freed with rvf_release(). */
rvf_status rvf_segments(rvf_store *s, rvf_segment_info **segs, uint32_t *n);

/* Verify every segment the manifest lists (content hashes, block CRCs, witness chain; a listed
 * segment of a newer version, which open skips, gives RVF_ERR_INVALID_VERSION). Returns
 * the first failure; *bad_offset (may be NULL) receives the header offset of the bad segment. */
rvf_status rvf_verify(rvf_store *s, uint64_t *bad_offset);

/* Per-segment verification: fn is called once per listed segment (directory order, then the
 * manifest itself) with that segment's status (RVF_OK, RVF_ERR_INVALID_CHECKSUM, ...) and a
 * one-line detail ("" when OK). Returns the first failure, or OK. What is checked: the header
 * against the directory entry, the content hash, VEC block CRCs, JOURNAL and META structure, the
 * witness chain and its head against the manifest, the root checksum. */
typedef void (*rvf_verify_fn)(void *ctx, const rvf_segment_info *seg, rvf_status st,
                              const char *detail);
rvf_status rvf_verify_each(rvf_store *s, rvf_verify_fn fn, void *ctx);

/* The current manifest, field by field (for inspection tools). */
typedef struct rvf_manifest_info {
    uint64_t offset, segment_id, payload_length; /* the MANIFEST_SEG */
    uint64_t l1_offset, l1_length;               /* Level 1 */
    uint32_t epoch;
    uint16_t dimension;
    uint8_t base_dtype, profile_id;
    uint64_t total_vectors, created_ns, modified_ns;
    uint8_t file_id[16], parent_id[16], parent_hash[32];
    uint32_t lineage_depth;
    uint32_t root_checksum;
    uint8_t has_capability, metric, min_hw_profile;
    uint8_t has_chain;
    uint64_t prev_manifest_offset, prev_manifest_id;
    uint8_t checkpoint_hash[16];
    uint64_t deleted_ids; /* cardinality of the deletion bitmap */
    uint8_t has_witness;
    uint64_t witness_seg_offset;
    uint32_t witness_count;
    uint8_t witness_head[32];
    uint64_t dead_bytes, last_compaction_ns;
    uint32_t record_count; /* Level-1 records, in order (the first 64 are listed below) */
    struct {
        uint16_t tag;
        uint32_t length;
    } records[64];
    /* brief-defined Level-1 records (FORMAT.md), 0 when absent */
    uint8_t layers_present;  /* INDEX_LAYERS: bit0 A, bit1 B, bit2 C */
    uint32_t index_layers;   /* its entries (one per INDEX_SEG) */
    uint32_t tier_blocks[3]; /* TEMP_TIER_MAP: VEC blocks per tier (hot, warm, cold) */
    uint8_t has_sketch_ref;  /* ACCESS_SKETCH_REF */
    uint32_t sketch_epoch;
    uint64_t sketch_seg_offset;
    uint32_t prefetch_entries;    /* PREFETCH_TABLE */
    uint64_t prefetch_map_offset; /* root prefetch_map: the first entry's file offset */
} rvf_manifest_info;
/* RVF_ERR_INVALID_ARGUMENT for a reference-dialect store (it has no root or Level 1). */
rvf_status rvf_manifest_info_get(rvf_store *s, rvf_manifest_info *out);

/* The manifest chain, newest first: fn(ctx, epoch, header offset) per manifest until the chain
 * ends (a compaction starts a new one) or fn returns non-zero. */
rvf_status rvf_manifest_chain(rvf_store *s, int (*fn)(void *ctx, uint32_t epoch, uint64_t offset),
                              void *ctx);

/* Every live vector in ascending id order: fn(ctx, id, vector (dim f32), dim, fields, nfields);
 * a non-zero return stops the walk (and is returned as RVF_OK). Pointers are valid during the
 * call only. */
typedef int (*rvf_foreach_fn)(void *ctx, uint64_t id, const float *vector, uint32_t dim,
                              const rvf_value *fields, uint32_t nfields);
rvf_status rvf_foreach(rvf_store *s, rvf_foreach_fn fn, void *ctx);

/* Lineage: create a child store at child_path whose root records this store as its parent
 * (FORMAT.md "File identity"); the child has no vectors, the same dimension/metric, and a
 * DERIVATION witness. derivation_type: 0 clone ... 0xFF user; description up to 47 bytes. */
rvf_status rvf_derive(rvf_store *parent, const char *child_path, uint8_t derivation_type,
                      const char *description, rvf_store **child);

/* Write the live vectors and their metadata to a new RVF file at path (which must not exist), with
 * the store's dimension, metric and dtype and a new file identity; any store, including a
 * reference-dialect file, read-only or at an earlier epoch. opt (may be NULL) overrides the options
 * (its dimension must match). The copy is durable when the call returns OK. */
rvf_status rvf_save_as(rvf_store *s, const char *path, const rvf_options *opt);

/* Write the live vectors to a new file in the reference runtime's dialect, which
 * @ruvector/rvf-node opens (f32, metric byte, deletions already applied; metadata is not
 * representable there and is dropped). */
rvf_status rvf_export_reference(rvf_store *s, const char *path);

/* ---------------------------------------------------------------------------------------------
 * Embedded WebAssembly (WASM_SEG 0x10, FORMAT.md "WASM_SEG"; RVF-BRIEF §5.15, §12): a store can
 * carry the module that reads it, e.g. the tile microkernel (rvf embed-kernel). */
typedef struct rvf_wasm_options {
    uint8_t role;   /* 0 Microkernel, 1 Interpreter, 2 Combined, 3 Extension, 4 ControlPlane */
    uint8_t target; /* 0 wasm32, 1 WASI P1, 2 WASI P2, 3 Browser, 4 BareTile */
    uint16_t required_features; /* 0x01 SIMD v128, 0x02 bulk memory, 0x04 multi-value, ... */
    uint16_t export_count;
    uint8_t min_memory_pages;   /* 64 KiB pages */
    uint8_t max_memory_pages;   /* 0: no limit */
    uint8_t bootstrap_priority; /* lower is tried first */
    uint8_t interpreter_type;   /* role Interpreter only */
} rvf_wasm_options;
/* Append a WASM_SEG (a 64-byte WasmHeader whose bytecode_hash is the SHAKE-256-256 of the
 * bytecode, then the bytecode, uncompressed) and commit it: the new manifest lists it, later
 * commits and compactions keep it. bytecode must start with the WebAssembly magic "\0asm"
 * (RVF_ERR_INVALID_ARGUMENT otherwise) and be under 4 GiB - 64. *segment_id (may be NULL)
 * receives the new segment's id. Writable stores only. */
rvf_status rvf_embed_wasm(rvf_store *s, const uint8_t *bytecode, size_t len,
                          const rvf_wasm_options *opt, uint64_t *segment_id);

#ifdef __cplusplus
}
#endif
#endif /* RVF_H */
