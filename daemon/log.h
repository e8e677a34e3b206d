/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - messages to stderr (foreground) or syslog.
 *
 * Anything a remote peer can trigger goes through LOG_RateLimited(), so a flood of bad
 * packets can never flood the log (chrony CVE-2010-0294).
 */
#ifndef TIMED_LOG_H
#define TIMED_LOG_H

typedef enum { LOG_DEBUG_LEVEL = 0, LOG_INFO_LEVEL, LOG_WARN_LEVEL, LOG_ERR_LEVEL, LOG_FATAL_LEVEL } LOG_Level;

/* to_stderr: 1 in the foreground (-d), 0 for syslog.  min_level: messages below are dropped. */
void LOG_Initialise(int to_stderr, LOG_Level min_level);
void LOG_Finalise(void);

void LOG_Message(LOG_Level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like LOG_Message, but shares a budget of a few messages per second with every other
   rate-limited call; what exceeds it is counted and summarised later ("N messages
   suppressed"). */
void LOG_RateLimited(LOG_Level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log at LOG_FATAL_LEVEL and exit(1). */
void LOG_Fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define DEBUG_LOG(...) LOG_Message(LOG_DEBUG_LEVEL, __VA_ARGS__)

#endif
