/* mod_authnz_oidc_store.h: session stores on httpd's ap_socache
 * providers, as the core's oidc_store_t. */
#ifndef MOD_AUTHNZ_OIDC_STORE_H
#define MOD_AUTHNZ_OIDC_STORE_H

#include <httpd.h>
#include <ap_socache.h>
#include <apr_global_mutex.h>

#include "mod/store/mod_authnz_oidc_lock.h"
#include "mod/store/mod_authnz_oidc_feed.h"
#include "core/session/oidc_store.h"

/* A session store: one ap_socache instance per distinct spec. */
typedef struct mod_oidc_store_t {
    const char *spec;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;    /* NOTMPSAFE providers, local locks */
    mod_oidc_lock_client_t *locks; /* memcache, redis: NULL else */
    /* Per-key-hash write counters, so that each process may keep records
     * it opened (oidc_session_cache): in shared memory for shmcb, bumped by
     * every write on the node; per process for redis, bumped as redis
     * reports changes (feed). NULL else: memcache cannot report changes,
     * so it is read on every request. */
    volatile apr_uint64_t *generations;
    mod_oidc_feed_t *feed;        /* redis */
    int keep_records;             /* some provider keeps records (child_init) */
    server_rec *server;
    oidc_store_t store;           /* the core's view of it */
} mod_oidc_store_t;

int mod_oidc_store_pre_config(apr_pool_t *pconf);
/* NULL when spec names a loaded socache provider with what it needs; else
 * what is wrong and the fix, for the caller to prefix with the directive. */
const char *mod_oidc_store_check_spec(apr_pool_t *p, const char *spec);
mod_oidc_store_t *mod_oidc_store_open(apr_pool_t *pconf, apr_pool_t *ptemp,
                                      server_rec *s, const char *spec,
                                      apr_size_t max_record, const char **err);
void mod_oidc_store_child_init(apr_pool_t *p, server_rec *s);

#endif
