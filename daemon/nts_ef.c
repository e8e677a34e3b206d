/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_ef.c - NTS extension fields on the NTP port (RFC 8915 §5) [core].
 *
 * Every length is checked before use; the packet is never modified; no allocation.
 * Responses are built so that they are never longer than the request (RFC 8915 §5.7 and
 * §10.1: no amplification): the number of new cookies is cut down until they fit.  No I/O.
 */
#include "nts_ef.h"

#include <string.h>

#define PAD4(n) (((n) + 3) & ~(size_t)3)

static uint16_t get16(const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, size_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

NEF_Status NEF_ParseRequest(const NWR_Packet *pkt, const uint8_t *buf, size_t len,
                            NEF_Request *out)
{
  const NWR_ExtField *ef;
  size_t i, n_uid = 0, n_cookie = 0, n_auth = 0, auth_index = 0, nl, cl;
  size_t n_ph = 0;
  const NWR_ExtField *ph[NWR_MAX_EF];

  memset(out, 0, sizeof(*out));
  for (i = 0; i < pkt->n_ef; i++) {
    ef = &pkt->ef[i];
    switch (ef->type) {
    case NEF_UID:
      n_uid++;
      out->uid = ef->body;
      out->uid_len = ef->body_len;
      break;
    case NEF_COOKIE:
      n_cookie++;
      out->cookie = ef->body;
      out->cookie_len = ef->body_len;
      break;
    case NEF_PLACEHOLDER:
      ph[n_ph++] = ef;
      break;
    case NEF_AUTH:
      n_auth++;
      auth_index = i;
      break;
    default:
      break;
    }
  }
  /* An NTS request has an authenticator, or at least a UID with a cookie.  A lone cookie
     field is just an unknown field to a plain NTP server (answered, never echoed). */
  if (n_auth == 0 && (n_cookie == 0 || n_uid == 0)) {
    return NEF_NOT_NTS;
  }
  if (n_uid != 1 || out->uid_len < NEF_MIN_UID_LEN) {
    return NEF_ERR_UID;
  }
  if (n_cookie != 1 || out->cookie_len == 0) {
    return NEF_ERR_COOKIE;
  }
  if (n_auth != 1) {
    return NEF_ERR_AUTH_FORMAT;
  }
  /* §5.6: fields after the authenticator would be unauthenticated; we take none. */
  if (auth_index != pkt->n_ef - 1) {
    return NEF_ERR_AUTH_NOT_LAST;
  }
  /* §5.5: a placeholder is as long as the cookie; others earn no cookie. */
  for (i = 0; i < n_ph; i++) {
    if (ph[i]->body_len == out->cookie_len) {
      out->n_placeholders++;
    } else {
      out->n_bad_placeholders++;
    }
  }

  /* §5.6 layout: nonce length, ciphertext length, nonce (padded), ciphertext (padded). */
  ef = &pkt->ef[auth_index];
  if (ef->body_len < 4) {
    return NEF_ERR_AUTH_FORMAT;
  }
  nl = get16(ef->body);
  cl = get16(ef->body + 2);
  if (nl < NEF_MIN_NONCE_LEN || cl < NCK_TAG_LEN || 4 + PAD4(nl) + PAD4(cl) > ef->body_len) {
    return NEF_ERR_AUTH_FORMAT;
  }
  out->nonce = ef->body + 4;
  out->nonce_len = nl;
  out->ct = ef->body + 4 + PAD4(nl);
  out->ct_len = cl;
  out->auth_offset = (size_t)(ef->body - 4 - buf);
  if (out->auth_offset < NWR_HEADER_LEN || out->auth_offset > len) {
    return NEF_ERR_INTERNAL;
  }
  return NEF_OK;
}

/* Check the decrypted fields: well-formed, and no authenticator inside (no nesting). */
static int check_plaintext(const uint8_t *p, size_t len)
{
  size_t off = 0, l;

  while (off < len) {
    if (len - off < 4) {
      return 0;
    }
    l = get16(p + off + 2);
    if (l < 4 || l % 4 || l > len - off || get16(p + off) == NEF_AUTH) {
      return 0;
    }
    off += l;
  }
  return 1;
}

NEF_Status NEF_VerifyRequest(NCK_Store *st, NCK_Siv *siv, const uint8_t *buf,
                             const NEF_Request *rq, uint8_t *c2s, uint8_t *s2c,
                             NCK_Status *cst)
{
  uint8_t pt[NWR_MAX_PACKET];
  size_t plen = 0;

  *cst = NCK_Open(st, rq->cookie, rq->cookie_len, c2s, s2c);
  if (*cst != NCK_OK) {
    return NEF_ERR_COOKIE_OPEN;
  }
  if (rq->ct_len - NCK_TAG_LEN > sizeof(pt)) {
    return NEF_ERR_AUTH_FORMAT;
  }
  if (NCK_SivSetKey(siv, c2s) < 0) {
    return NEF_ERR_INTERNAL;
  }
  if (!NCK_SivDecrypt(siv, rq->nonce, rq->nonce_len, buf, rq->auth_offset, rq->ct, rq->ct_len,
                      pt, sizeof(pt), &plen)) {
    return NEF_ERR_AUTH_FAIL;
  }
  if (!check_plaintext(pt, plen)) {
    return NEF_ERR_NESTED;
  }
  return NEF_OK;
}

size_t NEF_AppendUid(const NEF_Request *rq, uint8_t *resp, size_t off, size_t cap)
{
  return NWR_AppendExtField(resp, off, cap, NEF_UID, rq->uid, rq->uid_len, NWR_MIN_EF_LEN);
}

/* Append an authenticator over resp[0..off) with plaintext pt (plen bytes). */
static size_t append_auth(NCK_Siv *siv, const uint8_t *nonce, size_t nlen, const uint8_t *pt,
                          size_t plen, uint8_t *buf, size_t off, size_t cap)
{
  size_t body_len = 4 + PAD4(nlen) + PAD4(plen + NCK_TAG_LEN), n;
  uint8_t *b;

  if (off > cap || cap - off < 4 + body_len || 4 + body_len > 0xffff) {
    return 0;
  }
  b = buf + off;
  memset(b, 0, 4 + body_len);
  put16(b, NEF_AUTH);
  put16(b + 2, 4 + body_len);
  put16(b + 4, nlen);
  put16(b + 6, plen + NCK_TAG_LEN);
  memcpy(b + 8, nonce, nlen);
  n = NCK_SivEncrypt(siv, nonce, nlen, buf, off, pt, plen, b + 8 + PAD4(nlen),
                     cap - off - 8 - PAD4(nlen));
  if (n != plen + NCK_TAG_LEN) {
    return 0;
  }
  return off + 4 + body_len;
}

size_t NEF_BuildResponse(NCK_Store *st, NCK_Siv *siv, const NEF_Request *rq,
                         const uint8_t *c2s, const uint8_t *s2c, uint8_t *resp, size_t off,
                         size_t cap, size_t max_len, size_t *n_cookies)
{
  uint8_t pt[NEF_MAX_NEW_COOKIES * (4 + NCK_COOKIE_LEN)];
  uint8_t nonce[NCK_NONCE_LEN];
  size_t n, i, plen, fixed, r;

  *n_cookies = 0;
  off = NEF_AppendUid(rq, resp, off, cap);
  if (!off) {
    return 0;
  }
  /* As many cookies as the request paid for, and as fit within its length. */
  n = 1 + rq->n_placeholders;
  if (n > NEF_MAX_NEW_COOKIES) {
    n = NEF_MAX_NEW_COOKIES;
  }
  fixed = off + 4 + 4 + NCK_NONCE_LEN + NCK_TAG_LEN;
  while (n > 0 && fixed + n * (4 + NCK_COOKIE_LEN) > max_len) {
    n--;
  }
  if (n == 0) {
    return 0;
  }
  plen = 0;
  for (i = 0; i < n; i++) {
    put16(pt + plen, NEF_COOKIE);
    put16(pt + plen + 2, 4 + NCK_COOKIE_LEN);
    if (NCK_Seal(st, c2s, s2c, pt + plen + 4, NCK_COOKIE_LEN) != NCK_COOKIE_LEN) {
      return 0;
    }
    plen += 4 + NCK_COOKIE_LEN;
  }
  NCK_MakeNonce(st, nonce);
  if (NCK_SivSetKey(siv, s2c) < 0) {
    return 0;
  }
  r = append_auth(siv, nonce, sizeof(nonce), pt, plen, resp, off, cap);
  memset(pt, 0, sizeof(pt));
  if (r) {
    *n_cookies = n;
  }
  return r;
}

size_t NEF_BuildRequest(NCK_Siv *siv, const uint8_t *c2s, const uint8_t *uid, size_t uid_len,
                        const uint8_t *cookie, size_t cookie_len, size_t n_placeholders,
                        const uint8_t *nonce16, uint8_t *buf, size_t off, size_t cap)
{
  size_t i;

  off = NWR_AppendExtField(buf, off, cap, NEF_UID, uid, uid_len, NWR_MIN_EF_LEN);
  if (off) {
    off = NWR_AppendExtField(buf, off, cap, NEF_COOKIE, cookie, cookie_len, NWR_MIN_EF_LEN);
  }
  for (i = 0; off && i < n_placeholders; i++) {
    /* A placeholder's body is zeros, as long as the cookie (§5.5). */
    if (off > cap || cap - off < 4 + PAD4(cookie_len)) {
      return 0;
    }
    memset(buf + off, 0, 4 + PAD4(cookie_len));
    put16(buf + off, NEF_PLACEHOLDER);
    put16(buf + off + 2, 4 + PAD4(cookie_len));
    off += 4 + PAD4(cookie_len);
  }
  if (!off || NCK_SivSetKey(siv, c2s) < 0) {
    return 0;
  }
  return append_auth(siv, nonce16, NCK_NONCE_LEN, NULL, 0, buf, off, cap);
}

NEF_Status NEF_CheckResponse(NCK_Siv *siv, const uint8_t *s2c, const uint8_t *uid,
                             size_t uid_len, const uint8_t *buf, size_t len,
                             uint8_t *cookies, size_t cookie_cap, size_t *lens,
                             size_t max_cookies, size_t *n_cookies)
{
  NWR_Packet pkt;
  NEF_Request rq;
  uint8_t pt[NWR_MAX_PACKET];
  size_t i, plen = 0, off, l, t, n = 0;
  int has_uid = 0, n_auth = 0;

  *n_cookies = 0;
  if (NWR_Parse(buf, len, &pkt) != NWR_OK) {
    return NEF_ERR_AUTH_FORMAT;
  }
  memset(&rq, 0, sizeof(rq));
  for (i = 0; i < pkt.n_ef; i++) {
    if (pkt.ef[i].type == NEF_UID) {
      if (has_uid || pkt.ef[i].body_len != PAD4(uid_len) ||
          memcmp(pkt.ef[i].body, uid, uid_len) != 0) {
        return NEF_ERR_UID;
      }
      has_uid = 1;
    } else if (pkt.ef[i].type == NEF_AUTH) {
      const NWR_ExtField *ef = &pkt.ef[i];
      size_t nl, cl;

      if (++n_auth > 1 || i != pkt.n_ef - 1 || ef->body_len < 4) {
        return NEF_ERR_AUTH_FORMAT;
      }
      nl = get16(ef->body);
      cl = get16(ef->body + 2);
      if (nl < 1 || cl < NCK_TAG_LEN || 4 + PAD4(nl) + PAD4(cl) > ef->body_len) {
        return NEF_ERR_AUTH_FORMAT;
      }
      rq.nonce = ef->body + 4;
      rq.nonce_len = nl;
      rq.ct = ef->body + 4 + PAD4(nl);
      rq.ct_len = cl;
      rq.auth_offset = (size_t)(ef->body - 4 - buf);
    }
  }
  if (!has_uid) {
    return NEF_ERR_UID;
  }
  if (n_auth != 1) {
    return NEF_ERR_AUTH_FORMAT;
  }
  if (rq.ct_len - NCK_TAG_LEN > sizeof(pt) || NCK_SivSetKey(siv, s2c) < 0) {
    return NEF_ERR_INTERNAL;
  }
  if (!NCK_SivDecrypt(siv, rq.nonce, rq.nonce_len, buf, rq.auth_offset, rq.ct, rq.ct_len, pt,
                      sizeof(pt), &plen)) {
    return NEF_ERR_AUTH_FAIL;
  }
  if (!check_plaintext(pt, plen)) {
    return NEF_ERR_NESTED;
  }
  for (off = 0; off < plen; off += l) {
    t = get16(pt + off);
    l = get16(pt + off + 2);
    if (t == NEF_COOKIE && n < max_cookies && l - 4 <= cookie_cap && l > 4) {
      memcpy(cookies + n * cookie_cap, pt + off + 4, l - 4);
      lens[n] = l - 4;
      n++;
    }
  }
  *n_cookies = n;
  return NEF_OK;
}

const char *NEF_StatusName(NEF_Status s)
{
  static const char *const names[NEF_STATUS_COUNT] = {
    "ok", "not-nts", "bad-uid", "bad-cookie-field", "bad-authenticator", "fields-after-auth",
    "cookie-rejected", "auth-failed", "nested-or-bad-encrypted-field", "internal",
  };

  return (unsigned)s < NEF_STATUS_COUNT ? names[s] : "?";
}
