/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_ke.h - NTS-KE server and client (RFC 8915 §4) in the event loop [shell].
 *
 * TLS 1.3 only through GnuTLS, ALPN "ntske/1", non-blocking handshakes driven by the
 * scheduler, TCP_NODELAY on every socket, bounded connections, time and message size.
 * Owns the server cookie keys (nts_cookie.h): created, rotated, saved atomically (0600) in
 * ntsdumpdir and reloaded, or derived per epoch from a fleet secret; the NTP server (NSV)
 * borrows them to answer NTS requests on the NTP port.
 */
#ifndef TIMED_NTS_KE_H
#define TIMED_NTS_KE_H

#include <stdint.h>

#include "addr.h"
#include "conf.h"
#include "ntp_server.h"
#include "nts_rec.h"

/* Counters for `timectl serverstats`. */
typedef struct {
  uint64_t accepted;        /* TCP connections accepted */
  uint64_t refused;         /* closed at once: maxntsconnections reached */
  uint64_t handshakes;      /* TLS handshakes completed with ntske/1 */
  uint64_t tls_failed;      /* handshake or record errors (incl. no TLS 1.3, no ALPN) */
  uint64_t timeouts;        /* connections closed by the time limit */
  uint64_t bad_requests;    /* requests answered with an Error record */
  uint64_t responses;       /* successful KE responses sent */
  uint64_t cookies;         /* cookies issued in KE responses */
  uint64_t key_rotations;   /* server keys added by rotation */
  uint64_t cert_reloads;    /* successful certificate reloads */
  uint64_t cert_reload_failures;
} NKE_Stats;

/* Start the NTS-KE server if cfg has ntsservercert/ntsserverkey pairs and ntsport > 0, and
   give its cookie keys to server (NSV_SetNtsKeys).  With only ntsfleetsecret, no KE
   server: the fleet keys go to the NTP server alone (an NTP node of a fleet).  ntp_port: our NTP port (a Port record
   is sent when it is not 123).  Call as root before privileges are dropped (it reads the
   key files, ntsdumpdir and binds the port).  Returns 1 on success or when NTS is not
   configured, 0 on an error (logged). */
int NKE_Initialise(const CNF_Config *cfg, NSV_Server *server, int ntp_port);

/* Close every connection and the listening sockets, free the keys (after this the NTP
   server must not be used with NTS: it is detached here). */
void NKE_Finalise(void);

/* Reload the certificates and keys named in the configuration (SIGHUP, `timectl reload
   certs`).  On any error the old ones stay in use and the reason is logged.  Connections
   in progress keep the credentials they started with.  Returns 1 if reloaded. */
int NKE_ReloadCertificates(void);

/* 1 when the KE server is running. */
int NKE_IsRunning(void);

void NKE_GetStats(NKE_Stats *out);

/* ---- NTS-KE client (nts_ke_client.c) ------------------------------------------------ */

/* What one client NTS-KE session brought back. */
typedef struct {
  int ok;                      /* 1: keys and at least one cookie */
  char error[128];             /* why it failed (TLS, certificate, Error record, ...) */
  uint8_t c2s[32], s2c[32];    /* RFC 8915 §5.1 exporter keys */
  size_t n_cookies;
  uint8_t cookies[NKR_MAX_COOKIES][NKR_MAX_COOKIE_LEN];
  size_t cookie_len[NKR_MAX_COOKIES];
  char server[NKR_MAX_SERVER_LEN + 1]; /* Server record ("" = the KE server itself) */
  int port;                    /* Port record (0 = none: 123) */
  int warning;                 /* Warning record code, -1 if none */
} NKE_ClientResult;

/* Called once per session with the outcome (the session is gone when it returns). */
typedef void (*NKE_ClientHandler)(void *arg, const NKE_ClientResult *r);

typedef struct NKE_Session NKE_Session;

/* Load the client credentials: the system CAs unless nosystemcert, plus every
   ntstrustedcerts file or directory.  Call before privileges are dropped.  Returns 1, or 0
   when none could be loaded (logged; NTS sources then fail their KE with that reason). */
int NKE_ClientInitialise(const CNF_Config *cfg);
void NKE_ClientFinalise(void);

/* Start an NTS-KE with the server at addr:port (TLS 1.3, ALPN ntske/1, TCP_NODELAY); name
   is what the certificate must match (DNS name or IP address SAN) and the SNI when it is
   not an address.  The session runs in the event loop and ends within a few seconds with
   one call of handler.  NULL when it cannot even start (handler not called). */
NKE_Session *NKE_ClientStart(const char *name, const IPAddr *addr, int port,
                             NKE_ClientHandler handler, void *arg);
/* Abandon a session (its handler is not called). */
void NKE_ClientCancel(NKE_Session *s);

#ifdef FEAT_NTS
#include <gnutls/gnutls.h>
#include <sys/types.h>

/* The TLS transport of both KE sides: send/recv on fd (never read/write, SIMULATION-RULES
   10), a full or empty socket reported to GnuTLS as EAGAIN. */
ssize_t NKE_TransportSend(int fd, gnutls_session_t tls, const void *data, size_t len);
ssize_t NKE_TransportRecv(int fd, gnutls_session_t tls, void *data, size_t len);
#endif

#endif
