/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sandbox.h - what a process gives up for good: capabilities (bounding, permitted,
 * effective, inheritable and ambient sets), further privileges (PR_SET_NO_NEW_PRIVS), and
 * system calls (a seccomp allow-list through libseccomp).
 *
 * Used by the engine (no capabilities at all) and by timed-helper (only CAP_SYS_TIME).  No
 * logging here: functions return 0 and a static reason in *err, and the caller reports it,
 * so the helper can use this file without the daemon's log module.
 */
#ifndef TIMED_SANDBOX_H
#define TIMED_SANDBOX_H

#include <stdint.h>
#include <sys/types.h>

/* -F: 0 no filter, 1 kill the process on a call outside the list (default), 2 deliver
   SIGSYS, log the call's name, make it fail with ENOSYS and go on (diagnosis only). */
typedef enum { SBX_FILTER_OFF = 0, SBX_FILTER_KILL = 1, SBX_FILTER_TRAP = 2 } SBX_FilterMode;

/* Which allow-list: the engine's (event loop, sockets, resolver thread, drift file, logging)
   the engine's plus the clock calls (single-process configuration with clock control), or
   the helper's (its socket, the clock calls, exit). */
typedef enum { SBX_PROFILE_ENGINE = 0, SBX_PROFILE_ENGINE_CLOCK, SBX_PROFILE_HELPER } SBX_Profile;

#define SBX_CAP_BIT(cap) (1ULL << (cap))

/* Remove every capability not in keep from the bounding set, so that no later exec can get
   it back.  Needs CAP_SETPCAP; without it (not root) this is a no-op that succeeds. */
int SBX_DropBoundingSet(uint64_t keep, const char **err);

/* Become uid/gid (supplementary groups cleared); with keep_caps the permitted set
   survives the change (PR_SET_KEEPCAPS), to be narrowed by SBX_KeepCaps().  A no-op when
   we already are uid/gid. */
int SBX_SwitchUser(uid_t uid, gid_t gid, int keep_caps, const char **err);

/* Permitted = effective = keep & what we have now; inheritable and ambient empty.
   *have (may be NULL) receives the resulting effective set. */
int SBX_KeepCaps(uint64_t keep, uint64_t *have, const char **err);

/* PR_SET_NO_NEW_PRIVS: no exec can ever raise our privileges again. */
int SBX_NoNewPrivs(const char **err);

/* Load the allow-list of profile for every thread of the process (TSYNC); new threads
   inherit it.  SBX_FILTER_OFF does nothing.  Returns 0 when the build has no seccomp
   support and mode is not OFF. */
int SBX_ApplyFilter(SBX_Profile profile, SBX_FilterMode mode, const char **err);

/* 1 when this build can filter system calls. */
int SBX_FilterSupported(void);

#endif
