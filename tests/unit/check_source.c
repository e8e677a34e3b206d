/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_source.c - unit tests of ntp_source.c: request layout and random transmit
 * timestamps, offset/delay/dispersion from hand-made responses (symmetric, asymmetric,
 * across the 2036 era), every rejection (origin, duplicate, mode, version, length, zero
 * timestamps), KoD (RATE, DENY, RSTR, spoofed, other codes), unsynchronised servers,
 * maxdelay, the reachability register, iburst/burst/chronyc-burst schedules, poll bounds,
 * online/offline and clock steps.  All times are fake; nothing is sent.  Test code only.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntp_source.h"
#include "ntp_wire.h"
#include "suites.h"
#include "util.h"

/* A real time in 2026 and an arbitrary monotonic origin. */
#define REAL0 1795000000
#define MONO0 1000
/* 2036-02-07 06:28:16 UTC: NTP seconds wrap from 2^32 - 1 to 0. */
#define ERA1_UNIX 2085978496LL
#define LOCAL_PREC (-20)
#define SERVER_PREC (-20)

static struct timespec
ts(int64_t sec, long nsec)
{
  struct timespec t;

  t.tv_sec = (time_t)sec;
  t.tv_nsec = nsec;
  return t;
}

static struct timespec
ts_add(const struct timespec *t, double s)
{
  struct timespec r;

  UTI_AddDoubleToTimespec(t, s, &r);
  return r;
}

static NSC_Source *
mk(int minpoll, int maxpoll, int iburst, int burst, double maxdelay, int64_t mono_sec)
{
  NSC_Params p;
  struct timespec now = ts(mono_sec, 0);
  NSC_Source *s;

  NSC_DefaultParams(&p);
  ADDR_FromIPv4(0x7f000001u, &p.addr);
  p.minpoll = minpoll;
  p.maxpoll = maxpoll;
  p.iburst = iburst;
  p.burst = burst;
  p.maxdelay = maxdelay;
  s = NSC_Create(&p, &now);
  ck_assert_ptr_nonnull(s);
  return s;
}

static NtpTs64
get64(const uint8_t *b)
{
  NtpTs64 v = 0;
  int i;

  for (i = 0; i < 8; i++) {
    v = (v << 8) | b[i];
  }
  return v;
}

/* Make a request at mono/real times (must be due); returns its transmit timestamp. */
static NtpTs64
request(NSC_Source *s, const struct timespec *mono, const struct timespec *real, uint64_t rnd)
{
  uint8_t buf[64];
  size_t n = NSC_MakeRequest(s, mono, real, rnd, buf, sizeof(buf));

  ck_assert_uint_eq(n, 48);
  return get64(buf + 40);
}

typedef struct {
  int leap, version, mode, stratum, poll;
  uint32_t ref_id;
  NtpTs64 orig, rx, tx;
} Resp;

static Resp
resp_ok(NtpTs64 orig, const struct timespec *t2, const struct timespec *t3)
{
  Resp r;

  r.leap = 0;
  r.version = 4;
  r.mode = NWR_MODE_SERVER;
  r.stratum = 2;
  r.poll = 6;
  r.ref_id = 0xc0000201u;
  r.orig = orig;
  r.rx = UTI_TimespecToNtp64(t2);
  r.tx = UTI_TimespecToNtp64(t3);
  return r;
}

static size_t
encode(const Resp *r, uint8_t *buf)
{
  NWR_Header h;

  memset(&h, 0, sizeof(h));
  h.leap = (uint8_t)r->leap;
  h.version = (uint8_t)r->version;
  h.mode = (uint8_t)r->mode;
  h.stratum = (uint8_t)r->stratum;
  h.poll = (int8_t)r->poll;
  h.precision = SERVER_PREC;
  h.root_delay = UTI_DoubleToNtp32(0.001);
  h.root_dispersion = UTI_DoubleToNtp32(0.002);
  h.ref_id = r->ref_id;
  h.ref_ts = r->tx - (64ULL << 32);
  h.orig_ts = r->orig;
  h.rx_ts = r->rx;
  h.tx_ts = r->tx;
  ck_assert_uint_eq(NWR_EncodeHeader(&h, buf, 48), 48);
  return 48;
}

static NSC_RxResult
deliver(NSC_Source *s, const Resp *r, const struct timespec *t4, NSC_Sample *smp)
{
  uint8_t buf[48];

  encode(r, buf);
  return NSC_ProcessResponse(s, buf, sizeof(buf), t4, LOCAL_PREC, smp);
}

/* One full exchange: request at real t1 (mono m), server clock `ahead` s ahead, outbound
   and return path delays, 1 ms in the server.  Returns the result. */
static NSC_RxResult
exchange(NSC_Source *s, const struct timespec *m, const struct timespec *t1, double ahead,
         double out, double back, uint64_t rnd, NSC_Sample *smp)
{
  NtpTs64 o = request(s, m, t1, rnd);
  struct timespec t2 = ts_add(t1, out + ahead), t3 = ts_add(&t2, 0.001);
  struct timespec t4 = ts_add(t1, out + 0.001 + back);
  Resp r = resp_ok(o, &t2, &t3);

  return deliver(s, &r, &t4, smp);
}

static double
next_in(const NSC_Source *s, const struct timespec *from)
{
  struct timespec n;

  ck_assert_int_eq(NSC_GetNextTx(s, &n), 1);
  return UTI_DiffTimespecs(&n, from);
}

START_TEST(test_names)
{
  int i, j;

  for (i = 0; i < NSC_RX_COUNT; i++) {
    ck_assert_str_ne(NSC_RxResultName((NSC_RxResult)i), "unknown");
    for (j = 0; j < i; j++) {
      ck_assert_str_ne(NSC_RxResultName((NSC_RxResult)i), NSC_RxResultName((NSC_RxResult)j));
    }
  }
  ck_assert_str_eq(NSC_RxResultName(NSC_RX_COUNT), "unknown");
  ck_assert_str_eq(NSC_RxResultName(NSC_RX_SAMPLE), "sample");
}
END_TEST

START_TEST(test_create_params)
{
  NSC_Params p;
  struct timespec now = ts(MONO0, 0);
  NSC_Source *s;

  NSC_DefaultParams(&p);
  ck_assert_int_eq(p.minpoll, 6);
  ck_assert_int_eq(p.maxpoll, 10);
  ck_assert_int_eq(p.version, 4);
  ck_assert_uint_eq(p.port, 123);
  ck_assert(p.maxdelay == 3.0);

  p.minpoll = -1;
  ck_assert_ptr_null(NSC_Create(&p, &now));
  p.minpoll = 25;
  p.maxpoll = 25;
  ck_assert_ptr_null(NSC_Create(&p, &now));
  p.minpoll = 8;
  p.maxpoll = 7;
  ck_assert_ptr_null(NSC_Create(&p, &now));
  p.maxpoll = 10;
  p.maxdelay = 0.0;
  ck_assert_ptr_null(NSC_Create(&p, &now));
  p.maxdelay = NAN;
  ck_assert_ptr_null(NSC_Create(&p, &now));
  p.maxdelay = INFINITY;
  ck_assert_ptr_null(NSC_Create(&p, &now));
  p.maxdelay = 3.0;
  p.version = 5;
  ck_assert_ptr_null(NSC_Create(&p, &now));
  ck_assert_ptr_null(NSC_Create(NULL, &now));

  /* Zero version and port mean the defaults. */
  p.version = 0;
  p.port = 0;
  s = NSC_Create(&p, &now);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(NSC_GetParams(s)->version, 4);
  ck_assert_uint_eq(NSC_GetParams(s)->port, 123);
  ck_assert_int_eq(NSC_GetParams(s)->minpoll, 8);
  NSC_Destroy(s);
  NSC_Destroy(NULL);
}
END_TEST

START_TEST(test_request_layout)
{
  NSC_Source *s = mk(6, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), r = ts(REAL0, 123456789);
  uint8_t buf[64];
  NSC_Report rep;
  size_t i;

  /* Too small a buffer, or not due yet: nothing. */
  ck_assert_uint_eq(NSC_MakeRequest(s, &m, &r, 1, buf, 47), 0);
  m = ts(MONO0 - 1, 0);
  ck_assert_uint_eq(NSC_MakeRequest(s, &m, &r, 1, buf, sizeof(buf)), 0);
  m = ts(MONO0, 0);
  memset(buf, 0xee, sizeof(buf));
  ck_assert_uint_eq(NSC_MakeRequest(s, &m, &r, 0x0123456789abcdefULL, buf, sizeof(buf)), 48);
  ck_assert_uint_eq(buf[0], (0 << 6) | (4 << 3) | 3);
  ck_assert_uint_eq(buf[1], 0);
  ck_assert_uint_eq(buf[2], 6);
  /* Nothing but the transmit timestamp: no local time, no precision, no reference. */
  for (i = 3; i < 40; i++) {
    ck_assert_uint_eq(buf[i], 0);
  }
  ck_assert_uint_eq(get64(buf + 40), 0x0123456789abcdefULL);
  ck_assert_uint_eq(buf[48], 0xee);
  NSC_GetReport(s, &rep);
  ck_assert_uint_eq(rep.tx, 1);
  ck_assert_int_eq(rep.poll, 6);
  ck_assert_int_eq(rep.online, 1);
  /* Not due again right away. */
  ck_assert_uint_eq(NSC_MakeRequest(s, &m, &r, 2, buf, sizeof(buf)), 0);
  NSC_Destroy(s);

  /* Version from the parameters; a zero random value still gives a non-zero transmit. */
  {
    NSC_Params p;

    NSC_DefaultParams(&p);
    p.version = 3;
    p.minpoll = p.maxpoll = 4;
    s = NSC_Create(&p, &m);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(NSC_MakeRequest(s, &m, &r, 0, buf, sizeof(buf)), 48);
    ck_assert_uint_eq(buf[0], (3 << 3) | 3);
    ck_assert_uint_eq(buf[2], 4);
    ck_assert_uint_ne(get64(buf + 40), 0);
    NSC_Destroy(s);
  }
}
END_TEST

START_TEST(test_random_transmit)
{
  NSC_Source *s = mk(4, 4, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), r = ts(REAL0, 0);
  NtpTs64 a, b;
  struct timespec t2, t3, t4;
  Resp resp;

  a = request(s, &m, &r, 0x1111222233334444ULL);
  m = ts(MONO0 + 20, 0);
  r = ts(REAL0 + 20, 0);
  b = request(s, &m, &r, 0x5555666677778888ULL);
  ck_assert_uint_ne(a, b);
  ck_assert_uint_eq(b, 0x5555666677778888ULL);

  /* The older request's origin is no longer accepted (only the latest is in flight). */
  t2 = ts_add(&r, 0.01);
  t3 = ts_add(&t2, 0.001);
  t4 = ts_add(&r, 0.021);
  resp = resp_ok(a, &t2, &t3);
  ck_assert_int_eq(deliver(s, &resp, &t4, NULL), NSC_RX_BOGUS);
  resp.orig = b;
  ck_assert_int_eq(deliver(s, &resp, &t4, NULL), NSC_RX_SAMPLE);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_offset_delay)
{
  NSC_Source *s = mk(6, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 250000000);
  NSC_Sample smp;
  NSC_Report rep;
  double prec = ldexp(1.0, SERVER_PREC) + ldexp(1.0, LOCAL_PREC);

  /* Server 0.5 s ahead, 10 ms each way, 1 ms in the server. */
  memset(&smp, 0, sizeof(smp));
  ck_assert_int_eq(exchange(s, &m, &t1, 0.5, 0.010, 0.010, 77, &smp), NSC_RX_SAMPLE);
  ck_assert_double_eq_tol(smp.offset, 0.5, 1e-8);
  ck_assert_double_eq_tol(smp.delay, 0.020, 1e-8);
  ck_assert_double_eq_tol(smp.dispersion, prec + 15e-6 * 0.021, 1e-10);
  ck_assert_double_eq_tol(smp.root_delay, 0.001, 2e-5);
  ck_assert_double_eq_tol(smp.root_dispersion, 0.002, 2e-5);
  ck_assert_int_eq(smp.stratum, 2);
  ck_assert_int_eq(smp.leap, 0);
  ck_assert_uint_eq(smp.ref_id, 0xc0000201u);
  ck_assert_int_eq(smp.poll, 6);
  {
    struct timespec t4 = ts_add(&t1, 0.021);

    ck_assert_int_eq(UTI_CompareTimespecs(&smp.time, &t4), 0);
  }
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.have_last, 1);
  ck_assert_double_eq_tol(rep.last_sample.offset, 0.5, 1e-8);
  ck_assert_uint_eq(rep.rx[NSC_RX_SAMPLE], 1);
  ck_assert_uint_eq(rep.reach, 1);
  ck_assert_int_eq(UTI_CompareTimespecs(&rep.last_rx, &smp.time), 0);

  /* Server 1.25 s behind, asymmetric path: 30 ms out, 10 ms back.  The offset is wrong by
     half the asymmetry, as RFC 5905 predicts: -1.25 + (0.030 - 0.010) / 2. */
  m = ts(MONO0 + 100, 0);
  t1 = ts(REAL0 + 100, 999000000);
  ck_assert_int_eq(exchange(s, &m, &t1, -1.25, 0.030, 0.010, 78, &smp), NSC_RX_SAMPLE);
  ck_assert_double_eq_tol(smp.offset, -1.25 + 0.010, 1e-8);
  ck_assert_double_eq_tol(smp.delay, 0.040, 1e-8);

  /* A delay below the precisions (here negative: the server's t3 - t2 exceeds our
     round trip) is clamped to the precisions. */
  m = ts(MONO0 + 200, 0);
  t1 = ts(REAL0 + 200, 0);
  {
    NtpTs64 o = request(s, &m, &t1, 79);
    struct timespec t2 = ts_add(&t1, 0.001), t3 = ts_add(&t2, 0.005);
    struct timespec t4 = ts_add(&t1, 0.002);
    Resp r = resp_ok(o, &t2, &t3);

    ck_assert_int_eq(deliver(s, &r, &t4, &smp), NSC_RX_SAMPLE);
    ck_assert_double_eq_tol(smp.delay, prec, 1e-12);
    ck_assert(smp.delay > 0.0);
  }
  /* Positive but below the precisions (0.5 us against about 1.9 us): clamped too. */
  m = ts(MONO0 + 300, 0);
  t1 = ts(REAL0 + 300, 0);
  {
    NtpTs64 o = request(s, &m, &t1, 80);
    struct timespec t2 = ts_add(&t1, 0.000010), t3 = ts_add(&t2, 0.000100);
    struct timespec t4 = ts_add(&t1, 0.0001005);
    Resp r = resp_ok(o, &t2, &t3);

    ck_assert_int_eq(deliver(s, &r, &t4, &smp), NSC_RX_SAMPLE);
    ck_assert_double_eq_tol(smp.delay, prec, 1e-12);
  }
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_era_2036)
{
  NSC_Source *s = mk(6, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(ERA1_UNIX - 1, 800000000);
  NSC_Sample smp;
  NtpTs64 o;
  struct timespec t2, t3, t4;
  Resp r;

  /* Our clock just before the wrap, the server's just after it: its timestamps are small
     NTP seconds and must still be read as 2036. */
  o = request(s, &m, &t1, 5);
  t2 = ts_add(&t1, 0.010 + 0.5);
  t3 = ts_add(&t2, 0.001);
  t4 = ts_add(&t1, 0.021);
  r = resp_ok(o, &t2, &t3);
  ck_assert_uint_lt(r.rx >> 32, 10);
  ck_assert_int_eq(deliver(s, &r, &t4, &smp), NSC_RX_SAMPLE);
  ck_assert_double_eq_tol(smp.offset, 0.5, 1e-8);
  ck_assert_double_eq_tol(smp.delay, 0.020, 1e-8);

  /* Ours after the wrap, the server's 2 s behind, before it. */
  m = ts(MONO0 + 100, 0);
  t1 = ts(ERA1_UNIX + 1, 0);
  o = request(s, &m, &t1, 6);
  t2 = ts_add(&t1, 0.010 - 2.0);
  t3 = ts_add(&t2, 0.001);
  t4 = ts_add(&t1, 0.021);
  r = resp_ok(o, &t2, &t3);
  ck_assert_uint_gt(r.rx >> 32, 0xfffffff0u);
  ck_assert_int_eq(deliver(s, &r, &t4, &smp), NSC_RX_SAMPLE);
  ck_assert_double_eq_tol(smp.offset, -2.0, 1e-8);
  ck_assert_double_eq_tol(smp.delay, 0.020, 1e-8);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_rejections)
{
  NSC_Source *s = mk(6, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0);
  struct timespec t2 = ts_add(&t1, 0.01), t3 = ts_add(&t2, 0.001), t4 = ts_add(&t1, 0.021);
  uint8_t buf[48];
  NSC_Sample smp;
  NSC_Report rep;
  NtpTs64 o;
  Resp r;
  int mode, v;
  uint64_t malformed = 0;

  /* Nothing in flight yet: any response is bogus, even one with a zero origin. */
  r = resp_ok(0x1234, &t2, &t3);
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_BOGUS);

  o = request(s, &m, &t1, 0xfeedfacecafebeefULL);

  r = resp_ok(0, &t2, &t3);
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_BOGUS); /* zero origin */
  r = resp_ok(o ^ 1, &t2, &t3);
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_BOGUS); /* wrong origin */
  r = resp_ok(0xfeedfacecafebeefULL ^ (1ULL << 63), &t2, &t3);
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_BOGUS);

  /* Modes other than server (4), with the right origin. */
  for (mode = 0; mode < 8; mode++) {
    if (mode == NWR_MODE_SERVER) {
      continue;
    }
    r = resp_ok(o, &t2, &t3);
    r.mode = mode;
    ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_MALFORMED);
    malformed++;
  }
  /* Versions 0 and 5-7 are rejected; 1-4 are accepted below. */
  for (v = 0; v < 8; v++) {
    if (v >= 1 && v <= 4) {
      continue;
    }
    r = resp_ok(o, &t2, &t3);
    r.version = v;
    ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_MALFORMED);
    malformed++;
  }
  /* Short packets. */
  r = resp_ok(o, &t2, &t3);
  encode(&r, buf);
  ck_assert_int_eq(NSC_ProcessResponse(s, buf, 47, &t4, LOCAL_PREC, NULL), NSC_RX_MALFORMED);
  ck_assert_int_eq(NSC_ProcessResponse(s, buf, 0, &t4, LOCAL_PREC, NULL), NSC_RX_MALFORMED);
  ck_assert_int_eq(NSC_ProcessResponse(s, NULL, 48, &t4, LOCAL_PREC, NULL), NSC_RX_MALFORMED);
  malformed += 3;
  /* Zero receive or transmit timestamp. */
  r = resp_ok(o, &t2, &t3);
  r.rx = 0;
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_MALFORMED);
  r = resp_ok(o, &t2, &t3);
  r.tx = 0;
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_MALFORMED);
  malformed += 2;

  /* None of that counted as an answer. */
  NSC_GetReport(s, &rep);
  ck_assert_uint_eq(rep.reach, 0);
  ck_assert_int_eq(rep.have_last, 0);
  ck_assert_uint_eq(rep.rx[NSC_RX_BOGUS], 4);
  ck_assert_uint_eq(rep.rx[NSC_RX_MALFORMED], malformed);
  ck_assert(UTI_IsZeroTs(&rep.last_rx));

  /* The genuine answer (version 3, with trailing bytes that are not a valid MAC, which
     are ignored) is still accepted, and a second copy is a duplicate. */
  {
    uint8_t big[60];

    r = resp_ok(o, &t2, &t3);
    r.version = 3;
    encode(&r, big);
    memset(big + 48, 0xab, sizeof(big) - 48);
    ck_assert_int_eq(NSC_ProcessResponse(s, big, sizeof(big), &t4, LOCAL_PREC, &smp),
                     NSC_RX_SAMPLE);
    ck_assert_double_eq_tol(smp.delay, 0.020, 1e-8);
    ck_assert_int_eq(NSC_ProcessResponse(s, big, sizeof(big), &t4, LOCAL_PREC, &smp),
                     NSC_RX_DUPLICATE);
    /* A different answer to the same request is a duplicate too. */
    r.rx += 12345;
    ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_DUPLICATE);
  }
  NSC_GetReport(s, &rep);
  ck_assert_uint_eq(rep.reach, 1);
  ck_assert_uint_eq(rep.rx[NSC_RX_SAMPLE], 1);
  ck_assert_uint_eq(rep.rx[NSC_RX_DUPLICATE], 2);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_versions_accepted)
{
  NSC_Source *s = mk(0, 0, 0, 0, 3.0, MONO0);
  int v;

  for (v = 1; v <= 4; v++) {
    struct timespec m = ts(MONO0 + v * 10, 0), t1 = ts(REAL0 + v * 10, 0);
    NtpTs64 o = request(s, &m, &t1, (uint64_t)v * 1000);
    struct timespec t2 = ts_add(&t1, 0.01), t3 = ts_add(&t2, 0.001), t4 = ts_add(&t1, 0.021);
    Resp r = resp_ok(o, &t2, &t3);

    r.version = v;
    ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_SAMPLE);
  }
  NSC_Destroy(s);
}
END_TEST

/* A KoD answer to the latest request (or to `orig` when non-zero). */
static NSC_RxResult
kod(NSC_Source *s, NtpTs64 orig, uint32_t code, int poll, const struct timespec *t1)
{
  struct timespec t2 = ts_add(t1, 0.01), t3 = ts_add(&t2, 0.001), t4 = ts_add(t1, 0.021);
  Resp r = resp_ok(orig, &t2, &t3);

  r.leap = NWR_LEAP_UNSYNC;
  r.stratum = 0;
  r.ref_id = code;
  r.poll = poll;
  return deliver(s, &r, &t4, NULL);
}

START_TEST(test_kod_rate)
{
  NSC_Source *s = mk(6, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0);
  NSC_Report rep;
  NtpTs64 o;
  double dt;

  o = request(s, &m, &t1, 11);
  /* A spoofed RATE (wrong origin) changes nothing. */
  ck_assert_int_eq(kod(s, o + 1, NWR_KOD_RATE, 12, &t1), NSC_RX_BOGUS);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 6);
  ck_assert_uint_eq(rep.last_kod, 0);
  ck_assert_uint_eq(rep.reach, 0);

  /* Authentic RATE with a server poll below ours: one step up. */
  ck_assert_int_eq(kod(s, o, NWR_KOD_RATE, 3, &t1), NSC_RX_KOD_RATE);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 7);
  ck_assert_uint_eq(rep.last_kod, NWR_KOD_RATE);
  ck_assert_uint_eq(rep.reach, 1);
  ck_assert_int_eq(rep.online, 1);
  ck_assert_int_eq(rep.have_last, 0);
  dt = next_in(s, &m);
  ck_assert(dt >= 128 * 0.95 && dt <= 128 * 1.05);
  /* A replay of the same KoD is a duplicate and backs off no further. */
  ck_assert_int_eq(kod(s, o, NWR_KOD_RATE, 3, &t1), NSC_RX_DUPLICATE);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 7);

  /* The poll never goes back below the KoD's floor. */
  NSC_AdjustPoll(s, -1);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 7);

  /* Next RATE asks for poll 12: beyond maxpoll, honoured. */
  m = ts_add(&m, 200);
  t1 = ts_add(&t1, 200);
  o = request(s, &m, &t1, 12);
  ck_assert_int_eq(kod(s, o, NWR_KOD_RATE, 12, &t1), NSC_RX_KOD_RATE);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 12);
  ck_assert_uint_eq(rep.rx[NSC_RX_KOD_RATE], 2);
  NSC_AdjustPoll(s, -1);
  NSC_AdjustPoll(s, 1);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 12);
  dt = next_in(s, &m);
  ck_assert(dt >= 4096 * 0.95 && dt <= 4096 * 1.05);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_kod_stop)
{
  static const uint32_t codes[2] = {NWR_KOD_DENY, NWR_KOD_RSTR};
  int i;

  for (i = 0; i < 2; i++) {
    NSC_Source *s = mk(6, 10, 1, 0, 3.0, MONO0);
    struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0), n;
    NSC_Report rep;
    NtpTs64 o;
    uint8_t buf[48];

    o = request(s, &m, &t1, 21);
    /* Spoofed first: nothing happens. */
    ck_assert_int_eq(kod(s, 0, codes[i], 6, &t1), NSC_RX_BOGUS);
    ck_assert_int_eq(kod(s, o ^ 0x100, codes[i], 6, &t1), NSC_RX_BOGUS);
    NSC_GetReport(s, &rep);
    ck_assert_int_eq(rep.online, 1);
    ck_assert_int_eq(rep.stopped_by_kod, 0);
    ck_assert_int_eq(NSC_GetNextTx(s, &n), 1);

    ck_assert_int_eq(kod(s, o, codes[i], 6, &t1), NSC_RX_KOD_STOP);
    NSC_GetReport(s, &rep);
    ck_assert_int_eq(rep.online, 0);
    ck_assert_int_eq(rep.stopped_by_kod, 1);
    ck_assert_uint_eq(rep.last_kod, codes[i]);
    ck_assert_int_eq(rep.burst_left, 0);
    ck_assert_int_eq(NSC_GetNextTx(s, &n), 0);
    m = ts_add(&m, 100000);
    ck_assert_uint_eq(NSC_MakeRequest(s, &m, &t1, 1, buf, sizeof(buf)), 0);
    NSC_StartBurst(s, 4, &m);
    ck_assert_int_eq(NSC_GetNextTx(s, &n), 0);

    /* Only an explicit online resumes it. */
    NSC_SetOnline(s, 1, &m);
    NSC_GetReport(s, &rep);
    ck_assert_int_eq(rep.online, 1);
    ck_assert_int_eq(rep.stopped_by_kod, 0);
    ck_assert_double_eq_tol(next_in(s, &m), 0.0, 1e-9);
    ck_assert_uint_eq(NSC_MakeRequest(s, &m, &t1, 1, buf, sizeof(buf)), 48);
    NSC_Destroy(s);
  }
}
END_TEST

START_TEST(test_kod_other_and_unsync)
{
  NSC_Source *s = mk(6, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0);
  struct timespec t2 = ts_add(&t1, 0.01), t3 = ts_add(&t2, 0.001), t4 = ts_add(&t1, 0.021);
  NSC_Report rep;
  NtpTs64 o;
  Resp r;

  /* Unknown kiss code: the server is just not usable; we keep polling. */
  o = request(s, &m, &t1, 31);
  ck_assert_int_eq(kod(s, o, 0x494e4954u /* INIT */, 6, &t1), NSC_RX_UNSYNC);
  NSC_GetReport(s, &rep);
  ck_assert_uint_eq(rep.last_kod, 0x494e4954u);
  ck_assert_int_eq(rep.poll, 6);
  ck_assert_int_eq(rep.online, 1);
  ck_assert_uint_eq(rep.reach, 1);

  /* LI 3 with a normal stratum. */
  m = ts_add(&m, 100);
  o = request(s, &m, &t1, 32);
  r = resp_ok(o, &t2, &t3);
  r.leap = NWR_LEAP_UNSYNC;
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_UNSYNC);
  /* Stratum 16. */
  m = ts_add(&m, 100);
  o = request(s, &m, &t1, 33);
  r = resp_ok(o, &t2, &t3);
  r.stratum = 16;
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_UNSYNC);
  /* Stratum 0 without an ASCII code. */
  m = ts_add(&m, 100);
  o = request(s, &m, &t1, 34);
  r = resp_ok(o, &t2, &t3);
  r.stratum = 0;
  r.ref_id = 0x01020304u;
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_UNSYNC);
  NSC_GetReport(s, &rep);
  ck_assert_uint_eq(rep.last_kod, 0x494e4954u);
  ck_assert_uint_eq(rep.rx[NSC_RX_UNSYNC], 4);
  ck_assert_uint_eq(rep.reach, 0x0f);
  ck_assert_int_eq(rep.have_last, 0);
  ck_assert_int_eq(rep.online, 1);

  /* Stratum 15 with LI 1 (leap second insert) is a normal sample. */
  m = ts_add(&m, 100);
  o = request(s, &m, &t1, 35);
  r = resp_ok(o, &t2, &t3);
  r.stratum = 15;
  r.leap = NWR_LEAP_INSERT;
  {
    NSC_Sample smp;

    ck_assert_int_eq(deliver(s, &r, &t4, &smp), NSC_RX_SAMPLE);
    ck_assert_int_eq(smp.leap, 1);
    ck_assert_int_eq(smp.stratum, 15);
  }
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_maxdelay)
{
  NSC_Source *s = mk(6, 10, 0, 0, 0.1, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0);
  NSC_Sample smp;
  NSC_Report rep;

  memset(&smp, 0, sizeof(smp));
  ck_assert_int_eq(exchange(s, &m, &t1, 0.0, 0.1, 0.1, 41, &smp), NSC_RX_DELAY);
  NSC_GetReport(s, &rep);
  ck_assert_uint_eq(rep.reach, 1);
  ck_assert_int_eq(rep.have_last, 0);
  ck_assert_uint_eq(rep.rx[NSC_RX_DELAY], 1);
  ck_assert(smp.delay == 0.0); /* not filled */
  m = ts_add(&m, 100);
  ck_assert_int_eq(exchange(s, &m, &t1, 0.0, 0.04, 0.04, 42, &smp), NSC_RX_SAMPLE);
  ck_assert_double_eq_tol(smp.delay, 0.08, 1e-8);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_reach)
{
  static const int answered[12] = {1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1};
  NSC_Source *s = mk(4, 4, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0);
  NSC_Report rep;
  unsigned expect = 0;
  int i;

  for (i = 0; i < 12; i++) {
    NtpTs64 o = request(s, &m, &t1, 100 + (uint64_t)i);

    expect = (expect << 1) & 0xff;
    if (answered[i]) {
      struct timespec t2 = ts_add(&t1, 0.01), t3 = ts_add(&t2, 0.001), t4 = ts_add(&t1, 0.021);
      Resp r = resp_ok(o, &t2, &t3);

      ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_SAMPLE);
      expect |= 1;
    }
    NSC_GetReport(s, &rep);
    ck_assert_uint_eq(rep.reach, expect);
    m = ts_add(&m, 20);
    t1 = ts_add(&t1, 20);
  }
  ck_assert_uint_eq(rep.reach, 0x39); /* 0011 1001: the last 8 of the pattern */
  /* Eight unanswered polls: zero, and the source keeps polling at its poll. */
  for (i = 0; i < 8; i++) {
    request(s, &m, &t1, 200 + (uint64_t)i);
    m = ts_add(&m, 20);
  }
  NSC_GetReport(s, &rep);
  ck_assert_uint_eq(rep.reach, 0);
  ck_assert_int_eq(rep.online, 1);
  ck_assert_int_eq(rep.poll, 4);
  ck_assert_uint_eq(rep.tx, 20);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_iburst)
{
  NSC_Source *s = mk(6, 10, 1, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0), start = m;
  NSC_Report rep;
  double dt;
  int i;

  /* Four good answers: four requests 2 s apart, then the poll interval. */
  ck_assert_double_eq_tol(next_in(s, &m), 0.0, 1e-9);
  for (i = 0; i < 4; i++) {
    ck_assert_double_eq_tol(next_in(s, &start), 2.0 * i, 1e-9);
    ck_assert_int_eq(exchange(s, &m, &t1, 0.1, 0.01, 0.01, 300 + (uint64_t)i, NULL),
                     NSC_RX_SAMPLE);
    m = ts_add(&m, 2.0);
    t1 = ts_add(&t1, 2.0);
  }
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.burst_left, 0);
  dt = next_in(s, &start) - 6.0;
  ck_assert(dt >= 64 * 0.95 && dt <= 64 * 1.05);
  NSC_Destroy(s);

  /* No answers: eight requests 2 s apart, then the poll interval. */
  s = mk(6, 10, 1, 0, 3.0, MONO0);
  m = start;
  for (i = 0; i < 8; i++) {
    ck_assert_double_eq_tol(next_in(s, &start), 2.0 * i, 1e-9);
    request(s, &m, &t1, 400 + (uint64_t)i);
    m = ts_add(&m, 2.0);
  }
  dt = next_in(s, &start) - 14.0;
  ck_assert(dt >= 64 * 0.95 && dt <= 64 * 1.05);
  NSC_GetReport(s, &rep);
  ck_assert_uint_eq(rep.tx, 8);
  ck_assert_uint_eq(rep.reach, 0);

  /* Going offline and online again repeats the iburst. */
  NSC_SetOnline(s, 0, &m);
  NSC_SetOnline(s, 1, &m);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.burst_left, 8);
  ck_assert_double_eq_tol(next_in(s, &m), 0.0, 1e-9);
  NSC_Destroy(s);

  /* Without iburst the second request waits a whole poll. */
  s = mk(6, 10, 0, 0, 3.0, MONO0);
  m = start;
  request(s, &m, &t1, 500);
  dt = next_in(s, &start);
  ck_assert(dt >= 64 * 0.95 && dt <= 64 * 1.05);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_jitter)
{
  double lo = 1e9, hi = 0;
  uint64_t r;

  /* Intervals spread within ±5% and depend on the random bits, reproducibly. */
  for (r = 1; r <= 200; r++) {
    NSC_Source *s = mk(10, 10, 0, 0, 3.0, MONO0);
    struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0);
    double dt;

    request(s, &m, &t1, r * 0x9e3779b97f4a7c15ULL);
    dt = next_in(s, &m);
    ck_assert(dt >= 1024 * 0.95 && dt <= 1024 * 1.05);
    lo = dt < lo ? dt : lo;
    hi = dt > hi ? dt : hi;
    NSC_Destroy(s);
  }
  ck_assert(hi - lo > 1024 * 0.05);
}
END_TEST

START_TEST(test_adjust_poll)
{
  NSC_Source *s = mk(4, 6, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0);
  NSC_Report rep;
  double dt;
  int i;

  NSC_AdjustPoll(s, -1);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 4);
  /* Before the first request the initial schedule stands. */
  ck_assert_double_eq_tol(next_in(s, &m), 0.0, 1e-9);
  for (i = 0; i < 5; i++) {
    NSC_AdjustPoll(s, 1);
  }
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 6);
  NSC_AdjustPoll(s, 0);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 6);

  /* After a request the next one follows the adjusted poll. */
  request(s, &m, &t1, 600);
  dt = next_in(s, &m);
  ck_assert(dt >= 64 * 0.95 && dt <= 64 * 1.05);
  NSC_AdjustPoll(s, -5);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.poll, 5);
  dt = next_in(s, &m);
  ck_assert(dt >= 32 * 0.95 && dt <= 32 * 1.05);
  /* The request carries the poll in force. */
  {
    uint8_t buf[48];
    struct timespec n;

    ck_assert_int_eq(NSC_GetNextTx(s, &n), 1);
    ck_assert_uint_eq(NSC_MakeRequest(s, &n, &t1, 601, buf, sizeof(buf)), 48);
    ck_assert_uint_eq(buf[2], 5);
  }
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_online_offline)
{
  NSC_Source *s = mk(6, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0), n;
  uint8_t buf[48];
  NtpTs64 o;
  NSC_Report rep;
  struct timespec t2 = ts_add(&t1, 0.01), t3 = ts_add(&t2, 0.001), t4 = ts_add(&t1, 0.021);
  Resp r;

  o = request(s, &m, &t1, 700);
  NSC_SetOnline(s, 0, &m);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.online, 0);
  ck_assert_int_eq(rep.stopped_by_kod, 0);
  ck_assert_int_eq(NSC_GetNextTx(s, &n), 0);
  m = ts_add(&m, 1000);
  ck_assert_uint_eq(NSC_MakeRequest(s, &m, &t1, 701, buf, sizeof(buf)), 0);
  /* The answer to the request made before going offline still counts. */
  r = resp_ok(o, &t2, &t3);
  ck_assert_int_eq(deliver(s, &r, &t4, NULL), NSC_RX_SAMPLE);
  ck_assert_int_eq(NSC_GetNextTx(s, &n), 0);
  /* Bursts do nothing offline. */
  NSC_StartBurst(s, 3, &m);
  ck_assert_int_eq(NSC_GetNextTx(s, &n), 0);

  NSC_SetOnline(s, 1, &m);
  ck_assert_double_eq_tol(next_in(s, &m), 0.0, 1e-9);
  request(s, &m, &t1, 702);
  /* Online again while online changes nothing. */
  NSC_SetOnline(s, 1, &m);
  ck_assert(next_in(s, &m) > 60.0);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_burst_option)
{
  NSC_Source *s = mk(6, 10, 0, 1, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0), start;
  NSC_Report rep;
  double dt;
  int i;

  /* At minpoll a burst would shorten the average interval: single requests. */
  request(s, &m, &t1, 800);
  dt = next_in(s, &m);
  ck_assert(dt >= 64 * 0.95 && dt <= 64 * 1.05);

  /* At minpoll + 2 up to four requests 2 s apart while there is no good sample. */
  NSC_AdjustPoll(s, 1);
  NSC_AdjustPoll(s, 1);
  ck_assert_int_eq(NSC_GetNextTx(s, &m), 1);
  start = m;
  for (i = 0; i < 4; i++) {
    ck_assert_double_eq_tol(next_in(s, &start), 2.0 * i, 1e-9);
    request(s, &m, &t1, 810 + (uint64_t)i);
    m = ts_add(&m, 2.0);
  }
  dt = next_in(s, &start);
  ck_assert(dt >= 256 * 0.95 && dt <= 256 * 1.05);
  /* Exactly one interval after the burst's first request: a source polling at 2^8
     without bursts, with the same random bits, is due at the same time. */
  {
    NSC_Source *ref = mk(8, 8, 0, 0, 3.0, MONO0);
    struct timespec rs = start;

    request(ref, &rs, &t1, 813);
    ck_assert_double_eq_tol(next_in(s, &start), next_in(ref, &start), 1e-9);
    NSC_Destroy(ref);
  }

  /* A good sample ends the burst: the next poll is one interval after its start. */
  ck_assert_int_eq(NSC_GetNextTx(s, &m), 1);
  start = m;
  request(s, &m, &t1, 820);
  ck_assert_double_eq_tol(next_in(s, &start), 2.0, 1e-9);
  m = ts_add(&m, 2.0);
  ck_assert_int_eq(exchange(s, &m, &t1, 0.0, 0.01, 0.01, 821, NULL), NSC_RX_SAMPLE);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.burst_left, 0);
  dt = next_in(s, &start);
  ck_assert(dt >= 256 * 0.95 && dt <= 256 * 1.05);

  /* At minpoll + 1: two requests. */
  NSC_AdjustPoll(s, -1);
  ck_assert_int_eq(NSC_GetNextTx(s, &m), 1);
  start = m;
  request(s, &m, &t1, 830);
  m = ts_add(&m, 2.0);
  request(s, &m, &t1, 831);
  dt = next_in(s, &start);
  ck_assert(dt >= 128 * 0.95 && dt <= 128 * 1.05);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_start_burst)
{
  NSC_Source *s = mk(8, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0), start;
  NSC_Report rep;
  double dt;
  int i;

  request(s, &m, &t1, 900);
  m = ts_add(&m, 30);
  start = m;
  NSC_StartBurst(s, 3, &m);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.burst_left, 3);
  for (i = 0; i < 3; i++) {
    ck_assert_double_eq_tol(next_in(s, &start), 2.0 * i, 1e-9);
    request(s, &m, &t1, 901 + (uint64_t)i);
    m = ts_add(&m, 2.0);
  }
  dt = next_in(s, &start) - 4.0;
  ck_assert(dt >= 256 * 0.95 && dt <= 256 * 1.05);

  /* It ends early after n good samples; a huge n is capped. */
  NSC_StartBurst(s, 1000, &m);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.burst_left, 32);
  NSC_StartBurst(s, 2, &m);
  start = m;
  for (i = 0; i < 2; i++) {
    ck_assert_int_eq(exchange(s, &m, &t1, 0.0, 0.01, 0.01, 910 + (uint64_t)i, NULL),
                     NSC_RX_SAMPLE);
    m = ts_add(&m, 2.0);
  }
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.burst_left, 0);
  dt = next_in(s, &start) - 2.0;
  ck_assert(dt >= 256 * 0.95 && dt <= 256 * 1.05);
  /* n <= 0 does nothing. */
  NSC_StartBurst(s, 0, &m);
  NSC_StartBurst(s, -3, &m);
  NSC_GetReport(s, &rep);
  ck_assert_int_eq(rep.burst_left, 0);
  NSC_Destroy(s);
}
END_TEST

START_TEST(test_step)
{
  NSC_Source *s = mk(6, 10, 0, 0, 3.0, MONO0);
  struct timespec m = ts(MONO0, 0), t1 = ts(REAL0, 0);
  NSC_Sample smp;
  NtpTs64 o;

  /* True offset 0.5 s; the clock is stepped by +0.5 s while the request is in flight, so
     t4 is read on the new clock.  The sample must show what remains: zero. */
  o = request(s, &m, &t1, 1000);
  NSC_AdjustForStep(s, 0.5);
  NSC_AdjustForStep(s, NAN);
  {
    struct timespec t2 = ts_add(&t1, 0.010 + 0.5), t3 = ts_add(&t2, 0.001);
    struct timespec t4 = ts_add(&t1, 0.021 + 0.5);
    Resp r = resp_ok(o, &t2, &t3);

    ck_assert_int_eq(deliver(s, &r, &t4, &smp), NSC_RX_SAMPLE);
    ck_assert_double_eq_tol(smp.offset, 0.0, 1e-8);
    ck_assert_double_eq_tol(smp.delay, 0.020, 1e-8);
  }
  NSC_Destroy(s);
}
END_TEST

Suite *
source_suite(void)
{
  Suite *su = suite_create("source");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_create_params);
  tcase_add_test(tc, test_request_layout);
  tcase_add_test(tc, test_random_transmit);
  tcase_add_test(tc, test_offset_delay);
  tcase_add_test(tc, test_era_2036);
  tcase_add_test(tc, test_rejections);
  tcase_add_test(tc, test_versions_accepted);
  tcase_add_test(tc, test_kod_rate);
  tcase_add_test(tc, test_kod_stop);
  tcase_add_test(tc, test_kod_other_and_unsync);
  tcase_add_test(tc, test_maxdelay);
  tcase_add_test(tc, test_reach);
  tcase_add_test(tc, test_iburst);
  tcase_add_test(tc, test_jitter);
  tcase_add_test(tc, test_adjust_poll);
  tcase_add_test(tc, test_online_offline);
  tcase_add_test(tc, test_burst_option);
  tcase_add_test(tc, test_start_burst);
  tcase_add_test(tc, test_step);
  suite_add_tcase(su, tc);
  return su;
}
