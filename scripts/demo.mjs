// The demo: the test OP and one httpd, on fixed ports, until Ctrl-C.
import { startOP, startHttpd, oidcConf } from '../test/integration/lib/harness.mjs';

const port = Number(process.env.DEMO_PORT || 8080);
const opPort = Number(process.env.DEMO_OP_PORT || 9090);
const op = await startOP({ port: opPort, redirectUris: [`http://127.0.0.1:${port}/oidc/callback`] });
const httpd = await startHttpd({ name: 'demo', port, oidc: oidcConf(op), logLevel: 'authnz_oidc:info' });

console.log(`
mod_authnz_oidc demo

  OpenID Provider  ${op.issuer}
  protected page   ${httpd.origin}/app/
  CGI (its env)    ${httpd.origin}/app/cgi/env.cgi
  admins only      ${httpd.origin}/app/admin/    (Require oidc-claim groups admins)
  as user "bob"    ${httpd.origin}/bob/          (not an admin: /app/admin/ is 403)
  public page      ${httpd.origin}/public/

The test OP signs you in without a form as "alice" (password-less test
login); /bob/ asks it for "bob". httpd config and error log:
  ${httpd.confPath}
  ${httpd.root}/error.log
Ctrl-C stops the demo.
`);

async function stop() {
  await httpd.stop();
  op.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
