#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what is missing, build, and run timed in the foreground on its built-in default
# configuration (a pure client: no NTP port) with -x, so the clock is never touched.
# Stop it with Ctrl-C.  Try `./timectl tracking` from another terminal.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
exec ./timed -d -x "$@"
