/* mod_authnz_oidc_config.c: directives, config merging, and the checks that
 * make `apachectl configtest` catch mistakes. */
#include <string.h>
#include <apr_fnmatch.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_main.h>
#include <ap_mpm.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_config.h"
#include "mod/store/mod_authnz_oidc_store.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_params.h"
#include "core/util/oidc_secret.h"
#include "core/util/oidc_encode.h"
#include "core/cache/oidc_session_cache.h"

/* Not defaults: fixed by the module. */
#define METADATA_REFRESH           apr_time_from_sec(3600)
/* Opened sessions each process keeps: at most 256 of 8 kB each per
 * provider, allocated as they are kept. */
#define SESSION_CACHE_SLOTS        256
#define SESSION_CACHE_RECORD       8192
#define CLOCK_SKEW                 apr_time_from_sec(120)
#define MIN_SESSION_KEY_LEN        32

/* A number no directive wrote (a pointer's is NULL). */
#define UNSET (-1)

/* ---- the defaults, and the getters that apply them ---------------------- */

/* Every default, in one place. The configs keep only what was written, so
 * that merging can tell "unset" from a value that equals its default;
 * the getters below fall back to these when a member is still unset. */
static const mod_oidc_server_config_t server_defaults = {
    .client_auth = OIDC_CLIENT_AUTH_BASIC,
    .store_spec = "shmcb",
    .inactivity = apr_time_from_sec(3600),
    .max_age = apr_time_from_sec(8 * 3600),
    .max_session_size = 16384,
    .session_cache = 1,
    .cookie_name = "oidc_session",
    .claim_prefix = "OIDC_CLAIM_",
    .ssl_verify = 1,
    .http_timeout = apr_time_from_sec(5),
    .userinfo = 0,
    .userinfo_interval = 0,             /* at login only */
    .refresh_before = apr_time_from_sec(60),
    .refresh_failure = OIDC_REFRESH_FAILURE_REAUTHENTICATE,
    .idp_logout = -1,                   /* when the OP has end_session */
};

static const mod_oidc_dir_config_t dir_defaults = {
    .scope = "openid",
    .auth_params = "",
    .remote_user_claim = "sub",
    .pass_claims_as = MOD_OIDC_PASS_ENV,
    .pass_access_token = MOD_OIDC_PASS_TOKEN_OFF,
    .pass_id_token = 0,
    .pass_refresh_token = 0,
    /* A browser revalidates every protected page, so that once signed out
     * it is sent to sign in instead of shown the page from its cache. */
    .cache_control = "private, no-cache",
};

#define SRV_STR(c, f) ((c)->f != NULL ? (c)->f : server_defaults.f)
#define SRV_NUM(c, f) ((c)->f != UNSET ? (c)->f : server_defaults.f)
#define DIR_STR(d, f) ((d)->f != NULL ? (d)->f : dir_defaults.f)
#define DIR_NUM(d, f) ((d)->f != UNSET ? (d)->f : dir_defaults.f)

oidc_client_auth_t mod_oidc_cfg_client_auth(const mod_oidc_server_config_t *c)
{
    return (oidc_client_auth_t)SRV_NUM(c, client_auth);
}

const char *mod_oidc_cfg_store_spec(const mod_oidc_server_config_t *c)
{
    return SRV_STR(c, store_spec);
}

apr_interval_time_t mod_oidc_cfg_inactivity(const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, inactivity);
}

apr_interval_time_t mod_oidc_cfg_max_age(const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, max_age);
}

apr_size_t mod_oidc_cfg_max_session_size(const mod_oidc_server_config_t *c)
{
    return (apr_size_t)SRV_NUM(c, max_session_size);
}

int mod_oidc_cfg_session_cache(const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, session_cache);
}

const char *mod_oidc_cfg_cookie_name(const mod_oidc_server_config_t *c)
{
    return SRV_STR(c, cookie_name);
}

const char *mod_oidc_cfg_claim_prefix(const mod_oidc_server_config_t *c)
{
    return SRV_STR(c, claim_prefix);
}

int mod_oidc_cfg_ssl_verify(const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, ssl_verify);
}

apr_interval_time_t mod_oidc_cfg_http_timeout(const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, http_timeout);
}

int mod_oidc_cfg_userinfo(const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, userinfo);
}

apr_interval_time_t mod_oidc_cfg_userinfo_interval(
    const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, userinfo_interval);
}

apr_interval_time_t mod_oidc_cfg_refresh_before(
    const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, refresh_before);
}

oidc_refresh_failure_t mod_oidc_cfg_refresh_failure(
    const mod_oidc_server_config_t *c)
{
    return (oidc_refresh_failure_t)SRV_NUM(c, refresh_failure);
}

int mod_oidc_cfg_idp_logout(const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, idp_logout);
}

const char *mod_oidc_cfg_scope(const mod_oidc_dir_config_t *d)
{
    return DIR_STR(d, scope);
}

const char *mod_oidc_cfg_auth_params(const mod_oidc_dir_config_t *d)
{
    return DIR_STR(d, auth_params);
}

const char *mod_oidc_cfg_remote_user_claim(const mod_oidc_dir_config_t *d)
{
    return DIR_STR(d, remote_user_claim);
}

mod_oidc_pass_as_t mod_oidc_cfg_pass_claims_as(const mod_oidc_dir_config_t *d)
{
    return (mod_oidc_pass_as_t)DIR_NUM(d, pass_claims_as);
}

mod_oidc_pass_token_t mod_oidc_cfg_pass_access_token(
    const mod_oidc_dir_config_t *d)
{
    return (mod_oidc_pass_token_t)DIR_NUM(d, pass_access_token);
}

int mod_oidc_cfg_pass_id_token(const mod_oidc_dir_config_t *d)
{
    return DIR_NUM(d, pass_id_token);
}

int mod_oidc_cfg_pass_refresh_token(const mod_oidc_dir_config_t *d)
{
    return DIR_NUM(d, pass_refresh_token);
}

const char *mod_oidc_cfg_cache_control(const mod_oidc_dir_config_t *d)
{
    const char *v = DIR_STR(d, cache_control);

    return *v != '\0' ? v : NULL;      /* "off" is stored as "" */
}

oidc_rp_dir_t mod_oidc_dir_view(const mod_oidc_dir_config_t *d)
{
    oidc_rp_dir_t v;

    v.scope = mod_oidc_cfg_scope(d);
    v.auth_params = mod_oidc_cfg_auth_params(d);
    return v;
}

/* ---- creating and merging ------------------------------------------------ */

void *mod_oidc_create_server_config(apr_pool_t *p, server_rec *s)
{
    mod_oidc_server_config_t *c = apr_pcalloc(p, sizeof(*c));

    c->client_auth = UNSET;
    c->inactivity = UNSET;
    c->max_age = UNSET;
    c->max_session_size = UNSET;
    c->ssl_verify = UNSET;
    c->http_timeout = UNSET;
    c->idp_logout = UNSET;
    c->userinfo = UNSET;
    c->session_cache = UNSET;
    c->userinfo_interval = UNSET;
    c->refresh_before = UNSET;
    c->refresh_failure = UNSET;
    return c;
}

#define MERGE_PTR(f) m->f = add->f ? add->f : base->f
#define MERGE_NUM(f) m->f = add->f != UNSET ? add->f : base->f

void *mod_oidc_merge_server_config(apr_pool_t *p, void *base_, void *add_)
{
    mod_oidc_server_config_t *base = base_, *add = add_;
    mod_oidc_server_config_t *m = apr_pcalloc(p, sizeof(*m));

    MERGE_PTR(issuer);
    MERGE_PTR(client_id);
    MERGE_PTR(client_secret);
    MERGE_NUM(client_auth);
    MERGE_PTR(redirect_uri);
    MERGE_PTR(session_key);
    MERGE_PTR(store_spec);
    MERGE_NUM(inactivity);
    MERGE_NUM(max_age);
    MERGE_NUM(max_session_size);
    MERGE_PTR(cookie_name);
    MERGE_PTR(claim_prefix);
    MERGE_NUM(ssl_verify);
    MERGE_PTR(ca_bundle);
    MERGE_NUM(http_timeout);
    MERGE_PTR(logout_uri);
    MERGE_PTR(backchannel_uri);
    MERGE_PTR(frontchannel_uri);
    MERGE_PTR(post_logout_uri);
    MERGE_NUM(idp_logout);
    MERGE_NUM(userinfo);
    MERGE_NUM(session_cache);
    MERGE_NUM(userinfo_interval);
    MERGE_NUM(refresh_before);
    MERGE_NUM(refresh_failure);
    m->auth_type_uses = add->auth_type_uses;
    m->removed_lag_at = add->removed_lag_at;   /* warned where written */
    return m;
}

void *mod_oidc_create_dir_config(apr_pool_t *p, char *dir)
{
    mod_oidc_dir_config_t *d = apr_pcalloc(p, sizeof(*d));

    d->pass_claims_as = UNSET;
    d->pass_access_token = UNSET;
    d->pass_id_token = UNSET;
    d->pass_refresh_token = UNSET;
    return d;
}

void *mod_oidc_merge_dir_config(apr_pool_t *p, void *base_, void *add_)
{
    mod_oidc_dir_config_t *base = base_, *add = add_;
    mod_oidc_dir_config_t *m = apr_pcalloc(p, sizeof(*m));

    MERGE_PTR(scope);
    MERGE_PTR(auth_params);
    MERGE_PTR(remote_user_claim);
    MERGE_NUM(pass_claims_as);
    MERGE_NUM(pass_access_token);
    MERGE_NUM(pass_id_token);
    MERGE_NUM(pass_refresh_token);
    MERGE_PTR(cache_control);
    return m;
}

/* ---- directive handlers -------------------------------------------------- */

static mod_oidc_server_config_t *server_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config,
                                &authnz_oidc_module);
}

/* ap_set_flag_slot for a member of the server config: httpd's slot
 * setters write to the directory config. */
static const char *set_server_flag_slot(cmd_parms *cmd, void *dc, int flag)
{
    int offset = (int)(long)cmd->info;

    *(int *)((char *)server_conf(cmd) + offset) = flag ? 1 : 0;
    return NULL;
}

static int is_http_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static int is_token(const char *s, const char *extra)
{
    if (*s == '\0') {
        return 0;
    }
    for (; *s; s++) {
        if (!apr_isalnum(*s) && strchr(extra, *s) == NULL) {
            return 0;
        }
    }
    return 1;
}

/* The first character of s that RFC 3986 does not allow in a URI ('%' only
 * before two hex digits), or NULL. apr_uri_parse takes spaces and quotes,
 * which the OP would then refuse, or a browser mangle, at run time. */
static const char *bad_url_char(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '%') {
            if (!apr_isxdigit(s[1]) || !apr_isxdigit(s[2])) {
                return s;
            }
            s += 2;
        }
        else if (!apr_isalnum(*s)
                 && strchr("-._~:/?#[]@!$&'()*+,;=", *s) == NULL) {
            return s;
        }
    }
    return NULL;
}

/* "DIRECTIVE: 'c' (at position N) is not allowed in a URL: FIX", or NULL. */
static const char *url_chars_problem(apr_pool_t *p, const char *directive,
                                     const char *arg, const char *fix)
{
    const char *bad = bad_url_char(arg);
    const char *what;

    if (bad == NULL) {
        return NULL;
    }
    what = *bad == ' ' ? "a space"
         : apr_iscntrl(*bad) || (*bad & 0x80) ? "a control or non-ASCII byte"
         : apr_psprintf(p, "'%c'", *bad);
    return apr_psprintf(p, "%s: %s (at position %d) is not allowed in a URL: "
                        "%s", directive, what, (int)(bad - arg) + 1, fix);
}

static const char *set_provider(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_uri_t uri;
    const char *err = url_chars_problem(cmd->pool, "AuthOIDCProvider", arg,
                                        "give the issuer exactly as the OP "
                                        "publishes it, such as "
                                        "https://sso.example.com");

    if (err != NULL) {
        return err;
    }
    if (!is_http_url(arg) || apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS
        || uri.hostname == NULL || *uri.hostname == '\0'
        || uri.query != NULL || uri.fragment != NULL) {
        return "AuthOIDCProvider must be the issuer URL, such as "
               "https://sso.example.com (no query or fragment)";
    }
    server_conf(cmd)->issuer = arg;
    return NULL;
}

static const char *set_client_id(cmd_parms *cmd, void *dc, const char *arg)
{
    if (*arg == '\0') {
        return "AuthOIDCClientID must not be empty";
    }
    server_conf(cmd)->client_id = arg;
    return NULL;
}

static const char *resolve_secret(cmd_parms *cmd, const char *directive,
                                  const char *spec, const char **out)
{
    const char *err, *value;

    /* Like every httpd path, a relative file: is under ServerRoot. */
    if (strncmp(spec, "file:", 5) == 0 && spec[5] != '\0') {
        const char *path = ap_server_root_relative(cmd->pool, spec + 5);
        if (path == NULL) {
            return apr_psprintf(cmd->pool, "%s: invalid file path", directive);
        }
        spec = apr_pstrcat(cmd->pool, "file:", path, NULL);
    }
    value = oidc_secret_resolve(cmd->pool, spec, &err);

    if (value == NULL) {
        return apr_psprintf(cmd->pool, "%s: %s", directive, err);
    }
    *out = value;
    return NULL;
}

static const char *set_client_secret(cmd_parms *cmd, void *dc,
                                     const char *arg)
{
    return resolve_secret(cmd, "AuthOIDCClientSecret", arg,
                          &server_conf(cmd)->client_secret);
}

static const char *set_client_auth(cmd_parms *cmd, void *dc, const char *arg)
{
    mod_oidc_server_config_t *c = server_conf(cmd);

    if (strcasecmp(arg, "client_secret_basic") == 0) {
        c->client_auth = OIDC_CLIENT_AUTH_BASIC;
    }
    else if (strcasecmp(arg, "client_secret_post") == 0) {
        c->client_auth = OIDC_CLIENT_AUTH_POST;
    }
    else if (strcasecmp(arg, "none") == 0) {
        c->client_auth = OIDC_CLIENT_AUTH_NONE;
    }
    else {
        return "AuthOIDCClientAuth must be client_secret_basic, "
               "client_secret_post or none";
    }
    return NULL;
}

static const char *set_redirect_uri(cmd_parms *cmd, void *dc,
                                    const char *arg)
{
    apr_uri_t uri;
    const char *err = url_chars_problem(cmd->pool, "AuthOIDCRedirectURI", arg,
                                        "use a path such as /oidc/callback");

    if (err != NULL) {
        return err;
    }
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS
        || uri.query != NULL || uri.fragment != NULL
        || !(arg[0] == '/' || (is_http_url(arg) && uri.hostname != NULL))
        || uri.path == NULL || uri.path[0] != '/' || uri.path[1] == '\0'
        || strstr(arg, "//") == arg) {
        return "AuthOIDCRedirectURI must be a path such as /oidc/callback, "
               "or an absolute http(s) URL, without query or fragment";
    }
    /* The callback is answered for that exact path (endpoint_of), so a
     * directory URL would hide its index page, often an application's
     * home. */
    if (uri.path[strlen(uri.path) - 1] == '/') {
        return apr_psprintf(cmd->pool, "AuthOIDCRedirectURI %s ends in '/': "
                            "the module answers that exact URL, so the index "
                            "page there would never be served; use a path no "
                            "page has, such as %soidc-callback", arg,
                            uri.path);
    }
    server_conf(cmd)->redirect_uri = arg;
    return NULL;
}

static const char *set_scope(cmd_parms *cmd, void *dc, const char *arg)
{
    mod_oidc_dir_config_t *d = dc;
    const char *w, *s = arg;
    int has_openid = 0;

    while (*(w = ap_getword_white(cmd->pool, &s)) != '\0') {
        if (!is_token(w, "-_.:/")) {
            return apr_psprintf(cmd->pool, "AuthOIDCScope: '%s' is not a "
                                "valid scope value", w);
        }
        has_openid |= strcmp(w, "openid") == 0;
    }
    if (!has_openid) {
        return "AuthOIDCScope must include \"openid\"";
    }
    d->scope = arg;
    return NULL;
}

typedef struct {
    apr_pool_t *pool;
    const char *encoded;
    const char *err;
} auth_params_ctx_t;

static int encode_auth_param(void *baton, const char *name, const char *value)
{
    auth_params_ctx_t *a = baton;

    if (*name == '\0' || oidc_rp_reserved_auth_param(name)) {
        a->err = apr_psprintf(a->pool, "AuthOIDCAuthParams may not set '%s': "
                              "the module sets it itself", name);
        return 0;
    }
    a->encoded = apr_pstrcat(a->pool, a->encoded, "&",
                             oidc_url_encode(a->pool, name), "=",
                             oidc_url_encode(a->pool, value), NULL);
    return 1;
}

static const char *set_auth_params(cmd_parms *cmd, void *dc, const char *arg)
{
    mod_oidc_dir_config_t *d = dc;
    apr_table_t *t;
    auth_params_ctx_t a = { cmd->pool, "", NULL };

    if (oidc_params_parse(cmd->pool, arg, 4096, &t) != OIDC_PARAMS_OK) {
        return "AuthOIDCAuthParams must be name=value pairs joined by '&', "
               "such as \"prompt=login&ui_locales=de\"";
    }
    apr_table_do(encode_auth_param, &a, t, NULL);
    if (a.err != NULL) {
        return a.err;
    }
    d->auth_params = a.encoded;
    return NULL;
}

static const char *set_session_key(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *key = NULL, *err;

    err = resolve_secret(cmd, "AuthOIDCSessionKey", arg, &key);
    if (err != NULL) {
        return err;
    }
    if (strlen(key) < MIN_SESSION_KEY_LEN) {
        return "AuthOIDCSessionKey must be at least 32 characters; make one "
               "with: openssl rand -base64 48";
    }
    server_conf(cmd)->session_key = key;
    return NULL;
}

static const char *set_store(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = mod_oidc_store_check_spec(cmd->pool, arg);
    if (err != NULL) {
        return apr_psprintf(cmd->pool, "AuthOIDCSessionStore %s: %s", arg,
                            err);
    }
    server_conf(cmd)->store_spec = arg;
    return NULL;
}

static const char *parse_seconds(cmd_parms *cmd, const char *directive,
                                 const char *arg, apr_int64_t min,
                                 apr_int64_t max, apr_interval_time_t *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < min || v > max) {
        return apr_psprintf(cmd->pool, "%s must be a number of seconds "
                            "from %" APR_INT64_T_FMT " to %" APR_INT64_T_FMT,
                            directive, min, max);
    }
    *out = apr_time_from_sec(v);
    return NULL;
}

static const char *set_inactivity(cmd_parms *cmd, void *dc, const char *arg)
{
    return parse_seconds(cmd, "AuthOIDCSessionInactivityTimeout", arg, 60,
                         30L * 86400, &server_conf(cmd)->inactivity);
}

static const char *set_max_age(cmd_parms *cmd, void *dc, const char *arg)
{
    return parse_seconds(cmd, "AuthOIDCSessionMaxAge", arg, 60, 365L * 86400,
                         &server_conf(cmd)->max_age);
}

static const char *set_http_timeout(cmd_parms *cmd, void *dc,
                                    const char *arg)
{
    return parse_seconds(cmd, "AuthOIDCHTTPTimeout", arg, 1, 60,
                         &server_conf(cmd)->http_timeout);
}

static const char *set_max_session_size(cmd_parms *cmd, void *dc,
                                        const char *arg)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < 2048 || v > 262144) {
        return "AuthOIDCSessionMaxSize must be a number of bytes from 2048 "
               "to 262144";
    }
    server_conf(cmd)->max_session_size = v;
    return NULL;
}

static const char *set_cookie_name(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!is_token(arg, "_-") || strlen(arg) > 64) {
        return "AuthOIDCCookieName may use letters, digits, '_' and '-' only "
               "(at most 64)";
    }
    server_conf(cmd)->cookie_name = arg;
    return NULL;
}

static const char *set_remote_user_claim(cmd_parms *cmd, void *dc,
                                         const char *arg)
{
    if (!is_token(arg, "_-.:")) {
        return "AuthOIDCRemoteUserClaim must be a claim name such as sub, "
               "email or preferred_username";
    }
    ((mod_oidc_dir_config_t *)dc)->remote_user_claim = arg;
    return NULL;
}

static const char *set_claim_prefix(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!is_token(arg, "_-") || strlen(arg) > 64) {
        return "AuthOIDCClaimPrefix may use letters, digits, '_' and '-' only";
    }
    server_conf(cmd)->claim_prefix = arg;
    return NULL;
}

static const char *set_pass_claims_as(cmd_parms *cmd, void *dc,
                                      const char *arg)
{
    mod_oidc_dir_config_t *d = dc;

    if (strcasecmp(arg, "environment") == 0) {
        d->pass_claims_as = MOD_OIDC_PASS_ENV;
    }
    else if (strcasecmp(arg, "headers") == 0) {
        d->pass_claims_as = MOD_OIDC_PASS_HEADERS;
    }
    else if (strcasecmp(arg, "both") == 0) {
        d->pass_claims_as = MOD_OIDC_PASS_BOTH;
    }
    else if (strcasecmp(arg, "none") == 0) {
        d->pass_claims_as = MOD_OIDC_PASS_NONE;
    }
    else {
        return "AuthOIDCPassClaimsAs must be environment, headers, both or "
               "none";
    }
    return NULL;
}

static const char *set_pass_access_token(cmd_parms *cmd, void *dc,
                                         const char *arg)
{
    mod_oidc_dir_config_t *d = dc;

    if (strcasecmp(arg, "off") == 0) {
        d->pass_access_token = MOD_OIDC_PASS_TOKEN_OFF;
    }
    else if (strcasecmp(arg, "on") == 0) {
        d->pass_access_token = MOD_OIDC_PASS_TOKEN_ENV;
    }
    else if (strcasecmp(arg, "bearer") == 0) {
        d->pass_access_token = MOD_OIDC_PASS_TOKEN_BEARER;
    }
    else {
        return "AuthOIDCPassAccessToken must be off, on (environment) or "
               "bearer (environment and Authorization: Bearer upstream)";
    }
    return NULL;
}

static const char *set_cache_control(cmd_parms *cmd, void *dc,
                                     const char *arg)
{
    const char *c;

    if (strcasecmp(arg, "off") == 0) {
        ((mod_oidc_dir_config_t *)dc)->cache_control = "";
        return NULL;
    }
    for (c = arg; *c; c++) {
        if (*c < 0x20 || *c > 0x7e) {
            break;
        }
    }
    if (*arg == '\0' || *c != '\0') {
        return "AuthOIDCCacheControl must be a Cache-Control value such as "
               "\"private, no-cache\" (printable characters only), or off";
    }
    /* "private" always: made once here, not per request. */
    ((mod_oidc_dir_config_t *)dc)->cache_control =
        ap_find_token(cmd->pool, arg, "private")
        ? arg : apr_pstrcat(cmd->pool, "private, ", arg, NULL);
    return NULL;
}

static int is_local_path(const char *s)
{
    return s[0] == '/' && s[1] != '/' && s[1] != '\\'
        && strpbrk(s, "?# \t\r\n") == NULL;
}

/* A path the module answers itself (endpoint_of): not the site's root. */
static int is_endpoint_path(const char *s)
{
    return is_local_path(s) && s[1] != '\0';
}

static const char *set_logout_uri(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!is_endpoint_path(arg)) {
        return "AuthOIDCLogoutURI must be a path such as /oidc/logout";
    }
    server_conf(cmd)->logout_uri = arg;
    return NULL;
}

static const char *set_backchannel_uri(cmd_parms *cmd, void *dc,
                                       const char *arg)
{
    if (!is_endpoint_path(arg)) {
        return "AuthOIDCBackChannelLogoutURI must be a path such as "
               "/oidc/backchannel-logout";
    }
    server_conf(cmd)->backchannel_uri = arg;
    return NULL;
}

static const char *set_frontchannel_uri(cmd_parms *cmd, void *dc,
                                        const char *arg)
{
    if (!is_endpoint_path(arg)) {
        return "AuthOIDCFrontChannelLogoutURI must be a path such as "
               "/oidc/frontchannel-logout";
    }
    server_conf(cmd)->frontchannel_uri = arg;
    return NULL;
}

static const char *set_post_logout_uri(cmd_parms *cmd, void *dc,
                                       const char *arg)
{
    apr_uri_t uri;

    if (!(arg[0] == '/' ? is_local_path(arg)
          : is_http_url(arg) && apr_uri_parse(cmd->pool, arg, &uri)
                == APR_SUCCESS && uri.hostname != NULL)
        || strpbrk(arg, " \t\r\n\\") != NULL) {
        return "AuthOIDCPostLogoutRedirectURI must be a path or an absolute "
               "http(s) URL";
    }
    server_conf(cmd)->post_logout_uri = arg;
    return NULL;
}

/* AuthOIDCSessionCacheLag went with the memcache change log: accepted
 * for one release, so that a configuration that has it still starts, and
 * named in the error log at startup (mod_oidc_post_config). */
static const char *set_removed_cache_lag(cmd_parms *cmd, void *dc,
                                         const char *arg)
{
    server_conf(cmd)->removed_lag_at = cmd->directive == NULL ? "?"
        : apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                       cmd->directive->line_num);
    return NULL;
}

static const char *set_userinfo_interval(cmd_parms *cmd, void *dc,
                                         const char *arg)
{
    if (strcmp(arg, "0") == 0) {
        server_conf(cmd)->userinfo_interval = 0;
        return NULL;
    }
    return parse_seconds(cmd, "AuthOIDCUserInfoRefreshInterval", arg, 1,
                         86400, &server_conf(cmd)->userinfo_interval);
}

static const char *set_refresh_before(cmd_parms *cmd, void *dc,
                                      const char *arg)
{
    return parse_seconds(cmd, "AuthOIDCRefreshBeforeExpiry", arg, 0, 86400,
                         &server_conf(cmd)->refresh_before);
}

static const char *set_refresh_failure(cmd_parms *cmd, void *dc,
                                       const char *arg)
{
    mod_oidc_server_config_t *c = server_conf(cmd);

    if (strcasecmp(arg, "reauthenticate") == 0) {
        c->refresh_failure = OIDC_REFRESH_FAILURE_REAUTHENTICATE;
    }
    else if (strcmp(arg, "401") == 0) {
        c->refresh_failure = OIDC_REFRESH_FAILURE_401;
    }
    else if (strcmp(arg, "502") == 0) {
        c->refresh_failure = OIDC_REFRESH_FAILURE_502;
    }
    else {
        return "AuthOIDCRefreshFailure must be reauthenticate, 401 or 502";
    }
    return NULL;
}

static const char *set_ca_bundle(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;

    if (path == NULL
        || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->pool) != APR_SUCCESS
        || fi.filetype != APR_REG) {
        return apr_psprintf(cmd->pool, "AuthOIDCCABundle: %s is not a "
                            "readable file", arg);
    }
    server_conf(cmd)->ca_bundle = path;
    return NULL;
}

static mod_oidc_section_kind_t section_kind(const ap_directive_t *section)
{
    const char *args = section ? section->args : "";

    while (apr_isspace(*args)) {
        args++;
    }
    if (section == NULL || *args == '~') {
        return MOD_OIDC_SECTION_OTHER;
    }
    if (strcasecmp(section->directive, "<Location") == 0) {
        return MOD_OIDC_SECTION_LOCATION;
    }
    if (strcasecmp(section->directive, "<Directory") == 0) {
        return MOD_OIDC_SECTION_DIRECTORY;
    }
    return MOD_OIDC_SECTION_OTHER;
}

/* mod_authn_core owns AuthType. This handler notes where `AuthType oidc`
 * is written and declines: httpd's config walker then hands the directive
 * to mod_authn_core too, whichever of the two was loaded first (both
 * orders are tested in 010-config). .htaccess files are read per request,
 * while threads share the server config, so nothing is noted then: the
 * run-time 500 of check_user_id remains for those. */
static const char *note_auth_type(cmd_parms *cmd, void *dc, const char *arg)
{
    int state = ap_state_query(AP_SQ_MAIN_STATE);
    mod_oidc_server_config_t *c = server_conf(cmd);
    mod_oidc_auth_type_use_t *u;

    if (ap_find_linked_module("mod_authn_core.c") == NULL) {
        return "AuthType needs mod_authn_core, which is not loaded: load it "
               "with LoadModule authn_core_module (a2enmod authn_core)";
    }
    if (strcasecmp(arg, MOD_OIDC_AUTH_TYPE) != 0 || cmd->directive == NULL
        || (state != AP_SQ_MS_CREATE_PRE_CONFIG
            && state != AP_SQ_MS_CREATE_CONFIG)) {
        return DECLINE_CMD;
    }
    if (c->auth_type_uses == NULL) {
        c->auth_type_uses = apr_array_make(cmd->pool, 4, sizeof(*u));
    }
    u = apr_array_push(c->auth_type_uses);
    u->file = cmd->directive->filename;
    u->line = (unsigned)cmd->directive->line_num;
    u->path = cmd->path;
    u->kind = section_kind(cmd->directive->parent);
    return DECLINE_CMD;
}

/* Per-directory directives: also in <Directory>, <Location> and, with
 * AllowOverride AuthConfig, .htaccess. The others are per server. */
#define MOD_OIDC_DIR_SCOPE (RSRC_CONF | ACCESS_CONF | OR_AUTHCFG)
#define SRV_SLOT(f) (void *)APR_OFFSETOF(mod_oidc_server_config_t, f)
#define DIR_SLOT(f) (void *)APR_OFFSETOF(mod_oidc_dir_config_t, f)

const command_rec mod_oidc_directives[] = {
    /* mod_authn_core's directive, its help text: see note_auth_type. */
    AP_INIT_TAKE1("AuthType", note_auth_type, NULL, OR_AUTHCFG,
        "an HTTP authorization type (e.g., \"Basic\")"),
    AP_INIT_TAKE1("AuthOIDCProvider", set_provider, NULL, RSRC_CONF,
        "The OpenID Provider's issuer URL; discovery is read from it"),
    AP_INIT_TAKE1("AuthOIDCClientID", set_client_id, NULL, RSRC_CONF,
        "The client_id registered at the OP"),
    AP_INIT_TAKE1("AuthOIDCClientSecret", set_client_secret, NULL, RSRC_CONF,
        "The client secret: file:PATH, env:NAME or the literal value"),
    AP_INIT_TAKE1("AuthOIDCClientAuth", set_client_auth, NULL, RSRC_CONF,
        "client_secret_basic (default), client_secret_post or none"),
    AP_INIT_TAKE1("AuthOIDCRedirectURI", set_redirect_uri, NULL, RSRC_CONF,
        "The path (or absolute URL) the OP returns browsers to"),
    AP_INIT_TAKE1("AuthOIDCScope", set_scope, NULL, MOD_OIDC_DIR_SCOPE,
        "Space-separated scopes to request; must include openid"),
    AP_INIT_TAKE1("AuthOIDCAuthParams", set_auth_params, NULL,
        MOD_OIDC_DIR_SCOPE,
        "Extra authorization request parameters, as name=value&name=value"),
    AP_INIT_TAKE1("AuthOIDCSessionKey", set_session_key, NULL, RSRC_CONF,
        "Session encryption key material (>= 32 chars): file:, env: or literal"),
    AP_INIT_TAKE1("AuthOIDCSessionStore", set_store, NULL, RSRC_CONF,
        "shmcb[:/path(bytes)], memcache:host:port[,host:port] or redis:host:port"),
    AP_INIT_TAKE1("AuthOIDCSessionInactivityTimeout", set_inactivity, NULL,
        RSRC_CONF, "Seconds without a request after which a session ends"),
    AP_INIT_TAKE1("AuthOIDCSessionMaxAge", set_max_age, NULL, RSRC_CONF,
        "Seconds after login at which a session ends regardless"),
    AP_INIT_TAKE1("AuthOIDCSessionMaxSize", set_max_session_size, NULL,
        RSRC_CONF, "Largest stored session record, in bytes"),
    AP_INIT_FLAG("AuthOIDCSessionCache", set_server_flag_slot,
        SRV_SLOT(session_cache), RSRC_CONF,
        "Keep opened sessions in each process while the store vouches for "
        "them (shmcb, redis; memcache is read on every request); "
        "default On"),
    AP_INIT_TAKE1("AuthOIDCSessionCacheLag", set_removed_cache_lag, NULL,
        RSRC_CONF, "Removed: does nothing (memcache is read on every request)"),
    AP_INIT_TAKE1("AuthOIDCCookieName", set_cookie_name, NULL, RSRC_CONF,
        "Name of the session cookie"),
    AP_INIT_TAKE1("AuthOIDCRemoteUserClaim", set_remote_user_claim, NULL,
        MOD_OIDC_DIR_SCOPE, "The claim that becomes REMOTE_USER (default sub)"),
    AP_INIT_TAKE1("AuthOIDCClaimPrefix", set_claim_prefix, NULL, RSRC_CONF,
        "Prefix of claim variables and headers (default OIDC_CLAIM_)"),
    AP_INIT_TAKE1("AuthOIDCPassClaimsAs", set_pass_claims_as, NULL,
        MOD_OIDC_DIR_SCOPE, "environment (default), headers, both or none"),
    AP_INIT_TAKE1("AuthOIDCPassAccessToken", set_pass_access_token, NULL,
        MOD_OIDC_DIR_SCOPE,
        "off (default), on (OIDC_ACCESS_TOKEN), or bearer (also Authorization)"),
    AP_INIT_FLAG("AuthOIDCPassIDToken", ap_set_flag_slot,
        DIR_SLOT(pass_id_token), MOD_OIDC_DIR_SCOPE,
        "Pass the ID token as OIDC_ID_TOKEN (default Off)"),
    AP_INIT_FLAG("AuthOIDCPassRefreshToken", ap_set_flag_slot,
        DIR_SLOT(pass_refresh_token), MOD_OIDC_DIR_SCOPE,
        "Pass the refresh token as OIDC_REFRESH_TOKEN (default Off)"),
    AP_INIT_TAKE1("AuthOIDCCacheControl", set_cache_control, NULL,
        MOD_OIDC_DIR_SCOPE,
        "Cache-Control of protected responses whose application sets none "
        "(default \"private, no-cache\"); off: only private is added"),
    AP_INIT_FLAG("AuthOIDCUserInfo", set_server_flag_slot,
        SRV_SLOT(userinfo), RSRC_CONF,
        "Merge claims from the OP's userinfo_endpoint at login (default Off)"),
    AP_INIT_TAKE1("AuthOIDCUserInfoRefreshInterval", set_userinfo_interval,
        NULL, RSRC_CONF, "Seconds between UserInfo refreshes; 0: at login only"),
    AP_INIT_TAKE1("AuthOIDCRefreshBeforeExpiry", set_refresh_before, NULL,
        RSRC_CONF,
        "Seconds before expiry to refresh the access token (default 60)"),
    AP_INIT_TAKE1("AuthOIDCRefreshFailure", set_refresh_failure, NULL,
        RSRC_CONF,
        "When the OP refuses a refresh: reauthenticate (default), 401 or 502"),
    AP_INIT_TAKE1("AuthOIDCLogoutURI", set_logout_uri, NULL, RSRC_CONF,
        "The path that signs users out (the module answers it itself)"),
    AP_INIT_TAKE1("AuthOIDCBackChannelLogoutURI", set_backchannel_uri, NULL,
        RSRC_CONF,
        "The path the OP POSTs logout tokens to (register it at the OP)"),
    AP_INIT_TAKE1("AuthOIDCFrontChannelLogoutURI", set_frontchannel_uri,
        NULL, RSRC_CONF,
        "The path the OP loads in an iframe to sign users out"),
    AP_INIT_TAKE1("AuthOIDCPostLogoutRedirectURI", set_post_logout_uri, NULL,
        RSRC_CONF, "Where users land after logout (default /)"),
    AP_INIT_FLAG("AuthOIDCIdPLogout", set_server_flag_slot,
        SRV_SLOT(idp_logout), RSRC_CONF,
        "Also sign out at the OP's end_session_endpoint (default On)"),
    AP_INIT_FLAG("AuthOIDCSSLVerify", set_server_flag_slot,
        SRV_SLOT(ssl_verify), RSRC_CONF,
        "Verify the OP's TLS certificate (default On)"),
    AP_INIT_TAKE1("AuthOIDCCABundle", set_ca_bundle, NULL, RSRC_CONF,
        "CA certificates file to verify the OP with"),
    AP_INIT_TAKE1("AuthOIDCHTTPTimeout", set_http_timeout, NULL, RSRC_CONF,
        "Seconds to wait for the OP (default 5)"),
    { NULL, { NULL }, NULL, 0, RAW_ARGS, NULL }   /* the end */
};

/* ---- whole-config checks --------------------------------------------------- */

static const char *server_name(server_rec *s)
{
    return s->server_hostname ? s->server_hostname : "main";
}

/* The default store is checked here, as AuthOIDCSessionStore is when it is
 * read: post_config, which opens the stores, does not run at configtest. */
static const char *default_store_problem(apr_pool_t *p,
                                         const mod_oidc_server_config_t *c)
{
    const char *err;

    if (c->store_spec != NULL) {
        return NULL;
    }
    err = mod_oidc_store_check_spec(p, server_defaults.store_spec);
    if (err == NULL) {
        return NULL;
    }
    return apr_psprintf(p, "AuthOIDCSessionStore is not set, and its default "
                        "%s cannot be used: %s, or name another store",
                        server_defaults.store_spec, err);
}

static const char *missing_directive(apr_pool_t *p,
                                     const mod_oidc_server_config_t *c)
{
    if (c->client_id == NULL) {
        return "AuthOIDCClientID is not set: add the client_id registered "
               "at the OP";
    }
    if (c->redirect_uri == NULL) {
        return "AuthOIDCRedirectURI is not set: add a path such as "
               "/oidc/callback and register it at the OP";
    }
    if (c->client_secret == NULL
        && mod_oidc_cfg_client_auth(c) != OIDC_CLIENT_AUTH_NONE) {
        return "AuthOIDCClientSecret is not set: add it, or use "
               "AuthOIDCClientAuth none for a public client";
    }
    return default_store_problem(p, c);
}

static const char *redirect_path(apr_pool_t *p, const char *redirect_uri)
{
    apr_uri_t uri;

    if (redirect_uri[0] == '/') {
        return redirect_uri;
    }
    apr_uri_parse(p, redirect_uri, &uri);
    return uri.path;
}

typedef struct {
    const char *directive;
    const char *path;
    const char *example;
} endpoint_path_t;

/* The module answers its endpoints by exact path, in this order
 * (endpoint_of in mod_authnz_oidc.c): one that shares an earlier one's
 * path is dead. */
static const char *endpoint_clash(apr_pool_t *p,
                                  const mod_oidc_server_config_t *c)
{
    const endpoint_path_t e[] = {
        { "AuthOIDCRedirectURI", redirect_path(p, c->redirect_uri), NULL },
        { "AuthOIDCLogoutURI", c->logout_uri, "/oidc/logout" },
        { "AuthOIDCBackChannelLogoutURI", c->backchannel_uri,
          "/oidc/backchannel-logout" },
        { "AuthOIDCFrontChannelLogoutURI", c->frontchannel_uri,
          "/oidc/frontchannel-logout" },
    };
    int i, j;

    for (i = 1; i < (int)(sizeof(e) / sizeof(e[0])); i++) {
        for (j = 0; j < i && e[i].path != NULL; j++) {
            if (e[j].path != NULL && strcmp(e[i].path, e[j].path) == 0) {
                return apr_psprintf(p, "%s %s is also %s's path, which the "
                                    "module answers first, so it would "
                                    "never run: give %s a path of its own, "
                                    "such as %s", e[i].directive, e[i].path,
                                    e[j].directive, e[i].directive,
                                    e[i].example);
            }
        }
    }
    return NULL;
}

static void warn_transport(server_rec *s, const mod_oidc_server_config_t *c)
{
    if (strncmp(c->issuer, "http://", 7) == 0
        && strncmp(c->issuer, "http://127.", 11) != 0
        && strncmp(c->issuer, "http://localhost", 16) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "[oidc-config] AuthOIDCProvider %s is plain http: "
                     "tokens would cross the network unprotected; use the "
                     "OP's https:// issuer (server %s)", c->issuer,
                     server_name(s));
    }
    if (!mod_oidc_cfg_ssl_verify(c)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "[oidc-config] AuthOIDCSSLVerify Off: the OP's "
                     "identity is not checked; remove it, and name a "
                     "private CA with AuthOIDCCABundle (server %s)",
                     server_name(s));
    }
}

/* Whether a section written in owner reaches server t. The main server's
 * sections reach every virtual host; the main server itself counts only
 * when there are none, as with virtual hosts it commonly answers nothing
 * (Debian's layout), and a provider only in the virtual hosts is fine. */
static int section_reaches(server_rec *main_s, server_rec *owner,
                           server_rec *t)
{
    if (owner != main_s) {
        return t == owner;
    }
    return t != main_s || main_s->next == NULL;
}

/* Paths equal but for a trailing '/': <Location /app> and /app/ both
 * cover the application's home. */
static int same_url_path(const char *a, const char *b)
{
    apr_size_t la = strlen(a), lb = strlen(b);

    la -= la > 1 && a[la - 1] == '/';
    lb -= lb > 1 && b[lb - 1] == '/';
    return la == lb && strncmp(a, b, la) == 0;
}

/* The URL path a section covers in server t, when it is one literal path
 * (a <Directory> only below t's DocumentRoot). */
static const char *section_url_path(server_rec *t,
                                    const mod_oidc_auth_type_use_t *u)
{
    const core_server_config *core;
    apr_size_t n;

    if (u->path == NULL || apr_fnmatch_test(u->path)) {
        return NULL;
    }
    if (u->kind == MOD_OIDC_SECTION_LOCATION) {
        return u->path;
    }
    if (u->kind != MOD_OIDC_SECTION_DIRECTORY) {
        return NULL;
    }
    core = ap_get_core_module_config(t->module_config);
    if (core->ap_document_root == NULL) {
        return NULL;
    }
    n = strlen(core->ap_document_root);
    while (n > 0 && core->ap_document_root[n - 1] == '/') {
        n--;
    }
    if (strncmp(u->path, core->ap_document_root, n) != 0
        || u->path[n] != '/') {
        return NULL;
    }
    return u->path + n;
}

/* What is wrong with `AuthType oidc` (u) as server t sees it. */
static const char *auth_type_problem(apr_pool_t *p, server_rec *t,
                                     const mod_oidc_auth_type_use_t *u)
{
    const mod_oidc_server_config_t *c = ap_get_module_config(
        t->module_config, &authnz_oidc_module);
    const char *section, *callback;

    if (c->issuer == NULL) {
        return apr_psprintf(p, "AuthType oidc at %s:%u (server %s) has no "
                            "AuthOIDCProvider: set AuthOIDCProvider, "
                            "AuthOIDCClientID and AuthOIDCRedirectURI in this "
                            "virtual host or the main server", u->file,
                            u->line, server_name(t));
    }
    section = section_url_path(t, u);
    callback = c->redirect_uri ? redirect_path(p, c->redirect_uri) : NULL;
    if (section == NULL || callback == NULL
        || !same_url_path(section, callback)) {
        return NULL;
    }
    return apr_psprintf(p, "AuthOIDCRedirectURI %s is the path of the section "
                        "that AuthType oidc at %s:%u protects, so its page "
                        "would never be served: use a path no page has, "
                        "such as %s/oidc-callback (server %s)", callback,
                        u->file, u->line,
                        apr_pstrmemdup(p, callback, strlen(callback)
                                       - (callback[strlen(callback) - 1]
                                          == '/')),
                        server_name(t));
}

/* The first problem of the `AuthType oidc` written in owner's sections. */
static const char *auth_types_problem(apr_pool_t *p, server_rec *main_s,
                                      server_rec *owner)
{
    const mod_oidc_server_config_t *c = ap_get_module_config(
        owner->module_config, &authnz_oidc_module);
    server_rec *t;
    int i;

    for (i = 0; c->auth_type_uses != NULL && i < c->auth_type_uses->nelts;
         i++) {
        const mod_oidc_auth_type_use_t *u = &APR_ARRAY_IDX(
            c->auth_type_uses, i, mod_oidc_auth_type_use_t);

        for (t = main_s; t != NULL; t = t->next) {
            const char *err = section_reaches(main_s, owner, t)
                ? auth_type_problem(p, t, u) : NULL;
            if (err != NULL) {
                return err;
            }
        }
    }
    return NULL;
}

static int answers_for_host(const server_rec *s, const char *host)
{
    int i;

    if (s->server_hostname != NULL
        && strcasecmp(s->server_hostname, host) == 0) {
        return 1;
    }
    for (i = 0; s->names != NULL && i < s->names->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(s->names, i, char *), host) == 0) {
            return 1;
        }
    }
    for (i = 0; s->wild_names != NULL && i < s->wild_names->nelts; i++) {
        if (ap_strcasecmp_match(host, APR_ARRAY_IDX(s->wild_names, i,
                                                    char *)) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The OP returns browsers to an absolute redirect URL's host, where the
 * flow's cookie set on this server's host is missing. Only a warning: a
 * proxy in front may map that host here. */
static void warn_redirect_host(apr_pool_t *p, server_rec *s,
                               const mod_oidc_server_config_t *c)
{
    apr_uri_t uri;

    if (c->redirect_uri[0] == '/'
        || apr_uri_parse(p, c->redirect_uri, &uri) != APR_SUCCESS
        || uri.hostname == NULL || answers_for_host(s, uri.hostname)) {
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 "[oidc-config] AuthOIDCRedirectURI %s is on host %s, for "
                 "which server %s has no ServerName or ServerAlias: browsers "
                 "would return to another server, without their login state; "
                 "use a path, or a URL on this server's host (unless a proxy "
                 "maps it)", c->redirect_uri, uri.hostname, server_name(s));
}

/* The problems of a server with AuthOIDCProvider, NULL when none. */
static const char *provider_problem(apr_pool_t *p,
                                    const mod_oidc_server_config_t *c)
{
    const char *err = missing_directive(p, c);

    return err != NULL ? err : endpoint_clash(p, c);
}

int mod_oidc_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *main_s)
{
    server_rec *s;

    for (s = main_s; s != NULL; s = s->next) {
        mod_oidc_server_config_t *c = ap_get_module_config(s->module_config,
                                                           &authnz_oidc_module);
        const char *err;

        if (c->issuer != NULL) {
            err = provider_problem(ptemp, c);
            if (err != NULL) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "[oidc-config] "
                             "%s (server %s)", err, server_name(s));
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            warn_transport(s, c);
            warn_redirect_host(ptemp, s, c);
        }
        err = auth_types_problem(ptemp, main_s, s);
        if (err != NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "[oidc-config] %s",
                         err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* ---- building the runtime configuration ------------------------------------ */

/* What the servers of one configuration share as post_config builds them:
 * one provider (metadata, keys) per issuer, one store per spec, and one
 * random session key for every server that sets none. */
typedef struct {
    apr_pool_t *pconf;
    apr_pool_t *ptemp;
    server_rec *main_s;
    apr_hash_t *providers;
    apr_hash_t *stores;
    const char *random_key;
} build_t;

static void warn_removed_lag(server_rec *s, const mod_oidc_server_config_t *c)
{
    if (c->removed_lag_at != NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "[oidc-config] AuthOIDCSessionCacheLag (%s) was "
                     "removed and does nothing: memcache is read on "
                     "every request; for sessions kept per process "
                     "across nodes use redis; remove the directive",
                     c->removed_lag_at);
    }
}

/* AuthOIDCSessionKey's material, or else the random key of this
 * configuration, made (and warned about) once. */
static const char *key_material(build_t *b, const mod_oidc_server_config_t *c,
                                apr_size_t *len)
{
    unsigned char random_key[32];

    if (c->session_key != NULL) {
        *len = strlen(c->session_key);
        return c->session_key;
    }
    if (b->random_key == NULL) {
        oidc_random(random_key, sizeof(random_key));
        b->random_key = apr_pstrmemdup(b->pconf, (char *)random_key,
                                       sizeof(random_key));
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, b->main_s,
                     "[oidc-config] AuthOIDCSessionKey is not set: "
                     "using a random key, so sessions will not "
                     "survive a restart; set it to file:PATH, the "
                     "output of openssl rand -base64 48");
    }
    *len = sizeof(random_key);
    return b->random_key;
}

static int derive_keys(build_t *b, const mod_oidc_server_config_t *c,
                       oidc_rp_config_t *rp)
{
    apr_size_t len;
    const unsigned char *key =
        (const unsigned char *)key_material(b, c, &len);

    if (oidc_hkdf(key, len, "mod_authnz_oidc session v1", rp->session_key)
            != APR_SUCCESS
        || oidc_hkdf(key, len, "mod_authnz_oidc flow v1", rp->flow_key)
            != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, b->main_s,
                     "[oidc-config] key derivation failed");
        return 0;
    }
    return 1;
}

/* The core's settings that come straight from directives. */
static void rp_from_directives(oidc_rp_config_t *rp,
                               const mod_oidc_server_config_t *c)
{
    rp->issuer = c->issuer;
    rp->client.id = c->client_id;
    rp->client.secret = c->client_secret;
    rp->client.auth = mod_oidc_cfg_client_auth(c);
    rp->redirect_uri = c->redirect_uri;
    rp->cookie_name = mod_oidc_cfg_cookie_name(c);
    rp->inactivity = mod_oidc_cfg_inactivity(c);
    rp->max_age = mod_oidc_cfg_max_age(c);
    rp->skew = CLOCK_SKEW;
    rp->max_record = mod_oidc_cfg_max_session_size(c);
    rp->claim_prefix = mod_oidc_cfg_claim_prefix(c);
    rp->userinfo = mod_oidc_cfg_userinfo(c);
    rp->userinfo_interval = mod_oidc_cfg_userinfo_interval(c);
    rp->refresh_before = mod_oidc_cfg_refresh_before(c);
    rp->refresh_failure = mod_oidc_cfg_refresh_failure(c);
    /* A refresh may have to fetch metadata, the token and keys. */
    rp->refresh_hold = 3 * mod_oidc_cfg_http_timeout(c) + apr_time_from_sec(5);
    rp->post_logout_uri = c->post_logout_uri;
    rp->idp_logout = mod_oidc_cfg_idp_logout(c);
}

static oidc_provider_t *shared_provider(build_t *b, const char *issuer)
{
    oidc_provider_t *op = apr_hash_get(b->providers, issuer,
                                       APR_HASH_KEY_STRING);

    if (op == NULL) {
        op = oidc_provider_create(b->pconf, issuer, METADATA_REFRESH);
        apr_hash_set(b->providers, issuer, APR_HASH_KEY_STRING, op);
    }
    return op;
}

static oidc_http_t *http_client(apr_pool_t *pconf,
                                const mod_oidc_server_config_t *c)
{
    oidc_http_curl_opts_t http;

    http.ssl_verify = mod_oidc_cfg_ssl_verify(c);
    http.ca_bundle = c->ca_bundle;
    http.timeout = mod_oidc_cfg_http_timeout(c);
    return oidc_http_curl_make(pconf, &http);
}

/* NULL, logged, when the store cannot be opened. */
static mod_oidc_store_t *shared_store(build_t *b, server_rec *s,
                                      const char *spec,
                                      apr_size_t max_record)
{
    mod_oidc_store_t *st = apr_hash_get(b->stores, spec,
                                        APR_HASH_KEY_STRING);
    const char *err;

    if (st == NULL) {
        st = mod_oidc_store_open(b->pconf, b->ptemp, s, spec, max_record, &err);
        if (st == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "[oidc-config] AuthOIDCSessionStore %s: %s",
                         spec, err);
            return NULL;
        }
        apr_hash_set(b->stores, spec, APR_HASH_KEY_STRING, st);
    }
    return st;
}

/* The runtime configuration of a server with AuthOIDCProvider; 0, logged,
 * when it cannot be made. */
static int build_server(build_t *b, server_rec *s, mod_oidc_server_config_t *c)
{
    oidc_rp_config_t *rp = apr_pcalloc(b->pconf, sizeof(*rp));

    if (!derive_keys(b, c, rp)) {
        return 0;
    }
    rp_from_directives(rp, c);
    rp->provider = shared_provider(b, c->issuer);
    c->http = http_client(b->pconf, c);
    c->store = shared_store(b, s, mod_oidc_cfg_store_spec(c), rp->max_record);
    if (c->store == NULL) {
        return 0;
    }
    /* Sessions are kept per process only where the store can tell when a
     * kept one went stale. */
    if (c->store->store.generation != NULL && mod_oidc_cfg_session_cache(c)) {
        rp->cache = oidc_session_cache_create(b->pconf, SESSION_CACHE_SLOTS,
                                              SESSION_CACHE_RECORD);
        c->store->keep_records = 1;
    }
    c->redirect_path = redirect_path(b->pconf, c->redirect_uri);
    c->rp = rp;
    return 1;
}

int mod_oidc_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp, server_rec *s)
{
    build_t b = { pconf, ptemp, s, NULL, NULL, NULL };
    server_rec *sv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;       /* the first, checking pass: nothing to build yet */
    }
    if (oidc_http_curl_global_init() != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "[oidc-config] libcurl failed to initialise");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    b.providers = apr_hash_make(ptemp);
    b.stores = apr_hash_make(ptemp);
    for (sv = s; sv != NULL; sv = sv->next) {
        mod_oidc_server_config_t *c = ap_get_module_config(sv->module_config,
                                                           &authnz_oidc_module);

        warn_removed_lag(sv, c);
        if (c->issuer != NULL && !build_server(&b, sv, c)) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}
