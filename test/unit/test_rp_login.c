/* test_rp_login.c: a request without a session starts a login
 * (oidc_rp_login.c): the redirect to the OP, the flow cookie, and the 401
 * that API clients get instead. */
#include "rp_fixture.h"
#include "core/http/oidc_cookie.h"
#include "core/session/oidc_flow.h"
#include "core/proto/oidc_pkce.h"

START_TEST(browser_redirected_to_op)
{
    oidc_rp_result_t res;
    apr_table_t *q;
    const char *sc, *name;
    apr_array_header_t *jar;
    oidc_flow_t *flow;

    oidc_rp_authenticate(&ctx, browser("/app/page?x=1", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_int_eq(res.status, 302);
    ck_assert(strncmp(res.location, ISSUER "/authorize?",
                      strlen(ISSUER "/authorize?")) == 0);
    ck_assert_int_eq(op.discovery_calls, 1);
    ck_assert_int_eq(op.jwks_calls, 1);

    q = location_query(&res);
    ck_assert_int_eq(apr_table_elts(q)->nelts, 9);
    ck_assert_str_eq(apr_table_get(q, "response_type"), "code");
    ck_assert_str_eq(apr_table_get(q, "client_id"), CLIENT_ID);
    ck_assert_str_eq(apr_table_get(q, "redirect_uri"),
                     ORIGIN "/oidc/callback");
    ck_assert_str_eq(apr_table_get(q, "scope"), "openid email");
    ck_assert_str_eq(apr_table_get(q, "code_challenge_method"), "S256");
    ck_assert_str_eq(apr_table_get(q, "prompt"), "login");
    ck_assert_uint_eq(strlen(apr_table_get(q, "state")), 43);
    ck_assert_uint_eq(strlen(apr_table_get(q, "nonce")), 43);
    ck_assert_uint_eq(strlen(apr_table_get(q, "code_challenge")), 43);
    ck_assert_str_ne(apr_table_get(q, "state"), apr_table_get(q, "nonce"));

    /* Exactly one cookie: the flow, bound to the state. */
    ck_assert_int_eq(res.set_cookies->nelts, 1);
    name = oidc_flow_cookie_name(unit_pool, COOKIE, apr_table_get(q, "state"));
    sc = set_cookie_for(&res, name);
    ck_assert_ptr_nonnull(sc);
    ck_assert(unit_contains(sc, "; Max-Age=660"));
    ck_assert(unit_contains(sc, "; HttpOnly"));
    ck_assert(unit_contains(sc, "; SameSite=Lax"));
    ck_assert(unit_contains(sc, "; Secure"));
    /* It opens to the page asked for, with the verifier of the challenge. */
    jar = oidc_cookies_parse(unit_pool, pair_of(sc));
    ck_assert_int_eq(oidc_flow_open(unit_pool, cfg.flow_key, &rp_binding, jar, COOKIE,
                                    apr_table_get(q, "state"), NOW,
                                    OIDC_FLOW_MAX_AGE, &flow),
                     OIDC_FLOW_OK);
    ck_assert_str_eq(flow->return_to, ORIGIN "/app/page?x=1");
    ck_assert_str_eq(flow->nonce, apr_table_get(q, "nonce"));
    ck_assert_str_eq(oidc_pkce_challenge_s256(unit_pool, flow->verifier),
                     apr_table_get(q, "code_challenge"));
    ck_assert_str_eq(flow->redirect_uri, ORIGIN "/oidc/callback");
}
END_TEST

START_TEST(unsafe_return_falls_back_to_root)
{
    oidc_rp_result_t res;
    apr_table_t *q;
    oidc_flow_t *flow;

    oidc_rp_authenticate(&ctx, browser("//evil.example/x", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    q = location_query(&res);
    ck_assert_int_eq(oidc_flow_open(
                         unit_pool, cfg.flow_key, &rp_binding,
                         oidc_cookies_parse(unit_pool, pair_of(APR_ARRAY_IDX(
                             res.set_cookies, 0, const char *))),
                         COOKIE, apr_table_get(q, "state"), NOW,
                         OIDC_FLOW_MAX_AGE, &flow),
                     OIDC_FLOW_OK);
    ck_assert_str_eq(flow->return_to, ORIGIN "/");
}
END_TEST

START_TEST(api_request_gets_401)
{
    oidc_rp_result_t res;

    oidc_rp_authenticate(&ctx, request("GET", "/api/data", "X-Requested-With",
                                       "XMLHttpRequest", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 401);
    ck_assert(res.challenge);
    ck_assert_str_eq(res.error, "login_required");
    ck_assert_ptr_null(res.location);
    ck_assert_int_eq(res.set_cookies->nelts, 0);

    oidc_rp_authenticate(&ctx, request("POST", "/api/data", NULL), &dir,
                         &res);
    ck_assert_int_eq(res.status, 401);
    ck_assert_int_eq(res.set_cookies->nelts, 0);

    oidc_rp_authenticate(&ctx, request("GET", "/api/data", "Accept",
                                       "application/json", NULL), &dir, &res);
    ck_assert_int_eq(res.status, 401);

    oidc_rp_authenticate(&ctx, request("GET", "/api/data", "Sec-Fetch-Mode",
                                       "cors", NULL), &dir, &res);
    ck_assert_int_eq(res.status, 401);
    /* No login was started for any of them. */
    ck_assert_int_eq(op.discovery_calls, 0);
}
END_TEST

START_TEST(flow_cookie_eviction)
{
    const char *jar = "other=1";
    oidc_rp_result_t res;
    int i;

    /* Each new login from the same browser keeps at most
     * OIDC_FLOW_MAX_PER_BROWSER flow cookies. */
    for (i = 0; i < OIDC_FLOW_MAX_PER_BROWSER; i++) {
        ctx.now = NOW + apr_time_from_sec(i);
        jar = apr_pstrcat(unit_pool, jar, "; ", start("/", jar).flow_cookie,
                          NULL);
    }
    ctx.now = NOW + apr_time_from_sec(10);
    oidc_rp_authenticate(&ctx, browser("/", jar), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    /* One deletion (the oldest) and the new flow cookie. */
    ck_assert_int_eq(res.set_cookies->nelts, 2);
    ck_assert(unit_contains(APR_ARRAY_IDX(res.set_cookies, 0, const char *),
                            "Max-Age=0"));
    ck_assert(unit_contains(APR_ARRAY_IDX(res.set_cookies, 1, const char *),
                            "Max-Age=660"));
}
END_TEST

START_TEST(op_unreachable)
{
    oidc_rp_result_t res;

    op.discovery_rv = APR_ECONNREFUSED;
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_ptr_null(res.location);
    ck_assert_int_eq(res.set_cookies->nelts, 0);
    ck_assert_int_eq(op.discovery_calls, 1);
    /* The failure is remembered briefly: no second wait. */
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.status, 503);
    ck_assert_int_eq(op.discovery_calls, 1);
}
END_TEST

START_TEST(op_bad_discovery)
{
    oidc_rp_result_t res;

    op.discovery = "{\"issuer\":\"https://evil.example\","
                   "\"authorization_endpoint\":\"" ISSUER "/authorize\","
                   "\"token_endpoint\":\"" ISSUER "/token\","
                   "\"jwks_uri\":\"" ISSUER "/jwks\"}";
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 502);
}
END_TEST

Suite *rp_login_suite(void)
{
    Suite *s = suite_create("rp_login");
    TCase *tc = rp_tcase("rp_login");

    tcase_add_test(tc, browser_redirected_to_op);
    tcase_add_test(tc, unsafe_return_falls_back_to_root);
    tcase_add_test(tc, api_request_gets_401);
    tcase_add_test(tc, flow_cookie_eviction);
    tcase_add_test(tc, op_unreachable);
    tcase_add_test(tc, op_bad_discovery);
    suite_add_tcase(s, tc);
    return s;
}
