/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock_null.c - the null clock driver (-x): computes and reports, never touches the kernel.
 *
 * It keeps a virtual frequency and offset correction so the daemon behaves as if it had
 * disciplined the clock; cooked time includes the virtual offset.  Nothing here may call a
 * clock-setting function.
 */
#include "clock.h"

static double virt_freq_ppm;
static double virt_offset; /* seconds to add to raw time */

static int null_get_freq(double *ppm)
{
  *ppm = virt_freq_ppm;
  return 1;
}

static int null_set_freq(double ppm)
{
  virt_freq_ppm = ppm;
  return 1;
}

static int null_slew(double offset)
{
  /* A slew would remove the offset over time; with no kernel to do it, apply it at once to
     the virtual correction, which is what the clock would reach. */
  virt_offset -= offset;
  return 1;
}

static int null_step(double offset)
{
  virt_offset -= offset;
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
  return virt_offset;
}

const CLK_Driver CLK_NullDriver = {
    .name = "none",
    .controls_kernel = 0,
    .get_freq = null_get_freq,
    .set_freq = null_set_freq,
    .slew = null_slew,
    .step = null_step,
    .set_status = null_set_status,
    .correction = null_correction,
};
