/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.c - messages to stderr or syslog, with a shared budget for anything a remote peer
 * can trigger.
 *
 * The budget is a token bucket on the monotonic clock: LOG_BURST messages at once, then
 * LOG_RATE per second; what is suppressed is counted and reported by the next message
 * that gets through, so nothing disappears without a trace.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "util.h"

#define LOG_RATE 5.0
#define LOG_BURST 20.0

static int use_stderr = 1;
static LOG_Level min_level = LOG_INFO_LEVEL;
static double tokens = LOG_BURST;
static struct timespec last_refill;
static int have_refill;
static unsigned long suppressed;

static const char *level_names[] = {"debug", "info", "warning", "error", "fatal"};

void LOG_Initialise(int to_stderr, LOG_Level level)
{
  use_stderr = to_stderr;
  min_level = level;
  if (!use_stderr) {
    openlog("timed", LOG_PID | LOG_NDELAY, LOG_DAEMON);
  }
}

void LOG_Finalise(void)
{
  if (!use_stderr) {
    closelog();
  }
}

static void emit(LOG_Level level, const char *fmt, va_list ap)
{
  char buf[1024];

  vsnprintf(buf, sizeof(buf), fmt, ap);
  if (use_stderr) {
    struct timespec now;
    struct tm tm;
    char stamp[32] = "";

    clock_gettime(CLOCK_REALTIME, &now);
    if (gmtime_r(&now.tv_sec, &tm)) {
      strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    if (level >= LOG_WARN_LEVEL) {
      fprintf(stderr, "%s %s: %s\n", stamp, level_names[level], buf);
    } else {
      fprintf(stderr, "%s %s\n", stamp, buf);
    }
  } else {
    static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT};
    syslog(prio[level], "%s", buf);
  }
}

void LOG_Message(LOG_Level level, const char *fmt, ...)
{
  va_list ap;

  if (level < min_level) {
    return;
  }
  va_start(ap, fmt);
  emit(level, fmt, ap);
  va_end(ap);
}

void LOG_RateLimited(LOG_Level level, const char *fmt, ...)
{
  struct timespec now;
  va_list ap;

  if (level < min_level) {
    return;
  }
  CLK_ReadMonoTime(&now);
  if (have_refill) {
    tokens += UTI_DiffTimespecs(&now, &last_refill) * LOG_RATE;
    if (tokens > LOG_BURST) {
      tokens = LOG_BURST;
    }
  }
  last_refill = now;
  have_refill = 1;
  if (tokens < 1.0) {
    suppressed++;
    return;
  }
  tokens -= 1.0;
  if (suppressed) {
    LOG_Message(LOG_WARN_LEVEL, "%lu messages suppressed (log rate limit)", suppressed);
    suppressed = 0;
  }
  va_start(ap, fmt);
  emit(level, fmt, ap);
  va_end(ap);
}

void LOG_Fatal(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  emit(LOG_FATAL_LEVEL, fmt, ap);
  va_end(ap);
  exit(1);
}
