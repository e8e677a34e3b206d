#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_sandbox_paths.sh - the paths of the engine that t_privsep.sh does not reach, run under
# the seccomp filter (issue 5: "seccomp that does not kill the daemon hours later").
#
# One daemon with privilege separation (`user nobody`) is at once an NTS server (ntsrotate
# 2 s, keys dumped to ntsdumpdir), an NTS client of itself (cookies dumped at shutdown), an
# NTP client of a second timed (drift file rewritten every second), with leapsecmode slew.
# Under it: key rotation and key dump, NTS-KE both ways, `timectl add`/`ntpdata`/`delete`/
# `authdata`/`reload certs`/`cyclelogs`-style SIGHUP, drift rewrites, clean shutdown.  It
# runs twice: with the default filter (a forbidden call kills the engine with SIGSYS: every
# step checks the engine and its helper are alive, and the exit status must be 0) and with
# -F 2 (a forbidden call is logged by name: the log must have no "blocked system call").
#
# Leap seconds: the daemon runs with libfaketime (it only changes what the daemon reads,
# never the clock) 10 s before the leap second of 2016-12-31, and a small loopback NTP
# server (Python, on the same faked time scale) announces the insertion (LI 1) and inserts
# it.  The kernel's receive timestamps are not faked, so a tiny preload library built here
# makes SO_TIMESTAMPING/SO_TIMESTAMPNS unavailable: the daemon falls back to reading the
# (faked) clock after the wait, as it does on any kernel without them.  With -x neither
# leapsecmode reaches the helper (clock control off); the helper's side of a step is covered
# by t_privsep.sh (helperprobe step-eperm).  Both slew (default filter) and step (-F 2) run.
#
# Everything runs under setpriv without CAP_SYS_TIME and with -x: the clock is never touched.

. "$(dirname "$0")/lib.sh"

require_root
require_cmd setpriv python3 certtool gcc
require_faketime
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
id nobody >/dev/null 2>&1 || skip "no user nobody"
setup_tmp
NOBODY=$(id -u nobody)

make_test_ca "$TMP/pki"
make_test_cert "$TMP/pki" server localhost 127.0.0.1
# The engine (nobody) reads the certificate and key again on `reload certs`.
chmod 644 "$TMP/pki/ca.crt" "$TMP/pki/server.crt" "$TMP/pki/server.key"

# children PID: the direct children of PID, space-separated.
children() {
  cat /proc/"$1"/task/*/children 2>/dev/null | xargs
}

# both_alive WHAT: the engine and its helper still run (a filter kill is SIGSYS).
both_alive() {
  timed_alive || fail "$1: the engine died (seccomp kill?)"
  kill -0 "$HELPER_PID" 2>/dev/null || fail "$1: the helper died"
  _pass "$1: engine and helper alive"
}

# ---- the upstream: a plain timed, one process without seccomp ----
mkdir -p "$TMP/up"
PU=$(free_port)
printf 'bindcmdaddress %s\npidfile %s\nlocal stratum 8\nallow 127.0.0.1\nport %s\n' \
  "$TMP/up/timed.sock" "$TMP/up/timed.pid" "$PU" >"$TMP/up/timed.conf"
$NOCLOCK "$TIMED" -d -x -P 0 -F 0 -f "$TMP/up/timed.conf" >"$TMP/up/log" 2>&1 &
UP=$!
track_pid "$UP"
for _ in $(seq 100); do
  [ -S "$TMP/up/timed.sock" ] && break
  sleep 0.1
done
[ -S "$TMP/up/timed.sock" ] || fail "the upstream timed did not start: $(cat "$TMP/up/log")"

# A second upstream for `timectl add` (the same daemon on another port would need another
# process: use the first one's port twice is refused as a duplicate, so start one more).
mkdir -p "$TMP/up2"
PU2=$(free_port)
printf 'bindcmdaddress %s\npidfile %s\nlocal stratum 9\nallow 127.0.0.1\nport %s\n' \
  "$TMP/up2/timed.sock" "$TMP/up2/timed.pid" "$PU2" >"$TMP/up2/timed.conf"
$NOCLOCK "$TIMED" -d -x -P 0 -F 0 -f "$TMP/up2/timed.conf" >"$TMP/up2/log" 2>&1 &
UP2=$!
track_pid "$UP2"
for _ in $(seq 100); do
  [ -S "$TMP/up2/timed.sock" ] && break
  sleep 0.1
done
[ -S "$TMP/up2/timed.sock" ] || fail "the second upstream did not start: $(cat "$TMP/up2/log")"

# run_paths MODE: one daemon under `-F MODE`, every path, clean shutdown.
run_paths() {
  local mode=$1 st=$TMP/state-$1 P KE keys0 keys1 out rc j i
  mkdir -p "$st"
  chown nobody "$st"
  chmod 700 "$st"
  P=$(free_port)
  KE=$(free_port)
  TIMED_ARGS="-F $mode"
  : >"$TMP/timed.log"
  rm -f "$TMP/run/timed.pid"
  start_timed "user nobody
server 127.0.0.1 port $PU iburst minpoll 0 maxpoll 1
server 127.0.0.1 port $P nts ntsport $KE minpoll 0 maxpoll 0 noselect
ntstrustedcerts $TMP/pki/ca.crt
nosystemcert
port $P
allow 127.0.0.1
ntsservercert $TMP/pki/server.crt
ntsserverkey $TMP/pki/server.key
ntsport $KE
ntsdumpdir $st
ntsrotate 2
driftfile $st/drift interval 1
leapsecmode slew"
  HELPER_PID=$(children "$TIMED_PID")
  assert_match "-F $mode: the engine has one child, the helper" "^[0-9]+$" "$HELPER_PID"
  assert_eq "-F $mode: the engine runs under seccomp" 2 \
    "$(awk '$1 == "Seccomp:" {print $2}' "/proc/$TIMED_PID/status")"
  assert_eq "-F $mode: the engine runs as nobody" "$NOBODY" \
    "$(awk '$1 == "Uid:" {print $2}' "/proc/$TIMED_PID/status")"

  # NTS server keys: dumped, then rotated and dumped again every 2 s.
  wait_for 10 "-F $mode: server keys dumped to ntsdumpdir" test -s "$st/ntskeys"
  assert_eq "-F $mode: key file mode 0600" 600 "$(stat -c %a "$st/ntskeys")"
  keys0=$(md5sum <"$st/ntskeys")
  keys_changed() { [ "$(md5sum <"$st/ntskeys")" != "$keys0" ]; }
  wait_for 10 "-F $mode: ntsrotate 2: the key file is rewritten" keys_changed
  wait_for 10 "-F $mode: the rotation is logged" grep -q "NTS: server key rotated" "$TIMED_LOG"
  # (The first dump is written at start-up, before the drop; this one by the engine.)
  assert_eq "-F $mode: rewritten key file owned by the engine's user" "$NOBODY" \
    "$(stat -c %u "$st/ntskeys")"
  assert_eq "-F $mode: rewritten key file mode 0600" 600 "$(stat -c %a "$st/ntskeys")"
  keys1=$(md5sum <"$st/ntskeys")
  keys_changed2() { [ "$(md5sum <"$st/ntskeys")" != "$keys1" ]; }
  wait_for 10 "-F $mode: and rewritten again" keys_changed2
  both_alive "-F $mode: key rotation and dump"

  # NTS-KE with itself (client and server side, TLS in the engine) and authenticated NTP.
  wait_for 30 "-F $mode: NTS-KE client -> own server done" grep -q "NTS-KE done" "$TIMED_LOG"
  nts_reach() { src_true "any(s['port'] == $P and s['reach'] > 0 for s in S)"; }
  wait_for 30 "-F $mode: the NTS source answers (authenticated NTP under the filter)" nts_reach
  j=$(tctl --json serverstats) || fail "timectl --json serverstats failed"
  assert_ge "-F $mode: server replied to NTS requests" "$(json_get "$j" nts_replied)" 1
  assert_ge "-F $mode: key rotations counted" "$(json_get "$j" ke_key_rotations)" 2
  both_alive "-F $mode: NTS-KE and NTS"

  # Synchronisation to the upstream, and the drift file rewritten.
  wait_for 30 "-F $mode: synchronised to the upstream" timed_synced
  wait_for 10 "-F $mode: drift file written" test -s "$st/drift"
  assert_match "-F $mode: drift file format" "^-?[0-9.]+ [0-9.]+$" "$(cat "$st/drift")"
  i=$(stat -c %Y.%i "$st/drift")
  drift_rewritten() { [ "$(stat -c %Y.%i "$st/drift")" != "$i" ]; }
  wait_for 10 "-F $mode: drift file rewritten (interval 1)" drift_rewritten
  both_alive "-F $mode: drift file rewrite"

  # Run-time source changes and the NTS commands.
  out=$(tctl add server 127.0.0.1 port "$PU2" iburst minpoll 0 maxpoll 1 2>&1) ||
    fail "timectl add server failed: $out"
  assert_eq "-F $mode: timectl add server" "200 OK" "$out"
  added_reach() { src_true "any(s['port'] == $PU2 and s['reach'] > 0 for s in S)"; }
  wait_for 20 "-F $mode: the added source answers" added_reach
  j=$(tctl --json ntpdata) || fail "timectl --json ntpdata failed"
  assert_true "-F $mode: timectl ntpdata is JSON" is_json "$j"
  assert_match "-F $mode: ntpdata lists the added source" "\b$PU2\b" "$j"
  out=$(tctl delete 127.0.0.1 "$PU2" 2>&1) || fail "timectl delete failed: $out"
  assert_eq "-F $mode: timectl delete" "200 OK" "$out"
  assert_eq "-F $mode: the source is gone" false \
    "$(srcq "$(sources_json)" "any(s['port'] == $PU2 for s in S)")"
  out=$(tctl -n authdata) || fail "timectl authdata failed"
  assert_match "-F $mode: timectl authdata shows the NTS source" "^127\.0\.0\.1 +NTS" "$out"
  rc=0
  out=$(tctl reload certs 2>&1) || rc=$?
  assert_eq "-F $mode: timectl reload certs" 0 "$rc"
  for c in tracking sources sourcestats selectdata activity serverstats "burst 2/4" makestep; do
    rc=0
    # shellcheck disable=SC2086
    tctl $c >"$TMP/out" 2>&1 || rc=$?
    assert_eq "-F $mode: timectl $c" 0 "$rc"
  done
  both_alive "-F $mode: add/ntpdata/delete/authdata/reload certs"

  # SIGHUP (log reopen; with a stderr log it must still be harmless).
  kill -HUP "$TIMED_PID"
  sleep 1
  both_alive "-F $mode: SIGHUP"
  rc=0
  tctl tracking >/dev/null 2>&1 || rc=$?
  assert_eq "-F $mode: answers after SIGHUP" 0 "$rc"

  # Clean shutdown: the cookie dump is written on the way out; exit status 0 (a filter
  # kill would be 159, SIGSYS).
  stop_timed
  assert_true "-F $mode: NTS cookies dumped at shutdown" test -s "$st/ntsclient-127.0.0.1-$KE"
  assert_eq "-F $mode: cookie dump mode 0600" 600 "$(stat -c %a "$st/ntsclient-127.0.0.1-$KE")"
  if grep -q "blocked system call" "$TIMED_LOG"; then
    fail "-F $mode: $(grep -m1 "blocked system call" "$TIMED_LOG")"
  fi
  _pass "-F $mode: no \"blocked system call\" in the log"
  for _ in $(seq 30); do
    kill -0 "$HELPER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$HELPER_PID" 2>/dev/null && [ "$(_proc_state "$HELPER_PID")" != Z ]; then
    fail "-F $mode: the helper outlived the engine"
  fi
  _pass "-F $mode: the helper is gone after shutdown"
}

run_paths 1
run_paths 2

# ---- leap second under the filter ----
cat >"$TMP/nots.c" <<'EOF'
/* Test preload: no kernel receive timestamps (they would not be faked by libfaketime). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
  static int (*real)(int, int, int, const void *, socklen_t);

  if (level == SOL_SOCKET && (name == SO_TIMESTAMPING || name == SO_TIMESTAMPNS ||
                              name == SO_TIMESTAMP)) {
    errno = ENOPROTOOPT;
    return -1;
  }
  if (!real) {
    real = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
  }
  return real ? real(fd, level, name, val, len) : -1;
}
EOF
gcc -shared -fPIC -O1 -o "$TMP/nots.so" "$TMP/nots.c" -ldl 2>"$TMP/gcc.log" ||
  fail "cannot build the test preload: $(cat "$TMP/gcc.log")"
cat >"$TMP/leapsrv.py" <<'EOF'
# Loopback NTP server on a shifted time scale (real + OFF) that announces a leap insertion
# (LI 1, RFC 5905 7.3) before EPOCH and inserts it (its time goes back 1 s at EPOCH).
# Exits by itself after SECS.
import socket, struct, sys, time
port, secs, off, epoch = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
NTP_EPOCH = 2208988800
def ntp(t):
    s = int(t)
    return struct.pack("!II", (s + NTP_EPOCH) & 0xffffffff, int((t - s) * 2**32) & 0xffffffff)
def now():
    t = time.time() + off
    return (t - 1, 0) if t >= epoch else (t, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(0.5)
print("listening", flush=True)
end = time.time() + secs
while time.time() < end:
    try:
        req, peer = s.recvfrom(2048)
    except socket.timeout:
        continue
    if len(req) < 48:
        continue
    t2, li = now()
    hdr = bytes([(li << 6) | (4 << 3) | 4, 2, req[2], 0xec]) + struct.pack("!II", 0, 0) + b"LEAP"
    s.sendto(hdr + ntp(t2 - 1) + req[40:48] + ntp(t2) + ntp(now()[0]), peer)
EOF

# run_leap MODE LEAPSECMODE WORD: the daemon under -F MODE sees the leap second of
# 2016-12-31 and logs "leap second inserted (WORD)".
run_leap() {
  local mode=$1 how=$2 word=$3 epoch off PL lp
  epoch=$(date -u -d '2017-01-01 00:00:00' +%s)
  off=$((epoch - 10 - $(date +%s)))
  PL=$(free_port)
  python3 "$TMP/leapsrv.py" "$PL" 60 "$off" "$epoch" >"$TMP/leapsrv.log" 2>&1 &
  lp=$!
  track_pid "$lp"
  for _ in $(seq 50); do
    grep -q listening "$TMP/leapsrv.log" && break
    sleep 0.1
  done
  TIMED_ARGS="-F $mode"
  : >"$TMP/timed.log"
  rm -f "$TMP/run/timed.pid"
  LD_PRELOAD="$TMP/nots.so:$LIBFAKETIME" FAKETIME="${off}s" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    start_timed "user nobody
server 127.0.0.1 port $PL iburst minpoll 0 maxpoll 0
leapsecmode $how"
  HELPER_PID=$(children "$TIMED_PID")
  assert_eq "leap, -F $mode: the engine runs under seccomp" 2 \
    "$(awk '$1 == "Seccomp:" {print $2}' "/proc/$TIMED_PID/status")"
  assert_true "leap, -F $mode: the daemon's time is faked (2016-12-31 in its log)" \
    grep -q "^2016-12-31T23:59" "$TIMED_LOG"
  wait_for 8 "leap, -F $mode: synchronised before the leap" timed_synced
  leap_pending() { tctl tracking 2>/dev/null | grep -q "^Leap status *: Insert second"; }
  wait_for 8 "leap, -F $mode: tracking shows the insertion pending" leap_pending
  wait_for 15 "leap, -F $mode: leapsecmode $how: the second is inserted at midnight" \
    grep -q "^2017-01-01T00:00:0.* leap second inserted ($word)" "$TIMED_LOG"
  sleep 2
  both_alive "leap, -F $mode, leapsecmode $how"
  stop_timed
  if grep -q "blocked system call" "$TIMED_LOG"; then
    fail "leap, -F $mode: $(grep -m1 "blocked system call" "$TIMED_LOG")"
  fi
  _pass "leap, -F $mode: no \"blocked system call\" in the log"
  stop_pid "$lp"
}

run_leap 1 slew slewed
run_leap 2 step stepped
stop_pid "$UP"
stop_pid "$UP2"
