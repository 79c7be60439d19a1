/* oidc_metadata.h: an OP's discovery document (OpenID Connect Discovery 1.0). */
#ifndef OIDC_METADATA_H
#define OIDC_METADATA_H

#include "core/util/oidc_core.h"

typedef struct {
    const char *issuer;
    const char *authorization_endpoint;
    const char *token_endpoint;
    const char *jwks_uri;
    const char *userinfo_endpoint;        /* optional */
    const char *end_session_endpoint;     /* optional */
    const char *revocation_endpoint;      /* optional */
    const char *par_endpoint;             /* optional (RFC 9126) */
    int iss_parameter_supported;          /* RFC 9207 */
    int require_par;                      /* RFC 9126 §5 */
} oidc_metadata_t;

/* Parses and checks the document: `issuer` must equal expected_issuer
 * exactly, the required endpoints must be absolute http(s) URLs, and https
 * when the issuer is https. Returns NULL on success, else a reason; sets
 * *wrong_issuer (when not NULL) when the reason is that the issuers differ
 * (a configuration mistake, such as a trailing slash, not an outage). */
const char *oidc_metadata_parse(apr_pool_t *p, const char *text,
                                apr_size_t len, const char *expected_issuer,
                                oidc_metadata_t **out, int *wrong_issuer);

const char *oidc_metadata_url(apr_pool_t *p, const char *issuer);

#endif
