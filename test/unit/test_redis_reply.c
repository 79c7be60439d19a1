/* test_redis_reply.c: the RESP3 frames a redis connection that follows session
 * key changes reads (oidc_redis_reply.c), as redis 7 sends them. */
#include "unit.h"
#include "core/cache/oidc_redis_reply.h"

typedef struct {
    int n;
    char keys[8][64];
} seen_t;

static void on_key(void *baton, const char *key, apr_size_t len)
{
    seen_t *seen = baton;

    ck_assert_int_lt(seen->n, 8);
    ck_assert_uint_lt(len, 64);
    memcpy(seen->keys[seen->n], key, len);
    seen->keys[seen->n][len] = '\0';
    seen->n++;
}

static oidc_redis_frame_t read_all(const char *frame, apr_size_t *used,
                                  seen_t *seen)
{
    const char *text;
    apr_size_t text_len;

    memset(seen, 0, sizeof(*seen));
    return oidc_redis_read(frame, strlen(frame), used, &text, &text_len,
                          on_key, seen);
}

/* Captured from redis 7.0 after HELLO 3 and CLIENT TRACKING ON BCAST. */
#define HELLO_REPLY "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n" \
    "$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:3\r\n$4\r\nmode\r\n" \
    "$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n" \
    "*0\r\n"
#define TWO_KEYS ">2\r\n$10\r\ninvalidate\r\n*2\r\n$16\r\nauthnz_oidc:abcd" \
    "\r\n$14\r\nauthnz_oidc:ee\r\n"
#define FLUSHED ">2\r\n$10\r\ninvalidate\r\n_\r\n"

START_TEST(invalidation_keys)
{
    seen_t seen;
    apr_size_t used = 0;

    ck_assert_int_eq(read_all(TWO_KEYS "+PONG\r\n", &used, &seen),
                     OIDC_REDIS_INVALIDATE);
    ck_assert_uint_eq(used, strlen(TWO_KEYS));
    ck_assert_int_eq(seen.n, 2);
    ck_assert_str_eq(seen.keys[0], "authnz_oidc:abcd");
    ck_assert_str_eq(seen.keys[1], "authnz_oidc:ee");
}
END_TEST

START_TEST(flush_and_replies)
{
    seen_t seen;
    apr_size_t used = 0, text_len;
    const char *text;

    ck_assert_int_eq(read_all(FLUSHED, &used, &seen), OIDC_REDIS_FLUSH);
    ck_assert_uint_eq(used, strlen(FLUSHED));
    ck_assert_int_eq(seen.n, 0);
    ck_assert_int_eq(read_all(HELLO_REPLY, &used, &seen), OIDC_REDIS_OTHER);
    ck_assert_uint_eq(used, strlen(HELLO_REPLY));

    ck_assert_int_eq(oidc_redis_read("+PONG\r\n", 7, &used, &text, &text_len,
                                    on_key, &seen), OIDC_REDIS_STATUS);
    ck_assert_uint_eq(text_len, 4);
    ck_assert(memcmp(text, "PONG", 4) == 0);
    ck_assert_int_eq(oidc_redis_read("-ERR unknown command 'HELLO'\r\n", 30,
                                    &used, &text, &text_len, on_key, &seen),
                     OIDC_REDIS_ERROR);
    ck_assert_uint_eq(text_len, 27);
    ck_assert_int_eq(oidc_redis_read("!5\r\nNOPE!\r\n", 11, &used, &text,
                                    &text_len, on_key, &seen),
                     OIDC_REDIS_ERROR);
    ck_assert_uint_eq(text_len, 5);
    /* Another push (a pubsub message) is not an invalidation. */
    ck_assert_int_eq(read_all(">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nx\r\n",
                              &used, &seen), OIDC_REDIS_OTHER);
    ck_assert_int_eq(seen.n, 0);
}
END_TEST

/* A frame cut anywhere is "more", and reports no key before it is whole. */
START_TEST(partial_frames_wait)
{
    const char *frames[] = { TWO_KEYS, FLUSHED, HELLO_REPLY, "+PONG\r\n",
                             "!5\r\nNOPE!\r\n" };
    apr_size_t i, cut, used;
    const char *text;
    apr_size_t text_len;
    seen_t seen;

    for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
        for (cut = 0; cut < strlen(frames[i]); cut++) {
            memset(&seen, 0, sizeof(seen));
            ck_assert_int_eq(oidc_redis_read(frames[i], cut, &used, &text,
                                            &text_len, on_key, &seen),
                             OIDC_REDIS_MORE);
            ck_assert_int_eq(seen.n, 0);
        }
    }
}
END_TEST

/* An invalidation of a shape redis does not send forgets everything. */
START_TEST(odd_invalidation_flushes)
{
    seen_t seen;
    apr_size_t used;

    ck_assert_int_eq(read_all(">2\r\n$10\r\ninvalidate\r\n*2\r\n$1\r\na\r\n"
                              ":5\r\n", &used, &seen), OIDC_REDIS_FLUSH);
    ck_assert_int_eq(seen.n, 0);
    ck_assert_int_eq(read_all(">2\r\n$10\r\ninvalidate\r\n*-1\r\n", &used,
                              &seen), OIDC_REDIS_FLUSH);
    ck_assert_int_eq(read_all(">2\r\n$10\r\ninvalidate\r\n:1\r\n", &used,
                              &seen), OIDC_REDIS_FLUSH);
}
END_TEST

START_TEST(bounds_and_garbage)
{
    const char *bad[] = {
        "?\r\n", "$x\r\n", "$-2\r\n", "$99999999999\r\n", "*-5\r\n",
        "$65537\r\n", "*1048577\r\n", "$3\r\nabcXY", "+OK\rX", "$1\r\n",
    };
    char *deep, *line;
    apr_size_t i, used;
    seen_t seen;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        oidc_redis_frame_t f = read_all(bad[i], &used, &seen);
        /* Short inputs may still be waiting for their length's bytes. */
        ck_assert_msg(f == OIDC_REDIS_BAD || (f == OIDC_REDIS_MORE && i == 9),
                      "input %u read as %d", (unsigned)i, f);
    }
    /* Nesting deeper than the bound: ten arrays of one, then a number. */
    deep = apr_pstrcat(unit_pool, "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n",
                       "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", NULL);
    ck_assert_int_eq(read_all(deep, &used, &seen), OIDC_REDIS_BAD);
    /* A line that never ends is refused once past the bound, not buffered
     * for ever. */
    line = unit_repeat(unit_pool, 'a', 5000);
    line[0] = '+';
    ck_assert_int_eq(read_all(line, &used, &seen), OIDC_REDIS_BAD);
    /* Attributes chained without end still count as nesting. */
    ck_assert_int_eq(read_all("|0\r\n|0\r\n|0\r\n|0\r\n|0\r\n|0\r\n|0\r\n|0\r\n"
                              "|0\r\n|0\r\n+OK\r\n", &used, &seen),
                     OIDC_REDIS_BAD);
}
END_TEST

Suite *redis_reply_suite(void)
{
    Suite *s = suite_create("redis_reply");
    TCase *tc = unit_tcase("frames");

    tcase_add_test(tc, invalidation_keys);
    tcase_add_test(tc, flush_and_replies);
    tcase_add_test(tc, partial_frames_wait);
    tcase_add_test(tc, odd_invalidation_flushes);
    tcase_add_test(tc, bounds_and_garbage);
    suite_add_tcase(s, tc);
    return s;
}
