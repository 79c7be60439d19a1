// 6xx bad input: every malformed or hostile request gets the right status,
// a short page (JSON for API clients), a tagged log line, and no session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOP, startHttpd, oidcConf, freePort, Browser, rawRequest, unexpectedErrors,
} from './lib/harness.mjs';

// The "big" test account's claims make a session record of several kB.
const BIG = '<Location /big>\n  AuthType oidc\n  AuthOIDCAuthParams "login_hint=big"\n  Require valid-user\n</Location>';

let op; let httpd; let deadOpHttpd; let tinyStoreHttpd; let wrongSecretHttpd; let headersHttpd;

before(async () => {
  const ports = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  op = await startOP({ redirectUris: ports.map((p) => `http://127.0.0.1:${p}/oidc/callback`) });
  httpd = await startHttpd({ name: 'bad', port: ports[0], oidc: oidcConf(op),
    locations: `ScriptAlias /hdr-cgi/ "\${HTDOCS}/cgi/"
<Location /hdr-cgi>
  AuthType oidc
  AuthOIDCPassClaimsAs both
  Require valid-user
</Location>
<Location /mallory>
  AuthType oidc
  AuthOIDCAuthParams "login_hint=mallory"
  Require valid-user
</Location>` });
  const deadPort = await freePort();   // nothing listens there
  deadOpHttpd = await startHttpd({ name: 'deadop', port: ports[1],
    oidc: oidcConf({ issuer: `http://127.0.0.1:${deadPort}` }, { extra: 'AuthOIDCHTTPTimeout 2' }) });
  // A store far too small for a session record: it refuses the write.
  tinyStoreHttpd = await startHttpd({ name: 'tinystore', port: ports[2],
    oidc: oidcConf(op, { extra: 'AuthOIDCSessionStore "shmcb:run/tiny(16384)"\nAuthOIDCSessionMaxSize 65536' }), locations: BIG });
  wrongSecretHttpd = await startHttpd({ name: 'wrongsecret', port: ports[3],
    oidc: oidcConf(op).replace('file:client.secret', 'not-the-secret') });
  headersHttpd = await startHttpd({ name: 'maxsize', port: ports[4],
    oidc: oidcConf(op, { extra: 'AuthOIDCSessionMaxSize 2048' }),
    locations: BIG });
});

after(async () => {
  const expected = {
    [httpd.root]: [/\[oidc-token\]/],
    [deadOpHttpd.root]: [/\[oidc-provider\] fetching discovery document/],
    [tinyStoreHttpd.root]: [/\[oidc-store\] session store refused/, /socache_shmcb:error.*AH008(44|33)/],
    [wrongSecretHttpd.root]: [/\[oidc-token\] token request/],
    [headersHttpd.root]: [/\[oidc-session\] session record exceeds/],
  };
  for (const h of [httpd, deadOpHttpd, tinyStoreHttpd, wrongSecretHttpd, headersHttpd]) {
    if (!h) continue;
    assert.deepEqual(unexpectedErrors(h.errorLog(), expected[h.root]), [], h.root);
    await h.stop();
  }
  op?.stop();
});

// Starts a login and stops at the OP: returns the browser (holding the flow
// cookie), the state and the OP's authorization URL.
async function startLogin(h, path = '/app/') {
  const b = new Browser();
  const res = await b.fetch(`${h.origin}${path}`);
  assert.equal(res.status, 302);
  const auth = new URL(res.headers.get('location'));
  return { b, state: auth.searchParams.get('state'), auth };
}

// Follows the OP until it redirects back to us; returns the callback URL.
async function callbackUrl(b, auth) {
  let url = auth.toString();
  for (let i = 0; i < 10; i++) {
    const res = await b.fetch(url);
    const loc = new URL(res.headers.get('location'), url);
    if (loc.pathname === '/oidc/callback') return loc.toString();
    url = loc.toString();
  }
  throw new Error('the OP never returned to the callback');
}

function assertNoSession(res) {
  assert.ok(!res.setCookies.some((c) => /^oidc_session=[^;]/.test(c)), 'a session cookie was set');
  assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
}

test('callback without state: 400', async () => {
  const res = await new Browser().fetch(`${httpd.origin}/oidc/callback?code=abc`);
  assert.equal(res.status, 400);
  assert.match(res.body, /missing its state/);
  assertNoSession(res);
  assert.match(httpd.errorLog(), /\[oidc-state\] callback without a state parameter/);
});

test('callback with an unknown or malformed state: 400', async () => {
  for (const state of ['x', 'A'.repeat(43), '%00', 'A'.repeat(5000)]) {
    const res = await new Browser().fetch(`${httpd.origin}/oidc/callback?code=abc&state=${state}`);
    assert.equal(res.status, 400, `state ${state.slice(0, 10)}`);
    assertNoSession(res);
  }
});

test('callback with duplicate or too many parameters: 400', async () => {
  const { b, state } = await startLogin(httpd);
  let res = await b.fetch(`${httpd.origin}/oidc/callback?code=a&code=b&state=${state}`);
  assert.equal(res.status, 400);
  const many = Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&');
  res = await b.fetch(`${httpd.origin}/oidc/callback?${many}&state=${state}`);
  assert.equal(res.status, 400);
  assert.match(httpd.errorLog(), /\[oidc-callback\] malformed callback query/);
});

test('a replayed callback is refused, even with the flow cookie restored', async () => {
  const { b, auth } = await startLogin(httpd);
  const flowCookies = new Map(b.cookies(httpd.origin));
  const cb = await callbackUrl(b, auth);
  const first = await b.fetch(cb);
  assert.equal(first.status, 302);
  assert.ok(first.setCookies.some((c) => c.startsWith('oidc_session=')));
  // Same browser (the back button): its flow cookie is gone, its session
  // is valid, so it is sent on to the site.
  const again = await b.fetch(cb);
  assert.equal(again.status, 302);
  assert.equal(again.headers.get('location'), `${httpd.origin}/`);
  assertNoSession(again);
  // An attacker who captured the flow cookie and the callback URL: the OP
  // refuses the spent code, and nothing was written for the attempt.
  const thief = new Browser();
  for (const [k, v] of flowCookies) thief.cookies(httpd.origin).set(k, v);
  const stolen = await thief.fetch(cb);
  assert.equal(stolen.status, 502);
  assert.doesNotMatch(stolen.body, /PROTECTED-CONTENT/);
  assertNoSession(stolen);
  assert.match(httpd.errorLog(), /\[oidc-token\] token request .* failed/);
});

test('a callback in another browser (no flow cookie) is refused', async () => {
  const { b, auth } = await startLogin(httpd);
  const cb = await callbackUrl(b, auth);
  const res = await new Browser().fetch(cb);
  assert.equal(res.status, 400);
  assertNoSession(res);
});

test('a tampered flow cookie is refused', async () => {
  const { b, state } = await startLogin(httpd);
  const jar = b.cookies(httpd.origin);
  const [name, value] = [...jar].find(([k]) => k.startsWith('oidc_session_flow_'));
  jar.set(name, value.slice(0, -2) + (value.endsWith('A') ? 'BB' : 'AA'));
  const res = await b.fetch(`${httpd.origin}/oidc/callback?code=abc&state=${state}`);
  assert.equal(res.status, 400);
  assertNoSession(res);
});

test('an OP error response shows a clear page with a way back', async () => {
  const { b, state } = await startLogin(httpd, '/app/cgi/env.cgi?x=1');
  const res = await b.fetch(`${httpd.origin}/oidc/callback?error=access_denied&error_description=no&state=${state}`);
  assert.equal(res.status, 403);
  assert.match(res.body, /did not sign you in \(access_denied\)/);
  assert.ok(res.body.includes(`href="${httpd.origin}/app/cgi/env.cgi?x=1"`));
  assertNoSession(res);
  assert.match(httpd.errorLog(), /\[oidc-callback\] the provider returned error=access_denied/);
});

test('an OP error response with markup is escaped', async () => {
  const { b, state } = await startLogin(httpd);
  const res = await b.fetch(`${httpd.origin}/oidc/callback?error=%3Cscript%3E&state=${state}`);
  assert.equal(res.status, 400);
  assert.doesNotMatch(res.body, /<script>/);
});

test('a bogus code: the OP refuses the token request, 502', async () => {
  const { b, state } = await startLogin(httpd);
  const res = await b.fetch(`${httpd.origin}/oidc/callback?code=bogus&state=${state}&iss=${encodeURIComponent(op.issuer)}`);
  assert.equal(res.status, 502);
  assertNoSession(res);
  assert.match(httpd.errorLog(), /\[oidc-token\] token request to .* failed: HTTP 400, error=invalid_grant/);
});

test('a callback naming another issuer is refused (RFC 9207 mix-up defence)', async () => {
  const { b, auth } = await startLogin(httpd);
  const cb = new URL(await callbackUrl(b, auth));
  cb.searchParams.set('iss', 'https://evil.example');
  const res = await b.fetch(cb.toString());
  assert.equal(res.status, 400);
  assertNoSession(res);
});

test('a wrong client secret: the token request fails with 502, and the secret is not logged', async () => {
  const res = await new Browser().get(`${wrongSecretHttpd.origin}/app/`);
  assert.equal(res.status, 502);
  assertNoSession(res);
  const log = wrongSecretHttpd.errorLog();
  assert.match(log, /\[oidc-token\] token request .*error=invalid_client/);
  assert.doesNotMatch(log, /not-the-secret/);
});

test('an unreachable OP: 503 with a clear page, no flow cookie', async () => {
  const res = await new Browser().fetch(`${deadOpHttpd.origin}/app/`);
  assert.equal(res.status, 503);
  assert.match(res.body, /cannot be reached/);
  assert.equal(res.setCookies.length, 0);
  // Within the failure back-off, the next request fails at once, the same way.
  const again = await new Browser().fetch(`${deadOpHttpd.origin}/app/`);
  assert.equal(again.status, 503);
  assert.match(deadOpHttpd.errorLog(), /\[oidc-provider\] fetching discovery document/);
});

test('a store that refuses the record: 503, no session cookie', async () => {
  const res = await new Browser().get(`${tinyStoreHttpd.origin}/big/`);
  assert.equal(res.status, 503);
  assert.match(res.body, /could not be saved/);
  assertNoSession(res);
  assert.match(tinyStoreHttpd.errorLog(), /\[oidc-store\] session store refused the session record/);
});

test('a session larger than AuthOIDCSessionMaxSize is refused, not truncated', async () => {
  const res = await new Browser().get(`${headersHttpd.origin}/big/`);
  assert.equal(res.status, 500);
  assertNoSession(res);
  assert.match(headersHttpd.errorLog(), /\[oidc-session\] session record exceeds the 2048 byte limit/);
});

test('spoofed claim headers never reach the application', async () => {
  const spoof = [
    ['OIDC_CLAIM_email', 'evil@example.com'], ['OIDC-CLAIM-sub', 'root'],
    ['oidc_claim_groups', 'admins'], ['Oidc-Access-Token', 'forged'],
  ];
  // Unprotected path.
  let res = await rawRequest(`${httpd.origin}/public-cgi/env.cgi`, { headers: spoof });
  assert.equal(res.status, 200);
  let env = res.json();
  assert.deepEqual(Object.keys(env).filter((k) => /OIDC/i.test(k)), []);
  // Protected path, authenticated, with claims passed as headers too.
  const b = new Browser();
  await b.get(`${httpd.origin}/app/`);
  res = await b.fetch(`${httpd.origin}/app/cgi/env.cgi`, { headers: Object.fromEntries(spoof) });
  env = res.json();
  assert.equal(env.OIDC_CLAIM_email, 'alice@example.com');
  assert.equal(env.OIDC_CLAIM_sub, 'alice');
  assert.equal(env.HTTP_OIDC_CLAIM_EMAIL, undefined);
  assert.equal(env.HTTP_OIDC_ACCESS_TOKEN, undefined);
  assert.match(httpd.errorLog(), /\[oidc-spoof\] removed incoming request header/);
});

test('AuthOIDCPassClaimsAs both: claims arrive as headers too, spoofing replaced', async () => {
  const b = new Browser();
  await b.get(`${httpd.origin}/app/`);
  const res = await b.fetch(`${httpd.origin}/hdr-cgi/env.cgi`, {
    headers: { 'OIDC-CLAIM-email': 'evil@example.com' },
  });
  assert.equal(res.status, 200);
  const env = res.json();
  assert.equal(env.OIDC_CLAIM_email, 'alice@example.com');
  assert.equal(env.HTTP_OIDC_CLAIM_EMAIL, 'alice@example.com');
  assert.equal(env.HTTP_OIDC_CLAIM_SUB, 'alice');
});

test('CR/LF in a claim value cannot split or inject headers', async () => {
  const b = new Browser();
  assert.equal((await b.get(`${httpd.origin}/mallory/`)).status, 404);   // logged in, no such page
  const env = (await b.fetch(`${httpd.origin}/hdr-cgi/env.cgi`)).json();
  assert.equal(env.REMOTE_USER, 'mallory');
  assert.equal(env.HTTP_OIDC_CLAIM_NAME, 'Mallory  X-Injected: yes');
  assert.equal(env.OIDC_CLAIM_name, 'Mallory  X-Injected: yes');
  assert.equal(env.HTTP_X_INJECTED, undefined);
});

test('hundreds of cookies and cookies without "=" are harmless', async () => {
  const b = new Browser();
  await b.get(`${httpd.origin}/app/`);
  const junk = Array.from({ length: 300 }, (_, i) => `c${i}=${i}`).join('; ');
  const res = await rawRequest(`${httpd.origin}/app/cgi/env.cgi`, {
    headers: { Cookie: `${junk}; novalue; ; =x; ${b.cookieHeader(httpd.origin)}`, 'Sec-Fetch-Mode': 'navigate' },
  });
  // Our cookie sits past the parse bound: treated as no session, a login.
  assert.ok([200, 302].includes(res.status));
  assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
});
