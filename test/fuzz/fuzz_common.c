/* fuzz_common.c: APR set-up and input splitting for the fuzz targets. */
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>

#include "fuzz.h"

apr_pool_t *fuzz_pool(void)
{
    static int initialised;
    apr_pool_t *p;

    if (!initialised) {
        if (apr_initialize() != APR_SUCCESS) {
            abort();
        }
        atexit(apr_terminate);
        initialised = 1;
    }
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        abort();
    }
    return p;
}

const char *fuzz_cstr(apr_pool_t *p, const uint8_t *data, size_t size)
{
    /* apr_pstrmemdup copies exactly size bytes; the string then ends at the
     * first NUL, as it would have in httpd. */
    return apr_pstrmemdup(p, (const char *)data, size);
}

void fuzz_split(apr_pool_t *p, const uint8_t *data, size_t size,
                const char **head, const uint8_t **rest, size_t *rest_len)
{
    const uint8_t *nl = memchr(data, '\n', size);

    if (nl == NULL) {
        *head = fuzz_cstr(p, data, size);
        *rest = NULL;
        *rest_len = 0;
        return;
    }
    *head = fuzz_cstr(p, data, (size_t)(nl - data));
    *rest = nl + 1;
    *rest_len = size - (size_t)(nl - data) - 1;
}
