/* test_cookie.c: the Cookie header in, Set-Cookie values out. */
#include "unit.h"
#include "core/http/oidc_cookie.h"

static const oidc_cookie_t *at(const apr_array_header_t *a, int i)
{
    return &APR_ARRAY_IDX(a, i, oidc_cookie_t);
}

START_TEST(parse_basic)
{
    apr_array_header_t *c = oidc_cookies_parse(unit_pool,
                                               "a=1; b=two;c=3 ;  d = 4  ");

    ck_assert_int_eq(c->nelts, 4);
    ck_assert_str_eq(at(c, 0)->name, "a");
    ck_assert_str_eq(at(c, 0)->value, "1");
    ck_assert_str_eq(at(c, 1)->name, "b");
    ck_assert_str_eq(at(c, 1)->value, "two");
    ck_assert_str_eq(at(c, 2)->name, "c");
    ck_assert_str_eq(at(c, 2)->value, "3");
    ck_assert_str_eq(at(c, 3)->name, "d");
    ck_assert_str_eq(at(c, 3)->value, "4");
}
END_TEST

START_TEST(parse_junk)
{
    apr_array_header_t *c = oidc_cookies_parse(
        unit_pool, "junk; a=1;; ;noequals ;b=x=y; =empty-name;c=");

    ck_assert_int_eq(c->nelts, 4);
    ck_assert_str_eq(at(c, 0)->name, "a");
    ck_assert_str_eq(at(c, 0)->value, "1");
    ck_assert_str_eq(at(c, 1)->name, "b");
    ck_assert_str_eq(at(c, 1)->value, "x=y");
    ck_assert_str_eq(at(c, 2)->name, "");
    ck_assert_str_eq(at(c, 2)->value, "empty-name");
    ck_assert_str_eq(at(c, 3)->name, "c");
    ck_assert_str_eq(at(c, 3)->value, "");

    ck_assert_int_eq(oidc_cookies_parse(unit_pool, NULL)->nelts, 0);
    ck_assert_int_eq(oidc_cookies_parse(unit_pool, "")->nelts, 0);
    ck_assert_int_eq(oidc_cookies_parse(unit_pool, "no-pairs;here")->nelts, 0);
}
END_TEST

/* A cookie bomb (a site's many other cookies before ours) must not hide
 * the module's own cookie: every cookie within the header's byte bound is
 * read, and what lies beyond the bound is not. */
START_TEST(parse_bounded_by_bytes)
{
    const char *h = "c0=v0", *tail;
    apr_array_header_t *c;
    char *huge;
    int i;

    for (i = 1; i < 300; i++) {
        h = apr_psprintf(unit_pool, "%s; c%d=v%d", h, i, i);
    }
    tail = apr_pstrcat(unit_pool, h, "; oidc_session=mine", NULL);
    c = oidc_cookies_parse(unit_pool, tail);
    ck_assert_int_eq(c->nelts, 301);
    ck_assert_str_eq(at(c, 0)->name, "c0");
    ck_assert_str_eq(oidc_cookie_get(c, "c150"), "v150");
    ck_assert_str_eq(oidc_cookie_get(c, "oidc_session"), "mine");
    ck_assert_str_eq(oidc_cookie_find(unit_pool, tail, "oidc_session"),
                     "mine");

    /* Past OIDC_MAX_COOKIE_HEADER bytes nothing is read. */
    huge = apr_palloc(unit_pool, OIDC_MAX_COOKIE_HEADER + 64);
    memset(huge, 'x', OIDC_MAX_COOKIE_HEADER + 63);
    memcpy(huge, "a=", 2);
    memcpy(huge + OIDC_MAX_COOKIE_HEADER + 30, "; late=1", 8);
    huge[OIDC_MAX_COOKIE_HEADER + 63] = '\0';
    ck_assert_ptr_null(oidc_cookie_find(unit_pool, huge, "late"));
    c = oidc_cookies_parse(unit_pool, huge);
    ck_assert_int_eq(c->nelts, 1);
    ck_assert_uint_eq(strlen(at(c, 0)->value), OIDC_MAX_COOKIE_HEADER - 2);
}
END_TEST

START_TEST(get)
{
    apr_array_header_t *c = oidc_cookies_parse(
        unit_pool, "x=1; sess=first; sess=second; sessx=3; Sess=4");

    ck_assert_str_eq(oidc_cookie_get(c, "sess"), "first");
    ck_assert_str_eq(oidc_cookie_get(c, "sessx"), "3");
    ck_assert_str_eq(oidc_cookie_get(c, "Sess"), "4");  /* case matters */
    ck_assert_ptr_null(oidc_cookie_get(c, "ses"));
    ck_assert_ptr_null(oidc_cookie_get(c, "nope"));
}
END_TEST

/* find answers exactly as parse then get, on junk and past the bound. */
START_TEST(find_as_parse_then_get)
{
    static const char *const names[] = {
        "sess", "Sess", "sessx", "ses", "x", "", "c150", "c0", "a b", NULL
    };
    const char *headers[] = {
        "x=1; sess=first; sess=second; sessx=3; Sess=4",
        " sess = padded\t;\tx=\t2 ", "sess", "sess=", "=sess; sess=v",
        "junk;;; ;=;sess==a=b;", "a b=1; sess=2", "", NULL, NULL
    };
    const char *many = "c0=v0";
    int h, n;

    for (h = 1; h < 200; h++) {
        many = apr_psprintf(unit_pool, "%s; c%d=v%d", many, h, h);
    }
    headers[8] = many;
    for (h = 0; h < 10; h++) {
        apr_array_header_t *c = oidc_cookies_parse(unit_pool, headers[h]);
        for (n = 0; names[n] != NULL; n++) {
            const char *want = oidc_cookie_get(c, names[n]);
            const char *got = oidc_cookie_find(unit_pool, headers[h], names[n]);
            if (want == NULL) {
                ck_assert_ptr_null(got);
            }
            else {
                ck_assert_ptr_nonnull(got);
                ck_assert_str_eq(got, want);
            }
        }
    }
    ck_assert_str_eq(oidc_cookie_find(unit_pool, headers[1], "sess"),
                     "padded");
    ck_assert_str_eq(oidc_cookie_find(unit_pool, many, "c0"), "v0");
    ck_assert_str_eq(oidc_cookie_find(unit_pool, many, "c150"), "v150");
}
END_TEST

START_TEST(make)
{
    ck_assert_str_eq(oidc_cookie_make(unit_pool, "n", "v", 0, -1),
                     "n=v; Path=/; HttpOnly; SameSite=Lax");
    ck_assert_str_eq(oidc_cookie_make(unit_pool, "n", "v", 1, -1),
                     "n=v; Path=/; HttpOnly; SameSite=Lax; Secure");
    ck_assert_str_eq(oidc_cookie_make(unit_pool, "n", "v", 1,
                                      apr_time_from_sec(600)),
                     "n=v; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; "
                     "Secure");
    ck_assert(!unit_contains(oidc_cookie_make(unit_pool, "n", "v", 0,
                                              apr_time_from_sec(5)),
                             "Secure"));
}
END_TEST

START_TEST(make_delete)
{
    const char *del = oidc_cookie_make(unit_pool, "n", "still-here", 0, 0);

    ck_assert(!unit_contains(del, "still-here"));
    ck_assert(unit_contains(del, "n=;"));
    ck_assert(unit_contains(del, "Max-Age=0"));
    ck_assert(unit_contains(del, "Expires=Thu, 01 Jan 1970 00:00:00 GMT"));
    ck_assert(unit_contains(del, "Path=/"));
    ck_assert(!unit_contains(del, "Secure"));
    ck_assert(unit_contains(oidc_cookie_make(unit_pool, "n", "x", 1, 0),
                            "; Secure"));
}
END_TEST

START_TEST(strip_own)
{
    const char *h = "a=1; NAME=secret-session;NAME_flow_abcdef=123.xyz; "
                    "NAMEx=2;  xNAME=3 ; b=two words; NAME_flowx=4; "
                    "NAME_=5; c=";

    ck_assert_str_eq(oidc_cookies_strip_own(unit_pool, h, "NAME"),
                     "a=1; NAMEx=2; xNAME=3; b=two words; NAME_flowx=4; "
                     "NAME_=5; c=");
}
END_TEST

START_TEST(strip_own_order_and_count)
{
    const char *h = "", *want = "";
    int i;

    /* However many there are, all others are kept. */
    for (i = 0; i < 150; i++) {
        h = apr_psprintf(unit_pool, "%s%sk%d=%d; NAME_flow_%d=x", h,
                         i ? "; " : "", i, i, i);
        want = apr_psprintf(unit_pool, "%s%sk%d=%d", want, i ? "; " : "",
                            i, i);
    }
    ck_assert_str_eq(oidc_cookies_strip_own(unit_pool, h, "NAME"), want);
}
END_TEST

START_TEST(strip_own_nothing_left)
{
    ck_assert_ptr_null(oidc_cookies_strip_own(
        unit_pool, "NAME=x; NAME_flow_a=1;NAME_flow_b=2", "NAME"));
    ck_assert_ptr_null(oidc_cookies_strip_own(unit_pool, " NAME = x ; ;",
                                              "NAME"));
    ck_assert_ptr_null(oidc_cookies_strip_own(unit_pool, "", "NAME"));
    ck_assert_ptr_null(oidc_cookies_strip_own(unit_pool, NULL, "NAME"));
    /* Nothing of ours: the header stays as it was. */
    ck_assert_str_eq(oidc_cookies_strip_own(unit_pool, "a=1; b=2", "NAME"),
                     "a=1; b=2");
}
END_TEST

/* The shortcut fixups takes for a lone session cookie: it says "only
 * ours" exactly when stripping ours leaves nothing, for these headers. */
START_TEST(only_own_cookie)
{
    static const struct {
        const char *header;
        int only;
    } cases[] = {
        { "NAME=secret", 1 },
        { "NAME=", 1 },
        { "NAME=a, b=c", 1 },      /* two headers httpd merged: one piece */
        { "NAME=secret; a=1", 0 },
        { "NAME=secret;", 0 },     /* nothing left either, the long way */
        { " NAME=secret", 0 },
        { "NAMEx=1", 0 },
        { "NAME_flow_abc=1", 0 },
        { "NAME", 0 },
        { "a=1", 0 },
        { "", 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(oidc_cookie_is_only(cases[i].header, "NAME")
                      == cases[i].only, "%s", cases[i].header);
        if (cases[i].only) {
            ck_assert_ptr_null(oidc_cookies_strip_own(
                unit_pool, cases[i].header, "NAME"));
        }
    }
}
END_TEST

Suite *cookie_suite(void)
{
    Suite *s = suite_create("cookie");
    TCase *tc = unit_tcase("cookie");

    tcase_add_test(tc, parse_basic);
    tcase_add_test(tc, parse_junk);
    tcase_add_test(tc, parse_bounded_by_bytes);
    tcase_add_test(tc, get);
    tcase_add_test(tc, find_as_parse_then_get);
    tcase_add_test(tc, make);
    tcase_add_test(tc, make_delete);
    tcase_add_test(tc, strip_own);
    tcase_add_test(tc, strip_own_order_and_count);
    tcase_add_test(tc, strip_own_nothing_left);
    tcase_add_test(tc, only_own_cookie);
    suite_add_tcase(s, tc);
    return s;
}
