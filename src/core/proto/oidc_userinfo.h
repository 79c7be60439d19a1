/* oidc_userinfo.h: claims from the UserInfo endpoint (Core §5.3). */
#ifndef OIDC_USERINFO_H
#define OIDC_USERINFO_H

#include <jansson.h>
#include "core/util/oidc_core.h"
#include "core/http/oidc_http.h"
#include "core/http/oidc_outcome.h"

/* GETs the endpoint with the access token; the response must be a JSON
 * object whose sub equals expected_sub. */
oidc_outcome_t oidc_userinfo_fetch(apr_pool_t *p,
                                   const oidc_http_t *http,
                                   const char *endpoint,
                                   const char *access_token,
                                   const char *expected_sub,
                                   json_t **claims,
                                   const char **detail);

/* The claims applications see: userinfo's, overridden by the ID token's.
 * Returns a new object that p owns; NULL when out of memory. */
json_t *oidc_userinfo_merge(apr_pool_t *p, const json_t *userinfo,
                            const json_t *id_token_claims);

#endif
