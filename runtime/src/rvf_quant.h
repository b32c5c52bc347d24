/* rvf_quant.h: quantizers and the QUANT_SEG (0x06) payload codec (rvf_quant.c). Internal; the
 * store wires them in. RVF-BRIEF §5.5 (layout, SQ formulas), §7.1 (tiers), §8.1 (distances).
 *
 * QUANT_SEG payload (little-endian, offsets from the payload start):
 *
 *   0x00 u8  quant_type   0 scalar (SQ), 1 PQ, 2 binary, 3 residual PQ (reserved: not decoded)
 *   0x01 u8  tier         0 hot, 1 warm, 2 cold (the reference writes 0 for SQ, 1 PQ, 2 binary)
 *   0x02 u16 dim          >= 1
 *   0x04..0x3F            zero (written zero; a reader ignores them, forward compatibility)
 *   body from 0x40:
 *     scalar  min f32[dim] then max f32[dim] (two arrays, not interleaved)   len 64 + 8 dim
 *     PQ      0x40 u16 M, 0x42 u16 K, 0x44 u16 sub_dim, then the codebook f32[M][K][sub_dim]
 *             from 0x46 (unaligned)                                          len 70 + 4 M K sub_dim
 *     binary  empty (threshold 0 for every dimension)                        len 64
 *
 * No trailing padding: the payload length is fully determined by the header, so the decoder
 * requires it exactly. A shorter payload is TRUNCATED_SEGMENT; a longer one is INVALID_MANIFEST
 * (the header then disagrees with the segment's payload_length: bytes that no field explains are
 * more likely a corrupt dim/M/K than an extension; a later layout would carry a new segment
 * version). Decoder checks, in this order:
 *   INVALID_ARGUMENT     out NULL, or p NULL with len > 0
 *   TRUNCATED_SEGMENT    len < 64
 *   ALGO_UNSUPPORTED     quant_type 3 (residual PQ) or > 3: a quantizer this build cannot apply
 *   INVALID_MANIFEST     tier > 2, dim 0
 *   DIMENSION_MISMATCH   expect_dim != 0 and dim != expect_dim
 *   TRUNCATED_SEGMENT    PQ: len < 70
 *   INVALID_MANIFEST     PQ: M, K or sub_dim 0, K > 256, M * sub_dim != dim
 *   TRUNCATED_SEGMENT    len below the body size
 *   INVALID_MANIFEST     len above the body size; a non-finite min, max or centroid, max < min,
 *                        or max - min not finite
 *
 * Scalar quantization, exactly §5.5: training takes min[d], max[d] over the rows and sets
 * max = min + 1 when |max - min| < FLT_EPSILON (note: for |min| >= 2^24 that sum rounds to min
 * or min + 2; the decoder accepts max == min, every code then decodes to min).
 * encode q = (u8) roundf(clamp((v - min) / (max - min), 0, 1) * 255) (half away from zero; NaN
 * encodes as 0); decode v = q / 255 * (max - min) + min; codes are VEC dtype 0x04 (u8); the tile
 * takes i8 = q - 128 (rvf_sq_tile_i8). Quantized L2 between two codes:
 * sum_d (qa - qb)^2 * (max - min)^2 / 65025.
 *
 * PQ: M contiguous subspaces of sub_dim = dim / M, K <= 256 centroids each (k-means per subspace,
 * rvf_kmeans.h), code = one u8 per subspace, the nearest centroid (ties: lower index). ADC:
 * table T[s][c] = |q_s - C[s][c]|^2 and dist = sum_s T[s][code_s] (squared L2), or with the IP
 * table T[s][c] = -q_s . C[s][c] the inner-product distance -q . x_hat.
 *
 * Binary: bit d = (v_d >= 0) (NaN: 0), LSB first in byte d / 8, (dim + 7) / 8 bytes with the
 * unused high bits of the last byte zero; decode bit -> +1.0 / -1.0; distance = Hamming.
 *
 * Distances follow §8.1: computed in f32, accumulated from dimension 0; an unsupported metric
 * returns NaN (never a valid distance: the top-K skips it). */
#ifndef RVF_QUANT_H
#define RVF_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "rvf_internal.h"
#include "rvf_kmeans.h"

enum {
    RVF_QUANT_SCALAR = 0,
    RVF_QUANT_PQ = 1,
    RVF_QUANT_BINARY = 2,
    RVF_QUANT_RESIDUAL_PQ = 3 /* reserved */
};
enum {
    RVF_QUANTSEG_HEADER = 64,
    RVF_QUANTSEG_OFF_TYPE = 0x00,
    RVF_QUANTSEG_OFF_TIER = 0x01,
    RVF_QUANTSEG_OFF_DIM = 0x02,
    RVF_QUANTSEG_OFF_PQ_M = 0x40,
    RVF_QUANTSEG_OFF_PQ_K = 0x42,
    RVF_QUANTSEG_OFF_PQ_SUBDIM = 0x44,
    RVF_QUANTSEG_OFF_PQ_CODEBOOK = 0x46, /* 70: not 4-aligned */
    RVF_QUANT_PQ_MAX_K = 256
};

/* One quantizer. The arrays are rvf_malloc'd and owned by the struct (rvf_quant_free). */
typedef struct rvf_quant {
    uint8_t type; /* RVF_QUANT_SCALAR, _PQ or _BINARY */
    uint8_t tier; /* 0..2 */
    uint16_t dim;
    float *min, *max;                /* SCALAR: dim floats each; else NULL */
    uint16_t pq_m, pq_k, pq_sub_dim; /* PQ; else 0 */
    float *codebook;                 /* PQ: [pq_m][pq_k][pq_sub_dim] floats; else NULL */
} rvf_quant;

/* Free the arrays and zero *q (NULL allowed; a zeroed struct is fine). */
void rvf_quant_free(rvf_quant *q);

/* ---- scalar ------------------------------------------------------------------------------- */
/* Train on n >= 1 rows of dim floats (row i at rows + i * stride, stride >= dim). *out gets type
 * SCALAR, tier 0 (overwritten, not freed first). INVALID_ARGUMENT: NULL, n 0, dim 0, stride < dim,
 * a non-finite value, or a range max - min that overflows; OUT_OF_MEMORY. */
rvf_status rvf_sq_train(const float *rows, size_t n, size_t stride, uint16_t dim, rvf_quant *out);
/* dim codes from dim floats / dim floats from dim codes. q must be a SCALAR quantizer. */
void rvf_sq_encode(const rvf_quant *q, const float *v, uint8_t *codes);
void rvf_sq_decode(const rvf_quant *q, const uint8_t *codes, float *out);
/* Quantized squared L2 between two code vectors (formula above, f32 from dimension 0). */
float rvf_sq_l2_codes(const rvf_quant *q, const uint8_t *a, const uint8_t *b);
/* f32 query against codes: L2, IP or cosine of the query and the decoded vector, decoding on the
 * fly (the kernel's scalar reference rvfk_dist_f32_sq8, bit for bit the same as decoding first
 * and calling rvfk_dist_f32). Hamming or an unknown metric: NaN. Hot loops may call
 * rvfk_ops_best()->dist_f32_sq8 with q->min / q->max directly (same result up to SIMD rounding). */
float rvf_sq_dist(const rvf_quant *q, rvf_metric m, const float *query, const uint8_t *codes);
/* The tile's i8 view of a code (§11.3): q - 128. */
static inline int8_t rvf_sq_tile_i8(uint8_t code)
{
    return (int8_t)((int)code - 128);
}

/* ---- product quantization ----------------------------------------------------------------- */
/* Train M subspaces of K centroids on n rows (stride as above), k-means per subspace with
 * `km` (NULL: defaults; the seed of subspace s is km->seed + s). *out gets type PQ, tier 1.
 * INVALID_ARGUMENT: NULL, m 0, dim % m != 0, k 0 or > 256, n < k, stride < dim, non-finite
 * values; OUT_OF_MEMORY. */
rvf_status rvf_pq_train(const float *rows, size_t n, size_t stride, uint16_t dim, uint16_t m,
                        uint16_t k, const rvf_kmeans_params *km, rvf_quant *out);
/* pq_m codes for one vector of dim floats (nearest centroid per subspace, ties to the lower
 * index; a NaN subvector gets code 0). */
void rvf_pq_encode(const rvf_quant *q, const float *v, uint8_t *codes);
/* The reconstruction: the code's centroid per subspace. A code >= K writes zeros for its
 * subspace and returns INVALID_ARGUMENT (the other subspaces are still written). */
rvf_status rvf_pq_decode(const rvf_quant *q, const uint8_t *codes, float *out);
/* Fill table[s * K + c] (pq_m * pq_k floats, table_cap in floats) for a query of dim floats:
 * L2 -> |q_s - C[s][c]|^2; IP -> -q_s . C[s][c]; COSINE -> the IP table with 1 added to the
 * entries of subspace 0, so the ADC sum is 1 - q . x_hat, the cosine distance when the query and
 * the encoded vectors are unit length (normalise before encoding and querying). Returns RVF_OK,
 * METRIC_UNSUPPORTED (Hamming, unknown), BUFFER_TOO_SMALL. */
rvf_status rvf_pq_table(const rvf_quant *q, rvf_metric m, const float *query, float *table,
                        size_t table_cap);
/* sum_s table[s * K + codes[s]] in f32 from s = 0 (a code >= K adds 0, as the tile does). */
float rvf_pq_adc(const rvf_quant *q, const float *table, const uint8_t *codes);

/* ---- binary ------------------------------------------------------------------------------- */
static inline size_t rvf_bin_bytes(size_t dim)
{
    return (dim + 7) / 8;
}
/* A binary quantizer description for dim (type BINARY, tier 2, no arrays). INVALID_ARGUMENT for
 * dim 0 or out NULL. */
rvf_status rvf_bin_init(uint16_t dim, rvf_quant *out);
void rvf_bin_encode(const float *v, size_t dim, uint8_t *code); /* writes rvf_bin_bytes(dim) */
void rvf_bin_decode(const uint8_t *code, size_t dim, float *out);
/* Hamming distance over rvf_bin_bytes(dim) bytes (rvfk_hamming). */
uint32_t rvf_bin_hamming(const uint8_t *a, const uint8_t *b, size_t dim);

/* ---- QUANT_SEG codec ---------------------------------------------------------------------- */
/* Append the payload for q to out. q is checked as the decoder checks a payload
 * (INVALID_ARGUMENT for what the decoder would reject, nothing appended); OUT_OF_MEMORY restores
 * out->len. */
rvf_status rvf_quantseg_encode(rvf_buf *out, const rvf_quant *q);
/* Decode a payload into *out (arrays copied: the codebook is unaligned in the payload); the
 * statuses are listed at the top. expect_dim 0 accepts any dim. *out is zeroed on failure. */
rvf_status rvf_quantseg_decode(const uint8_t *p, size_t len, uint16_t expect_dim, rvf_quant *out);

#endif
