#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_cli.sh - command-line contract of timed and timectl: `timed -n` accepts every example
# configuration and rejects broken ones with "FILE:LINE:" naming the right line, `-v`
# prints a version, and timectl fails cleanly (one line, exit 1) when no daemon listens.
# Starts no daemon and needs no root.

. "$(dirname "$0")/lib.sh"
require_built "$TIMED" "$TIMECTL"
setup_tmp

# Every example configuration shipped in conf/ must pass the check.
n_examples=0
for f in "$top_srcdir"/conf/*.conf; do
  [ -e "$f" ] || continue
  n_examples=$((n_examples + 1))
  rc=0
  out=$("$TIMED" -n -f "$f" 2>&1) || rc=$?
  [ "$rc" = 0 ] || printf '%s\n' "$out" >&2
  assert_eq "timed -n accepts example $(basename "$f")" 0 "$rc"
done
log "checked $n_examples example configuration(s) from conf/"

# broken NAME LINE TEXT: the file whose line LINE is the bad one must be rejected (exit 1)
# with an error naming FILE:LINE.  Two good lines come first so that the line number is
# not trivially 1, and a good line follows so that "the last line" is not the answer either.
broken() {
  local name=$1 line=$2 text=$3 f rc out
  f=$TMP/$name.conf
  printf '%s\n' "$text" >"$f"
  rc=0
  out=$("$TIMED" -n -f "$f" 2>&1 >/dev/null) || rc=$?
  assert_eq "timed -n rejects $name (exit status)" 1 "$rc"
  assert_match "error for $name names $name.conf:$line" "^$f:$line: error" "$out"
  # No error may point at the good lines.
  if printf '%s\n' "$out" | grep -Eq "^$f:(1|2|$((line + 1))): error"; then
    fail "$name: an error names a good line: $out"
  fi
  _pass "$name: no error on the good lines"
}

good_head='# a comment line
port 11123'
broken unknown_directive 3 "$good_head
frobnicate 1
local stratum 10"
broken bad_number 3 "$good_head
clientloglimit lots
local stratum 10"
broken bad_port 3 "$good_head
port 99999
local stratum 10"
broken bad_prefix 4 "$good_head
allow 127.0.0.0/8
allow 1.2.3.4/33
local stratum 10"
broken ratelimit_burst0 3 "$good_head
ratelimit burst 0
local stratum 10"
broken missing_argument 3 "$good_head
port
local stratum 10"
broken bad_stratum 3 "$good_head
local stratum 99
allow 127.0.0.1"

# A missing file given with -f is an error, not the built-in default.
rc=0
out=$("$TIMED" -n -f "$TMP/does-not-exist.conf" 2>&1) || rc=$?
assert_eq "timed -n -f MISSING exits 1" 1 "$rc"
assert_match "and says which file" "does-not-exist.conf" "$out"

# A good file written here passes and says so on stdout, nothing on stderr.
printf 'port 11123\nallow 127.0.0.0/8\nlocal stratum 10\nratelimit interval 1 burst 4 leak 2 kod\n' \
  >"$TMP/good.conf"
rc=0
err=$("$TIMED" -n -f "$TMP/good.conf" 2>&1 >/dev/null) || rc=$?
assert_eq "timed -n accepts a good file" 0 "$rc"
assert_eq "and prints nothing on stderr" "" "$err"

# -v: a version number, exit 0.
rc=0
out=$("$TIMED" -v 2>&1) || rc=$?
assert_eq "timed -v exits 0" 0 "$rc"
assert_match "timed -v prints a version" '[0-9]+\.[0-9]+' "$out"

# An unknown option: usage on stderr, exit 1.
rc=0
"$TIMED" -Z >/dev/null 2>&1 || rc=$?
assert_ne "timed with an unknown option fails" 0 "$rc"

# timectl with no daemon: one line on stderr, nothing on stdout, exit 1.
for cmd in tracking serverstats; do
  rc=0
  "$TIMECTL" -h "$TMP/no-such.sock" "$cmd" >"$TMP/out" 2>"$TMP/err" || rc=$?
  assert_eq "timectl $cmd without a daemon exits 1" 1 "$rc"
  assert_eq "and prints exactly one line on stderr" 1 "$(wc -l <"$TMP/err")"
  assert_eq "and nothing on stdout" 0 "$(wc -c <"$TMP/out")"
  log "its message: $(cat "$TMP/err")"
done
