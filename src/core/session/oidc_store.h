/* oidc_store.h: where sessions live. The module backs it with httpd's
 * ap_socache (shmcb, memcache, redis); unit tests with a table. */
#ifndef OIDC_STORE_H
#define OIDC_STORE_H

#include "core/util/oidc_core.h"

typedef struct oidc_store_t {
    /* APR_NOTFOUND when absent; anything else but APR_SUCCESS means the
     * store could not answer (a 503 for the user). */
    apr_status_t (*get)(const struct oidc_store_t *s, apr_pool_t *p,
                        const unsigned char *key, apr_size_t key_len,
                        unsigned char **val, apr_size_t *val_len);
    apr_status_t (*put)(const struct oidc_store_t *s, apr_pool_t *p,
                        const unsigned char *key, apr_size_t key_len,
                        apr_time_t expiry, const unsigned char *val,
                        apr_size_t val_len);
    apr_status_t (*del)(const struct oidc_store_t *s, apr_pool_t *p,
                        const unsigned char *key, apr_size_t key_len);
    /* Takes the name `key` for `hold` unless it is taken: APR_SUCCESS when
     * this caller took it, APR_EEXIST when someone holds it, anything else
     * when the store could not answer. Atomic across every process of every
     * node sharing the store, so it serves both as a lock (given back with
     * unlock) and as a single-use marker (left to lapse). Locks live apart
     * from get/put keys; a given key is always locked with the same hold. */
    apr_status_t (*lock)(const struct oidc_store_t *s, apr_pool_t *p,
                          const unsigned char *key, apr_size_t key_len,
                          apr_interval_time_t hold);
    apr_status_t (*unlock)(const struct oidc_store_t *s, apr_pool_t *p,
                            const unsigned char *key, apr_size_t key_len,
                            apr_interval_time_t hold);
    /* NULL when the store cannot tell. Otherwise a number for key that
     * every put and del of it, in any process of any node, changes
     * afterwards: while it stands, a record read before it was taken is
     * still the one stored (oidc_session_cache). 0 while the store cannot
     * vouch for that (its change feed is down): read it, keep nothing. */
    apr_uint64_t (*generation)(const struct oidc_store_t *s,
                               const unsigned char *key, apr_size_t key_len);
    void *baton;
} oidc_store_t;

#endif
