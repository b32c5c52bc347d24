// nginx.mjs: start Debian's nginx (/usr/sbin/nginx) on 127.0.0.1 and a free port, serving one
// folder with Range support, from the template nginx/nginx.conf.in; pid, logs and temp files in
// a folder of the caller's (under the build dir). Used by progressive.test.mjs and
// bench/bench-progressive.mjs. The access log gives what the server sent: one entry per request.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX = process.env.RVF_NGINX ?? '/usr/sbin/nginx';
export const haveNginx = existsSync(NGINX);
const template = fileURLToPath(new URL('nginx/nginx.conf.in', import.meta.url));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

/**
 * Start nginx serving `root`; `prefix` holds its files. Resolves to {port, base (URL ending in
 * '/'), log() (the access log entries so far), mark() (the count of entries, for log(mark)),
 * stop()}.
 */
export async function startNginx({ root, prefix }) {
  if (!haveNginx) throw new Error(`${NGINX} is not installed (scripts/install-deps.sh installs nginx)`);
  mkdirSync(prefix, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, readFileSync(template, 'utf8').replaceAll('@PORT@', String(port))
      .replaceAll('@ROOT@', root).replaceAll('@PREFIX@', prefix));
    writeFileSync(join(prefix, 'access.log'), '');
    // -e: the error log before the configuration is read (not /var/log/nginx)
    const child = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    let exited = null;
    child.on('exit', (code) => { exited = code ?? -1; });
    const t0 = Date.now();
    while (exited === null && !(await accepts(port)) && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 20));
    if (exited === null && (await accepts(port))) {
      const log = (from = 0) => readFileSync(join(prefix, 'access.log'), 'utf8').split('\n').filter(Boolean).slice(from).map((line) => {
        const m = /^(\S+) (\S+) "([^"]*)" (\d+) (\d+)$/.exec(line);
        if (!m) throw new Error(`unexpected access log line: ${line}`);
        return { method: m[1], path: m[2], range: m[3] === '-' ? '' : m[3], status: Number(m[4]), bytes: Number(m[5]) };
      });
      const stop = () => new Promise((resolve) => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      return { port, base: `http://127.0.0.1:${port}/`, log, mark: () => log().length, stop };
    }
    child.kill('SIGKILL');
    if (attempt >= 2) throw new Error(`nginx did not start: ${stderr}${existsSync(join(prefix, 'error.log')) ? readFileSync(join(prefix, 'error.log'), 'utf8') : ''}`);
  }
}
