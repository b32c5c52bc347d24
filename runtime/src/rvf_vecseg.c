/* rvf_vecseg.c: VEC_SEG columnar blocks (FORMAT.md "VEC_SEG"). Encoding transposes row-major
 * input into columns; decoding verifies each block's CRC32C before trusting any of its fields, so
 * that a flipped bit anywhere in a block is reported as a checksum failure, not as whatever
 * structural error the flip happens to produce. */
#include <string.h>

#include "rvf_internal.h"

/* Vectors per transposition tile for long rows: 16 f32 of one column fill a 64-byte line. */
#define VEC_TILE 16u

size_t rvf_dtype_size(uint8_t dtype)
{
    static const uint8_t size[5] = {4, 2, 2, 1, 1};
    return dtype < 5 ? size[dtype] : 0;
}

/* Quantized dtypes 0x05..0x08 store one code byte per column (FORMAT.md, dim = code bytes). */
static size_t elem_size(uint8_t dtype)
{
    return dtype < 5 ? rvf_dtype_size(dtype) : dtype <= 8 ? 1 : 0;
}

/* The block CRC is on the ingest and open paths: take the kernel's fastest variant (SSE4.2 on
 * x86), not the byte-table reference. */
static uint32_t block_crc(const uint8_t *b, size_t n)
{
    return rvfk_ops_best()->crc32c_update(0, b, n);
}

/* Row-major host elements <-> little-endian columns. The switch sits outside the element loop,
 * and each element is one memcpy plus an LE load or store (single moves on LE targets). */
static void transpose(uint8_t *dst, const uint8_t *src, size_t count, size_t dim, size_t es,
                      bool to_cols)
{
    size_t rs = dim * es, os = to_cols ? es : rs, ss = to_cols ? rs : es;
    size_t tile = rs <= 64 ? count : VEC_TILE; /* short rows: whole columns stream well */
    for (size_t i0 = 0; i0 < count; i0 += tile) {
        size_t m = count - i0 < tile ? count - i0 : tile;
        for (size_t d = 0; d < dim; d++) {
            size_t ci = (d * count + i0) * es, ri = (i0 * dim + d) * es;
            uint8_t *o = dst + (to_cols ? ci : ri);
            const uint8_t *s = src + (to_cols ? ri : ci);
            switch (es) {
            case 4:
                for (size_t i = 0; i < m; i++, o += os, s += ss) {
                    uint32_t x;
                    if (to_cols) {
                        memcpy(&x, s, 4);
                        rvfk_st_u32(o, x);
                    } else {
                        x = rvfk_ld_u32(s);
                        memcpy(o, &x, 4);
                    }
                }
                break;
            case 2:
                for (size_t i = 0; i < m; i++, o += os, s += ss) {
                    uint16_t x;
                    if (to_cols) {
                        memcpy(&x, s, 2);
                        rvfk_st_u16(o, x);
                    } else {
                        x = rvfk_ld_u16(s);
                        memcpy(o, &x, 2);
                    }
                }
                break;
            default:
                for (size_t i = 0; i < m; i++, o += os, s += ss)
                    *o = *s;
                break;
            }
        }
    }
}

rvf_status rvf_vecseg_encode(rvf_buf *out, const uint64_t *ids, const void *rows, uint32_t n,
                             uint16_t dim, uint8_t dtype, uint32_t block_vectors)
{
    size_t es = elem_size(dtype);
    if (!es || !dim || !block_vectors || (n && (!ids || !rows)))
        return RVF_ERR_INVALID_ARGUMENT;
    for (uint32_t i = 1; i < n; i++)
        if (ids[i] <= ids[i - 1])
            return RVF_ERR_INVALID_ARGUMENT;

    size_t start = out->len, row_bytes = (size_t)dim * es;
    /* Block offsets are u32, so a payload must stay under 4 GiB; checking the vector bytes first
     * also keeps every size_t product exact on 32-bit targets. */
    uint32_t nb = n / block_vectors + (n % block_vectors != 0);
    if ((uint64_t)n * row_bytes > UINT32_MAX || (uint64_t)nb * 64 > UINT32_MAX) /* 64 B/block min */
        return RVF_ERR_SEGMENT_TOO_LARGE;
    rvf_buf_u32(out, nb);
    rvf_buf_append(out, (size_t)nb * RVF_VEC_DIR_ENTRY_SIZE);
    rvf_buf_pad(out, start, 64);
    for (uint32_t b = 0, first = 0; b < nb; b++, first += block_vectors) {
        uint32_t count = n - first < block_vectors ? n - first : block_vectors;
        size_t boff = out->len - start, data = (size_t)count * row_bytes;
        if (boff > UINT32_MAX)
            return RVF_ERR_SEGMENT_TOO_LARGE;
        if (!rvf_buf_reserve(out, data))
            return RVF_ERR_OUT_OF_MEMORY;
        transpose(out->data + out->len, (const uint8_t *)rows + (size_t)first * row_bytes, count,
                  dim, es, true);
        out->len += data;
        rvf_buf_u8(out, RVF_IDMAP_DELTA_VARINT);
        rvf_buf_u16(out, RVF_VEC_ID_RESTART);
        rvf_buf_u32(out, count);
        rvf_status s = rvf_delta_encode(out, ids + first, count, RVF_VEC_ID_RESTART);
        if (s != RVF_OK)
            return s;
        rvf_buf_u32(out, block_crc(out->data + start + boff, out->len - start - boff));
        rvf_buf_pad(out, start, 64);
        if (out->oom)
            return RVF_ERR_OUT_OF_MEMORY;
        uint8_t *e = out->data + start + 4 + (size_t)b * RVF_VEC_DIR_ENTRY_SIZE;
        rvfk_st_u32(e, (uint32_t)boff);
        rvfk_st_u32(e + 4, count);
        rvfk_st_u16(e + 8, dim);
        e[10] = dtype;
        e[11] = 1; /* warm: new data starts in the middle tier (FORMAT.md "Temperature tiering") */
    }
    if (out->len - start > UINT32_MAX)
        return RVF_ERR_SEGMENT_TOO_LARGE;
    return rvf_buf_status(out);
}

/* Bytes a block needs at least: columns, id map header, one byte per id, CRC. */
static uint64_t block_min_size(uint32_t count, uint16_t dim, size_t es)
{
    return (uint64_t)count * dim * es + 7 + count + 4;
}

rvf_status rvf_vecseg_blocks(const uint8_t *p, size_t len, rvf_vec_block **blocks, uint32_t *n)
{
    *blocks = NULL;
    *n = 0;
    if (len < 4)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint32_t nb = rvfk_ld_u32(p);
    uint64_t next = 4 + (uint64_t)nb * RVF_VEC_DIR_ENTRY_SIZE; /* lowest legal block start */
    if (next > len)
        return RVF_ERR_TRUNCATED_SEGMENT;
    if (!nb)
        return RVF_OK;
    rvf_vec_block *v = rvf_malloc((size_t)nb * sizeof *v);
    if (!v)
        return RVF_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < nb; i++) {
        const uint8_t *e = p + 4 + (size_t)i * RVF_VEC_DIR_ENTRY_SIZE;
        rvf_vec_block b = {rvfk_ld_u32(e), rvfk_ld_u32(e + 4), rvfk_ld_u16(e + 8), e[10], e[11]};
        size_t es = elem_size(b.dtype);
        uint64_t need = block_min_size(b.count, b.dim, es);
        if (!es || b.offset % 64 || b.offset < next || b.offset > len || need > len - b.offset) {
            rvf_free(v);
            return RVF_ERR_TRUNCATED_SEGMENT;
        }
        next = b.offset + need;
        v[i] = b;
    }
    *blocks = v;
    *n = nb;
    return RVF_OK;
}

rvf_status rvf_vecseg_decode_block(const uint8_t *p, size_t len, const rvf_vec_block *blk,
                                   uint64_t *ids, void *rows)
{
    size_t es = elem_size(blk->dtype);
    if (!es || blk->offset > len)
        return RVF_ERR_TRUNCATED_SEGMENT;
    const uint8_t *b = p + blk->offset;
    size_t avail = len - blk->offset, count = blk->count;
    uint64_t data = (uint64_t)count * blk->dim * es;
    if (data + 7 > avail)
        return RVF_ERR_TRUNCATED_SEGMENT;
    /* Find the CRC from the directory's count and the varints' terminator bytes alone, so that
     * the checksum is verified before the header fields and id values are believed. Encodings
     * other than raw are located as delta-varint (what writers produce), so a flipped bit in the
     * encoding byte is a checksum failure too, unless it turns 1 into raw and the raw ids would
     * run past the payload: that is indistinguishable from a truncated raw block. */
    size_t at = (size_t)data + 7;
    uint8_t enc = b[data];
    if (enc != RVF_IDMAP_RAW) {
        for (size_t k = 0; k < count; at++) {
            if (at >= avail)
                return RVF_ERR_TRUNCATED_SEGMENT;
            k += !(b[at] & 0x80);
        }
    } else {
        if ((uint64_t)count * 8 > avail - at)
            return RVF_ERR_TRUNCATED_SEGMENT;
        at += count * 8;
    }
    if (avail - at < 4)
        return RVF_ERR_TRUNCATED_SEGMENT;
    if (block_crc(b, at) != rvfk_ld_u32(b + at))
        return RVF_ERR_INVALID_CHECKSUM;

    uint16_t restart = rvfk_ld_u16(b + data + 1);
    if (rvfk_ld_u32(b + data + 3) != count || enc > RVF_IDMAP_DELTA_VARINT)
        return RVF_ERR_TRUNCATED_SEGMENT;
    size_t pos = (size_t)data + 7;
    if (enc == RVF_IDMAP_DELTA_VARINT) {
        rvf_status s = rvf_delta_decode(b, at, &pos, ids, count, restart);
        if (s != RVF_OK)
            return s;
    } else {
        for (size_t k = 0; k < count; k++, pos += 8)
            ids[k] = rvfk_ld_u64(b + pos);
    }
    for (size_t k = 1; k < count; k++)
        if (ids[k] <= ids[k - 1])
            return RVF_ERR_TRUNCATED_SEGMENT;
    transpose(rows, b, count, blk->dim, es, false);
    return RVF_OK;
}
