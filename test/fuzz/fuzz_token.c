/*
 * fuzz_token.c: a token-endpoint response, as the callback gets it for the
 * code exchange (as a success, then as an error status) and the ID token in
 * it validated against the access token beside it, as the callback does.
 */
#include "fuzz.h"
#include "fuzz_http.h"
#include "oidc_idtoken.h"
#include "oidc_token.h"

static void exchange(apr_pool_t *p, int status, const char *body,
                     apr_size_t len)
{
    fuzz_http_t fh;
    oidc_client_t client = { FUZZ_CLIENT_ID, "fuzz-secret",
                             OIDC_CLIENT_AUTH_BASIC };
    oidc_token_resp_t tok;
    oidc_idtoken_params_t prm;
    oidc_idtoken_t *idt;
    const char *detail;

    fuzz_http_init(&fh, status, body, len);
    if (oidc_token_exchange_code(p, &fh.http, FUZZ_ISSUER "/token", &client,
                                 "fuzz-code", FUZZ_ORIGIN "/callback",
                                 "fuzz-verifier", &tok, &detail)
            != OIDC_TOKEN_OK
        || tok.id_token == NULL) {
        return;
    }
    prm.issuer = FUZZ_ISSUER;
    prm.client_id = FUZZ_CLIENT_ID;
    prm.nonce = FUZZ_NONCE;
    prm.access_token = tok.access_token;
    prm.now = FUZZ_NOW;
    prm.skew = FUZZ_SKEW;
    prm.iat_max_age = apr_time_from_sec(3600);
    (void)oidc_idtoken_validate(p, tok.id_token, fuzz_jwks(p), &prm, &idt,
                                &detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *body = fuzz_cstr(p, data, size);

    exchange(p, 200, body, size);
    exchange(p, 400, body, size);
    apr_pool_destroy(p);
    return 0;
}
