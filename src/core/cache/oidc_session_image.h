/*
 * oidc_session_image.h: an opened session as one block of bytes without
 * pointers: how oidc_session_cache copies a session into memory of its
 * own in one allocation and opens it there, once, with the names its
 * claims are exported under and the variables they make, which every
 * request it serves then shares instead of making its own.
 */
#ifndef OIDC_SESSION_IMAGE_H
#define OIDC_SESSION_IMAGE_H

#include "core/session/oidc_session.h"

/* The image of a session opened from a record, with the export names of
 * its flat claims under `prefix` (none when prefix is NULL). NULL for a
 * session that holds parsed JSON (claims_doc, id_claims: one this request
 * made at a login or a refresh), which an image does not carry. */
unsigned char *oidc_session_image_make(apr_pool_t *p, const oidc_session_t *s,
                                       const char *prefix, apr_size_t *len);

/* The session of an image that oidc_session_image_make gave in this
 * process, with export_names and export_env when the image has names. It
 * points into the image, which must live as long as the session does and
 * be aligned as apr_palloc aligns. NULL when len is not the length the
 * image was made with. */
oidc_session_t *oidc_session_image_open(apr_pool_t *p,
                                        const unsigned char *image,
                                        apr_size_t len);

#endif
