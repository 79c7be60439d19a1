/*
 * oidc_session_cache.h: opened session records kept in process memory, for
 * stores that live on this node alone (shmcb).
 *
 * A record read from such a store is decrypted once and kept, with the
 * store's generation number for its key as read before the store lookup.
 * Every put or delete on the node, in any process, changes that number, so
 * a kept record is used only while the store still holds exactly it: a
 * logout, a refresh or a touch anywhere on the node is seen by the very next
 * request. Stores shared between nodes have no such number and are read
 * every time.
 */
#ifndef OIDC_SESSION_CACHE_H
#define OIDC_SESSION_CACHE_H

#include "oidc_core.h"

typedef struct oidc_session_cache_t oidc_session_cache_t;

/* A cache of `slots` records of at most `max_record` plaintext bytes each;
 * larger records are not kept. Made before the server forks; each child
 * then fills its own copy. NULL when the mutex cannot be made. */
oidc_session_cache_t *oidc_session_cache_create(apr_pool_t *p,
                                                apr_size_t slots,
                                                apr_size_t max_record);

/* A copy, in p, of the record kept for key under generation gen, NUL-
 * terminated; 0 when there is none. */
int oidc_session_cache_get(oidc_session_cache_t *c, const unsigned char *key,
                           apr_size_t key_len, apr_uint64_t gen,
                           apr_pool_t *p, unsigned char **val,
                           apr_size_t *len);

/* Keeps a copy of the record read for key under generation gen. */
void oidc_session_cache_put(oidc_session_cache_t *c, const unsigned char *key,
                            apr_size_t key_len, apr_uint64_t gen,
                            const unsigned char *val, apr_size_t len);

#endif
