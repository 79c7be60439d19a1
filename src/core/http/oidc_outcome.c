/* oidc_outcome.c: outcomes of requests to the OP. */
#include "core/http/oidc_outcome.h"

oidc_outcome_t oidc_outcome_of_send(apr_status_t rv)
{
    return rv == APR_ECONNREFUSED ? OIDC_OUTCOME_UNREACHABLE
                                  : OIDC_OUTCOME_BAD_RESPONSE;
}

int oidc_outcome_http_status(oidc_outcome_t o)
{
    return o == OIDC_OUTCOME_OK ? 200
         : o == OIDC_OUTCOME_UNREACHABLE ? 503 : 502;
}
