/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_client.h - NTS on the NTP port, client side (RFC 8915 §5) [core].
 *
 * One NTC_Client per NTS source: the C2S/S2C keys from the last NTS-KE, a jar of up to 8
 * cookies, and the Unique Identifier and transmit timestamp of the request in flight.  It
 * turns the engine's plain 48-byte request into an NTS request (UID, one cookie,
 * placeholders to refill the jar, authenticator) and checks every response: only one that
 * echoes our UID and carries a valid authenticator (S2C) is passed on, with the new cookies
 * from its ciphertext put in the jar.  Everything else is dropped and counted, so stripping
 * NTS never downgrades the source.  An NTS NAK is recognised by UID and origin timestamp.
 * Also: the text form of keys and cookies for ntsdumpdir.  No I/O; random bytes come from
 * the caller.
 */
#ifndef TIMED_NTS_CLIENT_H
#define TIMED_NTS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "nts_cookie.h"
#include "nts_rec.h"
#include "ntp_wire.h"

/* Cookies the jar holds (RFC 8915 §4.1.6: servers send 8; placeholders refill to this). */
#define NTC_JAR_SIZE 8
/* Random bytes NTC_WrapRequest needs: a 32-byte UID and a 16-byte nonce. */
#define NTC_RANDOM_LEN 48
/* Largest request NTC_WrapRequest makes: fewer placeholders are sent when they would not
   fit, since a response longer than this could not be parsed. */
#define NTC_MAX_REQUEST NWR_MAX_PACKET

typedef enum {
  NTC_OK = 0,       /* authentic: pass the first 48 bytes on; new cookies are in the jar */
  NTC_NAK,          /* NTS NAK for the request in flight: the jar was emptied, do a new KE */
  NTC_UNAUTH,       /* no or wrong UID, no, malformed or failing authenticator: dropped */
  NTC_STALE,        /* no request in flight (duplicate or late): dropped */
  NTC_RESULT_COUNT
} NTC_Result;

typedef struct {
  int have_keys;
  int n_cookies;           /* in the jar */
  int cookie_len;          /* bytes of the newest cookie */
  uint64_t requests;       /* NTS requests made */
  uint64_t authenticated;  /* responses accepted */
  uint64_t naks;           /* NTS NAKs accepted */
  uint64_t auth_failures;  /* responses dropped: missing or bad UID or authenticator */
  uint64_t stale;          /* responses with no request in flight */
  uint64_t no_cookie;      /* requests not sent: the jar was empty */
} NTC_Stats;

typedef struct NTC_Client NTC_Client;

/* A client without keys or cookies.  NULL on allocation or library failure. */
NTC_Client *NTC_Create(void);
/* Wipes the keys. */
void NTC_Destroy(NTC_Client *c);

/* Install the result of an NTS-KE: the keys and n cookies (lens[i] bytes each, at most
   NKR_MAX_COOKIE_LEN; longer or empty ones are skipped).  Replaces the whole jar and
   forgets the request in flight.  Returns the number of cookies kept. */
int NTC_SetKeys(NTC_Client *c, const uint8_t *c2s, const uint8_t *s2c,
                const uint8_t *const *cookies, const size_t *lens, size_t n);

/* Forget keys and cookies (NAK, refresh): the next request needs a new NTS-KE. */
void NTC_Clear(NTC_Client *c);

/* 1 when a request can be made (keys and at least one cookie). */
int NTC_Ready(const NTC_Client *c);

/* Make the NTS request from the plain NTP request req[0..req_len) (48 bytes): take the
   oldest cookie, add placeholders so that the response brings the jar back to
   NTC_JAR_SIZE, authenticate with C2S.  rnd holds NTC_RANDOM_LEN random bytes (UID and
   nonce).  Returns the length written to out (cap >= NTC_MAX_REQUEST is always enough), or
   0 when there is no cookie or no room. */
size_t NTC_WrapRequest(NTC_Client *c, const uint8_t *req, size_t req_len, const uint8_t *rnd,
                       uint8_t *out, size_t cap);

/* Check a datagram from the server.  NTC_OK: authentic, the caller passes buf[0..48) to
   the NTP source.  NTC_NAK: a NAK matching the request in flight (UID and origin); the jar
   was emptied.  *why (may be NULL) gets a short reason for a drop. */
NTC_Result NTC_CheckResponse(NTC_Client *c, const uint8_t *buf, size_t len, const char **why);

void NTC_GetStats(const NTC_Client *c, NTC_Stats *st);

/* Text form of keys and cookies for ntsdumpdir: "timed-nts-client 1", then lines
   "time T", "port P", optionally "server NAME", "c2s HEX", "s2c HEX" and one "cookie HEX"
   per cookie.  time, port and server are the caller's (when the KE was done; the NTP port
   and server it gave, server "" = none; a name with spaces or control characters is not
   written).  Returns the length (0 if cap is too small; text is NUL-terminated). */
size_t NTC_FormatDump(const NTC_Client *c, int64_t time, int port, const char *server,
                      char *text, size_t cap);

/* Parse a dump made by NTC_FormatDump and install it (as NTC_SetKeys); the server name
   goes to server (server_cap bytes, "" when none or too long).  Returns the number of
   cookies loaded (>= 1), or 0 if the text is malformed or has no cookie (then nothing
   changes). */
int NTC_ParseDump(NTC_Client *c, const char *text, size_t len, int64_t *time, int *port,
                  char *server, size_t server_cap);

const char *NTC_ResultName(NTC_Result r);

#endif
