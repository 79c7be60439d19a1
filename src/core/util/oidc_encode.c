/* oidc_encode.c: the encodings the protocol uses, all bounded and strict. */
#include <string.h>
#include <openssl/crypto.h>
#include <apr_escape.h>
#include <apr_strings.h>

#include "core/util/oidc_encode.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *oidc_b64url_encode(apr_pool_t *p, const unsigned char *d,
                               apr_size_t len)
{
    char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1);
    char *o = out;
    apr_size_t i = 0;

    for (; i + 2 < len; i += 3) {
        *o++ = b64url_alphabet[d[i] >> 2];
        *o++ = b64url_alphabet[((d[i] & 0x03) << 4) | (d[i + 1] >> 4)];
        *o++ = b64url_alphabet[((d[i + 1] & 0x0f) << 2) | (d[i + 2] >> 6)];
        *o++ = b64url_alphabet[d[i + 2] & 0x3f];
    }
    if (len - i == 1) {
        *o++ = b64url_alphabet[d[i] >> 2];
        *o++ = b64url_alphabet[(d[i] & 0x03) << 4];
    }
    else if (len - i == 2) {
        *o++ = b64url_alphabet[d[i] >> 2];
        *o++ = b64url_alphabet[((d[i] & 0x03) << 4) | (d[i + 1] >> 4)];
        *o++ = b64url_alphabet[(d[i + 1] & 0x0f) << 2];
    }
    *o = '\0';
    return out;
}

/* The value of each byte in the alphabet, -1 outside it, in rows of 16
 * from 0x00; every byte from 0x80 up is outside. A lookup over all 256
 * bytes, without range tests or a test for ASCII: every base64url decode
 * and every check of a session id on its way to the store goes through
 * it. */
static const signed char b64url_values[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int b64url_value(unsigned char c)
{
    return b64url_values[c];
}

/* The values OR'd together go negative at the first byte outside the
 * alphabet; no branch per byte. Callers bound len. */
int oidc_is_b64url(const char *s, apr_size_t len)
{
    apr_size_t i;
    int acc = 0;

    for (i = 0; i < len; i++) {
        acc |= b64url_value((unsigned char)s[i]);
    }
    return acc >= 0;
}

unsigned char *oidc_b64url_decode(apr_pool_t *p, const char *in,
                                  apr_size_t in_len, apr_size_t *len)
{
    unsigned char *out, *o;
    apr_size_t i;
    unsigned int acc = 0;
    int bits = 0;

    /* A remainder of one character cannot encode a whole byte. */
    if (in_len % 4 == 1) {
        return NULL;
    }
    out = o = apr_palloc(p, in_len / 4 * 3 + 3);
    for (i = 0; i < in_len; i++) {
        int v = b64url_value((unsigned char)in[i]);
        if (v < 0) {
            return NULL;
        }
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Non-canonical trailing bits would let two strings decode alike. */
    if (acc != 0) {
        return NULL;
    }
    *o = '\0';
    *len = (apr_size_t)(o - out);
    return out;
}

const char *oidc_hex_encode(apr_pool_t *p, const unsigned char *d,
                            apr_size_t len)
{
    return len == 0 ? "" : apr_pescape_hex(p, d, len, 0);
}

apr_status_t oidc_hex_decode(const char *s, apr_size_t len,
                             unsigned char *out, apr_size_t *out_len)
{
    /* apr_unescape_hex takes an odd length, dropping the last digit. */
    if (len % 2 != 0
        || apr_unescape_hex(out, s, (apr_ssize_t)len, 0, out_len)
           != APR_SUCCESS) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

const char *oidc_url_encode(apr_pool_t *p, const char *s)
{
    return apr_pescape_urlencoded(p, s);
}

char *oidc_url_decode(apr_pool_t *p, const char *s, apr_size_t len)
{
    apr_size_t size;
    apr_status_t rv;
    char *text, *out;

    /* APR stops at a NUL byte, and reads a %-escape's two digits even
     * past slen: it is given a NUL-terminated copy, and a text holding a
     * NUL is not a text. */
    if (memchr(s, '\0', len) != NULL) {
        return NULL;
    }
    text = apr_pstrmemdup(p, s, len);
    rv = apr_unescape_url(NULL, text, APR_ESCAPE_STRING, NULL, NULL, 1,
                          &size);
    if (rv == APR_NOTFOUND) {
        return text;
    }
    if (rv != APR_SUCCESS) {      /* a bad %-escape, or one of NUL */
        return NULL;
    }
    out = apr_palloc(p, size);
    apr_unescape_url(out, text, APR_ESCAPE_STRING, NULL, NULL, 1, NULL);
    return out;
}

/* Escapes & < > and ": the pages put text only in elements and in
 * double-quoted attributes. */
const char *oidc_html_escape(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s, 0);
}

int oidc_secure_streq(const char *a, const char *b)
{
    apr_size_t la, lb;

    if (a == NULL || b == NULL) {
        return 0;
    }
    la = strlen(a);
    lb = strlen(b);
    if (la != lb) {
        return 0;
    }
    return CRYPTO_memcmp(a, b, la) == 0;
}
