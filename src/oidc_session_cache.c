/* oidc_session_cache.c: a direct-mapped table of opened session records.
 * Each key has one slot; a newer record for another key that maps there
 * simply replaces it. Slots copy in and out under a mutex of this process,
 * so no record is ever shared with a request that could outlive it. */
#include <string.h>
#include <apr_thread_mutex.h>

#include "oidc_session_cache.h"

#define CACHE_KEY_MAX 32

typedef struct {
    unsigned char key[CACHE_KEY_MAX];
    apr_size_t key_len;        /* 0: empty */
    apr_uint64_t gen;
    apr_size_t len;
    unsigned char *buf;        /* max_record bytes */
} slot_t;

struct oidc_session_cache_t {
    apr_thread_mutex_t *mutex;
    slot_t *slots;
    apr_size_t n;
    apr_size_t max_record;
};

oidc_session_cache_t *oidc_session_cache_create(apr_pool_t *p,
                                                apr_size_t slots,
                                                apr_size_t max_record)
{
    oidc_session_cache_t *c = apr_pcalloc(p, sizeof(*c));
    unsigned char *space;
    apr_size_t i;

    if (slots == 0
        || apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT,
                                   p) != APR_SUCCESS) {
        return NULL;
    }
    c->n = slots;
    c->max_record = max_record;
    c->slots = apr_pcalloc(p, slots * sizeof(slot_t));
    /* Not zeroed: pages a process never fills are never made resident. */
    space = apr_palloc(p, slots * max_record);
    for (i = 0; i < slots; i++) {
        c->slots[i].buf = space + i * max_record;
    }
    return c;
}

static slot_t *slot_of(const oidc_session_cache_t *c, const unsigned char *key,
                       apr_size_t key_len)
{
    apr_size_t h = 0, i;

    /* The keys are hashes already: their first bytes spread evenly. */
    for (i = 0; i < key_len && i < sizeof(apr_uint32_t); i++) {
        h = (h << 8) | key[i];
    }
    return &c->slots[h % c->n];
}

int oidc_session_cache_get(oidc_session_cache_t *c, const unsigned char *key,
                           apr_size_t key_len, apr_uint64_t gen,
                           apr_pool_t *p, unsigned char **val,
                           apr_size_t *len)
{
    slot_t *s;
    int hit;

    if (c == NULL || key_len == 0 || key_len > CACHE_KEY_MAX) {
        return 0;
    }
    s = slot_of(c, key, key_len);
    if (apr_thread_mutex_lock(c->mutex) != APR_SUCCESS) {
        return 0;
    }
    hit = s->key_len == key_len && s->gen == gen
          && memcmp(s->key, key, key_len) == 0;
    if (hit) {
        *val = apr_palloc(p, s->len + 1);
        memcpy(*val, s->buf, s->len);
        (*val)[s->len] = '\0';
        *len = s->len;
    }
    apr_thread_mutex_unlock(c->mutex);
    return hit;
}

void oidc_session_cache_put(oidc_session_cache_t *c, const unsigned char *key,
                            apr_size_t key_len, apr_uint64_t gen,
                            const unsigned char *val, apr_size_t len)
{
    slot_t *s;

    if (c == NULL || key_len == 0 || key_len > CACHE_KEY_MAX
        || len > c->max_record) {
        return;
    }
    s = slot_of(c, key, key_len);
    if (apr_thread_mutex_lock(c->mutex) != APR_SUCCESS) {
        return;
    }
    memcpy(s->key, key, key_len);
    s->key_len = key_len;
    s->gen = gen;
    memcpy(s->buf, val, len);
    s->len = len;
    apr_thread_mutex_unlock(c->mutex);
}
