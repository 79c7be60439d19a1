// 66x what an outside security trial found: a session of one virtual host
// authenticating on another, anonymous callbacks evicting sessions from a
// small store, a cookie bomb hiding the session cookie, the OP's error
// value reaching the log as markup; and what a user meets around them (the
// back button after a login, a provider whose issuer does not match).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOP, startHttpd, oidcConf, freePort, Browser, rawRequest, unexpectedErrors,
} from './lib/harness.mjs';

let opMain; let opVhost; let httpd; let vhostOrigin; let tiny; let slash;

before(async () => {
  const [main, vhost, tinyPort, slashPort] = [await freePort(), await freePort(),
    await freePort(), await freePort()];
  const callbacks = [main, vhost, tinyPort, slashPort].map((p) => `http://127.0.0.1:${p}/oidc/callback`);
  opMain = await startOP({ redirectUris: callbacks });
  opVhost = await startOP({ redirectUris: callbacks });
  // The main server and a virtual host with a provider and client of its
  // own, sharing the server-level session key and the default store.
  httpd = await startHttpd({
    name: 'vhosts', port: main, oidc: oidcConf(opMain),
    extraConf: `
Listen 127.0.0.1:${vhost}
<VirtualHost 127.0.0.1:${vhost}>
    ServerName 127.0.0.1:${vhost}
    AuthOIDCProvider ${opVhost.issuer}
    AuthOIDCClientID test-rp-post
    AuthOIDCClientSecret file:client.secret
    AuthOIDCClientAuth client_secret_post
    AuthOIDCRedirectURI /oidc/callback
    <Location /app>
        AuthType oidc
        Require valid-user
    </Location>
</VirtualHost>`,
  });
  vhostOrigin = `http://127.0.0.1:${vhost}`;
  // A 64 KB session store: a few hundred markers would fill it.
  tiny = await startHttpd({ name: 'tinyshm', port: tinyPort,
    oidc: oidcConf(opMain, { extra: 'AuthOIDCSessionStore "shmcb:run/small(65536)"' }) });
  // A trailing slash the OP's issuer does not have.
  slash = await startHttpd({ name: 'slash', port: slashPort,
    oidc: oidcConf({ issuer: `${opMain.issuer}/` }) });
});

after(async () => {
  const expected = {
    [httpd.root]: [],
    [tiny.root]: [/\[oidc-token\] token request/],
    [slash.root]: [/\[oidc-provider\]/],
  };
  for (const h of [httpd, tiny, slash]) {
    if (!h) continue;
    assert.deepEqual(unexpectedErrors(h.errorLog(), expected[h.root]), [], h.root);
    await h.stop();
  }
  opMain?.stop();
  opVhost?.stop();
});

const page = (origin, id, extra = '') => rawRequest(`${origin}/app/`, {
  headers: { Accept: 'text/html', Cookie: `${extra}oidc_session=${id}` },
});

test('a session made at one virtual host does not authenticate another', async () => {
  const b = new Browser();
  const res = await b.get(`${vhostOrigin}/app/`);
  assert.equal(res.status, 200);
  assert.match(res.body, /PROTECTED-CONTENT/);
  const id = b.cookies(vhostOrigin).get('oidc_session');
  assert.ok(id);

  const there = await page(httpd.origin, id);
  assert.equal(there.status, 302, 'the main server treats it as no session');
  assert.ok(there.headers.get('location').startsWith(opMain.issuer));
  assert.doesNotMatch(there.body, /PROTECTED-CONTENT/);
  assert.match(httpd.errorLog(), /\[oidc-session\] stored session record does not open here: made for another provider or client/);

  // Left alone: the virtual host still knows its user.
  const back = await page(vhostOrigin, id);
  assert.equal(back.status, 200);
  assert.match(back.body, /PROTECTED-CONTENT/);
});

test('Locations of one virtual host share one session', async () => {
  const b = new Browser();
  assert.equal((await b.get(`${httpd.origin}/app/`)).status, 200);
  const before_ = (await opMain.stats()).grants.authorization_code;
  const cgi = await b.get(`${httpd.origin}/app/cgi/env.cgi`);
  assert.equal(cgi.status, 200);
  const bob = await b.fetch(`${httpd.origin}/roles/`);
  assert.notEqual(bob.status, 302, 'no second login for another Location');
  assert.equal((await opMain.stats()).grants.authorization_code, before_);
});

test('anonymous callbacks with junk codes evict no session from a small store', async () => {
  const victim = new Browser();
  assert.equal((await victim.get(`${tiny.origin}/app/`)).status, 200);
  const id = victim.cookies(tiny.origin).get('oidc_session');

  const junk = async () => {
    const b = new Browser();
    const start = await b.fetch(`${tiny.origin}/app/`);
    assert.equal(start.status, 302);
    const state = new URL(start.headers.get('location')).searchParams.get('state');
    const cb = await b.fetch(`${tiny.origin}/oidc/callback?code=junk-${state.slice(0, 8)}&state=${state}`
      + `&iss=${encodeURIComponent(opMain.issuer)}`);
    assert.equal(cb.status, 502, 'the OP refuses the code');
  };
  for (let round = 0; round < 75; round++) {
    await Promise.all(Array.from({ length: 8 }, junk));
  }
  const res = await page(tiny.origin, id);
  assert.equal(res.status, 200, 'the victim is still signed in after 600 junk callbacks');
  assert.match(res.body, /PROTECTED-CONTENT/);
});

test('a cookie bomb before the session cookie does not hide it', async () => {
  const b = new Browser();
  assert.equal((await b.get(`${httpd.origin}/app/`)).status, 200);
  const id = b.cookies(httpd.origin).get('oidc_session');
  const bomb = Array.from({ length: 150 }, (_, i) => `pad${i}=${'x'.repeat(20)}; `).join('');
  assert.ok(bomb.length > 4000 && bomb.length < 8000);
  const res = await page(httpd.origin, id, bomb);
  assert.equal(res.status, 200);
  assert.match(res.body, /PROTECTED-CONTENT/);

  // The flow cookie at the callback, behind the same bomb.
  const c = new Browser();
  const start = await c.fetch(`${httpd.origin}/app/`);
  let url = start.headers.get('location');
  for (let i = 0; i < 10 && !url.includes('/oidc/callback'); i++) {
    const r = await c.fetch(url);
    url = new URL(r.headers.get('location'), url).toString();
  }
  const cb = await rawRequest(url, {
    headers: { Accept: 'text/html', Cookie: `${bomb}${c.cookieHeader(httpd.origin)}` },
  });
  assert.equal(cb.status, 302);
  assert.ok(cb.setCookies.some((sc) => /^oidc_session=[^;]+;/.test(sc) && !/Max-Age=0/.test(sc)));
});

test("the OP's error value reaches the log bounded and without markup", async () => {
  const b = new Browser();
  const start = await b.fetch(`${httpd.origin}/app/`);
  const state = new URL(start.headers.get('location')).searchParams.get('state');
  const markup = `<img src=x onerror=alert(1)>${'A'.repeat(200)}`;
  const res = await b.fetch(`${httpd.origin}/oidc/callback?state=${state}&error=${encodeURIComponent(markup)}`);
  assert.equal(res.status, 400);
  assert.doesNotMatch(res.body, /<img/);
  const line = httpd.errorLog().split('\n').find((l) => l.includes('the provider returned error='));
  assert.ok(line, 'logged');
  assert.doesNotMatch(line, /<img|>/);
  assert.match(line, /error=%3cimg/i);
  assert.ok(!line.includes('A'.repeat(100)), 'cut short');
});

test('the back button after a login sends a signed-in user on, not to an error', async () => {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/app/cgi/env.cgi?x=1`);
  assert.equal(res.status, 200);
  const callback = res.chain.map((r) => r.url).find((u) => u.includes('/oidc/callback'));
  assert.ok(callback);
  const again = await b.fetch(callback);
  assert.equal(again.status, 302);
  assert.equal(new URL(again.headers.get('location'), httpd.origin).pathname, '/');
  // Without a session, the same replay is an error page.
  const stranger = await rawRequest(callback, { headers: { Accept: 'text/html' } });
  assert.equal(stranger.status, 400);
});

test('a provider whose issuer differs from AuthOIDCProvider is shown as misconfigured', async () => {
  const res = await rawRequest(`${slash.origin}/app/`, { headers: { Accept: 'text/html' } });
  assert.equal(res.status, 502);
  assert.match(res.body, /misconfigured/);
  assert.doesNotMatch(res.body, /cannot be reached/);
  const log = slash.errorLog();
  assert.match(log, new RegExp(`issuer "${opMain.issuer}" is not the configured AuthOIDCProvider "${opMain.issuer}/"`));
});
