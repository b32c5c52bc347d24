/* rvfk_x86_sse41.c: the SSE4.1 variant (built with -msse4.2 -mpopcnt; chosen at run time when
 * the CPU has SSE4.2 and POPCNT, the latter two for the crc32 and popcnt instructions). Same
 * semantics as the scalar reference in rvfk_dist_scalar.c; see kernel/SIMD.md for the
 * tolerances the tests enforce.
 *
 * Why it looks the way it does:
 *   - Loads are unaligned: vectors come from mapped files and user buffers at any alignment.
 *   - Four accumulators per sum: an addps chain is latency-bound; four independent chains are
 *     enough to keep the adder busy (there is no FMA here: products are rounded, then added).
 *   - The last dim % 4 elements are handled by one more full-width load ending exactly at dim,
 *     with the lanes already summed masked to zero before any arithmetic (so NaN or infinity
 *     there cannot leak). Nothing outside [0, dim) is read. Below 4 elements the scalar formula
 *     runs as is: dim 0..3 is bit-identical to the reference.
 *   - f16 -> f32 without F16C: the exponent is rebased with integer adds, subnormals are
 *     normalised by one exact f32 subtraction, infinities and NaN payloads move to the top of
 *     the f32 mantissa exactly as rvfk_f16_to_f32 does. Bit-identical to it for all 65536 inputs.
 *   - SQ8 decode keeps the reference's exact formula (divide, multiply, add), so decoded values
 *     are bit-identical; only the sums are reassociated. */
#include "rvf_deps.h"
#include "rvf_kernel.h"
#include "rvfk_dist_common.h"
#include "rvfk_variants.h"

#if RVFK_HAVE_X86
#include <immintrin.h>

bool rvfk_x86_has_sse41(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
}

/* Lanes k >= 4 - rem all-ones: loadu(rvfk_sse41_tail + rem), rem in 1..3. */
static const int32_t rvfk_sse41_tail[8] = {0, 0, 0, 0, -1, -1, -1, -1};

RVFK_AI __m128i ld128i(const void *p)
{
    return _mm_loadu_si128(p);
}
RVFK_AI __m128i ld64i(const void *p)
{
    return _mm_loadl_epi64(p);
}

RVFK_AI float hsum128(__m128 x)
{
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

/* Four f16 values, zero-extended into the u32 lanes of h, to f32 (exact; see the file comment). */
RVFK_AI __m128 h2f(__m128i h)
{
    const __m128i expmask = _mm_set1_epi32(0x0F800000); /* 0x7C00 << 13 */
    __m128i o = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x7FFF)), 13);
    __m128i e = _mm_and_si128(o, expmask);
    __m128i is_inf = _mm_cmpeq_epi32(e, expmask);
    __m128i is_sub = _mm_cmpeq_epi32(e, _mm_setzero_si128());
    o = _mm_add_epi32(o, _mm_set1_epi32(0x38000000)); /* (127 - 15) << 23 */
    o = _mm_add_epi32(o, _mm_and_si128(is_inf, _mm_set1_epi32(0x38000000)));
    o = _mm_add_epi32(o, _mm_and_si128(is_sub, _mm_set1_epi32(0x00800000)));
    __m128 f = _mm_castsi128_ps(o);
    /* subnormal or zero: 2^-14 * (1 + man/1024) - 2^-14 = man * 2^-24, exact */
    __m128 fs = _mm_sub_ps(f, _mm_castsi128_ps(_mm_set1_epi32(0x38800000)));
    f = _mm_blendv_ps(f, fs, _mm_castsi128_ps(is_sub));
    __m128i sign = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x8000)), 16);
    return _mm_or_ps(f, _mm_castsi128_ps(sign));
}

RVFK_AI __m128 lda(int ka, const float *a32, const uint16_t *a16, size_t i)
{
    if (ka == KF32)
        return _mm_loadu_ps(a32 + i);
    return h2f(_mm_cvtepu16_epi32(ld64i(a16 + i)));
}

RVFK_AI __m128 ldb(int kb, const float *b32, const uint16_t *b16, const uint8_t *b8,
                   const float *mn, const float *mx, size_t i)
{
    if (kb == KF32)
        return _mm_loadu_ps(b32 + i);
    if (kb == KF16)
        return h2f(_mm_cvtepu16_epi32(ld64i(b16 + i)));
    __m128 c = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128((int)rvfk_ld_u32(b8 + i))));
    __m128 lo = _mm_loadu_ps(mn + i), hi = _mm_loadu_ps(mx + i);
    return _mm_add_ps(_mm_mul_ps(_mm_div_ps(c, _mm_set1_ps(255.0f)), _mm_sub_ps(hi, lo)), lo);
}

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
    const __m128 z = _mm_setzero_ps();
    const size_t rem = dim & 3;
    const size_t j = dim - 4; /* start of the overlapping last block */
    const __m128 tmask = _mm_castsi128_ps(ld128i(rvfk_sse41_tail + rem));
    if (m == RVF_METRIC_L2) {
        __m128 s0 = z, s1 = z, s2 = z, s3 = z;
        for (; i + 16 <= dim; i += 16) {
            __m128 d0 = _mm_sub_ps(LA(i), LB(i));
            __m128 d1 = _mm_sub_ps(LA(i + 4), LB(i + 4));
            __m128 d2 = _mm_sub_ps(LA(i + 8), LB(i + 8));
            __m128 d3 = _mm_sub_ps(LA(i + 12), LB(i + 12));
            s0 = _mm_add_ps(s0, _mm_mul_ps(d0, d0));
            s1 = _mm_add_ps(s1, _mm_mul_ps(d1, d1));
            s2 = _mm_add_ps(s2, _mm_mul_ps(d2, d2));
            s3 = _mm_add_ps(s3, _mm_mul_ps(d3, d3));
        }
        for (; i + 4 <= dim; i += 4) {
            __m128 d = _mm_sub_ps(LA(i), LB(i));
            s0 = _mm_add_ps(s0, _mm_mul_ps(d, d));
        }
        if (rem) {
            __m128 d = _mm_and_ps(tmask, _mm_sub_ps(LA(j), LB(j)));
            s1 = _mm_add_ps(s1, _mm_mul_ps(d, d));
        }
        return hsum128(_mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)));
    }
    if (m == RVF_METRIC_IP) {
        __m128 s0 = z, s1 = z, s2 = z, s3 = z;
        for (; i + 16 <= dim; i += 16) {
            s0 = _mm_add_ps(s0, _mm_mul_ps(LA(i), LB(i)));
            s1 = _mm_add_ps(s1, _mm_mul_ps(LA(i + 4), LB(i + 4)));
            s2 = _mm_add_ps(s2, _mm_mul_ps(LA(i + 8), LB(i + 8)));
            s3 = _mm_add_ps(s3, _mm_mul_ps(LA(i + 12), LB(i + 12)));
        }
        for (; i + 4 <= dim; i += 4)
            s0 = _mm_add_ps(s0, _mm_mul_ps(LA(i), LB(i)));
        if (rem) {
            __m128 x = _mm_and_ps(tmask, LA(j)), y = _mm_and_ps(tmask, LB(j));
            s1 = _mm_add_ps(s1, _mm_mul_ps(x, y));
        }
        return -hsum128(_mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)));
    }
    __m128 d0 = z, d1 = z, a0 = z, a1 = z, b0 = z, b1 = z;
    for (; i + 8 <= dim; i += 8) {
        __m128 x0 = LA(i), y0 = LB(i), x1 = LA(i + 4), y1 = LB(i + 4);
        d0 = _mm_add_ps(d0, _mm_mul_ps(x0, y0));
        a0 = _mm_add_ps(a0, _mm_mul_ps(x0, x0));
        b0 = _mm_add_ps(b0, _mm_mul_ps(y0, y0));
        d1 = _mm_add_ps(d1, _mm_mul_ps(x1, y1));
        a1 = _mm_add_ps(a1, _mm_mul_ps(x1, x1));
        b1 = _mm_add_ps(b1, _mm_mul_ps(y1, y1));
    }
    for (; i + 4 <= dim; i += 4) {
        __m128 x = LA(i), y = LB(i);
        d0 = _mm_add_ps(d0, _mm_mul_ps(x, y));
        a0 = _mm_add_ps(a0, _mm_mul_ps(x, x));
        b0 = _mm_add_ps(b0, _mm_mul_ps(y, y));
    }
    if (rem) {
        __m128 x = _mm_and_ps(tmask, LA(j)), y = _mm_and_ps(tmask, LB(j));
        d1 = _mm_add_ps(d1, _mm_mul_ps(x, y));
        a1 = _mm_add_ps(a1, _mm_mul_ps(x, x));
        b1 = _mm_add_ps(b1, _mm_mul_ps(y, y));
    }
    return rvfk_cosine_finish(hsum128(_mm_add_ps(d0, d1)), hsum128(_mm_add_ps(a0, a1)),
                              hsum128(_mm_add_ps(b0, b1)));
#undef LA
#undef LB
}

static uint32_t rvfk_sse41_hamming(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        c0 += (uint64_t)__builtin_popcountll(rvfk_ld_u64(a + i) ^ rvfk_ld_u64(b + i));
        c1 += (uint64_t)__builtin_popcountll(rvfk_ld_u64(a + i + 8) ^ rvfk_ld_u64(b + i + 8));
        c2 += (uint64_t)__builtin_popcountll(rvfk_ld_u64(a + i + 16) ^ rvfk_ld_u64(b + i + 16));
        c3 += (uint64_t)__builtin_popcountll(rvfk_ld_u64(a + i + 24) ^ rvfk_ld_u64(b + i + 24));
    }
    for (; i + 8 <= n; i += 8)
        c0 += (uint64_t)__builtin_popcountll(rvfk_ld_u64(a + i) ^ rvfk_ld_u64(b + i));
    for (; i < n; i++)
        c1 += (uint64_t)__builtin_popcount((unsigned)(a[i] ^ b[i]));
    return (uint32_t)(c0 + c1 + c2 + c3);
}

static float rvfk_sse41_dist_f32(rvf_metric m, const float *a, const float *b, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return (float)rvfk_sse41_hamming((const uint8_t *)a, (const uint8_t *)b, dim * 4);
    return dist_core(m, KF32, KF32, a, NULL, b, NULL, NULL, NULL, NULL, dim);
}

static float rvfk_sse41_dist_f32_f16(rvf_metric m, const float *q, const uint16_t *v, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF;
    return dist_core(m, KF32, KF16, q, NULL, NULL, v, NULL, NULL, NULL, dim);
}

static float rvfk_sse41_dist_f16(rvf_metric m, const uint16_t *a, const uint16_t *b, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return (float)rvfk_sse41_hamming((const uint8_t *)a, (const uint8_t *)b, dim * 2);
    return dist_core(m, KF16, KF16, NULL, a, NULL, b, NULL, NULL, NULL, dim);
}

static float rvfk_sse41_dist_f32_sq8(rvf_metric m, const float *q, const uint8_t *codes,
                                     const float *min, const float *max, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF;
    return dist_core(m, KF32, KSQ8, q, NULL, NULL, NULL, codes, min, max, dim);
}

uint32_t rvfk_x86_crc32c_update(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    for (; n && ((uintptr_t)p & 7u); n--)
        c = _mm_crc32_u8(c, *p++);
#if defined(__x86_64__)
    uint64_t c64 = c;
    for (; n >= 8; n -= 8, p += 8)
        c64 = _mm_crc32_u64(c64, rvfk_ld_u64(p));
    c = (uint32_t)c64;
#else
    for (; n >= 4; n -= 4, p += 4)
        c = _mm_crc32_u32(c, rvfk_ld_u32(p));
#endif
    for (; n; n--)
        c = _mm_crc32_u8(c, *p++);
    return ~c;
}

const rvfk_ops rvfk_sse41_ops = {
    "sse4.1",
    rvfk_sse41_dist_f32,
    rvfk_sse41_dist_f32_f16,
    rvfk_sse41_dist_f16,
    rvfk_sse41_dist_f32_sq8,
    rvfk_sse41_hamming,
    rvfk_pq_adc_chains,
    rvfk_x86_crc32c_update,
};

#else
typedef int rvfk_sse41_empty_unit; /* ISO C: a translation unit is never empty */
#endif /* RVFK_HAVE_X86 */
