/* rvf_sketch.c: count-min access sketch and SKETCH_SEG codec (rvf_sketch.h). */
#include "rvf_sketch.h"

#include <string.h>

static const uint64_t SEED[8] = {
    0x517cc1b727220a95ULL, 0x6c62272e07bb0142ULL, 0x44c6b90e0f294e41ULL, 0x3b9f7a3e2d8f1c5bULL,
    0x7e4a1b3c5d6f8a9eULL, 0x1a2b3c4d5e6f7089ULL, 0x9f8e7d6c5b4a3210ULL, 0xdeadbeefcafebabeULL};

static bool pow2(uint32_t w)
{
    return w && (w & (w - 1)) == 0;
}

rvf_status rvf_sketch_init(rvf_sketch *s, uint32_t width, uint32_t depth)
{
    if (!s)
        return RVF_ERR_INVALID_ARGUMENT;
    memset(s, 0, sizeof *s);
    if (!pow2(width) || depth == 0 || (size_t)width > SIZE_MAX / depth)
        return RVF_ERR_INVALID_ARGUMENT;
    s->counters = rvf_calloc((size_t)width * depth, 1);
    if (!s->counters)
        return RVF_ERR_OUT_OF_MEMORY;
    s->width = width;
    s->depth = depth;
    return RVF_OK;
}

void rvf_sketch_free(rvf_sketch *s)
{
    if (!s)
        return;
    rvf_free(s->counters);
    memset(s, 0, sizeof *s);
}

uint32_t rvf_sketch_index(uint32_t row, uint64_t block_id, uint32_t width)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ SEED[row % 8];
    for (int i = 0; i < 8; i++) {
        h ^= (block_id >> (8 * i)) & 0xFF;
        h *= 0x100000001b3ULL;
    }
    return (uint32_t)(h % width);
}

void rvf_sketch_age(rvf_sketch *s)
{
    const size_t n = (size_t)s->width * s->depth;
    for (size_t i = 0; i < n; i++)
        s->counters[i] >>= 1;
}

void rvf_sketch_add(rvf_sketch *s, uint64_t block_id)
{
    for (uint32_t r = 0; r < s->depth; r++) {
        uint8_t *c = s->counters + (size_t)r * s->width + rvf_sketch_index(r, block_id, s->width);
        if (*c < 255)
            (*c)++;
    }
    s->total_accesses++;
    if (s->total_accesses % RVF_SKETCH_AGING_INTERVAL == 0)
        rvf_sketch_age(s);
}

uint8_t rvf_sketch_estimate(const rvf_sketch *s, uint64_t block_id)
{
    uint8_t est = 255;
    for (uint32_t r = 0; r < s->depth; r++) {
        uint8_t c = s->counters[(size_t)r * s->width + rvf_sketch_index(r, block_id, s->width)];
        if (c < est)
            est = c;
    }
    return est;
}

rvf_status rvf_sketchseg_encode(rvf_buf *out, const rvf_sketch *s)
{
    if (!out || !s || !pow2(s->width) || s->depth == 0 || !s->counters ||
        (size_t)s->width > (SIZE_MAX - RVF_SKETCHSEG_HEADER) / s->depth)
        return RVF_ERR_INVALID_ARGUMENT;
    const size_t start = out->len, n = (size_t)s->width * s->depth;
    uint8_t *p = rvf_buf_append(out, RVF_SKETCHSEG_HEADER + n);
    if (!p) {
        out->len = start;
        return RVF_ERR_OUT_OF_MEMORY;
    }
    rvfk_st_u32(p + RVF_SKETCHSEG_OFF_WIDTH, s->width);
    rvfk_st_u32(p + RVF_SKETCHSEG_OFF_DEPTH, s->depth);
    rvfk_st_u64(p + RVF_SKETCHSEG_OFF_TOTAL, s->total_accesses);
    memcpy(p + RVF_SKETCHSEG_HEADER, s->counters, n);
    return RVF_OK;
}

rvf_status rvf_sketchseg_decode(const uint8_t *p, size_t len, rvf_sketch *out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (!p && len)
        return RVF_ERR_INVALID_ARGUMENT;
    if (len < RVF_SKETCHSEG_HEADER)
        return RVF_ERR_TRUNCATED_SEGMENT;
    const uint32_t width = rvfk_ld_u32(p + RVF_SKETCHSEG_OFF_WIDTH);
    const uint32_t depth = rvfk_ld_u32(p + RVF_SKETCHSEG_OFF_DEPTH);
    if (!pow2(width) || depth == 0)
        return RVF_ERR_INVALID_MANIFEST;
    const uint64_t need = RVF_SKETCHSEG_HEADER + (uint64_t)width * depth; /* < 2^64 */
    if (len < need)
        return RVF_ERR_TRUNCATED_SEGMENT;
    if (len > need)
        return RVF_ERR_INVALID_MANIFEST;
    rvf_sketch s;
    rvf_status st = rvf_sketch_init(&s, width, depth);
    if (st != RVF_OK)
        return st == RVF_ERR_INVALID_ARGUMENT ? RVF_ERR_INVALID_MANIFEST : st;
    memcpy(s.counters, p + RVF_SKETCHSEG_HEADER, (size_t)width * depth);
    s.total_accesses = rvfk_ld_u64(p + RVF_SKETCHSEG_OFF_TOTAL);
    *out = s;
    return RVF_OK;
}
