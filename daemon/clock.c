/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock.c - reading time (raw, cooked, monotonic) and the selected clock driver.
 *
 * Only clock_gettime() on CLOCK_REALTIME and CLOCK_MONOTONIC (SIMULATION-RULES 3).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "util.h"

static const CLK_Driver *driver = &CLK_NullDriver;
static int precision_log2 = -20;

/* The smallest non-zero difference between consecutive readings, over a bounded number
   of tries; a clock that never moves between two reads (a simulator) counts as 1 us. */
static int measure_precision(void)
{
  struct timespec a, b;
  double best = 1.0;
  int i;

  for (i = 0; i < 100; i++) {
    double d;

    clock_gettime(CLOCK_REALTIME, &a);
    clock_gettime(CLOCK_REALTIME, &b);
    d = UTI_DiffTimespecs(&b, &a);
    if (d > 0.0 && d < best) {
      best = d;
    }
  }
  if (best >= 1.0) {
    best = 1e-6;
  }
  return UTI_Log2Seconds(best);
}

void CLK_Initialise(const CLK_Driver *drv)
{
  driver = drv;
  precision_log2 = measure_precision();
}

const CLK_Driver *CLK_GetDriver(void)
{
  return driver;
}

void CLK_ReadRawTime(struct timespec *ts)
{
  clock_gettime(CLOCK_REALTIME, ts);
}

void CLK_CookTime(const struct timespec *raw, struct timespec *cooked)
{
  double corr = driver->correction();

  if (corr == 0.0) {
    *cooked = *raw;
  } else {
    UTI_AddDoubleToTimespec(raw, corr, cooked);
  }
}

void CLK_ReadRealTime(struct timespec *ts)
{
  struct timespec raw;

  clock_gettime(CLOCK_REALTIME, &raw);
  CLK_CookTime(&raw, ts);
}

void CLK_ReadMonoTime(struct timespec *ts)
{
  clock_gettime(CLOCK_MONOTONIC, ts);
}

int CLK_GetPrecisionLog2(void)
{
  return precision_log2;
}

int CLK_CanControlClock(void)
{
  /* CAP_SYS_TIME (bit 25) in the effective set, read from /proc (no libcap dependency). */
  char line[256];
  unsigned long long eff = 0;
  int found = 0;
  FILE *f = fopen("/proc/self/status", "r");

  if (!f) {
    return 0;
  }
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, "CapEff:", 7) == 0 && sscanf(line + 7, "%llx", &eff) == 1) {
      found = 1;
      break;
    }
  }
  fclose(f);
  return found && (eff & (1ULL << 25)) != 0;
}
