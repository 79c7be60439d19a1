/* mod_authnz_oidc_export.h: claims and tokens for the application. */
#ifndef MOD_AUTHNZ_OIDC_EXPORT_H
#define MOD_AUTHNZ_OIDC_EXPORT_H

#include <httpd.h>

#include "mod/mod_authnz_oidc_config.h"
#include "core/session/oidc_session.h"

void mod_oidc_export_claims(request_rec *r, const mod_oidc_server_config_t *c,
                            mod_oidc_pass_as_t how, const oidc_session_t *s);
void mod_oidc_export_tokens(request_rec *r, const mod_oidc_dir_config_t *d,
                            const oidc_session_t *s);
/* Removes request headers a client sent that could pass for the module's
 * claim headers (any case, '-' or '_'). */
void mod_oidc_strip_spoofed_headers(request_rec *r, const char *claim_prefix);

#endif
