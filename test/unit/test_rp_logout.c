/* test_rp_logout.c: the user signs out at the logout URI
 * (oidc_rp_logout.c): the session ends here, its tokens are revoked, and
 * the browser goes to the OP's end_session_endpoint or a same-origin
 * page, never to a target of the request's choosing elsewhere. */
#include "rp_fixture.h"

/* The OP's discovery document, with end_session_endpoint and
 * revocation_endpoint. */
static void op_has_end_session(void)
{
    op.discovery = "{\"issuer\":\"" ISSUER "\","
                   "\"authorization_endpoint\":\"" ISSUER "/authorize\","
                   "\"token_endpoint\":\"" ISSUER "/token\","
                   "\"jwks_uri\":\"" ISSUER "/jwks\","
                   "\"end_session_endpoint\":\"" ISSUER "/end-session\","
                   "\"revocation_endpoint\":\"" ISSUER "/revoke\"}";
}

/* A request to the logout URI with this query (or none), with the session
 * cookie of id (or none). */
static oidc_rp_result_t logout_as(const char *id, const char *query)
{
    oidc_rp_result_t res;

    oidc_rp_logout(&ctx, browser(query ? apr_pstrcat(unit_pool, "/logout?",
                                                     query, NULL)
                                       : "/logout",
                                 id ? apr_pstrcat(unit_pool, COOKIE "=", id,
                                                  NULL)
                                    : NULL),
                   &res);
    return res;
}

/* Whether the session cookie was deleted. */
static int cookie_cleared(const oidc_rp_result_t *res)
{
    const char *sc = set_cookie_for(res, COOKIE);

    return sc != NULL && strcmp(pair_of(sc), COOKIE "=") == 0
        && unit_contains(sc, "Max-Age=0");
}

/* Whether cookie id still authenticates. */
static int signed_in(const char *id)
{
    oidc_rp_result_t res;

    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(unit_pool, COOKIE "=",
                                                        id, NULL)),
                         &dir, &res);
    return res.kind == OIDC_RP_AUTHENTICATED;
}

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

/* The session ends in the store (an "ended" mark, then no record), its
 * cookie is deleted, its access token revoked, and the browser goes to
 * the OP's end_session_endpoint with the ID token as hint and the
 * validated return target as post_logout_redirect_uri. */
START_TEST(logout_ends_session_and_sends_to_op)
{
    const char *tok, *id;
    oidc_rp_result_t res;
    apr_table_t *q;

    op_has_end_session();
    cfg.idp_logout = -1;
    id = sign_in_as(SUB, "sid-1", &tok);
    ck_assert(signed_in(id));
    res = logout_as(id, "return_to=%2Fbye%3Fx%3D1");
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_int_eq(res.status, 302);
    ck_assert(strncmp(res.location, ISSUER "/end-session?",
                      strlen(ISSUER "/end-session?")) == 0);
    q = location_query(&res);
    ck_assert_int_eq(apr_table_elts(q)->nelts, 4);
    ck_assert_str_eq(apr_table_get(q, "id_token_hint"), tok);
    ck_assert_str_eq(apr_table_get(q, "post_logout_redirect_uri"),
                     ORIGIN "/bye?x=1");
    ck_assert_str_eq(apr_table_get(q, "client_id"), CLIENT_ID);
    /* A fresh random state (some OPs return only with one). */
    ck_assert_int_eq(strlen(apr_table_get(q, "state")), 22);
    ck_assert(cookie_cleared(&res));
    ck_assert_int_eq(res.set_cookies->nelts, 1);
    ck_assert(res.clear_site_data);
    ck_assert(!stored(id));
    ck_assert(ended(id));
    ck_assert_int_eq(op.revoke_calls, 1);
    ck_assert_str_eq(op.revoke_forms, "token=" ACCESS_TOKEN
                     "&token_type_hint=access_token");
    ck_assert(logged("oidc-logout: signed out subject " SUB
                     " (and at the provider)"));
    ck_assert(!signed_in(id));
}
END_TEST

/* A refresh token is revoked first (that ends the grant at most OPs),
 * then the access token. */
START_TEST(logout_revokes_refresh_token_first)
{
    started_t st;
    oidc_rp_result_t res;

    op_has_end_session();
    st = start("/", NULL);
    op.token_body = apr_psprintf(
        unit_pool, "{\"access_token\":\"" ACCESS_TOKEN "\","
        "\"token_type\":\"Bearer\",\"expires_in\":300,"
        "\"refresh_token\":\"rt-1\",\"id_token\":\"%s\"}",
        id_token_with(st.nonce, CLIENT_ID));
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    res = logout_as(res.session_id, NULL);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_int_eq(op.revoke_calls, 2);
    ck_assert_str_eq(op.revoke_forms,
                     "token=rt-1&token_type_hint=refresh_token|"
                     "token=" ACCESS_TOKEN "&token_type_hint=access_token");
    assert_no_secret_logged("rt-1");
}
END_TEST

/* return_to may name only this site: anything else falls back to the
 * configured page (here none: the site's root), with or without a
 * session, and is logged as refused. */
static const char *const open_redirects[] = {
    "https%3A%2F%2Fevil.example%2Fx", "%2F%2Fevil.example%2Fx",
    "%2F%5Cevil.example", "javascript%3Aalert(1)",
    "https%3A%2F%2Fsite.example%40evil.example%2F",
    "https%3A%2F%2Fsite.example.evil.example%2F",
    "http%3A%2F%2Fsite.example%2F", "%2Fok%0D%0ALocation%3A%20x", NULL
};

START_TEST(logout_refuses_open_redirect_targets)
{
    oidc_rp_result_t res;
    apr_table_t *q;
    int i;

    for (i = 0; open_redirects[i] != NULL; i++) {
        apr_array_clear(log_lines);
        res = logout_as(NULL, apr_pstrcat(unit_pool, "return_to=",
                                          open_redirects[i], NULL));
        ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
        ck_assert_msg(strcmp(res.location, ORIGIN "/") == 0, "%s -> %s",
                      open_redirects[i], res.location);
        ck_assert(logged("oidc-logout: return_to refused"));
    }
    /* Through the OP as well: what it is asked to send the browser back
     * to is the fallback, here the configured page. */
    op_has_end_session();
    cfg.idp_logout = -1;
    cfg.post_logout_uri = "/signed-out";
    res = logout_as(sign_in(), "return_to=https%3A%2F%2Fevil.example%2F");
    q = location_query(&res);
    ck_assert_str_eq(apr_table_get(q, "post_logout_redirect_uri"),
                     ORIGIN "/signed-out");
    ck_assert(!unit_contains(res.location, "evil"));
}
END_TEST

/* Without a session (no cookie): straight to the return target, nothing
 * written, no cookie set, the OP not contacted. */
START_TEST(logout_without_session)
{
    oidc_rp_result_t res;

    op_has_end_session();
    cfg.idp_logout = -1;
    res = logout_as(NULL, NULL);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_int_eq(res.status, 302);
    ck_assert_str_eq(res.location, ORIGIN "/");
    ck_assert_int_eq(res.set_cookies->nelts, 0);
    ck_assert(res.clear_site_data);
    ck_assert(logged("oidc-logout: logout without a session"));
    res = logout_as(NULL, "return_to=%2Fbye");
    ck_assert_str_eq(res.location, ORIGIN "/bye");
    ck_assert_int_eq(op.discovery_calls, 0);
    ck_assert_int_eq(fs.puts + fs.dels + fs.claims, 0);
}
END_TEST

/* The cookie of a session that already ended: deleted, and nothing else
 * (no mark written, no OP redirect); the admin's post-logout page may be
 * on another site. */
START_TEST(logout_again_after_logout)
{
    const char *id;
    oidc_rp_result_t res;
    int puts;

    op_has_end_session();
    cfg.idp_logout = -1;
    cfg.post_logout_uri = "https://portal.example/out";
    id = sign_in();
    logout_as(id, NULL);
    puts = fs.puts;
    res = logout_as(id, NULL);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(cookie_cleared(&res));
    ck_assert_str_eq(res.location, "https://portal.example/out");
    ck_assert_int_eq(fs.puts, puts);
    ck_assert(logged("oidc-logout: logout without a session"));
}
END_TEST

/* An OP without end_session_endpoint: the local logout, then the return
 * target at once; the same when AuthOIDCProviderLogout is off. */
START_TEST(logout_op_without_end_session_endpoint)
{
    const char *id;
    oidc_rp_result_t res;

    cfg.idp_logout = -1;
    id = sign_in();
    res = logout_as(id, "return_to=%2Fbye");
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_str_eq(res.location, ORIGIN "/bye");
    ck_assert(cookie_cleared(&res));
    ck_assert(!stored(id));
    ck_assert(ended(id));
    ck_assert_int_eq(op.revoke_calls, 0);
    ck_assert(logged("oidc-logout: signed out subject " SUB));
    ck_assert(!logged("(and at the provider)"));
}
END_TEST

START_TEST(logout_provider_logout_off)
{
    const char *id;
    oidc_rp_result_t res;

    op_has_end_session();
    cfg.idp_logout = 0;
    id = sign_in();
    res = logout_as(id, NULL);
    ck_assert_str_eq(res.location, ORIGIN "/");
    ck_assert(!stored(id));
    ck_assert_int_eq(op.revoke_calls, 1);     /* revoked all the same */
}
END_TEST

/* The store cannot answer, or refuses the "ended" mark: 503, and the
 * cookie stays, so that the user can try again; the session is intact. */
START_TEST(logout_store_down_keeps_session)
{
    const char *id = sign_in();
    oidc_rp_result_t res;

    fs.get_rv = APR_EGENERAL;
    res = logout_as(id, NULL);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_str_eq(res.error, "temporarily_unavailable");
    ck_assert_int_eq(res.set_cookies->nelts, 0);
    fs.get_rv = APR_SUCCESS;
    fs.puts_allowed = 0;
    res = logout_as(id, NULL);
    ck_assert_int_eq(res.status, 503);
    ck_assert_int_eq(res.set_cookies->nelts, 0);
    ck_assert(logged("oidc-store: could not delete the session record"));
    ck_assert(stored(id));
    ck_assert(!ended(id));
    fs.puts_allowed = -1;
    ck_assert(signed_in(id));
}
END_TEST

/* The OP cannot be reached at logout: the local logout stands, and the
 * browser goes to the return target instead. */
START_TEST(logout_op_unreachable_still_signs_out)
{
    const char *id;
    oidc_rp_result_t res;

    op_has_end_session();
    cfg.idp_logout = -1;
    id = sign_in();
    /* A process that has not fetched the metadata yet. */
    cfg.provider = oidc_provider_create(unit_pool, ISSUER,
                                        apr_time_from_sec(3600));
    op.discovery_rv = APR_ECONNREFUSED;
    res = logout_as(id, NULL);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_str_eq(res.location, ORIGIN "/");
    ck_assert(cookie_cleared(&res));
    ck_assert(!stored(id));
    ck_assert_int_eq(op.revoke_calls, 0);
}
END_TEST

Suite *rp_logout_suite(void)
{
    Suite *s = suite_create("rp_logout");
    TCase *tc = rp_tcase("rp_logout");

    tcase_add_test(tc, logout_made_up_id_writes_nothing);
    tcase_add_test(tc, logout_ends_session_and_sends_to_op);
    tcase_add_test(tc, logout_revokes_refresh_token_first);
    tcase_add_test(tc, logout_refuses_open_redirect_targets);
    tcase_add_test(tc, logout_without_session);
    tcase_add_test(tc, logout_again_after_logout);
    tcase_add_test(tc, logout_op_without_end_session_endpoint);
    tcase_add_test(tc, logout_provider_logout_off);
    tcase_add_test(tc, logout_store_down_keeps_session);
    tcase_add_test(tc, logout_op_unreachable_still_signs_out);
    suite_add_tcase(s, tc);
    return s;
}
