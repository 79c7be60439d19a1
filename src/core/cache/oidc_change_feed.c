/* oidc_change_feed.c: invalidation pushes to key changes. */
#include <string.h>
#include <apr_strings.h>

#include "core/cache/oidc_change_feed.h"
#include "core/cache/oidc_redis_reply.h"
#include "core/util/oidc_encode.h"

const char *oidc_change_feed_hello(apr_pool_t *p,
                                   const oidc_change_feed_t *f)
{
    return apr_psprintf(p,
        "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"
        "*6\r\n$6\r\nCLIENT\r\n$8\r\nTRACKING\r\n$2\r\nON\r\n$5\r\nBCAST\r\n"
        "$6\r\nPREFIX\r\n$%" APR_SIZE_T_FMT "\r\n%s\r\n",
        strlen(f->prefix), f->prefix);
}

/* A key name from an invalidation: the records' are the prefix and hex;
 * other names under the prefix (locks, marks) are not records. */
static void key_named(void *baton, const char *name, apr_size_t len)
{
    const oidc_change_feed_t *f = baton;
    apr_size_t plen = strlen(f->prefix), hex_len;
    unsigned char key[OIDC_CHANGE_FEED_MAX_KEY];
    apr_size_t key_len;

    if (len <= plen || memcmp(name, f->prefix, plen) != 0) {
        return;
    }
    hex_len = len - plen;
    if (hex_len > 2 * sizeof(key)) {
        hex_len = 2 * sizeof(key);
    }
    if (oidc_hex_decode(name + plen, hex_len, key, &key_len) == APR_SUCCESS) {
        f->changed(f->baton, key, key_len);
    }
}

static const char *refusal(apr_pool_t *p, oidc_redis_frame_t fr,
                           const char *text, apr_size_t text_len)
{
    if (fr != OIDC_REDIS_ERROR) {
        return "it does not speak RESP3";
    }
    return apr_psprintf(p, "it answered: %.*s (redis 6 or later is needed, "
                        "with the CLIENT command allowed)",
                        (int)(text_len > 200 ? 200 : text_len), text);
}

oidc_feed_setup_t oidc_change_feed_setup(apr_pool_t *p,
                                         const oidc_change_feed_t *f,
                                         const char *buf, apr_size_t len,
                                         apr_size_t *used, int *answers,
                                         const char **why)
{
    apr_size_t at = 0, n, text_len;
    const char *text;
    oidc_redis_frame_t fr;

    /* HELLO's map, then CLIENT TRACKING's OK. */
    while (*answers < 2) {
        fr = oidc_redis_read(buf + at, len - at, &n, &text, &text_len,
                             key_named, (void *)f);
        if (fr == OIDC_REDIS_MORE) {
            *used = at;
            return OIDC_FEED_MORE;
        }
        if (fr == OIDC_REDIS_BAD || fr == OIDC_REDIS_ERROR
            || (*answers == 1 && fr != OIDC_REDIS_STATUS)) {
            *why = refusal(p, fr, text, text_len);
            return OIDC_FEED_REFUSED;
        }
        (*answers)++;
        at += n;
    }
    *used = at;
    return OIDC_FEED_READY;
}

int oidc_change_feed_read(const oidc_change_feed_t *f, const char *buf,
                          apr_size_t len, apr_size_t *used)
{
    apr_size_t at = 0, n, text_len;
    const char *text;
    oidc_redis_frame_t fr;

    for (;;) {
        fr = oidc_redis_read(buf + at, len - at, &n, &text, &text_len,
                             key_named, (void *)f);
        if (fr == OIDC_REDIS_MORE) {
            *used = at;
            return 1;
        }
        if (fr == OIDC_REDIS_BAD || fr == OIDC_REDIS_ERROR) {
            *used = at;
            return 0;
        }
        if (fr == OIDC_REDIS_FLUSH) {
            f->flushed(f->baton);
        }
        else if (fr == OIDC_REDIS_STATUS && text_len == 4
                 && memcmp(text, "PONG", 4) == 0) {
            f->ponged(f->baton);
        }
        at += n;
    }
}
