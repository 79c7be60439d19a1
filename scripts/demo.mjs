// The demo: the test OP and one httpd, on fixed ports, until Ctrl-C.
//   DEMO_PORT (8080): httpd, DEMO_OP_PORT (9090): the OP; both on 127.0.0.1.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startOP, startHttpd, oidcConf, TEST_USERS } from '../test/integration/lib/harness.mjs';

const port = Number(process.env.DEMO_PORT || 8080);
const opPort = Number(process.env.DEMO_OP_PORT || 9090);

// A port another program listens on would be taken for the OP's or httpd's
// (the OP is awaited by connecting to its port): say so and stop instead.
async function mustBeFree(p, variable) {
  const free = await new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
  if (!free) {
    console.error(`demo: 127.0.0.1:${p} is in use by another program; `
      + `choose another port with ${variable}=PORT scripts/demo.sh`);
    process.exit(2);
  }
}
if (port === opPort) {
  console.error('demo: DEMO_PORT and DEMO_OP_PORT must differ');
  process.exit(2);
}
await mustBeFree(port, 'DEMO_PORT');
await mustBeFree(opPort, 'DEMO_OP_PORT');

// The OP sends the browser back to the redirect URI, which the module
// answers itself (no content there), and after logout to /public/.
// Its login is a real form that asks for a username and a password.
const op = await startOP({
  port: opPort, loginForm: true, redirectUris: [`http://127.0.0.1:${port}/oidc/callback`],
});
let httpd;
try {
  httpd = await startHttpd({
    name: 'demo', port, logLevel: 'authnz_oidc:info',
    oidc: oidcConf(op, { extra: 'AuthOIDCLogoutURI /app/logout\nAuthOIDCPostLogoutRedirectURI /public/' }),
  });
} catch (e) {
  op.stop();
  throw e;
}

// The demo's own pages, in its copy of the test documents.
const page = (title, body) => `<!DOCTYPE html><meta charset="utf-8"><title>${title}</title>
<h1>${title}</h1>
${body}
`;
fs.writeFileSync(path.join(httpd.root, 'htdocs/app/index.html'), page('Protected page', `
<p>PROTECTED-CONTENT app: you are signed in.</p>
<ul>
<li><a href="/app/cgi/env.cgi">What the application sees (CGI environment)</a></li>
<li><a href="/app/admin/">Admins only</a></li>
<li><a href="/app/logout">Sign out</a></li>
</ul>`));
fs.writeFileSync(path.join(httpd.root, 'htdocs/public/index.html'), page('Public page', `
<p>public page: no sign-in needed.</p>
<p><a href="/app/">Sign in (protected page)</a></p>`));

console.log(`
mod_authnz_oidc demo

  OpenID Provider  ${op.issuer}
  protected page   ${httpd.origin}/app/
  CGI (its env)    ${httpd.origin}/app/cgi/env.cgi
  admins only      ${httpd.origin}/app/admin/    (Require oidc-claim groups admins)
  public page      ${httpd.origin}/public/
  sign out         ${httpd.origin}/app/logout    (AuthOIDCLogoutURI; then at the OP, back to /public/)

The OP's login form asks for a username and password; the demo users:
${Object.entries(TEST_USERS).map(([u, pw]) => `  ${u.padEnd(6)} password ${pw}`).join('\n')}
alice is an admin, bob is not (his /app/admin/ is a 403). Signing out ends
the session here and asks you to confirm at the OP.
httpd config and error log (removed when the demo stops):
  ${httpd.confPath}
  ${httpd.root}/error.log
Ctrl-C stops the demo.
`);

async function stop() {
  await httpd.stop();
  await op.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
