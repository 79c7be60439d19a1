/*
 * fuzz_lock_buckets.c: the INCR-based lock (oidc_lock_buckets.c) driven by
 * a script of contenders, unlocks and clock steps read from the input,
 * against an in-memory store with expiry. A grant while another holder's
 * hold is still running is a crash.
 *
 * Each input byte: the low 2 bits pick the contender (0-3), bit 2 whether
 * it locks or unlocks, the high 5 bits how many 0.5 s steps the clock
 * moves first. The hold is 3 s.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "fuzz.h"
#include "core/cache/oidc_lock_buckets.h"

#define HOLD apr_time_from_sec(3)
#define CONTENDERS 4

typedef struct {
    apr_pool_t *p;
    apr_hash_t *keys;    /* name -> expiry (0: none) and count */
    apr_time_t now;
} store_t;

typedef struct {
    apr_uint32_t count;
    apr_time_t expires;
} entry_t;

static entry_t *live(store_t *s, const char *key)
{
    entry_t *e = apr_hash_get(s->keys, key, APR_HASH_KEY_STRING);

    if (e != NULL && e->expires != 0 && e->expires <= s->now) {
        apr_hash_set(s->keys, key, APR_HASH_KEY_STRING, NULL);
        return NULL;
    }
    return e;
}

static apr_status_t s_incr(void *b, const char *key, apr_uint32_t *count)
{
    store_t *s = b;
    entry_t *e = live(s, key);

    if (e == NULL) {
        e = apr_pcalloc(s->p, sizeof(*e));
        apr_hash_set(s->keys, apr_pstrdup(s->p, key), APR_HASH_KEY_STRING, e);
    }
    *count = ++e->count;
    return APR_SUCCESS;
}

static apr_status_t s_ttl(void *b, const char *key, apr_uint32_t sec)
{
    store_t *s = b;
    entry_t *e = live(s, key);

    if (e == NULL) {
        return APR_NOTFOUND;
    }
    e->expires = s->now + apr_time_from_sec(sec);
    return APR_SUCCESS;
}

static apr_status_t s_exists(void *b, apr_pool_t *p, const char *key)
{
    return live(b, key) ? APR_SUCCESS : APR_NOTFOUND;
}

static apr_status_t s_del(void *b, const char *key)
{
    store_t *s = b;
    int was = live(s, key) != NULL;

    apr_hash_set(s->keys, key, APR_HASH_KEY_STRING, NULL);
    return was ? APR_SUCCESS : APR_NOTFOUND;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    store_t s;
    oidc_bucket_store_t st = { s_incr, s_ttl, s_exists, s_del, &s };
    apr_time_t held_since[CONTENDERS] = { 0 };
    int holding[CONTENDERS] = { 0 };
    size_t i;

    s.p = fuzz_pool();
    s.keys = apr_hash_make(s.p);
    s.now = apr_time_from_sec(1700000000);
    for (i = 0; i < size && i < 4096; i++) {
        int who = data[i] & 3, unlock = data[i] & 4, j;

        s.now += (data[i] >> 3) * apr_time_from_msec(500);
        for (j = 0; j < CONTENDERS; j++) {
            if (holding[j] && s.now - held_since[j] >= HOLD) {
                holding[j] = 0;         /* its hold ran out */
            }
        }
        if (unlock) {
            if (holding[who]) {
                oidc_bucket_unlock(&st, s.p, "k", HOLD, s.now);
                holding[who] = 0;
            }
            continue;
        }
        if (oidc_bucket_lock(&st, s.p, "k", HOLD, s.now) == APR_SUCCESS) {
            for (j = 0; j < CONTENDERS; j++) {
                if (holding[j]) {
                    __builtin_trap();   /* two holders at once */
                }
            }
            holding[who] = 1;
            held_since[who] = s.now;
        }
    }
    apr_pool_destroy(s.p);
    return 0;
}
