/* test_encode.c: base64url, hex, URL and HTML encodings, safe comparison. */
#include "unit.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"

static const char *dec(const char *in, apr_size_t *len)
{
    return (const char *)oidc_b64url_decode(unit_pool, in, strlen(in), len);
}

START_TEST(b64url_vectors)
{
    /* RFC 4648 §10 vectors, unpadded. */
    static const char *const plain[] = {
        "", "f", "fo", "foo", "foob", "fooba", "foobar"
    };
    static const char *const enc[] = {
        "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"
    };
    static const unsigned char url_chars[] = { 0xfb, 0xff };
    apr_size_t i, len;

    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        const char *d;
        ck_assert_str_eq(oidc_b64url_encode(unit_pool,
                                            (const unsigned char *)plain[i],
                                            strlen(plain[i])), enc[i]);
        len = 999;
        d = dec(enc[i], &len);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(len, strlen(plain[i]));
        ck_assert_str_eq(d, plain[i]);      /* NUL-terminated */
    }
    /* The URL-safe alphabet: '-' and '_' where base64 has '+' and '/'. */
    ck_assert_str_eq(oidc_b64url_encode(unit_pool, url_chars, 2), "-_8");
    ck_assert_ptr_nonnull(dec("-_8", &len));
    ck_assert_uint_eq(len, 2);
}
END_TEST

START_TEST(b64url_round_trip)
{
    unsigned char buf[300];
    apr_size_t n, len;

    for (n = 0; n < sizeof(buf); n++) {
        buf[n] = (unsigned char)(n * 7 + 3);
    }
    for (n = 0; n <= 256; n++) {
        const char *e = oidc_b64url_encode(unit_pool, buf, n);
        unsigned char *d;
        ck_assert_uint_eq(strlen(e), (n * 4 + 2) / 3);
        ck_assert(oidc_is_b64url(e, strlen(e)));
        d = oidc_b64url_decode(unit_pool, e, strlen(e), &len);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(len, n);
        ck_assert_mem_eq(d, buf, n);
    }
    /* Random bytes too. */
    for (n = 0; n < 50; n++) {
        unsigned char r[33];
        const char *e;
        unsigned char *d;
        ck_assert_int_eq(oidc_random(r, sizeof(r)), APR_SUCCESS);
        e = oidc_b64url_encode(unit_pool, r, n % sizeof(r));
        d = oidc_b64url_decode(unit_pool, e, strlen(e), &len);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(len, n % sizeof(r));
        ck_assert_mem_eq(d, r, len);
    }
}
END_TEST

START_TEST(b64url_strict)
{
    static const char *const bad[] = {
        "Zg==",         /* padding */
        "Zm8=",
        "Zm9v====",
        "Zm+v",         /* '+' from the standard alphabet */
        "Zm/v",         /* '/' */
        "Zm 9v",        /* whitespace */
        "Zm9v\n",
        "\tZm9v",
        "Zm9vY",        /* length % 4 == 1 */
        "Z",
        "Zh",           /* non-canonical trailing bits ("Zg" is 'f') */
        "Zm9",          /* ("Zm8" is "fo") */
        "Zm9vYh",
        "Zm.v",         /* any other character */
        "Zm9v%3D",
    };
    apr_size_t i, len;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(dec(bad[i], &len) == NULL, "accepted \"%s\"", bad[i]);
    }
    /* An embedded NUL is not part of the alphabet either. */
    ck_assert_ptr_null(oidc_b64url_decode(unit_pool, "Zm\0v", 4, &len));
    /* The length given is what is decoded, not the C string. */
    ck_assert_ptr_nonnull(oidc_b64url_decode(unit_pool, "Zm9v====", 4, &len));
    ck_assert_uint_eq(len, 3);

    ck_assert(oidc_is_b64url("AZaz09-_", 8));
    ck_assert(oidc_is_b64url("", 0));
    ck_assert(!oidc_is_b64url("abc=", 4));
    ck_assert(!oidc_is_b64url("ab+c", 4));
    ck_assert(!oidc_is_b64url("ab/c", 4));
    ck_assert(!oidc_is_b64url("ab c", 4));
    ck_assert(!oidc_is_b64url("ab\xc3\xa9", 4));

    /* Every byte: in the alphabet exactly when RFC 4648 section 5 lists it,
     * and decoding to its place there. */
    for (i = 0; i < 256; i++) {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "abcdefghijklmnopqrstuvwxyz"
                                       "0123456789-_";
        char in[4] = { (char)i, 'A', 'A', 'A' };
        const char *at = i != 0 ? strchr(alphabet, (int)i) : NULL;
        const unsigned char *out;

        ck_assert_msg(oidc_is_b64url(in, 1) == (at != NULL), "byte %zu",
                      (size_t)i);
        out = oidc_b64url_decode(unit_pool, in, 4, &len);
        ck_assert_msg((out != NULL) == (at != NULL), "byte %zu", (size_t)i);
        if (out != NULL) {
            ck_assert_uint_eq(out[0] >> 2, (unsigned)(at - alphabet));
        }
    }
}
END_TEST

START_TEST(hex)
{
    static const unsigned char d[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };

    ck_assert_str_eq(oidc_hex_encode(unit_pool, d, sizeof(d)),
                     "00017f80abff");
    ck_assert_str_eq(oidc_hex_encode(unit_pool, d, 0), "");
}
END_TEST

START_TEST(hex_decode)
{
    unsigned char out[8];
    apr_size_t n = 99;

    ck_assert_int_eq(oidc_hex_decode("00017f80abff", 12, out, &n),
                     APR_SUCCESS);
    ck_assert_uint_eq(n, 6);
    ck_assert(memcmp(out, "\x00\x01\x7f\x80\xab\xff", 6) == 0);
    ck_assert_int_eq(oidc_hex_decode("", 0, out, &n), APR_SUCCESS);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(oidc_hex_decode("abc", 3, out, &n), APR_EINVAL);
    ck_assert_int_eq(oidc_hex_decode("AbcD", 4, out, &n), APR_SUCCESS);
    ck_assert(n == 2 && memcmp(out, "\xab\xcd", 2) == 0);
    ck_assert_int_eq(oidc_hex_decode("g0", 2, out, &n), APR_EINVAL);
    ck_assert_int_eq(oidc_hex_decode("0:", 2, out, &n), APR_EINVAL);
}
END_TEST

START_TEST(url_encode)
{
    ck_assert_str_eq(oidc_url_encode(unit_pool, "AZaz09-._*"), "AZaz09-._*");
    ck_assert_str_eq(oidc_url_encode(unit_pool, "a b&c=d/e?f#g+h%~"),
                     "a+b%26c%3dd%2fe%3ff%23g%2bh%25%7e");
    ck_assert_str_eq(oidc_url_encode(unit_pool, "\xc3\xa9\r\n"),
                     "%c3%a9%0d%0a");
    ck_assert_str_eq(oidc_url_encode(unit_pool, ""), "");
}
END_TEST

static const char *udec(const char *s)
{
    return oidc_url_decode(unit_pool, s, strlen(s));
}

START_TEST(url_decode)
{
    static const char *const malformed[] = {
        "%", "%4", "a%", "a%4", "%G1", "%4G", "%%41", "%-1", "% 1", "%4 ",
        "%00", "a%00b", "%0", "%+1"
    };
    const char *odd = "x y&z=\xc3\xa9/%+";
    apr_size_t i;

    ck_assert_str_eq(udec("a+b%20c"), "a b c");
    ck_assert_str_eq(udec("%41%6a%6A"), "Ajj");
    ck_assert_str_eq(udec("%2B"), "+");
    ck_assert_str_eq(udec("%25"), "%");
    ck_assert_str_eq(udec(""), "");
    ck_assert_str_eq(udec("%01"), "\x01");
    ck_assert_str_eq(udec("%C3%A9"), "\xc3\xa9");
    for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        ck_assert_msg(udec(malformed[i]) == NULL, "accepted \"%s\"",
                      malformed[i]);
    }
    /* Only len bytes are read. */
    ck_assert_str_eq(oidc_url_decode(unit_pool, "abc%41", 3), "abc");
    ck_assert_ptr_null(oidc_url_decode(unit_pool, "ab%41", 4));
    ck_assert_ptr_null(oidc_url_decode(unit_pool, "a\0b", 3));
    /* Round trip. */
    ck_assert_str_eq(udec(oidc_url_encode(unit_pool, odd)), odd);
}
END_TEST

START_TEST(html_escape)
{
    ck_assert_str_eq(oidc_html_escape(unit_pool,
                                      "<a href=\"x\">'&'</a>"),
                     "&lt;a href=&quot;x&quot;&gt;'&amp;'&lt;/a&gt;");
    ck_assert_str_eq(oidc_html_escape(unit_pool, "plain text"), "plain text");
    ck_assert_str_eq(oidc_html_escape(unit_pool, ""), "");
    ck_assert_str_eq(oidc_html_escape(unit_pool, "&amp;"), "&amp;amp;");
}
END_TEST

START_TEST(secure_streq)
{
    ck_assert(oidc_secure_streq("abc", "abc"));
    ck_assert(oidc_secure_streq("", ""));
    ck_assert(!oidc_secure_streq("abc", "abd"));
    ck_assert(!oidc_secure_streq("abc", "ab"));
    ck_assert(!oidc_secure_streq("ab", "abc"));
    ck_assert(!oidc_secure_streq("abc", "ABC"));
    ck_assert(!oidc_secure_streq(NULL, "abc"));
    ck_assert(!oidc_secure_streq("abc", NULL));
    ck_assert(!oidc_secure_streq(NULL, NULL));
}
END_TEST

Suite *encode_suite(void)
{
    Suite *s = suite_create("encode");
    TCase *tc = unit_tcase("encode");

    tcase_add_test(tc, b64url_vectors);
    tcase_add_test(tc, b64url_round_trip);
    tcase_add_test(tc, b64url_strict);
    tcase_add_test(tc, hex);
    tcase_add_test(tc, hex_decode);
    tcase_add_test(tc, url_encode);
    tcase_add_test(tc, url_decode);
    tcase_add_test(tc, html_escape);
    tcase_add_test(tc, secure_streq);
    suite_add_tcase(s, tc);
    return s;
}
