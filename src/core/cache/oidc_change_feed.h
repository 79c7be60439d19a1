/*
 * oidc_change_feed.h: what a redis connection in RESP3 with CLIENT
 * TRACKING ON BCAST PREFIX <prefix> tells about the session keys, read
 * from the bytes that have arrived. The glue (mod/store/..._feed.c) owns
 * the sockets and the thread; this is the protocol, free of both.
 */
#ifndef OIDC_CHANGE_FEED_H
#define OIDC_CHANGE_FEED_H

#include "core/util/oidc_core.h"

/* Counters go by the first bytes of a key: a longer key is cut. */
#define OIDC_CHANGE_FEED_MAX_KEY 64

typedef struct {
    const char *prefix;           /* the store's namespace */
    /* A record key (decoded from its hex name) changed. */
    void (*changed)(void *baton, const unsigned char *key, apr_size_t len);
    /* Any key may have changed (FLUSHALL, FLUSHDB). */
    void (*flushed)(void *baton);
    /* The server answered a PING. */
    void (*ponged)(void *baton);
    void *baton;
} oidc_change_feed_t;

/* The commands that turn a fresh connection into a feed for f->prefix. */
const char *oidc_change_feed_hello(apr_pool_t *p,
                                   const oidc_change_feed_t *f);

typedef enum {
    OIDC_FEED_MORE,     /* the answers are not all here yet */
    OIDC_FEED_READY,    /* HELLO and CLIENT TRACKING both answered */
    OIDC_FEED_REFUSED   /* an error reply, or not RESP3: *why says */
} oidc_feed_setup_t;

/* Reads the answers to oidc_change_feed_hello at buf[0..len): *used bytes
 * were taken, *answers (start at 0) counts them across calls. */
oidc_feed_setup_t oidc_change_feed_setup(apr_pool_t *p,
                                         const oidc_change_feed_t *f,
                                         const char *buf, apr_size_t len,
                                         apr_size_t *used, int *answers,
                                         const char **why);

/* Acts on every whole frame at the start of buf[0..len): *used bytes were
 * taken, the rest is a frame still arriving. 0 when the stream is not to
 * be trusted (not RESP, an error reply): the caller reconnects. */
int oidc_change_feed_read(const oidc_change_feed_t *f, const char *buf,
                          apr_size_t len, apr_size_t *used);

#endif
