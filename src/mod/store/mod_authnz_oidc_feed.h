/* mod_authnz_oidc_feed.h: redis reports to each process the session keys
 * that changed. */
#ifndef MOD_AUTHNZ_OIDC_FEED_H
#define MOD_AUTHNZ_OIDC_FEED_H

#include <httpd.h>
#include <apr_tables.h>

typedef struct mod_oidc_feed_t mod_oidc_feed_t;
/* A change feed reports each key that changed; when it cannot say which
 * (redis flushed, a gap in what it followed), it moves its epoch instead,
 * and every record kept under the old one is read again. */
typedef void (*mod_oidc_feed_changed_fn)(void *baton, const unsigned char *key,
                                         apr_size_t len);
/* servers: mod_oidc_store_server_t; label names them in the log. */
mod_oidc_feed_t *mod_oidc_feed_make(apr_pool_t *pconf, server_rec *s,
                                    const apr_array_header_t *servers,
                                    const char *label, const char *prefix,
                                    mod_oidc_feed_changed_fn changed,
                                    void *baton, const char **err);
void mod_oidc_feed_child_init(mod_oidc_feed_t *w, apr_pool_t *pchild);
/* 0 unless every change redis has sent this process so far is known;
 * else its epoch (mod_oidc_feed_changed_fn). */
apr_uint64_t mod_oidc_feed_epoch(mod_oidc_feed_t *w);

#endif
