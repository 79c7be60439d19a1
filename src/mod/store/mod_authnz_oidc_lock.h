/* mod_authnz_oidc_lock.h: atomic locks on memcache and redis servers. */
#ifndef MOD_AUTHNZ_OIDC_LOCK_H
#define MOD_AUTHNZ_OIDC_LOCK_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct mod_oidc_lock_client_t mod_oidc_lock_client_t;
/* What the servers speak; 0 stands for none (a store of one node). */
typedef enum {
    MOD_OIDC_LOCK_MEMCACHE = 1,
    MOD_OIDC_LOCK_REDIS
} mod_oidc_lock_protocol_t;
/* servers: mod_oidc_store_server_t */
mod_oidc_lock_client_t *mod_oidc_lock_client_make(
    apr_pool_t *pconf, mod_oidc_lock_protocol_t protocol,
    const apr_array_header_t *servers, const char **err);
apr_status_t mod_oidc_lock_take(mod_oidc_lock_client_t *c, apr_pool_t *p,
                                const unsigned char *key, apr_size_t key_len,
                                apr_interval_time_t hold);
apr_status_t mod_oidc_lock_give_back(mod_oidc_lock_client_t *c, apr_pool_t *p,
                                     const unsigned char *key,
                                     apr_size_t key_len,
                                     apr_interval_time_t hold);
/* A second opinion on a key that mod_socache_* did not find: this client's
 * own lookup, or an error while it cannot reach the server. */
apr_status_t mod_oidc_lock_client_get(mod_oidc_lock_client_t *c, apr_pool_t *p,
                                      const char *key_text, char **val,
                                      apr_size_t *len);

#endif
