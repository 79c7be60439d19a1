// A small scriptable OpenID Provider for the attack tests (6xx), in the test
// process itself and on node built-ins only. It serves discovery, a JWKS the
// test can change, an authorization endpoint that redirects straight back
// with code and state, and a token endpoint that answers with exactly what
// the test scripted for that login (it knows the login's nonce).
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import assert from 'node:assert/strict';
import { CLIENT_SECRET } from './harness.mjs';

export const b64u = (x) => Buffer.from(x).toString('base64url');

// A signing key: { kid, alg, privateKey, publicKey, jwk }.
export function makeKey(kind = 'rsa', kid = undefined) {
  const { privateKey, publicKey } = kind === 'ec'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = kind === 'ec' ? 'ES256' : 'RS256';
  const jwk = { ...publicKey.export({ format: 'jwk' }), use: 'sig', alg };
  if (kid !== undefined) jwk.kid = kid;
  return { kid, alg, privateKey, publicKey, jwk };
}

// A compact JWS over header and payload, each an object or the exact JSON
// text to encode (for duplicate members). `secret` signs HS*; alg none
// leaves the signature empty. signAlg: sign with this, whatever the header says.
export function signJws(header, payload, { key, secret, signAlg } = {}) {
  const h = typeof header === 'string' ? header : JSON.stringify(header);
  const alg = signAlg ?? (typeof header === 'string' ? JSON.parse(h).alg : header.alg);
  const p = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const input = `${b64u(h)}.${b64u(p)}`;
  let sig;
  if (/^none$/i.test(alg)) sig = Buffer.alloc(0);
  else if (alg.startsWith('HS')) sig = crypto.createHmac(`sha${alg.slice(2)}`, secret).update(input).digest();
  else if (alg.startsWith('ES')) sig = crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  else if (alg.startsWith('PS')) {
    sig = crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), {
      key: key.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8,
    });
  } else sig = crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), key.privateKey);
  return `${input}.${b64u(sig)}`;
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

// keys: what the JWKS holds at the start; the first signs good tokens.
export async function startScriptedOP({ keys = [makeKey('rsa', 'k1')] } = {}) {
  const server = http.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const logins = new Map();           // code -> the authorization request
  const op = {
    issuer,
    keys,                             // the signing keys the JWKS publishes
    extraJwks: [],                    // more JWKS entries, as is
    hits: {},                         // path -> count
    clientId: 'test-rp',
    // (login) -> token response object, or a string sent as the body.
    respond: null,
    lastLogin: null,
    discovery: {},                    // members added to the discovery document
    now: () => Math.floor(Date.now() / 1000),
    // The claims of a good ID token for this login, with overrides;
    // a member set to undefined is left out.
    claims(login, over = {}) {
      const now = op.now();
      const c = {
        iss: issuer, sub: 'alice', aud: op.clientId, exp: now + 300, iat: now,
        nonce: login.nonce, email: 'alice@example.com', name: 'Alice Example', ...over,
      };
      for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
      return c;
    },
    // An ID token signed by key (with its alg, whatever the header says):
    // claims and header are overrides.
    idToken(login, { claims = {}, header = {}, key = keys[0], payload } = {}) {
      const h = { alg: key.alg, typ: 'JWT', ...(key.kid ? { kid: key.kid } : {}), ...header };
      for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
      return signJws(h, payload ?? op.claims(login, claims), { key, signAlg: key.alg });
    },
    stop() { server.closeAllConnections(); server.close(); },
  };

  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    op.hits[url.pathname] = (op.hits[url.pathname] || 0) + 1;
    const json = (status, obj) => {
      const body = typeof obj === 'string' ? obj : JSON.stringify(obj);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(body);
    };
    try {
      if (url.pathname === '/.well-known/openid-configuration') {
        json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          end_session_endpoint: `${issuer}/logout`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256', 'ES256'],
          ...op.discovery,
        });
      } else if (url.pathname === '/jwks') {
        json(200, { keys: [...op.keys.map((k) => k.jwk), ...op.extraJwks] });
      } else if (url.pathname === '/authorize') {
        const q = Object.fromEntries(url.searchParams);
        const code = crypto.randomBytes(16).toString('base64url');
        const login = { ...q, code, issuer };
        logins.set(code, login);
        op.lastLogin = login;
        const back = new URL(q.redirect_uri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.state);
        res.writeHead(302, { Location: back.toString() });
        res.end();
      } else if (url.pathname === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const login = logins.get(form.get('code'));
        logins.delete(form.get('code'));
        const auth = /^Basic (.+)$/.exec(req.headers.authorization || '');
        const [id, secret] = auth ? Buffer.from(auth[1], 'base64').toString().split(':').map(decodeURIComponent)
          : [form.get('client_id'), form.get('client_secret')];
        const challenge = login && crypto.createHash('sha256').update(form.get('code_verifier') || '').digest('base64url');
        if (!login || challenge !== login.code_challenge || id !== op.clientId || secret !== CLIENT_SECRET) {
          json(400, { error: 'invalid_grant' });
          return;
        }
        const answer = op.respond ? await op.respond(login) : { id_token: op.idToken(login) };
        json(200, typeof answer === 'string' ? answer
          : { access_token: 'at-' + login.code, token_type: 'Bearer', expires_in: 300, ...answer });
      } else {
        res.writeHead(404);
        res.end();
      }
    } catch (e) {
      res.writeHead(500);
      res.end(String(e));
    }
  });
  return op;
}

// ---- a login through the scripted OP -----------------------------------------

// Goes from `url` (no session) through the OP back to the callback with the
// token op.respond scripts. Returns the callback's response (the module's
// verdict) and the login (state, nonce) the OP saw.
export async function loginThrough(b, url, { respond } = {}, op = undefined) {
  const first = await b.fetch(url);
  assert.equal(first.status, 302, `no redirect to the OP from ${url}: ${first.status}`);
  const toOp = first.headers.get('location');
  const atOp = await b.fetch(toOp);
  assert.equal(atOp.status, 302, `the scripted OP did not redirect back: ${atOp.body}`);
  const callback = new URL(atOp.headers.get('location'));
  if (op && respond) op.respond = respond;
  try {
    const res = await b.fetch(callback.toString());
    return { res, toOp: new URL(toOp), callback };
  } finally {
    if (op && respond) op.respond = null;
  }
}

// A response sets no session cookie (clearing one is fine).
export function assertNoSession(res, what = '') {
  assert.ok(!res.setCookies.some((c) => /^oidc_session=[^;]/.test(c)), `a session cookie was set ${what}`);
  assert.doesNotMatch(res.body, /PROTECTED-CONTENT|"REMOTE_USER"/, what);
}

// What the error log gained since mark = log().length.
export function logSince(h, mark) {
  return h.errorLog().slice(mark);
}

// httpd children that crashed leave this in the error log.
export function assertNoCrash(h) {
  assert.doesNotMatch(h.errorLog(), /exit signal|Segmentation fault|AH00052|child pid \d+ exit signal/);
}

// ---- raw HTTP ----------------------------------------------------------------

// Sends these exact bytes on a new connection and reads until the server
// closes it (the test httpds run with KeepAlive Off). Returns every response
// in the stream, each with its status, headers (name -> [values]) and body.
export function rawHttp(port, bytes, { timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect(port, '127.0.0.1', () => sock.end(Buffer.from(bytes, 'latin1')));
    sock.setTimeout(timeout, () => sock.destroy(new Error('raw request timed out')));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => (e.code === 'ECONNRESET' ? resolve(parseResponses(Buffer.concat(chunks))) : reject(e)));
    sock.on('close', () => resolve(parseResponses(Buffer.concat(chunks))));
  });
}

function parseResponses(buf) {
  const text = buf.toString('latin1');
  const out = [];
  let rest = text;
  while (rest.startsWith('HTTP/')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      const k = l.slice(0, i).trim().toLowerCase();
      (headers[k] ||= []).push(l.slice(i + 1).trim());
    }
    rest = rest.slice(end + 4);
    let body;
    if (headers['content-length']) {
      const n = Number(headers['content-length'][0]);
      body = rest.slice(0, n);
      rest = rest.slice(n);
    } else if (/chunked/i.test(headers['transfer-encoding']?.[0] || '')) {
      body = '';
      for (;;) {
        const le = rest.indexOf('\r\n');
        const n = parseInt(rest.slice(0, le), 16);
        rest = rest.slice(le + 2);
        if (!n) { rest = rest.slice(rest.indexOf('\r\n') + 2); break; }
        body += rest.slice(0, n);
        rest = rest.slice(n + 2);
      }
    } else {
      body = rest;
      rest = '';
    }
    out.push({ status: Number(statusLine.split(' ')[1]), statusLine, headers, body });
  }
  return { responses: out, raw: text, first: out[0] };
}
