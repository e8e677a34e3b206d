#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# replay.sh - `make check` test: runs every fuzz entry point over the seed corpus in
# tests/fuzz/corpus/<target>/ and over a fixed set of deterministic mutations of each seed.
# A crash, a broken invariant (abort) or a target without seeds fails the test.  No network,
# no daemon; the run is bounded by the mutation count and by a time limit.
set -eu

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
prog="$builddir/tests/fuzz/fuzz_replay"

if [ ! -x "$prog" ]; then
  echo "replay.sh: $prog not built" >&2
  exit 1
fi

# A crash saves its input as fuzz-crash-<target>.bin in the current directory.
if command -v timeout >/dev/null 2>&1; then
  exec timeout 300 "$prog" "$srcdir/tests/fuzz/corpus" "$@"
fi
exec "$prog" "$srcdir/tests/fuzz/corpus" "$@"
