/* oidc_lock_buckets.c: INCR-based locks in time buckets. */
#include <apr_strings.h>

#include "core/cache/oidc_lock_buckets.h"

apr_uint32_t oidc_lock_hold_seconds(apr_interval_time_t hold)
{
    apr_int64_t s = (hold + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;
    return s < 1 ? 1 : (apr_uint32_t)s;
}

static const char *bucket_key(apr_pool_t *p, const char *name,
                              apr_uint32_t len, apr_int64_t bucket)
{
    return apr_psprintf(p, "%s:%u:%" APR_INT64_T_FMT, name, len, bucket);
}

/* APR_SUCCESS when both neighbours of bucket are free. */
static apr_status_t neighbours_free(const oidc_bucket_store_t *st,
                                    apr_pool_t *p, const char *name,
                                    apr_uint32_t len, apr_int64_t bucket)
{
    apr_status_t rv = APR_SUCCESS;
    int side;

    for (side = -1; rv == APR_SUCCESS && side <= 1; side += 2) {
        rv = st->exists(st->baton, p,
                        bucket_key(p, name, len, bucket + side));
        rv = rv == APR_SUCCESS ? APR_EEXIST
           : rv == APR_NOTFOUND ? APR_SUCCESS : rv;
    }
    return rv;
}

apr_status_t oidc_bucket_lock(const oidc_bucket_store_t *st, apr_pool_t *p,
                              const char *name, apr_interval_time_t hold,
                              apr_time_t now)
{
    apr_uint32_t len = oidc_lock_hold_seconds(hold), count = 0;
    apr_int64_t bucket = apr_time_sec(now) / len;
    const char *key = bucket_key(p, name, len, bucket);
    apr_status_t rv;

    rv = st->incr(st->baton, key, &count);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (count != 1) {
        return APR_EEXIST;
    }
    /* Live through the next bucket, where neighbours still look at it. */
    rv = st->set_ttl(st->baton, key, 2 * len + 1);
    if (rv == APR_SUCCESS) {
        rv = neighbours_free(st, p, name, len, bucket);
    }
    if (rv != APR_SUCCESS) {
        st->del(st->baton, key);
    }
    return rv;
}

apr_status_t oidc_bucket_unlock(const oidc_bucket_store_t *st, apr_pool_t *p,
                                const char *name, apr_interval_time_t hold,
                                apr_time_t now)
{
    apr_uint32_t len = oidc_lock_hold_seconds(hold);
    apr_int64_t bucket = apr_time_sec(now) / len;
    apr_status_t rv, worst = APR_SUCCESS;
    int side;

    /* Only the holder unlocks, so any live key of these buckets is its own
     * or a contender's that is about to give way. */
    for (side = -1; side <= 1; side++) {
        rv = st->del(st->baton, bucket_key(p, name, len, bucket + side));
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
            worst = rv;
        }
    }
    return worst;
}
