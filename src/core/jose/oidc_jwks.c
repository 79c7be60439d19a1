/* oidc_jwks.c: JWK Set parsing and key selection. */
#include <stdlib.h>
#include <string.h>

#include "core/jose/oidc_jwks.h"
#include "core/util/oidc_json.h"
#include "core/jose/oidc_jwa.h"
#include "core/util/oidc_encode.h"

static apr_status_t jwk_release(void *data)
{
    cjose_jwk_release((cjose_jwk_t *)data);
    return APR_SUCCESS;
}

/* cjose's base64url decoder asserts (aborting the process) on some
 * malformed values, such as "A=B": the members it decodes must be strict
 * base64url before it sees them. */
static int members_are_b64url(const json_t *k)
{
    static const char *const encoded[] = {
        "n", "e", "d", "p", "q", "dp", "dq", "qi", "x", "y", NULL
    };
    int i;

    for (i = 0; encoded[i] != NULL; i++) {
        const json_t *v = json_object_get(k, encoded[i]);
        if (json_is_string(v)
            && !oidc_is_b64url(json_string_value(v), json_string_length(v))) {
            return 0;
        }
    }
    return 1;
}

static int import_key(apr_pool_t *p, json_t *k, oidc_jwk_t *out)
{
    const char *use = oidc_json_str(k, "use");
    json_t *kid = json_object_get(k, "kid");
    char *text;
    cjose_err err;

    out->kty = oidc_json_str(k, "kty");
    out->alg = oidc_json_str(k, "alg");
    out->crv = oidc_json_str(k, "crv");
    if (out->kty == NULL || (use != NULL && strcmp(use, "sig") != 0)
        || (kid != NULL && !json_is_string(kid))) {
        return 0;
    }
    if ((strcmp(out->kty, "RSA") != 0 && strcmp(out->kty, "EC") != 0)
        || !members_are_b64url(k)) {
        return 0;
    }
    out->kid = kid ? apr_pstrdup(p, json_string_value(kid)) : NULL;
    out->kty = apr_pstrdup(p, out->kty);
    out->alg = out->alg ? apr_pstrdup(p, out->alg) : NULL;
    out->crv = out->crv ? apr_pstrdup(p, out->crv) : NULL;
    text = json_dumps(k, JSON_COMPACT);
    if (text == NULL) {
        return 0;
    }
    out->jwk = cjose_jwk_import(text, strlen(text), &err);
    free(text);
    if (out->jwk == NULL) {
        return 0;
    }
    apr_pool_cleanup_register(p, out->jwk, jwk_release,
                              apr_pool_cleanup_null);
    if (strcmp(out->kty, "RSA") == 0
        && cjose_jwk_get_keysize(out->jwk, &err) < 2048) {
        return 0;
    }
    return 1;
}

const char *oidc_jwks_parse(apr_pool_t *p, const char *text, apr_size_t len,
                            oidc_jwks_t **out)
{
    json_t *json = oidc_json_parse(p, text, len);
    json_t *keys = json_object_get(json, "keys");
    oidc_jwks_t *jwks;
    size_t i;

    *out = NULL;
    if (!json_is_object(json)) {
        return "JWKS is not a JSON object";
    }
    if (!json_is_array(keys)) {
        return "JWKS has no keys array";
    }
    if (json_array_size(keys) > OIDC_MAX_JWKS_KEYS) {
        return "JWKS has too many keys";
    }
    jwks = apr_pcalloc(p, sizeof(*jwks));
    jwks->keys = apr_array_make(p, (int)json_array_size(keys) + 1,
                                sizeof(oidc_jwk_t));
    for (i = 0; i < json_array_size(keys); i++) {
        oidc_jwk_t key;
        memset(&key, 0, sizeof(key));
        if (json_is_object(json_array_get(keys, i))
            && import_key(p, json_array_get(keys, i), &key)) {
            APR_ARRAY_PUSH(jwks->keys, oidc_jwk_t) = key;
        }
    }
    *out = jwks;
    return NULL;
}

static const char *curve_for(const char *alg)
{
    if (strcmp(alg, "ES256") == 0) return "P-256";
    if (strcmp(alg, "ES384") == 0) return "P-384";
    if (strcmp(alg, "ES512") == 0) return "P-521";
    return NULL;
}

int oidc_jwk_suits(const oidc_jwk_t *key, const char *alg)
{
    if (alg == NULL || !oidc_jwa_supported(alg)) {
        return 0;
    }
    if (key->alg != NULL && strcmp(key->alg, alg) != 0) {
        return 0;
    }
    if (alg[0] == 'R' || alg[0] == 'P') {
        return strcmp(key->kty, "RSA") == 0;
    }
    return strcmp(key->kty, "EC") == 0 && key->crv != NULL
        && strcmp(key->crv, curve_for(alg)) == 0;
}

oidc_jwks_select_t oidc_jwks_select(const oidc_jwks_t *jwks, const char *alg,
                                    const char *kid, const oidc_jwk_t **key)
{
    const oidc_jwk_t *found = NULL;
    int i, candidates = 0, kid_seen = 0;

    *key = NULL;
    for (i = 0; jwks != NULL && i < jwks->keys->nelts; i++) {
        const oidc_jwk_t *k = &APR_ARRAY_IDX(jwks->keys, i, oidc_jwk_t);
        if (kid != NULL) {
            if (k->kid == NULL || strcmp(k->kid, kid) != 0) {
                continue;
            }
            kid_seen = 1;
        }
        if (oidc_jwk_suits(k, alg)) {
            found = k;
            candidates++;
        }
    }
    if (kid != NULL && !kid_seen) {
        return OIDC_JWKS_UNKNOWN_KID;
    }
    if (candidates == 0) {
        return OIDC_JWKS_NO_KEY;
    }
    if (candidates > 1) {
        return OIDC_JWKS_AMBIGUOUS;
    }
    *key = found;
    return OIDC_JWKS_FOUND;
}
