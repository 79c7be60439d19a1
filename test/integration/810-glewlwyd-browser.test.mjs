// 8xx glewlwyd as users meet it: Debian's chromium, headless, against
// Debian's glewlwyd serving its own login webapp (lib/glewlwyd.mjs,
// `webapp: true`) and an httpd over https. The password is typed into
// glewlwyd's form, the consent given and the logout confirmed on its pages,
// by clicking what a user clicks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpd, freePort, tls, unexpectedErrors } from './lib/harness.mjs';
import { startGlewlwyd } from './lib/glewlwyd.mjs';
import { launchBrowser, screenshot, cgiEnv } from './lib/browser.mjs';

let gw; let site; let browser;

before(async () => {
  const port = await freePort();
  const origin = `https://127.0.0.1:${port}`;
  gw = await startGlewlwyd({
    webapp: true, redirectUris: [`${origin}/oidc/callback`], postLogoutRedirectUris: [`${origin}/public/`],
  });
  const client = gw.clients.confidential;
  [site, browser] = await Promise.all([
    startHttpd({ name: 'gw-browser', port, tls: true, oidc: `
AuthOIDCProvider ${gw.issuer}
AuthOIDCCABundle ${tls().caFile}
AuthOIDCClientID ${client.id}
AuthOIDCClientSecret ${client.secret}
AuthOIDCRedirectURI /oidc/callback
AuthOIDCScope "openid email profile"
AuthOIDCRemoteUserClaim preferred_username
AuthOIDCSessionKey file:session.key
AuthOIDCLogoutURI /oidc/logout
AuthOIDCPostLogoutRedirectURI /public/
` }),
    launchBrowser(),
  ]);
});

after(async () => {
  await browser?.close();
  if (site) {
    assert.deepEqual(unexpectedErrors(site.errorLog()), []);
    await site.stop();
  }
  await gw?.stop();
});

const isLoginPage = (url) => url.startsWith(`${gw.origin}/login.html?`);

// Goes to /app/, which sends the browser to glewlwyd's login page; resolves
// once the page knows nobody is signed in at glewlwyd (its GET
// /api/profile_list got 401: the page draws the password form before that
// answer too) and shows the password form.
async function toPasswordForm(page) {
  const profiles = page.waitForResponse((r) => r.url().startsWith(`${gw.origin}/api/profile_list`));
  await page.goto(`${site.origin}/app/`);
  assert.ok(isLoginPage(page.url()), `not sent to glewlwyd's login page: ${page.url()}`);
  assert.equal((await profiles).status(), 401, 'someone is signed in at glewlwyd');
  await page.waitForSelector('#passwordForm #password');
}

// A fresh browser profile and its first tab, at the password form.
async function atLoginPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await toPasswordForm(page);
  return { context, page };
}

// Types into glewlwyd's form and submits it (the button "OK"); resolves
// with the status of the webapp's POST /api/auth/ (200, or 401).
async function typePassword(page, username, password) {
  await page.locator('#username').pressSequentially(username);
  await page.locator('#password').pressSequentially(password);
  const [auth] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${gw.origin}/api/auth/` && r.request().method() === 'POST'),
    page.click('#loginbut'),
  ]);
  return auth.status();
}

// What the webapp asks once someone is signed in (GET
// /api/auth/grant/CLIENT/SCOPES): which scopes the user has granted the
// client. Set up before what leads there; the page draws "What do you wish
// for?" before this answer comes, and the grant panel after.
const grantsLoaded = (page) => page.waitForResponse((r) => r.request().method() === 'GET'
  && r.url().startsWith(`${gw.origin}/api/auth/grant/`));

// The page greets the user; if a scope other than openid is not granted
// yet, it shows its grant panel (a box per scope, openid's checked and
// disabled, and "Grant access"), then "What do you wish for?": "Continue"
// goes back to the authorize endpoint, which sends the browser to the site
// with a code. Resolves with whether consent was asked for.
async function grantAndContinue(page, grants) {
  const { scope } = await (await grants).json();
  const asked = scope.some((s) => s.name !== 'openid' && !s.granted);
  const ready = page.getByText('What do you wish for?');
  if (asked) {
    const grant = page.getByRole('button', { name: 'Grant access' });
    await grant.waitFor();
    for (const box of await page.locator('input[id^="grant-"]').all()) await box.check();
    await grant.click();
    await grant.waitFor({ state: 'detached' });
  }
  await ready.waitFor();
  // Its accessible name has the icon's glyph too: not an exact match.
  await Promise.all([page.waitForURL(`${site.origin}/**`),
    page.getByRole('button', { name: 'Continue' }).click()]);
  return asked;
}

async function signIn() {
  const { context, page } = await atLoginPage();
  const grants = grantsLoaded(page);
  assert.equal(await typePassword(page, 'alice', gw.users.alice.password), 200);
  await grantAndContinue(page, grants);
  assert.equal(page.url(), `${site.origin}/app/`);
  return { context, page };
}

test('sign in on glewlwyd\'s own login page, consent, and back on /app/ with her claims', async () => {
  const { context, page } = await atLoginPage();
  await screenshot(page, 'glewlwyd-login');
  const grants = grantsLoaded(page);
  assert.equal(await typePassword(page, 'alice', gw.users.alice.password), 200);
  assert.equal(await grantAndContinue(page, grants), true, 'glewlwyd asked no consent for a new client');
  assert.equal(page.url(), `${site.origin}/app/`);
  assert.match(await page.content(), /PROTECTED-CONTENT app/);

  const env = await cgiEnv(page, site.origin);
  assert.equal(env.REMOTE_USER, 'alice');
  assert.equal(env.OIDC_CLAIM_email, 'alice@example.com');
  assert.equal(env.OIDC_CLAIM_iss, gw.issuer);
  assert.match(site.errorLog(), /\[oidc-login\] signed in subject/);
  await context.close();
});

test('a wrong password keeps the user at glewlwyd; nothing protected is served', async () => {
  const { context, page } = await atLoginPage();
  assert.equal(await typePassword(page, 'alice', 'not-her-password'), 401);
  await page.getByText('Authentication error').first().waitFor();
  assert.ok(isLoginPage(page.url()), page.url());
  assert.ok(await page.isVisible('#passwordForm #password'), 'the form is gone');
  assert.doesNotMatch(await page.content(), /PROTECTED-CONTENT/);
  assert.deepEqual((await context.cookies(site.origin)).filter((c) => c.name === 'oidc_session'), []);
  // The site still sends the browser to glewlwyd.
  await page.goto(`${site.origin}/app/`);
  assert.ok(isLoginPage(page.url()), page.url());
  await context.close();
});

test('logout: confirmed on glewlwyd\'s logout page, back on the site; the password is asked again', async () => {
  const { context, page } = await signIn();
  // While glewlwyd's session lasts, a new login there needs no password.
  await context.clearCookies({ name: 'oidc_session' });
  const grants = grantsLoaded(page);
  await page.goto(`${site.origin}/app/`);
  assert.ok(isLoginPage(page.url()), page.url());
  assert.equal(await grantAndContinue(page, grants), false, 'consent asked again');
  assert.equal(page.url(), `${site.origin}/app/`);

  await page.goto(`${site.origin}/oidc/logout`);
  const end = new URL(page.url());
  assert.ok(isLoginPage(end.href), end.href);
  assert.equal(end.searchParams.get('prompt'), 'end_session');
  assert.equal(end.searchParams.get('post_redirect_to'), `${site.origin}/public/`);
  await page.getByText('End session').waitFor();
  await screenshot(page, 'glewlwyd-logout');
  // ... with the state the module sent (glewlwyd 2.7.5 goes on only then).
  await Promise.all([page.waitForURL((u) => u.href.startsWith(`${site.origin}/public/?state=`)),
    page.getByRole('button', { name: 'Logout' }).click()]);
  assert.match(await page.content(), /public page/);
  assert.match(site.errorLog(), /\[oidc-logout\] signed out subject \S+ \(and at the provider\)/);
  assert.deepEqual((await context.cookies(site.origin)).filter((c) => c.name === 'oidc_session'), []);

  // Signed out at glewlwyd too: its form asks for the password again.
  await toPasswordForm(page);
  assert.doesNotMatch(await page.content(), /PROTECTED-CONTENT/);
  await context.close();
});
