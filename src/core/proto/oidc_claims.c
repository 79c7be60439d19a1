/* oidc_claims.c: flattening claims for the environment, and matching them. */
#include <stdlib.h>
#include <string.h>

#include "core/proto/oidc_claims.h"

#define MAX_NAME_LEN 128
#define MAX_VALUE_LEN (16 * 1024)
#define MAX_PATH_DEPTH 8

/* prefix, then name with every character other than [A-Za-z0-9_-] made
 * '_', in one allocation; NULL for a name empty or too long. */
static const char *export_name(apr_pool_t *p, const char *prefix,
                               const char *name)
{
    apr_size_t prefix_len = strlen(prefix), n = strlen(name), i;
    char *out, *o;

    if (n == 0 || n > MAX_NAME_LEN) {
        return NULL;
    }
    out = apr_palloc(p, prefix_len + n + 1);
    memcpy(out, prefix, prefix_len);
    o = out + prefix_len;
    for (i = 0; i < n; i++) {
        char c = name[i];
        o[i] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9') || c == '_' || c == '-') ? c : '_';
    }
    o[n] = '\0';
    return out;
}

/* Whether every name is lowercase letters, digits, '_' and '-': then the
 * export leaves the names as they are, and they stay distinct. */
static int names_plain(const apr_array_header_t *flat)
{
    int i;

    for (i = 0; i < flat->nelts; i++) {
        const char *n = APR_ARRAY_IDX(flat, i, oidc_lock_t).name;
        for (; *n; n++) {
            if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9')
                  || *n == '_' || *n == '-')) {
                return 0;
            }
        }
    }
    return 1;
}

oidc_claims_names_t *oidc_claims_names_make(apr_pool_t *p,
                                            const apr_array_header_t *flat,
                                            const char *prefix)
{
    oidc_claims_names_t *n = apr_palloc(p, sizeof(*n));
    const char **names = apr_palloc(p, sizeof(*names)
                                       * (apr_size_t)(flat->nelts + 1));
    int i;

    for (i = 0; i < flat->nelts; i++) {
        names[i] = export_name(p, prefix,
                               APR_ARRAY_IDX(flat, i, oidc_lock_t).name);
    }
    n->prefix = prefix;
    n->names = names;
    n->plain = names_plain(flat);
    return n;
}

static char *scrub(char *s)
{
    char *c;
    for (c = s; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *c = ' ';
        }
    }
    return s;
}

static char *json_text(apr_pool_t *p, const json_t *v)
{
    char *dump;
    char *out;

    if (json_is_string(v)) {
        return apr_pstrdup(p, json_string_value(v));
    }
    if (json_is_null(v)) {
        return apr_pstrdup(p, "");
    }
    dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (dump == NULL) {
        return NULL;
    }
    out = apr_pstrdup(p, dump);
    free(dump);
    return out;
}

static char *claim_value(apr_pool_t *p, const json_t *v)
{
    if (json_is_array(v)) {
        apr_array_header_t *parts = apr_array_make(p, 4, sizeof(char *));
        size_t i;
        for (i = 0; i < json_array_size(v); i++) {
            char *t = json_text(p, json_array_get(v, i));
            if (t != NULL) {
                APR_ARRAY_PUSH(parts, char *) = t;
            }
        }
        return apr_array_pstrcat(p, parts, ',');
    }
    return json_text(p, v);
}

apr_array_header_t *oidc_claims_flatten(apr_pool_t *p, const json_t *claims)
{
    apr_array_header_t *out = apr_array_make(p, 16, sizeof(oidc_lock_t));
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)claims, key, value) {
        apr_size_t key_len = strlen(key);
        oidc_lock_t *c;
        char *text;

        if (key_len == 0 || key_len > MAX_NAME_LEN) {  /* as export_name */
            continue;
        }
        if (out->nelts >= OIDC_MAX_CLAIMS) {
            break;
        }
        text = claim_value(p, value);
        if (text == NULL || strlen(text) > MAX_VALUE_LEN) {
            continue;
        }
        c = apr_array_push(out);
        c->name = apr_pstrdup(p, key);
        c->value = scrub(text);
        c->scalar = json_is_string(value) || json_is_number(value);
    }
    return out;
}

void oidc_claims_export_flat(apr_pool_t *p, const apr_array_header_t *flat,
                             const char *prefix, oidc_claim_fn fn,
                             void *baton)
{
    oidc_claims_export_named(flat, oidc_claims_names_make(p, flat, prefix),
                             fn, baton);
}

void oidc_claims_export(apr_pool_t *p, const json_t *claims, oidc_claim_fn fn,
                        void *baton)
{
    oidc_claims_export_flat(p, oidc_claims_flatten(p, claims), "", fn, baton);
}

const char *oidc_claims_flat_string(const apr_array_header_t *flat,
                                    const char *name)
{
    int i;

    for (i = 0; flat != NULL && i < flat->nelts; i++) {
        const oidc_lock_t *c = &APR_ARRAY_IDX(flat, i, oidc_lock_t);
        if (strcmp(c->name, name) == 0) {
            return c->scalar && *c->value ? c->value : NULL;
        }
    }
    return NULL;
}

const json_t *oidc_claims_lookup(const json_t *claims, const char *path)
{
    const json_t *cur = json_object_get(claims, path);
    char name[MAX_NAME_LEN + 1];
    const char *s = path;
    int depth = 0;

    if (cur != NULL) {
        return cur;
    }
    cur = claims;
    while (cur != NULL && *s) {
        const char *dot = strchr(s, '.');
        apr_size_t n = dot ? (apr_size_t)(dot - s) : strlen(s);
        if (n == 0 || n > MAX_NAME_LEN || ++depth > MAX_PATH_DEPTH
            || !json_is_object(cur)) {
            return NULL;
        }
        memcpy(name, s, n);
        name[n] = '\0';
        cur = json_object_get(cur, name);
        s = dot ? dot + 1 : s + n;
    }
    return cur;
}

static int scalar_matches(apr_pool_t *p, const json_t *v,
                          const apr_array_header_t *values)
{
    const char *text;
    int i;

    if (json_is_object(v) || json_is_array(v) || json_is_null(v)) {
        return 0;
    }
    text = json_text(p, v);
    for (i = 0; text != NULL && i < values->nelts; i++) {
        if (strcmp(text, APR_ARRAY_IDX(values, i, const char *)) == 0) {
            return 1;
        }
    }
    return 0;
}

int oidc_claims_match(apr_pool_t *p, const json_t *claims, const char *path,
                      const apr_array_header_t *values)
{
    const json_t *v = oidc_claims_lookup(claims, path);
    size_t i;

    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            if (scalar_matches(p, json_array_get(v, i), values)) {
                return 1;
            }
        }
        return 0;
    }
    return v != NULL && scalar_matches(p, v, values);
}

const char *oidc_claims_string(apr_pool_t *p, const json_t *claims,
                               const char *path)
{
    const json_t *v = oidc_claims_lookup(claims, path);

    if (json_is_string(v) || json_is_number(v)) {
        char *t = json_text(p, v);
        return t && *t ? scrub(t) : NULL;
    }
    return NULL;
}
