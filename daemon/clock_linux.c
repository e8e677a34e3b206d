/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock_linux.c - the Linux clock driver: ntp_adjtime() and clock_settime(CLOCK_REALTIME).
 *
 * Selected only when the daemon runs without -x.  These calls will move into the privileged
 * helper (privilege separation); keep every kernel clock change in this file.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "util.h"

/* The kernel's frequency unit: ppm with a 16-bit binary fraction (adjtimex(2)). */
#define FREQ_SCALE 65536.0
/* Linux limits the frequency adjustment to +/-500 ppm (MAXFREQ). */
#define MAX_FREQ_PPM 500.0

static int linux_get_freq(double *ppm)
{
  struct timex t = {0};

  if (ntp_adjtime(&t) < 0) {
    return 0;
  }
  *ppm = t.freq / FREQ_SCALE;
  return 1;
}

static int linux_set_freq(double ppm)
{
  struct timex t = {0};

  if (!isfinite(ppm)) {
    return 0;
  }
  if (ppm > MAX_FREQ_PPM) {
    ppm = MAX_FREQ_PPM;
  } else if (ppm < -MAX_FREQ_PPM) {
    ppm = -MAX_FREQ_PPM;
  }
  t.modes = ADJ_FREQUENCY;
  t.freq = (long)(ppm * FREQ_SCALE);
  if (ntp_adjtime(&t) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "ntp_adjtime(ADJ_FREQUENCY) failed: %s", strerror(errno));
    return 0;
  }
  return 1;
}

static int linux_slew(double offset)
{
  struct timex t = {0};

  /* adjtime()-style single-shot slew, at most 0.5 s at the kernel's 500 ppm. */
  if (!isfinite(offset) || fabs(offset) > 0.5) {
    return 0;
  }
  t.modes = ADJ_OFFSET_SINGLESHOT;
  t.offset = (long)(-offset * 1e6);
  return ntp_adjtime(&t) >= 0;
}

static int linux_step(double offset)
{
  struct timespec now, target;

  if (!isfinite(offset)) {
    return 0;
  }
  clock_gettime(CLOCK_REALTIME, &now);
  UTI_AddDoubleToTimespec(&now, -offset, &target);
  if (clock_settime(CLOCK_REALTIME, &target) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "clock_settime() failed: %s", strerror(errno));
    return 0;
  }
  return 1;
}

static int linux_set_status(int leap, double est_error, double max_error)
{
  struct timex t = {0};

  if (ntp_adjtime(&t) < 0) {
    return 0;
  }
  t.modes = ADJ_STATUS | ADJ_ESTERROR | ADJ_MAXERROR;
  t.status &= ~(STA_INS | STA_DEL | STA_UNSYNC);
  if (leap == 1) {
    t.status |= STA_INS;
  } else if (leap == 2) {
    t.status |= STA_DEL;
  } else if (leap == 3) {
    t.status |= STA_UNSYNC;
  }
  t.esterror = isfinite(est_error) ? (long)(est_error * 1e6) : 0;
  t.maxerror = isfinite(max_error) ? (long)(max_error * 1e6) : 16000000;
  return ntp_adjtime(&t) >= 0;
}

static double linux_correction(void)
{
  return 0.0;
}

const CLK_Driver CLK_LinuxDriver = {
    .name = "kernel",
    .controls_kernel = 1,
    .get_freq = linux_get_freq,
    .set_freq = linux_set_freq,
    .slew = linux_slew,
    .step = linux_step,
    .set_status = linux_set_status,
    .correction = linux_correction,
};
