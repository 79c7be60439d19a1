/*
 * fuzz_claims.c: claim-name paths and claim values, as `Require oidc-claim`,
 * AuthOIDCRemoteUserClaim and the claim export use them.
 *
 * Input: a claim path ("realm_access.roles"), '\n', the required values
 * separated by spaces, '\n', then the claims as JSON. When the JSON is not
 * an object, a fixed set of nested claims stands in, so paths are still
 * looked up in something.
 */
#include <string.h>

#include "fuzz.h"
#include "core/proto/oidc_claims.h"
#include "core/util/oidc_json.h"

#define DEFAULT_CLAIMS \
    "{\"sub\":\"u1\",\"email\":\"u1@example.com\",\"n\":42,\"ok\":true," \
    "\"groups\":[\"admins\",\"users\",7],\"a.b\":\"dotted\"," \
    "\"realm_access\":{\"roles\":[\"r1\",\"r2\"],\"x\":{\"y\":{\"z\":\"deep\"}}}}"

static void export_one(void *baton, const char *name, const char *value)
{
    (void)baton;
    (void)name;
    (void)value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *path, *line, *json_text;
    const uint8_t *rest, *json_bytes = NULL;
    size_t rest_len, json_len = 0;
    apr_array_header_t *values = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *flat;
    json_t *claims;
    char *words, *word, *last;

    fuzz_split(p, data, size, &path, &rest, &rest_len);
    line = "";
    if (rest != NULL) {
        fuzz_split(p, rest, rest_len, &line, &json_bytes, &json_len);
    }
    words = apr_pstrdup(p, line);
    for (word = apr_strtok(words, " ", &last); word != NULL;
         word = apr_strtok(NULL, " ", &last)) {
        APR_ARRAY_PUSH(values, const char *) = word;
    }
    json_text = json_bytes ? fuzz_cstr(p, json_bytes, json_len) : NULL;
    claims = oidc_json_parse(p, json_text, json_len);
    if (!json_is_object(claims)) {
        claims = oidc_json_parse(p, DEFAULT_CLAIMS, strlen(DEFAULT_CLAIMS));
    }

    (void)oidc_claims_lookup(claims, path);
    (void)oidc_claims_match(p, claims, path, values);
    (void)oidc_claims_string(p, claims, path);
    flat = oidc_claims_flatten(p, claims);
    (void)oidc_claims_flat_string(flat, path);
    oidc_claims_export_flat(p, flat, "OIDC_CLAIM_", export_one, NULL);
    apr_pool_destroy(p);
    return 0;
}
