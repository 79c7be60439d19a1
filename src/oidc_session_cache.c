/* oidc_session_cache.c: a direct-mapped table of opened session records.
 * Each session id has one slot; a newer record for another id that maps
 * there simply replaces it. Slots copy in and out under a mutex of this
 * process, so no record is ever shared with a request that could outlive
 * it. */
#include <string.h>
#include <apr_thread_mutex.h>

#include "oidc_session_cache.h"

typedef struct {
    char id[OIDC_SESSION_ID_LEN];
    int used;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
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

static int id_sized(const char *id)
{
    return strnlen(id, OIDC_SESSION_ID_LEN + 1) == OIDC_SESSION_ID_LEN;
}

/* The slot of an id: its first eight characters, mixed by a multiply. An
 * id is random, 6 bits to a character, so they carry 48 bits; but its
 * characters are a 64-symbol alphabet, so its bytes taken as they are
 * would fill few slots. Ids only get here from sessions this module made,
 * so nobody can pick colliding ones to evict another user's record. */
static slot_t *slot_of(const oidc_session_cache_t *c, const char *id)
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
                           apr_uint64_t *gen, unsigned char **val,
                           apr_size_t *len)
{
    slot_t *s;
    int hit;

    if (c == NULL || !id_sized(id)) {
        return 0;
    }
    s = slot_of(c, id);
    if (apr_thread_mutex_lock(c->mutex) != APR_SUCCESS) {
        return 0;
    }
    hit = s->used && ids_equal(s->id, id);
    if (hit) {
        memcpy(key, s->key, OIDC_SESSION_STORE_KEY_LEN);
        *gen = s->gen;
        *val = apr_palloc(p, s->len + 1);
        memcpy(*val, s->buf, s->len);
        (*val)[s->len] = '\0';
        *len = s->len;
    }
    apr_thread_mutex_unlock(c->mutex);
    return hit;
}

void oidc_session_cache_put(oidc_session_cache_t *c, const char *id,
                            const unsigned char key[OIDC_SESSION_STORE_KEY_LEN],
                            apr_uint64_t gen, const unsigned char *val,
                            apr_size_t len)
{
    slot_t *s;

    if (c == NULL || !id_sized(id) || len > c->max_record) {
        return;
    }
    s = slot_of(c, id);
    if (apr_thread_mutex_lock(c->mutex) != APR_SUCCESS) {
        return;
    }
    memcpy(s->id, id, OIDC_SESSION_ID_LEN);
    s->used = 1;
    memcpy(s->key, key, OIDC_SESSION_STORE_KEY_LEN);
    s->gen = gen;
    memcpy(s->buf, val, len);
    s->len = len;
    apr_thread_mutex_unlock(c->mutex);
}
