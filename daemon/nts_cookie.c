/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_cookie.c - AES-SIV-CMAC-256 wrapper, server cookie keys, NTS cookies [core].
 *
 * Crypto comes from GnuTLS only (AEAD, HMAC, HKDF); nothing here is hand-written crypto.
 * No I/O, no clock, no randomness of its own (the shell passes seeds and random keys).
 * Without FEAT_NTS the AEAD calls fail cleanly, so no cookie can be made or opened.
 */
#include "nts_cookie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FEAT_NTS
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#endif

struct NCK_Siv {
#ifdef FEAT_NTS
  gnutls_aead_cipher_hd_t h;
#else
  int unused;
#endif
};

struct NCK_Store {
  NCK_Key keys[NCK_MAX_KEYS]; /* oldest first, current last */
  size_t n_keys;
  NCK_Siv *siv[NCK_MAX_KEYS]; /* a context per key, so opening costs no key schedule */
  uint8_t nonce_key[32];
  uint64_t nonce_counter;
  NCK_Stats stats;
};

/* ---- AES-SIV ------------------------------------------------------------------------- */

#ifdef FEAT_NTS
NCK_Siv *NCK_SivCreate(const uint8_t *key)
{
  NCK_Siv *siv = calloc(1, sizeof(*siv));
  gnutls_datum_t k = {(unsigned char *)key, NCK_KEY_LEN};

  if (!siv) {
    return NULL;
  }
  if (gnutls_aead_cipher_init(&siv->h, GNUTLS_CIPHER_AES_128_SIV, &k) < 0) {
    free(siv);
    return NULL;
  }
  return siv;
}

int NCK_SivSetKey(NCK_Siv *siv, const uint8_t *key)
{
  gnutls_datum_t k = {(unsigned char *)key, NCK_KEY_LEN};

  return gnutls_aead_cipher_set_key(siv->h, &k) < 0 ? -1 : 0;
}

void NCK_SivDestroy(NCK_Siv *siv)
{
  if (siv) {
    gnutls_aead_cipher_deinit(siv->h);
    free(siv);
  }
}

size_t NCK_SivEncrypt(NCK_Siv *siv, const uint8_t *nonce, size_t nlen, const uint8_t *ad,
                      size_t alen, const uint8_t *pt, size_t plen, uint8_t *out, size_t cap)
{
  size_t clen = cap;

  /* GnuTLS wants a non-NULL buffer even for empty strings. */
  static const uint8_t empty[1];

  if (!siv || nlen < 1 || cap < plen + NCK_TAG_LEN) {
    return 0;
  }
  if (gnutls_aead_cipher_encrypt(siv->h, nonce, nlen, ad ? ad : empty, alen, NCK_TAG_LEN,
                                 pt ? pt : empty, plen, out, &clen) < 0 ||
      clen != plen + NCK_TAG_LEN) {
    return 0;
  }
  return clen;
}

int NCK_SivDecrypt(NCK_Siv *siv, const uint8_t *nonce, size_t nlen, const uint8_t *ad,
                   size_t alen, const uint8_t *ct, size_t clen, uint8_t *out, size_t cap,
                   size_t *plen)
{
  static const uint8_t empty[1];
  size_t n = cap;
  uint8_t dummy[1];

  if (!siv || nlen < 1 || clen < NCK_TAG_LEN || cap < clen - NCK_TAG_LEN) {
    return 0;
  }
  if (gnutls_aead_cipher_decrypt(siv->h, nonce, nlen, ad ? ad : empty, alen, NCK_TAG_LEN,
                                 ct, clen, cap ? out : dummy, &n) < 0 ||
      n != clen - NCK_TAG_LEN) {
    if (cap) {
      memset(out, 0, cap);
    }
    return 0;
  }
  if (plen) {
    *plen = n;
  }
  return 1;
}

/* HMAC-SHA256 of msg under key, 32 bytes out. */
static int hmac256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                   uint8_t *out)
{
  return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, klen, msg, mlen, out) < 0 ? -1 : 0;
}

static int hkdf256(const uint8_t *secret, size_t slen, const uint8_t *salt, size_t saltlen,
                   const uint8_t *info, size_t ilen, uint8_t *out, size_t olen)
{
  uint8_t prk[32];
  gnutls_datum_t s = {(unsigned char *)secret, slen};
  gnutls_datum_t sa = {(unsigned char *)salt, saltlen};
  gnutls_datum_t p = {prk, sizeof(prk)};
  gnutls_datum_t i = {(unsigned char *)info, ilen};
  int r;

  if (gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &s, &sa, prk) < 0) {
    return -1;
  }
  r = gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &p, &i, out, olen) < 0 ? -1 : 0;
  memset(prk, 0, sizeof(prk));
  return r;
}
#else
NCK_Siv *NCK_SivCreate(const uint8_t *key)
{
  return NULL;
}

int NCK_SivSetKey(NCK_Siv *siv, const uint8_t *key)
{
  return -1;
}

void NCK_SivDestroy(NCK_Siv *siv)
{
  free(siv);
}

size_t NCK_SivEncrypt(NCK_Siv *siv, const uint8_t *nonce, size_t nlen, const uint8_t *ad,
                      size_t alen, const uint8_t *pt, size_t plen, uint8_t *out, size_t cap)
{
  return 0;
}

int NCK_SivDecrypt(NCK_Siv *siv, const uint8_t *nonce, size_t nlen, const uint8_t *ad,
                   size_t alen, const uint8_t *ct, size_t clen, uint8_t *out, size_t cap,
                   size_t *plen)
{
  return 0;
}

static int hmac256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                   uint8_t *out)
{
  return -1;
}

static int hkdf256(const uint8_t *secret, size_t slen, const uint8_t *salt, size_t saltlen,
                   const uint8_t *info, size_t ilen, uint8_t *out, size_t olen)
{
  return -1;
}
#endif

/* ---- Key store ----------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

NCK_Store *NCK_Create(const uint8_t *seed32)
{
  NCK_Store *st = calloc(1, sizeof(*st));

  if (!st) {
    return NULL;
  }
  if (seed32) {
    memcpy(st->nonce_key, seed32, sizeof(st->nonce_key));
  }
  return st;
}

void NCK_Destroy(NCK_Store *st)
{
  size_t i;

  if (!st) {
    return;
  }
  for (i = 0; i < NCK_MAX_KEYS; i++) {
    NCK_SivDestroy(st->siv[i]);
  }
  memset(st, 0, sizeof(*st));
  free(st);
}

int NCK_AddKey(NCK_Store *st, const NCK_Key *key)
{
  NCK_Siv *siv;
  NCK_Key tmp;
  size_t i;

  /* An id already held: make it current (move it last), keeping its context. */
  for (i = 0; i < st->n_keys; i++) {
    if (st->keys[i].id == key->id) {
      if (memcmp(st->keys[i].key, key->key, NCK_KEY_LEN) != 0) {
        return -1; /* same id, other key: a corrupt file or a clash, never silently */
      }
      tmp = st->keys[i];
      siv = st->siv[i];
      memmove(&st->keys[i], &st->keys[i + 1], (st->n_keys - i - 1) * sizeof(st->keys[0]));
      memmove(&st->siv[i], &st->siv[i + 1], (st->n_keys - i - 1) * sizeof(st->siv[0]));
      st->keys[st->n_keys - 1] = tmp;
      st->siv[st->n_keys - 1] = siv;
      return 0;
    }
  }

  siv = NCK_SivCreate(key->key);
  if (!siv) {
    return -1;
  }
  if (st->n_keys == NCK_MAX_KEYS) {
    NCK_SivDestroy(st->siv[0]);
    memmove(&st->keys[0], &st->keys[1], (NCK_MAX_KEYS - 1) * sizeof(st->keys[0]));
    memmove(&st->siv[0], &st->siv[1], (NCK_MAX_KEYS - 1) * sizeof(st->siv[0]));
    st->n_keys--;
  }
  st->keys[st->n_keys] = *key;
  st->siv[st->n_keys] = siv;
  st->n_keys++;
  return 0;
}

size_t NCK_GetKeys(const NCK_Store *st, NCK_Key *out, size_t cap)
{
  size_t n = st->n_keys < cap ? st->n_keys : cap;

  memcpy(out, st->keys, n * sizeof(out[0]));
  return n;
}

size_t NCK_KeyCount(const NCK_Store *st)
{
  return st->n_keys;
}

int NCK_DeriveEpochKey(const uint8_t *secret, size_t slen, uint64_t epoch, NCK_Key *out)
{
  static const char label[] = "timed-nts-epoch";
  static const uint8_t salt[] = "timed NTS cookie keys v1";
  uint8_t info[sizeof(label) - 1 + 8];
  uint8_t okm[4 + NCK_KEY_LEN];
  int i;

  if (!secret || slen < NCK_MIN_SECRET_LEN) {
    return -1;
  }
  memcpy(info, label, sizeof(label) - 1);
  for (i = 0; i < 8; i++) {
    info[sizeof(label) - 1 + i] = (uint8_t)(epoch >> (56 - 8 * i));
  }
  if (hkdf256(secret, slen, salt, sizeof(salt) - 1, info, sizeof(info), okm, sizeof(okm)) < 0) {
    return -1;
  }
  out->id = get32(okm) | 0x80000000u;
  memcpy(out->key, okm + 4, NCK_KEY_LEN);
  memset(okm, 0, sizeof(okm));
  return 0;
}

void NCK_KeyFromRandom(const uint8_t *rnd36, NCK_Key *out)
{
  out->id = get32(rnd36) & 0x7fffffffu;
  memcpy(out->key, rnd36 + 4, NCK_KEY_LEN);
}

void NCK_MakeNonce(NCK_Store *st, uint8_t *out16)
{
  uint8_t ctr[8], mac[32];
  int i;

  st->nonce_counter++;
  for (i = 0; i < 8; i++) {
    ctr[i] = (uint8_t)(st->nonce_counter >> (56 - 8 * i));
  }
  if (hmac256(st->nonce_key, sizeof(st->nonce_key), ctr, sizeof(ctr), mac) < 0) {
    /* Still unique, if not private: SIV stays safe with any unique nonce. */
    memset(mac, 0, sizeof(mac));
    memcpy(mac, ctr, sizeof(ctr));
  }
  memcpy(out16, mac, NCK_NONCE_LEN);
}

size_t NCK_Seal(NCK_Store *st, const uint8_t *c2s, const uint8_t *s2c, uint8_t *out,
                size_t cap)
{
  uint8_t pt[2 * NCK_KEY_LEN];
  size_t cur, n;

  if (st->n_keys == 0 || cap < NCK_COOKIE_LEN) {
    return 0;
  }
  cur = st->n_keys - 1;
  put32(out, st->keys[cur].id);
  NCK_MakeNonce(st, out + 4);
  memcpy(pt, c2s, NCK_KEY_LEN);
  memcpy(pt + NCK_KEY_LEN, s2c, NCK_KEY_LEN);
  /* AD = the key id (RFC 8915 §6 leaves it open; binding it costs nothing). */
  n = NCK_SivEncrypt(st->siv[cur], out + 4, NCK_NONCE_LEN, out, 4, pt, sizeof(pt),
                     out + 4 + NCK_NONCE_LEN, cap - 4 - NCK_NONCE_LEN);
  memset(pt, 0, sizeof(pt));
  if (n != NCK_TAG_LEN + sizeof(pt)) {
    return 0;
  }
  st->stats.sealed++;
  return NCK_COOKIE_LEN;
}

NCK_Status NCK_Open(NCK_Store *st, const uint8_t *cookie, size_t len, uint8_t *c2s,
                    uint8_t *s2c)
{
  uint8_t pt[2 * NCK_KEY_LEN];
  uint32_t id;
  size_t i, plen = 0;

  if (!cookie || len != NCK_COOKIE_LEN) {
    st->stats.bad_length++;
    return NCK_ERR_LENGTH;
  }
  id = get32(cookie);
  for (i = 0; i < st->n_keys; i++) {
    if (st->keys[i].id == id) {
      break;
    }
  }
  if (i == st->n_keys) {
    st->stats.unknown_key++;
    return NCK_ERR_KEY_ID;
  }
  if (!NCK_SivDecrypt(st->siv[i], cookie + 4, NCK_NONCE_LEN, cookie, 4,
                      cookie + 4 + NCK_NONCE_LEN, len - 4 - NCK_NONCE_LEN, pt, sizeof(pt),
                      &plen) ||
      plen != sizeof(pt)) {
    st->stats.bad_auth++;
    return NCK_ERR_AUTH;
  }
  memcpy(c2s, pt, NCK_KEY_LEN);
  memcpy(s2c, pt + NCK_KEY_LEN, NCK_KEY_LEN);
  memset(pt, 0, sizeof(pt));
  st->stats.opened++;
  return NCK_OK;
}

const NCK_Stats *NCK_GetStats(const NCK_Store *st)
{
  return &st->stats;
}

const char *NCK_StatusName(NCK_Status s)
{
  switch (s) {
  case NCK_OK:
    return "ok";
  case NCK_ERR_LENGTH:
    return "bad-length";
  case NCK_ERR_KEY_ID:
    return "unknown-key";
  case NCK_ERR_AUTH:
    return "bad-auth";
  case NCK_ERR_INTERNAL:
    return "internal";
  default:
    return "?";
  }
}

/* ---- Dump file text ------------------------------------------------------------------ */

#define KEYS_MAGIC "timed-nts-keys 1\n"

size_t NCK_FormatKeys(const NCK_Store *st, char *buf, size_t cap)
{
  size_t off, i, j;
  int n;

  n = snprintf(buf, cap, "%s", KEYS_MAGIC);
  if (n < 0 || (size_t)n >= cap) {
    return 0;
  }
  off = (size_t)n;
  for (i = 0; i < st->n_keys; i++) {
    n = snprintf(buf + off, cap - off, "%08x ", (unsigned)st->keys[i].id);
    if (n < 0 || (size_t)n >= cap - off) {
      return 0;
    }
    off += (size_t)n;
    for (j = 0; j < NCK_KEY_LEN; j++) {
      n = snprintf(buf + off, cap - off, "%02x", st->keys[i].key[j]);
      if (n < 0 || (size_t)n >= cap - off) {
        return 0;
      }
      off += (size_t)n;
    }
    if (off + 1 >= cap) {
      return 0;
    }
    buf[off++] = '\n';
    buf[off] = '\0';
  }
  return off;
}

static int hexval(char c)
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

/* Parse n hex digits at p into bytes (n even). */
static int parse_hex(const char *p, size_t n, uint8_t *out)
{
  size_t i;

  for (i = 0; i < n; i += 2) {
    int hi = hexval(p[i]), lo = hexval(p[i + 1]);

    if (hi < 0 || lo < 0) {
      return -1;
    }
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

int NCK_ParseKeys(NCK_Store *st, const char *text, size_t len)
{
  NCK_Key keys[NCK_MAX_KEYS];
  size_t off, n = 0, i;
  const size_t line_len = 8 + 1 + 2 * NCK_KEY_LEN;
  uint8_t idb[4];

  if (!text || len < sizeof(KEYS_MAGIC) - 1 || memcmp(text, KEYS_MAGIC, sizeof(KEYS_MAGIC) - 1)) {
    return -1;
  }
  off = sizeof(KEYS_MAGIC) - 1;
  while (off < len) {
    if (text[off] == '\n') {
      off++;
      continue;
    }
    if (len - off < line_len || n == NCK_MAX_KEYS || text[off + 8] != ' ' ||
        (len - off > line_len && text[off + line_len] != '\n')) {
      return -1;
    }
    if (parse_hex(text + off, 8, idb) < 0 ||
        parse_hex(text + off + 9, 2 * NCK_KEY_LEN, keys[n].key) < 0) {
      return -1;
    }
    keys[n].id = get32(idb);
    n++;
    off += line_len;
  }
  for (i = 0; i < n; i++) {
    if (NCK_AddKey(st, &keys[i]) < 0) {
      return -1;
    }
  }
  memset(keys, 0, sizeof(keys));
  return (int)n;
}
