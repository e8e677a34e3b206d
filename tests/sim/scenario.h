/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenario.h - one simulated run: a clock with a frequency error and an initial offset,
 * servers behind simulated links, and the real sync engine (SYN_) driving the clock in
 * virtual time; out come accuracy metrics measured against true time.  No I/O.
 */
#ifndef TIMED_SCENARIO_H
#define TIMED_SCENARIO_H

#include <stdint.h>

#include "simclock.h"
#include "simnet.h"
#include "sync.h"

typedef struct {
  const char *name;
  double duration;           /* s of simulated time */
  SCK_Params clock;
  int n_servers;
  SNT_ServerParams server[SNT_MAX_SERVERS];
  SYN_Config cfg;            /* start from SCN_DefaultConfig() */
  int minpoll, maxpoll, iburst;
  double sync_threshold;     /* s, |error| counted as synchronised (1e-3) */
  double settle_time;        /* s, start of the "settled" metrics (300) */
  uint64_t seed;
  int trace;                 /* print a line per clock update to stderr (debugging) */
} SCN_Scenario;

typedef struct {
  double sync_time;          /* s true time |error| first fell below the threshold; -1 never */
  double rms_offset;         /* s, of the clock error after sync_time (1 s samples) */
  double max_offset;         /* s, largest |error| after sync_time */
  double rms_freq;           /* ppm, of the corrected clock's frequency error after sync */
  double rms_settled;        /* s, RMS error from settle_time (or sync_time if later) on */
  double max_settled;        /* s, largest |error| from then on */
  double rms_late;           /* s, RMS error over the second half of the run */
  double max_towards_liar;   /* s, largest error in the direction of any liar (after sync) */
  double final_error;        /* s, at the end */
  int steps;                 /* steps applied */
  double stepped;            /* s, sum of |steps| */
  int fatal;                 /* the engine reported maxchange fatal (the run stops there) */
  double fatal_time;
  int synchronised_end;      /* engine says synchronised at the end */
  int updates;               /* clock updates */
  double last_update_time;   /* s true time of the last clock update (-1 none) */
  uint64_t events;           /* simulation events handled */
  /* per source, index = server index */
  char status[SNT_MAX_SERVERS];   /* chronyc letter at the end */
  int poll[SNT_MAX_SERVERS];
  uint64_t samples[SNT_MAX_SERVERS];   /* responses the client turned into samples */
  uint64_t kod_rx[SNT_MAX_SERVERS];    /* RATE KoDs the client received */
  uint64_t replied[SNT_MAX_SERVERS];   /* normal responses the server sent */
  uint64_t kod_sent[SNT_MAX_SERVERS];
  int unsync_during;         /* the engine lost synchronisation at some point after the first */
  int resynced;              /* ... and regained it */
} SCN_Metrics;

/* chrony's defaults (makestep off, maxchange off, 83333 ppm slew, 500 ppm drift). */
void SCN_DefaultConfig(SYN_Config *cfg);
/* A scenario with one perfect server 100 us away, defaults elsewhere. */
void SCN_Default(SCN_Scenario *s);
/* The issue-3 scenarios by name ("slew", "liar", "outage", "kod", "maxchange",
   "makestep"), and two more for the bench ("wander", "jitter"), for check_sim and
   sim_bench.  0 for an unknown name. */
int SCN_Named(const char *name, uint64_t seed, SCN_Scenario *s);
/* The names above, NULL-terminated. */
extern const char *const SCN_Names[];

/* Run; 0 on a setup failure (allocation, bad parameters), else 1 with *m filled. */
int SCN_Run(const SCN_Scenario *s, SCN_Metrics *m);

#endif
