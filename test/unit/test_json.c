/* test_json.c: what the core refuses in JSON from an OP, and that the
 * pool owns what it parses. */
#include "unit.h"
#include "core/util/oidc_json.h"

static json_t *parse(const char *text)
{
    return oidc_json_parse(unit_pool, text, strlen(text));
}

START_TEST(reads_an_object)
{
    json_t *doc = parse("{\"iss\":\"https://op.example\",\"exp\":1311281970,"
                        "\"aud\":[\"a\",\"b\"],\"name\":\"Jos\\u00e9\"}");

    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(oidc_json_str(doc, "iss"), "https://op.example");
    ck_assert_str_eq(oidc_json_str(doc, "name"), "Jos\xc3\xa9");
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "exp")),
                     1311281970);
    /* Not a string, or absent: no value. */
    ck_assert_ptr_null(oidc_json_str(doc, "exp"));
    ck_assert_ptr_null(oidc_json_str(doc, "aud"));
    ck_assert_ptr_null(oidc_json_str(doc, "nope"));
}
END_TEST

START_TEST(refuses_a_member_twice)
{
    ck_assert_ptr_null(parse("{\"sub\":\"alice\",\"sub\":\"mallory\"}"));
    ck_assert_ptr_null(parse("{\"a\":{\"x\":1,\"x\":2}}"));
    ck_assert_ptr_nonnull(parse("{\"a\":{\"x\":1},\"b\":{\"x\":2}}"));
}
END_TEST

START_TEST(refuses_nul_and_malformed)
{
    static const char *const bad[] = {
        "{\"sub\":\"ali\\u0000ce\"}", "{\"a\":1,}", "{\"a\":01}",
        "{\"a\":\"\xff\"}", "{'a':1}", "[1,2", "\"just a string\"", "42",
        "", "{\"a\":1} trailing", NULL
    };
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(parse(bad[i]) == NULL, "took %s", bad[i]);
    }
    ck_assert_ptr_null(oidc_json_parse(unit_pool, NULL, 0));
}
END_TEST

START_TEST(refuses_over_the_size_bound)
{
    apr_size_t len = OIDC_MAX_JSON_LEN + 1;
    char *text = apr_palloc(unit_pool, len + 1);

    /* {"a":"xxx...x"}: valid, just too long. */
    memset(text, 'x', len);
    memcpy(text, "{\"a\":\"", 6);
    memcpy(text + len - 2, "\"}", 2);
    text[len] = '\0';
    ck_assert_ptr_null(oidc_json_parse(unit_pool, text, len));
    text[len - 3] = '"';
    text[len - 2] = '}';
    ck_assert_ptr_nonnull(oidc_json_parse(unit_pool, text, len - 1));
}
END_TEST

START_TEST(the_pool_releases_the_value)
{
    apr_pool_t *p;
    json_t *kept;
    json_t *doc;

    apr_pool_create(&p, unit_pool);
    doc = oidc_json_parse(p, "{\"a\":[1]}", 9);
    ck_assert_ptr_nonnull(doc);
    kept = json_incref(json_object_get(doc, "a"));
    ck_assert_int_eq(kept->refcount, 2);
    apr_pool_destroy(p);
    /* The document went with the pool, and with it its hold on "a". */
    ck_assert_int_eq(kept->refcount, 1);
    json_decref(kept);
    ck_assert_ptr_null(oidc_json_pool_own(unit_pool, NULL));
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = unit_tcase("json");

    tcase_add_test(tc, reads_an_object);
    tcase_add_test(tc, refuses_a_member_twice);
    tcase_add_test(tc, refuses_nul_and_malformed);
    tcase_add_test(tc, refuses_over_the_size_bound);
    tcase_add_test(tc, the_pool_releases_the_value);
    suite_add_tcase(s, tc);
    return s;
}
