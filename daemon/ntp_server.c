/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_server.c - the NTP server's decision: request bytes in, response bytes out [core].
 *
 * No I/O, no clock reads, no allocation per packet: the shell passes the packet, its
 * receive time, the transmit time to use, a monotonic `now` for the rate limiter and
 * random bits, and gets back bytes to send (or a counted reason not to).
 *
 * The order of the checks is fixed: count -> access rules -> parse -> mode -> rate limit
 * -> reply.  Access comes first so that a denied source costs no parsing; the rate limiter
 * comes after the mode check so that packets we would never answer do not use up a real
 * client's tokens.  Only client requests are answered (mode 3, or mode 0 from version 1:
 * NTPv1 packets had no mode field, and RFC 1305 treats them as client requests).
 * Responses, broadcasts, symmetric modes, control (6) and private (7) packets are dropped,
 * so no packet of ours can start a reply loop and the amplifiers of old (mode 7 monlist,
 * mode 6 queries) do not exist here.  Every response is at most as long as its request
 * (asserted).
 */
#include "ntp_server.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ntp_wire.h"
#include "nts_ef.h"
#include "util.h"

/* RFC 5905 PHI (its appendix A.1.1 constants): dispersion grows by 15 ppm of the time since
   the last update, the frequency tolerance assumed for any clock. */
#define PHI 15e-6

/* What RFC 5905 calls a crypto-NAK: a MAC field holding only a key id of zero, telling the
   client its MAC could not be verified. */
#define CRYPTO_NAK_LEN 4

struct NSV_Server {
  const ADF_Table *acl;
  CLG_Table *clients;
  NCK_Store *nts_keys;  /* NULL: NTS off */
  NCK_Siv *nts_siv;     /* scratch AEAD context, rekeyed per packet (C2S, then S2C) */
  NSV_Stats stats;
};

NSV_Server *NSV_Create(const ADF_Table *acl, CLG_Table *clients)
{
  NSV_Server *s;

  if (!acl) {
    return NULL;
  }
  s = calloc(1, sizeof(*s));
  if (!s) {
    return NULL;
  }
  s->acl = acl;
  s->clients = clients;
  return s;
}

void NSV_Destroy(NSV_Server *s)
{
  if (s) {
    NCK_SivDestroy(s->nts_siv);
  }
  free(s);
}

int NSV_SetNtsKeys(NSV_Server *s, NCK_Store *keys)
{
  static const uint8_t zero_key[NCK_KEY_LEN];

  if (keys && !s->nts_siv) {
    s->nts_siv = NCK_SivCreate(zero_key);
    if (!s->nts_siv) {
      return -1;
    }
  }
  s->nts_keys = keys;
  return 0;
}

const NSV_Stats *NSV_GetStats(const NSV_Server *s)
{
  return &s->stats;
}

const char *NSV_ResultName(NSV_Result r)
{
  switch (r) {
  case NSV_REPLY:
    return "reply";
  case NSV_REPLY_KOD:
    return "kod-rate";
  case NSV_DROP_DENIED:
    return "denied";
  case NSV_DROP_MALFORMED:
    return "malformed";
  case NSV_DROP_MODE:
    return "bad-mode";
  case NSV_DROP_RATE:
    return "rate-limited";
  case NSV_REPLY_NTS:
    return "nts-reply";
  case NSV_REPLY_NTS_NAK:
    return "nts-nak";
  case NSV_DROP_NTS:
    return "nts-dropped";
  default:
    return "?";
  }
}

/* 1 when ref describes a usable synchronised state.  A stratum outside 1..15 would be
   read by a client as a KoD (0) or as unsynchronised (16), so it is answered as
   unsynchronised rather than with an inconsistent header. */
static int is_synchronised(const NSV_RefState *ref)
{
  return ref && ref->synchronised && ref->stratum >= 1 && ref->stratum <= 15 &&
         ref->leap != NWR_LEAP_UNSYNC;
}

/* Fill the response header for a normal answer (RFC 5905 §7.3 fields, as its fast_xmit()
   example code answers a client). */
static void fill_reply(NWR_Header *r, const NWR_Header *q, const NSV_RefState *ref,
                       const struct timespec *rx_ts, const struct timespec *tx_ts)
{
  memset(r, 0, sizeof(*r));
  r->version = q->version;
  r->mode = NWR_MODE_SERVER; /* also for a version 1 mode 0 request */
  r->poll = q->poll;
  r->precision = ref ? ref->precision : 0;

  if (is_synchronised(ref)) {
    double since = UTI_DiffTimespecs(tx_ts, &ref->ref_time);

    /* A reference time in the future (clock stepped back) adds nothing. */
    if (!(since > 0.0)) {
      since = 0.0;
    }
    r->leap = ref->leap;
    r->stratum = ref->stratum;
    r->root_delay = UTI_DoubleToNtp32(ref->root_delay);
    r->root_dispersion = UTI_DoubleToNtp32(ref->root_dispersion + PHI * since);
    r->ref_id = ref->ref_id;
    r->ref_ts = UTI_IsZeroTs(&ref->ref_time) ? 0 : UTI_TimespecToNtp64(&ref->ref_time);
  } else {
    /* Unsynchronised, as chronyd answers: alarm, stratum 0 (RFC 5905 §7.3 "unspecified or
       invalid"), no reference, zero root distance. */
    r->leap = NWR_LEAP_UNSYNC;
    r->stratum = 0;
  }

  /* The origin must be the request's transmit field bit for bit: the client matches it
     against what it sent (RFC 5905 §8, bogus packet test). */
  r->orig_ts = q->tx_ts;
  r->rx_ts = UTI_TimespecToNtp64(rx_ts);
  r->tx_ts = UTI_TimespecToNtp64(tx_ts);
}

/* Fill a RATE kiss-o'-death (RFC 5905 §7.4): LI alarm, stratum 0, kiss code in the
   reference id; the origin is echoed so that a client can tell it is a reply to its own
   request and not a spoofed KoD; the poll field tells it how often it may ask. */
static void fill_kod(NWR_Header *r, const NWR_Header *q, const NSV_RefState *ref,
                     int min_poll, const struct timespec *rx_ts, const struct timespec *tx_ts)
{
  memset(r, 0, sizeof(*r));
  r->leap = NWR_LEAP_UNSYNC;
  r->version = q->version;
  r->mode = NWR_MODE_SERVER;
  r->stratum = 0;
  r->poll = q->poll > min_poll ? q->poll : (int8_t)min_poll;
  r->precision = ref ? ref->precision : 0;
  r->ref_id = NWR_KOD_RATE;
  r->orig_ts = q->tx_ts;
  r->rx_ts = UTI_TimespecToNtp64(rx_ts);
  r->tx_ts = UTI_TimespecToNtp64(tx_ts);
}

/* An NTS request whose fields are well-formed (RFC 8915 §5.7): open the cookie, verify
   the authenticator, then answer with the echoed UID and an authenticator holding new
   cookies, or with an NTS NAK.  Neither is ever longer than the request. */
static NSV_Result handle_nts(NSV_Server *s, const NWR_Packet *pkt, const NEF_Request *nrq,
                             const uint8_t *req, size_t len, const NSV_RefState *ref,
                             const struct timespec *rx_ts, const struct timespec *tx_ts,
                             uint8_t *resp, size_t cap, size_t *resp_len)
{
  uint8_t c2s[NCK_KEY_LEN], s2c[NCK_KEY_LEN];
  NWR_Header reply;
  NCK_Status cst = NCK_OK;
  NEF_Status st;
  size_t out_len, n_cookies = 0;

  assert(resp && resp_len && cap >= NWR_HEADER_LEN + CRYPTO_NAK_LEN);
  st = NEF_VerifyRequest(s->nts_keys, s->nts_siv, req, nrq, c2s, s2c, &cst);
  if (st == NEF_ERR_COOKIE_OPEN || st == NEF_ERR_AUTH_FAIL) {
    /* NTS NAK (§5.7): a KoD with code NTSN, the UID echoed so the client can match it,
       no authenticator (we have no key the client would trust for it). */
    fill_kod(&reply, &pkt->h, ref, pkt->h.poll, rx_ts, tx_ts);
    reply.ref_id = NEF_KOD_NTSN;
    out_len = NWR_EncodeHeader(&reply, resp, cap);
    out_len = out_len ? NEF_AppendUid(nrq, resp, out_len, cap) : 0;
    if (!out_len || out_len > len) {
      s->stats.nts_dropped_other++;
      return NSV_DROP_NTS;
    }
    if (st == NEF_ERR_COOKIE_OPEN) {
      s->stats.nts_nak_cookie++;
    } else {
      s->stats.nts_nak_auth++;
    }
    s->stats.nts_naks++;
    *resp_len = out_len;
    return NSV_REPLY_NTS_NAK;
  }
  if (st != NEF_OK) {
    memset(c2s, 0, sizeof(c2s));
    memset(s2c, 0, sizeof(s2c));
    s->stats.nts_dropped_other++;
    return NSV_DROP_NTS;
  }

  fill_reply(&reply, &pkt->h, ref, rx_ts, tx_ts);
  out_len = NWR_EncodeHeader(&reply, resp, cap);
  out_len = out_len ? NEF_BuildResponse(s->nts_keys, s->nts_siv, nrq, c2s, s2c, resp, out_len,
                                        cap, len, &n_cookies) : 0;
  memset(c2s, 0, sizeof(c2s));
  memset(s2c, 0, sizeof(s2c));
  if (!out_len || out_len > len) {
    s->stats.nts_dropped_other++;
    return NSV_DROP_NTS;
  }
  s->stats.nts_replied++;
  s->stats.nts_cookies += n_cookies;
  *resp_len = out_len;
  return NSV_REPLY_NTS;
}

NSV_Result NSV_HandleRequest(NSV_Server *s, const IPAddr *from, const uint8_t *req, size_t len,
                             const struct timespec *rx_ts, const struct timespec *tx_ts,
                             const struct timespec *mono_now, const NSV_RefState *ref,
                             uint32_t random32, uint8_t *resp, size_t cap, size_t *resp_len)
{
  NWR_Packet pkt;
  NWR_Header reply;
  IPAddr addr;
  CLG_Verdict verdict = CLG_PASS;
  size_t out_len;
  int version, mode;
  NEF_Request nrq;
  NEF_Status nts = NEF_NOT_NTS;

  if (resp_len) {
    *resp_len = 0;
  }
  s->stats.received++;

  /* Access rules: mapped IPv6 sources are matched, and logged, as the IPv4 host they are. */
  if (!from) {
    s->stats.denied++;
    return NSV_DROP_DENIED;
  }
  addr = *from;
  ADDR_Unmap(&addr);
  if (!ADF_IsAllowed(s->acl, &addr)) {
    s->stats.denied++;
    return NSV_DROP_DENIED;
  }

  if (!req || len < NWR_HEADER_LEN) {
    s->stats.malformed++;
    return NSV_DROP_MALFORMED;
  }
  /* Count by the first byte (LI:2 VN:3 Mode:3, RFC 5905 §7.3) even if the rest fails to
     parse, so that `serverstats` shows what kind of junk arrives. */
  version = (req[0] >> 3) & 7;
  mode = req[0] & 7;
  s->stats.by_version[version]++;
  s->stats.by_mode[mode]++;

  if (NWR_Parse(req, len, &pkt) != NWR_OK) {
    s->stats.malformed++;
    return NSV_DROP_MALFORMED;
  }

  if (!(pkt.h.mode == NWR_MODE_CLIENT || (pkt.h.version == 1 && pkt.h.mode == NWR_MODE_RESERVED))) {
    s->stats.bad_mode++;
    return NSV_DROP_MODE;
  }
  if (pkt.has_mac) {
    s->stats.with_mac++;
  }
  if (pkt.n_ef > 0) {
    s->stats.with_ef++;
    nts = NEF_ParseRequest(&pkt, req, len, &nrq);
  }
  if (nts != NEF_NOT_NTS) {
    /* Checked before the rate limiter: a request we will drop anyway uses no tokens, and
       these checks cost no crypto. */
    s->stats.nts_requests++;
    if (!s->nts_keys) {
      /* No NTS here: no answer at all, so a prober learns nothing and an attacker gets no
         unauthenticated reply to a request its victim made. */
      s->stats.nts_dropped_disabled++;
      return NSV_DROP_NTS;
    }
    if (nts != NEF_OK || pkt.has_mac) {
      s->stats.nts_dropped_malformed++;
      return NSV_DROP_NTS;
    }
  }

  if (s->clients) {
    verdict = CLG_Access(s->clients, &addr, mono_now, random32);
  }
  if (verdict == CLG_DROP) {
    s->stats.rate_dropped++;
    return NSV_DROP_RATE;
  }

  if (nts == NEF_OK) {
    if (verdict == CLG_KOD) {
      s->stats.rate_dropped++;
      return NSV_DROP_RATE;
    }
    return handle_nts(s, &pkt, &nrq, req, len, ref, rx_ts, tx_ts, resp, cap, resp_len);
  }

  if (verdict == CLG_KOD) {
    fill_kod(&reply, &pkt.h, ref, CLG_RateInterval(s->clients), rx_ts, tx_ts);
  } else {
    fill_reply(&reply, &pkt.h, ref, rx_ts, tx_ts);
  }

  /* Our bugs, not the peer's: the caller must give room for a header and a crypto-NAK. */
  assert(resp && resp_len && cap >= NWR_HEADER_LEN + CRYPTO_NAK_LEN);
  out_len = NWR_EncodeHeader(&reply, resp, cap);
  assert(out_len == NWR_HEADER_LEN);

  /* Extension fields are never echoed.  A request with a legacy MAC gets a crypto-NAK
     (we hold no symmetric keys), and the KoD gets none: an unauthenticated KoD is what it
     is, and a client with a key will ignore it either way. */
  if (verdict == CLG_PASS && pkt.has_mac) {
    memset(resp + out_len, 0, CRYPTO_NAK_LEN);
    out_len += CRYPTO_NAK_LEN;
  }

  /* No amplification: a MAC is at least the 4-byte key id, so this always holds. */
  assert(out_len <= len);
  *resp_len = out_len;

  if (verdict == CLG_KOD) {
    s->stats.kod_sent++;
    return NSV_REPLY_KOD;
  }
  s->stats.replied++;
  return NSV_REPLY;
}
