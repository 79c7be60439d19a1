/* oidc_idtoken.c: every check an ID Token must pass before a session is made.
 * The signature is checked before any claim is believed. */
#include <string.h>
#include <openssl/evp.h>

#include "oidc_idtoken.h"
#include "oidc_encode.h"
#include "oidc_jwt.h"

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

/* A NumericDate claim in seconds; 0 when absent or not a number. */
static int numeric_date(const json_t *claims, const char *name,
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

static int audience_ok(const json_t *claims, const char *client_id,
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
    const oidc_jwk_t *key;
    const char *why, *iss, *sub, *nonce, *azp, *at_hash;
    apr_time_t exp, iat, nbf;
    int several;
    oidc_idtoken_t *t;

    *out = NULL;
    *detail = NULL;
    why = oidc_jwt_parse(p, compact, &jwt);
    if (why != NULL) {
        return fail(detail, why, OIDC_IDTOKEN_MALFORMED);
    }
    if (!oidc_jwt_alg_supported(jwt->alg)) {
        *detail = apr_psprintf(p, "alg %.16s is not allowed", jwt->alg);
        return OIDC_IDTOKEN_ALG;
    }
    switch (oidc_jwks_select(jwks, jwt->alg, jwt->kid, &key)) {
    case OIDC_JWKS_FOUND:
        break;
    case OIDC_JWKS_UNKNOWN_KID:
        return fail(detail, "no key with this kid", OIDC_IDTOKEN_UNKNOWN_KID);
    case OIDC_JWKS_AMBIGUOUS:
        return fail(detail, "no kid and several candidate keys",
                    OIDC_IDTOKEN_NO_KEY);
    default:
        return fail(detail, "no key suits the algorithm", OIDC_IDTOKEN_NO_KEY);
    }
    if (!oidc_jwt_verify(jwt, key)) {
        return fail(detail, "signature does not verify",
                    OIDC_IDTOKEN_SIGNATURE);
    }

    iss = oidc_json_str(jwt->claims, "iss");
    if (iss == NULL || strcmp(iss, prm->issuer) != 0) {
        return fail(detail, "iss is not the provider's issuer",
                    OIDC_IDTOKEN_ISS);
    }
    if (!audience_ok(jwt->claims, prm->client_id, &several)) {
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
    if (!numeric_date(jwt->claims, "exp", &exp)) {
        return fail(detail, "exp is missing", OIDC_IDTOKEN_EXP);
    }
    if (exp + prm->skew <= prm->now) {
        return fail(detail, "token has expired", OIDC_IDTOKEN_EXP);
    }
    if (!numeric_date(jwt->claims, "iat", &iat)) {
        return fail(detail, "iat is missing", OIDC_IDTOKEN_IAT);
    }
    if (iat > prm->now + prm->skew) {
        return fail(detail, "iat is in the future", OIDC_IDTOKEN_IAT);
    }
    if (prm->iat_max_age > 0 && iat + prm->iat_max_age + prm->skew < prm->now) {
        return fail(detail, "iat is too old", OIDC_IDTOKEN_IAT);
    }
    if (json_object_get(jwt->claims, "nbf") != NULL
        && (!numeric_date(jwt->claims, "nbf", &nbf)
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
