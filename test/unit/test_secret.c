/* test_secret.c: secrets given literally, as env:NAME or as file:PATH. */
#include <stdlib.h>
#include <apr_file_io.h>

#include "unit.h"
#include "core/util/oidc_secret.h"

#define ENV_NAME "UNIT_OIDC_SECRET_TEST_VAR"

static apr_status_t remove_file(void *path)
{
    apr_file_remove(path, NULL);
    return APR_SUCCESS;
}

/* A temporary file holding exactly these bytes, removed with the pool. */
static const char *temp_file(const char *content, apr_size_t len)
{
    const char *dir = NULL;
    char *path;
    apr_file_t *f;
    apr_size_t written = 0;

    ck_assert_int_eq(apr_temp_dir_get(&dir, unit_pool), APR_SUCCESS);
    path = apr_pstrcat(unit_pool, dir, "/oidc-unit-secret-XXXXXX", NULL);
    ck_assert_int_eq(apr_file_mktemp(&f, path,
                                     APR_FOPEN_CREATE | APR_FOPEN_READ
                                     | APR_FOPEN_WRITE | APR_FOPEN_EXCL,
                                     unit_pool), APR_SUCCESS);
    apr_pool_cleanup_register(unit_pool, path, remove_file,
                              apr_pool_cleanup_null);
    ck_assert_int_eq(apr_file_write_full(f, content, len, &written),
                     APR_SUCCESS);
    ck_assert_uint_eq(written, len);
    ck_assert_int_eq(apr_file_close(f), APR_SUCCESS);
    return path;
}

static const char *resolve(const char *spec, const char **err)
{
    *err = "untouched";
    return oidc_secret_resolve(unit_pool, spec, err);
}

START_TEST(literal)
{
    const char *err;
    const char *max = unit_repeat(unit_pool, 'k', OIDC_MAX_SECRET_LEN);

    ck_assert_str_eq(resolve("s3cret-value", &err), "s3cret-value");
    ck_assert_ptr_null(err);
    /* Only the exact prefixes are special. */
    ck_assert_str_eq(resolve("FILE:/etc/passwd", &err), "FILE:/etc/passwd");
    ck_assert_str_eq(resolve("envy:X", &err), "envy:X");
    ck_assert_str_eq(resolve(max, &err), max);
    ck_assert_ptr_null(err);
}
END_TEST

START_TEST(literal_rejected)
{
    const char *err;
    const char *too_long = unit_repeat(unit_pool, 'Q',
                                       OIDC_MAX_SECRET_LEN + 1);

    ck_assert_ptr_null(resolve("", &err));
    ck_assert_ptr_nonnull(err);
    ck_assert(unit_contains(err, "empty"));

    ck_assert_ptr_null(resolve(NULL, &err));
    ck_assert_ptr_nonnull(err);

    ck_assert_ptr_null(resolve(too_long, &err));
    ck_assert(unit_contains(err, "too long"));
    ck_assert(!unit_contains(err, "QQQQ"));
}
END_TEST

START_TEST(env_set_and_unset)
{
    const char *err;

    ck_assert_int_eq(setenv(ENV_NAME, "from-the-environment", 1), 0);
    ck_assert_str_eq(resolve("env:" ENV_NAME, &err), "from-the-environment");
    ck_assert_ptr_null(err);

    ck_assert_int_eq(unsetenv(ENV_NAME), 0);
    ck_assert_ptr_null(resolve("env:" ENV_NAME, &err));
    ck_assert(unit_contains(err, ENV_NAME));
    ck_assert(unit_contains(err, "not set"));

    ck_assert_int_eq(setenv(ENV_NAME, "", 1), 0);
    ck_assert_ptr_null(resolve("env:" ENV_NAME, &err));
    ck_assert(unit_contains(err, "empty"));
    unsetenv(ENV_NAME);
}
END_TEST

START_TEST(env_value_never_in_error)
{
    const char *err;
    const char *big = unit_repeat(unit_pool, 'W', OIDC_MAX_SECRET_LEN + 10);

    ck_assert_int_eq(setenv(ENV_NAME, big, 1), 0);
    ck_assert_ptr_null(resolve("env:" ENV_NAME, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert(!unit_contains(err, "WWWW"));
    unsetenv(ENV_NAME);
}
END_TEST

START_TEST(file_trailing_newline_trimmed)
{
    const char *err;
    const char *path = temp_file("file-secret\n", 12);

    ck_assert_str_eq(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                             &err), "file-secret");
    ck_assert_ptr_null(err);

    path = temp_file("crlf-secret\r\n", 13);
    ck_assert_str_eq(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                             &err), "crlf-secret");

    path = temp_file("several\n\n\n", 10);
    ck_assert_str_eq(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                             &err), "several");

    /* Only trailing newlines go; inner ones and other spaces stay. */
    path = temp_file(" two\nlines \n", 12);
    ck_assert_str_eq(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                             &err), " two\nlines ");

    path = temp_file("no-newline", 10);
    ck_assert_str_eq(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                             &err), "no-newline");
}
END_TEST

START_TEST(file_max_length)
{
    const char *err;
    char *content = unit_repeat(unit_pool, 'm', OIDC_MAX_SECRET_LEN + 2);
    const char *path, *value;

    /* A secret of the maximum length, as an editor saves it: with a
     * newline, or two characters of one. */
    content[OIDC_MAX_SECRET_LEN] = '\n';
    path = temp_file(content, OIDC_MAX_SECRET_LEN + 1);
    value = resolve(apr_pstrcat(unit_pool, "file:", path, NULL), &err);
    ck_assert_msg(value != NULL, "rejected: %s", err);
    ck_assert_uint_eq(strlen(value), OIDC_MAX_SECRET_LEN);

    content[OIDC_MAX_SECRET_LEN] = '\r';
    content[OIDC_MAX_SECRET_LEN + 1] = '\n';
    path = temp_file(content, OIDC_MAX_SECRET_LEN + 2);
    value = resolve(apr_pstrcat(unit_pool, "file:", path, NULL), &err);
    ck_assert_msg(value != NULL, "rejected: %s", err);
    ck_assert_uint_eq(strlen(value), OIDC_MAX_SECRET_LEN);
}
END_TEST

START_TEST(file_too_long)
{
    const char *err;
    const char *content = unit_repeat(unit_pool, 'Z', 5000);
    const char *path;

    path = temp_file(content, 5000);
    ck_assert_ptr_null(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                               &err));
    ck_assert_ptr_nonnull(err);
    ck_assert(!unit_contains(err, "ZZZZ"));

    /* One byte over, then trailing newlines: still too long, never cut. */
    path = temp_file(apr_pstrcat(unit_pool,
                                 unit_repeat(unit_pool, 'Z',
                                             OIDC_MAX_SECRET_LEN + 1),
                                 "\n", NULL), OIDC_MAX_SECRET_LEN + 2);
    ck_assert_ptr_null(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                               &err));
    ck_assert(!unit_contains(err, "ZZZZ"));

    /* Newlines in the middle do not make a long file short. */
    path = temp_file(apr_pstrcat(unit_pool,
                                 unit_repeat(unit_pool, 'Z',
                                             OIDC_MAX_SECRET_LEN),
                                 "\n\nmore", NULL),
                     OIDC_MAX_SECRET_LEN + 6);
    ck_assert_ptr_null(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                               &err));
}
END_TEST

START_TEST(file_missing)
{
    const char *err;
    const char *path = "/nonexistent/oidc-unit/secret-file";

    ck_assert_ptr_null(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                               &err));
    ck_assert_ptr_nonnull(err);
    ck_assert(unit_contains(err, path));
}
END_TEST

START_TEST(file_empty)
{
    const char *err;
    const char *path = temp_file("", 0);

    ck_assert_ptr_null(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                               &err));
    ck_assert(unit_contains(err, "empty"));

    path = temp_file("\n", 1);
    ck_assert_ptr_null(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                               &err));
    ck_assert(unit_contains(err, "empty"));

    ck_assert_ptr_null(resolve("file:", &err));
    ck_assert_ptr_nonnull(err);
}
END_TEST

START_TEST(file_nul_byte)
{
    const char *err;
    const char *path = temp_file("topsecret\0T41L-zz", 17);

    ck_assert_ptr_null(resolve(apr_pstrcat(unit_pool, "file:", path, NULL),
                               &err));
    ck_assert_ptr_nonnull(err);
    ck_assert(unit_contains(err, path));
    ck_assert(!unit_contains(err, "topsecret"));
    ck_assert(!unit_contains(err, "T41L-zz"));
}
END_TEST

Suite *secret_suite(void)
{
    Suite *s = suite_create("secret");
    TCase *tc = unit_tcase("secret");

    tcase_add_test(tc, literal);
    tcase_add_test(tc, literal_rejected);
    tcase_add_test(tc, env_set_and_unset);
    tcase_add_test(tc, env_value_never_in_error);
    tcase_add_test(tc, file_trailing_newline_trimmed);
    tcase_add_test(tc, file_max_length);
    tcase_add_test(tc, file_too_long);
    tcase_add_test(tc, file_missing);
    tcase_add_test(tc, file_empty);
    tcase_add_test(tc, file_nul_byte);
    suite_add_tcase(s, tc);
    return s;
}
