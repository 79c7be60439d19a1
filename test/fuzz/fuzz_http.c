/* fuzz_http.c: the canned-response HTTP client of the fuzz targets. */
#include "fuzz_http.h"

static apr_status_t canned_send(const oidc_http_t *http, apr_pool_t *p,
                                const oidc_http_req_t *req,
                                oidc_http_resp_t *resp, const char **err)
{
    const fuzz_http_t *fh = (const fuzz_http_t *)http;

    (void)p;
    (void)req;
    *err = NULL;
    resp->status = fh->status;
    resp->body = fh->body;
    resp->len = fh->len;
    return APR_SUCCESS;
}

void fuzz_http_init(fuzz_http_t *fh, int status, const char *body,
                    apr_size_t len)
{
    fh->http.send = canned_send;
    fh->http.baton = NULL;
    fh->status = status;
    fh->body = body;
    fh->len = len;
}
