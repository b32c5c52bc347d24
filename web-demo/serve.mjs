#!/usr/bin/env node
// Serves the web demo with Debian's nginx (web-demo/nginx.conf.in): the page (web-demo/), the
// npm package (js/, its WebAssembly builds from BUILD/js/dist), uPlot (node_modules/uplot/dist)
// and the stores (BUILD/web-demo) under /data/. Used by `make serve` (foreground, until Ctrl-C)
// and by the browser test (startNginx()).
//
// Usage: node web-demo/serve.mjs [--port N] [--build DIR] [--store NAME.rvf]
//   --port   default 8080 (0: any free port)
//   --build  the build folder holding js/dist and web-demo/ (default build)
//   --store  the store the printed URL opens (default glove.rvf)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
export const NGINX = '/usr/sbin/nginx';

/** A TCP port nobody listens on at the moment of asking. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

/** The folder with rvf-simd.wasm: BUILD/js/dist, else the package's js/dist (`make js`). */
export function jsDistDir(build) {
  for (const d of [path.join(build, 'js', 'dist'), path.join(root, 'js', 'dist')])
    if (fs.existsSync(path.join(d, 'rvf-simd.wasm'))) return d;
  throw new Error(`no WebAssembly build in ${path.join(build, 'js', 'dist')} or js/dist (make build)`);
}

/**
 * Start nginx on 127.0.0.1:port (0: a free one) with its files under `prefix`.
 * Returns {url, port, prefix, stop()}; stop() resolves once nginx has exited.
 */
export async function startNginx({ port = 0, prefix, build, dataDir, jsDist } = {}) {
  if (!fs.existsSync(NGINX)) throw new Error(`${NGINX} is missing (scripts/install-deps.sh installs nginx)`);
  build = path.resolve(build ?? path.join(root, 'build'));
  prefix = path.resolve(prefix ?? path.join(build, 'web-demo', 'nginx'));
  const vars = {
    PREFIX: prefix,
    DEMO_DIR: here,
    JS_DIR: path.join(root, 'js'),
    JS_DIST_DIR: path.resolve(jsDist ?? jsDistDir(build)),
    UPLOT_DIR: path.join(root, 'node_modules', 'uplot', 'dist'),
    DATA_DIR: path.resolve(dataDir ?? path.join(build, 'web-demo')),
  };
  if (!fs.existsSync(path.join(vars.UPLOT_DIR, 'uPlot.esm.js'))) throw new Error('node_modules/uplot is missing (npm ci)');
  for (let attempt = 0; ; attempt++) {
    const p = port || (await freePort());
    fs.mkdirSync(path.join(prefix, 'tmp'), { recursive: true });
    const conf = fs.readFileSync(path.join(here, 'nginx.conf.in'), 'utf8')
      .replace(/@([A-Z_]+)@/g, (m, k) => (k === 'PORT' ? String(p) : vars[k] ?? m));
    if (/@[A-Z_]+@/.test(conf)) throw new Error('nginx.conf.in has an unknown @NAME@');
    const confPath = path.join(prefix, 'nginx.conf');
    fs.writeFileSync(confPath, conf);
    const errLog = path.join(prefix, 'error.log');
    fs.rmSync(errLog, { force: true });
    const proc = spawn(NGINX, ['-p', prefix, '-c', confPath, '-e', errLog], { stdio: ['ignore', 'inherit', 'inherit'] });
    let exited = null;
    const exit = new Promise((resolve) => proc.on('exit', (code, sig) => resolve((exited = { code, sig }))));
    const t0 = Date.now();
    while (!exited && !(await canConnect(p)) && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 50));
    if (!exited && (await canConnect(p))) {
      const stop = async () => {
        if (!exited) proc.kill('SIGTERM');
        await exit;
      };
      return { url: `http://127.0.0.1:${p}/`, port: p, prefix, stop, process: proc };
    }
    if (!exited) proc.kill('SIGKILL');
    await exit;
    const log = fs.existsSync(errLog) ? fs.readFileSync(errLog, 'utf8') : '';
    // a free port taken between asking and binding: try another (only when we chose it)
    if (!port && attempt < 3 && /Address already in use/.test(log)) continue;
    throw new Error(`nginx did not start on port ${p}: ${log.trim() || JSON.stringify(exited)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = process.argv.slice(2);
  const opt = (name, def) => {
    const i = a.indexOf(name);
    return i >= 0 && i + 1 < a.length ? a[i + 1] : def;
  };
  try {
    const build = path.resolve(opt('--build', path.join(root, 'build')));
    const store = opt('--store', 'glove.rvf');
    const port = Number(opt('--port', process.env.PORT || '8080'));
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
    if (!fs.existsSync(path.join(build, 'web-demo', store)))
      console.error(`serve: note: ${path.join(build, 'web-demo', store)} does not exist yet (make demo builds it)`);
    const srv = await startNginx({ port, build });
    console.log(`serve: nginx on ${srv.url} (config ${path.join(srv.prefix, 'nginx.conf')}); Ctrl-C stops it`);
    console.log(`Open ${srv.url}?store=data/${store}`);
    let stopping = false;
    const quit = () => {
      stopping = true;
      srv.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', quit);
    process.on('SIGTERM', quit);
    srv.process.on('exit', (code) => {
      if (stopping) return;
      console.error(`serve: nginx exited (${code})`);
      process.exit(1);
    });
  } catch (e) {
    console.error(`serve: ${e.message}`);
    process.exit(1);
  }
}
