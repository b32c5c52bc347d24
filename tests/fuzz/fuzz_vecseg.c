/* fuzz_vecseg.c: VEC_SEG payloads (rvf_vecseg_blocks, rvf_vecseg_decode_block). Input: one mode
 * byte, then a payload. Mode bit 0 set: every block's CRC32C is recomputed first
 * (fuzz_fix_vecseg), so mutations reach the id map and the columns.
 * Checks: directory entries are 64-aligned, ascending and inside the payload; a decoded block has
 * strictly ascending ids; re-encoding a decoded block (rvf_vecseg_encode) and decoding that
 * gives the same ids and row bytes. */
#include "fuzz.h"

static size_t elem_size(uint8_t dtype)
{
    return dtype < 5 ? rvf_dtype_size(dtype) : dtype <= 8 ? 1 : 0;
}

static void roundtrip(const rvf_vec_block *b, const uint64_t *ids, const uint8_t *rows,
                      size_t row_bytes)
{
    rvf_buf out;
    rvf_buf_init(&out);
    rvf_status st = rvf_vecseg_encode(&out, ids, rows, b->count, b->dim, b->dtype, b->count);
    FUZZ_ASSERT(st == RVF_OK);
    rvf_vec_block *blk = NULL;
    uint32_t nb = 0;
    FUZZ_ASSERT(rvf_vecseg_blocks(out.data, out.len, &blk, &nb) == RVF_OK && nb == 1);
    FUZZ_ASSERT(blk[0].count == b->count && blk[0].dim == b->dim && blk[0].dtype == b->dtype);
    uint64_t *ids2 = malloc(b->count * sizeof *ids2);
    uint8_t *rows2 = malloc(row_bytes * b->count);
    FUZZ_ASSERT(ids2 && rows2);
    FUZZ_ASSERT(rvf_vecseg_decode_block(out.data, out.len, &blk[0], ids2, rows2) == RVF_OK);
    FUZZ_ASSERT(memcmp(ids2, ids, b->count * sizeof *ids) == 0);
    FUZZ_ASSERT(memcmp(rows2, rows, row_bytes * b->count) == 0);
    free(ids2);
    free(rows2);
    rvf_free(blk);
    rvf_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    uint8_t *p = fuzz_dup(data + 1, len);
    if (data[0] & 1)
        fuzz_fix_vecseg(p, len);
    rvf_vec_block *blk = NULL;
    uint32_t nb = 0;
    rvf_status st = rvf_vecseg_blocks(p, len, &blk, &nb);
    FUZZ_ASSERT(fuzz_status_known(st));
    if (st != RVF_OK) {
        FUZZ_ASSERT(blk == NULL && nb == 0);
        free(p);
        return 0;
    }
    uint64_t prev_end = 4 + (uint64_t)nb * RVF_VEC_DIR_ENTRY_SIZE;
    for (uint32_t i = 0; i < nb; i++) {
        const rvf_vec_block *b = &blk[i];
        size_t es = elem_size(b->dtype);
        FUZZ_ASSERT(es && b->offset % 64 == 0 && b->offset >= prev_end && b->offset <= len);
        uint64_t data_bytes = (uint64_t)b->count * b->dim * es;
        FUZZ_ASSERT(data_bytes + 11 + b->count <= len - b->offset);
        prev_end = b->offset + data_bytes + 11 + b->count;
        size_t row_bytes = (size_t)b->dim * es;
        uint64_t *ids = malloc(b->count ? b->count * sizeof *ids : 1);
        uint8_t *rows = malloc(data_bytes ? (size_t)data_bytes : 1);
        FUZZ_ASSERT(ids && rows);
        st = rvf_vecseg_decode_block(p, len, b, ids, rows);
        FUZZ_ASSERT(fuzz_status_known(st));
        if (st == RVF_OK) {
            for (uint32_t k = 1; k < b->count; k++)
                FUZZ_ASSERT(ids[k - 1] < ids[k]);
            if (b->count && b->dim)
                roundtrip(b, ids, rows, row_bytes);
        }
        free(ids);
        free(rows);
    }
    rvf_free(blk);
    free(p);
    return 0;
}
