/* oidc_crypto.h: hashing, key derivation, AEAD and randomness (OpenSSL). */
#ifndef OIDC_CRYPTO_H
#define OIDC_CRYPTO_H

#include "core/util/oidc_core.h"

#define OIDC_KEY_LEN 32
#define OIDC_AEAD_NONCE_LEN 12
#define OIDC_AEAD_TAG_LEN 16
#define OIDC_AEAD_OVERHEAD (OIDC_AEAD_NONCE_LEN + OIDC_AEAD_TAG_LEN)

apr_status_t oidc_random(unsigned char *buf, apr_size_t len);
/* A fresh random token: `bytes` random bytes, base64url encoded. */
const char *oidc_random_token(apr_pool_t *p, apr_size_t bytes);

void oidc_sha256(const void *data, apr_size_t len, unsigned char out[32]);
/* SHA-256 of label, its NUL, then data: the store keys of distinct uses
 * (session, lock, marks) can never meet. */
void oidc_sha256_labelled(const char *label, const void *data,
                          apr_size_t len, unsigned char out[32]);

/* HKDF-SHA256 (RFC 5869) of the key material, one key per purpose. */
apr_status_t oidc_hkdf(const unsigned char *ikm, apr_size_t ikm_len,
                       const char *info, unsigned char out[OIDC_KEY_LEN]);

/* AES-256-GCM with a fresh random 96-bit nonce per message:
 * out = nonce | ciphertext | tag. */
apr_status_t oidc_aead_seal(apr_pool_t *p, const unsigned char *key,
                            const void *aad, apr_size_t aad_len,
                            const unsigned char *plain, apr_size_t len,
                            unsigned char **out, apr_size_t *out_len);
/* APR_EGENERAL when the input is short, tampered, or under another key. */
apr_status_t oidc_aead_open(apr_pool_t *p, const unsigned char *key,
                            const void *aad, apr_size_t aad_len,
                            const unsigned char *in, apr_size_t len,
                            unsigned char **plain, apr_size_t *plain_len);

#endif
