/* rvf_layerb.h: Layer B (RVF-BRIEF §6.1, §6.2 "A + B"), the hot-region adjacency a compaction
 * writes as an INDEX_SEG with layer_level 1 (rvf_layerb.c). Internal; the store wires it in.
 *
 * The payload is the §5.2 codec (rvf_indexseg_encode_subset): entries for the chosen nodes, with
 * their lists at every layer exactly as the full graph (layer C) holds them; layer_count 0 for
 * every other node id in [node_id_base, node_id_base + node_count). Node ids are slots, as in
 * every INDEX_SEG of this implementation.
 *
 * Which nodes (rvf_layerb_select): every node on HNSW layer >= 2 and the entry point, then up to
 * RVF_LAYERB_SHARE of the graph's nodes in all:
 *   1. with an access history (heat per partition > 0): the nodes of the hottest partitions, in
 *      heat order, up to half the share (the "hot region" of §6.1);
 *   2. the rest by boundary score: the number of a node's layer-0 neighbours that lie in another
 *      partition (ties: lower slot). Inside a partition the partition scan that a progressive
 *      reader does anyway (§6.2 fallback b) finds every row; the graph adds information only where
 *      a query's neighbours cross into partitions centroid routing did not probe, and those links
 *      start at boundary nodes.
 *
 * A decoded Layer B keeps, per node it holds, the layer-0 list (the beam search of "A + B" runs
 * on layer 0, seeded by the Layer-A answer). */
#ifndef RVF_LAYERB_H
#define RVF_LAYERB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rvf_hnsw.h"
#include "rvf_internal.h"

#define RVF_LAYERB_SHARE_PCT 15 /* nodes Layer B holds, percent of the graph (§6.1: 10-20%) */

/* Choose Layer B's nodes of graph g (slots 0..n-1, n >= slot_limit(g)): keep[slot] = 1 for the
 * chosen ones (caller storage, n bytes), *n_keep = how many. assign[slot] = the slot's partition
 * (any id below n_parts; UINT32_MAX = none, never counted as "another partition"); heat (may be
 * NULL: no history) = per partition, how often queries returned its rows. INVALID_ARGUMENT for
 * NULL g / keep / n_keep or n below slot_limit(g); OUT_OF_MEMORY. */
rvf_status rvf_layerb_select(const rvf_hnsw *g, uint32_t n, const uint32_t *assign,
                             uint32_t n_parts, const double *heat, uint8_t *keep, uint32_t *n_keep);

typedef struct rvf_layerb rvf_layerb;

/* Validate a layer_level-1 payload (rvf_indexseg_walk; node ids below slot_limit) and keep its
 * layer-0 adjacency. INVALID_MANIFEST also for a payload whose layer_level is not 1. */
rvf_status rvf_layerb_decode(const uint8_t *p, size_t len, uint64_t slot_limit, rvf_layerb **out);
void rvf_layerb_free(rvf_layerb *b); /* NULL is fine */
uint32_t rvf_layerb_count(const rvf_layerb *b);
/* The layer-0 neighbours of `slot` (sorted ascending), or NULL with *n = 0 when Layer B holds no
 * adjacency for it. Valid until rvf_layerb_free. */
const uint32_t *rvf_layerb_neighbors(const rvf_layerb *b, uint32_t slot, uint32_t *n);

#endif
