/* oidc_jwa.h: the JWS algorithms (RFC 7518) we accept from an OP. */
#ifndef OIDC_JWA_H
#define OIDC_JWA_H

/* RSA PKCS#1, RSA-PSS and ECDSA. Never "none", never HMAC (an OP's public
 * key must not become a shared secret). */
int oidc_jwa_supported(const char *alg);

#endif
