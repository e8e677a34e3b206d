/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_sync.c - unit tests of the sync engine (sync.c) with two hand-driven servers: the
   real server core answers the engine's requests, and the test carries out its actions. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "addrfilt.h"
#include "ntp_server.h"
#include "suites.h"
#include "sync.h"
#include "util.h"

#define T0 1800000000

typedef struct {
  SYN_Engine *e;
  NSV_Server *srv;
  ADF_Table *acl;
  int ids[2];
  double t;          /* true time since start */
  double coff;       /* client clock - true */
  int steps;
  double stepped;
  int set_freqs;
} Rig;

static void rig_now(const Rig *r, SYN_Now *now)
{
  struct timespec base = {T0, 0}, mono = {100, 0};

  UTI_AddDoubleToTimespec(&base, r->t + r->coff, &now->real);
  UTI_AddDoubleToTimespec(&mono, r->t, &now->mono);
}

static void rig_apply(Rig *r, const SYN_Actions *a)
{
  if (a->step) {
    r->coff += a->step_offset;
    r->steps++;
    r->stepped += a->step_offset;
  }
  r->set_freqs += a->set_freq;
}

static void rig_init(Rig *r, const SYN_Config *cfg, double coff)
{
  SYN_SourceConfig sc;
  SYN_Now now;
  IPAddr any;
  int i;

  memset(r, 0, sizeof(*r));
  r->coff = coff;
  rig_now(r, &now);
  r->e = SYN_Create(cfg, 42, &now);
  ck_assert_ptr_nonnull(r->e);
  memset(&any, 0, sizeof(any));
  r->acl = ADF_Create();
  ck_assert(ADF_AddRule(r->acl, &any, 0, 1, 0));
  r->srv = NSV_Create(r->acl, NULL);
  for (i = 0; i < 2; i++) {
    memset(&sc, 0, sizeof(sc));
    snprintf(sc.name, sizeof(sc.name), "192.0.2.%d", i + 1);
    ck_assert(ADDR_Parse(sc.name, &sc.ntp.addr));
    sc.ntp.port = 123;
    sc.ntp.minpoll = 6;
    sc.ntp.maxpoll = 10;
    sc.ntp.iburst = 1;
    sc.ntp.maxdelay = 3.0;
    sc.ntp.version = 4;
    r->ids[i] = SYN_AddSource(r->e, &sc, &now);
    ck_assert_int_ge(r->ids[i], 0);
  }
  ck_assert_uint_eq(SYN_SourceCount(r->e), 2);
}

static void rig_free(Rig *r)
{
  SYN_Destroy(r->e);
  NSV_Destroy(r->srv);
  ADF_Destroy(r->acl);
}

/* Answer every request of acts with the server (true time, stratum 1) over a 200 us round
   trip, 40 us asymmetric between the sources. */
static int rig_answer(Rig *r, const SYN_Actions *acts)
{
  SYN_Actions pa;
  size_t i;
  int n = 0;

  for (i = 0; i < acts->n_tx; i++) {
    struct timespec base = {T0, 0}, rx, tx, mono = {100, 0}, rrx;
    NSV_RefState ref;
    IPAddr from;
    uint8_t resp[64];
    size_t rlen = 0;
    SYN_Now now;
    double t_send = r->t, one = 100e-6 + (acts->tx[i].source_id == r->ids[1] ? 20e-6 : 0);

    memset(&ref, 0, sizeof(ref));
    ref.synchronised = 1;
    ref.stratum = 1;
    ref.precision = -20;
    ref.ref_id = 0x47505300u;
    UTI_AddDoubleToTimespec(&base, t_send, &ref.ref_time);
    UTI_AddDoubleToTimespec(&base, t_send + one, &rx);
    UTI_AddDoubleToTimespec(&base, t_send + one + 10e-6, &tx);
    ADDR_Parse("198.51.100.7", &from);
    ck_assert_int_eq(NSV_HandleRequest(r->srv, &from, acts->tx[i].data, acts->tx[i].len, &rx,
                                       &tx, &mono, &ref, 1234u, resp, sizeof(resp), &rlen),
                     NSV_REPLY);
    r->t = t_send + 2 * one + 10e-6;
    rig_now(r, &now);
    rrx = now.real;
    SYN_OnPacket(r->e, acts->tx[i].source_id, resp, rlen, &rrx, &now, &pa);
    rig_apply(r, &pa);
    r->t = t_send;
    n++;
  }
  return n;
}

/* Run the engine until true time `until`, answering everything. */
static void rig_run(Rig *r, double until)
{
  struct timespec wake;
  SYN_Actions acts;
  SYN_Now now;
  int guard = 0;

  while (SYN_NextWake(r->e, &wake) && guard++ < 1000) {
    double t = (double)(wake.tv_sec - 100) + wake.tv_nsec * 1e-9;

    if (t > until) {
      break;
    }
    if (t > r->t) {
      r->t = t;
    }
    rig_now(r, &now);
    SYN_OnTimer(r->e, &now, &acts);
    rig_apply(r, &acts);
    rig_answer(r, &acts);
  }
}

static void default_cfg(SYN_Config *c)
{
  memset(c, 0, sizeof(*c));
  c->minsources = 1;
  c->maxdistance = 3;
  c->maxjitter = 1;
  c->combinelimit = 3;
  c->reselectdist = 1e-4;
  c->maxslewrate = 83333.333;
  c->maxupdateskew = 1000;
  c->maxdrift = 500;
  c->initial_skew = 1e6;
  c->precision = -20;
}

START_TEST(test_two_sources)
{
  Rig r;
  SYN_Config cfg;
  SYN_Actions acts;
  SYN_Now now;
  SYN_Tracking tr;
  SYN_SourceReport rep;
  NSV_RefState ref;
  struct timespec wake;
  int n_sel = 0, n_comb = 0;
  size_t i;

  default_cfg(&cfg);
  rig_init(&r, &cfg, 1e-3);
  rig_now(&r, &now);
  /* not synchronised yet, no `local`: serve as unsynchronised */
  SYN_GetRefState(r.e, &now.real, &ref);
  ck_assert_int_eq(ref.synchronised, 0);
  /* iburst: both requests due now */
  ck_assert(SYN_NextWake(r.e, &wake));
  ck_assert_int_le(UTI_CompareTimespecs(&wake, &now.mono), 0);
  SYN_OnTimer(r.e, &now, &acts);
  ck_assert_uint_eq(acts.n_tx, 2);
  ck_assert_uint_eq(acts.tx[0].len, 48);
  ck_assert_int_ne(acts.tx[0].source_id, acts.tx[1].source_id);
  ck_assert_int_eq(rig_answer(&r, &acts), 2);
  rig_run(&r, 10.0);

  rig_now(&r, &now);
  for (i = 0; SYN_GetSourceReport(r.e, i, &now, &rep); i++) {
    ck_assert_int_ge(rep.n_samples, 3);
    ck_assert_int_eq(rep.stratum, 1);
    ck_assert(fabs(rep.offset) < 2e-3);
    ck_assert_uint_ne(rep.reach, 0);
    n_sel += rep.status == SEL_ST_SELECTED;
    n_comb += rep.status == SEL_ST_COMBINED;
  }
  ck_assert_uint_eq(i, 2);
  ck_assert_int_eq(n_sel, 1);
  ck_assert_int_eq(n_comb, 1);
  SYN_GetTracking(r.e, &now, &tr);
  ck_assert(tr.synchronised);
  ck_assert_int_eq(tr.stratum, 2);
  ck_assert(tr.ref_id == 0xc0000201u || tr.ref_id == 0xc0000202u);
  ck_assert_int_ge(tr.n_updates, 3);
  ck_assert(tr.root_delay > 0 && tr.root_delay < 1e-3);
  ck_assert(fabs(tr.last_offset) < 2e-3);
  SYN_GetRefState(r.e, &now.real, &ref);
  ck_assert_int_eq(ref.synchronised, 1);
  ck_assert_int_eq(ref.stratum, 2);
  ck_assert_uint_eq(ref.ref_id, tr.ref_id);
  ck_assert(r.set_freqs > 0);
  ck_assert_int_eq(r.steps, 0);
  ck_assert(SYN_RemoveSource(r.e, r.ids[0]));
  ck_assert(!SYN_RemoveSource(r.e, r.ids[0]));
  ck_assert_uint_eq(SYN_SourceCount(r.e), 1);
  ck_assert_ptr_null(SYN_GetNtpSource(r.e, r.ids[0]));
  ck_assert_ptr_nonnull(SYN_GetNtpSource(r.e, r.ids[1]));
  rig_free(&r);
}
END_TEST

/* 50 ms ahead with makestep 0.01 1: the first update steps back by 50 ms. */
START_TEST(test_step_and_sign)
{
  Rig r;
  SYN_Config cfg;
  SYN_Now now;
  SYN_Tracking tr;

  default_cfg(&cfg);
  cfg.makestep_threshold = 0.01;
  cfg.makestep_limit = 1;
  rig_init(&r, &cfg, 0.05);
  rig_run(&r, 10.0);
  ck_assert_int_eq(r.steps, 1);
  ck_assert_double_eq_tol(r.stepped, -0.05, 1e-4);
  ck_assert(fabs(r.coff) < 1e-3);
  rig_now(&r, &now);
  SYN_GetTracking(r.e, &now, &tr);
  ck_assert(tr.synchronised);
  rig_free(&r);
}
END_TEST

/* Without makestep the offset is slewed: the first update slows the clock (negative
   frequency) because it is ahead. */
START_TEST(test_slew_sign)
{
  Rig r;
  SYN_Config cfg;
  SYN_Actions acts;
  SYN_Now now;
  SYN_Tracking tr;

  default_cfg(&cfg);
  rig_init(&r, &cfg, 0.05);
  rig_now(&r, &now);
  SYN_OnTimer(r.e, &now, &acts);
  ck_assert_uint_eq(acts.n_tx, 2);
  acts.n_tx = 1;   /* answer one only */
  rig_answer(&r, &acts);
  rig_now(&r, &now);
  SYN_GetTracking(r.e, &now, &tr);
  /* the first update waits (up to 8 s) for every source to answer once */
  ck_assert(!tr.synchronised);
  ck_assert_int_eq(r.set_freqs, 0);
  r.t = 8.5;   /* ... then one source is enough (minsources 1) */
  rig_now(&r, &now);
  SYN_OnTimer(r.e, &now, &acts);
  acts.n_tx = acts.n_tx > 0 ? 1 : 0;
  rig_answer(&r, &acts);
  rig_now(&r, &now);
  SYN_GetTracking(r.e, &now, &tr);
  ck_assert(tr.synchronised);
  ck_assert(tr.last_offset > 0.04);    /* chronyc sign: positive = clock fast */
  ck_assert(tr.system_offset > 0.0);   /* still being slewed */
  ck_assert(r.set_freqs > 0);
  ck_assert_int_eq(r.steps, 0);
  rig_free(&r);
}
END_TEST

START_TEST(test_local_stratum_and_junk)
{
  Rig r;
  SYN_Config cfg;
  SYN_Actions acts;
  SYN_Now now;
  NSV_RefState ref;
  uint8_t junk[48];
  double f, sk;

  default_cfg(&cfg);
  cfg.local_stratum = 10;
  cfg.initial_freq = 12.5;
  cfg.initial_skew = 3.0;
  rig_init(&r, &cfg, 0.0);
  rig_now(&r, &now);
  SYN_GetRefState(r.e, &now.real, &ref);
  ck_assert_int_eq(ref.synchronised, 1);
  ck_assert_int_eq(ref.stratum, 10);
  SYN_GetFrequency(r.e, &f, &sk);
  ck_assert_double_eq(f, 12.5);
  ck_assert_double_eq(sk, 3.0);
  /* junk, unknown ids and NULL are counted drops, never a crash or an action */
  memset(junk, 0xa5, sizeof(junk));
  SYN_OnPacket(r.e, r.ids[0], junk, sizeof(junk), &now.real, &now, &acts);
  ck_assert(!acts.set_freq && !acts.step && acts.n_tx == 0);
  SYN_OnPacket(r.e, 999, junk, sizeof(junk), &now.real, &now, &acts);
  SYN_OnPacket(r.e, r.ids[0], NULL, 0, &now.real, &now, &acts);
  SYN_OnPacket(r.e, r.ids[0], junk, 3, &now.real, &now, &acts);
  ck_assert(!acts.set_freq && !acts.step);
  rig_free(&r);
}
END_TEST

/* Sources that stop answering become unreachable after 8 polls: the engine loses
   synchronisation, says so once, and serves as unsynchronised. */
START_TEST(test_lose_sync)
{
  Rig r;
  SYN_Config cfg;
  SYN_Actions acts;
  SYN_Now now;
  SYN_Tracking tr;
  NSV_RefState ref;
  struct timespec wake;
  int changed = 0, guard = 0, leap3 = 0;

  default_cfg(&cfg);
  rig_init(&r, &cfg, 1e-3);
  rig_run(&r, 10.0);
  rig_now(&r, &now);
  SYN_GetTracking(r.e, &now, &tr);
  ck_assert(tr.synchronised);
  while (SYN_NextWake(r.e, &wake) && guard++ < 200) {
    double t = (double)(wake.tv_sec - 100) + wake.tv_nsec * 1e-9;

    if (t > r.t) {
      r.t = t;
    }
    rig_now(&r, &now);
    SYN_OnTimer(r.e, &now, &acts);   /* nobody answers */
    rig_apply(&r, &acts);
    changed += acts.sync_changed;
    leap3 += acts.set_leap && acts.leap == 3;
    if (r.t > 20000) {
      break;
    }
  }
  rig_now(&r, &now);
  SYN_GetTracking(r.e, &now, &tr);
  ck_assert(!tr.synchronised);
  ck_assert_int_eq(changed, 1);
  ck_assert_int_eq(leap3, 1);
  SYN_GetRefState(r.e, &now.real, &ref);
  ck_assert_int_eq(ref.synchronised, 0);
  rig_free(&r);
}
END_TEST

Suite *sync_suite(void)
{
  Suite *s = suite_create("sync");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_two_sources);
  tcase_add_test(tc, test_step_and_sign);
  tcase_add_test(tc, test_slew_sign);
  tcase_add_test(tc, test_local_stratum_and_junk);
  tcase_add_test(tc, test_lose_sync);
  suite_add_tcase(s, tc);
  return s;
}
