/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_rec.c - NTS-KE record codec (RFC 8915 §4) [core].
 *
 * Parses field by field with explicit bounds; never allocates; no I/O.  Leniency is
 * deliberate where real peers differ: NTPsec sends the AEAD record without the critical bit
 * (RFC 8915 §4.1.5 says it SHOULD be set, not MUST), so the critical bit is not required on
 * known records.  Unknown critical records are refused (§4: "MUST... respond with an Error
 * record with code 0"), unknown non-critical ones are skipped.
 */
#include "nts_rec.h"

#include <string.h>

static uint16_t get16(const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

int NKR_Next(const uint8_t *buf, size_t len, size_t *off, NKR_Record *rec)
{
  size_t o = *off;
  uint16_t t, l;

  if (o > len || len - o < 4) {
    return 0;
  }
  t = get16(buf + o);
  l = get16(buf + o + 2);
  if (len - o - 4 < l) {
    return 0;
  }
  rec->critical = (t & NKR_CRITICAL) != 0;
  rec->type = t & 0x7fff;
  rec->body_len = l;
  rec->body = buf + o + 4;
  *off = o + 4 + l;
  return 1;
}

/* 1 if the list of 16-bit ids in body holds id. */
static int list_has(const NKR_Record *r, uint16_t id)
{
  size_t i;

  for (i = 0; i + 1 < r->body_len; i += 2) {
    if (get16(r->body + i) == id) {
      return 1;
    }
  }
  return 0;
}

/* Status when the next record is incomplete. */
static NKR_Status incomplete(size_t len)
{
  return len >= NKR_MAX_MESSAGE ? NKR_TOO_LONG : NKR_NEED_MORE;
}

NKR_Status NKR_ParseRequest(const uint8_t *buf, size_t len, NKR_Request *out, int *error_code)
{
  NKR_Record r;
  size_t off = 0;
  int seen_proto = 0, seen_server = 0, seen_port = 0;
  NKR_Status st = NKR_NEED_MORE;

  memset(out, 0, sizeof(*out));
  *error_code = NKR_ERR_BAD_REQUEST;

  for (;;) {
    if (out->n_records >= NKR_MAX_RECORDS) {
      st = NKR_TOO_MANY;
      break;
    }
    if (!NKR_Next(buf, len, &off, &r)) {
      st = incomplete(len);
      break;
    }
    out->n_records++;
    if (off > NKR_MAX_MESSAGE) {
      st = NKR_TOO_LONG;
      break;
    }

    if (r.type == NKR_END_OF_MESSAGE) {
      if (r.body_len != 0) {
        st = NKR_BAD_EOM;
      } else if (off != len) {
        st = NKR_AFTER_EOM;
      } else if (!seen_proto || (out->ntpv4 && !out->has_aead)) {
        /* §4.1.2: exactly one Next Protocol; §4.1.5: AEAD is required with NTPv4. */
        st = NKR_MISSING;
      } else {
        out->length = off;
        st = NKR_OK;
      }
      break;
    }

    switch (r.type) {
    case NKR_NEXT_PROTOCOL:
      if (seen_proto) {
        return NKR_DUPLICATE;
      }
      seen_proto = 1;
      if (r.body_len % 2) {
        return NKR_BAD_LENGTH;
      }
      out->ntpv4 = list_has(&r, NKR_PROTO_NTPV4);
      break;
    case NKR_AEAD:
      if (out->has_aead) {
        return NKR_DUPLICATE;
      }
      out->has_aead = 1;
      if (r.body_len % 2) {
        return NKR_BAD_LENGTH;
      }
      out->aead15 = list_has(&r, NKR_AEAD_SIV_CMAC_256);
      break;
    case NKR_ERROR:
    case NKR_WARNING:
      /* Only servers send these (§4.1.3, §4.1.4). */
      return NKR_UNEXPECTED;
    case NKR_NEW_COOKIE:
      /* Meaningless from a client; harmless if not critical. */
      if (r.critical) {
        return NKR_UNEXPECTED;
      }
      break;
    case NKR_SERVER:
      /* A client may state a preference (§4.1.7); we ignore it but check its form. */
      if (seen_server) {
        return NKR_DUPLICATE;
      }
      seen_server = 1;
      if (r.body_len > NKR_MAX_SERVER_LEN) {
        return NKR_BAD_LENGTH;
      }
      break;
    case NKR_PORT:
      if (seen_port) {
        return NKR_DUPLICATE;
      }
      seen_port = 1;
      if (r.body_len != 2) {
        return NKR_BAD_LENGTH;
      }
      break;
    default:
      if (r.critical) {
        *error_code = NKR_ERR_UNRECOGNIZED_CRITICAL;
        return NKR_UNKNOWN_CRITICAL;
      }
      break;
    }
  }
  return st;
}

NKR_Status NKR_ParseResponse(const uint8_t *buf, size_t len, NKR_Response *out)
{
  NKR_Record r;
  size_t off = 0;

  memset(out, 0, sizeof(*out));
  out->proto = out->aead = out->error = out->warning = -1;

  for (;;) {
    if (out->n_records >= NKR_MAX_RECORDS) {
      return NKR_TOO_MANY;
    }
    if (!NKR_Next(buf, len, &off, &r)) {
      return incomplete(len);
    }
    out->n_records++;
    if (off > NKR_MAX_MESSAGE) {
      return NKR_TOO_LONG;
    }

    switch (r.type) {
    case NKR_END_OF_MESSAGE:
      if (r.body_len != 0) {
        return NKR_BAD_EOM;
      }
      if (off != len) {
        return NKR_AFTER_EOM;
      }
      out->length = off;
      if (out->error >= 0) {
        return NKR_PEER_ERROR;
      }
      if (!out->has_proto || out->proto != NKR_PROTO_NTPV4 || !out->has_aead ||
          out->aead != NKR_AEAD_SIV_CMAC_256) {
        return NKR_MISSING;
      }
      return NKR_OK;
    case NKR_NEXT_PROTOCOL:
      /* §4.1.2: the server's record holds exactly one protocol id, or none. */
      if (out->has_proto) {
        return NKR_DUPLICATE;
      }
      out->has_proto = 1;
      if (r.body_len != 0 && r.body_len != 2) {
        return NKR_BAD_LENGTH;
      }
      out->proto = r.body_len ? get16(r.body) : -1;
      break;
    case NKR_AEAD:
      if (out->has_aead) {
        return NKR_DUPLICATE;
      }
      out->has_aead = 1;
      if (r.body_len != 0 && r.body_len != 2) {
        return NKR_BAD_LENGTH;
      }
      out->aead = r.body_len ? get16(r.body) : -1;
      break;
    case NKR_ERROR:
    case NKR_WARNING:
      if (r.body_len != 2) {
        return NKR_BAD_LENGTH;
      }
      if (r.type == NKR_ERROR) {
        out->error = get16(r.body);
      } else {
        out->warning = get16(r.body);
      }
      break;
    case NKR_NEW_COOKIE:
      if (r.body_len == 0 || r.body_len > NKR_MAX_COOKIE_LEN) {
        return NKR_BAD_LENGTH;
      }
      if (out->n_cookies < NKR_MAX_COOKIES) {
        out->cookies[out->n_cookies] = r.body;
        out->cookie_len[out->n_cookies] = r.body_len;
        out->n_cookies++;
      }
      break;
    case NKR_SERVER:
      if (out->server[0]) {
        return NKR_DUPLICATE;
      }
      if (r.body_len == 0 || r.body_len > NKR_MAX_SERVER_LEN ||
          memchr(r.body, '\0', r.body_len)) {
        return NKR_BAD_LENGTH;
      }
      memcpy(out->server, r.body, r.body_len);
      out->server[r.body_len] = '\0';
      break;
    case NKR_PORT:
      if (out->port) {
        return NKR_DUPLICATE;
      }
      if (r.body_len != 2 || get16(r.body) == 0) {
        return NKR_BAD_LENGTH;
      }
      out->port = get16(r.body);
      break;
    default:
      if (r.critical) {
        return NKR_UNKNOWN_CRITICAL;
      }
      break;
    }
  }
}

size_t NKR_Append(uint8_t *buf, size_t off, size_t cap, uint16_t type, int critical,
                  const uint8_t *body, size_t body_len)
{
  if (body_len > 0xffff || off > cap || cap - off < 4 + body_len) {
    return 0;
  }
  put16(buf + off, (uint16_t)((type & 0x7fff) | (critical ? NKR_CRITICAL : 0)));
  put16(buf + off + 2, (uint16_t)body_len);
  if (body_len) {
    memcpy(buf + off + 4, body, body_len);
  }
  return off + 4 + body_len;
}

size_t NKR_AppendU16(uint8_t *buf, size_t off, size_t cap, uint16_t type, int critical,
                     uint16_t value)
{
  uint8_t b[2];

  put16(b, value);
  return NKR_Append(buf, off, cap, type, critical, b, 2);
}

/* Append the optional Server and Port records; 0 on overflow. */
static size_t append_server_port(uint8_t *buf, size_t off, size_t cap, const char *server,
                                 int port)
{
  size_t n;

  if (server && server[0]) {
    n = strlen(server);
    if (n > NKR_MAX_SERVER_LEN) {
      return 0;
    }
    off = NKR_Append(buf, off, cap, NKR_SERVER, 1, (const uint8_t *)server, n);
  }
  if (off && port > 0 && port <= 65535) {
    off = NKR_AppendU16(buf, off, cap, NKR_PORT, 1, (uint16_t)port);
  }
  return off;
}

size_t NKR_BuildResponse(uint8_t *buf, size_t cap, const char *server, int port,
                         const uint8_t *cookies, size_t cookie_len, size_t n_cookies)
{
  size_t off, i;

  off = NKR_AppendU16(buf, 0, cap, NKR_NEXT_PROTOCOL, 1, NKR_PROTO_NTPV4);
  if (off) {
    off = NKR_AppendU16(buf, off, cap, NKR_AEAD, 1, NKR_AEAD_SIV_CMAC_256);
  }
  if (off) {
    off = append_server_port(buf, off, cap, server, port);
  }
  /* New Cookie records are never critical (§4.1.6). */
  for (i = 0; off && i < n_cookies; i++) {
    off = NKR_Append(buf, off, cap, NKR_NEW_COOKIE, 0, cookies + i * cookie_len, cookie_len);
  }
  if (off) {
    off = NKR_Append(buf, off, cap, NKR_END_OF_MESSAGE, 1, NULL, 0);
  }
  return off;
}

size_t NKR_BuildError(uint8_t *buf, size_t cap, uint16_t code)
{
  size_t off = NKR_AppendU16(buf, 0, cap, NKR_ERROR, 1, code);

  return off ? NKR_Append(buf, off, cap, NKR_END_OF_MESSAGE, 1, NULL, 0) : 0;
}

size_t NKR_BuildRequest(uint8_t *buf, size_t cap, const char *server, int port)
{
  size_t off;

  off = NKR_AppendU16(buf, 0, cap, NKR_NEXT_PROTOCOL, 1, NKR_PROTO_NTPV4);
  if (off) {
    off = NKR_AppendU16(buf, off, cap, NKR_AEAD, 1, NKR_AEAD_SIV_CMAC_256);
  }
  if (off) {
    off = append_server_port(buf, off, cap, server, port);
  }
  if (off) {
    off = NKR_Append(buf, off, cap, NKR_END_OF_MESSAGE, 1, NULL, 0);
  }
  return off;
}

const char *NKR_StatusName(NKR_Status s)
{
  static const char *const names[NKR_STATUS_COUNT] = {
    "ok", "need-more", "bad-length", "too-long", "too-many-records", "unknown-critical",
    "duplicate", "data-after-eom", "bad-eom", "missing-record", "unexpected-record",
    "peer-error",
  };

  return (unsigned)s < NKR_STATUS_COUNT ? names[s] : "?";
}
