#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_nts_fleet.sh - an NTS fleet on loopback: a KE node A sends clients (Server and Port
# records, `ntsntpserver`) to NTP node B; B and a third node C have never seen A's files,
# only the shared secret (`ntsfleetsecret`), from which every node derives the same cookie
# key for each epoch (HKDF).  chronyd 4.3 does NTS-KE with A, then gets authenticated time
# from B; B is then replaced on the same port by C, and chronyd's cookies keep working
# (no NAK, no new KE).  All daemons run -x without CAP_SYS_TIME.

. "$(dirname "$0")/lib.sh"
# NTS_TIMED: a timed binary to test instead of the built one (integration aid).
TIMED=${NTS_TIMED:-$TIMED}
require_root
require_cmd certtool chronyd chronyc setpriv python3
require_built "$TIMED" "$NTPPROBE"
setup_tmp

make_test_ca "$TMP/pki"
make_test_cert "$TMP/pki" server localhost 127.0.0.1
chmod 644 "$TMP/pki/ca.crt"
head -c 64 /dev/urandom >"$TMP/fleet.secret"
chmod 600 "$TMP/fleet.secret"

PA=$(free_port)
PB=$(free_port)
QA=$(free_port)

# start_node NAME CONF: one more timed with its own directory; sets NODE_PID.
start_node() {
  local d=$TMP/$1
  mkdir -p "$d"
  printf 'bindcmdaddress %s/timed.sock\npidfile %s/timed.pid\n%s\n' "$d" "$d" "$2" >"$d/timed.conf"
# shellcheck disable=SC2086 # $NOCLOCK is a command and its options
  $NOCLOCK "$TIMED" -d -x -f "$d/timed.conf" >>"$d/timed.log" 2>&1 &
  NODE_PID=$!
  track_pid "$NODE_PID"
  for _ in $(seq 100); do
    [ -S "$d/timed.sock" ] && break
    kill -0 "$NODE_PID" 2>/dev/null || { cat "$d/timed.log" >&2; fail "node $1 died at start"; }
    sleep 0.1
  done
  [ -S "$d/timed.sock" ] || fail "node $1 did not start"
  log "node $1 running as pid $NODE_PID"
}

start_node A "port $PA
allow 127.0.0.1
local stratum 10
ntsservercert $TMP/pki/server.crt
ntsserverkey $TMP/pki/server.key
ntsport $QA
ntsfleetsecret $TMP/fleet.secret
ntsntpserver 127.0.0.1 $PB"
A_PID=$NODE_PID
assert_true "A runs an NTS-KE server with fleet keys" grep -q "NTS-KE server on TCP port $QA.*fleet secret" "$TMP/A/timed.log"

start_node B "port $PB
allow 127.0.0.1
local stratum 9
ntsfleetsecret $TMP/fleet.secret"
B_PID=$NODE_PID
assert_true "B answers NTS with fleet keys, no KE server" grep -q "fleet keys (no NTS-KE server)" "$TMP/B/timed.log"

CD=$TMP/chronyd-cli
mkdir -p "$CD/run" "$CD/dump"
chown _chrony:_chrony "$CD/run" "$CD/dump" 2>/dev/null || skip "no _chrony user"
chmod 750 "$CD/run"
cat >"$CD/chrony.conf" <<C
server 127.0.0.1 port $PA nts ntsport $QA iburst minpoll 0 maxpoll 0
ntstrustedcerts $TMP/pki/ca.crt
nosystemcert
ntsdumpdir $CD/dump
port 0
cmdport 0
bindcmdaddress $CD/run/chronyd.sock
pidfile $CD/run/chronyd.pid
C
$NOCLOCK chronyd -x -d -f "$CD/chrony.conf" >>"$CD/chronyd.log" 2>&1 &
CPID=$!
track_pid "$CPID"
chronyc_() { chronyc -h "$CD/run/chronyd.sock" -n "$@" 2>/dev/null; }
authdata() { chronyc_ authdata | awk '$1 == "127.0.0.1"'; }
good_rx() { chronyc_ ntpdata | sed -n 's/^Total good RX *: *//p'; }
# wait_until SECONDS DESCRIPTION COMMAND...: like wait_for, without a timed of lib.sh.
wait_until() {
  local end=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || fail "$what: not within the time limit"
    sleep 0.5
  done
  _pass "$what"
}
authenticated_from_b() {
  local nd
  nd=$(chronyc_ ntpdata)
  echo "$nd" | grep -q "Remote port *: $PB\$" && echo "$nd" | grep -q "Authenticated *: Yes" &&
    [ "$(echo "$nd" | sed -n 's/^Total good RX *: *//p')" -ge 3 ] 2>/dev/null
}
wait_until 30 "chronyd did NTS-KE with A and gets authenticated time from B (port $PB)" authenticated_from_b
log "authdata: $(authdata)"
assert_eq "no NAK from B" 0 "$(authdata | awk '{print $8}')"
stratum=$(chronyc_ ntpdata | sed -n 's/^Stratum *: *//p')
assert_eq "the time came from B (stratum 9)" 9 "$stratum"

# B leaves; C (never in contact with A or B) takes its port.
stop_pid "$B_PID"
start_node C "port $PB
allow 127.0.0.1
local stratum 7
ntsfleetsecret $TMP/fleet.secret"
rx0=$(good_rx)
from_c() {
  [ "$(chronyc_ ntpdata | sed -n 's/^Stratum *: *//p')" = 7 ] && [ "$(good_rx)" -ge $((rx0 + 3)) ]
}
wait_until 30 "chronyd's cookies (made by A and B) are accepted by C" from_c
assert_eq "still no NAK" 0 "$(authdata | awk '{print $8}')"
assert_eq "no new NTS-KE was needed" 0 "$(authdata | awk '{print $7}')"

# A node with another secret refuses them: NAK, then chronyd goes back to A for new cookies.
stop_pid "$NODE_PID"
head -c 64 /dev/urandom >"$TMP/other.secret"
start_node D "port $PB
allow 127.0.0.1
local stratum 7
ntsfleetsecret $TMP/other.secret"
naked() { [ "$(authdata | awk '{print $8}')" -ge 1 ] 2>/dev/null; }
wait_until 30 "a node with another secret answers chronyd's cookies with NTS NAKs" naked

stop_pid "$CPID"
stop_pid "$NODE_PID"
stop_pid "$A_PID"
