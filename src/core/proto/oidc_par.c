/* oidc_par.c: pushed authorization requests (RFC 9126). */
#include <string.h>

#include "core/proto/oidc_par.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_json.h"

/* A request_uri fit for a redirect: bounded, printable, no spaces. */
static int acceptable_request_uri(const char *uri)
{
    apr_size_t i, n = uri ? strlen(uri) : 0;

    if (n == 0 || n > OIDC_PAR_MAX_REQUEST_URI) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if ((unsigned char)uri[i] <= 0x20 || (unsigned char)uri[i] >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

static oidc_outcome_t parse_answer(apr_pool_t *p,
                                   const oidc_http_resp_t *resp,
                                   const char **request_uri,
                                   const char **detail)
{
    json_t *doc = oidc_json_parse(p, resp->body, resp->len);
    const char *error;

    if (!json_is_object(doc)) {
        *detail = apr_psprintf(p, "HTTP %d, body is not a JSON object",
                               resp->status);
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    /* §2.2 says 201 Created; some OPs answer 200. */
    if (resp->status != 201 && resp->status != 200) {
        const char *desc = oidc_token_printable(
            p, oidc_json_str(doc, "error_description"));
        error = oidc_token_printable(p, oidc_json_str(doc, "error"));
        *detail = apr_psprintf(p, "HTTP %d, error=%s%s%s", resp->status,
                               error ? error : "(none)", desc ? ": " : "",
                               desc ? desc : "");
        return error ? OIDC_OUTCOME_REFUSED : OIDC_OUTCOME_BAD_RESPONSE;
    }
    *request_uri = oidc_json_str(doc, "request_uri");
    if (!acceptable_request_uri(*request_uri)) {
        *request_uri = NULL;
        *detail = "request_uri missing, too long or not printable";
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    *request_uri = apr_pstrdup(p, *request_uri);
    return OIDC_OUTCOME_OK;
}

oidc_outcome_t oidc_par_push(apr_pool_t *p, const oidc_http_t *http,
                             const char *par_endpoint,
                             const oidc_client_t *client, const char *params,
                             const char **request_uri, const char **detail)
{
    oidc_http_resp_t resp;
    oidc_outcome_t st;
    /* client_secret_post and public clients send client_id with their
     * authentication; Basic does not, and §2.1 wants it in the body. */
    const char *form = client->auth == OIDC_CLIENT_AUTH_BASIC
        ? apr_pstrcat(p, params, "&client_id=",
                      oidc_url_encode(p, client->id), NULL)
        : params;

    *request_uri = NULL;
    st = oidc_token_post(p, http, par_endpoint, client, form, &resp, detail);
    return st != OIDC_OUTCOME_OK ? st
                                 : parse_answer(p, &resp, request_uri, detail);
}

const char *oidc_par_authorize_url(apr_pool_t *p, const char *endpoint,
                                   const char *client_id,
                                   const char *request_uri)
{
    return apr_pstrcat(p, endpoint, strchr(endpoint, '?') ? "&" : "?",
                       "client_id=", oidc_url_encode(p, client_id),
                       "&request_uri=", oidc_url_encode(p, request_uri),
                       NULL);
}
