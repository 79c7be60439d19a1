/* mod_authnz_oidc_authz.h: the `Require oidc-claim` authz provider. */
#ifndef MOD_AUTHNZ_OIDC_AUTHZ_H
#define MOD_AUTHNZ_OIDC_AUTHZ_H

#include <apr_pools.h>

void mod_oidc_authz_register(apr_pool_t *p);

#endif
