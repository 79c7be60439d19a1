// 67x what users see around the protocol: the cache policy of protected
// pages (a signed-out browser must not show them from its cache), logout
// clearing the browser's cache, and error pages: a title of their own, a
// way on, UTF-8, and the admin's ErrorDocument when there is one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOP, startHttpd, oidcConf, freePort, Browser, rawRequest, unexpectedErrors,
} from './lib/harness.mjs';

let op; let httpd; let withDocs; let offload;

before(async () => {
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  op = await startOP({ redirectUris: [p1, p2].map((p) => `http://127.0.0.1:${p}/oidc/callback`) });
  const common = `
<Location /app/nocache-off>
    AuthOIDCCacheControl off
</Location>
<Location /app/strict>
    AuthOIDCCacheControl "no-store"
</Location>
<Location /mallory>
    AuthType oidc
    AuthOIDCAuthParams "login_hint=mallory"
    Require valid-user
</Location>`;
  httpd = await startHttpd({ name: 'pages', port: p1, locations: common,
    oidc: oidcConf(op, { extra: 'AuthOIDCLogoutURI /logout' }) });
  withDocs = await startHttpd({ name: 'errdocs', port: p2, locations: common,
    oidc: oidcConf(op, { extra: 'AuthOIDCLogoutURI /logout' }),
    extraConf: `
ScriptAlias /errors/ "\${HTDOCS}/cgi/"
<Location /errors>
    Require all granted
</Location>
ErrorDocument 400 /errors/error.cgi
ErrorDocument 403 /errors/error.cgi` });
  // Behind a proxy that terminates TLS: plain http here, https outside.
  offload = await startHttpd({ name: 'offload', port: p3, oidc: oidcConf(op),
    extraConf: `
<VirtualHost 127.0.0.1:${p3}>
    ServerName https://www.example.com
    UseCanonicalName On
    <Location /app>
        AuthType oidc
        Require valid-user
    </Location>
</VirtualHost>` });
});

after(async () => {
  for (const h of [httpd, withDocs, offload]) {
    if (!h) continue;
    assert.deepEqual(unexpectedErrors(h.errorLog(), [/\[oidc-/, /AH01631/]), [], h.root);
    await h.stop();
  }
  op?.stop();
});

test('protected pages are revalidated by default, never stored by shared caches', async () => {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/app/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'private, no-cache');
  // A 304 carries the policy too, or it would renew the cached page.
  const etag = res.headers.get('etag');
  const again = await b.fetch(`${httpd.origin}/app/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('cache-control'), 'private, no-cache');
  // An application's own policy stands, with private beside it.
  const cached = await b.fetch(`${httpd.origin}/app/cgi/cached.cgi`);
  assert.equal(cached.status, 200);
  assert.match(cached.headers.get('cache-control'), /max-age=600/);
  assert.match(cached.headers.get('cache-control'), /private/);
  assert.doesNotMatch(cached.headers.get('cache-control'), /no-cache/);
  // The directive: off keeps only private; a value of the admin's is used.
  const off = await b.fetch(`${httpd.origin}/app/nocache-off/`);
  assert.equal(off.headers.get('cache-control'), 'private');
  const strict = await b.fetch(`${httpd.origin}/app/strict/`);
  assert.equal(strict.headers.get('cache-control'), 'private, no-store');
  // A public page is left alone.
  const pub = await b.fetch(`${httpd.origin}/public/`);
  assert.equal(pub.headers.get('cache-control'), null);
});

test('logout tells the browser to drop what it cached', async () => {
  const b = new Browser();
  assert.equal((await b.get(`${httpd.origin}/app/`)).status, 200);
  const res = await b.fetch(`${httpd.origin}/logout`);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('clear-site-data'), '"cache"');
  assert.ok(res.setCookies.some((c) => /^oidc_session=;.*Max-Age=0/.test(c)));
  const after_ = await b.fetch(`${httpd.origin}/app/`);
  assert.equal(after_.status, 302, 'revalidation sends the signed-out browser to sign in');
});

test('error pages have a title of their own, a way on, and say UTF-8', async () => {
  // A callback without a flow: sign-in could not be completed.
  const bad = await rawRequest(`${httpd.origin}/oidc/callback?code=x&state=${'s'.repeat(43)}`,
    { headers: { Accept: 'text/html' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(bad.body, /<meta charset="utf-8">/);
  assert.match(bad.body, /<title>Sign-in could not be completed<\/title>/);
  assert.match(bad.body, /<a href="\/">Home page<\/a>/);
  assert.doesNotMatch(bad.body, /Sign-in problem/);
  assert.equal(bad.headers.get('cache-control'), 'no-store');

  // A signed-in user whom Require refuses: access denied, and a way out.
  const b = new Browser();
  assert.equal((await b.get(`${httpd.origin}/bob/`)).status, 200);
  const denied = await b.fetch(`${httpd.origin}/app/admin/`);
  assert.equal(denied.status, 403);
  assert.match(denied.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assert.match(denied.body, /<title>Access denied<\/title>/);
  assert.match(denied.body, /<a href="\/logout">Sign out<\/a>/);
  assert.doesNotMatch(denied.body, /PROTECTED-CONTENT/);

  // API clients still get JSON.
  const api = await rawRequest(`${httpd.origin}/oidc/callback?code=x&state=${'s'.repeat(43)}`,
    { headers: { Accept: 'application/json' } });
  assert.equal(api.status, 400);
  assert.match(api.headers.get('content-type'), /^application\/json/);
  assert.equal(api.json().error, 'invalid_request');
});

test("the admin's ErrorDocument is served, with the reason in its environment", async () => {
  const bad = await rawRequest(`${withDocs.origin}/oidc/callback?code=x&state=${'s'.repeat(43)}`,
    { headers: { Accept: 'text/html' } });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /ADMIN-ERROR-PAGE status=400 error=invalid_request description=This sign-in response is unknown/);

  const b = new Browser();
  assert.equal((await b.get(`${withDocs.origin}/bob/`)).status, 200);
  const denied = await b.fetch(`${withDocs.origin}/app/admin/`);
  assert.equal(denied.status, 403);
  assert.match(denied.body, /ADMIN-ERROR-PAGE .*error=access_denied/);
  assert.doesNotMatch(denied.body, /PROTECTED-CONTENT/);

  // API clients keep their JSON.
  const api = await rawRequest(`${withDocs.origin}/oidc/callback?code=x&state=${'s'.repeat(43)}`,
    { headers: { Accept: 'application/json' } });
  assert.equal(api.json().error, 'invalid_request');
});

test('behind a TLS-terminating proxy, ServerName https://... makes the URLs and cookies https', async () => {
  const res = await rawRequest(`${offload.origin}/app/`, {
    headers: { Accept: 'text/html', Host: 'www.example.com' },
  });
  assert.equal(res.status, 302);
  const auth = new URL(res.headers.get('location'));
  assert.equal(auth.searchParams.get('redirect_uri'), 'https://www.example.com/oidc/callback');
  const flow = res.setCookies.find((c) => c.startsWith('oidc_session_flow_'));
  assert.match(flow, /; Secure/);
});
