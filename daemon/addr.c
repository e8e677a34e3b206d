/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.c - IP addresses as plain values [core].  No I/O, no system calls
 * (inet_pton/inet_ntop are pure library functions).
 */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int ADDR_Parse(const char *text, IPAddr *out)
{
  IPAddr a;

  memset(&a, 0, sizeof(a));
  if (!text) {
    return 0;
  }
  if (strchr(text, ':')) {
    if (inet_pton(AF_INET6, text, a.addr) != 1) {
      return 0;
    }
    a.family = ADDR_INET6;
  } else {
    if (inet_pton(AF_INET, text, a.addr) != 1) {
      return 0;
    }
    a.family = ADDR_INET4;
  }
  *out = a;
  return 1;
}

const char *ADDR_Format(const IPAddr *a, char *buf, size_t len)
{
  if (len == 0) {
    return buf;
  }
  switch (a->family) {
  case ADDR_INET4:
    if (!inet_ntop(AF_INET, a->addr, buf, len)) {
      snprintf(buf, len, "?");
    }
    break;
  case ADDR_INET6:
    if (!inet_ntop(AF_INET6, a->addr, buf, len)) {
      snprintf(buf, len, "?");
    }
    break;
  default:
    snprintf(buf, len, "?");
    break;
  }
  return buf;
}

void ADDR_FromIPv4(uint32_t host_order, IPAddr *out)
{
  memset(out, 0, sizeof(*out));
  out->family = ADDR_INET4;
  out->addr[0] = (uint8_t)(host_order >> 24);
  out->addr[1] = (uint8_t)(host_order >> 16);
  out->addr[2] = (uint8_t)(host_order >> 8);
  out->addr[3] = (uint8_t)host_order;
}

void ADDR_Unmap(IPAddr *a)
{
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  uint8_t v4[4];

  if (a->family != ADDR_INET6 || memcmp(a->addr, prefix, sizeof(prefix)) != 0) {
    return;
  }
  memcpy(v4, a->addr + 12, 4);
  memset(a->addr, 0, sizeof(a->addr));
  memcpy(a->addr, v4, 4);
  a->family = ADDR_INET4;
}

int ADDR_Equal(const IPAddr *a, const IPAddr *b)
{
  return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

int ADDR_Bits(const IPAddr *a)
{
  switch (a->family) {
  case ADDR_INET4:
    return 32;
  case ADDR_INET6:
    return 128;
  default:
    return 0;
  }
}

int ADDR_InSubnet(const IPAddr *a, const IPAddr *net, int prefix_len)
{
  int full, rest;

  if (a->family != net->family || a->family == ADDR_UNSPEC) {
    return 0;
  }
  if (prefix_len <= 0) {
    return 1;
  }
  if (prefix_len > ADDR_Bits(a)) {
    prefix_len = ADDR_Bits(a);
  }
  full = prefix_len / 8;
  rest = prefix_len % 8;
  if (memcmp(a->addr, net->addr, (size_t)full) != 0) {
    return 0;
  }
  if (rest) {
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    if ((a->addr[full] & mask) != (net->addr[full] & mask)) {
      return 0;
    }
  }
  return 1;
}

void ADDR_MaskPrefix(IPAddr *a, int prefix_len)
{
  int i, bits = ADDR_Bits(a);

  if (prefix_len < 0) {
    prefix_len = 0;
  }
  for (i = 0; i < 16; i++) {
    int start = i * 8;
    if (start >= bits || start + 8 <= prefix_len) {
      if (start >= bits) {
        a->addr[i] = 0;
      }
      continue;
    }
    if (start >= prefix_len) {
      a->addr[i] = 0;
    } else {
      a->addr[i] &= (uint8_t)(0xff << (8 - (prefix_len - start)));
    }
  }
}

uint32_t ADDR_Hash(const IPAddr *a, uint32_t key)
{
  /* FNV-1a over the key and the address, then a final avalanche (murmur3 fmix32). */
  uint32_t h = 2166136261u ^ key;
  int i, n = a->family == ADDR_INET4 ? 4 : 16;

  h = (h ^ a->family) * 16777619u;
  for (i = 0; i < n; i++) {
    h = (h ^ a->addr[i]) * 16777619u;
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
