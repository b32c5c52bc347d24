/* fuzz_roaring.c: the deletion bitmap, the DELETION_BITMAP TLV value (rvf_delbitmap_decode).
 * Input: a TLV value. Checks: an accepted bitmap gives ids strictly ascending and below 2^48, the
 * count it reports, and re-encoding them (rvf_delbitmap_encode) decodes to the same ids; every
 * status is one of the three documented (INVALID_MANIFEST, ALGO_UNSUPPORTED, OUT_OF_MEMORY). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t *ids = NULL;
    size_t n = 0;
    rvf_status st = rvf_delbitmap_decode(data, size, &ids, &n);
    FUZZ_ASSERT(st == RVF_OK || st == RVF_ERR_INVALID_MANIFEST || st == RVF_ERR_ALGO_UNSUPPORTED ||
                st == RVF_ERR_OUT_OF_MEMORY);
    if (st != RVF_OK) {
        FUZZ_ASSERT(ids == NULL && n == 0);
        return 0;
    }
    FUZZ_ASSERT((n == 0) == (ids == NULL));
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(ids[i] < (1ull << 48) && (i == 0 || ids[i - 1] < ids[i]));
    if (n) {
        rvf_buf out;
        rvf_buf_init(&out);
        FUZZ_ASSERT(rvf_delbitmap_encode(&out, ids, n) == RVF_OK && rvf_buf_status(&out) == RVF_OK);
        uint64_t *back = NULL;
        size_t m = 0;
        FUZZ_ASSERT(rvf_delbitmap_decode(out.data, out.len, &back, &m) == RVF_OK);
        FUZZ_ASSERT(m == n && memcmp(back, ids, n * sizeof *ids) == 0);
        rvf_free(back);
        rvf_buf_free(&out);
    }
    rvf_free(ids);
    return 0;
}
