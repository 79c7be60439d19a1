/*
 * fuzz_jwt.c: a compact JWS as an ID token, the way the callback validates
 * it: parsing, key selection in the fixed JWKS, signature, then every claim
 * check, with the fixed issuer, client id, nonce and clock.
 */
#include "fuzz.h"
#include "core/proto/oidc_claims.h"
#include "core/proto/oidc_idtoken.h"
#include "core/jose/oidc_jwt.h"

/* The access token the seeds' at_hash is computed over. */
#define FUZZ_ACCESS_TOKEN "fuzz-access-token"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *compact = fuzz_cstr(p, data, size);
    oidc_idtoken_params_t prm;
    oidc_idtoken_t *idt;
    oidc_jwt_t *jwt;
    const char *detail;
    apr_time_t t;
    int several;

    /* The parser alone first: it runs before any key is chosen. */
    if (oidc_jwt_parse(p, compact, &jwt) == NULL) {
        (void)oidc_jwt_numeric_date(jwt->claims, "exp", &t);
        (void)oidc_jwt_audience_has(jwt->claims, FUZZ_CLIENT_ID, &several);
    }
    prm.issuer = FUZZ_ISSUER;
    prm.client_id = FUZZ_CLIENT_ID;
    prm.nonce = FUZZ_NONCE;
    prm.access_token = FUZZ_ACCESS_TOKEN;
    prm.now = FUZZ_NOW;
    prm.skew = FUZZ_SKEW;
    prm.iat_max_age = apr_time_from_sec(3600);
    if (oidc_idtoken_validate(p, compact, fuzz_jwks(p), &prm, &idt, &detail)
            == OIDC_IDTOKEN_OK) {
        /* What a login and a refresh do with a valid token. */
        (void)oidc_idtoken_continues(idt->claims, idt->claims);
        (void)oidc_claims_flatten(p, idt->claims);
    }
    apr_pool_destroy(p);
    return 0;
}
