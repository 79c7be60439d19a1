/* test_rp.c: the Relying Party's decisions, end to end, with a fake OP
 * (HTTP client), a fake store and a fixed clock. */
#include <stdarg.h>
#include <stdlib.h>
#include <apr_base64.h>
#include <apr_hash.h>

#include "unit.h"
#include "core/http/oidc_cookie.h"
#include "core/util/oidc_encode.h"
#include "core/session/oidc_flow.h"
#include "core/util/oidc_json.h"
#include "core/util/oidc_params.h"
#include "core/session/oidc_session_index.h"
#include "core/proto/oidc_pkce.h"
#include "core/rp/oidc_rp.h"
#include "core/proto/oidc_claims.h"
#include "core/session/oidc_session.h"
#include "core/cache/oidc_session_cache.h"

#define ISSUER "https://op.example"
#define ORIGIN "https://site.example"
#define CLIENT_ID "client-1"
static const oidc_binding_t rp_binding = { ISSUER, CLIENT_ID };
#define CLIENT_SECRET "client-secret-value"
#define COOKIE "oidc_session"
#define CODE "SplxlOBeZQQYbYS6WxSbIA"
#define ACCESS_TOKEN "access-token-value-123"
#define SUB "248289761001"
#define NOW_SEC APR_INT64_C(1700000000)
#define NOW apr_time_from_sec(NOW_SEC)

/* ---- the fake OP ------------------------------------------------------ */

typedef struct {
    apr_status_t discovery_rv;
    apr_status_t token_rv;      /* a transport failure of the token call */
    void (*on_token)(void);     /* runs while the token request is out */
    const char *discovery;
    const char *jwks;
    int token_status;
    const char *token_body;
    int discovery_calls, jwks_calls, token_calls, userinfo_calls;
    const char *userinfo_body;
    const char *userinfo_authorization;
    const char *token_form;
    const char *token_authorization;
} fake_op_t;

static apr_status_t fake_send(const oidc_http_t *http, apr_pool_t *p,
                              const oidc_http_req_t *req,
                              oidc_http_resp_t *resp, const char **err)
{
    fake_op_t *op = http->baton;
    const char *body = "{}";

    *err = NULL;
    resp->status = 200;
    if (strcmp(req->url, ISSUER "/.well-known/openid-configuration") == 0) {
        op->discovery_calls++;
        ck_assert_str_eq(req->method, "GET");
        if (op->discovery_rv != APR_SUCCESS) {
            *err = "connection refused";
            return op->discovery_rv;
        }
        body = op->discovery;
    }
    else if (strcmp(req->url, ISSUER "/jwks") == 0) {
        op->jwks_calls++;
        body = op->jwks;
    }
    else if (strcmp(req->url, ISSUER "/token") == 0) {
        op->token_calls++;
        ck_assert_str_eq(req->method, "POST");
        if (op->on_token != NULL) {
            op->on_token();
        }
        if (op->token_rv != APR_SUCCESS) {
            *err = "connection refused";
            return op->token_rv;
        }
        op->token_form = apr_pstrdup(unit_pool, req->form);
        op->token_authorization = req->authorization
            ? apr_pstrdup(unit_pool, req->authorization) : NULL;
        resp->status = op->token_status;
        body = op->token_body ? op->token_body : "{}";
    }
    else if (strcmp(req->url, ISSUER "/userinfo") == 0) {
        op->userinfo_calls++;
        ck_assert_str_eq(req->method, "GET");
        op->userinfo_authorization = apr_pstrdup(unit_pool,
                                                 req->authorization);
        body = op->userinfo_body ? op->userinfo_body : "{}";
    }
    else {
        resp->status = 404;
    }
    resp->body = apr_pstrdup(p, body);
    resp->len = strlen(body);
    return APR_SUCCESS;
}

/* ---- the fake store --------------------------------------------------- */

typedef struct {
    unsigned char *val;
    apr_size_t len;
    apr_time_t expiry;
} entry_t;

typedef struct fake_store_t {
    apr_hash_t *h;
    apr_status_t get_rv;     /* forced answer of get, when not SUCCESS */
    int puts_allowed;        /* puts that succeed before refusing; -1: all */
    int gets, puts, dels;
    apr_time_t last_expiry;
    apr_hash_t *locked;      /* claim keys taken and not given back */
    apr_status_t lock_rv;   /* forced answer of claim, when not SUCCESS */
    int claims, unclaims;
    apr_uint64_t generation;  /* changed by every put and del */
    int cannot_vouch;         /* generation answers 0 */
    /* Called before each get: lets a test play another process. */
    void (*before_get)(struct fake_store_t *fs);
} fake_store_t;

static apr_status_t store_get(const oidc_store_t *s, apr_pool_t *p,
                              const unsigned char *key, apr_size_t key_len,
                              unsigned char **val, apr_size_t *val_len)
{
    fake_store_t *fs = s->baton;
    entry_t *e;

    fs->gets++;
    if (fs->before_get != NULL) {
        fs->before_get(fs);
    }
    if (fs->get_rv != APR_SUCCESS) {
        return fs->get_rv;
    }
    e = apr_hash_get(fs->h, key, (apr_ssize_t)key_len);
    if (e == NULL) {
        return APR_NOTFOUND;
    }
    *val = apr_pmemdup(p, e->val, e->len);
    *val_len = e->len;
    return APR_SUCCESS;
}

static apr_status_t store_put(const oidc_store_t *s, apr_pool_t *p,
                              const unsigned char *key, apr_size_t key_len,
                              apr_time_t expiry, const unsigned char *val,
                              apr_size_t val_len)
{
    fake_store_t *fs = s->baton;
    entry_t *e;

    if (fs->puts_allowed == 0) {
        return APR_ENOSPC;
    }
    if (fs->puts_allowed > 0) {
        fs->puts_allowed--;
    }
    fs->puts++;
    fs->generation++;
    e = apr_palloc(unit_pool, sizeof(*e));
    e->val = apr_pmemdup(unit_pool, val, val_len);
    e->len = val_len;
    e->expiry = expiry;
    fs->last_expiry = expiry;
    apr_hash_set(fs->h, apr_pmemdup(unit_pool, key, key_len),
                 (apr_ssize_t)key_len, e);
    return APR_SUCCESS;
}

static apr_status_t store_del(const oidc_store_t *s, apr_pool_t *p,
                              const unsigned char *key, apr_size_t key_len)
{
    fake_store_t *fs = s->baton;

    fs->dels++;
    fs->generation++;
    apr_hash_set(fs->h, key, (apr_ssize_t)key_len, NULL);
    return APR_SUCCESS;
}

/* One number for every key: coarser than the module's, just as valid. */
static apr_uint64_t store_generation(const oidc_store_t *s,
                                     const unsigned char *key,
                                     apr_size_t key_len)
{
    const fake_store_t *f = s->baton;

    return f->cannot_vouch ? 0 : f->generation + 1;
}

static apr_status_t store_lock(const oidc_store_t *s, apr_pool_t *p,
                                const unsigned char *key, apr_size_t key_len,
                                apr_interval_time_t hold)
{
    fake_store_t *fs = s->baton;

    fs->claims++;
    ck_assert_int_gt(hold, 0);
    if (fs->lock_rv != APR_SUCCESS) {
        return fs->lock_rv;
    }
    if (apr_hash_get(fs->locked, key, (apr_ssize_t)key_len) != NULL) {
        return APR_EEXIST;
    }
    apr_hash_set(fs->locked, apr_pmemdup(unit_pool, key, key_len),
                 (apr_ssize_t)key_len, "1");
    return APR_SUCCESS;
}

static apr_status_t store_unlock(const oidc_store_t *s, apr_pool_t *p,
                                  const unsigned char *key,
                                  apr_size_t key_len,
                                  apr_interval_time_t hold)
{
    fake_store_t *fs = s->baton;

    fs->unclaims++;
    apr_hash_set(fs->locked, key, (apr_ssize_t)key_len, NULL);
    return APR_SUCCESS;
}

/* ---- the logger: keeps every line, to check none leaks a secret ------ */

static void log_write(const oidc_log_t *log, oidc_log_level_t level,
                      const char *tag, const char *msg)
{
    apr_array_header_t *lines = log->baton;
    APR_ARRAY_PUSH(lines, const char *) =
        apr_psprintf(unit_pool, "%s: %s", tag, msg);
}

/* ---- the environment -------------------------------------------------- */

static fake_op_t op;
static fake_store_t fs;
static oidc_store_t store;
static oidc_http_t http;
static oidc_log_t logger;
static apr_array_header_t *log_lines;
static oidc_rp_config_t cfg;
static oidc_rp_dir_t dir;
static oidc_rp_ctx_t ctx;

static void setup(void)
{
    unit_setup();

    memset(&op, 0, sizeof(op));
    op.discovery = "{\"issuer\":\"" ISSUER "\","
                   "\"authorization_endpoint\":\"" ISSUER "/authorize\","
                   "\"token_endpoint\":\"" ISSUER "/token\","
                   "\"userinfo_endpoint\":\"" ISSUER "/userinfo\","
                   "\"jwks_uri\":\"" ISSUER "/jwks\"}";
    op.jwks = unit_jwks_text(unit_pool,
                             unit_jwk_public(unit_pool, &unit_rsa1, "rsa-1",
                                             NULL, "sig"),
                             unit_jwk_public(unit_pool, &unit_ec1, "ec-1",
                                             NULL, "sig"), NULL);
    op.token_status = 200;
    http.send = fake_send;
    http.baton = &op;

    memset(&fs, 0, sizeof(fs));
    fs.h = apr_hash_make(unit_pool);
    fs.get_rv = APR_SUCCESS;
    fs.puts_allowed = -1;
    fs.locked = apr_hash_make(unit_pool);
    fs.lock_rv = APR_SUCCESS;
    store.get = store_get;
    store.put = store_put;
    store.del = store_del;
    store.lock = store_lock;
    store.unlock = store_unlock;
    store.baton = &fs;

    log_lines = apr_array_make(unit_pool, 16, sizeof(const char *));
    logger.write = log_write;
    logger.baton = log_lines;

    memset(&cfg, 0, sizeof(cfg));
    cfg.issuer = ISSUER;
    cfg.client.id = CLIENT_ID;
    cfg.client.secret = CLIENT_SECRET;
    cfg.client.auth = OIDC_CLIENT_AUTH_BASIC;
    cfg.redirect_uri = "/oidc/callback";
    cfg.cookie_name = COOKIE;
    memcpy(cfg.session_key, "0123456789abcdef0123456789abcdef", OIDC_KEY_LEN);
    memcpy(cfg.flow_key, "fedcba9876543210fedcba9876543210", OIDC_KEY_LEN);
    cfg.inactivity = apr_time_from_sec(900);
    cfg.max_age = apr_time_from_sec(8 * 3600);
    cfg.skew = apr_time_from_sec(60);
    cfg.max_record = 65536;
    cfg.provider = oidc_provider_create(unit_pool, ISSUER,
                                        apr_time_from_sec(3600));

    dir.scope = "openid email";
    dir.auth_params = "&prompt=login";

    memset(&ctx, 0, sizeof(ctx));
    ctx.cfg = &cfg;
    ctx.log = &logger;
    ctx.http = &http;
    ctx.store = &store;
    ctx.now = NOW;
}

static void teardown(void)
{
    unit_teardown();
}

/* ---- requests --------------------------------------------------------- */

static const char *origin_of(const oidc_request_t *req)
{
    (void)req;
    return ORIGIN;
}

static const char *header_of(const oidc_request_t *req, const char *name)
{
    return apr_table_get((apr_table_t *)req->baton, name);
}

/* A request; headers as name, value pairs, NULL-terminated. The context's
 * pool is a fresh per-request pool, as in httpd. */
static oidc_request_t *request(const char *method, const char *uri, ...)
{
    oidc_request_t *r;
    apr_table_t *h;
    apr_pool_t *rp;
    const char *q, *name;
    va_list ap;

    ck_assert_int_eq(apr_pool_create(&rp, unit_pool), APR_SUCCESS);
    ctx.pool = rp;
    r = apr_pcalloc(rp, sizeof(*r));
    h = apr_table_make(rp, 4);
    va_start(ap, uri);
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        if (value != NULL) {
            apr_table_set(h, name, value);
        }
    }
    va_end(ap);
    r->method = method;
    r->origin = origin_of;
    r->unparsed_uri = uri;
    q = strchr(uri, '?');
    r->query = q ? q + 1 : NULL;
    r->secure = 1;
    r->header = header_of;
    r->baton = h;
    return r;
}

static oidc_request_t *browser(const char *uri, const char *cookie)
{
    return request("GET", uri, "Accept", "text/html,*/*;q=0.8",
                   "Sec-Fetch-Mode", "navigate", "Cookie", cookie, NULL);
}

/* "name=value" of a Set-Cookie value. */
static const char *pair_of(const char *set_cookie)
{
    const char *semi = strchr(set_cookie, ';');
    return semi ? apr_pstrmemdup(unit_pool, set_cookie,
                                 (apr_size_t)(semi - set_cookie))
                : set_cookie;
}

/* The Set-Cookie for name (exact), or NULL. */
static const char *set_cookie_for(const oidc_rp_result_t *res,
                                  const char *name)
{
    int i;
    apr_size_t n = strlen(name);

    for (i = 0; i < res->set_cookies->nelts; i++) {
        const char *c = APR_ARRAY_IDX(res->set_cookies, i, const char *);
        if (strncmp(c, name, n) == 0 && c[n] == '=') {
            return c;
        }
    }
    return NULL;
}

static apr_table_t *location_query(const oidc_rp_result_t *res)
{
    apr_table_t *t;
    const char *q = strchr(res->location, '?');

    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(oidc_params_parse(unit_pool, q + 1, 8192, &t),
                     OIDC_PARAMS_OK);
    return t;
}

/* A login started: what the browser carries to the OP and back. */
typedef struct {
    const char *state;
    const char *nonce;
    const char *challenge;
    const char *flow_cookie;    /* "name=value" */
} started_t;

static started_t start(const char *uri, const char *cookie)
{
    oidc_rp_result_t res;
    apr_table_t *q;
    started_t st;
    const char *name;

    oidc_rp_authenticate(&ctx, browser(uri, cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_int_eq(res.status, 302);
    q = location_query(&res);
    st.state = apr_table_get(q, "state");
    st.nonce = apr_table_get(q, "nonce");
    st.challenge = apr_table_get(q, "code_challenge");
    ck_assert_ptr_nonnull(st.state);
    ck_assert_ptr_nonnull(st.nonce);
    name = oidc_flow_cookie_name(unit_pool, COOKIE, st.state);
    ck_assert_ptr_nonnull(set_cookie_for(&res, name));
    st.flow_cookie = pair_of(set_cookie_for(&res, name));
    return st;
}

static const char *id_token_with(const char *nonce, const char *aud)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:[s,s]}",
                          "iss", ISSUER, "sub", SUB, "aud", aud,
                          "exp", (json_int_t)(NOW_SEC + 300),
                          "iat", (json_int_t)NOW_SEC, "nonce", nonce,
                          "email", "alice@example.com",
                          "groups", "admins", "users");
    char *text = json_dumps(c, JSON_COMPACT);
    const char *tok = unit_jws_sign(unit_pool, &unit_rsa1, "RS256", "rsa-1",
                                    text);
    free(text);
    json_decref(c);
    return tok;
}

static void op_issues(const char *id_token)
{
    op.token_status = 200;
    op.token_body = apr_psprintf(
        unit_pool,
        "{\"access_token\":\"" ACCESS_TOKEN "\",\"token_type\":\"Bearer\","
        "\"expires_in\":300,\"id_token\":\"%s\"}", id_token);
}

static oidc_request_t *callback_req(const char *query, const char *cookie)
{
    return browser(apr_pstrcat(unit_pool, "/oidc/callback?", query, NULL),
                   cookie);
}

/* When the store may forget the session record of this id. */
static apr_time_t stored_expiry(const char *id)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    entry_t *e;

    oidc_session_store_key(id, key);
    e = apr_hash_get(fs.h, key, sizeof(key));
    ck_assert_ptr_nonnull(e);
    return e->expiry;
}

/* The OP's redirect back to us, for the flow st started. */
static void run_callback(const started_t *st, oidc_rp_result_t *res)
{
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(unit_pool, "code=" CODE
                                                    "&state=", st->state,
                                                    NULL), st->flow_cookie),
                     res);
}

static void assert_no_secret_logged(const char *secret)
{
    int i;
    for (i = 0; i < log_lines->nelts; i++) {
        const char *line = APR_ARRAY_IDX(log_lines, i, const char *);
        ck_assert_msg(!unit_contains(line, secret), "logged a secret: %s",
                      line);
    }
}

/* Whether a line containing text was logged. */
static int logged(const char *text)
{
    int i;
    for (i = 0; i < log_lines->nelts; i++) {
        if (unit_contains(APR_ARRAY_IDX(log_lines, i, const char *), text)) {
            return 1;
        }
    }
    return 0;
}

/* ---- (1) a browser without a session goes to the OP ------------------- */

START_TEST(browser_redirected_to_op)
{
    oidc_rp_result_t res;
    apr_table_t *q;
    const char *sc, *name;
    apr_array_header_t *jar;
    oidc_flow_t *flow;

    oidc_rp_authenticate(&ctx, browser("/app/page?x=1", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_int_eq(res.status, 302);
    ck_assert(strncmp(res.location, ISSUER "/authorize?",
                      strlen(ISSUER "/authorize?")) == 0);
    ck_assert_int_eq(op.discovery_calls, 1);
    ck_assert_int_eq(op.jwks_calls, 1);

    q = location_query(&res);
    ck_assert_int_eq(apr_table_elts(q)->nelts, 9);
    ck_assert_str_eq(apr_table_get(q, "response_type"), "code");
    ck_assert_str_eq(apr_table_get(q, "client_id"), CLIENT_ID);
    ck_assert_str_eq(apr_table_get(q, "redirect_uri"),
                     ORIGIN "/oidc/callback");
    ck_assert_str_eq(apr_table_get(q, "scope"), "openid email");
    ck_assert_str_eq(apr_table_get(q, "code_challenge_method"), "S256");
    ck_assert_str_eq(apr_table_get(q, "prompt"), "login");
    ck_assert_uint_eq(strlen(apr_table_get(q, "state")), 43);
    ck_assert_uint_eq(strlen(apr_table_get(q, "nonce")), 43);
    ck_assert_uint_eq(strlen(apr_table_get(q, "code_challenge")), 43);
    ck_assert_str_ne(apr_table_get(q, "state"), apr_table_get(q, "nonce"));

    /* Exactly one cookie: the flow, bound to the state. */
    ck_assert_int_eq(res.set_cookies->nelts, 1);
    name = oidc_flow_cookie_name(unit_pool, COOKIE, apr_table_get(q, "state"));
    sc = set_cookie_for(&res, name);
    ck_assert_ptr_nonnull(sc);
    ck_assert(unit_contains(sc, "; Max-Age=600"));
    ck_assert(unit_contains(sc, "; HttpOnly"));
    ck_assert(unit_contains(sc, "; SameSite=Lax"));
    ck_assert(unit_contains(sc, "; Secure"));
    /* It opens to the page asked for, with the verifier of the challenge. */
    jar = oidc_cookies_parse(unit_pool, pair_of(sc));
    ck_assert_int_eq(oidc_flow_open(unit_pool, cfg.flow_key, &rp_binding, jar, COOKIE,
                                    apr_table_get(q, "state"), NOW, &flow),
                     OIDC_FLOW_OK);
    ck_assert_str_eq(flow->return_to, ORIGIN "/app/page?x=1");
    ck_assert_str_eq(flow->nonce, apr_table_get(q, "nonce"));
    ck_assert_str_eq(oidc_pkce_challenge_s256(unit_pool, flow->verifier),
                     apr_table_get(q, "code_challenge"));
    ck_assert_str_eq(flow->redirect_uri, ORIGIN "/oidc/callback");
}
END_TEST

START_TEST(unsafe_return_falls_back_to_root)
{
    oidc_rp_result_t res;
    apr_table_t *q;
    oidc_flow_t *flow;

    oidc_rp_authenticate(&ctx, browser("//evil.example/x", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    q = location_query(&res);
    ck_assert_int_eq(oidc_flow_open(
                         unit_pool, cfg.flow_key, &rp_binding,
                         oidc_cookies_parse(unit_pool, pair_of(APR_ARRAY_IDX(
                             res.set_cookies, 0, const char *))),
                         COOKIE, apr_table_get(q, "state"), NOW, &flow),
                     OIDC_FLOW_OK);
    ck_assert_str_eq(flow->return_to, ORIGIN "/");
}
END_TEST

/* ---- (2) API requests get a 401, never a redirect --------------------- */

START_TEST(api_request_gets_401)
{
    oidc_rp_result_t res;

    oidc_rp_authenticate(&ctx, request("GET", "/api/data", "X-Requested-With",
                                       "XMLHttpRequest", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 401);
    ck_assert(res.challenge);
    ck_assert_str_eq(res.error, "login_required");
    ck_assert_ptr_null(res.location);
    ck_assert_int_eq(res.set_cookies->nelts, 0);

    oidc_rp_authenticate(&ctx, request("POST", "/api/data", NULL), &dir,
                         &res);
    ck_assert_int_eq(res.status, 401);
    ck_assert_int_eq(res.set_cookies->nelts, 0);

    oidc_rp_authenticate(&ctx, request("GET", "/api/data", "Accept",
                                       "application/json", NULL), &dir, &res);
    ck_assert_int_eq(res.status, 401);

    oidc_rp_authenticate(&ctx, request("GET", "/api/data", "Sec-Fetch-Mode",
                                       "cors", NULL), &dir, &res);
    ck_assert_int_eq(res.status, 401);
    /* No login was started for any of them. */
    ck_assert_int_eq(op.discovery_calls, 0);
}
END_TEST

/* ---- (3) the whole login, then an authenticated request -------------- */

START_TEST(full_login)
{
    started_t st = start("/app/page?x=1", NULL);
    oidc_rp_result_t res, auth;
    const char *sc, *id, *tok = id_token_with(st.nonce, CLIENT_ID);
    const char *verifier, *form;
    apr_table_t *f;
    char *basic;

    op_issues(tok);
    run_callback(&st, &res);
    ck_assert_msg(res.kind == OIDC_RP_REDIRECT, "kind %d status %d: %s",
                  res.kind, res.status, res.message);
    ck_assert_int_eq(res.status, 302);
    ck_assert_str_eq(res.location, ORIGIN "/app/page?x=1");

    /* The token request: our code, redirect URI and PKCE verifier, with
     * client_secret_basic. */
    ck_assert_int_eq(op.token_calls, 1);
    form = op.token_form;
    ck_assert_int_eq(oidc_params_parse(unit_pool, form, 8192, &f),
                     OIDC_PARAMS_OK);
    ck_assert_str_eq(apr_table_get(f, "grant_type"), "authorization_code");
    ck_assert_str_eq(apr_table_get(f, "code"), CODE);
    ck_assert_str_eq(apr_table_get(f, "redirect_uri"),
                     ORIGIN "/oidc/callback");
    verifier = apr_table_get(f, "code_verifier");
    ck_assert_ptr_nonnull(verifier);
    ck_assert_str_eq(oidc_pkce_challenge_s256(unit_pool, verifier),
                     st.challenge);
    ck_assert_ptr_null(apr_table_get(f, "client_secret"));
    basic = apr_palloc(unit_pool, (apr_size_t)apr_base64_encode_len(
                                      (int)strlen(CLIENT_ID ":"
                                                  CLIENT_SECRET)));
    apr_base64_encode(basic, CLIENT_ID ":" CLIENT_SECRET,
                      (int)strlen(CLIENT_ID ":" CLIENT_SECRET));
    ck_assert_str_eq(op.token_authorization,
                     apr_pstrcat(unit_pool, "Basic ", basic, NULL));

    /* Cookies: the flow one deleted, a session one set. */
    sc = set_cookie_for(&res, oidc_flow_cookie_name(unit_pool, COOKIE,
                                                    st.state));
    ck_assert_ptr_nonnull(sc);
    ck_assert(unit_contains(sc, "Max-Age=0"));
    sc = set_cookie_for(&res, COOKIE);
    ck_assert_ptr_nonnull(sc);
    ck_assert(!unit_contains(sc, "Max-Age"));     /* a browser session */
    ck_assert(unit_contains(sc, "; Secure"));
    ck_assert(unit_contains(sc, "; HttpOnly"));
    id = pair_of(sc) + strlen(COOKIE "=");
    ck_assert(oidc_session_id_wellformed(id));
    ck_assert_str_eq(res.session_id, id);
    ck_assert_str_eq(res.session->sub, SUB);
    /* Stored until the inactivity timeout. */
    ck_assert(stored_expiry(id) == NOW + cfg.inactivity);
    /* And indexed by sub, for logout from the OP. */
    {
        unsigned char ikey[32];
        oidc_session_index_key(unit_pool, OIDC_INDEX_SUB, ISSUER, SUB, ikey);
        ck_assert_ptr_nonnull(apr_hash_get(fs.h, ikey, 32));
    }

    /* Back at the application, signed in. */
    ctx.now = NOW + apr_time_from_sec(5);
    oidc_rp_authenticate(&ctx, browser("/app/page?x=1",
                                       apr_pstrcat(unit_pool, "a=b; ",
                                                   COOKIE, "=", id, NULL)),
                         &dir, &auth);
    ck_assert_int_eq(auth.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(auth.session_id, id);
    ck_assert_str_eq(auth.session->sub, SUB);
    ck_assert_str_eq(auth.session->iss, ISSUER);
    ck_assert_str_eq(auth.session->access_token, ACCESS_TOKEN);
    ck_assert_str_eq(oidc_session_id_token(unit_pool, auth.session), tok);
    ck_assert(auth.session->access_expires == NOW + apr_time_from_sec(300));
    /* Claims come as the flat form, no JSON parse per request. */
    ck_assert_ptr_nonnull(auth.session->flat);
    ck_assert_str_eq(oidc_claims_flat_string(auth.session->flat, "sub"), SUB);
    ck_assert_str_eq(oidc_claims_flat_string(auth.session->flat, "email"),
                     "alice@example.com");
    ck_assert_ptr_null(oidc_claims_flat_string(auth.session->flat,
                                               "groups"));   /* an array */
    ck_assert_int_eq(auth.set_cookies->nelts, 0);

    /* No secret in any log line. */
    assert_no_secret_logged(CODE);
    assert_no_secret_logged(tok);
    assert_no_secret_logged(ACCESS_TOKEN);
    assert_no_secret_logged(id);
    assert_no_secret_logged(st.state);
    assert_no_secret_logged(CLIENT_SECRET);
}
END_TEST

static const char *login(void)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    return res.session_id;
}

START_TEST(session_touched_after_a_while)
{
    const char *id = login();
    const char *cookie = apr_pstrcat(unit_pool, COOKIE "=", id, NULL);
    oidc_rp_result_t res;
    int puts = fs.puts;

    /* Soon after: no store write. */
    ctx.now = NOW + apr_time_from_sec(30);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.puts, puts);
    /* Past inactivity / OIDC_SESSION_TOUCH_FRACTION: one write. */
    ctx.now = NOW + cfg.inactivity / OIDC_SESSION_TOUCH_FRACTION
        + apr_time_from_sec(1);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.puts, puts + 1);
    ck_assert(res.session->last_seen == ctx.now);
    ck_assert(stored_expiry(id) == ctx.now + cfg.inactivity);
    /* Idle beyond the timeout since that write: a new login. */
    ctx.now += cfg.inactivity + 1;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));
}
END_TEST

/* A store that vouches for its records (a counter per key, as shmcb's),
 * and a cache of `slots` opened sessions of images up to max_record. */
static void keep_sessions(apr_size_t slots, apr_size_t max_record)
{
    store.generation = store_generation;
    cfg.cache = oidc_session_cache_create(unit_pool, slots, max_record);
    ck_assert_ptr_nonnull(cfg.cache);
}

/* A store of this node alone: opened records are kept, and used only until
 * the next write of anyone. */
START_TEST(cached_session_follows_every_write)
{
    const char *id, *cookie, *other;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    oidc_rp_result_t res;
    int gets;

    keep_sessions(8, 8192);
    cfg.claim_prefix = "OIDC_CLAIM_";
    id = login();
    cookie = apr_pstrcat(unit_pool, COOKIE "=", id, NULL);
    ctx.now = NOW + apr_time_from_sec(1);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_ptr_null(res.session->export_names);     /* read, not kept */
    gets = fs.gets;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->sub, SUB);
    ck_assert_int_eq(fs.gets, gets);              /* from the cache */
    /* Kept with the names its claims are exported under. */
    ck_assert_ptr_nonnull(res.session->export_names);
    ck_assert_str_eq(res.session->export_names->prefix, "OIDC_CLAIM_");
    ck_assert_str_eq(oidc_claims_flat_string(res.session->flat, "sub"), SUB);

    /* Someone else's login is a write: read again, then kept again. */
    other = login();
    ck_assert_ptr_nonnull(other);
    gets = fs.gets;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets + 1);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(fs.gets, gets + 1);

    /* Another process ends the session: the next request knows. */
    oidc_session_store_key(id, key);
    store.del(&store, unit_pool, key, sizeof(key));
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));

    /* A kept record still obeys the session's lifetime. */
    cookie = apr_pstrcat(unit_pool, COOKIE "=", other, NULL);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    gets = fs.gets;
    ctx.now += cfg.max_age;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(fs.gets, gets);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
}
END_TEST

/* One request with session cookie `id`. */
static void authenticate_as(const char *id, oidc_rp_result_t *res)
{
    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(unit_pool, COOKIE "=",
                                                         id, NULL)),
                         &dir, res);
}

/* An id one character off at position at. */
static const char *one_off(const char *id, int at)
{
    char *forged = apr_pstrdup(unit_pool, id);

    forged[at] = forged[at] == 'A' ? 'B' : 'A';
    return forged;
}

/* A kept record is found by the session id itself: only that exact id
 * gets it, even from the slot it shares with every other id. */
START_TEST(cached_session_only_for_its_own_id)
{
    static const apr_size_t off[] = { OIDC_SESSION_ID_LEN - 1, 0, 7, 8, 20,
                                      39, 40 };
    const char *id;
    oidc_rp_result_t res;
    apr_size_t i;
    int gets;

    keep_sessions(1, 8192);
    id = login();
    authenticate_as(id, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    gets = fs.gets;
    authenticate_as(id, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets);              /* kept */

    /* One character off anywhere (the ends of the compare's words and
     * its tail): a store lookup, which finds nothing. */
    for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
        authenticate_as(one_off(id, (int)off[i]), &res);
        ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
        ck_assert_int_eq(fs.gets, gets + (int)i + 1);
    }

    /* The real id still gets its record, from the slot. */
    authenticate_as(id, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->sub, SUB);
    ck_assert_int_eq(fs.gets, gets + (int)i);
}
END_TEST

/* While the store cannot vouch for its records (a shared store whose
 * change feed is down), every request reads it and nothing is kept. */
START_TEST(cached_session_needs_a_voucher)
{
    const char *cookie;
    oidc_rp_result_t res;
    int gets, i;

    keep_sessions(8, 8192);
    cookie = apr_pstrcat(unit_pool, COOKIE "=", login(), NULL);
    fs.cannot_vouch = 1;
    gets = fs.gets;
    for (i = 1; i <= 3; i++) {
        oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
        ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
        ck_assert_int_eq(fs.gets, gets + i);
    }
    /* Back: nothing read meanwhile was kept, so one read, then kept. */
    fs.cannot_vouch = 0;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets + 4);
}
END_TEST

/* A kept session is shared by the requests it serves: each may set its
 * own copy's fields, and holds the shared strings until its pool goes,
 * even after the slot has moved on to another session; the last hold
 * destroys it. (A hold let go too early reads freed memory, which the
 * sanitizer and valgrind runs of these tests report.) */
START_TEST(kept_session_is_shared_read_only)
{
    const char *id, *other;
    apr_pool_t *first, *second;
    oidc_rp_result_t res;
    oidc_session_t *held;
    int gets;

    keep_sessions(1, 8192);
    id = login();
    other = login();
    authenticate_as(id, &res);                    /* read and kept */
    gets = fs.gets;
    authenticate_as(id, &res);
    ck_assert_int_eq(fs.gets, gets);
    held = res.session;
    first = ctx.pool;
    ck_assert_uint_eq(oidc_session_cache_live(cfg.cache), 1);
    held->access_token = "set by this request";
    held->last_seen = 1;

    authenticate_as(id, &res);                    /* kept, as it was */
    second = ctx.pool;
    ck_assert_int_eq(fs.gets, gets);
    ck_assert_ptr_ne(res.session, held);
    ck_assert_str_eq(res.session->access_token, ACCESS_TOKEN);
    ck_assert(res.session->last_seen != 1);

    authenticate_as(other, &res);                 /* takes the one slot */
    ck_assert_int_eq(fs.gets, gets + 1);
    authenticate_as(other, &res);
    ck_assert_int_eq(fs.gets, gets + 1);
    ck_assert_str_eq(held->sub, SUB);
    ck_assert_str_eq(oidc_claims_flat_string(held->flat, "sub"), SUB);
    ck_assert_uint_eq(oidc_session_cache_live(cfg.cache), 2);
    apr_pool_destroy(first);
    ck_assert_uint_eq(oidc_session_cache_live(cfg.cache), 2);
    apr_pool_destroy(second);                     /* the last hold goes */
    ck_assert_uint_eq(oidc_session_cache_live(cfg.cache), 1);

    authenticate_as(id, &res);                    /* read again */
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets + 2);
}
END_TEST

/* Records larger than a slot are read from the store every time. */
START_TEST(cached_session_too_large_for_a_slot)
{
    const char *cookie;
    oidc_rp_result_t res;
    int gets;

    keep_sessions(8, 64);
    cookie = apr_pstrcat(unit_pool, COOKIE "=", login(), NULL);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    gets = fs.gets;
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.gets, gets + 1);
}
END_TEST

START_TEST(unknown_or_malformed_session_cookie)
{
    oidc_rp_result_t res;

    oidc_rp_authenticate(&ctx, browser("/", COOKIE "=not-a-session-id"),
                         &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));
    ck_assert_int_eq(fs.gets, 0);     /* never looked up */

    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(
                                           unit_pool, COOKIE "=",
                                           oidc_session_new_id(unit_pool),
                                           NULL)), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));
    ck_assert_int_eq(fs.gets, 1);
}
END_TEST

START_TEST(session_fixation)
{
    /* An id planted in the victim's browser (here, a real session). */
    const char *planted = login();
    started_t st = start("/", NULL);
    oidc_rp_result_t res;
    int dels = fs.dels;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    oidc_rp_callback(&ctx, callback_req(
                         apr_pstrcat(unit_pool, "code=" CODE "&state=",
                                     st.state, NULL),
                         apr_pstrcat(unit_pool, COOKIE "=", planted, "; ",
                                     st.flow_cookie, NULL)), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_str_ne(res.session_id, planted);
    ck_assert_int_eq(fs.dels, dels + 1);
    /* The old id no longer authenticates. */
    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(unit_pool, COOKIE "=",
                                                        planted, NULL)),
                         &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
}
END_TEST

/* ---- (4) a replayed callback ------------------------------------------ */

START_TEST(callback_replayed)
{
    started_t st = start("/", NULL);
    const char *q = apr_pstrcat(unit_pool, "code=" CODE "&state=", st.state,
                                NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    oidc_rp_callback(&ctx, callback_req(q, st.flow_cookie), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    /* The same browser request again (the cookie not yet deleted), to an
     * OP that redeems the code twice: the used state stops it. */
    oidc_rp_callback(&ctx, callback_req(q, st.flow_cookie), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 400);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_int_eq(op.token_calls, 2);
    /* Without the cookie: unknown state. */
    oidc_rp_callback(&ctx, callback_req(q, NULL), &res);
    ck_assert_int_eq(res.status, 400);
    ck_assert_int_eq(op.token_calls, 2);
}
END_TEST

/* The back button after a login replays the callback from a browser that
 * has a session: it is sent on, not shown an error. */
START_TEST(callback_replayed_while_signed_in)
{
    started_t st = start("/app/page", NULL);
    const char *q = apr_pstrcat(unit_pool, "code=" CODE "&state=", st.state,
                                NULL);
    const char *session;
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    oidc_rp_callback(&ctx, callback_req(q, st.flow_cookie), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    session = apr_pstrcat(unit_pool, COOKIE "=", res.session_id, NULL);
    /* The flow cookie is gone: sent to the site's root. */
    oidc_rp_callback(&ctx, callback_req(q, session), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_str_eq(res.location, ORIGIN "/");
    ck_assert_int_eq(op.token_calls, 1);
    /* The flow cookie still there: to the page the login was for. */
    oidc_rp_callback(&ctx, callback_req(q, apr_pstrcat(
                                            unit_pool, session, "; ",
                                            st.flow_cookie, NULL)), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_str_eq(res.location, ORIGIN "/app/page");
    /* Without a session, the same replay is an error page. */
    oidc_rp_callback(&ctx, callback_req(q, NULL), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 400);
}
END_TEST

/* Anonymous callbacks with junk codes write nothing to the store, however
 * many: they must not be able to evict sessions. */
START_TEST(junk_callbacks_write_nothing)
{
    oidc_rp_result_t res;
    int i, puts, claims;

    op.token_status = 400;
    op.token_body = "{\"error\":\"invalid_grant\"}";
    puts = fs.puts;
    claims = fs.claims;
    for (i = 0; i < 20; i++) {
        started_t st = start("/", NULL);
        run_callback(&st, &res);
        ck_assert_int_eq(res.status, 502);
    }
    ck_assert_int_eq(fs.puts, puts);
    ck_assert_int_eq(fs.claims, claims);
}
END_TEST

/* A session made under one issuer and client does not authenticate a
 * configuration with another (another virtual host sharing the store and
 * the key), and is left alone there; its own configuration still uses it. */
START_TEST(session_bound_to_issuer_and_client)
{
    const char *id = login();
    const char *cookie = apr_pstrcat(unit_pool, COOKIE "=", id, NULL);
    oidc_rp_config_t other_cfg = cfg;
    oidc_rp_ctx_t other = ctx;
    oidc_rp_result_t res;
    int dels = fs.dels;

    other.cfg = &other_cfg;
    other_cfg.client.id = "client-2";
    oidc_rp_authenticate(&other, browser("/", cookie), &dir, &res);
    ck_assert_int_ne(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert(logged("bound to another provider or client")
              || logged("made for another provider or client"));
    other_cfg.client.id = CLIENT_ID;
    other_cfg.issuer = ISSUER "/";
    oidc_rp_authenticate(&other, browser("/", cookie), &dir, &res);
    ck_assert_int_ne(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(fs.dels, dels);
    oidc_rp_authenticate(&ctx, browser("/", cookie), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
}
END_TEST

/* Logout and front-channel logout with a made-up session id write no
 * "ended" mark: anonymous requests must not fill the store. */
START_TEST(logout_made_up_id_writes_nothing)
{
    const char *cookie = apr_pstrcat(unit_pool, COOKIE "=",
                                     oidc_session_new_id(unit_pool), NULL);
    oidc_rp_result_t res;
    int puts = fs.puts;

    oidc_rp_logout(&ctx, browser("/logout", cookie), &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    oidc_rp_frontchannel_logout(&ctx, browser("/fc?iss=" ISSUER, cookie),
                                &res);
    ck_assert_int_eq(fs.puts, puts);
}
END_TEST

START_TEST(callback_bad_requests)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;
    oidc_rp_ctx_t later;

    /* No state, a malformed state, a duplicate parameter, not GET. */
    oidc_rp_callback(&ctx, callback_req("code=" CODE, st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    oidc_rp_callback(&ctx, callback_req("code=" CODE "&state=short",
                                        st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    ck_assert_int_eq(res.set_cookies->nelts, 0);
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool, "code=" CODE
                                            "&code=x&state=", st.state,
                                            NULL), st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    oidc_rp_callback(&ctx, request("POST", apr_pstrcat(
                                       unit_pool, "/oidc/callback?code=x"
                                       "&state=", st.state, NULL),
                                   "Cookie", st.flow_cookie, NULL), &res);
    ck_assert_int_eq(res.status, 405);
    /* No code. */
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(unit_pool, "state=",
                                                    st.state, NULL),
                                        st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    /* Another issuer named (RFC 9207). */
    st = start("/", NULL);
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool, "code=" CODE
                                            "&iss=https%3A%2F%2Fevil.example"
                                            "&state=", st.state, NULL),
                                        st.flow_cookie), &res);
    ck_assert_int_eq(res.status, 400);
    /* Too late. */
    st = start("/", NULL);
    later = ctx;
    later.now = NOW + apr_time_from_sec(11 * 60);
    oidc_rp_callback(&later, callback_req(apr_pstrcat(unit_pool, "code=" CODE
                                                      "&state=", st.state,
                                                      NULL), st.flow_cookie),
                     &res);
    ck_assert_int_eq(res.status, 400);
    ck_assert(unit_contains(res.message, "too long"));
    ck_assert_int_eq(op.token_calls, 0);
}
END_TEST

/* ---- (5) the OP says no ------------------------------------------------ */

START_TEST(callback_access_denied)
{
    started_t st = start("/app", NULL);
    oidc_rp_result_t res;

    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool,
                                            "error=access_denied&state=",
                                            st.state, NULL), st.flow_cookie),
                     &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 403);
    ck_assert_str_eq(res.location, ORIGIN "/app");
    ck_assert(unit_contains(res.message, "access_denied"));
    ck_assert(unit_contains(set_cookie_for(&res, oidc_flow_cookie_name(
                                                     unit_pool, COOKIE,
                                                     st.state)),
                            "Max-Age=0"));
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_int_eq(op.token_calls, 0);

    /* An error word that is not printable is not echoed. */
    st = start("/app", NULL);
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool,
                                            "error=%3Cscript%3E%0A&state=",
                                            st.state, NULL), st.flow_cookie),
                     &res);
    ck_assert_int_eq(res.status, 400);
    ck_assert(!unit_contains(res.message, "<script>"));

    /* Markup that RFC 6749 allows is neither logged as markup nor long. */
    st = start("/app", NULL);
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(
                                            unit_pool, "error=%3Cimg%20src%3Dx"
                                            "%3E", apr_psprintf(unit_pool,
                                            "%0100d", 0), "&state=",
                                            st.state, NULL), st.flow_cookie),
                     &res);
    {
        int i;
        for (i = 0; i < log_lines->nelts; i++) {
            const char *line = APR_ARRAY_IDX(log_lines, i, const char *);
            ck_assert_msg(!unit_contains(line, "<img"), "%s", line);
            ck_assert_msg(strlen(line) < 300, "%s", line);
        }
    }
}
END_TEST

/* ---- (6) the token endpoint refuses ---------------------------------- */

START_TEST(token_endpoint_invalid_grant)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op.token_status = 400;
    op.token_body = "{\"error\":\"invalid_grant\","
                    "\"error_description\":\"code expired\"}";
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 502);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_int_eq(op.token_calls, 1);
}
END_TEST

START_TEST(token_response_without_id_token)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op.token_body = "{\"access_token\":\"x\",\"token_type\":\"Bearer\"}";
    run_callback(&st, &res);
    ck_assert_int_eq(res.status, 502);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
}
END_TEST

/* ---- (7) the store cannot answer ------------------------------------- */

START_TEST(store_get_fails_on_authenticate)
{
    oidc_rp_result_t res;

    fs.get_rv = APR_EGENERAL;
    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(
                                           unit_pool, COOKIE "=",
                                           oidc_session_new_id(unit_pool),
                                           NULL)), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_str_eq(res.error, "temporarily_unavailable");
    ck_assert_ptr_null(res.location);
    /* The session cookie is kept: the session may well be fine. */
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
}
END_TEST

START_TEST(store_get_fails_on_callback)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    fs.get_rv = APR_EGENERAL;
    fs.lock_rv = APR_EGENERAL;
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    /* The state is marked used only once the OP accepted the code. */
    ck_assert_int_eq(op.token_calls, 1);
}
END_TEST

/* ---- (8) the store refuses a write ----------------------------------- */

START_TEST(store_put_refused_for_session)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    fs.puts_allowed = 0;      /* the used-state mark is a claim: it works */
    run_callback(&st, &res);
    ck_assert_int_eq(op.token_calls, 1);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_ptr_null(res.session_id);
}
END_TEST

START_TEST(session_too_large)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    cfg.max_record = 256;
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 500);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
}
END_TEST

/* ---- (9) the OP cannot be reached ------------------------------------ */

START_TEST(op_unreachable)
{
    oidc_rp_result_t res;

    op.discovery_rv = APR_ECONNREFUSED;
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_ptr_null(res.location);
    ck_assert_int_eq(res.set_cookies->nelts, 0);
    ck_assert_int_eq(op.discovery_calls, 1);
    /* The failure is remembered briefly: no second wait. */
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.status, 503);
    ck_assert_int_eq(op.discovery_calls, 1);
}
END_TEST

START_TEST(op_bad_discovery)
{
    oidc_rp_result_t res;

    op.discovery = "{\"issuer\":\"https://evil.example\","
                   "\"authorization_endpoint\":\"" ISSUER "/authorize\","
                   "\"token_endpoint\":\"" ISSUER "/token\","
                   "\"jwks_uri\":\"" ISSUER "/jwks\"}";
    oidc_rp_authenticate(&ctx, browser("/", NULL), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 502);
}
END_TEST

/* ---- (10) an ID token with the wrong nonce ---------------------------- */

START_TEST(id_token_wrong_nonce)
{
    started_t st = start("/", NULL);
    started_t other = start("/", NULL);
    oidc_rp_result_t res;

    /* The nonce of another flow of the same browser. */
    op_issues(id_token_with(other.nonce, CLIENT_ID));
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 401);
    ck_assert(res.challenge);
    ck_assert_str_eq(res.error, "invalid_token");
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    ck_assert_ptr_null(res.session_id);
}
END_TEST

START_TEST(id_token_other_audience)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, "another-client"));
    run_callback(&st, &res);
    ck_assert_int_eq(res.status, 401);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
}
END_TEST

START_TEST(flow_cookie_eviction)
{
    const char *jar = "other=1";
    oidc_rp_result_t res;
    int i;

    /* Each new login from the same browser keeps at most
     * OIDC_FLOW_MAX_PER_BROWSER flow cookies. */
    for (i = 0; i < OIDC_FLOW_MAX_PER_BROWSER; i++) {
        ctx.now = NOW + apr_time_from_sec(i);
        jar = apr_pstrcat(unit_pool, jar, "; ", start("/", jar).flow_cookie,
                          NULL);
    }
    ctx.now = NOW + apr_time_from_sec(10);
    oidc_rp_authenticate(&ctx, browser("/", jar), &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    /* One deletion (the oldest) and the new flow cookie. */
    ck_assert_int_eq(res.set_cookies->nelts, 2);
    ck_assert(unit_contains(APR_ARRAY_IDX(res.set_cookies, 0, const char *),
                            "Max-Age=0"));
    ck_assert(unit_contains(APR_ARRAY_IDX(res.set_cookies, 1, const char *),
                            "Max-Age=600"));
}
END_TEST


/* Claims of the session, as the authenticated request sees them. */
static json_t *session_claims(const char *id)
{
    oidc_rp_result_t res;
    const char *text;
    oidc_rp_authenticate(&ctx, browser("/", apr_pstrcat(unit_pool, COOKIE "=",
                                                        id, NULL)),
                         &dir, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    text = oidc_session_claims(unit_pool, res.session);
    return oidc_json_parse(unit_pool, text, strlen(text));
}

START_TEST(userinfo_merged_under_id_token)
{
    json_t *claims;

    cfg.userinfo = 1;
    op.userinfo_body = "{\"sub\":\"" SUB "\",\"phone\":\"+1 555\","
                       "\"email\":\"other@example.com\"}";
    claims = session_claims(login());
    ck_assert_int_eq(op.userinfo_calls, 1);
    ck_assert_str_eq(op.userinfo_authorization, "Bearer " ACCESS_TOKEN);
    ck_assert_str_eq(oidc_json_str(claims, "phone"), "+1 555");
    /* The signed ID token's claim wins over UserInfo's. */
    ck_assert_str_eq(oidc_json_str(claims, "email"), "alice@example.com");
}
END_TEST

START_TEST(userinfo_other_sub_not_used)
{
    json_t *claims;

    cfg.userinfo = 1;
    op.userinfo_body = "{\"sub\":\"mallory\",\"phone\":\"+1 666\","
                       "\"groups\":[\"root\"]}";
    claims = session_claims(login());
    ck_assert_int_eq(op.userinfo_calls, 1);
    ck_assert_ptr_null(json_object_get(claims, "phone"));
    ck_assert_str_eq(oidc_json_str(claims, "sub"), SUB);
    ck_assert_int_eq(json_array_size(json_object_get(claims, "groups")), 2);
}
END_TEST

START_TEST(userinfo_refreshed_after_interval)
{
    const char *id;
    json_t *claims;

    cfg.userinfo = 1;
    cfg.userinfo_interval = apr_time_from_sec(60);
    op.userinfo_body = "{\"sub\":\"" SUB "\",\"level\":1}";
    id = login();
    op.userinfo_body = "{\"sub\":\"" SUB "\",\"level\":2}";
    claims = session_claims(id);
    ck_assert_int_eq(op.userinfo_calls, 1);
    ck_assert_int_eq(json_integer_value(json_object_get(claims, "level")), 1);
    ctx.now = NOW + apr_time_from_sec(61);
    claims = session_claims(id);
    ck_assert_int_eq(op.userinfo_calls, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(claims, "level")), 2);
    /* Stored: the next request sees the new claims without a fetch. */
    ctx.now = NOW + apr_time_from_sec(62);
    claims = session_claims(id);
    ck_assert_int_eq(op.userinfo_calls, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(claims, "level")), 2);
}
END_TEST


/* ---- refresh ------------------------------------------------------------ */

/* A session whose access token (300 s) comes with refresh token rt-1. */
static const char *login_with_refresh(void)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op.token_status = 200;
    op.token_body = apr_psprintf(
        unit_pool,
        "{\"access_token\":\"" ACCESS_TOKEN "\",\"token_type\":\"Bearer\","
        "\"expires_in\":300,\"refresh_token\":\"rt-1\",\"id_token\":\"%s\"}",
        id_token_with(st.nonce, CLIENT_ID));
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    op.token_calls = 0;
    fs.claims = fs.unclaims = 0;
    apr_hash_clear(fs.locked);       /* the used-state mark of the login */
    cfg.refresh_before = apr_time_from_sec(60);
    cfg.refresh_hold = apr_time_from_msec(100);
    return res.session_id;
}

static void op_refreshes(const char *extra)
{
    op.token_status = 200;
    op.token_body = apr_pstrcat(unit_pool,
        "{\"access_token\":\"at-2\",\"token_type\":\"Bearer\","
        "\"expires_in\":300,\"refresh_token\":\"rt-2\"", extra, "}", NULL);
}

static oidc_rp_result_t authenticate_at(const char *id, apr_int64_t sec,
                                        int api)
{
    oidc_rp_result_t res;
    const char *cookie = apr_pstrcat(unit_pool, COOKIE "=", id, NULL);

    ctx.now = NOW + apr_time_from_sec(sec);
    oidc_rp_authenticate(&ctx, api ? request("GET", "/", "Cookie", cookie,
                                             "Accept", "application/json",
                                             "Sec-Fetch-Mode", "cors", NULL)
                                   : browser("/", cookie),
                         &dir, &res);
    return res;
}

START_TEST(refresh_when_due_and_rotated_token_stored)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    op_refreshes("");
    res = authenticate_at(id, 239, 0);       /* 61 s before expiry */
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(op.token_calls, 0);
    ck_assert_int_eq(fs.claims, 0);
    res = authenticate_at(id, 241, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(op.token_calls, 1);
    ck_assert(unit_contains(op.token_form,
                            "grant_type=refresh_token&refresh_token=rt-1"));
    ck_assert_ptr_nonnull(op.token_authorization);
    ck_assert(strncmp(op.token_authorization, "Basic ", 6) == 0);
    ck_assert_str_eq(res.session->access_token, "at-2");
    ck_assert(res.session->access_expires == ctx.now + apr_time_from_sec(300));
    /* The lock was taken and given back. */
    ck_assert_int_eq(fs.claims, 1);
    ck_assert_int_eq(fs.unclaims, 1);
    ck_assert_int_eq(apr_hash_count(fs.locked), 0);
    /* Stored: the next request uses the rotated tokens without a call. */
    res = authenticate_at(id, 242, 0);
    ck_assert_int_eq(op.token_calls, 1);
    ck_assert_str_eq(res.session->access_token, "at-2");
    ck_assert_str_eq(res.session->refresh_token, "rt-2");
    assert_no_secret_logged("rt-1");
    assert_no_secret_logged("rt-2");
    assert_no_secret_logged("at-2");
}
END_TEST

START_TEST(refresh_lead_capped_at_half_the_lifetime)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    cfg.refresh_before = apr_time_from_sec(3600);
    op_refreshes("");
    res = authenticate_at(id, 149, 0);
    ck_assert_int_eq(op.token_calls, 0);
    res = authenticate_at(id, 150, 0);
    ck_assert_int_eq(op.token_calls, 1);
    ck_assert_str_eq(res.session->access_token, "at-2");
}
END_TEST

START_TEST(refresh_refused_follows_policy)
{
    const oidc_refresh_failure_t policies[] = {
        OIDC_REFRESH_FAILURE_REAUTHENTICATE,
        OIDC_REFRESH_FAILURE_REAUTHENTICATE,   /* an API client this time */
        OIDC_REFRESH_FAILURE_401, OIDC_REFRESH_FAILURE_502
    };
    int i;

    for (i = 0; i < 4; i++) {
        const char *id;
        oidc_rp_result_t res;

        ctx.now = NOW;
        id = login_with_refresh();
        cfg.refresh_failure = policies[i];
        op.token_status = 400;
        op.token_body = "{\"error\":\"invalid_grant\"}";
        res = authenticate_at(id, 301, i == 1);
        ck_assert_int_eq(op.token_calls, 1);
        ck_assert_ptr_nonnull(set_cookie_for(&res, COOKIE));
        ck_assert(unit_contains(set_cookie_for(&res, COOKIE), "Max-Age=0"));
        switch (i) {
        case 0:
            ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
            ck_assert(unit_contains(res.location, ISSUER "/authorize?"));
            break;
        case 1:
            ck_assert_int_eq(res.status, 401);
            ck_assert_str_eq(res.error, "login_required");
            break;
        case 2:
            ck_assert_int_eq(res.status, 401);
            ck_assert_str_eq(res.error, "invalid_token");
            ck_assert(res.challenge);
            break;
        default:
            ck_assert_int_eq(res.status, 502);
        }
        ck_assert_ptr_null(res.session);
        /* The session is gone. */
        res = authenticate_at(id, 302, 0);
        ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
        ck_assert_int_eq(op.token_calls, 1);
        ck_assert_int_eq(apr_hash_count(fs.locked), 0);
    }
}
END_TEST

START_TEST(refresh_op_unreachable_keeps_session)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    op.token_rv = APR_ECONNREFUSED;
    /* Still valid: the request goes on with the current token. */
    res = authenticate_at(id, 250, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->access_token, ACCESS_TOKEN);
    /* Expired: 503, and the session stays for when the OP is back. */
    res = authenticate_at(id, 301, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_ptr_null(set_cookie_for(&res, COOKIE));
    op.token_rv = APR_SUCCESS;
    op_refreshes("");
    res = authenticate_at(id, 302, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->access_token, "at-2");
    ck_assert_int_eq(apr_hash_count(fs.locked), 0);
}
END_TEST

/* An ID token as a refresh would return it: no nonce, a new iat. */
static const char *refreshed_id_token(const char *sub, const char *email)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}",
                          "iss", ISSUER, "sub", sub, "aud", CLIENT_ID,
                          "exp", (json_int_t)(NOW_SEC + 900),
                          "iat", (json_int_t)(NOW_SEC + 290),
                          "email", email);
    char *text = json_dumps(c, JSON_COMPACT);
    const char *tok = unit_jws_sign(unit_pool, &unit_rsa1, "RS256", "rsa-1",
                                    text);
    free(text);
    json_decref(c);
    return tok;
}

START_TEST(refreshed_id_token_validated)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;
    json_t *claims;

    op_refreshes(apr_pstrcat(unit_pool, ",\"id_token\":\"",
                             refreshed_id_token(SUB, "new@example.com"),
                             "\"", NULL));
    res = authenticate_at(id, 290, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    claims = oidc_json_parse(unit_pool,
                             oidc_session_claims(unit_pool, res.session),
                             strlen(oidc_session_claims(unit_pool,
                                                        res.session)));
    ck_assert_str_eq(oidc_json_str(claims, "email"), "new@example.com");
    /* Claims the new token lacks stay from login. */
    ck_assert_int_eq(json_array_size(json_object_get(claims, "groups")), 2);
    /* And the flat form the request exports follows. */
    ck_assert_str_eq(oidc_claims_flat_string(res.session->flat, "email"),
                     "new@example.com");

    /* Another subject: refused, the session ends. */
    ctx.now = NOW;
    id = login_with_refresh();
    op_refreshes(apr_pstrcat(unit_pool, ",\"id_token\":\"",
                             refreshed_id_token("mallory", "m@example.com"),
                             "\"", NULL));
    res = authenticate_at(id, 290, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert(unit_contains(res.location, ISSUER "/authorize?"));
    res = authenticate_at(id, 291, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);

    /* A bad signature: refused as well. */
    ctx.now = NOW;
    id = login_with_refresh();
    op_refreshes(apr_pstrcat(unit_pool, ",\"id_token\":\"",
                             refreshed_id_token(SUB, "x@example.com"),
                             "x\"", NULL));
    res = authenticate_at(id, 290, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
}
END_TEST

/* Plays another process that finishes its refresh while we wait: on the
 * n-th store read, the session record is replaced by one with at-9. */
static const char *other_id;
static int other_after_gets;
static void other_process_refreshes(fake_store_t *f)
{
    oidc_session_t *s;
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN], *rec;
    apr_size_t len;
    entry_t *e;

    if (f->gets != other_after_gets) {
        return;
    }
    oidc_session_store_key(other_id, key);
    e = apr_hash_get(f->h, key, sizeof(key));
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(oidc_session_open(unit_pool, cfg.session_key, other_id, &rp_binding,
                                       e->val, e->len, &s), APR_SUCCESS);
    s->access_token = "at-9";
    s->refresh_token = "rt-9";
    s->access_issued = NOW + apr_time_from_sec(301);
    s->access_expires = s->access_issued + apr_time_from_sec(300);
    ck_assert_int_eq(oidc_session_seal(unit_pool, cfg.session_key, other_id,
                                       s, cfg.max_record, &rec, &len),
                     APR_SUCCESS);
    e->val = rec;
    e->len = len;
}

START_TEST(refresh_lock_held_elsewhere)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;
    apr_time_t t0;

    op_refreshes("");
    fs.lock_rv = APR_EEXIST;
    /* Still valid: go on at once with the current token. */
    res = authenticate_at(id, 250, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->access_token, ACCESS_TOKEN);
    ck_assert_int_eq(op.token_calls, 0);

    /* Expired: wait for the other refresh, then use its result. */
    other_id = id;
    other_after_gets = fs.gets + 3;
    fs.before_get = other_process_refreshes;
    res = authenticate_at(id, 301, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(res.session->access_token, "at-9");
    ck_assert_int_eq(op.token_calls, 0);
    fs.before_get = NULL;

    /* Nobody finishes: give up after the hold (plus a second), 503. */
    ctx.now = NOW;
    fs.lock_rv = APR_SUCCESS;
    id = login_with_refresh();
    fs.lock_rv = APR_EEXIST;
    t0 = apr_time_now();
    res = authenticate_at(id, 301, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert(apr_time_now() - t0 >= cfg.refresh_hold);
    ck_assert_int_eq(op.token_calls, 0);
}
END_TEST

/* The session record in the store, opened. */
static oidc_session_t *stored_session(const char *id)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    oidc_session_t *s;
    entry_t *e;

    oidc_session_store_key(id, key);
    e = apr_hash_get(fs.h, key, sizeof(key));
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(oidc_session_open(unit_pool, cfg.session_key, id, &rp_binding,
                                       e->val, e->len, &s), APR_SUCCESS);
    return s;
}

/* A kept record may trail the store (another node's write whose report
 * has not reached this process yet). What this process writes, and
 * the refresh it decides on, start from the store, never from that copy:
 * else rt-1 would go to the OP again, or back into the store. */
START_TEST(kept_record_behind_the_store_is_not_written_back)
{
    const char *id;
    oidc_rp_result_t res;
    int gets;

    keep_sessions(8, 8192);
    id = login_with_refresh();
    authenticate_at(id, 1, 0);
    gets = fs.gets;
    res = authenticate_at(id, 2, 0);
    ck_assert_int_eq(fs.gets, gets);                  /* kept */
    ck_assert_str_eq(res.session->refresh_token, "rt-1");

    /* Another node refreshes; this process has not heard of it. */
    other_id = id;
    other_after_gets = fs.gets;
    other_process_refreshes(&fs);
    res = authenticate_at(id, 3, 0);
    ck_assert_str_eq(res.session->refresh_token, "rt-1");   /* behind */

    /* A touch is due (inactivity / 16), the refresh not yet: the touch
     * writes what the store holds. */
    res = authenticate_at(id, 100, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_str_eq(stored_session(id)->refresh_token, "rt-9");
    ck_assert(stored_session(id)->last_seen == NOW + apr_time_from_sec(100));

    /* Once more behind: the kept copy says the refresh is due, the store
     * that it was done. */
    ctx.now = NOW;
    id = login_with_refresh();
    authenticate_at(id, 1, 0);
    authenticate_at(id, 2, 0);
    other_id = id;
    other_after_gets = fs.gets;
    other_process_refreshes(&fs);
    res = authenticate_at(id, 250, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(op.token_calls, 0);
    ck_assert_str_eq(res.session->access_token, "at-9");
    ck_assert_str_eq(stored_session(id)->refresh_token, "rt-9");
}
END_TEST

START_TEST(refresh_store_down)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    fs.lock_rv = APR_EGENERAL;
    res = authenticate_at(id, 250, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    res = authenticate_at(id, 301, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_ERROR);
    ck_assert_int_eq(res.status, 503);
    ck_assert_int_eq(op.token_calls, 0);
}
END_TEST

START_TEST(no_refresh_without_refresh_token)
{
    const char *id = login();
    oidc_rp_result_t res;

    cfg.refresh_before = apr_time_from_sec(60);
    op.token_calls = 0;
    res = authenticate_at(id, 400, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_AUTHENTICATED);
    ck_assert_int_eq(op.token_calls, 0);
    ck_assert_int_eq(fs.claims, 1);    /* the used state, at login only */
}
END_TEST

/* A back-channel logout of this sub, arriving mid-refresh. */
static void logout_arrives(void)
{
    unsigned char ikey[32];
    int ended = 0;

    oidc_session_index_key(unit_pool, OIDC_INDEX_SUB, ISSUER, SUB, ikey);
    ck_assert_int_eq(oidc_session_index_end_all(&store, unit_pool, ikey,
                                                ctx.now + apr_time_from_sec(
                                                    60), &ended),
                     APR_SUCCESS);
    ck_assert_int_eq(ended, 1);
}

START_TEST(logout_during_refresh_stands)
{
    const char *id = login_with_refresh();
    oidc_rp_result_t res;

    op_refreshes("");
    op.on_token = logout_arrives;
    res = authenticate_at(id, 301, 0);
    op.on_token = NULL;
    ck_assert_int_eq(op.token_calls, 1);
    /* Not served, and not revived by the refresh's write. */
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    res = authenticate_at(id, 302, 0);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    ck_assert_int_eq(op.token_calls, 1);
}
END_TEST

START_TEST(session_index_bounded_and_ended)
{
    unsigned char ikey[32], skey[32];
    unsigned char *val;
    apr_size_t len;
    int i, ended = 0;

    oidc_session_index_key(unit_pool, OIDC_INDEX_SID, ISSUER, "sid-1", ikey);
    /* Per kind and issuer: another kind, issuer or value is another key. */
    oidc_session_index_key(unit_pool, OIDC_INDEX_SUB, ISSUER, "sid-1", skey);
    ck_assert(memcmp(ikey, skey, 32) != 0);
    for (i = 0; i < OIDC_SESSION_INDEX_MAX + 5; i++) {
        memset(skey, 0, sizeof(skey));
        skey[0] = (unsigned char)i;
        /* A record to end, then its index entry (twice: no duplicate). */
        ck_assert_int_eq(store.put(&store, unit_pool, skey, 32, NOW,
                                   (const unsigned char *)"r", 1),
                         APR_SUCCESS);
        ck_assert_int_eq(oidc_session_index_add(&store, unit_pool, ikey, skey,
                                                NOW), APR_SUCCESS);
        ck_assert_int_eq(oidc_session_index_add(&store, unit_pool, ikey, skey,
                                                NOW), APR_SUCCESS);
    }
    ck_assert_int_eq(store.get(&store, unit_pool, ikey, 32, &val, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, 32 * OIDC_SESSION_INDEX_MAX);
    /* The oldest entries were dropped, the newest kept. */
    ck_assert_int_eq(val[0], 5);
    ck_assert_int_eq(val[len - 32], OIDC_SESSION_INDEX_MAX + 4);

    ck_assert_int_eq(oidc_session_index_end_all(&store, unit_pool, ikey, NOW,
                                                &ended), APR_SUCCESS);
    ck_assert_int_eq(ended, OIDC_SESSION_INDEX_MAX);
    ck_assert_int_eq(store.get(&store, unit_pool, ikey, 32, &val, &len),
                     APR_NOTFOUND);
    memset(skey, 0, sizeof(skey));
    skey[0] = 6;
    ck_assert_int_eq(store.get(&store, unit_pool, skey, 32, &val, &len),
                     APR_NOTFOUND);
    /* Nothing indexed: nothing to end. */
    ck_assert_int_eq(oidc_session_index_end_all(&store, unit_pool, ikey, NOW,
                                                &ended), APR_NOTFOUND);
}
END_TEST

START_TEST(session_index_store_down)
{
    unsigned char ikey[32], skey[32] = { 1 };

    oidc_session_index_key(unit_pool, OIDC_INDEX_SUB, ISSUER, SUB, ikey);
    fs.get_rv = APR_EGENERAL;
    ck_assert_int_ne(oidc_session_index_add(&store, unit_pool, ikey, skey,
                                            NOW), APR_SUCCESS);
}
END_TEST

Suite *rp_suite(void)
{
    Suite *s = suite_create("rp");
    TCase *tc = tcase_create("rp");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, browser_redirected_to_op);
    tcase_add_test(tc, unsafe_return_falls_back_to_root);
    tcase_add_test(tc, api_request_gets_401);
    tcase_add_test(tc, full_login);
    tcase_add_test(tc, session_index_bounded_and_ended);
    tcase_add_test(tc, session_index_store_down);
    tcase_add_test(tc, refresh_when_due_and_rotated_token_stored);
    tcase_add_test(tc, refresh_lead_capped_at_half_the_lifetime);
    tcase_add_test(tc, refresh_refused_follows_policy);
    tcase_add_test(tc, refresh_op_unreachable_keeps_session);
    tcase_add_test(tc, refreshed_id_token_validated);
    tcase_add_test(tc, refresh_lock_held_elsewhere);
    tcase_add_test(tc, refresh_store_down);
    tcase_add_test(tc, kept_record_behind_the_store_is_not_written_back);
    tcase_add_test(tc, no_refresh_without_refresh_token);
    tcase_add_test(tc, logout_during_refresh_stands);
    tcase_add_test(tc, userinfo_merged_under_id_token);
    tcase_add_test(tc, userinfo_other_sub_not_used);
    tcase_add_test(tc, userinfo_refreshed_after_interval);
    tcase_add_test(tc, session_touched_after_a_while);
    tcase_add_test(tc, cached_session_follows_every_write);
    tcase_add_test(tc, cached_session_only_for_its_own_id);
    tcase_add_test(tc, cached_session_needs_a_voucher);
    tcase_add_test(tc, cached_session_too_large_for_a_slot);
    tcase_add_test(tc, kept_session_is_shared_read_only);
    tcase_add_test(tc, unknown_or_malformed_session_cookie);
    tcase_add_test(tc, session_fixation);
    tcase_add_test(tc, callback_replayed);
    tcase_add_test(tc, callback_replayed_while_signed_in);
    tcase_add_test(tc, junk_callbacks_write_nothing);
    tcase_add_test(tc, session_bound_to_issuer_and_client);
    tcase_add_test(tc, logout_made_up_id_writes_nothing);
    tcase_add_test(tc, callback_bad_requests);
    tcase_add_test(tc, callback_access_denied);
    tcase_add_test(tc, token_endpoint_invalid_grant);
    tcase_add_test(tc, token_response_without_id_token);
    tcase_add_test(tc, store_get_fails_on_authenticate);
    tcase_add_test(tc, store_get_fails_on_callback);
    tcase_add_test(tc, store_put_refused_for_session);
    tcase_add_test(tc, session_too_large);
    tcase_add_test(tc, op_unreachable);
    tcase_add_test(tc, op_bad_discovery);
    tcase_add_test(tc, id_token_wrong_nonce);
    tcase_add_test(tc, id_token_other_audience);
    tcase_add_test(tc, flow_cookie_eviction);
    suite_add_tcase(s, tc);
    return s;
}
