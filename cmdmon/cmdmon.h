/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdmon.h - the daemon side of the command socket (shell): an AF_UNIX datagram socket
 * served from the event loop, with a dispatch table of read-only and control commands.
 *
 * The module owns no daemon state: every report is copied out through the CAM_Ops
 * callbacks at the moment a request arrives, and no pointer into the core is kept.
 * Sender credentials come from SCM_CREDENTIALS (SO_PASSCRED) on each datagram; a datagram
 * without them counts as unprivileged.  Protocol: cmdmon_proto.h.
 */
#ifndef TIMED_CMDMON_H
#define TIMED_CMDMON_H

#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "cmdmon_wire.h"
#include "sync.h"

typedef struct {
  /* Fill *out with the current clock state. */
  void (*tracking)(void *ctx, CMW_Tracking *out);
  /* Fill the counters of *out (out is zeroed first); the cmd_* counters are filled in
     by cmdmon itself afterwards.  Serves SERVERSTATS and SERVERSTATS2. */
  void (*serverstats)(void *ctx, CMW_ServerStats *out);
  /* Fill *out with client record number index and *total with the number of records;
     return 1, or 0 past the end (still setting *total). */
  int (*client)(void *ctx, uint32_t index, CMW_Client *out, uint32_t *total);
  /* 1 when NTP access from addr is allowed, else 0. */
  int (*accheck)(void *ctx, const IPAddr *addr);
  /* Begin a clean shutdown (like SIGTERM); called after the reply has been sent. */
  void (*shutdown)(void *ctx);
  /* Fill *out with the report of source number index (0-based, the engine's table order:
     SYN_GetSourceReport) and *total with the number of sources; return 1, or 0 past the
     end (still setting *total).  Serves SOURCES and ACTIVITY. */
  int (*source)(void *ctx, uint32_t index, SYN_SourceReport *out, uint32_t *total);
  /* Step the clock by the whole current offset (chronyc makestep: SYN_MakeStep and carry
     out its actions); return 1, or 0 when it cannot be done (CMP_STATUS_FAILED). */
  int (*makestep)(void *ctx);
  /* Start a burst of n_max requests (chronyc burst good/max; good <= max, 1 <= max <=
     CMP_BURST_MAX) on the sources whose address is *addr, or on every source when
     addr->family is ADDR_UNSPEC.  Returns the number of sources affected. */
  int (*burst)(void *ctx, const IPAddr *addr, int n_good, int n_max);
  /* Set the sources whose address is *addr (every source: ADDR_UNSPEC) online (1) or
     offline (0).  Returns the number of sources affected. */
  int (*set_online)(void *ctx, const IPAddr *addr, int online);
  /* Add a server or pool (chronyc add): returns 1 (added, or a name being resolved), 0
     (no room: CMP_STATUS_FAILED) or -1 (already a source: CMP_STATUS_SOURCE_EXISTS). */
  int (*add_source)(void *ctx, const CMW_AddSource *add);
  /* Remove the sources with this address (and port unless 0); returns how many. */
  int (*delete_source)(void *ctx, const IPAddr *addr, uint16_t port);
  /* Local address and port of the socket of engine source id (SYN_SourceReport.id);
     1, or 0 when unknown.  Used by NTPDATA; may be NULL. */
  int (*local_address)(void *ctx, int source_id, IPAddr *addr, uint16_t *port);
  /* Reload the NTS-KE server's certificates and keys (RELOAD CERTS, like SIGHUP): 1 taken,
     0 not taken (the old ones stay; the reason is logged), -1 no NTS-KE server running. */
  int (*reload_certs)(void *ctx);
} CAM_Ops;

/* Create the socket's directory if missing (mode 0750, owned by owner_uid/owner_gid when
   they are not -1; refuse a symlink or a directory not owned by root or owner_uid),
   remove a stale socket (only if it is a socket), bind (socket mode 0770 via umask,
   never chmod a path after creating it), chown to owner, SO_PASSCRED, register with
   SCH_AddFd.  control_uid: the uid besides root allowed control commands ((uid_t)-1 for
   none).  Any op may be NULL: its command then answers CMP_STATUS_UNAVAILABLE.  ops and
   ctx must stay valid until CAM_Finalise.  Returns 1, or 0 (logged). */
int CAM_Initialise(const char *path, uid_t owner_uid, gid_t owner_gid, uid_t control_uid,
                   const CAM_Ops *ops, void *ctx);

/* Close the socket, remove it from the loop and unlink its path.  Safe to call twice or
   without CAM_Initialise. */
void CAM_Finalise(void);

/* Counters of the command socket since CAM_Initialise (also sent as the cmd_* counters
   of SERVERSTATS): datagrams received; dropped without any reply (malformed header,
   oversized, no reply address); rejected with an error reply (unknown command, wrong
   length, invalid argument); denied (control command from an unprivileged sender).  Any
   pointer may be NULL. */
void CAM_GetCounters(uint64_t *received, uint64_t *dropped, uint64_t *rejected,
                     uint64_t *denied);

#endif
