// 650 attack: a shared cache in front of protected content. mod_cache with
// its quick handler (the default) answers before any auth hook runs, and
// with the quick handler off it still answers every authorised user with
// whatever it stored first. Either way, a protected response it stores is
// served to somebody else. The module marks what it lets through private,
// which every shared cache (mod_cache among them) must not store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHttpd, oidcConf, freePort, Browser, rawRequest, unexpectedErrors } from './lib/harness.mjs';
import { startScriptedOP, loginThrough, assertNoCrash } from './lib/scripted-op.mjs';

let op; let quick; let late; let backend;

// Caches whatever it may: static files without validators, and responses
// whose own headers say public.
const cacheConf = (quickHandler) => `
CacheQuickHandler ${quickHandler}
CacheSocache shmcb
CacheEnable socache /
CacheHeader On
CacheIgnoreNoLastMod On
CacheDefaultExpire 600
CacheMinExpire 600`;

before(async () => {
  op = await startScriptedOP();
  // A backend that says its answers may be cached by anyone: it greets
  // whoever the module says is asking.
  backend = http.createServer((req, res) => {
    // mod_cache_socache stores only bodies of a known length.
    const body = `PROTECTED-CONTENT hello ${req.headers['oidc-claim-email'] || 'nobody'}\n`;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'public, max-age=600' });
    res.end(body);
  });
  await new Promise((r) => backend.listen(0, '127.0.0.1', r));
  const locations = `
<Location /greet/>
  AuthType oidc
  AuthOIDCPassClaimsAs headers
  Require valid-user
  ProxyPass http://127.0.0.1:${backend.address().port}/
</Location>
Alias /mixed "\${HTDOCS}/public"
<Location /mixed>
  AuthType oidc
  Require all granted
</Location>
<Location /open-greet/>
  ProxyPass http://127.0.0.1:${backend.address().port}/
</Location>`;
  const start = async (name, quickHandler) => startHttpd({
    name, port: await freePort(), oidc: oidcConf(op), locations,
    extraModules: ['proxy', 'proxy_http', 'cache', 'cache_socache'], extraConf: cacheConf(quickHandler),
  });
  quick = await start('cache-quick', 'On');
  late = await start('cache-late', 'Off');
});

after(async () => {
  const servers = [quick, late].filter(Boolean);
  for (const h of servers) await h.stop();
  backend?.close();
  op?.stop();
  for (const h of servers) {
    assertNoCrash(h);
    assert.deepEqual(unexpectedErrors(h.errorLog()), [], h.root);
  }
});

async function session(h, user) {
  const b = new Browser();
  const { res } = await loginThrough(b, `${h.origin}/app/`, {
    respond: (l) => ({ id_token: op.idToken(l, { claims: { sub: user, email: `${user}@example.com` } }) }),
  }, op);
  assert.equal(res.status, 302, res.body);
  return b;
}

// Cache-Control values of a response, all of its fields together.
const cacheControl = (res) => String(res.headers.get('cache-control') || '')
  .split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);

test('the cache is live: an open page and an open proxied answer are stored and served again', async () => {
  for (const h of [quick, late]) {
    for (const path of ['/public/index.html', '/open-greet/x']) {
      await rawRequest(`${h.origin}${path}`);
      const again = await rawRequest(`${h.origin}${path}`);
      assert.equal(again.status, 200, `${h.root} ${path}`);
      assert.match(String(again.headers.get('x-cache')), /HIT/, `${h.root} ${path}: the cache did not answer`);
    }
  }
});

test('a protected page is marked private, and never served from the cache to anyone else', async () => {
  for (const h of [quick, late]) {
    const alice = await session(h, 'alice');
    for (const path of ['/app/index.html', '/greet/page']) {
      const first = await alice.fetch(`${h.origin}${path}`);
      assert.equal(first.status, 200, `${h.root} ${path}`);
      assert.match(first.body, /PROTECTED-CONTENT/);
      assert.ok(cacheControl(first).includes('private'), `${path}: Cache-Control ${cacheControl(first)}`);
      assert.doesNotMatch(String(first.headers.get('x-cache')), /HIT/);

      // Nobody: the login redirect, never the page.
      const anon = await rawRequest(`${h.origin}${path}`);
      assert.equal(anon.status, 302, `${h.root} ${path}: anonymous got ${anon.status}`);
      assert.doesNotMatch(anon.body, /PROTECTED-CONTENT/);
      assert.doesNotMatch(String(anon.headers.get('x-cache')), /HIT/);
    }
    // Somebody else: their own greeting, not alice's.
    const bob = await session(h, 'bob');
    const greet = await bob.fetch(`${h.origin}/greet/page`);
    assert.equal(greet.status, 200);
    assert.match(greet.body, /hello bob@example\.com/, `${h.root}: bob was served ${greet.body}`);
  }
});

test('a page the module hands no identity to (Require all granted) stays cacheable', async () => {
  // httpd runs no authentication for it, so nothing personal is in it,
  // even for a browser that has a session.
  const alice = await session(quick, 'alice');
  const first = await alice.fetch(`${quick.origin}/mixed/index.html`);
  assert.equal(first.status, 200);
  assert.ok(!cacheControl(first).includes('private'), cacheControl(first).join());
  const anon = await rawRequest(`${quick.origin}/mixed/index.html`);
  assert.equal(anon.status, 200);
  assert.match(String(anon.headers.get('x-cache')), /HIT/);
});
