#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_clientonly.sh - a daemon that serves nobody opens no NTP server socket at all.
# With no `allow` line (default deny) timed must not open a UDP socket: the process tree
# holds no socket listed in /proc/net/udp or /proc/net/udp6, a request gets no answer,
# and the command socket still works.  With `allow` it holds one.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd setpriv python3
require_built "$TIMED" "$TIMECTL" "$NTPPROBE"
setup_tmp

PORT=$(free_port)

start_timed "port $PORT
local stratum 10"
n_udp=$(udp_socket_count "$TIMED_PID")
log "sockets of pid $TIMED_PID and children: $(socket_inodes "$TIMED_PID" | tr '\n' ' ')"
assert_eq "no allow: timed holds no UDP socket" 0 "$n_udp"
assert_ge "but it holds a unix socket (the command socket)" "$(unix_socket_count "$TIMED_PID")" 1
rc=0
tctl tracking >"$TMP/out" 2>&1 || rc=$?
assert_eq "timectl tracking works" 0 "$rc"
j=$(probe -p "$PORT" -t 1 127.0.0.1)
assert_eq "a request to port $PORT gets no reply" 0 "$(json_get "$j" replies)"
assert_eq "ntp_received is 0" 0 "$(stat_json ntp_received)"
stop_timed

# `deny all` alone: still nobody to serve, still no socket.
start_timed "port $PORT
deny all
local stratum 10"
assert_eq "deny all only: no UDP socket" 0 "$(udp_socket_count "$TIMED_PID")"
stop_timed

start_timed "port $PORT
allow 127.0.0.1
local stratum 10"
n_udp=$(udp_socket_count "$TIMED_PID")
assert_ge "with allow: timed holds a UDP socket" "$n_udp" 1
j=$(probe -p "$PORT" -t 3 127.0.0.1)
assert_eq "and answers on port $PORT" 1 "$(json_get "$j" replies)"
stop_timed
