/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timectl.h - what timectl.c shares with the other timectl files (timectl_sources.c,
 * timectl_nts.c): the request/reply exchange, error exits, output helpers and the commands
 * those files implement.  Client side only.
 */
#ifndef TIMED_TIMECTL_H
#define TIMED_TIMECTL_H

#include "cmdmon_wire.h"

/* -j/--json and -n given. */
extern int TCL_json;
extern int TCL_numeric;

/* Send req and wait for its reply; exits with a message (status 1) when the daemon cannot
   be reached or answers with an error status. */
void TCL_Transact(CMW_Request *req, CMW_Reply *rep);

/* The same, but an error status is returned (CMP_STATUS_*) instead of ending timectl;
   *rep holds a decoded reply only for CMP_STATUS_OK. */
int TCL_TransactStatus(CMW_Request *req, CMW_Reply *rep);

/* Print "timectl: MESSAGE", clean up and exit with status 1. */
void TCL_Die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Print s as a JSON string (quoted and escaped) to stdout. */
void TCL_JsonString(const char *s);

/* chronyc time formatting ("+123us"): signed in 7 columns, else 6. */
void TCL_FormatTime(double v, int is_signed, char *buf, size_t len);

/* "Last" column (chronyc): seconds, then minutes, hours, days, years in at most 4
   characters; "-" for a negative or absurd value (never). */
void TCL_FormatAgo(double s, char *buf, size_t len);

/* timectl serverstats, timectl authdata, timectl reload certs (what: "certs").  Return the
   exit status. */
int TCL_CmdServerStats(void);
int TCL_CmdAuthData(void);
int TCL_CmdReload(const char *what);

/* timectl sources|sourcestats|selectdata [-v] (which: the command name) and timectl
   activity.  Return the exit status. */
int TCL_CmdSources(const char *which, int verbose);
int TCL_CmdActivity(void);

/* timectl add server|pool NAME [OPTIONS] (args: server|pool, NAME, OPTIONS...),
   timectl delete ADDR [PORT], timectl ntpdata [ADDR].  Return the exit status. */
int TCL_CmdAdd(int nargs, char **args);
int TCL_CmdDelete(int nargs, char **args);
int TCL_CmdNtpData(int nargs, char **args);

#endif
