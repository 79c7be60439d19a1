/* mod_authnz_oidc_check.h: the check_config hook,
 * which configtest runs. */
#ifndef MOD_AUTHNZ_OIDC_CHECK_H
#define MOD_AUTHNZ_OIDC_CHECK_H

#include <httpd.h>
#include <http_config.h>

int mod_oidc_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s);

#endif
