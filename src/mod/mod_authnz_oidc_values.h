/* mod_authnz_oidc_values.h: checks of directive values shared by several
 * directives. */
#ifndef MOD_AUTHNZ_OIDC_VALUES_H
#define MOD_AUTHNZ_OIDC_VALUES_H

#include <apr_pools.h>
#include <apr_time.h>

/* An http:// or https:// URL (by its scheme alone). */
int mod_oidc_is_http_url(const char *s);

/* Non-empty, of letters, digits and the characters of `extra` only. */
int mod_oidc_is_token(const char *s, const char *extra);

/* The first character of s that RFC 3986 does not allow in a URI ('%' only
 * before two hex digits), or NULL. */
const char *mod_oidc_bad_url_char(const char *s);

/* "DIRECTIVE: 'c' (at position N) is not allowed in a URL: FIX", or NULL. */
const char *mod_oidc_url_chars_problem(apr_pool_t *p, const char *directive,
                                       const char *arg, const char *fix);

/* A whole number of seconds from min to max into *out; NULL, or the error
 * that names the directive and the range. */
const char *mod_oidc_parse_seconds(apr_pool_t *p, const char *directive,
                                   const char *arg, apr_int64_t min,
                                   apr_int64_t max, apr_interval_time_t *out);

/* A path of this server: one '/', no query, fragment or whitespace. */
int mod_oidc_is_local_path(const char *s);

/* A path the module answers itself (endpoint_of): not the site's root. */
int mod_oidc_is_endpoint_path(const char *s);

#endif
