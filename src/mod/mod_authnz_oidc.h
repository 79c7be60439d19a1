/* mod_authnz_oidc.h: what the module record file (mod_authnz_oidc.c)
 * exports: the module itself, which every glue file names to reach its
 * configuration and to log under it. Only glue files include httpd. */
#ifndef MOD_AUTHNZ_OIDC_H
#define MOD_AUTHNZ_OIDC_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

APLOG_USE_MODULE(authnz_oidc);
extern module AP_MODULE_DECLARE_DATA authnz_oidc_module;

#define MOD_OIDC_AUTH_TYPE "oidc"

#endif
