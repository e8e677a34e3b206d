/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_client.c - NTS on the NTP port, client side (RFC 8915 §5) [core].
 *
 * The cookie jar, the session keys and the request in flight of one NTS source.  The field
 * codecs are nts_ef.c's; this file decides what goes in a request and what a response
 * must prove before its time is used.  No I/O, no clock, no randomness of its own (the
 * caller passes random bytes).
 */
#include "nts_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nts_ef.h"

#define UID_LEN 32
/* Authenticator field of our requests: header, lengths, 16-byte nonce, 16-byte tag. */
#define AUTH_FIELD_LEN (4 + 4 + NCK_NONCE_LEN + NCK_TAG_LEN)
#define PAD4(x) (((x) + 3u) & ~(size_t)3u)

struct NTC_Client {
  NCK_Siv *siv;
  int have_keys;
  uint8_t c2s[NCK_KEY_LEN], s2c[NCK_KEY_LEN];
  /* The jar, oldest first. */
  size_t n_cookies;
  uint8_t cookies[NTC_JAR_SIZE][NKR_MAX_COOKIE_LEN];
  size_t lens[NTC_JAR_SIZE];
  int cookie_len;
  /* The request in flight. */
  int in_flight;
  uint8_t uid[UID_LEN];
  uint8_t tx_ts[8];
  NTC_Stats st;
};

NTC_Client *NTC_Create(void)
{
  static const uint8_t zero[NCK_KEY_LEN];
  NTC_Client *c = calloc(1, sizeof(*c));

  if (!c) {
    return NULL;
  }
  c->siv = NCK_SivCreate(zero);
  if (!c->siv) {
    free(c);
    return NULL;
  }
  return c;
}

void NTC_Destroy(NTC_Client *c)
{
  if (!c) {
    return;
  }
  NCK_SivDestroy(c->siv);
  memset(c, 0, sizeof(*c));
  free(c);
}

void NTC_Clear(NTC_Client *c)
{
  NCK_Siv *siv = c->siv;
  NTC_Stats st = c->st;

  memset(c, 0, sizeof(*c));
  c->siv = siv;
  c->st = st;
}

/* Put one cookie at the end of the jar; when it is full the oldest goes (a newer cookie
   is as good and less linkable to earlier requests). */
static int jar_add(NTC_Client *c, const uint8_t *cookie, size_t len)
{
  if (len == 0 || len > NKR_MAX_COOKIE_LEN) {
    return 0;
  }
  if (c->n_cookies == NTC_JAR_SIZE) {
    memmove(c->cookies[0], c->cookies[1], (NTC_JAR_SIZE - 1) * sizeof(c->cookies[0]));
    memmove(c->lens, c->lens + 1, (NTC_JAR_SIZE - 1) * sizeof(c->lens[0]));
    c->n_cookies--;
  }
  memcpy(c->cookies[c->n_cookies], cookie, len);
  c->lens[c->n_cookies] = len;
  c->n_cookies++;
  c->cookie_len = (int)len;
  return 1;
}

int NTC_SetKeys(NTC_Client *c, const uint8_t *c2s, const uint8_t *s2c,
                const uint8_t *const *cookies, const size_t *lens, size_t n)
{
  size_t i;
  int kept = 0;

  NTC_Clear(c);
  memcpy(c->c2s, c2s, NCK_KEY_LEN);
  memcpy(c->s2c, s2c, NCK_KEY_LEN);
  c->have_keys = 1;
  for (i = 0; i < n; i++) {
    kept += jar_add(c, cookies[i], lens[i]);
  }
  return kept;
}

int NTC_Ready(const NTC_Client *c)
{
  return c->have_keys && c->n_cookies > 0;
}

size_t NTC_WrapRequest(NTC_Client *c, const uint8_t *req, size_t req_len, const uint8_t *rnd,
                       uint8_t *out, size_t cap)
{
  uint8_t cookie[NKR_MAX_COOKIE_LEN];
  size_t len, cookie_len, want, fixed, each, n;

  if (!NTC_Ready(c)) {
    c->st.no_cookie++;
    return 0;
  }
  if (req_len != NWR_HEADER_LEN || cap < NWR_HEADER_LEN) {
    return 0;
  }
  /* Take the oldest cookie out of the jar: a cookie is never sent twice (§5.7, unlinkability). */
  cookie_len = c->lens[0];
  memcpy(cookie, c->cookies[0], cookie_len);
  memmove(c->cookies[0], c->cookies[1], (NTC_JAR_SIZE - 1) * sizeof(c->cookies[0]));
  memmove(c->lens, c->lens + 1, (NTC_JAR_SIZE - 1) * sizeof(c->lens[0]));
  c->n_cookies--;

  /* Placeholders (§5.5): the response carries one cookie per cookie and placeholder, so ask
     for enough to fill the jar again, as many as keep the packet within NWR_MAX_PACKET. */
  want = NTC_JAR_SIZE - 1 - c->n_cookies;
  each = 4 + PAD4(cookie_len);
  fixed = NWR_HEADER_LEN + 4 + UID_LEN + each + AUTH_FIELD_LEN;
  n = 0;
  while (n < want && fixed + (n + 1) * each <= NTC_MAX_REQUEST && fixed + (n + 1) * each <= cap) {
    n++;
  }
  memcpy(out, req, NWR_HEADER_LEN);
  len = NEF_BuildRequest(c->siv, c->c2s, rnd, UID_LEN, cookie, cookie_len, n, rnd + UID_LEN,
                         out, NWR_HEADER_LEN, cap);
  memset(cookie, 0, sizeof(cookie));
  if (!len) {
    return 0;
  }
  memcpy(c->uid, rnd, UID_LEN);
  memcpy(c->tx_ts, req + 40, 8);
  c->in_flight = 1;
  c->st.requests++;
  return len;
}

/* RFC 8915 §5.7: a NAK is a KoD "NTSN" (stratum 0) with our UID and no authenticator.  It
   cannot be authenticated, so it must match the request in flight by UID and origin. */
static int is_nak(const NTC_Client *c, const uint8_t *buf, size_t len)
{
  NWR_Packet pkt;
  size_t i;
  int uid_ok = 0;

  if (NWR_Parse(buf, len, &pkt) != NWR_OK || pkt.h.mode != NWR_MODE_SERVER ||
      pkt.h.stratum != 0 || pkt.h.ref_id != NEF_KOD_NTSN || memcmp(buf + 24, c->tx_ts, 8) != 0) {
    return 0;
  }
  for (i = 0; i < pkt.n_ef; i++) {
    if (pkt.ef[i].type == NEF_AUTH) {
      return 0;
    }
    if (pkt.ef[i].type == NEF_UID) {
      if (uid_ok || pkt.ef[i].body_len != UID_LEN || memcmp(pkt.ef[i].body, c->uid, UID_LEN)) {
        return 0;
      }
      uid_ok = 1;
    }
  }
  return uid_ok;
}

NTC_Result NTC_CheckResponse(NTC_Client *c, const uint8_t *buf, size_t len, const char **why)
{
  uint8_t cookies[NEF_MAX_NEW_COOKIES * NKR_MAX_COOKIE_LEN];
  size_t lens[NEF_MAX_NEW_COOKIES], n = 0, i;
  const char *dummy;
  NEF_Status s;

  if (!why) {
    why = &dummy;
  }
  *why = "";
  if (!c->in_flight || !c->have_keys) {
    c->st.stale++;
    *why = "no NTS request in flight";
    return NTC_STALE;
  }
  if (len >= NWR_HEADER_LEN && is_nak(c, buf, len)) {
    c->st.naks++;
    NTC_Clear(c);
    *why = "NTS NAK";
    return NTC_NAK;
  }
  s = NEF_CheckResponse(c->siv, c->s2c, c->uid, UID_LEN, buf, len, cookies,
                        NKR_MAX_COOKIE_LEN, lens, NEF_MAX_NEW_COOKIES, &n);
  /* The origin must also echo our transmit timestamp; the NTP source checks that again,
     but a response that fails it must not feed the jar. */
  if (s == NEF_OK && (len < NWR_HEADER_LEN || memcmp(buf + 24, c->tx_ts, 8) != 0)) {
    s = NEF_ERR_UID;
  }
  if (s != NEF_OK) {
    c->st.auth_failures++;
    *why = s == NEF_ERR_UID ? "missing or wrong unique identifier"
         : s == NEF_ERR_AUTH_FAIL ? "authenticator does not verify"
         : s == NEF_ERR_NESTED ? "bad encrypted fields"
                                : "missing or malformed authenticator";
    memset(cookies, 0, sizeof(cookies));
    return NTC_UNAUTH;
  }
  for (i = 0; i < n; i++) {
    jar_add(c, cookies + i * NKR_MAX_COOKIE_LEN, lens[i]);
  }
  memset(cookies, 0, sizeof(cookies));
  c->in_flight = 0;
  c->st.authenticated++;
  return NTC_OK;
}

void NTC_GetStats(const NTC_Client *c, NTC_Stats *st)
{
  *st = c->st;
  st->have_keys = c->have_keys;
  st->n_cookies = (int)c->n_cookies;
  st->cookie_len = c->cookie_len;
}

/* ---- dump text ------------------------------------------------------------------------ */

static size_t put_hex(char *text, size_t off, size_t cap, const char *tag, const uint8_t *b,
                      size_t n)
{
  static const char digits[] = "0123456789abcdef";
  size_t i, need = strlen(tag) + 1 + 2 * n + 1;

  if (!off || off >= cap || cap - off <= need) {
    return 0;
  }
  off += (size_t)snprintf(text + off, cap - off, "%s ", tag);
  for (i = 0; i < n; i++) {
    text[off++] = digits[b[i] >> 4];
    text[off++] = digits[b[i] & 15];
  }
  text[off++] = '\n';
  text[off] = '\0';
  return off;
}

size_t NTC_FormatDump(const NTC_Client *c, int64_t time, int port, const char *server,
                      char *text, size_t cap)
{
  size_t off, i, sl = strlen(server);
  int n, plain = sl > 0 && sl <= NKR_MAX_SERVER_LEN;

  if (!c->have_keys || cap == 0) {
    return 0;
  }
  for (i = 0; i < sl; i++) {
    plain = plain && (unsigned char)server[i] > ' ' && (unsigned char)server[i] < 127;
  }
  n = snprintf(text, cap, "timed-nts-client 1\ntime %lld\nport %d\n%s%s%s", (long long)time,
               port, plain ? "server " : "", plain ? server : "", plain ? "\n" : "");
  if (n < 0 || (size_t)n >= cap) {
    return 0;
  }
  off = put_hex(text, (size_t)n, cap, "c2s", c->c2s, NCK_KEY_LEN);
  off = put_hex(text, off, cap, "s2c", c->s2c, NCK_KEY_LEN);
  for (i = 0; off && i < c->n_cookies; i++) {
    off = put_hex(text, off, cap, "cookie", c->cookies[i], c->lens[i]);
  }
  return off;
}

static int hexval(char ch)
{
  return ch >= '0' && ch <= '9' ? ch - '0'
       : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
       : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                : -1;
}

/* Decode hex p[0..n) into out (at most cap bytes).  Returns the byte count or -1. */
static long get_hex(const char *p, size_t n, uint8_t *out, size_t cap)
{
  size_t i;

  if (n % 2 || n / 2 > cap || n == 0) {
    return -1;
  }
  for (i = 0; i < n / 2; i++) {
    int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return -1;
    }
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

int NTC_ParseDump(NTC_Client *c, const char *text, size_t len, int64_t *time, int *port,
                  char *server, size_t server_cap)
{
  char name[NKR_MAX_SERVER_LEN + 1] = "";
  uint8_t c2s[NCK_KEY_LEN], s2c[NCK_KEY_LEN];
  uint8_t jar[NTC_JAR_SIZE][NKR_MAX_COOKIE_LEN];
  const uint8_t *ptrs[NTC_JAR_SIZE];
  size_t lens[NTC_JAR_SIZE], n = 0, off = 0, line_no = 0;
  int have_c2s = 0, have_s2c = 0, have_time = 0, have_port = 0, ok = 1, r;
  long long t = 0;
  int p = 0;

  while (off < len && ok) {
    const char *line = text + off, *nl = memchr(line, '\n', len - off), *sp;
    size_t ll = nl ? (size_t)(nl - line) : len - off;
    char buf[32];
    long got;

    off += ll + (nl ? 1 : 0);
    if (line_no++ == 0) {
      ok = ll == 18 && memcmp(line, "timed-nts-client 1", 18) == 0;
      continue;
    }
    sp = memchr(line, ' ', ll);
    if (!sp) {
      ok = ll == 0;
      continue;
    }
    if ((size_t)(sp - line) == 4 && !memcmp(line, "time", 4) && ll - 5 < sizeof(buf)) {
      memcpy(buf, sp + 1, ll - 5);
      buf[ll - 5] = '\0';
      ok = strspn(buf, "0123456789") == ll - 5 && ll > 5 && sscanf(buf, "%lld", &t) == 1;
      have_time = 1;
    } else if ((size_t)(sp - line) == 4 && !memcmp(line, "port", 4) && ll - 5 < sizeof(buf)) {
      memcpy(buf, sp + 1, ll - 5);
      buf[ll - 5] = '\0';
      ok = strspn(buf, "0123456789") == ll - 5 && ll > 5 && ll < 11 && sscanf(buf, "%d", &p) == 1 &&
           p >= 1 && p <= 65535;
      have_port = 1;
    } else if ((size_t)(sp - line) == 6 && !memcmp(line, "server", 6)) {
      ok = ll - 7 >= 1 && ll - 7 <= NKR_MAX_SERVER_LEN && !memchr(sp + 1, ' ', ll - 7);
      if (ok) {
        memcpy(name, sp + 1, ll - 7);
        name[ll - 7] = '\0';
      }
    } else if ((size_t)(sp - line) == 3 && !memcmp(line, "c2s", 3)) {
      ok = get_hex(sp + 1, ll - 4, c2s, sizeof(c2s)) == NCK_KEY_LEN;
      have_c2s = 1;
    } else if ((size_t)(sp - line) == 3 && !memcmp(line, "s2c", 3)) {
      ok = get_hex(sp + 1, ll - 4, s2c, sizeof(s2c)) == NCK_KEY_LEN;
      have_s2c = 1;
    } else if ((size_t)(sp - line) == 6 && !memcmp(line, "cookie", 6)) {
      if (n >= NTC_JAR_SIZE) {
        continue;   /* extra cookies are harmless; keep the first ones */
      }
      got = get_hex(sp + 1, ll - 7, jar[n], NKR_MAX_COOKIE_LEN);
      ok = got > 0;
      lens[n] = got > 0 ? (size_t)got : 0;
      ptrs[n] = jar[n];
      n += ok;
    } else {
      ok = 0;
    }
  }
  if (!ok || line_no == 0 || !have_c2s || !have_s2c || !have_time || !have_port || n == 0) {
    memset(c2s, 0, sizeof(c2s));
    memset(s2c, 0, sizeof(s2c));
    memset(jar, 0, sizeof(jar));
    return 0;
  }
  r = NTC_SetKeys(c, c2s, s2c, ptrs, lens, n);
  memset(c2s, 0, sizeof(c2s));
  memset(s2c, 0, sizeof(s2c));
  memset(jar, 0, sizeof(jar));
  *time = t;
  *port = p;
  if (server_cap > 0) {
    snprintf(server, server_cap, "%s", strlen(name) < server_cap ? name : "");
  }
  return r;
}

const char *NTC_ResultName(NTC_Result r)
{
  static const char *const names[NTC_RESULT_COUNT] = {"ok", "nak", "unauthenticated", "stale"};

  return (unsigned)r < NTC_RESULT_COUNT ? names[r] : "?";
}
