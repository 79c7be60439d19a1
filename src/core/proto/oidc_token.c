/* oidc_token.c: token-endpoint requests (code, refresh) and revocation. */
#include <string.h>
#include <apr_base64.h>

#include "core/proto/oidc_token.h"
#include "core/jose/oidc_client_assertion.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_json.h"

#define MAX_ERROR_TEXT 200

/* RFC 7523 §2.2: client_id (OpenID Connect Core §9 lists it) and the
 * assertion, in the form. Its audience is the issuer (rfc7523bis), or the
 * URL called for OPs that still want that (OpenID Connect Core §9 named
 * the token endpoint; glewlwyd 2.7 takes only the endpoint called). */
static const char *assertion_fields(apr_pool_t *p,
                                    const oidc_client_t *client,
                                    const char *url, apr_time_t now,
                                    const char **form_extra)
{
    const char *err;
    const char *jwt = oidc_client_assertion(
        p, client->id, client->audience_is_endpoint ? url : client->issuer,
        client->auth == OIDC_CLIENT_AUTH_SECRET_JWT ? client->secret : NULL,
        client->auth == OIDC_CLIENT_AUTH_PRIVATE_KEY_JWT ? client->key : NULL,
        now, &err);

    if (jwt == NULL) {
        return err;
    }
    *form_extra = apr_pstrcat(p, "&client_id=", oidc_url_encode(p, client->id),
                              "&client_assertion_type=",
                              oidc_url_encode(p, OIDC_ASSERTION_TYPE),
                              "&client_assertion=", jwt, NULL);
    return NULL;
}

const char *oidc_token_client_auth(apr_pool_t *p, const oidc_client_t *client,
                                   const char *url, apr_time_t now,
                                   const char **form_extra,
                                   const char **authorization)
{
    *form_extra = "";
    *authorization = NULL;
    switch (client->auth) {
    case OIDC_CLIENT_AUTH_BASIC: {
        /* RFC 6749 §2.3.1: both parts are form-encoded before base64. */
        const char *pair = apr_pstrcat(p, oidc_url_encode(p, client->id), ":",
                                       oidc_url_encode(p, client->secret),
                                       NULL);
        int len = (int)strlen(pair);
        char *b64 = apr_palloc(p, (apr_size_t)apr_base64_encode_len(len));
        apr_base64_encode(b64, pair, len);
        *authorization = apr_pstrcat(p, "Basic ", b64, NULL);
        return NULL;
    }
    case OIDC_CLIENT_AUTH_POST:
        *form_extra = apr_pstrcat(p, "&client_id=",
                                  oidc_url_encode(p, client->id),
                                  "&client_secret=",
                                  oidc_url_encode(p, client->secret), NULL);
        return NULL;
    case OIDC_CLIENT_AUTH_SECRET_JWT:
    case OIDC_CLIENT_AUTH_PRIVATE_KEY_JWT:
        return assertion_fields(p, client, url, now, form_extra);
    default:
        *form_extra = apr_pstrcat(p, "&client_id=",
                                  oidc_url_encode(p, client->id), NULL);
        return NULL;
    }
}

const char *oidc_token_printable(apr_pool_t *p, const char *s)
{
    char *out;
    apr_size_t i, n;

    if (s == NULL) {
        return NULL;
    }
    n = strlen(s);
    n = n > MAX_ERROR_TEXT ? MAX_ERROR_TEXT : n;
    out = apr_pstrmemdup(p, s, n);
    for (i = 0; i < n; i++) {
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e) {
            out[i] = '?';
        }
    }
    return out;
}

static oidc_outcome_t parse_response(apr_pool_t *p,
                                     const oidc_http_resp_t *resp,
                                     oidc_token_resp_t *out,
                                     const char **detail)
{
    json_t *doc = oidc_json_parse(p, resp->body, resp->len);
    const char *token_type;
    const json_t *expires_in;

    if (!json_is_object(doc)) {
        *detail = apr_psprintf(p, "HTTP %d, body is not a JSON object",
                               resp->status);
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    if (resp->status != 200) {
        out->error = oidc_token_printable(p, oidc_json_str(doc, "error"));
        out->error_description = oidc_token_printable(p,
            oidc_json_str(doc, "error_description"));
        *detail = apr_psprintf(p, "HTTP %d, error=%s%s%s", resp->status,
                               out->error ? out->error : "(none)",
                               out->error_description ? ": " : "",
                               out->error_description
                                   ? out->error_description : "");
        return out->error ? OIDC_OUTCOME_REFUSED : OIDC_OUTCOME_BAD_RESPONSE;
    }
    out->access_token = oidc_json_str(doc, "access_token");
    out->id_token = oidc_json_str(doc, "id_token");
    out->refresh_token = oidc_json_str(doc, "refresh_token");
    out->scope = oidc_json_str(doc, "scope");
    token_type = oidc_json_str(doc, "token_type");
    if (out->access_token == NULL || token_type == NULL) {
        *detail = "access_token or token_type missing";
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    if (strcasecmp(token_type, "Bearer") != 0
        && strcasecmp(token_type, "DPoP") != 0) {
        *detail = "token_type is not Bearer";
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    expires_in = json_object_get(doc, "expires_in");
    out->expires_in = -1;
    if (json_is_integer(expires_in) && json_integer_value(expires_in) >= 0
        && json_integer_value(expires_in) < 10L * 365 * 86400) {
        out->expires_in = apr_time_from_sec(json_integer_value(expires_in));
    }
    return OIDC_OUTCOME_OK;
}

oidc_outcome_t oidc_token_post(apr_pool_t *p, const oidc_http_t *http,
                               const char *url, const oidc_client_t *client,
                               const char *form, oidc_http_resp_t *resp,
                               const char **detail)
{
    oidc_http_req_t req;
    const char *extra, *err;
    apr_status_t rv;

    /* The OP checks an assertion's times against its clock: real time. */
    *detail = oidc_token_client_auth(p, client, url, apr_time_now(), &extra,
                                     &req.authorization);
    if (*detail != NULL) {
        return OIDC_OUTCOME_MISCONFIGURED;
    }
    req.method = "POST";
    req.url = url;
    req.form = apr_pstrcat(p, form, extra, NULL);
    rv = http->send(http, p, &req, resp, &err);
    if (rv != APR_SUCCESS) {
        *detail = err;
        return oidc_outcome_of_send(rv);
    }
    return OIDC_OUTCOME_OK;
}

static oidc_outcome_t token_request(apr_pool_t *p,
                                    const oidc_http_t *http,
                                    const char *token_endpoint,
                                    const oidc_client_t *client,
                                    const char *grant_form,
                                    oidc_token_resp_t *out,
                                    const char **detail)
{
    oidc_http_resp_t resp;
    oidc_outcome_t st;

    memset(out, 0, sizeof(*out));
    st = oidc_token_post(p, http, token_endpoint, client, grant_form, &resp,
                         detail);
    return st != OIDC_OUTCOME_OK ? st : parse_response(p, &resp, out, detail);
}

oidc_outcome_t oidc_token_exchange_code(
    apr_pool_t *p, const oidc_http_t *http, const char *token_endpoint,
    const oidc_client_t *client, const char *code, const char *redirect_uri,
    const char *code_verifier, oidc_token_resp_t *out, const char **detail)
{
    return token_request(p, http, token_endpoint, client,
                         apr_pstrcat(p, "grant_type=authorization_code&code=",
                                     oidc_url_encode(p, code),
                                     "&redirect_uri=",
                                     oidc_url_encode(p, redirect_uri),
                                     "&code_verifier=",
                                     oidc_url_encode(p, code_verifier), NULL),
                         out, detail);
}

oidc_outcome_t oidc_token_refresh(apr_pool_t *p, const oidc_http_t *http,
                                  const char *token_endpoint,
                                  const oidc_client_t *client,
                                  const char *refresh_token,
                                  oidc_token_resp_t *out,
                                  const char **detail)
{
    return token_request(p, http, token_endpoint, client,
                         apr_pstrcat(p, "grant_type=refresh_token"
                                        "&refresh_token=",
                                     oidc_url_encode(p, refresh_token), NULL),
                         out, detail);
}

oidc_outcome_t oidc_token_revoke(apr_pool_t *p, const oidc_http_t *http,
                                 const char *revocation_endpoint,
                                 const oidc_client_t *client,
                                 const char *token, const char *hint,
                                 const char **detail)
{
    oidc_http_resp_t resp;
    oidc_outcome_t st;

    st = oidc_token_post(p, http, revocation_endpoint, client,
                         apr_pstrcat(p, "token=", oidc_url_encode(p, token),
                                     "&token_type_hint=", hint, NULL),
                         &resp, detail);
    if (st == OIDC_OUTCOME_OK && resp.status != 200) {
        *detail = apr_psprintf(p, "HTTP %d", resp.status);
        return OIDC_OUTCOME_REFUSED;
    }
    return st;
}
