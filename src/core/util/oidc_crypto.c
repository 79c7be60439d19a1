/* oidc_crypto.c: thin, checked wrappers over OpenSSL's EVP interfaces. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <apr_atomic.h>

#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"

/* OpenSSL 3 looks an algorithm up by name on every one-shot call (SHA256(),
 * EVP_aes_256_gcm()), which costs more than hashing a session id. Fetch
 * each once per process: a plain read once set, a compare-and-swap to set
 * it, and a racing thread's extra copy is freed. */
static EVP_MD *sha256_md;
static EVP_CIPHER *aes_gcm;

static const EVP_MD *fetched_sha256(void)
{
    EVP_MD *md = *(EVP_MD *volatile *)&sha256_md;

    if (md == NULL) {
        md = EVP_MD_fetch(NULL, "SHA256", NULL);
        if (md != NULL
            && apr_atomic_casptr((void *)&sha256_md, md, NULL) != NULL) {
            EVP_MD_free(md);
            md = sha256_md;
        }
    }
    return md;
}

static const EVP_CIPHER *fetched_aes_gcm(void)
{
    EVP_CIPHER *c = *(EVP_CIPHER *volatile *)&aes_gcm;

    if (c == NULL) {
        c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
        if (c != NULL
            && apr_atomic_casptr((void *)&aes_gcm, c, NULL) != NULL) {
            EVP_CIPHER_free(c);
            c = aes_gcm;
        }
    }
    return c;
}

/* An AES-GCM context with its key schedule and GHASH table set up for
 * one key, in one direction; each use only sets a new nonce. */
typedef struct {
    EVP_CIPHER_CTX *ctx;
    unsigned char key[OIDC_KEY_LEN];
    int keyed;                     /* ctx holds key */
} gcm_slot_t;

/* Keys a thread keeps contexts for, per direction: a login seals and
 * opens under two (the login state's and the session's). */
#define GCM_SLOTS 2

/* Contexts each thread keeps for the per-request digest and AES-GCM:
 * making one per call, and expanding the AES key and GCM tables each time,
 * cost more than the work itself (bench/instructions.mjs counts it).
 * Freed when the thread ends. */
typedef struct {
    EVP_MD_CTX *md;
    gcm_slot_t gcm[2][GCM_SLOTS];  /* [0] open, [1] seal */
    unsigned gcm_next[2];          /* the slot a new key takes */
} thread_ctx_t;

static pthread_key_t thread_ctx_key;
static pthread_once_t thread_ctx_once = PTHREAD_ONCE_INIT;
static int thread_ctx_ok;

static void thread_ctx_free(void *data)
{
    thread_ctx_t *t = data;
    int enc, i;

    EVP_MD_CTX_free(t->md);
    for (enc = 0; enc < 2; enc++) {
        for (i = 0; i < GCM_SLOTS; i++) {
            EVP_CIPHER_CTX_free(t->gcm[enc][i].ctx);
        }
    }
    OPENSSL_cleanse(t->gcm, sizeof(t->gcm));
    free(t);
}

static void thread_ctx_init(void)
{
    thread_ctx_ok = pthread_key_create(&thread_ctx_key, thread_ctx_free) == 0;
}

/* NULL when out of memory: callers then make a context of their own. */
static thread_ctx_t *thread_ctx(void)
{
    thread_ctx_t *t;

    if (pthread_once(&thread_ctx_once, thread_ctx_init) != 0
        || !thread_ctx_ok) {
        return NULL;
    }
    t = pthread_getspecific(thread_ctx_key);
    if (t == NULL) {
        t = calloc(1, sizeof(*t));
        if (t == NULL) {
            return NULL;
        }
        t->md = EVP_MD_CTX_new();
        if (t->md == NULL
            || pthread_setspecific(thread_ctx_key, t) != 0) {
            thread_ctx_free(t);
            return NULL;
        }
    }
    return t;
}

/* OpenSSL keeps a DRBG per thread (since 1.1.1) and reseeds it after a
 * fork, so there is nothing to pool or guard here. */
apr_status_t oidc_random(unsigned char *buf, apr_size_t len)
{
    if (len > INT_MAX) {
        return APR_EINVAL;
    }
    return RAND_bytes(buf, (int)len) == 1 ? APR_SUCCESS : APR_EGENERAL;
}

const char *oidc_random_token(apr_pool_t *p, apr_size_t bytes)
{
    unsigned char buf[64];

    if (bytes > sizeof(buf) || oidc_random(buf, bytes) != APR_SUCCESS) {
        return NULL;
    }
    return oidc_b64url_encode(p, buf, bytes);
}

void oidc_sha256(const void *data, apr_size_t len, unsigned char out[32])
{
    const EVP_MD *md = fetched_sha256();

    if (md == NULL || EVP_Digest(data, len, out, NULL, md, NULL) != 1) {
        SHA256(data, len, out);      /* the slow path still hashes */
    }
}

void oidc_sha256_labelled(const char *label, const void *data,
                          apr_size_t len, unsigned char out[32])
{
    const EVP_MD *md = fetched_sha256();
    thread_ctx_t *t = thread_ctx();
    EVP_MD_CTX *ctx = t ? t->md : EVP_MD_CTX_new();

    /* Out of memory is fatal here as in APR's pools: there is no answer
     * that would not be a wrong key. */
    if (ctx == NULL
        || EVP_DigestInit_ex(ctx, md ? md : EVP_sha256(), NULL) != 1
        || EVP_DigestUpdate(ctx, label, strlen(label) + 1) != 1
        || EVP_DigestUpdate(ctx, data, len) != 1
        || EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
        abort();
    }
    if (t == NULL) {
        EVP_MD_CTX_free(ctx);
    }
}

apr_status_t oidc_hkdf(const unsigned char *ikm, apr_size_t ikm_len,
                       const char *info, unsigned char out[OIDC_KEY_LEN])
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    size_t out_len = OIDC_KEY_LEN;
    int ok;

    if (ctx == NULL) {
        return APR_ENOMEM;
    }
    ok = EVP_PKEY_derive_init(ctx) == 1
        && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1
        && EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm, (int)ikm_len) == 1
        && EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)info,
                                       (int)strlen(info)) == 1
        && EVP_PKEY_derive(ctx, out, &out_len) == 1
        && out_len == OIDC_KEY_LEN;
    EVP_PKEY_CTX_free(ctx);
    return ok ? APR_SUCCESS : APR_EGENERAL;
}

/* A context for `key` in direction enc (1 seals), set to nonce iv: the
 * thread's for that key when it has one, else a slot re-keyed; *slot is
 * that slot, or NULL for a context of the caller's own to free. */
static EVP_CIPHER_CTX *gcm_begin(int enc, const unsigned char *key,
                                 const unsigned char *iv, gcm_slot_t **slot)
{
    thread_ctx_t *t = thread_ctx();
    const EVP_CIPHER *aes = fetched_aes_gcm();
    EVP_CIPHER_CTX *ctx;
    gcm_slot_t *s;
    int i;

    *slot = NULL;
    if (aes == NULL) {
        return NULL;
    }
    if (t == NULL) {
        ctx = EVP_CIPHER_CTX_new();
        if (ctx != NULL && EVP_CipherInit_ex(ctx, aes, NULL, key, iv, enc) != 1) {
            EVP_CIPHER_CTX_free(ctx);
            ctx = NULL;
        }
        return ctx;
    }
    for (i = 0; i < GCM_SLOTS; i++) {
        s = &t->gcm[enc][i];
        if (s->keyed && CRYPTO_memcmp(s->key, key, OIDC_KEY_LEN) == 0) {
            *slot = s;
            /* Same key: only the nonce changes, the key schedule stays. */
            return EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, enc) == 1
                ? s->ctx : NULL;
        }
    }
    s = &t->gcm[enc][t->gcm_next[enc]];
    t->gcm_next[enc] = (t->gcm_next[enc] + 1) % GCM_SLOTS;
    s->keyed = 0;
    if (s->ctx == NULL && (s->ctx = EVP_CIPHER_CTX_new()) == NULL) {
        return NULL;
    }
    *slot = s;
    if (EVP_CipherInit_ex(s->ctx, aes, NULL, key, iv, enc) != 1) {
        return NULL;
    }
    memcpy(s->key, key, OIDC_KEY_LEN);
    s->keyed = 1;
    return s->ctx;
}

/* After gcm_begin's context was used: a failure leaves a slot to be set up
 * from scratch next time, and a context of the caller's own is freed. */
static void gcm_end(EVP_CIPHER_CTX *ctx, gcm_slot_t *slot, int ok)
{
    if (slot == NULL) {
        EVP_CIPHER_CTX_free(ctx);
    }
    else if (!ok) {
        slot->keyed = 0;
    }
}

apr_status_t oidc_aead_seal(apr_pool_t *p, const unsigned char *key,
                            const void *aad, apr_size_t aad_len,
                            const unsigned char *plain, apr_size_t len,
                            unsigned char **out, apr_size_t *out_len)
{
    EVP_CIPHER_CTX *ctx;
    gcm_slot_t *slot;
    unsigned char *buf = apr_palloc(p, len + OIDC_AEAD_OVERHEAD);
    unsigned char *ct = buf + OIDC_AEAD_NONCE_LEN;
    int n = 0, fin = 0, ok;

    if (oidc_random(buf, OIDC_AEAD_NONCE_LEN) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    ctx = gcm_begin(1, key, buf, &slot);
    ok = ctx != NULL
        && EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1
        && EVP_EncryptUpdate(ctx, ct, &n, plain, (int)len) == 1
        && EVP_EncryptFinal_ex(ctx, ct + n, &fin) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, OIDC_AEAD_TAG_LEN,
                               ct + n + fin) == 1;
    gcm_end(ctx, slot, ok);
    if (!ok) {
        return APR_EGENERAL;
    }
    *out = buf;
    *out_len = OIDC_AEAD_NONCE_LEN + (apr_size_t)(n + fin) + OIDC_AEAD_TAG_LEN;
    return APR_SUCCESS;
}

apr_status_t oidc_aead_open(apr_pool_t *p, const unsigned char *key,
                            const void *aad, apr_size_t aad_len,
                            const unsigned char *in, apr_size_t len,
                            unsigned char **plain, apr_size_t *plain_len)
{
    EVP_CIPHER_CTX *ctx;
    gcm_slot_t *slot;
    const unsigned char *ct = in + OIDC_AEAD_NONCE_LEN;
    apr_size_t ct_len;
    unsigned char *buf;
    int n = 0, fin = 0, ok;

    if (len < OIDC_AEAD_OVERHEAD) {
        return APR_EGENERAL;
    }
    ct_len = len - OIDC_AEAD_OVERHEAD;
    buf = apr_palloc(p, ct_len + 1);
    ctx = gcm_begin(0, key, in, &slot);
    ok = ctx != NULL
        && EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1
        && EVP_DecryptUpdate(ctx, buf, &n, ct, (int)ct_len) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, OIDC_AEAD_TAG_LEN,
                               (void *)(ct + ct_len)) == 1
        && EVP_DecryptFinal_ex(ctx, buf + n, &fin) == 1;
    gcm_end(ctx, slot, ok);
    if (!ok) {
        return APR_EGENERAL;
    }
    buf[n + fin] = '\0';
    *plain = buf;
    *plain_len = (apr_size_t)(n + fin);
    return APR_SUCCESS;
}
