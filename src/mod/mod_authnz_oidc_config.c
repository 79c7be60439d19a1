/* mod_authnz_oidc_config.c: the two config records: every default in one
 * place, the typed getters that apply them, creating and merging. */
#include "mod/mod_authnz_oidc_config.h"
#include "core/session/oidc_flow.h"

/* A number no directive wrote (a pointer's is NULL). */
#define UNSET (-1)

/* ---- the defaults, and the getters that apply them ---------------------- */

/* Every default, in one place. The configs keep only what was written, so
 * that merging can tell "unset" from a value that equals its default;
 * the getters below fall back to these when a member is still unset. */
static const mod_oidc_server_config_t server_defaults = {
    .client_auth = OIDC_CLIENT_AUTH_BASIC,
    .par = OIDC_PAR_AUTO,
    .assertion_aud_endpoint = 0,        /* the issuer (rfc7523bis) */
    .store_spec = "shmcb",
    .inactivity = apr_time_from_sec(3600),
    .max_age = apr_time_from_sec(8 * 3600),
    .login_timeout = OIDC_FLOW_MAX_AGE,
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

int mod_oidc_cfg_assertion_aud_endpoint(const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, assertion_aud_endpoint);
}

oidc_par_mode_t mod_oidc_cfg_par(const mod_oidc_server_config_t *c)
{
    return (oidc_par_mode_t)SRV_NUM(c, par);
}

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

apr_interval_time_t mod_oidc_cfg_login_timeout(
    const mod_oidc_server_config_t *c)
{
    return SRV_NUM(c, login_timeout);
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
    c->par = UNSET;
    c->assertion_aud_endpoint = UNSET;
    c->inactivity = UNSET;
    c->max_age = UNSET;
    c->login_timeout = UNSET;
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
    MERGE_NUM(par);
    MERGE_NUM(assertion_aud_endpoint);
    MERGE_PTR(redirect_uri);
    MERGE_PTR(session_key);
    MERGE_PTR(store_spec);
    MERGE_NUM(inactivity);
    MERGE_NUM(max_age);
    MERGE_NUM(login_timeout);
    MERGE_NUM(max_session_size);
    MERGE_PTR(cookie_name);
    MERGE_PTR(claim_prefix);
    MERGE_NUM(ssl_verify);
    MERGE_PTR(ca_bundle);
    MERGE_PTR(signing_key);
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

/* The path part of AuthOIDCRedirectURI, which may be an absolute URL. */
const char *mod_oidc_redirect_path(apr_pool_t *p, const char *redirect_uri)
{
    apr_uri_t uri;

    if (redirect_uri[0] == '/') {
        return redirect_uri;
    }
    apr_uri_parse(p, redirect_uri, &uri);
    return uri.path;
}
