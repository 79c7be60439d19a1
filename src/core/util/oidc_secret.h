/* oidc_secret.h: resolving secrets written as `file:PATH`, `env:NAME` or a literal. */
#ifndef OIDC_SECRET_H
#define OIDC_SECRET_H

#include "core/util/oidc_core.h"

#define OIDC_MAX_SECRET_LEN 4096

/* Returns NULL and sets *err to a message that names the problem (but never
 * the secret) when the file cannot be read, the variable is unset, or the
 * value is empty or too long. A file's trailing newlines are dropped. */
const char *oidc_secret_resolve(apr_pool_t *p, const char *spec,
                                const char **err);

#endif
