/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libfuzzer.c - libFuzzer driver for one fuzz entry point, chosen at compile time with
 * -DFUZZ_TARGET=FUZZ_Wire (or FUZZ_Conf, FUZZ_Cmdwire).  Built by build-libfuzzer.sh with
 * clang -fsanitize=fuzzer,address; not part of `make check`.  No logic of its own: all
 * checks live in the entry points so that replay.c runs exactly the same code.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET=FUZZ_Wire (or FUZZ_Conf, FUZZ_Cmdwire)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return FUZZ_TARGET(data, size);
}
