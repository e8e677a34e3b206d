# SPDX-License-Identifier: GPL-2.0-or-later
# tests/system/lib.sh - shared helpers of the system tests; sourced, never run.
#
# Runs the real timed with clock control off (-x) and without CAP_SYS_TIME (setpriv), on
# loopback or in a network namespace the test creates; never changes the clock, never sends
# to anything but loopback.  Every wait is bounded.  Each assertion prints one line saying
# what it checked, so a failing test log reads top to bottom.
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip (99 hard error is not used).
#
# Environment: top_srcdir, top_builddir (set by `make check`; default: this script's ../..),
# TIMED_REQUIRE_SYSTEM=1 turns every "skip" into a failure (CI sets it).

set -u

_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
: "${top_srcdir:=$(cd "$_lib_dir/../.." && pwd)}"
: "${top_builddir:=$(cd "$_lib_dir/../.." && pwd)}"
TIMED=$top_builddir/timed
TIMECTL=$top_builddir/timectl
NTPPROBE=$top_builddir/tests/system/ntpprobe
TEST_NAME=$(basename "$0" .sh)

# No CAP_SYS_TIME for anything we start: even a bug cannot touch the clock.
NOCLOCK="setpriv --bounding-set=-sys_time --inh-caps=-sys_time"

TMP=""
TIMED_PID=""
TIMED_CONF=""
TIMED_SOCK=""
TIMED_LOG=""
TIMED_NETNS=""   # set by a test to run timed inside that namespace
TIMED_ARGS=""    # more options for start_timed, e.g. "-F 2" (split on blanks)
_extra_pids=""
_netns_list=""
_n_checks=0

log() {
  printf '%s: %s\n' "$TEST_NAME" "$*"
}

# Print why and exit 1; the tail of timed's log helps to read a failure.
fail() {
  printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
  if [ -n "$TIMED_LOG" ] && [ -s "$TIMED_LOG" ]; then
    printf '%s: --- last lines of the timed log ---\n' "$TEST_NAME" >&2
    tail -n 20 "$TIMED_LOG" >&2
  fi
  exit 1
}

# Skip (77) unless the environment demands that the system tests run.
skip() {
  if [ "${TIMED_REQUIRE_SYSTEM:-0}" = 1 ]; then
    fail "cannot run ($*) but TIMED_REQUIRE_SYSTEM=1"
  fi
  printf '%s: SKIP: %s\n' "$TEST_NAME" "$*"
  exit 77
}

require_root() {
  [ "$(id -u)" = 0 ] || skip "needs root (network namespaces, setpriv, peer daemons)"
}

require_cmd() {
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "needs $c"
  done
}

require_built() {
  for f in "$@"; do
    [ -x "$f" ] || fail "$f is not built (run make first)"
  done
}

_pass() {
  _n_checks=$((_n_checks + 1))
  printf '%s: ok: %s\n' "$TEST_NAME" "$*"
}

# assert_eq DESCRIPTION EXPECTED ACTUAL
assert_eq() {
  if [ "$2" = "$3" ]; then
    _pass "$1 ($3)"
  else
    fail "$1: expected '$2', got '$3'"
  fi
}

# assert_ne DESCRIPTION UNEXPECTED ACTUAL
assert_ne() {
  if [ "$2" != "$3" ]; then
    _pass "$1 ($3, not $2)"
  else
    fail "$1: got '$3'"
  fi
}

_num() {
  case "$1" in
    ''|*[!0-9-]*|-|*?-*) fail "not an integer: '$1'" ;;
  esac
}

# assert_le DESCRIPTION A B: integer A <= B
assert_le() {
  _num "$2"; _num "$3"
  if [ "$2" -le "$3" ]; then
    _pass "$1 ($2 <= $3)"
  else
    fail "$1: expected $2 <= $3"
  fi
}

# assert_ge DESCRIPTION A B: integer A >= B
assert_ge() {
  _num "$2"; _num "$3"
  if [ "$2" -ge "$3" ]; then
    _pass "$1 ($2 >= $3)"
  else
    fail "$1: expected $2 >= $3"
  fi
}

# assert_lt DESCRIPTION A B: integer A < B
assert_lt() {
  _num "$2"; _num "$3"
  if [ "$2" -lt "$3" ]; then
    _pass "$1 ($2 < $3)"
  else
    fail "$1: expected $2 < $3"
  fi
}

# assert_match DESCRIPTION EXTENDED_REGEX TEXT
assert_match() {
  if printf '%s\n' "$3" | grep -Eq -- "$2"; then
    _pass "$1 (matches /$2/)"
  else
    fail "$1: /$2/ not found in: $3"
  fi
}

# assert_true DESCRIPTION COMMAND...: the command exits 0
assert_true() {
  local d=$1
  shift
  if "$@"; then
    _pass "$d"
  else
    fail "$d: command failed: $*"
  fi
}

# json_get JSON PATH: print the value at PATH (keys and list indexes separated by dots);
# booleans print as true/false, strings bare, objects/lists as JSON.  Fails if absent.
json_get() {
  python3 - "$1" "$2" <<'EOF' || fail "no '$2' in JSON: $1"
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    if isinstance(v, list):
        v = v[int(k)]
    else:
        v = v[k]
if isinstance(v, bool):
    print("true" if v else "false")
elif isinstance(v, (dict, list)):
    print(json.dumps(v))
else:
    print(v)
EOF
}

# is_json TEXT: exits 0 if TEXT is one JSON value
is_json() {
  python3 -c 'import json,sys; json.loads(sys.argv[1])' "$1" 2>/dev/null
}

# Pick a free loopback UDP port (the race with other tests is a small window).
free_port() {
  python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

_cleanup() {
  local rc=$?
  set +e
  if [ -n "$TIMED_PID" ] && kill -0 "$TIMED_PID" 2>/dev/null; then
    kill -KILL "$TIMED_PID" 2>/dev/null
    wait "$TIMED_PID" 2>/dev/null
  fi
  for p in $_extra_pids; do
    if kill -0 "$p" 2>/dev/null; then
      kill -KILL "$p" 2>/dev/null
      wait "$p" 2>/dev/null
    fi
  done
  for ns in $_netns_list; do
    ip netns del "$ns" 2>/dev/null
  done
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    rm -rf "$TMP"
  fi
  if [ "$rc" = 0 ]; then
    printf '%s: PASS (%d checks)\n' "$TEST_NAME" "$_n_checks"
  fi
  exit "$rc"
}

# setup_tmp: a private temporary directory removed on exit (with everything we started).
setup_tmp() {
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/timed-$TEST_NAME.XXXXXX") || fail "mktemp"
  chmod 755 "$TMP"
  trap _cleanup EXIT
  trap 'exit 1' INT TERM HUP
}

# track_pid PID: a process of ours to kill on exit if still running.
track_pid() {
  _extra_pids="$_extra_pids $1"
}

# make_netns: create a namespace with loopback up, deleted on exit; prints nothing, sets NETNS.
make_netns() {
  NETNS=timed-test-$$-$RANDOM
  ip netns add "$NETNS" || skip "cannot create a network namespace"
  _netns_list="$_netns_list $NETNS"
  ip netns exec "$NETNS" ip link set lo up || fail "cannot bring up lo in $NETNS"
}

# in_ns COMMAND...: run in TIMED_NETNS when set, else directly.
in_ns() {
  if [ -n "$TIMED_NETNS" ]; then
    ip netns exec "$TIMED_NETNS" "$@"
  else
    "$@"
  fi
}

# _proc_state PID: one-letter state (Z zombie), empty when gone.
_proc_state() {
  sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null
}

# start_timed CONF_TEXT: write the configuration (command socket and pid file in $TMP
# first) and start timed -d -x in the background; waits (bounded) for the command socket.
start_timed() {
  local i
  [ -n "$TMP" ] || setup_tmp
  [ -z "$TIMED_PID" ] || fail "start_timed: timed already running (pid $TIMED_PID)"
  mkdir -p "$TMP/run"
  TIMED_CONF=$TMP/timed.conf
  TIMED_SOCK=$TMP/run/timed.sock
  TIMED_LOG=$TMP/timed.log
  rm -f "$TIMED_SOCK"
  {
    printf '# written by %s\n' "$TEST_NAME"
    printf 'bindcmdaddress %s\n' "$TIMED_SOCK"
    printf 'pidfile %s\n' "$TMP/run/timed.pid"
    printf '%s\n' "$1"
  } >"$TIMED_CONF"
  log "starting timed with:"
  sed 's/^/    /' "$TIMED_CONF"
  # Plain commands (not a shell function) so that $! is timed's own PID: ip netns exec,
  # setpriv and taskset all exec without forking.
  if [ -n "$TIMED_NETNS" ]; then
    ip netns exec "$TIMED_NETNS" $NOCLOCK "$TIMED" -d -x $TIMED_ARGS -f "$TIMED_CONF" >>"$TIMED_LOG" 2>&1 &
  else
    $NOCLOCK "$TIMED" -d -x $TIMED_ARGS -f "$TIMED_CONF" >>"$TIMED_LOG" 2>&1 &
  fi
  TIMED_PID=$!
  # Up to 15 s: generous for a loaded machine.
  for i in $(seq 150); do
    if [ -S "$TIMED_SOCK" ]; then
      break
    fi
    case "$(_proc_state "$TIMED_PID")" in
      ''|Z)
        local rc=0
        wait "$TIMED_PID" || rc=$?
        TIMED_PID=""
        fail "timed exited during start-up with status $rc"
        ;;
    esac
    sleep 0.1
  done
  [ -S "$TIMED_SOCK" ] || fail "timed did not create its command socket $TIMED_SOCK within 15 s"
  # The NTP socket is opened before the command socket in main.c, but give the event loop
  # a moment to reach poll().
  sleep 0.2
  log "timed running as pid $TIMED_PID"
}

# timed_alive: 0 if the daemon we started still runs.
timed_alive() {
  case "$(_proc_state "$TIMED_PID")" in
    ''|Z) return 1 ;;
  esac
  return 0
}

# wait_timed_exit SECONDS: wait for the daemon to end by itself; sets TIMED_RC, clears PID.
wait_timed_exit() {
  local i n=$(($1 * 10))
  for i in $(seq "$n"); do
    timed_alive || break
    sleep 0.1
  done
  if timed_alive; then
    return 1
  fi
  TIMED_RC=0
  wait "$TIMED_PID" || TIMED_RC=$?
  TIMED_PID=""
  return 0
}

# stop_timed: SIGTERM, wait up to 10 s (then SIGKILL and fail); the exit status must be 0.
stop_timed() {
  [ -n "$TIMED_PID" ] || fail "stop_timed: timed not running"
  timed_alive || { wait "$TIMED_PID"; TIMED_PID=""; fail "timed died before stop_timed"; }
  kill -TERM "$TIMED_PID"
  if ! wait_timed_exit 10; then
    kill -KILL "$TIMED_PID"
    wait "$TIMED_PID" 2>/dev/null
    TIMED_PID=""
    fail "timed did not exit within 10 s of SIGTERM"
  fi
  assert_eq "timed exits with status 0 on SIGTERM" 0 "$TIMED_RC"
}

# timectl ARGS...: run timectl against our daemon (stdout captured by the caller).
tctl() {
  "$TIMECTL" -h "$TIMED_SOCK" "$@"
}

# stat_json KEY: one serverstats counter of the running daemon, via timectl --json.
stat_json() {
  local out
  out=$(tctl --json serverstats) || fail "timectl --json serverstats failed"
  json_get "$out" "$1"
}

# probe ARGS...: ntpprobe -j in the daemon's namespace; prints the JSON summary.
probe() {
  in_ns "$NTPPROBE" -j "$@" || fail "ntpprobe $* failed"
}

# proc_tree PID: PID and all its descendants (a privilege-separation helper holds sockets
# too), one a line.
proc_tree() {
  local kid
  echo "$1"
  for kid in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    proc_tree "$kid"
  done
}

# socket_inodes PID: inode numbers of the sockets of a process tree, one a line.
socket_inodes() {
  local p
  for p in $(proc_tree "$1"); do
    ls -l /proc/"$p"/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p'
  done | sort -u
}

# udp_socket_count PID: UDP/UDP6 sockets held by PID and its descendants.
udp_socket_count() {
  local inodes
  inodes=$(socket_inodes "$1")
  [ -n "$inodes" ] || { echo 0; return; }
  # Field 10 of /proc/net/udp{,6} is the inode.
  cat /proc/net/udp /proc/net/udp6 2>/dev/null | awk 'NR > 0 && $10 ~ /^[0-9]+$/ { print $10 }' |
    sort -u | grep -Fxc -f <(printf '%s\n' $inodes) || true
}

# unix_socket_count PID: AF_UNIX sockets held by PID and its descendants.
unix_socket_count() {
  local inodes
  inodes=$(socket_inodes "$1")
  [ -n "$inodes" ] || { echo 0; return; }
  # Field 7 of /proc/net/unix is the inode.
  awk 'NR > 1 { print $7 }' /proc/net/unix | sort -u | grep -Fxc -f <(printf '%s\n' $inodes) ||
    true
}

# ---------------------------------------------------------------------------------------
# NTP client tests: real chronyd servers on loopback, and timed's view of them.

CHRONYD_PID=""   # PID of the chronyd that start_chronyd started last
LIBFAKETIME=""   # path of libfaketime.so.1 after require_faketime

# chronyd_dir NAME: the directory of the chronyd instance NAME (config, log, run/).
chronyd_dir() {
  printf '%s/chronyd-%s' "$TMP" "$1"
}

# require_faketime: skip unless libfaketime (Debian package libfaketime, pulled in by
# faketime) is installed; sets LIBFAKETIME.
require_faketime() {
  local f
  for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
    if [ -r "$f" ]; then
      LIBFAKETIME=$f
      return 0
    fi
  done
  skip "needs libfaketime (Debian package faketime)"
}

# start_chronyd NAME PORT [EXTRA_CONF [VAR=VALUE...]]: start `chronyd -x -d` serving
# `local stratum 8` on 127.0.0.1:PORT, with its own config, pid file and command socket in
# $(chronyd_dir NAME) (the socket directory belongs to _chrony, mode 0750, as chronyd wants)
# and the environment variables given (e.g. LD_PRELOAD for libfaketime).  Waits (bounded)
# until it answers a request; sets CHRONYD_PID.  It runs without CAP_SYS_TIME and -x, so
# it never touches the clock.  Starting NAME again (after stop_pid) reuses the directory.
start_chronyd() {
  local name=$1 port=$2 extra=${3:-} dir i j
  if [ $# -ge 3 ]; then shift 3; else shift $#; fi
  [ -n "$TMP" ] || setup_tmp
  dir=$(chronyd_dir "$name")
  mkdir -p "$dir/run"
  chown _chrony:_chrony "$dir/run" 2>/dev/null || chown _chrony "$dir/run" ||
    skip "no _chrony user (chrony package not installed?)"
  chmod 750 "$dir/run"
  {
    printf '# chronyd %s for %s\n' "$name" "$TEST_NAME"
    printf 'local stratum 8\nallow 127.0.0.1\nport %s\ncmdport 0\n' "$port"
    printf 'bindcmdaddress %s/run/chronyd.sock\npidfile %s/run/chronyd.pid\n' "$dir" "$dir"
    printf '%s\n' "$extra"
  } >"$dir/chronyd.conf"
  # setpriv and env exec without forking, so $! is chronyd's own PID (-d: no daemon fork).
  $NOCLOCK env "$@" chronyd -x -d -f "$dir/chronyd.conf" >>"$dir/chronyd.log" 2>&1 &
  CHRONYD_PID=$!
  track_pid "$CHRONYD_PID"
  for i in $(seq 30); do
    case "$(_proc_state "$CHRONYD_PID")" in
      ''|Z)
        sed 's/^/    chronyd: /' "$dir/chronyd.log" >&2
        fail "chronyd $name exited during start-up"
        ;;
    esac
    j=$("$NTPPROBE" -j -p "$port" -t 1 127.0.0.1 2>/dev/null) || j=""
    if [ -n "$j" ] && [ "$(json_get "$j" replies)" = 1 ]; then
      log "chronyd $name (pid $CHRONYD_PID) serves on 127.0.0.1:$port${*:+ with $*}"
      return 0
    fi
    sleep 0.5
  done
  sed 's/^/    chronyd: /' "$dir/chronyd.log" >&2
  fail "chronyd $name did not answer on port $port within 30 tries"
}

# chronyd_ntp_received NAME: NTP packets chronyd NAME has received (chronyc serverstats
# over its Unix command socket; read-only).
chronyd_ntp_received() {
  local n
  n=$(chronyc -h "$(chronyd_dir "$1")/run/chronyd.sock" -n serverstats 2>/dev/null |
    sed -n 's/^NTP packets received *: *\([0-9][0-9]*\).*/\1/p')
  [ -n "$n" ] || fail "chronyc serverstats of chronyd $1 gave no 'NTP packets received'"
  echo "$n"
}

# stop_pid PID: SIGTERM a process of ours, SIGKILL after 10 s; reaps it.
stop_pid() {
  local i
  kill -TERM "$1" 2>/dev/null || return 0
  for i in $(seq 100); do
    case "$(_proc_state "$1")" in
      ''|Z) break ;;
    esac
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

# wait_for SECONDS DESCRIPTION COMMAND...: run COMMAND every 0.5 s until it exits 0 (then
# one ok line) or SECONDS pass (then fail).  The only way the tests wait for the daemon.
wait_for() {
  local secs=$1 what=$2 end
  shift 2
  end=$((SECONDS + secs))
  while :; do
    if "$@"; then
      _pass "$what (after about $((SECONDS + secs - end)) s)"
      return 0
    fi
    [ "$SECONDS" -lt "$end" ] || fail "$what: not within $secs s"
    timed_alive || fail "$what: timed died while waiting"
    sleep 0.5
  done
}

# sources_json: `timectl --json sources` of our daemon.
sources_json() {
  tctl --json sources || fail "timectl --json sources failed"
}

# srcq JSON PYTHON_EXPR: evaluate an expression over `timectl --json sources` output and
# print it.  In the expression S is the list of sources (each a dict; reach is always an
# int, also when sent as chronyc's octal text), P maps port -> source, and abs, len, all,
# any, min, max are Python's.  Booleans print as true/false.  Fails the test on an error.
srcq() {
  _srcq "$1" "$2" || fail "cannot evaluate '$2' over sources JSON: $1"
}

# _srcq JSON PYTHON_EXPR: as srcq, but only exits 1 on an error (for wait_for predicates).
_srcq() {
  python3 - "$1" "$2" 2>/dev/null <<'PYEOF'
import json, sys
d = json.loads(sys.argv[1])
S = d["sources"] if isinstance(d, dict) else d
for s in S:
    r = s.get("reach")
    if isinstance(r, str):
        s["reach"] = int(r, 8)
P = {int(s["port"]): s for s in S}
v = eval(sys.argv[2], {"S": S, "P": P, "abs": abs, "len": len, "all": all, "any": any,
                       "min": min, "max": max})
print(("true" if v else "false") if isinstance(v, bool) else v)
PYEOF
}

# src_true PYTHON_EXPR: exits 0 if the expression (as in srcq) over timed's sources is
# true now; 1 otherwise, also when timectl or the expression fails (quiet: a predicate).
src_true() {
  local j
  j=$(tctl --json sources 2>/dev/null) || return 1
  [ "$(_srcq "$j" "$1")" = true ]
}

# src_state PORT: the chronyc-style state letter of our source on 127.0.0.1:PORT now.
src_state() {
  srcq "$(sources_json)" "P[$1]['state']"
}

# src_reach PORT: its reachability register now (0..255).
src_reach() {
  srcq "$(sources_json)" "P[$1]['reach']"
}

# abs_lt VALUE LIMIT: exits 0 if |VALUE| < LIMIT (decimal numbers).
abs_lt() {
  python3 -c 'import sys; sys.exit(0 if abs(float(sys.argv[1])) < float(sys.argv[2]) else 1)' \
    "$1" "$2" 2>/dev/null
}

# timed_synced: `timectl tracking` says synchronised.
timed_synced() {
  local j
  j=$(tctl --json tracking 2>/dev/null) || return 1
  [ "$(json_get "$j" synchronised)" = true ]
}

# as_nobody COMMAND...: run as uid/gid 65534 without groups, from $TMP.
as_nobody() {
  (cd "$TMP" && setpriv --reuid=65534 --regid=65534 --clear-groups "$@")
}

# open_cmd_socket: let any user reach timed's command socket, so that refusals come from
# the daemon (SO_PEERCRED), not from file permissions.
open_cmd_socket() {
  chmod 1777 "$(dirname "$TIMED_SOCK")"
  chmod 666 "$TIMED_SOCK"
}

# ---------------------------------------------------------------------------------------
# A throwaway PKI for the NTS tests (certtool from gnutls-bin; the caller has done
# require_cmd certtool).  ECDSA P-256 keys, certificates valid for 2 days.  certtool's
# output goes to DIR/certtool.log; a failure fails the test.

# make_test_ca DIR [NAME [CN]]: a self-signed CA, DIR/NAME.key and DIR/NAME.crt (NAME
# defaults to ca); DIR is created.
make_test_ca() {
  local dir=$1 name=${2:-ca} cn=${3:-timed $TEST_NAME CA}
  mkdir -p "$dir" || fail "cannot create $dir"
  printf 'cn = "%s"\nca\ncert_signing_key\nexpiration_days = 2\n' "$cn" >"$dir/$name.tmpl"
  (
    cd "$dir" &&
      certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$name.key" &&
      certtool --generate-self-signed --load-privkey "$name.key" --template "$name.tmpl" \
        --outfile "$name.crt"
  ) >>"$dir/certtool.log" 2>&1 || fail "certtool could not make the test CA $dir/$name"
}

# make_test_cert [-k KEY] [-s SERIAL] [-o ORG] DIR NAME SAN...: a TLS server certificate
# DIR/NAME.crt signed by DIR/ca.crt for the names SAN (an IPv4/IPv6 address or a DNS name;
# the first is also the CN).  Its key is DIR/KEY.key (default NAME), created if missing, so
# several certificates can share one key.
make_test_cert() {
  local key="" serial="" org="" dir name san
  while [ $# -gt 0 ]; do
    case "$1" in
      -k) key=$2; shift 2 ;;
      -s) serial=$2; shift 2 ;;
      -o) org=$2; shift 2 ;;
      *) break ;;
    esac
  done
  [ $# -ge 3 ] || fail "make_test_cert: usage: [-k KEY] [-s SERIAL] [-o ORG] DIR NAME SAN..."
  dir=$1 name=$2
  shift 2
  : "${key:=$name}"
  {
    printf 'cn = "%s"\n' "$1"
    [ -z "$org" ] || printf 'organization = "%s"\n' "$org"
    [ -z "$serial" ] || printf 'serial = %s\n' "$serial"
    for san in "$@"; do
      case "$san" in
        *:*|[0-9]*.[0-9]*.[0-9]*.[0-9]*) printf 'ip_address = "%s"\n' "$san" ;;
        *) printf 'dns_name = "%s"\n' "$san" ;;
      esac
    done
    printf 'tls_www_server\nsigning_key\nencryption_key\nexpiration_days = 2\n'
  } >"$dir/$name.tmpl"
  (
    cd "$dir" &&
      { [ -s "$key.key" ] ||
        certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$key.key"; } &&
      certtool --generate-certificate --load-privkey "$key.key" --load-ca-certificate ca.crt \
        --load-ca-privkey ca.key --template "$name.tmpl" --outfile "$name.crt"
  ) >>"$dir/certtool.log" 2>&1 || fail "certtool could not make the test certificate $dir/$name"
}
