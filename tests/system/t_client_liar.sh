#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_client_liar.sh - of three chronyd servers on loopback, one serves time an hour ahead
# (it runs under libfaketime, FAKETIME=+3600s, which shifts what chronyd reads from
# clock_gettime; the machine's clock is not touched).  timed must mark the liar a
# falseticker ('x'), never select it ('*'), follow the two that agree, and keep its own
# offset small: it must never serve the liar's hour.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd chronyd chronyc setpriv python3
require_faketime
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

P1=$(free_port)
P2=$(free_port)
PL=$(free_port)
PT=$(free_port)
start_chronyd a "$P1"
start_chronyd b "$P2"
start_chronyd liar "$PL" "" LD_PRELOAD="$LIBFAKETIME" FAKETIME=+3600s
# First check that the liar really lies, with our own raw client.
j=$(probe -p "$PL" -t 3 127.0.0.1)
off=$(json_get "$j" detail.0.offset)
assert_true "the liar on port $PL is an hour ahead (ntpprobe offset $off s)" \
  python3 -c 'import sys; sys.exit(0 if abs(float(sys.argv[1]) - 3600) < 1 else 1)' "$off"

# The liar comes first, so its first answer is likely the first to arrive: timed must not
# select it before it has heard the others.
start_timed "port $PT
allow 127.0.0.1
server 127.0.0.1 port $PL iburst minpoll 0 maxpoll 2
server 127.0.0.1 port $P1 iburst minpoll 0 maxpoll 2
server 127.0.0.1 port $P2 iburst minpoll 0 maxpoll 2"

# Watch every half second for up to 60 s: the liar is never '*', and whenever timed says
# it is synchronised its offsets are small.  Stop 8 s after the liar is first seen as 'x'
# with a truechimer selected and timed synchronised.
end=$((SECONDS + 60))
done_at=""
n=0
while [ "$SECONDS" -lt "$end" ]; do
  timed_alive || fail "timed died"
  j=$(sources_json)
  n=$((n + 1))
  st=$(srcq "$j" "P[$PL]['state']")
  [ "$st" != '*' ] || fail "the liar (port $PL) is selected: $j"
  t=$(tctl --json tracking) || fail "timectl --json tracking failed"
  if [ "$(json_get "$t" synchronised)" = true ]; then
    off=$(json_get "$t" system_time_offset)
    abs_lt "$off" 0.1 || fail "synchronised with system time offset $off s: $t"
    off=$(json_get "$t" last_offset)
    abs_lt "$off" 0.1 || fail "synchronised with last offset $off s: $t"
    if [ -z "$done_at" ] && [ "$st" = x ] &&
       [ "$(srcq "$j" "P[$P1]['state'] == '*' or P[$P2]['state'] == '*'")" = true ]; then
      log "liar is 'x' and a truechimer is selected after $((60 - end + SECONDS)) s"
      done_at=$((SECONDS + 8))
    fi
  fi
  [ -z "$done_at" ] || [ "$SECONDS" -lt "$done_at" ] || break
  sleep 0.5
done
[ -n "$done_at" ] || fail "within 60 s the liar was not marked 'x' with a truechimer selected: $j"
_pass "in $n looks over the run the liar was never '*', and offsets stayed < 0.1 s while synchronised"

j=$(sources_json)
log "sources: $j"
tctl sources | sed 's/^/    /'
assert_eq "the liar is a falseticker ('x')" x "$(srcq "$j" "P[$PL]['state']")"
assert_eq "its stratum is 8 (it is reachable, just wrong)" 8 "$(srcq "$j" "P[$PL]['stratum']")"
assert_eq "timed measured its hour (|offset| about 3600 s)" true \
  "$(srcq "$j" "abs(abs(P[$PL]['offset']) - 3600) < 1")"
assert_eq "a truechimer is selected" true \
  "$(srcq "$j" "P[$P1]['state'] == '*' or P[$P2]['state'] == '*'")"
assert_eq "the truechimers agree within 10 ms" true \
  "$(srcq "$j" "abs(P[$P1]['offset']) < 0.01 and abs(P[$P2]['offset']) < 0.01")"
t=$(tctl --json tracking)
tctl tracking | sed 's/^/    /'
assert_eq "tracking: synchronised" true "$(json_get "$t" synchronised)"
assert_eq "tracking: stratum 9" 9 "$(json_get "$t" stratum)"
off=$(json_get "$t" system_time_offset)
assert_true "tracking: |system time offset| $off s < 10 ms" abs_lt "$off" 0.01

# What timed serves is our time, not the liar's.
j=$(probe -p "$PT" -t 3 127.0.0.1)
assert_eq "timed serves stratum 9" 9 "$(json_get "$j" detail.0.stratum)"
off=$(json_get "$j" detail.0.offset)
assert_true "timed serves time within 10 ms of ours ($off s)" abs_lt "$off" 0.01
stop_timed
