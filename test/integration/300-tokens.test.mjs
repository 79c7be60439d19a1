// 3xx tokens: passed to the application only where the admin asks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from './lib/harness.mjs';

let op; let httpd;

const locations = `
ScriptAlias /tok/ "\${HTDOCS}/cgi/"
ScriptAlias /tok-bearer/ "\${HTDOCS}/cgi/"
ScriptAlias /tok-all/ "\${HTDOCS}/cgi/"
<Location /tok>
    AuthType oidc
    AuthOIDCPassAccessToken on
    Require valid-user
</Location>
<Location /tok-bearer>
    AuthType oidc
    AuthOIDCPassAccessToken bearer
    CGIPassAuth On
    Require valid-user
</Location>
<Location /tok-all>
    AuthType oidc
    AuthOIDCPassIDToken on
    AuthOIDCPassRefreshToken on
    Require valid-user
</Location>
`;

before(async () => {
  const port = await freePort();
  op = await startOP({ redirectUris: [`http://127.0.0.1:${port}/oidc/callback`] });
  httpd = await startHttpd({ name: 'tokens', port, oidc: oidcConf(op), locations });
});

after(async () => {
  assert.deepEqual(unexpectedErrors(httpd.errorLog()), []);
  await httpd.stop();
  op.stop();
});

test('no token reaches the application unless asked', async () => {
  const b = new Browser();
  const env = (await b.get(`${httpd.origin}/app/cgi/env.cgi`)).json();
  assert.deepEqual(Object.keys(env).filter((k) => /TOKEN|AUTHORIZATION/.test(k)), []);
});

test('AuthOIDCPassAccessToken on: OIDC_ACCESS_TOKEN and its expiry', async () => {
  const b = new Browser();
  const env = (await b.get(`${httpd.origin}/tok/env.cgi`)).json();
  assert.match(env.OIDC_ACCESS_TOKEN, /^[A-Za-z0-9_-]{20,}$/);
  const expires = Number(env.OIDC_ACCESS_TOKEN_EXPIRES);
  const now = Date.now() / 1000;
  assert.ok(expires > now + 3000 && expires < now + 3700, `expires ${expires}`);
  assert.equal(env.HTTP_AUTHORIZATION, undefined);
  assert.equal(env.OIDC_ID_TOKEN, undefined);
  // The token is the OP's: userinfo accepts it.
  const ui = await fetch(`${op.issuer}/me`, { headers: { Authorization: `Bearer ${env.OIDC_ACCESS_TOKEN}` } });
  assert.equal(ui.status, 200);
  assert.equal((await ui.json()).sub, 'alice');
});

test('AuthOIDCPassAccessToken bearer: Authorization: Bearer replaces the client\'s', async () => {
  const b = new Browser();
  await b.get(`${httpd.origin}/app/`);
  const env = (await b.fetch(`${httpd.origin}/tok-bearer/env.cgi`, {
    headers: { Authorization: 'Bearer forged' },
  })).json();
  assert.equal(env.HTTP_AUTHORIZATION, `Bearer ${env.OIDC_ACCESS_TOKEN}`);
  assert.notEqual(env.OIDC_ACCESS_TOKEN, 'forged');
});

test('AuthOIDCPassIDToken on: the ID token, and no refresh token without offline_access', async () => {
  const b = new Browser();
  const env = (await b.get(`${httpd.origin}/tok-all/env.cgi`)).json();
  const [, payload] = env.OIDC_ID_TOKEN.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.aud, 'test-rp');
  assert.equal(env.OIDC_REFRESH_TOKEN, undefined);
  assert.equal(env.OIDC_ACCESS_TOKEN, undefined);
});
