/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * selection.c - source selection [core]: which upstream sources are truechimers, which one
 * is the system peer, and the combined estimate of all those close to it.
 *
 * The steps follow RFC 5905 §11.2 as chrony applies them:
 *   1. exclusions (noselect, no estimate, unsynchronised, distance, jitter);
 *   2. intersection (§11.2.1, Marzullo): the point shared by the most correctness
 *      intervals [offset - distance, offset + distance]; sources with `trust` take
 *      priority.  Without a majority (and no trusted source) nothing is selected;
 *   3. the system peer: the truechimer (among the `prefer` ones if any) with the lowest
 *      distance + stratum * stratumweight, keeping the current peer unless another is
 *      better by more than reselectdist;
 *   4. combining (§11.2.3): truechimers within combinelimit times the peer's distance,
 *      weighted by 1/distance.
 *
 * A pure function: no I/O, no clock, no state kept between calls.  Input from the network
 * reaches it only as numbers that may be NaN or out of range; such candidates are
 * treated as having no estimate (SEL_ST_MISSING), never trusted.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "selection.h"

/* Floor on a distance or skew used as a weight divisor, so a zero from a perfect (e.g.
   simulated) source gives a large finite weight rather than a division by zero. */
#define MIN_WEIGHT_DISTANCE 1e-9
#define MIN_WEIGHT_SKEW 1e-9
/* Highest stratum accepted as synchronised (RFC 5905 §7.3: 16 = unsynchronised). */
#define MAX_STRATUM 15

void
SEL_DefaultParams(SEL_Params *p)
{
  p->minsources = 1;
  p->maxdistance = 3.0;
  p->maxjitter = 1.0;
  p->combinelimit = 3.0;
  p->reselectdist = 1e-4;
  p->current_id = -1;
  p->stratumweight = 1e-3;
}

char
SEL_StatusChar(SEL_Status s)
{
  switch (s) {
  case SEL_ST_NOSELECT:
    return 'N';
  case SEL_ST_MISSING:
    return 'M';
  case SEL_ST_UNSYNC:
    return 's';
  case SEL_ST_DISTANCE:
    return 'd';
  case SEL_ST_JITTER:
    return '~';
  case SEL_ST_WAITING:
    return 'W';
  case SEL_ST_FALSETICKER:
    return 'x';
  case SEL_ST_OUTLIER:
    return '-';
  case SEL_ST_COMBINED:
    return '+';
  case SEL_ST_SELECTED:
    return '*';
  default:
    return '?';
  }
}

/* The larger of a and b (a local helper: libcore's symbol allow-list has no fmax). */
static double
max_d(double a, double b)
{
  return a > b ? a : b;
}

/* A finite, non-negative value. */
static int
finite_nonneg(double x)
{
  return isfinite(x) && x >= 0.0;
}

/* Copy the caller's parameters, replacing any NaN or out-of-range value by its default:
   selection must not silently accept everything because a limit is NaN. */
static void
sanitize_params(const SEL_Params *in, SEL_Params *out)
{
  SEL_DefaultParams(out);
  if (!in) {
    return;
  }
  if (in->minsources >= 1) {
    out->minsources = in->minsources;
  }
  if (finite_nonneg(in->maxdistance)) {
    out->maxdistance = in->maxdistance;
  }
  if (finite_nonneg(in->maxjitter)) {
    out->maxjitter = in->maxjitter;
  }
  if (finite_nonneg(in->combinelimit)) {
    out->combinelimit = in->combinelimit;
  }
  if (finite_nonneg(in->reselectdist)) {
    out->reselectdist = in->reselectdist;
  }
  if (finite_nonneg(in->stratumweight)) {
    out->stratumweight = in->stratumweight;
  }
  out->current_id = in->current_id;
}

/* Whether every number of a candidate is one selection can work with. */
static int
candidate_sane(const SEL_Candidate *c)
{
  return isfinite(c->offset) && finite_nonneg(c->root_distance) && finite_nonneg(c->std_dev) &&
         isfinite(c->freq) && finite_nonneg(c->skew) && isfinite(c->root_delay) &&
         finite_nonneg(c->root_dispersion) && c->stratum >= 0 && c->stratum <= 255 &&
         c->leap >= 0 && c->leap <= 3;
}

/* Step 1: the exclusions, in the order chronyc reports them.  SEL_ST_NONE = eligible. */
static SEL_Status
exclusion(const SEL_Candidate *c, const SEL_Params *p)
{
  if (c->noselect) {
    return SEL_ST_NOSELECT;
  }
  if (!c->usable || !candidate_sane(c)) {
    return SEL_ST_MISSING;
  }
  if (c->leap == 3 || c->stratum > MAX_STRATUM) {
    return SEL_ST_UNSYNC;
  }
  if (c->root_distance > p->maxdistance) {
    return SEL_ST_DISTANCE;
  }
  if (c->std_dev > p->maxjitter) {
    return SEL_ST_JITTER;
  }
  return SEL_ST_NONE;
}

/* One end of a correctness interval. */
typedef struct {
  double value;
  int high;     /* 0: lower end, 1: upper end */
  size_t index; /* candidate */
} Endpoint;

/* Ascending by value; at equal values lower ends first, so intervals that only touch
   still share that point (closed intervals); then by index for a deterministic order. */
static int
compare_endpoints(const void *a, const void *b)
{
  const Endpoint *x = a, *y = b;

  if (x->value < y->value) {
    return -1;
  }
  if (x->value > y->value) {
    return 1;
  }
  if (x->high != y->high) {
    return x->high - y->high;
  }
  return (x->index > y->index) - (x->index < y->index);
}

/* Step 2 (RFC 5905 §11.2.1): sweep the sorted endpoints counting how many intervals
   contain each point.  Like chrony, the count of trusted intervals decides first and the
   total count second; the first (lowest) interval reaching the best counts is kept.
   Returns 0 on allocation failure. */
static int
find_intersection(const SEL_Candidate *c, size_t n, const SEL_Status *st, size_t *best_depth,
                  size_t *best_trust_depth, double *lo, double *hi)
{
  Endpoint *ep;
  size_t i, n_ep = 0, depth = 0, trust_depth = 0;
  int open = 0; /* inside the best interval found so far */

  *best_depth = *best_trust_depth = 0;
  *lo = *hi = 0.0;
  if (n > SIZE_MAX / (2 * sizeof (Endpoint))) {
    return 0;
  }
  ep = malloc(2 * n * sizeof (Endpoint) + 1);
  if (!ep) {
    return 0;
  }
  for (i = 0; i < n; i++) {
    if (st[i] != SEL_ST_NONE) {
      continue;
    }
    ep[n_ep].value = c[i].offset - c[i].root_distance;
    ep[n_ep].high = 0;
    ep[n_ep++].index = i;
    ep[n_ep].value = c[i].offset + c[i].root_distance;
    ep[n_ep].high = 1;
    ep[n_ep++].index = i;
  }
  qsort(ep, n_ep, sizeof (Endpoint), compare_endpoints);

  for (i = 0; i < n_ep; i++) {
    int trusted = c[ep[i].index].trust != 0;

    if (!ep[i].high) {
      depth++;
      trust_depth += trusted;
      if (trust_depth > *best_trust_depth ||
          (trust_depth == *best_trust_depth && depth > *best_depth)) {
        *best_trust_depth = trust_depth;
        *best_depth = depth;
        *lo = ep[i].value;
        *hi = ep[i].value;
        open = 1;
      }
    } else {
      /* The best interval ends at the first upper end after its lower end. */
      if (open) {
        *hi = ep[i].value;
        open = 0;
      }
      depth--;
      trust_depth -= trusted;
    }
  }
  free(ep);
  return 1;
}

/* chrony's ranking distance (chrony.conf(5) stratumweight). */
static double
score(const SEL_Candidate *c, const SEL_Params *p)
{
  return c->root_distance + c->stratum * p->stratumweight;
}

static void
clear_result(SEL_Result *out, size_t n_true)
{
  SEL_Result r = {0};

  r.selected = -1;
  r.selected_id = -1;
  r.n_truechimers = n_true > INT32_MAX ? INT32_MAX : (int)n_true;
  *out = r;
}

/* Give every candidate still marked st_from the status st_to. */
static void
mark(SEL_Status *st, size_t n, SEL_Status st_from, SEL_Status st_to)
{
  size_t i;

  for (i = 0; i < n; i++) {
    if (st[i] == st_from) {
      st[i] = st_to;
    }
  }
}

/* Step 4 (RFC 5905 §11.2.3): the combined estimate of the candidates marked COMBINED or
   SELECTED.  Offset, root dispersion and the offset's error are weighted by 1/distance;
   the frequency by 1/skew^2 as chrony does, since skew is its error bound.  The error
   terms include the spread of the combined values around the result, so disagreeing
   sources give a larger error rather than a falsely small one. */
static void
combine(const SEL_Candidate *c, size_t n, const SEL_Status *st, SEL_Result *out)
{
  double sw = 0.0, so = 0.0, srd = 0.0, sfw = 0.0, sf = 0.0, var = 0.0, fvar = 0.0;
  size_t i;

  for (i = 0; i < n; i++) {
    double w, fw, sk;

    if (st[i] != SEL_ST_COMBINED && st[i] != SEL_ST_SELECTED) {
      continue;
    }
    w = 1.0 / max_d(c[i].root_distance, MIN_WEIGHT_DISTANCE);
    sk = max_d(c[i].skew, MIN_WEIGHT_SKEW);
    fw = 1.0 / (sk * sk);
    sw += w;
    so += w * c[i].offset;
    srd += w * c[i].root_dispersion;
    sfw += fw;
    sf += fw * c[i].freq;
  }
  out->offset = so / sw;
  out->root_dispersion = srd / sw;
  out->freq = sf / sfw;

  for (i = 0; i < n; i++) {
    double w, fw, sk, d, df;

    if (st[i] != SEL_ST_COMBINED && st[i] != SEL_ST_SELECTED) {
      continue;
    }
    w = 1.0 / max_d(c[i].root_distance, MIN_WEIGHT_DISTANCE);
    sk = max_d(c[i].skew, MIN_WEIGHT_SKEW);
    fw = 1.0 / (sk * sk);
    d = c[i].offset - out->offset;
    df = c[i].freq - out->freq;
    var += w * (c[i].std_dev * c[i].std_dev + d * d);
    fvar += fw * (c[i].skew * c[i].skew + df * df);
  }
  out->offset_sd = sqrt(var / sw);
  out->skew = sqrt(fvar / sfw);
}

/* Leap vote (RFC 5905 §11.2.3 leaves it to the implementation; chrony and ntpd follow the
   majority): announce a leap second only if more than half of the truechimers do. */
static int
leap_vote(const SEL_Candidate *c, size_t n, const int *truechimer)
{
  size_t i, n_true = 0, ins = 0, del = 0;

  for (i = 0; i < n; i++) {
    if (!truechimer[i]) {
      continue;
    }
    n_true++;
    ins += c[i].leap == 1;
    del += c[i].leap == 2;
  }
  if (2 * ins > n_true) {
    return 1;
  }
  if (2 * del > n_true) {
    return 2;
  }
  return 0;
}

int
SEL_Select(const SEL_Candidate *c, size_t n, const SEL_Params *params, SEL_Status *status,
           SEL_Result *out)
{
  SEL_Params p;
  SEL_Status *st = status;
  SEL_Result res;
  int *truechimer = NULL;
  size_t i, n_eligible = 0, n_true = 0, best_depth, best_trust_depth;
  size_t sel = SIZE_MAX, cur = SIZE_MAX;
  double lo, hi, d_sel;
  int any_prefer = 0, want_require = 0, have_require = 0, ok = 0;

  sanitize_params(params, &p);
  clear_result(&res, 0);
  if (!c && n > 0) {
    n = 0;
  }
  if (n == 0) {
    goto done;
  }
  if (!st) {
    if (n > SIZE_MAX / sizeof (*st)) {
      goto done;
    }
    st = malloc(n * sizeof (*st));
    if (!st) {
      goto done;
    }
  }
  if (n > SIZE_MAX / sizeof (int) || !(truechimer = calloc(n, sizeof (int)))) {
    for (i = 0; i < n; i++) {
      st[i] = SEL_ST_NONE;
    }
    goto done;
  }

  /* Step 1: exclusions. */
  for (i = 0; i < n; i++) {
    st[i] = exclusion(&c[i], &p);
    n_eligible += st[i] == SEL_ST_NONE;
    want_require |= c[i].require && !c[i].noselect;
  }
  if (n_eligible == 0) {
    goto done;
  }
  if (n_eligible < (size_t)p.minsources) {
    /* Not enough selectable sources to even try (chrony.conf(5) minsources). */
    mark(st, n, SEL_ST_NONE, SEL_ST_WAITING);
    goto done;
  }

  /* Step 2: intersection and majority. */
  if (!find_intersection(c, n, st, &best_depth, &best_trust_depth, &lo, &hi)) {
    goto done;
  }
  res.interval_lo = lo;
  res.interval_hi = hi;
  if (2 * best_depth <= n_eligible && best_trust_depth == 0) {
    /* No point is shared by more than half of the sources: no source can be shown to be
       right, so none is followed (chrony: "Can't synchronise: no majority"). */
    mark(st, n, SEL_ST_NONE, SEL_ST_FALSETICKER);
    goto done;
  }
  for (i = 0; i < n; i++) {
    double clo, chi;

    if (st[i] != SEL_ST_NONE) {
      continue;
    }
    clo = c[i].offset - c[i].root_distance;
    chi = c[i].offset + c[i].root_distance;
    /* A truechimer's interval contains the whole best interval (when trusted sources
       decided it, only theirs may count that way, so an untrusted interval cannot pull
       the result outside the trusted one), or lies within it. */
    if (((best_trust_depth == 0 || c[i].trust) && clo <= lo && chi >= hi) ||
        (clo >= lo && chi <= hi)) {
      truechimer[i] = 1;
      n_true++;
      have_require |= c[i].require != 0;
      any_prefer |= c[i].prefer != 0;
    } else {
      st[i] = SEL_ST_FALSETICKER;
    }
  }
  res.n_truechimers = n_true > INT32_MAX ? INT32_MAX : (int)n_true;
  if (n_true < (size_t)p.minsources || (want_require && !have_require)) {
    mark(st, n, SEL_ST_NONE, SEL_ST_WAITING);
    goto done;
  }

  /* Step 3: the system peer, among the prefer sources if any is a truechimer. */
  for (i = 0; i < n; i++) {
    if (!truechimer[i] || (any_prefer && !c[i].prefer)) {
      continue;
    }
    if (sel == SIZE_MAX || score(&c[i], &p) < score(&c[sel], &p)) {
      sel = i;
    }
    if (cur == SIZE_MAX && c[i].id == p.current_id) {
      cur = i;
    }
  }
  /* Hysteresis (chrony.conf(5) reselectdist): the others pay reselectdist, so the current
     peer is kept until a source is better by more than that. */
  if (cur != SIZE_MAX && cur != sel && !(score(&c[sel], &p) + p.reselectdist < score(&c[cur], &p))) {
    sel = cur;
  }

  /* Step 4: combine the truechimers close enough to the peer. */
  d_sel = c[sel].root_distance;
  for (i = 0; i < n; i++) {
    if (!truechimer[i]) {
      continue;
    }
    if (i == sel) {
      st[i] = SEL_ST_SELECTED;
    } else if ((!any_prefer || c[i].prefer) && c[i].root_distance <= p.combinelimit * d_sel) {
      st[i] = SEL_ST_COMBINED;
    } else {
      st[i] = SEL_ST_OUTLIER;
    }
  }
  combine(c, n, st, &res);
  res.selected = sel > INT32_MAX ? -1 : (int)sel;
  res.selected_id = c[sel].id;
  res.root_delay = c[sel].root_delay;
  res.stratum = c[sel].stratum;
  res.leap = leap_vote(c, n, truechimer);
  ok = res.selected >= 0;

done:
  if (!ok) {
    double ilo = res.interval_lo, ihi = res.interval_hi;
    int nt = res.n_truechimers;

    clear_result(&res, 0);
    res.n_truechimers = nt;
    res.interval_lo = ilo;
    res.interval_hi = ihi;
  }
  if (out) {
    *out = res;
  }
  free(truechimer);
  if (st != status) {
    free(st);
  }
  return ok;
}
