#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_serve.sh - timed serves time to real clients on loopback: chronyd 4.3 (-Q, which
# measures and never sets the clock) gets a sane offset from it, and raw requests of
# versions 1-4 get mode-4 replies with the version copied, stratum 10 and 48 bytes.
# Without `local` the replies say "unsynchronised" (LI 3, stratum 0). Over IPv6 (::1) the
# allow rules apply per address family.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd chronyd setpriv python3 timeout
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PORT=$(free_port)
start_timed "port $PORT
allow 127.0.0.0/8
local stratum 10"

# check_reply JSON VERSION LI STRATUM: one reply, mode 4, version copied, 48 bytes.
check_reply() {
  local j=$1 v=$2 li=$3 st=$4 what=$5
  assert_eq "$what: one reply" 1 "$(json_get "$j" replies)"
  assert_eq "$what: reply length" 48 "$(json_get "$j" detail.0.len)"
  assert_eq "$what: mode 4" 4 "$(json_get "$j" detail.0.mode)"
  assert_eq "$what: version copied" "$v" "$(json_get "$j" detail.0.vn)"
  assert_eq "$what: LI" "$li" "$(json_get "$j" detail.0.li)"
  assert_eq "$what: stratum" "$st" "$(json_get "$j" detail.0.stratum)"
  assert_eq "$what: origin echoes our transmit timestamp" true "$(json_get "$j" detail.0.origin_ok)"
}

for v in 1 2 3 4; do
  j=$(probe -p "$PORT" -V "$v" -M 3 -t 3 127.0.0.1)
  check_reply "$j" "$v" 0 10 "v$v mode 3"
  # RFC 5905 §7.3 / chrony: a local reference has refid 127.127.1.1 ("LOCL" in chronyc).
  assert_eq "v$v: refid 0x7F7F0101" 2139029761 "$(json_get "$j" detail.0.refid)"
  # Receive and transmit timestamps from the same clock as ours (RFC 5905 §8): offset
  # near 0, delay not negative beyond the sub-precision fuzz a server may add.
  sane=$(python3 -c 'import json,sys
r = json.loads(sys.argv[1])["detail"][0]
print(1 if abs(r["offset"]) < 0.1 and -0.001 < r["delay"] < 5.0 else 0)' "$j")
  assert_eq "v$v: offset $(json_get "$j" detail.0.offset) s and delay $(json_get "$j" detail.0.delay) s are sane" 1 "$sane"
done
# NTPv1 clients send mode 0 (RFC 1059 has no mode field); they get a mode-4 reply too.
j=$(probe -p "$PORT" -V 1 -M 0 -t 3 127.0.0.1)
check_reply "$j" 1 0 10 "v1 mode 0"

# Several sequential requests from another source address: all answered, all matched.
j=$(probe -p "$PORT" -s 127.0.0.23 -c 5 -i 0.2 -t 3 127.0.0.1)
assert_eq "5 requests from 127.0.0.23: 5 replies" 5 "$(json_get "$j" replies)"
assert_eq "all 5 origins match" 5 "$(json_get "$j" origin_ok)"

# chronyd as a real client, once (-Q: measure only, never touch the clock; -t: give up).
log "chronyd -Q against timed on port $PORT"
rc=0
out=$(timeout 40 $NOCLOCK chronyd -Q -t 25 -f /dev/null \
  "server 127.0.0.1 port $PORT iburst maxsamples 4" 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/    chronyd: /'
assert_eq "chronyd -Q exits 0" 0 "$rc"
offset=$(printf '%s\n' "$out" | sed -n 's/.*System clock wrong by \([-+0-9.e]*\) seconds.*/\1/p' | tail -n 1)
[ -n "$offset" ] || fail "chronyd printed no offset (no usable reply from timed)"
small=$(python3 -c 'import sys; print(1 if abs(float(sys.argv[1])) < 0.1 else 0)' "$offset")
assert_eq "chronyd measures |offset| < 0.1 s (got $offset s)" 1 "$small"

assert_ge "ntp_replied counts what we saw (>= 11)" "$(stat_json ntp_replied)" 11
stop_timed

# Unsynchronised and no local reference: still answers, but LI 3 (alarm) and stratum 0.
start_timed "port $PORT
allow 127.0.0.0/8"
for v in 3 4; do
  j=$(probe -p "$PORT" -V "$v" -M 3 -t 3 127.0.0.1)
  check_reply "$j" "$v" 3 0 "unsynchronised v$v"
  assert_eq "unsynchronised v$v: not a KoD" false "$(json_get "$j" detail.0.kod)"
done
stop_timed

# IPv6 (when this machine has ::1): the rules are per family.  With only `allow ::1`,
# ::1 is served and 127.0.0.1 is not.
if python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' \
    2>/dev/null; then
  start_timed "port $PORT
allow ::1
local stratum 10"
  for v in 3 4; do
    j=$(probe -p "$PORT" -V "$v" -M 3 -t 3 ::1)
    check_reply "$j" "$v" 0 10 "IPv6 ::1 v$v"
  done
  j=$(probe -p "$PORT" -t 1 127.0.0.1)
  assert_eq "127.0.0.1 is not allowed by 'allow ::1': no reply" 0 "$(json_get "$j" replies)"
  stop_timed
else
  log "no IPv6 loopback here: IPv6 part not run"
fi
