/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_nts_server.c - NTS on the NTP port through NSV_HandleRequest (RFC 8915 §5.7):
 * authenticated responses exactly as long as the request, NTS NAKs for cookies or
 * authenticators that fail, silent drops of malformed NTS and of NTS sent to a server
 * without NTS, and the counters behind `timectl serverstats`.
 */
#include <check.h>
#include <string.h>

#include "addrfilt.h"
#include "clientlog.h"
#include "nts_cookie.h"
#include "nts_ef.h"
#include "ntp_server.h"
#include "ntp_wire.h"
#include "suites.h"

static ADF_Table *acl;
static CLG_Table *clg;
static NSV_Server *srv;
static NCK_Store *keys;
static NSV_RefState ref;
static struct timespec rx_ts, tx_ts, mono;
static uint8_t req[1100], resp[1100], uid[32];
static uint8_t c2s[32], s2c[32];
static size_t resp_len;

static void setup_rate(int rate)
{
  IPAddr any;
  CLG_RateParams p;
  uint8_t seed[32], rnd[36];
  NCK_Key k;

  memset(&any, 0, sizeof(any));
  acl = ADF_Create();
  ck_assert_int_eq(ADF_AddRule(acl, &any, 0, 1, 0), 1);
  memset(&p, 0, sizeof(p));
  p.enabled = rate;
  p.interval = 3;
  p.burst = 2;
  p.leak = 0;
  p.kod = 1;
  clg = CLG_Create(65536, &p, 99);
  srv = NSV_Create(acl, clg);
  ck_assert_ptr_nonnull(srv);
  memset(seed, 9, sizeof(seed));
  keys = NCK_Create(seed);
  memset(rnd, 0x77, sizeof(rnd));
  NCK_KeyFromRandom(rnd, &k);
  ck_assert_int_eq(NCK_AddKey(keys, &k), 0);
  ck_assert_int_eq(NSV_SetNtsKeys(srv, keys), 0);

  memset(&ref, 0, sizeof(ref));
  ref.synchronised = 1;
  ref.stratum = 3;
  ref.precision = -20;
  ref.ref_id = 0x7f7f0101;
  ref.ref_time.tv_sec = 1700000000;
  rx_ts.tv_sec = 1700000100;
  tx_ts.tv_sec = 1700000100;
  tx_ts.tv_nsec = 1000;
  mono.tv_sec = 100;
  memset(c2s, 0x13, sizeof(c2s));
  memset(s2c, 0x31, sizeof(s2c));
}

static void setup(void)
{
  setup_rate(0);
}

static void teardown(void)
{
  NSV_Destroy(srv);
  NCK_Destroy(keys);
  CLG_Destroy(clg);
  ADF_Destroy(acl);
}

/* Build an NTS request with n_ph placeholders and a cookie sealed under store st. */
static size_t build(NCK_Store *st, size_t n_ph)
{
  uint8_t cookie[NCK_COOKIE_LEN], nonce[16];
  NCK_Siv *siv = NCK_SivCreate(c2s);
  size_t i, n;

  memset(req, 0, 48);
  req[0] = 0x23; /* LI 0, VN 4, mode 3 */
  req[3] = 0x20;
  for (i = 40; i < 48; i++) {
    req[i] = (uint8_t)(0x90 + i);
  }
  for (i = 0; i < 32; i++) {
    uid[i] = (uint8_t)(i * 5 + 1);
  }
  memset(nonce, 0x61, sizeof(nonce));
  ck_assert_uint_eq(NCK_Seal(st, c2s, s2c, cookie, sizeof(cookie)), NCK_COOKIE_LEN);
  n = NEF_BuildRequest(siv, c2s, uid, 32, cookie, sizeof(cookie), n_ph, nonce, req, 48,
                       sizeof(req));
  NCK_SivDestroy(siv);
  ck_assert_uint_gt(n, 0);
  return n;
}

static NSV_Result handle(size_t len)
{
  IPAddr a;

  ck_assert_int_eq(ADDR_Parse("127.0.0.1", &a), 1);
  memset(resp, 0xa5, sizeof(resp));
  resp_len = 0;
  return NSV_HandleRequest(srv, &a, req, len, &rx_ts, &tx_ts, &mono, &ref, 12345, resp,
                           sizeof(resp), &resp_len);
}

/* Every NTS request passing access rules, parsing, the mode check is accounted for. */
static void check_accounting(void)
{
  const NSV_Stats *st = NSV_GetStats(srv);

  ck_assert_uint_eq(st->received, st->replied + st->kod_sent + st->denied + st->malformed +
                                      st->bad_mode + st->rate_dropped + st->nts_replied +
                                      st->nts_naks + st->nts_dropped_disabled +
                                      st->nts_dropped_malformed + st->nts_dropped_other);
}

START_TEST(nts_response_same_length)
{
  static const size_t expect_len[] = {228, 332, 436, 540, 644, 748, 852, 956};
  uint8_t cookies[8][256];
  size_t lens[8], n, k, ph;
  NCK_Siv *siv = NCK_SivCreate(s2c);
  uint8_t x[32], y[32];

  for (ph = 0; ph <= 7; ph++) {
    n = build(keys, ph);
    ck_assert_uint_eq(n, expect_len[ph]);
    ck_assert_int_eq(handle(n), NSV_REPLY_NTS);
    ck_assert_uint_eq(resp_len, n);
    ck_assert_int_eq(resp[0], 0x24);       /* LI 0, VN 4, server */
    ck_assert_int_eq(resp[1], 3);          /* stratum */
    ck_assert_mem_eq(resp + 24, req + 40, 8); /* origin = request's transmit */
    /* UID echoed right after the header. */
    ck_assert_int_eq(resp[48], 0x01);
    ck_assert_int_eq(resp[49], 0x04);
    ck_assert_mem_eq(resp + 52, uid, 32);
    ck_assert_int_eq(NEF_CheckResponse(siv, s2c, uid, 32, resp, resp_len, &cookies[0][0], 256,
                                       lens, 8, &k), NEF_OK);
    ck_assert_uint_eq(k, ph + 1);
    ck_assert_int_eq(NCK_Open(keys, cookies[0], lens[0], x, y), NCK_OK);
    ck_assert_mem_eq(x, c2s, 32);
    ck_assert_mem_eq(y, s2c, 32);
  }
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_requests, 8);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_replied, 8);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_cookies, 36);
  ck_assert_uint_eq(NSV_GetStats(srv)->replied, 0);
  check_accounting();
  NCK_SivDestroy(siv);
}
END_TEST

static void check_nak(size_t n)
{
  ck_assert_int_eq(handle(n), NSV_REPLY_NTS_NAK);
  ck_assert_uint_eq(resp_len, 84);
  ck_assert_uint_le(resp_len, n);
  ck_assert_int_eq(resp[0] >> 6, 3);      /* LI alarm */
  ck_assert_int_eq(resp[0] & 7, 4);
  ck_assert_int_eq(resp[1], 0);           /* stratum 0: a kiss */
  ck_assert_mem_eq(resp + 12, "NTSN", 4);
  ck_assert_mem_eq(resp + 24, req + 40, 8);
  ck_assert_int_eq(resp[48], 0x01);
  ck_assert_int_eq(resp[49], 0x04);
  ck_assert_mem_eq(resp + 52, uid, 32);
}

START_TEST(nts_nak_unknown_key_and_bad_auth)
{
  NCK_Store *other;
  uint8_t seed[32], rnd[36];
  NCK_Key k;
  size_t n;

  /* A cookie from a server key we never had. */
  memset(seed, 1, sizeof(seed));
  other = NCK_Create(seed);
  memset(rnd, 0x01, sizeof(rnd));
  NCK_KeyFromRandom(rnd, &k);
  ck_assert_int_eq(NCK_AddKey(other, &k), 0);
  n = build(other, 0);
  check_nak(n);
  NCK_Destroy(other);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_nak_cookie, 1);

  /* A forged cookie body with our key id. */
  n = build(keys, 2);
  req[84 + 4 + 30] ^= 1;
  check_nak(n);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_nak_cookie, 2);

  /* A good cookie, but the header changed after the authenticator was made. */
  n = build(keys, 0);
  req[2] ^= 1;
  check_nak(n);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_nak_auth, 1);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_naks, 3);
  check_accounting();
}
END_TEST

START_TEST(nts_disabled_drops)
{
  size_t n = build(keys, 0);

  ck_assert_int_eq(NSV_SetNtsKeys(srv, NULL), 0);
  ck_assert_int_eq(handle(n), NSV_DROP_NTS);
  ck_assert_uint_eq(resp_len, 0);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_dropped_disabled, 1);
  /* A plain request is still answered. */
  ck_assert_int_eq(handle(48), NSV_REPLY);
  ck_assert_uint_eq(resp_len, 48);
  /* And NTS comes back when keys are given again. */
  ck_assert_int_eq(NSV_SetNtsKeys(srv, keys), 0);
  ck_assert_int_eq(handle(n), NSV_REPLY_NTS);
  check_accounting();
}
END_TEST

START_TEST(nts_malformed_dropped)
{
  size_t n = build(keys, 0);

  /* nonce length 4 */
  req[193] = 4;
  ck_assert_int_eq(handle(n), NSV_DROP_NTS);
  /* fields out of order: authenticator not last */
  n = build(keys, 0);
  memset(req + n, 0, 28);
  req[n] = 0x09;
  req[n + 3] = 28;
  ck_assert_int_eq(handle(n + 28), NSV_DROP_NTS);
  /* no UID */
  n = build(keys, 0);
  req[48] = 0x09;
  ck_assert_int_eq(handle(n), NSV_DROP_NTS);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_dropped_malformed, 3);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_replied, 0);
  check_accounting();
}
END_TEST

/* Cookies of the wrong size (a placeholder-sized huge one, a short one) are NAKed, and the
   NAK is never longer than the request. */
START_TEST(nts_odd_cookie_sizes)
{
  static const size_t sizes[] = {12, 96, 104, 500};
  uint8_t nonce[16];
  NCK_Siv *siv = NCK_SivCreate(c2s);
  size_t i, n, j;

  memset(nonce, 1, sizeof(nonce));
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    uint8_t cookie[512];

    memset(req, 0, 48);
    req[0] = 0x23;
    for (j = 0; j < 32; j++) {
      uid[j] = (uint8_t)(j * 5 + 1);
    }
    memset(cookie, 0x5c, sizeof(cookie));
    n = NEF_BuildRequest(siv, c2s, uid, 32, cookie, sizes[i], 0, nonce, req, 48, sizeof(req));
    ck_assert_uint_gt(n, 0);
    check_nak(n);
  }
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_nak_cookie, 4);
  ck_assert_uint_eq(NCK_GetStats(keys)->bad_length, 4);
  check_accounting();
  NCK_SivDestroy(siv);
}
END_TEST

/* Deterministic mutations of a valid request: never a crash, never a longer answer, and
   never an authenticated answer to a changed authenticated byte. */
START_TEST(nts_mutations_never_amplify)
{
  uint8_t orig[1100];
  size_t n = build(keys, 2), i, bit;
  NSV_Result r;

  memcpy(orig, req, n);
  for (i = 0; i < n; i++) {
    for (bit = 0; bit < 8; bit += 3) {
      memcpy(req, orig, n);
      req[i] ^= (uint8_t)(1u << bit);
      r = handle(n);
      if (r == NSV_REPLY || r == NSV_REPLY_KOD || r == NSV_REPLY_NTS || r == NSV_REPLY_NTS_NAK) {
        ck_assert_uint_le(resp_len, n);
      }
      /* Bytes 0..auth_offset are authenticated, and so are the nonce and ciphertext;
         only the padding of the placeholders (zeros, within the AD too) is not special. */
      ck_assert_int_ne(r, NSV_REPLY_NTS);
    }
  }
  for (i = 0; i < n; i += 7) {
    r = handle(i);
    ck_assert(r != NSV_REPLY_NTS);
  }
  check_accounting();
}
END_TEST

START_TEST(nts_rate_limited_not_kod)
{
  size_t n, i;
  NSV_Result r;
  int replies = 0, drops = 0;

  teardown();
  setup_rate(1);
  n = build(keys, 0);
  for (i = 0; i < 20; i++) {
    r = handle(n);
    ck_assert(r == NSV_REPLY_NTS || r == NSV_DROP_RATE);
    replies += r == NSV_REPLY_NTS;
    drops += r == NSV_DROP_RATE;
  }
  ck_assert_int_gt(replies, 0);
  ck_assert_int_gt(drops, 0);
  ck_assert_uint_eq(NSV_GetStats(srv)->kod_sent, 0);
  check_accounting();
}
END_TEST

Suite *nts_server_suite(void)
{
  Suite *s = suite_create("nts_server");
  TCase *tc = tcase_create("nts");

#ifdef FEAT_NTS /* without GnuTLS there is no AEAD and so no NTS to test */
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, nts_response_same_length);
  tcase_add_test(tc, nts_nak_unknown_key_and_bad_auth);
  tcase_add_test(tc, nts_disabled_drops);
  tcase_add_test(tc, nts_malformed_dropped);
  tcase_add_test(tc, nts_odd_cookie_sizes);
  tcase_add_test(tc, nts_mutations_never_amplify);
  tcase_add_test(tc, nts_rate_limited_not_kod);
#endif
  suite_add_tcase(s, tc);
  return s;
}
