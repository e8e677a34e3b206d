/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim_bench.c - runs every simulator scenario over many seeds and prints one line per
 * scenario: sync time, RMS offset after sync, max offset after 300 s, RMS frequency error
 * (median and worst).
 * Bounded: a fixed number of seeds, each run bounded in simulated time and events.
 * Usage: sim_bench [seeds (default 20)] [scenario]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define MAX_SEEDS 200

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static double worst(const double *v, int n)
{
  double w = v[0];
  int i;

  for (i = 1; i < n; i++) {
    w = v[i] > w ? v[i] : w;
  }
  return w;
}

int main(int argc, char **argv)
{
  int seeds = argc > 1 ? atoi(argv[1]) : 20, i, k, never;
  static double st[MAX_SEEDS], rms[MAX_SEEDS], mx[MAX_SEEDS], fr[MAX_SEEDS];

  if (seeds < 1 || seeds > MAX_SEEDS) {
    fprintf(stderr, "seeds must be 1..%d\n", MAX_SEEDS);
    return 2;
  }
  printf("%-10s %5s %17s %21s %21s %19s %5s\n", "scenario", "runs", "sync s med/worst",
         "rms offset us med/wst", "max settled us med/wst", "rms freq ppm med/wst", "never");
  for (k = 0; SCN_Names[k]; k++) {
    if (argc > 2 && strcmp(argv[2], SCN_Names[k]) != 0) {
      continue;
    }
    never = 0;
    for (i = 0; i < seeds; i++) {
      SCN_Scenario sc;
      SCN_Metrics m;

      if (!SCN_Named(SCN_Names[k], (uint64_t)i + 1, &sc)) {
        return 1;
      }
      sc.trace = getenv("SIM_TRACE") != NULL;
      if (!SCN_Run(&sc, &m)) {
        fprintf(stderr, "%s: setup failed\n", SCN_Names[k]);
        return 1;
      }
      if (m.sync_time < 0) {
        never++;
        m.sync_time = sc.duration;
      }
      st[i] = m.sync_time;
      rms[i] = m.rms_offset * 1e6;
      mx[i] = m.max_settled * 1e6;
      fr[i] = m.rms_freq;
    }
    printf("%-10s %5d %8.0f/%8.0f %10.1f/%10.1f %10.1f/%10.1f %9.4f/%9.4f %5d\n", SCN_Names[k],
           seeds, median(st, seeds), worst(st, seeds), median(rms, seeds), worst(rms, seeds),
           median(mx, seeds), worst(mx, seeds), median(fr, seeds), worst(fr, seeds), never);
    fflush(stdout);
  }
  return 0;
}
