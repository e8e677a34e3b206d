/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdops.h - the daemon's side of the command socket: the CAM_Ops that cmdmon.c calls.
 */
#ifndef TIMED_CMDOPS_H
#define TIMED_CMDOPS_H

#include "addrfilt.h"
#include "clientlog.h"
#include "cmdmon.h"
#include "conf.h"
#include "ntp_server.h"

/* Passed as the ctx of every op. */
typedef struct {
  const CNF_Config *cfg;
  const ADF_Table *acl;
  CLG_Table *clients;   /* NULL with noclientlog */
  NSV_Server *server;
} CMD_Context;

extern const CAM_Ops CMD_Ops;

#endif
