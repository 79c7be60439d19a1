/* oidc_http.h: the HTTP client the core talks to an OP through. The module
 * uses libcurl (oidc_http_curl.c); unit tests pass a fake. */
#ifndef OIDC_HTTP_H
#define OIDC_HTTP_H

#include "core/util/oidc_core.h"

typedef struct {
    const char *method;          /* "GET" or "POST" */
    const char *url;
    const char *form;            /* POST body, x-www-form-urlencoded */
    const char *authorization;   /* Authorization header value, or NULL */
} oidc_http_req_t;

typedef struct {
    int status;
    const char *body;            /* NUL-terminated */
    apr_size_t len;
} oidc_http_resp_t;

typedef struct oidc_http_t {
    /* APR_SUCCESS when any HTTP response arrived (of any status);
     * APR_ECONNREFUSED when the OP could not be reached or timed out
     * (a 503 for the user), APR_EGENERAL for other failures such as TLS or an
     * oversized response (a 502). *err says what happened, without secrets. */
    apr_status_t (*send)(const struct oidc_http_t *http, apr_pool_t *p,
                         const oidc_http_req_t *req, oidc_http_resp_t *resp,
                         const char **err);
    void *baton;
} oidc_http_t;

typedef struct {
    int ssl_verify;
    const char *ca_bundle;               /* NULL: the system's */
    apr_interval_time_t timeout;
} oidc_http_curl_opts_t;

/* Call once per process before any thread uses the client. */
apr_status_t oidc_http_curl_global_init(void);
oidc_http_t *oidc_http_curl_make(apr_pool_t *p,
                                 const oidc_http_curl_opts_t *opts);

#endif
