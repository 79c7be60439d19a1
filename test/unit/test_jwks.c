/* test_jwks.c: JWK Set parsing and choosing a key for a JWS. */
#include "unit.h"
#include "core/jose/oidc_jwks.h"

static oidc_jwks_t *parse_ok(const char *text)
{
    oidc_jwks_t *jwks = NULL;
    const char *err = oidc_jwks_parse(unit_pool, text, strlen(text), &jwks);
    ck_assert_msg(err == NULL, "JWKS refused: %s", err);
    ck_assert_ptr_nonnull(jwks);
    return jwks;
}

static const char *kid_at(const oidc_jwks_t *jwks, int i)
{
    return APR_ARRAY_IDX(jwks->keys, i, oidc_jwk_t).kid;
}

START_TEST(parse_keeps_signing_keys)
{
    oidc_jwks_t *jwks = parse_ok(unit_jwks_text(
        unit_pool,
        unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1", "RS256", "sig"),
        unit_jwk_public(unit_pool, &unit_ec1, "ec-1", NULL, NULL),
        unit_jwk_public(unit_pool, &unit_rsa2, NULL, NULL, NULL),
        NULL));
    const oidc_jwk_t *k;

    ck_assert_int_eq(jwks->keys->nelts, 3);
    k = &APR_ARRAY_IDX(jwks->keys, 0, oidc_jwk_t);
    ck_assert_str_eq(k->kid, "rsa-1");
    ck_assert_str_eq(k->kty, "RSA");
    ck_assert_str_eq(k->alg, "RS256");
    ck_assert_ptr_nonnull(k->jwk);
    k = &APR_ARRAY_IDX(jwks->keys, 1, oidc_jwk_t);
    ck_assert_str_eq(k->kid, "ec-1");
    ck_assert_str_eq(k->kty, "EC");
    ck_assert_str_eq(k->crv, "P-256");
    ck_assert_ptr_null(k->alg);
    k = &APR_ARRAY_IDX(jwks->keys, 2, oidc_jwk_t);
    ck_assert_ptr_null(k->kid);
}
END_TEST

START_TEST(parse_skips_unusable_keys)
{
    oidc_jwks_t *jwks = parse_ok(unit_jwks_text(
        unit_pool,
        unit_jwk_public(unit_pool, &unit_rsa1, "enc-key", NULL, "enc"),
        "{\"kty\":\"oct\",\"kid\":\"oct-key\",\"k\":\"c2VjcmV0\"}",
        unit_jwk_public(unit_pool, &unit_rsa_small, "small-key", NULL, NULL),
        "{\"kty\":\"RSA\",\"kid\":\"no-modulus\",\"e\":\"AQAB\"}",
        "{\"kty\":\"EC\",\"kid\":\"bad-point\",\"crv\":\"P-256\","
        "\"x\":\"AAAA\",\"y\":\"AAAA\"}",
        "{\"kty\":\"OKP\",\"kid\":\"okp\",\"crv\":\"Ed25519\","
        "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
        "{\"kid\":\"no-kty\"}",
        "\"not an object\"",
        "42",
        unit_jwk_public(unit_pool, &unit_rsa2, "good-rsa", NULL, "sig"),
        unit_jwk_public(unit_pool, &unit_ec1, "good-ec", NULL, NULL),
        NULL));
    int i;

    ck_assert_int_eq(jwks->keys->nelts, 2);
    ck_assert_str_eq(kid_at(jwks, 0), "good-rsa");
    ck_assert_str_eq(kid_at(jwks, 1), "good-ec");
    for (i = 0; i < jwks->keys->nelts; i++) {
        ck_assert_str_ne(kid_at(jwks, i), "small-key");
        ck_assert_str_ne(kid_at(jwks, i), "enc-key");
        ck_assert_str_ne(kid_at(jwks, i), "oct-key");
    }
}
END_TEST

/* Found by fuzz_jwks: cjose's decoder aborts the process on such values. */
START_TEST(parse_skips_non_base64url_members)
{
    oidc_jwks_t *jwks = parse_ok(unit_jwks_text(
        unit_pool,
        "{\"kty\":\"RSA\",\"kid\":\"pad-e\",\"n\":\"AQAB\",\"e\":\"A=\"}",
        "{\"kty\":\"RSA\",\"kid\":\"pad-n\",\"n\":\"A=B\",\"e\":\"AQAB\"}",
        "{\"kty\":\"EC\",\"kid\":\"pad-x\",\"crv\":\"P-256\","
        "\"x\":\"A=B\",\"y\":\"AA\"}",
        "{\"kty\":\"RSA\",\"kid\":\"plus\",\"n\":\"A+/B\",\"e\":\"AQAB\"}",
        unit_jwk_public(unit_pool, &unit_rsa1, "good-rsa", NULL, NULL),
        NULL));

    ck_assert_int_eq(jwks->keys->nelts, 1);
    ck_assert_str_eq(kid_at(jwks, 0), "good-rsa");
}
END_TEST

START_TEST(parse_kid_not_string)
{
    /* A kid that is not a string makes the key unusable. */
    json_error_t jerr;
    json_t *k = json_loads(unit_jwk_public(unit_pool, &unit_rsa1, NULL, NULL,
                                           NULL), 0, &jerr);
    char *dump;
    const char *text;
    oidc_jwks_t *jwks;

    json_object_set_new(k, "kid", json_integer(7));
    dump = json_dumps(k, JSON_COMPACT);
    json_decref(k);
    text = unit_jwks_text(unit_pool, apr_pstrdup(unit_pool, dump),
                          unit_jwk_public(unit_pool, &unit_ec1, "ec", NULL,
                                          NULL), NULL);
    free(dump);
    jwks = parse_ok(text);
    ck_assert_int_eq(jwks->keys->nelts, 1);
    ck_assert_str_eq(kid_at(jwks, 0), "ec");
}
END_TEST

START_TEST(parse_rejects)
{
    static const char *const bad[] = {
        "", "[]", "{}", "{\"keys\":{}}", "{\"keys\":\"x\"}", "not json",
        "{\"keys\":[],\"keys\":[]}"
    };
    oidc_jwks_t *jwks = (oidc_jwks_t *)1;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(oidc_jwks_parse(unit_pool, bad[i], strlen(bad[i]),
                                      &jwks) != NULL, "accepted %s", bad[i]);
        ck_assert_ptr_null(jwks);
    }
    /* An empty set is a set. */
    jwks = parse_ok("{\"keys\":[]}");
    ck_assert_int_eq(jwks->keys->nelts, 0);
}
END_TEST

START_TEST(parse_too_many)
{
    const char *many = "{\"keys\":[{}";
    const char *err;
    oidc_jwks_t *jwks = (oidc_jwks_t *)1;
    int i;

    for (i = 1; i < OIDC_MAX_JWKS_KEYS; i++) {
        many = apr_pstrcat(unit_pool, many, ",{}", NULL);
    }
    ck_assert_int_eq(parse_ok(apr_pstrcat(unit_pool, many, "]}",
                                          NULL))->keys->nelts, 0);
    many = apr_pstrcat(unit_pool, many, ",{}]}", NULL);
    err = oidc_jwks_parse(unit_pool, many, strlen(many), &jwks);
    ck_assert_ptr_nonnull(err);
    ck_assert(unit_contains(err, "too many"));
    ck_assert_ptr_null(jwks);
}
END_TEST

static oidc_jwks_t *two_rsa_and_ec(void)
{
    return parse_ok(unit_jwks_text(
        unit_pool,
        unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1", NULL, NULL),
        unit_jwk_public(unit_pool, &unit_rsa2, "rsa-2", NULL, NULL),
        unit_jwk_public(unit_pool, &unit_ec1, "ec-1", NULL, NULL),
        NULL));
}

START_TEST(select_by_kid)
{
    oidc_jwks_t *jwks = two_rsa_and_ec();
    const oidc_jwk_t *k = NULL;

    ck_assert_int_eq(oidc_jwks_select(jwks, "RS256", "rsa-2", &k),
                     OIDC_JWKS_FOUND);
    ck_assert_ptr_nonnull(k);
    ck_assert_str_eq(k->kid, "rsa-2");
    ck_assert_int_eq(oidc_jwks_select(jwks, "PS256", "rsa-1", &k),
                     OIDC_JWKS_FOUND);
    ck_assert_str_eq(k->kid, "rsa-1");
    ck_assert_int_eq(oidc_jwks_select(jwks, "ES256", "ec-1", &k),
                     OIDC_JWKS_FOUND);
    ck_assert_str_eq(k->kid, "ec-1");
}
END_TEST

START_TEST(select_unknown_kid)
{
    oidc_jwks_t *jwks = two_rsa_and_ec();
    const oidc_jwk_t *k = (const oidc_jwk_t *)1;

    ck_assert_int_eq(oidc_jwks_select(jwks, "RS256", "rsa-3", &k),
                     OIDC_JWKS_UNKNOWN_KID);
    ck_assert_ptr_null(k);
    ck_assert_int_eq(oidc_jwks_select(jwks, "RS256", "", &k),
                     OIDC_JWKS_UNKNOWN_KID);
    ck_assert_int_eq(oidc_jwks_select(jwks, "RS256", "RSA-1", &k),
                     OIDC_JWKS_UNKNOWN_KID);
}
END_TEST

START_TEST(select_no_kid)
{
    oidc_jwks_t *one = parse_ok(unit_jwks_text(
        unit_pool,
        unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1", NULL, NULL),
        unit_jwk_public(unit_pool, &unit_ec1, "ec-1", NULL, NULL), NULL));
    const oidc_jwk_t *k = NULL;

    /* Exactly one candidate of the right type. */
    ck_assert_int_eq(oidc_jwks_select(one, "RS256", NULL, &k),
                     OIDC_JWKS_FOUND);
    ck_assert_str_eq(k->kid, "rsa-1");
    ck_assert_int_eq(oidc_jwks_select(one, "ES256", NULL, &k),
                     OIDC_JWKS_FOUND);
    ck_assert_str_eq(k->kid, "ec-1");
    /* Two RSA keys. */
    k = (const oidc_jwk_t *)1;
    ck_assert_int_eq(oidc_jwks_select(two_rsa_and_ec(), "RS256", NULL, &k),
                     OIDC_JWKS_AMBIGUOUS);
    ck_assert_ptr_null(k);
    /* But one EC key among them. */
    ck_assert_int_eq(oidc_jwks_select(two_rsa_and_ec(), "ES256", NULL, &k),
                     OIDC_JWKS_FOUND);
    ck_assert_str_eq(k->kid, "ec-1");
}
END_TEST

START_TEST(select_declared_alg)
{
    oidc_jwks_t *jwks = parse_ok(unit_jwks_text(
        unit_pool,
        unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1", "RS512", NULL),
        unit_jwk_public(unit_pool, &unit_rsa2, "rsa-2", NULL, NULL), NULL));
    const oidc_jwk_t *k = (const oidc_jwk_t *)1;

    /* By kid: the key declares another alg. */
    ck_assert_int_eq(oidc_jwks_select(jwks, "RS256", "rsa-1", &k),
                     OIDC_JWKS_NO_KEY);
    ck_assert_ptr_null(k);
    ck_assert_int_eq(oidc_jwks_select(jwks, "RS512", "rsa-1", &k),
                     OIDC_JWKS_FOUND);
    /* Without kid: the declared-RS512 key is not a candidate for RS256. */
    ck_assert_int_eq(oidc_jwks_select(jwks, "RS256", NULL, &k),
                     OIDC_JWKS_FOUND);
    ck_assert_str_eq(k->kid, "rsa-2");
}
END_TEST

START_TEST(select_wrong_type)
{
    oidc_jwks_t *jwks = parse_ok(unit_jwks_text(
        unit_pool, unit_jwk_public(unit_pool, &unit_ec1, "ec-1", NULL, NULL),
        NULL));
    oidc_jwks_t *rsa = parse_ok(unit_jwks_text(
        unit_pool, unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1", NULL,
                                   NULL), NULL));
    const oidc_jwk_t *k = (const oidc_jwk_t *)1;

    ck_assert_int_eq(oidc_jwks_select(jwks, "RS256", "ec-1", &k),
                     OIDC_JWKS_NO_KEY);
    ck_assert_ptr_null(k);
    ck_assert_int_eq(oidc_jwks_select(jwks, "RS256", NULL, &k),
                     OIDC_JWKS_NO_KEY);
    /* P-256 does not suit ES384. */
    ck_assert_int_eq(oidc_jwks_select(jwks, "ES384", NULL, &k),
                     OIDC_JWKS_NO_KEY);
    ck_assert_int_eq(oidc_jwks_select(rsa, "ES256", NULL, &k),
                     OIDC_JWKS_NO_KEY);
    /* Never for an algorithm off the list. */
    ck_assert_int_eq(oidc_jwks_select(rsa, "HS256", NULL, &k),
                     OIDC_JWKS_NO_KEY);
    ck_assert_int_eq(oidc_jwks_select(rsa, "none", "rsa-1", &k),
                     OIDC_JWKS_NO_KEY);
    ck_assert_int_eq(oidc_jwks_select(NULL, "RS256", NULL, &k),
                     OIDC_JWKS_NO_KEY);
}
END_TEST

Suite *jwks_suite(void)
{
    Suite *s = suite_create("jwks");
    TCase *tc = unit_tcase("jwks");

    tcase_add_test(tc, parse_keeps_signing_keys);
    tcase_add_test(tc, parse_skips_unusable_keys);
    tcase_add_test(tc, parse_skips_non_base64url_members);
    tcase_add_test(tc, parse_kid_not_string);
    tcase_add_test(tc, parse_rejects);
    tcase_add_test(tc, parse_too_many);
    tcase_add_test(tc, select_by_kid);
    tcase_add_test(tc, select_unknown_kid);
    tcase_add_test(tc, select_no_kid);
    tcase_add_test(tc, select_declared_alg);
    tcase_add_test(tc, select_wrong_type);
    suite_add_tcase(s, tc);
    return s;
}
