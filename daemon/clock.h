/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock.h - the clock drivers: the one place that reads or changes the system clock.
 *
 * The daemon reads time only through CLK_ (so a simulator can stand in for the clock) and
 * changes it only through the selected driver.  This interface is the privilege boundary.
 * Drivers:
 *  - null (-x): never touches the kernel; keeps a virtual offset and frequency so that the
 *    rest of the daemon (and `timectl tracking`) sees what it would have done;
 *  - linux: adjtimex/clock_adjtime and clock_settime on CLOCK_REALTIME (in timed-helper, or
 *    in the daemon itself in the single-process configuration -P 0);
 *  - privsep: requests to timed-helper (the default when the clock is controlled).
 */
#ifndef TIMED_CLOCK_H
#define TIMED_CLOCK_H

#include <time.h>

typedef struct {
  const char *name;
  int controls_kernel;                 /* 1 when it changes the system clock */
  int (*get_freq)(double *ppm);        /* current frequency offset, ppm (positive: faster) */
  int (*set_freq)(double ppm);         /* absolute; slewing is done through the frequency */
  int (*step)(double delta);           /* add delta seconds to the clock at once */
  int (*set_status)(int leap, double est_error, double max_error);
  double (*correction)(void);          /* seconds to add to a raw reading for cooked time */
} CLK_Driver;

extern const CLK_Driver CLK_NullDriver;
extern const CLK_Driver CLK_LinuxDriver;
/* The engine's driver under privilege separation: every change is a request to
   timed-helper (privsep.c), which calls CLK_LinuxDriver. */
extern const CLK_Driver CLK_PrivsepDriver;

/* Select the driver (before anything reads cooked time) and measure the clock's precision. */
void CLK_Initialise(const CLK_Driver *driver);
const CLK_Driver *CLK_GetDriver(void);

/* Real (cooked) time: raw CLOCK_REALTIME plus the driver's correction. */
void CLK_ReadRealTime(struct timespec *ts);
/* Raw CLOCK_REALTIME, as kernel receive timestamps are. */
void CLK_ReadRawTime(struct timespec *ts);
/* Turn a raw reading (e.g. a kernel timestamp) into cooked time. */
void CLK_CookTime(const struct timespec *raw, struct timespec *cooked);
/* Monotonic time, for timers and rate limits. */
void CLK_ReadMonoTime(struct timespec *ts);

/* log2 seconds of the smallest step between two clock readings (the NTP precision field). */
int CLK_GetPrecisionLog2(void);

/* 1 when the process may set the clock (CAP_SYS_TIME); a warning, not an error, when not. */
int CLK_CanControlClock(void);

#endif
