/* mod_authnz_oidc_response.c: from request_rec to the core's request view,
 * and from the core's outcome to an httpd response, environment and headers. */
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <mod_core.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_config.h"
#include "mod/mod_authnz_oidc_response.h"
#include "mod/store/mod_authnz_oidc_store.h"
#include "core/proto/oidc_claims.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_json.h"

#define ERROR_FILTER "AUTHNZ_OIDC_ERROR"
#define CACHE_FILTER "AUTHNZ_OIDC_CACHE"
#define NOTE_JSON_ERROR "authnz_oidc_json_error"
#define NOTE_FORBIDDEN "authnz_oidc_forbidden"
#define NOTE_HTML_ERROR "authnz_oidc_html_error"

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

/* ---- responses -------------------------------------------------------- */

/* The heading of an error page: what happened, in the user's terms. */
static const char *page_title(const oidc_rp_result_t *res, int signed_in)
{
    if (res->title != NULL) {
        return res->title;
    }
    switch (res->status) {
    case HTTP_BAD_REQUEST:
    case HTTP_METHOD_NOT_ALLOWED:
        return "Sign-in could not be completed";
    case HTTP_UNAUTHORIZED:
        return "Sign-in failed";
    case HTTP_FORBIDDEN:
        return signed_in ? "Access denied" : "Sign-in was refused";
    case HTTP_BAD_GATEWAY:
        return "The identity provider did not answer properly";
    case HTTP_SERVICE_UNAVAILABLE:
        return "Sign-in is unavailable right now";
    default:
        return "Something went wrong";
    }
}

/* The ways on from an error page: try again (where the core offers a
 * target), sign out (a signed-in user, where there is a logout URI), and
 * the site's home page. */
static const char *page_links(request_rec *r, const mod_oidc_server_config_t *c,
                              const oidc_rp_result_t *res)
{
    apr_pool_t *p = r->pool;
    const char *links = "";

    if (res->location != NULL) {
        links = apr_pstrcat(p, "<a class=\"primary\" href=\"",
                            oidc_html_escape(p, res->location),
                            "\">Try again</a>\n", NULL);
    }
    if (r->user != NULL && c != NULL && c->logout_uri != NULL) {
        links = apr_pstrcat(p, links, "<a href=\"",
                            oidc_html_escape(p, c->logout_uri),
                            "\">Sign out</a>\n", NULL);
    }
    return apr_pstrcat(p, links, "<a href=\"/\">Home page</a>\n", NULL);
}

/* A short page in UTF-8 (the error filter says so in Content-Type). */
static const char *html_page(request_rec *r, const mod_oidc_server_config_t *c,
                             const oidc_rp_result_t *res)
{
    apr_pool_t *p = r->pool;
    const char *title = oidc_html_escape(p, page_title(res, r->user != NULL));

    return apr_pstrcat(p,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n<title>", title, "</title>\n<style>"
        "body{font-family:system-ui,sans-serif;max-width:36em;margin:4em "
        "auto;padding:0 1em;color:#222;line-height:1.5}"
        "h1{font-size:1.4em}.status{color:#777;font-size:.9em}"
        "a{display:inline-block;margin:0 1em .5em 0}"
        "a.primary{font-weight:bold}</style></head>\n<body>\n<h1>", title,
        "</h1>\n<p>", oidc_html_escape(p, res->message), "</p>\n<p>",
        page_links(r, c, res), "</p>\n<p class=\"status\">",
        oidc_html_escape(p, ap_get_status_line(res->status)),
        "</p>\n</body></html>\n", NULL);
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
static const char *error_text(request_rec *r, const mod_oidc_request_t *g,
                              const oidc_rp_result_t *res)
{
    if (oidc_rp_is_api_request(&g->view)) {
        apr_table_setn(r->notes, NOTE_JSON_ERROR, "1");
        return json_body(r->pool, res->error, res->message);
    }
    apr_table_setn(r->notes, NOTE_HTML_ERROR, "1");
    return html_page(r, ap_get_module_config(r->server->module_config,
                                             &authnz_oidc_module), res);
}

/* Whether the admin has an ErrorDocument for this status (which httpd then
 * serves, with OIDC_ERROR and OIDC_ERROR_DESCRIPTION in its environment,
 * REDIRECT_-prefixed for a local document). */
static int admin_error_document(request_rec *r, int status)
{
    return ap_response_code_string(r, ap_index_of_response(status)) != NULL;
}

/* The reason, for ErrorDocument pages and for the access log
 * (%{OIDC_ERROR}e). */
static void note_reason(request_rec *r, const oidc_rp_result_t *res)
{
    apr_table_setn(r->subprocess_env, "OIDC_ERROR",
                   res->error ? res->error : "error");
    apr_table_setn(r->subprocess_env, "OIDC_ERROR_DESCRIPTION",
                   res->message ? res->message : "");
}

int mod_oidc_respond(request_rec *r, const mod_oidc_request_t *g,
                     const oidc_rp_result_t *res)
{
    int i;

    for (i = 0; i < res->set_cookies->nelts; i++) {
        apr_table_add(r->err_headers_out, "Set-Cookie",
                      APR_ARRAY_IDX(res->set_cookies, i, const char *));
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (res->clear_site_data) {
        /* Browsers honour it on https and localhost. Not "cookies": that
         * would sign the user out of every site of the domain. */
        apr_table_setn(r->err_headers_out, "Clear-Site-Data", "\"cache\"");
    }
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
    note_reason(r, res);
    if (!oidc_rp_is_api_request(&g->view)
        && admin_error_document(r, res->status)) {
        return res->status;
    }
    ap_custom_response(r, res->status, error_text(r, g, res));
    return res->status;
}

/* authz_core answers an authenticated user whom Require denies with a 401
 * (unless AuthzSendForbiddenOnFailure On). A 401 invites a login that would
 * change nothing, so for AuthType oidc it becomes a 403 page. */
static int note_auth_failure(request_rec *r, const char *auth_type)
{
    mod_oidc_request_t g;
    oidc_rp_result_t res;
    mod_oidc_server_config_t *c = ap_get_module_config(r->server->module_config,
                                                       &authnz_oidc_module);

    if (strcasecmp(auth_type, MOD_OIDC_AUTH_TYPE) != 0) {
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
    mod_oidc_request_init(&g, r, c);
    apr_table_setn(r->notes, NOTE_FORBIDDEN, "1");
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    note_reason(r, &res);
    /* authz_core sends a 401: give it the 403 page (or the admin's
     * ErrorDocument 403), the filter the status. */
    if (!oidc_rp_is_api_request(&g.view)
        && admin_error_document(r, HTTP_FORBIDDEN)) {
        ap_custom_response(r, HTTP_UNAUTHORIZED,
                           ap_response_code_string(
                               r, ap_index_of_response(HTTP_FORBIDDEN)));
        return OK;
    }
    ap_custom_response(r, HTTP_UNAUTHORIZED, error_text(r, &g, &res));
    return OK;
}

/* Runs on the module's error pages only: httpd sends custom error text as
 * text/html, but API clients get JSON; and a denied user gets a 403. */
static apr_status_t error_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;

    if (r->prev != NULL && r->status == HTTP_UNAUTHORIZED
        && apr_table_get(r->prev->notes, NOTE_FORBIDDEN) != NULL) {
        /* The admin's ErrorDocument 403, served by an internal redirect
         * that carried authz_core's 401 along. */
        r->status = HTTP_FORBIDDEN;
        r->status_line = ap_get_status_line(HTTP_FORBIDDEN);
        ap_remove_output_filter(f);
        return ap_pass_brigade(f->next, bb);
    }

    if (apr_table_get(r->notes, NOTE_JSON_ERROR) != NULL) {
        ap_set_content_type(r, "application/json");
    }
    else if (apr_table_get(r->notes, NOTE_HTML_ERROR) != NULL) {
        /* httpd labels custom error text iso-8859-1; the page is UTF-8. */
        ap_set_content_type(r, "text/html; charset=utf-8");
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
        || apr_table_get(r->notes, NOTE_HTML_ERROR) != NULL
        || apr_table_get(r->notes, NOTE_FORBIDDEN) != NULL) {
        ap_add_output_filter(ERROR_FILTER, NULL, r, r->connection);
    }
}

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

/* The request that serves the admin's ErrorDocument 403 for a signed-in
 * user whom Require refused (see note_auth_failure). */
static void insert_filter(request_rec *r)
{
    if (r->prev != NULL
        && apr_table_get(r->prev->notes, NOTE_FORBIDDEN) != NULL) {
        ap_add_output_filter(ERROR_FILTER, NULL, r, r->connection);
    }
}

void mod_oidc_register_response_hooks(apr_pool_t *p)
{
    /* After mod_headers and mod_expires (AP_FTYPE_CONTENT_SET), before the
     * headers are sent (AP_FTYPE_PROTOCOL). */
    cache_filter_handle = ap_register_output_filter(
        CACHE_FILTER, cache_filter, NULL,
        (ap_filter_type)(AP_FTYPE_CONTENT_SET + 5));
    ap_register_output_filter(ERROR_FILTER, error_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    ap_hook_insert_filter(insert_filter, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
}

/* ---- what the application sees ---------------------------------------- */

typedef struct {
    request_rec *r;
    const char *prefix;
    mod_oidc_pass_as_t how;
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
    else if (x->how & MOD_OIDC_PASS_ENV) {
        apr_table_setn(x->r->subprocess_env, key, value);
    }
    if (x->how & MOD_OIDC_PASS_HEADERS) {
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

void mod_oidc_export_claims(request_rec *r, const mod_oidc_server_config_t *c,
                            mod_oidc_pass_as_t how, const oidc_session_t *s)
{
    const oidc_claims_names_t *names = s->export_names;
    export_ctx_t x = { r, mod_oidc_cfg_claim_prefix(c), how, 0 };

    if (how == MOD_OIDC_PASS_NONE) {
        return;
    }
    /* A kept session brings the names, made when it was kept. */
    if (names == NULL || strcmp(names->prefix, x.prefix) != 0) {
        names = oidc_claims_names_make(r->pool, s->flat, x.prefix);
    }
    x.add_env = (how & MOD_OIDC_PASS_ENV) && names->plain
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
        x.how = (mod_oidc_pass_as_t)(x.how & ~MOD_OIDC_PASS_ENV);
        x.add_env = 0;
        if (x.how == MOD_OIDC_PASS_NONE) {
            return;
        }
    }
#endif
    oidc_claims_export_named(s->flat, names, export_one, &x);
}

/* Tokens reach the application only where the admin asked for them. */
void mod_oidc_export_tokens(request_rec *r, const mod_oidc_dir_config_t *d,
                            const oidc_session_t *s)
{
    mod_oidc_pass_token_t at = mod_oidc_cfg_pass_access_token(d);

    if (at != MOD_OIDC_PASS_TOKEN_OFF && s->access_token != NULL) {
        apr_table_setn(r->subprocess_env, "OIDC_ACCESS_TOKEN", s->access_token);
        if (s->access_expires != 0) {
            apr_table_setn(r->subprocess_env, "OIDC_ACCESS_TOKEN_EXPIRES",
                           apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                        apr_time_sec(s->access_expires)));
        }
        if (at == MOD_OIDC_PASS_TOKEN_BEARER) {
            apr_table_setn(r->headers_in, "Authorization",
                           apr_pstrcat(r->pool, "Bearer ", s->access_token,
                                       NULL));
        }
    }
    if (mod_oidc_cfg_pass_id_token(d)) {
        const char *id_token = oidc_session_id_token(r->pool, s);
        if (id_token != NULL) {
            apr_table_setn(r->subprocess_env, "OIDC_ID_TOKEN", id_token);
        }
    }
    if (mod_oidc_cfg_pass_refresh_token(d) && s->refresh_token != NULL) {
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

void mod_oidc_strip_spoofed_headers(request_rec *r, const char *claim_prefix)
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
