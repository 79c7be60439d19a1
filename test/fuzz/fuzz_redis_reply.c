/*
 * fuzz_redis_reply.c: what a redis server sends to the connection that follows
 * session key changes, read frame by frame as mod_authnz_oidc_watch.c's
 * drain does, with the input arriving in two pieces.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/cache/oidc_redis_reply.h"

static void on_key(void *baton, const char *key, apr_size_t len)
{
    apr_size_t *total = baton;

    /* Touch every byte: a key must lie inside the frame. */
    if (len > 0 && (key[0] == '\0' || key[len - 1] == '\0')) {
        (*total)++;
    }
    *total += len;
}

static void read_stream(const char *buf, apr_size_t len)
{
    apr_size_t at = 0, used, text_len, keys = 0;
    const char *text;

    for (;;) {
        oidc_redis_frame_t f = oidc_redis_read(buf + at, len - at, &used,
                                             &text, &text_len, on_key,
                                             &keys);
        if (f == OIDC_REDIS_MORE || f == OIDC_REDIS_BAD) {
            return;
        }
        if (used == 0 || used > len - at || text_len > used) {
            __builtin_trap();
        }
        at += used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so that reading past it is caught. */
    char *buf = malloc(size ? size : 1);

    memcpy(buf, data, size);
    read_stream(buf, size);
    read_stream(buf, size / 2);
    free(buf);
    return 0;
}
