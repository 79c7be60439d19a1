/*
 * fuzz_userinfo.c: a UserInfo response, checked against the ID token's sub
 * and merged under the ID token's claims into the session's claims, as a
 * login does.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_http.h"
#include "core/util/oidc_json.h"
#include "core/session/oidc_session.h"
#include "core/proto/oidc_userinfo.h"

#define ID_TOKEN_CLAIMS "{\"iss\":\"" FUZZ_ISSUER "\",\"sub\":\"" FUZZ_SUB \
                        "\",\"aud\":\"" FUZZ_CLIENT_ID "\",\"email\":\"a@b\"}"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *body = fuzz_cstr(p, data, size);
    fuzz_http_t fh;
    json_t *claims, *id_claims, *merged;
    const char *detail;
    oidc_session_t s;

    memset(&s, 0, sizeof(s));
    fuzz_http_init(&fh, 200, body, size);
    id_claims = oidc_json_parse(p, ID_TOKEN_CLAIMS, sizeof(ID_TOKEN_CLAIMS) - 1);
    if (oidc_userinfo_fetch(p, &fh.http, FUZZ_ISSUER "/userinfo",
                            "fuzz-access-token", FUZZ_SUB, &claims, &detail)
            == OIDC_OUTCOME_OK) {
        merged = oidc_userinfo_merge(p, claims, id_claims);
        if (merged != NULL) {
            (void)oidc_session_set_claims_doc(p, &s, merged);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
