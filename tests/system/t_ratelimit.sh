#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_ratelimit.sh - response rate limiting as chrony's `ratelimit`: a burst of requests
# from one address is mostly dropped (but not all: burst and leak let some through), the
# counters account for every request, `kod` turns drops into RATE kiss-o'-death replies
# that still echo the client's transmit timestamp, and other addresses are unaffected.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd setpriv python3
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PORT=$(free_port)
COUNT=200

# flood SRC: COUNT requests 10 ms apart (2 s, bounded), JSON summary.
flood() {
  probe -p "$PORT" -s "$1" -c "$COUNT" -i 0.01 -t 2 127.0.0.1
}

# --- without kod: drops are silent ---
start_timed "port $PORT
allow 127.0.0.0/8
local stratum 10
ratelimit interval 1 burst 4 leak 2"

rx0=$(stat_json ntp_received); rep0=$(stat_json ntp_replied); dr0=$(stat_json ntp_rate_dropped)
j=$(flood 127.0.0.31)
replies=$(json_get "$j" replies)
assert_eq "flood: all $COUNT requests sent" "$COUNT" "$(json_get "$j" sent)"
assert_ge "flood from 127.0.0.31: some replies (burst, leak)" "$replies" 1
assert_le "flood from 127.0.0.31: well under the request count" "$replies" $((COUNT / 2))
assert_eq "no KoD without the kod option" 0 "$(json_get "$j" kod)"
assert_eq "every reply echoes one of our requests" 0 "$(json_get "$j" origin_bad)"

# Another address right after the flood, while 127.0.0.31 is still limited.
j=$(probe -p "$PORT" -s 127.0.0.32 -c 3 -i 0.1 -t 3 127.0.0.1)
assert_eq "another address (127.0.0.32) is unaffected: 3 of 3 answered" 3 "$(json_get "$j" replies)"

rx1=$(stat_json ntp_received); rep1=$(stat_json ntp_replied); dr1=$(stat_json ntp_rate_dropped)
assert_ge "ntp_rate_dropped moved" $((dr1 - dr0)) 1
assert_eq "ntp_replied matches the replies seen" $((replies + 3)) $((rep1 - rep0))
assert_eq "received = replied + rate-dropped" $((rx1 - rx0)) $(((rep1 - rep0) + (dr1 - dr0)))
stop_timed

# --- with kod: drops become RATE KoDs (some of them) ---
start_timed "port $PORT
allow 127.0.0.0/8
local stratum 10
ratelimit interval 1 burst 4 leak 2 kod"

k0=$(stat_json ntp_kod_sent)
j=$(flood 127.0.0.33)
kod=$(json_get "$j" kod_rate)
assert_ge "flood with kod: RATE KoD replies seen" "$kod" 1
assert_eq "every KoD is a RATE KoD" "$kod" "$(json_get "$j" kod)"
assert_eq "every reply (KoD or not) echoes our transmit timestamp" 0 "$(json_get "$j" origin_bad)"
assert_le "no reply longer than a request" "$(json_get "$j" maxlen)" 48
assert_le "replies + KoDs still under the request count" "$(json_get "$j" replies)" $((COUNT - 1))
# RFC 5905 §7.4: a KoD is a mode-4 packet with stratum 0 and the kiss code as refid.
bad=$(python3 -c 'import json,sys
d = json.loads(sys.argv[1])
print(sum(1 for r in d["detail"] if r["kod"] and (r["mode"] != 4 or r["stratum"] != 0 or r["refid_str"] != "RATE")))' "$j")
assert_eq "every KoD is mode 4, stratum 0, refid RATE" 0 "$bad"
assert_eq "ntp_kod_sent counts the KoDs seen" "$kod" $(($(stat_json ntp_kod_sent) - k0))

j=$(probe -p "$PORT" -s 127.0.0.34 -c 3 -i 0.1 -t 3 127.0.0.1)
assert_eq "another address (127.0.0.34): 3 normal replies" 3 "$(json_get "$j" replies)"
assert_eq "and no KoD for it" 0 "$(json_get "$j" kod)"
stop_timed
