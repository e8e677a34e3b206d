/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_wire.c - fuzz entry point for the NTP packet path: NWR_Parse, then the whole server
 * decision NSV_HandleRequest, as a received packet goes through them; and the client side,
 * NSC_ProcessResponse, with the bytes taken as an answer to a request in flight.  Test
 * code: it may abort() on a broken invariant (that is the point), but makes no I/O.
 *
 * Invariants checked on every input:
 *  - an accepted parse accounts for every byte, with every field and MAC inside the input;
 *  - the server never answers with more bytes than it got (no amplification), and what it
 *    sends is itself a well-formed NTP packet that is not a request (no reply loops);
 *  - the client classifies every input; a sample has finite values within their bounds;
 *    the reachability bit is set exactly for authentic answers; the same bytes a second
 *    time never give a second sample (duplicate, or the same rejection again); a stopping
 *    KoD stops polling and a RATE KoD never shortens the poll.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "addrfilt.h"
#include "clientlog.h"
#include "fuzz.h"
#include "ntp_server.h"
#include "ntp_source.h"
#include "ntp_wire.h"

static NSV_Server *server;
static ADF_Table *acl;
static CLG_Table *clients;
/* Calls so far: drives the fake clock and the source address deterministically. */
static uint64_t calls;
/* Calls of check_client, for its own variations. */
static uint64_t client_calls;

static void
check_parse(const uint8_t *data, size_t len)
{
  NWR_Packet p;
  NWR_Status st = NWR_Parse(data, len, &p);
  size_t i, sum = NWR_HEADER_LEN;

  if ((unsigned)st >= NWR_ERR_COUNT || p.length != len) {
    abort();
  }
  if (st != NWR_OK) {
    if (p.n_ef != 0 || p.has_mac) {
      abort();
    }
    return;
  }
  if (len < NWR_HEADER_LEN || len > NWR_MAX_PACKET || p.h.version < 1 || p.h.version > 4 ||
      p.n_ef > NWR_MAX_EF) {
    abort();
  }
  for (i = 0; i < p.n_ef; i++) {
    if (p.ef[i].body != data + sum + 4 || p.ef[i].body_len + 4 != p.ef[i].length ||
        p.ef[i].length < NWR_MIN_EF_LEN || p.ef[i].length % 4 != 0) {
      abort();
    }
    sum += p.ef[i].length;
  }
  if (p.has_mac) {
    if (p.mac_len + 4 > NWR_MAX_MAC_LEN || (p.mac_len > 0 && p.mac != data + sum + 4)) {
      abort();
    }
    sum += 4 + p.mac_len;
  }
  if (sum != len) {
    abort();
  }
}

static int
setup(void)
{
  IPAddr any;
  CLG_RateParams rate;

  memset(&any, 0, sizeof(any));
  any.family = ADDR_UNSPEC;
  acl = ADF_Create();
  if (!acl || !ADF_AddRule(acl, &any, 0, 1, 0)) {
    return 0;
  }
  /* A tight limit (burst 4, one token per 2 s, KoD on) so that the fast fake clock below
     reaches every branch: pass, drop, KoD and the leak. */
  memset(&rate, 0, sizeof(rate));
  rate.enabled = 1;
  rate.interval = 1;
  rate.burst = 4;
  rate.leak = 2;
  rate.kod = 1;
  clients = CLG_Create(4096, &rate, 0x5eed1234u);
  if (!clients) {
    return 0;
  }
  server = NSV_Create(acl, clients);
  return server != NULL;
}

static void
check_server(const uint8_t *data, size_t len)
{
  /* The response buffer is as large as the biggest packet we would ever send, so a
     response longer than the request would fit and be caught by the check below. */
  uint8_t resp[NWR_MAX_PACKET + 64];
  size_t resp_len = 0;
  IPAddr from;
  NSV_RefState ref;
  struct timespec rx, tx, mono;
  NSV_Result r;
  NWR_Packet p;
  uint64_t n = calls++;

  /* Four sources, IPv4 and IPv6 (one IPv4-mapped), each seen every 4th call. */
  memset(&from, 0, sizeof(from));
  switch (n % 4) {
    case 0:
      ADDR_FromIPv4(0x7f000001u, &from);
      break;
    case 1:
      ADDR_FromIPv4(0xc0000201u, &from);
      break;
    case 2:
      from.family = ADDR_INET6;
      from.addr[15] = 1;
      break;
    default:
      from.family = ADDR_INET6;
      from.addr[10] = 0xff;
      from.addr[11] = 0xff;
      from.addr[12] = 10;
      from.addr[15] = 7;
      break;
  }

  /* 100 ms of fake time per call; real time near 2036 to cross the era boundary. */
  mono.tv_sec = (time_t)(1000 + n / 10);
  mono.tv_nsec = (long)(n % 10) * 100000000L;
  rx.tv_sec = (time_t)(2085978496LL - 600 + (int64_t)(n / 10));
  rx.tv_nsec = mono.tv_nsec;
  tx = rx;
  tx.tv_nsec += 1000;

  memset(&ref, 0, sizeof(ref));
  ref.synchronised = (n % 8) != 7;
  ref.leap = (uint8_t)(n % 3);
  ref.stratum = 2;
  ref.precision = -20;
  ref.ref_id = 0x7f000001u;
  ref.root_delay = 0.001;
  ref.root_dispersion = 0.002;
  ref.ref_time = rx;
  ref.ref_time.tv_sec -= 64;

  r = NSV_HandleRequest(server, &from, data, len, &rx, &tx, &mono, &ref,
                        (uint32_t)(n * 2654435761u), resp, sizeof(resp), &resp_len);
  if ((unsigned)r >= NSV_RESULT_COUNT) {
    abort();
  }
  if (r != NSV_REPLY && r != NSV_REPLY_KOD) {
    return;
  }
  /* No amplification, and never an answer to something that is not a request. */
  if (resp_len > len || resp_len < NWR_HEADER_LEN) {
    abort();
  }
  if (NWR_Parse(resp, resp_len, &p) != NWR_OK) {
    abort();
  }
  if (p.h.mode == NWR_MODE_CLIENT || p.h.mode == NWR_MODE_CONTROL ||
      p.h.mode == NWR_MODE_PRIVATE) {
    abort();
  }
}

/* Largest input whose origin field check_client patches in a copy. */
#define CLIENT_COPY_MAX 4096

static int
authentic(NSC_RxResult r)
{
  return r == NSC_RX_SAMPLE || r == NSC_RX_KOD_RATE || r == NSC_RX_KOD_STOP ||
         r == NSC_RX_UNSYNC || r == NSC_RX_DELAY;
}

static void
check_sample(const NSC_Sample *smp, double maxdelay)
{
  if (!isfinite(smp->offset) || !isfinite(smp->delay) || !isfinite(smp->dispersion) ||
      !(smp->delay > 0.0) || smp->delay > maxdelay || !(smp->dispersion > 0.0) ||
      !(smp->root_delay >= 0.0) || !(smp->root_dispersion >= 0.0) || smp->stratum < 1 ||
      smp->stratum > 15 || smp->leap < 0 || smp->leap > 2) {
    abort();
  }
}

/* The input as the answer to a fresh source's request.  On every other call its origin
   field is overwritten with the request's random transmit timestamp, so that the checks
   behind the origin test are reached; on the others it must match by itself. */
static void
check_client(const uint8_t *data, size_t len)
{
  static uint8_t copy[CLIENT_COPY_MAX];
  uint64_t n = client_calls++;
  NSC_Params p;
  NSC_Source *src;
  NSC_Sample smp;
  NSC_Report rep;
  NSC_RxResult r1, r2;
  struct timespec mono, t1, t4, next;
  uint8_t req[NWR_HEADER_LEN];
  const uint8_t *in = data;
  uint64_t cookie = (n + 1) * 0x9e3779b97f4a7c15ULL;
  int i;

  NSC_DefaultParams(&p);
  ADDR_FromIPv4(0x7f000001u, &p.addr);
  p.iburst = (n & 4) != 0;
  p.burst = (n & 8) != 0;
  mono.tv_sec = 1000;
  mono.tv_nsec = 0;
  src = NSC_Create(&p, &mono);
  if (!src) {
    abort();
  }
  /* Our clock near the 2036 era boundary, on either side of it. */
  t1.tv_sec = (time_t)(2085978496LL - 3 + (int64_t)(n % 7));
  t1.tv_nsec = (long)(n % 1000) * 1000000L;
  if (NSC_MakeRequest(src, &mono, &t1, cookie, req, sizeof(req)) != NWR_HEADER_LEN) {
    abort();
  }
  t4 = t1;
  t4.tv_nsec += 20000000L;
  UTI_NormaliseTimespec(&t4);

  if ((n & 1) == 0 && len >= 32 && len <= sizeof(copy)) {
    memcpy(copy, data, len);
    for (i = 0; i < 8; i++) {
      copy[24 + i] = req[40 + i];
    }
    in = copy;
  }

  r1 = NSC_ProcessResponse(src, in, len, &t4, -20, &smp);
  if ((unsigned)r1 >= NSC_RX_COUNT) {
    abort();
  }
  if (r1 == NSC_RX_SAMPLE) {
    check_sample(&smp, p.maxdelay);
  }
  NSC_GetReport(src, &rep);
  if ((rep.reach & 1) != (authentic(r1) ? 1 : 0) || rep.rx[r1] != 1 || rep.tx != 1 ||
      rep.have_last != (r1 == NSC_RX_SAMPLE)) {
    abort();
  }
  if (r1 == NSC_RX_KOD_STOP && (rep.online || !rep.stopped_by_kod ||
                                NSC_GetNextTx(src, &next))) {
    abort();
  }
  if (r1 == NSC_RX_KOD_RATE && rep.poll <= p.minpoll) {
    abort();
  }
  if (r1 != NSC_RX_KOD_STOP && (!rep.online || !NSC_GetNextTx(src, &next))) {
    abort();
  }

  r2 = NSC_ProcessResponse(src, in, len, &t4, -20, &smp);
  if (authentic(r1) ? r2 != NSC_RX_DUPLICATE : r2 != r1) {
    abort();
  }
  NSC_Destroy(src);
}

int
FUZZ_Wire(const uint8_t *data, size_t len)
{
  if (!server && !setup()) {
    abort(); /* allocation failure in a test is a failure */
  }
  check_parse(data, len);
  check_server(data, len);
  check_client(data, len);
  return 0;
}
