/* oidc_client_assertion.h: JWTs that authenticate the client at the OP
 * (RFC 7523 §2.2, OpenID Connect Core §9): client_secret_jwt (HS256 with
 * the client secret) and private_key_jwt (the RP's own key). */
#ifndef OIDC_CLIENT_ASSERTION_H
#define OIDC_CLIENT_ASSERTION_H

#include "core/jose/oidc_signing_key.h"

/* How long an assertion is valid: long enough for one request. */
#define OIDC_ASSERTION_LIFETIME 60

#define OIDC_ASSERTION_TYPE \
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* A signed assertion: iss and sub client_id, aud the OP's issuer (as
 * draft-ietf-oauth-rfc7523bis requires, one string), a fresh jti, iat now
 * and exp OIDC_ASSERTION_LIFETIME later. Signed with `key` when given
 * (private_key_jwt, its kid in the header), else HS256 with `secret`.
 * NULL, with *err, when it cannot be made. */
const char *oidc_client_assertion(apr_pool_t *p, const char *client_id,
                                  const char *aud, const char *secret,
                                  const oidc_signing_key_t *key,
                                  apr_time_t now, const char **err);

#endif
