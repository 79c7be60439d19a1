/* oidc_signed_token.c: the checks ID and logout tokens share. The
 * signature is checked before any claim is believed. */
#include <string.h>

#include "core/proto/oidc_signed_token.h"
#include "core/util/oidc_json.h"

static oidc_signed_status_t fail(const char **detail, const char *why,
                                 oidc_signed_status_t st)
{
    *detail = why;
    return st;
}

static oidc_signed_status_t signature_status(oidc_jws_status_t st)
{
    switch (st) {
    case OIDC_JWS_OK:          return OIDC_SIGNED_OK;
    case OIDC_JWS_MALFORMED:   return OIDC_SIGNED_MALFORMED;
    case OIDC_JWS_ALG:         return OIDC_SIGNED_ALG;
    case OIDC_JWS_UNKNOWN_KID: return OIDC_SIGNED_UNKNOWN_KID;
    case OIDC_JWS_NO_KEY:      return OIDC_SIGNED_NO_KEY;
    default:                   return OIDC_SIGNED_SIGNATURE;
    }
}

static oidc_signed_status_t check_times(const json_t *claims,
                                        const oidc_signed_rules_t *r,
                                        oidc_signed_token_t *out,
                                        const char **detail)
{
    if (!oidc_jwt_numeric_date(claims, "exp", &out->exp)) {
        return fail(detail, "exp is missing or not a date", OIDC_SIGNED_EXP);
    }
    if (out->exp + r->skew <= r->now) {
        return fail(detail, "token has expired", OIDC_SIGNED_EXP);
    }
    if (!oidc_jwt_numeric_date(claims, "iat", &out->iat)) {
        return fail(detail, "iat is missing", OIDC_SIGNED_IAT);
    }
    if (out->iat > r->now + r->skew) {
        return fail(detail, "iat is in the future", OIDC_SIGNED_IAT);
    }
    if (r->iat_max_age > 0 && out->iat + r->iat_max_age + r->skew < r->now) {
        return fail(detail, "iat is too old", OIDC_SIGNED_IAT);
    }
    return OIDC_SIGNED_OK;
}

oidc_signed_status_t oidc_signed_token_check(apr_pool_t *p,
                                             const char *compact,
                                             const oidc_jwks_t *jwks,
                                             const oidc_signed_rules_t *r,
                                             oidc_signed_token_t *out,
                                             const char **detail)
{
    oidc_signed_status_t st;
    const char *iss;

    memset(out, 0, sizeof(*out));
    st = signature_status(oidc_jwt_parse_verified(p, compact, jwks,
                                                  &out->jwt, detail));
    if (st != OIDC_SIGNED_OK) {
        return st;
    }
    iss = oidc_json_str(out->jwt->claims, "iss");
    if (iss == NULL || strcmp(iss, r->issuer) != 0) {
        return fail(detail, "iss is not the provider's issuer",
                    OIDC_SIGNED_ISS);
    }
    if (!oidc_jwt_audience_has(out->jwt->claims, r->client_id,
                               &out->several_aud)) {
        return fail(detail, "aud does not contain the client id",
                    OIDC_SIGNED_AUD);
    }
    return check_times(out->jwt->claims, r, out, detail);
}
