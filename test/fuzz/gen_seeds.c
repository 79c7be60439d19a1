/*
 * gen_seeds.c: writes the seeds that need the fixed keys (sealed session
 * records and flow cookies, signed tokens) into the corpus directories:
 *
 *   make fuzz-seeds     (test/fuzz/gen_seeds $(srcdir)/test/fuzz/corpus)
 *
 * Their names start with "gen-"; the other seeds are written by hand. The
 * AEAD nonces are random, so a rerun changes the bytes, not the meaning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/session/oidc_flow.h"
#include "core/proto/oidc_logout_token.h"
#include "core/session/oidc_session.h"

#define ACCESS_TOKEN "fuzz-access-token"   /* fuzz_jwt.c's */
#define FLOW_AGE 30                         /* fuzz_flow.c's */

static const char *corpus;
static apr_pool_t *pool;

/* Writes text, then len bytes of bin (binary: records hold NULs). */
static void put(const char *target, const char *name, const char *text,
                const void *bin, size_t len)
{
    const char *path = apr_pstrcat(pool, corpus, "/", target, "/gen-", name,
                                   NULL);
    FILE *f = fopen(path, "wb");

    if (f == NULL || fputs(text, f) < 0 || fwrite(bin, 1, len, f) != len
        || fclose(f) != 0) {
        fprintf(stderr, "gen_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static void put_str(const char *target, const char *name, const char *s)
{
    put(target, name, s, "", 0);
}

static const char *sign(const char *alg, const char *kid, const char *typ,
                        const char *payload)
{
    const char *jws = fuzz_sign(pool, alg, kid, typ, payload);

    if (jws == NULL) {
        fprintf(stderr, "gen_seeds: cannot sign with %s\n", alg);
        exit(1);
    }
    return jws;
}

static apr_int64_t ago(int seconds)
{
    return (apr_int64_t)FUZZ_NOW_SEC - seconds;
}

/* ---- ID tokens --------------------------------------------------------- */

static const char *at_hash(void)
{
    unsigned char d[32];

    oidc_sha256(ACCESS_TOKEN, strlen(ACCESS_TOKEN), d);
    return oidc_b64url_encode(pool, d, 16);
}

/* ID token claims for the fixed issuer, client, nonce and clock. */
static const char *claims_for(const char *aud, const char *extra)
{
    return apr_psprintf(pool,
        "{\"iss\":\"" FUZZ_ISSUER "\",\"sub\":\"" FUZZ_SUB "\","
        "\"aud\":%s,\"exp\":%" APR_INT64_T_FMT ","
        "\"iat\":%" APR_INT64_T_FMT ",\"nonce\":\"" FUZZ_NONCE "\","
        "\"sid\":\"op-session-1\"%s}", aud, ago(-600), ago(10), extra);
}

static const char *id_claims(const char *extra)
{
    return claims_for("\"" FUZZ_CLIENT_ID "\"", extra);
}

static void gen_jwt(void)
{
    const char *rs = sign("RS256", "fuzz-rsa", "JWT", id_claims(""));

    put_str("jwt", "rs256", rs);
    put_str("jwt", "es256", sign("ES256", "fuzz-ec", NULL, id_claims("")));
    put_str("jwt", "ps512-no-kid", sign("PS512", NULL, NULL, id_claims("")));
    put_str("jwt", "at-hash", sign("RS256", "fuzz-rsa", NULL, id_claims(
        apr_psprintf(pool, ",\"at_hash\":\"%s\"", at_hash()))));
    put_str("jwt", "aud-array-azp", sign("ES256", "fuzz-ec", NULL, claims_for(
        "[\"" FUZZ_CLIENT_ID "\",\"other\"]",
        ",\"azp\":\"" FUZZ_CLIENT_ID "\",\"nbf\":1699999000,"
        "\"auth_time\":1699999000,\"email\":\"u@example.com\","
        "\"groups\":[\"a\",\"b\"]")));
    /* Valid signatures over claims that fail a check. */
    put_str("jwt", "expired", sign("RS256", "fuzz-rsa", NULL,
        "{\"iss\":\"" FUZZ_ISSUER "\",\"sub\":\"x\",\"aud\":\""
        FUZZ_CLIENT_ID "\",\"exp\":1600000000,\"iat\":1600000000}"));
    put_str("jwt", "unknown-kid", sign("RS256", "rotated", NULL,
                                       id_claims("")));
    put_str("jwt", "bad-signature",
            apr_pstrcat(pool, apr_pstrndup(pool, rs, strlen(rs) - 4),
                        "AAAA", NULL));
}

/* ---- token-endpoint responses ------------------------------------------ */

static void gen_token(void)
{
    const char *idt = sign("RS256", "fuzz-rsa", NULL, id_claims(
        apr_psprintf(pool, ",\"at_hash\":\"%s\"", at_hash())));

    put_str("token", "code-response", apr_psprintf(pool,
        "{\"access_token\":\"" ACCESS_TOKEN "\",\"token_type\":\"Bearer\","
        "\"expires_in\":300,\"refresh_token\":\"fuzz-refresh\","
        "\"scope\":\"openid email\",\"id_token\":\"%s\"}", idt));
    put_str("token", "dpop-no-at-hash", apr_psprintf(pool,
        "{\"access_token\":\"other\",\"token_type\":\"DPoP\","
        "\"id_token\":\"%s\"}",
        sign("ES256", "fuzz-ec", NULL, id_claims(""))));
}

/* ---- logout tokens ----------------------------------------------------- */

static const char *logout_claims(const char *subject, const char *extra)
{
    return apr_psprintf(pool,
        "{\"iss\":\"" FUZZ_ISSUER "\",\"aud\":\"" FUZZ_CLIENT_ID "\","
        "\"iat\":%" APR_INT64_T_FMT ",\"exp\":%" APR_INT64_T_FMT ","
        "\"jti\":\"jti-1\",%s,\"events\":{\"" OIDC_BACKCHANNEL_EVENT "\":{}}"
        "%s}", ago(10), ago(-120), subject, extra);
}

static void put_logout(const char *name, const char *jws)
{
    put_str("logout_token", name,
            apr_pstrcat(pool, "logout_token=", jws, NULL));
}

static void gen_logout_token(void)
{
    put_logout("sid-sub", sign("RS256", "fuzz-rsa", "logout+jwt",
        logout_claims("\"sid\":\"op-session-1\",\"sub\":\"" FUZZ_SUB "\"",
                      "")));
    put_logout("sub-es256", sign("ES256", "fuzz-ec", NULL,
        logout_claims("\"sub\":\"" FUZZ_SUB "\"", "")));
    put_logout("nonce", sign("RS256", "fuzz-rsa", "JWT",
        logout_claims("\"sid\":\"s\"", ",\"nonce\":\"n\"")));
    put_logout("id-token-typ", sign("RS256", "fuzz-rsa", "id_token+jwt",
        logout_claims("\"sid\":\"s\"", "")));
}

/* ---- JWKS -------------------------------------------------------------- */

static void gen_jwks(void)
{
    put_str("jwks", "published", fuzz_jwks_text(pool));
}

/* ---- sessions ---------------------------------------------------------- */

static void put_session(const char *name, const char *id,
                        const oidc_session_t *s)
{
    unsigned char *rec, *plain;
    apr_size_t len, plain_len;
    const char *header = apr_pstrcat(pool, "theme=dark; " FUZZ_COOKIE "=", id,
                                     "; " FUZZ_COOKIE "_flow_abc=1\n", NULL);

    if (oidc_session_seal(pool, fuzz_session_key, id, s, 16384, &rec, &len)
            != APR_SUCCESS
        || oidc_session_decrypt(pool, fuzz_session_key, id, &fuzz_binding,
                                rec, len, &plain, &plain_len)
           != APR_SUCCESS) {
        fprintf(stderr, "gen_seeds: cannot seal session %s\n", name);
        exit(1);
    }
    put("session", name, header, rec, len);
    /* The same record in plaintext, for the record decoder. */
    put("session", apr_pstrcat(pool, name, "-plain", NULL), header, plain,
        plain_len);
}

static void gen_session(void)
{
    oidc_session_t s;
    const char *idt = sign("RS256", "fuzz-rsa", NULL, id_claims(""));

    memset(&s, 0, sizeof(s));
    s.created = apr_time_from_sec(ago(600));
    s.last_seen = apr_time_from_sec(ago(60));
    s.access_issued = s.created;
    s.access_expires = apr_time_from_sec(ago(-30));
    s.iss = FUZZ_ISSUER;
    s.client_id = FUZZ_CLIENT_ID;
    s.sub = FUZZ_SUB;
    s.sid = "op-session-1";
    s.id_token = idt;
    s.access_token = ACCESS_TOKEN;
    s.refresh_token = "fuzz-refresh";
    if (oidc_session_set_claims(pool, &s, apr_pstrcat(pool,
            "{\"sub\":\"" FUZZ_SUB "\",\"email\":\"u@example.com\","
            "\"groups\":[\"admins\",\"users\"],\"n\":1,"
            "\"realm_access\":{\"roles\":[\"r1\"]}}", NULL)) != APR_SUCCESS) {
        exit(1);
    }
    put_session("full", oidc_session_new_id(pool), &s);

    /* Claims that are the ID token's own are stored as NULL. */
    s.refresh_token = NULL;
    s.sid = NULL;
    s.userinfo_at = s.created;
    if (oidc_session_set_claims(pool, &s, id_claims("")) != APR_SUCCESS) {
        exit(1);
    }
    put_session("id-token-claims", oidc_session_new_id(pool), &s);

    s.created = apr_time_from_sec(ago(9 * 3600));
    put_session("expired", oidc_session_new_id(pool), &s);
}

/* ---- flows ------------------------------------------------------------- */

static oidc_flow_t *flow_at(int age)
{
    oidc_flow_t *f = oidc_flow_new(pool, FUZZ_ORIGIN "/app/page?x=1",
                                   FUZZ_ORIGIN "/app/oidc/callback",
                                   apr_time_from_sec(ago(age)));
    if (f == NULL) {
        exit(1);
    }
    return f;
}

static const char *flow_cookie(const oidc_flow_t *f)
{
    const char *value = oidc_flow_seal(pool, fuzz_flow_key, &fuzz_binding, f);

    if (value == NULL) {
        exit(1);
    }
    return apr_pstrcat(pool, oidc_flow_cookie_name(pool, FUZZ_COOKIE,
                                                   f->state),
                       "=", value, NULL);
}

static const char *callback_query(const oidc_flow_t *f)
{
    return apr_pstrcat(pool, "code=fuzz-code&state=", f->state,
                       "&iss=https%3A%2F%2Fop.example", NULL);
}

static void gen_flow(void)
{
    oidc_flow_t *f = flow_at(FLOW_AGE), *old = flow_at(3600);
    const char *value, *sealed_b64, *aad;
    unsigned char *raw, *plain;
    apr_size_t raw_len, plain_len, aad_len;
    int i;

    put_str("flow", "valid", apr_pstrcat(pool, callback_query(f), "\n",
                                         "theme=dark; ", flow_cookie(f),
                                         NULL));
    put_str("flow", "expired", apr_pstrcat(pool, callback_query(old), "\n",
                                           flow_cookie(old), NULL));
    /* Several flows in one browser: the login evicts the oldest. */
    value = apr_pstrcat(pool, callback_query(f), "\n", flow_cookie(f), NULL);
    for (i = 1; i <= 5; i++) {
        value = apr_pstrcat(pool, value, "; ", flow_cookie(flow_at(i * 100)),
                            NULL);
    }
    put_str("flow", "many", value);

    /* The valid flow's record in plaintext, for fuzz_flow.c to seal. */
    value = oidc_flow_seal(pool, fuzz_flow_key, &fuzz_binding, f);
    sealed_b64 = strchr(value, '.') + 1;
    aad = oidc_flow_aad(pool, f->state, ago(FLOW_AGE), &fuzz_binding,
                        &aad_len);
    raw = oidc_b64url_decode(pool, sealed_b64, strlen(sealed_b64), &raw_len);
    if (raw == NULL
        || oidc_aead_open(pool, fuzz_flow_key, aad, aad_len, raw, raw_len,
                          &plain, &plain_len) != APR_SUCCESS) {
        fprintf(stderr, "gen_seeds: cannot open the flow record\n");
        exit(1);
    }
    put("flow", "plain",
        apr_pstrcat(pool, callback_query(f), "\ntheme=dark\n", NULL), plain,
        plain_len);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_seeds CORPUS_DIR\n");
        return 2;
    }
    corpus = argv[1];
    pool = fuzz_pool();
    gen_jwt();
    gen_token();
    gen_logout_token();
    gen_jwks();
    gen_session();
    gen_flow();
    apr_pool_destroy(pool);
    return 0;
}
