/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_util.c - unit tests of util.c: NTP timestamp conversions in both directions, era
 * selection around 1900, 1970, 2036 and 2106, rounding of fractions, the short format and
 * the log2 helpers.  Test code only; no clock is read (every time is a literal).
 */
#include <math.h>
#include <stdint.h>
#include <time.h>

#include "suites.h"
#include "util.h"

/* Unix time of the first NTP era rollover, 2036-02-07 06:28:16 UTC (2^32 - offset). */
#define ERA1_UNIX 2085978496LL
/* Unix time of 1900-01-01 00:00:00 UTC. */
#define NTP_EPOCH_UNIX (-2208988800LL)
/* 2106-02-07 06:28:16 UTC: 2^32 Unix seconds, where unsigned 32-bit time_t ends. */
#define UNIX32_END 4294967296LL

static struct timespec
ts(int64_t sec, long nsec)
{
  struct timespec t;

  t.tv_sec = (time_t)sec;
  t.tv_nsec = nsec;
  return t;
}

START_TEST(test_to_ntp_epochs)
{
  struct timespec t;

  /* The Unix epoch is 2208988800 s after the NTP epoch (RFC 5905 figure 4). */
  t = ts(0, 0);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t), 2208988800ULL << 32);
  t = ts(NTP_EPOCH_UNIX, 0);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t), 0);
  t = ts(NTP_EPOCH_UNIX - 1, 0);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t) >> 32, 0xffffffffu);
  /* 2036: the seconds field wraps to 0 (era 1). */
  t = ts(ERA1_UNIX - 1, 0);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t) >> 32, 0xffffffffu);
  t = ts(ERA1_UNIX, 0);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t), 0);
  t = ts(ERA1_UNIX, 500000000);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t), 0x80000000u);
  /* 2106: 2^32 Unix seconds is the same NTP seconds as 1970. */
  t = ts(UNIX32_END, 0);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t), 2208988800ULL << 32);
  /* A known date: 2024-01-01 00:00:00 UTC = 1704067200 Unix = 3913056000 NTP. */
  t = ts(1704067200, 0);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t) >> 32, 3913056000u);
  /* Unnormalised input is normalised first. */
  t = ts(0, -500000000);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t), ((2208988800ULL - 1) << 32) | 0x80000000u);
  t = ts(0, 1500000000);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t), ((2208988800ULL + 1) << 32) | 0x80000000u);
}
END_TEST

START_TEST(test_fraction_rounding)
{
  struct timespec t, out, near = ts(1704067200, 0);
  NtpTs64 base = UTI_TimespecToNtp64(&near);

  /* ns -> fraction rounds to nearest: 1 ns = 4.295 units. */
  t = ts(1704067200, 1);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t) & 0xffffffffu, 4);
  t = ts(1704067200, 2); /* 8.59 */
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t) & 0xffffffffu, 9);
  t = ts(1704067200, 250000000);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t) & 0xffffffffu, 0x40000000u);
  /* The largest ns value must not carry into the seconds. */
  t = ts(1704067200, 999999999);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t) >> 32, base >> 32);
  ck_assert_uint_eq(UTI_TimespecToNtp64(&t) & 0xffffffffu, 4294967292u);

  /* fraction -> ns rounds to nearest: 1 unit = 0.233 ns. */
  UTI_Ntp64ToTimespec(base | 2, &near, &out); /* 0.47 ns */
  ck_assert_int_eq(out.tv_nsec, 0);
  UTI_Ntp64ToTimespec(base | 3, &near, &out); /* 0.70 ns */
  ck_assert_int_eq(out.tv_nsec, 1);
  UTI_Ntp64ToTimespec(base | 0x80000000u, &near, &out);
  ck_assert_int_eq(out.tv_nsec, 500000000);
  ck_assert_int_eq(out.tv_sec, 1704067200);
  /* 0xffffffff is 999999999.77 ns: it rounds up into the next second. */
  UTI_Ntp64ToTimespec(base | 0xffffffffu, &near, &out);
  ck_assert_int_eq(out.tv_sec, 1704067201);
  ck_assert_int_eq(out.tv_nsec, 0);
  UTI_Ntp64ToTimespec(base | 0xfffffffcu, &near, &out); /* 999999999.07 */
  ck_assert_int_eq(out.tv_sec, 1704067200);
  ck_assert_int_eq(out.tv_nsec, 999999999);
}
END_TEST

START_TEST(test_ns_round_trip)
{
  struct timespec t, out, near = ts(ERA1_UNIX, 0);
  long ns;
  uint64_t frac;

  /* Every ns value survives ns -> fraction -> ns (a fraction unit is finer than 1 ns);
     check a dense sample plus both ends, across the 2036 rollover second. */
  for (ns = 0; ns < 1000000000L; ns += (ns < 2000 || ns >= 999998000L) ? 1 : 9973) {
    if (ns > 2000 && ns < 999998000L && ns + 9973 >= 999998000L) {
      ns = 999998000L;
    }
    t = ts(ERA1_UNIX - 1, ns);
    UTI_Ntp64ToTimespec(UTI_TimespecToNtp64(&t), &near, &out);
    ck_assert_int_eq(out.tv_sec, ERA1_UNIX - 1);
    ck_assert_int_eq(out.tv_nsec, ns);
  }
  /* fraction -> ns -> fraction is off by at most half a ns (2.15 units), rounded. */
  for (frac = 0; frac <= 0xffffffffULL; frac += 65521 * 7 + 3) {
    int64_t d;

    UTI_Ntp64ToTimespec((5ULL << 32) | frac, &near, &out);
    d = (int64_t)(UTI_TimespecToNtp64(&out) - ((5ULL << 32) | frac));
    ck_assert_int_le(d, 3);
    ck_assert_int_ge(d, -3);
  }
}
END_TEST

/* Convert t to NTP and back with a reference offset by `shift` seconds, expecting t. */
static void
check_back(int64_t sec, long nsec, int64_t shift)
{
  struct timespec t = ts(sec, nsec), near = ts(sec + shift, 123456789), out;

  UTI_Ntp64ToTimespec(UTI_TimespecToNtp64(&t), &near, &out);
  ck_assert_int_eq(out.tv_sec, sec);
  ck_assert_int_eq(out.tv_nsec, nsec);
}

START_TEST(test_eras)
{
  static const int64_t times[] = {
      NTP_EPOCH_UNIX - 86400LL * 365 * 100, /* 1800 */
      NTP_EPOCH_UNIX - 1, NTP_EPOCH_UNIX, NTP_EPOCH_UNIX + 1,
      -1, 0, 1,
      ERA1_UNIX - 1, ERA1_UNIX, ERA1_UNIX + 1,
      UNIX32_END - 1, UNIX32_END, UNIX32_END + 1,
      ERA1_UNIX + (1LL << 32) - 1, ERA1_UNIX + (1LL << 32), /* 2172 rollover to era 2 */
      253402300799LL, /* 9999-12-31 23:59:59 */
  };
  static const int64_t shifts[] = {0, 1, -1, 86400, -86400, (1LL << 31) - 2, -(1LL << 31) + 1,
                                   1LL << 30, -(1LL << 30)};
  size_t i, j;

  for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
    for (j = 0; j < sizeof(shifts) / sizeof(shifts[0]); j++) {
      check_back(times[i], 0, shifts[j]);
      check_back(times[i], 999999999, shifts[j]);
      check_back(times[i], 500000000, shifts[j]);
    }
  }
}
END_TEST

START_TEST(test_era_choice)
{
  struct timespec near, out;

  /* Just before the 2036 rollover, a small seconds value is in era 1 (the future)... */
  near = ts(ERA1_UNIX - 10, 0);
  UTI_Ntp64ToTimespec(5ULL << 32, &near, &out);
  ck_assert_int_eq(out.tv_sec, ERA1_UNIX + 5);
  /* ...and just after it, a large one is in era 0 (the past). */
  near = ts(ERA1_UNIX + 10, 0);
  UTI_Ntp64ToTimespec(0xfffffff0ULL << 32, &near, &out);
  ck_assert_int_eq(out.tv_sec, ERA1_UNIX - 16);
  /* Against a 1900 reference the same timestamp is at the end of era -1 (1899). */
  near = ts(NTP_EPOCH_UNIX + 10, 0);
  UTI_Ntp64ToTimespec(0xfffffff0ULL << 32, &near, &out);
  ck_assert_int_eq(out.tv_sec, NTP_EPOCH_UNIX - 16);
  /* The reference picks the era: 2^31 - 1 s ahead is kept ahead, 2^31 + 1 s wraps behind. */
  near = ts(0, 0);
  UTI_Ntp64ToTimespec((uint64_t)(2208988800ULL + (1ULL << 31) - 1) << 32, &near, &out);
  ck_assert_int_eq(out.tv_sec, (1LL << 31) - 1);
  UTI_Ntp64ToTimespec((uint64_t)((2208988800ULL + (1ULL << 31) + 1) & 0xffffffffu) << 32, &near,
                      &out);
  ck_assert_int_eq(out.tv_sec, (1LL << 31) + 1 - (1LL << 32));
  /* NTP zero against a 2036 reference is the rollover instant, not 1900. */
  near = ts(ERA1_UNIX + 3600, 0);
  UTI_Ntp64ToTimespec(0, &near, &out);
  ck_assert_int_eq(out.tv_sec, ERA1_UNIX);
  ck_assert_int_eq(out.tv_nsec, 0);
  /* A reference near the end of time_t saturates instead of wrapping. */
  near = ts(INT64_MAX, 0);
  UTI_Ntp64ToTimespec(UTI_TimespecToNtp64(&near) + (100ULL << 32), &near, &out);
  ck_assert_int_eq(out.tv_sec, INT64_MAX);
  /* An unnormalised reference is normalised first. */
  near = ts(ERA1_UNIX - 11, 1000000000L * 2);
  UTI_Ntp64ToTimespec(5ULL << 32, &near, &out);
  ck_assert_int_eq(out.tv_sec, ERA1_UNIX + 5);
}
END_TEST

START_TEST(test_short_format)
{
  ck_assert_uint_eq(UTI_DoubleToNtp32(0.0), 0);
  ck_assert_uint_eq(UTI_DoubleToNtp32(1.5), 0x00018000u);
  ck_assert_uint_eq(UTI_DoubleToNtp32(1.0 / 65536), 1);
  ck_assert_uint_eq(UTI_DoubleToNtp32(0.4 / 65536), 0);
  ck_assert_uint_eq(UTI_DoubleToNtp32(0.6 / 65536), 1);
  ck_assert_uint_eq(UTI_DoubleToNtp32(0.015625), 0x00000400u);
  /* Clamping: negatives and NaN to 0, large values and infinity to the maximum. */
  ck_assert_uint_eq(UTI_DoubleToNtp32(-1.0), 0);
  ck_assert_uint_eq(UTI_DoubleToNtp32(-INFINITY), 0);
  ck_assert_uint_eq(UTI_DoubleToNtp32(NAN), 0);
  ck_assert_uint_eq(UTI_DoubleToNtp32(-NAN), 0);
  ck_assert_uint_eq(UTI_DoubleToNtp32(65535.99998), 0xffffffffu);
  ck_assert_uint_eq(UTI_DoubleToNtp32(65536.0), 0xffffffffu);
  ck_assert_uint_eq(UTI_DoubleToNtp32(1e300), 0xffffffffu);
  ck_assert_uint_eq(UTI_DoubleToNtp32(INFINITY), 0xffffffffu);
  ck_assert_uint_eq(UTI_DoubleToNtp32(65535.0), 0xffff0000u);

  ck_assert_double_eq(UTI_Ntp32ToDouble(0x00018000u), 1.5);
  ck_assert_double_eq(UTI_Ntp32ToDouble(0), 0.0);
  ck_assert_double_eq(UTI_Ntp32ToDouble(0xffffffffu), 4294967295.0 / 65536.0);
  ck_assert_uint_eq(UTI_DoubleToNtp32(UTI_Ntp32ToDouble(0x12345678u)), 0x12345678u);
}
END_TEST

START_TEST(test_log2)
{
  ck_assert_int_eq(UTI_Log2Seconds(1.0), 0);
  ck_assert_int_eq(UTI_Log2Seconds(2.0), 1);
  ck_assert_int_eq(UTI_Log2Seconds(3.0), 2);   /* 1.58 */
  ck_assert_int_eq(UTI_Log2Seconds(1.41), 0);  /* 0.496 */
  ck_assert_int_eq(UTI_Log2Seconds(1.42), 1);  /* 0.506 */
  ck_assert_int_eq(UTI_Log2Seconds(64.0), 6);
  ck_assert_int_eq(UTI_Log2Seconds(1024.0), 10);
  ck_assert_int_eq(UTI_Log2Seconds(0.015625), -6);
  ck_assert_int_eq(UTI_Log2Seconds(0.7), -1);  /* -0.51 */
  ck_assert_int_eq(UTI_Log2Seconds(0.71), 0);  /* -0.494 */
  ck_assert_int_eq(UTI_Log2Seconds(1e-9), -30); /* -29.9 */
  ck_assert_int_eq(UTI_Log2Seconds(2e-8), -26); /* -25.6 */
  ck_assert_int_eq(UTI_Log2Seconds(0.0), -128);
  ck_assert_int_eq(UTI_Log2Seconds(-1.0), -128);
  ck_assert_int_eq(UTI_Log2Seconds(NAN), -128);
  ck_assert_int_eq(UTI_Log2Seconds(1e-300), -128);
  ck_assert_int_eq(UTI_Log2Seconds(1e300), 127);
  ck_assert_int_eq(UTI_Log2Seconds(INFINITY), 127);
  ck_assert_int_eq(UTI_Log2Seconds(ldexp(1.0, 127)), 127);
  ck_assert_int_eq(UTI_Log2Seconds(ldexp(1.0, -128)), -128);
  ck_assert_int_eq(UTI_Log2Seconds(ldexp(1.0, -127)), -127);

  ck_assert_double_eq(UTI_Log2ToDouble(0), 1.0);
  ck_assert_double_eq(UTI_Log2ToDouble(10), 1024.0);
  ck_assert_double_eq(UTI_Log2ToDouble(-6), 0.015625);
  ck_assert_double_eq(UTI_Log2ToDouble(-20), 1.0 / 1048576.0);
  ck_assert(UTI_Log2ToDouble(-10000) > 0.0);
  ck_assert(isfinite(UTI_Log2ToDouble(10000)));
  for (int e = -128; e <= 127; e++) {
    ck_assert_int_eq(UTI_Log2Seconds(UTI_Log2ToDouble(e)), e);
  }
}
END_TEST

START_TEST(test_timespec_arith)
{
  struct timespec a, b, out;

  a = ts(10, 0);
  b = ts(9, 999999999);
  ck_assert_double_eq_tol(UTI_DiffTimespecs(&a, &b), 1e-9, 1e-15);
  ck_assert_double_eq_tol(UTI_DiffTimespecs(&b, &a), -1e-9, 1e-15);
  a = ts(ERA1_UNIX, 250000000);
  b = ts(ERA1_UNIX - 100, 750000000);
  ck_assert_double_eq_tol(UTI_DiffTimespecs(&a, &b), 99.5, 1e-12);
  a = ts(INT64_MAX, 0);
  b = ts(INT64_MIN, 0);
  ck_assert_double_eq_tol(UTI_DiffTimespecs(&a, &b), 18446744073709551615.0, 1e5);

  a = ts(10, 500000000);
  UTI_AddDoubleToTimespec(&a, 0.75, &out);
  ck_assert_int_eq(out.tv_sec, 11);
  ck_assert_int_eq(out.tv_nsec, 250000000);
  UTI_AddDoubleToTimespec(&a, -0.75, &out);
  ck_assert_int_eq(out.tv_sec, 9);
  ck_assert_int_eq(out.tv_nsec, 750000000);
  UTI_AddDoubleToTimespec(&a, -20.5, &out);
  ck_assert_int_eq(out.tv_sec, -10);
  ck_assert_int_eq(out.tv_nsec, 0);
  a = ts(0, 0);
  UTI_AddDoubleToTimespec(&a, -1e-9, &out);
  ck_assert_int_eq(out.tv_sec, -1);
  ck_assert_int_eq(out.tv_nsec, 999999999);
  UTI_AddDoubleToTimespec(&a, 0.9999999999, &out); /* rounds to the next second */
  ck_assert_int_eq(out.tv_sec, 1);
  ck_assert_int_eq(out.tv_nsec, 0);
  UTI_AddDoubleToTimespec(&a, NAN, &out);
  ck_assert(UTI_IsZeroTs(&out));
  a = ts(INT64_MAX - 5, 0);
  UTI_AddDoubleToTimespec(&a, 1e300, &out);
  ck_assert_int_eq(out.tv_sec, INT64_MAX);
  a = ts(INT64_MIN + 5, 0);
  UTI_AddDoubleToTimespec(&a, -INFINITY, &out);
  ck_assert_int_eq(out.tv_sec, INT64_MIN);
  ck_assert_int_ge(out.tv_nsec, 0);
  /* In place is allowed. */
  a = ts(1, 0);
  UTI_AddDoubleToTimespec(&a, 1.5, &a);
  ck_assert_int_eq(a.tv_sec, 2);
  ck_assert_int_eq(a.tv_nsec, 500000000);
}
END_TEST

START_TEST(test_normalise_compare)
{
  struct timespec a, b;

  a = ts(0, -1);
  UTI_NormaliseTimespec(&a);
  ck_assert_int_eq(a.tv_sec, -1);
  ck_assert_int_eq(a.tv_nsec, 999999999);
  a = ts(0, 2500000000L);
  UTI_NormaliseTimespec(&a);
  ck_assert_int_eq(a.tv_sec, 2);
  ck_assert_int_eq(a.tv_nsec, 500000000);
  a = ts(5, -2500000000L);
  UTI_NormaliseTimespec(&a);
  ck_assert_int_eq(a.tv_sec, 2);
  ck_assert_int_eq(a.tv_nsec, 500000000);
  a = ts(7, -1000000000L);
  UTI_NormaliseTimespec(&a);
  ck_assert_int_eq(a.tv_sec, 6);
  ck_assert_int_eq(a.tv_nsec, 0);

  a = ts(1, 0);
  b = ts(1, 1);
  ck_assert_int_eq(UTI_CompareTimespecs(&a, &b), -1);
  ck_assert_int_eq(UTI_CompareTimespecs(&b, &a), 1);
  ck_assert_int_eq(UTI_CompareTimespecs(&a, &a), 0);
  b = ts(0, 1000000000L); /* unnormalised, equal to a */
  ck_assert_int_eq(UTI_CompareTimespecs(&a, &b), 0);
  b = ts(-5, 999999999);
  ck_assert_int_eq(UTI_CompareTimespecs(&a, &b), 1);

  a = ts(0, 0);
  ck_assert(UTI_IsZeroTs(&a));
  a = ts(0, 1);
  ck_assert(!UTI_IsZeroTs(&a));
  a = ts(1, 0);
  ck_assert(!UTI_IsZeroTs(&a));
}
END_TEST

Suite *
util_suite(void)
{
  Suite *s = suite_create("util");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_to_ntp_epochs);
  tcase_add_test(tc, test_fraction_rounding);
  tcase_add_test(tc, test_ns_round_trip);
  tcase_add_test(tc, test_eras);
  tcase_add_test(tc, test_era_choice);
  tcase_add_test(tc, test_short_format);
  tcase_add_test(tc, test_log2);
  tcase_add_test(tc, test_timespec_arith);
  tcase_add_test(tc, test_normalise_compare);
  suite_add_tcase(s, tc);
  return s;
}
