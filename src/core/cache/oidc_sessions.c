/* oidc_sessions.c: loading and saving sessions, through the per-process
 * cache of opened records when the store has generations. */
#include <string.h>

#include "core/cache/oidc_sessions.h"
#include "core/cache/oidc_session_cache.h"

int oidc_sessions_may_trail(const oidc_sessions_t *ss)
{
    return ss->cache != NULL && ss->store->generation != NULL;
}

/* What every loaded session must still be: bound here, neither idle nor
 * too old. One that is not is deleted from the store. */
static oidc_lookup_t live_session(const oidc_sessions_t *ss, apr_pool_t *p,
                                  apr_time_t now, const unsigned char *key,
                                  oidc_session_t *s, oidc_session_t **out)
{
    if (!oidc_session_bound_to(s, &ss->binding)) {
        oidc_log(ss->log, OIDC_LOG_WARN, "oidc-session",
                 "session is bound to another provider or client; treated "
                 "as no session");
        return OIDC_LOOKUP_NONE;
    }
    switch (oidc_session_freshness(s, now, ss->inactivity, ss->max_age)) {
    case OIDC_SESSION_VALID:
        *out = s;
        return OIDC_LOOKUP_FOUND;
    case OIDC_SESSION_IDLE:
        oidc_log(ss->log, OIDC_LOG_INFO, "oidc-session",
                 "session ended after inactivity");
        break;
    default:
        oidc_log(ss->log, OIDC_LOG_INFO, "oidc-session",
                 "session reached its maximum age");
    }
    ss->store->del(ss->store, p, key, OIDC_SESSION_STORE_KEY_LEN);
    return OIDC_LOOKUP_NONE;
}

/* The record stored under key, opened. */
static oidc_lookup_t read_record(const oidc_sessions_t *ss, apr_pool_t *p,
                                 const char *id, const unsigned char *key,
                                 oidc_session_t **s)
{
    unsigned char *val, *plain;
    apr_size_t len, plain_len;
    apr_status_t rv;

    rv = ss->store->get(ss->store, p, key, OIDC_SESSION_STORE_KEY_LEN, &val,
                        &len);
    if (rv == APR_NOTFOUND) {
        oidc_log(ss->log, OIDC_LOG_DEBUG, "oidc-session",
                 "session cookie names no stored session (ended or expired)");
        return OIDC_LOOKUP_NONE;
    }
    if (rv == APR_ENOSPC) {
        /* Stored before AuthOIDCSessionMaxSize was lowered: start over. */
        oidc_log(ss->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record is larger than AuthOIDCSessionMaxSize");
        ss->store->del(ss->store, p, key, OIDC_SESSION_STORE_KEY_LEN);
        return OIDC_LOOKUP_NONE;
    }
    if (rv != APR_SUCCESS) {
        oidc_log(ss->log, OIDC_LOG_ERR, "oidc-store",
                 "session store lookup failed (status %d)", rv);
        return OIDC_LOOKUP_STORE_DOWN;
    }
    if (len > ss->max_record
        || oidc_session_decrypt(p, ss->key, id, &ss->binding, val, len,
                                &plain, &plain_len) != APR_SUCCESS) {
        oidc_log(ss->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record does not open here: made for "
                 "another provider or client (another virtual host or "
                 "location), under another session key, by an older "
                 "version of the module, or altered; treated as no session");
        return OIDC_LOOKUP_NONE;
    }
    if (oidc_session_parse(p, plain, plain_len, s) != APR_SUCCESS
        || !oidc_session_bound_to(*s, &ss->binding)) {
        oidc_log(ss->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record is malformed or bound to another "
                 "provider or client");
        return OIDC_LOOKUP_NONE;
    }
    return OIDC_LOOKUP_FOUND;
}

static oidc_lookup_t load(const oidc_sessions_t *ss, apr_pool_t *p,
                          apr_time_t now, const char *id, int kept_ok,
                          oidc_session_t **out)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    apr_uint64_t gen = 0, kept_gen;
    int keeps = oidc_sessions_may_trail(ss);
    oidc_session_t *s;
    oidc_lookup_t found;

    *out = NULL;
    /* The generation is taken before any store lookup: a write after it
     * makes what that lookup reads stale, and a kept copy is good only
     * while the generation it was read under still holds. An id the
     * cache knows is one this module made, well-formed. */
    if (keeps && kept_ok
        && oidc_session_cache_get(ss->cache, id, p, key, &kept_gen, &s)) {
        gen = ss->store->generation(ss->store, key, sizeof(key));
        if (gen != 0 && gen == kept_gen) {
            return live_session(ss, p, now, key, s, out);
        }
    }
    else {
        if (!oidc_session_id_wellformed(id)) {
            oidc_log(ss->log, OIDC_LOG_INFO, "oidc-session",
                     "malformed session cookie ignored");
            return OIDC_LOOKUP_NONE;
        }
        oidc_session_store_key(id, key);
        if (keeps) {
            gen = ss->store->generation(ss->store, key, sizeof(key));
        }
    }
    found = read_record(ss, p, id, key, &s);
    if (found == OIDC_LOOKUP_FOUND) {
        found = live_session(ss, p, now, key, s, out);
    }
    /* Kept as this store read it, before the request changes anything. */
    if (found == OIDC_LOOKUP_FOUND && keeps && gen != 0) {
        oidc_session_cache_put(ss->cache, id, key, gen, s, ss->claim_prefix);
    }
    return found;
}

oidc_lookup_t oidc_sessions_load(const oidc_sessions_t *ss, apr_pool_t *p,
                                 apr_time_t now, const char *id,
                                 oidc_session_t **out)
{
    return load(ss, p, now, id, 1, out);
}

oidc_lookup_t oidc_sessions_reload(const oidc_sessions_t *ss, apr_pool_t *p,
                                   apr_time_t now, const char *id,
                                   oidc_session_t **out)
{
    return load(ss, p, now, id, 0, out);
}

oidc_save_t oidc_sessions_save(const oidc_sessions_t *ss, apr_pool_t *p,
                               const char *id, const oidc_session_t *s)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    unsigned char *rec;
    apr_size_t len = 0;
    apr_status_t rv;

    rv = oidc_session_seal(p, ss->key, id, s, ss->max_record, &rec, &len);
    if (rv == APR_ENOSPC) {
        oidc_log(ss->log, OIDC_LOG_WARN, "oidc-session",
                 "session record exceeds the %" APR_SIZE_T_FMT " byte limit "
                 "(AuthOIDCSessionMaxSize); refused", ss->max_record);
        return OIDC_SAVE_TOO_LARGE;
    }
    if (rv == APR_SUCCESS) {
        oidc_session_store_key(id, key);
        rv = ss->store->put(ss->store, p, key, sizeof(key),
                            oidc_session_store_expiry(s, ss->inactivity,
                                                      ss->max_age),
                            rec, len);
    }
    if (rv != APR_SUCCESS) {
        oidc_log(ss->log, OIDC_LOG_ERR, "oidc-store",
                 "session store refused the session record (status %d, "
                 "%" APR_SIZE_T_FMT " bytes)", rv, len);
        return OIDC_SAVE_STORE_DOWN;
    }
    return OIDC_SAVE_OK;
}
