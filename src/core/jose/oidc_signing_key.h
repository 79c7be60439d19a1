/* oidc_signing_key.h: the RP's own private key (AuthOIDCClientSigningKey),
 * for private_key_jwt client assertions (RFC 7523), and its public half as
 * a JWK for the OP (the RP's jwks_uri). */
#ifndef OIDC_SIGNING_KEY_H
#define OIDC_SIGNING_KEY_H

#include <cjose/cjose.h>
#include "core/util/oidc_core.h"

typedef struct oidc_signing_key_t {
    cjose_jwk_t *jwk;          /* private; released with the pool */
    const char *alg;           /* RS256, PS256 or ES256 */
    const char *kid;           /* configured, else the RFC 7638 thumbprint */
    const char *public_jwk;    /* JSON: kty, public members, kid, alg, use */
} oidc_signing_key_t;

/* Reads a PEM private key: RSA (2048 bits or more; alg RS256 unless
 * "PS256") or EC P-256 (alg ES256). alg and kid may be NULL. Returns NULL
 * on success, else a reason (which never quotes the key). */
const char *oidc_signing_key_from_pem(apr_pool_t *p, const char *pem,
                                      apr_size_t len, const char *alg,
                                      const char *kid,
                                      oidc_signing_key_t **out);

/* RFC 7638: the base64url SHA-256 of the key's required public members. */
const char *oidc_jwk_thumbprint(apr_pool_t *p, const char *public_jwk);

#endif
