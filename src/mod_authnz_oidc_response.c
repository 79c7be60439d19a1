/* mod_authnz_oidc_response.c: from request_rec to the core's request view,
 * and from the core's outcome to an httpd response, environment and headers. */
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <http_core.h>
#include <http_protocol.h>
#include <util_filter.h>

#include "mod_authnz_oidc.h"
#include "oidc_claims.h"
#include "oidc_encode.h"
#include "oidc_jwt.h"

#define ERROR_FILTER "AUTHNZ_OIDC_ERROR"
#define NOTE_JSON_ERROR "authnz_oidc_json_error"
#define NOTE_FORBIDDEN "authnz_oidc_forbidden"

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

void oidc_glue_request_init(oidc_glue_request_t *g, request_rec *r,
                            const oidc_server_config_t *c)
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

/* ---- responses -------------------------------------------------------- */

static const char *html_page(apr_pool_t *p, int status, const char *message,
                             const char *retry)
{
    const char *link = retry
        ? apr_pstrcat(p, "<p><a href=\"", oidc_html_escape(p, retry),
                      "\">Try again</a></p>\n", NULL)
        : "";
    return apr_psprintf(p,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<title>%d %s</title></head>\n<body><h1>Sign-in problem</h1>\n"
        "<p>%s</p>\n%s</body></html>\n",
        status, oidc_html_escape(p, ap_get_status_line(status) + 4),
        oidc_html_escape(p, message), link);
}

static const char *json_body(apr_pool_t *p, const char *error,
                             const char *message)
{
    json_t *o = oidc_json_pool_own(p, json_pack("{s:s,s:s}", "error", error,
                                                "error_description",
                                                message));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    const char *out = text ? apr_pstrdup(p, text) : "{}";

    free(text);
    return out;
}

/* The body of an error response: JSON for API clients, else a page. */
static const char *error_text(request_rec *r, const oidc_glue_request_t *g,
                              const oidc_rp_result_t *res)
{
    if (oidc_rp_is_api_request(&g->view)) {
        apr_table_setn(r->notes, NOTE_JSON_ERROR, "1");
        return json_body(r->pool, res->error, res->message);
    }
    return html_page(r->pool, res->status, res->message, res->location);
}

int oidc_respond(request_rec *r, const oidc_glue_request_t *g,
                 const oidc_rp_result_t *res)
{
    int i;

    for (i = 0; i < res->set_cookies->nelts; i++) {
        apr_table_add(r->err_headers_out, "Set-Cookie",
                      APR_ARRAY_IDX(res->set_cookies, i, const char *));
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (res->kind == OIDC_RP_REDIRECT) {
        apr_table_setn(r->err_headers_out, "Location", res->location);
        return res->status;
    }
    if (res->kind == OIDC_RP_PAGE) {
        /* Only from the module's own endpoints (a content handler). */
        ap_set_content_type(r, res->content_type);
        ap_rputs(res->body, r);
        return OK;
    }
    if (res->challenge) {
        /* error: one of the module's own fixed words (RFC 6750 §3). */
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       apr_psprintf(r->pool, "OIDC realm=\"%s\"%s%s%s",
                                    ap_auth_name(r) ? ap_auth_name(r)
                                                    : "oidc",
                                    res->error ? ", error=\"" : "",
                                    res->error ? res->error : "",
                                    res->error ? "\"" : ""));
    }
    ap_custom_response(r, res->status, error_text(r, g, res));
    return res->status;
}

/* authz_core answers an authenticated user whom Require denies with a 401
 * (unless AuthzSendForbiddenOnFailure On). A 401 invites a login that would
 * change nothing, so for AuthType oidc it becomes a 403 page. */
static int note_auth_failure(request_rec *r, const char *auth_type)
{
    oidc_glue_request_t g;
    oidc_rp_result_t res;
    oidc_server_config_t *c = ap_get_module_config(r->server->module_config,
                                                   &authnz_oidc_module);

    if (strcasecmp(auth_type, OIDC_AUTH_TYPE) != 0) {
        return DECLINED;
    }
    if (r->user == NULL || c->rp == NULL) {
        return OK;
    }
    memset(&res, 0, sizeof(res));
    res.kind = OIDC_RP_ERROR;
    res.status = HTTP_FORBIDDEN;
    res.error = "access_denied";
    res.message = "You are signed in, but not allowed to see this page.";
    oidc_glue_request_init(&g, r, c);
    apr_table_setn(r->notes, NOTE_FORBIDDEN, "1");
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    /* authz_core sends a 401: give it the 403 page, the filter the status. */
    ap_custom_response(r, HTTP_UNAUTHORIZED, error_text(r, &g, &res));
    return OK;
}

/* Runs on the module's error pages only: httpd sends custom error text as
 * text/html, but API clients get JSON; and a denied user gets a 403. */
static apr_status_t error_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;

    if (apr_table_get(r->notes, NOTE_JSON_ERROR) != NULL) {
        ap_set_content_type(r, "application/json");
    }
    if (apr_table_get(r->notes, NOTE_FORBIDDEN) != NULL
        && r->status == HTTP_UNAUTHORIZED) {
        r->status = HTTP_FORBIDDEN;
        r->status_line = ap_get_status_line(HTTP_FORBIDDEN);
        apr_table_unset(r->err_headers_out, "WWW-Authenticate");
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void insert_error_filter(request_rec *r)
{
    if (apr_table_get(r->notes, NOTE_JSON_ERROR) != NULL
        || apr_table_get(r->notes, NOTE_FORBIDDEN) != NULL) {
        ap_add_output_filter(ERROR_FILTER, NULL, r, r->connection);
    }
}

void oidc_register_response_hooks(apr_pool_t *p)
{
    ap_register_output_filter(ERROR_FILTER, error_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
}

/* ---- what the application sees ---------------------------------------- */

typedef struct {
    request_rec *r;
    const char *prefix;
    oidc_pass_as_t how;
    int add_env;          /* no variable to replace: add without a search */
} export_ctx_t;

/* Header names use '-' where variables use '_': httpd (for CGI) and many
 * proxies drop request headers whose names contain underscores. */
static const char *header_name(apr_pool_t *p, const char *var)
{
    char *h = apr_pstrdup(p, var), *c;
    for (c = h; *c; c++) {
        if (*c == '_') {
            *c = '-';
        }
    }
    return h;
}

static void export_one(void *baton, const char *key, const char *value)
{
    export_ctx_t *x = baton;

    if (x->add_env) {
        apr_table_addn(x->r->subprocess_env, key, value);
    }
    else if (x->how & OIDC_PASS_ENV) {
        apr_table_setn(x->r->subprocess_env, key, value);
    }
    if (x->how & OIDC_PASS_HEADERS) {
        apr_table_setn(x->r->headers_in, header_name(x->r->pool, key), value);
    }
}

/* apr_table_setn compares a new name with every entry that shares its
 * first four characters, as all of ours do: setting the claims one by one
 * is quadratic, and was the largest part of the module's work on a
 * request. Adding them is safe when no variable under the prefix is there
 * yet (any request but a subrequest or an internal redirect, unless a
 * SetEnvIf made one) and no two claims become one variable: names of
 * lowercase letters, digits, '_' and '-' are left as they are by the
 * export and are distinct, being keys of one JSON object. */
static int env_has_prefix(const apr_table_t *env, const char *prefix)
{
    const apr_array_header_t *arr = apr_table_elts(env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_size_t plen = strlen(prefix);
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key != NULL && strncasecmp(e[i].key, prefix, plen) == 0) {
            return 1;
        }
    }
    return 0;
}

void oidc_export_claims(request_rec *r, const oidc_server_config_t *c,
                        oidc_pass_as_t how, const oidc_session_t *s)
{
    const oidc_claims_names_t *names = s->export_names;
    export_ctx_t x = { r, oidc_claim_prefix(c), how, 0 };

    if (how == OIDC_PASS_NONE) {
        return;
    }
    /* A kept session brings the names, made when it was kept. */
    if (names == NULL || strcmp(names->prefix, x.prefix) != 0) {
        names = oidc_claims_names_make(r->pool, s->flat, x.prefix);
    }
    x.add_env = (how & OIDC_PASS_ENV) && names->plain
                && !env_has_prefix(r->subprocess_env, x.prefix);
#if !APR_POOL_DEBUG
    /* A kept session brings its variables as a table: one copy appends
     * them all (the request's hold on the session keeps the strings as
     * long as its pool; APR's pool debugging would refuse strings from a
     * pool that is not an ancestor, so it gets the loop). */
    if (x.add_env && names == s->export_names && s->export_env != NULL
        && !apr_is_empty_table(s->export_env)) {
        r->subprocess_env = apr_table_overlay(r->pool, r->subprocess_env,
                                              s->export_env);
        x.how = (oidc_pass_as_t)(x.how & ~OIDC_PASS_ENV);
        x.add_env = 0;
        if (x.how == OIDC_PASS_NONE) {
            return;
        }
    }
#endif
    oidc_claims_export_named(s->flat, names, export_one, &x);
}

/* Tokens reach the application only where the admin asked for them. */
void oidc_export_tokens(request_rec *r, const oidc_dir_config_t *d,
                        const oidc_session_t *s)
{
    oidc_pass_token_t at = oidc_pass_access_token(d);

    if (at != OIDC_PASS_TOKEN_OFF && s->access_token != NULL) {
        apr_table_setn(r->subprocess_env, "OIDC_ACCESS_TOKEN", s->access_token);
        if (s->access_expires != 0) {
            apr_table_setn(r->subprocess_env, "OIDC_ACCESS_TOKEN_EXPIRES",
                           apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                        apr_time_sec(s->access_expires)));
        }
        if (at == OIDC_PASS_TOKEN_BEARER) {
            apr_table_setn(r->headers_in, "Authorization",
                           apr_pstrcat(r->pool, "Bearer ", s->access_token,
                                       NULL));
        }
    }
    if (d->pass_id_token == 1) {
        const char *id_token = oidc_session_id_token(r->pool, s);
        if (id_token != NULL) {
            apr_table_setn(r->subprocess_env, "OIDC_ID_TOKEN", id_token);
        }
    }
    if (d->pass_refresh_token == 1 && s->refresh_token != NULL) {
        apr_table_setn(r->subprocess_env, "OIDC_REFRESH_TOKEN",
                       s->refresh_token);
    }
}

/* Header names are ASCII tokens: folded without the locale, which every
 * request on the server would otherwise consult for every header. */
static char header_fold(char c)
{
    if (c == '-') {
        return '_';
    }
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Does name start with prefix, ignoring case and treating '-' as '_'? */
static int has_prefix(const char *name, const char *prefix)
{
    for (; *prefix; prefix++, name++) {
        if (header_fold(*name) != header_fold(*prefix)) {
            return 0;
        }
    }
    return 1;
}

void oidc_strip_spoofed_headers(request_rec *r, const char *claim_prefix)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    /* Runs for every request: most names differ from both prefixes at
     * their first character, so that is tested first. */
    const char claim_first = header_fold(claim_prefix[0]);
    int i;

    for (i = 0; i < arr->nelts; i++) {
        const char *key = e[i].key;
        char first;

        if (key == NULL) {
            continue;
        }
        first = header_fold(key[0]);
        if ((first == claim_first && has_prefix(key, claim_prefix))
            || (first == 'o' && has_prefix(key, "OIDC_"))) {
            if (doomed == NULL) {
                doomed = apr_array_make(r->pool, 2, sizeof(const char *));
            }
            APR_ARRAY_PUSH(doomed, const char *) = key;
        }
    }
    for (i = 0; doomed != NULL && i < doomed->nelts; i++) {
        const char *key = APR_ARRAY_IDX(doomed, i, const char *);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "[oidc-spoof] removed incoming request header %s: only "
                      "this module may set it", key);
        apr_table_unset(r->headers_in, key);
    }
}
