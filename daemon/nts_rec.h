/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_rec.h - NTS-KE record codec (RFC 8915 §4) [core].
 *
 * A record is: critical bit + 15-bit type (2 bytes), body length (2 bytes), body.  A
 * message is a sequence of records ending with End of Message.  The parsers never read
 * outside the buffer, never allocate, and bound the number and size of records, so a peer
 * that sends thousands of records or never finishes costs a bounded amount.  No I/O.
 */
#ifndef TIMED_NTS_REC_H
#define TIMED_NTS_REC_H

#include <stddef.h>
#include <stdint.h>

/* Record types (RFC 8915 §4.1, IANA "NTS Key Establishment Record Types"). */
#define NKR_END_OF_MESSAGE 0
#define NKR_NEXT_PROTOCOL 1
#define NKR_ERROR 2
#define NKR_WARNING 3
#define NKR_AEAD 4
#define NKR_NEW_COOKIE 5
#define NKR_SERVER 6
#define NKR_PORT 7
#define NKR_CRITICAL 0x8000

/* Error codes (RFC 8915 §4.1.3). */
#define NKR_ERR_UNRECOGNIZED_CRITICAL 0
#define NKR_ERR_BAD_REQUEST 1
#define NKR_ERR_INTERNAL 2

/* Protocol and AEAD ids we speak. */
#define NKR_PROTO_NTPV4 0
#define NKR_AEAD_SIV_CMAC_256 15

/* Bounds on what a peer may send in one message. */
#define NKR_MAX_MESSAGE 4096
#define NKR_MAX_RECORDS 64
/* Cookies kept from one response, and the longest cookie accepted. */
#define NKR_MAX_COOKIES 8
#define NKR_MAX_COOKIE_LEN 256
/* Longest server name in a Server Negotiation record. */
#define NKR_MAX_SERVER_LEN 255

typedef enum {
  NKR_OK = 0,            /* a complete, valid message */
  NKR_NEED_MORE,         /* valid so far, End of Message not yet received */
  NKR_BAD_LENGTH,        /* a body length that does not fit its type (e.g. odd list) */
  NKR_TOO_LONG,          /* more than NKR_MAX_MESSAGE bytes without End of Message */
  NKR_TOO_MANY,          /* more than NKR_MAX_RECORDS records */
  NKR_UNKNOWN_CRITICAL,  /* a critical record we do not know */
  NKR_DUPLICATE,         /* a record that may appear once appeared again */
  NKR_AFTER_EOM,         /* bytes after End of Message */
  NKR_BAD_EOM,           /* End of Message not critical or with a body */
  NKR_MISSING,           /* no Next Protocol record (or no AEAD record with NTPv4) */
  NKR_UNEXPECTED,        /* a record this side must not send (Error/Warning/New Cookie in a request) */
  NKR_PEER_ERROR,        /* a response carrying an Error record */
  NKR_STATUS_COUNT
} NKR_Status;

/* What a client asked for (server side). */
typedef struct {
  int ntpv4;            /* Next Protocol offers NTPv4 */
  int aead15;           /* AEAD offers AES-SIV-CMAC-256 (critical bit or not) */
  int has_aead;         /* an AEAD record was present */
  size_t n_records;
  size_t length;        /* bytes of the message up to and including End of Message */
} NKR_Request;

/* What a server answered (client side). */
typedef struct {
  int has_proto, proto;       /* proto -1 when the record was empty */
  int has_aead, aead;         /* aead -1 when the record was empty */
  int error;                  /* error code, -1 if none */
  int warning;                /* warning code, -1 if none */
  char server[NKR_MAX_SERVER_LEN + 1]; /* "" when no Server record */
  int port;                   /* 0 when no Port record */
  size_t n_cookies;
  const uint8_t *cookies[NKR_MAX_COOKIES]; /* point into the parsed buffer */
  size_t cookie_len[NKR_MAX_COOKIES];
  size_t n_records;
  size_t length;
} NKR_Response;

/* One record as found by NKR_Next; body points into the buffer. */
typedef struct {
  int critical;
  uint16_t type;
  uint16_t body_len;
  const uint8_t *body;
} NKR_Record;

/* Next record at *off in buf[0..len).  Returns 1 and advances *off, 0 if the record is not
   complete yet (fewer bytes than its header or body says). */
int NKR_Next(const uint8_t *buf, size_t len, size_t *off, NKR_Record *rec);

/* Parse a client request (server side).  Returns NKR_OK (complete), NKR_NEED_MORE, or an
   error; *error_code gets the code of the Error record to answer with
   (NKR_ERR_UNRECOGNIZED_CRITICAL for NKR_UNKNOWN_CRITICAL, NKR_ERR_BAD_REQUEST otherwise). */
NKR_Status NKR_ParseRequest(const uint8_t *buf, size_t len, NKR_Request *out, int *error_code);

/* Parse a server response (client side), same status convention. */
NKR_Status NKR_ParseResponse(const uint8_t *buf, size_t len, NKR_Response *out);

/* Append a record at off.  Returns the new offset, or 0 if it does not fit in cap or the
   body is longer than 65535 bytes. */
size_t NKR_Append(uint8_t *buf, size_t off, size_t cap, uint16_t type, int critical,
                  const uint8_t *body, size_t body_len);
/* Append a record with one 16-bit value. */
size_t NKR_AppendU16(uint8_t *buf, size_t off, size_t cap, uint16_t type, int critical,
                     uint16_t value);

/* Build the whole server response: Next Protocol NTPv4 (critical), AEAD 15 (critical),
   Server (critical, when server is non-empty), Port (critical, when port is non-zero),
   n_cookies New Cookie records (cookies laid end to end, cookie_len bytes each), End of
   Message.  Returns the length, 0 if cap is too small. */
size_t NKR_BuildResponse(uint8_t *buf, size_t cap, const char *server, int port,
                         const uint8_t *cookies, size_t cookie_len, size_t n_cookies);

/* Build an error response: Error(code) (critical) + End of Message.  Returns the length. */
size_t NKR_BuildError(uint8_t *buf, size_t cap, uint16_t code);

/* Build the client request: Next Protocol NTPv4, AEAD 15, [Server], [Port], EOM. */
size_t NKR_BuildRequest(uint8_t *buf, size_t cap, const char *server, int port);

const char *NKR_StatusName(NKR_Status s);

#endif
