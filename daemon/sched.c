/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sched.c - the event loop: poll() over registered fds, a binary heap of timers, and
 * signals as flags.
 *
 * SIMULATION-RULES 1-2: poll() only (no epoll/ppoll), its timeout from the timer heap, no
 * self-pipe or signalfd; a signal interrupts poll() with EINTR and the flag is read then.
 * Time is read only through CLK_ReadMonoTime().
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "sched.h"
#include "util.h"

#define MAX_FDS 64

typedef struct {
  int fd;
  int events;
  SCH_FdHandler handler;
  void *arg;
} FdEntry;

typedef struct {
  struct timespec when;
  SCH_TimerId id;
  SCH_TimerHandler handler;
  void *arg;
} Timer;

static FdEntry fds[MAX_FDS];
static int n_fds;

static Timer *heap;
static size_t heap_len, heap_cap;
static SCH_TimerId next_id = 1;

static struct timespec last_event;
static volatile sig_atomic_t quit_signal;
static int quit_requested;
static void (*reload_handler)(void);

static void on_signal(int sig)
{
  quit_signal = sig;
}

void SCH_Initialise(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* No SA_RESTART: the signal must interrupt poll(). */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
  n_fds = 0;
  heap_len = 0;
  quit_requested = 0;
  quit_signal = 0;
  CLK_ReadMonoTime(&last_event);
}

void SCH_Finalise(void)
{
  free(heap);
  heap = NULL;
  heap_len = heap_cap = 0;
  n_fds = 0;
}

int SCH_AddFd(int fd, int events, SCH_FdHandler handler, void *arg)
{
  int i;

  for (i = 0; i < n_fds; i++) {
    if (fds[i].fd == fd) {
      fds[i].events = events;
      fds[i].handler = handler;
      fds[i].arg = arg;
      return 1;
    }
  }
  if (n_fds >= MAX_FDS) {
    return 0;
  }
  fds[n_fds].fd = fd;
  fds[n_fds].events = events;
  fds[n_fds].handler = handler;
  fds[n_fds].arg = arg;
  n_fds++;
  return 1;
}

void SCH_SetFdEvents(int fd, int events)
{
  int i;

  for (i = 0; i < n_fds; i++) {
    if (fds[i].fd == fd) {
      fds[i].events = events;
    }
  }
}

void SCH_RemoveFd(int fd)
{
  int i;

  for (i = 0; i < n_fds; i++) {
    if (fds[i].fd == fd) {
      fds[i] = fds[n_fds - 1];
      n_fds--;
      return;
    }
  }
}

static int timer_before(const Timer *a, const Timer *b)
{
  int c = UTI_CompareTimespecs(&a->when, &b->when);

  /* Equal times run in the order they were added. */
  return c < 0 || (c == 0 && a->id < b->id);
}

static void heap_swap(size_t i, size_t j)
{
  Timer t = heap[i];

  heap[i] = heap[j];
  heap[j] = t;
}

static void heap_up(size_t i)
{
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!timer_before(&heap[i], &heap[p])) {
      break;
    }
    heap_swap(i, p);
    i = p;
  }
}

static void heap_down(size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;

    if (l < heap_len && timer_before(&heap[l], &heap[m])) {
      m = l;
    }
    if (r < heap_len && timer_before(&heap[r], &heap[m])) {
      m = r;
    }
    if (m == i) {
      break;
    }
    heap_swap(i, m);
    i = m;
  }
}

static void heap_remove_at(size_t i)
{
  heap_len--;
  if (i == heap_len) {
    return;
  }
  heap[i] = heap[heap_len];
  heap_up(i);
  heap_down(i);
}

SCH_TimerId SCH_AddTimer(double delay, SCH_TimerHandler handler, void *arg)
{
  struct timespec now;
  Timer t;

  if (heap_len == heap_cap) {
    size_t cap = heap_cap ? heap_cap * 2 : 32;
    Timer *h = realloc(heap, cap * sizeof(*h));
    if (!h) {
      LOG_Fatal("out of memory for timers");
    }
    heap = h;
    heap_cap = cap;
  }
  if (!(delay >= 0.0)) {
    delay = 0.0;
  }
  CLK_ReadMonoTime(&now);
  UTI_AddDoubleToTimespec(&now, delay, &t.when);
  t.id = next_id++;
  t.handler = handler;
  t.arg = arg;
  heap[heap_len] = t;
  heap_up(heap_len);
  heap_len++;
  return t.id;
}

void SCH_RemoveTimer(SCH_TimerId id)
{
  size_t i;

  for (i = 0; i < heap_len; i++) {
    if (heap[i].id == id) {
      heap_remove_at(i);
      return;
    }
  }
}

void SCH_GetLastEventMono(struct timespec *ts)
{
  *ts = last_event;
}

void SCH_SetReloadHandler(void (*handler)(void))
{
  reload_handler = handler;
}

void SCH_QuitLoop(void)
{
  quit_requested = 1;
}

/* Run every timer that is due; a handler may add or remove timers. */
static void run_timers(void)
{
  while (heap_len > 0 && UTI_CompareTimespecs(&heap[0].when, &last_event) <= 0) {
    Timer t = heap[0];

    heap_remove_at(0);
    t.handler(t.arg);
  }
}

static int poll_timeout_ms(void)
{
  double d;

  if (heap_len == 0) {
    return -1;
  }
  d = UTI_DiffTimespecs(&heap[0].when, &last_event);
  if (d <= 0.0) {
    return 0;
  }
  if (d > 3600.0) {
    d = 3600.0;
  }
  /* Round up so a timer never wakes us a little early and spins. */
  return (int)(d * 1000.0) + 1;
}

int SCH_MainLoop(void)
{
  struct pollfd pfds[MAX_FDS];
  FdEntry ready[MAX_FDS];
  int revents[MAX_FDS];

  while (!quit_requested) {
    int i, n, r, n_ready = 0;

    if (quit_signal) {
      if (quit_signal == SIGHUP) {
        /* chronyd exits on SIGHUP; we reload what can be reloaded (NTS certificates) and go
           on. */
        quit_signal = 0;
        if (reload_handler) {
          reload_handler();
        } else {
          LOG_Message(LOG_INFO_LEVEL, "SIGHUP received: nothing to reload");
        }
        continue;
      }
      LOG_Message(LOG_INFO_LEVEL, "signal %d received, exiting", (int)quit_signal);
      break;
    }
    n = 0;
    for (i = 0; i < n_fds; i++) {
      if (!fds[i].events) {
        continue;
      }
      pfds[n].fd = fds[i].fd;
      pfds[n].events = (short)(((fds[i].events & SCH_READ) ? POLLIN : 0) |
                               ((fds[i].events & SCH_WRITE) ? POLLOUT : 0));
      pfds[n].revents = 0;
      n++;
    }
    r = poll(pfds, (nfds_t)n, poll_timeout_ms());
    CLK_ReadMonoTime(&last_event);
    if (r < 0) {
      if (errno == EINTR) {
        continue;
      }
      LOG_Message(LOG_ERR_LEVEL, "poll() failed: %s", strerror(errno));
      return 1;
    }
    /* Snapshot the ready handlers first: a handler may add or remove fds. */
    for (i = 0; i < n && r > 0; i++) {
      int j, ev = 0;

      if (!pfds[i].revents) {
        continue;
      }
      if (pfds[i].revents & (POLLIN | POLLERR | POLLHUP)) {
        ev |= SCH_READ;
      }
      if (pfds[i].revents & POLLOUT) {
        ev |= SCH_WRITE;
      }
      for (j = 0; j < n_fds; j++) {
        if (fds[j].fd == pfds[i].fd) {
          ready[n_ready] = fds[j];
          revents[n_ready] = ev;
          n_ready++;
          break;
        }
      }
    }
    for (i = 0; i < n_ready; i++) {
      int j, still = 0;

      for (j = 0; j < n_fds; j++) {
        if (fds[j].fd == ready[i].fd && fds[j].handler == ready[i].handler) {
          still = 1;
          break;
        }
      }
      if (still) {
        ready[i].handler(ready[i].fd, revents[i], ready[i].arg);
      }
    }
    run_timers();
  }
  return 0;
}
