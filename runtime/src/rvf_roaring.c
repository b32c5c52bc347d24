/* rvf_roaring.c: the DELETION_BITMAP TLV value, an RVF-Roaring bitmap (FORMAT.md "Deletion
 * bitmap"). The decoder validates and expands in one routine run twice (count, then fill), so
 * the id array is allocated once at its exact size. */
#include "rvf_internal.h"

#define ARRAY_MAX    4096u
#define BITMAP_BYTES 8192u
#define KEY_ENTRY    9u

rvf_status rvf_delbitmap_encode(rvf_buf *out, const uint64_t *ids, size_t n)
{
    size_t keys = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >> 48 || (i && ids[i] <= ids[i - 1]))
            return RVF_ERR_INVALID_ARGUMENT;
        keys += !i || ids[i] >> 16 != ids[i - 1] >> 16;
    }
    rvf_buf_append(out, 8); /* mode SINGLE, 7 pad bytes */
    size_t bm = out->len;
    rvf_buf_u32(out, RVF_ROARING_COOKIE);
    rvf_buf_u32(out, (uint32_t)keys); /* < 2^32: keys are 32-bit and unique */
    rvf_buf_append(out, keys * KEY_ENTRY);
    rvf_buf_pad(out, bm, 8);
    for (size_t i = 0, k = 0; i < n; k++) {
        uint64_t key = ids[i] >> 16;
        size_t j = i + 1, runs = 1;
        for (; j < n && ids[j] >> 16 == key; j++)
            runs += ids[j] != ids[j - 1] + 1;
        size_t card = j - i, array = card <= ARRAY_MAX ? 2 + 2 * card : SIZE_MAX;
        size_t bitmap = 2 + BITMAP_BYTES, run = 2 + 4 * runs;
        uint8_t type = array <= bitmap && array <= run ? RVF_CONTAINER_ARRAY
                       : run < bitmap                  ? RVF_CONTAINER_RUN
                                                       : RVF_CONTAINER_BITMAP;
        size_t off = out->len - bm;
        if (off > UINT32_MAX)
            return RVF_ERR_SEGMENT_TOO_LARGE;
        if (type == RVF_CONTAINER_ARRAY) {
            rvf_buf_u16(out, (uint16_t)card);
            for (; i < j; i++)
                rvf_buf_u16(out, (uint16_t)ids[i]);
        } else if (type == RVF_CONTAINER_RUN) {
            rvf_buf_u16(out, (uint16_t)runs);
            while (i < j) {
                size_t s = i++;
                while (i < j && ids[i] == ids[i - 1] + 1)
                    i++;
                rvf_buf_u16(out, (uint16_t)ids[s]);
                rvf_buf_u16(out, (uint16_t)(i - s - 1));
            }
        } else {
            rvf_buf_u16(out, (uint16_t)card); /* < 65536: a full container is a run */
            uint8_t *bits = rvf_buf_append(out, BITMAP_BYTES);
            for (; i < j; i++)
                if (bits)
                    bits[(ids[i] & 0xFFFF) >> 3] |= (uint8_t)(1u << (ids[i] & 7));
        }
        rvf_buf_pad(out, bm, 8);
        if (out->oom)
            return RVF_ERR_OUT_OF_MEMORY;
        uint8_t *e = out->data + bm + 8 + k * KEY_ENTRY;
        rvfk_st_u32(e, (uint32_t)key);
        e[4] = type;
        rvfk_st_u32(e + 5, (uint32_t)off);
    }
    return rvf_buf_status(out);
}

/* Validate the container at c (avail bytes) and return its cardinality (0: malformed); with
 * dst, also write its ids. */
static uint64_t container(const uint8_t *c, size_t avail, uint8_t type, uint64_t base,
                          uint64_t *dst)
{
    if (avail < 2)
        return 0;
    uint32_t cnt = rvfk_ld_u16(c);
    c += 2;
    avail -= 2;
    uint64_t card = 0;
    if (type == RVF_CONTAINER_ARRAY) {
        if (cnt > ARRAY_MAX || 2 * (size_t)cnt > avail)
            return 0;
        for (size_t i = 0; i < cnt; i++) {
            uint16_t v = rvfk_ld_u16(c + 2 * i);
            if (i && v <= rvfk_ld_u16(c + 2 * i - 2))
                return 0;
            if (dst)
                dst[i] = base | v;
        }
        card = cnt;
    } else if (type == RVF_CONTAINER_BITMAP) {
        if (avail < BITMAP_BYTES)
            return 0;
        for (size_t w = 0; w < BITMAP_BYTES / 8; w++) {
            uint64_t x = rvfk_ld_u64(c + 8 * w);
            card += (uint64_t)__builtin_popcountll(x);
            for (; dst && x; x &= x - 1)
                *dst++ = base | (64 * w + (uint64_t)__builtin_ctzll(x));
        }
        if (cnt && cnt != card) /* a zero count means "recompute by popcount" */
            return 0;
    } else if (type == RVF_CONTAINER_RUN) {
        if (4 * (size_t)cnt > avail)
            return 0;
        uint32_t next = 0; /* lowest start the next run may have */
        for (size_t i = 0; i < cnt; i++) {
            uint32_t s = rvfk_ld_u16(c + 4 * i), l = rvfk_ld_u16(c + 4 * i + 2) + 1u;
            if (s < next || s + l > 0x10000)
                return 0;
            next = s + l;
            for (uint32_t v = 0; dst && v < l; v++)
                *dst++ = base | (s + v);
            card += l;
        }
    }
    return card;
}

/* Walk the key table of the bitmap b (bl bytes, nk keys): count into *total, or with dst also
 * expand. */
static rvf_status walk(const uint8_t *b, size_t bl, uint32_t nk, uint64_t *dst, uint64_t *total)
{
    size_t table_end = 8 + (size_t)nk * KEY_ENTRY;
    *total = 0;
    for (uint32_t k = 0; k < nk; k++) {
        const uint8_t *e = b + 8 + (size_t)k * KEY_ENTRY;
        uint32_t key = rvfk_ld_u32(e), off = rvfk_ld_u32(e + 5);
        if ((k && key <= rvfk_ld_u32(e - KEY_ENTRY)) || off % 8 || off < table_end || off > bl)
            return RVF_ERR_INVALID_MANIFEST;
        uint64_t c = container(b + off, bl - off, e[4], (uint64_t)key << 16, dst);
        if (!c)
            return RVF_ERR_INVALID_MANIFEST;
        if (dst)
            dst += c;
        *total += c;
    }
    return RVF_OK;
}

rvf_status rvf_delbitmap_decode(const uint8_t *p, size_t len, uint64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    if (len < 8)
        return RVF_ERR_INVALID_MANIFEST;
    if (p[0] == 1)
        return RVF_ERR_ALGO_UNSUPPORTED;
    const uint8_t *b = p + 8;
    size_t bl = len - 8;
    if (p[0] != 0 || bl < 8 || rvfk_ld_u32(b) != RVF_ROARING_COOKIE)
        return RVF_ERR_INVALID_MANIFEST;
    uint32_t nk = rvfk_ld_u32(b + 4);
    if (nk > (bl - 8) / KEY_ENTRY)
        return RVF_ERR_INVALID_MANIFEST;
    uint64_t total;
    rvf_status s = walk(b, bl, nk, NULL, &total);
    if (s != RVF_OK || !total)
        return s;
    uint64_t *out =
        total <= SIZE_MAX / sizeof *out ? rvf_malloc((size_t)total * sizeof *out) : NULL;
    if (!out)
        return RVF_ERR_OUT_OF_MEMORY;
    if ((s = walk(b, bl, nk, out, &total)) != RVF_OK) {
        rvf_free(out);
        return s;
    }
    *ids = out;
    *n = (size_t)total;
    return RVF_OK;
}
