// 630 attack: spoofed identity headers, hostile cookies and claims that try
// to split headers. Backends are a CGI (what it sees in its environment) and
// a node server behind mod_proxy (the raw header lines it receives, which is
// where a split header or an underscore variant would show).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHttpd, oidcConf, freePort, Browser, rawRequest, unexpectedErrors } from './lib/harness.mjs';
import { startScriptedOP, loginThrough, rawHttp, assertNoCrash } from './lib/scripted-op.mjs';

let op; let httpd; let prefixed; let backend; let lastSeen = null;

before(async () => {
  op = await startScriptedOP();
  // The proxied backend: answers with the raw header lines it got.
  backend = http.createServer((req, res) => {
    lastSeen = req.rawHeaders;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(req.rawHeaders));
  });
  await new Promise((r) => backend.listen(0, '127.0.0.1', r));
  const be = `http://127.0.0.1:${backend.address().port}/`;
  const locations = `
ScriptAlias /hdr-cgi/ "\${HTDOCS}/cgi/"
ScriptAlias /mixed-cgi/ "\${HTDOCS}/cgi/"
ScriptAlias /bearer-cgi/ "\${HTDOCS}/cgi/"
<Location /hdr-cgi>
  AuthType oidc
  AuthOIDCPassClaimsAs both
  Require valid-user
</Location>
<Location /mixed-cgi>
  AuthType oidc
  Require all granted
</Location>
<Location /bearer-cgi>
  AuthType oidc
  AuthOIDCPassAccessToken bearer
  CGIPassAuth On
  Require valid-user
</Location>
<Location /proxied/>
  AuthType oidc
  AuthOIDCPassClaimsAs headers
  AuthOIDCPassAccessToken bearer
  Require valid-user
  ProxyPass ${be}
</Location>
ScriptAlias /setenv-cgi/ "\${HTDOCS}/cgi/"
Alias /setenv-page "\${HTDOCS}/public"
Alias /seen-page "\${HTDOCS}/public"
<LocationMatch "^/(setenv|seen)-">
  AuthType oidc
  Require valid-user
  # A static page reads the variable as any module does (the first of its
  # name); a CGI's environment is compressed (the last).
  Header always set X-Seen-Email "%{OIDC_CLAIM_email}e"
</LocationMatch>
<LocationMatch "^/setenv-">
  SetEnvIf Request_URI "^/setenv-" OIDC_CLAIM_email=SPOOF-setenvif OIDC_CLAIM_extra=admin-set
</LocationMatch>
<Location /open-proxied/>
  ProxyPass ${be}
</Location>`;
  httpd = await startHttpd({ name: 'attack-hdr', port: await freePort(), oidc: oidcConf(op),
    extraModules: ['proxy', 'proxy_http', 'setenvif', 'headers'], locations });
  prefixed = await startHttpd({ name: 'attack-hdr-prefix', port: await freePort(),
    oidc: oidcConf(op, { extra: 'AuthOIDCClaimPrefix X_USER_' }),
    locations: '<Location /app>\n  AuthOIDCPassClaimsAs both\n</Location>' });
});

after(async () => {
  const servers = [httpd, prefixed].filter(Boolean);
  for (const h of servers) await h.stop();
  backend?.close();
  op?.stop();
  for (const h of servers) {
    assertNoCrash(h);
    assert.deepEqual(unexpectedErrors(h.errorLog(), [/AH00561: Size of a request header field exceeds/]), [], h.root);
  }
});

// Spoofed names: the claim prefix and the token variables in every case,
// with dashes, underscores and both.
const SPOOF_NAMES = [
  'OIDC_CLAIM_email', 'OIDC-CLAIM-email', 'oidc-claim-email', 'OIDC-Claim-Email', 'Oidc_Claim_Email',
  'OIDC-CLAIM_email', 'OIDC_CLAIM-email', 'OIDC-CLAIM-sub', 'OIDC_CLAIM_sub', 'OIDC-CLAIM-groups',
  'OIDC_CLAIM_groups', 'oidc_claim_groups', 'OIDC-CLAIM-', 'OIDC-CLAIM-email-', 'OIDC-CLAIM-name',
  'OIDC-ACCESS-TOKEN', 'OIDC_ACCESS_TOKEN', 'Oidc-Access-Token-Expires', 'OIDC-ID-TOKEN', 'OIDC_ID_TOKEN',
  'OIDC-REFRESH-TOKEN', 'OIDC_REFRESH_TOKEN', 'OIDC_', 'OIDC-', 'oidc-anything', 'OIDC--CLAIM-email',
];
const spoofHeaders = (tag) => SPOOF_NAMES.map((n, i) => [n, `SPOOF-${tag}-${i}`]);
// Identity-looking headers that are not ours: they may pass, but must never
// become REMOTE_USER or AUTH_TYPE.
const IDENTITY_LOOKALIKES = [['Remote-User', 'SPOOF-ru'], ['REMOTE_USER', 'SPOOF-ru2'], ['Auth-Type', 'SPOOF-at'],
  ['X-Remote-User', 'SPOOF-xru']];

async function session(h = httpd, claims = {}) {
  const b = new Browser();
  const { res } = await loginThrough(b, `${h.origin}/app/`, {
    respond: (l) => ({ id_token: op.idToken(l, { claims }) }),
  }, op);
  assert.equal(res.status, 302, res.body);
  return b;
}

function assertNoSpoof(env, what) {
  const spoofed = Object.entries(env).filter(([k, v]) => /SPOOF/.test(String(v)) && /OIDC|REMOTE_USER$|^AUTH_TYPE$/i.test(k)
    && !/^HTTP_(REMOTE_USER|X_REMOTE_USER|AUTH_TYPE)$/.test(k));
  assert.deepEqual(spoofed, [], what);
  assert.deepEqual(Object.keys(env).filter((k) => /^HTTP_OIDC/.test(k) && /SPOOF/.test(env[k])), [], what);
}

test(`${SPOOF_NAMES.length} spoofed claim/token header names never reach a CGI, authenticated or not`, async () => {
  const b = await session();
  const cases = [
    ['unprotected', null, '/public-cgi/env.cgi'],
    ['pass-through (Require all granted)', null, '/mixed-cgi/env.cgi'],
    ['pass-through with a session', b, '/mixed-cgi/env.cgi'],
    ['protected, environment', b, '/app/cgi/env.cgi'],
    ['protected, headers and environment', b, '/hdr-cgi/env.cgi'],
  ];
  for (const [what, browser, path] of cases) {
    const headers = [...spoofHeaders(what.length), ...IDENTITY_LOOKALIKES,
      ...(browser ? [['Cookie', browser.cookieHeader(httpd.origin)]] : [])];
    const res = await rawRequest(`${httpd.origin}${path}`, { headers });
    assert.equal(res.status, 200, what);
    const env = res.json();
    assertNoSpoof(env, what);
    if (browser) {
      if (path.startsWith('/mixed')) {
        assert.equal(env.REMOTE_USER, undefined, what);
      } else {
        assert.equal(env.REMOTE_USER, 'alice', what);
        assert.equal(env.AUTH_TYPE, 'oidc', what);
        assert.equal(env.OIDC_CLAIM_email, 'alice@example.com', what);
      }
      if (path.startsWith('/hdr')) {
        assert.equal(env.HTTP_OIDC_CLAIM_EMAIL, 'alice@example.com', what);
        assert.equal(env.HTTP_OIDC_CLAIM_SUB, 'alice', what);
      }
    } else {
      assert.deepEqual(Object.keys(env).filter((k) => /OIDC/.test(k)), [], what);
      assert.equal(env.REMOTE_USER, undefined, what);
      assert.equal(env.AUTH_TYPE, undefined, what);
    }
  }
  assert.match(httpd.errorLog(), /\[oidc-spoof\] removed incoming request header OIDC_CLAIM_email/);
});

test('spoofed headers never reach a proxied backend (which keeps underscore names)', async () => {
  const b = await session();
  for (const [what, path, cookie] of [['open proxy', '/open-proxied/x', ''],
    ['protected proxy', '/proxied/x', b.cookieHeader(httpd.origin)]]) {
    lastSeen = null;
    const headers = [...spoofHeaders(9), ['Authorization', 'Bearer SPOOF-bearer'], ...(cookie ? [['Cookie', cookie]] : [])];
    const res = await rawRequest(`${httpd.origin}${path}`, { headers });
    assert.equal(res.status, 200, what);
    const names = [];
    for (let i = 0; i < lastSeen.length; i += 2) names.push([lastSeen[i], lastSeen[i + 1]]);
    const oidc = names.filter(([n]) => /^oidc/i.test(n));
    assert.deepEqual(oidc.filter(([, v]) => /SPOOF/.test(v)), [], what);
    if (cookie) {
      // Ours, with the true values; the bearer token is the session's.
      assert.deepEqual(oidc.find(([n]) => n === 'OIDC-CLAIM-email'), ['OIDC-CLAIM-email', 'alice@example.com']);
      assert.match(names.find(([n]) => /^authorization$/i.test(n))[1], /^Bearer at-/);
      assert.ok(!names.some(([n, v]) => /^cookie$/i.test(n) && /oidc_session/.test(v)), 'the session cookie was forwarded');
    } else {
      assert.deepEqual(oidc, [], what);
    }
  }
});

test('AuthOIDCClaimPrefix X_USER_: headers with that prefix are stripped too', async () => {
  const b = await session(prefixed);
  const headers = [['X_USER_email', 'SPOOF-1'], ['X-User-email', 'SPOOF-2'], ['x-user-sub', 'SPOOF-3'],
    ['X-USER-GROUPS', 'SPOOF-4'], ['OIDC-CLAIM-email', 'SPOOF-5']];
  let res = await rawRequest(`${prefixed.origin}/public-cgi/env.cgi`, { headers });
  assert.deepEqual(Object.keys(res.json()).filter((k) => /X_USER|OIDC/.test(k)), []);
  res = await rawRequest(`${prefixed.origin}/app/cgi/env.cgi`, { headers: [...headers, ['Cookie', b.cookieHeader(prefixed.origin)]] });
  const env = res.json();
  assert.equal(env.HTTP_X_USER_EMAIL, 'alice@example.com');
  assert.equal(env.HTTP_X_USER_SUB, 'alice');
  assert.equal(env.HTTP_X_USER_GROUPS, undefined);
  assert.doesNotMatch(JSON.stringify(env), /SPOOF/);
});

test('a spoofed Authorization never replaces the session\'s bearer token', async () => {
  const b = await session();
  const res = await b.fetch(`${httpd.origin}/bearer-cgi/env.cgi`, { headers: { Authorization: 'Bearer SPOOF' } });
  assert.equal(res.status, 200);
  assert.match(res.json().HTTP_AUTHORIZATION, /^Bearer at-[A-Za-z0-9_-]+$/);
  // Without a session the spoofed header buys nothing.
  const anon = await new Browser().fetch(`${httpd.origin}/bearer-cgi/env.cgi`, { headers: { Authorization: 'Bearer SPOOF' } });
  assert.equal(anon.status, 302);
});

test('header smuggling shapes: obs-fold and chunked trailers carry no claim header', async () => {
  const b = await session();
  const cookie = b.cookieHeader(httpd.origin);
  const host = `127.0.0.1:${httpd.port}`;
  // A folded line continues the previous header, it does not start one.
  let { first: res } = await rawHttp(httpd.port, `GET /hdr-cgi/env.cgi HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\n`
    + 'X-Foo: a\r\n OIDC-CLAIM-email: SPOOF-fold\r\nConnection: close\r\n\r\n');
  assert.ok([200, 400].includes(res.status), res.statusLine);
  if (res.status === 200) assertNoSpoof(JSON.parse(res.body), 'obs-fold');
  // Trailers of a chunked body are not request headers (seen behind a proxy,
  // which reads the whole body).
  lastSeen = null;
  ({ first: res } = await rawHttp(httpd.port, `POST /proxied/x HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\n`
    + 'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
    + '3\r\nx=1\r\n0\r\nOIDC-CLAIM-email: SPOOF-trailer\r\nOIDC_CLAIM_sub: SPOOF-trailer\r\n\r\n'));
  assert.equal(res.status, 200, res.statusLine);
  const seen = Object.fromEntries(lastSeen.flatMap((v, i) => (i % 2 ? [] : [[v, lastSeen[i + 1]]])));
  assert.equal(seen['OIDC-CLAIM-email'], 'alice@example.com');
  assert.doesNotMatch(JSON.stringify(lastSeen), /SPOOF/);
});

test('a claim variable is set once, replacing one set before it; claims that fold to one name make one', async () => {
  // Plain names: the claims are added to an environment that has none.
  let b = await session();
  let env = (await b.fetch(`${httpd.origin}/app/cgi/env.cgi`)).json();
  assert.equal(env.OIDC_CLAIM_email, 'alice@example.com');
  assert.equal(env.environ_dups, '');
  assert.equal((await b.fetch(`${httpd.origin}/seen-page/index.html`)).headers.get('x-seen-email'),
    'alice@example.com');
  // A variable under the prefix set before authentication (SetEnvIf): the
  // claim replaces it, for every reader; one that no claim names stays.
  env = (await b.fetch(`${httpd.origin}/setenv-cgi/env.cgi`)).json();
  assert.equal(env.OIDC_CLAIM_email, 'alice@example.com');
  assert.equal(env.OIDC_CLAIM_extra, 'admin-set');
  assert.equal(env.environ_dups, '');
  assert.equal((await b.fetch(`${httpd.origin}/setenv-page/index.html`)).headers.get('x-seen-email'),
    'alice@example.com');
  // Names that differ only in case, or in a character a variable cannot
  // hold: one variable each, the same for every reader.
  b = await session(httpd, { Email: 'CAPITAL@example.com', 'a.b': 'dot', a_b: 'underscore' });
  env = (await b.fetch(`${httpd.origin}/app/cgi/env.cgi`)).json();
  assert.equal(env.environ_dups, '');
  const emails = Object.keys(env).filter((k) => /^OIDC_CLAIM_email$/i.test(k));
  assert.equal(emails.length, 1);
  assert.equal(Object.keys(env).filter((k) => k === 'OIDC_CLAIM_a_b').length, 1);
  assert.equal(env.OIDC_CLAIM_sub, 'alice');
  assert.equal((await b.fetch(`${httpd.origin}/seen-page/index.html`)).headers.get('x-seen-email'),
    env[emails[0]]);
});

test('CR/LF and other controls in claim names and values split no header, in a CGI or behind a proxy', async () => {
  const claims = {
    sub: 'mal\r\nlory', name: 'Mallory\r\nX-Injected: yes', email: 'a\rb@example.com', title: 'a\nX-Injected-2: yes',
    'bad\r\nX-Injected-3': 'v', 'col:on': 'v2', 'sp ace': 'v3', nested: { k: 'v\r\nX-Injected-4: 1' },
    list: ['a\r\nX-Injected-5: 1', 'b'], nel: 'a\u0085X-Injected-6: 1', tab: 'a\tb', ctl: 'a\u0001\u001fb\u007f',
  };
  const b = await session(httpd, claims);
  let env = (await b.fetch(`${httpd.origin}/hdr-cgi/env.cgi`)).json();
  assert.equal(env.REMOTE_USER, 'mal  lory');
  assert.equal(env.OIDC_CLAIM_name, 'Mallory  X-Injected: yes');
  assert.equal(env.HTTP_OIDC_CLAIM_NAME, 'Mallory  X-Injected: yes');
  assert.equal(env.HTTP_OIDC_CLAIM_EMAIL, 'a b@example.com');
  assert.equal(env.HTTP_OIDC_CLAIM_TITLE, 'a X-Injected-2: yes');
  assert.equal(env.OIDC_CLAIM_bad__X_Injected_3, 'v');
  assert.equal(env.OIDC_CLAIM_col_on, 'v2');
  assert.equal(env.OIDC_CLAIM_sp_ace, 'v3');
  assert.equal(env.HTTP_OIDC_CLAIM_TAB, 'a b');
  assert.equal(env.HTTP_OIDC_CLAIM_CTL, 'a  b ');
  assert.deepEqual(Object.keys(env).filter((k) => /INJECTED/i.test(k) && !/^(HTTP_)?OIDC_CLAIM_BAD__X_INJECTED_3$/i.test(k)), []);
  // Behind a proxy: one header line per claim, none injected.
  lastSeen = null;
  const res = await b.fetch(`${httpd.origin}/proxied/x`);
  assert.equal(res.status, 200);
  const names = lastSeen.filter((_, i) => i % 2 === 0);
  assert.deepEqual(names.filter((n) => /^x-injected/i.test(n)), []);
  assert.ok(names.includes('OIDC-CLAIM-bad--X-Injected-3'));
  for (let i = 1; i < lastSeen.length; i += 2) assert.doesNotMatch(lastSeen[i], /[\r\n]/);
  env = Object.fromEntries(names.map((n, i) => [n, lastSeen[2 * i + 1]]));
  assert.equal(env['OIDC-CLAIM-name'], 'Mallory  X-Injected: yes');
  assert.equal(env['OIDC-CLAIM-list'], 'a  X-Injected-5: 1,b');
});

// ---- cookies -------------------------------------------------------------------

test('hostile cookie headers: right status, no crash, never another session', async () => {
  const b = await session();
  const sid = b.cookies(httpd.origin).get('oidc_session');
  const url = `${httpd.origin}/app/cgi/env.cgi`;
  const nav = { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' };
  const send = (cookieHeaders) => rawRequest(url, { headers: [...Object.entries(nav), ...cookieHeaders.map((c) => ['Cookie', c])] });
  const cases = [
    // [what, Cookie header(s), expected status, signed in?]
    // A cookie bomb must not hide ours: every cookie within the header is read.
    ['500 small cookies then ours', [`${Array.from({ length: 500 }, (_, i) => `c${i}=${i}`).join('; ')}; oidc_session=${sid}`], 200, true],
    ['100 cookies then ours', [`${Array.from({ length: 100 }, (_, i) => `c${i}=${i}`).join('; ')}; oidc_session=${sid}`], 200, true],
    ['one 8 kB cookie', [`big=${'x'.repeat(8200)}`], 400, false],
    ['a 4 kB session cookie', [`oidc_session=${'A'.repeat(4000)}`], 302, false],
    ['names without "="', ['oidc_session; oidc_session; ;;; ='], 302, false],
    ['ours inside another value', [`x=oidc_session=${sid}`], 302, false],
    ['junk first, ours second', [`oidc_session=junk; oidc_session=${sid}`], 302, false],
    ['ours first, junk second', [`oidc_session=${sid}; oidc_session=junk`], 200, true],
    ['ours, twice', [`oidc_session=${sid}; oidc_session=${sid}`], 200, true],
    ['ours with spaces', [`  oidc_session  =  ${sid}  `], 200, true],
    ['ours quoted', [`oidc_session="${sid}"`], 302, false],
    ['ours with a suffix', [`oidc_session=${sid}x`], 302, false],
    ['ours in a second Cookie header', ['a=1', `oidc_session=${sid}`], 302, false],
    ['case variant of our name', [`OIDC_SESSION=${sid}`], 302, false],
    ['ours URL-encoded', [`oidc_session=%${sid.charCodeAt(0).toString(16)}${sid.slice(1)}`], 302, false],
  ];
  const flows = (n) => [Array.from({ length: n }, (_, i) => `oidc_session_flow_${String(i).padStart(8, 'A')}=junk`).join('; ')];
  for (const [what, cookies, status, signedIn] of cases) {
    const res = await send(cookies);
    assert.equal(res.status, status, `${what}: ${res.status}`);
    if (signedIn) {
      assert.equal(res.json().REMOTE_USER, 'alice', what);
    } else {
      assert.doesNotMatch(res.body, /REMOTE_USER|PROTECTED-CONTENT/, what);
    }
    if (status === 302) assert.ok(res.headers.get('location').startsWith(`${op.issuer}/authorize?`), what);
    // Bounded: at most a flow cookie, the evictions and a cleared session.
    assert.ok(res.setCookies.length <= 6, `${what}: ${res.setCookies.length} Set-Cookie`);
    assert.ok(!res.setCookies.some((c) => /^oidc_session=[^;]/.test(c)), what);
  }
  // Junk login-state cookies are cleared, one Set-Cookie each, at most 16 per
  // response (the rest at the next logins), plus the new flow's.
  for (const [n, cleared] of [[10, 10], [100, 16], [200, 16]]) {
    const res = await send(flows(n));
    assert.equal(res.status, 302);
    assert.equal(res.setCookies.filter((c) => /^oidc_session_flow_\w+=; .*Max-Age=0/.test(c)).length, cleared, `${n} flow cookies`);
    assert.equal(res.setCookies.length, cleared + 1, `${n} flow cookies`);
  }
  // The session survived all of it.
  assert.equal((await b.fetch(url)).json().REMOTE_USER, 'alice');
  assertNoCrash(httpd);
});
