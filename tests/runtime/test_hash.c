/* test_hash: XXH3-128 and SHAKE-256 known answers (RVF-BRIEF §3.5, FIPS 202 / NIST examples; the
 * longer expectations were produced by @noble/hashes 2.0.1), incremental absorb and squeeze,
 * the content-hash algorithm switch and constant-time comparison. hash_noble compares many more
 * SHAKE-256 cases against @noble/hashes. */
#include "rvf_internal.h"
#include "rvf_test.h"

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

#define CHECK_HEX(got, hexstr)                                                                     \
    do {                                                                                           \
        uint8_t want_[512];                                                                        \
        size_t wn_ = unhex(hexstr, want_);                                                         \
        CHECK_MEM(got, want_, wn_);                                                                \
    } while (0)

static void fill_pattern(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + 3);
}

static void test_xxh3_vectors(void)
{
    uint8_t out[16];
    rvf_xxh3_128("", 0, out);
    CHECK_HEX(out, "7f498d4624c30160d8984701d306aa99");
    rvf_xxh3_128(NULL, 0, out);
    CHECK_HEX(out, "7f498d4624c30160d8984701d306aa99");
    rvf_xxh3_128("abc", 3, out);
    CHECK_HEX(out, "50392f89945faf7885613a73b65ab006");
    rvf_xxh3_128("123456789", 9, out);
    CHECK_HEX(out, "60581d68276471e9d5dce5ed77941133");
}

static void test_shake_spec_vectors(void)
{
    uint8_t out[32];
    rvf_shake256("", 0, out, 16);
    CHECK_HEX(out, "46b9dd2b0ba88d13233b3feb743eeb24");
    rvf_shake256(NULL, 0, out, 32);
    CHECK_HEX(out, "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
    rvf_shake256("abc", 3, out, 16);
    CHECK_HEX(out, "483366601360a8771c6863080cc4114d");
    rvf_shake256("abc", 3, out, 32);
    CHECK_HEX(out, "483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739");
    rvf_shake256("a", 1, out, 32);
    CHECK_HEX(out, "867e2cb04f5a04dcbd592501a5e8fe9ceaafca50255626ca736c138042530ba4");
}

/* NIST's SHAKE256 example: 1600-bit message of 0xA3 bytes, 4096-bit output. */
static void test_shake_nist_a3(void)
{
    uint8_t msg[200], out[512];
    memset(msg, 0xA3, sizeof msg);
    rvf_shake256(msg, sizeof msg, out, sizeof out);
    CHECK_HEX(out, "cd8a920ed141aa0407a22d59288652e9d9f1a7ee0c1e7c1ca699424da84a904d"
                   "2d700caae7396ece96604440577da4f3aa22aeb8857f961c4cd8e06f0ae6610b"
                   "1048a7f64e1074cd629e85ad7566048efc4fb500b486a3309a8f26724c0ed628"
                   "001a1099422468de726f1061d99eb9e93604d5aa7467d4b1bd6484582a384317"
                   "d7f47d750b8f5499512bb85a226c4243556e696f6bd072c5aa2d9b69730244b5"
                   "6853d16970ad817e213e470618178001c9fb56c54fefa5fee67d2da524bb3b0b"
                   "61ef0e9114a92cdbb6cccb98615cfe76e3510dd88d1cc28ff99287512f24bfaf"
                   "a1a76877b6f37198e3a641c68a7c42d45fa7acc10dae5f3cefb7b735f12d4e58"
                   "9f7a456e78c0f5e4c4471fffa5e4fa0514ae974d8c2648513b5db494cea84715"
                   "6d277ad0e141c24c7839064cd08851bc2e7ca109fd4e251c35bb0a04fb05b364"
                   "ff8c4d8b59bc303e25328c09a882e952518e1a8ae0ff265d61c465896973d749"
                   "0499dc639fb8502b39456791b1b6ec5bcc5d9ac36a6df622a070d43fed781f5f"
                   "149f7b62675e7d1a4d6dec48c1c7164586eae06a51208c0b791244d307726505"
                   "c3ad4b26b6822377257aa152037560a739714a3ca79bd605547c9b78dd1f596f"
                   "2d4f1791bc689a0e9b799a37339c04275733740143ef5d2b58b96a363d4e0807"
                   "6a1a9d7846436e4dca5728b6f760eef0ca92bf0be5615e96959d767197a0beeb");
    /* Same message fed one byte at a time, output squeezed 1 byte at a time. */
    rvf_shake256_ctx s;
    uint8_t out2[512];
    rvf_shake256_init(&s);
    for (size_t i = 0; i < sizeof msg; i++)
        rvf_shake256_update(&s, msg + i, 1);
    for (size_t i = 0; i < sizeof out2; i++)
        rvf_shake256_squeeze(&s, out2 + i, 1);
    CHECK_MEM(out2, out, sizeof out);
}

/* Inputs one short of, exactly, one past the 136-byte rate, and two full blocks (the padding
 * byte 0x9F case is 135). */
static void test_shake_block_boundaries(void)
{
    static const struct {
        size_t n;
        const char *hex;
    } v[] = {
        {135, "0213fc98352f009fafdf8ee1ea36391485a85aa6f6c07a5cd81266d21eb17f9a"},
        {136, "c00f43811e5b4a38e14e3c06d8a5ce34115a19cd604ce5bac6c3823b76046d5c"},
        {137, "3c983983487bcbe74feba53b35bb1e05812379cb4116d9761f78d2ce3177866e"},
        {272, "fbb7df100461f5db3224c3b715603b5a52f92bd0f761d9361d4aa0613d47033b"},
    };
    uint8_t msg[272], out[32];
    fill_pattern(msg, sizeof msg);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        rvf_shake256(msg, v[i].n, out, 32);
        CHECK_HEX(out, v[i].hex);
    }
}

static void test_shake_long_output(void)
{
    uint8_t one[700], chunked[700];
    rvf_shake256("abc", 3, one, sizeof one);
    /* Bytes 256..319 cross the first squeeze permutation (output block 2 starts at 272). */
    CHECK_HEX(one + 256, "fc346b1bb39b878330e026b12ddf384af3334560ea1d363966caa7d8ddcbec7d"
                         "a52b42215c11d5f8ee57f341e399343ce63a752fc5edec99124a0eb314403e5f");
    static const size_t chunks[] = {0, 1, 7, 128, 0, 136, 135, 137, 2, 100, 54};
    size_t total = 0;
    rvf_shake256_ctx s;
    rvf_shake256_init(&s);
    rvf_shake256_update(&s, "abc", 3);
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        rvf_shake256_squeeze(&s, chunked + total, chunks[i]);
        total += chunks[i];
    }
    CHECK_EQ_INT(total, sizeof chunked);
    CHECK_MEM(chunked, one, sizeof one);

    /* A shorter output is a prefix of a longer one (XOF). */
    uint8_t shorter[137];
    rvf_shake256("abc", 3, shorter, sizeof shorter);
    CHECK_MEM(shorter, one, sizeof shorter);
}

static void test_shake_incremental_splits(void)
{
    uint8_t msg[300], want[64], got[64];
    fill_pattern(msg, sizeof msg);
    rvf_shake256(msg, sizeof msg, want, sizeof want);
    int bad = 0;
    for (size_t i = 0; i <= sizeof msg; i++) {
        rvf_shake256_ctx s;
        rvf_shake256_init(&s);
        rvf_shake256_update(&s, msg, i);
        rvf_shake256_update(&s, msg + i, sizeof msg - i);
        rvf_shake256_squeeze(&s, got, sizeof got);
        bad += memcmp(got, want, sizeof got) != 0;
        /* Three pieces: i, then 136 (a whole block from an unaligned position), then the rest. */
        size_t j = i + 136 < sizeof msg ? i + 136 : sizeof msg;
        rvf_shake256_init(&s);
        rvf_shake256_update(&s, msg, i);
        rvf_shake256_update(&s, msg + i, j - i);
        rvf_shake256_update(&s, msg + j, sizeof msg - j);
        rvf_shake256_squeeze(&s, got, sizeof got);
        bad += memcmp(got, want, sizeof got) != 0;
    }
    CHECK_EQ_INT(bad, 0);
}

/* Once squeezing, update is refused so the stream already handed out stays consistent. */
static void test_shake_update_after_squeeze(void)
{
    uint8_t want[40], got[40];
    rvf_shake256("abc", 3, want, sizeof want);
    rvf_shake256_ctx s;
    rvf_shake256_init(&s);
    rvf_shake256_update(&s, "abc", 3);
    rvf_shake256_squeeze(&s, got, 8);
    rvf_shake256_update(&s, "more", 4);
    rvf_shake256_squeeze(&s, got + 8, 32);
    CHECK_MEM(got, want, sizeof want);
}

static void test_content_hash(void)
{
    uint8_t payload[1000], out[16], want[16];
    fill_pattern(payload, sizeof payload);
    rvf_shake256(payload, sizeof payload, want, 16);
    rvf_content_hash(RVF_HASH_SHAKE256, payload, sizeof payload, out);
    CHECK_MEM(out, want, 16);
    rvf_xxh3_128(payload, sizeof payload, want);
    static const uint8_t xxh_algos[] = {0, RVF_HASH_XXH3_128, 3, 4, 0xFF};
    for (size_t i = 0; i < sizeof xxh_algos; i++) {
        memset(out, 0, sizeof out);
        rvf_content_hash(xxh_algos[i], payload, sizeof payload, out);
        CHECK_MEM(out, want, 16);
    }
    rvf_content_hash(2, "abc", 3, out);
    CHECK_HEX(out, "483366601360a8771c6863080cc4114d");
    rvf_content_hash(1, "abc", 3, out);
    CHECK_HEX(out, "50392f89945faf7885613a73b65ab006");
}

static void test_ct_equal(void)
{
    uint8_t a[48], b[48];
    fill_pattern(a, sizeof a);
    memcpy(b, a, sizeof a);
    CHECK(rvf_ct_equal(a, b, sizeof a));
    CHECK(rvf_ct_equal(a, b, 0));
    int missed = 0;
    for (size_t i = 0; i < sizeof a; i++)
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            missed += rvf_ct_equal(a, b, sizeof a);
            b[i] ^= (uint8_t)(1u << bit);
        }
    CHECK_EQ_INT(missed, 0);
    b[47] ^= 1;
    CHECK(rvf_ct_equal(a, b, 47));
}

int main(void)
{
    RVF_TEST_RUN(test_xxh3_vectors);
    RVF_TEST_RUN(test_shake_spec_vectors);
    RVF_TEST_RUN(test_shake_nist_a3);
    RVF_TEST_RUN(test_shake_block_boundaries);
    RVF_TEST_RUN(test_shake_long_output);
    RVF_TEST_RUN(test_shake_incremental_splits);
    RVF_TEST_RUN(test_shake_update_after_squeeze);
    RVF_TEST_RUN(test_content_hash);
    RVF_TEST_RUN(test_ct_equal);
    return rvf_test_finish();
}
