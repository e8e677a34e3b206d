/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_source.c - one upstream NTP server (client/server mode) as a state machine [core].
 *
 * Builds requests that carry nothing but a random transmit timestamp (client data
 * minimisation, draft-ietf-ntp-data-minimization), checks responses against it (RFC 5905
 * §8), turns good ones into samples, keeps the reachability register (RFC 5905 §13), honours
 * KoD (RFC 5905 §7.4) and runs iburst/burst schedules.
 *
 * No I/O and no clock reads: every time comes in as an argument, and the only randomness is
 * the random64 the caller passes with each request.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ntp_source.h"
#include "ntp_wire.h"
#include "util.h"

/* Poll range we support (chrony allows down to -7; sub-second polls are not done yet). */
#define MIN_POLL 0
#define MAX_POLL 24

/* iburst: requests 2 s apart until 4 good samples, at most 8 requests (as chrony). */
#define IBURST_GOOD 4
#define IBURST_TOTAL 8
/* burst option: at most 4 requests per poll, ending at the first good sample. */
#define AUTO_BURST_TOTAL 4
/* chronyc burst: at most this many requests. */
#define MAX_BURST 32
#define BURST_INTERVAL 2.0

/* Poll intervals are spread by up to this fraction either way, so that clients started
   together do not keep polling a server in step. */
#define POLL_JITTER 0.05

/* RFC 5905 §7.2: frequency tolerance PHI, 15 ppm. */
#define PHI 15e-6

struct NSC_Source {
  NSC_Params p;
  int poll;
  int kod_floor;          /* poll asked for by a RATE KoD (MIN_POLL - 1: none) */
  int online;
  int stopped_by_kod;
  uint32_t last_kod;
  uint8_t reach;

  int have_next;
  struct timespec next_tx;    /* mono */
  struct timespec cycle_start;/* mono: the request that began the current poll interval */
  double jitter;              /* factor on 2^poll, from the last request's random bits */

  /* The latest request; older ones are forgotten, so answers to them are bogus. */
  int in_flight;
  int answered;
  NtpTs64 tx_cookie;          /* our transmit timestamp: random, never zero */
  struct timespec t1;         /* local (cooked real) send time */
  int req_poll;

  int burst_left;             /* requests still to send in the current burst */
  int burst_good;             /* good samples still wanted to end it early */
  int burst_auto;             /* the burst is the `burst` option's: keep the cycle start */

  uint64_t tx;
  uint64_t rx[NSC_RX_COUNT];
  int have_last;
  NSC_Sample last_sample;
  struct timespec last_rx;
};

const char *
NSC_RxResultName(NSC_RxResult r)
{
  switch (r) {
    case NSC_RX_SAMPLE:
      return "sample";
    case NSC_RX_KOD_RATE:
      return "kod-rate";
    case NSC_RX_KOD_STOP:
      return "kod-stop";
    case NSC_RX_UNSYNC:
      return "unsync";
    case NSC_RX_DELAY:
      return "delay";
    case NSC_RX_BOGUS:
      return "bogus";
    case NSC_RX_DUPLICATE:
      return "duplicate";
    case NSC_RX_MALFORMED:
      return "malformed";
    default:
      return "unknown";
  }
}

void
NSC_DefaultParams(NSC_Params *p)
{
  memset(p, 0, sizeof(*p));
  p->addr.family = ADDR_UNSPEC;
  p->port = 123;
  p->minpoll = 6;
  p->maxpoll = 10;
  p->maxdelay = 3.0;
  p->version = 4;
}

/* A 64-bit mixer (splitmix64 finaliser), so that the jitter does not simply repeat bits
   of the transmit timestamp that the server sees. */
static uint64_t
mix64(uint64_t x)
{
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static double
jitter_from(uint64_t random64)
{
  /* 53 random bits -> [0, 1) -> [1 - J, 1 + J) */
  double u = (double)(mix64(random64 ^ 0x6a09e667f3bcc909ULL) >> 11) * 0x1.0p-53;

  return 1.0 + (2.0 * u - 1.0) * POLL_JITTER;
}

static double
poll_interval(const NSC_Source *s)
{
  return UTI_Log2ToDouble(s->poll) * s->jitter;
}

/* 2 s, or the poll interval when that is shorter. */
static double
burst_interval(const NSC_Source *s)
{
  double p = UTI_Log2ToDouble(s->poll);

  return p < BURST_INTERVAL ? p : BURST_INTERVAL;
}

static int
clamp_int(int v, int lo, int hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* Lowest and highest poll allowed now: a RATE KoD's floor overrides both bounds. */
static int
poll_low(const NSC_Source *s)
{
  return s->p.minpoll > s->kod_floor ? s->p.minpoll : s->kod_floor;
}

static int
poll_high(const NSC_Source *s)
{
  return s->p.maxpoll > s->kod_floor ? s->p.maxpoll : s->kod_floor;
}

static void
end_burst(NSC_Source *s)
{
  s->burst_left = 0;
  s->burst_good = 0;
  s->burst_auto = 0;
}

/* Schedule the next regular poll one interval after the current cycle began (it may be
   in the past after a poll decrease: then it is simply due). */
static void
schedule_next_poll(NSC_Source *s)
{
  if (!s->online) {
    s->have_next = 0;
    return;
  }
  UTI_AddDoubleToTimespec(&s->cycle_start, poll_interval(s), &s->next_tx);
  s->have_next = 1;
}

static void
start_burst(NSC_Source *s, int total, int good, const struct timespec *mono_now)
{
  s->burst_left = total;
  s->burst_good = good;
  s->burst_auto = 0;
  s->next_tx = *mono_now;
  s->have_next = 1;
}

NSC_Source *
NSC_Create(const NSC_Params *p, const struct timespec *mono_now)
{
  NSC_Source *s;

  if (!p || !mono_now) {
    return NULL;
  }
  if (p->minpoll < MIN_POLL || p->minpoll > MAX_POLL || p->maxpoll < p->minpoll ||
      p->maxpoll > MAX_POLL || !(p->maxdelay > 0.0) || !isfinite(p->maxdelay) ||
      p->version < 0 || p->version > 4) {
    return NULL;
  }
  s = calloc(1, sizeof(*s));
  if (!s) {
    return NULL;
  }
  s->p = *p;
  /* Zero means "default" for these two, so that a zeroed struct plus an address works. */
  if (s->p.version == 0) {
    s->p.version = 4;
  }
  if (s->p.port == 0) {
    s->p.port = 123;
  }
  s->poll = s->p.minpoll;
  s->kod_floor = MIN_POLL - 1;
  s->online = 1;
  s->jitter = 1.0;
  s->cycle_start = *mono_now;
  s->next_tx = *mono_now;
  s->have_next = 1;
  if (s->p.iburst) {
    start_burst(s, IBURST_TOTAL, IBURST_GOOD, mono_now);
  }
  return s;
}

void
NSC_Destroy(NSC_Source *s)
{
  free(s);
}

int
NSC_GetNextTx(const NSC_Source *s, struct timespec *mono)
{
  if (!s->online || !s->have_next) {
    return 0;
  }
  *mono = s->next_tx;
  return 1;
}

/* Requests the `burst` option allows in one poll: the average interval must stay at or
   above 2^minpoll, so two requests need a poll of minpoll + 1, four need minpoll + 2. */
static int
auto_burst_total(const NSC_Source *s)
{
  int d = s->poll - s->p.minpoll;

  if (d <= 0) {
    return 1;
  }
  return d >= 2 ? AUTO_BURST_TOTAL : 2;
}

size_t
NSC_MakeRequest(NSC_Source *s, const struct timespec *mono_now,
                const struct timespec *real_now, uint64_t random64, uint8_t *buf, size_t cap)
{
  NWR_Header h;

  if (!s->online || !s->have_next || cap < NWR_HEADER_LEN ||
      UTI_CompareTimespecs(mono_now, &s->next_tx) < 0) {
    return 0;
  }

  /* Data minimisation: LI 0, stratum, precision, root values, reference id and all
     timestamps but the transmit are zero; the transmit timestamp is random so it reveals
     nothing about our clock, and an off-path attacker cannot guess what the origin of a
     genuine answer must be (CVE-2015-8138, CVE-2020-13817).  Zero is reserved for "unset"
     and never used. */
  memset(&h, 0, sizeof(h));
  h.leap = NWR_LEAP_NONE;
  h.version = (uint8_t)s->p.version;
  h.mode = NWR_MODE_CLIENT;
  h.poll = (int8_t)s->poll;
  h.tx_ts = random64 != 0 ? random64 : 0x8000000000000001ULL;
  if (NWR_EncodeHeader(&h, buf, cap) != NWR_HEADER_LEN) {
    return 0;
  }

  s->in_flight = 1;
  s->answered = 0;
  s->tx_cookie = h.tx_ts;
  s->t1 = *real_now;
  s->req_poll = s->poll;
  s->tx++;
  /* RFC 5905 §13: the register shifts at each poll; an answer sets bit 0 again. */
  s->reach = (uint8_t)(s->reach << 1);
  s->jitter = jitter_from(random64);

  if (s->burst_left > 0) {
    s->burst_left--;
    if (!s->burst_auto) {
      s->cycle_start = *mono_now;
    }
  } else {
    s->cycle_start = *mono_now;
    if (s->p.burst) {
      int n = auto_burst_total(s);

      if (n > 1) {
        s->burst_left = n - 1;
        s->burst_good = 1;
        s->burst_auto = 1;
      }
    }
  }
  if (s->burst_left > 0) {
    UTI_AddDoubleToTimespec(mono_now, burst_interval(s), &s->next_tx);
    s->have_next = 1;
  } else {
    end_burst(s);
    schedule_next_poll(s);
  }
  return NWR_HEADER_LEN;
}

/* A kiss code is four printable ASCII characters (RFC 5905 §7.4). */
static int
is_ascii_code(uint32_t id)
{
  int i;

  for (i = 0; i < 4; i++) {
    uint8_t c = (uint8_t)(id >> (24 - 8 * i));

    if (c < 0x20 || c > 0x7e) {
      return 0;
    }
  }
  return 1;
}

static NSC_RxResult
count(NSC_Source *s, NSC_RxResult r)
{
  s->rx[r]++;
  return r;
}

/* The response is authentic as far as the origin check can tell: the server answered. */
static void
mark_answered(NSC_Source *s, const struct timespec *rx_real)
{
  s->answered = 1;
  s->reach |= 1;
  s->last_rx = *rx_real;
}

NSC_RxResult
NSC_ProcessResponse(NSC_Source *s, const uint8_t *buf, size_t len,
                    const struct timespec *rx_real, int precision_log2, NSC_Sample *sample)
{
  NWR_Packet pkt;
  const NWR_Header *h;
  struct timespec t2, t3;
  double d41, d32, d21, d34, precisions, delay, offset;
  NSC_Sample smp;

  /* RFC 5905 §8 format checks.  Only the header is used: extension fields and MACs are
     ignored, so their parse status does not matter as long as there are 48 bytes. */
  if (!buf || len < NWR_HEADER_LEN) {
    return count(s, NSC_RX_MALFORMED);
  }
  (void)NWR_Parse(buf, len, &pkt);
  h = &pkt.h;
  /* Server mode only: symmetric (1/2), broadcast, control and private are not answers to
     a client request. */
  if (h->mode != NWR_MODE_SERVER || h->version < 1 || h->version > 4) {
    return count(s, NSC_RX_MALFORMED);
  }

  /* Origin check (RFC 5905 §8 "bogus" test): it must echo the random transmit timestamp of
     our latest request.  A zero origin never matches, since our cookie is never zero. */
  if (!s->in_flight || h->orig_ts == 0 || h->orig_ts != s->tx_cookie) {
    return count(s, NSC_RX_BOGUS);
  }
  if (s->answered) {
    return count(s, NSC_RX_DUPLICATE);
  }

  /* KoD (RFC 5905 §7.4): stratum 0 with a kiss code.  Acted on only now that the origin
     matched, so an off-path attacker cannot stop or slow us (CVE-2015-7704). */
  if (h->stratum == 0) {
    mark_answered(s, rx_real);
    if (is_ascii_code(h->ref_id)) {
      s->last_kod = h->ref_id;
    }
    if (h->ref_id == NWR_KOD_RATE) {
      /* Back off at least one step, and to at least the poll the server says it wants. */
      int floor = s->poll + 1;

      if (h->poll > floor) {
        floor = h->poll;
      }
      floor = clamp_int(floor, s->p.minpoll, MAX_POLL);
      if (floor > s->kod_floor) {
        s->kod_floor = floor;
      }
      if (s->poll < s->kod_floor) {
        s->poll = s->kod_floor;
      }
      /* A burst is exactly what the server asked us not to do. */
      end_burst(s);
      schedule_next_poll(s);
      return count(s, NSC_RX_KOD_RATE);
    }
    if (h->ref_id == NWR_KOD_DENY || h->ref_id == NWR_KOD_RSTR) {
      s->online = 0;
      s->stopped_by_kod = 1;
      s->have_next = 0;
      end_burst(s);
      return count(s, NSC_RX_KOD_STOP);
    }
    /* Any other code (or stratum 0 without one): the server is not synchronised. */
    return count(s, NSC_RX_UNSYNC);
  }

  /* RFC 5905 §8: an unsynchronised server answers, but its time is not used. */
  if (h->leap == NWR_LEAP_UNSYNC || h->stratum >= 16) {
    mark_answered(s, rx_real);
    return count(s, NSC_RX_UNSYNC);
  }

  /* Zero receive or transmit timestamps mean the server did not fill them in.  Not taken
     as an answer, so that a proper one to the same request is still accepted. */
  if (h->rx_ts == 0 || h->tx_ts == 0) {
    return count(s, NSC_RX_MALFORMED);
  }

  /* RFC 5905 §8, on-wire protocol: t1 our send time, t2 server receive, t3 server transmit,
     t4 our receive time.  The server's timestamps are placed in the era nearest our
     receive time (RFC 5905 §6), which carries us across 2036.  Differences are taken
     pairwise so that no precision is lost to the size of absolute times. */
  UTI_Ntp64ToTimespec(h->rx_ts, rx_real, &t2);
  UTI_Ntp64ToTimespec(h->tx_ts, rx_real, &t3);
  d41 = UTI_DiffTimespecs(rx_real, &s->t1);
  d32 = UTI_DiffTimespecs(&t3, &t2);
  d21 = UTI_DiffTimespecs(&t2, &s->t1);
  d34 = UTI_DiffTimespecs(&t3, rx_real);

  offset = (d21 + d34) / 2.0;
  delay = d41 - d32;
  /* A delay below the two clocks' resolution (even negative, when the server's clock ran
     fast between t2 and t3) means nothing finer than that resolution. */
  precisions = UTI_Log2ToDouble(h->precision) + UTI_Log2ToDouble(precision_log2);
  if (!(delay >= precisions)) {
    delay = precisions;
  }

  mark_answered(s, rx_real);

  if (delay > s->p.maxdelay) {
    return count(s, NSC_RX_DELAY);
  }

  memset(&smp, 0, sizeof(smp));
  smp.time = *rx_real;
  smp.offset = offset;
  smp.delay = delay;
  /* RFC 5905 §8: ε = 2^ρ(server) + 2^ρ(local) + PHI × (T4 - T1). */
  smp.dispersion = precisions + PHI * (d41 > 0.0 ? d41 : 0.0);
  smp.root_delay = UTI_Ntp32ToDouble(h->root_delay);
  smp.root_dispersion = UTI_Ntp32ToDouble(h->root_dispersion);
  smp.stratum = h->stratum;
  smp.leap = h->leap;
  smp.ref_id = h->ref_id;
  smp.poll = s->req_poll;

  s->have_last = 1;
  s->last_sample = smp;
  if (sample) {
    *sample = smp;
  }

  if (s->burst_left > 0 && --s->burst_good <= 0) {
    end_burst(s);
    schedule_next_poll(s);
  }
  return count(s, NSC_RX_SAMPLE);
}

void
NSC_AdjustPoll(NSC_Source *s, int direction)
{
  int np;

  if (direction == 0) {
    return;
  }
  np = clamp_int(s->poll + (direction > 0 ? 1 : -1), poll_low(s), poll_high(s));
  if (np == s->poll) {
    return;
  }
  s->poll = np;
  /* The next regular poll follows the new interval; a burst keeps its own pace. */
  if (s->online && s->have_next && s->burst_left == 0 && s->tx > 0) {
    schedule_next_poll(s);
  }
}

void
NSC_StartBurst(NSC_Source *s, int n, const struct timespec *mono_now)
{
  if (!s->online || n <= 0) {
    return;
  }
  n = clamp_int(n, 1, MAX_BURST);
  start_burst(s, n, n, mono_now);
}

void
NSC_SetOnline(NSC_Source *s, int online, const struct timespec *mono_now)
{
  if (!online) {
    s->online = 0;
    s->have_next = 0;
    end_burst(s);
    return;
  }
  if (s->online) {
    return;
  }
  s->online = 1;
  s->stopped_by_kod = 0;
  s->cycle_start = *mono_now;
  s->next_tx = *mono_now;
  s->have_next = 1;
  if (s->p.iburst) {
    start_burst(s, IBURST_TOTAL, IBURST_GOOD, mono_now);
  }
}

void
NSC_AdjustForStep(NSC_Source *s, double step)
{
  if (!isfinite(step) || step == 0.0) {
    return;
  }
  /* Cooked real times we keep move with the clock, so that t1 of a request in flight
     still pairs with a t4 read after the step. */
  UTI_AddDoubleToTimespec(&s->t1, step, &s->t1);
  if (!UTI_IsZeroTs(&s->last_rx)) {
    UTI_AddDoubleToTimespec(&s->last_rx, step, &s->last_rx);
  }
  if (s->have_last) {
    UTI_AddDoubleToTimespec(&s->last_sample.time, step, &s->last_sample.time);
  }
}

void
NSC_GetReport(const NSC_Source *s, NSC_Report *r)
{
  memset(r, 0, sizeof(*r));
  r->reach = s->reach;
  r->poll = s->poll;
  r->online = s->online;
  r->stopped_by_kod = s->stopped_by_kod;
  r->last_kod = s->last_kod;
  r->tx = s->tx;
  memcpy(r->rx, s->rx, sizeof(r->rx));
  r->have_last = s->have_last;
  r->last_sample = s->last_sample;
  r->last_rx = s->last_rx;
  r->burst_left = s->burst_left;
}

const NSC_Params *
NSC_GetParams(const NSC_Source *s)
{
  return &s->p;
}
