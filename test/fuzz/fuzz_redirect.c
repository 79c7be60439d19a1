/*
 * fuzz_redirect.c: the open-redirect guard, with the targets the module
 * checks: a login's requested URL (path and query as the browser sent them)
 * and a logout's return_to parameter, against an https origin and an http
 * one with a port.
 */
#include "fuzz.h"
#include "core/util/oidc_params.h"
#include "core/http/oidc_redirect.h"

static void check(apr_pool_t *p, const char *target)
{
    (void)oidc_redirect_target(p, target, FUZZ_ORIGIN);
    (void)oidc_redirect_target(p, target, "http://app.example:8080");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *text = fuzz_cstr(p, data, size);
    apr_table_t *params;
    const char *wanted;

    check(p, text);
    wanted = oidc_params_parse(p, text, 4096, &params) == OIDC_PARAMS_OK
        ? apr_table_get(params, "return_to") : NULL;
    if (wanted != NULL) {
        check(p, wanted);
    }
    apr_pool_destroy(p);
    return 0;
}
