/* oidc_pkce.h: Proof Key for Code Exchange (RFC 7636), S256 only. */
#ifndef OIDC_PKCE_H
#define OIDC_PKCE_H

#include "core/util/oidc_core.h"

/* 43 characters from 32 random bytes: the RFC's minimum length, maximal
 * entropy. NULL only if the system's random source fails. */
const char *oidc_pkce_verifier(apr_pool_t *p);
/* BASE64URL(SHA256(ASCII(verifier))) */
const char *oidc_pkce_challenge_s256(apr_pool_t *p, const char *verifier);

#endif
