#!/bin/sh
# Per-request cost benchmarks of mod_authnz_oidc beside a static file and
# Debian's mod_auth_openidc, from a fresh Debian 12 machine: installs what
# is missing, builds the module unless MODULE_SO exists, runs every
# scenario in one go, and writes bench/out/results.{txt,csv,png} and
# bench/out/memory.csv.
#   BENCH_SECONDS=12   seconds of load per scenario (after 2 s of warm-up)
#   BENCH_ROUNDS=6     turns the scenarios take in alternation
#   BENCH_LOGINS=300   full logins per login scenario
#   BENCH_KEEP=1       keep the httpd roots (configuration, error log)
#   BENCH_ONLY=login   only the logins (scenario 5), printed, nothing written
#   MODULE_SO=...      the module to measure (default: the tree's .libs/)
#   BENCH_OUT=...      where to write the results (default: bench/out)
#   BENCH_PIN=0        leave httpd unpinned (default: httpd alone on the
#                      last CPU, everything else on the others)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. "$top/scripts/deps.sh"

install_packages wrk libapache2-mod-auth-openidc gnuplot-nox
install_deps

: "${MODULE_SO:=$top/.libs/mod_authnz_oidc.so}"
if [ ! -f "$MODULE_SO" ]; then
    build
fi
if [ ! -f "$MODULE_SO" ]; then
    echo "run.sh: $MODULE_SO is missing after the build" >&2
    exit 1
fi
export MODULE_SO TOP_SRCDIR="$top"

# bench.mjs writes there, and the chart is drawn from there.
out=${BENCH_OUT:-$top/bench/out}
export BENCH_OUT="$out"
mkdir -p "$out"
node "$top/bench/bench.mjs"
if [ "${BENCH_ONLY:-}" = login ]; then
    exit 0      # a look at the logins alone: no table, no chart
fi
gnuplot -e "csv='$out/results.csv'; png='$out/results.png'" "$top/bench/chart.gp"
echo "wrote $out/results.txt, results.csv, memory.csv, results.png"
