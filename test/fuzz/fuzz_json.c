/*
 * fuzz_json.c: the fast JSON reader against jansson. Whatever the fast
 * reader takes must be a document jansson takes, with an equal value;
 * anything else it must leave to jansson.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "core/util/oidc_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *fast = NULL;
    json_t *want = json_loadb((const char *)data, size,
                              JSON_REJECT_DUPLICATES, &err);

    if (oidc_json_load_fast((const char *)data, size, &fast)
        && (want == NULL || !json_equal(fast, want))) {
        abort();
    }
    json_decref(fast);
    json_decref(want);
    return 0;
}
