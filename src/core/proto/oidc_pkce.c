/* oidc_pkce.c: PKCE S256 (RFC 7636 §4.1-4.2). */
#include <string.h>

#include "core/proto/oidc_pkce.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"

const char *oidc_pkce_verifier(apr_pool_t *p)
{
    return oidc_random_token(p, 32);
}

const char *oidc_pkce_challenge_s256(apr_pool_t *p, const char *verifier)
{
    unsigned char digest[32];

    oidc_sha256(verifier, strlen(verifier), digest);
    return oidc_b64url_encode(p, digest, sizeof(digest));
}
