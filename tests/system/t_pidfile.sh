#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_pidfile.sh - the pid file is created safely and the `user` directive drops root.
# A symlink at the pid file's path is never followed (chrony CVE-2020-14367), a live
# daemon's pid file stops a second instance, a stale one from a dead process is replaced,
# the file holds the daemon's pid and is removed at exit; with `user nobody` the daemon
# runs as that uid once its sockets are open.

. "$(dirname "$0")/lib.sh"
require_root
require_cmd setpriv
require_built "$TIMED" "$TIMECTL"
setup_tmp

PIDFILE=$TMP/run/timed.pid
mkdir -p "$TMP/run"

# 1. A live daemon's pid file, its content, and its removal at exit.
start_timed "local stratum 10"
assert_eq "pid file holds the daemon's pid" "$TIMED_PID" "$(cat "$PIDFILE" 2>/dev/null | tr -d '\n')"

# A second instance on the same pid file must refuse to start and leave the first alone.
second_conf=$TMP/second.conf
printf 'bindcmdaddress %s\npidfile %s\n' "$TMP/run/second.sock" "$PIDFILE" >"$second_conf"
rc=0
timeout 10 $NOCLOCK "$TIMED" -d -x -f "$second_conf" >"$TMP/second.log" 2>&1 || rc=$?
assert_eq "a second instance exits with status 1" 1 "$rc"
assert_match "and says another timed runs" "another timed" "$(cat "$TMP/second.log")"
assert_true "the first daemon still runs" timed_alive
assert_eq "its pid file is untouched" "$TIMED_PID" "$(tr -d '\n' <"$PIDFILE")"
stop_timed
assert_true "the pid file is removed at exit" test ! -e "$PIDFILE"

# 2. A stale pid file (a pid that no longer exists) is replaced.
sh -c 'exit 0' &
dead=$!
wait "$dead"
echo "$dead" >"$PIDFILE"
start_timed "local stratum 10"
assert_eq "a stale pid file is replaced by ours" "$TIMED_PID" "$(tr -d '\n' <"$PIDFILE")"
stop_timed

# 3. A symlink at the path is refused, and its target is not written.
echo "precious" >"$TMP/target"
ln -s "$TMP/target" "$PIDFILE"
conf=$TMP/link.conf
printf 'bindcmdaddress %s\npidfile %s\nlocal stratum 10\n' "$TMP/run/link.sock" "$PIDFILE" >"$conf"
rc=0
timeout 10 $NOCLOCK "$TIMED" -d -x -f "$conf" >"$TMP/link.log" 2>&1 || rc=$?
assert_eq "a symlinked pid file stops start-up with status 1" 1 "$rc"
assert_match "with a reason" "pid file" "$(cat "$TMP/link.log")"
assert_eq "the symlink's target is untouched" "precious" "$(cat "$TMP/target")"
rm -f "$PIDFILE"

# 4. `user nobody`: root is dropped once the sockets are open.
chmod 755 "$TMP"
start_timed "local stratum 10
allow 127.0.0.1
port $(free_port)
user nobody"
uid=$(awk '/^Uid:/ {print $2 " " $3 " " $4 " " $5}' "/proc/$TIMED_PID/status")
nobody=$(id -u nobody)
assert_eq "real, effective, saved and fs uid are nobody's" "$nobody $nobody $nobody $nobody" "$uid"
caps=$(awk '/^CapEff:/ {print $2}' "/proc/$TIMED_PID/status")
assert_eq "no effective capabilities left" 0000000000000000 "$caps"
rc=0
tctl tracking >"$TMP/out" 2>&1 || rc=$?
assert_eq "root can still use the command socket" 0 "$rc"
stop_timed
