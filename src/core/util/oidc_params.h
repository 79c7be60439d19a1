/* oidc_params.h: bounded parsing of query strings and form bodies. */
#ifndef OIDC_PARAMS_H
#define OIDC_PARAMS_H

#include "core/util/oidc_core.h"

typedef enum {
    OIDC_PARAMS_OK = 0,
    OIDC_PARAMS_TOO_MANY,      /* more than OIDC_MAX_PARAMS */
    OIDC_PARAMS_TOO_LONG,      /* input longer than max_len */
    OIDC_PARAMS_MALFORMED,     /* bad %-escape or NUL */
    OIDC_PARAMS_DUPLICATE      /* RFC 6749 §3.1: no parameter twice */
} oidc_params_status_t;

/* Parses a=b&c=d into a table of decoded names and values. */
oidc_params_status_t oidc_params_parse(apr_pool_t *p, const char *query,
                                       apr_size_t max_len,
                                       apr_table_t **out);

#endif
