/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_discipline.c - unit tests of the clock discipline (discipline.c). */
#include <math.h>
#include <string.h>

#include "discipline.h"
#include "suites.h"
#include "util.h"

static struct timespec at(double t)
{
  struct timespec ts = {1000, 0};

  UTI_AddDoubleToTimespec(&ts, t, &ts);
  return ts;
}

static DSC_Input inp(double offset, double sd, double resid, double skew)
{
  DSC_Input in;

  in.offset = offset;
  in.offset_sd = sd;
  in.resid_freq_ppm = resid;
  in.skew_ppm = skew;
  return in;
}

/* Old estimate and measurement weighted by 1/skew^2. */
START_TEST(test_frequency_weights)
{
  DSC_Params p;
  DSC_State *d;
  DSC_Input in;
  DSC_Result r;
  struct timespec t = at(0);
  double f, sk;

  DSC_DefaultParams(&p);
  p.initial_freq = 10.0;
  p.initial_skew = 1.0;
  d = DSC_Create(&p);
  /* resid -10: the clock is 10 ppm slow at the applied 10 ppm -> measurement 20 ppm */
  in = inp(0.0, 1e-6, -10.0, 1.0);
  DSC_Update(d, &in, &t, 64, 0, &r);
  DSC_GetFrequency(d, &f, &sk);
  ck_assert(r.freq_updated);
  ck_assert_double_eq_tol(f, 15.0, 1e-9);
  ck_assert(sk >= 1.0);   /* two estimates 10 ppm apart are not more certain than either */
  DSC_Destroy(d);

  d = DSC_Create(&p);
  in = inp(0.0, 1e-6, -10.0, 2.0);   /* weight 1/4 */
  DSC_Update(d, &in, &t, 64, 0, &r);
  DSC_GetFrequency(d, &f, &sk);
  ck_assert_double_eq_tol(f, (10.0 * 1.0 + 20.0 * 0.25) / 1.25, 1e-9);
  DSC_Destroy(d);
}
END_TEST

START_TEST(test_maxupdateskew_and_maxdrift)
{
  DSC_Params p;
  DSC_State *d;
  DSC_Input in;
  DSC_Result r;
  struct timespec t = at(0);
  double f, sk;

  DSC_DefaultParams(&p);
  p.initial_freq = 3.0;
  p.initial_skew = 100.0;
  d = DSC_Create(&p);
  in = inp(0.0, 1e-6, -50.0, 2000.0);  /* skew above maxupdateskew 1000 */
  DSC_Update(d, &in, &t, 64, 0, &r);
  DSC_GetFrequency(d, &f, &sk);
  ck_assert(!r.freq_updated);
  ck_assert_double_eq(f, 3.0);
  in = inp(0.0, 1e-6, -897.0, 0.001);  /* measurement 900 ppm: clamped to maxdrift 500 */
  DSC_Update(d, &in, &t, 64, 0, &r);
  DSC_GetFrequency(d, &f, &sk);
  ck_assert_double_eq(f, 500.0);
  ck_assert_double_eq(r.freq_ppm, 500.0);
  DSC_Destroy(d);
}
END_TEST

/* Slew: rate = offset / T with T = corrtimeratio * interval * (sd/2) / |offset|. */
START_TEST(test_slew_duration)
{
  DSC_Params p;
  DSC_State *d;
  DSC_Input in;
  DSC_Result r;
  struct timespec t = at(0), end, mid = at(4.8), fin = at(9.6);
  double T = 3.0 * 64 * 0.5 * 1e-4 / 1e-3;

  DSC_DefaultParams(&p);
  p.initial_skew = 0.01;
  d = DSC_Create(&p);
  in = inp(1e-3, 1e-4, 0.0, 0.01);
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_SLEWED);
  ck_assert_double_eq_tol(r.freq_ppm, 1e-3 / T * 1e6, 1e-6);
  ck_assert_double_eq_tol(r.dfreq_ppm, r.freq_ppm, 1e-12);
  ck_assert(DSC_NextEvent(d, &end));
  ck_assert_double_eq_tol(UTI_DiffTimespecs(&end, &t), T, 1e-9);
  ck_assert_double_eq_tol(DSC_RemainingOffset(d, &mid), 0.5e-3, 1e-12);
  ck_assert(!DSC_OnTimer(d, &mid, &r));
  ck_assert(DSC_OnTimer(d, &fin, &r));
  ck_assert_double_eq_tol(r.freq_ppm, 0.0, 1e-12);
  ck_assert_double_eq_tol(r.dfreq_ppm, -1e-3 / T * 1e6, 1e-6);
  ck_assert(!DSC_NextEvent(d, &end));
  DSC_Destroy(d);
}
END_TEST

/* A large offset is slewed at no more than maxslewrate. */
START_TEST(test_slew_clamped)
{
  DSC_Params p;
  DSC_State *d;
  DSC_Input in;
  DSC_Result r;
  struct timespec t = at(0), end;

  DSC_DefaultParams(&p);
  d = DSC_Create(&p);
  in = inp(-1.0, 1e-6, 0.0, 1e6);
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_double_eq_tol(r.freq_ppm, -83333.333, 1e-6);
  DSC_NextEvent(d, &end);
  ck_assert_double_eq_tol(UTI_DiffTimespecs(&end, &t), 1.0 / 0.083333333, 1e-6);
  DSC_Destroy(d);
}
END_TEST

START_TEST(test_makestep_limit)
{
  DSC_Params p;
  DSC_State *d;
  DSC_Input in = inp(5.0, 1e-3, 0.0, 1e6);
  DSC_Result r;
  struct timespec t = at(0);
  int i;

  DSC_DefaultParams(&p);
  p.makestep_threshold = 1.0;
  p.makestep_limit = 3;
  d = DSC_Create(&p);
  for (i = 0; i < 3; i++) {
    DSC_Update(d, &in, &t, 64, 0, &r);
    ck_assert_int_eq(r.verdict, DSC_STEPPED);
    ck_assert_double_eq(r.step_offset, 5.0);
  }
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_SLEWED);
  in.offset = 0.5;   /* below the threshold: slewed */
  DSC_Update(d, &in, &t, 64, 1, &r);   /* ... unless forced (chronyc makestep) */
  ck_assert_int_eq(r.verdict, DSC_STEPPED);
  DSC_Destroy(d);

  p.makestep_limit = -1;   /* any time */
  d = DSC_Create(&p);
  in.offset = 2.0;
  for (i = 0; i < 10; i++) {
    DSC_Update(d, &in, &t, 64, 0, &r);
    ck_assert_int_eq(r.verdict, DSC_STEPPED);
  }
  DSC_Destroy(d);
  p.makestep_limit = 0;    /* never */
  d = DSC_Create(&p);
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_SLEWED);
  DSC_Destroy(d);
}
END_TEST

/* maxchange 1 1 2: the first update is free, then two ignored, then fatal. */
START_TEST(test_maxchange)
{
  DSC_Params p;
  DSC_State *d;
  DSC_Input in = inp(5.0, 1e-3, 0.0, 1e6);
  DSC_Result r;
  struct timespec t = at(0);

  DSC_DefaultParams(&p);
  p.maxchange_offset = 1.0;
  p.maxchange_start = 1;
  p.maxchange_ignore = 2;
  d = DSC_Create(&p);
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_SLEWED);
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_IGNORED);
  ck_assert_double_eq(r.dfreq_ppm, 0.0);
  in.offset = 0.01;   /* small ones pass in between */
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_SLEWED);
  in.offset = -3.0;
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_IGNORED);
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_FATAL);
  ck_assert_int_eq(DSC_UpdateCount(d), 2);
  in.offset = NAN;
  DSC_Update(d, &in, &t, 64, 0, &r);
  ck_assert_int_eq(r.verdict, DSC_IGNORED);
  DSC_Destroy(d);
}
END_TEST

START_TEST(test_bad_params)
{
  DSC_Params p;

  DSC_DefaultParams(&p);
  p.maxslewrate = 0;
  ck_assert_ptr_null(DSC_Create(&p));
  DSC_DefaultParams(&p);
  p.initial_freq = NAN;
  ck_assert_ptr_null(DSC_Create(&p));
}
END_TEST

Suite *discipline_suite(void)
{
  Suite *s = suite_create("discipline");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_frequency_weights);
  tcase_add_test(tc, test_maxupdateskew_and_maxdrift);
  tcase_add_test(tc, test_slew_duration);
  tcase_add_test(tc, test_slew_clamped);
  tcase_add_test(tc, test_makestep_limit);
  tcase_add_test(tc, test_maxchange);
  tcase_add_test(tc, test_bad_params);
  suite_add_tcase(s, tc);
  return s;
}
