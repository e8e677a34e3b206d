/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_clientlog.c - unit tests of the client log and rate limiter (CLG_).
 *
 * Time is a fake `now` and randomness a seeded xorshift, so every result reproduces.
 * Covers capacity from the byte limit, noclientlog, least-recently-seen eviction, token
 * refill and burst, the leak ratio, KoD versus drop (and the KoD bound), clock steps back,
 * parameter clamping and the per-client report.  No I/O.
 */
#include <stdint.h>
#include <string.h>

#include "clientlog.h"
#include "suites.h"

static struct timespec ts(double seconds)
{
  struct timespec t;

  t.tv_sec = (time_t)seconds;
  t.tv_nsec = (long)((seconds - (double)t.tv_sec) * 1e9 + 0.5);
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return t;
}

static struct timespec ts_ns(int64_t ns)
{
  struct timespec t;

  t.tv_sec = (time_t)(ns / 1000000000LL);
  t.tv_nsec = (long)(ns % 1000000000LL);
  return t;
}

static IPAddr host(uint32_t v4)
{
  IPAddr a;

  ADDR_FromIPv4(v4, &a);
  return a;
}

static CLG_RateParams rate(int interval, int burst, int leak, int kod)
{
  CLG_RateParams p;

  p.enabled = 1;
  p.interval = interval;
  p.burst = burst;
  p.leak = leak;
  p.kod = kod;
  return p;
}

/* No leak (low bits set) and no KoD (bits 16-19 set). */
#define RND_NONE 0xffffffffu
/* Leak bits zero: a limited request is answered. */
#define RND_LEAK 0xfffffff0u
/* KoD bits zero, leak bits not: a limited request gets a KoD when kod is on. */
#define RND_KOD 0xfff0ffffu

static uint32_t rng_state;

static uint32_t rnd(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static int is_pow2(size_t v)
{
  return v && (v & (v - 1)) == 0;
}

START_TEST(test_capacity_from_limit)
{
  size_t limits[] = {524288, 1048576, 2097152}, prev = 0, i;

  for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
    CLG_Table *t = CLG_Create(limits[i], NULL, 1);
    size_t c;

    ck_assert_ptr_nonnull(t);
    c = CLG_Capacity(t);
    /* Power-of-two buckets of 8 records, records of at least 32 bytes. */
    ck_assert_int_eq(c % 8, 0);
    ck_assert(is_pow2(c / 8));
    ck_assert_uint_le(c * 32, limits[i]);
    ck_assert_uint_eq(CLG_Count(t), 0);
    ck_assert_uint_eq(CLG_Evictions(t), 0);
    if (prev) {
      ck_assert_uint_eq(c, 2 * prev); /* doubling the memory doubles the records */
    }
    prev = c;
    CLG_Destroy(t);
  }
  /* The default 512 KiB holds some thousands of clients, as chrony's does. */
  {
    CLG_Table *t = CLG_Create(524288, NULL, 1);
    ck_assert_uint_ge(CLG_Capacity(t), 2048);
    ck_assert_uint_le(CLG_Capacity(t), 8192);
    CLG_Destroy(t);
  }
  CLG_Destroy(NULL);
}
END_TEST

START_TEST(test_noclientlog_passes_all)
{
  CLG_RateParams p = rate(3, 1, 4, 1);
  CLG_Table *t = CLG_Create(0, &p, 1);
  struct timespec now = ts(100);
  CLG_ClientReport r;
  IPAddr a = host(0x0a000001);
  int i;

  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(CLG_Capacity(t), 0);
  for (i = 0; i < 1000; i++) {
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  }
  ck_assert_uint_eq(CLG_Count(t), 0);
  ck_assert_int_eq(CLG_GetClient(t, 0, &now, &r), 0);
  CLG_Destroy(t);
}
END_TEST

START_TEST(test_disabled_rate_logs_and_passes)
{
  CLG_Table *t = CLG_Create(65536, NULL, 7);
  struct timespec now = ts(5);
  CLG_ClientReport r;
  IPAddr a = host(0xc0000201);
  int i;

  for (i = 0; i < 500; i++) {
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  }
  ck_assert_uint_eq(CLG_Count(t), 1);
  ck_assert_int_eq(CLG_GetClient(t, 0, &now, &r), 1);
  ck_assert_uint_eq(r.ntp_hits, 500);
  ck_assert_uint_eq(r.ntp_drops, 0);
  ck_assert_int_eq(CLG_RateInterval(t), 0);
  CLG_Destroy(t);
}
END_TEST

START_TEST(test_burst_and_refill)
{
  CLG_RateParams p = rate(3, 8, 4, 0);
  CLG_Table *t = CLG_Create(65536, &p, 42);
  IPAddr a = host(0x0a000001), b = host(0x0a000002);
  struct timespec now = ts(1000);
  int i;

  ck_assert_int_eq(CLG_RateInterval(t), 3);
  /* A new client may send a full burst at once... */
  for (i = 0; i < 8; i++) {
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  }
  /* ...and then no more without time passing. */
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  /* Another client has its own bucket. */
  ck_assert_int_eq(CLG_Access(t, &b, &now, RND_NONE), CLG_PASS);
  /* 7.9 s later: not yet a token; at 8 s (total since last access) one. */
  now = ts(1007.9);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  now = ts(1008.0);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  /* Three intervals: three answers. */
  now = ts(1032.0);
  for (i = 0; i < 3; i++) {
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  }
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  /* A long silence refills only up to the burst. */
  now = ts(100000.0);
  for (i = 0; i < 8; i++) {
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  }
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  /* A client polling exactly at the interval is never limited. */
  for (i = 1; i <= 100; i++) {
    now = ts(200000.0 + 8.0 * i);
    ck_assert_int_eq(CLG_Access(t, &b, &now, RND_NONE), CLG_PASS);
  }
  CLG_Destroy(t);
}
END_TEST

START_TEST(test_sub_second_intervals)
{
  CLG_RateParams p = rate(-2, 1, 4, 0);
  CLG_Table *t = CLG_Create(65536, &p, 42);
  IPAddr a = host(0x0a000001);
  struct timespec now;

  now = ts(10.0);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  now = ts(10.2);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  now = ts(10.25);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  CLG_Destroy(t);

  /* The shortest interval, 2^-19 s = 1907 ns (truncated to whole ns). */
  p = rate(-19, 1, 4, 0);
  t = CLG_Create(65536, &p, 42);
  now = ts_ns(5000000000LL);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  now = ts_ns(5000000000LL + 1000);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  now = ts_ns(5000000000LL + 1907);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  ck_assert_int_eq(CLG_RateInterval(t), -19);
  CLG_Destroy(t);
}
END_TEST

START_TEST(test_clock_backwards)
{
  CLG_RateParams p = rate(0, 2, 4, 0);
  CLG_Table *t = CLG_Create(65536, &p, 42);
  IPAddr a = host(0x0a000001);
  struct timespec now = ts(1000);
  CLG_ClientReport r;

  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  /* Time jumps back an hour: no credit appears, nothing breaks. */
  now = ts(-2600);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  /* From there on it refills normally. */
  now = ts(-2599);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  /* Absurd times do not overflow. */
  now.tv_sec = (time_t)INT64_MAX;
  now.tv_nsec = 999999999;
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  /* That refilled the bucket (2 tokens, 1 used); the far past adds nothing. */
  now.tv_sec = (time_t)INT64_MIN;
  now.tv_nsec = -5;
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  ck_assert_int_eq(CLG_GetClient(t, 0, &now, &r), 1);
  ck_assert_uint_eq(r.ntp_hits, 8);
  CLG_Destroy(t);
}
END_TEST

/* Flood one address far beyond its burst and count the verdicts. */
static void flood(int leak, int kod, int n, int *pass, int *drop, int *kods)
{
  CLG_RateParams p = rate(12, 1, leak, kod);
  CLG_Table *t = CLG_Create(65536, &p, 42);
  IPAddr a = host(0x0a000001);
  struct timespec now = ts(50);
  int i;

  *pass = *drop = *kods = 0;
  for (i = 0; i < n; i++) {
    switch (CLG_Access(t, &a, &now, rnd())) {
    case CLG_PASS:
      (*pass)++;
      break;
    case CLG_DROP:
      (*drop)++;
      break;
    default:
      (*kods)++;
      break;
    }
  }
  {
    CLG_ClientReport r;
    ck_assert_int_eq(CLG_GetClient(t, 0, &now, &r), 1);
    ck_assert_uint_eq(r.ntp_hits, (uint64_t)n);
    ck_assert_uint_eq(r.ntp_drops, (uint64_t)*drop);
    ck_assert_uint_eq(r.ntp_kods, (uint64_t)*kods);
  }
  CLG_Destroy(t);
}

START_TEST(test_leak_ratio)
{
  const int n = 200000;
  int leak;

  rng_state = 0x9e3779b9u;
  for (leak = 1; leak <= 4; leak++) {
    int pass, drop, kods;
    double expect = (double)(n - 1) / (1 << leak) + 1; /* + the one real token */

    flood(leak, 0, n, &pass, &drop, &kods);
    ck_assert_int_eq(kods, 0);
    ck_assert_int_eq(pass + drop, n);
    ck_assert_msg(pass > expect * 0.97 && pass < expect * 1.03, "leak %d: %d passed, expected %.0f",
                  leak, pass, expect);
  }
  /* The leak decision is the caller's random bits, exactly. */
  {
    CLG_RateParams p = rate(12, 1, 2, 0);
    CLG_Table *t = CLG_Create(65536, &p, 42);
    IPAddr a = host(0x0a000009);
    struct timespec now = ts(50);

    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_LEAK), CLG_PASS);
    ck_assert_int_eq(CLG_Access(t, &a, &now, 0xfffffffcu), CLG_PASS); /* leak 2: 2 bits */
    ck_assert_int_eq(CLG_Access(t, &a, &now, 0xfffffffdu), CLG_DROP);
    CLG_Destroy(t);
  }
}
END_TEST

START_TEST(test_kod_versus_drop)
{
  const int n = 200000;
  int leak;

  rng_state = 0x2545f491u;
  for (leak = 1; leak <= 4; leak++) {
    int pass, drop, kods;
    double share = 1.0 / (1 << leak);

    flood(leak, 1, n, &pass, &drop, &kods);
    ck_assert_int_eq(pass + drop + kods, n);
    /* KoDs are a second stream of at most the leak rate, never one per packet. */
    ck_assert_msg(kods < n * share * 1.03, "leak %d: %d KoDs", leak, kods);
    ck_assert_msg(kods > n * share * (1 - share) * 0.97, "leak %d: %d KoDs", leak, kods);
    ck_assert_msg(pass < n * share * 1.03 + 1, "leak %d: %d passed", leak, pass);
    ck_assert_int_gt(drop, 0);
  }
  /* Without kod, the KoD bits change nothing. */
  {
    CLG_RateParams p = rate(12, 1, 2, 0);
    CLG_Table *t = CLG_Create(65536, &p, 42);
    IPAddr a = host(0x0a000009);
    struct timespec now = ts(50);

    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_KOD), CLG_DROP);
    CLG_Destroy(t);
  }
  /* With kod: KoD only for limited requests, and the leak still answers normally. */
  {
    CLG_RateParams p = rate(12, 1, 2, 1);
    CLG_Table *t = CLG_Create(65536, &p, 42);
    IPAddr a = host(0x0a000009);
    struct timespec now = ts(50);

    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_KOD), CLG_PASS); /* has a token */
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_KOD), CLG_KOD);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_LEAK), CLG_PASS);
    ck_assert_int_eq(CLG_Access(t, &a, &now, 0u), CLG_PASS); /* leak wins over KoD */
    CLG_Destroy(t);
  }
}
END_TEST

START_TEST(test_parameter_clamps)
{
  /* leak 0 is taken as 1 (chrony's minimum): half of a flood is dropped, not none. */
  int pass, drop, kods;

  rng_state = 0x5bd1e995u;
  flood(0, 0, 10000, &pass, &drop, &kods);
  ck_assert_int_gt(drop, 4500);
  ck_assert_int_lt(drop, 5500);
  {
    CLG_RateParams p = rate(100, 0, 9, 0);
    CLG_Table *t = CLG_Create(65536, &p, 42);
    IPAddr a = host(0x0a000009);
    struct timespec now = ts(50);

    ck_assert_int_eq(CLG_RateInterval(t), 12);
    /* burst 0 -> 1 */
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
    now = ts(50 + 4095);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
    now = ts(50 + 4096);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
    CLG_Destroy(t);
  }
  {
    CLG_RateParams p = rate(-50, 1000, 2, 0);
    CLG_Table *t = CLG_Create(65536, &p, 42);
    IPAddr a = host(0x0a000009);
    struct timespec now = ts(50);
    int i;

    ck_assert_int_eq(CLG_RateInterval(t), -19);
    for (i = 0; i < 255; i++) {
      ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
    }
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
    CLG_Destroy(t);
  }
}
END_TEST

/* Find a limit that gives a single bucket of at least `want` (< 8) records. */
static CLG_Table *small_table(size_t want, const CLG_RateParams *p)
{
  size_t limit;

  for (limit = 1; limit < 4096; limit++) {
    CLG_Table *t = CLG_Create(limit, p, 3);
    ck_assert_ptr_nonnull(t);
    if (CLG_Capacity(t) >= want) {
      ck_assert_uint_eq(CLG_Capacity(t), want);
      return t;
    }
    CLG_Destroy(t);
  }
  ck_abort_msg("no limit gives %zu records", want);
  return NULL;
}

static int present(const CLG_Table *t, uint32_t v4)
{
  IPAddr a = host(v4);
  struct timespec now = ts(0);
  CLG_ClientReport r;
  size_t i;

  for (i = 0; CLG_GetClient(t, i, &now, &r); i++) {
    if (ADDR_Equal(&r.addr, &a)) {
      return 1;
    }
  }
  return 0;
}

START_TEST(test_eviction_tiny_limit)
{
  CLG_Table *t = CLG_Create(1, NULL, 3);
  IPAddr a = host(1), b = host(2), c = host(3), d = host(4);
  struct timespec now;

  /* Even one byte gives one record. */
  ck_assert_uint_eq(CLG_Capacity(t), 1);
  now = ts(1);
  CLG_Access(t, &a, &now, RND_NONE);
  now = ts(2);
  CLG_Access(t, &b, &now, RND_NONE);
  ck_assert_uint_eq(CLG_Count(t), 1);
  ck_assert_uint_eq(CLG_Evictions(t), 1);
  ck_assert_int_eq(present(t, 2), 1);
  ck_assert_int_eq(present(t, 1), 0);
  CLG_Destroy(t);

  /* Three records in one bucket: the least recently seen one goes. */
  t = small_table(3, NULL);
  now = ts(1);
  CLG_Access(t, &a, &now, RND_NONE);
  now = ts(2);
  CLG_Access(t, &b, &now, RND_NONE);
  now = ts(3);
  CLG_Access(t, &c, &now, RND_NONE);
  now = ts(4);
  CLG_Access(t, &a, &now, RND_NONE); /* a is now the most recent, b the oldest */
  ck_assert_uint_eq(CLG_Evictions(t), 0);
  now = ts(5);
  CLG_Access(t, &d, &now, RND_NONE);
  ck_assert_uint_eq(CLG_Evictions(t), 1);
  ck_assert_uint_eq(CLG_Count(t), 3);
  ck_assert_int_eq(present(t, 1), 1);
  ck_assert_int_eq(present(t, 2), 0);
  ck_assert_int_eq(present(t, 3), 1);
  ck_assert_int_eq(present(t, 4), 1);
  CLG_Destroy(t);
}
END_TEST

START_TEST(test_evicted_client_restarts_fresh)
{
  /* An evicted record comes back with a new, full bucket: eviction never carries another
     client's state over. */
  CLG_RateParams p = rate(10, 2, 4, 0);
  CLG_Table *t = CLG_Create(1, &p, 3);
  IPAddr a = host(1), b = host(2);
  struct timespec now = ts(10);
  CLG_ClientReport r;

  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_DROP);
  ck_assert_int_eq(CLG_Access(t, &b, &now, RND_NONE), CLG_PASS);
  ck_assert_int_eq(CLG_GetClient(t, 0, &now, &r), 1);
  ck_assert_uint_eq(r.ntp_hits, 1);
  ck_assert_uint_eq(r.ntp_drops, 0);
  CLG_Destroy(t);
}
END_TEST

START_TEST(test_address_flood_bounded)
{
  CLG_RateParams p = rate(3, 8, 2, 0);
  CLG_Table *t = CLG_Create(8192, &p, 0xdeadbeef);
  struct timespec now;
  size_t cap = CLG_Capacity(t), i;
  const size_t n = 50000;

  ck_assert_uint_gt(cap, 8);
  for (i = 0; i < n; i++) {
    IPAddr a;
    memset(&a, 0, sizeof(a));
    a.family = ADDR_INET6;
    a.addr[0] = 0x20;
    a.addr[1] = 0x01;
    a.addr[12] = (uint8_t)(i >> 24);
    a.addr[13] = (uint8_t)(i >> 16);
    a.addr[14] = (uint8_t)(i >> 8);
    a.addr[15] = (uint8_t)i;
    now = ts_ns((int64_t)i * 1000);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS); /* every one is new */
  }
  ck_assert_uint_le(CLG_Count(t), cap);
  ck_assert_uint_eq(CLG_Count(t) + CLG_Evictions(t), n);
  /* The hash spreads the addresses: nearly every slot ends up used. */
  ck_assert_uint_ge(CLG_Count(t), cap * 9 / 10);
  CLG_Destroy(t);
}
END_TEST

START_TEST(test_client_report)
{
  CLG_RateParams p = rate(3, 2, 4, 1);
  CLG_Table *t = CLG_Create(65536, &p, 11);
  IPAddr a = host(0xc0000201), b;
  struct timespec now;
  CLG_ClientReport r;
  int i;

  ck_assert_int_eq(ADDR_Parse("2001:db8::5", &b), 1);
  /* a: regular 16 s polling. */
  for (i = 0; i < 10; i++) {
    now = ts(100 + 16.0 * i);
    ck_assert_int_eq(CLG_Access(t, &a, &now, RND_NONE), CLG_PASS);
  }
  /* b: one request, then a burst with a drop and a KoD. */
  now = ts(300);
  CLG_Access(t, &b, &now, RND_NONE);
  CLG_Access(t, &b, &now, RND_NONE);
  ck_assert_int_eq(CLG_Access(t, &b, &now, RND_NONE), CLG_DROP);
  ck_assert_int_eq(CLG_Access(t, &b, &now, RND_KOD), CLG_KOD);

  now = ts(310);
  ck_assert_uint_eq(CLG_Count(t), 2);
  {
    int seen_a = 0, seen_b = 0;
    size_t k;
    for (k = 0; CLG_GetClient(t, k, &now, &r); k++) {
      if (ADDR_Equal(&r.addr, &a)) {
        seen_a = 1;
        ck_assert_uint_eq(r.ntp_hits, 10);
        ck_assert_uint_eq(r.ntp_drops, 0);
        ck_assert_uint_eq(r.ntp_kods, 0);
        ck_assert_double_eq_tol(r.interval, 16.0, 1e-9);
        ck_assert_double_eq_tol(r.last_ago, 310 - (100 + 16.0 * 9), 1e-9);
      } else if (ADDR_Equal(&r.addr, &b)) {
        seen_b = 1;
        ck_assert_uint_eq(r.ntp_hits, 4);
        ck_assert_uint_eq(r.ntp_drops, 1);
        ck_assert_uint_eq(r.ntp_kods, 1);
        ck_assert_double_eq_tol(r.interval, 0.0, 1e-12);
        ck_assert_double_eq_tol(r.last_ago, 10.0, 1e-9);
      } else {
        ck_abort_msg("unexpected record");
      }
    }
    ck_assert_uint_eq(k, 2);
    ck_assert(seen_a && seen_b);
  }
  ck_assert_int_eq(CLG_GetClient(t, 2, &now, &r), 0);

  /* The average moves toward a new interval without jumping to it. */
  now = ts(100 + 16.0 * 9 + 64);
  CLG_Access(t, &a, &now, RND_NONE);
  {
    size_t k;
    for (k = 0; CLG_GetClient(t, k, &now, &r); k++) {
      if (ADDR_Equal(&r.addr, &a)) {
        ck_assert(r.interval > 16.0 && r.interval < 64.0);
      }
    }
  }
  /* A single request has no interval yet. */
  {
    CLG_Table *u = CLG_Create(65536, NULL, 1);
    CLG_Access(u, &a, &now, RND_NONE);
    ck_assert_int_eq(CLG_GetClient(u, 0, &now, &r), 1);
    ck_assert_uint_eq(r.ntp_hits, 1);
    ck_assert_double_eq_tol(r.interval, 0.0, 1e-12);
    ck_assert_double_eq_tol(r.last_ago, 0.0, 1e-12);
    CLG_Destroy(u);
  }
  CLG_Destroy(t);
}
END_TEST

Suite *clientlog_suite(void)
{
  Suite *s = suite_create("clientlog");
  TCase *tc = tcase_create("clientlog");

  tcase_add_test(tc, test_capacity_from_limit);
  tcase_add_test(tc, test_noclientlog_passes_all);
  tcase_add_test(tc, test_disabled_rate_logs_and_passes);
  tcase_add_test(tc, test_burst_and_refill);
  tcase_add_test(tc, test_sub_second_intervals);
  tcase_add_test(tc, test_clock_backwards);
  tcase_add_test(tc, test_leak_ratio);
  tcase_add_test(tc, test_kod_versus_drop);
  tcase_add_test(tc, test_parameter_clamps);
  tcase_add_test(tc, test_eviction_tiny_limit);
  tcase_add_test(tc, test_evicted_client_restarts_fresh);
  tcase_add_test(tc, test_address_flood_bounded);
  tcase_add_test(tc, test_client_report);
  suite_add_tcase(s, tc);
  return s;
}
