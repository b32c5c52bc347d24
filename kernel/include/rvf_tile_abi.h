/* rvf_tile_abi.h: the tile microkernel's ABI (RVF-BRIEF §11.1-§11.3; full text in kernel/ABI.md).
 *
 * The tile microkernel is a WebAssembly module of 14 exported functions plus `memory`, no imports,
 * under 8192 bytes (kernel/tile/, checked by the `tile-size` target). A hub drives it:
 *
 *     rvf_init(cfg)                        reset the top-K heap, copy a 64-byte configuration
 *     rvf_load_query(q, dim)               fp16 query, dim <= 96 (<= 384: extended mode)
 *     rvf_load_block(rows, count, dtype)   count x dim rows of fp16 / i8 / f32, <= 32 KB
 *     rvf_distances(metric, out)           count f32 distances
 *     rvf_topk_merge(dists, ids, n, k)     bounded top-K over (dist, id) pairs, k <= 16
 *     rvf_topk_read(out)                   the heap, ascending, 12-byte {id u64, dist f32}
 *     ... SQ dequantisation, PQ asymmetric distances, a greedy HNSW step over a hub-provided
 *     neighbour list, segment-header check and CRC32C.
 *
 * Pointers. Every `int32_t ..._ptr` is an address in the module's linear memory (the host's
 * bytes, written through `memory.buffer`). The module has no allocator: the host grows `memory`
 * and owns every byte at or above the byte length the module was instantiated with. The tile's
 * own state (8 KB data region, 64 KB SIMD scratch, top-K heap) lives in internal static buffers
 * whose addresses the host never needs; the offsets below are relative to those two regions and
 * describe where each input is kept (they are observable: e.g. a configuration whose dim exceeds
 * the query it came with reads the following bytes of the data region, exactly as the reference
 * module @ruvector/rvf-wasm 0.1.9 does).
 *
 * Errors are -1 (the reference's convention); a read or write outside linear memory traps, as
 * in the reference. Natively (the same source built by a C compiler for tests) the addresses index
 * the array given to rvf_tile_bind_memory() and an out-of-range access calls the trap handler.
 *
 * This header is freestanding (stdint only) and is shared by the module, the native library,
 * the tests and any C host. */
#ifndef RVF_TILE_ABI_H
#define RVF_TILE_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Regions ------------------------------------------------------------------------------- */
#define RVF_TILE_DATA_SIZE    0x2000u  /* 8 KB tile data memory */
#define RVF_TILE_SCRATCH_SIZE 0x10000u /* 64 KB SIMD scratch */

/* ---- Data region (offsets from its start) --------------------------------------------------- */
#define RVF_TILE_CFG_OFF       0x0000u /* 64-byte configuration, copied by rvf_init */
#define RVF_TILE_CFG_SIZE      64u
#define RVF_TILE_CFG_DIM       0x04u   /* u32: query dimension (rvf_load_query) */
#define RVF_TILE_CFG_COUNT     0x08u   /* u32: rows in the block (rvf_load_block) */
#define RVF_TILE_CFG_DTYPE     0x0Cu   /* u32: block dtype, RVF_TILE_DTYPE_* */
#define RVF_TILE_CFG_PQ_M      0x10u   /* u32: PQ subspaces (rvf_load_pq_codebook) */
#define RVF_TILE_CFG_PQ_K      0x14u   /* u32: PQ centroids per subspace */
#define RVF_TILE_QUERY_OFF     0x0040u /* fp16 query, <= 96 dims */
#define RVF_TILE_QUERY_SIZE    192u
#define RVF_TILE_RESULT_OFF    0x0100u /* result buffer (unused; the heap is separate) */
#define RVF_TILE_RESULT_SIZE   256u
#define RVF_TILE_ROUTING_OFF   0x0200u /* routing table (unused) */
#define RVF_TILE_ROUTING_SIZE  512u
#define RVF_TILE_SQ_OFF        0x0400u /* SQ params [min0, max0, min1, max1, ...] f32, <= 128 dims */
#define RVF_TILE_SQ_SIZE       1024u
#define RVF_TILE_MSG_OFF       0x0800u /* hub-tile message I/O buffer (unused by the exports) */
#define RVF_TILE_MSG_SIZE      2048u
#define RVF_TILE_NEIGHBOR_OFF  0x1000u /* u32: address of the registered neighbour list */
#define RVF_TILE_NEIGHBOR_SIZE 4096u

/* ---- SIMD scratch (offsets from its start) -------------------------------------------------- */
#define RVF_TILE_BLOCK_OFF        0x0000u /* row-major block, row i at i * dim * elem */
#define RVF_TILE_BLOCK_SIZE       32768u
#define RVF_TILE_PQ_CODEBOOK_OFF  0x8000u /* fp16 centroids [m][k][dim / m] */
#define RVF_TILE_PQ_CODEBOOK_SIZE 16384u
#define RVF_TILE_PQ_TABLE_OFF     0xC000u /* f32 table T[s * k + c], m * k entries */
#define RVF_TILE_EXT_QUERY_OFF    0xF000u /* extended mode: fp16 query of 97..384 dims */
#define RVF_TILE_EXT_QUERY_SIZE   768u
#define RVF_TILE_EXT_SQ_OFF       0xF300u /* extended mode: SQ params of 129..384 dims */
#define RVF_TILE_EXT_SQ_SIZE      3072u

/* ---- Limits --------------------------------------------------------------------------------- */
#define RVF_TILE_MAX_K               16u   /* top-K heap capacity */
#define RVF_TILE_MAX_DIM             96u   /* fp16 query dims at RVF_TILE_QUERY_OFF */
#define RVF_TILE_EXT_MAX_DIM         384u  /* extended mode */
#define RVF_TILE_SQ_MAX_DIM          128u  /* SQ params at RVF_TILE_SQ_OFF */
#define RVF_TILE_EXT_SQ_MAX_DIM      384u  /* extended mode */
#define RVF_TILE_PQ_MAX_ENTRIES      4096u /* m * k (Fix 10) */
#define RVF_TILE_EXT_PQ_MAX_ENTRIES  3072u /* m * k while in extended mode */
#define RVF_TILE_TOPK_ENTRY_SIZE     12u   /* rvf_topk_read: id u64 LE, dist f32 LE */
#define RVF_TILE_NEIGHBOR_ENTRY_SIZE 12u   /* neighbour list: count u32, then {id u64, dist f32} */
#define RVF_TILE_SEGMENT_MAGIC       0x52564653u

/* Block dtypes (tile codes; the VEC_SEG enum differs: f32 0, f16 1, i8 3). */
#define RVF_TILE_DTYPE_F16 0
#define RVF_TILE_DTYPE_I8  1
#define RVF_TILE_DTYPE_F32 2
/* Metrics of rvf_distances. */
#define RVF_TILE_METRIC_L2      0 /* squared Euclidean */
#define RVF_TILE_METRIC_IP      1 /* -dot */
#define RVF_TILE_METRIC_COSINE  2 /* 1 - dot / (sqrt_approx(|q|^2) sqrt_approx(|v|^2)) */
#define RVF_TILE_METRIC_HAMMING 3 /* popcount of the XOR of the raw bytes */

/* The memory map is an ABI: these hold at compile time wherever the header is included. */
_Static_assert(RVF_TILE_CFG_DIM + 4 <= RVF_TILE_CFG_SIZE && RVF_TILE_CFG_PQ_K + 4 <= 0x18u,
               "config fields inside the 64-byte config, private bytes from 0x18");
_Static_assert(RVF_TILE_CFG_OFF + RVF_TILE_CFG_SIZE == RVF_TILE_QUERY_OFF, "config | query");
_Static_assert(RVF_TILE_QUERY_OFF + RVF_TILE_QUERY_SIZE == RVF_TILE_RESULT_OFF, "query | result");
_Static_assert(RVF_TILE_QUERY_SIZE == RVF_TILE_MAX_DIM * 2, "fp16 query scratch");
_Static_assert(RVF_TILE_RESULT_OFF + RVF_TILE_RESULT_SIZE == RVF_TILE_ROUTING_OFF,
               "result | routing");
_Static_assert(RVF_TILE_RESULT_SIZE == RVF_TILE_MAX_K * 16, "16 results of 16 bytes");
_Static_assert(RVF_TILE_ROUTING_OFF + RVF_TILE_ROUTING_SIZE == RVF_TILE_SQ_OFF, "routing | SQ");
_Static_assert(RVF_TILE_SQ_SIZE == RVF_TILE_SQ_MAX_DIM * 8, "SQ params: [min, max] f32 per dim");
_Static_assert(RVF_TILE_SQ_OFF + RVF_TILE_SQ_SIZE == RVF_TILE_MSG_OFF, "SQ | message buffer");
_Static_assert(RVF_TILE_MSG_OFF + RVF_TILE_MSG_SIZE == RVF_TILE_NEIGHBOR_OFF,
               "message | neighbours");
_Static_assert(RVF_TILE_NEIGHBOR_OFF + RVF_TILE_NEIGHBOR_SIZE == RVF_TILE_DATA_SIZE,
               "data is 8 KB");
_Static_assert(RVF_TILE_BLOCK_OFF + RVF_TILE_BLOCK_SIZE == RVF_TILE_PQ_CODEBOOK_OFF, "block | PQ");
_Static_assert(RVF_TILE_PQ_CODEBOOK_OFF + RVF_TILE_PQ_CODEBOOK_SIZE == RVF_TILE_PQ_TABLE_OFF,
               "codebook | table");
_Static_assert(RVF_TILE_PQ_TABLE_OFF + RVF_TILE_PQ_MAX_ENTRIES * 4 == RVF_TILE_SCRATCH_SIZE,
               "a 4096-entry table ends exactly at the end of the scratch (Fix 10)");
_Static_assert(RVF_TILE_PQ_TABLE_OFF + RVF_TILE_EXT_PQ_MAX_ENTRIES * 4 <= RVF_TILE_EXT_QUERY_OFF,
               "extended mode: the table stays below the extended query");
_Static_assert(RVF_TILE_EXT_QUERY_SIZE == RVF_TILE_EXT_MAX_DIM * 2, "384 fp16 dims");
_Static_assert(RVF_TILE_EXT_QUERY_OFF + RVF_TILE_EXT_QUERY_SIZE == RVF_TILE_EXT_SQ_OFF,
               "extended query | extended SQ params");
_Static_assert(RVF_TILE_EXT_SQ_SIZE == RVF_TILE_EXT_SQ_MAX_DIM * 8, "384 [min, max] pairs");
_Static_assert(RVF_TILE_EXT_SQ_OFF + RVF_TILE_EXT_SQ_SIZE <= RVF_TILE_SCRATCH_SIZE,
               "extended SQ params inside the scratch");
_Static_assert(RVF_TILE_BLOCK_SIZE / (RVF_TILE_EXT_MAX_DIM * 2) == 42, "42 x 384 fp16 per block");

/* ---- Exports (WAT signatures in kernel/ABI.md) ---------------------------------------------- */

/* Copy 64 bytes from config_ptr over the configuration and empty the top-K heap. 0, or -1 if the
 * 64 bytes are not inside linear memory (Fix 1). Leaves extended-query mode. */
int32_t rvf_init(int32_t config_ptr);
/* Copy dim fp16 values (dim * 2 bytes) to the query scratch and set the configuration's dim.
 * dim 0..96: RVF_TILE_QUERY_OFF; 97..384: extended mode, RVF_TILE_EXT_QUERY_OFF (Fix 2).
 * -1 otherwise. */
int32_t rvf_load_query(int32_t query_ptr, int32_t dim);
/* Copy count * dim * elem bytes (elem 2, 1, 4 for dtype 0, 1, 2) to the block area; set count
 * and dtype. -1 for another dtype, count < 0 (Fix 3) or more than 32768 bytes. */
int32_t rvf_load_block(int32_t block_ptr, int32_t count, int32_t dtype);
/* One f32 per row to result_ptr[i]; returns count. -1 if dim or count is 0, or for an unknown
 * metric, before writing anything. fp16 rows: metrics 0-3 exactly as the reference. i8 rows:
 * 0-2 dequantised with the SQ params (Fix 4), 3 Hamming over dim bytes. f32 rows: 0-3 (Fix 5). */
int32_t rvf_distances(int32_t metric, int32_t result_ptr);
/* Offer count (dist f32, id u64) pairs to the heap with bound k (0..16, else -1). Ties go to the
 * smaller id, NaN is skipped, k 0 is a no-op, count < 0 is -1 (Fix 6). 0 on success. */
int32_t rvf_topk_merge(int32_t dist_ptr, int32_t id_ptr, int32_t count, int32_t k);
/* Write the heap ascending by (dist, id) as 12-byte {id u64 LE, dist f32 LE}; return how many
 * (0-16). The heap is kept (Fix 7 for the order of ties). */
int32_t rvf_topk_read(int32_t out_ptr);
/* Copy dim [min, max] f32 pairs; dim 0..128 at RVF_TILE_SQ_OFF, 129..384 at RVF_TILE_EXT_SQ_OFF
 * (extended mode, Fix 8). -1 otherwise. The configuration's dim is unchanged. */
int32_t rvf_load_sq_params(int32_t params_ptr, int32_t dim);
/* count i8 codes to fp16 (u16 LE) with the SQ params of dimension i mod dim, the reference's
 * formula and truncating f32->f16. -1 if dim is 0 or count < 0 (Fix 9). */
int32_t rvf_dequant_i8(int32_t src_ptr, int32_t dst_ptr, int32_t count);
/* Copy m * k * (dim / m) fp16 centroids ([m][k][dim / m]); set m, k. -1 if m is 0 or the
 * codebook exceeds 16384 bytes. */
int32_t rvf_load_pq_codebook(int32_t codebook_ptr, int32_t m, int32_t k);
/* ADC: build T[s][c] (squared L2 of query subspace s to centroid c, at RVF_TILE_PQ_TABLE_OFF),
 * then result[i] = sum over s of T[s][codes[i * m + s]] (codes >= k add nothing). Returns count;
 * -1 if dim, m or k is 0, count < 0, or m * k > 4096 (3072 in extended mode) (Fix 10). */
int32_t rvf_pq_distances(int32_t codes_ptr, int32_t count, int32_t result_ptr);
/* Register out_ptr as the current neighbour list (node_id and layer are ignored). Returns 0. */
int32_t rvf_load_neighbors(int64_t node_id, int32_t layer, int32_t out_ptr);
/* The id with the smallest dist among the registered list's entries whose id != current_id
 * (first of equal minima wins), or -1: no list, empty list, or no candidate below FLT_MAX. */
int64_t rvf_greedy_step(int64_t current_id, int32_t layer);
/* 0 valid, 1 magic != 0x52564653, 2 version byte != 1. */
int32_t rvf_verify_header(int32_t header_ptr);
/* CRC32C of len bytes as an i32 bit pattern; len < 0 counts as 0 (Fix 11). */
int32_t rvf_crc32c(int32_t data_ptr, int32_t len);

#ifndef __wasm__
/* ---- Native builds only (the tile library used by the tests) -------------------------------- */
/* The "linear memory" the exports' addresses index: base[0 .. size). Must be called first. */
void rvf_tile_bind_memory(uint8_t *base, uint32_t size);
/* Called instead of a wasm trap (an access outside the bound memory). The default handler
 * aborts; a test may install one that longjmps. The handler must not return. */
typedef void (*rvf_tile_trap_fn)(const char *what);
void rvf_tile_set_trap_handler(rvf_tile_trap_fn fn);
/* Back to the state of a freshly instantiated module (all tile memory zero, heap empty). */
void rvf_tile_reset(void);
/* Read access to the internal regions for tests: 0 data (8 KB), 1 scratch (64 KB). */
const uint8_t *rvf_tile_region(int which);
#endif

#ifdef __cplusplus
}
#endif
#endif /* RVF_TILE_ABI_H */
