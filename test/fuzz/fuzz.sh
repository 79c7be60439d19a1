#!/bin/sh
# make fuzz / make fuzz-build (variables from test/fuzz/fuzz.am).
#
# Builds each libFuzzer target with clang: the protocol core is compiled
# into it with the same coverage instrumentation and sanitizers (not the
# gcc-built liboidc_core.la). `make fuzz` then runs each target for
# FUZZ_SECONDS, FUZZ_JOBS at a time, with its dictionary, its committed seeds
# (only read) and a scratch corpus that collects what it finds.
#
#   fuzz.sh SRCDIR fuzz|fuzz-build      (make's entry)
#   fuzz.sh SRCDIR run-one NAME         (one target; used through xargs)
set -eu
srcdir=$1
mode=$2
out=$FUZZ_OUT
build=$out/build

summary() {
    # The last coverage line, and libFuzzer's final statistics.
    log=$out/logs/$1.log
    cov=$(grep -E '^#[0-9]+.*cov: ' "$log" 2>/dev/null | tail -1 \
          | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
    runs=$(sed -n 's/^stat::number_of_executed_units: //p' "$log" 2>/dev/null)
    speed=$(sed -n 's/^stat::average_exec_per_sec: //p' "$log" 2>/dev/null)
    crashes=$(find "$out/crashes/$1" -type f 2>/dev/null | wc -l)
    echo "fuzz: $1: ${runs:-?} runs, ${speed:-?} exec/s, ${cov:-no coverage line}, $crashes crash file(s)"
}

if [ "$mode" = run-one ]; then
    name=$3
    mkdir -p "$out/corpus/$name" "$out/crashes/$name" "$out/logs"
    status=0
    "$out/fuzz_$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -dict="$srcdir/test/fuzz/$name.dict" \
        -artifact_prefix="$out/crashes/$name/" \
        "$out/corpus/$name" "$srcdir/test/fuzz/corpus/$name" \
        >"$out/logs/$name.log" 2>&1 || status=$?
    summary "$name"
    [ "$status" -eq 0 ] || echo "fuzz: $name FAILED (exit $status): see $out/logs/$name.log and $out/crashes/$name/"
    exit "$status"
fi

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
    echo "fuzz: $FUZZ_CC not found (Debian 12: apt-get install clang" \
         "libclang-rt-dev, or scripts/test.sh fuzz)" >&2
    exit 1
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san $FUZZ_CFLAGS -I$srcdir/test/fuzz"
export FUZZ_CC cflags build

# Objects: all are rebuilt when the flags or any header changed, otherwise
# each when its source is newer.
mkdir -p "$build"
stamp=$build/flags
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$FUZZ_CC $cflags" ] \
   || [ -n "$(find "$srcdir/src" "$srcdir/test/fuzz" -name '*.h' -newer "$stamp")" ]; then
    rm -f "$build"/*.o
    echo "$FUZZ_CC $cflags" >"$stamp"
fi
todo=""
objs=""
for src in $FUZZ_CORE_SOURCES test/fuzz/fuzz_common.c test/fuzz/fuzz_keys.c \
           test/fuzz/fuzz_http.c; do
    case $src in *.c) ;; *) continue ;; esac
    obj=$build/$(basename "$src" .c).o
    objs="$objs $obj"
    if [ ! -f "$obj" ] || [ "$srcdir/$src" -nt "$obj" ]; then
        todo="$todo $srcdir/$src"
    fi
done
if [ -n "$todo" ]; then
    echo "fuzz: compiling $(echo $todo | wc -w) sources with $FUZZ_CC"
    # -fsanitize=fuzzer-no-link: coverage instrumentation without main().
    printf '%s\n' $todo | xargs -P "$FUZZ_JOBS" -n 1 sh -c \
        '$FUZZ_CC $cflags -fsanitize=fuzzer-no-link -c "$1" -o "$build/$(basename "$1" .c).o"' sh
fi
for name in $FUZZ_TARGETS; do
    if [ ! -f "$srcdir/test/fuzz/fuzz_$name.c" ]; then
        echo "fuzz: no target $name (test/fuzz/fuzz_$name.c)" >&2
        exit 1
    fi
    if ! $FUZZ_CC $cflags -fsanitize=fuzzer "$srcdir/test/fuzz/fuzz_$name.c" \
            $objs $FUZZ_LIBS -o "$out/fuzz_$name"; then
        echo "fuzz: cannot build fuzz_$name (no libFuzzer runtime? Debian 12:" \
             "apt-get install libclang-rt-dev)" >&2
        exit 1
    fi
done
echo "fuzz: built$(for n in $FUZZ_TARGETS; do printf ' %s' "$out/fuzz_$n"; done)"
[ "$mode" = fuzz ] || exit 0

echo "fuzz: running $(echo $FUZZ_TARGETS | wc -w) target(s) for ${FUZZ_SECONDS}s each, $FUZZ_JOBS at a time"
export FUZZ_OUT FUZZ_SECONDS
status=0
printf '%s\n' $FUZZ_TARGETS \
    | xargs -P "$FUZZ_JOBS" -n 1 sh "$0" "$srcdir" run-one || status=$?
if [ "$status" -ne 0 ]; then
    echo "fuzz: FAILED: crash inputs are in $out/crashes/<name>/; replay one with" \
         "$out/fuzz_<name> FILE or test/fuzz/replay_<name> FILE"
fi
exit "$status"
