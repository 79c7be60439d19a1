/*
 * oidc_provider.h: the per-process cache of an OP's metadata and keys.
 *
 * Fetched lazily on first need and refreshed after an interval; readers get
 * an immutable, reference-counted snapshot that stays valid for their
 * request even if a newer one is published meanwhile. When the OP cannot be
 * reached, a stale snapshot keeps serving, and without one, failures are
 * remembered briefly so that a dead OP does not cost every request a wait.
 */
#ifndef OIDC_PROVIDER_H
#define OIDC_PROVIDER_H

#include "core/util/oidc_core.h"
#include "core/http/oidc_http.h"
#include "core/http/oidc_outcome.h"
#include "core/jose/oidc_jwks.h"
#include "core/proto/oidc_metadata.h"

typedef struct oidc_provider_t oidc_provider_t;

typedef struct {
    const oidc_metadata_t *meta;
    const oidc_jwks_t *jwks;
    apr_time_t fetched;
} oidc_provider_snapshot_t;

/* Made once per server in the parent; safe to use from any thread after. */
oidc_provider_t *oidc_provider_create(apr_pool_t *pconf, const char *issuer,
                                      apr_interval_time_t refresh_interval);

/* A snapshot held until pool p is cleared. */
oidc_outcome_t oidc_provider_get(oidc_provider_t *pv, apr_pool_t *p,
                                 const oidc_http_t *http,
                                 const oidc_log_t *log,
                                 apr_time_t now,
                                 const oidc_provider_snapshot_t **snap);

/* After a JWS named a kid we do not know: refetch the JWKS, at most once per
 * throttle interval per process, and hand back the newest snapshot. */
oidc_outcome_t oidc_provider_refresh_keys(
    oidc_provider_t *pv, apr_pool_t *p, const oidc_http_t *http,
    const oidc_log_t *log, apr_time_t now,
    const oidc_provider_snapshot_t **snap);

/* Time between JWKS refetches forced by unknown kids. */
#define OIDC_PROVIDER_KEY_REFETCH_THROTTLE apr_time_from_sec(10)
/* How long a failed first fetch is remembered. */
#define OIDC_PROVIDER_FAILURE_BACKOFF apr_time_from_sec(5)

#endif
