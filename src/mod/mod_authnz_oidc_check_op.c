/* mod_authnz_oidc_check_op.c: the configtest checks that need the OP's
 * discovery document. Only `apachectl configtest` (httpd -t) asks the OP:
 * a start or a graceful restart must not wait for it. */
#include <httpd.h>
#include <http_log.h>
#include <http_core.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_check_op.h"
#include "mod/mod_authnz_oidc_startup.h"
#include "core/proto/oidc_metadata.h"

/* The OP's discovery, NULL (logged as a warning: configtest cannot tell
 * then, and a login will say) when it cannot be read. */
static const oidc_metadata_t *discovery(apr_pool_t *p, server_rec *s,
                                        const mod_oidc_server_config_t *c)
{
    const oidc_http_t *http;
    oidc_http_req_t req = { "GET", NULL, NULL, NULL };
    oidc_http_resp_t resp;
    oidc_metadata_t *meta = NULL;
    const char *err = NULL;

    if (oidc_http_curl_global_init() != APR_SUCCESS) {
        return NULL;
    }
    http = mod_oidc_http_client(p, c);
    req.url = oidc_metadata_url(p, c->issuer);
    if (http->send(http, p, &req, &resp, &err) != APR_SUCCESS) {
        /* err names the failure already. */
    }
    else if (resp.status != 200) {
        err = apr_psprintf(p, "HTTP %d", resp.status);
    }
    else {
        err = oidc_metadata_parse(p, resp.body, resp.len, c->issuer, &meta,
                                  NULL);
    }
    if (meta == NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "[oidc-config] could "
                     "not read %s to check AuthOIDCPushedAuthorization on: %s",
                     req.url, err ? err : "(no detail)");
    }
    return meta;
}

const char *mod_oidc_check_op(apr_pool_t *p, server_rec *s,
                              const mod_oidc_server_config_t *c)
{
    const oidc_metadata_t *meta;

    if (ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_CONFIG_TEST
        || mod_oidc_cfg_par(c) != OIDC_PAR_ON) {
        return NULL;
    }
    meta = discovery(p, s, c);
    if (meta != NULL && meta->par_endpoint == NULL) {
        return apr_psprintf(p, "AuthOIDCPushedAuthorization on, but %s "
                            "names no pushed_authorization_request_endpoint: "
                            "use auto (push when the OP requires it) or off",
                            oidc_metadata_url(p, c->issuer));
    }
    return NULL;
}
