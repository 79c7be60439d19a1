/* oidc_session_index.c: sid/sub -> session store keys, in the store. */
#include <string.h>

#include "core/session/oidc_session_index.h"
#include "core/util/oidc_crypto.h"
#include "core/session/oidc_session.h"

#define INDEX_LABEL_SID "mod_authnz_oidc sid index"
#define INDEX_LABEL_SUB "mod_authnz_oidc sub index"
#define ADD_ATTEMPTS 3

void oidc_session_index_key(apr_pool_t *p, oidc_index_kind_t kind,
                            const char *iss, const char *value,
                            unsigned char key[32])
{
    const char *label = kind == OIDC_INDEX_SID ? INDEX_LABEL_SID
                                               : INDEX_LABEL_SUB;
    /* NUL-separated: no (iss, value) pair can be spelled as another. */
    apr_size_t a = strlen(label), b = strlen(iss), c = strlen(value);
    unsigned char *buf = apr_palloc(p, a + b + c + 2);

    memcpy(buf, label, a);
    memcpy(buf + a, iss, b + 1);
    memcpy(buf + a + b + 1, value, c + 1);
    oidc_sha256(buf, a + b + c + 2, key);
}

static int lists(const unsigned char *val, apr_size_t len,
                 const unsigned char key[32])
{
    apr_size_t i;
    for (i = 0; i + 32 <= len; i += 32) {
        if (memcmp(val + i, key, 32) == 0) {
            return 1;
        }
    }
    return 0;
}

apr_status_t oidc_session_index_add(const oidc_store_t *store, apr_pool_t *p,
                                    const unsigned char index_key[32],
                                    const unsigned char session_key[32],
                                    apr_time_t expiry)
{
    int attempt;

    for (attempt = 0; attempt < ADD_ATTEMPTS; attempt++) {
        unsigned char *val = NULL, *out;
        apr_size_t len = 0, keep;
        apr_status_t rv = store->get(store, p, index_key, 32, &val, &len);

        if (rv == APR_NOTFOUND) {
            len = 0;
        }
        else if (rv != APR_SUCCESS) {
            return rv;
        }
        len -= len % 32;
        if (lists(val, len, session_key)) {
            return APR_SUCCESS;
        }
        /* Keep the newest entries: drop from the front. */
        keep = len >= 32 * (OIDC_SESSION_INDEX_MAX - 1)
            ? 32 * (OIDC_SESSION_INDEX_MAX - 1) : len;
        out = apr_palloc(p, keep + 32);
        if (keep > 0) {
            memcpy(out, val + (len - keep), keep);
        }
        memcpy(out + keep, session_key, 32);
        rv = store->put(store, p, index_key, 32, expiry, out, keep + 32);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        /* Read back: a concurrent add on another node may have won. */
        rv = store->get(store, p, index_key, 32, &val, &len);
        if (rv == APR_SUCCESS && lists(val, len - len % 32, session_key)) {
            return APR_SUCCESS;
        }
    }
    return APR_EGENERAL;
}

apr_status_t oidc_session_index_end_all(const oidc_store_t *store,
                                        apr_pool_t *p,
                                        const unsigned char index_key[32],
                                        apr_time_t mark_expiry, int *ended)
{
    unsigned char *val;
    apr_size_t len, i;
    apr_status_t rv = store->get(store, p, index_key, 32, &val, &len);

    *ended = 0;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i + 32 <= len; i += 32) {
        unsigned char *probe;
        apr_size_t plen;
        if (store->get(store, p, val + i, 32, &probe, &plen) == APR_SUCCESS) {
            (*ended)++;
        }
        rv = oidc_session_end(store, p, val + i, mark_expiry);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return store->del(store, p, index_key, 32);
}
