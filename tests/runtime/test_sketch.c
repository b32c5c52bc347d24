/* test_sketch.c: the count-min access sketch and the SKETCH_SEG codec (rvf_sketch.h): the hash
 * recomputed here from RVF-BRIEF §7.2 in its most literal form plus known answers, saturation,
 * aging at 65536, tier thresholds, byte layout, round trips, every rejection, truncation at
 * every byte and header bit flips (run under ASan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_sketch.h"
#include "rvf_test.h"

/* §7.2, written out again: h = 0xcbf29ce484222325 ^ SEED[r % 8]; for each of the 8 bytes of
 * u64_le(block_id): h ^= byte; h *= 0x100000001b3 (mod 2^64); index = h % width. */
static uint32_t literal_index(uint32_t r, uint64_t block_id, uint32_t width)
{
    const uint64_t seeds[8] = {0x517cc1b727220a95ULL, 0x6c62272e07bb0142ULL, 0x44c6b90e0f294e41ULL,
                               0x3b9f7a3e2d8f1c5bULL, 0x7e4a1b3c5d6f8a9eULL, 0x1a2b3c4d5e6f7089ULL,
                               0x9f8e7d6c5b4a3210ULL, 0xdeadbeefcafebabeULL};
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(block_id >> (8 * i));
    uint64_t h = 0xcbf29ce484222325ULL ^ seeds[r % 8];
    for (int i = 0; i < 8; i++) {
        h = h ^ bytes[i];
        h = h * 0x100000001b3ULL;
    }
    return (uint32_t)(h % width);
}

static void test_hash(void)
{
    /* Known answers (computed with Python's arbitrary-precision integers). */
    CHECK_EQ_INT(rvf_sketch_index(0, 0, 1024), 944);
    CHECK_EQ_INT(rvf_sketch_index(1, 0, 1024), 327);
    CHECK_EQ_INT(rvf_sketch_index(2, 0, 1024), 484);
    CHECK_EQ_INT(rvf_sketch_index(3, 0, 1024), 830);
    CHECK_EQ_INT(rvf_sketch_index(0, 1, 1024), 465);
    CHECK_EQ_INT(rvf_sketch_index(3, 1, 1024), 351);
    CHECK_EQ_INT(rvf_sketch_index(0, 1024, 1024), 796);
    CHECK_EQ_INT(rvf_sketch_index(2, 0xdeadbeef, 1024), 458);
    CHECK_EQ_INT(rvf_sketch_index(7, 0xdeadbeef, 1u << 20), 537933);
    CHECK_EQ_INT(rvf_sketch_index(8, 0xdeadbeef, 1u << 20), 713366); /* row 8 uses SEED[0] */
    CHECK_EQ_INT(rvf_sketch_index(8, 0xdeadbeef, 1u << 20),
                 rvf_sketch_index(0, 0xdeadbeef, 1u << 20));
    const uint64_t ids[] = {0,          1,
                            2,          255,
                            256,        1023,
                            1024,       65535,
                            0xdeadbeef, 123456789012345ULL,
                            1ULL << 32, 1ULL << 63,
                            UINT64_MAX, (7ULL << 32) | 5};
    const uint32_t widths[] = {1, 2, 1024, 4096, 1u << 20, 1u << 31};
    int bad = 0;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
            for (uint32_t r = 0; r < 17; r++)
                bad +=
                    rvf_sketch_index(r, ids[i], widths[w]) != literal_index(r, ids[i], widths[w]);
    CHECK_EQ_INT(bad, 0);
}

static void test_counts(void)
{
    rvf_sketch s;
    CHECK_EQ_INT(rvf_sketch_init(&s, RVF_SKETCH_WIDTH, RVF_SKETCH_DEPTH), RVF_OK);
    if (!s.counters)
        return;
    CHECK(s.width == 1024 && s.depth == 4 && s.total_accesses == 0);
    for (int i = 0; i < 3; i++)
        rvf_sketch_add(&s, 5);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, 5), 3);
    CHECK_EQ_U64(s.total_accesses, 3);
    for (uint32_t r = 0; r < 4; r++)
        CHECK_EQ_INT(s.counters[r * 1024 + literal_index(r, 5, 1024)], 3);
    int nonzero = 0;
    for (int i = 0; i < 4096; i++)
        nonzero += s.counters[i] != 0;
    CHECK_EQ_INT(nonzero, 4); /* block 5's four cells, nothing else */
    CHECK_EQ_INT(rvf_sketch_estimate(&s, 6), 0);
    /* Estimate = min over rows: raise one row's cell of block 9 by hand. */
    s.counters[2 * 1024 + literal_index(2, 9, 1024)] = 200;
    CHECK_EQ_INT(rvf_sketch_estimate(&s, 9), 0);
    for (uint32_t r = 0; r < 4; r++)
        s.counters[r * 1024 + literal_index(r, 9, 1024)] = (uint8_t)(50 + r);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, 9), 50);
    rvf_sketch_free(&s);
    CHECK(s.counters == NULL && s.width == 0);
    rvf_sketch_free(&s);
    rvf_sketch_free(NULL);
}

static void test_saturation_and_aging(void)
{
    rvf_sketch s;
    CHECK_EQ_INT(rvf_sketch_init(&s, 1024, 4), RVF_OK);
    if (!s.counters)
        return;
    /* Block b shares no cell with block a (checked, so the expectations below are exact). */
    const uint64_t a = 42, b = 77;
    for (uint32_t r = 0; r < 4; r++)
        CHECK(literal_index(r, a, 1024) != literal_index(r, b, 1024));
    for (int i = 0; i < 10; i++)
        rvf_sketch_add(&s, b);
    for (int i = 0; i < 300; i++)
        rvf_sketch_add(&s, a);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, a), 255); /* saturated */
    CHECK_EQ_INT(rvf_sketch_estimate(&s, b), 10);
    /* Up to access 65535 no aging. */
    while (s.total_accesses < 65535)
        rvf_sketch_add(&s, a);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, a), 255);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, b), 10);
    /* The 65536th access is counted (saturated: still 255), then every counter is halved. */
    rvf_sketch_add(&s, b);
    CHECK_EQ_U64(s.total_accesses, 65536);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, a), 127);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, b), 5); /* (10 + 1) >> 1 */
    for (uint32_t r = 0; r < 4; r++)
        CHECK_EQ_INT(s.counters[r * 1024 + literal_index(r, a, 1024)], 127);
    /* Next aging at 131072. */
    for (int i = 0; i < 65535; i++)
        rvf_sketch_add(&s, 1000 + (uint64_t)(i % 3));
    CHECK_EQ_INT(rvf_sketch_estimate(&s, a), 127);
    rvf_sketch_add(&s, a);
    CHECK_EQ_U64(s.total_accesses, 131072);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, a), 64); /* (127 + 1) >> 1 */
    CHECK_EQ_INT(rvf_sketch_estimate(&s, b), 2);
    /* rvf_sketch_age alone */
    rvf_sketch_age(&s);
    CHECK_EQ_INT(rvf_sketch_estimate(&s, a), 32);
    CHECK_EQ_U64(s.total_accesses, 131072);
    rvf_sketch_free(&s);
}

static void test_tiers(void)
{
    CHECK_EQ_INT(rvf_sketch_tier(255), 0);
    CHECK_EQ_INT(rvf_sketch_tier(129), 0);
    CHECK_EQ_INT(rvf_sketch_tier(128), 1);
    CHECK_EQ_INT(rvf_sketch_tier(17), 1);
    CHECK_EQ_INT(rvf_sketch_tier(16), 2);
    CHECK_EQ_INT(rvf_sketch_tier(1), 2);
    CHECK_EQ_INT(rvf_sketch_tier(0), 2);
    /* Through the sketch: 129 accesses make a block hot, 17 warm, 16 cold. */
    rvf_sketch s;
    CHECK_EQ_INT(rvf_sketch_init(&s, 64, 3), RVF_OK);
    if (!s.counters)
        return;
    const int n[3] = {129, 17, 16};
    for (int t = 0; t < 3; t++) {
        memset(s.counters, 0, 64 * 3);
        for (int i = 0; i < n[t]; i++)
            rvf_sketch_add(&s, 3);
        CHECK_EQ_INT(rvf_sketch_tier(rvf_sketch_estimate(&s, 3)), t == 2 ? 2 : t);
    }
    rvf_sketch_free(&s);
}

static void test_init_args(void)
{
    rvf_sketch s;
    CHECK_EQ_INT(rvf_sketch_init(&s, 0, 4), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sketch_init(&s, 1000, 4), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sketch_init(&s, 1024, 0), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sketch_init(&s, 3, 1), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sketch_init(NULL, 1024, 4), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sketch_init(&s, 1, 1), RVF_OK);
    if (s.counters) {
        rvf_sketch_add(&s, 12345);
        rvf_sketch_add(&s, 999);
        CHECK_EQ_INT(rvf_sketch_estimate(&s, 0), 2); /* width 1: one cell for everything */
    }
    rvf_sketch_free(&s);
}

/* ---- SKETCH_SEG ----------------------------------------------------------------------------- */

static rvf_buf seg; /* 64 x 3 sketch with some counts */

static void test_codec(void)
{
    rvf_sketch s;
    CHECK_EQ_INT(rvf_sketch_init(&s, 64, 3), RVF_OK);
    if (!s.counters)
        return;
    for (uint64_t i = 0; i < 500; i++)
        rvf_sketch_add(&s, i * i % 37);
    s.total_accesses = 0x0102030405060708ULL; /* any value is stored as is */
    rvf_buf_init(&seg);
    rvf_buf_u8(&seg, 0xAB); /* encoders append */
    CHECK_EQ_INT(rvf_sketchseg_encode(&seg, &s), RVF_OK);
    CHECK_EQ_INT(seg.len, 1 + 64 + 64 * 3);
    const uint8_t *p = seg.data + 1;
    const uint8_t hdr[16] = {64, 0, 0, 0, 3, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
    CHECK_MEM(p, hdr, 16);
    static const uint8_t zero[48];
    CHECK_MEM(p + 16, zero, 48);
    CHECK_MEM(p + 64, s.counters, 64 * 3); /* row-major */
    CHECK_EQ_INT(p[64 + 2 * 64 + literal_index(2, 5, 64)],
                 s.counters[2 * 64 + literal_index(2, 5, 64)]);
    rvf_sketch d;
    CHECK_EQ_INT(rvf_sketchseg_decode(p, seg.len - 1, &d), RVF_OK);
    CHECK(d.width == 64 && d.depth == 3 && d.total_accesses == s.total_accesses);
    if (d.counters) {
        CHECK_MEM(d.counters, s.counters, 64 * 3);
        for (uint64_t b = 0; b < 40; b++)
            CHECK_EQ_INT(rvf_sketch_estimate(&d, b), rvf_sketch_estimate(&s, b));
    }
    rvf_buf re;
    rvf_buf_init(&re);
    CHECK_EQ_INT(rvf_sketchseg_encode(&re, &d), RVF_OK);
    CHECK_EQ_INT(re.len, seg.len - 1);
    CHECK_MEM(re.data, p, re.len);
    rvf_buf_free(&re);
    rvf_sketch_free(&d);
    rvf_sketch_free(&s);
    /* memmove the payload to the front so later tests use seg.data directly */
    memmove(seg.data, seg.data + 1, seg.len - 1);
    seg.len--;

    /* the default 1024 x 4 sketch: 4160 bytes */
    rvf_sketch big;
    CHECK_EQ_INT(rvf_sketch_init(&big, 1024, 4), RVF_OK);
    rvf_buf b;
    rvf_buf_init(&b);
    CHECK_EQ_INT(rvf_sketchseg_encode(&b, &big), RVF_OK);
    CHECK_EQ_INT(b.len, 4160);
    CHECK_EQ_INT(rvf_sketchseg_decode(b.data, b.len, &d), RVF_OK);
    rvf_sketch_free(&d);
    rvf_buf_free(&b);
    rvf_sketch_free(&big);
}

static rvf_status dec(const uint8_t *p, size_t len)
{
    rvf_sketch s;
    rvf_status st = rvf_sketchseg_decode(p, len, &s);
    if (st != RVF_OK && (s.counters || s.width || s.depth || s.total_accesses))
        return 12345; /* *out must be zeroed on failure */
    rvf_sketch_free(&s);
    return st;
}

static void test_codec_rejects(void)
{
    if (seg.len != 64 + 192)
        return;
    uint8_t tmp[64 + 192 + 1];
    CHECK_EQ_INT(rvf_sketchseg_decode(seg.data, seg.len, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(dec(NULL, 64), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(dec(NULL, 0), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(dec(seg.data, 63), RVF_ERR_TRUNCATED_SEGMENT);
    CHECK_EQ_INT(dec(seg.data, seg.len - 1), RVF_ERR_TRUNCATED_SEGMENT);
    memcpy(tmp, seg.data, seg.len);
    tmp[seg.len] = 0;
    CHECK_EQ_INT(dec(tmp, seg.len + 1), RVF_ERR_INVALID_MANIFEST); /* no trailing bytes */
    const uint32_t bad_w[] = {0, 3, 63, 65, 96, 0xFFFFFFFF};
    for (size_t i = 0; i < sizeof bad_w / sizeof bad_w[0]; i++) {
        memcpy(tmp, seg.data, seg.len);
        rvfk_st_u32(tmp, bad_w[i]);
        CHECK_EQ_INT(dec(tmp, seg.len), RVF_ERR_INVALID_MANIFEST);
    }
    memcpy(tmp, seg.data, seg.len);
    rvfk_st_u32(tmp + 4, 0);
    CHECK_EQ_INT(dec(tmp, seg.len), RVF_ERR_INVALID_MANIFEST);
    /* Other valid shapes: width 32 x depth 6 has the same 192 counters; 128 x 3 runs past. */
    memcpy(tmp, seg.data, seg.len);
    rvfk_st_u32(tmp, 32);
    rvfk_st_u32(tmp + 4, 6);
    CHECK_EQ_INT(dec(tmp, seg.len), RVF_OK);
    rvfk_st_u32(tmp, 128);
    rvfk_st_u32(tmp + 4, 3);
    CHECK_EQ_INT(dec(tmp, seg.len), RVF_ERR_TRUNCATED_SEGMENT);
    rvfk_st_u32(tmp, 1u << 31);
    rvfk_st_u32(tmp + 4, 0xFFFFFFFF); /* 2^63 counters: no overflow, just truncated */
    CHECK_EQ_INT(dec(tmp, seg.len), RVF_ERR_TRUNCATED_SEGMENT);
    /* Reserved header bytes are ignored. */
    memcpy(tmp, seg.data, seg.len);
    memset(tmp + 16, 0x5A, 48);
    CHECK_EQ_INT(dec(tmp, seg.len), RVF_OK);

    /* The encoder refuses a sketch the decoder would reject. */
    uint8_t cells[12] = {0};
    const rvf_sketch bad[] = {{.width = 0, .depth = 1, .counters = cells},
                              {.width = 3, .depth = 4, .counters = cells},
                              {.width = 4, .depth = 0, .counters = cells},
                              {.width = 4, .depth = 3, .counters = NULL}};
    rvf_buf b;
    rvf_buf_init(&b);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(rvf_sketchseg_encode(&b, &bad[i]), RVF_ERR_INVALID_ARGUMENT);
        CHECK_EQ_INT(b.len, 0);
    }
    const rvf_sketch ok = {.width = 4, .depth = 3, .total_accesses = 9, .counters = cells};
    CHECK_EQ_INT(rvf_sketchseg_encode(NULL, &ok), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sketchseg_encode(&b, NULL), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvf_sketchseg_encode(&b, &ok), RVF_OK);
    CHECK_EQ_INT(b.len, 64 + 12);
    rvf_buf_free(&b);
}

static void test_truncation_flips(void)
{
    if (!seg.len)
        return;
    int bad = 0, accepted = 0;
    for (size_t len = 0; len < seg.len; len++) {
        uint8_t *cut = malloc(len ? len : 1); /* exactly len bytes, so ASan sees overreads */
        if (!cut)
            continue;
        memcpy(cut, seg.data, len);
        bad += dec(cut, len) != RVF_ERR_TRUNCATED_SEGMENT;
        free(cut);
    }
    uint8_t *tmp = malloc(seg.len);
    if (!tmp)
        return;
    int changes = 0;
    for (size_t at = 0; at < 64; at++)
        for (int v = 0; v < 14; v++) {
            /* the 8 single-bit flips, then whole-byte replacements */
            const uint8_t o = seg.data[at];
            const uint8_t repl[6] = {0x00, 0xFF, (uint8_t)~o, (uint8_t)(o + 1), (uint8_t)(o - 1),
                                     0x80};
            memcpy(tmp, seg.data, seg.len);
            tmp[at] = v < 8 ? (uint8_t)(o ^ (1u << v)) : repl[v - 8];
            if (tmp[at] == o)
                continue;
            changes++;
            const int in_shape = at < 8;
            rvf_sketch s;
            rvf_status st = rvf_sketchseg_decode(tmp, seg.len, &s);
            if (st == RVF_OK) {
                accepted++;
                bad += in_shape; /* width 64, depth 3: every other value is rejected */
                bad += (size_t)s.width * s.depth != 192;
                for (uint64_t b = 0; b < 100; b++)
                    (void)rvf_sketch_estimate(&s, b);
                rvf_sketch_add(&s, 7);
                rvf_sketch_free(&s);
            } else {
                bad += st != RVF_ERR_TRUNCATED_SEGMENT && st != RVF_ERR_INVALID_MANIFEST;
            }
        }
    free(tmp);
    printf("  %d header byte changes: %d accepted (total_accesses, reserved bytes)\n", changes,
           accepted);
    CHECK(accepted > 0);
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    RVF_TEST_RUN(test_hash);
    RVF_TEST_RUN(test_counts);
    RVF_TEST_RUN(test_saturation_and_aging);
    RVF_TEST_RUN(test_tiers);
    RVF_TEST_RUN(test_init_args);
    RVF_TEST_RUN(test_codec);
    RVF_TEST_RUN(test_codec_rejects);
    RVF_TEST_RUN(test_truncation_flips);
    rvf_buf_free(&seg);
    return rvf_test_finish();
}
