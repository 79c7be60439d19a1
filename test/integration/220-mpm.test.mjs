// 22x MPMs: with the default shmcb store, sessions and the refresh lock work
// under the prefork, worker and event MPMs alike, across every child process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOP, startHttpd, oidcConf, freePort, Browser, rawRequest, unexpectedErrors, OFFLINE_LOCATION,
} from './lib/harness.mjs';

const TTL = 3;                 // the OP's access token lifetime, seconds
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const locations = OFFLINE_LOCATION;

const running = [];
after(async () => {
  for (const x of running) await x.stop();
});

for (const mpm of ['prefork', 'worker', 'event']) {
  test(`${mpm}: concurrent requests of several sessions all succeed`, async () => {
    const port = await freePort();
    const op = await startOP({ accessTokenTTL: TTL, redirectUris: [`http://127.0.0.1:${port}/oidc/callback`] });
    running.push({ stop: async () => op.stop() });
    const httpd = await startHttpd({ name: `mpm-${mpm}`, port, mpm, locations,
      oidc: oidcConf(op, { extra: 'AuthOIDCRefreshBeforeExpiry 0\nAuthOIDCLogoutURI /oidc/logout\nAuthOIDCIdPLogout Off' }),
      // Enough prefork children for the storm below: queued connections
      // here wait in whole seconds, and the access token lives three.
      extraConf: 'KeepAlive Off\n<IfModule mpm_prefork_module>\n  StartServers 40\n'
        + '  MinSpareServers 40\n  MaxSpareServers 60\n  MaxRequestWorkers 64\n</IfModule>\n'
        + '<IfModule mpm_worker_module>\n  StartServers 3\n  ServerLimit 4\n  ThreadsPerChild 8\n'
        + '  MinSpareThreads 8\n  MaxSpareThreads 32\n  MaxRequestWorkers 32\n  MaxConnectionsPerChild 20\n</IfModule>' });
    running.push(httpd);
    const browsers = [new Browser(), new Browser(), new Browser()];
    for (const b of browsers) assert.equal((await b.get(`${httpd.origin}/app/`)).status, 200);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      browsers[i % 3].fetch(`${httpd.origin}/app/cgi/env.cgi`)));
    const statuses = results.map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.ok(results.every((r) => r.json().REMOTE_USER === 'alice'));

    // Every process (and thread) now keeps the opened record of these
    // sessions. A logout in one of them is seen by all at once: the old
    // cookie, replayed by 40 concurrent requests, opens nothing.
    const gone = browsers[0];
    const cookie = `oidc_session=${gone.cookies(httpd.origin).get('oidc_session')}`;
    const warm = await Promise.all(Array.from({ length: 40 }, () =>
      rawRequest(`${httpd.origin}/app/cgi/env.cgi`, { headers: { Cookie: cookie } })));
    assert.deepEqual([...new Set(warm.map((r) => r.status))], [200]);
    const out = await rawRequest(`${httpd.origin}/oidc/logout`, { headers: { Cookie: cookie } });
    assert.equal(out.status, 302);
    const replay = await Promise.all(Array.from({ length: 40 }, () =>
      rawRequest(`${httpd.origin}/app/cgi/env.cgi`, { headers: { Cookie: cookie } })));
    assert.ok(replay.every((r) => r.status === 302 && !r.body.includes('alice')),
      `after logout: ${[...new Set(replay.map((r) => r.status))]}`);
    // The other sessions live on.
    assert.equal((await browsers[1].fetch(`${httpd.origin}/app/cgi/env.cgi`)).json().REMOTE_USER, 'alice');

    // The refresh lock: 32 requests after the access token expired, spread
    // over the child processes, make one refresh at the OP.
    const b = new Browser();
    const first = (await b.get(`${httpd.origin}/offline/env.cgi`)).json();
    await sleep(TTL * 1000 + 600);
    const before = (await op.stats()).grants.refresh_token || 0;
    const storm = await Promise.all(Array.from({ length: 32 }, () =>
      b.fetch(`${httpd.origin}/offline/env.cgi`)));
    assert.deepEqual([...new Set(storm.map((r) => r.status))], [200]);
    const tokens = new Set(storm.map((r) => r.json().OIDC_ACCESS_TOKEN));
    assert.equal(tokens.size, 1);
    assert.ok(!tokens.has(first.OIDC_ACCESS_TOKEN));
    if (mpm === 'prefork') {
      assert.ok(new Set(storm.map((r) => r.json().ppid)).size > 1, 'served by several processes');
    }
    assert.equal(((await op.stats()).grants.refresh_token || 0) - before, 1);
    // The MPM's own sizing notice (AH00287) comes when a loaded machine
    // is slow to start threads: about httpd's pool, not about the module.
    assert.deepEqual(unexpectedErrors(httpd.errorLog(), [/AH00287/]), []);
  });
}
