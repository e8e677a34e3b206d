/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clientlog.c - per-client records and the NTP rate limiter [core].
 *
 * No I/O, no system calls, no clock reads: the caller passes `now` and the random bits.
 *
 * Layout: one flat array of records, split into a power-of-two number of buckets of
 * SLOTS records each.  An address hashes (keyed, ADDR_Hash) to one bucket and is looked
 * up by a linear scan of its few slots, so the hot path is one hash and at most SLOTS
 * address comparisons, and the memory never grows after CLG_Create.  A full bucket evicts
 * the record seen least recently; a flood of fresh source addresses therefore only churns
 * the buckets it hashes to and is counted in CLG_Evictions().
 *
 * Rate limit (chrony's `ratelimit`): each record holds a token bucket kept as a time
 * credit in nanoseconds.  Time since the previous request is added to the credit, capped
 * at burst * 2^interval seconds; an answer costs 2^interval seconds of credit.  Keeping
 * credit rather than whole tokens gives exact refill for intervals down to 2^-19 s and
 * needs no division on the hot path.
 */
#include "clientlog.h"

#include <stdlib.h>
#include <string.h>

/* Records per bucket: enough that a few colliding clients do not evict each other, few
   enough that a scan stays within a couple of cache lines per address compared. */
#define SLOTS 8
/* Upper bound on the number of records whatever limit_bytes says (about 300 MB). */
#define MAX_RECORDS (1u << 22)

#define NS_PER_S 1000000000LL

/* Weight of a new interval sample in the average, as a power of 1/2 (1/8). */
#define INTERVAL_EWMA_SHIFT 3

typedef struct {
  IPAddr addr;
  uint8_t used;
  int64_t last_ns;    /* time of the last request */
  int64_t credit_ns;  /* token bucket credit */
  uint64_t hits;
  uint64_t drops;
  uint64_t kods;
  double interval;    /* average seconds between requests, valid when hits >= 2 */
} Record;

struct CLG_Table {
  Record *records;      /* n_buckets * slots, NULL when the log is off */
  uint32_t bucket_mask; /* n_buckets - 1 */
  uint32_t slots;       /* records per bucket */
  size_t capacity;
  size_t count;
  uint64_t evictions;
  uint32_t hash_key;
  int rate_enabled;
  int interval;
  int kod;
  uint32_t leak_mask;   /* a request over the limit is answered when random & mask == 0 */
  int64_t token_ns;     /* cost of one answer */
  int64_t max_credit_ns;/* burst * token_ns */
};

static int clamp_int(int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* A timespec as signed nanoseconds.  Seconds are clamped to +-4e9 so that the difference
   of two values can never overflow int64 whatever the caller passes. */
static int64_t ts_to_ns(const struct timespec *ts)
{
  int64_t s = (int64_t)ts->tv_sec, ns = (int64_t)ts->tv_nsec;

  if (s > 4000000000LL) {
    s = 4000000000LL;
  } else if (s < -4000000000LL) {
    s = -4000000000LL;
  }
  if (ns < 0 || ns >= NS_PER_S) {
    ns = 0;
  }
  return s * NS_PER_S + ns;
}

CLG_Table *CLG_Create(size_t limit_bytes, const CLG_RateParams *rate, uint32_t hash_key)
{
  CLG_Table *t = calloc(1, sizeof(*t));
  size_t n;

  if (!t) {
    return NULL;
  }
  t->hash_key = hash_key;

  if (rate && rate->enabled) {
    int leak = clamp_int(rate->leak, 1, 4);
    t->rate_enabled = 1;
    /* chrony's bounds: interval -19..12, burst 1..255, leak 1..4 (a leak of 0 would
       answer every request and disable the limiter). */
    t->interval = clamp_int(rate->interval, -19, 12);
    t->kod = rate->kod != 0;
    t->leak_mask = (1u << leak) - 1;
    t->token_ns = t->interval >= 0 ? NS_PER_S << t->interval : NS_PER_S >> -t->interval;
    t->max_credit_ns = t->token_ns * clamp_int(rate->burst, 1, 255);
  }

  if (limit_bytes == 0) {
    return t; /* noclientlog: no records, every request passes */
  }

  n = limit_bytes / sizeof(Record);
  if (n > MAX_RECORDS) {
    n = MAX_RECORDS;
  }
  if (n == 0) {
    n = 1;
  }
  if (n < SLOTS) {
    /* A tiny limit: one bucket holding what fits. */
    t->slots = (uint32_t)n;
    t->bucket_mask = 0;
  } else {
    size_t buckets = 1;
    while (buckets * 2 * SLOTS <= n) {
      buckets *= 2;
    }
    t->slots = SLOTS;
    t->bucket_mask = (uint32_t)(buckets - 1);
  }
  t->capacity = (size_t)(t->bucket_mask + 1) * t->slots;
  t->records = calloc(t->capacity, sizeof(Record));
  if (!t->records) {
    free(t);
    return NULL;
  }
  return t;
}

void CLG_Destroy(CLG_Table *t)
{
  if (!t) {
    return;
  }
  free(t->records);
  free(t);
}

/* Find the record of addr, or take a free slot, or evict the least recently seen record
   of its bucket.  *is_new tells the caller to initialise it. */
static Record *get_record(CLG_Table *t, const IPAddr *addr, int *is_new)
{
  Record *b = t->records + (size_t)(ADDR_Hash(addr, t->hash_key) & t->bucket_mask) * t->slots;
  Record *free_slot = NULL, *oldest = NULL;
  uint32_t i;

  for (i = 0; i < t->slots; i++) {
    Record *r = &b[i];
    if (!r->used) {
      if (!free_slot) {
        free_slot = r;
      }
      continue;
    }
    if (ADDR_Equal(&r->addr, addr)) {
      *is_new = 0;
      return r;
    }
    if (!oldest || r->last_ns < oldest->last_ns) {
      oldest = r;
    }
  }
  *is_new = 1;
  if (free_slot) {
    t->count++;
    return free_slot;
  }
  t->evictions++;
  return oldest;
}

CLG_Verdict CLG_Access(CLG_Table *t, const IPAddr *addr, const struct timespec *now,
                       uint32_t random32)
{
  int64_t now_ns, elapsed = 0;
  Record *r;
  int is_new;

  if (!t || !t->records || !addr || !now) {
    return CLG_PASS;
  }
  now_ns = ts_to_ns(now);
  r = get_record(t, addr, &is_new);

  if (is_new) {
    memset(r, 0, sizeof(*r));
    r->addr = *addr;
    r->used = 1;
    r->credit_ns = t->max_credit_ns; /* a new client may send a full burst */
  } else {
    /* A clock that went backwards adds nothing rather than removing credit. */
    elapsed = now_ns > r->last_ns ? now_ns - r->last_ns : 0;
    if (r->hits == 1) {
      r->interval = (double)elapsed / NS_PER_S;
    } else {
      r->interval += ((double)elapsed / NS_PER_S - r->interval) / (1 << INTERVAL_EWMA_SHIFT);
    }
  }
  r->last_ns = now_ns;
  r->hits++;

  if (!t->rate_enabled) {
    return CLG_PASS;
  }

  if (elapsed >= t->max_credit_ns - r->credit_ns) {
    r->credit_ns = t->max_credit_ns;
  } else {
    r->credit_ns += elapsed;
  }
  if (r->credit_ns >= t->token_ns) {
    r->credit_ns -= t->token_ns;
    return CLG_PASS;
  }

  /* Over the limit.  The leak answers a random 2^-leak of these anyway, so a flood with
     this client's spoofed address cannot lock the real client out.  KoDs are a second
     random stream of the same rate, from other bits: a KoD is an answer too, so the
     limited traffic gets at most 2 * 2^-leak answers of any kind, never one per packet. */
  if ((random32 & t->leak_mask) == 0) {
    return CLG_PASS;
  }
  if (t->kod && ((random32 >> 16) & t->leak_mask) == 0) {
    r->kods++;
    return CLG_KOD;
  }
  r->drops++;
  return CLG_DROP;
}

size_t CLG_Capacity(const CLG_Table *t)
{
  return t ? t->capacity : 0;
}

size_t CLG_Count(const CLG_Table *t)
{
  return t ? t->count : 0;
}

uint64_t CLG_Evictions(const CLG_Table *t)
{
  return t ? t->evictions : 0;
}

int CLG_RateInterval(const CLG_Table *t)
{
  return t && t->rate_enabled ? t->interval : 0;
}

int CLG_GetClient(const CLG_Table *t, size_t index, const struct timespec *now,
                  CLG_ClientReport *r)
{
  size_t i, seen = 0;

  if (!t || !t->records || !r) {
    return 0;
  }
  for (i = 0; i < t->capacity; i++) {
    const Record *rec = &t->records[i];
    if (!rec->used) {
      continue;
    }
    if (seen++ != index) {
      continue;
    }
    memset(r, 0, sizeof(*r));
    r->addr = rec->addr;
    r->ntp_hits = rec->hits;
    r->ntp_drops = rec->drops;
    r->ntp_kods = rec->kods;
    r->last_ago = now ? (double)(ts_to_ns(now) - rec->last_ns) / NS_PER_S : 0.0;
    r->interval = rec->hits >= 2 ? rec->interval : 0.0;
    return 1;
  }
  return 0;
}
