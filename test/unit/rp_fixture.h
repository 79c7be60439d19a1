/* rp_fixture.h: what the Relying Party's tests share (test_rp_*.c, one
 * file a flow, as src/core/rp/ is split): a fake OP (HTTP client), a fake
 * store, a logger that keeps its lines, a fixed clock, and the requests
 * and logins the tests make. Each test starts from a fresh environment
 * (rp_tcase). */
#ifndef RP_FIXTURE_H
#define RP_FIXTURE_H

#include <apr_hash.h>

#include "unit.h"
#include "core/rp/oidc_rp.h"
#include "core/session/oidc_session.h"

#define ISSUER "https://op.example"
#define ORIGIN "https://site.example"
#define CLIENT_ID "client-1"
extern const oidc_binding_t rp_binding;
#define CLIENT_SECRET "client-secret-value"
#define COOKIE "oidc_session"
#define CODE "SplxlOBeZQQYbYS6WxSbIA"
#define ACCESS_TOKEN "access-token-value-123"
#define SUB "248289761001"
#define NOW_SEC APR_INT64_C(1700000000)
#define NOW apr_time_from_sec(NOW_SEC)

/* ---- the fake OP ------------------------------------------------------ */

/* What the fake OP's PAR endpoint hands out. */
#define FAKE_REQUEST_URI "urn:ietf:params:oauth:request_uri:abc-123"

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
    int jwks_status;            /* the JWKS answer's status; 0: 200 */
    apr_interval_time_t jwks_delay;   /* how long the JWKS answer takes */
    int revoke_calls;
    const char *revoke_forms;   /* the revocation requests' forms, by "|" */
    int par_calls;              /* pushed authorization requests (/par) */
    const char *par_form, *par_authorization;
    int par_status;             /* its answer; 0: 201 */
    const char *par_body;       /* NULL: a request_uri */
} fake_op_t;


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

/* ---- the environment, made afresh for each test ----------------------- */

extern fake_op_t op;
extern fake_store_t fs;
extern oidc_store_t store;
extern oidc_http_t http;
extern oidc_log_t logger;
extern apr_array_header_t *log_lines;   /* "tag: message" of each line */
extern oidc_rp_config_t cfg;
extern oidc_rp_dir_t dir;
extern oidc_rp_ctx_t ctx;

/* A test case whose tests each start from that environment. */
TCase *rp_tcase(const char *name);

/* ---- requests --------------------------------------------------------- */

/* A request; headers as name, value pairs, NULL-terminated. The context's
 * pool is a fresh per-request pool, as in httpd. */
oidc_request_t *request(const char *method, const char *uri, ...);
/* A browser's top-level navigation, with these cookies (or none: NULL). */
oidc_request_t *browser(const char *uri, const char *cookie);
/* The OP's redirect back to the callback, with this query. */
oidc_request_t *callback_req(const char *query, const char *cookie);

/* ---- results ----------------------------------------------------------- */

/* "name=value" of a Set-Cookie value. */
const char *pair_of(const char *set_cookie);
/* The Set-Cookie for name (exact), or NULL. */
const char *set_cookie_for(const oidc_rp_result_t *res, const char *name);
/* The parameters of the query of res->location. */
apr_table_t *location_query(const oidc_rp_result_t *res);

/* ---- logins ------------------------------------------------------------ */

/* A login started: what the browser carries to the OP and back. */
typedef struct {
    const char *state;
    const char *nonce;
    const char *challenge;
    const char *flow_cookie;    /* "name=value" */
} started_t;

/* A browser asks for uri without a session: the redirect to the OP. */
started_t start(const char *uri, const char *cookie);
/* An ID token of SUB for this nonce and audience, signed by rsa-1. */
const char *id_token_with(const char *nonce, const char *aud);
/* The token endpoint's next answer: this ID token and ACCESS_TOKEN. */
void op_issues(const char *id_token);
/* The OP's redirect back to us, for the flow st started. */
void run_callback(const started_t *st, oidc_rp_result_t *res);
/* A whole login of SUB at NOW; its session id. */
const char *sign_in(void);
/* A whole login of sub, whose ID token (given back in *id_token when not
 * NULL) names OP session sid (none: NULL); its session id. */
const char *sign_in_as(const char *sub, const char *sid,
                       const char **id_token);

/* ---- the store and the log -------------------------------------------- */

/* When the store may forget the session record of this id. */
apr_time_t stored_expiry(const char *id);
/* Whether the store holds the session record of this id. */
int stored(const char *id);
/* Whether the session of this id was ended (its "ended" mark is stored). */
int ended(const char *id);
/* A store that vouches for its records (a counter per key, as shmcb's),
 * and a cache of `slots` opened sessions of images up to max_record. */
void keep_sessions(apr_size_t slots, apr_size_t max_record);
/* Fails the test if a log line contains secret. */
void assert_no_secret_logged(const char *secret);
/* Whether a line containing text was logged. */
int logged(const char *text);

#endif
