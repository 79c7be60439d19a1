// 7xx: as users meet it. Debian's chromium, headless, over https against an
// OP over https, signing in on the OP's login form with a typed password:
// cookies as the browser keeps them, redirects it follows, the back
// button, two tabs, fetch() from a page, front-channel logout through the
// OP's iframes, and the pages users see (PNGs in test/integration/artifacts/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOP, startHttpd, oidcConf, freePort, unexpectedErrors, TEST_USERS,
} from './lib/harness.mjs';
import { launchBrowser, screenshot, signInAtTestOP, cgiEnv } from './lib/browser.mjs';

let op; let site; let other; let slow; let untrusting; let browser;
// The second site has a name of its own, as two sites of one OP have: on
// one name, browsers share cookies across ports.
let otherOrigin;
// Where the OP sends the browser after logout (with the module's state).
const landedAfterLogout = (u) => u.href.startsWith(`${site.origin}/public/?state=`);

const logout = `AuthOIDCLogoutURI /oidc/logout
AuthOIDCFrontChannelLogoutURI /oidc/frontchannel-logout
AuthOIDCPostLogoutRedirectURI /public/`;

before(async () => {
  const [p1, p2, p3, p4] = [await freePort(), await freePort(), await freePort(), await freePort()];
  otherOrigin = `https://localhost:${p2}`;
  const redirectUris = [p1, p3].map((p) => `https://127.0.0.1:${p}/oidc/callback`);
  op = await startOP({
    tls: true, loginForm: true, redirectUris,
    rpClient: { frontchannel_logout_uri: `https://127.0.0.1:${p1}/oidc/frontchannel-logout` },
    extraClients: [{
      client_id: 'test-rp-other', client_secret: 'other-secret-0123456789abcdef',
      redirect_uris: [`${otherOrigin}/oidc/callback`],
      grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      post_logout_redirect_uris: [`${otherOrigin}/public/`],
      frontchannel_logout_uri: `${otherOrigin}/oidc/frontchannel-logout`,
    }],
  });
  [site, other, slow, untrusting] = await Promise.all([
    startHttpd({ name: 'browser-site', port: p1, tls: true, oidc: oidcConf(op, { extra: logout }) }),
    startHttpd({ name: 'browser-other', port: p2, tls: true,
      oidc: oidcConf(op, { clientId: 'test-rp-other', extra: `${logout}\nAuthOIDCClientAuth client_secret_post` })
        .replace('AuthOIDCClientSecret file:client.secret', 'AuthOIDCClientSecret other-secret-0123456789abcdef') }),
    startHttpd({ name: 'browser-slow', port: p3, tls: true,
      oidc: oidcConf(op, { extra: 'AuthOIDCLoginTimeout 5' }) }),
    // Without AuthOIDCCABundle: the system CAs, which do not know the test CA.
    startHttpd({ name: 'browser-untrusting', port: p4, tls: true,
      oidc: oidcConf(op).replace(/^AuthOIDCCABundle .*$/m, '') }),
  ]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  const allowed = [/\[oidc-state\]/, /AH01631: user bob: authorization failure/, /\[oidc-provider\]/];
  for (const h of [site, other, slow, untrusting]) {
    if (!h) continue;
    assert.deepEqual(unexpectedErrors(h.errorLog(), allowed), []);
    await h.stop();
  }
  op?.stop();
});

// A fresh browser profile (cookies, cache, history) and its first tab.
async function freshTab() {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

async function signIn(page, url, user = 'alice') {
  await page.goto(url);
  assert.ok(page.url().startsWith(op.issuer), `not sent to the OP: ${page.url()}`);
  await signInAtTestOP(page, user, TEST_USERS[user]);
}

test('sign in on the OP\'s form: the page, the CGI environment, the cookie', async () => {
  const { context, page } = await freshTab();
  await page.goto(`${site.origin}/app/`);
  assert.ok(page.url().startsWith(`${op.issuer}/interaction/`), page.url());
  await screenshot(page, 'op-login-form');
  await signInAtTestOP(page, 'alice', TEST_USERS.alice);
  assert.equal(page.url(), `${site.origin}/app/`);
  assert.match(await page.content(), /PROTECTED-CONTENT app/);

  const env = await cgiEnv(page, site.origin);
  assert.equal(env.REMOTE_USER, 'alice');
  assert.equal(env.OIDC_CLAIM_email, 'alice@example.com');
  assert.equal(env.AUTH_TYPE, 'oidc');

  const cookies = await context.cookies(site.origin);
  const session = cookies.find((c) => c.name === 'oidc_session');
  assert.ok(session, `no session cookie: ${cookies.map((c) => c.name)}`);
  assert.equal(session.secure, true);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  assert.equal(session.expires, -1, 'the session cookie outlives the browser');
  assert.deepEqual(cookies.filter((c) => c.name.startsWith('oidc_session_flow')), [],
    'the login-state cookie stayed');
  await context.close();
});

test('a wrong password keeps the user on the OP\'s form; nothing is served', async () => {
  const { context, page } = await freshTab();
  await page.goto(`${site.origin}/app/`);
  await signInAtTestOP(page, 'alice', 'not-her-password');
  assert.ok(page.url().startsWith(op.issuer), page.url());
  assert.match(await page.innerText('#error'), /Wrong username or password/);
  assert.doesNotMatch(await page.content(), /PROTECTED-CONTENT/);
  await context.close();
});

test('a signed-in user whom Require denies sees the 403 page', async () => {
  const { context, page } = await freshTab();
  await signIn(page, `${site.origin}/app/`, 'bob');
  const res = await page.goto(`${site.origin}/app/admin/`);
  assert.equal(res.status(), 403);
  assert.doesNotMatch(await page.content(), /PROTECTED-CONTENT/);
  await screenshot(page, 'error-403-denied');
  await context.close();
});

test('logout: through the OP, back to the site; the back button shows nothing protected', async () => {
  const { context, page } = await freshTab();
  await signIn(page, `${site.origin}/app/`);
  await page.goto(`${site.origin}/app/cgi/env.cgi`);
  assert.match(await page.content(), /alice@example.com/);

  await page.goto(`${site.origin}/oidc/logout`);
  assert.ok(page.url().startsWith(`${op.issuer}/session/end`), page.url());
  await screenshot(page, 'op-logout-confirm');
  await Promise.all([page.waitForURL(landedAfterLogout), page.click('#sign-out')]);
  assert.deepEqual((await context.cookies(site.origin)).filter((c) => c.name === 'oidc_session'), []);

  // Back through the history to the protected pages (as the back button
  // goes, so the back/forward cache may answer): none is shown again.
  const cdp = await context.newCDPSession(page);
  const { entries } = await cdp.send('Page.getNavigationHistory');
  const protectedEntries = entries.filter((e) => e.url.startsWith(`${site.origin}/app/`));
  assert.ok(protectedEntries.length >= 2, entries.map((e) => e.url).join(' '));
  for (const entry of protectedEntries.reverse()) {
    await Promise.all([page.waitForEvent('load'),
      cdp.send('Page.navigateToHistoryEntry', { entryId: entry.id })]);
    assert.doesNotMatch(await page.content(), /PROTECTED-CONTENT|alice@example.com/,
      `${entry.url} shown again after logout`);
  }
  await cdp.detach();
  // The OP's session is over too: signing in again asks for the password.
  await page.goto(`${site.origin}/app/`);
  assert.ok(page.url().startsWith(`${op.issuer}/interaction/`), page.url());
  assert.ok(await page.isVisible('#password'));
  await context.close();
});

test('front-channel logout: signing out of one site ends the other\'s session through the OP\'s iframe', async () => {
  const { context, page } = await freshTab();
  await signIn(page, `${site.origin}/app/`);
  // The OP knows the browser: the second site signs in without the form.
  await page.goto(`${otherOrigin}/app/`);
  assert.equal(page.url(), `${otherOrigin}/app/`);
  assert.match(await page.content(), /PROTECTED-CONTENT/);

  await page.goto(`${site.origin}/oidc/logout`);
  await Promise.all([page.waitForURL(landedAfterLogout), page.click('#sign-out')]);
  assert.match(other.errorLog(), /\[oidc-frontchannel\] ended 1 session\(s\) for the sid/);
  // The other site's cookie is still in the browser, its session is not.
  assert.ok((await context.cookies(otherOrigin)).some((c) => c.name === 'oidc_session'));
  await page.goto(`${otherOrigin}/app/`);
  assert.ok(page.url().startsWith(`${op.issuer}/interaction/`), page.url());
  assert.doesNotMatch(await page.content(), /PROTECTED-CONTENT/);
  await context.close();
});

test('two tabs that start signing in at once both end signed in', async () => {
  const { context, page } = await freshTab();
  const second = await context.newPage();
  await Promise.all([page.goto(`${site.origin}/app/`), second.goto(`${site.origin}/app/cgi/env.cgi`)]);
  for (const p of [page, second]) assert.ok(p.url().startsWith(`${op.issuer}/interaction/`), p.url());
  await Promise.all([signInAtTestOP(page, 'alice', TEST_USERS.alice),
    signInAtTestOP(second, 'alice', TEST_USERS.alice)]);
  assert.equal(page.url(), `${site.origin}/app/`);
  assert.match(await page.content(), /PROTECTED-CONTENT app/);
  assert.equal(second.url(), `${site.origin}/app/cgi/env.cgi`);
  assert.match(await second.content(), /alice@example.com/);
  await context.close();
});

test('fetch() from a page to a protected API without a session gets a 401, not a redirect', async () => {
  const { context, page } = await freshTab();
  await page.goto(`${site.origin}/public/`);
  const r = await page.evaluate(async () => {
    const res = await fetch('/app/cgi/env.cgi', { headers: { Accept: 'application/json' } });
    return { status: res.status, type: res.type, body: await res.text(),
      www: res.headers.get('www-authenticate') };
  });
  assert.equal(r.status, 401);
  assert.equal(r.type, 'basic');
  assert.doesNotMatch(r.body, /PROTECTED-CONTENT|REMOTE_USER/);
  assert.equal(JSON.parse(r.body).error, 'login_required');
  await context.close();
});

test('a login that takes longer than AuthOIDCLoginTimeout gets the readable page, then starts again', async () => {
  const { context, page } = await freshTab();
  await page.goto(`${slow.origin}/app/`);
  await page.waitForSelector('#username');
  await new Promise((r) => setTimeout(r, 6500));
  await signInAtTestOP(page, 'alice', TEST_USERS.alice);
  assert.ok(page.url().startsWith(`${slow.origin}/oidc/callback?`), page.url());
  const text = await page.innerText('body');
  assert.match(text, /took too long/);
  assert.doesNotMatch(await page.content(), /PROTECTED-CONTENT/);
  await screenshot(page, 'error-login-timeout');
  assert.match(slow.errorLog(), /\[oidc-state\] callback for an expired login state/);
  // Its "Try again" goes back to the page, and signing in then works (the
  // OP still knows the user).
  await Promise.all([page.waitForURL(`${slow.origin}/app/`), page.click('text=Try again')]);
  assert.match(await page.content(), /PROTECTED-CONTENT/);
  await context.close();
});

test('a tampered callback gets the 400 page', async () => {
  const { context, page } = await freshTab();
  const res = await page.goto(`${site.origin}/oidc/callback?code=x&state=${'A'.repeat(43)}`);
  assert.equal(res.status(), 400);
  assert.match(await page.innerText('body'), /start again/i);
  await screenshot(page, 'error-400-callback');
  await context.close();
});

test('an OP whose certificate the module does not trust: the error page, nothing protected', async () => {
  const { context, page } = await freshTab();
  const res = await page.goto(`${untrusting.origin}/app/`);
  assert.ok([502, 503].includes(res.status()), `status ${res.status()}`);
  assert.equal(page.url(), `${untrusting.origin}/app/`, 'sent to the OP all the same');
  assert.doesNotMatch(await page.content(), /PROTECTED-CONTENT/);
  await screenshot(page, `error-${res.status()}-op-untrusted`);
  assert.match(untrusting.errorLog(), /\[oidc-provider\].*(certificate|SSL|TLS)/i);
  await context.close();
});
