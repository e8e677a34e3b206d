/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * srcstats.c - per-source sample store, weighted regression and runs test [core].
 * No I/O, no clock reads, no printing: samples in, estimates out.
 *
 * Why a regression and not RFC 5905's clock filter: over many samples a straight line of
 * offset against local time gives both the offset now and the local clock's frequency
 * relative to the source, with error bounds, and it averages out network jitter far better
 * than taking the minimum-delay sample of the last eight.  The runs test keeps the line
 * honest: residuals of a good fit change sign often; long runs of one sign mean the model
 * has stopped fitting the old samples (the frequency changed), so they are discarded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srcstats.h"
#include "util.h"

/* Fewest samples the regression keeps, and fewest for which the runs test is meaningful. */
#define MIN_SAMPLES 3
#define MIN_RUNS_TEST 6
/* z of the one-sided runs test: fewer runs than mean - Z * sd means "does not fit".  A
   liberal 1.0 (16% false alarms) follows a wandering frequency much better (sim_bench
   "wander": RMS 0.26 ms against 0.63 ms with 1.8) and costs little on a stable clock. */
#define RUNS_Z 1.0
/* A sample whose delay exceeds the minimum in the store by this ratio, and by this many
   standard deviations, is dropped (chrony's maxdelayratio / maxdelaydevratio idea). */
#define MAX_DELAY_RATIO 3.0
#define MAX_DELAY_DEV_RATIO 10.0
/* After this many consecutive delay rejections the next sample is taken anyway, so that a
   lasting change of the path's delay is followed rather than rejected for ever. */
#define MAX_DELAY_REJECTS 4
/* Floors: a perfect synthetic fit must not give zero error bounds. */
#define MIN_SD 1e-9
#define MIN_SKEW 1e-9
/* A sample off the prediction by more than this many times its error bound (the
   prediction's error + std dev + half the delay) and by JUMP_MIN s is a jump candidate. */
#define JUMP_RATIO 10.0
#define JUMP_MIN 1e-4
/* Skew term used for root distance while the skew is still unknown (1000 ppm). */
#define MAX_DIST_SKEW 1e-3

struct SST_Stats {
  int n;
  SST_Sample s[SST_MAX_SAMPLES];
  int delay_rejects;
  int have_pending;       /* a jump candidate held back */
  SST_Sample pending;
  double pending_dev;     /* its deviation from the prediction */
  /* regression result */
  int valid;
  int runs;
  double a, b;            /* offset at x = 0 (newest sample) and slope (s/s) */
  double var_a;           /* variance of a */
  double skew;            /* fraction */
  double sd;              /* s */
};

SST_Stats *SST_Create(void)
{
  return calloc(1, sizeof(SST_Stats));
}

void SST_Destroy(SST_Stats *s)
{
  free(s);
}

void SST_Reset(SST_Stats *s)
{
  memset(s, 0, sizeof(*s));
}

int SST_Count(const SST_Stats *s)
{
  return s->n;
}

static double min_delay(const SST_Stats *s)
{
  double m = INFINITY;
  int i;

  for (i = 0; i < s->n; i++) {
    if (s->s[i].delay < m) {
      m = s->s[i].delay;
    }
  }
  return m;
}

/* Weight of sample i: its offset error grows with half its delay above the minimum (the
   part of the delay that may be asymmetric queueing), on top of the scatter of the fit. */
static double weight_of(const SST_Stats *s, int i, double mind)
{
  double sd0 = s->sd > 1e-7 ? s->sd : 1e-7;
  double excess = (s->s[i].delay - mind) / 2.0;

  return 1.0 / (sd0 * sd0 + excess * excess);
}

typedef struct {
  double a, b, var_a, var_b, sd;
  int runs;
  int pass;
} Fit;

/* Weighted least squares over samples [start, n); x relative to the newest sample. */
static void fit_range(const SST_Stats *s, int start, Fit *f)
{
  int n = s->n - start, i, npos = 0, nneg = 0, last = 0;
  double mind = min_delay(s);
  double x[SST_MAX_SAMPLES], w[SST_MAX_SAMPLES];
  double sw = 0, swx = 0, swy = 0, xbar, ybar, sxx = 0, sxy = 0, ssr = 0, sigma2;

  for (i = 0; i < n; i++) {
    x[i] = UTI_DiffTimespecs(&s->s[start + i].time, &s->s[s->n - 1].time);
    w[i] = weight_of(s, start + i, mind);
    sw += w[i];
    swx += w[i] * x[i];
    swy += w[i] * s->s[start + i].offset;
  }
  xbar = swx / sw;
  ybar = swy / sw;
  for (i = 0; i < n; i++) {
    double dx = x[i] - xbar;

    sxx += w[i] * dx * dx;
    sxy += w[i] * dx * (s->s[start + i].offset - ybar);
  }
  f->b = (n >= 2 && sxx > 0) ? sxy / sxx : 0.0;
  f->a = ybar - f->b * xbar;

  f->runs = 0;
  for (i = 0; i < n; i++) {
    double r = s->s[start + i].offset - (f->a + f->b * x[i]);
    int sign = r > 0 ? 1 : -1;

    ssr += w[i] * r * r;
    if (fabs(r) <= 1e-12) {
      continue;   /* an exact fit point has no sign */
    }
    if (sign > 0) {
      npos++;
    } else {
      nneg++;
    }
    if (sign != last) {
      f->runs++;
      last = sign;
    }
  }

  /* Residual variance of unit weight; with two points the line fits exactly and says
     nothing of the error. */
  sigma2 = n > 2 ? ssr / (n - 2) : 0.0;
  f->sd = n > 2 ? sqrt(ssr / sw * n / (n - 2)) : 0.0;
  f->var_b = (n > 2 && sxx > 0) ? sigma2 / sxx : -1.0;
  f->var_a = n > 2 ? sigma2 * (1.0 / sw + (sxx > 0 ? xbar * xbar / sxx : 0)) : 0.0;

  /* Wald-Wolfowitz runs test: with npos and nneg signs in random order the number of runs
     has mean mu and variance var; far fewer runs than that means a systematic misfit. */
  f->pass = 1;
  if (n >= MIN_RUNS_TEST && npos > 0 && nneg > 0) {
    double m = npos + nneg;
    double mu = 2.0 * npos * nneg / m + 1.0;
    double var = (mu - 1.0) * (mu - 2.0) / (m - 1.0);

    if (var > 0 && f->runs < mu - RUNS_Z * sqrt(var)) {
      f->pass = 0;
    }
  } else if (n >= MIN_RUNS_TEST && (npos == 0 || nneg == 0) && npos + nneg >= MIN_RUNS_TEST) {
    f->pass = 0;  /* every residual of one sign: no line through the middle of them */
  }
}

/* Choose the number of samples, discard the older ones, keep the fit. */
static void regress(SST_Stats *s)
{
  Fit f;
  int start = 0, best = -1;

  s->valid = s->n > 0;
  if (!s->valid) {
    return;
  }
  while (s->n - start >= MIN_SAMPLES) {
    fit_range(s, start, &f);
    if (f.pass) {
      best = start;
      break;
    }
    start += (s->n - start) / 8 > 1 ? (s->n - start) / 8 : 1;
  }
  if (best < 0) {
    best = s->n > MIN_SAMPLES ? s->n - MIN_SAMPLES : 0;
  }
  if (best > 0) {
    memmove(&s->s[0], &s->s[best], (size_t)(s->n - best) * sizeof(s->s[0]));
    s->n -= best;
  }
  fit_range(s, 0, &f);
  s->a = f.a;
  s->b = f.b;
  s->runs = f.runs;
  s->sd = f.sd > MIN_SD ? f.sd : MIN_SD;
  s->var_a = f.var_a;
  if (f.var_b < 0) {
    s->skew = SST_UNKNOWN_SKEW * 1e-6;
  } else {
    /* An error bound, not a standard error: widen more when the degrees of freedom are few
       (a rough stand-in for the Student t quantile). */
    double k = 2.0 + 4.0 / (s->n - 2);

    s->skew = k * sqrt(f.var_b);
    if (s->skew < MIN_SKEW) {
      s->skew = MIN_SKEW;
    }
  }
}

static int sample_ok(const SST_Sample *m)
{
  return isfinite(m->offset) && isfinite(m->delay) && isfinite(m->dispersion) &&
         isfinite(m->root_delay) && isfinite(m->root_dispersion) && m->delay >= 0 &&
         m->dispersion >= 0 && m->root_delay >= 0 && m->root_dispersion >= 0 &&
         m->time.tv_nsec >= 0 && m->time.tv_nsec < 1000000000L;
}

SST_AddResult SST_AddSample(SST_Stats *s, const SST_Sample *smp)
{
  if (!sample_ok(smp)) {
    return SST_REJECT_INVALID;
  }
  if (s->n > 0 && UTI_CompareTimespecs(&smp->time, &s->s[s->n - 1].time) <= 0) {
    return SST_REJECT_INVALID;
  }
  if (s->n >= MIN_SAMPLES) {
    double mind = min_delay(s);

    if (smp->delay > MAX_DELAY_RATIO * mind &&
        smp->delay - mind > MAX_DELAY_DEV_RATIO * (s->sd > 1e-6 ? s->sd : 1e-6) &&
        s->delay_rejects < MAX_DELAY_REJECTS) {
      s->delay_rejects++;
      return SST_REJECT_DELAY;
    }
  }
  s->delay_rejects = 0;
  if (s->n >= 4) {
    double pred, err, dev, tol;

    SST_PredictOffset(s, &smp->time, &pred, &err);
    dev = smp->offset - pred;
    tol = JUMP_RATIO * (err + s->sd + smp->delay / 2.0);
    if (tol < JUMP_MIN) {
      tol = JUMP_MIN;
    }
    if (fabs(dev) > tol) {
      if (s->have_pending && fabs(dev - s->pending_dev) <= tol &&
          UTI_CompareTimespecs(&s->pending.time, &smp->time) < 0) {
        /* confirmed: the source's time really moved; start again from the jump */
        s->n = 0;
        s->sd = 0;
        s->s[s->n++] = s->pending;
        s->have_pending = 0;
      } else {
        s->pending = *smp;
        s->pending_dev = dev;
        s->have_pending = 1;
        return SST_REJECT_JUMP;
      }
    } else {
      s->have_pending = 0;
    }
  }
  if (s->n == SST_MAX_SAMPLES) {
    memmove(&s->s[0], &s->s[1], (SST_MAX_SAMPLES - 1) * sizeof(s->s[0]));
    s->n--;
  }
  s->s[s->n++] = *smp;
  regress(s);
  return SST_ADDED;
}

int SST_GetEstimate(const SST_Stats *s, SST_Estimate *e)
{
  memset(e, 0, sizeof(*e));
  if (!s->valid || s->n == 0) {
    return 0;
  }
  e->n_samples = s->n;
  e->n_runs = s->runs;
  e->span = UTI_DiffTimespecs(&s->s[s->n - 1].time, &s->s[0].time);
  e->freq_ppm = -s->b * 1e6;
  e->skew_ppm = s->skew * 1e6;
  e->std_dev = s->sd;
  e->offset = s->a;
  e->offset_sd = sqrt(s->var_a) > s->sd / sqrt((double)s->n) ? sqrt(s->var_a)
                                                              : s->sd / sqrt((double)s->n);
  e->ref_time = s->s[s->n - 1].time;
  return 1;
}

int SST_PredictOffset(const SST_Stats *s, const struct timespec *t, double *offset,
                      double *err)
{
  SST_Estimate e;
  double dt;

  if (!SST_GetEstimate(s, &e)) {
    return 0;
  }
  dt = UTI_DiffTimespecs(t, &e.ref_time);
  *offset = s->a + s->b * dt;
  if (err) {
    double g = (s->skew < MAX_DIST_SKEW ? s->skew : MAX_DIST_SKEW) * fabs(dt);

    *err = sqrt(e.offset_sd * e.offset_sd + g * g);
  }
  return 1;
}

double SST_RootDistance(const SST_Stats *s, const struct timespec *t)
{
  const SST_Sample *m;
  double age, skew;

  if (s->n == 0) {
    return 1e9;
  }
  m = &s->s[s->n - 1];
  age = UTI_DiffTimespecs(t, &m->time);
  if (age < 0) {
    age = 0;
  }
  skew = s->skew < MAX_DIST_SKEW ? s->skew : MAX_DIST_SKEW;
  /* RFC 5905 §11.2: root distance = root delay / 2 + root dispersion; our own link adds its
     delay and dispersion, which grows by PHI (and our frequency uncertainty) with age. */
  return (m->root_delay + m->delay) / 2.0 + m->root_dispersion + m->dispersion +
         (SST_PHI + skew) * age + s->sd;
}

int SST_GetLastSample(const SST_Stats *s, SST_Sample *smp)
{
  if (s->n == 0) {
    return 0;
  }
  *smp = s->s[s->n - 1];
  return 1;
}

void SST_ShiftFrequency(SST_Stats *s, double dfreq, const struct timespec *t0)
{
  int i;

  if (!isfinite(dfreq) || dfreq == 0.0 || s->n == 0) {
    return;
  }
  for (i = 0; i < s->n; i++) {
    double before = UTI_DiffTimespecs(t0, &s->s[i].time);

    /* Had the clock run faster by dfreq since t_i, at t_i it would have read dfreq*before
       less (it reaches the same reading at t0), so reference - local was larger by that. */
    s->s[i].offset += dfreq * before;
    UTI_AddDoubleToTimespec(&s->s[i].time, -dfreq * before, &s->s[i].time);
  }
  if (s->have_pending) {
    double before = UTI_DiffTimespecs(t0, &s->pending.time);

    s->pending.offset += dfreq * before;
    UTI_AddDoubleToTimespec(&s->pending.time, -dfreq * before, &s->pending.time);
  }
  /* The slope moves by exactly -dfreq and the intercept (at the newest sample) by
     dfreq * (t0 - t_newest); refit rather than patch, the samples are the truth. */
  regress(s);
}

void SST_ShiftStep(SST_Stats *s, double step)
{
  int i;

  if (!isfinite(step) || step == 0.0 || s->n == 0) {
    return;
  }
  for (i = 0; i < s->n; i++) {
    s->s[i].offset -= step;
    UTI_AddDoubleToTimespec(&s->s[i].time, step, &s->s[i].time);
  }
  if (s->have_pending) {
    s->pending.offset -= step;
    UTI_AddDoubleToTimespec(&s->pending.time, step, &s->pending.time);
  }
  regress(s);
}
