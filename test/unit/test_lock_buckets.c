/* test_lock_buckets.c: the INCR-based lock (oidc_lock_buckets.c) against a
 * fake store with expiry, and a clock the tests move. */
#include <apr_hash.h>

#include "unit.h"
#include "core/cache/oidc_lock_buckets.h"

typedef struct {
    apr_uint32_t count;
    apr_time_t expires;          /* 0: never */
} fake_key_t;

typedef struct {
    apr_hash_t *keys;
    apr_time_t now;
    apr_status_t fail_exists;    /* APR_SUCCESS: the store works */
    int deletes;
} fake_store_t;

static fake_key_t *live(fake_store_t *fs, const char *key)
{
    fake_key_t *k = apr_hash_get(fs->keys, key, APR_HASH_KEY_STRING);

    if (k != NULL && k->expires != 0 && k->expires <= fs->now) {
        apr_hash_set(fs->keys, key, APR_HASH_KEY_STRING, NULL);
        return NULL;
    }
    return k;
}

static apr_status_t fake_incr(void *b, const char *key, apr_uint32_t *count)
{
    fake_store_t *fs = b;
    fake_key_t *k = live(fs, key);

    if (k == NULL) {
        k = apr_pcalloc(unit_pool, sizeof(*k));
        apr_hash_set(fs->keys, apr_pstrdup(unit_pool, key),
                     APR_HASH_KEY_STRING, k);
    }
    *count = ++k->count;
    return APR_SUCCESS;
}

static apr_status_t fake_set_ttl(void *b, const char *key, apr_uint32_t sec)
{
    fake_store_t *fs = b;
    fake_key_t *k = live(fs, key);

    ck_assert_ptr_nonnull(k);
    k->expires = fs->now + apr_time_from_sec(sec);
    return APR_SUCCESS;
}

static apr_status_t fake_exists(void *b, apr_pool_t *p, const char *key)
{
    fake_store_t *fs = b;

    if (fs->fail_exists != APR_SUCCESS) {
        return fs->fail_exists;
    }
    return live(fs, key) ? APR_SUCCESS : APR_NOTFOUND;
}

static apr_status_t fake_del(void *b, const char *key)
{
    fake_store_t *fs = b;
    int was = live(fs, key) != NULL;

    fs->deletes++;
    apr_hash_set(fs->keys, key, APR_HASH_KEY_STRING, NULL);
    return was ? APR_SUCCESS : APR_NOTFOUND;
}

static fake_store_t fs;
static oidc_bucket_store_t st = { fake_incr, fake_set_ttl, fake_exists,
                                  fake_del, &fs };

/* After unit_tcase's own fixture, which makes unit_pool. */
static void fake_setup(void)
{
    memset(&fs, 0, sizeof(fs));
    fs.keys = apr_hash_make(unit_pool);
    fs.now = apr_time_from_sec(1000000);    /* a bucket's start for 10 s */
}

#define HOLD apr_time_from_sec(10)

static apr_status_t lock_at(apr_time_t offset)
{
    return oidc_bucket_lock(&st, unit_pool, "k", HOLD, fs.now + offset);
}

START_TEST(hold_seconds_round_up)
{
    ck_assert_uint_eq(oidc_lock_hold_seconds(0), 1);
    ck_assert_uint_eq(oidc_lock_hold_seconds(1), 1);
    ck_assert_uint_eq(oidc_lock_hold_seconds(apr_time_from_sec(10)), 10);
    ck_assert_uint_eq(oidc_lock_hold_seconds(apr_time_from_sec(10) + 1), 11);
}
END_TEST

START_TEST(one_holder_at_a_time)
{
    ck_assert_int_eq(lock_at(0), APR_SUCCESS);
    ck_assert_int_eq(lock_at(apr_time_from_sec(3)), APR_EEXIST);
    ck_assert_int_eq(oidc_bucket_unlock(&st, unit_pool, "k", HOLD, fs.now),
                     APR_SUCCESS);
    ck_assert_int_eq(lock_at(apr_time_from_sec(4)), APR_SUCCESS);
    /* Another name is another lock. */
    ck_assert_int_eq(oidc_bucket_lock(&st, unit_pool, "other", HOLD, fs.now),
                     APR_SUCCESS);
}
END_TEST

START_TEST(a_late_lock_blocks_the_next_bucket)
{
    /* Taken at 9 s into a bucket, the next bucket's contender at 12 s
     * must see it. */
    ck_assert_int_eq(lock_at(apr_time_from_sec(9)), APR_SUCCESS);
    fs.now += apr_time_from_sec(12);
    ck_assert_int_eq(lock_at(0), APR_EEXIST);
    /* The contender left nothing behind, and the holder's 10 s are over:
     * two buckets on, the lock is free. */
    fs.now += apr_time_from_sec(9);
    ck_assert_int_eq(lock_at(0), APR_SUCCESS);
}
END_TEST

START_TEST(a_stray_key_stops_mattering)
{
    apr_uint32_t count;

    /* A process died between INCR and SETEX: the key never expires. */
    fake_incr(&fs, "k:10:100000", &count);
    ck_assert_int_eq(lock_at(0), APR_EEXIST);
    fs.now += apr_time_from_sec(10);
    ck_assert_int_eq(lock_at(0), APR_EEXIST);     /* its neighbour */
    fs.now += apr_time_from_sec(10);
    ck_assert_int_eq(lock_at(0), APR_SUCCESS);    /* two buckets on */
}
END_TEST

START_TEST(a_store_error_leaves_nothing)
{
    fs.fail_exists = APR_EGENERAL;
    ck_assert_int_eq(lock_at(0), APR_EGENERAL);
    ck_assert_int_eq(fs.deletes, 1);
    fs.fail_exists = APR_SUCCESS;
    ck_assert_int_eq(lock_at(0), APR_SUCCESS);
}
END_TEST

Suite *lock_buckets_suite(void)
{
    Suite *s = suite_create("lock_buckets");
    TCase *tc = unit_tcase("lock_buckets");

    tcase_add_checked_fixture(tc, fake_setup, NULL);
    tcase_add_test(tc, hold_seconds_round_up);
    tcase_add_test(tc, one_holder_at_a_time);
    tcase_add_test(tc, a_late_lock_blocks_the_next_bucket);
    tcase_add_test(tc, a_stray_key_stops_mattering);
    tcase_add_test(tc, a_store_error_leaves_nothing);
    suite_add_tcase(s, tc);
    return s;
}
