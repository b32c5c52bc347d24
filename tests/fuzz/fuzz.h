/* fuzz.h: what the fuzz targets share (FUZZING.md). Each tests/fuzz/fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput and is built twice: with libFuzzer (clang -fsanitize=fuzzer, `make fuzz`)
 * and, in every ordinary build, with fuzz_replay.c, which runs the committed corpus through it.
 *
 * A target feeds arbitrary bytes to a decoder and then checks what a decoder promises beyond "no
 * crash": accepted input re-encodes to something the decoder accepts again with the same content,
 * two readers of the same bytes agree, outputs stay inside their inputs. A broken promise calls
 * FUZZ_ASSERT, which aborts: libFuzzer records the input like any crash. */
#ifndef RVF_FUZZ_H
#define RVF_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvf_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A status of rvf_status.def (never a wild value). */
static inline bool fuzz_status_known(rvf_status st)
{
    return rvf_status_name(st) != NULL;
}

/* A cursor over the input: leading control bytes, then the rest as one payload. Reading past
 * the end gives zeros (the fuzzer learns the format from there). */
typedef struct fuzz_in {
    const uint8_t *p;
    size_t len, pos;
} fuzz_in;

static inline uint8_t fuzz_u8(fuzz_in *in)
{
    return in->pos < in->len ? in->p[in->pos++] : 0;
}
/* A range-read source over bytes in memory (rvf_open_source, rvf_io_source): every read must lie
 * inside them, which rvf_io_source's own bounds check guarantees. */
typedef struct src_ctx {
    const uint8_t *p;
    size_t len;
} src_ctx;

static inline rvf_status src_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    const src_ctx *c = ctx;
    FUZZ_ASSERT(off <= c->len && n <= c->len - off);
    memcpy(dst, c->p + off, n);
    return RVF_OK;
}

/* n bytes (zeros past the end of the input), as n fuzz_u8 calls would give them. */
static inline void fuzz_take(fuzz_in *in, uint8_t *dst, size_t n)
{
    size_t k = in->len - in->pos < n ? in->len - in->pos : n;
    if (k)
        memcpy(dst, in->p + in->pos, k);
    memset(dst + k, 0, n - k);
    in->pos += k;
}
static inline uint16_t fuzz_u16(fuzz_in *in)
{
    uint16_t lo = fuzz_u8(in);
    return (uint16_t)(lo | (uint16_t)(fuzz_u8(in) << 8));
}
static inline uint64_t fuzz_u64(fuzz_in *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)fuzz_u8(in) << (8 * i);
    return v;
}
/* The unread rest of the input. */
static inline const uint8_t *fuzz_rest(const fuzz_in *in, size_t *n)
{
    *n = in->len - in->pos;
    return in->p + in->pos;
}

/* A heap copy of exactly n bytes (n 0: a 1-byte block), so that ASan sees any read past n. */
static inline uint8_t *fuzz_dup(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    FUZZ_ASSERT(c != NULL);
    c[0] = 0; /* an empty input's byte is defined (and gcc -O3 knows it) */
    if (n)
        memcpy(c, p, n);
    return c;
}

/* A deterministic finite value for row `slot`, element d (rows of any dimension, no storage). */
static inline float fuzz_row_value(uint64_t slot, uint32_t d)
{
    uint64_t x = (slot + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)d * 0xC2B2AE3D27D4EB4Full);
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return (float)((double)(x >> 40) / (double)(1ull << 23) - 1.0);
}

/* ---- fuzz_fix.c: repair checksums, so that mutated files reach the code behind them ------------
 * Each function rewrites only hash, CRC and chain fields, never structure: a fixed input
 * exercises the same parsers with checksums that agree. */
/* VEC_SEG payload: recompute the CRC32C of every block the directory locates (as the decoder
 * locates it). */
void fuzz_fix_vecseg(uint8_t *p, size_t len);
/* WITNESS_SEG payload: rewrite every prev_hash (the last len % 73 bytes are left alone); head
 * (may be NULL) receives SHAKE-256-256 of the last entry. */
void fuzz_fix_witness(uint8_t *p, size_t len, uint8_t head[32]);
/* A whole RVF file: every 64-aligned segment header whose payload fits gets its payload repaired
 * (VEC blocks, witness chain) and its content hash recomputed; then every manifest's directory
 * entries take the hashes of the segments they point at, its WITNESS_CHAIN head takes the head
 * of the chain it points at, and its root CRC and content hash are recomputed. */
void fuzz_fix_file(uint8_t *f, size_t len);

#endif /* RVF_FUZZ_H */
