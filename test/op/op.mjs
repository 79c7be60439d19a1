// A real OpenID Provider (oidc-provider) for the integration tests and the
// demo. It logs users in without a form: the account is the login_hint, or
// "alice". Usage: node op.mjs CONFIG.json
//   { "port": 9000, "clients": [ ...oidc-provider client metadata... ] }
// It prints "ready <issuer>" once it listens, and counts token-endpoint
// grants at GET /__test/stats (for tests that assert how often we call it).
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

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
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
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

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
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
const server = http.createServer((req, res) => {
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
