/* oidc_params.c: query/form parsing that refuses what RFC 6749 forbids. */
#include <string.h>

#include "core/util/oidc_params.h"
#include "core/util/oidc_encode.h"

oidc_params_status_t oidc_params_parse(apr_pool_t *p, const char *query,
                                       apr_size_t max_len,
                                       apr_table_t **out)
{
    apr_table_t *t = apr_table_make(p, 8);
    const char *s = query ? query : "";
    int count = 0;

    *out = t;
    if (strlen(s) > max_len) {
        return OIDC_PARAMS_TOO_LONG;
    }
    while (*s) {
        const char *end = strchr(s, '&');
        apr_size_t n = end ? (apr_size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        char *name, *value;

        if (n > 0) {
            if (++count > OIDC_MAX_PARAMS) {
                return OIDC_PARAMS_TOO_MANY;
            }
            if (eq != NULL) {
                name = oidc_url_decode(p, s, (apr_size_t)(eq - s));
                value = oidc_url_decode(p, eq + 1, n - (apr_size_t)(eq - s) - 1);
            }
            else {
                name = oidc_url_decode(p, s, n);
                value = apr_pstrdup(p, "");
            }
            if (name == NULL || value == NULL) {
                return OIDC_PARAMS_MALFORMED;
            }
            if (apr_table_get(t, name) != NULL) {
                return OIDC_PARAMS_DUPLICATE;
            }
            apr_table_setn(t, name, value);
        }
        if (end == NULL) {
            break;
        }
        s = end + 1;
    }
    return OIDC_PARAMS_OK;
}
