/* oidc_logout_token.c: what a back-channel logout token must be before any
 * session is ended on its word. */
#include <string.h>

#include "core/proto/oidc_logout_token.h"
#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_json.h"

static const char *const status_names[OIDC_LOGOUT_TOKEN_STATUS_COUNT] = {
    OIDC_SIGNED_STATUS_NAMES(OIDC_LOGOUT_TOKEN_),
    [OIDC_LOGOUT_TOKEN_TYP] = "typ", [OIDC_LOGOUT_TOKEN_JTI] = "jti",
    [OIDC_LOGOUT_TOKEN_EVENTS] = "events",
    [OIDC_LOGOUT_TOKEN_NONCE] = "nonce",
    [OIDC_LOGOUT_TOKEN_SUBJECT] = "no-sid-or-sub"
};

const char *oidc_logout_token_status_name(oidc_logout_token_status_t st)
{
    return (unsigned)st < OIDC_LOGOUT_TOKEN_STATUS_COUNT && status_names[st]
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

/* §2.4: explicit typing is recommended; a token typed as anything else
 * (an ID token, an access token) is not a logout token. */
static int typed_otherwise(const json_t *header)
{
    const char *typ = oidc_json_str(header, "typ");

    return json_object_get(header, "typ") != NULL
        && (typ == NULL || (strcasecmp(typ, "logout+jwt") != 0
                            && strcasecmp(typ, "application/logout+jwt") != 0
                            && strcasecmp(typ, "JWT") != 0));
}

/* §2.4 and §2.6 beyond what every signed token passes. */
static oidc_logout_token_status_t check_logout_claims(const oidc_jwt_t *jwt,
                                                      const char **detail)
{
    const char *jti = oidc_json_str(jwt->claims, "jti");
    const json_t *events = json_object_get(jwt->claims, "events");
    const json_t *event = json_object_get(events, OIDC_BACKCHANNEL_EVENT);

    if (typed_otherwise(jwt->header)) {
        return fail(detail, "typ is not logout+jwt", OIDC_LOGOUT_TOKEN_TYP);
    }
    if (jti == NULL || *jti == '\0' || strlen(jti) > 255) {
        return fail(detail, "jti is missing or invalid", OIDC_LOGOUT_TOKEN_JTI);
    }
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
    return OIDC_LOGOUT_TOKEN_OK;
}

oidc_logout_token_status_t oidc_logout_token_validate(
    apr_pool_t *p, const char *compact, const oidc_jwks_t *jwks,
    const char *issuer, const char *client_id, apr_time_t now,
    apr_interval_time_t skew, apr_interval_time_t max_age,
    oidc_logout_token_t **out, const char **detail)
{
    const oidc_signed_rules_t rules = {
        issuer, client_id, now, skew, max_age
    };
    oidc_signed_token_t tok;
    oidc_logout_token_status_t st;
    oidc_logout_token_t *t;

    *out = NULL;
    st = (oidc_logout_token_status_t)oidc_signed_token_check(
        p, compact, jwks, &rules, &tok, detail);
    if (st == OIDC_LOGOUT_TOKEN_OK) {
        st = check_logout_claims(tok.jwt, detail);
    }
    if (st != OIDC_LOGOUT_TOKEN_OK) {
        return st;
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->sid = oidc_json_str(tok.jwt->claims, "sid");
    t->sub = oidc_json_str(tok.jwt->claims, "sub");
    t->jti = oidc_json_str(tok.jwt->claims, "jti");
    t->iat = tok.iat;
    *out = t;
    return OIDC_LOGOUT_TOKEN_OK;
}
