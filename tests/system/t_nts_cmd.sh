#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_nts_cmd.sh - the command-socket side of NTS (issue 4): the NTS and NTS-KE counters of
# `timectl serverstats` (text and JSON) move when chronyd 4.3 syncs to timed over NTS;
# `timectl authdata` lists the sources (text and JSON); `timectl reload certs` as root makes
# a fresh TLS connection see a certificate written over the old path, a broken one keeps the
# old certificate (exit 1, reason in the log), uid 65534 is refused; SIGHUP does the same.
# Loopback ports of our own, a throwaway PKI made with certtool; both daemons run -x
# without CAP_SYS_TIME.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd certtool gnutls-cli chronyd chronyc setpriv python3 timeout
require_built "$TIMED" "$TIMECTL"
setup_tmp

# ---- a throwaway PKI: one CA, one server key, certificates told apart by serial ----
make_test_ca "$TMP/pki"
# make_cert SERIAL OUT: a server certificate for localhost/127.0.0.1 with that serial
# (organization "generation SERIAL"), all with the one key server.key.
make_cert() {
  make_test_cert -k server -s "$1" -o "generation $1" "$TMP/pki" "gen-$1" localhost 127.0.0.1
  mv "$TMP/pki/gen-$1.crt" "$2"
  chmod 644 "$2"
}
chmod 644 "$TMP/pki/ca.crt"
make_cert 4097 "$TMP/pki/server.crt"
chmod 640 "$TMP/pki/server.key"
make_cert 8194 "$TMP/pki/gen2.crt"
make_cert 12291 "$TMP/pki/gen3.crt"

NTP_PORT=$(free_port)
KE_PORT=$(free_port)
DEAD_PORT=$(free_port)
mkdir -p "$TMP/dump"
CONF="port $NTP_PORT
allow 127.0.0.1
local stratum 10
ntsservercert $TMP/pki/server.crt
ntsserverkey $TMP/pki/server.key
ntsport $KE_PORT
ntsdumpdir $TMP/dump
server 127.0.0.1 port $DEAD_PORT minpoll 4 maxpoll 4
server 127.0.0.1 port $NTP_PORT nts ntsport $KE_PORT minpoll 0 maxpoll 0 noselect
ntstrustedcerts $TMP/pki/ca.crt"
start_timed "$CONF"
grep -q "NTS-KE server on TCP port $KE_PORT" "$TIMED_LOG" ||
  fail "timed did not start its NTS-KE server (log: $(tail -3 "$TIMED_LOG"))"
# Let uid 65534 reach the socket: the daemon itself must tell read-only from control.
open_cmd_socket

# serial_seen: the serial of the certificate a fresh TLS connection to the KE port gets.
serial_seen() {
  timeout 10 gnutls-cli --alpn ntske/1 --x509cafile "$TMP/pki/ca.crt" -p "$KE_PORT" \
    127.0.0.1 </dev/null 2>&1 | sed -n 's/.*serial 0x\([0-9a-fA-F]*\).*/\1/p' | head -1
}
# num: hex serial -> decimal
num() { printf '%d' "0x${1:-0}"; }

# ---- serverstats at start (timed's own NTS source may already be at work) ----
j=$(tctl --json serverstats) || fail "timectl --json serverstats failed"
assert_true "serverstats --json is one JSON object" is_json "$j"
for k in nts_requests nts_replied nts_naks nts_cookies nts_nak_cookie nts_nak_auth \
         nts_dropped_disabled nts_dropped_malformed nts_dropped_other ke_accepted ke_refused \
         ke_handshakes ke_tls_failed ke_timeouts ke_bad_requests ke_responses ke_cookies \
         ke_key_rotations ke_cert_reloads ke_cert_reload_failures; do
  json_get "$j" "$k" >/dev/null
done
_pass "serverstats --json has every NTS and NTS-KE counter"
assert_eq "no certificate reload yet" 0 "$(json_get "$j" ke_cert_reloads)"
assert_eq "no NTS request to a server without NTS" 0 "$(json_get "$j" nts_dropped_disabled)"
assert_eq "the first counters are still there (ntp_received)" 1 \
  "$(python3 -c 'import json,sys; print(int("ntp_received" in json.loads(sys.argv[1])))' "$j")"

# ---- chronyd 4.3 as NTS client of timed ----
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
selected() { chronyc_ sources | grep -q '^\^\* 127\.0\.0\.1'; }
wait_for 40 "chronyd selects timed over NTS" selected
replied_3() { [ "$(stat_json nts_replied)" -ge 3 ]; }
wait_for 20 "timed sent at least 3 NTS responses" replied_3

j=$(tctl --json serverstats) || fail "timectl --json serverstats failed"
assert_ge "JSON ke_accepted moved" "$(json_get "$j" ke_accepted)" 1
assert_ge "JSON ke_handshakes moved" "$(json_get "$j" ke_handshakes)" 1
assert_ge "JSON ke_responses moved" "$(json_get "$j" ke_responses)" 1
assert_ge "JSON ke_cookies: 8 per KE response" "$(json_get "$j" ke_cookies)" \
  $((8 * $(json_get "$j" ke_responses)))
assert_ge "JSON nts_requests moved" "$(json_get "$j" nts_requests)" 3
assert_ge "JSON nts_replied moved" "$(json_get "$j" nts_replied)" 3
assert_ge "JSON nts_cookies: one new cookie per response" "$(json_get "$j" nts_cookies)" \
  "$(json_get "$j" nts_replied)"
assert_eq "JSON nts_naks stays 0" 0 "$(json_get "$j" nts_naks)"
assert_eq "JSON ke_tls_failed stays 0" 0 "$(json_get "$j" ke_tls_failed)"
replied_json=$(json_get "$j" nts_replied)

t=$(tctl serverstats) || fail "timectl serverstats failed"
log "serverstats text:"
printf '%s\n' "$t" | sed 's/^/    /'
text_val() { printf '%s\n' "$t" | sed -n "s/^$1 *: //p"; }
assert_ge "text: NTS responses sent (not below the earlier JSON value)" \
  "$(text_val "NTS responses sent")" "$replied_json"
assert_ge "text: NTS-KE handshakes completed" "$(text_val "NTS-KE handshakes completed")" 1
assert_eq "text: NTS NAKs sent" 0 "$(text_val "NTS NAKs sent")"
assert_match "text: the certificate counters are listed" "NTS certificate reloads *: 0" "$t"

# ---- a TLS client that fails: ke_tls_failed moves ----
tls0=$(stat_json ke_tls_failed)
timeout 10 gnutls-cli --alpn h2 --x509cafile "$TMP/pki/ca.crt" -p "$KE_PORT" 127.0.0.1 \
  </dev/null >/dev/null 2>&1 || true
tls_moved() { [ "$(stat_json ke_tls_failed)" -gt "$tls0" ]; }
wait_for 10 "a handshake without ntske/1 counts in ke_tls_failed" tls_moved

# ---- authdata: a plain source (the dead port) and timed's own NTS client of itself ----
jar_full() { tctl -n authdata | grep -Eq '^127\.0\.0\.1 +NTS +[0-9]+ +15 +256 .* 8 +100$'; }
wait_for 30 "timed's NTS source got keys and 8 cookies of 100 bytes (AEAD 15)" jar_full
a=$(tctl -n authdata) || fail "timectl authdata failed"
log "authdata:"
printf '%s\n' "$a" | sed 's/^/    /'
assert_match "authdata has chronyc's columns" \
  "^Name/IP address +Mode KeyID Type KLen Last Atmp +NAK Cook CLen" "$a"
assert_match "a source without NTS shows mode -" "^127\.0\.0\.1 +- +0 +0 +0 +- +0 +0 +0 +0$" "$a"
aj=$(tctl --json authdata) || fail "timectl --json authdata failed"
assert_eq "authdata --json: two sources" 2 \
  "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["sources"]))' "$aj")"
assert_eq "authdata --json: plain source, mode" "-" "$(json_get "$aj" sources.0.mode)"
assert_eq "authdata --json: plain source, port" "$DEAD_PORT" "$(json_get "$aj" sources.0.port)"
assert_eq "authdata --json: plain source, no KE" "None" "$(json_get "$aj" sources.0.last_ke_ago)"
assert_eq "authdata --json: NTS source, mode" "NTS" "$(json_get "$aj" sources.1.mode)"
assert_eq "authdata --json: NTS source, KE done" "done" "$(json_get "$aj" sources.1.ke_state)"
assert_eq "authdata --json: NTS source, AEAD" 15 "$(json_get "$aj" sources.1.aead)"
assert_eq "authdata --json: NTS source, key bits" 256 "$(json_get "$aj" sources.1.key_bits)"
assert_eq "authdata --json: NTS source, KE port" "$KE_PORT" "$(json_get "$aj" sources.1.ke_port)"
assert_eq "authdata --json: NTS source, cookie length" 100 \
  "$(json_get "$aj" sources.1.cookie_len)"
assert_eq "authdata --json: NTS source, no error" "" "$(json_get "$aj" sources.1.last_error)"
assert_ge "authdata --json: NTS source, last KE age" \
  "$(json_get "$aj" sources.1.last_ke_ago | cut -d. -f1)" 0
rc=0
as_nobody "$TIMECTL" -h "$TIMED_SOCK" authdata >/dev/null 2>&1 || rc=$?
assert_eq "authdata is open to uid 65534" 0 "$rc"

# ---- reload certs ----
s0=$(serial_seen)
assert_eq "a TLS client sees the first certificate" 4097 "$(num "$s0")"

# Refused for uid 65534, and nothing reloaded.
den0=$(stat_json cmd_denied)
rc=0
as_nobody "$TIMECTL" -h "$TIMED_SOCK" reload certs >"$TMP/out" 2>"$TMP/err" || rc=$?
assert_eq "'reload certs' as uid 65534 exits 1" 1 "$rc"
assert_match "and is told it is not authorised" '[Aa]uthori[sz]' "$(cat "$TMP/err")"
assert_eq "cmd_denied moved by 1" 1 $(($(stat_json cmd_denied) - den0))
assert_eq "nothing reloaded for uid 65534" 0 "$(stat_json ke_cert_reloads)"

# A new certificate over the old path.
cp "$TMP/pki/gen2.crt" "$TMP/pki/server.crt.new"
mv "$TMP/pki/server.crt.new" "$TMP/pki/server.crt"
assert_eq "before the reload, the old certificate is still served" 4097 "$(num "$(serial_seen)")"
rc=0
out=$(tctl reload certs 2>&1) || rc=$?
assert_eq "'reload certs' as root exits 0" 0 "$rc"
assert_eq "and says 200 OK" "200 OK" "$out"
assert_eq "a fresh TLS connection sees the new certificate" 8194 "$(num "$(serial_seen)")"
assert_eq "ke_cert_reloads is 1" 1 "$(stat_json ke_cert_reloads)"
assert_true "the reload is logged" grep -q "NTS: certificates reloaded" "$TIMED_LOG"

# A broken certificate over the old path: the old one stays, exit 1, reason logged.
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n' \
  >"$TMP/pki/server.crt"
rc=0
out=$(tctl reload certs 2>&1) || rc=$?
assert_eq "'reload certs' with a broken certificate exits 1" 1 "$rc"
assert_match "and says the old certificates stay" "old ones stay in use" "$out"
assert_eq "ke_cert_reload_failures is 1" 1 "$(stat_json ke_cert_reload_failures)"
assert_true "the log says why" grep -q "cannot load certificate $TMP/pki/server.crt" "$TIMED_LOG"
assert_eq "a fresh TLS connection still sees the previous certificate" 8194 \
  "$(num "$(serial_seen)")"
rj=$(tctl --json reload certs 2>/dev/null) && fail "reload with a broken cert must fail"
# JSON mode of a good reload.
cp "$TMP/pki/gen2.crt" "$TMP/pki/server.crt"
rj=$(tctl --json reload certs) || fail "timectl --json reload certs failed"
assert_eq "reload --json says ok" ok "$(json_get "$rj" status)"

# chronyd is not disturbed: it still gets authenticated responses.
r0=$(stat_json nts_replied)
more() { [ "$(stat_json nts_replied)" -ge $((r0 + 2)) ]; }
wait_for 20 "chronyd keeps getting NTS responses after the reloads" more

# ---- SIGHUP does the same ----
n0=$(stat_json ke_cert_reloads)
cp "$TMP/pki/gen3.crt" "$TMP/pki/server.crt"
kill -HUP "$TIMED_PID"
hup_done() { [ "$(stat_json ke_cert_reloads)" -gt "$n0" ]; }
wait_for 10 "SIGHUP reloads the certificates" hup_done
assert_eq "after SIGHUP a fresh TLS connection sees the third certificate" 12291 \
  "$(num "$(serial_seen)")"
f0=$(stat_json ke_cert_reload_failures)
printf 'garbage\n' >"$TMP/pki/server.crt"
kill -HUP "$TIMED_PID"
hup_failed() { [ "$(stat_json ke_cert_reload_failures)" -gt "$f0" ]; }
wait_for 10 "SIGHUP with a broken certificate counts a failure" hup_failed
assert_eq "and the third certificate stays" 12291 "$(num "$(serial_seen)")"
assert_true "timed is still running" timed_alive

# ---- without an NTS-KE server, reload certs is unavailable ----
stop_timed
chmod 755 "$TMP/run"   # timed refuses a world-writable socket directory
start_timed "port $NTP_PORT
allow 127.0.0.1
local stratum 10"
rc=0
out=$(tctl reload certs 2>&1) || rc=$?
assert_eq "'reload certs' without an NTS-KE server exits 1" 1 "$rc"
assert_match "and says there is nothing to reload" "no NTS-KE server" "$out"
j=$(tctl --json serverstats) || fail "serverstats failed"
assert_eq "without NTS the KE counters read 0" 0 "$(json_get "$j" ke_accepted)"
a=$(tctl authdata) || fail "timectl authdata failed"
assert_eq "authdata without sources: just the header" 2 "$(printf '%s\n' "$a" | wc -l)"
stop_timed

log "all $_n_checks checks passed"
