// 0xx config: `apachectl configtest` catches mistakes with one line that
// names the directive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configtest } from './lib/harness.mjs';

const good = `
AuthOIDCProvider https://sso.example.com
AuthOIDCClientID shop
AuthOIDCClientSecret s3cret
AuthOIDCRedirectURI /oidc/callback
AuthOIDCSessionKey "0123456789abcdef0123456789abcdef-key"
<Location /app>
  AuthType oidc
  Require oidc-claim groups admins
</Location>`;

test('a complete configuration passes configtest', () => {
  const r = configtest(good);
  assert.ok(r.ok, r.output);
  assert.match(r.output, /Syntax OK/);
});

const broken = [
  ['missing client id', good.replace(/AuthOIDCClientID.*\n/, ''), /AuthOIDCClientID is not set/],
  ['missing redirect URI', good.replace(/AuthOIDCRedirectURI.*\n/, ''), /AuthOIDCRedirectURI is not set/],
  ['missing secret', good.replace(/AuthOIDCClientSecret.*\n/, ''), /AuthOIDCClientSecret is not set/],
  ['short session key', good.replace(/AuthOIDCSessionKey.*\n/, 'AuthOIDCSessionKey short\n'), /at least 32 characters/],
  ['unreadable secret file', good.replace('s3cret', 'file:/nonexistent/secret'), /cannot read secret file/],
  ['unset secret env', good.replace('s3cret', 'env:AUTHNZ_OIDC_TEST_UNSET'), /AUTHNZ_OIDC_TEST_UNSET is not set/],
  ['issuer not a URL', good.replace('https://sso.example.com', 'sso.example.com'), /AuthOIDCProvider must be the issuer URL/],
  ['scope without openid', `${good}\nAuthOIDCScope "email profile"`, /must include "openid"/],
  ['reserved auth param', `${good}\nAuthOIDCAuthParams "state=x"`, /may not set 'state'/],
  ['unknown client auth', `${good}\nAuthOIDCClientAuth tls_client_auth`, /AuthOIDCClientAuth must be client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt or none/],
  ['store provider not loaded', `${good}\nAuthOIDCSessionStore redis:127.0.0.1:6379`, /socache provider 'redis' is not loaded/],
  ['bad timeout', `${good}\nAuthOIDCSessionInactivityTimeout soon`, /number of seconds/],
  ['bad pass-as', `${good.replace('</Location>', 'AuthOIDCPassClaimsAs cookies\n</Location>')}`, /AuthOIDCPassClaimsAs must be/],
  ['Require oidc-claim without value', good.replace('Require oidc-claim groups admins', 'Require oidc-claim groups'), /needs a claim name and at least one value/],
  ['unknown refresh failure', `${good}\nAuthOIDCRefreshFailure logout`, /AuthOIDCRefreshFailure must be reauthenticate, 401 or 502/],
  ['negative refresh lead', `${good}\nAuthOIDCRefreshBeforeExpiry -5`, /AuthOIDCRefreshBeforeExpiry must be a number of seconds from 0/],
  ['login timeout too short', `${good}\nAuthOIDCLoginTimeout 2`, /AuthOIDCLoginTimeout must be a number of seconds from 5 to 3600/],
  ['redirect URI with query', good.replace('/oidc/callback', '/oidc/callback?x=1'), /AuthOIDCRedirectURI must be/],
];

for (const [name, conf, expected] of broken) {
  test(`configtest rejects: ${name}`, () => {
    const r = configtest(conf);
    assert.equal(r.ok, false, `configtest passed for: ${name}`);
    assert.match(r.output, expected);
  });
}

// Removed with the memcache change log, accepted for one release (the
// startup warning is tested in 240).
test('AuthOIDCSessionCacheLag still passes configtest, whatever its value', () => {
  for (const conf of [`${good}\nAuthOIDCSessionCacheLag 100`, `${good}\nAuthOIDCSessionCacheLag 5`,
    `${good}\n<VirtualHost *:80>\nAuthOIDCSessionCacheLag 100\n</VirtualHost>`]) {
    const r = configtest(conf);
    assert.ok(r.ok, r.output);
    assert.match(r.output, /Syntax OK/);
  }
});

test('secrets from env: and file: are accepted', () => {
  process.env.AUTHNZ_OIDC_TEST_SECRET = 'from-the-environment';
  const r = configtest(good.replace('s3cret', 'env:AUTHNZ_OIDC_TEST_SECRET'));
  assert.ok(r.ok, r.output);
});

// The lines the module itself logged: each check says what is wrong and
// what to do in one line of its own.
const oidcLines = (output) => output.split('\n').filter((l) => l.includes('[oidc-config]'));

test('the default store (shmcb) is checked at configtest, like a named one', () => {
  const r = configtest(good, { without: ['socache_shmcb'] });
  assert.equal(r.ok, false, r.output);
  const lines = oidcLines(r.output);
  assert.equal(lines.length, 1, r.output);
  assert.match(lines[0], /AuthOIDCSessionStore is not set, and its default shmcb cannot be used: the socache provider 'shmcb' is not loaded: load it with LoadModule socache_shmcb_module \(a2enmod socache_shmcb\), or name another store \(server localhost\)/);
  assert.doesNotMatch(lines[0], /AuthOIDCSessionStore.*AuthOIDCSessionStore:/);
  const named = configtest(`${good}\nAuthOIDCSessionStore shmcb`, { without: ['socache_shmcb'] });
  assert.equal(named.ok, false, named.output);
  assert.match(named.output, /AuthOIDCSessionStore shmcb: the socache provider 'shmcb' is not loaded: load it with LoadModule socache_shmcb_module \(a2enmod socache_shmcb\)/);
  assert.ok(configtest(good).ok);
});

test('a2enmod is suggested only for socache modules Debian has', () => {
  const r = configtest(`${good}\nAuthOIDCSessionStore mysql:db`);
  assert.equal(r.ok, false, r.output);
  assert.match(r.output, /AuthOIDCSessionStore mysql:db: the socache provider 'mysql' is not loaded: load the module that provides it, or use shmcb, memcache, redis or dbm/);
  assert.doesNotMatch(r.output, /a2enmod|socache_mysql/);
  for (const name of ['memcache', 'redis', 'dbm']) {
    const t = configtest(`${good}\nAuthOIDCSessionStore ${name}:127.0.0.1:1`);
    assert.match(t.output, new RegExp(`\\(a2enmod socache_${name}\\)`), t.output);
  }
});

test('a store that needs an argument says which', () => {
  const extra = ['socache_memcache', 'socache_redis', 'socache_dbm'];
  for (const [spec, want] of [['memcache', /AuthOIDCSessionStore memcache: memcache needs its servers, as memcache:host:port/],
    ['redis:', /AuthOIDCSessionStore redis:: redis needs its servers, as redis:host:port/],
    ['dbm', /AuthOIDCSessionStore dbm: dbm needs a file, as dbm:\/path\/to\/file/]]) {
    const r = configtest(`${good}\nAuthOIDCSessionStore ${spec}`, { extra });
    assert.equal(r.ok, false, r.output);
    assert.match(r.output, want);
  }
});

// Refused where they are written: httpd names the file and line.
const malformedUrls = [
  ['issuer with a space', 'AuthOIDCProvider "https://sso.example.com /realm"',
    /line \d+ of .*:\nAuthOIDCProvider: a space \(at position 24\) is not allowed in a URL: give the issuer exactly as the OP publishes it, such as https:\/\/sso.example.com/],
  ['issuer with a quote', 'AuthOIDCProvider https://sso.example.com/a"b',
    /AuthOIDCProvider: '"' \(at position 26\) is not allowed in a URL/],
  ['issuer with a bad escape', 'AuthOIDCProvider https://sso.example.com/a%zz',
    /AuthOIDCProvider: '%' \(at position 26\) is not allowed in a URL/],
  ['issuer without a host', 'AuthOIDCProvider https:///realm',
    /AuthOIDCProvider must be the issuer URL/],
  ['issuer with a fragment', 'AuthOIDCProvider https://sso.example.com/#x',
    /AuthOIDCProvider must be the issuer URL/],
  ['redirect URI with a space', 'AuthOIDCRedirectURI "/oidc/call back"',
    /AuthOIDCRedirectURI: a space \(at position 11\) is not allowed in a URL: use a path such as \/oidc\/callback/],
  ['redirect URL with a bracket', 'AuthOIDCRedirectURI https://localhost/oidc/<cb>',
    /AuthOIDCRedirectURI: '<' \(at position 24\) is not allowed in a URL/],
  ['redirect URI that is a directory', 'AuthOIDCRedirectURI /app/',
    /AuthOIDCRedirectURI \/app\/ ends in '\/': the module answers that exact URL, so the index page there would never be served; use a path no page has, such as \/app\/oidc-callback/],
];

for (const [name, line, expected] of malformedUrls) {
  test(`configtest rejects where it is written: ${name}`, () => {
    const directive = line.split(' ')[0];
    const conf = good.replace(new RegExp(`${directive} .*\\n`), `${line}\n`);
    const r = configtest(conf);
    assert.equal(r.ok, false, `configtest passed for: ${name}`);
    assert.match(r.output, expected);
  });
}

test('issuers and redirect URIs with encoded and reserved characters pass', () => {
  const r = configtest(good
    .replace('https://sso.example.com', 'https://sso.example.com:8443/realms/my%20realm~1')
    .replace('/oidc/callback', 'https://localhost/oidc/callback;v=1'));
  assert.ok(r.ok, r.output);
});

// The module answers its endpoints by exact path, the redirect URI first
// (endpoint_of), so an endpoint sharing an earlier one's path never runs.
const endpointClashes = [
  ['AuthOIDCLogoutURI /oidc/callback', /\[oidc-config\] AuthOIDCLogoutURI \/oidc\/callback is also AuthOIDCRedirectURI's path, which the module answers first, so it would never run: give AuthOIDCLogoutURI a path of its own, such as \/oidc\/logout \(server localhost\)/],
  ['AuthOIDCBackChannelLogoutURI /oidc/callback', /AuthOIDCBackChannelLogoutURI \/oidc\/callback is also AuthOIDCRedirectURI's path.*such as \/oidc\/backchannel-logout/],
  ['AuthOIDCFrontChannelLogoutURI /oidc/callback', /AuthOIDCFrontChannelLogoutURI \/oidc\/callback is also AuthOIDCRedirectURI's path.*such as \/oidc\/frontchannel-logout/],
  ['AuthOIDCLogoutURI /oidc/out\nAuthOIDCFrontChannelLogoutURI /oidc/out', /AuthOIDCFrontChannelLogoutURI \/oidc\/out is also AuthOIDCLogoutURI's path/],
];

for (const [lines, expected] of endpointClashes) {
  test(`configtest rejects an endpoint that would never run: ${lines.split('\n').pop()}`, () => {
    const r = configtest(`${good}\n${lines}`);
    assert.equal(r.ok, false, r.output);
    assert.equal(oidcLines(r.output).length, 1, r.output);
    assert.match(r.output, expected);
  });
}

test('the absolute redirect URL\'s path is what logout URIs are compared with', () => {
  const conf = good.replace('/oidc/callback', 'https://localhost/oidc/cb');
  assert.equal(configtest(`${conf}\nAuthOIDCLogoutURI /oidc/cb`).ok, false);
  const r = configtest(`${conf}\nAuthOIDCLogoutURI /oidc/logout\n`
    + 'AuthOIDCBackChannelLogoutURI /oidc/backchannel-logout\n'
    + 'AuthOIDCFrontChannelLogoutURI /oidc/frontchannel-logout');
  assert.ok(r.ok, r.output);
});

test('warnings pass configtest, each one line naming the fix', () => {
  const r = configtest(`${good.replace('https://sso.example.com', 'http://sso.example.com')}\n`
    + 'AuthOIDCSSLVerify Off');
  assert.ok(r.ok, r.output);
  const lines = oidcLines(r.output);
  assert.equal(lines.length, 2, r.output);
  assert.match(lines[0], /:warn\].*AuthOIDCProvider http:\/\/sso.example.com is plain http: tokens would cross the network unprotected; use the OP's https:\/\/ issuer \(server localhost\)/);
  assert.match(lines[1], /:warn\].*AuthOIDCSSLVerify Off: the OP's identity is not checked; remove it, and name a private CA with AuthOIDCCABundle \(server localhost\)/);
});

// Where `AuthType oidc` is written, it needs a provider in effect: else
// every request there is a 500.
const oidcServer = `
AuthOIDCProvider https://sso.example.com
AuthOIDCClientID shop
AuthOIDCClientSecret s3cret
AuthOIDCRedirectURI /oidc/callback`;
const shopHost = (inside) => `
<VirtualHost *:1>
ServerName shop.example.com
${inside}
<Location /shop>
  AuthType oidc
  Require valid-user
</Location>
</VirtualHost>`;
const noProvider = /\[oidc-config\] AuthType oidc at \/\S+\/httpd\.conf:\d+ \(server (\S+)\) has no AuthOIDCProvider: set AuthOIDCProvider, AuthOIDCClientID and AuthOIDCRedirectURI in this virtual host or the main server/;

for (const oidcFirst of [false, true]) {
  const order = oidcFirst ? 'loaded before mod_authn_core' : 'loaded after mod_authn_core';
  test(`configtest finds AuthType oidc without a provider (module ${order})`, () => {
    const r = configtest(shopHost(''), { oidcFirst });
    assert.equal(r.ok, false, r.output);
    assert.equal(oidcLines(r.output).length, 1, r.output);
    assert.equal(r.output.match(noProvider)?.[1], 'shop.example.com', r.output);
    assert.ok(configtest(shopHost(oidcServer), { oidcFirst }).ok);
    assert.ok(configtest(`${oidcServer}\n${shopHost('')}`, { oidcFirst }).ok);
  });
}

test('AuthType oidc of the main server needs a provider in each virtual host it reaches', () => {
  const mainLocation = '<Location /app>\nAuthType oidc\nRequire valid-user\n</Location>';
  const bare = configtest(mainLocation);
  assert.equal(bare.ok, false, bare.output);
  assert.equal(bare.output.match(noProvider)?.[1], 'localhost', bare.output);
  // With virtual hosts, the main server itself is commonly never reached.
  const vhosts = `${mainLocation}\n${shopHost(oidcServer)}`;
  assert.ok(configtest(vhosts).ok, configtest(vhosts).output);
  const r = configtest(`${vhosts}\n<VirtualHost *:1>\nServerName blog.example.com\n</VirtualHost>`);
  assert.equal(r.ok, false, r.output);
  assert.equal(r.output.match(noProvider)?.[1], 'blog.example.com', r.output);
});

test('other AuthTypes need no provider', () => {
  const r = configtest('<Location /x>\nAuthType Basic\nAuthName x\nRequire valid-user\n</Location>');
  assert.ok(r.ok, r.output);
});

test('AuthType without mod_authn_core says which module to load', () => {
  const r = configtest(good, { without: ['authn_core'] });
  assert.equal(r.ok, false, r.output);
  assert.match(r.output, /AuthType needs mod_authn_core, which is not loaded: load it with LoadModule authn_core_module \(a2enmod authn_core\)/);
});

// The module answers the redirect URI itself, before any content.
const shadowed = /\[oidc-config\] AuthOIDCRedirectURI \/(app|shop) is the path of the section that AuthType oidc at \/\S+\/httpd\.conf:\d+ protects, so its page would never be served: use a path no page has, such as \/(app|shop)\/oidc-callback \(server (\S+)\)/;

test('configtest refuses a redirect URI that is a protected section\'s path', () => {
  for (const conf of [
    good.replace('/oidc/callback', '/app'),
    good.replace('/oidc/callback', '/app').replace('<Location /app>', '<Location /app/>'),
    good.replace('/oidc/callback', 'https://localhost/app'),
    `${good.replace('/oidc/callback', '/app').replace('<Location /app>', '<Location /elsewhere>')}\n`
      + 'DocumentRoot /tmp\n<Directory /tmp/app>\nAuthType oidc\nRequire valid-user\n</Directory>',
  ]) {
    const r = configtest(conf);
    assert.equal(r.ok, false, r.output);
    assert.equal(oidcLines(r.output).length, 1, r.output);
    assert.match(r.output, shadowed);
  }
  const vhost = configtest(`${oidcServer.replace('/oidc/callback', '/shop')}\n${shopHost('')}`);
  assert.equal(vhost.ok, false, vhost.output);
  assert.equal(vhost.output.match(shadowed)?.[3], 'shop.example.com', vhost.output);
});

test('a redirect URI inside a protected section passes', () => {
  const r = configtest(good.replace('/oidc/callback', '/app/oidc-callback'));
  assert.ok(r.ok, r.output);
  const regex = configtest(good.replace('/oidc/callback', '/app').replace('<Location /app>', '<Location ~ "^/app">'));
  assert.ok(regex.ok, regex.output);
});

// An absolute redirect URL on another host sends browsers back without
// their login state, unless a proxy maps it: a warning, not an error.
test('a redirect URL on a host this server does not answer for is a warning', () => {
  const r = configtest(good.replace('/oidc/callback', 'https://elsewhere.example.com/oidc/callback'));
  assert.ok(r.ok, r.output);
  const lines = oidcLines(r.output);
  assert.equal(lines.length, 1, r.output);
  assert.match(lines[0], /:warn\].*\[oidc-config\] AuthOIDCRedirectURI https:\/\/elsewhere.example.com\/oidc\/callback is on host elsewhere.example.com, for which server localhost has no ServerName or ServerAlias: browsers would return to another server, without their login state; use a path, or a URL on this server's host \(unless a proxy maps it\)/);
});

test('a redirect URL on the ServerName or a ServerAlias passes without a warning', () => {
  for (const host of ['localhost:8443', 'B.example.com', 'x.c.example.com']) {
    const vhost = `<VirtualHost *:1>\nServerName a.example.com\nServerAlias b.example.com *.c.example.com\n`
      + `${oidcServer.replace('/oidc/callback', `https://${host}/oidc/callback`)}\n</VirtualHost>`;
    const conf = host.startsWith('localhost') ? good.replace('/oidc/callback', `https://${host}/oidc/callback`) : vhost;
    const r = configtest(conf);
    assert.ok(r.ok, r.output);
    assert.deepEqual(oidcLines(r.output), [], r.output);
  }
});
