/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * discipline.h - from the selected sources' estimate to a clock correction [core].
 * No I/O, no clock reads: the caller passes times and carries out the result.
 *
 * The correction is a frequency (absolute, ppm, positive: the clock runs faster) made of
 * the estimated base frequency plus a temporary slew component that removes the remaining
 * offset over a correction time, or (makestep) a step.  Sign conventions as sync.h:
 * offsets are reference - local (positive: the clock is behind).
 */
#ifndef TIMED_DISCIPLINE_H
#define TIMED_DISCIPLINE_H

#include <time.h>

typedef struct {
  double makestep_threshold; /* s; 0 = never step */
  int makestep_limit;        /* step only within the first `limit` updates; < 0: always */
  double maxchange_offset;   /* s; 0 = off */
  int maxchange_start;       /* checked from this update on (chrony: "after start updates") */
  int maxchange_ignore;      /* ignored this many times, then fatal */
  double maxslewrate;        /* ppm */
  double maxupdateskew;      /* ppm */
  double maxdrift;           /* ppm, limit of the base frequency */
  double corrtimeratio;      /* chrony's 3 */
  double initial_freq;       /* ppm */
  double initial_skew;       /* ppm */
} DSC_Params;

/* One update's input: the combined estimate of the selected sources at time `now`. */
typedef struct {
  double offset;             /* s, reference - local, at now */
  double offset_sd;          /* s */
  double resid_freq_ppm;     /* ppm, local clock relative to the sources, positive: fast */
  double skew_ppm;
} DSC_Input;

typedef enum {
  DSC_SLEWED = 0,            /* frequency (base + slew) changed */
  DSC_STEPPED,               /* step_offset to be added to the clock, then freq set */
  DSC_IGNORED,               /* maxchange: the offset was ignored */
  DSC_FATAL                  /* maxchange exceeded more than `ignore` times */
} DSC_Verdict;

typedef struct {
  DSC_Verdict verdict;
  double freq_ppm;           /* absolute correction frequency to apply now */
  double dfreq_ppm;          /* its change from the previous value (shift the samples) */
  double step_offset;        /* s, to add to the clock (DSC_STEPPED) */
  int freq_updated;          /* the base frequency estimate moved */
} DSC_Result;

typedef struct DSC_State DSC_State;

DSC_State *DSC_Create(const DSC_Params *p);
void DSC_Destroy(DSC_State *d);
void DSC_DefaultParams(DSC_Params *p);

/* One clock update at local (cooked) time now.  interval: seconds since the previous
   update (or the sampling interval for the first).  force_step: step whatever the
   threshold (chronyc makestep). */
void DSC_Update(DSC_State *d, const DSC_Input *in, const struct timespec *now, double interval,
                int force_step, DSC_Result *r);

/* The time the slew in progress ends (0 if none). */
int DSC_NextEvent(const DSC_State *d, struct timespec *t);

/* Called at or after DSC_NextEvent: ends the slew.  Returns 1 and fills r (freq_ppm,
   dfreq_ppm) when the frequency changed. */
int DSC_OnTimer(DSC_State *d, const struct timespec *now, DSC_Result *r);

/* Current absolute frequency applied (base + slew), ppm. */
double DSC_GetAppliedFreq(const DSC_State *d);
/* Base frequency estimate and its skew, ppm. */
void DSC_GetFrequency(const DSC_State *d, double *freq_ppm, double *skew_ppm);
/* Offset still being slewed at now (s, reference - local, i.e. positive: clock behind). */
double DSC_RemainingOffset(const DSC_State *d, const struct timespec *now);
/* Updates done (stepped or slewed; ignored ones not counted). */
int DSC_UpdateCount(const DSC_State *d);
/* Last residual frequency and skew seen, ppm. */
void DSC_GetLastInput(const DSC_State *d, DSC_Input *in);

#endif
