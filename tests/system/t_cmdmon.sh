#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_cmdmon.sh - the command socket and timectl: every report in human and JSON form, the
# client log shows who asked, accheck applies the allow/deny rules, `shutdown` works for
# root and not for an unprivileged user, and hostile datagrams on the socket get no reply
# longer than themselves (no amplification, cmdmon_proto.h) and are counted as dropped.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd setpriv python3
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PORT=$(free_port)
start_timed "port $PORT
allow 127.0.0.0/8
deny 127.0.0.128/25
local stratum 10"

# Some NTP traffic from a known address for the client log.
j=$(probe -p "$PORT" -s 127.0.0.77 -c 3 -i 0.1 -t 3 127.0.0.1)
assert_eq "3 requests from 127.0.0.77 answered" 3 "$(json_get "$j" replies)"
j=$(probe -p "$PORT" -s 127.0.0.200 -t 1 127.0.0.1)
assert_eq "127.0.0.200 (denied) gets no reply" 0 "$(json_get "$j" replies)"

# run_ok DESC ARGS...: timectl exits 0 with some output; leaves it in $out.
run_ok() {
  local d=$1 rc=0
  shift
  out=$(tctl "$@" 2>"$TMP/err") || rc=$?
  [ "$rc" = 0 ] || cat "$TMP/err" >&2
  assert_eq "timectl $* exits 0" 0 "$rc"
  assert_ge "timectl $* prints something (lines)" "$(printf '%s' "$out" | grep -c .)" 1
  printf '%s\n' "$out" | head -n 12 | sed 's/^/    | /'
}

# jfind JSON KEY: the first value of KEY anywhere in the JSON (depth first), or "absent".
jfind() {
  python3 - "$1" "$2" <<'PY'
import json, sys
def find(v, k):
    if isinstance(v, dict):
        if k in v:
            return v[k]
        v = list(v.values())
    if isinstance(v, list):
        for x in v:
            r = find(x, k)
            if r is not None:
                return r
    return None
r = find(json.loads(sys.argv[1]), sys.argv[2])
print("absent" if r is None else ("true" if r is True else "false" if r is False else r))
PY
}

# jhas_string JSON TEXT: 1 if some string value anywhere contains TEXT.
jhas_string() {
  python3 - "$1" "$2" <<'PY'
import json, sys
def walk(v):
    if isinstance(v, dict):
        return any(walk(x) for x in v.values())
    if isinstance(v, list):
        return any(walk(x) for x in v)
    return isinstance(v, str) and sys.argv[2] in v
print(1 if walk(json.loads(sys.argv[1])) else 0)
PY
}

# tracking
run_ok "" tracking
assert_match "tracking shows the stratum" '[Ss]tratum' "$out"
run_ok "" --json tracking
assert_true "tracking --json parses" is_json "$out"
assert_eq "tracking --json: stratum 10 (local)" 10 "$(jfind "$out" stratum)"

# serverstats
run_ok "" serverstats
assert_match "serverstats shows NTP packets received" '[Rr]eceived' "$out"
run_ok "" --json serverstats
assert_true "serverstats --json parses" is_json "$out"
for k in ntp_received ntp_replied ntp_kod_sent ntp_denied ntp_malformed ntp_bad_mode \
         ntp_rate_dropped ntp_with_mac ntp_with_ef cmd_received cmd_dropped cmd_denied \
         cmd_rejected; do
  v=$(json_get "$out" "$k")
  case $v in
    ''|*[!0-9]*) fail "serverstats $k is not a counter: '$v'" ;;
  esac
  _pass "serverstats --json has $k ($v)"
done
assert_ge "ntp_replied >= 3" "$(json_get "$out" ntp_replied)" 3
assert_ge "ntp_denied >= 1 (127.0.0.200)" "$(json_get "$out" ntp_denied)" 1

# clients
run_ok "" clients
assert_match "clients lists 127.0.0.77" '127\.0\.0\.77' "$out"
run_ok "" --json clients
assert_true "clients --json parses" is_json "$out"
assert_eq "clients --json lists 127.0.0.77" 1 "$(jhas_string "$out" 127.0.0.77)"
hits=$(python3 -c 'import json,sys
d = json.loads(sys.argv[1])
print(sum(c.get("ntp_hits", 0) for c in d.get("clients", []) if c.get("address") == "127.0.0.77"))' "$out")
assert_eq "clients --json: 127.0.0.77 made 3 requests" 3 "$hits"

# accheck: allowed, denied by a deny rule, denied by default, IPv6 denied by default
for a in 127.0.0.5:allowed 127.0.0.200:denied 10.1.2.3:denied ::1:denied; do
  addr=${a%:*}
  want=${a##*:}
  run_ok "" accheck "$addr"
  if [ "$want" = allowed ]; then
    assert_match "accheck $addr says allowed" '[Aa]llow' "$out"
    if printf '%s' "$out" | grep -qi 'den'; then
      fail "accheck $addr also says denied: $out"
    fi
  else
    assert_match "accheck $addr says denied" '[Dd]en' "$out"
  fi
  run_ok "" --json accheck "$addr"
  assert_true "accheck --json parses" is_json "$out"
  assert_eq "accheck --json $addr: allowed" "$([ "$want" = allowed ] && echo true || echo false)" \
    "$(jfind "$out" allowed)"
done

# Hostile datagrams on the command socket.
d0=$(stat_json cmd_dropped)
j0=$(stat_json cmd_rejected)
c0=$(stat_json cmd_received)
res=$(python3 - "$TIMED_SOCK" "$TMP/hostile.sock" <<'PY'
import json, os, socket, struct, sys
srv, me = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(me)
s.settimeout(1.0)
def hdr(version=1, typ=1, cmd=1, seq=0x11223344, status=0, reserved=0):
    return struct.pack(">BBHIHH", version, typ, cmd, seq, status, reserved)
# (name, bytes, expected: "drop" or the status of a header-only error reply)
cases = [
    ("empty", b"", "drop"),
    ("1 byte", b"\x01", "drop"),
    ("11 bytes", hdr()[:11], "drop"),
    ("version 2", hdr(version=2) + bytes(200), "drop"),
    ("type reply", hdr(typ=2) + bytes(200), "drop"),
    ("status set", hdr(status=1) + bytes(200), "drop"),
    ("reserved set", hdr(reserved=7) + bytes(200), "drop"),
    ("oversized 600", hdr() + bytes(588), "drop"),
    ("oversized 4000", hdr(cmd=3) + bytes(3988), "drop"),
    ("garbage 100", bytes([0xff] + [0xa5] * 99), "drop"),
    ("unknown command", hdr(cmd=999) + bytes(200), 2),
    ("tracking, header only", hdr(cmd=1), 3),
    ("command 0", hdr(cmd=0) + bytes(200), 2),
]
out = []
for name, data, want in cases:
    s.sendto(data, srv)
    try:
        rep = s.recv(65536)
    except socket.timeout:
        rep = None
    r = {"name": name, "len": len(data), "want": want,
         "reply_len": None if rep is None else len(rep)}
    if rep is not None and len(rep) >= 12:
        v, t, c, seq, st, rsv = struct.unpack(">BBHIHH", rep[:12])
        r.update(status=st, seq_ok=(seq == 0x11223344), type=t)
    out.append(r)
os.unlink(me)
print(json.dumps(out))
PY
) || fail "the hostile-datagram script failed"
n_drop=0
n=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$res")
for i in $(seq 0 $((n - 1))); do
  name=$(json_get "$res" "$i.name")
  len=$(json_get "$res" "$i.len")
  want=$(json_get "$res" "$i.want")
  rlen=$(json_get "$res" "$i.reply_len")
  if [ "$want" = drop ]; then
    n_drop=$((n_drop + 1))
    assert_eq "cmd $name ($len bytes): no reply" None "$rlen"
  else
    assert_eq "cmd $name ($len bytes): a header-only reply" 12 "$rlen"
    assert_le "cmd $name: reply not longer than the request" "$rlen" "$len"
    assert_eq "cmd $name: status $want" "$want" "$(json_get "$res" "$i.status")"
    assert_eq "cmd $name: sequence echoed" true "$(json_get "$res" "$i.seq_ok")"
  fi
done
assert_eq "cmd_dropped moved by the datagrams dropped" "$n_drop" $(($(stat_json cmd_dropped) - d0))
assert_eq "cmd_rejected moved by the datagrams answered with an error" $((n - n_drop)) \
  $(($(stat_json cmd_rejected) - j0))
assert_ge "cmd_received counted them" $(($(stat_json cmd_received) - c0)) "$n"
assert_true "timed alive after hostile command datagrams" timed_alive

# Control commands need root (or the daemon's user): nobody/nogroup cannot shut it down,
# whether it cannot reach the socket or is told "not authorised".
rc=0
(cd "$TMP" && setpriv --reuid=65534 --regid=65534 --clear-groups "$TIMECTL" -h "$TIMED_SOCK" shutdown) \
  >"$TMP/out" 2>"$TMP/err" || rc=$?
log "unprivileged shutdown said: $(cat "$TMP/out" "$TMP/err")"
assert_eq "shutdown as uid 65534 exits 1" 1 "$rc"
sleep 0.5
assert_true "timed is still running" timed_alive
run_ok "" tracking

# Now let anybody reach the socket (the files are ours to chmod): the daemon itself must
# refuse the control command (SO_PEERCRED), answer read-only ones, and count the refusal.
chmod 1777 "$TMP/run"
chmod 666 "$TIMED_SOCK"
den0=$(stat_json cmd_denied)
rc=0
(cd "$TMP" && setpriv --reuid=65534 --regid=65534 --clear-groups "$TIMECTL" -h "$TIMED_SOCK" shutdown) \
  >"$TMP/out" 2>"$TMP/err" || rc=$?
log "unprivileged shutdown through an open socket said: $(cat "$TMP/out" "$TMP/err")"
assert_eq "shutdown as uid 65534 through an open socket exits 1" 1 "$rc"
assert_match "and is told it is not authorised" '[Aa]uthori[sz]' "$(cat "$TMP/err")"
assert_eq "cmd_denied moved by 1" 1 $(($(stat_json cmd_denied) - den0))
sleep 0.5
assert_true "timed is still running" timed_alive
rc=0
(cd "$TMP" && setpriv --reuid=65534 --regid=65534 --clear-groups "$TIMECTL" -h "$TIMED_SOCK" tracking) \
  >"$TMP/out" 2>"$TMP/err" || rc=$?
assert_eq "uid 65534 may read tracking (a read-only command)" 0 "$rc"
chmod 755 "$TMP/run"

# Root may.
rc=0
tctl shutdown >"$TMP/out" 2>&1 || rc=$?
assert_eq "shutdown as root exits 0" 0 "$rc"
wait_timed_exit 10 || fail "timed did not exit within 10 s of shutdown"
assert_eq "timed exits with status 0 after shutdown" 0 "$TIMED_RC"
