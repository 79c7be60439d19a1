// 32x refresh: an expired access token is refreshed once per session, across
// every process of two httpd nodes sharing redis or memcached, against an OP
// that rotates refresh tokens (and revokes the grant when one is replayed).
// A refused refresh follows AuthOIDCRefreshFailure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOP, startHttpd, startStore, oidcConf, freePort, Browser, unexpectedErrors, CLIENT_SECRET,
  OFFLINE_LOCATION,
} from './lib/harness.mjs';

const TTL = 3;                 // the OP's access token lifetime, seconds
const STORM = 40;              // concurrent requests after expiry
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const expire = () => sleep(TTL * 1000 + 600);

const locations = OFFLINE_LOCATION;

let op;
const stores = {};
const pairs = {};              // store kind -> [node A, node B]
const single = {};             // AuthOIDCRefreshFailure value -> node
const running = [];

before(async () => {
  const kinds = ['redis', 'memcache'];
  const policies = ['reauthenticate', '401', '502', 'early'];
  const ports = {};
  for (const k of [...kinds, ...policies]) ports[k] = [await freePort(), await freePort()];
  op = await startOP({
    accessTokenTTL: TTL,
    redirectUris: Object.values(ports).flat().map((p) => `http://127.0.0.1:${p}/oidc/callback`),
  });
  for (const k of kinds) {
    stores[k] = await startStore(k);
    pairs[k] = [];
    for (const [i, port] of ports[k].entries()) {
      const h = await startHttpd({
        name: `refresh-${k}-${i}`, port, locations, extraModules: [stores[k].module],
        oidc: oidcConf(op, { extra: `AuthOIDCSessionStore ${stores[k].spec}\nAuthOIDCRefreshBeforeExpiry 0` }),
      });
      pairs[k].push(h);
      running.push(h);
    }
  }
  for (const p of policies) {
    const extra = p === 'early' ? 'AuthOIDCRefreshBeforeExpiry 60'
      : `AuthOIDCRefreshBeforeExpiry 0\nAuthOIDCRefreshFailure ${p}`;
    single[p] = await startHttpd({ name: `refresh-${p}`, port: ports[p][0], locations,
      oidc: oidcConf(op, { extra }) });
    running.push(single[p]);
  }
});

after(async () => {
  for (const h of running) {
    assert.deepEqual(unexpectedErrors(h.errorLog()), [], h.root);
    await h.stop();
  }
  for (const s of Object.values(stores)) await s.stop();
  op?.stop();
});

async function refreshGrants() {
  return (await op.stats()).grants.refresh_token || 0;
}

async function env(browser, url, headers) {
  const res = await browser.fetch(url, { headers });
  assert.equal(res.status, 200, `${url}: ${res.status} ${res.body}`);
  return res.json();
}

for (const kind of ['redis', 'memcache']) {
  test(`${kind}: ${STORM} concurrent requests after expiry over two nodes cause exactly one refresh`, async () => {
    const [a, b] = pairs[kind];
    const browser = new Browser();
    const first = (await browser.get(`${a.origin}/offline/env.cgi`)).json();
    assert.ok(first.OIDC_REFRESH_TOKEN, 'no refresh token was issued');
    browser.cookies(b.origin).set('oidc_session', browser.cookies(a.origin).get('oidc_session'));

    await expire();
    const before = await refreshGrants();
    const results = await Promise.all(Array.from({ length: STORM }, (_, i) =>
      browser.fetch(`${(i % 2 ? b : a).origin}/offline/env.cgi`)));
    const statuses = results.map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200], `statuses: ${statuses.join(' ')}`);
    const tokens = new Set(results.map((r) => r.json().OIDC_ACCESS_TOKEN));
    assert.equal(tokens.size, 1, 'every request saw the same refreshed token');
    const [second] = tokens;
    assert.notEqual(second, first.OIDC_ACCESS_TOKEN);
    assert.equal(await refreshGrants() - before, 1, 'refresh requests at the OP');
    const rotated = results[0].json().OIDC_REFRESH_TOKEN;
    assert.notEqual(rotated, first.OIDC_REFRESH_TOKEN, 'the OP rotates refresh tokens');
    assert.ok(results.every((r) => r.json().OIDC_REFRESH_TOKEN === rotated));

    // The rotated refresh token was stored: the next refresh works too,
    // from the other node, and the grant is intact.
    await expire();
    const third = await env(browser, `${b.origin}/offline/env.cgi`);
    assert.notEqual(third.OIDC_ACCESS_TOKEN, second);
    assert.equal(await refreshGrants() - before, 2);
    const again = await env(browser, `${a.origin}/offline/env.cgi`);
    assert.equal(again.OIDC_ACCESS_TOKEN, third.OIDC_ACCESS_TOKEN);
    assert.match(a.errorLog() + b.errorLog(), /\[oidc-refresh\] refreshed the access token of subject alice \(refresh token rotated\)/);
  });
}

test('AuthOIDCRefreshBeforeExpiry refreshes before expiry (at most half the lifetime early)', async () => {
  const h = single.early;
  const browser = new Browser();
  const first = (await browser.get(`${h.origin}/offline/env.cgi`)).json();
  // 60 s before expiry is more than half of a 3 s token: refresh from 1.5 s.
  const same = await env(browser, `${h.origin}/offline/env.cgi`);
  assert.equal(same.OIDC_ACCESS_TOKEN, first.OIDC_ACCESS_TOKEN);
  await sleep(TTL * 500 + 300);
  const before = await refreshGrants();
  const early = await env(browser, `${h.origin}/offline/env.cgi`);
  assert.notEqual(early.OIDC_ACCESS_TOKEN, first.OIDC_ACCESS_TOKEN);
  assert.ok(Number(early.OIDC_ACCESS_TOKEN_EXPIRES) > Number(first.OIDC_ACCESS_TOKEN_EXPIRES));
  assert.equal(await refreshGrants() - before, 1);
});

async function revoke(refreshToken) {
  const basic = Buffer.from(`test-rp:${CLIENT_SECRET}`).toString('base64');
  const r = await fetch(`${op.issuer}/token/revocation`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(refreshToken)}&token_type_hint=refresh_token`,
  });
  assert.equal(r.status, 200);
}

test('a refused refresh follows AuthOIDCRefreshFailure and ends the session', async () => {
  const cases = [
    { node: single.reauthenticate, api: false },
    { node: single.reauthenticate, api: true },
    { node: single['401'], api: false },
    { node: single['502'], api: false },
  ];
  for (const c of cases) {
    c.browser = new Browser();
    const e = (await c.browser.get(`${c.node.origin}/offline/env.cgi`)).json();
    await revoke(e.OIDC_REFRESH_TOKEN);
  }
  await expire();
  const answers = [];
  for (const c of cases) {
    const headers = c.api ? { Accept: 'application/json', 'Sec-Fetch-Mode': 'cors' } : {};
    answers.push(await c.browser.fetch(`${c.node.origin}/offline/env.cgi`, { headers }));
  }
  const [reauth, reauthApi, r401, r502] = answers;
  assert.equal(reauth.status, 302);
  assert.ok(reauth.headers.get('location').startsWith(`${op.issuer}/`), reauth.headers.get('location'));
  assert.equal(reauthApi.status, 401);
  assert.equal(reauthApi.json().error, 'login_required');
  assert.equal(r401.status, 401);
  assert.match(r401.headers.get('www-authenticate') || '', /error="invalid_token"/);
  assert.equal(r502.status, 502);
  for (const res of answers) {
    assert.ok(!res.body.includes('OIDC_ACCESS_TOKEN'), 'no protected content');
    assert.ok(res.setCookies.some((s) => /^oidc_session=;/.test(s) && /max-age=0/i.test(s)),
      `session cookie cleared: ${res.setCookies}`);
  }
  for (const c of cases) {
    assert.match(c.node.errorLog(), /\[oidc-refresh\] the provider refused to refresh the access token of subject alice/);
    // The session is gone: the next request starts a login.
    const next = await c.browser.fetch(`${c.node.origin}/offline/env.cgi`);
    assert.equal(next.status, 302);
  }
});
