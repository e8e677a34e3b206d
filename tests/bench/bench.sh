#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/bench/bench.sh - `make bench`: timed against chronyd 4.3 as NTP servers on loopback.
#
# Both servers run side by side with the same settings (allow 127.0.0.0/8, local stratum
# 10, no rate limit, default client log), clock control off and without CAP_SYS_TIME,
# pinned to CPU 1; loadgen runs on CPU 0.  Several interleaved rounds measure responses per
# second and the server's CPU time per response (utime + stime from /proc/PID/stat); the
# medians and the ratio timed/chronyd are printed, and whether the target holds: timed
# uses no more CPU per response than chronyd.  Bounded: about 1 minute with the defaults.
#
# Run from the build directory (make bench).  Environment: top_builddir (default: the
# current directory), BENCH_ROUNDS (default 5), BENCH_SECONDS (per round and server,
# default 5), BENCH_STRICT=1 to exit 1 when the target is missed.
# Never changes the clock; sends only to 127.0.0.1.

set -u

top_builddir=${top_builddir:-$PWD}
TIMED=$top_builddir/timed
LOADGEN=$top_builddir/tests/bench/loadgen
ROUNDS=${BENCH_ROUNDS:-5}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
NOCLOCK="setpriv --bounding-set=-sys_time --inh-caps=-sys_time"
TCK=$(getconf CLK_TCK)

die() {
  echo "bench: $*" >&2
  exit 1
}

case $ROUNDS in ''|*[!0-9]*) die "BENCH_ROUNDS must be a number" ;; esac
case $SECONDS_PER_RUN in ''|*[!0-9]*) die "BENCH_SECONDS must be a number" ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 9 ] || die "BENCH_ROUNDS must be 1-9 (time bound)"
[ "$SECONDS_PER_RUN" -ge 1 ] && [ "$SECONDS_PER_RUN" -le 10 ] || die "BENCH_SECONDS must be 1-10"
[ -x "$TIMED" ] || die "$TIMED not built"
[ -x "$LOADGEN" ] || die "$LOADGEN not built (make tests/bench/loadgen)"
[ "$(id -u)" = 0 ] || die "needs root (chronyd drops to _chrony; setpriv)"
command -v python3 >/dev/null || die "needs python3"

HAVE_CHRONYD=1
command -v chronyd >/dev/null || { HAVE_CHRONYD=0; echo "bench: chronyd not installed: timed only"; }

# Pin servers to CPU 1 and the load generator to CPU 0 when there are two CPUs.
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  PIN_SERVER="taskset -c 1"
  PIN_LOAD="taskset -c 0"
else
  PIN_SERVER=""
  PIN_LOAD=""
  echo "bench: fewer than 2 CPUs (or no taskset): not pinning, numbers are less meaningful"
fi

TMP=$(mktemp -d /tmp/timed-bench.XXXXXX) || die "mktemp"
chmod 755 "$TMP"
TIMED_PID=""
CHRONYD_PID=""

# stop PID NAME: SIGTERM, up to 10 s, then SIGKILL.
stop() {
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do
    case "$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$pid/stat" 2>/dev/null)" in
      ''|Z) break ;;
    esac
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

cleanup() {
  stop "$TIMED_PID"
  stop "$CHRONYD_PID"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port() {
  python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

alive() {
  case "$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)" in
    ''|Z) return 1 ;;
  esac
  return 0
}

# cpu_ticks PID: utime + stime (fields 14 and 15 of /proc/PID/stat; the command name in
# field 2 has no spaces for these daemons, but strip it anyway).
cpu_ticks() {
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# wait_serving PORT NAME PID: up to 15 s until a one-second load run gets replies.
wait_serving() {
  local i r
  for i in $(seq 10); do
    alive "$3" || die "$2 exited during start-up (log: $(tail -n 5 "$TMP/$2.log"))"
    r=$($LOADGEN -p "$1" -S 1 -w 1 -d 1 -j 127.0.0.1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["replies"])')
    [ "${r:-0}" -gt 0 ] && return 0
    sleep 0.5
  done
  die "$2 does not answer on port $1"
}

TPORT=$(free_port)
mkdir -p "$TMP/timed"
cat >"$TMP/timed.conf" <<EOF
port $TPORT
allow 127.0.0.0/8
local stratum 10
bindcmdaddress $TMP/timed/timed.sock
pidfile $TMP/timed/timed.pid
EOF
$NOCLOCK $PIN_SERVER "$TIMED" -d -x -f "$TMP/timed.conf" >"$TMP/timed.log" 2>&1 &
TIMED_PID=$!

if [ "$HAVE_CHRONYD" = 1 ]; then
  CPORT=$(free_port)
  # chronyd drops to _chrony: its socket directory must be 0750 and owned by it.
  mkdir -p "$TMP/chrony"
  chown _chrony:_chrony "$TMP/chrony" 2>/dev/null
  chmod 750 "$TMP/chrony"
  cat >"$TMP/chronyd.conf" <<EOF
port $CPORT
allow 127.0.0.0/8
local stratum 10
cmdport 0
bindcmdaddress $TMP/chrony/chronyd.sock
pidfile $TMP/chrony/chronyd.pid
ntsdumpdir $TMP/chrony
EOF
  $NOCLOCK $PIN_SERVER chronyd -x -d -f "$TMP/chronyd.conf" >"$TMP/chronyd.log" 2>&1 &
  CHRONYD_PID=$!
fi

wait_serving "$TPORT" timed "$TIMED_PID"
[ "$HAVE_CHRONYD" = 0 ] || wait_serving "$CPORT" chronyd "$CHRONYD_PID"

echo "bench: $ROUNDS rounds of ${SECONDS_PER_RUN} s per server; loadgen: 64 sockets, 256 in flight, 64 source addresses"
echo "bench: timed pid $TIMED_PID port $TPORT; chronyd pid ${CHRONYD_PID:-none} port ${CPORT:-none}"

RESULTS=$TMP/results
: >"$RESULTS"

# run NAME PORT PID: one measured run; appends "NAME rate us_per_response" to RESULTS.
run() {
  local name=$1 port=$2 pid=$3 t0 t1 out
  alive "$pid" || die "$name died (log: $(tail -n 5 "$TMP/$name.log"))"
  t0=$(cpu_ticks "$pid")
  out=$($PIN_LOAD "$LOADGEN" -p "$port" -S 64 -w 256 -A -d "$SECONDS_PER_RUN" -j 127.0.0.1) ||
    die "loadgen failed"
  t1=$(cpu_ticks "$pid")
  python3 - "$name" "$out" "$((t1 - t0))" "$TCK" >>"$RESULTS" <<'PY'
import json, sys
name, out, ticks, tck = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rate = out["replies"] / out["seconds"]
us = ticks * 1e6 / tck / out["replies"] if out["replies"] else float("inf")
print(f"{name} {rate:.1f} {us:.3f} {out['replies']} {out['lost']} {ticks}")
PY
  tail -n 1 "$RESULTS" | awk '{ printf "bench:   %-8s %10.0f responses/s  %7.3f us CPU/response  (%d replies, %d lost, %d ticks)\n", $1, $2, $3, $4, $5, $6 }'
}

for r in $(seq "$ROUNDS"); do
  echo "bench: round $r"
  # Alternate the order so that neither server always runs first (warm caches, turbo).
  if [ $((r % 2)) = 1 ] || [ "$HAVE_CHRONYD" = 0 ]; then
    run timed "$TPORT" "$TIMED_PID"
    [ "$HAVE_CHRONYD" = 0 ] || run chronyd "$CPORT" "$CHRONYD_PID"
  else
    run chronyd "$CPORT" "$CHRONYD_PID"
    run timed "$TPORT" "$TIMED_PID"
  fi
done

python3 - "$RESULTS" "${BENCH_STRICT:-0}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = {}
for name in ("timed", "chronyd"):
    r = [(float(x[1]), float(x[2])) for x in rows if x[0] == name]
    if r:
        med[name] = (statistics.median(a for a, _ in r), statistics.median(b for _, b in r))
        print(f"bench: median {name:8s} {med[name][0]:10.0f} responses/s  {med[name][1]:7.3f} us CPU/response")
if "chronyd" not in med:
    print("bench: no chronyd: no comparison")
    sys.exit(0)
rate_ratio = med["timed"][0] / med["chronyd"][0]
cpu_ratio = med["timed"][1] / med["chronyd"][1]
print(f"bench: ratio timed/chronyd: responses/s {rate_ratio:.2f}, CPU per response {cpu_ratio:.2f}")
ok = cpu_ratio <= 1.0
print("bench: target (timed CPU per response <= chronyd's): " + ("MET" if ok else "MISSED"))
sys.exit(0 if ok or sys.argv[2] != "1" else 1)
PY
rc=$?
alive "$TIMED_PID" || die "timed died during the benchmark"
exit $rc
