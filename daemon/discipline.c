/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * discipline.c - frequency estimation and offset correction by slewing [core].
 * No I/O, no clock reads: times are arguments, corrections are results.
 *
 * Why slew through the frequency rather than a PLL/FLL (RFC 5905 §12): the sources'
 * regressions already give the frequency error with an error bound, so the base frequency
 * is simply re-estimated at every update (old estimate and new measurement weighted by the
 * inverse square of their skews), and the remaining offset is removed by adding a temporary
 * slew frequency for a correction time.  The correction time is corrtimeratio update
 * intervals for an offset the size of the typical correction (half its standard error),
 * shorter for larger offsets (inversely proportional, as chrony's corrtimeratio), and never
 * faster than maxslewrate.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "discipline.h"
#include "util.h"

struct DSC_State {
  DSC_Params p;
  double base;             /* ppm */
  double skew;             /* ppm */
  double slew;             /* ppm, temporary */
  int slewing;
  struct timespec slew_end;
  int n_updates;
  int n_ignored;
  DSC_Input last;
};

void DSC_DefaultParams(DSC_Params *p)
{
  memset(p, 0, sizeof(*p));
  p->maxslewrate = 83333.333;
  p->maxupdateskew = 1000.0;
  p->maxdrift = 500.0;
  p->corrtimeratio = 3.0;
  p->initial_skew = 1e6;
}

DSC_State *DSC_Create(const DSC_Params *p)
{
  DSC_State *d;

  if (!(p->maxslewrate > 0) || !(p->maxdrift > 0) || !(p->corrtimeratio > 0) ||
      !isfinite(p->initial_freq) || !(p->initial_skew > 0)) {
    return NULL;
  }
  d = calloc(1, sizeof(*d));
  if (!d) {
    return NULL;
  }
  d->p = *p;
  d->base = p->initial_freq;
  if (d->base > p->maxdrift) {
    d->base = p->maxdrift;
  } else if (d->base < -p->maxdrift) {
    d->base = -p->maxdrift;
  }
  d->skew = p->initial_skew;
  return d;
}

void DSC_Destroy(DSC_State *d)
{
  free(d);
}

double DSC_GetAppliedFreq(const DSC_State *d)
{
  return d->base + (d->slewing ? d->slew : 0.0);
}

void DSC_GetFrequency(const DSC_State *d, double *freq_ppm, double *skew_ppm)
{
  *freq_ppm = d->base;
  *skew_ppm = d->skew;
}

int DSC_UpdateCount(const DSC_State *d)
{
  return d->n_updates;
}

void DSC_GetLastInput(const DSC_State *d, DSC_Input *in)
{
  *in = d->last;
}

double DSC_RemainingOffset(const DSC_State *d, const struct timespec *now)
{
  double left;

  if (!d->slewing) {
    return 0.0;
  }
  left = UTI_DiffTimespecs(&d->slew_end, now);
  return left > 0 ? d->slew * 1e-6 * left : 0.0;
}

int DSC_NextEvent(const DSC_State *d, struct timespec *t)
{
  if (!d->slewing) {
    return 0;
  }
  *t = d->slew_end;
  return 1;
}

/* New base frequency from the old estimate and a measurement, each weighted by the inverse
   square of its skew; the new skew is the weighted mean skew plus the weighted RMS
   disagreement, so that two estimates that disagree never look more certain than either. */
static void update_frequency(DSC_State *d, double f_meas, double s_meas)
{
  double wo = 1.0 / (d->skew * d->skew), wn = 1.0 / (s_meas * s_meas), f, dis;

  f = (wo * d->base + wn * f_meas) / (wo + wn);
  dis = sqrt((wo * (d->base - f) * (d->base - f) + wn * (f_meas - f) * (f_meas - f)) /
             (wo + wn));
  d->skew = (wo * d->skew + wn * s_meas) / (wo + wn) + dis;
  d->base = f;
  if (d->base > d->p.maxdrift) {
    d->base = d->p.maxdrift;
  } else if (d->base < -d->p.maxdrift) {
    d->base = -d->p.maxdrift;
  }
}

void DSC_Update(DSC_State *d, const DSC_Input *in, const struct timespec *now, double interval,
                int force_step, DSC_Result *r)
{
  double before = DSC_GetAppliedFreq(d), off = in->offset, t, rate;
  int step;

  memset(r, 0, sizeof(*r));
  r->freq_ppm = before;
  if (!isfinite(off) || !isfinite(in->resid_freq_ppm) || !isfinite(in->skew_ppm)) {
    r->verdict = DSC_IGNORED;
    return;
  }
  d->last = *in;

  /* maxchange: a sudden large offset after the clock has settled is more likely a fault
     (or an attack) than the truth; ignore it a few times, then give up. */
  if (!force_step && d->p.maxchange_offset > 0 && d->n_updates >= d->p.maxchange_start &&
      fabs(off) > d->p.maxchange_offset) {
    d->n_ignored++;
    r->verdict = d->n_ignored > d->p.maxchange_ignore ? DSC_FATAL : DSC_IGNORED;
    return;
  }

  /* The regression's residual frequency is relative to the frequency applied now (the
     samples were shifted at every change), so the needed base frequency is that less it. */
  if (in->skew_ppm > 0 && in->skew_ppm <= d->p.maxupdateskew) {
    update_frequency(d, before - in->resid_freq_ppm, in->skew_ppm);
    r->freq_updated = 1;
  }

  step = force_step || (d->p.makestep_threshold > 0 && fabs(off) > d->p.makestep_threshold &&
                        (d->p.makestep_limit < 0 || d->n_updates < d->p.makestep_limit));
  d->n_updates++;
  d->slewing = 0;
  d->slew = 0.0;
  if (step) {
    r->verdict = DSC_STEPPED;
    r->step_offset = off;
  } else {
    r->verdict = DSC_SLEWED;
    if (off != 0.0) {
      if (!(interval > 0)) {
        interval = 1.0;
      }
      /* Correction time: corrtimeratio intervals scaled by how the offset compares with
         the typical correction (half the offset's standard error): an offset that stands
         out of the noise is removed quickly, one inside the noise slowly (averaged). */
      t = d->p.corrtimeratio * interval * 0.5 * fmax(in->offset_sd, 1e-9) / fabs(off);
      if (t < 1.0) {
        t = 1.0;
      }
      if (t > 1e6) {
        t = 1e6;
      }
      rate = off / t * 1e6;
      if (fabs(rate) > d->p.maxslewrate) {
        rate = rate < 0 ? -d->p.maxslewrate : d->p.maxslewrate;
        t = off / rate * 1e6;
      }
      d->slew = rate;
      d->slewing = 1;
      UTI_AddDoubleToTimespec(now, t, &d->slew_end);
    }
  }
  r->freq_ppm = DSC_GetAppliedFreq(d);
  r->dfreq_ppm = r->freq_ppm - before;
}

int DSC_OnTimer(DSC_State *d, const struct timespec *now, DSC_Result *r)
{
  double before = DSC_GetAppliedFreq(d);

  memset(r, 0, sizeof(*r));
  r->freq_ppm = before;
  if (!d->slewing || UTI_CompareTimespecs(now, &d->slew_end) < 0) {
    return 0;
  }
  d->slewing = 0;
  d->slew = 0.0;
  r->verdict = DSC_SLEWED;
  r->freq_ppm = d->base;
  r->dfreq_ppm = d->base - before;
  return 1;
}
