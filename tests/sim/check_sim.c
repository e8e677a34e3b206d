/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_sim.c - the sync engine against the simulator, with chrony-style limits: each test
 * runs one scenario of tests/sim/scenario.c with a fixed seed (deterministic) and checks
 * what happened to the clock, measured against true time.  Its own Check runner.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static void run_named(const char *name, uint64_t seed, SCN_Scenario *sc, SCN_Metrics *m)
{
  ck_assert_msg(SCN_Named(name, seed, sc), "unknown scenario %s", name);
  ck_assert_msg(SCN_Run(sc, m), "scenario %s failed to set up", name);
  printf("%-9s seed %llu: sync %.0f s, rms %.1f us, max settled %.1f us, rms late %.1f us, "
         "rms freq %.3f ppm, steps %d, fatal %d @%.0f, towards liar %.1f us, status %.*s\n",
         name, (unsigned long long)seed, m->sync_time, m->rms_offset * 1e6,
         m->max_settled * 1e6, m->rms_late * 1e6, m->rms_freq, m->steps, m->fatal,
         m->fatal_time, m->max_towards_liar * 1e6, sc->n_servers, m->status);
}

/* (a) 100 ppm and 0.1 s off, one server 100 us away with exponential jitter: slewed (no
   step) to within 1 ms in 300 s, RMS error under 100 us from then on. */
START_TEST(test_slew)
{
  SCN_Scenario sc;
  SCN_Metrics m;

  run_named("slew", 1, &sc, &m);
  ck_assert_int_eq(m.steps, 0);
  ck_assert(m.sync_time >= 0 && m.sync_time <= 300.0);
  ck_assert_msg(m.rms_offset < 100e-6, "rms %.1f us", m.rms_offset * 1e6);
  ck_assert_msg(m.max_settled < 1e-3, "max after 300 s %.1f us", m.max_settled * 1e6);
  ck_assert_msg(m.rms_freq < 10.0, "rms freq %.3f ppm", m.rms_freq);
  ck_assert(m.synchronised_end);
  ck_assert_int_eq(m.status[0], '*');
}
END_TEST

/* (b) three servers, one an hour ahead: it is a falseticker and the clock never moves
   towards it. */
START_TEST(test_liar)
{
  SCN_Scenario sc;
  SCN_Metrics m;

  run_named("liar", 1, &sc, &m);
  ck_assert_int_eq(m.status[2], 'x');
  ck_assert(m.status[0] == '*' || m.status[1] == '*');
  ck_assert_msg(m.max_towards_liar < 1e-3, "towards liar %.1f us", m.max_towards_liar * 1e6);
  ck_assert_msg(m.max_settled < 1e-3, "max after 300 s %.1f us", m.max_settled * 1e6);
  ck_assert_msg(m.rms_offset < 100e-6, "rms %.1f us", m.rms_offset * 1e6);
  ck_assert(m.synchronised_end);
}
END_TEST

/* (c) the only server is silent for 2000 s: the clock holds (frequency known), and the
   engine takes samples again when it returns. */
START_TEST(test_outage)
{
  SCN_Scenario sc;
  SCN_Metrics m;

  run_named("outage", 1, &sc, &m);
  ck_assert_msg(m.max_settled < 1e-3, "max after 300 s %.1f us", m.max_settled * 1e6);
  ck_assert_msg(m.last_update_time > sc.server[0].outage_end, "last update %.0f",
                m.last_update_time);
  ck_assert_msg(m.rms_late < 100e-6, "rms late %.1f us", m.rms_late * 1e6);
  ck_assert(m.synchronised_end);
}
END_TEST

/* (d) the server rate-limits and answers RATE KoD: the poll backs off to the server's
   interval, no KoD becomes a sample, and the clock still synchronises. */
START_TEST(test_kod)
{
  SCN_Scenario sc;
  SCN_Metrics m;

  run_named("kod", 1, &sc, &m);
  ck_assert_msg(m.kod_rx[0] > 0, "no KoD received");
  ck_assert_uint_eq(m.kod_rx[0], m.kod_sent[0]);
  ck_assert_msg(m.samples[0] <= m.replied[0], "samples %llu > replies %llu",
                (unsigned long long)m.samples[0], (unsigned long long)m.replied[0]);
  ck_assert_int_ge(m.poll[0], sc.server[0].kod_interval);
  ck_assert_msg(m.rms_late < 100e-6, "rms late %.1f us", m.rms_late * 1e6);
  ck_assert(fabs(m.final_error) < 1e-3);
  ck_assert(m.synchronised_end);
}
END_TEST

/* (e) the server jumps 10 s ahead at t = 3000 with maxchange 1 1 2: the clock does not
   follow; the jump is ignored twice and then reported as fatal. */
START_TEST(test_maxchange)
{
  SCN_Scenario sc;
  SCN_Metrics m;

  run_named("maxchange", 1, &sc, &m);
  ck_assert_int_eq(m.fatal, 1);
  ck_assert(m.fatal_time > 3000.0);
  ck_assert_msg(m.max_towards_liar < 1e-3, "followed the jump: %.6f s", m.max_towards_liar);
  ck_assert_msg(m.max_settled < 1e-3, "max after 300 s %.1f us", m.max_settled * 1e6);
  ck_assert_int_eq(m.steps, 0);
}
END_TEST

/* (f) makestep 1 3 with 10 s of initial error: one step at the start, then in sync. */
START_TEST(test_makestep)
{
  SCN_Scenario sc;
  SCN_Metrics m;

  run_named("makestep", 1, &sc, &m);
  ck_assert_int_eq(m.steps, 1);
  ck_assert(fabs(m.stepped - 10.0) < 0.01);
  ck_assert(m.sync_time >= 0 && m.sync_time <= 300.0);
  ck_assert_msg(m.rms_offset < 100e-6, "rms %.1f us", m.rms_offset * 1e6);
  ck_assert_msg(m.max_settled < 1e-3, "max after 300 s %.1f us", m.max_settled * 1e6);
}
END_TEST

/* A seed fixes everything: two runs give the same figures to the bit. */
START_TEST(test_deterministic)
{
  SCN_Scenario sc;
  SCN_Metrics a, b;

  ck_assert(SCN_Named("liar", 7, &sc));
  ck_assert(SCN_Run(&sc, &a));
  ck_assert(SCN_Run(&sc, &b));
  ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
  ck_assert(!SCN_Named("no-such", 1, &sc));
}
END_TEST

/* Without makestep a 10 s error is slewed (never stepped), at no more than maxslewrate. */
START_TEST(test_no_step_without_makestep)
{
  SCN_Scenario sc;
  SCN_Metrics m;

  ck_assert(SCN_Named("makestep", 3, &sc));
  sc.cfg.makestep_threshold = 0;
  sc.cfg.makestep_limit = 0;
  sc.duration = 2000;
  ck_assert(SCN_Run(&sc, &m));
  ck_assert_int_eq(m.steps, 0);
  /* 10 s at 83333 ppm takes at least 120 s */
  ck_assert(m.sync_time >= 120.0);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("sim");
  TCase *tc = tcase_create("scenarios");
  SRunner *r;
  int failed;

  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, test_slew);
  tcase_add_test(tc, test_liar);
  tcase_add_test(tc, test_outage);
  tcase_add_test(tc, test_kod);
  tcase_add_test(tc, test_maxchange);
  tcase_add_test(tc, test_makestep);
  tcase_add_test(tc, test_deterministic);
  tcase_add_test(tc, test_no_step_without_makestep);
  suite_add_tcase(s, tc);
  r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
