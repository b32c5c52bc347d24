/* rvf_hnsw.h: the in-memory HNSW graph (rvf_hnsw.c). Internal; the store wires it in.
 *
 * The index never owns vectors. It reads f32 rows of `dim` elements through rvf_hnsw_source,
 * either a callback or a base pointer plus a stride; a node is identified by its slot number
 * (0..n-1) and the store maps slots to vector ids. Distances go through rvfk_ops_best()->dist_f32
 * (RVF-BRIEF §8.1). Construction follows Malkov & Yashunin: geometric levels with multiplier
 * 1/ln(M), greedy descent, beam search with ef_construction, the neighbour-selection heuristic,
 * bidirectional links pruned to M (upper layers) / M0 (layer 0). Levels come from a xorshift RNG
 * seeded by the params, so a build is deterministic given the seed and the insertion order.
 *
 * Search is delete-aware (§8.3): nodes the filter rejects are traversed but never returned.
 * Results are sorted by (distance, slot). NaN distances never enter results or the graph walk.
 *
 * Threading: one call at a time per index (search reuses scratch owned by the index). Only
 * rvf_hnsw_add_range with threads >= 2 runs threads of its own, inside that call. */
#ifndef RVF_HNSW_H
#define RVF_HNSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rvf_kernel.h"

#define RVF_HNSW_MAX_LEVEL   31 /* levels are 0..31; a deeper draw is clamped */
#define RVF_HNSW_MAX_M       4096
#define RVF_HNSW_MAX_THREADS 64 /* rvf_hnsw_add_range uses at most this many */

typedef struct rvf_hnsw rvf_hnsw;

typedef struct rvf_hnsw_params {
    uint32_t m;               /* max neighbours per node above layer 0; 0 -> 16; 2..4096 */
    uint32_t m0;              /* max neighbours at layer 0; 0 -> 2 * m; >= m, <= 4096 */
    uint32_t ef_construction; /* beam width while inserting; 0 -> 200 */
    uint64_t seed;            /* RNG seed for levels; 0 is allowed (remapped internally) */
} rvf_hnsw_params;

/* Where row `slot` lives. With `get` set, the index calls get(ctx, slot) for slots it was given
 * (added or put) and holds the returned pointers until the index call that fetched them returns.
 * Otherwise the row is base + slot * stride floats (stride >= dim). Rows stay unchanged while
 * their slot is in the graph. */
typedef const float *(*rvf_hnsw_get_fn)(void *ctx, uint32_t slot);
typedef struct rvf_hnsw_source {
    rvf_hnsw_get_fn get;
    void *ctx;
    const float *base;
    size_t stride;
} rvf_hnsw_source;

/* Returns true when `slot` may appear in results (not deleted, passes the filter). */
typedef bool (*rvf_hnsw_filter_fn)(void *ctx, uint32_t slot);

/* Create an empty index. `params` may be NULL (all defaults). Metric L2, IP or cosine; dim >= 1.
 * INVALID_ARGUMENT for a bad metric, dim, M/M0 or a source with neither get nor base;
 * METRIC_UNSUPPORTED for Hamming. *out is NULL on failure. */
rvf_status rvf_hnsw_create(uint32_t dim, rvf_metric metric, const rvf_hnsw_params *params,
                           const rvf_hnsw_source *src, rvf_hnsw **out);
void rvf_hnsw_free(rvf_hnsw *h); /* NULL is fine */
/* Point the index at another source for the same rows (e.g. after the owner's table moved).
 * INVALID_ARGUMENT for a source with neither get nor base, or a stride below dim. */
rvf_status rvf_hnsw_set_source(rvf_hnsw *h, const rvf_hnsw_source *src);

/* Insert the row of `slot` (any order; slots need not be dense). ALREADY_EXISTS if the slot is
 * present, INVALID_ARGUMENT for slot UINT32_MAX. OUT_OF_MEMORY leaves the index usable: the slot
 * is then absent, or present with fewer links than a full insert makes (possibly none, so it may
 * be unreachable until the graph is rebuilt). */
rvf_status rvf_hnsw_add(rvf_hnsw *h, uint32_t slot);

/* Progress of rvf_hnsw_add_range: `done` of `total` slots inserted. */
typedef void (*rvf_hnsw_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Insert slots first..first+count-1 (first + count - 1 < UINT32_MAX, else INVALID_ARGUMENT).
 * ALREADY_EXISTS, before any change, if one of them is present; count 0 does nothing.
 *
 * threads <= 1: exactly rvf_hnsw_add on each slot in ascending order (so deterministic; stops at
 * the first failure). threads >= 2 (capped at RVF_HNSW_MAX_THREADS and at count): the caller's
 * thread and threads - 1 new ones insert concurrently, hnswlib-style (per-node locks). Levels are
 * drawn in slot order, so each slot's level, the RNG afterwards and the top level are the ones
 * threads 1 gives, but neighbour lists (and, between nodes sharing the top level, the entry
 * point) depend on scheduling; recall is comparable. Builds without threads (Emscripten without
 * -pthread, or -DRVF_HNSW_THREADS=0) and a range of one slot take the threads 1 path. Threaded,
 * src.get (if set) is called from several threads at once, so it must be thread-safe; the
 * allocator is still called by one thread at a time. OUT_OF_MEMORY: either nothing changed
 * (setup failed), or every slot of the range is present and some have fewer links than a full
 * insert makes (possibly none), as with rvf_hnsw_add.
 *
 * `progress` (may be NULL) is called on the caller's thread only, with `done` non-decreasing:
 * about every 1024 inserts, and once with done == total == count at the end of a successful call
 * (also for count 0). Every inserted node and every node given new links is dirty. */
rvf_status rvf_hnsw_add_range(rvf_hnsw *h, uint32_t first, uint32_t count, uint32_t threads,
                              void (*progress)(void *ctx, uint64_t done, uint64_t total),
                              void *progress_ctx);

/* The k nearest eligible slots to `query` (dim floats). The beam width is max(ef, k). `filter`
 * may be NULL (everything eligible). Writes *n_out <= k results into out_slots / out_dists
 * (either output may be NULL), sorted ascending by (distance, slot). Fewer than k results is not
 * an error here: the store turns it into K_TOO_LARGE. k = 0 or an empty index -> *n_out = 0. */
rvf_status rvf_hnsw_search(rvf_hnsw *h, const float *query, uint32_t k, uint32_t ef,
                           rvf_hnsw_filter_fn filter, void *filter_ctx, uint32_t *out_slots,
                           float *out_dists, uint32_t *n_out);

/* The same with §8.4's intra-filter stop: the walk ends after max_fail consecutive expanded
 * nodes that the filter rejects, once it holds a result (0: no limit). */
rvf_status rvf_hnsw_search_ex(rvf_hnsw *h, const float *query, uint32_t k, uint32_t ef,
                              rvf_hnsw_filter_fn filter, void *filter_ctx, uint32_t max_fail,
                              uint32_t *out_slots, float *out_dists, uint32_t *n_out);

/* Quantized traversal: keep 8-bit scalar codes of every row (RVF-BRIEF §5.5: per-dimension
 * min/max of the rows present now; rows added later are encoded in that range, clamped), walk
 * layer 0 on the codes (a quarter of the memory traffic of f32 rows), then re-rank the final
 * beam with exact f32 distances, which are the ones returned. Costs dim bytes per slot.
 * Construction keeps using the f32 rows. OK if already enabled. */
rvf_status rvf_hnsw_enable_sq8(rvf_hnsw *h);
bool rvf_hnsw_sq8(const rvf_hnsw *h);

/* ---- graph access for the INDEX_SEG codec (§5.2) -------------------------------------------- */
uint32_t rvf_hnsw_dim(const rvf_hnsw *h);
rvf_metric rvf_hnsw_metric(const rvf_hnsw *h);
rvf_hnsw_params rvf_hnsw_get_params(const rvf_hnsw *h); /* with defaults resolved */
uint32_t rvf_hnsw_count(const rvf_hnsw *h);             /* nodes present */
uint32_t rvf_hnsw_slot_limit(const rvf_hnsw *h);        /* 1 + highest slot ever present, or 0 */
/* Entry point and its level; false when the index is empty. */
bool rvf_hnsw_entry(const rvf_hnsw *h, uint32_t *slot, uint32_t *level);
/* Top level of `slot`, or -1 if the slot is not in the graph. */
int32_t rvf_hnsw_level(const rvf_hnsw *h, uint32_t slot);
/* Neighbours of `slot` at `layer` (unsorted, insertion/pruning order), *count set; NULL with
 * *count 0 if the slot is absent or layer > its level. Valid until the next add/put/free. */
const uint32_t *rvf_hnsw_neighbors(const rvf_hnsw *h, uint32_t slot, uint32_t layer,
                                   uint32_t *count);

/* Rebuild a graph decoded from a file: put every node, then set the entry point. lists[l] holds
 * counts[l] neighbour slots for layers 0..level. Counts above the layer's capacity (M0 / M),
 * self-links or slot UINT32_MAX -> INVALID_ARGUMENT; a present slot -> ALREADY_EXISTS.
 * Neighbours need not be present yet; search skips links to absent slots. */
rvf_status rvf_hnsw_put_node(rvf_hnsw *h, uint32_t slot, uint32_t level,
                             const uint32_t *const *lists, const uint32_t *counts);
/* NOT_FOUND if `slot` is absent; the entry's level is the slot's level. */
rvf_status rvf_hnsw_set_entry(rvf_hnsw *h, uint32_t slot);
/* put_node for an absent slot; for a present one, replace its lists (the level must match, else
 * INVALID_ARGUMENT). Applies a later INDEX_SEG's entries over an earlier one's. */
rvf_status rvf_hnsw_set_node(rvf_hnsw *h, uint32_t slot, uint32_t level,
                             const uint32_t *const *lists, const uint32_t *counts);

/* ---- change tracking, for INDEX_SEGs that carry only what changed (§6.3) -------------------- */
/* A node is dirty from the moment it is added, put or given new links (an insert also rewrites
 * the lists of the neighbours it links back to) until rvf_hnsw_clear_dirty. */
bool rvf_hnsw_is_dirty(const rvf_hnsw *h, uint32_t slot);
void rvf_hnsw_clear_dirty(rvf_hnsw *h);

/* A new graph over renumbered rows (compaction): old slot j becomes map[j], or is dropped when
 * map[j] is UINT32_MAX or j >= n_map. Links to dropped nodes are removed; a node left with no
 * bottom-layer link is inserted again; the entry point moves to a top-layer node if it was
 * dropped. Every node of the result is dirty. `src` holds the renumbered rows. */
rvf_status rvf_hnsw_remap(const rvf_hnsw *h, const uint32_t *map, uint32_t n_map,
                          const rvf_hnsw_source *src, rvf_hnsw **out);

#endif
