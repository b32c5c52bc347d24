/* fuzz_witness.c: WITNESS_SEG payloads (rvf_witness_verify) and the 128-byte lineage record
 * (rvf_lineage_record, whose hash a DERIVATION witness carries). Input: one mode byte; with mode
 * bit 1, a lineage section of 125 bytes (file id, parent id, parent hash, derivation type,
 * mutation count, timestamp, a 47-byte description field); then the witness payload. Mode bit 0
 * set: the chain's prev_hash fields are rewritten first (fuzz_fix_witness).
 * Checks: verify returns OK exactly for a length that is a multiple of 73 whose chain links,
 * with the count and head computed independently; a repaired chain always verifies; the lineage
 * record holds each field at its FORMAT.md offset and zeros elsewhere. */
#include "fuzz.h"

enum { LINEAGE_IN = 16 + 16 + 32 + 1 + 4 + 8 + 47 };

static void lineage(fuzz_in *in)
{
    /* one copy: gcc 12 -O3 misreads byte loops into these arrays as an overflow */
    uint8_t ident[64];
    fuzz_take(in, ident, sizeof ident);
    const uint8_t *fid = ident, *pid = ident + 16, *ph = ident + 32;
    uint8_t type = fuzz_u8(in);
    uint32_t mutations = fuzz_u16(in);
    mutations |= (uint32_t)fuzz_u16(in) << 16;
    uint64_t ts = fuzz_u64(in);
    char desc[48] = {0};
    for (int i = 0; i < 47; i++)
        desc[i] = (char)fuzz_u8(in);
    uint8_t rec[RVF_LINEAGE_RECORD_SIZE];
    memset(rec, 0xA5, sizeof rec);
    rvf_lineage_record(rec, fid, pid, ph, type, mutations, ts, desc);
    size_t dl = strlen(desc);
    FUZZ_ASSERT(memcmp(rec, fid, 16) == 0 && memcmp(rec + 0x10, pid, 16) == 0 &&
                memcmp(rec + 0x20, ph, 32) == 0);
    FUZZ_ASSERT(rec[0x40] == type && rec[0x41] == 0 && rec[0x42] == 0 && rec[0x43] == 0);
    FUZZ_ASSERT(rvfk_ld_u32(rec + 0x44) == mutations && rvfk_ld_u64(rec + 0x48) == ts);
    FUZZ_ASSERT(rec[0x50] == dl && memcmp(rec + 0x51, desc, dl) == 0);
    for (size_t i = 0x51 + dl; i < sizeof rec; i++)
        FUZZ_ASSERT(rec[i] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size, 0};
    uint8_t mode = fuzz_u8(&in);
    if (mode & 2)
        lineage(&in);
    size_t len;
    const uint8_t *rest = fuzz_rest(&in, &len);
    uint8_t *p = fuzz_dup(rest, len);
    uint8_t fixed_head[32];
    if (mode & 1)
        fuzz_fix_witness(p, len, fixed_head);

    /* the chain rule, computed here from the bytes */
    bool links = len % RVF_WITNESS_ENTRY_SIZE == 0;
    uint8_t expect[32] = {0};
    for (size_t i = 0; links && i < len; i += RVF_WITNESS_ENTRY_SIZE) {
        links = memcmp(p + i, expect, 32) == 0;
        rvf_shake256(p + i, RVF_WITNESS_ENTRY_SIZE, expect, 32);
    }
    uint32_t count = 0xDEADBEEF;
    uint8_t head[32];
    memset(head, 0xA5, sizeof head);
    rvf_status st = rvf_witness_verify(p, len, &count, head);
    FUZZ_ASSERT(st == RVF_OK || st == RVF_ERR_TRUNCATED_SEGMENT || st == RVF_ERR_INVALID_CHECKSUM);
    FUZZ_ASSERT((st == RVF_OK) == links);
    FUZZ_ASSERT((st == RVF_ERR_TRUNCATED_SEGMENT) == (len % RVF_WITNESS_ENTRY_SIZE != 0));
    if (st == RVF_OK) {
        FUZZ_ASSERT(count == len / RVF_WITNESS_ENTRY_SIZE && memcmp(head, expect, 32) == 0);
        if (mode & 1)
            FUZZ_ASSERT(memcmp(head, fixed_head, 32) == 0);
    } else {
        FUZZ_ASSERT(count == 0xDEADBEEF);
    }
    if ((mode & 1) && len % RVF_WITNESS_ENTRY_SIZE == 0)
        FUZZ_ASSERT(st == RVF_OK);
    FUZZ_ASSERT(rvf_witness_verify(p, len, NULL, NULL) == st);
    free(p);
    return 0;
}
