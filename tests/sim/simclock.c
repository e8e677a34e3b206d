/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * simclock.c - the simulator's virtual clock.  No I/O, no real clock reads.
 *
 * Time is kept as small doubles from the start of the run (t, and the error apart from it)
 * and only joined to the epoch when a timespec is made, so that microsecond errors are not
 * lost in the rounding of a 1.8e9 s double (whose step is 2.4e-7 s).
 */
#include <math.h>
#include <string.h>

#include "simclock.h"

uint64_t SCK_Random(uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SCK_Uniform(uint64_t *state)
{
  return ((SCK_Random(state) >> 11) + 0.5) * 0x1.0p-53;
}

double SCK_Normal(uint64_t *state)
{
  double u1 = SCK_Uniform(state), u2 = SCK_Uniform(state);

  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void SCK_Init(SCK_Clock *c, const SCK_Params *p)
{
  memset(c, 0, sizeof(*c));
  c->err = p->offset0;
  c->freq_int = p->freq_error;
  c->wander = p->wander;
  c->rng = p->seed ^ 0x5eed0c10c4ULL;
}

void SCK_AdvanceTo(SCK_Clock *c, double t)
{
  double dt = t - c->t;

  if (!(dt > 0)) {
    return;
  }
  /* The frequency error is constant over the step (the step is short compared with the
     wander's time scale), then moves by a random-walk increment. */
  c->err += (c->freq_int + c->applied) * 1e-6 * dt;
  if (c->wander > 0) {
    c->freq_int += c->wander * sqrt(dt) * SCK_Normal(&c->rng);
  }
  c->t = t;
}

static void to_timespec(double whole_extra, double small, struct timespec *ts)
{
  double s = floor(small);
  long long sec = SCK_EPOCH + (long long)s + (long long)whole_extra;
  long ns = (long)llround((small - s) * 1e9);

  if (ns >= 1000000000L) {
    ns -= 1000000000L;
    sec++;
  }
  ts->tv_sec = (time_t)sec;
  ts->tv_nsec = ns;
}

void SCK_TrueToTimespec(double t, double extra, struct timespec *ts)
{
  /* keep whole seconds of a large lie out of the fractional arithmetic */
  double whole = trunc(extra);

  to_timespec(whole, t + (extra - whole), ts);
}

void SCK_ReadReal(const SCK_Clock *c, struct timespec *ts)
{
  double whole = trunc(c->err);

  to_timespec(whole, c->t + (c->err - whole), ts);
}

void SCK_ReadMono(const SCK_Clock *c, struct timespec *ts)
{
  double s = floor(c->t);
  long ns = (long)llround((c->t - s) * 1e9);

  ts->tv_sec = (time_t)(SCK_MONO_BASE + (long long)s);
  if (ns >= 1000000000L) {
    ns -= 1000000000L;
    ts->tv_sec++;
  }
  ts->tv_nsec = ns;
}

void SCK_SetFreq(SCK_Clock *c, double ppm)
{
  c->applied = ppm;
}

void SCK_Step(SCK_Clock *c, double delta)
{
  c->err += delta;
  c->n_steps++;
  c->stepped += fabs(delta);
}

double SCK_Error(const SCK_Clock *c)
{
  return c->err;
}

double SCK_FreqError(const SCK_Clock *c)
{
  return c->freq_int + c->applied;
}
