/* rvfk_wasm128.c: the WebAssembly SIMD128 variant, compiled only when the compiler targets
 * wasm with -msimd128 (__wasm_simd128__; Emscripten's browser runtime build). The browser gets
 * this build or the scalar one, chosen by WebAssembly.validate on a probe (STYLE.md habit 10).
 * Same semantics as the scalar reference in rvfk_dist_scalar.c; kernel/SIMD.md has the
 * tolerances the tests enforce (tests/kernel/test_kernel_simd.c runs under Node).
 *
 * Why it looks the way it does:
 *   - SIMD128 has no FMA (relaxed-simd is not assumed): products round, then add, as in the
 *     reference; only the order of the additions differs (four lanes, four chains).
 *   - The last dim % 4 elements come from one more full load ending exactly at dim, with the
 *     lanes already summed masked to zero before any arithmetic; nothing outside [0, dim) is
 *     read. Below 4 elements the scalar formula runs as is (bit-identical to the reference).
 *   - f16 -> f32 in integer lanes: rebase the exponent, normalise subnormals with one exact f32
 *     subtraction, move infinities and NaN payloads to the top of the f32 mantissa. Bit-identical
 *     to rvfk_f16_to_f32 for all 65536 inputs.
 *   - Hamming uses i8x16.popcnt and widening pairwise adds; CRC32C has no wasm instruction and
 *     stays the scalar table code. */
#include "rvf_deps.h"
#include "rvf_kernel.h"
#include "rvfk_dist_common.h"
#include "rvfk_variants.h"

#if RVFK_HAVE_WASM128
#include <wasm_simd128.h>

/* Lanes k >= 4 - rem all-ones: load(rvfk_wasm128_tail + rem), rem in 1..3. */
static const int32_t rvfk_wasm128_tail[8] = {0, 0, 0, 0, -1, -1, -1, -1};

RVFK_AI float hsum(v128_t x)
{
    return (wasm_f32x4_extract_lane(x, 0) + wasm_f32x4_extract_lane(x, 2)) +
           (wasm_f32x4_extract_lane(x, 1) + wasm_f32x4_extract_lane(x, 3));
}

/* Four f16 values, zero-extended into u32 lanes, to f32 (exact; see the file comment). */
RVFK_AI v128_t h2f(v128_t h)
{
    const v128_t expmask = wasm_i32x4_splat(0x0F800000); /* 0x7C00 << 13 */
    v128_t o = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7FFF)), 13);
    v128_t e = wasm_v128_and(o, expmask);
    v128_t is_inf = wasm_i32x4_eq(e, expmask);
    v128_t is_sub = wasm_i32x4_eq(e, wasm_i32x4_splat(0));
    o = wasm_i32x4_add(o, wasm_i32x4_splat(0x38000000)); /* (127 - 15) << 23 */
    o = wasm_i32x4_add(o, wasm_v128_and(is_inf, wasm_i32x4_splat(0x38000000)));
    o = wasm_i32x4_add(o, wasm_v128_and(is_sub, wasm_i32x4_splat(0x00800000)));
    /* subnormal or zero: 2^-14 * (1 + man/1024) - 2^-14 = man * 2^-24, exact */
    v128_t fs = wasm_f32x4_sub(o, wasm_i32x4_splat(0x38800000));
    o = wasm_v128_bitselect(fs, o, is_sub);
    v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
    return wasm_v128_or(o, sign);
}

RVFK_AI v128_t lda(int ka, const float *a32, const uint16_t *a16, size_t i)
{
    if (ka == KF32)
        return wasm_v128_load(a32 + i);
    return h2f(wasm_u32x4_load16x4(a16 + i));
}

RVFK_AI v128_t ldb(int kb, const float *b32, const uint16_t *b16, const uint8_t *b8,
                   const float *mn, const float *mx, size_t i)
{
    if (kb == KF32)
        return wasm_v128_load(b32 + i);
    if (kb == KF16)
        return h2f(wasm_u32x4_load16x4(b16 + i));
    v128_t c =
        wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(b8 + i)));
    v128_t lo = wasm_v128_load(mn + i), hi = wasm_v128_load(mx + i);
    v128_t q = wasm_f32x4_div(wasm_f32x4_convert_i32x4(c), wasm_f32x4_splat(255.0f));
    return wasm_f32x4_add(wasm_f32x4_mul(q, wasm_f32x4_sub(hi, lo)), lo);
}

#define ADD wasm_f32x4_add
#define MUL wasm_f32x4_mul
#define SUB wasm_f32x4_sub

RVFK_AI float dist_core(rvf_metric m, int ka, int kb, const float *a32, const uint16_t *a16,
                        const float *b32, const uint16_t *b16, const uint8_t *b8, const float *mn,
                        const float *mx, size_t dim)
{
#define LA(i) lda(ka, a32, a16, (i))
#define LB(i) ldb(kb, b32, b16, b8, mn, mx, (i))
    size_t i = 0;
    if (m != RVF_METRIC_L2 && m != RVF_METRIC_IP && m != RVF_METRIC_COSINE)
        return RVFK_NANF;
    if (dim < 4) /* the reference formula, bit for bit */
        return rvfk_dist_short(m, ka, kb, a32, a16, b32, b16, b8, mn, mx, dim);
    const v128_t z = wasm_f32x4_splat(0.0f);
    const size_t rem = dim & 3;
    const size_t j = dim - 4; /* start of the overlapping last block */
    const v128_t tmask = wasm_v128_load(rvfk_wasm128_tail + rem);
    if (m == RVF_METRIC_L2) {
        v128_t s0 = z, s1 = z, s2 = z, s3 = z;
        for (; i + 16 <= dim; i += 16) {
            v128_t d0 = SUB(LA(i), LB(i));
            v128_t d1 = SUB(LA(i + 4), LB(i + 4));
            v128_t d2 = SUB(LA(i + 8), LB(i + 8));
            v128_t d3 = SUB(LA(i + 12), LB(i + 12));
            s0 = ADD(s0, MUL(d0, d0));
            s1 = ADD(s1, MUL(d1, d1));
            s2 = ADD(s2, MUL(d2, d2));
            s3 = ADD(s3, MUL(d3, d3));
        }
        for (; i + 4 <= dim; i += 4) {
            v128_t d = SUB(LA(i), LB(i));
            s0 = ADD(s0, MUL(d, d));
        }
        if (rem) {
            v128_t d = wasm_v128_and(tmask, SUB(LA(j), LB(j)));
            s1 = ADD(s1, MUL(d, d));
        }
        return hsum(ADD(ADD(s0, s1), ADD(s2, s3)));
    }
    if (m == RVF_METRIC_IP) {
        v128_t s0 = z, s1 = z, s2 = z, s3 = z;
        for (; i + 16 <= dim; i += 16) {
            s0 = ADD(s0, MUL(LA(i), LB(i)));
            s1 = ADD(s1, MUL(LA(i + 4), LB(i + 4)));
            s2 = ADD(s2, MUL(LA(i + 8), LB(i + 8)));
            s3 = ADD(s3, MUL(LA(i + 12), LB(i + 12)));
        }
        for (; i + 4 <= dim; i += 4)
            s0 = ADD(s0, MUL(LA(i), LB(i)));
        if (rem) {
            v128_t x = wasm_v128_and(tmask, LA(j)), y = wasm_v128_and(tmask, LB(j));
            s1 = ADD(s1, MUL(x, y));
        }
        return -hsum(ADD(ADD(s0, s1), ADD(s2, s3)));
    }
    v128_t d0 = z, d1 = z, a0 = z, a1 = z, b0 = z, b1 = z;
    for (; i + 8 <= dim; i += 8) {
        v128_t x0 = LA(i), y0 = LB(i), x1 = LA(i + 4), y1 = LB(i + 4);
        d0 = ADD(d0, MUL(x0, y0));
        a0 = ADD(a0, MUL(x0, x0));
        b0 = ADD(b0, MUL(y0, y0));
        d1 = ADD(d1, MUL(x1, y1));
        a1 = ADD(a1, MUL(x1, x1));
        b1 = ADD(b1, MUL(y1, y1));
    }
    for (; i + 4 <= dim; i += 4) {
        v128_t x = LA(i), y = LB(i);
        d0 = ADD(d0, MUL(x, y));
        a0 = ADD(a0, MUL(x, x));
        b0 = ADD(b0, MUL(y, y));
    }
    if (rem) {
        v128_t x = wasm_v128_and(tmask, LA(j)), y = wasm_v128_and(tmask, LB(j));
        d1 = ADD(d1, MUL(x, y));
        a1 = ADD(a1, MUL(x, x));
        b1 = ADD(b1, MUL(y, y));
    }
    return rvfk_cosine_finish(hsum(ADD(d0, d1)), hsum(ADD(a0, a1)), hsum(ADD(b0, b1)));
#undef LA
#undef LB
}

static uint32_t rvfk_wasm128_hamming(const uint8_t *a, const uint8_t *b, size_t n)
{
    v128_t acc = wasm_i32x4_splat(0);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        /* per byte at most 4 * 8 = 32: no overflow before widening */
        v128_t c = wasm_i8x16_add(
            wasm_i8x16_add(
                wasm_i8x16_popcnt(wasm_v128_xor(wasm_v128_load(a + i), wasm_v128_load(b + i))),
                wasm_i8x16_popcnt(
                    wasm_v128_xor(wasm_v128_load(a + i + 16), wasm_v128_load(b + i + 16)))),
            wasm_i8x16_add(wasm_i8x16_popcnt(wasm_v128_xor(wasm_v128_load(a + i + 32),
                                                           wasm_v128_load(b + i + 32))),
                           wasm_i8x16_popcnt(wasm_v128_xor(wasm_v128_load(a + i + 48),
                                                           wasm_v128_load(b + i + 48)))));
        acc = wasm_i32x4_add(acc,
                             wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(c)));
    }
    for (; i + 16 <= n; i += 16) {
        v128_t c = wasm_i8x16_popcnt(wasm_v128_xor(wasm_v128_load(a + i), wasm_v128_load(b + i)));
        acc = wasm_i32x4_add(acc,
                             wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(c)));
    }
    uint32_t bits =
        (uint32_t)wasm_i32x4_extract_lane(acc, 0) + (uint32_t)wasm_i32x4_extract_lane(acc, 1) +
        (uint32_t)wasm_i32x4_extract_lane(acc, 2) + (uint32_t)wasm_i32x4_extract_lane(acc, 3);
    for (; i < n; i++)
        bits += (uint32_t)__builtin_popcount((unsigned)(a[i] ^ b[i]));
    return bits;
}

static float rvfk_wasm128_dist_f32(rvf_metric m, const float *a, const float *b, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return (float)rvfk_wasm128_hamming((const uint8_t *)a, (const uint8_t *)b, dim * 4);
    return dist_core(m, KF32, KF32, a, NULL, b, NULL, NULL, NULL, NULL, dim);
}

static float rvfk_wasm128_dist_f32_f16(rvf_metric m, const float *q, const uint16_t *v, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF;
    return dist_core(m, KF32, KF16, q, NULL, NULL, v, NULL, NULL, NULL, dim);
}

static float rvfk_wasm128_dist_f16(rvf_metric m, const uint16_t *a, const uint16_t *b, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return (float)rvfk_wasm128_hamming((const uint8_t *)a, (const uint8_t *)b, dim * 2);
    return dist_core(m, KF16, KF16, NULL, a, NULL, b, NULL, NULL, NULL, dim);
}

static float rvfk_wasm128_dist_f32_sq8(rvf_metric m, const float *q, const uint8_t *codes,
                                       const float *min, const float *max, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF;
    return dist_core(m, KF32, KSQ8, q, NULL, NULL, NULL, codes, min, max, dim);
}

/* No gather in SIMD128: four independent scalar chains instead of one. */

const rvfk_ops rvfk_wasm128_ops = {
    "wasm128",
    rvfk_wasm128_dist_f32,
    rvfk_wasm128_dist_f32_f16,
    rvfk_wasm128_dist_f16,
    rvfk_wasm128_dist_f32_sq8,
    rvfk_wasm128_hamming,
    rvfk_pq_adc_chains,
    rvfk_crc32c_update, /* no CRC instruction in wasm: the scalar table code */
};

#else
typedef int rvfk_wasm128_empty_unit; /* ISO C: a translation unit is never empty */
#endif /* RVFK_HAVE_WASM128 */
