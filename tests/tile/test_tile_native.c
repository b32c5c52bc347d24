/* test_tile_native.c: known-answer tests of the 14 tile exports (kernel/tile/rvf_tile.c built
 * natively), one group per export, every Fix of kernel/ABI.md and the extended mode.
 *
 * Addresses are offsets into `mem`, bound with rvf_tile_bind_memory() as the module's linear
 * memory would be. Small cases are worked by hand in the comments; the larger ones are checked
 * against `oracle_*` below, a plain scalar transcription of RVF-BRIEF §11.3 (sequential f32 sums
 * from dimension 0, the reference's sqrt_approx and dequantisation order), written apart from the
 * SIMD code under test. */
#include <setjmp.h>

#include "rvf_kernel.h"
#include "rvf_test.h"
#include "rvf_tile_abi.h"

#define MEM_SIZE (1u << 20)
static uint8_t mem[MEM_SIZE];
static const uint8_t *data_region, *scratch;

/* host addresses used by the tests */
enum {
    A_CFG = 0x100,
    A_Q = 0x1000,
    A_BLK = 0x2000,
    A_OUT = 0x20000,
    A_IDS = 0x30000,
    A_SQ = 0x40000,
    A_CB = 0x50000,
    A_CODES = 0x60000,
    A_LIST = 0x70000
};

static void reset(void)
{
    memset(mem, 0, sizeof mem);
    rvf_tile_reset();
}

static void put_u16s(uint32_t addr, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rvfk_st_u16(mem + addr + 2 * i, v[i]);
}
static void put_f32s(uint32_t addr, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rvfk_st_f32(mem + addr + 4 * i, v[i]);
}
static float out_f32(size_t i)
{
    return rvfk_ld_f32(mem + A_OUT + 4 * i);
}
static void config(uint32_t dim, uint32_t count, uint32_t dtype)
{
    uint8_t *c = mem + A_CFG;
    memset(c, 0, 64);
    rvfk_st_u32(c + RVF_TILE_CFG_DIM, dim);
    rvfk_st_u32(c + RVF_TILE_CFG_COUNT, count);
    rvfk_st_u32(c + RVF_TILE_CFG_DTYPE, dtype);
}

/* ---- the oracle: RVF-BRIEF §11.3 transcribed one element at a time ---- */
static float sqrt_approx(float x)
{
    if (x <= 0.0f)
        return 0.0f;
    float y = rvfk_bits_f32(0x1FBD1DF5u + (rvfk_f32_bits(x) >> 1));
    y = (x / y + y) * 0.5f;
    y = (x / y + y) * 0.5f;
    return y;
}

/* element d of a row as f32: fp16, i8 (dequantised when d < sq_dim, else the code), f32 */
static float oracle_elem(int dtype, const uint8_t *row, uint32_t d, const uint8_t *sq,
                         uint32_t sq_dim)
{
    if (dtype == RVF_TILE_DTYPE_F16)
        return rvfk_f16_to_f32(rvfk_ld_u16(row + 2 * d));
    if (dtype == RVF_TILE_DTYPE_F32)
        return rvfk_ld_f32(row + 4 * d);
    float q = (float)(int8_t)row[d];
    if (d >= sq_dim)
        return q;
    float mn = rvfk_ld_f32(sq + 8 * d), mx = rvfk_ld_f32(sq + 8 * d + 4);
    float n = (q + 128.0f) / 255.0f;
    return mn + (mx - mn) * n;
}

static float oracle_dist(int metric, int dtype, const uint8_t *q, const uint8_t *row, uint32_t dim,
                         const uint8_t *sq, uint32_t sq_dim)
{
    if (metric == 3) {
        uint32_t n = dim * (dtype == RVF_TILE_DTYPE_F16  ? 2u
                            : dtype == RVF_TILE_DTYPE_I8 ? 1u
                                                         : 4u);
        uint32_t bits = 0;
        for (uint32_t i = 0; i < n; i++)
            bits += (uint32_t)__builtin_popcount((unsigned)(q[i] ^ row[i]));
        return (float)bits;
    }
    float acc = 0.0f, qq = 0.0f, vv = 0.0f;
    for (uint32_t d = 0; d < dim; d++) {
        float a = rvfk_f16_to_f32(rvfk_ld_u16(q + 2 * d)),
              b = oracle_elem(dtype, row, d, sq, sq_dim);
        if (metric == 0) {
            float x = a - b;
            acc += x * x;
        } else {
            acc += a * b;
            qq += a * a;
            vv += b * b;
        }
    }
    if (metric == 0)
        return acc;
    if (metric == 1)
        return -acc;
    float den = sqrt_approx(qq) * sqrt_approx(vv);
    return den < 1e-10f ? 1.0f : 1.0f - acc / den;
}

/* bit-identical, NaN equal to NaN (the tile and the oracle may differ in NaN payloads only) */
static int same_f32(float a, float b)
{
    return rvfk_f32_bits(a) == rvfk_f32_bits(b) || (a != a && b != b);
}

static uint16_t h(float f)
{
    return rvfk_f32_to_f16(f);
}

/* ---- rvf_init ---- */
static void test_init(void)
{
    reset();
    config(3, 7, 0);
    mem[A_CFG + 0x30] = 0xAB;
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    CHECK_MEM(data_region, mem + A_CFG, 64); /* the 64 bytes, private bytes included */
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_DIM), 3);
    /* Fix 1: the reference returns -1 for any config_ptr + 64 > 8192; here only outside memory */
    CHECK_EQ_INT(rvf_init(0x10000), 0);
    CHECK_EQ_INT(rvf_init((int32_t)(MEM_SIZE - 64)), 0);
    CHECK_EQ_INT(rvf_init((int32_t)(MEM_SIZE - 63)), -1);
    CHECK_EQ_INT(rvf_init(-1), -1);
    CHECK_EQ_INT(rvf_init(0), 0);
    /* init empties the heap */
    float d = 1.0f;
    uint64_t id = 5;
    memcpy(mem + A_OUT, &d, 4);
    memcpy(mem + A_IDS, &id, 8);
    CHECK_EQ_INT(rvf_topk_merge(A_OUT, A_IDS, 1, 4), 0);
    CHECK_EQ_INT(rvf_topk_read(A_OUT + 64), 1);
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    CHECK_EQ_INT(rvf_topk_read(A_OUT + 64), 0);
}

/* ---- rvf_load_query and the extended mode (Fix 2) ---- */
static void test_load_query(void)
{
    reset();
    uint16_t q[384];
    for (int i = 0; i < 384; i++)
        q[i] = (uint16_t)(0x3C00 + i);
    put_u16s(A_Q, q, 384);
    CHECK_EQ_INT(rvf_load_query(A_Q, 0), 0);
    CHECK_EQ_INT(rvf_load_query(A_Q, 96), 0);
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_DIM), 96);
    CHECK_MEM(data_region + RVF_TILE_QUERY_OFF, mem + A_Q, 192);
    CHECK_EQ_INT(rvf_load_query(A_Q, 384), 0); /* extended mode: at SIMD 0xF000 */
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_DIM), 384);
    CHECK_MEM(scratch + RVF_TILE_EXT_QUERY_OFF, mem + A_Q, 768);
    CHECK_EQ_INT(rvf_load_query(A_Q, 385), -1);
    CHECK_EQ_INT(rvf_load_query(A_Q, -1), -1);
    CHECK_EQ_INT(rvf_load_query(A_Q, INT32_MIN), -1); /* the reference's dim * 2 wraps to 0 */
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_DIM), 384); /* unchanged by failures */
    /* dim 0 copies nothing: any address is fine, as in the reference */
    CHECK_EQ_INT(rvf_load_query(-8, 0), 0);
}

/* ---- rvf_load_block (Fix 3) ---- */
static void test_load_block(void)
{
    reset();
    CHECK_EQ_INT(rvf_load_query(A_Q, 96), 0);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 170, 0), 0);  /* 170 x 96 x 2 = 32640 */
    CHECK_EQ_INT(rvf_load_block(A_BLK, 171, 0), -1); /* 32832 > 32768 */
    CHECK_EQ_INT(rvf_load_block(A_BLK, 341, 1), 0);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 342, 1), -1);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 85, 2), 0);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 86, 2), -1);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 1, 3), -1);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 1, -1), -1);
    CHECK_EQ_INT(rvf_load_block(A_BLK, -1, 0), -1); /* Fix 3 */
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_COUNT), 85);
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_DTYPE), 2);
    CHECK_EQ_INT(rvf_load_query(A_Q, 0), 0);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 100000, 0), 0); /* dim 0: 0 bytes */
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_COUNT), 100000);
    CHECK_EQ_INT(rvf_distances(0, A_OUT), -1); /* dim 0 */
}

/* ---- rvf_distances: fp16 rows, hand-worked ---- */
static void test_distances_f16(void)
{
    reset();
    /* q = [1, 2, 3]; v0 = [1, 2, 3], v1 = [0, 0, 0], v2 = [-1, 0.5, -2] */
    uint16_t q[3] = {0x3C00, 0x4000, 0x4200};
    uint16_t v[9] = {0x3C00, 0x4000, 0x4200, 0, 0, 0, 0xBC00, 0x3800, 0xC000};
    put_u16s(A_Q, q, 3);
    put_u16s(A_BLK, v, 9);
    CHECK_EQ_INT(rvf_load_query(A_Q, 3), 0);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 3, 0), 0);
    CHECK_EQ_INT(rvf_distances(0, A_OUT), 3);
    CHECK_EQ_BITS(out_f32(0), 0.0f);
    CHECK_EQ_BITS(out_f32(1), 14.0f);                /* 1 + 4 + 9 */
    CHECK_EQ_BITS(out_f32(2), 4.0f + 2.25f + 25.0f); /* 2^2 + 1.5^2 + 5^2 = 31.25 */
    CHECK_EQ_INT(rvf_distances(1, A_OUT), 3);
    CHECK_EQ_BITS(out_f32(0), -14.0f);
    CHECK_EQ_BITS(out_f32(1), -0.0f); /* -(+0): the reference negates */
    CHECK_EQ_BITS(out_f32(2), 6.0f);  /* -(-1 + 1 - 6) */
    CHECK_EQ_INT(rvf_distances(2, A_OUT), 3);
    float s = sqrt_approx(14.0f);
    CHECK_EQ_BITS(out_f32(0), 1.0f - 14.0f / (s * s)); /* sqrt_approx(14)^2 is not 14 exactly */
    CHECK_EQ_BITS(out_f32(1), 1.0f);                   /* |v| = 0: denom < 1e-10 */
    CHECK_EQ_BITS(out_f32(2), 1.0f - (-6.0f) / (s * sqrt_approx(1.0f + 0.25f + 4.0f)));
    CHECK_EQ_INT(rvf_distances(3, A_OUT), 3);
    /* Hamming over the 6 bytes: q has 4 + 1 + 2 bits set; v1 is zero */
    CHECK_EQ_BITS(out_f32(0), 0.0f);
    CHECK_EQ_BITS(out_f32(1), 7.0f);
    /* 0x3C00^0xBC00 = 0x8000 (1), 0x4000^0x3800 = 0x7800 (4), 0x4200^0xC000 = 0x8200 (2) */
    CHECK_EQ_BITS(out_f32(2), 7.0f);
    /* errors: nothing written */
    memset(mem + A_OUT, 0xEE, 16);
    CHECK_EQ_INT(rvf_distances(4, A_OUT), -1);
    CHECK_EQ_INT(rvf_distances(-1, A_OUT), -1);
    CHECK_EQ_U64(rvfk_ld_u32(mem + A_OUT), 0xEEEEEEEEu);
    /* Inf and NaN rows (the block is not "clean": the exact conversion path) */
    uint16_t w[6] = {0x7C00, 0x4000, 0x4200, 0x3C00, 0x7E00, 0x4200};
    put_u16s(A_BLK, w, 6);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 2, 0), 0);
    CHECK_EQ_INT(rvf_distances(0, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(0), INFINITY);
    CHECK(out_f32(1) != out_f32(1));
    CHECK_EQ_INT(rvf_distances(1, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(0), -INFINITY);
    /* subnormal halves convert exactly: 0x0001 = 2^-24, 0x03FF */
    uint16_t sub[3] = {0x0001, 0x03FF, 0x8001};
    put_u16s(A_BLK, sub, 3);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 1, 0), 0);
    CHECK_EQ_INT(rvf_distances(1, A_OUT), 1);
    CHECK_EQ_BITS(out_f32(0), -(0x1p-24f + 2.0f * 1023 * 0x1p-24f - 3.0f * 0x1p-24f));
}

/* ---- rvf_distances: i8 rows (Fix 4) and f32 rows (Fix 5), hand-worked ---- */
static void test_distances_i8_f32(void)
{
    reset();
    uint16_t q[3] = {0x3C00, 0x4000, 0x4200}; /* [1, 2, 3] */
    put_u16s(A_Q, q, 3);
    CHECK_EQ_INT(rvf_load_query(A_Q, 3), 0);
    /* SQ params for 2 dims: [0.5, 2] and [-1, 2]; dim 2 has none: its code is its value */
    float sq[4] = {0.5f, 2.0f, -1.0f, 2.0f};
    put_f32s(A_SQ, sq, 4);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 2), 0);
    int8_t codes[6] = {-128, 127, 5, 127, -128, -3};
    memcpy(mem + A_BLK, codes, 6);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 2, 1), 0);
    /* row 0 -> [0.5 (n 0), 2 (n 1: -1 + 3 * 1), 5]; row 1 -> [2, -1, -3] */
    CHECK_EQ_INT(rvf_distances(0, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(0), 0.25f + 0.0f + 4.0f);
    CHECK_EQ_BITS(out_f32(1), 1.0f + 9.0f + 36.0f);
    CHECK_EQ_INT(rvf_distances(1, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(0), -(0.5f + 4.0f + 15.0f));
    CHECK_EQ_BITS(out_f32(1), -(2.0f - 2.0f - 9.0f));
    CHECK_EQ_INT(rvf_distances(2, A_OUT), 2);
    float s = sqrt_approx(14.0f);
    CHECK_EQ_BITS(out_f32(0), 1.0f - 19.5f / (s * sqrt_approx(0.25f + 4.0f + 25.0f)));
    /* metric 3 on i8: dim bytes of the query (00 3C 00) against the codes (the reference's) */
    CHECK_EQ_INT(rvf_distances(3, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(0), (float)(1 + __builtin_popcount(0x3C ^ 0x7F) + 2));
    /* without any SQ params every code is its own value */
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 0), 0);
    CHECK_EQ_INT(rvf_distances(0, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(0), 129.0f * 129.0f + 125.0f * 125.0f + 4.0f);

    /* f32 rows: v0 = [1.5, 2, -1], v1 = [0, 0, 0] */
    float v[6] = {1.5f, 2.0f, -1.0f, 0, 0, 0};
    put_f32s(A_BLK, v, 6);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 2, 2), 0);
    CHECK_EQ_INT(rvf_distances(0, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(0), 0.25f + 0.0f + 16.0f);
    CHECK_EQ_BITS(out_f32(1), 14.0f);
    CHECK_EQ_INT(rvf_distances(1, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(0), -(1.5f + 4.0f - 3.0f));
    CHECK_EQ_INT(rvf_distances(2, A_OUT), 2);
    CHECK_EQ_BITS(out_f32(1), 1.0f);
    /* metric 3: dim x 4 = 12 bytes; the query scratch past its 6 bytes is zero */
    CHECK_EQ_INT(rvf_distances(3, A_OUT), 2);
    uint32_t bits = 0;
    for (int i = 0; i < 12; i++)
        bits += (uint32_t)__builtin_popcount(
            (unsigned)(data_region[RVF_TILE_QUERY_OFF + i] ^ mem[A_BLK + i]));
    CHECK_EQ_BITS(out_f32(0), (float)bits);
}

/* ---- rvf_distances against the oracle: every dtype and metric, many shapes ---- */
static void check_block_vs_oracle(int dtype, uint32_t dim, uint32_t count, rvf_test_rng *r)
{
    uint32_t esz = dtype == 0 ? 2u : dtype == 1 ? 1u : 4u;
    for (uint32_t i = 0; i < count * dim; i++) {
        uint64_t x = rvf_test_next(r);
        if (dtype == 0)
            rvfk_st_u16(mem + A_BLK + 2 * i,
                        (x & 0xF) ? h(rvf_test_unit(r) * 4) : (uint16_t)(x >> 20));
        else if (dtype == 1)
            mem[A_BLK + i] = (uint8_t)(x >> 13);
        else
            rvfk_st_f32(mem + A_BLK + 4 * i, rvf_test_unit(r) * 3);
    }
    CHECK_EQ_INT(rvf_load_block(A_BLK, (int32_t)count, dtype), 0);
    uint32_t qoff = dim > 96 ? RVF_TILE_DATA_SIZE + RVF_TILE_EXT_QUERY_OFF : RVF_TILE_QUERY_OFF;
    const uint8_t *qp = data_region + qoff; /* data and scratch are one array */
    for (int metric = 0; metric < 4; metric++) {
        CHECK_EQ_INT(rvf_distances(metric, A_OUT), (int)count);
        int bad = 0;
        for (uint32_t i = 0; i < count && bad < 3; i++) {
            float want =
                oracle_dist(metric, dtype, qp, mem + A_BLK + i * dim * esz, dim, mem + A_SQ, dim);
            if (!same_f32(out_f32(i), want)) {
                bad++;
                RVF_FAIL_AT("dtype %d dim %u count %u metric %d row %u: %.9g (0x%08x) want %.9g",
                            dtype, dim, count, metric, i, (double)out_f32(i),
                            rvfk_f32_bits(out_f32(i)), (double)want);
            }
            rvf_test_checks++;
        }
    }
}

static void test_distances_oracle(void)
{
    reset();
    rvf_test_rng r = {0x7111E5EEDull};
    uint16_t q[384];
    for (int i = 0; i < 384; i++)
        q[i] = h(rvf_test_unit(&r) * 2);
    put_u16s(A_Q, q, 384);
    float sq[2 * 384];
    for (int i = 0; i < 384; i++) {
        sq[2 * i] = rvf_test_unit(&r);
        sq[2 * i + 1] = sq[2 * i] + 1.0f + rvf_test_unit(&r);
    }
    put_f32s(A_SQ, sq, 768);
    static const uint32_t dims[] = {1,  2,  3,   7,   8,   9,   15,  16,  17,  31,  64,  95,
                                    96, 97, 127, 128, 129, 200, 255, 256, 257, 300, 383, 384};
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        uint32_t dim = dims[t];
        CHECK_EQ_INT(rvf_load_query(A_Q, (int32_t)dim), 0);
        CHECK_EQ_INT(rvf_load_sq_params(A_SQ, (int32_t)dim), 0);
        for (int dtype = 0; dtype < 3; dtype++) {
            uint32_t esz = dtype == 0 ? 2u : dtype == 1 ? 1u : 4u;
            uint32_t maxc = 32768 / (dim * esz);
            uint32_t counts[] = {1, 3, 4, 5, 15, 16, 17, 33, maxc};
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
                if (counts[c] <= maxc && counts[c] >= 1)
                    check_block_vs_oracle(dtype, dim, counts[c], &r);
        }
    }
}

/* The extended mode is the headline case: 384-dim fp16, 42 rows per block. */
static void test_extended_384(void)
{
    reset();
    rvf_test_rng r = {384};
    uint16_t q[384];
    for (int i = 0; i < 384; i++)
        q[i] = h(rvf_test_unit(&r));
    put_u16s(A_Q, q, 384);
    CHECK_EQ_INT(rvf_load_query(A_Q, 384), 0);
    /* the reference's query scratch is untouched; the query sits at SIMD 0xF000 */
    for (int i = 0; i < 192; i++)
        CHECK_EQ_INT(data_region[RVF_TILE_QUERY_OFF + i], 0);
    check_block_vs_oracle(0, 384, 42, &r);
    CHECK_EQ_INT(rvf_load_block(A_BLK, 43, 0), -1); /* 43 x 768 > 32768 */
    /* back to a reference-sized query: the reference placement again */
    CHECK_EQ_INT(rvf_load_query(A_Q, 96), 0);
    CHECK_MEM(data_region + RVF_TILE_QUERY_OFF, mem + A_Q, 192);
    check_block_vs_oracle(0, 96, 170, &r);
}

/* A configuration's dim beyond the loaded query reads the following data bytes, like the
 * reference; and a count past the block runs into the PQ codebook area. */
static void test_config_driven_reads(void)
{
    reset();
    rvf_test_rng r = {99};
    uint16_t q[96];
    for (int i = 0; i < 96; i++)
        q[i] = h(rvf_test_unit(&r));
    put_u16s(A_Q, q, 96);
    CHECK_EQ_INT(rvf_load_query(A_Q, 96), 0);
    float sq[256];
    for (int i = 0; i < 256; i++)
        sq[i] = rvf_test_unit(&r);
    put_f32s(A_SQ, sq, 256);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 128), 0); /* data 0x400.. becomes nonzero */
    config(600, 27, 0); /* 600 dims: query bytes 0x40 .. 0x4F0, into the SQ params */
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    for (uint32_t i = 0; i < 600 * 27; i++)
        rvfk_st_u16(mem + A_BLK + 2 * i, h(rvf_test_unit(&r)));
    CHECK_EQ_INT(rvf_load_block(A_BLK, 27, 0), 0); /* 27 x 600 x 2 bytes, dim from the config */
    for (int metric = 0; metric < 4; metric++) {
        CHECK_EQ_INT(rvf_distances(metric, A_OUT), 27);
        for (uint32_t i = 0; i < 27; i++)
            CHECK(same_f32(out_f32(i), oracle_dist(metric, 0, data_region + RVF_TILE_QUERY_OFF,
                                                   scratch + i * 1200, 600, NULL, 0)));
    }
    /* a dim whose query would run past the tile memory is refused */
    config(40000, 1, 1);
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    CHECK_EQ_INT(rvf_distances(0, A_OUT), -1);
    /* a count whose rows run past the 64 KB scratch is refused */
    config(96, 400, 0);
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    CHECK_EQ_INT(rvf_distances(0, A_OUT), -1);
    /* 300 rows x 192 B = 57600 B: past the block area, inside the scratch */
    config(96, 300, 0);
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    CHECK_EQ_INT(rvf_distances(0, A_OUT), 300);
    CHECK(same_f32(out_f32(299), oracle_dist(0, 0, data_region + RVF_TILE_QUERY_OFF,
                                             scratch + 299 * 192, 96, NULL, 0)));
}

/* ---- rvf_topk_merge / rvf_topk_read (Fixes 6 and 7) ---- */
static void merge(const float *d, const uint64_t *ids, int n, int k, int want)
{
    for (int i = 0; i < n; i++)
        rvfk_st_f32(mem + A_OUT + 4 * (uint32_t)i, d[i]);
    for (int i = 0; i < n; i++)
        rvfk_st_u64(mem + A_IDS + 8 * (uint32_t)i, ids[i]);
    CHECK_EQ_INT(rvf_topk_merge(A_OUT, A_IDS, n, k), want);
}
static void expect_topk(int n, const uint64_t *ids, const float *d)
{
    memset(mem + A_OUT + 0x1000, 0xEE, 16 * 12 + 12);
    CHECK_EQ_INT(rvf_topk_read(A_OUT + 0x1000), n);
    for (int i = 0; i < n; i++) {
        CHECK_EQ_U64(rvfk_ld_u64(mem + A_OUT + 0x1000 + 12 * (uint32_t)i), ids[i]);
        CHECK_EQ_BITS(rvfk_ld_f32(mem + A_OUT + 0x1000 + 12 * (uint32_t)i + 8), d[i]);
    }
    CHECK_EQ_INT(mem[A_OUT + 0x1000 + 12 * (uint32_t)n], 0xEE); /* nothing past n entries */
}

static void test_topk(void)
{
    reset();
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    float d1[3] = {3, 1, 2};
    uint64_t i1[3] = {30, 10, 20};
    merge(d1, i1, 3, 17, -1);
    merge(d1, i1, 3, -1, -1);
    merge(d1, i1, -1, 4, -1); /* Fix 6: the reference traps */
    expect_topk(0, NULL, NULL);
    merge(d1, i1, 3, 2, 0);
    expect_topk(2, (uint64_t[]){10, 20}, (float[]){1, 2});
    expect_topk(2, (uint64_t[]){10, 20}, (float[]){1, 2}); /* reading does not clear */
    /* Fix 6: k 0 is a no-op (the reference would replace the worst with 0.5) */
    merge((float[]){0.5f}, (uint64_t[]){99}, 1, 0, 0);
    expect_topk(2, (uint64_t[]){10, 20}, (float[]){1, 2});
    /* NaN is skipped (Fix 6), even while the heap has room */
    merge((float[]){NAN, 1.5f}, (uint64_t[]){7, 15}, 2, 4, 0);
    expect_topk(3, (uint64_t[]){10, 15, 20}, (float[]){1, 1.5f, 2});
    /* a smaller k does not shrink the heap; the worst entry is replaced */
    merge((float[]){0.25f}, (uint64_t[]){1}, 1, 2, 0);
    expect_topk(3, (uint64_t[]){1, 10, 15}, (float[]){0.25f, 1, 1.5f});
    merge((float[]){5}, (uint64_t[]){2}, 1, 2, 0); /* not better than the worst: dropped */
    expect_topk(3, (uint64_t[]){1, 10, 15}, (float[]){0.25f, 1, 1.5f});
    /* Fixes 6 and 7: at equal distance the smaller id wins and reads first */
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    merge((float[]){1, 1, 1, 1}, (uint64_t[]){5, 3, 9, 4}, 4, 2, 0);
    expect_topk(2, (uint64_t[]){3, 4}, (float[]){1, 1});
    merge((float[]){1, 0}, (uint64_t[]){1, UINT64_MAX}, 2, 3, 0);
    expect_topk(3, (uint64_t[]){UINT64_MAX, 1, 3}, (float[]){0, 1, 1});
    /* the full heap: 16 entries, 12 bytes each, ascending */
    CHECK_EQ_INT(rvf_init(A_CFG), 0);
    float d[40];
    uint64_t ids[40];
    for (int i = 0; i < 40; i++) {
        d[i] = (float)((i * 17) % 40);
        ids[i] = 1000u + (uint64_t)i;
    }
    merge(d, ids, 40, 16, 0);
    CHECK_EQ_INT(rvf_topk_read(A_OUT + 0x1000), 16);
    for (uint32_t i = 0; i < 16; i++)
        CHECK_EQ_BITS(rvfk_ld_f32(mem + A_OUT + 0x1000 + 12 * i + 8), (float)i);
    merge(d, ids, 0, 16, 0); /* count 0: no-op */
}

/* ---- rvf_load_sq_params (Fix 8) and rvf_dequant_i8 (Fix 9) ---- */
static uint16_t trunc_f16(float f) /* RVF-BRIEF §11.3, transcribed */
{
    uint32_t b = rvfk_f32_bits(f), s = (b >> 16) & 0x8000u, e = (b >> 23) & 0xFFu,
             m = b & 0x7FFFFFu;
    if (e == 0xFF)
        return (uint16_t)(s | 0x7C00u | (m ? 0x200u : 0u));
    int32_t ne = (int32_t)e - 112;
    if (ne >= 31)
        return (uint16_t)(s | 0x7C00u);
    if (ne <= 0)
        return (uint16_t)(ne < -10 ? s : s | ((m | 0x800000u) >> (14 - ne)));
    return (uint16_t)(s | (uint32_t)ne << 10 | m >> 13);
}

static void test_sq_dequant(void)
{
    reset();
    float sq[2 * 384];
    for (int i = 0; i < 384; i++) {
        sq[2 * i] = (float)i;
        sq[2 * i + 1] = (float)i + 1.00146484375f; /* range 1 + 3/2048 */
    }
    put_f32s(A_SQ, sq, 768);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 128), 0);
    CHECK_MEM(data_region + RVF_TILE_SQ_OFF, mem + A_SQ, 1024);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 129), 0); /* Fix 8: extended, at SIMD 0xF300 */
    CHECK_MEM(scratch + RVF_TILE_EXT_SQ_OFF, mem + A_SQ, 129 * 8);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 384), 0);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 385), -1);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, -1), -1);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 0x20000001), -1); /* the reference's dim * 8 wraps */
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_DIM), 0); /* dim unchanged */

    CHECK_EQ_INT(rvf_dequant_i8(A_CODES, A_OUT, 4), -1); /* dim 0 */
    CHECK_EQ_INT(rvf_load_query(A_Q, 2), 0);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 2), 0);
    CHECK_EQ_INT(rvf_dequant_i8(A_CODES, A_OUT, -1), -1); /* Fix 9: the reference traps */
    /* codes -128 -> min, 127 -> min + range; dims cycle 0, 1, 0, 1, 0 */
    int8_t codes[5] = {-128, 127, 127, -128, 0};
    memcpy(mem + A_CODES, codes, 5);
    memset(mem + A_OUT, 0xEE, 12);
    CHECK_EQ_INT(rvf_dequant_i8(A_CODES, A_OUT, 5), 0);
    CHECK_EQ_U64(rvfk_ld_u16(mem + A_OUT + 0), 0x0000); /* 0 */
    CHECK_EQ_U64(rvfk_ld_u16(mem + A_OUT + 2), 0x4000); /* 2.00146484375: truncated (RNE: 0x4001) */
    CHECK_EQ_U64(rvfk_ld_u16(mem + A_OUT + 4), 0x3C01); /* 1.00146484375: truncated (RNE: 0x3C02) */
    CHECK_EQ_U64(rvfk_ld_u16(mem + A_OUT + 6), 0x3C00); /* dim 1: min 1 */
    CHECK_EQ_U64(rvfk_ld_u16(mem + A_OUT + 8),
                 trunc_f16(0.0f + 1.00146484375f * (128.0f / 255.0f)));
    CHECK_EQ_U64(rvfk_ld_u16(mem + A_OUT + 10), 0xEEEE); /* nothing past count */
    CHECK_EQ_INT(rvf_dequant_i8(A_CODES, A_OUT, 0), 0);
    /* extended: 300 dims of params at 0xF300, every code, against the transcription */
    CHECK_EQ_INT(rvf_load_query(A_Q, 300), 0);
    CHECK_EQ_INT(rvf_load_sq_params(A_SQ, 300), 0);
    for (uint32_t i = 0; i < 600; i++)
        mem[A_CODES + i] = (uint8_t)(i * 7 + 3);
    CHECK_EQ_INT(rvf_dequant_i8(A_CODES, A_OUT, 600), 0);
    for (uint32_t i = 0; i < 600; i++) {
        uint32_t d = i % 300;
        float mn = sq[2 * d], mx = sq[2 * d + 1];
        float v = mn + (mx - mn) * (((float)(int8_t)mem[A_CODES + i] + 128.0f) / 255.0f);
        CHECK_EQ_U64(rvfk_ld_u16(mem + A_OUT + 2 * i), trunc_f16(v));
    }
    /* (q + 128) / 255 for every code equals the f64 quotient rounded once: the tile's division
     * is the reference's */
    for (int c = -128; c < 128; c++)
        CHECK_EQ_BITS(((float)c + 128.0f) / 255.0f, (float)(((double)c + 128.0) / 255.0));
}

/* ---- rvf_load_pq_codebook / rvf_pq_distances (Fix 10) ---- */
static void test_pq(void)
{
    reset();
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 0, 4), -1);
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 2, 4), 0);     /* dim 0: sub_dim 0, 0 bytes */
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 1, A_OUT), -1); /* dim 0 */
    /* q = [1, 2, 3, 4], m 2, k 2, sub_dim 2; centroids s0: [1,2] [0,0]; s1: [3,4] [0,0] */
    uint16_t q[4] = {h(1), h(2), h(3), h(4)};
    uint16_t cb[8] = {h(1), h(2), 0, 0, h(3), h(4), 0, 0};
    put_u16s(A_Q, q, 4);
    put_u16s(A_CB, cb, 8);
    CHECK_EQ_INT(rvf_load_query(A_Q, 4), 0);
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 2, 2), 0);
    CHECK_MEM(scratch + RVF_TILE_PQ_CODEBOOK_OFF, mem + A_CB, 16);
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_PQ_M), 2);
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_CFG_PQ_K), 2);
    uint8_t codes[8] = {0, 0, 1, 1, 1, 0, 0, 5}; /* code 5 >= k adds nothing */
    memcpy(mem + A_CODES, codes, 8);
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 4, A_OUT), 4);
    CHECK_EQ_BITS(out_f32(0), 0.0f);
    CHECK_EQ_BITS(out_f32(1), 30.0f); /* 5 + 25 */
    CHECK_EQ_BITS(out_f32(2), 5.0f);
    CHECK_EQ_BITS(out_f32(3), 0.0f);
    float table[4] = {0, 5, 0, 25};
    CHECK_MEM(scratch + RVF_TILE_PQ_TABLE_OFF, table, 16); /* T[s * k + c] at SIMD 0xC000 */
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 0, A_OUT), 0);
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, -1, A_OUT), -1);
    /* a new query rebuilds the table */
    uint16_t q2[4] = {0, 0, 0, 0};
    put_u16s(A_Q, q2, 4);
    CHECK_EQ_INT(rvf_load_query(A_Q, 4), 0);
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 4, A_OUT), 4);
    CHECK_EQ_BITS(out_f32(0), 5.0f + 25.0f);
    CHECK_EQ_BITS(out_f32(1), 0.0f);
    /* a codebook larger than 16 KB is refused */
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 2, 2049), -1); /* 2 x 2049 x 2 x 2 = 16392 */
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 2, 2048), 0);
    /* Fix 10: m * k > 4096 writes past the scratch in the reference: refused */
    CHECK_EQ_INT(rvf_load_query(A_Q, 1), 0);
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 1, 4097), 0); /* 4097 x 1 x 2 bytes */
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 1, A_OUT), -1);
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 1, 4096), 0);
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 1, A_OUT), 1);
    /* extended mode limits m * k to 3072 (the table must stay below the query at 0xF000) */
    CHECK_EQ_INT(rvf_load_query(A_Q, 200), 0);
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 200, 16), 0);  /* sub_dim 1 */
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 1, A_OUT), -1); /* 3200 */
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 200, 15), 0);
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 1, A_OUT), 1); /* 3000 */
    /* larger: 384 dims, m 48, k 16, sub_dim 8, against the oracle's table and sums */
    reset();
    rvf_test_rng r = {48};
    uint16_t qq[384];
    for (int i = 0; i < 384; i++)
        qq[i] = h(rvf_test_unit(&r));
    put_u16s(A_Q, qq, 384);
    CHECK_EQ_INT(rvf_load_query(A_Q, 384), 0);
    for (uint32_t i = 0; i < 48 * 16 * 8; i++)
        rvfk_st_u16(mem + A_CB + 2 * i, h(rvf_test_unit(&r)));
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 48, 16), 0);
    for (uint32_t i = 0; i < 100 * 48; i++)
        mem[A_CODES + i] = (uint8_t)(rvf_test_next(&r) % 20); /* some codes >= k */
    CHECK_EQ_INT(rvf_pq_distances(A_CODES, 100, A_OUT), 100);
    for (uint32_t i = 0; i < 100; i++) {
        float acc = 0.0f;
        for (uint32_t s = 0; s < 48; s++) {
            uint8_t c = mem[A_CODES + i * 48 + s];
            if (c < 16)
                acc += oracle_dist(0, 0, mem + A_Q + s * 16, mem + A_CB + (s * 16 + c) * 16, 8,
                                   NULL, 0);
        }
        CHECK_EQ_BITS(out_f32(i), acc);
    }
}

/* m > 64: the sums run in passes of 64 subspaces, carried over in the output */
static void test_pq_many_subspaces(void)
{
    reset();
    rvf_test_rng r = {150};
    uint16_t qq[300];
    for (int i = 0; i < 300; i++)
        qq[i] = h(rvf_test_unit(&r));
    put_u16s(A_Q, qq, 300);
    CHECK_EQ_INT(rvf_load_query(A_Q, 300), 0); /* extended mode: m * k <= 3072 */
    for (uint32_t i = 0; i < 150 * 10 * 2; i++)
        rvfk_st_u16(mem + A_CB + 2 * i, h(rvf_test_unit(&r)));
    CHECK_EQ_INT(rvf_load_pq_codebook(A_CB, 150, 10), 0); /* sub_dim 2, 1500 entries */
    for (uint32_t i = 0; i < 37 * 150; i++)
        mem[A_CODES + i] = (uint8_t)(rvf_test_next(&r) % 12);
    for (int round = 0; round < 2; round++) { /* the second call reuses the table */
        CHECK_EQ_INT(rvf_pq_distances(A_CODES, 37, A_OUT), 37);
        for (uint32_t i = 0; i < 37; i++) {
            float acc = 0.0f;
            for (uint32_t s = 0; s < 150; s++) {
                uint8_t c = mem[A_CODES + i * 150 + s];
                if (c < 10)
                    acc += oracle_dist(0, 0, mem + A_Q + s * 4, mem + A_CB + (s * 10 + c) * 4, 2,
                                       NULL, 0);
            }
            CHECK_EQ_BITS(out_f32(i), acc);
        }
    }
}

/* ---- rvf_load_neighbors / rvf_greedy_step ---- */
static void put_list(const uint64_t *ids, const float *d, uint32_t n)
{
    rvfk_st_u32(mem + A_LIST, n);
    for (uint32_t i = 0; i < n; i++) {
        rvfk_st_u64(mem + A_LIST + 4 + 12 * i, ids[i]);
        rvfk_st_f32(mem + A_LIST + 12 + 12 * i, d[i]);
    }
}

static void test_greedy(void)
{
    reset();
    CHECK_EQ_INT(rvf_greedy_step(1, 0), -1); /* no list registered */
    put_list((uint64_t[]){1, 2, 3, 4}, (float[]){0.5f, 0.25f, 0.25f, 3.4028235e38f}, 4);
    CHECK_EQ_INT(rvf_load_neighbors(12345, 3, A_LIST), 0); /* returns 0, not a count */
    CHECK_EQ_U64(rvfk_ld_u32(data_region + RVF_TILE_NEIGHBOR_OFF), A_LIST);
    CHECK_EQ_INT(rvf_greedy_step(9, 0), 2); /* first of the equal minima */
    CHECK_EQ_INT(rvf_greedy_step(2, 7), 3); /* the current id is skipped */
    put_list((uint64_t[]){5}, (float[]){3.4028235e38f}, 1);
    CHECK_EQ_INT(rvf_greedy_step(1, 0), -1); /* FLT_MAX is never < the starting bound */
    put_list((uint64_t[]){5}, (float[]){1}, 1);
    CHECK_EQ_INT(rvf_greedy_step(5, 0), -1); /* only the current id */
    put_list(NULL, NULL, 0);
    CHECK_EQ_INT(rvf_greedy_step(1, 0), -1); /* empty list */
    put_list((uint64_t[]){UINT64_MAX - 1}, (float[]){-1}, 1);
    CHECK_EQ_INT(rvf_greedy_step(0, 0), -2); /* ids are returned as i64 bit patterns */
    CHECK_EQ_INT(rvf_load_neighbors(0, 0, 0), 0);
    CHECK_EQ_INT(rvf_greedy_step(0, 0), -1); /* address 0 means "no list" */
}

/* ---- rvf_verify_header / rvf_crc32c (Fix 11) ---- */
static void test_header_crc(void)
{
    reset();
    uint8_t hdr[64] = {0x53, 0x46, 0x56, 0x52, 1};
    memcpy(mem + A_BLK, hdr, 64);
    CHECK_EQ_INT(rvf_verify_header(A_BLK), 0);
    mem[A_BLK + 4] = 2;
    CHECK_EQ_INT(rvf_verify_header(A_BLK), 2);
    mem[A_BLK] = 0x54;
    CHECK_EQ_INT(rvf_verify_header(A_BLK), 1);
    memcpy(mem + A_BLK, "123456789", 9);
    CHECK_EQ_U64((uint32_t)rvf_crc32c(A_BLK, 9), 0xE3069283u);
    CHECK_EQ_INT(rvf_crc32c(A_BLK, 0), 0);
    CHECK_EQ_INT(rvf_crc32c(A_BLK, -5), 0); /* Fix 11: the reference traps */
    memset(mem + A_BLK, 0, 32);
    CHECK_EQ_U64((uint32_t)rvf_crc32c(A_BLK, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
}

/* ---- an access outside linear memory traps (natively: the handler) ---- */
static jmp_buf trap_jmp;
static int traps;
static void on_trap(const char *what)
{
    (void)what;
    traps++;
    longjmp(trap_jmp, 1);
}

static void test_traps(void)
{
    reset();
    rvf_tile_set_trap_handler(on_trap);
    traps = 0;
    if (!setjmp(trap_jmp))
        rvf_load_query((int32_t)(MEM_SIZE - 2), 2);
    if (!setjmp(trap_jmp))
        rvf_crc32c((int32_t)MEM_SIZE, 1);
    if (!setjmp(trap_jmp))
        rvf_verify_header((int32_t)(MEM_SIZE - 4));
    CHECK_EQ_INT(traps, 3);
    CHECK_EQ_INT(rvf_crc32c((int32_t)MEM_SIZE, 0), 0); /* nothing read: no trap */
    rvf_tile_set_trap_handler(NULL);
}

int main(void)
{
    rvf_tile_bind_memory(mem, MEM_SIZE);
    data_region = rvf_tile_region(0);
    scratch = rvf_tile_region(1);
    CHECK(scratch == data_region + RVF_TILE_DATA_SIZE); /* one array, as in the reference */
    RVF_TEST_RUN(test_init);
    RVF_TEST_RUN(test_load_query);
    RVF_TEST_RUN(test_load_block);
    RVF_TEST_RUN(test_distances_f16);
    RVF_TEST_RUN(test_distances_i8_f32);
    RVF_TEST_RUN(test_distances_oracle);
    RVF_TEST_RUN(test_extended_384);
    RVF_TEST_RUN(test_config_driven_reads);
    RVF_TEST_RUN(test_topk);
    RVF_TEST_RUN(test_sq_dequant);
    RVF_TEST_RUN(test_pq);
    RVF_TEST_RUN(test_pq_many_subspaces);
    RVF_TEST_RUN(test_greedy);
    RVF_TEST_RUN(test_header_crc);
    RVF_TEST_RUN(test_traps);
    return rvf_test_finish();
}
