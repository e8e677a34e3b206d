/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock_linux.c - the Linux clock driver: ntp_adjtime() and clock_settime(CLOCK_REALTIME).
 *
 * Every kernel clock change is in this file.  With privilege separation (the default) only
 * timed-helper calls these functions, on the engine's requests; the engine itself uses the
 * "privsep" driver (privsep.c).  In the single-process configuration (-P 0) the daemon
 * uses this driver directly.  No logging here (the helper has no log module): failures
 * return 0 with errno set, and the caller reports them.
 */
#include <errno.h>
#include <math.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "util.h"

/* The kernel's frequency unit: ppm with a 16-bit binary fraction (adjtimex(2)). */
#define FREQ_SCALE 65536.0
/* ADJ_FREQUENCY alone reaches +/-500 ppm (MAXFREQ); beyond that the tick length is changed
   too, as chronyd does: one microsecond more per tick of 1/HZ s is HZ ppm, and the kernel
   accepts ticks within 10% of nominal. */
#define MAX_FREQ_PPM 500.0
#define MAX_TOTAL_PPM 99000.0

static long nominal_tick(void)
{
  long hz = sysconf(_SC_CLK_TCK);

  return hz > 0 ? 1000000L / hz : 10000L;
}

static int linux_get_freq(double *ppm)
{
  struct timex t = {0};
  long tick0 = nominal_tick();

  if (ntp_adjtime(&t) < 0) {
    return 0;
  }
  *ppm = (double)(t.tick - tick0) * (1e6 / (double)tick0) + t.freq / FREQ_SCALE;
  return 1;
}

static int linux_set_freq(double ppm)
{
  struct timex t = {0};
  long tick0 = nominal_tick();
  double tick_ppm = 1e6 / (double)tick0, rest;
  long dtick;

  if (!isfinite(ppm)) {
    errno = EINVAL;
    return 0;
  }
  if (ppm > MAX_TOTAL_PPM) {
    ppm = MAX_TOTAL_PPM;
  } else if (ppm < -MAX_TOTAL_PPM) {
    ppm = -MAX_TOTAL_PPM;
  }
  /* Whole tick units, the rest (within half a unit, < 500 ppm) through the frequency. */
  dtick = lround(ppm / tick_ppm);
  rest = ppm - (double)dtick * tick_ppm;
  if (rest > MAX_FREQ_PPM) {
    rest = MAX_FREQ_PPM;
  } else if (rest < -MAX_FREQ_PPM) {
    rest = -MAX_FREQ_PPM;
  }
  t.modes = ADJ_FREQUENCY | ADJ_TICK;
  t.tick = tick0 + dtick;
  t.freq = (long)(rest * FREQ_SCALE);
  return ntp_adjtime(&t) >= 0;
}

static int linux_step(double delta)
{
  struct timespec now, target;

  if (!isfinite(delta)) {
    errno = EINVAL;
    return 0;
  }
  clock_gettime(CLOCK_REALTIME, &now);
  UTI_AddDoubleToTimespec(&now, delta, &target);
  return clock_settime(CLOCK_REALTIME, &target) == 0;
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
    .step = linux_step,
    .set_status = linux_set_status,
    .correction = linux_correction,
};
