/* oidc_idtoken.c: every check an ID Token must pass before a session is made.
 * The signature is checked before any claim is believed. */
#include <string.h>
#include <openssl/evp.h>

#include "core/proto/oidc_idtoken.h"
#include "core/util/oidc_encode.h"
#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_json.h"

#define MAX_SUB_LEN 255   /* Core §2: sub is at most 255 ASCII characters */

static const char *const status_names[] = {
    "ok", "malformed", "algorithm", "unknown-kid", "no-key", "signature",
    "issuer", "audience", "azp", "expired", "iat", "nbf", "nonce", "sub",
    "at_hash"
};

const char *oidc_idtoken_status_name(oidc_idtoken_status_t st)
{
    return (unsigned)st < sizeof(status_names) / sizeof(status_names[0])
        ? status_names[st] : "unknown";
}

/* at_hash: the left half of the hash of the access token, with the hash
 * that the JWS alg uses (Core §3.1.3.6). */
static int at_hash_ok(apr_pool_t *p, const char *alg, const char *at_hash,
                      const char *access_token)
{
    const EVP_MD *md;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const char *bits = alg + 2;

    md = strcmp(bits, "256") == 0 ? EVP_sha256()
       : strcmp(bits, "384") == 0 ? EVP_sha384()
       : strcmp(bits, "512") == 0 ? EVP_sha512() : NULL;
    if (md == NULL
        || EVP_Digest(access_token, strlen(access_token), digest, &n, md,
                      NULL) != 1) {
        return 0;
    }
    return oidc_secure_streq(oidc_b64url_encode(p, digest, n / 2), at_hash);
}

static oidc_idtoken_status_t fail(const char **detail, const char *why,
                                  oidc_idtoken_status_t st)
{
    *detail = why;
    return st;
}

oidc_idtoken_status_t oidc_idtoken_validate(apr_pool_t *p,
                                            const char *compact,
                                            const oidc_jwks_t *jwks,
                                            const oidc_idtoken_params_t *prm,
                                            oidc_idtoken_t **out,
                                            const char **detail)
{
    oidc_jwt_t *jwt;
    const char *iss, *sub, *nonce, *azp, *at_hash;
    apr_time_t exp, iat, nbf;
    int several;
    oidc_idtoken_t *t;

    *out = NULL;
    switch (oidc_jwt_parse_verified(p, compact, jwks, &jwt, detail)) {
    case OIDC_JWS_OK:
        break;
    case OIDC_JWS_MALFORMED:
        return OIDC_IDTOKEN_MALFORMED;
    case OIDC_JWS_ALG:
        return OIDC_IDTOKEN_ALG;
    case OIDC_JWS_UNKNOWN_KID:
        return OIDC_IDTOKEN_UNKNOWN_KID;
    case OIDC_JWS_NO_KEY:
        return OIDC_IDTOKEN_NO_KEY;
    default:
        return OIDC_IDTOKEN_SIGNATURE;
    }

    iss = oidc_json_str(jwt->claims, "iss");
    if (iss == NULL || strcmp(iss, prm->issuer) != 0) {
        return fail(detail, "iss is not the provider's issuer",
                    OIDC_IDTOKEN_ISS);
    }
    if (!oidc_jwt_audience_has(jwt->claims, prm->client_id, &several)) {
        return fail(detail, "aud does not contain the client id",
                    OIDC_IDTOKEN_AUD);
    }
    azp = oidc_json_str(jwt->claims, "azp");
    if ((several && azp == NULL)
        || (json_object_get(jwt->claims, "azp") != NULL
            && (azp == NULL || strcmp(azp, prm->client_id) != 0))) {
        return fail(detail, "azp is missing or not the client id",
                    OIDC_IDTOKEN_AZP);
    }
    if (!oidc_jwt_numeric_date(jwt->claims, "exp", &exp)) {
        return fail(detail, "exp is missing", OIDC_IDTOKEN_EXP);
    }
    if (exp + prm->skew <= prm->now) {
        return fail(detail, "token has expired", OIDC_IDTOKEN_EXP);
    }
    if (!oidc_jwt_numeric_date(jwt->claims, "iat", &iat)) {
        return fail(detail, "iat is missing", OIDC_IDTOKEN_IAT);
    }
    if (iat > prm->now + prm->skew) {
        return fail(detail, "iat is in the future", OIDC_IDTOKEN_IAT);
    }
    if (prm->iat_max_age > 0 && iat + prm->iat_max_age + prm->skew < prm->now) {
        return fail(detail, "iat is too old", OIDC_IDTOKEN_IAT);
    }
    if (json_object_get(jwt->claims, "nbf") != NULL
        && (!oidc_jwt_numeric_date(jwt->claims, "nbf", &nbf)
            || nbf > prm->now + prm->skew)) {
        return fail(detail, "token is not valid yet", OIDC_IDTOKEN_NBF);
    }
    nonce = oidc_json_str(jwt->claims, "nonce");
    if (prm->nonce != NULL && !oidc_secure_streq(nonce, prm->nonce)) {
        return fail(detail, "nonce is missing or not the flow's",
                    OIDC_IDTOKEN_NONCE);
    }
    sub = oidc_json_str(jwt->claims, "sub");
    if (sub == NULL || *sub == '\0' || strlen(sub) > MAX_SUB_LEN) {
        return fail(detail, "sub is missing or invalid", OIDC_IDTOKEN_SUB);
    }
    at_hash = oidc_json_str(jwt->claims, "at_hash");
    if (at_hash != NULL && prm->access_token != NULL
        && !at_hash_ok(p, jwt->alg, at_hash, prm->access_token)) {
        return fail(detail, "at_hash does not match the access token",
                    OIDC_IDTOKEN_AT_HASH);
    }

    t = apr_pcalloc(p, sizeof(*t));
    t->claims = jwt->claims;
    t->sub = sub;
    t->sid = oidc_json_str(jwt->claims, "sid");
    t->exp = exp;
    *out = t;
    return OIDC_IDTOKEN_OK;
}

/* Whether member `name` is the same in both (absent in both counts). */
static int same_member(const json_t *a, const json_t *b, const char *name)
{
    const json_t *x = json_object_get(a, name), *y = json_object_get(b, name);

    return (x == NULL && y == NULL) || (x && y && json_equal(x, y));
}

const char *oidc_idtoken_continues(const json_t *original,
                                   const json_t *refreshed)
{
    if (!same_member(original, refreshed, "iss")) {
        return "iss differs from the original ID token";
    }
    if (!same_member(original, refreshed, "sub")) {
        return "sub differs from the original ID token";
    }
    if (!same_member(original, refreshed, "aud")) {
        return "aud differs from the original ID token";
    }
    if (!same_member(original, refreshed, "azp")) {
        return "azp differs from the original ID token";
    }
    if (json_object_get(refreshed, "auth_time") != NULL
        && !same_member(original, refreshed, "auth_time")) {
        return "auth_time differs from the original authentication";
    }
    if (json_object_get(refreshed, "nonce") != NULL
        && !same_member(original, refreshed, "nonce")) {
        return "nonce differs from the original ID token";
    }
    return NULL;
}
