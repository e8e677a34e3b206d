#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_client_opts.sh - source options and selection limits against real chronyd servers
# (doc/timed.conf.md, "Source selection"): a `noselect` source is measured but never
# selected or combined (N); a `prefer` source is the one selected, and the others are then
# not combined (-); `minsources` more than the sources there are leaves timed waiting (W)
# and unsynchronised; a source whose every answer is over `maxdelay` gives no samples and
# is never selected; with `maxdistance` below any source's root distance nothing is
# selected (d).  A source given by host name (localhost, from /etc/hosts: no DNS traffic)
# is resolved off the event loop and used; an IPv6 source (::1) works like an IPv4 one.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd chronyd chronyc setpriv python3
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PA=$(free_port)
PB=$(free_port)
PC=$(free_port)
start_chronyd a "$PA" "allow ::1"
start_chronyd b "$PB"
start_chronyd c "$PC"
POLLS="iburst minpoll 0 maxpoll 1"

# --- noselect and prefer
start_timed "server 127.0.0.1 port $PA $POLLS noselect
server 127.0.0.1 port $PB $POLLS prefer
server 127.0.0.1 port $PC $POLLS"
wait_for 30 "all three become reachable" src_true 'all(s["reach"] > 0 for s in S)'
wait_for 40 "tracking says synchronised" timed_synced
wait_for 20 "the prefer source is selected ('*')" src_true "P[$PB]['state'] == '*'"
sleep 3
j=$(sources_json)
tctl sources | sed 's/^/    /'
assert_eq "the prefer source is still selected" '*' "$(srcq "$j" "P[$PB]['state']")"
assert_eq "the noselect source is shown as N" N "$(srcq "$j" "P[$PA]['state']")"
assert_eq "and flagged noselect" true "$(srcq "$j" "P[$PA]['noselect']")"
assert_eq "it is measured all the same (samples > 0, |offset| < 10 ms)" true \
  "$(srcq "$j" "P[$PA]['samples'] > 0 and abs(P[$PA]['offset']) < 0.01")"
assert_eq "the third, not prefer, is not combined with a prefer peer ('-')" '-' \
  "$(srcq "$j" "P[$PC]['state']")"
assert_eq "tracking follows 127.0.0.1" 127.0.0.1 "$(json_get "$(tctl --json tracking)" reference_address)"
stop_timed

# --- minsources above the number of sources: wait, never synchronise
start_timed "minsources 3
server 127.0.0.1 port $PA $POLLS
server 127.0.0.1 port $PB $POLLS"
wait_for 30 "both answer several polls (reach & 7 == 7)" src_true 'all(s["reach"] & 7 == 7 for s in S)'
j=$(sources_json)
tctl sources | sed 's/^/    /'
assert_eq "minsources 3 with 2 sources: both are waiting (W)" true \
  "$(srcq "$j" 'all(s["state"] == "W" for s in S)')"
t=$(tctl --json tracking)
assert_eq "and timed is not synchronised" false "$(json_get "$t" synchronised)"
assert_eq "nor updated its clock (reference id 0)" 00000000 "$(json_get "$t" reference_id)"
stop_timed

# --- maxdelay below the loopback round trip: no sample from that source
start_timed "server 127.0.0.1 port $PA $POLLS maxdelay 0.000000001
server 127.0.0.1 port $PB $POLLS"
wait_for 40 "tracking says synchronised (to the other source)" timed_synced
wait_for 20 "the maxdelay source answered at least 3 times" \
  src_true "P[$PA]['responses_other'] >= 3"
j=$(sources_json)
tctl sources | sed 's/^/    /'
assert_eq "its answers gave no sample (all over maxdelay)" 0 "$(srcq "$j" "P[$PA]['samples']")"
assert_eq "it is not selected or combined" true "$(srcq "$j" "P[$PA]['state'] not in '*+-'")"
assert_eq "the other is selected" '*' "$(srcq "$j" "P[$PB]['state']")"
stop_timed

# --- maxdistance below every source's root distance: nothing selected
start_timed "maxdistance 0.000000001
server 127.0.0.1 port $PA $POLLS
server 127.0.0.1 port $PB $POLLS"
wait_for 30 "both answer several polls and have samples" \
  src_true 'all(s["reach"] & 7 == 7 and s["samples"] >= 2 for s in S)'
j=$(sources_json)
tctl sources | sed 's/^/    /'
assert_eq "maxdistance 1 ns: both sources are 'd' (distance)" true \
  "$(srcq "$j" 'all(s["state"] == "d" for s in S)')"
assert_eq "and timed is not synchronised" false "$(json_get "$(tctl --json tracking)" synchronised)"
stop_timed

# --- a host name (resolved by the resolver thread from /etc/hosts) and, where this machine
# has IPv6 loopback, a source at ::1
if python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' \
    2>/dev/null; then
  V6="server ::1 port $PA $POLLS"
else
  V6=""
  log "no IPv6 loopback here: the ::1 source is left out"
fi
start_timed "server localhost port $PB $POLLS
$V6"
wait_for 30 "the localhost source is resolved and reachable" src_true "P[$PB]['reach'] > 0"
j=$(sources_json)
assert_eq "it keeps its name" localhost "$(srcq "$j" "P[$PB]['name']")"
assert_eq "and has a loopback address" true "$(srcq "$j" "P[$PB]['address'] in ('127.0.0.1', '::1')")"
assert_eq "activity: no source left unresolved" 0 "$(json_get "$(tctl --json activity)" unresolved)"
if [ -n "$V6" ]; then
  wait_for 30 "the ::1 source is reachable" src_true "P[$PA]['reach'] > 0"
  assert_eq "its address is ::1" ::1 "$(srcq "$(sources_json)" "P[$PA]['address']")"
  wait_for 30 "both sources have samples with offsets under 10 ms" \
    src_true 'all(s["samples"] > 0 and abs(s["offset"]) < 0.01 for s in S)'
fi
wait_for 40 "tracking says synchronised" timed_synced
tctl sources | sed 's/^/    /'
stop_timed
