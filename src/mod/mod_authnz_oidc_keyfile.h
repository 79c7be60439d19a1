/* mod_authnz_oidc_keyfile.h: AuthOIDCClientSigningKey's PEM file. */
#ifndef MOD_AUTHNZ_OIDC_KEYFILE_H
#define MOD_AUTHNZ_OIDC_KEYFILE_H

#include <httpd.h>

#include "core/jose/oidc_signing_key.h"

/* Reads and parses the private key at `spec` (file:PATH, relative to
 * ServerRoot). The file must be a regular file that only its owner can
 * read, owned by the user httpd starts as (root). NULL, or why not. */
const char *mod_oidc_load_signing_key(apr_pool_t *p, const char *spec,
                                      const char *alg, const char *kid,
                                      oidc_signing_key_t **out);

#endif
