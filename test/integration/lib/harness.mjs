// Integration-test harness: a real OP (oidc-provider), real httpd instances
// loading the freshly built module, and a browser-like client with a cookie
// jar. Everything listens on 127.0.0.1 only.
//
// Nothing outlives the test file's process: the temporary directories of
// makeTempDir() (/tmp/authnz-oidc-*: server roots, OP and store
// directories, which hold the test secrets and keys) are removed when the
// process exits, and every httpd, OP, memcached and redis-server it started
// and did not stop is ended then, whether its tests passed or not, and on
// SIGINT or SIGTERM. When the process exits with a failure, the last lines
// of each httpd's error log are printed (to stderr, which the test runner
// reports) before the directories go. KEEP_TEST_DIRS=1 keeps the
// directories and prints where they are; keepTempDirs() does the same from
// code (the benchmarks keep theirs after a failure).
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TOP = process.env.TOP_SRCDIR || path.resolve(here, '../../..');
export const MODULE_SO = process.env.MODULE_SO || path.join(TOP, '.libs/mod_authnz_oidc.so');
// How startHttpd loads the module: a LoadModule line for MODULE_SO, or, with
// MODULE_INCLUDE (files separated by spaces), Include lines for those files,
// such as the .load and .conf that a2enmod enabled from the Debian package.
const MODULE_LOAD = process.env.MODULE_INCLUDE
  ? process.env.MODULE_INCLUDE.split(/\s+/).filter(Boolean).map((f) => `Include "${f}"`).join('\n')
  : `LoadModule authnz_oidc_module "${MODULE_SO}"`;
const HTTPD = process.env.HTTPD || '/usr/sbin/apache2';
const MODDIR = process.env.HTTPD_MODULEDIR || '/usr/lib/apache2/modules';
// run.sh names where the OP's npm packages are (TEST_OP_DIR): test/op, or
// a copy in the build tree when the source tree is read-only.
const OP_SCRIPT = path.join(process.env.TEST_OP_DIR || path.join(TOP, 'test/op'), 'op.mjs');
const HTDOCS_SRC = path.join(TOP, 'test/integration/htdocs');

export const CLIENT_SECRET = 'test-secret-0123456789abcdef';
export const SESSION_KEY = 'integration-session-key-0123456789abcdef-XYZ';

// A free port below the kernel's ephemeral range: a port-0 bind hands out
// ports that any outgoing connection (to the OP, redis, memcached) may take
// before httpd binds it, which made "Address already in use" flakes. Below
// the range, only another listener can, and a port this process handed out
// is not handed out again.
const handedOut = new Set();
export async function freePort() {
  const range = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  const low = Number(range.split(/\s+/)[0]) || 32768;
  for (;;) {
    const port = 10000 + Math.floor(Math.random() * Math.max(1000, low - 10000));
    if (handedOut.has(port)) continue;
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}

export async function waitForPort(port, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
}

const tempDirs = new Set();
let keepDirs = process.env.KEEP_TEST_DIRS === '1';
export function keepTempDirs() { keepDirs = true; }

export function makeTempDir(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `authnz-oidc-${name}-`));
  fs.chmodSync(dir, 0o755);
  tempDirs.add(dir);
  return dir;
}

// Child processes (the OP, memcached, redis-server, glewlwyd) not yet
// stopped. They do not keep this process alive (unref; stopChild waits for
// one): a test file whose after() hook failed before stopping them still
// ends, and they with it.
const children = new Set();
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.unref();
  return child;
}
// Ends a child; resolves once it has exited (it is waited for: ref).
export function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.ref();
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  return gone;
}

// ---- TLS -------------------------------------------------------------------------

// A throwaway certificate authority and one server certificate it signed,
// for 127.0.0.1 and localhost, made once per test process with openssl:
// httpd (mod_ssl), the OPs and the browser use them; the module trusts the
// CA through AuthOIDCCABundle, as an admin with a private CA does.
let testCA = null;
export function tls() {
  if (testCA) return testCA;
  const dir = makeTempDir('tls');
  const f = (n) => path.join(dir, n);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=authnz-oidc test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(f('server.ext'), 'basicConstraints=CA:FALSE\n'
    + 'subjectAltName=IP:127.0.0.1,DNS:localhost\n'
    + 'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-days', '2', '-out', f('server.pem'), '-extfile', f('server.ext'));
  // glewlwyd and httpd's children read the key as another user.
  for (const n of ['server.key', 'server.pem', 'ca.pem']) fs.chmodSync(f(n), 0o644);
  testCA = {
    dir, caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key'),
    ca: fs.readFileSync(f('ca.pem')),
  };
  return testCA;
}

// GET a JSON document over http or https (the test CA trusted).
export function getJson(url, { method = 'GET', body } = {}) {
  return rawRequest(url, { method, body }).then((r) => {
    if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${r.body}`);
    return r.json();
  });
}

// ---- the OpenID Provider ---------------------------------------------------

// The users of the OP's login form (startOP's loginForm) and their passwords.
export const TEST_USERS = { alice: 'alice-password', bob: 'bob-password' };

// The OP; `tls`: over https with the test CA's certificate; `loginForm`: a
// login form that asks for a password instead of signing in as the
// login_hint (or alice) at once; `par`: pushed authorization requests
// (RFC 9126) 'required' or 'off' (by default offered).
export async function startOP({
  redirectUris, accessTokenTTL, extraClients = [], port, rpClient = {},
  tls: secure = false, loginForm = false, par,
} = {}) {
  const fixedPort = Boolean(port);
  port = port || await freePort();
  const dir = makeTempDir('op');
  const origins = [...new Set(redirectUris.map((u) => new URL(u).origin))];
  const base = {
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    post_logout_redirect_uris: origins.flatMap((o) => [`${o}/`, `${o}/public/`, `${o}/bye`]),
  };
  const clients = [
    { ...base, client_id: 'test-rp', client_secret: CLIENT_SECRET, redirect_uris: redirectUris,
      token_endpoint_auth_method: 'client_secret_basic', ...rpClient },
    { ...base, client_id: 'test-rp-post', client_secret: CLIENT_SECRET, redirect_uris: redirectUris,
      token_endpoint_auth_method: 'client_secret_post' },
    { ...base, client_id: 'test-public', redirect_uris: redirectUris,
      token_endpoint_auth_method: 'none' },
    ...extraClients,
  ];
  const conf = path.join(dir, 'op.json');
  const log = fs.openSync(path.join(dir, 'op.log'), 'a');
  // Once in a long while the OP process stalls before it listens. A child
  // left running would keep the test runner alive forever, so it is killed
  // and started again.
  let child;
  for (let attempt = 1; ; attempt++) {
    fs.writeFileSync(conf, JSON.stringify({
      port, clients, accessTokenTTL, loginForm, par, passwords: TEST_USERS,
      ...(secure ? { tls: { key: tls().keyFile, cert: tls().certFile } } : {}),
    }));
    child = track(spawn(process.execPath, [OP_SCRIPT, conf], {
      stdio: ['ignore', log, log], env: { ...process.env, NODE_NO_WARNINGS: '1' },
    }));
    try {
      await waitForPort(port);
      break;
    } catch (e) {
      await stopChild(child, 'SIGKILL');
      if (attempt === 3) throw e;
      if (!fixedPort) port = await freePort();
    }
  }
  fs.closeSync(log);
  const issuer = `${secure ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    issuer, port, dir,
    get pid() { return child.pid; },
    stats() { return getJson(`${issuer}/__test/stats`); },
    // A JWS signed with the OP's own key, header and payload as given.
    async sign(payload, header = {}) {
      const r = await rawRequest(`${issuer}/__test/sign`, { method: 'POST', body: JSON.stringify({ header, payload }) });
      return r.body;
    },
    // Resolves once the OP has exited (callers need not wait).
    stop() { return stopChild(child); },
  };
}

// ---- sanitizers --------------------------------------------------------------
// A module built with --enable-sanitizers links libasan. Debian's httpd does
// not, and ASan's runtime must be the first library of a process, so httpd
// is started with it preloaded (the environment reaches the children, not
// the CGI scripts). ASan reports go to files in the server root; UBSan ones
// to stderr, the error log (beside ASan, gcc's UBSan ignores log_path).
// When the test file's process ends, it prints what it finds there and
// exits non-zero, which the test runner counts as a failed test. (Failing in
// stop() instead would skip the rest of an after() hook, and an OP left
// running there keeps the runner waiting forever.) Either sanitizer aborts
// the process at its first report (-fno-sanitize-recover for UBSan).
//
// Leak detection is off in httpd: Debian's APR takes pool memory with mmap,
// which LeakSanitizer does not scan, so every object that httpd or the
// module keeps through a pool (curl handles, jansson, cjose and OpenSSL
// objects) would be reported when a child exits. Leaks are looked for in
// the unit tests instead (LeakSanitizer there, and valgrind).
function asanRuntime() {
  try {
    const ldd = execFileSync('ldd', [MODULE_SO], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = ldd.match(/^\s*libasan\.so\S*\s+=>\s+(\/\S+)/m);
    return m ? m[1] : null;
  } catch { return null; }
}
export const ASAN_RUNTIME = asanRuntime();
const sanitizedRoots = [];
if (ASAN_RUNTIME) {
  process.on('exit', () => {
    const reports = sanitizedRoots.map(sanitizerReports).filter((r) => r).join('\n');
    if (reports) {
      process.stderr.write(`sanitizer reports:\n${reports}\n`);
      process.exitCode = 1;
    }
  });
}

// The environment for an httpd whose server root is `root`.
function httpdEnv(root) {
  if (!ASAN_RUNTIME) return process.env;
  sanitizedRoots.push(root);
  const dir = path.join(root, 'sanitizer');
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o777);     // children may run as www-data
  return {
    ...process.env,
    LD_PRELOAD: ASAN_RUNTIME,
    ASAN_OPTIONS: `log_path=${dir}/asan:detect_leaks=0:halt_on_error=1`,
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  };
}

// What the sanitizers reported for the httpd of `root`, '' when nothing.
export function sanitizerReports(root) {
  const dir = path.join(root, 'sanitizer');
  let names = [];
  try { names = fs.readdirSync(dir).sort(); } catch { /* none */ }
  const files = names.map((n) => [n, fs.readFileSync(path.join(dir, n), 'utf8')])
    .filter(([, text]) => text.trim() !== '')
    .map(([n, text]) => `---- ${path.join(dir, n)}\n${text}`);
  // In the error log: each report line and the stack lines after it.
  const blocks = [];
  let block = null;
  for (const line of readLog(root).split('\n')) {
    if (/runtime error:|[A-Za-z]+Sanitizer/.test(line)) {
      block = [line];
      blocks.push(block);
    } else if (block && /^\s+#\d+ /.test(line)) {
      block.push(line);
    } else {
      block = null;
    }
  }
  if (blocks.length) {
    files.push(`---- ${path.join(root, 'error.log')}\n${blocks.map((b) => b.join('\n')).join('\n')}`);
  }
  return files.join('\n');
}

// ---- httpd -------------------------------------------------------------------

export function moduleLines(mpm, extraModules = []) {
  const mods = [
    `mpm_${mpm}`, 'authz_core', 'authz_user', 'authn_core', 'mime', 'dir',
    'alias', mpm === 'prefork' ? 'cgi' : 'cgid', 'socache_shmcb', 'env',
    ...extraModules,
  ];
  return mods.map((m) => `LoadModule ${m}_module ${MODDIR}/mod_${m}.so`).join('\n');
}

// A fresh server root: the test documents, a runtime directory, and the
// client secret and session key files that oidcConf names.
export function serverRoot(name) {
  const root = makeTempDir(name);
  const htdocs = path.join(root, 'htdocs');
  fs.cpSync(HTDOCS_SRC, htdocs, { recursive: true });
  fs.mkdirSync(path.join(root, 'run'));
  fs.writeFileSync(path.join(root, 'client.secret'), `${CLIENT_SECRET}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(root, 'session.key'), `${SESSION_KEY}\n`, { mode: 0o600 });
  return { root, htdocs };
}

// What every httpd configuration of the tests and benchmarks starts with:
// where it lives and listens, its modules, and the documents it serves.
export function serverPreamble({ root, htdocs, port, logLevel, modules }) {
  const asRoot = process.getuid && process.getuid() === 0;
  return `
Define HTDOCS "${htdocs}"
ServerRoot "${root}"
Listen 127.0.0.1:${port}
ServerName 127.0.0.1:${port}
PidFile "${root}/httpd.pid"
DefaultRuntimeDir "${root}/run"
ErrorLog "${root}/error.log"
LogLevel ${logLevel}
${modules}
${asRoot ? 'User www-data\nGroup www-data' : ''}
TypesConfig /etc/mime.types
${ASAN_RUNTIME ? `# Children stay readable to themselves after setuid, so that UBSan,
# which starts in a child at its first report, finds UBSAN_OPTIONS.
CoreDumpDirectory "${root}/run"` : ''}
DocumentRoot "${htdocs}"
DirectoryIndex index.html
<IfModule cgid_module>
    ScriptSock "${root}/run/cgid.sock"
</IfModule>
<Directory "${htdocs}">
    Require all granted
</Directory>`;
}

// Starts an httpd. `oidc` is the server-level AuthOIDC* configuration;
// `locations` what each test protects. Returns its origin and controls.
// Every httpd started and not stopped: a test file that fails before its
// after() hook stops them must not leave them running (their threads poll
// the stores, and later benchmarks would pay for it); see cleanUp() below.
const running = new Set();
const httpdRoots = [];

// `tls`: https (mod_ssl) with the test CA's server certificate.
export async function startHttpd({
  name = 'httpd', port, mpm = 'event', oidc, locations = '', extraModules = [],
  extraConf = '', logLevel = 'authnz_oidc:debug', tls: secure = false,
} = {}) {
  port = port || await freePort();
  const { root, htdocs } = serverRoot(name);
  const modules = secure ? [...extraModules, 'ssl'] : extraModules;
  const conf = `${serverPreamble({ root, htdocs, port, logLevel: `warn ${logLevel}`,
    modules: `${moduleLines(mpm, modules)}\n${MODULE_LOAD}` })}
${secure ? `SSLEngine on
SSLCertificateFile "${tls().certFile}"
SSLCertificateKeyFile "${tls().keyFile}"` : ''}
<IfModule mpm_prefork_module>
    StartServers 4
    MinSpareServers 4
    MaxSpareServers 8
    MaxRequestWorkers 16
    MaxConnectionsPerChild 3
</IfModule>
<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 4
    ThreadsPerChild 16
    MinSpareThreads 8
    MaxSpareThreads 48
    MaxRequestWorkers 64
</IfModule>
KeepAlive Off
ScriptAlias /app/cgi/ "${htdocs}/cgi/"
ScriptAlias /public-cgi/ "${htdocs}/cgi/"
ScriptAlias /admin-cgi/ "${htdocs}/cgi/"

${oidc}

<Location /app>
    AuthType oidc
    Require valid-user
</Location>
<Location /app/admin>
    Require oidc-claim groups admins
</Location>
<Location /admin-cgi>
    AuthType oidc
    Require oidc-claim groups admins
</Location>
<Location /roles>
    AuthType oidc
    Require oidc-claim realm_access.roles app-admin
</Location>
<Location /bob>
    AuthType oidc
    AuthOIDCAuthParams "login_hint=bob"
    Require valid-user
</Location>
${locations}
${extraConf}
`;
  const confPath = path.join(root, 'httpd.conf');
  fs.writeFileSync(confPath, conf);
  const env = httpdEnv(root);
  const run = (args) => execFileSync(HTTPD, ['-d', root, '-f', confPath, ...args],
    { stdio: 'pipe', encoding: 'utf8', env });
  try {
    run(['-k', 'start']);
  } catch (e) {
    throw new Error(`httpd did not start: ${e.stderr || e.message}\n${readLog(root)}`
      + `\n${sanitizerReports(root)}`);
  }
  running.add(root);
  httpdRoots.push(root);
  await waitForPort(port);
  // Listening comes before the pid file: until that is written, nothing
  // could stop this httpd.
  for (const until = Date.now() + 10000; !httpdPid(root) && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const origin = `${secure ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin, port, root, confPath,
    errorLog: () => readLog(root),
    configtest: () => run(['-t']),
    async stop() {
      running.delete(root);
      const pidFile = path.join(root, 'httpd.pid');
      let pid;
      try { pid = Number(fs.readFileSync(pidFile, 'utf8')); } catch { return; }
      try { run(['-k', 'stop']); } catch { /* already gone */ }
      const until = Date.now() + 10000;
      while (Date.now() < until) {
        try { process.kill(pid, 0); } catch { killGroup(pid); return; }
        await new Promise((r) => setTimeout(r, 50));
      }
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      killGroup(pid);
    },
  };
}

// httpd's parent runs setsid: its process group is its pid. A parent that
// ended early (a stop right after the start) may leave a child in it, the
// cgid daemon or a worker: those go too.
function killGroup(pid) {
  try { process.kill(-pid, 'SIGKILL'); } catch { /* nothing left */ }
}

function readLog(root) {
  try { return fs.readFileSync(path.join(root, 'error.log'), 'utf8'); } catch { return ''; }
}

// A standard server-level configuration for the test OP (over https, the
// test CA trusted).
export function oidcConf(op, { clientId = 'test-rp', extra = '' } = {}) {
  return `
AuthOIDCProvider ${op.issuer}
${op.issuer.startsWith('https:') ? `AuthOIDCCABundle "${tls().caFile}"` : ''}
AuthOIDCClientID ${clientId}
AuthOIDCClientSecret file:client.secret
AuthOIDCRedirectURI /oidc/callback
AuthOIDCScope "openid email profile groups"
AuthOIDCSessionKey file:session.key
${extra}
`;
}

// /offline/: the CGI scripts behind a login that asks for a refresh token
// (oidc-provider issues one for offline_access only with prompt=consent),
// with the access and refresh tokens passed to the script.
export const OFFLINE_LOCATION = `
ScriptAlias /offline/ "\${HTDOCS}/cgi/"
<Location /offline>
    AuthType oidc
    AuthOIDCScope "openid offline_access"
    AuthOIDCAuthParams "prompt=consent"
    AuthOIDCPassAccessToken on
    AuthOIDCPassRefreshToken on
    Require valid-user
</Location>`;

// Writes a configuration for `httpd -t` or `-L` (no port is opened);
// returns its server root and file. Options as for configtest.
function checkConf(conf, { without = [], extra = [], oidcFirst = false } = {}) {
  const root = makeTempDir('configtest');
  const confPath = path.join(root, 'httpd.conf');
  const others = moduleLines('event', extra).split('\n')
    .filter((l) => !without.some((m) => l.startsWith(`LoadModule ${m}_module `)));
  const oidc = `LoadModule authnz_oidc_module "${MODULE_SO}"`;
  const modules = oidcFirst ? [oidc, ...others] : [...others, oidc];
  fs.writeFileSync(confPath, `ServerRoot "${root}"\nListen 127.0.0.1:1\nServerName localhost\n`
    + `ErrorLog "${root}/error.log"\nPidFile "${root}/httpd.pid"\n${modules.join('\n')}\n`
    + `${conf}\n`);
  return { root, confPath };
}

// Runs httpd -t on a configuration; returns { ok, output }. `without`:
// modules of moduleLines not to load; `extra`: more to load; `oidcFirst`:
// load the module before the others (Debian's a2enmod loads it after
// mod_authn_core).
export function configtest(conf, options) {
  const { root, confPath } = checkConf(conf, options);
  const r = spawnSync(HTTPD, ['-d', root, '-f', confPath, '-t'],
    { encoding: 'utf8', env: httpdEnv(root) });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

// The module's directive table as httpd itself lists it (httpd -L):
// [{ name, help, context }], context being httpd's "Allowed in ..." line.
export function directiveTable() {
  const { root, confPath } = checkConf('');
  const out = execFileSync(HTTPD, ['-d', root, '-f', confPath, '-L'],
    { encoding: 'utf8', env: httpdEnv(root) });
  const table = [];
  const lines = out.split('\n');
  lines.forEach((line, i) => {
    const m = /^(\S+) \(mod_authnz_oidc\.c\)$/.exec(line);
    if (m) table.push({ name: m[1], help: lines[i + 1].trim(), context: lines[i + 2].trim() });
  });
  return table;
}

// ---- HTTP ------------------------------------------------------------------------

// One HTTP/1.1 request (https with the test CA trusted); headers given as an object (or an array of
// [name, value] pairs, to send a name twice).
export function rawRequest(url, { method = 'GET', headers = {}, body, agent = false } = {}) {
  const u = new URL(url);
  if (Array.isArray(headers)) {
    headers = [['Host', u.host], ...headers];
  } else if (body !== undefined) {
    headers = { 'Content-Length': Buffer.byteLength(body), ...headers };
  }
  return new Promise((resolve, reject) => {
    const secure = u.protocol === 'https:';
    const req = (secure ? https : http).request({
      host: u.hostname, port: u.port, method, path: u.pathname + u.search,
      headers: Array.isArray(headers) ? headers.flat() : headers, agent,
      ...(secure ? { ca: tls().ca } : {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const sc = res.headers['set-cookie'] || [];
        resolve({
          status: res.statusCode, url, body: text, setCookies: sc,
          headers: { get: (n) => { const v = res.headers[n.toLowerCase()]; return Array.isArray(v) ? v.join(', ') : (v ?? null); } },
          json() { return JSON.parse(text); },
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// ---- a browser ---------------------------------------------------------------

export class Browser {
  // agent: an http.Agent to keep connections alive between requests, as a
  // browser does; by default every request has a connection of its own.
  constructor(headers = {}, { agent = false } = {}) {
    this.jar = new Map();          // "host:port" -> Map(name -> value)
    this.agent = agent;
    // What a browser sends for a top-level navigation.
    this.headers = { Accept: 'text/html,application/xhtml+xml', 'Sec-Fetch-Mode': 'navigate', ...headers };
  }

  cookies(url) {
    const u = new URL(url);
    if (!this.jar.has(u.host)) this.jar.set(u.host, new Map());
    return this.jar.get(u.host);
  }

  cookieHeader(url) {
    return [...this.cookies(url)].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  keep(url, setCookies) {
    const jar = this.cookies(url);
    for (const sc of setCookies) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) jar.delete(name); else jar.set(name, value);
    }
  }

  // One request, no redirect following (node:http, so that no header is
  // added or rewritten behind the test's back).
  async fetch(url, { method = 'GET', headers = {}, body } = {}) {
    const cookie = this.cookieHeader(url);
    const res = await rawRequest(url, {
      method, body, agent: this.agent,
      headers: { ...this.headers, ...(cookie ? { Cookie: cookie } : {}), ...headers },
    });
    this.keep(url, res.setCookies);
    return res;
  }

  // Follows redirects like a browser; returns the last response and the chain.
  async get(url, { headers = {}, max = 15 } = {}) {
    const chain = [];
    let current = url;
    for (let i = 0; i < max; i++) {
      const res = await this.fetch(current, { headers });
      chain.push(res);
      const loc = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && loc) {
        current = new URL(loc, current).toString();
        continue;
      }
      res.chain = chain;
      return res;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

// Expect a log file to contain no unexpected errors: every [error]/[crit]
// line must match one of the allowed patterns.
export function unexpectedErrors(log, allowed = []) {
  return log.split('\n').filter((l) => /:(error|crit|alert|emerg)\]/.test(l))
    .filter((l) => !allowed.some((re) => re.test(l)));
}

// ---- session stores: real memcached and redis-server from Debian -------------

// Starts memcached or redis on a free port; stop() and start() again keep the
// port, to test an outage and the recovery after it.
export async function startStore(kind, { args = [] } = {}) {
  const port = await freePort();
  const dir = makeTempDir(kind);
  let child = null;
  const cmd = kind === 'memcache'
    ? ['memcached', ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64',
      ...(process.getuid && process.getuid() === 0 ? ['-u', 'nobody'] : [])]]
    : ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--dir', dir, ...args]];
  const store = {
    kind, port, dir, spec: `${kind}:127.0.0.1:${port}`, module: `socache_${kind}`,
    get pid() { return child?.pid; },
    async start() {
      child = track(spawn(cmd[0], cmd[1], { stdio: 'ignore' }));
      await waitForPort(port);
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = null;
      await stopChild(c);
    },
  };
  await store.start();
  return store;
}

// Signs in on node with a fresh browser; returns the session id, for any
// node sharing its store to use.
export async function signIn(node) {
  const browser = new Browser();
  const res = await browser.get(`${node.origin}/app/`);
  if (res.status !== 200) throw new Error(`sign-in ended with ${res.status} !== 200`);
  return browser.cookies(node.origin).get('oidc_session');
}

// One request for /app/ with session id.
export const visit = (node, id) => rawRequest(`${node.origin}/app/`, {
  headers: { Accept: 'text/html', Cookie: `oidc_session=${id}` },
});

// n concurrent visits, to reach many processes and threads at once: the set
// of their statuses. Only a 200 may carry the protected page.
export async function burst(node, id, n = 24) {
  const all = await Promise.all(Array.from({ length: n }, () => visit(node, id)));
  for (const res of all) {
    if (res.status === 200) assert.match(res.body, /PROTECTED-CONTENT/);
    else assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
  }
  return new Set(all.map((r) => r.status));
}

// ---- cleaning up -------------------------------------------------------------

// At exit (registered last, so after the sanitizer check above has read the
// server roots): ends what is still running, then removes the directories.
// Exit listeners cannot await: httpd is waited for with a blocking sleep.
// Its parent, until it has set up its signal handlers, may not act on a
// SIGTERM, so that is sent again until it ends (it ends its children),
// for at most 5 s; then what is left of its process group is killed.
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
function httpdPid(root) {
  try { return Number(fs.readFileSync(path.join(root, 'httpd.pid'), 'utf8')) || 0; } catch { return 0; }
}
function endHttpd(root) {
  let pid = httpdPid(root);
  for (let waited = 0; !pid && waited < 5000; waited += 50) {
    pause(50);
    pid = httpdPid(root);
  }
  if (!pid) return;
  const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
  for (let waited = 0; alive() && waited < 5000; waited += 100) {
    try { process.kill(pid, 'SIGTERM'); } catch { break; }
    pause(100);
  }
  killGroup(pid);
}
function cleanUp(code) {
  for (const root of running) endHttpd(root);
  running.clear();
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
  const failed = (code || process.exitCode || 0) !== 0;
  if (failed) {
    for (const root of httpdRoots) {
      const lines = readLog(root).trimEnd().split('\n');
      if (lines.length === 1 && lines[0] === '') continue;
      process.stderr.write(`---- last lines of ${root}/error.log\n${lines.slice(-25).join('\n')}\n`);
    }
  }
  if (keepDirs) {
    if (tempDirs.size) process.stderr.write(`kept (KEEP_TEST_DIRS): ${[...tempDirs].join(' ')}\n`);
    return;
  }
  for (const dir of tempDirs) {
    try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* leave it */ }
  }
  tempDirs.clear();
}
process.on('exit', cleanUp);
// A signal ends the process without exit listeners unless someone listens:
// when nobody else does (the demo has its own), exit, so that they run.
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) process.exit(128 + number);
  });
}
