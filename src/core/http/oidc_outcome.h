/* oidc_outcome.h: how a request to the OP ended, the same for discovery,
 * JWKS, token, revocation and UserInfo, and the status a user gets. */
#ifndef OIDC_OUTCOME_H
#define OIDC_OUTCOME_H

#include "core/util/oidc_core.h"

typedef enum {
    OIDC_OUTCOME_OK = 0,
    OIDC_OUTCOME_UNREACHABLE,    /* no answer in time: 503 */
    OIDC_OUTCOME_REFUSED,        /* the OP answered with an error */
    OIDC_OUTCOME_BAD_RESPONSE,   /* an answer that cannot be used: 502 */
    OIDC_OUTCOME_MISCONFIGURED   /* not the OP configured (its issuer): 502 */
} oidc_outcome_t;

/* The outcome of an oidc_http_t send that did not return APR_SUCCESS. */
oidc_outcome_t oidc_outcome_of_send(apr_status_t rv);

/* The HTTP status for the user when an outcome stops a request: 503 when
 * the OP could not be reached (try again), 502 when it answered badly. */
int oidc_outcome_http_status(oidc_outcome_t o);

#endif
