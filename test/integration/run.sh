#!/bin/sh
# The integration suite, as `make check` runs it: real httpd instances
# loading the module just built, a real OP (oidc-provider) on 127.0.0.1.
# Run one area alone with: test/integration/run.sh 1   (the 1xx files)
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
: "${MODULE_SO:=$top/.libs/mod_authnz_oidc.so}"
export MODULE_SO TOP_SRCDIR="$top"

if [ ! -f "$MODULE_SO" ]; then
    echo "run.sh: $MODULE_SO is missing: run make first" >&2
    exit 99
fi
if [ ! -d "$top/test/op/node_modules/oidc-provider" ]; then
    echo "run.sh: installing the pinned test OP (npm ci in test/op)"
    (cd "$top/test/op" && npm ci --no-audit --no-fund --loglevel=error)
fi
cd "$here"
files=$(ls ${1:-[0-9]}*-*.test.mjs)
exec node --test --test-concurrency=1 --test-reporter=tap $files
