/* test_rp_op_logout.c: logout the OP asks for (oidc_rp_op_logout.c):
 * back-channel (a signed logout token, Back-Channel Logout 1.0) and
 * front-channel (iss and sid in the query of the OP's iframe,
 * Front-Channel Logout 1.0). */
#include <stdlib.h>

#include "rp_fixture.h"
#include "core/proto/oidc_logout_token.h"

/* ---- logout tokens ------------------------------------------------------ */

/* Every token gets a jti of its own unless a test reuses one. */
static int jti_seq;

/* The claims of a valid logout token (Back-Channel Logout 1.0 §2.4), for
 * sub and sid (either may be NULL: then absent). */
static json_t *logout_claims(const char *sub, const char *sid)
{
    json_t *c = json_pack("{s:s, s:s, s:I, s:I, s:s, s:{s:{}}}",
                          "iss", ISSUER, "aud", CLIENT_ID,
                          "iat", (json_int_t)NOW_SEC,
                          "exp", (json_int_t)(NOW_SEC + 120),
                          "jti", apr_psprintf(unit_pool, "jti-%d", ++jti_seq),
                          "events", OIDC_BACKCHANNEL_EVENT);

    ck_assert_ptr_nonnull(c);
    if (sub != NULL) {
        json_object_set_new(c, "sub", json_string(sub));
    }
    if (sid != NULL) {
        json_object_set_new(c, "sid", json_string(sid));
    }
    return c;
}

/* The claims signed with k under kid (RS256); takes c. */
static const char *signed_by(const unit_key_t *k, const char *kid, json_t *c)
{
    return unit_jws_sign_claims(unit_pool, k, kid, c);
}

/* A valid logout token, signed by the OP's key rsa-1. */
static const char *logout_token(const char *sub, const char *sid)
{
    return signed_by(&unit_rsa1, "rsa-1", logout_claims(sub, sid));
}

/* The OP's POST to the back-channel logout URI, with this form body. */
static oidc_rp_result_t post_form(const char *body)
{
    oidc_rp_result_t res;

    ck_assert_int_eq(apr_pool_create(&ctx.pool, unit_pool), APR_SUCCESS);
    oidc_rp_backchannel_logout(&ctx, body, &res);
    return res;
}

static oidc_rp_result_t post_token(const char *token)
{
    return post_form(apr_pstrcat(unit_pool, "logout_token=", token, NULL));
}

/* The answer to a logout token that was accepted: 200, an empty body. */
static void assert_accepted(const oidc_rp_result_t *res)
{
    ck_assert_msg(res->kind == OIDC_RP_PAGE, "kind %d status %d: %s",
                  res->kind, res->status, res->message);
    ck_assert_int_eq(res->status, 200);
    ck_assert_str_eq(res->content_type, "text/plain");
    ck_assert_str_eq(res->body, "");
    ck_assert_int_eq(res->set_cookies->nelts, 0);
}

/* The answer to a logout token that was refused: 400 invalid_request. */
static void assert_refused(const oidc_rp_result_t *res, const char *why)
{
    ck_assert_msg(res->kind == OIDC_RP_ERROR && res->status == 400,
                  "%s: kind %d status %d", why, res->kind, res->status);
    ck_assert_str_eq(res->error, "invalid_request");
    ck_assert_int_eq(res->set_cookies->nelts, 0);
}

/* ---- back-channel logout ----------------------------------------------- */

/* A token with a sid ends the sessions of that OP session, and only
 * those: not the same user's other sessions. */
START_TEST(backchannel_sid_ends_its_sessions)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    const char *b = sign_in_as(SUB, "sid-1", NULL);
    const char *c = sign_in_as(SUB, "sid-2", NULL);
    oidc_rp_result_t res;

    res = post_token(logout_token(SUB, "sid-1"));
    assert_accepted(&res);
    ck_assert(!stored(a) && ended(a));
    ck_assert(!stored(b) && ended(b));
    ck_assert(stored(c) && !ended(c));
    ck_assert(logged("oidc-backchannel: ended 2 session(s) for sid sid-1"));
    /* With a sid alone as well. */
    res = post_token(logout_token(NULL, "sid-2"));
    assert_accepted(&res);
    ck_assert(!stored(c) && ended(c));
}
END_TEST

/* A token with a sub and no sid ends every session of that user, and
 * no one else's. */
START_TEST(backchannel_sub_ends_all_sessions_of_the_user)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    const char *b = sign_in_as(SUB, NULL, NULL);
    const char *c = sign_in_as("someone-else", "sid-3", NULL);
    oidc_rp_result_t res;

    res = post_token(logout_token(SUB, NULL));
    assert_accepted(&res);
    ck_assert(!stored(a) && !stored(b));
    ck_assert(stored(c));
    ck_assert(logged("oidc-backchannel: ended 2 session(s) for sub " SUB));
}
END_TEST

/* Nothing to end is a success too (the session may have ended here
 * already): 200, nothing written. */
START_TEST(backchannel_nothing_to_end)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    oidc_rp_result_t res;
    int dels = fs.dels;

    res = post_token(logout_token(SUB, "sid-unknown"));
    assert_accepted(&res);
    ck_assert(stored(a));
    ck_assert_int_eq(fs.dels, dels);
    ck_assert(logged("ended 0 session(s) for sid sid-unknown"));
}
END_TEST

/* One change to the claims of a valid sid-1 token: a claim set to a JSON
 * value ("now+N": NOW_SEC + N), or removed (value NULL). */
typedef struct {
    const char *claim;
    const char *value;
    const char *status;    /* oidc_logout_token_status_name() of it */
} claim_change_t;

static const claim_change_t bad_claims[] = {
    { "iss", "\"https://evil.example\"", "issuer" },
    { "iss", "\"" ISSUER "/\"", "issuer" },
    { "iss", NULL, "issuer" },
    { "aud", "\"another-client\"", "audience" },
    { "aud", "[\"another-client\"]", "audience" },
    { "aud", NULL, "audience" },
    { "events", NULL, "events" },
    { "events", "{\"http://example.com/other-event\":{}}", "events" },
    { "events", "{\"" OIDC_BACKCHANNEL_EVENT "\":true}", "events" },
    { "events", "[]", "events" },
    { "nonce", "\"n-0S6_WzA2Mj\"", "nonce" },
    { "exp", "now-61", "expired" },
    { "exp", "\"tomorrow\"", "expired" },
    { "iat", "now-661", "iat" },        /* max age 600 s, skew 60 s */
    { "iat", "now+61", "iat" },
    { "iat", NULL, "iat" },
    { "jti", NULL, "jti" },
    { "jti", "\"\"", "jti" },
    { "sid", NULL, "no-sid-or-sub" },   /* and no sub either */
    { "sid", "\"\"", "no-sid-or-sub" },
    { "sid", "42", "no-sid-or-sub" },
    { NULL, NULL, NULL }
};

static json_t *changed_claims(const claim_change_t *ch)
{
    json_t *c = logout_claims(NULL, "sid-1");

    if (ch->value == NULL) {
        json_object_del(c, ch->claim);
    }
    else if (strncmp(ch->value, "now", 3) == 0) {
        json_object_set_new(c, ch->claim, json_integer(
                                NOW_SEC + atoll(ch->value + 3)));
    }
    else {
        json_t *v = json_loads(ch->value, JSON_DECODE_ANY, NULL);

        ck_assert_msg(v != NULL, "not JSON: %s", ch->value);
        json_object_set_new(c, ch->claim, v);
    }
    return c;
}

/* Back-Channel Logout 1.0 §2.6: a token that fails any check is refused
 * with 400 (§2.8), ends nothing, and the log says which check. */
START_TEST(backchannel_invalid_claims_refused)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    oidc_rp_result_t res;
    int i;

    for (i = 0; bad_claims[i].claim != NULL; i++) {
        const claim_change_t *ch = &bad_claims[i];
        const char *what = apr_psprintf(unit_pool, "%s=%s", ch->claim,
                                        ch->value ? ch->value : "(none)");

        apr_array_clear(log_lines);
        res = post_token(signed_by(&unit_rsa1, "rsa-1", changed_claims(ch)));
        assert_refused(&res, what);
        ck_assert_msg(logged(apr_pstrcat(unit_pool, "oidc-backchannel: "
                                         "logout token rejected (",
                                         ch->status, ")", NULL)),
                      "%s: not logged as %s", what, ch->status);
        ck_assert_msg(stored(a) && !ended(a), "%s ended the session", what);
    }
}
END_TEST

/* §4.1: a token explicitly typed as something else (an access token, say)
 * is not a logout token; logout+jwt and JWT are. */
START_TEST(backchannel_typ_checked)
{
    static const char *const refused[] = { "at+jwt", "JOSE", "" };
    static const char *const accepted[] = { "logout+jwt",
                                            "application/logout+jwt", "JWT" };
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    oidc_rp_result_t res;
    char *payload;
    int i;

    for (i = 0; i < 6; i++) {
        const char *typ = i < 3 ? refused[i] : accepted[i - 3];
        const char *header = apr_psprintf(
            unit_pool, "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":\"%s\"}",
            typ);
        json_t *c = logout_claims(NULL, i < 3 ? "sid-1" : "sid-9");

        payload = json_dumps(c, JSON_COMPACT);
        res = post_token(unit_jws_rs256_raw(unit_pool, &unit_rsa1, header,
                                            payload));
        free(payload);
        json_decref(c);
        if (i < 3) {
            assert_refused(&res, typ);
            ck_assert(logged("logout token rejected (typ)"));
        }
        else {
            assert_accepted(&res);
        }
    }
    ck_assert(stored(a));
}
END_TEST

/* Not signed by the OP: a flipped bit, another key under the OP's kid,
 * alg none, an HMAC made with the client secret, junk. */
START_TEST(backchannel_bad_signature_refused)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    char *payload;
    json_t *c = logout_claims(NULL, "sid-1");
    oidc_rp_result_t res;

    payload = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    res = post_token(unit_jws_flip_sig(unit_pool, logout_token(NULL,
                                                               "sid-1")));
    assert_refused(&res, "flipped");
    ck_assert(logged("logout token rejected (signature)"));
    res = post_token(signed_by(&unit_rsa2, "rsa-1",
                               logout_claims(NULL, "sid-1")));
    assert_refused(&res, "other key");
    /* alg none: unsigned (malformed), or with something in the place of
     * a signature (an algorithm not allowed). */
    res = post_token(apr_pstrcat(unit_pool,
                                 unit_b64url(unit_pool, "{\"alg\":\"none\"}"),
                                 ".", unit_b64url(unit_pool, payload), ".",
                                 NULL));
    assert_refused(&res, "alg none");
    ck_assert(logged("logout token rejected (malformed)"));
    res = post_token(apr_pstrcat(unit_pool,
                                 unit_b64url(unit_pool, "{\"alg\":\"none\"}"),
                                 ".", unit_b64url(unit_pool, payload), ".c2ln",
                                 NULL));
    assert_refused(&res, "alg none, signed");
    ck_assert(logged("logout token rejected (algorithm)"));
    res = post_token(unit_jws_hs256(unit_pool,
                                    (const unsigned char *)CLIENT_SECRET,
                                    strlen(CLIENT_SECRET),
                                    "{\"alg\":\"HS256\"}", payload));
    assert_refused(&res, "HS256");
    res = post_token("not-a-jwt");
    assert_refused(&res, "junk");
    free(payload);
    ck_assert(stored(a) && !ended(a));
}
END_TEST

/* A kid the OP does not publish: the JWKS is fetched again, once; still
 * unknown, the token is refused. Once the OP has rotated to that key and
 * the throttle has passed, the same kind of token is accepted. */
START_TEST(backchannel_unknown_kid_refetched_once)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    oidc_rp_result_t res;
    int i;

    ck_assert_int_eq(op.jwks_calls, 1);
    res = post_token(signed_by(&unit_rsa2, "rsa-2",
                               logout_claims(NULL, "sid-1")));
    assert_refused(&res, "unknown kid");
    ck_assert_int_eq(op.jwks_calls, 2);
    ck_assert(logged("oidc-backchannel: logout token names an unknown kid: "
                     "refetching the JWKS"));
    ck_assert(logged("logout token rejected (unknown-kid)"));
    /* More of them at once: no more fetches within the throttle. */
    for (i = 0; i < 20; i++) {
        res = post_token(signed_by(&unit_rsa2, "rsa-2",
                                   logout_claims(NULL, "sid-1")));
        assert_refused(&res, "unknown kid again");
    }
    ck_assert_int_eq(op.jwks_calls, 2);
    ck_assert(stored(a));

    op.jwks = unit_jwks_text(unit_pool,
                             unit_jwk_public(unit_pool, &unit_rsa2, "rsa-2",
                                             NULL, "sig"), NULL);
    ctx.now = NOW + OIDC_PROVIDER_KEY_REFETCH_THROTTLE;
    res = post_token(signed_by(&unit_rsa2, "rsa-2",
                               logout_claims(NULL, "sid-1")));
    assert_accepted(&res);
    ck_assert_int_eq(op.jwks_calls, 3);
    ck_assert(!stored(a));
}
END_TEST

/* The same token twice (same jti): the second is refused, and does not
 * end a session made in between. */
START_TEST(backchannel_replayed_jti_refused)
{
    const char *tok = logout_token(SUB, "sid-1");
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    oidc_rp_result_t res;

    res = post_token(tok);
    assert_accepted(&res);
    ck_assert(!stored(a));
    a = sign_in_as(SUB, "sid-1", NULL);
    res = post_token(tok);
    assert_refused(&res, "replayed");
    ck_assert_str_eq(res.message, "The logout token was already used.");
    ck_assert(logged("oidc-backchannel: logout token replayed"));
    ck_assert(stored(a));
}
END_TEST

/* A body without one logout_token, or larger than any token may be:
 * refused before the OP's keys are even looked at. */
START_TEST(backchannel_bad_bodies_refused)
{
    const char *bodies[5];
    oidc_rp_result_t res;
    int i, discovery;

    sign_in_as(SUB, "sid-1", NULL);
    discovery = op.discovery_calls;
    bodies[0] = "";
    bodies[1] = "token=abc";
    bodies[2] = apr_pstrcat(unit_pool, "logout_token=",
                            logout_token(NULL, "sid-1"), "&logout_token=x",
                            NULL);
    bodies[3] = "logout_token=%zz";
    bodies[4] = apr_pstrcat(unit_pool, "logout_token=",
                            unit_repeat(unit_pool, 'a', OIDC_MAX_JWT_LEN + 64),
                            NULL);
    for (i = 0; i < 5; i++) {
        res = post_form(bodies[i]);
        assert_refused(&res, apr_psprintf(unit_pool, "body %d", i));
        ck_assert_str_eq(res.message, "logout_token is missing");
    }
    ck_assert(logged("oidc-backchannel: request without a usable "
                     "logout_token parameter"));
    ck_assert_int_eq(op.discovery_calls, discovery);
    ck_assert_int_eq(op.jwks_calls, 1);

    /* Within the body limit, but longer than a JWT may be: malformed. */
    res = post_token(unit_repeat(unit_pool, 'a', OIDC_MAX_JWT_LEN + 1));
    assert_refused(&res, "long token");
    ck_assert(logged("logout token rejected (malformed)"));
}
END_TEST

/* ---- front-channel logout ---------------------------------------------- */

/* The OP's iframe: GET with this query, and the session cookie of id (or,
 * as a cross-site iframe usually is, none). */
static oidc_rp_result_t frontchannel(const char *query, const char *id)
{
    oidc_rp_result_t res;

    oidc_rp_frontchannel_logout(
        &ctx, browser(apr_pstrcat(unit_pool, "/oidc/frontchannel-logout?",
                                  query, NULL),
                      id ? apr_pstrcat(unit_pool, COOKIE "=", id, NULL)
                         : NULL), &res);
    return res;
}

#define ISS_PARAM "iss=https%3A%2F%2Fop.example"

static void assert_signed_out_page(const oidc_rp_result_t *res)
{
    ck_assert_msg(res->kind == OIDC_RP_PAGE, "kind %d status %d: %s",
                  res->kind, res->status, res->message);
    ck_assert_int_eq(res->status, 200);
    ck_assert_str_eq(res->content_type, "text/html; charset=utf-8");
    ck_assert(unit_contains(res->body, "Signed out"));
    ck_assert(res->clear_site_data);
}

/* iss and sid of the OP: every session of that sid ends, no other. */
START_TEST(frontchannel_sid_ends_its_sessions)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    const char *b = sign_in_as(SUB, "sid-1", NULL);
    const char *c = sign_in_as(SUB, "sid-2", NULL);
    oidc_rp_result_t res;

    res = frontchannel(ISS_PARAM "&sid=sid-1", NULL);
    assert_signed_out_page(&res);
    ck_assert_int_eq(res.set_cookies->nelts, 0);
    ck_assert(!stored(a) && ended(a));
    ck_assert(!stored(b) && ended(b));
    ck_assert(stored(c));
    ck_assert(logged("oidc-frontchannel: ended 2 session(s) for the sid"));
}
END_TEST

/* Another issuer, or a sid without its issuer (§2: both or neither):
 * 400, nothing ended, not even the cookie's own session. */
START_TEST(frontchannel_other_issuer_refused)
{
    static const char *const queries[] = {
        "iss=https%3A%2F%2Fevil.example&sid=sid-1",
        "iss=https%3A%2F%2Fop.example%2F&sid=sid-1",
        "iss=https%3A%2F%2Fevil.example",
        "sid=sid-1", NULL
    };
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    oidc_rp_result_t res;
    int i, puts = fs.puts, dels = fs.dels;

    for (i = 0; queries[i] != NULL; i++) {
        res = frontchannel(queries[i], a);
        ck_assert_msg(res.kind == OIDC_RP_ERROR && res.status == 400, "%s",
                      queries[i]);
        ck_assert_str_eq(res.error, "invalid_request");
        ck_assert_int_eq(res.set_cookies->nelts, 0);
    }
    ck_assert(logged("oidc-frontchannel: logout request with a sid but "
                     "another or no issuer"));
    ck_assert(stored(a) && !ended(a));
    ck_assert_int_eq(fs.puts, puts);
    ck_assert_int_eq(fs.dels, dels);
}
END_TEST

/* A sid no session has: the page, and every session stays (the iframe
 * brought no cookie). */
START_TEST(frontchannel_other_sid_ends_nothing)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    oidc_rp_result_t res;
    int dels = fs.dels;

    res = frontchannel(ISS_PARAM "&sid=sid-9", NULL);
    assert_signed_out_page(&res);
    ck_assert(stored(a) && !ended(a));
    ck_assert_int_eq(fs.dels, dels);
    ck_assert(logged("oidc-frontchannel: ended 0 session(s) for the sid"));
}
END_TEST

/* When the browser's cookie comes along, its own session ends and the
 * cookie is deleted, whatever the sid (as implemented: the request came
 * from that browser); sessions of other browsers stay. */
START_TEST(frontchannel_ends_the_browsers_own_session)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    const char *b = sign_in_as(SUB, "sid-2", NULL);
    const char *c = sign_in_as(SUB, "sid-3", NULL);
    oidc_rp_result_t res;
    const char *sc;

    res = frontchannel(ISS_PARAM, a);
    assert_signed_out_page(&res);
    sc = set_cookie_for(&res, COOKIE);
    ck_assert_ptr_nonnull(sc);
    ck_assert_str_eq(pair_of(sc), COOKIE "=");
    ck_assert(unit_contains(sc, "Max-Age=0"));
    ck_assert(!stored(a) && ended(a));
    ck_assert(stored(b) && stored(c));

    res = frontchannel(ISS_PARAM "&sid=sid-9", b);
    assert_signed_out_page(&res);
    ck_assert(!stored(b));
    ck_assert(stored(c));
}
END_TEST

/* The store cannot say which sessions the sid has: 503. */
START_TEST(frontchannel_store_down)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    oidc_rp_result_t res;

    fs.get_rv = APR_EGENERAL;
    res = frontchannel(ISS_PARAM "&sid=sid-1", NULL);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    fs.get_rv = APR_SUCCESS;
    ck_assert(stored(a));
}
END_TEST

/* §2.4: exp is REQUIRED in a logout token. */
START_TEST(backchannel_token_without_exp_refused)
{
    const char *a = sign_in_as(SUB, "sid-1", NULL);
    json_t *c = logout_claims(NULL, "sid-1");
    oidc_rp_result_t res;

    json_object_del(c, "exp");
    res = post_token(signed_by(&unit_rsa1, "rsa-1", c));
    assert_refused(&res, "no exp");
    ck_assert(stored(a));
}
END_TEST


Suite *rp_op_logout_suite(void)
{
    Suite *s = suite_create("rp_op_logout");
    TCase *tc = rp_tcase("rp_op_logout");

    tcase_add_test(tc, backchannel_sid_ends_its_sessions);
    tcase_add_test(tc, backchannel_sub_ends_all_sessions_of_the_user);
    tcase_add_test(tc, backchannel_nothing_to_end);
    tcase_add_test(tc, backchannel_invalid_claims_refused);
    tcase_add_test(tc, backchannel_typ_checked);
    tcase_add_test(tc, backchannel_bad_signature_refused);
    tcase_add_test(tc, backchannel_unknown_kid_refetched_once);
    tcase_add_test(tc, backchannel_replayed_jti_refused);
    tcase_add_test(tc, backchannel_bad_bodies_refused);
    tcase_add_test(tc, backchannel_token_without_exp_refused);
    tcase_add_test(tc, frontchannel_sid_ends_its_sessions);
    tcase_add_test(tc, frontchannel_other_issuer_refused);
    tcase_add_test(tc, frontchannel_other_sid_ends_nothing);
    tcase_add_test(tc, frontchannel_ends_the_browsers_own_session);
    tcase_add_test(tc, frontchannel_store_down);
    suite_add_tcase(s, tc);
    return s;
}
