/* oidc_claims.h: claims as applications see them, and claim matching for
 * `Require oidc-claim`. */
#ifndef OIDC_CLAIMS_H
#define OIDC_CLAIMS_H

#include <jansson.h>
#include "core/util/oidc_core.h"

typedef void (*oidc_claim_fn)(void *baton, const char *name,
                              const char *value);

/* Calls fn for each top-level claim (at most OIDC_MAX_CLAIMS) with a name
 * safe as an environment variable or header name (characters other than
 * [A-Za-z0-9_-] become '_') and a value safe in a header: strings as they
 * are, arrays joined with ',', objects as JSON, other values as JSON text;
 * control characters become spaces. */
void oidc_claims_export(apr_pool_t *p, const json_t *claims, oidc_claim_fn fn,
                        void *baton);

/* A top-level claim in the flat form that the session record keeps, so that
 * requests export claims without parsing JSON. */
typedef struct {
    const char *name;     /* as the OP named it */
    const char *value;    /* as oidc_claims_export gives it */
    int scalar;           /* a string or number in the JSON */
} oidc_lock_t;

/* The claims oidc_claims_export would give, as an array of oidc_lock_t. */
apr_array_header_t *oidc_claims_flatten(apr_pool_t *p, const json_t *claims);
/* oidc_claims_export from the flat form, each name after `prefix`. */
void oidc_claims_export_flat(apr_pool_t *p, const apr_array_header_t *flat,
                             const char *prefix, oidc_claim_fn fn,
                             void *baton);
/* The names the claims of a flat array are exported under: prefix, then
 * the name with characters other than [A-Za-z0-9_-] made '_'. Made once
 * and kept with a kept session (oidc_session_image), else per request. */
typedef struct {
    const char *prefix;
    const char *const *names;   /* one per claim; NULL: a name empty or
                                 * too long, not exported */
    int plain;                  /* every name is [a-z0-9_-]: exported as it
                                 * is, so no two become one */
} oidc_claims_names_t;

oidc_claims_names_t *oidc_claims_names_make(apr_pool_t *p,
                                            const apr_array_header_t *flat,
                                            const char *prefix);
/* fn for each claim of flat that has a name in `names` (made for flat),
 * in order: what oidc_claims_export_flat and the module's export run.
 * Inline, so that the module's per-request export calls its fn directly. */
static inline void oidc_claims_export_named(const apr_array_header_t *flat,
                                            const oidc_claims_names_t *names,
                                            oidc_claim_fn fn, void *baton)
{
    int i;

    for (i = 0; i < flat->nelts; i++) {
        if (names->names[i] != NULL) {
            fn(baton, names->names[i],
               APR_ARRAY_IDX(flat, i, oidc_lock_t).value);
        }
    }
}

/* oidc_claims_string for a top-level name, from the flat form. */
const char *oidc_claims_flat_string(const apr_array_header_t *flat,
                                    const char *name);

/* The claim at a dotted path ("realm_access.roles"); an exact top-level
 * name wins over a path. NULL when absent. */
const json_t *oidc_claims_lookup(const json_t *claims, const char *path);

/* Whether the claim equals any of values, or is an array containing one of
 * them. Numbers and booleans compare in their JSON text form. */
int oidc_claims_match(apr_pool_t *p, const json_t *claims, const char *path,
                      const apr_array_header_t *values);

/* A claim as a string, for REMOTE_USER: strings as they are, numbers as
 * text; NULL for other types or when absent. */
const char *oidc_claims_string(apr_pool_t *p, const json_t *claims,
                               const char *path);

#endif
