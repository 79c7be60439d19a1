/* oidc_rp_refresh.h: refreshing a session's access token (oidc_rp_refresh.c). */
#ifndef OIDC_RP_REFRESH_H
#define OIDC_RP_REFRESH_H

#include "core/rp/oidc_rp_internal.h"

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
