/* rvf_kernel.h: the RVF compute kernel. Freestanding C11, no libc, no allocation.
 *
 * This header is the manual of the lowest layer. Everything here works on memory the caller owns:
 * no call allocates, keeps a pointer after it returns (except the top-K heap, which uses the
 * storage handed to rvfk_topk_init), or touches a file. The same sources build
 *   - natively (the runtime links them; SSE4.1/AVX2 variants are picked at run time),
 *   - with Emscripten for the browser runtime (the WASM SIMD128 variant when built with -msimd128),
 *   - with clang --target=wasm32 -nostdlib into the 14-export tile microkernel (kernel/tile/).
 *
 * Numbers follow RVF-BRIEF: §2 (little-endian), §3.5 (CRC32C), §5.5 (SQ/PQ), §8.1 (distances),
 * §8.2 (top-K), §11.3 (f16 conversions). Scalar code is the reference; SIMD variants are checked
 * against it in tests/kernel with the tolerances documented in kernel/SIMD.md.
 */
#ifndef RVF_KERNEL_H
#define RVF_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RVF_KERNEL_VERSION_MAJOR 0
#define RVF_KERNEL_VERSION_MINOR 1
#define RVF_KERNEL_VERSION_PATCH 0

/* ---------------------------------------------------------------------------------------------
 * Status codes. rvf_status is an int32_t: 0 is success, errors are negative and equal the negated
 * u16 wire code of RVF-BRIEF §10.1 (RVF_ERR_DIMENSION_MISMATCH == -0x0200). The list lives in
 * rvf_status.def; numbers are never reused. */
typedef int32_t rvf_status;

enum rvf_status_code {
#define X(name, value, msg) RVF_ERR_##name = (value),
#include "rvf_status.def"
#undef X
};
#define RVF_OK RVF_ERR_OK

/* A static, never-NULL English message for a status ("unknown status" for numbers not in the
 * list). Statuses from a newer library are preserved by callers, never remapped. */
const char *rvf_strerror(rvf_status s);
/* The symbolic name without prefix ("DIMENSION_MISMATCH"), or NULL for an unknown number. */
const char *rvf_status_name(rvf_status s);

/* ---------------------------------------------------------------------------------------------
 * Metrics (RVF-BRIEF §8.1). Smaller is closer for all of them. */
typedef enum rvf_metric {
    RVF_METRIC_L2 = 0,     /* squared Euclidean, no square root */
    RVF_METRIC_IP = 1,     /* -dot(a, b) */
    RVF_METRIC_COSINE = 2, /* 1 - dot / sqrt(|a|^2 |b|^2); 1.0 when that root < FLT_EPSILON */
    RVF_METRIC_HAMMING = 3 /* popcount(a XOR b) over the raw bytes, as a float */
} rvf_metric;

/* ---------------------------------------------------------------------------------------------
 * Little-endian load/store. File bytes are always read and written with these, never by casting
 * a struct onto bytes (STYLE.md habit 7). They compile to single moves on little-endian targets. */
static inline uint16_t rvfk_ld_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t rvfk_ld_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t rvfk_ld_u64(const uint8_t *p)
{
    return (uint64_t)rvfk_ld_u32(p) | ((uint64_t)rvfk_ld_u32(p + 4) << 32);
}
static inline void rvfk_st_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void rvfk_st_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void rvfk_st_u64(uint8_t *p, uint64_t v)
{
    rvfk_st_u32(p, (uint32_t)v);
    rvfk_st_u32(p + 4, (uint32_t)(v >> 32));
}
static inline float rvfk_ld_f32(const uint8_t *p)
{
    union {
        uint32_t u;
        float f;
    } c;
    c.u = rvfk_ld_u32(p);
    return c.f;
}
static inline void rvfk_st_f32(uint8_t *p, float f)
{
    union {
        uint32_t u;
        float f;
    } c;
    c.f = f;
    rvfk_st_u32(p, c.u);
}
static inline uint32_t rvfk_f32_bits(float f)
{
    union {
        uint32_t u;
        float f;
    } c;
    c.f = f;
    return c.u;
}
static inline float rvfk_bits_f32(uint32_t u)
{
    union {
        uint32_t u;
        float f;
    } c;
    c.u = u;
    return c.f;
}

/* ---------------------------------------------------------------------------------------------
 * Half-precision conversions (RVF-BRIEF §11.3 "Numeric details"). */

/* Exact IEEE binary16 -> binary32: subnormals normalised, infinities kept, NaN payload kept. */
float rvfk_f16_to_f32(uint16_t h);
/* binary32 -> binary16, round to nearest even (what writers use). Overflow -> infinity; NaN stays
 * a quiet NaN with the top payload bits kept. */
uint16_t rvfk_f32_to_f16(float f);
/* binary32 -> binary16 by truncation, bit for bit the reference microkernel's conversion. */
uint16_t rvfk_f32_to_f16_trunc(float f);
/* bf16 is the upper half of an f32: exact. */
float rvfk_bf16_to_f32(uint16_t h);
/* f32 -> bf16, round to nearest even; NaN stays a quiet NaN. */
uint16_t rvfk_f32_to_bf16(float f);
/* Array forms: n elements, src and dst must not overlap. */
void rvfk_f16_to_f32_n(const uint16_t *src, float *dst, size_t n);
void rvfk_f32_to_f16_n(const float *src, uint16_t *dst, size_t n);

/* ---------------------------------------------------------------------------------------------
 * CRC32C (Castagnoli, reflected 0x82F63B78, init and xor-out 0xFFFFFFFF). Check value of
 * "123456789" is 0xE3069283. Incremental: crc = rvfk_crc32c_update(crc, part, n) starting from
 * crc = 0 gives the same result as one call over the concatenation. */
uint32_t rvfk_crc32c_update(uint32_t crc, const void *data, size_t n);
static inline uint32_t rvfk_crc32c(const void *data, size_t n)
{
    return rvfk_crc32c_update(0, data, n);
}

/* ---------------------------------------------------------------------------------------------
 * Distances, scalar reference (RVF-BRIEF §8.1): computed in f32, accumulated sequentially from
 * dimension 0. `dim` is the number of elements. An unknown metric returns NaN (never a valid
 * distance; the top-K skips NaN). Hamming is over the raw bytes of both vectors
 * (dim * element size bytes). */
float rvfk_dist_f32(rvf_metric m, const float *a, const float *b, size_t dim);
/* Query in f32, stored vector in f16 / bf16 (converted exactly first). */
float rvfk_dist_f32_f16(rvf_metric m, const float *q, const uint16_t *v, size_t dim);
float rvfk_dist_f32_bf16(rvf_metric m, const float *q, const uint16_t *v, size_t dim);
/* Both in f16 (the tile's case: an fp16 query against fp16 rows). */
float rvfk_dist_f16(rvf_metric m, const uint16_t *a, const uint16_t *b, size_t dim);
/* Query in f32 against scalar-quantized u8 codes, each decoded per §5.5 with min/max[dim].
 * Hamming compares the code bytes with the query's f32 bytes and is not meaningful: it returns NaN.
 */
float rvfk_dist_f32_sq8(rvf_metric m, const float *q, const uint8_t *codes, const float *min,
                        const float *max, size_t dim);
/* popcount(a XOR b) over n bytes. */
uint32_t rvfk_hamming(const uint8_t *a, const uint8_t *b, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Scalar quantization (RVF-BRIEF §5.5). Codes are u8 on disk (VEC dtype 0x04).
 * decode: v = q / 255 * (max - min) + min. encode: q = roundf(clamp((v-min)/(max-min), 0, 1) *
 * 255). */
void rvfk_sq8_decode(const uint8_t *codes, const float *min, const float *max, size_t dim,
                     float *out);
void rvfk_sq8_encode(const float *v, const float *min, const float *max, size_t dim,
                     uint8_t *codes);

/* ---------------------------------------------------------------------------------------------
 * Product quantization, asymmetric distance (RVF-BRIEF §5.5). The codebook is f32 [m][k][sub_dim]
 * (the QUANT_SEG layout); the query has m * sub_dim elements.
 * rvfk_pq_table fills table[s * k + c] with the L2 (squared) or IP (-dot) distance between query
 * subspace s and centroid c; other metrics -> RVF_ERR_METRIC_UNSUPPORTED. table_cap is in floats;
 * returns m * k, or RVF_ERR_BUFFER_TOO_SMALL / RVF_ERR_INVALID_ARGUMENT (m, k or sub_dim 0, k >
 * 256). rvfk_pq_adc sums table[s * k + codes[s]] over s; a code >= k adds 0 (as the tile does). */
int32_t rvfk_pq_table(rvf_metric m, const float *q, const float *codebook, size_t pq_m, size_t pq_k,
                      size_t sub_dim, float *table, size_t table_cap);
float rvfk_pq_adc(const float *table, const uint8_t *codes, size_t pq_m, size_t pq_k);

/* ---------------------------------------------------------------------------------------------
 * Bounded top-K (RVF-BRIEF §8.2): keeps the smallest distances, ties broken by ascending id,
 * NaN never enters. Storage is the caller's: `cap` entries. The heap is a max-heap on (dist, id).
 */
typedef struct rvfk_hit {
    uint64_t id;
    float dist;
} rvfk_hit;

typedef struct rvfk_topk {
    rvfk_hit *heap; /* caller-owned storage, cap entries, valid until the caller frees it */
    uint32_t cap;
    uint32_t size;
} rvfk_topk;

void rvfk_topk_init(rvfk_topk *t, rvfk_hit *storage, uint32_t cap);
static inline void rvfk_topk_reset(rvfk_topk *t)
{
    t->size = 0;
}
/* Offer one candidate with a bound k (<= cap): while size < k it is added; otherwise it replaces
 * the current worst if (dist, id) orders before it. A k smaller than the current size does not
 * shrink the heap (the tile's semantics). Returns true if the candidate was kept. */
bool rvfk_topk_offer(rvfk_topk *t, uint32_t k, uint64_t id, float dist);
static inline bool rvfk_topk_push(rvfk_topk *t, uint64_t id, float dist)
{
    return rvfk_topk_offer(t, t->cap, id, dist);
}
/* The distance a candidate must beat to enter a full heap of bound k; +infinity when not full. */
float rvfk_topk_bound(const rvfk_topk *t, uint32_t k);
/* Copy the heap, sorted ascending by (dist, id), into out (at most out_cap entries: the best
 * ones). Returns the number written. The heap is unchanged. */
uint32_t rvfk_topk_read(const rvfk_topk *t, rvfk_hit *out, uint32_t out_cap);

/* ---------------------------------------------------------------------------------------------
 * HNSW greedy step over a hub-provided neighbour list (RVF-BRIEF §11.3 rvf_greedy_step): list =
 * count u32 LE, then count x {id u64 LE, dist f32 LE} (12-byte packed entries). list_len bounds
 * the bytes that may be read (entries past it are ignored). Returns the id of the entry with the
 * smallest dist whose id != current (strict <, first of equal minima wins), or -1 if none. */
int64_t rvfk_greedy_step(const uint8_t *list, size_t list_len, uint64_t current);

/* ---------------------------------------------------------------------------------------------
 * Segment header (RVF-BRIEF §3.2). 64 bytes, little-endian. */
#define RVF_SEGMENT_MAGIC       0x52564653u /* bytes 53 46 56 52, "SFVR" */
#define RVF_SEGMENT_HEADER_SIZE 64u
#define RVF_SEGMENT_VERSION     1u

typedef struct rvfk_seg_header {
    uint32_t magic;
    uint8_t version;
    uint8_t seg_type;
    uint16_t flags;
    uint64_t segment_id;
    uint64_t payload_length;
    uint64_t timestamp_ns;
    uint8_t checksum_algo;
    uint8_t compression;
    uint16_t reserved_0;
    uint32_t reserved_1;
    uint8_t content_hash[16];
    uint32_t uncompressed_len;
    uint32_t alignment_pad;
} rvfk_seg_header;

/* The reference tile check: 0 valid, 1 magic != RVF_SEGMENT_MAGIC, 2 version != 1. */
int32_t rvfk_verify_header(const uint8_t hdr[64]);
/* Decode the 64 header bytes into *out (any field values). */
void rvfk_seg_header_decode(const uint8_t hdr[64], rvfk_seg_header *out);
/* Encode *h into 64 bytes (fields written exactly as given). */
void rvfk_seg_header_encode(const rvfk_seg_header *h, uint8_t hdr[64]);
/* Structural check of a decoded header, no hash: magic (RVF_ERR_INVALID_MAGIC), payload_length <
 * 2^32 (RVF_ERR_SEGMENT_TOO_LARGE), alignment_pad < 64 and the span 64 + payload_length + footer +
 * pad a multiple of 64 (RVF_ERR_ALIGNMENT_ERROR). footer_len is 0 unless the SIGNED flag's footer
 * length is known. A version other than 1 returns RVF_ERR_INVALID_VERSION, which readers treat as
 * "skip this segment", never as fatal. */
rvf_status rvfk_seg_header_check(const rvfk_seg_header *h, uint32_t footer_len);
/* Span of the segment on disk: 64 + payload_length + footer_len + alignment_pad. */
static inline uint64_t rvfk_seg_span(const rvfk_seg_header *h, uint32_t footer_len)
{
    return RVF_SEGMENT_HEADER_SIZE + h->payload_length + footer_len + h->alignment_pad;
}

/* ---------------------------------------------------------------------------------------------
 * SIMD variants and dispatch. One table of function pointers per variant, identical signatures
 * to the scalar functions above. Variants: "scalar" (always), "sse4.1" and "avx2" (x86-64 native
 * builds, run-time CPU check), "wasm128" (builds with -msimd128). SIMD variants accumulate in
 * several lanes, so their float results differ from the scalar reference by rounding only; the
 * bounds are documented in kernel/SIMD.md and enforced in tests/kernel/test_kernel_simd.c. */
typedef struct rvfk_ops {
    const char *name;
    float (*dist_f32)(rvf_metric, const float *, const float *, size_t);
    float (*dist_f32_f16)(rvf_metric, const float *, const uint16_t *, size_t);
    float (*dist_f16)(rvf_metric, const uint16_t *, const uint16_t *, size_t);
    float (*dist_f32_sq8)(rvf_metric, const float *, const uint8_t *, const float *, const float *,
                          size_t);
    uint32_t (*hamming)(const uint8_t *, const uint8_t *, size_t);
    float (*pq_adc)(const float *, const uint8_t *, size_t, size_t);
    uint32_t (*crc32c_update)(uint32_t, const void *, size_t);
} rvfk_ops;

/* The scalar reference table (always available). */
const rvfk_ops *rvfk_ops_scalar(void);
/* A named variant if it is compiled in and this CPU supports it, else NULL.
 * Names: "scalar", "sse4.1", "avx2", "wasm128". */
const rvfk_ops *rvfk_ops_get(const char *name);
/* The fastest variant for this machine, chosen once. The environment variable is not read here
 * (the kernel has no libc); the runtime may override the choice with rvfk_ops_get(). */
const rvfk_ops *rvfk_ops_best(void);

#ifdef __cplusplus
}
#endif
#endif /* RVF_KERNEL_H */
