/* rvf_indexseg.h: the INDEX_SEG (0x02) payload codec for an HNSW graph (rvf_indexseg.c).
 * Internal; the store wires it in. Layout per RVF-BRIEF §5.2 (the rvf-index codec):
 *
 *   payload = header (64 B) || restart index (8 + 4*count B, zero pad to 64)
 *             || adjacency (zero pad to 64)
 *
 * Header, §5.2 fields then a brief-defined HNSW extension (a reference writer leaves it zero):
 *   0x00 u8  index_type 0 (HNSW)          0x01 u8  layer_level (written 2 = C; 1 or 2 accepted)
 *   0x02 u16 M                             0x04 u32 ef_construction
 *   0x08 u64 node_count                    0x10 u64 node_id_base (written 0)
 *   0x18 u8  metric (0 L2, 1 IP, 2 cosine)
 *   0x19 u8  ext: 1 = the fields below are valid; 0 = absent (M0 = 2*M, and the entry point is
 *            the lowest node id among the nodes with the most layers)
 *   0x1A u16 M0                            0x1C u32 zero
 *   0x20 u64 entry point node id (UINT64_MAX when the graph is empty)
 *   0x28 u64 seed (level RNG seed of the build)   0x30..0x3F zero
 *
 * Entry i describes node id node_id_base + i; node ids are the HNSW slots. Every slot below the
 * node count has an entry; a slot not in the graph has layer_count 0. Neighbour lists are sorted
 * ascending and duplicate-free; at restart entries (i % restart_interval == 0) every id is an
 * absolute varint, elsewhere the first id is absolute and each next one is the delta from the
 * previous id (always >= 1, so a delta of 0 is rejected). */
#ifndef RVF_INDEXSEG_H
#define RVF_INDEXSEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rvf_hnsw.h"
#include "rvf_internal.h"

#define RVF_INDEXSEG_RESTART 64 /* default restart interval */

/* Append the payload for `h` to `out` (restart interval RVF_INDEXSEG_RESTART). node_count is the
 * slot limit, raised to cover any link to a slot beyond it. OUT_OF_MEMORY, SEGMENT_TOO_LARGE (an
 * adjacency area of 4 GiB or more), INVALID_ARGUMENT (NULL). On failure out->len is restored. */
rvf_status rvf_indexseg_encode(rvf_buf *out, const rvf_hnsw *h);
/* The same with an explicit restart interval (>= 1). With dirty_only, only the nodes
 * rvf_hnsw_is_dirty reports get entries (the others are written as layer_count 0, "not in this
 * segment"), and node_id_base is the first dirty slot: a delta segment that
 * rvf_indexseg_apply lays over the earlier ones (§6.3). */
rvf_status rvf_indexseg_encode_ex(rvf_buf *out, const rvf_hnsw *h, uint32_t restart_interval,
                                  bool dirty_only);

/* Layer B (§5.2 layer_level 1, §6.1): the same codec over a subset of the nodes. Only slots with
 * keep[slot] != 0 (slot < keep_len) that are in the graph get entries, with their lists at every
 * layer (links to nodes outside the subset are kept); every other slot in [node_id_base,
 * node_count) is written with layer_count 0 ("not in this segment"). node_id_base is the first
 * kept slot; node_count still covers every id a kept list names. The header carries the graph's
 * entry point, so a subset that holds the top layer's nodes decodes (rvf_indexseg_decode) into a
 * valid partial graph. INVALID_ARGUMENT: NULL, restart_interval 0, layer_level not 1 or 2. */
rvf_status rvf_indexseg_encode_subset(rvf_buf *out, const rvf_hnsw *h, uint32_t restart_interval,
                                      uint8_t layer_level, const uint8_t *keep, uint32_t keep_len);

typedef struct rvf_indexseg_info {
    uint8_t layer_level; /* 1 = B, 2 = C */
    rvf_metric metric;
    uint32_t m, m0;
    uint64_t node_count, node_id_base;
    uint64_t entry; /* UINT64_MAX: none, or no extension */
} rvf_indexseg_info;
/* The header fields (header and restart table validated as decode does, entries not read). */
rvf_status rvf_indexseg_info_get(const uint8_t *p, size_t len, rvf_indexseg_info *info);

/* Called for every present entry (layer_count >= 1) in node order: lists[l] holds counts[l]
 * sorted neighbour ids of layer l < nlayers, valid during the call. A status other than RVF_OK
 * stops the walk and is returned. */
typedef rvf_status (*rvf_indexseg_node_fn)(void *ctx, uint32_t node, uint32_t nlayers,
                                           const uint32_t *const *lists, const uint32_t *counts);
/* Validate and walk a whole payload (statuses of decode; node ids at or above slot_limit are
 * INVALID_MANIFEST) without building a graph: a reader that keeps adjacency its own way (the
 * progressive "A + B" state). fn may be NULL (validation only). */
rvf_status rvf_indexseg_walk(const uint8_t *p, size_t len, uint64_t slot_limit,
                             rvf_indexseg_node_fn fn, void *ctx);

/* Decode a payload into a new index over `src` (rows of `dim` floats) with the stored metric,
 * M, M0, ef_construction and seed; every present node is put and the entry point set. The whole
 * payload is validated first: TRUNCATED_SEGMENT for input that ends early; INVALID_MANIFEST for a
 * bad header (index type, layer level 0, M/M0 range, node ids past UINT32_MAX - 1), a restart
 * table that does not match the adjacency, more layers than RVF_HNSW_MAX_LEVEL + 1, a list over
 * its capacity (M0 at layer 0, M above), unsorted / duplicate / self / out-of-range neighbour ids,
 * a bad entry point, or node ids at or above `slot_limit` (the rows `src` holds: bounds memory
 * before anything is allocated); METRIC_UNSUPPORTED for Hamming. Bytes after the last entry are
 * ignored. *out is NULL on failure. */
rvf_status rvf_indexseg_decode(const uint8_t *p, size_t len, uint32_t dim, uint64_t slot_limit,
                               const rvf_hnsw_source *src, rvf_hnsw **out);

/* Lay a payload over an existing graph (a delta written with dirty_only, or a full one): every
 * entry replaces that node's lists or adds the node, then the header's entry point is set. The
 * header must carry the extension with the graph's metric, M and M0, and node ids must stay
 * below slot_limit (INVALID_MANIFEST otherwise); a node's level cannot change (INVALID_MANIFEST).
 * Other statuses as for decode. On failure the graph may hold part of the payload: discard it. */
rvf_status rvf_indexseg_apply(const uint8_t *p, size_t len, uint64_t slot_limit, rvf_hnsw *h);

/* Called once per layer (0 upwards) with that layer's sorted neighbour ids; `ids` is valid only
 * during the call. */
typedef void (*rvf_indexseg_layer_fn)(void *ctx, uint32_t layer, const uint32_t *ids,
                                      uint32_t count);

/* Read one node's lists without decoding the whole payload: seek through the restart index and
 * decode at most restart_interval entries (for partial / progressive loading). Validates the
 * header, the restart table and every entry it decodes, with the statuses of decode; the restart
 * offsets of other blocks are not cross-checked. NOT_FOUND if node_id is outside
 * [node_id_base, node_id_base + node_count). *layer_count (may be NULL) gets the node's layer
 * count, 0 for a node id that is not in the graph (then fn is never called). fn may be NULL. */
rvf_status rvf_indexseg_node(const uint8_t *p, size_t len, uint64_t node_id,
                             rvf_indexseg_layer_fn fn, void *ctx, uint32_t *layer_count);

#endif
