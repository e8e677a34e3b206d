/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * simclock.h - a virtual clock for the simulator: true time t advances only when told to,
 * and the local clock reads t + error, where the error integrates the clock's own frequency
 * error (which wanders as a random walk) plus the correction frequency the engine applies.
 * Steps change the error at once.  No I/O, no real clock reads: deterministic for a seed.
 */
#ifndef TIMED_SIMCLOCK_H
#define TIMED_SIMCLOCK_H

#include <stdint.h>
#include <time.h>

/* Unix time of true time 0 (2027-01-15), so timestamps look like real ones. */
#define SCK_EPOCH 1800000000LL
/* Monotonic time of true time 0. */
#define SCK_MONO_BASE 1000LL

typedef struct {
  double offset0;    /* s, initial local - true (positive: local clock ahead) */
  double freq_error; /* ppm, the uncorrected clock runs fast by this */
  double wander;     /* ppm per sqrt(s), random walk of the frequency error */
  uint64_t seed;
} SCK_Params;

typedef struct {
  double t;          /* true time, s since the start */
  double err;        /* local - true, s */
  double freq_int;   /* ppm, intrinsic frequency error now */
  double applied;    /* ppm, correction frequency set by the engine */
  double wander;
  uint64_t rng;
  int n_steps;
  double stepped;    /* s, sum of |steps| */
} SCK_Clock;

void SCK_Init(SCK_Clock *c, const SCK_Params *p);
/* Advance true time to t (>= c->t). */
void SCK_AdvanceTo(SCK_Clock *c, double t);
/* Local (cooked real) time now, and monotonic time (true time based). */
void SCK_ReadReal(const SCK_Clock *c, struct timespec *ts);
void SCK_ReadMono(const SCK_Clock *c, struct timespec *ts);
/* Turn true time t into a timespec on the shared epoch, plus extra seconds (a server's lie). */
void SCK_TrueToTimespec(double t, double extra, struct timespec *ts);
/* The engine's actions: absolute correction frequency (ppm), and a step (s added). */
void SCK_SetFreq(SCK_Clock *c, double ppm);
void SCK_Step(SCK_Clock *c, double delta);
/* Local - true (s), and the frequency error of the corrected clock (ppm, positive: fast). */
double SCK_Error(const SCK_Clock *c);
double SCK_FreqError(const SCK_Clock *c);

/* Deterministic random numbers for the simulator (splitmix64). */
uint64_t SCK_Random(uint64_t *state);
/* Uniform in (0, 1). */
double SCK_Uniform(uint64_t *state);
/* Standard normal. */
double SCK_Normal(uint64_t *state);

#endif
