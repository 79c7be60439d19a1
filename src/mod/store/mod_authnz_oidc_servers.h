/* mod_authnz_oidc_servers.h: the servers of a memcache or redis store
 * spec ("host[:port],..."), for the store, its locks and its feed. */
#ifndef MOD_AUTHNZ_OIDC_SERVERS_H
#define MOD_AUTHNZ_OIDC_SERVERS_H

#include <apr_network_io.h>
#include <apr_tables.h>

#define MOD_OIDC_STORE_MAX_SERVERS 16
typedef struct {
    const char *host;
    apr_port_t port;
} mod_oidc_store_server_t;
/* An array of mod_oidc_store_server_t, a missing port being default_port;
 * NULL with *err when the list is empty, too long or malformed. */
apr_array_header_t *mod_oidc_store_servers(apr_pool_t *p, const char *list,
                                           apr_port_t default_port,
                                           const char **err);

#endif
