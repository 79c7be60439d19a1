// 14x JWT client authentication (RFC 7523) against oidc-provider clients
// registered for client_secret_jwt (HS256) and private_key_jwt (RS256,
// PS256, ES256, with the public keys in their jwks): login, refresh,
// revocation at logout and a pushed request, each authenticated with an
// assertion; and what configtest says about the key file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors, makeTempDir, configtest,
  OFFLINE_LOCATION,
} from './lib/harness.mjs';

const JWT_SECRET = 'a-client-secret-for-hs256-0123456789abcdef';
const TTL = 4;   // access tokens, seconds: the refresh test waits past it
let op; let keys; const sites = {};

// RFC 7638, computed here independently of the module: its kid must match.
function thumbprint(jwk) {
  const members = jwk.kty === 'RSA' ? ['e', 'kty', 'n'] : ['crv', 'kty', 'x', 'y'];
  const canonical = `{${members.map((m) => `"${m}":"${jwk[m]}"`).join(',')}}`;
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

// A private key in a file only root reads, and its public JWK.
function keyFile(name, type) {
  const { privateKey, publicKey } = type === 'RSA'
    ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = path.join(keys, `${name}.pem`);
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const jwk = publicKey.export({ format: 'jwk' });
  return { file, jwk: { ...jwk, kid: thumbprint(jwk) } };
}

const SITES = {
  hs256: { client: 'rp-secret-jwt', auth: 'client_secret_jwt' },
  rs256: { client: 'rp-rs256', auth: 'private_key_jwt', type: 'RSA' },
  ps256: { client: 'rp-ps256', auth: 'private_key_jwt', type: 'RSA', alg: 'PS256' },
  // ... and its logins pushed (PAR), the push authenticated the same way.
  es256: { client: 'rp-es256', auth: 'private_key_jwt', type: 'EC', extra: 'AuthOIDCPushedAuthorization on' },
};

before(async () => {
  keys = makeTempDir('client-keys');
  const ports = Object.fromEntries(await Promise.all(Object.keys(SITES).map(async (k) => [k, await freePort()])));
  const uris = (k) => [`http://127.0.0.1:${ports[k]}/oidc/callback`];
  const clients = Object.entries(SITES).map(([k, s]) => {
    s.key = s.type && keyFile(k, s.type);
    return {
      client_id: s.client, redirect_uris: uris(k), response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      post_logout_redirect_uris: [`http://127.0.0.1:${ports[k]}/`],
      token_endpoint_auth_method: s.auth,
      ...(s.key ? { jwks: { keys: [s.key.jwk] }, token_endpoint_auth_signing_alg: s.alg || (s.type === 'EC' ? 'ES256' : 'RS256') }
        : { client_secret: JWT_SECRET, token_endpoint_auth_signing_alg: 'HS256' }),
    };
  });
  op = await startOP({ redirectUris: uris('hs256'), extraClients: clients, accessTokenTTL: TTL });
  await Promise.all(Object.entries(SITES).map(async ([k, s]) => {
    const credentials = s.key
      ? `AuthOIDCClientSigningKey file:${s.key.file}${s.alg ? ` ${s.alg}` : ''}`
      : `AuthOIDCClientSecret ${JWT_SECRET}`;
    sites[k] = await startHttpd({
      name: `jwt-${k}`, port: ports[k], locations: OFFLINE_LOCATION,
      oidc: oidcConf(op, { clientId: s.client }).replace('AuthOIDCClientSecret file:client.secret\n', '')
        + `AuthOIDCClientAuth ${s.auth}\n${credentials}\nAuthOIDCLogoutURI /oidc/logout\n`
        + `AuthOIDCRefreshBeforeExpiry 0\n${s.extra || ''}\n`,
    });
  }));
});

after(async () => {
  for (const h of Object.values(sites)) {
    assert.deepEqual(unexpectedErrors(h.errorLog()), []);
    await h.stop();
  }
  op?.stop();
});

for (const [k, s] of Object.entries(SITES)) {
  test(`${s.auth}${s.type ? ` (${s.alg || (s.type === 'EC' ? 'ES256' : 'RS256')})` : ''}: login, then revocation at logout, with assertions`, async () => {
    const before = await op.stats();
    const b = new Browser();
    const res = await b.get(`${sites[k].origin}/offline/env.cgi`);
    assert.equal(res.status, 200, res.body.slice(0, 300));
    assert.equal(res.json().REMOTE_USER, 'alice');
    assert.ok(res.json().OIDC_REFRESH_TOKEN, 'no refresh token');
    const mid = await op.stats();
    assert.equal((mid.grants.authorization_code || 0) - (before.grants.authorization_code || 0), 1);
    // Logout revokes both tokens; the OP accepted the assertions (a
    // refused one would be a logged warning, see after()).
    assert.equal((await b.fetch(`${sites[k].origin}/oidc/logout`)).status, 302);
    const end = await op.stats();
    assert.equal((end.paths['/token/revocation'] || 0) - (mid.paths['/token/revocation'] || 0), 2);
    assert.doesNotMatch(sites[k].errorLog(), /revoking .* failed/);
  });
}

test('private_key_jwt: the kid is the key\'s RFC 7638 thumbprint (the OP picked the key by it), on a pushed request too', async () => {
  // The OP's client has only that key, under the thumbprint as kid: a
  // login there means the assertion named it. A second login shows the
  // jti is fresh (oidc-provider refuses a replayed assertion).
  for (let i = 0; i < 2; i++) {
    const pushes = (await op.stats()).paths['/request'] || 0;
    const res = await new Browser().get(`${sites.es256.origin}/app/`);
    assert.equal(res.status, 200);
    assert.ok(new URL(res.chain[0].headers.get('location')).searchParams.has('request_uri'));
    assert.equal((await op.stats()).paths['/request'] - pushes, 1);
  }
});

test('a refresh is authenticated with an assertion too', async () => {
  const b = new Browser();
  const first = (await b.get(`${sites.ps256.origin}/offline/env.cgi`)).json();
  const before = (await op.stats()).grants.refresh_token || 0;
  await new Promise((r) => setTimeout(r, (TTL + 1) * 1000));
  const later = (await b.fetch(`${sites.ps256.origin}/offline/env.cgi`)).json();
  assert.equal(later.REMOTE_USER, 'alice');
  assert.notEqual(later.OIDC_ACCESS_TOKEN, first.OIDC_ACCESS_TOKEN);
  assert.equal(((await op.stats()).grants.refresh_token || 0) - before, 1);
  assert.match(sites.ps256.errorLog(), /\[oidc-refresh\] refreshed the access token/);
});

test('configtest: private_key_jwt needs a key; a key others can read is refused', () => {
  const base = 'AuthOIDCProvider https://op.example\nAuthOIDCClientID x\nAuthOIDCRedirectURI /cb\n';
  const none = configtest(`${base}AuthOIDCClientAuth private_key_jwt`);
  assert.equal(none.ok, false);
  assert.match(none.output, /AuthOIDCClientAuth private_key_jwt needs AuthOIDCClientSigningKey/);
  const open = path.join(keys, 'open.pem');
  fs.copyFileSync(SITES.rs256.key.file, open);
  fs.chmodSync(open, 0o644);
  const readable = configtest(`${base}AuthOIDCClientAuth private_key_jwt\nAuthOIDCClientSigningKey file:${open}`);
  assert.equal(readable.ok, false);
  assert.match(readable.output, /may be read or written by others than its owner: chmod 600 it/);
  assert.doesNotMatch(readable.output, /BEGIN|PRIVATE KEY/);
  const wrongAlg = configtest(`${base}AuthOIDCClientAuth private_key_jwt\nAuthOIDCClientSigningKey file:${SITES.es256.key.file} RS256`);
  assert.match(wrongAlg.output, /an EC P-256 key signs with ES256/);
  const ok = configtest(`${base}AuthOIDCClientAuth private_key_jwt\nAuthOIDCClientSigningKey file:${SITES.es256.key.file}`);
  assert.equal(ok.ok, true, ok.output);
});
