// 230 redis, records kept per process: each httpd process keeps the sessions
// it has opened while redis reports to it every change of their keys (CLIENT
// TRACKING, BCAST). A logout on another node, a key deleted or flushed in
// redis itself, or a lost report connection is seen by the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  startOP, startHttpd, startStore, oidcConf, freePort, Browser, rawRequest,
  unexpectedErrors,
} from './lib/harness.mjs';

let op, store;
let a, b, off;

const redis = (...args) => execFileSync('redis-cli', ['-p', String(store.port), ...args],
  { encoding: 'utf8' }).trim();
const gets = () => Number(/cmdstat_get:calls=(\d+)/.exec(redis('INFO', 'commandstats'))?.[1] ?? 0);
const sessionKeys = () => redis('--scan', '--pattern', 'authnz_oidc:*').split('\n')
  .filter((k) => /^authnz_oidc:[0-9a-f]{16,}$/.test(k));
// The connections that follow changes: CLIENT LIST flags them with "t".
const trackers = () => redis('CLIENT', 'LIST').split('\n')
  .filter((l) => /\bflags=\S*t/.test(l)).map((l) => /\bid=(\d+)/.exec(l)[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForTrackers(min) {
  for (let i = 0; i < 100 && trackers().length < min; i++) await sleep(50);
  assert.ok(trackers().length >= min, `only ${trackers().length} tracking connections`);
}

// Signs in on node a; returns the session id, for any node to use.
async function signIn() {
  const browser = new Browser();
  assert.equal((await browser.get(`${a.origin}/app/`)).status, 200);
  return browser.cookies(a.origin).get('oidc_session');
}

const visit = (node, id) => rawRequest(`${node.origin}/app/`, {
  headers: { Accept: 'text/html', Cookie: `oidc_session=${id}` },
});

// Concurrent requests, to reach many processes and threads at once.
async function burst(node, id, n = 24) {
  const all = await Promise.all(Array.from({ length: n }, () => visit(node, id)));
  for (const res of all) {
    if (res.status === 200) assert.match(res.body, /PROTECTED-CONTENT/);
    else assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
  }
  return all.map((r) => r.status);
}

before(async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  op = await startOP({ redirectUris: ports.map((p) => `http://127.0.0.1:${p}/oidc/callback`) });
  store = await startStore('redis');
  const extra = `AuthOIDCSessionStore ${store.spec}
AuthOIDCLogoutURI /oidc/logout
AuthOIDCIdPLogout Off`;
  a = await startHttpd({ name: 'cache-a', port: ports[0], extraModules: [store.module],
    oidc: oidcConf(op, { extra }) });
  b = await startHttpd({ name: 'cache-b', port: ports[1], extraModules: [store.module],
    oidc: oidcConf(op, { extra }) });
  off = await startHttpd({ name: 'cache-off', port: ports[2], extraModules: [store.module],
    oidc: oidcConf(op, { extra: `${extra}\nAuthOIDCSessionCache Off` }) });
  // StartServers 2 on each of a and b; the node without a cache has none.
  await waitForTrackers(4);
});

after(async () => {
  for (const h of [a, b, off]) {
    if (!h) continue;
    const allowed = [/\[oidc-store\]/];
    assert.deepEqual(unexpectedErrors(h.errorLog(), allowed), [], h.root);
    await h.stop();
  }
  await store?.stop();
  op?.stop();
});

test('a process reads a session from redis once, then keeps it', async () => {
  const id = await signIn();
  assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
  const before = gets();
  for (let i = 0; i < 24; i++) assert.equal((await visit(b, id)).status, 200);
  // Only a process that had not opened it yet reads it.
  const read = gets() - before;
  assert.ok(read < 8, `${read} reads for 24 requests`);

  // AuthOIDCSessionCache Off: every request reads it.
  const offBefore = gets();
  for (let i = 0; i < 12; i++) assert.equal((await visit(off, id)).status, 200);
  assert.ok(gets() - offBefore >= 12, `${gets() - offBefore} reads for 12 requests`);
  assert.equal(trackers().length >= 4, true);
  assert.doesNotMatch(off.errorLog(), /following session changes/);
});

test('a logout on one node is seen by the very next request on the other', async () => {
  for (let round = 0; round < 3; round++) {
    const id = await signIn();
    assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
    const out = await rawRequest(`${a.origin}/oidc/logout`, {
      headers: { Accept: 'text/html', Cookie: `oidc_session=${id}` },
    });
    assert.equal(out.status, 302);
    assert.deepEqual(new Set(await burst(b, id)), new Set([302]), `round ${round}`);
  }
});

test('a key deleted, or every key flushed, in redis itself is seen at once', async () => {
  let id = await signIn();
  assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
  const keys = sessionKeys();
  assert.ok(keys.length >= 1);
  redis('DEL', ...keys);
  assert.deepEqual(new Set(await burst(b, id)), new Set([302]));

  id = await signIn();
  assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
  redis('FLUSHALL');
  assert.deepEqual(new Set(await burst(b, id)), new Set([302]));
});

test('while its report connection is down, a process reads redis every time', async () => {
  const id = await signIn();
  assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
  // Cut every connection that follows changes, then end the session behind
  // the processes' backs: nothing will report that deletion to them.
  for (const t of trackers()) redis('CLIENT', 'KILL', 'ID', t);
  redis('DEL', ...sessionKeys());
  assert.deepEqual(new Set(await burst(b, id)), new Set([302]));
  assert.deepEqual(new Set(await burst(a, id)), new Set([302]));
  // They come back by themselves, and keep sessions again.
  await waitForTrackers(4);
  const again = await signIn();
  await burst(b, again);
  const before = gets();
  for (let i = 0; i < 12; i++) assert.equal((await visit(b, again)).status, 200);
  assert.ok(gets() - before < 6, `${gets() - before} reads for 12 requests`);
});
