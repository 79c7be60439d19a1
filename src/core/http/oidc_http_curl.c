/* oidc_http_curl.c: the OP's HTTP client, with bounded time and size, no
 * redirects and http(s) only. Each thread keeps one curl handle, so that
 * connections (and TLS sessions) to the OP are reused from one login to
 * the next instead of being set up for every request. */
#include <pthread.h>
#include <string.h>
#include <curl/curl.h>

#include "core/http/oidc_http.h"

#define USER_AGENT "mod_authnz_oidc/" "0.1"

typedef struct {
    apr_pool_t *pool;
    char *buf;
    apr_size_t len, cap;
    int too_large;
} body_t;

static size_t on_body(char *data, size_t size, size_t nmemb, void *baton)
{
    body_t *b = baton;
    apr_size_t n = size * nmemb;

    if (b->len + n > OIDC_MAX_HTTP_BODY) {
        b->too_large = 1;
        return 0;       /* makes curl abort the transfer */
    }
    if (b->len + n + 1 > b->cap) {
        apr_size_t cap = (b->len + n + 1) * 2;
        char *buf = apr_palloc(b->pool, cap);
        if (b->len > 0) {
            memcpy(buf, b->buf, b->len);
        }
        b->buf = buf;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return n;
}

static apr_status_t easy_cleanup(void *data)
{
    curl_easy_cleanup((CURL *)data);
    return APR_SUCCESS;
}

static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;
static int handle_key_ok;

static void handle_free(void *data)
{
    curl_easy_cleanup((CURL *)data);
}

static void handle_key_init(void)
{
    handle_key_ok = pthread_key_create(&handle_key, handle_free) == 0;
}

/* This thread's handle (every option at its default, the connection
 * cache kept); else a handle of this request's own. */
static CURL *thread_handle(apr_pool_t *p)
{
    CURL *c = NULL;

    if (pthread_once(&handle_once, handle_key_init) == 0 && handle_key_ok) {
        c = pthread_getspecific(handle_key);
        if (c != NULL) {
            return c;
        }
        c = curl_easy_init();
        if (c != NULL && pthread_setspecific(handle_key, c) == 0) {
            return c;
        }
    }
    if (c == NULL) {
        c = curl_easy_init();
    }
    if (c != NULL) {
        apr_pool_cleanup_register(p, c, easy_cleanup, apr_pool_cleanup_null);
    }
    return c;
}

static apr_status_t slist_cleanup(void *data)
{
    curl_slist_free_all((struct curl_slist *)data);
    return APR_SUCCESS;
}

static apr_status_t curl_send(const oidc_http_t *http, apr_pool_t *p,
                              const oidc_http_req_t *req,
                              oidc_http_resp_t *resp, const char **err)
{
    const oidc_http_curl_opts_t *o = http->baton;
    CURL *c = thread_handle(p);
    struct curl_slist *hdrs = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    body_t body = { p, NULL, 0, 0, 0 };
    long status = 0;
    long timeout_ms = (long)apr_time_as_msec(o->timeout);
    CURLcode rc;

    *err = NULL;
    memset(resp, 0, sizeof(*resp));
    if (c == NULL) {
        *err = "curl_easy_init failed";
        return APR_EGENERAL;
    }
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (req->authorization != NULL) {
        hdrs = curl_slist_append(hdrs, apr_pstrcat(p, "Authorization: ",
                                                   req->authorization, NULL));
    }
    apr_pool_cleanup_register(p, hdrs, slist_cleanup, apr_pool_cleanup_null);

    curl_easy_setopt(c, CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, o->ssl_verify ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, o->ssl_verify ? 2L : 0L);
    if (o->ca_bundle != NULL) {
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_bundle);
    }
    if (req->form != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->form);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(req->form));
    }

    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    /* The handle outlives this call: drop its pointers to our stack and
     * pool before anything else can reach them. */
    curl_easy_reset(c);
    if (body.too_large) {
        *err = "response larger than the limit";
        return APR_EGENERAL;
    }
    if (rc != CURLE_OK) {
        *err = apr_pstrdup(p, *errbuf ? errbuf : curl_easy_strerror(rc));
        switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
            return APR_ECONNREFUSED;
        default:
            return APR_EGENERAL;
        }
    }
    resp->status = (int)status;
    resp->body = body.buf ? body.buf : "";
    resp->len = body.len;
    return APR_SUCCESS;
}

apr_status_t oidc_http_curl_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK
        ? APR_SUCCESS : APR_EGENERAL;
}

oidc_http_t *oidc_http_curl_make(apr_pool_t *p,
                                 const oidc_http_curl_opts_t *opts)
{
    oidc_http_t *h = apr_pcalloc(p, sizeof(*h));
    oidc_http_curl_opts_t *o = apr_pmemdup(p, opts, sizeof(*opts));

    h->send = curl_send;
    h->baton = o;
    return h;
}
