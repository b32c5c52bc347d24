/* fuzz_seghdr.c: the 64-byte segment header (kernel rvfk_verify_header, rvfk_seg_header_decode /
 * _encode / _check) and rvf_seg_load, which reads a segment against its directory entry.
 * Input: a segment (header, then payload). Checks: decode then encode gives the header bytes
 * back; a header that passes the check satisfies each rule the check states; rvf_seg_load gives
 * the same status through a mapped view and through a range-read source, and a payload it
 * accepts hashes to the header's content hash. The load runs on the input as is and on a copy
 * whose content hash is recomputed (the path past the hash check). */
#include "fuzz.h"
#include "rvf_manifest.h"

/* rvf_seg_load through io; the payload is checked and released. */
static rvf_status load(rvf_io *io, const rvf_dir_entry *e, uint8_t algo, size_t len)
{
    const uint8_t *pl = NULL;
    bool owned = false;
    rvf_status st = rvf_seg_load(io, e, len, &pl, &owned);
    FUZZ_ASSERT(fuzz_status_known(st));
    if (st == RVF_OK) {
        FUZZ_ASSERT(pl != NULL && e->payload_length <= len - RVF_SEGMENT_HEADER_SIZE);
        uint8_t h[16];
        rvf_content_hash(algo, pl, (size_t)e->payload_length, h);
        FUZZ_ASSERT(memcmp(h, e->content_hash, 16) == 0);
        if (owned)
            rvf_free((void *)pl);
    }
    return st;
}

static void load_both(const uint8_t *p, size_t len)
{
    rvfk_seg_header h;
    rvfk_seg_header_decode(p, &h);
    rvf_dir_entry e = {.segment_id = h.segment_id,
                       .seg_type = h.seg_type,
                       .flags = h.flags,
                       .file_offset = 0,
                       .payload_length = h.payload_length};
    memcpy(e.content_hash, h.content_hash, 16);
    rvf_io *view = NULL, *src = NULL;
    FUZZ_ASSERT(rvf_io_view(p, len, &view) == RVF_OK);
    src_ctx c = {p, len};
    rvf_source s = {.ctx = &c, .size = len, .read = src_read};
    FUZZ_ASSERT(rvf_io_source(&s, &src) == RVF_OK);
    rvf_status a = load(view, &e, h.checksum_algo, len), b = load(src, &e, h.checksum_algo, len);
    FUZZ_ASSERT(a == b);
    view->close(view);
    src->close(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < RVF_SEGMENT_HEADER_SIZE)
        return 0;
    rvfk_seg_header h;
    rvfk_seg_header_decode(data, &h);
    uint8_t back[RVF_SEGMENT_HEADER_SIZE];
    rvfk_seg_header_encode(&h, back);
    FUZZ_ASSERT(memcmp(back, data, sizeof back) == 0);

    int32_t v = rvfk_verify_header(data);
    FUZZ_ASSERT(v == (h.magic != RVF_SEGMENT_MAGIC ? 1 : h.version != RVF_SEGMENT_VERSION ? 2 : 0));
    const uint32_t footers[2] = {0, h.reserved_1 & 0xFFFF};
    for (int i = 0; i < 2; i++) {
        rvf_status st = rvfk_seg_header_check(&h, footers[i]);
        FUZZ_ASSERT(fuzz_status_known(st));
        FUZZ_ASSERT((st == RVF_ERR_INVALID_MAGIC) == (v == 1));
        if (st == RVF_OK)
            FUZZ_ASSERT(v == 0 && h.payload_length < (1ull << 32) && h.alignment_pad < 64 &&
                        rvfk_seg_span(&h, footers[i]) % 64 == 0);
    }

    load_both(data, size);
    if (h.payload_length <= size - RVF_SEGMENT_HEADER_SIZE) {
        uint8_t *fixed = fuzz_dup(data, size);
        rvf_content_hash(h.checksum_algo, fixed + RVF_SEGMENT_HEADER_SIZE, (size_t)h.payload_length,
                         fixed + 0x28);
        load_both(fixed, size);
        free(fixed);
    }
    return 0;
}
