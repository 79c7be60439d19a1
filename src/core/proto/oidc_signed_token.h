/* oidc_signed_token.h: what every JWT the OP signs for this client must
 * pass, ID tokens (Core §3.1.3.7) and logout tokens (Back-Channel Logout
 * 1.0 §2.6) alike: the signature first, then iss, aud, exp and iat. */
#ifndef OIDC_SIGNED_TOKEN_H
#define OIDC_SIGNED_TOKEN_H

#include "core/util/oidc_core.h"
#include "core/jose/oidc_jwt.h"
#include "core/jose/oidc_jwks.h"

/* The token kinds' own status enums start with these values, so a shared
 * status converts to theirs unchanged. */
typedef enum {
    OIDC_SIGNED_OK = 0,
    OIDC_SIGNED_MALFORMED,
    OIDC_SIGNED_ALG,          /* none, HMAC or not on the allow-list */
    OIDC_SIGNED_UNKNOWN_KID,  /* refetch the JWKS once and retry */
    OIDC_SIGNED_NO_KEY,
    OIDC_SIGNED_SIGNATURE,
    OIDC_SIGNED_ISS,
    OIDC_SIGNED_AUD,
    OIDC_SIGNED_EXP,
    OIDC_SIGNED_IAT,
    OIDC_SIGNED_STATUS_COUNT
} oidc_signed_status_t;

typedef struct {
    const char *issuer;               /* the discovered issuer, exactly */
    const char *client_id;
    apr_time_t now;
    apr_interval_time_t skew;         /* allowed clock difference */
    apr_interval_time_t iat_max_age;  /* 0: any age */
} oidc_signed_rules_t;

typedef struct {
    oidc_jwt_t *jwt;      /* header and claims owned by the pool */
    apr_time_t iat;
    apr_time_t exp;
    int several_aud;      /* aud names more than this client */
} oidc_signed_token_t;

oidc_signed_status_t oidc_signed_token_check(apr_pool_t *p,
                                             const char *compact,
                                             const oidc_jwks_t *jwks,
                                             const oidc_signed_rules_t *rules,
                                             oidc_signed_token_t *out,
                                             const char **detail);

/* The shared statuses' names, for the token kinds' own name tables. */
#define OIDC_SIGNED_STATUS_NAMES(prefix) \
    [prefix##OK] = "ok", [prefix##MALFORMED] = "malformed", \
    [prefix##ALG] = "algorithm", [prefix##UNKNOWN_KID] = "unknown-kid", \
    [prefix##NO_KEY] = "no-key", [prefix##SIGNATURE] = "signature", \
    [prefix##ISS] = "issuer", [prefix##AUD] = "audience", \
    [prefix##EXP] = "expired", [prefix##IAT] = "iat"

#endif
