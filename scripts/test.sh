#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing (Debian packages, the pinned npm test dependencies), builds with
# warnings as errors, and runs `make check` (unit tests, then the
# integration suite against a real httpd and a real OpenID Provider).
#
#   scripts/test.sh              everything
#   scripts/test.sh unit         the unit tests and the fuzz seed replay only
#   scripts/test.sh sanitize     everything, built with ASan + UBSan
#                                (--enable-sanitizers) in build-sanitize/
#   scripts/test.sh valgrind     the unit tests under valgrind
#   scripts/test.sh fuzz         `make fuzz` (installs clang and libFuzzer;
#                                FUZZ_SECONDS, FUZZ_TARGETS, FUZZ_JOBS apply)
#   scripts/test.sh package      builds the Debian package, runs lintian,
#                                installs it and logs in through it, then
#                                purges it: the one test that touches the
#                                system's apache2 (scripts/test-package.sh)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. "$top/scripts/deps.sh"
mode=${1:-all}
[ "$mode" = package ] && exec sh "$top/scripts/test-package.sh"
case $mode in
valgrind) DEBIAN_PACKAGES="$DEBIAN_PACKAGES valgrind" ;;
esac
install_deps

# The sanitized build lives in a copy of the work tree's files, so that the
# module built here stays the plain one (the benchmarks and the demo use
# it): a VPATH build is refused while this tree is configured in place. tar
# keeps modification times, so a second run rebuilds only what changed.
# rm -rf build-sanitize starts afresh.
sanitize_build() {
    if ! git rev-parse --git-dir >/dev/null 2>&1; then
        echo "test.sh sanitize: copies the files of a git work tree" >&2
        exit 2
    fi
    mkdir -p build-sanitize
    git ls-files -z --cached --others --exclude-standard \
        | tar --null -T - --ignore-failed-read -cf - 2>/dev/null \
        | tar -C build-sanitize -xf -
    ln -sfn ../../../test/op/node_modules build-sanitize/test/op/node_modules
    cd build-sanitize
    if [ ! -x configure ] || [ configure.ac -nt configure ] \
        || [ Makefile.am -nt configure ]; then
        ./autogen.sh >/dev/null 2>&1
    fi
    if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
        ./configure --enable-werror --enable-sanitizers >/dev/null
    fi
    make -s -j2 >/dev/null
}

# No totals from an earlier run of what this one does not run.
fresh_logs() {
    rm -f test/unit/test_core.log test/fuzz/replay.sh.log \
          test/integration/run.sh.log
}

status=0
case $mode in
unit)
    build; fresh_logs
    make -s check TESTS="test/unit/test_core test/fuzz/replay.sh" \
        || status=$? ;;
fuzz)
    install_fuzz_deps; build
    make -s fuzz ${FUZZ_SECONDS:+FUZZ_SECONDS=$FUZZ_SECONDS} \
        ${FUZZ_TARGETS:+FUZZ_TARGETS="$FUZZ_TARGETS"} \
        ${FUZZ_JOBS:+FUZZ_JOBS=$FUZZ_JOBS} || status=$?
    exit "$status" ;;
sanitize)
    sanitize_build; fresh_logs
    # Where the unit tests went wrong, not only the line (httpd gets its own
    # options from the harness).
    UBSAN_OPTIONS=print_stacktrace=1 make -s check || status=$? ;;
valgrind)
    build; fresh_logs
    make -s test/unit/test_core
    # No fork per test, so that valgrind follows every test in one process.
    echo "valgrind: test/unit/test_core (log: test/unit/test_core.log)"
    CK_FORK=no valgrind --error-exitcode=99 --track-origins=yes \
        --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible \
        ./test/unit/test_core \
        >test/unit/test_core.log 2>&1 || status=$?
    grep -E 'ERROR SUMMARY|(definitely|indirectly|possibly) lost:' \
        test/unit/test_core.log | sed 's/^==[0-9]*== */valgrind: /'
    ;;
*)
    build; fresh_logs
    make -s check || status=$? ;;
esac

# Print what failed, then one closing line with the totals.
for log in test/unit/test_core.log test/fuzz/replay.sh.log \
           test/integration/run.sh.log; do
    [ -f "$log" ] || continue
    if grep -qE '^not ok|Failures: [1-9]|Errors: [1-9]|^[^:]+:[0-9]+:[EF]:|^FAIL|ERROR SUMMARY: [1-9]' "$log"; then
        echo "---- $log"; cat "$log"
    fi
done
unit_line=$(grep -E '^[0-9]+%: Checks: ' test/unit/test_core.log 2>/dev/null | tail -1 || true)
echo "unit: ${unit_line:-not run}"
fuzz_status=$(sed -n 's/^\([A-Z]*\) test\/fuzz\/replay.sh.*/\1/p' \
              test/fuzz/replay.sh.log 2>/dev/null | tail -1)
echo "fuzz seed replay: ${fuzz_status:-not run}"
u_total=$(echo "$unit_line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
u_fail=$(echo "$unit_line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p' | awk '{print $1+$2}')
i_pass=$(sed -n 's/^# pass \([0-9]*\)/\1/p' test/integration/run.sh.log 2>/dev/null | tail -1)
i_fail=$(sed -n 's/^# fail \([0-9]*\)/\1/p' test/integration/run.sh.log 2>/dev/null | tail -1)
if [ -f test/integration/run.sh.log ]; then
    echo "integration: ${i_pass:-0} passed, ${i_fail:-0} failed"
else
    echo "integration: not run"
fi
f_pass=0; f_fail=0
case $fuzz_status in PASS) f_pass=1 ;; FAIL|ERROR) f_fail=1 ;; esac
passed=$(( ${u_total:-0} - ${u_fail:-0} + ${i_pass:-0} + f_pass ))
failed=$(( ${u_fail:-0} + ${i_fail:-0} + f_fail ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1    # make check failed without a test saying so: count it
fi
echo "$passed passed, $failed failed"
exit "$status"
