/* mod_authnz_oidc_check_op.h: configtest checks against the OP itself. */
#ifndef MOD_AUTHNZ_OIDC_CHECK_OP_H
#define MOD_AUTHNZ_OIDC_CHECK_OP_H

#include <httpd.h>

#include "mod/mod_authnz_oidc_config.h"

/* NULL, or why the configuration cannot work with this OP (under httpd -t
 * only; otherwise NULL at once). */
const char *mod_oidc_check_op(apr_pool_t *p, server_rec *s,
                              const mod_oidc_server_config_t *c);

#endif
