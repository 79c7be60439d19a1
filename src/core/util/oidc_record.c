/* oidc_record.c: writer and bounds-checked reader of the record format. */
#include <string.h>

#include "core/util/oidc_record.h"

enum { FIELD_NULL = 0, FIELD_STR = 1, FIELD_TIME = 2, FIELD_BYTES = 3 };

/* 9999-12-31T23:59:59Z in microseconds: no time (or count) we write comes
 * near it, and arithmetic on times below it (ages, expiries) cannot
 * overflow. */
#define MAX_TIME APR_INT64_C(253402300799000000)

void oidc_record_writer_init(oidc_record_writer_t *w, apr_pool_t *p,
                             apr_size_t hint)
{
    w->pool = p;
    w->cap = hint < 64 ? 64 : hint;
    w->buf = apr_palloc(p, w->cap);
    w->len = 0;
}

/* A field: its type, its length as a base-128 varint (low groups first, high
 * bit = more; one byte up to 127), then its bytes. */
#define LEN_MAX_BYTES 4          /* lengths below 2^28 */

static void put_field(oidc_record_writer_t *w, unsigned char type,
                      const void *data, apr_size_t n)
{
    apr_size_t v = n;

    if (w->len + 1 + LEN_MAX_BYTES + n > w->cap) {
        apr_size_t cap = (w->cap + 1 + LEN_MAX_BYTES + n) * 2;
        unsigned char *buf = apr_palloc(w->pool, cap);
        memcpy(buf, w->buf, w->len);
        w->buf = buf;
        w->cap = cap;
    }
    w->buf[w->len++] = type;
    while (v >= 0x80) {
        w->buf[w->len++] = (unsigned char)(0x80 | (v & 0x7f));
        v >>= 7;
    }
    w->buf[w->len++] = (unsigned char)v;
    if (n > 0) {
        memcpy(w->buf + w->len, data, n);
    }
    w->len += n;
}

void oidc_record_put_str(oidc_record_writer_t *w, const char *s)
{
    if (s == NULL) {
        put_field(w, FIELD_NULL, NULL, 0);
    }
    else {
        put_field(w, FIELD_STR, s, strlen(s));
    }
}

void oidc_record_put_bytes(oidc_record_writer_t *w, const void *data,
                           apr_size_t n)
{
    put_field(w, FIELD_BYTES, data, n);
}

void oidc_record_put_time(oidc_record_writer_t *w, apr_time_t t)
{
    unsigned char b[8];
    apr_uint64_t v = (apr_uint64_t)t;
    int i;

    for (i = 7; i >= 0; i--) {
        b[i] = (unsigned char)v;
        v >>= 8;
    }
    put_field(w, FIELD_TIME, b, sizeof(b));
}

void oidc_record_reader_init(oidc_record_reader_t *rd,
                             const unsigned char *buf, apr_size_t len)
{
    rd->buf = buf;
    rd->len = len;
    rd->pos = 0;
    rd->failed = 0;
}

static const unsigned char *get_field(oidc_record_reader_t *rd,
                                      unsigned char *type, apr_size_t *n)
{
    apr_size_t len = 0, pos = rd->pos;
    int i;

    if (rd->failed || pos >= rd->len) {
        rd->failed = 1;
        return NULL;
    }
    *type = rd->buf[pos++];
    for (i = 0; ; i++) {
        unsigned char b;
        if (i == LEN_MAX_BYTES || pos >= rd->len) {
            rd->failed = 1;
            return NULL;
        }
        b = rd->buf[pos++];
        len |= (apr_size_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            break;
        }
    }
    if (len > rd->len - pos) {
        rd->failed = 1;
        return NULL;
    }
    *n = len;
    rd->pos = pos + len;
    return rd->buf + pos;
}

const char *oidc_record_get_str(oidc_record_reader_t *rd, apr_pool_t *p)
{
    unsigned char type = 0;
    apr_size_t n = 0;
    const unsigned char *d = get_field(rd, &type, &n);

    if (d == NULL || type == FIELD_NULL) {
        if (d != NULL && n != 0) {
            rd->failed = 1;
        }
        return NULL;
    }
    if (type != FIELD_STR || memchr(d, '\0', n) != NULL) {
        rd->failed = 1;
        return NULL;
    }
    return apr_pstrmemdup(p, (const char *)d, n);
}

const unsigned char *oidc_record_get_bytes(oidc_record_reader_t *rd,
                                          apr_size_t *n)
{
    unsigned char type = 0;
    const unsigned char *d = get_field(rd, &type, n);

    if (d == NULL || type != FIELD_BYTES) {
        rd->failed = 1;
        *n = 0;
        return NULL;
    }
    return d;
}

apr_time_t oidc_record_get_time(oidc_record_reader_t *rd)
{
    unsigned char type = 0;
    apr_size_t n = 0;
    const unsigned char *d = get_field(rd, &type, &n);
    apr_uint64_t v = 0;
    int i;

    if (d == NULL || type != FIELD_TIME || n != 8) {
        rd->failed = 1;
        return 0;
    }
    for (i = 0; i < 8; i++) {
        v = (v << 8) | d[i];
    }
    if (v > (apr_uint64_t)MAX_TIME) {    /* negative ones too */
        rd->failed = 1;
        return 0;
    }
    return (apr_time_t)v;
}

int oidc_record_done(const oidc_record_reader_t *rd)
{
    return !rd->failed && rd->pos == rd->len;
}
