/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_server.h - the NTP server's decision: request bytes in, response bytes out [core].
 *
 * One call per received packet does access control (ADF), parsing (NWR), the mode check,
 * rate limiting (CLG) and the response.  It answers only client requests (mode 3, versions
 * 1-4; a version 1 packet with mode 0 counts as a client request as in RFC 1305); it never
 * answers a response, a control (6) or private (7) packet, or anything malformed, so no
 * error is ever answered with an error and no reply loop can start.  Every response is at
 * most as long as the request.  No I/O: the shell passes the receive and transmit times.
 */
#ifndef TIMED_NTP_SERVER_H
#define TIMED_NTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "addrfilt.h"
#include "clientlog.h"
#include "nts_cookie.h"

/* What the server says about its own time. */
typedef struct {
  int synchronised;        /* 0: reply LI=3 (alarm), stratum 0, ref id 0 (as chronyd does) */
  uint8_t leap;            /* NWR_LEAP_* when synchronised */
  uint8_t stratum;         /* our stratum when synchronised (1..15) */
  int8_t precision;        /* log2 seconds of the clock reading */
  uint32_t ref_id;
  double root_delay;       /* seconds */
  double root_dispersion;  /* seconds, at ref_time; grows by 15 ppm (RFC 5905 PHI) after it */
  struct timespec ref_time;/* time of the last update */
} NSV_RefState;

typedef enum {
  NSV_REPLY = 0,       /* *resp_len bytes to send back */
  NSV_REPLY_KOD,       /* rate limited, a RATE KoD to send back */
  NSV_DROP_DENIED,     /* access rules deny the source */
  NSV_DROP_MALFORMED,  /* not a parsable NTP packet (short, version 0/5-7, bad fields) */
  NSV_DROP_MODE,       /* parsable but not a client request */
  NSV_DROP_RATE,       /* rate limited, dropped silently */
  NSV_REPLY_NTS,       /* an NTS-authenticated response (RFC 8915 §5.7) to send back */
  NSV_REPLY_NTS_NAK,   /* an NTS NAK (kiss code NTSN) to send back */
  NSV_DROP_NTS,        /* an NTS request we cannot or will not answer (see nts_* counters) */
  NSV_RESULT_COUNT
} NSV_Result;

/* Counters of everything the server saw, for `timectl serverstats`. */
typedef struct {
  uint64_t received;       /* every packet handed to NSV_HandleRequest */
  uint64_t replied;        /* normal responses */
  uint64_t kod_sent;       /* RATE KoD responses */
  uint64_t denied;         /* dropped by access rules */
  uint64_t malformed;      /* dropped as unparsable */
  uint64_t bad_mode;       /* dropped: not a client request */
  uint64_t rate_dropped;   /* dropped by the rate limiter */
  uint64_t with_mac;       /* requests carrying a legacy MAC (answered with a crypto-NAK) */
  uint64_t with_ef;        /* requests carrying extension fields */
  uint64_t by_version[8];  /* parsable headers by version field */
  uint64_t by_mode[8];     /* parsable headers by mode field */
  /* NTS (RFC 8915) on the NTP port.  Outcomes: nts_replied + nts_naks + nts_dropped_*
     account for every NTS request that passed access rules, parsing and the mode check
     (rate-limited ones count in rate_dropped; an NTS request is never answered with an
     unauthenticated RATE KoD, which its client would have to ignore anyway). */
  uint64_t nts_requests;       /* requests carrying an NTS cookie or authenticator */
  uint64_t nts_replied;        /* authenticated responses sent */
  uint64_t nts_naks;           /* NTS NAKs sent (cookie or authenticator rejected) */
  uint64_t nts_cookies;        /* new cookies put in responses */
  uint64_t nts_nak_cookie;     /* NAKs because the cookie did not open (unknown key, forged) */
  uint64_t nts_nak_auth;       /* NAKs because the authenticator did not verify */
  uint64_t nts_dropped_disabled;/* dropped: NTS request but no NTS keys configured */
  uint64_t nts_dropped_malformed;/* dropped: bad UID, cookie field or authenticator layout */
  uint64_t nts_dropped_other;  /* dropped: nested fields, no room, library failure */
} NSV_Stats;

typedef struct NSV_Server NSV_Server;

/* acl and clients are borrowed and must outlive the server; clients may be NULL
   (noclientlog: no rate limiting).  NULL on allocation failure. */
NSV_Server *NSV_Create(const ADF_Table *acl, CLG_Table *clients);
void NSV_Destroy(NSV_Server *s);

/* Enable NTS on the NTP port with the server cookie keys in keys (borrowed; must outlive
   the server; the shell adds and rotates keys in it).  NULL disables NTS: NTS requests are
   then dropped and counted in nts_dropped_disabled.  0 on success, -1 if the AEAD is not
   available. */
int NSV_SetNtsKeys(NSV_Server *s, NCK_Store *keys);

/* Handle one packet from `from`.  rx_ts: when it arrived (cooked real time); tx_ts: the
   time to put in the transmit field (read just before the call); mono_now: monotonic time
   for the rate limiter; random32: fresh random bits.  On NSV_REPLY/NSV_REPLY_KOD the
   response is in resp (cap >= NWR_HEADER_LEN + 4, asserted) and *resp_len <= len.  On
   NSV_REPLY_NTS/NSV_REPLY_NTS_NAK likewise (pass cap >= len: an NTS response is as long as
   its request).  Counters move for every call. */
NSV_Result NSV_HandleRequest(NSV_Server *s, const IPAddr *from, const uint8_t *req, size_t len,
                             const struct timespec *rx_ts, const struct timespec *tx_ts,
                             const struct timespec *mono_now, const NSV_RefState *ref,
                             uint32_t random32, uint8_t *resp, size_t cap, size_t *resp_len);

const NSV_Stats *NSV_GetStats(const NSV_Server *s);

/* Short name of a result, for logs. */
const char *NSV_ResultName(NSV_Result r);

#endif
