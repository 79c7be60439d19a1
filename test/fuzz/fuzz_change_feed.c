/*
 * fuzz_change_feed.c: what a redis server sends a tracking connection,
 * read as mod_authnz_oidc_feed.c does: the set-up answers first, then the
 * stream, each in pieces that arrive as the input says.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/cache/oidc_change_feed.h"

static void on_changed(void *baton, const unsigned char *key, apr_size_t n)
{
    if (n == 0 || n > OIDC_CHANGE_FEED_MAX_KEY) {
        __builtin_trap();
    }
    *(apr_size_t *)baton += key[0] + key[n - 1];
}

static void on_event(void *baton)
{
    (*(apr_size_t *)baton)++;
}

/* Takes whole frames from buf as the glue does; 0 once the stream is not
 * trusted. */
static int take(const oidc_change_feed_t *f, apr_pool_t *p, char *buf,
                apr_size_t *len, int *answers)
{
    apr_size_t used = 0;
    const char *why;
    int ok = 1;

    if (*answers < 2) {
        oidc_feed_setup_t st = oidc_change_feed_setup(p, f, buf, *len, &used,
                                                      answers, &why);
        ok = st != OIDC_FEED_REFUSED;
    }
    else {
        ok = oidc_change_feed_read(f, buf, *len, &used);
    }
    if (used > *len) {
        __builtin_trap();
    }
    memmove(buf, buf + used, *len - used);
    *len -= used;
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_size_t events = 0, len = 0, at = 0, piece;
    oidc_change_feed_t f = { "authnz_oidc:", on_changed, on_event, on_event,
                             NULL };
    char *buf = malloc(size ? size : 1);
    int answers = 0;

    f.baton = &events;
    /* The first byte sets how the bytes arrive: in pieces of 1..256. */
    piece = size ? (apr_size_t)data[0] + 1 : 1;
    while (at < size) {
        apr_size_t n = size - at < piece ? size - at : piece;
        memcpy(buf + len, data + at, n);
        len += n;
        at += n;
        if (!take(&f, p, buf, &len, &answers)) {
            break;
        }
    }
    free(buf);
    apr_pool_destroy(p);
    return 0;
}
