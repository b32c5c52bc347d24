/* rvf_tile.c: the 14 exports of the tile microkernel (RVF-BRIEF §11.3, kernel/ABI.md).
 *
 * One source, two builds. For the module, clang --target=wasm32 -msimd128 compiles it with the
 * kernel sources (-DRVF_TILE) and wasm-ld keeps only what the exports reach; an address is a
 * linear-memory address. Natively (gcc or clang, the tests' library) an address indexes the array
 * bound by rvf_tile_bind_memory() and every host access is range-checked; an out-of-range access
 * calls the trap handler where the module would trap.
 *
 * Bit-exactness with the reference. The reference sums each row sequentially in f32 from
 * dimension 0. So do we, four rows per v128 (one row per lane): lane r of the accumulator sees
 * exactly the operations row r sees in the reference, in the same order, and IEEE f32 add, sub,
 * mul, div are deterministic. f16 -> f32 is exact (integer ops and one multiply by 2^112, exact
 * for normals and subnormals); there is no FMA in SIMD128 and natively we build with
 * -ffp-contract=off. Sixteen rows at a time are converted into a staging area with rows in lanes
 * (`stage[dim][group]`), then a loop per metric walks it.
 *
 * The tile memory is one array: the 8 KB data region followed by the 64 KB scratch, as in the
 * reference, so inputs the reference accepts read the same bytes even when a configuration makes
 * them run past their own area. Nothing is read outside that array: requests that would are
 * refused (-1). */
#include "rvf_deps.h"
#include "rvf_kernel.h"
#include "rvf_tile_abi.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

/* ---- Portable 128-bit vectors (GCC/Clang vector extensions; wasm SIMD128 in the module) ---- */
typedef float v_f32 __attribute__((vector_size(16)));
typedef int32_t v_i32 __attribute__((vector_size(16)));
typedef uint32_t v_u32 __attribute__((vector_size(16)));
typedef uint16_t v_u16 __attribute__((vector_size(16)));
typedef int8_t v_i8 __attribute__((vector_size(16)));
typedef uint8_t v_u8 __attribute__((vector_size(16)));
#define SHUF __builtin_shufflevector

static inline v_u8 ld16(const uint8_t *p)
{
    v_u8 v;
    RVF_MEMCPY(&v, p, 16);
    return v;
}
static inline void st16(uint8_t *p, v_f32 v)
{
    RVF_MEMCPY(p, &v, 16);
}
static inline v_f32 splat(float x)
{
    return (v_f32){x, x, x, x};
}
static inline v_f32 select_f32(v_i32 m, v_f32 a, v_f32 b)
{
    return (v_f32)(((v_i32)a & m) | ((v_i32)b & ~m));
}

/* ---- Tile state ---------------------------------------------------------------------------- */
#define TILE_MEM_SIZE (RVF_TILE_DATA_SIZE + RVF_TILE_SCRATCH_SIZE)
#define TILE_PAD      64u /* SIMD loads may run up to 15 bytes past the last element */
#define SCR_OFF       RVF_TILE_DATA_SIZE
#define DT            128u /* dims per staging pass */

static uint8_t tile_mem[TILE_MEM_SIZE + TILE_PAD] __attribute__((aligned(16)));
#define DATA tile_mem
#define SCR  (tile_mem + SCR_OFF)

/* Private flags, outside the tile memory so rvf_init's 64-byte copy cannot change them. */
static struct {
    uint32_t q_ext;  /* the query lives at the extended offset (97..384 dims) */
    uint32_t sq_ext; /* the SQ params live at the extended offset (129..384 dims) */
    uint32_t sq_dim; /* dims of the last loaded SQ params (Fix 4: dims past it use the raw code) */
    uint32_t clean;  /* leading block bytes known to hold no f16 Inf/NaN pattern */
    uint32_t cb_clean; /* the same for the PQ codebook */
    uint32_t pq_ok;    /* 1: the PQ table at 0xC000 is current; 2: pq_x too */
} st;
/* The PQ table with one more entry per subspace, 0.0, that codes >= k index (rvf_pq_distances). */
static float pq_x[2u * RVF_TILE_PQ_MAX_ENTRIES]; /* m (k + 1) <= 2 m k */

static rvfk_hit heap_store[RVF_TILE_MAX_K];
static rvfk_topk heap = {heap_store, RVF_TILE_MAX_K, 0};
static rvfk_hit heap_sorted[RVF_TILE_MAX_K];

/* Staging: DT query dims in f32, and one pass of 16 rows x DT dims with rows in lanes. Both are
 * per-chunk, so the module's own memory stays within the two wasm pages its 72 KB tile memory
 * needs anyway (kernel/ABI.md, Memory footprint). */
static v_f32 qstage[(DT + 8u) / 4u];
static v_f32 stage[(DT + 16u) * 4u];

static inline uint32_t cfg(uint32_t off)
{
    return rvfk_ld_u32(DATA + off);
}
static inline void cfg_set(uint32_t off, uint32_t v)
{
    rvfk_st_u32(DATA + off, v);
}
static inline uint32_t query_off(void)
{
    return st.q_ext ? SCR_OFF + RVF_TILE_EXT_QUERY_OFF : RVF_TILE_QUERY_OFF;
}
static inline uint32_t sq_off(void)
{
    return st.sq_ext ? SCR_OFF + RVF_TILE_EXT_SQ_OFF : RVF_TILE_SQ_OFF;
}
static inline uint32_t elem_size(uint32_t dtype)
{
    return (0x040102u >> (dtype * 8u)) & 0xFFu;
}

/* ---- Host memory --------------------------------------------------------------------------- */
#if defined(__wasm__)
#define HOST(addr, len) ((uint8_t *)(uintptr_t)(uint32_t)(addr))
static inline uint64_t mem_bytes(void)
{
    return (uint64_t)__builtin_wasm_memory_size(0) << 16;
}
#else
static uint8_t *host_base;
static uint32_t host_size;

static void default_trap(const char *what)
{
    (void)what;
    __builtin_trap();
}
static rvf_tile_trap_fn trap_fn = default_trap;

static uint8_t *host_at(int32_t addr, uint64_t len)
{
    if (!len) /* nothing is accessed; the module would not trap either */
        return host_base;
    if ((uint64_t)(uint32_t)addr + len > host_size) {
        trap_fn("out of bounds memory access");
        __builtin_trap(); /* the handler must not return */
    }
    return host_base + (uint32_t)addr;
}
#define HOST(addr, len) host_at((addr), (len))
static inline uint64_t mem_bytes(void)
{
    return host_size;
}

void rvf_tile_bind_memory(uint8_t *base, uint32_t size)
{
    host_base = base;
    host_size = size;
}
void rvf_tile_set_trap_handler(rvf_tile_trap_fn fn)
{
    trap_fn = fn ? fn : default_trap;
}
void rvf_tile_reset(void)
{
    RVF_MEMSET(tile_mem, 0, sizeof tile_mem);
    RVF_MEMSET(&st, 0, sizeof st);
    RVF_MEMSET(heap_store, 0, sizeof heap_store);
    heap.size = 0;
}
const uint8_t *rvf_tile_region(int which)
{
    return which ? SCR : DATA;
}
#endif

/* Copy n host bytes in; like the reference, nothing is touched (no trap) when n is 0. */
static __attribute__((noinline)) void copy_in(uint8_t *dst, int32_t addr, uint64_t n)
{
    if (n)
        RVF_MEMCPY(dst, HOST(addr, n), (size_t)n);
}

/* Constants of the hot loops live in (mutable) memory: clang then loads each once per call
 * instead of rematerialising an 18-byte v128.const at every use, and V8 keeps them in registers.
 * (Not const, so the compiler cannot fold them back.) */
enum { K_F16MASK, K_2P112, K_MAGIC, K_ZERO, K_COUNT };
v_u32 rvf_tile_k[K_COUNT] = {
    {0x8FFFE000u, 0x8FFFE000u, 0x8FFFE000u, 0x8FFFE000u}, /* sign, exponent, mantissa of a half */
    {0x77800000u, 0x77800000u, 0x77800000u, 0x77800000u}, /* 2^112 */
    {0x4B400000u, 0x4B400000u, 0x4B400000u, 0x4B400000u}, /* 1.5 * 2^23 */
    {0, 0, 0, 0},
};
#define KV(i) ((v_f32)rvf_tile_k[i])

/* Sign extension of the low / high half of a vector (wasm: one extend instruction each). */
typedef int16_t v_i16 __attribute__((vector_size(16)));
typedef int8_t v_i8x8 __attribute__((vector_size(8)));
typedef int16_t v_i16x4 __attribute__((vector_size(8)));
#if defined(__wasm_simd128__)
#define EXT8_LO(x)  ((v_i16)wasm_i16x8_extend_low_i8x16((v128_t)(x)))
#define EXT8_HI(x)  ((v_i16)wasm_i16x8_extend_high_i8x16((v128_t)(x)))
#define EXT16_LO(x) ((v_i32)wasm_i32x4_extend_low_i16x8((v128_t)(x)))
#define EXT16_HI(x) ((v_i32)wasm_i32x4_extend_high_i16x8((v128_t)(x)))
#else
#define EXT8_LO(x)  __builtin_convertvector((v_i8x8)SHUF(x, x, 0, 1, 2, 3, 4, 5, 6, 7), v_i16)
#define EXT8_HI(x)  __builtin_convertvector((v_i8x8)SHUF(x, x, 8, 9, 10, 11, 12, 13, 14, 15), v_i16)
#define EXT16_LO(x) __builtin_convertvector((v_i16x4)SHUF(x, x, 0, 1, 2, 3), v_i32)
#define EXT16_HI(x) __builtin_convertvector((v_i16x4)SHUF(x, x, 4, 5, 6, 7), v_i32)
#endif
/* Small integers to f32 by the 1.5 * 2^23 trick, exact for |x| < 2^22. (clang would fold an
 * extend into f32x4.convert_i32x4_s and scalarise it.) */
static inline v_f32 i32_f32(v_i32 x)
{
    return (v_f32)(x + (v_i32)KV(K_MAGIC)) - KV(K_MAGIC);
}

/* ---- f16 -> f32 ------------------------------------------------------------------------------
 * Sign-extending a half to 32 bits and shifting it left by 13 puts its sign at bit 31 (the copies
 * at 30..28 are masked off), its exponent at 27..23 and its mantissa at 22..13: an f32 whose
 * value is the half's times 2^-112, for normals and subnormals alike, so one exact multiply by
 * 2^112 finishes. Exponent 31 (Inf/NaN) comes out finite, as a magnitude in [2^16, 2^17) that no
 * finite half reaches; f16_fixup() turns those lanes into Inf/NaN (exponent 0xFF, sign and
 * payload kept). Blocks known to hold no such half skip it (st.clean). */
static inline v_f32 f16_cvt(v_i32 sext)
{
    return (v_f32)((v_u32)(sext << 13) & rvf_tile_k[K_F16MASK]) * KV(K_2P112);
}

static void f16_fixup(v_f32 *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        v_u32 u = (v_u32)p[i];
        p[i] = (v_f32)(u | ((v_u32)((u << 1) >= 0x8F000000u) & 0x7F800000u)); /* |f| >= 2^16 */
    }
}

#define F16_LO(x) f16_cvt(EXT16_LO(x))
#define F16_HI(x) f16_cvt(EXT16_HI(x))

/* 4 rows x 8 halves -> o[4 * t] = dim t of the four rows (rows in lanes), t = 0..7: two rounds
 * of interleaves transpose the halves, a third widens each to the top of a 32-bit lane. */
static inline void f16_4x8(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2,
                           const uint8_t *r3, v_f32 *o)
{
    v_i16 a = (v_i16)ld16(r0), b = (v_i16)ld16(r1), c = (v_i16)ld16(r2), d = (v_i16)ld16(r3);
    v_u32 ab0 = (v_u32)SHUF(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
    v_u32 ab1 = (v_u32)SHUF(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
    v_u32 cd0 = (v_u32)SHUF(c, d, 0, 8, 1, 9, 2, 10, 3, 11);
    v_u32 cd1 = (v_u32)SHUF(c, d, 4, 12, 5, 13, 6, 14, 7, 15);
    v_i16 x0 = (v_i16)SHUF(ab0, cd0, 0, 4, 1, 5), x1 = (v_i16)SHUF(ab0, cd0, 2, 6, 3, 7);
    v_i16 x2 = (v_i16)SHUF(ab1, cd1, 0, 4, 1, 5), x3 = (v_i16)SHUF(ab1, cd1, 2, 6, 3, 7);
    o[0] = F16_LO(x0);
    o[4] = F16_HI(x0);
    o[8] = F16_LO(x1);
    o[12] = F16_HI(x1);
    o[16] = F16_LO(x2);
    o[20] = F16_HI(x2);
    o[24] = F16_LO(x3);
    o[28] = F16_HI(x3);
}

/* 4 x 4 f32 transpose: rows a..d (dims in lanes) -> o[4 * t] = dim t (rows in lanes). */
static inline void transpose4(v_f32 a, v_f32 b, v_f32 c, v_f32 d, v_f32 *o)
{
    v_f32 t0 = SHUF(a, b, 0, 4, 1, 5), t1 = SHUF(a, b, 2, 6, 3, 7);
    v_f32 t2 = SHUF(c, d, 0, 4, 1, 5), t3 = SHUF(c, d, 2, 6, 3, 7);
    o[0] = SHUF(t0, t2, 0, 1, 4, 5);
    o[4] = SHUF(t0, t2, 2, 3, 6, 7);
    o[8] = SHUF(t1, t3, 0, 1, 4, 5);
    o[12] = SHUF(t1, t3, 2, 3, 6, 7);
}

/* 4 rows x 4 i8 -> o[4 * t] = dim t of the four rows (rows in lanes) as f32: gather the four
 * rows' bytes, one shuffle transposes them, sign extensions split the dims. */
static inline void i8_4x4(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2,
                          const uint8_t *r3, v_f32 *o)
{
    v_u32 w = {rvfk_ld_u32(r0), rvfk_ld_u32(r1), rvfk_ld_u32(r2), rvfk_ld_u32(r3)};
    v_i8 x = SHUF((v_i8)w, (v_i8)w, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    v_i16 lo = EXT8_LO(x), hi = EXT8_HI(x);
    o[0] = i32_f32(EXT16_LO(lo));
    o[4] = i32_f32(EXT16_HI(lo));
    o[8] = i32_f32(EXT16_LO(hi));
    o[12] = i32_f32(EXT16_HI(hi));
}

/* The reference's square root: bit trick, then two Newton steps; x <= 0 gives 0. */
static inline v_f32 sqrt_approx(v_f32 x)
{
    v_f32 y = (v_f32)(((v_u32)x >> 1) + 0x1FBD1DF5u);
    y = (x / y + y) * 0.5f;
    y = (x / y + y) * 0.5f;
    return select_f32(x <= 0.0f, splat(0.0f), y);
}

/* Rows i .. i+15 (clamped to `last`), dims d0 .. d0+nd, into stage[j * 4 + group]. */
static void stage_rows(uint32_t dtype, const uint8_t *blk, uint32_t rowb, uint32_t i, uint32_t last,
                       uint32_t d0, uint32_t nd, uint32_t fix)
{
    uint32_t esz = elem_size(dtype);
    for (uint32_t g = 0; g < 4; g++) {
        const uint8_t *r[4];
        for (uint32_t t = 0; t < 4; t++) {
            uint32_t row = i + 4 * g + t;
            r[t] = blk + (row < last ? row : last) * rowb + d0 * esz;
        }
        v_f32 *o = stage + g;
        if (dtype == RVF_TILE_DTYPE_F16) {
            for (uint32_t c = 0; c < nd; c += 8, o += 32)
                f16_4x8(r[0] + 2 * c, r[1] + 2 * c, r[2] + 2 * c, r[3] + 2 * c, o);
        } else if (dtype == RVF_TILE_DTYPE_I8) {
            for (uint32_t c = 0; c < nd; c += 4, o += 16)
                i8_4x4(r[0] + c, r[1] + c, r[2] + c, r[3] + c, o);
        } else {
            for (uint32_t c = 0; c < nd; c += 4, o += 16)
                transpose4((v_f32)ld16(r[0] + 4 * c), (v_f32)ld16(r[1] + 4 * c),
                           (v_f32)ld16(r[2] + 4 * c), (v_f32)ld16(r[3] + 4 * c), o);
        }
    }
    if (fix)
        f16_fixup(stage, nd * 4);
    if (dtype == RVF_TILE_DTYPE_I8) {
        /* Fix 4: dequantise with the reference's formula, min + (max - min) * ((q + 128) / 255);
         * dims without params keep the code's value. */
        const uint8_t *sq = DATA + sq_off();
        for (uint32_t j = 0; j < nd && d0 + j < st.sq_dim; j++) {
            float mn = rvfk_ld_f32(sq + (d0 + j) * 8), mx = rvfk_ld_f32(sq + (d0 + j) * 8 + 4);
            v_f32 vmn = splat(mn), vrg = splat(mx - mn);
            for (uint32_t g = 0; g < 4; g++)
                stage[j * 4 + g] = vmn + vrg * ((stage[j * 4 + g] + 128.0f) / 255.0f);
        }
    }
}

/* Query dims d0 .. d0+nd (q points at d0) into qstage as f32. */
static void stage_query(const uint8_t *q, uint32_t nd)
{
    for (uint32_t d = 0; d < nd; d += 8) {
        v_i16 h = (v_i16)ld16(q + 2 * d);
        qstage[d / 4] = F16_LO(h);
        qstage[d / 4 + 1] = F16_HI(h);
    }
    f16_fixup(qstage, (nd + 3) / 4);
}

/* Metrics 0-2 for count rows of `dtype` against the fp16 query q (dim dims). fix: f16 rows may
 * hold Inf/NaN. */
static void dist_rows(uint32_t metric, uint32_t dtype, const uint8_t *q, const uint8_t *blk,
                      uint32_t dim, uint32_t count, uint8_t *out, uint32_t fix)
{
    uint32_t rowb = dim * elem_size(dtype);
    const float *qs = (const float *)qstage;
    float qq = 0.0f; /* |q|^2, summed in dimension order across the chunks */
    if (metric == RVF_TILE_METRIC_COSINE)
        for (uint32_t d0 = 0; d0 < dim; d0 += DT) {
            uint32_t nd = dim - d0 < DT ? dim - d0 : DT;
            stage_query(q + 2 * d0, nd);
            for (uint32_t j = 0; j < nd; j++)
                qq += qs[j] * qs[j];
        }
    /* One chunk (dim <= DT, the usual case): the query is staged once for all rows. */
    bool one_chunk = dim <= DT;
    if (one_chunk)
        stage_query(q, dim);
    v_f32 nq = sqrt_approx(splat(qq));

    for (uint32_t i = 0; i < count; i += 16) {
        v_f32 a0 = KV(K_ZERO), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (uint32_t d0 = 0; d0 < dim; d0 += DT) {
            uint32_t nd = dim - d0 < DT ? dim - d0 : DT;
            stage_rows(dtype, blk, rowb, i, count - 1, d0, nd, fix && dtype == RVF_TILE_DTYPE_F16);
            if (!one_chunk)
                stage_query(q + 2 * d0, nd);
            const v_f32 *s = stage;
            if (metric == RVF_TILE_METRIC_L2) {
                for (uint32_t j = 0; j < nd; j++, s += 4) {
                    v_f32 qv = splat(qs[j]);
                    v_f32 x0 = qv - s[0], x1 = qv - s[1], x2 = qv - s[2], x3 = qv - s[3];
                    a0 += x0 * x0;
                    a1 += x1 * x1;
                    a2 += x2 * x2;
                    a3 += x3 * x3;
                }
            } else {
                for (uint32_t j = 0; j < nd; j++, s += 4) {
                    v_f32 qv = splat(qs[j]);
                    a0 += qv * s[0];
                    a1 += qv * s[1];
                    a2 += qv * s[2];
                    a3 += qv * s[3];
                    if (metric == RVF_TILE_METRIC_COSINE) {
                        b0 += s[0] * s[0];
                        b1 += s[1] * s[1];
                        b2 += s[2] * s[2];
                        b3 += s[3] * s[3];
                    }
                }
            }
        }
        v_f32 res[4] = {a0, a1, a2, a3};
        v_f32 nrm[4] = {b0, b1, b2, b3};
        for (int g = 0; g < 4; g++) {
            if (metric == RVF_TILE_METRIC_IP) {
                res[g] = -res[g];
            } else if (metric == RVF_TILE_METRIC_COSINE) {
                v_f32 den = nq * sqrt_approx(nrm[g]);
                res[g] = select_f32(den < 1e-10f, splat(1.0f), 1.0f - res[g] / den);
            }
        }
        uint32_t n = count - i < 16 ? count - i : 16;
        if (n == 16) {
            for (int g = 0; g < 4; g++)
                st16(out + 4 * i + 16 * (uint32_t)g, res[g]);
        } else {
            RVF_MEMCPY(out + 4 * i, res, n * 4);
        }
    }
}

/* Per-byte popcount, and the sum of each 4-byte lane's bytes. */
static inline v_u8 popcnt8(v_u8 x)
{
#if defined(__wasm_simd128__)
    return (v_u8)wasm_i8x16_popcnt((v128_t)x);
#else
    for (int t = 0; t < 16; t++)
        x[t] = (uint8_t)__builtin_popcount(x[t]);
    return x;
#endif
}
static inline v_u32 sum4(v_u8 x)
{
#if defined(__wasm_simd128__)
    return (v_u32)wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16((v128_t)x));
#else
    v_u32 r;
    for (int t = 0; t < 4; t++)
        r[t] = (uint32_t)x[4 * t] + x[4 * t + 1] + x[4 * t + 2] + x[4 * t + 3];
    return r;
#endif
}

/* Metric 3: popcount(q XOR row) over n bytes per row, two rows at a time (sharing the query's
 * loads; a lone last row is counted twice, stored once). Byte counters take 31 chunks (<= 248
 * per byte) before they are widened. */
static void hamming_rows(const uint8_t *q, const uint8_t *blk, uint32_t n, uint32_t count,
                         uint8_t *out)
{
    const v_u8 iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    for (uint32_t i = 0; i < count; i += 2) {
        const uint8_t *p0 = blk + i * n, *p1 = i + 1 < count ? p0 + n : p0;
        v_u32 acc0 = rvf_tile_k[K_ZERO], acc1 = acc0;
        for (uint32_t b = 0; b < n;) {
            v_u8 a0 = {0}, a1 = {0};
            uint32_t end = n - b > 31 * 16 ? b + 31 * 16 : n;
            for (; b + 16 <= end; b += 16) {
                v_u8 qv = ld16(q + b);
                a0 += popcnt8(qv ^ ld16(p0 + b));
                a1 += popcnt8(qv ^ ld16(p1 + b));
            }
            if (b < end) { /* the last, partial chunk of the rows */
                v_u8 m = (v_u8)(iota < (uint8_t)(end - b)), qv = ld16(q + b) & m;
                a0 += popcnt8(qv ^ (ld16(p0 + b) & m));
                a1 += popcnt8(qv ^ (ld16(p1 + b) & m));
                b = end;
            }
            acc0 += sum4(a0);
            acc1 += sum4(a1);
        }
        rvfk_st_f32(out + 4 * i, (float)(acc0[0] + acc0[1] + acc0[2] + acc0[3]));
        if (i + 1 < count)
            rvfk_st_f32(out + 4 * i + 4, (float)(acc1[0] + acc1[1] + acc1[2] + acc1[3]));
    }
}

/* n if the n bytes at p, read as halves, hold no exponent-31 (Inf/NaN) value; else 0. The scan
 * may look up to 15 bytes further (then a false alarm only costs speed). */
static uint32_t scan_clean(const uint8_t *p, uint32_t n)
{
    v_u16 any = (v_u16)rvf_tile_k[K_ZERO];
    for (uint32_t b = 0; b < n; b += 16) {
        v_u16 h = (v_u16)ld16(p + b);
        any |= (v_u16)((h & 0x7C00) == 0x7C00);
    }
    v_u32 w = (v_u32)any;
    return (w[0] | w[1] | w[2] | w[3]) ? 0 : n;
}

/* ---- Exports --------------------------------------------------------------------------------- */

int32_t rvf_init(int32_t config_ptr)
{
    /* Fix 1: the reference refuses config_ptr + 64 > 8192 (an absolute address compared with
     * its data size); only a range outside linear memory is an error here. */
    if ((uint64_t)(uint32_t)config_ptr + RVF_TILE_CFG_SIZE > mem_bytes())
        return -1;
    copy_in(DATA + RVF_TILE_CFG_OFF, config_ptr, RVF_TILE_CFG_SIZE);
    rvfk_topk_reset(&heap);
    st.q_ext = 0;
    st.pq_ok = 0;
    return 0;
}

int32_t rvf_load_query(int32_t query_ptr, int32_t dim)
{
    if ((uint32_t)dim > RVF_TILE_EXT_MAX_DIM)
        return -1;
    uint32_t ext = (uint32_t)dim > RVF_TILE_MAX_DIM; /* Fix 2: extended mode */
    copy_in(DATA + (ext ? SCR_OFF + RVF_TILE_EXT_QUERY_OFF : RVF_TILE_QUERY_OFF), query_ptr,
            (uint32_t)dim * 2);
    st.q_ext = ext;
    st.pq_ok = 0;
    cfg_set(RVF_TILE_CFG_DIM, (uint32_t)dim);
    return 0;
}

int32_t rvf_load_block(int32_t block_ptr, int32_t count, int32_t dtype)
{
    /* Fix 3: count < 0 is an error (the reference multiplies it into a wrapped size) */
    if ((uint32_t)dtype > RVF_TILE_DTYPE_F32 || count < 0)
        return -1;
    uint64_t n = (uint64_t)(uint32_t)count * cfg(RVF_TILE_CFG_DIM) * elem_size((uint32_t)dtype);
    if (n > RVF_TILE_BLOCK_SIZE)
        return -1;
    copy_in(SCR + RVF_TILE_BLOCK_OFF, block_ptr, n);
    st.clean = scan_clean(SCR + RVF_TILE_BLOCK_OFF, (uint32_t)n);
    cfg_set(RVF_TILE_CFG_DTYPE, (uint32_t)dtype);
    cfg_set(RVF_TILE_CFG_COUNT, (uint32_t)count);
    return 0;
}

int32_t rvf_distances(int32_t metric, int32_t result_ptr)
{
    uint32_t dim = cfg(RVF_TILE_CFG_DIM), count = cfg(RVF_TILE_CFG_COUNT);
    uint32_t dtype = cfg(RVF_TILE_CFG_DTYPE);
    if (!dim || !count || dtype > RVF_TILE_DTYPE_F32 || (uint32_t)metric > RVF_TILE_METRIC_HAMMING)
        return -1;
    uint64_t rowb = (uint64_t)dim * elem_size(dtype);
    uint64_t qbytes = metric == RVF_TILE_METRIC_HAMMING ? rowb : (uint64_t)dim * 2;
    uint32_t qoff = query_off();
    /* a configuration (rvf_init) may name more than the tile holds: never read past it */
    if (rowb * count > RVF_TILE_SCRATCH_SIZE || qoff + qbytes > TILE_MEM_SIZE)
        return -1;
    uint8_t *out = HOST(result_ptr, (uint64_t)count * 4);
    if (metric == RVF_TILE_METRIC_HAMMING)
        hamming_rows(DATA + qoff, SCR, (uint32_t)rowb, count, out);
    else
        dist_rows((uint32_t)metric, dtype, DATA + qoff, SCR, dim, count, out,
                  rowb * count > st.clean);
    return (int32_t)count;
}

int32_t rvf_topk_merge(int32_t dist_ptr, int32_t id_ptr, int32_t count, int32_t k)
{
    if ((uint32_t)k > RVF_TILE_MAX_K || count < 0) /* Fix 6: count < 0 (the reference traps) */
        return -1;
    if (k == 0) /* Fix 6: the reference replaces the worst entry of a non-empty heap */
        return 0;
    const uint8_t *d = HOST(dist_ptr, (uint64_t)(uint32_t)count * 4);
    const uint8_t *id = HOST(id_ptr, (uint64_t)(uint32_t)count * 8);
    /* Fix 6: NaN skipped, ties to the smaller id (rvfk_topk_offer) */
    for (int32_t i = 0; i < count; i++, d += 4, id += 8)
        rvfk_topk_offer(&heap, (uint32_t)k, rvfk_ld_u64(id), rvfk_ld_f32(d));
    return 0;
}

int32_t rvf_topk_read(int32_t out_ptr)
{
    uint32_t n = rvfk_topk_read(&heap, heap_sorted, RVF_TILE_MAX_K); /* Fix 7: (dist, id) order */
    uint8_t *o = HOST(out_ptr, (uint64_t)n * RVF_TILE_TOPK_ENTRY_SIZE);
    for (uint32_t i = 0; i < n; i++, o += RVF_TILE_TOPK_ENTRY_SIZE) {
        rvfk_st_u64(o, heap_sorted[i].id);
        rvfk_st_f32(o + 8, heap_sorted[i].dist);
    }
    return (int32_t)n;
}

int32_t rvf_load_sq_params(int32_t params_ptr, int32_t dim)
{
    if ((uint32_t)dim > RVF_TILE_EXT_SQ_MAX_DIM)
        return -1;
    uint32_t ext = (uint32_t)dim > RVF_TILE_SQ_MAX_DIM; /* Fix 8: extended mode */
    copy_in(DATA + (ext ? SCR_OFF + RVF_TILE_EXT_SQ_OFF : RVF_TILE_SQ_OFF), params_ptr,
            (uint32_t)dim * 8);
    st.sq_ext = ext;
    st.sq_dim = (uint32_t)dim;
    st.pq_ok = 0;
    return 0;
}

int32_t rvf_dequant_i8(int32_t src_ptr, int32_t dst_ptr, int32_t count)
{
    uint32_t dim = cfg(RVF_TILE_CFG_DIM);
    if (!dim || count < 0) /* Fix 9: count < 0 */
        return -1;
    uint32_t n = (uint32_t)count, used = n < dim ? n : dim;
    const uint8_t *p = DATA + sq_off();
    if (sq_off() + (uint64_t)used * 8 > TILE_MEM_SIZE)
        return -1;
    const uint8_t *src = HOST(src_ptr, n);
    uint8_t *dst = HOST(dst_ptr, (uint64_t)n * 2);
    for (uint32_t i = 0, d = 0; i < n; i++) {
        float mn = rvfk_ld_f32(p + 8 * d), mx = rvfk_ld_f32(p + 8 * d + 4);
        float v = mn + (mx - mn) * (((float)(int8_t)src[i] + 128.0f) / 255.0f);
        rvfk_st_u16(dst + 2 * i, rvfk_f32_to_f16_trunc(v));
        if (++d == dim)
            d = 0;
    }
    return 0;
}

int32_t rvf_load_pq_codebook(int32_t codebook_ptr, int32_t m, int32_t k)
{
    if (m == 0)
        return -1;
    uint32_t sub = cfg(RVF_TILE_CFG_DIM) / (uint32_t)m;
    uint64_t n = (uint64_t)(uint32_t)m * (uint32_t)k * sub * 2;
    if (n > RVF_TILE_PQ_CODEBOOK_SIZE)
        return -1;
    copy_in(SCR + RVF_TILE_PQ_CODEBOOK_OFF, codebook_ptr, n);
    st.cb_clean = scan_clean(SCR + RVF_TILE_PQ_CODEBOOK_OFF, (uint32_t)n);
    st.pq_ok = 0;
    cfg_set(RVF_TILE_CFG_PQ_M, (uint32_t)m);
    cfg_set(RVF_TILE_CFG_PQ_K, (uint32_t)k);
    return 0;
}

int32_t rvf_pq_distances(int32_t codes_ptr, int32_t count, int32_t result_ptr)
{
    uint32_t dim = cfg(RVF_TILE_CFG_DIM), m = cfg(RVF_TILE_CFG_PQ_M), k = cfg(RVF_TILE_CFG_PQ_K);
    if (!dim || !m || !k || count < 0)
        return -1;
    uint64_t mk = (uint64_t)m * k;
    /* Fix 10: the reference writes m * k entries from 0xC000 whatever their number */
    if (mk > ((st.q_ext | st.sq_ext) ? RVF_TILE_EXT_PQ_MAX_ENTRIES : RVF_TILE_PQ_MAX_ENTRIES))
        return -1;
    uint32_t sub = dim / m, qoff = query_off();
    /* dim may have changed since the codebook was loaded: stay inside the codebook and query */
    if (mk * sub * 2 > RVF_TILE_PQ_CODEBOOK_SIZE || qoff + (uint64_t)dim * 2 > TILE_MEM_SIZE)
        return -1;
    uint8_t *table = SCR + RVF_TILE_PQ_TABLE_OFF;
    /* The table depends on the query, dim, m, k, the codebook and the mode: it is rebuilt after
     * any export that can change them (st.pq_ok 0), the same bytes the reference rebuilds. */
    if (!st.pq_ok) {
        for (uint32_t s = 0; s < m; s++)
            dist_rows(RVF_TILE_METRIC_L2, RVF_TILE_DTYPE_F16, DATA + qoff + s * sub * 2,
                      SCR + RVF_TILE_PQ_CODEBOOK_OFF + s * k * sub * 2, sub, k, table + s * k * 4,
                      mk * sub * 2 > st.cb_clean);
        /* A NaN's sign and payload depend on the engine (kernel/ABI.md, Conventions). The table
         * stays in tile memory, where a configuration can make Hamming rows read its raw bytes:
         * one canonical NaN keeps those reads deterministic. */
        for (uint32_t x = 0; x < mk; x++)
            if (rvfk_ld_f32(table + 4 * x) != rvfk_ld_f32(table + 4 * x))
                rvfk_st_u32(table + 4 * x, 0x7FC00000u);
    }
    uint32_t n = (uint32_t)count;
    const uint8_t *codes = HOST(codes_ptr, (uint64_t)n * m);
    uint8_t *out = HOST(result_ptr, (uint64_t)n * 4);
    /* The sums read a private copy of the table with k + 1 entries per subspace, the last 0.0,
     * which a code >= k selects (a select, no branch, in the inner loop). Four vectors at a
     * time, each summed in s order. Adding +0.0 for a code >= k leaves a sum unchanged: it
     * starts at +0 and only gains entries >= +0, so it is never -0. */
    uint32_t kx = k + 1;
    if (st.pq_ok < 2) {
        for (uint32_t s = 0; s < m; s++) {
            for (uint32_t c = 0; c < k; c++)
                pq_x[s * kx + c] = rvfk_ld_f32(table + (s * k + c) * 4);
            pq_x[s * kx + k] = 0.0f;
        }
        st.pq_ok = 2;
    }
    for (uint32_t i = 0; i < n; i += 4) {
        uint32_t i1 = i + 1 < n ? i + 1 : i, i2 = i + 2 < n ? i + 2 : i, i3 = i + 3 < n ? i + 3 : i;
        const uint8_t *c0 = codes + i * m, *c1 = codes + i1 * m;
        const uint8_t *c2 = codes + i2 * m, *c3 = codes + i3 * m;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        const float *x = pq_x;
        for (uint32_t s = 0; s < m; s++, x += kx) {
            uint32_t x0 = c0[s], x1 = c1[s], x2 = c2[s], x3 = c3[s];
            a0 += x[x0 < k ? x0 : k];
            a1 += x[x1 < k ? x1 : k];
            a2 += x[x2 < k ? x2 : k];
            a3 += x[x3 < k ? x3 : k];
        }
        v_f32 f = {a0, a1, a2, a3};
        if (n - i >= 4)
            st16(out + 4 * i, f);
        else
            RVF_MEMCPY(out + 4 * i, &f, (n - i) * 4);
    }
    return count;
}

int32_t rvf_load_neighbors(int64_t node_id, int32_t layer, int32_t out_ptr)
{
    (void)node_id;
    (void)layer;
    cfg_set(RVF_TILE_NEIGHBOR_OFF, (uint32_t)out_ptr);
    return 0;
}

int64_t rvf_greedy_step(int64_t current_id, int32_t layer)
{
    (void)layer;
    uint32_t p = cfg(RVF_TILE_NEIGHBOR_OFF);
    uint64_t size = mem_bytes();
    if (!p || p >= size)
        return -1;
    return rvfk_greedy_step(HOST((int32_t)p, size - p), (size_t)(size - p), (uint64_t)current_id);
}

int32_t rvf_verify_header(int32_t header_ptr)
{
    return rvfk_verify_header(HOST(header_ptr, 5));
}

int32_t rvf_crc32c(int32_t data_ptr, int32_t len)
{
    uint32_t n = len < 0 ? 0 : (uint32_t)len; /* Fix 11: the reference traps */
    return (int32_t)rvfk_crc32c_update(0, HOST(data_ptr, n), n);
}
