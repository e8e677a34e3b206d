#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what is missing, build, and run the whole test suite: unit tests (Check), the core
# purity check, fuzz replay, and system tests against real chronyd and NTPsec on loopback and
# in network namespaces.  The suite runs with CAP_SYS_TIME dropped from the bounding set, so no
# bug in timed or a peer can move this machine's clock.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh --test
./scripts/build.sh
if [ "$(id -u)" -eq 0 ]; then
  # As root (CI), every system test must run; none may skip itself.
  export TIMED_REQUIRE_SYSTEM=1
fi
status=0
setpriv --bounding-set=-sys_time --inh-caps=-sys_time -- \
  make -j1 check >/dev/null 2>&1 || status=$?
# Show every test's own output; the Check summary line of the unit tests comes first.
for log in tests/unit/check_core.log tests/unit/core_symbols.sh.log tests/fuzz/replay.sh.log tests/sim/check_sim.log tests/system/t_*.log; do
  [ -f "$log" ] || continue
  echo "=== $log"
  cat "$log"
done
echo "=== summary"
grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' test-suite.log 2>/dev/null || true
fail=$(grep -lE '^:test-result: (FAIL|ERROR)' tests/*/*.trs 2>/dev/null | wc -l)
skip=$(grep -lE '^:test-result: SKIP' tests/*/*.trs 2>/dev/null | wc -l)
pass=$(grep -lE '^:test-result: PASS' tests/*/*.trs 2>/dev/null | wc -l)
grep -h 'Checks:' tests/unit/check_core.log 2>/dev/null | tail -1
echo "tests: $pass passed, $fail failed, $skip skipped"
exit $status
