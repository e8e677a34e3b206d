/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sys.h - process-level chores of the shell: pid file, daemonising, user lookup, random
 * numbers, and file access for the configuration parser.  (Dropping privileges: sandbox.h.)
 */
#ifndef TIMED_SYS_H
#define TIMED_SYS_H

#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

/* Create the pid file safely: refuse a symlink or anything but a regular file, refuse if a
   live process holds it, write our pid.  Returns 1, or 0 with the reason logged. */
int SYS_WritePidFile(const char *path);
void SYS_RemovePidFile(const char *path);

/* Fork into the background, new session, stdio to /dev/null.  Returns only in the child. */
void SYS_Daemonise(void);

/* Look up a user: 1 and its uid/gid, or 0. */
int SYS_LookupUser(const char *name, uid_t *uid, gid_t *gid);

/* Fast non-cryptographic random bits (xoshiro128++) seeded from getrandom(); for rate-limit
   leaks and the like, never for keys. */
void SYS_InitRandom(void);
uint32_t SYS_Random32(void);

/* File access for the configuration parser's include/confdir/sourcedir. */
extern const CNF_FileOps SYS_ConfFileOps;

/* Read a whole file (at most max bytes) into a malloc'ed NUL-terminated buffer.
   Returns 1, or 0 with errno set. */
int SYS_ReadFile(const char *path, size_t max, char **text, size_t *len);

/* Replace path with text atomically: write a temporary file in the same directory, fsync
   it, rename it over path (so a crash leaves the old or the new file, never a torn one),
   with the given mode.  Returns 1, or 0 with the reason logged. */
int SYS_WriteFileAtomic(const char *path, const char *text, size_t len, mode_t mode);

/* Files written by SYS_WriteFileAtomic while still root go to this owner (the daemon's
   user), never root: the unprivileged engine must be able to replace them. */
void SYS_SetFileOwner(uid_t uid, gid_t gid);

#endif
