/* mod_authnz_oidc_config.h: the per-server and per-directory configuration,
 * how it is created and merged, and the typed getters that read it. */
#ifndef MOD_AUTHNZ_OIDC_CONFIG_H
#define MOD_AUTHNZ_OIDC_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#include "core/rp/oidc_rp.h"
#include "core/jose/oidc_signing_key.h"

typedef enum {
    MOD_OIDC_PASS_NONE = 0,
    MOD_OIDC_PASS_ENV = 1,
    MOD_OIDC_PASS_HEADERS = 2,
    MOD_OIDC_PASS_BOTH = 3
} mod_oidc_pass_as_t;

/* Where `AuthType oidc` is written in the configuration files, noted as
 * they are read (never from .htaccess), for check_config. */
typedef enum {
    MOD_OIDC_SECTION_OTHER = 0,       /* <Files>, <If>, a regex, ... */
    MOD_OIDC_SECTION_LOCATION,        /* <Location PATH> */
    MOD_OIDC_SECTION_DIRECTORY        /* <Directory PATH> */
} mod_oidc_section_kind_t;

typedef struct {
    const char *file;
    unsigned line;
    const char *path;             /* the section's (cmd->path) */
    mod_oidc_section_kind_t kind;
} mod_oidc_auth_type_use_t;

/* Per virtual host. What no directive set is NULL or -1, so that merging
 * can tell it from a value written; read the members that have a default
 * through the getters below, which apply it. */
typedef struct {
    const char *issuer;
    const char *client_id;
    const char *client_secret;        /* resolved from file:/env:/literal */
    int client_auth;
    int par;                          /* oidc_par_mode_t */
    int assertion_aud_endpoint;       /* AuthOIDCClientAssertionAudience */
    const char *redirect_uri;
    const char *session_key;          /* resolved key material */
    const char *store_spec;
    apr_interval_time_t inactivity;
    apr_interval_time_t max_age;
    apr_int64_t max_session_size;
    int session_cache;
    const char *removed_lag_at;       /* "file:line" of the removed
                                       * AuthOIDCSessionCacheLag, for the
                                       * startup warning; NULL else */
    const char *cookie_name;
    const char *claim_prefix;
    int ssl_verify;
    const char *ca_bundle;
    const oidc_signing_key_t *signing_key;   /* AuthOIDCClientSigningKey */
    apr_interval_time_t http_timeout;
    int userinfo;
    apr_interval_time_t userinfo_interval;
    apr_interval_time_t refresh_before;
    apr_interval_time_t login_timeout;  /* how long a login flow lives */
    int refresh_failure;              /* oidc_refresh_failure_t */
    const char *logout_uri;
    const char *backchannel_uri;
    const char *frontchannel_uri;
    const char *post_logout_uri;
    int idp_logout;
    /* mod_oidc_auth_type_use_t written in this server's own sections; a
     * virtual host does not inherit the main server's. */
    apr_array_header_t *auth_type_uses;

    /* Built in post_config from the merged values above. */
    oidc_rp_config_t *rp;
    oidc_http_t *http;
    struct mod_oidc_store_t *store;   /* mod_authnz_oidc_store.h */
    const char *redirect_path;        /* what the callback handler matches */
} mod_oidc_server_config_t;

typedef enum {
    MOD_OIDC_PASS_TOKEN_OFF = 0,
    MOD_OIDC_PASS_TOKEN_ENV = 1,    /* OIDC_ACCESS_TOKEN in the environment */
    MOD_OIDC_PASS_TOKEN_BEARER = 2  /* and Authorization: Bearer upstream */
} mod_oidc_pass_token_t;

/* Per directory; unset as above. */
typedef struct {
    const char *scope;
    const char *auth_params;          /* encoded, "&a=b..." */
    const char *remote_user_claim;
    int pass_claims_as;               /* mod_oidc_pass_as_t */
    int pass_access_token;            /* mod_oidc_pass_token_t */
    int pass_id_token;
    int pass_refresh_token;
    const char *cache_control;        /* "" off */
} mod_oidc_dir_config_t;

void *mod_oidc_create_server_config(apr_pool_t *p, server_rec *s);
void *mod_oidc_merge_server_config(apr_pool_t *p, void *base, void *add);
void *mod_oidc_create_dir_config(apr_pool_t *p, char *dir);
void *mod_oidc_merge_dir_config(apr_pool_t *p, void *base, void *add);

/* The typed getters: the value in force, its default when unset. */
oidc_client_auth_t mod_oidc_cfg_client_auth(const mod_oidc_server_config_t *c);
oidc_par_mode_t mod_oidc_cfg_par(const mod_oidc_server_config_t *c);
int mod_oidc_cfg_assertion_aud_endpoint(const mod_oidc_server_config_t *c);
const char *mod_oidc_cfg_store_spec(const mod_oidc_server_config_t *c);
apr_interval_time_t mod_oidc_cfg_inactivity(const mod_oidc_server_config_t *c);
apr_interval_time_t mod_oidc_cfg_max_age(const mod_oidc_server_config_t *c);
apr_size_t mod_oidc_cfg_max_session_size(const mod_oidc_server_config_t *c);
int mod_oidc_cfg_session_cache(const mod_oidc_server_config_t *c);
const char *mod_oidc_cfg_cookie_name(const mod_oidc_server_config_t *c);
const char *mod_oidc_cfg_claim_prefix(const mod_oidc_server_config_t *c);
int mod_oidc_cfg_ssl_verify(const mod_oidc_server_config_t *c);
apr_interval_time_t mod_oidc_cfg_http_timeout(
    const mod_oidc_server_config_t *c);
int mod_oidc_cfg_userinfo(const mod_oidc_server_config_t *c);
apr_interval_time_t mod_oidc_cfg_userinfo_interval(
    const mod_oidc_server_config_t *c);
apr_interval_time_t mod_oidc_cfg_refresh_before(
    const mod_oidc_server_config_t *c);
apr_interval_time_t mod_oidc_cfg_login_timeout(
    const mod_oidc_server_config_t *c);
oidc_refresh_failure_t mod_oidc_cfg_refresh_failure(
    const mod_oidc_server_config_t *c);
/* -1: when the OP has an end_session_endpoint */
int mod_oidc_cfg_idp_logout(const mod_oidc_server_config_t *c);

const char *mod_oidc_cfg_scope(const mod_oidc_dir_config_t *d);
const char *mod_oidc_cfg_auth_params(const mod_oidc_dir_config_t *d);
const char *mod_oidc_cfg_remote_user_claim(const mod_oidc_dir_config_t *d);
mod_oidc_pass_as_t mod_oidc_cfg_pass_claims_as(const mod_oidc_dir_config_t *d);
mod_oidc_pass_token_t mod_oidc_cfg_pass_access_token(
    const mod_oidc_dir_config_t *d);
int mod_oidc_cfg_pass_id_token(const mod_oidc_dir_config_t *d);
int mod_oidc_cfg_pass_refresh_token(const mod_oidc_dir_config_t *d);
/* The Cache-Control of a protected response whose application sets none,
 * "private" among its tokens; NULL: leave it alone (only "private" is
 * added). */
const char *mod_oidc_cfg_cache_control(const mod_oidc_dir_config_t *d);
/* The path of AuthOIDCRedirectURI, which may be written as a URL. */
const char *mod_oidc_redirect_path(apr_pool_t *p, const char *redirect_uri);
/* What the core's flows take from the directory config. */
oidc_rp_dir_t mod_oidc_dir_view(const mod_oidc_dir_config_t *d);

#endif
