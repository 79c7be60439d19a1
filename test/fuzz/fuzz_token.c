/*
 * fuzz_token.c: a token-endpoint response, as the module gets it for the
 * code exchange and for a refresh, each as a success and as an error
 * status. The ID token in it is validated against the access token beside
 * it, as the callback does; after a refresh (no nonce) it must also
 * continue the session's original ID token.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_http.h"
#include "core/proto/oidc_idtoken.h"
#include "core/util/oidc_json.h"
#include "core/proto/oidc_token.h"

/* The claims of the ID token a refreshed one must continue. */
#define ORIGINAL_CLAIMS "{\"iss\":\"" FUZZ_ISSUER "\",\"sub\":\"" FUZZ_SUB \
                        "\",\"aud\":\"" FUZZ_CLIENT_ID "\"}"

static void exchange(apr_pool_t *p, int status, int refresh,
                     const char *body, apr_size_t len)
{
    fuzz_http_t fh;
    oidc_client_t client = { FUZZ_CLIENT_ID, "fuzz-secret",
                             OIDC_CLIENT_AUTH_BASIC, NULL, FUZZ_ISSUER, 0 };
    oidc_token_resp_t tok;
    oidc_outcome_t st;
    oidc_idtoken_params_t prm;
    oidc_idtoken_t *idt;
    const char *detail;

    fuzz_http_init(&fh, status, body, len);
    st = refresh
        ? oidc_token_refresh(p, &fh.http, FUZZ_ISSUER "/token", &client,
                             "fuzz-refresh", &tok, &detail)
        : oidc_token_exchange_code(p, &fh.http, FUZZ_ISSUER "/token",
                                   &client, "fuzz-code",
                                   FUZZ_ORIGIN "/callback", "fuzz-verifier",
                                   &tok, &detail);
    if (st != OIDC_OUTCOME_OK || tok.id_token == NULL) {
        return;
    }
    memset(&prm, 0, sizeof(prm));
    prm.issuer = FUZZ_ISSUER;
    prm.client_id = FUZZ_CLIENT_ID;
    prm.nonce = refresh ? NULL : FUZZ_NONCE;
    prm.access_token = tok.access_token;
    prm.now = FUZZ_NOW;
    prm.skew = FUZZ_SKEW;
    prm.iat_max_age = apr_time_from_sec(3600);
    if (oidc_idtoken_validate(p, tok.id_token, fuzz_jwks(p), &prm, &idt,
                              &detail) == OIDC_IDTOKEN_OK
        && refresh) {
        (void)oidc_idtoken_continues(
            oidc_json_parse(p, ORIGINAL_CLAIMS, strlen(ORIGINAL_CLAIMS)),
            idt->claims);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *body = fuzz_cstr(p, data, size);

    exchange(p, 200, 0, body, size);
    exchange(p, 400, 0, body, size);
    exchange(p, 200, 1, body, size);
    apr_pool_destroy(p);
    return 0;
}
