/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_ef.h - NTS extension fields on the NTP port (RFC 8915 §5) [core].
 *
 * Server side: find the Unique Identifier, NTS Cookie, Cookie Placeholder and NTS
 * Authenticator fields of a request, check their form, open the cookie, authenticate the
 * request with the C2S key, and build the response fields (echoed UID, then an
 * Authenticator whose ciphertext holds one new cookie per cookie or placeholder, encrypted
 * with the S2C key) or an NTS NAK (UID only).  A client side builder and checker are here
 * too.  No I/O; crypto only through nts_cookie.h.
 */
#ifndef TIMED_NTS_EF_H
#define TIMED_NTS_EF_H

#include <stddef.h>
#include <stdint.h>

#include "nts_cookie.h"
#include "ntp_wire.h"

/* Extension field types (RFC 8915 §5.3-5.6, IANA NTP Extension Field Types). */
#define NEF_UID 0x0104
#define NEF_COOKIE 0x0204
#define NEF_PLACEHOLDER 0x0304
#define NEF_AUTH 0x0404

/* chronyd's minimums, which we share: a UID of at least 32 bytes (RFC 8915 §5.3 "at least
   32 octets") and an unpadded nonce of at least 16 bytes. */
#define NEF_MIN_UID_LEN 32
#define NEF_MIN_NONCE_LEN 16
/* Most cookies put in one response: the one used plus up to 7 placeholders. */
#define NEF_MAX_NEW_COOKIES 8
/* The kiss code of an NTS NAK (RFC 8915 §5.7), host order: "NTSN". */
#define NEF_KOD_NTSN 0x4e54534eu

typedef enum {
  NEF_OK = 0,
  NEF_NOT_NTS,          /* no authenticator, and not both a UID and a cookie: plain NTP */
  NEF_ERR_UID,          /* no UID, several, or shorter than 32 bytes */
  NEF_ERR_COOKIE,       /* no cookie, several, or an empty one */
  NEF_ERR_AUTH_FORMAT,  /* no authenticator, several, lengths that do not add up, nonce < 16 */
  NEF_ERR_AUTH_NOT_LAST,/* fields after the authenticator */
  NEF_ERR_COOKIE_OPEN,  /* the cookie could not be opened (unknown key, forged): NAK */
  NEF_ERR_AUTH_FAIL,    /* the authenticator does not verify under C2S: NAK */
  NEF_ERR_NESTED,       /* an authenticator or malformed field inside the ciphertext */
  NEF_ERR_INTERNAL,     /* no room, library failure */
  NEF_STATUS_COUNT
} NEF_Status;

/* The NTS fields of one request; pointers into the packet buffer. */
typedef struct {
  const uint8_t *uid;
  size_t uid_len;           /* body as on the wire (echoed verbatim) */
  const uint8_t *cookie;
  size_t cookie_len;
  size_t n_placeholders;    /* placeholders whose body is as long as the cookie's */
  size_t n_bad_placeholders;/* placeholders of another length (ignored) */
  size_t auth_offset;       /* offset of the authenticator field: the AD is buf[0..this) */
  const uint8_t *nonce;
  size_t nonce_len;
  const uint8_t *ct;
  size_t ct_len;
} NEF_Request;

/* Find the NTS fields of a parsed packet (pkt parsed from buf by NWR_Parse). */
NEF_Status NEF_ParseRequest(const NWR_Packet *pkt, const uint8_t *buf, size_t len,
                            NEF_Request *out);

/* Open the cookie with the server keys and authenticate the request (RFC 8915 §5.6: AD =
   everything before the authenticator, nonce from the field, key C2S).  siv is a scratch
   context (any key).  On NEF_OK the session keys are in c2s/s2c; *cst tells why a cookie
   failed. */
NEF_Status NEF_VerifyRequest(NCK_Store *st, NCK_Siv *siv, const uint8_t *buf,
                             const NEF_Request *rq, uint8_t *c2s, uint8_t *s2c,
                             NCK_Status *cst);

/* Append the response fields after the header already in resp[0..off): the echoed UID and
   an authenticator (nonce from the store, key S2C) holding one new cookie per cookie and
   placeholder, as many as fit in max_len bytes in all (at least one, or 0 is returned).
   *n_cookies gets the number of cookies sent.  Returns the new length, 0 on failure. */
size_t NEF_BuildResponse(NCK_Store *st, NCK_Siv *siv, const NEF_Request *rq,
                         const uint8_t *c2s, const uint8_t *s2c, uint8_t *resp, size_t off,
                         size_t cap, size_t max_len, size_t *n_cookies);

/* Append only the echoed UID (the body of an NTS NAK).  Returns the new length or 0. */
size_t NEF_AppendUid(const NEF_Request *rq, uint8_t *resp, size_t off, size_t cap);

/* Client side: append UID, cookie, n_placeholders placeholders and the authenticator over
   everything before it (key C2S, the given nonce of 16 bytes).  Returns the new length or 0. */
size_t NEF_BuildRequest(NCK_Siv *siv, const uint8_t *c2s, const uint8_t *uid, size_t uid_len,
                        const uint8_t *cookie, size_t cookie_len, size_t n_placeholders,
                        const uint8_t *nonce16, uint8_t *buf, size_t off, size_t cap);

/* Client side: check a response (UID must equal uid, authenticator must verify under S2C)
   and copy up to max_cookies new cookies into cookies[] (each cookie_cap bytes, lengths in
   lens[]).  Returns NEF_OK and sets *n_cookies. */
NEF_Status NEF_CheckResponse(NCK_Siv *siv, const uint8_t *s2c, const uint8_t *uid,
                             size_t uid_len, const uint8_t *buf, size_t len,
                             uint8_t *cookies, size_t cookie_cap, size_t *lens,
                             size_t max_cookies, size_t *n_cookies);

const char *NEF_StatusName(NEF_Status s);

#endif
