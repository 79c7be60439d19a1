/* oidc_signing_key.c: a PEM private key as a cjose JWK. OpenSSL reads the
 * PEM and hands over the key's numbers; cjose, which signs, takes them as
 * a key spec (it imports no PEM itself). */
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/jose/oidc_signing_key.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_json.h"

static apr_status_t jwk_release(void *data)
{
    cjose_jwk_release((cjose_jwk_t *)data);
    return APR_SUCCESS;
}

/* A big-number parameter of the key, big-endian, padded to `width` bytes
 * (0: its own length); NULL when the key has none. */
static uint8_t *number(apr_pool_t *p, const EVP_PKEY *k, const char *name,
                       size_t width, size_t *len)
{
    BIGNUM *bn = NULL;
    uint8_t *out = NULL;

    if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) {
        return NULL;
    }
    *len = width ? width : (size_t)BN_num_bytes(bn);
    out = apr_palloc(p, *len ? *len : 1);
    if (BN_bn2binpad(bn, out, (int)*len) < 0) {
        out = NULL;
    }
    BN_clear_free(bn);
    return out;
}

static cjose_jwk_t *rsa_jwk(apr_pool_t *p, const EVP_PKEY *k)
{
    cjose_jwk_rsa_keyspec spec;
    cjose_err err;

    memset(&spec, 0, sizeof(spec));
    spec.n = number(p, k, OSSL_PKEY_PARAM_RSA_N, 0, &spec.nlen);
    spec.e = number(p, k, OSSL_PKEY_PARAM_RSA_E, 0, &spec.elen);
    spec.d = number(p, k, OSSL_PKEY_PARAM_RSA_D, 0, &spec.dlen);
    spec.p = number(p, k, OSSL_PKEY_PARAM_RSA_FACTOR1, 0, &spec.plen);
    spec.q = number(p, k, OSSL_PKEY_PARAM_RSA_FACTOR2, 0, &spec.qlen);
    spec.dp = number(p, k, OSSL_PKEY_PARAM_RSA_EXPONENT1, 0, &spec.dplen);
    spec.dq = number(p, k, OSSL_PKEY_PARAM_RSA_EXPONENT2, 0, &spec.dqlen);
    spec.qi = number(p, k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 0, &spec.qilen);
    if (!spec.n || !spec.e || !spec.d || !spec.p || !spec.q || !spec.dp
        || !spec.dq || !spec.qi) {
        return NULL;
    }
    return cjose_jwk_create_RSA_spec(&spec, &err);
}

static cjose_jwk_t *ec_p256_jwk(apr_pool_t *p, const EVP_PKEY *k)
{
    cjose_jwk_ec_keyspec spec;
    cjose_err err;
    char group[32];

    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), NULL) != 1
        || strcmp(group, "prime256v1") != 0) {
        return NULL;
    }
    memset(&spec, 0, sizeof(spec));
    spec.crv = CJOSE_JWK_EC_P_256;
    spec.d = number(p, k, OSSL_PKEY_PARAM_PRIV_KEY, 32, &spec.dlen);
    spec.x = number(p, k, OSSL_PKEY_PARAM_EC_PUB_X, 32, &spec.xlen);
    spec.y = number(p, k, OSSL_PKEY_PARAM_EC_PUB_Y, 32, &spec.ylen);
    if (!spec.d || !spec.x || !spec.y) {
        return NULL;
    }
    return cjose_jwk_create_EC_spec(&spec, &err);
}

static EVP_PKEY *read_pem(const char *pem, apr_size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = NULL;

    if (bio != NULL) {
        k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
    }
    return k;
}

const char *oidc_jwk_thumbprint(apr_pool_t *p, const char *public_jwk)
{
    static const char *const rsa[] = { "e", "kty", "n", NULL };
    static const char *const ec[] = { "crv", "kty", "x", "y", NULL };
    json_t *k = oidc_json_parse(p, public_jwk, strlen(public_jwk));
    const char *kty = oidc_json_str(k, "kty");
    const char *const *members;
    const char *canonical = "{";
    unsigned char digest[32];
    int i;

    if (kty == NULL) {
        return NULL;
    }
    members = strcmp(kty, "RSA") == 0 ? rsa : ec;
    for (i = 0; members[i] != NULL; i++) {
        const char *v = oidc_json_str(k, members[i]);
        if (v == NULL) {
            return NULL;
        }
        /* The members are base64url or names: no character needs escaping. */
        canonical = apr_psprintf(p, "%s%s\"%s\":\"%s\"", canonical,
                                 i ? "," : "", members[i], v);
    }
    canonical = apr_pstrcat(p, canonical, "}", NULL);
    oidc_sha256(canonical, strlen(canonical), digest);
    return oidc_b64url_encode(p, digest, sizeof(digest));
}

/* The public half as a JWK for the OP, with kid, alg and use. */
static const char *public_jwk(apr_pool_t *p, const oidc_signing_key_t *key)
{
    cjose_err err;
    char *text = cjose_jwk_to_json(key->jwk, false, &err);
    json_t *k;
    const char *out = NULL;

    if (text == NULL) {
        return NULL;
    }
    k = oidc_json_parse(p, text, strlen(text));
    free(text);
    if (json_is_object(k)
        && json_object_set_new(k, "kid", json_string(key->kid)) == 0
        && json_object_set_new(k, "alg", json_string(key->alg)) == 0
        && json_object_set_new(k, "use", json_string("sig")) == 0) {
        out = oidc_json_dump(p, k);
    }
    return out;
}

const char *oidc_signing_key_from_pem(apr_pool_t *p, const char *pem,
                                      apr_size_t len, const char *alg,
                                      const char *kid,
                                      oidc_signing_key_t **out)
{
    EVP_PKEY *k = read_pem(pem, len);
    oidc_signing_key_t *key;
    int is_rsa;

    *out = NULL;
    if (k == NULL) {
        return "not a PEM private key (unencrypted PKCS#8 or traditional)";
    }
    key = apr_pcalloc(p, sizeof(*key));
    is_rsa = EVP_PKEY_is_a(k, "RSA");
    if (is_rsa && EVP_PKEY_get_bits(k) < 2048) {
        EVP_PKEY_free(k);
        return "an RSA key needs 2048 bits or more";
    }
    key->jwk = is_rsa ? rsa_jwk(p, k)
             : EVP_PKEY_is_a(k, "EC") ? ec_p256_jwk(p, k) : NULL;
    EVP_PKEY_free(k);
    if (key->jwk == NULL) {
        return "the key must be RSA or EC on the P-256 curve";
    }
    apr_pool_cleanup_register(p, key->jwk, jwk_release,
                              apr_pool_cleanup_null);
    if (alg == NULL) {
        alg = is_rsa ? "RS256" : "ES256";
    }
    if (is_rsa ? strcmp(alg, "RS256") != 0 && strcmp(alg, "PS256") != 0
               : strcmp(alg, "ES256") != 0) {
        return is_rsa ? "an RSA key signs with RS256 or PS256"
                      : "an EC P-256 key signs with ES256";
    }
    key->alg = apr_pstrdup(p, alg);
    key->kid = kid;
    if (key->kid == NULL) {
        char *text = cjose_jwk_to_json(key->jwk, false, NULL);
        if (text != NULL) {
            key->kid = oidc_jwk_thumbprint(p, apr_pstrdup(p, text));
            free(text);
        }
    }
    key->public_jwk = key->kid ? public_jwk(p, key) : NULL;
    if (key->public_jwk == NULL) {
        return "the key's public half could not be written as a JWK";
    }
    *out = key;
    return NULL;
}
