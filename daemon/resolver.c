/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resolver.c - getaddrinfo() in detached worker threads, collected by an event-loop timer.
 */
#include <netdb.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "log.h"
#include "resolver.h"
#include "sched.h"

/* How often the event loop looks for finished requests while any is running. */
#define COLLECT_INTERVAL 0.05

typedef struct Request {
  char name[256];
  RSV_Handler handler;
  void *arg;
  int done;                      /* set by the worker (atomic store) */
  int cancelled;                 /* set by the loop: nobody wants the answer */
  IPAddr addrs[RSV_MAX_ADDRS];
  size_t n;
  char err[128];
  struct Request *next;
} Request;

static Request *pending;
static SCH_TimerId collect_timer;

static void *worker(void *p)
{
  Request *r = p;
  struct addrinfo hints, *res = NULL, *ai;
  int rc;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  rc = getaddrinfo(r->name, NULL, &hints, &res);
  if (rc != 0) {
    snprintf(r->err, sizeof(r->err), "%s", gai_strerror(rc));
  } else {
    for (ai = res; ai && r->n < RSV_MAX_ADDRS; ai = ai->ai_next) {
      IPAddr a;
      size_t i;
      int dup = 0;

      memset(&a, 0, sizeof(a));
      if (ai->ai_family == AF_INET) {
        a.family = ADDR_INET4;
        memcpy(a.addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
      } else if (ai->ai_family == AF_INET6) {
        a.family = ADDR_INET6;
        memcpy(a.addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
      } else {
        continue;
      }
      for (i = 0; i < r->n; i++) {
        dup |= ADDR_Equal(&a, &r->addrs[i]);
      }
      if (!dup) {
        r->addrs[r->n++] = a;
      }
    }
    freeaddrinfo(res);
  }
  __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void collect(void *unused)
{
  Request **pp = &pending;

  (void)unused;
  collect_timer = 0;
  while (*pp) {
    Request *r = *pp;

    if (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
      pp = &r->next;
      continue;
    }
    *pp = r->next;
    if (!r->cancelled) {
      r->handler(r->arg, r->addrs, r->n, r->n ? NULL : (r->err[0] ? r->err : "no address"));
    }
    free(r);
  }
  if (pending) {
    collect_timer = SCH_AddTimer(COLLECT_INTERVAL, collect, NULL);
  }
}

int RSV_Resolve(const char *name, RSV_Handler handler, void *arg)
{
  pthread_attr_t attr;
  pthread_t tid;
  IPAddr a;
  Request *r;

  if (ADDR_Parse(name, &a)) {
    handler(arg, &a, 1, NULL);
    return 1;
  }
  r = calloc(1, sizeof(*r));
  if (!r) {
    return 0;
  }
  snprintf(r->name, sizeof(r->name), "%s", name);
  r->handler = handler;
  r->arg = arg;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&tid, &attr, worker, r) != 0) {
    pthread_attr_destroy(&attr);
    free(r);
    LOG_Message(LOG_ERR_LEVEL, "could not start a resolver thread for %s", name);
    return 0;
  }
  pthread_attr_destroy(&attr);
  r->next = pending;
  pending = r;
  if (!collect_timer) {
    collect_timer = SCH_AddTimer(COLLECT_INTERVAL, collect, NULL);
  }
  return 1;
}

void RSV_Finalise(void)
{
  Request *r;

  /* Threads still in getaddrinfo() own their request until they finish; mark them so that
     nothing is called, and let the process exit take them. */
  for (r = pending; r; r = r->next) {
    r->cancelled = 1;
  }
  if (collect_timer) {
    SCH_RemoveTimer(collect_timer);
    collect_timer = 0;
  }
}
