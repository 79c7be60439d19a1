/* mod_authnz_oidc_view.c: the core's view of a request_rec: the request,
 * a logger into the error log, and the context the flows run in. */
#include <string.h>
#include <http_core.h>
#include <http_protocol.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_view.h"
#include "mod/store/mod_authnz_oidc_store.h"

/* ---- the logger ------------------------------------------------------ */

static void log_write(const oidc_log_t *log, oidc_log_level_t level,
                      const char *tag, const char *msg)
{
    request_rec *r = log->baton;
    char clean[1024];
    apr_size_t i;

    /* OP-supplied text must not forge log lines. */
    for (i = 0; msg[i] && i < sizeof(clean) - 1; i++) {
        unsigned char c = (unsigned char)msg[i];
        clean[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    clean[i] = '\0';
    ap_log_rerror(APLOG_MARK, (int)level, 0, r, "[%s] %s", tag, clean);
}

/* ---- the request view ------------------------------------------------- */

static const char *header_get(const oidc_request_t *req, const char *name)
{
    return apr_table_get(((request_rec *)req->baton)->headers_in, name);
}

static const char *origin_of(const oidc_request_t *req)
{
    request_rec *r = req->baton;

    return ap_construct_url(r->pool, "", r);
}

static apr_time_t now_fn(void)
{
    return apr_time_now();
}

void mod_oidc_request_init(mod_oidc_request_t *g, request_rec *r,
                           const mod_oidc_server_config_t *c)
{
    memset(g, 0, sizeof(*g));
    g->view.method = r->method;
    g->view.origin = origin_of;
    g->view.unparsed_uri = r->unparsed_uri;
    g->view.query = r->args;
    g->view.secure = strcmp(ap_http_scheme(r), "https") == 0;
    g->view.header = header_get;
    g->view.baton = r;
    g->log.write = log_write;
    g->log.baton = r;
    g->ctx.pool = r->pool;
    g->ctx.cfg = c->rp;
    g->ctx.log = &g->log;
    g->ctx.http = c->http;
    g->ctx.store = &c->store->store;
    g->ctx.now = now_fn();
}

