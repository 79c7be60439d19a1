/* oidc_rp_callback.c: the OP sends the browser back to the redirect URI:
 * the flow it belongs to, the code for tokens, the ID token, the session. */
#include <string.h>
#include <apr_escape.h>

#include "core/rp/oidc_rp_internal.h"
#include "core/http/oidc_cookie.h"
#include "core/session/oidc_flow.h"
#include "core/session/oidc_session_index.h"
#include "core/util/oidc_params.h"

#define STATE_USED_LABEL "mod_authnz_oidc used state"

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
        || oidc_rp_load_session(ctx, id, &s) != OIDC_LOOKUP_FOUND) {
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
                         cfg->cookie_name, state, ctx->now,
                         cfg->login_timeout, &flow);
    if (fst != OIDC_FLOW_BAD_STATE) {
        /* Whatever happens next, this flow is over. */
        oidc_rp_add_cookie(res, oidc_cookie_make(p, oidc_flow_cookie_name(
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
    if (fst == OIDC_FLOW_EXPIRED && flow != NULL) {
        res->location = flow->return_to;   /* offered as a link to retry */
    }
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
    cookies = oidc_rp_request_cookies(ctx, req);
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
    oidc_outcome_t tst;

    tst = oidc_token_exchange_code(ctx->pool, ctx->http,
                                   op->meta->token_endpoint,
                                   &ctx->cfg->client, code,
                                   flow->redirect_uri, flow->verifier, tok,
                                   &detail);
    if (tst != OIDC_OUTCOME_OK) {
        oidc_log(ctx->log, OIDC_LOG_ERR, "oidc-token",
                 "token request to %s failed: %s", op->meta->token_endpoint,
                 detail ? detail : "unknown error");
        oidc_rp_fail(res, oidc_outcome_http_status(tst),
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

    if (oidc_rp_seen_before(ctx, STATE_USED_LABEL, flow->state,
                    ctx->cfg->login_timeout + OIDC_FLOW_GRACE, &store_down)) {
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

/* The ID token of the token response, verified against this flow's
 * nonce. NULL with res filled in when it fails. */
static oidc_idtoken_t *verified_id_token(const oidc_rp_ctx_t *ctx,
                                         const oidc_provider_snapshot_t **op,
                                         const oidc_flow_t *flow,
                                         const oidc_token_resp_t *tok,
                                         oidc_rp_result_t *res)
{
    oidc_idtoken_params_t prm;
    oidc_idtoken_t *idt;
    oidc_idtoken_status_t ist;
    const char *detail;

    memset(&prm, 0, sizeof(prm));
    prm.issuer = (*op)->meta->issuer;
    prm.client_id = ctx->cfg->client.id;
    prm.nonce = flow->nonce;
    prm.access_token = tok->access_token;
    prm.now = ctx->now;
    prm.skew = ctx->cfg->skew;
    prm.iat_max_age = OIDC_RP_IAT_MAX_AGE;
    ist = oidc_rp_validate_id_token(ctx, op, tok->id_token, &prm, &idt,
                                    &detail);
    if (ist != OIDC_IDTOKEN_OK) {
        oidc_log(ctx->log, OIDC_LOG_WARN, "oidc-idtoken",
                 "ID token rejected (%s): %s", oidc_idtoken_status_name(ist),
                 detail ? detail : "");
        oidc_rp_fail(res, 401, "invalid_token",
             "The identity provider's answer could not be verified.");
        res->challenge = 1;
        return NULL;
    }
    return idt;
}

/* The session the tokens make, with UserInfo claims when configured.
 * NULL with res filled in when its claims cannot be kept. */
static oidc_session_t *session_from_tokens(const oidc_rp_ctx_t *ctx,
                                           const oidc_provider_snapshot_t *op,
                                           const oidc_token_resp_t *tok,
                                           const oidc_idtoken_t *idt,
                                           oidc_rp_result_t *res)
{
    const oidc_rp_config_t *cfg = ctx->cfg;
    oidc_session_t *s = apr_pcalloc(ctx->pool, sizeof(*s));
    const json_t *claims = idt->claims;

    s->created = s->last_seen = ctx->now;
    s->access_issued = ctx->now;
    s->access_expires = tok->expires_in >= 0 ? ctx->now + tok->expires_in : 0;
    s->iss = cfg->issuer;
    s->client_id = cfg->client.id;
    s->sub = idt->sub;
    s->sid = idt->sid;
    s->id_token = tok->id_token;
    s->id_claims = idt->claims;
    s->access_token = tok->access_token;
    s->refresh_token = tok->refresh_token;
    if (cfg->userinfo) {
        const json_t *merged = oidc_rp_claims_with_userinfo(
            ctx, op, tok->access_token, idt->sub, idt->claims);
        s->userinfo_at = ctx->now;
        if (merged != NULL) {
            claims = merged;
        }
    }
    if (oidc_session_set_claims_doc(ctx->pool, s, claims) != APR_SUCCESS) {
        oidc_rp_fail(res, 500, "server_error",
                     "Sign-in could not be completed.");
        return NULL;
    }
    return s;
}

/* Stores s under a fresh id, sets its cookie and sends the browser on. A
 * fresh id at every login: a session id planted before login (session
 * fixation) never becomes an authenticated one. */
static void sign_in(const oidc_rp_ctx_t *ctx, const oidc_request_t *req,
                    const apr_array_header_t *cookies,
                    const oidc_flow_t *flow, oidc_session_t *s,
                    oidc_rp_result_t *res)
{
    apr_pool_t *p = ctx->pool;
    const char *cookie = ctx->cfg->cookie_name;
    const char *old_id = oidc_cookie_get(cookies, cookie), *id;

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
    oidc_rp_add_cookie(res, oidc_cookie_make(p, cookie, id, req->secure, -1));
    index_session(ctx, id, s);
    oidc_log(ctx->log, OIDC_LOG_INFO, "oidc-login",
             "signed in subject %s", s->sub);
    res->kind = OIDC_RP_REDIRECT;
    res->status = 302;
    res->location = flow->return_to;
    res->session = s;
    res->session_id = id;
}

/* A callback whose flow opened: the response is checked, its code
 * redeemed, the ID token verified, and the session made. */
static void callback_with_flow(const oidc_rp_ctx_t *ctx,
                               const oidc_request_t *req, apr_table_t *params,
                               const apr_array_header_t *cookies,
                               oidc_flow_t *flow, oidc_rp_result_t *res)
{
    const oidc_provider_snapshot_t *op;
    const char *code = apr_table_get(params, "code");
    oidc_token_resp_t tok;
    oidc_idtoken_t *idt;
    oidc_session_t *s;

    if (oidc_rp_provider_failed(ctx, res,
                                oidc_provider_get(ctx->cfg->provider,
                                                  ctx->pool, ctx->http,
                                                  ctx->log, ctx->now, &op))
        || !response_usable(ctx, op, code, apr_table_get(params, "iss"), res)
        || !redeem_code(ctx, op, code, flow, &tok, res)
        || !state_first_use(ctx, req, cookies, flow, res)
        || (idt = verified_id_token(ctx, &op, flow, &tok, res)) == NULL
        || (s = session_from_tokens(ctx, op, &tok, idt, res)) == NULL) {
        return;
    }
    sign_in(ctx, req, cookies, flow, s, res);
}
