#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_ntpdig.sh - NTPsec's SNTP client (ntpdig) accepts timed's replies.  ntpdig always
# talks to port 123, so timed runs on 123 inside a network namespace of our own, deleted
# on exit.  ntpdig runs without -s/-S (it never sets the clock) and without CAP_SYS_TIME.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd ntpdig ip setpriv python3 timeout
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp
make_netns
TIMED_NETNS=$NETNS

start_timed "port 123
allow 127.0.0.1
local stratum 10"

rc=0
out=$(in_ns $NOCLOCK timeout 30 ntpdig -j -t 2 127.0.0.1 2>"$TMP/ntpdig.err") || rc=$?
log "ntpdig said: $out $(cat "$TMP/ntpdig.err")"
assert_eq "ntpdig exits 0" 0 "$rc"
assert_true "ntpdig printed JSON" is_json "$out"
assert_eq "ntpdig sees stratum 10" 10 "$(json_get "$out" stratum)"
assert_eq "ntpdig did not adjust the clock" false "$(json_get "$out" adjusted)"
assert_eq "ntpdig sees no leap warning (LI 0)" no-leap "$(json_get "$out" leap)"
offset=$(json_get "$out" offset)
small=$(python3 -c 'import sys; print(1 if abs(float(sys.argv[1])) < 0.1 else 0)' "$offset")
assert_eq "ntpdig offset |$offset| < 0.1 s (same clock)" 1 "$small"

assert_ge "timed counted ntpdig's request" "$(stat_json ntp_replied)" 1
stop_timed
