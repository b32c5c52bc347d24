/* test_kernel_scalar.c: known-answer tests of the scalar kernel (the reference every variant is
 * checked against). Vectors come from RVF-BRIEF §3.5, §8.1, §8.2 and §11.3, or are worked by hand
 * in the comments. */
#include "rvf_kernel.h"
#include "rvf_test.h"

static void test_status(void)
{
    CHECK_EQ_INT(RVF_OK, 0);
    CHECK_EQ_INT(RVF_ERR_INVALID_MAGIC, -0x0100);
    CHECK_EQ_INT(RVF_ERR_DIMENSION_MISMATCH, -0x0200);
    CHECK_EQ_INT(RVF_ERR_K_TOO_LARGE, -0x0204);
    CHECK_EQ_INT(RVF_ERR_TILE_UNSUPPORTED_OP, -0x0404);
    CHECK(strcmp(rvf_status_name(RVF_ERR_DIMENSION_MISMATCH), "DIMENSION_MISMATCH") == 0);
    CHECK(strcmp(rvf_strerror(RVF_ERR_DIMENSION_MISMATCH), "dimension mismatch") == 0);
    CHECK(strcmp(rvf_strerror(-0x7777), "unknown status") == 0);
    CHECK(rvf_status_name(-0x7777) == NULL);
}

static void test_crc32c(void)
{
    CHECK_EQ_U64(rvfk_crc32c("123456789", 9), 0xE3069283u);
    CHECK_EQ_U64(rvfk_crc32c("", 0), 0);
    CHECK_EQ_U64(rvfk_crc32c("abc", 3), 0x364B3FB7u);
    /* incremental == one shot, at every split point */
    const char *s = "The quick brown fox jumps over the lazy dog";
    size_t n = strlen(s);
    uint32_t whole = rvfk_crc32c(s, n);
    CHECK_EQ_U64(whole, 0x22620404u);
    for (size_t cut = 0; cut <= n; cut++)
        CHECK_EQ_U64(rvfk_crc32c_update(rvfk_crc32c(s, cut), s + cut, n - cut), whole);
    /* 32 zero bytes: iSCSI test vector (RFC 3720 B.4) */
    uint8_t z[32] = {0};
    CHECK_EQ_U64(rvfk_crc32c(z, 32), 0x8A9136AAu);
    uint8_t f[32];
    memset(f, 0xFF, 32);
    CHECK_EQ_U64(rvfk_crc32c(f, 32), 0x62A8AB43u);
    uint8_t inc[32];
    for (int i = 0; i < 32; i++)
        inc[i] = (uint8_t)i;
    CHECK_EQ_U64(rvfk_crc32c(inc, 32), 0x46DD794Eu);
}

static void test_f16(void)
{
    struct {
        uint16_t h;
        float f;
    } kat[] = {
        {0x0000, 0.0f},
        {0x8000, -0.0f},
        {0x3C00, 1.0f},
        {0xBC00, -1.0f},
        {0x4000, 2.0f},
        {0x3555, 0.333251953125f},
        {0x7BFF, 65504.0f},
        {0x0400, 6.103515625e-05f},
        {0x0001, 5.9604644775390625e-08f},
        {0x03FF, 6.097555160522461e-05f},
        {0x8001, -5.9604644775390625e-08f},
        {0x7C00, INFINITY},
        {0xFC00, -INFINITY},
    };
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        CHECK_EQ_BITS(rvfk_f16_to_f32(kat[i].h), kat[i].f);
        CHECK_EQ_U64(rvfk_f32_to_f16(kat[i].f), kat[i].h);
        CHECK_EQ_U64(rvfk_f32_to_f16_trunc(kat[i].f), kat[i].h);
    }
    /* NaN: payload moves to the top of the mantissa, stays NaN both ways */
    CHECK_EQ_U64(rvfk_f32_bits(rvfk_f16_to_f32(0x7E00)), 0x7FC00000u);
    CHECK_EQ_U64(rvfk_f32_bits(rvfk_f16_to_f32(0x7C01)), 0x7F802000u);
    CHECK_EQ_U64(rvfk_f32_to_f16(rvfk_bits_f32(0x7FC00000u)), 0x7E00);
    CHECK_EQ_U64(rvfk_f32_to_f16_trunc(rvfk_bits_f32(0x7FC00000u)), 0x7E00);
    CHECK_EQ_U64(rvfk_f32_to_f16_trunc(rvfk_bits_f32(0x7F800001u)), 0x7E00);
    /* rounding: 1 + 2^-11 is a tie -> even (1.0); 1 + 3*2^-11 -> up; truncation always down */
    CHECK_EQ_U64(rvfk_f32_to_f16(1.00048828125f), 0x3C00);
    CHECK_EQ_U64(rvfk_f32_to_f16(1.00146484375f), 0x3C02);
    CHECK_EQ_U64(rvfk_f32_to_f16_trunc(1.00146484375f), 0x3C01);
    CHECK_EQ_U64(rvfk_f32_to_f16(65520.0f), 0x7C00);       /* rounds to infinity */
    CHECK_EQ_U64(rvfk_f32_to_f16_trunc(65520.0f), 0x7BFF); /* truncates to max */
    CHECK_EQ_U64(rvfk_f32_to_f16(1e-8f), 0x0000);
    CHECK_EQ_U64(rvfk_f32_to_f16(3e-8f), 0x0001); /* > half of the smallest subnormal */
    CHECK_EQ_U64(rvfk_f32_to_f16_trunc(3e-8f), 0x0000);
    /* every f16 round-trips exactly through f32 (both conversions) */
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = rvfk_f16_to_f32((uint16_t)h);
        if (f != f)
            continue;
        if (rvfk_f32_to_f16(f) != h || rvfk_f32_to_f16_trunc(f) != h) {
            CHECK_EQ_U64(rvfk_f32_to_f16(f), h);
            break;
        }
    }
    /* bf16 */
    CHECK_EQ_BITS(rvfk_bf16_to_f32(0x3F80), 1.0f);
    CHECK_EQ_U64(rvfk_f32_to_bf16(1.0f), 0x3F80);
    CHECK_EQ_U64(rvfk_f32_to_bf16(rvfk_bits_f32(0x3F808000u)), 0x3F80); /* tie -> even */
    CHECK_EQ_U64(rvfk_f32_to_bf16(rvfk_bits_f32(0x3F818000u)), 0x3F82); /* tie -> even (up) */
    CHECK_EQ_U64(rvfk_f32_to_bf16(rvfk_bits_f32(0x7F800001u)) & 0x7FC0, 0x7FC0);
    uint16_t h4[4] = {0x3C00, 0x4000, 0xC200, 0x0000};
    float f4[4];
    rvfk_f16_to_f32_n(h4, f4, 4);
    CHECK_EQ_BITS(f4[2], -3.0f);
    uint16_t back[4];
    rvfk_f32_to_f16_n(f4, back, 4);
    CHECK_MEM(back, h4, sizeof h4);
}

static void test_distances(void)
{
    const float a[4] = {1, 2, 3, 4}, b[4] = {4, 3, 2, 1};
    CHECK_EQ_BITS(rvfk_dist_f32(RVF_METRIC_L2, a, b, 4), 20.0f);  /* 9+1+1+9 */
    CHECK_EQ_BITS(rvfk_dist_f32(RVF_METRIC_IP, a, b, 4), -20.0f); /* 4+6+6+4 */
    /* cosine: 1 - 20/sqrt(30*30) = 1/3 */
    CHECK_EQ_BITS(rvfk_dist_f32(RVF_METRIC_COSINE, a, b, 4), 1.0f - 20.0f / 30.0f);
    const float z[4] = {0, 0, 0, 0};
    CHECK_EQ_BITS(rvfk_dist_f32(RVF_METRIC_COSINE, a, z, 4), 1.0f); /* zero-norm rule */
    const float tiny[1] = {1e-20f};
    CHECK_EQ_BITS(rvfk_dist_f32(RVF_METRIC_COSINE, tiny, tiny, 1), 1.0f); /* root < FLT_EPSILON */
    CHECK_EQ_BITS(rvfk_dist_f32(RVF_METRIC_COSINE, a, a, 4), 0.0f);
    /* Hamming over raw bytes: 1.0f = 0x3F800000 vs 2.0f = 0x40000000 differ in 8 bits */
    const float one = 1.0f, two = 2.0f;
    CHECK_EQ_BITS(rvfk_dist_f32(RVF_METRIC_HAMMING, &one, &two, 1), 8.0f);
    CHECK(isnan(rvfk_dist_f32((rvf_metric)7, a, b, 4)));
    /* f16 stored side */
    uint16_t bh[4] = {0x4400, 0x4200, 0x4000, 0x3C00}; /* 4 3 2 1 */
    CHECK_EQ_BITS(rvfk_dist_f32_f16(RVF_METRIC_L2, a, bh, 4), 20.0f);
    CHECK_EQ_BITS(rvfk_dist_f32_f16(RVF_METRIC_IP, a, bh, 4), -20.0f);
    uint16_t ah[4] = {0x3C00, 0x4000, 0x4200, 0x4400};
    CHECK_EQ_BITS(rvfk_dist_f16(RVF_METRIC_L2, ah, bh, 4), 20.0f);
    CHECK_EQ_BITS(rvfk_dist_f16(RVF_METRIC_HAMMING, ah, ah, 4), 0.0f);
    uint16_t bb[4] = {0x4080, 0x4040, 0x4000, 0x3F80}; /* bf16 4 3 2 1 */
    CHECK_EQ_BITS(rvfk_dist_f32_bf16(RVF_METRIC_L2, a, bb, 4), 20.0f);
    /* sequential accumulation: the order is observable with values of mixed magnitude */
    const float big[3] = {1e8f, 1.0f, -1e8f}, zero3[3] = {0, 0, 0};
    float seq = 0.0f;
    for (int i = 0; i < 3; i++)
        seq += big[i] * 1.0f;
    const float ones[3] = {1, 1, 1};
    CHECK_EQ_BITS(rvfk_dist_f32(RVF_METRIC_IP, big, ones, 3), -seq);
    (void)zero3;
    uint8_t x[9] = {0xFF, 0, 0xF0, 1, 2, 3, 4, 5, 0x80}, y[9] = {0, 0, 0x0F, 1, 2, 3, 4, 5, 0};
    CHECK_EQ_INT(rvfk_hamming(x, y, 9), 8 + 8 + 1);
}

static void test_sq8(void)
{
    float mn[3] = {0.0f, -1.0f, 10.0f}, mx[3] = {1.0f, 1.0f, 20.0f};
    float v[3] = {0.5f, 1.0f, 9.0f};
    uint8_t c[3];
    rvfk_sq8_encode(v, mn, mx, 3, c);
    CHECK_EQ_INT(c[0], 128); /* 127.5 rounds half away from zero */
    CHECK_EQ_INT(c[1], 255);
    CHECK_EQ_INT(c[2], 0); /* clamped */
    float d[3];
    rvfk_sq8_decode(c, mn, mx, 3, d);
    CHECK_EQ_BITS(d[0], 128.0f / 255.0f * 1.0f + 0.0f);
    CHECK_EQ_BITS(d[1], 1.0f);
    CHECK_EQ_BITS(d[2], 10.0f);
    float q[3] = {0, 0, 0};
    float want = d[0] * d[0] + d[1] * d[1];
    want += d[2] * d[2];
    CHECK_EQ_BITS(rvfk_dist_f32_sq8(RVF_METRIC_L2, q, c, mn, mx, 3), want);
    /* reconstruction error is at most half a step of each dimension's range */
    rvf_test_rng r = {42};
    for (int i = 0; i < 1000; i++) {
        float x = rvf_test_unit(&r) * 10.0f + 15.0f, dec;
        uint8_t code;
        rvfk_sq8_encode(&x, &mn[2], &mx[2], 1, &code);
        rvfk_sq8_decode(&code, &mn[2], &mx[2], 1, &dec);
        float clamped = x < 10 ? 10 : x > 20 ? 20 : x;
        CHECK_NEAR(dec, clamped, 10.0 / 255.0 / 2 + 1e-5, 0);
    }
}

static void test_pq(void)
{
    /* m = 2 subspaces of sub_dim 2, k = 3 centroids */
    const float cb[2 * 3 * 2] = {0, 0, 1, 0, 0, 1, /* s0 */ 5, 5, 6, 6, 7, 7 /* s1 */};
    const float q[4] = {1, 1, 6, 5};
    float table[6];
    CHECK_EQ_INT(rvfk_pq_table(RVF_METRIC_L2, q, cb, 2, 3, 2, table, 6), 6);
    const float want[6] = {2, 1, 1, 1, 1, 5};
    for (int i = 0; i < 6; i++)
        CHECK_EQ_BITS(table[i], want[i]);
    const uint8_t codes[2] = {1, 2};
    CHECK_EQ_BITS(rvfk_pq_adc(table, codes, 2, 3), 6.0f);
    const uint8_t bad[2] = {3, 0}; /* code >= k adds 0 */
    CHECK_EQ_BITS(rvfk_pq_adc(table, bad, 2, 3), 1.0f);
    CHECK_EQ_INT(rvfk_pq_table(RVF_METRIC_L2, q, cb, 2, 3, 2, table, 5), RVF_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(rvfk_pq_table(RVF_METRIC_COSINE, q, cb, 2, 3, 2, table, 6),
                 RVF_ERR_METRIC_UNSUPPORTED);
    CHECK_EQ_INT(rvfk_pq_table(RVF_METRIC_L2, q, cb, 0, 3, 2, table, 6), RVF_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rvfk_pq_table(RVF_METRIC_IP, q, cb, 2, 3, 2, table, 6), 6);
    CHECK_EQ_BITS(table[0], -0.0f);
    CHECK_EQ_BITS(table[5], -(6 * 7.0f + 5 * 7.0f));
    /* ADC equals the brute-force distance to the reconstructed vector */
    float recon[4] = {cb[1 * 2], cb[1 * 2 + 1], cb[(3 + 2) * 2], cb[(3 + 2) * 2 + 1]};
    rvfk_pq_table(RVF_METRIC_L2, q, cb, 2, 3, 2, table, 6);
    CHECK_EQ_BITS(rvfk_pq_adc(table, codes, 2, 3), rvfk_dist_f32(RVF_METRIC_L2, q, recon, 4));
}

static void test_topk(void)
{
    rvfk_hit st[4], out[8];
    rvfk_topk t;
    rvfk_topk_init(&t, st, 4);
    CHECK_EQ_INT(rvfk_topk_read(&t, out, 8), 0);
    CHECK(isinf(rvfk_topk_bound(&t, 4)));
    const float d[] = {5, 1, 3, 1, NAN, 0.5f, 3, 9};
    const uint64_t ids[] = {10, 20, 30, 5, 40, 50, 2, 60};
    for (int i = 0; i < 8; i++)
        rvfk_topk_push(&t, ids[i], d[i]);
    uint32_t n = rvfk_topk_read(&t, out, 8);
    CHECK_EQ_INT(n, 4);
    /* ascending distance, ties by ascending id: (0.5,50) (1,5) (1,20) (3,2) */
    const uint64_t want_id[] = {50, 5, 20, 2};
    const float want_d[] = {0.5f, 1, 1, 3};
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ_U64(out[i].id, want_id[i]);
        CHECK_EQ_BITS(out[i].dist, want_d[i]);
    }
    CHECK_EQ_BITS(rvfk_topk_bound(&t, 4), 3.0f);
    /* reading is not destructive, and a smaller out_cap keeps the best */
    CHECK_EQ_INT(rvfk_topk_read(&t, out, 2), 2);
    CHECK_EQ_U64(out[0].id, 50);
    CHECK_EQ_U64(out[1].id, 5);
    /* a tie at the bound: the smaller id replaces the larger */
    CHECK(rvfk_topk_push(&t, 1, 3.0f));
    n = rvfk_topk_read(&t, out, 8);
    CHECK_EQ_U64(out[3].id, 1);
    CHECK(!rvfk_topk_push(&t, 3, 3.0f));
    /* smaller k does not shrink; k = 0 keeps nothing new */
    rvfk_topk_reset(&t);
    CHECK(!rvfk_topk_offer(&t, 0, 1, 1.0f));
    CHECK_EQ_INT(t.size, 0);
    rvfk_topk_offer(&t, 3, 1, 1.0f);
    rvfk_topk_offer(&t, 3, 2, 2.0f);
    rvfk_topk_offer(&t, 3, 3, 3.0f);
    CHECK(rvfk_topk_offer(&t, 1, 4, 0.1f));
    CHECK_EQ_INT(t.size, 3);
    /* randomized: agrees with a full sort */
    rvf_test_rng r = {7};
    rvfk_hit big[16];
    for (int round = 0; round < 50; round++) {
        rvfk_topk_init(&t, big, 16);
        float all[200];
        for (int i = 0; i < 200; i++) {
            all[i] = (float)(rvf_test_next(&r) % 50); /* many ties */
            rvfk_topk_push(&t, (uint64_t)i, all[i]);
        }
        rvfk_hit o[16];
        n = rvfk_topk_read(&t, o, 16);
        CHECK_EQ_INT(n, 16);
        /* reference: selection by (dist, id) */
        int used[200] = {0};
        for (uint32_t j = 0; j < 16; j++) {
            int best = -1;
            for (int i = 0; i < 200; i++)
                if (!used[i] && (best < 0 || all[i] < all[best]))
                    best = i;
            used[best] = 1;
            CHECK_EQ_U64(o[j].id, (uint64_t)best);
        }
    }
}

static void test_greedy(void)
{
    uint8_t list[4 + 12 * 4];
    rvfk_st_u32(list, 4);
    const uint64_t ids[4] = {7, 3, 9, 4};
    const float ds[4] = {0.5f, 0.25f, 0.25f, 1.0f};
    for (int i = 0; i < 4; i++) {
        rvfk_st_u64(list + 4 + 12 * i, ids[i]);
        rvfk_st_f32(list + 4 + 12 * i + 8, ds[i]);
    }
    CHECK_EQ_INT(rvfk_greedy_step(list, sizeof list, 100), 3); /* first of equal minima */
    CHECK_EQ_INT(rvfk_greedy_step(list, sizeof list, 3), 9);   /* current excluded */
    CHECK_EQ_INT(rvfk_greedy_step(list, 4 + 12, 7), -1);       /* only current left */
    CHECK_EQ_INT(rvfk_greedy_step(list, 3, 1), -1);
    rvfk_st_u32(list, 0);
    CHECK_EQ_INT(rvfk_greedy_step(list, sizeof list, 1), -1);
    rvfk_st_u32(list, 1000); /* count larger than the bytes: bounded by list_len */
    CHECK_EQ_INT(rvfk_greedy_step(list, sizeof list, 100), 3);
}

static void test_header(void)
{
    rvfk_seg_header h = {0};
    h.magic = RVF_SEGMENT_MAGIC;
    h.version = 1;
    h.seg_type = 0x05;
    h.flags = 0x0200;
    h.segment_id = 0x0102030405060708ull;
    h.payload_length = 100;
    h.checksum_algo = 1;
    h.alignment_pad = 28; /* 64 + 100 + 28 = 192 */
    for (int i = 0; i < 16; i++)
        h.content_hash[i] = (uint8_t)(0xA0 + i);
    uint8_t b[64];
    rvfk_seg_header_encode(&h, b);
    const uint8_t magic[4] = {0x53, 0x46, 0x56, 0x52}; /* "SFVR" */
    CHECK_MEM(b, magic, 4);
    CHECK_EQ_INT(b[0x05], 0x05);
    CHECK_EQ_INT(b[0x07], 0x02);
    CHECK_EQ_INT(b[0x08], 0x08);
    CHECK_EQ_INT(b[0x10], 100);
    CHECK_EQ_INT(b[0x20], 1);
    CHECK_EQ_INT(b[0x28], 0xA0);
    CHECK_EQ_INT(b[0x3C], 28);
    rvfk_seg_header d;
    rvfk_seg_header_decode(b, &d);
    CHECK_MEM(&d, &h, sizeof h);
    CHECK_EQ_INT(rvfk_seg_header_check(&d, 0), RVF_OK);
    CHECK_EQ_INT(rvfk_seg_span(&d, 0), 192);
    CHECK_EQ_INT(rvfk_verify_header(b), 0);
    d.alignment_pad = 27;
    CHECK_EQ_INT(rvfk_seg_header_check(&d, 0), RVF_ERR_ALIGNMENT_ERROR);
    d.alignment_pad = 28;
    d.payload_length = 1ull << 32;
    CHECK_EQ_INT(rvfk_seg_header_check(&d, 0), RVF_ERR_SEGMENT_TOO_LARGE);
    b[4] = 2;
    CHECK_EQ_INT(rvfk_verify_header(b), 2);
    rvfk_seg_header_decode(b, &d);
    CHECK_EQ_INT(rvfk_seg_header_check(&d, 0), RVF_ERR_INVALID_VERSION);
    b[0] = 0;
    CHECK_EQ_INT(rvfk_verify_header(b), 1);
    rvfk_seg_header_decode(b, &d);
    CHECK_EQ_INT(rvfk_seg_header_check(&d, 0), RVF_ERR_INVALID_MAGIC);
}

int main(void)
{
    RVF_TEST_RUN(test_status);
    RVF_TEST_RUN(test_crc32c);
    RVF_TEST_RUN(test_f16);
    RVF_TEST_RUN(test_distances);
    RVF_TEST_RUN(test_sq8);
    RVF_TEST_RUN(test_pq);
    RVF_TEST_RUN(test_topk);
    RVF_TEST_RUN(test_greedy);
    RVF_TEST_RUN(test_header);
    return rvf_test_finish();
}
