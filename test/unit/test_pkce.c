/* test_pkce.c: PKCE S256 (RFC 7636). */
#include "unit.h"
#include "core/util/oidc_encode.h"
#include "core/proto/oidc_pkce.h"

START_TEST(verifier_shape)
{
    const char *v1 = oidc_pkce_verifier(unit_pool);
    const char *v2 = oidc_pkce_verifier(unit_pool);

    ck_assert_ptr_nonnull(v1);
    ck_assert_uint_eq(strlen(v1), 43);      /* RFC 7636 §4.1 minimum */
    ck_assert(oidc_is_b64url(v1, strlen(v1)));
    ck_assert_str_ne(v1, v2);
}
END_TEST

START_TEST(challenge_rfc7636_appendix_b)
{
    ck_assert_str_eq(oidc_pkce_challenge_s256(
                         unit_pool,
                         "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
                     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
END_TEST

START_TEST(challenge_shape)
{
    const char *v = oidc_pkce_verifier(unit_pool);
    const char *c = oidc_pkce_challenge_s256(unit_pool, v);

    ck_assert_uint_eq(strlen(c), 43);
    ck_assert(oidc_is_b64url(c, 43));
    ck_assert_str_ne(c, v);
    /* Deterministic. */
    ck_assert_str_eq(c, oidc_pkce_challenge_s256(unit_pool, v));
}
END_TEST

Suite *pkce_suite(void)
{
    Suite *s = suite_create("pkce");
    TCase *tc = unit_tcase("pkce");

    tcase_add_test(tc, verifier_shape);
    tcase_add_test(tc, challenge_rfc7636_appendix_b);
    tcase_add_test(tc, challenge_shape);
    suite_add_tcase(s, tc);
    return s;
}
