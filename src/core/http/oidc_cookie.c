/* oidc_cookie.c: cookie handling, bounded in bytes and tolerant of junk. */
#include <string.h>

#include "core/http/oidc_cookie.h"

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

/* The part of a Cookie header that is read: its first
 * OIDC_MAX_COOKIE_HEADER bytes. The work is bounded by the header's size,
 * not by a count of cookies, which would let a site's other cookies hide
 * the module's own. */
static apr_size_t readable_len(const char *header)
{
    return strnlen(header, OIDC_MAX_COOKIE_HEADER);
}

/* Calls found(baton, name, name_len, value, value_len) for each pair, in
 * order, until it returns non-zero; blanks around names and values are
 * left out. */
typedef int (*cookie_fn)(void *baton, const char *name, apr_size_t name_len,
                         const char *value, apr_size_t value_len);

static void each_cookie(const char *header, cookie_fn found, void *baton)
{
    const char *s = header, *stop;

    if (header == NULL) {
        return;
    }
    stop = header + readable_len(header);
    while (s < stop) {
        const char *end = memchr(s, ';', (apr_size_t)(stop - s));
        apr_size_t n = end ? (apr_size_t)(end - s) : (apr_size_t)(stop - s);
        const char *eq = memchr(s, '=', n);

        if (eq != NULL) {
            const char *k = s, *v = eq + 1;
            apr_size_t k_len = unpadded(&k, (apr_size_t)(eq - s));
            apr_size_t v_len = unpadded(&v, n - (apr_size_t)(eq - s) - 1);

            if (found(baton, k, k_len, v, v_len)) {
                return;
            }
        }
        s = end ? end + 1 : stop;
    }
}

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *out;
} parse_ctx_t;

static int add_pair(void *baton, const char *name, apr_size_t name_len,
                    const char *value, apr_size_t value_len)
{
    parse_ctx_t *x = baton;
    oidc_cookie_t *c = apr_array_push(x->out);

    c->name = apr_pstrmemdup(x->p, name, name_len);
    c->value = apr_pstrmemdup(x->p, value, value_len);
    return 0;
}

apr_array_header_t *oidc_cookies_parse(apr_pool_t *p, const char *header)
{
    parse_ctx_t x;

    x.p = p;
    x.out = apr_array_make(p, 8, sizeof(oidc_cookie_t));
    each_cookie(header, add_pair, &x);
    return x.out;
}

typedef struct {
    apr_pool_t *p;
    const char *name;
    apr_size_t name_len;
    const char *value;
} find_ctx_t;

static int match_name(void *baton, const char *name, apr_size_t name_len,
                      const char *value, apr_size_t value_len)
{
    find_ctx_t *x = baton;

    if (name_len != x->name_len || memcmp(name, x->name, name_len) != 0) {
        return 0;
    }
    x->value = apr_pstrmemdup(x->p, value, value_len);
    return 1;
}

const char *oidc_cookie_find(apr_pool_t *p, const char *header,
                             const char *name)
{
    find_ctx_t x;

    x.p = p;
    x.name = name;
    x.name_len = strlen(name);
    x.value = NULL;
    each_cookie(header, match_name, &x);
    return x.value;
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
