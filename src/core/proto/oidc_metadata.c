/* oidc_metadata.c: discovery document parsing. */
#include <string.h>

#include "core/proto/oidc_metadata.h"
#include "core/util/oidc_json.h"

const char *oidc_metadata_url(apr_pool_t *p, const char *issuer)
{
    apr_size_t n = strlen(issuer);
    /* Discovery §4: remove a trailing '/' before appending the path. */
    if (n > 0 && issuer[n - 1] == '/') {
        n--;
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, issuer, n),
                       "/.well-known/openid-configuration", NULL);
}

/* An endpoint: absolute, http(s), no fragment, https if the issuer is. */
static const char *endpoint(apr_pool_t *p, const json_t *doc,
                            const char *name, int required, int https_only,
                            const char **err)
{
    const char *url = oidc_json_str(doc, name);

    if (url == NULL) {
        if (required || json_object_get(doc, name) != NULL) {
            *err = apr_psprintf(p, "%s is missing or not a string", name);
        }
        return NULL;
    }
    if (strlen(url) > OIDC_MAX_URL_LEN || strchr(url, '#') != NULL
        || (strncmp(url, "https://", 8) != 0
            && (https_only || strncmp(url, "http://", 7) != 0))) {
        *err = apr_psprintf(p, "%s is not an acceptable %s URL", name,
                            https_only ? "https" : "http(s)");
        return NULL;
    }
    return apr_pstrdup(p, url);
}

const char *oidc_metadata_parse(apr_pool_t *p, const char *text,
                                apr_size_t len, const char *expected_issuer,
                                oidc_metadata_t **out, int *wrong_issuer)
{
    json_t *doc = oidc_json_parse(p, text, len);
    oidc_metadata_t *m;
    const char *err = NULL;
    int https_only = strncmp(expected_issuer, "https://", 8) == 0;

    *out = NULL;
    if (!json_is_object(doc)) {
        return "discovery document is not a JSON object";
    }
    m = apr_pcalloc(p, sizeof(*m));
    m->issuer = oidc_json_str(doc, "issuer");
    if (m->issuer == NULL) {
        return "discovery document has no issuer";
    }
    if (strcmp(m->issuer, expected_issuer) != 0) {
        if (wrong_issuer != NULL) {
            *wrong_issuer = 1;
        }
        /* Both, bounded: the OP's is its own text (the logger strips
         * control characters). */
        return apr_psprintf(p, "discovery document's issuer \"%.200s\" is "
                            "not the configured AuthOIDCProvider \"%s\": "
                            "they must match exactly (a trailing slash "
                            "counts)", m->issuer, expected_issuer);
    }
    m->issuer = apr_pstrdup(p, m->issuer);
    m->authorization_endpoint = endpoint(p, doc, "authorization_endpoint", 1,
                                         https_only, &err);
    m->token_endpoint = endpoint(p, doc, "token_endpoint", 1, https_only,
                                 &err);
    m->jwks_uri = endpoint(p, doc, "jwks_uri", 1, https_only, &err);
    m->userinfo_endpoint = endpoint(p, doc, "userinfo_endpoint", 0,
                                    https_only, &err);
    m->end_session_endpoint = endpoint(p, doc, "end_session_endpoint", 0,
                                       https_only, &err);
    m->revocation_endpoint = endpoint(p, doc, "revocation_endpoint", 0,
                                      https_only, &err);
    m->par_endpoint = endpoint(p, doc, "pushed_authorization_request_endpoint",
                               0, https_only, &err);
    if (err != NULL) {
        return err;
    }
    m->iss_parameter_supported = json_is_true(
        json_object_get(doc, "authorization_response_iss_parameter_supported"));
    m->require_par = json_is_true(
        json_object_get(doc, "require_pushed_authorization_requests"));
    *out = m;
    return NULL;
}
