/*
 * oidc_rp.h: the Relying Party's decisions for one request.
 *
 * The glue hands in a request view and gets back an outcome: authenticated
 * (with the session), a redirect (with cookies), or an error (status, a word
 * for API clients, a sentence for people). Every protocol decision is made
 * here, so it is unit-testable without httpd.
 */
#ifndef OIDC_RP_H
#define OIDC_RP_H

#include <jansson.h>
#include "core/util/oidc_core.h"
#include "core/util/oidc_crypto.h"
#include "core/http/oidc_http.h"
#include "core/proto/oidc_provider.h"
#include "core/session/oidc_session.h"
#include "core/session/oidc_store.h"
#include "core/proto/oidc_token.h"

/* What the user gets when the OP refuses to refresh the access token. */
typedef enum {
    OIDC_REFRESH_FAILURE_REAUTHENTICATE = 0,  /* sign in again (API: 401) */
    OIDC_REFRESH_FAILURE_401,
    OIDC_REFRESH_FAILURE_502
} oidc_refresh_failure_t;

/* AuthOIDCPushedAuthorization: when logins push their request (RFC 9126). */
typedef enum {
    OIDC_PAR_AUTO = 0,    /* when discovery requires it */
    OIDC_PAR_OFF,
    OIDC_PAR_ON
} oidc_par_mode_t;

typedef struct {
    const char *issuer;
    oidc_client_t client;
    oidc_par_mode_t par;
    const char *redirect_uri;      /* a path, or an absolute URL */
    const char *cookie_name;
    unsigned char session_key[OIDC_KEY_LEN];
    unsigned char flow_key[OIDC_KEY_LEN];
    apr_interval_time_t inactivity;
    apr_interval_time_t max_age;
    apr_interval_time_t skew;
    apr_interval_time_t login_timeout;   /* how long a login flow lives */
    apr_size_t max_record;
    oidc_provider_t *provider;
    int userinfo;                  /* fetch UserInfo claims */
    apr_interval_time_t userinfo_interval;   /* 0: at login only */
    apr_interval_time_t refresh_before;   /* refresh this long before expiry */
    oidc_refresh_failure_t refresh_failure;
    apr_interval_time_t refresh_hold;  /* how long a refresh may take */
    const char *post_logout_uri;   /* a path, or an absolute URL */
    int idp_logout;                /* -1: when the OP has end_session */
    /* Opened records, when the store has generations; else NULL. */
    struct oidc_session_cache_t *cache;
    /* What the claims of a kept session are exported after (NULL: their
     * export names are made per request). */
    const char *claim_prefix;
} oidc_rp_config_t;

/* What may differ between protected locations. */
typedef struct {
    const char *scope;
    const char *auth_params;       /* "&name=value..." already encoded, or "" */
} oidc_rp_dir_t;

typedef struct oidc_request_t {
    const char *method;
    /* "https://host[:port]" of this site; made only when a redirect
     * needs it, which most requests do not. */
    const char *(*origin)(const struct oidc_request_t *req);
    const char *unparsed_uri;      /* path and query as requested */
    const char *query;             /* NULL when none */
    int secure;                    /* https */
    const char *(*header)(const struct oidc_request_t *req, const char *name);
    void *baton;
} oidc_request_t;

typedef struct {
    apr_pool_t *pool;
    const oidc_rp_config_t *cfg;
    const oidc_log_t *log;
    const oidc_http_t *http;
    const oidc_store_t *store;
    apr_time_t now;
} oidc_rp_ctx_t;

typedef enum {
    OIDC_RP_AUTHENTICATED = 0,
    OIDC_RP_REDIRECT,
    OIDC_RP_ERROR,
    OIDC_RP_PAGE          /* a 200 answer of the module's own: body below */
} oidc_rp_kind_t;

typedef struct {
    oidc_rp_kind_t kind;
    int status;                    /* HTTP status for REDIRECT and ERROR */
    const char *location;
    apr_array_header_t *set_cookies;   /* of const char * */
    const char *error;             /* a word for API clients */
    const char *message;           /* a sentence for people, plain text */
    const char *body;              /* OIDC_RP_PAGE: the response body */
    const char *content_type;      /* OIDC_RP_PAGE */
    const char *title;             /* ERROR: a heading of its own, or NULL */
    int challenge;                 /* send WWW-Authenticate */
    int clear_site_data;           /* a logout: the browser drops its cache */
    const char *session_id;
    oidc_session_t *session;       /* its flat claims serve the request */
} oidc_rp_result_t;

/* XHR, fetch() and non-GET requests get a 401, never a redirect. */
int oidc_rp_is_api_request(const oidc_request_t *req);

/* A request to a protected location. */
void oidc_rp_authenticate(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                          const oidc_rp_dir_t *dir, oidc_rp_result_t *res);

/* A request to the redirect URI: the OP sends the browser back here. */
void oidc_rp_callback(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                      oidc_rp_result_t *res);

/* A request to the logout URI: ends the session here (store record and
 * cookie), revokes its tokens at the OP when it can, and sends the browser
 * to the OP's end_session_endpoint, or straight to the post-logout page. */
void oidc_rp_logout(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                    oidc_rp_result_t *res);

/* A back-channel logout request from the OP (a POST whose form body holds
 * logout_token): every session of that sid (or sub) ends, on every node
 * sharing the store. 200 on success, 400 for a bad token. */
void oidc_rp_backchannel_logout(const oidc_rp_ctx_t *ctx,
                                const char *form_body, oidc_rp_result_t *res);

/* A front-channel logout request (iss and sid in the query, from the OP's
 * iframe): ends the sessions of that sid and answers with a small page. */
void oidc_rp_frontchannel_logout(const oidc_rp_ctx_t *ctx,
                                 const oidc_request_t *req,
                                 oidc_rp_result_t *res);

/* The absolute redirect URI for this request. */
const char *oidc_rp_redirect_uri(apr_pool_t *p, const oidc_rp_config_t *cfg,
                                 const oidc_request_t *req);

/* Names that AuthOIDCAuthParams may not override. */
int oidc_rp_reserved_auth_param(const char *name);

#endif
