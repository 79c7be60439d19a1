/* mod_authnz_oidc_response.h: requests in, outcomes out: from request_rec
 * to the core's request view, and from the core's outcome to an httpd
 * response, environment and headers. */
#ifndef MOD_AUTHNZ_OIDC_RESPONSE_H
#define MOD_AUTHNZ_OIDC_RESPONSE_H

#include <httpd.h>

#include "mod/mod_authnz_oidc_config.h"
#include "core/rp/oidc_rp.h"

typedef struct {
    oidc_request_t view;
    oidc_log_t log;
    oidc_rp_ctx_t ctx;
} mod_oidc_request_t;

void mod_oidc_request_init(mod_oidc_request_t *g, request_rec *r,
                           const mod_oidc_server_config_t *c);
int mod_oidc_respond(request_rec *r, const mod_oidc_request_t *g,
                     const oidc_rp_result_t *res);
void mod_oidc_export_claims(request_rec *r, const mod_oidc_server_config_t *c,
                            mod_oidc_pass_as_t how, const oidc_session_t *s);
void mod_oidc_export_tokens(request_rec *r, const mod_oidc_dir_config_t *d,
                            const oidc_session_t *s);
void mod_oidc_strip_spoofed_headers(request_rec *r, const char *claim_prefix);
/* A response made for one user: never stored by a shared cache, and with
 * policy (AuthOIDCCacheControl) unless the application sets its own. */
void mod_oidc_protect_from_caches(request_rec *r, const char *policy);
void mod_oidc_register_response_hooks(apr_pool_t *p);

#endif
