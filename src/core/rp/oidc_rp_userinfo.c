/* oidc_rp_userinfo.c: claims from the UserInfo endpoint, at login and
 * every AuthOIDCUserInfoRefreshInterval. */
#include "core/rp/oidc_rp_internal.h"
#include "core/jose/oidc_jwt.h"
#include "core/proto/oidc_userinfo.h"

/* The session's claims with fresh UserInfo merged under the ID token's.
 * NULL when UserInfo could not be used: the caller keeps what it had. */
const json_t *oidc_rp_claims_with_userinfo(const oidc_rp_ctx_t *ctx,
                                          const oidc_provider_snapshot_t *op,
                                          const char *access_token,
                                          const char *sub,
                                          const json_t *id_claims)
{
    const char *endpoint = op->meta->userinfo_endpoint, *detail;
    json_t *ui;
    oidc_outcome_t st;

    if (endpoint == NULL || access_token == NULL) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-userinfo",
                 "AuthOIDCUserInfo is on, but %s",
                 endpoint ? "there is no access token"
                          : "the provider has no userinfo_endpoint");
        return NULL;
    }
    st = oidc_userinfo_fetch(ctx->pool, ctx->http, endpoint, access_token,
                             sub, &ui, &detail);
    if (st != OIDC_OUTCOME_OK) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-userinfo",
                 "UserInfo from %s not used: %s", endpoint,
                 detail ? detail : "unknown error");
        return NULL;
    }
    return oidc_userinfo_merge(ctx->pool, ui, id_claims);
}

/* Refreshes the claims of a live session from UserInfo every
 * AuthOIDCUserInfoRefreshInterval; a failure keeps the old claims. */
void oidc_rp_refresh_userinfo(const oidc_rp_ctx_t *ctx, oidc_session_t *s)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    const oidc_provider_snapshot_t *op;
    const json_t *merged;
    const char *token = oidc_session_id_token(ctx->pool, s);
    oidc_jwt_t *idt;

    s->userinfo_at = ctx->now;
    if (oidc_provider_get(cfg->provider, ctx->pool, ctx->http, ctx->log,
                          ctx->now, &op) != OIDC_OUTCOME_OK
        || token == NULL
        || oidc_jwt_parse(ctx->pool, token, &idt) != NULL) {
        return;
    }
    /* The ID token was verified at login and is stored sealed. */
    merged = oidc_rp_claims_with_userinfo(ctx, op, s->access_token, s->sub,
                                  idt->claims);
    if (merged != NULL) {
        oidc_session_set_claims_doc(ctx->pool, s, merged);
    }
}

int oidc_rp_userinfo_due(const oidc_rp_ctx_t *ctx, const oidc_session_t *s)
{
    const oidc_rp_config_t *cfg = ctx->cfg;

    return cfg->userinfo && cfg->userinfo_interval > 0
        && ctx->now - s->userinfo_at > cfg->userinfo_interval;
}
