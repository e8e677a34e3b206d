/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_io.h - the NTP server's UDP sockets: the only place NTP packets are received or sent.
 *
 * Each received datagram is handed, with its source and receive timestamp (kernel software
 * timestamp when the kernel gives one, else the clock read right after the wait), to a
 * handler that returns the bytes to answer with; the answer leaves through the same socket,
 * from the address the request was sent to.
 */
#ifndef TIMED_NTP_IO_H
#define TIMED_NTP_IO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

typedef struct {
  IPAddr from;
  uint16_t from_port;
  const uint8_t *data;
  size_t len;              /* the datagram's real length (may exceed what was kept) */
  struct timespec rx_ts;   /* cooked real time of arrival */
  int kernel_ts;           /* 1 when rx_ts came from the kernel */
} NIO_Packet;

/* Returns the number of bytes written to out (0: no answer). */
typedef size_t (*NIO_Handler)(void *arg, const NIO_Packet *pkt, uint8_t *out, size_t cap);

typedef struct {
  uint64_t rx_kernel_ts;   /* packets with a kernel timestamp */
  uint64_t rx_daemon_ts;   /* packets timestamped by the daemon */
  uint64_t send_errors;
} NIO_Stats;

/* Open the server sockets on port: IPv4 on bind4 (or any address if its family is
   ADDR_UNSPEC) and IPv6 on bind6 likewise, IPv6 only-v6.  A family that can't be opened is
   logged and skipped.  Returns the number of sockets opened (0: none could be). */
int NIO_OpenServer(const IPAddr *bind4, const IPAddr *bind6, int port, NIO_Handler handler,
                   void *arg);
void NIO_CloseServer(void);

void NIO_GetStats(NIO_Stats *stats);

/* ---- client side ---- */

/* Called with each datagram that arrives from the server of a client socket. */
typedef void (*NIO_ClientHandler)(void *arg, const NIO_Packet *pkt);

/* Open a UDP socket connected to addr:port (a random local port, as chronyd's default
   acquisition: replies from anyone else never reach us), with kernel receive timestamps,
   watched by the event loop.  Returns the fd, or -1 (logged). */
int NIO_OpenClient(const IPAddr *addr, uint16_t port, NIO_ClientHandler handler, void *arg);
/* Send a request on a client socket; returns 1 on success. */
int NIO_SendClient(int fd, const uint8_t *data, size_t len);
void NIO_CloseClient(int fd);

#endif
