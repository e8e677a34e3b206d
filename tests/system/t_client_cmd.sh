#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_client_cmd.sh - the client control commands of timectl: makestep, burst, offline,
# online.  Root may use them; uid 65534 is refused by the daemon itself ("Not authorised",
# counted in cmd_denied) even when the socket is open to everyone.  Their effect is checked
# from the outside too: while timed is offline the chronyd servers receive nothing
# (chronyc serverstats), online makes it poll again at once, and `burst 2/4` sends requests
# faster than the 8 s poll would.  Naming one source's address affects only that source;
# naming an address no source has is an error ("No such source").

. "$(dirname "$0")/lib.sh"
require_root
require_cmd chronyd chronyc setpriv python3
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PA=$(free_port)
PB=$(free_port)
start_chronyd a "$PA"
start_chronyd b "$PB"

# A fixed 8 s poll after the iburst: long enough that a burst and a silence are visible.
# B is reached at 127.0.0.2 (chronyd listens on every address; the request still comes from
# 127.0.0.1), so that commands naming one address can be told apart.
start_timed "server 127.0.0.1 port $PA iburst minpoll 3 maxpoll 3
server 127.0.0.2 port $PB iburst minpoll 3 maxpoll 3"
open_cmd_socket

wait_for 30 "both sources become reachable" src_true 'all(s["reach"] > 0 for s in S)'
wait_for 40 "tracking says synchronised" timed_synced
# From now on the steady 8 s poll: the effects below cannot come from the iburst.
wait_for 30 "the iburst is over" src_true 'not any(s["burst"] for s in S)'

# refused_for_nobody COMMAND...: uid 65534 gets exit 1 and "Not authorised", counted.
refused_for_nobody() {
  local den0 rc=0
  den0=$(stat_json cmd_denied)
  as_nobody "$TIMECTL" -h "$TIMED_SOCK" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  assert_eq "'timectl $*' as uid 65534 exits 1" 1 "$rc"
  assert_match "and is told it is not authorised" '[Aa]uthori[sz]' "$(cat "$TMP/err")"
  assert_eq "cmd_denied moved by 1" 1 $(($(stat_json cmd_denied) - den0))
}

# works_for_root COMMAND...: exit 0.
works_for_root() {
  local rc=0
  tctl "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  log "'timectl $*' said: $(cat "$TMP/out" "$TMP/err")"
  assert_eq "'timectl $*' as root exits 0" 0 "$rc"
}

# received_both: "A B", the NTP packets each chronyd has received so far.
received_both() {
  echo "$(chronyd_ntp_received a) $(chronyd_ntp_received b)"
}

# activity_count online|offline: sources online (offline) by `timectl --json activity`,
# counting those in a burst too (chronyc's "doing burst (return to online/offline)"; the
# iburst at start is one).
activity_count() {
  local out
  out=$(tctl --json activity) || fail "timectl --json activity failed"
  echo $(($(json_get "$out" "$1") + $(json_get "$out" "burst_$1")))
}

assert_eq "activity: 2 sources online" 2 "$(activity_count online)"
assert_eq "activity: 0 sources offline" 0 "$(activity_count offline)"

# makestep
refused_for_nobody makestep
works_for_root makestep
sleep 1
assert_true "timed still runs after makestep" timed_alive
wait_for 30 "and is synchronised after makestep" timed_synced

# offline: nobody may not; root may, and then no request leaves for 12 s (> the 8 s poll).
refused_for_nobody offline
works_for_root offline
assert_eq "activity: 2 sources offline" 2 "$(activity_count offline)"
assert_eq "activity: 0 sources online" 0 "$(activity_count online)"
sleep 1   # an answer to a request sent just before may still be on its way
r0=$(received_both)
j=$(sources_json)
log "offline; chronyd received: $r0; sources: $j"
sleep 12
r1=$(received_both)
assert_eq "offline: neither chronyd received a request in 12 s" "$r0" "$r1"
j2=$(sources_json)
assert_eq "offline: the reach registers did not move" \
  "$(srcq "$j" "[P[p]['reach'] for p in sorted(P)]")" "$(srcq "$j2" "[P[p]['reach'] for p in sorted(P)]")"
assert_true "timed still runs" timed_alive

# online: polling resumes at once.
refused_for_nobody online
works_for_root online
assert_eq "activity: 2 sources online again" 2 "$(activity_count online)"
# polled_again A0 B0: both chronyds received more than before.
polled_again() {
  local a b
  read -r a b <<<"$(received_both)"
  [ "$a" -gt "$1" ] && [ "$b" -gt "$2" ]
}
# shellcheck disable=SC2086
wait_for 6 "online: both chronyds receive requests again (from $r1)" polled_again $r1

# burst 2/4: at least 2 requests to each within 6 s, where the 8 s poll would send at most one.
wait_for 15 "tracking says synchronised" timed_synced
sleep 1
refused_for_nobody burst 2/4
read -r a0 b0 <<<"$(received_both)"
works_for_root burst 2/4
# burst_seen A0 B0: each chronyd received at least 2 more requests.
burst_seen() {
  local a b
  read -r a b <<<"$(received_both)"
  [ "$a" -ge $(($1 + 2)) ] && [ "$b" -ge $(($2 + 2)) ]
}
wait_for 6 "burst 2/4: each chronyd received >= 2 requests (from $a0 $b0)" burst_seen "$a0" "$b0"

# One source by address: offline 127.0.0.2 silences B only.
sleep 1
works_for_root offline 127.0.0.2
assert_eq "activity: 1 source offline" 1 "$(activity_count offline)"
assert_eq "activity: 1 source online" 1 "$(activity_count online)"
assert_eq "the flags say which" "true false" \
  "$(srcq "$(sources_json)" "'%s %s' % (str(P[$PA]['online']).lower(), str(P[$PB]['online']).lower())")"
sleep 1
read -r a0 b0 <<<"$(received_both)"
sleep 12
read -r a1 b1 <<<"$(received_both)"
assert_eq "offline 127.0.0.2: chronyd b received nothing in 12 s" "$b0" "$b1"
assert_ge "while chronyd a was still polled (8 s poll)" "$a1" $((a0 + 1))
works_for_root online 127.0.0.2
# shellcheck disable=SC2086
wait_for 6 "online 127.0.0.2: chronyd b receives requests again" polled_again -1 $b1

# An address no source has: an error, and nothing changes.
for c in "offline 192.0.2.1" "online 192.0.2.1" "burst 2/4 192.0.2.1"; do
  rc=0
  # shellcheck disable=SC2086
  tctl $c >"$TMP/out" 2>"$TMP/err" || rc=$?
  assert_eq "'timectl $c' (no such source) exits 1" 1 "$rc"
  assert_match "and says so" '[Nn]o such source' "$(cat "$TMP/err")"
done
assert_eq "activity: still 2 sources online" 2 "$(activity_count online)"

assert_true "timed still runs" timed_alive
stop_timed
