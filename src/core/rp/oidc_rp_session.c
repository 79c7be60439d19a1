/* oidc_rp_session.c: the session a request's cookie names: loading it,
 * reloading it before a write, saving it. */
#include <string.h>

#include "core/rp/oidc_rp_internal.h"
#include "core/cache/oidc_session_cache.h"

static oidc_rp_lookup_t fresh_session(const oidc_rp_ctx_t *ctx,
                                      const unsigned char *key,
                                      oidc_session_t *s, oidc_session_t **out);

static oidc_rp_lookup_t load_session(const oidc_rp_ctx_t *ctx,
                                     const char *id, int kept_ok,
                                     oidc_session_t **out)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    unsigned char *val, *plain;
    apr_size_t len, plain_len;
    apr_uint64_t gen = 0, kept_gen;
    int keeps = cfg->cache != NULL && ctx->store->generation != NULL;
    oidc_session_t *s;
    oidc_binding_t binding;
    oidc_rp_lookup_t found;
    apr_status_t rv;

    *out = NULL;
    /* The generation is taken before any store lookup: a write after it
     * makes what that lookup reads stale, and a kept copy is good only
     * while the generation it was read under still holds. An id the
     * cache knows is one this module made, well-formed. */
    if (keeps && kept_ok
        && oidc_session_cache_get(cfg->cache, id, ctx->pool, key,
                                  &kept_gen, &s)) {
        gen = ctx->store->generation(ctx->store, key, sizeof(key));
        if (gen != 0 && gen == kept_gen) {
            return fresh_session(ctx, key, s, out);
        }
    }
    else {
        if (!oidc_session_id_wellformed(id)) {
            oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-session",
                     "malformed session cookie ignored");
            return LOOKUP_NONE;
        }
        oidc_session_store_key(id, key);
        if (keeps) {
            gen = ctx->store->generation(ctx->store, key, sizeof(key));
        }
    }
    rv = ctx->store->get(ctx->store, ctx->pool, key, sizeof(key), &val, &len);
    if (rv == APR_NOTFOUND) {
        oidc_log(ctx->log, OIDC_LOG_DEBUG, "oidc-session",
                 "session cookie names no stored session (ended or expired)");
        return LOOKUP_NONE;
    }
    if (rv == APR_ENOSPC) {
        /* Stored before AuthOIDCSessionMaxSize was lowered: start over. */
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record is larger than AuthOIDCSessionMaxSize");
        ctx->store->del(ctx->store, ctx->pool, key, sizeof(key));
        return LOOKUP_NONE;
    }
    if (rv != APR_SUCCESS) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                 "session store lookup failed (status %d)", rv);
        return LOOKUP_STORE_DOWN;
    }
    binding = oidc_rp_session_binding(cfg);
    if (len > cfg->max_record
        || oidc_session_decrypt(ctx->pool, cfg->session_key, id, &binding,
                                val, len, &plain, &plain_len)
           != APR_SUCCESS) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record does not open here: made for "
                 "another provider or client (another virtual host or "
                 "location), under another session key, by an older "
                 "version of the module, or altered; treated as no session");
        return LOOKUP_NONE;
    }
    if (oidc_session_parse(ctx->pool, plain, plain_len, &s) != APR_SUCCESS
        || !oidc_session_bound_to(s, &binding)) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record is malformed or bound to another "
                 "provider or client");
        return LOOKUP_NONE;
    }
    found = fresh_session(ctx, key, s, out);
    /* Kept as this store read it, before the request changes anything. */
    if (found == LOOKUP_FOUND && cfg->cache != NULL && gen != 0) {
        oidc_session_cache_put(cfg->cache, id, key, gen, s, cfg->claim_prefix);
    }
    return found;
}

oidc_rp_lookup_t oidc_rp_load_session(const oidc_rp_ctx_t *ctx,
                                      const char *id, oidc_session_t **out)
{
    return load_session(ctx, id, 1, out);
}

oidc_rp_lookup_t oidc_rp_reload_session(const oidc_rp_ctx_t *ctx,
                                        const char *id, oidc_session_t **out)
{
    return load_session(ctx, id, 0, out);
}

/* The rest of load_session, for a record read now or kept. */
static oidc_rp_lookup_t fresh_session(const oidc_rp_ctx_t *ctx,
                                      const unsigned char *key,
                                      oidc_session_t *s, oidc_session_t **out)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    oidc_binding_t binding = oidc_rp_session_binding(cfg);

    if (!oidc_session_bound_to(s, &binding)) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "session is bound to another provider or client; treated "
                 "as no session");
        return LOOKUP_NONE;
    }
    switch (oidc_session_freshness(s, ctx->now, cfg->inactivity,
                                   cfg->max_age)) {
    case OIDC_SESSION_VALID:
        *out = s;
        return LOOKUP_FOUND;
    case OIDC_SESSION_IDLE:
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-session",
                 "session ended after inactivity");
        break;
    default:
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-session",
                 "session reached its maximum age");
    }
    ctx->store->del(ctx->store, ctx->pool, key, OIDC_SESSION_STORE_KEY_LEN);
    return LOOKUP_NONE;
}

apr_status_t oidc_rp_save_session(const oidc_rp_ctx_t *ctx, const char *id,
                                  const oidc_session_t *s,
                                  oidc_rp_result_t *res)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    unsigned char *rec;
    apr_size_t len;
    apr_status_t rv;

    rv = oidc_session_seal(ctx->pool, cfg->session_key, id, s,
                           cfg->max_record, &rec, &len);
    if (rv == APR_ENOSPC) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "session record exceeds the %" APR_SIZE_T_FMT " byte limit "
                 "(AuthOIDCSessionMaxSize); refused", cfg->max_record);
        oidc_rp_fail(res, 500, "server_error",
             "Your sign-in could not be saved: the session is too large.");
        return rv;
    }
    if (rv == APR_SUCCESS) {
        oidc_session_store_key(id, key);
        rv = ctx->store->put(ctx->store, ctx->pool, key, sizeof(key),
                             oidc_session_store_expiry(s, cfg->inactivity,
                                                       cfg->max_age),
                             rec, len);
    }
    if (rv != APR_SUCCESS) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                 "session store refused the session record (status %d, "
                 "%" APR_SIZE_T_FMT " bytes)", rv, len);
        oidc_rp_fail(res, 503, "temporarily_unavailable",
             "Your sign-in could not be saved. Please try again later.");
    }
    return rv;
}

/* A kept record may trail the store (redis's report of another node's
 * write on its way), and a write from it could put back what that node
 * just replaced, a rotated refresh token say: a write starts from the
 * stored record. NULL when the session ended meanwhile; s itself when
 * the store cannot answer (the write will not either, and says so). */
oidc_session_t *oidc_rp_stored_for_write(const oidc_rp_ctx_t *ctx,
                                        const char *id, oidc_session_t *s)
{
    oidc_session_t *stored;

    if (ctx->cfg->cache == NULL) {
        return s;
    }
    switch (oidc_rp_reload_session(ctx, id, &stored)) {
    case LOOKUP_FOUND:
        return stored;
    case LOOKUP_NONE:
        return NULL;
    default:
        return s;
    }
}
