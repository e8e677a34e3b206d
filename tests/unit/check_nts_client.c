/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_nts_client.c - the NTS client (nts_client.c, RFC 8915 §5) against our own NTS
 * server code (NSV_HandleRequest with a cookie store): requests the server authenticates,
 * the jar refilled through placeholders, responses accepted only with our UID, origin and
 * a valid S2C authenticator (stripped, forged, replayed and bit-flipped responses are
 * dropped and counted), NAKs matched by UID and origin, and the dump text.
 */
#include <check.h>
#include <string.h>

#include "addrfilt.h"
#include "clientlog.h"
#include "nts_client.h"
#include "nts_cookie.h"
#include "nts_ef.h"
#include "ntp_server.h"
#include "ntp_wire.h"
#include "suites.h"

static ADF_Table *acl;
static CLG_Table *clg;
static NSV_Server *srv;
static NCK_Store *keys;
static NTC_Client *cli;
static NSV_RefState ref;
static uint8_t c2s[32], s2c[32];
static uint8_t req[NTC_MAX_REQUEST], resp[NTC_MAX_REQUEST + 64];
static size_t req_len, resp_len;
static unsigned rnd_counter;

static void setup(void)
{
  IPAddr any;
  CLG_RateParams p;
  uint8_t seed[32], rnd[36];
  uint8_t cookies[8][NCK_COOKIE_LEN];
  const uint8_t *ptrs[8];
  size_t lens[8];
  NCK_Key k;
  int i;

  memset(&any, 0, sizeof(any));
  acl = ADF_Create();
  ck_assert_int_eq(ADF_AddRule(acl, &any, 0, 1, 0), 1);
  memset(&p, 0, sizeof(p));
  clg = CLG_Create(65536, &p, 99);
  srv = NSV_Create(acl, clg);
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

  /* What an NTS-KE would give: keys and 8 cookies sealed by the server. */
  memset(c2s, 0x13, sizeof(c2s));
  memset(s2c, 0x31, sizeof(s2c));
  for (i = 0; i < 8; i++) {
    ck_assert_uint_eq(NCK_Seal(keys, c2s, s2c, cookies[i], NCK_COOKIE_LEN), NCK_COOKIE_LEN);
    ptrs[i] = cookies[i];
    lens[i] = NCK_COOKIE_LEN;
  }
  cli = NTC_Create();
  ck_assert_ptr_nonnull(cli);
  ck_assert_int_eq(NTC_SetKeys(cli, c2s, s2c, ptrs, lens, 8), 8);
}

static void teardown(void)
{
  NTC_Destroy(cli);
  NSV_Destroy(srv);
  NCK_Destroy(keys);
  CLG_Destroy(clg);
  ADF_Destroy(acl);
}

/* A plain client request with transmit timestamp `tx` and its NTS form. */
static size_t make_request(uint64_t tx)
{
  uint8_t plain[48], rnd[NTC_RANDOM_LEN];
  int i;

  memset(plain, 0, sizeof(plain));
  plain[0] = 0x23; /* LI 0, VN 4, mode 3 */
  for (i = 0; i < 8; i++) {
    plain[40 + i] = (uint8_t)(tx >> (56 - 8 * i));
  }
  rnd_counter++;
  for (i = 0; i < NTC_RANDOM_LEN; i++) {
    rnd[i] = (uint8_t)(rnd_counter * 31 + i);
  }
  req_len = NTC_WrapRequest(cli, plain, sizeof(plain), rnd, req, sizeof(req));
  return req_len;
}

static NSV_Result serve(void)
{
  IPAddr a;
  struct timespec rx = {1700000100, 0}, tx = {1700000100, 1000}, mono = {100, 0};

  memset(&a, 0, sizeof(a));
  a.family = ADDR_INET4;
  a.addr[0] = 127;
  a.addr[3] = 1;
  return NSV_HandleRequest(srv, &a, req, req_len, &rx, &tx, &mono, &ref, 777, resp,
                           sizeof(resp), &resp_len);
}

START_TEST(test_round_trip)
{
  NTC_Stats st;
  int i;

  /* Twenty exchanges: every request authenticated by the server, every response by us,
     and the jar stays full (each response brings back the cookie used). */
  for (i = 0; i < 20; i++) {
    ck_assert_uint_gt(make_request(0x1122334455667700ull + (uint64_t)i), 0);
    ck_assert_int_eq(serve(), NSV_REPLY_NTS);
    ck_assert_uint_eq(resp_len, req_len);
    ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_OK);
    /* The same response again: no request in flight any more. */
    ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_STALE);
  }
  NTC_GetStats(cli, &st);
  ck_assert_int_eq(st.n_cookies, 8);
  ck_assert_int_eq(st.cookie_len, NCK_COOKIE_LEN);
  ck_assert_uint_eq(st.authenticated, 20);
  ck_assert_uint_eq(st.auth_failures, 0);
  ck_assert_uint_eq(NSV_GetStats(srv)->nts_replied, 20);
}
END_TEST

START_TEST(test_placeholders_refill)
{
  NTC_Stats st;
  int i;

  /* Use up 5 cookies with lost responses: 3 left. */
  ck_assert_uint_eq(make_request(100), 228);   /* 7 left: no placeholder needed */
  ck_assert_uint_eq(make_request(101), 228 + 104); /* 6 left: one placeholder */
  for (i = 2; i < 5; i++) {
    ck_assert_uint_gt(make_request(100 + (uint64_t)i), 228);
  }
  NTC_GetStats(cli, &st);
  ck_assert_int_eq(st.n_cookies, 3);
  /* The next request takes one (2 left) and asks for 5 more with placeholders: 228 + 5 x 104. */
  ck_assert_uint_eq(make_request(200), 228 + 5 * 104);
  ck_assert_int_eq(serve(), NSV_REPLY_NTS);
  ck_assert_uint_eq(resp_len, req_len);
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_OK);
  NTC_GetStats(cli, &st);
  ck_assert_int_eq(st.n_cookies, 8);
}
END_TEST

START_TEST(test_empty_jar)
{
  int i;

  for (i = 0; i < 8; i++) {
    ck_assert_uint_gt(make_request(300 + (uint64_t)i), 0);
  }
  ck_assert_int_eq(NTC_Ready(cli), 0);
  ck_assert_uint_eq(make_request(400), 0);
  NTC_Clear(cli);
  ck_assert_uint_eq(make_request(401), 0);
}
END_TEST

START_TEST(test_stripped_and_forged)
{
  uint8_t copy[sizeof(resp)];
  size_t i;
  NTC_Stats st;

  ck_assert_uint_gt(make_request(0xabcdef), 0);
  ck_assert_int_eq(serve(), NSV_REPLY_NTS);
  memcpy(copy, resp, resp_len);
  /* Stripped to a plain 48-byte response (a downgrade attempt): dropped. */
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, 48, NULL), NTC_UNAUTH);
  /* Every single-bit flip anywhere: dropped. */
  for (i = 0; i < resp_len * 8; i += 7) {
    memcpy(resp, copy, resp_len);
    resp[i / 8] ^= (uint8_t)(1u << (i % 8));
    ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_UNAUTH);
  }
  /* A plain KoD (RATE) from an attacker: dropped. */
  memcpy(resp, copy, 48);
  resp[1] = 0;
  memcpy(resp + 12, "RATE", 4);
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, 48, NULL), NTC_UNAUTH);
  /* The genuine one still passes afterwards. */
  memcpy(resp, copy, resp_len);
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_OK);
  NTC_GetStats(cli, &st);
  ck_assert_uint_ge(st.auth_failures, 2);
  ck_assert_uint_eq(st.authenticated, 1);
}
END_TEST

START_TEST(test_old_response_replayed)
{
  uint8_t old[sizeof(resp)];
  size_t old_len;

  ck_assert_uint_gt(make_request(1), 0);
  ck_assert_int_eq(serve(), NSV_REPLY_NTS);
  memcpy(old, resp, resp_len);
  old_len = resp_len;
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_OK);
  /* A new request: the old (authentic) response has the wrong UID and origin. */
  ck_assert_uint_gt(make_request(2), 0);
  ck_assert_int_eq(NTC_CheckResponse(cli, old, old_len, NULL), NTC_UNAUTH);
}
END_TEST

START_TEST(test_nak)
{
  NTC_Stats st;
  uint8_t copy[sizeof(req)];

  ck_assert_uint_gt(make_request(0x5555), 0);
  /* Damage the cookie so the server cannot open it: it answers with a NAK. */
  memcpy(copy, req, req_len);
  req[48 + 36 + 4 + 10] ^= 1;
  ck_assert_int_eq(serve(), NSV_REPLY_NTS_NAK);
  ck_assert_uint_eq(resp_len, 84);
  /* A NAK whose origin does not match is not ours: dropped. */
  resp[24] ^= 1;
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_UNAUTH);
  resp[24] ^= 1;
  /* A NAK with another UID: dropped. */
  resp[48 + 4] ^= 1;
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_UNAUTH);
  resp[48 + 4] ^= 1;
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_NAK);
  NTC_GetStats(cli, &st);
  ck_assert_uint_eq(st.naks, 1);
  ck_assert_int_eq(st.n_cookies, 0);
  ck_assert_int_eq(NTC_Ready(cli), 0);
}
END_TEST

START_TEST(test_dump)
{
  char text[4096];
  size_t len;
  int64_t t = 0;
  int port = 0;
  NTC_Client *c2 = NTC_Create();

  char name[64];

  len = NTC_FormatDump(cli, 1700000000, 12423, "ntp1.example.net", text, sizeof(text));
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(NTC_ParseDump(c2, text, len, &t, &port, name, sizeof(name)), 8);
  ck_assert_int_eq(t, 1700000000);
  ck_assert_int_eq(port, 12423);
  ck_assert_str_eq(name, "ntp1.example.net");
  /* The reloaded client works against the server. */
  NTC_Destroy(cli);
  cli = c2;
  ck_assert_uint_gt(make_request(77), 0);
  ck_assert_int_eq(serve(), NSV_REPLY_NTS);
  ck_assert_int_eq(NTC_CheckResponse(cli, resp, resp_len, NULL), NTC_OK);
  /* Malformed dumps change nothing. */
  c2 = NTC_Create();
  ck_assert_int_eq(NTC_ParseDump(c2, "timed-nts-client 1\nport 5\n", 26, &t, &port, name,
                                 sizeof(name)), 0);
  ck_assert_int_eq(NTC_ParseDump(c2, text, len / 2, &t, &port, name, sizeof(name)), 0);
  ck_assert_int_eq(NTC_ParseDump(c2, "garbage", 7, &t, &port, name, sizeof(name)), 0);
  text[25] = 'x';
  ck_assert_int_eq(NTC_ParseDump(c2, text, len, &t, &port, name, sizeof(name)), 0);
  ck_assert_int_eq(NTC_Ready(c2), 0);
  NTC_Destroy(c2);
  /* Too small a buffer. */
  ck_assert_uint_eq(NTC_FormatDump(cli, 1, 123, "", text, 100), 0);
  /* No server line for none, nor for a name that would break the format. */
  len = NTC_FormatDump(cli, 1, 123, "a b", text, sizeof(text));
  ck_assert_ptr_null(strstr(text, "server"));
  c2 = NTC_Create();
  ck_assert_int_eq(NTC_ParseDump(c2, text, len, &t, &port, name, sizeof(name)), 8);
  ck_assert_str_eq(name, "");
  NTC_Destroy(c2);
}
END_TEST

Suite *nts_client_suite(void)
{
  Suite *s = suite_create("nts_client");
  TCase *tc = tcase_create("client");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_round_trip);
  tcase_add_test(tc, test_placeholders_refill);
  tcase_add_test(tc, test_empty_jar);
  tcase_add_test(tc, test_stripped_and_forged);
  tcase_add_test(tc, test_old_response_replayed);
  tcase_add_test(tc, test_nak);
  tcase_add_test(tc, test_dump);
  suite_add_tcase(s, tc);
  return s;
}
