/*
 * mod_authnz_oidc.c: the module record and its hooks.
 *
 *   post_read_request  removes claim-like headers from every request
 *   quick_handler      answers the module's own endpoints: the redirect
 *                      URI (the OP's callback) and the logout URIs
 *   check_user_id      AuthType oidc: session, or a redirect to the OP
 *   fixups             hides the module's cookies from the application and
 *                      sets a user's response's cache policy
 *   authz provider     Require oidc-claim (mod_authnz_oidc_authz.c)
 *
 * Pages the module produces go out as httpd error responses (a status and
 * ap_custom_response text), so protected content can never follow them.
 */
#include <string.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_config.h"
#include "mod/mod_authnz_oidc_check.h"
#include "mod/mod_authnz_oidc_directives.h"
#include "mod/mod_authnz_oidc_startup.h"
#include "mod/mod_authnz_oidc_request.h"
#include "mod/mod_authnz_oidc_authz.h"
#include "mod/mod_authnz_oidc_view.h"
#include "mod/mod_authnz_oidc_response.h"
#include "mod/mod_authnz_oidc_caching.h"
#include "mod/mod_authnz_oidc_export.h"
#include "mod/store/mod_authnz_oidc_store.h"
#include "core/proto/oidc_claims.h"
#include "core/http/oidc_cookie.h"

static mod_oidc_server_config_t *server_config(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &authnz_oidc_module);
}

/* REMOTE_USER: a top-level claim straight from the session's flat claims;
 * only a dotted path needs the JSON. */
static const char *remote_user(request_rec *r, mod_oidc_request_state_t *st,
                               const char *claim)
{
    const char *v = oidc_claims_flat_string(st->session->flat, claim);

    if (v == NULL && strchr(claim, '.') != NULL) {
        v = oidc_claims_string(r->pool, mod_oidc_request_claims(st), claim);
    }
    return v;
}

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    return mod_oidc_store_pre_config(pconf) == APR_SUCCESS ? OK : DONE;
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    mod_oidc_store_child_init(p, s);
}

static int post_read_request(request_rec *r)
{
    mod_oidc_server_config_t *c = server_config(r->server);

    mod_oidc_strip_spoofed_headers(r, mod_oidc_cfg_claim_prefix(c));
    return DECLINED;
}

/* The form body of a POST, bounded; NULL when unreadable or too large. */
static const char *read_form(request_rec *r, apr_size_t max)
{
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    char *buf;
    apr_size_t total = 0;
    long n;

    if (type == NULL || strncasecmp(type, "application/x-www-form-urlencoded",
                                    33) != 0
        || ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK) {
        return NULL;
    }
    buf = apr_palloc(r->pool, max + 1);
    if (ap_should_client_block(r)) {
        while ((n = ap_get_client_block(r, buf + total, max + 1 - total)) > 0) {
            total += (apr_size_t)n;
            if (total > max) {
                return NULL;
            }
        }
        if (n < 0) {
            return NULL;
        }
    }
    buf[total] = '\0';
    return buf;
}

/* The module's own endpoints, answered before any auth hook runs. */
typedef enum {
    ENDPOINT_NONE = 0,
    ENDPOINT_CALLBACK,
    ENDPOINT_LOGOUT,
    ENDPOINT_BACKCHANNEL,
    ENDPOINT_FRONTCHANNEL
} endpoint_t;

static endpoint_t endpoint_of(const mod_oidc_server_config_t *c,
                              const char *path)
{
    if (strcmp(path, c->redirect_path) == 0) {
        return ENDPOINT_CALLBACK;
    }
    if (c->logout_uri != NULL && strcmp(path, c->logout_uri) == 0) {
        return ENDPOINT_LOGOUT;
    }
    if (c->backchannel_uri != NULL && strcmp(path, c->backchannel_uri) == 0) {
        return ENDPOINT_BACKCHANNEL;
    }
    if (c->frontchannel_uri != NULL
        && strcmp(path, c->frontchannel_uri) == 0) {
        return ENDPOINT_FRONTCHANNEL;
    }
    return ENDPOINT_NONE;
}

static int quick_handler(request_rec *r, int lookup)
{
    mod_oidc_server_config_t *c = server_config(r->server);
    mod_oidc_request_t g;
    oidc_rp_result_t res;
    const char *form = NULL;
    endpoint_t which;

    if (lookup || c->rp == NULL || r->parsed_uri.path == NULL
        || !ap_is_initial_req(r)) {
        return DECLINED;
    }
    which = endpoint_of(c, r->parsed_uri.path);
    if (which == ENDPOINT_NONE) {
        return DECLINED;
    }
    if (which == ENDPOINT_BACKCHANNEL) {
        if (r->method_number != M_POST) {
            return HTTP_METHOD_NOT_ALLOWED;
        }
        form = read_form(r, OIDC_MAX_JWT_LEN + 64);
    }
    mod_oidc_request_init(&g, r, c);
    switch (which) {
    case ENDPOINT_CALLBACK:
        oidc_rp_callback(&g.ctx, &g.view, &res);
        break;
    case ENDPOINT_LOGOUT:
        oidc_rp_logout(&g.ctx, &g.view, &res);
        break;
    case ENDPOINT_BACKCHANNEL:
        oidc_rp_backchannel_logout(&g.ctx, form ? form : "", &res);
        break;
    default:
        oidc_rp_frontchannel_logout(&g.ctx, &g.view, &res);
    }
    return mod_oidc_respond(r, &g, &res);
}

static void export_identity(request_rec *r, const mod_oidc_server_config_t *c,
                            const mod_oidc_dir_config_t *d,
                            const mod_oidc_request_state_t *st)
{
    r->user = (char *)st->user;
    r->ap_auth_type = (char *)MOD_OIDC_AUTH_TYPE;
    mod_oidc_export_claims(r, c, mod_oidc_cfg_pass_claims_as(d), st->session);
    mod_oidc_export_tokens(r, d, st->session);
}

static int check_user_id(request_rec *r)
{
    mod_oidc_server_config_t *c;
    mod_oidc_dir_config_t *d;
    mod_oidc_request_state_t *st;
    mod_oidc_request_t g;
    oidc_rp_result_t res;
    oidc_rp_dir_t dir;
    const char *claim;
    const char *type = ap_auth_type(r);

    if (type == NULL || strcasecmp(type, MOD_OIDC_AUTH_TYPE) != 0) {
        return DECLINED;
    }
    c = server_config(r->server);
    d = ap_get_module_config(r->per_dir_config, &authnz_oidc_module);
    if (c->rp == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "[oidc-config] AuthType oidc is used here but "
                      "AuthOIDCProvider is not set for this virtual host");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st = mod_oidc_request_state(r);
    if (st != NULL) {
        export_identity(r, c, d, st);
        return OK;
    }

    mod_oidc_request_init(&g, r, c);
    dir = mod_oidc_dir_view(d);
    oidc_rp_authenticate(&g.ctx, &g.view, &dir, &res);
    if (res.kind != OIDC_RP_AUTHENTICATED) {
        return mod_oidc_respond(r, &g, &res);
    }

    claim = mod_oidc_cfg_remote_user_claim(d);
    st = mod_oidc_request_state_make(r, res.session);
    st->user = remote_user(r, st, claim);
    if (st->user == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "[oidc-claims] the session has no usable %s claim for "
                      "REMOTE_USER (AuthOIDCRemoteUserClaim)", claim);
        res.kind = OIDC_RP_ERROR;
        res.status = HTTP_FORBIDDEN;
        res.error = "access_denied";
        res.message = "Your account lacks the attribute this site needs to "
                      "identify you.";
        return mod_oidc_respond(r, &g, &res);
    }
    mod_oidc_request_state_set(r, st);
    export_identity(r, c, d, st);
    return OK;
}

/* The session cookie is a bearer credential: applications and proxied
 * backends never see the module's own cookies. */
static int fixups(request_rec *r)
{
    mod_oidc_server_config_t *c = server_config(r->server);
    const char *cookie;

    if (c->rp == NULL) {
        return DECLINED;
    }
    if (r->main == NULL && mod_oidc_request_state(r) != NULL) {
        mod_oidc_dir_config_t *d = ap_get_module_config(r->per_dir_config,
                                                        &authnz_oidc_module);
        mod_oidc_protect_from_caches(r, mod_oidc_cfg_cache_control(d));
    }
    cookie = apr_table_get(r->headers_in, "Cookie");
    if (cookie == NULL) {
        return DECLINED;
    }
    if (oidc_cookie_is_only(cookie, c->rp->cookie_name)) {
        apr_table_unset(r->headers_in, "Cookie");
    }
    else if (strstr(cookie, c->rp->cookie_name) != NULL) {
        const char *rest = oidc_cookies_strip_own(r->pool, cookie,
                                                  c->rp->cookie_name);
        if (rest != NULL) {
            apr_table_set(r->headers_in, "Cookie", rest);
        }
        else {
            apr_table_unset(r->headers_in, "Cookie");
        }
    }
    return DECLINED;
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mod_oidc_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mod_oidc_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(post_read_request, NULL, NULL,
                              APR_HOOK_REALLY_FIRST);
    ap_hook_quick_handler(quick_handler, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_fixups(fixups, NULL, NULL, APR_HOOK_LAST);
    ap_hook_check_authn(check_user_id, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    mod_oidc_authz_register(p);
    mod_oidc_register_response_hooks(p);
}

/* Not AP_DECLARE_MODULE: mod/mod_authnz_oidc.h already says APLOG_USE_MODULE. */
module AP_MODULE_DECLARE_DATA authnz_oidc_module = {
    STANDARD20_MODULE_STUFF,
    mod_oidc_create_dir_config,
    mod_oidc_merge_dir_config,
    mod_oidc_create_server_config,
    mod_oidc_merge_server_config,
    mod_oidc_directives,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
