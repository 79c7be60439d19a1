/* mod_authnz_oidc_check.c: the whole-config checks that make `apachectl
 * configtest` catch what no single directive shows. */
#include <string.h>
#include <apr_fnmatch.h>
#include <apr_strings.h>
#include <http_core.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_config.h"
#include "mod/store/mod_authnz_oidc_store.h"
#include "mod/mod_authnz_oidc_check.h"
#include "mod/mod_authnz_oidc_check_op.h"

static const char *server_name(server_rec *s)
{
    return s->server_hostname ? s->server_hostname : "main";
}

/* The default store is checked here, as AuthOIDCSessionStore is when it is
 * read: post_config, which opens the stores, does not run at configtest. */
static const char *default_store_problem(apr_pool_t *p,
                                         const mod_oidc_server_config_t *c)
{
    const char *spec = mod_oidc_cfg_store_spec(c);   /* the default */
    const char *err;

    if (c->store_spec != NULL) {
        return NULL;
    }
    err = mod_oidc_store_check_spec(p, spec);
    if (err == NULL) {
        return NULL;
    }
    return apr_psprintf(p, "AuthOIDCSessionStore is not set, and its default "
                        "%s cannot be used: %s, or name another store",
                        spec, err);
}

static const char *missing_directive(apr_pool_t *p,
                                     const mod_oidc_server_config_t *c)
{
    if (c->client_id == NULL) {
        return "AuthOIDCClientID is not set: add the client_id registered "
               "at the OP";
    }
    if (c->redirect_uri == NULL) {
        return "AuthOIDCRedirectURI is not set: add a path such as "
               "/oidc/callback and register it at the OP";
    }
    if (mod_oidc_cfg_client_auth(c) == OIDC_CLIENT_AUTH_PRIVATE_KEY_JWT) {
        if (c->signing_key == NULL) {
            return "AuthOIDCClientAuth private_key_jwt needs "
                   "AuthOIDCClientSigningKey file:PATH (a PEM private key)";
        }
    }
    else if (c->client_secret == NULL
             && mod_oidc_cfg_client_auth(c) != OIDC_CLIENT_AUTH_NONE) {
        return "AuthOIDCClientSecret is not set: add it, or use "
               "AuthOIDCClientAuth none for a public client";
    }
    return default_store_problem(p, c);
}

typedef struct {
    const char *directive;
    const char *path;
    const char *example;
} endpoint_path_t;

/* The module answers its endpoints by exact path, in this order
 * (endpoint_of in mod_authnz_oidc.c): one that shares an earlier one's
 * path is dead. */
static const char *endpoint_clash(apr_pool_t *p,
                                  const mod_oidc_server_config_t *c)
{
    const endpoint_path_t e[] = {
        { "AuthOIDCRedirectURI", mod_oidc_redirect_path(p, c->redirect_uri), NULL },
        { "AuthOIDCLogoutURI", c->logout_uri, "/oidc/logout" },
        { "AuthOIDCBackChannelLogoutURI", c->backchannel_uri,
          "/oidc/backchannel-logout" },
        { "AuthOIDCFrontChannelLogoutURI", c->frontchannel_uri,
          "/oidc/frontchannel-logout" },
    };
    int i, j;

    for (i = 1; i < (int)(sizeof(e) / sizeof(e[0])); i++) {
        for (j = 0; j < i && e[i].path != NULL; j++) {
            if (e[j].path != NULL && strcmp(e[i].path, e[j].path) == 0) {
                return apr_psprintf(p, "%s %s is also %s's path, which the "
                                    "module answers first, so it would "
                                    "never run: give %s a path of its own, "
                                    "such as %s", e[i].directive, e[i].path,
                                    e[j].directive, e[i].directive,
                                    e[i].example);
            }
        }
    }
    return NULL;
}

static void warn_transport(server_rec *s, const mod_oidc_server_config_t *c)
{
    if (strncmp(c->issuer, "http://", 7) == 0
        && strncmp(c->issuer, "http://127.", 11) != 0
        && strncmp(c->issuer, "http://localhost", 16) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "[oidc-config] AuthOIDCProvider %s is plain http: "
                     "tokens would cross the network unprotected; use the "
                     "OP's https:// issuer (server %s)", c->issuer,
                     server_name(s));
    }
    if (!mod_oidc_cfg_ssl_verify(c)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "[oidc-config] AuthOIDCSSLVerify Off: the OP's "
                     "identity is not checked; remove it, and name a "
                     "private CA with AuthOIDCCABundle (server %s)",
                     server_name(s));
    }
}

/* Whether a section written in owner reaches server t. The main server's
 * sections reach every virtual host; the main server itself counts only
 * when there are none, as with virtual hosts it commonly answers nothing
 * (Debian's layout), and a provider only in the virtual hosts is fine. */
static int section_reaches(server_rec *main_s, server_rec *owner,
                           server_rec *t)
{
    if (owner != main_s) {
        return t == owner;
    }
    return t != main_s || main_s->next == NULL;
}

/* Paths equal but for a trailing '/': <Location /app> and /app/ both
 * cover the application's home. */
static int same_url_path(const char *a, const char *b)
{
    apr_size_t la = strlen(a), lb = strlen(b);

    la -= la > 1 && a[la - 1] == '/';
    lb -= lb > 1 && b[lb - 1] == '/';
    return la == lb && strncmp(a, b, la) == 0;
}

/* The URL path a section covers in server t, when it is one literal path
 * (a <Directory> only below t's DocumentRoot). */
static const char *section_url_path(server_rec *t,
                                    const mod_oidc_auth_type_use_t *u)
{
    const core_server_config *core;
    apr_size_t n;

    if (u->path == NULL || apr_fnmatch_test(u->path)) {
        return NULL;
    }
    if (u->kind == MOD_OIDC_SECTION_LOCATION) {
        return u->path;
    }
    if (u->kind != MOD_OIDC_SECTION_DIRECTORY) {
        return NULL;
    }
    core = ap_get_core_module_config(t->module_config);
    if (core->ap_document_root == NULL) {
        return NULL;
    }
    n = strlen(core->ap_document_root);
    while (n > 0 && core->ap_document_root[n - 1] == '/') {
        n--;
    }
    if (strncmp(u->path, core->ap_document_root, n) != 0
        || u->path[n] != '/') {
        return NULL;
    }
    return u->path + n;
}

/* What is wrong with `AuthType oidc` (u) as server t sees it. */
static const char *auth_type_problem(apr_pool_t *p, server_rec *t,
                                     const mod_oidc_auth_type_use_t *u)
{
    const mod_oidc_server_config_t *c = ap_get_module_config(
        t->module_config, &authnz_oidc_module);
    const char *section, *callback;

    if (c->issuer == NULL) {
        return apr_psprintf(p, "AuthType oidc at %s:%u (server %s) has no "
                            "AuthOIDCProvider: set AuthOIDCProvider, "
                            "AuthOIDCClientID and AuthOIDCRedirectURI in this "
                            "virtual host or the main server", u->file,
                            u->line, server_name(t));
    }
    section = section_url_path(t, u);
    callback = c->redirect_uri ? mod_oidc_redirect_path(p, c->redirect_uri) : NULL;
    if (section == NULL || callback == NULL
        || !same_url_path(section, callback)) {
        return NULL;
    }
    return apr_psprintf(p, "AuthOIDCRedirectURI %s is the path of the section "
                        "that AuthType oidc at %s:%u protects, so its page "
                        "would never be served: use a path no page has, "
                        "such as %s/oidc-callback (server %s)", callback,
                        u->file, u->line,
                        apr_pstrmemdup(p, callback, strlen(callback)
                                       - (callback[strlen(callback) - 1]
                                          == '/')),
                        server_name(t));
}

/* The first problem of the `AuthType oidc` written in owner's sections. */
static const char *auth_types_problem(apr_pool_t *p, server_rec *main_s,
                                      server_rec *owner)
{
    const mod_oidc_server_config_t *c = ap_get_module_config(
        owner->module_config, &authnz_oidc_module);
    server_rec *t;
    int i;

    for (i = 0; c->auth_type_uses != NULL && i < c->auth_type_uses->nelts;
         i++) {
        const mod_oidc_auth_type_use_t *u = &APR_ARRAY_IDX(
            c->auth_type_uses, i, mod_oidc_auth_type_use_t);

        for (t = main_s; t != NULL; t = t->next) {
            const char *err = section_reaches(main_s, owner, t)
                ? auth_type_problem(p, t, u) : NULL;
            if (err != NULL) {
                return err;
            }
        }
    }
    return NULL;
}

static int answers_for_host(const server_rec *s, const char *host)
{
    int i;

    if (s->server_hostname != NULL
        && strcasecmp(s->server_hostname, host) == 0) {
        return 1;
    }
    for (i = 0; s->names != NULL && i < s->names->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(s->names, i, char *), host) == 0) {
            return 1;
        }
    }
    for (i = 0; s->wild_names != NULL && i < s->wild_names->nelts; i++) {
        if (ap_strcasecmp_match(host, APR_ARRAY_IDX(s->wild_names, i,
                                                    char *)) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The OP returns browsers to an absolute redirect URL's host, where the
 * flow's cookie set on this server's host is missing. Only a warning: a
 * proxy in front may map that host here. */
static void warn_redirect_host(apr_pool_t *p, server_rec *s,
                               const mod_oidc_server_config_t *c)
{
    apr_uri_t uri;

    if (c->redirect_uri[0] == '/'
        || apr_uri_parse(p, c->redirect_uri, &uri) != APR_SUCCESS
        || uri.hostname == NULL || answers_for_host(s, uri.hostname)) {
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 "[oidc-config] AuthOIDCRedirectURI %s is on host %s, for "
                 "which server %s has no ServerName or ServerAlias: browsers "
                 "would return to another server, without their login state; "
                 "use a path, or a URL on this server's host (unless a proxy "
                 "maps it)", c->redirect_uri, uri.hostname, server_name(s));
}

/* The problems of a server with AuthOIDCProvider, NULL when none. */
static const char *provider_problem(apr_pool_t *p,
                                    const mod_oidc_server_config_t *c)
{
    const char *err = missing_directive(p, c);

    return err != NULL ? err : endpoint_clash(p, c);
}

int mod_oidc_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *main_s)
{
    server_rec *s;

    for (s = main_s; s != NULL; s = s->next) {
        mod_oidc_server_config_t *c = ap_get_module_config(s->module_config,
                                                           &authnz_oidc_module);
        const char *err;

        if (c->issuer != NULL) {
            err = provider_problem(ptemp, c);
            if (err == NULL) {
                err = mod_oidc_check_op(ptemp, s, c);
            }
            if (err != NULL) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "[oidc-config] "
                             "%s (server %s)", err, server_name(s));
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            warn_transport(s, c);
            warn_redirect_host(ptemp, s, c);
        }
        err = auth_types_problem(ptemp, main_s, s);
        if (err != NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "[oidc-config] %s",
                         err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}
