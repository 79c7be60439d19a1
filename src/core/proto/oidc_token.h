/* oidc_token.h: requests to the token endpoint (RFC 6749 §4.1.3, §5, §6). */
#ifndef OIDC_TOKEN_H
#define OIDC_TOKEN_H

#include "core/util/oidc_core.h"
#include "core/http/oidc_http.h"
#include "core/http/oidc_outcome.h"

typedef enum {
    OIDC_CLIENT_AUTH_BASIC = 0,    /* client_secret_basic */
    OIDC_CLIENT_AUTH_POST,         /* client_secret_post */
    OIDC_CLIENT_AUTH_NONE,         /* public client: PKCE alone */
    OIDC_CLIENT_AUTH_SECRET_JWT,   /* client_secret_jwt: HS256 assertion */
    OIDC_CLIENT_AUTH_PRIVATE_KEY_JWT   /* private_key_jwt (RFC 7523) */
} oidc_client_auth_t;

struct oidc_signing_key_t;

typedef struct {
    const char *id;
    const char *secret;            /* NULL for a public client */
    oidc_client_auth_t auth;
    const struct oidc_signing_key_t *key;  /* private_key_jwt */
    const char *issuer;            /* the OP's: an assertion's audience */
    int audience_is_endpoint;      /* aud the URL called, not the issuer */
} oidc_client_t;

typedef struct {
    const char *id_token;
    const char *access_token;
    const char *refresh_token;
    const char *scope;
    apr_interval_time_t expires_in;   /* -1 when the OP did not say */
    const char *error;                /* on an OP error response */
    const char *error_description;
} oidc_token_resp_t;

oidc_outcome_t oidc_token_exchange_code(
    apr_pool_t *p, const oidc_http_t *http, const char *token_endpoint,
    const oidc_client_t *client, const char *code, const char *redirect_uri,
    const char *code_verifier, oidc_token_resp_t *out, const char **detail);

/* RFC 6749 §6: a new access token (and maybe a new refresh token and ID
 * token) for a refresh token, with the scope granted before. */
oidc_outcome_t oidc_token_refresh(apr_pool_t *p, const oidc_http_t *http,
                                  const char *token_endpoint,
                                  const oidc_client_t *client,
                                  const char *refresh_token,
                                  oidc_token_resp_t *out,
                                  const char **detail);

/* RFC 7009: revoke a token (hint "refresh_token" or "access_token"). The
 * OP answers 200 whether or not it knew the token. */
oidc_outcome_t oidc_token_revoke(apr_pool_t *p, const oidc_http_t *http,
                                 const char *revocation_endpoint,
                                 const oidc_client_t *client,
                                 const char *token, const char *hint,
                                 const char **detail);

/* A POST to the OP with client authentication added (token, revocation,
 * PAR); OK when any HTTP answer arrived, else the transport's failure. */
oidc_outcome_t oidc_token_post(apr_pool_t *p, const oidc_http_t *http,
                               const char *url, const oidc_client_t *client,
                               const char *form, oidc_http_resp_t *resp,
                               const char **detail);

/* OP-supplied text for a log line: bounded, printable ASCII only. */
const char *oidc_token_printable(apr_pool_t *p, const char *s);

/* The client-authentication pieces of a request to `url`: extra form
 * fields (already encoded, starting with '&') and an Authorization value;
 * an assertion (the JWT methods) valid from `now`. NULL, or why the
 * pieces could not be made. */
const char *oidc_token_client_auth(apr_pool_t *p, const oidc_client_t *client,
                                   const char *url, apr_time_t now,
                                   const char **form_extra,
                                   const char **authorization);

#endif
