/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sched.h - the single-threaded event loop: poll() over registered fds plus a timer heap.
 *
 * Everything the daemon does happens in callbacks from SCH_MainLoop().  Time is read only
 * through the clock driver (clock.h), so a simulator can move it.  Signals only set flags
 * (SIMULATION-RULES: no self-pipe); the loop notices them when poll() returns EINTR.
 */
#ifndef TIMED_SCHED_H
#define TIMED_SCHED_H

#include <time.h>

#define SCH_READ 1
#define SCH_WRITE 2

typedef void (*SCH_FdHandler)(int fd, int events, void *arg);
typedef void (*SCH_TimerHandler)(void *arg);
typedef unsigned long SCH_TimerId; /* 0 is never a valid id */

/* Set up the loop; call once before anything else here. */
void SCH_Initialise(void);
void SCH_Finalise(void);

/* Watch fd for SCH_READ and/or SCH_WRITE events.  One handler per fd.  Returns 1, or 0 if
   the table is full. */
int SCH_AddFd(int fd, int events, SCH_FdHandler handler, void *arg);
/* Change the events watched on fd (0 pauses it). */
void SCH_SetFdEvents(int fd, int events);
void SCH_RemoveFd(int fd);

/* Run handler once, delay seconds (>= 0) from now on the monotonic clock. */
SCH_TimerId SCH_AddTimer(double delay, SCH_TimerHandler handler, void *arg);
void SCH_RemoveTimer(SCH_TimerId id);

/* Monotonic time of the last wake-up of the loop (cheap; no clock read). */
void SCH_GetLastEventMono(struct timespec *ts);

/* Run until SCH_QuitLoop() or a termination signal.  Returns 0 on a clean stop. */
int SCH_MainLoop(void);
void SCH_QuitLoop(void);

/* Called from the loop (never from the signal handler) when SIGHUP arrives. */
void SCH_SetReloadHandler(void (*handler)(void));

#endif
