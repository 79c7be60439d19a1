/* oidc_redirect.h: validation of every URL the module redirects a browser to. */
#ifndef OIDC_REDIRECT_H
#define OIDC_REDIRECT_H

#include "core/util/oidc_core.h"

/*
 * Returns the absolute URL to redirect to, or NULL when target could leave
 * the site. Accepted: a path that starts with exactly one '/', or an
 * absolute URL whose scheme and authority equal self_origin
 * ("https://host[:port]"). Rejected: anything with control characters,
 * whitespace, backslashes or non-ASCII bytes, scheme-relative "//host",
 * userinfo, other schemes and other origins. A path is prefixed with
 * self_origin, so a browser can never read it as another host.
 */
const char *oidc_redirect_target(apr_pool_t *p, const char *target,
                                 const char *self_origin);

#endif
