/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdmon_int.h - what the two halves of the command socket codec share [core]:
 * big-endian field helpers (inline) and the record codecs cmdmon_src.c provides to the
 * dispatch in cmdmon_wire.c.  Internal to cmdmon_wire.c and cmdmon_src.c; nothing else
 * includes it.  No I/O, no system calls, no allocation.
 */
#ifndef TIMED_CMDMON_INT_H
#define TIMED_CMDMON_INT_H

#include <math.h>
#include <string.h>

#include "cmdmon_wire.h"

/* ---- big-endian field helpers ---- */

static inline void put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static inline void put64(uint8_t *p, uint64_t v)
{
  put32(p, (uint32_t)(v >> 32));
  put32(p + 4, (uint32_t)v);
}

static inline uint16_t get16(const uint8_t *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t get64(const uint8_t *p)
{
  return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

/* A double as its IEEE-754 binary64 bit pattern; memcpy is the defined way to get the
   bits.  A non-finite value is sent as 0 so that no client ever prints "nan". */
static inline void put_double(uint8_t *p, double d)
{
  uint64_t bits;

  if (!isfinite(d)) {
    d = 0.0;
  }
  memcpy(&bits, &d, sizeof(bits));
  put64(p, bits);
}

/* Returns 0 for NaN or infinity. */
static inline int get_double(const uint8_t *p, double *d)
{
  uint64_t bits = get64(p);

  memcpy(d, &bits, sizeof(*d));
  return isfinite(*d) ? 1 : 0;
}

/* Address: family, 3 reserved bytes, 16 address bytes.  Bytes an address does not use
   must be zero, so each address has exactly one encoding. */
static inline int put_addr(uint8_t *p, const IPAddr *a)
{
  memset(p, 0, CMP_ADDR_LEN);
  switch (a->family) {
  case ADDR_UNSPEC:
    break;
  case ADDR_INET4:
    memcpy(p + 4, a->addr, 4);
    break;
  case ADDR_INET6:
    memcpy(p + 4, a->addr, 16);
    break;
  default:
    return 0;
  }
  p[0] = a->family;
  return 1;
}

static inline int get_addr(const uint8_t *p, IPAddr *a)
{
  size_t used, i;

  memset(a, 0, sizeof(*a));
  switch (p[0]) {
  case ADDR_UNSPEC:
    used = 0;
    break;
  case ADDR_INET4:
    used = 4;
    break;
  case ADDR_INET6:
    used = 16;
    break;
  default:
    return 0;
  }
  for (i = used; i < 16; i++) {
    if (p[4 + i] != 0) {
      return 0;
    }
  }
  a->family = p[0];
  memcpy(a->addr, p + 4, used);
  return 1;
}


static inline double finite_or_zero(double d)
{
  return isfinite(d) ? d : 0.0;
}

static inline uint16_t clamp_u16(int v)
{
  return v < 0 ? 0 : v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

static inline uint8_t clamp_u8(int v)
{
  return v < 0 ? 0 : v > UINT8_MAX ? UINT8_MAX : (uint8_t)v;
}


/* Record codecs of cmdmon_src.c.  The put functions return 1, or 0 when a field is out of
   range (the reply is then not sent); b is the reply body, already zeroed.  The get
   functions check every field and return CMW_OK or CMW_ERR_VALUE. */

/* SOURCES page. */
int CMW_PutSourcesPage(uint8_t *b, const CMW_SourcesPage *p);
CMW_Result CMW_GetSourcesPage(const uint8_t *b, CMW_SourcesPage *p);

/* NTPDATA body (total, index, count and the record). */
int CMW_PutNtpData(uint8_t *b, const CMW_Reply *rep);
CMW_Result CMW_GetNtpData(const uint8_t *b, CMW_Reply *rep);

/* AUTHDATA body (total, index, count and the record). */
int CMW_PutAuthData(uint8_t *b, const CMW_Reply *rep);
CMW_Result CMW_GetAuthData(const uint8_t *b, CMW_Reply *rep);

#endif
