/* rvf_test.h: the tiny CHECK macro set every C test uses (STYLE.md habit 12).
 * A test is a plain program: main() calls RVF_TEST_RUN(fn) for each case and returns
 * rvf_test_finish(), which prints "N checks, N failed" and exits non-zero on any failure.
 * Failed byte comparisons hex-dump both sides. */
#ifndef RVF_TEST_H
#define RVF_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rvf_test_checks, rvf_test_failed;
static const char *rvf_test_current = "";

static inline void rvf_test_hexdump(const char *label, const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    fprintf(stderr, "    %s (%zu bytes):", label, n);
    for (size_t i = 0; i < n && i < 256; i++)
        fprintf(stderr, "%s%02x", i % 16 ? " " : "\n      ", b[i]);
    fprintf(stderr, n > 256 ? "\n      ...\n" : "\n");
}

#define RVF_FAIL_AT(...)                                                                           \
    do {                                                                                           \
        rvf_test_failed++;                                                                         \
        fprintf(stderr, "FAIL %s:%d [%s]: ", __FILE__, __LINE__, rvf_test_current);                \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        rvf_test_checks++;                                                                         \
        if (!(cond))                                                                               \
            RVF_FAIL_AT("%s", #cond);                                                              \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        rvf_test_checks++;                                                                         \
        if (va_ != vb_)                                                                            \
            RVF_FAIL_AT("%s == %s: %lld (0x%llx) != %lld (0x%llx)", #a, #b, va_,                   \
                        (unsigned long long)va_, vb_, (unsigned long long)vb_);                    \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                                         \
    do {                                                                                           \
        unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b);           \
        rvf_test_checks++;                                                                         \
        if (va_ != vb_)                                                                            \
            RVF_FAIL_AT("%s == %s: 0x%llx != 0x%llx", #a, #b, va_, vb_);                           \
    } while (0)

/* Bit-identical floats (NaN equals NaN of the same bits). */
#define CHECK_EQ_BITS(a, b)                                                                        \
    do {                                                                                           \
        float fa_ = (a), fb_ = (b);                                                                \
        rvf_test_checks++;                                                                         \
        if (memcmp(&fa_, &fb_, sizeof fa_) != 0)                                                   \
            RVF_FAIL_AT("%s == %s bitwise: %.9g != %.9g", #a, #b, (double)fa_, (double)fb_);       \
    } while (0)

/* |a - b| <= abs_tol + rel_tol * max(|a|, |b|) */
#define CHECK_NEAR(a, b, abs_tol, rel_tol)                                                         \
    do {                                                                                           \
        double da_ = (double)(a), db_ = (double)(b);                                               \
        double m_ = fabs(da_) > fabs(db_) ? fabs(da_) : fabs(db_);                                 \
        rvf_test_checks++;                                                                         \
        if (!(fabs(da_ - db_) <= (abs_tol) + (rel_tol)*m_))                                        \
            RVF_FAIL_AT("%s ~= %s: %.9g vs %.9g (diff %.3g)", #a, #b, da_, db_, fabs(da_ - db_));  \
    } while (0)

#define CHECK_MEM(a, b, n)                                                                         \
    do {                                                                                           \
        rvf_test_checks++;                                                                         \
        if (memcmp((a), (b), (n)) != 0) {                                                          \
            RVF_FAIL_AT("memory %s == %s (%zu bytes)", #a, #b, (size_t)(n));                       \
            rvf_test_hexdump(#a, (a), (n));                                                        \
            rvf_test_hexdump(#b, (b), (n));                                                        \
        }                                                                                          \
    } while (0)

#define RVF_TEST_RUN(fn)                                                                           \
    do {                                                                                           \
        rvf_test_current = #fn;                                                                    \
        int before_ = rvf_test_failed;                                                             \
        fn();                                                                                      \
        printf("%s %s\n", rvf_test_failed == before_ ? "ok  " : "FAIL", #fn);                      \
    } while (0)

static inline int rvf_test_finish(void)
{
    printf("%d checks, %d failed\n", rvf_test_checks, rvf_test_failed);
    return rvf_test_failed ? 1 : 0;
}

/* Deterministic xorshift64* generator for test data. */
typedef struct {
    uint64_t s;
} rvf_test_rng;
static inline uint64_t rvf_test_next(rvf_test_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}
/* Uniform float in [-1, 1). */
static inline float rvf_test_unit(rvf_test_rng *r)
{
    return (float)((double)(rvf_test_next(r) >> 40) / (double)(1ULL << 23) - 1.0);
}

#endif
