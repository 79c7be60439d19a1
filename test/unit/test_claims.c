/* test_claims.c: claims for the environment and `Require oidc-claim`. */
#include "unit.h"
#include "core/proto/oidc_claims.h"
#include "core/util/oidc_json.h"

static json_t *load(const char *text)
{
    json_t *j = oidc_json_parse(unit_pool, text, strlen(text));
    ck_assert_msg(j != NULL, "bad test JSON: %s", text);
    return j;
}

static void collect(void *baton, const char *name, const char *value)
{
    apr_table_t *t = baton;
    apr_table_add(t, name, value);
}

static apr_table_t *export(const char *text)
{
    apr_table_t *t = apr_table_make(unit_pool, 8);
    oidc_claims_export(unit_pool, load(text), collect, t);
    return t;
}

static apr_array_header_t *vals(const char *a, const char *b)
{
    apr_array_header_t *v = apr_array_make(unit_pool, 2, sizeof(const char *));
    if (a) APR_ARRAY_PUSH(v, const char *) = a;
    if (b) APR_ARRAY_PUSH(v, const char *) = b;
    return v;
}

START_TEST(export_values)
{
    apr_table_t *t = export(
        "{\"sub\":\"alice\",\"groups\":[\"admins\",\"users\"],"
        "\"address\":{\"country\":\"FR\", \"zip\":\"75001\"},"
        "\"age\":42,\"ratio\":0.5,\"verified\":true,\"off\":false,"
        "\"nothing\":null,\"mixed\":[1,\"two\",true,null,{\"a\":1}],"
        "\"empty\":[],\"s\":\"\"}");

    ck_assert_int_eq(apr_table_elts(t)->nelts, 11);
    ck_assert_str_eq(apr_table_get(t, "sub"), "alice");
    ck_assert_str_eq(apr_table_get(t, "groups"), "admins,users");
    ck_assert_str_eq(apr_table_get(t, "address"),
                     "{\"country\":\"FR\",\"zip\":\"75001\"}");
    ck_assert_str_eq(apr_table_get(t, "age"), "42");
    ck_assert_str_eq(apr_table_get(t, "ratio"), "0.5");
    ck_assert_str_eq(apr_table_get(t, "verified"), "true");
    ck_assert_str_eq(apr_table_get(t, "off"), "false");
    ck_assert_str_eq(apr_table_get(t, "nothing"), "");
    ck_assert_str_eq(apr_table_get(t, "mixed"), "1,two,true,,{\"a\":1}");
    ck_assert_str_eq(apr_table_get(t, "empty"), "");
    ck_assert_str_eq(apr_table_get(t, "s"), "");
}
END_TEST

START_TEST(export_names)
{
    apr_table_t *t = export(
        "{\"a.b c\":\"1\",\"x-y_Z9\":\"2\",\"caf\\u00e9\":\"3\","
        "\"new\\nline:\":\"4\",\"\":\"empty name\"}");
    const apr_array_header_t *e = apr_table_elts(t);
    int i;

    ck_assert_str_eq(apr_table_get(t, "a_b_c"), "1");
    ck_assert_str_eq(apr_table_get(t, "x-y_Z9"), "2");
    ck_assert_str_eq(apr_table_get(t, "caf__"), "3");   /* two UTF-8 bytes */
    ck_assert_str_eq(apr_table_get(t, "new_line_"), "4");
    /* Every name is [A-Za-z0-9_-]+. */
    for (i = 0; i < e->nelts; i++) {
        const char *n = APR_ARRAY_IDX(e, i, apr_table_entry_t).key;
        ck_assert_uint_gt(strlen(n), 0);
        ck_assert_uint_eq(strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "abcdefghijklmnopqrstuvwxyz0123456789_-"),
                          strlen(n));
    }
    ck_assert_int_eq(e->nelts, 4);
}
END_TEST

/* From the flat form, each name comes after the prefix; the prefix
 * itself is not made safe (the admin's directive checked it). */
START_TEST(export_flat_with_prefix)
{
    apr_table_t *t = apr_table_make(unit_pool, 4);
    const apr_array_header_t *flat = oidc_claims_flatten(
        unit_pool, load("{\"a.b\":\"1\",\"email\":\"e@x\"}"));

    oidc_claims_export_flat(unit_pool, flat, "OIDC_CLAIM_", collect, t);
    ck_assert_str_eq(apr_table_get(t, "OIDC_CLAIM_a_b"), "1");
    ck_assert_str_eq(apr_table_get(t, "OIDC_CLAIM_email"), "e@x");
    ck_assert_int_eq(apr_table_elts(t)->nelts, 2);
}
END_TEST

/* The names made once for a flat array are the ones the export gives, in
 * its order; plain only when every name is [a-z0-9_-]. */
START_TEST(names_made_as_exported)
{
    static const char *const docs[] = {
        "{\"a.b\":\"1\",\"email\":\"e@x\"}",
        "{\"sub\":\"x\",\"given-name\":\"A\",\"n_2\":3}",
        "{\"sub\":\"x\",\"Email\":\"e\"}",
    };
    static const int plain[] = { 0, 1, 0 };
    static const char *const want[][3] = {
        { "P_a_b", "P_email", NULL },
        { "P_sub", "P_given-name", "P_n_2" },
        { "P_sub", "P_Email", NULL },
    };
    int i, k;

    for (i = 0; i < 3; i++) {
        const apr_array_header_t *flat = oidc_claims_flatten(unit_pool,
                                                             load(docs[i]));
        const oidc_claims_names_t *n = oidc_claims_names_make(unit_pool,
                                                              flat, "P_");
        apr_table_t *t = apr_table_make(unit_pool, 4);
        const apr_table_entry_t *e;

        oidc_claims_export_flat(unit_pool, flat, "P_", collect, t);
        e = (const apr_table_entry_t *)apr_table_elts(t)->elts;
        ck_assert_int_eq(apr_table_elts(t)->nelts, flat->nelts);
        for (k = 0; k < flat->nelts; k++) {
            ck_assert_str_eq(n->names[k], want[i][k]);
            ck_assert_str_eq(n->names[k], e[k].key);
        }
        ck_assert_str_eq(n->prefix, "P_");
        ck_assert_int_eq(n->plain, plain[i]);
    }
}
END_TEST

START_TEST(export_scrubs_control_chars)
{
    apr_table_t *t = export(
        "{\"name\":\"Alice\\r\\nX-Injected: 1\",\"tab\":\"a\\tb\","
        "\"arr\":[\"x\\ny\",\"z\"],\"del\":\"a\\u007fb\"}");

    ck_assert_str_eq(apr_table_get(t, "name"), "Alice  X-Injected: 1");
    ck_assert_str_eq(apr_table_get(t, "tab"), "a b");
    ck_assert_str_eq(apr_table_get(t, "arr"), "x y,z");
    ck_assert_str_eq(apr_table_get(t, "del"), "a b");
}
END_TEST

START_TEST(export_bounded)
{
    json_t *c = oidc_json_pool_own(unit_pool, json_object());
    apr_table_t *t = apr_table_make(unit_pool, 8);
    int i;

    for (i = 0; i < OIDC_MAX_CLAIMS + 44; i++) {
        json_object_set_new(c, apr_psprintf(unit_pool, "claim%d", i),
                            json_integer(i));
    }
    oidc_claims_export(unit_pool, c, collect, t);
    ck_assert_int_eq(apr_table_elts(t)->nelts, OIDC_MAX_CLAIMS);
}
END_TEST

START_TEST(lookup)
{
    json_t *c = load("{\"sub\":\"alice\",\"realm_access\":{\"roles\":"
                     "[\"admin\"],\"deep\":{\"x\":{\"y\":7}}},"
                     "\"a.b\":\"exact\",\"a\":{\"b\":\"path\"},"
                     "\"s\":\"str\"}");
    const json_t *v;

    v = oidc_claims_lookup(c, "sub");
    ck_assert_str_eq(json_string_value(v), "alice");
    v = oidc_claims_lookup(c, "realm_access.roles");
    ck_assert(json_is_array(v));
    ck_assert_str_eq(json_string_value(json_array_get(v, 0)), "admin");
    v = oidc_claims_lookup(c, "realm_access.deep.x.y");
    ck_assert_int_eq(json_integer_value(v), 7);
    /* An exact name with a dot wins over the path. */
    ck_assert_str_eq(json_string_value(oidc_claims_lookup(c, "a.b")),
                     "exact");
    /* Absent. */
    ck_assert_ptr_null(oidc_claims_lookup(c, "missing"));
    ck_assert_ptr_null(oidc_claims_lookup(c, "realm_access.missing"));
    ck_assert_ptr_null(oidc_claims_lookup(c, "missing.roles"));
    ck_assert_ptr_null(oidc_claims_lookup(c, "s.x"));    /* through a string */
    ck_assert_ptr_null(oidc_claims_lookup(c, "realm_access..roles"));
    ck_assert_ptr_null(oidc_claims_lookup(c, ".sub"));
    ck_assert_ptr_null(oidc_claims_lookup(c, "realm_access.roles.0"));
}
END_TEST

START_TEST(match)
{
    json_t *c = load("{\"sub\":\"alice\",\"groups\":[\"users\",\"admins\",7],"
                     "\"age\":42,\"verified\":true,\"off\":false,"
                     "\"nothing\":null,\"obj\":{\"groups\":[\"x\"]},"
                     "\"nested\":[[\"admins\"]]}");

    ck_assert(oidc_claims_match(unit_pool, c, "sub", vals("alice", NULL)));
    ck_assert(oidc_claims_match(unit_pool, c, "sub", vals("bob", "alice")));
    ck_assert(!oidc_claims_match(unit_pool, c, "sub", vals("bob", "Alice")));
    ck_assert(!oidc_claims_match(unit_pool, c, "sub", vals(NULL, NULL)));
    /* Arrays: any element. */
    ck_assert(oidc_claims_match(unit_pool, c, "groups", vals("admins", NULL)));
    ck_assert(oidc_claims_match(unit_pool, c, "groups", vals("7", NULL)));
    ck_assert(!oidc_claims_match(unit_pool, c, "groups", vals("admin", NULL)));
    /* Numbers and booleans in their JSON text form. */
    ck_assert(oidc_claims_match(unit_pool, c, "age", vals("42", NULL)));
    ck_assert(!oidc_claims_match(unit_pool, c, "age", vals("42.0", NULL)));
    ck_assert(oidc_claims_match(unit_pool, c, "verified", vals("true", NULL)));
    ck_assert(!oidc_claims_match(unit_pool, c, "verified", vals("1", NULL)));
    ck_assert(oidc_claims_match(unit_pool, c, "off", vals("false", NULL)));
    /* Absent, null, objects and nested arrays never match. */
    ck_assert(!oidc_claims_match(unit_pool, c, "missing", vals("", NULL)));
    ck_assert(!oidc_claims_match(unit_pool, c, "nothing", vals("", "null")));
    ck_assert(!oidc_claims_match(unit_pool, c, "obj",
                                 vals("{\"groups\":[\"x\"]}", NULL)));
    ck_assert(!oidc_claims_match(unit_pool, c, "nested",
                                 vals("admins", "[\"admins\"]")));
    /* Paths. */
    ck_assert(oidc_claims_match(unit_pool, c, "obj.groups", vals("x", NULL)));
}
END_TEST

START_TEST(string)
{
    json_t *c = load("{\"sub\":\"alice\",\"n\":12345,\"r\":1.5,"
                     "\"obj\":{\"email\":\"a@b\"},\"arr\":[\"x\"],"
                     "\"b\":true,\"null\":null,\"empty\":\"\","
                     "\"crlf\":\"a\\r\\nb\"}");

    ck_assert_str_eq(oidc_claims_string(unit_pool, c, "sub"), "alice");
    ck_assert_str_eq(oidc_claims_string(unit_pool, c, "n"), "12345");
    ck_assert_str_eq(oidc_claims_string(unit_pool, c, "r"), "1.5");
    ck_assert_str_eq(oidc_claims_string(unit_pool, c, "obj.email"), "a@b");
    ck_assert_str_eq(oidc_claims_string(unit_pool, c, "crlf"), "a  b");
    ck_assert_ptr_null(oidc_claims_string(unit_pool, c, "missing"));
    ck_assert_ptr_null(oidc_claims_string(unit_pool, c, "obj"));
    ck_assert_ptr_null(oidc_claims_string(unit_pool, c, "arr"));
    ck_assert_ptr_null(oidc_claims_string(unit_pool, c, "b"));
    ck_assert_ptr_null(oidc_claims_string(unit_pool, c, "null"));
    ck_assert_ptr_null(oidc_claims_string(unit_pool, c, "empty"));
}
END_TEST

Suite *claims_suite(void)
{
    Suite *s = suite_create("claims");
    TCase *tc = unit_tcase("claims");

    tcase_add_test(tc, export_values);
    tcase_add_test(tc, export_names);
    tcase_add_test(tc, export_flat_with_prefix);
    tcase_add_test(tc, names_made_as_exported);
    tcase_add_test(tc, export_scrubs_control_chars);
    tcase_add_test(tc, export_bounded);
    tcase_add_test(tc, lookup);
    tcase_add_test(tc, match);
    tcase_add_test(tc, string);
    suite_add_tcase(s, tc);
    return s;
}
