/* oidc_redirect.c: the open-redirect guard (the incumbent's CVE checklist:
 * //evil, /\evil, /<TAB>evil, https:evil, userinfo and encoding tricks). */
#include <string.h>
#include <apr_lib.h>

#include "core/http/oidc_redirect.h"

static int has_forbidden_byte(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || c == '\\') {
            return 1;
        }
    }
    return 0;
}

const char *oidc_redirect_target(apr_pool_t *p, const char *target,
                                 const char *self_origin)
{
    apr_size_t olen;

    if (target == NULL || self_origin == NULL || *target == '\0'
        || strlen(target) > OIDC_MAX_URL_LEN || has_forbidden_byte(target)) {
        return NULL;
    }
    if (target[0] == '/') {
        if (target[1] == '/') {
            return NULL;
        }
        return apr_pstrcat(p, self_origin, target, NULL);
    }
    /* Absolute: the origin must match exactly and be followed by the end
     * of the authority, so "https://site.evil" or "https://site@evil" fail. */
    olen = strlen(self_origin);
    if (strncasecmp(target, self_origin, olen) != 0) {
        return NULL;
    }
    switch (target[olen]) {
    case '\0':
        return apr_pstrcat(p, self_origin, "/", NULL);
    case '/':
        if (target[olen + 1] == '/') {
            return NULL;
        }
        return apr_pstrcat(p, self_origin, target + olen, NULL);
    case '?':
    case '#':
        return apr_pstrcat(p, self_origin, "/", target + olen, NULL);
    default:
        return NULL;
    }
}
