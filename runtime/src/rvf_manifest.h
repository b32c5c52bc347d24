/* rvf_manifest.h: segments on disk and the two-level manifest (rvf_manifest.c). Internal. */
#ifndef RVF_MANIFEST_H
#define RVF_MANIFEST_H

#include "rvf_internal.h"

typedef struct rvf_dir_entry {
    uint64_t segment_id;
    uint8_t seg_type, tier;
    uint16_t flags;
    uint64_t file_offset, payload_length, compressed_length;
    uint16_t shard_id, compression;
    uint32_t block_count;
    uint8_t content_hash[16];
} rvf_dir_entry;

/* A Level-0 hotset pointer (RVF-BRIEF §4.2 [^4]): seg_offset = the referenced segment's header
 * offset (0 = absent), block_offset from the start of its payload, count as the field names. */
typedef struct rvf_hotptr {
    uint64_t seg_offset;
    uint32_t block_offset, count;
} rvf_hotptr;
enum {
    RVF_HOT_ENTRYPOINT,
    RVF_HOT_TOPLAYER,
    RVF_HOT_CENTROID,
    RVF_HOT_QUANTDICT,
    RVF_HOT_CACHE,
    RVF_HOT_COUNT
};

/* Level-1 records this implementation writes beside the directory (RVF-BRIEF §4.3). */
typedef struct rvf_index_layer { /* INDEX_LAYERS (0x0003) entry, 32 B */
    uint64_t segment_id;
    uint8_t layer_level, index_type; /* 0 A, 1 B, 2 C; 0 HNSW */
    uint64_t node_start, node_end;   /* node ids [start, end) the segment covers */
} rvf_index_layer;
typedef struct rvf_tier_entry { /* TEMP_TIER_MAP (0x0002) entry, 16 B */
    uint64_t segment_id;
    uint32_t block_index;
    uint8_t tier; /* 0 hot, 1 warm, 2 cold */
} rvf_tier_entry;
typedef struct rvf_prefetch_entry { /* PREFETCH_TABLE (0x000A) entry, 32 B */
    uint64_t node_start, node_end;  /* node ids [start, end) */
    uint64_t page_offset;           /* absolute, a multiple of 4096 */
    uint32_t page_count, prefetch_ahead;
} rvf_prefetch_entry;

typedef struct rvf_manifest {
    /* where it is */
    uint64_t offset; /* header offset of the MANIFEST_SEG */
    uint64_t segment_id, payload_length;
    /* Level 0 */
    uint8_t root[RVF_ROOT_SIZE];
    uint32_t epoch;
    uint16_t dimension;
    uint8_t base_dtype, profile_id;
    uint64_t total_vectors, created_ns, modified_ns;
    uint8_t file_id[16], parent_id[16], parent_hash[32];
    uint32_t lineage_depth;
    /* The hotset pointers. Writers set the Layer-A ones (entry points, top layer, centroids) to
     * the HOT INDEX_SEG of the directory; rvf_manifest_emit zeroes any pointer whose segment is
     * not in the directory (with the right type), and so does a reader once Level 1 is parsed. */
    rvf_hotptr hotset[RVF_HOT_COUNT];
    /* Level 1 */
    rvf_dir_entry *dir;
    uint32_t ndir;
    bool has_chain;
    uint64_t prev_manifest_offset, prev_manifest_id;
    uint8_t checkpoint_hash[16];
    bool has_capability;
    uint8_t metric, min_hw_profile;
    uint64_t *deleted; /* sorted unique */
    size_t ndeleted;
    bool has_witness;
    uint64_t witness_seg_offset;
    uint32_t witness_count;
    uint8_t witness_head[32];
    uint64_t dead_bytes, last_compaction_ns;
    /* INDEX_LAYERS, TEMP_TIER_MAP, ACCESS_SKETCH_REF, PREFETCH_TABLE: each written only when set
     * (layers / tiers / prefetch non-empty, has_sketch_ref). The arrays are rvf_malloc'd and owned
     * by the manifest. rvf_manifest_emit drops layer and tier entries whose segment is not in the
     * directory and sets the root's prefetch_map pointer to the table it writes; a reader zeroes
     * sketch_seg_offset unless it names a listed SKETCH_SEG. */
    uint8_t layers_present; /* bit0 A, bit1 B, bit2 C */
    uint32_t centroid_epoch, hot_cache_epoch;
    rvf_index_layer *layers;
    uint32_t nlayers;
    rvf_tier_entry *tiers;
    uint32_t ntiers;
    bool has_sketch_ref;
    uint64_t sketch_seg_offset; /* header offset of the current SKETCH_SEG */
    uint32_t sketch_block_size, sketch_epoch;
    rvf_prefetch_entry *prefetch;
    uint32_t nprefetch;
    uint64_t prefetch_map_offset; /* root 0x088: absolute offset of the first entry, 0 = none */
    uint32_t prefetch_map_entries;
    uint32_t unknown_tags; /* TLV records skipped */
    uint32_t nrecords;     /* Level-1 records in order (first 64 kept, for inspection) */
    uint16_t rec_tag[64];
    uint32_t rec_len[64];
} rvf_manifest;

void rvf_manifest_free(rvf_manifest *m);
/* Copy src's Level-1 extras (INDEX_LAYERS, TEMP_TIER_MAP, ACCESS_SKETCH_REF, PREFETCH_TABLE) into
 * dst, which holds a shallow copy of src: the arrays are duplicated. On failure dst's arrays are
 * NULL (nothing to free). */
rvf_status rvf_manifest_copy_extras(rvf_manifest *dst, const rvf_manifest *src);
/* Forget the extras of a shallow copy without freeing them (e.g. a compaction starts afresh). */
void rvf_manifest_clear_extras(rvf_manifest *m);

/* Append one segment (header, payload, zero pad to 64) to out, whose first byte will sit at file
 * offset base. Fills *e (may be NULL). */
void rvf_seg_emit(rvf_buf *out, uint64_t base, uint8_t type, uint16_t flags, uint64_t segment_id,
                  uint8_t algo, const uint8_t *payload, size_t len, uint32_t block_count,
                  rvf_dir_entry *e);
/* The same in two steps, for payloads encoded in place: rvf_seg_begin reserves the header and
 * returns its position; the caller appends the payload; rvf_seg_end hashes it, writes the header
 * and pads. */
size_t rvf_seg_begin(rvf_buf *out);
void rvf_seg_end(rvf_buf *out, size_t at, uint64_t base, uint8_t type, uint16_t flags,
                 uint64_t segment_id, uint8_t algo, uint32_t block_count, rvf_dir_entry *e);
/* Append a MANIFEST_SEG for m (dir, chain, deleted, ... as set by the caller; m->offset is
 * where it will be written, m->root is rebuilt). */
rvf_status rvf_manifest_emit(rvf_buf *out, rvf_manifest *m, uint8_t algo);

/* Read and fully validate the MANIFEST_SEG whose header is at off. */
rvf_status rvf_manifest_read_at(rvf_io *io, uint64_t off, uint64_t file_size, rvf_manifest *m);
/* The progressive boot (RVF-BRIEF §4.5 fast path, §10.5 step 1): read only the last 4096 bytes.
 * On OK the root is valid (magic, CRC32C) and consistent with a MANIFEST_SEG ending at EOF; m has
 * the root's fields, offset (the segment header) and payload_length, nothing of Level 1.
 * MANIFEST_NOT_FOUND: no usable root there (the caller falls back to rvf_manifest_locate); other
 * statuses are the source's read errors. rvf_manifest_complete then reads the header and Level 1
 * in one request and verifies the content hash over Level 1, the fill and the root in hand: OK
 * replaces *m with the full manifest; a read error leaves *m as it was (retry later); any other
 * status means the manifest is damaged (fall back to the previous one). */
rvf_status rvf_manifest_read_root(rvf_io *io, uint64_t file_size, rvf_manifest *m);
rvf_status rvf_manifest_complete(rvf_io *io, uint64_t file_size, rvf_manifest *m);
/* Find the newest valid manifest of a file of file_size bytes: fast path (root at EOF-4096), then
 * the 64-aligned backward scan. *skipped_bad receives the offset of a complete but invalid newer
 * manifest that was skipped (corruption, not a torn write), else UINT64_MAX. */
rvf_status rvf_manifest_locate(rvf_io *io, uint64_t file_size, rvf_manifest *m,
                               uint64_t *skipped_bad);

/* Read a segment's header at off and check it against its directory entry; then read and verify
 * the payload (content hash). *payload is either mapped (io->map) or rvf_malloc'd: *owned says
 * which. */
rvf_status rvf_seg_load(rvf_io *io, const rvf_dir_entry *e, uint64_t file_size,
                        const uint8_t **payload, bool *owned);

#endif /* RVF_MANIFEST_H */
