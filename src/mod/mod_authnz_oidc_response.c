/* mod_authnz_oidc_response.c: from the core's outcome to an httpd response:
 * redirects, short pages or JSON, and the admin's ErrorDocument. */
#include <string.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <mod_core.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_response.h"
#include "mod/mod_authnz_oidc_caching.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_json.h"

#define ERROR_FILTER "AUTHNZ_OIDC_ERROR"
#define NOTE_JSON_ERROR "authnz_oidc_json_error"
#define NOTE_FORBIDDEN "authnz_oidc_forbidden"
#define NOTE_HTML_ERROR "authnz_oidc_html_error"

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
    mod_oidc_register_cache_filter();
    ap_register_output_filter(ERROR_FILTER, error_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    ap_hook_insert_filter(insert_filter, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
}
