/* test_rp_session.c: the session a request's cookie names
 * (oidc_rp_session.c and the sessions it goes through): touched, kept in
 * the cache while the store vouches for it, bound to its configuration,
 * and indexed for logout from the OP. */
#include "rp_fixture.h"
#include "core/session/oidc_session_index.h"
#include "core/proto/oidc_claims.h"
#include "core/cache/oidc_session_cache.h"

START_TEST(session_touched_after_a_while)
{
    const char *id = sign_in();
    const char *cookie = apr_pstrcat(unit_pool, COOKIE "=", id, NULL);
    oidc_rp_result_t res;
    int puts = fs.puts;

    /* Soon after: no store write. */
    ctx.now = NOW + apr_time_from_sec(30);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.puts, puts);
    /* Past inactivity / OIDC_SESSION_TOUCH_FRACTION: one write. */
    ctx.now = NOW + cfg.inactivity / OIDC_SESSION_TOUCH_FRACTION
        + apr_time_from_sec(1);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.puts, puts + 1);
    ck_assert(res.session->last_seen == ctx.now);
    ck_assert(stored_expiry(id) == ctx.now + cfg.inactivity);
    /* Idle beyond the timeout since that write: a new login. */
    ctx.now += cfg.inactivity + 1;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));
}
END_TEST

/* A store of this node alone: opened records are kept, and used only until
 * the next write of anyone. */
START_TEST(cached_session_follows_every_write)
{
    const char *id, *cookie, *other;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    oidc_rp_result_t res;
    int gets;

    keep_sessions(8, 8192);
    cfg.claim_prefix = "OIDC_CLAIM_";
    id = sign_in();
    cookie = apr_pstrcat(unit_pool, COOKIE "=", id, NULL);
    ctx.now = NOW + apr_time_from_sec(1);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_ptr_null(res.session->export_names);     /* read, not kept */
    gets = fs.gets;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->sub, SUB);
    ck_assert_int_eq(fs.gets, gets);              /* from the cache */
    /* Kept with the names its claims are exported under. */
    ck_assert_ptr_nonnull(res.session->export_names);
    ck_assert_str_eq(res.session->export_names->prefix, "OIDC_CLAIM_");
    ck_assert_str_eq(oidc_claims_flat_string(res.session->flat, "sub"), SUB);

    /* Someone else's login is a write: read again, then kept again. */
    other = sign_in();
    ck_assert_ptr_nonnull(other);
    gets = fs.gets;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets + 1);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(fs.gets, gets + 1);

    /* Another process ends the session: the next request knows. */
    oidc_session_store_key(id, key);
    store.del(&store, unit_pool, key, sizeof(key));
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));

    /* A kept record still obeys the session's lifetime. */
    cookie = apr_pstrcat(unit_pool, COOKIE "=", other, NULL);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    gets = fs.gets;
    ctx.now += cfg.max_age;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(fs.gets, gets);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
}
END_TEST

/* One request with session cookie `id`. */
static void authenticate_as(const char *id, oidc_rp_result_t *res)
{
    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(unit_pool, COOKIE "=",
                                                         id, NULL)),
                         &dir, res);
}

/* An id one character off at position at. */
static const char *one_off(const char *id, int at)
{
    char *forged = apr_pstrdup(unit_pool, id);

    forged[at] = forged[at] == 'A' ? 'B' : 'A';
    return forged;
}

/* A kept record is found by the session id itself: only that exact id
 * gets it, even from the slot it shares with every other id. */
START_TEST(cached_session_only_for_its_own_id)
{
    static const apr_size_t off[] = { OIDC_SESSION_ID_LEN - 1, 0, 7, 8, 20,
                                      39, 40 };
    const char *id;
    oidc_rp_result_t res;
    apr_size_t i;
    int gets;

    keep_sessions(1, 8192);
    id = sign_in();
    authenticate_as(id, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    gets = fs.gets;
    authenticate_as(id, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets);              /* kept */

    /* One character off anywhere (the ends of the compare's words and
     * its tail): a store lookup, which finds nothing. */
    for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
        authenticate_as(one_off(id, (int)off[i]), &res);
        ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
        ck_assert_int_eq(fs.gets, gets + (int)i + 1);
    }

    /* The real id still gets its record, from the slot. */
    authenticate_as(id, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->sub, SUB);
    ck_assert_int_eq(fs.gets, gets + (int)i);
}
END_TEST

/* While the store cannot vouch for its records (a shared store whose
 * change feed is down), every request reads it and nothing is kept. */
START_TEST(cached_session_needs_a_voucher)
{
    const char *cookie;
    oidc_rp_result_t res;
    int gets, i;

    keep_sessions(8, 8192);
    cookie = apr_pstrcat(unit_pool, COOKIE "=", sign_in(), NULL);
    fs.cannot_vouch = 1;
    gets = fs.gets;
    for (i = 1; i <= 3; i++) {
        oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
        ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
        ck_assert_int_eq(fs.gets, gets + i);
    }
    /* Back: nothing read meanwhile was kept, so one read, then kept. */
    fs.cannot_vouch = 0;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets + 4);
}
END_TEST

/* A kept session is shared by the requests it serves: each may set its
 * own copy's fields, and holds the shared strings until its pool goes,
 * even after the slot has moved on to another session; the last hold
 * destroys it. (A hold let go too early reads freed memory, which the
 * sanitizer and valgrind runs of these tests report.) */
START_TEST(kept_session_is_shared_read_only)
{
    const char *id, *other;
    apr_pool_t *first, *second;
    oidc_rp_result_t res;
    oidc_session_t *held;
    int gets;

    keep_sessions(1, 8192);
    id = sign_in();
    other = sign_in();
    authenticate_as(id, &res);                    /* read and kept */
    gets = fs.gets;
    authenticate_as(id, &res);
    ck_assert_int_eq(fs.gets, gets);
    held = res.session;
    first = ctx.pool;
    ck_assert_uint_eq(oidc_session_cache_live(cfg.cache), 1);
    held->access_token = "set by this request";
    held->last_seen = 1;

    authenticate_as(id, &res);                    /* kept, as it was */
    second = ctx.pool;
    ck_assert_int_eq(fs.gets, gets);
    ck_assert_ptr_ne(res.session, held);
    ck_assert_str_eq(res.session->access_token, ACCESS_TOKEN);
    ck_assert(res.session->last_seen != 1);

    authenticate_as(other, &res);                 /* takes the one slot */
    ck_assert_int_eq(fs.gets, gets + 1);
    authenticate_as(other, &res);
    ck_assert_int_eq(fs.gets, gets + 1);
    ck_assert_str_eq(held->sub, SUB);
    ck_assert_str_eq(oidc_claims_flat_string(held->flat, "sub"), SUB);
    ck_assert_uint_eq(oidc_session_cache_live(cfg.cache), 2);
    apr_pool_destroy(first);
    ck_assert_uint_eq(oidc_session_cache_live(cfg.cache), 2);
    apr_pool_destroy(second);                     /* the last hold goes */
    ck_assert_uint_eq(oidc_session_cache_live(cfg.cache), 1);

    authenticate_as(id, &res);                    /* read again */
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets + 2);
}
END_TEST

/* Records larger than a slot are read from the store every time. */
START_TEST(cached_session_too_large_for_a_slot)
{
    const char *cookie;
    oidc_rp_result_t res;
    int gets;

    keep_sessions(8, 64);
    cookie = apr_pstrcat(unit_pool, COOKIE "=", sign_in(), NULL);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    gets = fs.gets;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets + 1);
}
END_TEST

START_TEST(unknown_or_malformed_session_cookie)
{
    oidc_rp_result_t res;

    oidc_rp_authenticate(&ctx, browser("/", COOKIE "=not-a-session-id"),
                         &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));
    ck_assert_int_eq(fs.gets, 0);     /* never looked up */

    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(
                                           unit_pool, COOKIE "=",
                                           oidc_session_new_id(unit_pool),
                                           NULL)), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));
    ck_assert_int_eq(fs.gets, 1);
}
END_TEST

/* A session made under one issuer and client does not authenticate a
 * configuration with another (another virtual host sharing the store and
 * the key), and is left alone there; its own configuration still uses it. */
START_TEST(session_bound_to_issuer_and_client)
{
    const char *id = sign_in();
    const char *cookie = apr_pstrcat(unit_pool, COOKIE "=", id, NULL);
    oidc_rp_config_t other_cfg = cfg;
    oidc_rp_ctx_t other = ctx;
    oidc_rp_result_t res;
    int dels = fs.dels;

    other.cfg = &other_cfg;
    other_cfg.client.id = "client-2";
    oidc_rp_authenticate(&other, browser("/", cookie), &dir, &res);
    ck_assert_int_ne(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert(logged("bound to another provider or client")
              || logged("made for another provider or client"));
    other_cfg.client.id = CLIENT_ID;
    other_cfg.issuer = ISSUER "/";
    oidc_rp_authenticate(&other, browser("/", cookie), &dir, &res);
    ck_assert_int_ne(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.dels, dels);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
}
END_TEST

START_TEST(store_get_fails_on_authenticate)
{
    oidc_rp_result_t res;

    fs.get_rv = APR_EGENERAL;
    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(
                                           unit_pool, COOKIE "=",
                                           oidc_session_new_id(unit_pool),
                                           NULL)), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_str_eq(res.error, "temporarily_unavailable");
    ck_assert_ptr_null(res.location);
    /* The session cookie is kept: the session may well be fine. */
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
}
END_TEST

START_TEST(session_index_bounded_and_ended)
{
    unsigned char ikey[32], skey[32];
    unsigned char *val;
    apr_size_t len;
    int i, ended = 0;

    oidc_session_index_key(unit_pool, OIDC_INDEX_SID, ISSUER, "sid-1", ikey);
    /* Per kind and issuer: another kind, issuer or value is another key. */
    oidc_session_index_key(unit_pool, OIDC_INDEX_SUB, ISSUER, "sid-1", skey);
    ck_assert(memcmp(ikey, skey, 32) != 0);
    for (i = 0; i < OIDC_SESSION_INDEX_MAX + 5; i++) {
        memset(skey, 0, sizeof(skey));
        skey[0] = (unsigned char)i;
        /* A record to end, then its index entry (twice: no duplicate). */
        ck_assert_int_eq(store.put(&store, unit_pool, skey, 32, NOW,
                                   (const unsigned char *)"r", 1),
                         APR_SUCCESS);
        ck_assert_int_eq(oidc_session_index_add(&store, unit_pool, ikey, skey,
                                                NOW), APR_SUCCESS);
        ck_assert_int_eq(oidc_session_index_add(&store, unit_pool, ikey, skey,
                                                NOW), APR_SUCCESS);
    }
    ck_assert_int_eq(store.get(&store, unit_pool, ikey, 32, &val, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, 32 * OIDC_SESSION_INDEX_MAX);
    /* The oldest entries were dropped, the newest kept. */
    ck_assert_int_eq(val[0], 5);
    ck_assert_int_eq(val[len - 32], OIDC_SESSION_INDEX_MAX + 4);

    ck_assert_int_eq(oidc_session_index_end_all(&store, unit_pool, ikey, NOW,
                                                &ended), APR_SUCCESS);
    ck_assert_int_eq(ended, OIDC_SESSION_INDEX_MAX);
    ck_assert_int_eq(store.get(&store, unit_pool, ikey, 32, &val, &len),
                     APR_NOTFOUND);
    memset(skey, 0, sizeof(skey));
    skey[0] = 6;
    ck_assert_int_eq(store.get(&store, unit_pool, skey, 32, &val, &len),
                     APR_NOTFOUND);
    /* Nothing indexed: nothing to end. */
    ck_assert_int_eq(oidc_session_index_end_all(&store, unit_pool, ikey, NOW,
                                                &ended), APR_NOTFOUND);
}
END_TEST

START_TEST(session_index_store_down)
{
    unsigned char ikey[32], skey[32] = { 1 };

    oidc_session_index_key(unit_pool, OIDC_INDEX_SUB, ISSUER, SUB, ikey);
    fs.get_rv = APR_EGENERAL;
    ck_assert_int_ne(oidc_session_index_add(&store, unit_pool, ikey, skey,
                                            NOW), APR_SUCCESS);
}
END_TEST

Suite *rp_session_suite(void)
{
    Suite *s = suite_create("rp_session");
    TCase *tc = rp_tcase("rp_session");

    tcase_add_test(tc, session_touched_after_a_while);
    tcase_add_test(tc, cached_session_follows_every_write);
    tcase_add_test(tc, cached_session_only_for_its_own_id);
    tcase_add_test(tc, cached_session_needs_a_voucher);
    tcase_add_test(tc, kept_session_is_shared_read_only);
    tcase_add_test(tc, cached_session_too_large_for_a_slot);
    tcase_add_test(tc, unknown_or_malformed_session_cookie);
    tcase_add_test(tc, session_bound_to_issuer_and_client);
    tcase_add_test(tc, store_get_fails_on_authenticate);
    tcase_add_test(tc, session_index_bounded_and_ended);
    tcase_add_test(tc, session_index_store_down);
    suite_add_tcase(s, tc);
    return s;
}
