/* mod_authnz_oidc_startup.h: the post_config hook,
 * which builds the runtime configuration. */
#ifndef MOD_AUTHNZ_OIDC_STARTUP_H
#define MOD_AUTHNZ_OIDC_STARTUP_H

#include <httpd.h>
#include <http_config.h>

#include "mod/mod_authnz_oidc_config.h"

/* The OP client for a server's AuthOIDC* transport settings. */
oidc_http_t *mod_oidc_http_client(apr_pool_t *pconf,
                                  const mod_oidc_server_config_t *c);

int mod_oidc_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp, server_rec *s);

#endif
