// 240 memcache, records kept per process (AuthOIDCSessionCacheLag): memcache
// cannot report changes, so writers announce them in a change log there and
// each process reads it every lag/4. A logout on the same node is seen by
// the very next request; on another node, within the lag. A memcache that
// was flushed or is down is noticed within the lag too, and nothing kept is
// served meanwhile.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startOP, startHttpd, startStore, oidcConf, freePort, rawRequest,
  unexpectedErrors, signIn, visit, burst,
} from './lib/harness.mjs';

const LAG_MS = 300;
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
// Session reads, apart from the change log's: memcached counts per key
// prefix ("authnz_oidc" for sessions, "authnz_oidc_log" for the log).
async function prefixGets(prefix = 'authnz_oidc') {
  const m = new RegExp(`PREFIX ${prefix} get (\\d+)`).exec(await memcache('stats detail dump'));
  return Number(m?.[1] ?? 0);
}
const sessionGets = () => prefixGets();

const logout = (node, id) => rawRequest(`${node.origin}/oidc/logout`, {
  headers: { Accept: 'text/html', Cookie: `oidc_session=${id}` },
});

const MPMS = ['event', 'prefork'];
const ports = {};

before(async () => {
  for (const mpm of MPMS) ports[mpm] = [await freePort(), await freePort(), await freePort()];
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
  let a, b, exact;

  before(async () => {
    const extra = `AuthOIDCSessionStore ${store.spec}
AuthOIDCLogoutURI /oidc/logout
AuthOIDCIdPLogout Off`;
    const node = (name, port, lag) => startHttpd({
      name: `memcache-${mpm}-${name}`, port, mpm, extraModules: [store.module],
      oidc: `${lag === undefined ? '' : `AuthOIDCSessionCacheLag ${lag}\n`}${oidcConf(op, { extra })}`,
    });
    a = await node('a', ports[mpm][0], LAG_MS);
    b = await node('b', ports[mpm][1], LAG_MS);
    exact = await node('exact', ports[mpm][2]);
    await sleep(LAG_MS);
  });

  // Every node stops before anything is asserted: none outlives a failure.
  after(async () => {
    const allowed = [/\[oidc-store\]/, /socache_memcache:(error|crit)/, /AH0(1394|3487|3488|3489)/];
    const unexpected = [];
    for (const h of [a, b, exact]) {
      if (!h) continue;
      unexpected.push(...unexpectedErrors(h.errorLog(), allowed).map((l) => `${h.root}: ${l}`));
      await h.stop();
    }
    assert.deepEqual(unexpected, []);
  });

  // The harness's prefork children live for 3 connections: nothing is kept
  // for long there, so reads are counted under event only.
  test('a process reads a session from memcache once, then keeps it', { skip: mpm === 'prefork' }, async () => {
    const id = await signIn(a);
    assert.deepEqual(await burst(b, id), new Set([200]));
    const before = await sessionGets();
    for (let i = 0; i < 24; i++) assert.equal((await visit(b, id)).status, 200);
    const read = (await sessionGets()) - before;
    assert.ok(read < 8, `${read} reads for 24 requests`);

    // Without a lag, every request reads it.
    const exactBefore = await sessionGets();
    for (let i = 0; i < 12; i++) assert.equal((await visit(exact, id)).status, 200);
    const exactRead = (await sessionGets()) - exactBefore;
    assert.ok(exactRead >= 12, `${exactRead} reads for 12 requests`);

    // Processes that serve nobody stop reading the change log.
    await sleep(LAG_MS);
    const polls = await prefixGets('authnz_oidc_log');
    await sleep(1000);
    const idlePolls = (await prefixGets('authnz_oidc_log')) - polls;
    assert.ok(idlePolls < 4, `${idlePolls} reads of the change log in 1 s of quiet`);
    // And the next request wakes them: one more read, then kept again.
    const woken = await sessionGets();
    for (let i = 0; i < 24; i++) assert.equal((await visit(b, id)).status, 200);
    const reread = (await sessionGets()) - woken;
    assert.ok(reread < 8, `${reread} reads for 24 requests after the quiet`);
  });

  test('a logout is seen at once on its own node, and within the lag on another', async () => {
    for (let round = 0; round < 3; round++) {
      const id = await signIn(a);
      assert.deepEqual(await burst(b, id), new Set([200]));
      assert.deepEqual(await burst(a, id), new Set([200]));
      assert.equal((await logout(a, id)).status, 302);
      // Every process of a shares its write counters: none serves it again.
      assert.deepEqual(await burst(a, id), new Set([302]), `round ${round}, node a`);
      await sleep(LAG_MS + 100);
      assert.deepEqual(await burst(b, id), new Set([302]), `round ${round}, node b`);
    }
  });

  test('a node that keeps nothing still announces its logouts', async () => {
    const id = await signIn(a);
    assert.deepEqual(await burst(b, id), new Set([200]));
    assert.equal((await logout(exact, id)).status, 302);
    await sleep(LAG_MS + 100);
    assert.deepEqual(await burst(a, id), new Set([302]));
    assert.deepEqual(await burst(b, id), new Set([302]));
  });

  test('memcache flushed: no process serves what it kept past the lag', async () => {
    const id = await signIn(a);
    assert.deepEqual(await burst(a, id), new Set([200]));
    assert.deepEqual(await burst(b, id), new Set([200]));
    await memcache('flush_all', /^OK\r$/m);
    await sleep(LAG_MS + 100);
    assert.deepEqual(await burst(a, id), new Set([302]));
    assert.deepEqual(await burst(b, id), new Set([302]));
    // And keeping starts again by itself.
    const again = await signIn(a);
    await sleep(LAG_MS);
    assert.deepEqual(await burst(b, again), new Set([200]));
  });

  test('memcache down: no process serves what it kept; it recovers by itself', async () => {
    const id = await signIn(a);
    assert.deepEqual(await burst(b, id), new Set([200]));
    await store.stop();
    await sleep(LAG_MS + 100);
    assert.deepEqual(await burst(b, id, 8), new Set([503]));
    await store.start();
    await memcache('stats detail on', /^OK\r$/m);
    // APR-util's clients retry a server they marked dead after some seconds,
    // per process (see 210): until then, 503. Then the session is gone with
    // the restart, and never served again.
    let status;
    for (let i = 0; i < 100; i++) {
      status = await burst(b, id, 4);
      if (!status.has(503)) break;
      await sleep(250);
    }
    assert.deepEqual(status, new Set([302]));
    let again;
    for (let i = 0; i < 100 && !again; i++) {
      try {
        again = await signIn(a);
      } catch (e) {
        if (!/too many redirects|!== 200/.test(e.message)) throw e;
        await sleep(250);
      }
    }
    await sleep(LAG_MS);
    for (let i = 0; i < 100 && (status = await burst(b, again)).has(503); i++) await sleep(250);
    assert.deepEqual(status, new Set([200]));
    assert.match(b.errorLog(), /\[oidc-store\] memcache 127\.0\.0\.1:\d+: cannot read the session change log/);
  });
});

// The error log once httpd has finished starting (the port opens before).
async function startupLog(h) {
  for (let i = 0; i < 100 && !/resuming normal operations/.test(h.errorLog()); i++) await sleep(50);
  return h.errorLog();
}

// shmcb and redis report every change at once: a lag set for them is a
// mistake the error log names.
test('a lag without a memcache store is reported at startup', async () => {
  const h = await startHttpd({
    name: 'memcache-lag-unused', port: await freePort(),
    oidc: `AuthOIDCSessionCacheLag 100\n${oidcConf(op)}`,
  });
  try {
    assert.match(await startupLog(h), /\[oidc-config\] AuthOIDCSessionCacheLag has no effect: no AuthOIDCSessionStore is memcache/);
  } finally {
    await h.stop();
  }
  const m = await startHttpd({
    name: 'memcache-lag-used', port: await freePort(), extraModules: [store.module],
    oidc: `AuthOIDCSessionCacheLag 100\n${oidcConf(op, { extra: `AuthOIDCSessionStore ${store.spec}` })}`,
  });
  try {
    assert.match(await startupLog(m), /resuming normal operations/);
    assert.doesNotMatch(m.errorLog(), /has no effect/);
  } finally {
    await m.stop();
  }
});
