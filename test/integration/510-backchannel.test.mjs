// 51x logout from the OP: Back-Channel Logout 1.0 (oidc-provider's own,
// and hand-made invalid logout tokens) and Front-Channel Logout, across two
// nodes sharing redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  startOP, startHttpd, startStore, oidcConf, freePort, Browser, rawRequest, unexpectedErrors,
} from './lib/harness.mjs';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
let op; let store; let a; let b;

before(async () => {
  const [pa, pb] = [await freePort(), await freePort()];
  op = await startOP({
    redirectUris: [pa, pb].map((p) => `http://127.0.0.1:${p}/oidc/callback`),
    // The OP notifies node B; node A's sessions must end as well.
    rpClient: {
      backchannel_logout_uri: `http://127.0.0.1:${pb}/oidc/backchannel-logout`,
      backchannel_logout_session_required: true,
    },
  });
  store = await startStore('redis');
  const extra = `AuthOIDCSessionStore ${store.spec}
AuthOIDCBackChannelLogoutURI /oidc/backchannel-logout
AuthOIDCFrontChannelLogoutURI /oidc/frontchannel-logout`;
  a = await startHttpd({ name: 'bcl-a', port: pa, extraModules: [store.module], oidc: oidcConf(op, { extra }) });
  b = await startHttpd({ name: 'bcl-b', port: pb, extraModules: [store.module], oidc: oidcConf(op, { extra }) });
});

after(async () => {
  for (const h of [a, b]) {
    assert.deepEqual(unexpectedErrors(h.errorLog()), []);
    await h.stop();
  }
  await store.stop();
  op.stop();
});

async function loginOnA() {
  const browser = new Browser();
  const res = await browser.get(`${a.origin}/app/cgi/env.cgi`);
  assert.equal(res.status, 200);
  return { browser, sid: res.json().OIDC_CLAIM_sid, cookie: browser.cookies(a.origin).get('oidc_session') };
}

async function stillSignedIn(cookie) {
  const x = new Browser();
  x.cookies(a.origin).set('oidc_session', cookie);
  return (await x.fetch(`${a.origin}/app/`)).status === 200;
}

function postToken(token, headers = { 'Content-Type': 'application/x-www-form-urlencoded' }) {
  return rawRequest(`${b.origin}/oidc/backchannel-logout`, {
    method: 'POST', headers, body: `logout_token=${encodeURIComponent(token)}`,
  });
}

function claims(sid, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: op.issuer, aud: 'test-rp', iat: now, exp: now + 120, jti: crypto.randomUUID(),
    events: { [EVENT]: {} }, sid, ...extra };
}

test('the OP\'s own back-channel logout ends the session on every node', async () => {
  const { browser, sid, cookie } = await loginOnA();
  assert.ok(sid, 'the ID token has no sid');
  assert.ok(await stillSignedIn(cookie));
  // The user signs out at the OP (its end_session page, confirmed).
  const end = await browser.fetch(`${op.issuer}/session/end`);
  assert.equal(end.status, 200);
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(end.body)[1];
  const confirm = await browser.fetch(`${op.issuer}/session/end/confirm`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `xsrf=${xsrf}&logout=yes`,
  });
  assert.ok([200, 302, 303].includes(confirm.status), `confirm: ${confirm.status}`);
  let ended = false;
  for (let i = 0; i < 40 && !ended; i++) {
    ended = !(await stillSignedIn(cookie));
    if (!ended) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(ended, 'the session survived the OP\'s logout');
  assert.match(b.errorLog(), /\[oidc-backchannel\] ended 1 session\(s\) for sid/);
});

test('a valid hand-made logout token by sub ends all that user\'s sessions', async () => {
  const one = await loginOnA();
  const two = await loginOnA();
  const res = await postToken(await op.sign(claims(undefined, { sub: 'alice' }), { typ: 'logout+jwt' }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(await stillSignedIn(one.cookie), false);
  assert.equal(await stillSignedIn(two.cookie), false);
});

test('invalid logout tokens are refused with 400 and end nothing', async () => {
  const { sid, cookie } = await loginOnA();
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    ['no events', claims(sid, { events: undefined })],
    ['other event', claims(sid, { events: { 'http://example.com/other': {} } })],
    ['nonce present', claims(sid, { nonce: 'n' })],
    ['other audience', claims(sid, { aud: 'someone-else' })],
    ['other issuer', claims(sid, { iss: 'https://evil.example' })],
    ['no sid nor sub', claims(undefined)],
    ['no jti', claims(sid, { jti: undefined })],
    ['iat too old', claims(sid, { iat: now - 3600 })],
    ['iat in the future', claims(sid, { iat: now + 3600 })],
    ['expired', claims(sid, { exp: now - 600 })],
    ['no exp', claims(sid, { exp: undefined })],
  ];
  for (const [name, payload] of cases) {
    const res = await postToken(await op.sign(JSON.parse(JSON.stringify(payload))));
    assert.equal(res.status, 400, name);
    assert.equal(res.json().error, 'invalid_request', name);
  }
  const typed = await postToken(await op.sign(claims(sid), { typ: 'at+jwt' }));
  assert.equal(typed.status, 400, 'typ at+jwt');
  const forged = (await op.sign(claims(sid))).slice(0, -4) + 'AAAA';
  assert.equal((await postToken(forged)).status, 400, 'bad signature');
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims(sid))).toString('base64url')}.`;
  assert.equal((await postToken(none)).status, 400, 'alg none');
  assert.equal((await postToken('not-a-jwt')).status, 400, 'junk');
  assert.equal((await postToken(await op.sign(claims(sid)), { 'Content-Type': 'text/plain' })).status, 400, 'content type');
  const get = await rawRequest(`${b.origin}/oidc/backchannel-logout`);
  assert.equal(get.status, 405);
  assert.ok(await stillSignedIn(cookie), 'an invalid token ended the session');
  assert.match(b.errorLog(), /\[oidc-backchannel\] logout token rejected \(events\)/);
});

test('a replayed logout token (same jti) is refused', async () => {
  const { sid } = await loginOnA();
  const token = await op.sign(claims(sid));
  assert.equal((await postToken(token)).status, 200);
  const again = await postToken(token);
  assert.equal(again.status, 400);
  assert.match(b.errorLog(), /logout token replayed/);
});

test('front-channel logout ends the sessions of the sid, in an embeddable page', async () => {
  const { sid, cookie } = await loginOnA();
  const res = await new Browser().fetch(`${b.origin}/oidc/frontchannel-logout?iss=${encodeURIComponent(op.issuer)}&sid=${encodeURIComponent(sid)}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-frame-options'), null);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.equal(await stillSignedIn(cookie), false);
  const other = await new Browser().fetch(`${b.origin}/oidc/frontchannel-logout?iss=https://evil.example&sid=${sid}`);
  assert.equal(other.status, 400);
});
