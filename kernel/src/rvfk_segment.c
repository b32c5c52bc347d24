/* rvfk_segment.c: the 64-byte segment header of RVF-BRIEF §3.2, decoded with explicit
 * little-endian loads (offsets are the byte table in FORMAT.md, checked by tests/kernel). */
#include "rvf_deps.h"
#include "rvf_kernel.h"

int32_t rvfk_verify_header(const uint8_t hdr[64])
{
    if (rvfk_ld_u32(hdr) != RVF_SEGMENT_MAGIC)
        return 1;
    if (hdr[4] != RVF_SEGMENT_VERSION)
        return 2;
    return 0;
}

void rvfk_seg_header_decode(const uint8_t hdr[64], rvfk_seg_header *h)
{
    h->magic = rvfk_ld_u32(hdr + 0x00);
    h->version = hdr[0x04];
    h->seg_type = hdr[0x05];
    h->flags = rvfk_ld_u16(hdr + 0x06);
    h->segment_id = rvfk_ld_u64(hdr + 0x08);
    h->payload_length = rvfk_ld_u64(hdr + 0x10);
    h->timestamp_ns = rvfk_ld_u64(hdr + 0x18);
    h->checksum_algo = hdr[0x20];
    h->compression = hdr[0x21];
    h->reserved_0 = rvfk_ld_u16(hdr + 0x22);
    h->reserved_1 = rvfk_ld_u32(hdr + 0x24);
    RVF_MEMCPY(h->content_hash, hdr + 0x28, 16);
    h->uncompressed_len = rvfk_ld_u32(hdr + 0x38);
    h->alignment_pad = rvfk_ld_u32(hdr + 0x3C);
}

void rvfk_seg_header_encode(const rvfk_seg_header *h, uint8_t hdr[64])
{
    rvfk_st_u32(hdr + 0x00, h->magic);
    hdr[0x04] = h->version;
    hdr[0x05] = h->seg_type;
    rvfk_st_u16(hdr + 0x06, h->flags);
    rvfk_st_u64(hdr + 0x08, h->segment_id);
    rvfk_st_u64(hdr + 0x10, h->payload_length);
    rvfk_st_u64(hdr + 0x18, h->timestamp_ns);
    hdr[0x20] = h->checksum_algo;
    hdr[0x21] = h->compression;
    rvfk_st_u16(hdr + 0x22, h->reserved_0);
    rvfk_st_u32(hdr + 0x24, h->reserved_1);
    RVF_MEMCPY(hdr + 0x28, h->content_hash, 16);
    rvfk_st_u32(hdr + 0x38, h->uncompressed_len);
    rvfk_st_u32(hdr + 0x3C, h->alignment_pad);
}

rvf_status rvfk_seg_header_check(const rvfk_seg_header *h, uint32_t footer_len)
{
    if (h->magic != RVF_SEGMENT_MAGIC)
        return RVF_ERR_INVALID_MAGIC;
    if (h->version != RVF_SEGMENT_VERSION)
        return RVF_ERR_INVALID_VERSION;
    if (h->payload_length >= ((uint64_t)1 << 32))
        return RVF_ERR_SEGMENT_TOO_LARGE;
    if (h->alignment_pad >= 64 || rvfk_seg_span(h, footer_len) % 64 != 0)
        return RVF_ERR_ALIGNMENT_ERROR;
    return RVF_OK;
}
