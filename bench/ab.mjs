// Two builds of the module side by side: what each adds to a static page,
// or (AB_MODE=login) what a login costs each.
//
//   node bench/ab.mjs A.so B.so      (after bench/run.sh has installed wrk)
//   AB_MODE=login node bench/ab.mjs A.so B.so
//
// Each build gets an httpd of its own (the test harness's configuration,
// KeepAlive On, one process of 32 threads) and a session from the test OP.
// In every round, each build serves its static page then its protected
// page under wrk, the builds taking turns in alternating order; CPU is
// counted as bench.mjs counts it (cpu.mjs). Each build's protected
// page is compared with its own static page, so a difference between the
// two instances does not enter the figures. For a change to the per-request
// path, where the whole effect is a few µs and instances of one
// configuration differ by more.
//
// In login mode each round is AB_LOGINS (60) logins per build, each by a
// fresh client whose three requests share one kept-alive connection (as
// bench.mjs's scenario 5), with UserInfo on as there.
//
// httpd runs pinned to the last CPU and this script (and wrk) to the first,
// as in bench.mjs; AB_PIN=0 leaves them unpinned.
//
// AB_ROUNDS (10) rounds of AB_SECONDS (4) per page.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuSample, cpuSpentUs } from './cpu.mjs';

const [aSo, bSo] = process.argv.slice(2);
if (!aSo || !bSo) {
  console.error('usage: node bench/ab.mjs A.so B.so');
  process.exit(2);
}
const MODE = process.env.AB_MODE || 'page';
if (MODE !== 'page' && MODE !== 'login') {
  console.error('AB_MODE is page or login');
  process.exit(2);
}
const ROUNDS = Number(process.env.AB_ROUNDS || 10);
const SECONDS = Number(process.env.AB_SECONDS || 4);
const LOGINS = Number(process.env.AB_LOGINS || 60);
const harnessUrl = pathToFileURL(path.resolve(path.dirname(new URL(import.meta.url).pathname),
  '../test/integration/lib/harness.mjs')).href;

// The harness reads MODULE_SO when it loads: one copy of it per build.
async function harnessFor(so) {
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ab-')), 'mod_authnz_oidc.so');
  fs.copyFileSync(so, copy);     // a rebuild meanwhile does not change what is measured
  process.env.MODULE_SO = copy;
  return import(`${harnessUrl}?${encodeURIComponent(copy)}`);
}

function wrk(url, seconds, cookie) {
  const out = execFileSync('wrk', ['-t2', '-c16', `-d${seconds}s`,
    ...(cookie ? ['-H', `Cookie: ${cookie}`] : []), url]).toString();
  if (/Non-2xx|Socket errors/.test(out)) throw new Error(`${url}: errors under load\n${out}`);
  return Number(out.match(/(\d+) requests in/)[1]);
}

// One login by a fresh client, on one kept-alive connection.
async function login(Browser, origin) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const res = await new Browser({}, { agent }).get(`${origin}/app/`);
    if (res.status !== 200) throw new Error(`login: ${res.status}`);
  } finally {
    agent.destroy();
  }
}

const builds = [{ name: 'A', so: aSo }, { name: 'B', so: bSo }];
for (const b of builds) {
  b.harness = await harnessFor(b.so);
  b.port = await b.harness.freePort();
}
const { startOP, oidcConf, Browser } = builds[0].harness;
const op = await startOP({ redirectUris: builds.map((b) => `http://127.0.0.1:${b.port}/oidc/callback`) });
const extraConf = `KeepAlive On
MaxKeepAliveRequests 0
StartServers 1
ServerLimit 1
ThreadsPerChild 32
MinSpareThreads 1
MaxSpareThreads 64
MaxRequestWorkers 32`;
if (process.env.AB_PIN !== '0') execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
try {
  for (const b of builds) {
    b.httpd = await b.harness.startHttpd({ name: `ab-${b.name}`, port: b.port,
      oidc: oidcConf(op, MODE === 'login' ? { extra: 'AuthOIDCUserInfo On' } : {}),
      logLevel: 'authnz_oidc:warn', extraConf });
    const browser = new Browser();
    await browser.get(`${b.httpd.origin}/app/`);
    b.cookie = `oidc_session=${browser.cookies(b.httpd.origin).get('oidc_session')}`;
    if (process.env.AB_PIN !== '0') {     // httpd on the last CPU, the rest elsewhere
      const pid = fs.readFileSync(path.join(b.httpd.root, 'httpd.pid'), 'utf8').trim();
      for (const p of [pid, ...execFileSync('pgrep', ['-P', pid]).toString().trim().split('\n')]) {
        execFileSync('taskset', ['-a', '-p', '-c', '1', p]);
      }
    }
    b.us = { static: [], protected: [], login: [] };
    if (MODE === 'login') {
      for (let i = 0; i < 200; i++) await login(Browser, b.httpd.origin);   // warm-up
    }
  }
  for (let round = 0; MODE === 'login' && round < ROUNDS; round++) {
    for (const b of round % 2 ? [...builds].reverse() : builds) {
      const pidFile = path.join(b.httpd.root, 'httpd.pid');
      const before = cpuSample(pidFile);
      for (let i = 0; i < LOGINS; i++) await login(Browser, b.httpd.origin);
      b.us.login.push(cpuSpentUs(before, cpuSample(pidFile)) / LOGINS);
    }
  }
  for (let round = 0; MODE === 'page' && round < ROUNDS; round++) {
    for (const b of round % 2 ? [...builds].reverse() : builds) {
      for (const [page, url, cookie] of [['static', '/public/index.html', null],
        ['protected', '/app/index.html', b.cookie]]) {
        wrk(`${b.httpd.origin}${url}`, 1, cookie);                // warm-up
        const pidFile = path.join(b.httpd.root, 'httpd.pid');
        const before = cpuSample(pidFile);
        const n = wrk(`${b.httpd.origin}${url}`, SECONDS, cookie);
        b.us[page].push(cpuSpentUs(before, cpuSample(pidFile)) / n);
      }
    }
  }
  const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;
  for (const b of MODE === 'login' ? builds : []) {
    console.log(`${b.name} ${b.so}`);
    console.log(`  login ${b.us.login.map((x) => x.toFixed(0)).join(' ')}  mean ${mean(b.us.login).toFixed(1)} µs`);
  }
  if (MODE === 'login') {
    const [a, b] = builds.map((x) => mean(x.us.login));
    console.log(`B ÷ A ${(b / a).toFixed(3)}, ${(b - a).toFixed(1)} µs per login`);
  }
  for (const b of MODE === 'page' ? builds : []) {
    const s = mean(b.us.static);
    const p = mean(b.us.protected);
    console.log(`${b.name} ${b.so}`);
    console.log(`  static    ${b.us.static.map((x) => x.toFixed(1)).join(' ')}  mean ${s.toFixed(2)} µs`);
    console.log(`  protected ${b.us.protected.map((x) => x.toFixed(1)).join(' ')}  mean ${p.toFixed(2)} µs`);
    console.log(`  protected ÷ static ${(p / s).toFixed(3)}, added ${(p - s).toFixed(2)} µs per request`);
  }
} finally {
  for (const b of builds) await b.httpd?.stop();
  op.stop();
}
