/* oidc_jwt.h: compact JWS (RFC 7515) parsing and signature verification. */
#ifndef OIDC_JWT_H
#define OIDC_JWT_H

#include <jansson.h>
#include "core/util/oidc_core.h"

struct oidc_jwk_t;
struct oidc_jwks_t;

typedef struct {
    const char *compact;
    const char *alg;
    const char *kid;       /* NULL when the header has none */
    json_t *header;        /* owned by the pool */
    json_t *claims;        /* owned by the pool */
} oidc_jwt_t;

/* Parses a compact JWS with a JSON object payload. Duplicate JSON members,
 * a missing or non-string `alg`, `crit`, and anything over OIDC_MAX_JWT_LEN
 * are rejected. Returns NULL on success, else a short reason. */
const char *oidc_jwt_parse(apr_pool_t *p, const char *compact,
                           oidc_jwt_t **out);

/* Verifies the signature with key, which must suit the alg. */
int oidc_jwt_verify(const oidc_jwt_t *jwt, const struct oidc_jwk_t *key);

typedef enum {
    OIDC_JWS_OK = 0,
    OIDC_JWS_MALFORMED,
    OIDC_JWS_ALG,            /* none, HMAC or not on the allow-list */
    OIDC_JWS_UNKNOWN_KID,    /* refetch the JWKS once and retry */
    OIDC_JWS_NO_KEY,
    OIDC_JWS_SIGNATURE
} oidc_jws_status_t;

/* Parses a compact JWS and verifies its signature with the key the JWKS
 * has for it. No claim is looked at. */
oidc_jws_status_t oidc_jwt_parse_verified(apr_pool_t *p, const char *compact,
                                          const struct oidc_jwks_t *jwks,
                                          oidc_jwt_t **out,
                                          const char **detail);

/* A NumericDate claim; 0 when absent or not a sane number. */
int oidc_jwt_numeric_date(const json_t *claims, const char *name,
                          apr_time_t *out);

/* Whether aud (a string or an array of strings) holds client_id; *several
 * says whether it names more than one audience. */
int oidc_jwt_audience_has(const json_t *claims, const char *client_id,
                          int *several);

#endif
