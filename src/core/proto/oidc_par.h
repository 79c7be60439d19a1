/* oidc_par.h: pushed authorization requests (RFC 9126): the authorization
 * request's parameters go to the OP over the back channel, with the
 * client's authentication, and the browser carries only a request_uri. */
#ifndef OIDC_PAR_H
#define OIDC_PAR_H

#include "core/proto/oidc_token.h"

/* Longest request_uri accepted from the OP: it goes into a redirect. */
#define OIDC_PAR_MAX_REQUEST_URI 512

/* Pushes `params` (the authorization request's parameters, form-encoded,
 * without client_id: this adds it where the client authentication does
 * not). OK with *request_uri set; REFUSED with the OP's error in *detail;
 * BAD_RESPONSE or UNREACHABLE as for the token endpoint. */
oidc_outcome_t oidc_par_push(apr_pool_t *p, const oidc_http_t *http,
                             const char *par_endpoint,
                             const oidc_client_t *client, const char *params,
                             const char **request_uri, const char **detail);

/* The authorization endpoint's URL for a pushed request. */
const char *oidc_par_authorize_url(apr_pool_t *p, const char *endpoint,
                                   const char *client_id,
                                   const char *request_uri);

#endif
