/* mod_authnz_oidc_export.c: what the application sees: claims and tokens as
 * variables or headers, and no client-sent header that could pass for one. */
#include <string.h>
#include <apr_strings.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_export.h"
#include "core/proto/oidc_claims.h"

typedef struct {
    request_rec *r;
    const char *prefix;
    mod_oidc_pass_as_t how;
    int add_env;          /* no variable to replace: add without a search */
} export_ctx_t;

/* Header names use '-' where variables use '_': httpd (for CGI) and many
 * proxies drop request headers whose names contain underscores. */
static const char *header_name(apr_pool_t *p, const char *var)
{
    char *h = apr_pstrdup(p, var), *c;
    for (c = h; *c; c++) {
        if (*c == '_') {
            *c = '-';
        }
    }
    return h;
}

static void export_one(void *baton, const char *key, const char *value)
{
    export_ctx_t *x = baton;

    if (x->add_env) {
        apr_table_addn(x->r->subprocess_env, key, value);
    }
    else if (x->how & MOD_OIDC_PASS_ENV) {
        apr_table_setn(x->r->subprocess_env, key, value);
    }
    if (x->how & MOD_OIDC_PASS_HEADERS) {
        apr_table_setn(x->r->headers_in, header_name(x->r->pool, key), value);
    }
}

/* apr_table_setn compares a new name with every entry that shares its
 * first four characters, as all of ours do: setting the claims one by one
 * is quadratic, and was the largest part of the module's work on a
 * request. Adding them is safe when no variable under the prefix is there
 * yet (any request but a subrequest or an internal redirect, unless a
 * SetEnvIf made one) and no two claims become one variable: names of
 * lowercase letters, digits, '_' and '-' are left as they are by the
 * export and are distinct, being keys of one JSON object. */
static int env_has_prefix(const apr_table_t *env, const char *prefix)
{
    const apr_array_header_t *arr = apr_table_elts(env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_size_t plen = strlen(prefix);
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key != NULL && strncasecmp(e[i].key, prefix, plen) == 0) {
            return 1;
        }
    }
    return 0;
}

void mod_oidc_export_claims(request_rec *r, const mod_oidc_server_config_t *c,
                            mod_oidc_pass_as_t how, const oidc_session_t *s)
{
    const oidc_claims_names_t *names = s->export_names;
    export_ctx_t x = { r, mod_oidc_cfg_claim_prefix(c), how, 0 };

    if (how == MOD_OIDC_PASS_NONE) {
        return;
    }
    /* A kept session brings the names, made when it was kept. */
    if (names == NULL || strcmp(names->prefix, x.prefix) != 0) {
        names = oidc_claims_names_make(r->pool, s->flat, x.prefix);
    }
    x.add_env = (how & MOD_OIDC_PASS_ENV) && names->plain
                && !env_has_prefix(r->subprocess_env, x.prefix);
#if !APR_POOL_DEBUG
    /* A kept session brings its variables as a table: one copy appends
     * them all (the request's hold on the session keeps the strings as
     * long as its pool; APR's pool debugging would refuse strings from a
     * pool that is not an ancestor, so it gets the loop). */
    if (x.add_env && names == s->export_names && s->export_env != NULL
        && !apr_is_empty_table(s->export_env)) {
        r->subprocess_env = apr_table_overlay(r->pool, r->subprocess_env,
                                              s->export_env);
        x.how = (mod_oidc_pass_as_t)(x.how & ~MOD_OIDC_PASS_ENV);
        x.add_env = 0;
        if (x.how == MOD_OIDC_PASS_NONE) {
            return;
        }
    }
#endif
    oidc_claims_export_named(s->flat, names, export_one, &x);
}

/* Tokens reach the application only where the admin asked for them. */
void mod_oidc_export_tokens(request_rec *r, const mod_oidc_dir_config_t *d,
                            const oidc_session_t *s)
{
    mod_oidc_pass_token_t at = mod_oidc_cfg_pass_access_token(d);

    if (at != MOD_OIDC_PASS_TOKEN_OFF && s->access_token != NULL) {
        apr_table_setn(r->subprocess_env, "OIDC_ACCESS_TOKEN", s->access_token);
        if (s->access_expires != 0) {
            apr_table_setn(r->subprocess_env, "OIDC_ACCESS_TOKEN_EXPIRES",
                           apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                        apr_time_sec(s->access_expires)));
        }
        if (at == MOD_OIDC_PASS_TOKEN_BEARER) {
            apr_table_setn(r->headers_in, "Authorization",
                           apr_pstrcat(r->pool, "Bearer ", s->access_token,
                                       NULL));
        }
    }
    if (mod_oidc_cfg_pass_id_token(d)) {
        const char *id_token = oidc_session_id_token(r->pool, s);
        if (id_token != NULL) {
            apr_table_setn(r->subprocess_env, "OIDC_ID_TOKEN", id_token);
        }
    }
    if (mod_oidc_cfg_pass_refresh_token(d) && s->refresh_token != NULL) {
        apr_table_setn(r->subprocess_env, "OIDC_REFRESH_TOKEN",
                       s->refresh_token);
    }
}

/* Header names are ASCII tokens: folded without the locale, which every
 * request on the server would otherwise consult for every header. */
static char header_fold(char c)
{
    if (c == '-') {
        return '_';
    }
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Does name start with prefix, ignoring case and treating '-' as '_'? */
static int has_prefix(const char *name, const char *prefix)
{
    for (; *prefix; prefix++, name++) {
        if (header_fold(*name) != header_fold(*prefix)) {
            return 0;
        }
    }
    return 1;
}

void mod_oidc_strip_spoofed_headers(request_rec *r, const char *claim_prefix)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    /* Runs for every request: most names differ from both prefixes at
     * their first character, so that is tested first. */
    const char claim_first = header_fold(claim_prefix[0]);
    int i;

    for (i = 0; i < arr->nelts; i++) {
        const char *key = e[i].key;
        char first;

        if (key == NULL) {
            continue;
        }
        first = header_fold(key[0]);
        if ((first == claim_first && has_prefix(key, claim_prefix))
            || (first == 'o' && has_prefix(key, "OIDC_"))) {
            if (doomed == NULL) {
                doomed = apr_array_make(r->pool, 2, sizeof(const char *));
            }
            APR_ARRAY_PUSH(doomed, const char *) = key;
        }
    }
    for (i = 0; doomed != NULL && i < doomed->nelts; i++) {
        const char *key = APR_ARRAY_IDX(doomed, i, const char *);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "[oidc-spoof] removed incoming request header %s: only "
                      "this module may set it", key);
        apr_table_unset(r->headers_in, key);
    }
}
