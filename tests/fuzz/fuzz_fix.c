/* fuzz_fix.c: checksum repair for the fuzz targets (fuzz.h). A random mutation of a stored file
 * almost always breaks a content hash, a block CRC or the root CRC, and the reader then stops at
 * its first check; repairing those fields lets the same mutation reach the parsers behind them.
 * The repair reads the bytes exactly as leniently as it must to find the fields, and bounds every
 * access itself: it runs on arbitrary input too. */
#include "fuzz.h"

enum {
    HDR = RVF_SEGMENT_HEADER_SIZE,
    HDR_OFF_TYPE = 0x05,
    HDR_OFF_LEN = 0x10,
    HDR_OFF_ALGO = 0x20,
    HDR_OFF_HASH = 0x28,
    MAX_WITNESS = 16
};

static size_t vec_elem_size(uint8_t dtype)
{
    static const uint8_t size[9] = {4, 2, 2, 1, 1, 1, 1, 1, 1};
    return dtype < 9 ? size[dtype] : 0;
}

void fuzz_fix_vecseg(uint8_t *p, size_t len)
{
    if (len < 4)
        return;
    uint32_t nb = rvfk_ld_u32(p);
    for (uint64_t i = 0; i < nb && 4 + (i + 1) * RVF_VEC_DIR_ENTRY_SIZE <= len; i++) {
        const uint8_t *e = p + 4 + i * RVF_VEC_DIR_ENTRY_SIZE;
        uint32_t off = rvfk_ld_u32(e), count = rvfk_ld_u32(e + 4);
        uint16_t dim = rvfk_ld_u16(e + 8);
        size_t es = vec_elem_size(e[10]);
        if (!es || off > len)
            continue;
        uint8_t *b = p + off;
        size_t avail = len - off;
        uint64_t data = (uint64_t)count * dim * es;
        if (data + 7 > avail)
            continue;
        size_t at = (size_t)data + 7;
        if (b[data] != RVF_IDMAP_RAW) { /* as the decoder: count varint terminators */
            uint64_t k = 0;
            for (; k < count && at < avail; at++)
                k += !(b[at] & 0x80);
            if (k < count)
                continue;
        } else {
            if ((uint64_t)count * 8 > avail - at)
                continue;
            at += (size_t)count * 8;
        }
        if (avail - at < 4)
            continue;
        rvfk_st_u32(b + at, rvfk_crc32c(b, at));
    }
}

void fuzz_fix_witness(uint8_t *p, size_t len, uint8_t head[32])
{
    uint8_t prev[32] = {0};
    for (size_t i = 0; i + RVF_WITNESS_ENTRY_SIZE <= len; i += RVF_WITNESS_ENTRY_SIZE) {
        memcpy(p + i, prev, 32);
        rvf_shake256(p + i, RVF_WITNESS_ENTRY_SIZE, prev, 32);
    }
    if (head)
        memcpy(head, prev, 32);
}

/* Payload length of a version-1 segment header at o whose payload fits in the file, else -1. */
static int64_t seg_at(const uint8_t *f, size_t len, size_t o)
{
    if (o % 64 || o > len || len - o < HDR || rvfk_ld_u32(f + o) != RVF_SEGMENT_MAGIC ||
        f[o + 4] != RVF_SEGMENT_VERSION)
        return -1;
    uint64_t plen = rvfk_ld_u64(f + o + HDR_OFF_LEN);
    return plen <= len - o - HDR ? (int64_t)plen : -1;
}

static void rehash(uint8_t *f, size_t o, size_t plen)
{
    rvf_content_hash(f[o + HDR_OFF_ALGO], f + o + HDR, plen, f + o + HDR_OFF_HASH);
}

typedef struct witness_head {
    uint64_t off;
    uint8_t head[32];
} witness_head;

/* A manifest's Level 1: directory hashes and the witness head, walked as the reader walks it. */
static void fix_level1(uint8_t *f, size_t len, uint8_t *l1, size_t l1_len, const witness_head *w,
                       size_t nw)
{
    size_t pos = 0;
    while (l1_len - pos >= RVF_TLV_HEADER_SIZE) {
        uint16_t tag = rvfk_ld_u16(l1 + pos);
        uint32_t n = rvfk_ld_u32(l1 + pos + 2);
        pos += RVF_TLV_HEADER_SIZE;
        if (n > l1_len - pos)
            return;
        uint8_t *v = l1 + pos;
        if (tag == RVF_TAG_SEGMENT_DIR && n % RVF_DIR_ENTRY_SIZE == 0) {
            for (size_t i = 0; i < n; i += RVF_DIR_ENTRY_SIZE) {
                uint64_t off = rvfk_ld_u64(v + i + RVF_DIR_OFF_FILE_OFFSET);
                if (off <= SIZE_MAX && seg_at(f, len, (size_t)off) >= 0)
                    memcpy(v + i + RVF_DIR_OFF_CONTENT_HASH, f + off + HDR_OFF_HASH, 16);
            }
        } else if (tag == RVF_TAG_WITNESS_CHAIN && n >= RVF_WITNESS_CHAIN_SIZE) {
            for (size_t i = 0; i < nw; i++)
                if (w[i].off == rvfk_ld_u64(v))
                    memcpy(v + 16, w[i].head, 32);
        }
        pos += n;
        pos += (8 - pos % 8) % 8;
        if (pos > l1_len)
            return;
    }
}

void fuzz_fix_file(uint8_t *f, size_t len)
{
    if (len < HDR)
        return;
    witness_head w[MAX_WITNESS];
    size_t nw = 0;
    /* Data segments from the end: a header nested in an earlier payload is fixed before the
     * payload that holds it is hashed. */
    for (size_t o = (len - HDR) & ~(size_t)63;; o -= 64) {
        int64_t plen = seg_at(f, len, o);
        uint8_t type = f[o + HDR_OFF_TYPE];
        if (plen >= 0 && type != RVF_SEG_MANIFEST) {
            uint8_t *pl = f + o + HDR;
            if (type == RVF_SEG_VEC)
                fuzz_fix_vecseg(pl, (size_t)plen);
            if (type == RVF_SEG_WITNESS && nw < MAX_WITNESS) {
                w[nw].off = o;
                fuzz_fix_witness(pl, (size_t)plen, w[nw].head);
                nw++;
            }
            rehash(f, o, (size_t)plen);
        }
        if (o == 0)
            break;
    }
    /* Manifests oldest first: a newer one may list an older one. */
    for (size_t o = 0; o + HDR <= len; o += 64) {
        int64_t plen = seg_at(f, len, o);
        if (plen < 0 || f[o + HDR_OFF_TYPE] != RVF_SEG_MANIFEST)
            continue;
        uint8_t *pl = f + o + HDR;
        if ((uint64_t)plen >= RVF_ROOT_SIZE) {
            uint8_t *root = pl + plen - RVF_ROOT_SIZE;
            uint64_t l1_len = rvfk_ld_u64(root + RVF_ROOT_OFF_L1_LENGTH);
            if (l1_len <= (uint64_t)plen - RVF_ROOT_SIZE)
                fix_level1(f, len, pl, (size_t)l1_len, w, nw);
            if (rvfk_ld_u32(root) == RVF_ROOT_MAGIC)
                rvfk_st_u32(root + RVF_ROOT_OFF_CHECKSUM, rvfk_crc32c(root, RVF_ROOT_OFF_CHECKSUM));
        }
        rehash(f, o, (size_t)plen);
    }
}
