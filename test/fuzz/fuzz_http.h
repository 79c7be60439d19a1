/* fuzz_http.h: an HTTP client for the core that answers every request with
 * the fuzz input, as an OP's response body with a given status. */
#ifndef FUZZ_HTTP_H
#define FUZZ_HTTP_H

#include "fuzz.h"
#include "core/http/oidc_http.h"

typedef struct {
    oidc_http_t http;     /* first: the core passes &http back */
    int status;
    const char *body;     /* NUL-terminated, as the transport gives it */
    apr_size_t len;
} fuzz_http_t;

void fuzz_http_init(fuzz_http_t *fh, int status, const char *body,
                    apr_size_t len);

#endif
