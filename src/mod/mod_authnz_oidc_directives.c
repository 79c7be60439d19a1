/* mod_authnz_oidc_directives.c: the directive table and its handlers, which
 * check each value as it is read. */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_config.h"
#include "mod/mod_authnz_oidc_keyfile.h"
#include "mod/mod_authnz_oidc_values.h"
#include "mod/store/mod_authnz_oidc_store.h"
#include "core/util/oidc_params.h"
#include "core/util/oidc_secret.h"
#include "core/util/oidc_encode.h"
#include "mod/mod_authnz_oidc_directives.h"

#define MIN_SESSION_KEY_LEN        32

static mod_oidc_server_config_t *server_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config,
                                &authnz_oidc_module);
}

/* ap_set_flag_slot for a member of the server config: httpd's slot
 * setters write to the directory config. */
/* A directive's whole number of seconds, min to max, into *out. */
static const char *seconds(cmd_parms *cmd, const char *directive,
                           const char *arg, apr_int64_t min, apr_int64_t max,
                           apr_interval_time_t *out)
{
    return mod_oidc_parse_seconds(cmd->pool, directive, arg, min, max, out);
}

static const char *set_server_flag_slot(cmd_parms *cmd, void *dc, int flag)
{
    int offset = (int)(long)cmd->info;

    *(int *)((char *)server_conf(cmd) + offset) = flag ? 1 : 0;
    return NULL;
}

static const char *set_provider(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_uri_t uri;
    const char *err = mod_oidc_url_chars_problem(
        cmd->pool, "AuthOIDCProvider", arg,
        "give the issuer exactly as the OP publishes it, such as "
        "https://sso.example.com");

    if (err != NULL) {
        return err;
    }
    if (!mod_oidc_is_http_url(arg)
        || apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS
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

static const char *set_par(cmd_parms *cmd, void *dc, const char *arg)
{
    mod_oidc_server_config_t *c = server_conf(cmd);

    if (strcasecmp(arg, "auto") == 0) {
        c->par = OIDC_PAR_AUTO;
    }
    else if (strcasecmp(arg, "off") == 0) {
        c->par = OIDC_PAR_OFF;
    }
    else if (strcasecmp(arg, "on") == 0) {
        c->par = OIDC_PAR_ON;
    }
    else {
        return "AuthOIDCPushedAuthorization must be auto, on or off";
    }
    return NULL;
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
    else if (strcasecmp(arg, "client_secret_jwt") == 0) {
        c->client_auth = OIDC_CLIENT_AUTH_SECRET_JWT;
    }
    else if (strcasecmp(arg, "private_key_jwt") == 0) {
        c->client_auth = OIDC_CLIENT_AUTH_PRIVATE_KEY_JWT;
    }
    else {
        return "AuthOIDCClientAuth must be client_secret_basic, "
               "client_secret_post, client_secret_jwt, private_key_jwt or "
               "none";
    }
    return NULL;
}

static const char *set_redirect_uri(cmd_parms *cmd, void *dc,
                                    const char *arg)
{
    apr_uri_t uri;
    const char *err = mod_oidc_url_chars_problem(
        cmd->pool, "AuthOIDCRedirectURI", arg,
        "use a path such as /oidc/callback");

    if (err != NULL) {
        return err;
    }
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS
        || uri.query != NULL || uri.fragment != NULL
        || !(arg[0] == '/'
             || (mod_oidc_is_http_url(arg) && uri.hostname != NULL))
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
        if (!mod_oidc_is_token(w, "-_.:/")) {
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

static const char *set_inactivity(cmd_parms *cmd, void *dc, const char *arg)
{
    return seconds(cmd, "AuthOIDCSessionInactivityTimeout", arg, 60,
                   30L * 86400, &server_conf(cmd)->inactivity);
}

static const char *set_max_age(cmd_parms *cmd, void *dc, const char *arg)
{
    return seconds(cmd, "AuthOIDCSessionMaxAge", arg, 60, 365L * 86400,
                   &server_conf(cmd)->max_age);
}

static const char *set_http_timeout(cmd_parms *cmd, void *dc,
                                    const char *arg)
{
    return seconds(cmd, "AuthOIDCHTTPTimeout", arg, 1, 60,
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
    if (!mod_oidc_is_token(arg, "_-") || strlen(arg) > 64) {
        return "AuthOIDCCookieName may use letters, digits, '_' and '-' only "
               "(at most 64)";
    }
    server_conf(cmd)->cookie_name = arg;
    return NULL;
}

static const char *set_remote_user_claim(cmd_parms *cmd, void *dc,
                                         const char *arg)
{
    if (!mod_oidc_is_token(arg, "_-.:")) {
        return "AuthOIDCRemoteUserClaim must be a claim name such as sub, "
               "email or preferred_username";
    }
    ((mod_oidc_dir_config_t *)dc)->remote_user_claim = arg;
    return NULL;
}

static const char *set_claim_prefix(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!mod_oidc_is_token(arg, "_-") || strlen(arg) > 64) {
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

static const char *set_logout_uri(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!mod_oidc_is_endpoint_path(arg)) {
        return "AuthOIDCLogoutURI must be a path such as /oidc/logout";
    }
    server_conf(cmd)->logout_uri = arg;
    return NULL;
}

static const char *set_backchannel_uri(cmd_parms *cmd, void *dc,
                                       const char *arg)
{
    if (!mod_oidc_is_endpoint_path(arg)) {
        return "AuthOIDCBackChannelLogoutURI must be a path such as "
               "/oidc/backchannel-logout";
    }
    server_conf(cmd)->backchannel_uri = arg;
    return NULL;
}

static const char *set_frontchannel_uri(cmd_parms *cmd, void *dc,
                                        const char *arg)
{
    if (!mod_oidc_is_endpoint_path(arg)) {
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

    if (!(arg[0] == '/' ? mod_oidc_is_local_path(arg)
          : mod_oidc_is_http_url(arg) && apr_uri_parse(cmd->pool, arg, &uri)
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
    return seconds(cmd, "AuthOIDCUserInfoRefreshInterval", arg, 1,
                   86400, &server_conf(cmd)->userinfo_interval);
}

static const char *set_login_timeout(cmd_parms *cmd, void *dc,
                                     const char *arg)
{
    return seconds(cmd, "AuthOIDCLoginTimeout", arg, 5, 3600,
                   &server_conf(cmd)->login_timeout);
}

static const char *set_refresh_before(cmd_parms *cmd, void *dc,
                                      const char *arg)
{
    return seconds(cmd, "AuthOIDCRefreshBeforeExpiry", arg, 0, 86400,
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

static const char *set_assertion_audience(cmd_parms *cmd, void *dc,
                                          const char *arg)
{
    mod_oidc_server_config_t *c = server_conf(cmd);

    if (strcasecmp(arg, "issuer") == 0) {
        c->assertion_aud_endpoint = 0;
    }
    else if (strcasecmp(arg, "endpoint") == 0) {
        c->assertion_aud_endpoint = 1;
    }
    else {
        return "AuthOIDCClientAssertionAudience must be issuer or endpoint";
    }
    return NULL;
}

/* AuthOIDCClientSigningKey file:PATH [ALG [KID]] */
static const char *set_signing_key(cmd_parms *cmd, void *dc, const char *spec,
                                   const char *alg, const char *kid)
{
    oidc_signing_key_t *key;
    const char *err = mod_oidc_load_signing_key(cmd->pool, spec, alg, kid,
                                                &key);

    if (err != NULL) {
        return apr_pstrcat(cmd->pool, "AuthOIDCClientSigningKey: ", err, NULL);
    }
    server_conf(cmd)->signing_key = key;
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
    AP_INIT_TAKE1("AuthOIDCPushedAuthorization", set_par, NULL, RSRC_CONF,
        "auto (default: when the OP requires it), on or off: push the "
        "authorization request (RFC 9126)"),
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
    AP_INIT_TAKE1("AuthOIDCLoginTimeout", set_login_timeout, NULL, RSRC_CONF,
        "Seconds a user has to sign in at the OP (default 600)"),
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
        "Also sign out at the OP's end_session_endpoint (default: when it has "
        "one)"),
    AP_INIT_FLAG("AuthOIDCSSLVerify", set_server_flag_slot,
        SRV_SLOT(ssl_verify), RSRC_CONF,
        "Verify the OP's TLS certificate (default On)"),
    AP_INIT_TAKE1("AuthOIDCClientAssertionAudience", set_assertion_audience,
        NULL, RSRC_CONF, "The aud of client assertions: issuer (default) "
        "or endpoint (the URL called, for OPs that want that)"),
    AP_INIT_TAKE123("AuthOIDCClientSigningKey", set_signing_key, NULL,
        RSRC_CONF, "file:PATH [RS256|PS256|ES256 [KID]]: the PEM private "
        "key of private_key_jwt (alg by key type unless given, kid its JWK "
        "thumbprint)"),
    AP_INIT_TAKE1("AuthOIDCCABundle", set_ca_bundle, NULL, RSRC_CONF,
        "CA certificates file to verify the OP with"),
    AP_INIT_TAKE1("AuthOIDCHTTPTimeout", set_http_timeout, NULL, RSRC_CONF,
        "Seconds to wait for the OP (default 5)"),
    { NULL, { NULL }, NULL, 0, RAW_ARGS, NULL }   /* the end */
};
