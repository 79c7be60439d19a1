/* mod_authnz_oidc_values.c: the checks of directive values that several
 * directives share: URLs, local paths, tokens, seconds. */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "mod/mod_authnz_oidc_values.h"

int mod_oidc_is_http_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

int mod_oidc_is_token(const char *s, const char *extra)
{
    if (*s == '\0') {
        return 0;
    }
    for (; *s; s++) {
        if (!apr_isalnum(*s) && strchr(extra, *s) == NULL) {
            return 0;
        }
    }
    return 1;
}

/* apr_uri_parse takes spaces and quotes, which the OP would then refuse,
 * or a browser mangle, at run time. */
const char *mod_oidc_bad_url_char(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '%') {
            if (!apr_isxdigit(s[1]) || !apr_isxdigit(s[2])) {
                return s;
            }
            s += 2;
        }
        else if (!apr_isalnum(*s)
                 && strchr("-._~:/?#[]@!$&'()*+,;=", *s) == NULL) {
            return s;
        }
    }
    return NULL;
}

const char *mod_oidc_url_chars_problem(apr_pool_t *p, const char *directive,
                                       const char *arg, const char *fix)
{
    const char *bad = mod_oidc_bad_url_char(arg);
    const char *what;

    if (bad == NULL) {
        return NULL;
    }
    what = *bad == ' ' ? "a space"
         : apr_iscntrl(*bad) || (*bad & 0x80) ? "a control or non-ASCII byte"
         : apr_psprintf(p, "'%c'", *bad);
    return apr_psprintf(p, "%s: %s (at position %d) is not allowed in a URL: "
                        "%s", directive, what, (int)(bad - arg) + 1, fix);
}

const char *mod_oidc_parse_seconds(apr_pool_t *p, const char *directive,
                                   const char *arg, apr_int64_t min,
                                   apr_int64_t max, apr_interval_time_t *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < min || v > max) {
        return apr_psprintf(p, "%s must be a number of seconds "
                            "from %" APR_INT64_T_FMT " to %" APR_INT64_T_FMT,
                            directive, min, max);
    }
    *out = apr_time_from_sec(v);
    return NULL;
}

int mod_oidc_is_local_path(const char *s)
{
    return s[0] == '/' && s[1] != '/' && s[1] != '\\'
        && strpbrk(s, "?# \t\r\n") == NULL;
}

int mod_oidc_is_endpoint_path(const char *s)
{
    return mod_oidc_is_local_path(s) && s[1] != '\0';
}
