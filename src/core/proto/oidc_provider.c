/* oidc_provider.c: fetching, caching and publishing OP metadata and JWKS. */
#include <apr_thread_mutex.h>

#include "core/proto/oidc_provider.h"

typedef struct snapshot_t {
    oidc_provider_snapshot_t pub;
    apr_pool_t *pool;
    int refs;
} snapshot_t;

struct oidc_provider_t {
    const char *issuer;
    apr_interval_time_t refresh;
    apr_thread_mutex_t *lock;       /* guards current, refs, failure times */
    apr_thread_mutex_t *fetching;   /* one fetch at a time per process */
    snapshot_t *current;
    apr_time_t failed_at;
    apr_time_t keys_refetched_at;
    oidc_outcome_t last_failure;
};

static void snapshot_unref_locked(snapshot_t *s)
{
    if (--s->refs == 0) {
        apr_pool_destroy(s->pool);
    }
}

/* The snapshot's pool is a root pool: without this, the provider's own
 * reference, and with it the keys and metadata, outlived pconf. Request
 * pools are sub-pools of pconf, so theirs are released before this runs. */
static apr_status_t provider_release(void *data)
{
    oidc_provider_t *pv = data;

    apr_thread_mutex_lock(pv->lock);
    if (pv->current != NULL) {
        snapshot_unref_locked(pv->current);
        pv->current = NULL;
    }
    apr_thread_mutex_unlock(pv->lock);
    return APR_SUCCESS;
}

oidc_provider_t *oidc_provider_create(apr_pool_t *pconf, const char *issuer,
                                      apr_interval_time_t refresh_interval)
{
    oidc_provider_t *pv = apr_pcalloc(pconf, sizeof(*pv));

    pv->issuer = apr_pstrdup(pconf, issuer);
    pv->refresh = refresh_interval;
    apr_thread_mutex_create(&pv->lock, APR_THREAD_MUTEX_DEFAULT, pconf);
    apr_thread_mutex_create(&pv->fetching, APR_THREAD_MUTEX_DEFAULT, pconf);
    /* Registered after the mutexes, so it runs before they are destroyed. */
    apr_pool_cleanup_register(pconf, pv, provider_release,
                              apr_pool_cleanup_null);
    return pv;
}

static apr_status_t snapshot_release(void *data)
{
    snapshot_t *s = data;
    /* The provider outlives every request pool; its lock is reachable
     * through the snapshot's owner pointer stored in the pool userdata. */
    oidc_provider_t *pv = NULL;

    apr_pool_userdata_get((void **)&pv, "oidc_provider", s->pool);
    apr_thread_mutex_lock(pv->lock);
    snapshot_unref_locked(s);
    apr_thread_mutex_unlock(pv->lock);
    return APR_SUCCESS;
}

static const oidc_provider_snapshot_t *acquire_locked(oidc_provider_t *pv,
                                                      apr_pool_t *p)
{
    snapshot_t *s = pv->current;

    s->refs++;
    apr_pool_cleanup_register(p, s, snapshot_release, apr_pool_cleanup_null);
    return &s->pub;
}

static void publish(oidc_provider_t *pv, snapshot_t *s)
{
    snapshot_t *old;

    apr_thread_mutex_lock(pv->lock);
    old = pv->current;
    s->refs = 1;                /* the provider's own reference */
    pv->current = s;
    pv->failed_at = 0;
    if (old != NULL) {
        snapshot_unref_locked(old);
    }
    apr_thread_mutex_unlock(pv->lock);
}

static oidc_outcome_t fetch_json(apr_pool_t *p,
                                 const oidc_http_t *http,
                                 const oidc_log_t *log,
                                 const char *what, const char *url,
                                 oidc_http_resp_t *resp)
{
    oidc_http_req_t req = { "GET", url, NULL, NULL };
    const char *err;
    apr_status_t rv = http->send(http, p, &req, resp, &err);

    if (rv != APR_SUCCESS) {
        oidc_log(log, OIDC_LOG_ERR, "oidc-provider",
                 "fetching %s from %s failed: %s", what, url, err);
        return oidc_outcome_of_send(rv);
    }
    if (resp->status != 200) {
        oidc_log(log, OIDC_LOG_ERR, "oidc-provider",
                 "fetching %s from %s: HTTP status %d", what, url,
                 resp->status);
        return resp->status == 503 ? OIDC_OUTCOME_UNREACHABLE
                                   : OIDC_OUTCOME_BAD_RESPONSE;
    }
    return OIDC_OUTCOME_OK;
}

static oidc_outcome_t fetch_keys(apr_pool_t *p,
                                 const oidc_http_t *http,
                                 const oidc_log_t *log,
                                 const char *jwks_uri,
                                 const oidc_jwks_t **jwks)
{
    oidc_http_resp_t resp;
    oidc_jwks_t *parsed;
    const char *why;
    oidc_outcome_t st = fetch_json(p, http, log, "JWKS", jwks_uri,
                                           &resp);

    if (st != OIDC_OUTCOME_OK) {
        return st;
    }
    why = oidc_jwks_parse(p, resp.body, resp.len, &parsed);
    if (why != NULL) {
        oidc_log(log, OIDC_LOG_ERR, "oidc-provider", "JWKS from %s: %s",
                 jwks_uri, why);
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    *jwks = parsed;
    return OIDC_OUTCOME_OK;
}

static snapshot_t *snapshot_new(oidc_provider_t *pv)
{
    apr_pool_t *pool;
    snapshot_t *s;

    /* A root pool: snapshots are made and freed from any thread. */
    if (apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_tag(pool, "oidc_provider_snapshot");
    apr_pool_userdata_setn(pv, "oidc_provider", NULL, pool);
    s = apr_pcalloc(pool, sizeof(*s));
    s->pool = pool;
    return s;
}

static oidc_outcome_t fetch_all(oidc_provider_t *pv,
                                const oidc_http_t *http,
                                const oidc_log_t *log, apr_time_t now)
{
    snapshot_t *s = snapshot_new(pv);
    oidc_http_resp_t resp;
    oidc_metadata_t *meta;
    const char *why, *url;
    oidc_outcome_t st;

    if (s == NULL) {
        return OIDC_OUTCOME_BAD_RESPONSE;
    }
    url = oidc_metadata_url(s->pool, pv->issuer);
    st = fetch_json(s->pool, http, log, "discovery document", url, &resp);
    if (st == OIDC_OUTCOME_OK) {
        int wrong_issuer = 0;
        why = oidc_metadata_parse(s->pool, resp.body, resp.len, pv->issuer,
                                  &meta, &wrong_issuer);
        if (why != NULL) {
            oidc_log(log, OIDC_LOG_ERR, "oidc-provider", "%s: %s",
                     url, why);
            st = wrong_issuer ? OIDC_OUTCOME_MISCONFIGURED
                              : OIDC_OUTCOME_BAD_RESPONSE;
        }
    }
    if (st == OIDC_OUTCOME_OK) {
        s->pub.meta = meta;
        st = fetch_keys(s->pool, http, log, meta->jwks_uri, &s->pub.jwks);
    }
    if (st != OIDC_OUTCOME_OK) {
        apr_pool_destroy(s->pool);
        return st;
    }
    s->pub.fetched = now;
    oidc_log(log, OIDC_LOG_INFO, "oidc-provider",
             "loaded the metadata and %d signing keys of %s",
             s->pub.jwks->keys->nelts, pv->issuer);
    publish(pv, s);
    return OIDC_OUTCOME_OK;
}

oidc_outcome_t oidc_provider_get(oidc_provider_t *pv, apr_pool_t *p,
                                 const oidc_http_t *http,
                                 const oidc_log_t *log,
                                 apr_time_t now,
                                 const oidc_provider_snapshot_t **snap)
{
    oidc_outcome_t st = OIDC_OUTCOME_OK;
    int stale, have;

    *snap = NULL;
    apr_thread_mutex_lock(pv->lock);
    stale = pv->current == NULL || now - pv->current->pub.fetched > pv->refresh;
    if (!stale || (pv->current != NULL && pv->failed_at != 0
                   && now - pv->failed_at < OIDC_PROVIDER_FAILURE_BACKOFF)) {
        *snap = acquire_locked(pv, p);
        apr_thread_mutex_unlock(pv->lock);
        return OIDC_OUTCOME_OK;
    }
    if (pv->current == NULL && pv->failed_at != 0
        && now - pv->failed_at < OIDC_PROVIDER_FAILURE_BACKOFF) {
        st = pv->last_failure;
        apr_thread_mutex_unlock(pv->lock);
        return st;
    }
    have = pv->current != NULL;
    apr_thread_mutex_unlock(pv->lock);

    /* Stale but present: one thread refreshes, the others go on with it. */
    if (have) {
        if (apr_thread_mutex_trylock(pv->fetching) == APR_SUCCESS) {
            st = fetch_all(pv, http, log, now);
            apr_thread_mutex_unlock(pv->fetching);
        }
    }
    else {
        apr_thread_mutex_lock(pv->fetching);
        apr_thread_mutex_lock(pv->lock);
        have = pv->current != NULL;
        apr_thread_mutex_unlock(pv->lock);
        if (!have) {
            st = fetch_all(pv, http, log, now);
        }
        apr_thread_mutex_unlock(pv->fetching);
    }

    apr_thread_mutex_lock(pv->lock);
    if (st != OIDC_OUTCOME_OK) {
        pv->failed_at = now;
        pv->last_failure = st;
    }
    if (pv->current != NULL) {
        *snap = acquire_locked(pv, p);
        st = OIDC_OUTCOME_OK;
    }
    apr_thread_mutex_unlock(pv->lock);
    return st;
}

oidc_outcome_t oidc_provider_refresh_keys(
    oidc_provider_t *pv, apr_pool_t *p, const oidc_http_t *http,
    const oidc_log_t *log, apr_time_t now,
    const oidc_provider_snapshot_t **snap)
{
    snapshot_t *s;
    const oidc_metadata_t *meta;
    oidc_outcome_t st;
    int throttled;

    apr_thread_mutex_lock(pv->fetching);
    apr_thread_mutex_lock(pv->lock);
    throttled = pv->current == NULL || (pv->keys_refetched_at != 0
        && now - pv->keys_refetched_at < OIDC_PROVIDER_KEY_REFETCH_THROTTLE);
    if (!throttled) {
        pv->keys_refetched_at = now;
    }
    meta = pv->current ? pv->current->pub.meta : NULL;
    apr_thread_mutex_unlock(pv->lock);

    st = OIDC_OUTCOME_OK;
    if (!throttled && (s = snapshot_new(pv)) != NULL) {
        /* Metadata is immutable; the new snapshot copies what it keeps. */
        oidc_metadata_t *m = apr_pmemdup(s->pool, meta, sizeof(*meta));
        m->issuer = apr_pstrdup(s->pool, meta->issuer);
        m->authorization_endpoint = apr_pstrdup(s->pool,
                                                meta->authorization_endpoint);
        m->token_endpoint = apr_pstrdup(s->pool, meta->token_endpoint);
        m->jwks_uri = apr_pstrdup(s->pool, meta->jwks_uri);
        m->userinfo_endpoint = apr_pstrdup(s->pool, meta->userinfo_endpoint);
        m->end_session_endpoint = apr_pstrdup(s->pool,
                                              meta->end_session_endpoint);
        m->revocation_endpoint = apr_pstrdup(s->pool,
                                             meta->revocation_endpoint);
        s->pub.meta = m;
        st = fetch_keys(s->pool, http, log, m->jwks_uri, &s->pub.jwks);
        if (st == OIDC_OUTCOME_OK) {
            apr_thread_mutex_lock(pv->lock);
            s->pub.fetched = pv->current->pub.fetched;
            apr_thread_mutex_unlock(pv->lock);
            publish(pv, s);
        }
        else {
            apr_pool_destroy(s->pool);
        }
    }
    apr_thread_mutex_unlock(pv->fetching);

    apr_thread_mutex_lock(pv->lock);
    *snap = pv->current ? acquire_locked(pv, p) : NULL;
    apr_thread_mutex_unlock(pv->lock);
    return *snap ? st : OIDC_OUTCOME_UNREACHABLE;
}
