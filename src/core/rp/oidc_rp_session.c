/* oidc_rp_session.c: the session a request's cookie names, through the
 * configuration's sessions (oidc_sessions.h), and what the user is told
 * when it cannot be saved. */
#include "core/rp/oidc_rp_internal.h"
#include "core/cache/oidc_sessions.h"

static oidc_sessions_t sessions_of(const oidc_rp_ctx_t *ctx)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    oidc_sessions_t ss;

    ss.store = ctx->store;
    ss.cache = cfg->cache;
    ss.key = cfg->session_key;
    ss.binding = oidc_rp_session_binding(cfg);
    ss.max_record = cfg->max_record;
    ss.inactivity = cfg->inactivity;
    ss.max_age = cfg->max_age;
    ss.claim_prefix = cfg->claim_prefix;
    ss.log = ctx->log;
    return ss;
}

oidc_lookup_t oidc_rp_load_session(const oidc_rp_ctx_t *ctx, const char *id,
                                   oidc_session_t **out)
{
    oidc_sessions_t ss = sessions_of(ctx);
    return oidc_sessions_load(&ss, ctx->pool, ctx->now, id, out);
}

oidc_lookup_t oidc_rp_reload_session(const oidc_rp_ctx_t *ctx, const char *id,
                                     oidc_session_t **out)
{
    oidc_sessions_t ss = sessions_of(ctx);
    return oidc_sessions_reload(&ss, ctx->pool, ctx->now, id, out);
}

apr_status_t oidc_rp_save_session(const oidc_rp_ctx_t *ctx, const char *id,
                                  const oidc_session_t *s,
                                  oidc_rp_result_t *res)
{
    oidc_sessions_t ss = sessions_of(ctx);

    switch (oidc_sessions_save(&ss, ctx->pool, id, s)) {
    case OIDC_SAVE_OK:
        return APR_SUCCESS;
    case OIDC_SAVE_TOO_LARGE:
        oidc_rp_fail(res, 500, "server_error",
             "Your sign-in could not be saved: the session is too large.");
        return APR_ENOSPC;
    default:
        oidc_rp_fail(res, 503, "temporarily_unavailable",
             "Your sign-in could not be saved. Please try again later.");
        return APR_EGENERAL;
    }
}

/* A kept record may trail the store (redis's report of another node's
 * write on its way), and a write from it could put back what that node
 * just replaced, a rotated refresh token say: a write starts from the
 * stored record. NULL when the session ended meanwhile; s itself when
 * the store cannot answer (the write will not either, and says so). */
oidc_session_t *oidc_rp_stored_for_write(const oidc_rp_ctx_t *ctx,
                                         const char *id, oidc_session_t *s)
{
    oidc_sessions_t ss = sessions_of(ctx);
    oidc_session_t *stored;

    if (!oidc_sessions_may_trail(&ss)) {
        return s;
    }
    switch (oidc_sessions_reload(&ss, ctx->pool, ctx->now, id, &stored)) {
    case OIDC_LOOKUP_FOUND:
        return stored;
    case OIDC_LOOKUP_NONE:
        return NULL;
    default:
        return s;
    }
}
