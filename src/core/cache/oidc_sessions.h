/*
 * oidc_sessions.h: the one way to the sessions of a configuration: load,
 * reload, save. Behind it, when the store can vouch for what a process
 * keeps (it has generations), opened records are kept in process memory
 * (oidc_session_cache.h); callers never see the cache, its generations or
 * its images, only sessions.
 */
#ifndef OIDC_SESSIONS_H
#define OIDC_SESSIONS_H

#include "core/util/oidc_core.h"
#include "core/session/oidc_session.h"
#include "core/session/oidc_store.h"

struct oidc_session_cache_t;

typedef struct {
    const oidc_store_t *store;
    struct oidc_session_cache_t *cache;   /* NULL: every load reads */
    const unsigned char *key;             /* OIDC_KEY_LEN bytes */
    oidc_binding_t binding;               /* what the sessions belong to */
    apr_size_t max_record;
    apr_interval_time_t inactivity;
    apr_interval_time_t max_age;
    const char *claim_prefix;             /* export names of kept sessions */
    const oidc_log_t *log;
} oidc_sessions_t;

typedef enum {
    OIDC_LOOKUP_NONE,          /* no usable session (ended ones are deleted) */
    OIDC_LOOKUP_FOUND,
    OIDC_LOOKUP_STORE_DOWN
} oidc_lookup_t;

/* The live session of cookie value id, bound to ss->binding; a malformed
 * id finds none (logged). May be a kept copy, which can trail the store
 * for a moment (redis's report of another node's write on its way). */
oidc_lookup_t oidc_sessions_load(const oidc_sessions_t *ss, apr_pool_t *p,
                                 apr_time_t now, const char *id,
                                 oidc_session_t **out);

/* The same from the store itself, never from a kept copy: what a write is
 * to start from. */
oidc_lookup_t oidc_sessions_reload(const oidc_sessions_t *ss, apr_pool_t *p,
                                   apr_time_t now, const char *id,
                                   oidc_session_t **out);

/* Whether a loaded session may be a kept copy (then writes start from a
 * reload). */
int oidc_sessions_may_trail(const oidc_sessions_t *ss);

typedef enum {
    OIDC_SAVE_OK = 0,
    OIDC_SAVE_TOO_LARGE,       /* its record exceeds max_record */
    OIDC_SAVE_STORE_DOWN       /* the store refused it */
} oidc_save_t;

/* Seals and stores s under id; a failure is logged. */
oidc_save_t oidc_sessions_save(const oidc_sessions_t *ss, apr_pool_t *p,
                                const char *id, const oidc_session_t *s);

#endif
