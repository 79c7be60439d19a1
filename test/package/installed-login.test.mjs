// The installed Debian package, as a2enmod enabled it: an httpd of its own
// (own ServerRoot and port on 127.0.0.1, never the system's apache2 service)
// loads the module through /etc/apache2/mods-enabled/authnz_oidc.{load,conf}
// and signs in once against the test OP. Run by debian/tests/installed-login
// (autopkgtest, and `scripts/test.sh package`), which sets MODULE_INCLUDE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from '../integration/lib/harness.mjs';

const ENABLED = '/etc/apache2/mods-enabled';
const INSTALLED_SO = '/usr/lib/apache2/modules/mod_authnz_oidc.so';
let op; let httpd;

before(async () => {
  const port = await freePort();
  op = await startOP({ redirectUris: [`http://127.0.0.1:${port}/oidc/callback`] });
  httpd = await startHttpd({ name: 'installed', port, oidc: oidcConf(op) });
});

after(async () => {
  if (httpd) {
    assert.deepEqual(unexpectedErrors(httpd.errorLog()), []);
    await httpd.stop();
  }
  op?.stop();
});

test('a2enmod enabled the packaged .load and .conf, which load the installed module', () => {
  for (const f of ['authnz_oidc.load', 'authnz_oidc.conf', 'socache_shmcb.load']) {
    assert.equal(fs.realpathSync(`${ENABLED}/${f}`), `/etc/apache2/mods-available/${f}`);
  }
  const load = fs.readFileSync(`${ENABLED}/authnz_oidc.load`, 'utf8');
  assert.match(load, new RegExp(`^LoadModule authnz_oidc_module ${INSTALLED_SO}$`, 'm'));
  assert.ok(fs.statSync(INSTALLED_SO).isFile());
  assert.match(fs.readFileSync(httpd.confPath, 'utf8'), /^Include "\/etc\/apache2\/mods-enabled\/authnz_oidc\.load"$/m);
  assert.doesNotMatch(fs.readFileSync(httpd.confPath, 'utf8'), /^LoadModule authnz_oidc_module/m);
});

test('one login through the installed module reaches the page and the CGI environment', async () => {
  const b = new Browser();
  const res = await b.get(`${httpd.origin}/app/cgi/env.cgi`);
  assert.equal(res.status, 200);
  assert.equal(new URL(res.chain[0].headers.get('location')).origin, op.issuer);
  const env = res.json();
  assert.equal(env.REMOTE_USER, 'alice');
  assert.equal(env.AUTH_TYPE, 'oidc');
  assert.ok(b.cookies(httpd.origin).get('oidc_session'));
  const page = await b.fetch(`${httpd.origin}/app/`);
  assert.equal(page.status, 200);
  assert.match(page.body, /PROTECTED-CONTENT app/);
});
