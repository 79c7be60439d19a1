/* mod_authnz_oidc_directives.h: the directive table. */
#ifndef MOD_AUTHNZ_OIDC_DIRECTIVES_H
#define MOD_AUTHNZ_OIDC_DIRECTIVES_H

#include <httpd.h>
#include <http_config.h>

extern const command_rec mod_oidc_directives[];

#endif
