/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdops.c - what the command socket (cmdmon.c) can see and do in the daemon: reports
 * copied out of the server, the client log and the sync engine, and the control commands.
 * cmdmon never keeps pointers into them; everything is copied per request.
 */
#include <stdio.h>
#include <string.h>

#include "clientlog.h"
#include "clock.h"
#include "cmdops.h"
#include "log.h"
#include "ntp_client.h"
#include "ntp_io.h"
#include "nts_ke.h"
#include "sched.h"

static void report_tracking(void *ctx, CMW_Tracking *t)
{
  const CMD_Context *X = ctx;
  SYN_Tracking st;

  NCL_GetTracking(&st);
  CMW_TrackingFromSync(&st, t);
  t->clock_control = (uint8_t)CLK_GetDriver()->controls_kernel;
  t->local_active = (uint8_t)(!st.synchronised && X->cfg->local ? 1 : 0);
  if (t->local_active) {
    /* Serving from the local reference: report it as chronyc does (7F7F0101, the local
       stratum, leap normal), since that is what our clients see. */
    struct timespec now;
    NSV_RefState ref;

    CLK_ReadRealTime(&now);
    NCL_GetRefState(&now, &ref);
    t->synchronised = (uint8_t)(ref.synchronised ? 1 : 0);
    t->ref_id = ref.ref_id;
    memset(&t->ref_addr, 0, sizeof(t->ref_addr));
    t->stratum = ref.stratum;
    t->leap = ref.leap;
    t->ref_time = ref.ref_time;
    t->root_delay = ref.root_delay;
    t->root_dispersion = ref.root_dispersion;
  }
}

static void report_serverstats(void *ctx, CMW_ServerStats *s)
{
  const CMD_Context *X = ctx;
  NIO_Stats nio;
  NKE_Stats ke;
  const NSV_Stats *st = NSV_GetStats(X->server);

  NIO_GetStats(&nio);
  NKE_GetStats(&ke);
  s->v[CMW_SS_NTP_RECEIVED] = st->received;
  s->v[CMW_SS_NTP_REPLIED] = st->replied;
  s->v[CMW_SS_NTP_KOD_SENT] = st->kod_sent;
  s->v[CMW_SS_NTP_DENIED] = st->denied;
  s->v[CMW_SS_NTP_MALFORMED] = st->malformed;
  s->v[CMW_SS_NTP_BAD_MODE] = st->bad_mode;
  s->v[CMW_SS_NTP_RATE_DROPPED] = st->rate_dropped;
  s->v[CMW_SS_NTP_WITH_MAC] = st->with_mac;
  s->v[CMW_SS_NTP_WITH_EF] = st->with_ef;
  s->v[CMW_SS_NTP_RX_KERNEL_TS] = nio.rx_kernel_ts;
  s->v[CMW_SS_NTP_RX_DAEMON_TS] = nio.rx_daemon_ts;
  s->v[CMW_SS_NTP_SEND_ERRORS] = nio.send_errors;
  if (X->clients) {
    s->v[CMW_SS_CLIENTLOG_RECORDS] = CLG_Count(X->clients);
    s->v[CMW_SS_CLIENTLOG_EVICTIONS] = CLG_Evictions(X->clients);
  }
  /* NTS on the NTP port (doc/nts.md). */
  s->v[CMW_SS_NTS_REQUESTS] = st->nts_requests;
  s->v[CMW_SS_NTS_REPLIED] = st->nts_replied;
  s->v[CMW_SS_NTS_NAKS] = st->nts_naks;
  s->v[CMW_SS_NTS_COOKIES] = st->nts_cookies;
  s->v[CMW_SS_NTS_NAK_COOKIE] = st->nts_nak_cookie;
  s->v[CMW_SS_NTS_NAK_AUTH] = st->nts_nak_auth;
  s->v[CMW_SS_NTS_DROPPED_DISABLED] = st->nts_dropped_disabled;
  s->v[CMW_SS_NTS_DROPPED_MALFORMED] = st->nts_dropped_malformed;
  s->v[CMW_SS_NTS_DROPPED_OTHER] = st->nts_dropped_other;
  /* The NTS-KE server (all zero when it is not running). */
  s->v[CMW_SS_KE_ACCEPTED] = ke.accepted;
  s->v[CMW_SS_KE_REFUSED] = ke.refused;
  s->v[CMW_SS_KE_HANDSHAKES] = ke.handshakes;
  s->v[CMW_SS_KE_TLS_FAILED] = ke.tls_failed;
  s->v[CMW_SS_KE_TIMEOUTS] = ke.timeouts;
  s->v[CMW_SS_KE_BAD_REQUESTS] = ke.bad_requests;
  s->v[CMW_SS_KE_RESPONSES] = ke.responses;
  s->v[CMW_SS_KE_COOKIES] = ke.cookies;
  s->v[CMW_SS_KE_KEY_ROTATIONS] = ke.key_rotations;
  s->v[CMW_SS_KE_CERT_RELOADS] = ke.cert_reloads;
  s->v[CMW_SS_KE_CERT_RELOAD_FAILURES] = ke.cert_reload_failures;
}

static int report_client(void *ctx, uint32_t index, CMW_Client *c, uint32_t *total)
{
  const CMD_Context *X = ctx;
  struct timespec now;
  CLG_ClientReport r;

  if (!X->clients) {
    *total = 0;
    return 0;
  }
  *total = (uint32_t)CLG_Count(X->clients);
  SCH_GetLastEventMono(&now);
  if (!CLG_GetClient(X->clients, index, &now, &r)) {
    return 0;
  }
  memset(c, 0, sizeof(*c));
  c->addr = r.addr;
  c->hits = r.ntp_hits;
  c->drops = r.ntp_drops;
  c->kods = r.ntp_kods;
  c->last_ago = r.last_ago;
  c->interval = r.interval;
  return 1;
}

static int report_accheck(void *ctx, const IPAddr *addr)
{
  const CMD_Context *X = ctx;
  IPAddr a = *addr;

  ADDR_Unmap(&a);
  return ADF_IsAllowed(X->acl, &a);
}

static int report_source(void *ctx, uint32_t index, SYN_SourceReport *out, uint32_t *total)
{
  (void)ctx;
  *total = (uint32_t)NCL_SourceCount();
  return NCL_GetSourceReport(index, out);
}

static int do_makestep(void *ctx)
{
  (void)ctx;
  LOG_Message(LOG_INFO_LEVEL, "makestep requested through the command socket");
  return NCL_MakeStep();
}

static int do_burst(void *ctx, const IPAddr *addr, int n_good, int n_max)
{
  (void)ctx;
  (void)n_good; /* the source ends a burst early after enough good samples itself */
  return NCL_Burst(addr, n_max);
}

static int do_set_online(void *ctx, const IPAddr *addr, int online)
{
  (void)ctx;
  return NCL_SetOnline(addr, online);
}

/* chronyc add server/pool: the request carries what a config line would; the options
   the wire does not carry take the config's global defaults. */
static int do_add_source(void *ctx, const CMW_AddSource *a)
{
  const CMD_Context *X = ctx;
  CNF_Source src;

  memset(&src, 0, sizeof(src));
  snprintf(src.name, sizeof(src.name), "%s", a->name);
  src.pool = a->type == CMP_ADD_POOL;
  src.iburst = (a->flags & CMP_ADD_F_IBURST) != 0;
  src.burst = (a->flags & CMP_ADD_F_BURST) != 0;
  src.prefer = (a->flags & CMP_ADD_F_PREFER) != 0;
  src.noselect = (a->flags & CMP_ADD_F_NOSELECT) != 0;
  src.trust = (a->flags & CMP_ADD_F_TRUST) != 0;
  src.require = (a->flags & CMP_ADD_F_REQUIRE) != 0;
  src.minpoll = a->minpoll;
  src.maxpoll = a->maxpoll;
  src.port = a->port;
  src.maxsources = a->maxsources;
  src.maxdelay = a->maxdelay;
  src.polltarget = X->cfg->polltarget;
  src.minsamples = X->cfg->minsamples;
  src.maxsamples = X->cfg->maxsamples;
  LOG_Message(LOG_INFO_LEVEL, "%s %s added through the command socket",
              src.pool ? "pool" : "server", src.name);
  return NCL_AddSource(&src);
}

static int do_delete_source(void *ctx, const IPAddr *addr, uint16_t port)
{
  (void)ctx;
  return NCL_DeleteSource(addr, port);
}

static int report_local_address(void *ctx, int source_id, IPAddr *addr, uint16_t *port)
{
  (void)ctx;
  return NCL_GetLocalAddress(source_id, addr, port);
}

/* timectl reload certs: the same as SIGHUP.  NKE_ReloadCertificates logs why a new
   certificate was refused; the old one then stays in use. */
static int do_reload_certs(void *ctx)
{
  int ok;

  (void)ctx;
  if (!NKE_IsRunning()) {
    return -1;
  }
  LOG_Message(LOG_INFO_LEVEL, "reload certs requested through the command socket");
  ok = NKE_ReloadCertificates();
  return ok ? 1 : 0;
}

static void do_shutdown(void *ctx)
{
  (void)ctx;
  LOG_Message(LOG_INFO_LEVEL, "shutdown requested through the command socket");
  SCH_QuitLoop();
}

const CAM_Ops CMD_Ops = {
    .tracking = report_tracking,
    .serverstats = report_serverstats,
    .client = report_client,
    .accheck = report_accheck,
    .shutdown = do_shutdown,
    .source = report_source,
    .makestep = do_makestep,
    .burst = do_burst,
    .set_online = do_set_online,
    .add_source = do_add_source,
    .delete_source = do_delete_source,
    .local_address = report_local_address,
    .reload_certs = do_reload_certs,
};

