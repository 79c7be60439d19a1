/* mod_authnz_oidc.h: what the glue files share. Only they include httpd. */
#ifndef MOD_AUTHNZ_OIDC_H
#define MOD_AUTHNZ_OIDC_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_request.h>
#include <ap_socache.h>
#include <apr_global_mutex.h>
#include <apr_thread_proc.h>

#include "core/rp/oidc_rp.h"

APLOG_USE_MODULE(authnz_oidc);
extern module AP_MODULE_DECLARE_DATA authnz_oidc_module;

#define OIDC_AUTH_TYPE "oidc"
#define OIDC_STORE_MUTEX_TYPE "authnz-oidc-store"

typedef enum {
    OIDC_PASS_UNSET = -1,
    OIDC_PASS_NONE = 0,
    OIDC_PASS_ENV = 1,
    OIDC_PASS_HEADERS = 2,
    OIDC_PASS_BOTH = 3
} oidc_pass_as_t;

/* A session store: one ap_socache instance per distinct spec. */
typedef struct {
    const char *spec;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;    /* NOTMPSAFE providers, local locks */
    struct oidc_lock_client_t *locks;   /* memcache, redis: NULL else */
    /* Per-key-hash write counters, so that each process may keep records
     * it opened (oidc_session_cache): in shared memory for shmcb, bumped by
     * every write on the node; per process for redis, bumped as redis
     * reports changes (feed). NULL else: memcache cannot report changes,
     * so it is read on every request. */
    volatile apr_uint64_t *generations;
    struct oidc_feed_t *feed;   /* redis */
    int keep_records;             /* some provider keeps records (child_init) */
    server_rec *server;
    oidc_store_t store;           /* the core's view of it */
} oidc_glue_store_t;

/* Where `AuthType oidc` is written in the configuration files, noted as
 * they are read (never from .htaccess), for check_config. */
typedef enum {
    OIDC_SECTION_OTHER = 0,       /* <Files>, <If>, a regex, ... */
    OIDC_SECTION_LOCATION,        /* <Location PATH> */
    OIDC_SECTION_DIRECTORY        /* <Directory PATH> */
} oidc_section_kind_t;

typedef struct {
    const char *file;
    unsigned line;
    const char *path;             /* the section's (cmd->path) */
    oidc_section_kind_t kind;
} oidc_auth_type_use_t;

/* Per virtual host; "unset" (NULL / -1) is kept apart from the default. */
typedef struct {
    const char *issuer;
    const char *client_id;
    const char *client_secret;        /* resolved from file:/env:/literal */
    int client_auth;
    const char *redirect_uri;
    const char *session_key;          /* resolved key material */
    const char *store_spec;
    apr_interval_time_t inactivity;
    apr_interval_time_t max_age;
    apr_int64_t max_session_size;
    int session_cache;                /* -1 unset, 0 off, 1 on */
    const char *removed_lag_at;       /* "file:line" of the removed
                                       * AuthOIDCSessionCacheLag, for the
                                       * startup warning; NULL else */
    const char *cookie_name;
    const char *claim_prefix;
    int ssl_verify;
    const char *ca_bundle;
    apr_interval_time_t http_timeout;
    int userinfo;
    apr_interval_time_t userinfo_interval;
    apr_interval_time_t refresh_before;
    int refresh_failure;              /* oidc_refresh_failure_t */
    const char *logout_uri;
    const char *backchannel_uri;
    const char *frontchannel_uri;
    const char *post_logout_uri;
    int idp_logout;
    /* oidc_auth_type_use_t written in this server's own sections; a
     * virtual host does not inherit the main server's. */
    apr_array_header_t *auth_type_uses;

    /* Built in post_config from the merged values above. */
    oidc_rp_config_t *rp;
    oidc_http_t *http;
    oidc_glue_store_t *store;
    const char *redirect_path;        /* what the callback handler matches */
} oidc_server_config_t;

typedef enum {
    OIDC_PASS_TOKEN_UNSET = -1,
    OIDC_PASS_TOKEN_OFF = 0,
    OIDC_PASS_TOKEN_ENV = 1,       /* OIDC_ACCESS_TOKEN in the environment */
    OIDC_PASS_TOKEN_BEARER = 2     /* and Authorization: Bearer upstream */
} oidc_pass_token_t;

/* Per directory. */
typedef struct {
    const char *scope;
    const char *auth_params;          /* encoded, "&a=b..." */
    const char *remote_user_claim;
    int pass_claims_as;
    int pass_access_token;            /* oidc_pass_token_t */
    int pass_id_token;                /* -1 unset, 0 off, 1 on */
    int pass_refresh_token;
    const char *cache_control;        /* NULL unset, "" off */
} oidc_dir_config_t;

/* config */
extern const command_rec oidc_directives[];
void *oidc_create_server_config(apr_pool_t *p, server_rec *s);
void *oidc_merge_server_config(apr_pool_t *p, void *base, void *add);
void *oidc_create_dir_config(apr_pool_t *p, char *dir);
void *oidc_merge_dir_config(apr_pool_t *p, void *base, void *add);
int oidc_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                      server_rec *s);
int oidc_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                     server_rec *s);
oidc_rp_dir_t oidc_dir_view(const oidc_dir_config_t *d);
const char *oidc_remote_user_claim(const oidc_dir_config_t *d);
oidc_pass_as_t oidc_pass_claims_as(const oidc_dir_config_t *d);
oidc_pass_token_t oidc_pass_access_token(const oidc_dir_config_t *d);
/* The Cache-Control of a protected response whose application sets none,
 * "private" among its tokens; NULL: leave it alone (only "private" is
 * added). */
const char *oidc_cache_control(const oidc_dir_config_t *d);
const char *oidc_claim_prefix(const oidc_server_config_t *c);

/* store */
int oidc_store_pre_config(apr_pool_t *pconf);
/* NULL when spec names a loaded socache provider with what it needs; else
 * what is wrong and the fix, for the caller to prefix with the directive. */
const char *oidc_store_check_spec(apr_pool_t *p, const char *spec);
oidc_glue_store_t *oidc_store_open(apr_pool_t *pconf, apr_pool_t *ptemp,
                                   server_rec *s, const char *spec,
                                   apr_size_t max_record, const char **err);
void oidc_store_child_init(apr_pool_t *p, server_rec *s);
/* Starts run(data) in a thread of this child that no signal reaches, made
 * in tpool (a subpool of pchild); stop(data) must end and join it, and runs
 * before pchild's subpools are destroyed. */
apr_status_t oidc_store_thread_start(apr_pool_t *pchild, apr_pool_t *tpool,
                                    apr_thread_start_t run,
                                    apr_status_t (*stop)(void *), void *data,
                                    apr_thread_t **thread);
/* The servers of a memcache or redis spec ("host[:port],..."). */
#define OIDC_STORE_MAX_SERVERS 16
typedef struct {
    const char *host;
    apr_port_t port;
} oidc_store_server_t;
/* An array of oidc_store_server_t, a missing port being default_port;
 * NULL with *err when the list is empty, too long or malformed. */
apr_array_header_t *oidc_store_servers(apr_pool_t *p, const char *list,
                                       apr_port_t default_port,
                                       const char **err);

/* feed: redis reports to each process the session keys that changed */
typedef struct oidc_feed_t oidc_feed_t;
/* A change feed reports each key that changed; when it cannot say which
 * (redis flushed, a gap in what it followed), it moves its epoch instead,
 * and every record kept under the old one is read again. */
typedef void (*oidc_feed_changed_fn)(void *baton, const unsigned char *key,
                                      apr_size_t len);
/* servers: oidc_store_server_t; label names them in the log. */
oidc_feed_t *oidc_feed_make(apr_pool_t *pconf, server_rec *s,
                              const apr_array_header_t *servers,
                              const char *label, const char *prefix,
                              oidc_feed_changed_fn changed, void *baton,
                              const char **err);
void oidc_feed_child_init(oidc_feed_t *w, apr_pool_t *pchild);
/* 0 unless every change redis has sent this process so far is known;
 * else its epoch (oidc_feed_changed_fn). */
apr_uint64_t oidc_feed_epoch(oidc_feed_t *w);

/* lock: atomic locks on memcache and redis servers */
typedef struct oidc_lock_client_t oidc_lock_client_t;
int oidc_lock_client_wanted(const char *provider_name);
/* servers: oidc_store_server_t */
oidc_lock_client_t *oidc_lock_client_make(apr_pool_t *pconf,
                                            const char *provider_name,
                                            const apr_array_header_t *servers,
                                            const char **err);
apr_status_t oidc_lock_take(oidc_lock_client_t *c, apr_pool_t *p,
                             const unsigned char *key, apr_size_t key_len,
                             apr_interval_time_t hold);
apr_status_t oidc_lock_give_back(oidc_lock_client_t *c, apr_pool_t *p,
                                  const unsigned char *key,
                                  apr_size_t key_len,
                                  apr_interval_time_t hold);
/* A second opinion on a key that mod_socache_* did not find: this client's
 * own lookup, or an error while it cannot reach the server. */
apr_status_t oidc_lock_client_get(oidc_lock_client_t *c, apr_pool_t *p,
                                   const char *key_text, char **val,
                                   apr_size_t *len);

/* authz */
void oidc_authz_register(apr_pool_t *p);

/* response: requests in, outcomes out */
typedef struct {
    oidc_request_t view;
    oidc_log_t log;
    oidc_rp_ctx_t ctx;
} oidc_glue_request_t;

void oidc_glue_request_init(oidc_glue_request_t *g, request_rec *r,
                            const oidc_server_config_t *c);
int oidc_respond(request_rec *r, const oidc_glue_request_t *g,
                 const oidc_rp_result_t *res);
void oidc_export_claims(request_rec *r, const oidc_server_config_t *c,
                        oidc_pass_as_t how, const oidc_session_t *s);
void oidc_export_tokens(request_rec *r, const oidc_dir_config_t *d,
                        const oidc_session_t *s);
void oidc_strip_spoofed_headers(request_rec *r, const char *claim_prefix);
/* A response made for one user: never stored by a shared cache, and with
 * policy (AuthOIDCCacheControl) unless the application sets its own. */
void oidc_protect_from_caches(request_rec *r, const char *policy);
void oidc_register_response_hooks(apr_pool_t *p);

/* What check_user_id learned, for authz and subrequests. */
typedef struct {
    apr_pool_t *pool;               /* the initial request's */
    json_t *claims;                 /* parsed only when needed */
    const char *user;
    const oidc_session_t *session;
} oidc_request_state_t;

oidc_request_state_t *oidc_request_state(request_rec *r);
/* The claims as JSON, for `Require oidc-claim` and dotted claim names:
 * parsed once per request, and only by requests that need it. */
const json_t *oidc_request_claims(oidc_request_state_t *st);

#endif
