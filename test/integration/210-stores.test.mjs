// 21x shared stores: two httpd nodes sharing memcached or redis (through
// httpd's own mod_socache_memcache / mod_socache_redis) share sessions, and
// a store outage is a 503 that heals by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOP, startHttpd, startStore, oidcConf, freePort, Browser, unexpectedErrors,
} from './lib/harness.mjs';

const kinds = ['memcache', 'redis'];
let op;
const nodes = {};
const stores = {};

before(async () => {
  const ports = {};
  for (const k of kinds) ports[k] = [await freePort(), await freePort()];
  op = await startOP({
    redirectUris: Object.values(ports).flat().map((p) => `http://127.0.0.1:${p}/oidc/callback`),
  });
  for (const k of kinds) {
    stores[k] = await startStore(k);
    nodes[k] = [];
    for (const [i, port] of ports[k].entries()) {
      nodes[k].push(await startHttpd({
        name: `${k}-node${i}`, port, extraModules: [stores[k].module],
        oidc: oidcConf(op, { extra: `AuthOIDCSessionStore ${stores[k].spec}` }),
      }));
    }
  }
});

after(async () => {
  for (const k of kinds) {
    for (const h of nodes[k] || []) {
      // The outage test makes the store adapter and our module log errors.
      const allowed = [/\[oidc-store\]/, /socache_(memcache|redis):(error|crit)/, /AH0(1394|3487|3488|3489)/];
      assert.deepEqual(unexpectedErrors(h.errorLog(), allowed), [], h.root);
      await h.stop();
    }
    await stores[k]?.stop();
  }
  op?.stop();
});

for (const kind of kinds) {
  test(`${kind}: a login on one node is valid on the other`, async () => {
    const [a, b] = nodes[kind];
    const browser = new Browser();
    assert.equal((await browser.get(`${a.origin}/app/`)).status, 200);
    // Same site behind a load balancer: the same cookie reaches node B.
    browser.cookies(b.origin).set('oidc_session', browser.cookies(a.origin).get('oidc_session'));
    const res = await browser.fetch(`${b.origin}/app/cgi/env.cgi`);
    assert.equal(res.status, 200);
    assert.equal(res.json().REMOTE_USER, 'alice');
  });

  test(`${kind}: a login started on one node completes on the other`, async () => {
    const [a, b] = nodes[kind];
    const browser = new Browser();
    const start = await browser.fetch(`${a.origin}/app/`);
    assert.equal(start.status, 302);
    // Behind a load balancer both nodes serve one origin: the OP sends the
    // browser back to the same callback URL, which the balancer hands to B.
    let url = start.headers.get('location');
    while (!url.startsWith(a.origin)) {
      const res = await browser.fetch(url);
      url = new URL(res.headers.get('location'), url).toString();
    }
    for (const [k, v] of browser.cookies(a.origin)) browser.cookies(b.origin).set(k, v);
    const res = await browser.fetch(url.replace(a.origin, b.origin));
    assert.equal(res.status, 302, res.body);
    assert.ok(res.setCookies.some((c) => c.startsWith('oidc_session=')));
    assert.equal((await browser.fetch(`${b.origin}/app/`)).status, 200);
    browser.cookies(a.origin).set('oidc_session', browser.cookies(b.origin).get('oidc_session'));
    assert.equal((await browser.fetch(`${a.origin}/app/`)).status, 200);
  });

  test(`${kind}: the store down is a 503 with a clear page; it recovers by itself`, async () => {
    const [a, b] = nodes[kind];
    const browser = new Browser();
    assert.equal((await browser.get(`${a.origin}/app/`)).status, 200);
    browser.cookies(b.origin).set('oidc_session', browser.cookies(a.origin).get('oidc_session'));
    await stores[kind].stop();
    try {
      const res = await browser.fetch(`${a.origin}/app/`);
      assert.equal(res.status, 503);
      assert.match(res.body, /Sessions are unavailable/);
      assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
      const api = await browser.fetch(`${b.origin}/app/`, { headers: { Accept: 'application/json' } });
      assert.equal(api.status, 503);
      assert.equal(api.json().error, 'temporarily_unavailable');
      assert.match(a.errorLog(), /\[oidc-store\] session store lookup failed/);
    } finally {
      await stores[kind].start();
    }
    // The store came back empty: the next visit logs in again, on either node.
    // APR-util's clients retry a server they marked dead after some seconds,
    // per process, and until then mod_socache_* reports "not found": a login
    // can loop back to the OP for that while. Allow a generous while.
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      try {
        ok = (await new Browser().get(`${b.origin}/app/`)).status === 200;
      } catch (e) {
        if (!/too many redirects/.test(e.message)) throw e;
      }
      if (!ok) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(ok, 'no recovery after the store came back');
  });
}
