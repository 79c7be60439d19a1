/*
 * oidc_session_index.h: finding the sessions of an OP session (sid) or of a
 * user (sub), for back- and front-channel logout, on every node that shares
 * the store.
 *
 * An index record lists the store keys (hashes) of sessions, never their
 * ids, so a store dump still reveals nothing usable. ap_socache has no
 * atomic update, so an add is written and read back, and retried when a
 * concurrent add overwrote it.
 */
#ifndef OIDC_SESSION_INDEX_H
#define OIDC_SESSION_INDEX_H

#include "core/util/oidc_core.h"
#include "core/session/oidc_store.h"
#include "core/session/oidc_session.h"

#define OIDC_SESSION_INDEX_MAX 32   /* sessions per sid or sub; oldest drop */

typedef enum { OIDC_INDEX_SID, OIDC_INDEX_SUB } oidc_index_kind_t;

void oidc_session_index_key(apr_pool_t *p, oidc_index_kind_t kind,
                            const char *iss, const char *value,
                            unsigned char key[32]);

/* Adds a session's store key to the index; expiry is the session's. */
apr_status_t oidc_session_index_add(const oidc_store_t *store, apr_pool_t *p,
                                    const unsigned char index_key[32],
                                    const unsigned char session_key[32],
                                    apr_time_t expiry);

/* Ends every session the index lists (oidc_session_end), then deletes the
 * index; *ended counts the records there were. APR_NOTFOUND when there was
 * no index. */
apr_status_t oidc_session_index_end_all(const oidc_store_t *store,
                                        apr_pool_t *p,
                                        const unsigned char index_key[32],
                                        apr_time_t mark_expiry, int *ended);

#endif
