/* fuzz_sketchseg.c: SKETCH_SEG payloads (rvf_sketchseg_decode) and the count-min sketch they
 * hold. Input: the payload. Checks: the status order of rvf_sketch.h; an accepted sketch has a
 * power-of-two width, the counters of the payload and re-encodes to the payload except the
 * reserved header bytes; estimates are the minimum over the rows; an add raises the block's
 * estimate by one up to 255 (unless it is the 65536th access, which halves every counter). */
#include "fuzz.h"
#include "rvf_sketch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_dup(data, size);
    rvf_sketch s;
    rvf_status st = rvf_sketchseg_decode(p, size, &s);
    FUZZ_ASSERT(st == RVF_OK || st == RVF_ERR_TRUNCATED_SEGMENT || st == RVF_ERR_INVALID_MANIFEST ||
                st == RVF_ERR_OUT_OF_MEMORY);
    if (st != RVF_OK) {
        FUZZ_ASSERT(s.counters == NULL && s.width == 0);
        free(p);
        return 0;
    }
    FUZZ_ASSERT(size >= RVF_SKETCHSEG_HEADER);
    FUZZ_ASSERT(s.width && (s.width & (s.width - 1)) == 0 && s.depth);
    size_t cells = (size_t)s.width * s.depth;
    FUZZ_ASSERT(size == RVF_SKETCHSEG_HEADER + cells);
    FUZZ_ASSERT(memcmp(s.counters, p + RVF_SKETCHSEG_HEADER, cells) == 0);
    FUZZ_ASSERT(s.total_accesses == rvfk_ld_u64(p + RVF_SKETCHSEG_OFF_TOTAL));

    rvf_buf out;
    rvf_buf_init(&out);
    FUZZ_ASSERT(rvf_sketchseg_encode(&out, &s) == RVF_OK);
    memset(p + 0x10, 0, RVF_SKETCHSEG_HEADER - 0x10);
    FUZZ_ASSERT(out.len == size && memcmp(out.data, p, size) == 0);
    rvf_buf_free(&out);

    for (uint64_t block = 0; block < 8; block++) {
        uint8_t e = rvf_sketch_estimate(&s, block), m = 255;
        for (uint32_t r = 0; r < s.depth; r++) {
            uint32_t i = rvf_sketch_index(r, block, s.width);
            FUZZ_ASSERT(i < s.width);
            uint8_t c = s.counters[(size_t)r * s.width + i];
            m = c < m ? c : m;
        }
        FUZZ_ASSERT(e == m);
        bool ages = (s.total_accesses + 1) % RVF_SKETCH_AGING_INTERVAL == 0;
        rvf_sketch_add(&s, block);
        uint8_t after = rvf_sketch_estimate(&s, block);
        if (!ages)
            FUZZ_ASSERT(after == (e == 255 ? 255 : e + 1));
        (void)rvf_sketch_tier(after);
    }
    rvf_sketch_free(&s);
    free(p);
    return 0;
}
