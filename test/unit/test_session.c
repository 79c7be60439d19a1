/* test_session.c: session ids, sealed records and lifetime rules. */
#include "unit.h"
#include "core/util/oidc_crypto.h"
#include "core/util/oidc_encode.h"
#include "core/session/oidc_session.h"
#include "core/cache/oidc_session_image.h"
#include "core/proto/oidc_claims.h"
#include "core/util/oidc_json.h"

static const unsigned char key_a[OIDC_KEY_LEN] =
    "session key A session key A ses";
static const unsigned char key_b[OIDC_KEY_LEN] =
    "session key B session key B ses";

static const apr_time_t T0 = APR_INT64_C(1700000000) * APR_USEC_PER_SEC;
static const oidc_binding_t binding = { "https://op.example", "shop" };

static oidc_session_t *sample(void)
{
    oidc_session_t *s = apr_pcalloc(unit_pool, sizeof(*s));

    s->created = T0 + 17;
    s->last_seen = T0 + apr_time_from_sec(90) + 3;
    s->access_expires = T0 + apr_time_from_sec(3600);
    s->iss = "https://op.example";
    s->client_id = "shop";
    s->sub = "248289761001";
    s->sid = NULL;
    s->id_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    s->access_token = "";
    s->refresh_token = NULL;
    s->claims = "{\"sub\":\"248289761001\",\"groups\":[\"a\",\"b\"]}";
    return s;
}

static void seal(const unsigned char *key, const char *id,
                 const oidc_session_t *s, unsigned char **out,
                 apr_size_t *len)
{
    ck_assert_int_eq(oidc_session_seal(unit_pool, key, id, s, 65536, out,
                                       len), APR_SUCCESS);
}

static apr_status_t open_(const unsigned char *key, const char *id,
                          const unsigned char *in, apr_size_t len)
{
    oidc_session_t *s = (oidc_session_t *)1;
    apr_status_t rv = oidc_session_open(unit_pool, key, id, &binding, in, len, &s);
    if (rv != APR_SUCCESS) {
        ck_assert_ptr_null(s);
    }
    return rv;
}

START_TEST(new_id)
{
    const char *a = oidc_session_new_id(unit_pool);
    const char *b = oidc_session_new_id(unit_pool);
    char *bad;

    ck_assert_uint_eq(strlen(a), OIDC_SESSION_ID_LEN);
    ck_assert(oidc_is_b64url(a, strlen(a)));
    ck_assert(oidc_session_id_wellformed(a));
    ck_assert_str_ne(a, b);

    ck_assert(!oidc_session_id_wellformed(NULL));
    ck_assert(!oidc_session_id_wellformed(""));
    ck_assert(!oidc_session_id_wellformed(apr_pstrmemdup(unit_pool, a, 42)));
    ck_assert(!oidc_session_id_wellformed(apr_pstrcat(unit_pool, a, "A",
                                                      NULL)));
    bad = apr_pstrdup(unit_pool, a);
    bad[10] = '+';
    ck_assert(!oidc_session_id_wellformed(bad));
    bad[10] = '.';
    ck_assert(!oidc_session_id_wellformed(bad));
    bad[10] = '%';
    ck_assert(!oidc_session_id_wellformed(bad));
}
END_TEST

START_TEST(store_key)
{
    const char *a = oidc_session_new_id(unit_pool);
    const char *b = oidc_session_new_id(unit_pool);
    unsigned char ka1[OIDC_SESSION_STORE_KEY_LEN],
        ka2[OIDC_SESSION_STORE_KEY_LEN], kb[OIDC_SESSION_STORE_KEY_LEN],
        plain[32];

    oidc_session_store_key(a, ka1);
    oidc_session_store_key(apr_pstrdup(unit_pool, a), ka2);
    oidc_session_store_key(b, kb);
    ck_assert_mem_eq(ka1, ka2, sizeof(ka1));
    ck_assert_int_ne(memcmp(ka1, kb, sizeof(ka1)), 0);
    /* Not the bare hash of the id (the store key is labelled). */
    oidc_sha256(a, strlen(a), plain);
    ck_assert_int_ne(memcmp(ka1, plain, sizeof(ka1)), 0);
    /* And not the id. */
    ck_assert_ptr_null(memmem(ka1, sizeof(ka1), a, 8));
}
END_TEST

START_TEST(seal_open_round_trip)
{
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample(), *o = NULL;
    unsigned char *rec;
    apr_size_t len;

    seal(key_a, id, s, &rec, &len);
    /* Nothing readable in the record. */
    ck_assert_ptr_null(memmem(rec, len, "248289761001", 12));
    ck_assert_ptr_null(memmem(rec, len, "op.example", 10));
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec, len, &o),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(o);
    ck_assert(o->created == s->created);
    ck_assert(o->last_seen == s->last_seen);
    ck_assert(o->access_expires == s->access_expires);
    ck_assert_str_eq(o->iss, s->iss);
    ck_assert_str_eq(o->sub, s->sub);
    ck_assert_ptr_null(o->sid);
    ck_assert_str_eq(oidc_session_id_token(unit_pool, o), s->id_token);
    ck_assert_str_eq(o->access_token, "");       /* "" is not NULL */
    ck_assert_ptr_null(o->refresh_token);
    ck_assert_str_eq(o->claims, s->claims);

    /* And every field set. */
    s->sid = "op-sid";
    s->refresh_token = "refresh-me";
    s->access_token = "access-me";
    s->access_expires = 0;
    seal(key_a, id, s, &rec, &len);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec, len, &o),
                     APR_SUCCESS);
    ck_assert_str_eq(o->sid, "op-sid");
    ck_assert_str_eq(o->refresh_token, "refresh-me");
    ck_assert_str_eq(o->access_token, "access-me");
    ck_assert(o->access_expires == 0);
}
END_TEST

START_TEST(open_other_id)
{
    const char *id = oidc_session_new_id(unit_pool);
    const char *other = oidc_session_new_id(unit_pool);
    unsigned char *rec;
    apr_size_t len;

    seal(key_a, id, sample(), &rec, &len);
    ck_assert_int_eq(open_(key_a, other, rec, len), APR_EGENERAL);
    ck_assert_int_eq(open_(key_a, id, rec, len), APR_SUCCESS);
}
END_TEST

START_TEST(open_other_key)
{
    const char *id = oidc_session_new_id(unit_pool);
    unsigned char *rec;
    apr_size_t len;

    seal(key_a, id, sample(), &rec, &len);
    ck_assert_int_eq(open_(key_b, id, rec, len), APR_EGENERAL);
}
END_TEST

/* A record made for one issuer and client does not open for another, not
 * even for one whose strings run together to the same text. */
START_TEST(open_other_binding)
{
    static const oidc_binding_t other_iss = { "https://op.example/", "shop" };
    static const oidc_binding_t other_client = { "https://op.example", "sho" };
    static const oidc_binding_t shifted = { "https://op.examplesho", "p" };
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample(), *o;
    unsigned char *rec, *plain;
    apr_size_t len, plain_len;

    seal(key_a, id, s, &rec, &len);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &other_iss, rec,
                                       len, &o), APR_EGENERAL);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &other_client,
                                       rec, len, &o), APR_EGENERAL);
    ck_assert_int_eq(oidc_session_decrypt(unit_pool, key_a, id, &shifted, rec,
                                          len, &plain, &plain_len),
                     APR_EGENERAL);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec,
                                       len, &o), APR_SUCCESS);
    ck_assert_str_eq(o->client_id, "shop");
    ck_assert(oidc_session_bound_to(o, &binding));
    ck_assert(!oidc_session_bound_to(o, &other_iss));
    /* A session without a complete binding is not sealed at all. */
    s->client_id = NULL;
    ck_assert_int_eq(oidc_session_seal(unit_pool, key_a, id, s, 65536, &rec,
                                       &len), APR_EINVAL);
}
END_TEST

START_TEST(open_tampered)
{
    const char *id = oidc_session_new_id(unit_pool);
    unsigned char *rec, *copy;
    apr_size_t len, i;

    seal(key_a, id, sample(), &rec, &len);
    copy = apr_palloc(unit_pool, len);
    for (i = 0; i < len; i += 7) {
        memcpy(copy, rec, len);
        copy[i] ^= 0x20;
        ck_assert_msg(open_(key_a, id, copy, len) == APR_EGENERAL,
                      "flipped byte %u opened", (unsigned)i);
    }
    memcpy(copy, rec, len);
    copy[len - 1] ^= 0x01;
    ck_assert_int_eq(open_(key_a, id, copy, len), APR_EGENERAL);
}
END_TEST

START_TEST(open_truncated)
{
    const char *id = oidc_session_new_id(unit_pool);
    unsigned char *rec;
    apr_size_t len;

    seal(key_a, id, sample(), &rec, &len);
    ck_assert_int_eq(open_(key_a, id, rec, len - 1), APR_EGENERAL);
    ck_assert_int_eq(open_(key_a, id, rec, len / 2), APR_EGENERAL);
    ck_assert_int_eq(open_(key_a, id, rec, OIDC_AEAD_OVERHEAD), APR_EGENERAL);
    ck_assert_int_eq(open_(key_a, id, rec, 3), APR_EGENERAL);
    ck_assert_int_eq(open_(key_a, id, rec, 0), APR_EGENERAL);
}
END_TEST

START_TEST(open_requires_sub_and_claims)
{
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample();
    unsigned char *rec;
    apr_size_t len;

    s->sub = NULL;
    seal(key_a, id, s, &rec, &len);
    ck_assert_int_eq(open_(key_a, id, rec, len), APR_EGENERAL);
    /* Claims must be a JSON object: refused at sealing already. Without
     * claims of their own, they are the ID token's. */
    s = sample();
    s->claims = NULL;
    s->id_token = NULL;
    ck_assert_int_eq(oidc_session_seal(unit_pool, key_a, id, s, 65536, &rec,
                                       &len), APR_EINVAL);
    s->claims = "[1]";
    ck_assert_int_eq(oidc_session_seal(unit_pool, key_a, id, s, 65536, &rec,
                                       &len), APR_EINVAL);
}
END_TEST

/* Times no module wrote (found by fuzz_session): the lifetime rules'
 * arithmetic on them would overflow, so the record does not open. */
START_TEST(open_refuses_impossible_times)
{
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample();
    unsigned char *rec;
    apr_size_t len;

    s->access_issued = -APR_INT64_C(9221672037454775808);
    seal(key_a, id, s, &rec, &len);
    ck_assert_int_eq(open_(key_a, id, rec, len), APR_EGENERAL);
    s = sample();
    s->created = APR_INT64_C(253402300800) * APR_USEC_PER_SEC;  /* year 10000 */
    seal(key_a, id, s, &rec, &len);
    ck_assert_int_eq(open_(key_a, id, rec, len), APR_EGENERAL);
}
END_TEST

/* Claims equal to the ID token's payload are stored once, in the token. */
START_TEST(claims_of_the_id_token_stored_once)
{
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample(), *back;
    unsigned char *rec;
    apr_size_t len, with_own;

    s->claims = "{\"sub\":\"x\",\"more\":\"claims than the token has\"}";
    seal(key_a, id, s, &rec, &with_own);
    s->claims = "{\"sub\": \"x\"}";      /* the token's, spaced otherwise */
    seal(key_a, id, s, &rec, &len);
    ck_assert_uint_lt(len, with_own);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec, len, &back),
                     APR_SUCCESS);
    ck_assert_ptr_null(back->claims);
    ck_assert_str_eq(oidc_session_claims(unit_pool, back), "{\"sub\":\"x\"}");
    ck_assert_str_eq(oidc_claims_flat_string(back->flat, "sub"), "x");
}
END_TEST

/* A session sealed and opened again. */
static oidc_session_t *round_trip(const char *id, const oidc_session_t *s,
                                  apr_size_t *len)
{
    unsigned char *rec;
    oidc_session_t *back = NULL;

    seal(key_a, id, s, &rec, len);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec, *len,
                                       &back), APR_SUCCESS);
    return back;
}

/* The ID token is kept decoded when that gives back the same text, else as
 * it came; and it survives any number of seals either way. */
START_TEST(id_token_kept_exactly)
{
    const char *id = oidc_session_new_id(unit_pool);
    static const char *const tokens[] = {
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",     /* canonical */
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2l",      /* stray bits */
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2k=",     /* padded */
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.",         /* no signature */
        "a.b.c.d.e",                                     /* five parts */
        "not a token",
    };
    oidc_session_t *s = sample(), *back;
    apr_size_t len, canonical_len = 0, i;

    for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        s->id_token = tokens[i];
        back = round_trip(id, s, &len);
        ck_assert_str_eq(oidc_session_id_token(unit_pool, back), tokens[i]);
        back = round_trip(id, back, &len);      /* sealed from the parts */
        ck_assert_str_eq(oidc_session_id_token(unit_pool, back), tokens[i]);
        if (i == 0) {
            canonical_len = len;
        }
    }
    /* Decoded, a token takes a quarter less room than its text. */
    s->id_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnc2lnc2lnc2ln"
                  "c2lnc2lnc2lnc2lnc2lnc2lnc2lnc2lnc2lnc2lnc2lnc2lnc2ln";
    round_trip(id, s, &len);
    ck_assert_uint_lt(len - canonical_len,
                      strlen(s->id_token) - strlen(tokens[0]));
    /* A refresh replaces the token of an opened session. */
    s->id_token = tokens[0];
    back = round_trip(id, s, &len);
    back->id_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ5In0.c2ln";
    back->claims = "{\"sub\":\"y\"}";
    back = round_trip(id, back, &len);
    ck_assert_str_eq(oidc_session_id_token(unit_pool, back),
                     "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ5In0.c2ln");
    ck_assert_str_eq(oidc_session_claims(unit_pool, back), "{\"sub\":\"y\"}");
}
END_TEST

/* Claims beyond the ID token's are stored without the token's again; when
 * they contradict the token, whole. */
START_TEST(claims_beyond_the_id_token)
{
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample(), *back;
    apr_size_t len, whole;
    json_t *claims;

    /* The token's payload is {"sub":"x"}. */
    s->claims = "{\"sub\":\"x\",\"email\":\"a@example.com\"}";
    back = round_trip(id, s, &len);
    ck_assert_int_eq(back->claims[0], '+');
    claims = oidc_json_parse(unit_pool, oidc_session_claims(unit_pool, back),
                             strlen(oidc_session_claims(unit_pool, back)));
    ck_assert_str_eq(oidc_json_str(claims, "sub"), "x");
    ck_assert_str_eq(oidc_json_str(claims, "email"), "a@example.com");
    ck_assert_int_eq(json_object_size(claims), 2);
    ck_assert_str_eq(oidc_claims_flat_string(back->flat, "email"),
                     "a@example.com");
    /* Opened and sealed again: the same claims. */
    back = round_trip(id, back, &len);
    ck_assert_int_eq(json_object_size(oidc_json_parse(unit_pool,
        oidc_session_claims(unit_pool, back),
        strlen(oidc_session_claims(unit_pool, back)))), 2);

    s->claims = "{\"sub\":\"other\",\"email\":\"a@example.com\"}";
    back = round_trip(id, s, &whole);
    ck_assert_str_eq(back->claims, s->claims);
    ck_assert_uint_gt(whole, len);
}
END_TEST

/* The record carries the claims flattened, for requests to export. */
START_TEST(flat_claims_roundtrip)
{
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample(), *back;
    unsigned char *rec;
    apr_size_t len;
    const oidc_lock_t *c;

    s->claims = "{\"sub\":\"248289761001\",\"groups\":[\"a\",\"b\"],"
                "\"n\":42,\"bad\\u0001\":\"x\\ny\"}";
    seal(key_a, id, s, &rec, &len);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec, len, &back),
                     APR_SUCCESS);
    ck_assert_int_eq(back->flat->nelts, 4);
    c = &APR_ARRAY_IDX(back->flat, 1, oidc_lock_t);
    ck_assert_str_eq(c->name, "groups");
    ck_assert_str_eq(c->value, "a,b");
    ck_assert_int_eq(c->scalar, 0);
    ck_assert_str_eq(oidc_claims_flat_string(back->flat, "n"), "42");
    ck_assert_ptr_null(oidc_claims_flat_string(back->flat, "groups"));
    /* Values are scrubbed of control characters. */
    ck_assert_str_eq(oidc_claims_flat_string(back->flat, "bad\001"), "x y");
}
END_TEST

/* Claims set from the parsed object (a login) seal exactly as the same
 * claims set from their text (a record opened and sealed again). */
START_TEST(claims_from_object_seal_as_from_text)
{
    const char *id = oidc_session_new_id(unit_pool);
    const char *text = "{\"sub\":\"x\",\"email\":\"a@example.com\","
                       "\"groups\":[\"a\",\"b\"]}";
    oidc_session_t *a = sample(), *b = sample(), *back_a, *back_b;
    unsigned char *rec;
    apr_size_t len;
    int i;

    ck_assert_int_eq(oidc_session_set_claims(unit_pool, a, text),
                     APR_SUCCESS);
    ck_assert_int_eq(oidc_session_set_claims_doc(unit_pool, b,
        oidc_json_parse(unit_pool, text, strlen(text))), APR_SUCCESS);
    /* Exported before any seal, as the login's first page does. */
    ck_assert_str_eq(oidc_claims_flat_string(b->flat, "email"),
                     "a@example.com");
    seal(key_a, id, a, &rec, &len);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec, len,
                                       &back_a), APR_SUCCESS);
    seal(key_a, id, b, &rec, &len);
    ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec, len,
                                       &back_b), APR_SUCCESS);
    ck_assert_str_eq(oidc_session_claims(unit_pool, back_a),
                     oidc_session_claims(unit_pool, back_b));
    ck_assert_int_eq(back_a->flat->nelts, 3);
    ck_assert_int_eq(back_b->flat->nelts, back_a->flat->nelts);
    for (i = 0; i < back_a->flat->nelts; i++) {
        const oidc_lock_t *x = &APR_ARRAY_IDX(back_a->flat, i, oidc_lock_t);
        const oidc_lock_t *y = &APR_ARRAY_IDX(back_b->flat, i, oidc_lock_t);
        ck_assert_str_eq(x->name, y->name);
        ck_assert_str_eq(x->value, y->value);
    }
    /* Only an object is claims. */
    ck_assert_int_eq(oidc_session_set_claims_doc(unit_pool, b,
        oidc_json_parse(unit_pool, "[1]", 3)), APR_EINVAL);
    ck_assert_int_eq(oidc_session_set_claims_doc(unit_pool, b, NULL),
                     APR_EINVAL);
}
END_TEST

/* A login's session, which has the ID token's claims parsed and its own
 * claims as an object, seals to the very record that the same session
 * without them does: claims beyond the token's, or all of them when they
 * disagree with it. */
START_TEST(login_session_seals_as_plain_one)
{
    static const char *const texts[] = {
        "{\"sub\":\"x\",\"email\":\"a@example.com\"}",   /* beyond */
        "{\"sub\":\"x\"}",                                /* the token's */
        "{\"sub\":\"other\",\"email\":\"a@example.com\"}" /* disagree */
    };
    const char *id = oidc_session_new_id(unit_pool);
    int i;

    for (i = 0; i < 3; i++) {
        oidc_session_t *login = sample(), *plain = sample(), *back;
        unsigned char *rec, *p1, *p2;
        apr_size_t len, n1, n2;

        /* sample()'s token payload is {"sub":"x"}. */
        login->id_claims = oidc_json_parse(unit_pool, "{\"sub\":\"x\"}", 11);
        ck_assert_ptr_nonnull(login->id_claims);
        ck_assert_int_eq(oidc_session_set_claims_doc(unit_pool, login,
            oidc_json_parse(unit_pool, texts[i], strlen(texts[i]))),
            APR_SUCCESS);
        ck_assert_int_eq(oidc_session_set_claims(unit_pool, plain, texts[i]),
                         APR_SUCCESS);
        plain->claims_doc = NULL;   /* as if opened from a record */
        ck_assert_str_eq(oidc_session_claims(unit_pool, login), texts[i]);

        seal(key_a, id, login, &rec, &len);
        ck_assert_int_eq(oidc_session_decrypt(unit_pool, key_a, id, &binding, rec, len,
                                              &p1, &n1), APR_SUCCESS);
        ck_assert_int_eq(oidc_session_open(unit_pool, key_a, id, &binding, rec, len,
                                           &back), APR_SUCCESS);
        ck_assert(json_equal(oidc_json_parse(unit_pool,
                                 oidc_session_claims(unit_pool, back),
                                 strlen(oidc_session_claims(unit_pool, back))),
                             login->claims_doc));
        seal(key_a, id, plain, &rec, &len);
        ck_assert_int_eq(oidc_session_decrypt(unit_pool, key_a, id, &binding, rec, len,
                                              &p2, &n2), APR_SUCCESS);
        ck_assert_uint_eq(n1, n2);
        ck_assert_mem_eq(p1, p2, n1);
    }
}
END_TEST

/* The plaintext record a session seals to, to compare two sessions whole. */
static const unsigned char *sealed_plain(const char *id,
                                         const oidc_session_t *s,
                                         apr_size_t *len)
{
    unsigned char *rec, *plain;
    apr_size_t rec_len;

    seal(key_a, id, s, &rec, &rec_len);
    ck_assert_int_eq(oidc_session_decrypt(unit_pool, key_a, id, &binding, rec, rec_len,
                                          &plain, len), APR_SUCCESS);
    return plain;
}

/* A kept session (oidc_session_cache holds images) is the session its
 * record opened to: it seals to the same record, exports the same claims
 * under the same names, and points only into its own copy of the image. */
START_TEST(image_opens_as_the_record)
{
    static const char *const claims[] = {
        "{\"sub\":\"248289761001\",\"groups\":[\"a\",\"b\"]}",
        "{\"sub\":\"x\",\"email\":\"a@example.com\"}",  /* beyond the token's */
        "{\"sub\":\"x\",\"Upper\":1,\"a.b\":{\"c\":true},\"bad\\u0001\":\"x\\ny\","
        "\"empty\":\"\",\"nothing\":null}",
    };
    static const char *const tokens[] = {
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",   /* kept decoded */
        "not a token",                                 /* kept as text */
    };
    const char *id = oidc_session_new_id(unit_pool);
    apr_size_t i, j;

    for (i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
        for (j = 0; j < sizeof(tokens) / sizeof(tokens[0]); j++) {
            oidc_session_t *s = sample(), *back, *kept;
            const oidc_claims_names_t *made;
            unsigned char *image, *copy;
            const unsigned char *p1, *p2;
            apr_size_t len, n1, n2;
            int k;

            s->claims = claims[i];
            s->id_token = tokens[j];
            s->sid = j ? "op-session" : NULL;
            s->refresh_token = j ? "refresh" : NULL;
            s->userinfo_at = j ? T0 + 5 : 0;
            back = round_trip(id, s, &len);
            image = oidc_session_image_make(unit_pool, back, "OIDC_CLAIM_",
                                            &len);
            ck_assert_ptr_nonnull(image);
            copy = apr_pmemdup(unit_pool, image, len);
            memset(image, 0xa5, len);       /* nothing points back into it */
            kept = oidc_session_image_open(unit_pool, copy, len);
            ck_assert_ptr_nonnull(kept);

            p1 = sealed_plain(id, back, &n1);
            p2 = sealed_plain(id, kept, &n2);
            ck_assert_uint_eq(n1, n2);
            ck_assert_mem_eq(p1, p2, n1);
            ck_assert_str_eq(oidc_session_id_token(unit_pool, kept),
                             tokens[j]);

            made = oidc_claims_names_make(unit_pool, back->flat,
                                          "OIDC_CLAIM_");
            ck_assert_int_eq(kept->flat->nelts, back->flat->nelts);
            ck_assert_ptr_nonnull(kept->export_names);
            ck_assert_str_eq(kept->export_names->prefix, "OIDC_CLAIM_");
            ck_assert_int_eq(kept->export_names->plain, made->plain);
            ck_assert_int_eq(kept->export_names->plain, i < 2);
            for (k = 0; k < back->flat->nelts; k++) {
                const oidc_lock_t *a = &APR_ARRAY_IDX(back->flat, k,
                                                       oidc_lock_t);
                const oidc_lock_t *b = &APR_ARRAY_IDX(kept->flat, k,
                                                       oidc_lock_t);
                ck_assert_str_eq(b->name, a->name);
                ck_assert_str_eq(b->value, a->value);
                ck_assert_int_eq(b->scalar, a->scalar);
                ck_assert_str_eq(kept->export_names->names[k],
                                 made->names[k]);
                ck_assert((const unsigned char *)b->name >= copy
                          && (const unsigned char *)b->name < copy + len);
                /* Each named claim is a variable of export_env. */
                ck_assert_str_eq(apr_table_get(kept->export_env,
                                               made->names[k]), a->value);
            }
            ck_assert_int_eq(apr_table_elts(kept->export_env)->nelts,
                             back->flat->nelts);
            /* Changed claims are exported under names made anew. */
            ck_assert_int_eq(oidc_session_set_claims(unit_pool, kept,
                                                     "{\"sub\":\"y\"}"),
                             APR_SUCCESS);
            ck_assert_ptr_null(kept->export_names);
            ck_assert_ptr_null(kept->export_env);
        }
    }
}
END_TEST

/* An image opens only at the length it was made with; without a prefix it
 * carries no export names; a session holding parsed JSON (a login's) makes
 * none. */
START_TEST(image_refusals)
{
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample(), *back;
    unsigned char *image;
    apr_size_t len, rec_len;

    back = round_trip(id, s, &rec_len);
    image = oidc_session_image_make(unit_pool, back, NULL, &len);
    ck_assert_ptr_nonnull(image);
    ck_assert_ptr_null(oidc_session_image_open(unit_pool, image, len - 1));
    ck_assert_ptr_null(oidc_session_image_open(unit_pool, image, len + 1));
    ck_assert_ptr_null(oidc_session_image_open(unit_pool, image, 8));
    ck_assert_ptr_null(oidc_session_image_open(unit_pool, image, 0));
    back = oidc_session_image_open(unit_pool, image, len);
    ck_assert_ptr_nonnull(back);
    ck_assert_ptr_null(back->export_names);
    ck_assert_str_eq(oidc_claims_flat_string(back->flat, "sub"),
                     "248289761001");

    ck_assert_int_eq(oidc_session_set_claims_doc(unit_pool, s,
        oidc_json_parse(unit_pool, "{\"sub\":\"x\"}", 11)), APR_SUCCESS);
    ck_assert_ptr_null(oidc_session_image_make(unit_pool, s, "P_", &len));
    s = sample();
    s->id_claims = oidc_json_parse(unit_pool, "{\"sub\":\"x\"}", 11);
    ck_assert_ptr_null(oidc_session_image_make(unit_pool, s, "P_", &len));
}
END_TEST

START_TEST(seal_enospc)
{
    const char *id = oidc_session_new_id(unit_pool);
    oidc_session_t *s = sample();
    unsigned char *rec = NULL;
    apr_size_t len = 0, exact;

    seal(key_a, id, s, &rec, &len);
    exact = len;
    ck_assert_int_eq(oidc_session_seal(unit_pool, key_a, id, s, exact, &rec,
                                       &len), APR_SUCCESS);
    ck_assert_uint_eq(len, exact);
    ck_assert_int_eq(oidc_session_seal(unit_pool, key_a, id, s, exact - 1,
                                       &rec, &len), APR_ENOSPC);
    ck_assert_int_eq(oidc_session_seal(unit_pool, key_a, id, s, 0, &rec,
                                       &len), APR_ENOSPC);
    /* A big claim set against the usual limit. */
    s->claims = apr_pstrcat(unit_pool, "{\"c\":\"",
                            unit_repeat(unit_pool, 'c', 70000), "\"}", NULL);
    ck_assert_int_eq(oidc_session_seal(unit_pool, key_a, id, s, 65536, &rec,
                                       &len), APR_ENOSPC);
}
END_TEST

START_TEST(freshness)
{
    oidc_session_t s;
    apr_interval_time_t idle = apr_time_from_sec(900);
    apr_interval_time_t max = apr_time_from_sec(8 * 3600);

    memset(&s, 0, sizeof(s));
    s.created = T0;
    s.last_seen = T0;
    ck_assert_int_eq(oidc_session_freshness(&s, T0, idle, max),
                     OIDC_SESSION_VALID);
    /* Inactivity: valid up to and including the timeout. */
    ck_assert_int_eq(oidc_session_freshness(&s, T0 + idle, idle, max),
                     OIDC_SESSION_VALID);
    ck_assert_int_eq(oidc_session_freshness(&s, T0 + idle + 1, idle, max),
                     OIDC_SESSION_IDLE);
    /* Active, but at the maximum age. */
    s.last_seen = T0 + max - apr_time_from_sec(10);
    ck_assert_int_eq(oidc_session_freshness(&s, T0 + max, idle, max),
                     OIDC_SESSION_VALID);
    ck_assert_int_eq(oidc_session_freshness(&s, T0 + max + 1, idle, max),
                     OIDC_SESSION_EXPIRED);
    /* Maximum age wins over idleness. */
    s.last_seen = T0;
    ck_assert_int_eq(oidc_session_freshness(&s, T0 + max + 1, idle, max),
                     OIDC_SESSION_EXPIRED);
    /* Created in the future beyond tolerance. */
    s.created = s.last_seen = T0 + apr_time_from_sec(600);
    ck_assert_int_eq(oidc_session_freshness(&s, T0, idle, max),
                     OIDC_SESSION_EXPIRED);
    s.created = s.last_seen = T0 + apr_time_from_sec(60);
    ck_assert_int_eq(oidc_session_freshness(&s, T0, idle, max),
                     OIDC_SESSION_VALID);
}
END_TEST

START_TEST(needs_touch)
{
    oidc_session_t s;
    apr_interval_time_t idle = apr_time_from_sec(16 * 60);
    apr_interval_time_t step = idle / OIDC_SESSION_TOUCH_FRACTION;

    memset(&s, 0, sizeof(s));
    s.created = T0;
    s.last_seen = T0 + apr_time_from_sec(100);
    ck_assert_int_eq(step, apr_time_from_sec(60));
    ck_assert(!oidc_session_needs_touch(&s, s.last_seen, idle));
    ck_assert(!oidc_session_needs_touch(&s, s.last_seen + step / 2, idle));
    ck_assert(!oidc_session_needs_touch(&s, s.last_seen + step, idle));
    ck_assert(oidc_session_needs_touch(&s, s.last_seen + step + 1, idle));
    ck_assert(oidc_session_needs_touch(&s, s.last_seen + idle, idle));
}
END_TEST

START_TEST(store_expiry)
{
    oidc_session_t s;
    apr_interval_time_t idle = apr_time_from_sec(900);
    apr_interval_time_t max = apr_time_from_sec(3600);

    memset(&s, 0, sizeof(s));
    s.created = T0;
    /* Idle end first. */
    s.last_seen = T0 + apr_time_from_sec(100);
    ck_assert(oidc_session_store_expiry(&s, idle, max)
              == T0 + apr_time_from_sec(1000));
    /* Max-age end first. */
    s.last_seen = T0 + apr_time_from_sec(3000);
    ck_assert(oidc_session_store_expiry(&s, idle, max) == T0 + max);
    /* Equal. */
    s.last_seen = T0 + max - idle;
    ck_assert(oidc_session_store_expiry(&s, idle, max) == T0 + max);
}
END_TEST

Suite *session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *tc = unit_tcase("session");

    tcase_add_test(tc, new_id);
    tcase_add_test(tc, store_key);
    tcase_add_test(tc, seal_open_round_trip);
    tcase_add_test(tc, open_other_id);
    tcase_add_test(tc, open_other_key);
    tcase_add_test(tc, open_other_binding);
    tcase_add_test(tc, open_tampered);
    tcase_add_test(tc, open_truncated);
    tcase_add_test(tc, open_requires_sub_and_claims);
    tcase_add_test(tc, open_refuses_impossible_times);
    tcase_add_test(tc, seal_enospc);
    tcase_add_test(tc, flat_claims_roundtrip);
    tcase_add_test(tc, claims_of_the_id_token_stored_once);
    tcase_add_test(tc, id_token_kept_exactly);
    tcase_add_test(tc, claims_beyond_the_id_token);
    tcase_add_test(tc, claims_from_object_seal_as_from_text);
    tcase_add_test(tc, login_session_seals_as_plain_one);
    tcase_add_test(tc, image_opens_as_the_record);
    tcase_add_test(tc, image_refusals);
    tcase_add_test(tc, freshness);
    tcase_add_test(tc, needs_touch);
    tcase_add_test(tc, store_expiry);
    suite_add_tcase(s, tc);
    return s;
}
