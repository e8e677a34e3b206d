/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clientlog.h - per-client records and the NTP rate limiter [core].  No I/O.
 *
 * A fixed-size hash table sized from `clientloglimit` bytes at creation (never grows, so a
 * flood of source addresses cannot exhaust memory); a full bucket evicts its least recently
 * seen record.  Each record has a token bucket as chrony's `ratelimit interval I burst B
 * leak L`: one token per 2^I seconds, at most B tokens; a request without a token is
 * dropped, except that with probability 2^-L it is answered anyway (the leak keeps a
 * spoofed flood from locking a real client out completely).  Randomness comes from the
 * caller, so the core stays deterministic under test.
 */
#ifndef TIMED_CLIENTLOG_H
#define TIMED_CLIENTLOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

typedef struct CLG_Table CLG_Table;

typedef struct {
  int enabled;   /* ratelimit configured */
  int interval;  /* log2 seconds between tokens, chrony range -19..12, default 3 */
  int burst;     /* bucket size 1..255, default 8 */
  int leak;      /* log2 of the leak ratio, chrony range 1..4, default 2 */
  int kod;       /* answer a further random 2^-leak of limited requests with RATE KoD */
} CLG_RateParams;

typedef enum {
  CLG_PASS = 0, /* answer */
  CLG_DROP,     /* rate limited: drop silently */
  CLG_KOD       /* rate limited: answer with a RATE KoD */
} CLG_Verdict;

/* What `timectl clients` shows of one record. */
typedef struct {
  IPAddr addr;
  uint64_t ntp_hits;      /* requests seen */
  uint64_t ntp_drops;     /* dropped by the rate limiter */
  uint64_t ntp_kods;      /* answered with RATE KoD */
  double last_ago;        /* seconds since the last request */
  double interval;        /* average interval between requests, seconds (0 if unknown) */
} CLG_ClientReport;

/* limit_bytes: memory the records may use (chrony's clientloglimit, default 524288);
   0 means no client log at all (noclientlog): CLG_Access then always passes.
   hash_key: a random secret for the address hash.  NULL on allocation failure. */
CLG_Table *CLG_Create(size_t limit_bytes, const CLG_RateParams *rate, uint32_t hash_key);
void CLG_Destroy(CLG_Table *t);

/* Record one NTP request from addr at time now (any monotonic or real time, consistently)
   and decide.  random32 is a fresh uniformly random value for the leak (bits 0-3) and the
   KoD choice (bits 16-19). */
CLG_Verdict CLG_Access(CLG_Table *t, const IPAddr *addr, const struct timespec *now,
                       uint32_t random32);

/* Number of records that can be held, and how many are in use. */
size_t CLG_Capacity(const CLG_Table *t);
size_t CLG_Count(const CLG_Table *t);

/* Records replaced because their bucket was full (a sign the limit is too small, or of a
   flood of source addresses). */
uint64_t CLG_Evictions(const CLG_Table *t);

/* The rate limit interval in use (log2 seconds, for the poll field of a RATE KoD); 0 when
   rate limiting is off. */
int CLG_RateInterval(const CLG_Table *t);

/* Fill *r with the index-th record in use (0-based, in table order).  Returns 1, or 0 past
   the end.  now gives last_ago. */
int CLG_GetClient(const CLG_Table *t, size_t index, const struct timespec *now,
                  CLG_ClientReport *r);

#endif
