/* oidc_rp_login.c: a request to a protected location: its session, or the
 * redirect to the OP that starts a login. */
#include <string.h>

#include "core/rp/oidc_rp_internal.h"
#include "core/rp/oidc_rp_refresh.h"
#include "core/http/oidc_cookie.h"
#include "core/http/oidc_redirect.h"
#include "core/session/oidc_flow.h"
#include "core/proto/oidc_par.h"
#include "core/proto/oidc_pkce.h"
#include "core/util/oidc_encode.h"

static int uses_par(const oidc_rp_config_t *cfg, const oidc_metadata_t *meta)
{
    return cfg->par == OIDC_PAR_ON
        || (cfg->par == OIDC_PAR_AUTO && meta->require_par);
}

/* RFC 9126: the parameters go to the OP first; the browser is sent with
 * only client_id and the request_uri the OP gave. An OP that refuses (or
 * does not offer PAR) gets the user an error page, never a loop. */
static void push_then_redirect(const oidc_rp_ctx_t *ctx,
                               const oidc_metadata_t *meta,
                               const char *params, oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const char *request_uri, *detail = NULL;
    oidc_outcome_t st;

    if (meta->par_endpoint == NULL) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-par",
                 "AuthOIDCPushedAuthorization on, but the provider's "
                 "discovery names no pushed_authorization_request_endpoint");
        oidc_rp_fail(res, 502, "server_error",
                     "Sign-in is misconfigured. Please tell the site's "
                     "administrator.");
        return;
    }
    st = oidc_par_push(p, ctx->http, meta->par_endpoint, &cfg->client, params,
                       &request_uri, &detail);
    if (st != OIDC_OUTCOME_OK) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-par",
                 "pushing the authorization request to %s failed: %s",
                 meta->par_endpoint, detail ? detail : "(no detail)");
        oidc_rp_fail(res, oidc_outcome_http_status(st),
                     st == OIDC_OUTCOME_UNREACHABLE
                         ? "temporarily_unavailable" : "server_error",
                     st == OIDC_OUTCOME_UNREACHABLE
                         ? "The identity provider cannot be reached. Please "
                           "try again later."
                         : "The identity provider refused the sign-in "
                           "request. Please tell the site's administrator.");
        return;
    }
    res->kind = OIDC_RP_REDIRECT;
    res->status = 302;
    res->location = oidc_par_authorize_url(p, meta->authorization_endpoint,
                                           cfg->client.id, request_uri);
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-login",
             "redirecting to the provider to sign in (pushed request)");
}

static void start_login(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                        const oidc_rp_dir_t *dir,
                        const apr_array_header_t *cookies,
                        oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const oidc_provider_snapshot_t *op;
    const char *return_to, *redirect_uri, *sealed, *endpoint, *params;
    apr_array_header_t *evict;
    oidc_flow_t *flow;
    oidc_binding_t binding;
    int i;

    if (oidc_rp_provider_failed(ctx, res,
                                oidc_provider_get(cfg->provider, p, ctx->http,
                                                  ctx->log, ctx->now, &op))) {
        return;
    }
    return_to = oidc_redirect_target(p, req->unparsed_uri, req->origin(req));
    if (return_to == NULL) {
        return_to = apr_pstrcat(p, req->origin(req), "/", NULL);
    }
    redirect_uri = oidc_rp_redirect_uri(p, cfg, req);
    flow = oidc_flow_new(p, return_to, redirect_uri, ctx->now);
    binding = oidc_rp_session_binding(cfg);
    sealed = flow ? oidc_flow_seal(p, cfg->flow_key, &binding, flow) : NULL;
    if (sealed == NULL) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-login",
                 "could not create the login state (random source or "
                 "crypto failure)");
        oidc_rp_fail(res, 500, "server_error",
                     "Sign-in could not be started.");
        return;
    }

    evict = oidc_flow_evictions(p, cookies, cfg->cookie_name, ctx->now,
                                cfg->login_timeout);
    for (i = 0; i < evict->nelts; i++) {
        oidc_rp_add_cookie(res, oidc_cookie_make(p, APR_ARRAY_IDX(evict, i,
                                                          const char *),
                                         "", req->secure, 0));
    }
    oidc_rp_add_cookie(res, oidc_cookie_make(p, oidc_flow_cookie_name(
                                            p, cfg->cookie_name, flow->state),
                                     sealed, req->secure,
                                     cfg->login_timeout + OIDC_FLOW_GRACE));

    params = apr_pstrcat(p,
        "response_type=code&redirect_uri=", oidc_url_encode(p, redirect_uri),
        "&scope=", oidc_url_encode(p, dir->scope),
        "&state=", flow->state,
        "&nonce=", flow->nonce,
        "&code_challenge=", oidc_pkce_challenge_s256(p, flow->verifier),
        "&code_challenge_method=S256",
        dir->auth_params, NULL);
    if (uses_par(cfg, op->meta)) {
        push_then_redirect(ctx, op->meta, params, res);
        return;
    }
    endpoint = op->meta->authorization_endpoint;
    res->kind = OIDC_RP_REDIRECT;
    res->status = 302;
    res->location = apr_pstrcat(p, endpoint,
        strchr(endpoint, '?') ? "&" : "?",
        "client_id=", oidc_url_encode(p, cfg->client.id), "&", params, NULL);
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-login",
             "redirecting to the provider to sign in");
}

void oidc_rp_authenticate(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                          const oidc_rp_dir_t *dir, oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const char *id = oidc_cookie_find(p, req->header(req, "Cookie"),
                                      cfg->cookie_name);
    oidc_session_t *s = NULL;

    oidc_rp_result_init(p, res);
    if (id != NULL && *id != '\0') {
        switch (oidc_rp_load_session(ctx, id, &s)) {
        case OIDC_LOOKUP_STORE_DOWN:
            oidc_rp_fail(res, 503, "temporarily_unavailable",
                 "Sessions are unavailable right now. Please try again "
                 "later.");
            return;
        case OIDC_LOOKUP_FOUND:
            break;
        default:
            s = NULL;
        }
    }

    if (s != NULL) {
        switch (oidc_rp_refresh_if_due(ctx, req, id, &s, res)) {
        case OIDC_REFRESH_ANSWERED:
            return;
        case OIDC_REFRESH_ENDED:
            s = NULL;
            break;
        default:
            break;
        }
    }
    if (s != NULL && (oidc_rp_userinfo_due(ctx, s)
                      || oidc_session_needs_touch(s, ctx->now,
                                                  cfg->inactivity))) {
        s = oidc_rp_stored_for_write(ctx, id, s);
    }
    if (s != NULL && oidc_rp_userinfo_due(ctx, s)) {
        oidc_rp_result_t ignored;
        oidc_rp_result_init(p, &ignored);
        oidc_rp_refresh_userinfo(ctx, s);
        s->last_seen = ctx->now;
        oidc_rp_save_session(ctx, id, s, &ignored);
    }
    if (s != NULL) {
        if (oidc_session_needs_touch(s, ctx->now, cfg->inactivity)) {
            oidc_rp_result_t ignored;
            oidc_rp_result_init(p, &ignored);
            s->last_seen = ctx->now;
            /* Failing to extend a valid session is not a reason to refuse
             * this request; save_session logs it. */
            oidc_rp_save_session(ctx, id, s, &ignored);
        }
        res->kind = OIDC_RP_AUTHENTICATED;
        res->session = s;
        res->session_id = id;
        return;
    }

    if (id != NULL) {
        oidc_rp_add_cookie(res, oidc_cookie_make(p, cfg->cookie_name, "", req->secure,
                                         0));
    }
    if (oidc_rp_is_api_request(req)) {
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-login",
                 "no session on an API/XHR request: 401, no redirect");
        oidc_rp_fail(res, 401, "login_required",
             "Authentication is required: sign in with a browser first.");
        res->challenge = 1;
        return;
    }
    start_login(ctx, req, dir, oidc_rp_request_cookies(ctx, req), res);
}
