/* oidc_cookie.h: reading the Cookie header and writing Set-Cookie values. */
#ifndef OIDC_COOKIE_H
#define OIDC_COOKIE_H

#include "core/util/oidc_core.h"

typedef struct {
    const char *name;
    const char *value;
} oidc_cookie_t;

/* Splits a Cookie header into its pairs, however many, reading at most its
 * first OIDC_MAX_COOKIE_HEADER bytes; pieces without '=' are skipped.
 * Order is kept. */
apr_array_header_t *oidc_cookies_parse(apr_pool_t *p, const char *header);

/* The first value for name, or NULL. */
const char *oidc_cookie_get(const apr_array_header_t *cookies,
                            const char *name);

/* The value of the first cookie named `name` in the header, as
 * oidc_cookie_get(oidc_cookies_parse(p, header), name) finds it, without
 * copying the others: a request's session lookup. */
const char *oidc_cookie_find(apr_pool_t *p, const char *header,
                             const char *name);

/* Whether the Cookie header is one cookie, named `name`, and nothing else:
 * what most requests to a protected page carry. */
int oidc_cookie_is_only(const char *header, const char *name);

/* The Cookie header without the cookies named `name` or starting with
 * `name` + "_flow_" (the module's own), or NULL when nothing else is left.
 * Other cookies are kept verbatim and in order, however many there are. */
const char *oidc_cookies_strip_own(apr_pool_t *p, const char *header,
                                   const char *name);

/* A Set-Cookie value: Path=/; HttpOnly; SameSite=Lax, Secure on https.
 * max_age < 0 means a browser-session cookie, 0 deletes it. */
const char *oidc_cookie_make(apr_pool_t *p, const char *name,
                             const char *value, int secure,
                             apr_interval_time_t max_age);

#endif
