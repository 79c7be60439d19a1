/* oidc_session.c: session ids, record sealing and lifetime rules. */
#include <stdlib.h>
#include <string.h>

#include "core/session/oidc_session.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/util/oidc_record.h"
#include "core/proto/oidc_claims.h"
#include "core/util/oidc_json.h"

#define SESSION_RECORD_VERSION "sess6"
#define STORE_KEY_LABEL "mod_authnz_oidc session id"
#define ENDED_LABEL "mod_authnz_oidc session ended"

const char *oidc_session_new_id(apr_pool_t *p)
{
    return oidc_random_token(p, 32);
}

int oidc_session_id_wellformed(const char *id)
{
    return id != NULL && strlen(id) == OIDC_SESSION_ID_LEN
        && oidc_is_b64url(id, OIDC_SESSION_ID_LEN);
}

void oidc_session_store_key(const char *id,
                            unsigned char key[OIDC_SESSION_STORE_KEY_LEN])
{
    oidc_sha256_labelled(STORE_KEY_LABEL, id, OIDC_SESSION_ID_LEN, key);
}

const char *oidc_session_id_token(apr_pool_t *p, const oidc_session_t *s)
{
    if (s->id_token != NULL || s->idt_part[0] == NULL) {
        return s->id_token;
    }
    return apr_pstrcat(p,
        oidc_b64url_encode(p, s->idt_part[0], s->idt_len[0]), ".",
        oidc_b64url_encode(p, s->idt_part[1], s->idt_len[1]), ".",
        oidc_b64url_encode(p, s->idt_part[2], s->idt_len[2]), NULL);
}

/* The ID token's payload as JSON text, NULL when it has none. */
static const char *id_token_payload(apr_pool_t *p, const oidc_session_t *s)
{
    const char *dot1, *dot2;
    unsigned char *raw;
    apr_size_t len;

    if (s->id_token == NULL && s->idt_part[1] != NULL) {
        return apr_pstrmemdup(p, (const char *)s->idt_part[1],
                              s->idt_len[1]);
    }
    dot1 = s->id_token ? strchr(s->id_token, '.') : NULL;
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot2 == NULL) {
        return NULL;
    }
    raw = oidc_b64url_decode(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1),
                             &len);
    return (const char *)raw;     /* NUL-terminated by the decoder */
}

/* Stored claims beyond the ID token's start with this mark. */
#define CLAIMS_EXTRA '+'

const char *oidc_session_claims(apr_pool_t *p, const oidc_session_t *s)
{
    const char *payload;
    json_t *claims, *token;

    if (s->claims != NULL && s->claims[0] != CLAIMS_EXTRA) {
        return s->claims;
    }
    if (s->claims_doc != NULL) {
        return oidc_json_dump(p, s->claims_doc);
    }
    payload = id_token_payload(p, s);
    if (s->claims == NULL || payload == NULL) {
        return payload;
    }
    /* The ID token's claims over the rest, as when they were stored. */
    claims = oidc_json_parse(p, s->claims + 1, strlen(s->claims + 1));
    token = oidc_json_parse(p, payload, strlen(payload));
    claims = claims ? oidc_json_pool_own(p, json_deep_copy(claims)) : NULL;
    if (!json_is_object(claims) || !json_is_object(token)
        || json_object_update(claims, token) != 0) {
        return NULL;
    }
    return oidc_json_dump(p, claims);
}

/* How the record keeps claims, in *out: NULL when they are the ID token's;
 * the mark and the claims the token lacks when the token's are all there
 * as they are in it; else the whole text (`text` when the caller has it).
 * APR_EINVAL when the claims do not serialise. */
static apr_status_t claims_to_store(apr_pool_t *p, const oidc_session_t *s,
                                    const char *text, json_t *claims,
                                    const char **out)
{
    const char *payload = s->id_claims ? NULL : id_token_payload(p, s);
    json_t *token = s->id_claims ? (json_t *)s->id_claims
                  : payload ? oidc_json_parse(p, payload, strlen(payload))
                  : NULL;
    json_t *extra, *v;
    const char *k;
    char *dump;

    *out = NULL;
    if (!json_is_object(token)) {
        goto whole;
    }
    json_object_foreach(token, k, v) {
        if (!json_equal(json_object_get(claims, k), v)) {
            goto whole;
        }
    }
    extra = oidc_json_pool_own(p, json_object());
    json_object_foreach(claims, k, v) {
        if (json_object_get(token, k) == NULL
            && json_object_set(extra, k, v) != 0) {
            goto whole;
        }
    }
    if (json_object_size(extra) == 0) {
        return APR_SUCCESS;
    }
    dump = json_dumps(extra, JSON_COMPACT);
    if (dump == NULL) {
        goto whole;
    }
    *out = apr_psprintf(p, "%c%s", CLAIMS_EXTRA, dump);
    free(dump);
    return APR_SUCCESS;
whole:
    *out = text ? text : oidc_json_dump(p, claims);
    return *out ? APR_SUCCESS : APR_EINVAL;
}

/* The ID token in three byte fields, its parts decoded, when encoding them
 * again gives back the very same token (a signature covers its text);
 * otherwise as text and two empty fields. */
static void put_id_token(oidc_record_writer_t *w, apr_pool_t *p,
                         const oidc_session_t *s)
{
    const char *token = s->id_token, *seg[3], *end[3];
    unsigned char *raw[3];
    apr_size_t len[3];
    int i;

    if (token == NULL && s->idt_part[0] != NULL) {
        for (i = 0; i < 3; i++) {
            oidc_record_put_bytes(w, s->idt_part[i], s->idt_len[i]);
        }
        return;
    }
    seg[0] = token;
    end[0] = token ? strchr(token, '.') : NULL;
    seg[1] = end[0] ? end[0] + 1 : NULL;
    end[1] = seg[1] ? strchr(seg[1], '.') : NULL;
    seg[2] = end[1] ? end[1] + 1 : NULL;
    end[2] = seg[2] ? seg[2] + strlen(seg[2]) : NULL;
    for (i = 0; i < 3 && seg[2] != NULL && strchr(seg[2], '.') == NULL; i++) {
        apr_size_t n = (apr_size_t)(end[i] - seg[i]);
        const char *again;
        raw[i] = oidc_b64url_decode(p, seg[i], n, &len[i]);
        again = raw[i] ? oidc_b64url_encode(p, raw[i], len[i]) : NULL;
        if (again == NULL || strlen(again) != n
            || memcmp(again, seg[i], n) != 0) {
            break;
        }
    }
    if (i == 3) {
        for (i = 0; i < 3; i++) {
            oidc_record_put_bytes(w, raw[i], len[i]);
        }
        return;
    }
    oidc_record_put_str(w, token);
    oidc_record_put_str(w, NULL);
    oidc_record_put_str(w, NULL);
}

/* The other half of put_id_token. */
static void get_id_token(oidc_record_reader_t *rd, apr_pool_t *p,
                         oidc_session_t *s)
{
    oidc_record_reader_t peek = *rd;
    int i;

    if (oidc_record_get_bytes(&peek, &s->idt_len[0]) == NULL) {
        s->id_token = oidc_record_get_str(rd, p);
        if (oidc_record_get_str(rd, p) != NULL
            || oidc_record_get_str(rd, p) != NULL) {
            rd->failed = 1;
        }
        return;
    }
    for (i = 0; i < 3; i++) {
        s->idt_part[i] = oidc_record_get_bytes(rd, &s->idt_len[i]);
    }
}

apr_status_t oidc_session_set_claims(apr_pool_t *p, oidc_session_t *s,
                                     const char *claims)
{
    json_t *doc = oidc_json_parse(p, claims, strlen(claims));

    if (!json_is_object(doc)) {
        return APR_EINVAL;
    }
    s->claims = claims;
    s->claims_doc = doc;
    s->flat = oidc_claims_flatten(p, doc);
    s->export_names = NULL;
    s->export_env = NULL;
    return APR_SUCCESS;
}

apr_status_t oidc_session_set_claims_doc(apr_pool_t *p, oidc_session_t *s,
                                         const json_t *doc)
{
    if (!json_is_object(doc)) {
        return APR_EINVAL;
    }
    s->claims = NULL;       /* the text is made when asked for, if ever */
    s->claims_doc = doc;
    s->flat = oidc_claims_flatten(p, doc);
    s->export_names = NULL;
    s->export_env = NULL;
    return APR_SUCCESS;
}

/* The flat claims in one field: per claim its kind ('s' scalar, 'o'
 * other), its name, NUL, its value, NUL. Neither holds a NUL: names are C
 * strings and values are scrubbed of control characters. */
static void put_flat(oidc_record_writer_t *w, apr_pool_t *p,
                     const apr_array_header_t *flat)
{
    apr_size_t total = 0, at = 0;
    char *buf;
    int i;

    for (i = 0; i < flat->nelts; i++) {
        const oidc_lock_t *c = &APR_ARRAY_IDX(flat, i, oidc_lock_t);
        total += 1 + strlen(c->name) + 1 + strlen(c->value) + 1;
    }
    buf = apr_palloc(p, total + 1);
    for (i = 0; i < flat->nelts; i++) {
        const oidc_lock_t *c = &APR_ARRAY_IDX(flat, i, oidc_lock_t);
        apr_size_t n = strlen(c->name) + 1, v = strlen(c->value) + 1;
        buf[at++] = c->scalar ? 's' : 'o';
        memcpy(buf + at, c->name, n);
        at += n;
        memcpy(buf + at, c->value, v);
        at += v;
    }
    oidc_record_put_bytes(w, buf, total);
}

static const apr_array_header_t *get_flat(oidc_record_reader_t *rd,
                                         apr_pool_t *p)
{
    apr_size_t len, at = 0;
    const unsigned char *d = oidc_record_get_bytes(rd, &len);
    const char *buf = (const char *)d;
    apr_array_header_t *flat;

    /* Every value ends with a NUL, so names and values point into the
     * record itself, which lives as long as the session (as idt_part). */
    if (d == NULL || (len > 0 && d[len - 1] != '\0')) {
        return NULL;
    }
    flat = apr_array_make(p, 16, sizeof(oidc_lock_t));
    while (at < len) {
        oidc_lock_t *c;
        char kind = buf[at++];
        apr_size_t name_end, value_end;

        if ((kind != 's' && kind != 'o') || flat->nelts >= OIDC_MAX_CLAIMS) {
            return NULL;
        }
        name_end = at + strlen(buf + at);
        if (name_end >= len) {
            return NULL;
        }
        value_end = name_end + 1 + strlen(buf + name_end + 1);
        if (value_end >= len) {
            return NULL;
        }
        c = apr_array_push(flat);
        c->scalar = kind == 's';
        c->name = buf + at;
        c->value = buf + name_end + 1;
        at = value_end + 1;
    }
    return flat;
}

/* The associated data: the id, then the binding, each ended by a NUL
 * (none of them holds one), so no two bindings give the same bytes. */
static const char *session_aad(apr_pool_t *p, const char *id,
                               const oidc_binding_t *b,
                               apr_size_t *len)
{
    apr_size_t id_len = strlen(id), iss_len = strlen(b->iss);
    apr_size_t client_len = strlen(b->client_id);
    char *aad = apr_palloc(p, id_len + iss_len + client_len + 3);

    memcpy(aad, id, id_len + 1);
    memcpy(aad + id_len + 1, b->iss, iss_len + 1);
    memcpy(aad + id_len + iss_len + 2, b->client_id, client_len + 1);
    *len = id_len + iss_len + client_len + 3;
    return aad;
}

int oidc_session_bound_to(const oidc_session_t *s,
                          const oidc_binding_t *b)
{
    return s->iss != NULL && s->client_id != NULL
        && strcmp(s->iss, b->iss) == 0
        && strcmp(s->client_id, b->client_id) == 0;
}

apr_status_t oidc_session_seal(apr_pool_t *p, const unsigned char *key,
                               const char *id, const oidc_session_t *s,
                               apr_size_t max_len, unsigned char **out,
                               apr_size_t *out_len)
{
    oidc_record_writer_t w;
    const char *text = NULL, *stored;
    const json_t *claims = s->claims_doc;
    const apr_array_header_t *flat = s->flat;
    oidc_binding_t binding;
    const char *aad;
    apr_size_t aad_len;

    if (s->iss == NULL || s->client_id == NULL) {
        return APR_EINVAL;
    }
    if (claims == NULL) {       /* an opened record: its claims as text */
        text = oidc_session_claims(p, s);
        claims = text ? oidc_json_parse(p, text, strlen(text)) : NULL;
        flat = json_is_object(claims) ? oidc_claims_flatten(p, claims) : NULL;
    }
    /* jansson iterates over non-const objects only. */
    if (!json_is_object(claims)
        || claims_to_store(p, s, text, (json_t *)claims, &stored)
           != APR_SUCCESS) {
        return APR_EINVAL;
    }
    oidc_record_writer_init(&w, p, 4096);
    oidc_record_put_str(&w, SESSION_RECORD_VERSION);
    oidc_record_put_time(&w, s->created);
    oidc_record_put_time(&w, s->last_seen);
    oidc_record_put_time(&w, s->access_issued);
    oidc_record_put_time(&w, s->access_expires);
    oidc_record_put_time(&w, s->userinfo_at);
    oidc_record_put_str(&w, s->iss);
    oidc_record_put_str(&w, s->client_id);
    oidc_record_put_str(&w, s->sub);
    oidc_record_put_str(&w, s->sid);
    put_id_token(&w, p, s);
    oidc_record_put_str(&w, s->access_token);
    oidc_record_put_str(&w, s->refresh_token);
    oidc_record_put_str(&w, stored);
    put_flat(&w, p, flat);
    if (w.len + OIDC_AEAD_OVERHEAD > max_len) {
        return APR_ENOSPC;
    }
    binding.iss = s->iss;
    binding.client_id = s->client_id;
    aad = session_aad(p, id, &binding, &aad_len);
    return oidc_aead_seal(p, key, aad, aad_len, w.buf, w.len, out, out_len);
}

apr_status_t oidc_session_decrypt(apr_pool_t *p, const unsigned char *key,
                                  const char *id,
                                  const oidc_binding_t *binding,
                                  const unsigned char *in,
                                  apr_size_t len, unsigned char **plain,
                                  apr_size_t *plain_len)
{
    apr_size_t aad_len;
    const char *aad = session_aad(p, id, binding, &aad_len);

    return oidc_aead_open(p, key, aad, aad_len, in, len, plain, plain_len)
           == APR_SUCCESS ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t oidc_session_parse(apr_pool_t *p, const unsigned char *plain,
                                apr_size_t plain_len, oidc_session_t **out)
{
    oidc_record_reader_t rd;
    oidc_session_t *s;
    const char *version;

    *out = NULL;
    s = apr_pcalloc(p, sizeof(*s));
    oidc_record_reader_init(&rd, plain, plain_len);
    version = oidc_record_get_str(&rd, p);
    s->created = oidc_record_get_time(&rd);
    s->last_seen = oidc_record_get_time(&rd);
    s->access_issued = oidc_record_get_time(&rd);
    s->access_expires = oidc_record_get_time(&rd);
    s->userinfo_at = oidc_record_get_time(&rd);
    s->iss = oidc_record_get_str(&rd, p);
    s->client_id = oidc_record_get_str(&rd, p);
    s->sub = oidc_record_get_str(&rd, p);
    s->sid = oidc_record_get_str(&rd, p);
    get_id_token(&rd, p, s);
    s->access_token = oidc_record_get_str(&rd, p);
    s->refresh_token = oidc_record_get_str(&rd, p);
    s->claims = oidc_record_get_str(&rd, p);
    s->flat = get_flat(&rd, p);
    if (!oidc_record_done(&rd) || version == NULL
        || strcmp(version, SESSION_RECORD_VERSION) != 0 || s->sub == NULL
        || s->iss == NULL || s->client_id == NULL
        || s->flat == NULL
        || ((s->claims == NULL || s->claims[0] == CLAIMS_EXTRA)
            && s->id_token == NULL && s->idt_part[0] == NULL)) {
        return APR_EGENERAL;
    }
    *out = s;
    return APR_SUCCESS;
}

apr_status_t oidc_session_open(apr_pool_t *p, const unsigned char *key,
                               const char *id,
                               const oidc_binding_t *binding,
                               const unsigned char *in,
                               apr_size_t len, oidc_session_t **out)
{
    unsigned char *plain;
    apr_size_t plain_len;

    *out = NULL;
    if (oidc_session_decrypt(p, key, id, binding, in, len, &plain,
                             &plain_len) != APR_SUCCESS
        || oidc_session_parse(p, plain, plain_len, out) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    if (!oidc_session_bound_to(*out, binding)) {
        *out = NULL;
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

oidc_session_freshness_t oidc_session_freshness(const oidc_session_t *s,
                                                apr_time_t now,
                                                apr_interval_time_t inactivity,
                                                apr_interval_time_t max_age)
{
    if (now - s->created > max_age || s->created > now + apr_time_from_sec(300)) {
        return OIDC_SESSION_EXPIRED;
    }
    if (now - s->last_seen > inactivity) {
        return OIDC_SESSION_IDLE;
    }
    return OIDC_SESSION_VALID;
}

int oidc_session_needs_touch(const oidc_session_t *s, apr_time_t now,
                             apr_interval_time_t inactivity)
{
    return now - s->last_seen > inactivity / OIDC_SESSION_TOUCH_FRACTION;
}

apr_time_t oidc_session_store_expiry(const oidc_session_t *s,
                                     apr_interval_time_t inactivity,
                                     apr_interval_time_t max_age)
{
    apr_time_t idle_end = s->last_seen + inactivity;
    apr_time_t age_end = s->created + max_age;
    return idle_end < age_end ? idle_end : age_end;
}

int oidc_session_refresh_due(const oidc_session_t *s, apr_time_t now,
                             apr_interval_time_t before)
{
    apr_interval_time_t lifetime = s->access_expires - s->access_issued;

    if (s->refresh_token == NULL || s->access_expires == 0) {
        return 0;
    }
    /* A token that lives shorter than twice the lead time would otherwise
     * be refreshed on every request. */
    if (lifetime > 0 && before > lifetime / 2) {
        before = lifetime / 2;
    }
    return now >= s->access_expires - before;
}

static void ended_key(const unsigned char *store_key, unsigned char out[32])
{
    oidc_sha256_labelled(ENDED_LABEL, store_key, OIDC_SESSION_STORE_KEY_LEN,
                         out);
}

apr_status_t oidc_session_end(const oidc_store_t *store, apr_pool_t *p,
                              const unsigned char *store_key,
                              apr_time_t mark_expiry)
{
    unsigned char mark[32];
    apr_status_t rv;

    ended_key(store_key, mark);
    rv = store->put(store, p, mark, sizeof(mark), mark_expiry,
                    (const unsigned char *)"1", 1);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return store->del(store, p, store_key, OIDC_SESSION_STORE_KEY_LEN);
}

int oidc_session_was_ended(const oidc_store_t *store, apr_pool_t *p,
                           const unsigned char *store_key)
{
    unsigned char mark[32], *val;
    apr_size_t len;

    ended_key(store_key, mark);
    return store->get(store, p, mark, sizeof(mark), &val, &len)
           == APR_SUCCESS;
}
