/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.h - IP addresses as plain values [core].
 *
 * An address is a family tag plus 16 bytes (IPv4 uses the first 4), so it can be
 * copied, compared and hashed without touching sockaddr.  No I/O, no system calls.
 */
#ifndef TIMED_ADDR_H
#define TIMED_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_UNSPEC 0
#define ADDR_INET4 4
#define ADDR_INET6 6

/* Longest text form of an address, with a terminating NUL (INET6_ADDRSTRLEN). */
#define ADDR_STRLEN 46

typedef struct {
  uint8_t family;   /* ADDR_UNSPEC, ADDR_INET4 or ADDR_INET6 */
  uint8_t addr[16]; /* network byte order; IPv4 in addr[0..3], rest zero */
} IPAddr;

/* Parse a numeric IPv4 or IPv6 address (no names, no prefix).  Returns 1 and fills *out
   on success, 0 on anything else. */
int ADDR_Parse(const char *text, IPAddr *out);

/* Format an address into buf (at least ADDR_STRLEN bytes); returns buf.  An unspecified
   address prints as "?". */
const char *ADDR_Format(const IPAddr *a, char *buf, size_t len);

/* Build an IPv4 address from a host-order 32-bit value. */
void ADDR_FromIPv4(uint32_t host_order, IPAddr *out);

/* If a is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), turn it into plain IPv4, so that
   access rules and client records do not depend on the socket it came through. */
void ADDR_Unmap(IPAddr *a);

/* 1 when both are the same family and bytes. */
int ADDR_Equal(const IPAddr *a, const IPAddr *b);

/* Number of address bits in the family (32 or 128), 0 for ADDR_UNSPEC. */
int ADDR_Bits(const IPAddr *a);

/* 1 when the first prefix_len bits of a and net agree (same family required). */
int ADDR_InSubnet(const IPAddr *a, const IPAddr *net, int prefix_len);

/* Clear every bit after the first prefix_len bits. */
void ADDR_MaskPrefix(IPAddr *a, int prefix_len);

/* A 32-bit hash of the address mixed with a per-process secret key, so that an attacker
   cannot aim many addresses at one hash bucket. */
uint32_t ADDR_Hash(const IPAddr *a, uint32_t key);

#endif
