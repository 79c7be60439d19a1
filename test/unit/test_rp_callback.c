/* test_rp_callback.c: the OP sends the browser back to the redirect URI
 * (oidc_rp_callback.c): the code is redeemed, the ID token checked, and a
 * session made, or the right error given. */
#include <apr_base64.h>

#include "rp_fixture.h"
#include "core/session/oidc_flow.h"
#include "core/util/oidc_params.h"
#include "core/session/oidc_session_index.h"
#include "core/proto/oidc_pkce.h"
#include "core/proto/oidc_claims.h"

START_TEST(full_login)
{
    started_t st = start("/app/page?x=1", NULL);
    oidc_rp_result_t res, auth;
    const char *sc, *id, *tok = id_token_with(st.nonce, CLIENT_ID);
    const char *verifier, *form;
    apr_table_t *f;
    char *basic;

    op_issues(tok);
    run_callback(&st, &res);
    ck_assert_msg(res.kind == OIDC_RP_REDIRECT, "kind %d status %d: %s",
                  res.kind, res.status, res.message);
    ck_assert_int_eq(res.status, 302);
    ck_assert_str_eq(res.location, ORIGIN "/app/page?x=1");

    /* The token request: our code, redirect URI and PKCE verifier, with
     * client_secret_basic. */
    ck_assert_int_eq(op.token_calls, 1);
    form = op.token_form;
    ck_assert_int_eq(oidc_params_parse(unit_pool, form, 8192, &f),
                     OIDC_PARAMS_OK);
    ck_assert_str_eq(apr_table_get(f, "grant_type"), "authorization_code");
    ck_assert_str_eq(apr_table_get(f, "code"), CODE);
    ck_assert_str_eq(apr_table_get(f, "redirect_uri"),
                     ORIGIN "/oidc/callback");
    verifier = apr_table_get(f, "code_verifier");
    ck_assert_ptr_nonnull(verifier);
    ck_assert_str_eq(oidc_pkce_challenge_s256(unit_pool, verifier),
                     st.challenge);
    ck_assert_ptr_null(apr_table_get(f, "client_secret"));
    basic = apr_palloc(unit_pool, (apr_size_t)apr_base64_encode_len(
                                      (int)strlen(CLIENT_ID ":"
                                                  CLIENT_SECRET)));
    apr_base64_encode(basic, CLIENT_ID ":" CLIENT_SECRET,
                      (int)strlen(CLIENT_ID ":" CLIENT_SECRET));
    ck_assert_str_eq(op.token_authorization,
                     apr_pstrcat(unit_pool, "Basic ", basic, NULL));

    /* Cookies: the flow one deleted, a session one set. */
    sc = set_cookie_for(&res, oidc_flow_cookie_name(unit_pool, COOKIE,
                                                    st.state));
    ck_assert_ptr_nonnull(sc);
    ck_assert(unit_contains(sc, "Max-Age=0"));
    sc = set_cookie_for(&res, COOKIE);
    ck_assert_ptr_nonnull(sc);
    ck_assert(!unit_contains(sc, "Max-Age"));     /* a browser session */
    ck_assert(unit_contains(sc, "; Secure"));
    ck_assert(unit_contains(sc, "; HttpOnly"));
    id = pair_of(sc) + strlen(COOKIE "=");
    ck_assert(oidc_session_id_wellformed(id));
    ck_assert_str_eq(res.session_id, id);
    ck_assert_str_eq(res.session->sub, SUB);
    /* Stored until the inactivity timeout. */
    ck_assert(stored_expiry(id) == NOW + cfg.inactivity);
    /* And indexed by sub, for logout from the OP. */
    {
        unsigned char ikey[32];
        oidc_session_index_key(unit_pool, OIDC_INDEX_SUB, ISSUER, SUB, ikey);
        ck_assert_ptr_nonnull(apr_hash_get(fs.h, ikey, 32));
    }

    /* Back at the application, signed in. */
    ctx.now = NOW + apr_time_from_sec(5);
    oidc_rp_authenticate(&ctx, browser("/app/page?x=1",
                                       apr_pstrcat(unit_pool, "a=b; ",
                                                   COOKIE, "=", id, NULL)),
                         &dir, &auth);
    ck_assert_int_eq(auth.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(auth.session_id, id);
    ck_assert_str_eq(auth.session->sub, SUB);
    ck_assert_str_eq(auth.session->iss, ISSUER);
    ck_assert_str_eq(auth.session->access_token, ACCESS_TOKEN);
    ck_assert_str_eq(oidc_session_id_token(unit_pool, auth.session), tok);
    ck_assert(auth.session->access_expires == NOW + apr_time_from_sec(300));
    /* Claims come as the flat form, no JSON parse per request. */
    ck_assert_ptr_nonnull(auth.session->flat);
    ck_assert_str_eq(oidc_claims_flat_string(auth.session->flat, "sub"), SUB);
    ck_assert_str_eq(oidc_claims_flat_string(auth.session->flat, "email"),
                     "alice@example.com");
    ck_assert_ptr_null(oidc_claims_flat_string(auth.session->flat,
                                               "groups"));   /* an array */
    ck_assert_int_eq(auth.set_cookies->nelts, 0);

    /* No secret in any log line. */
    assert_no_secret_logged(CODE);
    assert_no_secret_logged(tok);
    assert_no_secret_logged(ACCESS_TOKEN);
    assert_no_secret_logged(id);
    assert_no_secret_logged(st.state);
    assert_no_secret_logged(CLIENT_SECRET);
}
END_TEST

START_TEST(session_fixation)
{
    /* An id planted in the victim's browser (here, a real session). */
    const char *planted = sign_in();
    started_t st = start("/", NULL);
    oidc_rp_result_t res;
    int dels = fs.dels;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    oidc_rp_callback(&ctx, callback_req(
                         apr_pstrcat(unit_pool, "code=" CODE "&state=",
                                     st.state, NULL),
                         apr_pstrcat(unit_pool, COOKIE "=", planted, "; ",
                                     st.flow_cookie, NULL)), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_str_ne(res.session_id, planted);
    ck_assert_int_eq(fs.dels, dels + 1);
    /* The old id no longer authenticates. */
    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(unit_pool, COOKIE "=",
                                                        planted, NULL)),
                         &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
}
END_TEST

START_TEST(callback_replayed)
{
    started_t st = start("/", NULL);
    const char *q = apr_pstrcat(unit_pool, "code=" CODE "&state=", st.state,
                                NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    oidc_rp_callback(&ctx, callback_req(q, st.flow_cookie), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    /* The same browser request again (the cookie not yet deleted), to an
     * OP that redeems the code twice: the used state stops it. */
    oidc_rp_callback(&ctx, callback_req(q, st.flow_cookie), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 400);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_int_eq(op.token_calls, 2);
    /* Without the cookie: unknown state. */
    oidc_rp_callback(&ctx, callback_req(q, NULL), &res);
    ck_assert_int_eq(res.status, 400);
    ck_assert_int_eq(op.token_calls, 2);
}
END_TEST

/* The back button after a login replays the callback from a browser that
 * has a session: it is sent on, not shown an error. */
START_TEST(callback_replayed_while_signed_in)
{
    started_t st = start("/app/page", NULL);
    const char *q = apr_pstrcat(unit_pool, "code=" CODE "&state=", st.state,
                                NULL);
    const char *session;
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    oidc_rp_callback(&ctx, callback_req(q, st.flow_cookie), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    session = apr_pstrcat(unit_pool, COOKIE "=", res.session_id, NULL);
    /* The flow cookie is gone: sent to the site's root. */
    oidc_rp_callback(&ctx, callback_req(q, session), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_str_eq(res.location, ORIGIN "/");
    ck_assert_int_eq(op.token_calls, 1);
    /* The flow cookie still there: to the page the login was for. */
    oidc_rp_callback(&ctx, callback_req(q, apr_pstrcat(
                                            unit_pool, session, "; ",
                                            st.flow_cookie, NULL)), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_str_eq(res.location, ORIGIN "/app/page");
    /* Without a session, the same replay is an error page. */
    oidc_rp_callback(&ctx, callback_req(q, NULL), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 400);
}
END_TEST

/* Anonymous callbacks with junk codes write nothing to the store, however
 * many: they must not be able to evict sessions. */
START_TEST(junk_callbacks_write_nothing)
{
    oidc_rp_result_t res;
    int i, puts, claims;

    op.token_status = 400;
    op.token_body = "{\"error\":\"invalid_grant\"}";
    puts = fs.puts;
    claims = fs.claims;
    for (i = 0; i < 20; i++) {
        started_t st = start("/", NULL);
        run_callback(&st, &res);
        ck_assert_int_eq(res.status, 502);
    }
    ck_assert_int_eq(fs.puts, puts);
    ck_assert_int_eq(fs.claims, claims);
}
END_TEST

START_TEST(callback_bad_requests)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;
    oidc_rp_ctx_t later;

    /* No state, a malformed state, a duplicate parameter, not GET. */
    oidc_rp_callback(&ctx, callback_req("code=" CODE, st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    oidc_rp_callback(&ctx, callback_req("code=" CODE "&state=short",
                                        st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    ck_assert_int_eq(res.set_cookies->nelts, 0);
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool, "code=" CODE
                                            "&code=x&state=", st.state,
                                            NULL), st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    oidc_rp_callback(&ctx, request("POST", apr_pstrcat(
                                       unit_pool, "/oidc/callback?code=x"
                                       "&state=", st.state, NULL),
                                   "Cookie", st.flow_cookie, NULL), &res);
    ck_assert_int_eq(res.status, 405);
    /* No code. */
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(unit_pool, "state=",
                                                    st.state, NULL),
                                        st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    /* Another issuer named (RFC 9207). */
    st = start("/", NULL);
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool, "code=" CODE
                                            "&iss=https%3A%2F%2Fevil.example"
                                            "&state=", st.state, NULL),
                                        st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    /* Too late: the page offers to try the page again. */
    st = start("/app/page?x=1", NULL);
    later = ctx;
    later.now = NOW + apr_time_from_sec(11 * 60);
    oidc_rp_callback(&later, callback_req(apr_pstrcat(unit_pool, "code=" CODE
                                                      "&state=", st.state,
                                                      NULL), st.flow_cookie),
                     &res);
    ck_assert_int_eq(res.status, 400);
    ck_assert(unit_contains(res.message, "too long"));
    ck_assert_str_eq(res.location, ORIGIN "/app/page?x=1");
    ck_assert_int_eq(op.token_calls, 0);
}
END_TEST

START_TEST(callback_access_denied)
{
    started_t st = start("/app", NULL);
    oidc_rp_result_t res;

    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool,
                                            "error=access_denied&state=",
                                            st.state, NULL), st.flow_cookie),
                     &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 403);
    ck_assert_str_eq(res.location, ORIGIN "/app");
    ck_assert(unit_contains(res.message, "access_denied"));
    ck_assert(unit_contains(set_cookie_for(&res, oidc_flow_cookie_name(
                                                     unit_pool, COOKIE,
                                                     st.state)),
                            "Max-Age=0"));
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_int_eq(op.token_calls, 0);

    /* An error word that is not printable is not echoed. */
    st = start("/app", NULL);
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool,
                                            "error=%3Cscript%3E%0A&state=",
                                            st.state, NULL), st.flow_cookie),
                     &res);
    ck_assert_int_eq(res.status, 400);
    ck_assert(!unit_contains(res.message, "<script>"));

    /* Markup that RFC 6749 allows is neither logged as markup nor long. */
    st = start("/app", NULL);
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool, "error=%3Cimg%20src%3Dx"
                                            "%3E", apr_psprintf(unit_pool,
                                            "%0100d", 0), "&state=",
                                            st.state, NULL), st.flow_cookie),
                     &res);
    {
        int i;
        for (i = 0; i < log_lines->nelts; i++) {
            const char *line = APR_ARRAY_IDX(log_lines, i, const char *);
            ck_assert_msg(!unit_contains(line, "<img"), "%s", line);
            ck_assert_msg(strlen(line) < 300, "%s", line);
        }
    }
}
END_TEST

START_TEST(token_endpoint_invalid_grant)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op.token_status = 400;
    op.token_body = "{\"error\":\"invalid_grant\","
                    "\"error_description\":\"code expired\"}";
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 502);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_int_eq(op.token_calls, 1);
}
END_TEST

START_TEST(token_response_without_id_token)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op.token_body = "{\"access_token\":\"x\",\"token_type\":\"Bearer\"}";
    run_callback(&st, &res);
    ck_assert_int_eq(res.status, 502);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
}
END_TEST

START_TEST(store_get_fails_on_callback)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    fs.get_rv = APR_EGENERAL;
    fs.lock_rv = APR_EGENERAL;
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    /* The state is marked used only once the OP accepted the code. */
    ck_assert_int_eq(op.token_calls, 1);
}
END_TEST

START_TEST(store_put_refused_for_session)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    fs.puts_allowed = 0;      /* the used-state mark is a claim: it works */
    run_callback(&st, &res);
    ck_assert_int_eq(op.token_calls, 1);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_ptr_null(res.session_id);
}
END_TEST

START_TEST(session_too_large)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    cfg.max_record = 256;
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 500);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
}
END_TEST

START_TEST(id_token_wrong_nonce)
{
    started_t st = start("/", NULL);
    started_t other = start("/", NULL);
    oidc_rp_result_t res;

    /* The nonce of another flow of the same browser. */
    op_issues(id_token_with(other.nonce, CLIENT_ID));
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 401);
    ck_assert(res.challenge);
    ck_assert_str_eq(res.error, "invalid_token");
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_ptr_null(res.session_id);
}
END_TEST

START_TEST(id_token_other_audience)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, "another-client"));
    run_callback(&st, &res);
    ck_assert_int_eq(res.status, 401);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
}
END_TEST

Suite *rp_callback_suite(void)
{
    Suite *s = suite_create("rp_callback");
    TCase *tc = rp_tcase("rp_callback");

    tcase_add_test(tc, full_login);
    tcase_add_test(tc, session_fixation);
    tcase_add_test(tc, callback_replayed);
    tcase_add_test(tc, callback_replayed_while_signed_in);
    tcase_add_test(tc, junk_callbacks_write_nothing);
    tcase_add_test(tc, callback_bad_requests);
    tcase_add_test(tc, callback_access_denied);
    tcase_add_test(tc, token_endpoint_invalid_grant);
    tcase_add_test(tc, token_response_without_id_token);
    tcase_add_test(tc, store_get_fails_on_callback);
    tcase_add_test(tc, store_put_refused_for_session);
    tcase_add_test(tc, session_too_large);
    tcase_add_test(tc, id_token_wrong_nonce);
    tcase_add_test(tc, id_token_other_audience);
    suite_add_tcase(s, tc);
    return s;
}
