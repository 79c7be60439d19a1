/* oidc_idtoken.c: every check an ID Token must pass before a session is made.
 * The signature is checked before any claim is believed. */
#include <string.h>
#include <openssl/evp.h>

#include "core/proto/oidc_idtoken.h"
#include "core/util/oidc_encode.h"
#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_json.h"

#define MAX_SUB_LEN 255   /* Core §2: sub is at most 255 ASCII characters */

static const char *const status_names[OIDC_IDTOKEN_STATUS_COUNT] = {
    OIDC_SIGNED_STATUS_NAMES(OIDC_IDTOKEN_),
    [OIDC_IDTOKEN_AZP] = "azp", [OIDC_IDTOKEN_NBF] = "nbf",
    [OIDC_IDTOKEN_NONCE] = "nonce", [OIDC_IDTOKEN_SUB] = "sub",
    [OIDC_IDTOKEN_AT_HASH] = "at_hash"
};

const char *oidc_idtoken_status_name(oidc_idtoken_status_t st)
{
    return (unsigned)st < OIDC_IDTOKEN_STATUS_COUNT && status_names[st]
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

/* Core §3.1.3.7 beyond what every signed token passes: azp, nbf,
 * nonce, sub and at_hash. */
static oidc_idtoken_status_t check_id_claims(apr_pool_t *p,
                                             const oidc_signed_token_t *tok,
                                             const oidc_idtoken_params_t *prm,
                                             const char **detail)
{
    const json_t *claims = tok->jwt->claims;
    const char *azp = oidc_json_str(claims, "azp");
    const char *sub = oidc_json_str(claims, "sub");
    const char *at_hash = oidc_json_str(claims, "at_hash");
    apr_time_t nbf;

    if ((tok->several_aud && azp == NULL)
        || (json_object_get(claims, "azp") != NULL
            && (azp == NULL || strcmp(azp, prm->client_id) != 0))) {
        return fail(detail, "azp is missing or not the client id",
                    OIDC_IDTOKEN_AZP);
    }
    if (json_object_get(claims, "nbf") != NULL
        && (!oidc_jwt_numeric_date(claims, "nbf", &nbf)
            || nbf > prm->now + prm->skew)) {
        return fail(detail, "token is not valid yet", OIDC_IDTOKEN_NBF);
    }
    if (prm->nonce != NULL
        && !oidc_secure_streq(oidc_json_str(claims, "nonce"), prm->nonce)) {
        return fail(detail, "nonce is missing or not the flow's",
                    OIDC_IDTOKEN_NONCE);
    }
    if (sub == NULL || *sub == '\0' || strlen(sub) > MAX_SUB_LEN) {
        return fail(detail, "sub is missing or invalid", OIDC_IDTOKEN_SUB);
    }
    if (at_hash != NULL && prm->access_token != NULL
        && !at_hash_ok(p, tok->jwt->alg, at_hash, prm->access_token)) {
        return fail(detail, "at_hash does not match the access token",
                    OIDC_IDTOKEN_AT_HASH);
    }
    return OIDC_IDTOKEN_OK;
}

oidc_idtoken_status_t oidc_idtoken_validate(apr_pool_t *p,
                                            const char *compact,
                                            const oidc_jwks_t *jwks,
                                            const oidc_idtoken_params_t *prm,
                                            oidc_idtoken_t **out,
                                            const char **detail)
{
    const oidc_signed_rules_t rules = {
        prm->issuer, prm->client_id, prm->now, prm->skew, prm->iat_max_age
    };
    oidc_signed_token_t tok;
    oidc_idtoken_status_t st;
    oidc_idtoken_t *t;

    *out = NULL;
    st = (oidc_idtoken_status_t)oidc_signed_token_check(p, compact, jwks,
                                                        &rules, &tok, detail);
    if (st == OIDC_IDTOKEN_OK) {
        st = check_id_claims(p, &tok, prm, detail);
    }
    if (st != OIDC_IDTOKEN_OK) {
        return st;
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->claims = tok.jwt->claims;
    t->sub = oidc_json_str(t->claims, "sub");
    t->sid = oidc_json_str(t->claims, "sid");
    t->exp = tok.exp;
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
