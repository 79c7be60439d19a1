/* oidc_secret.c: secrets come from files or the environment so that they
 * need not sit in httpd.conf. */
#include <stdlib.h>
#include <string.h>
#include <apr_file_io.h>

#include "core/util/oidc_secret.h"

static const char *read_secret_file(apr_pool_t *p, const char *path,
                                    const char **err)
{
    apr_file_t *f;
    /* Room for the longest secret, a trailing "\r\n", and one more byte
     * to tell a longer file apart. */
    char buf[OIDC_MAX_SECRET_LEN + 3];
    apr_size_t n = 0;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        char msg[128];
        *err = apr_psprintf(p, "cannot read secret file %s: %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
        return NULL;
    }
    rv = apr_file_read_full(f, buf, sizeof(buf), &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        *err = apr_psprintf(p, "cannot read secret file %s", path);
        return NULL;
    }
    if (n < sizeof(buf)) {
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
            n--;
        }
    }
    if (n > OIDC_MAX_SECRET_LEN) {
        *err = apr_psprintf(p, "secret file %s is longer than %d bytes",
                            path, OIDC_MAX_SECRET_LEN);
        return NULL;
    }
    if (memchr(buf, '\0', n) != NULL) {
        *err = apr_psprintf(p, "secret file %s contains a NUL byte", path);
        return NULL;
    }
    return apr_pstrmemdup(p, buf, n);
}

const char *oidc_secret_resolve(apr_pool_t *p, const char *spec,
                                const char **err)
{
    const char *value;

    *err = NULL;
    if (spec == NULL) {
        *err = "no secret given";
        return NULL;
    }
    if (strncmp(spec, "file:", 5) == 0) {
        value = read_secret_file(p, spec + 5, err);
        if (value == NULL) {
            return NULL;
        }
    }
    else if (strncmp(spec, "env:", 4) == 0) {
        value = getenv(spec + 4);
        if (value == NULL) {
            *err = apr_psprintf(p, "environment variable %s is not set",
                                spec + 4);
            return NULL;
        }
        value = apr_pstrdup(p, value);
    }
    else {
        value = spec;
    }
    if (*value == '\0') {
        *err = "the secret is empty";
        return NULL;
    }
    if (strlen(value) > OIDC_MAX_SECRET_LEN) {
        *err = "the secret is too long";
        return NULL;
    }
    return value;
}
