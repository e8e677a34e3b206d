/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_nts.c - fuzz entry points for the NTS parsers: NTS-KE records (nts_rec.c) and NTS
 * extension fields on the NTP port (nts_ef.c through NSV_HandleRequest).
 *
 * FUZZ_NtsRec parses the input as a KE request and as a KE response, and every prefix
 * length class the server sees while bytes trickle in.  FUZZ_NtsEf hands the input to an
 * NTS-enabled server whose cookie key is fixed (tests/fuzz/corpus/nts_ef/ seeds carry
 * cookies sealed under it, so mutations reach the AEAD), and to the client's response
 * checker.  Invariants (abort on violation): a complete message's length is the input's,
 * parsed cookies lie inside the input, and no response is longer than its request.
 * No I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "addrfilt.h"
#include "nts_cookie.h"
#include "nts_ef.h"
#include "nts_rec.h"
#include "ntp_server.h"

int FUZZ_NtsRec(const uint8_t *data, size_t len)
{
  NKR_Request rq;
  NKR_Response rs;
  NKR_Status st;
  int ec;
  size_t i;

  st = NKR_ParseRequest(data, len, &rq, &ec);
  if (st == NKR_OK && (rq.length != len || rq.n_records > NKR_MAX_RECORDS)) {
    abort();
  }
  if (ec != NKR_ERR_BAD_REQUEST && ec != NKR_ERR_UNRECOGNIZED_CRITICAL) {
    abort();
  }
  /* The server re-parses the growing buffer; a prefix of a valid message is never an
     error other than "need more". */
  if (st == NKR_OK) {
    for (i = 0; i < len; i++) {
      if (NKR_ParseRequest(data, i, &rq, &ec) != NKR_NEED_MORE) {
        abort();
      }
    }
  }
  st = NKR_ParseResponse(data, len, &rs);
  for (i = 0; i < rs.n_cookies; i++) {
    if (rs.cookies[i] < data || rs.cookies[i] + rs.cookie_len[i] > data + len ||
        rs.cookie_len[i] == 0 || rs.cookie_len[i] > NKR_MAX_COOKIE_LEN) {
      abort();
    }
  }
  if (st == NKR_OK && (rs.length != len || strlen(rs.server) > NKR_MAX_SERVER_LEN)) {
    abort();
  }
  return 0;
}

/* The fixed key of the fuzzing server: 36 bytes of 0x46 ("F"). */
static NSV_Server *server;
static NCK_Store *store;
static ADF_Table *acl;
static NCK_Siv *siv;

static int init(void)
{
  uint8_t seed[32], rnd[36];
  IPAddr any;
  NCK_Key k;

  if (server) {
    return 1;
  }
  memset(seed, 0x53, sizeof(seed));
  memset(rnd, 0x46, sizeof(rnd));
  memset(&any, 0, sizeof(any));
  store = NCK_Create(seed);
  acl = ADF_Create();
  if (!store || !acl || ADF_AddRule(acl, &any, 0, 1, 0) != 1) {
    return 0;
  }
  NCK_KeyFromRandom(rnd, &k);
  server = NSV_Create(acl, NULL);
  siv = NCK_SivCreate(rnd);
  if (!server || !siv || NCK_AddKey(store, &k) < 0 || NSV_SetNtsKeys(server, store) < 0) {
    return 0;
  }
  return 1;
}

int FUZZ_NtsEf(const uint8_t *data, size_t len)
{
  static uint8_t resp[NWR_MAX_PACKET + 64], cookies[8 * 256];
  struct timespec rx = {1700000000, 0}, tx = {1700000000, 1000}, mono = {10, 0};
  NSV_RefState ref;
  NSV_Result r;
  IPAddr from;
  size_t n = 0, lens[8], nc = 0, i;
  uint8_t key[32];

  if (!init()) {
    abort();
  }
  memset(&ref, 0, sizeof(ref));
  ref.synchronised = 1;
  ref.stratum = 2;
  ADDR_FromIPv4(0x7f000001, &from);
  r = NSV_HandleRequest(server, &from, data, len, &rx, &tx, &mono, &ref, 1, resp, sizeof(resp),
                        &n);
  if ((r == NSV_REPLY || r == NSV_REPLY_KOD || r == NSV_REPLY_NTS || r == NSV_REPLY_NTS_NAK) &&
      n > len) {
    abort();
  }
  /* The same bytes as a response to a client with some S2C key and the seed UID. */
  memset(key, 0x31, sizeof(key));
  memset(resp, 0, 32);
  for (i = 0; i < 32; i++) {
    resp[i] = (uint8_t)(i * 5 + 1);
  }
  if (NEF_CheckResponse(siv, key, resp, 32, data, len, cookies, 256, lens, 8, &nc) == NEF_OK) {
    for (i = 0; i < nc; i++) {
      if (lens[i] == 0 || lens[i] > 256) {
        abort();
      }
    }
  }
  return 0;
}
