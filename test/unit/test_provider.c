/* test_provider.c: the per-process cache of the OP's metadata and keys
 * (oidc_provider.c), and the RP's refetch of the keys when a token names
 * a kid it does not know (oidc_rp_with_keys): how often the OP is asked,
 * also when it fails and when many ask at once. The fake OP, logger and
 * clock are the RP tests' (rp_fixture.h). */
#include <stdlib.h>
#include <apr_thread_proc.h>

#include "rp_fixture.h"

#define THROTTLE OIDC_PROVIDER_KEY_REFETCH_THROTTLE
#define BACKOFF OIDC_PROVIDER_FAILURE_BACKOFF

static oidc_outcome_t get_at(apr_interval_time_t after,
                                     const oidc_provider_snapshot_t **snap)
{
    return oidc_provider_get(cfg.provider, unit_pool, &http, &logger,
                             NOW + after, snap);
}

static oidc_outcome_t refetch_at(apr_interval_time_t after,
                                         const oidc_provider_snapshot_t **s)
{
    return oidc_provider_refresh_keys(cfg.provider, unit_pool, &http,
                                      &logger, NOW + after, s);
}

/* How many lines containing text were logged. */
static int times_logged(const char *text)
{
    int i, n = 0;

    for (i = 0; i < log_lines->nelts; i++) {
        n += unit_contains(APR_ARRAY_IDX(log_lines, i, const char *), text);
    }
    return n;
}

/* The JWKS the OP publishes after rotating to rsa-2 alone. */
static const char *rotated_jwks(void)
{
    return unit_jwks_text(unit_pool,
                          unit_jwk_public(unit_pool, &unit_rsa2, "rsa-2",
                                          NULL, "sig"), NULL);
}

/* An unknown kid refetches the JWKS at most once per throttle interval,
 * and never the discovery document. */
START_TEST(key_refetch_throttled)
{
    const oidc_provider_snapshot_t *snap;

    ck_assert_int_eq(get_at(0, &snap), OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.discovery_calls, 1);
    ck_assert_int_eq(op.jwks_calls, 1);
    ck_assert_int_eq(refetch_at(0, &snap), OIDC_OUTCOME_OK);
    ck_assert_ptr_nonnull(snap);
    ck_assert_int_eq(op.jwks_calls, 2);
    ck_assert_int_eq(refetch_at(apr_time_from_sec(1), &snap),
                     OIDC_OUTCOME_OK);
    ck_assert_ptr_nonnull(snap);
    ck_assert_int_eq(refetch_at(THROTTLE - 1, &snap), OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.jwks_calls, 2);
    /* The interval is over: once more, then throttled again. */
    ck_assert_int_eq(refetch_at(THROTTLE, &snap), OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.jwks_calls, 3);
    ck_assert_int_eq(refetch_at(2 * THROTTLE - 1, &snap), OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.jwks_calls, 3);
    ck_assert_int_eq(op.discovery_calls, 1);
}
END_TEST

/* A refetch publishes the OP's new keys to every later reader, while a
 * reader of the old snapshot keeps it intact; the metadata keeps its
 * age, so it is refreshed when it was due anyway. */
START_TEST(key_refetch_publishes_rotated_keys)
{
    const oidc_provider_snapshot_t *old, *fresh, *later;
    const oidc_jwk_t *k;

    ck_assert_int_eq(get_at(0, &old), OIDC_OUTCOME_OK);
    ck_assert_int_eq(old->jwks->keys->nelts, 2);
    op.jwks = rotated_jwks();
    ck_assert_int_eq(refetch_at(apr_time_from_sec(5), &fresh),
                     OIDC_OUTCOME_OK);
    ck_assert_ptr_ne(fresh, old);
    ck_assert_int_eq(fresh->jwks->keys->nelts, 1);
    k = &APR_ARRAY_IDX(fresh->jwks->keys, 0, oidc_jwk_t);
    ck_assert_str_eq(k->kid, "rsa-2");
    ck_assert_str_eq(fresh->meta->token_endpoint, ISSUER "/token");
    ck_assert(fresh->fetched == NOW);
    ck_assert_int_eq(old->jwks->keys->nelts, 2);          /* still whole */
    ck_assert_str_eq(old->meta->jwks_uri, ISSUER "/jwks");

    ck_assert_int_eq(get_at(apr_time_from_sec(6), &later), OIDC_OUTCOME_OK);
    ck_assert_ptr_eq(later, fresh);
    ck_assert_int_eq(op.discovery_calls + op.jwks_calls, 3);
    /* An hour after the first fetch, not after the refetch: all again. */
    ck_assert_int_eq(get_at(apr_time_from_sec(3601), &later),
                     OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.discovery_calls, 2);
    ck_assert_int_eq(op.jwks_calls, 3);
}
END_TEST

/* A refetch that fails counts against the throttle as well: an OP whose
 * JWKS endpoint is broken is asked once per interval, however many
 * tokens with unknown kids arrive, and the keys it had keep serving. */
START_TEST(failed_key_refetch_throttled)
{
    const oidc_provider_snapshot_t *snap, *kept;
    int i;

    ck_assert_int_eq(get_at(0, &kept), OIDC_OUTCOME_OK);
    op.jwks_status = 500;
    ck_assert_int_eq(refetch_at(0, &snap), OIDC_OUTCOME_BAD_RESPONSE);
    ck_assert_ptr_eq(snap, kept);
    ck_assert_int_eq(op.jwks_calls, 2);
    for (i = 1; i <= 50; i++) {
        ck_assert_int_eq(refetch_at(i * (THROTTLE / 100), &snap),
                         OIDC_OUTCOME_OK);
        ck_assert_ptr_eq(snap, kept);
    }
    ck_assert_int_eq(op.jwks_calls, 2);
    ck_assert_int_eq(times_logged("oidc-provider: fetching JWKS from "
                                  ISSUER "/jwks: HTTP status 500"), 1);
    ck_assert_int_eq(get_at(apr_time_from_sec(1), &snap), OIDC_OUTCOME_OK);
    ck_assert_ptr_eq(snap, kept);
    /* Unavailable (503) after the interval: asked once more. */
    op.jwks_status = 503;
    ck_assert_int_eq(refetch_at(THROTTLE, &snap), OIDC_OUTCOME_UNREACHABLE);
    ck_assert_int_eq(op.jwks_calls, 3);
    ck_assert_ptr_eq(snap, kept);
}
END_TEST

/* Before anything was fetched there is nothing to refetch keys for: no
 * request at all (the next oidc_provider_get fetches everything). */
START_TEST(key_refetch_before_first_fetch)
{
    const oidc_provider_snapshot_t *snap;

    ck_assert_int_eq(refetch_at(0, &snap), OIDC_OUTCOME_UNREACHABLE);
    ck_assert_ptr_null(snap);
    ck_assert_int_eq(op.discovery_calls + op.jwks_calls, 0);
    ck_assert_int_eq(get_at(0, &snap), OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.jwks_calls, 1);
}
END_TEST

/* An OP that cannot be reached: without a snapshot, the failure is
 * remembered for the backoff; with a stale one, that keeps serving and
 * the OP is asked again only after the backoff. */
START_TEST(failure_backoff_then_retry)
{
    const oidc_provider_snapshot_t *snap, *stale;
    const apr_interval_time_t hour = apr_time_from_sec(3600);

    op.discovery_rv = APR_ECONNREFUSED;
    ck_assert_int_eq(get_at(0, &snap), OIDC_OUTCOME_UNREACHABLE);
    ck_assert_int_eq(get_at(BACKOFF - 1, &snap), OIDC_OUTCOME_UNREACHABLE);
    ck_assert_int_eq(op.discovery_calls, 1);
    op.discovery_rv = APR_SUCCESS;
    ck_assert_int_eq(get_at(BACKOFF, &stale), OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.discovery_calls, 2);

    op.discovery_rv = APR_ECONNREFUSED;
    ck_assert_int_eq(get_at(BACKOFF + hour + 1, &snap), OIDC_OUTCOME_OK);
    ck_assert_ptr_eq(snap, stale);
    ck_assert_int_eq(op.discovery_calls, 3);
    ck_assert_int_eq(get_at(2 * BACKOFF + hour, &snap), OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.discovery_calls, 3);
    ck_assert_int_eq(get_at(2 * BACKOFF + hour + 1, &snap), OIDC_OUTCOME_OK);
    ck_assert_int_eq(op.discovery_calls, 4);
    ck_assert_ptr_eq(snap, stale);
}
END_TEST

/* ---- many at once ------------------------------------------------------- */

#define THREADS 8

typedef struct {
    apr_pool_t *pool;
    oidc_outcome_t st;
    const oidc_provider_snapshot_t *snap;
} refetcher_t;

static void *APR_THREAD_FUNC refetch_thread(apr_thread_t *t, void *data)
{
    refetcher_t *r = data;

    r->st = oidc_provider_refresh_keys(cfg.provider, r->pool, &http, &logger,
                                       NOW, &r->snap);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* THREADS threads refetch at the same moment, while the OP takes its time
 * to answer: one JWKS request in all, and each thread gets a snapshot. */
static void refetch_at_once(void)
{
    apr_thread_t *threads[THREADS];
    refetcher_t r[THREADS];
    apr_status_t rv;
    int i;

    for (i = 0; i < THREADS; i++) {
        /* Root pools: allocated from in another thread each. */
        ck_assert_int_eq(apr_pool_create(&r[i].pool, NULL), APR_SUCCESS);
        r[i].snap = NULL;
        ck_assert_int_eq(apr_thread_create(&threads[i], NULL, refetch_thread,
                                           &r[i], unit_pool), APR_SUCCESS);
    }
    for (i = 0; i < THREADS; i++) {
        ck_assert_int_eq(apr_thread_join(&rv, threads[i]), APR_SUCCESS);
        ck_assert_ptr_nonnull(r[i].snap);
        ck_assert_ptr_nonnull(r[i].snap->jwks);
        apr_pool_destroy(r[i].pool);
    }
}

START_TEST(concurrent_key_refetches_ask_once)
{
    const oidc_provider_snapshot_t *snap;

    ck_assert_int_eq(get_at(0, &snap), OIDC_OUTCOME_OK);
    op.jwks_delay = apr_time_from_msec(50);
    refetch_at_once();
    ck_assert_int_eq(op.jwks_calls, 2);
    /* The same when the OP fails. */
    op.jwks_status = 500;
    cfg.provider = oidc_provider_create(unit_pool, ISSUER,
                                        apr_time_from_sec(3600));
    ck_assert_int_eq(get_at(0, &snap), OIDC_OUTCOME_BAD_RESPONSE);
    op.jwks_status = 0;
    ck_assert_int_eq(get_at(BACKOFF, &snap), OIDC_OUTCOME_OK);
    op.jwks_status = 500;
    op.jwks_calls = 0;
    refetch_at_once();
    ck_assert_int_eq(op.jwks_calls, 1);
}
END_TEST

/* ---- through the RP's flows -------------------------------------------- */

/* An ID token for nonce, signed by k under kid. */
static const char *id_token_signed_by(const unit_key_t *k, const char *kid,
                                      const char *nonce)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}",
                          "iss", ISSUER, "sub", SUB, "aud", CLIENT_ID,
                          "exp", (json_int_t)(NOW_SEC + 300),
                          "iat", (json_int_t)NOW_SEC, "nonce", nonce);
    return unit_jws_sign_claims(unit_pool, k, kid, c);
}

/* A login whose ID token is signed under kid rsa-2, at NOW + after. */
static oidc_rp_result_t login_with_rsa2(apr_interval_time_t after)
{
    oidc_rp_result_t res;
    started_t st;

    ctx.now = NOW + after;
    st = start("/", NULL);
    op_issues(id_token_signed_by(&unit_rsa2, "rsa-2", st.nonce));
    run_callback(&st, &res);
    return res;
}

/* The OP signs with a key the RP has not seen: one refetch, and while
 * the key is still missing, further logins within the throttle do not
 * ask again; once the OP publishes it, a login after the throttle
 * succeeds. */
START_TEST(callback_unknown_kid_refetches_once)
{
    oidc_rp_result_t res;
    int i;

    res = login_with_rsa2(0);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 401);
    ck_assert_str_eq(res.error, "invalid_token");
    ck_assert_int_eq(op.jwks_calls, 2);
    ck_assert(logged("oidc-idtoken: ID token names an unknown kid: "
                     "refetching the JWKS"));
    for (i = 1; i <= 5; i++) {
        res = login_with_rsa2(i * apr_time_from_sec(1));
        ck_assert_int_eq(res.status, 401);
    }
    ck_assert_int_eq(op.jwks_calls, 2);
    ck_assert_int_eq(times_logged("refetching the JWKS"), 6);

    op.jwks = rotated_jwks();
    res = login_with_rsa2(THROTTLE);
    ck_assert_msg(res.kind == OIDC_RP_REDIRECT, "status %d: %s", res.status,
                  res.message);
    ck_assert_ptr_nonnull(res.session_id);
    ck_assert_int_eq(op.jwks_calls, 3);
    ck_assert_int_eq(op.discovery_calls, 1);
}
END_TEST

Suite *provider_suite(void)
{
    Suite *s = suite_create("provider");
    TCase *tc = rp_tcase("provider");

    tcase_add_test(tc, key_refetch_throttled);
    tcase_add_test(tc, key_refetch_publishes_rotated_keys);
    tcase_add_test(tc, failed_key_refetch_throttled);
    tcase_add_test(tc, key_refetch_before_first_fetch);
    tcase_add_test(tc, failure_backoff_then_retry);
    tcase_add_test(tc, concurrent_key_refetches_ask_once);
    tcase_add_test(tc, callback_unknown_kid_refetches_once);
    suite_add_tcase(s, tc);
    return s;
}
