// 0xx config: what admins read agrees with what the module does. README's
// directive reference against the directive table httpd lists (httpd -L),
// every recipe in conf-examples/ through configtest, and the Debian
// package's version against configure.ac's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TOP, configtest, directiveTable, makeTempDir } from './lib/harness.mjs';

const README = fs.readFileSync(path.join(TOP, 'README.md'), 'utf8');

// README's reference rows: | `AuthOIDCName ARGS` | context | default | meaning |
function referenceRows() {
  const rows = new Map();
  for (const line of README.split('\n')) {
    const m = /^\| `(AuthOIDC\w+)[^`]*` \| ([^|]+) \| ([^|]+) \| (.+) \|$/.exec(line);
    if (m) {
      assert.ok(!rows.has(m[1]), `README lists ${m[1]} twice`);
      rows.set(m[1], { context: m[2].trim(), default: m[3].trim(), meaning: m[4].trim() });
    }
  }
  return rows;
}

const CONTEXTS = {
  'Allowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>': 'server, vhost',
  'Allowed in *.conf anywhere and in .htaccess': 'server, vhost, directory, .htaccess',
};

// What the directive's help text (what httpd -L prints) names as its
// default: "(default X)", or "X (default)", or "... default X" at the end.
function helpDefault(help) {
  const m = /\(default ([^):][^)]*)\)/.exec(help) || /(\S+) \(default\)/.exec(help)
    || /default (\S+)$/.exec(help);
  return m && m[1].replace(/^"|"$/g, '');
}

const table = directiveTable().filter((d) => d.name.startsWith('AuthOIDC'));
const current = table.filter((d) => !/^Removed\b/.test(d.help));

test('README documents every directive of the table, and no other', () => {
  assert.ok(current.length >= 30, `httpd -L listed ${current.length} directives`);
  const rows = referenceRows();
  assert.deepEqual([...rows.keys()].sort(), current.map((d) => d.name).sort());
});

test("each directive's context in README is the table's", () => {
  const rows = referenceRows();
  for (const d of current) {
    assert.ok(CONTEXTS[d.context], `${d.name}: context "${d.context}" has no README form`);
    assert.ok(rows.has(d.name), `README has no row for ${d.name}`);
    assert.equal(rows.get(d.name).context, CONTEXTS[d.context], d.name);
  }
});

test("README's default is the one the help text names, and every row says what it does", () => {
  const rows = referenceRows();
  let named = 0;
  for (const d of current) {
    const row = rows.get(d.name);
    assert.ok(row, `README has no row for ${d.name}`);
    assert.ok(row.meaning.length > 20, `${d.name}: no meaning in README`);
    assert.notEqual(row.default, '', d.name);
    const def = helpDefault(d.help);
    if (def) {
      named += 1;
      assert.ok(row.default.toLowerCase().includes(def.toLowerCase()),
        `${d.name}: help says default ${def}, README ${row.default}`);
    }
  }
  assert.ok(named >= 12, `only ${named} help texts name a default`);
});

test('a removed directive is listed as removed in README', () => {
  for (const d of table.filter((x) => /^Removed\b/.test(x.help))) {
    assert.match(README, new RegExp(`\`${d.name}\`, removed`), d.name);
  }
});

// ---- recipes ------------------------------------------------------------------

const EXAMPLES = path.join(TOP, 'conf-examples');
const RECIPES = ['keycloak', 'entra-id', 'google', 'okta', 'auth0', 'authelia', 'glewlwyd'];

// A recipe as an admin installs it, with its files made: each file:PATH it
// names under /etc/apache2/oidc/ becomes a file in a directory of the
// test's own (a session key of 48 characters, a secret), each env:NAME a
// variable.
function installRecipe(text) {
  const dir = makeTempDir('recipe');
  const conf = text.replaceAll('/etc/apache2/oidc/', `${dir}/`);
  for (const [, file] of conf.matchAll(/file:(\S+)/g)) {
    fs.writeFileSync(file, `${'k'.repeat(48)}\n`, { mode: 0o600 });
  }
  for (const [, name] of conf.matchAll(/env:(\w+)/g)) process.env[name] = 'recipe-secret';
  return conf;
}

test('there is a recipe for each common OP, saying what to register there', () => {
  for (const name of RECIPES) {
    const text = fs.readFileSync(path.join(EXAMPLES, `${name}.conf`), 'utf8');
    assert.match(text, /^# Register at the OP/m, name);
    assert.match(text, /\/oidc\/callback/, name);
    assert.match(README, new RegExp(`\\(conf-examples/${name}\\.conf\\)`), `README links ${name}.conf`);
  }
});

for (const file of fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.conf')).sort()) {
  test(`conf-examples/${file} passes configtest`, () => {
    const text = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
    assert.doesNotMatch(text, /^\s*LoadModule/m, 'modules are enabled with a2enmod, not in a recipe');
    const r = configtest(installRecipe(text),
      { extra: ['socache_redis', 'socache_memcache', 'proxy', 'proxy_http'] });
    assert.ok(r.ok, r.output);
    assert.doesNotMatch(r.output, /\[oidc-config\]/, r.output);
  });
}

// ---- the Debian package ------------------------------------------------------------

const DEBIAN = path.join(TOP, 'debian');

test("debian/changelog's upstream version is configure.ac's", { skip: !fs.existsSync(DEBIAN) && 'no debian/ (release tarball)' }, () => {
  const ac = /AC_INIT\(\[[^\]]*\], *\[([^\]]+)\]/.exec(fs.readFileSync(path.join(TOP, 'configure.ac'), 'utf8'));
  const ch = /^mod-authnz-oidc \(([^)]+)-\d+\) /.exec(fs.readFileSync(path.join(DEBIAN, 'changelog'), 'utf8'));
  assert.ok(ac && ch, 'versions not found');
  assert.equal(ch[1], ac[1]);
});

test("the packaged .load loads the module a2enmod names, with socache_shmcb", { skip: !fs.existsSync(DEBIAN) && 'no debian/ (release tarball)' }, () => {
  const load = fs.readFileSync(path.join(DEBIAN, 'authnz_oidc.load'), 'utf8');
  assert.match(load, /^# Depends: .*\bsocache_shmcb\b/m);
  assert.match(load, /^LoadModule authnz_oidc_module \/usr\/lib\/apache2\/modules\/mod_authnz_oidc\.so$/m);
  // Enabled as shipped, it must configure nothing: only comments.
  const conf = fs.readFileSync(path.join(DEBIAN, 'authnz_oidc.conf'), 'utf8');
  assert.deepEqual(conf.split('\n').filter((l) => l.trim() && !l.startsWith('#')), []);
});
