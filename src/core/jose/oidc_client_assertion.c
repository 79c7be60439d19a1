/* oidc_client_assertion.c: client assertions, signed with cjose. */
#include <string.h>

#include "core/jose/oidc_client_assertion.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_json.h"

static apr_status_t jwk_release(void *data)
{
    cjose_jwk_release((cjose_jwk_t *)data);
    return APR_SUCCESS;
}

static apr_status_t header_release(void *data)
{
    cjose_header_release((cjose_header_t *)data);
    return APR_SUCCESS;
}

static apr_status_t jws_release(void *data)
{
    cjose_jws_release((cjose_jws_t *)data);
    return APR_SUCCESS;
}

static const char *claims(apr_pool_t *p, const char *client_id,
                          const char *aud, apr_time_t now)
{
    const char *jti = oidc_random_token(p, 24);
    json_t *c;

    if (jti == NULL) {
        return NULL;
    }
    c = oidc_json_pool_own(p, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}",
        "iss", client_id, "sub", client_id, "aud", aud, "jti", jti,
        "iat", (json_int_t)apr_time_sec(now),
        "exp", (json_int_t)(apr_time_sec(now) + OIDC_ASSERTION_LIFETIME)));
    return c ? oidc_json_dump(p, c) : NULL;
}

/* The HS256 key: the client secret's bytes. */
static cjose_jwk_t *secret_jwk(apr_pool_t *p, const char *secret)
{
    cjose_jwk_t *jwk;

    if (secret == NULL || *secret == '\0') {
        return NULL;
    }
    jwk = cjose_jwk_create_oct_spec((const uint8_t *)secret, strlen(secret),
                                    NULL);
    if (jwk != NULL) {
        apr_pool_cleanup_register(p, jwk, jwk_release, apr_pool_cleanup_null);
    }
    return jwk;
}

const char *oidc_client_assertion(apr_pool_t *p, const char *client_id,
                                  const char *aud, const char *secret,
                                  const oidc_signing_key_t *key,
                                  apr_time_t now, const char **err)
{
    const char *payload = claims(p, client_id, aud, now);
    cjose_jwk_t *jwk = key ? key->jwk : secret_jwk(p, secret);
    cjose_header_t *hdr = cjose_header_new(NULL);
    cjose_jws_t *jws;
    const char *compact = NULL;

    *err = NULL;
    if (hdr != NULL) {
        apr_pool_cleanup_register(p, hdr, header_release,
                                  apr_pool_cleanup_null);
    }
    if (payload == NULL || jwk == NULL || hdr == NULL
        || !cjose_header_set(hdr, CJOSE_HDR_ALG, key ? key->alg : "HS256",
                             NULL)
        || !cjose_header_set(hdr, "typ", "JWT", NULL)
        || (key && !cjose_header_set(hdr, CJOSE_HDR_KID, key->kid, NULL))) {
        *err = jwk == NULL ? "no client secret or signing key"
                           : "the assertion could not be built";
        return NULL;
    }
    jws = cjose_jws_sign(jwk, hdr, (const uint8_t *)payload, strlen(payload),
                         NULL);
    if (jws == NULL) {
        *err = "the assertion could not be signed";
        return NULL;
    }
    apr_pool_cleanup_register(p, jws, jws_release, apr_pool_cleanup_null);
    if (!cjose_jws_export(jws, &compact, NULL) || compact == NULL) {
        *err = "the assertion could not be serialised";
        return NULL;
    }
    /* compact belongs to the jws, released with the pool after this copy. */
    return apr_pstrdup(p, compact);
}
