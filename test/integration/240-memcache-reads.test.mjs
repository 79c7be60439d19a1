// 240 memcache, read on every request: memcache cannot tell a process that
// a session changed, so no process keeps what it read. A logout on one node
// is seen by the other at the very next request; with memcached down, a
// valid session cookie gets a 503, never a page from a copy; memcached back
// (empty), it gets sent to sign in. Under the event MPM (threads) and
// prefork (processes).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startOP, startHttpd, startStore, oidcConf, freePort, rawRequest,
  unexpectedErrors, signIn, visit, burst,
} from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let op, store;

// One memcache text command; resolves with the reply up to its last line.
function memcache(command, last = /^(END|OK)\r$/m) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(store.port, '127.0.0.1');
    let out = '';
    sock.on('data', (d) => {
      out += d;
      if (last.test(out)) { sock.end(); resolve(out); }
    });
    sock.on('error', reject);
    sock.write(`${command}\r\n`);
  });
}
// Reads of session keys: memcached counts them per key prefix.
async function sessionGets() {
  const m = /PREFIX authnz_oidc get (\d+)/.exec(await memcache('stats detail dump'));
  return Number(m?.[1] ?? 0);
}

const logout = (node, id) => rawRequest(`${node.origin}/oidc/logout`, {
  headers: { Accept: 'text/html', Cookie: `oidc_session=${id}` },
});

const MPMS = ['event', 'prefork'];
const ports = {};

before(async () => {
  for (const mpm of MPMS) ports[mpm] = [await freePort(), await freePort()];
  ports.removed = [await freePort()];
  op = await startOP({
    redirectUris: Object.values(ports).flat().map((p) => `http://127.0.0.1:${p}/oidc/callback`),
  });
  store = await startStore('memcache');
  await memcache('stats detail on', /^OK\r$/m);
});

after(async () => {
  await store?.stop();
  op?.stop();
});

for (const mpm of MPMS) describe(mpm, () => {
  let a, b;

  before(async () => {
    const extra = `AuthOIDCSessionStore ${store.spec}
AuthOIDCLogoutURI /oidc/logout
AuthOIDCIdPLogout Off`;
    const node = (name, port) => startHttpd({
      name: `memcache-${mpm}-${name}`, port, mpm, extraModules: [store.module],
      oidc: oidcConf(op, { extra }),
    });
    a = await node('a', ports[mpm][0]);
    b = await node('b', ports[mpm][1]);
  });

  // Every node stops before anything is asserted: none outlives a failure.
  after(async () => {
    const allowed = [/\[oidc-store\]/, /socache_memcache:(error|crit)/, /AH0(1394|3487|3488|3489)/];
    const unexpected = [];
    for (const h of [a, b]) {
      if (!h) continue;
      unexpected.push(...unexpectedErrors(h.errorLog(), allowed).map((l) => `${h.root}: ${l}`));
      await h.stop();
    }
    assert.deepEqual(unexpected, []);
  });

  test('every request reads the session from memcache', async () => {
    const id = await signIn(a);
    assert.deepEqual(await burst(b, id), new Set([200]));
    const before = await sessionGets();
    for (let i = 0; i < 12; i++) assert.equal((await visit(b, id)).status, 200);
    const read = (await sessionGets()) - before;
    assert.ok(read >= 12, `${read} reads for 12 requests`);
  });

  test('a logout on one node is seen by the other at the very next request', async () => {
    for (let round = 0; round < 3; round++) {
      const [from, to] = round % 2 ? [b, a] : [a, b];
      const id = await signIn(from);
      assert.deepEqual(await burst(to, id), new Set([200]));
      assert.deepEqual(await burst(from, id), new Set([200]));
      assert.equal((await logout(from, id)).status, 302);
      // No sleep: the very next requests, on every process of either node.
      assert.deepEqual(await burst(to, id), new Set([302]), `round ${round}, other node`);
      assert.deepEqual(await burst(from, id), new Set([302]), `round ${round}, same node`);
    }
  });

  test('memcached down: 503, never a page; back on the same port: sent to sign in', async () => {
    const id = await signIn(a);
    assert.deepEqual(await burst(a, id), new Set([200]));
    assert.deepEqual(await burst(b, id), new Set([200]));
    await store.stop();
    try {
      assert.deepEqual(await burst(a, id), new Set([503]));
      assert.deepEqual(await burst(b, id), new Set([503]));
    } finally {
      await store.start();
    }
    await memcache('stats detail on', /^OK\r$/m);
    // APR-util's clients retry a server they marked dead after some seconds,
    // per process (see 210): until then, 503. memcached came back empty, so
    // then the session is gone: a redirect to sign in, never the page, never
    // a 500.
    for (const node of [a, b]) {
      let status;
      for (let i = 0; i < 100; i++) {
        status = await burst(node, id, 4);
        for (const s of status) assert.ok(s === 503 || s === 302, `status ${s} after the restart`);
        if (!status.has(503)) break;
        await sleep(250);
      }
      assert.deepEqual(status, new Set([302]), node.root);
    }
    assert.match(a.errorLog(), /\[oidc-store\] session store lookup failed/);
  });
});

// The error log once httpd has finished starting (the port opens before).
async function startupLog(h) {
  for (let i = 0; i < 100 && !/resuming normal operations/.test(h.errorLog()); i++) await sleep(50);
  return h.errorLog();
}

// AuthOIDCSessionCacheLag went with the memcache change log: a
// configuration that has it still starts, and is told at startup.
test('AuthOIDCSessionCacheLag is accepted, does nothing, and is named at startup', async () => {
  const h = await startHttpd({
    name: 'memcache-lag-removed', port: ports.removed[0], extraModules: [store.module],
    oidc: `AuthOIDCSessionCacheLag 100\n${oidcConf(op, { extra: `AuthOIDCSessionStore ${store.spec}` })}`,
  });
  try {
    const log = await startupLog(h);
    const lines = log.split('\n').filter((l) => /AuthOIDCSessionCacheLag/.test(l));
    assert.equal(lines.length, 1, log);
    assert.match(lines[0], /:warn\] .*\[oidc-config\] AuthOIDCSessionCacheLag \(\S+:\d+\) was removed and does nothing: memcache is read on every request; for sessions kept per process across nodes use redis; remove the directive/);
    // Still read on every request.
    const id = await signIn(h);
    const before = await sessionGets();
    for (let i = 0; i < 6; i++) assert.equal((await visit(h, id)).status, 200);
    assert.ok((await sessionGets()) - before >= 6);
  } finally {
    await h.stop();
  }
});
