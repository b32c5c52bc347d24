// progressive.js: the HTTP range source behind RvfDatabase.openProgressive (RVF-BRIEF §10.5).
//
// The C store reads its file synchronously (rvf_source.read); fetch is asynchronous. So the
// source serves reads from a byte-range cache, and a read of bytes not fetched yet is recorded
// and answered with IO_ERROR. The caller (RvfDatabase) then fetches the recorded ranges, in
// parallel and coalesced, and calls the C function again; the store keeps no state of a failed
// read (runtime/src/rvf_store.c), so the retry does what one call over a local file would have.
//
// Every response is checked: 206 with the Content-Range asked for, the same total size and the
// same ETag as the first response (requests carry If-Match), and exactly the bytes announced. A
// server that ignores Range (200), answers 416 or 412, truncates, or changes the file gives an
// RvfError (IO_ERROR) and the source refuses every later fetch: never mixed or missing bytes.
// load() groups many small gaps into multipart requests (fetchRanges); an answer that is not
// exactly the ranges asked for (200, malformed, a part missing or different) is dropped and
// those ranges are fetched one by one with the checks above (a changed file fails as above).
import { STATUS } from '../gen/rvf_constants.mjs';
import { RvfError } from './error.js';

/** The boot request: the root is the file's last 4096 bytes. */
export const ROOT_BYTES = 4096;
/** Requests in flight at once. */
const CONCURRENCY = 6;
/** Ranges closer than this are fetched as one (the gap's bytes are cached too). */
const MERGE_GAP = 4096;
/** The root's hotset (Layer A, hot cache) is fetched with Level 1 when it spans at most this. */
const HOT_SPAN = 4 << 20;
/** Largest single request. */
const MAX_CHUNK = 4 << 20;
/** Most ranges in one multipart request (phase load). */
const MULTI_RANGES = 64;
/** Before the segment directory is known, a miss reads ahead to the next cached byte, up to this. */
const MAX_READAHEAD = 16 << 20;

const ioError = (detail) => new RvfError(STATUS.IO_ERROR, detail);

/** Disjoint byte ranges of one file, each a [start, end) with its bytes, sorted by start. */
export class RangeCache {
  constructor() {
    /** @type {{start: number, end: number, bytes: Uint8Array}[]} */
    this.parts = [];
    this.size = 0;
  }

  /** Index of the last part starting at or before off, or -1. */
  #at(off) {
    let lo = 0, hi = this.parts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.parts[mid].start <= off) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Copy [off, off+n) into dst at pos when every byte is cached; false (nothing promised) otherwise. */
  copyTo(off, n, dst, pos) {
    let i = this.#at(off);
    let o = off;
    const end = off + n;
    while (o < end) {
      const p = this.parts[i];
      if (!p || p.start > o || p.end <= o) return false;
      const take = Math.min(end, p.end) - o;
      dst.set(p.bytes.subarray(o - p.start, o - p.start + take), pos + (o - off));
      o += take;
      i++;
    }
    return true;
  }

  /** The parts of [a, b) not cached, as [start, end) pairs. */
  missing(a, b) {
    const out = [];
    let o = a;
    for (let i = Math.max(0, this.#at(a)); i < this.parts.length && o < b; i++) {
      const p = this.parts[i];
      if (p.end <= o) continue;
      if (p.start >= b) break;
      if (p.start > o) out.push([o, p.start]);
      o = Math.max(o, p.end);
    }
    if (o < b) out.push([o, b]);
    return out;
  }

  /** The first cached offset after off (Infinity when none). */
  nextCached(off) {
    const i = this.#at(off);
    if (i >= 0 && this.parts[i].end > off) return off;
    return i + 1 < this.parts.length ? this.parts[i + 1].start : Infinity;
  }

  /** Add bytes at start; only the parts not cached yet are kept (cached bytes never change). */
  add(start, bytes) {
    for (const [a, b] of this.missing(start, start + bytes.length)) {
      const part = { start: a, end: b, bytes: bytes.subarray(a - start, b - start) };
      this.parts.splice(this.#at(a) + 1, 0, part);
      this.size += b - a;
    }
  }
}

function parseContentRange(h) {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(h?.trim() ?? '');
  return m ? { start: Number(m[1]), end: Number(m[2]) + 1, total: m[3] === '*' ? NaN : Number(m[3]) } : null;
}

const CRLF = [13, 10];
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const latin1 = new TextDecoder('latin1');

/** The first index of needle in hay at or after from, or -1. */
function indexOf(hay, needle, from) {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const isCrlf = (b, i) => b[i] === CRLF[0] && b[i + 1] === CRLF[1];

/**
 * A multipart/byteranges body (RFC 9110 §14.6) as [{start, end, total, bytes}], or null when
 * malformed. Each part's length is its Content-Range's (a payload may hold any bytes, the
 * boundary included): the payload must be followed by CRLF and the next delimiter.
 */
export function parseMultipart(body, boundary) {
  const delim = ascii(`--${boundary}`);
  // the first delimiter: at the start or after a CRLF (a preamble is ignored)
  let i = indexOf(body, delim, 0);
  while (i > 0 && !isCrlf(body, i - 2)) i = indexOf(body, delim, i + 1);
  if (i < 0) return null;
  const parts = [];
  for (;;) {
    i += delim.length;
    if (body[i] === 45 && body[i + 1] === 45) return parts.length ? parts : null; // "--": the close
    while (body[i] === 32 || body[i] === 9) i++; // transport padding
    if (!isCrlf(body, i)) return null;
    const hEnd = indexOf(body, ascii('\r\n\r\n'), i);
    if (hEnd < 0) return null;
    let cr = null;
    for (const line of latin1.decode(body.subarray(i + 2, hEnd)).split('\r\n')) {
      const m = /^content-range\s*:(.*)$/i.exec(line);
      if (m) cr = parseContentRange(m[1]);
    }
    if (!cr || !(cr.end > cr.start)) return null;
    const at = hEnd + 4;
    if (at + (cr.end - cr.start) > body.length) return null;
    parts.push({ ...cr, bytes: body.subarray(at, at + (cr.end - cr.start)) });
    i = at + (cr.end - cr.start);
    if (!isCrlf(body, i) || indexOf(body.subarray(i + 2, i + 2 + delim.length), delim, 0) !== 0) return null;
    i += 2;
  }
}

/**
 * An RVF file over HTTP range requests, with the cache the C store reads through.
 * Phases (for the counters): root, level1, hotset, demand, load. A round is one batch of
 * requests in flight together (the boot; the misses of one call; a prefetch).
 */
export class HttpRangeSource {
  /**
   * @param {string|URL} url
   * @param {{fetch?: typeof fetch, signal?: AbortSignal, headers?: Record<string, string>,
   *   onFetch?: (phase: string) => void}} options
   */
  constructor(url, options = {}) {
    this.url = String(url);
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== 'function') throw new RvfError(STATUS.INVALID_ARGUMENT, 'no fetch function');
    // called as a function, never as a method of this object: a browser's fetch (window's or a
    // worker's) called with another `this` throws "Illegal invocation"
    this.fetch = (url, init) => fetchFn.call(globalThis, url, init);
    this.headers = options.headers ?? {};
    this.onFetch = options.onFetch ?? (() => {});
    this.controller = new AbortController();
    const outer = options.signal;
    if (outer) {
      if (outer.aborted) this.controller.abort(outer.reason);
      else outer.addEventListener('abort', () => this.controller.abort(outer.reason), { once: true });
    }
    this.cache = new RangeCache();
    this.size = 0;
    this.etag = null;
    this.failure = null; // the first fatal error: every later fetch rethrows it
    /** @type {{start: number, end: number}[]} listed segments, sorted (after open) */
    this.segments = [];
    this.stats = { requests: 0, bytes: 0, phases: {} };
    for (const p of ['root', 'level1', 'hotset', 'demand', 'load']) this.stats.phases[p] = { requests: 0, bytes: 0, rounds: 0 };
    this.misses = null;
    this.policy = 'all';
    this.multipart = true; // until a server answers a multipart request with anything else
  }

  #fail(err) {
    if (!this.failure) this.failure = err;
    throw this.failure;
  }

  /** One request; resolves to {start, bytes} after checking the answer. */
  async #request(range, phase, start, end) {
    const res = await this.#send(range);
    const what = `${this.url} (Range: ${range})`;
    const refuse = (detail) => {
      res.body?.cancel?.().catch(() => {});
      return ioError(`${what}: ${detail}`);
    };
    if (res.status === 200)
      this.#fail(refuse('the server ignored the Range header (HTTP 200, not 206): it cannot serve a progressive open'));
    if (res.status === 416) this.#fail(refuse('range not satisfiable (HTTP 416): the file is shorter than expected'));
    if (res.status === 412) this.#fail(refuse(`the file changed on the server (HTTP 412: ETag is no longer ${this.etag})`));
    if (res.status !== 206) this.#fail(refuse(`HTTP ${res.status} ${res.statusText ?? ''}`.trim()));
    const etag = this.#sameFile(res, refuse);
    const cr = parseContentRange(res.headers.get('content-range'));
    if (!cr) this.#fail(refuse(`no valid Content-Range in the 206 answer (${res.headers.get('content-range')})`));
    if (this.size && cr.total !== this.size)
      this.#fail(refuse(`the file changed on the server (${cr.total} bytes, was ${this.size})`));
    if (start !== undefined && (cr.start !== start || cr.end !== end))
      this.#fail(refuse(`answered bytes ${cr.start}-${cr.end - 1} instead of ${start}-${end - 1}`));
    let bytes;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      this.#fail(ioError(`${what}: the body broke off (${e?.message ?? e})`));
    }
    if (bytes.length !== cr.end - cr.start)
      this.#fail(ioError(`${what}: truncated answer, ${bytes.length} bytes of the ${cr.end - cr.start} announced`));
    this.#count(phase, bytes.length);
    return { cr, bytes, etag };
  }

  /** Send one GET with this Range (and If-Match once the ETag is known); the response. */
  async #send(range) {
    if (this.failure) throw this.failure;
    const headers = { ...this.headers, Range: range };
    if (this.etag) headers['If-Match'] = this.etag;
    try {
      return await this.fetch(this.url, { headers, signal: this.controller.signal });
    } catch (e) {
      if (this.controller.signal.aborted) throw ioError(`${this.url}: aborted (${e?.message ?? e})`);
      throw ioError(`${this.url}: fetch failed (${e?.message ?? e})`);
    }
  }

  /** A 206 with another ETag means the file changed on the server: fatal. Returns the ETag. */
  #sameFile(res, refuse) {
    const etag = res.headers.get('etag');
    if (this.etag && etag && etag !== this.etag)
      this.#fail(refuse(`the file changed on the server (ETag ${etag}, was ${this.etag})`));
    return etag;
  }

  /** Count one request of `phase` that brought n payload bytes. */
  #count(phase, n) {
    const st = this.stats.phases[phase];
    st.requests++;
    st.bytes += n;
    this.stats.requests++;
    this.stats.bytes += n;
  }

  /** Phase root: `Range: bytes=-4096` gives the root, the file size and the ETag. */
  async boot() {
    const { cr, bytes, etag } = await this.#request(`bytes=-${ROOT_BYTES}`, 'root');
    if (!Number.isSafeInteger(cr.total) || cr.end !== cr.total || cr.total - cr.start !== Math.min(ROOT_BYTES, cr.total))
      this.#fail(ioError(`${this.url}: the answer to bytes=-${ROOT_BYTES} is bytes ${cr.start}-${cr.end - 1}/${cr.total}, not the file's tail`));
    this.size = cr.total;
    this.etag = etag;
    this.stats.phases.root.rounds++;
    this.cache.add(cr.start, bytes);
    this.onFetch('root');
  }

  /**
   * What the root names (RVF-BRIEF §4.2, §10.5 steps 2-3), read from the cached root: Level 1
   * (the manifest's header, TLV and fill: [l1 - 64, size - 4096)) and the hotset, the segments
   * the root's pointers name (entry points, top layer, centroids: Layer A; quant dictionary; hot
   * cache). A compaction writes those last before the manifest, so one range from the lowest
   * pointer to the manifest covers them; it is used only when it stays under HOT_SPAN bytes
   * (else the hotset is fetched by segment once the directory is known). Null for a root that
   * is not ours (the reference dialect's files have none).
   * @returns {{level1: [number, number], hot: [number, number] | null} | null}
   */
  rootPlan() {
    const r = new Uint8Array(ROOT_BYTES);
    if (!this.cache.copyTo(this.size - ROOT_BYTES, ROOT_BYTES, r, 0)) return null;
    const v = new DataView(r.buffer);
    if (v.getUint32(0, true) !== 0x52564d30) return null; // "RVM0"
    const u64 = (o) => Number(v.getBigUint64(o, true));
    const man = u64(0x008) - 64;
    if (!(man >= 0 && man < this.size - ROOT_BYTES)) return null;
    const level1 = [man, this.size - ROOT_BYTES];
    let lo = man;
    for (const o of [0x038, 0x048, 0x058, 0x068, 0x078]) {
      const seg = u64(o);
      if (seg > 0 && seg < lo) lo = seg;
    }
    const hot = lo < man && man - lo <= HOT_SPAN ? [lo, man] : null;
    return { level1, hot };
  }

  /**
   * Fetch [start, end) ranges (not cached yet), CONCURRENCY at a time. In phase load, more
   * ranges than CONCURRENCY (the gaps left by demand fetches) are grouped into multipart
   * requests (`Range: bytes=a-b,c-d,...`, RVF-BRIEF §10.5): at most MULTI_RANGES ranges and
   * MAX_CHUNK bytes each, spread so that CONCURRENCY requests stay in flight.
   */
  async fetchRanges(ranges, phase) {
    const list = ranges.slice();
    if (list.length) this.stats.phases[phase].rounds++;
    if (phase === 'load' && this.multipart && list.length > CONCURRENCY) {
      const per = Math.min(MULTI_RANGES, Math.ceil(list.length / CONCURRENCY));
      const groups = [];
      let g = null, bytes = 0;
      for (const r of list) {
        if (!g || g.length >= per || bytes + (r[1] - r[0]) > MAX_CHUNK) {
          groups.push((g = []));
          bytes = 0;
        }
        g.push(r);
        bytes += r[1] - r[0];
      }
      list.length = 0;
      list.push(...groups);
    } else for (let i = 0; i < list.length; i++) list[i] = [list[i]];
    const worker = async () => {
      while (list.length) {
        const group = list.shift();
        if (group.length > 1 && this.multipart) {
          const parts = await this.#requestMulti(group, phase);
          if (parts) {
            for (const [a, bytes] of parts) this.cache.add(a, bytes);
            this.onFetch(phase);
            continue;
          }
          this.multipart = false; // this server does not do multipart: one request per range from now on
        }
        for (const [a, b] of group) {
          const { bytes } = await this.#request(`bytes=${a}-${b - 1}`, phase, a, b);
          this.cache.add(a, bytes);
          this.onFetch(phase);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, list.length) }, worker));
  }

  /**
   * One multipart request for ranges (sorted, disjoint); resolves to [start, bytes] per range, or
   * null when the server did not answer with exactly those ranges (200, another status, a
   * malformed body): the caller then fetches them one by one, whose checks decide. A changed
   * file (412, another ETag or size) fails as in #request. A single-part 206 whose Content-Range
   * covers every range is accepted; only the ranges asked for are kept from it.
   */
  async #requestMulti(ranges, phase) {
    const res = await this.#send(`bytes=${ranges.map(([a, b]) => `${a}-${b - 1}`).join(',')}`);
    const what = `${this.url} (Range: ${ranges.length} ranges)`;
    const refuse = (detail) => {
      res.body?.cancel?.().catch(() => {});
      return ioError(`${what}: ${detail}`);
    };
    const count = (n) => this.#count(phase, n);
    const decline = () => { // counted as a request with no payload; the caller goes range by range
      res.body?.cancel?.().catch(() => {});
      count(0);
      return null;
    };
    if (res.status === 412) this.#fail(refuse(`the file changed on the server (HTTP 412: ETag is no longer ${this.etag})`));
    if (res.status !== 206) return decline();
    this.#sameFile(res, refuse);
    const type = res.headers.get('content-type') ?? '';
    const cr = parseContentRange(res.headers.get('content-range'));
    const boundary = /^\s*multipart\/byteranges\s*;(?:.*;)?\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(type);
    if (!boundary && !cr) return decline();
    if (cr && this.size && cr.total !== this.size)
      this.#fail(refuse(`the file changed on the server (${cr.total} bytes, was ${this.size})`));
    if (!boundary && !(cr.start <= ranges[0][0] && cr.end >= ranges[ranges.length - 1][1])) return decline();
    let body;
    try {
      body = new Uint8Array(await res.arrayBuffer());
    } catch {
      return decline(); // a broken body: the per-range requests decide
    }
    if (!boundary) {
      if (body.length !== cr.end - cr.start) return decline();
      count(body.length);
      return ranges.map(([a, b]) => [a, body.subarray(a - cr.start, b - cr.start)]);
    }
    const parts = parseMultipart(body, boundary[1] ?? boundary[2]);
    if (!parts) return decline();
    // exactly the ranges asked for, each once, each of this file's size
    const want = new Map(ranges.map(([a, b]) => [a, b]));
    const out = [];
    let n = 0;
    for (const p of parts) {
      if (this.size && p.total !== this.size)
        this.#fail(ioError(`${what}: the file changed on the server (${p.total} bytes, was ${this.size})`));
      if (want.get(p.start) !== p.end) return decline();
      want.delete(p.start);
      out.push([p.start, p.bytes]);
      n += p.bytes.length;
    }
    if (want.size) return decline();
    count(n);
    return out;
  }

  /** Coalesce ranges (sorted, merged across small gaps) and cut them into requests. */
  plan(ranges) {
    const missing = [];
    for (const [a, b] of ranges) missing.push(...this.cache.missing(a, b));
    missing.sort((x, y) => x[0] - y[0]);
    const out = [];
    for (const [a, b] of missing) {
      const last = out[out.length - 1];
      // one request across a small gap only when no byte of the gap is cached (never refetch)
      const gapFree = () => { const g = this.cache.missing(last[1], a); return g.length === 1 && g[0][0] === last[1] && g[0][1] === a; };
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else if (last && a - last[1] <= MERGE_GAP && b - last[0] <= MAX_CHUNK && gapFree()) last[1] = b;
      else out.push([a, b]);
    }
    const cut = [];
    for (const [a, b] of out) for (let o = a; o < b; o += MAX_CHUNK) cut.push([o, Math.min(b, o + MAX_CHUNK)]);
    return cut;
  }

  /** The listed segment ranges after open: a miss fetches whole segments. */
  setSegments(segs) {
    this.segments = segs.map((s) => ({ start: s.offset, end: s.offset + 64 + s.payloadLength })).sort((x, y) => x.start - y.start);
  }

  /** What to fetch for the reads a call missed: whole segments, else read ahead to cached bytes. */
  expand(misses) {
    const out = [];
    for (const [a, b] of misses) {
      let s = a, e = b, inSeg = false;
      for (const g of this.segments) {
        if (g.end <= a || g.start >= b) continue;
        s = Math.min(s, g.start);
        e = Math.max(e, g.end);
        inSeg = true;
      }
      if (!inSeg) e = Math.max(b, Math.min(this.cache.nextCached(b), a + MAX_READAHEAD, this.size));
      out.push([s, Math.min(e, this.size)]);
    }
    return out;
  }

  // ---- the C read callback: a call is bracketed by begin() and end() ----
  /** 'first': record only the first miss (sequential readers: open); 'all': every miss. */
  begin(policy) {
    this.misses = [];
    this.policy = policy;
  }

  end() {
    const m = this.misses ?? [];
    this.misses = null;
    return m;
  }

  /** rvf_source.read: copy from the cache, or record the miss and fail the read. */
  read(off, n, heap, dst) {
    if (this.cache.copyTo(off, n, heap, dst)) return STATUS.OK;
    if (this.misses && !(this.policy === 'first' && this.misses.length)) this.misses.push([off, off + n]);
    return STATUS.IO_ERROR;
  }

  /** Stop every fetch in flight (close). */
  abort() {
    this.controller.abort();
  }
}

/** Give a source a handle the C shim passes back to Module.rvfSourceRead. */
export function attachSource(w, src) {
  const m = w.module;
  if (!m.rvfSources) {
    m.rvfSources = new Map();
    m.rvfNextSource = 1;
    m.rvfSourceRead = (h, off, dst, n) => {
      const s = m.rvfSources.get(h);
      return s ? s.read(off, n, m.HEAPU8, dst) : STATUS.IO_ERROR;
    };
  }
  const h = m.rvfNextSource++;
  m.rvfSources.set(h, src);
  return h;
}

export function detachSource(w, handle) {
  w.module.rvfSources?.delete(handle);
}
