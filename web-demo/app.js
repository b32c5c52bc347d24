// The web demo: opens a .rvf from a URL with RvfDatabase.openProgressive (js/, HTTP range
// requests, RVF-BRIEF §10.5), shows the open as it happens, answers nearest-word queries with
// metadata filters, charts recall and latency against the bytes loaded, and lists the segments.
//
// URL parameters: store (the .rvf URL, default data/glove.rvf), word (the first query,
// default king), auto=0 (do not open on load), pause=1 (stop after the first answer until
// window.rvfDemo.resume(): the browser test counts the bytes of that moment).
//
// A store built by build-glove-store.mjs has sidecars beside it (STORE.demo.json, .words.json,
// .vectors.npy): the words by id, and the vectors the page fetches one row at a time (a Range
// request) to query by word; the package reads no metadata back, so words come from there.
// Any other .rvf opens too; queries then take a JSON vector.
import uPlot from './vendor/uplot/uPlot.esm.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const DEFAULT_STORE = 'data/glove.rvf';
const LAYER_A_EF = 64;

/** What the page exposes to the browser test and the console. */
const demo = {
  state: 'idle', // idle, opening, answered, probing, loading, ready, error
  api: null, // 'openProgressive' or 'open' (a plain fetch of the whole file)
  packageUrl: null, // the module the page imported
  storeUrl: null,
  meta: null, // STORE.demo.json
  progress: [], // every onProgress event, with elapsed ms
  requests: [], // every request to the store: {phase, range, status, bytes, ms}
  firstAnswer: null, // {word, ids, distances, bytes, requests, ms, phase}
  curve: [], // {state, bytes, recall, ms}
  segments: null,
  status: null,
  lastQuery: null,
  error: null,
  resume: () => {},
  query: null, // (word or vector, {k, ef, filter}) -> {hits, ms, bytes}
};
window.rvfDemo = demo;

// ---- the package: the esbuild bundle when it is there, else the ES modules of js/src ----------
async function loadPackage() {
  for (const url of ['./js/dist/rvf.mjs', './js/src/index.js']) {
    try {
      const mod = await import(url);
      if (mod.RvfDatabase) return { mod, url };
    } catch (e) {
      console.info(`rvf demo: ${url} not usable (${e.message})`);
    }
  }
  throw new Error('the npm package is not served at ./js/ (make build, then make serve)');
}

// ---- formatting -------------------------------------------------------------------------------
const mb = (n) => `${(n / 1048576).toFixed(2)} MB`;
const fmtBytes = (n, total) => (total ? `${n.toLocaleString('en')} B (${mb(n)} of ${mb(total)}, ${((100 * n) / total).toFixed(1)}%)` : `${n.toLocaleString('en')} B`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};
function row(tbody, cells, attrs = {}) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attrs)) tr.dataset[k] = v;
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.append(td);
  }
  tbody.append(tr);
  return tr;
}
function setError(e) {
  console.error(e);
  demo.error = String(e?.message ?? e);
  demo.state = 'error';
  document.body.dataset.state = 'error';
  $('error').textContent = `Error: ${demo.error}`;
}

// ---- one operation on the store at a time (the wasm store is one synchronous C object) -------
let queue = Promise.resolve();
const serial = (fn) => {
  const p = queue.then(fn);
  queue = p.catch(() => {});
  return p;
};

// ---- a counting fetch: every request to the store, its range, status and bytes ----------------
let session = null; // the open store and its counters; replaced by each open
function countingFetch(s) {
  return async (input, init = {}) => {
    const t = performance.now();
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    // the phase comes with the package's next onProgress (it reports each fetch once it is done)
    const entry = { phase: null, range: headers.get('Range') ?? '(whole file)', status: 0, bytes: 0, ms: 0 };
    s.requests++;
    const res = await fetch(input, init);
    entry.status = res.status;
    entry.bytes = Number(res.headers.get('Content-Length') ?? 0);
    entry.ms = Math.round(performance.now() - t);
    s.bytes += entry.bytes;
    if (s === session) {
      demo.requests.push(entry);
      logRequest(entry);
    }
    return res;
  };
}
const requestRows = new WeakMap(); // request entry -> its row in the log
function logRequest(e) {
  const tbody = $('request-log').tBodies[0];
  if (tbody.rows.length < 500)
    requestRows.set(e, row(tbody, [demo.requests.length, e.phase ?? '', e.range, e.status, e.bytes.toLocaleString('en'), e.ms]));
  $('request-count').textContent = String(demo.requests.length);
}
function labelRequests(phase) {
  for (let i = demo.requests.length - 1; i >= 0 && demo.requests[i].phase === null; i--) {
    const e = demo.requests[i];
    e.phase = phase;
    const tr = requestRows.get(e);
    if (tr) tr.cells[1].textContent = phase;
  }
}

// ---- progress ---------------------------------------------------------------------------------
function showProgress(s) {
  const p = s.last ?? {};
  $('phase').textContent = s.phase;
  $('bytes').textContent = fmtBytes(s.bytes, s.fileSize);
  $('requests').textContent = String(s.requests);
  $('elapsed').textContent = `${Math.round((s.done ?? performance.now()) - s.t0)} ms`;
  $('load-state').textContent = p.loadState ?? (demo.api === 'open' ? 'full' : '-');
  $('partitions').textContent = p.partitionsLoaded !== undefined ? String(p.partitionsLoaded) : '-';
}
function onProgress(s, p) {
  if (s !== session) return;
  s.last = p;
  s.phase = p.phase;
  labelRequests(p.phase);
  if (p.fileSize) s.fileSize = p.fileSize;
  demo.progress.push({ ...p, ms: Math.round(performance.now() - s.t0), pageBytes: s.bytes });
  showProgress(s);
}

// ---- sidecars (build-glove-store.mjs) ----------------------------------------------------------
async function loadSidecars(storeUrl) {
  const metaUrl = new URL(storeUrl.replace(/\.rvf(\?.*)?$/, '.demo.json'), location.href);
  if (metaUrl.href === new URL(storeUrl, location.href).href) return null;
  const r = await fetch(metaUrl);
  if (!r.ok) return null;
  const meta = await r.json();
  const words = await (await fetch(new URL(meta.words, metaUrl))).json();
  const byWord = new Map();
  words.forEach((w, id) => byWord.has(w) || byWord.set(w, id));
  return { ...meta, wordList: words, byWord, vectorsUrl: new URL(meta.vectors.file, metaUrl).href };
}

/** One row of STORE.vectors.npy: the stored vector of a word (a 400-byte Range request). */
async function wordVector(s, id) {
  const m = s.meta;
  if (s.vectorCache.has(id)) return s.vectorCache.get(id);
  const n = m.dimension * 4;
  const a = m.vectors.offset + id * n;
  const r = await fetch(m.vectorsUrl, { headers: { Range: `bytes=${a}-${a + n - 1}` } });
  if (r.status !== 206) throw new Error(`${m.vectorsUrl}: expected 206 for a Range request, got ${r.status}`);
  const buf = await r.arrayBuffer();
  if (buf.byteLength !== n) throw new Error(`${m.vectorsUrl}: ${buf.byteLength} bytes for row ${id}`);
  s.sidecarBytes += n;
  const v = new Float32Array(buf);
  s.vectorCache.set(id, v);
  return v;
}

async function queryVector(s, text) {
  text = text.trim();
  if (text.startsWith('[')) return { vector: Float32Array.from(JSON.parse(text)), label: 'vector' };
  if (!s.meta) throw new Error('this store has no words sidecar (STORE.demo.json): enter a JSON vector');
  const id = s.meta.byWord.get(text) ?? s.meta.byWord.get(text.toLowerCase());
  if (id === undefined) throw new Error(`'${text}' is not among the store's ${s.meta.count.toLocaleString('en')} words`);
  return { vector: await wordVector(s, id), label: s.meta.wordList[id], id };
}

// ---- queries ----------------------------------------------------------------------------------
function filterOf(f) {
  if (!f || !session?.meta) return undefined;
  const F = session.meta.fields;
  const c = [];
  if (f.lenMin) c.push(['>=', F.length, f.lenMin]);
  if (f.lenMax) c.push(['<=', F.length, f.lenMax]);
  if (f.rankMax) c.push(['<=', F.rank, f.rankMax]);
  return c.length === 0 ? undefined : c.length === 1 ? c[0] : ['and', ...c];
}

async function runQuery(s, text, { k = 10, ef = LAYER_A_EF, filter } = {}) {
  const { vector, label } = await queryVector(s, text);
  return serial(async () => {
    const t = performance.now();
    const hits = await s.db.query(vector, k, { ef, filter: filterOf(filter) });
    const ms = performance.now() - t;
    return { label, hits: hits.map((h) => ({ id: Number(h.id), distance: h.distance })), ms, bytes: s.bytes };
  });
}

function showResults(s, q, opts) {
  const tbody = $('results').tBodies[0];
  tbody.replaceChildren();
  const words = s.meta?.wordList;
  q.hits.forEach((h, i) => {
    const w = words?.[h.id];
    row(tbody, [i + 1, w ?? '', h.id, h.distance.toFixed(6), w ? [...w].length : '', w ? h.id + 1 : ''], { id: String(h.id) });
  });
  const f = filterOf(opts.filter);
  const info = $('result-info');
  info.textContent = `${q.hits.length} nearest to '${q.label}' in ${q.ms.toFixed(1)} ms (${opts.ef ? `HNSW ef ${opts.ef}` : 'exact scan'}${f ? `, filter ${JSON.stringify(f)}` : ''}); ${mb(q.bytes)} of the store fetched so far`;
  info.dataset.state = 'done';
  info.dataset.query = q.label;
  demo.lastQuery = { word: q.label, k: opts.k, ef: opts.ef, filter: f ?? null, ids: q.hits.map((h) => h.id), distances: q.hits.map((h) => h.distance), ms: q.ms };
}

function formOptions() {
  const int = (id) => {
    const v = $(id).value.trim();
    return v === '' ? 0 : Math.max(0, Math.floor(Number(v)) || 0);
  };
  return { k: Math.max(1, int('k') || 10), ef: int('ef'), filter: { lenMin: int('len-min'), lenMax: int('len-max'), rankMax: int('rank-max') } };
}

async function onSearch(ev) {
  ev?.preventDefault();
  const s = session;
  if (!s?.db) return;
  const info = $('result-info');
  info.dataset.state = 'running';
  info.textContent = 'Searching...';
  const opts = formOptions();
  try {
    const q = await runQuery(s, $('word').value, opts);
    if (s === session) showResults(s, q, opts);
  } catch (e) {
    info.dataset.state = 'error';
    info.textContent = `Error: ${e.message}`;
  }
}

// ---- the recall / latency chart ---------------------------------------------------------------
let plot = null;
function drawCurve() {
  const pts = demo.curve;
  const data = [pts.map((p) => p.bytes / 1048576), pts.map((p) => p.recall), pts.map((p) => p.ms)];
  if (!plot) {
    const el = $('chart');
    plot = new uPlot(
      {
        width: Math.max(320, Math.min(760, el.clientWidth || 640)),
        height: 260,
        scales: { x: { time: false }, recall: { range: [0, 1.02] }, ms: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] } },
        axes: [
          { label: 'MB of the store fetched', stroke: '#444' },
          { scale: 'recall', label: 'recall@k', values: (u, v) => v.map((x) => x.toFixed(2)) },
          { scale: 'ms', side: 1, label: 'query ms', grid: { show: false } },
        ],
        series: [
          { label: 'MB' },
          { label: 'recall@k', scale: 'recall', stroke: '#1f6feb', width: 0, points: { show: true, size: 6, fill: '#1f6feb' } },
          { label: 'latency ms', scale: 'ms', stroke: '#d4622a', width: 0, points: { show: true, size: 5, fill: '#d4622a' } },
        ],
      },
      data,
      el,
    );
  } else plot.setData(data);
  const tbody = $('curve-summary').tBodies[0];
  tbody.replaceChildren();
  const states = [...new Set(pts.map((p) => p.state))];
  for (const st of states) {
    const ps = pts.filter((p) => p.state === st);
    const mean = ps.reduce((a, p) => a + p.recall, 0) / ps.length;
    row(tbody, [st, ps.length, mean.toFixed(3), median(ps.map((p) => p.ms)).toFixed(2), (ps[ps.length - 1].bytes / 1048576).toFixed(2)], { state: st });
  }
}

async function probe(s, state, ef) {
  const m = s.meta;
  for (let i = 0; i < m.probes.ids.length && s === session; i++) {
    const id = m.probes.ids[i];
    const truth = new Set(m.probes.truth[i]);
    const q = await runQuery(s, m.wordList[id], { k: m.probes.k, ef });
    const recall = q.hits.filter((h) => truth.has(h.id)).length / truth.size;
    demo.curve.push({ state, bytes: q.bytes, recall, ms: q.ms, word: q.label });
    drawCurve();
  }
}

// ---- the segment inspector --------------------------------------------------------------------
async function showSegments(s) {
  const [segs, st] = await serial(() => Promise.all([s.db.segments(), s.db.status()]));
  demo.segments = segs;
  demo.status = st;
  $('store-status').textContent = `${st.liveVectors.toLocaleString('en')} vectors of dimension ${st.dimension}, ${st.metric}, ${st.dtype}; epoch ${st.epoch}; ${st.segmentCount.toLocaleString('en')} segments; ${st.fileSize.toLocaleString('en')} bytes; ${st.indexSegments} index segments; file id ${st.fileId}`;
  const byType = new Map();
  for (const g of segs) {
    const t = byType.get(g.typeName) ?? { n: 0, bytes: 0 };
    t.n++;
    t.bytes += g.payloadLength;
    byType.set(g.typeName, t);
  }
  const sum = $('segment-summary').tBodies[0];
  sum.replaceChildren();
  for (const [name, t] of [...byType].sort((a, b) => b[1].bytes - a[1].bytes))
    row(sum, [name, t.n.toLocaleString('en'), t.bytes.toLocaleString('en')], { type: name, count: String(t.n) });
  $('segment-count').textContent = segs.length.toLocaleString('en');
  const tbody = $('segments').tBodies[0];
  tbody.replaceChildren();
  const shown = 1000;
  for (const g of segs.slice(0, shown))
    row(tbody, [g.segmentId, g.typeName, g.offset.toLocaleString('en'), g.payloadLength.toLocaleString('en'), `0x${g.flags.toString(16).padStart(4, '0')}`]);
  if (segs.length > shown) row(tbody, ['', `... ${(segs.length - shown).toLocaleString('en')} more`, '', '', '']);
}

// ---- open -------------------------------------------------------------------------------------
async function open(storeUrl) {
  if (session?.db) {
    const old = session;
    session = null;
    serial(() => old.db.close()).catch(() => {});
  }
  const s = { url: storeUrl, t0: performance.now(), phase: 'start', bytes: 0, requests: 0, sidecarBytes: 0, fileSize: 0, last: null, db: null, meta: null, vectorCache: new Map() };
  session = s;
  Object.assign(demo, { state: 'opening', storeUrl, meta: null, progress: [], requests: [], firstAnswer: null, curve: [], segments: null, status: null, lastQuery: null, error: null });
  document.body.dataset.state = 'opening';
  $('error').textContent = '';
  $('request-log').tBodies[0].replaceChildren();
  $('results').tBodies[0].replaceChildren();
  $('first-answer').textContent = '-';
  $('search').disabled = true;
  $('result-info').dataset.state = 'idle';
  demo.curve = [];
  if (plot) drawCurve();
  const tick = setInterval(() => session === s && showProgress(s), 100);
  try {
    const [{ mod, url: pkgUrl }, meta] = await Promise.all([pkg, loadSidecars(storeUrl)]);
    demo.packageUrl = pkgUrl;
    s.meta = meta;
    demo.meta = meta && { ...meta, wordList: undefined, byWord: undefined };
    const { RvfDatabase } = mod;
    const url = new URL(storeUrl, location.href).href;
    if (typeof RvfDatabase.openProgressive === 'function') {
      demo.api = 'openProgressive';
      s.db = await RvfDatabase.openProgressive(url, { fetch: countingFetch(s), onProgress: (p) => onProgress(s, p) });
    } else {
      // The package without range requests: one fetch of the whole file.
      demo.api = 'open';
      s.phase = 'download';
      const r = await countingFetch(s)(url);
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      const bytes = new Uint8Array(await r.arrayBuffer());
      s.fileSize = bytes.length;
      labelRequests('download');
      s.db = await RvfDatabase.open(bytes, { readOnly: true });
      s.phase = 'full';
    }
    $('api-note').textContent = demo.api === 'openProgressive'
      ? 'RvfDatabase.openProgressive: range requests, queries before the whole file is read.'
      : 'This package has no openProgressive: the whole file was fetched before the first query.';
    if (s !== session) return;
    const readyAt = { bytes: s.bytes, requests: s.requests, ms: Math.round(performance.now() - s.t0) };

    // The first answer: approximate (ef > 0, unfiltered), from Layer A and the partitions it probes.
    const word = params.get('word') ?? $('word').value;
    $('word').value = word;
    const q = await runQuery(s, word, { k: 10, ef: LAYER_A_EF });
    if (s !== session) return;
    demo.firstAnswer = { word: q.label, ids: q.hits.map((h) => h.id), distances: q.hits.map((h) => h.distance), bytes: s.bytes, requests: s.requests, ms: Math.round(performance.now() - s.t0), queryMs: q.ms, phase: s.phase, ready: readyAt, loadState: s.last?.loadState ?? 'full', sidecarBytes: s.sidecarBytes };
    showResults(s, q, { k: 10, ef: LAYER_A_EF });
    $('first-answer').textContent = `'${q.label}' after ${demo.firstAnswer.ms} ms, ${fmtBytes(s.bytes, s.fileSize)}, ${s.requests} requests`;
    $('search').disabled = false;
    demo.state = 'answered';
    document.body.dataset.state = 'answered';
    if (params.get('pause') === '1') await new Promise((r) => (demo.resume = r));

    await showSegments(s);
    if (s.meta && s.last?.loadState !== 'full' && demo.api === 'openProgressive') {
      demo.state = document.body.dataset.state = 'probing';
      await probe(s, `Layer A, ef ${LAYER_A_EF}`, LAYER_A_EF);
    }
    demo.state = document.body.dataset.state = 'loading';
    if (typeof s.db.load === 'function') await serial(() => s.db.load());
    if (s.meta && s === session) {
      await probe(s, `full, ef ${LAYER_A_EF}`, LAYER_A_EF);
      await probe(s, 'full, exact', 0);
    }
    await showSegments(s);
    if (s !== session) return;
    s.done = performance.now();
    showProgress(s);
    demo.state = 'ready';
    document.body.dataset.state = 'ready';
  } catch (e) {
    if (s === session) setError(e);
  } finally {
    clearInterval(tick);
    if (session === s) showProgress(s);
  }
}

demo.query = async (text, opts = {}) => {
  if (!session?.db) throw new Error('no store is open');
  return runQuery(session, text, { k: opts.k ?? 10, ef: opts.ef ?? 0, filter: opts.filter });
};

const pkg = loadPackage();
pkg.catch(setError);
$('store-url').value = params.get('store') ?? DEFAULT_STORE;
$('open-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  open($('store-url').value.trim());
});
$('query-form').addEventListener('submit', onSearch);
if (params.get('auto') !== '0') open($('store-url').value.trim());
