/* oidc_session_image.c: a session as a head, a table of its claims, and
 * its strings, all found by their offset from the start of the image. The
 * image never leaves the process that made it, so its layout is that of
 * this build: there is no version to keep. */
#include <string.h>

#include "core/cache/oidc_session_image.h"

/* An offset from the start of the image; 0 stands for NULL, as only the
 * head starts there. */
typedef apr_size_t image_off_t;

typedef struct {
    apr_size_t len;                 /* of the whole image */
    apr_time_t created;
    apr_time_t last_seen;
    apr_time_t access_issued;
    apr_time_t access_expires;
    apr_time_t userinfo_at;
    image_off_t iss;
    image_off_t client_id;
    image_off_t sub;
    image_off_t sid;
    image_off_t id_token;
    image_off_t access_token;
    image_off_t refresh_token;
    image_off_t claims;
    image_off_t idt_part[3];
    apr_size_t idt_len[3];
    image_off_t prefix;             /* 0: no export names */
    int names_plain;
    int nclaims;
} image_head_t;

typedef struct {
    image_off_t name;
    image_off_t value;
    image_off_t export_name;        /* 0: not exported */
    int scalar;
} image_claim_t;

/* Measures (buf NULL), then writes, the same sequence of fields. */
typedef struct {
    unsigned char *buf;
    apr_size_t at;
} image_writer_t;

static image_off_t put(image_writer_t *w, const void *data, apr_size_t n,
                       int terminate)
{
    image_off_t off = w->at;

    if (data == NULL) {
        return 0;
    }
    if (w->buf != NULL) {
        memcpy(w->buf + off, data, n);
        if (terminate) {
            w->buf[off + n] = '\0';
        }
    }
    w->at += n + (terminate ? 1 : 0);
    return off;
}

static image_off_t put_str(image_writer_t *w, const char *s)
{
    return s != NULL ? put(w, s, strlen(s), 1) : 0;
}

static void write_image(image_writer_t *w, const oidc_session_t *s,
                        const oidc_claims_names_t *names)
{
    const apr_array_header_t *flat = s->flat;
    image_head_t h;
    apr_size_t table = sizeof(h);
    int i;

    memset(&h, 0, sizeof(h));
    w->at = table + (apr_size_t)flat->nelts * sizeof(image_claim_t);
    h.created = s->created;
    h.last_seen = s->last_seen;
    h.access_issued = s->access_issued;
    h.access_expires = s->access_expires;
    h.userinfo_at = s->userinfo_at;
    h.iss = put_str(w, s->iss);
    h.client_id = put_str(w, s->client_id);
    h.sub = put_str(w, s->sub);
    h.sid = put_str(w, s->sid);
    h.id_token = put_str(w, s->id_token);
    h.access_token = put_str(w, s->access_token);
    h.refresh_token = put_str(w, s->refresh_token);
    h.claims = put_str(w, s->claims);
    for (i = 0; i < 3; i++) {
        h.idt_part[i] = put(w, s->idt_part[i], s->idt_len[i], 0);
        h.idt_len[i] = s->idt_len[i];
    }
    h.prefix = names != NULL ? put_str(w, names->prefix) : 0;
    h.names_plain = names != NULL && names->plain;
    h.nclaims = flat->nelts;
    for (i = 0; i < flat->nelts; i++) {
        const oidc_lock_t *c = &APR_ARRAY_IDX(flat, i, oidc_lock_t);
        image_claim_t e;
        memset(&e, 0, sizeof(e));
        e.name = put_str(w, c->name);
        e.value = put_str(w, c->value);
        e.export_name = names != NULL ? put_str(w, names->names[i]) : 0;
        e.scalar = c->scalar;
        if (w->buf != NULL) {
            memcpy(w->buf + table + (apr_size_t)i * sizeof(e), &e, sizeof(e));
        }
    }
    h.len = w->at;
    if (w->buf != NULL) {
        memcpy(w->buf, &h, sizeof(h));
    }
}

unsigned char *oidc_session_image_make(apr_pool_t *p, const oidc_session_t *s,
                                       const char *prefix, apr_size_t *len)
{
    image_writer_t w = { NULL, 0 };
    const oidc_claims_names_t *names;

    if (s->claims_doc != NULL || s->id_claims != NULL || s->flat == NULL) {
        return NULL;
    }
    names = prefix != NULL ? oidc_claims_names_make(p, s->flat, prefix)
                           : NULL;
    write_image(&w, s, names);
    w.buf = apr_palloc(p, w.at);
    write_image(&w, s, names);
    *len = w.at;
    return w.buf;
}

static const char *str_at(const unsigned char *image, image_off_t off)
{
    return off != 0 ? (const char *)image + off : NULL;
}

oidc_session_t *oidc_session_image_open(apr_pool_t *p,
                                        const unsigned char *image,
                                        apr_size_t len)
{
    image_head_t h;
    oidc_session_t *s;
    apr_array_header_t *flat;
    const char **names = NULL;
    int i;

    if (len < sizeof(h)) {
        return NULL;
    }
    memcpy(&h, image, sizeof(h));
    if (h.len != len || h.nclaims < 0 || h.nclaims > OIDC_MAX_CLAIMS
        || (apr_size_t)h.nclaims * sizeof(image_claim_t) > len - sizeof(h)) {
        return NULL;
    }
    s = apr_pcalloc(p, sizeof(*s));
    s->created = h.created;
    s->last_seen = h.last_seen;
    s->access_issued = h.access_issued;
    s->access_expires = h.access_expires;
    s->userinfo_at = h.userinfo_at;
    s->iss = str_at(image, h.iss);
    s->client_id = str_at(image, h.client_id);
    s->sub = str_at(image, h.sub);
    s->sid = str_at(image, h.sid);
    s->id_token = str_at(image, h.id_token);
    s->access_token = str_at(image, h.access_token);
    s->refresh_token = str_at(image, h.refresh_token);
    s->claims = str_at(image, h.claims);
    for (i = 0; i < 3; i++) {
        s->idt_part[i] = h.idt_part[i] != 0 ? image + h.idt_part[i] : NULL;
        s->idt_len[i] = h.idt_len[i];
    }
    /* Sized once and filled in place: no push per claim, and not zeroed
     * first as apr_array_make would (every element is written below). */
    flat = apr_palloc(p, sizeof(*flat));
    flat->pool = p;
    flat->elt_size = sizeof(oidc_lock_t);
    flat->nelts = h.nclaims;
    flat->nalloc = h.nclaims > 0 ? h.nclaims : 1;
    flat->elts = apr_palloc(p, (apr_size_t)flat->nalloc
                                   * sizeof(oidc_lock_t));
    if (h.prefix != 0) {
        names = apr_palloc(p, sizeof(*names) * (apr_size_t)(h.nclaims + 1));
    }
    for (i = 0; i < h.nclaims; i++) {
        oidc_lock_t *c = &APR_ARRAY_IDX(flat, i, oidc_lock_t);
        image_claim_t e;
        memcpy(&e, image + sizeof(h) + (apr_size_t)i * sizeof(e), sizeof(e));
        c->name = str_at(image, e.name);
        c->value = str_at(image, e.value);
        c->scalar = e.scalar;
        if (names != NULL) {
            names[i] = str_at(image, e.export_name);
        }
    }
    s->flat = flat;
    if (names != NULL) {
        oidc_claims_names_t *n = apr_palloc(p, sizeof(*n));
        apr_table_t *env = apr_table_make(p, h.nclaims);
        n->prefix = str_at(image, h.prefix);
        n->names = names;
        n->plain = h.names_plain;
        s->export_names = n;
        for (i = 0; i < h.nclaims; i++) {
            if (names[i] != NULL) {
                apr_table_addn(env, names[i],
                               APR_ARRAY_IDX(flat, i, oidc_lock_t).value);
            }
        }
        s->export_env = env;
    }
    return s;
}
