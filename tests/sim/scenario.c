/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenario.c - runs the sync engine against the simulated clock and network in virtual
 * time: an event loop that always jumps to the next thing that happens (an engine timer, a
 * packet arrival, or the 1 s metrics tick).  No I/O.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"
#include "util.h"

/* Hard bound on events, so that a bug can never spin for ever. */
#define MAX_EVENTS 5000000ULL

void SCN_DefaultConfig(SYN_Config *c)
{
  memset(c, 0, sizeof(*c));
  c->minsources = 1;
  c->maxdistance = 3.0;
  c->maxjitter = 1.0;
  c->combinelimit = 3.0;
  c->reselectdist = 1e-4;
  c->maxslewrate = 83333.333;
  c->maxupdateskew = 1000.0;
  c->maxdrift = 500.0;
  c->initial_skew = 1e6;
  c->precision = -20;
}

void SCN_Default(SCN_Scenario *s)
{
  memset(s, 0, sizeof(*s));
  s->name = "default";
  s->duration = 10000.0;
  s->n_servers = 1;
  s->server[0].delay = 100e-6;
  s->server[0].jitter = 20e-6;
  s->server[0].outage_start = s->server[0].outage_end = -1;
  SCN_DefaultConfig(&s->cfg);
  s->minpoll = 6;
  s->maxpoll = 10;
  s->iburst = 1;
  s->sync_threshold = 1e-3;
  s->settle_time = 300.0;
  s->seed = 1;
}

const char *const SCN_Names[] = {"slew",     "liar",   "outage", "kod",
                                  "maxchange", "makestep", "wander", "jitter", NULL};

int SCN_Named(const char *name, uint64_t seed, SCN_Scenario *s)
{
  int k;

  SCN_Default(s);
  s->seed = seed;
  s->clock.seed = seed;
  s->clock.freq_error = 100.0;
  s->clock.offset0 = 0.1;
  s->server[0].jitter = 100e-6;
  if (strcmp(name, "slew") == 0) {
    /* (a) 1 server, 100 ppm, 0.1 s, 100 us + exponential jitter: slewed, no step */
    s->name = "slew";
  } else if (strcmp(name, "liar") == 0) {
    /* (b) 3 servers, one 1 h ahead */
    s->name = "liar";
    s->n_servers = 3;
    for (k = 1; k < 3; k++) {
      s->server[k] = s->server[0];
      s->server[k].delay = 100e-6 * (k + 1);
    }
    s->server[2].lie = 3600.0;
    /* start behind, so that any move towards the liar (ahead) shows */
    s->clock.offset0 = -0.1;
  } else if (strcmp(name, "outage") == 0) {
    /* (c) the only server is silent for 2000 s */
    s->name = "outage";
    s->server[0].outage_start = 4000.0;
    s->server[0].outage_end = 6000.0;
  } else if (strcmp(name, "kod") == 0) {
    /* (d) the server rate-limits to one request per 256 s and answers RATE KoD */
    s->name = "kod";
    s->server[0].kod = 1;
    s->server[0].kod_interval = 8;
  } else if (strcmp(name, "maxchange") == 0) {
    /* (e) the server jumps 10 s ahead at t = 3000; maxchange 1 1 2 */
    s->name = "maxchange";
    s->server[0].lie = 10.0;
    s->server[0].lie_from = 3000.0;
    s->cfg.maxchange_offset = 1.0;
    s->cfg.maxchange_start = 1;
    s->cfg.maxchange_ignore = 2;
  } else if (strcmp(name, "makestep") == 0) {
    /* (f) 10 s off at start, makestep 1 3 */
    s->name = "makestep";
    s->clock.offset0 = 10.0;
    s->cfg.makestep_threshold = 1.0;
    s->cfg.makestep_limit = 3;
  } else if (strcmp(name, "wander") == 0) {
    /* (bench) as slew, with the frequency wandering as a random walk (0.01 ppm/sqrt(s)
       gives about 1 ppm over 10000 s, a warm but unstable room) */
    s->name = "wander";
    s->clock.wander = 0.01;
  } else if (strcmp(name, "jitter") == 0) {
    /* (bench) three servers over a jittery WAN: 5 ms away, 1 ms jitter, 1 ms asymmetry on
       one, 5% loss */
    s->name = "jitter";
    s->n_servers = 3;
    for (k = 0; k < 3; k++) {
      s->server[k] = s->server[0];
      s->server[k].delay = 5e-3;
      s->server[k].jitter = 1e-3;
      s->server[k].loss = 0.05;
    }
    s->server[1].asymmetry = 1e-3;
  } else {
    return 0;
  }
  return 1;
}

static double mono_to_true(const struct timespec *m)
{
  return (double)(m->tv_sec - SCK_MONO_BASE) + m->tv_nsec * 1e-9;
}

static void now_of(const SCK_Clock *c, SYN_Now *now)
{
  SCK_ReadMono(c, &now->mono);
  SCK_ReadReal(c, &now->real);
}

typedef struct {
  const SCN_Scenario *sc;
  SCK_Clock clk;
  SNT_Net *net;
  SYN_Engine *eng;
  int ids[SNT_MAX_SERVERS];
  SCN_Metrics *m;
  int stop;
  int was_sync;
} Run;

static void apply(Run *r, const SYN_Actions *a)
{
  size_t i;
  int k;

  if (a->step) {
    SCK_Step(&r->clk, a->step_offset);
    r->m->steps++;
    r->m->stepped += fabs(a->step_offset);
  }
  if (a->set_freq) {
    SCK_SetFreq(&r->clk, a->freq_ppm);
  }
  if (a->set_leap && a->leap != 3) {
    r->m->last_update_time = r->clk.t;   /* set_leap comes with every clock update */
  }
  for (i = 0; i < a->n_tx; i++) {
    for (k = 0; k < r->sc->n_servers; k++) {
      if (r->ids[k] == a->tx[i].source_id) {
        SNT_SendRequest(r->net, k, a->tx[i].data, a->tx[i].len, r->clk.t);
      }
    }
  }
  if (a->fatal) {
    r->m->fatal = 1;
    r->m->fatal_time = r->clk.t;
    r->stop = 1;
  }
  if (r->sc->trace && (a->set_freq || a->step)) {
    SYN_Now tn;
    SYN_Tracking tt;
    SYN_SourceReport sr;

    now_of(&r->clk, &tn);
    SYN_GetTracking(r->eng, &tn, &tt);
    SYN_GetSourceReport(r->eng, 0, &tn, &sr);
    fprintf(stderr,
            "t=%9.2f err=%+.6f fint=%+.4f app=%+.4f step=%d base=%+.4f skew=%.4f last=%+.6f "
            "np=%d nr=%d poll=%d sfreq=%+.4f sskew=%.4f sd=%.2e upd=%d st=%c\n",
            r->clk.t, SCK_Error(&r->clk), r->clk.freq_int, a->freq_ppm, a->step, -tt.freq_ppm,
            tt.skew_ppm, tt.last_offset, sr.n_samples, sr.n_runs, sr.poll, sr.freq_ppm,
            sr.skew_ppm, sr.std_dev, tt.n_updates, SEL_StatusChar(sr.status));
  }
  if (a->sync_changed) {
    SYN_Now now;
    SYN_Tracking tr;

    now_of(&r->clk, &now);
    SYN_GetTracking(r->eng, &now, &tr);
    if (!tr.synchronised && r->was_sync) {
      r->m->unsync_during = 1;
    } else if (tr.synchronised && r->m->unsync_during) {
      r->m->resynced = 1;
    }
    r->was_sync = tr.synchronised;
  }
}

/* Metrics sampled once a simulated second. */
typedef struct {
  double sum_off2, sum_f2;
  long n;
  double sum_set2;
  long n_set;
  double sum_late2;
  long n_late;
} Acc;

static void tick(Run *r, Acc *acc)
{
  double err = SCK_Error(&r->clk), f = SCK_FreqError(&r->clk);
  int k;

  if (r->m->sync_time < 0 && fabs(err) < r->sc->sync_threshold) {
    r->m->sync_time = r->clk.t;
  }
  if (r->clk.t >= r->sc->duration / 2) {
    acc->sum_late2 += err * err;
    acc->n_late++;
  }
  if (r->m->sync_time < 0) {
    return;
  }
  if (r->clk.t >= r->sc->settle_time) {
    acc->sum_set2 += err * err;
    acc->n_set++;
    if (fabs(err) > r->m->max_settled) {
      r->m->max_settled = fabs(err);
    }
  }
  acc->sum_off2 += err * err;
  acc->sum_f2 += f * f;
  acc->n++;
  if (fabs(err) > r->m->max_offset) {
    r->m->max_offset = fabs(err);
  }
  for (k = 0; k < r->sc->n_servers; k++) {
    const SNT_ServerParams *p = &r->sc->server[k];
    /* the offset points away from the liar: error (local - true) of the liar's sign */
    if (p->lie != 0 && r->clk.t >= p->lie_from) {
      double towards = p->lie > 0 ? err : -err;

      if (towards > r->m->max_towards_liar) {
        r->m->max_towards_liar = towards;
      }
    }
  }
}

int SCN_Run(const SCN_Scenario *sc, SCN_Metrics *m)
{
  Run r;
  Acc acc;
  SYN_Now now;
  SYN_Actions acts;
  SNT_Delivery d;
  double next_tick = 0.0, te, tn, t;
  struct timespec wake, rx;
  int k, have_e, have_n;
  SYN_Tracking tr;

  memset(&r, 0, sizeof(r));
  memset(m, 0, sizeof(*m));
  memset(&acc, 0, sizeof(acc));
  m->sync_time = -1;
  m->last_update_time = -1;
  r.sc = sc;
  r.m = m;
  SCK_Init(&r.clk, &sc->clock);
  r.net = SNT_Create(sc->seed);
  now_of(&r.clk, &now);
  r.eng = r.net ? SYN_Create(&sc->cfg, sc->seed * 0x9e3779b97f4a7c15ULL + 7, &now) : NULL;
  if (!r.eng) {
    SNT_Destroy(r.net);
    return 0;
  }
  for (k = 0; k < sc->n_servers; k++) {
    SYN_SourceConfig scfg;

    memset(&scfg, 0, sizeof(scfg));
    if (SNT_AddServer(r.net, &sc->server[k]) != k) {
      goto fail;
    }
    snprintf(scfg.name, sizeof(scfg.name), "sim%d", k);
    SNT_ServerAddr(k, &scfg.ntp.addr);
    scfg.ntp.port = 123;
    scfg.ntp.minpoll = sc->minpoll;
    scfg.ntp.maxpoll = sc->maxpoll;
    scfg.ntp.iburst = sc->iburst;
    scfg.ntp.maxdelay = 3.0;
    scfg.ntp.version = 4;
    r.ids[k] = SYN_AddSource(r.eng, &scfg, &now);
    if (r.ids[k] < 0) {
      goto fail;
    }
  }

  while (!r.stop && r.clk.t < sc->duration && m->events < MAX_EVENTS) {
    have_e = SYN_NextWake(r.eng, &wake);
    te = have_e ? mono_to_true(&wake) : INFINITY;
    have_n = SNT_NextEvent(r.net, &tn);
    if (!have_n) {
      tn = INFINITY;
    }
    t = next_tick;
    if (te < t) {
      t = te;
    }
    if (tn < t) {
      t = tn;
    }
    if (t < r.clk.t) {
      t = r.clk.t;
    }
    if (t > sc->duration) {
      break;
    }
    SCK_AdvanceTo(&r.clk, t);
    m->events++;
    if (t >= next_tick) {
      tick(&r, &acc);
      next_tick += 1.0;
    }
    if (tn <= t) {
      while (SNT_Process(r.net, t, &d)) {
        now_of(&r.clk, &now);
        rx = now.real;
        SYN_OnPacket(r.eng, r.ids[d.server], d.data, d.len, &rx, &now, &acts);
        apply(&r, &acts);
      }
    }
    if (te <= t) {
      now_of(&r.clk, &now);
      SYN_OnTimer(r.eng, &now, &acts);
      apply(&r, &acts);
      /* a wake that does not move would spin: nudge time forward (never seen, bounded) */
      if (SYN_NextWake(r.eng, &wake) && mono_to_true(&wake) <= t && acts.n_tx == 0 &&
          !acts.set_freq) {
        SCK_AdvanceTo(&r.clk, t + 1e-6);
      }
    }
  }

  if (acc.n > 0) {
    m->rms_offset = sqrt(acc.sum_off2 / acc.n);
    m->rms_freq = sqrt(acc.sum_f2 / acc.n);
  }
  if (acc.n_set > 0) {
    m->rms_settled = sqrt(acc.sum_set2 / acc.n_set);
  }
  if (acc.n_late > 0) {
    m->rms_late = sqrt(acc.sum_late2 / acc.n_late);
  }
  m->final_error = SCK_Error(&r.clk);
  now_of(&r.clk, &now);
  SYN_GetTracking(r.eng, &now, &tr);
  m->synchronised_end = tr.synchronised;
  m->updates = tr.n_updates;
  for (k = 0; k < sc->n_servers; k++) {
    SYN_SourceReport rep;
    const NSV_Stats *st = SNT_ServerStats(r.net, k);
    size_t i;

    for (i = 0; SYN_GetSourceReport(r.eng, i, &now, &rep); i++) {
      if (rep.id == r.ids[k]) {
        m->status[k] = SEL_StatusChar(rep.status);
        m->poll[k] = rep.poll;
        m->samples[k] = rep.ntp.rx[NSC_RX_SAMPLE];
        m->kod_rx[k] = rep.ntp.rx[NSC_RX_KOD_RATE];
      }
    }
    m->replied[k] = st->replied;
    m->kod_sent[k] = st->kod_sent;
  }
  SYN_Destroy(r.eng);
  SNT_Destroy(r.net);
  return 1;

fail:
  SYN_Destroy(r.eng);
  SNT_Destroy(r.net);
  return 0;
}
