/*
 * oidc_core.h: what every part of the protocol core shares.
 *
 * The core never includes an httpd header. It reaches the outside world
 * only through the small interfaces passed in here: a logger, a clock, an
 * HTTP client (oidc_http.h) and a store (oidc_store.h).
 */
#ifndef OIDC_CORE_H
#define OIDC_CORE_H

#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

/* Log levels, in the order httpd's APLOG_* use. */
typedef enum {
    OIDC_LOG_ERR = 3,
    OIDC_LOG_WARN = 4,
    OIDC_LOG_NOTICE = 5,
    OIDC_LOG_INFO = 6,
    OIDC_LOG_DEBUG = 7,
    OIDC_LOG_TRACE1 = 8
} oidc_log_level_t;

typedef struct oidc_log_t {
    /* tag: a stable, greppable word such as "oidc-state". Never put a token,
     * code, secret or cookie value in msg. */
    void (*write)(const struct oidc_log_t *log, oidc_log_level_t level,
                  const char *tag, const char *msg);
    void *baton;
} oidc_log_t;

/* Formats into a bounded buffer (long messages are cut) and writes. */
void oidc_log(const oidc_log_t *log, oidc_log_level_t level, const char *tag,
              const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

typedef apr_time_t (*oidc_clock_fn)(void);

/* What a session or a login flow is bound to: the configuration protecting
 * a request must name the same issuer and client for it to open there. */
typedef struct {
    const char *iss;
    const char *client_id;
} oidc_binding_t;

/* Bounds on everything a client or an OP controls. */
#define OIDC_MAX_JWT_LEN          (32 * 1024)
#define OIDC_MAX_JSON_LEN         (256 * 1024)
#define OIDC_MAX_HTTP_BODY        (512 * 1024)
#define OIDC_MAX_URL_LEN          4096
#define OIDC_MAX_PARAMS           32
/* The Cookie header is read up to this many bytes (httpd's
 * LimitRequestFieldSize caps it at 8190 by default), whatever the count. */
#define OIDC_MAX_COOKIE_HEADER    (64 * 1024)
#define OIDC_MAX_CLAIMS           256
#define OIDC_MAX_JWKS_KEYS        64

#endif
