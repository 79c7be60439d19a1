/* oidc_session_cache.c: a direct-mapped table of opened sessions. Each
 * session id has one slot; a newer session for another id that maps there
 * simply replaces it. A kept session is opened once, in a pool of its own,
 * and shared, read-only, by every request it serves: each holds it until
 * its pool is cleared, and the last holder (the slot, or a request that
 * outlived the slot's hold) destroys it. */
#include <string.h>
#include <apr_allocator.h>
#include <apr_atomic.h>
#include <apr_thread_mutex.h>

#include "core/cache/oidc_session_cache.h"
#include "core/cache/oidc_session_image.h"

typedef struct oidc_session_cache_t cache_t;

typedef struct {
    apr_pool_t *pool;          /* owns the entry and all it points to */
    cache_t *cache;
    volatile apr_uint32_t holders;
    char id[OIDC_SESSION_ID_LEN];
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    apr_uint64_t gen;
    const oidc_session_t *session;
} entry_t;

/* Memory of entries that the allocator keeps for reuse when they go:
 * APR maps each block of memory on its own and unmaps it when it is
 * freed, so replacing a kept session would otherwise cost two system
 * calls and a fresh page. */
#define KEPT_FREE (256 * 1024)

struct oidc_session_cache_t {
    apr_thread_mutex_t *mutex; /* guards the slots, not the entries */
    apr_allocator_t *allocator; /* of the entries' pools; locked itself */
    volatile apr_uint32_t live; /* entries not yet destroyed */
    entry_t **slots;
    apr_size_t n;
    apr_size_t max_record;
};

/* Holders count atomically: a request lets go of an entry without
 * taking the cache's mutex. */
static void entry_release(entry_t *e)
{
    if (e != NULL && apr_atomic_dec32(&e->holders) == 0) {
        apr_atomic_dec32(&e->cache->live);
        apr_pool_destroy(e->pool);
    }
}

static apr_status_t entry_release_cleanup(void *data)
{
    entry_release(data);
    return APR_SUCCESS;
}

static apr_status_t cache_cleanup(void *data)
{
    oidc_session_cache_t *c = data;
    apr_size_t i;

    for (i = 0; i < c->n; i++) {
        entry_release(c->slots[i]);
        c->slots[i] = NULL;
    }
    /* Entries a request still holds (none, when p outlives the requests'
     * pools, as it must) would still need it. */
    if (apr_atomic_read32(&c->live) == 0) {
        apr_allocator_destroy(c->allocator);
    }
    return APR_SUCCESS;
}

oidc_session_cache_t *oidc_session_cache_create(apr_pool_t *p,
                                                apr_size_t slots,
                                                apr_size_t max_record)
{
    oidc_session_cache_t *c = apr_pcalloc(p, sizeof(*c));
    apr_thread_mutex_t *allocator_mutex;

    if (slots == 0
        || apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT,
                                   p) != APR_SUCCESS
        || apr_thread_mutex_create(&allocator_mutex,
                                   APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS
        || apr_allocator_create(&c->allocator) != APR_SUCCESS) {
        return NULL;
    }
    apr_allocator_mutex_set(c->allocator, allocator_mutex);
    apr_allocator_max_free_set(c->allocator, KEPT_FREE);
    c->n = slots;
    c->max_record = max_record;
    c->slots = apr_pcalloc(p, slots * sizeof(*c->slots));
    apr_pool_cleanup_register(p, c, cache_cleanup, apr_pool_cleanup_null);
    return c;
}

static int id_sized(const char *id)
{
    return strnlen(id, OIDC_SESSION_ID_LEN + 1) == OIDC_SESSION_ID_LEN;
}

/* The slot of an id: its first eight characters, mixed by a multiply. An
 * id is random, 6 bits to a character, so they carry 48 bits; but its
 * characters are a 64-symbol alphabet, so its bytes taken as they are
 * would fill few slots. Ids only get here from sessions this module made,
 * so nobody can pick colliding ones to evict another user's record. */
static entry_t **slot_of(const oidc_session_cache_t *c, const char *id)
{
    apr_uint64_t x;

    memcpy(&x, id, sizeof(x));
    return &c->slots[((x * APR_UINT64_C(0x9e3779b97f4a7c15)) >> 32) % c->n];
}

/* The id is a bearer credential: compared in time that does not depend on
 * where it differs, eight bytes at a time (CRYPTO_memcmp goes byte by
 * byte, and this runs on every request). */
static int ids_equal(const char *a, const char *b)
{
    apr_uint64_t x, y, diff = 0;
    apr_size_t i;

    for (i = 0; i + sizeof(x) <= OIDC_SESSION_ID_LEN; i += sizeof(x)) {
        memcpy(&x, a + i, sizeof(x));
        memcpy(&y, b + i, sizeof(y));
        diff |= x ^ y;
    }
    for (; i < OIDC_SESSION_ID_LEN; i++) {
        diff |= (apr_uint64_t)((unsigned char)a[i] ^ (unsigned char)b[i]);
    }
    return diff == 0;
}

int oidc_session_cache_get(oidc_session_cache_t *c, const char *id,
                           apr_pool_t *p,
                           unsigned char key[OIDC_SESSION_STORE_KEY_LEN],
                           apr_uint64_t *gen, oidc_session_t **s)
{
    entry_t **slot, *e;

    if (c == NULL || !id_sized(id)) {
        return 0;
    }
    slot = slot_of(c, id);
    if (apr_thread_mutex_lock(c->mutex) != APR_SUCCESS) {
        return 0;
    }
    e = *slot;
    if (e != NULL && ids_equal(e->id, id)) {
        apr_atomic_inc32(&e->holders);
    }
    else {
        e = NULL;
    }
    apr_thread_mutex_unlock(c->mutex);
    if (e == NULL) {
        return 0;
    }
    apr_pool_cleanup_register(p, e, entry_release_cleanup,
                              apr_pool_cleanup_null);
    memcpy(key, e->key, OIDC_SESSION_STORE_KEY_LEN);
    *gen = e->gen;
    /* The head is the request's own: it may change its times and tokens
     * (a touch, a refresh) without touching what others share. */
    *s = apr_pmemdup(p, e->session, sizeof(**s));
    return 1;
}

void oidc_session_cache_put(oidc_session_cache_t *c, const char *id,
                            const unsigned char key[OIDC_SESSION_STORE_KEY_LEN],
                            apr_uint64_t gen, const oidc_session_t *s,
                            const char *prefix)
{
    apr_pool_t *pool;
    entry_t **slot, *e, *old;
    unsigned char *image;
    apr_size_t len;

    if (c == NULL || !id_sized(id)) {
        return;
    }
    /* Unmanaged: an entry may outlive the request that made it, and be
     * destroyed by whichever thread lets go of it last. */
    if (apr_pool_create_unmanaged_ex(&pool, NULL, c->allocator)
            != APR_SUCCESS) {
        return;
    }
    e = apr_palloc(pool, sizeof(*e));
    image = oidc_session_image_make(pool, s, prefix, &len);
    e->session = image != NULL && len <= c->max_record
        ? oidc_session_image_open(pool, image, len) : NULL;
    if (e->session == NULL) {
        apr_pool_destroy(pool);
        return;
    }
    e->pool = pool;
    e->cache = c;
    e->holders = 1;            /* the slot's */
    memcpy(e->id, id, OIDC_SESSION_ID_LEN);
    memcpy(e->key, key, OIDC_SESSION_STORE_KEY_LEN);
    e->gen = gen;
    apr_atomic_inc32(&c->live);
    slot = slot_of(c, id);
    if (apr_thread_mutex_lock(c->mutex) != APR_SUCCESS) {
        entry_release(e);
        return;
    }
    old = *slot;
    *slot = e;
    apr_thread_mutex_unlock(c->mutex);
    entry_release(old);
}

apr_uint32_t oidc_session_cache_live(oidc_session_cache_t *c)
{
    return apr_atomic_read32(&c->live);
}
