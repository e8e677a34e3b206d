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
  /* leap second tests */
  time_t t0;         /* Unix time at t = 0 (T0 when 0) */
  int integrate;     /* apply set_freq to coff as time passes */
  double freq;       /* ppm, last set_freq */
  double min_freq;   /* most negative frequency set */
  int srv_leap;      /* LI the servers announce until leap_t */
  double leap_t;     /* true time of the leap (0: none); servers' UTC jumps then */
  int kernel_leap;   /* set_leap with leap 1 or 2 seen */
  int leap_done;
  double step_t;     /* true time of the last step */
  int dead_id;       /* source whose requests nobody answers (-1: none) */
} Rig;

static void rig_now(const Rig *r, SYN_Now *now)
{
  struct timespec base = {r->t0 ? r->t0 : T0, 0}, mono = {100, 0};

  UTI_AddDoubleToTimespec(&base, r->t + r->coff, &now->real);
  UTI_AddDoubleToTimespec(&mono, r->t, &now->mono);
}

static void rig_apply(Rig *r, const SYN_Actions *a)
{
  if (a->step) {
    r->coff += a->step_offset;
    r->steps++;
    r->stepped += a->step_offset;
    r->step_t = r->t;
  }
  r->set_freqs += a->set_freq;
  if (a->set_freq) {
    r->freq = a->freq_ppm;
    r->min_freq = a->freq_ppm < r->min_freq ? a->freq_ppm : r->min_freq;
  }
  r->kernel_leap += a->set_leap && (a->leap == 1 || a->leap == 2);
  r->leap_done += a->leap_done;
}

/* Move true time forward, the client clock running at the frequency last set. */
static void rig_advance(Rig *r, double t)
{
  if (t > r->t) {
    if (r->integrate) {
      r->coff += r->freq * 1e-6 * (t - r->t);
    }
    r->t = t;
  }
}

/* The servers' UTC at true time t: one second back after an inserted leap second. */
static double srv_time(const Rig *r, double t)
{
  return r->leap_t > 0 && t >= r->leap_t ? t - (r->srv_leap == 2 ? -1.0 : 1.0) : t;
}

static void rig_init_at(Rig *r, const SYN_Config *cfg, double coff, time_t t0)
{
  SYN_SourceConfig sc;
  SYN_Now now;
  IPAddr any;
  int i;

  memset(r, 0, sizeof(*r));
  r->t0 = t0;
  r->coff = coff;
  r->dead_id = -1;
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

static void rig_init(Rig *r, const SYN_Config *cfg, double coff)
{
  rig_init_at(r, cfg, coff, 0);
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
    struct timespec base = {r->t0 ? r->t0 : T0, 0}, rx, tx, mono = {100, 0}, rrx;
    NSV_RefState ref;
    IPAddr from;
    uint8_t resp[64];
    size_t rlen = 0;
    SYN_Now now;
    double t_send = r->t, one = 100e-6 + (acts->tx[i].source_id == r->ids[1] ? 20e-6 : 0);

    if (acts->tx[i].source_id == r->dead_id) {
      continue;
    }
    memset(&ref, 0, sizeof(ref));
    ref.synchronised = 1;
    ref.stratum = 1;
    ref.precision = -20;
    ref.ref_id = 0x47505300u;
    ref.leap = (uint8_t)(r->leap_t > 0 && t_send >= r->leap_t ? 0 : r->srv_leap);
    UTI_AddDoubleToTimespec(&base, srv_time(r, t_send), &ref.ref_time);
    UTI_AddDoubleToTimespec(&base, srv_time(r, t_send + one), &rx);
    UTI_AddDoubleToTimespec(&base, srv_time(r, t_send + one + 10e-6), &tx);
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

  while (SYN_NextWake(r->e, &wake) && guard++ < 5000) {
    double t = (double)(wake.tv_sec - 100) + wake.tv_nsec * 1e-9;

    if (t > until) {
      break;
    }
    rig_advance(r, t);
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

static int find_report(const Rig *r, int id, SYN_SourceReport *rep)
{
  SYN_Now now;
  size_t i;

  rig_now(r, &now);
  for (i = 0; SYN_GetSourceReport(r->e, i, &now, rep); i++) {
    if (rep->id == id) {
      return 1;
    }
  }
  return 0;
}

/* Pool healing: a pool member that answers nothing is reported after SYN_REPLACE_POLLS
   requests, then again after as many more; sources that answer (or are not replaceable)
   never are.  SYN_PickNewAddress skips addresses in use with the same port. */
START_TEST(test_pool_replace)
{
  Rig r;
  SYN_Config cfg;
  SYN_SourceConfig sc;
  SYN_SourceReport rep;
  SYN_Actions acts;
  SYN_Now now;
  struct timespec wake;
  IPAddr cand[3], got;
  int dead, reports = 0, guard = 0, fresh;
  uint64_t tx_at[2] = {0, 0};

  default_cfg(&cfg);
  rig_init(&r, &cfg, 1e-3);
  memset(&sc, 0, sizeof(sc));
  snprintf(sc.name, sizeof(sc.name), "pool.example");
  ck_assert(ADDR_Parse("192.0.2.9", &sc.ntp.addr));
  sc.ntp.port = 123;
  sc.ntp.minpoll = 4;
  sc.ntp.maxpoll = 10;
  sc.ntp.maxdelay = 3.0;
  sc.replaceable = 1;
  rig_now(&r, &now);
  dead = SYN_AddSource(r.e, &sc, &now);
  ck_assert_int_ge(dead, 0);
  r.dead_id = dead;
  while (SYN_NextWake(r.e, &wake) && guard++ < 2000 && reports < 2) {
    size_t k;

    rig_advance(&r, (double)(wake.tv_sec - 100) + wake.tv_nsec * 1e-9);
    rig_now(&r, &now);
    SYN_OnTimer(r.e, &now, &acts);
    rig_apply(&r, &acts);
    for (k = 0; k < acts.n_replace; k++) {
      ck_assert_int_eq(acts.replace[k], dead);
      ck_assert(find_report(&r, dead, &rep));
      ck_assert_uint_eq(rep.reach, 0);
      tx_at[reports++] = rep.ntp.tx;
    }
    rig_answer(&r, &acts);
  }
  ck_assert_int_eq(reports, 2);
  ck_assert_uint_eq(tx_at[0], SYN_REPLACE_POLLS);
  ck_assert_uint_eq(tx_at[1], 2 * SYN_REPLACE_POLLS);
  /* the answered sources kept their reach */
  ck_assert(find_report(&r, r.ids[0], &rep));
  ck_assert_uint_ne(rep.reach, 0);

  ADDR_Parse("192.0.2.9", &cand[0]);   /* the dead one: in use */
  ADDR_Parse("192.0.2.1", &cand[1]);   /* another source's address, same port */
  ADDR_Parse("192.0.2.10", &cand[2]);
  ck_assert(SYN_PickNewAddress(r.e, cand, 3, 123, &got));
  ck_assert(ADDR_Equal(&got, &cand[2]));
  ck_assert(!SYN_PickNewAddress(r.e, cand, 2, 123, &got));
  ck_assert(!SYN_PickNewAddress(r.e, NULL, 0, 123, &got));
  ck_assert(SYN_PickNewAddress(r.e, cand, 1, 1123, &got));   /* other port: free */
  ck_assert(ADDR_Equal(&got, &cand[0]));

  /* what the shell does with a report: remove, add the fresh address */
  ck_assert(SYN_RemoveSource(r.e, dead));
  sc.ntp.addr = cand[2];
  fresh = SYN_AddSource(r.e, &sc, &now);
  ck_assert_int_ge(fresh, 0);
  ck_assert_uint_eq(SYN_SourceCount(r.e), 3);
  r.dead_id = -1;
  rig_run(&r, r.t + 300.0);
  ck_assert(find_report(&r, fresh, &rep));
  ck_assert_uint_ne(rep.reach, 0);
  rig_free(&r);
}
END_TEST

START_TEST(test_leap_day)
{
  ck_assert(SYN_IsLeapDay(1483185600));        /* 2016-12-31 12:00 */
  ck_assert(!SYN_IsLeapDay(1483185600 - 86400));
  ck_assert(SYN_IsLeapDay(1435665600));        /* 2015-06-30 12:00 */
  ck_assert(SYN_IsLeapDay(1435708799));        /* 2015-06-30 23:59:59 */
  ck_assert(!SYN_IsLeapDay(1435708800));       /* 2015-07-01 00:00:00 */
  ck_assert(!SYN_IsLeapDay(1709168400));       /* 2024-02-29 */
  ck_assert(SYN_IsLeapDay(-1));                /* 1969-12-31 23:59:59 */
  ck_assert(SYN_IsLeapDay(-15983900));         /* 1969-06-30 */
  ck_assert(!SYN_IsLeapDay(-16070300));        /* 1969-06-29 */
}
END_TEST

/* 2016-12-31 23:50:00 UTC: the servers announce an inserted second at midnight. */
#define LEAP_T0 (1483228800 - 600)

static void leap_rig(Rig *r, SYN_LeapMode mode, time_t t0)
{
  SYN_Config cfg;

  default_cfg(&cfg);
  cfg.leapsecmode = mode;
  rig_init_at(r, &cfg, 1e-3, t0);
  r->integrate = 1;
  r->srv_leap = 1;
  r->leap_t = 600.0;
}

static double source_offset(const Rig *r, int id)
{
  SYN_SourceReport rep;

  ck_assert(find_report(r, id, &rep));
  return rep.offset;
}

/* step: the kernel is never told; the clock is stepped back 1 s at midnight. */
START_TEST(test_leap_step)
{
  Rig r;
  SYN_Now now;
  SYN_Tracking tr;
  NSV_RefState ref;

  leap_rig(&r, SYN_LEAP_STEP, LEAP_T0);
  rig_run(&r, 590.0);
  rig_now(&r, &now);
  SYN_GetTracking(r.e, &now, &tr);
  ck_assert(tr.synchronised);
  ck_assert_int_eq(tr.leap, 1);           /* shown and served ... */
  SYN_GetRefState(r.e, &now.real, &ref);
  ck_assert_int_eq(ref.leap, 1);
  ck_assert_int_eq(r.kernel_leap, 0);     /* ... but never given to the kernel */
  ck_assert_int_eq(r.steps, 0);
  rig_run(&r, 900.0);
  ck_assert_int_eq(r.steps, 1);
  ck_assert_double_eq(r.stepped, -1.0);
  ck_assert(fabs(r.step_t - 600.0) < 0.01);
  ck_assert_int_eq(r.leap_done, 1);
  ck_assert_int_eq(r.kernel_leap, 0);
  ck_assert(fabs(r.coff + 1.0) < 2e-3);   /* client real - server UTC */
  ck_assert(fabs(source_offset(&r, r.ids[0])) < 2e-3);
  rig_now(&r, &now);
  SYN_GetTracking(r.e, &now, &tr);
  ck_assert_int_eq(tr.leap, 0);
  rig_free(&r);
}
END_TEST

/* slew: no step; the second is slewed away at maxslewrate, clock updates wait for it. */
START_TEST(test_leap_slew)
{
  Rig r;

  leap_rig(&r, SYN_LEAP_SLEW, LEAP_T0);
  rig_run(&r, 900.0);
  ck_assert_int_eq(r.steps, 0);
  ck_assert_int_eq(r.kernel_leap, 0);
  ck_assert_int_eq(r.leap_done, 1);
  ck_assert(r.min_freq < -80000.0);
  ck_assert(fabs(r.freq) < 1000.0);        /* the slew ended */
  ck_assert(fabs(r.coff + 1.0) < 5e-3);
  ck_assert(fabs(source_offset(&r, r.ids[0])) < 5e-3);
  rig_free(&r);
}
END_TEST

/* system: the kernel gets the insert bit on the leap day; the engine neither steps nor
   slews.  ignore: nothing is done; right after midnight the sources show the clock 1 s
   fast, to be corrected as any offset. */
START_TEST(test_leap_system_ignore)
{
  Rig r;

  leap_rig(&r, SYN_LEAP_SYSTEM, LEAP_T0);
  rig_run(&r, 700.0);
  ck_assert(r.kernel_leap > 0);
  ck_assert_int_eq(r.steps, 0);
  ck_assert(r.min_freq > -80000.0);
  ck_assert_int_eq(r.leap_done, 1);
  rig_free(&r);

  leap_rig(&r, SYN_LEAP_IGNORE, LEAP_T0);
  rig_run(&r, 600.5);
  ck_assert_int_eq(r.leap_done, 1);
  ck_assert_int_eq(r.kernel_leap, 0);
  ck_assert_int_eq(r.steps, 0);
  ck_assert(r.min_freq > -80000.0);
  ck_assert_double_eq_tol(source_offset(&r, r.ids[0]), 1.0, 5e-3);
  rig_free(&r);
}
END_TEST

/* A packet that arrives after midnight before the leap timer fired handles the leap first
   (so the update it causes on the new day cannot cancel it). */
START_TEST(test_leap_before_timer)
{
  Rig r;
  SYN_Actions acts;
  SYN_Now now;
  uint8_t junk[48];

  leap_rig(&r, SYN_LEAP_STEP, LEAP_T0);
  rig_run(&r, 590.0);
  ck_assert_int_eq(r.leap_done, 0);
  rig_advance(&r, 600.5);
  rig_now(&r, &now);
  memset(junk, 0, sizeof(junk));
  SYN_OnPacket(r.e, r.ids[0], junk, sizeof(junk), &now.real, &now, &acts);
  ck_assert_int_eq(acts.leap_done, 1);
  ck_assert(acts.step);
  ck_assert_double_eq(acts.step_offset, -1.0);
  SYN_OnTimer(r.e, &now, &acts);   /* the timer finds nothing left to do */
  ck_assert_int_eq(acts.leap_done, 0);
  ck_assert(!acts.step);
  rig_free(&r);
}
END_TEST

/* Leap bits on a day that is not 30 June or 31 December are ignored. */
START_TEST(test_leap_wrong_day)
{
  Rig r;
  SYN_Now now;
  SYN_Tracking tr;

  leap_rig(&r, SYN_LEAP_STEP, 1500000000);   /* 2017-07-14 */
  rig_run(&r, 900.0);
  ck_assert_int_eq(r.leap_done, 0);
  ck_assert_int_eq(r.steps, 0);
  rig_now(&r, &now);
  SYN_GetTracking(r.e, &now, &tr);
  ck_assert_int_eq(tr.leap, 0);
  rig_free(&r);
  leap_rig(&r, SYN_LEAP_SYSTEM, 1500000000);
  rig_run(&r, 300.0);
  ck_assert_int_eq(r.kernel_leap, 0);
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
  tcase_add_test(tc, test_pool_replace);
  tcase_add_test(tc, test_leap_day);
  tcase_add_test(tc, test_leap_step);
  tcase_add_test(tc, test_leap_slew);
  tcase_add_test(tc, test_leap_system_ignore);
  tcase_add_test(tc, test_leap_wrong_day);
  tcase_add_test(tc, test_leap_before_timer);
  suite_add_tcase(s, tc);
  return s;
}
