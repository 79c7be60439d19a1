/* test_crypto.c: hashing, HKDF, AES-256-GCM sealing and randomness. */
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "unit.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"

static const unsigned char key_a[OIDC_KEY_LEN] = "0123456789abcdef0123456789abcde";
static const unsigned char key_b[OIDC_KEY_LEN] = "0123456789abcdef0123456789abcdX";

static const char plain_text[] = "the quick brown fox jumps over the lazy dog";

static void seal(const unsigned char *key, const char *aad,
                 unsigned char **out, apr_size_t *out_len)
{
    ck_assert_int_eq(oidc_aead_seal(unit_pool, key, aad, strlen(aad),
                                    (const unsigned char *)plain_text,
                                    strlen(plain_text), out, out_len),
                     APR_SUCCESS);
    ck_assert_uint_eq(*out_len, strlen(plain_text) + OIDC_AEAD_OVERHEAD);
}

static apr_status_t open_(const unsigned char *key, const char *aad,
                          const unsigned char *in, apr_size_t len)
{
    unsigned char *plain = NULL;
    apr_size_t plain_len = 0;
    return oidc_aead_open(unit_pool, key, aad, strlen(aad), in, len, &plain,
                          &plain_len);
}

START_TEST(sha256_vector)
{
    unsigned char d[32];

    oidc_sha256("abc", 3, d);
    ck_assert_str_eq(oidc_hex_encode(unit_pool, d, 32),
                     "ba7816bf8f01cfea414140de5dae2223"
                     "b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(aead_round_trip)
{
    unsigned char *sealed, *plain = NULL;
    apr_size_t sealed_len, plain_len = 0;

    seal(key_a, "context", &sealed, &sealed_len);
    /* The plaintext is not visible in the sealed form. */
    ck_assert_ptr_null(memmem(sealed, sealed_len, "quick", 5));
    ck_assert_int_eq(oidc_aead_open(unit_pool, key_a, "context", 7, sealed,
                                    sealed_len, &plain, &plain_len),
                     APR_SUCCESS);
    ck_assert_uint_eq(plain_len, strlen(plain_text));
    ck_assert_str_eq((const char *)plain, plain_text);  /* NUL-terminated */
}
END_TEST

START_TEST(aead_empty)
{
    unsigned char *sealed, *plain = NULL;
    apr_size_t sealed_len, plain_len = 99;

    ck_assert_int_eq(oidc_aead_seal(unit_pool, key_a, "", 0,
                                    (const unsigned char *)"", 0, &sealed,
                                    &sealed_len), APR_SUCCESS);
    ck_assert_uint_eq(sealed_len, OIDC_AEAD_OVERHEAD);
    ck_assert_int_eq(oidc_aead_open(unit_pool, key_a, "", 0, sealed,
                                    sealed_len, &plain, &plain_len),
                     APR_SUCCESS);
    ck_assert_uint_eq(plain_len, 0);
    ck_assert_str_eq((const char *)plain, "");
}
END_TEST

START_TEST(aead_wrong_key)
{
    unsigned char *sealed;
    apr_size_t len;

    seal(key_a, "context", &sealed, &len);
    ck_assert_int_eq(open_(key_b, "context", sealed, len), APR_EGENERAL);
    ck_assert_int_eq(open_(key_a, "context", sealed, len), APR_SUCCESS);
}
END_TEST

/* Each thread keeps its decryption context keyed: records under several
 * keys, in any order, open under their own key only. */
START_TEST(aead_keys_alternate)
{
    unsigned char *under_a, *under_b, *plain;
    apr_size_t len_a, len_b, plain_len;
    int round;

    seal(key_a, "context", &under_a, &len_a);
    seal(key_b, "context", &under_b, &len_b);
    for (round = 0; round < 3; round++) {
        ck_assert_int_eq(open_(key_a, "context", under_a, len_a), APR_SUCCESS);
        ck_assert_int_eq(open_(key_a, "context", under_b, len_b), APR_EGENERAL);
        ck_assert_int_eq(oidc_aead_open(unit_pool, key_b, "context", 7,
                                        under_b, len_b, &plain, &plain_len),
                         APR_SUCCESS);
        ck_assert_str_eq((const char *)plain, plain_text);
        ck_assert_int_eq(open_(key_b, "context", under_a, len_a), APR_EGENERAL);
    }
}
END_TEST

/* Decrypts with a context of its own: what a thread's kept contexts seal
 * must be plain AES-256-GCM under the key given. */
static int independent_open(const unsigned char *key, const char *aad,
                            const unsigned char *in, apr_size_t len,
                            unsigned char *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    const unsigned char *ct = in + OIDC_AEAD_NONCE_LEN;
    int ct_len = (int)(len - OIDC_AEAD_OVERHEAD), n = 0, fin = 0, ok;

    ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, in) == 1
        && EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
                             (int)strlen(aad)) == 1
        && EVP_DecryptUpdate(ctx, out, &n, ct, ct_len) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, OIDC_AEAD_TAG_LEN,
                               (void *)(ct + ct_len)) == 1
        && EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? n + fin : -1;
}

/* More keys than a thread keeps contexts for, interleaved with failed
 * opens: every record is still sealed under its own key and opens. */
START_TEST(aead_many_keys_interleaved)
{
    static const unsigned char key_c[OIDC_KEY_LEN] = "another key, thirty-two bytes..";
    const unsigned char *keys[3] = { key_a, key_b, key_c };
    unsigned char *sealed[12], *plain, out[128];
    apr_size_t len[12], plain_len;
    char text[64];
    int i;

    for (i = 0; i < 12; i++) {
        snprintf(text, sizeof(text), "record %d", i);
        ck_assert_int_eq(oidc_aead_seal(unit_pool, keys[i % 3], "aad", 3,
                                        (const unsigned char *)text,
                                        strlen(text), &sealed[i], &len[i]),
                         APR_SUCCESS);
        ck_assert_int_eq(independent_open(keys[i % 3], "aad", sealed[i],
                                          len[i], out), (int)strlen(text));
        ck_assert_mem_eq(out, text, strlen(text));
        ck_assert_int_eq(open_(keys[(i + 1) % 3], "aad", sealed[i], len[i]),
                         APR_EGENERAL);
    }
    for (i = 11; i >= 0; i--) {
        snprintf(text, sizeof(text), "record %d", i);
        ck_assert_int_eq(oidc_aead_open(unit_pool, keys[i % 3], "aad", 3,
                                        sealed[i], len[i], &plain,
                                        &plain_len), APR_SUCCESS);
        ck_assert_str_eq((const char *)plain, text);
    }
}
END_TEST

START_TEST(aead_wrong_aad)
{
    unsigned char *sealed;
    apr_size_t len;

    seal(key_a, "context", &sealed, &len);
    ck_assert_int_eq(open_(key_a, "contexT", sealed, len), APR_EGENERAL);
    ck_assert_int_eq(open_(key_a, "context2", sealed, len), APR_EGENERAL);
    ck_assert_int_eq(open_(key_a, "", sealed, len), APR_EGENERAL);
}
END_TEST

START_TEST(aead_tampered)
{
    unsigned char *sealed, *copy;
    apr_size_t len, i;

    seal(key_a, "context", &sealed, &len);
    copy = apr_palloc(unit_pool, len);
    /* Every single byte matters: nonce, ciphertext and tag. */
    for (i = 0; i < len; i++) {
        memcpy(copy, sealed, len);
        copy[i] ^= 0x01;
        ck_assert_msg(open_(key_a, "context", copy, len) == APR_EGENERAL,
                      "flipped byte %u opened", (unsigned)i);
    }
    memcpy(copy, sealed, len);
    copy[0] ^= 0x80;                                  /* nonce */
    ck_assert_int_eq(open_(key_a, "context", copy, len), APR_EGENERAL);
    memcpy(copy, sealed, len);
    copy[OIDC_AEAD_NONCE_LEN + 3] ^= 0x80;            /* ciphertext */
    ck_assert_int_eq(open_(key_a, "context", copy, len), APR_EGENERAL);
    memcpy(copy, sealed, len);
    copy[len - 1] ^= 0x80;                            /* tag */
    ck_assert_int_eq(open_(key_a, "context", copy, len), APR_EGENERAL);
    /* The untouched record still opens. */
    ck_assert_int_eq(open_(key_a, "context", sealed, len), APR_SUCCESS);
}
END_TEST

START_TEST(aead_truncated)
{
    unsigned char *sealed;
    apr_size_t len, n;

    seal(key_a, "context", &sealed, &len);
    for (n = 0; n < len; n++) {
        ck_assert_msg(open_(key_a, "context", sealed, n) == APR_EGENERAL,
                      "truncated to %u bytes opened", (unsigned)n);
    }
    /* Dropping the nonce or the tag is no better. */
    ck_assert_int_eq(open_(key_a, "context", sealed + 1, len - 1),
                     APR_EGENERAL);
}
END_TEST

START_TEST(aead_fresh_nonce)
{
    unsigned char *s1, *s2;
    apr_size_t l1, l2;

    seal(key_a, "context", &s1, &l1);
    seal(key_a, "context", &s2, &l2);
    ck_assert_uint_eq(l1, l2);
    ck_assert_int_ne(memcmp(s1, s2, OIDC_AEAD_NONCE_LEN), 0);
    ck_assert_int_ne(memcmp(s1 + OIDC_AEAD_NONCE_LEN,
                            s2 + OIDC_AEAD_NONCE_LEN,
                            l1 - OIDC_AEAD_NONCE_LEN), 0);
    ck_assert_int_eq(open_(key_a, "context", s1, l1), APR_SUCCESS);
    ck_assert_int_eq(open_(key_a, "context", s2, l2), APR_SUCCESS);
}
END_TEST

START_TEST(hkdf_rfc5869)
{
    /* RFC 5869 A.3: SHA-256, IKM 22 x 0x0b, no salt, no info; the first
     * 32 bytes of the OKM. */
    unsigned char ikm[22], out[OIDC_KEY_LEN];

    memset(ikm, 0x0b, sizeof(ikm));
    ck_assert_int_eq(oidc_hkdf(ikm, sizeof(ikm), "", out), APR_SUCCESS);
    ck_assert_str_eq(oidc_hex_encode(unit_pool, out, sizeof(out)),
                     "8da4e775a563c18f715f802a063c5a31"
                     "b8a11f5c5ee1879ec3454e5f3c738d2d");
}
END_TEST

START_TEST(hkdf_deterministic_and_separated)
{
    const unsigned char ikm[] = "a long enough piece of key material";
    unsigned char a1[OIDC_KEY_LEN], a2[OIDC_KEY_LEN], b[OIDC_KEY_LEN],
        c[OIDC_KEY_LEN];

    ck_assert_int_eq(oidc_hkdf(ikm, sizeof(ikm) - 1, "session", a1),
                     APR_SUCCESS);
    ck_assert_int_eq(oidc_hkdf(ikm, sizeof(ikm) - 1, "session", a2),
                     APR_SUCCESS);
    ck_assert_int_eq(oidc_hkdf(ikm, sizeof(ikm) - 1, "flow", b), APR_SUCCESS);
    ck_assert_int_eq(oidc_hkdf(ikm, sizeof(ikm) - 2, "session", c),
                     APR_SUCCESS);
    ck_assert_mem_eq(a1, a2, OIDC_KEY_LEN);
    ck_assert_int_ne(memcmp(a1, b, OIDC_KEY_LEN), 0);
    ck_assert_int_ne(memcmp(a1, c, OIDC_KEY_LEN), 0);
}
END_TEST

START_TEST(random_token)
{
    const char *t1 = oidc_random_token(unit_pool, 32);
    const char *t2 = oidc_random_token(unit_pool, 32);
    unsigned char buf[16], zero[16];

    ck_assert_ptr_nonnull(t1);
    ck_assert_uint_eq(strlen(t1), 43);
    ck_assert(oidc_is_b64url(t1, 43));
    ck_assert_str_ne(t1, t2);
    ck_assert_uint_eq(strlen(oidc_random_token(unit_pool, 64)), 86);
    ck_assert_ptr_null(oidc_random_token(unit_pool, 65));
    memset(buf, 0, sizeof(buf));
    memset(zero, 0, sizeof(zero));
    ck_assert_int_eq(oidc_random(buf, sizeof(buf)), APR_SUCCESS);
    ck_assert_int_ne(memcmp(buf, zero, sizeof(buf)), 0);
}
END_TEST

/* Draws of every size, across several refills of a thread's pool, never
 * hand out the same bytes twice. */
START_TEST(random_draws_distinct)
{
    static const apr_size_t sizes[] = { 12, 32, 1, 64, 65, 200, 7 };
    unsigned char draws[120][32];
    unsigned char big[200];
    int i, j;

    for (i = 0; i < 120; i++) {
        apr_size_t n = sizes[i % 7] < 32 ? sizes[i % 7] : 32;

        memset(draws[i], 0, sizeof(draws[i]));
        ck_assert_int_eq(oidc_random(draws[i], n), APR_SUCCESS);
        if (sizes[i % 7] > 32) {          /* a draw past the pool's limit */
            ck_assert_int_eq(oidc_random(big, sizes[i % 7]), APR_SUCCESS);
        }
    }
    for (i = 0; i < 120; i++) {
        for (j = i + 1; j < 120; j++) {
            if (sizes[i % 7] >= 12 && sizes[j % 7] >= 12) {
                ck_assert_int_ne(memcmp(draws[i], draws[j], 12), 0);
            }
        }
    }
}
END_TEST

/* A child forked after its parent drew random bytes must not draw the
 * bytes its parent will: httpd forks its children from the thread that
 * read the configuration, which draws random keys. */
START_TEST(random_not_shared_across_fork)
{
    unsigned char first[1], mine[32], childs[32];
    int fds[2], status;
    pid_t pid;

    ck_assert_int_eq(oidc_random(first, sizeof(first)), APR_SUCCESS);
    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int ok = oidc_random(mine, sizeof(mine)) == APR_SUCCESS
            && write(fds[1], mine, sizeof(mine)) == (ssize_t)sizeof(mine);
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    ck_assert_int_eq(oidc_random(mine, sizeof(mine)), APR_SUCCESS);
    ck_assert_int_eq(read(fds[0], childs, sizeof(childs)),
                     (ssize_t)sizeof(childs));
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_ne(memcmp(mine, childs, sizeof(mine)), 0);
}
END_TEST

Suite *crypto_suite(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = unit_tcase("crypto");

    tcase_add_test(tc, sha256_vector);
    tcase_add_test(tc, aead_round_trip);
    tcase_add_test(tc, aead_empty);
    tcase_add_test(tc, aead_keys_alternate);
    tcase_add_test(tc, aead_many_keys_interleaved);
    tcase_add_test(tc, aead_wrong_key);
    tcase_add_test(tc, aead_wrong_aad);
    tcase_add_test(tc, aead_tampered);
    tcase_add_test(tc, aead_truncated);
    tcase_add_test(tc, aead_fresh_nonce);
    tcase_add_test(tc, hkdf_rfc5869);
    tcase_add_test(tc, hkdf_deterministic_and_separated);
    tcase_add_test(tc, random_token);
    tcase_add_test(tc, random_draws_distinct);
    tcase_add_test(tc, random_not_shared_across_fork);
    suite_add_tcase(s, tc);
    return s;
}
