/* test_json.c: the fast JSON reader against jansson's json_loadb, the
 * judge of what every document means. */
#include "unit.h"
#include "core/util/oidc_json.h"

/* A token response and an ID token payload as OPs send them. */
static const char token_response[] =
    "{\"access_token\":\"SlAV32hkKG\",\"token_type\":\"Bearer\","
    "\"refresh_token\":\"8xLOxBtZp8\",\"expires_in\":3600,"
    "\"id_token\":\"eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.ewogImlzcyI6"
    "ICJodHRwOi8vc2VydmVyLmV4YW1wbGUuY29tIn0.rHQjEmBqn9Jre0OLykYNnspA10Qql2"
    "rvx4FsD00jwlB0Sym4NzpgvPKsDjn_wMkHxcp6CilPcoKrWHcipR2iAjzLvDNAReF97zoJ"
    "qq880ZD1bwY82JDauCXELVR9O6_B0w3K-E7yM2macAAgNCUwtik6SjoSUZRcf-O5lygIyL"
    "ENx882p6MtmwaL1hd6qn5RZOQ0TLrOYu0532g9Exxcm-ChymrB4xLykpDj3lUivJt63eEG"
    "GN6DH5K6o33TcxkIjNrCD4XB1CKKumZvCedgHHF3IAK4dVEDSUoGlH9z4pP_eWYNXvqQOj"
    "GsEbAFFMpfN2ENnsFsnQ\",\"scope\":\"openid email\"}";

static const char id_token_payload[] =
    "{\n  \"iss\": \"https://op.example\",\n  \"sub\": \"248289761001\",\n"
    "  \"aud\": [\"client-1\", \"client-2\"],\n  \"exp\": 1311281970,\n"
    "  \"iat\": -0, \"auth_time\": 0, \"nbf\": -42,\n"
    "  \"email_verified\": true, \"phone_verified\": false,\n"
    "  \"middle_name\": null,\n  \"name\": \"Jos\xc3\xa9 \xe5\xb1\xb1\xe7\x94\xb0 "
    "\xf0\x9f\x98\x80\",\n"
    "  \"nickname\": \"say \\\"hi\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u5c71"
    "\\ud83d\\ude00\\u0041\",\n"
    "  \"address\": {\"street_address\": \"1 Main St\", \"geo\": "
    "{\"lat\": 52, \"lon\": -4, \"tags\": [[], {}, [1, [2, [3]]]]}},\n"
    "  \"groups\": [\"admins\", \"users\"], \"\": \"empty key\",\n"
    "  \"big\": 999999999999999999, \"small\": -999999999999999999,\n"
    "  \"k\\u00e9y\": \"escaped key\", \"del\": \"\x7f\"\r\n}\t ";

/* jansson's reading, or NULL. */
static json_t *jansson(const char *text, apr_size_t len)
{
    json_error_t err;
    return json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
}

/* Whether the fast reader read it, after checking that whatever it read
 * is jansson's value, and that oidc_json_load gives jansson's answer. */
static int agrees(const char *text, apr_size_t len)
{
    json_t *want = jansson(text, len), *fast = NULL, *got;
    int read = oidc_json_load_fast(text, len, &fast);

    if (read) {
        ck_assert_msg(want != NULL, "read what jansson refuses: %.*s",
                      (int)len, text);
        ck_assert_msg(json_equal(fast, want), "not jansson's value: %.*s",
                      (int)len, text);
    }
    else {
        ck_assert_ptr_null(fast);
    }
    got = oidc_json_load(text, len);
    ck_assert_msg(want == NULL ? got == NULL : json_equal(got, want),
                  "oidc_json_load differs from jansson: %.*s", (int)len, text);
    json_decref(want);
    json_decref(fast);
    json_decref(got);
    return read;
}

static int agrees_str(const char *text)
{
    return agrees(text, strlen(text));
}

START_TEST(reads_op_documents)
{
    json_t *doc = NULL;

    ck_assert(agrees(token_response, sizeof(token_response) - 1));
    ck_assert(agrees(id_token_payload, sizeof(id_token_payload) - 1));
    ck_assert(agrees_str("[]"));
    ck_assert(agrees_str(" {} "));
    ck_assert(agrees_str("[\"\", 0, -1, true, false, null, {\"a\": []}]"));

    /* Types and bytes, not only json_equal's view of them. */
    ck_assert(oidc_json_load_fast(id_token_payload,
                                  sizeof(id_token_payload) - 1, &doc));
    ck_assert(json_is_integer(json_object_get(doc, "exp")));
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "nbf")), -42);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "nickname")),
                     "say \"hi\"\\/\b\f\n\r\t\xc3\xa9\xe5\xb1\xb1"
                     "\xf0\x9f\x98\x80" "A");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "k\xc3\xa9y")),
                     "escaped key");
    ck_assert(json_is_null(json_object_get(doc, "middle_name")));
    json_decref(doc);
}
END_TEST

/* Each of these is jansson's to judge: the fast reader declines it, and
 * oidc_json_load still gives jansson's answer (a value for the valid
 * ones, NULL for the rest). */
START_TEST(leaves_the_rest_to_jansson)
{
    static const char *const declined[] = {
        "{\"exp\": 1.5}", "[1e3]", "[1E3]", "[1234567890123456789]",
        "[01]", "[-]", "[-a]", "[+1]", "[.5]",
        "\"a string\"", "1", "true", "null", "", " ", "{", "[", "}",
        "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}",
        "[\"\\u0000\"]", "{\"\\u0000\":1}", "[\"\\ud800\"]", "[\"\\udc00\"]",
        "[\"\\ud800\\u0041\"]", "[\"\\ud800x\"]", "[\"\\u12\"]",
        "[\"\\u12g4\"]", "[\"\\x41\"]", "[\"\\'\"]",
        "[\"\xc0\x80\"]", "[\"\xc1\xbf\"]", "[\"\xe0\x80\x80\"]",
        "[\"\xed\xa0\x80\"]", "[\"\xf0\x80\x80\x80\"]",
        "[\"\xf4\x90\x80\x80\"]", "[\"\xf5\x80\x80\x80\"]", "[\"\xff\"]",
        "[\"\x80\"]", "[\"\xc3\"]", "[\"\xe5\xb1\"]", "[\"\xc3\x41\"]",
        "[\"tab\there\"]", "[\"new\nline\"]",
        "[1,]", "{\"a\":1,}", "[,1]", "[1 2]", "{\"a\" 1}", "{\"a\":}",
        "{1:2}", "{'a':1}", "[tru]", "[truex]", "[nul]", "[True]",
        "[] []", "[]x", "\xef\xbb\xbf[]", "[\"a\"", "[\"a\\\"]",
        "{\"a\":1}\f", "[\v]",
    };
    char deep[2 * OIDC_JSON_FAST_DEPTH + 3];
    char long_key[2 + 256 + 4];
    apr_size_t i;

    for (i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
        ck_assert_msg(!agrees_str(declined[i]), "read %s", declined[i]);
    }
    /* An embedded NUL byte, outside and inside a string. */
    ck_assert(!agrees("[1]\0", 4));
    ck_assert(!agrees("[\"a\0\"]", 6));

    /* Depth: OIDC_JSON_FAST_DEPTH levels are read, one more is not. */
    memset(deep, '[', OIDC_JSON_FAST_DEPTH);
    memset(deep + OIDC_JSON_FAST_DEPTH, ']', OIDC_JSON_FAST_DEPTH);
    ck_assert(agrees(deep, 2 * OIDC_JSON_FAST_DEPTH));
    memset(deep, '[', OIDC_JSON_FAST_DEPTH + 1);
    memset(deep + OIDC_JSON_FAST_DEPTH + 1, ']', OIDC_JSON_FAST_DEPTH + 1);
    ck_assert(!agrees(deep, 2 * OIDC_JSON_FAST_DEPTH + 2));

    /* Member names of 255 bytes are read, longer ones are not. */
    memset(long_key, 'k', sizeof(long_key));
    long_key[0] = '{';
    long_key[1] = '"';
    memcpy(long_key + 2 + 255, "\":1}", 4);
    ck_assert(agrees(long_key, 2 + 255 + 4));
    long_key[2 + 255] = 'k';
    memcpy(long_key + 2 + 256, "\":1}", 4);
    ck_assert(!agrees(long_key, 2 + 256 + 4));
}
END_TEST

/* A small generator, so that failures reproduce. */
static unsigned long next_random(unsigned long *state)
{
    *state = *state * 6364136223846793005UL + 1442695040888963407UL;
    return *state >> 33;
}

/* Thousands of near-miss documents: the OP documents above with a few
 * bytes replaced, inserted or removed, from an alphabet of what the
 * reader decides on. Whatever the fast reader reads must be what jansson
 * reads; and enough of them must be read for that to mean something. */
START_TEST(agrees_with_jansson_on_mutations)
{
    static const char *const pieces[] = {
        "\"", "\\", "\\u", "\\ud83d", "\\ude00", "\\u0000", "0", "1", "9",
        "-", ".", "e", "{", "}", "[", "]", ",", ":", " ", "\n", "\t", "\x01",
        "\x7f", "\xc3", "\xa9", "\xc0", "\xed\xa0\x80", "\xf4\x90",
        "\xf0\x9f\x98\x80", "true", "null", "\"a\":1,", "\"sub\"", "\0",
    };
    const char *seeds[] = { token_response, id_token_payload,
                            "{\"a\":[1,{\"b\":\"c\\n\"}],\"d\":-5}" };
    apr_size_t seed_len[] = { sizeof(token_response) - 1,
                              sizeof(id_token_payload) - 1, 0 };
    unsigned long state = 20261125;
    char buf[4096];
    int round, edits, read = 0, rounds = 6000;

    seed_len[2] = strlen(seeds[2]);
    for (round = 0; round < rounds; round++) {
        int which = (int)(next_random(&state) % 3);
        apr_size_t len = seed_len[which];

        memcpy(buf, seeds[which], len);
        for (edits = 1 + (int)(next_random(&state) % 3); edits > 0; edits--) {
            const char *piece = pieces[next_random(&state)
                                       % (sizeof(pieces) / sizeof(pieces[0]))];
            apr_size_t n = piece[0] == '\0' ? 1 : strlen(piece);
            apr_size_t at = next_random(&state) % (len + 1);
            unsigned long how = next_random(&state) % 3;

            if (how == 0 && len + n < sizeof(buf)) {          /* insert */
                memmove(buf + at + n, buf + at, len - at);
                memcpy(buf + at, piece, n);
                len += n;
            }
            else if (how == 1 && at + n <= len) {             /* replace */
                memcpy(buf + at, piece, n);
            }
            else if (at < len) {                               /* remove */
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
            }
        }
        read += agrees(buf, len);
    }
    /* Most single edits inside a string leave a valid document. */
    ck_assert_msg(read > rounds / 10, "only %d of %d read", read, rounds);
    ck_assert_msg(read < rounds, "all %d read", rounds);
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = unit_tcase("json");

    tcase_add_test(tc, reads_op_documents);
    tcase_add_test(tc, leaves_the_rest_to_jansson);
    tcase_add_test(tc, agrees_with_jansson_on_mutations);
    suite_add_tcase(s, tc);
    return s;
}
