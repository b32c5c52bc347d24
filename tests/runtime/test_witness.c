/* test_witness: the 73-byte SHAKE-256 witness chain (RVF-BRIEF §5.11 example), every rejection
 * of rvf_witness_verify, and the 128-byte LineageRecord layout (§14.6). */
#include "rvf_internal.h"
#include "rvf_test.h"

enum { ENTRY = 73 };

static void unhex(const char *h, uint8_t *out)
{
    for (size_t i = 0; h[2 * i]; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void test_spec_example(void)
{
    rvf_buf b;
    rvf_buf_init(&b);
    rvf_witness_append(&b, "a", 1, 1, 0x01);
    CHECK_EQ_INT(rvf_buf_status(&b), RVF_OK);
    CHECK_EQ_INT(b.len, ENTRY);
    uint8_t want0[ENTRY] = {0};
    unhex("867e2cb04f5a04dcbd592501a5e8fe9ceaafca50255626ca736c138042530ba4"
          "0100000000000000"
          "01",
          want0 + 32);
    CHECK_MEM(b.data, want0, ENTRY);

    rvf_witness_append(&b, "b", 1, 2, 0x02);
    CHECK_EQ_INT(b.len, 2 * ENTRY);
    uint8_t link[32];
    unhex("fa2eb7cb30e0fbd6e8fde5380e376a9c7f81d40581a0176d827f2d4430093803", link);
    CHECK_MEM(b.data + ENTRY, link, 32);
    uint8_t action_b[32];
    rvf_shake256("b", 1, action_b, 32);
    CHECK_MEM(b.data + ENTRY + 32, action_b, 32);
    CHECK_EQ_U64(rvfk_ld_u64(b.data + ENTRY + 64), 2);
    CHECK_EQ_INT(b.data[ENTRY + 72], 0x02);

    uint32_t count = 0;
    uint8_t head[32], want_head[32];
    rvf_shake256(b.data + ENTRY, ENTRY, want_head, 32);
    CHECK_EQ_INT(rvf_witness_verify(b.data, b.len, &count, head), RVF_OK);
    CHECK_EQ_INT(count, 2);
    CHECK_MEM(head, want_head, 32);
    CHECK_EQ_INT(rvf_witness_verify(b.data, b.len, NULL, NULL), RVF_OK);
    /* The first entry alone is a valid chain whose head is entry 1's prev_hash. */
    CHECK_EQ_INT(rvf_witness_verify(b.data, ENTRY, &count, head), RVF_OK);
    CHECK_EQ_INT(count, 1);
    CHECK_MEM(head, link, 32);
    rvf_buf_free(&b);
}

static void test_empty(void)
{
    uint32_t count = 99;
    uint8_t head[32], zero[32] = {0};
    memset(head, 0xEE, sizeof head);
    CHECK_EQ_INT(rvf_witness_verify(NULL, 0, &count, head), RVF_OK);
    CHECK_EQ_INT(count, 0);
    CHECK_MEM(head, zero, 32);
    /* Appending to an empty buffer starts a genesis entry with zero prev_hash. */
    rvf_buf b;
    rvf_buf_init(&b);
    rvf_witness_append(&b, NULL, 0, 0, 0);
    CHECK_EQ_INT(b.len, ENTRY);
    CHECK_MEM(b.data, zero, 32);
    uint8_t empty_hash[32];
    rvf_shake256(NULL, 0, empty_hash, 32);
    CHECK_MEM(b.data + 32, empty_hash, 32);
    rvf_buf_free(&b);
}

static void build_chain(rvf_buf *b, int n)
{
    rvf_buf_init(b);
    for (int i = 0; i < n; i++) {
        char action[32];
        int len = snprintf(action, sizeof action, "action %d", i);
        rvf_witness_append(b, action, (size_t)len, 1000000000ull + (uint64_t)i,
                           (uint8_t)(1 + i % 13));
    }
}

static void test_lengths(void)
{
    rvf_buf b;
    build_chain(&b, 3);
    CHECK_EQ_INT(b.len, 3 * ENTRY);
    int wrong = 0;
    for (size_t len = 1; len <= b.len; len++) {
        uint32_t count = 77;
        rvf_status st = rvf_witness_verify(b.data, len, &count, NULL);
        if (len % ENTRY) {
            wrong += st != RVF_ERR_TRUNCATED_SEGMENT;
            wrong += count != 77; /* untouched on failure */
        } else {
            wrong += st != RVF_OK || count != len / ENTRY;
        }
    }
    CHECK_EQ_INT(wrong, 0);
    rvf_buf_free(&b);
}

/* A flipped bit anywhere breaks a link, except in the last entry's action hash, timestamp and
 * type: nothing inside the chain covers those, only the head hash changes. */
static void test_bit_flips(void)
{
    enum { N = 3 };
    rvf_buf b;
    build_chain(&b, N);
    uint8_t head[32], good_head[32];
    uint32_t count;
    CHECK_EQ_INT(rvf_witness_verify(b.data, b.len, &count, good_head), RVF_OK);
    CHECK_EQ_INT(count, N);
    int detected = 0, head_changed = 0, wrong = 0;
    for (size_t byte = 0; byte < b.len; byte++)
        for (int bit = 0; bit < 8; bit++) {
            b.data[byte] ^= (uint8_t)(1u << bit);
            rvf_status st = rvf_witness_verify(b.data, b.len, &count, head);
            bool in_tail = byte >= (N - 1) * ENTRY + 32;
            if (!in_tail) {
                wrong += st != RVF_ERR_INVALID_CHECKSUM;
                detected++;
            } else {
                wrong += st != RVF_OK || count != N;
                bool changed = memcmp(head, good_head, 32) != 0;
                wrong += !changed;
                head_changed += changed;
            }
            b.data[byte] ^= (uint8_t)(1u << bit);
        }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(detected, ((N - 1) * ENTRY + 32) * 8);
    CHECK_EQ_INT(head_changed, (ENTRY - 32) * 8);
    CHECK_EQ_INT(rvf_witness_verify(b.data, b.len, &count, head), RVF_OK);
    CHECK_MEM(head, good_head, 32);
    rvf_buf_free(&b);
}

/* Entries moved around (swapped, dropped from the front) no longer link. */
static void test_reordered(void)
{
    rvf_buf b;
    build_chain(&b, 3);
    uint8_t tmp[ENTRY];
    CHECK_EQ_INT(rvf_witness_verify(b.data + ENTRY, 2 * ENTRY, NULL, NULL),
                 RVF_ERR_INVALID_CHECKSUM);
    memcpy(tmp, b.data + ENTRY, ENTRY);
    memcpy(b.data + ENTRY, b.data + 2 * ENTRY, ENTRY);
    memcpy(b.data + 2 * ENTRY, tmp, ENTRY);
    CHECK_EQ_INT(rvf_witness_verify(b.data, b.len, NULL, NULL), RVF_ERR_INVALID_CHECKSUM);
    rvf_buf_free(&b);
}

static void test_lineage_record(void)
{
    uint8_t fid[16], pid[16], ph[32], rec[128];
    memset(fid, 1, sizeof fid);
    memset(pid, 2, sizeof pid);
    memset(ph, 3, sizeof ph);
    rvf_lineage_record(rec, fid, pid, ph, 1, 5, 1700000000000000000ull, "test derivation");
    CHECK_MEM(rec, fid, 16);
    CHECK_MEM(rec + 0x10, pid, 16);
    CHECK_MEM(rec + 0x20, ph, 32);
    CHECK_EQ_INT(rec[0x40], 1);
    CHECK(rec[0x41] == 0 && rec[0x42] == 0 && rec[0x43] == 0);
    CHECK_EQ_U64(rvfk_ld_u32(rec + 0x44), 5);
    CHECK_EQ_U64(rvfk_ld_u64(rec + 0x48), 1700000000000000000ull);
    CHECK_EQ_INT(rec[0x50], 15);
    CHECK_MEM(rec + 0x51, "test derivation", 15);
    uint8_t zero[47] = {0};
    CHECK_MEM(rec + 0x51 + 15, zero, 47 - 15);
    /* The action hash of the DERIVATION witness (record built independently with
     * @noble/hashes). */
    uint8_t h[32], want[32];
    rvf_shake256(rec, sizeof rec, h, 32);
    unhex("469430030f40b077f81ed0ccb22b3c01cd43fc949bd852aeea7fb45daed58d93", want);
    CHECK_MEM(h, want, 32);

    /* Descriptions longer than 47 bytes are cut at 47; the record never grows past 128. */
    const char *longd = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uint8_t big[130];
    memset(big, 0xCC, sizeof big);
    rvf_lineage_record(big, fid, pid, ph, 0xFF, 0xDEADBEEF, 7, longd);
    CHECK_EQ_INT(big[0x50], 47);
    CHECK_MEM(big + 0x51, longd, 47);
    CHECK_EQ_INT(big[128], 0xCC);
    CHECK_EQ_INT(big[129], 0xCC);
    CHECK_EQ_U64(rvfk_ld_u32(big + 0x44), 0xDEADBEEF);
    CHECK_EQ_INT(big[0x40], 0xFF);

    /* No description: length 0, all zero. */
    memset(rec, 0xCC, sizeof rec);
    rvf_lineage_record(rec, fid, pid, ph, 6, 0, 0, NULL);
    CHECK_EQ_INT(rec[0x50], 0);
    CHECK_MEM(rec + 0x51, zero, 47);
    CHECK(rec[0x41] == 0 && rec[0x42] == 0 && rec[0x43] == 0);
    rvf_lineage_record(rec, fid, pid, ph, 6, 0, 0, "");
    CHECK_EQ_INT(rec[0x50], 0);
}

int main(void)
{
    RVF_TEST_RUN(test_spec_example);
    RVF_TEST_RUN(test_empty);
    RVF_TEST_RUN(test_lengths);
    RVF_TEST_RUN(test_bit_flips);
    RVF_TEST_RUN(test_reordered);
    RVF_TEST_RUN(test_lineage_record);
    return rvf_test_finish();
}
