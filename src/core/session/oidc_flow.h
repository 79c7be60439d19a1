/*
 * oidc_flow.h: the state of one authorization request, from the redirect to
 * the OP until the callback.
 *
 * It travels in a per-flow cookie, sealed with AES-256-GCM and bound to its
 * `state`, so every node can complete a flow another node started, with no
 * store round trip. Its age is bounded, and the callback consumes it (once
 * the OP has accepted the code, the state is also recorded as used, so that
 * a flow cookie replayed with its callback cannot sign in twice).
 */
#ifndef OIDC_FLOW_H
#define OIDC_FLOW_H

#include "core/util/oidc_core.h"
#include "core/http/oidc_cookie.h"

#define OIDC_FLOW_STATE_LEN 43    /* 32 random bytes, base64url */
#define OIDC_FLOW_MAX_PER_BROWSER 4
/* Set-Cookie headers that clear flow cookies, at most, in one response: a
 * browser stuffed with junk ones is cleaned over several logins rather than
 * answered with headers a proxy in front could not take. */
#define OIDC_FLOW_MAX_EVICTIONS 16
/* How long a login flow lives unless configured (AuthOIDCLoginTimeout). */
#define OIDC_FLOW_MAX_AGE apr_time_from_sec(600)
/* The login-state cookie outlives its flow by this much, so that a late
 * callback is told it came too late rather than that it is unknown. */
#define OIDC_FLOW_GRACE apr_time_from_sec(60)

typedef struct {
    const char *state;
    const char *nonce;
    const char *verifier;       /* PKCE code_verifier */
    const char *return_to;      /* absolute, already validated */
    const char *redirect_uri;   /* as sent, for the token request */
    apr_time_t created;
} oidc_flow_t;

typedef enum {
    OIDC_FLOW_OK = 0,
    OIDC_FLOW_BAD_STATE,   /* the state parameter is not one we could issue */
    OIDC_FLOW_MISSING,     /* no cookie for this state: expired or used */
    OIDC_FLOW_INVALID,     /* does not decrypt: tampered, another key or
                            * another binding */
    OIDC_FLOW_EXPIRED
} oidc_flow_status_t;

oidc_flow_t *oidc_flow_new(apr_pool_t *p, const char *return_to,
                           const char *redirect_uri, apr_time_t now);

/* Name of the cookie that carries the flow for this state. */
const char *oidc_flow_cookie_name(apr_pool_t *p, const char *base,
                                  const char *state);

/* Sealed and opened under key, bound to binding (oidc_core.h): a flow
 * started for one issuer and client does not open for another. */
const char *oidc_flow_seal(apr_pool_t *p, const unsigned char *key,
                           const oidc_binding_t *binding,
                           const oidc_flow_t *flow);

oidc_flow_status_t oidc_flow_open(apr_pool_t *p, const unsigned char *key,
                                  const oidc_binding_t *binding,
                                  const apr_array_header_t *cookies,
                                  const char *base, const char *state,
                                  apr_time_t now, apr_interval_time_t lifetime,
                                  oidc_flow_t **flow);

/* The associated data a flow record is sealed with: its state, its
 * creation second (in clear in the cookie) and its binding. Public for the
 * fuzz target, which seals records of its own. */
const char *oidc_flow_aad(apr_pool_t *p, const char *state,
                          apr_int64_t created_sec,
                          const oidc_binding_t *binding, apr_size_t *len);

/* Names of this browser's flow cookies to delete before one more is added:
 * the oldest beyond the per-browser bound, then the unreadable and expired
 * ones; at most OIDC_FLOW_MAX_EVICTIONS. */
apr_array_header_t *oidc_flow_evictions(apr_pool_t *p,
                                        const apr_array_header_t *cookies,
                                        const char *base, apr_time_t now,
                                        apr_interval_time_t lifetime);

#endif
