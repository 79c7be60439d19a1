/* oidc_idtoken.h: ID Token validation (OpenID Connect Core §3.1.3.7). */
#ifndef OIDC_IDTOKEN_H
#define OIDC_IDTOKEN_H

#include <jansson.h>
#include "core/util/oidc_core.h"
#include "core/jose/oidc_jwks.h"
#include "core/proto/oidc_signed_token.h"

typedef struct {
    const char *issuer;           /* the discovered issuer, exactly */
    const char *client_id;
    const char *nonce;            /* the flow's; NULL on refresh */
    const char *access_token;     /* for at_hash, when one was issued */
    apr_time_t now;
    apr_interval_time_t skew;     /* allowed clock difference */
    apr_interval_time_t iat_max_age;
} oidc_idtoken_params_t;

typedef enum {
    OIDC_IDTOKEN_OK = OIDC_SIGNED_OK,
    OIDC_IDTOKEN_MALFORMED = OIDC_SIGNED_MALFORMED,
    OIDC_IDTOKEN_ALG = OIDC_SIGNED_ALG,
    OIDC_IDTOKEN_UNKNOWN_KID = OIDC_SIGNED_UNKNOWN_KID,
    OIDC_IDTOKEN_NO_KEY = OIDC_SIGNED_NO_KEY,
    OIDC_IDTOKEN_SIGNATURE = OIDC_SIGNED_SIGNATURE,
    OIDC_IDTOKEN_ISS = OIDC_SIGNED_ISS,
    OIDC_IDTOKEN_AUD = OIDC_SIGNED_AUD,
    OIDC_IDTOKEN_EXP = OIDC_SIGNED_EXP,
    OIDC_IDTOKEN_IAT = OIDC_SIGNED_IAT,
    OIDC_IDTOKEN_AZP = OIDC_SIGNED_STATUS_COUNT,
    OIDC_IDTOKEN_NBF,
    OIDC_IDTOKEN_NONCE,
    OIDC_IDTOKEN_SUB,
    OIDC_IDTOKEN_AT_HASH,
    OIDC_IDTOKEN_STATUS_COUNT
} oidc_idtoken_status_t;

typedef struct {
    json_t *claims;   /* owned by the pool */
    const char *sub;
    const char *sid;  /* NULL when absent */
    apr_time_t exp;
} oidc_idtoken_t;

oidc_idtoken_status_t oidc_idtoken_validate(apr_pool_t *p,
                                            const char *compact,
                                            const oidc_jwks_t *jwks,
                                            const oidc_idtoken_params_t *prm,
                                            oidc_idtoken_t **out,
                                            const char **detail);

/* Core §12.2: an ID token from a refresh must keep the original's iss, sub,
 * aud and azp, and auth_time and nonce when it has them. NULL when it does,
 * else why not. Validate it first with oidc_idtoken_validate (no nonce). */
const char *oidc_idtoken_continues(const json_t *original,
                                   const json_t *refreshed);

const char *oidc_idtoken_status_name(oidc_idtoken_status_t st);

#endif
