/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_source.h - one upstream NTP server as a state machine [core].  No I/O.
 *
 * The caller asks when the next request is due (monotonic time), has the request built
 * when it is, sends the bytes, and hands back every datagram that arrives from the server.
 * This module checks responses (RFC 5905 §8 tests, and a random transmit timestamp that
 * the origin must echo: zero-origin, replayed, spoofed and duplicate responses are dropped
 * and counted), turns good ones into samples (offset, delay, dispersion), keeps the
 * reachability register, honours KoD (RATE backs off; DENY/RSTR stop polling), and runs
 * iburst/burst.  Filtering and selection happen elsewhere (srcstats.c, selection.c).
 *
 * Sign convention: offset = server time - local time (RFC 5905 θ): positive when the local
 * clock is behind.  "Local time" is the daemon's cooked real time.
 */
#ifndef TIMED_NTP_SOURCE_H
#define TIMED_NTP_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

typedef struct {
  IPAddr addr;
  uint16_t port;      /* default 123 */
  int minpoll;        /* log2 s, chrony range -7..24 (we support 0..24 for now), default 6 */
  int maxpoll;        /* log2 s, default 10; >= minpoll */
  int iburst;         /* first requests 2 s apart until 4 responses (at most 8 tries) */
  int burst;          /* a short burst of requests at each poll while no good sample (chrony) */
  double maxdelay;    /* s; responses with a larger round-trip delay are not used (default 3) */
  int version;        /* NTP version of our requests, default 4 */
} NSC_Params;

typedef struct {
  struct timespec time;   /* local time the sample refers to: t4 (receive) */
  double offset;          /* s, θ = ((t2 - t1) + (t3 - t4)) / 2 */
  double delay;           /* s, δ = (t4 - t1) - (t3 - t2), never below the precisions */
  double dispersion;      /* s, ε = 2^precision(server) + 2^precision(local) + PHI * (t4 - t1)
                             (RFC 5905 §8) */
  double root_delay;      /* s, the server's */
  double root_dispersion; /* s, the server's */
  int stratum;            /* server's, 1..15 */
  int leap;               /* server's LI, 0..2 (3 never gives a sample) */
  uint32_t ref_id;        /* server's reference id */
  int poll;               /* our poll (log2 s) when the request went out */
} NSC_Sample;

typedef enum {
  NSC_RX_SAMPLE = 0,   /* *sample filled */
  NSC_RX_KOD_RATE,     /* authentic RATE KoD: poll backed off */
  NSC_RX_KOD_STOP,     /* authentic DENY/RSTR KoD: polling stopped */
  NSC_RX_UNSYNC,       /* authentic response from an unsynchronised server (LI 3 / stratum 0 or >15) */
  NSC_RX_DELAY,        /* authentic, but delay > maxdelay: counted, not used */
  NSC_RX_BOGUS,        /* origin does not match a request in flight (spoofed, replayed, zero) */
  NSC_RX_DUPLICATE,    /* a second response to the same request */
  NSC_RX_MALFORMED,    /* not a parsable server response (mode, version, length, zero timestamps) */
  NSC_RX_COUNT
} NSC_RxResult;

typedef struct {
  uint8_t reach;          /* reachability register: bit 0 = the last request was answered */
  int poll;               /* current poll, log2 s */
  int online;             /* 0 after NSC_SetOnline(0) or a DENY/RSTR KoD */
  int stopped_by_kod;     /* 1 after DENY/RSTR */
  uint32_t last_kod;      /* last kiss code received (0 none) */
  uint64_t tx;            /* requests made */
  uint64_t rx[NSC_RX_COUNT]; /* responses by result */
  int have_last;          /* last_sample valid */
  NSC_Sample last_sample; /* most recent sample */
  struct timespec last_rx;/* local time of the last authentic response (zero if none) */
  int burst_left;         /* requests left in the current (i)burst */
} NSC_Report;

typedef struct NSC_Source NSC_Source;

/* Fill *p with the defaults above (port 123, minpoll 6, maxpoll 10, maxdelay 3 s, version
   4, no iburst/burst, address unspecified).  NSC_Create also takes version 0 and port 0 as
   these defaults. */
void NSC_DefaultParams(NSC_Params *p);

/* Create with the given parameters; the first request is due at mono_now (a small random
   delay is the caller's business).  NULL on allocation failure or invalid parameters. */
NSC_Source *NSC_Create(const NSC_Params *p, const struct timespec *mono_now);
void NSC_Destroy(NSC_Source *s);

/* Monotonic time the next request is due; 0 when none will be (offline / stopped). */
int NSC_GetNextTx(const NSC_Source *s, struct timespec *mono);

/* If a request is due at mono_now, build it into buf (cap >= 48) with a random transmit
   timestamp made from random64, remember it and the local send time real_now, advance the
   schedule and the reachability register, and return its length; else return 0. */
size_t NSC_MakeRequest(NSC_Source *s, const struct timespec *mono_now,
                       const struct timespec *real_now, uint64_t random64, uint8_t *buf,
                       size_t cap);

/* Handle a datagram from the server received at local time rx_real (cooked; kernel
   timestamp when there is one).  precision_log2 is the local clock's. */
NSC_RxResult NSC_ProcessResponse(NSC_Source *s, const uint8_t *buf, size_t len,
                                 const struct timespec *rx_real, int precision_log2,
                                 NSC_Sample *sample);

/* Poll adaptation by the caller (who knows how good the samples are): +1 to lengthen the
   poll by one step, -1 to shorten it, within [minpoll, maxpoll] (and never below the poll a
   RATE KoD asked for). */
void NSC_AdjustPoll(NSC_Source *s, int direction);

/* Start a burst of n requests 2 s apart (chronyc burst), from mono_now; it ends early
   after n good samples.  n is capped at 32.  No effect on an offline or stopped source. */
void NSC_StartBurst(NSC_Source *s, int n, const struct timespec *mono_now);

/* Online/offline (chronyc online/offline); going online schedules a request at mono_now.
   A source stopped by DENY/RSTR stays stopped until set online explicitly. */
void NSC_SetOnline(NSC_Source *s, int online, const struct timespec *mono_now);

/* The cooked real clock was stepped by `step` seconds (added to it): shift the stored
   send time of the request in flight, last_rx and the last sample's time with it, so that
   a response arriving after the step still gives a correct sample. */
void NSC_AdjustForStep(NSC_Source *s, double step);

/* Copy of the protocol state and counters. */
void NSC_GetReport(const NSC_Source *s, NSC_Report *r);
/* The parameters in use (version and port defaults filled in). */
const NSC_Params *NSC_GetParams(const NSC_Source *s);

/* Short name of a result, for logs and counters. */
const char *NSC_RxResultName(NSC_RxResult r);

#endif
