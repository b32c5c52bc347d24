/* rvf_wasm.c: the Emscripten build's shim (see rvf_wasm.h). Built twice, with and without
 * -msimd128, together with runtime/src and kernel/src. */
#include "rvf_wasm.h"

#include <stddef.h>

#include <emscripten.h>

/* clang-format off: it would split these one-line initializers over four lines each */
// clang-format off
#define SIZE(T)     {#T, (uint32_t)sizeof(T)}
#define OFF(T, m)   {#T "." #m, (uint32_t)offsetof(T, m)}
#define CONST(name) {#name, (uint32_t)(name)}
// clang-format on

/* What js/src/bindings.js reads and writes. Names are looked up, so order does not matter. */
static const rvf_wasm_entry layout[] = {
    SIZE(rvf_options),
    OFF(rvf_options, dimension),
    OFF(rvf_options, metric),
    OFF(rvf_options, dtype),
    OFF(rvf_options, profile_id),
    OFF(rvf_options, checksum_algo),
    OFF(rvf_options, no_witness),
    OFF(rvf_options, no_sync),
    OFF(rvf_options, block_vectors),
    SIZE(rvf_value),
    OFF(rvf_value, field_id),
    OFF(rvf_value, type),
    OFF(rvf_value, v.u64),
    OFF(rvf_value, v.i64),
    OFF(rvf_value, v.f64),
    OFF(rvf_value, v.boolean),
    OFF(rvf_value, v.bytes.ptr),
    OFF(rvf_value, v.bytes.len),
    SIZE(rvf_filter),
    OFF(rvf_filter, bytes),
    OFF(rvf_filter, len),
    SIZE(rvf_hit),
    OFF(rvf_hit, id),
    OFF(rvf_hit, distance),
    SIZE(rvf_query_params),
    OFF(rvf_query_params, k),
    OFF(rvf_query_params, metric),
    OFF(rvf_query_params, filter),
    OFF(rvf_query_params, filter_len),
    OFF(rvf_query_params, ef),
    SIZE(rvf_index_options),
    OFF(rvf_index_options, m),
    OFF(rvf_index_options, ef_construction),
    OFF(rvf_index_options, metric),
    OFF(rvf_index_options, full),
    OFF(rvf_index_options, threads),
    SIZE(rvf_status_info),
    OFF(rvf_status_info, live_vectors),
    OFF(rvf_status_info, total_vectors),
    OFF(rvf_status_info, deleted_vectors),
    OFF(rvf_status_info, dimension),
    OFF(rvf_status_info, metric),
    OFF(rvf_status_info, dtype),
    OFF(rvf_status_info, profile_id),
    OFF(rvf_status_info, read_only),
    OFF(rvf_status_info, dialect),
    OFF(rvf_status_info, epoch),
    OFF(rvf_status_info, segment_count),
    OFF(rvf_status_info, file_size),
    OFF(rvf_status_info, dead_bytes),
    OFF(rvf_status_info, manifest_offset),
    OFF(rvf_status_info, recovered_from),
    OFF(rvf_status_info, file_id),
    OFF(rvf_status_info, parent_id),
    OFF(rvf_status_info, lineage_depth),
    OFF(rvf_status_info, index_segments),
    OFF(rvf_status_info, indexed_vectors),
    OFF(rvf_status_info, stale_vectors),
    OFF(rvf_status_info, load_state),
    OFF(rvf_status_info, bytes_read),
    OFF(rvf_status_info, read_requests),
    OFF(rvf_status_info, partitions_loaded),
    OFF(rvf_status_info, hot_vectors),
    OFF(rvf_status_info, layer_b_nodes),
    OFF(rvf_status_info, layer_b_partitions),
    SIZE(rvf_segment_info),
    OFF(rvf_segment_info, segment_id),
    OFF(rvf_segment_info, offset),
    OFF(rvf_segment_info, payload_length),
    OFF(rvf_segment_info, seg_type),
    OFF(rvf_segment_info, checksum_algo),
    OFF(rvf_segment_info, flags),
    CONST(RVF_VALUE_NULL),
    CONST(RVF_VALUE_U64),
    CONST(RVF_VALUE_I64),
    CONST(RVF_VALUE_F64),
    CONST(RVF_VALUE_STRING),
    CONST(RVF_VALUE_BYTES),
    CONST(RVF_VALUE_BOOL),
    CONST(RVF_VALUE_U32),
    CONST(RVF_VALUE_F32),
    CONST(RVF_FILTER_EQ),
    CONST(RVF_FILTER_NE),
    CONST(RVF_FILTER_LT),
    CONST(RVF_FILTER_LE),
    CONST(RVF_FILTER_GT),
    CONST(RVF_FILTER_GE),
    CONST(RVF_FILTER_IN),
    CONST(RVF_FILTER_PREFIX),
    CONST(RVF_FILTER_CONTAINS),
    CONST(RVF_FILTER_AND),
    CONST(RVF_FILTER_OR),
    CONST(RVF_FILTER_NOT),
    CONST(RVF_DTYPE_F32),
    CONST(RVF_DTYPE_F16),
    CONST(RVF_METRIC_L2),
    CONST(RVF_METRIC_IP),
    CONST(RVF_METRIC_COSINE),
    CONST(RVF_METRIC_HAMMING),
    CONST(RVF_LOAD_MANIFEST),
    CONST(RVF_LOAD_LAYER_A),
    CONST(RVF_LOAD_FULL),
    CONST(RVF_LOAD_ROOT),
    CONST(RVF_LOAD_ROOT),
    CONST(RVF_FORMAT_VERSION),
    CONST(RVF_VERSION_MAJOR),
    CONST(RVF_VERSION_MINOR),
    CONST(RVF_VERSION_PATCH),
};

/* JavaScript reads u64 fields as two u32 halves or a BigUint64Array: they must be 8-aligned. */
_Static_assert(offsetof(rvf_hit, id) % 8 == 0 && sizeof(rvf_hit) % 8 == 0, "rvf_hit alignment");
_Static_assert(sizeof(void *) == 4 && sizeof(size_t) == 4, "wasm32 only");

uint32_t rvf_wasm_abi_version(void)
{
    return RVF_WASM_ABI_VERSION;
}

const rvf_wasm_entry *rvf_wasm_layout(uint32_t *n)
{
    *n = (uint32_t)(sizeof layout / sizeof layout[0]);
    return layout;
}

const char *rvf_wasm_kernel_variant(void)
{
    return rvfk_ops_best()->name;
}

void rvf_wasm_options_default(rvf_options *out, uint32_t dimension)
{
    *out = rvf_options_default(dimension);
}

void rvf_wasm_index_options_default(rvf_index_options *out)
{
    *out = rvf_index_options_default();
}

/* The range source's read lives on the module object (set by js/src/progressive.js); without
 * it a read is an I/O error, never bytes. JavaScript owns the source's lifetime (no close). */
// clang-format off
EM_JS(int, rvf_wasm_js_read, (uint32_t handle, double off, void *dst, uint32_t n), {
    return Module.rvfSourceRead ? Module.rvfSourceRead(handle, off, dst >>> 0, n >>> 0) : -0xF003;
});
// clang-format on

static rvf_status wasm_source_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    if (n > UINT32_MAX)
        return RVF_ERR_INVALID_ARGUMENT;
    return rvf_wasm_js_read((uint32_t)(uintptr_t)ctx, (double)off, dst, (uint32_t)n);
}

rvf_status rvf_wasm_open_source(uint32_t handle, double size, rvf_store **out)
{
    if (!out || !(size >= 0 && size <= 9007199254740992.0))
        return RVF_ERR_INVALID_ARGUMENT;
    rvf_source src = {(void *)(uintptr_t)handle, (uint64_t)size, wasm_source_read, NULL};
    return rvf_open_source(&src, out);
}
