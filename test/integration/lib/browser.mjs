// A real browser for the integration tests: Debian's chromium
// (/usr/bin/chromium, or CHROMIUM) driven headless by the pinned
// playwright-core of test/op (it downloads no browser). The browser trusts
// the test CA the way a user's browser trusts a private CA: in the NSS
// database of its own temporary HOME (certutil, libnss3-tools), not by
// ignoring certificate errors.
//
// Screenshots go to test/integration/artifacts/ (git-ignored; CI keeps
// them) so that a person can look at the pages users see.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { TOP, makeTempDir, tls } from './harness.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OP_DIR = process.env.TEST_OP_DIR || path.join(TOP, 'test/op');
const { chromium } = createRequire(path.join(OP_DIR, 'package.json'))('playwright-core');
export const ARTIFACTS = process.env.TEST_ARTIFACTS
  || path.join(process.env.TOP_BUILDDIR || TOP, 'test/integration/artifacts');

// A HOME whose NSS database trusts the test CA for TLS servers.
function homeTrustingTestCA() {
  const home = makeTempDir('chromium-home');
  const db = path.join(home, '.pki/nssdb');
  fs.mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password'], { stdio: 'pipe' });
  execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'authnz-oidc test CA',
    '-t', 'C,,', '-i', tls().caFile], { stdio: 'pipe' });
  return home;
}

// Starts chromium; close() it in after(). It runs in a process group of
// its own (playwright's launchServer), killed when this process exits,
// whether the tests passed or not (playwright ends it too; 020-cleanup
// checks that nothing is left). `pid` is the group's leader.
const launched = new Set();
process.on('exit', () => {
  for (const pid of launched) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

export async function launchBrowser() {
  const home = homeTrustingTestCA();
  const args = ['--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'];
  // Chromium's sandbox needs user namespaces, which root in a container
  // seldom has.
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  const server = await chromium.launchServer({
    executablePath: CHROMIUM, headless: true, args,
    env: { ...process.env, HOME: home },
  });
  const { pid } = server.process();
  launched.add(pid);
  const browser = await chromium.connect(server.wsEndpoint());
  return Object.assign(browser, {
    pid,
    async close() {
      await server.close();
      launched.delete(pid);
    },
  });
}

// Saves a PNG of the page as ARTIFACTS/NAME.png; returns its path.
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Types the user's name and password into the test OP's login form and
// submits it; resolves once the browser has left the form.
export async function signInAtTestOP(page, username, password) {
  await page.waitForSelector('#username');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
}

// What the test CGI script (/app/cgi/env.cgi) sees, loaded in the page.
export async function cgiEnv(page, origin) {
  await page.goto(`${origin}/app/cgi/env.cgi`);
  return JSON.parse(await page.innerText('body'));
}
