/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * simnet.c - simulated links and NTP servers running the real server core.
 * No I/O: packets are bytes in a table, time is an argument.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simclock.h"
#include "simnet.h"
#include "ntp_wire.h"

typedef struct {
  int used;
  int to_client;         /* 0: request on its way to the server */
  int server;
  double arrive;
  size_t len;
  uint8_t data[64];
} Packet;

typedef struct {
  SNT_ServerParams p;
  ADF_Table *acl;
  CLG_Table *clients;
  NSV_Server *srv;
} Server;

struct SNT_Net {
  uint64_t rng;
  int n_servers;
  Server s[SNT_MAX_SERVERS];
  Packet inflight[SNT_MAX_INFLIGHT];
};

SNT_Net *SNT_Create(uint64_t seed)
{
  SNT_Net *n = calloc(1, sizeof(*n));

  if (n) {
    n->rng = seed ^ 0x6e657477ULL;
  }
  return n;
}

void SNT_Destroy(SNT_Net *n)
{
  int i;

  if (!n) {
    return;
  }
  for (i = 0; i < n->n_servers; i++) {
    NSV_Destroy(n->s[i].srv);
    CLG_Destroy(n->s[i].clients);
    ADF_Destroy(n->s[i].acl);
  }
  free(n);
}

void SNT_ServerAddr(int i, IPAddr *a)
{
  ADDR_FromIPv4(0xc0000201u + (uint32_t)i, a);
}

int SNT_AddServer(SNT_Net *n, const SNT_ServerParams *p)
{
  Server *s;
  IPAddr any;
  CLG_RateParams rp;

  if (n->n_servers >= SNT_MAX_SERVERS) {
    return -1;
  }
  s = &n->s[n->n_servers];
  memset(s, 0, sizeof(*s));
  s->p = *p;
  memset(&any, 0, sizeof(any));
  s->acl = ADF_Create();
  memset(&rp, 0, sizeof(rp));
  if (p->kod) {
    /* one token per 2^interval s, no burst: every faster request is limited; leak 1 lets
       half of them through, and kod answers a further half of the rest with RATE */
    rp.enabled = 1;
    rp.interval = p->kod_interval ? p->kod_interval : 8;
    rp.burst = 1;
    rp.leak = 1;
    rp.kod = 1;
  }
  s->clients = CLG_Create(p->kod ? 65536 : 0, &rp, 12345u + (uint32_t)n->n_servers);
  if (!s->acl || !ADF_AddRule(s->acl, &any, 0, 1, 0) ||
      !(s->srv = NSV_Create(s->acl, s->clients))) {
    return -1;
  }
  if (s->p.stratum <= 0) {
    s->p.stratum = 1;
  }
  return n->n_servers++;
}

static double one_way(SNT_Net *n, const SNT_ServerParams *p, int back)
{
  double d = p->delay + (back ? p->asymmetry : 0.0);

  if (p->jitter > 0) {
    d += -p->jitter * log(SCK_Uniform(&n->rng));
  }
  return d;
}

static void queue(SNT_Net *n, int server, int to_client, const uint8_t *buf, size_t len,
                  double arrive)
{
  int i;

  if (len > sizeof(n->inflight[0].data)) {
    return;
  }
  for (i = 0; i < SNT_MAX_INFLIGHT; i++) {
    if (!n->inflight[i].used) {
      n->inflight[i].used = 1;
      n->inflight[i].server = server;
      n->inflight[i].to_client = to_client;
      n->inflight[i].arrive = arrive;
      n->inflight[i].len = len;
      memcpy(n->inflight[i].data, buf, len);
      return;
    }
  }
  /* table full: the packet is lost, as on a congested link */
}

void SNT_SendRequest(SNT_Net *n, int server, const uint8_t *buf, size_t len, double t)
{
  if (server < 0 || server >= n->n_servers) {
    return;
  }
  if (SCK_Uniform(&n->rng) < n->s[server].p.loss) {
    return;
  }
  queue(n, server, 0, buf, len, t + one_way(n, &n->s[server].p, 0));
}

int SNT_NextEvent(const SNT_Net *n, double *t)
{
  int i, have = 0;

  for (i = 0; i < SNT_MAX_INFLIGHT; i++) {
    if (n->inflight[i].used && (!have || n->inflight[i].arrive < *t)) {
      *t = n->inflight[i].arrive;
      have = 1;
    }
  }
  return have;
}

/* A request reaches server s at true time t. */
static void serve(SNT_Net *n, int si, const Packet *pk, double t)
{
  Server *s = &n->s[si];
  double lie = t >= s->p.lie_from ? s->p.lie : 0.0;
  struct timespec rx, tx, mono, ref_t;
  NSV_RefState ref;
  IPAddr client;
  uint8_t resp[64];
  size_t rlen = 0;
  NSV_Result r;

  if (t >= s->p.outage_start && t < s->p.outage_end) {
    return;
  }
  SCK_TrueToTimespec(t, lie, &rx);
  SCK_TrueToTimespec(t + 20e-6, lie, &tx);   /* 20 us to turn the packet round */
  mono.tv_sec = (time_t)(SCK_MONO_BASE + (long long)floor(t));
  mono.tv_nsec = (long)((t - floor(t)) * 1e9);
  SCK_TrueToTimespec(floor(t / 16.0) * 16.0, lie, &ref_t);
  memset(&ref, 0, sizeof(ref));
  ref.synchronised = 1;
  ref.leap = 0;
  ref.stratum = (uint8_t)s->p.stratum;
  ref.precision = -20;
  ref.ref_id = 0x47505300u; /* "GPS" */
  ref.root_delay = 0.0;
  ref.root_dispersion = 1e-5;
  ref.ref_time = ref_t;
  ADDR_FromIPv4(0xc6336401u, &client); /* 198.51.100.1 */
  r = NSV_HandleRequest(s->srv, &client, pk->data, pk->len, &rx, &tx, &mono, &ref,
                        (uint32_t)SCK_Random(&n->rng), resp, sizeof(resp), &rlen);
  if ((r == NSV_REPLY || r == NSV_REPLY_KOD) && rlen > 0) {
    if (SCK_Uniform(&n->rng) < s->p.loss) {
      return;
    }
    queue(n, si, 1, resp, rlen, t + 20e-6 + one_way(n, &s->p, 1));
  }
}

int SNT_Process(SNT_Net *n, double t, SNT_Delivery *out)
{
  int i, best;

  for (;;) {
    best = -1;
    for (i = 0; i < SNT_MAX_INFLIGHT; i++) {
      if (n->inflight[i].used && n->inflight[i].arrive <= t &&
          (best < 0 || n->inflight[i].arrive < n->inflight[best].arrive)) {
        best = i;
      }
    }
    if (best < 0) {
      return 0;
    }
    n->inflight[best].used = 0;
    if (!n->inflight[best].to_client) {
      serve(n, n->inflight[best].server, &n->inflight[best], n->inflight[best].arrive);
      continue;
    }
    out->server = n->inflight[best].server;
    out->len = n->inflight[best].len;
    memcpy(out->data, n->inflight[best].data, out->len);
    return 1;
  }
}

const NSV_Stats *SNT_ServerStats(const SNT_Net *n, int i)
{
  return NSV_GetStats(n->s[i].srv);
}
