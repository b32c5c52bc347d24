/* rvfk_variants.h: private declarations of the SIMD variant tables (one file per variant:
 * rvfk_x86_sse41.c, rvfk_x86_avx2.c, rvfk_wasm128.c). The RVF_SIMD selector picks what is built:
 * RVF_SIMD=0 scalar only; otherwise every variant the target can compile. */
#ifndef RVFK_VARIANTS_H
#define RVFK_VARIANTS_H

#include "rvf_kernel.h"

#ifndef RVF_SIMD
#define RVF_SIMD 1
#endif

/* pq_adc with four independent sums, shared by every SIMD variant (rvfk_dist_scalar.c). */
float rvfk_pq_adc_chains(const float *table, const uint8_t *codes, size_t pq_m, size_t pq_k);

#if RVF_SIMD && (defined(__x86_64__) || defined(__i386__)) && !defined(RVF_TILE)
#define RVFK_HAVE_X86 1
extern const rvfk_ops rvfk_sse41_ops;
extern const rvfk_ops rvfk_avx2_ops;
bool rvfk_x86_has_sse41(void);
bool rvfk_x86_has_avx2(void);
/* CRC32C with the SSE4.2 crc32 instruction (rvfk_x86_sse41.c), used by both x86 variants. */
uint32_t rvfk_x86_crc32c_update(uint32_t crc, const void *data, size_t n);
#else
#define RVFK_HAVE_X86 0
#endif

#if RVF_SIMD && defined(__wasm_simd128__)
#define RVFK_HAVE_WASM128 1
extern const rvfk_ops rvfk_wasm128_ops;
#else
#define RVFK_HAVE_WASM128 0
#endif

#endif
