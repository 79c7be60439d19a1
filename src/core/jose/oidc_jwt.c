/* oidc_jwt.c: JWS parsing on our terms (strict JSON, bounded size) and
 * signature verification through cjose. */
#include <string.h>
#include <cjose/cjose.h>

#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_json.h"
#include "core/jose/oidc_jwa.h"
#include "core/jose/oidc_jwks.h"
#include "core/util/oidc_encode.h"

static json_t *decode_part(apr_pool_t *p, const char *s, apr_size_t n)
{
    apr_size_t len;
    unsigned char *raw = oidc_b64url_decode(p, s, n, &len);
    json_t *json;

    if (raw == NULL) {
        return NULL;
    }
    json = oidc_json_parse(p, (const char *)raw, len);
    return json_is_object(json) ? json : NULL;
}

const char *oidc_jwt_parse(apr_pool_t *p, const char *compact,
                           oidc_jwt_t **out)
{
    const char *dot1, *dot2;
    apr_size_t len;
    oidc_jwt_t *jwt;
    const json_t *kid;

    *out = NULL;
    if (compact == NULL) {
        return "no token";
    }
    len = strlen(compact);
    if (len > OIDC_MAX_JWT_LEN) {
        return "token too large";
    }
    dot1 = strchr(compact, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL) {
        return "not a compact JWS (an encrypted token or malformed)";
    }
    if (dot2[1] == '\0') {
        return "token is unsigned";
    }
    jwt = apr_pcalloc(p, sizeof(*jwt));
    jwt->compact = compact;
    jwt->header = decode_part(p, compact, (apr_size_t)(dot1 - compact));
    if (jwt->header == NULL) {
        return "header is not a JSON object";
    }
    jwt->claims = decode_part(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1));
    if (jwt->claims == NULL) {
        return "payload is not a JSON object";
    }
    if (!oidc_is_b64url(dot2 + 1, strlen(dot2 + 1))) {
        return "signature is not base64url";
    }
    jwt->alg = oidc_json_str(jwt->header, "alg");
    if (jwt->alg == NULL) {
        return "header has no alg";
    }
    kid = json_object_get(jwt->header, "kid");
    if (kid != NULL && !json_is_string(kid)) {
        return "kid is not a string";
    }
    jwt->kid = kid ? json_string_value(kid) : NULL;
    /* We understand no critical extension (RFC 7515 §4.1.11). */
    if (json_object_get(jwt->header, "crit") != NULL) {
        return "header has crit";
    }
    *out = jwt;
    return NULL;
}

int oidc_jwt_verify(const oidc_jwt_t *jwt, const oidc_jwk_t *key)
{
    cjose_err err;
    cjose_jws_t *jws;
    int ok;

    if (!oidc_jwa_supported(jwt->alg) || !oidc_jwk_suits(key, jwt->alg)) {
        return 0;
    }
    jws = cjose_jws_import(jwt->compact, strlen(jwt->compact), &err);
    if (jws == NULL) {
        return 0;
    }
    ok = cjose_jws_verify(jws, key->jwk, &err);
    cjose_jws_release(jws);
    return ok ? 1 : 0;
}

oidc_jws_status_t oidc_jwt_parse_verified(apr_pool_t *p, const char *compact,
                                          const oidc_jwks_t *jwks,
                                          oidc_jwt_t **out,
                                          const char **detail)
{
    const oidc_jwk_t *key;
    const char *why;
    oidc_jwt_t *jwt;

    *out = NULL;
    *detail = NULL;
    why = oidc_jwt_parse(p, compact, &jwt);
    if (why != NULL) {
        *detail = why;
        return OIDC_JWS_MALFORMED;
    }
    if (!oidc_jwa_supported(jwt->alg)) {
        *detail = apr_psprintf(p, "alg %.16s is not allowed", jwt->alg);
        return OIDC_JWS_ALG;
    }
    switch (oidc_jwks_select(jwks, jwt->alg, jwt->kid, &key)) {
    case OIDC_JWKS_FOUND:
        break;
    case OIDC_JWKS_UNKNOWN_KID:
        *detail = "no key with this kid";
        return OIDC_JWS_UNKNOWN_KID;
    case OIDC_JWKS_AMBIGUOUS:
        *detail = "no kid and several candidate keys";
        return OIDC_JWS_NO_KEY;
    default:
        *detail = "no key suits the algorithm";
        return OIDC_JWS_NO_KEY;
    }
    if (!oidc_jwt_verify(jwt, key)) {
        *detail = "signature does not verify";
        return OIDC_JWS_SIGNATURE;
    }
    *out = jwt;
    return OIDC_JWS_OK;
}

int oidc_jwt_numeric_date(const json_t *claims, const char *name,
                          apr_time_t *out)
{
    const json_t *v = json_object_get(claims, name);
    double d;

    if (!json_is_number(v)) {
        return 0;
    }
    d = json_number_value(v);
    if (d < 0 || d > 253402300799.0) {   /* year 9999 */
        return 0;
    }
    *out = apr_time_from_sec((apr_time_t)d);
    return 1;
}

int oidc_jwt_audience_has(const json_t *claims, const char *client_id,
                          int *several)
{
    const json_t *aud = json_object_get(claims, "aud");
    size_t i;
    int found = 0;

    *several = 0;
    if (json_is_string(aud)) {
        return strcmp(json_string_value(aud), client_id) == 0;
    }
    if (!json_is_array(aud) || json_array_size(aud) == 0) {
        return 0;
    }
    for (i = 0; i < json_array_size(aud); i++) {
        const json_t *a = json_array_get(aud, i);
        if (!json_is_string(a)) {
            return 0;
        }
        if (strcmp(json_string_value(a), client_id) == 0) {
            found = 1;
        }
    }
    *several = json_array_size(aud) > 1;
    return found;
}
