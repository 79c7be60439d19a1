/* oidc_logout_token.c: what a back-channel logout token must be before any
 * session is ended on its word. */
#include <string.h>

#include "core/proto/oidc_logout_token.h"
#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_json.h"

static const char *const status_names[] = {
    "ok", "malformed", "algorithm", "unknown-kid", "no-key", "signature",
    "typ", "issuer", "audience", "iat", "expired", "jti", "events", "nonce",
    "no-sid-or-sub"
};

const char *oidc_logout_token_status_name(oidc_logout_token_status_t st)
{
    return (unsigned)st < sizeof(status_names) / sizeof(status_names[0])
        ? status_names[st] : "unknown";
}

static oidc_logout_token_status_t fail(const char **detail, const char *why,
                                       oidc_logout_token_status_t st)
{
    *detail = why;
    return st;
}

/* A claim that must be a non-empty string of sane length when present. */
static int bad_optional_string(const json_t *claims, const char *name)
{
    const json_t *v = json_object_get(claims, name);
    return v != NULL && (!json_is_string(v) || json_string_length(v) == 0
                         || json_string_length(v) > 255);
}

oidc_logout_token_status_t oidc_logout_token_validate(
    apr_pool_t *p, const char *compact, const oidc_jwks_t *jwks,
    const char *issuer, const char *client_id, apr_time_t now,
    apr_interval_time_t skew, apr_interval_time_t max_age,
    oidc_logout_token_t **out, const char **detail)
{
    oidc_jwt_t *jwt;
    const char *iss, *typ, *jti;
    const json_t *events, *event;
    apr_time_t iat, exp;
    int several;
    oidc_logout_token_t *t;

    *out = NULL;
    switch (oidc_jwt_parse_verified(p, compact, jwks, &jwt, detail)) {
    case OIDC_JWS_OK:
        break;
    case OIDC_JWS_MALFORMED:
        return OIDC_LOGOUT_TOKEN_MALFORMED;
    case OIDC_JWS_ALG:
        return OIDC_LOGOUT_TOKEN_ALG;
    case OIDC_JWS_UNKNOWN_KID:
        return OIDC_LOGOUT_TOKEN_UNKNOWN_KID;
    case OIDC_JWS_NO_KEY:
        return OIDC_LOGOUT_TOKEN_NO_KEY;
    default:
        return OIDC_LOGOUT_TOKEN_SIGNATURE;
    }
    /* §2.4: explicit typing is recommended; a token typed as anything
     * else (an ID token, an access token) is not a logout token. */
    typ = oidc_json_str(jwt->header, "typ");
    if (json_object_get(jwt->header, "typ") != NULL
        && (typ == NULL || (strcasecmp(typ, "logout+jwt") != 0
                            && strcasecmp(typ, "application/logout+jwt") != 0
                            && strcasecmp(typ, "JWT") != 0))) {
        return fail(detail, "typ is not logout+jwt", OIDC_LOGOUT_TOKEN_TYP);
    }
    iss = oidc_json_str(jwt->claims, "iss");
    if (iss == NULL || strcmp(iss, issuer) != 0) {
        return fail(detail, "iss is not the provider's issuer",
                    OIDC_LOGOUT_TOKEN_ISS);
    }
    if (!oidc_jwt_audience_has(jwt->claims, client_id, &several)) {
        return fail(detail, "aud does not contain the client id",
                    OIDC_LOGOUT_TOKEN_AUD);
    }
    if (!oidc_jwt_numeric_date(jwt->claims, "iat", &iat)
        || iat > now + skew || iat + max_age + skew < now) {
        return fail(detail, "iat is missing, in the future or too old",
                    OIDC_LOGOUT_TOKEN_IAT);
    }
    if (json_object_get(jwt->claims, "exp") != NULL
        && (!oidc_jwt_numeric_date(jwt->claims, "exp", &exp)
            || exp + skew <= now)) {
        return fail(detail, "token has expired", OIDC_LOGOUT_TOKEN_EXP);
    }
    jti = oidc_json_str(jwt->claims, "jti");
    if (jti == NULL || *jti == '\0' || strlen(jti) > 255) {
        return fail(detail, "jti is missing or invalid", OIDC_LOGOUT_TOKEN_JTI);
    }
    events = json_object_get(jwt->claims, "events");
    event = json_object_get(events, OIDC_BACKCHANNEL_EVENT);
    if (!json_is_object(events) || !json_is_object(event)) {
        return fail(detail, "events lacks the back-channel logout event",
                    OIDC_LOGOUT_TOKEN_EVENTS);
    }
    if (json_object_get(jwt->claims, "nonce") != NULL) {
        return fail(detail, "a logout token must not contain a nonce",
                    OIDC_LOGOUT_TOKEN_NONCE);
    }
    if (bad_optional_string(jwt->claims, "sid")
        || bad_optional_string(jwt->claims, "sub")
        || (json_object_get(jwt->claims, "sid") == NULL
            && json_object_get(jwt->claims, "sub") == NULL)) {
        return fail(detail, "sid and sub are both missing or invalid",
                    OIDC_LOGOUT_TOKEN_SUBJECT);
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->sid = oidc_json_str(jwt->claims, "sid");
    t->sub = oidc_json_str(jwt->claims, "sub");
    t->jti = jti;
    t->iat = iat;
    *out = t;
    return OIDC_LOGOUT_TOKEN_OK;
}
