// 230 redis, records kept per process: each httpd process keeps the sessions
// it has opened while redis reports to it every change of their keys (CLIENT
// TRACKING, BCAST). A logout on another node, a key deleted or flushed in
// redis itself, or a lost report connection is seen by the next request,
// under the event MPM (threads) and prefork (processes that come and go,
// each with its report thread).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  startOP, startHttpd, startStore, oidcConf, freePort, Browser, rawRequest,
  unexpectedErrors, signIn, visit, burst,
} from './lib/harness.mjs';

let op, store;

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

const MPMS = ['event', 'prefork'];
const HARDENED = 'hardened';
const ports = {};

before(async () => {
  for (const mpm of MPMS) ports[mpm] = [await freePort(), await freePort(), await freePort()];
  ports[HARDENED] = [await freePort()];
  op = await startOP({
    redirectUris: Object.values(ports).flat().map((p) => `http://127.0.0.1:${p}/oidc/callback`),
  });
  store = await startStore('redis');
});

after(async () => {
  await store?.stop();
  op?.stop();
});

for (const mpm of MPMS) describe(mpm, () => {
  let a, b, off;

  before(async () => {
    const extra = `AuthOIDCSessionStore ${store.spec}
AuthOIDCLogoutURI /oidc/logout
AuthOIDCIdPLogout Off`;
    const node = (name, port, more = '') => startHttpd({
      name: `cache-${mpm}-${name}`, port, mpm, extraModules: [store.module],
      oidc: oidcConf(op, { extra: `${extra}${more}` }) });
    a = await node('a', ports[mpm][0]);
    b = await node('b', ports[mpm][1]);
    off = await node('off', ports[mpm][2], '\nAuthOIDCSessionCache Off');
    // At least 2 processes on each of a and b; the node without a cache has
    // none.
    await waitForTrackers(4);
  });

  // Every node stops before anything is asserted: none outlives a failure.
  after(async () => {
    const unexpected = [];
    for (const h of [a, b, off]) {
      if (!h) continue;
      unexpected.push(...unexpectedErrors(h.errorLog(), [/\[oidc-store\]/])
        .map((l) => `${h.root}: ${l}`));
      await h.stop();
    }
    assert.deepEqual(unexpected, []);
    // Every process of every node is gone, and so are its connections.
    for (let i = 0; i < 100 && trackers().length > 0; i++) await sleep(50);
    assert.equal(trackers().length, 0);
  });

  // The harness's prefork children live for 3 connections: nothing is kept
  // for long there, so reads are counted under event only.
  test('a process reads a session from redis once, then keeps it', { skip: mpm === 'prefork' }, async () => {
    const id = await signIn(a);
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
      const id = await signIn(a);
      assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
      const out = await rawRequest(`${a.origin}/oidc/logout`, {
        headers: { Accept: 'text/html', Cookie: `oidc_session=${id}` },
      });
      assert.equal(out.status, 302);
      assert.deepEqual(new Set(await burst(b, id)), new Set([302]), `round ${round}`);
    }
  });

  test('a key deleted, or every key flushed, in redis itself is seen at once', async () => {
    let id = await signIn(a);
    assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
    const keys = sessionKeys();
    assert.ok(keys.length >= 1);
    redis('DEL', ...keys);
    assert.deepEqual(new Set(await burst(b, id)), new Set([302]));

    id = await signIn(a);
    assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
    redis('FLUSHALL');
    assert.deepEqual(new Set(await burst(b, id)), new Set([302]));
  });

  test('while its report connection is down, a process reads redis every time', async () => {
    const id = await signIn(a);
    assert.deepEqual(new Set(await burst(b, id)), new Set([200]));
    // Cut every connection that follows changes, then end the session behind
    // the processes' backs: nothing will report that deletion to them.
    for (const t of trackers()) redis('CLIENT', 'KILL', 'ID', t);
    redis('DEL', ...sessionKeys());
    assert.deepEqual(new Set(await burst(b, id)), new Set([302]));
    assert.deepEqual(new Set(await burst(a, id)), new Set([302]));
    // They come back by themselves, and keep sessions again.
    await waitForTrackers(4);
    if (mpm === 'prefork') return;
    const again = await signIn(a);
    await burst(b, again);
    const before = gets();
    for (let i = 0; i < 12; i++) assert.equal((await visit(b, again)).status, 200);
    assert.ok(gets() - before < 6, `${gets() - before} reads for 12 requests`);
  });
});

// A redis that refuses CLIENT (renamed away, as some hardening guides do):
// the module says so once per process and reads redis on every request.
describe('redis without CLIENT', () => {
  let hardened, h;

  before(async () => {
    hardened = await startStore('redis', { args: ['--rename-command', 'CLIENT', ''] });
    h = await startHttpd({
      name: 'cache-hardened', port: ports[HARDENED][0], extraModules: [hardened.module],
      oidc: oidcConf(op, { extra: `AuthOIDCSessionStore ${hardened.spec}` }) });
  });

  after(async () => {
    await h?.stop();
    await hardened?.stop();
  });

  test('sessions work, and every request reads redis', async () => {
    const browser = new Browser();
    assert.equal((await browser.get(`${h.origin}/app/`)).status, 200);
    const id = browser.cookies(h.origin).get('oidc_session');
    const count = () => Number(/cmdstat_get:calls=(\d+)/.exec(execFileSync('redis-cli',
      ['-p', String(hardened.port), 'INFO', 'commandstats'], { encoding: 'utf8' }))?.[1] ?? 0);
    const before = count();
    for (let i = 0; i < 10; i++) assert.equal((await visit(h, id)).status, 200);
    assert.ok(count() - before >= 10, `${count() - before} reads for 10 requests`);
    assert.match(h.errorLog(), /\[oidc-store\] redis 127\.0\.0\.1:\d+: cannot follow session changes \(it answered: ERR unknown command 'CLIENT'/);
    assert.deepEqual(unexpectedErrors(h.errorLog()), []);
  });
});
