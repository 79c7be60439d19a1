/* test_flow.c: per-flow state cookies: sealing, opening, bounding. */
#include "unit.h"
#include "core/http/oidc_cookie.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/session/oidc_flow.h"

#define BASE "oidc_session"

static const unsigned char flow_key[OIDC_KEY_LEN] =
    "flow key flow key flow key flow";
static const unsigned char other_key[OIDC_KEY_LEN] =
    "another key another key another";
static const oidc_binding_t binding = { "https://op.example", "shop" };

/* 2023-11-14T22:13:20Z and a few microseconds. */
static const apr_time_t T0 = APR_INT64_C(1700000000) * APR_USEC_PER_SEC + 123;

static oidc_flow_t *new_flow(apr_time_t created)
{
    oidc_flow_t *f = oidc_flow_new(unit_pool, "https://site.example/app?x=1",
                                   "https://site.example/callback", created);
    ck_assert_ptr_nonnull(f);
    return f;
}

/* The Cookie header a browser sends back with this flow's cookie. */
static apr_array_header_t *jar(const char *extra, const oidc_flow_t *f,
                               const unsigned char *key)
{
    const char *value = oidc_flow_seal(unit_pool, key, &binding, f);
    ck_assert_ptr_nonnull(value);
    return oidc_cookies_parse(unit_pool, apr_pstrcat(
        unit_pool, extra, oidc_flow_cookie_name(unit_pool, BASE, f->state),
        "=", value, NULL));
}

static oidc_flow_status_t open_(const apr_array_header_t *cookies,
                                const char *state, apr_time_t now,
                                oidc_flow_t **out)
{
    return oidc_flow_open(unit_pool, flow_key, &binding, cookies, BASE, state,
                          now, OIDC_FLOW_MAX_AGE, out);
}

START_TEST(new_flow_fields)
{
    oidc_flow_t *f = new_flow(T0), *g = new_flow(T0);

    ck_assert_uint_eq(strlen(f->state), OIDC_FLOW_STATE_LEN);
    ck_assert(oidc_is_b64url(f->state, OIDC_FLOW_STATE_LEN));
    ck_assert_uint_eq(strlen(f->nonce), 43);
    ck_assert(oidc_is_b64url(f->nonce, 43));
    ck_assert_uint_eq(strlen(f->verifier), 43);
    ck_assert(oidc_is_b64url(f->verifier, 43));
    ck_assert_str_ne(f->state, f->nonce);
    ck_assert_str_ne(f->state, f->verifier);
    ck_assert_str_ne(f->nonce, f->verifier);
    ck_assert_str_ne(f->state, g->state);
    ck_assert_str_ne(f->nonce, g->nonce);
    ck_assert_str_eq(f->return_to, "https://site.example/app?x=1");
    ck_assert_str_eq(f->redirect_uri, "https://site.example/callback");
    ck_assert(f->created == T0);
}
END_TEST

START_TEST(cookie_name)
{
    const char *state = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";

    ck_assert_str_eq(oidc_flow_cookie_name(unit_pool, BASE, state),
                     BASE "_flow_ABCDEFGHIJKLMNOP");
}
END_TEST

START_TEST(seal_open_round_trip)
{
    oidc_flow_t *f = new_flow(T0), *g = NULL;
    const char *value = oidc_flow_seal(unit_pool, flow_key, &binding, f);
    apr_array_header_t *c;

    ck_assert_ptr_nonnull(value);
    /* "<created seconds>.<base64url>"; nothing readable inside. */
    ck_assert(strncmp(value, "1700000000.", 11) == 0);
    ck_assert(oidc_is_b64url(value + 11, strlen(value + 11)));
    ck_assert(!unit_contains(value, f->nonce));
    ck_assert(!unit_contains(value, "site.example"));
    ck_assert_uint_lt(strlen(value), 4096);

    c = jar("other=1; ", f, flow_key);
    ck_assert_int_eq(open_(c, f->state, T0 + apr_time_from_sec(30), &g),
                     OIDC_FLOW_OK);
    ck_assert_ptr_nonnull(g);
    ck_assert_str_eq(g->state, f->state);
    ck_assert_str_eq(g->nonce, f->nonce);
    ck_assert_str_eq(g->verifier, f->verifier);
    ck_assert_str_eq(g->return_to, f->return_to);
    ck_assert_str_eq(g->redirect_uri, f->redirect_uri);
    ck_assert(g->created == f->created);
}
END_TEST

START_TEST(wrong_state)
{
    oidc_flow_t *f = new_flow(T0), *g = (oidc_flow_t *)1;
    apr_array_header_t *c = jar("", f, flow_key);
    /* Another well-formed state with the same first 16 characters, so the
     * same cookie name: the AEAD must refuse it. */
    char *other = apr_pstrdup(unit_pool, f->state);

    other[30] = other[30] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(open_(c, other, T0, &g), OIDC_FLOW_INVALID);
    ck_assert_ptr_null(g);
    /* A wholly other state: no cookie by that name. */
    ck_assert_int_eq(open_(c, oidc_random_token(unit_pool, 32), T0, &g),
                     OIDC_FLOW_MISSING);
    ck_assert_ptr_null(g);
}
END_TEST

START_TEST(malformed_state)
{
    oidc_flow_t *f = new_flow(T0), *g = (oidc_flow_t *)1;
    apr_array_header_t *c = jar("", f, flow_key);
    char *plus = apr_pstrdup(unit_pool, f->state);

    ck_assert_int_eq(open_(c, "short", T0, &g), OIDC_FLOW_BAD_STATE);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(open_(c, NULL, T0, &g), OIDC_FLOW_BAD_STATE);
    ck_assert_int_eq(open_(c, "", T0, &g), OIDC_FLOW_BAD_STATE);
    ck_assert_int_eq(open_(c, apr_pstrmemdup(unit_pool, f->state, 42), T0,
                           &g), OIDC_FLOW_BAD_STATE);
    ck_assert_int_eq(open_(c, apr_pstrcat(unit_pool, f->state, "A", NULL),
                           T0, &g), OIDC_FLOW_BAD_STATE);
    plus[40] = '+';
    ck_assert_int_eq(open_(c, plus, T0, &g), OIDC_FLOW_BAD_STATE);
    plus[40] = '=';
    ck_assert_int_eq(open_(c, plus, T0, &g), OIDC_FLOW_BAD_STATE);
    ck_assert_int_eq(open_(c, f->state, T0, &g), OIDC_FLOW_OK);
}
END_TEST

START_TEST(missing_cookie)
{
    oidc_flow_t *f = new_flow(T0), *g;
    const char *name = oidc_flow_cookie_name(unit_pool, BASE, f->state);

    ck_assert_int_eq(open_(oidc_cookies_parse(unit_pool, NULL), f->state, T0,
                           &g), OIDC_FLOW_MISSING);
    ck_assert_int_eq(open_(oidc_cookies_parse(unit_pool, "a=1; b=2"),
                           f->state, T0, &g), OIDC_FLOW_MISSING);
    ck_assert_int_eq(open_(oidc_cookies_parse(
                               unit_pool, apr_pstrcat(unit_pool, name, "=",
                                                      NULL)),
                           f->state, T0, &g), OIDC_FLOW_MISSING);
    /* Another base name is not ours. */
    ck_assert_int_eq(oidc_flow_open(unit_pool, flow_key, &binding,
                                    jar("", f, flow_key), "other", f->state,
                                    T0, OIDC_FLOW_MAX_AGE, &g),
                     OIDC_FLOW_MISSING);
}
END_TEST

static apr_array_header_t *jar_value(const oidc_flow_t *f, const char *value)
{
    return oidc_cookies_parse(unit_pool, apr_pstrcat(
        unit_pool, oidc_flow_cookie_name(unit_pool, BASE, f->state), "=",
        value, NULL));
}

START_TEST(tampered_value)
{
    oidc_flow_t *f = new_flow(T0), *g = (oidc_flow_t *)1;
    const char *value = oidc_flow_seal(unit_pool, flow_key, &binding, f);
    const char *dot = strchr(value, '.');
    char *v = apr_pstrdup(unit_pool, value);
    apr_size_t i, n = strlen(value);

    /* Every character of the sealed part. */
    for (i = (apr_size_t)(dot - value) + 1; i < n; i++) {
        char saved = v[i];
        v[i] = saved == 'A' ? 'B' : 'A';
        ck_assert_msg(open_(jar_value(f, v), f->state, T0, &g)
                      == OIDC_FLOW_INVALID, "changed char %u opened",
                      (unsigned)i);
        ck_assert_ptr_null(g);
        v[i] = saved;
    }
    ck_assert_int_eq(open_(jar_value(f, v), f->state, T0, &g), OIDC_FLOW_OK);
    /* The clear creation time is bound too. */
    ck_assert_int_eq(open_(jar_value(f, apr_pstrcat(unit_pool, "1700000001",
                                                    dot, NULL)),
                           f->state, T0, &g), OIDC_FLOW_INVALID);
    ck_assert_int_eq(open_(jar_value(f, dot + 1), f->state, T0, &g),
                     OIDC_FLOW_INVALID);
    ck_assert_int_eq(open_(jar_value(f, apr_pstrcat(unit_pool, "x", dot,
                                                    NULL)),
                           f->state, T0, &g), OIDC_FLOW_INVALID);
    ck_assert_int_eq(open_(jar_value(f, apr_pstrcat(unit_pool, "-1", dot,
                                                    NULL)),
                           f->state, T0, &g), OIDC_FLOW_INVALID);
    /* Truncated, extended, garbage, oversized. */
    ck_assert_int_eq(open_(jar_value(f, apr_pstrmemdup(unit_pool, value,
                                                       n - 4)),
                           f->state, T0, &g), OIDC_FLOW_INVALID);
    ck_assert_int_eq(open_(jar_value(f, apr_pstrcat(unit_pool, value, "AAAA",
                                                    NULL)),
                           f->state, T0, &g), OIDC_FLOW_INVALID);
    ck_assert_int_eq(open_(jar_value(f, "1700000000.not+base64"), f->state,
                           T0, &g), OIDC_FLOW_INVALID);
    ck_assert_int_eq(open_(jar_value(f, "1700000000."), f->state, T0, &g),
                     OIDC_FLOW_INVALID);
    ck_assert_int_eq(open_(jar_value(f, apr_pstrcat(
                               unit_pool, "1700000000.",
                               unit_repeat(unit_pool, 'A', 5000), NULL)),
                           f->state, T0, &g), OIDC_FLOW_INVALID);
}
END_TEST

/* A flow started for one issuer or client does not complete at another
 * that shares the key (another virtual host, say). */
START_TEST(sealed_for_other_binding)
{
    static const oidc_binding_t other_iss = { "https://op.example/", "shop" };
    static const oidc_binding_t other_client = { "https://op.example",
                                                 "shop2" };
    static const oidc_binding_t shifted = { "https://op.exampleshop", "" };
    oidc_flow_t *f = new_flow(T0), *g = (oidc_flow_t *)1;
    const apr_array_header_t *cookies = jar("", f, flow_key);

    ck_assert_int_eq(oidc_flow_open(unit_pool, flow_key, &other_iss, cookies,
                                    BASE, f->state, T0, OIDC_FLOW_MAX_AGE, &g),
                     OIDC_FLOW_INVALID);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(oidc_flow_open(unit_pool, flow_key, &other_client,
                                    cookies, BASE, f->state, T0,
                                    OIDC_FLOW_MAX_AGE, &g),
                     OIDC_FLOW_INVALID);
    ck_assert_int_eq(oidc_flow_open(unit_pool, flow_key, &shifted, cookies,
                                    BASE, f->state, T0, OIDC_FLOW_MAX_AGE, &g),
                     OIDC_FLOW_INVALID);
    ck_assert_int_eq(open_(cookies, f->state, T0, &g), OIDC_FLOW_OK);
}
END_TEST

START_TEST(sealed_under_other_key)
{
    oidc_flow_t *f = new_flow(T0), *g = (oidc_flow_t *)1;

    ck_assert_int_eq(open_(jar("", f, other_key), f->state, T0, &g),
                     OIDC_FLOW_INVALID);
    ck_assert_ptr_null(g);
}
END_TEST

START_TEST(expired)
{
    oidc_flow_t *f = new_flow(T0), *g = NULL;
    apr_array_header_t *c = jar("", f, flow_key);

    ck_assert_int_eq(open_(c, f->state, T0 + apr_time_from_sec(11 * 60), &g),
                     OIDC_FLOW_EXPIRED);
    ck_assert_int_eq(open_(c, f->state, T0 + OIDC_FLOW_MAX_AGE + 1, &g),
                     OIDC_FLOW_EXPIRED);
    ck_assert_int_eq(open_(c, f->state, T0 + OIDC_FLOW_MAX_AGE, &g),
                     OIDC_FLOW_OK);
    ck_assert_int_eq(open_(c, f->state, T0 + apr_time_from_sec(9 * 60), &g),
                     OIDC_FLOW_OK);
}
END_TEST

/* AuthOIDCLoginTimeout: the lifetime is the caller's. */
START_TEST(expired_configured_lifetime)
{
    oidc_flow_t *f = new_flow(T0), *g = NULL;
    apr_array_header_t *c = jar("", f, flow_key);
    apr_interval_time_t life = apr_time_from_sec(5);

    ck_assert_int_eq(oidc_flow_open(unit_pool, flow_key, &binding, c, BASE,
                                    f->state, T0 + apr_time_from_sec(6), life,
                                    &g),
                     OIDC_FLOW_EXPIRED);
    ck_assert_int_eq(oidc_flow_open(unit_pool, flow_key, &binding, c, BASE,
                                    f->state, T0 + apr_time_from_sec(4), life,
                                    &g),
                     OIDC_FLOW_OK);
    /* Its cookie counts as dead for the evictions after the same time. */
    ck_assert_int_eq(oidc_flow_evictions(unit_pool, c, BASE,
                                         T0 + apr_time_from_sec(6),
                                         life)->nelts, 1);
    ck_assert_int_eq(oidc_flow_evictions(unit_pool, c, BASE,
                                         T0 + apr_time_from_sec(4),
                                         life)->nelts, 0);
}
END_TEST

START_TEST(future_dated)
{
    oidc_flow_t *f = new_flow(T0 + apr_time_from_sec(120)), *g = NULL;
    oidc_flow_t *near = new_flow(T0 + apr_time_from_sec(30));

    ck_assert_int_eq(open_(jar("", f, flow_key), f->state, T0, &g),
                     OIDC_FLOW_EXPIRED);
    /* A little clock difference between nodes is tolerated. */
    ck_assert_int_eq(open_(jar("", near, flow_key), near->state, T0, &g),
                     OIDC_FLOW_OK);
}
END_TEST

static int has_name(const apr_array_header_t *names, const char *name)
{
    int i;
    for (i = 0; i < names->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(names, i, const char *), name) == 0) {
            return 1;
        }
    }
    return 0;
}

START_TEST(evictions)
{
    apr_time_t now = T0 + apr_time_from_sec(100);
    const char *header = "NAMEx=1; " BASE "=session-id; other_flow_abc=1; "
                         BASE "x_flow_abc=1";
    const char *names[5];
    apr_array_header_t *c, *ev;
    int i;

    /* Five live flows, created 50, 40, 30, 20 and 10 seconds ago, in a
     * shuffled order. */
    static const int order[5] = { 2, 0, 4, 1, 3 };
    for (i = 0; i < 5; i++) {
        int k = order[i];
        oidc_flow_t *f = new_flow(now - apr_time_from_sec(50 - 10 * k));
        names[k] = oidc_flow_cookie_name(unit_pool, BASE, f->state);
        header = apr_pstrcat(unit_pool, header, "; ", names[k], "=",
                             oidc_flow_seal(unit_pool, flow_key, &binding, f), NULL);
    }
    /* One expired, two unparseable. */
    header = apr_pstrcat(unit_pool, header, "; " BASE "_flow_expired=",
                         apr_psprintf(unit_pool, "%" APR_TIME_T_FMT ".AAAA",
                                      apr_time_sec(now) - 601),
                         "; " BASE "_flow_junk=garbage; " BASE "_flow_=",
                         NULL);
    c = oidc_cookies_parse(unit_pool, header);
    ev = oidc_flow_evictions(unit_pool, c, BASE, now, OIDC_FLOW_MAX_AGE);

    /* 5 live - (MAX - 1) oldest + 3 dead. */
    ck_assert_int_eq(OIDC_FLOW_MAX_PER_BROWSER, 4);
    ck_assert_int_eq(ev->nelts, 5 - (OIDC_FLOW_MAX_PER_BROWSER - 1) + 3);
    ck_assert(has_name(ev, names[0]));      /* the oldest */
    ck_assert(has_name(ev, names[1]));
    ck_assert(!has_name(ev, names[2]));
    ck_assert(!has_name(ev, names[3]));
    ck_assert(!has_name(ev, names[4]));     /* the newest */
    ck_assert(has_name(ev, BASE "_flow_expired"));
    ck_assert(has_name(ev, BASE "_flow_junk"));
    ck_assert(has_name(ev, BASE "_flow_"));
    /* Never anything else. */
    ck_assert(!has_name(ev, "NAMEx"));
    ck_assert(!has_name(ev, BASE));
    ck_assert(!has_name(ev, "other_flow_abc"));
    ck_assert(!has_name(ev, BASE "x_flow_abc"));
}
END_TEST

/* A browser stuffed with junk flow cookies gets a bounded answer, live
 * overflow first, and the rest at its next logins. */
START_TEST(evictions_bounded)
{
    apr_time_t now = T0 + apr_time_from_sec(100);
    const char *header = "a=1", *oldest = NULL;
    apr_array_header_t *ev;
    int i;

    for (i = 0; i < 100; i++) {
        header = apr_psprintf(unit_pool, "%s; " BASE "_flow_junk%d=x", header,
                              i);
    }
    for (i = 0; i < OIDC_FLOW_MAX_PER_BROWSER; i++) {
        oidc_flow_t *f = new_flow(now - apr_time_from_sec(50 - i));
        const char *name = oidc_flow_cookie_name(unit_pool, BASE, f->state);
        oldest = oldest ? oldest : name;
        header = apr_pstrcat(unit_pool, header, "; ", name, "=",
                             oidc_flow_seal(unit_pool, flow_key, &binding, f), NULL);
    }
    ev = oidc_flow_evictions(unit_pool, oidc_cookies_parse(unit_pool, header),
                             BASE, now, OIDC_FLOW_MAX_AGE);
    ck_assert_int_eq(ev->nelts, OIDC_FLOW_MAX_EVICTIONS);
    ck_assert_str_eq(APR_ARRAY_IDX(ev, 0, const char *), oldest);
    ck_assert_str_eq(APR_ARRAY_IDX(ev, 1, const char *), BASE "_flow_junk0");
}
END_TEST

START_TEST(evictions_room_for_one_more)
{
    apr_time_t now = T0;
    const char *header = "a=1";
    const char *names[4];
    apr_array_header_t *ev;
    int i;

    for (i = 0; i < 4; i++) {
        oidc_flow_t *f = new_flow(now - apr_time_from_sec(40 - 10 * i));
        names[i] = oidc_flow_cookie_name(unit_pool, BASE, f->state);
        header = apr_pstrcat(unit_pool, header, "; ", names[i], "=",
                             oidc_flow_seal(unit_pool, flow_key, &binding, f), NULL);
        ev = oidc_flow_evictions(unit_pool,
                                 oidc_cookies_parse(unit_pool, header), BASE,
                                 now, OIDC_FLOW_MAX_AGE);
        if (i + 1 < OIDC_FLOW_MAX_PER_BROWSER) {
            ck_assert_int_eq(ev->nelts, 0);
        }
        else {
            /* With MAX live, the oldest goes to make room. */
            ck_assert_int_eq(ev->nelts, 1);
            ck_assert_str_eq(APR_ARRAY_IDX(ev, 0, const char *), names[0]);
        }
    }
    ck_assert_int_eq(oidc_flow_evictions(unit_pool,
                                         oidc_cookies_parse(unit_pool, NULL),
                                         BASE, now,
                                         OIDC_FLOW_MAX_AGE)->nelts, 0);
}
END_TEST

Suite *flow_suite(void)
{
    Suite *s = suite_create("flow");
    TCase *tc = unit_tcase("flow");

    tcase_add_test(tc, new_flow_fields);
    tcase_add_test(tc, cookie_name);
    tcase_add_test(tc, seal_open_round_trip);
    tcase_add_test(tc, wrong_state);
    tcase_add_test(tc, malformed_state);
    tcase_add_test(tc, missing_cookie);
    tcase_add_test(tc, tampered_value);
    tcase_add_test(tc, sealed_under_other_key);
    tcase_add_test(tc, sealed_for_other_binding);
    tcase_add_test(tc, expired);
    tcase_add_test(tc, expired_configured_lifetime);
    tcase_add_test(tc, future_dated);
    tcase_add_test(tc, evictions);
    tcase_add_test(tc, evictions_room_for_one_more);
    tcase_add_test(tc, evictions_bounded);
    suite_add_tcase(s, tc);
    return s;
}
