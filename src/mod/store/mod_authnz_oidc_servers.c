/* mod_authnz_oidc_servers.c: the server list of a memcache or redis store
 * spec, read once for the store's locks and its feed. */
#include <apr_strings.h>

#include "mod/store/mod_authnz_oidc_servers.h"

apr_array_header_t *mod_oidc_store_servers(apr_pool_t *p, const char *list,
                                           apr_port_t default_port,
                                           const char **err)
{
    apr_array_header_t *out = apr_array_make(p, 2,
                                             sizeof(mod_oidc_store_server_t));
    char *copy = apr_pstrdup(p, list ? list : ""), *last, *item;

    for (item = apr_strtok(copy, ",", &last); item != NULL;
         item = apr_strtok(NULL, ",", &last)) {
        mod_oidc_store_server_t *sv;
        char *host, *scope;
        apr_port_t port;

        if (out->nelts == MOD_OIDC_STORE_MAX_SERVERS
            || apr_parse_addr_port(&host, &scope, &port, item, p)
                   != APR_SUCCESS
            || host == NULL) {
            *err = apr_psprintf(p, "'%s' is not host:port (at most %d "
                                "servers)", item, MOD_OIDC_STORE_MAX_SERVERS);
            return NULL;
        }
        sv = apr_array_push(out);
        sv->host = host;
        sv->port = port ? port : default_port;
    }
    if (out->nelts == 0) {
        *err = "no servers named";
        return NULL;
    }
    return out;
}
