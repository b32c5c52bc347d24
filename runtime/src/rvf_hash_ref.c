/* rvf_hash_ref.c: CRC-32/IEEE and the two hashes of the reference runtime's dialect (FORMAT.md
 * errata): the byte-rotated CRC-32 content hash and fold32 ("simple_shake256_256", not SHAKE). */
#include "rvf_internal.h"

static uint32_t crc32_table[256];
static bool crc32_ready;

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        crc32_table[i] = c;
    }
    crc32_ready = true;
}

uint32_t rvf_crc32_ieee_update(uint32_t crc, const void *data, size_t n)
{
    if (!crc32_ready)
        crc32_init();
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc32_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static uint32_t rotl32(uint32_t v, unsigned r)
{
    return r ? (v << r) | (v >> (32 - r)) : v;
}

void rvf_ref_hash_from_crc(uint32_t crc, uint8_t out[16])
{
    for (unsigned i = 0; i < 4; i++)
        rvfk_st_u32(out + 4 * (size_t)i, rotl32(crc, 8 * i));
}

void rvf_ref_content_hash(const void *payload, size_t n, uint8_t out[16])
{
    rvf_ref_hash_from_crc(rvf_crc32_ieee_update(0, payload, n), out);
}

void rvf_fold32(const void *data, size_t n, uint8_t out[32])
{
    const uint8_t *p = data;
    for (int i = 0; i < 32; i++)
        out[i] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = i % 32, j = (i + 13) % 32;
        out[k] = (uint8_t)(out[k] + p[i]);
        uint8_t r = (uint8_t)((out[k] << 3) | (out[k] >> 5));
        out[j] = (uint8_t)(out[j] + r);
    }
}
