/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_wire.c - NTP packet codec, versions 1-4, extension fields and legacy MACs [core].
 *
 * Bytes are read and written one field at a time in network byte order; no struct is cast
 * onto a buffer.  Every read is preceded by a length check against the bytes that remain,
 * so the parser never reads outside [buf, buf + len).  No I/O, no allocation.
 */
#include <string.h>

#include "ntp_wire.h"

/* Largest extension field length that the 16-bit length field can hold and that is a
   multiple of 4 (RFC 7822 §3). */
#define MAX_EF_FIELD_LEN 65532

static uint16_t
get16(const uint8_t *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
  return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

static void
put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
  put32(p, (uint32_t)(v >> 32));
  put32(p + 4, (uint32_t)v);
}

/* RFC 5905 §7.3, figure 8: the 48-byte header.  buf holds at least 48 bytes. */
static void
parse_header(const uint8_t *buf, NWR_Header *h)
{
  h->leap = buf[0] >> 6;
  h->version = (buf[0] >> 3) & 7;
  h->mode = buf[0] & 7;
  h->stratum = buf[1];
  h->poll = (int8_t)buf[2];
  h->precision = (int8_t)buf[3];
  h->root_delay = get32(buf + 4);
  h->root_dispersion = get32(buf + 8);
  h->ref_id = get32(buf + 12);
  h->ref_ts = get64(buf + 16);
  h->orig_ts = get64(buf + 24);
  h->rx_ts = get64(buf + 32);
  h->tx_ts = get64(buf + 40);
}

/* A legacy MAC is a 4-byte key id and a digest (RFC 5905 §7.3; RFC 8573 for CMAC), or the
   key id alone as a crypto-NAK.  Every digest in use (MD5, SHA-1, SHA-2, AES-CMAC) is a
   whole number of 32-bit words, and the NTP packet as a whole is too. */
static int
is_mac_len(size_t n)
{
  return n >= 4 && n <= NWR_MAX_MAC_LEN && n % 4 == 0;
}

static void
take_mac(const uint8_t *p, size_t n, NWR_Packet *out)
{
  out->has_mac = 1;
  out->key_id = get32(p);
  out->mac = n > 4 ? p + 4 : NULL;
  out->mac_len = n - 4;
}

/* 1 when the n bytes at p start with a well-formed extension field that fits in them
   (RFC 7822 §3, §7.5): length a multiple of 4, at least 16, not past the end. */
static int
ef_fits(const uint8_t *p, size_t n)
{
  uint16_t flen;

  if (n < 4) {
    return 0;
  }
  flen = get16(p + 2);
  return flen >= NWR_MIN_EF_LEN && flen % 4 == 0 && flen <= n;
}

NWR_Status
NWR_Parse(const uint8_t *buf, size_t len, NWR_Packet *out)
{
  size_t off, rem;

  memset(out, 0, sizeof(*out));
  out->length = len;
  if (len < NWR_HEADER_LEN) {
    return NWR_ERR_SHORT;
  }
  parse_header(buf, &out->h);
  if (len > NWR_MAX_PACKET) {
    return NWR_ERR_LONG;
  }
  if (out->h.version < 1 || out->h.version > 4) {
    return NWR_ERR_VERSION;
  }

  off = NWR_HEADER_LEN;
  rem = len - off;
  if (rem == 0) {
    return NWR_OK;
  }

  /* Versions 1-3 know no extension fields: what follows the header is a MAC or junk. */
  if (out->h.version < 4) {
    if (!is_mac_len(rem)) {
      return NWR_ERR_MAC_LENGTH;
    }
    take_mac(buf + off, rem, out);
    return NWR_OK;
  }

  /* Version 4: RFC 7822 §7.5.  The rest is a chain of extension fields, optionally closed
     by a MAC.  A remainder of exactly 4 (crypto-NAK), 20 (MD5/CMAC) or 24 (SHA-1) bytes is
     a MAC, because a last field without a MAC must be at least 28 bytes; otherwise a
     well-formed field is a field, and anything else short enough is taken as a MAC (longer
     digests, as chrony does).  Every step consumes at least 16 bytes, so this ends. */
  while (rem > 0) {
    if (rem == 4 || rem == 20 || rem == 24) {
      take_mac(buf + off, rem, out);
      return NWR_OK;
    }
    if (ef_fits(buf + off, rem)) {
      NWR_ExtField *ef;
      uint16_t flen = get16(buf + off + 2);

      if (out->n_ef >= NWR_MAX_EF) {
        out->n_ef = 0;
        return NWR_ERR_TOO_MANY_EF;
      }
      ef = &out->ef[out->n_ef++];
      ef->type = get16(buf + off);
      ef->length = flen;
      ef->body = buf + off + 4;
      ef->body_len = (size_t)flen - 4;
      off += flen;
      rem -= flen;
      continue;
    }
    if (is_mac_len(rem)) {
      take_mac(buf + off, rem, out);
      return NWR_OK;
    }
    /* Neither a field nor a MAC.  Say which: a remainder too long for a MAC must have
       been meant as a field, a short or unaligned one as a MAC. */
    out->n_ef = 0;
    return rem > NWR_MAX_MAC_LEN ? NWR_ERR_EF_LENGTH : NWR_ERR_MAC_LENGTH;
  }
  return NWR_OK;
}

size_t
NWR_EncodeHeader(const NWR_Header *h, uint8_t *buf, size_t cap)
{
  if (!buf || cap < NWR_HEADER_LEN) {
    return 0;
  }
  buf[0] = (uint8_t)(((h->leap & 3) << 6) | ((h->version & 7) << 3) | (h->mode & 7));
  buf[1] = h->stratum;
  buf[2] = (uint8_t)h->poll;
  buf[3] = (uint8_t)h->precision;
  put32(buf + 4, h->root_delay);
  put32(buf + 8, h->root_dispersion);
  put32(buf + 12, h->ref_id);
  put64(buf + 16, h->ref_ts);
  put64(buf + 24, h->orig_ts);
  put64(buf + 32, h->rx_ts);
  put64(buf + 40, h->tx_ts);
  return NWR_HEADER_LEN;
}

size_t
NWR_AppendExtField(uint8_t *buf, size_t off, size_t cap, uint16_t type,
                   const uint8_t *body, size_t body_len, size_t min_len)
{
  size_t flen;

  /* Sizes are checked before any sum that could wrap. */
  if (!buf || off > cap || body_len > MAX_EF_FIELD_LEN || min_len > MAX_EF_FIELD_LEN ||
      (body_len > 0 && !body)) {
    return 0;
  }
  /* RFC 7822 §3: header + body, zero padded to a 4-byte boundary, and at least min_len
     (itself rounded up to a whole number of words). */
  flen = (4 + body_len + 3) & ~(size_t)3;
  if (flen < min_len) {
    flen = (min_len + 3) & ~(size_t)3;
  }
  if (flen > MAX_EF_FIELD_LEN || flen > cap - off) {
    return 0;
  }
  put16(buf + off, type);
  put16(buf + off + 2, (uint16_t)flen);
  if (body_len > 0) {
    memmove(buf + off + 4, body, body_len);
  }
  memset(buf + off + 4 + body_len, 0, flen - 4 - body_len);
  return off + flen;
}

const char *
NWR_StatusName(NWR_Status s)
{
  switch (s) {
    case NWR_OK:
      return "ok";
    case NWR_ERR_SHORT:
      return "too short";
    case NWR_ERR_LONG:
      return "too long";
    case NWR_ERR_VERSION:
      return "bad version";
    case NWR_ERR_EF_LENGTH:
      return "bad extension field length";
    case NWR_ERR_TOO_MANY_EF:
      return "too many extension fields";
    case NWR_ERR_MAC_LENGTH:
      return "bad MAC length";
    case NWR_ERR_COUNT:
      break;
  }
  return "unknown";
}
