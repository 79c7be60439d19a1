// A real OpenID Provider (oidc-provider) for the integration tests and the
// demo. Usage: node op.mjs CONFIG.json
//   { "port": 9000, "clients": [ ...oidc-provider client metadata... ],
//     "tls": { "key": PATH, "cert": PATH },   (optional: https)
//     "loginForm": true,                      (optional, see below)
//     "par": "required" | "off" }             (optional: PAR, RFC 9126; offered)
// Without loginForm it logs users in without a form: the account is the
// login_hint, or "alice" (the node-client tests). With it, the login is a
// real form that asks for a username and a password (the browser tests and
// the demo), with the passwords of config.passwords ({ user: password }). A client's "frontchannel_logout_uri" is
// loaded, with its sid, in an iframe of the logout page once the user
// confirms (OpenID Connect Front-Channel Logout; oidc-provider no longer
// implements that draft itself).
// It prints "ready <issuer>" once it listens, and counts token-endpoint
// grants at GET /__test/stats (for tests that assert how often we call it).
import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const issuer = `${config.tls ? 'https' : 'http'}://127.0.0.1:${config.port}`;

// Front-channel logout URIs by client, kept out of the client metadata
// (oidc-provider refuses properties it does not know).
const frontchannel = {};
for (const client of config.clients) {
  if (client.frontchannel_logout_uri) frontchannel[client.client_id] = client.frontchannel_logout_uri;
  delete client.frontchannel_logout_uri;
}

const accounts = {
  alice: {
    sub: 'alice', email: 'alice@example.com', email_verified: true,
    name: 'Alice Example', preferred_username: 'alice',
    groups: ['admins', 'staff'], realm_access: { roles: ['app-admin', 'viewer'] },
  },
  bob: {
    sub: 'bob', email: 'bob@example.com', email_verified: false,
    name: 'Bob Example', preferred_username: 'bob',
    groups: ['staff'], realm_access: { roles: ['viewer'] },
  },
  big: {
    // Claims large enough to exceed a small AuthOIDCSessionMaxSize.
    sub: 'big', email: 'big@example.com', name: 'B'.repeat(12000),
    preferred_username: 'big', groups: [], realm_access: { roles: [] },
  },
  mallory: {
    // Claim values with characters that must never split a header.
    sub: 'mallory', email: 'mallory@example.com',
    name: 'Mallory\r\nX-Injected: yes', preferred_username: 'mallory',
    groups: [], realm_access: { roles: [] },
  },
};

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rsa-1', alg: 'RS256', use: 'sig' };

const escapeHtml = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:22em;margin:3em auto}label,input,button{display:block;margin:.4em 0}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

function loginPage(uid, { error = '', username = '' } = {}) {
  return page('Test OP: sign in', `${error ? `<p role="alert" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label>Username <input name="username" id="username" value="${escapeHtml(username)}" autofocus></label>
<label>Password <input name="password" id="password" type="password"></label>
<button type="submit" id="sign-in">Sign in</button></form>`);
}

// The confirmation page of RP-initiated logout. Once the user confirms,
// the front-channel logout URIs of the session's clients load in iframes,
// and the form goes on when they have loaded (or after 3 s).
async function logoutSource(ctx, form) {
  const session = ctx.oidc.session;
  const frames = Object.keys(session.authorizations || {})
    .filter((clientId) => frontchannel[clientId])
    .map((clientId) => {
      const u = new URL(frontchannel[clientId]);
      u.searchParams.set('iss', issuer);
      u.searchParams.set('sid', session.sidFor(clientId));
      return u.toString();
    });
  ctx.body = page('Test OP: sign out', `${form}
<p>Sign out of the test OP?</p>
<button type="button" id="sign-out">Sign out</button>
<div id="frames"></div>
<script>
const frames = ${JSON.stringify(frames).replace(/</g, '\\u003c')};
document.getElementById('sign-out').addEventListener('click', () => {
  const form = document.getElementById('op.logoutForm');
  const yes = document.createElement('input');
  yes.type = 'hidden'; yes.name = 'logout'; yes.value = 'yes';
  form.appendChild(yes);
  let left = frames.length;
  const go = () => form.submit();
  if (!left) return go();
  setTimeout(go, 3000);
  for (const src of frames) {
    const f = document.createElement('iframe');
    f.src = src; f.className = 'frontchannel';
    f.onload = () => { if (--left === 0) go(); };
    document.getElementById('frames').appendChild(f);
  }
});
</script>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Test OP: signed out', '<p id="signed-out">You are signed out.</p>');
}

const stats = { grants: {}, requests: 0, paths: {} };
let userinfoCalls = 0;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'userinfo_only', 'userinfo_seq'],
    groups: ['groups', 'realm_access'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    backchannelLogout: { enabled: true },
    pushedAuthorizationRequests: {
      enabled: config.par !== 'off', requirePushedAuthorizationRequests: config.par === 'required',
    },
  },
  pkce: { required: () => true },
  ttl: {
    AccessToken: config.accessTokenTTL ?? 3600,
    IdToken: 3600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    RefreshToken: 86400,
  },
  rotateRefreshToken: true,
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (ctx, id) => {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      // UserInfo answers with claims the ID token lacks, a name that differs
      // (the ID token's must win) and a counter that changes on every call.
      claims: (use) => (use === 'userinfo'
        ? { ...account, name: 'Name From UserInfo', userinfo_only: 'yes', userinfo_seq: ++userinfoCalls }
        : { ...account }),
    };
  },
});
provider.proxy = false;
// Front-Channel Logout's frontchannel_logout_session_required: the ID
// token carries the sid the iframe will name.
const includeSid = provider.Client.prototype.includeSid;
provider.Client.prototype.includeSid = function sidToo() {
  return Boolean(frontchannel[this.clientId]) || includeSid.call(this);
};

provider.on('backchannel.error', (ctx, err, client) => {
  process.stdout.write(`backchannel.error ${client?.clientId}: ${err?.message}\n`);
});
provider.on('backchannel.success', (ctx, client) => {
  process.stdout.write(`backchannel.success ${client?.clientId}\n`);
});

provider.on('grant.success', (ctx) => {
  const type = ctx.oidc.params.grant_type;
  stats.grants[type] = (stats.grants[type] || 0) + 1;
});

// GET shows the form; POST .../login checks the password.
async function loginForm(req, res, { uid, params }) {
  const html = (status, body) => {
    res.statusCode = status;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.end(body);
  };
  if (req.method !== 'POST') {
    html(200, loginPage(uid, { username: params.login_hint || '' }));
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const form = new URLSearchParams(Buffer.concat(chunks).toString());
  const username = form.get('username') || '';
  const password = Buffer.from(form.get('password') || '');
  const expected = Buffer.from(config.passwords?.[username] ?? '');
  const ok = accounts[username] && expected.length > 0 && expected.length === password.length
    && crypto.timingSafeEqual(expected, password);
  if (!ok) {
    html(200, loginPage(uid, { error: 'Wrong username or password.', username }));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: username } },
    { mergeWithLastSubmission: false });
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login' && config.loginForm) {
    await loginForm(req, res, details);
    return;
  }
  if (prompt.name === 'login') {
    const hint = typeof params.login_hint === 'string' ? params.login_hint : 'alice';
    const accountId = accounts[hint] ? hint : 'alice';
    await provider.interactionFinished(req, res, { login: { accountId } },
      { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } },
    { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const server = (config.tls
  ? https.createServer({ key: fs.readFileSync(config.tls.key), cert: fs.readFileSync(config.tls.cert) })
  : http.createServer()).on('request', (req, res) => {
  stats.requests += 1;
  const pathname = req.url.split('?')[0];
  stats.paths[pathname] = (stats.paths[pathname] || 0) + 1;
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  if (req.url === '/__test/sign' && req.method === 'POST') {
    // Test-only: signs any header and payload with the OP's key, so tests
    // can hand-make logout tokens that are validly signed but wrong.
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const { header, payload } = JSON.parse(Buffer.concat(chunks).toString());
      const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const input = `${enc({ alg: 'RS256', kid: signingKey.kid, ...header })}.${enc(payload)}`;
      const sig = crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url');
      res.end(`${input}.${sig}`);
    });
    return;
  }
  if (req.url === '/__test/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  callback(req, res);
});
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
