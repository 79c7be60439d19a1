/* mod_authnz_oidc_caching.c: what caches may keep of a response made for
 * one user. */
#include <string.h>
#include <apr_strings.h>
#include <util_filter.h>

#include "mod/mod_authnz_oidc_caching.h"

#define CACHE_FILTER "AUTHNZ_OIDC_CACHE"

/* ---- what caches may keep ------------------------------------------------ */

/* A response made for one user must never be stored by a shared cache
 * and served to another: mod_cache's quick handler answers before any auth
 * hook runs, and a CDN or proxy does not know who asked. "private" keeps
 * the browser's own cache; the policy (by default "private, no-cache")
 * makes the browser revalidate, so that once signed out it is sent to sign
 * in rather than shown the page from its cache. It goes in
 * err_headers_out, which survives a proxied or CGI response's own headers,
 * reaches a 304 (which would otherwise renew a cached page's freshness),
 * and is what mod_cache reads first. */
static ap_filter_rec_t *cache_filter_handle;  /* set at registration:
                                               * no lookup by name per
                                               * request */

static void merge_private(request_rec *r)
{
    const char *cc = apr_table_get(r->err_headers_out, "Cache-Control");

    if (cc == NULL) {
        apr_table_setn(r->err_headers_out, "Cache-Control", "private");
    }
    else if (!ap_find_token(r->pool, cc, "private")) {
        apr_table_mergen(r->err_headers_out, "Cache-Control", "private");
    }
}

void mod_oidc_protect_from_caches(request_rec *r, const char *policy)
{
    if (policy == NULL) {
        merge_private(r);
        return;
    }
    if (apr_table_get(r->err_headers_out, "Cache-Control") != NULL) {
        merge_private(r);     /* set by another module already: theirs */
        return;
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", policy);
    ap_add_output_filter_handle(cache_filter_handle, (void *)policy, r,
                                r->connection);
}

/* A CGI script's headers are merged into err_headers_out (after ours, as
 * "ours, theirs"): theirs, or NULL when the value is not such a merge. */
static const char *merged_after(const char *value, const char *ours)
{
    apr_size_t n = strlen(ours);

    if (value == NULL || strncmp(value, ours, n) != 0 || value[n] != ',') {
        return NULL;
    }
    for (value += n + 1; *value == ' '; value++) {
    }
    return *value ? value : NULL;
}

/* Once the application's headers are known: if it chose a Cache-Control of
 * its own (a proxied or CGI response, mod_headers), that one stands, with
 * "private" beside it. */
static apr_status_t cache_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const char *ours = f->ctx;
    const char *app = apr_table_get(r->headers_out, "Cache-Control");
    const char *err = apr_table_get(r->err_headers_out, "Cache-Control");
    const char *cgi = err != ours ? merged_after(err, ours) : NULL;

    if (cgi != NULL) {
        apr_table_setn(r->err_headers_out, "Cache-Control",
                       ap_find_token(r->pool, cgi, "private")
                       ? cgi : apr_pstrcat(r->pool, "private, ", cgi, NULL));
    }
    else if (app != NULL && err == ours) {
        if (ap_find_token(r->pool, app, "private")) {
            apr_table_unset(r->err_headers_out, "Cache-Control");
        }
        else {
            apr_table_setn(r->err_headers_out, "Cache-Control", "private");
        }
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

void mod_oidc_register_cache_filter(void)
{
    /* After mod_headers and mod_expires (AP_FTYPE_CONTENT_SET), before the
     * headers are sent (AP_FTYPE_PROTOCOL). */
    cache_filter_handle = ap_register_output_filter(
        CACHE_FILTER, cache_filter, NULL,
        (ap_filter_type)(AP_FTYPE_CONTENT_SET + 5));
}
