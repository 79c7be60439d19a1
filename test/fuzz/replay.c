/*
 * replay.c: runs one fuzz target over files and directories of inputs, for
 * make check (built with the normal compiler, no libFuzzer). Each input is
 * copied into a buffer of its exact size, so a sanitizer build catches a
 * read past its end. Exits non-zero on a missing or empty corpus; a crash
 * fails the test by itself.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n = -1;
    int ok = 0;

    if (f != NULL && fseek(f, 0, SEEK_END) == 0) {
        n = ftell(f);
    }
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc(n > 0 ? (size_t)n : 1);
        ok = buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n;
    }
    if (f != NULL) {
        fclose(f);
    }
    if (!ok) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 1;
}

/* The number of inputs run, or -1 on a read error. */
static int run_path(const char *path)
{
    struct stat st;
    DIR *dir;
    struct dirent *e;
    int count = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s does not exist\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return run_file(path);
    }
    dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *child;
        int n;

        if (e->d_name[0] == '.') {
            continue;
        }
        child = malloc(len);
        if (child == NULL) {
            closedir(dir);
            return -1;
        }
        snprintf(child, len, "%s/%s", path, e->d_name);
        n = run_path(child);
        free(child);
        if (n < 0) {
            closedir(dir);
            return -1;
        }
        count += n;
    }
    closedir(dir);
    return count;
}

int main(int argc, char **argv)
{
    int i, n, total = 0;

    for (i = 1; i < argc; i++) {
        n = run_path(argv[i]);
        if (n < 0) {
            return 1;
        }
        total += n;
    }
    printf("%s: %d inputs replayed\n", argv[0], total);
    return total > 0 ? 0 : 1;
}
