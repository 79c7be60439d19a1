/* oidc_encode.h: base64url (ours), hex, URL (form) and HTML escaping
 * (apr_escape.h), and safe comparisons. */
#ifndef OIDC_ENCODE_H
#define OIDC_ENCODE_H

#include "core/util/oidc_core.h"

/* Unpadded base64url (RFC 4648 §5), as JOSE and our cookies use it. */
const char *oidc_b64url_encode(apr_pool_t *p, const unsigned char *data,
                               apr_size_t len);
/* Strict: rejects padding, whitespace and any other character; returns
 * NULL on bad input. The result is NUL-terminated (not counted in *len). */
unsigned char *oidc_b64url_decode(apr_pool_t *p, const char *in,
                                  apr_size_t in_len, apr_size_t *len);
int oidc_is_b64url(const char *s, apr_size_t len);

const char *oidc_hex_encode(apr_pool_t *p, const unsigned char *d,
                            apr_size_t len);
/* Hex (either case) into out (len / 2 bytes); APR_EINVAL for an odd
 * length or any other character. */
apr_status_t oidc_hex_decode(const char *s, apr_size_t len,
                             unsigned char *out, apr_size_t *out_len);

/* application/x-www-form-urlencoded component encoding (space as +). */
const char *oidc_url_encode(apr_pool_t *p, const char *s);
/* Decodes %XX and '+'; NULL if a %-escape is malformed or decodes to NUL. */
char *oidc_url_decode(apr_pool_t *p, const char *s, apr_size_t len);

/* HTML text escaping for the module's own pages (& < > "). */
const char *oidc_html_escape(apr_pool_t *p, const char *s);

/* Constant-time equality of two strings (length leaks, content does not). */
int oidc_secure_streq(const char *a, const char *b);

#endif
