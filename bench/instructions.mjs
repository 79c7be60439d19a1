// Instructions per request, counted by callgrind: a figure without noise,
// to tell what a change to the per-request path does when CPU time moves
// by less than it varies between runs.
//
//   node bench/instructions.mjs [A.so [B.so ...]]   (default: .libs/ build)
//
// For each build, an httpd -X (the test harness's configuration, event MPM)
// runs under valgrind --tool=callgrind with a session from the test OP.
// Each page is served in two runs that differ only in the number of
// requests (INSN_LOW, INSN_HIGH; after a login and 100 warm-up requests,
// all on one kept-alive connection), so start-up, the login and the
// warm-up cancel out of the difference. Printed per request: user-space
// instructions for the static page and the protected one, what protecting
// adds, and the part of that spent in the module's hooks. System calls
// are not counted (the two pages make the same ones); memory stalls are
// not either, so this is a guide to CPU time, not a measure of it.
//
// INSN_MODE=login counts a full login instead (redirect, OP, callback, first
// page, UserInfo on, each by a fresh client): runs of INSN_LOW (60) and
// INSN_HIGH (160) logins, after three, so that the worker threads' first
// use of curl and OpenSSL cancels out too.
//
// INSN_KEEP=1 keeps the profiles (for callgrind_annotate) and prints where.
//
// Needs valgrind and ab: apt install valgrind apache2-utils.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const top = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const builds = process.argv.slice(2);
if (builds.length === 0) builds.push(path.join(top, '.libs/mod_authnz_oidc.so'));
const LOGIN = process.env.INSN_MODE === 'login';
const LOW = Number(process.env.INSN_LOW || (LOGIN ? 60 : 500));
const HIGH = Number(process.env.INSN_HIGH || (LOGIN ? 160 : 1500));
const harness = await import(pathToFileURL(path.join(top, 'test/integration/lib/harness.mjs')).href);
const { startOP, oidcConf, Browser, serverRoot, serverPreamble, moduleLines, freePort, rawRequest } = harness;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'insn-'));
fs.chmodSync(work, 0o755);

// One httpd under callgrind: a login, then `count` requests of `page`.
// Page 'floor' is the static page of an httpd without the module, as
// bench.mjs's static scenario. Returns the path of its profile.
async function profile(so, page, count) {
  const port = await freePort();
  const op = await startOP({ redirectUris: [`http://127.0.0.1:${port}/oidc/callback`] });
  const { root, htdocs } = serverRoot('insn');
  const bare = page === 'floor';
  fs.writeFileSync(`${root}/httpd.conf`, `${serverPreamble({ root, htdocs, port, logLevel: 'warn',
    modules: [moduleLines('event'), bare ? '' : `LoadModule authnz_oidc_module "${so}"`].join('\n') })}
KeepAlive On
MaxKeepAliveRequests 0
${bare ? '' : `${oidcConf(op, { extra: 'AuthOIDCUserInfo On' })}
<Location /app>
    AuthType oidc
    Require valid-user
</Location>`}
`);
  const out = path.join(work, `${so ? path.basename(path.dirname(so)) : 'none'}-${page}-${count}`);
  const asRoot = process.getuid() === 0;
  // httpd started as root would switch to www-data, and callgrind could then
  // not write its profile: start it as www-data, owning its root.
  if (asRoot) execFileSync('chown', ['-R', 'www-data:www-data', root, work]);
  const argv = ['--tool=callgrind', `--callgrind-out-file=${out}.%p`, '--vgdb=no',
    '/usr/sbin/apache2', '-X', '-d', root, '-f', `${root}/httpd.conf`];
  const vg = asRoot
    ? spawn('setpriv', ['--reuid=www-data', '--regid=www-data', '--clear-groups', 'valgrind', ...argv], { stdio: 'ignore' })
    : spawn('valgrind', argv, { stdio: 'ignore' });
  const exited = new Promise((r) => vg.on('exit', r));
  const origin = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try { await rawRequest(`${origin}/public/`); break; } catch (e) {
        if (i > 1200) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (page === 'login') {
      for (let i = 0; i < 3 + count; i++) {
        const res = await new Browser().get(`${origin}/app/`);
        if (res.status !== 200) throw new Error(`login ended with ${res.status}`);
      }
    } else {
      const browser = new Browser();
      if (!bare) await browser.get(`${origin}/app/`);
      const cookie = page === 'protected'
        ? ['-H', `Cookie: oidc_session=${browser.cookies(origin).get('oidc_session')}`] : [];
      const url = origin + (page === 'protected' ? '/app/index.html' : '/public/index.html');
      for (const n of [100, count]) {
        const res = execFileSync('ab', ['-q', '-k', '-n', String(n), '-c', '1', ...cookie, url]).toString();
        if (!/Failed requests:\s+0\b/.test(res) || /Non-2xx/.test(res)) throw new Error(`${url}: ${res}`);
      }
    }
  } finally {
    vg.kill('SIGTERM');
    await exited;
    op.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  // The profile of httpd itself, not of mod_cgid's daemon: the larger one.
  const files = fs.readdirSync(work).filter((f) => f.startsWith(`${path.basename(out)}.`))
    .map((f) => path.join(work, f));
  return files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
}

// Total instructions and the inclusive count of the module's hooks.
function counts(file) {
  const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file],
    { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const total = Number(text.match(/^([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS/m)[1].replace(/,/g, ''));
  let module = 0;
  for (const hook of ['check_user_id', 'fixups', 'post_read_request', 'quick_handler']) {
    const m = text.match(new RegExp(`^\\s*([\\d,]+)\\s+\\([^)]*\\)\\s+\\S*mod_authnz_oidc\\.c:${hook}\\b`, 'm'));
    if (m) module += Number(m[1].replace(/,/g, ''));
  }
  return { total, module };
}

async function perRequest(so, page) {
  const [low, high] = await Promise.all([profile(so, page, LOW), profile(so, page, HIGH)]);
  const a = counts(low), b = counts(high);
  return { total: (b.total - a.total) / (HIGH - LOW), module: (b.module - a.module) / (HIGH - LOW) };
}

// A copy of a build that www-data can read.
function moduleCopy(so) {
  const copyDir = fs.mkdtempSync(path.join(work, 'so-'));
  fs.chmodSync(copyDir, 0o755);
  const copy = path.join(copyDir, 'mod_authnz_oidc.so');
  fs.copyFileSync(so, copy);
  fs.chmodSync(copy, 0o644);
  return copy;
}

const row = (so, figures) =>
  `${so.slice(-48).padEnd(48)} ${figures.map((n) => (typeof n === 'number' ? n.toFixed(0) : n).padStart(10)).join(' ')}`;
if (LOGIN) {
  console.log(`user-space instructions per login (callgrind; ${HIGH} - ${LOW} logins)`);
  console.log(row('build', ['per login', 'in hooks']));
  for (const so of builds) {
    const l = await perRequest(moduleCopy(so), 'login');
    console.log(row(so, [l.total, l.module]));
  }
} else {
  console.log(`user-space instructions per request (callgrind; ${HIGH} - ${LOW} requests)`);
  // The floor is bench.mjs's: no module loaded, so what loading it costs a
  // page it does not protect shows in "static" - "floor".
  const floor = await perRequest(null, 'floor');
  console.log(`floor (static page, httpd without the module): ${floor.total.toFixed(0)}`);
  console.log(row('build', ['static', 'protected', 'added', 'over floor', 'in hooks']));
  for (const so of builds) {
    const copy = moduleCopy(so);
    const s = await perRequest(copy, 'static');
    const p = await perRequest(copy, 'protected');
    console.log(row(so, [s.total, p.total, p.total - s.total, p.total - floor.total, p.module - s.module]));
  }
}
if (process.env.INSN_KEEP) console.log(`profiles kept in ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
