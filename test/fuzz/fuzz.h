/*
 * fuzz.h: what the fuzz targets share. Each fuzz_<name>.c defines the
 * libFuzzer entry point for one parser of attacker-controlled input; the
 * same file links into a libFuzzer binary (make fuzz) and into a replay
 * driver built with the normal compiler (make check).
 *
 * Keys, issuer and clock are fixed, so that seeds sealed or signed once
 * (make fuzz-seeds) stay valid and reach the code behind the crypto.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/util/oidc_core.h"
#include "core/jose/oidc_jwks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fresh pool for one input (APR is initialised on first use). The target
 * destroys it, so whatever a parser fails to release shows as a leak. */
apr_pool_t *fuzz_pool(void);

/* The input as a C string: it ends at an embedded NUL, as a header or a
 * query from httpd would. */
const char *fuzz_cstr(apr_pool_t *p, const uint8_t *data, size_t size);

/* Splits the input at its first '\n': *head is the part before as a C
 * string (the whole input when there is no '\n'), *rest the bytes after
 * (NULL and 0 when there is no '\n'). */
void fuzz_split(apr_pool_t *p, const uint8_t *data, size_t size,
                const char **head, const uint8_t **rest, size_t *rest_len);

/* ---- fixed test material (fuzz_keys.c) ---------------------------------- */

#define FUZZ_ISSUER     "https://op.example"
#define FUZZ_CLIENT_ID  "fuzz-client"
#define FUZZ_COOKIE     "oidc_session"      /* the default cookie name */
#define FUZZ_ORIGIN     "https://app.example"
#define FUZZ_NONCE      "fuzz-nonce-0123456789"
#define FUZZ_SUB        "fuzz-user"
#define FUZZ_NOW_SEC    1700000000
#define FUZZ_NOW        apr_time_from_sec(FUZZ_NOW_SEC)
#define FUZZ_SKEW       apr_time_from_sec(120)    /* the module's */

/* The session and flow keys (AES-256-GCM). */
extern const unsigned char fuzz_session_key[32];
extern const unsigned char fuzz_flow_key[32];
/* What sessions and flows are bound to: FUZZ_ISSUER, FUZZ_CLIENT_ID. */
extern const oidc_binding_t fuzz_binding;

/* The OP's signing keys: one RSA-2048 ("fuzz-rsa"), one EC P-256
 * ("fuzz-ec"); private, as JWK text. */
extern const char fuzz_jwk_rsa[];
extern const char fuzz_jwk_ec[];

/* The public JWK Set of both keys, as the OP would publish it. */
const char *fuzz_jwks_text(apr_pool_t *p);
/* That set parsed into p (per input: cjose keys live in a pool). */
const oidc_jwks_t *fuzz_jwks(apr_pool_t *p);

/* A compact JWS of payload: alg RS*, PS* (RSA key) or ES256 (EC key);
 * kid and typ go in the header when not NULL. NULL on failure. */
const char *fuzz_sign(apr_pool_t *p, const char *alg, const char *kid,
                      const char *typ, const char *payload);

#endif
