#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_nts_server.sh - timed as an NTS server (RFC 8915) for chronyd 4.3 as NTS client, on
# loopback ports of our own.  The test makes its own throwaway PKI with certtool.  Checks:
# chronyd's NTS-KE with timed succeeds (8 cookies of 100 bytes, AEAD 15), its NTP packets
# are authenticated and it selects timed; the server keys are saved 0600 in ntsdumpdir and
# reloaded after a restart, so chronyd's cookies stay valid (no NAK, no new KE); a bad KE
# request gets an Error record, a client that never sends is cut off, and a plain NTP
# request still gets an ordinary answer.  Both daemons run -x without CAP_SYS_TIME.

. "$(dirname "$0")/lib.sh"
# NTS_TIMED: a timed binary to test instead of the built one (integration aid).
TIMED=${NTS_TIMED:-$TIMED}
require_root
require_cmd certtool chronyd chronyc setpriv python3 timeout
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

# ---- a throwaway PKI ----
make_test_ca "$TMP/pki"
make_test_cert "$TMP/pki" server localhost 127.0.0.1
chmod 644 "$TMP/pki/"*.crt

NTP_PORT=$(free_port)
KE_PORT=$(free_port)
mkdir -p "$TMP/dump"
CONF="port $NTP_PORT
allow 127.0.0.1
local stratum 10
ntsservercert $TMP/pki/server.crt
ntsserverkey $TMP/pki/server.key
ntsport $KE_PORT
ntsdumpdir $TMP/dump
maxntsconnections 4"
start_timed "$CONF"

grep -q "NTS-KE server on TCP port $KE_PORT" "$TIMED_LOG" ||
  fail "timed did not start its NTS-KE server (log: $(tail -3 "$TIMED_LOG"))"
_pass "timed logs its NTS-KE server on port $KE_PORT"
assert_true "server keys saved in ntsdumpdir" test -s "$TMP/dump/ntskeys"
assert_eq "key file mode is 0600" 600 "$(stat -c %a "$TMP/dump/ntskeys")"
keys_before=$(md5sum <"$TMP/dump/ntskeys")

# ---- chronyd 4.3 as NTS client ----
CD=$TMP/chronyd-cli
mkdir -p "$CD/run" "$CD/dump"
chown _chrony:_chrony "$CD/run" "$CD/dump" 2>/dev/null || skip "no _chrony user"
chmod 750 "$CD/run"
cat >"$CD/chrony.conf" <<C
server 127.0.0.1 port $NTP_PORT nts ntsport $KE_PORT iburst minpoll 0 maxpoll 0
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

# authdata columns: Name Mode KeyID Type KLen Last Atmp NAK Cook CLen
authdata() { chronyc_ authdata | awk '$1 == "127.0.0.1"'; }
nts_ok() { authdata | awk '$2 == "NTS" && $4 == 15 && $9 >= 1 && $10 == 100 {ok=1} END {exit !ok}'; }
selected() { chronyc_ sources | grep -q '^\^\* 127\.0\.0\.1'; }
wait_for 30 "chronyd completed NTS-KE with timed (authdata: NTS, AEAD 15, cookies of 100 B)" nts_ok
wait_for 30 "chronyd selects timed (^*)" selected
log "authdata: $(authdata)"
nd=$(chronyc_ ntpdata)
assert_match "chronyd: NTP responses authenticated" "Authenticated *: Yes" "$nd"
good=$(echo "$nd" | sed -n 's/^Total good RX *: *//p')
assert_ge "chronyd counts good authenticated responses" "${good:-0}" 3
assert_eq "chronyd got no NTS NAK" 0 "$(authdata | awk '{print $8}')"
assert_eq "chronyd's cookie jar is full (8)" 8 "$(authdata | awk '{print $9}')"

# ---- restart: keys reloaded, chronyd's cookies stay valid ----
stop_timed
start_timed "$CONF"
assert_true "timed reloaded its server keys" grep -q "loaded 1 server keys" "$TIMED_LOG"
assert_eq "key file unchanged by the restart" "$keys_before" "$(md5sum <"$TMP/dump/ntskeys")"
rx_before=$good
more_good() {
  local g
  g=$(chronyc_ ntpdata | sed -n 's/^Total good RX *: *//p')
  [ "${g:-0}" -ge $((rx_before + 3)) ]
}
wait_for 30 "chronyd keeps getting authenticated responses after timed's restart" more_good
assert_eq "no NAK after the restart (old cookies still open)" 0 "$(authdata | awk '{print $8}')"
assert_eq "no new NTS-KE was needed (Atmp 0)" 0 "$(authdata | awk '{print $7}')"

# ---- bad KE input, slow clients, plain NTP ----
cat >"$TMP/ke.py" <<'P'
import socket, ssl, struct, sys, time
port, ca, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.set_alpn_protocols(["ntske/1"])
raw = socket.create_connection(("127.0.0.1", port), timeout=5)
if mode == "silent":
    # Never start TLS: the server must cut us off by itself within its limit.
    t = time.monotonic()
    raw.settimeout(10)
    try:
        d = raw.recv(100)
    except ConnectionResetError:
        d = b""
    print("closed-after %.1f" % (time.monotonic() - t))
    sys.exit(0)
s = ctx.wrap_socket(raw, server_hostname="localhost")
def rec(t, body=b"", c=True):
    return struct.pack(">HH", (t | 0x8000) if c else t, len(body)) + body
if mode == "unknown-critical":
    req = rec(1, b"\0\0") + rec(4, b"\0\x0f") + rec(0x4321, b"xy") + rec(0)
elif mode == "no-eom-then-close":
    req = rec(1, b"\0\0")
else:
    req = rec(1, b"\0\0") + rec(4, b"\0\x0f", False) + rec(0)
s.sendall(req)
if mode == "no-eom-then-close":
    s.close()
    print("ok")
    sys.exit(0)
data = b""
while True:
    try:
        d = s.recv(4096)
    except (ssl.SSLError, ConnectionResetError):
        break
    if not d:
        break
    data += d
out, off = [], 0
while off + 4 <= len(data):
    t, l = struct.unpack(">HH", data[off:off + 4])
    out.append("%d:%d:%s" % (t & 0x7fff, l, data[off + 4:off + 4 + l].hex() if l <= 2 else ""))
    off += 4 + l
print(s.version(), len(data), " ".join(out))
P
r=$(timeout 20 python3 "$TMP/ke.py" "$KE_PORT" "$TMP/pki/ca.crt" ntpsec-style) || fail "KE client failed"
log "NTPsec-style request (AEAD not critical): $r"
assert_match "TLS 1.3 and an 8-cookie response with Port $NTP_PORT" \
  "^TLSv1.3 [0-9]+ 1:2:0000 4:2:000f 7:2:$(printf %04x "$NTP_PORT")( 5:100:){8} 0:0:\$" "$r"
r=$(timeout 20 python3 "$TMP/ke.py" "$KE_PORT" "$TMP/pki/ca.crt" unknown-critical) || fail "KE client failed"
assert_match "unknown critical record answered with Error 0" "^TLSv1.3 10 2:2:0000 0:0:\$" "$r"
r=$(timeout 20 python3 "$TMP/ke.py" "$KE_PORT" "$TMP/pki/ca.crt" no-eom-then-close) || fail "KE client failed"
r=$(timeout 20 python3 "$TMP/ke.py" "$KE_PORT" "$TMP/pki/ca.crt" silent) || fail "silent client failed"
secs=$(echo "$r" | sed -n 's/^closed-after //p')
assert_true "a silent client is cut off within 5 s ($r)" \
  python3 -c "import sys; sys.exit(0 if float('${secs:-99}') < 5 else 1)"
# More silent connections than maxntsconnections (4): the extra ones are closed at once,
# and a real client still gets through once they time out.
silent_pids=""
for i in 1 2 3 4 5 6; do
  timeout 20 python3 "$TMP/ke.py" "$KE_PORT" "$TMP/pki/ca.crt" silent >"$TMP/silent.$i" &
  track_pid $!
  silent_pids="$silent_pids $!"
done
sleep 0.5
out=$(probe -p "$NTP_PORT" -t 1 127.0.0.1)
assert_eq "a plain NTP request is answered during the KE flood" 1 "$(json_get "$out" replies)"
# shellcheck disable=SC2086 # a list of pids
wait $silent_pids
r=$(timeout 20 python3 "$TMP/ke.py" "$KE_PORT" "$TMP/pki/ca.crt" chrony-style) || fail "KE client failed"
assert_match "KE works after the flood" "( 5:100:){8} 0:0:\$" "$r"
fast=$(cat "$TMP"/silent.* | awk '{if ($2 < 1) n++} END {print n+0}')
assert_ge "connections beyond maxntsconnections closed at once" "$fast" 2
assert_true "timed logged the connection limit" grep -q "maxntsconnections (4) reached" "$TIMED_LOG"

assert_true "timed still running" timed_alive
stop_pid "$CPID"
stop_timed

# ---- a certificate that cannot be loaded: a clear error, no half-started server ----
printf 'not a certificate\n' >"$TMP/pki/bad.crt"
mkdir -p "$TMP/bad"
cat >"$TMP/bad/timed.conf" <<B
port $NTP_PORT
allow 127.0.0.1
ntsservercert $TMP/pki/bad.crt
ntsserverkey $TMP/pki/server.key
ntsport $KE_PORT
bindcmdaddress $TMP/bad/timed.sock
pidfile $TMP/bad/timed.pid
B
rc=0
# shellcheck disable=SC2086 # $NOCLOCK is a command and its options
timeout 20 $NOCLOCK "$TIMED" -d -x -f "$TMP/bad/timed.conf" >"$TMP/bad/log" 2>&1 || rc=$?
assert_ne "timed refuses to start with a bad certificate" 0 "$rc"
assert_true "the log names the certificate and the reason" \
  grep -q "cannot load certificate $TMP/pki/bad.crt" "$TMP/bad/log"
