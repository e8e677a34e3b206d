/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resolver.h - name resolution that never blocks the event loop.
 *
 * Numeric addresses are parsed at once (inet_pton, SIMULATION-RULES 12).  A name is resolved
 * by getaddrinfo() in a detached worker thread that makes no clock, socket or wait call of
 * its own; the event loop collects finished requests with a short timer, so no pipe or
 * eventfd joins the poll set (SIMULATION-RULES 2 and 5).
 */
#ifndef TIMED_RESOLVER_H
#define TIMED_RESOLVER_H

#include <stddef.h>

#include "addr.h"

#define RSV_MAX_ADDRS 16

/* Called in the event loop with the addresses found (n = 0 on failure, err says why). */
typedef void (*RSV_Handler)(void *arg, const IPAddr *addrs, size_t n, const char *err);

/* Resolve name; the handler runs from the event loop (never from inside this call for a
   name; immediately for a numeric address).  Returns 1, or 0 if no request could be made. */
int RSV_Resolve(const char *name, RSV_Handler handler, void *arg);

/* Requests still running (their handlers will not be called after RSV_Finalise). */
void RSV_Finalise(void);

#endif
