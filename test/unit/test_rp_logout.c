/* test_rp_logout.c: the user signs out at the logout URI
 * (oidc_rp_logout.c). */
#include "rp_fixture.h"

/* Logout and front-channel logout with a made-up session id write no
 * "ended" mark: anonymous requests must not fill the store. */
START_TEST(logout_made_up_id_writes_nothing)
{
    const char *cookie = apr_pstrcat(unit_pool, COOKIE "=",
                                     oidc_session_new_id(unit_pool), NULL);
    oidc_rp_result_t res;
    int puts = fs.puts;

    oidc_rp_logout(&ctx, browser("/logout", cookie), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    oidc_rp_frontchannel_logout(&ctx, browser("/fc?iss=" ISSUER, cookie),
                                &res);
    ck_assert_int_eq(fs.puts, puts);
}
END_TEST

Suite *rp_logout_suite(void)
{
    Suite *s = suite_create("rp_logout");
    TCase *tc = rp_tcase("rp_logout");

    tcase_add_test(tc, logout_made_up_id_writes_nothing);
    suite_add_tcase(s, tc);
    return s;
}
