#!/bin/sh
# make check: each fuzz target replays its seed corpus (test/fuzz/corpus/
# <name>/), built with the normal compiler. A crash, a missing driver or an
# empty corpus fails the test.
set -u
corpora="${srcdir:-.}/test/fuzz/corpus"
status=0
for dir in "$corpora"/*/; do
    name=$(basename "$dir")
    if ! ./test/fuzz/replay_"$name" "$dir"; then
        echo "FAIL: fuzz target $name on $dir"
        status=1
    fi
done
exit $status
