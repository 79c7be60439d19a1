/* oidc_jwa.c: the allow-list of signature algorithms. */
#include <string.h>

#include "core/jose/oidc_jwa.h"

static const char *const supported_algs[] = {
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", NULL
};

int oidc_jwa_supported(const char *alg)
{
    int i;

    for (i = 0; alg != NULL && supported_algs[i] != NULL; i++) {
        if (strcmp(alg, supported_algs[i]) == 0) {
            return 1;
        }
    }
    return 0;
}
