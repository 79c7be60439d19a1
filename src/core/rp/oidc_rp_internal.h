/*
 * oidc_rp_internal.h: what the files of the Relying Party share (one file
 * a flow: login, callback, logout, OP logout, refresh; beside them the
 * session and UserInfo steps they call). Not for the glue: it uses
 * oidc_rp.h.
 */
#ifndef OIDC_RP_INTERNAL_H
#define OIDC_RP_INTERNAL_H

#include "core/rp/oidc_rp.h"
#include "core/proto/oidc_idtoken.h"
#include "core/cache/oidc_sessions.h"

/* How long an ID token's iat may lie in the past. */
#define OIDC_RP_IAT_MAX_AGE apr_time_from_sec(3600)

void oidc_rp_result_init(apr_pool_t *p, oidc_rp_result_t *res);
void oidc_rp_add_cookie(oidc_rp_result_t *res, const char *set_cookie);
/* A 200 answer of the module's own. */
void oidc_rp_page(oidc_rp_result_t *res, const char *content_type,
                  const char *body);
void oidc_rp_fail(oidc_rp_result_t *res, int status, const char *error,
                  const char *message);
/* 1 (with res filled in) when the provider's metadata is unavailable. */
int oidc_rp_provider_failed(const oidc_rp_ctx_t *ctx, oidc_rp_result_t *res,
                            oidc_outcome_t st);

/* The request's cookies (bounded in bytes: oidc_cookies_parse). */
apr_array_header_t *oidc_rp_request_cookies(const oidc_rp_ctx_t *ctx,
                                            const oidc_request_t *req);

/* Whether (label, value) was seen before, on any node sharing the store;
 * marks it seen for `hold` (see oidc_rp.c for who may call it). */
int oidc_rp_seen_before(const oidc_rp_ctx_t *ctx, const char *label,
                        const char *value, apr_interval_time_t hold,
                        int *store_down);

/* What this configuration's sessions are bound to (its issuer and client):
 * a session made under another never opens here. */
oidc_binding_t oidc_rp_session_binding(const oidc_rp_config_t *cfg);

/* The session of cookie value id; a malformed id finds none (logged). */
oidc_lookup_t oidc_rp_load_session(const oidc_rp_ctx_t *ctx, const char *id,
                                   oidc_session_t **out);
/* The same from the store itself, never from a kept copy, which may trail
 * it (while a change report is on its way): what a write is to start
 * from. */
oidc_lookup_t oidc_rp_reload_session(const oidc_rp_ctx_t *ctx, const char *id,
                                     oidc_session_t **out);
/* On failure res holds the answer (500 too large, 503 store). */
apr_status_t oidc_rp_save_session(const oidc_rp_ctx_t *ctx, const char *id,
                                  const oidc_session_t *s,
                                  oidc_rp_result_t *res);

/* The stored record to write from, when s may be a kept copy: NULL when
 * the session ended meanwhile. */
oidc_session_t *oidc_rp_stored_for_write(const oidc_rp_ctx_t *ctx,
                                         const char *id, oidc_session_t *s);

/* Until when the "ended" mark of a logged-out session is kept. */
apr_time_t oidc_rp_ended_mark_expiry(const oidc_rp_ctx_t *ctx);

/* Checks a token against the OP's keys: 1 when it names a kid they lack. */
typedef int (*oidc_rp_key_check_fn)(void *baton, const oidc_jwks_t *jwks);

/* Runs check with (*op)'s keys and, when the kid was unknown (the OP
 * rotated its keys), once more with a refetched JWKS, updating *op. The
 * refetch is throttled per process (oidc_provider_refresh_keys) and logged
 * as "[tag] what names an unknown kid". */
void oidc_rp_with_keys(const oidc_rp_ctx_t *ctx,
                       const oidc_provider_snapshot_t **op, const char *tag,
                       const char *what, oidc_rp_key_check_fn check,
                       void *baton);

/* Validates an ID token through oidc_rp_with_keys. */
oidc_idtoken_status_t oidc_rp_validate_id_token(
    const oidc_rp_ctx_t *ctx, const oidc_provider_snapshot_t **op,
    const char *id_token, const oidc_idtoken_params_t *prm,
    oidc_idtoken_t **out, const char **detail);

/* UserInfo (oidc_rp_userinfo.c): the claims with fresh UserInfo merged
 * under the ID token's, or NULL when it could not be used. */
const json_t *oidc_rp_claims_with_userinfo(const oidc_rp_ctx_t *ctx,
                                           const oidc_provider_snapshot_t *op,
                                           const char *access_token,
                                           const char *sub,
                                           const json_t *id_claims);
int oidc_rp_userinfo_due(const oidc_rp_ctx_t *ctx, const oidc_session_t *s);
void oidc_rp_refresh_userinfo(const oidc_rp_ctx_t *ctx, oidc_session_t *s);

#endif
