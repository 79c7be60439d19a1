/* rp_fixture.c: the environment of the Relying Party's tests
 * (rp_fixture.h). */
#include <stdarg.h>
#include <stdlib.h>

#include "rp_fixture.h"
#include "core/util/oidc_params.h"
#include "core/session/oidc_flow.h"
#include "core/cache/oidc_session_cache.h"

const oidc_binding_t rp_binding = { ISSUER, CLIENT_ID };

/* ---- the fake OP ------------------------------------------------------ */

static apr_status_t fake_send(const oidc_http_t *client, apr_pool_t *p,
                              const oidc_http_req_t *req,
                              oidc_http_resp_t *resp, const char **err)
{
    fake_op_t *o = client->baton;
    const char *body = "{}";

    *err = NULL;
    resp->status = 200;
    if (strcmp(req->url, ISSUER "/.well-known/openid-configuration") == 0) {
        o->discovery_calls++;
        ck_assert_str_eq(req->method, "GET");
        if (o->discovery_rv != APR_SUCCESS) {
            *err = "connection refused";
            return o->discovery_rv;
        }
        body = o->discovery;
    }
    else if (strcmp(req->url, ISSUER "/jwks") == 0) {
        o->jwks_calls++;
        if (o->jwks_delay > 0) {
            apr_sleep(o->jwks_delay);
        }
        resp->status = o->jwks_status ? o->jwks_status : 200;
        body = o->jwks;
    }
    else if (strcmp(req->url, ISSUER "/revoke") == 0) {
        o->revoke_calls++;
        ck_assert_str_eq(req->method, "POST");
        o->revoke_forms = o->revoke_forms
            ? apr_pstrcat(unit_pool, o->revoke_forms, "|", req->form, NULL)
            : apr_pstrdup(unit_pool, req->form);
        body = "";
    }
    else if (strcmp(req->url, ISSUER "/token") == 0) {
        o->token_calls++;
        ck_assert_str_eq(req->method, "POST");
        if (o->on_token != NULL) {
            o->on_token();
        }
        if (o->token_rv != APR_SUCCESS) {
            *err = "connection refused";
            return o->token_rv;
        }
        o->token_form = apr_pstrdup(unit_pool, req->form);
        o->token_authorization = req->authorization
            ? apr_pstrdup(unit_pool, req->authorization) : NULL;
        resp->status = o->token_status;
        body = o->token_body ? o->token_body : "{}";
    }
    else if (strcmp(req->url, ISSUER "/par") == 0) {
        o->par_calls++;
        ck_assert_str_eq(req->method, "POST");
        o->par_form = apr_pstrdup(unit_pool, req->form);
        o->par_authorization = req->authorization
            ? apr_pstrdup(unit_pool, req->authorization) : NULL;
        resp->status = o->par_status ? o->par_status : 201;
        body = o->par_body ? o->par_body
             : "{\"request_uri\":\"" FAKE_REQUEST_URI "\",\"expires_in\":60}";
    }
    else if (strcmp(req->url, ISSUER "/userinfo") == 0) {
        o->userinfo_calls++;
        ck_assert_str_eq(req->method, "GET");
        o->userinfo_authorization = apr_pstrdup(unit_pool,
                                                req->authorization);
        body = o->userinfo_body ? o->userinfo_body : "{}";
    }
    else {
        resp->status = 404;
    }
    resp->body = apr_pstrdup(p, body);
    resp->len = strlen(body);
    return APR_SUCCESS;
}

/* ---- the fake store --------------------------------------------------- */

static apr_status_t store_get(const oidc_store_t *s, apr_pool_t *p,
                              const unsigned char *key, apr_size_t key_len,
                              unsigned char **val, apr_size_t *val_len)
{
    fake_store_t *f = s->baton;
    entry_t *e;

    f->gets++;
    if (f->before_get != NULL) {
        f->before_get(f);
    }
    if (f->get_rv != APR_SUCCESS) {
        return f->get_rv;
    }
    e = apr_hash_get(f->h, key, (apr_ssize_t)key_len);
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
    fake_store_t *f = s->baton;
    entry_t *e;

    if (f->puts_allowed == 0) {
        return APR_ENOSPC;
    }
    if (f->puts_allowed > 0) {
        f->puts_allowed--;
    }
    f->puts++;
    f->generation++;
    e = apr_palloc(unit_pool, sizeof(*e));
    e->val = apr_pmemdup(unit_pool, val, val_len);
    e->len = val_len;
    e->expiry = expiry;
    f->last_expiry = expiry;
    apr_hash_set(f->h, apr_pmemdup(unit_pool, key, key_len),
                 (apr_ssize_t)key_len, e);
    return APR_SUCCESS;
}

static apr_status_t store_del(const oidc_store_t *s, apr_pool_t *p,
                              const unsigned char *key, apr_size_t key_len)
{
    fake_store_t *f = s->baton;

    f->dels++;
    f->generation++;
    apr_hash_set(f->h, key, (apr_ssize_t)key_len, NULL);
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
    fake_store_t *f = s->baton;

    f->claims++;
    ck_assert_int_gt(hold, 0);
    if (f->lock_rv != APR_SUCCESS) {
        return f->lock_rv;
    }
    if (apr_hash_get(f->locked, key, (apr_ssize_t)key_len) != NULL) {
        return APR_EEXIST;
    }
    apr_hash_set(f->locked, apr_pmemdup(unit_pool, key, key_len),
                 (apr_ssize_t)key_len, "1");
    return APR_SUCCESS;
}

static apr_status_t store_unlock(const oidc_store_t *s, apr_pool_t *p,
                                  const unsigned char *key,
                                  apr_size_t key_len,
                                  apr_interval_time_t hold)
{
    fake_store_t *f = s->baton;

    f->unclaims++;
    apr_hash_set(f->locked, key, (apr_ssize_t)key_len, NULL);
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

fake_op_t op;
fake_store_t fs;
oidc_store_t store;
oidc_http_t http;
oidc_log_t logger;
apr_array_header_t *log_lines;
oidc_rp_config_t cfg;
oidc_rp_dir_t dir;
oidc_rp_ctx_t ctx;

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
    cfg.login_timeout = OIDC_FLOW_MAX_AGE;
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
oidc_request_t *request(const char *method, const char *uri, ...)
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

oidc_request_t *browser(const char *uri, const char *cookie)
{
    return request("GET", uri, "Accept", "text/html,*/*;q=0.8",
                   "Sec-Fetch-Mode", "navigate", "Cookie", cookie, NULL);
}

/* "name=value" of a Set-Cookie value. */
const char *pair_of(const char *set_cookie)
{
    const char *semi = strchr(set_cookie, ';');
    return semi ? apr_pstrmemdup(unit_pool, set_cookie,
                                 (apr_size_t)(semi - set_cookie))
                : set_cookie;
}

/* The Set-Cookie for name (exact), or NULL. */
const char *set_cookie_for(const oidc_rp_result_t *res, const char *name)
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

apr_table_t *location_query(const oidc_rp_result_t *res)
{
    apr_table_t *t;
    const char *q = strchr(res->location, '?');

    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(oidc_params_parse(unit_pool, q + 1, 8192, &t),
                     OIDC_PARAMS_OK);
    return t;
}

started_t start(const char *uri, const char *cookie)
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

const char *id_token_with(const char *nonce, const char *aud)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:[s,s]}",
                          "iss", ISSUER, "sub", SUB, "aud", aud,
                          "exp", (json_int_t)(NOW_SEC + 300),
                          "iat", (json_int_t)NOW_SEC, "nonce", nonce,
                          "email", "alice@example.com",
                          "groups", "admins", "users");
    return unit_jws_sign_claims(unit_pool, &unit_rsa1, "rsa-1", c);
}

void op_issues(const char *id_token)
{
    op.token_status = 200;
    op.token_body = apr_psprintf(
        unit_pool,
        "{\"access_token\":\"" ACCESS_TOKEN "\",\"token_type\":\"Bearer\","
        "\"expires_in\":300,\"id_token\":\"%s\"}", id_token);
}

oidc_request_t *callback_req(const char *query, const char *cookie)
{
    return browser(apr_pstrcat(unit_pool, "/oidc/callback?", query, NULL),
                   cookie);
}

/* When the store may forget the session record of this id. */
apr_time_t stored_expiry(const char *id)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];
    entry_t *e;

    oidc_session_store_key(id, key);
    e = apr_hash_get(fs.h, key, sizeof(key));
    ck_assert_ptr_nonnull(e);
    return e->expiry;
}

int stored(const char *id)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];

    oidc_session_store_key(id, key);
    return apr_hash_get(fs.h, key, sizeof(key)) != NULL;
}

int ended(const char *id)
{
    unsigned char key[OIDC_SESSION_STORE_KEY_LEN];

    oidc_session_store_key(id, key);
    return oidc_session_was_ended(&store, unit_pool, key);
}

/* The OP's redirect back to us, for the flow st started. */
void run_callback(const started_t *st, oidc_rp_result_t *res)
{
    oidc_rp_callback(&ctx, callback_req(apr_pstrcat(unit_pool, "code=" CODE
                                                    "&state=", st->state,
                                                    NULL), st->flow_cookie),
                     res);
}

void assert_no_secret_logged(const char *secret)
{
    int i;
    for (i = 0; i < log_lines->nelts; i++) {
        const char *line = APR_ARRAY_IDX(log_lines, i, const char *);
        ck_assert_msg(!unit_contains(line, secret), "logged a secret: %s",
                      line);
    }
}

/* Whether a line containing text was logged. */
int logged(const char *text)
{
    int i;
    for (i = 0; i < log_lines->nelts; i++) {
        if (unit_contains(APR_ARRAY_IDX(log_lines, i, const char *), text)) {
            return 1;
        }
    }
    return 0;
}

const char *sign_in(void)
{
    started_t st = start("/", NULL);
    oidc_rp_result_t res;

    op_issues(id_token_with(st.nonce, CLIENT_ID));
    run_callback(&st, &res);
    ck_assert_int_eq(res.kind, OIDC_RP_REDIRECT);
    return res.session_id;
}

/* The claims of an ID token of sub for nonce, with sid when not NULL. */
static const char *id_token_of(const char *nonce, const char *sub,
                               const char *sid)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}",
                          "iss", ISSUER, "sub", sub, "aud", CLIENT_ID,
                          "exp", (json_int_t)(NOW_SEC + 300),
                          "iat", (json_int_t)NOW_SEC, "nonce", nonce);

    if (sid != NULL) {
        json_object_set_new(c, "sid", json_string(sid));
    }
    return unit_jws_sign_claims(unit_pool, &unit_rsa1, "rsa-1", c);
}

const char *sign_in_as(const char *sub, const char *sid,
                       const char **id_token)
{
    started_t st = start("/", NULL);
    const char *tok = id_token_of(st.nonce, sub, sid);
    oidc_rp_result_t res;

    op_issues(tok);
    run_callback(&st, &res);
    ck_assert_msg(res.kind == OIDC_RP_REDIRECT, "sign-in: status %d: %s",
                  res.status, res.message);
    if (id_token != NULL) {
        *id_token = tok;
    }
    return res.session_id;
}

/* A store that vouches for its records (a counter per key, as shmcb's),
 * and a cache of `slots` opened sessions of images up to max_record. */
void keep_sessions(apr_size_t slots, apr_size_t max_record)
{
    store.generation = store_generation;
    cfg.cache = oidc_session_cache_create(unit_pool, slots, max_record);
    ck_assert_ptr_nonnull(cfg.cache);
}

TCase *rp_tcase(const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    return tc;
}
