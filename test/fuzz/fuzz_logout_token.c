/*
 * fuzz_logout_token.c: a back-channel logout request body, as
 * oidc_rp_backchannel_logout reads it: the form parsed, then its
 * logout_token validated (signature with the fixed JWKS, then every claim
 * check with the fixed issuer, client id and clock).
 */
#include "fuzz.h"
#include "core/proto/oidc_logout_token.h"
#include "core/util/oidc_params.h"

#define LOGOUT_TOKEN_MAX_AGE apr_time_from_sec(600)    /* the module's */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *body = fuzz_cstr(p, data, size), *token, *detail;
    apr_table_t *params;
    oidc_logout_token_t *lt;
    oidc_logout_token_status_t st;

    token = oidc_params_parse(p, body, OIDC_MAX_JWT_LEN + 64, &params)
            == OIDC_PARAMS_OK ? apr_table_get(params, "logout_token") : NULL;
    if (token != NULL) {
        st = oidc_logout_token_validate(p, token, fuzz_jwks(p), FUZZ_ISSUER,
                                        FUZZ_CLIENT_ID, FUZZ_NOW, FUZZ_SKEW,
                                        LOGOUT_TOKEN_MAX_AGE, &lt, &detail);
        (void)oidc_logout_token_status_name(st);
    }
    apr_pool_destroy(p);
    return 0;
}
