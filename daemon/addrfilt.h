/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addrfilt.h - allow/deny access rules with chrony's semantics [core].  No I/O.
 *
 * Rules are applied in order, as chrony applies `allow`/`deny [all] [subnet]`:
 *  - every subnet (address + prefix) is a node of a tree; a rule sets the state of its node;
 *  - a rule with `all` also clears every more specific node set before it;
 *  - an address gets the state of the most specific node that contains it and has a state;
 *  - nothing matches: denied (default deny).
 * `allow`/`deny` without a subnet cover all IPv4 and all IPv6 addresses.  IPv4 and IPv6
 * are separate trees; IPv4-mapped IPv6 addresses are matched as IPv4.
 */
#ifndef TIMED_ADDRFILT_H
#define TIMED_ADDRFILT_H

#include "addr.h"

typedef struct ADF_Table ADF_Table;

/* Create an empty table (denies everything).  NULL on allocation failure. */
ADF_Table *ADF_Create(void);
void ADF_Destroy(ADF_Table *t);

/* Add a rule.  net->family ADDR_UNSPEC means "all addresses of both families" (prefix
   ignored).  prefix_len must be 0..32 (IPv4) or 0..128 (IPv6); bits of net beyond the
   prefix are ignored.  allow: 1 allow, 0 deny; all: 1 for the `all` form.
   Returns 1, or 0 if the arguments are out of range or memory ran out. */
int ADF_AddRule(ADF_Table *t, const IPAddr *net, int prefix_len, int allow, int all);

/* 1 when the address is allowed. */
int ADF_IsAllowed(const ADF_Table *t, const IPAddr *addr);

/* 1 when at least one rule allows something, i.e. a server socket is needed at all. */
int ADF_AnyAllowed(const ADF_Table *t);

#endif
