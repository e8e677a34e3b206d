/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz.h - fuzz entry points, one per parser of outside input.  Each takes any bytes and
 * must return 0 without crashing, leaking or reading out of bounds.  replay.c runs them over
 * tests/fuzz/corpus/<name>/ and over bounded deterministic mutations in `make check`; the
 * same functions are wrapped for libFuzzer by `make fuzz` (clang -fsanitize=fuzzer).
 */
#ifndef TIMED_FUZZ_H
#define TIMED_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int FUZZ_Wire(const uint8_t *data, size_t len);    /* NWR_Parse, NSV_HandleRequest, NSC_ProcessResponse */
int FUZZ_Conf(const uint8_t *data, size_t len);    /* CNF_Parse */
int FUZZ_Cmdwire(const uint8_t *data, size_t len); /* CMW_ request/reply decoders */
int FUZZ_NtsRec(const uint8_t *data, size_t len);  /* NKR_ NTS-KE request/response parsers */
int FUZZ_NtsEf(const uint8_t *data, size_t len);   /* NTS fields via NSV_HandleRequest, NEF_CheckResponse */
int FUZZ_NtsClient(const uint8_t *data, size_t len); /* NTC_CheckResponse ('R'...), NTC_ParseDump ('D'...) */

#endif
