/* rvf_wasm.h: the WebAssembly/JavaScript boundary (STYLE.md habit 1, third layer). Everything
 * specific to the Emscripten build lives in rvf_wasm.c; the exported functions are listed in
 * exports.txt, one per line. JavaScript reaches the C structs through the layout table below,
 * computed by the compiler (offsetof, sizeof), so no offset is ever copied by hand. */
#ifndef RVF_WASM_H
#define RVF_WASM_H

#include <stdint.h>

#include "rvf.h"

/* The contract between js/src and a built module: bump it whenever exports.txt, an exported
 * signature or the meaning of a layout entry changes. The loader refuses a module whose
 * rvf_wasm_abi_version() differs from the value scripts/gen-constants.mjs read from here. */
#define RVF_WASM_ABI_VERSION 2

/* One entry of the layout table: "rvf_options.dimension" -> its offset, "rvf_options" -> its
 * size, "RVF_VALUE_U64" -> the constant. */
typedef struct rvf_wasm_entry {
    const char *name;
    uint32_t value;
} rvf_wasm_entry;

uint32_t rvf_wasm_abi_version(void);
/* The layout table: *n receives its length; the table is static (never freed). */
const rvf_wasm_entry *rvf_wasm_layout(uint32_t *n);
/* The kernel variant the distances run on: "wasm128" in the SIMD build, "scalar" otherwise. */
const char *rvf_wasm_kernel_variant(void);
/* By-value results of rvf.h, returned through a pointer (JavaScript cannot take a struct). */
void rvf_wasm_options_default(rvf_options *out, uint32_t dimension);
void rvf_wasm_index_options_default(rvf_index_options *out);

/* A read-only store over a range source whose bytes JavaScript serves (js/src/progressive.js):
 * each read calls Module.rvfSourceRead(handle, offset, dst, n), which copies n bytes to dst
 * and returns RVF_OK, or returns RVF_ERR_IO_ERROR when they are not fetched yet (JavaScript
 * fetches them and calls again; the store keeps no state of a failed read). size: the file's
 * length in bytes (below 2^53). JavaScript owns the handle; rvf_close() does not release it. */
rvf_status rvf_wasm_open_source(uint32_t handle, double size, rvf_store **out);

#endif
