/* test_params.c: bounded query/form parsing. */
#include "unit.h"
#include "core/util/oidc_params.h"

static oidc_params_status_t parse(const char *q, apr_table_t **t)
{
    return oidc_params_parse(unit_pool, q, 8192, t);
}

START_TEST(parse_ok)
{
    apr_table_t *t;

    ck_assert_int_eq(parse("code=abc&state=x%2By&scope=openid+email", &t),
                     OIDC_PARAMS_OK);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 3);
    ck_assert_str_eq(apr_table_get(t, "code"), "abc");
    ck_assert_str_eq(apr_table_get(t, "state"), "x+y");
    ck_assert_str_eq(apr_table_get(t, "scope"), "openid email");
    ck_assert_ptr_null(apr_table_get(t, "missing"));
}
END_TEST

START_TEST(parse_encoded_names_and_odd_pieces)
{
    apr_table_t *t;

    ck_assert_int_eq(parse("a%20b=c%3Dd&x==y", &t), OIDC_PARAMS_OK);
    ck_assert_str_eq(apr_table_get(t, "a b"), "c=d");
    ck_assert_str_eq(apr_table_get(t, "x"), "=y");    /* first '=' splits */
    /* Empty pieces are skipped. */
    ck_assert_int_eq(parse("&&a=1&&b=2&", &t), OIDC_PARAMS_OK);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 2);
    ck_assert_str_eq(apr_table_get(t, "a"), "1");
    ck_assert_str_eq(apr_table_get(t, "b"), "2");
}
END_TEST

START_TEST(parse_empty)
{
    apr_table_t *t;

    ck_assert_int_eq(parse("", &t), OIDC_PARAMS_OK);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    ck_assert_int_eq(oidc_params_parse(unit_pool, NULL, 10, &t),
                     OIDC_PARAMS_OK);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
}
END_TEST

START_TEST(parse_empty_value)
{
    apr_table_t *t;

    ck_assert_int_eq(parse("a=&b&c=3", &t), OIDC_PARAMS_OK);
    ck_assert_str_eq(apr_table_get(t, "a"), "");
    ck_assert_str_eq(apr_table_get(t, "b"), "");
    ck_assert_str_eq(apr_table_get(t, "c"), "3");
}
END_TEST

START_TEST(duplicates)
{
    apr_table_t *t;

    ck_assert_int_eq(parse("state=a&state=b", &t), OIDC_PARAMS_DUPLICATE);
    ck_assert_int_eq(parse("state=a&code=1&state=a", &t),
                     OIDC_PARAMS_DUPLICATE);
    /* The same name once decoded. */
    ck_assert_int_eq(parse("code=1&%63ode=2", &t), OIDC_PARAMS_DUPLICATE);
    ck_assert_int_eq(parse("a&a=", &t), OIDC_PARAMS_DUPLICATE);
}
END_TEST

START_TEST(too_many)
{
    apr_table_t *t;
    const char *q = "p0=0";
    int i;

    for (i = 1; i < OIDC_MAX_PARAMS; i++) {
        q = apr_psprintf(unit_pool, "%s&p%d=%d", q, i, i);
    }
    ck_assert_int_eq(parse(q, &t), OIDC_PARAMS_OK);
    ck_assert_int_eq(apr_table_elts(t)->nelts, OIDC_MAX_PARAMS);
    q = apr_psprintf(unit_pool, "%s&p%d=%d", q, i, i);
    ck_assert_int_eq(parse(q, &t), OIDC_PARAMS_TOO_MANY);
}
END_TEST

START_TEST(too_long)
{
    apr_table_t *t;
    char *q = unit_repeat(unit_pool, 'a', 100);

    q[0] = 'x';
    q[1] = '=';
    ck_assert_int_eq(oidc_params_parse(unit_pool, q, 100, &t),
                     OIDC_PARAMS_OK);
    ck_assert_int_eq(oidc_params_parse(unit_pool, q, 99, &t),
                     OIDC_PARAMS_TOO_LONG);
    ck_assert_int_eq(oidc_params_parse(unit_pool, "a=1", 0, &t),
                     OIDC_PARAMS_TOO_LONG);
}
END_TEST

START_TEST(malformed)
{
    static const char *const bad[] = {
        "a=%", "a=%4", "a=%zz", "a=%00", "%=1", "%0=1", "a%00b=1",
        "code=ok&state=%G0", "x=1&y=%"
    };
    apr_table_t *t;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(parse(bad[i], &t) == OIDC_PARAMS_MALFORMED,
                      "accepted \"%s\"", bad[i]);
    }
}
END_TEST

Suite *params_suite(void)
{
    Suite *s = suite_create("params");
    TCase *tc = unit_tcase("params");

    tcase_add_test(tc, parse_ok);
    tcase_add_test(tc, parse_encoded_names_and_odd_pieces);
    tcase_add_test(tc, parse_empty);
    tcase_add_test(tc, parse_empty_value);
    tcase_add_test(tc, duplicates);
    tcase_add_test(tc, too_many);
    tcase_add_test(tc, too_long);
    tcase_add_test(tc, malformed);
    suite_add_tcase(s, tc);
    return s;
}
