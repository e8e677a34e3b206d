/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntpprobe.c - raw NTP probe for the system tests.
 *
 * Sends a bounded number of NTP requests (well-formed ones of any version/mode/length, or
 * raw bytes given in hex) from a chosen source address and reports every reply field by
 * field: length, LI, VN, mode, stratum, reference id and whether the origin timestamp
 * echoes one of our transmit timestamps (RFC 5905 §8, "bogus" packet check), and for a
 * matched reply the offset and delay against our own clock.  It builds
 * the request bytes itself rather than with NWR_ so that a bug in the daemon's codec
 * cannot hide itself from the test.
 *
 * It never changes the clock and only talks to the host named on its command line.  It
 * always exits 0 once it has sent what it was asked to (tests assert on the output);
 * exit 2 means a usage or socket error.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DGRAM 65000
#define MAX_COUNT 100000
#define MAX_DETAIL 2000 /* replies listed one by one in the JSON output */
#define HDR_LEN 48

typedef struct {
  size_t len;
  int li, vn, mode, stratum;
  uint32_t refid;
  int origin_ok;
  int have_times;  /* offset and delay valid (origin matched) */
  double offset;   /* RFC 5905 §8: ((T2 - T1) + (T3 - T4)) / 2, seconds */
  double delay;    /* (T4 - T1) - (T3 - T2), seconds */
  char from[INET6_ADDRSTRLEN + 8];
} Reply;

static struct {
  const char *host;
  int port;
  const char *src;
  long count;
  double interval;
  double timeout;
  int version, mode;
  long length; /* -1: 48 */
  uint8_t *raw;
  size_t raw_len;
  int json;
  int quiet;
} opt = { NULL, 123, NULL, 1, 0.0, 1.0, 4, 3, -1, NULL, 0, 0, 0 };

/* Transmit timestamps we sent (compared with the replies' origin), and whether each was
   already answered, so a duplicate answer is not counted as a match twice. */
static uint64_t *sent_tx;
static uint64_t *sent_t1; /* our real send time in NTP format, for offset and delay */
static uint8_t *answered;
static long n_sent;

static void usage(void)
{
  fprintf(stderr,
          "usage: ntpprobe [-p PORT] [-s SRCADDR] [-c COUNT] [-i INTERVAL_S] [-t TIMEOUT_S]\n"
          "                [-x HEX | -V VER -M MODE [-L LEN]] [-j] [-q] HOST\n"
          "  -x HEX   send these raw bytes (spaces and colons ignored)\n"
          "  -V -M -L a well-formed request of version VER, mode MODE, zero-padded or\n"
          "           truncated to LEN bytes (default 4, 3, 48)\n"
          "  -c -i    COUNT requests (default 1, max %d), INTERVAL_S apart (default 0)\n"
          "  -t       wait TIMEOUT_S after the last request (default 1)\n"
          "  -j       JSON summary only;  -q  summary only\n", MAX_COUNT);
}

static double now_mono(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The real time in NTP format (RFC 5905 §6): seconds since 1900 and a 32-bit fraction. */
static uint64_t now_ntp(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return ((uint64_t)ts.tv_sec + 2208988800ULL) << 32 |
         (((uint64_t)ts.tv_nsec << 32) / 1000000000ULL);
}

/* a - b in seconds; the modular difference is right across an era boundary as long as the
   two are within 68 years of each other. */
static double ntp_diff(uint64_t a, uint64_t b)
{
  return (double)(int64_t)(a - b) / 4294967296.0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
  char *end;
  long v;

  errno = 0;
  v = strtol(s, &end, 0);
  if (errno || end == s || *end != '\0' || v < min || v > max) {
    return 0;
  }
  *out = v;
  return 1;
}

static int parse_double(const char *s, double min, double max, double *out)
{
  char *end;
  double v;

  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || *end != '\0' || !(v >= min && v <= max)) {
    return 0;
  }
  *out = v;
  return 1;
}

static int hexval(int c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

static int parse_hex(const char *s)
{
  size_t cap = strlen(s) / 2 + 1, n = 0;
  int hi = -1;

  opt.raw = malloc(cap);
  if (!opt.raw) {
    return 0;
  }
  for (; *s; s++) {
    int v;

    if (*s == ' ' || *s == ':' || *s == '\t' || *s == '\n') {
      continue;
    }
    v = hexval((unsigned char)*s);
    if (v < 0) {
      return 0;
    }
    if (hi < 0) {
      hi = v;
    } else {
      if (n >= cap || n >= MAX_DGRAM) {
        return 0;
      }
      opt.raw[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  if (hi >= 0) {
    return 0;
  }
  opt.raw_len = n;
  return 1;
}

static uint64_t get_be64(const uint8_t *p)
{
  uint64_t v = 0;

  for (int i = 0; i < 8; i++) {
    v = v << 8 | p[i];
  }
  return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
  for (int i = 7; i >= 0; i--) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
}

/* A random transmit timestamp: RFC 9109 §3 recommends clients put a random value there,
   and random values make a forged or misdirected origin obvious. */
static uint64_t random_ts(void)
{
  uint64_t v = 0;

  if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
    /* Not cryptographic; only uniqueness matters for matching replies. */
    v = (uint64_t)rand() << 32 ^ (uint64_t)rand() ^ (uint64_t)(now_mono() * 1e9);
  }
  return v ? v : 1;
}

/* Build request number i into buf; returns its length. */
static size_t build_request(uint8_t *buf, size_t cap, uint64_t *tx)
{
  size_t len;

  if (opt.raw) {
    len = opt.raw_len < cap ? opt.raw_len : cap;
    memcpy(buf, opt.raw, len);
    *tx = len >= HDR_LEN ? get_be64(buf + 40) : 0;
    return len;
  }
  len = opt.length < 0 ? HDR_LEN : (size_t)opt.length;
  if (len > cap) {
    len = cap;
  }
  {
    /* Header fields as an SNTP client sends them (RFC 4330 §5): LI 0, VN, mode, the
       rest zero except the transmit timestamp. */
    uint8_t hdr[HDR_LEN];

    memset(hdr, 0, sizeof hdr);
    hdr[0] = (uint8_t)((opt.version & 7) << 3 | (opt.mode & 7));
    *tx = random_ts();
    put_be64(hdr + 40, *tx);
    memset(buf, 0, len);
    memcpy(buf, hdr, len < HDR_LEN ? len : HDR_LEN);
  }
  return len;
}

static void format_refid(uint32_t refid, int stratum, char *out, size_t cap)
{
  char s[5];
  int printable = 1;

  for (int i = 0; i < 4; i++) {
    s[i] = (char)(refid >> (24 - 8 * i));
    if (s[i] < 0x20 || s[i] > 0x7e) {
      printable = 0;
    }
  }
  s[4] = '\0';
  /* Stratum 0/1 refids are ASCII (kiss codes, reference clock names, RFC 5905 §7.3). */
  if (printable && stratum <= 1) {
    snprintf(out, cap, "%s", s);
  } else {
    snprintf(out, cap, "%u.%u.%u.%u", refid >> 24, refid >> 16 & 0xff, refid >> 8 & 0xff,
             refid & 0xff);
  }
}

static int is_kod(const Reply *r)
{
  char s[16];

  /* A kiss-o'-death packet has stratum 0 and an ASCII code in the refid (RFC 5905 §7.4);
     an unsynchronised server's plain reply has stratum 0 with a zero or non-ASCII refid. */
  if (r->stratum != 0 || r->refid == 0) {
    return 0;
  }
  format_refid(r->refid, 0, s, sizeof s);
  return strchr(s, '.') == NULL;
}

static void json_string(const char *s)
{
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') {
      printf("\\%c", *s);
    } else if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
      printf("\\u%04x", (unsigned char)*s);
    } else {
      putchar(*s);
    }
  }
  putchar('"');
}

int main(int argc, char **argv)
{
  struct sockaddr_storage dst, src;
  socklen_t dst_len, src_len = 0;
  Reply *detail;
  size_t n_detail = 0, maxlen = 0;
  long replies = 0, kod = 0, kod_rate = 0, origin_ok = 0, origin_bad = 0, longer = 0;
  long stray = 0, send_errors = 0, mode_counts[8] = { 0 };
  size_t req_len_max = 0;
  uint8_t *buf;
  double next_send, end = 0.0;
  int c, fd, have_vm = 0;

  while ((c = getopt(argc, argv, "p:s:c:i:t:x:V:M:L:jqh")) != -1) {
    long v;

    switch (c) {
      case 'p':
        if (!parse_long(optarg, 1, 65535, &v)) {
          fprintf(stderr, "ntpprobe: bad port %s\n", optarg);
          return 2;
        }
        opt.port = (int)v;
        break;
      case 's':
        opt.src = optarg;
        break;
      case 'c':
        if (!parse_long(optarg, 1, MAX_COUNT, &opt.count)) {
          fprintf(stderr, "ntpprobe: bad count %s (1-%d)\n", optarg, MAX_COUNT);
          return 2;
        }
        break;
      case 'i':
        if (!parse_double(optarg, 0.0, 60.0, &opt.interval)) {
          fprintf(stderr, "ntpprobe: bad interval %s (0-60 s)\n", optarg);
          return 2;
        }
        break;
      case 't':
        if (!parse_double(optarg, 0.0, 60.0, &opt.timeout)) {
          fprintf(stderr, "ntpprobe: bad timeout %s (0-60 s)\n", optarg);
          return 2;
        }
        break;
      case 'x':
        free(opt.raw); /* the last -x wins */
        opt.raw = NULL;
        if (!parse_hex(optarg)) {
          fprintf(stderr, "ntpprobe: bad hex bytes (at most %d)\n", MAX_DGRAM);
          return 2;
        }
        break;
      case 'V':
        if (!parse_long(optarg, 0, 7, &v)) {
          fprintf(stderr, "ntpprobe: bad version %s (0-7)\n", optarg);
          return 2;
        }
        opt.version = (int)v;
        have_vm = 1;
        break;
      case 'M':
        if (!parse_long(optarg, 0, 7, &v)) {
          fprintf(stderr, "ntpprobe: bad mode %s (0-7)\n", optarg);
          return 2;
        }
        opt.mode = (int)v;
        have_vm = 1;
        break;
      case 'L':
        if (!parse_long(optarg, 0, MAX_DGRAM, &opt.length)) {
          fprintf(stderr, "ntpprobe: bad length %s (0-%d)\n", optarg, MAX_DGRAM);
          return 2;
        }
        have_vm = 1;
        break;
      case 'j':
        opt.json = 1;
        break;
      case 'q':
        opt.quiet = 1;
        break;
      default:
        usage();
        return c == 'h' ? 0 : 2;
    }
  }
  if (opt.raw && have_vm) {
    fprintf(stderr, "ntpprobe: -x excludes -V, -M and -L\n");
    return 2;
  }
  if (optind != argc - 1) {
    usage();
    return 2;
  }
  opt.host = argv[optind];
  if (opt.count > 1 && opt.interval * (double)opt.count > 600.0) {
    fprintf(stderr, "ntpprobe: count x interval longer than 600 s\n");
    return 2;
  }

  memset(&dst, 0, sizeof dst);
  {
    struct sockaddr_in *d4 = (struct sockaddr_in *)&dst;
    struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&dst;

    if (inet_pton(AF_INET, opt.host, &d4->sin_addr) == 1) {
      d4->sin_family = AF_INET;
      d4->sin_port = htons((uint16_t)opt.port);
      dst_len = sizeof *d4;
    } else if (inet_pton(AF_INET6, opt.host, &d6->sin6_addr) == 1) {
      d6->sin6_family = AF_INET6;
      d6->sin6_port = htons((uint16_t)opt.port);
      dst_len = sizeof *d6;
    } else {
      fprintf(stderr, "ntpprobe: %s is not a numeric IPv4 or IPv6 address\n", opt.host);
      return 2;
    }
  }
  if (opt.src) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&src;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&src;

    memset(&src, 0, sizeof src);
    if (dst.ss_family == AF_INET && inet_pton(AF_INET, opt.src, &s4->sin_addr) == 1) {
      s4->sin_family = AF_INET;
      src_len = sizeof *s4;
    } else if (dst.ss_family == AF_INET6 && inet_pton(AF_INET6, opt.src, &s6->sin6_addr) == 1) {
      s6->sin6_family = AF_INET6;
      src_len = sizeof *s6;
    } else {
      fprintf(stderr, "ntpprobe: source %s is not an address of the host's family\n", opt.src);
      return 2;
    }
  }

  fd = socket(dst.ss_family, SOCK_DGRAM, 0);
  if (fd < 0) {
    perror("ntpprobe: socket");
    return 2;
  }
  if (src_len && bind(fd, (struct sockaddr *)&src, src_len) < 0) {
    fprintf(stderr, "ntpprobe: bind %s: %s\n", opt.src, strerror(errno));
    return 2;
  }

  buf = malloc(MAX_DGRAM + 1);
  sent_tx = calloc((size_t)opt.count, sizeof *sent_tx);
  sent_t1 = calloc((size_t)opt.count, sizeof *sent_t1);
  answered = calloc((size_t)opt.count, 1);
  detail = calloc(MAX_DETAIL, sizeof *detail);
  if (!buf || !sent_tx || !sent_t1 || !answered || !detail) {
    fprintf(stderr, "ntpprobe: out of memory\n");
    return 2;
  }

  next_send = now_mono();
  for (;;) {
    double now = now_mono(), wait;
    struct pollfd pfd;

    if (n_sent < opt.count && now >= next_send) {
      uint64_t tx;
      size_t len = build_request(buf, MAX_DGRAM, &tx);

      /* T1 before the send: on loopback the server's receive timestamp is taken inside
         our sendto(). */
      sent_t1[n_sent] = now_ntp();
      if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst, dst_len) < 0) {
        send_errors++;
        if (!opt.quiet && !opt.json) {
          printf("send %ld error: %s\n", n_sent + 1, strerror(errno));
        }
      }
      if (len > req_len_max) {
        req_len_max = len;
      }
      sent_tx[n_sent++] = tx;
      next_send += opt.interval;
      if (n_sent == opt.count) {
        end = now_mono() + opt.timeout;
      }
      continue;
    }
    if (n_sent == opt.count) {
      long outstanding = 0;

      for (long i = 0; i < n_sent; i++) {
        outstanding += !answered[i];
      }
      if (now >= end || outstanding == 0) {
        break;
      }
      wait = end - now;
    } else {
      wait = next_send - now;
    }
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, (int)(wait * 1000.0) + 1) <= 0 || !(pfd.revents & POLLIN)) {
      continue;
    }
    {
      struct sockaddr_storage from;
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom(fd, buf, MAX_DGRAM + 1, MSG_DONTWAIT, (struct sockaddr *)&from,
                           &from_len);
      uint64_t t4 = now_ntp();
      Reply r;
      char addr[INET6_ADDRSTRLEN], refid_s[32];
      int port;

      if (n < 0) {
        continue;
      }
      memset(&r, 0, sizeof r);
      if (from.ss_family == AF_INET6) {
        const struct sockaddr_in6 *f6 = (const struct sockaddr_in6 *)&from;

        inet_ntop(AF_INET6, &f6->sin6_addr, addr, sizeof addr);
        port = ntohs(f6->sin6_port);
      } else {
        const struct sockaddr_in *f4 = (const struct sockaddr_in *)&from;

        inet_ntop(AF_INET, &f4->sin_addr, addr, sizeof addr);
        port = ntohs(f4->sin_port);
      }
      snprintf(r.from, sizeof r.from, "%s:%d", addr, port);
      if (port != opt.port) {
        /* Not from the server's port: not a reply to us. */
        stray++;
        continue;
      }
      r.len = (size_t)n;
      r.li = r.vn = r.mode = r.stratum = -1;
      if (n >= 1) {
        r.li = buf[0] >> 6;
        r.vn = buf[0] >> 3 & 7;
        r.mode = buf[0] & 7;
        mode_counts[r.mode]++;
      }
      if (n >= 2) {
        r.stratum = buf[1];
      }
      if (n >= 16) {
        r.refid = (uint32_t)buf[12] << 24 | (uint32_t)buf[13] << 16 | (uint32_t)buf[14] << 8 |
                  buf[15];
      }
      if (n >= HDR_LEN) {
        uint64_t orig = get_be64(buf + 24);

        for (long i = 0; i < n_sent; i++) {
          if (sent_tx[i] == orig && orig != 0 && !answered[i]) {
            uint64_t t2 = get_be64(buf + 32), t3 = get_be64(buf + 40);

            answered[i] = 1;
            r.origin_ok = 1;
            r.have_times = 1;
            r.offset = (ntp_diff(t2, sent_t1[i]) + ntp_diff(t3, t4)) / 2.0;
            r.delay = ntp_diff(t4, sent_t1[i]) - ntp_diff(t3, t2);
            break;
          }
        }
      }
      replies++;
      origin_ok += r.origin_ok;
      origin_bad += !r.origin_ok;
      if (r.len > maxlen) {
        maxlen = r.len;
      }
      if (r.len > req_len_max) {
        longer++;
      }
      if (is_kod(&r)) {
        kod++;
        kod_rate += r.refid == 0x52415445u; /* "RATE" */
      }
      if (n_detail < MAX_DETAIL) {
        detail[n_detail++] = r;
      }
      if (!opt.json && !opt.quiet) {
        format_refid(r.refid, r.stratum, refid_s, sizeof refid_s);
        printf("reply %ld from %s len %zu li %d vn %d mode %d stratum %d refid %s origin %s",
               replies, r.from, r.len, r.li, r.vn, r.mode, r.stratum, refid_s,
               r.origin_ok ? "match" : "MISMATCH");
        if (r.have_times) {
          printf(" offset %+.6f delay %.6f", r.offset, r.delay);
        }
        printf("%s\n", is_kod(&r) ? " kod" : "");
      }
    }
  }

  if (opt.json) {
    printf("{\"sent\": %ld, \"replies\": %ld, \"maxlen\": %zu, \"kod\": %ld, \"kod_rate\": %ld, "
           "\"origin_ok\": %ld, \"origin_bad\": %ld, \"longer\": %ld, \"request_len\": %zu, "
           "\"stray\": %ld, \"send_errors\": %ld, \"modes\": [",
           n_sent, replies, maxlen, kod, kod_rate, origin_ok, origin_bad, longer, req_len_max,
           stray, send_errors);
    for (int m = 0; m < 8; m++) {
      printf("%s%ld", m ? ", " : "", mode_counts[m]);
    }
    printf("], \"detail\": [");
    for (size_t i = 0; i < n_detail; i++) {
      char refid_s[32];
      const Reply *r = &detail[i];

      format_refid(r->refid, r->stratum, refid_s, sizeof refid_s);
      printf("%s{\"from\": ", i ? ", " : "");
      json_string(r->from);
      printf(", \"len\": %zu, \"li\": %d, \"vn\": %d, \"mode\": %d, \"stratum\": %d, "
             "\"refid\": %u, \"refid_str\": ", r->len, r->li, r->vn, r->mode, r->stratum,
             r->refid);
      json_string(refid_s);
      printf(", \"origin_ok\": %s, \"kod\": %s", r->origin_ok ? "true" : "false",
             is_kod(r) ? "true" : "false");
      if (r->have_times) {
        printf(", \"offset\": %.9f, \"delay\": %.9f", r->offset, r->delay);
      }
      printf("}");
    }
    printf("]}\n");
  } else {
    printf("sent %ld replies %ld maxlen %zu kod %ld\n", n_sent, replies, maxlen, kod);
  }
  close(fd);
  free(buf);
  free(sent_tx);
  free(sent_t1);
  free(answered);
  free(detail);
  free(opt.raw);
  return 0;
}
