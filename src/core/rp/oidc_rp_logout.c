/* oidc_rp_logout.c: the user signs out at the logout URI (RP-initiated
 * logout): the session ends here, its tokens are revoked, and the browser
 * goes to the OP's end_session_endpoint or the post-logout page. */
#include <string.h>

#include "core/rp/oidc_rp_internal.h"
#include "core/http/oidc_cookie.h"
#include "core/http/oidc_redirect.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_params.h"

static void revoke_tokens(const oidc_rp_ctx_t *ctx,
                          const oidc_provider_snapshot_t *op,
                          const oidc_session_t *s)
{
    const char *endpoint = op ? op->meta->revocation_endpoint : NULL;
    const char *detail;
    /* The refresh token first: revoking it ends the grant at most OPs. */
    const char *tokens[2] = { s->refresh_token, s->access_token };
    const char *hints[2] = { "refresh_token", "access_token" };
    int i;

    for (i = 0; endpoint != NULL && i < 2; i++) {
        if (tokens[i] == NULL) {
            continue;
        }
        if (oidc_token_revoke(ctx->pool, ctx->http, endpoint,
                              &ctx->cfg->client, tokens[i], hints[i],
                              &detail) != OIDC_OUTCOME_OK) {
            oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-logout",
                     "revoking the %s at %s failed: %s", hints[i], endpoint,
                     detail ? detail : "unknown error");
        }
    }
}

static const char *post_logout_target(const oidc_rp_ctx_t *ctx,
                                      const oidc_request_t *req)
{
    apr_pool_t *p = ctx->pool;
    const char *conf = ctx->cfg->post_logout_uri;
    const char *wanted = NULL, *target;
    apr_table_t *params;

    if (oidc_params_parse(p, req->query, 4096, &params) == OIDC_PARAMS_OK) {
        wanted = apr_table_get(params, "return_to");
    }
    if (wanted != NULL) {
        target = oidc_redirect_target(p, wanted, req->origin(req));
        if (target != NULL) {
            return target;
        }
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-logout",
                 "return_to refused: not a same-origin target");
    }
    if (conf == NULL) {
        return apr_pstrcat(p, req->origin(req), "/", NULL);
    }
    /* The admin's own setting may name another site. */
    return conf[0] == '/' ? apr_pstrcat(p, req->origin(req), conf, NULL) : conf;
}

void oidc_rp_logout(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                    oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    apr_array_header_t *cookies = oidc_rp_request_cookies(ctx, req);
    const char *id = oidc_cookie_get(cookies, cfg->cookie_name);
    const char *target = post_logout_target(ctx, req), *hint;
    const oidc_provider_snapshot_t *op = NULL;
    oidc_session_t *s = NULL;

    oidc_rp_result_init(p, res);
    if (oidc_session_id_wellformed(id)
        && oidc_rp_load_session(ctx, id, &s) == OIDC_LOOKUP_STORE_DOWN) {
        /* Keep the cookie: the session is still alive in the store, and
         * the user must be able to try again. */
        oidc_rp_fail(res, 503, "temporarily_unavailable",
             "Signing out failed: sessions are unavailable right now. "
             "Please try again later.");
        return;
    }
    /* Only a session that exists gets an "ended" mark: marks for made-up
     * ids would let anyone fill the store. */
    if (s != NULL) {
        unsigned char key[OIDC_SESSION_STORE_KEY_LEN];

        oidc_session_store_key(id, key);
        if (oidc_session_end(ctx->store, p, key,
                             oidc_rp_ended_mark_expiry(ctx)) != APR_SUCCESS) {
            oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                     "could not delete the session record at logout");
            oidc_rp_fail(res, 503, "temporarily_unavailable",
                 "Signing out failed: sessions are unavailable right now. "
                 "Please try again later.");
            return;
        }
    }
    if (id != NULL) {
        oidc_rp_add_cookie(res, oidc_cookie_make(p, cfg->cookie_name, "", req->secure,
                                         0));
    }
    res->kind = OIDC_RP_REDIRECT;
    res->status = 302;
    res->location = target;
    /* Pages the browser kept while signed in must not be shown again. */
    res->clear_site_data = 1;
    if (s == NULL) {
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-logout",
                 "logout without a session");
        return;
    }
    /* The OP is needed only for revocation and its logout: if it cannot be
     * reached, the local logout still stands. */
    if (oidc_provider_get(cfg->provider, p, ctx->http, ctx->log, ctx->now,
                          &op) != OIDC_OUTCOME_OK) {
        op = NULL;
    }
    revoke_tokens(ctx, op, s);
    hint = oidc_session_id_token(p, s);
    if (op != NULL && op->meta->end_session_endpoint != NULL
        && hint != NULL && cfg->idp_logout != 0) {
        const char *endpoint = op->meta->end_session_endpoint;
        /* A state, though the landing page needs none: some OPs (glewlwyd)
         * send the browser back to post_logout_redirect_uri only with one. */
        const char *state = oidc_random_token(p, 16);
        res->location = apr_pstrcat(p, endpoint,
            strchr(endpoint, '?') ? "&" : "?",
            "id_token_hint=", oidc_url_encode(p, hint),
            "&post_logout_redirect_uri=", oidc_url_encode(p, target),
            "&client_id=", oidc_url_encode(p, cfg->client.id),
            state != NULL ? "&state=" : NULL, state, NULL);
    }
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-logout",
             "signed out subject %s%s", s->sub,
             res->location != target ? " (and at the provider)" : "");
}
