#!/bin/sh
# The integration suite, as `make check` runs it: real httpd instances
# loading the module just built, a real OP (oidc-provider) on 127.0.0.1.
# Run one area alone with: test/integration/run.sh 1   (the 1xx files)
# INTEGRATION_TESTS does the same for `make check` (INTEGRATION_TESTS='[01]'
# runs the 0xx and 1xx files).
#
# Each file runs on its own (node --test, TAP on stdout, which automake
# keeps in run.sh.log); as each one ends, a line with its result and time
# goes to fd 9, which `make check` points at the terminal
# (AM_TESTS_FD_REDIRECT), or to stderr when fd 9 is not open (run by hand).
# The closing "# pass N" / "# fail N" lines count every file's tests.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
build=${TOP_BUILDDIR:-$top}
: "${MODULE_SO:=$build/.libs/mod_authnz_oidc.so}"
export MODULE_SO TOP_SRCDIR="$top"

if [ ! -f "$MODULE_SO" ]; then
    echo "run.sh: $MODULE_SO is missing: run make first" >&2
    exit 99
fi

# The pinned test OP's npm packages: in test/op, or, when the source tree
# is read-only (make distcheck), in a copy of test/op in the build tree.
# npm ci works offline once npm's cache holds the packages.
op_dir=$top/test/op
if [ ! -d "$op_dir/node_modules/oidc-provider" ]; then
    if [ ! -w "$op_dir" ]; then
        op_dir=$build/test/op-deps
        mkdir -p "$op_dir"
        cp "$top/test/op/op.mjs" "$top/test/op/package.json" \
           "$top/test/op/package-lock.json" "$op_dir/"
        chmod u+w "$op_dir"/*
    fi
    if [ ! -d "$op_dir/node_modules/oidc-provider" ]; then
        echo "run.sh: installing the pinned test OP (npm ci in $op_dir)"
        (cd "$op_dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
TEST_OP_DIR=$op_dir
export TEST_OP_DIR

if (: >&9) 2>/dev/null; then
    progress=9; where="; the TAP output is in test/integration/run.sh.log"
else
    progress=2; where=""
fi
say() { printf '%s\n' "$*" >&"$progress"; }

cd "$here"
files=$(ls ${1:-${INTEGRATION_TESTS:-[0-9]}}*-*.test.mjs)
out=$(mktemp "${TMPDIR:-/tmp}/authnz-oidc-run-XXXXXX")
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pass=0; fail=0; bad=0; nfiles=0; start=$(date +%s)
for f in $files; do
    nfiles=$((nfiles + 1))
    status=0
    node --test --test-reporter=tap "$f" >"$out" 2>&1 || status=$?
    cat "$out"
    p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -1)
    n=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out" | tail -1)
    ms=$(sed -n 's/^# duration_ms \([0-9]*\).*/\1/p' "$out" | tail -1)
    p=${p:-0}; n=${n:-0}
    if [ "$status" -ne 0 ] && [ "$n" -eq 0 ]; then
        n=1     # the file failed without a test saying so: count it
    fi
    pass=$((pass + p)); fail=$((fail + n))
    secs=$(awk -v ms="${ms:-0}" 'BEGIN { printf "%.1f", ms / 1000 }')
    if [ "$status" -eq 0 ]; then
        say "ok     $f  ${secs} s  ($p tests)"
    else
        bad=$((bad + 1))
        say "not ok $f  ${secs} s  ($n of $((p + n)) failed${where})"
    fi
done
echo "# files $nfiles"
echo "# pass $pass"
echo "# fail $fail"
say "integration: $nfiles files, $pass passed, $fail failed in $(( $(date +%s) - start )) s"
[ "$bad" -eq 0 ]
