// 22x MPMs: with the default shmcb store, sessions work under the prefork,
// worker and event MPMs alike, across every child process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOP, startHttpd, oidcConf, freePort, Browser, unexpectedErrors } from './lib/harness.mjs';

const running = [];
after(async () => {
  for (const x of running) await x.stop();
});

for (const mpm of ['prefork', 'worker', 'event']) {
  test(`${mpm}: concurrent requests of several sessions all succeed`, async () => {
    const port = await freePort();
    const op = await startOP({ redirectUris: [`http://127.0.0.1:${port}/oidc/callback`] });
    running.push({ stop: async () => op.stop() });
    const httpd = await startHttpd({ name: `mpm-${mpm}`, port, mpm, oidc: oidcConf(op),
      extraConf: '<IfModule mpm_worker_module>\n  StartServers 3\n  ServerLimit 4\n  ThreadsPerChild 8\n'
        + '  MinSpareThreads 8\n  MaxSpareThreads 32\n  MaxRequestWorkers 32\n  MaxConnectionsPerChild 20\n</IfModule>' });
    running.push(httpd);
    const browsers = [new Browser(), new Browser(), new Browser()];
    for (const b of browsers) assert.equal((await b.get(`${httpd.origin}/app/`)).status, 200);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      browsers[i % 3].fetch(`${httpd.origin}/app/cgi/env.cgi`)));
    const statuses = results.map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.ok(results.every((r) => r.json().REMOTE_USER === 'alice'));
    assert.deepEqual(unexpectedErrors(httpd.errorLog()), []);
  });
}
