#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# build-libfuzzer.sh - build one libFuzzer binary per fuzz entry point with clang
# (-fsanitize=fuzzer,address,undefined), from the core sources directly (not libcore.a,
# which is built without instrumentation).  Not run by `make check`.
#
#   tests/fuzz/build-libfuzzer.sh OUTDIR [TARGET...]     TARGET: wire conf cmdwire (default all)
#
# Then for example:
#   OUTDIR/fuzz_wire -max_total_time=60 -max_len=1100 CORPUS_COPY tests/fuzz/corpus/wire
# (give a scratch corpus directory first so that new inputs do not land in the source tree).
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [wire|conf|cmdwire ...]" >&2
  exit 2
fi
out=$1
shift
targets=${*:-wire conf cmdwire}

CC=${CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-libfuzzer.sh: $CC not found; install it with: apt-get install clang" >&2
  exit 1
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
core="$top/daemon/util.c $top/daemon/addr.c $top/daemon/ntp_wire.c $top/daemon/addrfilt.c
  $top/daemon/clientlog.c $top/daemon/ntp_server.c $top/conf/conf.c $top/conf/conf_files.c $top/cmdmon/cmdmon_wire.c $top/daemon/ntp_source.c
  $top/daemon/nts_rec.c $top/daemon/nts_ef.c $top/daemon/nts_cookie.c $top/daemon/nts_client.c"
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -Wall -Wextra -Wno-unused-parameter
  -I$top/daemon -I$top/conf -I$top/cmdmon -I$top/tests/fuzz
  -DCONF_PATH=\"/etc/timed.conf\" -DRUNDIR=\"/run/timed\""

mkdir -p "$out"
for t in $targets; do
  case $t in
    wire) fn=FUZZ_Wire ;;
    conf) fn=FUZZ_Conf ;;
    cmdwire) fn=FUZZ_Cmdwire ;;
    nts_rec) fn=FUZZ_NtsRec ;;
    nts_ef) fn=FUZZ_NtsEf ;;
    nts_client) fn=FUZZ_NtsClient ;;
    *) echo "build-libfuzzer.sh: unknown target $t (wire, conf, cmdwire, nts_rec, nts_ef, nts_client)" >&2; exit 2 ;;
  esac
  src=$t
  case $t in nts_client) ;; nts_*) src=nts ;; esac
  echo "build-libfuzzer.sh: $out/fuzz_$t"
  # shellcheck disable=SC2086 # word splitting of the file and flag lists is intended
  "$CC" $flags -DFUZZ_TARGET=$fn -o "$out/fuzz_$t" "$top/tests/fuzz/libfuzzer.c" \
    "$top/tests/fuzz/fuzz_$src.c" $core -lgnutls -lm
done
