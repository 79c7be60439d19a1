// 620 attack: open-redirect payloads. The URL that starts a login is where
// the browser returns after it, and logout takes a return_to: neither may
// send the browser to another site. Every redirect the module makes must
// stay on this origin (the payload itself when it is a clean local path,
// else a fixed fallback), as the WHATWG URL parser (what browsers use)
// reads it, with no header split off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from './lib/harness.mjs';
import { startScriptedOP, rawHttp, assertNoCrash } from './lib/scripted-op.mjs';

let op; let httpd; let localOnly; let origin; let host;

// Everything on this server needs a login, so any request target starts one.
const PROTECT_ALL = '<Location />\n  AuthType oidc\n  Require valid-user\n</Location>';

before(async () => {
  op = await startScriptedOP();
  httpd = await startHttpd({ name: 'attack-redir', port: await freePort(), locations: PROTECT_ALL,
    oidc: oidcConf(op, { extra: 'AuthOIDCLogoutURI /oidc/logout' }) });
  localOnly = await startHttpd({ name: 'attack-redir-local', port: await freePort(),
    oidc: oidcConf(op, { extra: 'AuthOIDCLogoutURI /oidc/logout\nAuthOIDCIdPLogout Off\nAuthOIDCPostLogoutRedirectURI /bye' }) });
  origin = httpd.origin;
  host = `127.0.0.1:${httpd.port}`;
});

after(async () => {
  const servers = [httpd, localOnly].filter(Boolean);
  for (const h of servers) await h.stop();
  op?.stop();
  for (const h of servers) {
    assertNoCrash(h);
    // httpd itself refuses paths that climb above the root, or too long.
    assert.deepEqual(unexpectedErrors(h.errorLog(), [/AH10244: invalid URI path/, /AH00127: Cannot map GET/]), [], h.root);
  }
});

// A local path the module keeps as given: one leading '/', no control,
// space, non-ASCII or backslash, at most 4096 bytes. Anything else falls back.
const clean = (p) => p.startsWith('/') && !p.startsWith('//') && !/[\x00-\x20\x7f-\uffff\\]/.test(p) && p.length <= 4096;

// A redirect target the browser reads as this site, written plainly.
function assertOnSite(target, site, what) {
  assert.ok(typeof target === 'string' && target.startsWith(`${site}/`), `${what} -> ${target}`);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(target, /[\x00-\x20\x7f-\uffff\\]/, `${what} -> ${target}`);
  const u = new URL(target);
  assert.equal(u.origin, site, `${what} -> ${target}`);
  assert.equal(u.username + u.password, '', `${what} -> ${target}`);
}

// ---- the return URL of a login ---------------------------------------------

// Request targets, sent byte for byte. Each either starts a login (then the
// login completes and the final Location is checked) or is refused by httpd.
const targets = (host) => [
  '//evil.com/', '//evil.com/%2F..', '///evil.com/', '////evil.com', '/\\evil.com', '/\\\\evil.com',
  '/\\/evil.com/', '//\\evil.com', '/%5Cevil.com', '/%5C%5Cevil.com', '/%2F%2Fevil.com', '/%2f%2fevil.com',
  '/%2F/evil.com', '/%252F%252Fevil.com', '/%09/evil.com', '/%09%2F%2Fevil.com', '/\t/evil.com',
  '/%0D%0ALocation:%20http://evil.com/', '/%0d%0aSet-Cookie:%20oidc_session=x', '/?%0d%0aLocation:%20http://evil.com',
  '/@evil.com', '/.evil.com', '/:@evil.com', '/app/..//evil.com', '/app/%2e%2e/%2e%2e//evil.com',
  '/app/../../evil.com', '/./evil.com', '/.//evil.com', '/%E2%80%8B//evil.com', '/\u00e3\u0080\u0082evil.com',
  '/%E3%80%82evil.com', '/\u00ef\u00bd\u0085vil.com', '/%C0%AF%C0%AFevil.com', '/ /evil.com', '/%20//evil.com',
  '/%00//evil.com', `http://${host}//evil.com/`, `http://${host}/\\evil.com`, 'javascript:alert(1)',
  'javascript://%0aalert(1)', 'data:text/html,x', '*', '/?next=//evil.com', '/?next=https://evil.com',
  `/${'a'.repeat(5000)}`, '/app/cgi/env.cgi?x=1&u=%2F%2Fevil.com',
];

test('login return URL: request targets never lead off the site', async () => {
  let logins = 0; let kept = 0;
  const TARGETS = targets(host);
  for (const target of TARGETS) {
    const { first: res } = await rawHttp(httpd.port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n`
      + 'Accept: text/html\r\nSec-Fetch-Mode: navigate\r\nConnection: close\r\n\r\n');
    assert.ok(res, `${JSON.stringify(target)}: no response`);
    const loc = res.headers.location;
    if (res.status !== 302 || !loc?.[0].startsWith(`${op.issuer}/authorize?`)) {
      // httpd refused it before the module (400/404): no redirect at all.
      assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(target)}: ${res.statusLine}`);
      assert.equal(loc, undefined, `${JSON.stringify(target)}: ${loc}`);
      continue;
    }
    assert.equal(loc.length, 1);
    // Complete the login in a browser holding the flow cookie.
    const b = new Browser();
    b.keep(origin, res.headers['set-cookie'] || []);
    const atOp = await b.fetch(loc[0]);
    assert.equal(atOp.status, 302, `${JSON.stringify(target)}: the OP answered ${atOp.status} ${atOp.body}`);
    const cb = await b.fetch(atOp.headers.get('location'));
    assert.equal(cb.status, 302, `${JSON.stringify(target)}: ${cb.body}`);
    assert.ok(cb.setCookies.some((c) => /^oidc_session=[^;]/.test(c)), JSON.stringify(target));
    const back = cb.headers.get('location');
    assertOnSite(back, origin, JSON.stringify(target));
    // Exactly the target when it was a clean local path, else the fallback.
    assert.equal(back, clean(target) ? `${origin}${target}` : `${origin}/`, JSON.stringify(target));
    if (clean(target)) kept++;
    logins++;
  }
  // The corpus did reach the module, and clean paths are kept.
  assert.ok(logins >= 30, `only ${logins} targets started a login`);
  assert.ok(kept >= 5, `only ${kept} targets were kept`);
  console.log(`# ${TARGETS.length} targets, ${logins} logins, ${kept} kept as given`);
});

// ---- logout targets ----------------------------------------------------------

function logoutPayloads(site) {
  const h = new URL(site).host;
  const port = Number(new URL(site).port);
  return [
    '//evil.com', '///evil.com', '////evil.com', '/\\evil.com', '\\\\evil.com', '\\/evil.com', '/\\/evil.com',
    '/\t/evil.com', '\t//evil.com', ' //evil.com', '//evil.com ', '/\n/evil.com', '//evil.com\r\n',
    'https://evil.com', 'http://evil.com', 'https:evil.com', 'https:/evil.com', 'http:/\\evil.com', 'HTTP://evil.com',
    '//EVIL.com', 'evil.com', '.evil.com', '@evil.com', 'evil.com/', `${site}@evil.com`, `${site}.evil.com`,
    `${site}:80@evil.com`, `http://${h.split(':')[0]}@evil.com`, `http://evil.com\\@${h}`, `http://evil.com#@${h}`,
    `http://evil.com?@${h}`, `${site}//evil.com`, `${site}\\evil.com`, `${site}%2F%2Fevil.com`, `${site}%40evil.com`,
    `//${h}@evil.com`, `http://${h}:@evil.com`, 'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)',
    ' javascript:alert(1)', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'vbscript:msgbox(1)',
    '/\r\nLocation: https://evil.com', '\r\nSet-Cookie: x=y', '/\r\nSet-Cookie: x=y', '/%0d%0aSet-Cookie:%20x=y',
    '/\u3002evil.com', '//evil\u3002com', '//\uff45vil.com', '//xn--e1afmkfd.com', '/\u200b//evil.com',
    '%2F%2Fevil.com', '%5C%5Cevil.com', '/%2F%2Fevil.com', '/%5Cevil.com', '/.evil.com', '/..//evil.com',
    'http://[::1]/', 'http://0x7f000001/', `http://127.0.0.1:${port + 1}/`, `https://${h}/`, `http://localhost:${port}/`,
    `ftp://${h}/`, '', ' ', '/', `/${'a'.repeat(5000)}`, '/\u0000//evil.com', `${site}`, `${site}/bye?x=1`,
    `${site}?x=//evil.com`, `${site}#//evil.com`,
  ];
}

// The target the module picked: its Location, or the post_logout_redirect_uri
// it hands the OP. One Location header, no header split off.
function logoutTarget(res, what) {
  assert.equal(res.status, 302, what);
  assert.equal(res.headers.location.length, 1, what);
  assert.ok(!(res.headers['set-cookie'] || []).some((c) => /^x=/.test(c)), `${what}: header injected`);
  const loc = res.headers.location[0];
  if (loc.startsWith(`${op.issuer}/logout?`)) {
    return new URL(loc).searchParams.get('post_logout_redirect_uri');
  }
  return loc;
}

async function logoutRaw(h, query, cookie = '') {
  return (await rawHttp(h.port, `GET /oidc/logout?${query} HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n`
    + `Accept: text/html\r\nSec-Fetch-Mode: navigate\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}Connection: close\r\n\r\n`)).first;
}

async function signIn(h) {
  const b = new Browser();
  const res = await b.get(`${h.origin}/app/`);
  assert.equal(res.status, 200);
  return `oidc_session=${b.cookies(h.origin).get('oidc_session')}`;
}

function checkLogoutCorpus(payloads, site, fallback, results) {
  return async (p, res, how) => {
    const what = `${how} return_to=${JSON.stringify(p).slice(0, 80)}`;
    const t = logoutTarget(res, what);
    assertOnSite(t, site, what);
    if (t === fallback) results.fallback++;
    else results.kept++;
    if (clean(p)) assert.equal(t, `${site}${p}`, what);
    // Not a clean path: the fallback, or this very origin's URL made plain.
    else if (!p.toLowerCase().startsWith(`${site}`.toLowerCase())) assert.equal(t, fallback, what);
  };
}

test('logout return_to: every payload stays on the site, with and without a session, via the OP or not', async () => {
  let tried = 0;
  for (const [h, fallback] of [[httpd, `${httpd.origin}/`], [localOnly, `${localOnly.origin}/bye`]]) {
    const payloads = logoutPayloads(h.origin);
    const results = { kept: 0, fallback: 0 };
    const check = checkLogoutCorpus(payloads, h.origin, fallback, results);
    for (const p of payloads) {
      const q = `return_to=${encodeURIComponent(p)}`;
      await check(p, await logoutRaw(h, q), 'no session');
      await check(p, await logoutRaw(h, q, await signIn(h)), 'session');
      tried += 2;
    }
    // Parameter tricks: a duplicate return_to is refused as a whole; an
    // encoded payload is decoded once only.
    for (const q of ['return_to=/ok&return_to=//evil.com', 'return_to=//evil.com&return_to=/ok',
      'return_to=%252F%252Fevil.com', 'return_to=%2F%2F%2Fevil.com', 'RETURN_TO=//evil.com',
      'return_to=/%2F%2Fevil.com&x', 'return_to', `return_to=${'%2F'.repeat(1400)}evil.com`]) {
      const res = await logoutRaw(h, q, await signIn(h));
      const t = logoutTarget(res, q.slice(0, 80));
      assertOnSite(t, h.origin, q.slice(0, 80));
      tried++;
    }
    assert.ok(results.fallback > 50 && results.kept > 10, JSON.stringify(results));
  }
  assert.ok(tried > 250, `${tried}`);
  assert.match(httpd.errorLog(), /\[oidc-logout\] return_to refused: not a same-origin target/);
});
