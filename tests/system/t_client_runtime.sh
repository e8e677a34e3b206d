#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_client_runtime.sh - sources changed at run time, ntpdata, and pool healing, against
# real chronyd 4.3 servers (-x, `local stratum 8`) on loopback; timed runs with -x.
#
# 1. `timectl add server` adds a source that becomes reachable; adding it again says
#    "Source already present"; bad options are refused by the config parser (exit 2);
#    `add server NAME` resolves the name off the event loop.
# 2. `timectl ntpdata [ADDR]` (text and --json) shows each source's addresses, ports,
#    stratum, mode and counters; an unknown address fails.
# 3. `timectl delete ADDR [PORT]` removes exactly the named source; an unknown one fails.
# 4. Pool healing: `pool pooltest maxsources 1` where pooltest resolves to 127.0.0.2 and
#    127.0.0.3 (through a private /etc/hosts bind-mounted in timed's own mount namespace:
#    the real /etc/hosts is never touched).  Only the address timed did NOT pick gets a
#    server; after 8 unanswered polls timed replaces its source with the other address,
#    and still has one source (maxsources kept).
# Nothing touches the clock: every daemon runs under setpriv without CAP_SYS_TIME.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd chronyd setpriv python3 timeout unshare mount
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
start_chronyd a "$P1"
start_chronyd b "$P2"

start_timed "port 0
server 127.0.0.1 port $P1 iburst minpoll 0 maxpoll 2"

wait_for 30 "the configured source becomes reachable" src_true 'len(S) == 1 and S[0]["reach"] > 0'

# ---- add ----
out=$(tctl add server 127.0.0.1 port "$P2" iburst minpoll 0 maxpoll 1 prefer 2>&1) ||
  fail "timectl add server failed: $out"
assert_eq "add server answers 200 OK" "200 OK" "$out"
j=$(sources_json)
assert_eq "two sources after add" 2 "$(srcq "$j" 'len(S)')"
assert_eq "the added one has the prefer option" true "$(srcq "$j" "P[$P2]['prefer']")"
wait_for 30 "the added source becomes reachable" src_true "P[$P2]['reach'] > 0"

rc=0
out=$(tctl add server 127.0.0.1 port "$P2" 2>&1) || rc=$?
assert_eq "adding the same address and port again fails" 1 "$rc"
assert_match "... with Source already present" "Source already present" "$out"
rc=0
out=$(tctl add server 127.0.0.1 port 0 2>&1) || rc=$?
assert_eq "port 0 is refused by the option parser (usage error)" 2 "$rc"
assert_match "... with the config parser's message" "error" "$out"
rc=0
tctl add server 127.0.0.1 minpoll 99 >/dev/null 2>&1 || rc=$?
assert_eq "minpoll 99 is refused" 2 "$rc"
rc=0
tctl add peer 127.0.0.1 >/dev/null 2>&1 || rc=$?
assert_eq "add peer is a usage error" 2 "$rc"
rc=0
tctl add server 127.0.0.1 bogusoption >/dev/null 2>&1 || rc=$?
assert_eq "an unknown option is refused" 2 "$rc"
assert_eq "still two sources after the refused adds" 2 "$(srcq "$(sources_json)" 'len(S)')"

# ---- ntpdata ----
n=$(tctl --json ntpdata) || fail "timectl --json ntpdata failed"
log "ntpdata: $n"
assert_true "ntpdata --json is one JSON value" is_json "$n"
assert_eq "ntpdata shows both sources" 2 "$(json_get "$n" total)"
nq() {
  python3 - "$n" "$1" <<'PYEOF' || fail "cannot evaluate '$1' over ntpdata JSON"
import json, sys
S = json.loads(sys.argv[1])["sources"]
G = {"S": S, "all": all, "abs": abs, "sorted": sorted}
print("true" if eval(sys.argv[2], G) else "false")
PYEOF
}
# every source has had a valid response (ntpdata's have_sample)
all_sampled() {
  n=$(tctl --json ntpdata 2>/dev/null) || return 1
  [ "$(nq 'all(s["have_sample"] for s in S)')" = true ]
}
wait_for 20 "every source has a valid response in ntpdata" all_sampled
n=$(tctl --json ntpdata) || fail "timectl --json ntpdata failed"
assert_eq "remote ports are the servers'" true \
  "$(nq "sorted(s['remote_port'] for s in S) == sorted([$P1, $P2])")"
assert_eq "remote and local addresses are 127.0.0.1" true \
  "$(nq 'all(s["remote_address"] == "127.0.0.1" and s["local_address"] == "127.0.0.1" for s in S)')"
assert_eq "local ports are set" true "$(nq 'all(0 < s["local_port"] < 65536 for s in S)')"
assert_eq "stratum 8, mode 4 (server), leap normal" true \
  "$(nq 'all(s["stratum"] == 8 and s["mode"] == 4 and s["leap"] == "normal" for s in S)')"
assert_eq "TX >= RX >= valid RX > 0" true \
  "$(nq 'all(s["total_tx"] >= s["total_rx"] >= s["total_valid_rx"] > 0 for s in S)')"
assert_eq "valid RX equals the rx.valid counter" true \
  "$(nq 'all(s["total_valid_rx"] == s["rx"]["valid"] for s in S)')"
assert_eq "offsets under 10 ms, delays under 10 ms (same clock, loopback)" true \
  "$(nq 'all(abs(s["offset"]) < 0.01 and 0 <= s["peer_delay"] < 0.01 for s in S)')"
assert_eq "reference id of stratum 8 servers (127.127.1.1, LOCL)" true \
  "$(nq 'all(s["reference_id"] == "7F7F0101" for s in S)')"
txt=$(tctl ntpdata 127.0.0.1) || fail "timectl ntpdata 127.0.0.1 failed"
printf '%s\n' "$txt" | sed 's/^/    /'
assert_match "text shows the remote port of the first server" "Remote port *: $P1" "$txt"
assert_match "text shows the mode" "Mode *: Server" "$txt"
assert_match "text shows the counters" "Total valid RX *: [1-9]" "$txt"
rc=0
tctl ntpdata 127.0.0.9 >/dev/null 2>&1 || rc=$?
assert_eq "ntpdata of an unknown address fails" 1 "$rc"
rc=0
tctl ntpdata not-an-address >/dev/null 2>&1 || rc=$?
assert_eq "ntpdata of a non-address is a usage error" 2 "$rc"

# ---- delete ----
out=$(tctl --json delete 127.0.0.1 "$P2") || fail "timectl delete failed"
assert_eq "delete ADDR PORT matched one source" 1 "$(json_get "$out" matched)"
j=$(sources_json)
assert_eq "one source left" 1 "$(srcq "$j" 'len(S)')"
assert_eq "the one on port $P1" "$P1" "$(srcq "$j" 'S[0]["port"]')"
rc=0
out=$(tctl delete 127.0.0.9 2>&1) || rc=$?
assert_eq "deleting an unknown address fails" 1 "$rc"
assert_match "... with No such source" "No such source" "$out"
rc=0
tctl delete 127.0.0.1 70000 >/dev/null 2>&1 || rc=$?
assert_eq "a bad port is a usage error" 2 "$rc"

# ---- add by name (resolved by the daemon off the event loop) ----
out=$(tctl add server localhost port "$P2" iburst minpoll 0 maxpoll 1 2>&1) ||
  fail "timectl add server localhost failed: $out"
wait_for 20 "the source added by name appears" src_true \
  "len(S) == 2 and P[$P2]['name'] == 'localhost'"
wait_for 30 "... and becomes reachable" src_true "P[$P2]['reach'] > 0"
assert_true "timed logged the addition" grep -q "added source localhost" "$TIMED_LOG"
stop_timed

# ---- pool healing ----
printf '127.0.0.2 pooltest\n127.0.0.3 pooltest\n' >"$TMP/hosts"
{
  printf '#!/bin/sh\n# a private /etc/hosts for this process tree only\n'
  printf 'mount --bind %s /etc/hosts || exit 1\nexec "$@"\n' "$TMP/hosts"
} >"$TMP/hostwrap.sh"
chmod 755 "$TMP/hostwrap.sh"
unshare -m --propagation private "$TMP/hostwrap.sh" getent hosts pooltest >/dev/null 2>&1 ||
  skip "cannot give timed a private /etc/hosts (unshare -m / mount --bind)"
saved_noclock=$NOCLOCK
# unshare, the wrapper and setpriv all exec: $! stays timed's PID.
NOCLOCK="unshare -m --propagation private $TMP/hostwrap.sh $saved_noclock"
start_timed "port 0
pool pooltest port $P3 maxsources 1 iburst minpoll 0 maxpoll 0"
NOCLOCK=$saved_noclock

wait_for 10 "the pool gives one source" src_true \
  'len(S) == 1 and S[0]["address"] in ("127.0.0.2", "127.0.0.3")'
first=$(srcq "$(sources_json)" 'S[0]["address"]')
if [ "$first" = 127.0.0.2 ]; then other=127.0.0.3; else other=127.0.0.2; fi
log "timed picked $first first; serving only $other"

# chronyd on the other address only (so $first stays silent).
dir=$(chronyd_dir pool)
mkdir -p "$dir/run"
chown _chrony "$dir/run" 2>/dev/null || skip "no _chrony user"
chmod 750 "$dir/run"
{
  printf 'local stratum 8\nallow 127.0.0.0/8\nport %s\nbindaddress %s\n' "$P3" "$other"
  printf 'cmdport 0\nbindcmdaddress %s/run/chronyd.sock\n' "$dir"
  printf 'pidfile %s/run/chronyd.pid\n' "$dir"
} >"$dir/chronyd.conf"
$NOCLOCK chronyd -x -d -f "$dir/chronyd.conf" >>"$dir/chronyd.log" 2>&1 &
track_pid $!
ok=0
for i in $(seq 30); do
  j=$("$NTPPROBE" -j -p "$P3" -t 1 "$other" 2>/dev/null) || j='{"replies": 0}'
  if [ "$(json_get "$j" replies)" = 1 ]; then
    ok=1
    break
  fi
  sleep 0.5
done
if [ "$ok" != 1 ]; then
  sed 's/^/    chronyd: /' "$dir/chronyd.log" >&2
  fail "chronyd on $other:$P3 did not answer"
fi
j=$("$NTPPROBE" -j -p "$P3" -t 1 "$first" 2>/dev/null) || j='{"replies": 0}'
assert_eq "nothing answers on $first:$P3" 0 "$(json_get "$j" replies)"

wait_for 60 "the unreachable pool source is replaced by $other" src_true \
  "len(S) == 1 and S[0]['address'] == '$other' and S[0]['name'] == 'pooltest'"
wait_for 30 "the new pool source becomes reachable" src_true 'S[0]["reach"] > 0'
assert_true "timed logged the replacement" \
  grep -q "pool pooltest: replacing unreachable $first with $other" "$TIMED_LOG"
assert_eq "maxsources 1 kept: one source" 1 "$(srcq "$(sources_json)" 'len(S)')"
stop_timed
