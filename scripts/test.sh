#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing (Debian packages, the pinned npm test dependencies), builds with
# warnings as errors, and runs `make check` (unit tests, then the
# integration suite against a real httpd and a real OpenID Provider).
#
#   scripts/test.sh              everything
#   scripts/test.sh unit         the unit tests and the fuzz seed replay only
#   scripts/test.sh fuzz         `make fuzz` (installs clang and libFuzzer;
#                                FUZZ_SECONDS, FUZZ_TARGETS, FUZZ_JOBS apply)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. "$top/scripts/deps.sh"
install_deps
if [ "${1:-all}" = fuzz ]; then install_fuzz_deps; fi
build

status=0
case "${1:-all}" in
unit) make -s check TESTS="test/unit/test_core test/fuzz/replay.sh" \
          || status=$? ;;
fuzz) make -s fuzz ${FUZZ_SECONDS:+FUZZ_SECONDS=$FUZZ_SECONDS} \
          ${FUZZ_TARGETS:+FUZZ_TARGETS="$FUZZ_TARGETS"} \
          ${FUZZ_JOBS:+FUZZ_JOBS=$FUZZ_JOBS} || status=$?
      exit "$status" ;;
*)    make -s check || status=$? ;;
esac

# Print what failed, then one closing line with the totals.
for log in test/unit/test_core.log test/fuzz/replay.sh.log \
           test/integration/run.sh.log; do
    [ -f "$log" ] || continue
    if grep -qE '^not ok|Failures: [1-9]|Errors: [1-9]|^[^:]+:[0-9]+:[EF]:|^FAIL' "$log"; then
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
echo "integration: ${i_pass:-0} passed, ${i_fail:-0} failed"
f_pass=0; f_fail=0
case $fuzz_status in PASS) f_pass=1 ;; FAIL|ERROR) f_fail=1 ;; esac
passed=$(( ${u_total:-0} - ${u_fail:-0} + ${i_pass:-0} + f_pass ))
failed=$(( ${u_fail:-0} + ${i_fail:-0} + f_fail ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1    # make check failed without a test saying so: count it
fi
echo "$passed passed, $failed failed"
exit "$status"
