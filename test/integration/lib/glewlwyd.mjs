// Debian's glewlwyd (2.7.5) as a second, independent OpenID Provider for
// the integration tests: a fresh SQLite database from the package's seed
// SQL, a configuration of its own in a temporary directory, https with the
// test CA, and everything else (the OIDC plugin, scopes, users, clients)
// set up through its REST admin API, as an administrator would.
//
// glewlwyd has no server-side login page: its authorize endpoint sends the
// browser to a JavaScript application (login.html) that talks to the REST
// API. glewlwydLogin() and glewlwydLogout() below do what that application
// does, for the harness's Browser. With `webapp: true`, glewlwyd serves
// that application itself (a copy, with a config.json of this instance),
// for a real browser.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, freePort, waitForPort, track, stopChild, tls, Browser } from './harness.mjs';

const SEED_SQL = '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3';
const LIB = '/usr/lib/glewlwyd';
const PLUGIN = 'oidc';          // the plugin instance's name: its endpoints are /api/oidc/...
const WEBAPP = '/usr/share/glewlwyd/webapp';

export const GLEWLWYD_USERS = {
  alice: { username: 'alice', password: 'alice-password-1', name: 'Alice Example',
    email: 'alice@example.com', groups: ['admins', 'staff'], phone: '+1 555 0100' },
  bob: { username: 'bob', password: 'bob-password-2', name: 'Bob Example',
    email: 'bob@example.com', groups: ['staff'], phone: '+1 555 0101' },
};
const SCOPES = ['openid', 'email', 'profile'];

// One JSON request to the REST API as the browser `b` (its cookie jar is
// the session); throws unless the answer is 200.
async function api(b, method, url, body) {
  const res = await b.fetch(url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`glewlwyd: ${method} ${url}: ${res.status} ${res.body}`);
  return res.body ? res.json() : null;
}

// A copy of the webapp (4.5 MB, its links to Debian's bootstrap, jquery and
// fonts resolved) for the instance at `origin`, served from its root
// (static_files_path). Debian's config.json is a link to
// /etc/glewlwyd/config-2.7.json, which is a directory holding the real
// config.json: the copy gets that file, with GlewlwydUrl (where the app
// asks GET config/ for the API prefix) this origin.
function webappCopy(origin) {
  const dir = makeTempDir('glewlwyd-webapp');
  const link = path.join(WEBAPP, 'config.json');
  fs.cpSync(WEBAPP, dir, { recursive: true, dereference: true, filter: (src) => src !== link });
  const stock = fs.statSync(link).isDirectory() ? path.join(link, 'config.json') : link;
  const json = JSON.parse(fs.readFileSync(stock, 'utf8'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...json, GlewlwydUrl: `${origin}/` }));
  return dir;
}

// What glewlwyd's file server sends as Content-Type, by extension.
const MIME = {
  '.html': 'text/html', '.css': 'text/css', '.js': 'application/javascript',
  '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon',
  '.svg': 'image/svg+xml', '.ttf': 'font/ttf', '.woff': 'font/woff', '.woff2': 'font/woff2',
  '.eot': 'application/vnd.ms-fontobject', '.map': 'application/octet-stream',
};

function config({ port, origin, dir, useTls, webapp }) {
  // libconfig syntax. external_url has no trailing "/": glewlwyd appends
  // "/api/..." to it. Without TLS, use_secure_connection must be left out:
  // "false" without the key and certificate files makes glewlwyd exit
  // ("secure connection is active but certificate is not valid").
  const secure = useTls ? `use_secure_connection=true
secure_connection_key_file="${tls().keyFile}"
secure_connection_pem_file="${tls().certFile}"` : '';
  return `port=${port}
bind_address="127.0.0.1"
external_url="${origin}"
login_url="login.html"
api_prefix="api"
allow_origin="*"
log_mode="file"
log_level="DEBUG"
log_file="${dir}/glewlwyd.log"
cookie_secure=${useTls ? 1 : 0}
cookie_same_site="empty"
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="${LIB}/user"
client_module_path="${LIB}/client"
user_auth_scheme_module_path="${LIB}/scheme"
plugin_module_path="${LIB}/plugin"
${secure}
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "${dir}/glewlwyd.db"; };
${webapp ? `static_files_path="${webapp}"
static_files_mime_types = (${Object.entries(MIME)
    .map(([ext, type]) => `{ extension = "${ext}"; mime_type = "${type}"; }`).join(',\n  ')});` : ''}
`;
}

// The OIDC plugin instance's parameters (names as in the admin UI's
// GlwdOIDCParams; what is left out is off, or the plugin's built-in value).
function pluginParameters({ issuer, accessTokenTTL, parRequired }) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    iss: issuer,
    'jwt-type': 'rsa',
    'jwt-key-size': '256',
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    cert: publicKey.export({ type: 'spki', format: 'pem' }),
    'secret-type': 'public',          // one sub per user, whatever the client
    'access-token-duration': accessTokenTTL,
    'refresh-token-duration': 3600,
    'code-duration': 600,
    'refresh-token-rolling': true,
    'auth-type-code-enabled': true,
    'auth-type-refresh-enabled': true,
    'auth-type-token-enabled': false,
    'auth-type-id-token-enabled': true,
    'auth-type-none-enabled': false,
    'auth-type-password-enabled': false,
    'auth-type-client-enabled': false,
    'auth-type-device-enabled': false,
    'allow-non-oidc': false,
    'pkce-allowed': true,
    'pkce-method-plain-allowed': false,
    'pkce-required': false,
    'pkce-required-public-client': true,
    'oauth-par-allowed': true,
    'oauth-par-required': parRequired,
    'oauth-par-duration': 90,
    'oauth-par-request_uri-prefix': 'urn:ietf:params:oauth:request_uri:',
    'request-parameter-allow': true,
    // private_key_jwt: the client's keys in these properties.
    'client-pubkey-parameter': 'pubkey',
    'client-jwks-parameter': 'jwks',
    'client-jwks_uri-parameter': 'jwks_uri',
    'jwks-show': true,
    'allowed-scope': SCOPES,
    // name and email come with the scopes profile and email; the claims
    // below from the user's properties.
    'name-claim': 'on-demand',
    'name-claim-scope': ['profile'],
    'email-claim': 'on-demand',
    'email-claim-scope': ['email'],
    'scope-claim': 'no',
    claims: [
      { name: 'preferred_username', 'user-property': 'username', type: 'string',
        mandatory: true, 'on-demand': false, scope: [] },
      { name: 'groups', 'user-property': 'groups', type: 'string',
        mandatory: false, 'on-demand': true, scope: ['profile'] },
      // only when the authorization request's claims parameter asks for it
      { name: 'phone_number', 'user-property': 'phone', type: 'string',
        mandatory: false, 'on-demand': true, scope: [] },
    ],
    'address-claim': { type: 'no', mandatory: false },
    // RFC 7009 revocation by the client that holds the token (the module
    // revokes its tokens at logout).
    'introspection-revocation-allowed': true,
    'introspection-revocation-allow-target-client': true,
    'introspection-revocation-auth-scope': [],
    // end_session_endpoint, sid in ID tokens, back- and front-channel logout.
    'session-management-allowed': true,
    'session-cookie-name': 'GLEWLWYD2_OIDC_SID',
    'session-cookie-expiration': 3600,
    'back-channel-logout-allowed': true,
    'front-channel-logout-allowed': true,
    'register-client-allowed': false,
  };
}

// `webapp`: serve the login webapp too (login.html, for a real browser);
// `parRequired`: pushed authorization requests required (RFC 9126).
export async function startGlewlwyd({
  redirectUris, backchannelLogoutUri, postLogoutRedirectUris = [], tls: useTls = true,
  accessTokenTTL = 3600, webapp = false, parRequired = false,
} = {}) {
  const dir = makeTempDir('glewlwyd');
  const port = await freePort();
  const origin = `${useTls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const issuer = `${origin}/api/${PLUGIN}`;
  const logFile = path.join(dir, 'glewlwyd.log');

  // The package's schema and seed (the admin user, scopes g_admin, g_profile
  // and openid, the database user and client backends).
  execFileSync('sqlite3', [path.join(dir, 'glewlwyd.db')], { input: fs.readFileSync(SEED_SQL), stdio: ['pipe', 'pipe', 'pipe'] });
  const confPath = path.join(dir, 'glewlwyd.conf');
  fs.writeFileSync(confPath, config({ port, origin, dir, useTls, webapp: webapp && webappCopy(origin) }));
  const out = fs.openSync(path.join(dir, 'stdout.log'), 'a');
  const child = track(spawn('/usr/bin/glewlwyd', ['-c', confPath], { stdio: ['ignore', out, out] }));
  fs.closeSync(out);
  try {
    await waitForPort(port);
  } catch (e) {
    await stopChild(child, 'SIGKILL');
    let log = '';
    try { log = fs.readFileSync(logFile, 'utf8') + fs.readFileSync(path.join(dir, 'stdout.log'), 'utf8'); } catch { /* none */ }
    throw new Error(`glewlwyd did not start: ${e.message}\n${log.slice(-3000)}`);
  }

  const admin = new Browser();
  const A = (method, p, body) => api(admin, method, `${origin}/api${p}`, body);
  await A('POST', '/auth/', { username: 'admin', password: 'password' });

  // Properties the database backends do not declare by default: a user's
  // groups, a client's post_logout_redirect_uris (read by end_session, a
  // list). A changed module instance takes effect after a reset.
  const userMod = await A('GET', '/mod/user/database');
  Object.assign(userMod.parameters['data-format'], {
    groups: { multiple: true, read: true, write: true, 'profile-read': true, 'profile-write': false },
    phone: { multiple: false, read: true, write: true, 'profile-read': true, 'profile-write': false },
  });
  await A('PUT', '/mod/user/database', userMod);
  await A('PUT', '/mod/user/database/reset');
  const clientMod = await A('GET', '/mod/client/database');
  clientMod.parameters['data-format'].post_logout_redirect_uris = { multiple: true, read: true, write: true };
  await A('PUT', '/mod/client/database', clientMod);
  await A('PUT', '/mod/client/database/reset');

  // openid needs the user's password (the seed says it does not).
  await A('PUT', '/scope/openid', { display_name: 'Open ID', description: 'OpenID Connect',
    password_required: true, password_max_age: 0 });
  for (const name of ['email', 'profile']) {
    await A('POST', '/scope/', { name, display_name: name, description: `${name} claims`,
      password_required: false, password_max_age: 0 });
  }

  await A('POST', '/mod/plugin/', { module: 'oidc', name: PLUGIN, display_name: 'OpenID Connect',
    parameters: pluginParameters({ issuer, accessTokenTTL, parRequired }) });

  const users = {};
  for (const [key, u] of Object.entries(GLEWLWYD_USERS)) {
    await A('POST', '/user/', { username: u.username, password: u.password, name: u.name,
      email: u.email, groups: u.groups, phone: u.phone, enabled: true, scope: [...SCOPES, 'g_profile'] });
    users[key] = { username: u.username, password: u.password };
  }

  const clients = {
    confidential: { id: 'rp-confidential', secret: crypto.randomBytes(24).toString('base64url') },
    public: { id: 'rp-public' },
  };
  const common = {
    enabled: true, redirect_uri: redirectUris, authorization_type: ['code', 'refresh_token'],
    scope: SCOPES, post_logout_redirect_uris: postLogoutRedirectUris,
  };
  // The back-channel logout URI is the confidential client's: a logout
  // token's audience is one client.
  await A('POST', '/client/', { ...common, client_id: clients.confidential.id, name: 'Confidential RP',
    confidential: true, client_secret: clients.confidential.secret,
    token_endpoint_auth_method: ['client_secret_basic'],
    ...(backchannelLogoutUri ? {
      backchannel_logout_uri: backchannelLogoutUri,
      backchannel_logout_session_required: 'true',       // a string: "true" or "1"
    } : {}) });
  await A('POST', '/client/', { ...common, client_id: clients.public.id, name: 'Public RP',
    confidential: false, token_endpoint_auth_method: ['none'] });

  return {
    issuer, origin, port, dir, users, clients, logFile,
    log: () => { try { return fs.readFileSync(logFile, 'utf8'); } catch { return ''; } },
    // A query on the live database (what glewlwyd stored: codes, tokens).
    sql: (query) => execFileSync('sqlite3', [path.join(dir, 'glewlwyd.db'), query], { encoding: 'utf8' }).trim(),
    admin: A,
    // The login form alone: a glewlwyd session for this browser (200, or
    // 401 for a wrong password). glewlwydLogin() does a whole login.
    login: (browser, username, password) => passwordLogin(browser, origin, username, password),
    stop: () => stopChild(child),
  };
}

// The login form's request: signs `username` in to glewlwyd (a session
// cookie in the browser's jar). 200, or 401 for a wrong password.
export function passwordLogin(browser, origin, username, password) {
  return browser.fetch(`${origin}/api/auth/`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

// Follows redirects from `url` like Browser.get. glewlwyd's authorize
// endpoint sends every new request to its login page (login.html, with the
// authorize URL as callback_url), session or not; there this does what the
// page does: asks glewlwyd whether someone is signed in (GET
// /api/profile_list) and whether that session already has the password for
// these scopes (GET /api/auth/scheme/); if not, signs in with the password
// (POST /api/auth/). Then grants the client the scopes not yet granted
// (PUT /api/auth/grant/CLIENT_ID, the list space-separated) and goes back
// to the authorize URL with g_continue, whence glewlwyd redirects to the
// client with a code.
// Returns the last response, with `chain` (every response, glewlwyd's
// API calls included), `loginPage` (the login page was reached),
// `askedPassword` (the password was needed) and `auth` (the password
// POST's response; a 401 ends the walk there and is what is returned).
export async function glewlwydLogin(browser, url, { username, password }) {
  const chain = [];
  const result = { chain, loginPage: false, askedPassword: false, auth: null };
  let current = url;
  for (let i = 0; i < 20; i++) {
    const u = new URL(current);
    if (u.pathname.endsWith('/login.html')) {
      result.loginPage = true;
      const { origin } = u;
      const callback = u.searchParams.get('callback_url');
      const clientId = encodeURIComponent(u.searchParams.get('client_id'));
      const scope = u.searchParams.get('scope');
      const profiles = await browser.fetch(`${origin}/api/profile_list`);
      chain.push(profiles);
      let needPassword = true;
      if (profiles.status === 200 && profiles.json()[0]?.username === username) {
        const schemes = await api(browser, 'GET', `${origin}/api/auth/scheme/?scope=${encodeURIComponent(scope)}`);
        needPassword = Object.values(schemes)
          .some((s) => s.available && s.password_required && !s.password_authenticated);
      }
      if (needPassword) {
        result.askedPassword = true;
        result.auth = await passwordLogin(browser, origin, username, password);
        chain.push(result.auth);
        if (result.auth.status !== 200) return Object.assign(result.auth, result);
      }
      const grants = await api(browser, 'GET', `${origin}/api/auth/grant/${clientId}/${encodeURIComponent(scope)}`);
      if (grants.scope.some((s) => !s.granted)) {
        await api(browser, 'PUT', `${origin}/api/auth/grant/${clientId}`,
          { scope: grants.scope.map((s) => s.name).join(' ') });
      }
      current = `${callback}${callback.includes('?') ? '&' : '?'}g_continue`;
      continue;
    }
    const res = await browser.fetch(current);
    chain.push(res);
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc) {
      current = new URL(loc, current).toString();
      continue;
    }
    return Object.assign(res, result);
  }
  throw new Error(`too many redirects from ${url}`);
}

// Follows redirects from `url` (the module's logout URI, or glewlwyd's
// end_session_endpoint) and, at glewlwyd's logout page (login.html with
// prompt=end_session), does what the page does when the user confirms:
// reads the session's clients (GET /api/oidc/session/SID/CLIENT_ID), ends
// the OIDC session (DELETE /api/oidc/session/SID: glewlwyd disables its
// tokens and sends the back-channel logout tokens), signs out of glewlwyd
// (DELETE /api/auth/), then goes to the post_logout_redirect_uri if
// glewlwyd passed it on as post_redirect_to (2.7.5 does only when the
// end_session request had a state); else the page stays on "session
// closed", and so does this: `sessionClosed`, no status.
// Returns the last response with `chain` and `endSession` (the logout
// page's parameters).
export async function glewlwydLogout(browser, url) {
  const chain = [];
  let current = url;
  for (let i = 0; i < 20; i++) {
    const u = new URL(current);
    if (u.pathname.endsWith('/login.html')) {
      const q = Object.fromEntries(u.searchParams);
      if (q.prompt !== 'end_session') throw new Error(`glewlwyd's logout page knows no session: ${current}`);
      const base = `${u.origin}/api/${q.plugin}/session/${q.sid}`;
      const post = q.post_redirect_to ? `?post_redirect_to=${encodeURIComponent(q.post_redirect_to)}` : '';
      const list = await api(browser, 'GET', `${base}/${encodeURIComponent(q.client_id)}${post}`);
      await api(browser, 'DELETE', base);
      chain.push(await browser.fetch(`${u.origin}/api/auth/`, { method: 'DELETE' }));
      if (!list.post_redirect_to) return { status: null, url: null, sessionClosed: true, chain, endSession: q };
      const rest = await browser.get(q.callback_url);
      return Object.assign(rest, { chain: [...chain, ...rest.chain], endSession: q, sessionClosed: false });
    }
    const res = await browser.fetch(current);
    chain.push(res);
    const loc = res.headers.get('location');
    if (!(res.status >= 300 && res.status < 400 && loc)) {
      throw new Error(`${current} led to no logout page: ${res.status} ${res.body.slice(0, 200)}`);
    }
    current = new URL(loc, current).toString();
  }
  throw new Error(`too many redirects from ${url}`);
}
