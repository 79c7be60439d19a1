/* test_jwt.c: compact JWS parsing, the algorithm allow-list, verification
 * and strict JSON. */
#include <stdlib.h>

#include "unit.h"
#include "core/util/oidc_encode.h"
#include "core/jose/oidc_jwks.h"
#include "core/jose/oidc_jwt.h"
#include "core/jose/oidc_jwa.h"
#include "core/util/oidc_json.h"

#define PAYLOAD "{\"sub\":\"alice\",\"iss\":\"https://op.example\"}"

/* header.payload.signature from JSON texts; sig is used as it is. */
static const char *compact(const char *header, const char *payload,
                           const char *sig)
{
    return apr_pstrcat(unit_pool, unit_b64url(unit_pool, header), ".",
                       unit_b64url(unit_pool, payload), ".", sig, NULL);
}

static const char *parse_err(const char *token)
{
    oidc_jwt_t *jwt = (oidc_jwt_t *)1;
    const char *err = oidc_jwt_parse(unit_pool, token, &jwt);
    ck_assert_msg(err == NULL || jwt == NULL, "error %s but a result", err);
    return err;
}

START_TEST(parse_ok)
{
    oidc_jwt_t *jwt = NULL;
    const char *t = unit_jws_sign(unit_pool, &unit_rsa1, "RS256", "rsa-1",
                                  PAYLOAD);

    ck_assert_ptr_null(oidc_jwt_parse(unit_pool, t, &jwt));
    ck_assert_ptr_nonnull(jwt);
    ck_assert_str_eq(jwt->alg, "RS256");
    ck_assert_str_eq(jwt->kid, "rsa-1");
    ck_assert_str_eq(jwt->compact, t);
    ck_assert_str_eq(oidc_json_str(jwt->claims, "sub"), "alice");
    ck_assert_str_eq(oidc_json_str(jwt->header, "alg"), "RS256");

    t = unit_jws_sign(unit_pool, &unit_rsa1, "RS256", NULL, PAYLOAD);
    ck_assert_ptr_null(oidc_jwt_parse(unit_pool, t, &jwt));
    ck_assert_ptr_null(jwt->kid);
}
END_TEST

START_TEST(parse_structure)
{
    const char *h = unit_b64url(unit_pool, "{\"alg\":\"RS256\"}");
    const char *p = unit_b64url(unit_pool, PAYLOAD);

    ck_assert_ptr_nonnull(parse_err(NULL));
    ck_assert_ptr_nonnull(parse_err(""));
    ck_assert_ptr_nonnull(parse_err(h));
    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, ".", p, NULL)));
    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, ".", p,
                                                ".c2ln.eHg", NULL)));
    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, ".", p,
                                                ".c2ln.eHg.eHg", NULL)));
    /* The five-part form is JWE: not ours. */
    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, "..", p,
                                                ".c2ln.eHg", NULL)));
    /* The control: three parts parse. */
    ck_assert_ptr_null(parse_err(apr_pstrcat(unit_pool, h, ".", p, ".c2ln",
                                             NULL)));
}
END_TEST

START_TEST(parse_empty_signature)
{
    const char *err = parse_err(compact("{\"alg\":\"RS256\"}", PAYLOAD, ""));

    ck_assert_ptr_nonnull(err);
    ck_assert(unit_contains(err, "unsigned"));
    ck_assert_ptr_nonnull(parse_err(compact("{\"alg\":\"none\"}", PAYLOAD,
                                            "")));
}
END_TEST

START_TEST(parse_not_objects)
{
    static const char *const not_objects[] = {
        "[1,2]", "\"alg\"", "123", "null", "true", "not json", "{",
        "{\"alg\":\"RS256\"} trailing", ""
    };
    size_t i;

    for (i = 0; i < sizeof(not_objects) / sizeof(not_objects[0]); i++) {
        ck_assert_msg(parse_err(compact(not_objects[i], PAYLOAD, "c2ln"))
                      != NULL, "header %s accepted", not_objects[i]);
        ck_assert_msg(parse_err(compact("{\"alg\":\"RS256\"}",
                                        not_objects[i], "c2ln")) != NULL,
                      "payload %s accepted", not_objects[i]);
    }
}
END_TEST

START_TEST(parse_bad_base64)
{
    const char *h = unit_b64url(unit_pool, "{\"alg\":\"RS256\"}");
    const char *p = unit_b64url(unit_pool, PAYLOAD);

    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, "=.", p,
                                                ".c2ln", NULL)));
    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, ".", p,
                                                "==.c2ln", NULL)));
    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, ".", p,
                                                ".c2l+", NULL)));
    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, ".", p,
                                                ".c2ln=", NULL)));
    ck_assert_ptr_nonnull(parse_err(apr_pstrcat(unit_pool, h, ".", p,
                                                ".c2 ln", NULL)));
}
END_TEST

START_TEST(parse_alg_and_kid)
{
    ck_assert_ptr_nonnull(parse_err(compact("{}", PAYLOAD, "c2ln")));
    ck_assert_ptr_nonnull(parse_err(compact("{\"kid\":\"a\"}", PAYLOAD,
                                            "c2ln")));
    ck_assert_ptr_nonnull(parse_err(compact("{\"alg\":256}", PAYLOAD,
                                            "c2ln")));
    ck_assert_ptr_nonnull(parse_err(compact("{\"alg\":null}", PAYLOAD,
                                            "c2ln")));
    ck_assert_ptr_nonnull(parse_err(compact("{\"alg\":[\"RS256\"]}", PAYLOAD,
                                            "c2ln")));
    ck_assert_ptr_nonnull(parse_err(compact("{\"alg\":\"RS256\",\"kid\":5}",
                                            PAYLOAD, "c2ln")));
    ck_assert_ptr_nonnull(parse_err(compact(
        "{\"alg\":\"RS256\",\"kid\":null}", PAYLOAD, "c2ln")));
    ck_assert_ptr_nonnull(parse_err(compact(
        "{\"alg\":\"RS256\",\"kid\":{\"a\":1}}", PAYLOAD, "c2ln")));
    ck_assert_ptr_null(parse_err(compact("{\"alg\":\"RS256\",\"kid\":\"\"}",
                                         PAYLOAD, "c2ln")));
}
END_TEST

START_TEST(parse_crit)
{
    const char *err = parse_err(compact(
        "{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}", PAYLOAD, "c2ln"));

    ck_assert_ptr_nonnull(err);
    ck_assert(unit_contains(err, "crit"));
    ck_assert_ptr_nonnull(parse_err(compact(
        "{\"alg\":\"RS256\",\"crit\":[]}", PAYLOAD, "c2ln")));
}
END_TEST

START_TEST(parse_oversized)
{
    /* A validly signed token just over the bound, and one just under. */
    const char *prefix = "{\"sub\":\"alice\",\"pad\":\"";
    apr_size_t base = strlen(unit_jws_sign(unit_pool, &unit_rsa1, "RS256",
                                           "rsa-1", "{\"sub\":\"alice\","
                                           "\"pad\":\"\"}"));
    apr_size_t pad = (OIDC_MAX_JWT_LEN - base) * 3 / 4 + 8;
    const char *big = unit_jws_sign(unit_pool, &unit_rsa1, "RS256", "rsa-1",
                                    apr_pstrcat(unit_pool, prefix,
                                                unit_repeat(unit_pool, 'x',
                                                            pad), "\"}",
                                                NULL));
    const char *small = unit_jws_sign(unit_pool, &unit_rsa1, "RS256",
                                      "rsa-1",
                                      apr_pstrcat(unit_pool, prefix,
                                                  unit_repeat(unit_pool, 'x',
                                                              pad - 12),
                                                  "\"}", NULL));
    const char *err;

    ck_assert_uint_gt(strlen(big), OIDC_MAX_JWT_LEN);
    ck_assert_uint_le(strlen(small), OIDC_MAX_JWT_LEN);
    err = parse_err(big);
    ck_assert_ptr_nonnull(err);
    ck_assert(unit_contains(err, "large"));
    ck_assert_ptr_null(parse_err(small));
}
END_TEST

START_TEST(parse_duplicate_members)
{
    /* Signed for real, so only the duplicate can be the reason. */
    ck_assert_ptr_nonnull(parse_err(unit_jws_rs256_raw(
        unit_pool, &unit_rsa1, "{\"alg\":\"RS256\",\"alg\":\"none\"}",
        PAYLOAD)));
    ck_assert_ptr_nonnull(parse_err(unit_jws_rs256_raw(
        unit_pool, &unit_rsa1, "{\"alg\":\"RS256\",\"kid\":\"a\",\"kid\":\"b\"}",
        PAYLOAD)));
    ck_assert_ptr_nonnull(parse_err(unit_jws_rs256_raw(
        unit_pool, &unit_rsa1, "{\"alg\":\"RS256\"}",
        "{\"sub\":\"alice\",\"sub\":\"admin\"}")));
    ck_assert_ptr_nonnull(parse_err(unit_jws_rs256_raw(
        unit_pool, &unit_rsa1, "{\"alg\":\"RS256\"}",
        "{\"sub\":\"alice\",\"x\":{\"a\":1,\"a\":2}}")));
    /* The control. */
    ck_assert_ptr_null(parse_err(unit_jws_rs256_raw(
        unit_pool, &unit_rsa1, "{\"alg\":\"RS256\"}", PAYLOAD)));
}
END_TEST

START_TEST(alg_supported)
{
    static const char *const yes[] = {
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
        "ES384", "ES512"
    };
    static const char *const no[] = {
        "none", "None", "NONE", "HS256", "HS384", "HS512", "", "rs256",
        "RS256 ", "RS", "ES256K", "EdDSA", "RSA1_5", "dir"
    };
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        ck_assert_msg(oidc_jwa_supported(yes[i]), "%s refused", yes[i]);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        ck_assert_msg(!oidc_jwa_supported(no[i]), "%s allowed", no[i]);
    }
    ck_assert(!oidc_jwa_supported(NULL));
}
END_TEST

static const oidc_jwk_t *jwk_of(const unit_key_t *k, const char *alg)
{
    oidc_jwks_t *jwks;
    const char *text = unit_jwks_text(unit_pool,
                                      unit_jwk_public(unit_pool, k, k->kid,
                                                      alg, NULL), NULL);

    ck_assert_ptr_null(oidc_jwks_parse(unit_pool, text, strlen(text), &jwks));
    ck_assert_int_eq(jwks->keys->nelts, 1);
    return &APR_ARRAY_IDX(jwks->keys, 0, oidc_jwk_t);
}

static oidc_jwt_t *parsed(const char *token)
{
    oidc_jwt_t *jwt;
    ck_assert_ptr_null(oidc_jwt_parse(unit_pool, token, &jwt));
    return jwt;
}

START_TEST(verify)
{
    const oidc_jwk_t *rsa1 = jwk_of(&unit_rsa1, NULL);
    const oidc_jwk_t *rsa2 = jwk_of(&unit_rsa2, NULL);
    const oidc_jwk_t *ec1 = jwk_of(&unit_ec1, NULL);
    const oidc_jwk_t *rsa1_ps = jwk_of(&unit_rsa1, "PS256");
    oidc_jwt_t *rs = parsed(unit_jws_sign(unit_pool, &unit_rsa1, "RS256",
                                          NULL, PAYLOAD));
    oidc_jwt_t *ps = parsed(unit_jws_sign(unit_pool, &unit_rsa1, "PS256",
                                          NULL, PAYLOAD));
    oidc_jwt_t *es = parsed(unit_jws_sign(unit_pool, &unit_ec1, "ES256",
                                          NULL, PAYLOAD));

    ck_assert(oidc_jwt_verify(rs, rsa1));
    ck_assert(oidc_jwt_verify(ps, rsa1));
    ck_assert(oidc_jwt_verify(es, ec1));
    ck_assert(!oidc_jwt_verify(rs, rsa2));
    ck_assert(!oidc_jwt_verify(rs, ec1));
    ck_assert(!oidc_jwt_verify(es, rsa1));
    /* A key that declares PS256 does not verify RS256. */
    ck_assert(!oidc_jwt_verify(rs, rsa1_ps));
    ck_assert(oidc_jwt_verify(ps, rsa1_ps));
    /* A flipped signature bit. */
    ck_assert(!oidc_jwt_verify(parsed(unit_jws_flip_sig(unit_pool,
                                                        rs->compact)), rsa1));
    ck_assert(!oidc_jwt_verify(parsed(unit_jws_flip_sig(unit_pool,
                                                        es->compact)), ec1));
}
END_TEST

START_TEST(json_strict)
{
    json_t *j = oidc_json_parse(unit_pool, "{\"a\":\"x\",\"n\":1}", 15);

    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(oidc_json_str(j, "a"), "x");
    ck_assert_ptr_null(oidc_json_str(j, "n"));
    ck_assert_ptr_null(oidc_json_str(j, "missing"));
    ck_assert_ptr_null(oidc_json_parse(unit_pool, "{\"a\":1,\"a\":2}", 13));
    ck_assert_ptr_null(oidc_json_parse(unit_pool, NULL, 0));
    ck_assert_ptr_null(oidc_json_parse(unit_pool, "{", 1));
    ck_assert_ptr_null(oidc_json_parse(unit_pool, "{}",
                                       OIDC_MAX_JSON_LEN + 1));
}
END_TEST

Suite *jwt_suite(void)
{
    Suite *s = suite_create("jwt");
    TCase *tc = unit_tcase("jwt");

    tcase_add_test(tc, parse_ok);
    tcase_add_test(tc, parse_structure);
    tcase_add_test(tc, parse_empty_signature);
    tcase_add_test(tc, parse_not_objects);
    tcase_add_test(tc, parse_bad_base64);
    tcase_add_test(tc, parse_alg_and_kid);
    tcase_add_test(tc, parse_crit);
    tcase_add_test(tc, parse_oversized);
    tcase_add_test(tc, parse_duplicate_members);
    tcase_add_test(tc, alg_supported);
    tcase_add_test(tc, verify);
    tcase_add_test(tc, json_strict);
    suite_add_tcase(s, tc);
    return s;
}
