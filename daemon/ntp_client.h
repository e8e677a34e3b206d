/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_client.h - the shell around the synchronisation engine (sync.h): resolves the
 * configured servers and pools, gives each source a socket, feeds the engine with packets
 * and timer events, carries out its actions through the clock driver, and keeps the drift
 * file.
 */
#ifndef TIMED_NTP_CLIENT_H
#define TIMED_NTP_CLIENT_H

#include "conf.h"
#include "ntp_server.h"
#include "sync.h"

/* Set up the engine and start resolving the sources.  Returns 1, or 0 (logged). */
int NCL_Initialise(const CNF_Config *cfg);
/* Write the drift file one last time and close everything. */
void NCL_Finalise(void);

/* 1 when the engine asked the daemon to exit (maxchange exceeded). */
int NCL_Failed(void);

/* What the NTP server says about our time now. */
void NCL_GetRefState(const struct timespec *now, NSV_RefState *ref);

void NCL_GetTracking(SYN_Tracking *t);
size_t NCL_SourceCount(void);
int NCL_GetSourceReport(size_t index, SYN_SourceReport *r);

/* chronyc-style controls.  addr NULL or ADDR_UNSPEC: every source.  Return the number of
   sources affected. */
int NCL_MakeStep(void);
int NCL_Burst(const IPAddr *addr, int n);
int NCL_SetOnline(const IPAddr *addr, int online);

/* Add a server or pool at run time (chronyc add server/pool), with the options of the
   config line src.  A numeric address is added at once; a name is resolved first (off the
   event loop) and the source appears when it resolves.  Returns 1, 0 (no room or no
   socket) or -1 (that address and port is already a source). */
int NCL_AddSource(const CNF_Source *src);

/* Remove the sources with this address (and port, unless port is 0).  Returns how many. */
int NCL_DeleteSource(const IPAddr *addr, int port);

/* The local address and port of the client socket of engine source source_id (ntpdata).
   Returns 1, or 0 when unknown. */
int NCL_GetLocalAddress(int source_id, IPAddr *addr, uint16_t *port);

#endif
