/* rvf_quant.c: scalar, product and binary quantizers and the QUANT_SEG codec (rvf_quant.h). */
#include "rvf_quant.h"

#include <float.h>
#include <math.h>
#include <string.h>

void rvf_quant_free(rvf_quant *q)
{
    if (!q)
        return;
    rvf_free(q->min);
    rvf_free(q->max);
    rvf_free(q->codebook);
    memset(q, 0, sizeof *q);
}

/* ---- scalar ------------------------------------------------------------------------------- */

rvf_status rvf_sq_train(const float *rows, size_t n, size_t stride, uint16_t dim, rvf_quant *out)
{
    if (!rows || !out || n == 0 || dim == 0 || stride < dim)
        return RVF_ERR_INVALID_ARGUMENT;
    float *mn = rvf_malloc((size_t)dim * sizeof(float));
    float *mx = rvf_malloc((size_t)dim * sizeof(float));
    if (!mn || !mx) {
        rvf_free(mn);
        rvf_free(mx);
        return RVF_ERR_OUT_OF_MEMORY;
    }
    memcpy(mn, rows, (size_t)dim * sizeof(float));
    memcpy(mx, rows, (size_t)dim * sizeof(float));
    rvf_status st = RVF_OK;
    for (size_t i = 0; i < n && st == RVF_OK; i++) {
        const float *r = rows + i * stride;
        for (size_t d = 0; d < dim; d++) {
            if (!isfinite(r[d])) {
                st = RVF_ERR_INVALID_ARGUMENT;
                break;
            }
            if (r[d] < mn[d])
                mn[d] = r[d];
            if (r[d] > mx[d])
                mx[d] = r[d];
        }
    }
    for (size_t d = 0; d < dim && st == RVF_OK; d++) {
        if (fabsf(mx[d] - mn[d]) < FLT_EPSILON)
            mx[d] = mn[d] + 1.0f;
        if (!isfinite(mx[d] - mn[d]))
            st = RVF_ERR_INVALID_ARGUMENT;
    }
    if (st != RVF_OK) {
        rvf_free(mn);
        rvf_free(mx);
        return st;
    }
    *out = (rvf_quant){.type = RVF_QUANT_SCALAR, .tier = 0, .dim = dim, .min = mn, .max = mx};
    return RVF_OK;
}

void rvf_sq_encode(const rvf_quant *q, const float *v, uint8_t *codes)
{
    rvfk_sq8_encode(v, q->min, q->max, q->dim, codes);
}

void rvf_sq_decode(const rvf_quant *q, const uint8_t *codes, float *out)
{
    rvfk_sq8_decode(codes, q->min, q->max, q->dim, out);
}

float rvf_sq_l2_codes(const rvf_quant *q, const uint8_t *a, const uint8_t *b)
{
    float acc = 0.0f;
    for (size_t d = 0; d < q->dim; d++) {
        int diff = (int)a[d] - (int)b[d];
        if (!diff) /* equal codes add exactly 0, even where range * range overflows f32 */
            continue;
        float range = q->max[d] - q->min[d];
        acc += (float)(diff * diff) * (range * range) / 65025.0f;
    }
    return acc;
}

float rvf_sq_dist(const rvf_quant *q, rvf_metric m, const float *query, const uint8_t *codes)
{
    if (m != RVF_METRIC_L2 && m != RVF_METRIC_IP && m != RVF_METRIC_COSINE)
        return NAN;
    return rvfk_dist_f32_sq8(m, query, codes, q->min, q->max, q->dim);
}

/* ---- product quantization ----------------------------------------------------------------- */

rvf_status rvf_pq_train(const float *rows, size_t n, size_t stride, uint16_t dim, uint16_t m,
                        uint16_t k, const rvf_kmeans_params *km, rvf_quant *out)
{
    if (!rows || !out || m == 0 || dim == 0 || dim % m != 0 || k == 0 || k > RVF_QUANT_PQ_MAX_K ||
        n < k || stride < dim)
        return RVF_ERR_INVALID_ARGUMENT;
    const size_t sub = dim / m;
    float *cb = rvf_malloc((size_t)m * k * sub * sizeof(float));
    if (!cb)
        return RVF_ERR_OUT_OF_MEMORY;
    rvf_kmeans_params p = km ? *km : (rvf_kmeans_params){0};
    const uint64_t seed = p.seed;
    for (size_t s = 0; s < m; s++) {
        p.seed = seed + s;
        rvf_status st =
            rvf_kmeans(rows + s * sub, n, sub, stride, k, &p, cb + s * k * sub, NULL, NULL);
        if (st != RVF_OK) {
            rvf_free(cb);
            return st;
        }
    }
    *out = (rvf_quant){.type = RVF_QUANT_PQ,
                       .tier = 1,
                       .dim = dim,
                       .pq_m = m,
                       .pq_k = k,
                       .pq_sub_dim = (uint16_t)sub,
                       .codebook = cb};
    return RVF_OK;
}

void rvf_pq_encode(const rvf_quant *q, const float *v, uint8_t *codes)
{
    const size_t sub = q->pq_sub_dim, k = q->pq_k;
    for (size_t s = 0; s < q->pq_m; s++)
        codes[s] =
            (uint8_t)rvf_kmeans_nearest(v + s * sub, q->codebook + s * k * sub, q->pq_k, sub, NULL);
}

rvf_status rvf_pq_decode(const rvf_quant *q, const uint8_t *codes, float *out)
{
    const size_t sub = q->pq_sub_dim, k = q->pq_k;
    rvf_status st = RVF_OK;
    for (size_t s = 0; s < q->pq_m; s++) {
        if (codes[s] >= k) {
            memset(out + s * sub, 0, sub * sizeof(float));
            st = RVF_ERR_INVALID_ARGUMENT;
            continue;
        }
        memcpy(out + s * sub, q->codebook + (s * k + codes[s]) * sub, sub * sizeof(float));
    }
    return st;
}

rvf_status rvf_pq_table(const rvf_quant *q, rvf_metric m, const float *query, float *table,
                        size_t table_cap)
{
    if (m != RVF_METRIC_L2 && m != RVF_METRIC_IP && m != RVF_METRIC_COSINE)
        return RVF_ERR_METRIC_UNSUPPORTED;
    rvf_metric tm = m == RVF_METRIC_COSINE ? RVF_METRIC_IP : m;
    int32_t r =
        rvfk_pq_table(tm, query, q->codebook, q->pq_m, q->pq_k, q->pq_sub_dim, table, table_cap);
    if (r < 0)
        return r;
    if (m == RVF_METRIC_COSINE)
        for (size_t c = 0; c < q->pq_k; c++)
            table[c] += 1.0f;
    return RVF_OK;
}

float rvf_pq_adc(const rvf_quant *q, const float *table, const uint8_t *codes)
{
    return rvfk_pq_adc(table, codes, q->pq_m, q->pq_k);
}

/* ---- binary ------------------------------------------------------------------------------- */

rvf_status rvf_bin_init(uint16_t dim, rvf_quant *out)
{
    if (!out || dim == 0)
        return RVF_ERR_INVALID_ARGUMENT;
    *out = (rvf_quant){.type = RVF_QUANT_BINARY, .tier = 2, .dim = dim};
    return RVF_OK;
}

void rvf_bin_encode(const float *v, size_t dim, uint8_t *code)
{
    memset(code, 0, rvf_bin_bytes(dim));
    for (size_t d = 0; d < dim; d++)
        if (v[d] >= 0.0f)
            code[d / 8] |= (uint8_t)(1u << (d % 8));
}

void rvf_bin_decode(const uint8_t *code, size_t dim, float *out)
{
    for (size_t d = 0; d < dim; d++)
        out[d] = (code[d / 8] >> (d % 8)) & 1u ? 1.0f : -1.0f;
}

uint32_t rvf_bin_hamming(const uint8_t *a, const uint8_t *b, size_t dim)
{
    return rvfk_hamming(a, b, rvf_bin_bytes(dim));
}

/* ---- QUANT_SEG codec ---------------------------------------------------------------------- */

/* The header and value checks shared by the encoder and the decoder (INVALID_MANIFEST). */
static rvf_status check_sq(const float *mn, const float *mx, size_t dim)
{
    for (size_t d = 0; d < dim; d++)
        if (!isfinite(mn[d]) || !isfinite(mx[d]) || mx[d] < mn[d] || !isfinite(mx[d] - mn[d]))
            return RVF_ERR_INVALID_MANIFEST;
    return RVF_OK;
}

static rvf_status check_pq_shape(uint16_t dim, uint16_t m, uint16_t k, uint16_t sub)
{
    if (m == 0 || k == 0 || k > RVF_QUANT_PQ_MAX_K || sub == 0 || (uint32_t)m * sub != dim)
        return RVF_ERR_INVALID_MANIFEST;
    return RVF_OK;
}

static rvf_status check_quant(const rvf_quant *q)
{
    if (q->tier > 2 || q->dim == 0)
        return RVF_ERR_INVALID_MANIFEST;
    switch (q->type) {
    case RVF_QUANT_SCALAR:
        return q->min && q->max ? check_sq(q->min, q->max, q->dim) : RVF_ERR_INVALID_MANIFEST;
    case RVF_QUANT_PQ: {
        rvf_status st = check_pq_shape(q->dim, q->pq_m, q->pq_k, q->pq_sub_dim);
        if (st != RVF_OK || !q->codebook)
            return RVF_ERR_INVALID_MANIFEST;
        size_t n = (size_t)q->pq_m * q->pq_k * q->pq_sub_dim;
        for (size_t i = 0; i < n; i++)
            if (!isfinite(q->codebook[i]))
                return RVF_ERR_INVALID_MANIFEST;
        return RVF_OK;
    }
    case RVF_QUANT_BINARY:
        return RVF_OK;
    default:
        return RVF_ERR_ALGO_UNSUPPORTED;
    }
}

rvf_status rvf_quantseg_encode(rvf_buf *out, const rvf_quant *q)
{
    if (!out || !q || check_quant(q) != RVF_OK)
        return RVF_ERR_INVALID_ARGUMENT;
    const size_t start = out->len;
    uint8_t *h = rvf_buf_append(out, RVF_QUANTSEG_HEADER);
    if (h) {
        h[RVF_QUANTSEG_OFF_TYPE] = q->type;
        h[RVF_QUANTSEG_OFF_TIER] = q->tier;
        rvfk_st_u16(h + RVF_QUANTSEG_OFF_DIM, q->dim);
    }
    if (q->type == RVF_QUANT_SCALAR) {
        for (size_t d = 0; d < q->dim; d++)
            rvf_buf_f32(out, q->min[d]);
        for (size_t d = 0; d < q->dim; d++)
            rvf_buf_f32(out, q->max[d]);
    } else if (q->type == RVF_QUANT_PQ) {
        rvf_buf_u16(out, q->pq_m);
        rvf_buf_u16(out, q->pq_k);
        rvf_buf_u16(out, q->pq_sub_dim);
        size_t n = (size_t)q->pq_m * q->pq_k * q->pq_sub_dim;
        uint8_t *cb = rvf_buf_append(out, n * 4);
        if (cb)
            for (size_t i = 0; i < n; i++)
                rvfk_st_f32(cb + 4 * i, q->codebook[i]);
    }
    if (out->oom) {
        out->len = start;
        return RVF_ERR_OUT_OF_MEMORY;
    }
    return RVF_OK;
}

static float *load_f32(const uint8_t *p, size_t n)
{
    float *v = rvf_malloc(n * sizeof(float));
    if (v)
        for (size_t i = 0; i < n; i++)
            v[i] = rvfk_ld_f32(p + 4 * i);
    return v;
}

static rvf_status decode_body(const uint8_t *p, size_t len, rvf_quant *q)
{
    switch (q->type) {
    case RVF_QUANT_SCALAR: {
        const uint64_t need = RVF_QUANTSEG_HEADER + 8 * (uint64_t)q->dim;
        if (len < need)
            return RVF_ERR_TRUNCATED_SEGMENT;
        if (len > need)
            return RVF_ERR_INVALID_MANIFEST;
        q->min = load_f32(p + RVF_QUANTSEG_HEADER, q->dim);
        q->max = load_f32(p + RVF_QUANTSEG_HEADER + 4 * (size_t)q->dim, q->dim);
        if (!q->min || !q->max)
            return RVF_ERR_OUT_OF_MEMORY;
        return check_sq(q->min, q->max, q->dim);
    }
    case RVF_QUANT_PQ: {
        if (len < RVF_QUANTSEG_OFF_PQ_CODEBOOK)
            return RVF_ERR_TRUNCATED_SEGMENT;
        q->pq_m = rvfk_ld_u16(p + RVF_QUANTSEG_OFF_PQ_M);
        q->pq_k = rvfk_ld_u16(p + RVF_QUANTSEG_OFF_PQ_K);
        q->pq_sub_dim = rvfk_ld_u16(p + RVF_QUANTSEG_OFF_PQ_SUBDIM);
        rvf_status st = check_pq_shape(q->dim, q->pq_m, q->pq_k, q->pq_sub_dim);
        if (st != RVF_OK)
            return st;
        /* M * sub_dim == dim <= 65535 and K <= 256: at most 64 MiB, no overflow. */
        const size_t n = (size_t)q->pq_m * q->pq_k * q->pq_sub_dim;
        const uint64_t need = RVF_QUANTSEG_OFF_PQ_CODEBOOK + 4 * (uint64_t)n;
        if (len < need)
            return RVF_ERR_TRUNCATED_SEGMENT;
        if (len > need)
            return RVF_ERR_INVALID_MANIFEST;
        q->codebook = load_f32(p + RVF_QUANTSEG_OFF_PQ_CODEBOOK, n);
        if (!q->codebook)
            return RVF_ERR_OUT_OF_MEMORY;
        for (size_t i = 0; i < n; i++)
            if (!isfinite(q->codebook[i]))
                return RVF_ERR_INVALID_MANIFEST;
        return RVF_OK;
    }
    default: /* RVF_QUANT_BINARY: no body */
        return len > RVF_QUANTSEG_HEADER ? RVF_ERR_INVALID_MANIFEST : RVF_OK;
    }
}

rvf_status rvf_quantseg_decode(const uint8_t *p, size_t len, uint16_t expect_dim, rvf_quant *out)
{
    if (!out)
        return RVF_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (!p && len)
        return RVF_ERR_INVALID_ARGUMENT;
    if (len < RVF_QUANTSEG_HEADER)
        return RVF_ERR_TRUNCATED_SEGMENT;
    rvf_quant q = {.type = p[RVF_QUANTSEG_OFF_TYPE],
                   .tier = p[RVF_QUANTSEG_OFF_TIER],
                   .dim = rvfk_ld_u16(p + RVF_QUANTSEG_OFF_DIM)};
    if (q.type > RVF_QUANT_BINARY)
        return RVF_ERR_ALGO_UNSUPPORTED;
    if (q.tier > 2 || q.dim == 0)
        return RVF_ERR_INVALID_MANIFEST;
    if (expect_dim && q.dim != expect_dim)
        return RVF_ERR_DIMENSION_MISMATCH;
    rvf_status st = decode_body(p, len, &q);
    if (st != RVF_OK) {
        rvf_quant_free(&q);
        return st;
    }
    *out = q;
    return RVF_OK;
}
