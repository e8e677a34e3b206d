#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_privsep.sh - privilege separation and seccomp (issue 5).
#
# 1. timed-helper on its own (tests/system/helperprobe execs it on a socketpair): every
#    malformed or disallowed request is refused, logged and fatal for the helper; a valid
#    clock call fails with EPERM (no CAP_SYS_TIME under the test runner's bounding set) and
#    is only reported.
# 2. The daemon: an engine and a helper child; the engine runs as `user nobody` with no
#    capabilities, NoNewPrivs 1, Seccomp 2; the helper as nobody with no capability but
#    CAP_SYS_TIME (here none: setpriv took it out of the bounding set), its own filter, and
#    no descriptor but its socket.  Every path the allow-list must cover runs under the
#    default filter (kill on violation): name resolution (`server localhost`), NTP client
#    and server traffic, periodic drift file writes, command socket commands, SIGHUP, clean
#    shutdown.
# 3. Killing the engine takes the helper down; killing the helper stops the engine with an
#    error.  -P 0 is one process; -F 0 leaves seccomp off.
#
# Everything runs under setpriv without CAP_SYS_TIME and with -x: the clock is never touched.

. "$(dirname "$0")/lib.sh"

require_root
require_cmd setpriv python3
HELPER=$top_builddir/timed-helper
HPROBE=$top_builddir/tests/system/helperprobe
SBXPROBE=$top_builddir/tests/system/sbxprobe
require_built "$TIMED" "$TIMECTL" "$HELPER" "$HPROBE" "$NTPPROBE" "$SBXPROBE"
id nobody >/dev/null 2>&1 || skip "no user nobody"
setup_tmp
NOBODY=$(id -u nobody)

# status_field PID FIELD: the value of FIELD (e.g. CapEff) in /proc/PID/status.
status_field() {
  awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"
}

# children PID: the direct children of PID, space-separated.
children() {
  cat /proc/"$1"/task/*/children 2>/dev/null | xargs
}

# gone_or_zombie PID SECONDS: 0 once PID has exited (a zombie awaiting its reaper counts:
# it holds nothing), bounded.
gone_or_zombie() {
  local i
  for i in $(seq $(($2 * 10))); do
    case "$(_proc_state "$1")" in
      ''|Z) return 0 ;;
    esac
    sleep 0.1
  done
  return 1
}

# ---- 1. the helper alone ----
probe_case() {
  $NOCLOCK "$HPROBE" "$HELPER" "$1" 2>"$TMP/hp.err" || fail "helperprobe $1 could not run: $(cat "$TMP/hp.err")"
}
for c in "short:wrong request length" "long:wrong request length" \
         "version:wrong protocol version" "op:unknown request" "nan:value not finite" \
         "inf:value not finite" "range:value out of range" "padding:non-zero unused field" \
         "step:step not allowed by the configuration" "leap:value out of range" \
         "policy2:request out of order (policy)" "nopolicy:request out of order (policy)"; do
  name=${c%%:*}
  why=${c#*:}
  out=$(probe_case "$name")
  assert_eq "helper: request '$name' is refused and fatal" "status=FATAL detail=$why exit=2" "$out"
  assert_match "helper: '$name' refusal is logged" "timed-helper: fatal: refused request: " \
    "$(cat "$TMP/hp.err")"
done
out=$(probe_case getfreq)
assert_match "helper: a well-formed GET_FREQ is served" "^status=OK detail=value [-0-9.e+]+ exit=0$" "$out"
out=$(probe_case eof)
assert_eq "helper: EOF on its socket ends it cleanly" "status=EOF detail= exit=0" "$out"
out=$(probe_case setfreq-eperm)
assert_eq "helper: a real clock call without CAP_SYS_TIME fails with EPERM, reported, helper goes on" \
  "status=FAILED detail=Operation not permitted exit=0" "$out"
out=$(probe_case status-eperm)
assert_eq "helper: a valid SET_STATUS is allowed; without CAP_SYS_TIME it fails with EPERM, reported" \
  "status=FAILED detail=Operation not permitted exit=0" "$out"
out=$(probe_case step-eperm)
assert_eq "helper: a step the policy allows (makestep) is tried; EPERM here, reported" \
  "status=FAILED detail=Operation not permitted exit=0" "$out"
rc=0
"$HELPER" 3 2>"$TMP/hp.err" 3</dev/null || rc=$?
assert_eq "helper: refuses to run without a socket as fd 3" 1 "$rc"

# The filter modes themselves: a call outside the list (mkdirat) kills with -F 1; with -F 2
# it is logged by name and fails with ENOSYS.
for prof in engine helper; do
  assert_eq "seccomp $prof list, -F 1: a forbidden call kills" killed-by-SIGSYS \
    "$("$SBXPROBE" $prof 1 2>/dev/null)"
  out=$("$SBXPROBE" $prof 2 2>"$TMP/sbx.err")
  assert_eq "seccomp $prof list, -F 2: a forbidden call fails with ENOSYS" enosys "$out"
  assert_match "seccomp $prof list, -F 2: the call is named" "blocked system call [0-9]+ \(mkdirat\)" \
    "$(cat "$TMP/sbx.err")"
done

# Bad switches.
for o in "-P 2" "-P x" "-F 3" "-F -1"; do
  rc=0
  # shellcheck disable=SC2086
  "$TIMED" $o -n -f /dev/null >"$TMP/opt.out" 2>&1 || rc=$?
  assert_eq "timed $o is refused" 1 "$rc"
done

# A missing helper stops start-up with a reason (never a daemon without its helper).
printf 'bindcmdaddress %s\npidfile %s\nlocal stratum 10\n' "$TMP/nohelper.sock" "$TMP/nohelper.pid" \
  >"$TMP/nohelper.conf"
rc=0
TIMED_HELPER=$TMP/no-such-helper timeout 10 $NOCLOCK "$TIMED" -d -x -f "$TMP/nohelper.conf" \
  >"$TMP/nohelper.log" 2>&1 || rc=$?
assert_eq "no helper program: start-up fails with status 1" 1 "$rc"
assert_match "no helper program: with a reason" "privileged helper .*no-such-helper: No such file" \
  "$(cat "$TMP/nohelper.log")"

# ---- 2. the daemon ----
# An NTP server for the client side, as one process without seccomp (-P 0 -F 0).
mkdir -p "$TMP/srv" "$TMP/state"
chown nobody "$TMP/state"
chmod 700 "$TMP/state"
PS=$(free_port)
cat >"$TMP/srv/timed.conf" <<CONF
bindcmdaddress $TMP/srv/timed.sock
pidfile $TMP/srv/timed.pid
local stratum 8
allow 127.0.0.1
allow ::1
port $PS
CONF
$NOCLOCK "$TIMED" -d -x -P 0 -F 0 -f "$TMP/srv/timed.conf" >"$TMP/srv/log" 2>&1 &
SRV=$!
track_pid "$SRV"
for i in $(seq 100); do
  [ -S "$TMP/srv/timed.sock" ] && break
  sleep 0.1
done
[ -S "$TMP/srv/timed.sock" ] || fail "the server timed did not start: $(cat "$TMP/srv/log")"
assert_eq "-P 0: one process, no helper" "" "$(children "$SRV")"
assert_eq "-P 0 -F 0: no seccomp filter" 0 "$(status_field "$SRV" Seccomp)"

P=$(free_port)
chmod 755 "$TMP"
start_timed "server localhost port $PS iburst minpoll 0 maxpoll 1
allow 127.0.0.1
port $P
user nobody
driftfile $TMP/state/drift interval 1"
E=$TIMED_PID
H=$(children "$E")
assert_match "the engine has exactly one child" "^[0-9]+$" "$H"
assert_eq "the child is timed-helper" timed-helper "$(cat "/proc/$H/comm")"
assert_eq "engine: real, effective, saved, fs uid are nobody's" \
  "$NOBODY $NOBODY $NOBODY $NOBODY" "$(status_field "$E" Uid | tr -s '\t ' ' ')"
assert_eq "engine: CapEff 0" 0000000000000000 "$(status_field "$E" CapEff)"
assert_eq "engine: CapPrm 0" 0000000000000000 "$(status_field "$E" CapPrm)"
assert_eq "engine: CapBnd 0 (no exec can regain anything)" 0000000000000000 "$(status_field "$E" CapBnd)"
assert_eq "engine: NoNewPrivs" 1 "$(status_field "$E" NoNewPrivs)"
assert_eq "engine: seccomp filter mode" 2 "$(status_field "$E" Seccomp)"
assert_eq "helper: uid nobody" "$NOBODY $NOBODY $NOBODY $NOBODY" "$(status_field "$H" Uid | tr -s '\t ' ' ')"
# The helper keeps CAP_SYS_TIME (bit 25, 0000000002000000) when it is in the bounding set;
# the test runner's setpriv removed it, so here it must end with nothing at all.
assert_eq "helper: CapBnd of the test runner has no CAP_SYS_TIME" 0 \
  "$(( 0x$(status_field "$H" CapBnd) & (1 << 25) ))"
assert_eq "helper: CapEff 0 (CAP_SYS_TIME only, and that is not available here)" \
  0000000000000000 "$(status_field "$H" CapEff)"
assert_eq "helper: nothing in its bounding set but CAP_SYS_TIME" 0 \
  "$(( 0x$(status_field "$H" CapBnd) & ~(1 << 25) ))"
assert_eq "helper: NoNewPrivs" 1 "$(status_field "$H" NoNewPrivs)"
assert_eq "helper: its own seccomp filter" 2 "$(status_field "$H" Seccomp)"
assert_eq "helper: no descriptor but stdio and its socket" "0 1 2 3" \
  "$(ls /proc/"$H"/fd | sort -n | xargs)"
assert_match "the engine says the helper has no CAP_SYS_TIME" "without CAP_SYS_TIME" "$(cat "$TIMED_LOG")"

# Name resolution (the resolver thread), client traffic, drift writes, all under the filter.
synced=0
for i in $(seq 150); do
  if tctl tracking 2>/dev/null | grep -q '^Reference ID *: 7F000001'; then
    synced=1
    break
  fi
  sleep 0.1
done
assert_eq "synchronised to localhost (resolved under the filter)" 1 "$synced"
for i in $(seq 50); do
  [ -s "$TMP/state/drift" ] && break
  sleep 0.1
done
assert_match "drift file written by the engine under the filter" "^-?[0-9.]+ [0-9.]+$" \
  "$(cat "$TMP/state/drift" 2>/dev/null)"
assert_eq "drift file owned by the engine's user" "$NOBODY" "$(stat -c %u "$TMP/state/drift")"
j=$(probe -p "$P" -t 3 127.0.0.1)
assert_eq "NTP server answers under the filter" 4 "$(json_get "$j" detail.0.mode)"
for c in tracking sources sourcestats serverstats activity selectdata "burst 2/4" \
         offline online makestep; do
  rc=0
  # shellcheck disable=SC2086
  tctl $c >"$TMP/out" 2>&1 || rc=$?
  assert_eq "timectl $c works under the filter" 0 "$rc"
done
kill -HUP "$E"
sleep 0.5
assert_true "SIGHUP: the engine is still running" timed_alive
assert_true "SIGHUP: the helper is still running" kill -0 "$H"
sleep 1.5
stop_timed
assert_true "clean shutdown: the helper is gone" gone_or_zombie "$H" 3
if grep -q "blocked system call" "$TIMED_LOG"; then
  fail "seccomp complaint in the log"
fi
_pass "no seccomp complaint in the log (and the default filter kills: the clean exit above proves no call was blocked)"

# ---- 3. deaths ----
start_timed "local stratum 10
allow 127.0.0.1
port $(free_port)
user nobody"
E=$TIMED_PID
H=$(children "$E")
kill -KILL "$E"
wait "$E" 2>/dev/null
TIMED_PID=""
assert_true "engine killed: the helper exits too (no orphan with CAP_SYS_TIME)" gone_or_zombie "$H" 5
rm -f "$TMP/run/timed.pid"

start_timed "local stratum 10
allow 127.0.0.1
port $(free_port)
user nobody"
H=$(children "$TIMED_PID")
kill -KILL "$H"
assert_true "helper killed: the engine exits by itself" wait_timed_exit 10
assert_eq "helper killed: the engine's exit status is 1" 1 "$TIMED_RC"
assert_match "helper killed: the engine says why" "privileged helper exited" "$(cat "$TIMED_LOG")"
rm -f "$TMP/run/timed.pid"

# -P 0: one process that drops everything itself; -F 0 with privilege separation: no filter
# in either process.
: >"$TIMED_LOG"
TIMED_SOCK=$TMP/run/p0.sock
cat >"$TMP/p0.conf" <<CONF
bindcmdaddress $TIMED_SOCK
pidfile $TMP/run/p0.pid
local stratum 10
allow 127.0.0.1
port $(free_port)
user nobody
CONF
$NOCLOCK "$TIMED" -d -x -P 0 -f "$TMP/p0.conf" >>"$TIMED_LOG" 2>&1 &
TIMED_PID=$!
for i in $(seq 100); do
  [ -S "$TIMED_SOCK" ] && break
  sleep 0.1
done
[ -S "$TIMED_SOCK" ] || fail "timed -P 0 did not start"
sleep 0.2
assert_eq "-P 0: no helper" "" "$(children "$TIMED_PID")"
assert_eq "-P 0: uid nobody" "$NOBODY" "$(status_field "$TIMED_PID" Uid | awk '{print $1}')"
assert_eq "-P 0: CapEff 0" 0000000000000000 "$(status_field "$TIMED_PID" CapEff)"
assert_eq "-P 0: NoNewPrivs" 1 "$(status_field "$TIMED_PID" NoNewPrivs)"
assert_eq "-P 0: seccomp still on by default" 2 "$(status_field "$TIMED_PID" Seccomp)"
rc=0
tctl tracking >/dev/null 2>&1 || rc=$?
assert_eq "-P 0: timectl tracking" 0 "$rc"
stop_timed
TIMED_SOCK=$TMP/run/f0.sock
sed -e "s|p0.sock|f0.sock|" -e "s|p0.pid|f0.pid|" "$TMP/p0.conf" >"$TMP/f0.conf"
$NOCLOCK "$TIMED" -d -x -F 0 -f "$TMP/f0.conf" >>"$TIMED_LOG" 2>&1 &
TIMED_PID=$!
for i in $(seq 100); do
  [ -S "$TIMED_SOCK" ] && break
  sleep 0.1
done
[ -S "$TIMED_SOCK" ] || fail "timed -F 0 did not start"
sleep 0.2
H=$(children "$TIMED_PID")
assert_eq "-F 0: engine without filter" 0 "$(status_field "$TIMED_PID" Seccomp)"
assert_eq "-F 0: helper without filter" 0 "$(status_field "$H" Seccomp)"
assert_eq "-F 0: the engine still has no capability" 0000000000000000 "$(status_field "$TIMED_PID" CapEff)"
stop_timed
TIMED_SOCK=$TMP/run/timed.sock

# Without `user`: _timed, or (when it does not exist) uid 0 with no capability at all.
: >"$TIMED_LOG"
start_timed "local stratum 10
allow 127.0.0.1
port $(free_port)"
if id _timed >/dev/null 2>&1; then
  assert_eq "no 'user': the engine runs as _timed" "$(id -u _timed)" "$(status_field "$TIMED_PID" Uid | awk '{print $1}')"
else
  assert_match "no 'user' and no _timed: a warning" "user '_timed' does not exist" "$(cat "$TIMED_LOG")"
  assert_eq "no 'user' and no _timed: CapEff 0 even as uid 0" 0000000000000000 "$(status_field "$TIMED_PID" CapEff)"
  assert_eq "no 'user' and no _timed: CapBnd 0" 0000000000000000 "$(status_field "$TIMED_PID" CapBnd)"
fi
assert_eq "seccomp on by default" 2 "$(status_field "$TIMED_PID" Seccomp)"
stop_timed
