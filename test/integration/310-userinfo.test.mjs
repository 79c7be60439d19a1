// 31x UserInfo: claims from the userinfo_endpoint merged under the ID
// token's, at login and at an interval.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from './lib/harness.mjs';

let op; let atLogin; let refreshing;

before(async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  op = await startOP({ redirectUris: [p1, p2].map((p) => `http://127.0.0.1:${p}/oidc/callback`) });
  atLogin = await startHttpd({ name: 'userinfo', port: p1,
    oidc: oidcConf(op, { extra: 'AuthOIDCUserInfo On' }) });
  refreshing = await startHttpd({ name: 'userinfo-refresh', port: p2,
    oidc: oidcConf(op, { extra: 'AuthOIDCUserInfo On\nAuthOIDCUserInfoRefreshInterval 1' }) });
});

after(async () => {
  for (const h of [atLogin, refreshing]) {
    assert.deepEqual(unexpectedErrors(h.errorLog()), []);
    await h.stop();
  }
  op.stop();
});

test('UserInfo claims are merged at login; the ID token\'s win', async () => {
  const env = (await new Browser().get(`${atLogin.origin}/app/cgi/env.cgi`)).json();
  assert.equal(env.OIDC_CLAIM_userinfo_only, 'yes');
  assert.equal(env.OIDC_CLAIM_name, 'Alice Example');
  assert.equal(env.OIDC_CLAIM_sub, 'alice');
});

test('without an interval, UserInfo is read once per login', async () => {
  const b = new Browser();
  const first = (await b.get(`${atLogin.origin}/app/cgi/env.cgi`)).json();
  const before = (await op.stats()).paths['/me'];
  await new Promise((r) => setTimeout(r, 1100));
  const again = (await b.fetch(`${atLogin.origin}/app/cgi/env.cgi`)).json();
  assert.equal(again.OIDC_CLAIM_userinfo_seq, first.OIDC_CLAIM_userinfo_seq);
  assert.equal((await op.stats()).paths['/me'], before);
});

test('AuthOIDCUserInfoRefreshInterval refreshes the claims of a live session', async () => {
  const b = new Browser();
  const first = (await b.get(`${refreshing.origin}/app/cgi/env.cgi`)).json();
  const same = (await b.fetch(`${refreshing.origin}/app/cgi/env.cgi`)).json();
  assert.equal(same.OIDC_CLAIM_userinfo_seq, first.OIDC_CLAIM_userinfo_seq);
  await new Promise((r) => setTimeout(r, 1100));
  const later = (await b.fetch(`${refreshing.origin}/app/cgi/env.cgi`)).json();
  assert.ok(Number(later.OIDC_CLAIM_userinfo_seq) > Number(first.OIDC_CLAIM_userinfo_seq));
  assert.equal(later.OIDC_CLAIM_name, 'Alice Example');
  assert.equal(later.REMOTE_USER, 'alice');
});
