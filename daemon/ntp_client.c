/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_client.c - the shell around the synchronisation engine.
 *
 * Every decision is the engine's (sync.c, in the core); this file only moves bytes and
 * time between it and the world: client sockets (ntp_io.c), the clock driver (clock.h), the
 * resolver, timers, and the drift file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"
#include "ntp_client.h"
#include "ntp_io.h"
#include "nts_client.h"
#include "nts_ke.h"
#include "resolver.h"
#include "sched.h"
#include "sys.h"
#include "util.h"

/* Seconds before a failed name resolution is tried again. */
#define RESOLVE_RETRY 60.0
/* A failed NTS-KE is retried after 10 s, doubling up to an hour (RFC 8915 §4 leaves the
   policy to the client; chrony backs off similarly). */
#define KE_RETRY_MIN 10.0
#define KE_RETRY_MAX 3600.0

/* NTS state of one source (server ... nts). */
typedef struct {
  NTC_Client *ntc;            /* keys and cookie jar (core) */
  NKE_Session *ke;            /* NTS-KE in progress */
  SCH_TimerId ke_timer;       /* retry after a failure, or the ntsrefresh */
  int ke_state;               /* as SYN_NtsReport.ke_state */
  char last_error[128];
  uint64_t ke_attempts, ke_failures;
  double backoff;             /* s before the next retry */
  int have_ke;
  struct timespec last_ke;    /* mono time of the last successful NTS-KE (or dump load) */
  double last_ke_age;         /* s the loaded keys were already old at last_ke */
  int64_t ke_real;            /* real time of that NTS-KE (kept in the dump) */
  IPAddr ntp_addr;            /* where NTP goes: the KE server or its Server record */
  uint16_t ntp_port;          /* 123, or the KE server's Port record */
  char ntp_server[NKR_MAX_SERVER_LEN + 1]; /* the Server record ("" = none) */
  unsigned generation;        /* bumped by every NTS-KE: stale name resolutions are ignored */
} NtsState;

/* Resolution of a Server record that is a name (the slot may be gone when it ends). */
typedef struct {
  int syn_id;
  unsigned generation;
  char name[NKR_MAX_SERVER_LEN + 1];
} ServerLookup;

typedef struct {
  int used;
  int syn_id;                 /* -1 until the engine has it */
  int fd;
  IPAddr addr;
  CNF_Source cfg;             /* own copy: sources added at run time have no config line */
  int replacing;              /* a re-resolution for pool healing is running */
  NtsState *nts;              /* NULL for a plain NTP source */
} Slot;

/* One name resolution in flight (or waiting to be retried). */
typedef struct {
  CNF_Source cfg;
  int replace_id;             /* engine id of the pool source to replace; -1: add */
} Resolution;

static struct {
  const CNF_Config *cfg;
  SYN_Engine *engine;
  Slot slots[SYN_MAX_SOURCES];
  SCH_TimerId engine_timer;
  SCH_TimerId drift_timer;
  int failed;
  int had_update;
  int ke_client_up;           /* NKE_ClientInitialise done */
} C;

static void read_now(SYN_Now *now)
{
  CLK_ReadMonoTime(&now->mono);
  CLK_ReadRealTime(&now->real);
}

static void on_engine_timer(void *arg);
static void start_replace(int id);
static void start_ke(Slot *s);
static void send_nts(Slot *s, const uint8_t *data, size_t len);
static void use_server(Slot *s, double age);

/* Arrange the next call to the engine at the time it asks for. */
static void reschedule(void)
{
  struct timespec wake, mono;
  double delay;

  if (C.engine_timer) {
    SCH_RemoveTimer(C.engine_timer);
    C.engine_timer = 0;
  }
  if (!C.engine || !SYN_NextWake(C.engine, &wake)) {
    return;
  }
  CLK_ReadMonoTime(&mono);
  delay = UTI_DiffTimespecs(&wake, &mono);
  C.engine_timer = SCH_AddTimer(delay > 0.0 ? delay : 0.0, on_engine_timer, NULL);
}

static Slot *slot_by_id(int id)
{
  int i;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (C.slots[i].used && C.slots[i].syn_id == id) {
      return &C.slots[i];
    }
  }
  return NULL;
}

/* Carry out what the engine decided: requests first (they carry the engine's idea of the
   send time), then clock changes. */
static void apply(const SYN_Actions *a)
{
  const CLK_Driver *drv = CLK_GetDriver();
  size_t i;

  for (i = 0; i < a->n_tx; i++) {
    Slot *s = slot_by_id(a->tx[i].source_id);
    if (s && s->nts) {
      send_nts(s, a->tx[i].data, a->tx[i].len);
    } else if (s && s->fd >= 0) {
      NIO_SendClient(s->fd, a->tx[i].data, a->tx[i].len);
    }
  }
  if (a->step) {
    LOG_Message(LOG_WARN_LEVEL, "system clock %s by %.6f seconds",
                drv->controls_kernel ? "stepped" : "(virtually) stepped", a->step_offset);
    if (!drv->step(a->step_offset)) {
      LOG_Message(LOG_ERR_LEVEL, "could not step the clock");
    }
  }
  if (a->set_freq && !drv->set_freq(a->freq_ppm)) {
    LOG_RateLimited(LOG_ERR_LEVEL, "could not set the clock frequency to %.3f ppm", a->freq_ppm);
  }
  if (a->set_leap) {
    drv->set_status(a->leap, a->est_error, a->max_error);
  }
  if (a->leap_done) {
    static const char *const how[] = {"left to the kernel", "stepped", "slewed", "ignored"};
    unsigned m = (unsigned)C.cfg->leapsecmode;

    LOG_Message(LOG_WARN_LEVEL, "leap second %s (%s)", a->leap_done > 0 ? "inserted" : "deleted",
                m < 4 ? how[m] : "?");
  }
  for (i = 0; i < a->n_replace; i++) {
    start_replace(a->replace[i]);
  }
  if (a->sync_changed) {
    SYN_Tracking t;
    SYN_Now now;

    read_now(&now);
    SYN_GetTracking(C.engine, &now, &t);
    if (t.synchronised) {
      char text[ADDR_STRLEN];
      C.had_update = 1;
      LOG_Message(LOG_INFO_LEVEL, "synchronised to %s, stratum %d",
                  t.ref_addr.family ? ADDR_Format(&t.ref_addr, text, sizeof(text)) : "a reference",
                  t.stratum);
    } else {
      LOG_Message(LOG_WARN_LEVEL, "no selectable source: not synchronised");
    }
  }
  if (a->fatal) {
    LOG_Message(LOG_ERR_LEVEL, "offset above maxchange too many times: exiting");
    C.failed = 1;
    SCH_QuitLoop();
  }
}

static void on_engine_timer(void *arg)
{
  SYN_Actions acts;
  SYN_Now now;

  (void)arg;
  C.engine_timer = 0;
  read_now(&now);
  SYN_OnTimer(C.engine, &now, &acts);
  apply(&acts);
  reschedule();
}

static void on_packet(void *arg, const NIO_Packet *pkt)
{
  Slot *s = arg;
  SYN_Actions acts;
  SYN_Now now;

  size_t len = pkt->len;

  if (s->syn_id < 0) {
    return;
  }
  if (s->nts) {
    const char *why = "";
    NTC_Result r = NTC_CheckResponse(s->nts->ntc, pkt->data, pkt->len, &why);

    if (r == NTC_NAK) {
      LOG_Message(LOG_WARN_LEVEL, "%s: NTS NAK received: new NTS-KE", s->cfg.name);
      snprintf(s->nts->last_error, sizeof(s->nts->last_error), "NTS NAK received");
      start_ke(s);
      return;
    }
    if (r != NTC_OK) {
      /* Never fall back to unauthenticated time (no downgrade). */
      if (r == NTC_UNAUTH) {
        LOG_RateLimited(LOG_WARN_LEVEL, "%s: unauthenticated response dropped (%s)",
                        s->cfg.name, why);
        snprintf(s->nts->last_error, sizeof(s->nts->last_error),
                 "unauthenticated response dropped: %s", why);
      }
      return;
    }
    len = NWR_HEADER_LEN;   /* authenticated: the NTP source sees the header only */
  }
  read_now(&now);
  SYN_OnPacket(C.engine, s->syn_id, pkt->data, len, &pkt->rx_ts, &now, &acts);
  apply(&acts);
  reschedule();
}

/* ---- NTS (RFC 8915) --------------------------------------------------------------------- */

static void nts_free(Slot *s)
{
  if (!s->nts) {
    return;
  }
  NKE_ClientCancel(s->nts->ke);
  if (s->nts->ke_timer) {
    SCH_RemoveTimer(s->nts->ke_timer);
  }
  NTC_Destroy(s->nts->ntc);
  memset(s->nts, 0, sizeof(*s->nts));
  free(s->nts);
  s->nts = NULL;
}

/* ntsdumpdir/ntsclient-ADDRESS-KEPORT: one file per source (a pool's members differ by
   address). */
static int dump_path(const Slot *s, char *path, size_t cap)
{
  char text[ADDR_STRLEN];
  int n;

  if (!C.cfg->nts_dumpdir[0]) {
    return 0;
  }
  n = snprintf(path, cap, "%s/ntsclient-%s-%d", C.cfg->nts_dumpdir,
               ADDR_Format(&s->addr, text, sizeof(text)), s->cfg.nts_port);
  return n > 0 && (size_t)n < cap;
}

/* Save keys and cookies (atomically, 0600: they are credentials) so that a restart needs
   no new NTS-KE. */
static void nts_save(const Slot *s)
{
  char path[512], text[4096];
  size_t len;

  if (!s->nts || !s->nts->have_ke || !dump_path(s, path, sizeof(path))) {
    return;
  }
  len = NTC_FormatDump(s->nts->ntc, s->nts->ke_real, s->nts->ntp_port, s->nts->ntp_server,
                       text, sizeof(text));
  if (len && !SYS_WriteFileAtomic(path, text, len, 0600)) {
    LOG_Message(LOG_WARN_LEVEL, "could not save NTS cookies to %s", path);
  }
  memset(text, 0, sizeof(text));
}

static void open_ntp(Slot *s)
{
  if (s->fd >= 0) {
    NIO_CloseClient(s->fd);
  }
  s->fd = NIO_OpenClient(&s->nts->ntp_addr, s->nts->ntp_port, on_packet, s);
  if (s->fd < 0) {
    snprintf(s->nts->last_error, sizeof(s->nts->last_error), "cannot open the NTP socket");
  }
}

static void on_ke_timer(void *arg)
{
  Slot *s = arg;

  s->nts->ke_timer = 0;
  start_ke(s);
}

static void schedule_ke(Slot *s, double delay)
{
  if (s->nts->ke_timer) {
    SCH_RemoveTimer(s->nts->ke_timer);
  }
  s->nts->ke_timer = SCH_AddTimer(delay, on_ke_timer, s);
}

static void ke_done(Slot *s, double ke_age, int open_now)
{
  NtsState *n = s->nts;

  n->have_ke = 1;
  n->ke_state = 2;
  n->backoff = KE_RETRY_MIN;
  CLK_ReadMonoTime(&n->last_ke);
  n->last_ke_age = ke_age;
  if (C.cfg->nts_refresh > 0) {
    schedule_ke(s, C.cfg->nts_refresh - ke_age > 1.0 ? C.cfg->nts_refresh - ke_age : 1.0);
  }
  if (open_now) {
    open_ntp(s);
  }
}

/* The Server record's name resolved: NTP goes to its first address. */
static void on_server_resolved(void *arg, const IPAddr *addrs, size_t n, const char *err)
{
  ServerLookup *l = arg;
  Slot *s = slot_by_id(l->syn_id);

  if (s && s->nts && s->nts->generation == l->generation) {
    if (n == 0) {
      LOG_Message(LOG_WARN_LEVEL, "%s: cannot resolve NTP server %s named by NTS-KE: %s",
                  s->cfg.name, l->name, err ? err : "no address");
      snprintf(s->nts->last_error, sizeof(s->nts->last_error),
               "cannot resolve NTP server %.96s", l->name);
      NTC_Clear(s->nts->ntc);   /* the next request starts a new NTS-KE (with back-off) */
      schedule_ke(s, s->nts->backoff);
      s->nts->backoff = s->nts->backoff * 2.0 < KE_RETRY_MAX ? s->nts->backoff * 2.0
                                                             : KE_RETRY_MAX;
    } else {
      s->nts->ntp_addr = addrs[0];
      open_ntp(s);
    }
  }
  free(l);
}

/* Load a dump of this source.  Returns 1 when keys and cookies were loaded. */
static int nts_load(Slot *s)
{
  char path[512], *text;
  size_t len;
  int64_t t;
  int port, n;
  struct timespec real;
  double age;

  if (!dump_path(s, path, sizeof(path)) || !SYS_ReadFile(path, 8192, &text, &len)) {
    return 0;
  }
  n = NTC_ParseDump(s->nts->ntc, text, len, &t, &port, s->nts->ntp_server,
                    sizeof(s->nts->ntp_server));
  memset(text, 0, len);
  free(text);
  CLK_ReadRealTime(&real);
  age = (double)real.tv_sec - (double)t;
  if (n <= 0 || (C.cfg->nts_refresh > 0 && (age < 0.0 || age >= C.cfg->nts_refresh))) {
    NTC_Clear(s->nts->ntc);
    LOG_Message(LOG_INFO_LEVEL, "%s: %s NTS cookies in %s: new NTS-KE", s->cfg.name,
                n <= 0 ? "unusable" : "expired", path);
    return 0;
  }
  s->nts->ntp_port = (uint16_t)port;
  s->nts->ke_real = t;
  LOG_Message(LOG_INFO_LEVEL, "%s: %d NTS cookies loaded from %s", s->cfg.name, n, path);
  use_server(s, age > 0.0 ? age : 0.0);
  return 1;
}

static void ke_failed(Slot *s, const char *why)
{
  NtsState *n = s->nts;

  n->ke_state = 3;
  n->ke_failures++;
  snprintf(n->last_error, sizeof(n->last_error), "NTS-KE failed: %s", why);
  LOG_Message(LOG_WARN_LEVEL, "%s: NTS-KE with %s failed: %s (retry in %.0f s)", s->cfg.name,
              s->cfg.name, why, n->backoff);
  schedule_ke(s, n->backoff);
  n->backoff = n->backoff * 2.0 < KE_RETRY_MAX ? n->backoff * 2.0 : KE_RETRY_MAX;
}

/* After an NTS-KE (or a dump load, with keys age s old): §4.1.7/§4.1.8, NTP goes to the
   Server and Port the KE server named, else to the KE host on 123.  A name other than the
   source's own is resolved off the loop, and the socket is opened when it resolves. */
static void use_server(Slot *s, double age)
{
  NtsState *n = s->nts;
  ServerLookup *lookup = NULL;
  IPAddr server;

  n->generation++;
  n->ntp_addr = s->addr;
  if (n->ntp_server[0] && ADDR_Parse(n->ntp_server, &server)) {
    n->ntp_addr = server;
  } else if (n->ntp_server[0] && strcasecmp(n->ntp_server, s->cfg.name) != 0) {
    lookup = calloc(1, sizeof(*lookup));
    if (lookup) {
      lookup->syn_id = s->syn_id;
      lookup->generation = n->generation;
      snprintf(lookup->name, sizeof(lookup->name), "%s", n->ntp_server);
    }
  }
  ke_done(s, age, lookup == NULL);
  if (lookup && !RSV_Resolve(lookup->name, on_server_resolved, lookup)) {
    free(lookup);
    open_ntp(s);
  }
}

static void on_ke_done(void *arg, const NKE_ClientResult *r)
{
  Slot *s = arg;
  NtsState *n = s->nts;
  const uint8_t *ptrs[NKR_MAX_COOKIES];
  struct timespec real;
  size_t i;

  n->ke = NULL;
  if (!r->ok) {
    ke_failed(s, r->error);
    return;
  }
  for (i = 0; i < r->n_cookies; i++) {
    ptrs[i] = r->cookies[i];
  }
  if (NTC_SetKeys(n->ntc, r->c2s, r->s2c, ptrs, r->cookie_len, r->n_cookies) <= 0) {
    ke_failed(s, "no usable cookie");
    return;
  }
  snprintf(n->ntp_server, sizeof(n->ntp_server), "%s", r->server);
  n->ntp_port = r->port > 0 ? (uint16_t)r->port : 123;
  CLK_ReadRealTime(&real);
  n->ke_real = real.tv_sec;
  n->last_error[0] = '\0';
  LOG_Message(LOG_INFO_LEVEL, "%s: NTS-KE done: %zu cookies, NTP server %s port %d%s",
              s->cfg.name, r->n_cookies, r->server[0] ? r->server : s->cfg.name, n->ntp_port,
              r->warning >= 0 ? " (server sent a warning)" : "");
  use_server(s, 0.0);
  nts_save(s);
}

static void start_ke(Slot *s)
{
  NtsState *n = s->nts;

  if (n->ke) {
    return;
  }
  if (n->ke_timer) {
    SCH_RemoveTimer(n->ke_timer);
    n->ke_timer = 0;
  }
  n->ke_attempts++;
  n->ke_state = 1;
  if (!C.ke_client_up) {
    C.ke_client_up = 1;
    NKE_ClientInitialise(C.cfg);
  }
  n->ke = NKE_ClientStart(s->cfg.name, &s->addr, s->cfg.nts_port, on_ke_done, s);
  if (!n->ke) {
    ke_failed(s, "cannot start a TLS session (NTS support missing or no trusted certificates)");
  }
}

/* Wrap the engine's request in NTS.  With no cookie left the request is not sent (it
   counts as unanswered) and a new NTS-KE starts, unless one is running or waiting. */
static void send_nts(Slot *s, const uint8_t *data, size_t len)
{
  uint8_t rnd[NTC_RANDOM_LEN], out[NTC_MAX_REQUEST];
  size_t got = 0, n;

  if (!NTC_Ready(s->nts->ntc) || s->fd < 0) {
    if (!s->nts->ke && !s->nts->ke_timer) {
      start_ke(s);
    }
    return;
  }
  while (got < sizeof(rnd)) {
    ssize_t r = getrandom(rnd + got, sizeof(rnd) - got, 0);
    if (r < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    got += (size_t)r;
  }
  n = NTC_WrapRequest(s->nts->ntc, data, len, rnd, out, sizeof(out));
  if (n) {
    NIO_SendClient(s->fd, out, n);
  }
}

/* SYN_NtsReport of a slot, for timectl authdata. */
static void fill_nts_report(const Slot *s, SYN_NtsReport *r)
{
  const NtsState *n = s->nts;
  NTC_Stats st;
  struct timespec mono;

  memset(r, 0, sizeof(*r));
  if (!n) {
    return;
  }
  NTC_GetStats(n->ntc, &st);
  r->enabled = 1;
  r->ke_state = n->ke_state;
  snprintf(r->last_error, sizeof(r->last_error), "%s", n->last_error);
  r->aead = st.have_keys ? NKR_AEAD_SIV_CMAC_256 : 0;
  r->n_cookies = st.n_cookies;
  r->cookie_len = st.cookie_len;
  r->ke_attempts = n->ke_attempts;
  r->ke_failures = n->ke_failures;
  r->naks = st.naks;
  r->auth_failures = st.auth_failures;
  CLK_ReadMonoTime(&mono);
  r->last_ke_ago = n->have_ke ? UTI_DiffTimespecs(&mono, &n->last_ke) + n->last_ke_age : -1.0;
  snprintf(r->ke_server, sizeof(r->ke_server), "%s", s->cfg.name);
  r->ke_port = (uint16_t)s->cfg.nts_port;
  r->ntp_port = n->ntp_port;
}

/* Add a source for one address of cfg.  Returns 1, 0 (no room, no socket, refused) or
   -1 (that address and port is already a source). */
static int add_source(const CNF_Source *cfg, const IPAddr *addr)
{
  SYN_SourceConfig sc;
  SYN_Now now;
  Slot *s = NULL;
  char text[ADDR_STRLEN];
  int i;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (C.slots[i].used && ADDR_Equal(&C.slots[i].addr, addr) &&
        C.slots[i].cfg.port == cfg->port) {
      LOG_Message(LOG_INFO_LEVEL, "%s (%s) is already a source", cfg->name,
                  ADDR_Format(addr, text, sizeof(text)));
      return -1;
    }
  }
  for (i = 0; i < SYN_MAX_SOURCES && !s; i++) {
    if (!C.slots[i].used) {
      s = &C.slots[i];
    }
  }
  if (!s) {
    LOG_Message(LOG_ERR_LEVEL, "too many sources: %s not added", cfg->name);
    return 0;
  }
  memset(&sc, 0, sizeof(sc));
  snprintf(sc.name, sizeof(sc.name), "%s", cfg->name);
  sc.ntp.addr = *addr;
  sc.ntp.port = (uint16_t)cfg->port;
  sc.ntp.minpoll = cfg->minpoll;
  sc.ntp.maxpoll = cfg->maxpoll;
  sc.ntp.iburst = cfg->iburst;
  sc.ntp.burst = cfg->burst;
  sc.ntp.maxdelay = cfg->maxdelay;
  sc.ntp.version = 4;
  sc.prefer = cfg->prefer;
  sc.noselect = cfg->noselect;
  sc.trust = cfg->trust;
  sc.require = cfg->require;
  sc.replaceable = cfg->pool;

  memset(s, 0, sizeof(*s));
  s->used = 1;
  s->syn_id = -1;
  s->addr = *addr;
  s->cfg = *cfg;
  if (cfg->nts) {
    /* The NTP socket is opened once the NTS-KE said where NTP goes. */
    s->fd = -1;
    s->nts = calloc(1, sizeof(*s->nts));
    if (!s->nts || !(s->nts->ntc = NTC_Create())) {
      free(s->nts);
      s->nts = NULL;
      s->used = 0;
      return 0;
    }
    s->nts->backoff = KE_RETRY_MIN;
    s->nts->ntp_addr = *addr;
    s->nts->ntp_port = 123;
  } else {
    s->fd = NIO_OpenClient(addr, (uint16_t)cfg->port, on_packet, s);
    if (s->fd < 0) {
      s->used = 0;
      return 0;
    }
  }
  read_now(&now);
  s->syn_id = SYN_AddSource(C.engine, &sc, &now);
  if (s->syn_id < 0) {
    LOG_Message(LOG_ERR_LEVEL, "the engine refused source %s", cfg->name);
    NIO_CloseClient(s->fd);
    nts_free(s);
    s->used = 0;
    return 0;
  }
  LOG_Message(LOG_INFO_LEVEL, "added source %s (%s port %d%s)", cfg->name,
              ADDR_Format(addr, text, sizeof(text)), cfg->port, cfg->nts ? ", NTS" : "");
  if (s->nts && !nts_load(s)) {
    start_ke(s);
  }
  reschedule();
  return 1;
}

static void remove_slot(Slot *s)
{
  SYN_RemoveSource(C.engine, s->syn_id);
  NIO_CloseClient(s->fd);
  nts_free(s);
  memset(s, 0, sizeof(*s));
  s->fd = -1;
}

static void resolve(Resolution *r);

static void retry_resolve(void *arg)
{
  resolve(arg);
}

/* Pool healing: the pool name resolved again; swap the dead source for an address no
   source uses.  When there is none, the source stays and the engine asks again later. */
static void replace_resolved(Resolution *r, const IPAddr *addrs, size_t n, const char *err)
{
  Slot *s = slot_by_id(r->replace_id);
  char old_text[ADDR_STRLEN], new_text[ADDR_STRLEN];
  IPAddr fresh;

  if (!s) {
    return;   /* deleted meanwhile */
  }
  s->replacing = 0;
  if (n == 0) {
    LOG_Message(LOG_WARN_LEVEL, "could not resolve pool %s again: %s", r->cfg.name,
                err ? err : "no address");
    return;
  }
  if (!SYN_PickNewAddress(C.engine, addrs, n, (uint16_t)r->cfg.port, &fresh)) {
    LOG_Message(LOG_INFO_LEVEL, "pool %s: no other address to replace unreachable %s",
                r->cfg.name, ADDR_Format(&s->addr, old_text, sizeof(old_text)));
    return;
  }
  LOG_Message(LOG_WARN_LEVEL, "pool %s: replacing unreachable %s with %s", r->cfg.name,
              ADDR_Format(&s->addr, old_text, sizeof(old_text)),
              ADDR_Format(&fresh, new_text, sizeof(new_text)));
  remove_slot(s);
  add_source(&r->cfg, &fresh);
}

static void on_resolved(void *arg, const IPAddr *addrs, size_t n, const char *err)
{
  Resolution *r = arg;
  size_t i, want, added = 0;

  if (r->replace_id >= 0) {
    replace_resolved(r, addrs, n, err);
    free(r);
    return;
  }
  if (n == 0) {
    LOG_Message(LOG_WARN_LEVEL, "could not resolve %s: %s (trying again in %.0f s)", r->cfg.name,
                err ? err : "no address", RESOLVE_RETRY);
    if (!SCH_AddTimer(RESOLVE_RETRY, retry_resolve, r)) {
      free(r);
    }
    return;
  }
  want = r->cfg.pool ? (size_t)r->cfg.maxsources : 1;
  for (i = 0; i < n && added < want; i++) {
    added += add_source(&r->cfg, &addrs[i]) > 0;
  }
  free(r);
}

static void resolve(Resolution *r)
{
  if (!RSV_Resolve(r->cfg.name, on_resolved, r)) {
    if (!SCH_AddTimer(RESOLVE_RETRY, retry_resolve, r)) {
      free(r);
    }
  }
}

static int start_resolve(const CNF_Source *cfg, int replace_id)
{
  Resolution *r = calloc(1, sizeof(*r));

  if (!r) {
    return 0;
  }
  r->cfg = *cfg;
  r->replace_id = replace_id;
  resolve(r);
  return 1;
}

static void start_replace(int id)
{
  Slot *s = slot_by_id(id);

  if (!s || !s->cfg.pool || s->replacing) {
    return;
  }
  s->replacing = 1;
  if (!start_resolve(&s->cfg, id)) {
    s->replacing = 0;
  }
}

/* The drift file holds two numbers: the frequency correction in ppm (positive: the clock
   is made to run faster) and its error bound (skew) in ppm. */
static int read_drift(const char *path, double *freq, double *skew)
{
  char *text;
  size_t len;
  double f, k;
  int ok;

  if (!SYS_ReadFile(path, 4096, &text, &len)) {
    if (errno != ENOENT) {
      LOG_Message(LOG_WARN_LEVEL, "could not read drift file %s: %s", path, strerror(errno));
    }
    return 0;
  }
  /* Parse into temporaries: a rejected file must leave the caller's defaults alone. */
  ok = sscanf(text, "%lf %lf", &f, &k) == 2 && isfinite(f) && isfinite(k) && fabs(f) <= 500.0 &&
       k >= 0.0;
  free(text);
  if (!ok) {
    LOG_Message(LOG_WARN_LEVEL, "ignoring invalid drift file %s", path);
    return 0;
  }
  *freq = f;
  *skew = k;
  return 1;
}

static void write_drift(void)
{
  char text[64];
  double freq, skew;
  int n;

  if (!C.cfg->driftfile[0] || !C.engine || !C.had_update) {
    return;
  }
  SYN_GetFrequency(C.engine, &freq, &skew);
  if (!isfinite(freq) || !isfinite(skew)) {
    return;
  }
  n = snprintf(text, sizeof(text), "%.6f %.6f\n", freq, skew);
  SYS_WriteFileAtomic(C.cfg->driftfile, text, (size_t)n, 0644);
}

static void on_drift_timer(void *arg)
{
  (void)arg;
  write_drift();
  C.drift_timer = SCH_AddTimer(C.cfg->driftfile_interval > 0 ? C.cfg->driftfile_interval : 3600,
                               on_drift_timer, NULL);
}

int NCL_Initialise(const CNF_Config *cfg)
{
  SYN_Config sc;
  SYN_Now now;
  uint64_t seed;
  double freq = 0.0, skew = 1e6;
  size_t i;

  memset(&C, 0, sizeof(C));
  C.cfg = cfg;
  memset(&sc, 0, sizeof(sc));
  sc.minsources = cfg->minsources;
  sc.maxdistance = cfg->maxdistance;
  sc.maxjitter = cfg->maxjitter;
  sc.combinelimit = cfg->combinelimit;
  sc.reselectdist = cfg->reselectdist;
  sc.maxslewrate = cfg->maxslewrate;
  sc.maxupdateskew = cfg->maxupdateskew;
  sc.maxdrift = cfg->maxdrift;
  sc.makestep_threshold = cfg->makestep_threshold;
  sc.makestep_limit = cfg->makestep_limit;
  sc.maxchange_offset = cfg->maxchange_offset;
  sc.maxchange_start = cfg->maxchange_start;
  sc.maxchange_ignore = cfg->maxchange_ignore;
  sc.local_stratum = cfg->local ? cfg->local_stratum : 0;
  sc.precision = (int8_t)CLK_GetPrecisionLog2();
  sc.leapsecmode = (SYN_LeapMode)cfg->leapsecmode;   /* same order */
  if (cfg->driftfile[0] && read_drift(cfg->driftfile, &freq, &skew)) {
    LOG_Message(LOG_INFO_LEVEL, "frequency %.3f ppm (skew %.3f) from %s", freq, skew,
                cfg->driftfile);
    CLK_GetDriver()->set_freq(freq);
  }
  sc.initial_freq = freq;
  sc.initial_skew = skew;

  seed = ((uint64_t)SYS_Random32() << 32) | SYS_Random32();
  read_now(&now);
  C.engine = SYN_Create(&sc, seed, &now);
  if (!C.engine) {
    LOG_Message(LOG_ERR_LEVEL, "could not create the synchronisation engine");
    return 0;
  }
  for (i = 0; i < cfg->n_sources; i++) {
    if (cfg->sources[i].nts && !C.ke_client_up) {
      /* Now, before the privilege drop: the CA files may be readable by root only. */
      C.ke_client_up = 1;
      NKE_ClientInitialise(cfg);
    }
    start_resolve(&cfg->sources[i], -1);
  }
  if (cfg->driftfile[0]) {
    C.drift_timer = SCH_AddTimer(cfg->driftfile_interval > 0 ? cfg->driftfile_interval : 3600,
                                 on_drift_timer, NULL);
  }
  reschedule();
  return 1;
}

void NCL_Finalise(void)
{
  int i;

  write_drift();
  RSV_Finalise();
  if (C.engine_timer) {
    SCH_RemoveTimer(C.engine_timer);
  }
  if (C.drift_timer) {
    SCH_RemoveTimer(C.drift_timer);
  }
  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (C.slots[i].used) {
      nts_save(&C.slots[i]);
      nts_free(&C.slots[i]);
      NIO_CloseClient(C.slots[i].fd);
    }
  }
  if (C.ke_client_up) {
    NKE_ClientFinalise();
  }
  SYN_Destroy(C.engine);
  memset(&C, 0, sizeof(C));
}

int NCL_Failed(void)
{
  return C.failed;
}

void NCL_GetRefState(const struct timespec *now, NSV_RefState *ref)
{
  SYN_GetRefState(C.engine, now, ref);
}

void NCL_GetTracking(SYN_Tracking *t)
{
  SYN_Now now;

  read_now(&now);
  SYN_GetTracking(C.engine, &now, t);
}

size_t NCL_SourceCount(void)
{
  return C.engine ? SYN_SourceCount(C.engine) : 0;
}

int NCL_GetSourceReport(size_t index, SYN_SourceReport *r)
{
  SYN_Now now;

  Slot *s;

  read_now(&now);
  if (!C.engine || !SYN_GetSourceReport(C.engine, index, &now, r)) {
    return 0;
  }
  s = slot_by_id(r->id);
  if (s) {
    fill_nts_report(s, &r->nts);
  }
  return 1;
}

int NCL_MakeStep(void)
{
  SYN_Actions acts;
  SYN_Now now;

  read_now(&now);
  SYN_MakeStep(C.engine, &now, &acts);
  apply(&acts);
  reschedule();
  return 1;
}

/* Apply fn to every source matching addr (all of them for NULL / ADDR_UNSPEC). */
static int for_sources(const IPAddr *addr, void (*fn)(NSC_Source *src, int arg,
                                                      const struct timespec *mono), int arg)
{
  struct timespec mono;
  int i, n = 0;

  CLK_ReadMonoTime(&mono);
  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    Slot *s = &C.slots[i];
    NSC_Source *src;

    if (!s->used || s->syn_id < 0) {
      continue;
    }
    if (addr && addr->family != ADDR_UNSPEC && !ADDR_Equal(addr, &s->addr)) {
      continue;
    }
    src = SYN_GetNtpSource(C.engine, s->syn_id);
    if (src) {
      fn(src, arg, &mono);
      n++;
    }
  }
  reschedule();
  return n;
}

static void do_burst(NSC_Source *src, int n, const struct timespec *mono)
{
  NSC_StartBurst(src, n, mono);
}

static void do_online(NSC_Source *src, int online, const struct timespec *mono)
{
  NSC_SetOnline(src, online, mono);
}

int NCL_Burst(const IPAddr *addr, int n)
{
  return for_sources(addr, do_burst, n);
}

int NCL_SetOnline(const IPAddr *addr, int online)
{
  return for_sources(addr, do_online, online);
}

int NCL_AddSource(const CNF_Source *src)
{
  IPAddr addr;

  if (!C.engine || !src) {
    return 0;
  }
  if (ADDR_Parse(src->name, &addr)) {
    return add_source(src, &addr);
  }
  /* A name: resolved off the loop like a configured one; the source appears when the
     answer comes (chronyc says 200 OK at once too). */
  return start_resolve(src, -1);
}

int NCL_DeleteSource(const IPAddr *addr, int port)
{
  int i, n = 0;
  char text[ADDR_STRLEN];

  for (i = 0; i < SYN_MAX_SOURCES && addr; i++) {
    Slot *s = &C.slots[i];

    if (!s->used || s->syn_id < 0 || !ADDR_Equal(addr, &s->addr) ||
        (port != 0 && port != s->cfg.port)) {
      continue;
    }
    LOG_Message(LOG_INFO_LEVEL, "removed source %s (%s port %d)", s->cfg.name,
                ADDR_Format(&s->addr, text, sizeof(text)), s->cfg.port);
    remove_slot(s);
    n++;
  }
  reschedule();
  return n;
}

int NCL_GetLocalAddress(int source_id, IPAddr *addr, uint16_t *port)
{
  Slot *s = slot_by_id(source_id);
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);

  if (!s || s->fd < 0 || getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0) {
    return 0;
  }
  memset(addr, 0, sizeof(*addr));
  if (ss.ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

    addr->family = ADDR_INET4;
    memcpy(addr->addr, &in->sin_addr, 4);
    *port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

    addr->family = ADDR_INET6;
    memcpy(addr->addr, &in6->sin6_addr, 16);
    *port = ntohs(in6->sin6_port);
  } else {
    return 0;
  }
  return 1;
}
