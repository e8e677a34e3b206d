/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_server.c - unit tests of the NTP server's response logic (NSV_).
 *
 * Requests are built and replies read byte by byte here, independently of the packet
 * codec, so a codec mistake cannot hide a server mistake.  Covers the reply fields for
 * versions 1-4 and v1 mode 0, bit-exact origin echo, the unsynchronised and local-stratum
 * replies, dispersion growth, every mode that must not be answered (mode 6 READVAR and
 * mode 7 monlist included), response <= request for every length 48..1024, MAC ->
 * crypto-NAK, extension fields not echoed, RATE KoD fields, rate drops, denied sources,
 * and the counters for each case.  No I/O.
 */
#include <stdint.h>
#include <string.h>

#include "ntp_server.h"
#include "suites.h"

#define NTP_UNIX 2208988800u
#define TX_PATTERN 0xdeadbeef01234567ull

static uint32_t rd32(const uint8_t *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
  return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}

static void wr32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void wr64(uint8_t *p, uint64_t v)
{
  wr32(p, (uint32_t)(v >> 32));
  wr32(p + 4, (uint32_t)v);
}

/* A 48-byte request header as a client would send it. */
static void make_request(uint8_t *buf, int version, int mode, int8_t poll, uint64_t tx)
{
  memset(buf, 0, 48);
  buf[0] = (uint8_t)((0 << 6) | ((version & 7) << 3) | (mode & 7));
  buf[2] = (uint8_t)poll;
  buf[3] = (uint8_t)-20;
  wr64(buf + 40, tx);
}

/* Fixture: everything allowed, a client log with rate limiting off, a synchronised state. */
static ADF_Table *acl;
static CLG_Table *clg;
static NSV_Server *srv;
static NSV_RefState ref;
static struct timespec rx_ts, tx_ts, mono;
static uint8_t resp[1100];
static size_t resp_len;

static void make_server(int rate_enabled, int interval, int burst, int leak, int kod,
                        int with_log)
{
  IPAddr any;
  CLG_RateParams p;

  memset(&any, 0, sizeof(any));
  acl = ADF_Create();
  ck_assert_ptr_nonnull(acl);
  ck_assert_int_eq(ADF_AddRule(acl, &any, 0, 1, 0), 1);
  p.enabled = rate_enabled;
  p.interval = interval;
  p.burst = burst;
  p.leak = leak;
  p.kod = kod;
  clg = with_log ? CLG_Create(65536, &p, 99) : NULL;
  srv = NSV_Create(acl, clg);
  ck_assert_ptr_nonnull(srv);

  memset(&ref, 0, sizeof(ref));
  ref.synchronised = 1;
  ref.leap = 0;
  ref.stratum = 2;
  ref.precision = -24;
  ref.ref_id = 0xc0000201; /* 192.0.2.1 */
  ref.root_delay = 0.5;
  ref.root_dispersion = 0.001;
  ref.ref_time.tv_sec = 1700000000;
  ref.ref_time.tv_nsec = 0;
  rx_ts.tv_sec = 1700001000;
  rx_ts.tv_nsec = 500000000; /* fraction 0x80000000 exactly */
  tx_ts.tv_sec = 1700001000;
  tx_ts.tv_nsec = 750000000; /* fraction 0xc0000000 exactly */
  mono.tv_sec = 5000;
  mono.tv_nsec = 0;
}

static void setup(void)
{
  make_server(0, 3, 8, 2, 0, 1);
}

static void teardown(void)
{
  NSV_Destroy(srv);
  CLG_Destroy(clg);
  ADF_Destroy(acl);
  srv = NULL;
  clg = NULL;
  acl = NULL;
}

static NSV_Result handle_from(const char *from, const uint8_t *req, size_t len, uint32_t rnd)
{
  IPAddr a;

  ck_assert_int_eq(ADDR_Parse(from, &a), 1);
  resp_len = 12345;
  memset(resp, 0xa5, sizeof(resp));
  return NSV_HandleRequest(srv, &a, req, len, &rx_ts, &tx_ts, &mono, &ref, rnd, resp,
                           sizeof(resp), &resp_len);
}

static NSV_Result handle(const uint8_t *req, size_t len)
{
  return handle_from("192.0.2.55", req, len, 0xffffffffu);
}

/* Sum of the outcome counters, which must always equal `received`. */
static uint64_t outcomes(const NSV_Stats *st)
{
  return st->replied + st->kod_sent + st->denied + st->malformed + st->bad_mode +
         st->rate_dropped;
}

static void check_normal_reply(const uint8_t *req, int version)
{
  ck_assert_uint_eq(resp_len, 48);
  ck_assert_int_eq(resp[0] >> 6, 0);                   /* LI = ref leap */
  ck_assert_int_eq((resp[0] >> 3) & 7, version);      /* VN copied */
  ck_assert_int_eq(resp[0] & 7, 4);                    /* server */
  ck_assert_int_eq(resp[1], 2);                        /* stratum */
  ck_assert_int_eq((int8_t)resp[2], (int8_t)req[2]);   /* poll copied */
  ck_assert_int_eq((int8_t)resp[3], -24);              /* our precision */
  ck_assert_uint_eq(rd32(resp + 4), 0x8000);           /* root delay 0.5 s */
  ck_assert_uint_eq(rd32(resp + 12), 0xc0000201);      /* ref id */
  ck_assert_uint_eq(rd64(resp + 16), (uint64_t)(1700000000u + NTP_UNIX) << 32);
  ck_assert_uint_eq(rd64(resp + 24), rd64(req + 40)); /* origin = request transmit */
  ck_assert_uint_eq(rd64(resp + 32), ((uint64_t)(1700001000u + NTP_UNIX) << 32) | 0x80000000u);
  ck_assert_uint_eq(rd64(resp + 40), ((uint64_t)(1700001000u + NTP_UNIX) << 32) | 0xc0000000u);
  /* root dispersion = 0.001 + 15e-6 * 1000.75 s */
  {
    double disp = rd32(resp + 8) / 65536.0;
    ck_assert_double_eq_tol(disp, 0.001 + 15e-6 * 1000.75, 1.0 / 65536);
  }
}

START_TEST(test_reply_fields_each_version)
{
  uint8_t req[48];
  int v;

  for (v = 1; v <= 4; v++) {
    make_request(req, v, 3, (int8_t)(v + 3), TX_PATTERN + (uint64_t)v);
    ck_assert_int_eq(handle(req, sizeof(req)), NSV_REPLY);
    check_normal_reply(req, v);
  }
  ck_assert_uint_eq(NSV_GetStats(srv)->replied, 4);
  for (v = 1; v <= 4; v++) {
    ck_assert_uint_eq(NSV_GetStats(srv)->by_version[v], 1);
  }
  ck_assert_uint_eq(NSV_GetStats(srv)->by_mode[3], 4);
  ck_assert_uint_eq(NSV_GetStats(srv)->received, 4);
  ck_assert_uint_eq(outcomes(NSV_GetStats(srv)), 4);
}
END_TEST

START_TEST(test_leap_and_poll_passthrough)
{
  uint8_t req[48];
  int8_t polls[] = {-7, 0, 6, 17, 127, -128};
  size_t i;

  ref.leap = 1; /* leap second insertion announced */
  for (i = 0; i < sizeof(polls); i++) {
    make_request(req, 4, 3, polls[i], TX_PATTERN);
    ck_assert_int_eq(handle(req, 48), NSV_REPLY);
    ck_assert_int_eq(resp[0] >> 6, 1);
    ck_assert_int_eq((int8_t)resp[2], polls[i]);
  }
}
END_TEST

START_TEST(test_v1_mode0)
{
  uint8_t req[48];
  int v;

  make_request(req, 1, 0, 6, TX_PATTERN);
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  check_normal_reply(req, 1);
  ck_assert_int_eq(resp[0] & 7, 4);
  /* Mode 0 is a client request only in version 1. */
  for (v = 2; v <= 4; v++) {
    make_request(req, v, 0, 6, TX_PATTERN);
    ck_assert_int_eq(handle(req, 48), NSV_DROP_MODE);
    ck_assert_uint_eq(resp_len, 0);
  }
  ck_assert_uint_eq(NSV_GetStats(srv)->replied, 1);
  ck_assert_uint_eq(NSV_GetStats(srv)->bad_mode, 3);
  ck_assert_uint_eq(NSV_GetStats(srv)->by_mode[0], 4);
}
END_TEST

START_TEST(test_origin_bit_exact)
{
  uint64_t patterns[] = {0, 1, TX_PATTERN, 0xffffffffffffffffull, 0x8000000000000000ull,
                         0x00000000ffffffffull, 0x7fffffff80000001ull};
  uint8_t req[48];
  size_t i;

  for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
    make_request(req, 4, 3, 6, patterns[i]);
    ck_assert_int_eq(handle(req, 48), NSV_REPLY);
    ck_assert_int_eq(memcmp(resp + 24, req + 40, 8), 0);
  }
}
END_TEST

static void check_unsync_reply(const uint8_t *req)
{
  ck_assert_uint_eq(resp_len, 48);
  ck_assert_int_eq(resp[0] >> 6, 3);
  ck_assert_int_eq(resp[0] & 7, 4);
  ck_assert_int_eq(resp[1], 0);
  ck_assert_uint_eq(rd32(resp + 4), 0);
  ck_assert_uint_eq(rd32(resp + 8), 0);
  ck_assert_uint_eq(rd32(resp + 12), 0);
  ck_assert_uint_eq(rd64(resp + 16), 0);
  ck_assert_uint_eq(rd64(resp + 24), rd64(req + 40));
  ck_assert_uint_eq(rd64(resp + 32), ((uint64_t)(1700001000u + NTP_UNIX) << 32) | 0x80000000u);
  ck_assert_uint_eq(rd64(resp + 40), ((uint64_t)(1700001000u + NTP_UNIX) << 32) | 0xc0000000u);
}

START_TEST(test_unsynchronised_reply)
{
  uint8_t req[48];
  IPAddr a;

  make_request(req, 4, 3, 6, TX_PATTERN);
  ref.synchronised = 0;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  check_unsync_reply(req);
  ck_assert_int_eq((int8_t)resp[2], 6);
  ck_assert_int_eq((int8_t)resp[3], -24);

  /* A stratum a client would misread (0 = KoD, 16 = unsynchronised) is unsynchronised. */
  ref.synchronised = 1;
  ref.stratum = 0;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  check_unsync_reply(req);
  ref.stratum = 16;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  check_unsync_reply(req);
  ref.stratum = 2;
  ref.leap = 3;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  check_unsync_reply(req);

  /* No state at all. */
  ck_assert_int_eq(ADDR_Parse("192.0.2.55", &a), 1);
  ck_assert_int_eq(NSV_HandleRequest(srv, &a, req, 48, &rx_ts, &tx_ts, &mono, NULL, 0, resp,
                                     sizeof(resp), &resp_len),
                   NSV_REPLY);
  check_unsync_reply(req);
}
END_TEST

START_TEST(test_local_stratum_reply)
{
  uint8_t req[48];

  /* `local stratum 10`: synchronised to ourselves, ref id 127.127.1.1, no root distance. */
  ref.stratum = 10;
  ref.ref_id = 0x7f7f0101;
  ref.root_delay = 0;
  ref.root_dispersion = 0;
  ref.ref_time = tx_ts;
  make_request(req, 4, 3, 6, TX_PATTERN);
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  ck_assert_int_eq(resp[0] >> 6, 0);
  ck_assert_int_eq(resp[1], 10);
  ck_assert_uint_eq(rd32(resp + 12), 0x7f7f0101);
  ck_assert_uint_eq(rd32(resp + 4), 0);
  ck_assert_uint_eq(rd32(resp + 8), 0);
  ck_assert_uint_eq(rd64(resp + 16), rd64(resp + 40));
}
END_TEST

START_TEST(test_dispersion_growth)
{
  uint8_t req[48];
  uint32_t d0, d1, d2;

  make_request(req, 4, 3, 6, TX_PATTERN);
  ref.root_dispersion = 0.01;
  ref.ref_time = tx_ts;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  d0 = rd32(resp + 8);
  ck_assert_int_le(d0 > 655 ? d0 - 655 : 655 - d0, 1); /* 0.01 s */

  tx_ts.tv_sec += 1000;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  d1 = rd32(resp + 8);
  /* 15 ppm of 1000 s = 15 ms = 983 units of 2^-16 s */
  ck_assert_double_eq_tol((d1 - d0) / 65536.0, 0.015, 2.0 / 65536);

  tx_ts.tv_sec += 100000;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  d2 = rd32(resp + 8);
  ck_assert_double_eq_tol(d2 / 65536.0, 0.01 + 15e-6 * 101000, 2.0 / 65536);

  /* A reference time after the transmit time (clock stepped back) adds nothing. */
  ref.ref_time.tv_sec = tx_ts.tv_sec + 5000;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  ck_assert_int_le(rd32(resp + 8) > 655 ? rd32(resp + 8) - 655 : 655 - rd32(resp + 8), 1);

  /* Absurd values saturate instead of wrapping. */
  ref.root_dispersion = 1e9;
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  ck_assert_uint_eq(rd32(resp + 8), 0xffffffffu);
}
END_TEST

START_TEST(test_non_client_modes_dropped)
{
  uint8_t req[48];
  int v, m, calls = 0;

  for (v = 1; v <= 4; v++) {
    for (m = 0; m < 8; m++) {
      if (m == 3 || (m == 0 && v == 1)) {
        continue;
      }
      make_request(req, v, m, 6, TX_PATTERN);
      ck_assert_int_eq(handle(req, 48), NSV_DROP_MODE);
      ck_assert_uint_eq(resp_len, 0);
      calls++;
    }
  }
  ck_assert_uint_eq(NSV_GetStats(srv)->bad_mode, (uint64_t)calls);
  ck_assert_uint_eq(NSV_GetStats(srv)->replied, 0);
  ck_assert_uint_eq(NSV_GetStats(srv)->by_mode[6], 4);
  ck_assert_uint_eq(NSV_GetStats(srv)->by_mode[7], 4);
  ck_assert_uint_eq(NSV_GetStats(srv)->by_mode[4], 4);
  ck_assert_uint_eq(outcomes(NSV_GetStats(srv)), (uint64_t)calls);
  /* The rate limiter never saw them. */
  ck_assert_uint_eq(CLG_Count(clg), 0);
}
END_TEST

START_TEST(test_mode6_and_monlist)
{
  /* ntpq READVAR: version 2, mode 6, opcode 2, sequence 1; 12 bytes. */
  uint8_t readvar[48] = {0x16, 0x02, 0x00, 0x01};
  /* ntpdc monlist: version 2, mode 7, implementation 3 (XNTPD), request 42 (MON_GETLIST_1). */
  uint8_t monlist[192] = {0x17, 0x00, 0x03, 0x2a};
  const NSV_Stats *st = NSV_GetStats(srv);

  ck_assert_int_eq(handle(readvar, 12), NSV_DROP_MALFORMED);
  ck_assert_uint_eq(resp_len, 0);
  ck_assert_int_eq(handle(readvar, 48), NSV_DROP_MODE);
  ck_assert_uint_eq(resp_len, 0);
  ck_assert_int_eq(handle(monlist, 4), NSV_DROP_MALFORMED);
  ck_assert_int_eq(handle(monlist, 8), NSV_DROP_MALFORMED);
  ck_assert_int_eq(handle(monlist, 48), NSV_DROP_MODE);
  ck_assert_uint_eq(resp_len, 0);
  /* Any longer monlist is dropped one way or the other, never answered. */
  {
    size_t len;
    for (len = 49; len <= sizeof(monlist); len++) {
      NSV_Result r = handle(monlist, len);
      ck_assert(r == NSV_DROP_MODE || r == NSV_DROP_MALFORMED);
      ck_assert_uint_eq(resp_len, 0);
    }
  }
  ck_assert_uint_eq(st->replied, 0);
  ck_assert_uint_eq(st->kod_sent, 0);
  ck_assert_uint_ge(st->bad_mode, 2);
  ck_assert_uint_ge(st->malformed, 3);
  ck_assert_uint_eq(outcomes(st), st->received);
}
END_TEST

START_TEST(test_bad_versions_and_short)
{
  uint8_t req[48];
  int v;
  size_t len;
  IPAddr a;
  const NSV_Stats *st = NSV_GetStats(srv);

  for (v = 0; v < 8; v++) {
    if (v >= 1 && v <= 4) {
      continue;
    }
    make_request(req, v, 3, 6, TX_PATTERN);
    ck_assert_int_eq(handle(req, 48), NSV_DROP_MALFORMED);
    ck_assert_uint_eq(resp_len, 0);
    ck_assert_uint_eq(st->by_version[v], 1);
  }
  ck_assert_uint_eq(st->malformed, 4);
  make_request(req, 4, 3, 6, TX_PATTERN);
  for (len = 0; len < 48; len++) {
    ck_assert_int_eq(handle(req, len), NSV_DROP_MALFORMED);
    ck_assert_uint_eq(resp_len, 0);
  }
  ck_assert_uint_eq(st->malformed, 4 + 48);
  /* Short packets have no header to count by. */
  ck_assert_uint_eq(st->by_version[4], 0);
  ck_assert_int_eq(ADDR_Parse("192.0.2.55", &a), 1);
  ck_assert_int_eq(NSV_HandleRequest(srv, &a, NULL, 0, &rx_ts, &tx_ts, &mono, &ref, 0, resp,
                                     sizeof(resp), &resp_len),
                   NSV_DROP_MALFORMED);
  ck_assert_uint_eq(st->received, 4 + 48 + 1);
  ck_assert_uint_eq(outcomes(st), st->received);
}
END_TEST

/* Fill the bytes after the header in one of several ways. */
static void fill_tail(uint8_t *buf, size_t len, int how, uint32_t *rng)
{
  size_t i;

  switch (how) {
  case 0:
    memset(buf + 48, 0, len - 48);
    break;
  case 1:
    /* One extension field covering everything, if its length is representable. */
    memset(buf + 48, 0x11, len - 48);
    if (len - 48 >= 4) {
      buf[48] = 0x01;
      buf[49] = 0x04;
      buf[50] = (uint8_t)((len - 48) >> 8);
      buf[51] = (uint8_t)(len - 48);
    }
    break;
  default:
    for (i = 48; i < len; i++) {
      *rng ^= *rng << 13;
      *rng ^= *rng >> 17;
      *rng ^= *rng << 5;
      buf[i] = (uint8_t)*rng;
    }
    break;
  }
}

START_TEST(test_response_not_longer_than_request)
{
  static uint8_t req[1100];
  uint32_t rng = 0xc0ffee11u;
  size_t len;
  int v, how, replies = 0;
  const NSV_Stats *st = NSV_GetStats(srv);

  for (len = 48; len <= 1100; len++) {
    for (v = 1; v <= 4; v++) {
      for (how = 0; how < 3; how++) {
        NSV_Result r;
        make_request(req, v, 3, 6, TX_PATTERN);
        fill_tail(req, len, how, &rng);
        r = handle(req, len);
        if (r == NSV_REPLY || r == NSV_REPLY_KOD) {
          replies++;
          ck_assert_uint_le(resp_len, len);
          ck_assert(resp_len == 48 || resp_len == 52);
          ck_assert_uint_eq(rd64(resp + 24), TX_PATTERN);
        } else {
          ck_assert_uint_eq(resp_len, 0);
          ck_assert_int_eq(r, NSV_DROP_MALFORMED);
        }
        if (len > 1024) {
          ck_assert_int_eq(r, NSV_DROP_MALFORMED);
        } else if (v == 4 && how == 1 && (len - 48) % 4 == 0 && len - 48 >= 28) {
          /* A well-formed field: answered with a bare header. */
          ck_assert_int_eq(r, NSV_REPLY);
          ck_assert_uint_eq(resp_len, 48);
        } else if (len == 48 || (v < 4 && how == 0 && (len == 52 || len == 68 || len == 72))) {
          ck_assert_int_eq(r, NSV_REPLY);
        }
      }
    }
  }
  ck_assert_int_gt(replies, 4 * 3 + 3 * 3 + 244);
  ck_assert_uint_eq(outcomes(st), st->received);
}
END_TEST

START_TEST(test_mac_gets_crypto_nak)
{
  uint8_t req[48 + 68];
  size_t maclens[] = {20, 24, 36, 68};
  size_t i;
  int v;
  const NSV_Stats *st = NSV_GetStats(srv);
  uint64_t n = 0;

  for (v = 1; v <= 4; v++) {
    for (i = 0; i < sizeof(maclens) / sizeof(maclens[0]); i++) {
      make_request(req, v, 3, 6, TX_PATTERN);
      memset(req + 48, 0x5a, maclens[i]);
      wr32(req + 48, 7); /* key id 7 */
      ck_assert_int_eq(handle(req, 48 + maclens[i]), NSV_REPLY);
      ck_assert_uint_eq(resp_len, 52);
      ck_assert_uint_eq(rd32(resp + 48), 0); /* crypto-NAK: key id 0, no digest */
      ck_assert_uint_eq(rd64(resp + 24), TX_PATTERN);
      ck_assert_int_eq(resp[1], 2);
      n++;
    }
  }
  ck_assert_uint_eq(st->with_mac, n);
  ck_assert_uint_eq(st->with_ef, 0);

  /* A request that is itself a crypto-NAK: 52 bytes in, 52 out. */
  make_request(req, 4, 3, 6, TX_PATTERN);
  memset(req + 48, 0, 4);
  ck_assert_int_eq(handle(req, 52), NSV_REPLY);
  ck_assert_uint_eq(resp_len, 52);
}
END_TEST

START_TEST(test_extension_fields_not_echoed)
{
  uint8_t req[48 + 64];
  const NSV_Stats *st = NSV_GetStats(srv);

  /* One 28-byte field (the minimum for a last field without MAC, RFC 7822). */
  make_request(req, 4, 3, 6, TX_PATTERN);
  memset(req + 48, 0x77, 28);
  req[48] = 0x01;
  req[49] = 0x04;
  req[50] = 0;
  req[51] = 28;
  ck_assert_int_eq(handle(req, 48 + 28), NSV_REPLY);
  ck_assert_uint_eq(resp_len, 48);
  ck_assert_uint_eq(st->with_ef, 1);
  ck_assert_uint_eq(st->with_mac, 0);

  /* A 16-byte field followed by a 20-byte MAC: fields dropped, crypto-NAK sent. */
  memset(req + 48, 0, 16);
  req[48] = 0x02;
  req[49] = 0x04;
  req[51] = 16;
  memset(req + 64, 0x33, 20);
  ck_assert_int_eq(handle(req, 48 + 36), NSV_REPLY);
  ck_assert_uint_eq(resp_len, 52);
  ck_assert_uint_eq(rd32(resp + 48), 0);
  ck_assert_uint_eq(st->with_ef, 2);
  ck_assert_uint_eq(st->with_mac, 1);
}
END_TEST

START_TEST(test_kod_fields)
{
  uint8_t req[48 + 20];
  const NSV_Stats *st;

  teardown();
  make_server(1, 5, 1, 4, 1, 1);
  st = NSV_GetStats(srv);

  make_request(req, 4, 3, 3, TX_PATTERN);
  ck_assert_int_eq(handle_from("198.51.100.9", req, 48, 0xfff0ffffu), NSV_REPLY);
  /* Out of tokens, and the KoD bits are zero. */
  ck_assert_int_eq(handle_from("198.51.100.9", req, 48, 0xfff0ffffu), NSV_REPLY_KOD);
  ck_assert_uint_eq(resp_len, 48);
  ck_assert_int_eq(resp[0] >> 6, 3);
  ck_assert_int_eq((resp[0] >> 3) & 7, 4);
  ck_assert_int_eq(resp[0] & 7, 4);
  ck_assert_int_eq(resp[1], 0);
  ck_assert_int_eq(memcmp(resp + 12, "RATE", 4), 0);
  ck_assert_int_eq((int8_t)resp[2], 5); /* max(request poll 3, interval 5) */
  ck_assert_uint_eq(rd64(resp + 24), TX_PATTERN);
  ck_assert_uint_eq(rd64(resp + 32), ((uint64_t)(1700001000u + NTP_UNIX) << 32) | 0x80000000u);
  ck_assert_uint_eq(rd64(resp + 40), ((uint64_t)(1700001000u + NTP_UNIX) << 32) | 0xc0000000u);
  ck_assert_uint_eq(rd32(resp + 4), 0);
  ck_assert_uint_eq(rd32(resp + 8), 0);
  ck_assert_uint_eq(rd64(resp + 16), 0);

  /* A longer poll in the request is kept. */
  make_request(req, 3, 3, 9, TX_PATTERN + 1);
  ck_assert_int_eq(handle_from("198.51.100.9", req, 48, 0xfff0ffffu), NSV_REPLY_KOD);
  ck_assert_int_eq((int8_t)resp[2], 9);
  ck_assert_int_eq((resp[0] >> 3) & 7, 3);
  ck_assert_uint_eq(rd64(resp + 24), TX_PATTERN + 1);

  /* With a MAC the KoD stays 48 bytes. */
  make_request(req, 4, 3, 3, TX_PATTERN);
  memset(req + 48, 1, 20);
  ck_assert_int_eq(handle_from("198.51.100.9", req, 68, 0xfff0ffffu), NSV_REPLY_KOD);
  ck_assert_uint_eq(resp_len, 48);

  /* Neither leak nor KoD bits: silent drop. */
  ck_assert_int_eq(handle_from("198.51.100.9", req, 48, 0xffffffffu), NSV_DROP_RATE);
  ck_assert_uint_eq(resp_len, 0);
  /* Leak bits zero: a normal answer. */
  make_request(req, 4, 3, 3, TX_PATTERN);
  ck_assert_int_eq(handle_from("198.51.100.9", req, 48, 0xfffffff0u), NSV_REPLY);
  ck_assert_int_eq(resp[1], 2);

  ck_assert_uint_eq(st->kod_sent, 3);
  ck_assert_uint_eq(st->rate_dropped, 1);
  ck_assert_uint_eq(st->replied, 2);
  ck_assert_uint_eq(outcomes(st), st->received);

  /* Another client is not affected. */
  ck_assert_int_eq(handle_from("198.51.100.10", req, 48, 0xffffffffu), NSV_REPLY);
}
END_TEST

START_TEST(test_rate_limit_without_kod)
{
  uint8_t req[48];
  int i, replied = 0, dropped = 0;
  const NSV_Stats *st;
  uint32_t rng = 0x1234567u;

  teardown();
  make_server(1, 3, 4, 2, 0, 1);
  st = NSV_GetStats(srv);
  make_request(req, 4, 3, 6, TX_PATTERN);
  for (i = 0; i < 4000; i++) {
    NSV_Result r;
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    r = handle_from("203.0.113.5", req, 48, rng);
    ck_assert(r == NSV_REPLY || r == NSV_DROP_RATE);
    replied += r == NSV_REPLY;
    dropped += r == NSV_DROP_RATE;
  }
  /* burst 4 + about a quarter leaked */
  ck_assert_int_gt(replied, 4 + 3996 / 4 - 100);
  ck_assert_int_lt(replied, 4 + 3996 / 4 + 100);
  ck_assert_uint_eq(st->replied, (uint64_t)replied);
  ck_assert_uint_eq(st->rate_dropped, (uint64_t)dropped);
  ck_assert_uint_eq(st->kod_sent, 0);

  /* Time passing gives the client its answers back. */
  mono.tv_sec += 8;
  ck_assert_int_eq(handle_from("203.0.113.5", req, 48, 0xffffffffu), NSV_REPLY);
}
END_TEST

START_TEST(test_no_client_log)
{
  uint8_t req[48];
  int i;

  teardown();
  make_server(1, 3, 1, 4, 1, 0);
  make_request(req, 4, 3, 6, TX_PATTERN);
  for (i = 0; i < 100; i++) {
    ck_assert_int_eq(handle_from("203.0.113.5", req, 48, 0xffffffffu), NSV_REPLY);
  }
  ck_assert_uint_eq(NSV_GetStats(srv)->replied, 100);
}
END_TEST

START_TEST(test_denied_source)
{
  uint8_t req[48];
  IPAddr net;
  const NSV_Stats *st;

  teardown();
  make_server(1, 3, 8, 2, 0, 1);
  st = NSV_GetStats(srv);
  ck_assert_int_eq(ADDR_Parse("192.0.2.0", &net), 1);
  ck_assert_int_eq(ADF_AddRule(acl, &net, 24, 0, 0), 1);

  make_request(req, 4, 3, 6, TX_PATTERN);
  ck_assert_int_eq(handle_from("192.0.2.1", req, 48, 0), NSV_DROP_DENIED);
  ck_assert_uint_eq(resp_len, 0);
  ck_assert_int_eq(handle_from("::ffff:192.0.2.1", req, 48, 0), NSV_DROP_DENIED);
  /* Denied before anything else: even junk counts only as denied. */
  ck_assert_int_eq(handle_from("192.0.2.1", req, 3, 0), NSV_DROP_DENIED);
  ck_assert_uint_eq(st->denied, 3);
  ck_assert_uint_eq(st->malformed, 0);
  ck_assert_uint_eq(st->by_version[4], 0);
  ck_assert_uint_eq(CLG_Count(clg), 0);

  /* Neighbours are allowed; a mapped source is logged as the IPv4 host it is. */
  ck_assert_int_eq(handle_from("::ffff:192.0.3.1", req, 48, 0), NSV_REPLY);
  ck_assert_int_eq(handle_from("192.0.3.1", req, 48, 0), NSV_REPLY);
  ck_assert_uint_eq(CLG_Count(clg), 1);
  {
    CLG_ClientReport r;
    ck_assert_int_eq(CLG_GetClient(clg, 0, &mono, &r), 1);
    ck_assert_int_eq(r.addr.family, ADDR_INET4);
    ck_assert_uint_eq(r.ntp_hits, 2);
  }
  /* A NULL source is denied, not a crash. */
  ck_assert_int_eq(NSV_HandleRequest(srv, NULL, req, 48, &rx_ts, &tx_ts, &mono, &ref, 0, resp,
                                     sizeof(resp), &resp_len),
                   NSV_DROP_DENIED);
  ck_assert_uint_eq(st->denied, 4);
  ck_assert_uint_eq(outcomes(st), st->received);
}
END_TEST

START_TEST(test_default_deny_table)
{
  ADF_Table *empty = ADF_Create();
  NSV_Server *s = NSV_Create(empty, NULL);
  uint8_t req[48];
  IPAddr a;

  make_request(req, 4, 3, 6, TX_PATTERN);
  ck_assert_int_eq(ADDR_Parse("127.0.0.1", &a), 1);
  ck_assert_int_eq(NSV_HandleRequest(s, &a, req, 48, &rx_ts, &tx_ts, &mono, &ref, 0, resp,
                                     sizeof(resp), &resp_len),
                   NSV_DROP_DENIED);
  ck_assert_uint_eq(NSV_GetStats(s)->denied, 1);
  NSV_Destroy(s);
  ADF_Destroy(empty);
  ck_assert_ptr_null(NSV_Create(NULL, NULL));
}
END_TEST

START_TEST(test_own_reply_not_answered)
{
  /* Feeding a reply (or a KoD) back in must not produce another: no reply loops. */
  uint8_t req[48], back[64];
  size_t n;

  make_request(req, 4, 3, 6, TX_PATTERN);
  ck_assert_int_eq(handle(req, 48), NSV_REPLY);
  n = resp_len;
  memcpy(back, resp, n);
  ck_assert_int_eq(handle(back, n), NSV_DROP_MODE);
  ck_assert_uint_eq(resp_len, 0);
}
END_TEST

START_TEST(test_result_names)
{
  int i, j;

  for (i = 0; i < NSV_RESULT_COUNT; i++) {
    const char *a = NSV_ResultName((NSV_Result)i);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_gt((int)strlen(a), 1);
    for (j = 0; j < i; j++) {
      ck_assert_str_ne(a, NSV_ResultName((NSV_Result)j));
    }
  }
  ck_assert_str_eq(NSV_ResultName(NSV_RESULT_COUNT), "?");
}
END_TEST

Suite *server_suite(void)
{
  Suite *s = suite_create("server");
  TCase *tc = tcase_create("server");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_reply_fields_each_version);
  tcase_add_test(tc, test_leap_and_poll_passthrough);
  tcase_add_test(tc, test_v1_mode0);
  tcase_add_test(tc, test_origin_bit_exact);
  tcase_add_test(tc, test_unsynchronised_reply);
  tcase_add_test(tc, test_local_stratum_reply);
  tcase_add_test(tc, test_dispersion_growth);
  tcase_add_test(tc, test_non_client_modes_dropped);
  tcase_add_test(tc, test_mode6_and_monlist);
  tcase_add_test(tc, test_bad_versions_and_short);
  tcase_add_test(tc, test_response_not_longer_than_request);
  tcase_add_test(tc, test_mac_gets_crypto_nak);
  tcase_add_test(tc, test_extension_fields_not_echoed);
  tcase_add_test(tc, test_kod_fields);
  tcase_add_test(tc, test_rate_limit_without_kod);
  tcase_add_test(tc, test_no_client_log);
  tcase_add_test(tc, test_denied_source);
  tcase_add_test(tc, test_default_deny_table);
  tcase_add_test(tc, test_own_reply_not_answered);
  tcase_add_test(tc, test_result_names);
  suite_add_tcase(s, tc);
  return s;
}
