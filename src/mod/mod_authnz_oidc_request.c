/* mod_authnz_oidc_request.c: the per-request view of an authenticated
 * user, kept in the initial request's request_config. */
#include <string.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_request.h"
#include "core/util/oidc_json.h"

mod_oidc_request_state_t *mod_oidc_request_state(request_rec *r)
{
    /* Subrequests and internal redirects reuse the initial request's. */
    for (; r != NULL; r = r->main ? r->main : r->prev) {
        mod_oidc_request_state_t *st = ap_get_module_config(
            r->request_config, &authnz_oidc_module);
        if (st != NULL) {
            return st;
        }
    }
    return NULL;
}

mod_oidc_request_state_t *mod_oidc_request_state_make(
    request_rec *r, const oidc_session_t *session)
{
    mod_oidc_request_state_t *st = apr_pcalloc(r->pool, sizeof(*st));

    st->pool = r->pool;
    st->session = session;
    return st;
}

void mod_oidc_request_state_set(request_rec *r, mod_oidc_request_state_t *st)
{
    ap_set_module_config(r->request_config, &authnz_oidc_module, st);
}

const json_t *mod_oidc_request_claims(mod_oidc_request_state_t *st)
{
    if (st->claims == NULL && st->session != NULL) {
        const char *text = oidc_session_claims(st->pool, st->session);
        st->claims = text ? oidc_json_parse(st->pool, text, strlen(text))
                          : NULL;
    }
    return json_is_object(st->claims) ? st->claims : NULL;
}
