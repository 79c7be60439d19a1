/* test_redirect.c: the open-redirect guard. */
#include "unit.h"
#include "core/http/oidc_redirect.h"

#define ORIGIN "https://site.example"

static const char *target(const char *t)
{
    return oidc_redirect_target(unit_pool, t, ORIGIN);
}

START_TEST(accepts_paths)
{
    ck_assert_str_eq(target("/a?b#c"), ORIGIN "/a?b#c");
    ck_assert_str_eq(target("/"), ORIGIN "/");
    ck_assert_str_eq(target("/app/page.html?x=1&y=%2F%2Fevil"),
                     ORIGIN "/app/page.html?x=1&y=%2F%2Fevil");
    /* '//' later in the path is harmless behind the origin. */
    ck_assert_str_eq(target("/a//b"), ORIGIN "/a//b");
}
END_TEST

START_TEST(accepts_same_origin)
{
    ck_assert_str_eq(target(ORIGIN "/x?y#z"), ORIGIN "/x?y#z");
    ck_assert_str_eq(target(ORIGIN), ORIGIN "/");
    ck_assert_str_eq(target(ORIGIN "?q=1"), ORIGIN "/?q=1");
    ck_assert_str_eq(target(ORIGIN "#frag"), ORIGIN "/#frag");
    /* Scheme and host are case-insensitive; the result uses our origin. */
    ck_assert_str_eq(target("HTTPS://SITE.EXAMPLE/p"), ORIGIN "/p");
    ck_assert_str_eq(target("https://Site.Example/p"), ORIGIN "/p");
    /* With a port in the origin. */
    ck_assert_str_eq(oidc_redirect_target(unit_pool, "https://h:8443/p",
                                          "https://h:8443"),
                     "https://h:8443/p");
    ck_assert_ptr_null(oidc_redirect_target(unit_pool, "https://h:8444/p",
                                            "https://h:8443"));
    ck_assert_ptr_null(oidc_redirect_target(unit_pool, "https://h:84430/p",
                                            "https://h:8443"));
}
END_TEST

START_TEST(rejects_open_redirects)
{
    static const char *const bad[] = {
        "//evil.com",
        "//evil.com/path",
        "///evil.com",
        "/\\evil.com",
        "/\tevil.com",
        "\\\\evil",
        "\\/evil.com",
        "https:evil.com",
        "https:/evil.com",
        "http://evil.com",
        "https://evil.com",
        "https://site.example.evil.com/",
        "https://site.example.evil.com",
        "https://site.example@evil.com",
        "https://site.example:443@evil.com",
        "https://site.example:443/",   /* another origin string */
        "https://site.example//evil.com",
        "http://site.example/",        /* other scheme */
        "javascript:alert(1)",
        "JavaScript://site.example/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.com",
        "site.example/x",
        "?x=1",
        "#frag",
        "",
        " /a",
        "/a b",
        "/a\r\nSet-Cookie: x=1",
        "/a\rb",
        "/a\nb",
        "/a\tb",
        "/a\x0b",
        "/a\x7f",
        "/\xe2\x80\xae",
        "/caf\xc3\xa9",
        "/a\\b",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *got = target(bad[i]);
        ck_assert_msg(got == NULL, "accepted \"%s\" as \"%s\"", bad[i], got);
    }
    ck_assert_ptr_null(target(NULL));
    ck_assert_ptr_null(oidc_redirect_target(unit_pool, "/a", NULL));
}
END_TEST

START_TEST(rejects_whitespace_anywhere)
{
    static const char ws[] = { ' ', '\t', '\r', '\n' };
    static const char *const bases[] = { ORIGIN "/path?q=1#f", "/path?q=1#f" };
    apr_size_t b, i, j;

    for (b = 0; b < 2; b++) {
        apr_size_t n = strlen(bases[b]);
        /* Unaltered, each is accepted. */
        ck_assert_ptr_nonnull(target(bases[b]));
        for (j = 0; j < sizeof(ws); j++) {
            for (i = 0; i <= n; i++) {
                char *t = apr_palloc(unit_pool, n + 2);
                memcpy(t, bases[b], i);
                t[i] = ws[j];
                memcpy(t + i + 1, bases[b] + i, n - i + 1);
                ck_assert_msg(target(t) == NULL,
                              "accepted 0x%02x at %u of \"%s\"",
                              (unsigned)ws[j], (unsigned)i, bases[b]);
            }
        }
    }
}
END_TEST

START_TEST(length_bound)
{
    char *long_path = unit_repeat(unit_pool, 'a', 5000);
    char *ok_path = unit_repeat(unit_pool, 'a', 4000);

    long_path[0] = '/';
    ok_path[0] = '/';
    ck_assert_ptr_null(target(long_path));
    ck_assert_ptr_nonnull(target(ok_path));
    ck_assert_uint_eq(strlen(target(ok_path)), strlen(ORIGIN) + 4000);
}
END_TEST

Suite *redirect_suite(void)
{
    Suite *s = suite_create("redirect");
    TCase *tc = unit_tcase("redirect");

    tcase_add_test(tc, accepts_paths);
    tcase_add_test(tc, accepts_same_origin);
    tcase_add_test(tc, rejects_open_redirects);
    tcase_add_test(tc, rejects_whitespace_anywhere);
    tcase_add_test(tc, length_bound);
    suite_add_tcase(s, tc);
    return s;
}
