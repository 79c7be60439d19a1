/*
 * mod_authnz_oidc_lock.c: locks that every node sharing a memcache or
 * redis store agrees on (see lock in oidc_store.h).
 *
 * ap_socache has no atomic operation, so locks talk to the same servers
 * through APR-util's own memcache and redis clients:
 *  - memcache: "add" stores a key only when it is absent, which is a lock.
 *  - redis: APR-util has no SET NX, but INCR is atomic: a lock in time
 *    buckets (core/cache/oidc_lock_buckets.h) over INCR, SETEX, GET, DEL.
 */
#include <string.h>
#include <apr_memcache.h>
#include <apr_redis.h>
#include <apr_strings.h>
#include <ap_mpm.h>

#include "mod/store/mod_authnz_oidc_lock.h"
#include "mod/store/mod_authnz_oidc_servers.h"
#include "core/util/oidc_encode.h"
#include "core/cache/oidc_lock_buckets.h"

/* The key prefix of earlier releases: mixed-version nodes share locks. */
#define KEY_PREFIX "authnz_oidc:claim:"
#define CONN_TTL apr_time_from_sec(15)
#define REDIS_RW_TIMEOUT_SEC 5

struct mod_oidc_lock_client_t {
    apr_memcache_t *mc;
    apr_redis_t *rc;
};

/* Hex, so that binary keys are valid memcache and redis key text. */
static const char *key_text(apr_pool_t *p, const unsigned char *key,
                            apr_size_t len)
{
    return apr_pstrcat(p, KEY_PREFIX, oidc_hex_encode(p, key, len), NULL);
}

mod_oidc_lock_client_t *mod_oidc_lock_client_make(
    apr_pool_t *pconf, mod_oidc_lock_protocol_t protocol,
    const apr_array_header_t *servers, const char **err)
{
    mod_oidc_lock_client_t *c = apr_pcalloc(pconf, sizeof(*c));
    int redis = protocol == MOD_OIDC_LOCK_REDIS;
    int threads = 1, i;
    apr_status_t rv;

    ap_mpm_query(AP_MPMQ_HARD_LIMIT_THREADS, &threads);
    threads = threads < 1 ? 1 : threads;
    rv = redis ? apr_redis_create(pconf, MOD_OIDC_STORE_MAX_SERVERS, 0, &c->rc)
               : apr_memcache_create(pconf, MOD_OIDC_STORE_MAX_SERVERS, 0,
                                     &c->mc);
    if (rv != APR_SUCCESS) {
        *err = "cannot create a client for atomic locks";
        return NULL;
    }
    for (i = 0; i < servers->nelts; i++) {
        const mod_oidc_store_server_t *sv = &APR_ARRAY_IDX(
            servers, i, mod_oidc_store_server_t);
        if (redis) {
            apr_redis_server_t *rs;
            rv = apr_redis_server_create(pconf, sv->host, sv->port, 0,
                                         (apr_uint32_t)threads,
                                         (apr_uint32_t)threads, CONN_TTL,
                                         REDIS_RW_TIMEOUT_SEC, &rs);
            if (rv == APR_SUCCESS) {
                rv = apr_redis_add_server(c->rc, rs);
            }
        }
        else {
            apr_memcache_server_t *ms;
            rv = apr_memcache_server_create(pconf, sv->host, sv->port, 0,
                                            (apr_uint32_t)threads,
                                            (apr_uint32_t)threads, CONN_TTL,
                                            &ms);
            if (rv == APR_SUCCESS) {
                rv = apr_memcache_add_server(c->mc, ms);
            }
        }
        if (rv != APR_SUCCESS) {
            *err = apr_psprintf(pconf, "cannot use the server '%s:%d'",
                                sv->host, sv->port);
            return NULL;
        }
    }
    return c;
}

/* ---- the redis operations the bucket lock needs ------------------- */

static apr_status_t redis_incr(void *baton, const char *key,
                               apr_uint32_t *count)
{
    mod_oidc_lock_client_t *c = baton;
    return apr_redis_incr(c->rc, key, 1, count);
}

static apr_status_t redis_set_ttl(void *baton, const char *key,
                                  apr_uint32_t seconds)
{
    mod_oidc_lock_client_t *c = baton;
    char one[] = "1";
    return apr_redis_setex(c->rc, key, one, 1, seconds, 0);
}

static apr_status_t redis_exists(void *baton, apr_pool_t *p, const char *key)
{
    mod_oidc_lock_client_t *c = baton;
    char *val;
    apr_size_t vlen;
    apr_uint16_t flags;
    return apr_redis_getp(c->rc, p, key, &val, &vlen, &flags);
}

static apr_status_t redis_del(void *baton, const char *key)
{
    mod_oidc_lock_client_t *c = baton;
    return apr_redis_delete(c->rc, key, 0);
}

static oidc_bucket_store_t redis_buckets(mod_oidc_lock_client_t *c)
{
    oidc_bucket_store_t st = { redis_incr, redis_set_ttl, redis_exists,
                               redis_del, NULL };
    st.baton = c;
    return st;
}

apr_status_t mod_oidc_lock_take(mod_oidc_lock_client_t *c, apr_pool_t *p,
                                const unsigned char *key, apr_size_t key_len,
                                apr_interval_time_t hold)
{
    const char *name = key_text(p, key, key_len);
    char one[] = "1";

    if (c->rc != NULL) {
        oidc_bucket_store_t st = redis_buckets(c);
        return oidc_bucket_lock(&st, p, name, hold, apr_time_now());
    }
    return apr_memcache_add(c->mc, name, one, 1, oidc_lock_hold_seconds(hold),
                            0);
}

apr_status_t mod_oidc_lock_give_back(mod_oidc_lock_client_t *c, apr_pool_t *p,
                                     const unsigned char *key,
                                     apr_size_t key_len,
                                     apr_interval_time_t hold)
{
    const char *name = key_text(p, key, key_len);
    apr_status_t rv;

    if (c->rc != NULL) {
        oidc_bucket_store_t st = redis_buckets(c);
        return oidc_bucket_unlock(&st, p, name, hold, apr_time_now());
    }
    rv = apr_memcache_delete(c->mc, name, 0);
    return rv == APR_NOTFOUND ? APR_SUCCESS : rv;
}

apr_status_t mod_oidc_lock_client_get(mod_oidc_lock_client_t *c, apr_pool_t *p,
                                      const char *key_text, char **val,
                                      apr_size_t *len)
{
    apr_size_t n = strlen(key_text);
    apr_uint16_t flags;

    /* The clients answer "not found" while they hold every server for
     * dead; that is not an answer about the key. */
    if (c->rc != NULL) {
        if (apr_redis_find_server_hash(c->rc, apr_redis_hash(c->rc, key_text,
                                                             n)) == NULL) {
            return APR_EGENERAL;
        }
        return apr_redis_getp(c->rc, p, key_text, val, len, &flags);
    }
    if (apr_memcache_find_server_hash(c->mc, apr_memcache_hash(c->mc,
                                                               key_text,
                                                               n)) == NULL) {
        return APR_EGENERAL;
    }
    return apr_memcache_getp(c->mc, p, key_text, val, len, &flags);
}
