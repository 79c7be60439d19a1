// Per-request cost of mod_authnz_oidc, next to a static file and to Debian's
// mod_auth_openidc. Every scenario is measured in the same run, against
// httpd instances with the same binary and the same base configuration, so
// that the ratios hold on a noisy machine even when the absolute numbers do
// not. It reports and never fails on a number; it aborts only when a
// scenario would measure something else than the protected page (an error,
// a redirect). Started by bench/run.sh (see README, "Benchmarks").
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import {
  TOP, MODULE_SO, CLIENT_SECRET, SESSION_KEY, startOP, startStore, oidcConf,
  makeTempDir, rawRequest, Browser, serverRoot, serverPreamble, moduleLines, freePort,
  keepTempDirs,
} from '../test/integration/lib/harness.mjs';
import { cpuSample, cpuSpentUs, processes } from './cpu.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 12);
// Logins per scenario, in ROUNDS turns: a few hundred milliseconds of httpd
// CPU each.
const LOGINS = Number(process.env.BENCH_LOGINS || 300);
const KEEP = process.env.BENCH_KEEP === '1';    // keep the httpd roots (configs, logs)
if (KEEP) keepTempDirs();     // the harness removes them at exit otherwise
const LOGINS_ONLY = process.env.BENCH_ONLY === 'login';   // scenario 5 alone, to iterate on it
const WARMUP_SECONDS = 2;
// The scenarios of one step take turns in this many slices of the duration.
const ROUNDS = Number(process.env.BENCH_ROUNDS || 6);
const SLICE = Math.max(1, Math.round(SECONDS / ROUNDS));   // wrk takes whole seconds
// Live sessions for scenario 6, the smaller then the larger: a redis store
// each, measured in one step.
const FILLS = [1000, 100000];
const OUT = process.env.BENCH_OUT || path.join(TOP, 'bench/out');
const HTTPD = process.env.HTTPD || '/usr/sbin/apache2';
const MODDIR = process.env.HTTPD_MODULEDIR || '/usr/lib/apache2/modules';
const MAO_SO = process.env.MOD_AUTH_OPENIDC_SO || path.join(MODDIR, 'mod_auth_openidc.so');
const PROTECTED = 'PROTECTED-CONTENT';

const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();

// httpd runs alone on the last CPU; wrk, the OP, the stores and this
// script share the others. Unpinned on 2 cores, httpd's threads were
// charged for migrations and for the caches wrk and the OP had just used:
// one page measured 12 % apart on two identical instances of one step, and
// within 2 % pinned. BENCH_PIN=0 measures as before.
const CPUS = os.cpus().length;
const PIN = process.env.BENCH_PIN !== '0' && CPUS >= 2;
const HTTPD_CPUS = String(CPUS - 1);
const OTHER_CPUS = CPUS > 2 ? `0-${CPUS - 2}` : '0';
const pinned = (cmd, args) => (PIN ? ['taskset', ['-c', HTTPD_CPUS, cmd, ...args]] : [cmd, args]);
const log = (...a) => console.error('bench:', ...a);

// ---- httpd -------------------------------------------------------------------

// Not the harness's startHttpd: that one always loads our module and
// protects its test locations with it, and turns KeepAlive off. Here every
// instance shares the harness's preamble and one base configuration, and
// differs only in its auth lines.
async function startServer({ name, port, loads = [], conf = '' }) {
  const { root, htdocs } = serverRoot(`bench-${name}`);
  const text = `${serverPreamble({ root, htdocs, port, logLevel: 'warn',
    modules: [moduleLines('event'), ...loads].join('\n') })}
# A fixed pool (2 processes x 25 threads): no process starts or exits
# during a measurement, so the CPU counters of the instance stay whole.
StartServers 2
ServerLimit 2
ThreadsPerChild 25
MinSpareThreads 25
MaxSpareThreads 50
MaxRequestWorkers 50
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
${conf}
`;
  const confPath = path.join(root, 'httpd.conf');
  fs.writeFileSync(confPath, text);
  const errorLog = () => {
    try { return fs.readFileSync(path.join(root, 'error.log'), 'utf8'); } catch { return ''; }
  };
  try {
    execFileSync(...pinned(HTTPD, ['-d', root, '-f', confPath, '-k', 'start']),
      { stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    throw new Error(`httpd ${name} did not start: ${e.stderr || e.message}\n${errorLog()}`);
  }
  const origin = `http://127.0.0.1:${port}`;
  const until = Date.now() + 10000;
  for (;;) {
    try { await rawRequest(`${origin}/public/`); break; } catch (e) {
      if (Date.now() > until) throw new Error(`httpd ${name} does not answer: ${e.message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const pidFile = path.join(root, 'httpd.pid');
  return {
    name, origin, root, pidFile, errorLog,
    // A signal, as `httpd -k stop` sends, without its reading of the
    // configuration (which fails once the module copy is gone).
    async stop() {
      let pid;
      try { pid = Number(fs.readFileSync(pidFile, 'utf8')); } catch { return; }
      const children = processes().filter((p) => p.ppid === pid).map((p) => p.pid);
      try { process.kill(pid, 'SIGTERM'); } catch { return; }
      const end = Date.now() + 15000;
      while (Date.now() < end) {
        try { process.kill(pid, 0); } catch { return; }
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const p of [pid, ...children]) {
        try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      }
    },
  };
}

// ---- load and checks -----------------------------------------------------------

// Ctrl-C or SIGTERM: the current step stops (wrk with it) and main's
// finally stops the servers.
let interrupted = false;
let running = null;
function checkInterrupt() {
  if (interrupted) throw new Error('interrupted');
}

// Not spawnSync: a signal must be handled while wrk runs.
async function wrk(url, seconds, headers) {
  checkInterrupt();
  const args = ['-t2', '-c16', `-d${seconds}s`, '--timeout', '10s',
    ...headers.flatMap((h) => ['-H', h]), url];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running = child;
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const [code] = await once(child, 'close');
  running = null;
  checkInterrupt();
  if (code !== 0) throw new Error(`wrk failed: ${err || out}`);
  const m = out.match(/(\d+) requests in ([\d.]+)(us|ms|s|m)/);
  const unit = { us: 1e-6, ms: 1e-3, s: 1, m: 60 };
  const errors = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    requests: Number(m[1]),
    seconds: Number(m[2]) * unit[m[3]],
    bad: Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] || 0),
    errors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    out,
  };
}

// The measured request must be the page itself: 200 with its content with
// the cookie, and no 200 without it.
async function checkPage(url, cookie, expect = PROTECTED) {
  const res = await rawRequest(url, { headers: cookie ? { Cookie: cookie } : {} });
  if (res.status !== 200 || !res.body.includes(expect)) {
    throw new Error(`${url} with ${cookie ? 'the session cookie' : 'no cookie'}: `
      + `${res.status}, not the page: a benchmark of that would measure an error`);
  }
  if (!cookie) return;
  const anon = await rawRequest(url);
  if (anon.status === 200) throw new Error(`${url} answers 200 without a session: not protected`);
}

// keepAlive: the browser sends its three requests to httpd (the page, the
// callback, the page again) on one connection, as browsers do; else on a
// connection each.
async function login(server, cookieName, url = `${server.origin}/app/`, expect = PROTECTED,
  { keepAlive = false } = {}) {
  checkInterrupt();
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
  const browser = new Browser({}, { agent });
  let res;
  try { res = await browser.get(url); } finally { if (agent) agent.destroy(); }
  const value = browser.cookies(server.origin).get(cookieName);
  if (res.status !== 200 || !res.body.includes(expect) || !value) {
    throw new Error(`login at ${url} ended with ${res.status} and ${value ? 'a' : 'no'} `
      + `${cookieName} cookie\n${res.body.slice(0, 300)}\n${server.errorLog().slice(-2000)}`);
  }
  return { cookie: `${cookieName}=${value}`, res };
}

const results = [];

// Measures scenarios { id, label, server, url, cookie, expect, store } in
// turn, ROUNDS times each, and sums the counts: a burst of background load
// then falls on all of them alike. `store`: a redis store whose commands per
// request are counted too.
async function measure(scenarios) {
  for (const s of scenarios) {
    s.expect = s.expect || PROTECTED;
    s.headers = s.cookie ? [`Cookie: ${s.cookie}`] : [];
    await checkPage(s.url, s.cookie, s.expect);
    await wrk(s.url, WARMUP_SECONDS, s.headers);
    Object.assign(s, { requests: 0, seconds: 0, cpu: 0, cmds: 0, rounds: [] });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of scenarios) {
      const cmds0 = s.store && redisCommands(s.store);
      const before = cpuSample(s.server.pidFile);
      const w = await wrk(s.url, SLICE, s.headers);
      const spent = cpuSpentUs(before, cpuSample(s.server.pidFile));
      s.cpu += spent;
      s.rounds.push(spent / w.requests);
      if (s.store) s.cmds += redisCommands(s.store) - cmds0 - 1;   // less our own INFO
      if (w.bad || w.errors) {
        throw new Error(`${s.label}: ${w.bad} non-2xx/3xx responses, ${w.errors} socket errors\n${w.out}`);
      }
      s.requests += w.requests;
      s.seconds += w.seconds;
    }
  }
  for (const s of scenarios) {
    await checkPage(s.url, s.cookie, s.expect);   // a session lost mid-run would mean redirects were timed
    const row = {
      id: s.id, label: s.label, kind: 'request', count: s.requests, seconds: s.seconds,
      rate: s.requests / s.seconds, cpuTotalUs: s.cpu, cpuUs: s.cpu / s.requests,
      storeCmds: s.store ? s.cmds / s.requests : null, rounds: s.rounds,
    };
    results.push(row);
    log(`${s.label}: ${row.rate.toFixed(0)} req/s, ${row.cpuUs.toFixed(1)} µs CPU/request`);
  }
}

// Full logins, one after the other, each with a fresh browser: redirect to
// the OP, its (form-less) login, the callback, the first page. Only httpd's
// CPU is counted, not the OP's nor this client's. Scenarios { id, label,
// server, cookieName, keepAlive } take ROUNDS turns, like measure()'s.
async function measureLogins(scenarios) {
  const per = Math.max(1, Math.round(LOGINS / ROUNDS));
  for (const s of scenarios) {
    // Discovery and keys are fetched once, not per login.
    await login(s.server, s.cookieName, undefined, undefined, s);
    Object.assign(s, { count: 0, seconds: 0, cpu: 0 });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of scenarios) {
      const before = cpuSample(s.server.pidFile);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < per; i++) await login(s.server, s.cookieName, undefined, undefined, s);
      s.seconds += Number(process.hrtime.bigint() - t0) / 1e9;
      s.cpu += cpuSpentUs(before, cpuSample(s.server.pidFile));
      s.count += per;
    }
  }
  for (const s of scenarios) {
    const row = {
      id: s.id, label: s.label, kind: 'login', count: s.count, seconds: s.seconds,
      rate: s.count / s.seconds, cpuTotalUs: s.cpu, cpuUs: s.cpu / s.count,
    };
    results.push(row);
    log(`${s.label}: ${row.rate.toFixed(1)} logins/s, ${row.cpuUs.toFixed(0)} µs CPU/login`);
  }
}

// ---- redis -----------------------------------------------------------------------

const redis = (store, ...args) => sh('redis-cli', ['-h', '127.0.0.1', '-p', String(store.port), ...args]);
const redisKeys = (store) => new Set(redis(store, '--scan').split('\n').filter(Boolean));
const redisCommands = (store) => Number(
  redis(store, 'INFO', 'stats').match(/total_commands_processed:(\d+)/)[1]);
const usedMemory = (store) => Number(redis(store, 'INFO', 'memory').match(/used_memory:(\d+)/)[1]);

// Runs `action` and returns the largest record it added to the store, which
// is the session (the others are small: used login states, logout indexes).
async function newRecord(store, action) {
  const before = redisKeys(store);
  const result = await action();
  let best = null;
  for (const key of redisKeys(store)) {
    if (before.has(key)) continue;
    const size = Number(redis(store, 'STRLEN', key));
    if (!best || size > best.size) best = { key, size };
  }
  if (!best) throw new Error(`no new record in ${store.spec}`);
  best.pttl = Number(redis(store, 'PTTL', best.key));
  return { record: best, result };
}

// mod_socache_redis names a record "namespace:" + hex(id).
function keyShape(key) {
  const prefix = key.slice(0, key.lastIndexOf(':') + 1);
  return { prefix, hexLen: key.length - prefix.length };
}

// Adds `count` synthetic sessions shaped like `like` (same key prefix and
// length, same value size and expiry), pipelined over RESP in batches.
async function fillRedis(store, like, count) {
  const { prefix: keyPrefix, hexLen } = keyShape(like.key);
  // Random bytes, as an encrypted record is; slices of one pool are enough
  // since redis neither compresses nor shares values.
  const pool = crypto.randomBytes(like.size + 4096);
  const expiry = like.pttl > 0 ? ['PX', String(like.pttl)] : [];
  const bulk = (b) => Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
  const sock = net.connect(store.port, '127.0.0.1');
  await once(sock, 'connect');
  let replies = 0;
  let refusal = '';
  let wake = null;
  sock.on('data', (d) => {
    const s = d.toString('latin1');
    if (s.includes('-')) refusal = refusal || s;
    replies += s.split('\n').length - 1;   // one line per reply to SET
    if (wake) wake();
  });
  try {
    for (let sent = 0; sent < count;) {
      checkInterrupt();
      const n = Math.min(1000, count - sent);
      const parts = [];
      for (let i = 0; i < n; i++) {
        const key = keyPrefix + crypto.randomBytes(Math.ceil(hexLen / 2)).toString('hex').slice(0, hexLen);
        const off = crypto.randomInt(4096);
        const args = ['SET', key, pool.subarray(off, off + like.size), ...expiry];
        parts.push(Buffer.from(`*${args.length}\r\n`),
          ...args.map((a) => bulk(Buffer.isBuffer(a) ? a : Buffer.from(a))));
      }
      sock.write(Buffer.concat(parts));
      sent += n;
      while (replies < sent) await new Promise((r) => { wake = r; });
      if (refusal) throw new Error(`redis refused a SET: ${refusal.slice(0, 200)}`);
    }
  } finally {
    sock.destroy();
  }
}

// ---- the run ---------------------------------------------------------------------

const cleanups = [];
let runFailed = false;
// All at once, each bounded: a store or OP that a terminal's Ctrl-C has
// already killed never reports its exit to the harness's stop().
async function cleanup() {
  const steps = cleanups.splice(0);
  await Promise.all(steps.map(async (step) => {
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(resolve, 5000); });
    try { await Promise.race([step(), late]); } catch (e) { log(`cleanup: ${e.message}`); }
    clearTimeout(timer);
  }));
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true;
    running?.kill('SIGTERM');
  });
}

function describe() {
  const pkg = (p) => { try { return sh('dpkg-query', ['-W', '-f=${Version}', p]); } catch { return '?'; } };
  let rev = '?';
  try { rev = sh('git', ['-C', TOP, 'describe', '--always', '--dirty']); } catch { /* not a checkout */ }
  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1];
  const sha = crypto.createHash('sha256').update(fs.readFileSync(MODULE_SO)).digest('hex').slice(0, 12);
  return [
    `mod_authnz_oidc ${rev} (${MODULE_SO}, sha256 ${sha})`,
    `mod_auth_openidc ${pkg('libapache2-mod-auth-openidc')}, httpd ${pkg('apache2-bin')} (event MPM), `
      + `wrk -t2 -c16, ${ROUNDS} turns of ${SLICE} s per scenario after ${WARMUP_SECONDS} s of warm-up, `
      + `${LOGINS} logins`,
    `${cpu || 'unknown CPU'}, ${CPUS} cores`
      + (PIN ? `; httpd pinned to CPU ${HTTPD_CPUS}, the rest to CPU ${OTHER_CPUS}` : '; nothing pinned'),
  ];
}

async function main() {
  if (!fs.existsSync(MODULE_SO)) throw new Error(`${MODULE_SO} is missing: build the module first`);
  if (!fs.existsSync(MAO_SO)) {
    throw new Error(`${MAO_SO} is missing: apt-get install libapache2-mod-auth-openidc`);
  }
  fs.mkdirSync(OUT, { recursive: true });
  // This process's threads, and every process it starts but httpd, stay
  // off httpd's CPU.
  if (PIN) sh('taskset', ['-a', '-p', '-c', OTHER_CPUS, String(process.pid)]);
  // A private copy: all instances load the same bytes even if the tree is
  // rebuilt while the benchmark runs.
  const modDir = makeTempDir('bench-module');
  cleanups.push(() => fs.rmSync(modDir, { recursive: true, force: true }));
  const ourSo = path.join(modDir, 'mod_authnz_oidc.so');
  fs.copyFileSync(MODULE_SO, ourSo);

  // The OP learns every redirect URI at start, so all ports come first.
  const names = ['static', 'shmcb', 'shmcb-par', 'memcache', 'redis', 'redis-off', 'redis-many',
    'redis-off-many', 'mao-shm', 'mao-redis'];
  const ports = {};
  for (const n of names) ports[n] = await freePort();
  const callback = (n) => `http://127.0.0.1:${ports[n]}/oidc/callback`;
  const op = await startOP({
    port: await freePort(), redirectUris: names.filter((n) => n !== 'static').map(callback),
  });
  cleanups.push(() => {
    op.stop();
    if (!runFailed && !KEEP) fs.rmSync(op.dir, { recursive: true, force: true });
  });
  const memcache = await startStore('memcache');
  cleanups.push(() => memcache.stop());
  const redisOurs = await startStore('redis');
  cleanups.push(() => redisOurs.stop());
  // Scenario 6's larger fill, beside redisOurs's smaller one: with a store
  // each, the two take turns in one step.
  const redisMany = await startStore('redis');
  cleanups.push(() => redisMany.stop());
  const redisMao = await startStore('redis');   // its own, so memory figures stay apart
  cleanups.push(() => redisMao.stop());

  const servers = {};
  const start = async (name, opts) => {
    servers[name] = await startServer({ name, port: ports[name], ...opts });
    cleanups.push(async () => {
      await servers[name].stop();
      // Kept after a failure: its error log says why.
      if (runFailed || KEEP) log(`${name}: ${servers[name].root}`);
      else fs.rmSync(servers[name].root, { recursive: true, force: true });
    });
  };

  // mod_authnz_oidc. UserInfo on, because mod_auth_openidc always calls the
  // UserInfo endpoint at login when the OP has one: same work at login.
  const ours = (store, extra = '') => {
    const storeLine = store ? `AuthOIDCSessionStore ${store.spec}\n${extra}` : extra;
    const storeLoad = store ? [`LoadModule ${store.module}_module ${MODDIR}/mod_${store.module}.so`] : [];
    return {
      loads: [`LoadModule authnz_oidc_module "${ourSo}"`, ...storeLoad],
      conf: `${oidcConf(op, { extra: `AuthOIDCUserInfo On\n${storeLine}` })}
<Location /app>
    AuthType oidc
    Require valid-user
</Location>
# Every token in the environment, to weigh them against the stored record.
ScriptAlias /tokens/ "\${HTDOCS}/cgi/"
<Location /tokens>
    AuthType oidc
    AuthOIDCScope "openid email profile groups offline_access"
    AuthOIDCAuthParams "prompt=consent"
    AuthOIDCPassAccessToken on
    AuthOIDCPassIDToken on
    AuthOIDCPassRefreshToken on
    Require valid-user
</Location>`,
    };
  };
  // mod_auth_openidc, set to do what ours does by default: PKCE (the test OP
  // requires it), claims in the environment only, REMOTE_USER = sub, the
  // same session timeouts.
  const mao = (name, cache) => ({
    loads: [`LoadModule auth_openidc_module "${MAO_SO}"`],
    conf: `
OIDCProviderMetadataURL ${op.issuer}/.well-known/openid-configuration
OIDCClientID test-rp
OIDCClientSecret ${CLIENT_SECRET}
OIDCRedirectURI ${callback(name)}
OIDCCryptoPassphrase ${SESSION_KEY}
OIDCScope "openid email profile groups"
OIDCPKCEMethod S256
OIDCRemoteUserClaim sub
OIDCPassClaimsAs environment
OIDCSessionInactivityTimeout 3600
OIDCSessionMaxDuration 28800
${cache}
# Its redirect URI is answered only inside AuthType openid-connect.
<Location /oidc/callback>
    AuthType openid-connect
    Require valid-user
</Location>
<Location /app>
    AuthType openid-connect
    Require valid-user
</Location>`,
  });

  await start('static', {});
  await start('shmcb', ours(null));
  // The same with every login pushed first (PAR, RFC 9126).
  await start('shmcb-par', ours(null, 'AuthOIDCPushedAuthorization on'));
  // memcache cannot report changes: read on every request.
  await start('memcache', ours(memcache));
  await start('redis', ours(redisOurs));
  // The same store read on every request, as before each process kept the
  // records it opened: what a store round trip costs.
  await start('redis-off', ours(redisOurs, 'AuthOIDCSessionCache Off'));
  // The same two on the store of the larger fill.
  await start('redis-many', ours(redisMany));
  await start('redis-off-many', ours(redisMany, 'AuthOIDCSessionCache Off'));
  await start('mao-shm', mao('mao-shm', 'OIDCCacheType shm'));
  await start('mao-redis', mao('mao-redis',
    `OIDCCacheType redis\nOIDCRedisCacheServer 127.0.0.1:${redisMao.port}`));

  // A session per instance; on redis, its record is the model for the
  // synthetic ones of scenario 6.
  const OURS = 'oidc_session';
  const MAO = 'mod_auth_openidc_session';
  const sessions = {};
  for (const n of ['shmcb', 'memcache']) sessions[n] = (await login(servers[n], OURS)).cookie;
  sessions['mao-shm'] = (await login(servers['mao-shm'], MAO)).cookie;
  const real = await newRecord(redisOurs, () => login(servers.redis, OURS));
  sessions.redis = real.result.cookie;
  sessions['redis-off'] = sessions.redis;    // one store, one session key
  const realMany = await newRecord(redisMany, () => login(servers['redis-many'], OURS));
  sessions['redis-many'] = realMany.result.cookie;
  sessions['redis-off-many'] = sessions['redis-many'];
  const maoReal = await newRecord(redisMao, () => login(servers['mao-redis'], MAO));
  sessions['mao-redis'] = maoReal.result.cookie;

  const protectedPage = (n, label, store, id = n) => ({
    id, label, server: servers[n], url: `${servers[n].origin}/app/index.html`, cookie: sessions[n], store,
  });

  // 1-4: one request each, load from wrk.
  if (!LOGINS_ONLY) await measure([
    {
      id: 'static', label: 'static file (no auth)', server: servers.static,
      url: `${servers.static.origin}/public/index.html`, expect: 'public page',
    },
    protectedPage('shmcb', 'mod_authnz_oidc (shmcb)'),
    protectedPage('memcache', 'mod_authnz_oidc (memcache)'),
    protectedPage('redis', 'mod_authnz_oidc (redis)', redisOurs),
    protectedPage('redis-off', 'mod_authnz_oidc (redis; cache off)', redisOurs),
    protectedPage('mao-shm', 'mod_auth_openidc (shm)'),
    protectedPage('mao-redis', 'mod_auth_openidc (redis)', redisMao),
  ]);

  // 5: full logins, as a browser makes them (its connection to httpd kept
  // alive), then with a connection per request.
  await measureLogins([
    { id: 'login', label: 'login: mod_authnz_oidc (shmcb)', server: servers.shmcb,
      cookieName: OURS, keepAlive: true },
    { id: 'mao-login', label: 'login: mod_auth_openidc (shm)', server: servers['mao-shm'],
      cookieName: MAO, keepAlive: true },
    { id: 'login-close', label: 'login: mod_authnz_oidc (shmcb) no keep-alive',
      server: servers.shmcb, cookieName: OURS },
    { id: 'mao-login-close', label: 'login: mod_auth_openidc (shm) no keep-alive',
      server: servers['mao-shm'], cookieName: MAO },
    { id: 'login-par', label: 'login: mod_authnz_oidc (shmcb), pushed (PAR)',
      server: servers['shmcb-par'], cookieName: OURS, keepAlive: true },
  ]);
  if (LOGINS_ONLY) {
    for (const r of results) console.log(`${r.label}: ${r.cpuUs.toFixed(0)} µs/login`);
    console.log(`login ratio ${(results[0].cpuUs / results[1].cpuUs).toFixed(2)}, `
      + `per request ${(results[2].cpuUs / results[3].cpuUs).toFixed(2)}, `
      + `PAR ÷ not ${(results[4].cpuUs / results[0].cpuUs).toFixed(2)}`);
    return;
  }

  // Memory: one real record against the tokens and claims it holds.
  const tokens = await newRecord(redisOurs,
    () => login(servers.redis, OURS, `${servers.redis.origin}/tokens/env.cgi`, '"REMOTE_USER"'));
  const env = tokens.result.res.json();
  const len = (s) => Buffer.byteLength(s || '');
  const claims = Object.entries(env).filter(([k]) => k.startsWith('OIDC_CLAIM_'))
    .reduce((sum, [k, v]) => sum + len(k.slice('OIDC_CLAIM_'.length)) + len(v), 0);
  const shape = keyShape(real.record.key);
  const memory = [
    ['record_bytes', real.record.size, 'STRLEN of a mod_authnz_oidc session record '
      + `(scope openid email profile groups; key ${shape.prefix}<${shape.hexLen} hex>)`],
    ['record_with_refresh_bytes', tokens.record.size, 'the same with offline_access (a refresh token)'],
    ['access_token_bytes', len(env.OIDC_ACCESS_TOKEN), 'in that record'],
    ['id_token_bytes', len(env.OIDC_ID_TOKEN), 'in that record'],
    ['refresh_token_bytes', len(env.OIDC_REFRESH_TOKEN), 'in that record'],
    ['claims_bytes', claims, 'names and values of the OIDC_CLAIM_* variables'],
    ['mao_record_bytes', maoReal.record.size, "mod_auth_openidc's largest new redis value after a login "
      + `(key ${maoReal.record.key.replace(/:.*/, ':...')})`],
  ];

  // 6: the redis-backed request with FILLS[0] and FILLS[1] live sessions
  // beside it, in one step: the difference in question is a few percent, as
  // large as the drift between two steps minutes apart on this machine.
  const fills = [
    { total: FILLS[0], store: redisOurs, like: real.record, on: 'redis', off: 'redis-off' },
    { total: FILLS[1], store: redisMany, like: realMany.record, on: 'redis-many', off: 'redis-off-many' },
  ];
  for (const f of fills) {
    f.k = `${f.total / 1000}k`;
    const mem0 = usedMemory(f.store);
    await fillRedis(f.store, f.like, f.total);
    memory.push([`redis_bytes_per_session_${f.k}`, Math.round((usedMemory(f.store) - mem0) / f.total),
      `INFO used_memory delta / sessions added, filling to ${f.total} (DBSIZE ${redis(f.store, 'DBSIZE')})`]);
  }
  // Kept records make the store's size irrelevant to the first; the
  // second reads redis on every request.
  await measure([
    ...fills.map((f) => protectedPage(f.on, `mod_authnz_oidc (redis) + ${f.k} sessions`, f.store,
      `redis-${f.k}`)),
    ...fills.map((f) => protectedPage(f.off, `mod_authnz_oidc (redis; cache off) + ${f.k} sessions`,
      f.store, `redis-off-${f.k}`)),
  ]);

  for (const s of Object.values(servers)) {
    const errors = s.errorLog().split('\n').filter((l) => /:(error|crit|alert|emerg)\]/.test(l));
    if (errors.length) log(`${s.name}: ${errors.length} error lines, e.g.\n  ${errors[0]}`);
  }
  report(memory);
}

function report(memory) {
  const staticUs = results.find((r) => r.id === 'static').cpuUs;
  const byId = Object.fromEntries(results.map((r) => [r.id, r]));
  const lines = [...describe(), ''];
  const head = ['scenario', 'req/s', 'CPU µs/request', 'ratio to static'];
  const rows = results.map((r) => [
    r.label, r.kind === 'login' ? `${r.rate.toFixed(1)} logins/s` : r.rate.toFixed(0),
    r.cpuUs.toFixed(r.cpuUs < 1000 ? 1 : 0) + (r.kind === 'login' ? ' per login' : ''),
    (r.cpuUs / staticUs).toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  lines.push(fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt), '');

  const ratio = (a, b) => `CPU ${(byId[a].cpuUs / byId[b].cpuUs).toFixed(2)}, `
    + `throughput ${(byId[a].rate / byId[b].rate).toFixed(2)}`;
  // Each round's ratio, from the slices measured one after the other: how
  // far a single figure can be trusted on this box.
  const spread = (a, b) => {
    const r = byId[a].rounds.map((us, i) => us / byId[b].rounds[i]).sort((x, y) => x - y);
    return `rounds ${r[0].toFixed(3)}–${r[r.length - 1].toFixed(3)}, `
      + `median ${r[Math.floor(r.length / 2)].toFixed(3)}`;
  };
  lines.push('protected ÷ static:');
  for (const id of ['shmcb', 'memcache', 'redis', 'redis-off', 'mao-shm',
    'mao-redis']) {
    lines.push(`  ${byId[id].label.padEnd(40)} ${ratio(id, 'static')} (CPU ${spread(id, 'static')})`);
  }
  lines.push('mod_authnz_oidc ÷ mod_auth_openidc:');
  lines.push(`  shm (shmcb vs shm)           ${ratio('shmcb', 'mao-shm')}`);
  lines.push(`  redis                        ${ratio('redis', 'mao-redis')}`);
  lines.push(`  redis, cache off             ${ratio('redis-off', 'mao-redis')}`);
  lines.push(`  login                        ${ratio('login', 'mao-login')}`);
  lines.push(`  login, no keep-alive         ${ratio('login-close', 'mao-login-close')}`);
  lines.push('mod_authnz_oidc login, pushed (PAR) ÷ not:');
  lines.push(`  login                        ${ratio('login-par', 'login')}`);
  // What each module adds to the floor, side by side: a figure that does not
  // depend on how light the floor is on this machine.
  const extra = (a, b) => ((byId[a].cpuUs - staticUs) / (byId[b].cpuUs - staticUs)).toFixed(2);
  lines.push('CPU added to the static floor, mod_authnz_oidc ÷ mod_auth_openidc:');
  lines.push(`  shm (shmcb vs shm)           ${extra('shmcb', 'mao-shm')}`);
  lines.push(`  redis                        ${extra('redis', 'mao-redis')}`);
  // Scenario 6: the fills took turns in one step, so their ratio holds
  // where the same figures from two steps would not.
  const [few, many] = FILLS.map((n) => `${n / 1000}k`);
  lines.push(`${many} ÷ ${few} sessions (same step):`);
  lines.push(`  redis                        ${ratio(`redis-${many}`, `redis-${few}`)}`);
  lines.push(`  redis, cache off             ${ratio(`redis-off-${many}`, `redis-off-${few}`)}`);
  lines.push('redis commands per request:');
  const counted = results.filter((x) => x.storeCmds != null);
  const labelWidth = Math.max(...counted.map((r) => r.label.length));
  for (const r of counted) lines.push(`  ${r.label.padEnd(labelWidth)} ${r.storeCmds.toFixed(2)}`);
  lines.push('', 'memory:');
  for (const [name, value, what] of memory) {
    lines.push(`  ${name.padEnd(30)} ${String(value).padStart(7)}  ${what}`);
  }
  console.log(lines.join('\n'));

  // chart.gp splits on every comma: a label must not hold one.
  if (results.some((r) => r.label.includes(','))) throw new Error('a scenario label holds a comma');
  const csv = ['id,scenario,kind,count,seconds,per_second,cpu_total_us,cpu_us,cpu_ratio_to_static,'
    + 'redis_cmds_per_request',
    ...results.map((r) => [r.id, r.label, r.kind, r.count, r.seconds.toFixed(2), r.rate.toFixed(2),
      r.cpuTotalUs.toFixed(0), r.cpuUs.toFixed(2), (r.cpuUs / staticUs).toFixed(3),
      r.storeCmds == null ? '' : r.storeCmds.toFixed(3)].join(','))];
  fs.writeFileSync(path.join(OUT, 'results.csv'), `${csv.join('\n')}\n`);
  const perRound = results.filter((r) => r.rounds);
  fs.writeFileSync(path.join(OUT, 'rounds.csv'), `id,round,cpu_us\n${perRound.flatMap((r) =>
    r.rounds.map((us, i) => `${r.id},${i + 1},${us.toFixed(2)}`)).join('\n')}\n`);
  fs.writeFileSync(path.join(OUT, 'memory.csv'),
    `metric,value,meaning\n${memory.map(([n, v, w]) => `${n},${v},"${w.replace(/"/g, "'")}"`).join('\n')}\n`);
  fs.writeFileSync(path.join(OUT, 'results.txt'), `${lines.join('\n')}\n`);
}

try {
  await main();
} catch (e) {
  if (interrupted) {
    log('interrupted');
    process.exitCode = 130;
  } else {
    runFailed = true;
    keepTempDirs();             // kept after a failure: the error logs say why
    log(e.stack || e.message);
    process.exitCode = 1;
  }
} finally {
  await cleanup();
}
