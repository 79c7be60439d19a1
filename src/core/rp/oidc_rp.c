/* oidc_rp.c: authenticating requests and completing logins. */
#include <stdlib.h>
#include <string.h>
#include <apr_escape.h>

#include "core/rp/oidc_rp.h"
#include "core/rp/oidc_rp_internal.h"
#include "core/proto/oidc_claims.h"
#include "core/http/oidc_cookie.h"
#include "core/util/oidc_encode.h"
#include "core/session/oidc_flow.h"
#include "core/proto/oidc_idtoken.h"
#include "core/jose/oidc_jwt.h"
#include "core/util/oidc_params.h"
#include "core/proto/oidc_pkce.h"
#include "core/http/oidc_redirect.h"
#include "core/proto/oidc_userinfo.h"
#include "core/proto/oidc_logout_token.h"
#include "core/session/oidc_session_index.h"
#include "core/cache/oidc_session_cache.h"
#include "core/cache/oidc_session_image.h"

#define STATE_USED_LABEL "mod_authnz_oidc used state"

void oidc_rp_result_init(apr_pool_t *p, oidc_rp_result_t *res)
{
    memset(res, 0, sizeof(*res));
    res->set_cookies = apr_array_make(p, 4, sizeof(const char *));
}

static void add_cookie(oidc_rp_result_t *res, const char *set_cookie)
{
    APR_ARRAY_PUSH(res->set_cookies, const char *) = set_cookie;
}

void oidc_rp_fail(oidc_rp_result_t *res, int status, const char *error,
                  const char *message)
{
    res->kind = OIDC_RP_ERROR;
    res->status = status;
    res->error = error;
    res->message = message;
}

int oidc_rp_is_api_request(const oidc_request_t *req)
{
    const char *xrw = req->header(req, "X-Requested-With");
    const char *mode = req->header(req, "Sec-Fetch-Mode");
    const char *accept = req->header(req, "Accept");

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        return 1;
    }
    if (xrw != NULL && strcasecmp(xrw, "XMLHttpRequest") == 0) {
        return 1;
    }
    if (mode != NULL && strcasecmp(mode, "navigate") != 0) {
        return 1;
    }
    if (accept != NULL && strstr(accept, "text/html") == NULL
        && (strstr(accept, "application/json") != NULL
            || strstr(accept, "*/*") == NULL)) {
        return 1;
    }
    return 0;
}

const char *oidc_rp_redirect_uri(apr_pool_t *p, const oidc_rp_config_t *cfg,
                                 const oidc_request_t *req)
{
    if (cfg->redirect_uri[0] == '/') {
        return apr_pstrcat(p, req->origin(req), cfg->redirect_uri, NULL);
    }
    return cfg->redirect_uri;
}

static const char *const reserved_params[] = {
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
    "code_challenge", "code_challenge_method", "request", "request_uri",
    "response_mode", NULL
};

int oidc_rp_reserved_auth_param(const char *name)
{
    int i;
    for (i = 0; reserved_params[i] != NULL; i++) {
        if (strcmp(name, reserved_params[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static apr_array_header_t *request_cookies(const oidc_rp_ctx_t *ctx,
                                           const oidc_request_t *req)
{
    return oidc_cookies_parse(ctx->pool, req->header(req, "Cookie"));
}

int oidc_rp_provider_failed(const oidc_rp_ctx_t *ctx, oidc_rp_result_t *res,
                            oidc_provider_status_t st)
{
    if (st == OIDC_PROVIDER_OK) {
        return 0;
    }
    if (st == OIDC_PROVIDER_MISCONFIGURED) {
        /* Trying again will not help: the admin must fix the setting. */
        oidc_rp_fail(res, 502, "server_error",
             "Sign-in is misconfigured on this site: the identity provider "
             "does not match its configuration. Please tell the site's "
             "administrator.");
        res->title = "Sign-in is misconfigured";
        return 1;
    }
    oidc_rp_fail(res, st == OIDC_PROVIDER_UNREACHABLE ? 503 : 502,
         "temporarily_unavailable",
         "The identity provider cannot be reached. Please try again later.");
    return 1;
}

/* ---- the session of a request ---------------------------------------- */

oidc_binding_t oidc_rp_session_binding(const oidc_rp_config_t *cfg)
{
    oidc_binding_t b;

    b.iss = cfg->issuer;
    b.client_id = cfg->client.id;
    return b;
}

static oidc_rp_lookup_t fresh_session(const oidc_rp_ctx_t *ctx,
                                      const unsigned char *key,
                                      oidc_session_t *s, oidc_session_t **out);

static oidc_rp_lookup_t load_session(const oidc_rp_ctx_t *ctx,
                                     const char *id, int kept_ok,
                                     oidc_session_t **out)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    unsigned char *val, *plain;
    apr_size_t len, plain_len;
    apr_uint64_t gen = 0, kept_gen;
    int keeps = cfg->cache != NULL && ctx->store->generation != NULL;
    oidc_session_t *s;
    oidc_binding_t binding;
    oidc_rp_lookup_t found;
    apr_status_t rv;

    *out = NULL;
    /* The generation is taken before any store lookup: a write after it
     * makes what that lookup reads stale, and a kept copy is good only
     * while the generation it was read under still holds. An id the
     * cache knows is one this module made, well-formed. */
    if (keeps && kept_ok
        && oidc_session_cache_get(cfg->cache, id, ctx->pool, key,
                                  &kept_gen, &s)) {
        gen = ctx->store->generation(ctx->store, key, sizeof(key));
        if (gen != 0 && gen == kept_gen) {
            return fresh_session(ctx, key, s, out);
        }
    }
    else {
        if (!oidc_session_id_wellformed(id)) {
            oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-session",
                     "malformed session cookie ignored");
            return LOOKUP_NONE;
        }
        oidc_session_store_key(id, key);
        if (keeps) {
            gen = ctx->store->generation(ctx->store, key, sizeof(key));
        }
    }
    rv = ctx->store->get(ctx->store, ctx->pool, key, sizeof(key), &val, &len);
    if (rv == APR_NOTFOUND) {
        oidc_log(ctx->log, OIDC_LOG_DEBUG, "oidc-session",
                 "session cookie names no stored session (ended or expired)");
        return LOOKUP_NONE;
    }
    if (rv == APR_ENOSPC) {
        /* Stored before AuthOIDCSessionMaxSize was lowered: start over. */
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record is larger than AuthOIDCSessionMaxSize");
        ctx->store->del(ctx->store, ctx->pool, key, sizeof(key));
        return LOOKUP_NONE;
    }
    if (rv != APR_SUCCESS) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                 "session store lookup failed (status %d)", rv);
        return LOOKUP_STORE_DOWN;
    }
    binding = oidc_rp_session_binding(cfg);
    if (len > cfg->max_record
        || oidc_session_decrypt(ctx->pool, cfg->session_key, id, &binding,
                                val, len, &plain, &plain_len)
           != APR_SUCCESS) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record does not open here: made for "
                 "another provider or client (another virtual host or "
                 "location), under another session key, by an older "
                 "version of the module, or altered; treated as no session");
        return LOOKUP_NONE;
    }
    if (oidc_session_parse(ctx->pool, plain, plain_len, &s) != APR_SUCCESS
        || !oidc_session_bound_to(s, &binding)) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "stored session record is malformed or bound to another "
                 "provider or client");
        return LOOKUP_NONE;
    }
    found = fresh_session(ctx, key, s, out);
    /* Kept as this store read it, before the request changes anything. */
    if (found == LOOKUP_FOUND && cfg->cache != NULL && gen != 0) {
        oidc_session_cache_put(cfg->cache, id, key, gen, s, cfg->claim_prefix);
    }
    return found;
}

oidc_rp_lookup_t oidc_rp_load_session(const oidc_rp_ctx_t *ctx,
                                      const char *id, oidc_session_t **out)
{
    return load_session(ctx, id, 1, out);
}

oidc_rp_lookup_t oidc_rp_reload_session(const oidc_rp_ctx_t *ctx,
                                        const char *id, oidc_session_t **out)
{
    return load_session(ctx, id, 0, out);
}

/* The rest of load_session, for a record read now or kept. */
static oidc_rp_lookup_t fresh_session(const oidc_rp_ctx_t *ctx,
                                      const unsigned char *key,
                                      oidc_session_t *s, oidc_session_t **out)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    oidc_binding_t binding = oidc_rp_session_binding(cfg);

    if (!oidc_session_bound_to(s, &binding)) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "session is bound to another provider or client; treated "
                 "as no session");
        return LOOKUP_NONE;
    }
    switch (oidc_session_freshness(s, ctx->now, cfg->inactivity,
                                   cfg->max_age)) {
    case OIDC_SESSION_VALID:
        *out = s;
        return LOOKUP_FOUND;
    case OIDC_SESSION_IDLE:
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-session",
                 "session ended after inactivity");
        break;
    default:
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-session",
                 "session reached its maximum age");
    }
    ctx->store->del(ctx->store, ctx->pool, key, OIDC_SESSION_STORE_KEY_LEN);
    return LOOKUP_NONE;
}

apr_status_t oidc_rp_save_session(const oidc_rp_ctx_t *ctx, const char *id,
                                  const oidc_session_t *s,
                                  oidc_rp_result_t *res)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    unsigned char *rec;
    apr_size_t len;
    apr_status_t rv;

    rv = oidc_session_seal(ctx->pool, cfg->session_key, id, s,
                           cfg->max_record, &rec, &len);
    if (rv == APR_ENOSPC) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-session",
                 "session record exceeds the %" APR_SIZE_T_FMT " byte limit "
                 "(AuthOIDCSessionMaxSize); refused", cfg->max_record);
        oidc_rp_fail(res, 500, "server_error",
             "Your sign-in could not be saved: the session is too large.");
        return rv;
    }
    if (rv == APR_SUCCESS) {
        oidc_session_store_key(id, key);
        rv = ctx->store->put(ctx->store, ctx->pool, key, sizeof(key),
                             oidc_session_store_expiry(s, cfg->inactivity,
                                                       cfg->max_age),
                             rec, len);
    }
    if (rv != APR_SUCCESS) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                 "session store refused the session record (status %d, "
                 "%" APR_SIZE_T_FMT " bytes)", rv, len);
        oidc_rp_fail(res, 503, "temporarily_unavailable",
             "Your sign-in could not be saved. Please try again later.");
    }
    return rv;
}

/* A kept record may trail the store (redis's report of another node's
 * write on its way), and a write from it could put back what that node
 * just replaced, a rotated refresh token say: a write starts from the
 * stored record. NULL when the session ended meanwhile; s itself when
 * the store cannot answer (the write will not either, and says so). */
static oidc_session_t *stored_for_write(const oidc_rp_ctx_t *ctx,
                                        const char *id, oidc_session_t *s)
{
    oidc_session_t *stored;

    if (ctx->cfg->cache == NULL) {
        return s;
    }
    switch (oidc_rp_reload_session(ctx, id, &stored)) {
    case LOOKUP_FOUND:
        return stored;
    case LOOKUP_NONE:
        return NULL;
    default:
        return s;
    }
}

/* ---- UserInfo ----------------------------------------------------------- */

/* The session's claims with fresh UserInfo merged under the ID token's.
 * NULL when UserInfo could not be used: the caller keeps what it had. */
static const json_t *claims_with_userinfo(const oidc_rp_ctx_t *ctx,
                                          const oidc_provider_snapshot_t *op,
                                          const char *access_token,
                                          const char *sub,
                                          const json_t *id_claims)
{
    const char *endpoint = op->meta->userinfo_endpoint, *detail;
    json_t *ui;
    oidc_userinfo_status_t st;

    if (endpoint == NULL || access_token == NULL) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-userinfo",
                 "AuthOIDCUserInfo is on, but %s",
                 endpoint ? "there is no access token"
                          : "the provider has no userinfo_endpoint");
        return NULL;
    }
    st = oidc_userinfo_fetch(ctx->pool, ctx->http, endpoint, access_token,
                             sub, &ui, &detail);
    if (st != OIDC_USERINFO_OK) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-userinfo",
                 "UserInfo from %s not used: %s", endpoint,
                 detail ? detail : "unknown error");
        return NULL;
    }
    return oidc_userinfo_merge(ctx->pool, ui, id_claims);
}

/* Refreshes the claims of a live session from UserInfo every
 * AuthOIDCUserInfoRefreshInterval; a failure keeps the old claims. */
static void refresh_userinfo(const oidc_rp_ctx_t *ctx, oidc_session_t *s)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    const oidc_provider_snapshot_t *op;
    const json_t *merged;
    const char *token = oidc_session_id_token(ctx->pool, s);
    oidc_jwt_t *idt;

    s->userinfo_at = ctx->now;
    if (oidc_provider_get(cfg->provider, ctx->pool, ctx->http, ctx->log,
                          ctx->now, &op) != OIDC_PROVIDER_OK
        || token == NULL
        || oidc_jwt_parse(ctx->pool, token, &idt) != NULL) {
        return;
    }
    /* The ID token was verified at login and is stored sealed. */
    merged = claims_with_userinfo(ctx, op, s->access_token, s->sub,
                                  idt->claims);
    if (merged != NULL) {
        oidc_session_set_claims_doc(ctx->pool, s, merged);
    }
}

apr_time_t oidc_rp_ended_mark_expiry(const oidc_rp_ctx_t *ctx)
{
    /* Long enough for any refresh that was in flight to look. */
    return ctx->now + 2 * ctx->cfg->refresh_hold + apr_time_from_sec(60);
}

static int userinfo_due(const oidc_rp_ctx_t *ctx, const oidc_session_t *s)
{
    const oidc_rp_config_t *cfg = ctx->cfg;

    return cfg->userinfo && cfg->userinfo_interval > 0
        && ctx->now - s->userinfo_at > cfg->userinfo_interval;
}

/* ---- the sid and sub indexes (for logout from the OP) --------------------- */

static void index_session(const oidc_rp_ctx_t *ctx, const char *id,
                          const oidc_session_t *s)
{
    unsigned char skey[OIDC_SESSION_STORE_KEY_LEN], ikey[32];
    apr_time_t expiry = s->created + ctx->cfg->max_age;
    const char *kinds[2] = { s->sid, s->sub };
    int i;

    oidc_session_store_key(id, skey);
    for (i = 0; i < 2; i++) {
        if (kinds[i] == NULL) {
            continue;
        }
        oidc_session_index_key(ctx->pool, i == 0 ? OIDC_INDEX_SID
                                                 : OIDC_INDEX_SUB,
                               s->iss, kinds[i], ikey);
        if (oidc_session_index_add(ctx->store, ctx->pool, ikey, skey, expiry)
            != APR_SUCCESS) {
            oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-store",
                     "could not index the session by %s: logout from the "
                     "provider may miss it", i == 0 ? "sid" : "sub");
        }
    }
}

/* Ends every session indexed under (kind, value); -1 if the store failed. */
static int end_indexed(const oidc_rp_ctx_t *ctx, oidc_index_kind_t kind,
                       const char *iss, const char *value)
{
    unsigned char ikey[32];
    int ended = 0;
    apr_status_t rv;

    oidc_session_index_key(ctx->pool, kind, iss, value, ikey);
    rv = oidc_session_index_end_all(ctx->store, ctx->pool, ikey,
                                    oidc_rp_ended_mark_expiry(ctx), &ended);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        return -1;
    }
    return ended;
}

/* ---- the redirect to the OP ------------------------------------------- */

static void start_login(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                        const oidc_rp_dir_t *dir,
                        const apr_array_header_t *cookies,
                        oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const oidc_provider_snapshot_t *op;
    const char *return_to, *redirect_uri, *sealed, *endpoint;
    apr_array_header_t *evict;
    oidc_flow_t *flow;
    oidc_binding_t binding;
    int i;

    if (oidc_rp_provider_failed(ctx, res,
                                oidc_provider_get(cfg->provider, p, ctx->http,
                                                  ctx->log, ctx->now, &op))) {
        return;
    }
    return_to = oidc_redirect_target(p, req->unparsed_uri, req->origin(req));
    if (return_to == NULL) {
        return_to = apr_pstrcat(p, req->origin(req), "/", NULL);
    }
    redirect_uri = oidc_rp_redirect_uri(p, cfg, req);
    flow = oidc_flow_new(p, return_to, redirect_uri, ctx->now);
    binding = oidc_rp_session_binding(cfg);
    sealed = flow ? oidc_flow_seal(p, cfg->flow_key, &binding, flow) : NULL;
    if (sealed == NULL) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-login",
                 "could not create the login state (random source or "
                 "crypto failure)");
        oidc_rp_fail(res, 500, "server_error",
                     "Sign-in could not be started.");
        return;
    }

    evict = oidc_flow_evictions(p, cookies, cfg->cookie_name, ctx->now);
    for (i = 0; i < evict->nelts; i++) {
        add_cookie(res, oidc_cookie_make(p, APR_ARRAY_IDX(evict, i,
                                                          const char *),
                                         "", req->secure, 0));
    }
    add_cookie(res, oidc_cookie_make(p, oidc_flow_cookie_name(
                                            p, cfg->cookie_name, flow->state),
                                     sealed, req->secure,
                                     OIDC_FLOW_MAX_AGE));

    endpoint = op->meta->authorization_endpoint;
    res->kind = OIDC_RP_REDIRECT;
    res->status = 302;
    res->location = apr_pstrcat(p, endpoint,
        strchr(endpoint, '?') ? "&" : "?",
        "response_type=code&client_id=", oidc_url_encode(p, cfg->client.id),
        "&redirect_uri=", oidc_url_encode(p, redirect_uri),
        "&scope=", oidc_url_encode(p, dir->scope),
        "&state=", flow->state,
        "&nonce=", flow->nonce,
        "&code_challenge=", oidc_pkce_challenge_s256(p, flow->verifier),
        "&code_challenge_method=S256",
        dir->auth_params, NULL);
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-login",
             "redirecting to the provider to sign in");
}

void oidc_rp_authenticate(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                          const oidc_rp_dir_t *dir, oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const char *id = oidc_cookie_find(p, req->header(req, "Cookie"),
                                      cfg->cookie_name);
    oidc_session_t *s = NULL;

    oidc_rp_result_init(p, res);
    if (id != NULL && *id != '\0') {
        switch (oidc_rp_load_session(ctx, id, &s)) {
        case LOOKUP_STORE_DOWN:
            oidc_rp_fail(res, 503, "temporarily_unavailable",
                 "Sessions are unavailable right now. Please try again "
                 "later.");
            return;
        case LOOKUP_FOUND:
            break;
        default:
            s = NULL;
        }
    }

    if (s != NULL) {
        switch (oidc_rp_refresh_if_due(ctx, req, id, &s, res)) {
        case OIDC_REFRESH_ANSWERED:
            return;
        case OIDC_REFRESH_ENDED:
            s = NULL;
            break;
        default:
            break;
        }
    }
    if (s != NULL && (userinfo_due(ctx, s)
                      || oidc_session_needs_touch(s, ctx->now,
                                                  cfg->inactivity))) {
        s = stored_for_write(ctx, id, s);
    }
    if (s != NULL && userinfo_due(ctx, s)) {
        oidc_rp_result_t ignored;
        oidc_rp_result_init(p, &ignored);
        refresh_userinfo(ctx, s);
        s->last_seen = ctx->now;
        oidc_rp_save_session(ctx, id, s, &ignored);
    }
    if (s != NULL) {
        if (oidc_session_needs_touch(s, ctx->now, cfg->inactivity)) {
            oidc_rp_result_t ignored;
            oidc_rp_result_init(p, &ignored);
            s->last_seen = ctx->now;
            /* Failing to extend a valid session is not a reason to refuse
             * this request; save_session logs it. */
            oidc_rp_save_session(ctx, id, s, &ignored);
        }
        res->kind = OIDC_RP_AUTHENTICATED;
        res->session = s;
        res->session_id = id;
        return;
    }

    if (id != NULL) {
        add_cookie(res, oidc_cookie_make(p, cfg->cookie_name, "", req->secure,
                                         0));
    }
    if (oidc_rp_is_api_request(req)) {
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-login",
                 "no session on an API/XHR request: 401, no redirect");
        oidc_rp_fail(res, 401, "login_required",
             "Authentication is required: sign in with a browser first.");
        res->challenge = 1;
        return;
    }
    start_login(ctx, req, dir, request_cookies(ctx, req), res);
}

/* ---- the callback ----------------------------------------------------- */

/* Whether (label, value) was seen before, on any node sharing the store;
 * marks it seen for `hold`, atomically, so that of two nodes racing with the
 * same value exactly one goes on. Only for values an authenticated party
 * vouched for (a code the OP accepted, a signed logout token): a marker
 * per anonymous request would let anyone fill the store and evict
 * sessions. */
static int seen_before(const oidc_rp_ctx_t *ctx, const char *label,
                       const char *value, apr_interval_time_t hold,
                       int *store_down)
{
    unsigned char key[32];
    apr_status_t rv;

    oidc_sha256_labelled(label, value, strlen(value), key);
    rv = ctx->store->lock(ctx->store, ctx->pool, key, sizeof(key), hold);
    *store_down = rv != APR_SUCCESS && rv != APR_EEXIST;
    return rv == APR_EEXIST;
}

static int op_error_status(const char *error)
{
    if (strcmp(error, "access_denied") == 0
        || strcmp(error, "login_required") == 0
        || strcmp(error, "consent_required") == 0
        || strcmp(error, "interaction_required") == 0
        || strcmp(error, "account_selection_required") == 0) {
        return 403;
    }
    if (strcmp(error, "temporarily_unavailable") == 0) {
        return 503;
    }
    if (strcmp(error, "server_error") == 0) {
        return 502;
    }
    return 400;
}

#define OP_ERROR_MAX 64

/* An OP error code as RFC 6749 §4.1.2.1 allows it (printable ASCII but '"'
 * and '\'), and short: what may be shown on the page. */
static int is_error_code(const char *s)
{
    apr_size_t n = 0;
    for (; *s; s++, n++) {
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\'
            || n >= OP_ERROR_MAX) {
            return 0;
        }
    }
    return n > 0;
}

/* The OP's error value for the log: its first OP_ERROR_MAX bytes,
 * URL-encoded, so that neither control characters nor markup reach a log
 * viewer. */
static const char *error_for_log(apr_pool_t *p, const char *error)
{
    apr_size_t n = strlen(error);
    const char *head = apr_pstrmemdup(p, error, n > OP_ERROR_MAX
                                                ? OP_ERROR_MAX : n);

    return apr_pstrcat(p, apr_pescape_urlencoded(p, head),
                       n > OP_ERROR_MAX ? "..." : "", NULL);
}

/* The callback of a flow this browser no longer has (used, expired) while
 * it holds a valid session, as after the back button following a login:
 * sent on to where it was going, instead of to an error page. 1 when
 * answered so. */
static int already_signed_in(const oidc_rp_ctx_t *ctx,
                             const oidc_request_t *req,
                             const apr_array_header_t *cookies,
                             const oidc_flow_t *flow, oidc_rp_result_t *res)
{
    const char *id = oidc_cookie_get(cookies, ctx->cfg->cookie_name);
    oidc_session_t *s;

    if (!oidc_session_id_wellformed(id)
        || oidc_rp_load_session(ctx, id, &s) != LOOKUP_FOUND) {
        return 0;
    }
    res->kind = OIDC_RP_REDIRECT;
    res->status = 302;
    res->location = flow != NULL
        ? flow->return_to
        : apr_pstrcat(ctx->pool, req->origin(req), "/", NULL);
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-state",
             "callback of a finished sign-in from a signed-in browser: "
             "sent on");
    return 1;
}

/* A flow that did not open: the page that says why. */
static void flow_failed(const oidc_rp_ctx_t *ctx, oidc_flow_status_t fst,
                        oidc_rp_result_t *res)
{
    switch (fst) {
    case OIDC_FLOW_EXPIRED:
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-state",
                 "callback for an expired login state");
        oidc_rp_fail(res, 400, "invalid_request",
             "The sign-in took too long. Please start again.");
        return;
    case OIDC_FLOW_MISSING:
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-state",
                 "callback for an unknown or already used state (no "
                 "matching login-state cookie)");
        oidc_rp_fail(res, 400, "invalid_request",
             "This sign-in response is unknown or was already used. Please "
             "start again.");
        return;
    default:
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-state",
                 "callback with an invalid state or login-state cookie "
                 "(tampered, or made for another provider or client)");
        oidc_rp_fail(res, 400, "invalid_request",
             "The sign-in response is invalid. Please start again.");
    }
}

/* The OP answered with error=...: a page that says so, with a link to try
 * again. */
static void op_refused(const oidc_rp_ctx_t *ctx, const char *error,
                       const oidc_flow_t *flow, oidc_rp_result_t *res)
{
    const char *word = is_error_code(error) ? error : "invalid";

    oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-callback",
             "the provider returned error=%s",
             error_for_log(ctx->pool, error));
    oidc_rp_fail(res, op_error_status(word), "access_denied",
         apr_psprintf(ctx->pool, "The identity provider did not sign you "
                      "in (%s).", word));
    res->location = flow->return_to;   /* offered as a link to retry */
}

static void callback_with_flow(const oidc_rp_ctx_t *ctx,
                               const oidc_request_t *req, apr_table_t *params,
                               const apr_array_header_t *cookies,
                               oidc_flow_t *flow, oidc_rp_result_t *res);

/* The callback's query, and the flow cookie its state names; NULL with
 * res filled in when either is unusable. */
static oidc_flow_t *callback_flow(const oidc_rp_ctx_t *ctx,
                                  const oidc_request_t *req,
                                  apr_table_t *params,
                                  const apr_array_header_t *cookies,
                                  oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const char *state = apr_table_get(params, "state");
    oidc_binding_t binding = oidc_rp_session_binding(cfg);
    oidc_flow_t *flow = NULL;
    oidc_flow_status_t fst;

    if (state == NULL) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-state",
                 "callback without a state parameter");
        oidc_rp_fail(res, 400, "invalid_request",
             "The sign-in response is missing its state. Please start again.");
        return NULL;
    }
    fst = oidc_flow_open(p, cfg->flow_key, &binding, cookies,
                         cfg->cookie_name, state, ctx->now, &flow);
    if (fst != OIDC_FLOW_BAD_STATE) {
        /* Whatever happens next, this flow is over. */
        add_cookie(res, oidc_cookie_make(p, oidc_flow_cookie_name(
                                                p, cfg->cookie_name, state),
                                         "", req->secure, 0));
    }
    if (fst == OIDC_FLOW_OK) {
        return flow;
    }
    if ((fst == OIDC_FLOW_MISSING || fst == OIDC_FLOW_EXPIRED)
        && already_signed_in(ctx, req, cookies, flow, res)) {
        return NULL;
    }
    flow_failed(ctx, fst, res);
    return NULL;
}

void oidc_rp_callback(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                      oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    apr_array_header_t *cookies;
    apr_table_t *params;
    const char *error;
    oidc_flow_t *flow;

    oidc_rp_result_init(p, res);
    if (strcmp(req->method, "GET") != 0) {
        oidc_rp_fail(res, 405, "invalid_request",
             "The sign-in response must arrive as a GET request.");
        return;
    }
    if (oidc_params_parse(p, req->query, 8192, &params) != OIDC_PARAMS_OK) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-callback",
                 "malformed callback query (too long, too many, duplicate "
                 "or badly encoded parameters)");
        oidc_rp_fail(res, 400, "invalid_request",
                     "The sign-in response is malformed.");
        return;
    }
    cookies = request_cookies(ctx, req);
    flow = callback_flow(ctx, req, params, cookies, res);
    if (flow == NULL) {
        return;
    }
    error = apr_table_get(params, "error");
    if (error != NULL) {
        op_refused(ctx, error, flow, res);
        return;
    }
    callback_with_flow(ctx, req, params, cookies, flow, res);
}

oidc_idtoken_status_t oidc_rp_validate_id_token(
    const oidc_rp_ctx_t *ctx, const oidc_provider_snapshot_t **op,
    const char *id_token, const oidc_idtoken_params_t *prm,
    oidc_idtoken_t **out, const char **detail)
{
    oidc_idtoken_status_t st = oidc_idtoken_validate(ctx->pool, id_token,
                                                     (*op)->jwks, prm, out,
                                                     detail);
    if (st == OIDC_IDTOKEN_UNKNOWN_KID) {
        const oidc_provider_snapshot_t *fresh;
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-idtoken",
                 "ID token names an unknown kid: refetching the JWKS");
        if (oidc_provider_refresh_keys(ctx->cfg->provider, ctx->pool,
                                       ctx->http, ctx->log, ctx->now,
                                       &fresh) == OIDC_PROVIDER_OK) {
            *op = fresh;
        }
        st = oidc_idtoken_validate(ctx->pool, id_token, (*op)->jwks, prm,
                                   out, detail);
    }
    return st;
}

/* The response's own checks, before the code is spent: its issuer (RFC
 * 9207, the mix-up defence) and a usable code. 0 with res filled in when
 * they fail. */
static int response_usable(const oidc_rp_ctx_t *ctx,
                           const oidc_provider_snapshot_t *op,
                           const char *code, const char *iss,
                           oidc_rp_result_t *res)
{
    if ((iss != NULL && strcmp(iss, op->meta->issuer) != 0)
        || (iss == NULL && op->meta->iss_parameter_supported)) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-callback",
                 "authorization response %s (mix-up defence, RFC 9207)",
                 iss ? "names another issuer" : "lacks the iss parameter");
        oidc_rp_fail(res, 400, "invalid_request",
                     "The sign-in response is invalid.");
        return 0;
    }
    if (code == NULL || *code == '\0' || strlen(code) > 2048) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-callback",
                 "callback without a usable code");
        oidc_rp_fail(res, 400, "invalid_request",
                     "The sign-in response is invalid.");
        return 0;
    }
    return 1;
}

/* The code for tokens at the token endpoint. 0 with res filled in when the
 * OP did not give them. */
static int redeem_code(const oidc_rp_ctx_t *ctx,
                       const oidc_provider_snapshot_t *op, const char *code,
                       const oidc_flow_t *flow, oidc_token_resp_t *tok,
                       oidc_rp_result_t *res)
{
    const char *detail;
    oidc_token_status_t tst;

    tst = oidc_token_exchange_code(ctx->pool, ctx->http,
                                   op->meta->token_endpoint,
                                   &ctx->cfg->client, code,
                                   flow->redirect_uri, flow->verifier, tok,
                                   &detail);
    if (tst != OIDC_TOKEN_OK) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-token",
                 "token request to %s failed: %s", op->meta->token_endpoint,
                 detail ? detail : "unknown error");
        oidc_rp_fail(res, tst == OIDC_TOKEN_UNREACHABLE ? 503 : 502,
             "temporarily_unavailable",
             "The identity provider did not complete the sign-in. Please "
             "try again.");
        return 0;
    }
    if (tok->id_token == NULL) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-token",
                 "token response has no id_token (is \"openid\" in "
                 "AuthOIDCScope?)");
        oidc_rp_fail(res, 502, "server_error",
             "The identity provider did not complete the sign-in.");
        return 0;
    }
    return 1;
}

/* Once the OP has accepted the code: the state is marked used, so that a
 * flow replayed with its callback (an OP that redeems a code twice) never
 * signs in twice. Written only now, so that anonymous callbacks with junk
 * codes write nothing to the store. 0 with res filled in on a replay. */
static int state_first_use(const oidc_rp_ctx_t *ctx,
                           const oidc_request_t *req,
                           const apr_array_header_t *cookies,
                           const oidc_flow_t *flow, oidc_rp_result_t *res)
{
    int store_down;

    if (seen_before(ctx, STATE_USED_LABEL, flow->state,
                    OIDC_FLOW_MAX_AGE + apr_time_from_sec(60), &store_down)) {
        if (already_signed_in(ctx, req, cookies, flow, res)) {
            return 0;
        }
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-state",
                 "replayed callback: this state was already used");
        oidc_rp_fail(res, 400, "invalid_request",
             "This sign-in response was already used. Please start again.");
        return 0;
    }
    if (store_down) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                 "session store unavailable while completing a login");
        oidc_rp_fail(res, 503, "temporarily_unavailable",
             "Sessions are unavailable right now. Please try again later.");
        return 0;
    }
    return 1;
}

static void callback_with_flow(const oidc_rp_ctx_t *ctx,
                               const oidc_request_t *req, apr_table_t *params,
                               const apr_array_header_t *cookies,
                               oidc_flow_t *flow, oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const oidc_provider_snapshot_t *op;
    const char *detail, *old_id, *id;
    oidc_token_resp_t tok;
    oidc_idtoken_params_t prm;
    oidc_idtoken_t *idt;
    oidc_idtoken_status_t ist;
    oidc_session_t *s;
    const json_t *claims;
    const char *code = apr_table_get(params, "code");

    if (oidc_rp_provider_failed(ctx, res,
                                oidc_provider_get(cfg->provider, p, ctx->http,
                                                  ctx->log, ctx->now, &op))
        || !response_usable(ctx, op, code, apr_table_get(params, "iss"), res)
        || !redeem_code(ctx, op, code, flow, &tok, res)
        || !state_first_use(ctx, req, cookies, flow, res)) {
        return;
    }

    memset(&prm, 0, sizeof(prm));
    prm.issuer = op->meta->issuer;
    prm.client_id = cfg->client.id;
    prm.nonce = flow->nonce;
    prm.access_token = tok.access_token;
    prm.now = ctx->now;
    prm.skew = cfg->skew;
    prm.iat_max_age = OIDC_RP_IAT_MAX_AGE;
    ist = oidc_rp_validate_id_token(ctx, &op, tok.id_token, &prm, &idt,
                                    &detail);
    if (ist != OIDC_IDTOKEN_OK) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-idtoken",
                 "ID token rejected (%s): %s", oidc_idtoken_status_name(ist),
                 detail ? detail : "");
        oidc_rp_fail(res, 401, "invalid_token",
             "The identity provider's answer could not be verified.");
        res->challenge = 1;
        return;
    }

    s = apr_pcalloc(p, sizeof(*s));
    s->created = s->last_seen = ctx->now;
    s->access_issued = ctx->now;
    s->access_expires = tok.expires_in >= 0 ? ctx->now + tok.expires_in : 0;
    s->iss = cfg->issuer;
    s->client_id = cfg->client.id;
    s->sub = idt->sub;
    s->sid = idt->sid;
    s->id_token = tok.id_token;
    s->id_claims = idt->claims;
    s->access_token = tok.access_token;
    s->refresh_token = tok.refresh_token;
    claims = idt->claims;
    if (cfg->userinfo) {
        const json_t *merged = claims_with_userinfo(ctx, op, tok.access_token,
                                                    idt->sub, idt->claims);
        s->userinfo_at = ctx->now;
        if (merged != NULL) {
            claims = merged;
        }
    }
    if (oidc_session_set_claims_doc(p, s, claims) != APR_SUCCESS) {
        oidc_rp_fail(res, 500, "server_error",
                     "Sign-in could not be completed.");
        return;
    }

    /* A fresh id at every login: a session id planted before login (session
     * fixation) never becomes an authenticated one. */
    old_id = oidc_cookie_get(cookies, cfg->cookie_name);
    if (oidc_session_id_wellformed(old_id)) {
        unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
        oidc_session_store_key(old_id, key);
        ctx->store->del(ctx->store, p, key, sizeof(key));
    }
    id = oidc_session_new_id(p);
    if (id == NULL || oidc_rp_save_session(ctx, id, s, res) != APR_SUCCESS) {
        if (res->kind != OIDC_RP_ERROR) {
            oidc_rp_fail(res, 500, "server_error",
                         "Sign-in could not be completed.");
        }
        return;
    }
    add_cookie(res, oidc_cookie_make(p, cfg->cookie_name, id, req->secure,
                                     -1));
    index_session(ctx, id, s);
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-login",
             "signed in subject %s", s->sub);
    res->kind = OIDC_RP_REDIRECT;
    res->status = 302;
    res->location = flow->return_to;
    res->session = s;
    res->session_id = id;
}

/* ---- logout ---------------------------------------------------------- */

static void revoke_tokens(const oidc_rp_ctx_t *ctx,
                          const oidc_provider_snapshot_t *op,
                          const oidc_session_t *s)
{
    const char *endpoint = op ? op->meta->revocation_endpoint : NULL;
    const char *detail;
    /* The refresh token first: revoking it ends the grant at most OPs. */
    const char *tokens[2] = { s->refresh_token, s->access_token };
    const char *hints[2] = { "refresh_token", "access_token" };
    int i;

    for (i = 0; endpoint != NULL && i < 2; i++) {
        if (tokens[i] == NULL) {
            continue;
        }
        if (oidc_token_revoke(ctx->pool, ctx->http, endpoint,
                              &ctx->cfg->client, tokens[i], hints[i],
                              &detail) != OIDC_TOKEN_OK) {
            oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-logout",
                     "revoking the %s at %s failed: %s", hints[i], endpoint,
                     detail ? detail : "unknown error");
        }
    }
}

static const char *post_logout_target(const oidc_rp_ctx_t *ctx,
                                      const oidc_request_t *req)
{
    apr_pool_t *p = ctx->pool;
    const char *conf = ctx->cfg->post_logout_uri;
    const char *wanted = NULL, *target;
    apr_table_t *params;

    if (oidc_params_parse(p, req->query, 4096, &params) == OIDC_PARAMS_OK) {
        wanted = apr_table_get(params, "return_to");
    }
    if (wanted != NULL) {
        target = oidc_redirect_target(p, wanted, req->origin(req));
        if (target != NULL) {
            return target;
        }
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-logout",
                 "return_to refused: not a same-origin target");
    }
    if (conf == NULL) {
        return apr_pstrcat(p, req->origin(req), "/", NULL);
    }
    /* The admin's own setting may name another site. */
    return conf[0] == '/' ? apr_pstrcat(p, req->origin(req), conf, NULL) : conf;
}

void oidc_rp_logout(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                    oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    apr_array_header_t *cookies = request_cookies(ctx, req);
    const char *id = oidc_cookie_get(cookies, cfg->cookie_name);
    const char *target = post_logout_target(ctx, req), *hint;
    const oidc_provider_snapshot_t *op = NULL;
    oidc_session_t *s = NULL;

    oidc_rp_result_init(p, res);
    if (oidc_session_id_wellformed(id)
        && oidc_rp_load_session(ctx, id, &s) == LOOKUP_STORE_DOWN) {
        /* Keep the cookie: the session is still alive in the store, and
         * the user must be able to try again. */
        oidc_rp_fail(res, 503, "temporarily_unavailable",
             "Signing out failed: sessions are unavailable right now. "
             "Please try again later.");
        return;
    }
    /* Only a session that exists gets an "ended" mark: marks for made-up
     * ids would let anyone fill the store. */
    if (s != NULL) {
        unsigned char key[OIDC_SESSION_STORE_KEY_LEN];

        oidc_session_store_key(id, key);
        if (oidc_session_end(ctx->store, p, key,
                             oidc_rp_ended_mark_expiry(ctx)) != APR_SUCCESS) {
            oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                     "could not delete the session record at logout");
            oidc_rp_fail(res, 503, "temporarily_unavailable",
                 "Signing out failed: sessions are unavailable right now. "
                 "Please try again later.");
            return;
        }
    }
    if (id != NULL) {
        add_cookie(res, oidc_cookie_make(p, cfg->cookie_name, "", req->secure,
                                         0));
    }
    res->kind = OIDC_RP_REDIRECT;
    res->status = 302;
    res->location = target;
    /* Pages the browser kept while signed in must not be shown again. */
    res->clear_site_data = 1;
    if (s == NULL) {
        oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-logout",
                 "logout without a session");
        return;
    }
    /* The OP is needed only for revocation and its logout: if it cannot be
     * reached, the local logout still stands. */
    if (oidc_provider_get(cfg->provider, p, ctx->http, ctx->log, ctx->now,
                          &op) != OIDC_PROVIDER_OK) {
        op = NULL;
    }
    revoke_tokens(ctx, op, s);
    hint = oidc_session_id_token(p, s);
    if (op != NULL && op->meta->end_session_endpoint != NULL
        && hint != NULL && cfg->idp_logout != 0) {
        const char *endpoint = op->meta->end_session_endpoint;
        res->location = apr_pstrcat(p, endpoint,
            strchr(endpoint, '?') ? "&" : "?",
            "id_token_hint=", oidc_url_encode(p, hint),
            "&post_logout_redirect_uri=", oidc_url_encode(p, target),
            "&client_id=", oidc_url_encode(p, cfg->client.id), NULL);
    }
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-logout",
             "signed out subject %s%s", s->sub,
             res->location != target ? " (and at the provider)" : "");
}

/* ---- logout requested by the OP ------------------------------------------ */

#define JTI_SEEN_LABEL "mod_authnz_oidc logout jti"
#define LOGOUT_TOKEN_MAX_AGE apr_time_from_sec(600)

static void page(oidc_rp_result_t *res, const char *content_type,
                 const char *body)
{
    res->kind = OIDC_RP_PAGE;
    res->status = 200;
    res->content_type = content_type;
    res->body = body;
}

void oidc_rp_backchannel_logout(const oidc_rp_ctx_t *ctx,
                                const char *form_body, oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const oidc_provider_snapshot_t *op;
    oidc_logout_token_t *lt;
    oidc_logout_token_status_t st;
    apr_table_t *params;
    const char *token, *detail;
    int store_down, ended;

    oidc_rp_result_init(p, res);
    if (oidc_params_parse(p, form_body, OIDC_MAX_JWT_LEN + 64, &params)
            != OIDC_PARAMS_OK
        || (token = apr_table_get(params, "logout_token")) == NULL) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-backchannel",
                 "request without a usable logout_token parameter");
        oidc_rp_fail(res, 400, "invalid_request", "logout_token is missing");
        return;
    }
    if (oidc_rp_provider_failed(ctx, res,
                                oidc_provider_get(cfg->provider, p, ctx->http,
                                                  ctx->log, ctx->now, &op))) {
        return;
    }
    st = oidc_logout_token_validate(p, token, op->jwks, op->meta->issuer,
                                    cfg->client.id, ctx->now, cfg->skew,
                                    LOGOUT_TOKEN_MAX_AGE, &lt, &detail);
    if (st == OIDC_LOGOUT_TOKEN_UNKNOWN_KID
        && oidc_provider_refresh_keys(cfg->provider, p, ctx->http, ctx->log,
                                      ctx->now, &op) == OIDC_PROVIDER_OK) {
        st = oidc_logout_token_validate(p, token, op->jwks, op->meta->issuer,
                                        cfg->client.id, ctx->now, cfg->skew,
                                        LOGOUT_TOKEN_MAX_AGE, &lt, &detail);
    }
    if (st != OIDC_LOGOUT_TOKEN_OK) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-backchannel",
                 "logout token rejected (%s): %s",
                 oidc_logout_token_status_name(st), detail ? detail : "");
        oidc_rp_fail(res, 400, "invalid_request",
                     "The logout token is invalid.");
        return;
    }
    if (seen_before(ctx, JTI_SEEN_LABEL, lt->jti,
                    LOGOUT_TOKEN_MAX_AGE + 2 * cfg->skew, &store_down)) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-backchannel",
                 "logout token replayed (jti seen before)");
        oidc_rp_fail(res, 400, "invalid_request",
                     "The logout token was already used.");
        return;
    }
    ended = store_down ? -1
          : lt->sid ? end_indexed(ctx, OIDC_INDEX_SID, op->meta->issuer,
                                  lt->sid)
                    : end_indexed(ctx, OIDC_INDEX_SUB, op->meta->issuer,
                                  lt->sub);
    if (ended < 0) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-store",
                 "session store unavailable during back-channel logout");
        oidc_rp_fail(res, 503, "temporarily_unavailable",
             "Sessions are unavailable right now.");
        return;
    }
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-backchannel",
             "ended %d session(s) for %s %s", ended, lt->sid ? "sid" : "sub",
             lt->sid ? lt->sid : lt->sub);
    page(res, "text/plain", "");
}

/* The browser's own session ends too, when its cookie came along and names
 * a session of this configuration (only then is an "ended" mark written). */
static void end_browser_session(const oidc_rp_ctx_t *ctx,
                                const oidc_request_t *req,
                                oidc_rp_result_t *res)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    const char *id = oidc_cookie_get(request_cookies(ctx, req),
                                     cfg->cookie_name);
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    oidc_session_t *s;

    if (!oidc_session_id_wellformed(id)) {
        return;
    }
    if (oidc_rp_load_session(ctx, id, &s) == LOOKUP_FOUND) {
        oidc_session_store_key(id, key);
        oidc_session_end(ctx->store, ctx->pool, key,
                         oidc_rp_ended_mark_expiry(ctx));
    }
    add_cookie(res, oidc_cookie_make(ctx->pool, cfg->cookie_name, "",
                                     req->secure, 0));
}

void oidc_rp_frontchannel_logout(const oidc_rp_ctx_t *ctx,
                                 const oidc_request_t *req,
                                 oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const oidc_rp_config_t *cfg = ctx->cfg;
    const char *iss = NULL, *sid = NULL;
    apr_table_t *params;
    int ended = 0;

    oidc_rp_result_init(p, res);
    if (oidc_params_parse(p, req->query, 4096, &params) == OIDC_PARAMS_OK) {
        iss = apr_table_get(params, "iss");
        sid = apr_table_get(params, "sid");
    }
    if ((iss != NULL && strcmp(iss, cfg->issuer) != 0)
        || (sid != NULL && iss == NULL)) {
        /* Front-Channel Logout §2: iss and sid come together. */
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-frontchannel",
                 "logout request with a sid but another or no issuer");
        oidc_rp_fail(res, 400, "invalid_request", "Unknown issuer.");
        return;
    }
    if (sid != NULL && *sid != '\0' && strlen(sid) <= 255) {
        ended = end_indexed(ctx, OIDC_INDEX_SID, cfg->issuer, sid);
        if (ended < 0) {
            oidc_rp_fail(res, 503, "temporarily_unavailable",
                 "Sessions are unavailable right now.");
            return;
        }
    }
    end_browser_session(ctx, req, res);
    res->clear_site_data = 1;
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-frontchannel",
             "ended %d session(s) for the sid", ended);
    page(res, "text/html; charset=utf-8",
         "<!DOCTYPE html><html><head><title>Signed out</title></head>"
         "<body>Signed out.</body></html>\n");
}
