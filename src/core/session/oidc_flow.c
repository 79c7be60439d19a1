/* oidc_flow.c: sealing, opening and bounding per-flow state cookies. */
#include <stdlib.h>
#include <string.h>

#include "core/session/oidc_flow.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/proto/oidc_pkce.h"
#include "core/util/oidc_record.h"

#define FLOW_COOKIE_INFIX "_flow_"
#define FLOW_NAME_STATE_CHARS 16
#define FLOW_RECORD_VERSION "flow1"

oidc_flow_t *oidc_flow_new(apr_pool_t *p, const char *return_to,
                           const char *redirect_uri, apr_time_t now)
{
    oidc_flow_t *f = apr_pcalloc(p, sizeof(*f));

    f->state = oidc_random_token(p, 32);
    f->nonce = oidc_random_token(p, 32);
    f->verifier = oidc_pkce_verifier(p);
    if (f->state == NULL || f->nonce == NULL || f->verifier == NULL) {
        return NULL;
    }
    f->return_to = return_to;
    f->redirect_uri = redirect_uri;
    f->created = now;
    return f;
}

const char *oidc_flow_cookie_name(apr_pool_t *p, const char *base,
                                  const char *state)
{
    return apr_pstrcat(p, base, FLOW_COOKIE_INFIX,
                       apr_pstrmemdup(p, state, FLOW_NAME_STATE_CHARS), NULL);
}

/* The cookie value is "<created seconds>.<sealed record>". The creation time
 * is in clear so that eviction can order a browser's flows without opening
 * them, and it is part of the AAD with the state, so it cannot be altered.
 * The binding follows, so that a flow started for one provider or client
 * never completes at another that shares the key. */
const char *oidc_flow_aad(apr_pool_t *p, const char *state,
                          apr_int64_t created_sec, const oidc_binding_t *b,
                          apr_size_t *len)
{
    const char *head = apr_psprintf(p, "%s.%" APR_INT64_T_FMT, state,
                                    created_sec);
    apr_size_t head_len = strlen(head), iss_len = strlen(b->iss);
    apr_size_t client_len = strlen(b->client_id);
    char *aad = apr_palloc(p, head_len + iss_len + client_len + 2);

    memcpy(aad, head, head_len + 1);
    memcpy(aad + head_len + 1, b->iss, iss_len + 1);
    memcpy(aad + head_len + iss_len + 2, b->client_id, client_len);
    *len = head_len + iss_len + client_len + 2;
    return aad;
}

const char *oidc_flow_seal(apr_pool_t *p, const unsigned char *key,
                           const oidc_binding_t *binding,
                           const oidc_flow_t *f)
{
    oidc_record_writer_t w;
    unsigned char *sealed;
    apr_size_t sealed_len, aad_len;
    apr_int64_t created_sec = apr_time_sec(f->created);
    const char *aad = oidc_flow_aad(p, f->state, created_sec, binding, &aad_len);

    oidc_record_writer_init(&w, p, 512);
    oidc_record_put_str(&w, FLOW_RECORD_VERSION);
    oidc_record_put_time(&w, f->created);
    oidc_record_put_str(&w, f->nonce);
    oidc_record_put_str(&w, f->verifier);
    oidc_record_put_str(&w, f->return_to);
    oidc_record_put_str(&w, f->redirect_uri);
    if (oidc_aead_seal(p, key, aad, aad_len, w.buf, w.len,
                       &sealed, &sealed_len) != APR_SUCCESS) {
        return NULL;
    }
    return apr_psprintf(p, "%" APR_INT64_T_FMT ".%s", created_sec,
                        oidc_b64url_encode(p, sealed, sealed_len));
}

/* Parses the clear "<seconds>." prefix; -1 when malformed. */
static apr_int64_t value_created_sec(const char *value, const char **rest)
{
    apr_int64_t sec = 0;
    int digits = 0;

    for (; *value >= '0' && *value <= '9' && digits < 12; value++, digits++) {
        sec = sec * 10 + (*value - '0');
    }
    if (digits == 0 || *value != '.') {
        return -1;
    }
    *rest = value + 1;
    return sec;
}

static oidc_flow_status_t unseal(apr_pool_t *p, const unsigned char *key,
                                 const oidc_binding_t *binding,
                                 const char *value, const char *state,
                                 oidc_flow_t **out)
{
    apr_size_t raw_len, plain_len, aad_len;
    unsigned char *raw, *plain;
    oidc_record_reader_t rd;
    oidc_flow_t *f;
    const char *version, *sealed = NULL, *aad;
    apr_int64_t created_sec;

    if (strlen(value) > 4096) {
        return OIDC_FLOW_INVALID;
    }
    created_sec = value_created_sec(value, &sealed);
    if (created_sec < 0) {
        return OIDC_FLOW_INVALID;
    }
    aad = oidc_flow_aad(p, state, created_sec, binding, &aad_len);
    raw = oidc_b64url_decode(p, sealed, strlen(sealed), &raw_len);
    if (raw == NULL
        || oidc_aead_open(p, key, aad, aad_len, raw, raw_len,
                          &plain, &plain_len) != APR_SUCCESS) {
        return OIDC_FLOW_INVALID;
    }
    f = apr_pcalloc(p, sizeof(*f));
    oidc_record_reader_init(&rd, plain, plain_len);
    version = oidc_record_get_str(&rd, p);
    f->created = oidc_record_get_time(&rd);
    f->nonce = oidc_record_get_str(&rd, p);
    f->verifier = oidc_record_get_str(&rd, p);
    f->return_to = oidc_record_get_str(&rd, p);
    f->redirect_uri = oidc_record_get_str(&rd, p);
    if (!oidc_record_done(&rd) || version == NULL
        || strcmp(version, FLOW_RECORD_VERSION) != 0 || f->nonce == NULL
        || f->verifier == NULL || f->return_to == NULL
        || f->redirect_uri == NULL
        || apr_time_sec(f->created) != created_sec) {
        return OIDC_FLOW_INVALID;
    }
    f->state = state;
    *out = f;
    return OIDC_FLOW_OK;
}

static int state_is_wellformed(const char *state)
{
    return state != NULL && strlen(state) == OIDC_FLOW_STATE_LEN
        && oidc_is_b64url(state, OIDC_FLOW_STATE_LEN);
}

static int is_expired(const oidc_flow_t *f, apr_time_t now,
                      apr_interval_time_t lifetime)
{
    /* A flow from the future (clock moved back) is as suspect as an old one. */
    return f->created > now + apr_time_from_sec(60)
        || now - f->created > lifetime;
}

oidc_flow_status_t oidc_flow_open(apr_pool_t *p, const unsigned char *key,
                                  const oidc_binding_t *binding,
                                  const apr_array_header_t *cookies,
                                  const char *base, const char *state,
                                  apr_time_t now, apr_interval_time_t lifetime,
                                  oidc_flow_t **flow)
{
    const char *value;
    oidc_flow_status_t st;

    *flow = NULL;
    if (!state_is_wellformed(state)) {
        return OIDC_FLOW_BAD_STATE;
    }
    value = oidc_cookie_get(cookies, oidc_flow_cookie_name(p, base, state));
    if (value == NULL || *value == '\0') {
        return OIDC_FLOW_MISSING;
    }
    /* The AEAD binds the record to the full state: a cookie whose name
     * matches the first characters of another state will not open. */
    st = unseal(p, key, binding, value, state, flow);
    if (st != OIDC_FLOW_OK) {
        return st;
    }
    if (is_expired(*flow, now, lifetime)) {
        return OIDC_FLOW_EXPIRED;
    }
    return OIDC_FLOW_OK;
}

typedef struct {
    const char *name;
    apr_int64_t created_sec;
} flow_cookie_t;

static int newest_first(const void *a, const void *b)
{
    const flow_cookie_t *x = a, *y = b;
    return (x->created_sec < y->created_sec) - (x->created_sec > y->created_sec);
}

apr_array_header_t *oidc_flow_evictions(apr_pool_t *p,
                                        const apr_array_header_t *cookies,
                                        const char *base, apr_time_t now,
                                        apr_interval_time_t lifetime)
{
    apr_array_header_t *evict = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *dead = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *live = apr_array_make(p, 4, sizeof(flow_cookie_t));
    const char *prefix = apr_pstrcat(p, base, FLOW_COOKIE_INFIX, NULL);
    apr_size_t plen = strlen(prefix);
    apr_int64_t now_sec = apr_time_sec(now);
    int i;

    for (i = 0; i < cookies->nelts; i++) {
        const oidc_cookie_t *c = &APR_ARRAY_IDX(cookies, i, oidc_cookie_t);
        const char *rest;
        apr_int64_t sec;

        if (strncmp(c->name, prefix, plen) != 0) {
            continue;
        }
        sec = value_created_sec(c->value, &rest);
        if (sec < 0 || now_sec - sec > apr_time_sec(lifetime)) {
            APR_ARRAY_PUSH(dead, const char *) = c->name;
        }
        else {
            flow_cookie_t *fc = apr_array_push(live);
            fc->name = c->name;
            fc->created_sec = sec;
        }
    }
    /* Keep room for the flow about to be added. */
    qsort(live->elts, (size_t)live->nelts, sizeof(flow_cookie_t),
          newest_first);
    for (i = OIDC_FLOW_MAX_PER_BROWSER - 1;
         i < live->nelts && evict->nelts < OIDC_FLOW_MAX_EVICTIONS; i++) {
        APR_ARRAY_PUSH(evict, const char *) =
            APR_ARRAY_IDX(live, i, flow_cookie_t).name;
    }
    for (i = 0; i < dead->nelts && evict->nelts < OIDC_FLOW_MAX_EVICTIONS;
         i++) {
        APR_ARRAY_PUSH(evict, const char *) = APR_ARRAY_IDX(dead, i,
                                                            const char *);
    }
    return evict;
}
