/* mod_authnz_oidc_request.h: what check_user_id learned about a request,
 * for authz, fixups and subrequests. */
#ifndef MOD_AUTHNZ_OIDC_REQUEST_H
#define MOD_AUTHNZ_OIDC_REQUEST_H

#include <httpd.h>
#include <jansson.h>

#include "core/session/oidc_session.h"

typedef struct {
    apr_pool_t *pool;               /* the initial request's */
    json_t *claims;                 /* parsed only when needed */
    const char *user;
    const oidc_session_t *session;
} mod_oidc_request_state_t;

/* The state of r's initial request, or NULL before it is authenticated. */
mod_oidc_request_state_t *mod_oidc_request_state(request_rec *r);
/* A new state for r and its subrequests, holding session. */
mod_oidc_request_state_t *mod_oidc_request_state_make(
    request_rec *r, const oidc_session_t *session);
/* Makes st what mod_oidc_request_state(r) finds. */
void mod_oidc_request_state_set(request_rec *r, mod_oidc_request_state_t *st);
/* The claims as JSON, for `Require oidc-claim` and dotted claim names:
 * parsed once per request, and only by requests that need it. */
const json_t *mod_oidc_request_claims(mod_oidc_request_state_t *st);

#endif
