/* mod_authnz_oidc_caching.h: what caches may keep of a response
 * made for one user. */
#ifndef MOD_AUTHNZ_OIDC_CACHING_H
#define MOD_AUTHNZ_OIDC_CACHING_H

#include <httpd.h>

/* A response made for one user: never stored by a shared cache, and with
 * policy (AuthOIDCCacheControl) unless the application sets its own. */
void mod_oidc_protect_from_caches(request_rec *r, const char *policy);
void mod_oidc_register_cache_filter(void);

#endif
