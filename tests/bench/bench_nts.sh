#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/bench/bench_nts.sh - `make bench`, NTS part (RFC 8915): timed against chronyd 4.3 as
# NTS servers on loopback.
#
# A throwaway PKI is made with certtool.  Both servers run with the same certificate and
# settings (allow 127.0.0.0/8, local stratum 10, NTS-KE on a port of ours, chronyd with its
# default single NTS-KE helper process), clock control off and without CAP_SYS_TIME, pinned
# to CPU 1; ntsload runs on CPU 0.  Interleaved rounds measure, for each server:
#  - NTS-authenticated NTP responses: one NTS-KE per round, then NTS requests (UID, cookie,
#    authenticator) for BENCH_SECONDS; every BENCH_NTS_VERIFYth reply is verified (1 = all);
#  - NTS-KE handshakes: BENCH_KE_SESSIONS complete TLS 1.3 sessions, 4 at once (capped at
#    BENCH_SECONDS).
# The server's CPU time is utime + stime of its whole process tree (chronyd's NTS-KE helper,
# timed's privileged helper), so a figure is "per server CPU-second".  Medians, the ratio
# timed/chronyd and whether the target holds (at least chronyd's figures per CPU-second)
# are printed.  Bounded: about 80 s with the defaults.
#
# Environment: top_builddir (default: the current directory), BENCH_ROUNDS (default 5),
# BENCH_SECONDS (default 4), BENCH_KE_SESSIONS (default 4000), BENCH_NTS_VERIFY (default 1),
# BENCH_STRICT=1 to exit 1 when a target is missed.  Never changes the clock; sends only to
# 127.0.0.1; stops the servers it started by PID.

set -u

top_builddir=${top_builddir:-$PWD}
TIMED=$top_builddir/timed
NTSLOAD=$top_builddir/tests/bench/ntsload
ROUNDS=${BENCH_ROUNDS:-5}
SECONDS_PER_RUN=${BENCH_SECONDS:-4}
KE_SESSIONS=${BENCH_KE_SESSIONS:-4000}
VERIFY=${BENCH_NTS_VERIFY:-1}
NOCLOCK="setpriv --bounding-set=-sys_time --inh-caps=-sys_time"
TCK=$(getconf CLK_TCK)

die() {
  echo "bench-nts: $*" >&2
  exit 1
}

num() { case $1 in ''|*[!0-9]*) return 1 ;; esac; }
num "$ROUNDS" && [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 9 ] || die "BENCH_ROUNDS must be 1-9"
num "$SECONDS_PER_RUN" && [ "$SECONDS_PER_RUN" -ge 1 ] && [ "$SECONDS_PER_RUN" -le 10 ] ||
  die "BENCH_SECONDS must be 1-10"
num "$KE_SESSIONS" && [ "$KE_SESSIONS" -ge 10 ] && [ "$KE_SESSIONS" -le 20000 ] ||
  die "BENCH_KE_SESSIONS must be 10-20000"
num "$VERIFY" && [ "$VERIFY" -ge 1 ] || die "BENCH_NTS_VERIFY must be >= 1"
[ -x "$TIMED" ] || die "$TIMED not built"
[ -x "$NTSLOAD" ] || die "$NTSLOAD not built (make tests/bench/ntsload)"
[ "$(id -u)" = 0 ] || die "needs root (chronyd drops to _chrony; setpriv)"
command -v python3 >/dev/null || die "needs python3"
command -v certtool >/dev/null || { echo "bench-nts: no certtool (gnutls-bin): NTS bench skipped"; exit 0; }

HAVE_CHRONYD=1
command -v chronyd >/dev/null || { HAVE_CHRONYD=0; echo "bench-nts: chronyd not installed: timed only"; }

if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  PIN_SERVER="taskset -c 1"
  PIN_LOAD="taskset -c 0"
else
  PIN_SERVER=""
  PIN_LOAD=""
  echo "bench-nts: fewer than 2 CPUs (or no taskset): not pinning, numbers are less meaningful"
fi

TMP=$(mktemp -d /tmp/timed-bench-nts.XXXXXX) || die "mktemp"
chmod 755 "$TMP"
TIMED_PID=""
CHRONYD_PID=""

state() { sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null; }
alive() {
  case "$(state "$1")" in ''|Z) return 1 ;; esac
  return 0
}

# stop PID: SIGTERM, up to 10 s, then SIGKILL.
stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    alive "$pid" || break
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
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, getattr(socket, sys.argv[1]))
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"
}

# tree_ticks PID: utime + stime of PID and all its descendants (threads are included in a
# process's own figures).  A helper that exited during the run is not counted, so the
# servers' helpers must stay up (they do: they live as long as the server).
tree_ticks() {
  python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1])
kids, ticks = {}, {}
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    kids.setdefault(int(f[1]), []).append(int(d))
    ticks[int(d)] = int(f[11]) + int(f[12])
total, todo = 0, [root]
while todo:
    p = todo.pop()
    total += ticks.get(p, 0)
    todo.extend(kids.get(p, []))
print(total)
PY
}

# ---- a throwaway PKI (ECDSA P-256, as the system tests use) ----
mkdir -p "$TMP/pki"
cat >"$TMP/pki/ca.tmpl" <<'T'
cn = "timed bench CA"
ca
cert_signing_key
expiration_days = 2
T
cat >"$TMP/pki/server.tmpl" <<'T'
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
expiration_days = 2
T
(
  cd "$TMP/pki" &&
    certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile ca.key &&
    certtool --generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.crt &&
    certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile server.key &&
    certtool --generate-certificate --load-privkey server.key --load-ca-certificate ca.crt \
      --load-ca-privkey ca.key --template server.tmpl --outfile server.crt
) >"$TMP/pki/certtool.log" 2>&1 || die "certtool could not make the PKI"
# chronyd reads its key after dropping to _chrony.
chmod 644 "$TMP/pki/"*.crt "$TMP/pki/server.key"
CA=$TMP/pki/ca.crt

T_NTP=$(free_port SOCK_DGRAM)
T_KE=$(free_port SOCK_STREAM)
mkdir -p "$TMP/timed"
cat >"$TMP/timed.conf" <<EOF
port $T_NTP
allow 127.0.0.0/8
local stratum 10
bindcmdaddress $TMP/timed/timed.sock
pidfile $TMP/timed/timed.pid
ntsservercert $TMP/pki/server.crt
ntsserverkey $TMP/pki/server.key
ntsport $T_KE
ntsdumpdir $TMP/timed
EOF
$NOCLOCK $PIN_SERVER "$TIMED" -d -x -f "$TMP/timed.conf" >"$TMP/timed.log" 2>&1 &
TIMED_PID=$!

if [ "$HAVE_CHRONYD" = 1 ]; then
  C_NTP=$(free_port SOCK_DGRAM)
  C_KE=$(free_port SOCK_STREAM)
  mkdir -p "$TMP/chrony"
  chown _chrony:_chrony "$TMP/chrony" 2>/dev/null
  chmod 750 "$TMP/chrony"
  cat >"$TMP/chronyd.conf" <<EOF
port $C_NTP
allow 127.0.0.0/8
local stratum 10
cmdport 0
bindcmdaddress $TMP/chrony/chronyd.sock
pidfile $TMP/chrony/chronyd.pid
ntsservercert $TMP/pki/server.crt
ntsserverkey $TMP/pki/server.key
ntsport $C_KE
ntsdumpdir $TMP/chrony
EOF
  $NOCLOCK $PIN_SERVER chronyd -x -d -f "$TMP/chronyd.conf" >"$TMP/chronyd.log" 2>&1 &
  CHRONYD_PID=$!
fi

# wait_serving NAME PID NTPPORT KEPORT: up to about 15 s until one NTS-KE and a short NTS
# load run succeed.
wait_serving() {
  local out
  for _ in $(seq 10); do
    alive "$2" || die "$1 exited during start-up (log: $(tail -n 5 "$TMP/$1.log"))"
    out=$("$NTSLOAD" -k "$4" -c "$CA" -p "$3" -S 1 -w 1 -d 1 -j 127.0.0.1 2>/dev/null)
    case "$out" in *'"replies": 0,'*|'') ;; *) return 0 ;; esac
    sleep 0.5
  done
  "$NTSLOAD" -k "$4" -c "$CA" -p "$3" -S 1 -w 1 -d 1 127.0.0.1 >&2
  die "$1 does not answer NTS on ports $3/$4 (log: $(tail -n 5 "$TMP/$1.log"))"
}
wait_serving timed "$TIMED_PID" "$T_NTP" "$T_KE"
[ "$HAVE_CHRONYD" = 0 ] || wait_serving chronyd "$CHRONYD_PID" "$C_NTP" "$C_KE"

echo "bench-nts: $ROUNDS rounds; NTS NTP ${SECONDS_PER_RUN} s, 64 sockets, 256 in flight, verify every ${VERIFY}; NTS-KE $KE_SESSIONS sessions, 4 at once"
echo "bench-nts: timed pid $TIMED_PID ports $T_NTP/$T_KE; chronyd pid ${CHRONYD_PID:-none} ports ${C_NTP:-none}/${C_KE:-none}"

RESULTS=$TMP/results
: >"$RESULTS"

# measure KIND NAME PID ARGS...: one run of ntsload; appends "KIND NAME rate per_cpu_s count ticks".
measure() {
  local kind=$1 name=$2 pid=$3 t0 t1 out
  shift 3
  alive "$pid" || die "$name died (log: $(tail -n 5 "$TMP/$name.log"))"
  t0=$(tree_ticks "$pid")
  out=$($PIN_LOAD "$NTSLOAD" -c "$CA" -j "$@" 127.0.0.1 2>"$TMP/ntsload.err")
  t1=$(tree_ticks "$pid")
  [ -n "$out" ] || die "ntsload failed against $name: $(cat "$TMP/ntsload.err")"
  python3 - "$kind" "$name" "$out" "$((t1 - t0))" "$TCK" >>"$RESULTS" <<'PY' ||
import json, sys
kind, name, out, ticks, tck = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
count = out["replies"] if kind == "ntp" else out["sessions"]
bad = out.get("auth_failed", 0) + out.get("naks", 0) + out.get("failed", 0)
if bad:
    sys.stderr.write(f"bench-nts: {name} {kind}: {bad} failures: {out}\n")
    sys.exit(1)
rate = count / out["seconds"]
per_cpu = count * tck / ticks if ticks else float("inf")
print(f"{kind} {name} {rate:.1f} {per_cpu:.1f} {count} {ticks}")
PY
    die "failures against $name ($kind)"
  tail -n 1 "$RESULTS" | awk '{ u = ($1 == "ntp") ? "NTS responses" : "NTS-KE sessions";
    printf "bench-nts:   %-7s %-8s %9.0f %s/s  %9.0f per server CPU-second  (%d, %d ticks)\n",
      $1, $2, $3, u, $4, $5, $6 }'
}

for r in $(seq "$ROUNDS"); do
  echo "bench-nts: round $r"
  if [ $((r % 2)) = 1 ] || [ "$HAVE_CHRONYD" = 0 ]; then order="timed chronyd"; else order="chronyd timed"; fi
  for kind in ntp ke; do
    for name in $order; do
      [ "$name" = chronyd ] && [ "$HAVE_CHRONYD" = 0 ] && continue
      if [ "$name" = timed ]; then pid=$TIMED_PID np=$T_NTP kp=$T_KE; else pid=$CHRONYD_PID np=$C_NTP kp=$C_KE; fi
      if [ "$kind" = ntp ]; then
        measure ntp "$name" "$pid" -k "$kp" -p "$np" -S 64 -w 256 -A -V "$VERIFY" -d "$SECONDS_PER_RUN"
      else
        measure ke "$name" "$pid" -k "$kp" -K -n "$KE_SESSIONS" -C 4 -d "$SECONDS_PER_RUN"
      fi
    done
  done
done

python3 - "$RESULTS" "${BENCH_STRICT:-0}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
missed = 0
for kind, unit in (("ntp", "NTS responses"), ("ke", "NTS-KE sessions")):
    med = {}
    for name in ("timed", "chronyd"):
        r = [(float(x[2]), float(x[3])) for x in rows if x[0] == kind and x[1] == name]
        if r:
            med[name] = (statistics.median(a for a, _ in r), statistics.median(b for _, b in r))
            print(f"bench-nts: median {kind:3s} {name:8s} {med[name][0]:9.0f} {unit}/s  "
                  f"{med[name][1]:9.0f} per server CPU-second")
    if "chronyd" not in med:
        continue
    rate_ratio = med["timed"][0] / med["chronyd"][0]
    cpu_ratio = med["timed"][1] / med["chronyd"][1]
    ok = cpu_ratio >= 1.0
    missed += not ok
    print(f"bench-nts: ratio timed/chronyd ({kind}): {unit}/s {rate_ratio:.2f}, per server CPU-second {cpu_ratio:.2f}")
    print(f"bench-nts: target ({unit} per server CPU-second >= chronyd's): " +
          ("MET" if ok else f"MISSED by {(1 - cpu_ratio) * 100:.0f}%"))
if not any(r[1] == "chronyd" for r in rows):
    print("bench-nts: no chronyd: no comparison")
sys.exit(1 if missed and sys.argv[2] == "1" else 0)
PY
rc=$?
alive "$TIMED_PID" || die "timed died during the benchmark"
exit $rc
