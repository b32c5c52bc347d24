/* rvf_layera.h: Layer A, the HOT INDEX_SEG of RVF-BRIEF §5.3 (rvf_layera.c): builder, validating
 * codec and the Layer-A query of §6.2 ("A only" and "A + hot"). Internal; the store wires it in.
 *
 * Payload (little-endian; every offset is relative to the payload start; "pad" = zero fill to
 * the next multiple of 64):
 *
 *   0x00  index header, 64 B (§5.2): u8 index_type 0 (HNSW), u8 layer_level 0 (A), u16 M,
 *         u32 ef_construction, u64 node_count = distinct nodes in block 1 (the nodes of its
 *         lowest layer, which holds every node of the layers above), u64 node_id_base 0,
 *         u8 metric @0x18 (0 L2, 1 IP, 2 cosine); 0x19..0x3F zero (ignored by the reader)
 *   0x40  block table, 64 B: 4 x {u32 offset, u32 length} for blocks 0..3; 0x60..0x7F zero
 *         (ignored). length counts the block's bytes without its final pad; the encoder places
 *         block 0 at 0x80 and each next block at the 64-aligned end of the previous one.
 *   block 0, entry points: u32 entry_count, u32 max_layer, entry_count x {u64 node_id, u32 layer}
 *   block 1, top-layer adjacency: u32 layer_count, then per layer from max_layer down:
 *         u32 node_count, node_count x {u64 node_id, u16 neighbor_count, u64 neighbor_id x count}
 *   block 2, centroids: u32 centroid_count, u16 dim, u8 dtype (0x01 f16, 0x00 f32), pad, then
 *         centroid_count x dim values, row-major
 *   block 3, partition map: u32 partition_count, then 32-byte entries {u32 centroid_id,
 *         u64 start, u64 end (exclusive), u64 segment_ref, u32 block_ref}
 *
 * What the ids mean here. Node ids are our INDEX_SEG's node ids, i.e. the store's slots
 * (rvf_hnsw.h), which are the vector ids when a store's ids are dense from 0. Partition ranges
 * [start, end) are SLOT ranges (the §5.3 vector_id_start / _end in our use). segment_ref (the
 * VEC_SEG segment_id) and block_ref (the block_offset inside its payload) are written 0 =
 * unknown unless the caller fills them through rvf_layera_partitions() before encoding. The
 * search maps slots to vector ids through an optional slot -> id array (ties break by id, §8.2).
 *
 * Layer-A layers: the HNSW layers >= L with L = ceil(ln N / ln M) - 2 (§5.3; N = nodes in the
 * graph), clamped to [1, top] when the graph has more than one layer (layer 0 is the whole graph
 * and is never "top-layer adjacency"), so at least the top layer is kept; a one-layer graph keeps
 * layer 0. N = 20k, M = 16: layers >= 2 (~N/256 nodes); N = 10M: layers >= 4 (~150 nodes).
 *
 * Partitions. A partition is one centroid's set of vectors (k-means, K ~ sqrt(N)). The map holds
 * slot RANGES, so we write one entry per maximal run of consecutive slots assigned to the same
 * centroid. Chosen over "one range per centroid" because that is exact: scanning a probed
 * centroid's entries scans exactly its members, nothing else. It is compact only when the rows are
 * laid out by partition, so a writer that wants a small map reorders: rvf_layera_train gives the
 * assignment, rvf_layera_order the permutation that sorts slots by centroid (stable), the writer
 * renumbers its rows (rvf_hnsw_remap) and builds Layer A with that assignment passed in; the map
 * then has exactly K entries (32 B each: 100 KB for 10M vectors). Without reordering there are
 * about N runs, so the map is capped (max_partitions, default max(4K, 64)): the shortest range is
 * repeatedly merged into its shorter neighbour, which keeps the neighbour's centroid (a range is
 * labelled by the longer side), and neighbours that end up with the same centroid coalesce. The
 * slots of a merged-away run are then listed under another centroid: they are found only when
 * that centroid is probed (recall degrades, the map stays bounded; the build stats count them).
 * Measured (tests/runtime/test_layera.c, 20k clustered rows in ingest order): 19.8k runs capped
 * to 564 entries, 96% of the slots listed under another centroid, A-only recall@10 0.12 against
 * 0.88 partition-ordered: without the reorder the map is useless for "A only".
 * Holes: a slot whose row the source cannot give (a get callback returning NULL) is assigned
 * RVF_LAYERA_NO_PART and left out of the map (a gap between ranges); the cap may fold a hole into
 * a neighbouring range (scanning it finds no row and costs nothing else).
 *
 * Decoder checks, in this order (the first failing one is returned; *out is NULL on failure):
 *   INVALID_ARGUMENT     out NULL, or p NULL with len > 0
 *   TRUNCATED_SEGMENT    len < 128 (header and block table)
 *   INVALID_MANIFEST     index_type != 0, layer_level != 0, M < 2 or > 4096, node_id_base != 0,
 *                        metric > 3
 *   METRIC_UNSUPPORTED   metric 3 (Hamming)
 *   INVALID_MANIFEST     a block offset not 64-aligned, below 0x80, or before the end of the
 *                        previous block (blocks are in order 0..3 and do not overlap)
 *   TRUNCATED_SEGMENT    a block that ends past len
 *   then each block in order 0, 1, 2, 3:
 *   INVALID_MANIFEST     content that does not fill its length exactly (a count that needs more
 *                        or fewer bytes than the table gives), max_layer > 31, entry_count 0 with
 *                        layers present (or the reverse), more than max_layer + 1 layers; node
 *                        ids >= 2^32 - 1 or >= slot_limit (when not 0); a layer's node ids not
 *                        strictly ascending; a neighbour list not strictly ascending, with more
 *                        than 4096 ids, with the node itself or with a node absent from the
 *                        layer; a node missing from a lower layer; an entry point absent from
 *                        its layer or on a layer not in [bottom Layer-A layer, max_layer];
 *                        header node_count != the lowest layer's node count; centroid dtype not
 *                        0/1, dim 0 with centroids, a non-finite centroid value; a partition with
 *                        centroid_id >= centroid_count, start >= end, start below the previous
 *                        end (ranges ascending, disjoint), end > 2^32 - 1 or > slot_limit
 *   DIMENSION_MISMATCH   expect_dim != 0 and the centroid dim differs
 *   OUT_OF_MEMORY
 * Bytes inside pads and after the last block are ignored. encode(decode(p)) == p for every
 * payload this encoder writes (a test checks it). */
#ifndef RVF_LAYERA_H
#define RVF_LAYERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rvf_hnsw.h"
#include "rvf_hotseg.h"
#include "rvf_internal.h"

enum {
    RVF_LAYERA_HEADER = 64,
    RVF_LAYERA_TABLE = 0x40,
    RVF_LAYERA_FIRST_BLOCK = 0x80,
    RVF_LAYERA_PART_ENTRY = 32,
    RVF_LAYERA_ENTRY_POINT = 12,
    RVF_LAYERA_MAX_NEIGHBORS = 4096
};
#define RVF_LAYERA_NO_PART UINT32_MAX /* assignment of a hole: a slot without a row */
enum {
    RVF_LAYERA_BLK_ENTRY = 0,
    RVF_LAYERA_BLK_TOPLAYER = 1,
    RVF_LAYERA_BLK_CENTROID = 2,
    RVF_LAYERA_BLK_PARTITION = 3
};

typedef struct rvf_layera rvf_layera; /* an in-memory Layer A (built or decoded) */

/* One partition-map entry (§5.3 block 3). start/end are slots. */
typedef struct rvf_layera_part {
    uint32_t centroid;
    uint64_t start, end;
    uint64_t segment_ref; /* VEC_SEG segment_id holding the range, 0 = unknown */
    uint32_t block_ref;   /* block_offset of its block inside that VEC_SEG payload, 0 = unknown */
} rvf_layera_part;

/* Where the blocks are and what the Level-0 root's hotset pointers (§4.2) need. Offsets and
 * lengths are relative to the payload start; the root stores seg_offset = the INDEX_SEG header's
 * file offset and block_offset = off[block]:
 *   entrypoint {block_offset = off[0], count = entry_count}
 *   toplayer   {block_offset = off[1], node_count = top_nodes}
 *   centroid   {block_offset = off[2], count = centroid_count} */
typedef struct rvf_layera_layout {
    uint32_t off[4], len[4];
    uint32_t entry_count, top_nodes, centroid_count, partition_count;
} rvf_layera_layout;

typedef struct rvf_layera_info {
    uint32_t dim;
    rvf_metric metric;
    uint16_t m;
    uint32_t ef_construction;
    uint32_t max_layer, min_layer, layer_count; /* layer_count 0: empty graph */
    uint32_t top_nodes, entry_count;
    uint32_t centroid_count, partition_count;
    uint8_t centroid_dtype; /* 0x01 f16 or 0x00 f32 */
} rvf_layera_info;

/* ---- building ------------------------------------------------------------------------------- */
/* round(sqrt(n)), at least 1 (0 for n = 0): the §5.3 K. */
uint32_t rvf_layera_default_k(uint32_t n);

/* k-means (rvf_kmeans.h, seed `seed`, default iterations and sample) over rows 0..n-1 of `rows`
 * (a base/stride source is handed to rvf_kmeans as is; a get source is sampled first, then every
 * row is assigned). centroids: k * dim floats, assign: n entries (caller storage). k 0 =
 * rvf_layera_default_k(n). A get source may return NULL (a hole): the row is not sampled and
 * its assignment is RVF_LAYERA_NO_PART. INVALID_ARGUMENT: NULL, dim 0, n 0, k > n, fewer than k
 * rows sampled, a non-finite training row (a non-finite row outside the sample is assigned
 * centroid 0, rvf_kmeans.h); OUT_OF_MEMORY. */
rvf_status rvf_layera_train(const rvf_hnsw_source *rows, uint32_t n, uint32_t dim, uint32_t k,
                            uint64_t seed, float *centroids, uint32_t *assign);
/* perm[new_slot] = old_slot, the slots sorted by assign (stable: ascending slot within a
 * centroid), holes (RVF_LAYERA_NO_PART) last. INVALID_ARGUMENT for NULL or another assignment
 * >= k. */
rvf_status rvf_layera_order(const uint32_t *assign, uint32_t n, uint32_t k, uint32_t *perm);

typedef struct rvf_layera_params {
    uint32_t k;              /* centroids; 0 = rvf_layera_default_k(n) */
    bool centroids_f32;      /* store f32 centroids; default f16 (which falls back to f32 when
                                a centroid value is outside the f16 range) */
    bool explicit_min_layer; /* false: the §5.3 rule above */
    uint32_t min_layer;      /* with explicit_min_layer: keep layers >= this (clamped to top) */
    uint32_t max_partitions; /* 0 = max(4 * K, 64) */
    uint64_t seed;           /* k-means seed */
    const float *centroids;  /* optional, with assign: K * dim floats and n assignments (< K or */
    const uint32_t *assign;  /*   NO_PART) used instead of training (rvf_layera_train + reorder) */
} rvf_layera_params;

typedef struct rvf_layera_stats {
    uint32_t k, min_layer, max_layer, top_nodes;
    uint32_t runs;       /* maximal same-centroid runs before the cap */
    uint32_t partitions; /* entries written */
    uint64_t moved;      /* slots listed under a centroid other than their own by the cap */
} rvf_layera_stats;

/* Build Layer A from graph h over rows 0..n-1 (slot_limit(h) <= n; rows = f32 of h's dim; a base
 * source needs base + (n-1) * stride + dim floats). params NULL = defaults; stats may be NULL.
 * The centroids are rounded to f16 first when stored as f16, so a built Layer A searches exactly
 * like its decoded payload. INVALID_ARGUMENT: NULL h / rows / out, n 0, slot_limit(h) > n, an
 * empty graph, k > n, centroids without assign (or the reverse), an assign entry >= k other than
 * NO_PART, a non-finite given centroid, the rvf_layera_train errors; OUT_OF_MEMORY. */
rvf_status rvf_layera_build(const rvf_hnsw *h, const rvf_hnsw_source *rows, uint32_t n,
                            const rvf_layera_params *params, rvf_layera **out,
                            rvf_layera_stats *stats);
void rvf_layera_free(rvf_layera *a); /* NULL is fine */

void rvf_layera_get_info(const rvf_layera *a, rvf_layera_info *info);
/* The partition map, in slot order; writable so the caller can fill segment_ref / block_ref
 * (only those two fields) before encoding. Valid until rvf_layera_free. */
rvf_layera_part *rvf_layera_partitions(rvf_layera *a, uint32_t *n);
/* Centroids as f32 (K * dim, row-major; the f16 values widened when stored f16). */
const float *rvf_layera_centroids(const rvf_layera *a);

/* ---- codec ---------------------------------------------------------------------------------- */
/* Append the payload (padding relative to out->len at entry); layout (may be NULL) receives the
 * block offsets relative to that start. SEGMENT_TOO_LARGE at 4 GiB; OUT_OF_MEMORY restores
 * out->len; INVALID_ARGUMENT for NULL. */
rvf_status rvf_layera_encode(rvf_buf *out, const rvf_layera *a, rvf_layera_layout *layout);
/* Validate and decode (statuses at the top). expect_dim 0 accepts any; slot_limit 0 accepts any
 * slot below 2^32 - 1 (the store passes its row count). layout (may be NULL) receives the
 * payload's own block table and counts. */
rvf_status rvf_layera_decode(const uint8_t *p, size_t len, uint32_t expect_dim, uint64_t slot_limit,
                             rvf_layera **out, rvf_layera_layout *layout);

/* ---- query (§6.2) --------------------------------------------------------------------------- */
typedef struct rvf_layera_query {
    uint32_t n_probe;          /* nearest centroids probed; 0 = min(10, K) */
    rvf_hnsw_get_fn row;       /* the f32 row of a slot if resident, else NULL; row NULL = */
    void *row_ctx;             /*   nothing resident */
    rvf_hnsw_filter_fn filter; /* false = deleted / filtered: traversed, never returned */
    void *filter_ctx;
    const uint64_t *slot_ids; /* slot -> vector id for every slot in the payloads, or NULL */
    const rvf_hotseg *hot;    /* a loaded HOT_SEG (A + hot), or NULL (A only) */
    const rvf_quant *hot_sq;  /* its quantizer when the hot dtype is SQ */
    uint32_t hot_rerank;      /* hot candidates re-ranked; 0 = max(4k, 32) */
} rvf_layera_query;

typedef struct rvf_layera_search_stats {
    uint32_t probed;   /* centroids probed (n_probe, + 1 when the descent adds its own) */
    uint64_t scanned;  /* slots of the probed partitions looked at */
    uint64_t resident; /* of those, rows the callback returned (exact distances) */
    uint32_t descent;  /* Layer-A nodes whose distance the greedy descent computed */
    uint32_t hot_hits; /* hot candidates offered */
    bool approximate;  /* centroid-approximate result (nothing had a distance) */
} rvf_layera_search_stats;

/* The k nearest eligible slots to `query` (dim floats) from what Layer A (and the optional hot
 * cache) can reach, written to out (k entries, caller storage) sorted by (dist, id); *n_out <= k.
 * Steps:
 *   1. distances to all K centroids; the n_probe nearest are probed (ties: lower centroid index);
 *   2. greedy descent (ef 1) from the entry point through the Layer-A layers, using the row
 *      callback, else the hot vector, for a node's distance (nodes with neither are skipped);
 *      every node it measures is a candidate, and the partition holding the node it ends on is
 *      probed too;
 *   3. with a hot cache: its scan (rvf_hotseg_search: approximate, then exact re-rank through
 *      the row callback), candidates merged;
 *   4. every slot of the probed partitions whose row is resident gets its exact distance (the
 *      §6.2 "otherwise" is read as "in any case": resident rows only add exact candidates, so
 *      A + hot recall >= A-only recall on the same residency);
 *   5. if no candidate had any distance (nothing resident, no hot): centroid-approximate
 *      results: the members of the probed partitions, each given its centroid's distance, i.e.
 *      the nearest partition's eligible slots in ascending id order, then the next partition's
 *      ..., until k (stats->approximate, exact = 0 on every hit).
 * A slot is never returned twice. Fewer than k results is not an error (the store reports
 * K_TOO_LARGE). q may be NULL (nothing resident, no hot: step 5 only); stats may be NULL.
 * INVALID_ARGUMENT: NULL a / query / n_out, out NULL with k > 0, a hot cache of another dim,
 * SQ hot without its quantizer; OUT_OF_MEMORY. An empty Layer A gives *n_out = 0. */
rvf_status rvf_layera_search(const rvf_layera *a, const float *query, uint32_t k,
                             const rvf_layera_query *q, rvf_slot_hit *out, uint32_t *n_out,
                             rvf_layera_search_stats *stats);

#endif
