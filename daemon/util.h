/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - time arithmetic and NTP timestamp formats [core].  No I/O, no system calls.
 *
 * NTP timestamps (RFC 5905 §6) are 64-bit: 32 bits of seconds since 1900-01-01 modulo 2^32
 * (the era number is not on the wire) and 32 bits of fraction.  Converting back needs a
 * reference time so that the right era is picked; that is what makes 2036 a non-event.
 */
#ifndef TIMED_UTIL_H
#define TIMED_UTIL_H

#include <stdint.h>
#include <time.h>

/* Seconds from 1900-01-01 (NTP prime epoch) to 1970-01-01 (Unix epoch). */
#define UTI_NTP_UNIX_OFFSET 2208988800ULL

/* A 64-bit NTP timestamp in host order: seconds in the high 32 bits, fraction in the low. */
typedef uint64_t NtpTs64;

/* Convert a Unix time to the NTP 64-bit format (era dropped).  The zero timespec maps to
   NTP 0 only if it happens to be 1900 mod 2^32, so use UTI_IsZeroTs for "unset". */
NtpTs64 UTI_TimespecToNtp64(const struct timespec *ts);

/* Convert an NTP 64-bit timestamp to Unix time, choosing the era that puts the result
   within 2^31 seconds (about 68 years) of *near (RFC 5905 §6: "the era is determined
   from the local clock").  Fractions are rounded to the nearest nanosecond. */
void UTI_Ntp64ToTimespec(NtpTs64 ntp, const struct timespec *near, struct timespec *out);

/* NTP short format (16.16 fixed point seconds, used for root delay/dispersion). Values
   are clamped to [0, 65535.99998] on conversion; NaN becomes 0. */
uint32_t UTI_DoubleToNtp32(double seconds);
double UTI_Ntp32ToDouble(uint32_t ntp32);

/* a - b in seconds. */
double UTI_DiffTimespecs(const struct timespec *a, const struct timespec *b);

/* *out = *ts + seconds (normalised: 0 <= tv_nsec < 1e9). */
void UTI_AddDoubleToTimespec(const struct timespec *ts, double seconds, struct timespec *out);

/* Normalise tv_nsec into [0, 1e9). */
void UTI_NormaliseTimespec(struct timespec *ts);

/* -1, 0, 1 as a is before, equal to, after b. */
int UTI_CompareTimespecs(const struct timespec *a, const struct timespec *b);

/* 1 when both fields are zero. */
int UTI_IsZeroTs(const struct timespec *ts);

/* Log2 of an interval in seconds, rounded to the nearest integer, clamped to [-128, 127]
   (the NTP precision and poll fields are signed log2 seconds). */
int UTI_Log2Seconds(double seconds);

/* 2^exp as a double, for poll/precision fields. */
double UTI_Log2ToDouble(int exp);

#endif
