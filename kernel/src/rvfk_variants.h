/* rvfk_variants.h: private declarations of the SIMD variant tables (one file per variant:
 * rvfk_x86_sse41.c, rvfk_x86_avx2.c, rvfk_wasm128.c). The RVF_SIMD selector picks what is built:
 * RVF_SIMD=0 scalar only; otherwise every variant the target can compile. */
#ifndef RVFK_VARIANTS_H
#define RVFK_VARIANTS_H

#include "rvf_kernel.h"

#ifndef RVF_SIMD
#define RVF_SIMD 1
#endif

#if RVF_SIMD && (defined(__x86_64__) || defined(__i386__)) && !defined(RVF_TILE)
#define RVFK_HAVE_X86 1
extern const rvfk_ops rvfk_sse41_ops;
extern const rvfk_ops rvfk_avx2_ops;
bool rvfk_x86_has_sse41(void);
bool rvfk_x86_has_avx2(void);
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
