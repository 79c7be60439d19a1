/* oidc_json.h: JSON text to jansson values, on the login path's budget. */
#ifndef OIDC_JSON_H
#define OIDC_JSON_H

#include <jansson.h>
#include "core/util/oidc_core.h"

/* Deeper documents are left to jansson (whose own limit is 2048). */
#define OIDC_JSON_FAST_DEPTH 32

/* A new reference to the document's value, or NULL: exactly what jansson's
 * json_loadb(text, len, JSON_REJECT_DUPLICATES) gives, value or refusal.
 * The documents an OP sends are read by oidc_json_load_fast; the rest
 * (and anything malformed) by jansson. */
json_t *oidc_json_load(const char *text, apr_size_t len);

/* The fast reader alone. 1 with a new reference in *out when the document
 * is one it reads: an object or array at the top, no more than
 * OIDC_JSON_FAST_DEPTH deep, strings of UTF-8 with any escape but
 * \u0000, integers of up to 18 digits, true, false, null, no key twice.
 * 0 for anything else, valid or not (a fraction or exponent, a longer
 * integer), leaving it to jansson. */
int oidc_json_load_fast(const char *text, apr_size_t len, json_t **out);

#endif
