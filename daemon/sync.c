/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync.c - the synchronisation engine [core]: NTP sources (NSC_) feed per-source
 * regressions (SST_), selection (SEL_) picks and combines, the discipline (DSC_) turns the
 * result into frequency/step actions.  No I/O, no clock reads: everything arrives as
 * arguments and leaves as SYN_Actions.
 *
 * Consistency across corrections: every frequency change the engine asks for (base or
 * slew) and every step is applied at once to all sources' stored samples, so the
 * regressions always describe the clock as it is now being corrected.  That is why the
 * caller must carry out every action it is given, and nothing else.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discipline.h"
#include "srcstats.h"
#include "sync.h"
#include "util.h"

/* Like chrony's polltarget: the poll lengthens when a regression holds more samples than
   this and shortens when it holds fewer.  chrony's default is 8 with a slower adjustment;
   16 with ours keeps the poll short for longer, which the simulator prefers (sim_bench
   "wander" RMS 0.26 ms against 0.52 ms, "slew" 30 us against 43 us). */
#define POLL_TARGET 16
/* Before the first clock update, wait this long (s) for every source to answer once, so
   that the first correction is not made on the word of whichever source answered first
   (a falseticker on a short path would otherwise be followed until the others answer). */
#define FIRST_UPDATE_WAIT 8.0
/* Reference id served when unsynchronised with `local` (127.127.1.1, "LOCL" in spirit). */
#define LOCAL_REF_ID 0x7f7f0101u
/* Samples received this close (s) to a leap second are dropped: a request sent before it
   and answered after it measures a 1 s error that is no error of our clock. */
#define LEAP_GUARD 2

typedef struct {
  int used;
  int id;
  SYN_SourceConfig sc;
  NSC_Source *nsc;
  SST_Stats *st;
  SEL_Status status;
  int new_sample;            /* a sample since the last clock update */
  double poll_score;
  int have_sample;
  SST_Sample last;           /* newest accepted sample, as measured */
  struct timespec last_mono; /* when it arrived (monotonic) */
  uint64_t replace_tx;       /* requests made when last reported for replacement */
  int kod_reported;          /* a DENY/RSTR stop was reported for replacement */
} Source;

struct SYN_Engine {
  SYN_Config cfg;
  uint64_t prng;
  Source src[SYN_MAX_SOURCES];
  int next_id;
  DSC_State *dsc;
  int selected_id;
  int force_step;
  struct timespec start_mono;
  /* tracking */
  int synchronised;
  uint32_t ref_id;
  IPAddr ref_addr;
  int stratum;
  int leap;
  struct timespec ref_time;
  struct timespec last_update_mono;
  int have_update;
  double last_offset;        /* reference - local */
  double ms_offset;          /* running mean square */
  double root_delay, root_dispersion;
  double update_interval;
  /* leap second (RFC 5905 §7.3 LI; leapsecmode as chrony.conf(5)) */
  int leap_pending;          /* 1 insert / 2 delete at leap_epoch */
  time_t leap_epoch;         /* Unix time of the midnight that ends the leap day */
  struct timespec leap_mono; /* when that is expected on the monotonic clock */
  time_t last_leap_epoch;    /* the leap handled last (0 none) */
  double leap_slew_ppm;      /* leapsecmode slew: extra frequency while slewing the second */
  struct timespec leap_slew_end;
};

/* splitmix64: small, well mixed, and deterministic for a given seed (the simulator needs
   repeatable runs; the daemon seeds it from getrandom). */
static uint64_t next_random(SYN_Engine *e)
{
  uint64_t z = (e->prng += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static Source *find_source(SYN_Engine *e, int id)
{
  int i;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (e->src[i].used && e->src[i].id == id) {
      return &e->src[i];
    }
  }
  return NULL;
}

SYN_Engine *SYN_Create(const SYN_Config *cfg, uint64_t seed, const SYN_Now *now)
{
  SYN_Engine *e;
  DSC_Params p;

  e = calloc(1, sizeof(*e));
  if (!e) {
    return NULL;
  }
  e->cfg = *cfg;
  e->prng = seed;
  DSC_DefaultParams(&p);
  p.makestep_threshold = cfg->makestep_threshold;
  p.makestep_limit = cfg->makestep_limit;
  p.maxchange_offset = cfg->maxchange_offset;
  p.maxchange_start = cfg->maxchange_start;
  p.maxchange_ignore = cfg->maxchange_ignore;
  if (cfg->maxslewrate > 0) {
    p.maxslewrate = cfg->maxslewrate;
  }
  if (cfg->maxupdateskew > 0) {
    p.maxupdateskew = cfg->maxupdateskew;
  }
  if (cfg->maxdrift > 0) {
    p.maxdrift = cfg->maxdrift;
  }
  p.initial_freq = isfinite(cfg->initial_freq) ? cfg->initial_freq : 0.0;
  p.initial_skew = cfg->initial_skew > 0 ? cfg->initial_skew : 1e6;
  e->dsc = DSC_Create(&p);
  if (!e->dsc) {
    free(e);
    return NULL;
  }
  e->selected_id = -1;
  e->stratum = 0;
  e->start_mono = now->mono;
  return e;
}

void SYN_Destroy(SYN_Engine *e)
{
  int i;

  if (!e) {
    return;
  }
  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (e->src[i].used) {
      NSC_Destroy(e->src[i].nsc);
      SST_Destroy(e->src[i].st);
    }
  }
  DSC_Destroy(e->dsc);
  free(e);
}

int SYN_AddSource(SYN_Engine *e, const SYN_SourceConfig *sc, const SYN_Now *now)
{
  int i;
  Source *s = NULL;
  struct timespec first = now->mono;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (!e->src[i].used) {
      s = &e->src[i];
      break;
    }
  }
  if (!s) {
    return -1;
  }
  memset(s, 0, sizeof(*s));
  if (!sc->ntp.iburst) {
    /* spread the first requests of many sources over a couple of seconds */
    UTI_AddDoubleToTimespec(&now->mono, (next_random(e) >> 11) * 0x1.0p-53 * 2.0, &first);
  }
  s->nsc = NSC_Create(&sc->ntp, &first);
  s->st = SST_Create();
  if (!s->nsc || !s->st) {
    NSC_Destroy(s->nsc);
    SST_Destroy(s->st);
    memset(s, 0, sizeof(*s));
    return -1;
  }
  s->used = 1;
  s->id = e->next_id++;
  s->sc = *sc;
  s->sc.name[SYN_NAME_LEN - 1] = '\0';
  s->status = SEL_ST_NONE;
  return s->id;
}

int SYN_RemoveSource(SYN_Engine *e, int id)
{
  Source *s = find_source(e, id);

  if (!s) {
    return 0;
  }
  NSC_Destroy(s->nsc);
  SST_Destroy(s->st);
  memset(s, 0, sizeof(*s));
  if (e->selected_id == id) {
    e->selected_id = -1;
  }
  return 1;
}

int SYN_NextWake(const SYN_Engine *e, struct timespec *mono)
{
  int i, have = 0;
  struct timespec t;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (e->src[i].used && NSC_GetNextTx(e->src[i].nsc, &t)) {
      if (!have || UTI_CompareTimespecs(&t, mono) < 0) {
        *mono = t;
        have = 1;
      }
    }
  }
  if (DSC_NextEvent(e->dsc, &t)) {
    if (!have || UTI_CompareTimespecs(&t, mono) < 0) {
      *mono = t;
      have = 1;
    }
  }
  if (e->leap_pending && (!have || UTI_CompareTimespecs(&e->leap_mono, mono) < 0)) {
    *mono = e->leap_mono;
    have = 1;
  }
  if (e->leap_slew_ppm != 0.0 && (!have || UTI_CompareTimespecs(&e->leap_slew_end, mono) < 0)) {
    *mono = e->leap_slew_end;
    have = 1;
  }
  return have;
}

/* Tell every regression about a frequency change (ppm, from old_ppm by dfreq_ppm) applied
   at real time t0. */
static void shift_all_freq(SYN_Engine *e, double old_ppm, double dfreq_ppm,
                           const struct timespec *t0)
{
  int i;
  double rel = dfreq_ppm * 1e-6 / (1.0 + old_ppm * 1e-6);

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (e->src[i].used) {
      SST_ShiftFrequency(e->src[i].st, rel, t0);
    }
  }
}

static void shift_all_step(SYN_Engine *e, double step)
{
  int i;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (e->src[i].used) {
      SST_ShiftStep(e->src[i].st, step);
      /* A request in flight was timed on the old clock: move its send time too. */
      NSC_AdjustForStep(e->src[i].nsc, step);
      if (e->src[i].have_sample) {
        e->src[i].last.offset -= step;
        UTI_AddDoubleToTimespec(&e->src[i].last.time, step, &e->src[i].last.time);
      }
    }
  }
}

static uint32_t ref_id_of(const IPAddr *a)
{
  uint32_t h = 2166136261u;
  int i;

  if (a->family == ADDR_INET4) {
    return (uint32_t)a->addr[0] << 24 | (uint32_t)a->addr[1] << 16 | (uint32_t)a->addr[2] << 8 |
           a->addr[3];
  }
  /* IPv6: RFC 5905 §7.3 takes the first four bytes of a hash of the address. */
  for (i = 0; i < 16; i++) {
    h = (h ^ a->addr[i]) * 16777619u;
  }
  return h;
}

static void fill_candidate(const Source *s, const SYN_Now *now, SEL_Candidate *c)
{
  SST_Estimate est;
  NSC_Report rep;
  double off = 0, err = 0;

  memset(c, 0, sizeof(*c));
  c->id = s->id;
  c->prefer = s->sc.prefer;
  c->noselect = s->sc.noselect;
  c->trust = s->sc.trust;
  c->require = s->sc.require;
  NSC_GetReport(s->nsc, &rep);
  if (!s->have_sample || !SST_GetEstimate(s->st, &est) || rep.reach == 0 || !rep.online) {
    c->usable = 0;
    c->leap = 3;
    return;
  }
  SST_PredictOffset(s->st, &now->real, &off, &err);
  c->usable = 1;
  c->offset = off;
  c->root_distance = SST_RootDistance(s->st, &now->real);
  c->std_dev = est.std_dev;
  c->freq = est.freq_ppm;
  c->skew = est.skew_ppm;
  c->root_delay = s->last.root_delay + s->last.delay;
  c->root_dispersion = s->last.root_dispersion + s->last.dispersion;
  c->stratum = s->last.stratum;
  c->leap = s->last.leap;
}

static void set_unsynchronised(SYN_Engine *e, SYN_Actions *acts)
{
  if (e->synchronised) {
    e->synchronised = 0;
    acts->sync_changed = 1;
    acts->set_leap = 1;
    acts->leap = 3;
    acts->est_error = 16.0;
    acts->max_error = 16.0;
  }
  e->selected_id = -1;
}

static void apply_result(SYN_Engine *e, const DSC_Result *r, const SYN_Now *now,
                         SYN_Actions *acts)
{
  struct timespec t0 = now->real;

  if (r->verdict == DSC_STEPPED) {
    acts->step = 1;
    acts->step_offset += r->step_offset;
    shift_all_step(e, r->step_offset);
    UTI_AddDoubleToTimespec(&now->real, r->step_offset, &t0);
  }
  if (r->dfreq_ppm != 0.0 || r->verdict == DSC_STEPPED) {
    shift_all_freq(e, r->freq_ppm + e->leap_slew_ppm - r->dfreq_ppm, r->dfreq_ppm, &t0);
    acts->set_freq = 1;
    acts->freq_ppm = r->freq_ppm + e->leap_slew_ppm;
  }
}

/* ---- leap seconds ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int SYN_IsLeapDay(time_t t)
{
  /* Days since 1970-01-01 to a civil date, in the proleptic Gregorian calendar: count
     from 0000-03-01 so that the leap day is the last of the year, in 400-year eras of
     146097 days (5-month cycles of 153 days give the month). */
  int64_t z = floor_div((int64_t)t, 86400) + 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int day = (int)(doy - (153 * mp + 2) / 5 + 1);
  int month = (int)(mp < 10 ? mp + 3 : mp - 9);

  return (month == 6 && day == 30) || (month == 12 && day == 31);
}

/* The leap status the sources agree on, as it applies to us now: only on a leap day. */
static void note_leap(SYN_Engine *e, int leap, const SYN_Now *now)
{
  if ((leap != 1 && leap != 2) || !SYN_IsLeapDay(now->real.tv_sec)) {
    e->leap = 0;
    e->leap_pending = 0;   /* withdrawn (or stale after the leap): nothing to do */
    return;
  }
  e->leap = leap;
  e->leap_pending = leap;
  e->leap_epoch = (time_t)((floor_div((int64_t)now->real.tv_sec, 86400) + 1) * 86400);
  {
    struct timespec ep = {e->leap_epoch, 0};

    UTI_AddDoubleToTimespec(&now->mono, UTI_DiffTimespecs(&ep, &now->real), &e->leap_mono);
  }
}

/* The leap second happens now (real time reached leap_epoch): the reference time scale
   jumped back by one second (insert) or forward (delete).  What the clock does about it
   depends on leapsecmode; the stored samples are kept consistent with it. */
static void do_leap(SYN_Engine *e, const SYN_Now *now, SYN_Actions *acts)
{
  double L = e->leap_pending == 1 ? 1.0 : -1.0; /* seconds the reference went back */
  int i;

  e->last_leap_epoch = e->leap_epoch;
  e->leap_pending = 0;
  e->leap = 0;
  acts->leap_done = (int)L;
  switch (e->cfg.leapsecmode) {
  case SYN_LEAP_STEP:
    /* Both time scales move: offsets stay, the request in flight moves with the clock. */
    acts->step = 1;
    acts->step_offset += -L;
    for (i = 0; i < SYN_MAX_SOURCES; i++) {
      if (e->src[i].used) {
        NSC_AdjustForStep(e->src[i].nsc, -L);
      }
    }
    break;
  case SYN_LEAP_SLEW:
  case SYN_LEAP_IGNORE:
    /* Our clock did not move, the reference did: every stored offset is now L lower. */
    for (i = 0; i < SYN_MAX_SOURCES; i++) {
      if (e->src[i].used) {
        SST_ShiftStep(e->src[i].st, L);
        if (e->src[i].have_sample) {
          e->src[i].last.offset -= L;
        }
      }
    }
    if (e->cfg.leapsecmode == SYN_LEAP_SLEW) {
      /* chrony-style: slew the second away at the maximum slew rate (about 12 s at
         83333 ppm); clock updates wait until it is done (select_and_update). */
      double rate = e->cfg.maxslewrate > 0 ? e->cfg.maxslewrate : 83333.333;
      double old = DSC_GetAppliedFreq(e->dsc);

      e->leap_slew_ppm = L > 0 ? -rate : rate;
      shift_all_freq(e, old, e->leap_slew_ppm, &now->real);
      UTI_AddDoubleToTimespec(&now->mono, 1.0 / (rate * 1e-6), &e->leap_slew_end);
      acts->set_freq = 1;
      acts->freq_ppm = old + e->leap_slew_ppm;
    }
    break;
  default:
    break;   /* system: the kernel did it (when it controls the clock) */
  }
}

static void leap_on_timer(SYN_Engine *e, const SYN_Now *now, SYN_Actions *acts)
{
  if (e->leap_slew_ppm != 0.0 && UTI_CompareTimespecs(&now->mono, &e->leap_slew_end) >= 0) {
    double base = DSC_GetAppliedFreq(e->dsc);

    shift_all_freq(e, base + e->leap_slew_ppm, -e->leap_slew_ppm, &now->real);
    e->leap_slew_ppm = 0.0;
    acts->set_freq = 1;
    acts->freq_ppm = base;
  }
  if (!e->leap_pending) {
    return;
  }
  if (now->real.tv_sec >= e->leap_epoch) {
    do_leap(e, now, acts);
  } else if (UTI_CompareTimespecs(&now->mono, &e->leap_mono) >= 0) {
    /* early (the clocks drifted apart): look again when real time gets there */
    struct timespec ep = {e->leap_epoch, 0};

    UTI_AddDoubleToTimespec(&now->mono, UTI_DiffTimespecs(&ep, &now->real), &e->leap_mono);
  }
}

/* A sample measured across (or right at) a leap second. */
static int near_leap(const SYN_Engine *e, const struct timespec *rx)
{
  time_t ep = e->leap_pending ? e->leap_epoch : e->last_leap_epoch;

  return ep != 0 && rx->tv_sec >= ep - LEAP_GUARD && rx->tv_sec < ep + LEAP_GUARD;
}

/* Selection over all sources; a clock update when the selected source has a new sample. */
static void select_and_update(SYN_Engine *e, const SYN_Now *now, SYN_Actions *acts)
{
  SEL_Candidate c[SYN_MAX_SOURCES];
  SEL_Status st[SYN_MAX_SOURCES];
  Source *map[SYN_MAX_SOURCES];
  SEL_Params p;
  SEL_Result res;
  size_t n = 0, i;
  Source *sel;
  DSC_Input in;
  DSC_Result r;
  double interval;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (e->src[i].used) {
      fill_candidate(&e->src[i], now, &c[n]);
      map[n++] = &e->src[i];
    }
  }
  SEL_DefaultParams(&p);
  p.minsources = e->cfg.minsources > 0 ? e->cfg.minsources : p.minsources;
  p.maxdistance = e->cfg.maxdistance > 0 ? e->cfg.maxdistance : p.maxdistance;
  p.maxjitter = e->cfg.maxjitter > 0 ? e->cfg.maxjitter : p.maxjitter;
  p.combinelimit = e->cfg.combinelimit > 0 ? e->cfg.combinelimit : p.combinelimit;
  p.reselectdist = e->cfg.reselectdist > 0 ? e->cfg.reselectdist : p.reselectdist;
  p.current_id = e->selected_id;
  if (n == 0 || !SEL_Select(c, n, &p, st, &res) || res.selected_id < 0) {
    for (i = 0; i < n; i++) {
      map[i]->status = n ? st[i] : SEL_ST_NONE;
    }
    set_unsynchronised(e, acts);
    return;
  }
  for (i = 0; i < n; i++) {
    map[i]->status = st[i];
  }
  e->selected_id = res.selected_id;
  sel = find_source(e, res.selected_id);
  if (!sel || !sel->new_sample || e->leap_slew_ppm != 0.0) {
    return;   /* no update while a leap second is being slewed away */
  }

  if (!e->have_update && UTI_DiffTimespecs(&now->mono, &e->start_mono) < FIRST_UPDATE_WAIT) {
    for (i = 0; i < n; i++) {
      NSC_Report rep;

      NSC_GetReport(map[i]->nsc, &rep);
      if (!map[i]->have_sample && rep.online && !map[i]->sc.noselect) {
        return;   /* keep new_sample: the update happens when the last one answers */
      }
    }
  }

  /* The clock is updated only when the system peer has something new to say. */
  interval = e->have_update ? UTI_DiffTimespecs(&now->mono, &e->last_update_mono)
                            : UTI_Log2ToDouble(NSC_GetParams(sel->nsc)->minpoll);
  if (!e->have_update && sel->sc.ntp.iburst) {
    interval = 2.0;
  }
  in.offset = res.offset;
  in.offset_sd = res.offset_sd;
  in.resid_freq_ppm = res.freq;
  in.skew_ppm = res.skew;
  DSC_Update(e->dsc, &in, &now->mono, interval, e->force_step, &r);
  for (i = 0; i < n; i++) {
    map[i]->new_sample = 0;
  }
  if (r.verdict == DSC_FATAL) {
    acts->fatal = 1;
    return;
  }
  if (r.verdict == DSC_IGNORED) {
    return;
  }
  e->force_step = 0;
  apply_result(e, &r, now, acts);

  if (!e->synchronised) {
    e->synchronised = 1;
    acts->sync_changed = 1;
  }
  e->update_interval = e->have_update ? interval : 0.0;
  e->have_update = 1;
  e->last_update_mono = now->mono;
  e->ref_time = now->real;
  if (r.verdict == DSC_STEPPED) {
    UTI_AddDoubleToTimespec(&now->real, r.step_offset, &e->ref_time);
  }
  e->ref_addr = sel->sc.ntp.addr;
  e->ref_id = ref_id_of(&sel->sc.ntp.addr);
  e->stratum = res.stratum + 1 > 15 ? 15 : res.stratum + 1;
  note_leap(e, res.leap, now);
  e->last_offset = res.offset;
  e->ms_offset = DSC_UpdateCount(e->dsc) <= 1
                     ? res.offset * res.offset
                     : 0.9 * e->ms_offset + 0.1 * res.offset * res.offset;
  e->root_delay = res.root_delay;
  e->root_dispersion = res.root_dispersion + res.offset_sd;
  acts->set_leap = 1;
  /* Only `leapsecmode system` lets the kernel insert/delete the second. */
  acts->leap = e->cfg.leapsecmode == SYN_LEAP_SYSTEM ? e->leap : 0;
  acts->est_error = res.offset_sd + fabs(res.offset);
  acts->max_error = e->root_delay / 2.0 + e->root_dispersion + fabs(res.offset);
}

/* chrony-like poll adaptation: lengthen the poll while the regression is well fed,
   shorten it when the runs test keeps discarding samples. */
static void adapt_poll(Source *s)
{
  SST_Estimate est;

  if (!SST_GetEstimate(s->st, &est)) {
    return;
  }
  s->poll_score += (double)(est.n_samples - POLL_TARGET) / POLL_TARGET;
  if (s->poll_score >= 1.0) {
    NSC_AdjustPoll(s->nsc, +1);
    s->poll_score = 0.0;
  } else if (s->poll_score <= -1.0) {
    NSC_AdjustPoll(s->nsc, -1);
    s->poll_score = 0.0;
  }
}

/* Pool healing: report replaceable sources that did not answer the last
   SYN_REPLACE_POLLS requests, or that a DENY/RSTR KoD stopped. */
static void check_replace(SYN_Engine *e, SYN_Actions *acts)
{
  int i;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    Source *s = &e->src[i];
    NSC_Report rep;
    int due;

    if (!s->used || !s->sc.replaceable) {
      continue;
    }
    NSC_GetReport(s->nsc, &rep);
    if (rep.stopped_by_kod) {
      due = !s->kod_reported;
      s->kod_reported = 1;
    } else {
      due = rep.online && rep.reach == 0 && rep.tx >= s->replace_tx + SYN_REPLACE_POLLS;
      if (due) {
        s->replace_tx = rep.tx;
      }
    }
    if (due && acts->n_replace < SYN_MAX_SOURCES) {
      acts->replace[acts->n_replace++] = s->id;
    }
  }
}

void SYN_OnTimer(SYN_Engine *e, const SYN_Now *now, SYN_Actions *acts)
{
  DSC_Result r;
  int i, sent = 0;
  struct timespec t;

  memset(acts, 0, sizeof(*acts));
  if (DSC_OnTimer(e->dsc, &now->mono, &r)) {
    apply_result(e, &r, now, acts);
  }
  leap_on_timer(e, now, acts);
  for (i = 0; i < SYN_MAX_SOURCES && acts->n_tx < SYN_MAX_TX; i++) {
    Source *s = &e->src[i];
    SYN_Tx *tx = &acts->tx[acts->n_tx];
    size_t len;

    if (!s->used || !NSC_GetNextTx(s->nsc, &t) || UTI_CompareTimespecs(&t, &now->mono) > 0) {
      continue;
    }
    len = NSC_MakeRequest(s->nsc, &now->mono, &now->real, next_random(e), tx->data,
                          sizeof(tx->data));
    if (len > 0) {
      tx->source_id = s->id;
      tx->len = len;
      acts->n_tx++;
      sent = 1;
    }
  }
  check_replace(e, acts);
  if (sent) {
    /* reachability moved: a source silent for 8 polls is no longer selectable */
    select_and_update(e, now, acts);
  }
}

void SYN_OnPacket(SYN_Engine *e, int id, const uint8_t *buf, size_t len,
                  const struct timespec *rx_real, const SYN_Now *now, SYN_Actions *acts)
{
  Source *s = find_source(e, id);
  NSC_Sample ns;
  SST_Sample m;

  memset(acts, 0, sizeof(*acts));
  /* A leap second due before the timer for it fired is handled first, so that the update
     this packet may cause (on the next day) cannot cancel it. */
  leap_on_timer(e, now, acts);
  if (!s || !buf) {
    return;
  }
  if (NSC_ProcessResponse(s->nsc, buf, len, rx_real, e->cfg.precision, &ns) != NSC_RX_SAMPLE) {
    return;
  }
  if (near_leap(e, rx_real)) {
    return;   /* counted by NSC as a response; its offset is not trusted */
  }
  memset(&m, 0, sizeof(m));
  m.time = ns.time;
  m.offset = ns.offset;
  m.delay = ns.delay;
  m.dispersion = ns.dispersion;
  m.root_delay = ns.root_delay;
  m.root_dispersion = ns.root_dispersion;
  m.stratum = ns.stratum;
  m.leap = ns.leap;
  if (SST_AddSample(s->st, &m) != SST_ADDED) {
    return;
  }
  s->have_sample = 1;
  s->last = m;
  s->last_mono = now->mono;
  s->new_sample = 1;
  adapt_poll(s);
  select_and_update(e, now, acts);
}

void SYN_MakeStep(SYN_Engine *e, const SYN_Now *now, SYN_Actions *acts)
{
  memset(acts, 0, sizeof(*acts));
  e->force_step = 1;
  (void)now;
}

void SYN_GetRefState(const SYN_Engine *e, const struct timespec *now, NSV_RefState *ref)
{
  memset(ref, 0, sizeof(*ref));
  ref->precision = e->cfg.precision;
  if (e->synchronised) {
    ref->synchronised = 1;
    ref->leap = (uint8_t)e->leap;
    ref->stratum = (uint8_t)e->stratum;
    ref->ref_id = e->ref_id;
    ref->root_delay = e->root_delay;
    ref->root_dispersion = e->root_dispersion;
    ref->ref_time = e->ref_time;
  } else if (e->cfg.local_stratum > 0) {
    ref->synchronised = 1;
    ref->leap = 0;
    ref->stratum = (uint8_t)e->cfg.local_stratum;
    ref->ref_id = LOCAL_REF_ID;
    ref->ref_time = *now;
  }
}

void SYN_GetTracking(const SYN_Engine *e, const SYN_Now *now, SYN_Tracking *t)
{
  double f, sk;
  DSC_Input in;

  memset(t, 0, sizeof(*t));
  t->synchronised = e->synchronised;
  t->ref_id = e->ref_id;
  t->ref_addr = e->ref_addr;
  t->stratum = e->synchronised ? e->stratum : (e->cfg.local_stratum > 0 ? e->cfg.local_stratum : 0);
  t->leap = e->synchronised ? e->leap : 3;
  t->ref_time = e->ref_time;
  t->system_offset = -DSC_RemainingOffset(e->dsc, &now->mono);
  t->last_offset = -e->last_offset;
  t->rms_offset = sqrt(e->ms_offset);
  DSC_GetFrequency(e->dsc, &f, &sk);
  t->freq_ppm = -f;
  DSC_GetLastInput(e->dsc, &in);
  t->resid_freq_ppm = in.resid_freq_ppm;
  t->skew_ppm = sk;
  t->root_delay = e->root_delay;
  t->root_dispersion = e->root_dispersion;
  t->update_interval = e->update_interval;
  t->n_updates = DSC_UpdateCount(e->dsc);
}

size_t SYN_SourceCount(const SYN_Engine *e)
{
  size_t n = 0;
  int i;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    n += e->src[i].used ? 1 : 0;
  }
  return n;
}

int SYN_GetSourceReport(const SYN_Engine *e, size_t index, const SYN_Now *now,
                        SYN_SourceReport *r)
{
  size_t k = 0;
  int i;
  const Source *s = NULL;
  SST_Estimate est;
  double off, err;

  for (i = 0; i < SYN_MAX_SOURCES; i++) {
    if (e->src[i].used && k++ == index) {
      s = &e->src[i];
      break;
    }
  }
  if (!s) {
    return 0;
  }
  memset(r, 0, sizeof(*r));
  r->id = s->id;
  snprintf(r->name, sizeof(r->name), "%s", s->sc.name);
  r->addr = s->sc.ntp.addr;
  r->port = s->sc.ntp.port;
  r->status = s->status;
  NSC_GetReport(s->nsc, &r->ntp);
  r->poll = r->ntp.poll;
  r->reach = r->ntp.reach;
  r->stratum = s->have_sample ? s->last.stratum : 0;
  r->last_rx_ago = s->have_sample ? UTI_DiffTimespecs(&now->mono, &s->last_mono) : -1.0;
  if (s->have_sample) {
    r->last_offset = -s->last.offset;
    r->last_error = s->last.delay / 2.0 + s->last.dispersion;
  }
  r->last_offset_measured = r->ntp.have_last ? -r->ntp.last_sample.offset : 0.0;
  if (SST_GetEstimate(s->st, &est)) {
    r->n_samples = est.n_samples;
    r->n_runs = est.n_runs;
    r->span = est.span;
    r->freq_ppm = est.freq_ppm;
    r->skew_ppm = est.skew_ppm;
    r->std_dev = est.std_dev;
    if (SST_PredictOffset(s->st, &now->real, &off, &err)) {
      r->offset = -off;
    }
  }
  r->prefer = s->sc.prefer;
  r->noselect = s->sc.noselect;
  r->trust = s->sc.trust;
  r->require = s->sc.require;
  return 1;
}

NSC_Source *SYN_GetNtpSource(SYN_Engine *e, int id)
{
  Source *s = find_source(e, id);

  return s ? s->nsc : NULL;
}

static int addr_in_use(const SYN_Engine *e, const IPAddr *a, uint16_t port)
{
  int j;

  for (j = 0; j < SYN_MAX_SOURCES; j++) {
    if (e->src[j].used && e->src[j].sc.ntp.port == port &&
        ADDR_Equal(&e->src[j].sc.ntp.addr, a)) {
      return 1;
    }
  }
  return 0;
}

int SYN_PickNewAddress(SYN_Engine *e, const IPAddr *addrs, size_t n, uint16_t port,
                       IPAddr *out)
{
  size_t i, n_free = 0, pick;

  if (!addrs) {
    return 0;
  }
  for (i = 0; i < n; i++) {
    n_free += !addr_in_use(e, &addrs[i], port);
  }
  if (n_free == 0) {
    return 0;
  }
  pick = (size_t)(next_random(e) % n_free);
  for (i = 0; i < n; i++) {
    if (!addr_in_use(e, &addrs[i], port) && pick-- == 0) {
      *out = addrs[i];
      return 1;
    }
  }
  return 0;
}

void SYN_GetFrequency(const SYN_Engine *e, double *freq_ppm, double *skew_ppm)
{
  DSC_GetFrequency(e->dsc, freq_ppm, skew_ppm);
}
