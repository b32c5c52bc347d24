/* rvfk_dispatch.c: the variant tables and the one-time choice of the fastest (xxHash's habit:
 * scalar is the reference, a small table filled once after a CPU feature test). */
#include "rvf_deps.h"
#include "rvf_kernel.h"
#include "rvfk_variants.h"

static const rvfk_ops rvfk_scalar_ops = {
    "scalar",          rvfk_dist_f32, rvfk_dist_f32_f16, rvfk_dist_f16,
    rvfk_dist_f32_sq8, rvfk_hamming,  rvfk_pq_adc,       rvfk_crc32c_update,
};

const rvfk_ops *rvfk_ops_scalar(void)
{
    return &rvfk_scalar_ops;
}

static bool rvfk_streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

const rvfk_ops *rvfk_ops_get(const char *name)
{
    if (rvfk_streq(name, "scalar"))
        return &rvfk_scalar_ops;
#if RVFK_HAVE_X86
    if (rvfk_streq(name, "sse4.1"))
        return rvfk_x86_has_sse41() ? &rvfk_sse41_ops : NULL;
    if (rvfk_streq(name, "avx2"))
        return rvfk_x86_has_avx2() ? &rvfk_avx2_ops : NULL;
#endif
#if RVFK_HAVE_WASM128
    if (rvfk_streq(name, "wasm128"))
        return &rvfk_wasm128_ops;
#endif
    return NULL;
}

const rvfk_ops *rvfk_ops_best(void)
{
    static const rvfk_ops *best; /* written once with the same value by any racing thread */
    const rvfk_ops *b = __atomic_load_n(&best, __ATOMIC_ACQUIRE);
    if (b)
        return b;
    b = &rvfk_scalar_ops;
#if RVFK_HAVE_WASM128
    b = &rvfk_wasm128_ops;
#endif
#if RVFK_HAVE_X86
    if (rvfk_x86_has_sse41())
        b = &rvfk_sse41_ops;
    if (rvfk_x86_has_avx2())
        b = &rvfk_avx2_ops;
#endif
    __atomic_store_n(&best, b, __ATOMIC_RELEASE);
    return b;
}
