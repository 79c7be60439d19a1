/* test_client_assertion.c: the RP's signing key from PEM
 * (oidc_signing_key.c) and the client assertions it signs
 * (oidc_client_assertion.c, RFC 7523): their claims, their header, and a
 * signature that verifies with the public half only. */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "unit.h"
#include "core/jose/oidc_client_assertion.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_json.h"

#define CLIENT "rp-client"
#define ISSUER "https://op.example"
#define NOW apr_time_from_sec(1700000000)

/* A fresh private key as PEM: "RSA" (2048 bits, or `bits`) or "EC". */
static const char *pem_key(const char *type, unsigned int bits)
{
    EVP_PKEY *k = strcmp(type, "RSA") == 0 ? EVP_RSA_gen(bits)
                                            : EVP_EC_gen("P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long n;
    const char *pem;

    ck_assert_ptr_nonnull(k);
    ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL,
                                              NULL), 1);
    n = BIO_get_mem_data(bio, &data);
    pem = apr_pstrmemdup(unit_pool, data, (apr_size_t)n);
    BIO_free(bio);
    EVP_PKEY_free(k);
    return pem;
}

static oidc_signing_key_t *key_of(const char *pem, const char *alg)
{
    oidc_signing_key_t *key = NULL;
    const char *err = oidc_signing_key_from_pem(unit_pool, pem, strlen(pem),
                                                alg, NULL, &key);

    ck_assert_msg(err == NULL, "%s", err);
    return key;
}

/* Verifies `compact` with `jwk`; returns its claims and header. */
static json_t *verified(const char *compact, cjose_jwk_t *jwk,
                        json_t **header)
{
    cjose_jws_t *jws = cjose_jws_import(compact, strlen(compact), NULL);
    uint8_t *plain = NULL;
    size_t len = 0;
    json_t *claims;
    char *h;

    ck_assert_ptr_nonnull(jws);
    ck_assert(cjose_jws_verify(jws, jwk, NULL));
    ck_assert(cjose_jws_get_plaintext(jws, &plain, &len, NULL));
    claims = oidc_json_parse(unit_pool, (const char *)plain, len);
    h = json_dumps((json_t *)cjose_jws_get_protected(jws), JSON_COMPACT);
    *header = oidc_json_parse(unit_pool, h, strlen(h));
    free(h);
    cjose_jws_release(jws);
    ck_assert_ptr_nonnull(claims);
    return claims;
}

static void assert_claims(const json_t *c)
{
    ck_assert_str_eq(oidc_json_str(c, "iss"), CLIENT);
    ck_assert_str_eq(oidc_json_str(c, "sub"), CLIENT);
    ck_assert_str_eq(oidc_json_str(c, "aud"), ISSUER);
    ck_assert_uint_eq(strlen(oidc_json_str(c, "jti")), 32);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "iat")),
                     apr_time_sec(NOW));
    ck_assert_int_eq(json_integer_value(json_object_get(c, "exp")),
                     apr_time_sec(NOW) + OIDC_ASSERTION_LIFETIME);
}

START_TEST(secret_jwt_is_hs256_with_the_secret)
{
    const char *secret = "a-client-secret-of-32-characters!";
    const char *err, *a, *b;
    cjose_jwk_t *jwk = cjose_jwk_create_oct_spec((const uint8_t *)secret,
                                                 strlen(secret), NULL);
    cjose_jwk_t *other = cjose_jwk_create_oct_spec((const uint8_t *)"x", 1,
                                                   NULL);
    cjose_jws_t *jws;
    json_t *header;

    a = oidc_client_assertion(unit_pool, CLIENT, ISSUER, secret, NULL, NOW,
                              &err);
    ck_assert_ptr_nonnull(a);
    assert_claims(verified(a, jwk, &header));
    ck_assert_str_eq(oidc_json_str(header, "alg"), "HS256");
    ck_assert_str_eq(oidc_json_str(header, "typ"), "JWT");
    /* Another secret does not verify it; each assertion has its own jti. */
    jws = cjose_jws_import(a, strlen(a), NULL);
    ck_assert(!cjose_jws_verify(jws, other, NULL));
    cjose_jws_release(jws);
    b = oidc_client_assertion(unit_pool, CLIENT, ISSUER, secret, NULL, NOW,
                              &err);
    ck_assert_str_ne(a, b);
    /* No secret, no assertion. */
    ck_assert_ptr_null(oidc_client_assertion(unit_pool, CLIENT, ISSUER, NULL,
                                             NULL, NOW, &err));
    ck_assert_str_eq(err, "no client secret or signing key");
    cjose_jwk_release(jwk);
    cjose_jwk_release(other);
}
END_TEST

/* private_key_jwt: verified with the public JWK the RP would publish. */
static void signs_and_verifies(const char *type, const char *alg)
{
    oidc_signing_key_t *key = key_of(pem_key(type, 2048), alg);
    const char *err;
    const char *a = oidc_client_assertion(unit_pool, CLIENT, ISSUER, NULL,
                                          key, NOW, &err);
    cjose_jwk_t *pub = cjose_jwk_import(key->public_jwk,
                                        strlen(key->public_jwk), NULL);
    json_t *header, *jwk = oidc_json_parse(unit_pool, key->public_jwk,
                                           strlen(key->public_jwk));

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(pub);
    /* The published half holds no private member. */
    ck_assert_ptr_null(json_object_get(jwk, "d"));
    ck_assert_str_eq(oidc_json_str(jwk, "use"), "sig");
    ck_assert_str_eq(oidc_json_str(jwk, "alg"), alg);
    assert_claims(verified(a, pub, &header));
    ck_assert_str_eq(oidc_json_str(header, "alg"), alg);
    ck_assert_str_eq(oidc_json_str(header, "kid"), key->kid);
    ck_assert_str_eq(key->kid, oidc_jwk_thumbprint(unit_pool,
                                                   key->public_jwk));
    cjose_jwk_release(pub);
}

START_TEST(private_key_jwt_rs256_ps256_es256)
{
    signs_and_verifies("RSA", "RS256");
    signs_and_verifies("RSA", "PS256");
    signs_and_verifies("EC", "ES256");
}
END_TEST

START_TEST(keys_refused)
{
    oidc_signing_key_t *key;
    const char *ec = pem_key("EC", 0);
    const char *small = pem_key("RSA", 1024);

    ck_assert_str_eq(oidc_signing_key_from_pem(unit_pool, "junk", 4, NULL,
                                               NULL, &key),
                     "not a PEM private key (unencrypted PKCS#8 or "
                     "traditional)");
    ck_assert_ptr_null(key);
    ck_assert_str_eq(oidc_signing_key_from_pem(unit_pool, ec, strlen(ec),
                                               "RS256", NULL, &key),
                     "an EC P-256 key signs with ES256");
    ck_assert_str_eq(oidc_signing_key_from_pem(unit_pool, small,
                                               strlen(small), NULL, NULL,
                                               &key),
                     "an RSA key needs 2048 bits or more");
    /* A configured kid wins over the thumbprint. */
    ck_assert_ptr_null(oidc_signing_key_from_pem(unit_pool, ec, strlen(ec),
                                                 NULL, "my-kid", &key));
    ck_assert_str_eq(key->kid, "my-kid");
    ck_assert_str_eq(key->alg, "ES256");
}
END_TEST

/* RFC 7638 §3: the required members only, sorted, no whitespace. */
START_TEST(thumbprint_of_the_canonical_members)
{
    const char *canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"X1\","
                            "\"y\":\"Y2\"}";
    unsigned char d[32];

    oidc_sha256(canonical, strlen(canonical), d);
    ck_assert_str_eq(oidc_jwk_thumbprint(unit_pool,
                         "{\"y\":\"Y2\",\"use\":\"sig\",\"kid\":\"k\","
                         "\"x\":\"X1\",\"kty\":\"EC\",\"crv\":\"P-256\"}"),
                     oidc_b64url_encode(unit_pool, d, sizeof(d)));
    ck_assert_ptr_null(oidc_jwk_thumbprint(unit_pool, "{\"kty\":\"EC\"}"));
}
END_TEST

Suite *client_assertion_suite(void)
{
    Suite *s = suite_create("client_assertion");
    TCase *tc = unit_tcase("client_assertion");

    tcase_add_test(tc, secret_jwt_is_hs256_with_the_secret);
    tcase_add_test(tc, private_key_jwt_rs256_ps256_es256);
    tcase_add_test(tc, keys_refused);
    tcase_add_test(tc, thumbprint_of_the_canonical_members);
    suite_add_tcase(s, tc);
    return s;
}
