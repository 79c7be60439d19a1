// 4xx authorization: Require oidc-claim alone and composed with
// <RequireAll>/<RequireAny>, like any other httpd authz provider.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from './lib/harness.mjs';

let op; let httpd;

const locations = `
<Location /any>
    AuthType oidc
    <RequireAny>
        Require oidc-claim groups nobody
        Require oidc-claim email bob@example.com
    </RequireAny>
</Location>
<Location /all>
    AuthType oidc
    <RequireAll>
        Require oidc-claim groups staff
        Require oidc-claim email_verified true
    </RequireAll>
</Location>
<Location /several>
    AuthType oidc
    Require oidc-claim preferred_username carol "bob"
</Location>
Alias /any "\${HTDOCS}/app"
Alias /all "\${HTDOCS}/app"
Alias /several "\${HTDOCS}/app"
`;

before(async () => {
  const port = await freePort();
  op = await startOP({ redirectUris: [`http://127.0.0.1:${port}/oidc/callback`] });
  httpd = await startHttpd({ name: 'authz', port, oidc: oidcConf(op), locations });
});

after(async () => {
  // authz_core logs each denial itself (AH01631): expected here.
  assert.deepEqual(unexpectedErrors(httpd.errorLog(), [/AH01631/]), []);
  await httpd.stop();
  op.stop();
});

async function as(user) {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/${user === 'bob' ? 'bob' : 'app'}/`);
  assert.equal(res.status, 200);
  return b;
}

test('Require oidc-claim grants when the array claim contains the value', async () => {
  const res = await (await as('alice')).fetch(`${httpd.origin}/app/admin/`);
  assert.equal(res.status, 200);
  assert.match(res.body, /PROTECTED-CONTENT admin/);
});

test('Require oidc-claim denies with 403 and no content', async () => {
  const bob = await as('bob');
  const res = await bob.fetch(`${httpd.origin}/app/admin/`);
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('www-authenticate'), null);
  assert.match(res.body, /not allowed to see this page/);
  assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
  const api = await bob.fetch(`${httpd.origin}/app/admin/`, { headers: { Accept: 'application/json' } });
  assert.equal(api.status, 403);
  assert.equal(api.json().error, 'access_denied');
});

test('dotted claim names reach nested objects', async () => {
  assert.equal((await (await as('alice')).fetch(`${httpd.origin}/roles/`)).status, 200);
  assert.equal((await (await as('bob')).fetch(`${httpd.origin}/roles/`)).status, 403);
});

test('a denied CGI never runs', async () => {
  const res = await (await as('bob')).fetch(`${httpd.origin}/admin-cgi/env.cgi`);
  assert.equal(res.status, 403);
  assert.doesNotMatch(res.body, /REMOTE_USER/);
});

test('<RequireAny> grants on any one rule', async () => {
  assert.equal((await (await as('bob')).fetch(`${httpd.origin}/any/`)).status, 200);
  assert.equal((await (await as('alice')).fetch(`${httpd.origin}/any/`)).status, 403);
});

test('<RequireAll> needs every rule (booleans compare as true/false)', async () => {
  assert.equal((await (await as('alice')).fetch(`${httpd.origin}/all/`)).status, 200);
  assert.equal((await (await as('bob')).fetch(`${httpd.origin}/all/`)).status, 403);
});

test('one of several values is enough', async () => {
  assert.equal((await (await as('bob')).fetch(`${httpd.origin}/several/`)).status, 200);
  assert.equal((await (await as('alice')).fetch(`${httpd.origin}/several/`)).status, 403);
});

test('an unauthenticated request to a claim-protected location starts a login', async () => {
  const res = await new Browser().fetch(`${httpd.origin}/app/admin/`);
  assert.equal(res.status, 302);
  assert.ok(res.headers.get('location').startsWith(op.issuer));
});
