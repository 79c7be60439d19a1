/* mod_authnz_oidc_authz.c: `Require oidc-claim NAME VALUE...`, an ordinary
 * httpd authz provider, so it composes with <RequireAll>/<RequireAny>. */
#include <string.h>
#include <ap_provider.h>
#include <http_request.h>
#include <mod_auth.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/mod_authnz_oidc_authz.h"
#include "mod/mod_authnz_oidc_request.h"
#include "core/proto/oidc_claims.h"

typedef struct {
    const char *claim;
    apr_array_header_t *values;
} claim_rule_t;

static const char *parse_claim_rule(cmd_parms *cmd, const char *line,
                                    const void **parsed)
{
    claim_rule_t *rule = apr_pcalloc(cmd->pool, sizeof(*rule));
    const char *w;

    rule->claim = ap_getword_conf(cmd->pool, &line);
    rule->values = apr_array_make(cmd->pool, 4, sizeof(const char *));
    while (*(w = ap_getword_conf(cmd->pool, &line)) != '\0') {
        APR_ARRAY_PUSH(rule->values, const char *) = w;
    }
    if (*rule->claim == '\0' || rule->values->nelts == 0) {
        return "Require oidc-claim needs a claim name and at least one value, "
               "such as: Require oidc-claim groups admins";
    }
    if (strchr(rule->claim, '%') != NULL) {
        return "Require oidc-claim does not take expressions";
    }
    *parsed = rule;
    return NULL;
}

static authz_status check_claim(request_rec *r, const char *line,
                                const void *parsed)
{
    const claim_rule_t *rule = parsed;
    mod_oidc_request_state_t *st;

    if (r->user == NULL) {
        return AUTHZ_DENIED_NO_USER;
    }
    st = mod_oidc_request_state(r);
    if (st == NULL || mod_oidc_request_claims(st) == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "[oidc-authz] Require oidc-claim in a location whose "
                      "user was not authenticated by AuthType oidc");
        return AUTHZ_DENIED;
    }
    if (oidc_claims_match(r->pool, mod_oidc_request_claims(st), rule->claim,
                          rule->values)) {
        return AUTHZ_GRANTED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "[oidc-authz] user %s denied: claim %s has none of the "
                  "required values", r->user, rule->claim);
    return AUTHZ_DENIED;
}

static const authz_provider claim_provider = {
    &check_claim,
    &parse_claim_rule,
};

void mod_oidc_authz_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "oidc-claim",
                              AUTHZ_PROVIDER_VERSION, &claim_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
