/* test_main.c: runs every suite of the core's unit tests.
 *
 *   ./test/unit/test_core                 all suites, each test forked
 *   CK_FORK=no valgrind ./test/unit/test_core
 *   CK_RUN_SUITE=idtoken ./test/unit/test_core    one suite
 */
#include "unit.h"

apr_pool_t *unit_pool;

void unit_setup(void)
{
    ck_assert_int_eq(apr_pool_create(&unit_pool, NULL), APR_SUCCESS);
}

void unit_teardown(void)
{
    apr_pool_destroy(unit_pool);
    unit_pool = NULL;
}

TCase *unit_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_set_timeout(tc, 120);
    return tc;
}

int unit_contains(const char *haystack, const char *needle)
{
    return haystack != NULL && needle != NULL
        && strstr(haystack, needle) != NULL;
}

char *unit_repeat(apr_pool_t *p, char c, apr_size_t n)
{
    char *s = apr_palloc(p, n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    if (apr_initialize() != APR_SUCCESS) {
        return 2;
    }
    unit_keys_init();

    sr = srunner_create(encode_suite());
    srunner_add_suite(sr, crypto_suite());
    srunner_add_suite(sr, pkce_suite());
    srunner_add_suite(sr, secret_suite());
    srunner_add_suite(sr, params_suite());
    srunner_add_suite(sr, cookie_suite());
    srunner_add_suite(sr, redirect_suite());
    srunner_add_suite(sr, flow_suite());
    srunner_add_suite(sr, json_suite());
    srunner_add_suite(sr, jwt_suite());
    srunner_add_suite(sr, client_assertion_suite());
    srunner_add_suite(sr, jwks_suite());
    srunner_add_suite(sr, idtoken_suite());
    srunner_add_suite(sr, session_suite());
    srunner_add_suite(sr, claims_suite());
    srunner_add_suite(sr, provider_suite());
    srunner_add_suite(sr, rp_login_suite());
    srunner_add_suite(sr, rp_par_suite());
    srunner_add_suite(sr, rp_callback_suite());
    srunner_add_suite(sr, rp_session_suite());
    srunner_add_suite(sr, rp_userinfo_suite());
    srunner_add_suite(sr, rp_refresh_suite());
    srunner_add_suite(sr, rp_logout_suite());
    srunner_add_suite(sr, redis_reply_suite());
    srunner_add_suite(sr, change_feed_suite());
    srunner_add_suite(sr, lock_buckets_suite());
    srunner_add_suite(sr, rp_op_logout_suite());

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    unit_keys_cleanup();
    apr_terminate();
    return failed ? 1 : 0;
}
