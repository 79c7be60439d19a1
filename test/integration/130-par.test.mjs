// 13x pushed authorization requests (RFC 9126) against oidc-provider: an OP
// that requires them (AuthOIDCPushedAuthorization auto, the default,
// follows its discovery), one that merely offers them (on pushes anyway,
// off does not), and a push the OP refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors, configtest } from './lib/harness.mjs';

let strict; let lenient; let auto; let off; let on; let badSecret;

before(async () => {
  const ports = await Promise.all([1, 2, 3, 4].map(() => freePort()));
  const redirectUris = ports.map((p) => `http://127.0.0.1:${p}/oidc/callback`);
  [strict, lenient] = await Promise.all([
    startOP({ redirectUris, par: 'required' }), startOP({ redirectUris })]);
  [auto, off, on, badSecret] = await Promise.all([
    startHttpd({ name: 'par-auto', port: ports[0], oidc: oidcConf(strict) }),
    startHttpd({ name: 'par-off', port: ports[1],
      oidc: oidcConf(strict, { extra: 'AuthOIDCPushedAuthorization off' }) }),
    startHttpd({ name: 'par-on', port: ports[2],
      oidc: oidcConf(lenient, { extra: 'AuthOIDCPushedAuthorization on' }) }),
    startHttpd({ name: 'par-bad-secret', port: ports[3],
      oidc: oidcConf(strict).replace('AuthOIDCClientSecret file:client.secret',
        'AuthOIDCClientSecret not-the-secret-0123456789') }),
  ]);
});

after(async () => {
  const allowed = { 'par-bad-secret': [/\[oidc-par\]/], 'par-off': [/\[oidc-callback\]|\[oidc-login\]/] };
  for (const h of [auto, off, on, badSecret]) {
    if (!h) continue;
    const name = h.root.match(/authnz-oidc-([a-z-]+)-/)[1];
    assert.deepEqual(unexpectedErrors(h.errorLog(), allowed[name] || []), []);
    await h.stop();
  }
  strict?.stop();
  lenient?.stop();
});

// A login through `httpd`: the redirect that started it and the end.
async function login(httpd) {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/app/cgi/env.cgi`);
  return { b, res, first: new URL(res.chain[0].headers.get('location')) };
}

test('an OP that requires PAR: the default pushes, the browser carries only client_id and request_uri', async () => {
  const pushes = (await strict.stats()).paths['/request'] || 0;
  const { res, first } = await login(auto);
  assert.equal(res.status, 200, res.body.slice(0, 300));
  assert.equal(res.json().REMOTE_USER, 'alice');
  assert.deepEqual([...first.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  assert.equal(first.searchParams.get('client_id'), 'test-rp');
  assert.match(first.searchParams.get('request_uri'), /^urn:ietf:params:oauth:request_uri:/);
  assert.equal((await strict.stats()).paths['/request'] - pushes, 1);
  assert.match(auto.errorLog(), /\[oidc-login\] redirecting to the provider to sign in \(pushed request\)/);
});

test('AuthOIDCPushedAuthorization off against an OP that requires PAR: the OP refuses, nothing is served', async () => {
  const b = new Browser();
  const res = await b.get(`${off.origin}/app/`);
  // The OP sends the browser back with error=invalid_request: a 400 page.
  assert.equal(res.status, 400);
  assert.ok(res.url.startsWith(`${off.origin}/oidc/callback?error=invalid_request`), res.url);
  assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
  assert.ok(!b.cookies(off.origin).has('oidc_session'));
});

test('AuthOIDCPushedAuthorization on pushes to an OP that only offers PAR', async () => {
  const { res, first } = await login(on);
  assert.equal(res.status, 200);
  assert.ok(first.searchParams.has('request_uri'));
  assert.ok(!first.searchParams.has('code_challenge'), 'PKCE went through the browser');
  assert.equal((await lenient.stats()).grants.authorization_code, 1);
});

test('a push the OP refuses (wrong client secret) is a 502 page and a tagged line with the OP\'s error, not a loop', async () => {
  const b = new Browser();
  const res = await b.fetch(`${badSecret.origin}/app/`);
  assert.equal(res.status, 502);
  assert.equal(res.headers.get('location'), null);
  assert.match(res.body, /refused the sign-in request/);
  assert.match(badSecret.errorLog(), /\[oidc-par\] pushing the authorization request to \S+\/request failed: HTTP 401, error=invalid_client/);
  assert.doesNotMatch(badSecret.errorLog(), /not-the-secret/);
});

test('AuthOIDCPushedAuthorization takes auto, on or off', () => {
  const r = configtest(`AuthOIDCProvider https://op.example\nAuthOIDCClientID x\nAuthOIDCClientSecret s\n`
    + 'AuthOIDCRedirectURI /cb\nAuthOIDCPushedAuthorization sometimes');
  assert.equal(r.ok, false);
  assert.match(r.output, /AuthOIDCPushedAuthorization must be auto, on or off/);
});

test('configtest: AuthOIDCPushedAuthorization on with an OP that offers no PAR endpoint is an error', async () => {
  const none = await startOP({ redirectUris: ['http://127.0.0.1:1/oidc/callback'], par: 'off' });
  try {
    const conf = (op) => `AuthOIDCProvider ${op.issuer}\nAuthOIDCClientID test-rp\n`
      + 'AuthOIDCClientSecret s\nAuthOIDCRedirectURI /cb\nAuthOIDCPushedAuthorization on';
    const bad = configtest(conf(none));
    assert.equal(bad.ok, false);
    assert.match(bad.output, /\[oidc-config\] AuthOIDCPushedAuthorization on, but \S+\/\.well-known\/openid-configuration names no pushed_authorization_request_endpoint/);
    assert.equal(configtest(conf(lenient)).ok, true, 'an OP that offers PAR');
    // An OP that cannot be reached: a warning, not a failed configtest.
    await none.stop();
    const unreachable = configtest(conf(none));
    assert.equal(unreachable.ok, true, unreachable.output);
    assert.match(unreachable.output, /could not read \S+ to check AuthOIDCPushedAuthorization on/);
  } finally {
    await none.stop();
  }
});
