// 5xx logout: the local session ends (store record and cookie), tokens are
// revoked at the OP (RFC 7009), and the browser goes through the OP's
// end_session_endpoint; post-logout targets are validated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors, OFFLINE_LOCATION } from './lib/harness.mjs';

let op; let httpd; let localOnly;

const locations = OFFLINE_LOCATION;

before(async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  op = await startOP({ redirectUris: [p1, p2].map((p) => `http://127.0.0.1:${p}/oidc/callback`) });
  httpd = await startHttpd({ name: 'logout', port: p1, locations,
    oidc: oidcConf(op, { extra: 'AuthOIDCLogoutURI /oidc/logout' }) });
  localOnly = await startHttpd({ name: 'logout-local', port: p2,
    oidc: oidcConf(op, { extra: 'AuthOIDCLogoutURI /oidc/logout\nAuthOIDCIdPLogout Off\nAuthOIDCPostLogoutRedirectURI /bye' }) });
});

after(async () => {
  for (const h of [httpd, localOnly]) {
    assert.deepEqual(unexpectedErrors(h.errorLog()), []);
    await h.stop();
  }
  op.stop();
});

test('logout ends the session here and goes through the OP', async () => {
  const b = new Browser();
  assert.equal((await b.get(`${httpd.origin}/app/`)).status, 200);
  const sessionId = b.cookies(httpd.origin).get('oidc_session');
  const res = await b.fetch(`${httpd.origin}/oidc/logout?return_to=/public/`);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.ok(res.setCookies.some((c) => /^oidc_session=; .*Max-Age=0/.test(c)));
  const loc = new URL(res.headers.get('location'));
  assert.equal(`${loc.origin}${loc.pathname}`, `${op.issuer}/session/end`);
  assert.equal(loc.searchParams.get('post_logout_redirect_uri'), `${httpd.origin}/public/`);
  assert.equal(loc.searchParams.get('client_id'), 'test-rp');
  assert.equal(loc.searchParams.get('id_token_hint').split('.').length, 3);
  // The real OP accepts what we sent (it asks the user to confirm).
  const atOp = await b.fetch(loc.toString());
  assert.equal(atOp.status, 200, atOp.body.slice(0, 300));
  // The session is over on the server, not only in this browser.
  const replay = new Browser();
  replay.cookies(httpd.origin).set('oidc_session', sessionId);
  const again = await replay.fetch(`${httpd.origin}/app/`);
  assert.equal(again.status, 302);
  assert.ok(again.headers.get('location').startsWith(op.issuer));
  assert.match(httpd.errorLog(), /\[oidc-logout\] signed out subject alice \(and at the provider\)/);
});

test('logout revokes the refresh and access tokens at the OP', async () => {
  const b = new Browser();
  const env = (await b.get(`${httpd.origin}/offline/env.cgi`)).json();
  assert.ok(env.OIDC_REFRESH_TOKEN, 'no refresh token was issued');
  const before = (await op.stats()).paths['/token/revocation'] || 0;
  assert.equal((await b.fetch(`${httpd.origin}/oidc/logout`)).status, 302);
  const after = (await op.stats()).paths['/token/revocation'] || 0;
  assert.equal(after - before, 2);
  // The refresh token no longer works at the OP.
  const basic = Buffer.from('test-rp:test-secret-0123456789abcdef').toString('base64');
  const r = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&refresh_token=${env.OIDC_REFRESH_TOKEN}`,
  });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'invalid_grant');
  const ui = await fetch(`${op.issuer}/me`, { headers: { Authorization: `Bearer ${env.OIDC_ACCESS_TOKEN}` } });
  assert.equal(ui.status, 401);
});

test('open-redirect payloads in return_to fall back to the default target', async () => {
  const payloads = ['//evil.com', '/\\evil.com', '/%09/evil.com', 'https://evil.com/',
    'https:evil.com', `${httpd.origin}@evil.com/`, 'javascript:alert(1)', '/\t/evil.com'];
  for (const p of payloads) {
    const b = new Browser();
    await b.get(`${httpd.origin}/app/`);
    const res = await b.fetch(`${httpd.origin}/oidc/logout?return_to=${encodeURIComponent(p)}`);
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.get('location'));
    const after = loc.searchParams.get('post_logout_redirect_uri');
    assert.equal(new URL(after).origin, httpd.origin, `payload ${p} -> ${after}`);
    assert.ok(after === `${httpd.origin}/` || after.startsWith(`${httpd.origin}/%`), `payload ${p} -> ${after}`);
  }
});

test('AuthOIDCIdPLogout Off: straight to AuthOIDCPostLogoutRedirectURI', async () => {
  const b = new Browser();
  await b.get(`${localOnly.origin}/app/`);
  const res = await b.fetch(`${localOnly.origin}/oidc/logout`);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), `${localOnly.origin}/bye`);
  assert.equal((await b.fetch(`${localOnly.origin}/app/`)).status, 302);
});

test('logout without a session still lands on the target, and API clients too', async () => {
  const res = await new Browser().fetch(`${httpd.origin}/oidc/logout?return_to=/public/`);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), `${httpd.origin}/public/`);
});
