/* oidc_logout_token.h: Logout Token validation (OpenID Connect Back-Channel
 * Logout 1.0, §2.4 and §2.6). */
#ifndef OIDC_LOGOUT_TOKEN_H
#define OIDC_LOGOUT_TOKEN_H

#include "core/util/oidc_core.h"
#include "core/jose/oidc_jwks.h"
#include "core/proto/oidc_signed_token.h"

#define OIDC_BACKCHANNEL_EVENT "http://schemas.openid.net/event/backchannel-logout"

typedef enum {
    OIDC_LOGOUT_TOKEN_OK = OIDC_SIGNED_OK,
    OIDC_LOGOUT_TOKEN_MALFORMED = OIDC_SIGNED_MALFORMED,
    OIDC_LOGOUT_TOKEN_ALG = OIDC_SIGNED_ALG,
    OIDC_LOGOUT_TOKEN_UNKNOWN_KID = OIDC_SIGNED_UNKNOWN_KID,
    OIDC_LOGOUT_TOKEN_NO_KEY = OIDC_SIGNED_NO_KEY,
    OIDC_LOGOUT_TOKEN_SIGNATURE = OIDC_SIGNED_SIGNATURE,
    OIDC_LOGOUT_TOKEN_ISS = OIDC_SIGNED_ISS,
    OIDC_LOGOUT_TOKEN_AUD = OIDC_SIGNED_AUD,
    OIDC_LOGOUT_TOKEN_EXP = OIDC_SIGNED_EXP,
    OIDC_LOGOUT_TOKEN_IAT = OIDC_SIGNED_IAT,
    OIDC_LOGOUT_TOKEN_TYP = OIDC_SIGNED_STATUS_COUNT, /* typed otherwise */
    OIDC_LOGOUT_TOKEN_JTI,
    OIDC_LOGOUT_TOKEN_EVENTS,
    OIDC_LOGOUT_TOKEN_NONCE,     /* forbidden: keeps ID tokens out */
    OIDC_LOGOUT_TOKEN_SUBJECT,   /* neither sid nor sub */
    OIDC_LOGOUT_TOKEN_STATUS_COUNT
} oidc_logout_token_status_t;

typedef struct {
    const char *sid;     /* NULL when absent */
    const char *sub;     /* NULL when absent */
    const char *jti;
    apr_time_t iat;
} oidc_logout_token_t;

oidc_logout_token_status_t oidc_logout_token_validate(
    apr_pool_t *p, const char *compact, const oidc_jwks_t *jwks,
    const char *issuer, const char *client_id, apr_time_t now,
    apr_interval_time_t skew, apr_interval_time_t max_age,
    oidc_logout_token_t **out, const char **detail);

const char *oidc_logout_token_status_name(oidc_logout_token_status_t st);

#endif
