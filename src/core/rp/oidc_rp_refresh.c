/*
 * oidc_rp_refresh.c: refreshing a session's access token, once.
 *
 * With rotating refresh tokens, two refreshes of one session would send the
 * same refresh token twice, and the OP then revokes the whole grant. So one
 * request, on any process of any node, claims the session's refresh lock in
 * the store, reads the record again (someone may just have refreshed it),
 * refreshes, and stores the new tokens before it lets go. The others go on
 * with the current access token while it is still valid, or else poll the
 * record until its access_expires changes.
 */
#include <string.h>
#include <apr_time.h>

#include "core/rp/oidc_rp_refresh.h"
#include "core/http/oidc_cookie.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_json.h"
#include "core/proto/oidc_token.h"
#include "core/proto/oidc_userinfo.h"

#define LOCK_LABEL "mod_authnz_oidc refresh lock"
#define POLL_INTERVAL apr_time_from_msec(50)

static void lock_key(const char *id, unsigned char key[32])
{
    unsigned char skey[OIDC_SESSION_STORE_KEY_LEN];

    oidc_session_store_key(id, skey);
    oidc_sha256_labelled(LOCK_LABEL, skey, sizeof(skey), key);
}

/* Whether the record now holds other tokens than the ones we read. */
static int refreshed_since(const oidc_session_t *before,
                           const oidc_session_t *now)
{
    return now->access_expires != before->access_expires
        || now->access_issued != before->access_issued;
}

/* The OP refused: the grant is gone, so the session ends, and the user gets
 * what AuthOIDCRefreshFailure says. */
static oidc_refresh_outcome_t refused(const oidc_rp_ctx_t *ctx,
                                      const oidc_request_t *req,
                                      const char *id, oidc_rp_result_t *res)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];

    oidc_session_store_key(id, key);
    ctx->store->del(ctx->store, ctx->pool, key, sizeof(key));
    switch (ctx->cfg->refresh_failure) {
    case OIDC_REFRESH_FAILURE_401:
        oidc_rp_fail(res, 401, "invalid_token",
                     "Your session has expired. Please sign in again.");
        res->challenge = 1;
        break;
    case OIDC_REFRESH_FAILURE_502:
        oidc_rp_fail(res, 502, "server_error",
                     "The identity provider did not renew your session.");
        break;
    default:
        return OIDC_REFRESH_ENDED;
    }
    APR_ARRAY_PUSH(res->set_cookies, const char *) =
        oidc_cookie_make(ctx->pool, ctx->cfg->cookie_name, "", req->secure,
                         0);
    return OIDC_REFRESH_ANSWERED;
}

/* The OP could not be asked (or answered nonsense): the session stays, and
 * the request goes on while its access token is still valid. */
static oidc_refresh_outcome_t unavailable(const oidc_rp_ctx_t *ctx,
                                          const oidc_session_t *s, int status,
                                          oidc_rp_result_t *res)
{
    if (ctx->now < s->access_expires) {
        return OIDC_REFRESH_GO_ON;
    }
    oidc_rp_fail(res, status, "temporarily_unavailable",
                 "Your session could not be renewed right now. Please try "
                 "again later.");
    return OIDC_REFRESH_ANSWERED;
}

/* The session's claims with a refreshed ID token's laid over them, so that
 * UserInfo claims merged at login stay. NULL on failure. */
static const json_t *claims_with(apr_pool_t *p, const char *claims,
                                 const json_t *id_claims)
{
    json_t *before = claims ? oidc_json_parse(p, claims, strlen(claims))
                            : NULL;

    return json_is_object(before) ? oidc_userinfo_merge(p, before, id_claims)
                                  : NULL;
}

/* A refreshed ID token must be valid and continue the original one. On
 * success s has its token and claims. */
static int accept_id_token(const oidc_rp_ctx_t *ctx,
                           const oidc_provider_snapshot_t *op,
                           const oidc_token_resp_t *tok, oidc_session_t *s)
{
    oidc_idtoken_params_t prm;
    oidc_idtoken_t *idt;
    oidc_idtoken_status_t st;
    oidc_jwt_t *original;
    const char *detail = NULL;
    const json_t *claims;
    const char *original_token = oidc_session_id_token(ctx->pool, s);

    memset(&prm, 0, sizeof(prm));
    prm.issuer = op->meta->issuer;
    prm.client_id = ctx->cfg->client.id;
    prm.access_token = tok->access_token;
    prm.now = ctx->now;
    prm.skew = ctx->cfg->skew;
    prm.iat_max_age = OIDC_RP_IAT_MAX_AGE;
    st = oidc_rp_validate_id_token(ctx, &op, tok->id_token, &prm, &idt,
                                   &detail);
    if (st != OIDC_IDTOKEN_OK) {
        detail = apr_pstrcat(ctx->pool, oidc_idtoken_status_name(st), ": ",
                             detail ? detail : "", NULL);
    }
    else if (original_token == NULL
             || oidc_jwt_parse(ctx->pool, original_token, &original)
                != NULL) {
        detail = "the session has no original ID token to compare with";
    }
    else {
        detail = oidc_idtoken_continues(original->claims, idt->claims);
    }
    if (detail != NULL) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-refresh",
                 "refreshed ID token rejected: %s", detail);
        return 0;
    }
    claims = claims_with(ctx->pool, oidc_session_claims(ctx->pool, s),
                         idt->claims);
    if (claims == NULL) {
        return 0;
    }
    s->id_token = tok->id_token;
    return oidc_session_set_claims_doc(ctx->pool, s, claims) == APR_SUCCESS;
}

/* Under the lock: the token request, and the new tokens stored. */
static oidc_refresh_outcome_t refresh_now(const oidc_rp_ctx_t *ctx,
                                          const oidc_request_t *req,
                                          const char *id, oidc_session_t *s,
                                          oidc_rp_result_t *res)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    const oidc_provider_snapshot_t *op;
    oidc_token_resp_t tok;
    oidc_outcome_t st;
    const char *detail;
    unsigned char skey[OIDC_SESSION_STORE_KEY_LEN];

    if (oidc_provider_get(cfg->provider, ctx->pool, ctx->http, ctx->log,
                          ctx->now, &op) != OIDC_OUTCOME_OK) {
        return unavailable(ctx, s, 503, res);
    }
    st = oidc_token_refresh(ctx->pool, ctx->http, op->meta->token_endpoint,
                            &cfg->client, s->refresh_token, &tok, &detail);
    if (st == OIDC_OUTCOME_REFUSED) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-refresh",
                 "the provider refused to refresh the access token of "
                 "subject %s (%s): the session ends", s->sub, detail);
        return refused(ctx, req, id, res);
    }
    if (st != OIDC_OUTCOME_OK) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-refresh",
                 "refresh request to %s failed: %s", op->meta->token_endpoint,
                 detail ? detail : "unknown error");
        return unavailable(ctx, s, oidc_outcome_http_status(st),
                           res);
    }
    if (tok.id_token != NULL) {
        if (!accept_id_token(ctx, op, &tok, s)) {
            return refused(ctx, req, id, res);
        }
    }
    s->access_token = tok.access_token;
    s->access_issued = ctx->now;
    s->access_expires = tok.expires_in >= 0 ? ctx->now + tok.expires_in : 0;
    if (tok.refresh_token != NULL) {
        s->refresh_token = tok.refresh_token;   /* rotated */
    }
    s->last_seen = ctx->now;
    if (oidc_rp_save_session(ctx, id, s, res) != APR_SUCCESS) {
        /* A rotated refresh token that was not stored is lost, and with it
         * the grant: say so. */
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-refresh",
                 "refreshed tokens could not be stored; the session may "
                 "have to sign in again");
        return OIDC_REFRESH_ANSWERED;
    }
    oidc_session_store_key(id, skey);
    if (oidc_session_was_ended(ctx->store, ctx->pool, skey)) {
        /* Logged out while we refreshed: the logout stands. */
        ctx->store->del(ctx->store, ctx->pool, skey, sizeof(skey));
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-refresh",
                 "the session ended during its refresh");
        return OIDC_REFRESH_ENDED;
    }
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-refresh",
             "refreshed the access token of subject %s%s", s->sub,
             tok.refresh_token ? " (refresh token rotated)" : "");
    return OIDC_REFRESH_GO_ON;
}

oidc_refresh_outcome_t oidc_rp_refresh_if_due(const oidc_rp_ctx_t *ctx,
                                              const oidc_request_t *req,
                                              const char *id,
                                              oidc_session_t **s,
                                              oidc_rp_result_t *res)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    unsigned char key[32];
    apr_time_t give_up;
    oidc_refresh_outcome_t outcome;
    oidc_session_t *seen = *s, *current;
    apr_status_t rv;

    if (!oidc_session_refresh_due(seen, ctx->now, cfg->refresh_before)) {
        return OIDC_REFRESH_GO_ON;
    }
    give_up = apr_time_now() + cfg->refresh_hold + apr_time_from_sec(1);
    lock_key(id, key);
    for (;;) {
        rv = ctx->store->lock(ctx->store, ctx->pool, key, sizeof(key),
                               cfg->refresh_hold);
        if (rv != APR_SUCCESS && rv != APR_EEXIST) {
            oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                     "session store unavailable for the refresh lock "
                     "(status %d)", rv);
            return unavailable(ctx, seen, 503, res);
        }
        if (rv == APR_EEXIST && ctx->now < seen->access_expires) {
            return OIDC_REFRESH_GO_ON;   /* another is on it; ours works */
        }
        if (rv == APR_EEXIST) {
            apr_sleep(POLL_INTERVAL);
        }
        /* Read the record again: it may have been refreshed or ended. */
        switch (oidc_rp_reload_session(ctx, id, &current)) {
        case OIDC_LOOKUP_STORE_DOWN:
            outcome = unavailable(ctx, seen, 503, res);
            break;
        case OIDC_LOOKUP_NONE:
            outcome = OIDC_REFRESH_ENDED;
            break;
        default:
            if (refreshed_since(seen, current)) {
                *s = current;
                outcome = OIDC_REFRESH_GO_ON;
            }
            else if (rv == APR_SUCCESS) {
                *s = current;
                outcome = refresh_now(ctx, req, id, current, res);
            }
            else if (apr_time_now() > give_up) {
                oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-refresh",
                         "gave up waiting for another request's refresh");
                outcome = unavailable(ctx, seen, 503, res);
            }
            else {
                continue;
            }
        }
        if (rv == APR_SUCCESS) {
            ctx->store->unlock(ctx->store, ctx->pool, key, sizeof(key),
                                cfg->refresh_hold);
        }
        return outcome;
    }
}
