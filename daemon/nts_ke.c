/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_ke.c - NTS-KE server (RFC 8915 §4) in the event loop [shell].
 *
 * Each connection is a small state machine (handshake -> read request -> write response ->
 * close_notify) advanced by fd events; nothing here ever blocks the loop.  GnuTLS moves
 * bytes through our own push/pull functions with send()/recv() (SIMULATION-RULES 10).
 * Bounded: at most maxntsconnections at once (more are closed on accept), a 2-second
 * limit per connection, requests of at most NKR_MAX_MESSAGE bytes and NKR_MAX_RECORDS
 * records (nts_rec.c).  The record logic and the cookies are core code; this file only
 * does sockets, TLS, files and timers.
 */
#include "nts_ke.h"

#ifdef FEAT_NTS
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "clock.h"
#include "log.h"
#include "nts_cookie.h"
#include "nts_rec.h"
#include "sched.h"
#include "sys.h"

/* Seconds a client has for the whole exchange (chronyd allows 2 s for the handshake). */
#define CONN_TIMEOUT 2.0
/* Cookies per KE response (RFC 8915 §4.1.6 suggests 8; chronyd and NTPsec send 8). */
#define KE_COOKIES 8
#define MAX_LISTEN 2
#define LISTEN_BACKLOG 64
/* TLS exporter label and contexts (RFC 8915 §5.1): protocol 0 (NTPv4), AEAD 15, 0 C2S / 1 S2C. */
#define EXPORTER_LABEL "EXPORTER-network-time-security"
#define KEYS_FILE "ntskeys"

typedef struct {
  gnutls_certificate_credentials_t cred;
  int refs; /* connections using it, plus 1 while it is the current one */
} Cred;

typedef enum { ST_HANDSHAKE, ST_READ, ST_WRITE, ST_BYE } ConnState;

typedef struct Conn {
  int fd;
  gnutls_session_t tls;
  Cred *cred;
  ConnState state;
  SCH_TimerId timer;
  size_t in_len, out_len, out_off;
  uint8_t in[NKR_MAX_MESSAGE];
  uint8_t out[1400];
  struct Conn *next;
} Conn;

static struct {
  int running;
  const CNF_Config *cfg;
  NSV_Server *server;
  int ntp_port;
  int listen_fd[MAX_LISTEN];
  int n_listen;
  Cred *cred;
  gnutls_priority_t prio;
  NCK_Store *keys;
  SCH_TimerId rotate_timer;
  Conn *conns;
  int n_conns;
  uint8_t secret[256];
  size_t secret_len;
  uint64_t epoch;
  NKE_Stats stats;
} K;

/* ---- credentials --------------------------------------------------------------------- */

static Cred *load_cred(void)
{
  Cred *c = calloc(1, sizeof(*c));
  size_t i;
  int r;

  if (!c) {
    return NULL;
  }
  if (gnutls_certificate_allocate_credentials(&c->cred) < 0) {
    free(c);
    return NULL;
  }
  /* Several pairs in one credential: GnuTLS picks the one matching the client's SNI. */
  for (i = 0; i < K.cfg->n_nts_pairs; i++) {
    r = gnutls_certificate_set_x509_key_file2(c->cred, K.cfg->nts_cert[i], K.cfg->nts_key[i],
                                              GNUTLS_X509_FMT_PEM, NULL, 0);
    if (r < 0) {
      LOG_Message(LOG_ERR_LEVEL, "NTS: cannot load certificate %s with key %s: %s",
                  K.cfg->nts_cert[i], K.cfg->nts_key[i], gnutls_strerror(r));
      gnutls_certificate_free_credentials(c->cred);
      free(c);
      return NULL;
    }
  }
  c->refs = 1;
  return c;
}

static void cred_unref(Cred *c)
{
  if (c && --c->refs == 0) {
    gnutls_certificate_free_credentials(c->cred);
    free(c);
  }
}

int NKE_ReloadCertificates(void)
{
  Cred *c;

  if (!K.running || !K.cred) {
    return 0;
  }
  c = load_cred();
  if (!c) {
    K.stats.cert_reload_failures++;
    LOG_Message(LOG_WARN_LEVEL, "NTS: certificate reload failed; keeping the old certificates");
    return 0;
  }
  cred_unref(K.cred);
  K.cred = c;
  K.stats.cert_reloads++;
  LOG_Message(LOG_INFO_LEVEL, "NTS: certificates reloaded");
  return 1;
}

/* ---- server keys --------------------------------------------------------------------- */

static void keys_path(char *buf, size_t cap)
{
  snprintf(buf, cap, "%s/%s", K.cfg->nts_dumpdir, KEYS_FILE);
}

static void save_keys(void)
{
  char path[300], text[1024];
  size_t n;

  if (!K.cfg->nts_dumpdir[0] || K.secret_len) {
    return; /* fleet keys are derived, never saved */
  }
  keys_path(path, sizeof(path));
  n = NCK_FormatKeys(K.keys, text, sizeof(text));
  if (n && SYS_WriteFileAtomic(path, text, n, 0600)) {
    LOG_Message(LOG_DEBUG_LEVEL, "NTS: server keys saved to %s", path);
  }
  memset(text, 0, sizeof(text));
}

static int add_random_key(void)
{
  uint8_t rnd[36];
  NCK_Key k;
  int r;

  if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
    return 0;
  }
  NCK_KeyFromRandom(rnd, &k);
  r = NCK_AddKey(K.keys, &k);
  memset(rnd, 0, sizeof(rnd));
  memset(&k, 0, sizeof(k));
  return r == 0;
}

/* Fleet mode: the epoch is the real time divided by ntsrotate (0: a single epoch 0). */
static uint64_t current_epoch(double *until_next)
{
  struct timespec now;
  double t;

  CLK_ReadRealTime(&now);
  t = now.tv_sec + now.tv_nsec * 1e-9;
  if (K.cfg->nts_rotate <= 0 || t < 0) {
    *until_next = 0;
    return 0;
  }
  *until_next = K.cfg->nts_rotate - (t - (double)((uint64_t)(t / K.cfg->nts_rotate)) * K.cfg->nts_rotate);
  return (uint64_t)(t / K.cfg->nts_rotate);
}

static int add_epoch_key(uint64_t epoch)
{
  NCK_Key k;
  int r;

  if (NCK_DeriveEpochKey(K.secret, K.secret_len, epoch, &k) < 0) {
    return 0;
  }
  r = NCK_AddKey(K.keys, &k);
  memset(&k, 0, sizeof(k));
  return r == 0;
}

static void on_rotate(void *arg)
{
  double wait = K.cfg->nts_rotate;

  K.rotate_timer = 0;
  if (K.secret_len) {
    uint64_t e = current_epoch(&wait);

    /* Lockstep with the other nodes: the keys of the previous and the current epoch. */
    if (e != K.epoch) {
      if (e > 0) {
        add_epoch_key(e - 1);
      }
      add_epoch_key(e);
      K.epoch = e;
      K.stats.key_rotations++;
    }
    if (wait < 1.0) {
      wait = 1.0;
    }
  } else {
    if (add_random_key()) {
      K.stats.key_rotations++;
      save_keys();
    }
  }
  LOG_Message(LOG_INFO_LEVEL, "NTS: server key rotated");
  if (K.cfg->nts_rotate > 0) {
    K.rotate_timer = SCH_AddTimer(wait, on_rotate, NULL);
  }
}

static int setup_keys(void)
{
  uint8_t seed[32];
  double wait = K.cfg->nts_rotate;

  if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
    LOG_Message(LOG_ERR_LEVEL, "NTS: getrandom() failed: %s", strerror(errno));
    return 0;
  }
  K.keys = NCK_Create(seed);
  memset(seed, 0, sizeof(seed));
  if (!K.keys) {
    return 0;
  }

  if (K.cfg->nts_fleet_secret[0]) {
    char *text = NULL;
    size_t len = 0;

    if (!SYS_ReadFile(K.cfg->nts_fleet_secret, sizeof(K.secret), &text, &len) ||
        len < NCK_MIN_SECRET_LEN) {
      LOG_Message(LOG_ERR_LEVEL, "NTS: fleet secret %s unreadable or shorter than %d bytes",
                  K.cfg->nts_fleet_secret, NCK_MIN_SECRET_LEN);
      free(text);
      return 0;
    }
    memcpy(K.secret, text, len);
    K.secret_len = len;
    memset(text, 0, len);
    free(text);
    K.epoch = current_epoch(&wait);
    if ((K.epoch > 0 && !add_epoch_key(K.epoch - 1)) || !add_epoch_key(K.epoch)) {
      return 0;
    }
    if (wait < 1.0) {
      wait = 1.0;
    }
  } else {
    int loaded = 0;

    if (K.cfg->nts_dumpdir[0]) {
      char path[300], *text = NULL;
      size_t len = 0;

      keys_path(path, sizeof(path));
      if (SYS_ReadFile(path, 4096, &text, &len)) {
        loaded = NCK_ParseKeys(K.keys, text, len);
        memset(text, 0, len);
        free(text);
        if (loaded < 0) {
          LOG_Message(LOG_WARN_LEVEL, "NTS: %s is malformed; starting with new keys", path);
          loaded = 0;
        } else if (loaded > 0) {
          LOG_Message(LOG_INFO_LEVEL, "NTS: loaded %d server keys from %s", loaded, path);
        }
      }
    }
    if (!loaded) {
      if (!add_random_key()) {
        return 0;
      }
      save_keys();
    }
  }
  if (K.cfg->nts_rotate > 0) {
    K.rotate_timer = SCH_AddTimer(wait, on_rotate, NULL);
  }
  return 1;
}

/* ---- connections --------------------------------------------------------------------- */

/* GnuTLS's own fd transport uses read/write-style calls; ours use send/recv only
   (SIMULATION-RULES 10) and report a full or empty socket as EAGAIN.  Shared by the KE server
   and client. */
ssize_t NKE_TransportSend(int fd, gnutls_session_t tls, const void *data, size_t len)
{
  ssize_t r = send(fd, data, len, MSG_NOSIGNAL);

  if (r < 0) {
    gnutls_transport_set_errno(tls, errno == EWOULDBLOCK ? EAGAIN : errno);
  }
  return r;
}

ssize_t NKE_TransportRecv(int fd, gnutls_session_t tls, void *data, size_t len)
{
  ssize_t r = recv(fd, data, len, 0);

  if (r < 0) {
    gnutls_transport_set_errno(tls, errno == EWOULDBLOCK ? EAGAIN : errno);
  }
  return r;
}

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
  Conn *c = p;

  return NKE_TransportSend(c->fd, c->tls, data, len);
}

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
  Conn *c = p;

  return NKE_TransportRecv(c->fd, c->tls, data, len);
}

static void close_conn(Conn *c)
{
  Conn **pp;

  for (pp = &K.conns; *pp; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  }
  if (c->timer) {
    SCH_RemoveTimer(c->timer);
  }
  SCH_RemoveFd(c->fd);
  close(c->fd);
  gnutls_deinit(c->tls);
  cred_unref(c->cred);
  memset(c, 0, sizeof(*c));
  free(c);
  K.n_conns--;
}

static void on_timeout(void *arg)
{
  Conn *c = arg;

  c->timer = 0;
  K.stats.timeouts++;
  LOG_RateLimited(LOG_DEBUG_LEVEL, "NTS-KE: connection timed out");
  close_conn(c);
}

/* Wait for what GnuTLS needs next. */
static void want_io(Conn *c)
{
  SCH_SetFdEvents(c->fd, gnutls_record_get_direction(c->tls) ? SCH_WRITE : SCH_READ);
}

/* Build the answer to a complete (or failed) request in c->out. */
static void make_response(Conn *c, NKR_Status st, const NKR_Request *rq, int error_code)
{
  static const uint8_t ctx_c2s[5] = {0, 0, 0, NKR_AEAD_SIV_CMAC_256, 0};
  static const uint8_t ctx_s2c[5] = {0, 0, 0, NKR_AEAD_SIV_CMAC_256, 1};
  uint8_t c2s[NCK_KEY_LEN], s2c[NCK_KEY_LEN], cookies[KE_COOKIES * NCK_COOKIE_LEN];
  int port = 0, i;

  c->out_len = 0;
  if (st == NKR_OK && (!rq->ntpv4 || !rq->aead15)) {
    /* We speak only NTPv4 with AES-SIV-CMAC-256. */
    st = NKR_MISSING;
    error_code = NKR_ERR_BAD_REQUEST;
  }
  if (st == NKR_OK) {
    /* RFC 8915 §5.1: keys from the TLS exporter. */
    if (gnutls_prf_rfc5705(c->tls, sizeof(EXPORTER_LABEL) - 1, EXPORTER_LABEL, sizeof(ctx_c2s),
                           (const char *)ctx_c2s, sizeof(c2s), (char *)c2s) < 0 ||
        gnutls_prf_rfc5705(c->tls, sizeof(EXPORTER_LABEL) - 1, EXPORTER_LABEL, sizeof(ctx_s2c),
                           (const char *)ctx_s2c, sizeof(s2c), (char *)s2c) < 0) {
      st = NKR_MISSING;
      error_code = NKR_ERR_INTERNAL;
    }
  }
  if (st == NKR_OK) {
    for (i = 0; i < KE_COOKIES; i++) {
      if (NCK_Seal(K.keys, c2s, s2c, cookies + i * NCK_COOKIE_LEN, NCK_COOKIE_LEN) !=
          NCK_COOKIE_LEN) {
        break;
      }
    }
    memset(c2s, 0, sizeof(c2s));
    memset(s2c, 0, sizeof(s2c));
    /* Port record when the NTP port is not 123 (as chronyd) or a server is named. */
    if (K.cfg->nts_ntpserver_port > 0) {
      port = K.cfg->nts_ntpserver_port;
    } else if (K.ntp_port != 123 || K.cfg->nts_ntpserver[0]) {
      port = K.ntp_port;
    }
    if (i == KE_COOKIES) {
      c->out_len = NKR_BuildResponse(c->out, sizeof(c->out), K.cfg->nts_ntpserver, port,
                                     cookies, NCK_COOKIE_LEN, KE_COOKIES);
    }
    memset(cookies, 0, sizeof(cookies));
    if (c->out_len) {
      K.stats.responses++;
      K.stats.cookies += KE_COOKIES;
      return;
    }
    error_code = NKR_ERR_INTERNAL;
  }
  K.stats.bad_requests++;
  LOG_RateLimited(LOG_DEBUG_LEVEL, "NTS-KE: bad request (%s)", NKR_StatusName(st));
  c->out_len = NKR_BuildError(c->out, sizeof(c->out), (uint16_t)error_code);
}

static void step(Conn *c)
{
  NKR_Request rq;
  NKR_Status st;
  int r, ec;

  for (;;) {
    switch (c->state) {
    case ST_HANDSHAKE:
      r = gnutls_handshake(c->tls);
      if (r < 0) {
        if (gnutls_error_is_fatal(r)) {
          K.stats.tls_failed++;
          LOG_RateLimited(LOG_DEBUG_LEVEL, "NTS-KE: handshake failed: %s", gnutls_strerror(r));
          close_conn(c);
          return;
        }
        want_io(c);
        return;
      }
      {
        gnutls_datum_t alpn;

        if (gnutls_protocol_get_version(c->tls) != GNUTLS_TLS1_3 ||
            gnutls_alpn_get_selected_protocol(c->tls, &alpn) < 0 || alpn.size != 7 ||
            memcmp(alpn.data, "ntske/1", 7) != 0) {
          K.stats.tls_failed++;
          close_conn(c);
          return;
        }
      }
      K.stats.handshakes++;
      c->state = ST_READ;
      break;
    case ST_READ:
      r = (int)gnutls_record_recv(c->tls, c->in + c->in_len, sizeof(c->in) - c->in_len);
      if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
        want_io(c);
        return;
      }
      if (r <= 0) {
        /* EOF or error before a complete request: nothing to answer. */
        if (r < 0) {
          K.stats.tls_failed++;
        }
        close_conn(c);
        return;
      }
      c->in_len += (size_t)r;
      st = NKR_ParseRequest(c->in, c->in_len, &rq, &ec);
      if (st == NKR_NEED_MORE && c->in_len < sizeof(c->in)) {
        break;
      }
      if (st == NKR_NEED_MORE) {
        st = NKR_TOO_LONG;
      }
      make_response(c, st, &rq, ec);
      c->state = ST_WRITE;
      break;
    case ST_WRITE:
      r = (int)gnutls_record_send(c->tls, c->out + c->out_off, c->out_len - c->out_off);
      if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
        want_io(c);
        return;
      }
      if (r < 0) {
        K.stats.tls_failed++;
        close_conn(c);
        return;
      }
      c->out_off += (size_t)r;
      if (c->out_off >= c->out_len) {
        c->state = ST_BYE;
      }
      break;
    case ST_BYE:
      r = gnutls_bye(c->tls, GNUTLS_SHUT_WR);
      if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
        want_io(c);
        return;
      }
      /* Done (a client that already closed gets an RST, which is fine). */
      close_conn(c);
      return;
    }
  }
}

static void on_conn_io(int fd, int events, void *arg)
{
  step(arg);
}

static int set_nonblock(int fd)
{
  int fl = fcntl(fd, F_GETFL);

  return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void resume_listener(void *arg)
{
  int i, fd = (int)(intptr_t)arg;

  /* Only if it is still ours (not closed by NKE_Finalise in between). */
  for (i = 0; i < K.n_listen; i++) {
    if (K.listen_fd[i] == fd) {
      SCH_SetFdEvents(fd, SCH_READ);
    }
  }
}

static void on_accept(int lfd, int events, void *arg)
{
  struct sockaddr_storage sa;
  socklen_t sl = sizeof(sa);
  gnutls_datum_t alpn = {(unsigned char *)"ntske/1", 7};
  int fd, one = 1;
  Conn *c;

  fd = accept(lfd, (struct sockaddr *)&sa, &sl);
  if (fd < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
      /* Out of fds (or forbidden): the listener would stay readable and spin the loop, so
         pause it for a second. */
      LOG_RateLimited(LOG_WARN_LEVEL, "NTS-KE: accept() failed: %s", strerror(errno));
      SCH_SetFdEvents(lfd, 0);
      SCH_AddTimer(1.0, resume_listener, (void *)(intptr_t)lfd);
    }
    return;
  }
  K.stats.accepted++;
  if (K.n_conns >= K.cfg->max_nts_connections) {
    K.stats.refused++;
    LOG_RateLimited(LOG_WARN_LEVEL, "NTS-KE: maxntsconnections (%d) reached; connection closed",
                    K.cfg->max_nts_connections);
    close(fd);
    return;
  }
  c = calloc(1, sizeof(*c));
  if (!c || !set_nonblock(fd)) {
    free(c);
    close(fd);
    return;
  }
  /* Without it a GnuTLS client loses ~40 ms per handshake to Nagle + delayed ACK. */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c->fd = fd;
  if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS) < 0) {
    close(fd);
    free(c);
    return;
  }
  c->cred = K.cred;
  c->cred->refs++;
  if (gnutls_priority_set(c->tls, K.prio) < 0 ||
      gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred->cred) < 0 ||
      gnutls_alpn_set_protocols(c->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY) < 0) {
    gnutls_deinit(c->tls);
    cred_unref(c->cred);
    close(fd);
    free(c);
    return;
  }
  gnutls_transport_set_ptr(c->tls, c);
  gnutls_transport_set_push_function(c->tls, push);
  gnutls_transport_set_pull_function(c->tls, pull);
  if (!SCH_AddFd(fd, SCH_READ, on_conn_io, c)) {
    gnutls_deinit(c->tls);
    cred_unref(c->cred);
    close(fd);
    free(c);
    return;
  }
  c->timer = SCH_AddTimer(CONN_TIMEOUT, on_timeout, c);
  c->next = K.conns;
  K.conns = c;
  K.n_conns++;
}

static int open_listener(int family, const IPAddr *bind_addr)
{
  struct sockaddr_storage ss;
  socklen_t sl;
  int fd, one = 1;

  memset(&ss, 0, sizeof(ss));
  if (family == AF_INET) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)K.cfg->nts_port);
    if (bind_addr->family == ADDR_INET4) {
      memcpy(&s4->sin_addr, bind_addr->addr, 4);
    }
    sl = sizeof(*s4);
  } else {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)K.cfg->nts_port);
    if (bind_addr->family == ADDR_INET6) {
      memcpy(&s6->sin6_addr, bind_addr->addr, 16);
    }
    sl = sizeof(*s6);
  }
  fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, LISTEN_BACKLOG) < 0 ||
      !set_nonblock(fd) || !SCH_AddFd(fd, SCH_READ, on_accept, NULL)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* ---- public -------------------------------------------------------------------------- */

int NKE_Initialise(const CNF_Config *cfg, NSV_Server *server, int ntp_port)
{
  int fd, r, ke;

  memset(&K, 0, sizeof(K));
  K.cfg = cfg;
  K.server = server;
  K.ntp_port = ntp_port;
  ke = cfg->n_nts_pairs > 0 && cfg->nts_port > 0;
  /* An NTP-only node of a fleet has the shared secret but no certificate: it answers NTS
     on the NTP port with cookies the KE nodes made. */
  if (!ke && !cfg->nts_fleet_secret[0]) {
    return 1;
  }
  if (!ke) {
    if (!setup_keys() || (server && NSV_SetNtsKeys(server, K.keys) < 0)) {
      LOG_Message(LOG_ERR_LEVEL, "NTS: cannot set up the fleet keys");
      NKE_Finalise();
      return 0;
    }
    K.running = 1;
    LOG_Message(LOG_INFO_LEVEL, "NTS on the NTP port with fleet keys (no NTS-KE server)");
    return 1;
  }
  /* TLS 1.3 only (RFC 8915 §3: "MUST NOT... TLS older than 1.3"). */
  r = gnutls_priority_init2(&K.prio,
                            "-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-TLS1.2:-VERS-DTLS-ALL",
                            NULL, GNUTLS_PRIORITY_INIT_DEF_APPEND);
  if (r < 0) {
    LOG_Message(LOG_ERR_LEVEL, "NTS: TLS priority: %s", gnutls_strerror(r));
    return 0;
  }
  K.cred = load_cred();
  if (!K.cred || !setup_keys()) {
    NKE_Finalise();
    return 0;
  }
  fd = open_listener(AF_INET, &cfg->bind4);
  if (fd >= 0) {
    K.listen_fd[K.n_listen++] = fd;
  }
  fd = open_listener(AF_INET6, &cfg->bind6);
  if (fd >= 0) {
    K.listen_fd[K.n_listen++] = fd;
  }
  if (K.n_listen == 0) {
    LOG_Message(LOG_ERR_LEVEL, "NTS: could not listen on TCP port %d: %s", cfg->nts_port,
                strerror(errno));
    NKE_Finalise();
    return 0;
  }
  if (server && NSV_SetNtsKeys(server, K.keys) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "NTS: AES-SIV-CMAC-256 is not available in GnuTLS");
    NKE_Finalise();
    return 0;
  }
  K.running = 1;
  LOG_Message(LOG_INFO_LEVEL, "NTS-KE server on TCP port %d (%zu certificate%s, %zu server key%s%s)",
              cfg->nts_port, cfg->n_nts_pairs, cfg->n_nts_pairs == 1 ? "" : "s",
              NCK_KeyCount(K.keys), NCK_KeyCount(K.keys) == 1 ? "" : "s",
              K.secret_len ? ", fleet secret" : "");
  return 1;
}

void NKE_Finalise(void)
{
  int i;

  while (K.conns) {
    close_conn(K.conns);
  }
  for (i = 0; i < K.n_listen; i++) {
    SCH_RemoveFd(K.listen_fd[i]);
    close(K.listen_fd[i]);
  }
  K.n_listen = 0;
  if (K.rotate_timer) {
    SCH_RemoveTimer(K.rotate_timer);
    K.rotate_timer = 0;
  }
  if (K.server) {
    NSV_SetNtsKeys(K.server, NULL);
  }
  cred_unref(K.cred);
  K.cred = NULL;
  if (K.prio) {
    gnutls_priority_deinit(K.prio);
    K.prio = NULL;
  }
  NCK_Destroy(K.keys);
  K.keys = NULL;
  memset(K.secret, 0, sizeof(K.secret));
  K.running = 0;
}

int NKE_IsRunning(void)
{
  return K.running;
}

void NKE_GetStats(NKE_Stats *out)
{
  *out = K.stats;
}

#else /* !FEAT_NTS: built --without-nts */

#include "log.h"

int NKE_Initialise(const CNF_Config *cfg, NSV_Server *server, int ntp_port)
{
  if ((cfg->n_nts_pairs > 0 && cfg->nts_port > 0) || cfg->nts_fleet_secret[0]) {
    LOG_Message(LOG_ERR_LEVEL, "NTS is configured but timed was built without NTS (GnuTLS)");
    return 0;
  }
  return 1;
}

void NKE_Finalise(void)
{
}

int NKE_ReloadCertificates(void)
{
  return 0;
}

int NKE_IsRunning(void)
{
  return 0;
}

void NKE_GetStats(NKE_Stats *out)
{
  *out = (NKE_Stats){0};
}

#endif
