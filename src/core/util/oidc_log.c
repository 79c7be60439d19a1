/* oidc_log.c: formatting for the logger interface. */
#include <stdarg.h>
#include <apr_lib.h>

#include "core/util/oidc_core.h"

void oidc_log(const oidc_log_t *log, oidc_log_level_t level, const char *tag,
              const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    if (log == NULL || log->write == NULL) {
        return;
    }
    va_start(ap, fmt);
    apr_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log->write(log, level, tag, buf);
}
