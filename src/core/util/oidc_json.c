/* oidc_json.c: jansson, with the pool owning what it returns. */
#include <stdlib.h>

#include "core/util/oidc_json.h"

static apr_status_t json_release(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *oidc_json_pool_own(apr_pool_t *p, json_t *json)
{
    if (json != NULL) {
        apr_pool_cleanup_register(p, json, json_release,
                                  apr_pool_cleanup_null);
    }
    return json;
}

json_t *oidc_json_parse(apr_pool_t *p, const char *text, apr_size_t len)
{
    json_error_t err;

    if (text == NULL || len > OIDC_MAX_JSON_LEN) {
        return NULL;
    }
    return oidc_json_pool_own(p, json_loadb(text, len,
                                            JSON_REJECT_DUPLICATES, &err));
}

const char *oidc_json_str(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *oidc_json_dump(apr_pool_t *p, const json_t *json)
{
    char *text = json_dumps(json, JSON_COMPACT);
    const char *copy;

    if (text == NULL) {
        return NULL;
    }
    copy = apr_pstrdup(p, text);
    free(text);
    return copy;
}
