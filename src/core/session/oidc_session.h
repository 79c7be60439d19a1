/*
 * oidc_session.h: the server-side session.
 *
 * The browser holds only a random 256-bit id. The store key is a hash of
 * it, and the record is sealed with AES-256-GCM under the session key with
 * the id and the session's binding (the issuer and client that made it) as
 * associated data: a store dump reveals nothing, a record moved to another
 * key does not open, and a session made for one provider or client (say,
 * another virtual host sharing the store and the key) never opens for
 * another.
 */
#ifndef OIDC_SESSION_H
#define OIDC_SESSION_H

#include <jansson.h>

#include "core/proto/oidc_claims.h"
#include "core/util/oidc_core.h"
#include "core/session/oidc_store.h"

#define OIDC_SESSION_ID_LEN 43
#define OIDC_SESSION_STORE_KEY_LEN 32

typedef struct {
    apr_time_t created;
    apr_time_t last_seen;       /* as of the last store write */
    apr_time_t access_issued;   /* when the access token was obtained */
    apr_time_t access_expires;  /* 0 when unknown */
    apr_time_t userinfo_at;     /* last userinfo fetch, 0 when never */
    const char *iss;
    const char *client_id;      /* with iss, what the session is bound to */
    const char *sub;
    const char *sid;            /* the OP's session id, for logout */
    const char *id_token;
    const char *access_token;
    const char *refresh_token;
    const char *claims;         /* JSON object text; NULL after opening a
                                 * record whose claims are the ID token's:
                                 * read them with oidc_session_claims */
    /* The claims flattened for export (oidc_lock_t), stored with the
     * record, so that requests need no JSON parse. */
    const apr_array_header_t *flat;
    /* The names flat is exported under, when a kept session brought them
     * (oidc_session_image_open); NULL otherwise, and once the claims
     * change. */
    const oidc_claims_names_t *export_names;
    /* With export_names, the variables they name, as one table that a
     * request appends to its own in one copy. */
    const apr_table_t *export_env;
    /* The claims parsed, when this request set them (a login, a refresh):
     * spares the seal a parse. NULL in a session opened from a record. */
    const json_t *claims_doc;
    /* The payload of id_token parsed, when this request validated it (a
     * login): spares the seal a parse. NULL otherwise. */
    const json_t *id_claims;
    /* Private to oidc_session.c: after opening a record, the ID token's
     * three parts decoded, and id_token NULL until oidc_session_id_token. */
    const unsigned char *idt_part[3];
    apr_size_t idt_len[3];
} oidc_session_t;

const char *oidc_session_new_id(apr_pool_t *p);
int oidc_session_id_wellformed(const char *id);
void oidc_session_store_key(const char *id,
                            unsigned char key[OIDC_SESSION_STORE_KEY_LEN]);

/* The ID token as the OP sent it (NULL if there is none). */
const char *oidc_session_id_token(apr_pool_t *p, const oidc_session_t *s);

/* The claims as JSON object text (NULL if there are none). */
const char *oidc_session_claims(apr_pool_t *p, const oidc_session_t *s);

/* Sets the claims (JSON object text) and their flat form; APR_EINVAL when
 * the text is not a JSON object. */
apr_status_t oidc_session_set_claims(apr_pool_t *p, oidc_session_t *s,
                                     const char *claims);

/* The same from a parsed object, which the session keeps (do not change it
 * afterwards); APR_EINVAL when doc is not an object. */
apr_status_t oidc_session_set_claims_doc(apr_pool_t *p, oidc_session_t *s,
                                         const json_t *doc);

/* Seals s, bound to s->iss and s->client_id. APR_ENOSPC when the sealed
 * record would exceed max_len; APR_EINVAL when claims is not a JSON object
 * or the binding is incomplete. */
apr_status_t oidc_session_seal(apr_pool_t *p, const unsigned char *key,
                               const char *id, const oidc_session_t *s,
                               apr_size_t max_len, unsigned char **out,
                               apr_size_t *out_len);
/* APR_EGENERAL when the record is tampered, truncated, for another id,
 * under another key or bound to another issuer or client. */
apr_status_t oidc_session_open(apr_pool_t *p, const unsigned char *key,
                               const char *id,
                               const oidc_binding_t *binding,
                               const unsigned char *in,
                               apr_size_t len, oidc_session_t **out);

/* The two halves of oidc_session_open, for oidc_session_cache, which keeps
 * the plaintext: APR_EGENERAL as above, and for a malformed or old record. */
apr_status_t oidc_session_decrypt(apr_pool_t *p, const unsigned char *key,
                                  const char *id,
                                  const oidc_binding_t *binding,
                                  const unsigned char *in,
                                  apr_size_t len, unsigned char **plain,
                                  apr_size_t *plain_len);
/* The session points into plain (the ID token's parts, the flat claims):
 * plain must live as long as the session does. */
apr_status_t oidc_session_parse(apr_pool_t *p, const unsigned char *plain,
                                apr_size_t plain_len, oidc_session_t **out);
/* Whether a parsed session names exactly this binding. */
int oidc_session_bound_to(const oidc_session_t *s,
                          const oidc_binding_t *binding);

typedef enum {
    OIDC_SESSION_VALID = 0,
    OIDC_SESSION_IDLE,        /* past the inactivity timeout */
    OIDC_SESSION_EXPIRED      /* past the maximum age */
} oidc_session_freshness_t;

oidc_session_freshness_t oidc_session_freshness(const oidc_session_t *s,
                                                apr_time_t now,
                                                apr_interval_time_t inactivity,
                                                apr_interval_time_t max_age);

/* The store write that keeps an active session alive happens at most once
 * per this fraction of the inactivity timeout, not on every request. */
#define OIDC_SESSION_TOUCH_FRACTION 16
int oidc_session_needs_touch(const oidc_session_t *s, apr_time_t now,
                             apr_interval_time_t inactivity);

/* Whether the access token should be refreshed now: there is a refresh
 * token and the access token expires within `before` (at most half its
 * lifetime). */
int oidc_session_refresh_due(const oidc_session_t *s, apr_time_t now,
                             apr_interval_time_t before);

/* Ends the session of a store key: an "ended" mark first, then the record.
 * A refresh in flight when the session ends checks the mark after storing
 * its result (oidc_session_was_ended) and removes the record again, so a
 * logout is never undone. The mark lives until mark_expiry. */
apr_status_t oidc_session_end(const oidc_store_t *store, apr_pool_t *p,
                              const unsigned char *store_key,
                              apr_time_t mark_expiry);
int oidc_session_was_ended(const oidc_store_t *store, apr_pool_t *p,
                           const unsigned char *store_key);

/* When the store may forget the record. */
apr_time_t oidc_session_store_expiry(const oidc_session_t *s,
                                     apr_interval_time_t inactivity,
                                     apr_interval_time_t max_age);

#endif
