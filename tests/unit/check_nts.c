/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_nts.c - unit tests of the NTS core: KE records (nts_rec), AES-SIV and cookies
 * (nts_cookie), and the NTS extension fields (nts_ef).  Known answers come from RFC 5297
 * / Nettle's testsuite (AES-SIV) and from real chronyd and NTPsec exchanges decoded in
 * the project's reference capture (KE request bytes, message and packet sizes).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts_cookie.h"
#include "nts_ef.h"
#include "nts_rec.h"
#include "ntp_wire.h"
#include "suites.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
  size_t n = 0;

  while (s[0] && s[1] && n < cap) {
    unsigned v;

    ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
    out[n++] = (uint8_t)v;
    s += 2;
  }
  return n;
}

/* ---- NTS-KE records ------------------------------------------------------------------ */

/* chronyd 4.3's (and our bench client's) request, from the capture. */
static const char *KE_REQ_CHRONY = "80010002000080040002000f80000000";
/* NTPsec 1.2.2 sends the AEAD record without the critical bit. */
static const char *KE_REQ_NTPSEC = "80010002000000040002000f80000000";

START_TEST(rec_capture_requests)
{
  uint8_t b[32];
  NKR_Request rq;
  int ec;
  size_t n;

  n = unhex(KE_REQ_CHRONY, b, sizeof(b));
  ck_assert_uint_eq(n, 16);
  ck_assert_int_eq(NKR_ParseRequest(b, n, &rq, &ec), NKR_OK);
  ck_assert(rq.ntpv4 && rq.aead15 && rq.has_aead);
  ck_assert_uint_eq(rq.n_records, 3);
  ck_assert_uint_eq(rq.length, 16);

  n = unhex(KE_REQ_NTPSEC, b, sizeof(b));
  ck_assert_int_eq(NKR_ParseRequest(b, n, &rq, &ec), NKR_OK);
  ck_assert(rq.ntpv4 && rq.aead15);

  /* Our own client request is byte for byte chronyd's. */
  {
    uint8_t mine[64];

    ck_assert_uint_eq(NKR_BuildRequest(mine, sizeof(mine), NULL, 0), 16);
    n = unhex(KE_REQ_CHRONY, b, sizeof(b));
    ck_assert_mem_eq(mine, b, 16);
  }
}
END_TEST

START_TEST(rec_every_prefix_needs_more)
{
  uint8_t b[32];
  NKR_Request rq;
  int ec;
  size_t n = unhex(KE_REQ_CHRONY, b, sizeof(b)), i;

  for (i = 0; i < n; i++) {
    ck_assert_int_eq(NKR_ParseRequest(b, i, &rq, &ec), NKR_NEED_MORE);
  }
}
END_TEST

static NKR_Status parse_hex_req(const char *hex, int *ec)
{
  uint8_t b[256];
  NKR_Request rq;
  size_t n = unhex(hex, b, sizeof(b));

  return NKR_ParseRequest(b, n, &rq, ec);
}

START_TEST(rec_bad_requests)
{
  int ec;

  /* unknown critical record -> Error 0 */
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f8123000080000000", &ec),
                   NKR_UNKNOWN_CRITICAL);
  ck_assert_int_eq(ec, NKR_ERR_UNRECOGNIZED_CRITICAL);
  /* unknown non-critical record is skipped */
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f0123000280ff80000000", &ec), NKR_OK);
  /* duplicate Next Protocol */
  ck_assert_int_eq(parse_hex_req("80010002000080010002000080040002000f80000000", &ec),
                   NKR_DUPLICATE);
  ck_assert_int_eq(ec, NKR_ERR_BAD_REQUEST);
  /* duplicate AEAD */
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f80040002000f80000000", &ec),
                   NKR_DUPLICATE);
  /* data after End of Message */
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f8000000000", &ec), NKR_AFTER_EOM);
  /* End of Message with a body */
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f800000020000", &ec), NKR_BAD_EOM);
  /* no Next Protocol */
  ck_assert_int_eq(parse_hex_req("80040002000f80000000", &ec), NKR_MISSING);
  /* NTPv4 without AEAD */
  ck_assert_int_eq(parse_hex_req("80010002000080000000", &ec), NKR_MISSING);
  /* odd-length protocol list */
  ck_assert_int_eq(parse_hex_req("8001000300000080040002000f80000000", &ec), NKR_BAD_LENGTH);
  /* Error / Warning records from a client */
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f80020002000180000000", &ec),
                   NKR_UNEXPECTED);
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f00030002000180000000", &ec),
                   NKR_UNEXPECTED);
  /* Port record of the wrong length */
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f0007000100", &ec), NKR_BAD_LENGTH);
  /* a record length beyond what arrived: not an error until the bound */
  ck_assert_int_eq(parse_hex_req("80010002000080040002000f8000ffff", &ec), NKR_NEED_MORE);
  /* length 0 records of known list types: empty lists are valid, no NTPv4 offered */
  ck_assert_int_eq(parse_hex_req("8001000080000000", &ec), NKR_OK);
}
END_TEST

START_TEST(rec_bounds)
{
  static uint8_t b[NKR_MAX_MESSAGE + 64];
  NKR_Request rq;
  int ec;
  size_t off = 0, i;

  /* Thousands of tiny non-critical records: refused after NKR_MAX_RECORDS. */
  for (i = 0; i < 1000; i++) {
    off = NKR_Append(b, off, sizeof(b), 0x1234, 0, NULL, 0);
    ck_assert_uint_ne(off, 0);
  }
  ck_assert_int_eq(NKR_ParseRequest(b, off, &rq, &ec), NKR_TOO_MANY);

  /* One huge record that never completes: refused once the bound is reached. */
  off = NKR_Append(b, 0, sizeof(b), 0x1234, 0, NULL, 0);
  b[off] = 0x01;
  b[off + 1] = 0x23;
  b[off + 2] = 0xff;
  b[off + 3] = 0xff;
  ck_assert_int_eq(NKR_ParseRequest(b, 100, &rq, &ec), NKR_NEED_MORE);
  ck_assert_int_eq(NKR_ParseRequest(b, NKR_MAX_MESSAGE, &rq, &ec), NKR_TOO_LONG);

  /* A complete record that ends beyond the bound. */
  off = NKR_Append(b, 0, sizeof(b), 0x1234, 0, b + 100, NKR_MAX_MESSAGE);
  ck_assert_uint_ne(off, 0);
  ck_assert_int_eq(NKR_ParseRequest(b, off, &rq, &ec), NKR_TOO_LONG);

  /* Writers refuse to overflow. */
  ck_assert_uint_eq(NKR_Append(b, 10, 13, 1, 1, NULL, 0), 0);
  ck_assert_uint_eq(NKR_BuildError(b, 7, 1), 0);
}
END_TEST

START_TEST(rec_response_sizes_match_capture)
{
  static uint8_t cookies[8 * 104], buf[2048];
  NKR_Response r;
  size_t n, i;

  for (i = 0; i < sizeof(cookies); i++) {
    cookies[i] = (uint8_t)(i * 7);
  }
  /* chronyd 4.3 on port 12423: 854 bytes with 8 cookies of 100 bytes. */
  n = NKR_BuildResponse(buf, sizeof(buf), NULL, 12423, cookies, 100, 8);
  ck_assert_uint_eq(n, 854);
  ck_assert_int_eq(NKR_ParseResponse(buf, n, &r), NKR_OK);
  ck_assert_int_eq(r.port, 12423);
  ck_assert_int_eq(r.proto, 0);
  ck_assert_int_eq(r.aead, 15);
  ck_assert_uint_eq(r.n_cookies, 8);
  for (i = 0; i < 8; i++) {
    ck_assert_uint_eq(r.cookie_len[i], 100);
    ck_assert_mem_eq(r.cookies[i], cookies + i * 100, 100);
  }
  /* The head of chronyd's response: 8001 0002 0000 | 8004 0002 000f | 8007 0002 3087. */
  {
    uint8_t head[18];

    unhex("80010002000080040002000f800700023087", head, sizeof(head));
    ck_assert_mem_eq(buf, head, 18);
    ck_assert_int_eq(buf[18], 0x00); /* New Cookie not critical */
    ck_assert_int_eq(buf[19], 0x05);
  }
  /* NTPsec 1.2.2 (port 123, no Port record): 880 bytes with 8 cookies of 104 bytes. */
  n = NKR_BuildResponse(buf, sizeof(buf), NULL, 0, cookies, 104, 8);
  ck_assert_uint_eq(n, 880);
  ck_assert_int_eq(NKR_ParseResponse(buf, n, &r), NKR_OK);
  ck_assert_int_eq(r.port, 0);
  ck_assert_str_eq(r.server, "");

  /* With a Server record. */
  n = NKR_BuildResponse(buf, sizeof(buf), "ntp1.example.net", 123, cookies, 100, 2);
  ck_assert_int_eq(NKR_ParseResponse(buf, n, &r), NKR_OK);
  ck_assert_str_eq(r.server, "ntp1.example.net");
  ck_assert_int_eq(r.port, 123);
  ck_assert_uint_eq(r.n_cookies, 2);

  /* Error responses are reported with their code. */
  n = NKR_BuildError(buf, sizeof(buf), NKR_ERR_BAD_REQUEST);
  ck_assert_uint_eq(n, 10);
  ck_assert_int_eq(NKR_ParseResponse(buf, n, &r), NKR_PEER_ERROR);
  ck_assert_int_eq(r.error, NKR_ERR_BAD_REQUEST);
}
END_TEST

START_TEST(rec_bad_responses)
{
  uint8_t b[256];
  NKR_Response r;
  size_t n;

  /* zero-length cookie */
  n = unhex("80010002000080040002000f0005000080000000", b, sizeof(b));
  ck_assert_int_eq(NKR_ParseResponse(b, n, &r), NKR_BAD_LENGTH);
  /* server chose another AEAD */
  n = unhex("800100020000800400020010000500020102" "80000000", b, sizeof(b));
  ck_assert_int_eq(NKR_ParseResponse(b, n, &r), NKR_MISSING);
  /* port 0 */
  n = unhex("80010002000080040002000f80070002000080000000", b, sizeof(b));
  ck_assert_int_eq(NKR_ParseResponse(b, n, &r), NKR_BAD_LENGTH);
  /* unknown critical */
  n = unhex("80010002000080040002000fc0000000", b, sizeof(b));
  ck_assert_int_eq(NKR_ParseResponse(b, n, &r), NKR_UNKNOWN_CRITICAL);
  /* truncated */
  n = unhex("80010002000080040002000f", b, sizeof(b));
  ck_assert_int_eq(NKR_ParseResponse(b, n, &r), NKR_NEED_MORE);
  ck_assert_str_eq(NKR_StatusName(NKR_TOO_MANY), "too-many-records");
  ck_assert_str_eq(NKR_StatusName((NKR_Status)99), "?");
}
END_TEST

/* ---- AES-SIV and cookies --------------------------------------------------------------- */

/* RFC 5297 A.1 key, AD and plaintext, with the one-byte nonce 02: Nettle's testsuite vector,
   also reproduced by pyca/cryptography's AESSIV with [AD, nonce]. */
START_TEST(siv_known_answer)
{
  uint8_t key[32], ad[24], pt[14], exp[30], out[64], back[64], nonce = 0x02;
  size_t plen = 0;
  NCK_Siv *siv;

  unhex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", key, 32);
  unhex("101112131415161718191a1b1c1d1e1f2021222324252627", ad, 24);
  unhex("112233445566778899aabbccddee", pt, 14);
  unhex("7300cd9b3f514a44ed660db614157f59f0382e23ae0e6e6227a03dd32619", exp, 30);
  siv = NCK_SivCreate(key);
  ck_assert_ptr_nonnull(siv);
  ck_assert_uint_eq(NCK_SivEncrypt(siv, &nonce, 1, ad, 24, pt, 14, out, sizeof(out)), 30);
  ck_assert_mem_eq(out, exp, 30);
  ck_assert_int_eq(NCK_SivDecrypt(siv, &nonce, 1, ad, 24, out, 30, back, sizeof(back), &plen), 1);
  ck_assert_uint_eq(plen, 14);
  ck_assert_mem_eq(back, pt, 14);
  /* Any flipped bit in tag, ciphertext, AD or nonce is refused. */
  out[0] ^= 1;
  ck_assert_int_eq(NCK_SivDecrypt(siv, &nonce, 1, ad, 24, out, 30, back, sizeof(back), &plen), 0);
  out[0] ^= 1;
  out[29] ^= 0x80;
  ck_assert_int_eq(NCK_SivDecrypt(siv, &nonce, 1, ad, 24, out, 30, back, sizeof(back), &plen), 0);
  out[29] ^= 0x80;
  ad[3] ^= 4;
  ck_assert_int_eq(NCK_SivDecrypt(siv, &nonce, 1, ad, 24, out, 30, back, sizeof(back), &plen), 0);
  ad[3] ^= 4;
  nonce = 3;
  ck_assert_int_eq(NCK_SivDecrypt(siv, &nonce, 1, ad, 24, out, 30, back, sizeof(back), &plen), 0);
  nonce = 2;
  /* Too short for a tag, or no room: refused without touching memory outside. */
  ck_assert_int_eq(NCK_SivDecrypt(siv, &nonce, 1, ad, 24, out, 15, back, sizeof(back), &plen), 0);
  ck_assert_uint_eq(NCK_SivEncrypt(siv, &nonce, 1, ad, 24, pt, 14, out, 29), 0);
  ck_assert_uint_eq(NCK_SivEncrypt(siv, &nonce, 0, ad, 24, pt, 14, out, 64), 0);
  /* Re-keying works in place. */
  key[0] ^= 1;
  ck_assert_int_eq(NCK_SivSetKey(siv, key), 0);
  ck_assert_uint_eq(NCK_SivEncrypt(siv, &nonce, 1, ad, 24, pt, 14, out, sizeof(out)), 30);
  ck_assert(memcmp(out, exp, 30) != 0);
  NCK_SivDestroy(siv);
}
END_TEST

static NCK_Store *store_with_keys(int n, uint8_t first)
{
  uint8_t seed[32], rnd[36];
  NCK_Key k;
  NCK_Store *st;
  int i;

  memset(seed, 0x5a, sizeof(seed));
  st = NCK_Create(seed);
  ck_assert_ptr_nonnull(st);
  for (i = 0; i < n; i++) {
    memset(rnd, first + i, sizeof(rnd));
    NCK_KeyFromRandom(rnd, &k);
    ck_assert_int_eq(NCK_AddKey(st, &k), 0);
  }
  return st;
}

START_TEST(cookie_roundtrip_and_tamper)
{
  NCK_Store *st = store_with_keys(1, 1);
  uint8_t c2s[32], s2c[32], a[32], b[32], cookie[NCK_COOKIE_LEN + 8];
  size_t i;

  for (i = 0; i < 32; i++) {
    c2s[i] = (uint8_t)i;
    s2c[i] = (uint8_t)(0x80 + i);
  }
  ck_assert_uint_eq(NCK_Seal(st, c2s, s2c, cookie, NCK_COOKIE_LEN - 1), 0);
  ck_assert_uint_eq(NCK_Seal(st, c2s, s2c, cookie, sizeof(cookie)), 100);
  ck_assert_int_eq(NCK_Open(st, cookie, 100, a, b), NCK_OK);
  ck_assert_mem_eq(a, c2s, 32);
  ck_assert_mem_eq(b, s2c, 32);
  /* The cookie does not carry the keys in clear. */
  for (i = 0; i + 32 <= 100; i++) {
    ck_assert(memcmp(cookie + i, c2s, 32) != 0);
    ck_assert(memcmp(cookie + i, s2c, 32) != 0);
  }
  /* Every single-byte change past the key id is refused as forged; in the key id as
     unknown. */
  for (i = 0; i < 100; i++) {
    cookie[i] ^= 0x40;
    ck_assert_int_eq(NCK_Open(st, cookie, 100, a, b), i < 4 ? NCK_ERR_KEY_ID : NCK_ERR_AUTH);
    cookie[i] ^= 0x40;
  }
  ck_assert_int_eq(NCK_Open(st, cookie, 99, a, b), NCK_ERR_LENGTH);
  ck_assert_int_eq(NCK_Open(st, cookie, 0, a, b), NCK_ERR_LENGTH);
  ck_assert_int_eq(NCK_Open(st, cookie, 104, a, b), NCK_ERR_LENGTH);
  ck_assert_uint_eq(NCK_GetStats(st)->sealed, 1);
  ck_assert_uint_eq(NCK_GetStats(st)->opened, 1);
  ck_assert_uint_eq(NCK_GetStats(st)->unknown_key, 4);
  ck_assert_uint_eq(NCK_GetStats(st)->bad_auth, 96);
  ck_assert_uint_eq(NCK_GetStats(st)->bad_length, 3);
  NCK_Destroy(st);

  /* No key yet: nothing can be sealed. */
  st = store_with_keys(0, 0);
  ck_assert_uint_eq(NCK_Seal(st, c2s, s2c, cookie, sizeof(cookie)), 0);
  NCK_Destroy(st);
}
END_TEST

START_TEST(cookie_rotation)
{
  NCK_Store *st = store_with_keys(1, 10);
  uint8_t k[32], c[4][NCK_COOKIE_LEN], rnd[36], x[32], y[32];
  NCK_Key key;
  int i;

  memset(k, 7, sizeof(k));
  for (i = 0; i < 4; i++) {
    ck_assert_uint_eq(NCK_Seal(st, k, k, c[i], NCK_COOKIE_LEN), NCK_COOKIE_LEN);
    memset(rnd, 20 + i, sizeof(rnd));
    NCK_KeyFromRandom(rnd, &key);
    ck_assert_int_eq(NCK_AddKey(st, &key), 0);
  }
  /* Four keys were current in turn, five were added, three are kept. */
  ck_assert_uint_eq(NCK_KeyCount(st), NCK_MAX_KEYS);
  ck_assert_int_eq(NCK_Open(st, c[0], NCK_COOKIE_LEN, x, y), NCK_ERR_KEY_ID);
  ck_assert_int_eq(NCK_Open(st, c[1], NCK_COOKIE_LEN, x, y), NCK_ERR_KEY_ID);
  ck_assert_int_eq(NCK_Open(st, c[2], NCK_COOKIE_LEN, x, y), NCK_OK);
  ck_assert_int_eq(NCK_Open(st, c[3], NCK_COOKIE_LEN, x, y), NCK_OK);
  /* Cookies carry the current key's id. */
  ck_assert_int_ne(memcmp(c[2], c[3], 4), 0);

  /* Re-adding a held id only makes it current; a clash of id with another key fails. */
  memset(rnd, 22, sizeof(rnd));
  NCK_KeyFromRandom(rnd, &key);
  ck_assert_int_eq(NCK_AddKey(st, &key), 0);
  ck_assert_uint_eq(NCK_KeyCount(st), NCK_MAX_KEYS);
  key.key[0] ^= 1;
  ck_assert_int_eq(NCK_AddKey(st, &key), -1);
  NCK_Destroy(st);
}
END_TEST

START_TEST(cookie_fleet_epochs)
{
  uint8_t secret[40], c2s[32], s2c[32], cookie[NCK_COOKIE_LEN], x[32], y[32];
  NCK_Key k1, k2, k3;
  NCK_Store *a, *b;

  memset(secret, 0x33, sizeof(secret));
  memset(c2s, 1, sizeof(c2s));
  memset(s2c, 2, sizeof(s2c));
  ck_assert_int_eq(NCK_DeriveEpochKey(secret, sizeof(secret), 1000, &k1), 0);
  ck_assert_int_eq(NCK_DeriveEpochKey(secret, sizeof(secret), 1000, &k2), 0);
  ck_assert_int_eq(NCK_DeriveEpochKey(secret, sizeof(secret), 1001, &k3), 0);
  ck_assert_uint_eq(k1.id, k2.id);
  ck_assert_mem_eq(k1.key, k2.key, 32);
  ck_assert_uint_ne(k1.id, k3.id);
  ck_assert(memcmp(k1.key, k3.key, 32) != 0);
  ck_assert(k1.id & 0x80000000u);
  ck_assert_int_eq(NCK_DeriveEpochKey(secret, NCK_MIN_SECRET_LEN - 1, 1000, &k3), -1);
  secret[0] ^= 1;
  ck_assert_int_eq(NCK_DeriveEpochKey(secret, sizeof(secret), 1000, &k3), 0);
  ck_assert(memcmp(k1.key, k3.key, 32) != 0);

  /* Two nodes with the same secret accept each other's cookies; a node without does not. */
  a = NCK_Create(secret);
  b = NCK_Create(c2s);
  ck_assert_int_eq(NCK_AddKey(a, &k1), 0);
  ck_assert_int_eq(NCK_AddKey(b, &k2), 0);
  ck_assert_uint_eq(NCK_Seal(a, c2s, s2c, cookie, sizeof(cookie)), NCK_COOKIE_LEN);
  ck_assert_int_eq(NCK_Open(b, cookie, sizeof(cookie), x, y), NCK_OK);
  ck_assert_mem_eq(x, c2s, 32);
  NCK_Destroy(b);
  b = store_with_keys(1, 99);
  ck_assert_int_eq(NCK_Open(b, cookie, sizeof(cookie), x, y), NCK_ERR_KEY_ID);
  NCK_Destroy(a);
  NCK_Destroy(b);
}
END_TEST

static int cmp16(const void *a, const void *b)
{
  return memcmp(a, b, 16);
}

START_TEST(cookie_nonces_unique)
{
  static uint8_t n[2000][16];
  NCK_Store *st = store_with_keys(1, 1), *st2 = store_with_keys(1, 1);
  uint8_t other[16];
  int i;

  for (i = 0; i < 2000; i++) {
    NCK_MakeNonce(st, n[i]);
  }
  qsort(n, 2000, 16, cmp16);
  for (i = 1; i < 2000; i++) {
    ck_assert(memcmp(n[i - 1], n[i], 16) != 0);
  }
  /* Same seed, same sequence (deterministic for tests); a different seed differs. */
  NCK_Destroy(st);
  st = store_with_keys(1, 1);
  NCK_MakeNonce(st, n[0]);
  NCK_MakeNonce(st2, other);
  ck_assert_mem_eq(n[0], other, 16);
  NCK_Destroy(st);
  NCK_Destroy(st2);
  {
    uint8_t seed[32];

    memset(seed, 1, sizeof(seed));
    st = NCK_Create(seed);
    NCK_MakeNonce(st, other);
    ck_assert(memcmp(n[0], other, 16) != 0);
    NCK_Destroy(st);
  }
}
END_TEST

START_TEST(cookie_dump_text)
{
  NCK_Store *st = store_with_keys(3, 40), *st2;
  char text[1024], text2[1024];
  NCK_Key a[NCK_MAX_KEYS], b[NCK_MAX_KEYS];
  size_t n;

  n = NCK_FormatKeys(st, text, sizeof(text));
  ck_assert_uint_gt(n, 0);
  ck_assert_uint_eq(n, strlen(text));
  ck_assert_uint_eq(NCK_FormatKeys(st, text2, 50), 0);
  st2 = store_with_keys(0, 0);
  ck_assert_int_eq(NCK_ParseKeys(st2, text, n), 3);
  ck_assert_uint_eq(NCK_GetKeys(st, a, 3), 3);
  ck_assert_uint_eq(NCK_GetKeys(st2, b, 3), 3);
  ck_assert_mem_eq(a, b, sizeof(a));
  NCK_Destroy(st2);

  /* Malformed texts leave the store unchanged. */
  st2 = store_with_keys(0, 0);
  ck_assert_int_eq(NCK_ParseKeys(st2, "nonsense\n", 9), -1);
  memcpy(text2, text, n + 1);
  text2[20] = 'x';
  ck_assert_int_eq(NCK_ParseKeys(st2, text2, n), -1);
  ck_assert_int_eq(NCK_ParseKeys(st2, text, n - 5), -1);
  ck_assert_uint_eq(NCK_KeyCount(st2), 0);
  ck_assert_int_eq(NCK_ParseKeys(st2, "timed-nts-keys 1\n", 17), 0);
  NCK_Destroy(st2);
  NCK_Destroy(st);
}
END_TEST

/* ---- NTS extension fields ------------------------------------------------------------ */

/* A client request as chronyd makes it: header zeroed but LI/VN/mode/precision, random
   transmit timestamp, UID 32, cookie, P placeholders, authenticator (nonce 16, no
   encrypted fields). */
static size_t make_request(NCK_Store *st, const uint8_t *c2s, const uint8_t *s2c, size_t n_ph,
                           uint8_t *buf, size_t cap, uint8_t *uid)
{
  uint8_t cookie[NCK_COOKIE_LEN], nonce[16];
  NCK_Siv *siv;
  size_t i, n;

  memset(buf, 0, 48);
  buf[0] = 0x23;
  buf[3] = 0x20;
  for (i = 40; i < 48; i++) {
    buf[i] = (uint8_t)(i * 13);
  }
  for (i = 0; i < 32; i++) {
    uid[i] = (uint8_t)(0xa0 + i);
  }
  memset(nonce, 0x3c, sizeof(nonce));
  ck_assert_uint_eq(NCK_Seal(st, c2s, s2c, cookie, sizeof(cookie)), NCK_COOKIE_LEN);
  siv = NCK_SivCreate(c2s);
  n = NEF_BuildRequest(siv, c2s, uid, 32, cookie, sizeof(cookie), n_ph, nonce, buf, 48, cap);
  NCK_SivDestroy(siv);
  return n;
}

START_TEST(ef_request_sizes_and_parse)
{
  NCK_Store *st = store_with_keys(1, 1);
  uint8_t c2s[32], s2c[32], buf[1024], uid[32], x[32], y[32];
  NWR_Packet pkt;
  NEF_Request rq;
  NCK_Status cst;
  NCK_Siv *siv = NCK_SivCreate(c2s);
  size_t n;

  memset(c2s, 0x11, 32);
  memset(s2c, 0x22, 32);
  /* The capture's sizes: 228 B, 436 B with 2 placeholders, 956 B with 7. */
  ck_assert_uint_eq(make_request(st, c2s, s2c, 0, buf, sizeof(buf), uid), 228);
  ck_assert_uint_eq(make_request(st, c2s, s2c, 2, buf, sizeof(buf), uid), 436);
  n = make_request(st, c2s, s2c, 7, buf, sizeof(buf), uid);
  ck_assert_uint_eq(n, 956);
  ck_assert_int_eq(NWR_Parse(buf, n, &pkt), NWR_OK);
  ck_assert_int_eq(NEF_ParseRequest(&pkt, buf, n, &rq), NEF_OK);
  ck_assert_uint_eq(rq.uid_len, 32);
  ck_assert_uint_eq(rq.cookie_len, 100);
  ck_assert_uint_eq(rq.n_placeholders, 7);
  ck_assert_uint_eq(rq.nonce_len, 16);
  ck_assert_uint_eq(rq.ct_len, 16);
  ck_assert_uint_eq(rq.auth_offset, n - 40);
  ck_assert_int_eq(NEF_VerifyRequest(st, siv, buf, &rq, x, y, &cst), NEF_OK);
  ck_assert_mem_eq(x, c2s, 32);
  ck_assert_mem_eq(y, s2c, 32);
  /* Any change in the authenticated part is caught. */
  buf[47] ^= 1;
  ck_assert_int_eq(NEF_VerifyRequest(st, siv, buf, &rq, x, y, &cst), NEF_ERR_AUTH_FAIL);
  buf[47] ^= 1;
  buf[n - 1] ^= 1;
  ck_assert_int_eq(NEF_VerifyRequest(st, siv, buf, &rq, x, y, &cst), NEF_ERR_AUTH_FAIL);
  NCK_SivDestroy(siv);
  NCK_Destroy(st);
}
END_TEST

START_TEST(ef_response_roundtrip)
{
  NCK_Store *st = store_with_keys(1, 1);
  uint8_t c2s[32], s2c[32], req[1024], resp[1024], uid[32], x[32], y[32];
  uint8_t cookies[8][256];
  size_t lens[8], n, m, nc, k, ph;
  NWR_Packet pkt;
  NEF_Request rq;
  NCK_Status cst;
  NCK_Siv *siv = NCK_SivCreate(c2s);

  memset(c2s, 0x44, 32);
  memset(s2c, 0x55, 32);
  for (ph = 0; ph <= 7; ph++) {
    n = make_request(st, c2s, s2c, ph, req, sizeof(req), uid);
    ck_assert_int_eq(NWR_Parse(req, n, &pkt), NWR_OK);
    ck_assert_int_eq(NEF_ParseRequest(&pkt, req, n, &rq), NEF_OK);
    ck_assert_int_eq(NEF_VerifyRequest(st, siv, req, &rq, x, y, &cst), NEF_OK);
    memcpy(resp, req, 48);
    resp[0] = 0x24;
    m = NEF_BuildResponse(st, siv, &rq, x, y, resp, 48, sizeof(resp), n, &nc);
    /* Exactly as long as the request, one cookie per cookie or placeholder. */
    ck_assert_uint_eq(m, n);
    ck_assert_uint_eq(nc, ph + 1);
    ck_assert_int_eq(NEF_CheckResponse(siv, s2c, uid, 32, resp, m, &cookies[0][0], 256, lens, 8,
                                       &k), NEF_OK);
    ck_assert_uint_eq(k, ph + 1);
    ck_assert_uint_eq(lens[0], 100);
    /* The new cookies are real: they open to the same keys. */
    ck_assert_int_eq(NCK_Open(st, cookies[k - 1], lens[k - 1], x, y), NCK_OK);
    ck_assert_mem_eq(x, c2s, 32);
    /* A wrong S2C key or UID is refused. */
    s2c[0] ^= 1;
    ck_assert_int_eq(NEF_CheckResponse(siv, s2c, uid, 32, resp, m, &cookies[0][0], 256, lens, 8,
                                       &k), NEF_ERR_AUTH_FAIL);
    s2c[0] ^= 1;
    uid[5] ^= 1;
    ck_assert_int_eq(NEF_CheckResponse(siv, s2c, uid, 32, resp, m, &cookies[0][0], 256, lens, 8,
                                       &k), NEF_ERR_UID);
    uid[5] ^= 1;
  }
  /* Fewer cookies when the room is short, none (failure) when not even one fits. */
  n = make_request(st, c2s, s2c, 3, req, sizeof(req), uid);
  ck_assert_int_eq(NWR_Parse(req, n, &pkt), NWR_OK);
  ck_assert_int_eq(NEF_ParseRequest(&pkt, req, n, &rq), NEF_OK);
  m = NEF_BuildResponse(st, siv, &rq, c2s, s2c, resp, 48, sizeof(resp), n - 1, &nc);
  ck_assert_uint_eq(nc, 3);
  ck_assert_uint_le(m, n - 1);
  ck_assert_uint_eq(NEF_BuildResponse(st, siv, &rq, c2s, s2c, resp, 48, sizeof(resp), 200, &nc), 0);
  ck_assert_uint_eq(nc, 0);
  NCK_SivDestroy(siv);
  NCK_Destroy(st);
}
END_TEST

/* Rewrite a 16-bit value in a packet. */
static void set16(uint8_t *p, unsigned v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static NEF_Status parse_raw(const uint8_t *buf, size_t n)
{
  NWR_Packet pkt;
  NEF_Request rq;

  if (NWR_Parse(buf, n, &pkt) != NWR_OK) {
    return NEF_STATUS_COUNT;
  }
  return NEF_ParseRequest(&pkt, buf, n, &rq);
}

START_TEST(ef_malformed_requests)
{
  NCK_Store *st = store_with_keys(1, 1);
  uint8_t c2s[32], s2c[32], buf[1024], b2[1024], uid[32];
  size_t n;

  memset(c2s, 1, 32);
  memset(s2c, 2, 32);
  n = make_request(st, c2s, s2c, 0, buf, sizeof(buf), uid);
  ck_assert_uint_eq(n, 228);
  ck_assert_int_eq(parse_raw(buf, n), NEF_OK);
  /* Layout: 48 UID(36) 84 cookie(104) 188 auth(40). */

  /* No NTS fields at all: a plain request. */
  ck_assert_int_eq(parse_raw(buf, 48), NEF_NOT_NTS);
  /* UID shorter than 32: as a 16-byte field (body 12) */
  memcpy(b2, buf, n);
  memmove(b2 + 48 + 16, b2 + 84, n - 84);
  set16(b2 + 50, 16);
  ck_assert_int_eq(parse_raw(b2, n - 20), NEF_ERR_UID);
  /* UID type changed: no UID */
  memcpy(b2, buf, n);
  set16(b2 + 48, 0x0105);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_UID);
  /* two cookies (the UID field retyped as a cookie) */
  memcpy(b2, buf, n);
  set16(b2 + 48, NEF_COOKIE);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_UID);
  /* no cookie */
  memcpy(b2, buf, n);
  set16(b2 + 84, 0x0999);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_COOKIE);
  /* the cookie retyped as an authenticator: no cookie */
  memcpy(b2, buf, n);
  set16(b2 + 84, NEF_AUTH);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_COOKIE);
  /* two authenticators */
  memcpy(b2, buf, n);
  memcpy(b2 + n, buf + 188, 40);
  ck_assert_int_eq(parse_raw(b2, n + 40), NEF_ERR_AUTH_FORMAT);
  /* no authenticator */
  memcpy(b2, buf, n);
  set16(b2 + 188, 0x0999);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_AUTH_FORMAT);
  /* nonce length 8 (below chrony's and our minimum) */
  memcpy(b2, buf, n);
  set16(b2 + 192, 8);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_AUTH_FORMAT);
  /* ciphertext shorter than a tag */
  memcpy(b2, buf, n);
  set16(b2 + 194, 12);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_AUTH_FORMAT);
  /* nonce + ciphertext beyond the field */
  memcpy(b2, buf, n);
  set16(b2 + 194, 17);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_AUTH_FORMAT);
  memcpy(b2, buf, n);
  set16(b2 + 192, 0xfff0);
  ck_assert_int_eq(parse_raw(b2, n), NEF_ERR_AUTH_FORMAT);
  /* a field after the authenticator */
  memcpy(b2, buf, n);
  memset(b2 + n, 0, 28);
  set16(b2 + n, 0x0999);
  set16(b2 + n + 2, 28);
  ck_assert_int_eq(parse_raw(b2, n + 28), NEF_ERR_AUTH_NOT_LAST);
  /* a placeholder of another length earns nothing */
  {
    NWR_Packet pkt;
    NEF_Request rq;

    memcpy(b2, buf, 188);
    memset(b2 + 188, 0, 20);
    set16(b2 + 188, NEF_PLACEHOLDER);
    set16(b2 + 190, 20);
    memcpy(b2 + 208, buf + 188, 40);
    ck_assert_int_eq(NWR_Parse(b2, 248, &pkt), NWR_OK);
    ck_assert_int_eq(NEF_ParseRequest(&pkt, b2, 248, &rq), NEF_OK);
    ck_assert_uint_eq(rq.n_placeholders, 0);
    ck_assert_uint_eq(rq.n_bad_placeholders, 1);
  }
  ck_assert_str_eq(NEF_StatusName(NEF_ERR_AUTH_FAIL), "auth-failed");
  NCK_Destroy(st);
}
END_TEST

/* An authenticator whose plaintext holds another authenticator, or a broken field. */
START_TEST(ef_nested_authenticator)
{
  NCK_Store *st = store_with_keys(1, 1);
  uint8_t c2s[32], s2c[32], buf[1024], uid[32], x[32], y[32], pt[64], nonce[16];
  NWR_Packet pkt;
  NEF_Request rq;
  NCK_Status cst;
  NCK_Siv *siv;
  size_t n, off, k;

  memset(c2s, 0x21, 32);
  memset(s2c, 0x12, 32);
  memset(nonce, 0x44, 16);
  siv = NCK_SivCreate(c2s);
  for (k = 0; k < 3; k++) {
    n = make_request(st, c2s, s2c, 0, buf, sizeof(buf), uid);
    off = n - 40; /* rewrite the authenticator with a plaintext */
    memset(pt, 0, sizeof(pt));
    if (k == 0) {
      /* a nested authenticator field of 40 bytes */
      pt[0] = 0x04; pt[1] = 0x04; pt[3] = 40; pt[5] = 16; pt[7] = 16;
    } else if (k == 1) {
      /* a field whose length runs past the plaintext */
      pt[0] = 0x09; pt[1] = 0x99; pt[3] = 44;
    } else {
      /* a harmless 40-byte field: accepted */
      pt[0] = 0x09; pt[1] = 0x99; pt[3] = 40;
    }
    buf[off] = 0x04; buf[off + 1] = 0x04;
    buf[off + 2] = 0; buf[off + 3] = 4 + 4 + 16 + 16 + 40;
    buf[off + 4] = 0; buf[off + 5] = 16;
    buf[off + 6] = 0; buf[off + 7] = 16 + 40;
    memcpy(buf + off + 8, nonce, 16);
    ck_assert_uint_eq(NCK_SivEncrypt(siv, nonce, 16, buf, off, pt, 40, buf + off + 24, 56), 56);
    n = off + 80;
    ck_assert_int_eq(NWR_Parse(buf, n, &pkt), NWR_OK);
    ck_assert_int_eq(NEF_ParseRequest(&pkt, buf, n, &rq), NEF_OK);
    ck_assert_int_eq(NEF_VerifyRequest(st, siv, buf, &rq, x, y, &cst),
                     k == 2 ? NEF_OK : NEF_ERR_NESTED);
  }
  NCK_SivDestroy(siv);
  NCK_Destroy(st);
}
END_TEST

Suite *nts_suite(void)
{
  Suite *s = suite_create("nts");
  TCase *tc = tcase_create("records");

  tcase_add_test(tc, rec_capture_requests);
  tcase_add_test(tc, rec_every_prefix_needs_more);
  tcase_add_test(tc, rec_bad_requests);
  tcase_add_test(tc, rec_bounds);
  tcase_add_test(tc, rec_response_sizes_match_capture);
  tcase_add_test(tc, rec_bad_responses);
  suite_add_tcase(s, tc);

#ifdef FEAT_NTS /* without GnuTLS there is no AEAD: only the record codec is testable */
  tc = tcase_create("cookies");
  tcase_add_test(tc, siv_known_answer);
  tcase_add_test(tc, cookie_roundtrip_and_tamper);
  tcase_add_test(tc, cookie_rotation);
  tcase_add_test(tc, cookie_fleet_epochs);
  tcase_add_test(tc, cookie_nonces_unique);
  tcase_add_test(tc, cookie_dump_text);
  suite_add_tcase(s, tc);

  tc = tcase_create("fields");
  tcase_add_test(tc, ef_request_sizes_and_parse);
  tcase_add_test(tc, ef_response_roundtrip);
  tcase_add_test(tc, ef_malformed_requests);
  tcase_add_test(tc, ef_nested_authenticator);
  suite_add_tcase(s, tc);
#endif
  return s;
}
