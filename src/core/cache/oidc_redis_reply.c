/* oidc_redis_reply.c: RESP3 frames, as far as a connection following key changes
 * needs them. A frame is first walked whole (lengths checked, nothing
 * reported), then, when it is an invalidation, walked again for its keys.
 * An invalidation of an unexpected shape reads as a flush: forgetting too
 * much is safe, forgetting too little is not. */
#include <string.h>

#include "core/cache/oidc_redis_reply.h"

/* Longest header or simple-string line accepted. */
#define MAX_LINE 4096
#define INVALIDATE "invalidate"

typedef enum { WALK_OK, WALK_MORE, WALK_BAD } walk_t;

/* The line starting at pos: *eol is where its CRLF starts. */
static walk_t line_at(const char *buf, apr_size_t len, apr_size_t pos,
                      apr_size_t *eol)
{
    const char *cr = memchr(buf + pos, '\r', len - pos);

    if (cr == NULL) {
        return len - pos > MAX_LINE ? WALK_BAD : WALK_MORE;
    }
    *eol = (apr_size_t)(cr - buf);
    if (*eol - pos > MAX_LINE) {
        return WALK_BAD;
    }
    if (*eol + 1 >= len) {
        return WALK_MORE;
    }
    return buf[*eol + 1] == '\n' ? WALK_OK : WALK_BAD;
}

/* A length or count: -1, or 0 up to a bound far below overflow. */
static int number(const char *s, apr_size_t n, apr_int64_t *out)
{
    apr_size_t i = 0;

    if (n == 2 && s[0] == '-' && s[1] == '1') {
        *out = -1;
        return 1;
    }
    if (n == 0 || n > 9) {
        return 0;
    }
    *out = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        *out = *out * 10 + (s[i] - '0');
    }
    return 1;
}

/* Steps *pos over one whole value. */
static walk_t walk(const char *buf, apr_size_t len, apr_size_t *pos,
                   int depth)
{
    apr_size_t eol, after;
    apr_int64_t n, count, i;
    char type;
    walk_t r;

    if (depth > OIDC_REDIS_MAX_DEPTH) {
        return WALK_BAD;
    }
    if (*pos >= len) {
        return WALK_MORE;
    }
    type = buf[*pos];
    r = line_at(buf, len, *pos + 1, &eol);
    if (r != WALK_OK) {
        return r;
    }
    after = eol + 2;
    switch (type) {
    case '+': case '-': case ':': case ',': case '#': case '(': case '_':
        *pos = after;
        return WALK_OK;
    case '$': case '!': case '=':
        if (!number(buf + *pos + 1, eol - *pos - 1, &n)) {
            return WALK_BAD;
        }
        if (n == -1 && type == '$') {
            *pos = after;
            return WALK_OK;
        }
        if (n < 0 || n > OIDC_REDIS_MAX_BULK) {
            return WALK_BAD;
        }
        if (len - after < (apr_size_t)n + 2) {
            return WALK_MORE;
        }
        if (buf[after + n] != '\r' || buf[after + n + 1] != '\n') {
            return WALK_BAD;
        }
        *pos = after + (apr_size_t)n + 2;
        return WALK_OK;
    case '*': case '~': case '>': case '%': case '|':
        if (!number(buf + *pos + 1, eol - *pos - 1, &n)) {
            return WALK_BAD;
        }
        *pos = after;
        if (n == -1 && type == '*') {
            return WALK_OK;
        }
        if (n < 0 || n > OIDC_REDIS_MAX_COUNT) {
            return WALK_BAD;
        }
        count = (type == '%' || type == '|') ? 2 * n : n;
        for (i = 0; i < count; i++) {
            r = walk(buf, len, pos, depth + 1);
            if (r != WALK_OK) {
                return r;
            }
        }
        /* An attribute comes before the value it describes. */
        return type == '|' ? walk(buf, len, pos, depth + 1) : WALK_OK;
    default:
        return WALK_BAD;
    }
}

/* The string of the given type ('$' bulk, '!' error) at *pos of a frame
 * of len bytes already walked: 0 when the value there is something else. */
static int string_at(const char *buf, apr_size_t len, char type,
                     apr_size_t *pos, const char **s, apr_size_t *n)
{
    apr_size_t eol;
    apr_int64_t v;

    if (*pos >= len || buf[*pos] != type
        || line_at(buf, len, *pos + 1, &eol) != WALK_OK
        || !number(buf + *pos + 1, eol - *pos - 1, &v) || v < 0) {
        return 0;
    }
    *s = buf + eol + 2;
    *n = (apr_size_t)v;
    *pos = eol + 2 + *n + 2;
    return 1;
}

/* ">2 $10 invalidate <keys>", where keys is an array of bulk strings, or
 * null when every key is gone. */
static oidc_redis_frame_t push(const char *buf, apr_size_t len,
                              oidc_redis_key_fn on_key, void *baton)
{
    apr_size_t pos = 4, n, mark, eol;
    apr_int64_t count, i;
    const char *s;

    if (len < pos || memcmp(buf, ">2\r\n", pos) != 0
        || !string_at(buf, len, '$', &pos, &s, &n)
        || n != sizeof(INVALIDATE) - 1 || memcmp(s, INVALIDATE, n) != 0) {
        return OIDC_REDIS_OTHER;
    }
    if (buf[pos] != '*' || line_at(buf, len, pos + 1, &eol) != WALK_OK
        || !number(buf + pos + 1, eol - pos - 1, &count) || count < 0) {
        return OIDC_REDIS_FLUSH;
    }
    /* Every element a bulk string, or nothing is reported but a flush. */
    mark = eol + 2;
    for (pos = mark, i = 0; i < count; i++) {
        if (!string_at(buf, len, '$', &pos, &s, &n)) {
            return OIDC_REDIS_FLUSH;
        }
    }
    for (pos = mark, i = 0; i < count; i++) {
        string_at(buf, len, '$', &pos, &s, &n);
        on_key(baton, s, n);
    }
    return OIDC_REDIS_INVALIDATE;
}

oidc_redis_frame_t oidc_redis_read(const char *buf, apr_size_t len,
                                 apr_size_t *used, const char **text,
                                 apr_size_t *text_len,
                                 oidc_redis_key_fn on_key, void *baton)
{
    apr_size_t pos = 0, eol;
    walk_t r = walk(buf, len, &pos, 0);

    *text = "";
    *text_len = 0;
    if (r != WALK_OK) {
        return r == WALK_MORE ? OIDC_REDIS_MORE : OIDC_REDIS_BAD;
    }
    *used = pos;
    switch (buf[0]) {
    case '+':
    case '-':
        line_at(buf, *used, 1, &eol);
        *text = buf + 1;
        *text_len = eol - 1;
        return buf[0] == '+' ? OIDC_REDIS_STATUS : OIDC_REDIS_ERROR;
    case '!':
        pos = 0;
        string_at(buf, *used, '!', &pos, text, text_len);
        return OIDC_REDIS_ERROR;
    case '>':
        return push(buf, *used, on_key, baton);
    default:
        return OIDC_REDIS_OTHER;
    }
}
