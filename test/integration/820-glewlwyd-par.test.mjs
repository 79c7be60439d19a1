// 82x glewlwyd with pushed authorization requests required (RFC 9126): the
// module's default (AuthOIDCPushedAuthorization auto) reads that from its
// discovery and pushes; with PAR off glewlwyd refuses the login. And its
// clients authenticated with client_secret_jwt and private_key_jwt
// (RFC 7523), pushed requests included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startHttpd, freePort, Browser, tls, unexpectedErrors, makeTempDir } from './lib/harness.mjs';
import { startGlewlwyd, glewlwydLogin } from './lib/glewlwyd.mjs';

let gw; let auto; let off; let secretJwt; let keyJwt;
const JWT_SECRET = 'a-glewlwyd-secret-for-hs256-0123456789abcd';
// glewlwyd 2.7.5 takes an assertion only with the URL called as its aud
// (the issuer, as rfc7523bis says, gets 401 "invalid jwt assertion").
const ENDPOINT_AUD = 'AuthOIDCClientAssertionAudience endpoint';

const conf = (op, extra = '', { id = op.clients.confidential.id, secret = op.clients.confidential.secret } = {}) => `
AuthOIDCProvider ${op.issuer}
AuthOIDCCABundle ${tls().caFile}
AuthOIDCClientID ${id}
${secret ? `AuthOIDCClientSecret ${secret}` : ''}
AuthOIDCRedirectURI /oidc/callback
AuthOIDCScope "openid email profile"
AuthOIDCRemoteUserClaim preferred_username
AuthOIDCSessionKey file:session.key
${extra}
`;

// A client of glewlwyd authenticated by `method`, its redirect URI on `port`.
const jwtClient = (id, port, method, credentials) => gw.admin('POST', '/client/', {
  client_id: id, name: id, enabled: true, confidential: true,
  redirect_uri: [`http://127.0.0.1:${port}/oidc/callback`], authorization_type: ['code', 'refresh_token'],
  scope: ['openid', 'email', 'profile'], token_endpoint_auth_method: [method], ...credentials,
});

before(async () => {
  const ports = await Promise.all([1, 2, 3, 4].map(() => freePort()));
  gw = await startGlewlwyd({
    parRequired: true, redirectUris: ports.slice(0, 2).map((p) => `http://127.0.0.1:${p}/oidc/callback`),
  });
  const keyFile = path.join(makeTempDir('gw-key'), 'rp.pem');
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await jwtClient('rp-secret-jwt', ports[2], 'client_secret_jwt', { client_secret: JWT_SECRET });
  await jwtClient('rp-key-jwt', ports[3], 'private_key_jwt',
    { pubkey: publicKey.export({ type: 'spki', format: 'pem' }) });
  [auto, off, secretJwt, keyJwt] = await Promise.all([
    startHttpd({ name: 'gw-par-auto', port: ports[0], oidc: conf(gw) }),
    startHttpd({ name: 'gw-par-off', port: ports[1], oidc: conf(gw, 'AuthOIDCPushedAuthorization off') }),
    startHttpd({ name: 'gw-secret-jwt', port: ports[2],
      oidc: conf(gw, `AuthOIDCClientAuth client_secret_jwt\n${ENDPOINT_AUD}`, { id: 'rp-secret-jwt', secret: JWT_SECRET }) }),
    startHttpd({ name: 'gw-key-jwt', port: ports[3],
      oidc: conf(gw, `AuthOIDCClientAuth private_key_jwt\nAuthOIDCClientSigningKey file:${keyFile}\n${ENDPOINT_AUD}`,
        { id: 'rp-key-jwt', secret: null }) }),
  ]);
});

after(async () => {
  for (const h of [auto, off, secretJwt, keyJwt]) {
    if (!h) continue;
    assert.deepEqual(unexpectedErrors(h.errorLog(), [/\[oidc-callback\]|\[oidc-login\]|\[oidc-par\]/]), []);
    await h.stop();
  }
  await gw?.stop();
});

test('glewlwyd requires PAR: the login is pushed, the browser carries only client_id and request_uri', async () => {
  const b = new Browser();
  const first = await b.fetch(`${auto.origin}/app/cgi/env.cgi`);
  assert.equal(first.status, 302);
  const authorize = new URL(first.headers.get('location'));
  assert.equal(`${authorize.origin}${authorize.pathname}`, `${gw.issuer}/auth`);
  assert.deepEqual([...authorize.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  const res = await glewlwydLogin(b, authorize.href, gw.users.alice);
  assert.equal(res.status, 200, res.body.slice(0, 300));
  assert.equal(res.json().REMOTE_USER, 'alice');
  assert.equal(res.json().OIDC_CLAIM_email, 'alice@example.com');
});

test('with AuthOIDCPushedAuthorization off, glewlwyd refuses the login and nothing is served', async () => {
  const b = new Browser();
  const res = await glewlwydLogin(b, `${off.origin}/app/`, gw.users.alice);
  // glewlwyd answers the plain authorization request itself: 403.
  assert.equal(res.status, 403);
  assert.ok(res.url.startsWith(`${gw.issuer}/auth?`), res.url);
  assert.equal(new URL(res.url).searchParams.get('response_type'), 'code');
  assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
  assert.ok(!b.cookies(off.origin).has('oidc_session'));
});

for (const [method, site] of [['client_secret_jwt', () => secretJwt], ['private_key_jwt', () => keyJwt]]) {
  test(`${method}: a pushed login and its code exchange, authenticated with assertions glewlwyd accepts`, async () => {
    const b = new Browser();
    const first = await b.fetch(`${site().origin}/app/cgi/env.cgi`);
    assert.equal(first.status, 302, first.body.slice(0, 300));
    assert.ok(new URL(first.headers.get('location')).searchParams.has('request_uri'));
    const res = await glewlwydLogin(b, first.headers.get('location'), gw.users.alice);
    assert.equal(res.status, 200, res.body.slice(0, 300));
    assert.equal(res.json().REMOTE_USER, 'alice');
    // The PAR and token endpoints each saw an assertion for themselves.
    const log = gw.log();
    assert.doesNotMatch(log, /Error validating client_assertion/);
  });
}

test('an assertion with the issuer as aud is refused by glewlwyd: the 502 page and the OP\'s answer logged', async () => {
  const h = await startHttpd({ name: 'gw-issuer-aud', port: await freePort(),
    oidc: conf(gw, 'AuthOIDCClientAuth client_secret_jwt', { id: 'rp-secret-jwt', secret: JWT_SECRET }) });
  try {
    const res = await new Browser().fetch(`${h.origin}/app/`);
    assert.equal(res.status, 502);
    assert.match(h.errorLog(), /\[oidc-par\] pushing the authorization request to \S+\/par failed: HTTP 401/);
  } finally {
    await h.stop();
  }
});
