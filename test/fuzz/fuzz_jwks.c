/*
 * fuzz_jwks.c: an OP's JWK Set, as fetched from its jwks_uri: parsing
 * (cjose imports each key), key selection for every algorithm we accept,
 * and a signature check with whatever key was chosen, against fixed tokens
 * signed with the fixed keys (so the seeds' keys verify them).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/jose/oidc_jwt.h"

typedef struct {
    const char *alg;
    const char *kid;
    char *compact;    /* a token of this alg signed by the fixed key */
} case_t;

static case_t cases[] = {
    { "RS256", "fuzz-rsa", NULL }, { "RS512", "fuzz-rsa", NULL },
    { "PS256", "fuzz-rsa", NULL }, { "ES256", "fuzz-ec", NULL },
    { "ES384", NULL, NULL }, { "ES512", NULL, NULL }
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Signed once (RSA signing is slow) into malloc'd memory, which the leak
 * checker sees; parsed per input. */
static void make_tokens(void)
{
    static int made;
    apr_pool_t *p;
    size_t i;

    if (made) {
        return;
    }
    p = fuzz_pool();
    for (i = 0; i < N_CASES; i++) {
        const char *compact;
        if (cases[i].kid == NULL) {
            continue;   /* our EC key is P-256: selection only */
        }
        compact = fuzz_sign(p, cases[i].alg, cases[i].kid, NULL,
                            "{\"iss\":\"" FUZZ_ISSUER "\"}");
        cases[i].compact = compact ? strdup(compact) : NULL;
        if (cases[i].compact == NULL) {
            abort();
        }
    }
    apr_pool_destroy(p);
    made = 1;
}

/* Whether key verifies this case's token. */
static void verify(apr_pool_t *p, const case_t *c, const oidc_jwk_t *key)
{
    oidc_jwt_t *jwt;

    if (c->compact != NULL && oidc_jwt_parse(p, c->compact, &jwt) == NULL) {
        (void)oidc_jwt_verify(jwt, key);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *text = fuzz_cstr(p, data, size);
    oidc_jwks_t *jwks;
    const oidc_jwk_t *key;
    size_t i;

    make_tokens();
    if (oidc_jwks_parse(p, text, size, &jwks) != NULL) {
        apr_pool_destroy(p);
        return 0;
    }
    for (i = 0; i < N_CASES; i++) {
        if (oidc_jwks_select(jwks, cases[i].alg, NULL, &key)
                == OIDC_JWKS_FOUND) {
            verify(p, &cases[i], key);
        }
        if (cases[i].kid != NULL
            && oidc_jwks_select(jwks, cases[i].alg, cases[i].kid, &key)
                   == OIDC_JWKS_FOUND) {
            verify(p, &cases[i], key);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
