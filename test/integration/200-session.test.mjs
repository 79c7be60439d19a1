// 2xx sessions: the shmcb store across prefork children, and cookies that
// are not ours (tampered, truncated, oversized) treated as no session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from './lib/harness.mjs';

let op; let httpd;

before(async () => {
  const port = await freePort();
  op = await startOP({ redirectUris: [`http://127.0.0.1:${port}/oidc/callback`] });
  // prefork, no keep-alive, children recycled every 3 connections: requests
  // of one session are served by many processes.
  httpd = await startHttpd({ name: 'session', port, mpm: 'prefork', oidc: oidcConf(op) });
});

after(async () => {
  assert.deepEqual(unexpectedErrors(httpd.errorLog()), []);
  await httpd.stop();
  op.stop();
});

test('a session made in one child is valid in every other child (shmcb)', async () => {
  const b = new Browser();
  const login = await b.get(`${httpd.origin}/app/cgi/env.cgi`);
  assert.equal(login.status, 200);
  // What the application sees, as the first page read the session from the
  // store; later requests mostly find it kept in their process.
  const identity = (env) => Object.fromEntries(Object.entries(env)
    .filter(([k]) => k === 'REMOTE_USER' || k.startsWith('OIDC_')));
  const first = identity(login.json());
  assert.equal(first.REMOTE_USER, 'alice');
  assert.equal(first.OIDC_CLAIM_email, 'alice@example.com');
  const children = new Set([login.json().ppid]);
  for (let i = 0; i < 30; i++) {
    const res = await b.fetch(`${httpd.origin}/app/cgi/env.cgi`);
    assert.equal(res.status, 200, `request ${i} lost the session`);
    assert.deepEqual(identity(res.json()), first, `request ${i}`);
    children.add(res.json().ppid);
  }
  assert.ok(children.size >= 3, `served by only ${children.size} httpd children`);
});

async function loggedIn() {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/app/`);
  assert.equal(res.status, 200);
  return b;
}

test('a tampered session cookie restarts the login', async () => {
  const b = await loggedIn();
  const jar = b.cookies(httpd.origin);
  const id = jar.get('oidc_session');
  jar.set('oidc_session', (id[0] === 'A' ? 'B' : 'A') + id.slice(1));
  const res = await b.fetch(`${httpd.origin}/app/`);
  assert.equal(res.status, 302);
  assert.ok(res.headers.get('location').startsWith(op.issuer), 'not sent to the OP');
  assert.ok(res.setCookies.some((c) => /^oidc_session=; .*Max-Age=0/.test(c)), 'bad cookie not cleared');
  assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
});

test('a truncated, oversized or junk session cookie restarts the login', async () => {
  for (const value of [null, 'x'.repeat(5000), 'not base64 !!', '']) {
    const b = await loggedIn();
    const jar = b.cookies(httpd.origin);
    jar.set('oidc_session', value === null ? jar.get('oidc_session').slice(0, 20) : value);
    const res = await b.fetch(`${httpd.origin}/app/`);
    assert.equal(res.status, 302, `cookie ${String(value).slice(0, 20)}`);
    assert.ok(res.headers.get('location').startsWith(op.issuer));
    assert.doesNotMatch(res.body, /PROTECTED-CONTENT/);
  }
});

test('each login issues a fresh session id (no fixation)', async () => {
  const b = await loggedIn();
  const jar = b.cookies(httpd.origin);
  const first = jar.get('oidc_session');
  // A planted, well-formed id is replaced at login, never adopted.
  const planted = 'P'.repeat(43);
  jar.set('oidc_session', planted);
  const res = await b.get(`${httpd.origin}/app/`);
  assert.equal(res.status, 200);
  const second = jar.get('oidc_session');
  assert.notEqual(second, planted);
  assert.notEqual(second, first);
  // The old session still works for its own holder: logins do not end others.
  const other = new Browser();
  other.cookies(httpd.origin).set('oidc_session', first);
  assert.equal((await other.fetch(`${httpd.origin}/app/`)).status, 200);
});

test('sessions of two users stay apart', async () => {
  const alice = new Browser();
  const bob = new Browser();
  assert.equal((await alice.get(`${httpd.origin}/app/cgi/env.cgi`)).json().REMOTE_USER, 'alice');
  assert.equal((await bob.get(`${httpd.origin}/bob/`)).status, 200);
  assert.equal((await bob.fetch(`${httpd.origin}/app/cgi/env.cgi`)).json().REMOTE_USER, 'bob');
  assert.equal((await alice.fetch(`${httpd.origin}/app/cgi/env.cgi`)).json().REMOTE_USER, 'alice');
});
