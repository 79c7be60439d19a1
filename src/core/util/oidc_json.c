/* oidc_json.c: JSON text to jansson values without jansson's lexer.
 *
 * json_loadb makes a function call and a UTF-8 check per input byte, and
 * was a fifth of a login's instructions (token response, ID token,
 * UserInfo). This reader takes the documents OPs send in one pass and
 * builds the same values; any other document, valid or not, goes to
 * json_loadb whole, so what a caller gets is always what jansson would
 * give. Its rules for strings follow RFC 8259 and RFC 3629 as jansson
 * applies them. */
#include <stdlib.h>
#include <string.h>

#include "core/util/oidc_json.h"
#include "core/util/oidc_encode.h"

#define KEY_MAX 256             /* longer member names go to jansson */
#define INTEGER_DIGITS 18       /* fits json_int_t whatever the digits */

typedef struct {
    const unsigned char *text;
    apr_size_t at, len;
} reader_t;

static json_t *read_value(reader_t *r, int depth);

static void skip_space(reader_t *r)
{
    while (r->at < r->len && (r->text[r->at] == ' ' || r->text[r->at] == '\n'
                              || r->text[r->at] == '\r'
                              || r->text[r->at] == '\t')) {
        r->at++;
    }
}

/* The length of the UTF-8 sequence at s, which starts with a byte over
 * 0x7F: shortest form, no surrogate, nothing past U+10FFFF. 0 if it is
 * not one. */
static apr_size_t utf8_sequence(const unsigned char *s, apr_size_t left)
{
    unsigned char lo = 0x80, hi = 0xBF;
    apr_size_t n, i;

    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
    }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        lo = s[0] == 0xE0 ? 0xA0 : 0x80;        /* shortest form */
        hi = s[0] == 0xED ? 0x9F : 0xBF;        /* no surrogate */
    }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        lo = s[0] == 0xF0 ? 0x90 : 0x80;        /* shortest form */
        hi = s[0] == 0xF4 ? 0x8F : 0xBF;        /* up to U+10FFFF */
    }
    else {
        return 0;
    }
    if (left < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

static int hex4(const unsigned char *s, unsigned long *out)
{
    unsigned long v = 0;
    int i, d;

    for (i = 0; i < 4; i++) {
        if ((d = oidc_hex_value(s[i])) < 0) {
            return 0;
        }
        v = v << 4 | (unsigned long)d;
    }
    *out = v;
    return 1;
}

/* Decodes the escape after a backslash at s into out (4 bytes at most).
 * Returns the input bytes it took, or 0 for an escape left to jansson:
 * an unknown one, \u0000, a surrogate not in a pair. */
static apr_size_t unescape(const unsigned char *s, apr_size_t left,
                           char *out, apr_size_t *written)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    unsigned long cp, low;
    apr_size_t took = 5;
    const char *k;

    if (s[0] != 'u') {
        k = memchr(from, s[0], sizeof(from) - 1);
        if (k == NULL) {
            return 0;
        }
        out[0] = to[k - from];
        *written = 1;
        return 1;
    }
    if (left < 5 || !hex4(s + 1, &cp) || cp == 0
        || (cp >= 0xDC00 && cp <= 0xDFFF)) {
        return 0;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (left < 11 || s[5] != '\\' || s[6] != 'u' || !hex4(s + 7, &low)
            || low < 0xDC00 || low > 0xDFFF) {
            return 0;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        took = 11;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        *written = 1;
    }
    else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        *written = 2;
    }
    else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        *written = 3;
    }
    else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        *written = 4;
    }
    return took;
}

/* The string whose opening quote is at r->at. Without escapes, *s points
 * into the text; with them, they are decoded into buf (which holds at
 * least as many bytes as the string's text: decoding never lengthens)
 * or, when buf is NULL, into *heap, which the caller frees. Leaves r past
 * the closing quote. 0 when the string is left to jansson. */
static int read_string(reader_t *r, char *buf, apr_size_t buf_len,
                       char **heap, const char **s, apr_size_t *len)
{
    const unsigned char *t = r->text;
    apr_size_t start = r->at + 1, i = start, n, from, took, written;
    int escaped = 0;
    char *out;

    for (;;) {
        if (i >= r->len || t[i] < 0x20) {
            return 0;
        }
        if (t[i] == '"') {
            break;
        }
        if (t[i] == '\\') {
            escaped = 1;
            i += 2;
        }
        else if (t[i] < 0x80) {
            i++;
        }
        else if ((n = utf8_sequence(t + i, r->len - i)) != 0) {
            i += n;
        }
        else {
            return 0;
        }
    }
    r->at = i + 1;
    if (!escaped) {
        *s = (const char *)t + start;
        *len = i - start;
        return 1;
    }
    if (buf == NULL) {
        buf = *heap = malloc(i - start);
        if (buf == NULL) {
            return 0;
        }
    }
    else if (buf_len < i - start) {
        return 0;
    }
    out = buf;
    for (from = start; from < i; ) {
        if (t[from] != '\\') {
            *out++ = (char)t[from++];
            continue;
        }
        took = unescape(t + from + 1, i - from - 1, out, &written);
        if (took == 0) {
            return 0;
        }
        out += written;
        from += 1 + took;
    }
    *s = buf;
    *len = (apr_size_t)(out - buf);
    return 1;
}

/* An integer of up to INTEGER_DIGITS digits. */
static json_t *read_integer(reader_t *r)
{
    const unsigned char *t = r->text;
    apr_size_t i = r->at, digits = 0;
    json_int_t v = 0;
    int negative = 0;

    if (t[i] == '-') {
        negative = 1;
        i++;
    }
    if (i < r->len && t[i] == '0') {
        i++;
        digits = 1;
    }
    else {
        while (i < r->len && t[i] >= '0' && t[i] <= '9') {
            if (++digits > INTEGER_DIGITS) {
                return NULL;
            }
            v = v * 10 + (t[i++] - '0');
        }
    }
    /* A fraction, an exponent or a digit after a leading zero is not a
     * comma or a closing bracket: the container declines the document. */
    if (digits == 0) {
        return NULL;
    }
    r->at = i;
    return json_integer(negative ? -v : v);
}

static json_t *read_word(reader_t *r, const char *word, json_t *value)
{
    apr_size_t n = strlen(word);

    if (r->len - r->at < n || memcmp(r->text + r->at, word, n) != 0) {
        return NULL;
    }
    r->at += n;
    return value;
}

/* Past an opening bracket: 2 past the closing one when it follows, else
 * 1 at the first member or element. */
static int first_item(reader_t *r, unsigned char close)
{
    r->at++;
    skip_space(r);
    if (r->at < r->len && r->text[r->at] == close) {
        r->at++;
        return 2;
    }
    return 1;
}

/* After a member or an element: 1 past a comma, 2 past the closing
 * bracket, 0 for anything else. */
static int next_item(reader_t *r, unsigned char close)
{
    skip_space(r);
    if (r->at < r->len && r->text[r->at] == ',') {
        r->at++;
        skip_space(r);
        return 1;
    }
    if (r->at < r->len && r->text[r->at] == close) {
        r->at++;
        return 2;
    }
    return 0;
}

static json_t *read_object(reader_t *r, int depth)
{
    json_t *obj = json_object(), *v;
    char key[KEY_MAX];
    const char *k;
    apr_size_t k_len;
    int more = first_item(r, '}');

    while (obj != NULL && more == 1) {
        /* A duplicate goes to jansson, which refuses the document. */
        if (r->at >= r->len || r->text[r->at] != '"'
            || !read_string(r, key, sizeof(key), NULL, &k, &k_len)
            || k_len >= sizeof(key)) {
            break;
        }
        if (k != key) {
            memcpy(key, k, k_len);
        }
        key[k_len] = '\0';
        skip_space(r);
        if (r->at >= r->len || r->text[r->at] != ':'
            || json_object_get(obj, key) != NULL) {
            break;
        }
        r->at++;
        skip_space(r);
        v = read_value(r, depth);
        if (v == NULL || json_object_set_new_nocheck(obj, key, v) != 0) {
            break;
        }
        more = next_item(r, '}');
    }
    if (more != 2) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *read_array(reader_t *r, int depth)
{
    json_t *arr = json_array(), *v;
    int more = first_item(r, ']');

    while (arr != NULL && more == 1) {
        v = read_value(r, depth);
        if (v == NULL || json_array_append_new(arr, v) != 0) {
            break;
        }
        more = next_item(r, ']');
    }
    if (more != 2) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *read_value(reader_t *r, int depth)
{
    const char *s;
    char *heap = NULL;
    apr_size_t len;
    json_t *v;

    if (r->at >= r->len) {
        return NULL;
    }
    switch (r->text[r->at]) {
    case '{':
        return depth < OIDC_JSON_FAST_DEPTH ? read_object(r, depth + 1) : NULL;
    case '[':
        return depth < OIDC_JSON_FAST_DEPTH ? read_array(r, depth + 1) : NULL;
    case '"':
        v = read_string(r, NULL, 0, &heap, &s, &len)
            ? json_stringn_nocheck(s, len) : NULL;
        free(heap);
        return v;
    case 't':
        return read_word(r, "true", json_true());
    case 'f':
        return read_word(r, "false", json_false());
    case 'n':
        return read_word(r, "null", json_null());
    default:
        return r->text[r->at] == '-'
               || (r->text[r->at] >= '0' && r->text[r->at] <= '9')
               ? read_integer(r) : NULL;
    }
}

int oidc_json_load_fast(const char *text, apr_size_t len, json_t **out)
{
    reader_t r;
    json_t *v;

    *out = NULL;
    if (text == NULL) {
        return 0;
    }
    r.text = (const unsigned char *)text;
    r.at = 0;
    r.len = len;
    skip_space(&r);
    /* jansson takes nothing but an object or an array at the top. */
    if (r.at >= r.len || (r.text[r.at] != '{' && r.text[r.at] != '[')) {
        return 0;
    }
    v = read_value(&r, 0);
    if (v == NULL) {
        return 0;
    }
    skip_space(&r);
    if (r.at != r.len) {
        json_decref(v);
        return 0;
    }
    *out = v;
    return 1;
}

json_t *oidc_json_load(const char *text, apr_size_t len)
{
    json_error_t err;
    json_t *v;

    if (oidc_json_load_fast(text, len, &v)) {
        return v;
    }
    return json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
}
