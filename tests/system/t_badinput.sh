#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_badinput.sh - hostile and malformed NTP datagrams: truncated packets, bad versions,
# every mode, ntpd monlist and mode-6 queries, broken extension fields (RFC 7822), and
# oversized datagrams.  Only valid client requests get a reply, no reply is ever longer
# than its request (no amplification), the daemon survives, and the malformed/bad-mode
# counters move by exactly the number of such datagrams sent.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd setpriv python3
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PORT=$(free_port)
start_timed "port $PORT
allow 127.0.0.0/8
local stratum 10"

# hexpkt FIRST_BYTE TOTAL_LEN [TRAILER_HEX]: a 48-byte header whose first byte is
# FIRST_BYTE (LI/VN/mode) with a transmit timestamp, then TRAILER_HEX, then zeros up to
# TOTAL_LEN bytes (or truncated to it).
hexpkt() {
  python3 - "$@" <<'PY'
import sys
first = int(sys.argv[1], 0)
total = int(sys.argv[2])
trailer = bytes.fromhex(sys.argv[3]) if len(sys.argv) > 3 else b""
hdr = bytearray(48)
hdr[0] = first
hdr[40:48] = bytes.fromhex("e7a1b2c3d4e5f607")
pkt = bytes(hdr) + trailer
pkt = (pkt + bytes(max(0, total - len(pkt))))[:total]
print(pkt.hex())
PY
}

expect_malformed=0
expect_bad_mode=0
expect_replies=0
sent=0

# send WHAT CLASS HEX: CLASS is reply, malformed or bad_mode.
send() {
  local what=$1 class=$2 hex=$3 j n_rep maxlen reqlen t=0.5
  [ "$class" = reply ] && t=3
  j=$(probe -p "$PORT" -s 127.0.0.61 -t "$t" -x "$hex" 127.0.0.1)
  n_rep=$(json_get "$j" replies)
  maxlen=$(json_get "$j" maxlen)
  reqlen=$(json_get "$j" request_len)
  sent=$((sent + 1))
  case $class in
    reply)
      expect_replies=$((expect_replies + 1))
      assert_eq "$what ($reqlen bytes): answered" 1 "$n_rep"
      assert_eq "$what: reply is mode 4" 4 "$(json_get "$j" detail.0.mode)"
      assert_eq "$what: origin matches" true "$(json_get "$j" detail.0.origin_ok)"
      ;;
    malformed)
      expect_malformed=$((expect_malformed + 1))
      assert_eq "$what ($reqlen bytes): no reply" 0 "$n_rep"
      ;;
    bad_mode)
      expect_bad_mode=$((expect_bad_mode + 1))
      assert_eq "$what ($reqlen bytes): no reply" 0 "$n_rep"
      ;;
  esac
  assert_le "$what: no reply longer than the request" "$maxlen" "$reqlen"
}

m0=$(stat_json ntp_malformed)
b0=$(stat_json ntp_bad_mode)
r0=$(stat_json ntp_replied)
rx0=$(stat_json ntp_received)

# Truncated: 0, 1 and 47 bytes of an otherwise good v4 client request.
send "empty datagram" malformed ""
send "1 byte" malformed "23"
send "47 bytes" malformed "$(hexpkt 0x23 47)"

# Versions 0 and 5-7 (RFC 5905 knows 1-4).
for v in 0 5 6 7; do
  send "version $v mode 3" malformed "$(hexpkt $((v << 3 | 3)) 48)"
done

# Every mode in version 4: only mode 3 (client) is served.
for m in 0 1 2 3 4 5 6 7; do
  if [ "$m" = 3 ]; then
    send "v4 mode 3" reply "$(hexpkt $((4 << 3 | m)) 48)"
  else
    send "v4 mode $m" bad_mode "$(hexpkt $((4 << 3 | m)) 48)"
  fi
done

# ntpd's monlist (mode 7 REQ_MON_GETLIST_1), the classic amplification query: as sent by
# attack tools (8 bytes) and padded to a full header (then it is a well-formed mode 7).
send "monlist 8 bytes" malformed "17 00 03 2a 00 00 00 00"
send "monlist 48 bytes" bad_mode "17 00 03 2a$(printf '00%.0s' $(seq 44))"
# Mode 6 READVAR (ntpq rv), 12 bytes.
send "mode 6 READVAR" malformed "16 02 00 01 00 00 00 00 00 00 00 00"

# Extension fields (RFC 7822 §7.5: length >= 16, a multiple of 4, inside the packet).
# 72 bytes follow the header so that the trailer cannot pass for a MAC (<= 68 bytes).
send "EF length 0" malformed "$(hexpkt 0x23 120 '02000000')"
send "EF odd length 17" malformed "$(hexpkt 0x23 120 '02000011')"
send "EF length beyond the packet" malformed "$(hexpkt 0x23 120 '02000100')"
# A well-formed unknown field of 72 bytes is ignored and the request answered.
send "valid unknown EF" reply "$(hexpkt 0x23 120 '02000048')"
# A legacy MAC (key 1 and a 16-byte digest) with an unknown key: answered (a crypto-NAK
# may make the reply 52 bytes, still shorter than the request).
send "v4 request with a MAC" reply "$(hexpkt 0x23 68 '00000001')"
send "v3 request with a MAC" reply "$(hexpkt 0x1b 72 '00000001')"

# Big datagrams: 1024 bytes of zero-padded request (not a valid field layout) and 2000.
send "1024-byte datagram" malformed "$(hexpkt 0x23 1024)"
send "2000-byte datagram" malformed "$(hexpkt 0x23 2000)"

assert_true "timed still running after $sent hostile datagrams" timed_alive
j=$(probe -p "$PORT" -t 3 127.0.0.1)
assert_eq "and still answers a normal request" 1 "$(json_get "$j" replies)"
expect_replies=$((expect_replies + 1))
sent=$((sent + 1))

m1=$(stat_json ntp_malformed)
b1=$(stat_json ntp_bad_mode)
r1=$(stat_json ntp_replied)
rx1=$(stat_json ntp_received)
assert_eq "ntp_malformed moved by the malformed datagrams sent" "$expect_malformed" $((m1 - m0))
assert_eq "ntp_bad_mode moved by the bad-mode datagrams sent" "$expect_bad_mode" $((b1 - b0))
assert_eq "ntp_replied moved by the valid requests sent" "$expect_replies" $((r1 - r0))
assert_eq "ntp_received moved by every datagram sent" "$sent" $((rx1 - rx0))
assert_ge "ntp_with_ef counted the extension field" "$(stat_json ntp_with_ef)" 1
assert_ge "ntp_with_mac counted the MACs" "$(stat_json ntp_with_mac)" 2
stop_timed
