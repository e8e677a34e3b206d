/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loadgen.c - NTP load generator for `make bench`.
 *
 * Keeps a bounded number of client requests (mode 3, version 4, 48 bytes) in flight from
 * many UDP sockets, optionally each bound to its own 127.x.y.z source address, for a bounded
 * time, and counts the replies whose origin timestamp echoes one of its requests
 * (RFC 5905 §8).  A request with no reply after a short expiry frees its slot (the server
 * dropped it or its socket buffer overflowed).  Prints the responses per second.
 *
 * It never changes the clock; it only sends to the address on its command line, and stops
 * by itself after at most 30 s.
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

#define MAX_SOCKETS 256
#define MAX_WINDOW 4096
#define MAX_DURATION 30.0
#define EXPIRY 0.2 /* seconds before an unanswered request is counted lost */
#define HDR_LEN 48

typedef struct {
  uint64_t tx;  /* our transmit timestamp, 0 when the slot is free */
  double sent;  /* monotonic send time */
} Slot;

typedef struct {
  int fd;
  int n_slots;
  Slot *slots;
} Sock;

static double now_mono(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(void)
{
  fprintf(stderr,
          "usage: loadgen -p PORT [-S NSOCKETS] [-d SECONDS] [-w WINDOW] [-A] [-j] HOST\n"
          "  -S  UDP sockets (default 64, max %d)\n"
          "  -d  duration in seconds (default 5, max %.0f)\n"
          "  -w  requests in flight over all sockets (default 256, max %d)\n"
          "  -A  bind socket i to its own source address 127.100.(i/250).(i%%250+1)\n"
          "  -j  print the result as JSON\n", MAX_SOCKETS, MAX_DURATION, MAX_WINDOW);
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

/* Transmit timestamps: a random 32-bit prefix per run and a counter, so every request
   in flight is unique and a stale reply to an earlier run cannot match. */
static uint64_t tx_prefix, tx_counter;

static uint64_t next_tx(void)
{
  return tx_prefix << 32 | (uint32_t)++tx_counter;
}

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

int main(int argc, char **argv)
{
  long port = 0, n_socks = 64, window = 256;
  double duration = 5.0;
  int many_addr = 0, json = 0, c;
  struct sockaddr_in dst;
  Sock *socks;
  struct pollfd *pfds;
  long sent = 0, replies = 0, lost = 0, bad = 0, send_fail = 0;
  double start, stop, elapsed;

  while ((c = getopt(argc, argv, "p:S:d:w:Ajh")) != -1) {
    long v;

    switch (c) {
      case 'p':
        if (!parse_long(optarg, 1, 65535, &port)) {
          fprintf(stderr, "loadgen: bad port %s\n", optarg);
          return 2;
        }
        break;
      case 'S':
        if (!parse_long(optarg, 1, MAX_SOCKETS, &n_socks)) {
          fprintf(stderr, "loadgen: bad socket count %s\n", optarg);
          return 2;
        }
        break;
      case 'd':
        if (!parse_long(optarg, 1, (long)MAX_DURATION, &v)) {
          fprintf(stderr, "loadgen: bad duration %s (1-%.0f s)\n", optarg, MAX_DURATION);
          return 2;
        }
        duration = (double)v;
        break;
      case 'w':
        if (!parse_long(optarg, 1, MAX_WINDOW, &window)) {
          fprintf(stderr, "loadgen: bad window %s\n", optarg);
          return 2;
        }
        break;
      case 'A':
        many_addr = 1;
        break;
      case 'j':
        json = 1;
        break;
      default:
        usage();
        return c == 'h' ? 0 : 2;
    }
  }
  if (optind != argc - 1 || port == 0) {
    usage();
    return 2;
  }
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  dst.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1) {
    fprintf(stderr, "loadgen: %s is not a numeric IPv4 address\n", argv[optind]);
    return 2;
  }
  if (window < n_socks) {
    n_socks = window;
  }

  {
    uint32_t r = 0;

    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
      r = (uint32_t)(now_mono() * 1e6);
    }
    tx_prefix = r | 1;
  }

  socks = calloc((size_t)n_socks, sizeof *socks);
  pfds = calloc((size_t)n_socks, sizeof *pfds);
  if (!socks || !pfds) {
    fprintf(stderr, "loadgen: out of memory\n");
    return 2;
  }
  for (long i = 0; i < n_socks; i++) {
    Sock *s = &socks[i];

    s->fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (s->fd < 0) {
      perror("loadgen: socket");
      return 2;
    }
    if (many_addr) {
      struct sockaddr_in src;
      char a[32];

      memset(&src, 0, sizeof src);
      src.sin_family = AF_INET;
      snprintf(a, sizeof a, "127.100.%ld.%ld", i / 250, i % 250 + 1);
      inet_pton(AF_INET, a, &src.sin_addr);
      if (bind(s->fd, (struct sockaddr *)&src, sizeof src) < 0) {
        fprintf(stderr, "loadgen: bind %s: %s\n", a, strerror(errno));
        return 2;
      }
    }
    /* Spread the window evenly; the first sockets take the remainder. */
    s->n_slots = (int)(window / n_socks + (i < window % n_socks));
    s->slots = calloc((size_t)s->n_slots, sizeof *s->slots);
    if (!s->slots) {
      fprintf(stderr, "loadgen: out of memory\n");
      return 2;
    }
    pfds[i].fd = s->fd;
    pfds[i].events = POLLIN;
  }

  start = now_mono();
  stop = start + duration;
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
          uint8_t req[HDR_LEN];

          /* An SNTP-style client request (RFC 4330 §5): LI 0, VN 4, mode 3. */
          memset(req, 0, sizeof req);
          req[0] = 4 << 3 | 3;
          sl->tx = next_tx();
          put_be64(req + 40, sl->tx);
          sl->sent = now;
          if (sendto(s->fd, req, sizeof req, MSG_DONTWAIT, (struct sockaddr *)&dst,
                     sizeof dst) < 0) {
            /* The slot stays taken until it expires, which throttles a failing sender. */
            send_fail++;
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
      break; /* cannot happen as slots expire, but keep the bound explicit */
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
        uint8_t buf[2048];
        ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
        uint64_t orig;
        int matched = 0;

        if (n < 0) {
          break;
        }
        if (n < HDR_LEN || (buf[0] & 7) != 4) {
          bad++;
          continue;
        }
        orig = get_be64(buf + 24);
        for (int k = 0; k < s->n_slots; k++) {
          if (s->slots[k].tx == orig && orig != 0) {
            s->slots[k].tx = 0;
            matched = 1;
            break;
          }
        }
        if (matched) {
          replies++;
        } else {
          bad++; /* late (already expired) or forged */
        }
      }
    }
  }
  elapsed = now_mono() - start;
  if (elapsed > duration) {
    elapsed = duration; /* the drain after the stop sends nothing new */
  }

  if (json) {
    printf("{\"sent\": %ld, \"replies\": %ld, \"lost\": %ld, \"bad\": %ld, \"send_fail\": %ld, "
           "\"seconds\": %.3f, \"rate\": %.1f}\n", sent, replies, lost, bad, send_fail, elapsed,
           replies / elapsed);
  } else {
    printf("sent %ld replies %ld lost %ld bad %ld send_fail %ld seconds %.3f rate %.1f/s\n",
           sent, replies, lost, bad, send_fail, elapsed, replies / elapsed);
  }
  for (long i = 0; i < n_socks; i++) {
    close(socks[i].fd);
    free(socks[i].slots);
  }
  free(socks);
  free(pfds);
  return 0;
}
