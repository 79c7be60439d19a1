/* test_idtoken.c: ID Token validation: a valid baseline first, then one
 * mutation per test, each with the exact status it must get. */
#include <stdlib.h>

#include "unit.h"
#include "core/proto/oidc_idtoken.h"
#include "core/proto/oidc_logout_token.h"
#include "core/jose/oidc_jwks.h"
#include "core/util/oidc_json.h"

#define ISSUER "https://op.example"
#define CLIENT "client-1"
#define NONCE "n-0S6_WzA2Mj-flow-nonce"
#define NOW_SEC APR_INT64_C(1700000000)
#define SKEW_SEC 60
#define IAT_MAX_AGE_SEC 3600

/* An access token and its at_hash (left half of SHA-256, base64url),
 * computed outside this code base. */
#define ACCESS_TOKEN "jHkWEdUXMU1BwAsC4vtUsZwnNVtNWIzuq4dzsXXTwnk"
#define AT_HASH "oIIvQ0-Ti0uU-EPbXZn0Dg"

static oidc_idtoken_params_t prm;
static oidc_jwks_t *jwks;          /* rsa-1, rsa-2, ec-1 */

static void setup(void)
{
    const char *text;

    unit_setup();
    memset(&prm, 0, sizeof(prm));
    prm.issuer = ISSUER;
    prm.client_id = CLIENT;
    prm.nonce = NONCE;
    prm.access_token = NULL;
    prm.now = apr_time_from_sec(NOW_SEC);
    prm.skew = apr_time_from_sec(SKEW_SEC);
    prm.iat_max_age = apr_time_from_sec(IAT_MAX_AGE_SEC);
    text = unit_jwks_text(
        unit_pool,
        unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1", NULL, "sig"),
        unit_jwk_public(unit_pool, &unit_rsa2, "rsa-2", NULL, "sig"),
        unit_jwk_public(unit_pool, &unit_ec1, "ec-1", NULL, "sig"), NULL);
    ck_assert_ptr_null(oidc_jwks_parse(unit_pool, text, strlen(text), &jwks));
    ck_assert_int_eq(jwks->keys->nelts, 3);
}

static void teardown(void)
{
    unit_teardown();
}

/* The baseline claims: a fresh object, released with the pool. */
static json_t *claims(void)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}",
                          "iss", ISSUER,
                          "sub", "248289761001",
                          "aud", CLIENT,
                          "exp", (json_int_t)(NOW_SEC + 300),
                          "iat", (json_int_t)(NOW_SEC - 5),
                          "nonce", NONCE,
                          "sid", "op-session-1",
                          "email", "alice@example.com");
    ck_assert_ptr_nonnull(c);
    return oidc_json_pool_own(unit_pool, c);
}

static const char *text_of(const json_t *c)
{
    char *dump = json_dumps(c, JSON_COMPACT);
    const char *out = apr_pstrdup(unit_pool, dump);
    free(dump);
    return out;
}

static const char *sign_with(const unit_key_t *k, const char *alg,
                             const char *kid, const json_t *c)
{
    return unit_jws_sign(unit_pool, k, alg, kid, text_of(c));
}

static const char *sign(const json_t *c)
{
    return sign_with(&unit_rsa1, "RS256", "rsa-1", c);
}

static oidc_idtoken_status_t validate_in(const oidc_jwks_t *keys,
                                         const char *token)
{
    oidc_idtoken_t *out = (oidc_idtoken_t *)1;
    const char *detail = NULL;
    oidc_idtoken_status_t st = oidc_idtoken_validate(unit_pool, token, keys,
                                                     &prm, &out, &detail);
    if (st == OIDC_IDTOKEN_OK) {
        ck_assert_ptr_nonnull(out);
        ck_assert_ptr_null(detail);
    }
    else {
        ck_assert_ptr_null(out);
        ck_assert_ptr_nonnull(detail);
        /* The reason never quotes the token. */
        ck_assert(*token == '\0' || !unit_contains(detail, token));
    }
    return st;
}

static oidc_idtoken_status_t validate(const char *token)
{
    return validate_in(jwks, token);
}

static oidc_idtoken_status_t with(const char *name, json_t *value)
{
    json_t *c = claims();
    json_object_set_new(c, name, value);
    return validate(sign(c));
}

static oidc_idtoken_status_t without(const char *name)
{
    json_t *c = claims();
    ck_assert_int_eq(json_object_del(c, name), 0);
    return validate(sign(c));
}

/* ---- valid tokens ---- */

START_TEST(valid_rs256)
{
    oidc_idtoken_t *out = NULL;
    const char *detail = "x";

    ck_assert_int_eq(oidc_idtoken_validate(unit_pool, sign(claims()), jwks,
                                           &prm, &out, &detail),
                     OIDC_IDTOKEN_OK);
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_null(detail);
    ck_assert_str_eq(out->sub, "248289761001");
    ck_assert_str_eq(out->sid, "op-session-1");
    ck_assert(out->exp == apr_time_from_sec(NOW_SEC + 300));
    ck_assert_str_eq(oidc_json_str(out->claims, "email"),
                     "alice@example.com");
}
END_TEST

START_TEST(valid_ps256)
{
    ck_assert_int_eq(validate(sign_with(&unit_rsa2, "PS256", "rsa-2",
                                        claims())), OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(valid_es256)
{
    ck_assert_int_eq(validate(sign_with(&unit_ec1, "ES256", "ec-1",
                                        claims())), OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(valid_without_sid)
{
    oidc_idtoken_t *out = NULL;
    const char *detail;
    json_t *c = claims();

    json_object_del(c, "sid");
    ck_assert_int_eq(oidc_idtoken_validate(unit_pool, sign(c), jwks, &prm,
                                           &out, &detail), OIDC_IDTOKEN_OK);
    ck_assert_ptr_null(out->sid);
}
END_TEST

/* ---- algorithm and key ---- */

START_TEST(alg_none)
{
    const char *payload = text_of(claims());

    /* Signature bytes present, but the header says none. */
    ck_assert_int_eq(validate(unit_jws_rs256_raw(
                         unit_pool, &unit_rsa1,
                         "{\"alg\":\"none\",\"kid\":\"rsa-1\"}", payload)),
                     OIDC_IDTOKEN_ALG);
    /* The classic unsigned form never gets that far. */
    ck_assert_int_eq(validate(apr_pstrcat(
                         unit_pool,
                         unit_b64url(unit_pool, "{\"alg\":\"none\"}"), ".",
                         unit_b64url(unit_pool, payload), ".", NULL)),
                     OIDC_IDTOKEN_MALFORMED);
}
END_TEST

START_TEST(alg_hs256_with_public_key)
{
    /* The key confusion attack: HMAC keyed with the OP's public key. */
    const char *pub = unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1", NULL,
                                      "sig");
    const char *payload = text_of(claims());

    ck_assert_int_eq(validate(unit_jws_hs256(
                         unit_pool, (const unsigned char *)pub, strlen(pub),
                         "{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", payload)),
                     OIDC_IDTOKEN_ALG);
    ck_assert_int_eq(validate(unit_jws_hs256(
                         unit_pool, (const unsigned char *)pub, strlen(pub),
                         "{\"alg\":\"HS256\"}", payload)),
                     OIDC_IDTOKEN_ALG);
}
END_TEST

START_TEST(alg_other)
{
    const char *payload = text_of(claims());

    ck_assert_int_eq(validate(unit_jws_rs256_raw(
                         unit_pool, &unit_rsa1,
                         "{\"alg\":\"rs256\",\"kid\":\"rsa-1\"}", payload)),
                     OIDC_IDTOKEN_ALG);
    ck_assert_int_eq(validate(unit_jws_rs256_raw(
                         unit_pool, &unit_rsa1,
                         "{\"alg\":\"\",\"kid\":\"rsa-1\"}", payload)),
                     OIDC_IDTOKEN_ALG);
}
END_TEST

START_TEST(unknown_kid)
{
    ck_assert_int_eq(validate(sign_with(&unit_rsa1, "RS256", "rsa-9",
                                        claims())),
                     OIDC_IDTOKEN_UNKNOWN_KID);
}
END_TEST

START_TEST(no_kid_several_keys)
{
    oidc_jwks_t *single;
    const char *text = unit_jwks_text(
        unit_pool, unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1", NULL,
                                   NULL), NULL);

    ck_assert_int_eq(validate(sign_with(&unit_rsa1, "RS256", NULL,
                                        claims())), OIDC_IDTOKEN_NO_KEY);
    /* With a single RSA key, no kid is fine. */
    ck_assert_ptr_null(oidc_jwks_parse(unit_pool, text, strlen(text),
                                       &single));
    ck_assert_int_eq(validate_in(single, sign_with(&unit_rsa1, "RS256", NULL,
                                                   claims())),
                     OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(no_suitable_key)
{
    /* kid names the EC key, alg says RSA. */
    ck_assert_int_eq(validate(sign_with(&unit_rsa1, "RS256", "ec-1",
                                        claims())), OIDC_IDTOKEN_NO_KEY);
}
END_TEST

START_TEST(bad_signature)
{
    const char *good = sign(claims());

    ck_assert_int_eq(validate(good), OIDC_IDTOKEN_OK);
    ck_assert_int_eq(validate(unit_jws_flip_sig(unit_pool, good)),
                     OIDC_IDTOKEN_SIGNATURE);
    ck_assert_int_eq(validate(unit_jws_flip_sig(
                         unit_pool, sign_with(&unit_ec1, "ES256", "ec-1",
                                              claims()))),
                     OIDC_IDTOKEN_SIGNATURE);
    /* Signed by another key than the one its kid names. */
    ck_assert_int_eq(validate(sign_with(&unit_rsa2, "RS256", "rsa-1",
                                        claims())), OIDC_IDTOKEN_SIGNATURE);
}
END_TEST

START_TEST(payload_swapped)
{
    /* A valid header and signature with another payload. */
    const char *good = sign(claims());
    const char *d1 = strchr(good, '.'), *d2 = strrchr(good, '.');
    json_t *c = claims();

    json_object_set_new(c, "sub", json_string("admin"));
    ck_assert_int_eq(validate(apr_pstrcat(
                         unit_pool, apr_pstrmemdup(unit_pool, good,
                                                   (apr_size_t)(d1 - good)),
                         ".", unit_b64url(unit_pool, text_of(c)), d2, NULL)),
                     OIDC_IDTOKEN_SIGNATURE);
}
END_TEST

/* ---- claims ---- */

START_TEST(claim_iss)
{
    ck_assert_int_eq(with("iss", json_string("https://evil.example")),
                     OIDC_IDTOKEN_ISS);
    ck_assert_int_eq(with("iss", json_string(ISSUER "/")), OIDC_IDTOKEN_ISS);
    ck_assert_int_eq(with("iss", json_string("HTTPS://OP.EXAMPLE")),
                     OIDC_IDTOKEN_ISS);
    ck_assert_int_eq(with("iss", json_integer(1)), OIDC_IDTOKEN_ISS);
    ck_assert_int_eq(without("iss"), OIDC_IDTOKEN_ISS);
}
END_TEST

START_TEST(claim_aud)
{
    ck_assert_int_eq(without("aud"), OIDC_IDTOKEN_AUD);
    ck_assert_int_eq(with("aud", json_string("client-2")), OIDC_IDTOKEN_AUD);
    ck_assert_int_eq(with("aud", json_string("")), OIDC_IDTOKEN_AUD);
    ck_assert_int_eq(with("aud", json_pack("[s,s]", "a", "b")),
                     OIDC_IDTOKEN_AUD);
    ck_assert_int_eq(with("aud", json_array()), OIDC_IDTOKEN_AUD);
    ck_assert_int_eq(with("aud", json_pack("[s,i]", CLIENT, 1)),
                     OIDC_IDTOKEN_AUD);
    ck_assert_int_eq(with("aud", json_integer(1)), OIDC_IDTOKEN_AUD);
    /* A one-element array is fine. */
    ck_assert_int_eq(with("aud", json_pack("[s]", CLIENT)), OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(claim_azp)
{
    json_t *c = claims();

    /* Several audiences, no azp. */
    ck_assert_int_eq(with("aud", json_pack("[s,s]", CLIENT, "other")),
                     OIDC_IDTOKEN_AZP);
    /* Several audiences, azp us. */
    json_object_set_new(c, "aud", json_pack("[s,s]", "other", CLIENT));
    json_object_set_new(c, "azp", json_string(CLIENT));
    ck_assert_int_eq(validate(sign(c)), OIDC_IDTOKEN_OK);
    /* azp someone else, with one or several audiences. */
    json_object_set_new(c, "azp", json_string("other"));
    ck_assert_int_eq(validate(sign(c)), OIDC_IDTOKEN_AZP);
    ck_assert_int_eq(with("azp", json_string("other")), OIDC_IDTOKEN_AZP);
    ck_assert_int_eq(with("azp", json_integer(5)), OIDC_IDTOKEN_AZP);
    ck_assert_int_eq(with("azp", json_null()), OIDC_IDTOKEN_AZP);
    ck_assert_int_eq(with("azp", json_string(CLIENT)), OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(claim_exp)
{
    ck_assert_int_eq(without("exp"), OIDC_IDTOKEN_EXP);
    ck_assert_int_eq(with("exp", json_integer(NOW_SEC - 3600)),
                     OIDC_IDTOKEN_EXP);
    ck_assert_int_eq(with("exp", json_integer(NOW_SEC - SKEW_SEC - 1)),
                     OIDC_IDTOKEN_EXP);
    ck_assert_int_eq(with("exp", json_integer(NOW_SEC - SKEW_SEC)),
                     OIDC_IDTOKEN_EXP);
    ck_assert_int_eq(with("exp", json_string("9999999999")),
                     OIDC_IDTOKEN_EXP);
    ck_assert_int_eq(with("exp", json_true()), OIDC_IDTOKEN_EXP);
    ck_assert_int_eq(with("exp", json_integer(-1)), OIDC_IDTOKEN_EXP);
    ck_assert_int_eq(with("exp", json_real(1e300)), OIDC_IDTOKEN_EXP);
}
END_TEST

START_TEST(exp_within_skew)
{
    ck_assert_int_eq(with("exp", json_integer(NOW_SEC - SKEW_SEC / 2)),
                     OIDC_IDTOKEN_OK);
    ck_assert_int_eq(with("exp", json_integer(NOW_SEC - SKEW_SEC + 1)),
                     OIDC_IDTOKEN_OK);
    ck_assert_int_eq(with("exp", json_real((double)NOW_SEC + 10.5)),
                     OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(claim_iat)
{
    ck_assert_int_eq(without("iat"), OIDC_IDTOKEN_IAT);
    ck_assert_int_eq(with("iat", json_string("1700000000")),
                     OIDC_IDTOKEN_IAT);
    /* Far in the future. */
    ck_assert_int_eq(with("iat", json_integer(NOW_SEC + 600)),
                     OIDC_IDTOKEN_IAT);
    ck_assert_int_eq(with("iat", json_integer(NOW_SEC + SKEW_SEC + 1)),
                     OIDC_IDTOKEN_IAT);
    ck_assert_int_eq(with("iat", json_integer(NOW_SEC + SKEW_SEC - 1)),
                     OIDC_IDTOKEN_OK);
    /* Older than iat_max_age (and the skew). */
    ck_assert_int_eq(with("iat", json_integer(NOW_SEC - IAT_MAX_AGE_SEC
                                              - SKEW_SEC - 1)),
                     OIDC_IDTOKEN_IAT);
    ck_assert_int_eq(with("iat", json_integer(NOW_SEC - IAT_MAX_AGE_SEC
                                              - SKEW_SEC + 1)),
                     OIDC_IDTOKEN_OK);
    /* Without a maximum age, old is fine. */
    prm.iat_max_age = 0;
    ck_assert_int_eq(with("iat", json_integer(NOW_SEC - 86400)),
                     OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(claim_nbf)
{
    ck_assert_int_eq(with("nbf", json_integer(NOW_SEC + 600)),
                     OIDC_IDTOKEN_NBF);
    ck_assert_int_eq(with("nbf", json_integer(NOW_SEC + SKEW_SEC + 1)),
                     OIDC_IDTOKEN_NBF);
    ck_assert_int_eq(with("nbf", json_string("0")), OIDC_IDTOKEN_NBF);
    ck_assert_int_eq(with("nbf", json_null()), OIDC_IDTOKEN_NBF);
    ck_assert_int_eq(with("nbf", json_integer(NOW_SEC + 30)),
                     OIDC_IDTOKEN_OK);
    ck_assert_int_eq(with("nbf", json_integer(NOW_SEC - 30)),
                     OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(claim_nonce)
{
    ck_assert_int_eq(without("nonce"), OIDC_IDTOKEN_NONCE);
    ck_assert_int_eq(with("nonce", json_string("another-nonce")),
                     OIDC_IDTOKEN_NONCE);
    ck_assert_int_eq(with("nonce", json_string(NONCE "x")),
                     OIDC_IDTOKEN_NONCE);
    ck_assert_int_eq(with("nonce", json_string("")), OIDC_IDTOKEN_NONCE);
    ck_assert_int_eq(with("nonce", json_integer(1)), OIDC_IDTOKEN_NONCE);
    /* On refresh there is no flow nonce to compare. */
    prm.nonce = NULL;
    ck_assert_int_eq(without("nonce"), OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(claim_sub)
{
    ck_assert_int_eq(without("sub"), OIDC_IDTOKEN_SUB);
    ck_assert_int_eq(with("sub", json_string("")), OIDC_IDTOKEN_SUB);
    ck_assert_int_eq(with("sub", json_string(unit_repeat(unit_pool, 's',
                                                         256))),
                     OIDC_IDTOKEN_SUB);
    ck_assert_int_eq(with("sub", json_integer(42)), OIDC_IDTOKEN_SUB);
    ck_assert_int_eq(with("sub", json_null()), OIDC_IDTOKEN_SUB);
    ck_assert_int_eq(with("sub", json_string(unit_repeat(unit_pool, 's',
                                                         255))),
                     OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(claim_at_hash)
{
    prm.access_token = ACCESS_TOKEN;
    ck_assert_int_eq(with("at_hash", json_string(AT_HASH)), OIDC_IDTOKEN_OK);
    ck_assert_int_eq(with("at_hash", json_string("oIIvQ0-Ti0uU-EPbXZn0Dh")),
                     OIDC_IDTOKEN_AT_HASH);
    ck_assert_int_eq(with("at_hash", json_string("")), OIDC_IDTOKEN_AT_HASH);
    /* The full hash is not the left half. */
    ck_assert_int_eq(with("at_hash", json_string(
                              "oIIvQ0-Ti0uU-EPbXZn0DtNTH5fSrgoaVWAXRqJm5SI")),
                     OIDC_IDTOKEN_AT_HASH);
    /* ES256 hashes with SHA-256 too. */
    {
        json_t *c = claims();
        json_object_set_new(c, "at_hash", json_string(AT_HASH));
        ck_assert_int_eq(validate(sign_with(&unit_ec1, "ES256", "ec-1", c)),
                         OIDC_IDTOKEN_OK);
    }
    /* Another access token. */
    prm.access_token = ACCESS_TOKEN "x";
    ck_assert_int_eq(with("at_hash", json_string(AT_HASH)),
                     OIDC_IDTOKEN_AT_HASH);
    /* at_hash is optional in the code flow. */
    ck_assert_int_eq(validate(sign(claims())), OIDC_IDTOKEN_OK);
}
END_TEST

/* ---- malformed ---- */

START_TEST(duplicate_members)
{
    const char *payload = apr_psprintf(
        unit_pool,
        "{\"iss\":\"%s\",\"sub\":\"alice\",\"aud\":\"%s\",\"exp\":%"
        APR_INT64_T_FMT ",\"iat\":%" APR_INT64_T_FMT ",\"nonce\":\"%s\","
        "\"sub\":\"admin\"}",
        ISSUER, CLIENT, NOW_SEC + 300, NOW_SEC, NONCE);
    const char *header = "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}";

    ck_assert_int_eq(validate(unit_jws_rs256_raw(unit_pool, &unit_rsa1,
                                                 header, payload)),
                     OIDC_IDTOKEN_MALFORMED);
    ck_assert_int_eq(validate(unit_jws_rs256_raw(
                         unit_pool, &unit_rsa1,
                         "{\"alg\":\"RS256\",\"kid\":\"rsa-1\","
                         "\"kid\":\"rsa-2\"}", text_of(claims()))),
                     OIDC_IDTOKEN_MALFORMED);
    /* The control: the same construction without the duplicate. */
    ck_assert_int_eq(validate(unit_jws_rs256_raw(unit_pool, &unit_rsa1,
                                                 header, text_of(claims()))),
                     OIDC_IDTOKEN_OK);
}
END_TEST

START_TEST(oversized)
{
    json_t *c = claims();

    json_object_set_new(c, "pad", json_string(unit_repeat(
                                      unit_pool, 'p', OIDC_MAX_JWT_LEN)));
    ck_assert_int_eq(validate(sign(c)), OIDC_IDTOKEN_MALFORMED);
}
END_TEST

START_TEST(garbage)
{
    ck_assert_int_eq(validate("not a token"), OIDC_IDTOKEN_MALFORMED);
    ck_assert_int_eq(validate(""), OIDC_IDTOKEN_MALFORMED);
    ck_assert_int_eq(validate("a.b.c"), OIDC_IDTOKEN_MALFORMED);
}
END_TEST

START_TEST(status_names)
{
    ck_assert_str_eq(oidc_idtoken_status_name(OIDC_IDTOKEN_OK), "ok");
    ck_assert_str_eq(oidc_idtoken_status_name(OIDC_IDTOKEN_NONCE), "nonce");
    ck_assert_str_eq(oidc_idtoken_status_name(OIDC_IDTOKEN_AT_HASH),
                     "at_hash");
    ck_assert_str_eq(oidc_idtoken_status_name((oidc_idtoken_status_t)99),
                     "unknown");
}
END_TEST

/* Every status of both token kinds has its own name, and the shared ones
 * read the same in both. */
START_TEST(every_status_named_once)
{
    int i, j;

    for (i = 0; i < OIDC_IDTOKEN_STATUS_COUNT; i++) {
        const char *n = oidc_idtoken_status_name((oidc_idtoken_status_t)i);
        ck_assert_str_ne(n, "unknown");
        for (j = 0; j < i; j++) {
            ck_assert_str_ne(n, oidc_idtoken_status_name(
                                    (oidc_idtoken_status_t)j));
        }
    }
    for (i = 0; i < OIDC_LOGOUT_TOKEN_STATUS_COUNT; i++) {
        const char *n = oidc_logout_token_status_name(
            (oidc_logout_token_status_t)i);
        ck_assert_str_ne(n, "unknown");
        if (i < OIDC_SIGNED_STATUS_COUNT) {
            ck_assert_str_eq(n, oidc_idtoken_status_name(
                                    (oidc_idtoken_status_t)i));
        }
    }
}
END_TEST


/* Core §12.2: what a refreshed ID token must keep. */
START_TEST(refreshed_token_continues)
{
    json_t *orig = json_pack("{s:s, s:s, s:s, s:I, s:s}", "iss", "https://op",
                             "sub", "alice", "aud", "rp", "auth_time",
                             (json_int_t)1000, "nonce", "n-1");
    const struct { const char *json; int ok; } cases[] = {
        { "{\"iss\":\"https://op\",\"sub\":\"alice\",\"aud\":\"rp\"}", 1 },
        { "{\"iss\":\"https://op\",\"sub\":\"alice\",\"aud\":\"rp\","
          "\"auth_time\":1000,\"nonce\":\"n-1\",\"email\":\"new\"}", 1 },
        { "{\"iss\":\"https://op\",\"sub\":\"bob\",\"aud\":\"rp\"}", 0 },
        { "{\"iss\":\"https://other\",\"sub\":\"alice\",\"aud\":\"rp\"}", 0 },
        { "{\"iss\":\"https://op\",\"sub\":\"alice\",\"aud\":[\"rp\",\"x\"]}",
          0 },
        { "{\"iss\":\"https://op\",\"sub\":\"alice\",\"aud\":\"rp\","
          "\"azp\":\"rp\"}", 0 },
        { "{\"iss\":\"https://op\",\"sub\":\"alice\",\"aud\":\"rp\","
          "\"auth_time\":2000}", 0 },
        { "{\"iss\":\"https://op\",\"sub\":\"alice\",\"aud\":\"rp\","
          "\"nonce\":\"n-2\"}", 0 },
        { "{\"iss\":\"https://op\",\"aud\":\"rp\"}", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *fresh = json_loads(cases[i].json, 0, NULL);
        const char *why = oidc_idtoken_continues(orig, fresh);
        ck_assert_msg((why == NULL) == cases[i].ok, "case %zu: %s", i,
                      why ? why : "accepted");
        json_decref(fresh);
    }
    json_decref(orig);
}
END_TEST

Suite *idtoken_suite(void)
{
    Suite *s = suite_create("idtoken");
    TCase *tc = tcase_create("idtoken");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, valid_rs256);
    tcase_add_test(tc, valid_ps256);
    tcase_add_test(tc, valid_es256);
    tcase_add_test(tc, valid_without_sid);
    tcase_add_test(tc, alg_none);
    tcase_add_test(tc, alg_hs256_with_public_key);
    tcase_add_test(tc, alg_other);
    tcase_add_test(tc, unknown_kid);
    tcase_add_test(tc, no_kid_several_keys);
    tcase_add_test(tc, no_suitable_key);
    tcase_add_test(tc, bad_signature);
    tcase_add_test(tc, payload_swapped);
    tcase_add_test(tc, claim_iss);
    tcase_add_test(tc, claim_aud);
    tcase_add_test(tc, claim_azp);
    tcase_add_test(tc, claim_exp);
    tcase_add_test(tc, exp_within_skew);
    tcase_add_test(tc, claim_iat);
    tcase_add_test(tc, claim_nbf);
    tcase_add_test(tc, claim_nonce);
    tcase_add_test(tc, claim_sub);
    tcase_add_test(tc, claim_at_hash);
    tcase_add_test(tc, duplicate_members);
    tcase_add_test(tc, oversized);
    tcase_add_test(tc, garbage);
    tcase_add_test(tc, status_names);
    tcase_add_test(tc, every_status_named_once);
    tcase_add_test(tc, refreshed_token_continues);
    suite_add_tcase(s, tc);
    return s;
}
