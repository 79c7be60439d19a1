// 1xx login: a real browser-like login through httpd and oidc-provider.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from './lib/harness.mjs';

let op; let httpd; let postHttpd; let publicHttpd;

before(async () => {
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  op = await startOP({ redirectUris: [p1, p2, p3].map((p) => `http://127.0.0.1:${p}/oidc/callback`) });
  httpd = await startHttpd({ name: 'login', port: p1, oidc: oidcConf(op) });
  postHttpd = await startHttpd({ name: 'login-post', port: p2,
    oidc: oidcConf(op, { clientId: 'test-rp-post', extra: 'AuthOIDCClientAuth client_secret_post' }) });
  publicHttpd = await startHttpd({ name: 'login-public', port: p3,
    oidc: oidcConf(op, { clientId: 'test-public', extra: 'AuthOIDCClientAuth none' }).replace(/AuthOIDCClientSecret.*\n/, '') });
});

after(async () => {
  for (const h of [httpd, postHttpd, publicHttpd]) {
    if (h) {
      assert.deepEqual(unexpectedErrors(h.errorLog()), []);
      await h.stop();
    }
  }
  op?.stop();
});

test('login to a static page lands on the page with a session cookie', async () => {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/app/`);
  assert.equal(res.status, 200);
  assert.match(res.body, /PROTECTED-CONTENT app/);
  const first = res.chain[0];
  assert.equal(first.status, 302);
  const auth = new URL(first.headers.get('location'));
  assert.equal(auth.origin, op.issuer);
  assert.equal(auth.searchParams.get('response_type'), 'code');
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
  assert.match(auth.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(auth.searchParams.get('state'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(auth.searchParams.get('nonce'), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(auth.searchParams.get('redirect_uri'), `${httpd.origin}/oidc/callback`);
  assert.equal(first.headers.get('cache-control'), 'no-store');
  const cb = res.chain.find((r) => r.url.includes('/oidc/callback'));
  const sessionCookie = cb.setCookies.find((c) => c.startsWith('oidc_session='));
  assert.match(sessionCookie, /^oidc_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  // The flow cookie was consumed at the callback.
  assert.ok(cb.setCookies.some((c) => /^oidc_session_flow_[\w-]+=; .*Max-Age=0/.test(c)));
  assert.deepEqual([...b.cookies(httpd.origin).keys()], ['oidc_session']);
  // A second request rides the session: no redirect.
  const again = await b.fetch(`${httpd.origin}/app/`);
  assert.equal(again.status, 200);
});

test('a CGI script sees REMOTE_USER and OIDC_CLAIM_* but not our cookie', async () => {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/app/cgi/env.cgi`);
  assert.equal(res.status, 200);
  const env = res.json();
  assert.equal(env.REMOTE_USER, 'alice');
  assert.equal(env.AUTH_TYPE, 'oidc');
  assert.equal(env.OIDC_CLAIM_sub, 'alice');
  assert.equal(env.OIDC_CLAIM_email, 'alice@example.com');
  assert.equal(env.OIDC_CLAIM_email_verified, 'true');
  assert.equal(env.OIDC_CLAIM_groups, 'admins,staff');
  assert.deepEqual(JSON.parse(env.OIDC_CLAIM_realm_access), { roles: ['app-admin', 'viewer'] });
  assert.equal(env.OIDC_CLAIM_iss, op.issuer);
  assert.equal(env.HTTP_COOKIE, undefined, 'the session cookie must not reach the application');
  // Headers are not passed unless configured.
  assert.equal(env.HTTP_OIDC_CLAIM_EMAIL, undefined);
});

test('the return URL keeps the original path and query', async () => {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/app/cgi/env.cgi?a=1&b=two%20words`);
  assert.equal(res.status, 200);
  assert.equal(res.url, `${httpd.origin}/app/cgi/env.cgi?a=1&b=two%20words`);
});

test('other cookies of the site still reach the application', async () => {
  const b = new Browser();
  await b.get(`${httpd.origin}/app/`);
  b.cookies(httpd.origin).set('theme', 'dark');
  const res = await b.get(`${httpd.origin}/app/cgi/env.cgi`);
  assert.equal(res.json().HTTP_COOKIE, 'theme=dark');
});

test('client_secret_post client logs in', async () => {
  const b = new Browser();
  const res = await b.get(`${postHttpd.origin}/app/cgi/env.cgi`);
  assert.equal(res.status, 200);
  assert.equal(res.json().REMOTE_USER, 'alice');
});

test('public client (AuthOIDCClientAuth none, PKCE only) logs in', async () => {
  const b = new Browser();
  const res = await b.get(`${publicHttpd.origin}/app/cgi/env.cgi`);
  assert.equal(res.status, 200);
  assert.equal(res.json().REMOTE_USER, 'alice');
});

test('XHR and API clients get 401 JSON and no flow cookie', async () => {
  for (const headers of [
    { 'X-Requested-With': 'XMLHttpRequest' },
    { Accept: 'application/json' },
    { 'Sec-Fetch-Mode': 'cors' },
  ]) {
    const b = new Browser();
    const res = await b.fetch(`${httpd.origin}/app/`, { headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.equal(res.json().error, 'login_required');
    assert.match(res.headers.get('www-authenticate'), /^OIDC realm=/);
    assert.equal(res.setCookies.length, 0);
    assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
  }
});

test('POST to a protected URL without a session: 401 and nothing else', async () => {
  const b = new Browser();
  const res = await b.fetch(`${httpd.origin}/app/cgi/env.cgi`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'x=1',
  });
  assert.equal(res.status, 401);
  assert.doesNotMatch(res.body, /REMOTE_USER|pid/);
});

test('POST with a session reaches the CGI with its body', async () => {
  const b = new Browser();
  await b.get(`${httpd.origin}/app/`);
  const res = await b.fetch(`${httpd.origin}/app/cgi/env.cgi`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'x=1',
  });
  assert.equal(res.status, 200);
  assert.equal(res.json().body, 'x=1');
});

test('unprotected paths are served without a login', async () => {
  const res = await new Browser().fetch(`${httpd.origin}/public/`);
  assert.equal(res.status, 200);
  assert.match(res.body, /public page/);
});
