/* mod_authnz_oidc_lock.h: atomic locks on memcache and redis servers. */
#ifndef MOD_AUTHNZ_OIDC_LOCK_H
#define MOD_AUTHNZ_OIDC_LOCK_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct oidc_lock_client_t oidc_lock_client_t;
/* What the servers speak; 0 stands for none (a store of one node). */
typedef enum {
    OIDC_LOCK_MEMCACHE = 1,
    OIDC_LOCK_REDIS
} oidc_lock_protocol_t;
/* servers: oidc_store_server_t */
oidc_lock_client_t *oidc_lock_client_make(apr_pool_t *pconf,
                                            oidc_lock_protocol_t protocol,
                                            const apr_array_header_t *servers,
                                            const char **err);
apr_status_t oidc_lock_take(oidc_lock_client_t *c, apr_pool_t *p,
                             const unsigned char *key, apr_size_t key_len,
                             apr_interval_time_t hold);
apr_status_t oidc_lock_give_back(oidc_lock_client_t *c, apr_pool_t *p,
                                  const unsigned char *key,
                                  apr_size_t key_len,
                                  apr_interval_time_t hold);
/* A second opinion on a key that mod_socache_* did not find: this client's
 * own lookup, or an error while it cannot reach the server. */
apr_status_t oidc_lock_client_get(oidc_lock_client_t *c, apr_pool_t *p,
                                   const char *key_text, char **val,
                                   apr_size_t *len);

#endif
