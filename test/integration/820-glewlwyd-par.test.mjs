// 82x glewlwyd with pushed authorization requests required (RFC 9126): the
// module's default (AuthOIDCPushedAuthorization auto) reads that from its
// discovery and pushes; with PAR off glewlwyd refuses the login.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpd, freePort, Browser, tls, unexpectedErrors } from './lib/harness.mjs';
import { startGlewlwyd, glewlwydLogin } from './lib/glewlwyd.mjs';

let gw; let auto; let off;

const conf = (op, extra = '') => `
AuthOIDCProvider ${op.issuer}
AuthOIDCCABundle ${tls().caFile}
AuthOIDCClientID ${op.clients.confidential.id}
AuthOIDCClientSecret ${op.clients.confidential.secret}
AuthOIDCRedirectURI /oidc/callback
AuthOIDCScope "openid email profile"
AuthOIDCRemoteUserClaim preferred_username
AuthOIDCSessionKey file:session.key
${extra}
`;

before(async () => {
  const ports = [await freePort(), await freePort()];
  gw = await startGlewlwyd({
    parRequired: true, redirectUris: ports.map((p) => `http://127.0.0.1:${p}/oidc/callback`),
  });
  [auto, off] = await Promise.all([
    startHttpd({ name: 'gw-par-auto', port: ports[0], oidc: conf(gw) }),
    startHttpd({ name: 'gw-par-off', port: ports[1], oidc: conf(gw, 'AuthOIDCPushedAuthorization off') }),
  ]);
});

after(async () => {
  for (const h of [auto, off]) {
    if (!h) continue;
    assert.deepEqual(unexpectedErrors(h.errorLog(), [/\[oidc-callback\]|\[oidc-login\]/]), []);
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
