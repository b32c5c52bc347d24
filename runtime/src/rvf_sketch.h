/* rvf_sketch.h: the count-min access sketch of temperature tiering and the SKETCH_SEG (0x09)
 * payload codec (rvf_sketch.c). Internal. RVF-BRIEF §7.2 (parameters, hash), §5.6 (layout).
 *
 * Sketch: depth rows of width u8 counters (width a power of two; the default 1024 x 4 = 4 KB).
 *   index(r, block_id): h = 0xcbf29ce484222325 ^ SEED[r % 8]; for each of the 8 bytes b of
 *     u64_le(block_id), low byte first: h ^= b; h *= 0x100000001b3 (mod 2^64); index = h % width.
 *     SEED = {0x517cc1b727220a95, 0x6c62272e07bb0142, 0x44c6b90e0f294e41, 0x3b9f7a3e2d8f1c5b,
 *             0x7e4a1b3c5d6f8a9e, 0x1a2b3c4d5e6f7089, 0x9f8e7d6c5b4a3210, 0xdeadbeefcafebabe}.
 *   add(block_id): in every row c = min(c + 1, 255); then total_accesses += 1; then, if
 *     total_accesses % 65536 == 0, aging halves every counter (c >>= 1). So the 65536th add
 *     (and every multiple) is counted first and halved with the rest.
 *   estimate(block_id) = min over the rows of the block's counter.
 *   tier(estimate): > 128 (HOT_THRESHOLD) -> 0 hot; > 16 (WARM_THRESHOLD) -> 1 warm; else 2 cold.
 *   block_id = vector_id / block_size (ACCESS_SKETCH_REF.block_size, default 1024); the metadata
 *   key of a block is (META_SEG id << 32) | block_id (the caller composes it).
 *
 * SKETCH_SEG payload (little-endian):
 *   0x00 u32 width (a power of two, >= 1)   0x04 u32 depth (>= 1)   0x08 u64 total_accesses
 *   0x10..0x3F zero (written zero; ignored by the reader)
 *   0x40 u8 counters[depth][width], row-major (row r = hash function r); nothing after them.
 * Decoder checks, in this order: INVALID_ARGUMENT (out NULL, or p NULL with len > 0);
 * TRUNCATED_SEGMENT (len < 64); INVALID_MANIFEST (width 0 or not a power of two, depth 0);
 * TRUNCATED_SEGMENT (len < 64 + width * depth); INVALID_MANIFEST (len > 64 + width * depth: no
 * trailing bytes, as for QUANT_SEG). Every counter value and total_accesses are valid. */
#ifndef RVF_SKETCH_H
#define RVF_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "rvf_internal.h"

enum {
    RVF_SKETCH_WIDTH = 1024,
    RVF_SKETCH_DEPTH = 4,
    RVF_SKETCH_HOT_THRESHOLD = 128,
    RVF_SKETCH_WARM_THRESHOLD = 16,
    RVF_SKETCH_AGING_INTERVAL = 65536,
    RVF_SKETCH_BLOCK_SIZE = 1024,
    RVF_SKETCHSEG_HEADER = 64,
    RVF_SKETCHSEG_OFF_WIDTH = 0x00,
    RVF_SKETCHSEG_OFF_DEPTH = 0x04,
    RVF_SKETCHSEG_OFF_TOTAL = 0x08
};

typedef struct rvf_sketch {
    uint32_t width, depth;
    uint64_t total_accesses;
    uint8_t *counters; /* depth * width, row-major; rvf_malloc'd, owned (rvf_sketch_free) */
} rvf_sketch;

/* A zeroed sketch. INVALID_ARGUMENT: s NULL, width 0 or not a power of two, depth 0, or
 * width * depth past SIZE_MAX; OUT_OF_MEMORY. */
rvf_status rvf_sketch_init(rvf_sketch *s, uint32_t width, uint32_t depth);
/* Free the counters and zero *s (NULL allowed). */
void rvf_sketch_free(rvf_sketch *s);
/* The counter index of block_id in row r (formula above); width a power of two. */
uint32_t rvf_sketch_index(uint32_t row, uint64_t block_id, uint32_t width);
/* One access (saturating increment, total, aging). */
void rvf_sketch_add(rvf_sketch *s, uint64_t block_id);
/* Halve every counter (done by rvf_sketch_add at every 65536th access). */
void rvf_sketch_age(rvf_sketch *s);
uint8_t rvf_sketch_estimate(const rvf_sketch *s, uint64_t block_id);
static inline uint8_t rvf_sketch_tier(uint8_t estimate)
{
    return estimate > RVF_SKETCH_HOT_THRESHOLD ? 0 : estimate > RVF_SKETCH_WARM_THRESHOLD ? 1 : 2;
}

/* Append the payload (64 + width * depth bytes). INVALID_ARGUMENT for a sketch the decoder would
 * reject (nothing appended); OUT_OF_MEMORY restores out->len. */
rvf_status rvf_sketchseg_encode(rvf_buf *out, const rvf_sketch *s);
/* Decode into a new sketch (counters copied). Statuses above; *out is zeroed on failure. */
rvf_status rvf_sketchseg_decode(const uint8_t *p, size_t len, rvf_sketch *out);

#endif
