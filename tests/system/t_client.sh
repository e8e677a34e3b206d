#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_client.sh - timed as an NTP client of three real chronyd 4.3 servers on loopback.
# The servers run `chronyd -x -d` with `local stratum 8` (they serve this machine's own
# clock); timed runs with -x, so it disciplines only its virtual clock.  Within bounded
# times: the three sources appear and become reachable, one is selected ('*'), `tracking`
# says synchronised at stratum 9 with a system offset under 10 ms (same machine, same clock),
# timed then serves stratum 9 with the selected server's address as reference id, and a
# chronyd client (-Q, measure only) gets a sane answer from it.  Nothing touches the clock.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd chronyd chronyc setpriv python3 timeout
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
PT=$(free_port)
start_chronyd a "$P1"
start_chronyd b "$P2"
start_chronyd c "$P3"

# minpoll 0 / maxpoll 2: polls of 1-4 s, so the test takes seconds, not minutes.
start_timed "port $PT
allow 127.0.0.1
server 127.0.0.1 port $P1 iburst minpoll 0 maxpoll 2
server 127.0.0.1 port $P2 iburst minpoll 0 maxpoll 2
server 127.0.0.1 port $P3 iburst minpoll 0 maxpoll 2"

j=$(sources_json)
log "sources at start: $j"
assert_eq "timectl sources lists the 3 configured servers" 3 "$(srcq "$j" 'len(S)')"
assert_eq "on the configured ports" "$(printf '%s\n' "$P1" "$P2" "$P3" | sort -n | tr '\n' ' ')" \
  "$(srcq "$j" '" ".join(str(p) for p in sorted(P)) + " "')"
assert_eq "all at address 127.0.0.1" true "$(srcq "$j" 'all(s["address"] == "127.0.0.1" for s in S)')"

wait_for 30 "every source becomes reachable (reach > 0)" src_true 'all(s["reach"] > 0 for s in S)'
wait_for 40 "one source is selected ('*')" src_true 'sum(s["state"] == "*" for s in S) == 1'
wait_for 40 "tracking says synchronised" timed_synced

# Let a few more polls happen, then look at everything once.
sleep 3
j=$(sources_json)
log "sources: $j"
tctl sources | sed 's/^/    /'
assert_eq "exactly one source selected" 1 "$(srcq "$j" 'sum(s["state"] == "*" for s in S)')"
assert_eq "no source is a falseticker or unusable (states in '*+-')" true \
  "$(srcq "$j" 'all(s["state"] in "*+-" for s in S)')"
assert_eq "every source has stratum 8" true "$(srcq "$j" 'all(s["stratum"] == 8 for s in S)')"
assert_eq "every poll within minpoll 0 .. maxpoll 2" true \
  "$(srcq "$j" 'all(0 <= s["poll"] <= 2 for s in S)')"
assert_eq "every source answered within the last 30 s" true \
  "$(srcq "$j" 'all(0 <= s["last_rx_ago"] < 30 for s in S)')"
assert_eq "every source's offset is under 10 ms (same clock)" true \
  "$(srcq "$j" 'all(abs(s["offset"]) < 0.01 for s in S)')"
assert_true "timectl sources (text) works" tctl sources

t=$(tctl --json tracking) || fail "timectl --json tracking failed"
log "tracking: $t"
tctl tracking | sed 's/^/    /'
assert_eq "tracking: synchronised" true "$(json_get "$t" synchronised)"
assert_eq "tracking: stratum 9 (the servers' 8 + 1)" 9 "$(json_get "$t" stratum)"
assert_eq "tracking: reference id is 127.0.0.1" 7F000001 "$(json_get "$t" reference_id)"
assert_eq "tracking: reference address" 127.0.0.1 "$(json_get "$t" reference_address)"
assert_eq "tracking: leap status normal" normal "$(json_get "$t" leap_status)"
assert_eq "tracking: clock control none (-x)" none "$(json_get "$t" clock_control)"
off=$(json_get "$t" system_time_offset)
assert_true "tracking: |system time offset| $off s < 10 ms" abs_lt "$off" 0.01
off=$(json_get "$t" last_offset)
assert_true "tracking: |last offset| $off s < 10 ms" abs_lt "$off" 0.01

for cmd in sourcestats selectdata activity; do
  out=$(tctl --json "$cmd") || fail "timectl --json $cmd failed"
  assert_true "timectl --json $cmd prints one JSON value" is_json "$out"
  assert_true "timectl $cmd (text) works" tctl "$cmd"
done
rc=0
timeout 30 "$TIMECTL" -h "$TIMED_SOCK" waitsync 5 0.01 >"$TMP/out" 2>&1 || rc=$?
log "waitsync said: $(cat "$TMP/out")"
assert_eq "timectl waitsync 5 0.01 succeeds (synchronised, correction < 10 ms)" 0 "$rc"

# timed now serves what it follows: stratum 9, LI 0, the source's address as reference id
# (RFC 5905 §7.3: an IPv4 upstream's address), and time within 10 ms of ours.
j=$(probe -p "$PT" -t 3 127.0.0.1)
log "ntpprobe: $j"
assert_eq "timed answers ntpprobe" 1 "$(json_get "$j" replies)"
assert_eq "its answer: LI 0" 0 "$(json_get "$j" detail.0.li)"
assert_eq "its answer: stratum 9" 9 "$(json_get "$j" detail.0.stratum)"
assert_eq "its answer: refid 127.0.0.1 (0x7F000001)" 2130706433 "$(json_get "$j" detail.0.refid)"
off=$(json_get "$j" detail.0.offset)
assert_true "its answer: |offset| $off s < 10 ms" abs_lt "$off" 0.01
assert_ge "serverstats: ntp_replied >= 1" "$(stat_json ntp_replied)" 1
assert_eq "serverstats: no send errors" 0 "$(stat_json ntp_send_errors)"

# A real chronyd client (measure only: -Q never sets the clock) accepts timed's answers.
log "chronyd -Q against timed on port $PT"
rc=0
out=$(timeout 40 $NOCLOCK chronyd -Q -t 25 -f /dev/null \
  "server 127.0.0.1 port $PT iburst maxsamples 4" 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/    chronyd: /'
assert_eq "chronyd -Q exits 0" 0 "$rc"
off=$(printf '%s\n' "$out" | sed -n 's/.*System clock wrong by \([-+0-9.e]*\) seconds.*/\1/p' | tail -n 1)
[ -n "$off" ] || fail "chronyd printed no offset (no usable reply from the synchronised timed)"
assert_true "chronyd measures |offset| $off s < 10 ms" abs_lt "$off" 0.01

assert_true "timed is still synchronised" timed_synced
stop_timed
