/* test_change_feed.c: what a tracking connection's bytes mean for the
 * session keys (oidc_change_feed.c), fed as redis 7 sends them. */
#include "unit.h"
#include "core/cache/oidc_change_feed.h"

#define HELLO_REPLY "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n" \
    "$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:3\r\n$4\r\nmode\r\n" \
    "$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n" \
    "*0\r\n"
/* A record key (hex), a lock's name and a key of another namespace. */
#define PUSH_KEYS ">2\r\n$10\r\ninvalidate\r\n*3\r\n$16\r\nauthnz_oidc:abcd" \
    "\r\n$24\r\nauthnz_oidc:claim:00ff00\r\n$10\r\nother:abcd\r\n"
#define FLUSHED ">2\r\n$10\r\ninvalidate\r\n_\r\n"

typedef struct {
    int changed, flushed, ponged;
    unsigned char key[OIDC_CHANGE_FEED_MAX_KEY];
    apr_size_t key_len;
} events_t;

static void on_changed(void *baton, const unsigned char *key, apr_size_t n)
{
    events_t *e = baton;
    e->changed++;
    memcpy(e->key, key, n);
    e->key_len = n;
}

static void on_flushed(void *baton) { ((events_t *)baton)->flushed++; }
static void on_ponged(void *baton) { ((events_t *)baton)->ponged++; }

static oidc_change_feed_t feed(events_t *e)
{
    oidc_change_feed_t f = { "authnz_oidc:", on_changed, on_flushed,
                             on_ponged, NULL };
    memset(e, 0, sizeof(*e));
    f.baton = e;
    return f;
}

START_TEST(hello_asks_for_the_prefix)
{
    events_t e;
    oidc_change_feed_t f = feed(&e);

    ck_assert_str_eq(oidc_change_feed_hello(unit_pool, &f),
        "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*6\r\n$6\r\nCLIENT\r\n$8\r\n"
        "TRACKING\r\n$2\r\nON\r\n$5\r\nBCAST\r\n$6\r\nPREFIX\r\n$12\r\n"
        "authnz_oidc:\r\n");
}
END_TEST

START_TEST(setup_reads_hello_then_ok)
{
    static const char answers[] = HELLO_REPLY "+OK\r\n" FLUSHED;
    events_t e;
    oidc_change_feed_t f = feed(&e);
    apr_size_t used = 0, cut = sizeof(HELLO_REPLY) + 1;
    const char *why = NULL;
    int n = 0;

    /* All of HELLO's map and half of the OK: one answer, more to come. */
    ck_assert_int_eq(oidc_change_feed_setup(unit_pool, &f, answers, cut,
                                            &used, &n, &why), OIDC_FEED_MORE);
    ck_assert_int_eq(n, 1);
    ck_assert_uint_eq(used, sizeof(HELLO_REPLY) - 1);
    ck_assert_int_eq(oidc_change_feed_setup(unit_pool, &f, answers + used,
                                            strlen(answers) - used, &used,
                                            &n, &why), OIDC_FEED_READY);
    /* What came after the OK is left for the reader. */
    ck_assert_uint_eq(used, 5);
    ck_assert_int_eq(e.flushed, 0);
}
END_TEST

START_TEST(setup_refuses_errors_and_non_resp3)
{
    events_t e;
    oidc_change_feed_t f = feed(&e);
    apr_size_t used;
    const char *why = NULL;
    int n = 0;
    const char *err = "-NOPERM this user has no permissions\r\n";

    ck_assert_int_eq(oidc_change_feed_setup(unit_pool, &f, err, strlen(err),
                                            &used, &n, &why),
                     OIDC_FEED_REFUSED);
    ck_assert_ptr_nonnull(strstr(why, "NOPERM this user"));
    n = 0;
    ck_assert_int_eq(oidc_change_feed_setup(unit_pool, &f, "HTTP/1.1 400\r\n",
                                            14, &used, &n, &why),
                     OIDC_FEED_REFUSED);
    ck_assert_str_eq(why, "it does not speak RESP3");
    /* The second answer must be the OK, not another map. */
    n = 1;
    ck_assert_int_eq(oidc_change_feed_setup(unit_pool, &f, HELLO_REPLY,
                                            strlen(HELLO_REPLY), &used, &n,
                                            &why), OIDC_FEED_REFUSED);
}
END_TEST

START_TEST(only_record_keys_are_reported)
{
    events_t e;
    oidc_change_feed_t f = feed(&e);
    apr_size_t used;

    ck_assert(oidc_change_feed_read(&f, PUSH_KEYS, strlen(PUSH_KEYS),
                                    &used));
    ck_assert_uint_eq(used, strlen(PUSH_KEYS));
    /* "claim:00ff00" is not hex, "other:" not the prefix. */
    ck_assert_int_eq(e.changed, 1);
    ck_assert_uint_eq(e.key_len, 2);
    ck_assert(memcmp(e.key, "\xab\xcd", 2) == 0);
}
END_TEST

START_TEST(a_long_key_is_cut)
{
    events_t e;
    oidc_change_feed_t f = feed(&e);
    char name[12 + 2 * 100 + 1];
    const char *push;
    apr_size_t used;

    memcpy(name, "authnz_oidc:", 12);
    memset(name + 12, 'a', 200);
    name[212] = '\0';
    push = apr_psprintf(unit_pool, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$212\r\n"
                        "%s\r\n", name);
    ck_assert(oidc_change_feed_read(&f, push, strlen(push), &used));
    ck_assert_int_eq(e.changed, 1);
    ck_assert_uint_eq(e.key_len, OIDC_CHANGE_FEED_MAX_KEY);
    ck_assert_uint_eq(e.key[63], 0xaa);
}
END_TEST

START_TEST(flush_pong_and_partial_frames)
{
    static const char stream[] = FLUSHED "+PONG\r\n+OK\r\n" PUSH_KEYS;
    events_t e;
    oidc_change_feed_t f = feed(&e);
    apr_size_t used, len = strlen(stream) - 3;

    ck_assert(oidc_change_feed_read(&f, stream, len, &used));
    ck_assert_int_eq(e.flushed, 1);
    ck_assert_int_eq(e.ponged, 1);
    ck_assert_int_eq(e.changed, 0);           /* the push is still arriving */
    ck_assert_uint_eq(used, strlen(FLUSHED "+PONG\r\n+OK\r\n"));
    ck_assert(oidc_change_feed_read(&f, stream + used, strlen(stream) - used,
                                    &used));
    ck_assert_int_eq(e.changed, 1);
}
END_TEST

START_TEST(an_error_or_garbage_ends_trust)
{
    static const char stream[] = "+PONG\r\n-ERR broken\r\n+PONG\r\n";
    events_t e;
    oidc_change_feed_t f = feed(&e);
    apr_size_t used;

    ck_assert(!oidc_change_feed_read(&f, stream, strlen(stream), &used));
    ck_assert_int_eq(e.ponged, 1);
    ck_assert_uint_eq(used, 7);
    ck_assert(!oidc_change_feed_read(&f, "?what\r\n", 7, &used));
}
END_TEST

Suite *change_feed_suite(void)
{
    Suite *s = suite_create("change_feed");
    TCase *tc = unit_tcase("change_feed");

    tcase_add_test(tc, hello_asks_for_the_prefix);
    tcase_add_test(tc, setup_reads_hello_then_ok);
    tcase_add_test(tc, setup_refuses_errors_and_non_resp3);
    tcase_add_test(tc, only_record_keys_are_reported);
    tcase_add_test(tc, a_long_key_is_cut);
    tcase_add_test(tc, flush_pong_and_partial_frames);
    tcase_add_test(tc, an_error_or_garbage_ends_trust);
    suite_add_tcase(s, tc);
    return s;
}
