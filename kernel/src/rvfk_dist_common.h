/* rvfk_dist_common.h: the plain-C pieces of the distance code that the scalar reference and every
 * SIMD variant share (private to kernel/src). Each variant keeps only its vector loops. */
#ifndef RVFK_DIST_COMMON_H
#define RVFK_DIST_COMMON_H

#include "rvf_deps.h"
#include "rvf_kernel.h"

#define RVFK_AI   static inline __attribute__((always_inline))
#define RVFK_NANF __builtin_nanf("")

/* Element kinds of the two sides of a distance: f32, f16, or SQ8 codes with min/max. */
enum { KF32 = 0, KF16 = 1, KSQ8 = 2 };

/* §8.1 cosine from its three sums: 1.0 when sqrt(|a|^2 |b|^2) < FLT_EPSILON (or NaN). */
static inline float rvfk_cosine_finish(float dot, float na, float nb)
{
    float denom = rvfk_sqrtf(na * nb);
    if (!(denom >= RVF_FLT_EPSILON)) /* also catches NaN */
        return 1.0f;
    return 1.0f - dot / denom;
}

/* Element i of side a (f32 or f16) and of side b (f32, f16 or SQ8, decoded per §5.5) as f32. */
RVFK_AI float sa(int ka, const float *a32, const uint16_t *a16, size_t i)
{
    return ka == KF32 ? a32[i] : rvfk_f16_to_f32(a16[i]);
}

RVFK_AI float sb(int kb, const float *b32, const uint16_t *b16, const uint8_t *b8, const float *mn,
                 const float *mx, size_t i)
{
    if (kb == KF32)
        return b32[i];
    if (kb == KF16)
        return rvfk_f16_to_f32(b16[i]);
    return (float)b8[i] / 255.0f * (mx[i] - mn[i]) + mn[i];
}

/* The reference formula, element by element: what a SIMD variant computes for vectors shorter
 * than one register, so those results are the scalar ones bit for bit. m is L2, IP or cosine. */
RVFK_AI float rvfk_dist_short(rvf_metric m, int ka, int kb, const float *a32, const uint16_t *a16,
                              const float *b32, const uint16_t *b16, const uint8_t *b8,
                              const float *mn, const float *mx, size_t dim)
{
    float acc = 0.0f, na = 0.0f, nb = 0.0f;
    for (size_t i = 0; i < dim; i++) {
        float x = sa(ka, a32, a16, i), y = sb(kb, b32, b16, b8, mn, mx, i);
        if (m == RVF_METRIC_L2) {
            float d = x - y;
            acc += d * d;
        } else {
            acc += x * y;
            na += x * x;
            nb += y * y;
        }
    }
    if (m == RVF_METRIC_L2)
        return acc;
    if (m == RVF_METRIC_IP)
        return -acc;
    return rvfk_cosine_finish(acc, na, nb);
}

#endif
