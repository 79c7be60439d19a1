/* unit_keys.c: keys and signed tokens made in the test itself.
 *
 * cjose makes the keys and the ordinary tokens. The tokens cjose will not
 * produce (exact header text, duplicate members, HS256 under a public key)
 * are assembled here and signed through OpenSSL. */

/* cjose hands out an RSA* for an RSA key; turning it into an EVP_PKEY uses
 * an interface OpenSSL 3 marks deprecated. Fine for a test. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <stdarg.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "unit.h"
#include "core/util/oidc_encode.h"

unit_key_t unit_rsa1;
unit_key_t unit_rsa2;
unit_key_t unit_ec1;
unit_key_t unit_rsa_small;

static void make_key(unit_key_t *k, const char *kid, const char *kty,
                     size_t bits)
{
    cjose_err err;

    memset(&err, 0, sizeof(err));
    if (strcmp(kty, "RSA") == 0) {
        k->jwk = cjose_jwk_create_RSA_random(bits, NULL, 0, &err);
    }
    else {
        k->jwk = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
    }
    if (k->jwk == NULL || !cjose_jwk_set_kid(k->jwk, kid, strlen(kid), &err)) {
        fprintf(stderr, "unit_keys: cannot make key %s: %s\n", kid,
                err.message ? err.message : "?");
        exit(2);
    }
    k->kid = kid;
    k->kty = kty;
}

void unit_keys_init(void)
{
    make_key(&unit_rsa1, "rsa-1", "RSA", 2048);
    make_key(&unit_rsa2, "rsa-2", "RSA", 2048);
    make_key(&unit_ec1, "ec-1", "EC", 0);
    make_key(&unit_rsa_small, "rsa-small", "RSA", 1024);
}

void unit_keys_cleanup(void)
{
    cjose_jwk_release(unit_rsa1.jwk);
    cjose_jwk_release(unit_rsa2.jwk);
    cjose_jwk_release(unit_ec1.jwk);
    cjose_jwk_release(unit_rsa_small.jwk);
    memset(&unit_rsa1, 0, sizeof(unit_rsa1));
    memset(&unit_rsa2, 0, sizeof(unit_rsa2));
    memset(&unit_ec1, 0, sizeof(unit_ec1));
    memset(&unit_rsa_small, 0, sizeof(unit_rsa_small));
}

const char *unit_jwk_public(apr_pool_t *p, const unit_key_t *k,
                            const char *kid, const char *alg,
                            const char *use)
{
    cjose_err err;
    char *text = cjose_jwk_to_json(k->jwk, false, &err);
    json_t *json;
    json_error_t jerr;
    char *dump;
    const char *out;

    ck_assert_ptr_nonnull(text);
    json = json_loads(text, 0, &jerr);
    cjose_get_dealloc()(text);
    ck_assert_ptr_nonnull(json);
    json_object_del(json, "kid");
    if (kid != NULL) {
        json_object_set_new(json, "kid", json_string(kid));
    }
    if (alg != NULL) {
        json_object_set_new(json, "alg", json_string(alg));
    }
    if (use != NULL) {
        json_object_set_new(json, "use", json_string(use));
    }
    dump = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    ck_assert_ptr_nonnull(dump);
    out = apr_pstrdup(p, dump);
    free(dump);
    return out;
}

const char *unit_jwks_text(apr_pool_t *p, ...)
{
    va_list ap;
    const char *out = "{\"keys\":[";
    const char *jwk;
    int first = 1;

    va_start(ap, p);
    while ((jwk = va_arg(ap, const char *)) != NULL) {
        out = apr_pstrcat(p, out, first ? "" : ",", jwk, NULL);
        first = 0;
    }
    va_end(ap);
    return apr_pstrcat(p, out, "]}", NULL);
}

const char *unit_b64url(apr_pool_t *p, const char *s)
{
    return oidc_b64url_encode(p, (const unsigned char *)s, strlen(s));
}

const char *unit_jws_sign(apr_pool_t *p, const unit_key_t *k,
                          const char *alg, const char *kid,
                          const char *payload)
{
    cjose_err err;
    cjose_header_t *hdr = cjose_header_new(&err);
    cjose_jws_t *jws;
    const char *compact = NULL, *out;

    ck_assert_ptr_nonnull(hdr);
    ck_assert(cjose_header_set(hdr, CJOSE_HDR_ALG, alg, &err));
    if (kid != NULL) {
        ck_assert(cjose_header_set(hdr, CJOSE_HDR_KID, kid, &err));
    }
    jws = cjose_jws_sign(k->jwk, hdr, (const uint8_t *)payload,
                         strlen(payload), &err);
    cjose_header_release(hdr);
    ck_assert_msg(jws != NULL, "cjose_jws_sign(%s): %s", alg,
                  err.message ? err.message : "?");
    ck_assert(cjose_jws_export(jws, &compact, &err));
    out = apr_pstrdup(p, compact);
    cjose_jws_release(jws);
    return out;
}

const char *unit_jws_sign_claims(apr_pool_t *p, const unit_key_t *k,
                                 const char *kid, json_t *claims)
{
    char *text = json_dumps(claims, JSON_COMPACT);
    const char *tok = unit_jws_sign(p, k, "RS256", kid, text);

    free(text);
    json_decref(claims);
    return tok;
}

const char *unit_jws_rs256_raw(apr_pool_t *p, const unit_key_t *k,
                               const char *header, const char *payload)
{
    cjose_err err;
    RSA *rsa = cjose_jwk_get_keydata(k->jwk, &err);
    EVP_PKEY *pkey = EVP_PKEY_new();
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    const char *input = apr_pstrcat(p, unit_b64url(p, header), ".",
                                    unit_b64url(p, payload), NULL);
    unsigned char sig[1024];
    size_t sig_len = sizeof(sig);
    int ok;

    ck_assert_str_eq(k->kty, "RSA");
    ck_assert_ptr_nonnull(rsa);
    ck_assert_ptr_nonnull(pkey);
    ck_assert_ptr_nonnull(md);
    ok = EVP_PKEY_set1_RSA(pkey, rsa) == 1
        && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) == 1
        && EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)input,
                          strlen(input)) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    ck_assert_msg(ok, "RS256 signing failed");
    return apr_pstrcat(p, input, ".", oidc_b64url_encode(p, sig, sig_len),
                       NULL);
}

const char *unit_jws_hs256(apr_pool_t *p, const unsigned char *secret,
                           apr_size_t secret_len, const char *header,
                           const char *payload)
{
    const char *input = apr_pstrcat(p, unit_b64url(p, header), ".",
                                    unit_b64url(p, payload), NULL);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), secret, (int)secret_len,
                               (const unsigned char *)input, strlen(input),
                               mac, &mac_len));
    ck_assert_uint_eq(mac_len, 32);
    return apr_pstrcat(p, input, ".", oidc_b64url_encode(p, mac, mac_len),
                       NULL);
}

const char *unit_jws_flip_sig(apr_pool_t *p, const char *compact)
{
    const char *dot = strrchr(compact, '.');
    unsigned char *sig;
    apr_size_t len = 0;

    ck_assert_ptr_nonnull(dot);
    sig = oidc_b64url_decode(p, dot + 1, strlen(dot + 1), &len);
    ck_assert_ptr_nonnull(sig);
    ck_assert_uint_gt(len, 0);
    sig[len / 2] ^= 0x01;
    return apr_pstrcat(p, apr_pstrmemdup(p, compact,
                                         (apr_size_t)(dot - compact)),
                       ".", oidc_b64url_encode(p, sig, len), NULL);
}
