// index.js: RvfDatabase, the idiomatic API over the 1:1 bindings (STYLE.md habit 11). It checks
// arguments, converts JavaScript values (ids, vectors, metadata, filters) to the C structs,
// calls the runtime compiled to WebAssembly and throws RvfError {code, name, message} for every
// failure. Stores live in wasm memory (rvf_create_memory / rvf_open_memory / rvf_open_view);
// exportBytes() gives the file image, which the native library and the rvf CLI open as is.
//
// Ids are uint64: pass a number (a non-negative safe integer) or a BigInt (0 .. 2^64-1); ids
// come back as numbers when they are at most Number.MAX_SAFE_INTEGER, else as BigInts.
import { METRIC, SEGMENT_FLAG, SEGMENT_TYPE, STATUS } from '../gen/rvf_constants.mjs';
import { RvfError } from './error.js';
import { loadRvfWasm, simdSupported } from './loader.js';
import { HttpRangeSource, attachSource, detachSource } from './progressive.js';

export { RvfError, loadRvfWasm, simdSupported };
export { STATUS, METRIC, SEGMENT_TYPE, SEGMENT_FLAG, STATUS_NAME, STATUS_MESSAGE } from '../gen/rvf_constants.mjs';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const U32_MAX = 0xffffffff;
const utf8 = new TextEncoder();
const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const asyncDisposeSymbol = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');

const invalid = (detail) => new RvfError(STATUS.INVALID_ARGUMENT, detail);

// ---- the default module --------------------------------------------------------------------
let defaultWasm = null;

/**
 * Load the module RvfDatabase.create/open use when no `wasm` option is given (once; later calls
 * replace it). Without init(), the first create/open loads it with the default options.
 */
export function init(options = {}) {
  const loading = loadRvfWasm(options);
  defaultWasm = loading;
  // a failure goes to whoever awaits it (not an unhandled rejection); the next call retries
  loading.catch(() => {
    if (defaultWasm === loading) defaultWasm = null;
  });
  return loading;
}

async function wasmOf(options) {
  if (options?.wasm !== undefined) return options.wasm;
  return defaultWasm ?? init();
}

// ---- argument conversion -------------------------------------------------------------------
const metricNames = new Map(Object.entries(METRIC).map(([k, v]) => [k.toLowerCase(), v]));
metricNames.set('inner_product', METRIC.IP);
const metricName = new Map(Object.entries(METRIC).map(([k, v]) => [v, k.toLowerCase()]));

function metricCode(m) {
  if (typeof m === 'number' && metricName.has(m)) return m;
  if (typeof m === 'string' && metricNames.has(m.toLowerCase())) return metricNames.get(m.toLowerCase());
  throw invalid(`metric ${JSON.stringify(m)} is not one of l2, ip, cosine`);
}

function intIn(v, lo, hi, what) {
  if (!Number.isInteger(v) || v < lo || v > hi) throw invalid(`${what} must be an integer from ${lo} to ${hi}`);
  return v;
}

function toId(x) {
  if (typeof x === 'bigint') {
    if (x < 0n || x > U64_MAX) throw invalid(`id ${x} is outside 0 .. 2^64-1`);
    return x;
  }
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
  throw invalid(`id ${String(x)} is not a non-negative safe integer or a BigInt`);
}

const fromId = (b) => (b <= MAX_SAFE ? Number(b) : b);

const isArrayLike = (v) => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** A metadata or filter value to {type, num | big | bytes}. */
function normValue(w, v) {
  const T = (name) => w.off(`RVF_VALUE_${name}`);
  if (v === null || v === undefined) return { type: T('NULL') };
  switch (typeof v) {
    case 'boolean':
      return { type: T('BOOL'), num: v ? 1 : 0 };
    case 'number':
      if (Number.isSafeInteger(v)) return { type: T(v < 0 ? 'I64' : 'U64'), big: BigInt(v) };
      return { type: T('F64'), num: v };
    case 'bigint':
      if (v >= 0n && v <= U64_MAX) return { type: T('U64'), big: v };
      if (v < 0n && v >= I64_MIN) return { type: T('I64'), big: v };
      throw invalid(`metadata value ${v} is outside the 64-bit range`);
    case 'string':
      return { type: T('STRING'), bytes: utf8.encode(v) };
    default:
  }
  if (v instanceof ArrayBuffer) return { type: T('BYTES'), bytes: new Uint8Array(v) };
  if (ArrayBuffer.isView(v)) return { type: T('BYTES'), bytes: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
  if (typeof v === 'object' && typeof v.type === 'string') return typedValue(w, v);
  throw invalid(`metadata value ${String(v)} has no RVF type`);
}

/** {type: 'u32' | 'u64' | 'i64' | 'f32' | 'f64' | 'bool' | 'string' | 'bytes' | 'null', value} */
function typedValue(w, { type, value }) {
  const T = (name) => w.off(`RVF_VALUE_${name}`);
  switch (type) {
    case 'null':
      return { type: T('NULL') };
    case 'u32':
      if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw invalid(`u32 value ${value} is out of range`);
      return { type: T('U32'), big: BigInt(value) };
    case 'u64':
    case 'i64': {
      const big = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : null;
      const ok = big !== null && (type === 'u64' ? big >= 0n && big <= U64_MAX : big >= I64_MIN && big < -I64_MIN);
      if (!ok) throw invalid(`${type} value ${String(value)} is out of range`);
      return { type: T(type.toUpperCase()), big };
    }
    case 'f32':
    case 'f64':
      if (typeof value !== 'number') throw invalid(`${type} value ${String(value)} is not a number`);
      return { type: T(type.toUpperCase()), num: type === 'f32' ? Math.fround(value) : value };
    case 'bool':
      return { type: T('BOOL'), num: value ? 1 : 0 };
    case 'string':
    case 'bytes': {
      const n = normValue(w, value);
      if (n.bytes === undefined) throw invalid(`${type} value is not a string or bytes`);
      return { type: T(type.toUpperCase()), bytes: n.bytes };
    }
    default:
      throw invalid(`unknown value type ${JSON.stringify(type)}`);
  }
}

/** Metadata of one vector: {fieldId: value}, a Map or [[fieldId, value], ...]. */
function metaEntries(meta) {
  if (meta === undefined || meta === null) return [];
  const pairs = meta instanceof Map ? [...meta] : Array.isArray(meta) ? meta : Object.entries(meta);
  return pairs.map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw invalid('metadata entries are [fieldId, value] pairs');
    const [k, v] = pair;
    const id = typeof k === 'string' && /^(0|[1-9]\d{0,4})$/.test(k) ? Number(k) : k;
    return [intIn(id, 0, 0xffff, 'a metadata field id'), v];
  });
}

/**
 * rvf_value structs for a list of [fieldId, normalized value]: one allocation, the values then
 * their string and byte payloads. Returns the pointer (the caller frees it).
 */
function writeValues(w, items) {
  const vs = w.off('rvf_value');
  let payload = 0;
  for (const [, v] of items) if (v.bytes) payload += v.bytes.length;
  const p = w.allocZeroed(items.length * vs + payload);
  let bp = p + items.length * vs;
  items.forEach(([field, v], i) => {
    const q = p + i * vs;
    w.setU16(q + w.off('rvf_value.field_id'), field);
    w.setU8(q + w.off('rvf_value.type'), v.type);
    if (v.big !== undefined) {
      if (v.big < 0n) w.setI64(q + w.off('rvf_value.v.i64'), v.big);
      else w.setU64(q + w.off('rvf_value.v.u64'), v.big);
    } else if (v.bytes) {
      w.write(bp, v.bytes);
      w.setU32(q + w.off('rvf_value.v.bytes.ptr'), bp);
      w.setU32(q + w.off('rvf_value.v.bytes.len'), v.bytes.length);
      bp += v.bytes.length;
    } else if (v.type === w.off('RVF_VALUE_BOOL')) {
      w.setI32(q + w.off('rvf_value.v.boolean'), v.num);
    } else if (v.num !== undefined) {
      w.setF64(q + w.off('rvf_value.v.f64'), v.num);
    }
  });
  return p;
}

// ---- filters ---------------------------------------------------------------------------------
const CMP_OPS = { eq: 'EQ', '==': 'EQ', ne: 'NE', '!=': 'NE', lt: 'LT', '<': 'LT', le: 'LE', '<=': 'LE',
  gt: 'GT', '>': 'GT', ge: 'GE', '>=': 'GE', prefix: 'PREFIX', contains: 'CONTAINS' };

/**
 * A filter to the format's encoding (FORMAT.md "Filter expression"), built by the C builder.
 * Expressions are arrays: [op, fieldId, value] with op eq ne lt le gt ge (or == != < <= > >=),
 * prefix, contains; ['in', fieldId, [values]]; ['range', fieldId, lo, hi] (lo <= x < hi);
 * ['and', e...], ['or', e...], ['not', e]. A Uint8Array is taken as already encoded.
 */
export function encodeFilter(w, expr) {
  if (expr instanceof Uint8Array) return expr;
  const f = w.allocZeroed(w.off('rvf_filter'));
  const temps = [];
  const value = (v) => {
    const p = writeValues(w, [[0, normValue(w, v)]]);
    temps.push(p);
    return p;
  };
  const field = (id) => intIn(id, 0, 0xffff, 'a filter field id');
  const op = (name) => w.off(`RVF_FILTER_${name}`);
  const walk = (e, depth) => {
    if (depth > 64) throw new RvfError(STATUS.FILTER_PARSE_ERROR, 'the filter is nested too deeply');
    if (!Array.isArray(e) || typeof e[0] !== 'string')
      throw new RvfError(STATUS.FILTER_PARSE_ERROR, `not a filter expression: ${JSON.stringify(e)}`);
    const [name, ...args] = e;
    const key = name.toLowerCase();
    const arity = (n) => {
      if (args.length !== n) throw new RvfError(STATUS.FILTER_PARSE_ERROR, `'${name}' takes ${n} operands`);
    };
    if (CMP_OPS[key]) {
      arity(2);
      w.capi.rvf_filter_cmp(f, field(args[0]), op(CMP_OPS[key]), value(args[1]));
    } else if (key === 'range') {
      arity(3);
      w.capi.rvf_filter_range(f, field(args[0]), value(args[1]), value(args[2]));
    } else if (key === 'in') {
      arity(2);
      if (!Array.isArray(args[1]) || args[1].length > 0xffff)
        throw new RvfError(STATUS.FILTER_PARSE_ERROR, "'in' takes a field id and an array of values");
      const set = writeValues(w, args[1].map((v) => [0, normValue(w, v)]));
      temps.push(set);
      w.capi.rvf_filter_field(f, field(args[0]));
      w.capi.rvf_filter_in(f, set, args[1].length);
    } else if (key === 'and' || key === 'or') {
      if (args.length === 0) throw new RvfError(STATUS.FILTER_PARSE_ERROR, `'${name}' needs an operand`);
      args.forEach((a, i) => {
        walk(a, depth + 1);
        if (i > 0) w.capi.rvf_filter_op(f, op(key.toUpperCase()));
      });
    } else if (key === 'not') {
      arity(1);
      walk(args[0], depth + 1);
      w.capi.rvf_filter_op(f, op('NOT'));
    } else {
      throw new RvfError(STATUS.FILTER_PARSE_ERROR, `unknown filter operator '${name}'`);
    }
  };
  try {
    w.capi.rvf_filter_init(f);
    walk(expr, 0);
    w.check(w.capi.rvf_filter_finish(f), 'the filter expression is incomplete', false);
    return w.read(w.ptr(f + w.off('rvf_filter.bytes')), w.ptr(f + w.off('rvf_filter.len')));
  } finally {
    w.capi.rvf_filter_free(f);
    w.free(f);
    temps.forEach((p) => w.free(p));
  }
}

// ---- the database ----------------------------------------------------------------------------
const token = Symbol('RvfDatabase');
const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
const segName = new Map(Object.entries(SEGMENT_TYPE).map(([k, v]) => [v, v === 0 ? k : `${k}_SEG`]));

async function bytesOf(src) {
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  if (typeof src === 'string' || src instanceof URL) {
    const url = src instanceof URL ? src : /^(https?|blob|data):/i.test(src) ? new URL(src) : null;
    try {
      if (url && url.protocol !== 'file:') {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      }
      const { readFile } = await import('node:fs/promises');
      return new Uint8Array(await readFile(url ?? src));
    } catch (e) {
      throw new RvfError(STATUS.IO_ERROR, `cannot read ${String(src)}: ${e.message}`);
    }
  }
  throw invalid('open() takes bytes (Uint8Array, ArrayBuffer), a path (Node) or a URL');
}

// ---- progressive open: the retry loop over a range source (progressive.js) -------------------
/** Rounds of range requests one call may need before it is declared stuck. */
const MAX_ROUNDS = 64;

/**
 * Run fn (a synchronous C call and the reading of its results) until no read missed the cache:
 * after a round with misses, fetch them (whole segments, coalesced, in parallel) and run fn
 * again; the C store keeps no state of a failed read. policy 'first' records the first miss only
 * (open reads sequentially); 'all' every miss. fallback (a query's): from the second round on,
 * the call is reading the whole store: load it all at once instead of one segment a round.
 */
async function runWithSource(src, fn, policy, phase, fallback = null) {
  for (let round = 0; ; round++) {
    src.begin(policy);
    let value, error, ok = false;
    try {
      value = fn();
      ok = true;
    } catch (e) {
      error = e;
    }
    const misses = src.end();
    if (!misses.length) {
      if (!ok) throw error;
      return value;
    }
    if (round >= MAX_ROUNDS) throw new RvfError(STATUS.IO_ERROR, `${src.url}: still missing bytes after ${MAX_ROUNDS} rounds`);
    if (fallback && round >= 1) {
      await fallback();
      continue;
    }
    const plan = src.plan(src.expand(misses));
    if (!plan.length) throw new RvfError(STATUS.IO_ERROR, `${src.url}: a read missed bytes that are cached`);
    await src.fetchRanges(plan, phase);
  }
}

/**
 * The Layer-A INDEX_SEG a lazy open queries from (as layera_dir in rvf_store_progressive.c: the last HOT
 * INDEX_SEG with no INDEX_SEG or VEC_SEG after it), or null.
 */
function layerASegment(segs) {
  let at = null;
  for (const g of segs) {
    if (g.type === SEGMENT_TYPE.INDEX && g.flags & SEGMENT_FLAG.HOT) at = g;
    else if (g.type === SEGMENT_TYPE.INDEX || g.type === SEGMENT_TYPE.VEC) at = null;
  }
  return at;
}

const segRange = (g) => [g.offset, g.offset + 64 + g.payloadLength];

export class RvfDatabase {
  #w;
  #s; // rvf_store *, 0 once closed
  #view; // the bytes a read-only store reads (rvf_open_view), freed on close
  #viewLen;
  #dim;
  #remote; // openProgressive: {src, handle, onProgress, layerA}, else null
  #loading = null; // the promise of load() on a remote store
  #full = false; // a remote store's rvf_load succeeded
  #qs = 0; // local queries' scratch block (params, hit count, query, hits), kept until close
  #qsHits = 0; // hits it has room for

  /** Use RvfDatabase.create(), open() or openProgressive(). */
  constructor(key, w, store, view = 0, viewLen = 0, remote = null) {
    if (key !== token) throw new TypeError('use RvfDatabase.create(), open() or openProgressive()');
    this.#w = w;
    this.#s = store;
    this.#view = view;
    this.#viewLen = viewLen;
    this.#remote = remote;
    this.#dim = remote ? 0 : this.#info().dimension; // a remote store's: openProgressive reads it
  }

  /**
   * A new, empty store in memory.
   * @param {object} options {dimension, metric?: 'l2'|'ip'|'cosine', dtype?: 'f32'|'f16',
   *   profile?, blockVectors?, checksum?: 'xxh3'|'shake256', witness?: boolean, wasm?}
   */
  static async create(options) {
    if (typeof options !== 'object' || options === null) throw invalid('create() takes {dimension, metric?, ...}');
    const dim = intIn(options.dimension, 1, 65535, 'dimension');
    const metric = options.metric === undefined ? METRIC.L2 : metricCode(options.metric);
    const dtypes = { f32: 'RVF_DTYPE_F32', f16: 'RVF_DTYPE_F16' };
    if (options.dtype !== undefined && !dtypes[options.dtype]) throw invalid("dtype must be 'f32' or 'f16'");
    const checksums = { xxh3: 1, shake256: 2 };
    if (options.checksum !== undefined && !checksums[options.checksum])
      throw invalid("checksum must be 'xxh3' or 'shake256'");
    const w = await wasmOf(options);
    const o = w.allocZeroed(w.off('rvf_options'));
    const out = w.allocZeroed(4);
    try {
      w.capi.rvf_wasm_options_default(o, dim);
      w.setI32(o + w.off('rvf_options.metric'), metric);
      if (options.dtype) w.setI32(o + w.off('rvf_options.dtype'), w.off(dtypes[options.dtype]));
      if (options.profile !== undefined)
        w.setU8(o + w.off('rvf_options.profile_id'), intIn(options.profile, 0, 255, 'profile'));
      if (options.checksum) w.setU8(o + w.off('rvf_options.checksum_algo'), checksums[options.checksum]);
      if (options.witness === false) w.setU8(o + w.off('rvf_options.no_witness'), 1);
      if (options.blockVectors !== undefined)
        w.setU32(o + w.off('rvf_options.block_vectors'), intIn(options.blockVectors, 1, U32_MAX, 'blockVectors'));
      w.check(w.capi.rvf_create_memory(o, out));
      return new RvfDatabase(token, w, w.ptr(out));
    } finally {
      w.free(o);
      w.free(out);
    }
  }

  /**
   * Open a store from its bytes (an RVF file image). Writable by default (the bytes are copied);
   * {readOnly: true} reads them in place (one copy into wasm memory, kept until close()).
   * In Node, a path or file: URL is read first; http(s) URLs are fetched.
   */
  static async open(source, options = {}) {
    const bytes = await bytesOf(source);
    const w = await wasmOf(options);
    const buf = w.alloc(bytes.length);
    const out = w.allocZeroed(4);
    let keep = false;
    try {
      w.write(buf, bytes);
      if (options.readOnly) {
        w.check(w.capi.rvf_open_view(buf, bytes.length, out));
        keep = true;
        return new RvfDatabase(token, w, w.ptr(out), buf, bytes.length);
      }
      w.check(w.capi.rvf_open_memory(buf, bytes.length, out));
      return new RvfDatabase(token, w, w.ptr(out));
    } finally {
      if (!keep) w.free(buf);
      w.free(out);
    }
  }

  /**
   * A read-only store over HTTP range requests (RVF-BRIEF §10.5), queryable before the file is
   * read: phase root (`Range: bytes=-4096`: root, size, ETag), level1 (the manifest's Level 1),
   * hotset (Layer A and the access sketch, in parallel); then approximate queries (ef > 0, no
   * filter) read the partitions they probe (phase demand), and load() (or {background: true})
   * reads everything (phase load). Exact and filtered queries load first. Every request after
   * the first carries If-Match with the first answer's ETag; a changed file, a server ignoring
   * Range (200), a 416 or a truncated answer rejects with RvfError IO_ERROR.
   * options: fetch (default globalThis.fetch), signal (aborts the open and every later fetch),
   * onProgress({phase, bytesFetched, requests, fileSize, loadState, partitionsLoaded, recall}),
   * headers (added to every request), background (start load() once queryable), wasm.
   */
  static async openProgressive(url, options = {}) {
    if (typeof url !== 'string' && !(url instanceof URL)) throw invalid('openProgressive() takes a URL');
    const { onProgress, background = false } = options ?? {};
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalid('onProgress must be a function');
    const w = await wasmOf(options);
    const hooks = { db: null };
    const emit = (phase) => {
      if (!onProgress) return;
      const db = hooks.db;
      try {
        onProgress(db ? db.#progress(phase) : { phase, ...RvfDatabase.#counters(src), loadState: 'none', partitionsLoaded: 0, recall: 'none' });
      } catch {
        // a throwing callback must not break the open
      }
    };
    const src = new HttpRangeSource(url, { fetch: options.fetch, signal: options.signal, headers: options.headers, onFetch: emit });
    await src.boot();
    // §10.5: Level 1 and the hotset the root's pointers name, in one round of parallel requests
    const tail = src.rootPlan();
    if (tail) {
      await Promise.all([
        src.fetchRanges(src.plan([tail.level1]), 'level1'),
        tail.hot ? src.fetchRanges(src.plan([tail.hot]), 'hotset') : null,
      ]);
    }
    const handle = attachSource(w, src);
    const out = w.allocZeroed(4);
    let store = 0;
    try {
      store = await runWithSource(src, () => {
        w.check(w.capi.rvf_wasm_open_source(handle, src.size, out));
        return w.ptr(out);
      }, 'first', 'level1');
    } catch (e) {
      detachSource(w, handle);
      throw e;
    } finally {
      w.free(out);
    }
    const remote = { src, handle, emit, layerA: null };
    const db = new RvfDatabase(token, w, store, 0, 0, remote);
    let segs;
    try {
      db.#dim = (await runWithSource(src, () => db.#info(), 'first', 'level1')).dimension;
      segs = await db.segments();
    } catch (e) {
      db.#close();
      throw e;
    }
    hooks.db = db;
    src.setSegments(segs);
    emit('level1');
    // the hotset: Layer A (what approximate queries start from) and the newest access sketch
    // (read after a query's first answer), in parallel
    remote.layerA = layerASegment(segs);
    const hot = [];
    if (remote.layerA) hot.push(segRange(remote.layerA));
    const sketch = segs.filter((g) => g.type === SEGMENT_TYPE.SKETCH).pop();
    if (sketch) hot.push(segRange(sketch));
    try {
      await src.fetchRanges(src.plan(hot), 'hotset');
    } catch (e) {
      db.#close();
      throw e;
    }
    emit('ready');
    if (background) db.load().catch(() => {}); // its failure reaches onProgress ('error') and load()
    return db;
  }

  static #counters(src) {
    return { bytesFetched: src.stats.bytes, requests: src.stats.requests, fileSize: src.size };
  }

  #progress(phase) {
    const r = this.#remote;
    const base = { phase, ...RvfDatabase.#counters(r.src) };
    let st = null;
    try {
      if (this.#s) st = this.#info();
    } catch {
      // not readable without a fetch: reported as unknown
    }
    if (!st) return { ...base, loadState: this.#s ? 'unknown' : 'closed', partitionsLoaded: 0, recall: 'none' };
    const recall = st.loadState === 'full' ? 'full' : r.layerA && r.src.cache.missing(...segRange(r.layerA)).length === 0 ? 'layer-a' : 'none';
    return { ...base, loadState: st.loadState, partitionsLoaded: st.partitionsLoaded, recall };
  }

  /** A remote store's network counters: {url, fileSize, etag, requests, bytesFetched, phases}. */
  get network() {
    const r = this.#remote;
    if (!r) return null;
    const phases = {};
    for (const [k, v] of Object.entries(r.src.stats.phases)) phases[k] = { ...v };
    return { url: r.src.url, fileSize: r.src.size, etag: r.src.etag, requests: r.src.stats.requests, bytesFetched: r.src.stats.bytes, phases };
  }

  /** Every listed segment of a remote store, fetched (phase load). */
  async #fetchAll() {
    const { src } = this.#remote;
    await src.fetchRanges(src.plan(src.segments.map((g) => [g.start, g.end])), 'load');
  }

  /**
   * Read everything a lazy open has not read (rvf_load): afterwards approximate queries use the
   * file's full HNSW graph. On a progressive store, every listed segment is fetched first (in
   * parallel, phase load); repeated calls share one load.
   */
  async load() {
    const w = this.#w;
    if (!this.#remote) {
      w.check(w.capi.rvf_load(this.#store()));
      return;
    }
    if (!this.#loading) {
      const loading = (async () => {
        this.#store();
        await this.#fetchAll();
        await runWithSource(this.#remote.src, () => w.check(w.capi.rvf_load(this.#store())), 'all', 'load');
        this.#full = true;
        this.#remote.emit('full');
      })();
      this.#loading = loading;
      loading.catch(() => {
        if (this.#loading === loading) this.#loading = null; // a later load() tries again
        if (this.#s) this.#remote.emit('error');
      });
    }
    return this.#loading;
  }

  #store() {
    if (!this.#s) throw invalid('the database is closed');
    return this.#s;
  }

  /** rvf_status_info as a plain object (synchronous). */
  #info() {
    const w = this.#w;
    const loadStates = new Map();
    for (const [c, name] of [['ROOT', 'root'], ['MANIFEST', 'manifest'], ['LAYER_A', 'layer-a'], ['FULL', 'full']])
      if (w.layout.has(`RVF_LOAD_${c}`)) loadStates.set(w.layout.get(`RVF_LOAD_${c}`), name);
    const p = w.allocZeroed(w.off('rvf_status_info'));
    try {
      w.check(w.capi.rvf_status_get(this.#store(), p));
      const f = (name) => p + w.off(`rvf_status_info.${name}`);
      const n64 = (name) => Number(w.u64(f(name)));
      const rec = w.u64(f('recovered_from'));
      return {
        liveVectors: n64('live_vectors'),
        totalVectors: n64('total_vectors'),
        deletedVectors: n64('deleted_vectors'),
        dimension: w.u32(f('dimension')),
        metric: metricName.get(w.i32(f('metric'))) ?? w.i32(f('metric')),
        dtype: w.i32(f('dtype')) === w.off('RVF_DTYPE_F16') ? 'f16' : 'f32',
        profileId: w.u8(f('profile_id')),
        readOnly: w.u8(f('read_only')) !== 0,
        dialect: w.u8(f('dialect')) ? 'reference' : 'rvf',
        epoch: w.u32(f('epoch')),
        segmentCount: w.u32(f('segment_count')),
        fileSize: n64('file_size'),
        deadBytes: n64('dead_bytes'),
        manifestOffset: n64('manifest_offset'),
        recoveredFrom: rec === U64_MAX ? null : Number(rec),
        fileId: hex(w.read(f('file_id'), 16)),
        parentId: hex(w.read(f('parent_id'), 16)),
        lineageDepth: w.u32(f('lineage_depth')),
        indexSegments: w.u32(f('index_segments')),
        indexedVectors: n64('indexed_vectors'),
        staleVectors: n64('stale_vectors'),
        bytesRead: n64('bytes_read'),
        readRequests: n64('read_requests'),
        loadState: loadStates.get(w.u8(f('load_state'))) ?? 'full',
        partitionsLoaded: w.u32(f('partitions_loaded')),
      };
    } finally {
      w.free(p);
    }
  }

  /** The store's dimension. */
  get dimension() {
    return this.#dim;
  }

  /** Which build runs this store: 'simd' or 'fallback'. */
  get variant() {
    return this.#w.variant;
  }

  get closed() {
    return !this.#s;
  }

  /** Insert (or replace) one vector, with optional metadata {fieldId: value}. */
  async insert(id, vector, meta) {
    return this.insertBatch([id], [vector], meta === undefined ? undefined : [meta]);
  }

  /**
   * Insert (or replace) n vectors in one commit. ids: n numbers/BigInts (or a BigUint64Array);
   * vectors: a flat Float32Array (or number array) of n * dimension values, or n vectors;
   * metas (optional): n metadata objects (undefined for none). A repeated id replaces the
   * earlier vector (the later wins, also within a batch). Resolves to n.
   */
  async insertBatch(ids, vectors, metas) {
    const w = this.#w;
    const s = this.#store();
    if (!isArrayLike(ids)) throw invalid('ids must be an array or a BigUint64Array');
    if (!isArrayLike(vectors)) throw invalid('vectors must be a Float32Array or an array');
    const n = ids.length;
    const dim = this.#dim;
    const big = Array.from(ids, toId);
    const rows = n > 0 && vectors.length === n && isArrayLike(vectors[0]);
    if (rows) {
      for (let i = 0; i < n; i++) {
        if (!isArrayLike(vectors[i]) || vectors[i].length !== dim)
          throw new RvfError(STATUS.DIMENSION_MISMATCH, `vector ${i} has ${vectors[i]?.length} values, the store ${dim}`);
      }
    } else if (vectors.length !== n * dim) {
      throw new RvfError(STATUS.DIMENSION_MISMATCH, `${vectors.length} values for ${n} vectors of dimension ${dim}`);
    }
    if (metas !== undefined && metas !== null && (!Array.isArray(metas) || metas.length !== n))
      throw invalid('metas must be an array with one entry per vector');
    const items = [];
    const counts = metas ? metas.map((m) => {
      const e = metaEntries(m);
      for (const [field, v] of e) items.push([field, normValue(w, v)]);
      return e.length;
    }) : null;

    const vp = w.alloc(n * dim * 4);
    const ip = w.alloc(n * 8);
    const cp = counts ? w.alloc(n * 4) : 0;
    let mp = 0;
    try {
      mp = items.length ? writeValues(w, items) : 0;
      const heap = w.heap.buffer; // after every allocation: views stay valid until the call
      const f32 = new Float32Array(heap, vp, n * dim);
      if (rows) for (let i = 0; i < n; i++) f32.set(vectors[i], i * dim);
      else f32.set(vectors);
      new BigUint64Array(heap, ip, n).set(big);
      if (counts) new Uint32Array(heap, cp, n).set(counts);
      w.check(w.capi.rvf_ingest(s, vp, ip, n, mp, cp));
      return n;
    } finally {
      w.free(vp);
      w.free(ip);
      w.free(cp);
      w.free(mp);
    }
  }

  /**
   * The k nearest live vectors, ascending distance (ties by ascending id), as [{id, distance}].
   * options: ef (0: exact scan; > 0: HNSW with this beam width), metric (default: the store's),
   * filter (see encodeFilter). Fewer than k results when fewer vectors are eligible.
   */
  async query(vector, k = 10, options = {}) {
    const w = this.#w;
    this.#store();
    if (!isArrayLike(vector)) throw invalid('the query vector must be a Float32Array or an array');
    intIn(k, 0, U32_MAX, 'k');
    const { ef = 0, metric, filter } = options ?? {};
    intIn(ef, 0, U32_MAX, 'ef');
    const m = metric === undefined ? -1 : metricCode(metric);
    const fb = filter === undefined || filter === null ? null : encodeFilter(w, filter);
    // out has room for k hits: a huge k is cut to the number of vectors stored (same answer)
    const cap = k > 256 ? Math.min(k, Math.max(1, this.#info().totalVectors)) : k;
    const hs = w.off('rvf_hit');
    const ps = (w.off('rvf_query_params') + 7) & ~7;
    // a local query runs to completion synchronously, so one block per store serves them all
    // (no malloc/free per query); a remote one may wait for fetches, so it gets its own
    const local = !this.#remote && vector.length === this.#dim;
    if (local && (!this.#qs || this.#qsHits < cap)) {
      w.free(this.#qs);
      this.#qs = 0;
      const hits = Math.max(cap, 16);
      this.#qs = w.alloc(ps + 8 + ((this.#dim * 4 + 7) & ~7) + hits * hs);
      this.#qsHits = hits;
    }
    const pp = local ? this.#qs : w.alloc(ps);
    const cp = local ? pp + ps : w.alloc(8);
    const qp = local ? cp + 8 : w.alloc(vector.length * 4);
    const hp = local ? qp + ((this.#dim * 4 + 7) & ~7) : w.alloc(cap * hs);
    const fp = fb ? w.alloc(fb.length) : 0;
    try {
      w.heap.fill(0, pp, pp + ps);
      w.setU32(cp, 0);
      new Float32Array(w.heap.buffer, qp, vector.length).set(vector);
      if (fb) w.write(fp, fb);
      w.setU32(pp + w.off('rvf_query_params.k'), cap);
      w.setI32(pp + w.off('rvf_query_params.metric'), m);
      w.setU32(pp + w.off('rvf_query_params.filter'), fp);
      w.setU32(pp + w.off('rvf_query_params.filter_len'), fb ? fb.length : 0);
      w.setU32(pp + w.off('rvf_query_params.ef'), ef);
      const oid = w.off('rvf_hit.id'), odist = w.off('rvf_hit.distance');
      const run = () => {
        const st = w.capi.rvf_query(this.#store(), qp, vector.length, pp, hp, cp);
        if (st !== STATUS.K_TOO_LARGE) w.check(st);
        const view = w.view;
        const n = view.getUint32(cp, true);
        const out = new Array(n);
        for (let i = 0; i < n; i++) {
          const h = hp + i * hs;
          out[i] = { id: fromId(view.getBigUint64(h + oid, true)), distance: view.getFloat32(h + odist, true) };
        }
        return out;
      };
      if (!this.#remote) return run();
      // approximate and unfiltered: Layer A and the partitions it probes; else the whole store
      const approx = ef > 0 && !fb && !this.#full;
      if (!approx && !this.#full) await this.load();
      return await runWithSource(this.#remote.src, run, 'all', 'demand', approx ? () => this.load() : null);
    } finally {
      if (!local) {
        w.free(qp);
        w.free(pp);
        w.free(hp);
        w.free(cp);
      }
      w.free(fp);
    }
  }

  /** Soft-delete ids (unknown ids are ignored); resolves to how many live vectors were deleted. */
  async delete(ids) {
    const w = this.#w;
    const s = this.#store();
    const list = isArrayLike(ids) ? Array.from(ids, toId) : [toId(ids)];
    const ip = w.alloc(list.length * 8);
    const dp = w.allocZeroed(8);
    try {
      new BigUint64Array(w.heap.buffer, ip, list.length).set(list);
      w.check(w.capi.rvf_delete(s, ip, list.length, dp));
      return Number(w.u64(dp));
    } finally {
      w.free(ip);
      w.free(dp);
    }
  }

  /** Soft-delete every vector whose metadata match the filter; resolves to the count. */
  async deleteByFilter(filter) {
    const w = this.#w;
    const s = this.#store();
    const fb = encodeFilter(w, filter);
    const fp = w.alloc(fb.length);
    const dp = w.allocZeroed(8);
    try {
      w.write(fp, fb);
      w.check(w.capi.rvf_delete_by_filter(s, fp, fb.length, dp));
      return Number(w.u64(dp));
    } finally {
      w.free(fp);
      w.free(dp);
    }
  }

  /** Counts, dimension, metric, epoch, sizes and identity (rvf_status_get). */
  async status() {
    this.#store();
    if (this.#remote) return runWithSource(this.#remote.src, () => this.#info(), 'first', 'level1');
    return this.#info();
  }

  /** The segments the current manifest lists, then the manifest itself (rvf_segments). */
  async segments() {
    const w = this.#w;
    this.#store();
    const pp = w.allocZeroed(8);
    try {
      const run = () => w.check(w.capi.rvf_segments(this.#store(), pp, pp + 4));
      if (this.#remote) await runWithSource(this.#remote.src, run, 'first', 'level1');
      else run();
      const base = w.ptr(pp);
      const n = w.u32(pp + 4);
      const size = w.off('rvf_segment_info');
      const f = (i, name) => base + i * size + w.off(`rvf_segment_info.${name}`);
      const out = [];
      for (let i = 0; i < n; i++) {
        const type = w.u8(f(i, 'seg_type'));
        out.push({
          segmentId: Number(w.u64(f(i, 'segment_id'))),
          offset: Number(w.u64(f(i, 'offset'))),
          payloadLength: Number(w.u64(f(i, 'payload_length'))),
          type,
          typeName: segName.get(type) ?? `TYPE_${type}`,
          checksumAlgo: w.u8(f(i, 'checksum_algo')),
          flags: w.u16(f(i, 'flags')),
        });
      }
      w.capi.rvf_release(base);
      return out;
    } finally {
      w.free(pp);
    }
  }

  /** The store's file image (a copy): write it to a .rvf file or open it again. */
  async exportBytes() {
    const w = this.#w;
    const s = this.#store();
    if (this.#view) return w.read(this.#view, this.#viewLen);
    if (this.#remote) { // every byte of the file, fetched as needed (phase load)
      const { src } = this.#remote;
      await src.fetchRanges(src.plan([[0, src.size]]), 'load');
      const out = new Uint8Array(src.size);
      if (!src.cache.copyTo(0, src.size, out, 0)) throw new RvfError(STATUS.IO_ERROR, `${src.url}: incomplete`);
      return out;
    }
    const pp = w.allocZeroed(8);
    try {
      w.check(w.capi.rvf_store_bytes(s, pp, pp + 4));
      return w.read(w.ptr(pp), w.u32(pp + 4));
    } finally {
      w.free(pp);
    }
  }

  /**
   * Build or extend the HNSW index and store it (INDEX_SEGs). options: m (default 16),
   * efConstruction (default 200), metric (default: the store's), full (rebuild).
   */
  async buildIndex(options = {}) {
    const w = this.#w;
    const s = this.#store();
    const { m, efConstruction, metric, full = false } = options ?? {};
    const o = w.allocZeroed(w.off('rvf_index_options'));
    try {
      w.capi.rvf_wasm_index_options_default(o);
      if (m !== undefined) w.setU32(o + w.off('rvf_index_options.m'), intIn(m, 2, 0xffff, 'm'));
      if (efConstruction !== undefined)
        w.setU32(o + w.off('rvf_index_options.ef_construction'), intIn(efConstruction, 1, U32_MAX, 'efConstruction'));
      if (metric !== undefined) w.setI32(o + w.off('rvf_index_options.metric'), metricCode(metric));
      w.setU8(o + w.off('rvf_index_options.full'), full ? 1 : 0);
      w.check(w.capi.rvf_build_index(s, o));
    } finally {
      w.free(o);
    }
  }

  /** Rewrite the store without deleted vectors and superseded segments. */
  async compact() {
    this.#w.check(this.#w.capi.rvf_compact(this.#store()));
  }

  /** Check every segment's hash and structure; throws the first failure. */
  async verify() {
    const w = this.#w;
    this.#store();
    if (this.#remote) await this.#fetchAll();
    const bp = w.allocZeroed(8);
    try {
      const run = () => {
        const st = w.capi.rvf_verify(this.#store(), bp);
        if (st !== STATUS.OK) throw w.error(st, `segment at offset ${w.u64(bp)}`);
      };
      if (this.#remote) await runWithSource(this.#remote.src, run, 'first', 'load');
      else run();
    } finally {
      w.free(bp);
    }
  }

  #close() {
    if (!this.#s) return;
    const st = this.#w.capi.rvf_close(this.#s);
    this.#s = 0;
    this.#w.free(this.#view);
    this.#view = 0;
    this.#w.free(this.#qs);
    this.#qs = 0;
    if (this.#remote) {
      detachSource(this.#w, this.#remote.handle);
      this.#remote.src.abort(); // fetches in flight (a background load) stop
    }
    this.#w.check(st);
  }

  /** Free the store (a memory store's bytes are gone: exportBytes() first). Idempotent. */
  async close() {
    this.#close();
  }

  [disposeSymbol]() {
    this.#close();
  }

  async [asyncDisposeSymbol]() {
    this.#close();
  }
}
