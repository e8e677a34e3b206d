/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_nts_client.c - the NTS client's parsers of outside input (nts_client.c): server
 * responses (NTC_CheckResponse: UID, NAK, authenticator, new cookies) and the cookie dump
 * text read at start (NTC_ParseDump).  The first byte picks the parser.  For responses a
 * client with fixed keys has a fixed request in flight, so the seeds (genuine responses
 * and a NAK from our own server code to that request) reach the AEAD and the cookie
 * handling under mutation.  No I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nts_client.h"
#include "nts_cookie.h"

/* The fixed session of the fuzz client: keys 0x13/0x31, 8 cookies of 100 bytes sealed by
   a store with key 36 x 0x46 and seed 32 x 0x53 (as fuzz_nts.c's server), request UID and
   nonce bytes 0..47, transmit timestamp 0x0102030405060708. */
static NTC_Client *cli;
static uint8_t cookies[8][NCK_COOKIE_LEN];

static int init(void)
{
  uint8_t seed[32], rnd[36], c2s[32], s2c[32];
  NCK_Store *st;
  NCK_Key k;
  int i;

  if (cli) {
    return 1;
  }
  memset(seed, 0x53, sizeof(seed));
  memset(rnd, 0x46, sizeof(rnd));
  memset(c2s, 0x13, sizeof(c2s));
  memset(s2c, 0x31, sizeof(s2c));
  st = NCK_Create(seed);
  if (!st) {
    return 0;
  }
  NCK_KeyFromRandom(rnd, &k);
  if (NCK_AddKey(st, &k) < 0) {
    return 0;
  }
  for (i = 0; i < 8; i++) {
    if (NCK_Seal(st, c2s, s2c, cookies[i], NCK_COOKIE_LEN) != NCK_COOKIE_LEN) {
      return 0;
    }
  }
  NCK_Destroy(st);
  cli = NTC_Create();
  return cli != NULL;
}

/* Put the fixed request in flight; writes it to out (for the seed generator). */
size_t FUZZ_NtsClientRequest(uint8_t *out, size_t cap);
size_t FUZZ_NtsClientRequest(uint8_t *out, size_t cap)
{
  static const uint8_t c2s[32] = {[0 ... 31] = 0x13}, s2c[32] = {[0 ... 31] = 0x31};
  const uint8_t *ptrs[8];
  size_t lens[8], i;
  uint8_t plain[48], rnd[NTC_RANDOM_LEN];

  if (!init()) {
    abort();
  }
  for (i = 0; i < 8; i++) {
    ptrs[i] = cookies[i];
    lens[i] = NCK_COOKIE_LEN;
  }
  /* A jar of 8: the request carries the first cookie and no placeholder. */
  NTC_SetKeys(cli, c2s, s2c, ptrs, lens, 8);
  memset(plain, 0, sizeof(plain));
  plain[0] = 0x23;
  for (i = 0; i < 8; i++) {
    plain[40 + i] = (uint8_t)(i + 1);
  }
  for (i = 0; i < sizeof(rnd); i++) {
    rnd[i] = (uint8_t)i;
  }
  return NTC_WrapRequest(cli, plain, sizeof(plain), rnd, out, cap);
}

int FUZZ_NtsClient(const uint8_t *data, size_t len)
{
  static uint8_t req[NTC_MAX_REQUEST];
  NTC_Stats st;
  int64_t t;
  int port, n;
  char name[NKR_MAX_SERVER_LEN + 1];

  if (len == 0) {
    return 0;
  }
  if (data[0] == 'D') {
    if (!init()) {
      abort();
    }
    n = NTC_ParseDump(cli, (const char *)data + 1, len - 1, &t, &port, name, sizeof(name));
    NTC_GetStats(cli, &st);
    if (n < 0 || n > NTC_JAR_SIZE ||
        (n > 0 && (port < 1 || port > 65535 || st.n_cookies != n || strlen(name) > 255))) {
      abort();
    }
    return 0;
  }
  if (FUZZ_NtsClientRequest(req, sizeof(req)) == 0) {
    abort();
  }
  switch (NTC_CheckResponse(cli, data + 1, len - 1, NULL)) {
  case NTC_OK:
    NTC_GetStats(cli, &st);
    /* 7 left after the request; an authentic response adds at most 8, the jar keeps 8. */
    if (st.n_cookies < 7 || st.n_cookies > NTC_JAR_SIZE || st.cookie_len <= 0 ||
        st.cookie_len > NKR_MAX_COOKIE_LEN) {
      abort();
    }
    break;
  case NTC_NAK:
    if (NTC_Ready(cli)) {
      abort();
    }
    break;
  case NTC_UNAUTH:
  case NTC_STALE:
  default:
    break;
  }
  return 0;
}
