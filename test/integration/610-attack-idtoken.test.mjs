// 610 attack: forged and broken ID tokens from a scripted OP. Every bad
// token ends the login with the module's 401 page, a tagged log line naming
// the check that refused it, and no session; good tokens (the controls) sign
// in, so the harness can tell the two apart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from './lib/harness.mjs';
import {
  startScriptedOP, makeKey, signJws, b64u, loginThrough, assertNoSession, logSince, assertNoCrash,
} from './lib/scripted-op.mjs';

let op; let httpd; let kidOp; let kidHttpd;
const k1 = makeKey('rsa', 'k1');
const k2 = makeKey('rsa', 'k2');
const ec1 = makeKey('ec', 'ec1');
const evil = makeKey('rsa', 'evil');

// One httpd child, so that its key cache and the refetch throttle are one.
const ONE_CHILD = 'StartServers 1\nServerLimit 1\nMaxRequestWorkers 16\nMinSpareThreads 1\nMaxSpareThreads 16';

before(async () => {
  op = await startScriptedOP({ keys: [k1, k2, ec1] });
  kidOp = await startScriptedOP({ keys: [k1] });
  httpd = await startHttpd({ name: 'attack-idt', port: await freePort(), oidc: oidcConf(op) });
  kidHttpd = await startHttpd({ name: 'attack-kid', port: await freePort(), oidc: oidcConf(kidOp), extraConf: ONE_CHILD });
});

after(async () => {
  const servers = [[httpd, [/\[oidc-token\] token (request|response)/]], [kidHttpd, []]].filter(([h]) => h);
  for (const [h] of servers) await h.stop();
  op?.stop();
  kidOp?.stop();
  // Checked once everything is down, so a failure leaves nothing running.
  for (const [h, allowed] of servers) {
    assertNoCrash(h);
    assert.deepEqual(unexpectedErrors(h.errorLog(), allowed), [], h.root);
  }
});

const flipBit = (jws, part = 2, byte = 10) => {
  const parts = jws.split('.');
  const raw = Buffer.from(parts[part], 'base64url');
  raw[byte % raw.length] ^= 0x01;
  parts[part] = b64u(raw);
  return parts.join('.');
};
const header = (extra = {}) => ({ alg: 'RS256', typ: 'JWT', kid: 'k1', ...extra });
const pemSpki = k1.publicKey.export({ type: 'spki', format: 'pem' });
const pemPkcs1 = k1.publicKey.export({ type: 'pkcs1', format: 'pem' });

// [name, expected reason in "ID token rejected (...)", login -> id_token]
const t = (login, opts) => op.idToken(login, opts);
const c = (login, over) => op.claims(login, over);
const BAD = [
  ['alg none, no signature', 'malformed', (l) => signJws({ alg: 'none', typ: 'JWT' }, c(l))],
  ['alg none with a signature', 'algorithm', (l) => `${signJws({ alg: 'none' }, c(l))}${b64u('x'.repeat(32))}`],
  ['alg None', 'algorithm', (l) => signJws({ alg: 'None', kid: 'k1' }, c(l)) + b64u('sig')],
  ['alg NONE', 'algorithm', (l) => signJws({ alg: 'NONE', kid: 'k1' }, c(l)) + b64u('sig')],
  ['HS256 keyed with the OP public key (SPKI PEM)', 'algorithm', (l) => signJws(header({ alg: 'HS256' }), c(l), { secret: pemSpki })],
  ['HS256 keyed with the OP public key (PKCS#1 PEM)', 'algorithm', (l) => signJws(header({ alg: 'HS256' }), c(l), { secret: pemPkcs1 })],
  ['HS256 keyed with the OP public JWK', 'algorithm', (l) => signJws(header({ alg: 'HS256' }), c(l), { secret: JSON.stringify(k1.jwk) })],
  ['HS512 keyed with the OP public key', 'algorithm', (l) => signJws(header({ alg: 'HS512' }), c(l), { secret: pemSpki })],
  ['alg "RS256 " (trailing space)', 'algorithm', (l) => t(l, { header: { alg: 'RS256 ' } })],
  ['alg not a string', 'malformed', (l) => t(l, { header: { alg: 256 } })],
  ['iss another issuer', 'issuer', (l) => t(l, { claims: { iss: 'https://evil.example' } })],
  ['iss with a trailing slash', 'issuer', (l) => t(l, { claims: { iss: `${op.issuer}/` } })],
  ['iss missing', 'issuer', (l) => t(l, { claims: { iss: undefined } })],
  ['iss as an array', 'issuer', (l) => t(l, { claims: { iss: [op.issuer] } })],
  ['aud missing', 'audience', (l) => t(l, { claims: { aud: undefined } })],
  ['aud another client', 'audience', (l) => t(l, { claims: { aud: 'other-rp' } })],
  ['aud [another client]', 'audience', (l) => t(l, { claims: { aud: ['other-rp'] } })],
  ['aud []', 'audience', (l) => t(l, { claims: { aud: [] } })],
  ['aud a number', 'audience', (l) => t(l, { claims: { aud: 1 } })],
  ['aud of a prefix of the client id', 'audience', (l) => t(l, { claims: { aud: 'test-r' } })],
  ['aud [client, other] without azp', 'azp', (l) => t(l, { claims: { aud: ['test-rp', 'other-rp'] } })],
  ['aud [client, other] with azp other', 'azp', (l) => t(l, { claims: { aud: ['test-rp', 'other-rp'], azp: 'other-rp' } })],
  ['azp another client', 'azp', (l) => t(l, { claims: { azp: 'other-rp' } })],
  ['expired an hour ago', 'expired', (l) => t(l, { claims: { exp: op.now() - 3600, iat: op.now() - 3700 } })],
  ['exp missing', 'expired', (l) => t(l, { claims: { exp: undefined } })],
  ['exp a string', 'expired', (l) => t(l, { claims: { exp: String(op.now() + 300) } })],
  ['exp beyond year 9999', 'expired', (l) => t(l, { claims: { exp: 253402300800 } })],
  ['exp beyond int64 (JSON overflow)', 'malformed', (l) => t(l, { claims: { exp: 1e20 } })],
  ['exp negative', 'expired', (l) => t(l, { claims: { exp: -1 } })],
  ['iat a day in the future', 'iat', (l) => t(l, { claims: { iat: op.now() + 86400, exp: op.now() + 90000 } })],
  ['iat missing', 'iat', (l) => t(l, { claims: { iat: undefined } })],
  ['iat two hours old', 'iat', (l) => t(l, { claims: { iat: op.now() - 7200 } })],
  ['nbf in the future', 'nbf', (l) => t(l, { claims: { nbf: op.now() + 3600 } })],
  ['nonce another value', 'nonce', (l) => t(l, { claims: { nonce: crypto.randomBytes(32).toString('base64url') } })],
  ['nonce missing', 'nonce', (l) => t(l, { claims: { nonce: undefined } })],
  ['nonce as an array', 'nonce', (l) => t(l, { claims: { nonce: [l.nonce] } })],
  ['nonce with a suffix', 'nonce', (l) => t(l, { claims: { nonce: `${l.nonce}x` } })],
  ['sub missing', 'sub', (l) => t(l, { claims: { sub: undefined } })],
  ['sub empty', 'sub', (l) => t(l, { claims: { sub: '' } })],
  ['sub of 256 characters', 'sub', (l) => t(l, { claims: { sub: 'a'.repeat(256) } })],
  ['sub a number', 'sub', (l) => t(l, { claims: { sub: 42 } })],
  ['kid pointing nowhere', 'unknown-kid', (l) => t(l, { header: { kid: 'nowhere' } })],
  ['kid a path', 'unknown-kid', (l) => t(l, { header: { kid: '../../../etc/passwd' } })],
  ['kid a number', 'malformed', (l) => t(l, { header: { kid: 1 } })],
  ['no kid, several RSA keys', 'no-key', (l) => t(l, { header: { kid: undefined } })],
  ['RS256 naming the EC key', 'no-key', (l) => t(l, { header: { kid: 'ec1' } })],
  ['PS256 with an RS256-only key', 'no-key', (l) => t(l, { header: { alg: 'PS256' } })],
  ['kid k1, signed by k2', 'signature', (l) => t(l, { key: { ...k2, kid: 'k1' } })],
  ['signature bit-flipped', 'signature', (l) => flipBit(t(l))],
  ['signature last bit flipped', 'signature', (l) => flipBit(t(l), 2, 255)],
  ['signature truncated', 'signature', (l) => t(l).slice(0, -8)],
  ['signature of another token', 'signature', (l) => { const a = t(l).split('.'); const b = t(l, { claims: { sub: 'bob' } }).split('.'); return `${a[0]}.${a[1]}.${b[2]}`; }],
  ['signature empty', 'malformed', (l) => t(l).replace(/[^.]+$/, '')],
  ['signature not base64url', 'malformed', (l) => `${t(l)}+/=`],
  ['payload altered after signing', 'signature', (l) => { const p = t(l).split('.'); p[1] = b64u(JSON.stringify(c(l, { sub: 'admin' }))); return p.join('.'); }],
  ['header altered after signing', 'signature', (l) => { const p = t(l).split('.'); p[0] = b64u(JSON.stringify(header({ typ: 'at+jwt' }))); return p.join('.'); }],
  ['attacker key embedded as jwk, its own kid', 'unknown-kid', (l) => t(l, { key: evil, header: { jwk: evil.jwk } })],
  ['attacker key embedded as jwk, kid k1', 'signature', (l) => t(l, { key: { ...evil, kid: 'k1' }, header: { jwk: evil.jwk } })],
  ['jku pointing at attacker keys', 'unknown-kid', (l) => t(l, { key: evil, header: { jku: `${op.issuer}/evil-jwks` } })],
  ['x5u pointing at attacker keys', 'unknown-kid', (l) => t(l, { key: evil, header: { x5u: `${op.issuer}/evil-x5u` } })],
  ['crit header', 'malformed', (l) => t(l, { header: { crit: ['exp'] } })],
  ['duplicate sub in the payload', 'malformed', (l) => signJws(header(), JSON.stringify(c(l)).replace('"sub":"alice"', '"sub":"alice","sub":"admin"'), { key: k1 })],
  ['duplicate iss in the payload', 'malformed', (l) => signJws(header(), `{"iss":"https://evil.example",${JSON.stringify(c(l)).slice(1)}`, { key: k1 })],
  ['duplicate nonce in the payload', 'malformed', (l) => signJws(header(), `{"nonce":"x",${JSON.stringify(c(l)).slice(1)}`, { key: k1 })],
  ['duplicate alg in the header', 'malformed', (l) => signJws('{"alg":"RS256","kid":"k1","alg":"none"}', c(l), { key: k1 })],
  ['duplicate kid in the header', 'malformed', (l) => signJws('{"alg":"RS256","kid":"nowhere","kid":"k1"}', c(l), { key: k1 })],
  ['payload a JSON array', 'malformed', (l) => signJws(header(), JSON.stringify([c(l)]), { key: k1 })],
  ['payload trailing garbage', 'malformed', (l) => signJws(header(), `${JSON.stringify(c(l))}}`, { key: k1 })],
  ['NUL inside sub', 'malformed', (l) => signJws(header(), JSON.stringify(c(l)).replace('"sub":"alice"', '"sub":"alice\\u0000admin"'), { key: k1 })],
  ['payload not UTF-8', 'malformed', (l) => { const p = t(l).split('.'); p[1] = b64u(Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])); return p.join('.'); }],
  ['oversized token (40 kB claim)', 'malformed', (l) => t(l, { claims: { pad: 'A'.repeat(40000) } })],
  ['five parts (JWE shape)', 'malformed', (l) => `${t(l)}.${b64u('x')}.${b64u('y')}`],
  ['two parts', 'malformed', (l) => t(l).split('.').slice(0, 2).join('.')],
  ['at_hash not the access token\'s', 'at_hash', (l) => t(l, { claims: { at_hash: b64u(crypto.randomBytes(16)) } })],
];

// Logs in with op.respond scripted; returns the callback response.
async function attempt(h, theOp, respond, path = '/app/cgi/env.cgi') {
  const b = new Browser();
  const { res } = await loginThrough(b, `${h.origin}${path}`, { respond }, theOp);
  return { b, res };
}

async function expectLogin(h, theOp, respond, path = '/app/cgi/env.cgi') {
  const { b, res } = await attempt(h, theOp, respond, path);
  assert.equal(res.status, 302, res.body);
  assert.equal(res.headers.get('location'), `${h.origin}${path}`);
  assert.ok(res.setCookies.some((x) => /^oidc_session=[^;]/.test(x)));
  const app = await b.fetch(`${h.origin}${path}`);
  assert.equal(app.status, 200);
  return app.json();
}

test('control: a good ID token signs in (RS256, kid k1)', async () => {
  const env = await expectLogin(httpd, op, (l) => ({ id_token: op.idToken(l) }));
  assert.equal(env.REMOTE_USER, 'alice');
  assert.equal(env.OIDC_CLAIM_email, 'alice@example.com');
});

test('control: ES256 without kid signs in when one key fits', async () => {
  const env = await expectLogin(httpd, op, (l) => ({ id_token: op.idToken(l, { key: { ...ec1, kid: undefined } }) }));
  assert.equal(env.REMOTE_USER, 'alice');
});

test(`${BAD.length} bad ID tokens: 401, tagged log line, no session`, async () => {
  const seen = [];
  for (const [name, reason, make] of BAD) {
    const mark = httpd.errorLog().length;
    let token;
    const { b, res } = await attempt(httpd, op, (l) => { token = make(l); return { id_token: token }; });
    assert.equal(res.status, 401, `${name}: ${res.status} ${res.body}`);
    assert.match(res.body, /could not be verified/, name);
    assert.equal(res.headers.get('www-authenticate'), 'OIDC realm="oidc", error="invalid_token"', name);
    assertNoSession(res, name);
    // The flow is over: its cookie is cleared.
    assert.ok(res.setCookies.some((x) => /^oidc_session_flow_[^=]+=; .*Max-Age=0/.test(x)), name);
    const log = logSince(httpd, mark);
    const m = /\[oidc-idtoken\] ID token rejected \(([a-z_-]+)\)/.exec(log);
    assert.ok(m, `${name}: no rejection logged\n${log}`);
    assert.equal(m[1], reason, `${name}: rejected for ${m[1]}, expected ${reason}`);
    assert.ok(!log.includes(token.split('.')[1].slice(0, 24)), `${name}: the token was logged`);
    // Nothing was kept: the same browser is sent to the OP again.
    const again = await b.fetch(`${httpd.origin}/app/cgi/env.cgi`);
    assert.equal(again.status, 302, name);
    assert.ok(again.headers.get('location').startsWith(`${op.issuer}/authorize?`), name);
    seen.push(reason);
  }
  // Every check of the validator was reached by some token.
  assert.deepEqual([...new Set(seen)].sort(), ['algorithm', 'at_hash', 'audience', 'azp', 'expired', 'iat',
    'issuer', 'malformed', 'nbf', 'no-key', 'nonce', 'signature', 'sub', 'unknown-kid']);
  // Keys named in the token are never fetched.
  assert.equal(op.hits['/evil-jwks'], undefined);
  assert.equal(op.hits['/evil-x5u'], undefined);
});

test('an earlier valid ID token replayed into a new login is refused (nonce)', async () => {
  let earlier;
  await expectLogin(httpd, op, (l) => { earlier = op.idToken(l); return { id_token: earlier }; });
  const mark = httpd.errorLog().length;
  const { res } = await attempt(httpd, op, () => ({ id_token: earlier }));
  assert.equal(res.status, 401);
  assertNoSession(res);
  assert.match(logSince(httpd, mark), /\[oidc-idtoken\] ID token rejected \(nonce\)/);
});

test('token responses without a usable id_token: 502, no session', async () => {
  const cases = [
    ['no id_token', () => ({})],
    ['id_token a number', () => ({ id_token: 42 })],
    ['id_token an object', (l) => ({ id_token: { value: op.idToken(l) } })],
    ['body not JSON', () => 'not json'],
    ['duplicate id_token members', (l) => `{"access_token":"a","token_type":"Bearer","id_token":"${op.idToken(l)}","id_token":"x"}`],
    ['token_type not Bearer', (l) => ({ id_token: op.idToken(l), token_type: 'mac' })],
    ['body over 512 kB', (l) => ({ id_token: op.idToken(l), pad: 'x'.repeat(600 * 1024) })],
  ];
  for (const [name, respond] of cases) {
    const mark = httpd.errorLog().length;
    const { res } = await attempt(httpd, op, respond);
    assert.equal(res.status, 502, `${name}: ${res.status}`);
    assertNoSession(res, name);
    assert.match(logSince(httpd, mark), /\[oidc-token\] token (request to .* failed|response has no id_token)/, name);
  }
});

test('a token with many claims signs in, and at most 256 claims reach the application', async () => {
  const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`c${i}`, i]));
  const env = await expectLogin(httpd, op, (l) => ({ id_token: op.idToken(l, { claims: many }) }));
  const exported = Object.keys(env).filter((k) => k.startsWith('OIDC_CLAIM_'));
  assert.equal(exported.length, 256);
  assert.equal(env.REMOTE_USER, 'alice');
});

test('unknown kid: one JWKS refetch finds a rotated key; a second is throttled', async () => {
  // The httpd has loaded the JWKS with k1 only.
  assert.equal((await new Browser().fetch(`${kidHttpd.origin}/app/`)).status, 302);
  assert.equal(kidOp.hits['/jwks'], 1);
  // The OP rotates to k2 and signs with it: the module refetches once.
  kidOp.keys = [k1, k2];
  const env = await expectLogin(kidHttpd, kidOp, (l) => ({ id_token: kidOp.idToken(l, { key: k2 }) }));
  assert.equal(env.REMOTE_USER, 'alice');
  assert.equal(kidOp.hits['/jwks'], 2);
  assert.match(kidHttpd.errorLog(), /\[oidc-idtoken\] ID token names an unknown kid: refetching the JWKS/);
  // Tokens naming keys that do not exist cannot make it fetch again and again.
  for (let i = 0; i < 3; i++) {
    const mark = kidHttpd.errorLog().length;
    const { res } = await attempt(kidHttpd, kidOp, (l) => ({ id_token: kidOp.idToken(l, { header: { kid: `nowhere-${i}` } }) }));
    assert.equal(res.status, 401);
    assertNoSession(res);
    assert.match(logSince(kidHttpd, mark), /\[oidc-idtoken\] ID token rejected \(unknown-kid\)/);
  }
  assert.equal(kidOp.hits['/jwks'], 2);
});
