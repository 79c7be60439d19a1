/*
 * fuzz_session.c: the session cookie, as a protected request reads it.
 *
 * Input: the Cookie header, '\n', then a stored session record. The cookie
 * is parsed, stripped of the module's own cookies (as the fixups hook does)
 * and its session id checked; a well-formed id opens the record with the
 * fixed session key, the id and the binding as associated data, as
 * oidc_rp_load_session does. A forged record cannot pass the AEAD, so the
 * record bytes are also handed to the record decoder behind it as
 * plaintext.
 */
#include <string.h>

#include "fuzz.h"
#include "core/proto/oidc_claims.h"
#include "core/http/oidc_cookie.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_json.h"
#include "core/session/oidc_session.h"

#define MAX_RECORD 16384      /* the module's default AuthOIDCSessionMaxSize */

static void export_one(void *baton, const char *name, const char *value)
{
    (void)baton;
    (void)name;
    (void)value;
}

/* What a request does with an opened session. */
static void use_session(apr_pool_t *p, const oidc_session_t *s)
{
    const char *text;
    json_t *claims;

    (void)oidc_session_freshness(s, FUZZ_NOW, apr_time_from_sec(3600),
                                 apr_time_from_sec(8 * 3600));
    (void)oidc_session_needs_touch(s, FUZZ_NOW, apr_time_from_sec(3600));
    (void)oidc_session_refresh_due(s, FUZZ_NOW, apr_time_from_sec(60));
    (void)oidc_session_store_expiry(s, apr_time_from_sec(3600),
                                    apr_time_from_sec(8 * 3600));
    oidc_claims_export_flat(p, s->flat, "OIDC_CLAIM_", export_one, NULL);
    (void)oidc_claims_flat_string(s->flat, "sub");
    text = oidc_session_claims(p, s);
    claims = text ? oidc_json_parse(p, text, strlen(text)) : NULL;
    (void)oidc_claims_string(p, claims, "email");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *header, *id;
    const uint8_t *rec;
    size_t rec_len;
    apr_array_header_t *cookies;
    unsigned char store_key[OIDC_SESSION_STORE_KEY_LEN];
    oidc_session_t *s;

    fuzz_split(p, data, size, &header, &rec, &rec_len);
    cookies = oidc_cookies_parse(p, header);
    (void)oidc_cookies_strip_own(p, header, FUZZ_COOKIE);
    id = oidc_cookie_get(cookies, FUZZ_COOKIE);
    if (!oidc_session_id_wellformed(id) || rec == NULL
        || rec_len > MAX_RECORD) {
        apr_pool_destroy(p);
        return 0;
    }
    oidc_session_store_key(id, store_key);
    if (oidc_session_open(p, fuzz_session_key, id, &fuzz_binding, rec,
                          rec_len, &s) == APR_SUCCESS) {
        use_session(p, s);
    }
    /* The record decoder itself, behind the AEAD: the input as plaintext. */
    if (oidc_session_parse(p, rec, rec_len, &s) == APR_SUCCESS
        && oidc_session_bound_to(s, &fuzz_binding)) {
        use_session(p, s);
    }
    apr_pool_destroy(p);
    return 0;
}
