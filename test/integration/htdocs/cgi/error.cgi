#!/bin/sh
# An admin's ErrorDocument: shows the reason the module left for it.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'ADMIN-ERROR-PAGE status=%s error=%s description=%s\n' \
    "$REDIRECT_STATUS" "$REDIRECT_OIDC_ERROR" "$REDIRECT_OIDC_ERROR_DESCRIPTION"
