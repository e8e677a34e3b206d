/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * srcstats.h - per-source sample store and regression [core].  No I/O, no clock reads.
 *
 * Keeps up to SST_MAX_SAMPLES samples of one source and fits offset = a + b * (t - t_newest)
 * by weighted least squares.  How many of the newest samples to use is chosen with a runs
 * test on the residuals' signs: too few runs means the straight line no longer fits (the
 * clock's frequency wandered), so the oldest samples are discarded.  Samples whose delay is
 * far above the smallest delay in the store are dropped (queueing: their offset error is up
 * to half the extra delay) or given little weight.
 *
 * Sign conventions: offsets are reference - local (positive: local clock behind).  The
 * frequency reported is that of the local clock relative to the source, positive when the
 * local clock runs fast, in ppm (the negated slope of the offsets).
 *
 * When the local clock's correction changes, the stored samples must be changed with it so
 * that the regression sees one consistent clock: SST_ShiftFrequency and SST_ShiftStep.
 */
#ifndef TIMED_SRCSTATS_H
#define TIMED_SRCSTATS_H

#include <time.h>

#define SST_MAX_SAMPLES 64
/* RFC 5905 PHI: the dispersion rate of a clock nobody corrects (15 ppm). */
#define SST_PHI 15e-6

typedef struct {
  struct timespec time;   /* local (cooked) time of the measurement */
  double offset;          /* s, reference - local */
  double delay;           /* s, round-trip delay to the source */
  double dispersion;      /* s, the measurement's own dispersion */
  double root_delay;      /* s, the source's root delay (without our delay) */
  double root_dispersion; /* s, the source's root dispersion (without ours) */
  int stratum;
  int leap;
} SST_Sample;

/* Result of the regression, for selection and reports. */
typedef struct {
  int n_samples;          /* NP: samples used by the regression */
  int n_runs;             /* NR: runs of residual signs */
  double span;            /* s, newest - oldest sample used */
  double freq_ppm;        /* local clock relative to the source, positive: local fast */
  double skew_ppm;        /* error bound of freq_ppm */
  double std_dev;         /* s, weighted standard deviation of the residuals */
  double offset;          /* s, the fitted offset at ref_time (reference - local) */
  double offset_sd;       /* s, standard error of that offset */
  struct timespec ref_time; /* newest sample time */
} SST_Estimate;

typedef enum {
  SST_ADDED = 0,          /* stored and used */
  SST_REJECT_DELAY,       /* delay far above the minimum: dropped */
  SST_REJECT_INVALID,     /* non-finite or negative values, time going backwards */
  SST_REJECT_JUMP         /* far off the regression's prediction: held back until a second
                             sample confirms the jump (then the old samples are dropped) */
} SST_AddResult;

typedef struct SST_Stats SST_Stats;

/* NULL on allocation failure. */
SST_Stats *SST_Create(void);
void SST_Destroy(SST_Stats *s);
/* Forget every sample. */
void SST_Reset(SST_Stats *s);

/* Add one measurement and rerun the regression (dropping old samples as the runs test
   says).  The oldest sample is dropped when the store is full. */
SST_AddResult SST_AddSample(SST_Stats *s, const SST_Sample *smp);

/* Number of samples stored. */
int SST_Count(const SST_Stats *s);

/* The current regression; 0 when there are no samples.  With one sample, freq is 0 and
   skew is SST_UNKNOWN_SKEW. */
int SST_GetEstimate(const SST_Stats *s, SST_Estimate *est);
#define SST_UNKNOWN_SKEW 1e6

/* Predicted offset (reference - local) at local time t, and its error (offset_sd grown by
   the skew over the extrapolation).  0 when there are no samples. */
int SST_PredictOffset(const SST_Stats *s, const struct timespec *t, double *offset,
                      double *err);

/* Root distance of the source at local time t: root_delay/2 + root_dispersion of the newest
   sample (including our own delay and dispersion) + (PHI + skew) * age + std dev.
   1e9 when there are no samples. */
double SST_RootDistance(const SST_Stats *s, const struct timespec *t);

/* The newest sample; 0 when there is none. */
int SST_GetLastSample(const SST_Stats *s, SST_Sample *smp);

/* The clock's correction frequency was changed at local time t0; dfreq is the relative
   change of its rate, (1 + f_new) / (1 + f_old) - 1 (f as fractions; for small f simply
   f_new - f_old, positive: the clock runs faster from now on).  Rewrites every sample as
   if the new frequency had been in force all along, anchored at t0:
   offset_i += dfreq * (t0 - t_i), and its time moves by -dfreq * (t0 - t_i).  (The exact
   ratio matters while slewing at up to 8%: with the plain difference a 0.1 s slew would
   leave 8 ms of error in the stored samples.) */
void SST_ShiftFrequency(SST_Stats *s, double dfreq, const struct timespec *t0);

/* step seconds were added to the clock: offsets fall by step, times move by +step. */
void SST_ShiftStep(SST_Stats *s, double step);

#endif
