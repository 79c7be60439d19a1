/* oidc_userinfo.c: fetching UserInfo claims and merging them under the
 * ID token's, which the OP signed and we verified. */
#include <stdlib.h>
#include <string.h>

#include "core/proto/oidc_userinfo.h"
#include "core/util/oidc_json.h"

oidc_outcome_t oidc_userinfo_fetch(apr_pool_t *p,
                                   const oidc_http_t *http,
                                   const char *endpoint,
                                   const char *access_token,
                                   const char *expected_sub,
                                   json_t **claims,
                                   const char **detail)
{
    oidc_http_req_t req;
    oidc_http_resp_t resp;
    const char *err, *sub;
    apr_status_t rv;
    json_t *doc;

    *claims = NULL;
    *detail = NULL;
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = endpoint;
    req.authorization = apr_pstrcat(p, "Bearer ", access_token, NULL);
    rv = http->send(http, p, &req, &resp, &err);
    if (rv != APR_SUCCESS) {
        *detail = err;
        return oidc_outcome_of_send(rv);
    }
    if (resp.status != 200) {
        *detail = apr_psprintf(p, "HTTP %d", resp.status);
        return OIDC_OUTCOME_REFUSED;
    }
    doc = oidc_json_parse(p, resp.body, resp.len);
    if (!json_is_object(doc)) {
        *detail = "not a JSON object (signed or encrypted UserInfo is not "
                  "supported)";
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    sub = oidc_json_str(doc, "sub");
    if (sub == NULL || expected_sub == NULL || strcmp(sub, expected_sub) != 0) {
        /* Core §5.3.2: its values MUST NOT be used. */
        *detail = "its sub is not the ID token's";
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    *claims = doc;
    return OIDC_OUTCOME_OK;
}

json_t *oidc_userinfo_merge(apr_pool_t *p, const json_t *userinfo,
                            const json_t *id_token_claims)
{
    /* A shallow copy: only top-level members are set, values are shared. */
    json_t *merged = oidc_json_pool_own(p, json_copy((json_t *)userinfo));

    if (merged == NULL || json_object_update(merged,
                                             (json_t *)id_token_claims) != 0) {
        return NULL;
    }
    return merged;
}
