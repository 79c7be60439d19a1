/*
 * fuzz_discovery.c: an OP's discovery document, checked against an https
 * issuer (every endpoint must be https) and an http one (test setups).
 */

#include "fuzz.h"
#include "core/proto/oidc_metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *text = fuzz_cstr(p, data, size);
    oidc_metadata_t *m;

    (void)oidc_metadata_parse(p, text, size, FUZZ_ISSUER, &m, NULL);
    (void)oidc_metadata_parse(p, text, size, "http://op.example:8080",
                              &m, NULL);
    apr_pool_destroy(p);
    return 0;
}
