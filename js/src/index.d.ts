// Types of js/src/index.js (RvfDatabase), js/src/loader.js and js/src/bindings.js.
export { STATUS, STATUS_NAME, STATUS_MESSAGE, METRIC, SEGMENT_TYPE, SEGMENT_FLAG, RvfStatusName } from '../gen/rvf_constants.mjs';
import type { RvfStatusName } from '../gen/rvf_constants.mjs';

/** Every failure: code is the C rvf_status (negative), name its symbol, message the text + detail. */
export declare class RvfError extends Error {
  constructor(code: number, detail?: string);
  readonly code: number;
  readonly name: RvfStatusName | 'UNKNOWN_STATUS';
  /** What went wrong in this call ('' when the library gave no detail). */
  readonly detail: string;
}

/**
 * A vector id: uint64. Pass a number (a non-negative safe integer) or a BigInt (0 .. 2^64-1).
 * Ids come back as numbers up to Number.MAX_SAFE_INTEGER and as BigInts above. Deletion takes
 * ids below 2^48 (FORMAT.md).
 */
export type RvfId = number | bigint;
export type RvfMetric = 'l2' | 'ip' | 'inner_product' | 'cosine' | number;

/** A metadata value. Numbers: safe integers are stored as u64 (>= 0) or i64, others as f64. */
export type RvfValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | ArrayBuffer
  | { type: 'null' | 'u32' | 'u64' | 'i64' | 'f32' | 'f64' | 'bool' | 'string' | 'bytes'; value: unknown };

/** Metadata of one vector: field id (0..65535) -> value. */
export type RvfMetadata = Record<number, RvfValue> | Map<number, RvfValue> | Array<[number, RvfValue]>;

/**
 * A filter over metadata fields: an encoded expression (FORMAT.md "Filter expression") or
 *   [op, fieldId, value]   op: 'eq' 'ne' 'lt' 'le' 'gt' 'ge' (or '==' '!=' '<' '<=' '>' '>='),
 *                          'prefix', 'contains'
 *   ['in', fieldId, values[]]   ['range', fieldId, lo, hi] (lo <= x < hi)
 *   ['and', ...filters]   ['or', ...filters]   ['not', filter]
 * A field a vector lacks is NULL: NULL == NULL, and NULL != any value.
 */
export type RvfFilter =
  | Uint8Array
  | [
      'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'prefix' | 'contains',
      number,
      RvfValue,
    ]
  | ['in', number, RvfValue[]]
  | ['range', number, RvfValue, RvfValue]
  | ['and' | 'or', ...RvfFilter[]]
  | ['not', RvfFilter];

export type RvfVector = Float32Array | ArrayLike<number>;

export interface RvfLoadOptions {
  /** 'auto' (default): the SIMD build where WebAssembly.validate accepts SIMD128; true / false force one. */
  simd?: boolean | 'auto';
  /** The folder holding rvf-simd.mjs/.wasm and rvf-fallback.mjs/.wasm (default ../dist/); a path in Node. */
  baseUrl?: string | URL;
  /** The .wasm bytes, when the caller has them. */
  wasmBinary?: BufferSource;
}

export interface RvfCreateOptions {
  /** 1..65535 */
  dimension: number;
  /** Persisted; default 'l2' (squared Euclidean). 'ip' is the negated inner product, 'cosine' 1 - cos. */
  metric?: RvfMetric;
  /** Stored element type (vectors are given as f32); default 'f32'. */
  dtype?: 'f32' | 'f16';
  /** Domain profile id 0..255 (default 0). */
  profile?: number;
  /** Vectors per VEC block (default 1024). */
  blockVectors?: number;
  /** Segment content hash: 'xxh3' (XXH3-128, default) or 'shake256'. */
  checksum?: 'xxh3' | 'shake256';
  /** false: no WITNESS_SEGs. */
  witness?: boolean;
  /** The module to use (default: the one init() loads). */
  wasm?: RvfWasm | Promise<RvfWasm>;
}

export interface RvfOpenOptions {
  /** Read the bytes in place (one copy in wasm memory); mutations give READ_ONLY. */
  readOnly?: boolean;
  wasm?: RvfWasm | Promise<RvfWasm>;
}

export interface RvfQueryOptions {
  /** 0 (default): exact scan; > 0: HNSW with this beam width. */
  ef?: number;
  /** Default: the store's metric. */
  metric?: RvfMetric;
  filter?: RvfFilter;
}

export interface RvfHit {
  id: RvfId;
  distance: number;
}

export interface RvfStatus {
  liveVectors: number;
  totalVectors: number;
  deletedVectors: number;
  dimension: number;
  metric: 'l2' | 'ip' | 'cosine' | 'hamming';
  dtype: 'f32' | 'f16';
  profileId: number;
  readOnly: boolean;
  /** 'reference': a file of the reference runtime (read-only). */
  dialect: 'rvf' | 'reference';
  epoch: number;
  segmentCount: number;
  fileSize: number;
  deadBytes: number;
  manifestOffset: number;
  /** Offset of a damaged newer manifest that open skipped, or null. */
  recoveredFrom: number | null;
  /** 32 hex digits. */
  fileId: string;
  parentId: string;
  lineageDepth: number;
  indexSegments: number;
  indexedVectors: number;
  staleVectors: number;
  /** Bytes and reads the store took from its source since open (a progressive store: from its cache). */
  bytesRead: number;
  readRequests: number;
  /** What a lazy (read-only or progressive) open has read: 'root' and 'manifest' (root and Level 1),
   * 'layer-a' (plus Layer A and probed partitions), 'full' (everything; writable stores). */
  loadState: RvfLoadState;
  /** Layer-A partitions approximate queries have read. */
  partitionsLoaded: number;
}

export type RvfLoadState = 'root' | 'manifest' | 'layer-a' | 'full';

/** The phases of a progressive open (RVF-BRIEF §10.5). */
export type RvfProgressPhase =
  /** `Range: bytes=-4096`: the root, the file's size and ETag */
  | 'root'
  /** the manifest's Level 1 (the segment directory) */
  | 'level1'
  /** Layer A and the access sketch, in parallel */
  | 'hotset'
  /** open done: approximate queries answer from Layer A */
  | 'ready'
  /** partitions a query probes, fetched on demand */
  | 'demand'
  /** load(): every segment */
  | 'load'
  /** load() done: everything is in memory */
  | 'full'
  /** a background load failed (load() rejects with the error) */
  | 'error';

export interface RvfProgress {
  phase: RvfProgressPhase;
  /** Bytes received so far (all phases). */
  bytesFetched: number;
  /** Range requests so far (all phases). */
  requests: number;
  fileSize: number;
  /** 'none' before the store exists, 'closed' after close(). */
  loadState: RvfLoadState | 'none' | 'closed' | 'unknown';
  partitionsLoaded: number;
  /** What an approximate query answers from now without loading everything: nothing yet ('none'),
   * Layer A and its nearest partitions ('layer-a', recall@10 about 0.7 or more), or the full
   * graph ('full'). */
  recall: 'none' | 'layer-a' | 'full';
}

export interface RvfProgressiveOptions {
  /** Default globalThis.fetch. Gets (url, {headers: {Range, If-Match?, ...}, signal}). */
  fetch?: typeof fetch;
  /** Aborts the open and every later fetch (they reject with RvfError IO_ERROR). */
  signal?: AbortSignal;
  onProgress?: (progress: RvfProgress) => void;
  /** Added to every request. */
  headers?: Record<string, string>;
  /** Start load() once queryable (default false). */
  background?: boolean;
  wasm?: RvfWasm | Promise<RvfWasm>;
}

/** Requests and bytes of one phase; a round is one batch of requests in flight together. */
export interface RvfPhaseCount {
  requests: number;
  bytes: number;
  rounds: number;
}

export interface RvfNetwork {
  url: string;
  fileSize: number;
  /** The first answer's ETag (every later request carries If-Match with it), or null. */
  etag: string | null;
  requests: number;
  bytesFetched: number;
  phases: Record<'root' | 'level1' | 'hotset' | 'demand' | 'load', RvfPhaseCount>;
}

export interface RvfSegment {
  segmentId: number;
  offset: number;
  payloadLength: number;
  type: number;
  /** 'VEC_SEG', 'MANIFEST_SEG', ... */
  typeName: string;
  checksumAlgo: number;
  flags: number;
}

export interface RvfIndexOptions {
  /** Links per node above layer 0 (default 16). */
  m?: number;
  /** Default 200. */
  efConstruction?: number;
  metric?: RvfMetric;
  /** Rebuild and write one sealed segment. */
  full?: boolean;
}

export declare class RvfDatabase {
  private constructor();
  /** A new, empty store in wasm memory. */
  static create(options: RvfCreateOptions): Promise<RvfDatabase>;
  /** A store from an RVF file image (or, in Node, a path; http(s) URLs are fetched). */
  static open(source: Uint8Array | ArrayBuffer | ArrayBufferView | string | URL, options?: RvfOpenOptions): Promise<RvfDatabase>;
  /**
   * A read-only store over HTTP range requests, queryable before the file is read (RVF-BRIEF
   * §10.5): the root (`Range: bytes=-4096`), Level 1, then Layer A and the sketch in parallel;
   * approximate queries (ef > 0, no filter) then fetch the partitions they probe; exact and
   * filtered queries, verify() and load() fetch everything. A server that ignores Range (200),
   * answers 416 or 412, truncates, or changes the file (ETag) gives RvfError IO_ERROR, never a
   * wrong answer.
   */
  static openProgressive(url: string | URL, options?: RvfProgressiveOptions): Promise<RvfDatabase>;
  readonly dimension: number;
  /** A progressive store's network counters; null for other stores. */
  readonly network: RvfNetwork | null;
  /**
   * Read everything a lazy open has not read (rvf_load); afterwards approximate queries use the
   * full HNSW graph. A progressive store fetches every listed segment first (in parallel).
   */
  load(): Promise<void>;
  /** The build running this store. */
  readonly variant: 'simd' | 'fallback';
  readonly closed: boolean;
  /** Insert or replace one vector (durable in the image when the promise resolves). */
  insert(id: RvfId, vector: RvfVector, meta?: RvfMetadata): Promise<number>;
  /** One commit of n vectors: a flat Float32Array of n * dimension values or n vectors. Resolves to n. */
  insertBatch(
    ids: ArrayLike<RvfId> | BigUint64Array,
    vectors: Float32Array | ArrayLike<number> | ArrayLike<RvfVector>,
    metas?: Array<RvfMetadata | undefined | null>,
  ): Promise<number>;
  /** The k nearest live vectors, ascending distance, ties by id; fewer when fewer are eligible. */
  query(vector: RvfVector, k?: number, options?: RvfQueryOptions): Promise<RvfHit[]>;
  /** Soft-delete; resolves to how many live vectors were deleted (unknown ids are ignored). */
  delete(ids: RvfId | ArrayLike<RvfId>): Promise<number>;
  deleteByFilter(filter: RvfFilter): Promise<number>;
  status(): Promise<RvfStatus>;
  segments(): Promise<RvfSegment[]>;
  /** The file image (a copy): the native library and the rvf CLI open it as is. */
  exportBytes(): Promise<Uint8Array>;
  buildIndex(options?: RvfIndexOptions): Promise<void>;
  compact(): Promise<void>;
  /** Check every segment; rejects with the first failure. */
  verify(): Promise<void>;
  /** Free the store; idempotent. */
  close(): Promise<void>;
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** One instantiated build: the 1:1 C functions (capi) and memory helpers. */
export declare class RvfWasm {
  readonly variant: 'simd' | 'fallback';
  /** The kernel variant distances run on: 'wasm128' or 'scalar'. */
  readonly kernel: string;
  /** The C functions of js/wasm/exports.txt, under their C names. */
  readonly capi: Record<string, (...args: Array<number | bigint>) => number>;
  /** Struct sizes ("rvf_hit"), offsets ("rvf_hit.distance") and constants, from the C compiler. */
  readonly layout: ReadonlyMap<string, number>;
  readonly module: unknown;
  readonly heap: Uint8Array;
  off(name: string): number;
  alloc(n: number): number;
  free(ptr: number): void;
  cstring(ptr: number): string;
  read(ptr: number, n: number): Uint8Array;
  write(ptr: number, bytes: ArrayLike<number>): void;
}

/** True when this engine validates the SIMD128 probe. */
export declare function simdSupported(): boolean;
/** Load and instantiate one build (see RvfLoadOptions). */
export declare function loadRvfWasm(options?: RvfLoadOptions): Promise<RvfWasm>;
/** Load the module create/open use by default; the first create/open calls it when needed. */
export declare function init(options?: RvfLoadOptions): Promise<RvfWasm>;
/** A filter expression to its encoded bytes. */
export declare function encodeFilter(wasm: RvfWasm, filter: RvfFilter): Uint8Array;
