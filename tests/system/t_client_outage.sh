#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_client_outage.sh - one of two chronyd servers goes away and comes back.  While it is
# gone, its reachability register only shifts zeros in (each unanswered request moves it
# left, RFC 5905 §13 / chronyc's "Reach") until it reads 0, and the other server stays
# selected with timed synchronised; once it is restarted on the same port, its reach comes
# back.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd chronyd chronyc setpriv python3
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PA=$(free_port)
PB=$(free_port)
start_chronyd a "$PA"
PID_A=$CHRONYD_PID
start_chronyd b "$PB"
PID_B=$CHRONYD_PID

# maxpoll 1: a request every 1-2 s, so eight missed polls take under 20 s.
start_timed "server 127.0.0.1 port $PA iburst minpoll 0 maxpoll 1
server 127.0.0.1 port $PB iburst minpoll 0 maxpoll 1"

wait_for 30 "both sources become reachable" src_true 'all(s["reach"] > 0 for s in S)'
wait_for 40 "one source is selected ('*')" src_true 'sum(s["state"] == "*" for s in S) == 1'
wait_for 40 "tracking says synchronised" timed_synced
# A register with history: the last four polls of both answered.
wait_for 30 "both reach registers end in four answered polls (reach & 15 == 15)" \
  src_true 'all(s["reach"] & 15 == 15 for s in S)'

j=$(sources_json)
log "sources: $j"
if [ "$(srcq "$j" "P[$PA]['state']")" = '*' ]; then
  SEL=$PA; GONE=$PB; GONE_NAME=b; GONE_PID=$PID_B
else
  SEL=$PB; GONE=$PA; GONE_NAME=a; GONE_PID=$PID_A
fi
log "selected: port $SEL; stopping the other, chronyd $GONE_NAME on port $GONE (pid $GONE_PID)"
stop_pid "$GONE_PID"
assert_eq "chronyd $GONE_NAME is gone" "" "$(_proc_state "$GONE_PID")"

# Every half second for up to 40 s: the register of the stopped server only ever shifts
# left (zeros in; 1 bits can only come from answers), the other stays '*' and timed stays
# synchronised; stop once the register reads 0.
prev=""
end=$((SECONDS + 40))
seen=""
while [ "$SECONDS" -lt "$end" ]; do
  j=$(sources_json)
  r=$(srcq "$j" "P[$GONE]['reach']")
  case "$seen" in
    *" $r") ;;
    *) seen="$seen $r" ;;
  esac
  if [ -n "$prev" ]; then
    [ "$(srcq "$j" "any((($prev << k) & 255) == $r for k in range(9))")" = true ] ||
      fail "reach of the stopped server went from $prev to $r: not a shift with zeros in"
  fi
  prev=$r
  [ "$(srcq "$j" "P[$SEL]['state']")" = '*' ] || fail "port $SEL is no longer selected: $j"
  timed_synced || fail "timed lost synchronisation with one server left"
  [ "$r" != 0 ] || break
  sleep 0.5
done
log "reach of the stopped server (decimal) went:$seen"
assert_eq "its reach decayed to 0 within 40 s, shifting zeros in" 0 "$r"
assert_ge "and it was seen at several intermediate values" "$(echo "$seen" | wc -w)" 3
_pass "meanwhile port $SEL stayed selected and timed synchronised"
assert_ne "the unreachable server is not selected" '*' "$(srcq "$j" "P[$GONE]['state']")"
log "its state now: $(srcq "$j" "P[$GONE]['state']")"
tctl sources | sed 's/^/    /'

# Back on the same port: answers set bit 0 again.
start_chronyd "$GONE_NAME" "$GONE"
wait_for 20 "reach of the restarted server comes back (bit 0 set)" \
  src_true "P[$GONE]['reach'] & 1 == 1"
wait_for 20 "and keeps growing (two answered polls)" \
  src_true "bin(P[$GONE]['reach'] & 7).count('1') >= 2"
wait_for 30 "it becomes usable again (state '*', '+' or '-')" \
  src_true "P[$GONE]['state'] in ('*', '+', '-')"
assert_true "timed is still synchronised" timed_synced
tctl sources | sed 's/^/    /'
stop_timed
