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
    ip netns exec "$TIMED_NETNS" $NOCLOCK "$TIMED" -d -x -f "$TIMED_CONF" >>"$TIMED_LOG" 2>&1 &
  else
    $NOCLOCK "$TIMED" -d -x -f "$TIMED_CONF" >>"$TIMED_LOG" 2>&1 &
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
