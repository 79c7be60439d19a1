/* test_rp_userinfo.c: UserInfo claims (oidc_rp_userinfo.c): merged under
 * the ID token's, only for the same subject, fetched again after the
 * interval. */
#include "rp_fixture.h"
#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_json.h"

/* Claims of the session, as the authenticated request sees them. */
static json_t *session_claims(const char *id)
{
    oidc_rp_result_t res;
    const char *text;
    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(unit_pool, COOKIE "=",
                                                        id, NULL)),
                         &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    text = oidc_session_claims(unit_pool, res.session);
    return oidc_json_parse(unit_pool, text, strlen(text));
}

START_TEST(userinfo_merged_under_id_token)
{
    json_t *claims;

    cfg.userinfo = 1;
    op.userinfo_body = "{\"sub\":\"" SUB "\",\"phone\":\"+1 555\","
                       "\"email\":\"other@example.com\"}";
    claims = session_claims(sign_in());
    ck_assert_int_eq(op.userinfo_calls, 1);
    ck_assert_str_eq(op.userinfo_authorization, "Bearer " ACCESS_TOKEN);
    ck_assert_str_eq(oidc_json_str(claims, "phone"), "+1 555");
    /* The signed ID token's claim wins over UserInfo's. */
    ck_assert_str_eq(oidc_json_str(claims, "email"), "alice@example.com");
}
END_TEST

START_TEST(userinfo_other_sub_not_used)
{
    json_t *claims;

    cfg.userinfo = 1;
    op.userinfo_body = "{\"sub\":\"mallory\",\"phone\":\"+1 666\","
                       "\"groups\":[\"root\"]}";
    claims = session_claims(sign_in());
    ck_assert_int_eq(op.userinfo_calls, 1);
    ck_assert_ptr_null(json_object_get(claims, "phone"));
    ck_assert_str_eq(oidc_json_str(claims, "sub"), SUB);
    ck_assert_int_eq(json_array_size(json_object_get(claims, "groups")), 2);
}
END_TEST

START_TEST(userinfo_refreshed_after_interval)
{
    const char *id;
    json_t *claims;

    cfg.userinfo = 1;
    cfg.userinfo_interval = apr_time_from_sec(60);
    op.userinfo_body = "{\"sub\":\"" SUB "\",\"level\":1}";
    id = sign_in();
    op.userinfo_body = "{\"sub\":\"" SUB "\",\"level\":2}";
    claims = session_claims(id);
    ck_assert_int_eq(op.userinfo_calls, 1);
    ck_assert_int_eq(json_integer_value(json_object_get(claims, "level")), 1);
    ctx.now = NOW + apr_time_from_sec(61);
    claims = session_claims(id);
    ck_assert_int_eq(op.userinfo_calls, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(claims, "level")), 2);
    /* Stored: the next request sees the new claims without a fetch. */
    ctx.now = NOW + apr_time_from_sec(62);
    claims = session_claims(id);
    ck_assert_int_eq(op.userinfo_calls, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(claims, "level")), 2);
}
END_TEST

Suite *rp_userinfo_suite(void)
{
    Suite *s = suite_create("rp_userinfo");
    TCase *tc = rp_tcase("rp_userinfo");

    tcase_add_test(tc, userinfo_merged_under_id_token);
    tcase_add_test(tc, userinfo_other_sub_not_used);
    tcase_add_test(tc, userinfo_refreshed_after_interval);
    suite_add_tcase(s, tc);
    return s;
}
