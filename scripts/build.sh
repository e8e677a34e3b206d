#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Generate, configure and build timed in the source tree (incrementally when already configured).
set -eu
cd "$(dirname "$0")/.."
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure -q "$@"
make -j"$(nproc)" >/dev/null
echo "build: timed, timectl built"
