/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_ke_client.c - NTS-KE client (RFC 8915 §4) in the event loop [shell].
 *
 * One session per NTS source that needs keys: non-blocking TCP connect, TLS 1.3 handshake
 * through GnuTLS (ALPN ntske/1, SNI when the server is named, certificate checked against
 * the name or IP address), the 16-byte request, the response read until End of Message,
 * keys from the TLS exporter (§5.1), close_notify.  Everything is driven by fd events and
 * bounded by a timer, so a silent or slow server never blocks the loop.  The record codec
 * is nts_rec.c (core); the cookie jar is nts_client.c (core).  No clock changes here.
 */
#include "nts_ke.h"

#ifdef FEAT_NTS
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "log.h"
#include "sched.h"

/* Seconds a whole session may take (chronyd allows a few seconds per KE too). */
#define SESSION_TIMEOUT 5.0
#define EXPORTER_LABEL "EXPORTER-network-time-security"

typedef enum { KS_CONNECT, KS_HANDSHAKE, KS_WRITE, KS_READ, KS_BYE } KeState;

struct NKE_Session {
  int fd;
  gnutls_session_t tls;
  KeState state;
  SCH_TimerId timer;
  NKE_ClientHandler handler;
  void *arg;
  char name[256];
  size_t out_len, out_off, in_len;
  uint8_t out[64];
  uint8_t in[NKR_MAX_MESSAGE];
  NKE_ClientResult res;
};

static struct {
  int ready;
  gnutls_certificate_credentials_t cred;
  gnutls_priority_t prio;
  int no_time_check_left;    /* nocerttimecheck: sessions left without the time check */
  char cred_error[128];
} KC;

int NKE_ClientInitialise(const CNF_Config *cfg)
{
  int r, total = 0;
  size_t i;

  memset(&KC, 0, sizeof(KC));
  KC.no_time_check_left = cfg->no_cert_time_check;
  if (gnutls_certificate_allocate_credentials(&KC.cred) < 0 ||
      gnutls_priority_init2(&KC.prio,
                            "-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-TLS1.2:-VERS-DTLS-ALL",
                            NULL, GNUTLS_PRIORITY_INIT_DEF_APPEND) < 0) {
    snprintf(KC.cred_error, sizeof(KC.cred_error), "TLS library initialisation failed");
    LOG_Message(LOG_ERR_LEVEL, "NTS client: %s", KC.cred_error);
    return 0;
  }
  if (!cfg->no_system_cert) {
    r = gnutls_certificate_set_x509_system_trust(KC.cred);
    if (r < 0) {
      LOG_Message(LOG_WARN_LEVEL, "NTS client: could not load the system CAs: %s",
                  gnutls_strerror(r));
    } else {
      total += r;
    }
  }
  for (i = 0; i < cfg->n_nts_trusted; i++) {
    const char *path = cfg->nts_trusted[i];

    r = gnutls_certificate_set_x509_trust_file(KC.cred, path, GNUTLS_X509_FMT_PEM);
    if (r < 0) {
      /* Not a file: a directory of certificates. */
      r = gnutls_certificate_set_x509_trust_dir(KC.cred, path, GNUTLS_X509_FMT_PEM);
    }
    if (r <= 0) {
      LOG_Message(LOG_ERR_LEVEL, "NTS client: no certificate loaded from ntstrustedcerts %s%s%s",
                  path, r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
    } else {
      total += r;
    }
  }
  if (total == 0) {
    snprintf(KC.cred_error, sizeof(KC.cred_error), "no trusted certificates loaded");
    LOG_Message(LOG_WARN_LEVEL, "NTS client: %s", KC.cred_error);
  }
  KC.ready = 1;
  return total > 0;
}

void NKE_ClientFinalise(void)
{
  if (KC.prio) {
    gnutls_priority_deinit(KC.prio);
  }
  if (KC.cred) {
    gnutls_certificate_free_credentials(KC.cred);
  }
  memset(&KC, 0, sizeof(KC));
}

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
  NKE_Session *s = p;

  return NKE_TransportSend(s->fd, s->tls, data, len);
}

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
  NKE_Session *s = p;

  return NKE_TransportRecv(s->fd, s->tls, data, len);
}

static void free_session(NKE_Session *s)
{
  if (s->timer) {
    SCH_RemoveTimer(s->timer);
  }
  if (s->fd >= 0) {
    SCH_RemoveFd(s->fd);
    close(s->fd);
  }
  if (s->tls) {
    gnutls_deinit(s->tls);
  }
  memset(s, 0, sizeof(*s));
  free(s);
}

/* End the session: report and free.  what NULL: res is filled; else the error is what
   followed by detail (may be NULL). */
static void finish(NKE_Session *s, const char *fmt, const char *detail)
{
  NKE_ClientHandler h = s->handler;
  void *arg = s->arg;
  NKE_ClientResult *res = malloc(sizeof(*res));

  if (fmt) {
    s->res.ok = 0;
    snprintf(s->res.error, sizeof(s->res.error), "%s%s", fmt, detail ? detail : "");
  }
  if (!res) {
    free_session(s);
    return;
  }
  *res = s->res;
  memset(&s->res, 0, sizeof(s->res));
  free_session(s);
  h(arg, res);
  memset(res, 0, sizeof(*res));
  free(res);
}

static void on_timeout(void *arg)
{
  NKE_Session *s = arg;
  static const char *const what[] = {"connect", "TLS handshake", "sending the request",
                                     "reading the response", "closing"};

  s->timer = 0;
  finish(s, "timed out during ", what[s->state]);
}

static void want_io(NKE_Session *s)
{
  SCH_SetFdEvents(s->fd, gnutls_record_get_direction(s->tls) ? SCH_WRITE : SCH_READ);
}

/* Why the handshake failed, with the certificate verdict when that was the cause. */
static void handshake_failed(NKE_Session *s, int r)
{
  char reason[160];

  if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
    unsigned status = gnutls_session_get_verify_cert_status(s->tls);
    gnutls_datum_t out = {NULL, 0};

    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) >= 0 &&
        out.data) {
      size_t n;

      snprintf(reason, sizeof(reason), "%s", (const char *)out.data);
      gnutls_free(out.data);
      n = strlen(reason);
      while (n > 0 && reason[n - 1] == ' ') {
        reason[--n] = '\0';
      }
    } else {
      snprintf(reason, sizeof(reason), "status 0x%x", status);
    }
    finish(s, "certificate not trusted: ", reason);
    return;
  }
  finish(s, "TLS handshake failed: ", gnutls_strerror(r));
}

static void got_response(NKE_Session *s)
{
  static const uint8_t ctx_c2s[5] = {0, 0, 0, NKR_AEAD_SIV_CMAC_256, 0};
  static const uint8_t ctx_s2c[5] = {0, 0, 0, NKR_AEAD_SIV_CMAC_256, 1};
  NKR_Response rp;
  NKR_Status st = NKR_ParseResponse(s->in, s->in_len, &rp);
  char text[64];
  size_t i;

  if (st == NKR_PEER_ERROR || (st == NKR_OK && rp.error >= 0)) {
    snprintf(text, sizeof(text), "%d (%s)", rp.error,
             rp.error == NKR_ERR_UNRECOGNIZED_CRITICAL ? "unrecognized critical record"
             : rp.error == NKR_ERR_BAD_REQUEST         ? "bad request"
             : rp.error == NKR_ERR_INTERNAL            ? "internal server error"
                                                       : "unknown");
    finish(s, "server sent Error ", text);
    return;
  }
  if (st != NKR_OK) {
    finish(s, "malformed NTS-KE response: ", NKR_StatusName(st));
    return;
  }
  /* §4.1.2, §4.1.5: the server must have chosen NTPv4 and AEAD 15, the only ones we asked
     for, and given at least one cookie. */
  if (!rp.has_proto || rp.proto != NKR_PROTO_NTPV4) {
    finish(s, "server did not accept NTPv4", "");
    return;
  }
  if (!rp.has_aead || rp.aead != NKR_AEAD_SIV_CMAC_256) {
    finish(s, "server did not accept AEAD 15 (AES-SIV-CMAC-256)", "");
    return;
  }
  if (rp.n_cookies == 0) {
    finish(s, "server sent no cookies", "");
    return;
  }
  if (gnutls_prf_rfc5705(s->tls, sizeof(EXPORTER_LABEL) - 1, EXPORTER_LABEL, sizeof(ctx_c2s),
                         (const char *)ctx_c2s, sizeof(s->res.c2s), (char *)s->res.c2s) < 0 ||
      gnutls_prf_rfc5705(s->tls, sizeof(EXPORTER_LABEL) - 1, EXPORTER_LABEL, sizeof(ctx_s2c),
                         (const char *)ctx_s2c, sizeof(s->res.s2c), (char *)s->res.s2c) < 0) {
    finish(s, "TLS exporter failed", "");
    return;
  }
  for (i = 0; i < rp.n_cookies && i < NKR_MAX_COOKIES; i++) {
    memcpy(s->res.cookies[i], rp.cookies[i], rp.cookie_len[i]);
    s->res.cookie_len[i] = rp.cookie_len[i];
  }
  s->res.n_cookies = i;
  snprintf(s->res.server, sizeof(s->res.server), "%s", rp.server);
  s->res.port = rp.port;
  s->res.warning = rp.warning;
  s->res.ok = 1;
  s->state = KS_BYE;
}

static void step(NKE_Session *s)
{
  gnutls_datum_t alpn;
  int r, err;
  socklen_t el;

  for (;;) {
    switch (s->state) {
    case KS_CONNECT:
      el = sizeof(err);
      if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) {
        err = errno;
      }
      if (err) {
        finish(s, "cannot connect: ", strerror(err));
        return;
      }
      s->state = KS_HANDSHAKE;
      break;
    case KS_HANDSHAKE:
      r = gnutls_handshake(s->tls);
      if (r < 0) {
        if (gnutls_error_is_fatal(r)) {
          handshake_failed(s, r);
          return;
        }
        want_io(s);
        return;
      }
      if (gnutls_protocol_get_version(s->tls) != GNUTLS_TLS1_3) {
        finish(s, "server did not use TLS 1.3", "");
        return;
      }
      if (gnutls_alpn_get_selected_protocol(s->tls, &alpn) < 0 || alpn.size != 7 ||
          memcmp(alpn.data, "ntske/1", 7) != 0) {
        finish(s, "server did not select ALPN ntske/1", "");
        return;
      }
      s->state = KS_WRITE;
      break;
    case KS_WRITE:
      r = (int)gnutls_record_send(s->tls, s->out + s->out_off, s->out_len - s->out_off);
      if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
        want_io(s);
        return;
      }
      if (r < 0) {
        finish(s, "TLS send failed: ", gnutls_strerror(r));
        return;
      }
      s->out_off += (size_t)r;
      if (s->out_off >= s->out_len) {
        s->state = KS_READ;
      }
      break;
    case KS_READ:
      if (s->in_len >= sizeof(s->in)) {
        finish(s, "NTS-KE response longer than 4096 bytes", NULL);
        return;
      }
      r = (int)gnutls_record_recv(s->tls, s->in + s->in_len, sizeof(s->in) - s->in_len);
      if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
        want_io(s);
        return;
      }
      if (r == 0 || r == GNUTLS_E_PREMATURE_TERMINATION) {
        finish(s, "server closed before End of Message", "");
        return;
      }
      if (r < 0) {
        finish(s, "TLS receive failed: ", gnutls_strerror(r));
        return;
      }
      s->in_len += (size_t)r;
      {
        NKR_Response rp;
        NKR_Status st = NKR_ParseResponse(s->in, s->in_len, &rp);

        if (st == NKR_NEED_MORE) {
          break;
        }
      }
      got_response(s);
      if (s->state != KS_BYE) {
        return;   /* finished with an error */
      }
      break;
    case KS_BYE:
      /* Best effort: send our close_notify once; do not wait for the server's. */
      (void)gnutls_bye(s->tls, GNUTLS_SHUT_WR);
      finish(s, NULL, NULL);
      return;
    }
  }
}

static void on_io(int fd, int events, void *arg)
{
  (void)fd;
  (void)events;
  step(arg);
}

NKE_Session *NKE_ClientStart(const char *name, const IPAddr *addr, int port,
                             NKE_ClientHandler handler, void *arg)
{
  NKE_Session *s;
  struct sockaddr_storage ss;
  socklen_t sl;
  IPAddr numeric;
  int one = 1, fl, is_ip, flags;
  static const gnutls_datum_t alpn = {(unsigned char *)"ntske/1", 7};

  if (!KC.ready || !KC.cred) {
    return NULL;
  }
  s = calloc(1, sizeof(*s));
  if (!s) {
    return NULL;
  }
  s->fd = -1;
  s->handler = handler;
  s->arg = arg;
  s->res.warning = -1;
  snprintf(s->name, sizeof(s->name), "%s", name);
  memset(&ss, 0, sizeof(ss));
  if (addr->family == ADDR_INET4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    memcpy(&sin->sin_addr, addr->addr, 4);
    sl = sizeof(*sin);
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    memcpy(&sin6->sin6_addr, addr->addr, 16);
    sl = sizeof(*sin6);
  }
  s->fd = socket(ss.ss_family, SOCK_STREAM, 0);
  fl = s->fd >= 0 ? fcntl(s->fd, F_GETFL) : -1;
  if (fl < 0 || fcntl(s->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "NTS-KE client: socket: %s", strerror(errno));
    free_session(s);
    return NULL;
  }
  /* Without it the Finished message waits ~40 ms for a delayed ACK (Nagle). */
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(s->fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
    LOG_Message(LOG_WARN_LEVEL, "NTS-KE client: connect to %s: %s", name, strerror(errno));
    free_session(s);
    return NULL;
  }

  flags = GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS;
  if (gnutls_init(&s->tls, (unsigned)flags) < 0 || gnutls_priority_set(s->tls, KC.prio) < 0 ||
      gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE, KC.cred) < 0 ||
      gnutls_alpn_set_protocols(s->tls, &alpn, 1, 0) < 0) {
    free_session(s);
    return NULL;
  }
  is_ip = ADDR_Parse(name, &numeric);
  /* SNI only for a name (RFC 6066 §3 forbids literal addresses). */
  if (!is_ip) {
    gnutls_server_name_set(s->tls, GNUTLS_NAME_DNS, name, strlen(name));
  }
  /* The certificate must be valid for the name, or for the address as an IP SAN (GnuTLS
     matches a numeric "hostname" against the IP address SANs). */
  gnutls_session_set_verify_cert(s->tls, name,
                                 KC.no_time_check_left > 0 ? GNUTLS_VERIFY_DISABLE_TIME_CHECKS : 0);
  if (KC.no_time_check_left > 0) {
    KC.no_time_check_left--;
  }
  gnutls_transport_set_ptr(s->tls, s);
  gnutls_transport_set_push_function(s->tls, push);
  gnutls_transport_set_pull_function(s->tls, pull);
  gnutls_handshake_set_timeout(s->tls, 0);

  s->out_len = NKR_BuildRequest(s->out, sizeof(s->out), "", 0);
  if (!s->out_len || !SCH_AddFd(s->fd, SCH_WRITE, on_io, s)) {
    free_session(s);
    return NULL;
  }
  s->state = KS_CONNECT;
  s->timer = SCH_AddTimer(SESSION_TIMEOUT, on_timeout, s);
  return s;
}

void NKE_ClientCancel(NKE_Session *s)
{
  if (s) {
    free_session(s);
  }
}

#else /* !FEAT_NTS */

#include <stdio.h>
#include <string.h>

int NKE_ClientInitialise(const CNF_Config *cfg)
{
  (void)cfg;
  return 0;
}

void NKE_ClientFinalise(void)
{
}

NKE_Session *NKE_ClientStart(const char *name, const IPAddr *addr, int port,
                             NKE_ClientHandler handler, void *arg)
{
  (void)name;
  (void)addr;
  (void)port;
  (void)handler;
  (void)arg;
  return NULL;
}

void NKE_ClientCancel(NKE_Session *s)
{
  (void)s;
}

#endif
