/*
 * fuzz_params.c: query strings and form bodies, with the bounds the module
 * parses them under: the callback query (8192), the logout and
 * front-channel logout queries (4096) and the back-channel logout form.
 */
#include "fuzz.h"
#include "core/util/oidc_params.h"

static const char *const names[] = {
    "state", "code", "error", "error_description", "iss", "return_to",
    "sid", "logout_token", NULL
};

static void parse(apr_pool_t *p, const char *text, apr_size_t max_len)
{
    apr_table_t *params;
    int i;

    if (oidc_params_parse(p, text, max_len, &params) != OIDC_PARAMS_OK) {
        return;
    }
    for (i = 0; names[i] != NULL; i++) {
        (void)apr_table_get(params, names[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *text = fuzz_cstr(p, data, size);

    parse(p, text, 8192);
    parse(p, text, 4096);
    parse(p, text, OIDC_MAX_JWT_LEN + 64);
    apr_pool_destroy(p);
    return 0;
}
