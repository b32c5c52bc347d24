/* rvf_hotseg.h: the HOT_SEG (0x08) payload codec, its builder and its search (rvf_hotseg.c).
 * Internal; the store wires it in. RVF-BRIEF §5.4 (layout), §6.2 (hot re-ranking), §7.1 (tier
 * 0), §8.1-§8.3 (distances, top-k, deleted ids are never returned).
 *
 * Payload (little-endian, offsets from the payload start):
 *
 *   0x00 u32 vector_count     0x04 u16 dim (>= 1)     0x06 u8 dtype
 *   0x07 u16 neighbor_m       (unaligned: the §5.4 header is 9 packed bytes)
 *   0x09..0x3F zero (written zero; a reader ignores them)
 *   entries from 0x40, each starting 64-aligned (relative to the payload start) and zero-padded
 *   to a multiple of 64:
 *     vector_id u64 || vector [dim x elem_size] || neighbor_count u16 || neighbor_id u64 x count
 *   An entry takes align64(10 + dim * elem_size + 8 * neighbor_count) bytes; 384-dim f16 with
 *   16 neighbours: 906 -> 960 bytes (the §5.4 example).
 *
 * dtype: any element-addressable VEC dtype, 0x00 f32, 0x01 f16, 0x02 bf16, 0x03 i8 (raw values),
 * 0x04 u8 = scalar-quantized codes (§5.5; the min/max live in the active QUANT_SEG, so the search
 * takes that rvf_quant). The builder writes f16 (the default), SQ, f32 or bf16.
 *
 * Ids. vector_id and the neighbour ids are node ids in the id space of our INDEX_SEGs: the
 * store's slots (rvf_hnsw.h), which equal the vector ids when a store's ids are dense from 0.
 * The search maps slots to vector ids through an optional slot_ids array (results carry both).
 * Ids must be below 2^32 - 1 (slot UINT32_MAX is reserved by the graph). Entries may come in
 * any order (ours are written ascending by id); an id may appear once.
 *
 * Vector-id table (brief-defined extension, in the reserved header bytes): u32 id_table_offset at
 * 0x10, 0 = none. Otherwise the payload holds, from that offset, vector_count u64 vector ids, the
 * i-th for the i-th entry (the entries hold slots; a reader that has not read the slot's VEC_SEG
 * learns its vector id here). The offset is 64-aligned and not before the 64-aligned end of the
 * last entry (the table follows the entries). A reader that does not know the field skips the
 * table as "bytes after the last entry". Compactions write it (FORMAT.md "HOT_SEG (0x08)").
 *
 * Decoder checks, in this order (the first failing one is returned; *out stays zeroed):
 *   INVALID_ARGUMENT     out NULL, or p NULL with len > 0
 *   TRUNCATED_SEGMENT    len < 64
 *   INVALID_MANIFEST     dtype > 0x04 (packed dtypes are not element-addressable), dim 0
 *   DIMENSION_MISMATCH   expect_dim != 0 and dim != expect_dim
 *   then per entry, in order:
 *   TRUNCATED_SEGMENT    the entry's id, vector and neighbor_count, or its neighbour ids, run
 *                        past len (the last entry's final zero pad may be cut off; bytes after
 *                        the last entry are ignored)
 *   INVALID_MANIFEST     neighbor_count > neighbor_m; an id >= 2^32 - 1, or >= slot_limit when
 *                        slot_limit != 0; a neighbour equal to its entry's id
 *   then, with an id table:
 *   INVALID_MANIFEST     id_table_offset not 64-aligned, or before the 64-aligned end of the
 *                        last entry (64 when there are no entries)
 *   TRUNCATED_SEGMENT    the table (8 x vector_count bytes) runs past len
 *   and at the end:
 *   INVALID_MANIFEST     an id that appears twice; a vector id that appears twice in the table
 *   OUT_OF_MEMORY
 * The decoder copies everything it keeps: the payload may be freed afterwards. */
#ifndef RVF_HOTSEG_H
#define RVF_HOTSEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rvf_hnsw.h"
#include "rvf_internal.h"
#include "rvf_quant.h"
#include "rvf_sketch.h"

enum {
    RVF_HOTSEG_HEADER = 64,
    RVF_HOTSEG_OFF_COUNT = 0x00,
    RVF_HOTSEG_OFF_DIM = 0x04,
    RVF_HOTSEG_OFF_DTYPE = 0x06,
    RVF_HOTSEG_OFF_NEIGHBOR_M = 0x07,
    RVF_HOTSEG_OFF_ID_TABLE = 0x10,
    RVF_HOT_F32 = 0x00,
    RVF_HOT_F16 = 0x01,
    RVF_HOT_BF16 = 0x02,
    RVF_HOT_I8 = 0x03,
    RVF_HOT_SQ = 0x04
};

/* A decoded or built HOT_SEG. Arrays are rvf_malloc'd and owned (rvf_hotseg_free). vectors is
 * row-major, count * dim elements: float for f32, uint16_t for f16 / bf16, int8_t for i8, uint8_t
 * for SQ codes. Entry i's neighbours are nb[nb_off[i] .. nb_off[i + 1]). order lists the entry
 * indices sorted by id (rvf_hotseg_find). */
typedef struct rvf_hotseg {
    uint32_t count;
    uint16_t dim;
    uint8_t dtype;
    uint16_t neighbor_m;
    uint64_t *ids;
    void *vectors;
    uint32_t *nb_off; /* count + 1 */
    uint64_t *nb;
    uint32_t *order;
    uint64_t *vids; /* count vector ids (the id table), or NULL when the payload has none */
} rvf_hotseg;

void rvf_hotseg_free(rvf_hotseg *hs); /* frees the arrays, zeroes *hs; NULL allowed */

/* Payload bytes of one entry (a multiple of 64); 0 for a dtype above 0x04. */
size_t rvf_hotseg_entry_size(uint16_t dim, uint8_t dtype, uint32_t neighbor_count);

/* ---- codec ---------------------------------------------------------------------------------- */
/* Append the payload for hs (entries in hs's order; padding relative to out->len at entry), with
 * the id table right after the last entry when hs->vids is set. hs is checked as the decoder
 * checks a payload (INVALID_ARGUMENT, nothing appended);
 * SEGMENT_TOO_LARGE for a payload of 4 GiB or more; OUT_OF_MEMORY restores out->len. */
rvf_status rvf_hotseg_encode(rvf_buf *out, const rvf_hotseg *hs);
/* Validate and decode a payload (statuses at the top). expect_dim 0 accepts any dim; slot_limit
 * 0 accepts any id below 2^32 - 1. */
rvf_status rvf_hotseg_decode(const uint8_t *p, size_t len, uint16_t expect_dim, uint64_t slot_limit,
                             rvf_hotseg *out);

/* ---- builder -------------------------------------------------------------------------------- */
typedef struct rvf_hotseg_params {
    uint8_t dtype;       /* RVF_HOT_F16, RVF_HOT_SQ (needs sq), RVF_HOT_F32 or RVF_HOT_BF16 */
    const rvf_quant *sq; /* RVF_HOT_SQ: a SCALAR quantizer of the same dim */
    uint16_t neighbor_m; /* neighbours kept per entry; 0 = the graph's M */
    size_t byte_budget;  /* 0: exactly `slots`. Else `slots` first, then rvf_hotseg_rank order,
                            as long as the payload stays <= byte_budget */
} rvf_hotseg_params;

/* Present slots of h, most useful first: by top level (descending), then by layer-0 in-degree
 * (descending: the hubs most searches pass through), then by slot. Writes min(count, cap) slots
 * to order and the number written to *n. OUT_OF_MEMORY (a count per slot is allocated). */
rvf_status rvf_hotseg_rank(const rvf_hnsw *h, uint32_t *order, uint32_t cap, uint32_t *n);

/* Build a hot cache into *out (overwritten, not freed first; zeroed on failure). Entries are the
 * distinct `slots` (n_slots may be 0 with slots NULL), plus the byte-budget fill, written in
 * ascending slot order. Vectors come from `rows` (f32; dim from h, else `dim`), converted
 * to the dtype. Neighbours: with h, the slot's layer-0 neighbours present in h, the neighbor_m
 * nearest to it (ties by slot), written ascending; h NULL: none (neighbor_m 0). params NULL =
 * f16, the graph's M, no budget. dim is used when h is NULL (else it must be 0 or h's dim).
 * A base/stride source must hold every slot asked for (a get source may return NULL: then
 * INVALID_ARGUMENT). Cost: the budget fill ranks every node (rvf_hotseg_rank).
 * INVALID_ARGUMENT: NULL rows / out, no row for a slot, a slot UINT32_MAX, a bad dtype, SQ
 * without a SCALAR quantizer of this dim, a budget without h; OUT_OF_MEMORY. */
rvf_status rvf_hotseg_build(const rvf_hnsw *h, const rvf_hnsw_source *rows, uint32_t dim,
                            const uint32_t *slots, uint32_t n_slots,
                            const rvf_hotseg_params *params, rvf_hotseg *out);

/* ---- hot-set selection (§7.2, §7.3) ------------------------------------------------------------
 */
/* The slots a compaction puts in the hot cache, from the access sketch. slot_ids[s] is slot s's
 * vector id (n slots), its block slot_ids[s] / block_size. The blocks holding a slot and having an
 * estimate > 0 are ranked by estimate (descending; ties: lower block first), so the §7.2 hot
 * blocks (estimate > HOT_THRESHOLD) come first and the warmest of the others fill what is left.
 * Blocks are taken whole (their slots in ascending vector id), the last one cut off where
 * max_vectors is reached. Writes the slots ascending to out (caller storage, max_vectors entries),
 * *n_out = how many; a sketch without accesses gives 0. INVALID_ARGUMENT: NULL sk / n_out, out
 * NULL with max_vectors > 0, slot_ids NULL with n > 0, block_size 0; OUT_OF_MEMORY. */
rvf_status rvf_hotseg_select(const rvf_sketch *sk, uint32_t block_size, const uint64_t *slot_ids,
                             uint32_t n, uint32_t max_vectors, uint32_t *out, uint32_t *n_out);

/* ---- search -----------------------------------------------------------------------------------
 */
/* One result. id = slot_ids[slot] (or the slot when no map is given) and is the tie-breaker
 * (§8.2); exact = 1 when dist is the f32 distance to the full-precision row, 0 when it comes from
 * a quantized (hot f16 / SQ) vector or from a centroid (rvf_layera.h). */
typedef struct rvf_slot_hit {
    uint64_t id;
    float dist;
    uint32_t slot;
    uint8_t exact;
} rvf_slot_hit;

/* A bounded max-heap on (dist, id) over caller storage: keeps the cap best, NaN never enters.
 * rvf_hit_heap_sorted sorts the storage in place, ascending, and returns the count (the heap
 * must then be re-initialised before further offers). */
typedef struct rvf_hit_heap {
    rvf_slot_hit *h;
    uint32_t cap, size;
} rvf_hit_heap;
void rvf_hit_heap_init(rvf_hit_heap *t, rvf_slot_hit *storage, uint32_t cap);
bool rvf_hit_heap_offer(rvf_hit_heap *t, rvf_slot_hit c);
uint32_t rvf_hit_heap_sorted(rvf_hit_heap *t);

typedef struct rvf_hotseg_query {
    const rvf_quant *sq;       /* dtype SQ: the active SCALAR quantizer (same dim) */
    uint32_t rerank;           /* approximate candidates kept for re-ranking; 0 = max(4k, 32) */
    rvf_hnsw_get_fn row;       /* full-precision row of a slot, NULL when not resident; */
    void *row_ctx;             /*   row NULL: no exact re-rank */
    rvf_hnsw_filter_fn filter; /* false = deleted / filtered out: never returned; NULL: all */
    void *filter_ctx;
    const uint64_t *slot_ids; /* slot -> vector id for every id in the segment, or NULL */
} rvf_hotseg_query;

/* Index of the entry with this id, or -1. */
int64_t rvf_hotseg_find(const rvf_hotseg *hs, uint64_t id);
/* Approximate distance (§8.1 on the stored vector converted to f32; SQ via the §5.5 decode)
 * between query and entry i. NaN for SQ without a matching quantizer or a bad metric. */
float rvf_hotseg_dist(const rvf_hotseg *hs, const rvf_quant *sq, rvf_metric metric,
                      const float *query, uint32_t i);

/* Scan every entry with the approximate distance, keep the `rerank` best eligible ones, replace
 * their distances by exact ones where q->row gives the row, and write the k best by (dist, id)
 * to out (k entries of caller storage), *n_out = how many (fewer than k is not an error).
 * q may be NULL (no re-rank, no filter, ids = slots). k = 0 or an empty segment: *n_out = 0.
 * INVALID_ARGUMENT: NULL hs / query / n_out, out NULL with k > 0, SQ dtype without a SCALAR
 * quantizer of this dim; METRIC_UNSUPPORTED for Hamming; OUT_OF_MEMORY. */
rvf_status rvf_hotseg_search(const rvf_hotseg *hs, rvf_metric metric, const float *query,
                             uint32_t k, const rvf_hotseg_query *q, rvf_slot_hit *out,
                             uint32_t *n_out);

/* True when every one of the n hits' entries stores at least one neighbour and every neighbour
 * it stores is an entry too: a layer-0 beam search started from these hits would only reach nodes
 * a scan of the cache has measured (the "A + hot" test a progressive reader uses to answer from
 * the cache alone). False for n 0 or a hit whose slot is not an entry. */
bool rvf_hotseg_closed(const rvf_hotseg *hs, const rvf_slot_hit *hits, uint32_t n);

#endif
