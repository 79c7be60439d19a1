/*
 * oidc_lock_buckets.h: a lock from a counter, for stores whose client has
 * INCR but no SET NX (APR-util's redis client).
 *
 * Whoever turns a key from nothing into 1 holds it, and a lifetime is set
 * after. A process dying between the two would leave a key that never
 * expires, so the key name carries a time bucket as long as the hold: a
 * stray key stops mattering after three buckets. A lock taken late in one
 * bucket is still live early in the next (or, with clock skew, the
 * previous), so a new lock also requires both neighbouring buckets free.
 */
#ifndef OIDC_LOCK_BUCKETS_H
#define OIDC_LOCK_BUCKETS_H

#include "core/util/oidc_core.h"

/* The store operations the lock needs; each returns APR_SUCCESS or the
 * store's error. */
typedef struct {
    apr_status_t (*incr)(void *baton, const char *key, apr_uint32_t *count);
    apr_status_t (*set_ttl)(void *baton, const char *key,
                            apr_uint32_t seconds);
    /* APR_SUCCESS when the key exists, APR_NOTFOUND when not. */
    apr_status_t (*exists)(void *baton, apr_pool_t *p, const char *key);
    /* APR_NOTFOUND for a key that was not there. */
    apr_status_t (*del)(void *baton, const char *key);
    void *baton;
} oidc_bucket_store_t;

/* Whole seconds of a hold, at least 1. */
apr_uint32_t oidc_lock_hold_seconds(apr_interval_time_t hold);

/* APR_SUCCESS when the lock on name is now ours, APR_EEXIST when another
 * holds it, else the store's error (and nothing is left behind). */
apr_status_t oidc_bucket_lock(const oidc_bucket_store_t *st, apr_pool_t *p,
                              const char *name, apr_interval_time_t hold,
                              apr_time_t now);

/* Gives the lock on name back (only its holder calls this). */
apr_status_t oidc_bucket_unlock(const oidc_bucket_store_t *st, apr_pool_t *p,
                                const char *name, apr_interval_time_t hold,
                                apr_time_t now);

#endif
