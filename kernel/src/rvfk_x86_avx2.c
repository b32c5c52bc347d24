/* rvfk_x86_avx2.c: the AVX2 variant (built with -mavx2 -mf16c -mfma -mpopcnt -msse4.2; chosen at
 * run time only when the CPU and the OS support AVX2, FMA and F16C). Same semantics as the scalar
 * reference in rvfk_dist_scalar.c; see kernel/SIMD.md for the tolerances the tests enforce.
 *
 * Why it looks the way it does:
 *   - Loads are unaligned: vectors come from mapped files and user buffers at any alignment.
 *   - Several accumulators per sum: an FMA chain is latency-bound (4-5 cycles); four independent
 *     chains keep the FMA ports busy.
 *   - The last dim % 8 elements are handled by one more full-width load that ends exactly at
 *     dim (it overlaps elements already summed; those lanes are masked to zero before any
 *     arithmetic, so NaN or infinity there cannot leak). This never reads outside [0, dim).
 *     Below 8 elements the scalar formula runs as is, which makes dim 0..7 bit-identical to the
 *     reference.
 *   - f16 is widened with F16C (exact for every value; a signalling NaN comes out quiet, which
 *     is still NaN: the distance is NaN either way).
 *   - SQ8 decode is bit-identical to the reference's q / 255 * (max - min) + min: the quotient
 *     comes from a corrected reciprocal product (exact for all 256 codes), then multiply and add
 *     without FMA. Only the sums are reassociated. */
#include "rvf_deps.h"
#include "rvf_kernel.h"
#include "rvfk_dist_common.h"
#include "rvfk_variants.h"

#if RVFK_HAVE_X86
#include <cpuid.h>
#include <immintrin.h>

bool rvfk_x86_has_avx2(void)
{
    __builtin_cpu_init();
    /* libgcc / compiler-rt report avx2 and fma only when the OS saves the YMM state (XGETBV).
     * F16C needs the same state; clang 14 has no "f16c" feature string, so it is read from
     * CPUID leaf 1 directly. */
    unsigned eax, ebx, ecx, edx;
    bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
    return f16c && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("sse4.2");
}

/* Lanes k >= 8 - rem all-ones: loadu(rvfk_avx2_tail + rem), rem in 1..7. */
static const int32_t rvfk_avx2_tail[16] = {0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1};

RVFK_AI __m256i ld256i(const void *p)
{
    return _mm256_loadu_si256(p);
}
RVFK_AI __m128i ld128i(const void *p)
{
    return _mm_loadu_si128(p);
}
RVFK_AI __m128i ld64i(const void *p)
{
    return _mm_loadl_epi64(p);
}

RVFK_AI float hsum256(__m256 v)
{
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

/* Eight elements of one side, widened to f32. */
RVFK_AI __m256 lda(int ka, const float *a32, const uint16_t *a16, size_t i)
{
    if (ka == KF32)
        return _mm256_loadu_ps(a32 + i);
    return _mm256_cvtph_ps(ld128i(a16 + i));
}

RVFK_AI __m256 ldb(int kb, const float *b32, const uint16_t *b16, const uint8_t *b8,
                   const float *mn, const float *mx, size_t i)
{
    if (kb == KF32)
        return _mm256_loadu_ps(b32 + i);
    if (kb == KF16)
        return _mm256_cvtph_ps(ld128i(b16 + i));
    __m256 c = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(ld64i(b8 + i)));
    __m256 lo = _mm256_loadu_ps(mn + i), hi = _mm256_loadu_ps(mx + i);
    /* c / 255 correctly rounded without the divider: one Newton correction of c * (1/255).
     * Exhaustively bit-identical to the division for the 256 codes (test_sq8_decode_exact). */
    const __m256 inv = _mm256_set1_ps(1.0f / 255.0f), k255 = _mm256_set1_ps(255.0f);
    __m256 r = _mm256_mul_ps(c, inv);
    r = _mm256_fmadd_ps(_mm256_fnmadd_ps(r, k255, c), inv, r);
    return _mm256_add_ps(_mm256_mul_ps(r, _mm256_sub_ps(hi, lo)), lo);
}

/* The one distance body; every public function calls it with constant kinds, so it is
 * specialised at compile time. */
RVFK_AI float dist_core(rvf_metric m, int ka, int kb, const float *a32, const uint16_t *a16,
                        const float *b32, const uint16_t *b16, const uint8_t *b8, const float *mn,
                        const float *mx, size_t dim)
{
#define LA(i) lda(ka, a32, a16, (i))
#define LB(i) ldb(kb, b32, b16, b8, mn, mx, (i))
    size_t i = 0;
    if (m != RVF_METRIC_L2 && m != RVF_METRIC_IP && m != RVF_METRIC_COSINE)
        return RVFK_NANF;
    if (dim < 8) /* the reference formula, bit for bit */
        return rvfk_dist_short(m, ka, kb, a32, a16, b32, b16, b8, mn, mx, dim);
    const __m256 z = _mm256_setzero_ps();
    const size_t rem = dim & 7;
    const size_t j = dim - 8; /* start of the overlapping last block */
    const __m256 tmask = _mm256_castsi256_ps(ld256i(rvfk_avx2_tail + rem));
    if (m == RVF_METRIC_L2) {
        __m256 s0 = z, s1 = z, s2 = z, s3 = z;
        for (; i + 32 <= dim; i += 32) {
            __m256 d0 = _mm256_sub_ps(LA(i), LB(i));
            __m256 d1 = _mm256_sub_ps(LA(i + 8), LB(i + 8));
            __m256 d2 = _mm256_sub_ps(LA(i + 16), LB(i + 16));
            __m256 d3 = _mm256_sub_ps(LA(i + 24), LB(i + 24));
            s0 = _mm256_fmadd_ps(d0, d0, s0);
            s1 = _mm256_fmadd_ps(d1, d1, s1);
            s2 = _mm256_fmadd_ps(d2, d2, s2);
            s3 = _mm256_fmadd_ps(d3, d3, s3);
        }
        for (; i + 8 <= dim; i += 8) {
            __m256 d = _mm256_sub_ps(LA(i), LB(i));
            s0 = _mm256_fmadd_ps(d, d, s0);
        }
        if (rem) {
            __m256 d = _mm256_and_ps(tmask, _mm256_sub_ps(LA(j), LB(j)));
            s1 = _mm256_fmadd_ps(d, d, s1);
        }
        return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    }
    if (m == RVF_METRIC_IP) {
        __m256 s0 = z, s1 = z, s2 = z, s3 = z;
        for (; i + 32 <= dim; i += 32) {
            s0 = _mm256_fmadd_ps(LA(i), LB(i), s0);
            s1 = _mm256_fmadd_ps(LA(i + 8), LB(i + 8), s1);
            s2 = _mm256_fmadd_ps(LA(i + 16), LB(i + 16), s2);
            s3 = _mm256_fmadd_ps(LA(i + 24), LB(i + 24), s3);
        }
        for (; i + 8 <= dim; i += 8)
            s0 = _mm256_fmadd_ps(LA(i), LB(i), s0);
        if (rem) {
            __m256 x = _mm256_and_ps(tmask, LA(j)), y = _mm256_and_ps(tmask, LB(j));
            s1 = _mm256_fmadd_ps(x, y, s1);
        }
        return -hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    }
    /* cosine: three sums, two chains each */
    __m256 d0 = z, d1 = z, a0 = z, a1 = z, b0 = z, b1 = z;
    for (; i + 16 <= dim; i += 16) {
        __m256 x0 = LA(i), y0 = LB(i), x1 = LA(i + 8), y1 = LB(i + 8);
        d0 = _mm256_fmadd_ps(x0, y0, d0);
        a0 = _mm256_fmadd_ps(x0, x0, a0);
        b0 = _mm256_fmadd_ps(y0, y0, b0);
        d1 = _mm256_fmadd_ps(x1, y1, d1);
        a1 = _mm256_fmadd_ps(x1, x1, a1);
        b1 = _mm256_fmadd_ps(y1, y1, b1);
    }
    for (; i + 8 <= dim; i += 8) {
        __m256 x = LA(i), y = LB(i);
        d0 = _mm256_fmadd_ps(x, y, d0);
        a0 = _mm256_fmadd_ps(x, x, a0);
        b0 = _mm256_fmadd_ps(y, y, b0);
    }
    if (rem) {
        __m256 x = _mm256_and_ps(tmask, LA(j)), y = _mm256_and_ps(tmask, LB(j));
        d1 = _mm256_fmadd_ps(x, y, d1);
        a1 = _mm256_fmadd_ps(x, x, a1);
        b1 = _mm256_fmadd_ps(y, y, b1);
    }
    return rvfk_cosine_finish(hsum256(_mm256_add_ps(d0, d1)), hsum256(_mm256_add_ps(a0, a1)),
                              hsum256(_mm256_add_ps(b0, b1)));
#undef LA
#undef LB
}

static uint32_t rvfk_avx2_hamming(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t bits = 0;
    size_t i = 0;
    if (n >= 64) {
        /* nibble lookup (vpshufb) + vpsadbw: twice the bytes per cycle of scalar popcnt */
        const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
                                             1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        const __m256i low = _mm256_set1_epi8(0x0F);
        const __m256i zero = _mm256_setzero_si256();
        __m256i acc0 = zero, acc1 = zero;
        for (; i + 64 <= n; i += 64) {
            __m256i x0 = _mm256_xor_si256(ld256i(a + i), ld256i(b + i));
            __m256i x1 = _mm256_xor_si256(ld256i(a + i + 32), ld256i(b + i + 32));
            __m256i c0 = _mm256_add_epi8(
                _mm256_shuffle_epi8(lut, _mm256_and_si256(x0, low)),
                _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x0, 4), low)));
            __m256i c1 = _mm256_add_epi8(
                _mm256_shuffle_epi8(lut, _mm256_and_si256(x1, low)),
                _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x1, 4), low)));
            acc0 = _mm256_add_epi64(acc0, _mm256_sad_epu8(c0, zero));
            acc1 = _mm256_add_epi64(acc1, _mm256_sad_epu8(c1, zero));
        }
        __m256i acc = _mm256_add_epi64(acc0, acc1);
        __m128i s = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
        s = _mm_add_epi64(s, _mm_unpackhi_epi64(s, s));
        bits = (uint64_t)_mm_cvtsi128_si64(s);
    }
    for (; i + 8 <= n; i += 8)
        bits += (uint64_t)__builtin_popcountll(rvfk_ld_u64(a + i) ^ rvfk_ld_u64(b + i));
    for (; i < n; i++)
        bits += (uint64_t)__builtin_popcount((unsigned)(a[i] ^ b[i]));
    return (uint32_t)bits;
}

static float rvfk_avx2_dist_f32(rvf_metric m, const float *a, const float *b, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return (float)rvfk_avx2_hamming((const uint8_t *)a, (const uint8_t *)b, dim * 4);
    return dist_core(m, KF32, KF32, a, NULL, b, NULL, NULL, NULL, NULL, dim);
}

static float rvfk_avx2_dist_f32_f16(rvf_metric m, const float *q, const uint16_t *v, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF;
    return dist_core(m, KF32, KF16, q, NULL, NULL, v, NULL, NULL, NULL, dim);
}

static float rvfk_avx2_dist_f16(rvf_metric m, const uint16_t *a, const uint16_t *b, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return (float)rvfk_avx2_hamming((const uint8_t *)a, (const uint8_t *)b, dim * 2);
    return dist_core(m, KF16, KF16, NULL, a, NULL, b, NULL, NULL, NULL, dim);
}

static float rvfk_avx2_dist_f32_sq8(rvf_metric m, const float *q, const uint8_t *codes,
                                    const float *min, const float *max, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF;
    return dist_core(m, KF32, KSQ8, q, NULL, NULL, NULL, codes, min, max, dim);
}

/* Four independent scalar chains. A masked vgatherdps (eight subspaces per gather) was measured
 * slower than this on a CPU with the gather microcode mitigation (GDS), and so were eight chains
 * kept in an array. */

const rvfk_ops rvfk_avx2_ops = {
    "avx2",
    rvfk_avx2_dist_f32,
    rvfk_avx2_dist_f32_f16,
    rvfk_avx2_dist_f16,
    rvfk_avx2_dist_f32_sq8,
    rvfk_avx2_hamming,
    rvfk_pq_adc_chains,
    rvfk_x86_crc32c_update,
};

#else
typedef int rvfk_avx2_empty_unit; /* ISO C: a translation unit is never empty */
#endif /* RVFK_HAVE_X86 */
