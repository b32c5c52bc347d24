/* rvf_witness.c: the 73-byte SHAKE-256 witness chain (WITNESS_SEG) and the 128-byte lineage
 * record whose hash a DERIVATION witness carries. Matches rvf-crypto's create/verify: entry 0's
 * prev_hash must be zero, so a chain cannot be cut from the middle of another one. */
#include <string.h>

#include "rvf_internal.h"

enum { WITNESS_ENTRY = 73, LINEAGE_DESC_MAX = 47 };

void rvf_witness_append(rvf_buf *out, const void *action, size_t action_len, uint64_t ts_ns,
                        uint8_t witness_type)
{
    uint8_t prev[32] = {0};
    /* Hash before appending: the append may move out->data. */
    if (out->len >= WITNESS_ENTRY)
        rvf_shake256(out->data + out->len - WITNESS_ENTRY, WITNESS_ENTRY, prev, 32);
    uint8_t *e = rvf_buf_append(out, WITNESS_ENTRY);
    if (!e)
        return;
    memcpy(e, prev, 32);
    rvf_shake256(action, action_len, e + 32, 32);
    rvfk_st_u64(e + 64, ts_ns);
    e[72] = witness_type;
}

rvf_status rvf_witness_verify(const uint8_t *p, size_t len, uint32_t *count, uint8_t head[32])
{
    if (len % WITNESS_ENTRY != 0)
        return RVF_ERR_TRUNCATED_SEGMENT;
    size_t n = len / WITNESS_ENTRY;
    if (n > UINT32_MAX)
        return RVF_ERR_TRUNCATED_SEGMENT;
    uint8_t expect[32] = {0};
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = p + i * WITNESS_ENTRY;
        if (!rvf_ct_equal(e, expect, 32))
            return RVF_ERR_INVALID_CHECKSUM;
        rvf_shake256(e, WITNESS_ENTRY, expect, 32);
    }
    if (count)
        *count = (uint32_t)n;
    if (head)
        memcpy(head, expect, 32);
    return RVF_OK;
}

void rvf_lineage_record(uint8_t out[128], const uint8_t file_id[16], const uint8_t parent_id[16],
                        const uint8_t parent_hash[32], uint8_t derivation_type,
                        uint32_t mutation_count, uint64_t ts_ns, const char *description)
{
    memset(out, 0, 128);
    memcpy(out, file_id, 16);
    memcpy(out + 0x10, parent_id, 16);
    memcpy(out + 0x20, parent_hash, 32);
    out[0x40] = derivation_type;
    rvfk_st_u32(out + 0x44, mutation_count);
    rvfk_st_u64(out + 0x48, ts_ns);
    size_t dl = description ? strnlen(description, LINEAGE_DESC_MAX) : 0;
    out[0x50] = (uint8_t)dl;
    if (dl)
        memcpy(out + 0x51, description, dl);
}
