/*
 * oidc_redis_reply.h: reading what a redis server sends to a connection that
 * follows writes to the session keys (RESP3, CLIENT TRACKING ... BCAST).
 *
 * Only whole frames are read: a frame still arriving reads as
 * OIDC_REDIS_MORE, and the caller calls again once more bytes are in. Every
 * length and count is bounded, so a hostile or broken server costs a
 * reconnect, never memory or a crash.
 */
#ifndef OIDC_REDIS_REPLY_H
#define OIDC_REDIS_REPLY_H

#include "core/util/oidc_core.h"

/* Beyond these a frame is refused (OIDC_REDIS_BAD). */
#define OIDC_REDIS_MAX_BULK  (64 * 1024)
#define OIDC_REDIS_MAX_COUNT (1024 * 1024)
#define OIDC_REDIS_MAX_DEPTH 8

typedef enum {
    OIDC_REDIS_MORE,        /* the frame is not all here yet */
    OIDC_REDIS_BAD,         /* not RESP, or beyond the bounds above */
    OIDC_REDIS_INVALIDATE,  /* these keys changed: each went to on_key */
    OIDC_REDIS_FLUSH,       /* any key may have changed (FLUSHALL, ...) */
    OIDC_REDIS_STATUS,      /* a simple string, such as OK or PONG */
    OIDC_REDIS_ERROR,       /* an error reply */
    OIDC_REDIS_OTHER        /* any other reply or push (HELLO's map) */
} oidc_redis_frame_t;

typedef void (*oidc_redis_key_fn)(void *baton, const char *key,
                                 apr_size_t len);

/* Reads the frame at the start of buf[0..len). Unless it is MORE or BAD,
 * *used is its length; a STATUS or ERROR's text is at *text (not NUL-
 * terminated, *text_len bytes). on_key is called only for a whole
 * invalidation, once per key. */
oidc_redis_frame_t oidc_redis_read(const char *buf, apr_size_t len,
                                 apr_size_t *used, const char **text,
                                 apr_size_t *text_len,
                                 oidc_redis_key_fn on_key, void *baton);

#endif
