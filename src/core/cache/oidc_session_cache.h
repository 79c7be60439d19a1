/*
 * oidc_session_cache.h: opened session records kept in process memory, for
 * stores that can vouch for them (shmcb; redis while it reports changes).
 * memcache cannot, and is read on every request.
 *
 * A record read from such a store is decrypted and parsed once, and its
 * session kept, opened, with the store's generation number for its key as
 * read before the store lookup.
 * Every put or delete of the key, by any process of any node, changes that
 * number (shmcb: a counter in the node's shared memory; redis: a counter of
 * this process, moved when redis reports the key changed), so a kept record
 * is used only while the store still holds exactly it: a logout, a refresh
 * or a touch anywhere is seen by the next request. redis's report of a
 * write on another node is still on its way for a moment, so a kept
 * record may trail the store that long, and whatever writes a record
 * starts from the store (oidc_rp_reload_session).
 */
#ifndef OIDC_SESSION_CACHE_H
#define OIDC_SESSION_CACHE_H

#include "core/util/oidc_core.h"
#include "core/session/oidc_session.h"

typedef struct oidc_session_cache_t oidc_session_cache_t;

/* A cache of `slots` sessions whose images (oidc_session_image) take at
 * most `max_record` bytes; larger ones are not kept. Made before the
 * server forks; each child then fills its own copy. p must outlive the
 * pools of the requests the cache serves. NULL when its mutexes or its
 * allocator cannot be made. */
oidc_session_cache_t *oidc_session_cache_create(apr_pool_t *p,
                                                apr_size_t slots,
                                                apr_size_t max_record);

/* The session kept for `id` (compared in constant time), with the store
 * key and the generation it was read under. Kept by id, so that a request
 * it serves need not hash its id to find its store key. *s is a copy, in
 * p, of the kept session's head: the request may set its fields. Its
 * strings and claims are shared with every request the session serves,
 * and held until p is cleared: never write through them. 0 when there is
 * none. */
int oidc_session_cache_get(oidc_session_cache_t *c, const char *id,
                           apr_pool_t *p,
                           unsigned char key[OIDC_SESSION_STORE_KEY_LEN],
                           apr_uint64_t *gen, oidc_session_t **s);

/* Keeps session `id`, opened from a record read from store key `key`
 * under generation gen, with the export names of its claims under prefix
 * (none when NULL). A copy is kept: s may go with its pool. Sessions an
 * image cannot carry (oidc_session_image_make) are not kept. */
void oidc_session_cache_put(oidc_session_cache_t *c, const char *id,
                            const unsigned char key[OIDC_SESSION_STORE_KEY_LEN],
                            apr_uint64_t gen, const oidc_session_t *s,
                            const char *prefix);

/* Kept sessions not yet destroyed: those in slots, and those that only
 * requests still hold. */
apr_uint32_t oidc_session_cache_live(oidc_session_cache_t *c);

#endif
