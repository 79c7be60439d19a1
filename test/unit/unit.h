/*
 * unit.h: what the unit tests of the protocol core share: one Suite per
 * file, a per-test APR pool, and keys and tokens made in the test itself
 * (no files, no network).
 */
#ifndef UNIT_H
#define UNIT_H

#include <check.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <jansson.h>
#include <cjose/cjose.h>

#include "core/util/oidc_core.h"

/* One suite per test file. */
Suite *encode_suite(void);
Suite *crypto_suite(void);
Suite *pkce_suite(void);
Suite *secret_suite(void);
Suite *params_suite(void);
Suite *cookie_suite(void);
Suite *redirect_suite(void);
Suite *flow_suite(void);
Suite *json_suite(void);
Suite *jwt_suite(void);
Suite *client_assertion_suite(void);
Suite *jwks_suite(void);
Suite *idtoken_suite(void);
Suite *session_suite(void);
Suite *claims_suite(void);
Suite *provider_suite(void);
/* The Relying Party, one file a flow (test_rp_*.c, rp_fixture.h). */
Suite *rp_login_suite(void);
Suite *rp_par_suite(void);
Suite *rp_callback_suite(void);
Suite *rp_session_suite(void);
Suite *rp_userinfo_suite(void);
Suite *rp_refresh_suite(void);
Suite *rp_logout_suite(void);
Suite *redis_reply_suite(void);
Suite *change_feed_suite(void);
Suite *lock_buckets_suite(void);
Suite *rp_op_logout_suite(void);

/* The per-test pool: made by unit_setup, destroyed by unit_teardown. */
extern apr_pool_t *unit_pool;
void unit_setup(void);
void unit_teardown(void);
/* A test case with the pool fixture and a timeout generous enough for
 * valgrind. */
TCase *unit_tcase(const char *name);

/* ---- keys (unit_keys.c) ------------------------------------------------ */

typedef struct {
    cjose_jwk_t *jwk;       /* private key, owned by unit_keys.c */
    const char *kid;
    const char *kty;        /* "RSA" or "EC" */
} unit_key_t;

/* Made once per process by unit_keys_init() (before the runner forks), so
 * that tests do not each pay for RSA key generation. */
extern unit_key_t unit_rsa1;       /* RSA-2048, kid "rsa-1" */
extern unit_key_t unit_rsa2;       /* RSA-2048, kid "rsa-2" */
extern unit_key_t unit_ec1;        /* EC P-256, kid "ec-1" */
extern unit_key_t unit_rsa_small;  /* RSA-1024, kid "rsa-small" */
void unit_keys_init(void);
void unit_keys_cleanup(void);

/* The public JWK as JSON text. kid: the member's value, or NULL for no kid.
 * alg, use: added when not NULL. */
const char *unit_jwk_public(apr_pool_t *p, const unit_key_t *k,
                            const char *kid, const char *alg,
                            const char *use);
/* {"keys":[...]} from JWK texts, NULL-terminated. */
const char *unit_jwks_text(apr_pool_t *p, ...);

/* Unpadded base64url of a string. */
const char *unit_b64url(apr_pool_t *p, const char *s);

/* A compact JWS signed by cjose: header {"alg":alg[,"kid":kid]}. */
const char *unit_jws_sign(apr_pool_t *p, const unit_key_t *k,
                          const char *alg, const char *kid,
                          const char *payload);
/* claims signed RS256 by cjose with k under kid; takes the reference. */
const char *unit_jws_sign_claims(apr_pool_t *p, const unit_key_t *k,
                                 const char *kid, json_t *claims);
/* A compact JWS assembled here from exact header and payload texts (which
 * cjose would re-serialize), RS256-signed with k through OpenSSL. */
const char *unit_jws_rs256_raw(apr_pool_t *p, const unit_key_t *k,
                               const char *header, const char *payload);
/* An HS256 JWS whose HMAC secret is the given bytes. */
const char *unit_jws_hs256(apr_pool_t *p, const unsigned char *secret,
                           apr_size_t secret_len, const char *header,
                           const char *payload);
/* The same token with one bit of its signature flipped. */
const char *unit_jws_flip_sig(apr_pool_t *p, const char *compact);

/* ---- small helpers ----------------------------------------------------- */

/* Whether haystack contains needle (both may be NULL: then false). */
int unit_contains(const char *haystack, const char *needle);
/* A string of n copies of c. */
char *unit_repeat(apr_pool_t *p, char c, apr_size_t n);

#endif
