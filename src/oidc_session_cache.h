/*
 * oidc_session_cache.h: opened session records kept in process memory, for
 * stores that can vouch for them (shmcb; redis while it reports changes;
 * memcache with a lag).
 *
 * A record read from such a store is decrypted and parsed once, and kept
 * as the image of its session (oidc_session_image), with the store's
 * generation number for its key as read before the store lookup.
 * Every put or delete of the key, by any process of any node, changes that
 * number (shmcb: a counter in the node's shared memory; redis: a counter of
 * this process, moved when redis reports the key changed), so a kept record
 * is used only while the store still holds exactly it: a logout, a refresh
 * or a touch anywhere is seen by the next request. memcache reports
 * nothing: with AuthOIDCSessionCacheLag, a write on another node moves the
 * number only once a process has read it from memcache's change log, so a
 * kept record may trail the store by that long, and whatever writes a
 * record starts from the store (oidc_rp_reload_session).
 */
#ifndef OIDC_SESSION_CACHE_H
#define OIDC_SESSION_CACHE_H

#include "oidc_core.h"
#include "oidc_session.h"

typedef struct oidc_session_cache_t oidc_session_cache_t;

/* A cache of `slots` records of at most `max_record` plaintext bytes each;
 * larger records are not kept. Made before the server forks; each child
 * then fills its own copy. NULL when the mutex cannot be made. */
oidc_session_cache_t *oidc_session_cache_create(apr_pool_t *p,
                                                apr_size_t slots,
                                                apr_size_t max_record);

/* The record kept for session `id` (compared in constant time): a copy in
 * p, NUL-terminated, with the store key and the generation it was read
 * under. Kept by id, so that a request it serves need not hash its id to
 * find its store key. 0 when there is none. */
int oidc_session_cache_get(oidc_session_cache_t *c, const char *id,
                           apr_pool_t *p,
                           unsigned char key[OIDC_SESSION_STORE_KEY_LEN],
                           apr_uint64_t *gen, unsigned char **val,
                           apr_size_t *len);

/* Keeps a copy of the record of session `id`, read from store key `key`
 * under generation gen. */
void oidc_session_cache_put(oidc_session_cache_t *c, const char *id,
                            const unsigned char key[OIDC_SESSION_STORE_KEY_LEN],
                            apr_uint64_t gen, const unsigned char *val,
                            apr_size_t len);

#endif
