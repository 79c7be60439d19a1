/* test_rp_refresh.c: the access token refreshed before it expires
 * (oidc_rp_refresh.c): when, under which lock, what a refusal or an
 * unreachable OP does, and what other processes and logouts meanwhile do
 * to it. */
#include <stdlib.h>

#include "rp_fixture.h"
#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_json.h"
#include "core/session/oidc_session_index.h"
#include "core/proto/oidc_claims.h"

/* A session whose access token (300 s) comes with refresh token rt-1. */
static const char *login_with_refresh(void)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op.token_status = 200;
    op.token_body = apr_psprintf(
        unit_pool,
        "{\"access_token\":\"" ACCESS_TOKEN "\",\"token_type\":\"Bearer\","
        "\"expires_in\":300,\"refresh_token\":\"rt-1\",\"id_token\":\"%s\"}",
        id_token_with(st.nonce, CLIENT_ID));
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    op.token_calls = 0;
    fs.claims = fs.unclaims = 0;
    apr_hash_clear(fs.locked);       /* the used-state mark of the login */
    cfg.refresh_before = apr_time_from_sec(60);
    cfg.refresh_hold = apr_time_from_msec(100);
    return res.session_id;
}

static void op_refreshes(const char *extra)
{
    op.token_status = 200;
    op.token_body = apr_pstrcat(unit_pool,
        "{\"access_token\":\"at-2\",\"token_type\":\"Bearer\","
        "\"expires_in\":300,\"refresh_token\":\"rt-2\"", extra, "}", NULL);
}

static oidc_rp_result_t authenticate_at(const char *id, apr_int64_t sec,
                                        int api)
{
    oidc_rp_result_t res;
    const char *cookie = apr_pstrcat(unit_pool, COOKIE "=", id, NULL);

    ctx.now = NOW + apr_time_from_sec(sec);
    oidc_rp_authenticate(&ctx, api ? request("GET", "/", "Cookie", cookie,
                                             "Accept", "application/json",
                                             "Sec-Fetch-Mode", "cors", NULL)
                                   : browser("/", cookie),
                         &dir, &res);
    return res;
}

START_TEST(refresh_when_due_and_rotated_token_stored)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    op_refreshes("");
    res = authenticate_at(id, 239, 0);       /* 61 s before expiry */
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(op.token_calls, 0);
    ck_assert_int_eq(fs.claims, 0);
    res = authenticate_at(id, 241, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(op.token_calls, 1);
    ck_assert(unit_contains(op.token_form,
                            "grant_type=refresh_token&refresh_token=rt-1"));
    ck_assert_ptr_nonnull(op.token_authorization);
    ck_assert(strncmp(op.token_authorization, "Basic ", 6) == 0);
    ck_assert_str_eq(res.session->access_token, "at-2");
    ck_assert(res.session->access_expires == ctx.now + apr_time_from_sec(300));
    /* The lock was taken and given back. */
    ck_assert_int_eq(fs.claims, 1);
    ck_assert_int_eq(fs.unclaims, 1);
    ck_assert_int_eq(apr_hash_count(fs.locked), 0);
    /* Stored: the next request uses the rotated tokens without a call. */
    res = authenticate_at(id, 242, 0);
    ck_assert_int_eq(op.token_calls, 1);
    ck_assert_str_eq(res.session->access_token, "at-2");
    ck_assert_str_eq(res.session->refresh_token, "rt-2");
    assert_no_secret_logged("rt-1");
    assert_no_secret_logged("rt-2");
    assert_no_secret_logged("at-2");
}
END_TEST

START_TEST(refresh_lead_capped_at_half_the_lifetime)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    cfg.refresh_before = apr_time_from_sec(3600);
    op_refreshes("");
    res = authenticate_at(id, 149, 0);
    ck_assert_int_eq(op.token_calls, 0);
    res = authenticate_at(id, 150, 0);
    ck_assert_int_eq(op.token_calls, 1);
    ck_assert_str_eq(res.session->access_token, "at-2");
}
END_TEST

START_TEST(refresh_refused_follows_policy)
{
    const oidc_refresh_failure_t policies[] = {
        OIDC_REFRESH_FAILURE_REAUTHENTICATE,
        OIDC_REFRESH_FAILURE_REAUTHENTICATE,   /* an API client this time */
        OIDC_REFRESH_FAILURE_401, OIDC_REFRESH_FAILURE_502
    };
    int i;

    for (i = 0; i < 4; i++) {
        const char *id;
        oidc_rp_result_t res;

        ctx.now = NOW;
        id = login_with_refresh();
        cfg.refresh_failure = policies[i];
        op.token_status = 400;
        op.token_body = "{\"error\":\"invalid_grant\"}";
        res = authenticate_at(id, 301, i == 1);
        ck_assert_int_eq(op.token_calls, 1);
        ck_assert_ptr_nonnull(set_cookie_for(&res, COOKIE));
        ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));
        switch (i) {
        case 0:
            ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
            ck_assert(unit_contains(res.location, ISSUER "/authorize?"));
            break;
        case 1:
            ck_assert_int_eq(res.status, 401);
            ck_assert_str_eq(res.error, "login_required");
            break;
        case 2:
            ck_assert_int_eq(res.status, 401);
            ck_assert_str_eq(res.error, "invalid_token");
            ck_assert(res.challenge);
            break;
        default:
            ck_assert_int_eq(res.status, 502);
        }
        ck_assert_ptr_null(res.session);
        /* The session is gone. */
        res = authenticate_at(id, 302, 0);
        ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
        ck_assert_int_eq(op.token_calls, 1);
        ck_assert_int_eq(apr_hash_count(fs.locked), 0);
    }
}
END_TEST

START_TEST(refresh_op_unreachable_keeps_session)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    op.token_rv = APR_ECONNREFUSED;
    /* Still valid: the request goes on with the current token. */
    res = authenticate_at(id, 250, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->access_token, ACCESS_TOKEN);
    /* Expired: 503, and the session stays for when the OP is back. */
    res = authenticate_at(id, 301, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    op.token_rv = APR_SUCCESS;
    op_refreshes("");
    res = authenticate_at(id, 302, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->access_token, "at-2");
    ck_assert_int_eq(apr_hash_count(fs.locked), 0);
}
END_TEST

/* An ID token as a refresh would return it: no nonce, a new iat. */
static const char *refreshed_id_token(const char *sub, const char *email)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}",
                          "iss", ISSUER, "sub", sub, "aud", CLIENT_ID,
                          "exp", (json_int_t)(NOW_SEC + 900),
                          "iat", (json_int_t)(NOW_SEC + 290),
                          "email", email);
    return unit_jws_sign_claims(unit_pool, &unit_rsa1, "rsa-1", c);
}

START_TEST(refreshed_id_token_validated)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;
    json_t *claims;

    op_refreshes(apr_pstrcat(unit_pool, ",\"id_token\":\"",
                             refreshed_id_token(SUB, "new@example.com"),
                             "\"", NULL));
    res = authenticate_at(id, 290, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    claims = oidc_json_parse(unit_pool,
                             oidc_session_claims(unit_pool, res.session),
                             strlen(oidc_session_claims(unit_pool,
                                                        res.session)));
    ck_assert_str_eq(oidc_json_str(claims, "email"), "new@example.com");
    /* Claims the new token lacks stay from login. */
    ck_assert_int_eq(json_array_size(json_object_get(claims, "groups")), 2);
    /* And the flat form the request exports follows. */
    ck_assert_str_eq(oidc_claims_flat_string(res.session->flat, "email"),
                     "new@example.com");

    /* Another subject: refused, the session ends. */
    ctx.now = NOW;
    id = login_with_refresh();
    op_refreshes(apr_pstrcat(unit_pool, ",\"id_token\":\"",
                             refreshed_id_token("mallory", "m@example.com"),
                             "\"", NULL));
    res = authenticate_at(id, 290, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(res.location, ISSUER "/authorize?"));
    res = authenticate_at(id, 291, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);

    /* A bad signature: refused as well. */
    ctx.now = NOW;
    id = login_with_refresh();
    op_refreshes(apr_pstrcat(unit_pool, ",\"id_token\":\"",
                             refreshed_id_token(SUB, "x@example.com"),
                             "x\"", NULL));
    res = authenticate_at(id, 290, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
}
END_TEST

/* Plays another process that finishes its refresh while we wait: on the
 * n-th store read, the session record is replaced by one with at-9. */
static const char *other_id;
static int other_after_gets;

static void other_process_refreshes(fake_store_t *f)
{
    oidc_session_t *s;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN], *rec;
    apr_size_t len;
    entry_t *e;

    if (f->gets != other_after_gets) {
        return;
    }
    oidc_session_store_key(other_id, key);
    e = apr_hash_get(f->h, key, sizeof(key));
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(oidc_session_open(unit_pool, cfg.session_key, other_id, &rp_binding,
                                       e->val, e->len, &s), APR_SUCCESS);
    s->access_token = "at-9";
    s->refresh_token = "rt-9";
    s->access_issued = NOW + apr_time_from_sec(301);
    s->access_expires = s->access_issued + apr_time_from_sec(300);
    ck_assert_int_eq(oidc_session_seal(unit_pool, cfg.session_key, other_id,
                                       s, cfg.max_record, &rec, &len),
                     APR_SUCCESS);
    e->val = rec;
    e->len = len;
}

START_TEST(refresh_lock_held_elsewhere)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;
    apr_time_t t0;

    op_refreshes("");
    fs.lock_rv = APR_EEXIST;
    /* Still valid: go on at once with the current token. */
    res = authenticate_at(id, 250, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->access_token, ACCESS_TOKEN);
    ck_assert_int_eq(op.token_calls, 0);

    /* Expired: wait for the other refresh, then use its result. */
    other_id = id;
    other_after_gets = fs.gets + 3;
    fs.before_get = other_process_refreshes;
    res = authenticate_at(id, 301, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->access_token, "at-9");
    ck_assert_int_eq(op.token_calls, 0);
    fs.before_get = NULL;

    /* Nobody finishes: give up after the hold (plus a second), 503. */
    ctx.now = NOW;
    fs.lock_rv = APR_SUCCESS;
    id = login_with_refresh();
    fs.lock_rv = APR_EEXIST;
    t0 = apr_time_now();
    res = authenticate_at(id, 301, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert(apr_time_now() - t0 >= cfg.refresh_hold);
    ck_assert_int_eq(op.token_calls, 0);
}
END_TEST

/* The session record in the store, opened. */
static oidc_session_t *stored_session(const char *id)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    oidc_session_t *s;
    entry_t *e;

    oidc_session_store_key(id, key);
    e = apr_hash_get(fs.h, key, sizeof(key));
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(oidc_session_open(unit_pool, cfg.session_key, id, &rp_binding,
                                       e->val, e->len, &s), APR_SUCCESS);
    return s;
}

/* A kept record may trail the store (another node's write whose report
 * has not reached this process yet). What this process writes, and
 * the refresh it decides on, start from the store, never from that copy:
 * else rt-1 would go to the OP again, or back into the store. */
START_TEST(kept_record_behind_the_store_is_not_written_back)
{
    const char *id;
    oidc_rp_result_t res;
    int gets;

    keep_sessions(8, 8192);
    id = login_with_refresh();
    authenticate_at(id, 1, 0);
    gets = fs.gets;
    res = authenticate_at(id, 2, 0);
    ck_assert_int_eq(fs.gets, gets);                  /* kept */
    ck_assert_str_eq(res.session->refresh_token, "rt-1");

    /* Another node refreshes; this process has not heard of it. */
    other_id = id;
    other_after_gets = fs.gets;
    other_process_refreshes(&fs);
    res = authenticate_at(id, 3, 0);
    ck_assert_str_eq(res.session->refresh_token, "rt-1");   /* behind */

    /* A touch is due (inactivity / 16), the refresh not yet: the touch
     * writes what the store holds. */
    res = authenticate_at(id, 100, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(stored_session(id)->refresh_token, "rt-9");
    ck_assert(stored_session(id)->last_seen == NOW + apr_time_from_sec(100));

    /* Once more behind: the kept copy says the refresh is due, the store
     * that it was done. */
    ctx.now = NOW;
    id = login_with_refresh();
    authenticate_at(id, 1, 0);
    authenticate_at(id, 2, 0);
    other_id = id;
    other_after_gets = fs.gets;
    other_process_refreshes(&fs);
    res = authenticate_at(id, 250, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(op.token_calls, 0);
    ck_assert_str_eq(res.session->access_token, "at-9");
    ck_assert_str_eq(stored_session(id)->refresh_token, "rt-9");
}
END_TEST

START_TEST(refresh_store_down)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    fs.lock_rv = APR_EGENERAL;
    res = authenticate_at(id, 250, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    res = authenticate_at(id, 301, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_int_eq(op.token_calls, 0);
}
END_TEST

START_TEST(no_refresh_without_refresh_token)
{
    const char *id = sign_in();
    oidc_rp_result_t res;

    cfg.refresh_before = apr_time_from_sec(60);
    op.token_calls = 0;
    res = authenticate_at(id, 400, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(op.token_calls, 0);
    ck_assert_int_eq(fs.claims, 1);    /* the used state, at login only */
}
END_TEST

/* A back-channel logout of this sub, arriving mid-refresh. */
static void logout_arrives(void)
{
    unsigned char ikey[32];
    int ended = 0;

    oidc_session_index_key(unit_pool, OIDC_INDEX_SUB, ISSUER, SUB, ikey);
    ck_assert_int_eq(oidc_session_index_end_all(&store, unit_pool, ikey,
                                                ctx.now + apr_time_from_sec(
                                                    60), &ended),
                     APR_SUCCESS);
    ck_assert_int_eq(ended, 1);
}

START_TEST(logout_during_refresh_stands)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    op_refreshes("");
    op.on_token = logout_arrives;
    res = authenticate_at(id, 301, 0);
    op.on_token = NULL;
    ck_assert_int_eq(op.token_calls, 1);
    /* Not served, and not revived by the refresh's write. */
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    res = authenticate_at(id, 302, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_int_eq(op.token_calls, 1);
}
END_TEST

Suite *rp_refresh_suite(void)
{
    Suite *s = suite_create("rp_refresh");
    TCase *tc = rp_tcase("rp_refresh");

    tcase_add_test(tc, refresh_when_due_and_rotated_token_stored);
    tcase_add_test(tc, refresh_lead_capped_at_half_the_lifetime);
    tcase_add_test(tc, refresh_refused_follows_policy);
    tcase_add_test(tc, refresh_op_unreachable_keeps_session);
    tcase_add_test(tc, refreshed_id_token_validated);
    tcase_add_test(tc, refresh_lock_held_elsewhere);
    tcase_add_test(tc, kept_record_behind_the_store_is_not_written_back);
    tcase_add_test(tc, refresh_store_down);
    tcase_add_test(tc, no_refresh_without_refresh_token);
    tcase_add_test(tc, logout_during_refresh_stands);
    suite_add_tcase(s, tc);
    return s;
}
