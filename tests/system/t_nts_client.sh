#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_nts_client.sh - timed as an NTS client (RFC 8915) on loopback ports of our own, with a
# throwaway PKI made by certtool.  (a) timed -> chronyd 4.3 NTS server: the NTS-KE succeeds
# (Port record honoured), the source becomes reachable and selected with authenticated
# responses, `timectl authdata` shows NTS, the cookies are saved 0600 in ntsdumpdir and a
# restart reuses them (no new NTS-KE); (b) timed -> timed NTS server whose KE names its NTP
# server by name (Server record): the same; (c) a wrong CA, a wrong name and an Error
# record fail the NTS-KE with a clear reason in the log (and authdata), the source never
# answers; (d) NTS stripped: a man in the middle returns genuine responses without their
# NTS fields and forged RATE KoDs: the source never becomes usable, polling is not slowed.
# Every daemon runs -x without CAP_SYS_TIME; every helper process stops by itself.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd certtool chronyd chronyc setpriv python3 timeout
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

# ---- a throwaway PKI: the good CA, a server cert for 127.0.0.1/localhost, another CA,
# and a cert of the good CA for another name only ----
P=$TMP/pki
make_test_ca "$P"
make_test_ca "$P" other-ca
make_test_cert "$P" server localhost 127.0.0.1
make_test_cert -k server "$P" wrongname wrong.example
# chronyd reads its key after dropping to _chrony.
chmod 644 "$P"/*.crt "$P/server.key"

# The engine's user writes the cookie dumps.
DUMP=$TMP/tdump
mkdir -p "$DUMP"
chmod 700 "$DUMP"
chown _timed "$DUMP" 2>/dev/null || true

# src1 EXPR: a Python expression over the first (only) source of `timectl --json sources`
# (dict s), true/false.
src1() { src_true "len(S) == 1 and (lambda s: $1)(S[0])"; }
show_sources() { log "sources: $(tctl --json sources 2>/dev/null)"; }
# wait_up SECONDS DESCRIPTION COMMAND...: as wait_for, for when no client timed runs.
wait_up() {
  local secs=$1 what=$2 end
  shift 2
  end=$((SECONDS + secs))
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || fail "$what: not within $secs s"
    sleep 0.2
  done
  _pass "$what"
}

# ---- (a) timed -> chronyd 4.3 NTS server ----
C_NTP=$(free_port)
C_KE=$(free_port)
start_chronyd nts "$C_NTP" "ntsservercert $P/server.crt
ntsserverkey $P/server.key
ntsport $C_KE"
CHRONYD_NTS=$CHRONYD_PID
CLIENT_CONF="server 127.0.0.1 nts ntsport $C_KE iburst minpoll 0 maxpoll 1
ntstrustedcerts $P/ca.crt
nosystemcert
ntsdumpdir $DUMP"
start_timed "$CLIENT_CONF"
wait_for 30 "(a) the NTS-KE with chronyd succeeds (logged)" grep -q "NTS-KE done" "$TIMED_LOG"
assert_match "(a) chronyd's Port record is used for NTP" "NTP server 127.0.0.1 port $C_NTP" "$(grep 'NTS-KE done' "$TIMED_LOG")"
wait_for 30 "(a) the chronyd NTS source becomes reachable" src1 's["reach"] > 0'
wait_for 40 "(a) and selected ('*')" src1 's["state"] == "*"'
show_sources
tctl sources | sed 's/^/    /'
j=$(sources_json)
if [ "$(srcq "$j" '"nts" in S[0]')" = true ]; then
  assert_eq "(a) timectl shows NTS enabled" true "$(srcq "$j" 'bool(S[0]["nts"]["enabled"])')"
  assert_ge "(a) timectl shows cookies in the jar" "$(srcq "$j" 'S[0]["nts"]["n_cookies"]')" 6
else
  log "(a) timectl sources has no NTS fields yet (timectl authdata is Q's work)"
fi
if tctl authdata >/dev/null 2>&1; then
  a=$(tctl authdata)
  log "authdata: $a"
  assert_match "(a) timectl authdata shows NTS" "NTS" "$a"
fi
n=$(grep -c "unauthenticated response dropped" "$TIMED_LOG")
assert_eq "(a) no response from chronyd failed authentication" 0 "$n"
assert_eq "(a) chronyd saw NTS requests (authenticated NTP in its serverstats)" true \
  "$(chronyc -h "$(chronyd_dir nts)/run/chronyd.sock" -n serverstats 2>/dev/null |
    awk -F: '/Authenticated NTP packets/ {print ($2 + 0 > 0) ? "true" : "false"}')"
stop_timed
assert_true "(a) cookies saved in ntsdumpdir" test -s "$DUMP/ntsclient-127.0.0.1-$C_KE"
assert_eq "(a) cookie dump mode is 0600" 600 "$(stat -c %a "$DUMP/ntsclient-127.0.0.1-$C_KE")"

# Restart: the dump is reloaded, no NTS-KE is needed (the log is appended to: count lines).
kes=$(grep -c 'NTS-KE done' "$TIMED_LOG")
start_timed "$CLIENT_CONF"
wait_for 20 "(a) restart: cookies reloaded from the dump" grep -q "NTS cookies loaded" "$TIMED_LOG"
wait_for 30 "(a) restart: the source is reachable again" src1 's["reach"] > 0'
wait_for 30 "(a) restart: and selected again" src1 's["state"] == "*"'
assert_eq "(a) restart: no new NTS-KE" "$kes" "$(grep -c 'NTS-KE done' "$TIMED_LOG")"
stop_timed

# ---- (b) timed -> timed NTS server (a second timed, run like start_timed's) ----
S_NTP=$(free_port)
S_KE=$(free_port)
SD=$TMP/server
mkdir -p "$SD/run" "$SD/dump"
cat >"$SD/timed.conf" <<C
bindcmdaddress $SD/run/timed.sock
pidfile $SD/run/timed.pid
port $S_NTP
allow 127.0.0.1
local stratum 7
ntsservercert $P/server.crt
ntsserverkey $P/server.key
ntsport $S_KE
ntsdumpdir $SD/dump
ntsntpserver localhost $S_NTP
C
$NOCLOCK "$TIMED" -d -x -f "$SD/timed.conf" >>"$SD/timed.log" 2>&1 &
SPID=$!
track_pid "$SPID"
server_up() { grep -q "NTS-KE server on TCP port $S_KE" "$SD/timed.log"; }
wait_up 15 "(b) the timed NTS server is up" server_up
rm -f "$DUMP"/*
: >"$TIMED_LOG"
start_timed "server 127.0.0.1 nts ntsport $S_KE iburst minpoll 0 maxpoll 1
ntstrustedcerts $P/ca.crt
nosystemcert
ntsrefresh 4"
wait_for 30 "(b) the NTS-KE with the timed server succeeds" grep -q "NTS-KE done" "$TIMED_LOG"
assert_match "(b) its Server record (a name, resolved by the client) and Port are used" \
  "NTP server localhost port $S_NTP" "$(grep 'NTS-KE done' "$TIMED_LOG")"
wait_for 30 "(b) the timed NTS source becomes reachable" src1 's["reach"] > 0'
wait_for 40 "(b) and selected ('*')" src1 's["state"] == "*" and s["stratum"] == 7'
two_kes() { [ "$(grep -c 'NTS-KE done' "$TIMED_LOG")" -ge 2 ]; }
wait_for 15 "(b) ntsrefresh 4: a new NTS-KE after 4 s" two_kes
wait_for 10 "(b) the source stays reachable across the refresh" src1 '(s["reach"] & 1) == 1'
assert_eq "(b) no response failed authentication" 0 \
  "$(grep -c 'unauthenticated response dropped' "$TIMED_LOG")"
show_sources
stop_timed

# ---- (c) wrong CA, wrong name ----
: >"$TIMED_LOG"
start_timed "server 127.0.0.1 nts ntsport $C_KE iburst minpoll 0 maxpoll 1
ntstrustedcerts $P/other-ca.crt
nosystemcert"
wait_for 20 "(c) wrong CA: the NTS-KE fails with a certificate reason in the log" \
  grep -q "NTS-KE with 127.0.0.1 failed: certificate not trusted" "$TIMED_LOG"
log "$(grep 'NTS-KE with' "$TIMED_LOG" | head -1)"
if tctl authdata >/dev/null 2>&1; then
  assert_match "(c) wrong CA: the reason is in timectl authdata" "issuer is unknown" "$(tctl authdata)"
fi
sleep 3
assert_eq "(c) wrong CA: the source never answered (reach 0)" true "$(srcq "$(sources_json)" 'S[0]["reach"] == 0 and S[0]["state"] != "*"')"
stop_timed

# A timed server whose certificate names only wrong.example (signed by the good CA).
W_KE=$(free_port)
W_NTP=$(free_port)
WD=$TMP/wrong
mkdir -p "$WD/run"
cat >"$WD/timed.conf" <<C
bindcmdaddress $WD/run/timed.sock
pidfile $WD/run/timed.pid
port $W_NTP
allow 127.0.0.1
local stratum 7
ntsservercert $P/wrongname.crt
ntsserverkey $P/server.key
ntsport $W_KE
C
$NOCLOCK "$TIMED" -d -x -f "$WD/timed.conf" >>"$WD/timed.log" 2>&1 &
WPID=$!
track_pid "$WPID"
wserver_up() { grep -q "NTS-KE server on TCP port $W_KE" "$WD/timed.log"; }
wait_up 15 "(c) the wrong-name server is up" wserver_up
: >"$TIMED_LOG"
start_timed "server 127.0.0.1 nts ntsport $W_KE iburst minpoll 0 maxpoll 1
ntstrustedcerts $P/ca.crt
nosystemcert"
wait_for 20 "(c) wrong name: the NTS-KE fails with a certificate reason in the log" \
  grep -q "NTS-KE with 127.0.0.1 failed: certificate not trusted.*\(name\|hostname\|match\)" "$TIMED_LOG"
log "$(grep 'NTS-KE with' "$TIMED_LOG" | head -1)"
sleep 3
assert_eq "(c) wrong name: the source never answered (reach 0)" true "$(srcq "$(sources_json)" 'S[0]["reach"] == 0 and S[0]["state"] != "*"')"
stop_timed
stop_pid "$WPID"

# ---- (c) an NTS-KE server that accepts the connection and never speaks ----
Q_KE=$(free_port)
cat >"$TMP/ke_silent.py" <<'PY'
import socket, sys, time
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(4)
print("listening", flush=True)
held = []
ls.settimeout(1.0)
end = time.time() + 30
while time.time() < end:
    try:
        held.append(ls.accept()[0])
    except socket.timeout:
        pass
PY
python3 "$TMP/ke_silent.py" "$Q_KE" >"$TMP/ke_silent.log" 2>&1 &
QPID=$!
track_pid "$QPID"
wait_up 15 "(c) the silent KE server is up" grep -q listening "$TMP/ke_silent.log"
: >"$TIMED_LOG"
start_timed "server 127.0.0.1 nts ntsport $Q_KE iburst minpoll 0 maxpoll 1
ntstrustedcerts $P/ca.crt
nosystemcert"
wait_for 15 "(c) silent server: the NTS-KE times out with the stage in the log" \
  grep -q "NTS-KE with 127.0.0.1 failed: timed out during TLS handshake" "$TIMED_LOG"
assert_true "(c) silent server: timed still answers commands meanwhile" tctl sources
stop_timed
stop_pid "$QPID"

# ---- (c) an NTS-KE server that answers with an Error record ----
E_KE=$(free_port)
cat >"$TMP/ke_error.py" <<'PY'
import socket, ssl, sys, time
port, crt, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(crt, key)
ctx.set_alpn_protocols(["ntske/1"])
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(4)
ls.settimeout(1.0)
print("listening", flush=True)
end = time.time() + 60
while time.time() < end:
    try:
        c, _ = ls.accept()
    except socket.timeout:
        continue
    c.settimeout(3.0)
    try:
        t = ctx.wrap_socket(c, server_side=True)
        t.recv(4096)
        t.sendall(bytes.fromhex("80020002000180000000"))  # Error 1 (bad request), EOM
        t.close()
        print("answered", flush=True)
    except Exception as e:
        print("error", e, flush=True)
        c.close()
PY
python3 "$TMP/ke_error.py" "$E_KE" "$P/server.crt" "$P/server.key" >"$TMP/ke_error.log" 2>&1 &
EPID=$!
track_pid "$EPID"
wait_up 15 "(c) the Error-record KE server is up" grep -q listening "$TMP/ke_error.log"
: >"$TIMED_LOG"
start_timed "server 127.0.0.1 nts ntsport $E_KE iburst minpoll 0 maxpoll 1
ntstrustedcerts $P/ca.crt
nosystemcert"
wait_for 20 "(c) Error record: the NTS-KE fails with the server's error code in the log" \
  grep -q "NTS-KE with 127.0.0.1 failed: server sent Error 1 (bad request)" "$TIMED_LOG"
assert_match "(c) Error record: a retry is scheduled (back-off from 10 s)" "retry in 10 s" \
  "$(grep 'NTS-KE with' "$TIMED_LOG" | head -1)"
assert_eq "(c) Error record: the source never answered (reach 0)" true "$(srcq "$(sources_json)" 'S[0]["reach"] == 0')"
stop_timed
stop_pid "$EPID"

# ---- (d) NTS stripped ----
# A man in the middle on loopback: the KE server sends clients (ntsntpserver) to its port;
# it forwards each request to the real NTS server's NTP port and returns the genuine
# response cut to its 48-byte header (NTS stripped), or a forged RATE KoD every 4th time.
# It exits by itself after 90 s.
MITM=$(free_port)
cat >"$TMP/mitm.py" <<'PY'
import socket, sys, time
listen, upstream = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", listen))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(1.0)
end = time.time() + 90
n = 0
s.settimeout(1.0)
while time.time() < end:
    try:
        req, peer = s.recvfrom(2048)
    except socket.timeout:
        continue
    n += 1
    if n % 4 == 0:
        kod = bytearray(48)
        kod[0] = 0x24          # LI 0, VN 4, mode 4
        kod[12:16] = b"RATE"
        kod[24:32] = req[40:48]
        s.sendto(bytes(kod), peer)
        continue
    u.sendto(req, ("127.0.0.1", upstream))
    try:
        resp = u.recv(2048)
    except socket.timeout:
        continue
    s.sendto(resp[:48], peer)
    print("stripped", len(resp), flush=True)
PY
python3 "$TMP/mitm.py" "$MITM" "$S_NTP" >"$TMP/mitm.log" 2>&1 &
MPID=$!
track_pid "$MPID"
stop_pid "$SPID"
cat >>"$SD/timed.conf" <<C
ntsntpserver 127.0.0.1 $MITM
C
: >"$SD/timed.log"
$NOCLOCK "$TIMED" -d -x -f "$SD/timed.conf" >>"$SD/timed.log" 2>&1 &
SPID=$!
track_pid "$SPID"
wait_up 15 "(d) the KE server (sending clients to the stripping proxy) is up" server_up
: >"$TIMED_LOG"
start_timed "server 127.0.0.1 nts ntsport $S_KE iburst minpoll 0 maxpoll 1
ntstrustedcerts $P/ca.crt
nosystemcert"
wait_for 30 "(d) the NTS-KE succeeds and names the proxy" grep -q "NTS-KE done.*NTP server 127.0.0.1 port $MITM" "$TIMED_LOG"
stripped() { grep -q "unauthenticated response dropped" "$TIMED_LOG"; }
wait_for 30 "(d) the stripped responses are dropped as unauthenticated" stripped
sleep 8
assert_ge "(d) the proxy relayed genuine responses, stripped" "$(grep -c stripped "$TMP/mitm.log")" 3
j=$(sources_json)
log "sources: $j"
assert_eq "(d) the source never became reachable nor selected" true \
  "$(srcq "$j" 'S[0]["reach"] == 0 and S[0]["state"] != "*"')"
assert_eq "(d) the forged RATE KoD did not slow polling down (poll still <= 1)" true \
  "$(srcq "$j" 'S[0]["poll"] <= 1 and not S[0]["kod_stopped"]')"
t=$(tctl --json tracking) || fail "timectl --json tracking failed"
assert_eq "(d) timed is not synchronised" false "$(json_get "$t" synchronised)"
if tctl authdata >/dev/null 2>&1; then
  log "authdata: $(tctl authdata)"
fi
stop_pid "$MPID"
stop_timed
stop_pid "$SPID"
stop_pid "$CHRONYD_NTS"
