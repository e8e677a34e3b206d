#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_client_drift.sh - the drift file.  After synchronising to chronyd servers, timed writes
# its frequency and skew to `driftfile` when it stops; the next timed reads them back at
# start (tracking shows them before any clock update, and an unsynchronised run does not
# rewrite the file); a drift file that is garbage or out of range (|freq| > 500 ppm) is
# ignored with a warning and timed starts anyway.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd chronyd chronyc setpriv python3
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PA=$(free_port)
PB=$(free_port)
start_chronyd a "$PA"
start_chronyd b "$PB"
DRIFT=$TMP/drift
start_timed "driftfile $DRIFT
server 127.0.0.1 port $PA iburst minpoll 0 maxpoll 1
server 127.0.0.1 port $PB iburst minpoll 0 maxpoll 1"
wait_for 40 "tracking says synchronised" timed_synced
wait_for 30 "a few samples from each source (>= 4)" src_true 'all(s["samples"] >= 4 for s in S)'
assert_eq "no drift file while running (written at the hourly interval and on exit)" no \
  "$([ -e "$DRIFT" ] && echo yes || echo no)"
stop_timed
assert_true "timed wrote the drift file on exit" test -s "$DRIFT"
log "drift file: $(cat "$DRIFT")"
read -r freq skew rest <"$DRIFT"
assert_true "it holds two finite numbers: frequency $freq ppm within +-500, skew $skew ppm >= 0" \
  python3 -c 'import math, sys
f, s = float(sys.argv[1]), float(sys.argv[2])
sys.exit(0 if math.isfinite(f) and math.isfinite(s) and abs(f) <= 500 and 0 <= s < 1e6 and
         sys.argv[3] == "" else 1)' "$freq" "$skew" "${rest:-}"

# Read back at start: with no sources there is no update, so tracking shows the file's
# frequency (tracking's sign is the opposite: how the uncorrected clock runs) and skew,
# and the file is left as it was.
printf '12.500000 0.500000\n' >"$DRIFT"
start_timed "driftfile $DRIFT"
t=$(tctl --json tracking) || fail "timectl --json tracking failed"
f=$(json_get "$t" frequency_ppm)
assert_true "tracking frequency $f ppm from the drift file (a 12.5 ppm correction)" \
  abs_lt "$(python3 -c 'import sys; print(float(sys.argv[1]) + 12.5)' "$f")" 1e-6
f=$(json_get "$t" skew_ppm)
assert_true "tracking skew $f ppm from the drift file" \
  abs_lt "$(python3 -c 'import sys; print(float(sys.argv[1]) - 0.5)' "$f")" 1e-6
assert_match "the log says where the frequency came from" "frequency 12\.500 ppm.*$DRIFT" \
  "$(cat "$TIMED_LOG")"
stop_timed
assert_eq "no clock update: the drift file is not rewritten" "12.500000 0.500000" "$(cat "$DRIFT")"

# Garbage and out-of-range files: ignored with a warning, timed runs from frequency 0.
for bad in 'garbage here' '900 1' 'nan 1' '1.0' '5 -1'; do
  printf '%s\n' "$bad" >"$DRIFT"
  : >"$TIMED_LOG"
  start_timed "driftfile $DRIFT"
  t=$(tctl --json tracking) || fail "timectl --json tracking failed"
  assert_true "drift file '$bad': ignored, frequency 0 (got $(json_get "$t" frequency_ppm))" \
    abs_lt "$(json_get "$t" frequency_ppm)" 1e-9
  assert_match "drift file '$bad': a warning names the file" "invalid drift file $DRIFT" \
    "$(cat "$TIMED_LOG")"
  stop_timed
done
