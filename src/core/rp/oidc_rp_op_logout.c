/* oidc_rp_op_logout.c: logout the OP asks for: back-channel (a signed
 * logout token, server to server) and front-channel (the OP's iframe). */
#include <string.h>

#include "core/rp/oidc_rp_internal.h"
#include "core/http/oidc_cookie.h"
#include "core/proto/oidc_logout_token.h"
#include "core/session/oidc_session_index.h"
#include "core/util/oidc_params.h"

#define JTI_SEEN_LABEL "mod_authnz_oidc logout jti"
#define LOGOUT_TOKEN_MAX_AGE apr_time_from_sec(600)

/* Ends every session indexed under (kind, value); -1 if the store failed. */
static int end_indexed(const oidc_rp_ctx_t *ctx, oidc_index_kind_t kind,
                       const char *iss, const char *value)
{
    unsigned char ikey[32];
    int ended = 0;
    apr_status_t rv;

    oidc_session_index_key(ctx->pool, kind, iss, value, ikey);
    rv = oidc_session_index_end_all(ctx->store, ctx->pool, ikey,
                                    oidc_rp_ended_mark_expiry(ctx), &ended);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        return -1;
    }
    return ended;
}

typedef struct {
    const oidc_rp_ctx_t *ctx;
    const char *issuer;
    const char *token;
    oidc_logout_token_t **out;
    const char **detail;
    oidc_logout_token_status_t st;
} logout_token_check_t;

static int check_logout_token(void *baton, const oidc_jwks_t *jwks)
{
    logout_token_check_t *c = baton;
    const oidc_rp_config_t *cfg = c->ctx->cfg;

    c->st = oidc_logout_token_validate(c->ctx->pool, c->token, jwks,
                                       c->issuer, cfg->client.id,
                                       c->ctx->now, cfg->skew,
                                       LOGOUT_TOKEN_MAX_AGE, c->out,
                                       c->detail);
    return c->st == OIDC_LOGOUT_TOKEN_UNKNOWN_KID;
}

static oidc_logout_token_status_t validate_logout_token(
    const oidc_rp_ctx_t *ctx, const oidc_provider_snapshot_t **op,
    const char *token, oidc_logout_token_t **out, const char **detail)
{
    logout_token_check_t c = { ctx, (*op)->meta->issuer, token, out, detail,
                               OIDC_LOGOUT_TOKEN_OK };

    oidc_rp_with_keys(ctx, op, "oidc-backchannel", "logout token",
                      check_logout_token, &c);
    return c.st;
}

void oidc_rp_backchannel_logout(const oidc_rp_ctx_t *ctx,
                                const char *form_body, oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const oidc_provider_snapshot_t *op;
    oidc_logout_token_t *lt;
    oidc_logout_token_status_t st;
    apr_table_t *params;
    const char *token, *detail;
    int store_down, ended;

    oidc_rp_result_init(p, res);
    if (oidc_params_parse(p, form_body, OIDC_MAX_JWT_LEN + 64, &params)
            != OIDC_PARAMS_OK
        || (token = apr_table_get(params, "logout_token")) == NULL) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-backchannel",
                 "request without a usable logout_token parameter");
        oidc_rp_fail(res, 400, "invalid_request", "logout_token is missing");
        return;
    }
    if (oidc_rp_provider_failed(ctx, res,
                                oidc_provider_get(cfg->provider, p, ctx->http,
                                                  ctx->log, ctx->now, &op))) {
        return;
    }
    st = validate_logout_token(ctx, &op, token, &lt, &detail);
    if (st != OIDC_LOGOUT_TOKEN_OK) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-backchannel",
                 "logout token rejected (%s): %s",
                 oidc_logout_token_status_name(st), detail ? detail : "");
        oidc_rp_fail(res, 400, "invalid_request",
                     "The logout token is invalid.");
        return;
    }
    if (oidc_rp_seen_before(ctx, JTI_SEEN_LABEL, lt->jti,
                    LOGOUT_TOKEN_MAX_AGE + 2 * cfg->skew, &store_down)) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-backchannel",
                 "logout token replayed (jti seen before)");
        oidc_rp_fail(res, 400, "invalid_request",
                     "The logout token was already used.");
        return;
    }
    ended = store_down ? -1
          : lt->sid ? end_indexed(ctx, OIDC_INDEX_SID, op->meta->issuer,
                                  lt->sid)
                    : end_indexed(ctx, OIDC_INDEX_SUB, op->meta->issuer,
                                  lt->sub);
    if (ended < 0) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                 "session store unavailable during back-channel logout");
        oidc_rp_fail(res, 503, "temporarily_unavailable",
             "Sessions are unavailable right now.");
        return;
    }
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-backchannel",
             "ended %d session(s) for %s %s", ended, lt->sid ? "sid" : "sub",
             lt->sid ? lt->sid : lt->sub);
    oidc_rp_page(res, "text/plain", "");
}

/* The browser's own session ends too, when its cookie came along and names
 * a session of this configuration (only then is an "ended" mark written). */
static void end_browser_session(const oidc_rp_ctx_t *ctx,
                                const oidc_request_t *req,
                                oidc_rp_result_t *res)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    const char *id = oidc_cookie_get(oidc_rp_request_cookies(ctx, req),
                                     cfg->cookie_name);
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    oidc_session_t *s;

    if (!oidc_session_id_wellformed(id)) {
        return;
    }
    if (oidc_rp_load_session(ctx, id, &s) == OIDC_LOOKUP_FOUND) {
        oidc_session_store_key(id, key);
        oidc_session_end(ctx->store, ctx->pool, key,
                         oidc_rp_ended_mark_expiry(ctx));
    }
    oidc_rp_add_cookie(res, oidc_cookie_make(ctx->pool, cfg->cookie_name, "",
                                     req->secure, 0));
}

void oidc_rp_frontchannel_logout(const oidc_rp_ctx_t *ctx,
                                 const oidc_request_t *req,
                                 oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const char *iss = NULL, *sid = NULL;
    apr_table_t *params;
    int ended = 0;

    oidc_rp_result_init(p, res);
    if (oidc_params_parse(p, req->query, 4096, &params) == OIDC_PARAMS_OK) {
        iss = apr_table_get(params, "iss");
        sid = apr_table_get(params, "sid");
    }
    if ((iss != NULL && strcmp(iss, cfg->issuer) != 0)
        || (sid != NULL && iss == NULL)) {
        /* Front-Channel Logout §2: iss and sid come together. */
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-frontchannel",
                 "logout request with a sid but another or no issuer");
        oidc_rp_fail(res, 400, "invalid_request", "Unknown issuer.");
        return;
    }
    if (sid != NULL && *sid != '\0' && strlen(sid) <= 255) {
        ended = end_indexed(ctx, OIDC_INDEX_SID, cfg->issuer, sid);
        if (ended < 0) {
            oidc_rp_fail(res, 503, "temporarily_unavailable",
                 "Sessions are unavailable right now.");
            return;
        }
    }
    end_browser_session(ctx, req, res);
    res->clear_site_data = 1;
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-frontchannel",
             "ended %d session(s) for the sid", ended);
    oidc_rp_page(res, "text/html; charset=utf-8",
         "<!DOCTYPE html><html><head><title>Signed out</title></head>"
         "<body>Signed out.</body></html>\n");
}
