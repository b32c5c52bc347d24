/* rvf_deps.h: the only place the kernel reaches for anything outside its own sources.
 * The kernel is freestanding: <stddef.h>, <stdint.h> and <stdbool.h> only. memcpy/memset map to
 * compiler builtins (clang and gcc lower them inline, or to the runtime's memcpy when linked into
 * a hosted program; the tile microkernel provides its own in kernel/tile). */
#ifndef RVF_DEPS_H
#define RVF_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RVF_MEMCPY(d, s, n) __builtin_memcpy((d), (s), (n))
#define RVF_MEMSET(d, v, n) __builtin_memset((d), (v), (n))
#define RVF_LIKELY(x)       __builtin_expect(!!(x), 1)
#define RVF_UNLIKELY(x)     __builtin_expect(!!(x), 0)

#define RVF_FLT_EPSILON 1.1920928955078125e-7f
#define RVF_FLT_MAX     3.40282346638528859812e+38f

static inline float rvfk_sqrtf(float x)
{
    return __builtin_sqrtf(x);
}

#endif
