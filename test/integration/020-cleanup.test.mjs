// 02x the harness itself: a test file's process leaves nothing behind, even
// when it fails with everything still running: no httpd, OP or store
// process, and no temporary directory (they hold the test secrets), unless
// KEEP_TEST_DIRS=1 asks to keep the directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { TOP } from './lib/harness.mjs';

const harnessUrl = pathToFileURL(path.join(TOP, 'test/integration/lib/harness.mjs')).href;
const browserUrl = pathToFileURL(path.join(TOP, 'test/integration/lib/browser.mjs')).href;

// A process that starts an OP, a memcached, an httpd and chromium, prints
// what it started, and dies of an uncaught error without stopping any.
const failing = `
import { startOP, startHttpd, startStore, oidcConf, freePort } from ${JSON.stringify(harnessUrl)};
import { launchBrowser } from ${JSON.stringify(browserUrl)};
const port = await freePort();
const op = await startOP({ redirectUris: [\`http://127.0.0.1:\${port}/oidc/callback\`] });
const store = await startStore('memcache');
const httpd = await startHttpd({ name: 'cleanup', port, oidc: oidcConf(op) });
const httpdPid = Number((await import('node:fs')).readFileSync(\`\${httpd.root}/httpd.pid\`, 'utf8'));
const browser = await launchBrowser();
process.stdout.write(JSON.stringify({ dirs: [op.dir, store.dir, httpd.root], pids: [op.pid, store.pid, httpdPid, browser.pid] }) + '\\n');
throw new Error('a test went wrong');
`;

function run(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', failing],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

// A pid still running (not a zombie), or any process of its group (httpd's
// and chromium's children), as the pids that remain.
function leftOf(pid) {
  const left = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && (Number(entry) === pid || Number(pgrp) === pid)) left.push(Number(entry));
  }
  return left;
}
const alive = (pid) => leftOf(pid).length > 0;

async function allGone(pids, ms = 10000) {
  const until = Date.now() + ms;
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return pids.flatMap(leftOf);
}

test('a failing test file leaves no process and no directory behind', async () => {
  const r = await run({ KEEP_TEST_DIRS: '' });
  assert.notEqual(r.code, 0);
  const { dirs, pids } = JSON.parse(r.out.split('\n')[0]);
  assert.equal(dirs.length, 3);
  assert.deepEqual(await allGone(pids), [], 'processes still running');
  assert.deepEqual(dirs.filter((d) => fs.existsSync(d)), [], 'directories left');
  // What httpd logged is still shown.
  assert.match(r.err, /---- last lines of .*authnz-oidc-cleanup-[^/]*\/error\.log/);
});

test('KEEP_TEST_DIRS=1 keeps the directories, not the processes', async () => {
  const r = await run({ KEEP_TEST_DIRS: '1' });
  const { dirs, pids } = JSON.parse(r.out.split('\n')[0]);
  try {
    assert.deepEqual(await allGone(pids), [], 'processes still running');
    assert.deepEqual(dirs.filter((d) => !fs.existsSync(d)), [], 'directories removed');
    assert.match(r.err, /kept \(KEEP_TEST_DIRS\): /);
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
});
