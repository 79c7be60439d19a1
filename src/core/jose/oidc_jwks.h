/* oidc_jwks.h: an OP's signing keys (RFC 7517) and choosing one for a JWS. */
#ifndef OIDC_JWKS_H
#define OIDC_JWKS_H

#include <cjose/cjose.h>
#include "core/util/oidc_core.h"

typedef struct oidc_jwk_t {
    const char *kid;     /* NULL when absent */
    const char *kty;
    const char *alg;     /* NULL when absent */
    const char *crv;     /* EC only */
    cjose_jwk_t *jwk;    /* released with the pool */
} oidc_jwk_t;

typedef struct oidc_jwks_t {
    apr_array_header_t *keys;   /* of oidc_jwk_t */
} oidc_jwks_t;

/* Parses a JWK Set. Keys for encryption, of unknown types, that cjose
 * cannot import, or RSA keys under 2048 bits are skipped, not fatal.
 * Returns NULL on success, else a short reason. */
const char *oidc_jwks_parse(apr_pool_t *p, const char *text, apr_size_t len,
                            oidc_jwks_t **out);

typedef enum {
    OIDC_JWKS_FOUND = 0,
    OIDC_JWKS_UNKNOWN_KID,   /* kid given, no such key: refetch once */
    OIDC_JWKS_NO_KEY,        /* no key suits the algorithm */
    OIDC_JWKS_AMBIGUOUS      /* no kid and several candidate keys */
} oidc_jwks_select_t;

/* Key for a JWS with this alg and kid. Without kid, a key is chosen only
 * when it is the single candidate of the right type. */
oidc_jwks_select_t oidc_jwks_select(const oidc_jwks_t *jwks, const char *alg,
                                    const char *kid, const oidc_jwk_t **key);

/* Whether this key may verify this algorithm (type, curve, declared alg). */
int oidc_jwk_suits(const oidc_jwk_t *key, const char *alg);

#endif
