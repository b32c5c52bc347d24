// compat.d.ts: types of js/src/compat.js (`rvf/compat`), the drop-in for @ruvector/rvf-wasm 0.1.9.
import type { RvfLoadOptions, RvfWasm } from './index.js';

/** The reference's raw exports (its RvfWasmExports), served by our runtime. */
export interface RvfCompatExports {
  memory: WebAssembly.Memory;
  rvf_alloc(size: number): number;
  rvf_free(ptr: number, size: number): void;
  rvf_init(config_ptr: number): number;
  rvf_load_query(query_ptr: number, dim: number): number;
  rvf_load_block(block_ptr: number, count: number, dtype: number): number;
  rvf_distances(metric: number, result_ptr: number): number;
  rvf_topk_merge(dist_ptr: number, id_ptr: number, count: number, k: number): number;
  rvf_topk_read(out_ptr: number): number;
  rvf_load_sq_params(params_ptr: number, dim: number): number;
  rvf_dequant_i8(src_ptr: number, dst_ptr: number, count: number): number;
  rvf_load_pq_codebook(codebook_ptr: number, m: number, k: number): number;
  rvf_pq_distances(codes_ptr: number, count: number, result_ptr: number): number;
  rvf_load_neighbors(node_id: bigint, layer: number, out_ptr: number): number;
  rvf_greedy_step(current_id: bigint, layer: number): bigint;
  rvf_verify_header(header_ptr: number): number;
  rvf_crc32c(data_ptr: number, len: number): number;
  rvf_verify_checksum(buf_ptr: number, buf_len: number): number;
  rvf_store_create(dim: number, metric: number): number;
  rvf_store_open(buf_ptr: number, buf_len: number): number;
  rvf_store_ingest(handle: number, vecs_ptr: number, ids_ptr: number, count: number): number;
  rvf_store_query(handle: number, query_ptr: number, k: number, metric: number, out_ptr: number): number;
  rvf_store_delete(handle: number, ids_ptr: number, count: number): number;
  rvf_store_count(handle: number): number;
  rvf_store_dimension(handle: number): number;
  rvf_store_status(handle: number, out_ptr: number): number;
  rvf_store_export(handle: number, out_ptr: number, out_len: number): number;
  rvf_store_close(handle: number): number;
  rvf_parse_header(buf_ptr: number, buf_len: number, out_ptr: number): number;
  rvf_segment_count(buf_ptr: number, buf_len: number): number;
  rvf_segment_info(buf_ptr: number, buf_len: number, idx: number, out_ptr: number): number;
  rvf_witness_verify(chain_ptr: number, chain_len: number): number;
  rvf_witness_count(chain_len: number): number;
}

/** The names of the 32 function exports. */
export declare const COMPAT_EXPORTS: readonly string[];
/** The C function (js/wasm/exports.txt) behind a reference export name. */
export declare function compatCName(name: string): string;
/** Without an argument: one shared instance, as the reference keeps. */
export declare function init(input?: RvfLoadOptions | RvfWasm): Promise<RvfCompatExports>;
export default init;
