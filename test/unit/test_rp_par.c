/* test_rp_par.c: logins that push their authorization request (RFC 9126,
 * oidc_par.c through oidc_rp_login.c): what is pushed, how it is
 * authenticated, what the browser is sent, and the OP's refusals. */
#include "rp_fixture.h"
#include "core/util/oidc_params.h"
#include "core/proto/oidc_provider.h"
#include "core/session/oidc_flow.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_json.h"

#define DISCOVERY_WITH_PAR(extra)                                        \
    "{\"issuer\":\"" ISSUER "\","                                        \
    "\"authorization_endpoint\":\"" ISSUER "/authorize\","               \
    "\"token_endpoint\":\"" ISSUER "/token\","                           \
    "\"pushed_authorization_request_endpoint\":\"" ISSUER "/par\","      \
    extra "\"jwks_uri\":\"" ISSUER "/jwks\"}"

static apr_table_t *pushed_params(void)
{
    apr_table_t *t;

    ck_assert_ptr_nonnull(op.par_form);
    ck_assert_int_eq(oidc_params_parse(unit_pool, op.par_form, 8192, &t),
                     OIDC_PARAMS_OK);
    return t;
}

START_TEST(pushed_then_redirected_with_request_uri)
{
    oidc_rp_result_t res;
    apr_table_t *pushed, *q;

    cfg.par = OIDC_PAR_ON;
    op.discovery = DISCOVERY_WITH_PAR("");
    oidc_rp_authenticate(&ctx, browser("/app/page", NULL), &dir, &res);
    ck_assert_int_eq(op.par_calls, 1);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(strncmp(res.location, ISSUER "/authorize?",
                      strlen(ISSUER "/authorize?")) == 0);
    /* The browser carries client_id and request_uri, nothing else. */
    q = location_query(&res);
    ck_assert_int_eq(apr_table_elts(q)->nelts, 2);
    ck_assert_str_eq(apr_table_get(q, "client_id"), CLIENT_ID);
    ck_assert_str_eq(apr_table_get(q, "request_uri"), FAKE_REQUEST_URI);
    /* The OP got the whole request, and the client's Basic credentials. */
    pushed = pushed_params();
    ck_assert_str_eq(apr_table_get(pushed, "response_type"), "code");
    ck_assert_str_eq(apr_table_get(pushed, "client_id"), CLIENT_ID);
    ck_assert_str_eq(apr_table_get(pushed, "redirect_uri"),
                     ORIGIN "/oidc/callback");
    ck_assert_str_eq(apr_table_get(pushed, "scope"), "openid email");
    ck_assert_str_eq(apr_table_get(pushed, "code_challenge_method"), "S256");
    ck_assert_uint_eq(strlen(apr_table_get(pushed, "code_challenge")), 43);
    ck_assert_uint_eq(strlen(apr_table_get(pushed, "state")), 43);
    ck_assert_uint_eq(strlen(apr_table_get(pushed, "nonce")), 43);
    ck_assert_str_eq(apr_table_get(pushed, "prompt"), "login");
    ck_assert_ptr_null(apr_table_get(pushed, "client_secret"));
    ck_assert(strncmp(op.par_authorization, "Basic ", 6) == 0);
    /* The flow cookie is set for the pushed state. */
    ck_assert_int_eq(res.set_cookies->nelts, 1);
    ck_assert(unit_contains(APR_ARRAY_IDX(res.set_cookies, 0, const char *),
                            oidc_flow_cookie_name(unit_pool, cfg.cookie_name,
                                                  apr_table_get(pushed,
                                                                "state"))));
    assert_no_secret_logged(CLIENT_SECRET);
}
END_TEST

/* client_secret_post: the credentials in the body, client_id once. */
START_TEST(pushed_with_client_secret_post)
{
    oidc_rp_result_t res;
    const apr_array_header_t *all;
    int i, ids = 0;

    cfg.par = OIDC_PAR_ON;
    cfg.client.auth = OIDC_CLIENT_AUTH_POST;
    op.discovery = DISCOVERY_WITH_PAR("");
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_ptr_null(op.par_authorization);
    ck_assert_str_eq(apr_table_get(pushed_params(), "client_secret"),
                     CLIENT_SECRET);
    all = apr_table_elts(pushed_params());
    for (i = 0; i < all->nelts; i++) {
        ids += strcmp(APR_ARRAY_IDX(all, i, apr_table_entry_t).key,
                      "client_id") == 0;
    }
    ck_assert_int_eq(ids, 1);
}
END_TEST

/* auto (the default): pushed when discovery requires it, else not; off
 * never pushes. */
START_TEST(auto_follows_discovery)
{
    oidc_rp_result_t res;

    ck_assert_int_eq(cfg.par, OIDC_PAR_AUTO);
    op.discovery = DISCOVERY_WITH_PAR("");
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(op.par_calls, 0);
    ck_assert_ptr_nonnull(apr_table_get(location_query(&res), "state"));

    op.discovery = DISCOVERY_WITH_PAR(
        "\"require_pushed_authorization_requests\":true,");
    /* A provider that has not read discovery yet. */
    cfg.provider = oidc_provider_create(unit_pool, ISSUER,
                                        apr_time_from_sec(3600));
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(op.par_calls, 1);
    ck_assert_ptr_nonnull(apr_table_get(location_query(&res), "request_uri"));

    cfg.par = OIDC_PAR_OFF;
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(op.par_calls, 1);
    ck_assert_ptr_null(apr_table_get(location_query(&res), "request_uri"));
}
END_TEST

START_TEST(refused_push_is_an_error_page)
{
    oidc_rp_result_t res;

    cfg.par = OIDC_PAR_ON;
    op.discovery = DISCOVERY_WITH_PAR("");
    op.par_status = 400;
    op.par_body = "{\"error\":\"invalid_request\","
                  "\"error_description\":\"bad scope\\r\\nX: y\"}";
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 502);
    ck_assert_ptr_null(res.location);
    ck_assert(logged("oidc-par: pushing the authorization request to "
                     ISSUER "/par failed: HTTP 400, error=invalid_request: "
                     "bad scope??X: y"));
    /* An answer without a usable request_uri is no better. */
    op.par_status = 201;
    op.par_body = "{\"request_uri\":\"urn:with space\"}";
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.status, 502);
    ck_assert(logged("request_uri missing, too long or not printable"));
}
END_TEST

/* The audience of a client assertion: the issuer, or with
 * AuthOIDCClientAssertionAudience endpoint the URL called (here PAR's). */
static const char *assertion_aud(void)
{
    const char *jwt = apr_table_get(pushed_params(), "client_assertion");
    const char *dot = strchr(jwt, '.') + 1;
    apr_size_t len;
    unsigned char *payload = oidc_b64url_decode(unit_pool, dot,
                                                strcspn(dot, "."), &len);

    ck_assert_ptr_nonnull(payload);
    return oidc_json_str(oidc_json_parse(unit_pool, (const char *)payload, len),
                         "aud");
}

START_TEST(pushed_with_client_secret_jwt)
{
    oidc_rp_result_t res;

    cfg.par = OIDC_PAR_ON;
    cfg.client.auth = OIDC_CLIENT_AUTH_SECRET_JWT;
    cfg.client.issuer = ISSUER;
    op.discovery = DISCOVERY_WITH_PAR("");
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_ptr_null(op.par_authorization);
    ck_assert_str_eq(apr_table_get(pushed_params(), "client_assertion_type"),
                     "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    ck_assert_ptr_null(apr_table_get(pushed_params(), "client_secret"));
    ck_assert_str_eq(apr_table_get(pushed_params(), "client_id"), CLIENT_ID);
    ck_assert_str_eq(assertion_aud(), ISSUER);
    cfg.client.audience_is_endpoint = 1;
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_str_eq(assertion_aud(), ISSUER "/par");
    assert_no_secret_logged(CLIENT_SECRET);
}
END_TEST

START_TEST(on_without_endpoint_is_misconfigured)
{
    oidc_rp_result_t res;

    cfg.par = OIDC_PAR_ON;
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 502);
    ck_assert_int_eq(op.par_calls, 0);
    ck_assert(logged("names no pushed_authorization_request_endpoint"));
}
END_TEST

Suite *rp_par_suite(void)
{
    Suite *s = suite_create("rp_par");
    TCase *tc = rp_tcase("par");

    tcase_add_test(tc, pushed_then_redirected_with_request_uri);
    tcase_add_test(tc, pushed_with_client_secret_post);
    tcase_add_test(tc, pushed_with_client_secret_jwt);
    tcase_add_test(tc, auto_follows_discovery);
    tcase_add_test(tc, refused_push_is_an_error_page);
    tcase_add_test(tc, on_without_endpoint_is_misconfigured);
    suite_add_tcase(s, tc);
    return s;
}
