/* rvf_codec.c: LEB128 varints and delta encoding with restart points (FORMAT.md "Conventions").
 * The id maps of every VEC block go through here, so the loops write straight into the buffer
 * instead of calling a per-byte append. */
#include "rvf_internal.h"

static inline size_t varint_put(uint8_t *o, uint64_t v)
{
    size_t k = 0;
    while (v >= 0x80) {
        o[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    o[k++] = (uint8_t)v;
    return k;
}

size_t rvf_varint_put(uint8_t out[10], uint64_t v)
{
    return varint_put(out, v);
}

void rvf_buf_varint(rvf_buf *b, uint64_t v)
{
    if (rvf_buf_reserve(b, 10))
        b->len += varint_put(b->data + b->len, v);
}

/* The 10th byte may only carry bit 63, so it must be 0 or 1 (which also rules out an 11th). */
static inline rvf_status varint_get(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    size_t i = *pos;
    uint64_t r = 0;
    for (unsigned shift = 0; i < len; shift += 7) {
        uint8_t c = p[i++];
        if (shift == 63 && c > 1)
            return RVF_ERR_TRUNCATED_SEGMENT;
        r |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *pos = i;
            *v = r;
            return RVF_OK;
        }
    }
    return RVF_ERR_TRUNCATED_SEGMENT;
}

rvf_status rvf_varint_get(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    return varint_get(p, len, pos, v);
}

rvf_status rvf_delta_encode(rvf_buf *b, const uint64_t *v, size_t n, uint32_t restart)
{
    if (restart == 0)
        return RVF_ERR_INVALID_ARGUMENT;
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[i - 1])
            return RVF_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n; i++) {
        if (b->cap - b->len < 10 && !rvf_buf_reserve(b, 10))
            return RVF_ERR_OUT_OF_MEMORY;
        b->len += varint_put(b->data + b->len, i % restart ? v[i] - v[i - 1] : v[i]);
    }
    return rvf_buf_status(b);
}

rvf_status rvf_delta_decode(const uint8_t *p, size_t len, size_t *pos, uint64_t *out, size_t n,
                            uint32_t restart)
{
    if (restart == 0)
        return RVF_ERR_TRUNCATED_SEGMENT;
    size_t at = *pos;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x;
        rvf_status s = varint_get(p, len, &at, &x);
        if (s != RVF_OK)
            return s;
        if (i % restart == 0) {
            if (i && x < prev)
                return RVF_ERR_TRUNCATED_SEGMENT;
            prev = x;
        } else {
            if (x > UINT64_MAX - prev)
                return RVF_ERR_TRUNCATED_SEGMENT;
            prev += x;
        }
        out[i] = prev;
    }
    *pos = at;
    return RVF_OK;
}
