/* oidc_session.c: session ids, record sealing and lifetime rules. */
#include <string.h>

#include "oidc_session.h"
#include "oidc_crypto.h"
#include "oidc_encode.h"
#include "oidc_record.h"
#include "oidc_claims.h"
#include "oidc_jwt.h"

#define SESSION_RECORD_VERSION "sess4"
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

/* The ID token's payload as JSON text, NULL when it has none. */
static const char *id_token_payload(apr_pool_t *p, const char *id_token)
{
    const char *dot1 = id_token ? strchr(id_token, '.') : NULL;
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    unsigned char *raw;
    apr_size_t len;

    if (dot2 == NULL) {
        return NULL;
    }
    raw = oidc_b64url_decode(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1),
                             &len);
    return (const char *)raw;     /* NUL-terminated by the decoder */
}

const char *oidc_session_claims(apr_pool_t *p, const oidc_session_t *s)
{
    return s->claims ? s->claims : id_token_payload(p, s->id_token);
}

apr_status_t oidc_session_set_claims(apr_pool_t *p, oidc_session_t *s,
                                     const char *claims)
{
    json_t *doc = oidc_json_parse(p, claims, strlen(claims));

    if (!json_is_object(doc)) {
        return APR_EINVAL;
    }
    s->claims = claims;
    s->flat = oidc_claims_flatten(p, doc);
    return APR_SUCCESS;
}

apr_status_t oidc_session_seal(apr_pool_t *p, const unsigned char *key,
                               const char *id, const oidc_session_t *s,
                               apr_size_t max_len, unsigned char **out,
                               apr_size_t *out_len)
{
    oidc_record_writer_t w;
    const char *text = oidc_session_claims(p, s);
    const char *payload = id_token_payload(p, s->id_token);
    json_t *claims = text ? oidc_json_parse(p, text, strlen(text)) : NULL;
    apr_array_header_t *flat;
    int i;

    if (!json_is_object(claims)) {
        return APR_EINVAL;
    }
    flat = oidc_claims_flatten(p, claims);
    /* Claims that are just the ID token's are not stored twice. */
    if (payload != NULL
        && json_equal(claims, oidc_json_parse(p, payload, strlen(payload)))) {
        text = NULL;
    }
    oidc_record_writer_init(&w, p, 4096);
    oidc_record_put_str(&w, SESSION_RECORD_VERSION);
    oidc_record_put_time(&w, s->created);
    oidc_record_put_time(&w, s->last_seen);
    oidc_record_put_time(&w, s->access_issued);
    oidc_record_put_time(&w, s->access_expires);
    oidc_record_put_time(&w, s->userinfo_at);
    oidc_record_put_str(&w, s->iss);
    oidc_record_put_str(&w, s->sub);
    oidc_record_put_str(&w, s->sid);
    oidc_record_put_str(&w, s->id_token);
    oidc_record_put_str(&w, s->access_token);
    oidc_record_put_str(&w, s->refresh_token);
    oidc_record_put_str(&w, text);
    oidc_record_put_time(&w, flat->nelts);
    for (i = 0; i < flat->nelts; i++) {
        const oidc_claim_t *c = &APR_ARRAY_IDX(flat, i, oidc_claim_t);
        /* The kind rides on the name: "s" scalar, "o" other. */
        oidc_record_put_str(&w, apr_pstrcat(p, c->scalar ? "s" : "o",
                                            c->name, NULL));
        oidc_record_put_str(&w, c->value);
    }
    if (w.len + OIDC_AEAD_OVERHEAD > max_len) {
        return APR_ENOSPC;
    }
    return oidc_aead_seal(p, key, id, strlen(id), w.buf, w.len, out, out_len);
}

static const apr_array_header_t *read_flat(oidc_record_reader_t *rd,
                                          apr_pool_t *p)
{
    apr_time_t n = oidc_record_get_time(rd);
    apr_array_header_t *flat;
    apr_time_t i;

    if (rd->failed || n < 0 || n > OIDC_MAX_CLAIMS) {
        return NULL;
    }
    flat = apr_array_make(p, (int)n + 1, sizeof(oidc_claim_t));
    for (i = 0; i < n; i++) {
        oidc_claim_t *c = apr_array_push(flat);
        const char *kind_name = oidc_record_get_str(rd, p);
        c->value = oidc_record_get_str(rd, p);
        if (kind_name == NULL || *kind_name == '\0' || c->value == NULL) {
            return NULL;
        }
        c->scalar = kind_name[0] == 's';
        c->name = kind_name + 1;
    }
    return flat;
}

apr_status_t oidc_session_decrypt(apr_pool_t *p, const unsigned char *key,
                                  const char *id, const unsigned char *in,
                                  apr_size_t len, unsigned char **plain,
                                  apr_size_t *plain_len)
{
    return oidc_aead_open(p, key, id, strlen(id), in, len, plain, plain_len)
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
    s->sub = oidc_record_get_str(&rd, p);
    s->sid = oidc_record_get_str(&rd, p);
    s->id_token = oidc_record_get_str(&rd, p);
    s->access_token = oidc_record_get_str(&rd, p);
    s->refresh_token = oidc_record_get_str(&rd, p);
    s->claims = oidc_record_get_str(&rd, p);
    s->flat = read_flat(&rd, p);
    if (!oidc_record_done(&rd) || version == NULL
        || strcmp(version, SESSION_RECORD_VERSION) != 0 || s->sub == NULL
        || s->flat == NULL
        || (s->claims == NULL && s->id_token == NULL)) {
        return APR_EGENERAL;
    }
    *out = s;
    return APR_SUCCESS;
}

apr_status_t oidc_session_open(apr_pool_t *p, const unsigned char *key,
                               const char *id, const unsigned char *in,
                               apr_size_t len, oidc_session_t **out)
{
    unsigned char *plain;
    apr_size_t plain_len;

    *out = NULL;
    if (oidc_session_decrypt(p, key, id, in, len, &plain, &plain_len)
            != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    return oidc_session_parse(p, plain, plain_len, out);
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
