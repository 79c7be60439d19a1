/* oidc_cookie.c: cookie handling, bounded in count and tolerant of junk. */
#include <string.h>

#include "oidc_cookie.h"

/* The n bytes at *s without blanks at either end: moves *s, returns the
 * length left. */
static apr_size_t unpadded(const char **s, apr_size_t n)
{
    while (n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        n--;
    }
    while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t')) {
        n--;
    }
    return n;
}

static const char *trim(apr_pool_t *p, const char *s, apr_size_t n)
{
    n = unpadded(&s, n);
    return apr_pstrmemdup(p, s, n);
}

apr_array_header_t *oidc_cookies_parse(apr_pool_t *p, const char *header)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(oidc_cookie_t));
    const char *s = header;

    while (s != NULL && *s && out->nelts < OIDC_MAX_COOKIES) {
        const char *end = strchr(s, ';');
        apr_size_t n = end ? (apr_size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', n);

        if (eq != NULL) {
            oidc_cookie_t *c = apr_array_push(out);
            c->name = trim(p, s, (apr_size_t)(eq - s));
            c->value = trim(p, eq + 1, n - (apr_size_t)(eq - s) - 1);
        }
        s = end ? end + 1 : NULL;
    }
    return out;
}

const char *oidc_cookie_find(apr_pool_t *p, const char *header,
                             const char *name)
{
    apr_size_t name_len = strlen(name);
    const char *s = header;
    int count = 0;

    while (s != NULL && *s && count < OIDC_MAX_COOKIES) {
        const char *end = strchr(s, ';');
        apr_size_t n = end ? (apr_size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', n);

        if (eq != NULL) {
            const char *k = s;
            apr_size_t k_len = unpadded(&k, (apr_size_t)(eq - s));

            count++;
            if (k_len == name_len && memcmp(k, name, name_len) == 0) {
                return trim(p, eq + 1, n - (apr_size_t)(eq - s) - 1);
            }
        }
        s = end ? end + 1 : NULL;
    }
    return NULL;
}

const char *oidc_cookie_get(const apr_array_header_t *cookies,
                            const char *name)
{
    int i;

    for (i = 0; i < cookies->nelts; i++) {
        const oidc_cookie_t *c = &APR_ARRAY_IDX(cookies, i, oidc_cookie_t);
        if (strcmp(c->name, name) == 0) {
            return c->value;
        }
    }
    return NULL;
}

int oidc_cookie_is_only(const char *header, const char *name)
{
    apr_size_t name_len = strlen(name);

    return strncmp(header, name, name_len) == 0 && header[name_len] == '='
        && strchr(header + name_len, ';') == NULL;
}

static int is_own_cookie(const char *s, apr_size_t n, const char *name,
                         apr_size_t name_len)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n < name_len || strncmp(s, name, name_len) != 0) {
        return 0;
    }
    s += name_len;
    n -= name_len;
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    return (n > 0 && *s == '=') || (n >= 6 && strncmp(s, "_flow_", 6) == 0);
}

const char *oidc_cookies_strip_own(apr_pool_t *p, const char *header,
                                   const char *name)
{
    /* Made at the first cookie kept: most requests carry only ours. */
    apr_array_header_t *kept = NULL;
    apr_size_t name_len = strlen(name);
    const char *s = header;

    while (s != NULL && *s) {
        const char *end = strchr(s, ';');
        apr_size_t n = end ? (apr_size_t)(end - s) : strlen(s);

        if (!is_own_cookie(s, n, name, name_len)) {
            const char *piece = trim(p, s, n);
            if (*piece) {
                if (kept == NULL) {
                    kept = apr_array_make(p, 8, sizeof(const char *));
                }
                APR_ARRAY_PUSH(kept, const char *) = piece;
            }
        }
        s = end ? end + 1 : NULL;
    }
    if (kept == NULL) {
        return NULL;
    }
    {
        const char *out = APR_ARRAY_IDX(kept, 0, const char *);
        int i;
        for (i = 1; i < kept->nelts; i++) {
            out = apr_pstrcat(p, out, "; ", APR_ARRAY_IDX(kept, i,
                                                          const char *), NULL);
        }
        return out;
    }
}

const char *oidc_cookie_make(apr_pool_t *p, const char *name,
                             const char *value, int secure,
                             apr_interval_time_t max_age)
{
    const char *age = "";

    if (max_age == 0) {
        age = "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
        value = "";
    }
    else if (max_age > 0) {
        age = apr_psprintf(p, "; Max-Age=%" APR_TIME_T_FMT,
                           apr_time_sec(max_age));
    }
    return apr_pstrcat(p, name, "=", value, "; Path=/", age,
                       "; HttpOnly; SameSite=Lax", secure ? "; Secure" : "",
                       NULL);
}
