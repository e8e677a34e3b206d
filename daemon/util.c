/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.c - time arithmetic and NTP timestamp formats [core].
 *
 * Pure arithmetic: no I/O, no system calls, no clock reads.  Every function takes the time
 * it works on as an argument.  Integer maths is done in 64 bits (unsigned where a wrap is
 * intended, so that a wrap is defined behaviour), and doubles are range-checked before
 * they are converted to integers.
 */
#include <math.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

#define NSEC_PER_SEC 1000000000LL
#define FRAC_ONE 4294967296.0 /* 2^32 */

/* time_t limits, computed without assuming its width. */
#define TIME_T_MAX ((time_t)(sizeof(time_t) >= 8 ? INT64_MAX : INT32_MAX))
#define TIME_T_MIN ((time_t)(sizeof(time_t) >= 8 ? INT64_MIN : INT32_MIN))

/* Add two time_t values, saturating instead of overflowing. */
static time_t
add_time_sat(time_t a, int64_t b)
{
  time_t r;

  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? TIME_T_MAX : TIME_T_MIN;
  }
  return r;
}

void
UTI_NormaliseTimespec(struct timespec *ts)
{
  long carry;

  if (ts->tv_nsec >= 0 && ts->tv_nsec < NSEC_PER_SEC) {
    return;
  }
  carry = ts->tv_nsec / NSEC_PER_SEC;
  ts->tv_nsec -= carry * NSEC_PER_SEC;
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += NSEC_PER_SEC;
    carry--;
  }
  ts->tv_sec = add_time_sat(ts->tv_sec, carry);
}

/* ns in [0, 1e9) -> 32-bit binary fraction, rounded to nearest.  The largest input gives
   4294967291.7 -> 4294967292 < 2^32, so no carry into the seconds is possible. */
static uint32_t
ns_to_frac(long ns)
{
  return (uint32_t)((((uint64_t)ns << 32) + NSEC_PER_SEC / 2) / NSEC_PER_SEC);
}

/* 32-bit binary fraction -> ns, rounded to nearest.  The fractions 0xfffffffe and
   0xffffffff are nearer a whole second than 999999999 ns, so the result is in [0, 1e9] and
   the caller carries. */
static long
frac_to_ns(uint32_t frac)
{
  return (long)(((uint64_t)frac * NSEC_PER_SEC + (1ULL << 31)) >> 32);
}

NtpTs64
UTI_TimespecToNtp64(const struct timespec *ts)
{
  struct timespec t = *ts;
  uint32_t sec;

  UTI_NormaliseTimespec(&t);
  /* RFC 5905 §6: the seconds field is seconds since 1900 modulo 2^32 (the era number is
     not sent).  Unsigned arithmetic makes the modulo explicit for any time_t value,
     including times before 1900 or after 2036. */
  sec = (uint32_t)((uint64_t)(int64_t)t.tv_sec + UTI_NTP_UNIX_OFFSET);
  return ((NtpTs64)sec << 32) | ns_to_frac(t.tv_nsec);
}

void
UTI_Ntp64ToTimespec(NtpTs64 ntp, const struct timespec *near, struct timespec *out)
{
  struct timespec n = *near;
  NtpTs64 near_ntp;
  int64_t diff, diff_sec;
  uint64_t lo;
  long ns;

  UTI_NormaliseTimespec(&n);
  near_ntp = UTI_TimespecToNtp64(&n);

  /* RFC 5905 §6: pick the era that puts the result nearest the reference time.  The
     difference of the two 64-bit timestamps taken modulo 2^64 and read as signed is the
     offset from *near in 2^-32 s units, in [-2^31, 2^31) seconds, whatever the eras. */
  diff = (int64_t)(ntp - near_ntp);

  /* result = near_sec + near_frac + diff, split so that nothing overflows: the whole
     seconds of diff (floor division) plus the carry out of the fraction sum. */
  diff_sec = diff >> 32;  /* arithmetic shift: floor(diff / 2^32) */
  lo = (uint64_t)diff & 0xffffffffULL;
  diff_sec += (int64_t)(((near_ntp & 0xffffffffULL) + lo) >> 32);

  out->tv_sec = add_time_sat(n.tv_sec, diff_sec);
  ns = frac_to_ns((uint32_t)ntp);
  if (ns >= NSEC_PER_SEC) {
    ns -= NSEC_PER_SEC;
    out->tv_sec = add_time_sat(out->tv_sec, 1);
  }
  out->tv_nsec = ns;
}

uint32_t
UTI_DoubleToNtp32(double seconds)
{
  double units;

  /* RFC 5905 §6 short format: 16 bits of seconds, 16 bits of fraction, unsigned.  NaN
     fails both comparisons, so test for it positively first. */
  if (!(seconds > 0.0)) {
    return 0;
  }
  units = seconds * 65536.0 + 0.5;
  if (units >= 4294967295.0) {
    return 0xffffffffu;
  }
  return (uint32_t)units;
}

double
UTI_Ntp32ToDouble(uint32_t ntp32)
{
  return ntp32 / 65536.0;
}

double
UTI_DiffTimespecs(const struct timespec *a, const struct timespec *b)
{
  int64_t dsec;

  /* The integer difference keeps full precision for nearby times; only if it would
     overflow (times 2^63 s apart) fall back to subtracting doubles. */
  if (__builtin_sub_overflow((int64_t)a->tv_sec, (int64_t)b->tv_sec, &dsec)) {
    return ((double)a->tv_sec - (double)b->tv_sec) + (double)(a->tv_nsec - b->tv_nsec) * 1e-9;
  }
  return (double)dsec + (double)(a->tv_nsec - b->tv_nsec) * 1e-9;
}

void
UTI_AddDoubleToTimespec(const struct timespec *ts, double seconds, struct timespec *out)
{
  /* Beyond 2^62 seconds the sum saturates anyway; clamping first keeps the conversion to
     an integer defined.  NaN adds nothing. */
  const double limit = 4611686018427387904.0; /* 2^62 */
  double whole;
  int64_t isec, ins;
  struct timespec r = *ts;

  UTI_NormaliseTimespec(&r);
  if (isnan(seconds)) {
    *out = r;
    return;
  }
  if (seconds > limit) {
    seconds = limit;
  } else if (seconds < -limit) {
    seconds = -limit;
  }
  whole = floor(seconds);
  isec = (int64_t)whole;
  ins = (int64_t)floor((seconds - whole) * 1e9 + 0.5); /* in [0, 1e9] */

  r.tv_sec = add_time_sat(r.tv_sec, isec);
  r.tv_nsec += (long)ins; /* < 2e9, fits in a 64-bit long and in a 32-bit one */
  UTI_NormaliseTimespec(&r);
  *out = r;
}

int
UTI_CompareTimespecs(const struct timespec *a, const struct timespec *b)
{
  struct timespec x = *a, y = *b;

  UTI_NormaliseTimespec(&x);
  UTI_NormaliseTimespec(&y);
  if (x.tv_sec != y.tv_sec) {
    return x.tv_sec < y.tv_sec ? -1 : 1;
  }
  if (x.tv_nsec != y.tv_nsec) {
    return x.tv_nsec < y.tv_nsec ? -1 : 1;
  }
  return 0;
}

int
UTI_IsZeroTs(const struct timespec *ts)
{
  return ts->tv_sec == 0 && ts->tv_nsec == 0;
}

int
UTI_Log2Seconds(double seconds)
{
  int exp;
  double mant;

  /* Zero, negative and NaN intervals have no logarithm: give the smallest value, as the
     shortest interval the field can say.  Infinity gives the largest. */
  if (!(seconds > 0.0)) {
    return -128;
  }
  if (isinf(seconds)) {
    return 127;
  }
  /* seconds = mant * 2^exp with mant in [0.5, 1).  log2 rounds up to exp when
     mant >= sqrt(0.5) (the geometric midpoint), else down to exp - 1.  frexp is exact, so
     there is no rounding error from a log2() call near a power of two. */
  mant = frexp(seconds, &exp);
  if (mant < 0.70710678118654752440) { /* sqrt(0.5) */
    exp--;
  }
  if (exp < -128) {
    return -128;
  }
  if (exp > 127) {
    return 127;
  }
  return exp;
}

double
UTI_Log2ToDouble(int exp)
{
  /* The NTP fields are int8; clamp so that a bad value cannot give inf or 0 surprises. */
  if (exp < -1022) {
    exp = -1022;
  } else if (exp > 1023) {
    exp = 1023;
  }
  return ldexp(1.0, exp);
}
