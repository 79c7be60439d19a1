/* mod_authnz_oidc_view.h: the core's view of a request_rec. */
#ifndef MOD_AUTHNZ_OIDC_VIEW_H
#define MOD_AUTHNZ_OIDC_VIEW_H

#include <httpd.h>

#include "mod/mod_authnz_oidc_config.h"
#include "core/rp/oidc_rp.h"

/* What the core's flows get for one request: its view, its logger and
 * the context (pool, config, transport, store, clock). */
typedef struct {
    oidc_request_t view;
    oidc_log_t log;
    oidc_rp_ctx_t ctx;
} mod_oidc_request_t;

void mod_oidc_request_init(mod_oidc_request_t *g, request_rec *r,
                           const mod_oidc_server_config_t *c);

#endif
