// 640 attack: methods and bodies. Whatever an unauthenticated client sends
// to a protected URL, the answer is the module's alone (401 JSON for
// anything but a GET/HEAD navigation, which goes to the OP) and the
// protected handler never runs: no CGI output, no page appended, no body
// left on the connection to be read as a second request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpd, oidcConf, freePort, Browser, rawRequest, unexpectedErrors } from './lib/harness.mjs';
import { startScriptedOP, loginThrough, rawHttp, assertNoCrash } from './lib/scripted-op.mjs';

let op; let httpd; let host;

const LOGIN_REQUIRED = {
  error: 'login_required', error_description: 'Authentication is required: sign in with a browser first.',
};
const NAV = { Accept: 'text/html,application/xhtml+xml', 'Sec-Fetch-Mode': 'navigate' };
const LEAK = /"pid"|REMOTE_USER|PROTECTED-CONTENT|"body"/;

before(async () => {
  op = await startScriptedOP();
  // KeepAlive On: a body the module did not read must not become a request.
  httpd = await startHttpd({ name: 'attack-method', port: await freePort(), oidc: oidcConf(op),
    extraConf: 'KeepAlive On\nMaxKeepAliveRequests 10' });
  host = `127.0.0.1:${httpd.port}`;
});

after(async () => {
  if (!httpd) return;
  await httpd.stop();
  op?.stop();
  assertNoCrash(httpd);
  // authz_core logs the Require denial of the 403 test.
  assert.deepEqual(unexpectedErrors(httpd.errorLog(), [/AH01631: user alice: authorization failure/]), []);
});

function assertLoginRequired(res, what) {
  assert.equal(res.status, 401, `${what}: ${res.status}`);
  assert.match(res.headers.get('content-type'), /^application\/json/, what);
  assert.deepEqual(JSON.parse(res.body), LOGIN_REQUIRED, what);
  assert.equal(res.headers.get('www-authenticate'), 'OIDC realm="oidc", error="login_required"', what);
  assert.deepEqual(res.setCookies, [], what);
  assert.doesNotMatch(res.body, LEAK, what);
}

const BODIES = [
  ['form', 'application/x-www-form-urlencoded', 'x=1&REMOTE_USER=admin'],
  ['JSON', 'application/json', '{"x":1,"user":"admin"}'],
  ['multipart', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n'],
  ['text', 'text/plain', 'hello'],
  ['empty', 'application/x-www-form-urlencoded', ''],
];
const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'FOO'];

test(`${METHODS.length} methods x ${BODIES.length} bodies, browser and API headers: 401 JSON only`, async () => {
  let n = 0;
  for (const path of ['/app/cgi/env.cgi', '/app/', '/admin-cgi/env.cgi']) {
    for (const method of METHODS) {
      for (const [kind, type, body] of BODIES) {
        for (const headers of [NAV, { Accept: 'application/json' }, { ...NAV, 'X-HTTP-Method-Override': 'GET' }]) {
          const res = await rawRequest(`${httpd.origin}${path}`, { method, body, headers: { ...headers, 'Content-Type': type } });
          assertLoginRequired(res, `${method} ${path} ${kind} ${JSON.stringify(headers)}`);
          n++;
        }
      }
    }
  }
  assert.equal(n, 3 * METHODS.length * BODIES.length * 3);
});

test('HEAD and GET-with-a-body navigations go to the OP, nothing else', async () => {
  for (const [method, body] of [['HEAD', undefined], ['GET', 'x=1'], ['GET', '{"a":1}']]) {
    const res = await rawRequest(`${httpd.origin}/app/cgi/env.cgi`, { method, body, headers: { ...NAV, 'Content-Type': 'application/json' } });
    assert.equal(res.status, 302, method);
    assert.ok(res.headers.get('location').startsWith(`${op.issuer}/authorize?`), method);
    assert.doesNotMatch(res.body, LEAK, method);
  }
});

test('a large body and Expect: 100-continue get the 401 without the body being read', async () => {
  const big = 'x='.padEnd(2 * 1024 * 1024, 'a');
  const res = await rawRequest(`${httpd.origin}/app/cgi/env.cgi`, { method: 'POST', body: big, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assertLoginRequired(res, 'large body');
  // Headers only, announcing a body: the answer comes without a 100.
  const { responses } = await rawHttp(httpd.port, `POST /app/cgi/env.cgi HTTP/1.1\r\nHost: ${host}\r\n`
    + 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n');
  assert.deepEqual(responses.map((r) => r.status), [401]);
  assert.doesNotMatch(responses[0].body, LEAK);
});

test('a request smuggled in the body of a refused POST is never run', async () => {
  const smuggled = `GET /app/cgi/env.cgi HTTP/1.1\r\nHost: ${host}\r\nSec-Fetch-Mode: navigate\r\n\r\n`;
  const next = `GET /public/ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
  const chunk = `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
  for (const [what, framing, body] of [
    ['Content-Length', `Content-Length: ${smuggled.length}`, smuggled],
    ['chunked', 'Transfer-Encoding: chunked', chunk],
  ]) {
    const { responses } = await rawHttp(httpd.port, `POST /app/cgi/env.cgi HTTP/1.1\r\nHost: ${host}\r\n`
      + `Content-Type: text/plain\r\n${framing}\r\n\r\n${body}${next}`);
    // Exactly two answers: the 401, then the pipelined public page.
    assert.deepEqual(responses.map((r) => r.status), [401, 200], what);
    assert.doesNotMatch(responses[0].body, LEAK, what);
    assert.match(responses[1].body, /public page/, what);
  }
  // Conflicting framing (both headers) is refused, not guessed at.
  const { responses } = await rawHttp(httpd.port, `POST /app/cgi/env.cgi HTTP/1.1\r\nHost: ${host}\r\n`
    + `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${next}`);
  assert.ok(responses.length >= 1 && [400, 401].includes(responses[0].status), responses.map((r) => r.statusLine).join());
  assert.ok(responses.every((r) => !LEAK.test(r.body)));
});

test('TRACE on a protected URL: the protected handler never runs', async () => {
  const res = await rawRequest(`${httpd.origin}/app/cgi/env.cgi`, { method: 'TRACE', headers: NAV });
  // httpd answers TRACE itself (TraceEnable on by default), echoing only
  // the request: never the CGI's output.
  assert.ok([200, 401, 405].includes(res.status), `${res.status}`);
  assert.doesNotMatch(res.body, /"pid"|PROTECTED-CONTENT/);
});

test('the callback refuses POST (no response_mode=form_post injection) and HEAD', async () => {
  const b = new Browser();
  const first = await b.fetch(`${httpd.origin}/app/`);
  const state = new URL(first.headers.get('location')).searchParams.get('state');
  for (const method of ['POST', 'HEAD', 'PUT']) {
    const res = await b.fetch(`${httpd.origin}/oidc/callback?state=${state}`, {
      method, body: method === 'HEAD' ? undefined : `code=abc&state=${state}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 405, method);
    assert.ok(!res.setCookies.some((c) => /^oidc_session=[^;]/.test(c)), method);
  }
});

test('signed in but denied by Require: POST gets the 403 only', async () => {
  const b = new Browser();
  const { res } = await loginThrough(b, `${httpd.origin}/admin-cgi/env.cgi`, {
    respond: (l) => ({ id_token: op.idToken(l, { claims: { groups: ['staff'] } }) }),
  }, op);
  assert.equal(res.status, 302);
  for (const [method, body] of [['GET', undefined], ['POST', 'x=1'], ['DELETE', undefined]]) {
    const denied = await b.fetch(`${httpd.origin}/admin-cgi/env.cgi`, { method, body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(denied.status, 403, method);
    assert.doesNotMatch(denied.body, LEAK, method);
  }
  // The same session reaches an ordinary protected CGI: the 403 is Require's.
  const ok = await b.fetch(`${httpd.origin}/app/cgi/env.cgi`, { method: 'POST', body: 'x=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json().body, 'x=1');
});
