/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntsload.c - NTS load generator for `make bench` (RFC 8915).
 *
 * Two modes, both against one server on a numeric IPv4 address:
 *  - NTP (default): one NTS-KE (TLS 1.3, ALPN ntske/1) for the C2S/S2C keys and 8 cookies,
 *    then a bounded number of NTS requests in flight (UID, one cookie, authenticator; no
 *    placeholders, as a client with a full jar sends) from many UDP sockets for a bounded
 *    time.  The cookies are reused round-robin: the server does not track reuse, and its
 *    work per request is the same.  A reply counts when its origin timestamp echoes one of
 *    our requests, it is as long as the request and it is not an NTS NAK; every Vth such
 *    reply is also verified (UID and authenticator under S2C, RFC 8915 §5.7), and any
 *    failure is counted, so the figure is of authenticated responses.
 *  - KE (-K): a bounded number of complete NTS-KE sessions (full TLS 1.3 handshake, no
 *    resumption, request, response with cookies, exporter keys) from C threads at once.
 * Records come from nts_rec.h, NTS fields from nts_ef.h (libcore.a); TLS from GnuTLS.
 * It never changes the clock, sends only to the address on its command line, and stops by
 * itself (at most 30 s of load, each KE session at most 5 s).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nts_cookie.h"
#include "nts_ef.h"
#include "nts_rec.h"
#include "ntp_wire.h"

#define MAX_SOCKETS 256
#define MAX_WINDOW 4096
#define MAX_DURATION 30
#define MAX_THREADS 16
#define MAX_SESSIONS 100000
#define EXPIRY 0.2       /* seconds before an unanswered NTP request is counted lost */
#define KE_TIMEOUT_MS 5000
#define HDR_LEN 48
#define UID_LEN 32
#define EXPORTER_LABEL "EXPORTER-network-time-security"

/* ---- command line and shared settings ---- */

static struct sockaddr_in server_addr;
static const char *cert_name = "localhost";
static int no_verify; /* -U: skip the certificate check (KE load: only the server's cost) */
static gnutls_certificate_credentials_t cred;
static gnutls_priority_t prio;

static double now_mono(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int parse_long(const char *s, long min, long max, long *out)
{
  char *end;
  long v;

  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || end == s || *end != '\0' || v < min || v > max) {
    return 0;
  }
  *out = v;
  return 1;
}

static void usage(void)
{
  fprintf(stderr,
          "usage: ntsload -k KEPORT -c CAFILE [-N NAME] [-j] [NTP options | -K KE options] HOST\n"
          "  -N  name the certificate must match (default localhost; also the SNI)\n"
          " NTP: -p NTPPORT [-S NSOCKETS] [-w WINDOW] [-d SECONDS] [-V N] [-A]\n"
          "  -S  UDP sockets (default 64, max %d); -w requests in flight (default 256, max %d)\n"
          "  -d  duration (default 5, max %d s); -V verify every Nth reply (default 1 = all)\n"
          "  -A  bind socket i to its own source address 127.100.(i/250).(i%%250+1)\n"
          " KE:  -K [-n SESSIONS] [-C THREADS] [-d SECONDS] [-U]\n"
          "  -n  sessions in all (default 400, max %d); -C at once (default 4, max %d);\n"
          "      -d stops earlier after this many seconds; -U skips the certificate check, so\n"
          "      the client spends less CPU per session (the server's work is the same)\n",
          MAX_SOCKETS, MAX_WINDOW, MAX_DURATION, MAX_SESSIONS, MAX_THREADS);
}

/* ---- one NTS-KE session (RFC 8915 §4), blocking with time limits ---- */

typedef struct {
  uint8_t c2s[32], s2c[32];
  size_t n_cookies;
  uint8_t cookies[NKR_MAX_COOKIES][NKR_MAX_COOKIE_LEN];
  size_t cookie_len[NKR_MAX_COOKIES];
  char error[160];
} KeResult;

/* Returns 1 with keys and at least one cookie in *r, 0 with r->error set. */
static int do_ke(int ke_port, KeResult *r)
{
  static const gnutls_datum_t alpn = {(unsigned char *)"ntske/1", 7};
  /* Exporter contexts (§5.1): protocol id 0 (NTPv4), AEAD 15, then 0 = C2S / 1 = S2C. */
  static const uint8_t ctx_c2s[5] = {0, 0, 0, NKR_AEAD_SIV_CMAC_256, 0};
  static const uint8_t ctx_s2c[5] = {0, 0, 0, NKR_AEAD_SIV_CMAC_256, 1};
  struct sockaddr_in a = server_addr;
  gnutls_session_t tls = NULL;
  gnutls_datum_t sel;
  uint8_t req[256], buf[NKR_MAX_MESSAGE];
  size_t req_len, got = 0;
  NKR_Response rp;
  NKR_Status st = NKR_NEED_MORE;
  int fd, one = 1, ret, ok = 0;
  struct timeval tv = {KE_TIMEOUT_MS / 1000, 0};

  memset(r, 0, sizeof(*r));
  a.sin_port = htons((uint16_t)ke_port);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    snprintf(r->error, sizeof(r->error), "socket: %s", strerror(errno));
    return 0;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  /* Bounds every blocking connect, send and recv below. */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
    snprintf(r->error, sizeof(r->error), "connect: %s", strerror(errno));
    goto out;
  }
  if (gnutls_init(&tls, GNUTLS_CLIENT) < 0 || gnutls_priority_set(tls, prio) < 0 ||
      gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
      gnutls_alpn_set_protocols(tls, &alpn, 1, 0) < 0 ||
      gnutls_server_name_set(tls, GNUTLS_NAME_DNS, cert_name, strlen(cert_name)) < 0) {
    snprintf(r->error, sizeof(r->error), "TLS session set-up failed");
    goto out;
  }
  if (!no_verify) {
    gnutls_session_set_verify_cert(tls, cert_name, 0);
  }
  gnutls_transport_set_int(tls, fd);
  gnutls_handshake_set_timeout(tls, KE_TIMEOUT_MS);
  do {
    ret = gnutls_handshake(tls);
  } while (ret < 0 && !gnutls_error_is_fatal(ret));
  if (ret < 0) {
    snprintf(r->error, sizeof(r->error), "handshake: %s", gnutls_strerror(ret));
    goto out;
  }
  if (gnutls_protocol_get_version(tls) != GNUTLS_TLS1_3 ||
      gnutls_alpn_get_selected_protocol(tls, &sel) < 0 || sel.size != 7 ||
      memcmp(sel.data, "ntske/1", 7) != 0) {
    snprintf(r->error, sizeof(r->error), "not TLS 1.3 with ALPN ntske/1");
    goto out;
  }
  req_len = NKR_BuildRequest(req, sizeof(req), "", 0);
  do {
    ret = (int)gnutls_record_send(tls, req, req_len);
  } while (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED);
  if (ret != (int)req_len) {
    snprintf(r->error, sizeof(r->error), "send: %s", ret < 0 ? gnutls_strerror(ret) : "short");
    goto out;
  }
  while (st == NKR_NEED_MORE && got < sizeof(buf)) {
    ret = (int)gnutls_record_recv(tls, buf + got, sizeof(buf) - got);
    if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
      continue;
    }
    if (ret <= 0) {
      snprintf(r->error, sizeof(r->error), "recv: %s",
               ret < 0 ? gnutls_strerror(ret) : "closed before End of Message");
      goto out;
    }
    got += (size_t)ret;
    st = NKR_ParseResponse(buf, got, &rp);
  }
  if (st != NKR_OK) {
    snprintf(r->error, sizeof(r->error), "response: %s", NKR_StatusName(st));
    goto out;
  }
  if (!rp.has_proto || rp.proto != NKR_PROTO_NTPV4 || !rp.has_aead ||
      rp.aead != NKR_AEAD_SIV_CMAC_256 || rp.n_cookies == 0) {
    snprintf(r->error, sizeof(r->error), "response without NTPv4, AEAD 15 or cookies");
    goto out;
  }
  if (gnutls_prf_rfc5705(tls, sizeof(EXPORTER_LABEL) - 1, EXPORTER_LABEL, sizeof(ctx_c2s),
                         (const char *)ctx_c2s, sizeof(r->c2s), (char *)r->c2s) < 0 ||
      gnutls_prf_rfc5705(tls, sizeof(EXPORTER_LABEL) - 1, EXPORTER_LABEL, sizeof(ctx_s2c),
                         (const char *)ctx_s2c, sizeof(r->s2c), (char *)r->s2c) < 0) {
    snprintf(r->error, sizeof(r->error), "TLS exporter failed");
    goto out;
  }
  for (size_t i = 0; i < rp.n_cookies && i < NKR_MAX_COOKIES; i++) {
    if (rp.cookie_len[i] == 0 || rp.cookie_len[i] > NKR_MAX_COOKIE_LEN) {
      continue;
    }
    memcpy(r->cookies[r->n_cookies], rp.cookies[i], rp.cookie_len[i]);
    r->cookie_len[r->n_cookies++] = rp.cookie_len[i];
  }
  ok = r->n_cookies > 0;
  if (!ok) {
    snprintf(r->error, sizeof(r->error), "no usable cookie");
  }
  gnutls_bye(tls, GNUTLS_SHUT_WR);
out:
  if (tls) {
    gnutls_deinit(tls);
  }
  close(fd);
  return ok;
}

/* ---- KE mode: threads run sessions until the total or the time is used up ---- */

static pthread_mutex_t ke_lock = PTHREAD_MUTEX_INITIALIZER;
static long ke_left, ke_ok, ke_failed;
static double ke_stop;
static char ke_first_error[160];
static int ke_port_g;

static void *ke_thread(void *arg)
{
  KeResult *r = malloc(sizeof(*r));

  (void)arg;
  if (!r) {
    return NULL;
  }
  for (;;) {
    int ok;

    pthread_mutex_lock(&ke_lock);
    if (ke_left <= 0 || now_mono() >= ke_stop) {
      pthread_mutex_unlock(&ke_lock);
      break;
    }
    ke_left--;
    pthread_mutex_unlock(&ke_lock);
    ok = do_ke(ke_port_g, r);
    pthread_mutex_lock(&ke_lock);
    if (ok) {
      ke_ok++;
    } else {
      ke_failed++;
      if (!ke_first_error[0]) {
        snprintf(ke_first_error, sizeof(ke_first_error), "%s", r->error);
      }
    }
    pthread_mutex_unlock(&ke_lock);
  }
  free(r);
  return NULL;
}

static int run_ke(int ke_port, long sessions, long threads, long duration, int json)
{
  pthread_t th[MAX_THREADS];
  double start, elapsed;
  long n = 0;

  ke_port_g = ke_port;
  ke_left = sessions;
  start = now_mono();
  ke_stop = start + (double)duration;
  for (long i = 0; i < threads; i++) {
    if (pthread_create(&th[n], NULL, ke_thread, NULL) == 0) {
      n++;
    }
  }
  if (n == 0) {
    fprintf(stderr, "ntsload: no thread could be started\n");
    return 2;
  }
  for (long i = 0; i < n; i++) {
    pthread_join(th[i], NULL);
  }
  elapsed = now_mono() - start;
  if (json) {
    printf("{\"sessions\": %ld, \"failed\": %ld, \"seconds\": %.3f, \"rate\": %.1f, "
           "\"error\": \"%s\"}\n", ke_ok, ke_failed, elapsed, ke_ok / elapsed,
           ke_first_error[0] ? "see stderr" : "");
  } else {
    printf("sessions %ld failed %ld seconds %.3f rate %.1f/s\n", ke_ok, ke_failed, elapsed,
           ke_ok / elapsed);
  }
  if (ke_first_error[0]) {
    fprintf(stderr, "ntsload: first KE failure: %s\n", ke_first_error);
  }
  return ke_failed || ke_ok == 0 ? 1 : 0;
}

/* ---- NTP mode ---- */

typedef struct {
  uint64_t tx;          /* our transmit timestamp, 0 when the slot is free */
  double sent;
  size_t len;           /* request length: an NTS response is exactly as long (§5.7) */
  uint8_t uid[UID_LEN];
} Slot;

typedef struct {
  int fd;
  int n_slots;
  Slot *slots;
} Sock;

static uint64_t rnd_prefix, counter;

static void put_be64(uint8_t *p, uint64_t v)
{
  for (int i = 7; i >= 0; i--) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
}

static uint64_t get_be64(const uint8_t *p)
{
  uint64_t v = 0;

  for (int i = 0; i < 8; i++) {
    v = v << 8 | p[i];
  }
  return v;
}

static int run_ntp(int ke_port, long port, long n_socks, long window, long duration,
                   long verify_every, int many_addr, int json)
{
  KeResult ke;
  NCK_Siv *siv_c2s, *siv_s2c;
  struct sockaddr_in dst = server_addr;
  Sock *socks;
  struct pollfd *pfds;
  long sent = 0, replies = 0, verified = 0, auth_failed = 0, naks = 0, lost = 0, bad = 0;
  long send_fail = 0, matched_total = 0;
  size_t next_cookie = 0;
  double start, stop, elapsed, t_ke;

  t_ke = now_mono();
  if (!do_ke(ke_port, &ke)) {
    fprintf(stderr, "ntsload: NTS-KE failed: %s\n", ke.error);
    return 1;
  }
  t_ke = now_mono() - t_ke;
  siv_c2s = NCK_SivCreate(ke.c2s);
  siv_s2c = NCK_SivCreate(ke.s2c);
  if (!siv_c2s || !siv_s2c) {
    fprintf(stderr, "ntsload: no AES-SIV-CMAC-256 in this GnuTLS\n");
    return 2;
  }
  dst.sin_port = htons((uint16_t)port);
  if (window < n_socks) {
    n_socks = window;
  }
  socks = calloc((size_t)n_socks, sizeof(*socks));
  pfds = calloc((size_t)n_socks, sizeof(*pfds));
  if (!socks || !pfds) {
    fprintf(stderr, "ntsload: out of memory\n");
    return 2;
  }
  for (long i = 0; i < n_socks; i++) {
    Sock *s = &socks[i];

    s->fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (s->fd < 0) {
      perror("ntsload: socket");
      return 2;
    }
    if (many_addr) {
      struct sockaddr_in src;
      char a[32];

      memset(&src, 0, sizeof(src));
      src.sin_family = AF_INET;
      snprintf(a, sizeof(a), "127.100.%ld.%ld", i / 250, i % 250 + 1);
      inet_pton(AF_INET, a, &src.sin_addr);
      if (bind(s->fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
        fprintf(stderr, "ntsload: bind %s: %s\n", a, strerror(errno));
        return 2;
      }
    }
    s->n_slots = (int)(window / n_socks + (i < window % n_socks));
    s->slots = calloc((size_t)s->n_slots, sizeof(*s->slots));
    if (!s->slots) {
      fprintf(stderr, "ntsload: out of memory\n");
      return 2;
    }
    pfds[i].fd = s->fd;
    pfds[i].events = POLLIN;
  }

  start = now_mono();
  stop = start + (double)duration;
  for (;;) {
    double now = now_mono();
    int running = now < stop;
    long in_flight = 0;

    for (long i = 0; i < n_socks; i++) {
      Sock *s = &socks[i];

      for (int k = 0; k < s->n_slots; k++) {
        Slot *sl = &s->slots[k];

        if (sl->tx && now - sl->sent > EXPIRY) {
          sl->tx = 0;
          lost++;
        }
        if (!sl->tx && running) {
          uint8_t req[NWR_MAX_PACKET], nonce[16];
          size_t len;

          /* Client request (RFC 5905): VN 4, mode 3, a unique transmit timestamp; UID and
             nonce unique per request from a random prefix and a counter (§5.3, §5.6). */
          memset(req, 0, HDR_LEN);
          req[0] = 4 << 3 | 3;
          sl->tx = rnd_prefix << 32 | (uint32_t)++counter;
          put_be64(req + 40, sl->tx);
          memset(sl->uid, 0xa5, UID_LEN);
          put_be64(sl->uid, rnd_prefix);
          put_be64(sl->uid + 8, counter);
          memset(nonce, 0x5a, sizeof(nonce));
          put_be64(nonce, counter);
          len = NEF_BuildRequest(siv_c2s, ke.c2s, sl->uid, UID_LEN,
                                 ke.cookies[next_cookie], ke.cookie_len[next_cookie], 0,
                                 nonce, req, HDR_LEN, sizeof(req));
          next_cookie = (next_cookie + 1) % ke.n_cookies;
          if (len == 0) {
            fprintf(stderr, "ntsload: could not build an NTS request\n");
            return 2;
          }
          sl->len = len;
          sl->sent = now;
          if (sendto(s->fd, req, len, MSG_DONTWAIT, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
            send_fail++; /* the slot stays taken until it expires: throttles the sender */
          } else {
            sent++;
          }
        }
        in_flight += sl->tx != 0;
      }
    }
    if (!running && in_flight == 0) {
      break;
    }
    if (now > stop + 2 * EXPIRY) {
      break;
    }
    if (poll(pfds, (nfds_t)n_socks, 10) <= 0) {
      continue;
    }
    for (long i = 0; i < n_socks; i++) {
      Sock *s = &socks[i];

      if (!(pfds[i].revents & POLLIN)) {
        continue;
      }
      for (int burst = 0; burst < 64; burst++) {
        uint8_t buf[NWR_MAX_PACKET + 16];
        ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
        uint64_t orig;
        Slot *sl = NULL;

        if (n < 0) {
          break;
        }
        if (n < HDR_LEN || (buf[0] & 7) != 4) {
          bad++;
          continue;
        }
        orig = get_be64(buf + 24);
        for (int k = 0; k < s->n_slots && orig; k++) {
          if (s->slots[k].tx == orig) {
            sl = &s->slots[k];
            break;
          }
        }
        if (!sl) {
          bad++; /* late (already expired) or forged */
          continue;
        }
        sl->tx = 0;
        matched_total++;
        if (buf[1] == 0) {
          naks++; /* stratum 0: a kiss, e.g. NTS NAK (§5.7) */
          continue;
        }
        if ((size_t)n != sl->len) {
          auth_failed++;
          continue;
        }
        if (matched_total % verify_every == 0) {
          uint8_t cookies[NEF_MAX_NEW_COOKIES * NKR_MAX_COOKIE_LEN];
          size_t lens[NEF_MAX_NEW_COOKIES], nc;

          if (NEF_CheckResponse(siv_s2c, ke.s2c, sl->uid, UID_LEN, buf, (size_t)n, cookies,
                                NKR_MAX_COOKIE_LEN, lens, NEF_MAX_NEW_COOKIES, &nc) != NEF_OK ||
              nc != 1) {
            auth_failed++;
            continue;
          }
          verified++;
        }
        replies++;
      }
    }
  }
  elapsed = now_mono() - start;
  if (elapsed > (double)duration) {
    elapsed = (double)duration;
  }
  if (json) {
    printf("{\"sent\": %ld, \"replies\": %ld, \"verified\": %ld, \"auth_failed\": %ld, "
           "\"naks\": %ld, \"lost\": %ld, \"bad\": %ld, \"send_fail\": %ld, "
           "\"seconds\": %.3f, \"rate\": %.1f, \"ke_seconds\": %.4f, \"cookie_len\": %zu}\n",
           sent, replies, verified, auth_failed, naks, lost, bad, send_fail, elapsed,
           replies / elapsed, t_ke, ke.cookie_len[0]);
  } else {
    printf("sent %ld replies %ld verified %ld auth_failed %ld naks %ld lost %ld bad %ld "
           "send_fail %ld seconds %.3f rate %.1f/s\n", sent, replies, verified, auth_failed,
           naks, lost, bad, send_fail, elapsed, replies / elapsed);
  }
  for (long i = 0; i < n_socks; i++) {
    close(socks[i].fd);
    free(socks[i].slots);
  }
  free(socks);
  free(pfds);
  NCK_SivDestroy(siv_c2s);
  NCK_SivDestroy(siv_s2c);
  return auth_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
  long ke_port = 0, port = 0, n_socks = 64, window = 256, duration = 5, verify_every = 1;
  long sessions = 400, threads = 4;
  const char *ca = NULL;
  int ke_mode = 0, many_addr = 0, json = 0, c, ret;

  while ((c = getopt(argc, argv, "k:c:N:p:S:w:d:V:AKUn:C:jh")) != -1) {
    int ok = 1;

    switch (c) {
      case 'k': ok = parse_long(optarg, 1, 65535, &ke_port); break;
      case 'c': ca = optarg; break;
      case 'N': cert_name = optarg; break;
      case 'p': ok = parse_long(optarg, 1, 65535, &port); break;
      case 'S': ok = parse_long(optarg, 1, MAX_SOCKETS, &n_socks); break;
      case 'w': ok = parse_long(optarg, 1, MAX_WINDOW, &window); break;
      case 'd': ok = parse_long(optarg, 1, MAX_DURATION, &duration); break;
      case 'V': ok = parse_long(optarg, 1, 1000000, &verify_every); break;
      case 'A': many_addr = 1; break;
      case 'K': ke_mode = 1; break;
      case 'U': no_verify = 1; break;
      case 'n': ok = parse_long(optarg, 1, MAX_SESSIONS, &sessions); break;
      case 'C': ok = parse_long(optarg, 1, MAX_THREADS, &threads); break;
      case 'j': json = 1; break;
      default:
        usage();
        return c == 'h' ? 0 : 2;
    }
    if (!ok) {
      fprintf(stderr, "ntsload: bad value for -%c: %s\n", c, optarg);
      return 2;
    }
  }
  if (optind != argc - 1 || ke_port == 0 || !ca || (!ke_mode && port == 0)) {
    usage();
    return 2;
  }
  memset(&server_addr, 0, sizeof(server_addr));
  server_addr.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[optind], &server_addr.sin_addr) != 1) {
    fprintf(stderr, "ntsload: %s is not a numeric IPv4 address\n", argv[optind]);
    return 2;
  }
  {
    uint32_t r = 0;

    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
      r = (uint32_t)(now_mono() * 1e6);
    }
    rnd_prefix = r | 1;
  }
  if (gnutls_global_init() < 0 || gnutls_certificate_allocate_credentials(&cred) < 0 ||
      gnutls_priority_init2(&prio, "-VERS-ALL:+VERS-TLS1.3", NULL,
                            GNUTLS_PRIORITY_INIT_DEF_APPEND) < 0) {
    fprintf(stderr, "ntsload: TLS library initialisation failed\n");
    return 2;
  }
  if (gnutls_certificate_set_x509_trust_file(cred, ca, GNUTLS_X509_FMT_PEM) <= 0) {
    fprintf(stderr, "ntsload: no CA certificate in %s\n", ca);
    return 2;
  }
  if (ke_mode) {
    ret = run_ke((int)ke_port, sessions, threads, duration, json);
  } else {
    ret = run_ntp((int)ke_port, port, n_socks, window, duration, verify_every, many_addr, json);
  }
  gnutls_priority_deinit(prio);
  gnutls_certificate_free_credentials(cred);
  gnutls_global_deinit();
  return ret;
}
