/* mod_authnz_oidc_response.h: from the core's outcome to an httpd
 * response. */
#ifndef MOD_AUTHNZ_OIDC_RESPONSE_H
#define MOD_AUTHNZ_OIDC_RESPONSE_H

#include <httpd.h>

#include "mod/mod_authnz_oidc_view.h"
#include "core/rp/oidc_rp.h"

int mod_oidc_respond(request_rec *r, const mod_oidc_request_t *g,
                     const oidc_rp_result_t *res);
void mod_oidc_register_response_hooks(apr_pool_t *p);

#endif
