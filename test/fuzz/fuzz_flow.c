/*
 * fuzz_flow.c: the login state at the callback, as oidc_rp_callback reads
 * it, and the eviction of a browser's flow cookies at login.
 *
 * Input: the callback query, '\n', the Cookie header, and optionally '\n'
 * and a flow record in plaintext. The query gives `state`; the flow cookie
 * for it opens with the fixed flow key. A forged cookie cannot pass the
 * AEAD, so a plaintext record is sealed here for the state, as created
 * FLOW_AGE seconds before the fixed clock, and added as that state's flow
 * cookie: that reaches the record decoder behind the AEAD.
 */
#include <string.h>

#include "fuzz.h"
#include "core/http/oidc_cookie.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/session/oidc_flow.h"
#include "core/util/oidc_params.h"

#define FLOW_AGE 30

/* "<name>=<created seconds>.<sealed record>", the flow cookie format, with
 * the state and creation time as associated data. */
static const char *sealed_cookie(apr_pool_t *p, const char *state,
                                 const uint8_t *plain, size_t len)
{
    apr_int64_t created = FUZZ_NOW_SEC - FLOW_AGE;
    unsigned char *sealed;
    apr_size_t sealed_len, aad_len;
    const char *aad = oidc_flow_aad(p, state, created, &fuzz_binding,
                                    &aad_len);

    if (oidc_aead_seal(p, fuzz_flow_key, aad, aad_len, plain, len,
                       &sealed, &sealed_len) != APR_SUCCESS) {
        return "";
    }
    return apr_psprintf(p, "%s=%" APR_INT64_T_FMT ".%s",
                        oidc_flow_cookie_name(p, FUZZ_COOKIE, state), created,
                        oidc_b64url_encode(p, sealed, sealed_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *query, *header = "", *state;
    const uint8_t *rest, *plain = NULL;
    size_t rest_len, plain_len = 0;
    apr_table_t *params;
    apr_array_header_t *cookies;
    oidc_flow_t *flow;
    oidc_flow_status_t st;

    fuzz_split(p, data, size, &query, &rest, &rest_len);
    if (rest != NULL) {
        fuzz_split(p, rest, rest_len, &header, &plain, &plain_len);
    }
    if (oidc_params_parse(p, query, 8192, &params) != OIDC_PARAMS_OK) {
        apr_pool_destroy(p);
        return 0;
    }
    state = apr_table_get(params, "state");
    /* The flow cookie's name holds the state's first 16 characters. */
    if (plain != NULL && state != NULL && strlen(state) >= 16) {
        header = apr_pstrcat(p, header, "; ",
                             sealed_cookie(p, state, plain, plain_len), NULL);
    }
    cookies = oidc_cookies_parse(p, header);
    (void)oidc_flow_evictions(p, cookies, FUZZ_COOKIE, FUZZ_NOW,
                              OIDC_FLOW_MAX_AGE);
    if (state != NULL) {
        st = oidc_flow_open(p, fuzz_flow_key, &fuzz_binding, cookies,
                            FUZZ_COOKIE, state,
                            FUZZ_NOW, OIDC_FLOW_MAX_AGE, &flow);
        if (st != OIDC_FLOW_BAD_STATE) {
            /* The callback deletes the flow cookie whatever happens. */
            (void)oidc_cookie_make(p, oidc_flow_cookie_name(p, FUZZ_COOKIE,
                                                            state),
                                   "", 1, 0);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
