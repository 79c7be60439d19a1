/* fuzz_keys.c: the fixed keys the fuzz seeds are sealed and signed with.
 *
 * Made for the fuzzers alone (node's crypto.generateKeyPairSync) and public
 * here on purpose: never use them for anything else. */
#include <stdlib.h>
#include <string.h>
#include <cjose/cjose.h>
#include <jansson.h>

#include "fuzz.h"

const unsigned char fuzz_session_key[32] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
    0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20
};

const oidc_binding_t fuzz_binding = { FUZZ_ISSUER, FUZZ_CLIENT_ID };

const unsigned char fuzz_flow_key[32] = {
    0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30,
    0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
    0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40
};

const char fuzz_jwk_rsa[] =
    "{\"kty\":\"RSA\",\"n\":\"kX8sq__2wCpmGgBkjJxUCvVCRRzx8UPbOE2t36ELmezYxzItGs"
    "rLTwJzuMCgxIDdgGuatddVu-y4KRnuHBjjZHPauWwvoXu11n_rNMOBeJdEm-Zt77COjl"
    "Oe-vZVjOdVG_NrQSF24mjDEAhKbDudv3YyMCxlZu8Nupeg58csyae7WHWYKKwrUEPn0E"
    "nVDyzZs9pNeZObrm90wE3hJJDfLmKn8GVfk_zdAV-l2QeqWVnmKb3blwxHTkwq9kxt5l"
    "-0DteJw7y4tIiGpA65v7WNKO4mVF13JYU9MrBvC-A5PuzWMjkmr5Cs0tgrXVjquv-cvJ"
    "-rHpr2DjoeqqNX_5Qz6Q\",\"e\":\"AQAB\",\"d\":\"CqaaIQ8wQ3n3FnEv6yEof9LbYo7PYT"
    "975T--ei_iVwbBCbfxGFR_FI4T5ZLoUeozDMsTvLsCMisOgie9R_5Eax6WBNvYEsSpF4"
    "YutCKZsDe2lIkGRDUTAnU5npp4wcNPdifYEqD-AG311Y8dz5V_ozvmSaN-Ws4mHaIq67"
    "ynWS2bX8iHrDbmCzPkuzVw6OmeoSMJxPwJ6m_0_5iVB7yHyfbmBiUvxCJouYr6M7z4fp"
    "yUcbe6Q8CH_-6-RQ9dsngTu0AcbuEN1MNyiqYaFPUJsgvhT1X0N9TxyYfo3zFCHSAwnE"
    "lD8_4FDGIHNDuiM0X9JAa0izEOdiIRywkGXDZYOQ\",\"p\":\"yVLAUfC4-1jOhAW-Gv6Qw"
    "fMN0_7Ky_psOdtxN0j6zuipc0O7ykQvzcZp6HTqDUCm7ZRtWeSBaLDIYLo8Ie6btsJhO"
    "f9DJe0qI106jjCTTz6IzUSQyJm1C84s4AA1Q8PDVHBnZI-9313fNObdZWC4CrMQYm_Ma"
    "UYm2Ylpq1-PQhU\",\"q\":\"uQMEuzn5T2QUFt2c-5mjuJ-Luc4lDSZYelZo_xyhUkfEkoH"
    "2WROZriRuRP8zWIy6mUOwgRW5mbpexfMVx3sgRE4LcjZtosv_CrgABUvJHuGxqXclXXm"
    "wP_z7mY1huyngfwl2ms9iDF_4h_3JziRmw74P2pPhfCZBib8hbWEmI4U\",\"dp\":\"oUcm"
    "hD34onoZLpA_I_bs1kK0wDCsG04o5wyRnP1c1uZx4MHRLY8EUK9zZmJKoYU6dLbkBxBU"
    "Tx7X1w06YOB6Y6VCKCkCjN56VEw6PXBSgjgRdYdJCTqBW8y2DFh-UyP_VaSaX2f7bnYP"
    "-pw7nhwmM4QRSxpOwcMOGlTHjx8Fb6U\",\"dq\":\"Wj5FrYl-uSHoxqp8ayErAeAYyJ3r5"
    "rkgiTPi7SUq7zaAhLIN1q8_0_iDLPaKNhQW5LFmw-Az8u88UTPcGLxPJeInpSM1YSY-F"
    "h1gLTUlOgH-pdmvCSRVOzEMDH8w_5lSnsSf7K1hdwXM9ZBuQjXxRmNL2mMtpmAGscjf5"
    "jlv3_0\",\"qi\":\"uBeBu_SZ4cRdfq5kWmZRptupXOxZW7QEXIZrfUSkGIuXbel2of3_aS"
    "m9t0I4Sp2R630tUlFvlNdERyWThLqmTeSTe-tvOR0KPLWVJQBmBTt9ZuR6CM7tiSyimH"
    "CSWHdykjDN7PNmkSQ3EYKTLfs7bqqI5fE3AHlsyL8Yap9hV_g\",\"kid\":\"fuzz-rsa\"}";

const char fuzz_jwk_ec[] =
    "{\"kty\":\"EC\",\"x\":\"PF4mEetiQd4lDCLuy2lkBsOEnYEbdzcMIvx-vKBKMFQ\",\"y\":\"_"
    "PRFv_mWemmITzbx4QVupguGtHTfYqQeJQzf0oNoytw\",\"crv\":\"P-256\",\"d\":\"E2WIw"
    "e74mjzL-qmrOVlv4xrBQYS575fZozU3MNAN96U\",\"kid\":\"fuzz-ec\"}";

/* The public half of a private JWK: the private members dropped. */
static json_t *public_jwk(const char *text)
{
    static const char *const private_members[] = {
        "d", "p", "q", "dp", "dq", "qi", NULL
    };
    json_t *k = json_loads(text, 0, NULL);
    int i;

    for (i = 0; k != NULL && private_members[i] != NULL; i++) {
        json_object_del(k, private_members[i]);
    }
    return k;
}

/* Made once and kept in malloc'd memory, which the leak checker scans (it
 * does not see into APR's allocator, so process-lifetime pool data would
 * look leaked). */
static const char *public_jwks(void)
{
    static char *text;
    json_t *keys, *set;

    if (text == NULL) {
        keys = json_array();
        set = json_pack("{s:o}", "keys", keys);
        json_array_append_new(keys, public_jwk(fuzz_jwk_rsa));
        json_array_append_new(keys, public_jwk(fuzz_jwk_ec));
        text = json_dumps(set, JSON_COMPACT);
        json_decref(set);
        if (text == NULL) {
            abort();
        }
    }
    return text;
}

const char *fuzz_jwks_text(apr_pool_t *p)
{
    return apr_pstrdup(p, public_jwks());
}

const oidc_jwks_t *fuzz_jwks(apr_pool_t *p)
{
    const char *text = public_jwks();
    oidc_jwks_t *jwks;

    if (oidc_jwks_parse(p, text, strlen(text), &jwks) != NULL
        || jwks->keys->nelts != 2) {
        abort();
    }
    return jwks;
}

static apr_status_t jwk_release(void *data)
{
    cjose_jwk_release(data);
    return APR_SUCCESS;
}

const char *fuzz_sign(apr_pool_t *p, const char *alg, const char *kid,
                      const char *typ, const char *payload)
{
    const char *jwk_text = alg[0] == 'E' ? fuzz_jwk_ec : fuzz_jwk_rsa;
    cjose_err err;
    cjose_jwk_t *jwk;
    cjose_header_t *hdr;
    cjose_jws_t *jws = NULL;
    const char *compact = NULL;
    const char *out = NULL;

    jwk = cjose_jwk_import(jwk_text, strlen(jwk_text), &err);
    if (jwk == NULL) {
        return NULL;
    }
    apr_pool_cleanup_register(p, jwk, jwk_release, apr_pool_cleanup_null);
    hdr = cjose_header_new(&err);
    if (hdr != NULL && cjose_header_set(hdr, CJOSE_HDR_ALG, alg, &err)
        && (kid == NULL || cjose_header_set(hdr, CJOSE_HDR_KID, kid, &err))
        && (typ == NULL || cjose_header_set(hdr, "typ", typ, &err))) {
        jws = cjose_jws_sign(jwk, hdr, (const uint8_t *)payload,
                             strlen(payload), &err);
    }
    if (jws != NULL && cjose_jws_export(jws, &compact, &err)) {
        out = apr_pstrdup(p, compact);
    }
    cjose_jws_release(jws);
    cjose_header_release(hdr);
    return out;
}
