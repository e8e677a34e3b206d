/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock_null.c - the null clock driver (-x): computes and reports, never touches the kernel.
 *
 * It keeps a virtual clock: cooked time = raw time + correction, where the correction
 * grows at the frequency last set and jumps by every step.  So the daemon behaves exactly
 * as if it disciplined the clock, and `timectl tracking` shows what it would have done.
 * Nothing here may call a clock-setting function.
 */
#include <time.h>

#include "clock.h"
#include "util.h"

static double virt_freq_ppm;
/* correction(t) = base_corr + virt_freq_ppm * 1e-6 * (t - base_raw), t in raw time */
static double base_corr;
static struct timespec base_raw;
static int have_base;

static double correction_at(const struct timespec *raw)
{
  if (!have_base) {
    return base_corr;
  }
  return base_corr + virt_freq_ppm * 1e-6 * UTI_DiffTimespecs(raw, &base_raw);
}

/* Fold the correction accumulated so far into base_corr, from now on at a new rate. */
static void rebase(void)
{
  struct timespec now;

  clock_gettime(CLOCK_REALTIME, &now);
  base_corr = correction_at(&now);
  base_raw = now;
  have_base = 1;
}

static int null_get_freq(double *ppm)
{
  *ppm = virt_freq_ppm;
  return 1;
}

static int null_set_freq(double ppm)
{
  rebase();
  virt_freq_ppm = ppm;
  return 1;
}

static int null_step(double delta)
{
  rebase();
  base_corr += delta;
  return 1;
}

static int null_set_status(int leap, double est_error, double max_error)
{
  (void)leap;
  (void)est_error;
  (void)max_error;
  return 1;
}

static double null_correction(void)
{
  struct timespec now;

  if (!have_base || virt_freq_ppm == 0.0) {
    return base_corr;
  }
  clock_gettime(CLOCK_REALTIME, &now);
  return correction_at(&now);
}

const CLK_Driver CLK_NullDriver = {
    .name = "none",
    .controls_kernel = 0,
    .get_freq = null_get_freq,
    .set_freq = null_set_freq,
    .step = null_step,
    .set_status = null_set_status,
    .correction = null_correction,
};
