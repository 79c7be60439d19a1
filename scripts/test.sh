#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing (Debian packages, the pinned npm test dependencies), builds with
# warnings as errors, and runs `make check` (unit tests, then the
# integration suite against a real httpd and a real OpenID Provider).
#
#   scripts/test.sh              everything
#   scripts/test.sh unit         the unit tests only
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. "$top/scripts/deps.sh"
install_deps
build

status=0
case "${1:-all}" in
unit) make -s check TESTS=test/unit/test_core || status=$? ;;
*)    make -s check || status=$? ;;
esac

# Print what failed, then one closing line with the totals.
for log in test/unit/test_core.log test/integration/run.sh.log; do
    [ -f "$log" ] || continue
    if grep -qE '^not ok|Failures: [1-9]|Errors: [1-9]|^[^:]+:[0-9]+:[EF]:' "$log"; then
        echo "---- $log"; cat "$log"
    fi
done
unit_line=$(grep -E '^[0-9]+%: Checks: ' test/unit/test_core.log 2>/dev/null | tail -1 || true)
echo "unit: ${unit_line:-not run}"
u_total=$(echo "$unit_line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
u_fail=$(echo "$unit_line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p' | awk '{print $1+$2}')
i_pass=$(sed -n 's/^# pass \([0-9]*\)/\1/p' test/integration/run.sh.log 2>/dev/null | tail -1)
i_fail=$(sed -n 's/^# fail \([0-9]*\)/\1/p' test/integration/run.sh.log 2>/dev/null | tail -1)
echo "integration: ${i_pass:-0} passed, ${i_fail:-0} failed"
passed=$(( ${u_total:-0} - ${u_fail:-0} + ${i_pass:-0} ))
failed=$(( ${u_fail:-0} + ${i_fail:-0} ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1    # make check failed without a test saying so: count it
fi
echo "$passed passed, $failed failed"
exit "$status"
