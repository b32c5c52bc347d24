/* rvfk_dist_scalar.c: the reference distances of RVF-BRIEF §8.1. Every other variant is tested
 * against these. Sums run in f32 from dimension 0 upward, one element at a time, so the result is
 * the same on every conforming compiler (the kernel builds with -ffp-contract=off: no FMA fusion).
 */
#include "rvf_deps.h"
#include "rvf_kernel.h"
#include "rvfk_dist_common.h"
#include "rvfk_variants.h"

/* The three sums every metric is made of; `load` converts one element of each side to f32. */
#define RVF_DIST_BODY(m, dim, QA, QB)                                                              \
    do {                                                                                           \
        float acc = 0.0f, na = 0.0f, nb = 0.0f;                                                    \
        switch (m) {                                                                               \
        case RVF_METRIC_L2:                                                                        \
            for (size_t i = 0; i < (dim); i++) {                                                   \
                float d = (QA) - (QB);                                                             \
                acc += d * d;                                                                      \
            }                                                                                      \
            return acc;                                                                            \
        case RVF_METRIC_IP:                                                                        \
            for (size_t i = 0; i < (dim); i++)                                                     \
                acc += (QA) * (QB);                                                                \
            return -acc;                                                                           \
        case RVF_METRIC_COSINE:                                                                    \
            for (size_t i = 0; i < (dim); i++) {                                                   \
                float x = (QA), y = (QB);                                                          \
                acc += x * y;                                                                      \
                na += x * x;                                                                       \
                nb += y * y;                                                                       \
            }                                                                                      \
            return rvfk_cosine_finish(acc, na, nb);                                                \
        default:                                                                                   \
            return RVFK_NANF;                                                                      \
        }                                                                                          \
    } while (0)

uint32_t rvfk_hamming(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint32_t bits = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        bits += (uint32_t)__builtin_popcountll(rvfk_ld_u64(a + i) ^ rvfk_ld_u64(b + i));
    for (; i < n; i++)
        bits += (uint32_t)__builtin_popcount((unsigned)(a[i] ^ b[i]));
    return bits;
}

float rvfk_dist_f32(rvf_metric m, const float *a, const float *b, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return (float)rvfk_hamming((const uint8_t *)a, (const uint8_t *)b, dim * 4);
    RVF_DIST_BODY(m, dim, a[i], b[i]);
}

float rvfk_dist_f32_f16(rvf_metric m, const float *q, const uint16_t *v, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF; /* the two sides have different byte widths */
    RVF_DIST_BODY(m, dim, q[i], rvfk_f16_to_f32(v[i]));
}

float rvfk_dist_f32_bf16(rvf_metric m, const float *q, const uint16_t *v, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF;
    RVF_DIST_BODY(m, dim, q[i], rvfk_bf16_to_f32(v[i]));
}

float rvfk_dist_f16(rvf_metric m, const uint16_t *a, const uint16_t *b, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return (float)rvfk_hamming((const uint8_t *)a, (const uint8_t *)b, dim * 2);
    RVF_DIST_BODY(m, dim, rvfk_f16_to_f32(a[i]), rvfk_f16_to_f32(b[i]));
}

static inline float rvfk_sq8_value(uint8_t q, float lo, float hi)
{
    return (float)q / 255.0f * (hi - lo) + lo;
}

float rvfk_dist_f32_sq8(rvf_metric m, const float *q, const uint8_t *codes, const float *min,
                        const float *max, size_t dim)
{
    if (m == RVF_METRIC_HAMMING)
        return RVFK_NANF;
    RVF_DIST_BODY(m, dim, q[i], rvfk_sq8_value(codes[i], min[i], max[i]));
}

void rvfk_sq8_decode(const uint8_t *codes, const float *min, const float *max, size_t dim,
                     float *out)
{
    for (size_t i = 0; i < dim; i++)
        out[i] = rvfk_sq8_value(codes[i], min[i], max[i]);
}

void rvfk_sq8_encode(const float *v, const float *min, const float *max, size_t dim, uint8_t *codes)
{
    for (size_t i = 0; i < dim; i++) {
        float t = (v[i] - min[i]) / (max[i] - min[i]);
        if (!(t > 0.0f)) /* NaN encodes as 0 */
            t = 0.0f;
        if (t > 1.0f)
            t = 1.0f;
        float x = t * 255.0f;
        uint32_t r = (uint32_t)x; /* roundf, half away from zero; x - r is exact below 2^23 */
        codes[i] = (uint8_t)(x - (float)r >= 0.5f ? r + 1 : r);
    }
}

int32_t rvfk_pq_table(rvf_metric m, const float *q, const float *codebook, size_t pq_m, size_t pq_k,
                      size_t sub_dim, float *table, size_t table_cap)
{
    if (pq_m == 0 || pq_k == 0 || sub_dim == 0 || pq_k > 256)
        return RVF_ERR_INVALID_ARGUMENT;
    if (m != RVF_METRIC_L2 && m != RVF_METRIC_IP)
        return RVF_ERR_METRIC_UNSUPPORTED;
    if (table_cap < pq_m * pq_k)
        return RVF_ERR_BUFFER_TOO_SMALL;
    for (size_t s = 0; s < pq_m; s++) {
        const float *qs = q + s * sub_dim;
        for (size_t c = 0; c < pq_k; c++)
            table[s * pq_k + c] =
                rvfk_dist_f32(m, qs, codebook + (s * pq_k + c) * sub_dim, sub_dim);
    }
    return (int32_t)(pq_m * pq_k);
}

float rvfk_pq_adc(const float *table, const uint8_t *codes, size_t pq_m, size_t pq_k)
{
    float acc = 0.0f;
    for (size_t s = 0; s < pq_m; s++)
        if (codes[s] < pq_k)
            acc += table[s * pq_k + codes[s]];
    return acc;
}

/* The SIMD variants' pq_adc: four independent chains instead of one dependent sum (a gather
 * measured slower even with AVX2). Plain C, so every variant shares it; its rounding differs from
 * rvfk_pq_adc's sequential sum within kernel/SIMD.md's tolerance. */
float rvfk_pq_adc_chains(const float *table, const uint8_t *codes, size_t pq_m, size_t pq_k)
{
    float t0 = 0.0f, t1 = 0.0f, t2 = 0.0f, t3 = 0.0f, t = 0.0f;
    size_t s = 0;
    for (; s + 4 <= pq_m; s += 4) {
        const float *r = table + s * pq_k;
        uint8_t c0 = codes[s], c1 = codes[s + 1], c2 = codes[s + 2], c3 = codes[s + 3];
        if (c0 < pq_k)
            t0 += r[c0];
        if (c1 < pq_k)
            t1 += r[pq_k + c1];
        if (c2 < pq_k)
            t2 += r[2 * pq_k + c2];
        if (c3 < pq_k)
            t3 += r[3 * pq_k + c3];
    }
    for (; s < pq_m; s++)
        if (codes[s] < pq_k)
            t += table[s * pq_k + codes[s]];
    return ((t0 + t1) + (t2 + t3)) + t;
}
