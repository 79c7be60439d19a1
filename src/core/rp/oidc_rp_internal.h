/*
 * oidc_rp_internal.h: what the files of the Relying Party (oidc_rp.c,
 * oidc_rp_refresh.c) share. Not for the glue: it uses oidc_rp.h.
 */
#ifndef OIDC_RP_INTERNAL_H
#define OIDC_RP_INTERNAL_H

#include "core/rp/oidc_rp.h"
#include "core/proto/oidc_idtoken.h"

/* How long an ID token's iat may lie in the past. */
#define OIDC_RP_IAT_MAX_AGE apr_time_from_sec(3600)

void oidc_rp_result_init(apr_pool_t *p, oidc_rp_result_t *res);
void oidc_rp_fail(oidc_rp_result_t *res, int status, const char *error,
                  const char *message);
/* 1 (with res filled in) when the provider's metadata is unavailable. */
int oidc_rp_provider_failed(const oidc_rp_ctx_t *ctx, oidc_rp_result_t *res,
                            oidc_provider_status_t st);

typedef enum {
    LOOKUP_NONE,          /* no usable session (ended ones are deleted) */
    LOOKUP_FOUND,
    LOOKUP_STORE_DOWN
} oidc_rp_lookup_t;

/* What this configuration's sessions are bound to (its issuer and client):
 * a session made under another never opens here. */
oidc_binding_t oidc_rp_session_binding(const oidc_rp_config_t *cfg);

/* The session of cookie value id; a malformed id finds none (logged). */
oidc_rp_lookup_t oidc_rp_load_session(const oidc_rp_ctx_t *ctx,
                                      const char *id, oidc_session_t **out);
/* The same from the store itself, never from a kept copy, which may trail
 * it (while a change report is on its way): what a write is to start
 * from. */
oidc_rp_lookup_t oidc_rp_reload_session(const oidc_rp_ctx_t *ctx,
                                        const char *id, oidc_session_t **out);
/* On failure res holds the answer (500 too large, 503 store). */
apr_status_t oidc_rp_save_session(const oidc_rp_ctx_t *ctx, const char *id,
                                  const oidc_session_t *s,
                                  oidc_rp_result_t *res);

/* Until when the "ended" mark of a logged-out session is kept. */
apr_time_t oidc_rp_ended_mark_expiry(const oidc_rp_ctx_t *ctx);

/* Validates an ID token, refetching the JWKS once for an unknown kid (and
 * then updating *op). */
oidc_idtoken_status_t oidc_rp_validate_id_token(
    const oidc_rp_ctx_t *ctx, const oidc_provider_snapshot_t **op,
    const char *id_token, const oidc_idtoken_params_t *prm,
    oidc_idtoken_t **out, const char **detail);

typedef enum {
    OIDC_REFRESH_GO_ON = 0,   /* use *s: refreshed, or still good */
    OIDC_REFRESH_ENDED,       /* no session any more: sign in again */
    OIDC_REFRESH_ANSWERED     /* res holds the answer */
} oidc_refresh_outcome_t;

/* Refreshes the session's access token when it is due, once per session
 * across every process and node sharing the store: the others wait for the
 * result, or go on with the current token while it is still valid. */
oidc_refresh_outcome_t oidc_rp_refresh_if_due(const oidc_rp_ctx_t *ctx,
                                              const oidc_request_t *req,
                                              const char *id,
                                              oidc_session_t **s,
                                              oidc_rp_result_t *res);

#endif
