/* oidc_json.h: JSON text to jansson values owned by a pool. */
#ifndef OIDC_JSON_H
#define OIDC_JSON_H

#include <jansson.h>
#include "core/util/oidc_core.h"

/* Parses JSON text, an object or array at the top, with jansson:
 * a member appearing twice, \u0000 and anything over OIDC_MAX_JSON_LEN
 * are refused. The value is released with the pool; NULL on refusal. */
json_t *oidc_json_parse(apr_pool_t *p, const char *text, apr_size_t len);

/* Makes the pool release a JSON value (a new reference); returns it. */
json_t *oidc_json_pool_own(apr_pool_t *p, json_t *json);

/* Compact JSON text of a value, in the pool; NULL when jansson fails. */
const char *oidc_json_dump(apr_pool_t *p, const json_t *json);

/* A member's string value, or NULL if absent or not a string. */
const char *oidc_json_str(const json_t *obj, const char *name);

#endif
