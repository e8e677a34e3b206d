/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_wire.h - NTP packet codec, versions 1-4, extension fields and legacy MACs [core].
 *
 * Bytes are parsed field by field into host-order structs; no struct is ever cast onto a
 * buffer.  The parser never reads outside [buf, buf + len) and never allocates.  No I/O.
 */
#ifndef TIMED_NTP_WIRE_H
#define TIMED_NTP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define NWR_HEADER_LEN 48
/* Largest packet we read or write; anything longer is dropped as oversized. */
#define NWR_MAX_PACKET 1024
/* Most extension fields kept from one packet; more is a parse error. */
#define NWR_MAX_EF 16
/* Legacy MAC: 4-byte key id + digest of up to 64 bytes (RFC 5905 §7.3, RFC 8573). */
#define NWR_MAX_MAC_LEN (4 + 64)
/* RFC 7822 §7.5: an extension field is at least 16 bytes, a multiple of 4 bytes. */
#define NWR_MIN_EF_LEN 16

/* Modes (RFC 5905 §7.3). */
#define NWR_MODE_RESERVED 0
#define NWR_MODE_ACTIVE 1
#define NWR_MODE_PASSIVE 2
#define NWR_MODE_CLIENT 3
#define NWR_MODE_SERVER 4
#define NWR_MODE_BROADCAST 5
#define NWR_MODE_CONTROL 6
#define NWR_MODE_PRIVATE 7

/* Leap indicator values. */
#define NWR_LEAP_NONE 0
#define NWR_LEAP_INSERT 1
#define NWR_LEAP_DELETE 2
#define NWR_LEAP_UNSYNC 3

/* Kiss codes as reference ids (RFC 5905 §7.4), host order. */
#define NWR_KOD_RATE 0x52415445u /* "RATE" */
#define NWR_KOD_DENY 0x44454e59u /* "DENY" */
#define NWR_KOD_RSTR 0x52535452u /* "RSTR" */

/* The 48-byte header, host order.  Timestamps stay in NTP format: converting them needs a
   reference time (UTI_Ntp64ToTimespec), and echoing the origin must be bit-exact. */
typedef struct {
  uint8_t leap;            /* 0..3 */
  uint8_t version;         /* 0..7 as on the wire */
  uint8_t mode;            /* 0..7 */
  uint8_t stratum;
  int8_t poll;             /* log2 seconds */
  int8_t precision;        /* log2 seconds */
  uint32_t root_delay;     /* NTP short format */
  uint32_t root_dispersion;/* NTP short format */
  uint32_t ref_id;
  NtpTs64 ref_ts;
  NtpTs64 orig_ts;
  NtpTs64 rx_ts;
  NtpTs64 tx_ts;
} NWR_Header;

/* One extension field; body points into the parsed buffer (valid while it is). */
typedef struct {
  uint16_t type;
  uint16_t length;     /* whole field as on the wire, header and padding included */
  const uint8_t *body; /* length - 4 bytes */
  size_t body_len;
} NWR_ExtField;

typedef struct {
  NWR_Header h;
  size_t length;        /* bytes of the whole packet */
  size_t n_ef;
  NWR_ExtField ef[NWR_MAX_EF];
  int has_mac;          /* a legacy MAC (or a 4-byte crypto-NAK) follows the fields */
  uint32_t key_id;
  const uint8_t *mac;   /* digest bytes after the key id */
  size_t mac_len;       /* 0 for a crypto-NAK */
} NWR_Packet;

typedef enum {
  NWR_OK = 0,
  NWR_ERR_SHORT,        /* fewer than 48 bytes */
  NWR_ERR_LONG,         /* more than NWR_MAX_PACKET bytes */
  NWR_ERR_VERSION,      /* version 0 or 5-7 */
  NWR_ERR_EF_LENGTH,    /* extension field length < 16, not a multiple of 4, or past the end */
  NWR_ERR_TOO_MANY_EF,  /* more than NWR_MAX_EF fields */
  NWR_ERR_MAC_LENGTH,   /* trailing bytes that are neither a field nor a MAC */
  NWR_ERR_COUNT
} NWR_Status;

/* Parse len bytes.  Versions 1-3 carry no extension fields: the bytes after the header must
   be a MAC.  For version 4 the RFC 7822 rules decide between fields and MAC: trailing 4
   (crypto-NAK), 20 or 24 bytes are a MAC; otherwise a valid field is taken as a field, and
   an invalid one of at most NWR_MAX_MAC_LEN bytes as a MAC.  A MAC (any version) is 4 to
   NWR_MAX_MAC_LEN bytes in whole 32-bit words.  On an error *out holds the header if at
   least 48 bytes were given (so a caller can count by mode), with n_ef 0 and no MAC. */
NWR_Status NWR_Parse(const uint8_t *buf, size_t len, NWR_Packet *out);

/* Write the 48-byte header into buf (cap >= 48).  Returns 48, or 0 if cap is too small.
   Fields out of range are masked to their bit width. */
size_t NWR_EncodeHeader(const NWR_Header *h, uint8_t *buf, size_t cap);

/* Append an extension field at offset off: 4-byte field header, body, zero padding up to a
   multiple of 4 and to at least min_len bytes (pass NWR_MIN_EF_LEN, or 28 for the last field
   of a packet without MAC, RFC 7822 §7.5).  Returns the new offset, or 0 if it does not fit
   in cap or would exceed 65532 bytes. */
size_t NWR_AppendExtField(uint8_t *buf, size_t off, size_t cap, uint16_t type,
                          const uint8_t *body, size_t body_len, size_t min_len);

/* Short English name of a status, for logs and counters. */
const char *NWR_StatusName(NWR_Status s);

#endif
