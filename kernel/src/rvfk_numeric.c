/* rvfk_numeric.c: f16 and bf16 conversions (RVF-BRIEF §11.3). Bit manipulation only, so the
 * results are the same on every target and need no hardware half-float support. */
#include "rvf_deps.h"
#include "rvf_kernel.h"

float rvfk_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t man = h & 0x3FFu;
    if (exp == 0x1F) /* infinity or NaN: payload moves to the top of the f32 mantissa */
        return rvfk_bits_f32(sign | 0x7F800000u | (man << 13));
    if (exp == 0) {
        if (man == 0)
            return rvfk_bits_f32(sign);
        /* subnormal: value = man * 2^-24, exact in f32 */
        float v = (float)man * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    return rvfk_bits_f32(sign | ((exp + 112u) << 23) | (man << 13));
}

uint16_t rvfk_f32_to_f16(float f)
{
    uint32_t b = rvfk_f32_bits(f);
    uint16_t sign = (uint16_t)((b >> 16) & 0x8000u);
    uint32_t exp = (b >> 23) & 0xFFu;
    uint32_t man = b & 0x7FFFFFu;
    if (exp == 0xFF) {
        if (man == 0)
            return (uint16_t)(sign | 0x7C00u);
        return (uint16_t)(sign | 0x7E00u | (man >> 13)); /* quiet NaN, top payload kept */
    }
    int32_t e = (int32_t)exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7C00u);
    if (e <= 0) {
        if (e < -10)
            return sign; /* below half the smallest subnormal: rounds to zero */
        uint32_t m = man | 0x800000u;
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t half = 1u << (shift - 1);
        uint32_t rest = m & ((1u << shift) - 1u);
        uint32_t r = m >> shift;
        if (rest > half || (rest == half && (r & 1u)))
            r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = ((uint32_t)e << 10) | (man >> 13);
    uint32_t rest = man & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (r & 1u)))
        r++; /* a carry into the exponent is correct, up to infinity */
    return (uint16_t)(sign | r);
}

uint16_t rvfk_f32_to_f16_trunc(float f)
{
    uint32_t b = rvfk_f32_bits(f);
    uint32_t s = (b >> 16) & 0x8000u;
    uint32_t e = (b >> 23) & 0xFFu;
    uint32_t m = b & 0x7FFFFFu;
    if (e == 0xFF)
        return (uint16_t)(s | 0x7C00u | (m ? 0x200u : 0u));
    int32_t ne = (int32_t)e - 112;
    if (ne >= 31)
        return (uint16_t)(s | 0x7C00u);
    if (ne <= 0) {
        if (ne < -10)
            return (uint16_t)s;
        return (uint16_t)(s | ((m | 0x800000u) >> (14 - ne)));
    }
    return (uint16_t)(s | ((uint32_t)ne << 10) | (m >> 13));
}

float rvfk_bf16_to_f32(uint16_t h)
{
    return rvfk_bits_f32((uint32_t)h << 16);
}

uint16_t rvfk_f32_to_bf16(float f)
{
    uint32_t b = rvfk_f32_bits(f);
    if ((b & 0x7F800000u) == 0x7F800000u && (b & 0x7FFFFFu))
        return (uint16_t)((b >> 16) | 0x40u); /* quiet NaN */
    b += 0x7FFFu + ((b >> 16) & 1u);
    return (uint16_t)(b >> 16);
}

void rvfk_f16_to_f32_n(const uint16_t *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = rvfk_f16_to_f32(src[i]);
}

void rvfk_f32_to_f16_n(const float *src, uint16_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = rvfk_f32_to_f16(src[i]);
}
