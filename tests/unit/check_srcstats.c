/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_srcstats.c - unit tests of the per-source regression (srcstats.c). */
#include <math.h>
#include <string.h>

#include "srcstats.h"
#include "suites.h"
#include "util.h"

#define T0 1800000000

static SST_Sample mk(double t, double offset, double delay)
{
  SST_Sample m;

  memset(&m, 0, sizeof(m));
  m.time.tv_sec = T0 + (time_t)floor(t);
  m.time.tv_nsec = (long)llround((t - floor(t)) * 1e9);
  m.offset = offset;
  m.delay = delay;
  m.dispersion = 1e-6;
  m.root_delay = 2e-3;
  m.root_dispersion = 1e-3;
  m.stratum = 1;
  return m;
}

static struct timespec ts_at(double t)
{
  return mk(t, 0, 0).time;
}

/* Exact linear data: the fit must reproduce slope and intercept. */
START_TEST(test_linear_exact)
{
  SST_Stats *s = SST_Create();
  SST_Estimate e;
  struct timespec t;
  double off, err;
  int i;

  for (i = 0; i < 10; i++) {
    SST_Sample m = mk(16.0 * i, 1e-3 - 20e-6 * 16.0 * i, 1e-3);

    ck_assert_int_eq(SST_AddSample(s, &m), SST_ADDED);
  }
  ck_assert(SST_GetEstimate(s, &e));
  ck_assert_int_eq(e.n_samples, 10);
  ck_assert_double_eq_tol(e.freq_ppm, 20.0, 1e-6);   /* offset falls: local fast */
  ck_assert_double_eq_tol(e.offset, 1e-3 - 20e-6 * 144.0, 1e-12);
  ck_assert_double_eq_tol(e.span, 144.0, 1e-9);
  ck_assert(e.std_dev < 1e-8);
  ck_assert(e.skew_ppm < 0.01);
  t = ts_at(200.0);
  ck_assert(SST_PredictOffset(s, &t, &off, &err));
  ck_assert_double_eq_tol(off, 1e-3 - 20e-6 * 200.0, 1e-12);
  SST_Destroy(s);
}
END_TEST

/* A kink (the frequency changed): the runs test drops the samples before it. */
START_TEST(test_runs_drop_kink)
{
  SST_Stats *s = SST_Create();
  SST_Estimate e;
  int i;

  for (i = 0; i < 30; i++) {
    double t = 64.0 * i, noise = (i % 2 ? 1e-6 : -1e-6);
    double off = i < 20 ? 0.0 : 50e-6 * (t - 64.0 * 19);
    SST_Sample m = mk(t, off + noise, 1e-3);

    ck_assert_int_eq(SST_AddSample(s, &m), SST_ADDED);
  }
  ck_assert(SST_GetEstimate(s, &e));
  ck_assert_msg(e.n_samples < 20, "kept %d samples", e.n_samples);
  ck_assert_double_eq_tol(e.freq_ppm, -50.0, 1.0);
  SST_Destroy(s);
}
END_TEST

/* A sample with a delay far above the minimum is dropped; a lasting change is followed. */
START_TEST(test_delay_outlier)
{
  SST_Stats *s = SST_Create();
  SST_Estimate e;
  SST_Sample m;
  int i;

  for (i = 0; i < 8; i++) {
    m = mk(16.0 * i, i % 2 ? 1e-6 : -1e-6, 1e-3);
    ck_assert_int_eq(SST_AddSample(s, &m), SST_ADDED);
  }
  m = mk(16.0 * 8, 20e-3, 50e-3);
  ck_assert_int_eq(SST_AddSample(s, &m), SST_REJECT_DELAY);
  ck_assert(SST_GetEstimate(s, &e));
  ck_assert_int_eq(e.n_samples, 8);
  ck_assert(fabs(e.offset) < 5e-6);
  for (i = 9; i < 12; i++) {
    m = mk(16.0 * i, 0, 50e-3);
    ck_assert_int_eq(SST_AddSample(s, &m), SST_REJECT_DELAY);
  }
  m = mk(16.0 * 12, 0, 50e-3);
  ck_assert_int_eq(SST_AddSample(s, &m), SST_ADDED);
  SST_Destroy(s);
}
END_TEST

/* A frequency change: slope moves by exactly -dfreq, the offset at t0 stays. */
START_TEST(test_shift_frequency)
{
  SST_Stats *s = SST_Create();
  SST_Estimate e0, e1;
  struct timespec t0 = ts_at(300.0);
  double off0, off1, err;
  int i;

  for (i = 0; i < 10; i++) {
    SST_Sample m = mk(16.0 * i, 5e-3 - 30e-6 * 16.0 * i, 1e-3);

    SST_AddSample(s, &m);
  }
  SST_GetEstimate(s, &e0);
  SST_PredictOffset(s, &t0, &off0, &err);
  /* the clock is made 10 ppm faster at t0 */
  SST_ShiftFrequency(s, 10e-6, &t0);
  SST_GetEstimate(s, &e1);
  SST_PredictOffset(s, &t0, &off1, &err);
  ck_assert_double_eq_tol(off1, off0, 1e-10);
  /* exact to first order; the times move too, which scales the slope by (1 + dfreq) */
  ck_assert_double_eq_tol(e1.freq_ppm, e0.freq_ppm + 10.0, 1e-3);
  /* a sample long before t0 gained dfreq * (t0 - t_i) */
  ck_assert_double_eq_tol(e1.offset, e0.offset + 10e-6 * (300.0 - 144.0), 1e-9);
  SST_Destroy(s);
}
END_TEST

/* A step of +0.5 s: offsets fall by 0.5 s, times move by 0.5 s, frequency unchanged. */
START_TEST(test_shift_step)
{
  SST_Stats *s = SST_Create();
  SST_Estimate e0, e1;
  struct timespec t = ts_at(200.0), t2 = ts_at(200.5);
  double off0, off1, err;
  int i;

  for (i = 0; i < 10; i++) {
    SST_Sample m = mk(16.0 * i, 0.6 + 1e-6 * 16.0 * i, 1e-3);

    SST_AddSample(s, &m);
  }
  SST_GetEstimate(s, &e0);
  SST_PredictOffset(s, &t, &off0, &err);
  SST_ShiftStep(s, 0.5);
  SST_GetEstimate(s, &e1);
  SST_PredictOffset(s, &t2, &off1, &err);
  ck_assert_double_eq_tol(off1, off0 - 0.5, 1e-10);
  ck_assert_double_eq_tol(e1.freq_ppm, e0.freq_ppm, 1e-6);
  ck_assert_double_eq_tol(UTI_DiffTimespecs(&e1.ref_time, &e0.ref_time), 0.5, 1e-9);
  SST_Destroy(s);
}
END_TEST

/* A jump of the source's time is held back once, then followed. */
START_TEST(test_jump_confirmed)
{
  SST_Stats *s = SST_Create();
  SST_Estimate e;
  SST_Sample m;
  int i;

  for (i = 0; i < 10; i++) {
    m = mk(64.0 * i, i % 2 ? 1e-6 : -1e-6, 1e-3);
    SST_AddSample(s, &m);
  }
  m = mk(640.0, 10.0, 1e-3);
  ck_assert_int_eq(SST_AddSample(s, &m), SST_REJECT_JUMP);
  SST_GetEstimate(s, &e);
  ck_assert(fabs(e.offset) < 1e-5);
  m = mk(704.0, 10.0, 1e-3);
  ck_assert_int_eq(SST_AddSample(s, &m), SST_ADDED);
  SST_GetEstimate(s, &e);
  ck_assert_int_eq(e.n_samples, 2);
  ck_assert_double_eq_tol(e.offset, 10.0, 1e-6);
  SST_Destroy(s);
}
END_TEST

START_TEST(test_invalid_and_distance)
{
  SST_Stats *s = SST_Create();
  SST_Sample m = mk(100.0, NAN, 1e-3);
  struct timespec t;
  double d0, d1;

  ck_assert_int_eq(SST_AddSample(s, &m), SST_REJECT_INVALID);
  m = mk(100.0, 0, -1.0);
  ck_assert_int_eq(SST_AddSample(s, &m), SST_REJECT_INVALID);
  ck_assert(SST_RootDistance(s, &m.time) >= 1e9);
  m = mk(100.0, 0, 1e-3);
  ck_assert_int_eq(SST_AddSample(s, &m), SST_ADDED);
  m = mk(99.0, 0, 1e-3);   /* older than the newest */
  ck_assert_int_eq(SST_AddSample(s, &m), SST_REJECT_INVALID);
  ck_assert_int_eq(SST_Count(s), 1);
  t = ts_at(100.0);
  d0 = SST_RootDistance(s, &t);
  /* (2 ms + 1 ms)/2 + 1 ms + 1 us + sd(1e-9) */
  ck_assert_double_eq_tol(d0, 1.5e-3 + 1e-3 + 1e-6, 1e-8);
  t = ts_at(1100.0);
  d1 = SST_RootDistance(s, &t);
  ck_assert(d1 - d0 >= SST_PHI * 1000.0 - 1e-12);
  SST_Reset(s);
  ck_assert_int_eq(SST_Count(s), 0);
  SST_Destroy(s);
}
END_TEST

Suite *srcstats_suite(void)
{
  Suite *s = suite_create("srcstats");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_linear_exact);
  tcase_add_test(tc, test_runs_drop_kink);
  tcase_add_test(tc, test_delay_outlier);
  tcase_add_test(tc, test_shift_frequency);
  tcase_add_test(tc, test_shift_step);
  tcase_add_test(tc, test_jump_confirmed);
  tcase_add_test(tc, test_invalid_and_distance);
  suite_add_tcase(s, tc);
  return s;
}
