/* oidc_rp.c: what every flow of the Relying Party shares: results,
 * failures, the request's cookies and origin, markers of values seen. */
#include <stdlib.h>
#include <string.h>

#include "core/rp/oidc_rp_internal.h"
#include "core/http/oidc_cookie.h"
#include "core/util/oidc_crypto.h"

void oidc_rp_result_init(apr_pool_t *p, oidc_rp_result_t *res)
{
    memset(res, 0, sizeof(*res));
    res->set_cookies = apr_array_make(p, 4, sizeof(const char *));
}

void oidc_rp_add_cookie(oidc_rp_result_t *res, const char *set_cookie)
{
    APR_ARRAY_PUSH(res->set_cookies, const char *) = set_cookie;
}

void oidc_rp_fail(oidc_rp_result_t *res, int status, const char *error,
                  const char *message)
{
    res->kind = OIDC_RP_ERROR;
    res->status = status;
    res->error = error;
    res->message = message;
}

int oidc_rp_is_api_request(const oidc_request_t *req)
{
    const char *xrw = req->header(req, "X-Requested-With");
    const char *mode = req->header(req, "Sec-Fetch-Mode");
    const char *accept = req->header(req, "Accept");

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        return 1;
    }
    if (xrw != NULL && strcasecmp(xrw, "XMLHttpRequest") == 0) {
        return 1;
    }
    if (mode != NULL && strcasecmp(mode, "navigate") != 0) {
        return 1;
    }
    if (accept != NULL && strstr(accept, "text/html") == NULL
        && (strstr(accept, "application/json") != NULL
            || strstr(accept, "*/*") == NULL)) {
        return 1;
    }
    return 0;
}

const char *oidc_rp_redirect_uri(apr_pool_t *p, const oidc_rp_config_t *cfg,
                                 const oidc_request_t *req)
{
    if (cfg->redirect_uri[0] == '/') {
        return apr_pstrcat(p, req->origin(req), cfg->redirect_uri, NULL);
    }
    return cfg->redirect_uri;
}

static const char *const reserved_params[] = {
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
    "code_challenge", "code_challenge_method", "request", "request_uri",
    "response_mode", NULL
};

int oidc_rp_reserved_auth_param(const char *name)
{
    int i;
    for (i = 0; reserved_params[i] != NULL; i++) {
        if (strcmp(name, reserved_params[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

apr_array_header_t *oidc_rp_request_cookies(const oidc_rp_ctx_t *ctx,
                                           const oidc_request_t *req)
{
    return oidc_cookies_parse(ctx->pool, req->header(req, "Cookie"));
}

int oidc_rp_provider_failed(const oidc_rp_ctx_t *ctx, oidc_rp_result_t *res,
                            oidc_outcome_t st)
{
    if (st == OIDC_OUTCOME_OK) {
        return 0;
    }
    if (st == OIDC_OUTCOME_MISCONFIGURED) {
        /* Trying again will not help: the admin must fix the setting. */
        oidc_rp_fail(res, 502, "server_error",
             "Sign-in is misconfigured on this site: the identity provider "
             "does not match its configuration. Please tell the site's "
             "administrator.");
        res->title = "Sign-in is misconfigured";
        return 1;
    }
    oidc_rp_fail(res, oidc_outcome_http_status(st),
         "temporarily_unavailable",
         "The identity provider cannot be reached. Please try again later.");
    return 1;
}

oidc_binding_t oidc_rp_session_binding(const oidc_rp_config_t *cfg)
{
    oidc_binding_t b;

    b.iss = cfg->issuer;
    b.client_id = cfg->client.id;
    return b;
}

apr_time_t oidc_rp_ended_mark_expiry(const oidc_rp_ctx_t *ctx)
{
    /* Long enough for any refresh that was in flight to look. */
    return ctx->now + 2 * ctx->cfg->refresh_hold + apr_time_from_sec(60);
}

/* Whether (label, value) was seen before, on any node sharing the store;
 * marks it seen for `hold`, atomically, so that of two nodes racing with the
 * same value exactly one goes on. Only for values an authenticated party
 * vouched for (a code the OP accepted, a signed logout token): a marker
 * per anonymous request would let anyone fill the store and evict
 * sessions. */
int oidc_rp_seen_before(const oidc_rp_ctx_t *ctx, const char *label,
                       const char *value, apr_interval_time_t hold,
                       int *store_down)
{
    unsigned char key[32];
    apr_status_t rv;

    oidc_sha256_labelled(label, value, strlen(value), key);
    rv = ctx->store->lock(ctx->store, ctx->pool, key, sizeof(key), hold);
    *store_down = rv != APR_SUCCESS && rv != APR_EEXIST;
    return rv == APR_EEXIST;
}

void oidc_rp_with_keys(const oidc_rp_ctx_t *ctx,
                       const oidc_provider_snapshot_t **op, const char *tag,
                       const char *what, oidc_rp_key_check_fn check,
                       void *baton)
{
    const oidc_provider_snapshot_t *fresh;

    if (!check(baton, (*op)->jwks)) {
        return;
    }
    oidc_log(ctx->log, OIDC_LOG_INFO, tag,
             "%s names an unknown kid: refetching the JWKS", what);
    if (oidc_provider_refresh_keys(ctx->cfg->provider, ctx->pool, ctx->http,
                                   ctx->log, ctx->now, &fresh)
        == OIDC_OUTCOME_OK) {
        *op = fresh;
        check(baton, fresh->jwks);
    }
}

typedef struct {
    apr_pool_t *pool;
    const char *id_token;
    const oidc_idtoken_params_t *prm;
    oidc_idtoken_t **out;
    const char **detail;
    oidc_idtoken_status_t st;
} id_token_check_t;

static int check_id_token(void *baton, const oidc_jwks_t *jwks)
{
    id_token_check_t *c = baton;

    c->st = oidc_idtoken_validate(c->pool, c->id_token, jwks, c->prm, c->out,
                                  c->detail);
    return c->st == OIDC_IDTOKEN_UNKNOWN_KID;
}

oidc_idtoken_status_t oidc_rp_validate_id_token(
    const oidc_rp_ctx_t *ctx, const oidc_provider_snapshot_t **op,
    const char *id_token, const oidc_idtoken_params_t *prm,
    oidc_idtoken_t **out, const char **detail)
{
    id_token_check_t c = { ctx->pool, id_token, prm, out, detail,
                           OIDC_IDTOKEN_OK };

    oidc_rp_with_keys(ctx, op, "oidc-idtoken", "ID token", check_id_token,
                      &c);
    return c.st;
}

void oidc_rp_page(oidc_rp_result_t *res, const char *content_type,
                 const char *body)
{
    res->kind = OIDC_RP_PAGE;
    res->status = 200;
    res->content_type = content_type;
    res->body = body;
}
