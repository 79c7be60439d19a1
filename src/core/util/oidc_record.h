/*
 * oidc_record.h: the compact binary form of flow state and session records.
 *
 * A record is a sequence of fields, each a 1-byte type, a varint length
 * (one byte for most fields) and the bytes. Reading is bounds-checked everywhere, so a record is
 * cheap to decode on every request and can never be read past its end.
 */
#ifndef OIDC_RECORD_H
#define OIDC_RECORD_H

#include "core/util/oidc_core.h"

typedef struct {
    apr_pool_t *pool;
    unsigned char *buf;
    apr_size_t len, cap;
} oidc_record_writer_t;

void oidc_record_writer_init(oidc_record_writer_t *w, apr_pool_t *p,
                             apr_size_t hint);
void oidc_record_put_str(oidc_record_writer_t *w, const char *s);
void oidc_record_put_time(oidc_record_writer_t *w, apr_time_t t);
void oidc_record_put_bytes(oidc_record_writer_t *w, const void *data,
                           apr_size_t n);

typedef struct {
    const unsigned char *buf;
    apr_size_t len, pos;
    int failed;
} oidc_record_reader_t;

void oidc_record_reader_init(oidc_record_reader_t *rd,
                             const unsigned char *buf, apr_size_t len);
/* NULL field (absent) and "" are kept apart; a malformed record sets
 * rd->failed and returns NULL / 0 from then on. A time before 1970 or after
 * the year 9999 is malformed. */
const char *oidc_record_get_str(oidc_record_reader_t *rd, apr_pool_t *p);
apr_time_t oidc_record_get_time(oidc_record_reader_t *rd);
/* Points into the record (not copied); NULL when this field is not bytes. */
const unsigned char *oidc_record_get_bytes(oidc_record_reader_t *rd,
                                          apr_size_t *n);
/* True when every byte was read and nothing failed. */
int oidc_record_done(const oidc_record_reader_t *rd);

#endif
