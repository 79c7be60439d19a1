/* mod_authnz_oidc_keyfile.c: the RP's private key, read once at startup
 * (and by configtest) from a file only root may read. */
#include <string.h>
#include <unistd.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>

#include "mod/mod_authnz_oidc_keyfile.h"

/* Larger than any RSA 8192 or EC PEM key. */
#define MAX_KEY_FILE 16384

static const char *file_problem(apr_pool_t *p, const char *path,
                                apr_finfo_t *fi)
{
    if (apr_stat(fi, path, APR_FINFO_TYPE | APR_FINFO_PROT | APR_FINFO_USER
                                | APR_FINFO_SIZE, p) != APR_SUCCESS
        || fi->filetype != APR_REG) {
        return "is not a readable file";
    }
    if (fi->protection & (APR_GREAD | APR_GWRITE | APR_WREAD | APR_WWRITE)) {
        return "may be read or written by others than its owner: "
               "chmod 600 it";
    }
    if ((uid_t)fi->user != geteuid()) {
        return "is not owned by the user httpd starts as (root): chown it";
    }
    if (fi->size > MAX_KEY_FILE) {
        return "is too large for a PEM private key";
    }
    return NULL;
}

const char *mod_oidc_load_signing_key(apr_pool_t *p, const char *spec,
                                      const char *alg, const char *kid,
                                      oidc_signing_key_t **out)
{
    const char *path, *why;
    apr_finfo_t fi;
    apr_file_t *f;
    apr_size_t len;
    char *pem;

    if (strncmp(spec, "file:", 5) != 0) {
        return "must be file:PATH, a PEM private key";
    }
    path = ap_server_root_relative(p, spec + 5);
    if (path == NULL) {
        return "names an invalid path";
    }
    why = file_problem(p, path, &fi);
    if (why != NULL) {
        return apr_psprintf(p, "%s %s", path, why);
    }
    len = (apr_size_t)fi.size;
    pem = apr_palloc(p, len + 1);
    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p)
            != APR_SUCCESS
        || apr_file_read_full(f, pem, len, &len) != APR_SUCCESS) {
        return apr_psprintf(p, "%s could not be read", path);
    }
    apr_file_close(f);
    pem[len] = '\0';
    why = oidc_signing_key_from_pem(p, pem, len, alg, kid, out);
    /* The key's text goes: only the parsed key stays. */
    memset(pem, 0, len);
    return why ? apr_psprintf(p, "%s: %s", path, why) : NULL;
}
