/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * simnet.h - the simulator's network and servers.  Each server runs the real NTP server
 * core (NSV_HandleRequest) on a clock that is perfect, lies by a fixed amount (from some
 * time on), goes silent for an outage, or rate-limits with RATE KoD.  Each link has a base
 * one-way delay, exponential jitter, loss and asymmetry.  Packets travel in true time
 * through a small in-flight table.  No I/O, deterministic for a seed.
 */
#ifndef TIMED_SIMNET_H
#define TIMED_SIMNET_H

#include <stddef.h>
#include <stdint.h>

#include "ntp_server.h"

#define SNT_MAX_SERVERS 8
#define SNT_MAX_INFLIGHT 256

typedef struct {
  double delay;          /* s, base one-way delay */
  double jitter;         /* s, mean of the exponential extra delay, each way */
  double loss;           /* probability a packet (either way) is lost */
  double asymmetry;      /* s, extra delay on the way back only */
  double lie;            /* s, the server's clock is ahead of true time by this ... */
  double lie_from;       /* ... from this true time on */
  double outage_start, outage_end; /* s true time; no answers in [start, end) */
  int kod;               /* rate limit (ratelimit interval kod_interval burst 1) with RATE KoD */
  int kod_interval;      /* log2 s, default 8 */
  int stratum;           /* default 1 */
} SNT_ServerParams;

typedef struct {
  int server;
  size_t len;
  uint8_t data[64];
} SNT_Delivery;

typedef struct SNT_Net SNT_Net;

SNT_Net *SNT_Create(uint64_t seed);
void SNT_Destroy(SNT_Net *n);
/* Add a server; its index (0..) or -1. */
int SNT_AddServer(SNT_Net *n, const SNT_ServerParams *p);
/* The address the client uses for server i (192.0.2.(i+1)). */
void SNT_ServerAddr(int i, IPAddr *a);
/* The client sends a request to server i at true time t. */
void SNT_SendRequest(SNT_Net *n, int server, const uint8_t *buf, size_t len, double t);
/* Earliest true time something happens in the network; 0 if nothing is in flight. */
int SNT_NextEvent(const SNT_Net *n, double *t);
/* Handle everything due at true time t up to the first response that reaches the client:
   1 and *out filled, or 0 when nothing more is due now.  Call until it returns 0. */
int SNT_Process(SNT_Net *n, double t, SNT_Delivery *out);
/* Counters of server i's NTP server core. */
const NSV_Stats *SNT_ServerStats(const SNT_Net *n, int i);

#endif
