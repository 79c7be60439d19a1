/* mod_authnz_oidc_startup.c: post_config builds each server's runtime
 * configuration (keys, provider, store) from its directives. */
#include <string.h>
#include <apr_strings.h>
#include <http_core.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_config.h"
#include "mod/store/mod_authnz_oidc_store.h"
#include "core/util/oidc_crypto.h"
#include "core/cache/oidc_session_cache.h"
#include "mod/mod_authnz_oidc_startup.h"

/* Not defaults: fixed by the module. */
#define METADATA_REFRESH           apr_time_from_sec(3600)
/* Opened sessions each process keeps: at most 256 of 8 kB each per
 * provider, allocated as they are kept. */
#define SESSION_CACHE_SLOTS        256
#define SESSION_CACHE_RECORD       8192
#define CLOCK_SKEW                 apr_time_from_sec(120)

/* What the servers of one configuration share as post_config builds them:
 * one provider (metadata, keys) per issuer, one store per spec, and one
 * random session key for every server that sets none. */
typedef struct {
    apr_pool_t *pconf;
    apr_pool_t *ptemp;
    server_rec *main_s;
    apr_hash_t *providers;
    apr_hash_t *stores;
    const char *random_key;
} build_t;

static void warn_removed_lag(server_rec *s, const mod_oidc_server_config_t *c)
{
    if (c->removed_lag_at != NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "[oidc-config] AuthOIDCSessionCacheLag (%s) was "
                     "removed and does nothing: memcache is read on "
                     "every request; for sessions kept per process "
                     "across nodes use redis; remove the directive",
                     c->removed_lag_at);
    }
}

/* AuthOIDCSessionKey's material, or else the random key of this
 * configuration, made (and warned about) once. */
static const char *key_material(build_t *b, const mod_oidc_server_config_t *c,
                                apr_size_t *len)
{
    unsigned char random_key[32];

    if (c->session_key != NULL) {
        *len = strlen(c->session_key);
        return c->session_key;
    }
    if (b->random_key == NULL) {
        oidc_random(random_key, sizeof(random_key));
        b->random_key = apr_pstrmemdup(b->pconf, (char *)random_key,
                                       sizeof(random_key));
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, b->main_s,
                     "[oidc-config] AuthOIDCSessionKey is not set: "
                     "using a random key, so sessions will not "
                     "survive a restart; set it to file:PATH, the "
                     "output of openssl rand -base64 48");
    }
    *len = sizeof(random_key);
    return b->random_key;
}

static int derive_keys(build_t *b, const mod_oidc_server_config_t *c,
                       oidc_rp_config_t *rp)
{
    apr_size_t len;
    const unsigned char *key =
        (const unsigned char *)key_material(b, c, &len);

    if (oidc_hkdf(key, len, "mod_authnz_oidc session v1", rp->session_key)
            != APR_SUCCESS
        || oidc_hkdf(key, len, "mod_authnz_oidc flow v1", rp->flow_key)
            != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, b->main_s,
                     "[oidc-config] key derivation failed");
        return 0;
    }
    return 1;
}

/* The core's settings that come straight from directives. */
static void rp_from_directives(oidc_rp_config_t *rp,
                               const mod_oidc_server_config_t *c)
{
    rp->issuer = c->issuer;
    rp->client.id = c->client_id;
    rp->client.secret = c->client_secret;
    rp->client.auth = mod_oidc_cfg_client_auth(c);
    rp->client.key = c->signing_key;
    rp->client.issuer = c->issuer;
    rp->client.audience_is_endpoint = mod_oidc_cfg_assertion_aud_endpoint(c);
    rp->par = mod_oidc_cfg_par(c);
    rp->redirect_uri = c->redirect_uri;
    rp->cookie_name = mod_oidc_cfg_cookie_name(c);
    rp->inactivity = mod_oidc_cfg_inactivity(c);
    rp->max_age = mod_oidc_cfg_max_age(c);
    rp->skew = CLOCK_SKEW;
    rp->login_timeout = mod_oidc_cfg_login_timeout(c);
    rp->max_record = mod_oidc_cfg_max_session_size(c);
    rp->claim_prefix = mod_oidc_cfg_claim_prefix(c);
    rp->userinfo = mod_oidc_cfg_userinfo(c);
    rp->userinfo_interval = mod_oidc_cfg_userinfo_interval(c);
    rp->refresh_before = mod_oidc_cfg_refresh_before(c);
    rp->refresh_failure = mod_oidc_cfg_refresh_failure(c);
    /* A refresh may have to fetch metadata, the token and keys. */
    rp->refresh_hold = 3 * mod_oidc_cfg_http_timeout(c) + apr_time_from_sec(5);
    rp->post_logout_uri = c->post_logout_uri;
    rp->idp_logout = mod_oidc_cfg_idp_logout(c);
}

static oidc_provider_t *shared_provider(build_t *b, const char *issuer)
{
    oidc_provider_t *op = apr_hash_get(b->providers, issuer,
                                       APR_HASH_KEY_STRING);

    if (op == NULL) {
        op = oidc_provider_create(b->pconf, issuer, METADATA_REFRESH);
        apr_hash_set(b->providers, issuer, APR_HASH_KEY_STRING, op);
    }
    return op;
}

oidc_http_t *mod_oidc_http_client(apr_pool_t *pconf,
                                  const mod_oidc_server_config_t *c)
{
    oidc_http_curl_opts_t http;

    http.ssl_verify = mod_oidc_cfg_ssl_verify(c);
    http.ca_bundle = c->ca_bundle;
    http.timeout = mod_oidc_cfg_http_timeout(c);
    return oidc_http_curl_make(pconf, &http);
}

/* NULL, logged, when the store cannot be opened. */
static mod_oidc_store_t *shared_store(build_t *b, server_rec *s,
                                      const char *spec,
                                      apr_size_t max_record)
{
    mod_oidc_store_t *st = apr_hash_get(b->stores, spec,
                                        APR_HASH_KEY_STRING);
    const char *err;

    if (st == NULL) {
        st = mod_oidc_store_open(b->pconf, b->ptemp, s, spec, max_record, &err);
        if (st == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "[oidc-config] AuthOIDCSessionStore %s: %s",
                         spec, err);
            return NULL;
        }
        apr_hash_set(b->stores, spec, APR_HASH_KEY_STRING, st);
    }
    return st;
}

/* The runtime configuration of a server with AuthOIDCProvider; 0, logged,
 * when it cannot be made. */
static int build_server(build_t *b, server_rec *s, mod_oidc_server_config_t *c)
{
    oidc_rp_config_t *rp = apr_pcalloc(b->pconf, sizeof(*rp));

    if (!derive_keys(b, c, rp)) {
        return 0;
    }
    rp_from_directives(rp, c);
    rp->provider = shared_provider(b, c->issuer);
    c->http = mod_oidc_http_client(b->pconf, c);
    c->store = shared_store(b, s, mod_oidc_cfg_store_spec(c), rp->max_record);
    if (c->store == NULL) {
        return 0;
    }
    /* Sessions are kept per process only where the store can tell when a
     * kept one went stale. */
    if (c->store->store.generation != NULL && mod_oidc_cfg_session_cache(c)) {
        rp->cache = oidc_session_cache_create(b->pconf, SESSION_CACHE_SLOTS,
                                              SESSION_CACHE_RECORD);
        c->store->keep_records = 1;
    }
    c->redirect_path = mod_oidc_redirect_path(b->pconf, c->redirect_uri);
    c->rp = rp;
    return 1;
}

int mod_oidc_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp, server_rec *s)
{
    build_t b = { pconf, ptemp, s, NULL, NULL, NULL };
    server_rec *sv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;       /* the first, checking pass: nothing to build yet */
    }
    if (oidc_http_curl_global_init() != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "[oidc-config] libcurl failed to initialise");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    b.providers = apr_hash_make(ptemp);
    b.stores = apr_hash_make(ptemp);
    for (sv = s; sv != NULL; sv = sv->next) {
        mod_oidc_server_config_t *c = ap_get_module_config(sv->module_config,
                                                           &authnz_oidc_module);

        warn_removed_lag(sv, c);
        if (c->issuer != NULL && !build_server(&b, sv, c)) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}
